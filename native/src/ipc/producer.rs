//! The sending end: a ZeroMQ PUSH socket.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use mmring_core::packed;

use crate::ipc::context::{self, Role, Wait};
use crate::ipc::socket_file::SocketFile;
use crate::ipc::{IpcConfig, IpcError};

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
/// returns [`IpcError::Full`] instead, [`insert_timeout`](Self::insert_timeout) gives
/// up with [`IpcError::Timeout`].
///
/// A message (or packed frame) longer than [`IpcConfig::max_message_bytes`] is refused
/// on every path with [`IpcError::TooLarge`] before anything is sent: a consumer with
/// that limit would only drop it.
///
/// # Stopping and dropping
///
/// [`stop`](Self::stop) closes the socket; later calls return [`IpcError::Stopped`].
/// Messages still queued then get [`IpcConfig::linger_ms`] to be delivered; the
/// default 0 discards them. Stopping or dropping returns at once while other ends
/// (producers or consumers) of this process are alive, and delivery goes on in the
/// background; the last end of the process waits for it, at most `linger_ms` (the
/// largest of the ends that closed with messages queued). So a process that sends
/// and exits delivers what it sent, given a linger long enough. A producer that bound
/// an `ipc://` path removes its socket file.
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
/// assert_eq!(consumer.consume()?, &b"tick"[..]);
/// assert_eq!(consumer.consume_packed()?, [&b"bid"[..], &b"ask"[..]]);
/// # Ok::<(), mmring_native::ipc::IpcError>(())
/// ```
pub struct IpcProducer {
    /// The PUSH socket; `None` once stopped.
    socket: Option<zmq::Socket>,
    /// The `ipc://` socket file it bound, removed after the socket closes (declared
    /// after `socket` for that drop order).
    socket_file: Option<SocketFile>,
    /// Keeps the context shared by the ends of this process alive; `None` once
    /// stopped. Declared after `socket`: when this is the last end, the context
    /// terminates after the socket closed, waiting up to `linger_ms` for queued
    /// messages.
    context: Option<Arc<zmq::Context>>,
    /// The configuration it was built from.
    config: IpcConfig,
    /// The endpoint the socket is bound or connected to, with a wildcard port resolved.
    endpoint: String,
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
    /// The file is removed again when the producer stops or is dropped.
    ///
    /// # Errors
    ///
    /// A configuration error (see [`IpcConfig::validate`]), [`IpcError::Bind`] or
    /// [`IpcError::Connect`], or [`IpcError::Zmq`].
    ///
    /// # Example
    ///
    /// ```
    /// use mmring_native::ipc::{IpcConfig, IpcProducer};
    ///
    /// // Port * lets the system pick a free port; `endpoint()` tells which.
    /// let producer = IpcProducer::new(IpcConfig::new("tcp://127.0.0.1:*"))?;
    /// assert!(producer.endpoint().starts_with("tcp://127.0.0.1:"));
    /// # Ok::<(), mmring_native::ipc::IpcError>(())
    /// ```
    pub fn new(config: IpcConfig) -> Result<Self, IpcError> {
        let opened = context::open(&config, Role::Producer)?;
        Ok(Self {
            socket: Some(opened.socket),
            socket_file: opened.socket_file,
            context: Some(opened.context),
            endpoint: opened.endpoint,
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
    /// # Ok::<(), mmring_native::ipc::IpcError>(())
    /// ```
    #[must_use]
    pub fn endpoint(&self) -> &str {
        &self.endpoint
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
    /// # Ok::<(), mmring_native::ipc::IpcError>(())
    /// ```
    #[must_use]
    pub fn config(&self) -> &IpcConfig {
        &self.config
    }

    /// Sends one message, blocking while the queue is full or no consumer is
    /// connected (like the seed). The bytes are copied into a ZeroMQ message.
    ///
    /// # Errors
    ///
    /// [`IpcError::TooLarge`] for a message over [`IpcConfig::max_message_bytes`]
    /// (nothing is sent), [`IpcError::Stopped`] after [`stop`](Self::stop), or
    /// [`IpcError::Zmq`].
    ///
    /// # Example
    ///
    /// ```
    /// use mmring_native::ipc::{IpcConfig, IpcConsumer, IpcError, IpcProducer};
    ///
    /// let config = IpcConfig::new("inproc://doc-insert");
    /// let (mut producer, mut consumer) = (IpcProducer::new(config.clone())?, IpcConsumer::new(config)?);
    /// producer.insert("héllo".as_bytes())?;
    /// assert_eq!(consumer.consume()?, "héllo".as_bytes());
    ///
    /// // Over the limit: refused here rather than dropped by the consumer.
    /// let small = IpcConfig { max_message_bytes: 4, ..IpcConfig::new("inproc://doc-insert-cap") };
    /// let mut producer = IpcProducer::new(small)?;
    /// let err = producer.insert(b"12345").unwrap_err();
    /// assert!(matches!(err, IpcError::TooLarge { len: 5, max: 4 }));
    /// # Ok::<(), IpcError>(())
    /// ```
    pub fn insert(&mut self, msg: &[u8]) -> Result<(), IpcError> {
        self.send(msg, Wait::Forever)
    }

    /// [`insert`](Self::insert) for a [`Bytes`], e.g. one handed over by a network
    /// stack or received from an [`IpcConsumer`](crate::ipc::IpcConsumer).
    ///
    /// # Errors
    ///
    /// As [`insert`](Self::insert).
    ///
    /// # Example
    ///
    /// ```
    /// use mmring_native::Bytes;
    /// use mmring_native::ipc::{IpcConfig, IpcConsumer, IpcProducer};
    ///
    /// let config = IpcConfig::new("inproc://doc-insert-bytes");
    /// let (mut producer, mut consumer) = (IpcProducer::new(config.clone())?, IpcConsumer::new(config)?);
    /// producer.insert_bytes(Bytes::from_static(b"{\"px\":101.5}"))?;
    /// assert_eq!(consumer.consume()?, Bytes::from_static(b"{\"px\":101.5}"));
    /// # Ok::<(), mmring_native::ipc::IpcError>(())
    /// ```
    pub fn insert_bytes(&mut self, msg: Bytes) -> Result<(), IpcError> {
        self.send(&msg, Wait::Forever)
    }

    /// Sends one message if it can be queued now.
    ///
    /// # Errors
    ///
    /// [`IpcError::Full`] when the queue is at its high-water mark or no consumer is
    /// connected yet (the message is not sent), [`IpcError::TooLarge`] as for
    /// [`insert`](Self::insert), [`IpcError::Stopped`] after [`stop`](Self::stop), or
    /// [`IpcError::Zmq`].
    ///
    /// # Example
    ///
    /// ```
    /// use mmring_native::ipc::{IpcConfig, IpcError, IpcProducer};
    ///
    /// // This producer binds and no consumer has connected: nothing can be queued.
    /// let mut producer = IpcProducer::new(IpcConfig::new("inproc://doc-try-insert"))?;
    /// assert!(matches!(producer.try_insert(b"quote"), Err(IpcError::Full)));
    /// # Ok::<(), IpcError>(())
    /// ```
    pub fn try_insert(&mut self, msg: &[u8]) -> Result<(), IpcError> {
        self.send(msg, Wait::Never)
    }

    /// Sends one message, waiting at most `timeout` for room in the queue.
    ///
    /// # Errors
    ///
    /// [`IpcError::Timeout`] if it could not be queued in time (the message is not
    /// sent), [`IpcError::TooLarge`] as for [`insert`](Self::insert),
    /// [`IpcError::Stopped`] after [`stop`](Self::stop), or [`IpcError::Zmq`].
    ///
    /// # Example
    ///
    /// ```
    /// use std::time::Duration;
    /// use mmring_native::ipc::{IpcConfig, IpcError, IpcProducer};
    ///
    /// let mut producer = IpcProducer::new(IpcConfig::new("inproc://doc-insert-timeout"))?;
    /// let err = producer.insert_timeout(b"quote", Duration::from_millis(10)).unwrap_err();
    /// assert!(matches!(err, IpcError::Timeout));
    /// # Ok::<(), IpcError>(())
    /// ```
    pub fn insert_timeout(&mut self, msg: &[u8], timeout: Duration) -> Result<(), IpcError> {
        self.send(msg, Wait::timeout(timeout))
    }

    /// Sends each message of `msgs` in order, as separate messages, blocking like
    /// [`insert`](Self::insert). To send many messages at once without blocking, pack
    /// them into one frame with [`try_insert_packed`](Self::try_insert_packed).
    ///
    /// # Errors
    ///
    /// [`IpcError::TooLarge`] if any message is over [`IpcConfig::max_message_bytes`]:
    /// the whole batch is checked first, and then nothing is sent. Otherwise as
    /// [`insert`](Self::insert); on an error the messages before it were sent.
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
    ///     assert_eq!(consumer.consume()?, &expected[..]);
    /// }
    /// # Ok::<(), mmring_native::ipc::IpcError>(())
    /// ```
    pub fn insert_batch(&mut self, msgs: &[&[u8]]) -> Result<(), IpcError> {
        let socket = self.socket.as_ref().ok_or(IpcError::Stopped)?;
        for msg in msgs {
            check_size(msg.len(), self.config.max_message_bytes)?;
        }
        msgs.iter()
            .try_for_each(|msg| deliver(socket, msg, Wait::Forever))
    }

    /// Packs `msgs` into one frame ([`packed`] framing: a little-endian `u32` length,
    /// then the bytes, for each) and sends it as one message, blocking like
    /// [`insert`](Self::insert). No messages send nothing.
    ///
    /// The frame is built in a buffer this producer keeps, so packing allocates nothing
    /// once the buffer has grown to the largest frame. Consumers read it with
    /// [`consume_packed`](crate::ipc::IpcConsumer::consume_packed), or any peer with the
    /// seed's Python framing.
    ///
    /// # Errors
    ///
    /// [`IpcError::TooLarge`] when the frame (each message plus its 4-byte length
    /// prefix) would be over [`IpcConfig::max_message_bytes`]; [`IpcError::Packed`]
    /// with [`PackedError::TooLarge`](mmring_core::PackedError::TooLarge) for a message
    /// over `u32::MAX` bytes. Nothing is sent then, and the frame is not even built.
    /// Otherwise as [`insert`](Self::insert).
    ///
    /// # Example
    ///
    /// ```
    /// use mmring_native::ipc::{IpcConfig, IpcConsumer, IpcError, IpcProducer};
    ///
    /// let config = IpcConfig::new("inproc://doc-insert-packed");
    /// let (mut producer, mut consumer) = (IpcProducer::new(config.clone())?, IpcConsumer::new(config)?);
    /// producer.insert_packed(&[b"bid 101.25", b"", b"ask 101.50"])?;
    /// assert_eq!(consumer.consume_packed()?, [&b"bid 101.25"[..], &b""[..], &b"ask 101.50"[..]]);
    ///
    /// // The limit applies to the frame: 2 × (4-byte prefix + 3 bytes) = 14 bytes.
    /// let small = IpcConfig { max_message_bytes: 13, ..IpcConfig::new("inproc://doc-packed-cap") };
    /// let err = IpcProducer::new(small)?.insert_packed(&[b"bid", b"ask"]).unwrap_err();
    /// assert!(matches!(err, IpcError::TooLarge { len: 14, max: 13 }));
    /// # Ok::<(), IpcError>(())
    /// ```
    pub fn insert_packed(&mut self, msgs: &[&[u8]]) -> Result<(), IpcError> {
        self.send_packed(msgs, Wait::Forever)
    }

    /// [`insert_packed`](Self::insert_packed) if the frame can be queued now.
    ///
    /// # Errors
    ///
    /// [`IpcError::Full`] as for [`try_insert`](Self::try_insert), or as
    /// [`insert_packed`](Self::insert_packed).
    ///
    /// # Example
    ///
    /// ```
    /// use mmring_native::ipc::{IpcConfig, IpcError, IpcProducer};
    ///
    /// let mut producer = IpcProducer::new(IpcConfig::new("inproc://doc-try-insert-packed"))?;
    /// assert!(matches!(producer.try_insert_packed(&[b"a", b"b"]), Err(IpcError::Full)));
    /// assert!(producer.try_insert_packed(&[]).is_ok()); // nothing to send
    /// # Ok::<(), IpcError>(())
    /// ```
    pub fn try_insert_packed(&mut self, msgs: &[&[u8]]) -> Result<(), IpcError> {
        self.send_packed(msgs, Wait::Never)
    }

    /// [`insert_packed`](Self::insert_packed), waiting at most `timeout` for room.
    ///
    /// # Errors
    ///
    /// [`IpcError::Timeout`] as for [`insert_timeout`](Self::insert_timeout), or as
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
    /// assert_eq!(consumer.consume_packed()?, [&b"x"[..]]);
    /// # Ok::<(), mmring_native::ipc::IpcError>(())
    /// ```
    pub fn insert_packed_timeout(
        &mut self,
        msgs: &[&[u8]],
        timeout: Duration,
    ) -> Result<(), IpcError> {
        self.send_packed(msgs, Wait::timeout(timeout))
    }

    /// Closes the socket. Idempotent: stopping again is `Ok`. Every other call
    /// afterwards returns [`IpcError::Stopped`]. Waits at most `linger_ms`, and only
    /// when this is the last end of the process; see the type docs for what happens
    /// to messages still queued.
    ///
    /// # Errors
    ///
    /// None today; the `Result` leaves room for a transport that can fail to close.
    ///
    /// # Example
    ///
    /// ```
    /// use mmring_native::ipc::{IpcConfig, IpcError, IpcProducer};
    ///
    /// let mut producer = IpcProducer::new(IpcConfig::new("inproc://doc-producer-stop"))?;
    /// producer.stop()?;
    /// producer.stop()?; // still fine
    /// assert!(producer.is_stopped());
    /// assert!(matches!(producer.insert(b"late"), Err(IpcError::Stopped)));
    /// # Ok::<(), IpcError>(())
    /// ```
    pub fn stop(&mut self) -> Result<(), IpcError> {
        self.socket = None;
        self.socket_file = None;
        self.context = None;
        Ok(())
    }

    /// Whether [`stop`](Self::stop) was called.
    ///
    /// # Example
    ///
    /// ```
    /// use mmring_native::ipc::{IpcConfig, IpcProducer};
    ///
    /// let producer = IpcProducer::new(IpcConfig::new("inproc://doc-producer-is-stopped"))?;
    /// assert!(!producer.is_stopped());
    /// # Ok::<(), mmring_native::ipc::IpcError>(())
    /// ```
    #[must_use]
    pub fn is_stopped(&self) -> bool {
        self.socket.is_none()
    }

    /// Every single-message send goes through here.
    fn send(&self, msg: &[u8], wait: Wait) -> Result<(), IpcError> {
        let socket = self.socket.as_ref().ok_or(IpcError::Stopped)?;
        check_size(msg.len(), self.config.max_message_bytes)?;
        deliver(socket, msg, wait)
    }

    /// Packs `msgs` into the reused frame buffer and sends it; no messages send nothing.
    /// The size limit is checked before packing, so an oversize frame is never built
    /// (nor left behind as the buffer's capacity).
    fn send_packed(&mut self, msgs: &[&[u8]], wait: Wait) -> Result<(), IpcError> {
        let socket = self.socket.as_ref().ok_or(IpcError::Stopped)?;
        if msgs.is_empty() {
            return Ok(());
        }
        let len = frame_len(msgs);
        check_size(len, self.config.max_message_bytes)?;
        packed::try_pack_into(&mut self.frame, msgs.iter().copied())?;
        debug_assert_eq!(
            self.frame.len(),
            len,
            "frame_len follows the packed framing"
        );
        deliver(socket, &self.frame, wait)
    }
}

/// Size in bytes of the little-endian `u32` length prefix the packed framing puts in
/// front of every message.
const PACKED_PREFIX_LEN: usize = 4;

/// Length of the packed frame of `msgs`, saturating at `usize::MAX` (over any limit).
fn frame_len(msgs: &[&[u8]]) -> usize {
    msgs.iter().fold(0, |len: usize, msg| {
        len.saturating_add(PACKED_PREFIX_LEN)
            .saturating_add(msg.len())
    })
}

/// `Err(TooLarge)` when a message or frame of `len` bytes is over `max_bytes`.
fn check_size(len: usize, max_bytes: u64) -> Result<(), IpcError> {
    if context::fits(len, max_bytes) {
        Ok(())
    } else {
        Err(IpcError::TooLarge {
            len,
            max: max_bytes,
        })
    }
}

/// Sends `msg` on `socket`; `Full` when it would block under [`Wait::Never`].
fn deliver(socket: &zmq::Socket, msg: &[u8], wait: Wait) -> Result<(), IpcError> {
    if context::send(socket, msg, wait)? {
        Ok(())
    } else {
        Err(IpcError::Full)
    }
}

impl fmt::Debug for IpcProducer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IpcProducer")
            .field("endpoint", &self.endpoint)
            .field("config", &self.config)
            .field("stopped", &self.is_stopped())
            .finish_non_exhaustive()
    }
}
