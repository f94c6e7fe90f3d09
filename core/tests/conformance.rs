//! The rules every in-process ring shares, written once over the `Fifo` and `Ring`
//! traits and run against each ring, and against each option that takes another code
//! path (the byte rings with and without `only_insert_unique`).
//!
//! - Capacity: rounded up to a power of two; 0 and capacities whose rounding overflows
//!   are typed errors.
//! - Order and eviction: FIFO; an insert into a full ring evicts the oldest item and
//!   counts it in `overwritten()`; a batch longer than the capacity keeps its last
//!   `capacity` items.
//! - Reads: peeks and indexing, signed and unsigned, with their exact ranges; nothing is
//!   visible in an empty ring, however it was emptied (never stale data); `iter` is
//!   double-ended and of exact size; `unwrapped` and `consume_all` go oldest → newest.
//! - `overwrite_latest` never writes into an empty ring; `clear` keeps the capacity and
//!   the counter; `contains` sees exactly the held items; `Debug`, `==` and `Clone`
//!   behave alike for every ring.
//! - With `only_insert_unique` (the byte rings): an item equal to a held one is skipped,
//!   also within one batch and when the ring is full; an item is released as soon as it
//!   leaves the ring by any path; `overwrite_latest` refuses an item equal to another
//!   held one.
//!
//! A small adapter per ring ([`Subject`]) inserts numbered test items and reads their
//! numbers back; every check goes through the traits. What only one ring has (its
//! `insert` return value, numeric statistics, slot sizing, uniqueness, drop counting)
//! is tested beside this file, in `generic.rs`, `numeric.rs`, `bytes.rs` and
//! `bytes_fast.rs`.

use std::fmt::Debug;

use mmring_core::{
    Bytes, BytesRingBuffer, BytesRingBufferFast, CapacityError, Fifo, GenericRingBuffer,
    NumericRingBuffer, Ring,
};

// ---------------------------------------------------------------------------------------
// The adapter
// ---------------------------------------------------------------------------------------

/// What the suite needs of a ring beyond the traits: a way to put numbered items in and
/// to read the numbers back. Distinct numbers make distinct items.
trait Subject: Ring + Fifo<Item: Clone> + Clone + PartialEq + Debug + Sized {
    /// Whether a capacity of thousands is slow to allocate under Miri (zeroed slabs).
    const LARGE_IS_SLOW_UNDER_MIRI: bool = false;
    /// The bytes of storage per item that `CapacityError::Allocation` reports (for the
    /// rings the suite builds: default slots for the fast byte ring).
    const ITEM_BYTES: usize;
    /// Inserts item `n` with the ring's own `insert`.
    fn insert(&mut self, n: u32);
    /// Inserts items `ns` in one `insert_batch`.
    fn insert_batch(&mut self, ns: &[u32]);
    /// Replaces the newest item by item `n`; `false` when the ring refused (empty, or a
    /// duplicate in a ring of unique items).
    fn overwrite_latest(&mut self, n: u32) -> bool;
    /// The number of an item read in place.
    fn number(view: Self::View<'_>) -> u32;
    /// The number of an owned item.
    fn number_of(item: Self::Item) -> u32;
    /// `Ring::contains` of item `n`.
    fn holds(&self, n: u32) -> bool;
    /// The numbers met by iterating `&ring` (its `IntoIterator` for references).
    fn numbers_by_ref(&self) -> Vec<u32>;
    /// The `Debug` text of the items read in place, as a list.
    fn debug_of_views(&self) -> String;
}

/// The two methods of [`Subject`] that read the same way in every ring: iterating
/// `&ring`, and the `Debug` text of the items read in place.
macro_rules! reads_by_ref_and_debug {
    () => {
        fn numbers_by_ref(&self) -> Vec<u32> {
            self.into_iter().map(Self::number).collect()
        }
        fn debug_of_views(&self) -> String {
            format!("{:?}", Ring::iter(self).collect::<Vec<_>>())
        }
    };
}

/// The numbers of the byte rings' items: four little-endian bytes.
macro_rules! byte_numbers {
    ($view:ty, $item:ty) => {
        fn number(view: $view) -> u32 {
            number_of_bytes(&view)
        }
        fn number_of(item: $item) -> u32 {
            number_of_bytes(&item)
        }
        fn holds(&self, n: u32) -> bool {
            Ring::contains(self, &n.to_le_bytes())
        }
    };
}

/// How a test builds the ring under test: `new(max_capacity)`, possibly with options.
type New<S> = fn(usize) -> Result<S, CapacityError>;

impl Subject for GenericRingBuffer<String> {
    const ITEM_BYTES: usize = size_of::<String>();

