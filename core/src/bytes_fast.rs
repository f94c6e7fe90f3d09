//! [`BytesRingBufferFast`]: byte messages copied into fixed slots of one slab.

use core::fmt;
use core::iter::FusedIterator;
use core::ops::{Index, Range};

use crate::capacity::{filled, round_capacity};
use crate::cursor::Cursor;
use crate::generic::index_out_of_range;
use crate::ring::{counts_from, inherent_ring_api};
use crate::unique::UniqueIndex;
use crate::{CapacityError, FastError, Fifo, Ring};

/// The largest slot a [`BytesRingBufferFast`] accepts, in bytes (2^31).
pub const MAX_SLOT_SIZE: usize = 1 << 31;

/// Default `expected_item_size` of [`BytesRingBufferFast::new`], in bytes.
pub const DEFAULT_EXPECTED_ITEM_SIZE: usize = 128;

/// Default `buffer_percent` of [`BytesRingBufferFast::new`].
pub const DEFAULT_BUFFER_PERCENT: f64 = 25.0;

/// A ring of byte messages copied into fixed-size slots of one pre-allocated slab.
///
/// The slot size is `expected_item_size × (1 + buffer_percent / 100)` rounded up to a
/// power of two (256 bytes with the defaults 128 and 25 %). A message longer than a slot
/// is refused with [`FastError::Oversize`] and nothing is written. After creation no
/// operation allocates, except those that return owned copies
/// ([`consume`](Self::consume), [`consume_all`](Self::consume_all),
/// [`unwrapped`](Self::unwrapped)); use [`consume_into`](Self::consume_into),
/// [`consume_with`](Self::consume_with) or the borrowing reads on hot paths.
///
/// Between two threads, the lock-free path for byte messages is
/// [`spsc::channel`](crate::spsc::channel): variable-length records copied into one
/// buffer, with the same `DropOldest` (the default) and `Reject` policies as
/// [`split`](crate::split) halves of the other rings. For many producers or consumers,
/// share the ring with [`into_shared`](Self::into_shared).
///
/// ```
/// use mmring_core::{BytesRingBufferFast, FastError};
///
/// let mut ring = BytesRingBufferFast::builder(1024).expected_item_size(64).build()?;
/// assert_eq!(ring.slot_size(), 128);
/// ring.insert(b"bid 101.5")?;
/// assert_eq!(ring.peekleft(), Some(&b"bid 101.5"[..]));
/// assert_eq!(
///     ring.insert(&[0; 200]),
///     Err(FastError::Oversize { len: 200, slot: 128 })
/// );
/// let mut out = Vec::with_capacity(128);
/// assert!(ring.consume_into(&mut out));
/// assert_eq!(out, b"bid 101.5");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct BytesRingBufferFast {
    /// The messages: slot `s` is `slab.slot(s)[..lens[s]]`.
    slab: Slab,
    /// Length of the message in each slot (stale for free slots); at most the slot size.
    lens: Box<[u32]>,
    cursor: Cursor,
    /// Present exactly when `only_insert_unique` is set; indexes every live message.
    unique: Option<UniqueIndex>,
}

/// Options of a [`BytesRingBufferFast`]; start from [`BytesRingBufferFast::builder`].
///
/// ```
/// use mmring_core::{BytesRingBufferFast, CapacityError};
///
/// let ring = BytesRingBufferFast::builder(8)
///     .expected_item_size(100)
///     .buffer_percent(0.0)
///     .only_insert_unique(true)
///     .build()?;
/// assert_eq!(ring.slot_size(), 128);
/// assert_eq!(
///     BytesRingBufferFast::builder(8).buffer_percent(-1.0).build().unwrap_err(),
///     CapacityError::BufferPercent { value: -1.0 }
/// );
/// # Ok::<(), CapacityError>(())
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct BytesRingBufferFastBuilder {
    max_capacity: usize,
    expected_item_size: usize,
    buffer_percent: f64,
    only_insert_unique: bool,
}

