//! Loom models of the split halves (`mmring_core::split`): a ring of one or two slots
//! where the producer overfills it while the consumer takes items, under both policies.
//! Loom explores every interleaving and checks every access to the slots for a data
//! race, so a slot moved out by both halves, or written while being read, fails the
//! model. Each model also checks exactly-once delivery: every item reaches the consumer
//! or comes back from `insert`, never both, never neither. One model runs the producer
//! through the start and the end of an eviction spell (the consumer switching between
//! claims by compare-and-swap and by plain stores). The last model runs a consumer that
//! takes the oldest item without claiming it first and must fail.
//!
//! Run with `RUSTFLAGS="--cfg loom" cargo test -p mmring-core --test loom_split
//! --release` (`just loom`).
#![cfg(loom)]

mod loom_support;

use std::time::Duration;

use loom::thread;
use loom_support::{model, must_fail};
use mmring_core::GenericRingBuffer;
use mmring_core::split::{Consumer, Policy, Producer};

fn split(capacity: usize, policy: Policy) -> (Producer<u32>, Consumer<u32>) {
    GenericRingBuffer::new(capacity).unwrap().split_with(policy)
}

/// Inserts `1..=count` under `DropOldest` and returns what `insert` handed back.
fn produce_evicting(tx: &mut Producer<u32>, count: u32) -> Vec<u32> {
    (1..=count).filter_map(|item| tx.insert(item)).collect()
}

/// Every item once: either delivered or evicted, and the delivered ones in order.
fn exactly_once(delivered: &[u32], evicted: &[u32], count: u32) {
    assert!(
        delivered.windows(2).all(|w| w[0] < w[1]),
        "reordered: {delivered:?}"
    );
    let mut all: Vec<u32> = delivered.iter().chain(evicted).copied().collect();
    all.sort_unstable();
    assert_eq!(
        all,
        (1..=count).collect::<Vec<_>>(),
        "delivered {delivered:?}, evicted {evicted:?}"
    );
}

/// A one-slot ring, the producer evicting the oldest item exactly when `rx` takes it;
/// checks every item has exactly one owner.
fn race_for_the_oldest(tx: Producer<u32>, mut rx: Consumer<u32>) {
    let mut tx = tx;
    let producer = thread::spawn(move || produce_evicting(&mut tx, 3));
    let mut delivered = Vec::new();
    for _ in 0..2 {
        delivered.extend(rx.try_consume());
        thread::yield_now();
    }
    let evicted = producer.join().unwrap();
    delivered.extend(std::iter::from_fn(|| rx.try_consume()));
    exactly_once(&delivered, &evicted, 3);
    assert_eq!(rx.overwritten(), evicted.len() as u64);
}

/// The race the BUSY bit arbitrates.
#[test]
fn drop_oldest_producer_and_consumer_race_for_the_oldest_item() {
    model(|| {
        let (tx, rx) = split(1, Policy::DropOldest);
        race_for_the_oldest(tx, rx);
    });
}

/// Two slots: the producer wraps around while the consumer reads the other slot.
#[test]
fn drop_oldest_producer_wraps_while_the_consumer_reads() {
    model(|| {
        let (mut tx, mut rx) = split(2, Policy::DropOldest);
        let producer = thread::spawn(move || produce_evicting(&mut tx, 4));
        let mut delivered = Vec::new();
        delivered.extend(rx.try_consume());
        let evicted = producer.join().unwrap();
        delivered.extend(std::iter::from_fn(|| rx.try_consume()));
        exactly_once(&delivered, &evicted, 4);
    });
}

/// The producer starts evicting (the consumer then claims by compare-and-swap), calms
/// down once the consumer makes room (plain stores again), and starts again, while the
/// consumer takes items throughout: every item still has exactly one owner.
#[test]
fn drop_oldest_eviction_starts_and_stops_while_the_consumer_takes() {
    model(|| {
        let (mut tx, mut rx) = split(1, Policy::DropOldest);
        let producer = thread::spawn(move || {
            let mut evicted = produce_evicting(&mut tx, 2);
            thread::yield_now();
            evicted.extend([3, 4].into_iter().filter_map(|item| tx.insert(item)));
            evicted
        });
        let mut delivered = Vec::new();
        for _ in 0..3 {
            delivered.extend(rx.try_consume());
            thread::yield_now();
        }
        let evicted = producer.join().unwrap();
        delivered.extend(std::iter::from_fn(|| rx.try_consume()));
        exactly_once(&delivered, &evicted, 4);
        assert_eq!(rx.overwritten(), evicted.len() as u64);
    });
}

/// Under `Reject` nothing is evicted: the producer retries until the consumer makes
/// room, and everything arrives in order.
#[test]
fn reject_delivers_everything_in_order() {
    model(|| {
        let (mut tx, mut rx) = split(1, Policy::Reject);
        let producer = thread::spawn(move || {
            for item in 1..=3 {
                let mut item = item;
                while let Err(back) = tx.try_insert(item) {
                    item = back;
                    thread::yield_now();
                }
            }
        });
        let mut delivered = Vec::new();
        while delivered.len() < 3 {
            match rx.try_consume() {
                Some(item) => delivered.push(item),
                None => thread::yield_now(),
            }
        }
        producer.join().unwrap();
        assert_eq!(delivered, [1, 2, 3]);
    });
}

/// A consumer sleeping in `consume_blocking` is woken by each insert and by the
/// producer's drop: no wake-up is lost (loom reports a deadlock if one is).
#[test]
fn a_blocking_consumer_is_woken_by_inserts_and_by_the_producers_drop() {
    model(|| {
        let (mut tx, mut rx) = split(2, Policy::Reject);
        let producer = thread::spawn(move || {
            tx.try_insert(1).unwrap();
            // Dropped here: the consumer must see the end once it has item 1.
        });
        let first = rx.consume_blocking(Duration::MAX);
        let end = rx.consume_blocking(Duration::MAX);
        producer.join().unwrap();
        assert_eq!((first, end), (Some(1), None));
    });
}

/// A producer waiting for room in `insert_blocking` is woken when the consumer takes
/// an item.
#[test]
fn a_blocking_producer_is_woken_when_the_consumer_makes_room() {
    model(|| {
        let (mut tx, mut rx) = split(1, Policy::Reject);
        tx.try_insert(1).unwrap();
        // The consumer half lives on after its consume (returned, not dropped): a
        // producer whose consumer is gone gives up instead.
        let consumer = thread::spawn(move || (rx.consume_blocking(Duration::MAX), rx));
        assert_eq!(tx.insert_blocking(2, Duration::MAX), Ok(()));
        let (first, mut rx) = consumer.join().unwrap();
        assert_eq!((first, rx.try_consume()), (Some(1), Some(2)));
    });
}

#[test]
fn the_model_catches_a_consumer_that_takes_without_claiming() {
    must_fail(
        "the_model_catches_a_consumer_that_takes_without_claiming",
        &["race", "Causality", "causality", "reordered", "evicted"],
        || {
            let (tx, rx) = split(1, Policy::DropOldest);
            race_for_the_oldest(tx, rx.without_claim());
        },
    );
}
