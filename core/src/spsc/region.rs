//! The memory the protocol runs over: a control block of indices and a data area of
//! 8-byte words, both only ever touched atomically.

#[cfg(not(loom))]
use std::sync::{
    Arc,
    atomic::{AtomicU32, AtomicU64},
};

#[cfg(loom)]
use loom::sync::{
    Arc,
    atomic::{AtomicU32, AtomicU64},
};

use super::LayoutError;

/// The producer's 128-byte line, stored on every commit. Only the producer stores to
/// it.
#[repr(C, align(128))]
#[derive(Debug, Default)]
pub struct ProducerLine {
    /// Position just past the last committed record; records below it are complete.
    pub write_pos: AtomicU64,
    /// Position of the newest committed record (meaningless while `written` is 0).
    /// Published after `write_pos`.
    pub newest: AtomicU64,
    /// Messages committed so far; also the sequence number of the next message.
    /// Published before `write_pos`.
    pub written: AtomicU64,
    /// Wall-clock time of the last insert, nanoseconds since the Unix epoch (set by the
    /// transport; 0 if never).
    pub last_insert_ns: AtomicU64,
}

/// The consumer's 128-byte line, stored on every consume (`read_pos` first, then
/// `read_seq`, then `read`). Only the consumer stores to it; the producer reads it only under [`Policy::Reject`](super::Policy::Reject) when
/// its cached read position says the ring is full.
#[repr(C, align(128))]
#[derive(Debug, Default)]
pub struct ConsumerLine {
    /// Position of the next record to read.
    pub read_pos: AtomicU64,
    /// Sequence number the consumer expects next.
    pub read_seq: AtomicU64,
    /// Messages consumed so far.
    pub read: AtomicU64,
    /// Unused (always 0): the messages a consumer found evicted are `read_seq - read`,
    /// derived rather than stored so that a consumer killed between its stores cannot
    /// leave the three counters inconsistent.
    pub dropped: AtomicU64,
    /// Wall-clock time of the last consume, nanoseconds since the Unix epoch (set by
    /// the transport; 0 if never).
    pub last_consume_ns: AtomicU64,
}

/// A 128-byte line of fields stored rarely: on eviction (producer) and when the
/// consumer goes to sleep or is woken. Kept apart from the two hot lines so that the
/// consumer's per-message check of `oldest` and the producer's per-commit check of
/// `parked` read a line that does not change while messages stream.
#[repr(C, align(128))]
#[derive(Debug, Default)]
pub struct ColdLine {
    /// Position of the oldest record the producer has not evicted. Published (with a
    /// release fence) before the producer writes over anything below it.
    pub oldest: AtomicU64,
    /// Sequence number of the first message at or after `oldest`. Published after
    /// `oldest`.
    pub oldest_seq: AtomicU64,
    /// 1 while the consumer sleeps waiting for records (a futex word), else 0. Stored
    /// by the consumer, cleared by the producer when it wakes it.
    pub parked: AtomicU32,
}

/// The indices shared by the two sides: 384 bytes, three 128-byte lines.
#[repr(C)]
#[derive(Debug, Default)]
pub struct Control {
    /// Stored by the producer on every commit.
    pub producer: ProducerLine,
    /// Stored by the consumer on every consume.
    pub consumer: ConsumerLine,
    /// Stored on eviction and around sleeps.
    pub cold: ColdLine,
}

/// Memory that carries one ring: a [`Control`] block and a data area of
/// `capacity / 8` words, where `capacity` is a power of two.
///
/// Implementations hand out the same memory for as long as they live; the protocol
/// checks the data length itself and never trusts the contents.
pub trait Region {
    /// The shared indices.
    fn control(&self) -> &Control;
    /// The data area as 8-byte words.
    fn data(&self) -> &[AtomicU64];
}

/// A ring's memory on the heap, shared by cloning (for threads of one process).
#[derive(Debug, Clone)]
pub struct HeapRegion {
    inner: Arc<HeapInner>,
}

#[derive(Debug)]
struct HeapInner {
    control: Control,
    data: Box<[AtomicU64]>,
}

impl HeapRegion {
    /// Zeroed memory for a data area of `capacity` bytes.
    ///
    /// # Errors
    /// [`LayoutError::Capacity`] unless `capacity` is a power of two ≥ 32.
    pub fn new(capacity: usize) -> Result<Self, LayoutError> {
        check_capacity(capacity as u64)?;
        let data = (0..capacity / 8).map(|_| AtomicU64::new(0)).collect();
        Ok(Self {
            inner: Arc::new(HeapInner {
                control: Control::default(),
                data,
            }),
        })
    }
}

impl Region for HeapRegion {
    fn control(&self) -> &Control {
        &self.inner.control
    }

    fn data(&self) -> &[AtomicU64] {
        &self.inner.data
    }
}

/// Checks that `region` can carry the protocol with messages up to `max_message` bytes,
/// and returns the size of its data area.
pub(crate) fn check_layout(region: &impl Region, max_message: usize) -> Result<u64, LayoutError> {
    let capacity = (region.data().len() as u64) * 8;
    check_capacity(capacity)?;
    if max_message as u64 > super::max_message_for(capacity) {
        return Err(LayoutError::MaxMessage {
            max_message: max_message as u64,
            capacity,
        });
    }
    Ok(capacity)
}

/// Checks that a data area of `capacity` bytes can carry the protocol.
pub(crate) fn check_capacity(capacity: u64) -> Result<(), LayoutError> {
    if capacity.is_power_of_two() && capacity >= 32 {
        Ok(())
    } else {
        Err(LayoutError::Capacity { capacity })
    }
}
