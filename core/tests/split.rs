//! The split halves through their public API: semantics of both policies against a
//! sequential model (proptest), closing and abandoning, waiting under real runtimes,
//! batches across the wrap, and exactly-once ownership of every item while the
//! producer's evictions race the consumer (with drop counters, millions of items).
//! Under Miri the same tests run smaller and check the unsafe code for data races.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

use mmring_core::split::{Consumer, MAX_CLAIM, Policy, Producer};
use mmring_core::{Fifo, GenericRingBuffer, NumericRingBuffer};
use proptest::prelude::*;

fn split<T>(capacity: usize, policy: Policy) -> (Producer<T>, Consumer<T>) {
    GenericRingBuffer::new(capacity).unwrap().split_with(policy)
}

#[test]
fn a_split_ring_keeps_its_items_capacity_and_evictions() {
    let mut ring = GenericRingBuffer::new(3).unwrap();
    ring.insert_batch(["a", "b", "c", "d", "e"]);
    let (tx, mut rx) = ring.split();
    assert_eq!((tx.capacity(), rx.capacity()), (4, 4));
    assert_eq!((tx.overwritten(), rx.overwritten()), (1, 1));
    assert_eq!((tx.len(), rx.len()), (4, 4));
    assert!(tx.is_full());
    assert_eq!(
        std::iter::from_fn(|| rx.try_consume()).collect::<Vec<_>>(),
        ["b", "c", "d", "e"]
    );
    assert!(rx.is_empty());
}

#[test]
fn drop_oldest_hands_back_the_oldest_and_reject_the_item_itself() {
    let (mut tx, mut rx) = split(2, Policy::DropOldest);
    assert_eq!(tx.policy(), Policy::DropOldest);
    assert_eq!(
        (tx.insert(1), tx.insert(2), tx.insert(3)),
        (None, None, Some(1))
    );
    assert_eq!(tx.try_insert(4), Err(4)); // try_insert never evicts
    assert_eq!(tx.overwritten(), 1);
    assert_eq!(
        (rx.try_consume(), rx.try_consume(), rx.try_consume()),
        (Some(2), Some(3), None)
    );

    let (mut tx, mut rx) = split(2, Policy::Reject);
    assert_eq!(rx.policy(), Policy::Reject);
    assert_eq!(
        (tx.insert(1), tx.insert(2), tx.insert(3)),
        (None, None, Some(3))
    );
    assert_eq!(tx.try_insert(4), Err(4));
    assert_eq!(tx.overwritten(), 0);
    assert_eq!(rx.try_consume(), Some(1));
    assert_eq!(tx.try_insert(4), Ok(()));
    assert_eq!((rx.try_consume(), rx.try_consume()), (Some(2), Some(4)));
}

#[test]
fn dropping_the_producer_closes_after_the_drain() {
    let (mut tx, mut rx) = split(4, Policy::DropOldest);
    tx.insert(1);
    tx.insert(2);
    assert!(!rx.is_abandoned() && !tx.is_abandoned());
    drop(tx);
    assert!(rx.is_abandoned());
    assert_eq!(rx.consume_blocking(Duration::from_secs(5)), Some(1));
    assert_eq!(futures::executor::block_on(rx.aconsume()), Some(2));
    // Closed and drained: every wait ends at once with `None`.
    assert_eq!(rx.consume_blocking(Duration::from_secs(60)), None);
    assert_eq!(futures::executor::block_on(rx.aconsume()), None);
}

#[test]
fn dropping_the_consumer_makes_a_waiting_producer_give_up() {
    let (mut tx, rx) = split(1, Policy::Reject);
    tx.try_insert(1).unwrap();
    let consumer = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(20));
        drop(rx);
    });
    // Full, then the consumer goes away: the wait ends with the item handed back.
    assert_eq!(tx.insert_blocking(2, Duration::from_secs(60)), Err(2));
    consumer.join().unwrap();
    assert!(tx.is_abandoned());
    assert_eq!(futures::executor::block_on(tx.ainsert(3)), Err(3));
}

