//! What the model-based tests of the rings share: the reference ring they compare with,
//! and their proptest configuration. A test file uses it through `mod support;`.

// Each test file is its own crate and uses only part of this module.
#![allow(dead_code)]

use std::collections::VecDeque;
use std::ops::Index;

use mmring_core::{BytesRingBuffer, BytesRingBufferFast, Fifo, Ring};
use proptest::prelude::{
    Just, Strategy, TestCaseError, any, prop, prop_assert, prop_assert_eq, prop_oneof,
};
use proptest::test_runner::Config as ProptestConfig;

/// The longest sequence of operations of one model-based case (shorter under Miri).
pub const MAX_OPS: usize = if cfg!(miri) { 24 } else { 96 };

/// An index for `get`: mostly below 40 (past the end of the largest ring of the
/// number and generic tests, 32), sometimes `usize::MAX`.
pub fn index() -> impl Strategy<Value = usize> + Clone {
    prop_oneof![8 => 0usize..40, 1 => Just(usize::MAX)]
}

/// A signed index for `get_signed`: mostly within 40 of zero, sometimes an extreme.
pub fn signed_index() -> impl Strategy<Value = isize> + Clone {
    prop_oneof![8 => -40isize..40, 1 => Just(isize::MIN), 1 => Just(isize::MAX)]
}

/// The reference ring: a `VecDeque` that evicts its front by hand when full and counts
/// the evictions; with `unique`, it skips an item equal to a held one, checked against
/// the contents before any eviction.
#[derive(Debug, Clone)]
pub struct Model<T> {
    /// The items, oldest first.
    pub items: VecDeque<T>,
    /// The requested capacity rounded up to a power of two.
    pub capacity: usize,
    /// Items evicted by inserts.
    pub overwritten: u64,
    /// Whether an item equal to a held one is skipped.
    pub unique: bool,
}

impl<T: PartialEq> Model<T> {
    /// An empty model of a ring asked for `requested` items. The capacity is computed
    /// the slow way, so that it shares no code with the crate.
    pub fn new(requested: usize, unique: bool) -> Self {
        let mut capacity = 1;
        while capacity < requested {
            capacity *= 2;
        }
        Self {
            items: VecDeque::new(),
            capacity,
            overwritten: 0,
            unique,
        }
    }

    /// Inserts `item`: `None` when it was skipped as a duplicate, otherwise `Some` of
    /// the oldest item it evicted, if any.
    pub fn insert(&mut self, item: T) -> Option<Option<T>> {
        if self.unique && self.items.contains(&item) {
            return None;
        }
        let evicted = if self.items.len() == self.capacity {
            self.overwritten += 1;
            self.items.pop_front()
        } else {
            None
        };
        self.items.push_back(item);
        Some(evicted)
    }

    /// Inserts `item` into a model without uniqueness and returns what it evicted.
    pub fn push(&mut self, item: T) -> Option<T> {
        assert!(!self.unique, "push is for models without uniqueness");
        self.insert(item).flatten()
    }

    /// Replaces the newest item and returns it; `Err(item)` when empty or, with
    /// `unique`, when `item` equals a held item other than the newest.
    pub fn overwrite_latest(&mut self, item: T) -> Result<T, T> {
        let Some(last) = self.items.len().checked_sub(1) else {
            return Err(item);
        };
        if self.unique && self.items.iter().take(last).any(|held| *held == item) {
            return Err(item);
        }
        Ok(std::mem::replace(&mut self.items[last], item))
    }

    /// The item at a signed index: `0` is the oldest, `-1` the newest.
    pub fn get_signed(&self, index: isize) -> Option<&T> {
        let logical = if index < 0 {
            self.items.len().checked_sub(index.unsigned_abs())?
        } else {
            index.unsigned_abs()
        };
        self.items.get(logical)
    }
}

/// Compares every index read of `ring` with the model: `get` from 0 to two past the end
/// and at `usize::MAX`, `get_signed` from two past either end and at the extremes.
/// `same` says whether a read equals the model's item.
pub fn check_indexing<'r, R: Ring, T: PartialEq>(
    ring: &'r R,
    model: &Model<T>,
    same: impl Fn(Option<R::View<'r>>, Option<&T>) -> bool,
) {
    let len = model.items.len();
    for index in (0..len + 2).chain([usize::MAX]) {
        assert!(
            same(ring.get(index), model.items.get(index)),
            "get({index})"
        );
    }
    let reach = len as isize + 2;
    for index in (-reach..=reach).chain([isize::MIN, isize::MAX]) {
        assert!(
            same(ring.get_signed(index), model.get_signed(index)),
            "get_signed({index})"
        );
    }
}

