//! What the two halves share: the slots, the two positions, the signals and the flags
//! that say a half is gone.

use core::mem::MaybeUninit;

use super::Policy;
use super::signal::{Barriers, Signal};
use super::sync::{AtomicBool, AtomicU8, AtomicU64, Ordering::*, UnsafeCell};

/// The low bit of [`Channel::head`]: set while the consumer moves items out under
/// [`Policy::DropOldest`], so that the producer neither evicts nor overwrites them.
pub(super) const BUSY: u64 = 1;

/// [`Channel::mode`]: the producer may evict (under `DropOldest`), so the consumer
/// claims by compare-and-swap. While clear, the producer has promised not to evict
/// before it raises this bit, issues the heavy barrier and waits for
/// [`HeadLine::taking`] to fall, so the consumer takes with plain stores.
pub(super) const EVICTING: u8 = 1;
pub(super) use super::signal::FENCED;

/// A value on a cache line of its own, so that the two halves' stores never share a
/// line.
#[repr(align(128))]
#[derive(Debug, Default)]
pub(super) struct Padded<T>(pub(super) T);

/// The consumer's line: its position and its `taking` flag, both stored by the consumer
/// on every claim under `DropOldest` (one line written, not two).
#[repr(C, align(128))]
#[derive(Debug)]
pub(super) struct HeadLine {
    /// See [`Channel::head`].
    pub(super) at: AtomicU64,
    /// Set by the consumer while it takes items with plain stores (see [`EVICTING`]).
    pub(super) taking: AtomicBool,
}

/// The state of one split ring.
///
/// Positions are item counts that only grow (`u64`: they never wrap); item `i` lives in
/// slot `i & mask`. The items in `head .. tail` are live, `tail - head <= capacity`.
pub(super) struct Channel<T> {
    /// The producer's position: the next item written goes to `tail`. Stored (release)
    /// by the producer only, after the item is in its slot.
    pub(super) tail: Padded<AtomicU64>,
    /// Items the producer evicted (stored by the producer only).
    pub(super) overwritten: Padded<AtomicU64>,
    /// The consumer's position times two, plus [`BUSY`] while it moves items out. The
    /// consumer advances it after taking items; under `DropOldest` the producer also
    /// advances it (by compare-and-swap, never while [`BUSY`]) to evict the oldest.
    pub(super) head: HeadLine,
    /// [`EVICTING`] and [`FENCED`]; stored by the producer only.
    pub(super) mode: Padded<AtomicU8>,
    /// Wakes a consumer waiting for an item.
    pub(super) items: Signal,
    /// Wakes a producer waiting for room.
    pub(super) room: Signal,
    /// Set when the producer is dropped (the ring is closed once drained).
    pub(super) producer_gone: Padded<AtomicBool>,
    /// Set when the consumer is dropped (nothing inserted will ever be read).
    pub(super) consumer_gone: AtomicBool,
    slots: Box<[UnsafeCell<MaybeUninit<T>>]>,
    mask: u64,
    pub(super) policy: Policy,
    pub(super) barriers: Barriers,
}

// SAFETY: items move from the producer's thread to the consumer's (`T: Send`); each slot
// is accessed by one half at a time, as the positions and the BUSY bit arbitrate (see
// `slot`), so sharing the channel between the two threads is sound.
unsafe impl<T: Send> Send for Channel<T> {}
// SAFETY: as above.
unsafe impl<T: Send> Sync for Channel<T> {}

impl<T> Channel<T> {
    /// A channel of `capacity` slots (a power of two) holding `items` (at most
    /// `capacity`) as its oldest, having evicted `overwritten` before.
    pub(super) fn new(
        capacity: usize,
        policy: Policy,
        overwritten: u64,
        items: impl ExactSizeIterator<Item = T>,
    ) -> Self {
        debug_assert!(capacity.is_power_of_two() && items.len() <= capacity);
        let barriers = Barriers::new();
        let slots = (0..capacity)
            .map(|_| UnsafeCell::new(MaybeUninit::uninit()))
            .collect::<Box<[_]>>();
        let mut count = 0;
        for (slot, item) in slots.iter().zip(items) {
            // SAFETY: nobody else can reach the slots yet.
            slot.with_mut(|slot| unsafe { (*slot).write(item) });
            count += 1;
        }
        Self {
            tail: Padded(AtomicU64::new(count)),
            overwritten: Padded(AtomicU64::new(overwritten)),
            head: HeadLine {
                at: AtomicU64::new(0),
                taking: AtomicBool::new(false),
            },
            mode: Padded(AtomicU8::new(barriers.fenced())),
            items: Signal::new(barriers),
            room: Signal::new(barriers),
            producer_gone: Padded(AtomicBool::new(false)),
            consumer_gone: AtomicBool::new(false),
            slots,
            mask: capacity as u64 - 1,
            policy,
            barriers,
        }
    }

    /// Number of slots.
    pub(super) fn capacity(&self) -> u64 {
        self.mask + 1
    }

