//! [`GenericRingBuffer`]: an overwrite-oldest ring of any type.

use core::fmt;
use core::iter::FusedIterator;
use core::mem::MaybeUninit;
use core::ops::{Index, IndexMut};
use core::ptr;
use core::slice;

use crate::capacity::{alloc_uninit, round_capacity};
use crate::cursor::Cursor;
use crate::ring::{counts_from, inherent_ring_api};
use crate::{CapacityError, Fifo, Ring};

mod append;

/// A fixed-capacity ring of any `T` that overwrites its oldest item when full.
///
/// The capacity is rounded up to a power of two. `insert` never fails for lack of room:
/// into a full ring it evicts the oldest item and hands it back, so nothing disappears
/// without the caller seeing it. Reads go oldest → newest.
///
/// ```
/// use mmring_core::GenericRingBuffer;
///
/// let mut ring = GenericRingBuffer::new(3)?; // rounded up to 4
/// assert_eq!(ring.capacity(), 4);
/// for word in ["a", "b", "c", "d"] {
///     assert_eq!(ring.insert(word), None);
/// }
/// assert_eq!(ring.insert("e"), Some("a")); // full: the oldest comes back
/// assert_eq!(ring.consume(), Some("b"));
/// assert_eq!(ring.unwrapped(), ["c", "d", "e"]);
/// assert_eq!(ring.overwritten(), 1);
/// # Ok::<(), mmring_core::CapacityError>(())
/// ```
pub struct GenericRingBuffer<T> {
    /// Storage; exactly the slots the cursor names as live are initialised.
    slots: Box<[MaybeUninit<T>]>,
    cursor: Cursor,
}

impl<T> GenericRingBuffer<T> {
    /// Creates an empty ring holding up to `max_capacity` rounded up to a power of two.
    ///
    /// # Errors
    /// [`CapacityError::Zero`] for 0, [`CapacityError::Overflow`] when the rounding
    /// overflows, [`CapacityError::Allocation`] when the storage cannot be allocated.
    ///
    /// ```
    /// use mmring_core::{CapacityError, GenericRingBuffer};
    ///
    /// assert_eq!(GenericRingBuffer::<u64>::new(1025)?.capacity(), 2048);
    /// assert!(matches!(
    ///     GenericRingBuffer::<u64>::new(usize::MAX),
    ///     Err(CapacityError::Overflow { .. })
    /// ));
    /// # Ok::<(), CapacityError>(())
    /// ```
    pub fn new(max_capacity: usize) -> Result<Self, CapacityError> {
        let capacity = round_capacity(max_capacity)?;
        Ok(Self {
            slots: alloc_uninit(capacity)?,
            cursor: Cursor::new(capacity),
        })
    }

    /// Appends `item` as the newest; when full, evicts and returns the oldest.
    ///
    /// ```
    /// # use mmring_core::GenericRingBuffer;
    /// let mut ring = GenericRingBuffer::new(1)?;
    /// assert_eq!(ring.insert(1), None);
    /// assert_eq!(ring.insert(2), Some(1));
    /// # Ok::<(), mmring_core::CapacityError>(())
    /// ```
    #[inline]
    pub fn insert(&mut self, item: T) -> Option<T> {
        let push = self.cursor.push();
        debug_assert!(push.slot < self.slots.len());
        // SAFETY: the cursor masks every slot with `capacity - 1`, and the storage
        // holds exactly `capacity` slots, so the index is in bounds.
        let slot = unsafe { self.slots.get_unchecked_mut(push.slot) };
        let evicted = if push.evicts {
            // SAFETY: the cursor reports that `slot` still holds the evicted oldest item,
            // which is initialised; the cursor no longer counts it, so it is read once.
            Some(unsafe { slot.assume_init_read() })
        } else {
            None
        };
        slot.write(item);
        evicted
    }

