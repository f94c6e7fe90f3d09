//! `GenericRingBuffer` through its public API: what only this ring has. The rules every
//! ring shares are checked once for all of them in `conformance.rs`.
//!
//! A model-based property test compares every operation with a `VecDeque` that evicts by
//! hand; named tests pin the evicted item handed back by `insert`, the item handed back
//! by a refused `overwrite_latest`, indexing, the std traits and zero-sized items;
//! drop-counting tests check that every item is dropped exactly once, whichever path it
//! leaves the ring by.

use std::cell::{Cell, RefCell};
use std::fmt::Debug;
use std::mem;
use std::panic::{self, AssertUnwindSafe};
use std::rc::Rc;

use mmring_core::{CapacityError, GenericRingBuffer};
use proptest::collection::vec;
use proptest::prelude::*;
use support::Model;

mod support;

/// Compares every read-only view of `ring` with the model.
fn check<T: Debug + PartialEq + Clone>(ring: &GenericRingBuffer<T>, model: &Model<T>) {
    let expected: Vec<&T> = model.items.iter().collect();
    let len = expected.len();
    assert_eq!(ring.len(), len);
    assert_eq!(ring.is_empty(), len == 0);
    assert_eq!(ring.is_full(), len == model.capacity);
    assert_eq!(ring.capacity(), model.capacity);
    assert!(ring.capacity().is_power_of_two());
    assert_eq!(ring.overwritten(), model.overwritten);
    assert_eq!(ring.peekleft(), model.items.front());
    assert_eq!(ring.peekright(), model.items.back());

    let iter = ring.iter();
    assert_eq!(iter.len(), len);
    assert_eq!(iter.size_hint(), (len, Some(len)));
    assert_eq!(iter.collect::<Vec<_>>(), expected);
    assert_eq!(
        ring.iter().rev().collect::<Vec<_>>(),
        model.items.iter().rev().collect::<Vec<_>>()
    );
    assert_eq!(IntoIterator::into_iter(ring).collect::<Vec<_>>(), expected);

    let (first, second) = ring.as_slices();
    assert!(
        !first.is_empty() || second.is_empty(),
        "only a non-empty first half can wrap"
    );
    assert_eq!(first.iter().chain(second).collect::<Vec<_>>(), expected);
    assert_eq!(ring.unwrapped(), Vec::from(model.items.clone()));

    support::check_indexing(ring, model, |got, want| got == want);
    for index in 0..len {
        assert_eq!(&ring[index], &model.items[index], "ring[{index}]");
    }
    assert_eq!(format!("{ring:?}"), format!("{:?}", model.items));
}

// ---------------------------------------------------------------------------------------
// Model-based property test
// ---------------------------------------------------------------------------------------

/// One step of the property test; values are small so that `contains` and equal items
/// come up often.
#[derive(Debug, Clone)]
enum Op {
    Insert(u8),
    InsertBatch(Vec<u8>),
    Extend(Vec<u8>),
    Consume,
    ConsumeAll,
    Unwrapped,
    Get(usize),
    GetSigned(isize),
    GetMut(usize, u8),
    IndexMut(usize, u8),
    OverwriteLatest(u8),
    Contains(u8),
    Clear,
    MakeContiguous,
    /// Writes through `as_mut_slices` into every item.
    AsMutSlices(u8),
    /// Clones, checks the copy, then changes the copy: the original must not follow.
    CloneDiverge(u8),
    /// Consumes a clone with `next` (`false`) and `next_back` (`true`) in this order,
    /// then drops the partly consumed iterator.
    IntoIter(Vec<bool>),
}

/// The items are owned strings, so a double drop or a leak shows up under Miri.
fn item(value: u8) -> String {
    format!("item-{value}")
}

fn value() -> impl Strategy<Value = u8> + Clone {
    0u8..12
}

