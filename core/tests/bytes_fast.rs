//! `BytesRingBufferFast` through the public API: what only this ring has. The rules
//! every ring shares are checked once for all of them in `conformance.rs`.
//!
//! A model-based property test against a `VecDeque` reference, with and without
//! `only_insert_unique`, and named tests for slot sizing, oversize messages,
//! all-or-nothing batches, `consume_into` and `consume_with`, and uniqueness.

use std::ops::{Deref, DerefMut};

use mmring_core::{BytesRingBufferFast, CapacityError, FastError};
use proptest::prelude::*;
use support::{BYTE_READ_WEIGHT, ByteRead, Model};

mod support;

/// The slot size of the rings in the property test: small, so that messages of every
/// length up to the slot, and stale bytes of longer earlier messages, are common.
const SLOT: usize = 4;

// ---------------------------------------------------------------------------------------
// Reference model
// ---------------------------------------------------------------------------------------

/// What a `BytesRingBufferFast` must hold: the reference ring, refusing an item longer
/// than `SLOT` before anything changes.
#[derive(Debug)]
struct FastModel(Model<Vec<u8>>);

impl FastModel {
    fn fits(item: &[u8]) -> Result<(), FastError> {
        if item.len() > SLOT {
            return Err(FastError::Oversize {
                len: item.len(),
                slot: SLOT,
            });
        }
        Ok(())
    }

    /// A duplicate is skipped with `Ok(())`.
    fn insert(&mut self, item: &[u8]) -> Result<(), FastError> {
        Self::fits(item)?;
        self.0.insert(item.to_vec());
        Ok(())
    }

    /// All or nothing: the first oversize item fails the batch before anything changes.
    fn insert_batch(&mut self, items: &[Vec<u8>]) -> Result<(), FastError> {
        items.iter().try_for_each(|item| Self::fits(item))?;
        for item in items {
            self.insert(item)?;
        }
        Ok(())
    }

    /// Errors in the documented order: empty, then oversize, then duplicate.
    fn overwrite_latest(&mut self, item: &[u8]) -> Result<(), FastError> {
        if self.0.items.is_empty() {
            return Err(FastError::Empty);
        }
        Self::fits(item)?;
        self.0
            .overwrite_latest(item.to_vec())
            .map(drop)
            .map_err(|_| FastError::Duplicate)
    }
}

impl Deref for FastModel {
    type Target = Model<Vec<u8>>;

    fn deref(&self) -> &Model<Vec<u8>> {
        &self.0
    }
}

impl DerefMut for FastModel {
    fn deref_mut(&mut self) -> &mut Model<Vec<u8>> {
        &mut self.0
    }
}

// ---------------------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
enum Op {
    Insert(Vec<u8>),
    /// A message `SLOT + extra` bytes long: refused, nothing changes.
    InsertOversize(usize),
    /// Inserts a copy of a held item (by position modulo `len`): a sure duplicate.
    InsertHeld(usize),
    InsertBatch(Vec<Vec<u8>>),
    /// A batch with an item `SLOT + extra` bytes long put at `position % (len + 1)`.
    InsertBatchWithOversize(Vec<Vec<u8>>, usize, usize),
    Consume,
    /// `consume_into` a vector that starts with the given junk.
    ConsumeInto(Vec<u8>),
    OverwriteLatest(Vec<u8>),
    OverwriteLatestOversize(usize),
    /// Overwrites the newest with a copy of a held item (by position modulo `len`), so
    /// either another held item or the newest itself.
    OverwriteLatestHeld(usize),
    /// A read, `clear` or a clone, drawn and checked as for `BytesRingBuffer`.
    Read(ByteRead),
}

