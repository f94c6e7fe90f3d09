//! The receiving end: a ZeroMQ PULL socket.

use std::fmt;
use std::io;
use std::time::Duration;

use mmring_core::packed;

use crate::ipc::context::{self, Link, Outcome, Role, Wait};
use crate::ipc::readiness::ConsumerSocket;
use crate::ipc::{ConsumeError, IpcConfig, OpenError};

/// The receiving end of an [`ipc`](crate::ipc) ring: a ZeroMQ PULL socket.
///
/// It connects to the endpoint when the configuration has one producer, and binds it
/// otherwise (MPSC). With several producers it takes messages from each in turn (fair
/// queueing); the messages of one producer arrive in the order they were sent.
/// An `IpcConsumer` is `Send` but not `Sync`.
///
/// Messages come back as `Vec<u8>`, copied out of the received ZeroMQ message;
/// [`consume_into`](Self::consume_into) copies into a buffer of yours instead, and
/// allocates nothing once it is large enough.
///
/// | wait | one message | one packed frame |
/// |---|---|---|
/// | block | [`consume`](Self::consume) | [`consume_packed`](Self::consume_packed) |
/// | never | [`try_consume`](Self::try_consume), [`consume_into`](Self::consume_into), [`consume_all`](Self::consume_all) | [`try_consume_packed`](Self::try_consume_packed) |
/// | at most `d` | [`consume_timeout`](Self::consume_timeout) | [`consume_packed_timeout`](Self::consume_packed_timeout) |
/// | async | [`aconsume`](Self::aconsume) | [`aconsume_packed`](Self::aconsume_packed) |
///
/// The packed calls return each message of a frame as its own `Vec<u8>`. To read a
/// frame without allocating per message, take it whole with
/// [`consume_into`](Self::consume_into) and walk it with
/// [`packed::iter`](mmring_core::packed::iter), which borrows every message from the
/// frame:
///
/// ```
/// use mmring_native::packed;
/// use mmring_native::ipc::{IpcConfig, IpcConsumer, IpcProducer};
///
/// let config = IpcConfig::new("inproc://doc-consumer-zero-copy");
/// let (mut producer, mut consumer) = (IpcProducer::new(config.clone())?, IpcConsumer::new(config)?);
/// producer.insert_packed(&[b"bid", b"ask"])?;
///
/// let mut frame = Vec::with_capacity(4096); // reused for every frame
/// while !consumer.consume_into(&mut frame)? {
///     std::thread::yield_now(); // a real consumer does other work, or waits elsewhere
/// }
/// let mut sides = Vec::new();
/// for message in packed::iter(&frame) {
///     sides.push(message?.len()); // `message` is a `&[u8]` inside `frame`
/// }
/// assert_eq!(sides, [3, 3]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Closing and dropping
///
/// [`close`](Self::close) closes the socket, discarding what was queued for it, and
/// consumes the consumer, so it cannot be used afterwards; dropping it does the same.
/// Either returns at once, unless this is the last end of the process and a producer
/// of it closed with messages still lingering (see
/// [`IpcProducer`](crate::ipc::IpcProducer)). A consumer that bound an `ipc://` path
/// removes its socket file.
///
/// # Example
///
/// ```
/// use std::time::Duration;
/// use mmring_native::ipc::{IpcConfig, IpcConsumer, IpcProducer};
///
/// let config = IpcConfig::new("inproc://doc-consumer");
/// let mut producer = IpcProducer::new(config.clone())?;
/// let mut consumer = IpcConsumer::new(config)?;
///
/// producer.insert_batch(&[b"one", b"two"])?;
/// assert_eq!(consumer.consume()?, b"one");
/// assert_eq!(consumer.consume_timeout(Duration::from_secs(1))?, b"two");
/// assert_eq!(consumer.try_consume()?, None);
/// consumer.close()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct IpcConsumer {
    /// The bound or connected PULL socket, with its async registration.
    link: Link<ConsumerSocket>,
    /// The configuration it was built from.
    config: IpcConfig,
}

