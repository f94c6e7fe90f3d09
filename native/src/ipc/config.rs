//! The configuration both ends of an [`ipc`](crate::ipc) ring are built from.

use crate::ipc::IpcError;

/// Where a ring lives and how it is shaped, shared by its producers and consumers.
///
/// Every end of one ring should be built from the same configuration: which side binds
/// and which connects follows from it ([`should_producer_bind`](Self::should_producer_bind)).
/// The fields are plain integers, as in the seed, so that a wrong value can be written
/// down and then rejected by [`validate`](Self::validate) with a typed error; the
/// constructors of [`IpcProducer`](crate::ipc::IpcProducer) and
/// [`IpcConsumer`](crate::ipc::IpcConsumer) call it first.
///
/// # Example
///
/// ```
/// use mmring_native::ipc::IpcConfig;
///
/// let config = IpcConfig::default();
/// assert_eq!(config.endpoint, "ipc:///tmp/ringbuffer");
/// assert_eq!((config.backlog, config.num_producers, config.num_consumers, config.linger_ms),
///            (65536, 1, 1, 0));
/// assert_eq!(config.max_message_bytes, IpcConfig::DEFAULT_MAX_MESSAGE_BYTES); // 64 MiB
///
/// // Five producers feeding one consumer over TCP, with a smaller queue.
/// let config = IpcConfig { backlog: 1024, ..IpcConfig::mpsc("tcp://127.0.0.1:5555", 5) };
/// config.validate()?;
/// assert!(!config.should_producer_bind());
/// # Ok::<(), mmring_native::ipc::IpcError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IpcConfig {
    /// The ZeroMQ endpoint: `ipc://PATH` (a Unix socket, at most
    /// [`IPC_PATH_MAX`](Self::IPC_PATH_MAX) bytes of path), `tcp://HOST:PORT` (another
    /// host; port `*` picks a free port when binding) or `inproc://NAME` (this process).
    pub endpoint: String,
    /// High-water mark in messages, set as both `ZMQ_SNDHWM` and `ZMQ_RCVHWM` on every
    /// socket before it binds or connects. Must be at least 1.
    pub backlog: i32,
    /// Number of producers. With 1 the producer binds and consumers connect. Must be at
    /// least 1.
    pub num_producers: i32,
    /// Number of consumers. Must be at least 1; above 1 only with one producer.
    pub num_consumers: i32,
    /// `ZMQ_LINGER` in milliseconds: how long ZeroMQ keeps trying to deliver messages
    /// still queued when a producer is stopped or dropped. Must be 0 or more.
    pub linger_ms: i32,
    /// The largest message, in bytes, a consumer accepts and a producer sends; a packed
    /// frame counts as one message (its length prefixes included). From 1 to
    /// [`MAX_MESSAGE_BYTES_LIMIT`](Self::MAX_MESSAGE_BYTES_LIMIT);
    /// [`DEFAULT_MAX_MESSAGE_BYTES`](Self::DEFAULT_MAX_MESSAGE_BYTES) (64 MiB) by default.
    /// A message of exactly this many bytes is accepted.
    ///
    /// A producer refuses a longer message or frame with [`IpcError::TooLarge`] and
    /// sends nothing. A consumer never returns a longer message that reaches it from
    /// another peer (a producer built with a larger limit, or a foreign ZeroMQ PUSH
    /// socket): it discards it on arrival or, when it binds and the message is over
    /// 64 KiB too, ZeroMQ drops it unread (`ZMQ_MAXMSGSIZE`) and disconnects the peer.
    /// See [Message size limit](crate::ipc#message-size-limit) for the details, and
    /// what else the sending peer loses.
    pub max_message_bytes: u64,
}

impl IpcConfig {
    /// Longest path, in bytes, of an `ipc://` endpoint: a Unix socket address holds
    /// 108 bytes including the terminating NUL.
    ///
    /// # Example
    ///
    /// ```
    /// use mmring_native::ipc::{IpcConfig, IpcError};
    ///
    /// let path = format!("/tmp/{}", "x".repeat(IpcConfig::IPC_PATH_MAX)); // 112 bytes
    /// let err = IpcConfig::new(format!("ipc://{path}")).validate().unwrap_err();
    /// assert!(matches!(err, IpcError::IpcPathTooLong { len: 112, max: 107 }));
    /// ```
    pub const IPC_PATH_MAX: usize = 107;

