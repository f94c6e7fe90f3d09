//! `BytesRingBuffer` through the public API (SPEC §1, §1a, §4; defects 6 and 10 of §12):
//! a model-based property test against a `VecDeque` reference, with and without
//! `only_insert_unique`, and named tests for each rule.

use std::collections::VecDeque;

use mmring_core::{Bytes, BytesRingBuffer, CapacityError};
use proptest::prelude::*;

// ---------------------------------------------------------------------------------------
// Reference model
// ---------------------------------------------------------------------------------------

/// What a `BytesRingBuffer` must hold: a `VecDeque` with manual eviction.
#[derive(Debug)]
struct Model {
    items: VecDeque<Vec<u8>>,
    capacity: usize,
    overwritten: u64,
    unique: bool,
}

impl Model {
    fn new(capacity: usize, unique: bool) -> Self {
        Self {
            items: VecDeque::new(),
            capacity,
            overwritten: 0,
            unique,
        }
    }

    /// `false` when skipped as a duplicate; the check is against the current contents,
    /// before any eviction.
    fn insert(&mut self, item: &[u8]) -> bool {
        if self.unique && self.items.iter().any(|held| held == item) {
            return false;
        }
        if self.items.len() == self.capacity {
            self.items.pop_front();
            self.overwritten += 1;
        }
        self.items.push_back(item.to_vec());
        true
    }

    /// `Err(())` when empty or, in unique mode, when the item equals a held item other
    /// than the newest.
    fn overwrite_latest(&mut self, item: &[u8]) -> Result<Vec<u8>, ()> {
        let last = self.items.len().checked_sub(1).ok_or(())?;
        if self.unique
            && self
                .items
                .iter()
                .take(last)
                .any(|held| held.as_slice() == item)
        {
            return Err(());
        }
        Ok(std::mem::replace(&mut self.items[last], item.to_vec()))
    }

    fn get_signed(&self, index: isize) -> Option<&Vec<u8>> {
        let logical = if index < 0 {
            self.items.len().checked_sub(index.unsigned_abs())?
        } else {
            index.unsigned_abs()
        };
        self.items.get(logical)
    }
}

// ---------------------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------------------

/// How a message is handed to `insert`.
#[derive(Debug, Clone, Copy)]
enum Conv {
    Bytes,
    Vec,
    String,
    /// A `Bytes` that is a window into a larger buffer.
    Sliced,
}

#[derive(Debug, Clone)]
enum Op {
    Insert(Vec<u8>, Conv),
    /// Inserts a copy of a held item (by position modulo `len`): a sure duplicate.
    InsertHeld(usize),
    InsertBatch(Vec<Vec<u8>>),
    Consume,
    ConsumeAll,
    Unwrapped,
    PeekLeft,
    PeekRight,
    Get(usize),
    GetSigned(isize),
    /// `ring[i % len]` when not empty.
    Index(usize),
    OverwriteLatest(Vec<u8>),
    /// Overwrites the newest with a copy of a held item (by position modulo `len`), so
    /// either another held item or the newest itself.
    OverwriteLatestHeld(usize),
    Contains(Vec<u8>),
    Clear,
    Iter,
    IterRev,
    /// Replaces the ring by its clone and carries on with the clone.
    Clone,
}

/// Short messages from a three-letter alphabet, so duplicates are frequent.
fn message() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(b'a'..=b'c', 0..6)
}

fn conv() -> impl Strategy<Value = Conv> {
    prop_oneof![
        Just(Conv::Bytes),
        Just(Conv::Vec),
        Just(Conv::String),
        Just(Conv::Sliced)
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (message(), conv()).prop_map(|(m, c)| Op::Insert(m, c)),
        2 => any::<usize>().prop_map(Op::InsertHeld),
        // Up to 20 items: longer than the largest capacity (16) in the test.
        3 => prop::collection::vec(message(), 0..20).prop_map(Op::InsertBatch),
        3 => Just(Op::Consume),
        1 => Just(Op::ConsumeAll),
        1 => Just(Op::Unwrapped),
        1 => Just(Op::PeekLeft),
        1 => Just(Op::PeekRight),
        1 => (0usize..20).prop_map(Op::Get),
        2 => (-20isize..20).prop_map(Op::GetSigned),
        1 => prop_oneof![Just(isize::MIN), Just(isize::MAX)].prop_map(Op::GetSigned),
        1 => any::<usize>().prop_map(Op::Index),
        2 => message().prop_map(Op::OverwriteLatest),
        2 => any::<usize>().prop_map(Op::OverwriteLatestHeld),
        2 => message().prop_map(Op::Contains),
        1 => Just(Op::Clear),
        1 => Just(Op::Iter),
        1 => Just(Op::IterRev),
        1 => Just(Op::Clone),
    ]
}

