//! The receiving end: a ZeroMQ PULL socket.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use mmring_core::packed;

use crate::ipc::context::{self, Role, Wait};
use crate::ipc::readiness::ConsumerSocket;
use crate::ipc::socket_file::SocketFile;
use crate::ipc::{IpcConfig, IpcError};

/// The receiving end of an [`ipc`](crate::ipc) ring: a ZeroMQ PULL socket.
///
/// It connects to the endpoint when the configuration has one producer, and binds it
/// otherwise (MPSC). With several producers it takes messages from each in turn (fair
/// queueing); the messages of one producer arrive in the order they were sent.
/// An `IpcConsumer` is `Send` but not `Sync`.
///
/// Messages come back as [`Bytes`] that own the received ZeroMQ message: no copy of
/// the payload is made, and [`consume_packed`](Self::consume_packed) hands out the
/// messages of a frame as slices of it.
///
/// | wait | one message | one packed frame |
/// |---|---|---|
/// | block | [`consume`](Self::consume) | [`consume_packed`](Self::consume_packed) |
/// | never | [`try_consume`](Self::try_consume), [`consume_all`](Self::consume_all) | [`try_consume_packed`](Self::try_consume_packed) |
/// | at most `d` | [`consume_timeout`](Self::consume_timeout) | [`consume_packed_timeout`](Self::consume_packed_timeout) |
/// | async | [`aconsume`](Self::aconsume) | [`aconsume_packed`](Self::aconsume_packed) |
///
/// [`stop`](Self::stop) closes the socket, discarding what was queued for it; later
/// calls return [`IpcError::Stopped`]. Stopping or dropping returns at once, unless
/// this is the last end of the process and a producer of it closed with messages
/// still lingering (see [`IpcProducer`](crate::ipc::IpcProducer)).
///
/// # Example
///
/// ```
/// use std::time::Duration;
/// use mmring_native::ipc::{IpcConfig, IpcConsumer, IpcError, IpcProducer};
///
/// let config = IpcConfig::new("inproc://doc-consumer");
/// let mut producer = IpcProducer::new(config.clone())?;
/// let mut consumer = IpcConsumer::new(config)?;
///
/// producer.insert_batch(&[b"one", b"two"])?;
/// assert_eq!(consumer.consume()?, &b"one"[..]);
/// assert_eq!(consumer.consume_timeout(Duration::from_secs(1))?, &b"two"[..]);
/// assert!(matches!(consumer.try_consume(), Ok(None)));
/// # Ok::<(), IpcError>(())
/// ```
pub struct IpcConsumer {
    /// The PULL socket (with its async registration); `None` once stopped.
    socket: Option<ConsumerSocket>,
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
}

impl IpcConsumer {
    /// Validates `config`, opens a PULL socket with its high-water mark and linger set,
    /// and binds or connects it.
    ///
    /// Connecting succeeds before the producer exists: ZeroMQ connects (and
    /// reconnects) in the background. Binding an `ipc://` path replaces any socket file
    /// already there, including that of a live process: give each ring its own path.
    /// The file is removed again when the consumer stops or is dropped.
    ///
    /// # Errors
    ///
    /// A configuration error (see [`IpcConfig::validate`]), [`IpcError::Bind`] or
    /// [`IpcError::Connect`], or [`IpcError::Zmq`].
    ///
    /// # Example
    ///
    /// ```
    /// use mmring_native::ipc::{IpcConfig, IpcConsumer};
    ///
    /// // With several producers the consumer binds; port * picks a free port.
    /// let consumer = IpcConsumer::new(IpcConfig::mpsc("tcp://127.0.0.1:*", 3))?;
    /// assert!(consumer.endpoint().starts_with("tcp://127.0.0.1:"));
    /// # Ok::<(), mmring_native::ipc::IpcError>(())
    /// ```
    pub fn new(config: IpcConfig) -> Result<Self, IpcError> {
        let opened = context::open(&config, Role::Consumer)?;
        Ok(Self {
            socket: Some(ConsumerSocket::new(opened.socket)),
            socket_file: opened.socket_file,
            context: Some(opened.context),
            endpoint: opened.endpoint,
            config,
        })
    }

    /// The endpoint this consumer is bound or connected to. After binding
    /// `tcp://HOST:*` it holds the port the system picked, for producers to connect to.
    ///
    /// # Example
    ///
    /// ```
    /// use mmring_native::ipc::{IpcConfig, IpcConsumer};
    ///
    /// let consumer = IpcConsumer::new(IpcConfig::new("inproc://doc-consumer-endpoint"))?;
    /// assert_eq!(consumer.endpoint(), "inproc://doc-consumer-endpoint");
    /// # Ok::<(), mmring_native::ipc::IpcError>(())
    /// ```
    #[must_use]
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The configuration this consumer was built from.
    ///
    /// # Example
    ///
    /// ```
    /// use mmring_native::ipc::{IpcConfig, IpcConsumer};
    ///
    /// let config = IpcConfig::new("inproc://doc-consumer-config");
    /// let consumer = IpcConsumer::new(config.clone())?;
    /// assert_eq!(consumer.config(), &config);
    /// # Ok::<(), mmring_native::ipc::IpcError>(())
    /// ```
    #[must_use]
    pub fn config(&self) -> &IpcConfig {
        &self.config
    }

