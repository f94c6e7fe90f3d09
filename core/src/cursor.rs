//! Index bookkeeping shared by the slot-based rings.
//!
//! A [`Cursor`] knows which physical slots of a power-of-two array hold the live items,
//! oldest first; the rings own the storage and move items in and out of the slots it
//! names. Keeping the arithmetic in one place means the generic, numeric and byte rings
//! cannot drift apart on wrap-around or eviction.

use core::ops::Range;

/// Positions of the live items in a power-of-two array of slots.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Cursor {
    /// Physical slot of the oldest item; in range `0..capacity`.
    head: usize,
    /// Number of live items; in range `0..=capacity`.
    len: usize,
    /// `capacity - 1`, where capacity is a power of two.
    mask: usize,
    /// Items evicted by inserts into a full ring since creation.
    overwritten: u64,
}

/// Where [`Cursor::push`] placed a new item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Push {
    /// The physical slot to write the new item into.
    pub(crate) slot: usize,
    /// Whether `slot` still holds the evicted oldest item, which the caller must take
    /// out (or drop) before writing.
    pub(crate) evicts: bool,
}

impl Cursor {
    /// An empty cursor over `capacity` slots; `capacity` is a power of two.
    #[inline]
    pub(crate) fn new(capacity: usize) -> Self {
        debug_assert!(capacity.is_power_of_two());
        Self {
            head: 0,
            len: 0,
            mask: capacity - 1,
            overwritten: 0,
        }
    }

    #[inline]
    pub(crate) fn capacity(&self) -> usize {
        self.mask + 1
    }

    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    #[inline]
    pub(crate) fn is_full(&self) -> bool {
        self.len == self.capacity()
    }

    #[inline]
    pub(crate) fn overwritten(&self) -> u64 {
        self.overwritten
    }

    /// Physical slot of the item at logical `index` (0 = oldest); `index < len`.
    #[inline]
    pub(crate) fn slot(&self, index: usize) -> usize {
        debug_assert!(index < self.len);
        (self.head + index) & self.mask
    }

    /// Whether physical `slot` holds a live item.
    #[inline]
    pub(crate) fn is_live(&self, slot: usize) -> bool {
        slot <= self.mask && (slot.wrapping_sub(self.head) & self.mask) < self.len
    }

    /// Physical slot of logical `index`, or `None` past the end.
    #[inline]
    pub(crate) fn checked_slot(&self, index: usize) -> Option<usize> {
        (index < self.len).then(|| self.slot(index))
    }

    /// Physical slot of the newest item.
    #[inline]
    pub(crate) fn newest(&self) -> Option<usize> {
        self.len.checked_sub(1).map(|last| self.slot(last))
    }

    /// Claims the slot for a new newest item, evicting the oldest when full.
    #[inline]
    pub(crate) fn push(&mut self) -> Push {
        let slot = self.next_slot();
        if self.is_full() {
            self.head = (self.head + 1) & self.mask;
            self.overwritten += 1;
            Push { slot, evicts: true }
        } else {
            self.len += 1;
            Push {
                slot,
                evicts: false,
            }
        }
    }

    /// Releases the oldest item's slot and returns it.
    #[inline]
    pub(crate) fn pop(&mut self) -> Option<usize> {
        if self.len == 0 {
            return None;
        }
        let slot = self.head;
        self.head = (self.head + 1) & self.mask;
        self.len -= 1;
        Some(slot)
    }

    /// Physical slot the next [`push`](Self::push) will write: past the newest, which
    /// is the oldest's slot when full.
    #[inline]
    pub(crate) fn next_slot(&self) -> usize {
        (self.head + self.len) & self.mask
    }

    /// The same position and counter with no live items: pushes onto it fill the same
    /// physical slots, in the same order, as this cursor's items occupy.
    #[inline]
    pub(crate) fn emptied(&self) -> Self {
        Self { len: 0, ..*self }
    }

    /// Marks every item as gone; the caller has already dropped or moved them.
    #[inline]
    pub(crate) fn clear(&mut self) {
        self.head = 0;
        self.len = 0;
    }

    /// Sets the live window to the `len` items starting at physical slot `head` and adds
    /// `evicted` to the counter; used by bulk copies and rotations.
    #[inline]
    pub(crate) fn set_window(&mut self, head: usize, len: usize, evicted: u64) {
        debug_assert!(head <= self.mask && len <= self.capacity());
        self.head = head;
        self.len = len;
        self.overwritten += evicted;
    }

    /// Physical ranges of the live items, oldest first: the part up to the end of the
    /// array, then the part that wrapped to its start (possibly empty).
    #[inline]
    pub(crate) fn halves(&self) -> (Range<usize>, Range<usize>) {
        let first_end = (self.head + self.len).min(self.capacity());
        let wrapped = self.head + self.len - first_end;
        (self.head..first_end, 0..wrapped)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_evicts_oldest_when_full() {
        let mut cursor = Cursor::new(2);
        assert_eq!(
            cursor.push(),
            Push {
                slot: 0,
                evicts: false
            }
        );
        assert_eq!(
            cursor.push(),
            Push {
                slot: 1,
                evicts: false
            }
        );
        assert_eq!(
            cursor.push(),
            Push {
                slot: 0,
                evicts: true
            }
        );
        assert_eq!(cursor.halves(), (1..2, 0..1));
        assert_eq!(cursor.newest(), Some(0));
        assert_eq!(cursor.checked_slot(2), None);
        assert_eq!(cursor.pop(), Some(1));
        assert_eq!(cursor.overwritten(), 1);
    }
}
