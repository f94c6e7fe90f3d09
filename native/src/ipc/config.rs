//! The configuration both ends of an [`ipc`](crate::ipc) ring are built from.

use crate::ipc::ConfigError;

/// Where a ring lives and how it is shaped, shared by its producers and consumers.
///
/// Every end of one ring should be built from the same configuration: which side binds
/// and which connects follows from it ([`should_producer_bind`](Self::should_producer_bind)).
/// Build it with [`new`](Self::new), [`mpsc`](Self::mpsc) or [`spmc`](Self::spmc) and
/// the `with_*` setters. The fields are public to read, and their types rule out
/// negative values; what a type cannot rule out (a zero backlog, MPMC, a value over
/// ZeroMQ's range, a malformed endpoint) [`validate`](Self::validate) refuses with a
/// [`ConfigError`], and the constructors of [`IpcProducer`](crate::ipc::IpcProducer)
/// and [`IpcConsumer`](crate::ipc::IpcConsumer) call it first.
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
/// let config = IpcConfig::mpsc("tcp://127.0.0.1:5555", 5).with_backlog(1024);
/// config.validate()?;
/// assert!(!config.should_producer_bind());
/// # Ok::<(), mmring_native::ipc::ConfigError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IpcConfig {
    /// The ZeroMQ endpoint: `ipc://PATH` (a Unix socket, at most
    /// [`IPC_PATH_MAX`](Self::IPC_PATH_MAX) bytes of path), `tcp://HOST:PORT` (another
    /// host; port `*` picks a free port when binding) or `inproc://NAME` (this process).
    pub endpoint: String,
    /// High-water mark in messages, set as both `ZMQ_SNDHWM` and `ZMQ_RCVHWM` on every
    /// socket before it binds or connects. From 1 to `i32::MAX` (ZeroMQ's range).
    pub backlog: u32,
    /// Number of producers. With 1 the producer binds and consumers connect. At least 1.
    pub num_producers: usize,
    /// Number of consumers. At least 1; above 1 only with one producer.
    pub num_consumers: usize,
    /// `ZMQ_LINGER` in milliseconds: how long ZeroMQ keeps trying to deliver messages
    /// still queued when a producer is closed or dropped. At most `i32::MAX` (ZeroMQ's
    /// range).
    pub linger_ms: u32,
    /// The largest message, in bytes, a consumer accepts and a producer sends; a packed
    /// frame counts as one message (its length prefixes included). From 1 to
    /// [`MAX_MESSAGE_BYTES_LIMIT`](Self::MAX_MESSAGE_BYTES_LIMIT);
    /// [`DEFAULT_MAX_MESSAGE_BYTES`](Self::DEFAULT_MAX_MESSAGE_BYTES) (64 MiB) by default.
    /// A message of exactly this many bytes is accepted.
    ///
    /// A producer refuses a longer message or frame with [`InsertError::TooLarge`](crate::ipc::InsertError::TooLarge)
    /// and sends nothing. A consumer never returns a longer message that reaches it
    /// from another peer (a producer built with a larger limit, or a foreign ZeroMQ
    /// PUSH socket): it discards it on arrival or, when it binds and the message is
    /// over 64 KiB too, ZeroMQ drops it unread (`ZMQ_MAXMSGSIZE`) and disconnects the
    /// peer. See [Message size limit](crate::ipc#message-size-limit) for the details,
    /// and what else the sending peer loses.
    pub max_message_bytes: u64,
}

/// The numbers of a valid [`IpcConfig`] in the types ZeroMQ's socket options take.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SocketOptions {
    /// `backlog`, for `ZMQ_SNDHWM` and `ZMQ_RCVHWM`.
    pub(crate) hwm: i32,
    /// `linger_ms`, for `ZMQ_LINGER`.
    pub(crate) linger_ms: i32,
    /// `max_message_bytes`, for `ZMQ_MAXMSGSIZE`.
    pub(crate) max_message_bytes: i64,
}