impl IpcConsumer {
    /// Validates `config`, opens a PULL socket with its high-water mark and linger set,
    /// and binds or connects it.
    ///
    /// Connecting succeeds before the producer exists: ZeroMQ connects (and
    /// reconnects) in the background. Binding an `ipc://` path replaces any socket file
    /// already there, including that of a live process: give each ring its own path.
    /// The file is removed again when the consumer is closed or dropped.
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
    /// use mmring_native::ipc::{IpcConfig, IpcConsumer};
    ///
    /// // With several producers the consumer binds; port * picks a free port.
    /// let consumer = IpcConsumer::new(IpcConfig::mpsc("tcp://127.0.0.1:*", 3))?;
    /// assert!(consumer.endpoint().starts_with("tcp://127.0.0.1:"));
    /// # Ok::<(), mmring_native::ipc::OpenError>(())
    /// ```
    pub fn new(config: IpcConfig) -> Result<Self, OpenError> {
        Ok(Self {
            link: context::open(&config, Role::Consumer)?.map(ConsumerSocket::new),
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
    /// # Ok::<(), mmring_native::ipc::OpenError>(())
    /// ```
    #[must_use]
    pub fn endpoint(&self) -> &str {
        &self.link.endpoint
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
    /// # Ok::<(), mmring_native::ipc::OpenError>(())
    /// ```
    #[must_use]
    pub fn config(&self) -> &IpcConfig {
        &self.config
    }

    /// Receives the next message, blocking until one arrives.
    ///
    /// # Errors
    ///
    /// [`ConsumeError::Zmq`].
    ///
    /// # Example
    ///
    /// ```
    /// use mmring_native::ipc::{IpcConfig, IpcConsumer, IpcProducer};
    ///
    /// let config = IpcConfig::new("inproc://doc-consume");
    /// let (mut producer, mut consumer) = (IpcProducer::new(config.clone())?, IpcConsumer::new(config)?);
    /// let sender = std::thread::spawn(move || producer.insert(b"fill"));
    /// assert_eq!(consumer.consume()?, b"fill");
    /// sender.join().unwrap()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn consume(&mut self) -> Result<Vec<u8>, ConsumeError> {
        Ok(self.recv_waiting(Wait::Forever)?.to_vec())
    }

    /// Receives the next message if one is queued now; `Ok(None)` otherwise.
    ///
    /// # Errors
    ///
    /// [`ConsumeError::Zmq`].
    ///
    /// # Example
    ///
    /// ```
    /// use mmring_native::ipc::{IpcConfig, IpcConsumer};
    ///
    /// let mut consumer = IpcConsumer::new(IpcConfig::new("inproc://doc-try-consume"))?;
    /// assert_eq!(consumer.try_consume()?, None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn try_consume(&mut self) -> Result<Option<Vec<u8>>, ConsumeError> {
        Ok(self.recv(Wait::Never)?.map(|message| message.to_vec()))
    }

    /// Receives the next message into `out` if one is queued now, replacing the
    /// contents of `out`; `Ok(false)` (and `out` untouched) otherwise. Reuses the
    /// allocation of `out`: nothing is allocated once it has room for the message.
    ///
    /// # Errors
    ///
    /// [`ConsumeError::Zmq`].
    ///
    /// # Example
    ///
    /// ```
    /// use mmring_native::ipc::{IpcConfig, IpcConsumer, IpcProducer};
    ///
    /// let config = IpcConfig::new("inproc://doc-consume-into");
    /// let (mut producer, mut consumer) = (IpcProducer::new(config.clone())?, IpcConsumer::new(config)?);
    /// let mut buf = Vec::with_capacity(256);
    /// assert!(!consumer.consume_into(&mut buf)?);
    /// producer.insert(b"tick")?;
    /// while !consumer.consume_into(&mut buf)? {} // inproc delivers at once; ipc:// may not
    /// assert_eq!(buf, b"tick");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn consume_into(&mut self, out: &mut Vec<u8>) -> Result<bool, ConsumeError> {
        let Some(message) = self.recv(Wait::Never)? else {
            return Ok(false);
        };
        out.clear();
        out.extend_from_slice(&message);
        Ok(true)
    }

    /// Receives the next message, waiting at most `timeout` for it.
    ///
    /// # Errors
    ///
    /// [`ConsumeError::Timeout`] if none arrived in time, or [`ConsumeError::Zmq`].
    ///
    /// # Example
    ///
    /// ```
    /// use std::time::Duration;
    /// use mmring_native::ipc::{ConsumeError, IpcConfig, IpcConsumer};
    ///
    /// let mut consumer = IpcConsumer::new(IpcConfig::new("inproc://doc-consume-timeout"))?;
    /// let err = consumer.consume_timeout(Duration::from_millis(10)).unwrap_err();
    /// assert!(matches!(err, ConsumeError::Timeout));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn consume_timeout(&mut self, timeout: Duration) -> Result<Vec<u8>, ConsumeError> {
        Ok(self.recv_waiting(Wait::timeout(timeout))?.to_vec())
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
    /// [`ConsumeError::Zmq`]; the messages taken before an error are lost.
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
    /// assert_eq!(got, [b"a", b"b", b"c"]);
    /// assert!(consumer.consume_all()?.is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn consume_all(&mut self) -> Result<Vec<Vec<u8>>, ConsumeError> {
        let mut messages = Vec::new();
        let mut taken: u32 = 0;
        while taken < self.config.backlog {
            match self.recv(Wait::Never)? {
                Some(message) => messages.push(message.to_vec()),
                None => break,
            }
            taken += 1;
        }
        Ok(messages)
    }