impl BytesRingBufferFastBuilder {
    /// Typical message size in bytes (default 128); must be at least 1.
    pub fn expected_item_size(mut self, bytes: usize) -> Self {
        self.expected_item_size = bytes;
        self
    }

    /// Head room above `expected_item_size`, in percent (default 25.0); must be finite
    /// and ≥ 0.
    pub fn buffer_percent(mut self, percent: f64) -> Self {
        self.buffer_percent = percent;
        self
    }

    /// Skip inserting a message equal to one the ring holds (default `false`).
    pub fn only_insert_unique(mut self, yes: bool) -> Self {
        self.only_insert_unique = yes;
        self
    }

    /// Creates the ring and allocates its slab.
    ///
    /// # Errors
    /// [`CapacityError::ZeroItemSize`], [`CapacityError::BufferPercent`],
    /// [`CapacityError::SlotTooLarge`], or the capacity errors of
    /// [`BytesRingBufferFast::new`] (including a slab `capacity × slot size` that
    /// overflows or cannot be allocated).
    pub fn build(self) -> Result<BytesRingBufferFast, CapacityError> {
        let slot_size = slot_size(self.expected_item_size, self.buffer_percent)?;
        let capacity = round_capacity(self.max_capacity)?;
        let slab = Slab::new(capacity, slot_size)?;
        let lens = filled(capacity, 0u32).ok_or(CapacityError::Allocation {
            capacity,
            item_bytes: slot_size,
        })?;
        let unique = if self.only_insert_unique {
            Some(UniqueIndex::new(capacity)?)
        } else {
            None
        };
        Ok(BytesRingBufferFast {
            slab,
            lens,
            cursor: Cursor::new(capacity),
            unique,
        })
    }
}

/// The slot size for `expected` bytes plus `percent` head room, a power of two.
fn slot_size(expected: usize, percent: f64) -> Result<usize, CapacityError> {
    if expected == 0 {
        return Err(CapacityError::ZeroItemSize);
    }
    if !percent.is_finite() || percent < 0.0 {
        return Err(CapacityError::BufferPercent { value: percent });
    }
    let wanted = (expected as f64 * (1.0 + percent / 100.0)).ceil();
    // `as` saturates for floats past `usize::MAX`, which the check below rejects.
    let requested = (wanted as usize).max(expected);
    if requested > MAX_SLOT_SIZE {
        return Err(CapacityError::SlotTooLarge { requested });
    }
    Ok(requested.next_power_of_two())
}

impl BytesRingBufferFast {
    /// Creates an empty ring of `max_capacity` (rounded up to a power of two) slots of
    /// the default size (256 bytes: 128 expected + 25 %).
    ///
    /// # Errors
    /// [`CapacityError::Zero`], [`CapacityError::Overflow`] or
    /// [`CapacityError::Allocation`].
    ///
    /// ```
    /// # use mmring_core::BytesRingBufferFast;
    /// let ring = BytesRingBufferFast::new(3)?;
    /// assert_eq!((ring.capacity(), ring.slot_size()), (4, 256));
    /// # Ok::<(), mmring_core::CapacityError>(())
    /// ```
    pub fn new(max_capacity: usize) -> Result<Self, CapacityError> {
        Self::builder(max_capacity).build()
    }

    /// Starts a ring with options.
    pub fn builder(max_capacity: usize) -> BytesRingBufferFastBuilder {
        BytesRingBufferFastBuilder {
            max_capacity,
            expected_item_size: DEFAULT_EXPECTED_ITEM_SIZE,
            buffer_percent: DEFAULT_BUFFER_PERCENT,
            only_insert_unique: false,
        }
    }

    /// The size of one slot: the longest message the ring accepts.
    pub fn slot_size(&self) -> usize {
        self.slab.size
    }

    /// Whether duplicates are skipped.
    pub fn only_insert_unique(&self) -> bool {
        self.unique.is_some()
    }

