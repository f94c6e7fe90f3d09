//! The one error type of the ZeroMQ transport.

use mmring_core::PackedError;

/// Why an [`ipc`](crate::ipc) call failed.
///
/// Configuration errors come from [`IpcConfig::validate`](crate::ipc::IpcConfig::validate),
/// which the constructors of both ends call first, so a bad configuration never reaches
/// ZeroMQ. The rest come from using an end: a full queue, a timeout, a stopped end, a
/// message over the size limit, a malformed packed frame, or ZeroMQ itself.
///
/// # Example
///
/// ```
/// use mmring_native::ipc::{IpcConfig, IpcError};
///
/// let config = IpcConfig { backlog: 0, ..IpcConfig::default() };
/// let err = config.validate().unwrap_err();
/// assert!(matches!(err, IpcError::InvalidBacklog { backlog: 0 }));
/// assert!(err.to_string().contains("at least 1"));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IpcError {
    /// `backlog` (the high-water mark, in messages) is zero or negative.
    #[error("invalid backlog {backlog}: the high-water mark must be at least 1 message")]
    InvalidBacklog {
        /// The rejected value.
        backlog: i32,
    },
    /// `num_producers` is zero or negative.
    #[error("invalid num_producers {count}: there must be at least 1 producer")]
    InvalidProducerCount {
        /// The rejected value.
        count: i32,
    },
    /// `num_consumers` is zero or negative.
    #[error("invalid num_consumers {count}: there must be at least 1 consumer")]
    InvalidConsumerCount {
        /// The rejected value.
        count: i32,
    },
    /// Both `num_producers` and `num_consumers` are above 1.
    #[error(
        "MPMC is not supported ({num_producers} producers, {num_consumers} consumers): \
         use one producer (SPSC, SPMC) or one consumer (MPSC)"
    )]
    MpmcUnsupported {
        /// The configured number of producers.
        num_producers: i32,
        /// The configured number of consumers.
        num_consumers: i32,
    },
    /// `linger_ms` is negative.
    #[error("invalid linger_ms {linger_ms}: it must be 0 or more milliseconds")]
    InvalidLinger {
        /// The rejected value.
        linger_ms: i32,
    },
    /// `max_message_bytes` is 0, or over
    /// [`IpcConfig::MAX_MESSAGE_BYTES_LIMIT`](crate::ipc::IpcConfig::MAX_MESSAGE_BYTES_LIMIT)
    /// (`i64::MAX`, the largest limit ZeroMQ can hold).
    #[error(
        "invalid max_message_bytes {max_message_bytes}: it must be from 1 to \
         9223372036854775807 bytes (i64::MAX, the largest limit ZeroMQ takes)"
    )]
    InvalidMaxMessageBytes {
        /// The rejected value.
        max_message_bytes: u64,
    },
    /// The endpoint's scheme is not one of `ipc://`, `tcp://` or `inproc://`.
    #[error("unsupported endpoint `{endpoint}`: use ipc://PATH, tcp://HOST:PORT or inproc://NAME")]
    UnsupportedEndpoint {
        /// The rejected endpoint.
        endpoint: String,
    },
    /// The endpoint has a supported scheme but is malformed (no path, host, port or name).
    #[error("invalid endpoint `{endpoint}`: {reason}")]
    InvalidEndpoint {
        /// The rejected endpoint.
        endpoint: String,
        /// What is wrong with it, and what a valid one looks like.
        reason: &'static str,
    },
    /// The path of an `ipc://` endpoint does not fit in a Unix socket address.
    #[error(
        "ipc path is {len} bytes, over the {max}-byte limit of a Unix socket path: \
         use a shorter path, e.g. under /tmp"
    )]
    IpcPathTooLong {
        /// Length in bytes of the rejected path.
        len: usize,
        /// The longest path accepted, [`IpcConfig::IPC_PATH_MAX`](crate::ipc::IpcConfig::IPC_PATH_MAX).
        max: usize,
    },
    /// Binding the endpoint failed, e.g. the address is in use or not local.
    #[error("cannot bind `{endpoint}`: {source}")]
    Bind {
        /// The endpoint that could not be bound.
        endpoint: String,
        /// ZeroMQ's reason.
        source: zmq::Error,
    },
    /// Connecting to the endpoint failed, e.g. a wildcard port on the connecting side.
    #[error("cannot connect to `{endpoint}`: {source}")]
    Connect {
        /// The endpoint that could not be connected to.
        endpoint: String,
        /// ZeroMQ's reason.
        source: zmq::Error,
    },
    /// The queue is at its high-water mark, or no consumer is connected yet: a
    /// non-blocking insert could not send.
    #[error("queue full: the high-water mark is reached or no consumer is connected yet")]
    Full,
    /// A message (or packed frame) is longer than
    /// [`IpcConfig::max_message_bytes`](crate::ipc::IpcConfig::max_message_bytes): a
    /// consumer with that limit would drop it, so the producer sent nothing.
    #[error(
        "message or packed frame of {len} bytes is over max_message_bytes ({max} bytes): \
         nothing was sent; split it, or raise max_message_bytes on every end of the ring"
    )]
    TooLarge {
        /// Length in bytes of the message, or of the whole packed frame (length prefixes
        /// included).
        len: usize,
        /// The configured `max_message_bytes`.
        max: u64,
    },
    /// A timed insert or consume did not complete in time.
    #[error("timed out")]
    Timeout,
    /// The end was stopped with `stop()`; it cannot be used any more.
    #[error("this end was stopped and cannot be used any more")]
    Stopped,
    /// A packed frame could not be built or read: [`PackedError::TooLarge`] for a
    /// message longer than `u32::MAX` bytes on insert, [`PackedError::Corrupt`] for a
    /// malformed frame received (that frame is discarded; the next call reads the next
    /// one).
    #[error(transparent)]
    Packed(#[from] PackedError),
    /// Waiting for readiness in an async call failed (the async I/O reactor reported
    /// an error).
    #[error("async readiness wait failed: {0}")]
    Io(#[from] std::io::Error),
    /// ZeroMQ reported an error.
    #[error("ZeroMQ error: {0}")]
    Zmq(#[from] zmq::Error),
}