    fn insert(&mut self, n: u32) {
        GenericRingBuffer::insert(self, n.to_string());
    }
    fn insert_batch(&mut self, ns: &[u32]) {
        GenericRingBuffer::insert_batch(self, ns.iter().map(u32::to_string));
    }
    fn overwrite_latest(&mut self, n: u32) -> bool {
        GenericRingBuffer::overwrite_latest(self, n.to_string()).is_ok()
    }
    fn number(view: &String) -> u32 {
        view.parse().expect("a number")
    }
    fn number_of(item: String) -> u32 {
        Self::number(&item)
    }
    fn holds(&self, n: u32) -> bool {
        Ring::contains(self, &n.to_string())
    }
    reads_by_ref_and_debug!();
}

macro_rules! numeric_subject {
    ($($t:ty)*) => {$(
        impl Subject for NumericRingBuffer<$t> {
            const ITEM_BYTES: usize = size_of::<$t>();

            fn insert(&mut self, n: u32) {
                NumericRingBuffer::insert(self, <$t>::from(n));
            }
            fn insert_batch(&mut self, ns: &[u32]) {
                let values: Vec<$t> = ns.iter().copied().map(<$t>::from).collect();
                NumericRingBuffer::insert_batch(self, &values);
            }
            fn overwrite_latest(&mut self, n: u32) -> bool {
                NumericRingBuffer::overwrite_latest(self, <$t>::from(n)).is_ok()
            }
            fn number(view: $t) -> u32 {
                // Exact: every value came from a `u32`.
                view as u32
            }
            fn number_of(item: $t) -> u32 {
                Self::number(item)
            }
            fn holds(&self, n: u32) -> bool {
                Ring::contains(self, <$t>::from(n))
            }
            reads_by_ref_and_debug!();
        }
    )*};
}

numeric_subject!(u64 f64);

/// Items of the byte rings: the number's four little-endian bytes.
fn number_of_bytes(message: &[u8]) -> u32 {
    u32::from_le_bytes(message.try_into().expect("four bytes"))
}

impl Subject for BytesRingBuffer {
    const ITEM_BYTES: usize = size_of::<Bytes>();

    fn insert(&mut self, n: u32) {
        BytesRingBuffer::insert(self, n.to_le_bytes().to_vec());
    }
    fn insert_batch(&mut self, ns: &[u32]) {
        BytesRingBuffer::insert_batch(self, ns.iter().map(|n| n.to_le_bytes().to_vec()));
    }
    fn overwrite_latest(&mut self, n: u32) -> bool {
        BytesRingBuffer::overwrite_latest(self, n.to_le_bytes().to_vec()).is_ok()
    }
    byte_numbers!(&Bytes, Bytes);
    reads_by_ref_and_debug!();
}

impl Subject for BytesRingBufferFast {
    const LARGE_IS_SLOW_UNDER_MIRI: bool = true;
    const ITEM_BYTES: usize = 256;

