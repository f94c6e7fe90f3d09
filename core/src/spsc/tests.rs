//! Tests that reach into the control block: a consumer killed after every prefix of its
//! commit's stores (the next consumer must resume without a `Corrupt` error, without
//! wedging the producer, with `read + dropped` exact and the message in flight either
//! delivered again or counted), and every kind of hostile value a peer can write
//! there. Run them in the `hostile` profile too (`cargo test --profile hostile -p
//! mmring-core --lib`), where overflow checks are on in optimised code.

use std::sync::atomic::Ordering::Relaxed;

use proptest::prelude::*;

use super::{
    ConsumeError, Consumer, HeapRegion, LayoutError, MAX_POSITION, Policy, Producer, Region,
    channel,
};

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

/// A message whose bytes can be checked (the same shape as the integration tests'):
/// its sequence number, then a byte pattern and a length derived from it.
fn checkable(seq: u64, max_len: usize) -> Vec<u8> {
    let len = (seq.wrapping_mul(2_654_435_761) % (max_len as u64 + 1)) as usize;
    let mut out = seq.to_le_bytes().to_vec();
    out.extend((0..len).map(|i| (seq as u8).wrapping_mul(31).wrapping_add(i as u8)));
    out
}

fn cases() -> ProptestConfig {
    ProptestConfig::with_cases(if cfg!(miri) { 4 } else { 512 })
}

proptest! {
    #![proptest_config(cases())]

    /// Whatever a peer writes into the region, the consumer returns messages or
    /// errors, never panics, and stops.
    #[test]
    fn consumer_survives_arbitrary_region_contents(
        words in prop::collection::vec(any::<u64>(), 8),
        write_pos in 0u64..200,
        oldest in 0u64..200,
        policy in prop::sample::select(vec![Policy::DropOldest, Policy::Reject]),
        small in any::<bool>(),
    ) {
        let region = HeapRegion::new(64).unwrap();
        for (slot, word) in region.data().iter().zip(&words) {
            // Small lengths and valid kinds make it past the first checks more often.
            let word = if small { word & 0x0000_0003_0000_003f } else { *word };
            slot.store(word, Relaxed);
        }
        let line = &region.control().producer;
        line.write_pos.store(write_pos, Relaxed);
        region.control().cold.oldest.store(oldest, Relaxed);
        line.newest.store(oldest, Relaxed);
        line.written.store(write_pos / 16, Relaxed);
        if let Ok(mut rx) = Consumer::new(region, policy, 16) {
            for _ in 0..10 {
                let _ = rx.peekright();
                let _ = rx.peekleft();
                match rx.try_consume() {
                    Ok(Some(m)) => prop_assert!(m.len() <= 16),
                    Ok(None) | Err(ConsumeError::Corrupt { .. }) => break,
                }
            }
        }
    }
}

/// Every control word a peer can write, anywhere in `u64`, with or without a valid
/// stream behind it: opening either side and every call on it returns (a value or a
/// typed error), never panics, even with overflow checks on .
fn hostile_control(region: &HeapRegion, words: &[u64; 8]) {
    let control = region.control();
    let targets = [
        &control.producer.write_pos,
        &control.producer.newest,
        &control.producer.written,
        &control.consumer.read_pos,
        &control.consumer.read_seq,
        &control.consumer.read,
        &control.cold.oldest,
        &control.cold.oldest_seq,
    ];
    for (target, &word) in targets.iter().zip(words) {
        target.store(word, Relaxed);
    }
}

/// A word that is often near a boundary: 0, a small position, near 2^62 or u64::MAX.
fn edgy() -> impl Strategy<Value = u64> {
    prop_oneof![
        Just(0u64),
        0u64..512,
        (0u64..64).prop_map(|d| MAX_POSITION - d * 8),
        (0u64..64).prop_map(|d| u64::MAX - d),
        any::<u64>(),
    ]
}

proptest! {
    #![proptest_config(cases())]

    #[test]
    fn hostile_control_words_never_panic_either_side(
        words in prop::array::uniform8(edgy()),
        data in prop::collection::vec(edgy(), 16),
        policy in prop::sample::select(vec![Policy::DropOldest, Policy::Reject]),
        honest_prefix in 0usize..6,
    ) {
        let region = HeapRegion::new(128).unwrap();
        let mut tx = Producer::new(region.clone(), policy, 48).unwrap();
        for seq in 0..honest_prefix as u64 {
            let _ = tx.insert(&checkable(seq, 32));
        }
        for (slot, &word) in region.data().iter().zip(&data) {
            if word % 3 == 0 {
                slot.store(word, Relaxed);
            }
        }
        hostile_control(&region, &words);
        let _ = (tx.len(), tx.dropped(), tx.is_empty());
        if let Ok(mut rx) = Consumer::new(region.clone(), policy, 48) {
            for _ in 0..8 {
                let _ = (rx.len(), rx.dropped(), rx.read());
                let _ = rx.peekright();
                let _ = rx.peekleft();
                if let Ok(Some(m)) = rx.try_consume() {
                    prop_assert!(m.len() <= 48);
                }
            }
        }
        if let Ok(mut tx) = Producer::new(region, policy, 48) {
            for seq in 0..4 {
                let _ = tx.insert(&checkable(seq, 32));
            }
            let _ = (tx.len(), tx.dropped());
        }
    }
}