#[test]
fn waits_end_at_their_timeout() {
    let (mut tx, mut rx) = split::<u8>(1, Policy::Reject);
    assert_eq!(rx.consume_blocking(Duration::from_millis(2)), None);
    tx.try_insert(1).unwrap();
    assert_eq!(tx.insert_blocking(2, Duration::from_millis(2)), Err(2));
    assert_eq!(rx.consume_blocking(Duration::ZERO), Some(1));
}

#[test]
fn a_consumer_is_a_fifo() {
    fn drain<F: Fifo>(fifo: &mut F) -> Vec<F::Item> {
        fifo.consume_all()
    }
    let (mut tx, mut rx) = split(4, Policy::DropOldest);
    for item in 0..6 {
        tx.insert(item);
    }
    assert_eq!(
        (Fifo::len(&rx), Fifo::capacity(&rx), Fifo::overwritten(&rx)),
        (4, 4, 2)
    );
    assert_eq!(drain(&mut rx), [2, 3, 4, 5]);
}

#[test]
fn numeric_batches_cross_the_wrap_and_keep_the_newest() {
    let (mut tx, mut rx) = NumericRingBuffer::<u64>::new(8).unwrap().split();
    let mut out = [0u64; 8];
    // Move both positions to the middle, so that the next runs wrap.
    assert_eq!(tx.insert_batch(&[0; 5]), 5);
    assert_eq!(rx.consume_into(&mut out), 5);
    assert_eq!(tx.insert_batch(&[1, 2, 3, 4, 5, 6]), 6);
    assert_eq!(rx.consume_into(&mut out[..4]), 4);
    assert_eq!(out[..4], [1, 2, 3, 4]);
    // Longer than the ring: the last 8 remain, 2 already held and 2 of the batch evicted.
    assert_eq!(tx.insert_batch(&[7, 8, 9, 10, 11, 12, 13, 14, 15, 16]), 10);
    assert_eq!(tx.overwritten(), 4);
    assert_eq!(rx.consume_into(&mut out), 8);
    assert_eq!(out, [9, 10, 11, 12, 13, 14, 15, 16]);
    assert_eq!(rx.consume_into(&mut out), 0);

    let (mut tx, mut rx) = NumericRingBuffer::<f32>::new(4)
        .unwrap()
        .split_with(Policy::Reject);
    assert_eq!(tx.insert_batch(&[1.0, 2.0, 3.0]), 3);
    assert_eq!(tx.insert_batch(&[4.0, 5.0]), 1); // the prefix that fits
    let mut out = [0.0; 3];
    assert_eq!(rx.consume_into(&mut out), 3);
    assert_eq!(tx.insert_batch(&[5.0, 6.0, 7.0]), 3);
    assert_eq!(rx.try_consume(), Some(4.0));
    assert_eq!(tx.overwritten(), 0);
}

/// An item that counts its drops, so that each one can be shown to be dropped exactly
/// once wherever it ends: in the consumer's hands, handed back by an eviction, or in
/// the ring when both halves go.
#[derive(Debug)]
struct Counted {
    id: u64,
    drops: Arc<AtomicU64>,
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.drops.fetch_add(1, Relaxed);
    }
}

/// A producer floods a small ring under `DropOldest` while the consumer takes items as
/// fast as it can: every item is delivered or evicted, never both, never neither; the
/// delivered ones arrive in order; every item is dropped exactly once.
#[test]
fn evictions_racing_consumption_give_every_item_exactly_one_owner() {
    let total: u64 = if cfg!(miri) { 600 } else { 2_000_000 };
    for capacity in [1, 2, 64] {
        let drops = Arc::new(AtomicU64::new(0));
        let (mut tx, mut rx) = split::<Counted>(capacity, Policy::DropOldest);
        let producer = {
            let drops = Arc::clone(&drops);
            std::thread::spawn(move || {
                let mut evicted = Vec::new();
                for id in 0..total {
                    if let Some(item) = tx.insert(Counted {
                        id,
                        drops: Arc::clone(&drops),
                    }) {
                        evicted.push(item.id);
                    }
                }
                (evicted, tx.overwritten())
            })
        };
        let mut delivered = Vec::new();
        loop {
            match rx.try_consume() {
                Some(item) => delivered.push(item.id),
                None if rx.is_abandoned() => break,
                None => std::hint::spin_loop(),
            }
        }
        // The producer left before our last look: take what it left behind.
        delivered.extend(std::iter::from_fn(|| rx.try_consume()).map(|item| item.id));
        let (evicted, overwritten) = producer.join().unwrap();
        assert!(
            delivered.windows(2).all(|w| w[0] < w[1]),
            "capacity {capacity}: reordered"
        );
        assert_eq!(overwritten, evicted.len() as u64);
        assert_eq!(
            delivered.len() + evicted.len(),
            total as usize,
            "capacity {capacity}"
        );
        let mut owners = vec![0u8; total as usize];
        for &id in delivered.iter().chain(&evicted) {
            owners[id as usize] += 1;
        }
        assert!(
            owners.iter().all(|&n| n == 1),
            "capacity {capacity}: an item owned twice or never"
        );
        drop(rx);
        assert_eq!(drops.load(Relaxed), total, "capacity {capacity}: drops");
    }
}