    fn insert(&mut self, n: u32) {
        BytesRingBufferFast::insert(self, &n.to_le_bytes()).expect("four bytes fit a slot");
    }
    fn insert_batch(&mut self, ns: &[u32]) {
        let items: Vec<[u8; 4]> = ns.iter().map(|n| n.to_le_bytes()).collect();
        let slices: Vec<&[u8]> = items.iter().map(|item| &item[..]).collect();
        BytesRingBufferFast::insert_batch(self, &slices).expect("four bytes fit a slot");
    }
    fn overwrite_latest(&mut self, n: u32) -> bool {
        BytesRingBufferFast::overwrite_latest(self, &n.to_le_bytes()).is_ok()
    }
    byte_numbers!(&[u8], Vec<u8>);
    reads_by_ref_and_debug!();
}

fn bytes_unique(max_capacity: usize) -> Result<BytesRingBuffer, CapacityError> {
    BytesRingBuffer::builder(max_capacity)
        .only_insert_unique(true)
        .build()
}

fn bytes_fast_unique(max_capacity: usize) -> Result<BytesRingBufferFast, CapacityError> {
    BytesRingBufferFast::builder(max_capacity)
        .only_insert_unique(true)
        .build()
}

/// One module of `#[test]`s per ring: each check of the list run against the ring
/// that `new` builds.
macro_rules! checks {
    ([$($check:ident)*]) => {};
    ([$($check:ident)*] $subject:ident: $ring:ty = $new:expr; $($rest:tt)*) => {
        mod $subject {
            use super::*;

            const NEW: New<$ring> = $new;

            $(
                #[test]
                fn $check() {
                    super::$check(NEW);
                }
            )*
        }

        checks!([$($check)*] $($rest)*);
    };
}

// Every shared rule, against every ring.
checks! {
    [
        capacity_rounds_up_to_a_power_of_two
        zero_capacity_is_an_error
        capacity_whose_rounding_overflows_is_an_error
        capacity_too_large_for_memory_is_an_allocation_error
        insert_into_a_full_ring_evicts_the_oldest_and_counts_it
        consume_is_fifo
        consume_all_returns_oldest_to_newest_and_empties
        nothing_is_visible_in_an_empty_ring
        peeks_are_the_oldest_and_the_newest
        get_and_get_signed_cover_exactly_the_held_items
        iter_is_double_ended_and_of_exact_size
        insert_batch_longer_than_the_capacity_keeps_its_last_items
        insert_batch_of_nothing_changes_nothing
        overwrite_latest_replaces_the_newest_and_never_writes_into_an_empty_ring
        contains_sees_exactly_the_held_items
        clear_keeps_the_capacity_and_the_count
        unwrapped_copies_what_iter_reads
        debug_prints_the_items_as_a_list
        equality_ignores_capacity_and_counters
        clone_is_equal_and_independent
    ]
    generic: GenericRingBuffer<String> = GenericRingBuffer::new;
    numeric_u64: NumericRingBuffer<u64> = NumericRingBuffer::new;
    numeric_f64: NumericRingBuffer<f64> = NumericRingBuffer::new;
    bytes: BytesRingBuffer = BytesRingBuffer::new;
    bytes_unique: BytesRingBuffer = bytes_unique;
    bytes_fast: BytesRingBufferFast = BytesRingBufferFast::new;
    bytes_fast_unique: BytesRingBufferFast = bytes_fast_unique;
}

// The rules of `only_insert_unique`, against each ring built with it.
checks! {
    [
        a_held_item_is_skipped_even_when_the_ring_is_full
        duplicates_inside_one_batch_are_skipped
        the_check_stays_correct_at_a_large_capacity
        an_item_is_released_once_it_is_gone
        overwrite_latest_refuses_another_held_item
        a_clone_checks_uniqueness_on_its_own
    ]
    bytes_unique_items: BytesRingBuffer = bytes_unique;
    bytes_fast_unique_items: BytesRingBufferFast = bytes_fast_unique;
}

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

/// A ring of capacity 4 that was given items 1 to 6: it holds 3, 4, 5, 6, and the
/// window wraps around the end of the storage (the first two inserts were evicted).
fn wrapped<S: Subject>(new: New<S>) -> S {
    let mut ring = new(4).expect("small capacity");
    for n in 1..=6 {
        ring.insert(n);
    }
    ring
}

/// The numbers of the items, oldest → newest, read through `iter`.
fn numbers<S: Subject>(ring: &S) -> Vec<u32> {
    Ring::iter(ring).map(S::number).collect()
}

/// Asserts that no item of any kind can be read: every read of an empty ring is `None`
/// or empty, never stale data.
#[track_caller]
fn assert_nothing_visible<S: Subject>(ring: &S, gone: &[u32]) {
    assert_eq!(Fifo::len(ring), 0);
    assert!(Fifo::is_empty(ring));
    assert!(!Fifo::is_full(ring));
    assert!(Ring::peekleft(ring).is_none());
    assert!(Ring::peekright(ring).is_none());
    assert!(Ring::get(ring, 0).is_none());
    assert!(Ring::get_signed(ring, 0).is_none());
    assert!(Ring::get_signed(ring, -1).is_none());
    assert!(Ring::iter(ring).next().is_none());
    assert!(Ring::iter(ring).next_back().is_none());
    assert!(Ring::unwrapped(ring).is_empty());
    assert!(ring.numbers_by_ref().is_empty());
    for &n in gone {
        assert!(!ring.holds(n), "item {n} is gone");
    }
}

// ---------------------------------------------------------------------------------------
// The checks
// ---------------------------------------------------------------------------------------

fn capacity_rounds_up_to_a_power_of_two<S: Subject>(new: New<S>) {
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
        if cfg!(miri) && S::LARGE_IS_SLOW_UNDER_MIRI && asked > 17 {
            continue;
        }
        let ring = new(asked).expect("representable capacity");
        assert_eq!(Fifo::capacity(&ring), got, "new({asked})");
        assert!(Fifo::is_empty(&ring));
        assert!(!Fifo::is_full(&ring));
        assert_eq!(Fifo::overwritten(&ring), 0);
    }
}