    /// Receives the next message, blocking until one arrives.
    ///
    /// # Errors
    ///
    /// [`IpcError::Stopped`] after [`stop`](Self::stop), or [`IpcError::Zmq`].
    ///
    /// # Example
    ///
    /// ```
    /// use mmring_native::ipc::{IpcConfig, IpcConsumer, IpcProducer};
    ///
    /// let config = IpcConfig::new("inproc://doc-consume");
    /// let (mut producer, mut consumer) = (IpcProducer::new(config.clone())?, IpcConsumer::new(config)?);
    /// let sender = std::thread::spawn(move || producer.insert(b"fill"));
    /// assert_eq!(consumer.consume()?, &b"fill"[..]);
    /// sender.join().unwrap()?;
    /// # Ok::<(), mmring_native::ipc::IpcError>(())
    /// ```
    pub fn consume(&mut self) -> Result<Bytes, IpcError> {
        self.recv_required(Wait::Forever).map(context::into_bytes)
    }

    /// Receives the next message if one is queued now; `Ok(None)` otherwise.
    ///
    /// # Errors
    ///
    /// [`IpcError::Stopped`] after [`stop`](Self::stop), or [`IpcError::Zmq`].
    ///
    /// # Example
    ///
    /// ```
    /// use mmring_native::ipc::{IpcConfig, IpcConsumer};
    ///
    /// let mut consumer = IpcConsumer::new(IpcConfig::new("inproc://doc-try-consume"))?;
    /// assert_eq!(consumer.try_consume()?, None);
    /// # Ok::<(), mmring_native::ipc::IpcError>(())
    /// ```
    pub fn try_consume(&mut self) -> Result<Option<Bytes>, IpcError> {
        Ok(self.recv(Wait::Never)?.map(context::into_bytes))
    }

    /// Receives the next message, waiting at most `timeout` for it.
    ///
    /// # Errors
    ///
    /// [`IpcError::Timeout`] if none arrived in time, [`IpcError::Stopped`] after
    /// [`stop`](Self::stop), or [`IpcError::Zmq`].
    ///
    /// # Example
    ///
    /// ```
    /// use std::time::Duration;
    /// use mmring_native::ipc::{IpcConfig, IpcConsumer, IpcError};
    ///
    /// let mut consumer = IpcConsumer::new(IpcConfig::new("inproc://doc-consume-timeout"))?;
    /// let err = consumer.consume_timeout(Duration::from_millis(10)).unwrap_err();
    /// assert!(matches!(err, IpcError::Timeout));
    /// # Ok::<(), IpcError>(())
    /// ```
    pub fn consume_timeout(&mut self, timeout: Duration) -> Result<Bytes, IpcError> {
        self.recv_required(Wait::timeout(timeout))
            .map(context::into_bytes)
    }

    /// Takes every message already queued at this consumer, oldest first, without
    /// waiting; an empty `Vec` when none is.
    ///
    /// This is a drain of what has *arrived*, not of everything the producers sent:
    /// messages still in flight (in the producer's queue, in the kernel, on the
    /// network) are left for later calls, so right after an `insert` this can return
    /// fewer messages than were sent, even none. It returns after at most
    /// [`IpcConfig::backlog`] messages, so a producer faster than the consumer cannot
    /// keep it here; call it again for more.
    ///
    /// # Errors
    ///
    /// [`IpcError::Stopped`] after [`stop`](Self::stop), or [`IpcError::Zmq`]; the
    /// messages taken before an error are lost.
    ///
    /// # Example
    ///
    /// ```
    /// use mmring_native::ipc::{IpcConfig, IpcConsumer, IpcProducer};
    ///
    /// let config = IpcConfig::new("inproc://doc-consume-all");
    /// let (mut producer, mut consumer) = (IpcProducer::new(config.clone())?, IpcConsumer::new(config)?);
    /// producer.insert_batch(&[b"a", b"b", b"c"])?;
    ///
    /// // A transport may still be delivering: collect until all three are here.
    /// let mut got = consumer.consume_all()?;
    /// while got.len() < 3 {
    ///     got.push(consumer.consume()?);
    ///     got.extend(consumer.consume_all()?);
    /// }
    /// assert_eq!(got, [&b"a"[..], &b"b"[..], &b"c"[..]]);
    /// assert!(consumer.consume_all()?.is_empty());
    /// # Ok::<(), mmring_native::ipc::IpcError>(())
    /// ```
    pub fn consume_all(&mut self) -> Result<Vec<Bytes>, IpcError> {
        let mut messages = Vec::new();
        let limit = usize::try_from(self.config.backlog).unwrap_or(usize::MAX);
        while messages.len() < limit {
            match self.recv(Wait::Never)? {
                Some(message) => messages.push(context::into_bytes(message)),
                None => break,
            }
        }
        Ok(messages)
    }