    /// The default [`max_message_bytes`](Self::max_message_bytes): 64 MiB.
    ///
    /// Far above the messages this ring is made for (quotes, events, JSON documents,
    /// and packed frames of thousands of them), so no ordinary traffic meets it, yet
    /// small enough that a stray or hostile peer, or a corrupt length on the wire,
    /// cannot make a consumer allocate gigabytes for one message: ZeroMQ allocates a
    /// message whole as soon as its length header arrives. Without a limit, any peer
    /// that can connect decides how much memory the consumer allocates. The limit is
    /// per message, not per queue: up to [`backlog`](Self::backlog) messages of this
    /// size can be queued. Raise it on every end of the ring when larger messages are
    /// expected.
    ///
    /// # Example
    ///
    /// ```
    /// use mmring_native::ipc::IpcConfig;
    ///
    /// assert_eq!(IpcConfig::DEFAULT_MAX_MESSAGE_BYTES, 64 << 20);
    /// // Allow frames of up to 256 MiB: set the same limit on every end.
    /// let config = IpcConfig { max_message_bytes: 256 << 20, ..IpcConfig::new("inproc://big") };
    /// assert!(config.validate().is_ok());
    /// ```
    pub const DEFAULT_MAX_MESSAGE_BYTES: u64 = 64 << 20;

    /// The largest [`max_message_bytes`](Self::max_message_bytes) accepted:
    /// `i64::MAX`, the largest value ZeroMQ's `ZMQ_MAXMSGSIZE` (a signed 64-bit
    /// integer) can hold.
    ///
    /// # Example
    ///
    /// ```
    /// use mmring_native::ipc::{IpcConfig, IpcError};
    ///
    /// let over = IpcConfig { max_message_bytes: u64::MAX, ..IpcConfig::new("inproc://x") };
    /// let err = over.validate().unwrap_err();
    /// assert!(matches!(err, IpcError::InvalidMaxMessageBytes { max_message_bytes: u64::MAX }));
    /// ```
    pub const MAX_MESSAGE_BYTES_LIMIT: u64 = i64::MAX.unsigned_abs();

    /// One producer and one consumer (SPSC) on `endpoint`, with the defaults for the rest.
    ///
    /// # Example
    ///
    /// ```
    /// use mmring_native::ipc::IpcConfig;
    ///
    /// let config = IpcConfig::new("inproc://quotes");
    /// assert_eq!(config, IpcConfig { endpoint: "inproc://quotes".into(), ..IpcConfig::default() });
    /// assert!(config.should_producer_bind());
    /// ```
    #[must_use]
    pub fn new(endpoint: impl Into<String>) -> Self {
        Self {
            endpoint: endpoint.into(),
            ..Self::default()
        }
    }

    /// `num_producers` producers and one consumer (MPSC) on `endpoint`: the consumer
    /// binds, the producers connect.
    ///
    /// # Example
    ///
    /// ```
    /// use mmring_native::ipc::IpcConfig;
    ///
    /// let config = IpcConfig::mpsc("inproc://orders", 4);
    /// assert_eq!((config.num_producers, config.num_consumers), (4, 1));
    /// assert!(!config.should_producer_bind());
    /// ```
    #[must_use]
    pub fn mpsc(endpoint: impl Into<String>, num_producers: i32) -> Self {
        Self {
            num_producers,
            ..Self::new(endpoint)
        }
    }

    /// One producer and `num_consumers` consumers (SPMC) on `endpoint`: the producer
    /// binds, the consumers connect, and each message goes to one of them (round robin).
    ///
    /// # Example
    ///
    /// ```
    /// use mmring_native::ipc::IpcConfig;
    ///
    /// let config = IpcConfig::spmc("inproc://jobs", 3);
    /// assert_eq!((config.num_producers, config.num_consumers), (1, 3));
    /// assert!(config.should_producer_bind());
    /// ```
    #[must_use]
    pub fn spmc(endpoint: impl Into<String>, num_consumers: i32) -> Self {
        Self {
            num_consumers,
            ..Self::new(endpoint)
        }
    }

    /// Whether the producer binds the endpoint (and consumers connect): true exactly
    /// when there is one producer. With several producers the single consumer binds.
    ///
    /// # Example
    ///
    /// ```
    /// use mmring_native::ipc::IpcConfig;
    ///
    /// assert!(IpcConfig::default().should_producer_bind());
    /// assert!(!IpcConfig::mpsc("inproc://x", 2).should_producer_bind());
    /// ```
    #[must_use]
    pub fn should_producer_bind(&self) -> bool {
        self.num_producers == 1
    }

