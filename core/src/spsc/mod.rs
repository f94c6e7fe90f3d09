//! The single-producer single-consumer record protocol behind `mmring-native::shm`,
//! written over any memory [`Region`] so that it runs the same on the heap (tests,
//! Miri, loom, in-process use) and in a file mapped by two processes.
//!
//! # Records
//! The data area is a power-of-two number of bytes, addressed by monotonic `u64`
//! positions (`position & (capacity - 1)` is the offset). Each record starts at a
//! multiple of 8 and never crosses the end of the area:
//!
//! | bytes | field |
//! |---|---|
//! | 0..4 | payload length `len` (u32, little-endian) |
//! | 4..8 | kind: `1` message, `2` padding (u32) |
//! | 8..16 | sequence number of the message (u64), from 0 |
//! | 16..16+len | payload, zero-padded to a multiple of 8 |
//!
//! When a record does not fit before the end of the area, the producer writes a
//! padding marker (its first word alone) and the record starts at the next lap.
//!
//! # Control block
//! [`Control`] holds three 128-byte lines, each stored by one side only: the producer's
//! (stored on every commit), the consumer's (stored on every consume) and a cold line
//! (stored only on eviction). Neither side's stores invalidate a line the other reads
//! per message while messages stream without overflow. Each side caches the other's
//! position and re-reads it only when its cached value says it must. Byte by byte
//! (native-endian `u64`s, offsets from the start of the block; the rest of each line
//! is zero and reserved):
//!
//! | offset | field | stored by | meaning |
//! |---|---|---|---|
//! | 0 | `write_pos` | producer | position just past the last committed record |
//! | 8 | `newest` | producer | position of the newest committed record; stored after `write_pos` |
//! | 16 | `written` | producer | messages committed, also the next sequence number; stored before `write_pos` |
//! | 128 | `read_pos` | consumer | position of the next record to read; stored first |
//! | 136 | `read_seq` | consumer | sequence number expected next; stored second |
//! | 144 | `read` | consumer | messages consumed; stored third. The consumer dropped `read_seq - read` |
//! | 256 | `oldest` | producer | position of the oldest record not evicted; stored before anything below it is overwritten |
//! | 264 | `oldest_seq` | producer | sequence number of the first message at or after `oldest`; stored after `oldest` |
//!
//! Positions are byte positions in the stream, multiples of 8 that only grow.
//!
//! A broadcast reader's line has the consumer line's three fields, then `state` (24:
//! odd while a reader is attached; each attach moves it to a new odd number, each
//! detach to the next even one), `owner` (32: what the transport records, the pid for
//! shared memory) and `first` (40: `read` when the reader attached).
//!
//! # Crash consistency
//! Either side may die at any instruction. The producer commits a batch with one
//! store of `write_pos`; what it wrote but did not commit is invisible. The consumer
//! publishes `read_pos` first, then `read_seq`, then `read`, so whatever prefix of those
//! stores survives it, `read <= read_seq <=` the sequence number of the record at
//! `read_pos`: a new consumer resumes at `read_pos` without an error, the producer is
//! never wedged, and read + dropped stays exact. The message being taken at the kill is
//! delivered again if `read_pos` was not yet stored (the dead consumer never returned
//! it), and otherwise counted as read or, between the stores, as dropped.
//!
//! # Overflow
//! With [`Policy::Reject`] the producer never writes over unread records: `insert`
//! returns [`InsertError::Full`]. With [`Policy::DropOldest`] the producer never
//! waits: it evicts whole oldest records, publishes the new `oldest` position and a
//! release fence *before* writing over them, then writes and publishes `write_pos`.
//! The consumer copies a record with relaxed atomic loads, issues an acquire fence,
//! and re-reads `oldest`: if it moved past the record, the copy may be torn and is
//! discarded (a seqlock read). A consumer that finds `oldest` ahead of its position
//! was overtaken; it resumes at `oldest` and counts the gap in sequence numbers as
//! dropped. It therefore never returns a torn, duplicated or reordered message.
//!
//! # Broadcast
//! A region may carry reader lines ([`Region::readers`]): then any number of readers
//! up to their count attach and detach at any time ([`Consumer::attach`]), each with
//! its own cursor and counters on its own line, each receiving every message from
//! where it attached ([`StartAt`]). The single consumer's line goes unused.
//! - Under [`Policy::DropOldest`] nothing changes for the producer: it never reads a
//!   reader's line, and each reader detects its own overruns with the seqlock check
//!   above and counts its own drops.
//! - Under [`Policy::Reject`] the producer evicts only records every live reader has
//!   passed, and reports [`InsertError::Full`] while one has not; with no reader
//!   attached it never waits. It evicts half a ring ahead when it can, so it looks at
//!   the readers' lines once per half ring, not once per message. A reader that died
//!   without detaching is recognised by the region ([`Region::reader_alive`]: a lock
//!   that dies with its process, for shared memory) and holds nobody.
//! - Attaching is a handshake: the reader raises a hold on its line (the producer
//!   evicts nothing while it sees one), issues a full barrier and only then reads
//!   where the ring starts; the producer publishes a new `oldest`, issues a full
//!   barrier and looks for holds again, taking the eviction back if it finds one.
//!   Either it sees the reader, or the reader sees the eviction. A loom model checks
//!   it, with a producer that skips the second look as the broken variant
//!   (`core/tests/loom_broadcast.rs`).
//! - The reader learns the number of its first message from the record it starts at
//!   (or from the newest one, when it starts at the end), so its counters are exact
//!   from the start: `read + dropped` = messages written since it attached. (When the
//!   producer has just evicted everything, its newest record too, the reader learns
//!   the number from the first message it reads; it may then miss counting drops
//!   that happen before that read.)
//!
//! Every access to the region is an atomic load or store of a `u64`, so the other
//! process can change any byte at any time without undefined behaviour here. Every
//! number read from it is bounds-checked before any arithmetic, every call does
//! bounded work, and what cannot be valid is a [`Corrupt`](ConsumeError::Corrupt)
//! error (or a [`LayoutError`] when a side attaches), never a panic, a loop without
//! end or an out-of-bounds access.
//!
//! ```
//! use mmring_core::spsc::{self, Policy};
//!
//! let (mut tx, mut rx) = spsc::channel(4096, Policy::Reject)?;
//! tx.insert(b"order 42")?;
//! let mut out = Vec::new();
//! assert!(rx.try_consume_into(&mut out)?);
//! assert_eq!(out, b"order 42");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod consumer;
mod producer;
mod record;
mod region;