fn op() -> impl Strategy<Value = Op> {
    // Batches up to 70 items: longer than the largest rounded capacity (32).
    let batch = vec(value(), 0..70);
    prop_oneof![
        10 => value().prop_map(Op::Insert),
        2 => batch.clone().prop_map(Op::InsertBatch),
        1 => batch.prop_map(Op::Extend),
        5 => Just(Op::Consume),
        1 => Just(Op::ConsumeAll),
        1 => Just(Op::Unwrapped),
        2 => support::index().prop_map(Op::Get),
        2 => support::signed_index().prop_map(Op::GetSigned),
        1 => (support::index(), value()).prop_map(|(i, v)| Op::GetMut(i, v)),
        1 => (0usize..40, value()).prop_map(|(i, v)| Op::IndexMut(i, v)),
        2 => value().prop_map(Op::OverwriteLatest),
        2 => value().prop_map(Op::Contains),
        1 => Just(Op::Clear),
        1 => Just(Op::MakeContiguous),
        1 => value().prop_map(Op::AsMutSlices),
        1 => value().prop_map(Op::CloneDiverge),
        1 => vec(any::<bool>(), 0..40).prop_map(Op::IntoIter),
    ]
}

fn ops() -> impl Strategy<Value = Vec<Op>> {
    vec(op(), if cfg!(miri) { 0..20 } else { 0..200 })
}

fn apply(ring: &mut GenericRingBuffer<String>, model: &mut Model<String>, op: Op) {
    match op {
        Op::Insert(v) => assert_eq!(ring.insert(item(v)), model.push(item(v))),
        Op::InsertBatch(values) => {
            ring.insert_batch(values.iter().map(|&v| item(v)));
            for v in values {
                model.push(item(v));
            }
        }
        Op::Extend(values) => {
            ring.extend(values.iter().map(|&v| item(v)));
            for v in values {
                model.push(item(v));
            }
        }
        Op::Consume => assert_eq!(ring.consume(), model.items.pop_front()),
        Op::ConsumeAll => assert_eq!(ring.consume_all(), Vec::from(mem::take(&mut model.items))),
        Op::Unwrapped => assert_eq!(ring.unwrapped(), Vec::from(model.items.clone())),
        Op::Get(i) => assert_eq!(ring.get(i), model.items.get(i)),
        Op::GetSigned(i) => assert_eq!(ring.get_signed(i), model.get_signed(i)),
        Op::GetMut(i, v) => match (ring.get_mut(i), model.items.get_mut(i)) {
            (Some(got), Some(want)) => {
                assert_eq!(got, want);
                *got = item(v);
                *want = item(v);
            }
            (None, None) => {}
            (got, want) => panic!("get_mut({i}): ring {got:?}, model {want:?}"),
        },
        Op::IndexMut(i, v) => {
            if i < model.items.len() {
                ring[i] = item(v);
                model.items[i] = item(v);
            }
        }
        Op::OverwriteLatest(v) => {
            assert_eq!(
                ring.overwrite_latest(item(v)),
                model.overwrite_latest(item(v))
            );
        }
        Op::Contains(v) => assert_eq!(ring.contains(&item(v)), model.items.contains(&item(v))),
        Op::Clear => {
            ring.clear();
            model.items.clear();
        }
        Op::MakeContiguous => {
            let expected = Vec::from(model.items.clone());
            assert_eq!(ring.make_contiguous(), expected.as_slice());
            assert!(ring.as_slices().1.is_empty());
        }
        Op::AsMutSlices(v) => {
            let (first, second) = ring.as_mut_slices();
            for (slot, index) in first.iter_mut().chain(second).zip(0u8..) {
                *slot = item(v.wrapping_add(index));
            }
            for (slot, index) in model.items.iter_mut().zip(0u8..) {
                *slot = item(v.wrapping_add(index));
            }
        }
        Op::CloneDiverge(v) => {
            let mut copy = ring.clone();
            assert_eq!(&copy, &*ring);
            check(&copy, model);
            copy.insert(item(v));
            copy.overwrite_latest(item(v.wrapping_add(1))).unwrap();
            drop(copy.consume());
            // The original is checked against the unchanged model after this step.
        }
        Op::IntoIter(pattern) => {
            let mut iter = ring.clone().into_iter();
            let mut want = model.items.clone().into_iter();
            for from_back in pattern {
                assert_eq!(iter.len(), want.len());
                if from_back {
                    assert_eq!(iter.next_back(), want.next_back());
                } else {
                    assert_eq!(iter.next(), want.next());
                }
            }
            assert_eq!(iter.size_hint(), want.size_hint());
        }
    }
}