/// Short messages (up to exactly one slot) from a three-letter alphabet, so duplicates
/// are frequent.
fn message() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(b'a'..=b'c', 0..=SLOT)
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => message().prop_map(Op::Insert),
        1 => (1usize..4).prop_map(Op::InsertOversize),
        2 => any::<usize>().prop_map(Op::InsertHeld),
        // Up to 20 items: longer than the largest capacity (16) in the test.
        3 => prop::collection::vec(message(), 0..20).prop_map(Op::InsertBatch),
        1 => (prop::collection::vec(message(), 0..20), any::<usize>(), 1usize..4)
            .prop_map(|(batch, at, extra)| Op::InsertBatchWithOversize(batch, at, extra)),
        2 => Just(Op::Consume),
        2 => prop::collection::vec(any::<u8>(), 0..8).prop_map(Op::ConsumeInto),
        2 => message().prop_map(Op::OverwriteLatest),
        1 => (1usize..4).prop_map(Op::OverwriteLatestOversize),
        2 => any::<usize>().prop_map(Op::OverwriteLatestHeld),
        BYTE_READ_WEIGHT => support::byte_read().prop_map(Op::Read),
    ]
}

fn oversize(extra: usize) -> Vec<u8> {
    vec![b'a'; SLOT + extra]
}

/// The invariants compared after every operation.
fn check(ring: &BytesRingBufferFast, model: &FastModel) -> Result<(), TestCaseError> {
    support::check_byte_ring(ring, model, ring.only_insert_unique())?;
    prop_assert_eq!(ring.slot_size(), SLOT);
    prop_assert!(ring.into_iter().eq(ring.iter()));
    prop_assert_eq!(format!("{ring:?}"), format!("{:?}", model.slices()));
    prop_assert_eq!(
        format!("{:?}", ring.iter()),
        format!("{:?}", model.slices())
    );
    Ok(())
}

fn run(
    capacity: usize,
    (expected, percent): (usize, f64),
    unique: bool,
    ops: Vec<Op>,
) -> Result<(), TestCaseError> {
    let mut ring = BytesRingBufferFast::builder(capacity)
        .expected_item_size(expected)
        .buffer_percent(percent)
        .only_insert_unique(unique)
        .build()
        .expect("small ring");
    let mut model = FastModel(Model::new(capacity, unique));
    check(&ring, &model)?;
    for op in ops {
        match op {
            Op::Insert(item) => {
                prop_assert_eq!(ring.insert(&item), model.insert(&item));
            }
            Op::InsertOversize(extra) => {
                let item = oversize(extra);
                let want = Err(FastError::Oversize {
                    len: SLOT + extra,
                    slot: SLOT,
                });
                prop_assert_eq!(model.insert(&item), want);
                prop_assert_eq!(ring.insert(&item), want);
            }
            Op::InsertHeld(i) => {
                if !model.items.is_empty() {
                    let item = model.items[i % model.items.len()].clone();
                    prop_assert_eq!(ring.insert(&item), Ok(()));
                    prop_assert_eq!(model.insert(&item), Ok(()));
                }
            }
            Op::InsertBatch(items) => {
                let slices: Vec<&[u8]> = items.iter().map(Vec::as_slice).collect();
                prop_assert_eq!(ring.insert_batch(&slices), model.insert_batch(&items));
            }
            Op::InsertBatchWithOversize(mut items, at, extra) => {
                let at = at % (items.len() + 1);
                items.insert(at, oversize(extra));
                let slices: Vec<&[u8]> = items.iter().map(Vec::as_slice).collect();
                let want = model.insert_batch(&items);
                prop_assert_eq!(
                    want,
                    Err(FastError::Oversize {
                        len: SLOT + extra,
                        slot: SLOT
                    })
                );
                prop_assert_eq!(ring.insert_batch(&slices), want);
            }
            Op::Consume => {
                prop_assert_eq!(ring.consume(), model.items.pop_front());
            }
            Op::ConsumeInto(junk) => {
                let mut out = junk.clone();
                let got = ring.consume_into(&mut out);
                match model.items.pop_front() {
                    Some(want) => {
                        prop_assert!(got);
                        prop_assert_eq!(out, want);
                    }
                    None => {
                        prop_assert!(!got);
                        prop_assert_eq!(out, junk);
                    }
                }
            }
            Op::OverwriteLatest(item) => {
                prop_assert_eq!(ring.overwrite_latest(&item), model.overwrite_latest(&item));
            }
            Op::OverwriteLatestOversize(extra) => {
                let item = oversize(extra);
                prop_assert_eq!(ring.overwrite_latest(&item), model.overwrite_latest(&item));
            }
            Op::OverwriteLatestHeld(i) => {
                if !model.items.is_empty() {
                    let item = model.items[i % model.items.len()].clone();
                    prop_assert_eq!(ring.overwrite_latest(&item), model.overwrite_latest(&item));
                }
            }
            Op::Read(read) => support::apply_byte_read(&mut ring, &mut model, read)?,
        }
        check(&ring, &model)?;
    }
    Ok(())
}

