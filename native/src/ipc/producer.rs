//! The sending end: a ZeroMQ PUSH socket.

use std::fmt;
use std::io;
use std::time::Duration;

use mmring_core::packed;

use crate::ipc::context::{self, Link, Outcome, Role, Wait};
use crate::ipc::{InsertError, IpcConfig, OpenError};

/// The sending end of an [`ipc`](crate::ipc) ring: a ZeroMQ PUSH socket.
///
/// It binds the endpoint when the configuration has one producer, and connects
/// otherwise. With several consumers each message goes to one of them, round robin.
/// An `IpcProducer` is `Send` but not `Sync`: give each thread its own (with
/// `num_producers` > 1, see [`IpcConfig::mpsc`]).
///
/// Sending never waits for the consumer to read: a message is queued, up to
/// [`IpcConfig::backlog`] messages, and [`insert`](Self::insert) blocks only when that
/// queue is full or, for a producer that binds, while no consumer is connected (a
/// producer that connects queues from the start). [`try_insert`](Self::try_insert)
/// returns [`InsertError::Full`] instead, [`insert_timeout`](Self::insert_timeout)
/// gives up with [`InsertError::Timeout`].
///
/// A message (or packed frame) longer than [`IpcConfig::max_message_bytes`] is refused
/// on every path with [`InsertError::TooLarge`] before anything is sent: a consumer
/// with that limit would only drop it.
///
/// # Closing and dropping
///
/// [`close`](Self::close) closes the socket and consumes the producer, so it cannot
/// be used afterwards; dropping it does the same. Messages still queued then get
/// [`IpcConfig::linger_ms`] to be delivered; the default 0 discards them. Closing or
/// dropping returns at once while other ends (producers or consumers) of this process
/// are alive, and delivery goes on in the background; the last end of the process
/// waits for it, at most `linger_ms` (the largest of the ends that closed with
/// messages queued). So a process that sends and exits delivers what it sent, given a
/// linger long enough. A producer that bound an `ipc://` path removes its socket file.
///
/// # Example
///
/// ```
/// use mmring_native::ipc::{IpcConfig, IpcConsumer, IpcProducer};
///
/// let config = IpcConfig::new("inproc://doc-producer");
/// let mut producer = IpcProducer::new(config.clone())?;
/// let mut consumer = IpcConsumer::new(config)?;
///
/// producer.insert(b"tick")?;
/// producer.insert_packed(&[b"bid", b"ask"])?; // one frame, two messages
/// assert_eq!(consumer.consume()?, b"tick");
/// assert_eq!(consumer.consume_packed()?, [b"bid", b"ask"]);
/// producer.close()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct IpcProducer {
    /// The bound or connected PUSH socket.
    link: Link<zmq::Socket>,
    /// The configuration it was built from.
    config: IpcConfig,
    /// Reused for every packed frame, so `insert_packed` does not allocate per call
    /// once it has grown to the largest frame.
    frame: Vec<u8>,
}

impl IpcProducer {
    /// Validates `config`, opens a PUSH socket with its high-water mark and linger set,
    /// and binds or connects it.
    ///
    /// Connecting succeeds before the other side exists: ZeroMQ connects (and
    /// reconnects) in the background. Binding an `ipc://` path replaces any socket file
    /// already there, including that of a live process: give each ring its own path.
    /// The file is removed again when the producer is closed or dropped.
    ///
    /// # Errors
    ///
    /// [`OpenError::Config`] for an invalid configuration (see
    /// [`IpcConfig::validate`]), [`OpenError::Bind`] or [`OpenError::Connect`], or
    /// [`OpenError::Zmq`].
    ///
    /// # Example
    ///
    /// ```
    /// use mmring_native::ipc::{IpcConfig, IpcProducer};
    ///
    /// // Port * lets the system pick a free port; `endpoint()` tells which.
    /// let producer = IpcProducer::new(IpcConfig::new("tcp://127.0.0.1:*"))?;
    /// assert!(producer.endpoint().starts_with("tcp://127.0.0.1:"));
    /// # Ok::<(), mmring_native::ipc::OpenError>(())
    /// ```
    pub fn new(config: IpcConfig) -> Result<Self, OpenError> {
        Ok(Self {
            link: context::open(&config, Role::Producer)?,
            config,
            frame: Vec::new(),
        })
    }