    /// Inserts every item in order, as repeated [`insert`](Self::insert) would: when
    /// the batch is longer than the capacity only its last `capacity` items remain.
    /// Evicted items are dropped and counted by [`overwritten`](Self::overwritten).
    ///
    /// ```
    /// # use mmring_core::GenericRingBuffer;
    /// let mut ring = GenericRingBuffer::new(2)?;
    /// ring.insert_batch(1..=5);
    /// assert_eq!(ring.unwrapped(), [4, 5]);
    /// assert_eq!(ring.overwritten(), 3);
    /// # Ok::<(), mmring_core::CapacityError>(())
    /// ```
    pub fn insert_batch(&mut self, items: impl IntoIterator<Item = T>) {
        for item in items {
            drop(self.insert(item));
        }
    }

    /// A mutable reference to the item at `index` (0 = oldest).
    #[inline]
    pub fn get_mut(&mut self, index: usize) -> Option<&mut T> {
        let slot = self.cursor.checked_slot(index)?;
        // SAFETY: the cursor names `slot` as live.
        Some(unsafe { self.slots[slot].assume_init_mut() })
    }

    /// Replaces the newest item and returns it; on an empty ring nothing is written and
    /// `item` comes back as the error.
    ///
    /// ```
    /// # use mmring_core::GenericRingBuffer;
    /// let mut ring = GenericRingBuffer::new(4)?;
    /// assert_eq!(ring.overwrite_latest(7), Err(7));
    /// ring.insert(1);
    /// assert_eq!(ring.overwrite_latest(2), Ok(1));
    /// assert_eq!(ring.unwrapped(), [2]);
    /// # Ok::<(), mmring_core::CapacityError>(())
    /// ```
    pub fn overwrite_latest(&mut self, item: T) -> Result<T, T> {
        match self.cursor.newest() {
            // SAFETY: the cursor names `slot` as live; the old value is moved out and
            // replaced in the same step, so the slot stays initialised.
            Some(slot) => Ok(unsafe { ptr::replace(self.slots[slot].as_mut_ptr(), item) }),
            None => Err(item),
        }
    }

    /// The items as two contiguous slices, oldest first; the second is empty unless the
    /// live window wraps around the end of the storage.
    ///
    /// ```
    /// # use mmring_core::GenericRingBuffer;
    /// let mut ring = GenericRingBuffer::new(4)?;
    /// ring.insert_batch(1..=6);
    /// assert_eq!(ring.as_slices(), (&[3, 4][..], &[5, 6][..]));
    /// # Ok::<(), mmring_core::CapacityError>(())
    /// ```
    pub fn as_slices(&self) -> (&[T], &[T]) {
        let (first, second) = self.cursor.halves();
        // SAFETY: the cursor's halves are exactly the live, initialised slots.
        unsafe {
            (
                slice_assume_init(&self.slots[first]),
                slice_assume_init(&self.slots[second]),
            )
        }
    }

    /// The items as two contiguous mutable slices, oldest first.
    pub fn as_mut_slices(&mut self) -> (&mut [T], &mut [T]) {
        let (first, second) = self.as_mut_ptr_slices();
        // SAFETY: the two halves are live, initialised and disjoint, and borrowed from
        // `self` mutably for the returned lifetime.
        unsafe { (&mut *first, &mut *second) }
    }

    /// Rotates the storage so that the items form one slice, oldest first, and returns it.
    /// O(capacity) when the window wraps, free otherwise.
    ///
    /// ```
    /// # use mmring_core::GenericRingBuffer;
    /// let mut ring = GenericRingBuffer::new(4)?;
    /// ring.insert_batch(1..=6);
    /// assert_eq!(ring.make_contiguous(), &[3, 4, 5, 6]);
    /// assert_eq!(ring.as_slices().1, &[] as &[i32]);
    /// # Ok::<(), mmring_core::CapacityError>(())
    /// ```
    pub fn make_contiguous(&mut self) -> &mut [T] {
        let (first, second) = self.cursor.halves();
        if !second.is_empty() {
            // Rotating moves the uninitialised slots along with the live ones; they
            // are `MaybeUninit`, so moving them is fine.
            self.slots.rotate_left(first.start);
            self.cursor.set_window(0, self.len(), 0);
        }
        self.as_mut_slices().0
    }