/// Ways to ask for a 4-byte slot: exact, rounded up, and by head room.
fn sizing() -> impl Strategy<Value = (usize, f64)> {
    prop_oneof![
        Just((4, 0.0)),
        Just((3, 0.0)),
        Just((2, 100.0)),
        Just((3, 33.3)),
    ]
}

proptest! {
    #![proptest_config(support::config_for_both_modes())]

    #[test]
    fn matches_model(
        capacity in 1usize..=9,
        sizing in sizing(),
        unique in any::<bool>(),
        ops in prop::collection::vec(op(), 0..support::MAX_OPS),
    ) {
        run(capacity, sizing, unique, ops)?;
    }
}

// ---------------------------------------------------------------------------------------
// Capacity and slot sizing
// ---------------------------------------------------------------------------------------

/// A ring with `SLOT`-byte slots.
fn small(capacity: usize, unique: bool) -> BytesRingBufferFast {
    BytesRingBufferFast::builder(capacity)
        .expected_item_size(SLOT)
        .buffer_percent(0.0)
        .only_insert_unique(unique)
        .build()
        .unwrap()
}

fn sized(expected: usize, percent: f64) -> Result<BytesRingBufferFast, CapacityError> {
    BytesRingBufferFast::builder(1)
        .expected_item_size(expected)
        .buffer_percent(percent)
        .build()
}

#[test]
fn default_slot_is_256_bytes() {
    let ring = BytesRingBufferFast::new(4).unwrap();
    assert_eq!(ring.slot_size(), 256);
    assert!(!ring.only_insert_unique());
    assert_eq!(sized(128, 25.0).unwrap().slot_size(), 256);
}

#[test]
fn slot_size_is_the_next_power_of_two_of_the_head_room() {
    for (expected, percent, slot) in [
        (128, 25.0, 256), // the defaults: 160 → 256
        (100, 0.0, 128),
        (1, 0.0, 1),
        (129, 0.0, 256),
        (128, 0.0, 128),  // exactly 128: not bumped
        (64, 100.0, 128), // exactly 128
        (3, 0.0, 4),
        (3, 50.0, 8), // 4.5 → 5 → 8
        (3, 33.4, 8), // 4.002 → 5 → 8
        (1, 0.5, 2),  // 1.005 → 2
        (1000, 2.4, 1024),
    ] {
        assert_eq!(
            sized(expected, percent).unwrap().slot_size(),
            slot,
            "expected_item_size {expected}, buffer_percent {percent}"
        );
    }
}

#[test]
fn slot_sizing_examples() {
    assert_eq!(sized(128, 25.0).unwrap().slot_size(), 256);
    assert_eq!(sized(100, 0.0).unwrap().slot_size(), 128);
    assert_eq!(sized(1, 0.0).unwrap().slot_size(), 1);
    assert_eq!(sized(129, 0.0).unwrap().slot_size(), 256);
}

#[test]
fn zero_expected_item_size_is_an_error() {
    assert_eq!(sized(0, 25.0).unwrap_err(), CapacityError::ZeroItemSize);
    assert_eq!(sized(0, 0.0).unwrap_err(), CapacityError::ZeroItemSize);
}

#[test]
fn negative_or_non_finite_buffer_percent_is_an_error() {
    assert_eq!(
        sized(128, -1.0).unwrap_err(),
        CapacityError::BufferPercent { value: -1.0 }
    );
    assert_eq!(
        sized(128, f64::INFINITY).unwrap_err(),
        CapacityError::BufferPercent {
            value: f64::INFINITY
        }
    );
    assert_eq!(
        sized(128, f64::NEG_INFINITY).unwrap_err(),
        CapacityError::BufferPercent {
            value: f64::NEG_INFINITY
        }
    );
    // NaN != NaN, so match instead of comparing.
    let err = sized(128, f64::NAN).unwrap_err();
    assert!(
        matches!(err, CapacityError::BufferPercent { value } if value.is_nan()),
        "{err:?}"
    );
    // -0.0 is ≥ 0: accepted.
    assert_eq!(sized(128, -0.0).unwrap().slot_size(), 128);
}