    /// Receives the next message as a packed frame and returns its messages, blocking
    /// until one arrives. An empty frame holds no messages.
    ///
    /// # Errors
    ///
    /// [`ConsumeError::Frame`] with
    /// [`PackedError::Corrupt`](mmring_core::PackedError::Corrupt) if the frame is
    /// malformed (it is discarded; the next call reads the next frame), or
    /// [`ConsumeError::Zmq`].
    ///
    /// # Example
    ///
    /// ```
    /// use mmring_native::PackedError;
    /// use mmring_native::ipc::{ConsumeError, IpcConfig, IpcConsumer, IpcProducer};
    ///
    /// let config = IpcConfig::new("inproc://doc-consume-packed");
    /// let (mut producer, mut consumer) = (IpcProducer::new(config.clone())?, IpcConsumer::new(config)?);
    /// producer.insert_packed(&[b"bid", b"ask"])?;
    /// assert_eq!(consumer.consume_packed()?, [b"bid", b"ask"]);
    ///
    /// // One whole message, then two stray bytes: the frame is rejected, not half-read.
    /// producer.insert(&[1, 0, 0, 0, b'x', 7, 7])?;
    /// let err = consumer.consume_packed().unwrap_err();
    /// assert!(matches!(err, ConsumeError::Frame(PackedError::Corrupt { offset: 5 })));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn consume_packed(&mut self) -> Result<Vec<Vec<u8>>, ConsumeError> {
        unpack(&self.recv_waiting(Wait::Forever)?)
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
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn try_consume_packed(&mut self) -> Result<Option<Vec<Vec<u8>>>, ConsumeError> {
        self.recv(Wait::Never)?
            .map(|frame| unpack(&frame))
            .transpose()
    }

    /// [`consume_packed`](Self::consume_packed), waiting at most `timeout` for a frame.
    ///
    /// # Errors
    ///
    /// [`ConsumeError::Timeout`] if none arrived in time, or as
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
    /// assert_eq!(consumer.consume_packed_timeout(Duration::from_secs(1))?, [b""]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn consume_packed_timeout(
        &mut self,
        timeout: Duration,
    ) -> Result<Vec<Vec<u8>>, ConsumeError> {
        unpack(&self.recv_waiting(Wait::timeout(timeout))?)
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
    /// [`ConsumeError::Io`] if the reactor fails, or [`ConsumeError::Zmq`].
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
    /// assert_eq!(message, b"async");
    /// sender.join().unwrap()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn aconsume(&mut self) -> Result<Vec<u8>, ConsumeError> {
        let max_bytes = self.config.max_message_bytes;
        Ok(self.link.socket.recv(max_bytes).await?.to_vec())
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
    /// assert_eq!(messages, [b"a", b"b"]);
    /// sender.join().unwrap()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn aconsume_packed(&mut self) -> Result<Vec<Vec<u8>>, ConsumeError> {
        let max_bytes = self.config.max_message_bytes;
        unpack(&self.link.socket.recv(max_bytes).await?)
    }

    /// Closes the socket, discarding messages queued for it, and removes the `ipc://`
    /// socket file this consumer bound. Consuming the consumer makes any later use a
    /// compile-time error. Dropping the consumer does the same, ignoring errors.
    ///
    /// # Errors
    ///
    /// The OS error of removing the socket file (e.g. its directory no longer allows
    /// it); the socket is closed all the same.
    ///
    /// # Example
    ///
    /// ```
    /// use mmring_native::ipc::{IpcConfig, IpcConsumer};
    ///
    /// let consumer = IpcConsumer::new(IpcConfig::new("inproc://doc-consumer-close"))?;
    /// consumer.close()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// A closed consumer cannot be used:
    ///
    /// ```compile_fail,E0382
    /// use mmring_native::ipc::{IpcConfig, IpcConsumer};
    ///
    /// let mut consumer = IpcConsumer::new(IpcConfig::new("inproc://doc-consumer-closed"))?;
    /// consumer.close()?;
    /// consumer.try_consume()?; // error: use of moved value `consumer`
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn close(self) -> io::Result<()> {
        self.link.close()
    }

    /// Every synchronous receive goes through here; `None` only under [`Wait::Never`].
    fn recv(&mut self, wait: Wait) -> Result<Option<zmq::Message>, ConsumeError> {
        let socket = self.link.socket.socket();
        match context::recv(socket, wait, self.config.max_message_bytes)? {
            Outcome::Done(message) => Ok(Some(message)),
            Outcome::WouldBlock => Ok(None),
            Outcome::TimedOut => Err(ConsumeError::Timeout),
        }
    }

    /// [`recv`](Self::recv) under a wait that yields a message or an error.
    fn recv_waiting(&mut self, wait: Wait) -> Result<zmq::Message, ConsumeError> {
        debug_assert!(!matches!(wait, Wait::Never), "would spin");
        loop {
            // Only `Wait::Never` would block rather than wait; were it to happen under
            // another wait, receiving again is what that wait asks for.
            if let Some(message) = self.recv(wait)? {
                return Ok(message);
            }
        }
    }
}

impl fmt::Debug for IpcConsumer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IpcConsumer")
            .field("endpoint", &self.link.endpoint)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// The messages of the packed frame `frame`, each copied into its own `Vec`.
fn unpack(frame: &[u8]) -> Result<Vec<Vec<u8>>, ConsumeError> {
    packed::iter(frame)
        .map(|message| Ok(message?.to_vec()))
        .collect()
}
