//! The 512-byte file header: field offsets, the atomic view of a mapped header, and
//! the checks `open` runs on it. The layout is documented in the [module docs](super).

use std::marker::PhantomData;
use std::mem::{align_of, size_of};
use std::path::Path;
use std::sync::atomic::{
    AtomicU32, AtomicU64,
    Ordering::{Acquire, Relaxed, Release},
};

use memmap2::MmapRaw;
use mmring_core::spsc::{Control, Policy, max_message_for};

use super::OpenError;

/// `MMRINGSH` read as a little-endian `u64`.
pub(crate) const MAGIC: u64 = u64::from_le_bytes(*b"MMRINGSH");
/// The layout version this code writes and reads.
pub(crate) const VERSION: u32 = 2;
/// Bytes before the data area.
pub(crate) const HEADER_SIZE: usize = 1024;

const OFF_MAGIC: usize = 0;
const OFF_VERSION: usize = 8;
const OFF_HEADER_SIZE: usize = 12;
const OFF_CAPACITY: usize = 16;
const OFF_MAX_MESSAGE: usize = 24;
const OFF_POLICY: usize = 32;
const OFF_PID: usize = 36;
const OFF_CREATED: usize = 40;
const OFF_CONSUMER_PID: usize = 48;
/// The producer's own line: stored on every commit, read by the consumer only on demand.
const OFF_LAST_INSERT: usize = 128;
/// The consumer's own line: stored on every consume, read by the producer only on demand.
const OFF_LAST_CONSUME: usize = 256;
/// The wake line: the futex word, stored only around a consumer's sleep; loaded by the
/// producer after every commit.
const OFF_PARKED: usize = 384;
/// Where the protocol's [`Control`] block starts: three 128-byte lines.
pub(crate) const OFF_CONTROL: usize = 512;
/// The byte the consumer's lock covers: the first of its own line. The lock on it, not
/// its contents, says that a consumer is attached.
pub(crate) const CONSUMER_LOCK_BYTE: u64 = OFF_LAST_CONSUME as u64;

const _: () = {
    assert!(OFF_CONTROL % align_of::<Control>() == 0);
    assert!(OFF_CONTROL + Control::SIZE <= HEADER_SIZE);
    assert!(Control::SIZE == size_of::<Control>());
    assert!(OFF_PARKED + 128 <= OFF_CONTROL);
    assert!(HEADER_SIZE % 128 == 0);
};

/// The header fields a consumer needs, checked.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fields {
    pub(crate) capacity: usize,
    pub(crate) max_message: usize,
    pub(crate) policy: Policy,
}

/// The fields a producer writes once, at creation.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Init {
    pub(crate) capacity: usize,
    pub(crate) max_message: usize,
    pub(crate) policy: Policy,
    pub(crate) pid: u32,
    pub(crate) created_ns: u64,
}

/// The header of a mapping, every field an atomic in shared memory.
#[derive(Clone, Copy)]
pub(crate) struct Header<'a> {
    base: *const u8,
    _map: PhantomData<&'a MmapRaw>,
}

impl<'a> Header<'a> {
    /// The header at the start of `map`, or `None` when the mapping is shorter than a
    /// header.
    pub(crate) fn new(map: &'a MmapRaw) -> Option<Self> {
        let base = map.as_ptr();
        // Mappings of offset 0 are page-aligned, so every field is naturally aligned.
        assert_eq!(base as usize % 4096, 0, "mappings start on a page boundary");
        (map.len() >= HEADER_SIZE).then_some(Self {
            base,
            _map: PhantomData,
        })
    }

    /// The magic number.
    pub(crate) fn magic(self) -> u64 {
        self.u64_at(OFF_MAGIC).load(Relaxed)
    }

    /// The layout version; 0 while the producer initialises. Acquire: the fields
    /// written before it was published are visible once it reads 1.
    pub(crate) fn version(self) -> u32 {
        self.u32_at(OFF_VERSION).load(Acquire)
    }

    /// The producer pid recorded at creation.
    pub(crate) fn pid(self) -> u32 {
        self.u32_at(OFF_PID).load(Relaxed)
    }

    /// Creation time, ns since the Unix epoch.
    pub(crate) fn created_ns(self) -> u64 {
        self.u64_at(OFF_CREATED).load(Relaxed)
    }

    /// The pid the attached consumer recorded (that of the last consumer, or 0, when
    /// none is attached; the lock, not this field, says whether one is).
    pub(crate) fn consumer_pid(self) -> u32 {
        self.u32_at(OFF_CONSUMER_PID).load(Relaxed)
    }

    /// Records the pid of the consumer that just took the lock.
    pub(crate) fn set_consumer_pid(self, pid: u32) {
        self.u32_at(OFF_CONSUMER_PID).store(pid, Relaxed);
    }