#[test]
fn slot_larger_than_the_maximum_is_an_error() {
    let err = sized(usize::MAX / 2, 0.0).unwrap_err();
    assert!(matches!(err, CapacityError::SlotTooLarge { .. }), "{err:?}");
    assert_eq!(
        sized((1 << 31) + 1, 0.0).unwrap_err(),
        CapacityError::SlotTooLarge {
            requested: (1 << 31) + 1
        }
    );
    // Head room alone can push a slot past the maximum.
    let err = sized(1 << 30, 100.5).unwrap_err();
    assert!(
        matches!(err, CapacityError::SlotTooLarge { requested } if requested > 1 << 31),
        "{err:?}"
    );
    // A percentage so large the product saturates is refused, not wrapped.
    let err = sized(usize::MAX, 1e300).unwrap_err();
    assert!(matches!(err, CapacityError::SlotTooLarge { .. }), "{err:?}");
}

#[test]
fn slab_too_large_is_an_allocation_error() {
    // capacity × slot overflows usize: refused before the allocator is asked.
    let err = BytesRingBufferFast::builder(1 << 40)
        .expected_item_size(1 << 30)
        .buffer_percent(0.0)
        .build()
        .unwrap_err();
    assert_eq!(
        err,
        CapacityError::Allocation {
            capacity: 1 << 40,
            item_bytes: 1 << 30
        }
    );
    // Fits usize but not `isize::MAX` bytes: also refused without allocating.
    let err = BytesRingBufferFast::builder(1 << 33)
        .expected_item_size(1 << 30)
        .buffer_percent(0.0)
        .only_insert_unique(true)
        .build()
        .unwrap_err();
    assert_eq!(
        err,
        CapacityError::Allocation {
            capacity: 1 << 33,
            item_bytes: 1 << 30
        }
    );
}

// ---------------------------------------------------------------------------------------
// Inserting and reading
// ---------------------------------------------------------------------------------------

#[test]
fn oversize_insert_is_refused_and_writes_nothing() {
    for unique in [false, true] {
        let mut ring = small(2, unique);
        ring.insert_batch(&[b"ab", b"cd", b"ef"]).unwrap();
        let before = ring.unwrapped();
        assert_eq!(
            ring.insert(b"12345"),
            Err(FastError::Oversize { len: 5, slot: 4 })
        );
        assert_eq!(ring.unwrapped(), before);
        assert_eq!(ring.overwritten(), 1);
        assert!(!ring.contains(b"12345"));
        assert!(!ring.contains(b"1234"));
        // The next insert goes where it would have gone without the refused one.
        ring.insert(b"gh").unwrap();
        assert_eq!(ring.unwrapped(), [b"ef", b"gh"]);
    }

    let mut ring = BytesRingBufferFast::new(2).unwrap();
    assert_eq!(
        ring.insert(&[0; 257]),
        Err(FastError::Oversize {
            len: 257,
            slot: 256
        })
    );
    assert!(ring.is_empty());
}

#[test]
fn message_of_exactly_one_slot_is_accepted() {
    let mut ring = small(2, false);
    ring.insert(b"abcd").unwrap();
    ring.insert(b"wxyz").unwrap();
    ring.insert(b"1234").unwrap();
    assert_eq!(ring.unwrapped(), [b"wxyz", b"1234"]);
    let mut ring = BytesRingBufferFast::new(1).unwrap();
    let full = [0xA5; 256];
    ring.insert(&full).unwrap();
    assert_eq!(ring.peekleft(), Some(&full[..]));
    assert_eq!(ring.overwrite_latest(&[0x5A; 256]), Ok(()));
    assert_eq!(ring.consume(), Some(vec![0x5A; 256]));
}