fn insert_as(ring: &mut BytesRingBuffer, item: &[u8], conv: Conv) -> bool {
    match conv {
        Conv::Bytes => ring.insert(Bytes::copy_from_slice(item)),
        Conv::Vec => ring.insert(item.to_vec()),
        Conv::String => ring.insert(String::from_utf8(item.to_vec()).expect("ASCII")),
        Conv::Sliced => {
            let mut padded = b"<".to_vec();
            padded.extend_from_slice(item);
            padded.push(b'>');
            ring.insert(Bytes::from(padded).slice(1..=item.len()))
        }
    }
}

/// The invariants compared after every operation.
fn check(ring: &BytesRingBuffer, model: &Model) -> Result<(), TestCaseError> {
    prop_assert_eq!(ring.len(), model.items.len());
    prop_assert_eq!(ring.is_empty(), model.items.is_empty());
    prop_assert_eq!(ring.is_full(), model.items.len() == model.capacity);
    prop_assert_eq!(ring.capacity(), model.capacity);
    prop_assert_eq!(ring.overwritten(), model.overwritten);
    prop_assert_eq!(ring.only_insert_unique(), model.unique);
    let held: Vec<&[u8]> = ring.iter().map(|b| &b[..]).collect();
    let want: Vec<&[u8]> = model.items.iter().map(Vec::as_slice).collect();
    prop_assert_eq!(&held, &want);
    let (first, second) = ring.as_slices();
    prop_assert_eq!(first.len() + second.len(), want.len());
    prop_assert!(
        first
            .iter()
            .chain(second)
            .map(|b| &b[..])
            .eq(want.iter().copied())
    );
    // Every held item is found (through the hash index in unique mode).
    for item in &model.items {
        prop_assert!(ring.contains(item));
    }
    if model.unique {
        for (i, a) in model.items.iter().enumerate() {
            prop_assert!(!model.items.iter().skip(i + 1).any(|b| a == b));
        }
    }
    Ok(())
}

