//! The memory the protocol runs over: a control block of indices and a data area of
//! 8-byte words, both only ever touched atomically.

#[cfg(not(loom))]
use std::sync::{
    Arc,
    atomic::{
        AtomicU64,
        Ordering::{AcqRel, Acquire, Relaxed},
    },
};

#[cfg(loom)]
use loom::sync::{
    Arc,
    atomic::{
        AtomicU64,
        Ordering::{AcqRel, Acquire, Relaxed},
    },
};

use super::LayoutError;

/// The producer's 128-byte line, stored on every commit. Only the producer stores to
/// it.
#[repr(C, align(128))]
#[derive(Debug, Default)]
pub(super) struct ProducerLine {
    /// Position just past the last committed record; records below it are complete.
    pub(super) write_pos: AtomicU64,
    /// Position of the newest committed record (meaningless while `written` is 0).
    /// Published after `write_pos`.
    pub(super) newest: AtomicU64,
    /// Messages committed so far; also the sequence number of the next message.
    /// Published before `write_pos`.
    pub(super) written: AtomicU64,
    reserved: Reserved<13>,
}

/// A reader's 128-byte line: the consumer's in [`Control`], and each broadcast reader's
/// in [`Region::readers`]. Exactly 128 bytes, every one inside an atomic (`repr(C)`,
/// no padding), so a transport may lay an array of them over shared memory. Stored by its reader on every consume (`read_pos` first, then
/// `read_seq`, then `read`); the producer reads it only under
/// [`Policy::Reject`](super::Policy::Reject) when its cached position says the ring is
/// full. The reader dropped `read_seq - read` messages: derived rather than stored, so
/// that a reader killed between its stores cannot leave its counters inconsistent.
///
/// A broadcast reader's line also carries `state`, odd while a reader is attached (each
/// attach moves it to a new odd number, each detach to the next even one), and `owner`,
/// a number the transport records for the reader (the pid, for shared memory). The
/// consumer's line in [`Control`] leaves both zero.
#[repr(C, align(128))]
#[derive(Debug, Default)]
pub struct ReaderLine {
    /// Position of the next record to read; [`HOLD`] while a broadcast reader attaches.
    pub(super) read_pos: AtomicU64,
    /// Sequence number the reader expects next.
    pub(super) read_seq: AtomicU64,
    /// Messages consumed so far (a broadcast reader starts it at its first `read_seq`).
    pub(super) read: AtomicU64,
    /// Odd while attached; see above.
    pub(super) state: AtomicU64,
    /// Recorded by the transport for whoever holds the line.
    pub(super) owner: AtomicU64,
    /// `read` when the broadcast reader attached: it has received `read - first`.
    pub(super) first: AtomicU64,
    /// Kept by the transport (the time of the last consume, for shared memory).
    pub(super) stamp: AtomicU64,
    reserved: Reserved<9>,
}

/// The `read_pos` of a broadcast reader that is attaching: the producer evicts nothing
/// while it sees it.
pub(super) const HOLD: u64 = u64::MAX;

impl ReaderLine {
    /// The number the transport recorded for the reader on this line (0 when none).
    pub fn owner(&self) -> u64 {
        self.owner.load(Relaxed)
    }

    /// Records `owner` for the reader on this line.
    pub fn set_owner(&self, owner: u64) {
        self.owner.store(owner, Relaxed);
    }

    /// Whether a reader is attached (or was, and died without detaching).
    pub fn is_attached(&self) -> bool {
        self.state.load(Acquire) & 1 == 1
    }

    /// The number the transport keeps beside the reader's cursor (0 when none).
    pub fn stamp(&self) -> u64 {
        self.stamp.load(Relaxed)
    }

    /// Stores the number the transport keeps beside the reader's cursor.
    pub fn set_stamp(&self, stamp: u64) {
        self.stamp.store(stamp, Relaxed);
    }
}