    /// Splits the ring into a lock-free [`Producer`](crate::split::Producer) for one
    /// thread and a [`Consumer`](crate::split::Consumer) for another, with the rings'
    /// semantics ([`Policy::DropOldest`](crate::split::Policy::DropOldest): a full ring
    /// evicts its oldest item and `insert` hands it back). The items held move along,
    /// oldest first; the capacity and `overwritten` count stay. See [`crate::split`].
    ///
    /// ```
    /// use mmring_core::GenericRingBuffer;
    ///
    /// let mut ring = GenericRingBuffer::new(4)?;
    /// ring.insert("kept");
    /// let (mut tx, mut rx) = ring.split();
    /// std::thread::spawn(move || tx.insert("sent")).join().unwrap();
    /// assert_eq!(rx.try_consume(), Some("kept"));
    /// assert_eq!(rx.try_consume(), Some("sent"));
    /// # Ok::<(), mmring_core::CapacityError>(())
    /// ```
    pub fn split(self) -> (crate::split::Producer<T>, crate::split::Consumer<T>) {
        self.split_with(crate::split::Policy::DropOldest)
    }

    /// [`split`](Self::split) with a chosen [`Policy`](crate::split::Policy):
    /// [`Reject`](crate::split::Policy::Reject) keeps every item and makes the
    /// producer wait for room (or give the item back) instead.
    ///
    /// ```
    /// use mmring_core::GenericRingBuffer;
    /// use mmring_core::split::Policy;
    ///
    /// let (mut tx, _rx) = GenericRingBuffer::new(1)?.split_with(Policy::Reject);
    /// assert_eq!(tx.try_insert(1), Ok(()));
    /// assert_eq!(tx.try_insert(2), Err(2)); // full: given back, nothing evicted
    /// # Ok::<(), mmring_core::CapacityError>(())
    /// ```
    pub fn split_with(
        self,
        policy: crate::split::Policy,
    ) -> (crate::split::Producer<T>, crate::split::Consumer<T>) {
        let (capacity, overwritten) = (self.capacity(), self.overwritten());
        crate::split::channel(capacity, policy, overwritten, self.into_iter())
    }

    /// Raw pointers to the two live halves, oldest first.
    fn as_mut_ptr_slices(&mut self) -> (*mut [T], *mut [T]) {
        let (first, second) = self.cursor.halves();
        let base = self.slots.as_mut_ptr().cast::<T>();
        // SAFETY: both ranges lie inside the storage, so the offsets stay in bounds.
        unsafe {
            (
                ptr::slice_from_raw_parts_mut(base.add(first.start), first.len()),
                ptr::slice_from_raw_parts_mut(base.add(second.start), second.len()),
            )
        }
    }

    /// The cursor, for rings built on this one.
    pub(crate) fn cursor(&self) -> &Cursor {
        &self.cursor
    }

    /// The live item in physical `slot`, for rings that index items by slot.
    pub(crate) fn slot(&self, slot: usize) -> &T {
        debug_assert!(self.cursor.is_live(slot));
        // SAFETY: callers pass slots taken from the cursor for live items.
        unsafe { self.slots[slot].assume_init_ref() }
    }
}

impl<T: Copy> GenericRingBuffer<T> {
    /// Inserts a slice with at most two `memcpy`s; same result as
    /// [`insert_batch`](Self::insert_batch).
    ///
    /// ```
    /// # use mmring_core::GenericRingBuffer;
    /// let mut ring = GenericRingBuffer::new(4)?;
    /// ring.extend_from_slice(&[1, 2, 3]);
    /// ring.extend_from_slice(&[4, 5]);
    /// assert_eq!(ring.unwrapped(), [2, 3, 4, 5]);
    /// # Ok::<(), mmring_core::CapacityError>(())
    /// ```
    pub fn extend_from_slice(&mut self, items: &[T]) {
        let capacity = self.capacity();
        let len = self.len();
        let total = len + items.len();
        let evicted = total.saturating_sub(capacity);
        // Only the newest `capacity` items of the batch can survive.
        let kept = &items[items.len().saturating_sub(capacity)..];
        let (first, _) = self.cursor.halves();
        let write_at = (first.start + len) & (capacity - 1);
        let head_room = capacity - write_at;
        let (upper, lower) = kept.split_at(kept.len().min(head_room));
        let base = self.slots.as_mut_ptr().cast::<T>();
        // SAFETY: `upper` fits between `write_at` and the end of the storage and `lower`
        // (at most `capacity - upper.len()` items) from its start; `T: Copy`, so
        // overwriting evicted items needs no drop. The source is a shared borrow and
        // cannot overlap the storage, which `self` borrows mutably.
        unsafe {
            ptr::copy_nonoverlapping(upper.as_ptr(), base.add(write_at), upper.len());
            if !lower.is_empty() {
                ptr::copy_nonoverlapping(lower.as_ptr(), base, lower.len());
            }
        }
        let new_len = total.min(capacity);
        let end = (write_at + kept.len()) & (capacity - 1);
        let head = end.wrapping_sub(new_len) & (capacity - 1);
        self.cursor.set_window(head, new_len, evicted as u64);
    }