fn run(capacity: usize, unique: bool, ops: Vec<Op>) -> Result<(), TestCaseError> {
    let mut ring = BytesRingBuffer::builder(capacity)
        .only_insert_unique(unique)
        .build()
        .expect("small capacity");
    let mut model = Model::new(capacity.next_power_of_two(), unique);
    check(&ring, &model)?;
    for op in ops {
        match op {
            Op::Insert(item, conv) => {
                prop_assert_eq!(insert_as(&mut ring, &item, conv), model.insert(&item));
            }
            Op::InsertHeld(i) => {
                if !model.items.is_empty() {
                    let item = model.items[i % model.items.len()].clone();
                    prop_assert_eq!(ring.insert(item.clone()), model.insert(&item));
                    prop_assert!(ring.contains(&item));
                }
            }
            Op::InsertBatch(items) => {
                for item in &items {
                    model.insert(item);
                }
                ring.insert_batch(items);
            }
            Op::Consume => {
                let got = ring.consume();
                let want = model.items.pop_front();
                prop_assert_eq!(got.as_deref(), want.as_deref());
                if let Some(gone) = want {
                    prop_assert_eq!(ring.contains(&gone), model.items.contains(&gone));
                }
            }
            Op::ConsumeAll => {
                let got = ring.consume_all();
                let want: Vec<Vec<u8>> = model.items.drain(..).collect();
                prop_assert!(
                    got.iter()
                        .map(|b| &b[..])
                        .eq(want.iter().map(Vec::as_slice))
                );
                for gone in &want {
                    prop_assert!(!ring.contains(gone));
                }
            }
            Op::Unwrapped => {
                let got = ring.unwrapped();
                prop_assert!(
                    got.iter()
                        .map(|b| &b[..])
                        .eq(model.items.iter().map(Vec::as_slice))
                );
            }
            Op::PeekLeft => {
                prop_assert_eq!(
                    ring.peekleft().map(|b| &b[..]),
                    model.items.front().map(Vec::as_slice)
                );
            }
            Op::PeekRight => {
                prop_assert_eq!(
                    ring.peekright().map(|b| &b[..]),
                    model.items.back().map(Vec::as_slice)
                );
            }
            Op::Get(i) => {
                prop_assert_eq!(
                    ring.get(i).map(|b| &b[..]),
                    model.items.get(i).map(Vec::as_slice)
                );
            }
            Op::GetSigned(i) => {
                prop_assert_eq!(
                    ring.get_signed(i).map(|b| &b[..]),
                    model.get_signed(i).map(Vec::as_slice)
                );
            }
            Op::Index(i) => {
                if !model.items.is_empty() {
                    let i = i % model.items.len();
                    prop_assert_eq!(&ring[i][..], model.items[i].as_slice());
                }
            }
            Op::OverwriteLatest(item) => {
                let got = ring.overwrite_latest(item.clone());
                match model.overwrite_latest(&item) {
                    Ok(old) => prop_assert_eq!(got.as_deref(), Ok(old.as_slice())),
                    Err(()) => prop_assert_eq!(got, Err(Bytes::from(item))),
                }
            }
            Op::OverwriteLatestHeld(i) => {
                if !model.items.is_empty() {
                    let item = model.items[i % model.items.len()].clone();
                    let got = ring.overwrite_latest(item.clone());
                    match model.overwrite_latest(&item) {
                        Ok(old) => prop_assert_eq!(got.as_deref(), Ok(old.as_slice())),
                        Err(()) => prop_assert_eq!(got, Err(Bytes::from(item))),
                    }
                }
            }
            Op::Contains(item) => {
                prop_assert_eq!(ring.contains(&item), model.items.contains(&item));
            }
            Op::Clear => {
                ring.clear();
                model.items.clear();
            }
            Op::Iter => {
                let iter = ring.iter();
                prop_assert_eq!(iter.len(), model.items.len());
                prop_assert!(
                    iter.map(|b| &b[..])
                        .eq(model.items.iter().map(Vec::as_slice))
                );
                prop_assert!((&ring).into_iter().eq(ring.iter()));
            }
            Op::IterRev => {
                prop_assert!(
                    ring.iter().rev().map(|b| &b[..]).eq(model
                        .items
                        .iter()
                        .rev()
                        .map(Vec::as_slice))
                );
            }
            Op::Clone => {
                let copy = ring.clone();
                prop_assert!(copy == ring);
                prop_assert_eq!(copy.overwritten(), ring.overwritten());
                ring = copy;
            }
        }
        check(&ring, &model)?;
    }
    Ok(())
}

const MAX_OPS: usize = if cfg!(miri) { 24 } else { 96 };