    /// Writes item `index` into its slot.
    ///
    /// # Safety
    /// The caller is the producer, `index` is its position, and the slot is free: the
    /// consumer's position (read with acquire) is more than `index - capacity`, or the
    /// producer evicted item `index - capacity` itself.
    #[inline]
    pub(super) unsafe fn write(&self, index: u64, item: T) {
        let slot = self.slot(index);
        // SAFETY: the caller guarantees the slot is free and that only it writes now.
        slot.with_mut(|slot| unsafe { (*slot).write(item) });
    }

    /// Moves item `index` out of its slot.
    ///
    /// # Safety
    /// Item `index` is live (below the producer's position, read with acquire) and the
    /// caller owns it: the consumer holds it by its position (and, under `DropOldest`,
    /// the BUSY bit), or the producer evicted it by moving `head` past it.
    #[inline]
    pub(super) unsafe fn take(&self, index: u64) -> T {
        let slot = self.slot(index);
        // SAFETY: the item is initialised and owned by the caller, who leaves the slot
        // logically empty.
        slot.with_mut(|slot| unsafe { (*slot).assume_init_read() })
    }

    /// The slot of item `index`.
    #[inline]
    fn slot(&self, index: u64) -> &UnsafeCell<MaybeUninit<T>> {
        let at = (index & self.mask) as usize;
        debug_assert!(at < self.slots.len());
        // SAFETY: `mask` is `slots.len() - 1` and the length a power of two, so the
        // masked index is in bounds.
        unsafe { self.slots.get_unchecked(at) }
    }

    /// The consumer's position (without the BUSY bit).
    pub(super) fn head_index(&self) -> u64 {
        self.head.at.load(Acquire) >> 1
    }

    /// Items held (a snapshot).
    pub(super) fn len(&self) -> usize {
        // `head` first: `tail` read after it is at least as new, so the difference is
        // never negative.
        let head = self.head_index();
        let tail = self.tail.0.load(Acquire);
        tail.saturating_sub(head) as usize
    }
}

#[cfg(not(loom))]
impl<T: Copy> Channel<T> {
    /// Copies items `from .. from + out.len()` out with at most two `memcpy`s.
    ///
    /// # Safety
    /// As [`take`](Self::take), for every item of the run.
    pub(super) unsafe fn copy_out(&self, from: u64, out: &mut [T]) {
        let start = (from & self.mask) as usize;
        let first = out.len().min(self.slots.len() - start);
        let (a, b) = out.split_at_mut(first);
        // SAFETY: the slots are `UnsafeCell<MaybeUninit<T>>`, laid out as `T`s
        // (`repr(transparent)` both), the runs `start..start + first` and `0..rest` are
        // in bounds (`out.len() <= capacity`), initialised and owned by the caller.
        unsafe {
            let base = self.slots.as_ptr() as *const T;
            core::ptr::copy_nonoverlapping(base.add(start), a.as_mut_ptr(), a.len());
            core::ptr::copy_nonoverlapping(base, b.as_mut_ptr(), b.len());
        }
    }

    /// Copies `values` into items `from .. from + values.len()` with at most two
    /// `memcpy`s.
    ///
    /// # Safety
    /// As [`write`](Self::write), for every slot of the run.
    pub(super) unsafe fn copy_in(&self, from: u64, values: &[T]) {
        let start = (from & self.mask) as usize;
        let first = values.len().min(self.slots.len() - start);
        let (a, b) = values.split_at(first);
        // SAFETY: as in `copy_out`, the runs are in bounds and free, and only the caller
        // writes them.
        unsafe {
            let base = self.slots.as_ptr() as *mut T;
            core::ptr::copy_nonoverlapping(a.as_ptr(), base.add(start), a.len());
            core::ptr::copy_nonoverlapping(b.as_ptr(), base, b.len());
        }
    }
}

/// Loom's cells are not laid out as plain values: copy item by item.
#[cfg(loom)]
impl<T: Copy> Channel<T> {
    pub(super) unsafe fn copy_out(&self, from: u64, out: &mut [T]) {
        for (i, value) in out.iter_mut().enumerate() {
            // SAFETY: as the caller guarantees for the run.
            *value = unsafe { self.take(from + i as u64) };
        }
    }

    pub(super) unsafe fn copy_in(&self, from: u64, values: &[T]) {
        for (i, value) in values.iter().enumerate() {
            // SAFETY: as the caller guarantees for the run.
            unsafe { self.write(from + i as u64, *value) };
        }
    }
}

impl<T> Drop for Channel<T> {
    /// Both halves are gone: drops the items still held, each exactly once.
    fn drop(&mut self) {
        let head = self.head_index();
        let tail = self.tail.0.load(Acquire);
        for index in head..tail {
            // SAFETY: items `head .. tail` are live and, with both halves gone, ours.
            drop(unsafe { self.take(index) });
        }
    }
}

impl<T> core::fmt::Debug for Channel<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Channel")
            .field("capacity", &self.capacity())
            .field("len", &self.len())
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}