proptest! {
    #![proptest_config(support::config())]

    #[test]
    fn behaves_like_a_vecdeque_that_evicts(requested in 1usize..=17, ops in ops()) {
        let ring = GenericRingBuffer::new(requested).unwrap();
        let (ring, model) = support::run(ring, Model::new(requested, false), ops, apply, check);
        // Whatever is left goes out through the owning iterator, in order.
        let rest: Vec<String> = ring.into_iter().collect();
        prop_assert_eq!(rest, Vec::from(model.items));
    }
}

// ---------------------------------------------------------------------------------------
// Capacity
// ---------------------------------------------------------------------------------------

#[test]
fn zero_sized_items_take_any_representable_capacity() {
    let largest = usize::MAX / 2 + 1;
    let mut ring = GenericRingBuffer::<()>::new(largest).unwrap();
    assert_eq!(ring.capacity(), largest);
    ring.insert_batch([(), ()]);
    assert_eq!(ring.len(), 2);
    // One past the largest power of two cannot be rounded, whatever the item size.
    assert_eq!(
        GenericRingBuffer::<()>::new(largest + 1).err(),
        Some(CapacityError::Overflow {
            requested: largest + 1
        })
    );
}

// ---------------------------------------------------------------------------------------
// Insert hands the evicted item back
// ---------------------------------------------------------------------------------------

#[test]
fn insert_into_a_full_ring_returns_the_oldest() {
    let mut ring = GenericRingBuffer::new(3).unwrap();
    for word in ["a", "b", "c", "d"] {
        assert_eq!(ring.insert(word), None);
    }
    assert!(ring.is_full());
    assert_eq!(ring.insert("e"), Some("a"));
    assert_eq!(ring.insert("f"), Some("b"));
    assert_eq!(ring.unwrapped(), ["c", "d", "e", "f"]);
}

// ---------------------------------------------------------------------------------------
// Indexing
// ---------------------------------------------------------------------------------------

#[test]
fn index_reads_like_get() {
    let mut ring = GenericRingBuffer::new(2).unwrap();
    ring.insert_batch([1, 2, 3]);
    assert_eq!((ring[0], ring[1]), (2, 3));
    ring[1] = 30;
    assert_eq!(ring.peekright(), Some(&30));
}

#[test]
#[should_panic(expected = "index out of bounds")]
fn index_out_of_range_panics() {
    let mut ring = GenericRingBuffer::new(4).unwrap();
    ring.insert_batch([1, 2]);
    let _ = ring[2];
}

#[test]
#[should_panic(expected = "index out of bounds")]
fn index_mut_out_of_range_panics() {
    let mut ring = GenericRingBuffer::<i32>::new(4).unwrap();
    ring[0] = 1;
}

// ---------------------------------------------------------------------------------------
// overwrite_latest hands the item back
// ---------------------------------------------------------------------------------------

#[test]
fn overwrite_latest_replaces_the_newest_and_returns_it() {
    let mut ring = GenericRingBuffer::new(2).unwrap();
    ring.insert_batch([1, 2, 3]);
    assert_eq!(ring.overwrite_latest(30), Ok(3));
    assert_eq!(ring.unwrapped(), [2, 30]);
    assert_eq!(ring.overwritten(), 1);
}

#[test]
fn defect10_overwrite_latest_on_an_empty_ring_gives_the_item_back() {
    let mut ring = GenericRingBuffer::new(4).unwrap();
    assert_eq!(ring.overwrite_latest("x".to_owned()), Err("x".to_owned()));
    assert!(ring.is_empty());
    assert_eq!(ring.overwritten(), 0);
    assert_eq!(ring.peekright(), None);

    // Emptied by consuming (the slot behind the window still holds bytes) and by
    // clearing: nothing may be written into an invisible slot.
    ring.insert_batch(["a", "b", "c", "d", "e"].map(String::from));
    ring.consume_all();
    assert_eq!(ring.overwrite_latest("y".to_owned()), Err("y".to_owned()));
    ring.insert("f".to_owned());
    assert_eq!(ring.unwrapped(), ["f"]);
    ring.clear();
    assert_eq!(ring.overwrite_latest("z".to_owned()), Err("z".to_owned()));
    assert!(ring.is_empty());
    assert_eq!(ring.consume(), None);
    assert_eq!(ring.overwritten(), 1);
}

// ---------------------------------------------------------------------------------------
// Traits
// ---------------------------------------------------------------------------------------