#[test]
fn empty_message_round_trips() {
    for unique in [false, true] {
        let mut ring = small(4, unique);
        ring.insert(b"abcd").unwrap();
        ring.insert(b"").unwrap();
        assert_eq!(ring.len(), 2);
        assert_eq!(ring.peekright(), Some(&b""[..]));
        assert!(ring.contains(b""));
        assert_eq!(ring.consume(), Some(b"abcd".to_vec()));
        let mut out = b"junk".to_vec();
        assert!(ring.consume_into(&mut out));
        assert_eq!(out, b"");
        assert!(ring.is_empty());
        // An empty message written into a slot that held a longer one.
        ring.insert(b"").unwrap();
        assert_eq!(ring.unwrapped(), [b""]);
    }
}

#[test]
fn shorter_message_hides_the_stale_bytes_of_its_slot() {
    let mut ring = small(1, false);
    ring.insert(b"abcd").unwrap();
    ring.insert(b"x").unwrap();
    assert_eq!(ring.peekleft(), Some(&b"x"[..]));
    assert!(!ring.contains(b"xbcd"));
    ring.overwrite_latest(b"yz").unwrap();
    assert_eq!(ring.consume(), Some(b"yz".to_vec()));
}

/// Validation happens before any byte of the batch is written: a failed batch leaves
/// neither half-written slots nor corrupted old messages.
#[test]
fn failed_batch_writes_nothing() {
    for unique in [false, true] {
        let mut ring = small(4, unique);
        // Wrap the ring so old data sits on both sides of the physical end.
        ring.insert_batch(&[b"a", b"bb", b"ccc", b"dddd", b"e", b"ff"])
            .unwrap();
        let before = ring.unwrapped();
        let debug_before = format!("{ring:?}");
        let counted = ring.overwritten();
        assert_eq!(before, [&b"ccc"[..], b"dddd", b"e", b"ff"]);

        let batch: [&[u8]; 5] = [b"1", b"22", b"too long", b"4", b"5"];
        assert_eq!(
            ring.insert_batch(&batch),
            Err(FastError::Oversize { len: 8, slot: 4 })
        );
        assert_eq!(ring.unwrapped(), before);
        assert_eq!(format!("{ring:?}"), debug_before);
        assert_eq!(ring.overwritten(), counted);
        assert_eq!(ring.len(), 4);
        assert!(ring.is_full());
        for item in [&b"1"[..], b"22", b"4", b"5", b"too long"] {
            assert!(!ring.contains(item));
        }
        for item in &before {
            assert!(ring.contains(item));
        }

        // The first oversize item is the one reported.
        assert_eq!(
            ring.insert_batch(&[b"ok", b"12345", b"123456"]),
            Err(FastError::Oversize { len: 5, slot: 4 })
        );
        assert_eq!(ring.unwrapped(), before);

        // And the ring carries on exactly as if the batches had never been tried.
        ring.insert_batch(&[b"g", b"h"]).unwrap();
        assert_eq!(ring.unwrapped(), [&b"e"[..], b"ff", b"g", b"h"]);
        assert_eq!(ring.overwritten(), counted + 2);
    }
}

#[test]
fn consume_into_replaces_the_contents_of_out() {
    let mut ring = small(4, false);
    let mut out = b"stale and long".to_vec();
    assert!(!ring.consume_into(&mut out));
    assert_eq!(out, b"stale and long");

    ring.insert_batch(&[b"ab", b"c"]).unwrap();
    assert!(ring.consume_into(&mut out));
    assert_eq!(out, b"ab");
    assert!(ring.consume_into(&mut out));
    assert_eq!(out, b"c");
    assert!(!ring.consume_into(&mut out));
    assert_eq!(out, b"c");
    assert!(ring.is_empty());
}

#[test]
fn consume_with_lends_the_oldest_message_in_place() {
    for unique in [false, true] {
        let mut ring = small(2, unique);
        let mut called = false;
        assert_eq!(ring.consume_with(|_| called = true), None);
        assert!(!called, "not called on an empty ring");

        ring.insert_batch(&[b"ab", b"c", b"de"]).unwrap(); // "ab" is evicted
        let lent = ring.consume_with(|message| (message.len(), message.to_vec()));
        assert_eq!(lent, Some((1, b"c".to_vec())));
        assert_eq!(ring.unwrapped(), [b"de"]);
        // The slot is released: a unique ring takes the same message again.
        ring.insert(b"c").unwrap();
        assert_eq!(ring.unwrapped(), [&b"de"[..], b"c"]);
    }
}

