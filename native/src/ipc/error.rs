//! The errors of the ZeroMQ transport, one type per operation: what a configuration,
//! opening an end, an insert or a consume can fail with, and nothing else.

use mmring_core::PackedError;

/// Why an [`IpcConfig`](crate::ipc::IpcConfig) was refused by
/// [`validate`](crate::ipc::IpcConfig::validate), which the constructors of both ends
/// call first, so a bad configuration never reaches ZeroMQ.
///
/// # Example
///
/// ```
/// use mmring_native::ipc::{ConfigError, IpcConfig};
///
/// let err = IpcConfig::default().with_backlog(0).validate().unwrap_err();
/// assert_eq!(err, ConfigError::InvalidBacklog { backlog: 0 });
/// assert!(err.to_string().contains("at least 1"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
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
    /// `backlog` (the high-water mark, in messages) is 0, or over `i32::MAX`, the
    /// largest high-water mark ZeroMQ takes.
    #[error(
        "invalid backlog {backlog}: the high-water mark must be at least 1 message, and at \
         most 2147483647 (i32::MAX, the largest ZeroMQ takes)"
    )]
    InvalidBacklog {
        /// The rejected value.
        backlog: u32,
    },
    /// `num_producers` is 0.
    #[error("invalid num_producers {count}: there must be at least 1 producer")]
    InvalidProducerCount {
        /// The rejected value.
        count: usize,
    },
    /// `num_consumers` is 0.
    #[error("invalid num_consumers {count}: there must be at least 1 consumer")]
    InvalidConsumerCount {
        /// The rejected value.
        count: usize,
    },
    /// Both `num_producers` and `num_consumers` are above 1.
    #[error(
        "MPMC is not supported ({num_producers} producers, {num_consumers} consumers): \
         use one producer (SPSC, SPMC) or one consumer (MPSC)"
    )]
    MpmcUnsupported {
        /// The configured number of producers.
        num_producers: usize,
        /// The configured number of consumers.
        num_consumers: usize,
    },
    /// `linger_ms` is over `i32::MAX`, the longest linger ZeroMQ takes.
    #[error(
        "invalid linger_ms {linger_ms}: it must be at most 2147483647 milliseconds \
         (i32::MAX, the longest ZeroMQ takes)"
    )]
    InvalidLinger {
        /// The rejected value.
        linger_ms: u32,
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
}

/// Why [`IpcProducer::new`](crate::ipc::IpcProducer::new) or
/// [`IpcConsumer::new`](crate::ipc::IpcConsumer::new) could not open an end.
///
/// # Example
///
/// ```
/// use mmring_native::ipc::{ConfigError, IpcConfig, IpcProducer, OpenError};
///
/// let err = IpcProducer::new(IpcConfig::mpsc("inproc://doc-open-error", 2).with_num_consumers(2))
///     .unwrap_err();
/// assert!(matches!(err, OpenError::Config(ConfigError::MpmcUnsupported { .. })));
/// assert!(err.to_string().starts_with("MPMC is not supported"));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OpenError {
    /// The configuration is invalid; nothing was opened.
    #[error(transparent)]
    Config(#[from] ConfigError),
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
    /// ZeroMQ could not create the socket or set its options, e.g. for lack of file
    /// descriptors.
    #[error("cannot set up the ZeroMQ socket: {0} (too many open sockets or files?)")]
    Zmq(#[from] zmq::Error),
}

/// Why an insert of [`IpcProducer`](crate::ipc::IpcProducer) sent nothing.
///
/// # Example
///
/// ```
/// use mmring_native::ipc::{InsertError, IpcConfig, IpcProducer};
///
/// // This producer binds and no consumer has connected: nothing can be queued.
/// let mut producer = IpcProducer::new(IpcConfig::new("inproc://doc-insert-error"))?;
/// let err = producer.try_insert(b"quote").unwrap_err();
/// assert!(matches!(err, InsertError::Full));
/// assert!(err.to_string().contains("high-water mark"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InsertError {
    /// A non-blocking insert (`try_insert`, `try_insert_packed`) could not queue the
    /// message now: the queue is at its high-water mark, or no consumer is connected
    /// yet.
    #[error(
        "queue full: the high-water mark is reached or no consumer is connected yet; \
         nothing was sent"
    )]
    Full,
    /// A timed insert could not queue the message before its timeout.
    #[error(
        "timed out: the queue stayed full, or no consumer connected, for the whole \
         timeout; nothing was sent"
    )]
    Timeout,
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
    /// The packed frame of a batch would be longer than `usize::MAX` bytes, so its
    /// length cannot even be stated: over any `max_message_bytes`. Only a batch that
    /// names the same memory many times gets here. Nothing was sent.
    #[error(
        "packed frame of {messages} messages is longer than usize::MAX bytes: nothing was \
         sent; send fewer messages per frame"
    )]
    FrameTooLong {
        /// The number of messages in the batch.
        messages: usize,
    },
    /// The batch could not be packed: [`PackedError::TooLarge`] for a message longer
    /// than `u32::MAX` bytes, which the packed framing cannot state. Nothing was sent.
    #[error(transparent)]
    Frame(#[from] PackedError),
    /// ZeroMQ failed to send.
    #[error("ZeroMQ send failed: {0}")]
    Zmq(#[from] zmq::Error),
}

/// Why a consume of [`IpcConsumer`](crate::ipc::IpcConsumer) returned no message.
///
/// # Example
///
/// ```
/// use std::time::Duration;
/// use mmring_native::ipc::{ConsumeError, IpcConfig, IpcConsumer};
///
/// let mut consumer = IpcConsumer::new(IpcConfig::new("inproc://doc-consume-error"))?;
/// let err = consumer.consume_timeout(Duration::from_millis(1)).unwrap_err();
/// assert!(matches!(err, ConsumeError::Timeout));
/// assert!(err.to_string().contains("timed out"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConsumeError {
    /// A timed consume found no message before its timeout.
    #[error("timed out: no message arrived within the timeout")]
    Timeout,
    /// A packed consume received a malformed frame ([`PackedError::Corrupt`]). That
    /// frame is discarded; the next call reads the next one.
    #[error(transparent)]
    Frame(#[from] PackedError),
    /// An async consume could not wait for the socket: the async I/O reactor reported
    /// an error.
    #[error("async readiness wait failed: {0}")]
    Io(#[from] std::io::Error),
    /// ZeroMQ failed to receive.
    #[error("ZeroMQ receive failed: {0}")]
    Zmq(#[from] zmq::Error),
}