fn zero_capacity_is_an_error<S: Subject>(new: New<S>) {
    assert_eq!(new(0).err(), Some(CapacityError::Zero));
}

fn capacity_whose_rounding_overflows_is_an_error<S: Subject>(new: New<S>) {
    for requested in [usize::MAX, usize::MAX / 2 + 2] {
        assert_eq!(
            new(requested).err(),
            Some(CapacityError::Overflow { requested }),
            "new({requested})"
        );
    }
}

/// A capacity that rounds fine but whose storage no allocator hands out (2^40 items),
/// or whose size in bytes cannot even be formed (2^62 items), is an error value, not an
/// abort.
fn capacity_too_large_for_memory_is_an_allocation_error<S: Subject>(new: New<S>) {
    if cfg!(miri) {
        return; // Miri cannot model a failing huge allocation.
    }
    for capacity in [1 << 40, 1 << 62] {
        assert_eq!(
            new(capacity).err(),
            Some(CapacityError::Allocation {
                capacity,
                item_bytes: S::ITEM_BYTES
            }),
            "new({capacity})"
        );
    }
}

fn insert_into_a_full_ring_evicts_the_oldest_and_counts_it<S: Subject>(new: New<S>) {
    let mut ring = new(3).unwrap(); // capacity 4
    for n in 1..=4 {
        ring.insert(n);
        assert_eq!(Fifo::overwritten(&ring), 0);
    }
    assert!(Fifo::is_full(&ring));
    ring.insert(5);
    assert_eq!(numbers(&ring), [2, 3, 4, 5]);
    assert_eq!(Fifo::overwritten(&ring), 1);
    assert!(Fifo::is_full(&ring));
    ring.insert_batch(&[6, 7, 8]);
    assert_eq!(numbers(&ring), [5, 6, 7, 8]);
    assert_eq!(Fifo::overwritten(&ring), 4);
    // Consuming, overwriting the newest and clearing evict nothing.
    assert_eq!(Fifo::consume(&mut ring).map(S::number_of), Some(5));
    assert!(!Fifo::is_full(&ring));
    assert!(ring.overwrite_latest(9));
    Fifo::clear(&mut ring);
    assert_eq!(Fifo::overwritten(&ring), 4);
}

fn consume_is_fifo<S: Subject>(new: New<S>) {
    let mut ring = wrapped(new);
    assert_eq!(Fifo::consume(&mut ring).map(S::number_of), Some(3));
    ring.insert(7);
    for expected in [4, 5, 6, 7] {
        assert_eq!(Fifo::consume(&mut ring).map(S::number_of), Some(expected));
    }
    assert!(Fifo::consume(&mut ring).is_none());
    assert!(Fifo::consume(&mut ring).is_none(), "still empty");
    assert_eq!(Fifo::overwritten(&ring), 2);
}