/// No silent write into an invisible slot.
#[test]
fn overwrite_latest_on_empty_is_an_error() {
    for unique in [false, true] {
        let mut ring = small(4, unique);
        assert_eq!(ring.overwrite_latest(b"x"), Err(FastError::Empty));
        // Emptiness is reported first, even for a message that would not fit.
        assert_eq!(ring.overwrite_latest(b"12345"), Err(FastError::Empty));
        assert!(ring.is_empty());
        assert!(!ring.contains(b"x"));
        ring.insert(b"a").unwrap();
        ring.consume().unwrap();
        assert_eq!(ring.overwrite_latest(b"y"), Err(FastError::Empty));
        assert!(ring.is_empty());
        assert_eq!(ring.peekright(), None);
    }
}

#[test]
fn overwrite_latest_replaces_the_newest_or_refuses_oversize() {
    let mut ring = small(4, false);
    ring.insert_batch(&[b"a", b"bcd"]).unwrap();
    assert_eq!(ring.overwrite_latest(b"e"), Ok(()));
    assert_eq!(ring.unwrapped(), [b"a", b"e"]);
    assert_eq!(
        ring.overwrite_latest(b"12345"),
        Err(FastError::Oversize { len: 5, slot: 4 })
    );
    assert_eq!(ring.unwrapped(), [b"a", b"e"]);
    // Without uniqueness a value equal to another held one is fine.
    assert_eq!(ring.overwrite_latest(b"a"), Ok(()));
    assert_eq!(ring.unwrapped(), [b"a", b"a"]);
    assert_eq!(ring.overwritten(), 0);
}

#[test]
#[should_panic(expected = "index out of bounds")]
fn index_past_the_end_panics() {
    let mut ring = small(4, false);
    ring.insert(b"a").unwrap();
    let _ = &ring[1];
}

#[test]
fn debug_lists_the_messages_as_byte_lists() {
    let mut ring = small(4, false);
    assert_eq!(format!("{ring:?}"), "[]");
    ring.insert_batch(&[b"a", b"bc"]).unwrap();
    assert_eq!(format!("{ring:?}"), "[[97], [98, 99]]");
    let mut iter = ring.iter();
    iter.next();
    assert_eq!(format!("{iter:?}"), "[[98, 99]]");
    let builder = BytesRingBufferFast::builder(4).only_insert_unique(true);
    let text = format!("{builder:?}");
    assert!(text.contains("only_insert_unique: true"), "{text}");
    assert!(text.contains("expected_item_size: 128"), "{text}");
}

#[test]
fn equality_compares_messages_not_counters_or_options() {
    let mut a = small(2, false);
    let mut b = BytesRingBufferFast::builder(8)
        .only_insert_unique(true)
        .build()
        .unwrap();
    a.insert_batch(&[b"0", b"1", b"2"]).unwrap();
    b.insert_batch(&[b"1", b"2"]).unwrap();
    assert_ne!(a.overwritten(), b.overwritten());
    assert_eq!(a, b);
    b.insert(b"3").unwrap();
    assert_ne!(a, b);
}

#[test]
fn contains_compares_contents() {
    for unique in [false, true] {
        let mut ring = small(4, unique);
        assert!(!ring.contains(b""));
        ring.insert_batch(&[b"", b"ab"]).unwrap();
        assert!(ring.contains(b""));
        assert!(ring.contains(b"ab"));
        assert!(!ring.contains(b"a"));
        assert!(!ring.contains(b"abc"));
        assert!(!ring.contains(b"abcdefgh"));
    }
}

// ---------------------------------------------------------------------------------------
// Uniqueness
// ---------------------------------------------------------------------------------------

#[test]
fn unique_ring_skips_a_held_message_with_ok() {
    let mut ring = small(4, true);
    assert!(ring.only_insert_unique());
    assert_eq!(ring.insert(b"a"), Ok(()));
    assert_eq!(ring.insert(b"a"), Ok(()));
    assert_eq!(ring.insert(b"b"), Ok(()));
    assert_eq!(ring.insert(b""), Ok(()));
    assert_eq!(ring.insert(b""), Ok(()));
    assert_eq!(ring.unwrapped(), [&b"a"[..], b"b", b""]);
    assert_eq!(ring.overwritten(), 0);
    // Oversize is still an error in unique mode.
    assert_eq!(
        ring.insert(b"aaaaa"),
        Err(FastError::Oversize { len: 5, slot: 4 })
    );
}

