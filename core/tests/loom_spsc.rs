//! Loom models of the SPSC record protocol: a tiny ring where the producer laps the
//! consumer mid-copy, under both policies. Every message the consumer returns must be
//! whole and in order, and under `DropOldest` delivered + dropped = sent. A consumer
//! killed after any prefix of its commit's stores must leave a ring its successor
//! resumes while the producer runs. The last model runs a consumer without the seqlock
//! re-check and must fail, proving the models can see a torn read.
//!
//! Run with `RUSTFLAGS="--cfg loom" cargo test -p mmring-core --test loom_spsc --release`
//! (`just loom`).
#![cfg(loom)]

mod loom_support;

use loom::thread;
use loom_support::{model, must_fail};
use mmring_core::spsc::{self, Consumer, HeapRegion, Policy, Producer};

/// A 16-byte message (two words) whose every byte is `seq`: a torn copy mixes two
/// values. Records are 32 bytes: two fill the 64-byte ring exactly.
fn message(seq: u8) -> Vec<u8> {
    sized(seq, 16)
}

/// A message of `len` bytes, every byte `seq`.
fn sized(seq: u8, len: usize) -> Vec<u8> {
    vec![seq; len]
}

/// Inserts [`message`]`(seq)` for each `seq`, retrying (and yielding) while the ring is
/// full under `Reject`.
fn insert_retrying(tx: &mut Producer<HeapRegion>, seqs: std::ops::RangeInclusive<u8>) {
    for seq in seqs {
        while tx.insert(&message(seq)).is_err() {
            thread::yield_now();
        }
    }
}

/// Consumes up to `attempts` times, checking each message is whole and in order.
fn consume_checked(rx: &mut Consumer<HeapRegion>, attempts: usize, got: &mut Vec<u8>) {
    let mut out = Vec::new();
    for _ in 0..attempts {
        if rx.try_consume_into(&mut out).unwrap() {
            assert!(
                out.len() == 8 || out.len() == 16,
                "torn length {}",
                out.len()
            );
            assert!(out.iter().all(|&b| b == out[0]), "torn message {out:?}");
            assert!(got.last().is_none_or(|&last| out[0] > last), "reordered");
            got.push(out[0]);
        }
        thread::yield_now();
    }
}

/// A producer writes three messages of `len` bytes into a 64-byte ring while the
/// consumer reads: the third insert evicts the first, possibly while the consumer
/// copies it.
fn drop_oldest_model(len: usize) {
    model(move || {
        let (mut tx, mut rx) = spsc::channel(64, Policy::DropOldest).unwrap();
        let producer = thread::spawn(move || {
            for seq in 1..=3 {
                tx.insert(&sized(seq, len)).unwrap();
            }
        });
        let mut got = Vec::new();
        consume_checked(&mut rx, 2, &mut got);
        producer.join().unwrap();
        consume_checked(&mut rx, 3, &mut got);
        assert_eq!(got.last(), Some(&3), "the newest message survives");
        assert_eq!(got.len() as u64 + rx.dropped(), 3);
    });
}

/// 16-byte messages make 32-byte records: two fill the ring exactly.
#[test]
fn drop_oldest_consumer_never_sees_a_torn_message() {
    drop_oldest_model(16);
}

/// 8-byte messages make 24-byte records: the third lands at 48, does not fit before
/// the end, and is preceded by a padding marker; the producer evicts across it while
/// the consumer may be reading the record before it or the marker itself.
#[test]
fn drop_oldest_consumer_handles_padding_at_the_wrap() {
    drop_oldest_model(8);
}

#[test]
fn reject_consumer_gets_everything_in_order() {
    model(|| {
        let (mut tx, mut rx) = spsc::channel(64, Policy::Reject).unwrap();
        let producer = thread::spawn(move || insert_retrying(&mut tx, 1..=3));
        let mut got = Vec::new();
        while got.len() < 3 {
            consume_checked(&mut rx, 1, &mut got);
        }
        producer.join().unwrap();
        assert_eq!(got, [1, 2, 3]);
    });
}

/// A consumer takes one message but publishes only a prefix of its commit (as if
/// killed between two stores) while the producer keeps writing; a new consumer opens
/// the same region and must read the rest without an error, in order, with the
/// accounting exact: under `Reject` every message arrives (the one in flight twice only
/// when none of its stores was published), under `DropOldest` read + dropped = sent.
#[test]
fn a_consumer_killed_mid_commit_leaves_a_resumable_ring() {
    for policy in [Policy::Reject, Policy::DropOldest] {
        for stores in 0..=3 {
            model(move || {
                let (mut tx, rx) = spsc::channel(64, policy).unwrap();
                let region = rx.region().clone();
                let producer = thread::spawn(move || insert_retrying(&mut tx, 1..=3));
                let mut dying = rx.crash_after_stores(stores);
                let mut taken = Vec::new();
                consume_checked(&mut dying, 1, &mut taken);
                drop(dying);

                let mut next = Consumer::new(region, policy, 16).unwrap();
                let mut got = Vec::new();
                if policy == Policy::Reject {
                    // The producer needs room that only consuming makes.
                    while !got.contains(&3) {
                        consume_checked(&mut next, 1, &mut got);
                    }
                } else {
                    consume_checked(&mut next, 1, &mut got);
                }
                producer.join().unwrap();
                consume_checked(&mut next, 3, &mut got);
                if let (Some(&first), Some(&before)) = (got.first(), taken.first()) {
                    let again = stores == 0;
                    assert!(
                        first > before || (again && first == before),
                        "{taken:?} then {got:?}"
                    );
                }
                match policy {
                    Policy::Reject => {
                        let mut all = taken.clone();
                        all.extend(got.iter().filter(|&&s| taken.first() != Some(&s)));
                        assert_eq!(all, [1, 2, 3], "{stores} stores");
                    }
                    Policy::DropOldest => {
                        assert_eq!(got.last(), Some(&3), "the newest message survives");
                        assert_eq!(next.read() + next.dropped(), 3, "{stores} stores");
                    }
                }
            });
        }
    }
}

#[test]
fn the_model_catches_a_consumer_without_the_seqlock_check() {
    must_fail(
        "the_model_catches_a_consumer_without_the_seqlock_check",
        &["torn", "reordered"],
        || {
            let (mut tx, rx) = spsc::channel(64, Policy::DropOldest).unwrap();
            let mut rx = rx.without_seqlock_check();
            let producer = thread::spawn(move || {
                for seq in 1..=3 {
                    tx.insert(&message(seq)).unwrap();
                }
            });
            let mut got = Vec::new();
            consume_checked(&mut rx, 2, &mut got);
            producer.join().unwrap();
        },
    );
}
