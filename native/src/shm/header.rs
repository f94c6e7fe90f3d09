//! The 1024-byte file header: its lines as structs of atomics, and the checks `open`
//! runs on it. The layout is documented in the [module docs](super).

use std::mem::{align_of, offset_of, size_of};
use std::path::Path;
use std::sync::atomic::{
    AtomicU32, AtomicU64,
    Ordering::{Acquire, Relaxed, Release},
};

use memmap2::MmapRaw;
use mmring_core::spsc::{Control, Policy, ReaderLine, max_message_for};

use super::OpenError;

/// `MMRINGSH` read as a little-endian `u64`.
pub(crate) const MAGIC: u64 = u64::from_le_bytes(*b"MMRINGSH");
/// The layout version this code writes and reads.
pub(crate) const VERSION: u32 = 2;
/// Bytes before the reader lines (broadcast) or the data area.
pub(crate) const HEADER_SIZE: usize = size_of::<FileHeader>();
/// Bytes of one broadcast reader's line, right after the header.
pub(crate) const READER_LINE: usize = size_of::<ReaderLine>();
/// The most readers a broadcast ring admits.
pub const MAX_READERS: usize = 1024;

/// Bytes before the data area of a ring with `readers` broadcast reader lines.
pub(crate) const fn header_size(readers: usize) -> usize {
    HEADER_SIZE + readers * READER_LINE
}
/// The byte the consumer's lock covers: the first of its own line. The lock on it, not
/// its contents, says that a consumer is attached.
pub(crate) const CONSUMER_LOCK_BYTE: u64 = offset_of!(FileHeader, consumer) as u64;

/// The header of a ring file, as the [module docs](super) table it. Every byte is
/// inside an atomic (the other process may write any of them at any time), and each
/// 128-byte line is stored by one side only, or rarely.
#[repr(C)]
pub(crate) struct FileHeader {
    /// What the file is, and who uses it: written once at creation (and the consumer's
    /// pid at each attach).
    pub(crate) meta: Meta,
    /// The producer's own line: stored on every commit, read by the consumer only on
    /// demand.
    pub(crate) producer: Stamp,
    /// The consumer's own line: stored on every consume, read by the producer only on
    /// demand. Its first byte carries the consumer's lock.
    pub(crate) consumer: Stamp,
    /// The futex word: stored only around a consumer's sleep, loaded by the producer
    /// after every commit.
    pub(crate) wake: Wake,
    /// The record protocol's indices.
    pub(crate) control: Control,
    reserved: [AtomicU64; 16],
}

/// The first line of the header.
#[repr(C, align(128))]
pub(crate) struct Meta {
    /// [`MAGIC`].
    pub(crate) magic: AtomicU64,
    /// The layout version; 0 while the producer initialises, published last.
    pub(crate) version: AtomicU32,
    /// [`HEADER_SIZE`]: where the data area starts.
    pub(crate) header_size: AtomicU32,
    /// Bytes in the data area.
    pub(crate) capacity: AtomicU64,
    /// The largest message the producer accepts.
    pub(crate) max_message: AtomicU64,
    /// [`Policy::to_u32`].
    pub(crate) policy: AtomicU32,
    /// The producer's pid, recorded at creation.
    pub(crate) producer_pid: AtomicU32,
    /// Creation time, ns since the Unix epoch.
    pub(crate) created_ns: AtomicU64,
    /// The pid the attached consumer recorded (that of the last consumer, or 0, when
    /// none is attached: the lock, not this field, says whether one is).
    pub(crate) consumer_pid: AtomicU32,
    /// Broadcast reader lines after the header (0: one consumer).
    pub(crate) readers: AtomicU32,
    reserved: [AtomicU32; 18],
}

/// A line holding one side's clock stamp: ns since the Unix epoch of its last commit
/// or consume.
#[repr(C, align(128))]
pub(crate) struct Stamp {
    pub(crate) last_ns: AtomicU64,
    reserved: [AtomicU64; 15],
}

/// The wake line.
#[repr(C, align(128))]
pub(crate) struct Wake {
    /// 1 while the consumer sleeps waiting for records, else 0 (a futex word).
    pub(crate) parked: AtomicU32,
    reserved: [AtomicU32; 31],
}

// The offsets the module docs promise; no padding anywhere.
const _: () = {
    assert!(offset_of!(Meta, version) == 8 && offset_of!(Meta, capacity) == 16);
    assert!(offset_of!(Meta, max_message) == 24 && offset_of!(Meta, policy) == 32);
    assert!(offset_of!(Meta, producer_pid) == 36 && offset_of!(Meta, created_ns) == 40);
    assert!(offset_of!(Meta, consumer_pid) == 48 && size_of::<Meta>() == 128);
    assert!(offset_of!(Meta, readers) == 52);
    // Reader lines are laid over the file right after the header.
    assert!(READER_LINE == 128 && align_of::<ReaderLine>() == 128);
    assert!(size_of::<Stamp>() == 128 && size_of::<Wake>() == 128);
    assert!(offset_of!(FileHeader, producer) == 128);
    assert!(offset_of!(FileHeader, consumer) == 256);
    assert!(offset_of!(FileHeader, wake) == 384);
    assert!(offset_of!(FileHeader, control) == 512);
    assert!(size_of::<Control>() == Control::SIZE && align_of::<FileHeader>() == 128);
    assert!(HEADER_SIZE == 1024);
};