    /// Checks every field, in the order they are declared, and reports the first
    /// problem.
    ///
    /// # Errors
    ///
    /// - [`IpcError::UnsupportedEndpoint`] for a scheme other than `ipc://`, `tcp://`,
    ///   `inproc://`; [`IpcError::InvalidEndpoint`] for an empty path or name, or a
    ///   `tcp://` endpoint without a host or a valid port (a number up to 65535, or
    ///   `*`); [`IpcError::IpcPathTooLong`] for an `ipc://` path over
    ///   [`IPC_PATH_MAX`](Self::IPC_PATH_MAX) bytes.
    /// - [`IpcError::InvalidBacklog`] if `backlog < 1`.
    /// - [`IpcError::InvalidProducerCount`] / [`IpcError::InvalidConsumerCount`] if a
    ///   count is below 1; [`IpcError::MpmcUnsupported`] if both are above 1.
    /// - [`IpcError::InvalidLinger`] if `linger_ms < 0`.
    /// - [`IpcError::InvalidMaxMessageBytes`] if `max_message_bytes` is 0 or over
    ///   [`MAX_MESSAGE_BYTES_LIMIT`](Self::MAX_MESSAGE_BYTES_LIMIT).
    ///
    /// # Example
    ///
    /// ```
    /// use mmring_native::ipc::{IpcConfig, IpcError};
    ///
    /// assert!(IpcConfig::new("tcp://10.0.0.7:5555").validate().is_ok());
    ///
    /// let mpmc = IpcConfig { num_producers: 2, num_consumers: 2, ..IpcConfig::default() };
    /// let err = mpmc.validate().unwrap_err();
    /// assert!(matches!(err, IpcError::MpmcUnsupported { num_producers: 2, num_consumers: 2 }));
    /// assert!(err.to_string().contains("MPMC is not supported"));
    ///
    /// let err = IpcConfig::new("udp://10.0.0.7:5555").validate().unwrap_err();
    /// assert!(err.to_string().contains("ipc://PATH, tcp://HOST:PORT or inproc://NAME"));
    /// ```
    pub fn validate(&self) -> Result<(), IpcError> {
        check_endpoint(&self.endpoint)?;
        if self.backlog < 1 {
            return Err(IpcError::InvalidBacklog {
                backlog: self.backlog,
            });
        }
        if self.num_producers < 1 {
            return Err(IpcError::InvalidProducerCount {
                count: self.num_producers,
            });
        }
        if self.num_consumers < 1 {
            return Err(IpcError::InvalidConsumerCount {
                count: self.num_consumers,
            });
        }
        if self.num_producers > 1 && self.num_consumers > 1 {
            return Err(IpcError::MpmcUnsupported {
                num_producers: self.num_producers,
                num_consumers: self.num_consumers,
            });
        }
        if self.linger_ms < 0 {
            return Err(IpcError::InvalidLinger {
                linger_ms: self.linger_ms,
            });
        }
        if !(1..=Self::MAX_MESSAGE_BYTES_LIMIT).contains(&self.max_message_bytes) {
            return Err(IpcError::InvalidMaxMessageBytes {
                max_message_bytes: self.max_message_bytes,
            });
        }
        Ok(())
    }
}

impl Default for IpcConfig {
    /// The seed's defaults: `ipc:///tmp/ringbuffer`, backlog 65536, one producer, one
    /// consumer, linger 0; and messages of at most
    /// [`DEFAULT_MAX_MESSAGE_BYTES`](IpcConfig::DEFAULT_MAX_MESSAGE_BYTES) (64 MiB),
    /// where the seed had no limit.
    ///
    /// # Example
    ///
    /// ```
    /// use mmring_native::ipc::IpcConfig;
    ///
    /// assert!(IpcConfig::default().validate().is_ok());
    /// ```
    fn default() -> Self {
        Self {
            endpoint: "ipc:///tmp/ringbuffer".to_owned(),
            backlog: 65536,
            num_producers: 1,
            num_consumers: 1,
            linger_ms: 0,
            max_message_bytes: Self::DEFAULT_MAX_MESSAGE_BYTES,
        }
    }
}

/// Checks the scheme and shape of `endpoint`; ZeroMQ checks the rest when binding or
/// connecting (e.g. whether a host name resolves).
fn check_endpoint(endpoint: &str) -> Result<(), IpcError> {
    let invalid = |reason| IpcError::InvalidEndpoint {
        endpoint: endpoint.to_owned(),
        reason,
    };
    if let Some(path) = endpoint.strip_prefix("ipc://") {
        if path.is_empty() {
            return Err(invalid(
                "an ipc endpoint needs a path, as in ipc:///tmp/ring",
            ));
        }
        if path.len() > IpcConfig::IPC_PATH_MAX {
            return Err(IpcError::IpcPathTooLong {
                len: path.len(),
                max: IpcConfig::IPC_PATH_MAX,
            });
        }
        Ok(())
    } else if let Some(address) = endpoint.strip_prefix("tcp://") {
        let Some((host, port)) = address.rsplit_once(':') else {
            return Err(invalid(
                "a tcp endpoint needs a host and a port, as in tcp://127.0.0.1:5555",
            ));
        };
        if host.is_empty() {
            return Err(invalid(
                "a tcp endpoint needs a host (an address, a name, or * to bind every interface)",
            ));
        }
        if port != "*" && port.parse::<u16>().is_err() {
            return Err(invalid(
                "the port must be a number from 0 to 65535, or * to bind a free port",
            ));
        }
        Ok(())
    } else if let Some(name) = endpoint.strip_prefix("inproc://") {
        if name.is_empty() {
            return Err(invalid(
                "an inproc endpoint needs a name, as in inproc://ring",
            ));
        }
        Ok(())
    } else {
        Err(IpcError::UnsupportedEndpoint {
            endpoint: endpoint.to_owned(),
        })
    }
}