fn consume_all_returns_oldest_to_newest_and_empties<S: Subject>(new: New<S>) {
    let mut ring = new(4).unwrap();
    assert!(Fifo::consume_all(&mut ring).is_empty());

    let mut ring = wrapped(new);
    let all: Vec<u32> = Fifo::consume_all(&mut ring)
        .into_iter()
        .map(S::number_of)
        .collect();
    assert_eq!(all, [3, 4, 5, 6]);
    assert_nothing_visible(&ring, &[3, 4, 5, 6]);
    assert_eq!(Fifo::capacity(&ring), 4);
    assert!(Fifo::consume_all(&mut ring).is_empty());

    // The ring carries on from where the window was.
    ring.insert_batch(&[7, 8, 9, 10, 11]);
    assert_eq!(numbers(&ring), [8, 9, 10, 11]);
    assert_eq!(Fifo::overwritten(&ring), 3);
}

/// Never stale data: a new ring, and one emptied by consuming, by `consume_all` and by
/// `clear`, each from a wrapped window.
fn nothing_is_visible_in_an_empty_ring<S: Subject>(new: New<S>) {
    assert_nothing_visible(&new(4).unwrap(), &[0, 1]);

    let mut ring = wrapped(new);
    while Fifo::consume(&mut ring).is_some() {}
    assert_nothing_visible(&ring, &[3, 4, 5, 6]);

    ring.insert_batch(&[7, 8]);
    Fifo::consume_all(&mut ring);
    assert_nothing_visible(&ring, &[7, 8]);

    let mut ring = wrapped(new);
    Fifo::clear(&mut ring);
    assert_nothing_visible(&ring, &[3, 4, 5, 6]);
}

fn peeks_are_the_oldest_and_the_newest<S: Subject>(new: New<S>) {
    let mut ring = new(2).unwrap();
    ring.insert(1);
    assert_eq!(Ring::peekleft(&ring).map(S::number), Some(1));
    assert_eq!(Ring::peekright(&ring).map(S::number), Some(1));
    ring.insert_batch(&[2, 3]);
    assert_eq!(Ring::peekleft(&ring).map(S::number), Some(2));
    assert_eq!(Ring::peekright(&ring).map(S::number), Some(3));
    assert_eq!(Fifo::len(&ring), 2, "peeking takes nothing out");
}

fn get_and_get_signed_cover_exactly_the_held_items<S: Subject>(new: New<S>) {
    let ring = wrapped(new); // 3, 4, 5, 6
    for (index, n) in [3, 4, 5, 6].into_iter().enumerate() {
        assert_eq!(
            Ring::get(&ring, index).map(S::number),
            Some(n),
            "get({index})"
        );
        let from_newest = index as isize - 4;
        assert_eq!(
            Ring::get_signed(&ring, index as isize).map(S::number),
            Some(n),
            "get_signed({index})"
        );
        assert_eq!(
            Ring::get_signed(&ring, from_newest).map(S::number),
            Some(n),
            "get_signed({from_newest})"
        );
    }
    for index in [4, 5, usize::MAX] {
        assert!(Ring::get(&ring, index).is_none(), "get({index})");
    }
    for index in [4, 5, -5, -6, isize::MIN, isize::MAX] {
        assert!(
            Ring::get_signed(&ring, index).is_none(),
            "get_signed({index})"
        );
    }
}

fn iter_is_double_ended_and_of_exact_size<S: Subject>(new: New<S>) {
    let ring = wrapped(new);
    let mut iter = Ring::iter(&ring);
    assert_eq!(iter.len(), 4);
    assert_eq!(iter.size_hint(), (4, Some(4)));
    assert_eq!(iter.next().map(S::number), Some(3));
    assert_eq!(iter.next_back().map(S::number), Some(6));
    assert_eq!(iter.len(), 2);
    assert_eq!(iter.next_back().map(S::number), Some(5));
    assert_eq!(iter.next().map(S::number), Some(4));
    assert_eq!(iter.len(), 0);
    assert!(iter.next().is_none() && iter.next_back().is_none());
    assert_eq!(
        Ring::iter(&ring).rev().map(S::number).collect::<Vec<_>>(),
        [6, 5, 4, 3]
    );
    assert_eq!(ring.numbers_by_ref(), [3, 4, 5, 6]);
}

