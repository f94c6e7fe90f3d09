//! Loom models of the `SharedRingBuffer` insert / wait / close protocol.
//!
//! Run with `RUSTFLAGS="--cfg loom" cargo test -p mmring-core --test loom_shared --release`
//! (`just loom`). Each model explores every interleaving of a few threads on a ring of
//! capacity 1 or 2 and checks that no wake-up is lost (loom reports a deadlock if a
//! waiter sleeps forever) and that every item is delivered exactly once or counted as
//! overwritten. The last model runs a deliberately broken consumer to prove the models
//! can fail.
#![cfg(loom)]

use std::time::Duration;

mod loom_support;

use loom::thread;
use loom_support::{model, must_fail};
use mmring_core::{GenericRingBuffer, SharedRingBuffer};

fn shared(capacity: usize) -> SharedRingBuffer<GenericRingBuffer<u32>> {
    GenericRingBuffer::new(capacity).unwrap().into_shared()
}

/// Drains with blocking waits until the ring is closed and empty.
fn drain_blocking(ring: &SharedRingBuffer<GenericRingBuffer<u32>>) -> Vec<u32> {
    let mut got = Vec::new();
    while let Some(item) = ring.consume_blocking(Duration::MAX) {
        got.push(item);
    }
    got
}

/// A thread that inserts `items` in order, then closes the ring.
fn produce_then_close(
    ring: &SharedRingBuffer<GenericRingBuffer<u32>>,
    items: &'static [u32],
) -> thread::JoinHandle<()> {
    let producer = ring.clone();
    thread::spawn(move || {
        for &item in items {
            producer.insert(item);
        }
        producer.close();
    })
}

/// Checks the accounting: what was delivered, in order, plus what was overwritten, is
/// exactly what was sent.
fn assert_exactly_once(mut delivered: Vec<u32>, sent: u32, overwritten: u64) {
    delivered.sort_unstable();
    delivered.dedup();
    assert_eq!(delivered.len() as u64 + overwritten, u64::from(sent));
}

#[test]
fn blocking_consumer_misses_no_wakeup() {
    model(|| {
        let ring = shared(2);
        let t = produce_then_close(&ring, &[1, 2]);
        let got = drain_blocking(&ring);
        t.join().unwrap();
        assert_eq!(got, [1, 2]);
    });
}

#[test]
fn async_consumer_misses_no_wakeup_with_eviction() {
    model(|| {
        let ring = shared(1);
        let t = produce_then_close(&ring, &[1, 2]);
        let mut got = Vec::new();
        while let Some(item) = loom::future::block_on(ring.aconsume()) {
            got.push(item);
        }
        t.join().unwrap();
        assert!(got.windows(2).all(|w| w[0] < w[1]), "out of order: {got:?}");
        assert_exactly_once(got, 2, ring.overwritten());
    });
}

#[test]
fn two_waiters_share_items_exactly_once() {
    model(|| {
        let ring = shared(2);
        let other = ring.clone();
        let consumer = thread::spawn(move || loom::future::block_on(other.aconsume()));
        let t = produce_then_close(&ring, &[1]);
        let mine = ring.consume_blocking(Duration::MAX);
        let theirs = consumer.join().unwrap();
        t.join().unwrap();
        let delivered: Vec<u32> = mine.into_iter().chain(theirs).collect();
        assert_eq!(delivered, [1]);
    });
}

#[test]
fn close_wakes_a_waiter() {
    model(|| {
        let ring = shared(1);
        let closer = ring.clone();
        let t = thread::spawn(move || closer.close());
        assert_eq!(ring.consume_blocking(Duration::MAX), None);
        t.join().unwrap();
    });
}

/// The broken consumer must make the model fail. Loom reports the lost wake-up as a
/// deadlock panic and then aborts while unwinding its own objects, so the model runs in
/// a child process and the test checks that it failed for that reason.
#[test]
fn the_model_catches_a_check_then_listen_consumer() {
    must_fail(
        "the_model_catches_a_check_then_listen_consumer",
        &["deadlock"],
        || {
            let ring = shared(2);
            let producer = ring.clone();
            let t = thread::spawn(move || {
                producer.insert(1);
            });
            assert_eq!(ring.consume_blocking_check_then_listen(), Some(1));
            t.join().unwrap();
        },
    );
}