/// Items still held when both halves are gone are dropped once, whichever goes last.
#[test]
fn items_left_are_dropped_once_when_both_halves_are_gone() {
    for consumer_last in [false, true] {
        let drops = Arc::new(AtomicU64::new(0));
        let (mut tx, rx) = split::<Counted>(4, Policy::DropOldest);
        for id in 0..6 {
            drop(tx.insert(Counted {
                id,
                drops: Arc::clone(&drops),
            }));
        }
        assert_eq!(drops.load(Relaxed), 2); // the two evicted
        if consumer_last {
            drop(tx);
            drop(rx);
        } else {
            drop(rx);
            drop(tx);
        }
        assert_eq!(drops.load(Relaxed), 6);
    }
}

/// A lossless stream across two threads: everything arrives, in order.
#[test]
fn reject_across_threads_loses_nothing() {
    let total: u64 = if cfg!(miri) { 300 } else { 1_000_000 };
    let (mut tx, mut rx) = split::<u64>(16, Policy::Reject);
    let producer = std::thread::spawn(move || {
        for item in 0..total {
            tx.insert_blocking(item, Duration::from_secs(60)).unwrap();
        }
    });
    for expected in 0..total {
        assert_eq!(rx.consume_blocking(Duration::from_secs(60)), Some(expected));
    }
    producer.join().unwrap();
    assert_eq!(rx.consume_blocking(Duration::from_secs(60)), None);
}

#[cfg(not(miri))]
mod runtimes {
    use super::*;
    use futures::StreamExt;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn two_tokio_tasks_stream_with_ainsert_and_aconsume() {
        let (mut tx, mut rx) = split::<u32>(8, Policy::Reject);
        let producer = tokio::spawn(async move {
            for item in 0..10_000 {
                tx.ainsert(item).await.unwrap();
            }
        });
        let mut expected = 0;
        while let Some(item) = rx.aconsume().await {
            assert_eq!(item, expected);
            expected += 1;
        }
        producer.await.unwrap();
        assert_eq!(expected, 10_000);
    }

    #[test]
    fn smol_streams_until_the_producer_is_gone() {
        smol::block_on(async {
            let (mut tx, mut rx) = split::<u32>(4, Policy::DropOldest);
            let producer = smol::spawn(async move {
                for item in 0..1_000 {
                    if tx.len() == tx.capacity() {
                        smol::future::yield_now().await;
                    }
                    tx.insert(item);
                }
            });
            let got: Vec<u32> = rx.aconsume_iterable().collect().await;
            producer.await;
            assert!(got.windows(2).all(|w| w[0] < w[1]));
            assert_eq!(got.last(), Some(&999));
        });
    }

    #[test]
    fn a_blocking_consumer_and_an_async_producer_meet() {
        let (mut tx, mut rx) = split::<u32>(2, Policy::Reject);
        let consumer = std::thread::spawn(move || {
            std::iter::from_fn(|| rx.consume_blocking(Duration::from_secs(30))).collect::<Vec<_>>()
        });
        futures::executor::block_on(async {
            for item in 0..100 {
                tx.ainsert(item).await.unwrap();
            }
        });
        drop(tx);
        assert_eq!(consumer.join().unwrap(), (0..100).collect::<Vec<_>>());
    }
}

