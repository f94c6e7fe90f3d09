//! The ring file: creating, replacing and opening it, the producer's lock, and the
//! mapping that implements the protocol's [`Region`].

use std::fs::{self, File, OpenOptions};
use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::ptr::NonNull;
use std::slice;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

use memmap2::{MmapOptions, MmapRaw};
use mmring_core::spsc::{Control, ReaderLine, Region};

use super::header::{self, Fields, FileHeader, HEADER_SIZE, Init, MAGIC, READER_LINE, VERSION};
use super::{OpenError, ShmConfig, wait};

/// A mapped ring file: header, control block and data area, shared with the other
/// process.
#[derive(Debug)]
pub(crate) struct SharedFile {
    /// Exactly `header_size(readers) + capacity` bytes, mapped shared and read-write.
    map: MmapRaw,
    /// The header at the start of `map`, checked once when it was mapped (every
    /// protocol step reaches the control block through it).
    header: NonNull<FileHeader>,
    /// Kept open: the producer's `flock` lives as long as this descriptor.
    file: File,
    capacity: usize,
    /// Broadcast reader lines between the header and the data area.
    readers: usize,
    path: PathBuf,
}

/// The protocol's view of a [`SharedFile`]; clones share the mapping.
#[derive(Debug, Clone)]
pub(crate) struct MappedRegion {
    shared: Arc<SharedFile>,
}

// SAFETY: `header` points into `map`, which is `Send + Sync`, and is only used to reach
// the header's atomics, which any thread may access.
unsafe impl Send for SharedFile {}
// SAFETY: as above.
unsafe impl Sync for SharedFile {}

impl Region for MappedRegion {
    #[inline]
    fn control(&self) -> &Control {
        &self.header().control
    }

    #[inline]
    fn data(&self) -> &[AtomicU64] {
        // SAFETY: `header_size(readers)..+ capacity` is the end of the mapping (whose
        // length `map` was given), 8-aligned (the header size is a multiple of 128 and
        // the mapping page-aligned), and lives as long as `self`. Any bit pattern is a
        // valid `AtomicU64`, and both processes access the data area only atomically.
        unsafe {
            slice::from_raw_parts(
                self.shared
                    .map
                    .as_ptr()
                    .add(header::header_size(self.shared.readers))
                    as *const AtomicU64,
                self.shared.capacity / 8,
            )
        }
    }

    #[inline]
    fn readers(&self) -> &[ReaderLine] {
        // SAFETY: `HEADER_SIZE..header_size(readers)` is inside the mapping (`map` was
        // given its length), 128-aligned (HEADER_SIZE is a multiple of 128 and the
        // mapping page-aligned), and lives as long as `self`. `ReaderLine` is 128 bytes
        // of atomics without padding (const-asserted in core and in `header`), so any
        // bit pattern is valid, and every process touches these lines only atomically.
        unsafe {
            slice::from_raw_parts(
                self.shared.map.as_ptr().add(HEADER_SIZE) as *const ReaderLine,
                self.shared.readers,
            )
        }
    }

    /// Takes the first reader line whose lock byte (its first byte) no other open file
    /// holds: the lock lasts as long as this mapping, and dies with its process.
    fn claim_reader(&self) -> Option<usize> {
        (0..self.shared.readers).find(|&slot| {
            matches!(
                try_lock_byte(&self.shared.file, reader_lock_byte(slot)),
                Ok(true)
            )
        })
    }

    /// Whether some open file still holds the lock of line `slot`: a reader that died
    /// lost it with its process. When the kernel cannot tell, it counts as alive.
    fn reader_alive(&self, slot: usize) -> bool {
        lock_held_elsewhere(&self.shared.file, reader_lock_byte(slot)).unwrap_or(true)
    }
}

/// The byte of the file that broadcast reader `slot`'s lock covers: the first of its
/// line.
fn reader_lock_byte(slot: usize) -> u64 {
    (HEADER_SIZE + slot * READER_LINE) as u64
}

impl MappedRegion {
    /// Maps the whole of `file`, which the caller has checked is exactly `len` =
    /// `header_size(readers) + capacity` bytes long (a shorter file would fault on
    /// access).
    fn map(
        file: File,
        len: u64,
        capacity: usize,
        readers: usize,
        path: PathBuf,
    ) -> io::Result<Self> {
        if len != (header::header_size(readers) + capacity) as u64 {
            return Err(io::Error::other("a ring file of the wrong length"));
        }
        let map = MmapOptions::new().len(len as usize).map_raw(&file)?;
        let header = FileHeader::of(&map)
            .map(NonNull::from)
            .ok_or_else(|| io::Error::other("a ring mapping is shorter than its header"))?;
        Ok(Self {
            shared: Arc::new(SharedFile {
                map,
                header,
                file,
                capacity,
                readers,
                path,
            }),
        })
    }

