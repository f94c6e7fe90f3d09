//! Loom models of broadcast readers attaching and detaching while the producer scans
//! for the slowest one: a reader attaching under `Reject` while the producer evicts
//! must start on records that stay intact and then miss nothing; a detaching reader
//! releases a producer that waits for it; under `DropOldest` an attaching reader never
//! returns a torn or reordered message. The last model runs a producer that skips its
//! second look for attaching readers and must fail.
//!
//! Run with `RUSTFLAGS="--cfg loom" cargo test -p mmring-core --test loom_broadcast
//! --release` (`just loom`).
#![cfg(loom)]

mod loom_support;

use loom::sync::Arc;
use loom::sync::atomic::{
    AtomicBool,
    Ordering::{Acquire, Release},
};
use loom::thread;
use loom_support::{model, must_fail};
use mmring_core::spsc::{self, Consumer, HeapRegion, Policy, Producer, StartAt};

/// A 16-byte message whose every byte is `seq`: records are 32 bytes, two fill the
/// 64-byte ring, and a torn copy mixes two values.
fn message(seq: u8) -> Vec<u8> {
    vec![seq; 16]
}

/// Inserts [`message`]`(seq)` for each `seq`, retrying (and yielding) while full.
fn insert_retrying(tx: &mut Producer<HeapRegion>, seqs: std::ops::RangeInclusive<u8>) {
    for seq in seqs {
        while tx.insert(&message(seq)).is_err() {
            thread::yield_now();
        }
    }
}

/// Consumes until `last` arrives, or until `done` is set and nothing is left (a
/// reader may attach after the last message), checking each message is whole and,
/// under `Reject`, follows the one before without a gap.
fn consume_until(
    rx: &mut Consumer<HeapRegion>,
    last: u8,
    lossless: bool,
    done: &AtomicBool,
) -> Vec<u8> {
    let mut got: Vec<u8> = Vec::new();
    let mut out = Vec::new();
    while got.last() != Some(&last) {
        let finished = done.load(Acquire);
        if rx.try_consume_into(&mut out).expect("corrupt") {
            assert_eq!(out.len(), 16, "torn length");
            assert!(out.iter().all(|&b| b == out[0]), "torn message {out:?}");
            if let Some(&before) = got.last() {
                assert!(out[0] > before, "reordered: {} after {before}", out[0]);
                assert!(
                    !lossless || out[0] == before + 1,
                    "gap: {} after {before}",
                    out[0]
                );
            }
            got.push(out[0]);
        } else if finished {
            break;
        } else {
            thread::yield_now();
        }
    }
    got
}

/// Runs `insert` on a thread of its own, which sets the returned flag when done.
fn spawn_producer<T: 'static>(
    mut tx: Producer<HeapRegion>,
    insert: impl FnOnce(&mut Producer<HeapRegion>) -> T + 'static,
) -> (
    thread::JoinHandle<(Producer<HeapRegion>, T)>,
    Arc<AtomicBool>,
) {
    let done = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&done);
    let handle = thread::spawn(move || {
        let out = insert(&mut tx);
        flag.store(true, Release);
        (tx, out)
    });
    (handle, done)
}

/// The ring holds 1 and 2; the producer writes 3 and 4, evicting as it goes, while a
/// reader attaches at the oldest message.
fn reject_attach(broken: bool) {
    let (mut tx, region) = spsc::broadcast(64, Policy::Reject, 1).unwrap();
    if broken {
        tx = tx.without_attach_rescan();
    }
    tx.insert_batch(&[&message(1), &message(2)]).unwrap();
    let (producer, done) = spawn_producer(tx, |tx| insert_retrying(tx, 3..=4));
    let mut rx = Consumer::attach(region, Policy::Reject, 16, StartAt::Oldest).unwrap();
    // Whatever the reader starts at (the producer evicts freely until a reader is
    // there), it then receives every message after it, whole.
    let got = consume_until(&mut rx, 4, true, &done);
    producer.join().unwrap();
    let got = [got, consume_until(&mut rx, 4, true, &AtomicBool::new(true))].concat();
    assert!(got.is_empty() || got.last() == Some(&4), "{got:?} {rx:?}");
    assert_eq!((rx.read(), rx.dropped()), (got.len() as u64, 0));
}

#[test]
fn a_reader_attaching_under_reject_misses_nothing_after_its_start() {
    model(|| reject_attach(false));
}

#[test]
fn a_detaching_reader_releases_the_producer() {
    model(|| {
        let (mut tx, region) = spsc::broadcast(64, Policy::Reject, 2).unwrap();
        let mut stays =
            Consumer::attach(region.clone(), Policy::Reject, 16, StartAt::Oldest).unwrap();
        let leaves = Consumer::attach(region, Policy::Reject, 16, StartAt::Oldest).unwrap();
        tx.insert_batch(&[&message(1), &message(2)]).unwrap();
        let (producer, done) = spawn_producer(tx, |tx| insert_retrying(tx, 3..=3));
        let got = consume_until(&mut stays, 2, true, &done);
        assert_eq!(got, [1, 2]);
        drop(leaves);
        let got = consume_until(&mut stays, 3, true, &AtomicBool::new(false));
        assert_eq!(got, [3]);
        let (tx, ()) = producer.join().unwrap();
        assert_eq!(tx.readers().len(), 1);
    });
}

#[test]
fn a_reader_attaching_under_drop_oldest_never_sees_a_torn_message() {
    model(|| {
        let (mut tx, region) = spsc::broadcast(64, Policy::DropOldest, 1).unwrap();
        tx.insert_batch(&[&message(1), &message(2)]).unwrap();
        let (producer, done) = spawn_producer(tx, |tx| {
            for seq in 3..=4 {
                tx.insert(&message(seq)).unwrap();
            }
        });
        let mut rx = Consumer::attach(region, Policy::DropOldest, 16, StartAt::Oldest).unwrap();
        let got = consume_until(&mut rx, 4, false, &done);
        producer.join().unwrap();
        let got = [
            got,
            consume_until(&mut rx, 4, false, &AtomicBool::new(true)),
        ]
        .concat();
        assert_eq!(got.last(), Some(&4), "the newest message arrives");
        assert_eq!(rx.read(), got.len() as u64);
        assert!(rx.read() + rx.dropped() <= 4);
    });
}

#[test]
fn the_model_catches_a_producer_that_does_not_look_again() {
    must_fail(
        "the_model_catches_a_producer_that_does_not_look_again",
        &["torn", "gap", "reordered", "corrupt"],
        || reject_attach(true),
    );
}
