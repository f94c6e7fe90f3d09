//! [`ShmError`]: everything that can go wrong with a shared-memory ring.

use std::io;
use std::path::PathBuf;

use mmring_core::spsc::{ConsumeError, InsertError, LayoutError};
use thiserror::Error;

/// Why a shared-memory ring operation failed.
///
/// Errors about the file name it; the errors of the data path (`Full`, `TooLarge`,
/// `Timeout`, `Corrupt`, `CorruptFrame`) carry no path so that they cost no
/// allocation.
///
/// ```
/// use mmring_native::shm::{ShmConfig, ShmConsumer, ShmError};
///
/// let path = std::env::temp_dir().join(format!("mmring-doc-missing-{}", std::process::id()));
/// match ShmConsumer::open(&ShmConfig::at_path(&path, 4096)) {
///     Err(ShmError::Missing { path: p }) => assert_eq!(p, path),
///     other => panic!("unexpected {other:?}"),
/// }
/// ```
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ShmError {
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
    /// The capacity (asked for, or found in a header) is not a power of two ≥ 32.
    #[error(
        "capacity {capacity} for {path} is invalid: the data area must be a power of two \
         of at least 32 bytes (and fit the address space)"
    )]
    BadCapacity {
        /// The file.
        path: PathBuf,
        /// The capacity in bytes.
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
    /// The header size field is not 512.
    #[error("{path} has a header of {found} bytes; layout version 2 has 512")]
    HeaderSize {
        /// The file.
        path: PathBuf,
        /// The header size found.
        found: u32,
    },
    /// The largest message (asked for, or found in a header) does not fit one record.
    #[error(
        "max message size {max} for {path} is invalid: at most {limit} \
         (capacity / 2 - 16) for this capacity"
    )]
    BadMaxMessage {
        /// The file.
        path: PathBuf,
        /// The size found or asked for.
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
    /// An invalid record or index in the data area; the consumer stays where it was.
    #[error("corrupt ring: record at stream position {position}: {reason}")]
    Corrupt {
        /// Stream position of the bad record.
        position: u64,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A message (or a batch) that can never fit this ring; nothing was written.
    #[error("{len} bytes can never fit this ring (largest message {max} bytes)")]
    TooLarge {
        /// Length of the message, frame or batch.
        len: usize,
        /// The largest message the ring accepts.
        max: usize,
    },
    /// [`Policy::Reject`](mmring_core::spsc::Policy::Reject): no room until the
    /// consumer reads; nothing was written, retry later.
    #[error("the ring is full: retry after the consumer has read")]
    Full,
    /// No message arrived within the timeout.
    #[error("no message arrived within the timeout")]
    Timeout,
    /// A record taken by `consume_packed` is not a valid packed frame (it is consumed).
    #[error("corrupt packed frame: the length prefix at byte {offset} is truncated or overruns")]
    CorruptFrame {
        /// Byte position of the offending length prefix in the frame.
        offset: usize,
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

impl From<InsertError> for ShmError {
    fn from(err: InsertError) -> Self {
        match err {
            InsertError::TooLarge { len, max } => ShmError::TooLarge { len, max },
            InsertError::Full => ShmError::Full,
            // `InsertError` is non-exhaustive; any future refusal means "not now".
            _ => ShmError::Full,
        }
    }
}

impl From<ConsumeError> for ShmError {
    fn from(err: ConsumeError) -> Self {
        match err {
            ConsumeError::Corrupt { position, reason } => ShmError::Corrupt { position, reason },
            _ => ShmError::Corrupt {
                position: 0,
                reason: "unreadable record",
            },
        }
    }
}