    /// Receives the next message as a packed frame and returns its messages, blocking
    /// until one arrives. Each message is a [`Bytes`] slice of the one received frame:
    /// nothing is copied per message. An empty frame holds no messages.
    ///
    /// # Errors
    ///
    /// [`IpcError::Packed`] with [`PackedError::Corrupt`](mmring_core::PackedError::Corrupt)
    /// if the frame is malformed (it is discarded; the next call reads the next frame),
    /// [`IpcError::Stopped`] after [`stop`](Self::stop), or [`IpcError::Zmq`].
    ///
    /// # Example
    ///
    /// ```
    /// use mmring_native::PackedError;
    /// use mmring_native::ipc::{IpcConfig, IpcConsumer, IpcError, IpcProducer};
    ///
    /// let config = IpcConfig::new("inproc://doc-consume-packed");
    /// let (mut producer, mut consumer) = (IpcProducer::new(config.clone())?, IpcConsumer::new(config)?);
    /// producer.insert_packed(&[b"bid", b"ask"])?;
    /// assert_eq!(consumer.consume_packed()?, [&b"bid"[..], &b"ask"[..]]);
    ///
    /// // One whole message, then two stray bytes: the frame is rejected, not half-read.
    /// producer.insert(&[1, 0, 0, 0, b'x', 7, 7])?;
    /// let err = consumer.consume_packed().unwrap_err();
    /// assert!(matches!(err, IpcError::Packed(PackedError::Corrupt { offset: 5 })));
    /// # Ok::<(), IpcError>(())
    /// ```
    pub fn consume_packed(&mut self) -> Result<Vec<Bytes>, IpcError> {
        unpack(self.recv_required(Wait::Forever)?)
    }

    /// [`consume_packed`](Self::consume_packed) if a frame is queued now; `Ok(None)`
    /// otherwise.
    ///
    /// # Errors
    ///
    /// As [`consume_packed`](Self::consume_packed).
    ///
    /// # Example
    ///
    /// ```
    /// use mmring_native::ipc::{IpcConfig, IpcConsumer};
    ///
    /// let mut consumer = IpcConsumer::new(IpcConfig::new("inproc://doc-try-consume-packed"))?;
    /// assert_eq!(consumer.try_consume_packed()?, None);
    /// # Ok::<(), mmring_native::ipc::IpcError>(())
    /// ```
    pub fn try_consume_packed(&mut self) -> Result<Option<Vec<Bytes>>, IpcError> {
        self.recv(Wait::Never)?.map(unpack).transpose()
    }

    /// [`consume_packed`](Self::consume_packed), waiting at most `timeout` for a frame.
    ///
    /// # Errors
    ///
    /// [`IpcError::Timeout`] if none arrived in time, or as
    /// [`consume_packed`](Self::consume_packed).
    ///
    /// # Example
    ///
    /// ```
    /// use std::time::Duration;
    /// use mmring_native::ipc::{IpcConfig, IpcConsumer, IpcProducer};
    ///
    /// let config = IpcConfig::new("inproc://doc-consume-packed-timeout");
    /// let (mut producer, mut consumer) = (IpcProducer::new(config.clone())?, IpcConsumer::new(config)?);
    /// producer.insert_packed(&[b""])?;
    /// assert_eq!(consumer.consume_packed_timeout(Duration::from_secs(1))?, [&b""[..]]);
    /// # Ok::<(), mmring_native::ipc::IpcError>(())
    /// ```
    pub fn consume_packed_timeout(&mut self, timeout: Duration) -> Result<Vec<Bytes>, IpcError> {
        unpack(self.recv_required(Wait::timeout(timeout))?)
    }

