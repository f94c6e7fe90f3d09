//! A consumer killed after every prefix of its commit's stores: the next consumer must
//! resume without a `Corrupt` error, without wedging the producer, with
//! `read + dropped` exact and the message in flight either delivered again or counted.

use super::{Consumer, HeapRegion, Policy, Producer, Region, channel};

/// The stores one consume publishes (`read_pos`, `read_seq`, `read`).
const COMMIT_STORES: usize = 3;

fn message(seq: u8) -> Vec<u8> {
    vec![seq; 16] // 32-byte records: 8 fit a 256-byte ring
}

/// Runs `setup` (which leaves unread messages, maybe some already evicted), lets a
/// consumer take one message but publish only `stores` stores, then checks that a new
/// consumer resumes cleanly.
fn crash_and_resume(policy: Policy, stores: usize, setup: impl Fn(&mut Producer<HeapRegion>)) {
    let (mut tx, rx) = channel(256, policy).unwrap();
    let region = rx.region().clone();
    drop(rx);
    setup(&mut tx);
    let written_before = tx.written();

    let mut dying = Consumer::new(region.clone(), policy, 112)
        .unwrap()
        .crash_after_stores(stores);
    let in_flight = dying.try_consume().unwrap().expect("a message to take");
    drop(dying);

    let mut next = Consumer::new(region.clone(), policy, 112)
        .unwrap_or_else(|e| panic!("{policy:?}, {stores} stores: refused to open: {e}"));
    let mut got = Vec::new();
    while let Some(m) = next
        .try_consume()
        .unwrap_or_else(|e| panic!("{policy:?}, {stores} stores: {e}"))
    {
        got.push(m[0]);
    }
    // The in-flight message comes again only if its position was never published.
    assert_eq!(
        got.first() == Some(&in_flight[0]),
        stores == 0,
        "{policy:?}, {stores} stores: {got:?}"
    );
    assert!(got.windows(2).all(|w| w[0] < w[1]), "out of order: {got:?}");
    // Caught up: every message written was read (by either consumer) or dropped.
    let read_by_both = next.read();
    assert_eq!(
        read_by_both + next.dropped(),
        written_before,
        "{policy:?}, {stores} stores"
    );
    // The producer goes on: a full ring under Reject must have been freed.
    for seq in 100..105 {
        tx.insert(&message(seq)).unwrap();
    }
    let rest: Vec<u8> = std::iter::from_fn(|| next.try_consume().unwrap())
        .map(|m| m[0])
        .collect();
    assert_eq!(rest, (100..105).collect::<Vec<u8>>());
    assert_eq!(next.read() + next.dropped(), tx.written());
    assert_eq!(tx.dropped(), next.dropped());
}

#[test]
fn a_consumer_killed_after_any_prefix_of_its_stores_leaves_a_resumable_ring() {
    for stores in 0..=COMMIT_STORES {
        // A full ring under Reject: the wedge that was reported.
        crash_and_resume(Policy::Reject, stores, |tx| {
            for seq in 1..=8 {
                tx.insert(&message(seq)).unwrap();
            }
        });
        // Under DropOldest after eviction: the message taken follows a gap.
        crash_and_resume(Policy::DropOldest, stores, |tx| {
            for seq in 1..=11 {
                tx.insert(&message(seq)).unwrap();
            }
        });
        // Across padding at the wrap (24- and 40-byte records).
        crash_and_resume(Policy::DropOldest, stores, |tx| {
            for seq in 1..=12 {
                let len = if seq % 2 == 0 { 8 } else { 24 };
                tx.insert(&vec![seq; len]).unwrap();
            }
        });
    }
}

#[test]
fn every_store_of_the_commit_is_counted() {
    // If the commit grows a store, the prefixes above must cover it.
    let (mut tx, rx) = channel(64, Policy::Reject).unwrap();
    let region = rx.region().clone();
    tx.insert(b"x").unwrap();
    let mut rx = rx.crash_after_stores(COMMIT_STORES);
    rx.try_consume().unwrap();
    let line = &region.control().consumer;
    let published = [&line.read_pos, &line.read_seq, &line.read];
    assert!(
        published
            .iter()
            .all(|w| w.load(std::sync::atomic::Ordering::Relaxed) > 0)
    );
}