/// A 128-byte line of fields stored only on eviction. Kept apart from the two hot
/// lines so that the consumer's per-message check of `oldest` reads a line that does
/// not change while messages stream without overflow.
#[repr(C, align(128))]
#[derive(Debug, Default)]
pub(super) struct ColdLine {
    /// Position of the oldest record the producer has not evicted. Published (with a
    /// release fence) before the producer writes over anything below it.
    pub(super) oldest: AtomicU64,
    /// Sequence number of the first message at or after `oldest`. Published after
    /// `oldest`.
    pub(super) oldest_seq: AtomicU64,
    reserved: Reserved<14>,
}

/// The rest of a line: never read or written by the protocol, but atomics all the
/// same, so that every byte of the block the other process may write lies inside an
/// atomic (a shared reference to plain bytes another process changes would be
/// undefined behaviour).
#[repr(transparent)]
struct Reserved<const WORDS: usize>([AtomicU64; WORDS]);

impl<const WORDS: usize> Default for Reserved<WORDS> {
    fn default() -> Self {
        Self(std::array::from_fn(|_| AtomicU64::new(0)))
    }
}

impl<const WORDS: usize> std::fmt::Debug for Reserved<WORDS> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{WORDS} reserved words")
    }
}

/// The indices shared by the two sides: 384 bytes, three 128-byte lines, laid out as
/// the [module docs](super#control-block) table them. Its fields are the protocol's
/// own; a transport learns the state through [`has_data`](Self::has_data) and the
/// methods of [`Producer`](super::Producer) and [`Consumer`](super::Consumer).
#[repr(C)]
#[derive(Debug, Default)]
pub struct Control {
    /// Stored by the producer on every commit.
    pub(super) producer: ProducerLine,
    /// Stored by the consumer on every consume.
    pub(super) consumer: ReaderLine,
    /// Stored on eviction.
    pub(super) cold: ColdLine,
}

// The layout the module docs promise (and a file format depends on). Loom's atomics
// are larger: its models do not map files.
#[cfg(not(loom))]
const _: () = {
    use std::mem::{align_of, offset_of, size_of};
    assert!(offset_of!(Control, producer) == 0);
    assert!(offset_of!(Control, consumer) == 128);
    assert!(offset_of!(Control, cold) == 256);
    assert!(offset_of!(ProducerLine, write_pos) == 0);
    assert!(offset_of!(ProducerLine, newest) == 8);
    assert!(offset_of!(ProducerLine, written) == 16);
    assert!(offset_of!(ReaderLine, read_pos) == 0);
    assert!(offset_of!(ReaderLine, read_seq) == 8);
    assert!(offset_of!(ReaderLine, read) == 16);
    assert!(offset_of!(ReaderLine, state) == 24);
    assert!(offset_of!(ReaderLine, owner) == 32);
    assert!(offset_of!(ReaderLine, first) == 40);
    assert!(offset_of!(ReaderLine, stamp) == 48);
    assert!(offset_of!(ColdLine, oldest) == 0);
    assert!(offset_of!(ColdLine, oldest_seq) == 8);
    assert!(size_of::<Control>() == Control::SIZE);
    // No padding: every byte is inside an atomic.
    assert!(size_of::<ProducerLine>() == 128 && size_of::<ReaderLine>() == 128);
    assert!(size_of::<ColdLine>() == 128);
    assert!(align_of::<Control>() == 128);
};

impl Control {
    /// Bytes the control block occupies: three 128-byte lines.
    pub const SIZE: usize = 384;