#[test]
fn debug_prints_oldest_to_newest_like_a_list() {
    let mut ring = GenericRingBuffer::new(4).unwrap();
    assert_eq!(format!("{ring:?}"), "[]");
    ring.insert_batch(1..=6);
    assert_eq!(format!("{ring:?}"), "[3, 4, 5, 6]");
    assert_eq!(format!("{ring:?}"), format!("{:?}", vec![3, 4, 5, 6]));
    assert_eq!(format!("{:?}", ring.iter()), "[3, 4, 5, 6]");
}

#[test]
fn clone_is_equal_and_independent() {
    let mut ring = GenericRingBuffer::new(4).unwrap();
    ring.insert_batch((1..=6).map(|n| n.to_string()));
    let mut copy = ring.clone();
    assert_eq!(copy, ring);
    assert_eq!(copy.capacity(), ring.capacity());
    assert_eq!(copy.overwritten(), ring.overwritten());
    assert_eq!(copy.unwrapped(), ["3", "4", "5", "6"]);

    copy.insert("7".to_owned());
    copy[0].push('!');
    assert_ne!(copy, ring);
    assert_eq!(ring.unwrapped(), ["3", "4", "5", "6"]);
    assert_eq!(copy.unwrapped(), ["4!", "5", "6", "7"]);

    ring.clear();
    assert_eq!(copy.len(), 4);
}

#[test]
fn from_iterator_rounds_the_item_count() {
    for (count, capacity) in [(0, 1), (1, 1), (3, 4), (4, 4), (5, 8), (17, 32)] {
        let ring: GenericRingBuffer<usize> = (0..count).collect();
        assert_eq!(ring.len(), count);
        assert_eq!(ring.capacity(), capacity, "{count} items");
        assert_eq!(ring.overwritten(), 0);
        assert_eq!(ring.unwrapped(), (0..count).collect::<Vec<_>>());
    }
}

#[test]
fn extend_inserts_each_item_in_order() {
    let mut ring = GenericRingBuffer::new(4).unwrap();
    ring.extend([1, 2]);
    ring.extend(vec![3, 4, 5]);
    assert_eq!(ring.unwrapped(), [2, 3, 4, 5]);
    assert_eq!(ring.overwritten(), 1);
}

/// A ring whose window wraps around the end of its storage: `[3, 4, 5, 6]`.
fn wrapped() -> GenericRingBuffer<i32> {
    let mut ring = GenericRingBuffer::new(4).unwrap();
    ring.insert_batch(1..=6);
    assert!(!ring.as_slices().1.is_empty(), "the window should wrap");
    ring
}

#[test]
fn into_iterator_owned_goes_oldest_to_newest() {
    let items: Vec<i32> = wrapped().into_iter().collect();
    assert_eq!(items, [3, 4, 5, 6]);
    let reversed: Vec<i32> = wrapped().into_iter().rev().collect();
    assert_eq!(reversed, [6, 5, 4, 3]);

    let mut iter = wrapped().into_iter();
    assert_eq!(iter.len(), 4);
    assert_eq!(iter.next(), Some(3));
    assert_eq!(iter.next_back(), Some(6));
    assert_eq!(iter.len(), 2);
    assert_eq!(iter.next_back(), Some(5));
    assert_eq!(iter.next(), Some(4));
    assert_eq!((iter.next(), iter.next_back()), (None, None));
}

fn assert_exact_double_ended<I: ExactSizeIterator + DoubleEndedIterator>(_: &I) {}

/// Beyond what every ring's `iter` does: its own `fold` over the two halves, and the
/// owning iterator's traits.
#[test]
fn iter_folds_over_both_halves() {
    let ring = wrapped();
    assert_exact_double_ended(&ring.iter());
    assert_eq!(ring.iter().fold(0, |acc, x| acc * 10 + x), 3456);
    assert_exact_double_ended(&wrapped().into_iter());
}

