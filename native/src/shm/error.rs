//! The errors of the shared-memory ring, one type per operation: [`ConfigError`] for a
//! configuration, [`OpenError`] for `create` and `open`, [`InsertError`] for writing
//! and [`ConsumeError`] for reading. Errors about the file name it; the errors of the
//! data path carry no path, so that they cost no allocation.

use std::io;
use std::path::PathBuf;

use mmring_core::PackedError;
use mmring_core::spsc::LayoutError;
use thiserror::Error;

/// Why an insert was refused; nothing was written. (The protocol's own error: an
/// insert can only fail these two ways.)
pub use mmring_core::spsc::InsertError;

/// A configuration [`ShmProducer::create`](super::ShmProducer::create) (or, for the
/// name, [`ShmConsumer::open`](super::ShmConsumer::open)) cannot use.
///
/// ```
/// use mmring_native::shm::{ConfigError, ShmConfig};
///
/// let err = ShmConfig::new("a/b", 4096).validate().unwrap_err();
/// assert!(matches!(err, ConfigError::BadName { .. }));
/// let err = ShmConfig::new("ok", 1000).validate().unwrap_err();
/// assert!(matches!(err, ConfigError::BadCapacity { capacity: 1000, .. }));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The name given to [`ShmConfig::new`](super::ShmConfig::new) is not a valid ring
    /// name.
    #[error(
        "invalid ring name {name:?}: {reason}; a ring name is 1 to 248 bytes of \
         A-Z a-z 0-9 . _ - and not \".\" or \"..\""
    )]
    BadName {
        /// The name as given.
        name: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The capacity asked for is not a power of two of at least 32 bytes.
    #[error(
        "capacity {capacity} for {path} is invalid: the data area must be a power of two \
         of at least 32 bytes (and fit the address space)"
    )]
    BadCapacity {
        /// The ring file.
        path: PathBuf,
        /// The capacity in bytes.
        capacity: u64,
    },
    /// The largest message asked for does not fit one record of this capacity.
    #[error(
        "max message size {max} for {path} is invalid: at most {limit} \
         (capacity / 2 - 16) for this capacity"
    )]
    BadMaxMessage {
        /// The ring file.
        path: PathBuf,
        /// The size asked for.
        max: u64,
        /// The largest valid value for this capacity.
        limit: u64,
    },
    /// More broadcast readers asked for than a ring admits.
    #[error("{readers} readers for {path} is too many: a broadcast ring admits at most {limit}")]
    TooManyReaders {
        /// The ring file.
        path: PathBuf,
        /// The count asked for.
        readers: usize,
        /// [`MAX_READERS`](super::MAX_READERS).
        limit: usize,
    },
}