    /// The endpoint this producer is bound or connected to. After binding
    /// `tcp://HOST:*` it holds the port the system picked, for the other side to
    /// connect to.
    ///
    /// # Example
    ///
    /// ```
    /// use mmring_native::ipc::{IpcConfig, IpcProducer};
    ///
    /// let producer = IpcProducer::new(IpcConfig::new("inproc://doc-endpoint"))?;
    /// assert_eq!(producer.endpoint(), "inproc://doc-endpoint");
    /// # Ok::<(), mmring_native::ipc::OpenError>(())
    /// ```
    #[must_use]
    pub fn endpoint(&self) -> &str {
        &self.link.endpoint
    }

    /// The configuration this producer was built from.
    ///
    /// # Example
    ///
    /// ```
    /// use mmring_native::ipc::{IpcConfig, IpcProducer};
    ///
    /// let config = IpcConfig::new("inproc://doc-config");
    /// let producer = IpcProducer::new(config.clone())?;
    /// assert_eq!(producer.config(), &config);
    /// # Ok::<(), mmring_native::ipc::OpenError>(())
    /// ```
    #[must_use]
    pub fn config(&self) -> &IpcConfig {
        &self.config
    }

    /// Sends one message, blocking while the queue is full or no consumer is
    /// connected. The bytes are copied into a ZeroMQ message.
    ///
    /// # Errors
    ///
    /// [`InsertError::TooLarge`] for a message over [`IpcConfig::max_message_bytes`]
    /// (nothing is sent), or [`InsertError::Zmq`].
    ///
    /// # Example
    ///
    /// ```
    /// use mmring_native::ipc::{InsertError, IpcConfig, IpcConsumer, IpcProducer};
    ///
    /// let config = IpcConfig::new("inproc://doc-insert");
    /// let (mut producer, mut consumer) = (IpcProducer::new(config.clone())?, IpcConsumer::new(config)?);
    /// producer.insert("héllo".as_bytes())?;
    /// assert_eq!(consumer.consume()?, "héllo".as_bytes());
    ///
    /// // Over the limit: refused here rather than dropped by the consumer.
    /// let small = IpcConfig::new("inproc://doc-insert-cap").with_max_message_bytes(4);
    /// let mut producer = IpcProducer::new(small)?;
    /// let err = producer.insert(b"12345").unwrap_err();
    /// assert!(matches!(err, InsertError::TooLarge { len: 5, max: 4 }));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn insert(&mut self, msg: &[u8]) -> Result<(), InsertError> {
        self.send(msg, Wait::Forever)
    }

    /// Sends one message if it can be queued now.
    ///
    /// # Errors
    ///
    /// [`InsertError::Full`] when the queue is at its high-water mark or no consumer is
    /// connected yet (the message is not sent), [`InsertError::TooLarge`] as for
    /// [`insert`](Self::insert), or [`InsertError::Zmq`].
    ///
    /// # Example
    ///
    /// ```
    /// use mmring_native::ipc::{InsertError, IpcConfig, IpcProducer};
    ///
    /// // This producer binds and no consumer has connected: nothing can be queued.
    /// let mut producer = IpcProducer::new(IpcConfig::new("inproc://doc-try-insert"))?;
    /// assert!(matches!(producer.try_insert(b"quote"), Err(InsertError::Full)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn try_insert(&mut self, msg: &[u8]) -> Result<(), InsertError> {
        self.send(msg, Wait::Never)
    }

    /// Sends one message, waiting at most `timeout` for room in the queue.
    ///
    /// # Errors
    ///
    /// [`InsertError::Timeout`] if it could not be queued in time (the message is not
    /// sent), [`InsertError::TooLarge`] as for [`insert`](Self::insert), or
    /// [`InsertError::Zmq`].
    ///
    /// # Example
    ///
    /// ```
    /// use std::time::Duration;
    /// use mmring_native::ipc::{InsertError, IpcConfig, IpcProducer};
    ///
    /// let mut producer = IpcProducer::new(IpcConfig::new("inproc://doc-insert-timeout"))?;
    /// let err = producer.insert_timeout(b"quote", Duration::from_millis(10)).unwrap_err();
    /// assert!(matches!(err, InsertError::Timeout));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn insert_timeout(&mut self, msg: &[u8], timeout: Duration) -> Result<(), InsertError> {
        self.send(msg, Wait::timeout(timeout))
    }

    /// Sends each message of `msgs` in order, as separate messages, blocking like
    /// [`insert`](Self::insert). To send many messages at once without blocking, pack
    /// them into one frame with [`try_insert_packed`](Self::try_insert_packed).
    ///
    /// # Errors
    ///
    /// [`InsertError::TooLarge`] if any message is over
    /// [`IpcConfig::max_message_bytes`]: the whole batch is checked first, and then
    /// nothing is sent. Otherwise as [`insert`](Self::insert); on an error the
    /// messages before it were sent.
    ///
    /// # Example
    ///
    /// ```
    /// use mmring_native::ipc::{IpcConfig, IpcConsumer, IpcProducer};
    ///
    /// let config = IpcConfig::new("inproc://doc-insert-batch");
    /// let (mut producer, mut consumer) = (IpcProducer::new(config.clone())?, IpcConsumer::new(config)?);
    /// producer.insert_batch(&[b"a", b"b", b"c"])?;
    /// for expected in [b"a", b"b", b"c"] {
    ///     assert_eq!(consumer.consume()?, expected);
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn insert_batch(&mut self, msgs: &[&[u8]]) -> Result<(), InsertError> {
        for msg in msgs {
            check_size(&self.config, msg.len())?;
        }
        msgs.iter()
            .try_for_each(|msg| deliver(&self.link.socket, msg, Wait::Forever))
    }

    /// Packs `msgs` into one frame ([`packed`] framing: a little-endian `u32` length,
    /// then the bytes, for each) and sends it as one message, blocking like
    /// [`insert`](Self::insert). No messages send nothing.
    ///
    /// The frame is built in a buffer this producer keeps, so packing allocates nothing
    /// once the buffer has grown to the largest frame. Consumers read it with
    /// [`consume_packed`](crate::ipc::IpcConsumer::consume_packed), or any peer with
    /// the framing of the Python ring-buffer module mmring grew from.
    ///
    /// # Errors
    ///
    /// [`InsertError::TooLarge`] when the frame (each message plus its 4-byte length
    /// prefix) would be over [`IpcConfig::max_message_bytes`] ([`InsertError::FrameTooLong`]
    /// if its length does not even fit in a `usize`); [`InsertError::Frame`] with
    /// [`PackedError::TooLarge`](mmring_core::PackedError::TooLarge) for a message over
    /// `u32::MAX` bytes. Nothing is sent then, and the frame is not even built.
    /// Otherwise as [`insert`](Self::insert).
    ///
    /// # Example
    ///
    /// ```
    /// use mmring_native::ipc::{InsertError, IpcConfig, IpcConsumer, IpcProducer};
    ///
    /// let config = IpcConfig::new("inproc://doc-insert-packed");
    /// let (mut producer, mut consumer) = (IpcProducer::new(config.clone())?, IpcConsumer::new(config)?);
    /// producer.insert_packed(&[b"bid 101.25", b"", b"ask 101.50"])?;
    /// assert_eq!(consumer.consume_packed()?, [&b"bid 101.25"[..], b"", b"ask 101.50"]);
    ///
    /// // The limit applies to the frame: 2 × (4-byte prefix + 3 bytes) = 14 bytes.
    /// let small = IpcConfig::new("inproc://doc-packed-cap").with_max_message_bytes(13);
    /// let err = IpcProducer::new(small)?.insert_packed(&[b"bid", b"ask"]).unwrap_err();
    /// assert!(matches!(err, InsertError::TooLarge { len: 14, max: 13 }));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn insert_packed(&mut self, msgs: &[&[u8]]) -> Result<(), InsertError> {
        self.send_packed(msgs, Wait::Forever)
    }

    /// [`insert_packed`](Self::insert_packed) if the frame can be queued now.
    ///
    /// # Errors
    ///
    /// [`InsertError::Full`] as for [`try_insert`](Self::try_insert), or as
    /// [`insert_packed`](Self::insert_packed).
    ///
    /// # Example
    ///
    /// ```
    /// use mmring_native::ipc::{InsertError, IpcConfig, IpcProducer};
    ///
    /// let mut producer = IpcProducer::new(IpcConfig::new("inproc://doc-try-insert-packed"))?;
    /// assert!(matches!(producer.try_insert_packed(&[b"a", b"b"]), Err(InsertError::Full)));
    /// assert!(producer.try_insert_packed(&[]).is_ok()); // nothing to send
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn try_insert_packed(&mut self, msgs: &[&[u8]]) -> Result<(), InsertError> {
        self.send_packed(msgs, Wait::Never)
    }

    /// [`insert_packed`](Self::insert_packed), waiting at most `timeout` for room.
    ///
    /// # Errors
    ///
    /// [`InsertError::Timeout`] as for [`insert_timeout`](Self::insert_timeout), or as
    /// [`insert_packed`](Self::insert_packed).
    ///
    /// # Example
    ///
    /// ```
    /// use std::time::Duration;
    /// use mmring_native::ipc::{IpcConfig, IpcConsumer, IpcProducer};
    ///
    /// let config = IpcConfig::new("inproc://doc-insert-packed-timeout");
    /// let (mut producer, mut consumer) = (IpcProducer::new(config.clone())?, IpcConsumer::new(config)?);
    /// producer.insert_packed_timeout(&[b"x"], Duration::from_secs(1))?;
    /// assert_eq!(consumer.consume_packed()?, [b"x"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn insert_packed_timeout(
        &mut self,
        msgs: &[&[u8]],
        timeout: Duration,
    ) -> Result<(), InsertError> {
        self.send_packed(msgs, Wait::timeout(timeout))
    }

    /// Closes the socket, and removes the `ipc://` socket file this producer bound.
    /// Consuming the producer makes any later use a compile-time error. Waits at most
    /// `linger_ms`, and only when this is the last end of the process; see
    /// [Closing and dropping](Self#closing-and-dropping) for what happens to messages
    /// still queued. Dropping the producer does the same, ignoring errors.
    ///
    /// # Errors
    ///
    /// The OS error of removing the socket file (e.g. its directory no longer allows
    /// it); the socket is closed all the same.
    ///
    /// # Example
    ///
    /// ```
    /// use mmring_native::ipc::{IpcConfig, IpcProducer};
    ///
    /// let path = std::env::temp_dir().join(format!("mmring-doc-close-{}.sock", std::process::id()));
    /// let producer = IpcProducer::new(IpcConfig::new(format!("ipc://{}", path.display())))?;
    /// assert!(path.exists());
    /// producer.close()?;
    /// assert!(!path.exists());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// A closed producer cannot be used:
    ///
    /// ```compile_fail,E0382
    /// use mmring_native::ipc::{IpcConfig, IpcProducer};
    ///
    /// let mut producer = IpcProducer::new(IpcConfig::new("inproc://doc-closed"))?;
    /// producer.close()?;
    /// producer.insert(b"late")?; // error: use of moved value `producer`
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn close(self) -> io::Result<()> {
        self.link.close()
    }

    /// Every single-message send goes through here.
    fn send(&self, msg: &[u8], wait: Wait) -> Result<(), InsertError> {
        check_size(&self.config, msg.len())?;
        deliver(&self.link.socket, msg, wait)
    }

    /// Packs `msgs` into the reused frame buffer and sends it; no messages send nothing.
    /// The size limit is checked before packing, so an oversize frame is never built
    /// (nor left behind as the buffer's capacity).
    fn send_packed(&mut self, msgs: &[&[u8]], wait: Wait) -> Result<(), InsertError> {
        if msgs.is_empty() {
            return Ok(());
        }
        let len = frame_len(msgs).ok_or(InsertError::FrameTooLong {
            messages: msgs.len(),
        })?;
        check_size(&self.config, len)?;
        packed::try_pack_into(&mut self.frame, msgs.iter().copied())?;
        debug_assert_eq!(
            self.frame.len(),
            len,
            "frame_len follows the packed framing"
        );
        deliver(&self.link.socket, &self.frame, wait)
    }
}