    /// Copies `item` into the next slot, evicting the oldest message when full.
    ///
    /// With `only_insert_unique`, a message equal to a held one is skipped and the call
    /// still returns `Ok(())`.
    ///
    /// # Errors
    /// [`FastError::Oversize`] when `item` is longer than a slot; nothing is written.
    ///
    /// ```
    /// # use mmring_core::BytesRingBufferFast;
    /// let mut ring = BytesRingBufferFast::new(2)?;
    /// ring.insert(b"a")?;
    /// ring.insert(b"b")?;
    /// ring.insert(b"c")?;
    /// assert_eq!(ring.unwrapped(), [b"b", b"c"]);
    /// assert_eq!(ring.overwritten(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[inline]
    pub fn insert(&mut self, item: &[u8]) -> Result<(), FastError> {
        self.check_fits(item)?;
        self.insert_fitting(item);
        Ok(())
    }

    /// Inserts every message in order, as repeated [`insert`](Self::insert) would, but
    /// all or nothing: every length is checked before any byte is written.
    ///
    /// # Errors
    /// [`FastError::Oversize`] for the first message longer than a slot; the ring is
    /// unchanged.
    ///
    /// ```
    /// # use mmring_core::{BytesRingBufferFast, FastError};
    /// let mut ring = BytesRingBufferFast::builder(4).expected_item_size(4).buffer_percent(0.0).build()?;
    /// assert!(matches!(ring.insert_batch(&[b"ok", b"too long"]), Err(FastError::Oversize { .. })));
    /// assert!(ring.is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn insert_batch(&mut self, items: &[&[u8]]) -> Result<(), FastError> {
        items.iter().try_for_each(|item| self.check_fits(item))?;
        for item in items {
            self.insert_fitting(item);
        }
        Ok(())
    }

    /// Removes the oldest message into `out`, replacing its contents; `false` (and
    /// `out` untouched) when empty. Allocates nothing once `out` has a slot's capacity.
    ///
    /// ```
    /// # use mmring_core::BytesRingBufferFast;
    /// let mut ring = BytesRingBufferFast::new(2)?;
    /// let mut out = b"stale".to_vec();
    /// assert!(!ring.consume_into(&mut out));
    /// ring.insert(b"fresh")?;
    /// assert!(ring.consume_into(&mut out));
    /// assert_eq!(out, b"fresh");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[inline]
    pub fn consume_into(&mut self, out: &mut Vec<u8>) -> bool {
        self.consume_with(|message| {
            out.clear();
            out.extend_from_slice(message);
        })
        .is_some()
    }

    /// Removes the oldest message, lending it to `read` straight from its slot, and
    /// returns what `read` returns; `None` (and `read` not called) when empty. Nothing
    /// is copied or allocated: parse the message in place.
    ///
    /// ```
    /// # use mmring_core::BytesRingBufferFast;
    /// let mut ring = BytesRingBufferFast::new(4)?;
    /// ring.insert(b"101.5")?;
    /// let price = ring.consume_with(|m| std::str::from_utf8(m).ok()?.parse::<f64>().ok());
    /// assert_eq!(price, Some(Some(101.5)));
    /// assert_eq!(ring.consume_with(<[u8]>::len), None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[inline]
    pub fn consume_with<U>(&mut self, read: impl FnOnce(&[u8]) -> U) -> Option<U> {
        let slot = self.cursor.checked_slot(0)?;
        let out = read(self.message(slot));
        self.release_oldest();
        Some(out)
    }

    /// Replaces the newest message with a copy of `item`.
    ///
    /// # Errors
    /// [`FastError::Empty`] on an empty ring, [`FastError::Oversize`] when `item` does
    /// not fit a slot, and, with `only_insert_unique`, [`FastError::Duplicate`] when
    /// another held message equals `item`. Nothing is written in each case.
    pub fn overwrite_latest(&mut self, item: &[u8]) -> Result<(), FastError> {
        let newest = self.cursor.newest().ok_or(FastError::Empty)?;
        self.check_fits(item)?;
        if let Some(index) = &self.unique {
            let hash = index.hash(item);
            match index.find(hash, item, |slot| self.message(slot)) {
                Some(slot) if slot != newest => return Err(FastError::Duplicate),
                _ => {}
            }
            if let Some(index) = &mut self.unique {
                index.remove(newest);
                index.insert(hash, newest);
            }
        }
        self.write_slot(newest, item);
        Ok(())
    }

    #[inline]
    fn check_fits(&self, item: &[u8]) -> Result<(), FastError> {
        if item.len() > self.slot_size() {
            return Err(FastError::Oversize {
                len: item.len(),
                slot: self.slot_size(),
            });
        }
        Ok(())
    }

    /// Inserts a message already known to fit a slot.
    #[inline]
    fn insert_fitting(&mut self, item: &[u8]) {
        if self.unique.is_some() && !self.index_new(item) {
            return;
        }
        let push = self.cursor.push();
        if !push.evicts {
            // The evicted message's slab slot is reused as it is; else the one freed
            // last, which is likely still in the cache.
            self.slab.take_free(push.slot);
        }
        self.write_slot(push.slot, item);
    }

    /// With `only_insert_unique`: `false` when `item` is held already, else indexes it
    /// at the slot the next insert takes (and forgets the oldest if that evicts it).
    #[inline(never)]
    fn index_new(&mut self, item: &[u8]) -> bool {
        if let Some(index) = &self.unique {
            let hash = index.hash(item);
            if index.contains(hash, item, |slot| self.message(slot)) {
                return false;
            }
            let oldest = self
                .cursor
                .checked_slot(0)
                .filter(|_| self.cursor.is_full());
            let next = self.cursor.next_slot();
            if let Some(index) = &mut self.unique {
                if let Some(oldest) = oldest {
                    index.remove(oldest);
                }
                index.insert(hash, next);
            }
        }
        true
    }

    #[inline]
    fn release_oldest(&mut self) {
        if let (Some(index), Some(slot)) = (&mut self.unique, self.cursor.checked_slot(0)) {
            index.remove(slot);
        }
        if let Some(slot) = self.cursor.pop() {
            self.slab.free(slot);
        }
    }

    #[inline]
    fn write_slot(&mut self, slot: usize, item: &[u8]) {
        debug_assert!(item.len() <= self.slot_size());
        self.slab.slot_mut(slot)[..item.len()].copy_from_slice(item);
        // Fits: a slot is at most `MAX_SLOT_SIZE` = 2^31 bytes.
        self.lens[slot] = item.len() as u32;
    }

    #[inline]
    fn message(&self, slot: usize) -> &[u8] {
        &self.slab.slot(slot)[..self.lens[slot] as usize]
    }
}