    /// Copies the items, oldest first, into the start of `out` with at most two
    /// `memcpy`s and returns how many were copied (`min(len, out.len())`).
    ///
    /// ```
    /// # use mmring_core::GenericRingBuffer;
    /// let mut ring = GenericRingBuffer::new(4)?;
    /// ring.extend_from_slice(&[1, 2, 3, 4, 5]);
    /// let mut out = [0; 8];
    /// assert_eq!(ring.copy_to_slice(&mut out), 4);
    /// assert_eq!(out[..4], [2, 3, 4, 5]);
    /// # Ok::<(), mmring_core::CapacityError>(())
    /// ```
    pub fn copy_to_slice(&self, out: &mut [T]) -> usize {
        let (first, second) = self.as_slices();
        let from_first = first.len().min(out.len());
        out[..from_first].copy_from_slice(&first[..from_first]);
        let from_second = second.len().min(out.len() - from_first);
        out[from_first..from_first + from_second].copy_from_slice(&second[..from_second]);
        from_first + from_second
    }
}

inherent_ring_api! {
    impl[T] GenericRingBuffer<T> {
        item: T,
        view: &T,
        needle: &T,
        iter: Iter<'_, T>,
        unwrapped_where: [T: Clone],
        contains_where: [T: PartialEq],
    }
    example {
        setup: "# use mmring_core::GenericRingBuffer;
let mut ring = GenericRingBuffer::new(4)?;
ring.insert_batch([1, 2, 3, 4, 5]); // holds 2, 3, 4, 5",
        oldest: "Some(&2)",
        second: "Some(&3)",
        newest: "Some(&5)",
        first_item: "Some(2)",
        all: "[2, 3, 4, 5]",
        held: "&5",
        evicted: "&1",
    }
}

impl<T> Fifo for GenericRingBuffer<T> {
    type Item = T;

    counts_from!(cursor);

    #[inline]
    fn consume(&mut self) -> Option<T> {
        let slot = self.cursor.pop()?;
        debug_assert!(slot < self.slots.len());
        // SAFETY: `slot` is masked (in bounds) and held the oldest live item; the cursor
        // has released it, so this is the only read of that value.
        Some(unsafe { self.slots.get_unchecked(slot).assume_init_read() })
    }

    /// Moves the items out with at most two `memcpy`s.
    fn consume_all(&mut self) -> Vec<T> {
        let (first, second) = self.cursor.halves();
        let mut out = Vec::with_capacity(self.len());
        // SAFETY: `out` has room for `len` items; the two ranges are the live items,
        // oldest first, and do not overlap `out`. The cursor is cleared right after, so
        // the moved-out items are never read or dropped again.
        unsafe {
            let src = self.slots.as_ptr().cast::<T>();
            let dst = out.as_mut_ptr();
            ptr::copy_nonoverlapping(src.add(first.start), dst, first.len());
            ptr::copy_nonoverlapping(src.add(second.start), dst.add(first.len()), second.len());
            out.set_len(first.len() + second.len());
        }
        self.cursor.clear();
        out
    }

    /// Drops the items in place, each exactly once even if one of the drops panics.
    fn clear(&mut self) {
        let (first, second) = self.as_mut_ptr_slices();
        self.cursor.clear();
        /// Drops the wrapped half even if dropping the first half panics.
        struct DropOnUnwind<T>(*mut [T]);
        impl<T> Drop for DropOnUnwind<T> {
            fn drop(&mut self) {
                // SAFETY: the pointer is the initialised second half, released from the
                // cursor above, dropped exactly once here.
                unsafe { ptr::drop_in_place(self.0) }
            }
        }
        let _second = DropOnUnwind(second);
        // SAFETY: `first` is the initialised first half, released from the cursor above,
        // dropped exactly once here.
        unsafe { ptr::drop_in_place(first) };
    }
}