fn insert_batch_longer_than_the_capacity_keeps_its_last_items<S: Subject>(new: New<S>) {
    let mut ring = new(4).unwrap();
    ring.insert(0);
    ring.insert_batch(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert_eq!(numbers(&ring), [7, 8, 9, 10]);
    assert_eq!(Fifo::overwritten(&ring), 7);
    assert!(Fifo::is_full(&ring));

    // Into a wrapped window, and far longer than the capacity.
    let mut ring = wrapped(new);
    let long: Vec<u32> = (10..50).collect();
    ring.insert_batch(&long);
    assert_eq!(numbers(&ring), [46, 47, 48, 49]);
    assert_eq!(Fifo::overwritten(&ring), 2 + 40);
}

fn insert_batch_of_nothing_changes_nothing<S: Subject>(new: New<S>) {
    let mut ring = new(4).unwrap();
    ring.insert_batch(&[1, 2]);
    ring.insert_batch(&[]);
    assert_eq!(numbers(&ring), [1, 2]);
    assert_eq!(Fifo::overwritten(&ring), 0);
}

fn overwrite_latest_replaces_the_newest_and_never_writes_into_an_empty_ring<S: Subject>(
    new: New<S>,
) {
    let mut ring = new(4).unwrap();
    assert!(!ring.overwrite_latest(1), "a new ring has no newest item");
    assert_nothing_visible(&ring, &[1]);

    let mut ring = wrapped(new);
    assert!(ring.overwrite_latest(9));
    assert_eq!(numbers(&ring), [3, 4, 5, 9]);
    assert!(!ring.holds(6));
    assert_eq!(Fifo::overwritten(&ring), 2, "replacing evicts nothing");

    // Emptied by consuming (the slot behind the window still holds an item) and by
    // clearing: nothing may be written into an invisible slot.
    Fifo::consume_all(&mut ring);
    assert!(!ring.overwrite_latest(10));
    assert_nothing_visible(&ring, &[9, 10]);
    ring.insert(11);
    assert_eq!(numbers(&ring), [11]);
    Fifo::clear(&mut ring);
    assert!(!ring.overwrite_latest(12));
    assert_nothing_visible(&ring, &[11, 12]);
}

fn contains_sees_exactly_the_held_items<S: Subject>(new: New<S>) {
    let mut ring = new(4).unwrap();
    assert!(!ring.holds(1));
    ring.insert_batch(&[1, 2, 3, 4, 5]); // 1 is evicted
    assert!(!ring.holds(1));
    for held in [2, 3, 4, 5] {
        assert!(ring.holds(held), "{held}");
    }
    Fifo::consume(&mut ring);
    assert!(!ring.holds(2), "consumed");
    assert!(ring.overwrite_latest(6));
    assert!(!ring.holds(5), "overwritten");
    assert!(ring.holds(6));
    assert!(!ring.holds(7), "never inserted");
}

fn clear_keeps_the_capacity_and_the_count<S: Subject>(new: New<S>) {
    let mut ring = new(3).unwrap();
    ring.insert_batch(&[1, 2, 3, 4, 5, 6, 7]);
    Fifo::clear(&mut ring);
    assert_nothing_visible(&ring, &[4, 5, 6, 7]);
    assert_eq!(Fifo::capacity(&ring), 4);
    assert_eq!(Fifo::overwritten(&ring), 3);
    Fifo::clear(&mut ring);
    ring.insert_batch(&[1, 2, 3, 4]);
    assert_eq!(numbers(&ring), [1, 2, 3, 4]);
    assert!(Fifo::is_full(&ring));
    assert_eq!(Fifo::overwritten(&ring), 3);
}

fn unwrapped_copies_what_iter_reads<S: Subject>(new: New<S>) {
    let mut ring = new(8).unwrap();
    for round in 0..20 {
        ring.insert_batch(&[round, round + 100]);
        if round % 3 == 0 {
            Fifo::consume(&mut ring);
        }
        let copies: Vec<u32> = Ring::unwrapped(&ring)
            .into_iter()
            .map(S::number_of)
            .collect();
        assert_eq!(copies, numbers(&ring), "round {round}");
        let owned: Vec<u32> = Ring::iter(&ring)
            .map(|view| S::number_of(S::to_item(view)))
            .collect();
        assert_eq!(owned, copies);
    }
    assert_eq!(Fifo::len(&ring), 8, "copying takes nothing out");
}

fn debug_prints_the_items_as_a_list<S: Subject>(new: New<S>) {
    let ring = new(4).unwrap();
    assert_eq!(format!("{ring:?}"), "[]");
    let ring = wrapped(new);
    assert_eq!(format!("{ring:?}"), ring.debug_of_views());
    assert!(format!("{ring:?}").starts_with('['));
}

fn equality_ignores_capacity_and_counters<S: Subject>(new: New<S>) {
    let mut small = new(2).unwrap();
    small.insert_batch(&[1, 2, 3]);
    let mut large = new(8).unwrap();
    large.insert_batch(&[2, 3]);
    assert_ne!(Fifo::overwritten(&small), Fifo::overwritten(&large));
    assert_eq!(small, large);
    large.insert(4);
    assert_ne!(small, large);
    assert_eq!(new(4).unwrap(), new(16).unwrap(), "empty rings are equal");
}

fn clone_is_equal_and_independent<S: Subject>(new: New<S>) {
    let ring = wrapped(new);
    let mut copy = ring.clone();
    assert_eq!(copy, ring);
    assert_eq!(Fifo::capacity(&copy), Fifo::capacity(&ring));
    assert_eq!(Fifo::overwritten(&copy), Fifo::overwritten(&ring));
    assert_eq!(numbers(&copy), [3, 4, 5, 6]);

    copy.insert(7);
    assert!(copy.overwrite_latest(8));
    assert_ne!(copy, ring);
    assert_eq!(numbers(&ring), [3, 4, 5, 6]);
    assert_eq!(numbers(&copy), [4, 5, 6, 8]);
    assert!(ring.holds(3) && !ring.holds(8));
    assert!(copy.holds(8) && !copy.holds(3));

    let mut emptied = ring.clone();
    Fifo::clear(&mut emptied);
    assert_eq!(Fifo::len(&ring), 4, "the original keeps its items");
}

// ---------------------------------------------------------------------------------------
// The checks of `only_insert_unique`
// ---------------------------------------------------------------------------------------

/// The check runs against the contents before the eviction an insert would cause: a
/// full ring holding an item skips it instead of evicting and adding it again.
fn a_held_item_is_skipped_even_when_the_ring_is_full<S: Subject>(new: New<S>) {
    let mut ring = new(4).unwrap();
    for n in [1, 1, 2, 0, 0] {
        ring.insert(n);
    }
    assert_eq!(numbers(&ring), [1, 2, 0]);
    ring.insert(3);
    assert!(Fifo::is_full(&ring));
    for n in [1, 3, 0] {
        ring.insert(n);
    }
    assert_eq!(numbers(&ring), [1, 2, 0, 3]);
    assert_eq!(Fifo::overwritten(&ring), 0);
}

fn duplicates_inside_one_batch_are_skipped<S: Subject>(new: New<S>) {
    let mut ring = new(8).unwrap();
    ring.insert(100);
    ring.insert_batch(&[1, 2, 1, 100, 2, 3, 1]);
    assert_eq!(numbers(&ring), [100, 1, 2, 3]);
    assert_eq!(Fifo::overwritten(&ring), 0);

    // A batch longer than the capacity, full of repeats: as repeated inserts.
    let mut small = new(2).unwrap();
    small.insert_batch(&[1, 1, 2, 2, 1, 3, 3, 1]);
    // 1 → [1]; 2 → [1 2]; 1 skipped; 3 → [2 3]; 1 → [3 1].
    assert_eq!(numbers(&small), [3, 1]);
    assert_eq!(Fifo::overwritten(&small), 2);
}

/// The duplicate check is a hash lookup: this shows it stays correct at a large
/// capacity; that it is O(1) rather than a scan is shown by the benches, not by a
/// timing assertion here.
fn the_check_stays_correct_at_a_large_capacity<S: Subject>(new: New<S>) {
    let capacity: u32 = if cfg!(miri) { 256 } else { 65536 };
    let mut ring = new(capacity as usize).unwrap();
    let all: Vec<u32> = (0..capacity).collect();
    ring.insert_batch(&all);
    assert!(Fifo::is_full(&ring));
    for n in (0..capacity).step_by(997) {
        assert!(ring.holds(n));
        ring.insert(n);
    }
    assert_eq!(Fifo::len(&ring), capacity as usize);
    assert_eq!(Fifo::overwritten(&ring), 0);
    assert_eq!(Ring::peekleft(&ring).map(S::number), Some(0));
    // New items evict the oldest, which then may come back.
    for n in capacity..capacity + 16 {
        ring.insert(n);
    }
    for n in 0..16 {
        assert!(!ring.holds(n));
        ring.insert(n);
        assert_eq!(Ring::peekright(&ring).map(S::number), Some(n));
    }
    assert_eq!(Fifo::overwritten(&ring), 32);
    assert_eq!(Ring::peekleft(&ring).map(S::number), Some(32));
}

/// Whichever way an item leaves (eviction, `consume`, `consume_all`, `clear`, being
/// overwritten), the ring takes an equal one again.
fn an_item_is_released_once_it_is_gone<S: Subject>(new: New<S>) {
    let mut ring = new(2).unwrap();
    ring.insert_batch(&[1, 2, 3]);
    assert!(!ring.holds(1), "evicted");
    ring.insert(1);
    assert_eq!(numbers(&ring), [3, 1]);

    assert_eq!(Fifo::consume(&mut ring).map(S::number_of), Some(3));
    ring.insert(3);
    assert_eq!(numbers(&ring), [1, 3]);

    Fifo::consume_all(&mut ring);
    ring.insert_batch(&[1, 3]);
    assert_eq!(numbers(&ring), [1, 3]);

    Fifo::clear(&mut ring);
    assert!(!ring.holds(1));
    ring.insert_batch(&[1, 3]);
    assert_eq!(numbers(&ring), [1, 3]);

    // The replaced item is released, the new one is held.
    assert!(ring.overwrite_latest(4));
    assert!(!ring.holds(3));
    ring.insert(4);
    assert_eq!(numbers(&ring), [1, 4]);
    ring.insert(3);
    assert_eq!(numbers(&ring), [4, 3]);
}

fn overwrite_latest_refuses_another_held_item<S: Subject>(new: New<S>) {
    let mut ring = new(4).unwrap();
    ring.insert_batch(&[1, 2, 3]);
    // Equal to another held item: refused, the ring unchanged.
    assert!(!ring.overwrite_latest(1));
    assert!(!ring.overwrite_latest(2));
    assert_eq!(numbers(&ring), [1, 2, 3]);
    // Equal to the newest itself: replaced by an equal item, still held once.
    assert!(ring.overwrite_latest(3));
    ring.insert(3);
    assert_eq!(numbers(&ring), [1, 2, 3]);
    // A new item: replaced.
    assert!(ring.overwrite_latest(4));
    assert_eq!(numbers(&ring), [1, 2, 4]);
    assert!(ring.holds(4) && !ring.holds(3));
}

fn a_clone_checks_uniqueness_on_its_own<S: Subject>(new: New<S>) {
    let mut original = new(4).unwrap();
    original.insert_batch(&[1, 2, 3, 4, 5]); // wrapped: 2 3 4 5
    let mut copy = original.clone();
    assert_eq!(copy, original);

    // Both skip what they both hold.
    copy.insert(3);
    original.insert(3);
    assert_eq!(Fifo::overwritten(&original), 1);

    // The clone moves on; the original does not see it.
    copy.insert(9); // evicts 2 from the copy only
    copy.insert(9);
    assert_eq!(numbers(&copy), [3, 4, 5, 9]);
    assert!(!original.holds(9) && original.holds(2));
    original.insert(9); // evicts 2 from the original
    copy.insert(2);
    original.insert(2);
    assert_eq!(numbers(&copy), [4, 5, 9, 2]);
    assert_eq!(copy, original);

    // Diverge again; each checks against its own contents.
    assert_eq!(Fifo::consume(&mut copy).map(S::number_of), Some(4));
    original.insert(4);
    copy.insert(4);
    assert_eq!(numbers(&copy), [5, 9, 2, 4]);
    assert_eq!(numbers(&original), [4, 5, 9, 2]);
    assert_eq!(Fifo::overwritten(&copy), 3);
    assert_eq!(Fifo::overwritten(&original), 3);
}