pub use consumer::Consumer;
pub use producer::Producer;
pub use record::{HEADER_BYTES, record_bytes};
pub use region::{Control, HeapRegion, ReaderLine, Region};

use thiserror::Error;

/// What the producer does when a record does not fit beside the unread ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Policy {
    /// Evict whole oldest records; the producer never waits (mm_toolbox's behaviour).
    #[default]
    DropOldest,
    /// Keep every record; `insert` returns [`InsertError::Full`] instead.
    Reject,
}

impl Policy {
    /// The number stored in a shared header: 1 for `DropOldest`, 2 for `Reject`.
    pub fn to_u32(self) -> u32 {
        match self {
            Policy::DropOldest => 1,
            Policy::Reject => 2,
        }
    }

    /// The policy stored as `value` in a shared header, if valid.
    pub fn from_u32(value: u32) -> Option<Self> {
        match value {
            1 => Some(Policy::DropOldest),
            2 => Some(Policy::Reject),
            _ => None,
        }
    }
}

/// Where a broadcast reader starts when it attaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum StartAt {
    /// At the oldest message still in the ring: it receives what the ring holds, then
    /// everything after.
    #[default]
    Oldest,
    /// After the newest message: it receives only what is written from now on.
    Newest,
}

/// A broadcast reader could not attach.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum AttachError {
    /// Every reader line is taken by a live reader.
    #[error(
        "all {limit} reader slots of this ring are taken; detach a reader or create the ring with more"
    )]
    ReadersFull {
        /// How many readers the ring admits.
        limit: usize,
    },
    /// The region cannot carry the protocol.
    #[error(transparent)]
    Layout(#[from] LayoutError),
    /// The ring's indices or records are invalid.
    #[error(transparent)]
    Corrupt(#[from] ConsumeError),
}

/// One attached broadcast reader, as the producer sees it (a snapshot, from the
/// reader's own line).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReaderStats {
    /// The reader's line.
    pub slot: usize,
    /// What the transport recorded for it (the pid, for shared memory).
    pub owner: u64,
    /// Messages it has received since it attached.
    pub read: u64,
    /// Messages written that it has not passed yet.
    pub lag: u64,
    /// Messages it lost to eviction.
    pub dropped: u64,
}

/// A region cannot carry the protocol.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum LayoutError {
    /// The data area is not a power of two of at least 32 bytes.
    #[error("data capacity must be a power of two of at least 32 bytes (got {capacity})")]
    Capacity {
        /// The size of the data area in bytes.
        capacity: u64,
    },
    /// The largest message is larger than [`max_message_for`] the data area.
    #[error(
        "max message size {max_message} is too large for a data area of {capacity} bytes \
         (at most capacity / 2 - 16)"
    )]
    MaxMessage {
        /// The requested largest message.
        max_message: u64,
        /// The size of the data area.
        capacity: u64,
    },
    /// The indices in the control block are inconsistent (the region is corrupt or
    /// belongs to another layout).
    #[error("corrupt ring indices: {reason}")]
    Indices {
        /// What is wrong.
        reason: &'static str,
    },
}

