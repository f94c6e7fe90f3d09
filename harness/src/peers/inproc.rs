//! Overwrite-oldest rings of `u64` in one thread: mmring's `GenericRingBuffer` and the
//! in-process peers, behind [`Ring64`].

use std::collections::VecDeque;

use circular_buffer::{FixedCircularBuffer, HeapCircularBuffer};
use heapless::HistoryBuf;
use mmring_core::GenericRingBuffer;
use ringbuffer::{AllocRingBuffer, RingBuffer as _};

/// Capacity of the in-process rings (the const-generic peers are built for it).
pub const CAPACITY: usize = 1024;

/// A ring of `u64` that overwrites its oldest item when full.
pub trait Ring64 {
    /// Name in the report.
    const NAME: &'static str;
    /// Whether this is mmring.
    const MMRING: bool = false;
    /// Whether items can be taken out oldest first (a history buffer cannot).
    const CONSUMES: bool = true;
    /// An empty ring of [`CAPACITY`] items.
    fn create() -> Self;
    /// Appends `v`, evicting the oldest item when full; returns it when the API does.
    fn insert(&mut self, v: u64) -> Option<u64>;
    /// Removes the oldest item.
    fn consume(&mut self) -> Option<u64>;
}

/// Implements [`Ring64`] for rings whose API maps one to one: whether the ring is
/// mmring's, a constructor, a method that inserts and returns the evicted item, and one
/// that removes the oldest.
macro_rules! ring64 {
    ($($ring:ty = $name:literal, mmring: $mmring:literal, $create:expr, $insert:ident, $consume:ident;)*) => {$(
        impl Ring64 for $ring {
            const NAME: &'static str = $name;
            const MMRING: bool = $mmring;
            fn create() -> Self {
                $create
            }
            #[inline]
            fn insert(&mut self, v: u64) -> Option<u64> {
                self.$insert(v)
            }
            #[inline]
            fn consume(&mut self) -> Option<u64> {
                self.$consume()
            }
        }
    )*};
}

ring64! {
    GenericRingBuffer<u64> = "mmring GenericRingBuffer", mmring: true,
        GenericRingBuffer::new(CAPACITY).expect("valid capacity"), insert, consume;
    AllocRingBuffer<u64> = "ringbuffer AllocRingBuffer", mmring: false,
        AllocRingBuffer::new(CAPACITY), enqueue, dequeue;
    Box<FixedCircularBuffer<u64, CAPACITY>> = "circular-buffer Fixed<1024>", mmring: false,
        FixedCircularBuffer::boxed(), push_back, pop_front;
    HeapCircularBuffer<u64> = "circular-buffer Heap", mmring: false,
        HeapCircularBuffer::with_capacity(CAPACITY), push_back, pop_front;
}

/// `VecDeque` with the eviction done by hand: `pop_front` when full, then `push_back`.
pub struct Deque(VecDeque<u64>);

impl Ring64 for Deque {
    const NAME: &'static str = "VecDeque (manual eviction)";
    fn create() -> Self {
        Self(VecDeque::with_capacity(CAPACITY))
    }
    #[inline]
    fn insert(&mut self, v: u64) -> Option<u64> {
        let evicted = if self.0.len() == CAPACITY {
            self.0.pop_front()
        } else {
            None
        };
        self.0.push_back(v);
        evicted
    }
    #[inline]
    fn consume(&mut self) -> Option<u64> {
        self.0.pop_front()
    }
}

impl Ring64 for Box<HistoryBuf<u64, CAPACITY>> {
    const NAME: &'static str = "heapless HistoryBuf<1024>";
    const CONSUMES: bool = false;
    fn create() -> Self {
        Box::new(HistoryBuf::new())
    }
    #[inline]
    fn insert(&mut self, v: u64) -> Option<u64> {
        self.write(v);
        None
    }
    fn consume(&mut self) -> Option<u64> {
        None
    }
}

/// The least an insert into a ring that hands back what it evicts can do: one array
/// of `CAPACITY` values, a position and a length; when full, swap the new value with
/// the oldest and return it. No consume, no counters, no other checks.
pub struct EvictFloor {
    slots: Box<[u64]>,
    next: usize,
    len: usize,
}

impl Ring64 for EvictFloor {
    const NAME: &'static str = "floor: bare array, swap in the new value, return the old";
    const CONSUMES: bool = false;
    fn create() -> Self {
        Self {
            slots: vec![0; CAPACITY].into_boxed_slice(),
            next: 0,
            len: 0,
        }
    }
    #[inline]
    fn insert(&mut self, v: u64) -> Option<u64> {
        let slot = &mut self.slots[self.next];
        self.next = (self.next + 1) % CAPACITY;
        if self.len == CAPACITY {
            Some(std::mem::replace(slot, v))
        } else {
            *slot = v;
            self.len += 1;
            None
        }
    }
    fn consume(&mut self) -> Option<u64> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keeps_newest_in_order<R: Ring64>() {
        let mut ring = R::create();
        for v in 0..CAPACITY as u64 {
            ring.insert(v);
        }
        let evicted = ring.insert(CAPACITY as u64);
        if R::CONSUMES {
            assert_eq!(evicted, Some(0), "{}", R::NAME);
            assert_eq!(ring.consume(), Some(1), "{}", R::NAME);
            assert_eq!(ring.consume(), Some(2), "{}", R::NAME);
        }
    }

    #[test]
    fn every_adapter_overwrites_the_oldest() {
        keeps_newest_in_order::<GenericRingBuffer<u64>>();
        keeps_newest_in_order::<Deque>();
        keeps_newest_in_order::<AllocRingBuffer<u64>>();
        keeps_newest_in_order::<Box<FixedCircularBuffer<u64, CAPACITY>>>();
        keeps_newest_in_order::<HeapCircularBuffer<u64>>();
        keeps_newest_in_order::<Box<HistoryBuf<u64, CAPACITY>>>();
    }

    #[test]
    fn the_floor_hands_back_the_oldest() {
        let mut ring = EvictFloor::create();
        for v in 0..CAPACITY as u64 {
            assert_eq!(ring.insert(v), None);
        }
        assert_eq!(ring.insert(CAPACITY as u64), Some(0));
        assert_eq!(ring.insert(CAPACITY as u64 + 1), Some(1));
    }
}