#[derive(Debug, Clone)]
enum Op {
    Insert(u32),
    TryInsert(u32),
    Consume,
    InsertBatch(Vec<u32>),
    ConsumeInto(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        any::<u32>().prop_map(Op::Insert),
        any::<u32>().prop_map(Op::TryInsert),
        Just(Op::Consume),
        prop::collection::vec(any::<u32>(), 0..12).prop_map(Op::InsertBatch),
        (0usize..12).prop_map(Op::ConsumeInto),
    ]
}

/// The sequential model: a `VecDeque` of at most `capacity`, evicting from the front
/// under `DropOldest`, where the consumer also holds the items it claimed (the oldest,
/// up to `MAX_CLAIM` at a time, taken out of the ring) and hands them out first.
fn run_model(capacity: usize, policy: Policy, ops: &[Op]) -> Result<(), TestCaseError> {
    let (mut tx, mut rx) = NumericRingBuffer::<u32>::new(capacity)
        .unwrap()
        .split_with(policy);
    let capacity = tx.capacity();
    let mut model = VecDeque::new();
    let mut claimed = VecDeque::new();
    let mut evicted = 0u64;
    for op in ops {
        match op {
            Op::Insert(v) => {
                let expected = if model.len() < capacity {
                    model.push_back(*v);
                    None
                } else if policy == Policy::DropOldest {
                    evicted += 1;
                    let oldest = model.pop_front();
                    model.push_back(*v);
                    oldest
                } else {
                    Some(*v)
                };
                prop_assert_eq!(tx.insert(*v), expected);
            }
            Op::TryInsert(v) => {
                let expected = if model.len() < capacity {
                    model.push_back(*v);
                    Ok(())
                } else {
                    Err(*v)
                };
                prop_assert_eq!(tx.try_insert(*v), expected);
            }
            Op::Consume => {
                let got = rx.try_consume();
                if claimed.is_empty() && policy == Policy::DropOldest {
                    // How many the consumer claimed (up to `MAX_CLAIM` of those it
                    // knew of): what it holds now, plus the one it returned.
                    let count = rx.len() - tx.len() + usize::from(got.is_some());
                    prop_assert!(count <= MAX_CLAIM.min(model.len()));
                    prop_assert_eq!(count == 0, model.is_empty());
                    claimed.extend(model.drain(..count));
                }
                let expected = claimed.pop_front().or_else(|| model.pop_front());
                prop_assert_eq!(got, expected);
            }
            Op::InsertBatch(values) => {
                let inserted = match policy {
                    Policy::DropOldest => {
                        for v in values {
                            if model.len() == capacity {
                                model.pop_front();
                                evicted += 1;
                            }
                            model.push_back(*v);
                        }
                        values.len()
                    }
                    _ => {
                        let fit = values.len().min(capacity - model.len());
                        model.extend(&values[..fit]);
                        fit
                    }
                };
                prop_assert_eq!(tx.insert_batch(values), inserted);
            }
            Op::ConsumeInto(n) => {
                let mut out = vec![0; *n];
                let count = rx.consume_into(&mut out);
                let from_claimed = claimed.len().min(*n);
                let mut expected: Vec<u32> = claimed.drain(..from_claimed).collect();
                let from_ring = (*n - from_claimed).min(model.len());
                expected.extend(model.drain(..from_ring));
                prop_assert_eq!(&out[..count], &expected[..]);
            }
        }
        prop_assert_eq!(rx.len(), model.len() + claimed.len());
        prop_assert_eq!(tx.len(), model.len());
        prop_assert_eq!(rx.overwritten(), evicted);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(if cfg!(miri) { 4 } else { 256 }))]

    #[test]
    fn both_policies_match_the_model(
        capacity in prop::sample::select(vec![1usize, 2, 4, 8]),
        drop_oldest in any::<bool>(),
        ops in prop::collection::vec(op(), 0..if cfg!(miri) { 20 } else { 200 }),
    ) {
        let policy = if drop_oldest { Policy::DropOldest } else { Policy::Reject };
        run_model(capacity, policy, &ops)?;
    }
}