    /// The mapped header.
    #[inline]
    pub(crate) fn header(&self) -> &FileHeader {
        // SAFETY: `header` was made by `FileHeader::of` from `map`, which lives (mapped)
        // as long as `self.shared`, so the reference cannot outlive the mapping.
        unsafe { self.shared.header.as_ref() }
    }

    /// The file's path.
    pub(crate) fn path(&self) -> &Path {
        &self.shared.path
    }

    /// Takes the consumer's lock on this file (held until the mapping is dropped, or
    /// the process dies) and records our pid beside it.
    fn attach_consumer(&self) -> Result<(), OpenError> {
        let consumer_pid = || self.header().meta.consumer_pid.load(Relaxed);
        let taken = with_handover(
            || try_lock_byte(&self.shared.file, header::CONSUMER_LOCK_BYTE),
            consumer_pid,
        )
        .map_err(|source| OpenError::Io {
            path: self.path().to_path_buf(),
            source,
        })?;
        if !taken {
            return Err(OpenError::ConsumerInUse {
                path: self.path().to_path_buf(),
                pid: consumer_pid(),
            });
        }
        let pid = std::process::id();
        self.header().meta.consumer_pid.store(pid, Relaxed);
        Ok(())
    }

    /// Removes the file if its path still names this file (and not a newer ring).
    pub(crate) fn unlink(&self) -> io::Result<()> {
        if same_file(&self.shared.file, &self.shared.path)? {
            fs::remove_file(&self.shared.path)?;
        }
        Ok(())
    }
}

/// Creates the ring file of `config` for a producer, refusing one that a live producer
/// holds and replacing a stale one.
///
/// A producer holds an exclusive `flock` on its file for as long as it lives; the
/// kernel drops it when the process dies, however it dies. The new file is built and
/// published under a temporary name and then moved into place (`link` for a new path,
/// `rename` over a stale file), so no process ever sees it half-initialised, and a
/// stale file that an old consumer still maps is never truncated under it.
pub(crate) fn create(config: &ShmConfig) -> Result<MappedRegion, OpenError> {
    let len = config.validate()?;
    let path = &config.path;
    let io_err = |source| OpenError::Io {
        path: path.clone(),
        source,
    };
    let init = Init {
        capacity: config.capacity_bytes,
        max_message: config.max_message(),
        policy: config.policy,
        pid: std::process::id(),
        created_ns: wait::now_ns(),
        readers: config.readers,
    };
    // Each pass either finishes or saw another producer move a file into place.
    for _ in 0..64 {
        match OpenOptions::new().read(true).write(true).open(path) {
            Ok(old) => {
                if !with_handover(|| try_lock(&old), || recorded_pid(&old)).map_err(io_err)? {
                    return Err(OpenError::InUse {
                        path: path.clone(),
                        pid: recorded_pid(&old),
                    });
                }
                if !same_file(&old, path).map_err(io_err)? {
                    continue;
                }
                // We hold the stale file's lock: no other producer can replace it now.
                let fresh = Fresh::build(path, len, init)?;
                fs::rename(&fresh.tmp, path).map_err(io_err)?;
                return Ok(fresh.finish());
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let fresh = Fresh::build(path, len, init)?;
                match fs::hard_link(&fresh.tmp, path) {
                    Ok(()) => return Ok(fresh.finish()),
                    Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                    Err(e) => return Err(io_err(e)),
                }
            }
            Err(e) => return Err(io_err(e)),
        }
    }
    Err(io_err(io::Error::other(
        "other producers keep replacing the file; giving up",
    )))
}

/// Opens the ring file of `config` for a consumer, waiting up to `open_timeout` for a
/// producer to publish it.
pub(crate) fn open(config: &ShmConfig) -> Result<(MappedRegion, Fields), OpenError> {
    config.check_name()?;
    let path = &config.path;
    let io_err = |source| OpenError::Io {
        path: path.clone(),
        source,
    };
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => OpenError::Missing { path: path.clone() },
            _ => io_err(e),
        })?;
    let started = Instant::now();
    loop {
        let len = file.metadata().map_err(io_err)?.len();
        if len < HEADER_SIZE as u64 {
            return Err(OpenError::TooShort {
                path: path.clone(),
                len,
                need: HEADER_SIZE as u64,
            });
        }
        // Only the header: the file is at least that long (checked just above).
        let head = MmapOptions::new()
            .len(HEADER_SIZE)
            .map_raw(&file)
            .map_err(io_err)?;
        let header = FileHeader::of(&head).expect("mapped a whole header");
        let (magic, version) = (header.meta.magic.load(Relaxed), header.version());
        if version == 0 && (magic == MAGIC || magic == 0) {
            // Still being initialised (the version is published last).
            let waited = started.elapsed();
            if waited >= config.open_timeout {
                return Err(OpenError::NotReady {
                    path: path.clone(),
                    waited_ms: waited.as_millis() as u64,
                });
            }
            std::thread::sleep((config.open_timeout - waited).min(Duration::from_millis(1)));
            continue;
        }
        if magic != MAGIC {
            return Err(OpenError::BadMagic {
                path: path.clone(),
                found: magic,
            });
        }
        if version != VERSION {
            return Err(OpenError::UnknownVersion {
                path: path.clone(),
                found: version,
            });
        }
        let fields = header.check(path, len)?;
        drop(head);
        // The whole file, whose length `check` found equal to header plus capacity.
        let region = MappedRegion::map(file, len, fields.capacity, fields.readers, path.clone())
            .map_err(io_err)?;
        // A broadcast reader claims a line of its own when it attaches.
        if fields.readers == 0 {
            region.attach_consumer()?;
        }
        return Ok((region, fields));
    }
}