    /// Whether a committed record may be there to read: the producer's position is
    /// past both the consumer's and the oldest record not evicted. A snapshot, cheap
    /// enough to poll (three loads, two of lines that change only when there is news):
    /// a waiting consumer checks it before and after announcing that it sleeps.
    ///
    /// (With `oldest` equal to the write position the producer has evicted everything
    /// for a record it is still writing: nothing to read, so a waiting consumer sleeps
    /// even if that producer died there, instead of spinning.)
    ///
    /// ```
    /// use mmring_core::spsc::{self, Policy, Region};
    ///
    /// let (mut tx, rx) = spsc::channel(64, Policy::Reject)?;
    /// assert!(!rx.region().control().has_data());
    /// tx.insert(b"x")?;
    /// assert!(rx.region().control().has_data());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn has_data(&self) -> bool {
        self.has_data_for(&self.consumer)
    }

    /// [`has_data`](Self::has_data) for the reader on `line` (a broadcast reader's, of
    /// the same region).
    ///
    /// ```
    /// use mmring_core::spsc::{self, Consumer, Policy, Region, StartAt};
    ///
    /// let (mut tx, region) = spsc::broadcast(64, Policy::DropOldest, 1)?;
    /// let rx = Consumer::attach(region.clone(), Policy::DropOldest, 16, StartAt::Oldest)?;
    /// let line = &region.readers()[rx.slot().unwrap()];
    /// assert!(!region.control().has_data_for(line));
    /// tx.insert(b"x")?;
    /// assert!(region.control().has_data_for(line));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn has_data_for(&self, line: &ReaderLine) -> bool {
        let write_pos = self.producer.write_pos.load(Acquire);
        let oldest = self.cold.oldest.load(Relaxed);
        let read_pos = match line.read_pos.load(Relaxed) {
            HOLD => return false,
            pos => pos,
        };
        write_pos > read_pos.max(oldest)
    }
}

/// Memory that carries one ring: a [`Control`] block and a data area of
/// `capacity / 8` words, where `capacity` is a power of two; for broadcast, also one
/// [`ReaderLine`] per reader that may attach.
///
/// Implementations hand out the same memory for as long as they live; the protocol
/// checks the data length itself and never trusts the contents.
pub trait Region {
    /// The shared indices.
    fn control(&self) -> &Control;
    /// The data area as 8-byte words.
    fn data(&self) -> &[AtomicU64];
    /// The broadcast readers' lines; none (the default) for a ring with one consumer.
    fn readers(&self) -> &[ReaderLine] {
        &[]
    }
    /// Claims a free reader line for a reader about to attach through this region, and
    /// returns its index; `None` when all are taken. The claim must be exclusive: no
    /// other live reader may hold the line until this one detaches or dies.
    ///
    /// The default suits readers that cannot die without detaching (threads of one
    /// process): it takes a line whose `state` is even by moving it to odd.
    fn claim_reader(&self) -> Option<usize> {
        self.readers().iter().position(|line| {
            let state = line.state.load(Relaxed);
            state & 1 == 0
                && line
                    .state
                    .compare_exchange(state, state + 1, AcqRel, Relaxed)
                    .is_ok()
        })
    }
    /// Whether the reader attached on line `slot` still lives. The producer asks only
    /// when that reader is the one holding it back. The default says yes: readers of
    /// one process detach when dropped.
    fn reader_alive(&self, slot: usize) -> bool {
        let _ = slot;
        true
    }
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
    readers: Box<[ReaderLine]>,
}

impl HeapRegion {
    /// Zeroed memory for a data area of `capacity` bytes.
    ///
    /// # Errors
    /// [`LayoutError::Capacity`] unless `capacity` is a power of two ≥ 32.
    pub fn new(capacity: usize) -> Result<Self, LayoutError> {
        Self::with_readers(capacity, 0)
    }

    /// Zeroed memory for a data area of `capacity` bytes and `readers` broadcast reader
    /// lines (see [`broadcast`](super::broadcast)).
    ///
    /// # Errors
    /// [`LayoutError::Capacity`] unless `capacity` is a power of two ≥ 32.
    pub fn with_readers(capacity: usize, readers: usize) -> Result<Self, LayoutError> {
        check_capacity(capacity as u64)?;
        let data = (0..capacity / 8).map(|_| AtomicU64::new(0)).collect();
        Ok(Self {
            inner: Arc::new(HeapInner {
                control: Control::default(),
                data,
                readers: (0..readers).map(|_| ReaderLine::default()).collect(),
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

    fn readers(&self) -> &[ReaderLine] {
        &self.inner.readers
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