/// One cache line of a [`Slab`].
#[derive(Clone, Copy)]
#[repr(C, align(64))]
struct Line([u8; LINE]);

/// Bytes in a cache line.
const LINE: usize = 64;

/// The slots of a [`BytesRingBufferFast`] in one allocation, laid out for the cache.
///
/// - A ring position (the cursor's slot) maps to a slab slot. A message inserted
///   into a ring that is not full takes the slab slot freed last (a stack), which the
///   consume that freed it has just read: with the ring neither empty nor full, the
///   messages in flight keep reusing the same few slots, all in the cache, where a
///   fixed position-to-slot map would cycle through the whole slab. An insert that
///   evicts reuses the evicted message's slab slot.
/// - The slab starts on a cache line, so a slot of a line or more starts on one too.
/// - Slots of 512 bytes or more lie one line further apart than their size. A power
///   of two apart, slots whose messages fill only their first part would leave the
///   same cache sets unused in every slot (half of the cache, with messages of half
///   a slot); one line of skew spreads them over all sets, for at most 1/8 more memory.
#[derive(Clone)]
struct Slab {
    lines: Box<[Line]>,
    /// Bytes from the start of one slab slot to the start of the next.
    stride: usize,
    /// Bytes in a slot (a power of two).
    size: usize,
    /// The slab slot of each ring position (meaningful for live positions).
    map: Box<[u32]>,
    /// Slab slots of no live message: `free[..free_len]`, the one freed last on top.
    free: Box<[u32]>,
    free_len: usize,
}