/// A new, initialised ring file under a temporary name beside its final path, locked
/// by us. Removed on drop unless [`finish`](Self::finish)ed.
struct Fresh {
    tmp: PathBuf,
    region: Option<MappedRegion>,
}

impl Fresh {
    fn build(path: &Path, len: u64, init: Init) -> Result<Self, OpenError> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        // Short and independent of the ring's name, so that every valid name fits;
        // the leading dot keeps it out of listings of ring files.
        let tmp = path.with_file_name(format!(
            ".mmring-tmp-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Relaxed)
        ));
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)
            .map_err(|source| OpenError::Io {
                path: path.to_path_buf(),
                source,
            })?;
        let mut fresh = Fresh { tmp, region: None };
        let io_err = |source| OpenError::Io {
            path: fresh.tmp.clone(),
            source,
        };
        if !try_lock(&file).map_err(io_err)? {
            return Err(io_err(io::Error::other("a fresh file is locked")));
        }
        file.set_len(len).map_err(io_err)?;
        reserve(&file, len).map_err(|e| match e.raw_os_error() {
            Some(libc::ENOSPC) => OpenError::NoSpace {
                path: path.to_path_buf(),
                needed: len,
            },
            _ => io_err(e),
        })?;
        // The file was just given this exact length, and nobody else knows its name.
        let region = MappedRegion::map(file, len, init.capacity, init.readers, path.to_path_buf())
            .map_err(io_err)?;
        // A new file reads as zeros: the control block and data area are initialised.
        region.header().write(init);
        region.header().publish();
        fresh.region = Some(region);
        Ok(fresh)
    }

    fn finish(mut self) -> MappedRegion {
        self.region.take().expect("built")
    }
}

impl Drop for Fresh {
    /// The temporary name goes in every case: after `rename` it no longer exists,
    /// after `link` the final name remains, after a failure nothing should.
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.tmp);
    }
}

/// Takes the exclusive producer lock without waiting; `false` when another holds it.
fn try_lock(file: &File) -> io::Result<bool> {
    loop {
        // SAFETY: a plain system call on a descriptor we own.
        if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0 {
            return Ok(true);
        }
        let err = io::Error::last_os_error();
        match err.raw_os_error() {
            Some(libc::EINTR) => continue,
            Some(libc::EWOULDBLOCK) => return Ok(false),
            _ => return Err(err),
        }
    }
}

/// How long a lock may stay held after its recorded holder let go, before it counts as
/// taken: see [`with_handover`].
const HANDOVER: Duration = Duration::from_millis(100);