/// The header fields a consumer needs, checked.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fields {
    pub(crate) capacity: usize,
    pub(crate) max_message: usize,
    pub(crate) policy: Policy,
    pub(crate) readers: usize,
}

/// The fields a producer writes once, at creation.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Init {
    pub(crate) capacity: usize,
    pub(crate) max_message: usize,
    pub(crate) policy: Policy,
    pub(crate) pid: u32,
    pub(crate) created_ns: u64,
    pub(crate) readers: usize,
}

impl FileHeader {
    /// The header at the start of `map`, or `None` when the mapping is shorter than a
    /// header.
    pub(crate) fn of(map: &MmapRaw) -> Option<&FileHeader> {
        let base = map.as_ptr();
        // Mappings of offset 0 are page-aligned, so the header is aligned.
        assert_eq!(base as usize % 4096, 0, "mappings start on a page boundary");
        if map.len() < HEADER_SIZE {
            return None;
        }
        // SAFETY: the mapping is at least `HEADER_SIZE` bytes and page-aligned (above),
        // so the header is in bounds and aligned, and lives as long as `map`. Every byte
        // of `FileHeader` is inside an atomic (const-asserted: no padding), atomics have
        // no invalid bit patterns, and the other process touches this memory only
        // through atomics too.
        Some(unsafe { &*(base as *const FileHeader) })
    }

    /// The layout version; 0 while the producer initialises. Acquire: the fields
    /// written before it was published are visible once it reads [`VERSION`].
    pub(crate) fn version(&self) -> u32 {
        self.meta.version.load(Acquire)
    }

    /// Writes every field of the first line except the version (which stays 0). The
    /// rest of a new file is zero already.
    pub(crate) fn write(&self, init: Init) {
        let meta = &self.meta;
        meta.magic.store(MAGIC, Relaxed);
        // Both fit: `readers <= MAX_READERS` (checked by the config).
        meta.header_size
            .store(header_size(init.readers) as u32, Relaxed);
        meta.readers.store(init.readers as u32, Relaxed);
        meta.capacity.store(init.capacity as u64, Relaxed);
        meta.max_message.store(init.max_message as u64, Relaxed);
        meta.policy.store(init.policy.to_u32(), Relaxed);
        meta.producer_pid.store(init.pid, Relaxed);
        meta.created_ns.store(init.created_ns, Relaxed);
    }

    /// Publishes the version: from here on a consumer may open the ring.
    pub(crate) fn publish(&self) {
        self.meta.version.store(VERSION, Release);
    }

    /// Checks every field of a published header against a file of `file_len` bytes.
    /// The magic and version are checked by the caller (which waits on the version).
    pub(crate) fn check(&self, path: &Path, file_len: u64) -> Result<Fields, OpenError> {
        let path = || path.to_path_buf();
        let found = self.meta.header_size.load(Relaxed);
        let readers = self.meta.readers.load(Relaxed) as usize;
        if readers > MAX_READERS || found as usize != header_size(readers) {
            return Err(OpenError::HeaderSize {
                path: path(),
                found,
            });
        }
        let capacity = self.meta.capacity.load(Relaxed);
        let expected = check_capacity(capacity, readers).ok_or_else(|| OpenError::BadCapacity {
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
        let max = self.meta.max_message.load(Relaxed);
        let limit = max_message_for(capacity);
        if max > limit {
            return Err(OpenError::BadMaxMessage {
                path: path(),
                max,
                limit,
            });
        }
        let stored = self.meta.policy.load(Relaxed);
        let policy = Policy::from_u32(stored).ok_or_else(|| OpenError::BadPolicy {
            path: path(),
            found: stored,
        })?;
        Ok(Fields {
            // Both fit: `expected` fits `usize` (checked) and `max <= capacity`.
            capacity: capacity as usize,
            max_message: max as usize,
            policy,
            readers,
        })
    }
}

/// The file length for a data area of `capacity` bytes after `readers` reader lines, if
/// that capacity is valid (a power of two ≥ 32 whose file fits the address space).
pub(crate) fn check_capacity(capacity: u64, readers: usize) -> Option<u64> {
    let valid = capacity.is_power_of_two() && capacity >= 32 && readers <= MAX_READERS;
    let len = capacity.checked_add(header_size(readers.min(MAX_READERS)) as u64)?;
    (valid && isize::try_from(len).is_ok()).then_some(len)
}