impl Slab {
    /// Slots from which [`Slab`] skews.
    const SKEW_FROM: usize = 512;

    /// `capacity` zeroed slots of `size` bytes (a power of two).
    fn new(capacity: usize, size: usize) -> Result<Self, CapacityError> {
        let stride = if size >= Self::SKEW_FROM {
            size + LINE
        } else {
            size
        };
        let too_large = || CapacityError::Allocation {
            capacity,
            item_bytes: size,
        };
        // Slab slots are numbered in a `u32`.
        let slots = u32::try_from(capacity).map_err(|_| too_large())?;
        let bytes = capacity
            .checked_mul(stride)
            .filter(|&len| isize::try_from(len).is_ok())
            .ok_or_else(too_large)?;
        let lines = filled(bytes.div_ceil(LINE), Line([0; LINE])).ok_or_else(too_large)?;
        let map = filled(capacity, 0u32).ok_or_else(too_large)?;
        let mut free = filled(capacity, 0u32).ok_or_else(too_large)?;
        // Slot 0 on top: a fresh ring fills the slab in order.
        for (slot, number) in free.iter_mut().zip((0..slots).rev()) {
            *slot = number;
        }
        Ok(Self {
            lines,
            stride,
            size,
            map,
            free,
            free_len: capacity,
        })
    }

    /// Gives ring position `position`, which holds no message, the slab slot freed
    /// last.
    #[inline]
    fn take_free(&mut self, position: usize) {
        debug_assert!(self.free_len > 0, "a ring that is not full has a free slot");
        self.free_len -= 1;
        self.map[position] = self.free[self.free_len];
    }

    /// Frees the slab slot of ring position `position`, whose message is gone.
    #[inline]
    fn free(&mut self, position: usize) {
        self.free[self.free_len] = self.map[position];
        self.free_len += 1;
    }

    /// The whole slab as bytes.
    #[inline]
    fn bytes(&self) -> &[u8] {
        // SAFETY: `Line` is 64 plain bytes with no padding (`repr(C)`, size = align
        // = 64), so `lines` is `lines.len() * 64` initialised bytes, borrowed as long
        // as `self`.
        unsafe { core::slice::from_raw_parts(self.lines.as_ptr().cast(), self.lines.len() * LINE) }
    }

    /// The whole slab as bytes, for writing.
    #[inline]
    fn bytes_mut(&mut self) -> &mut [u8] {
        let len = self.lines.len() * LINE;
        // SAFETY: as in `bytes`; any byte pattern is a valid `Line`, and the borrow
        // is unique for as long as `self` is borrowed mutably.
        unsafe { core::slice::from_raw_parts_mut(self.lines.as_mut_ptr().cast(), len) }
    }

    /// The bytes of ring position `position`'s slot.
    #[inline]
    fn slot(&self, position: usize) -> &[u8] {
        let start = self.map[position] as usize * self.stride;
        &self.bytes()[start..start + self.size]
    }

    /// The bytes of ring position `position`'s slot, for writing.
    #[inline]
    fn slot_mut(&mut self, position: usize) -> &mut [u8] {
        let (start, size) = (self.map[position] as usize * self.stride, self.size);
        &mut self.bytes_mut()[start..start + size]
    }
}