/// A `newest` near `u64::MAX` (once an overflow panic in `peekright`, and an unrelated
/// message in a release build) is corrupt; so is one that is not a record of the
/// current lap. Counters near `u64::MAX` leave `dropped` saturated, not overflowed.
#[test]
fn hostile_newest_and_counters_are_corrupt_not_a_panic() {
    let (mut tx, mut rx) = channel(128, Policy::DropOldest).unwrap();
    tx.insert_batch(&[b"one", b"two", b"three"]).unwrap();
    let region = rx.region().clone();
    let producer = &region.control().producer;
    for newest in [u64::MAX - 7, !7, MAX_POSITION, 8, 4096] {
        producer.newest.store(newest, Relaxed);
        assert!(
            matches!(rx.peekright(), Err(ConsumeError::Corrupt { .. })),
            "newest {newest}: {:?}",
            rx.peekright()
        );
    }
    producer.newest.store(48, Relaxed);
    assert_eq!(rx.peekright().unwrap(), Some(b"three".to_vec()));

    let control = region.control();
    control.consumer.read_seq.store(u64::MAX, Relaxed);
    control.consumer.read.store(0, Relaxed);
    control.cold.oldest_seq.store(u64::MAX, Relaxed);
    assert_eq!(tx.dropped(), u64::MAX);
    // A consumer refuses counters no stream can have.
    assert!(matches!(
        Consumer::new(region.clone(), Policy::DropOldest, 48),
        Err(LayoutError::Indices { .. })
    ));
    control.consumer.read_seq.store(1, Relaxed);
    control.consumer.read.store(2, Relaxed);
    assert!(matches!(
        Consumer::new(region, Policy::DropOldest, 48),
        Err(LayoutError::Indices { .. })
    ));
}

/// A `write_pos` far ahead of the consumer over a 32-byte ring of padding words made
/// one `try_consume` walk lap after lap for ever (found by the fuzzer). A valid stream
/// is never more than one capacity ahead of the oldest unread record: anything else
/// is corrupt, found in one call.
#[test]
fn a_write_position_laps_ahead_is_corrupt_at_once() {
    for policy in [Policy::DropOldest, Policy::Reject] {
        let region = HeapRegion::new(32).unwrap();
        let mut rx = Consumer::new(region.clone(), policy, 0).unwrap();
        region.data()[0].store(2 << 32, Relaxed); // a padding word at the start of a lap
        let control = region.control();
        control.producer.write_pos.store(0x3b_5a28_fa00, Relaxed);
        control.producer.written.store(1 << 20, Relaxed);
        if policy == Policy::DropOldest {
            control.cold.oldest.store(0xffff_0000, Relaxed);
        }
        assert!(
            matches!(
                rx.try_consume(),
                Err(ConsumeError::Corrupt {
                    reason: "more unread bytes than the ring holds",
                    ..
                })
            ),
            "{policy:?}"
        );
        // Within one capacity, padding at a lap start is corrupt too.
        control.producer.write_pos.store(0xffff_0000 + 32, Relaxed);
        control.consumer.read_pos.store(0xffff_0000, Relaxed);
        let mut rx = Consumer::new(region.clone(), policy, 0).unwrap();
        assert!(
            matches!(
                rx.try_consume(),
                Err(ConsumeError::Corrupt {
                    reason: "padding at the start of a lap",
                    ..
                })
            ),
            "{policy:?}"
        );
    }
}

/// A producer that published an eviction of everything and died before writing: the
/// newest record reads as evicted for good. `peekright` must answer `None`, not retry
/// forever (found while building `shm`).
#[test]
fn peekright_returns_when_the_newest_record_is_evicted_for_good() {
    let (mut tx, mut rx) = channel(64, Policy::DropOldest).unwrap();
    tx.insert(b"only").unwrap();
    let control = rx.region().control();
    control
        .cold
        .oldest
        .store(control.producer.write_pos.load(Relaxed), Relaxed);
    let (done, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = done.send(rx.peekright());
    });
    let answer = finished.recv_timeout(std::time::Duration::from_secs(30));
    assert_eq!(answer.expect("peekright did not return"), Ok(None));
}