/// Applies each of `ops` to the ring and to the model, comparing the two with `check`
/// before the first and after each.
pub fn run<R, T, O>(
    mut ring: R,
    mut model: Model<T>,
    ops: Vec<O>,
    apply: impl Fn(&mut R, &mut Model<T>, O),
    check: impl Fn(&R, &Model<T>),
) -> (R, Model<T>) {
    check(&ring, &model);
    for op in ops {
        apply(&mut ring, &mut model, op);
        check(&ring, &model);
    }
    (ring, model)
}

/// Replaces `ring` by a clone of it, after checking that the clone is equal and kept
/// the eviction count: the test carries on with the clone.
pub fn continue_with_clone<R: Fifo + Clone + PartialEq>(ring: &mut R) -> Result<(), TestCaseError> {
    let copy = ring.clone();
    prop_assert!(copy == *ring);
    prop_assert_eq!(copy.overwritten(), ring.overwritten());
    *ring = copy;
    Ok(())
}

/// [`config`] with twice the cases, for a test that draws each case with or without
/// `only_insert_unique`: as many cases per mode as two tests would run.
pub fn config_for_both_modes() -> ProptestConfig {
    let single = config();
    ProptestConfig {
        cases: 2 * single.cases,
        ..single
    }
}

/// 256 cases natively; under Miri 3, and no failure file (Miri's isolation forbids the
/// file system that records failures).
pub fn config() -> ProptestConfig {
    if cfg!(miri) {
        ProptestConfig {
            failure_persistence: None,
            ..ProptestConfig::with_cases(3)
        }
    } else {
        ProptestConfig::with_cases(256)
    }
}

// ---------------------------------------------------------------------------------------
// The byte rings
// ---------------------------------------------------------------------------------------

/// The two byte rings, as their model-based tests use them: the [`Ring`] vocabulary
/// over messages read as bytes, found by their bytes, and indexable.
pub trait ByteRing:
    'static
    + for<'a> Ring<
        View<'a>: AsRef<[u8]>,
        Needle<'a> = &'a [u8],
        Item: AsRef<[u8]> + Clone + PartialEq,
    >
    + Index<usize, Output: AsRef<[u8]>>
    + Clone
    + PartialEq
{
}

impl ByteRing for BytesRingBuffer {}

impl ByteRing for BytesRingBufferFast {}

impl Model<Vec<u8>> {
    /// The messages, oldest first, as byte slices.
    pub fn slices(&self) -> Vec<&[u8]> {
        self.items.iter().map(Vec::as_slice).collect()
    }
}

/// The bytes of a message read in place (`&Bytes` or `&[u8]`), if any.
fn bytes_of<V: AsRef<[u8]>>(view: &Option<V>) -> Option<&[u8]> {
    view.as_ref().map(AsRef::as_ref)
}

/// The operations both byte rings' model tests draw alike, with the same weights, and
/// check alike with [`apply_byte_read`]: the reads, `clear` and cloning.
#[derive(Debug, Clone)]
pub enum ByteRead {
    ConsumeAll,
    Unwrapped,
    PeekLeft,
    PeekRight,
    Get(usize),
    GetSigned(isize),
    /// `ring[i % len]` when not empty.
    Index(usize),
    Contains(Vec<u8>),
    Clear,
    Iter,
    IterRev,
    /// Replaces the ring by its clone and carries on with the clone.
    Clone,
}

/// The sum of the weights of [`byte_read`]: the weight to draw it with beside a test's
/// own operations.
pub const BYTE_READ_WEIGHT: u32 = 15;

/// A [`ByteRead`]: indexes up to 20 (past the largest capacity of the byte tests, 16)
/// and the extremes; `contains` of messages of up to 5 bytes from a three-letter
/// alphabet, so that it often hits.
pub fn byte_read() -> impl Strategy<Value = ByteRead> {
    prop_oneof![
        1 => Just(ByteRead::ConsumeAll),
        1 => Just(ByteRead::Unwrapped),
        1 => Just(ByteRead::PeekLeft),
        1 => Just(ByteRead::PeekRight),
        1 => (0usize..20).prop_map(ByteRead::Get),
        2 => (-20isize..20).prop_map(ByteRead::GetSigned),
        1 => prop_oneof![Just(isize::MIN), Just(isize::MAX)].prop_map(ByteRead::GetSigned),
        1 => any::<usize>().prop_map(ByteRead::Index),
        2 => prop::collection::vec(b'a'..=b'c', 0..6).prop_map(ByteRead::Contains),
        1 => Just(ByteRead::Clear),
        1 => Just(ByteRead::Iter),
        1 => Just(ByteRead::IterRev),
        1 => Just(ByteRead::Clone),
    ]
}