#[test]
fn unique_overwrite_latest_refuses_a_duplicate_after_checking_the_size() {
    let mut ring = small(4, true);
    ring.insert_batch(&[b"a", b"b", b"c"]).unwrap();
    assert_eq!(ring.overwrite_latest(b"a"), Err(FastError::Duplicate));
    // Oversize is checked before uniqueness.
    assert_eq!(
        ring.overwrite_latest(b"aaaaa"),
        Err(FastError::Oversize { len: 5, slot: 4 })
    );
    assert_eq!(ring.unwrapped(), [b"a", b"b", b"c"]);
    let copy = ring.clone();
    assert!(copy.only_insert_unique(), "a clone keeps the options");
    assert_eq!(copy.slot_size(), ring.slot_size());
}

// ---------------------------------------------------------------------------------------
// Large slots: messages that fill their slots, slots that are reused out of order
// ---------------------------------------------------------------------------------------

/// An operation on a ring of [`LARGE`]-byte slots: messages are `len` copies of one
/// byte, so a message written over part of another shows.
#[derive(Debug, Clone)]
enum LargeOp {
    Insert(usize, u8),
    Consume,
    ConsumeInto,
    OverwriteLatest(usize, u8),
    Clear,
}

/// Slots large enough to be laid out apart (1024 bytes).
const LARGE: usize = 1024;

fn large_op() -> impl Strategy<Value = LargeOp> {
    let len = prop_oneof![Just(LARGE), Just(LARGE - 1), Just(0usize), 0..=LARGE];
    prop_oneof![
        6 => (len.clone(), any::<u8>()).prop_map(|(len, byte)| LargeOp::Insert(len, byte)),
        3 => Just(LargeOp::Consume),
        2 => Just(LargeOp::ConsumeInto),
        1 => (len, any::<u8>()).prop_map(|(len, byte)| LargeOp::OverwriteLatest(len, byte)),
        1 => Just(LargeOp::Clear),
    ]
}

/// Operations per case of the large-slot test (fewer under Miri, which is slow).
const LARGE_OPS: usize = if cfg!(miri) { 40 } else { 200 };

proptest! {
    #![proptest_config(support::config())]

    #[test]
    fn large_slots_keep_every_message_intact(
        capacity in prop::sample::select(vec![1usize, 2, 4, 8]),
        ops in prop::collection::vec(large_op(), 0..LARGE_OPS),
    ) {
        let mut ring = BytesRingBufferFast::builder(capacity)
            .expected_item_size(LARGE)
            .buffer_percent(0.0)
            .build()
            .expect("small ring");
        let mut model = std::collections::VecDeque::new();
        let mut out = Vec::new();
        for op in ops {
            match op {
                LargeOp::Insert(len, byte) => {
                    if model.len() == ring.capacity() {
                        model.pop_front();
                    }
                    prop_assert_eq!(ring.insert(&vec![byte; len]), Ok(()));
                    model.push_back(vec![byte; len]);
                }
                LargeOp::Consume => prop_assert_eq!(ring.consume(), model.pop_front()),
                LargeOp::ConsumeInto => {
                    let expected = model.pop_front();
                    prop_assert_eq!(ring.consume_into(&mut out), expected.is_some());
                    if let Some(expected) = expected {
                        prop_assert_eq!(&out, &expected);
                    }
                }
                LargeOp::OverwriteLatest(len, byte) => {
                    let result = ring.overwrite_latest(&vec![byte; len]);
                    match model.back_mut() {
                        Some(newest) => {
                            prop_assert_eq!(result, Ok(()));
                            *newest = vec![byte; len];
                        }
                        None => prop_assert_eq!(result, Err(FastError::Empty)),
                    }
                }
                LargeOp::Clear => {
                    ring.clear();
                    model.clear();
                }
            }
            prop_assert!(ring.iter().eq(model.iter().map(Vec::as_slice)));
        }
    }
}