/// Sequence numbers and positions read from the region are bounded before any
/// arithmetic: a number at or past `written`, or a position past `MAX_POSITION`, is
/// corrupt.
#[test]
fn out_of_range_numbers_from_the_region_are_corrupt() {
    let region = HeapRegion::new(64).unwrap();
    let mut tx = Producer::new(region.clone(), Policy::DropOldest, 16).unwrap();
    tx.insert(b"x").unwrap();
    region.data()[1].store(u64::MAX, Relaxed);
    let mut rx = Consumer::new(region.clone(), Policy::DropOldest, 16).unwrap();
    assert!(matches!(
        rx.try_consume(),
        Err(ConsumeError::Corrupt {
            reason: "sequence number not yet written",
            ..
        })
    ));
    let huge = MAX_POSITION + 8;
    region.control().producer.write_pos.store(huge, Relaxed);
    assert!(matches!(
        Consumer::new(region.clone(), Policy::DropOldest, 16),
        Err(LayoutError::Indices { .. })
    ));
    assert!(Producer::new(region, Policy::DropOldest, 16).is_err());
}

#[test]
fn inconsistent_indices_are_refused_at_open() {
    let region = HeapRegion::new(64).unwrap();
    region.control().producer.write_pos.store(12, Relaxed);
    assert!(matches!(
        Consumer::new(region.clone(), Policy::Reject, 16),
        Err(LayoutError::Indices { .. })
    ));
    region.control().producer.write_pos.store(16, Relaxed);
    region.control().consumer.read_pos.store(24, Relaxed);
    assert!(Consumer::new(region.clone(), Policy::Reject, 16).is_err());
    assert!(Producer::new(region, Policy::Reject, 16).is_err());
}

/// A producer resuming over hostile counters (found by the proptest above: `written`
/// at `u64::MAX` overflowed the next sequence number) refuses them at attach.
#[test]
fn a_producer_refuses_counters_no_stream_can_have() {
    let region = HeapRegion::new(64).unwrap();
    region.control().producer.written.store(u64::MAX, Relaxed);
    assert_eq!(
        Producer::new(region.clone(), Policy::DropOldest, 16).unwrap_err(),
        LayoutError::Indices {
            reason: "more messages written than the stream has bytes for"
        }
    );
    region.control().producer.written.store(0, Relaxed);
    region.control().cold.oldest_seq.store(1, Relaxed);
    assert_eq!(
        Producer::new(region, Policy::Reject, 16).unwrap_err(),
        LayoutError::Indices {
            reason: "the oldest record is numbered past the last one written"
        }
    );
}

#[test]
fn consume_batch_takes_up_to_max_in_order_and_publishes_once() {
    for policy in [Policy::Reject, Policy::DropOldest] {
        let (mut tx, mut rx) = channel(256, policy).unwrap();
        for seq in 0..5 {
            tx.insert(&message(seq)).unwrap();
        }
        let mut out = Vec::new();
        let mut seen = Vec::new();
        assert_eq!(rx.consume_batch(&mut out, 3, |m| seen.push(m[0])), Ok(3));
        assert_eq!(seen, [0, 1, 2]);
        // Published: a consumer that takes over now starts after the batch.
        let region = rx.region().clone();
        drop(rx);
        let mut next = Consumer::new(region, policy, 112).unwrap();
        assert_eq!(next.consume_batch(&mut out, 0, |_| seen.push(99)), Ok(0));
        assert_eq!(next.consume_batch(&mut out, 8, |m| seen.push(m[0])), Ok(2));
        assert_eq!(seen, [0, 1, 2, 3, 4], "{policy:?}");
        assert_eq!(next.consume_batch(&mut out, 8, |m| seen.push(m[0])), Ok(0));
        assert_eq!(next.read(), 5);
    }
}

#[test]
fn consume_batch_counts_what_the_producer_evicted_meanwhile() {
    let (mut tx, mut rx) = channel(256, Policy::DropOldest).unwrap();
    let mut out = Vec::new();
    let mut seen = Vec::new();
    // 8 records fit; 20 inserted: the first 12 are evicted before the consumer looks.
    for seq in 0..20 {
        tx.insert(&message(seq)).unwrap();
    }
    let taken = rx.consume_batch(&mut out, 64, |m| seen.push(m[0])).unwrap();
    assert_eq!(seen, (20 - taken as u8..20).collect::<Vec<_>>());
    assert_eq!(rx.read() + rx.dropped(), tx.written());
    assert_eq!(rx.dropped(), tx.dropped());
}

#[test]
fn a_batch_cut_short_by_a_panic_publishes_nothing() {
    let (mut tx, mut rx) = channel(256, Policy::Reject).unwrap();
    for seq in 0..4 {
        tx.insert(&message(seq)).unwrap();
    }
    let region = rx.region().clone();
    let cut = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut out = Vec::new();
        rx.consume_batch(&mut out, 8, |m| assert!(m[0] < 2, "dies at the third"))
    }));
    assert!(cut.is_err());
    // Like a consumer killed mid-batch: its successor gets the whole batch again.
    let mut next = Consumer::new(region, Policy::Reject, 112).unwrap();
    let again: Vec<u8> = std::iter::from_fn(|| next.try_consume().unwrap())
        .map(|m| m[0])
        .collect();
    assert_eq!(again, [0, 1, 2, 3]);
}