/// Size in bytes of the little-endian `u32` length prefix the packed framing puts in
/// front of every message.
const PACKED_PREFIX_LEN: usize = 4;

/// Length of the packed frame of `msgs`; `None` when it does not fit in a `usize`.
fn frame_len(msgs: &[&[u8]]) -> Option<usize> {
    msgs.iter().try_fold(0, |len: usize, msg| {
        len.checked_add(PACKED_PREFIX_LEN)?.checked_add(msg.len())
    })
}

/// `Err(TooLarge)` when a message or frame of `len` bytes is over the
/// `max_message_bytes` of `config`.
fn check_size(config: &IpcConfig, len: usize) -> Result<(), InsertError> {
    if context::fits(len, config.max_message_bytes) {
        Ok(())
    } else {
        Err(InsertError::TooLarge {
            len,
            max: config.max_message_bytes,
        })
    }
}

/// Sends `msg` on `socket` under `wait`.
fn deliver(socket: &zmq::Socket, msg: &[u8], wait: Wait) -> Result<(), InsertError> {
    match context::send(socket, msg, wait)? {
        Outcome::Done(()) => Ok(()),
        Outcome::WouldBlock => Err(InsertError::Full),
        Outcome::TimedOut => Err(InsertError::Timeout),
    }
}

impl fmt::Debug for IpcProducer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IpcProducer")
            .field("endpoint", &self.link.endpoint)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}