inherent_ring_api! {
    impl[] BytesRingBufferFast {
        item: Vec<u8>,
        view: &[u8],
        needle: &[u8],
        iter: FastIter<'_>,
        unwrapped_where: [],
        contains_where: [],
    }
    example {
        setup: "# use mmring_core::BytesRingBufferFast;
let mut ring = BytesRingBufferFast::new(4)?;
ring.insert_batch(&[b\"a\", b\"b\", b\"c\", b\"d\", b\"e\"])?; // holds b, c, d, e",
        oldest: "Some(&b\"b\"[..])",
        second: "Some(&b\"c\"[..])",
        newest: "Some(&b\"e\"[..])",
        first_item: "Some(b\"b\".to_vec())",
        all: "[b\"b\", b\"c\", b\"d\", b\"e\"]",
        held: "b\"e\"",
        evicted: "b\"a\"",
    }
}

/// Owned messages are copies out of the slots (one allocation each); see
/// [`BytesRingBufferFast::consume_into`] and [`BytesRingBufferFast::consume_with`] for
/// none.
impl Fifo for BytesRingBufferFast {
    type Item = Vec<u8>;

    counts_from!(cursor);

    fn consume(&mut self) -> Option<Vec<u8>> {
        self.consume_with(<[u8]>::to_vec)
    }

    /// Copies every message out, then forgets them all at once.
    fn consume_all(&mut self) -> Vec<Vec<u8>> {
        let all = Ring::unwrapped(self);
        Fifo::clear(self);
        all
    }

    /// Forgets every message; the slab is kept.
    fn clear(&mut self) {
        if let Some(index) = &mut self.unique {
            index.clear();
        }
        while let Some(slot) = self.cursor.pop() {
            self.slab.free(slot);
        }
    }
}

/// Messages are read in place, borrowed from their slots.
impl Ring for BytesRingBufferFast {
    type View<'a> = &'a [u8];
    type Iter<'a> = FastIter<'a>;
    type Needle<'a> = &'a [u8];

    fn get(&self, index: usize) -> Option<&[u8]> {
        self.cursor
            .checked_slot(index)
            .map(|slot| self.message(slot))
    }

    fn iter(&self) -> FastIter<'_> {
        FastIter {
            ring: self,
            logical: 0..self.len(),
        }
    }

    #[inline]
    fn to_item(view: &[u8]) -> Vec<u8> {
        view.to_vec()
    }

    /// O(1) expected with `only_insert_unique`, a scan otherwise.
    fn contains(&self, item: &[u8]) -> bool {
        match &self.unique {
            Some(index) => index.contains(index.hash(item), item, |slot| self.message(slot)),
            None => self.iter().any(|held| held == item),
        }
    }
}

impl fmt::Debug for BytesRingBufferFast {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// Equal when the messages are equal in order; options and counters are not compared.
impl PartialEq for BytesRingBufferFast {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl Eq for BytesRingBufferFast {}

/// `ring[i]` is the message at `i`, 0 being the oldest.
///
/// # Panics
/// When `index >= len()`, like `Vec`.
impl Index<usize> for BytesRingBufferFast {
    type Output = [u8];

    fn index(&self, index: usize) -> &[u8] {
        match self.get(index) {
            Some(message) => message,
            None => index_out_of_range(index, self.len()),
        }
    }
}

impl<'a> IntoIterator for &'a BytesRingBufferFast {
    type Item = &'a [u8];
    type IntoIter = FastIter<'a>;

    fn into_iter(self) -> FastIter<'a> {
        self.iter()
    }
}

/// Borrowing iterator over a [`BytesRingBufferFast`], oldest → newest.
#[derive(Clone)]
pub struct FastIter<'a> {
    ring: &'a BytesRingBufferFast,
    /// Logical positions (0 = oldest) not yet yielded.
    logical: Range<usize>,
}

impl<'a> Iterator for FastIter<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        let index = self.logical.next()?;
        Some(self.ring.message(self.ring.cursor.slot(index)))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.logical.size_hint()
    }
}

impl DoubleEndedIterator for FastIter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        let index = self.logical.next_back()?;
        Some(self.ring.message(self.ring.cursor.slot(index)))
    }
}

impl ExactSizeIterator for FastIter<'_> {}

impl FusedIterator for FastIter<'_> {}

impl fmt::Debug for FastIter<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.clone()).finish()
    }
}