/// Why [`ShmProducer::create`](super::ShmProducer::create) or
/// [`ShmConsumer::open`](super::ShmConsumer::open) failed: a bad configuration, a
/// ring in use, no room, or a file that is not a valid ring (never a panic or a
/// `SIGBUS`).
///
/// ```
/// use mmring_native::shm::{OpenError, ShmConfig, ShmConsumer};
///
/// let path = std::env::temp_dir().join(format!("mmring-doc-missing-{}", std::process::id()));
/// match ShmConsumer::open(&ShmConfig::at_path(&path, 4096)) {
///     Err(OpenError::Missing { path: p }) => assert_eq!(p, path),
///     other => panic!("unexpected {other:?}"),
/// }
/// ```
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum OpenError {
    /// The configuration is invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A live producer holds the file; `create` does not reset it.
    #[error(
        "{path} is in use by a live producer (pid {pid} according to its header): \
         stop it or use another path"
    )]
    InUse {
        /// The file.
        path: PathBuf,
        /// The producer pid recorded in the header (0 if unreadable).
        pid: u32,
    },
    /// Another consumer is attached to the ring (and its process is alive); a ring has
    /// one consumer at a time.
    #[error(
        "{path} already has a consumer (pid {pid}); a ring has one consumer at a time: \
         stop that one first (a consumer that died frees the ring at once)"
    )]
    ConsumerInUse {
        /// The file.
        path: PathBuf,
        /// The pid the attached consumer recorded (0 if it has not recorded it yet).
        pid: u32,
    },
    /// Every reader slot of a broadcast ring is held by a live reader.
    #[error(
        "all {limit} reader slots of the broadcast ring are taken by live readers: \
         detach one, or create the ring with more (ShmConfig::readers)"
    )]
    ReadersFull {
        /// How many readers the ring admits ([`ShmConfig::readers`](super::ShmConfig::readers)).
        limit: usize,
    },
    /// The file system has no room for the ring file: free space (for `/dev/shm`,
    /// memory) or ask for a smaller capacity. Checked when the ring is created, so
    /// that it never shows later as a `SIGBUS`.
    #[error(
        "no space for the {needed}-byte ring file {path}: free space on its file system \
         (for /dev/shm, memory) or use a smaller capacity"
    )]
    NoSpace {
        /// The file.
        path: PathBuf,
        /// The file's size in bytes.
        needed: u64,
    },
    /// The ring file does not exist: start the producer first, or check the path.
    #[error("no ring file at {path}: start the producer first or check the path")]
    Missing {
        /// The path that was opened.
        path: PathBuf,
    },
    /// The file is shorter than its header, or than header plus data area.
    #[error(
        "{path} is {len} bytes, shorter than the {need} bytes a ring needs: \
         not a ring file, or truncated"
    )]
    TooShort {
        /// The file.
        path: PathBuf,
        /// Its length in bytes.
        len: u64,
        /// The length it needs.
        need: u64,
    },
    /// The file does not start with the magic number `MMRINGSH`.
    #[error("{path} is not an mmring shared-memory ring (magic {found:#018x})")]
    BadMagic {
        /// The file.
        path: PathBuf,
        /// The first 8 bytes, as a native-endian `u64`.
        found: u64,
    },
    /// The layout version is not one this library reads.
    #[error(
        "{path} has layout version {found}; this mmring reads version 2: \
         use the same mmring version on both sides"
    )]
    UnknownVersion {
        /// The file.
        path: PathBuf,
        /// The version found.
        found: u32,
    },
    /// The producer did not finish initialising the file within
    /// [`open_timeout`](super::ShmConfig::open_timeout).
    #[error("{path} was not initialised by its producer within {waited_ms} ms")]
    NotReady {
        /// The file.
        path: PathBuf,
        /// How long `open` waited, in milliseconds.
        waited_ms: u64,
    },
    /// The header size field is not the layout's.
    #[error("{path} has a header of {found} bytes; layout version 2 has 1024")]
    HeaderSize {
        /// The file.
        path: PathBuf,
        /// The header size found.
        found: u32,
    },
    /// The capacity in the header is not a power of two ≥ 32.
    #[error("{path} records capacity {capacity}, not a power of two of at least 32 bytes")]
    BadCapacity {
        /// The file.
        path: PathBuf,
        /// The capacity recorded.
        capacity: u64,
    },
    /// The file is longer than its header says (header plus data area).
    #[error("{path} is {file} bytes but its header describes {expected} bytes")]
    SizeMismatch {
        /// The file.
        path: PathBuf,
        /// The file's length.
        file: u64,
        /// Header size plus capacity.
        expected: u64,
    },
    /// The largest message in the header does not fit one record.
    #[error(
        "{path} records max message size {max}, more than the {limit} bytes \
         (capacity / 2 - 16) one record can carry"
    )]
    BadMaxMessage {
        /// The file.
        path: PathBuf,
        /// The size recorded.
        max: u64,
        /// The largest valid value for this capacity.
        limit: u64,
    },
    /// The overflow policy stored in the header is unknown.
    #[error("{path} stores an unknown overflow policy {found}")]
    BadPolicy {
        /// The file.
        path: PathBuf,
        /// The stored value.
        found: u32,
    },
    /// The shared indices are inconsistent (a corrupt file).
    #[error("{path}: {source}")]
    Layout {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        #[source]
        source: LayoutError,
    },
    /// An operating-system call on the file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: io::Error,
    },
}

/// Why a read returned no message.
///
/// ```
/// use std::time::Duration;
/// use mmring_native::shm::{ConsumeError, ShmConfig, ShmConsumer, ShmProducer};
///
/// let path = std::env::temp_dir().join(format!("mmring-doc-cerr-{}", std::process::id()));
/// let config = ShmConfig::at_path(&path, 4096).with_unlink_on_close(true);
/// let _tx = ShmProducer::create(&config)?;
/// let mut rx = ShmConsumer::open(&config)?;
/// let err = rx.consume_timeout(Duration::from_millis(1)).unwrap_err();
/// assert!(matches!(err, ConsumeError::Timeout));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ConsumeError {
    /// An invalid record or index in the ring that the producer is not overwriting;
    /// the consumer stays where it was.
    #[error(transparent)]
    Corrupt(#[from] mmring_core::spsc::ConsumeError),
    /// No message arrived within the timeout.
    #[error("no message arrived within the timeout")]
    Timeout,
    /// A record taken by a packed read is not a valid packed frame (it is consumed).
    #[error(transparent)]
    Frame(#[from] PackedError),
    /// The helper thread behind [`aconsume`](super::ShmConsumer::aconsume) could not
    /// be started.
    #[error("cannot start the thread that waits for aconsume: {0}")]
    Waiter(#[source] io::Error),
}