    /// Wall-clock time of the producer's last commit, ns since the Unix epoch.
    pub(crate) fn last_insert_ns(self) -> &'a AtomicU64 {
        self.u64_at(OFF_LAST_INSERT)
    }

    /// Wall-clock time of the consumer's last consume, ns since the Unix epoch.
    pub(crate) fn last_consume_ns(self) -> &'a AtomicU64 {
        self.u64_at(OFF_LAST_CONSUME)
    }

    /// The futex word: 1 while the consumer sleeps waiting for records, else 0.
    pub(crate) fn parked(self) -> &'a AtomicU32 {
        self.u32_at(OFF_PARKED)
    }

    /// Writes every field except the version (which stays 0), and zeroes the rest of
    /// the header outside the control block. The control block must already be zero
    /// (it is in a new file).
    pub(crate) fn write(self, init: Init) {
        for off in (0..OFF_CONTROL).step_by(8) {
            self.u64_at(off).store(0, Relaxed);
        }
        for off in (OFF_CONTROL + Control::SIZE..HEADER_SIZE).step_by(8) {
            self.u64_at(off).store(0, Relaxed);
        }
        self.u64_at(OFF_MAGIC).store(MAGIC, Relaxed);
        self.u32_at(OFF_HEADER_SIZE)
            .store(HEADER_SIZE as u32, Relaxed);
        self.u64_at(OFF_CAPACITY)
            .store(init.capacity as u64, Relaxed);
        self.u64_at(OFF_MAX_MESSAGE)
            .store(init.max_message as u64, Relaxed);
        self.u32_at(OFF_POLICY).store(init.policy.to_u32(), Relaxed);
        self.u32_at(OFF_PID).store(init.pid, Relaxed);
        self.u64_at(OFF_CREATED).store(init.created_ns, Relaxed);
    }

    /// Publishes the version: from here on a consumer may open the ring.
    pub(crate) fn publish(self) {
        self.u32_at(OFF_VERSION).store(VERSION, Release);
    }

    /// Checks every field of a published header against a file of `file_len` bytes.
    /// The magic and version are checked by the caller (which waits on the version).
    pub(crate) fn check(self, path: &Path, file_len: u64) -> Result<Fields, OpenError> {
        let path = || path.to_path_buf();
        let header_size = self.u32_at(OFF_HEADER_SIZE).load(Relaxed);
        if header_size as usize != HEADER_SIZE {
            return Err(OpenError::HeaderSize {
                path: path(),
                found: header_size,
            });
        }
        let capacity = self.u64_at(OFF_CAPACITY).load(Relaxed);
        let expected = check_capacity(capacity).ok_or_else(|| OpenError::BadCapacity {
            path: path(),
            capacity,
        })?;
        if file_len < expected {
            return Err(OpenError::TooShort {
                path: path(),
                len: file_len,
                need: expected,
            });
        }
        if file_len > expected {
            return Err(OpenError::SizeMismatch {
                path: path(),
                file: file_len,
                expected,
            });
        }
        let max = self.u64_at(OFF_MAX_MESSAGE).load(Relaxed);
        let limit = max_message_for(capacity);
        if max > limit {
            return Err(OpenError::BadMaxMessage {
                path: path(),
                max,
                limit,
            });
        }
        let stored = self.u32_at(OFF_POLICY).load(Relaxed);
        let policy = Policy::from_u32(stored).ok_or_else(|| OpenError::BadPolicy {
            path: path(),
            found: stored,
        })?;
        Ok(Fields {
            // Both fit: `expected` fits `usize` (checked) and `max <= capacity`.
            capacity: capacity as usize,
            max_message: max as usize,
            policy,
        })
    }

    fn u64_at(self, offset: usize) -> &'a AtomicU64 {
        assert!(offset % 8 == 0 && offset + 8 <= HEADER_SIZE);
        // SAFETY: the mapping is at least HEADER_SIZE bytes (checked in `new`) and
        // page-aligned, so `base + offset` is in bounds and 8-aligned; it lives as long
        // as `'a`. An `AtomicU64` has no invalid bit patterns, and the other process
        // only ever changes this memory through atomics of the same size.
        unsafe { &*(self.base.add(offset) as *const AtomicU64) }
    }

    fn u32_at(self, offset: usize) -> &'a AtomicU32 {
        assert!(offset % 4 == 0 && offset + 4 <= HEADER_SIZE);
        // SAFETY: as in `u64_at`, with 4-byte alignment.
        unsafe { &*(self.base.add(offset) as *const AtomicU32) }
    }
}

/// The file length for a data area of `capacity` bytes, if that capacity is valid (a
/// power of two ≥ 32 whose file fits the address space).
pub(crate) fn check_capacity(capacity: u64) -> Option<u64> {
    let valid = capacity.is_power_of_two() && capacity >= 32;
    let len = capacity.checked_add(HEADER_SIZE as u64)?;
    (valid && isize::try_from(len).is_ok()).then_some(len)
}