#[test]
fn make_contiguous_leaves_an_empty_second_slice() {
    let mut ring = wrapped();
    assert_eq!(ring.as_slices(), (&[3, 4][..], &[5, 6][..]));
    assert_eq!(ring.make_contiguous(), &[3, 4, 5, 6]);
    assert_eq!(ring.as_slices(), (&[3, 4, 5, 6][..], &[][..]));
    // The ring still behaves after the rotation.
    assert_eq!(ring.insert(7), Some(3));
    assert_eq!(ring.consume(), Some(4));
    assert_eq!(ring.unwrapped(), [5, 6, 7]);

    let mut partial = GenericRingBuffer::new(4).unwrap();
    partial.insert_batch([1, 2, 3]);
    partial.consume();
    partial.consume();
    partial.insert_batch([4, 5]); // [3, 4, 5] from slot 2, wrapping
    assert_eq!(partial.make_contiguous(), &[3, 4, 5]);
    assert!(partial.as_slices().1.is_empty());

    let mut empty = GenericRingBuffer::<i32>::new(4).unwrap();
    assert!(empty.make_contiguous().is_empty());
}

#[test]
fn zero_sized_items_work() {
    let mut ring = GenericRingBuffer::<()>::new(3).unwrap();
    assert_eq!(ring.capacity(), 4);
    for _ in 0..4 {
        assert_eq!(ring.insert(()), None);
    }
    assert_eq!(ring.insert(()), Some(()));
    assert_eq!(ring.overwritten(), 1);
    assert_eq!(ring.peekleft(), Some(&()));
    assert_eq!(ring.get_signed(-4), Some(&()));
    assert_eq!(ring.get(4), None);
    assert_eq!(ring.iter().len(), 4);
    let (first, second) = ring.as_slices();
    assert_eq!(first.len() + second.len(), 4);
    assert_eq!(ring.make_contiguous().len(), 4);
    assert_eq!(ring.consume(), Some(()));
    assert_eq!(ring.overwrite_latest(()), Ok(()));
    assert!(ring.contains(&()));
    assert_eq!(ring.consume_all(), [(), (), ()]);
    assert!(!ring.contains(&()));
    ring.insert_batch([(); 9]);
    assert_eq!(ring.clone().into_iter().count(), 4);
    ring.clear();
    assert!(ring.is_empty());
}

// ---------------------------------------------------------------------------------------
// Drop accounting: every item is dropped exactly once
// ---------------------------------------------------------------------------------------

/// Per-test drop ledger: `counts[id]` is how often item `id` has been dropped.
#[derive(Clone, Default)]
struct Ledger(Rc<RefCell<Vec<usize>>>);

impl Ledger {
    fn item(&self) -> Tracked {
        self.make(false)
    }

    fn make(&self, panics_on_drop: bool) -> Tracked {
        let mut counts = self.0.borrow_mut();
        counts.push(0);
        Tracked {
            id: counts.len() - 1,
            ledger: self.clone(),
            panics_on_drop,
            panics_on_clone: false,
        }
    }

    fn items(&self, n: usize) -> Vec<Tracked> {
        (0..n).map(|_| self.item()).collect()
    }

    fn drops(&self, id: usize) -> usize {
        self.0.borrow()[id]
    }

    /// Ids dropped so far, each asserted to be dropped once at most.
    fn dropped(&self) -> Vec<usize> {
        let counts = self.0.borrow();
        assert!(
            counts.iter().all(|&n| n <= 1),
            "double drop: counts {counts:?}"
        );
        (0..counts.len()).filter(|&id| counts[id] == 1).collect()
    }

    /// A ring of `capacity` given `items` new items (so it holds the last ones).
    fn ring(&self, capacity: usize, items: usize) -> GenericRingBuffer<Tracked> {
        let mut ring = GenericRingBuffer::new(capacity).unwrap();
        ring.insert_batch(self.items(items));
        ring
    }

    /// Drops `ring`, then asserts that every item was dropped exactly once.
    fn assert_all_dropped_once_with(&self, ring: GenericRingBuffer<Tracked>) {
        drop(ring);
        self.assert_all_dropped_once();
    }

    fn assert_all_dropped_once(&self) {
        let counts = self.0.borrow();
        assert!(
            counts.iter().all(|&n| n == 1),
            "every item must be dropped exactly once: counts {counts:?}"
        );
    }
}

/// An item that records its drop in a [`Ledger`].
#[derive(Debug)]
struct Tracked {
    id: usize,
    ledger: Ledger,
    panics_on_drop: bool,
    panics_on_clone: bool,
}

impl Debug for Ledger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Ledger")
    }
}