/// Applies `read` to the ring and to the model and compares what each gives back.
pub fn apply_byte_read<R: ByteRing>(
    ring: &mut R,
    model: &mut Model<Vec<u8>>,
    read: ByteRead,
) -> Result<(), TestCaseError> {
    match read {
        ByteRead::ConsumeAll => {
            let got = ring.consume_all();
            let gone: Vec<Vec<u8>> = model.items.drain(..).collect();
            prop_assert!(
                got.iter()
                    .map(AsRef::as_ref)
                    .eq(gone.iter().map(Vec::as_slice))
            );
            for item in &gone {
                prop_assert!(!ring.contains(item));
            }
        }
        ByteRead::Unwrapped => {
            let got = ring.unwrapped();
            prop_assert!(got.iter().map(AsRef::as_ref).eq(model.slices()));
        }
        ByteRead::PeekLeft => {
            let got = ring.peekleft();
            prop_assert_eq!(bytes_of(&got), model.items.front().map(Vec::as_slice));
        }
        ByteRead::PeekRight => {
            let got = ring.peekright();
            prop_assert_eq!(bytes_of(&got), model.items.back().map(Vec::as_slice));
        }
        ByteRead::Get(i) => {
            let got = ring.get(i);
            prop_assert_eq!(bytes_of(&got), model.items.get(i).map(Vec::as_slice));
        }
        ByteRead::GetSigned(i) => {
            let got = ring.get_signed(i);
            prop_assert_eq!(bytes_of(&got), model.get_signed(i).map(Vec::as_slice));
        }
        ByteRead::Index(i) => {
            if !model.items.is_empty() {
                let i = i % model.items.len();
                prop_assert_eq!(ring[i].as_ref(), model.items[i].as_slice());
            }
        }
        ByteRead::Contains(item) => {
            prop_assert_eq!(ring.contains(&item), model.items.contains(&item));
        }
        ByteRead::Clear => {
            ring.clear();
            model.items.clear();
        }
        ByteRead::Iter => {
            let len = model.items.len();
            let iter = ring.iter();
            prop_assert_eq!(iter.len(), len);
            prop_assert_eq!(iter.size_hint(), (len, Some(len)));
            let held: Vec<R::View<'_>> = iter.collect();
            prop_assert!(held.iter().map(AsRef::as_ref).eq(model.slices()));
        }
        ByteRead::IterRev => {
            let held: Vec<R::View<'_>> = ring.iter().rev().collect();
            prop_assert!(
                held.iter()
                    .map(AsRef::as_ref)
                    .eq(model.slices().into_iter().rev())
            );
        }
        ByteRead::Clone => continue_with_clone(ring)?,
    }
    Ok(())
}

/// What either byte ring must show after every operation: the counts, the option, the
/// messages in order, each of them found by `contains` (through the hash index in
/// unique mode), and no two equal ones in a unique ring.
pub fn check_byte_ring<R: ByteRing>(
    ring: &R,
    model: &Model<Vec<u8>>,
    only_insert_unique: bool,
) -> Result<(), TestCaseError> {
    prop_assert_eq!(ring.len(), model.items.len());
    prop_assert_eq!(ring.is_empty(), model.items.is_empty());
    prop_assert_eq!(ring.is_full(), model.items.len() == model.capacity);
    prop_assert_eq!(ring.capacity(), model.capacity);
    prop_assert_eq!(ring.overwritten(), model.overwritten);
    prop_assert_eq!(only_insert_unique, model.unique);
    let held: Vec<R::View<'_>> = ring.iter().collect();
    let held: Vec<&[u8]> = held.iter().map(AsRef::as_ref).collect();
    prop_assert_eq!(held, model.slices());
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

/// A message whose bytes can be checked: its sequence number, then a byte pattern
/// derived from it, of a length (up to `max_len` more bytes) derived from it.
pub fn message(seq: u64, max_len: usize) -> Vec<u8> {
    let len = (seq.wrapping_mul(2_654_435_761) % (max_len as u64 + 1)) as usize;
    let mut out = seq.to_le_bytes().to_vec();
    out.extend((0..len).map(|i| (seq as u8).wrapping_mul(31).wrapping_add(i as u8)));
    out
}

/// Checks a message built by [`message`] and returns its sequence number.
pub fn check(bytes: &[u8], max_len: usize) -> u64 {
    assert!(bytes.len() >= 8, "torn message: {bytes:?}");
    let seq = u64::from_le_bytes(bytes[..8].try_into().unwrap());
    assert_eq!(bytes, message(seq, max_len), "torn message {seq}");
    seq
}