/// An insert was refused; nothing was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum InsertError {
    /// The message (or batch) can never fit: longer than the ring's largest message,
    /// or a batch larger than the data area.
    #[error("{len} bytes can never fit this ring (largest message {max} bytes)")]
    TooLarge {
        /// Length of the message, or of the whole batch's records.
        len: usize,
        /// The largest single message the ring accepts.
        max: usize,
    },
    /// [`Policy::Reject`]: the unread records leave no room; retry after the consumer
    /// has read.
    #[error("the ring is full: the consumer has not read enough to make room")]
    Full,
}

/// The consumer found something it cannot read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ConsumeError {
    /// A record header or index in the shared region is invalid and was not being
    /// overwritten: the region is corrupt.
    #[error("corrupt record at position {position}: {reason}")]
    Corrupt {
        /// The stream position of the bad record.
        position: u64,
        /// What is wrong with it.
        reason: &'static str,
    },
}

/// The largest message a data area of `capacity` bytes can carry: `capacity / 2 - 16`
/// (and below `u32::MAX`).
///
/// A record that does not fit before the end of the area is preceded by padding
/// shorter than the record itself; capping a record at half the area keeps padding
/// and record within one capacity, so the record never overwrites its own padding.
///
/// ```
/// assert_eq!(mmring_core::spsc::max_message_for(4096), 2032);
/// ```
pub const fn max_message_for(capacity: u64) -> u64 {
    let max = (capacity / 2).saturating_sub(HEADER_BYTES as u64);
    if max < u32::MAX as u64 {
        max
    } else {
        u32::MAX as u64 - 1
    }
}

/// The largest stream position either side accepts from a region (2^62 bytes: at
/// 10 GB/s, 14 years of writing). Larger ones are corrupt, which keeps every position
/// computation far from overflow.
pub const MAX_POSITION: u64 = 1 << 62;

/// A heap-backed ring for one producer and one consumer (threads of one process),
/// accepting messages up to [`max_message_for`]`(capacity)` bytes.
///
/// # Errors
/// [`LayoutError::Capacity`] unless `capacity` is a power of two ≥ 32 bytes.
pub fn channel(
    capacity: usize,
    policy: Policy,
) -> Result<(Producer<HeapRegion>, Consumer<HeapRegion>), LayoutError> {
    let region = HeapRegion::new(capacity)?;
    let max = max_message_for(capacity as u64) as usize;
    Ok((
        Producer::new(region.clone(), policy, max)?,
        Consumer::new(region, policy, max)?,
    ))
}

/// A heap-backed broadcast ring: one producer, up to `readers` readers that each
/// receive every message from where they attach. Attach readers (from any thread) with
/// [`Consumer::attach`] on a clone of the region.
///
/// Under [`Policy::DropOldest`] the producer never looks at the readers: each one
/// detects its own overruns and counts its drops. Under [`Policy::Reject`] the producer
/// reports [`InsertError::Full`] while the slowest attached reader has not read enough;
/// with no reader attached it never waits, and old messages make room.
///
/// # Errors
/// [`LayoutError::Capacity`] unless `capacity` is a power of two ≥ 32 bytes.
///
/// ```
/// use mmring_core::spsc::{self, Consumer, Policy, StartAt};
///
/// let (mut tx, region) = spsc::broadcast(4096, Policy::DropOldest, 4)?;
/// let max = tx.max_message();
/// let mut a = Consumer::attach(region.clone(), Policy::DropOldest, max, StartAt::Oldest)?;
/// tx.insert(b"tick 1")?;
/// let mut b = Consumer::attach(region.clone(), Policy::DropOldest, max, StartAt::Newest)?;
/// tx.insert(b"tick 2")?;
/// assert_eq!(a.try_consume()?, Some(b"tick 1".to_vec()));
/// assert_eq!(a.try_consume()?, Some(b"tick 2".to_vec()));
/// assert_eq!(b.try_consume()?, Some(b"tick 2".to_vec()));
/// assert_eq!(tx.readers().len(), 2);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn broadcast(
    capacity: usize,
    policy: Policy,
    readers: usize,
) -> Result<(Producer<HeapRegion>, HeapRegion), LayoutError> {
    let region = HeapRegion::with_readers(capacity, readers)?;
    let max = max_message_for(capacity as u64) as usize;
    Ok((Producer::new(region.clone(), policy, max)?, region))
}

#[cfg(test)]
mod tests;