impl PartialEq for Tracked {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

impl Clone for Tracked {
    fn clone(&self) -> Self {
        assert!(!self.panics_on_clone, "clone of item {} panics", self.id);
        self.ledger.item()
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.ledger.0.borrow_mut()[self.id] += 1;
        if self.panics_on_drop {
            panic!("drop of item {} panics", self.id);
        }
    }
}

fn ids<'a>(items: impl IntoIterator<Item = &'a Tracked>) -> Vec<usize> {
    items.into_iter().map(|t| t.id).collect()
}

#[test]
fn drop_evicted_item_is_handed_to_the_caller() {
    let ledger = Ledger::default();
    let mut ring = GenericRingBuffer::new(2).unwrap();
    for item in ledger.items(2) {
        assert!(ring.insert(item).is_none());
    }
    let evicted = ring.insert(ledger.item()).expect("full ring evicts");
    assert_eq!(evicted.id, 0);
    assert_eq!(ledger.drops(0), 0, "the ring must not drop it");
    drop(evicted);
    assert_eq!(ledger.dropped(), [0]);
    ledger.assert_all_dropped_once_with(ring);
}

#[test]
fn drop_insert_batch_evictions_once() {
    let ledger = Ledger::default();
    let mut ring = GenericRingBuffer::new(4).unwrap();
    ring.insert(ledger.item());
    ring.insert_batch(ledger.items(10));
    assert_eq!(ledger.dropped(), (0..7).collect::<Vec<_>>());
    assert_eq!(ids(&ring), [7, 8, 9, 10]);
    ring.extend(ledger.items(2));
    assert_eq!(ledger.dropped(), (0..9).collect::<Vec<_>>());
    ledger.assert_all_dropped_once_with(ring);
}

#[test]
fn drop_overwrite_latest_hands_back_the_old_item() {
    let ledger = Ledger::default();
    let mut ring = GenericRingBuffer::new(2).unwrap();

    let refused = ring.overwrite_latest(ledger.item()).unwrap_err();
    assert_eq!(refused.id, 0);
    assert!(ledger.dropped().is_empty());
    drop(refused);

    ring.insert(ledger.item());
    let old = ring.overwrite_latest(ledger.item()).unwrap();
    assert_eq!(old.id, 1);
    assert_eq!(ledger.dropped(), [0]);
    drop(old);
    assert_eq!(ledger.dropped(), [0, 1]);
    ledger.assert_all_dropped_once_with(ring);
}

#[test]
fn drop_consume_and_consume_all_move_items_out() {
    let ledger = Ledger::default();
    let mut ring = ledger.ring(4, 6); // drops 0, 1; holds 2..6 wrapped
    let first = ring.consume().unwrap();
    assert_eq!(first.id, 2);
    assert_eq!(ledger.dropped(), [0, 1]);
    ring.insert(ledger.item());
    let all = ring.consume_all();
    assert_eq!(ids(&all), [3, 4, 5, 6]);
    assert_eq!(ledger.dropped(), [0, 1]);
    drop(ring);
    assert_eq!(ledger.dropped(), [0, 1]);
    drop((first, all));
    ledger.assert_all_dropped_once();
}

#[test]
fn drop_clear_drops_each_item_once() {
    let ledger = Ledger::default();
    let mut ring = ledger.ring(4, 7); // wraps
    ring.clear();
    ledger.assert_all_dropped_once();
    ring.clear();
    ring.insert_batch(ledger.items(2));
    ledger.assert_all_dropped_once_with(ring);
}

#[test]
fn drop_of_a_ring_with_a_wrapped_window() {
    let ledger = Ledger::default();
    let mut ring = ledger.ring(4, 6);
    drop(ring.consume());
    assert!(!ring.as_slices().1.is_empty(), "the window should wrap");
    ledger.assert_all_dropped_once_with(ring);
}

#[test]
fn drop_after_make_contiguous() {
    let ledger = Ledger::default();
    let mut ring = ledger.ring(4, 7);
    assert_eq!(ids(ring.make_contiguous().iter()), [3, 4, 5, 6]);
    assert_eq!(ledger.dropped(), [0, 1, 2]);
    ledger.assert_all_dropped_once_with(ring);
}