    /// Receives the next message, waiting without blocking the thread.
    ///
    /// Works under any executor (tokio, smol, a bare `block_on`): the wait is on
    /// ZeroMQ's notification fd through `async-io`'s reactor, which runs on its own
    /// thread when the executor is not `async-io`'s. Cancel-safe: dropping the future
    /// before it completes loses no message.
    ///
    /// # Errors
    ///
    /// [`IpcError::Stopped`] after [`stop`](Self::stop), [`IpcError::Io`] if the
    /// reactor fails, or [`IpcError::Zmq`].
    ///
    /// # Example
    ///
    /// ```
    /// use mmring_native::ipc::{IpcConfig, IpcConsumer, IpcProducer};
    ///
    /// let config = IpcConfig::new("inproc://doc-aconsume");
    /// let (mut producer, mut consumer) = (IpcProducer::new(config.clone())?, IpcConsumer::new(config)?);
    /// let sender = std::thread::spawn(move || producer.insert(b"async"));
    /// let message = futures::executor::block_on(consumer.aconsume())?;
    /// assert_eq!(message, &b"async"[..]);
    /// sender.join().unwrap()?;
    /// # Ok::<(), mmring_native::ipc::IpcError>(())
    /// ```
    pub async fn aconsume(&mut self) -> Result<Bytes, IpcError> {
        let socket = self.socket.as_mut().ok_or(IpcError::Stopped)?;
        socket
            .recv(self.config.max_message_bytes)
            .await
            .map(context::into_bytes)
    }

    /// [`consume_packed`](Self::consume_packed), waiting without blocking the thread,
    /// as [`aconsume`](Self::aconsume) does.
    ///
    /// # Errors
    ///
    /// As [`consume_packed`](Self::consume_packed) and [`aconsume`](Self::aconsume).
    ///
    /// # Example
    ///
    /// ```
    /// use mmring_native::ipc::{IpcConfig, IpcConsumer, IpcProducer};
    ///
    /// let config = IpcConfig::new("inproc://doc-aconsume-packed");
    /// let (mut producer, mut consumer) = (IpcProducer::new(config.clone())?, IpcConsumer::new(config)?);
    /// let sender = std::thread::spawn(move || producer.insert_packed(&[b"a", b"b"]));
    /// let messages = futures::executor::block_on(consumer.aconsume_packed())?;
    /// assert_eq!(messages, [&b"a"[..], &b"b"[..]]);
    /// sender.join().unwrap()?;
    /// # Ok::<(), mmring_native::ipc::IpcError>(())
    /// ```
    pub async fn aconsume_packed(&mut self) -> Result<Vec<Bytes>, IpcError> {
        let socket = self.socket.as_mut().ok_or(IpcError::Stopped)?;
        unpack(socket.recv(self.config.max_message_bytes).await?)
    }

    /// Closes the socket, discarding messages queued for it. Idempotent: stopping
    /// again is `Ok`. Every other call afterwards returns [`IpcError::Stopped`].
    ///
    /// # Errors
    ///
    /// None today; the `Result` leaves room for a transport that can fail to close.
    ///
    /// # Example
    ///
    /// ```
    /// use mmring_native::ipc::{IpcConfig, IpcConsumer, IpcError};
    ///
    /// let mut consumer = IpcConsumer::new(IpcConfig::new("inproc://doc-consumer-stop"))?;
    /// consumer.stop()?;
    /// consumer.stop()?;
    /// assert!(consumer.is_stopped());
    /// assert!(matches!(consumer.try_consume(), Err(IpcError::Stopped)));
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
    /// use mmring_native::ipc::{IpcConfig, IpcConsumer};
    ///
    /// let consumer = IpcConsumer::new(IpcConfig::new("inproc://doc-consumer-is-stopped"))?;
    /// assert!(!consumer.is_stopped());
    /// # Ok::<(), mmring_native::ipc::IpcError>(())
    /// ```
    #[must_use]
    pub fn is_stopped(&self) -> bool {
        self.socket.is_none()
    }

    /// Every synchronous receive goes through here; `None` only under `Wait::Never`.
    fn recv(&mut self, wait: Wait) -> Result<Option<zmq::Message>, IpcError> {
        let socket = self.socket.as_ref().ok_or(IpcError::Stopped)?;
        context::recv(socket.socket(), wait, self.config.max_message_bytes)
    }

    /// [`recv`](Self::recv) for the waits that always yield a message or an error.
    fn recv_required(&mut self, wait: Wait) -> Result<zmq::Message, IpcError> {
        debug_assert!(!matches!(wait, Wait::Never));
        self.recv(wait)?.ok_or(IpcError::Timeout)
    }
}

impl fmt::Debug for IpcConsumer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IpcConsumer")
            .field("endpoint", &self.endpoint)
            .field("config", &self.config)
            .field("stopped", &self.is_stopped())
            .finish_non_exhaustive()
    }
}

/// The messages of the packed frame `message`, as slices of it.
fn unpack(message: zmq::Message) -> Result<Vec<Bytes>, IpcError> {
    let frame = context::into_bytes(message);
    packed::iter(&frame)
        .map(|message| Ok(frame.slice_ref(message?)))
        .collect()
}