/// Runs `try_take` (a non-blocking lock attempt) and, while it fails and `holder` (the
/// pid the file records for the lock) is this process, no process (0) or a dead one,
/// tries again for up to [`HANDOVER`].
///
/// A lock belongs to an open file, and the kernel keeps an open file alive while any
/// descriptor or mapping of it exists, including the copies a child gets from `fork`
/// (or `posix_spawn`) until it calls `exec` and sheds them. So a ring closed by this
/// process, or by one that just died, can stay locked for a moment when any thread of
/// the process starts a child at that time; and a new holder takes the lock a moment
/// before it records its pid. Within the grace both clear up; a lock whose recorded
/// holder is another live process is refused at once.
fn with_handover(
    mut try_take: impl FnMut() -> io::Result<bool>,
    holder: impl Fn() -> u32,
) -> io::Result<bool> {
    let started = Instant::now();
    loop {
        if try_take()? {
            return Ok(true);
        }
        let pid = holder();
        let leaving = pid == 0 || pid == std::process::id() || !alive(pid);
        if !leaving || started.elapsed() >= HANDOVER {
            return Ok(false);
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Whether a process with this pid exists (in our pid namespace); `true` when unsure.
fn alive(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return true;
    };
    // SAFETY: signal 0 only checks that the process exists; it delivers nothing.
    let found = unsafe { libc::kill(pid, 0) } == 0;
    found || io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
}

/// Allocates every page of the file's first `len` bytes, so that a full file system
/// fails here with `ENOSPC` instead of raising `SIGBUS` at the first write to a page
/// that could not be backed.
#[cfg(target_os = "linux")]
fn reserve(file: &File, len: u64) -> io::Result<()> {
    let len = libc::off_t::try_from(len).map_err(|_| io::Error::from_raw_os_error(libc::EFBIG))?;
    loop {
        // SAFETY: a plain system call on a descriptor we own; it reads no memory of
        // ours.
        match unsafe { libc::posix_fallocate(file.as_raw_fd(), 0, len) } {
            0 => return Ok(()),
            libc::EINTR => continue,
            code => return Err(io::Error::from_raw_os_error(code)),
        }
    }
}

/// Elsewhere there is no portable reservation: the pages are backed on first use.
#[cfg(not(target_os = "linux"))]
fn reserve(_: &File, _: u64) -> io::Result<()> {
    Ok(())
}

/// Takes an exclusive lock on byte `at` of `file` without waiting; `false` when
/// another open file holds it. The lock belongs to this open file (an "open file
/// description" lock on Linux): it lasts until every descriptor of it is closed, which
/// the kernel does however the process ends, and it conflicts with locks taken
/// through other opens of the file, in this process too.
fn try_lock_byte(file: &File, at: u64) -> io::Result<bool> {
    #[cfg(target_os = "linux")]
    const SET_LOCK: libc::c_int = libc::F_OFD_SETLK;
    // Elsewhere a classic record lock: per process, and dropped when the process
    // closes any descriptor of the file.
    #[cfg(not(target_os = "linux"))]
    const SET_LOCK: libc::c_int = libc::F_SETLK;
    let lock = write_lock_of_byte(at);
    loop {
        // SAFETY: `lock` is a valid, initialised `flock` that outlives the call, which
        // only reads it for F_(OFD_)SETLK.
        if unsafe { libc::fcntl(file.as_raw_fd(), SET_LOCK, &lock as *const libc::flock) } == 0 {
            return Ok(true);
        }
        let err = io::Error::last_os_error();
        match err.raw_os_error() {
            Some(libc::EINTR) => continue,
            Some(libc::EACCES | libc::EAGAIN) => return Ok(false),
            _ => return Err(err),
        }
    }
}

/// An exclusive lock request on byte `at`.
fn write_lock_of_byte(at: u64) -> libc::flock {
    // SAFETY: `flock` is a plain C struct for which all zeros is a valid value.
    let mut lock: libc::flock = unsafe { std::mem::zeroed() };
    lock.l_type = libc::F_WRLCK as _;
    lock.l_whence = libc::SEEK_SET as _;
    lock.l_start = at as libc::off_t;
    lock.l_len = 1;
    lock
}

/// Whether an open file other than `file` holds a lock on byte `at` (an "open file
/// description" lock query on Linux; elsewhere a classic one, which cannot see locks
/// of this process).
fn lock_held_elsewhere(file: &File, at: u64) -> io::Result<bool> {
    #[cfg(target_os = "linux")]
    const GET_LOCK: libc::c_int = libc::F_OFD_GETLK;
    #[cfg(not(target_os = "linux"))]
    const GET_LOCK: libc::c_int = libc::F_GETLK;
    let mut lock = write_lock_of_byte(at);
    // SAFETY: `lock` is a valid, initialised `flock` that outlives the call, which
    // writes the conflicting lock (or F_UNLCK) into it.
    if unsafe { libc::fcntl(file.as_raw_fd(), GET_LOCK, &mut lock as *mut libc::flock) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(lock.l_type != libc::F_UNLCK as _)
}

/// Whether `path` still names the file open as `file`.
fn same_file(file: &File, path: &Path) -> io::Result<bool> {
    let open = file.metadata()?;
    match fs::metadata(path) {
        Ok(named) => Ok(named.dev() == open.dev() && named.ino() == open.ino()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e),
    }
}

/// The producer pid in the header of `file`, or 0 when it has none.
fn recorded_pid(file: &File) -> u32 {
    let long_enough = file.metadata().is_ok_and(|m| m.len() >= HEADER_SIZE as u64);
    if !long_enough {
        return 0;
    }
    let Ok(map) = MmapOptions::new().len(HEADER_SIZE).map_raw(file) else {
        return 0;
    };
    FileHeader::of(&map)
        .filter(|h| h.meta.magic.load(Relaxed) == MAGIC)
        .map_or(0, |h| h.meta.producer_pid.load(Relaxed))
}