/// 256 cases natively; under Miri 3 shorter ones, and no failure file (its lookup of
/// the working directory is refused by Miri's isolation).
fn config() -> ProptestConfig {
    if cfg!(miri) {
        ProptestConfig {
            failure_persistence: None,
            ..ProptestConfig::with_cases(3)
        }
    } else {
        ProptestConfig::with_cases(256)
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn matches_model(capacity in 1usize..=9, ops in prop::collection::vec(op(), 0..MAX_OPS)) {
        run(capacity, false, ops)?;
    }

    #[test]
    fn matches_model_unique(
        capacity in 1usize..=9,
        ops in prop::collection::vec(op(), 0..MAX_OPS),
    ) {
        run(capacity, true, ops)?;
    }
}

// ---------------------------------------------------------------------------------------
// Capacity
// ---------------------------------------------------------------------------------------

#[test]
fn capacity_rounds_up_to_a_power_of_two() {
    for (asked, got) in [
        (1, 1),
        (2, 2),
        (3, 4),
        (5, 8),
        (10, 16),
        (16, 16),
        (17, 32),
        (1025, 2048),
    ] {
        assert_eq!(BytesRingBuffer::new(asked).unwrap().capacity(), got);
        let unique = BytesRingBuffer::builder(asked)
            .only_insert_unique(true)
            .build()
            .unwrap();
        assert_eq!(unique.capacity(), got);
        assert!(unique.only_insert_unique());
    }
}

#[test]
fn zero_capacity_is_an_error() {
    assert_eq!(BytesRingBuffer::new(0).unwrap_err(), CapacityError::Zero);
    assert_eq!(
        BytesRingBuffer::builder(0)
            .only_insert_unique(true)
            .build()
            .unwrap_err(),
        CapacityError::Zero
    );
}

#[test]
fn overflowing_capacity_is_an_error() {
    assert_eq!(
        BytesRingBuffer::new(usize::MAX).unwrap_err(),
        CapacityError::Overflow {
            requested: usize::MAX
        }
    );
    assert_eq!(
        BytesRingBuffer::new(usize::MAX / 2 + 2).unwrap_err(),
        CapacityError::Overflow {
            requested: usize::MAX / 2 + 2
        }
    );
    // Rounds fine, but the storage is larger than `isize::MAX` bytes: refused before
    // the allocator is asked.
    for unique in [false, true] {
        let err = BytesRingBuffer::builder(usize::MAX / 2 + 1)
            .only_insert_unique(unique)
            .build()
            .unwrap_err();
        assert!(
            matches!(err, CapacityError::Allocation { capacity, .. } if capacity == usize::MAX / 2 + 1),
            "{err:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// Inserting and reading
// ---------------------------------------------------------------------------------------

#[test]
fn insert_accepts_common_byte_types() {
    let mut ring = BytesRingBuffer::new(8).unwrap();
    assert!(ring.insert(Bytes::from_static(b"bytes")));
    assert!(ring.insert(b"vec".to_vec()));
    assert!(ring.insert("str"));
    assert!(ring.insert(&b"slice"[..]));
    assert!(ring.insert(String::from("string")));
    assert!(ring.insert(vec![0u8; 0]));
    assert_eq!(
        ring.unwrapped(),
        [&b"bytes"[..], b"vec", b"str", b"slice", b"string", b""]
    );
}

#[test]
fn consume_hands_back_the_same_bytes_without_copying() {
    let mut ring = BytesRingBuffer::new(4).unwrap();
    let message = Bytes::from(vec![7u8; 64]);
    let address = message.as_ptr();
    ring.insert(message);
    assert_eq!(ring.peekleft().unwrap().as_ptr(), address);
    assert_eq!(ring.unwrapped()[0].as_ptr(), address);
    let consumed = ring.consume().unwrap();
    assert_eq!(consumed.as_ptr(), address);
    assert_eq!(consumed, vec![7u8; 64]);
}

#[test]
fn fifo_order_and_eviction_counter() {
    let mut ring = BytesRingBuffer::new(3).unwrap(); // capacity 4
    ring.insert_batch(["a", "b", "c", "d", "e", "f"]);
    assert_eq!(ring.unwrapped(), [&b"c"[..], b"d", b"e", b"f"]);
    assert_eq!(ring.overwritten(), 2);
    assert!(ring.is_full());
    assert_eq!(ring.consume().as_deref(), Some(&b"c"[..]));
    assert!(!ring.is_full());
    assert_eq!(ring.peekleft().map(|b| &b[..]), Some(&b"d"[..]));
    assert_eq!(ring.peekright().map(|b| &b[..]), Some(&b"f"[..]));
    assert_eq!(ring.get_signed(-1), ring.peekright());
    assert_eq!(ring.get_signed(-3), ring.peekleft());
    assert_eq!(ring.get_signed(-4), None);
    assert_eq!(ring.get_signed(3), None);
    assert_eq!(ring.get(2).map(|b| &b[..]), Some(&b"f"[..]));
    assert_eq!(ring.get(3), None);
    assert_eq!(&ring[1][..], b"e");
    assert_eq!(ring.consume_all(), [&b"d"[..], b"e", b"f"]);
    assert!(ring.is_empty());
    assert_eq!(ring.overwritten(), 2);
}

#[test]
fn batch_longer_than_capacity_keeps_the_last_items() {
    let mut ring = BytesRingBuffer::new(2).unwrap();
    ring.insert("old");
    ring.insert_batch(["1", "2", "3", "4", "5"]);
    assert_eq!(ring.unwrapped(), [&b"4"[..], b"5"]);
    assert_eq!(ring.overwritten(), 4);
}

#[test]
fn empty_ring_reads_nothing() {
    for unique in [false, true] {
        let mut ring = BytesRingBuffer::builder(4)
            .only_insert_unique(unique)
            .build()
            .unwrap();
        assert_eq!(ring.consume(), None);
        assert_eq!(ring.consume_all(), Vec::<Bytes>::new());
        assert_eq!(ring.unwrapped(), Vec::<Bytes>::new());
        assert_eq!(ring.peekleft(), None);
        assert_eq!(ring.peekright(), None);
        assert_eq!(ring.get(0), None);
        assert_eq!(ring.get_signed(-1), None);
        assert_eq!(ring.iter().next(), None);
        assert!(!ring.contains(b""));
    }
}

/// SPEC §12 defect 10: no silent write into an invisible slot.
#[test]
fn defect10_overwrite_latest_on_empty_is_an_error() {
    for unique in [false, true] {
        let mut ring = BytesRingBuffer::builder(4)
            .only_insert_unique(unique)
            .build()
            .unwrap();
        assert_eq!(ring.overwrite_latest("x"), Err(Bytes::from("x")));
        assert!(ring.is_empty());
        assert_eq!(ring.peekright(), None);
        assert!(!ring.contains(b"x"));
        ring.insert("a");
        assert_eq!(ring.consume().as_deref(), Some(&b"a"[..]));
        assert_eq!(ring.overwrite_latest("y"), Err(Bytes::from("y")));
        assert!(ring.is_empty());
    }
}

#[test]
fn overwrite_latest_replaces_the_newest() {
    let mut ring = BytesRingBuffer::new(4).unwrap();
    ring.insert_batch(["a", "b"]);
    assert_eq!(ring.overwrite_latest("c"), Ok(Bytes::from("b")));
    assert_eq!(ring.unwrapped(), [&b"a"[..], b"c"]);
    // Without uniqueness a value equal to another held one is fine.
    assert_eq!(ring.overwrite_latest("a"), Ok(Bytes::from("c")));
    assert_eq!(ring.unwrapped(), [&b"a"[..], b"a"]);
    assert_eq!(ring.overwritten(), 0);
}

#[test]
#[should_panic(expected = "index out of bounds")]
fn index_past_the_end_panics() {
    let mut ring = BytesRingBuffer::new(4).unwrap();
    ring.insert("a");
    let _ = &ring[1];
}

#[test]
fn contains_compares_contents() {
    for unique in [false, true] {
        let mut ring = BytesRingBuffer::builder(4)
            .only_insert_unique(unique)
            .build()
            .unwrap();
        ring.insert_batch(["", "ab"]);
        assert!(ring.contains(b""));
        assert!(ring.contains(b"ab"));
        assert!(!ring.contains(b"a"));
        assert!(!ring.contains(b"abc"));
    }
}

#[test]
fn iteration_is_double_ended_and_exact() {
    let mut ring = BytesRingBuffer::new(4).unwrap();
    ring.insert_batch(["a", "b", "c", "d", "e"]);
    let mut iter = ring.iter();
    assert_eq!(iter.len(), 4);
    assert_eq!(iter.next().map(|b| &b[..]), Some(&b"b"[..]));
    assert_eq!(iter.next_back().map(|b| &b[..]), Some(&b"e"[..]));
    assert_eq!(iter.len(), 2);
    assert_eq!(iter.next().map(|b| &b[..]), Some(&b"c"[..]));
    assert_eq!(iter.next_back().map(|b| &b[..]), Some(&b"d"[..]));
    assert_eq!(iter.next(), None);
    assert_eq!(iter.next_back(), None);
    let mut seen = Vec::new();
    for message in &ring {
        seen.push(message.clone());
    }
    assert_eq!(seen, ring.unwrapped());
}

#[test]
fn extend_inserts_like_insert_batch() {
    let mut ring = BytesRingBuffer::builder(4)
        .only_insert_unique(true)
        .build()
        .unwrap();
    ring.extend(["x", "y", "x"]);
    assert_eq!(ring.unwrapped(), [&b"x"[..], b"y"]);
}

#[test]
fn debug_lists_the_messages() {
    let mut ring = BytesRingBuffer::new(4).unwrap();
    assert_eq!(format!("{ring:?}"), "[]");
    ring.insert_batch(["a", "bc"]);
    assert_eq!(format!("{ring:?}"), r#"[b"a", b"bc"]"#);
    assert_eq!(format!("{:?}", ring.iter()), r#"[b"a", b"bc"]"#);
    let builder = BytesRingBuffer::builder(4).only_insert_unique(true);
    let text = format!("{builder:?}");
    assert!(text.contains("only_insert_unique: true"), "{text}");
}

#[test]
fn equality_compares_messages_not_counters_or_options() {
    let mut a = BytesRingBuffer::new(2).unwrap();
    let mut b = BytesRingBuffer::builder(8)
        .only_insert_unique(true)
        .build()
        .unwrap();
    a.insert_batch(["0", "1", "2"]);
    b.insert_batch(["1", "2"]);
    assert_ne!(a.overwritten(), b.overwritten());
    assert_eq!(a, b);
    b.insert("3");
    assert_ne!(a, b);
}

// ---------------------------------------------------------------------------------------
// Uniqueness (SPEC §4, defect 6)
// ---------------------------------------------------------------------------------------

#[test]
fn unique_ring_skips_a_held_message() {
    let mut ring = BytesRingBuffer::builder(4)
        .only_insert_unique(true)
        .build()
        .unwrap();
    assert!(ring.insert("a"));
    assert!(!ring.insert("a"));
    assert!(!ring.insert(b"a".to_vec()));
    assert!(ring.insert("b"));
    assert!(ring.insert(""));
    assert!(!ring.insert(""));
    assert_eq!(ring.unwrapped(), [&b"a"[..], b"b", b""]);
    assert_eq!(ring.overwritten(), 0);
}

#[test]
fn duplicate_of_the_oldest_is_skipped_even_when_full() {
    // The check runs against the current contents, before the eviction the insert
    // would cause: a full ring holding "a" skips "a" instead of evicting and re-adding.
    let mut ring = BytesRingBuffer::builder(2)
        .only_insert_unique(true)
        .build()
        .unwrap();
    ring.insert_batch(["a", "b"]);
    assert!(!ring.insert("a"));
    assert_eq!(ring.unwrapped(), [&b"a"[..], b"b"]);
    assert_eq!(ring.overwritten(), 0);
}

#[test]
fn defect6_duplicates_inside_one_batch_are_skipped() {
    let mut ring = BytesRingBuffer::builder(8)
        .only_insert_unique(true)
        .build()
        .unwrap();
    ring.insert("held");
    ring.insert_batch(["x", "y", "x", "held", "y", "z", "x"]);
    assert_eq!(ring.unwrapped(), [&b"held"[..], b"x", b"y", b"z"]);
    assert_eq!(ring.overwritten(), 0);

    // A batch longer than the capacity, full of repeats: as repeated `insert`.
    let mut small = BytesRingBuffer::builder(2)
        .only_insert_unique(true)
        .build()
        .unwrap();
    small.insert_batch(["a", "a", "b", "b", "a", "c", "c", "a"]);
    // a → [a]; b → [a b]; a skipped; c → [b c]; a → [c a].
    assert_eq!(small.unwrapped(), [&b"c"[..], b"a"]);
    assert_eq!(small.overwritten(), 2);
}

/// The duplicate check is a hash lookup (SPEC §4): this test shows it stays correct at a
/// large capacity; that it is O(1) rather than a scan is shown by the benches, not by a
/// timing assertion here.
#[test]
fn defect6_unique_check_is_not_a_linear_scan() {
    let capacity: u32 = if cfg!(miri) { 256 } else { 65536 };
    let mut ring = BytesRingBuffer::builder(capacity as usize)
        .only_insert_unique(true)
        .build()
        .unwrap();
    let message = |n: u32| Bytes::copy_from_slice(&n.to_le_bytes());
    for n in 0..capacity {
        assert!(ring.insert(message(n)));
    }
    assert!(ring.is_full());
    for n in (0..capacity).step_by(997) {
        assert!(!ring.insert(message(n)));
        assert!(ring.contains(&n.to_le_bytes()));
    }
    assert_eq!(ring.len(), capacity as usize);
    assert_eq!(ring.overwritten(), 0);
    // New messages evict the oldest, which then may come back.
    for n in capacity..capacity + 16 {
        assert!(ring.insert(message(n)));
    }
    for n in 0..16u32 {
        assert!(!ring.contains(&n.to_le_bytes()));
        assert!(ring.insert(message(n)));
    }
    assert_eq!(ring.overwritten(), 32);
    assert_eq!(
        ring.peekleft().map(|b| &b[..]),
        Some(&32u32.to_le_bytes()[..])
    );
}

#[test]
fn uniqueness_releases_a_message_once_it_is_gone() {
    let mut ring = BytesRingBuffer::builder(2)
        .only_insert_unique(true)
        .build()
        .unwrap();

    // Eviction.
    ring.insert_batch(["a", "b", "c"]);
    assert!(!ring.contains(b"a"));
    assert!(ring.insert("a"));
    assert_eq!(ring.unwrapped(), [&b"c"[..], b"a"]);

    // consume.
    assert_eq!(ring.consume().as_deref(), Some(&b"c"[..]));
    assert!(ring.insert("c"));
    assert_eq!(ring.unwrapped(), [&b"a"[..], b"c"]);

    // consume_all.
    ring.consume_all();
    assert!(ring.insert("a"));
    assert!(ring.insert("c"));

    // clear.
    ring.clear();
    assert!(ring.is_empty());
    assert!(ring.insert("a"));
    assert!(ring.insert("c"));

    // overwrite_latest: the replaced message is released, the new one is held.
    assert_eq!(ring.overwrite_latest("d"), Ok(Bytes::from("c")));
    assert!(!ring.contains(b"c"));
    assert!(!ring.insert("d"));
    assert!(ring.insert("c"));
    assert_eq!(ring.unwrapped(), [&b"d"[..], b"c"]);
}

#[test]
fn unique_overwrite_latest_refuses_another_held_message() {
    let mut ring = BytesRingBuffer::builder(4)
        .only_insert_unique(true)
        .build()
        .unwrap();
    ring.insert_batch(["a", "b", "c"]);

    // Equal to another held message: refused, ring unchanged.
    assert_eq!(ring.overwrite_latest("a"), Err(Bytes::from("a")));
    assert_eq!(ring.overwrite_latest("b"), Err(Bytes::from("b")));
    assert_eq!(ring.unwrapped(), [&b"a"[..], b"b", b"c"]);

    // Equal to the newest itself: replaced (with an equal message).
    let newest = Bytes::from(b"c".to_vec());
    let address = newest.as_ptr();
    assert_eq!(ring.overwrite_latest(newest), Ok(Bytes::from("c")));
    assert_eq!(ring.peekright().unwrap().as_ptr(), address);
    assert_eq!(ring.unwrapped(), [&b"a"[..], b"b", b"c"]);
    assert!(!ring.insert("c"));

    // A new message: replaced.
    assert_eq!(ring.overwrite_latest("d"), Ok(Bytes::from("c")));
    assert_eq!(ring.unwrapped(), [&b"a"[..], b"b", b"d"]);
    assert!(ring.contains(b"d"));
    assert!(!ring.contains(b"c"));
}

#[test]
fn clone_of_a_unique_ring_checks_uniqueness_on_its_own() {
    let mut original = BytesRingBuffer::builder(4)
        .only_insert_unique(true)
        .build()
        .unwrap();
    original.insert_batch(["a", "b", "c", "d", "e"]); // wrapped: b c d e
    let mut copy = original.clone();
    assert_eq!(copy, original);
    assert!(copy.only_insert_unique());
    assert_eq!(copy.overwritten(), original.overwritten());

    // Both skip what they both hold.
    assert!(!copy.insert("c"));
    assert!(!original.insert("c"));

    // The clone moves on; the original does not see it.
    assert!(copy.insert("x")); // evicts b from the copy only
    assert!(!copy.insert("x"));
    assert!(!original.contains(b"x"));
    assert!(original.insert("x")); // evicts b from the original
    assert!(copy.insert("b"));
    assert!(original.insert("b"));
    assert_eq!(copy.unwrapped(), [&b"d"[..], b"e", b"x", b"b"]);
    assert_eq!(copy, original);

    // Diverge again, then check each index against its own contents.
    assert_eq!(copy.consume().as_deref(), Some(&b"d"[..]));
    assert!(!original.insert("d"));
    assert!(copy.insert("d"));
    for message in ["d", "e", "x", "b"] {
        assert!(original.contains(message.as_bytes()));
        assert!(copy.contains(message.as_bytes()));
    }
    assert_eq!(copy.unwrapped(), [&b"e"[..], b"x", b"b", b"d"]);
}