#[test]
fn drop_of_a_partly_consumed_into_iter() {
    let ledger = Ledger::default();
    let ring = ledger.ring(8, 11); // holds 3..11, wrapped
    let mut iter = ring.into_iter();
    let front = iter.next().unwrap();
    let back = iter.next_back().unwrap();
    assert_eq!((front.id, back.id), (3, 10));
    drop(iter);
    assert_eq!(ledger.dropped(), [0, 1, 2, 4, 5, 6, 7, 8, 9]);
    drop((front, back));
    ledger.assert_all_dropped_once();
}

#[test]
fn drop_clone_then_both() {
    let ledger = Ledger::default();
    let ring = ledger.ring(4, 6);
    let copy = ring.clone();
    assert_eq!(ids(&copy), [6, 7, 8, 9], "the copy holds fresh clones");
    drop(ring);
    assert_eq!(ledger.dropped(), [0, 1, 2, 3, 4, 5]);
    drop(copy);
    ledger.assert_all_dropped_once();
}

#[test]
fn drop_clone_that_panics_midway_leaks_nothing() {
    let ledger = Ledger::default();
    let mut ring = ledger.ring(4, 6); // holds 2..6, wrapped
    ring[2].panics_on_clone = true;
    let result = panic::catch_unwind(AssertUnwindSafe(|| ring.clone()));
    assert!(result.is_err());
    // The two clones made before the panic (ids 6 and 7) were dropped with the copy.
    assert_eq!(ledger.dropped(), [0, 1, 6, 7]);
    assert_eq!(ids(&ring), [2, 3, 4, 5]);
    ledger.assert_all_dropped_once_with(ring);
}

/// Fills a ring of capacity 4 so that the window wraps (ids 2, 3 at the end of the
/// storage, 4, 5 at its start) and the item at logical index `panicking` panics on drop.
fn ring_with_panicking_drop(ledger: &Ledger, panicking: usize) -> GenericRingBuffer<Tracked> {
    let mut ring = ledger.ring(4, 6);
    let (first, second) = ring.as_slices();
    assert_eq!((first.len(), second.len()), (2, 2));
    ring[panicking].panics_on_drop = true;
    ring
}

/// A drop that panics inside `clear`, in the first half of the window (index 0) and in
/// the wrapped second half (index 2): the panic propagates, every other item is still
/// dropped once, and the ring is empty and usable.
#[test]
fn drop_panic_during_clear_drops_the_rest_once() {
    for panicking in [0, 2] {
        let ledger = Ledger::default();
        let mut ring = ring_with_panicking_drop(&ledger, panicking);
        let result = panic::catch_unwind(AssertUnwindSafe(|| ring.clear()));
        assert!(result.is_err(), "the drop panic propagates");
        ledger.assert_all_dropped_once();
        assert!(ring.is_empty());
        ring.insert(ledger.item());
        ledger.assert_all_dropped_once_with(ring);
    }
}

#[test]
fn drop_panic_while_dropping_the_ring_drops_the_rest_once() {
    let ledger = Ledger::default();
    let ring = ring_with_panicking_drop(&ledger, 1);
    let result = panic::catch_unwind(AssertUnwindSafe(|| drop(ring)));
    assert!(result.is_err(), "the drop panic propagates");
    ledger.assert_all_dropped_once();
}

thread_local! {
    /// Drops of [`ZeroSized`] on this test's thread.
    static ZST_DROPS: Cell<usize> = const { Cell::new(0) };
}

/// A zero-sized item with a drop side effect.
struct ZeroSized;

impl Drop for ZeroSized {
    fn drop(&mut self) {
        ZST_DROPS.with(|n| n.set(n.get() + 1));
    }
}

#[test]
fn drop_zero_sized_items_once() {
    let drops = || ZST_DROPS.with(Cell::get);
    let mut ring = GenericRingBuffer::new(4).unwrap();
    ring.insert_batch((0..6).map(|_| ZeroSized));
    assert_eq!(drops(), 2);
    drop(ring.insert(ZeroSized));
    assert_eq!(drops(), 3);
    drop(ring.consume());
    assert_eq!(drops(), 4);
    drop(ring.consume_all());
    assert_eq!(drops(), 7);
    ring.insert_batch((0..3).map(|_| ZeroSized));
    ring.clear();
    assert_eq!(drops(), 10);
    ring.insert_batch((0..3).map(|_| ZeroSized));
    let mut iter = ring.into_iter();
    drop(iter.next());
    drop(iter);
    assert_eq!(drops(), 13);
}