impl<T> Ring for GenericRingBuffer<T> {
    type View<'a>
        = &'a T
    where
        T: 'a;
    type Iter<'a>
        = Iter<'a, T>
    where
        T: 'a;
    type Needle<'a>
        = &'a T
    where
        T: 'a;

    #[inline]
    fn get(&self, index: usize) -> Option<&T> {
        let slot = self.cursor.checked_slot(index)?;
        // SAFETY: the cursor names `slot` as live.
        Some(unsafe { self.slots[slot].assume_init_ref() })
    }

    fn iter(&self) -> Iter<'_, T> {
        let (first, second) = self.as_slices();
        Iter {
            first: first.iter(),
            second: second.iter(),
        }
    }

    #[inline]
    fn to_item(view: &T) -> T
    where
        T: Clone,
    {
        view.clone()
    }

    fn contains(&self, item: &T) -> bool
    where
        T: PartialEq,
    {
        let (first, second) = self.as_slices();
        first.contains(item) || second.contains(item)
    }

    /// Clones the two contiguous halves (two `memcpy`s for `Copy` types).
    fn unwrapped(&self) -> Vec<T>
    where
        T: Clone,
    {
        let (first, second) = self.as_slices();
        let mut out = Vec::with_capacity(first.len() + second.len());
        out.extend_from_slice(first);
        out.extend_from_slice(second);
        out
    }
}

/// # Safety
/// Every element of `slots` is initialised.
unsafe fn slice_assume_init<T>(slots: &[MaybeUninit<T>]) -> &[T] {
    // SAFETY: `MaybeUninit<T>` has the layout of `T`, and the caller guarantees that
    // every element is initialised.
    unsafe { slice::from_raw_parts(slots.as_ptr().cast::<T>(), slots.len()) }
}

impl<T> Drop for GenericRingBuffer<T> {
    fn drop(&mut self) {
        self.clear();
    }
}

/// The copy keeps the items in the same physical slots, and the same counter.
impl<T: Clone> Clone for GenericRingBuffer<T> {
    fn clone(&self) -> Self {
        let slots = alloc_uninit(self.capacity()).unwrap_or_else(|_| {
            // The same allocation succeeded for `self`; failing now is running out of
            // memory, which `Clone` of any std collection also treats as fatal.
            std::alloc::handle_alloc_error(core::alloc::Layout::new::<T>())
        });
        let mut copy = Self {
            slots,
            cursor: self.cursor.emptied(),
        };
        for item in self {
            // Cloned before the slot is claimed, so a panicking `clone` leaves `copy`
            // consistent. Never evicts: `copy` has the capacity of `self`.
            let value = item.clone();
            let push = copy.cursor.push();
            copy.slots[push.slot].write(value);
        }
        copy
    }
}

impl<T: fmt::Debug> fmt::Debug for GenericRingBuffer<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// Rings are equal when they hold equal items in the same order; capacity and the
/// [`overwritten`](GenericRingBuffer::overwritten) counter are not compared.
impl<T: PartialEq> PartialEq for GenericRingBuffer<T> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl<T: Eq> Eq for GenericRingBuffer<T> {}

/// `ring[i]` is the item at `i`, 0 being the oldest.
///
/// # Panics
/// When `index >= len()`, like `Vec`.
impl<T> Index<usize> for GenericRingBuffer<T> {
    type Output = T;

    fn index(&self, index: usize) -> &T {
        match self.get(index) {
            Some(item) => item,
            None => index_out_of_range(index, self.len()),
        }
    }
}

impl<T> IndexMut<usize> for GenericRingBuffer<T> {
    fn index_mut(&mut self, index: usize) -> &mut T {
        let len = self.len();
        match self.get_mut(index) {
            Some(item) => item,
            None => index_out_of_range(index, len),
        }
    }
}

#[cold]
#[track_caller]
pub(crate) fn index_out_of_range(index: usize, len: usize) -> ! {
    panic!("index out of bounds: the len is {len} but the index is {index}")
}