impl IpcConfig {
    /// Longest path, in bytes, of an `ipc://` endpoint: a Unix socket address holds
    /// 108 bytes including the terminating NUL.
    ///
    /// # Example
    ///
    /// ```
    /// use mmring_native::ipc::{ConfigError, IpcConfig};
    ///
    /// let path = format!("/tmp/{}", "x".repeat(IpcConfig::IPC_PATH_MAX)); // 112 bytes
    /// let err = IpcConfig::new(format!("ipc://{path}")).validate().unwrap_err();
    /// assert_eq!(err, ConfigError::IpcPathTooLong { len: 112, max: 107 });
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
    /// let config = IpcConfig::new("inproc://big").with_max_message_bytes(256 << 20);
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
    /// use mmring_native::ipc::{ConfigError, IpcConfig};
    ///
    /// let over = IpcConfig::new("inproc://x").with_max_message_bytes(u64::MAX);
    /// let err = over.validate().unwrap_err();
    /// assert_eq!(err, ConfigError::InvalidMaxMessageBytes { max_message_bytes: u64::MAX });
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
    pub fn mpsc(endpoint: impl Into<String>, num_producers: usize) -> Self {
        Self::new(endpoint).with_num_producers(num_producers)
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
    pub fn spmc(endpoint: impl Into<String>, num_consumers: usize) -> Self {
        Self::new(endpoint).with_num_consumers(num_consumers)
    }

    with_setters! {
        /// Sets [`backlog`](Self::backlog), the high-water mark in messages.
        ///
        /// # Example
        ///
        /// ```
        /// use mmring_native::ipc::IpcConfig;
        ///
        /// let config = IpcConfig::new("inproc://small-queue").with_backlog(16);
        /// assert_eq!(config.backlog, 16);
        /// ```
        with_backlog => backlog: u32;
        /// Sets [`num_producers`](Self::num_producers); with more than one, the consumer
        /// binds.
        ///
        /// # Example
        ///
        /// ```
        /// use mmring_native::ipc::IpcConfig;
        ///
        /// let config = IpcConfig::new("inproc://fan-in").with_num_producers(3);
        /// assert_eq!(config, IpcConfig::mpsc("inproc://fan-in", 3));
        /// ```
        with_num_producers => num_producers: usize;
        /// Sets [`num_consumers`](Self::num_consumers).
        ///
        /// # Example
        ///
        /// ```
        /// use mmring_native::ipc::IpcConfig;
        ///
        /// let config = IpcConfig::new("inproc://fan-out").with_num_consumers(2);
        /// assert_eq!(config, IpcConfig::spmc("inproc://fan-out", 2));
        /// ```
        with_num_consumers => num_consumers: usize;
        /// Sets [`linger_ms`](Self::linger_ms): how long messages still queued at a closed
        /// producer keep being delivered.
        ///
        /// # Example
        ///
        /// ```
        /// use mmring_native::ipc::IpcConfig;
        ///
        /// let config = IpcConfig::new("inproc://patient").with_linger_ms(1_000);
        /// assert_eq!(config.linger_ms, 1_000);
        /// ```
        with_linger_ms => linger_ms: u32;
        /// Sets [`max_message_bytes`](Self::max_message_bytes), the largest message or
        /// packed frame; give every end of a ring the same value.
        ///
        /// # Example
        ///
        /// ```
        /// use mmring_native::ipc::IpcConfig;
        ///
        /// let config = IpcConfig::new("inproc://small-messages").with_max_message_bytes(4096);
        /// assert_eq!(config.max_message_bytes, 4096);
        /// ```
        with_max_message_bytes => max_message_bytes: u64;
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
    /// - [`ConfigError::UnsupportedEndpoint`] for a scheme other than `ipc://`,
    ///   `tcp://`, `inproc://`; [`ConfigError::InvalidEndpoint`] for an empty path or
    ///   name, or a `tcp://` endpoint without a host or a valid port (a number up to
    ///   65535, or `*`); [`ConfigError::IpcPathTooLong`] for an `ipc://` path over
    ///   [`IPC_PATH_MAX`](Self::IPC_PATH_MAX) bytes.
    /// - [`ConfigError::InvalidBacklog`] if `backlog` is 0 or over `i32::MAX`.
    /// - [`ConfigError::InvalidProducerCount`] / [`ConfigError::InvalidConsumerCount`]
    ///   if a count is 0; [`ConfigError::MpmcUnsupported`] if both are above 1.
    /// - [`ConfigError::InvalidLinger`] if `linger_ms` is over `i32::MAX`.
    /// - [`ConfigError::InvalidMaxMessageBytes`] if `max_message_bytes` is 0 or over
    ///   [`MAX_MESSAGE_BYTES_LIMIT`](Self::MAX_MESSAGE_BYTES_LIMIT).
    ///
    /// # Example
    ///
    /// ```
    /// use mmring_native::ipc::{ConfigError, IpcConfig};
    ///
    /// assert!(IpcConfig::new("tcp://10.0.0.7:5555").validate().is_ok());
    ///
    /// let mpmc = IpcConfig::mpsc("tcp://10.0.0.7:5555", 2).with_num_consumers(2);
    /// let err = mpmc.validate().unwrap_err();
    /// assert_eq!(err, ConfigError::MpmcUnsupported { num_producers: 2, num_consumers: 2 });
    /// assert!(err.to_string().contains("MPMC is not supported"));
    ///
    /// let err = IpcConfig::new("udp://10.0.0.7:5555").validate().unwrap_err();
    /// assert!(err.to_string().contains("ipc://PATH, tcp://HOST:PORT or inproc://NAME"));
    /// ```
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.socket_options().map(drop)
    }

    /// [`validate`](Self::validate), returning the numbers in the types ZeroMQ takes:
    /// the checks are the conversions, so no value is converted unchecked.
    pub(crate) fn socket_options(&self) -> Result<SocketOptions, ConfigError> {
        check_endpoint(&self.endpoint)?;
        let hwm = i32::try_from(self.backlog)
            .ok()
            .filter(|&hwm| hwm >= 1)
            .ok_or(ConfigError::InvalidBacklog {
                backlog: self.backlog,
            })?;
        if self.num_producers == 0 {
            return Err(ConfigError::InvalidProducerCount {
                count: self.num_producers,
            });
        }
        if self.num_consumers == 0 {
            return Err(ConfigError::InvalidConsumerCount {
                count: self.num_consumers,
            });
        }
        if self.num_producers > 1 && self.num_consumers > 1 {
            return Err(ConfigError::MpmcUnsupported {
                num_producers: self.num_producers,
                num_consumers: self.num_consumers,
            });
        }
        let linger_ms = i32::try_from(self.linger_ms).map_err(|_| ConfigError::InvalidLinger {
            linger_ms: self.linger_ms,
        })?;
        let max_message_bytes = i64::try_from(self.max_message_bytes)
            .ok()
            .filter(|&max| max >= 1)
            .ok_or(ConfigError::InvalidMaxMessageBytes {
                max_message_bytes: self.max_message_bytes,
            })?;
        Ok(SocketOptions {
            hwm,
            linger_ms,
            max_message_bytes,
        })
    }
}

impl Default for IpcConfig {
    /// The defaults of the Python ring-buffer module mmring grew from:
    /// `ipc:///tmp/ringbuffer`, backlog 65536, one producer, one consumer, linger 0;
    /// and messages of at most
    /// [`DEFAULT_MAX_MESSAGE_BYTES`](IpcConfig::DEFAULT_MAX_MESSAGE_BYTES) (64 MiB),
    /// where that module had no limit.
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
fn check_endpoint(endpoint: &str) -> Result<(), ConfigError> {
    let invalid = |reason| ConfigError::InvalidEndpoint {
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
            return Err(ConfigError::IpcPathTooLong {
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
        Err(ConfigError::UnsupportedEndpoint {
            endpoint: endpoint.to_owned(),
        })
    }
}