/// Inserts each item, evicting the oldest as [`GenericRingBuffer::insert`] does.
impl<T> Extend<T> for GenericRingBuffer<T> {
    fn extend<I: IntoIterator<Item = T>>(&mut self, items: I) {
        self.insert_batch(items);
    }
}

/// Collects into a ring whose capacity is the item count rounded up to a power of two
/// (1 for no items), so nothing is evicted.
///
/// ```
/// use mmring_core::GenericRingBuffer;
///
/// let ring: GenericRingBuffer<_> = (1..=3).collect();
/// assert_eq!((ring.len(), ring.capacity()), (3, 4));
/// ```
///
/// # Panics
/// When the storage cannot be allocated, like `Vec`'s `FromIterator`.
impl<T> FromIterator<T> for GenericRingBuffer<T> {
    fn from_iter<I: IntoIterator<Item = T>>(items: I) -> Self {
        let items: Vec<T> = items.into_iter().collect();
        let mut ring = match Self::new(items.len().max(1)) {
            Ok(ring) => ring,
            Err(err) => panic!("cannot collect into a GenericRingBuffer: {err}"),
        };
        ring.insert_batch(items);
        ring
    }
}

impl<'a, T> IntoIterator for &'a GenericRingBuffer<T> {
    type Item = &'a T;
    type IntoIter = Iter<'a, T>;

    fn into_iter(self) -> Iter<'a, T> {
        self.iter()
    }
}

/// Consumes the ring, yielding its items oldest → newest.
impl<T> IntoIterator for GenericRingBuffer<T> {
    type Item = T;
    type IntoIter = IntoIter<T>;

    fn into_iter(self) -> IntoIter<T> {
        IntoIter { ring: self }
    }
}

/// Borrowing iterator over a [`GenericRingBuffer`], oldest → newest.
pub struct Iter<'a, T> {
    first: slice::Iter<'a, T>,
    second: slice::Iter<'a, T>,
}

impl<'a, T> Iterator for Iter<'a, T> {
    type Item = &'a T;

    #[inline]
    fn next(&mut self) -> Option<&'a T> {
        self.first.next().or_else(|| self.second.next())
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        let len = self.len();
        (len, Some(len))
    }

    fn fold<B, F: FnMut(B, &'a T) -> B>(self, init: B, mut f: F) -> B {
        let acc = self.first.fold(init, &mut f);
        self.second.fold(acc, f)
    }
}

impl<T> DoubleEndedIterator for Iter<'_, T> {
    #[inline]
    fn next_back(&mut self) -> Option<Self::Item> {
        self.second.next_back().or_else(|| self.first.next_back())
    }
}

impl<T> ExactSizeIterator for Iter<'_, T> {
    fn len(&self) -> usize {
        self.first.len() + self.second.len()
    }
}

impl<T> FusedIterator for Iter<'_, T> {}

impl<T> Clone for Iter<'_, T> {
    fn clone(&self) -> Self {
        Self {
            first: self.first.clone(),
            second: self.second.clone(),
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for Iter<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.clone()).finish()
    }
}

/// Owning iterator over a [`GenericRingBuffer`], oldest → newest.
pub struct IntoIter<T> {
    ring: GenericRingBuffer<T>,
}

impl<T> Iterator for IntoIter<T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        self.ring.consume()
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.ring.len(), Some(self.ring.len()))
    }
}

impl<T> DoubleEndedIterator for IntoIter<T> {
    fn next_back(&mut self) -> Option<T> {
        let slot = self.ring.cursor.newest()?;
        let len = self.ring.len();
        let (first, _) = self.ring.cursor.halves();
        self.ring.cursor.set_window(first.start, len - 1, 0);
        // SAFETY: `slot` held the newest live item and the window no longer includes
        // it, so this is the only read of that value.
        Some(unsafe { self.ring.slots[slot].assume_init_read() })
    }
}

impl<T> ExactSizeIterator for IntoIter<T> {}

impl<T> FusedIterator for IntoIter<T> {}

impl<T: fmt::Debug> fmt::Debug for IntoIter<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("IntoIter").field(&self.ring).finish()
    }
}
