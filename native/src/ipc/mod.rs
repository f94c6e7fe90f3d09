//! A ring between processes (or hosts) over ZeroMQ PUSH/PULL sockets.
//!
//! A producer ([`IpcProducer`], a PUSH socket) queues messages for consumers
//! ([`IpcConsumer`], PULL sockets), up to [`IpcConfig::backlog`] messages, on one
//! endpoint:
//!
//! | endpoint | reaches | pick it for |
//! |---|---|---|
//! | `ipc:///tmp/NAME` | processes on this host (a Unix socket) | the usual case |
//! | `tcp://HOST:PORT` | other hosts | a deployment that outgrows one host: same API |
//! | `inproc://NAME` | threads of this process | tests, and threads that may move out later |
//!
//! Topologies: one producer and one consumer (SPSC), many producers and one consumer
//! (MPSC: fair queueing among producers), or one producer and many consumers (SPMC:
//! each message goes to one consumer, round robin). Many to many (MPMC) is refused
//! with [`ConfigError::MpmcUnsupported`]. The single side binds the endpoint and the
//! others connect ([`IpcConfig::should_producer_bind`]), so build every end from the
//! same [`IpcConfig`]; either side may start first.
//!
//! Unlike the in-process rings this one never overwrites: when the queue is full, the
//! producer waits ([`IpcProducer::insert`]), gives up at once
//! ([`IpcProducer::try_insert`] → [`InsertError::Full`]) or after a while
//! ([`IpcProducer::insert_timeout`] → [`InsertError::Timeout`]). Consumers choose the
//! same way, or `.await` ([`IpcConsumer::aconsume`]). Messages come out as `Vec<u8>`;
//! [`IpcConsumer::consume_into`] fills a buffer of yours instead.
//!
//! [`IpcProducer::insert_packed`] sends many messages as one ZeroMQ message in the
//! [`packed`](crate::packed) framing (a little-endian `u32` length before each
//! message), which is byte-compatible with the framing of the Python ring-buffer
//! module mmring grew from; [`IpcConsumer::consume_packed`] returns its messages.
//! With small messages this multiplies throughput. To read a frame without allocating
//! per message, take it whole with [`IpcConsumer::consume_into`] and walk it with
//! [`packed::iter`](crate::packed::iter).
//!
//! Each operation has its own error type: [`ConfigError`] from
//! [`IpcConfig::validate`], [`OpenError`] from the constructors (wrapping
//! `ConfigError`), [`InsertError`] from inserts, [`ConsumeError`] from consumes.
//! [`IpcProducer::close`] and [`IpcConsumer::close`] take the end by value, so using a
//! closed end does not compile; dropping an end closes it too.
//!
//! # Message size limit
//!
//! No message longer than [`IpcConfig::max_message_bytes`] (64 MiB by default) goes
//! through. A producer refuses one with [`InsertError::TooLarge`] on every send path, and
//! sends nothing. A consumer never returns one, whoever sent it: a producer built with
//! a larger limit, or any other ZeroMQ PUSH socket (e.g. Python `pyzmq`). Who drops
//! it, and what else the sending peer loses, depends on where it arrives:
//!
//! | the oversize message arrives at | dropped by | the peer that sent it |
//! |---|---|---|
//! | a consumer that binds `ipc://` or `tcp://` (MPSC; peers connect to it), when the message is also over 64 KiB | ZeroMQ (`ZMQ_MAXMSGSIZE`), from its length header, before it is allocated | disconnected; it reconnects by itself (a connecting PUSH socket retries after `ZMQ_RECONNECT_IVL`, 100 ms by default) and its later messages arrive; messages it had already written to the dropped connection after the oversize one are lost with it |
//! | any other consumer: one that connects (SPSC, SPMC; the producer binds), one on `inproc://`, or one that binds when the message is 64 KiB or less | the consumer: received whole, then discarded | stays connected; nothing else is lost |
//!
//! Either way the consumer stays usable: messages it received before the oversize one
//! are kept, a blocking or timed consume goes on waiting for the next message that
//! fits, and a non-blocking one returns what else is queued (or nothing). Nothing
//! reports the drop: the sender is the one to check, as a producer of this crate does.
//!
//! Why the split: ZeroMQ (libzmq 4.3) treats an oversize message as a protocol error,
//! and a socket that *connected* does not reconnect after one, so a connecting consumer
//! that left the check to ZeroMQ would never hear from that producer again. ZeroMQ does
//! not check sizes on `inproc://` at all. And it applies the option to the commands of
//! the connection handshake too (a PUSH socket's READY command is 26 bytes, more with
//! metadata), so a consumer gives ZeroMQ a limit of at least 64 KiB, lest a small
//! `max_message_bytes` refuse every peer, and checks below that itself. So ZeroMQ's
//! protection, not even allocating a large oversize message, holds where the consumer
//! binds, which is where peers it does not know can reach it; a consumer that connects
//! has chosen its producer. The limit is per message: a queue holds up to
//! [`IpcConfig::backlog`] messages.
//!
//! # Example
//!
//! ```
//! use mmring_native::ipc::{IpcConfig, IpcConsumer, IpcProducer};
//!
//! type Error = Box<dyn std::error::Error + Send + Sync>;
//! let path = std::env::temp_dir().join(format!("mmring-doc-{}.sock", std::process::id()));
//! let config = IpcConfig::new(format!("ipc://{}", path.display()));
//!
//! let mut consumer = IpcConsumer::new(config.clone())?; // connects, even before the bind
//! let producer = std::thread::spawn(move || {
//!     let mut producer = IpcProducer::new(config)?; // one producer: it binds
//!     producer.insert(b"tick 1")?;
//!     producer.insert_packed(&[b"tick 2", b"tick 3"])?;
//!     Ok::<_, Error>(producer)
//! });
//! assert_eq!(consumer.consume()?, b"tick 1");
//! assert_eq!(consumer.consume_packed()?, [b"tick 2", b"tick 3"]);
//! producer.join().unwrap()?.close()?; // removes the socket file
//! consumer.close()?;
//! # Ok::<(), Error>(())
//! ```
//!
//! # Design choices
//!
//! - **One context per process**, shared by every live end, so `inproc://` works
//!   between any two ends of the process. The first end creates it and the last one
//!   terminates it.
//! - **Options before bind/connect**: `ZMQ_SNDHWM` and `ZMQ_RCVHWM` are both set to
//!   `backlog`, `ZMQ_LINGER` to `linger_ms`, and on a consumer that binds
//!   `ZMQ_MAXMSGSIZE` to `max_message_bytes` (at least 64 KiB, see
//!   [above](#message-size-limit)), before the socket binds or connects: ZeroMQ
//!   applies a high-water mark set after binding only to pipes created later, so the
//!   first consumer's queue would keep the default instead of `backlog`.
//! - **Closing and dropping wait at most `linger_ms`**. Closing a
//!   ZeroMQ socket returns at once, and a producer's queued messages are delivered in
//!   the background for up to `linger_ms` (0 by default: discarded). Only the last
//!   end of the process waits, in `zmq_ctx_term`, for that delivery to finish or its
//!   linger to run out, so a process that sends and exits does not lose what it sent.
//! - **`ipc://` socket files**: binding replaces a file already at the path (a stale
//!   one left by a crash, but also a live one: the newer binder takes over the path,
//!   as ZeroMQ does), so give each ring its own path. Closing or dropping the binding
//!   end removes its socket file, unless another binder has replaced it meanwhile.
//! - **Async without a runtime dependency**: [`IpcConsumer::aconsume`] waits on
//!   ZeroMQ's notification fd (`ZMQ_FD`) through `async-io`'s reactor. That fd only
//!   says "the socket's state may have changed" and is reset by every receive, so
//!   before each wait the consumer tries a non-blocking receive and checks
//!   `ZMQ_EVENTS`, and only waits when both say nothing is there; a message arriving
//!   later signals the fd again, so no wake-up is lost. The reactor runs on its own
//!   thread under executors other than `async-io`'s, so the same future works under
//!   tokio, smol or a bare `block_on` and never blocks an executor thread. A helper
//!   thread per consumer was the alternative: it would cost a thread and a channel
//!   hop per message, and keep the socket from the synchronous calls.
//! - **`Vec<u8>` out**, the message type of the [`shm`](crate::shm) transport too, so
//!   code moves between the two unchanged. Each receive copies the message out of
//!   ZeroMQ's buffer once; [`IpcConsumer::consume_into`] copies into a reused buffer,
//!   and with [`packed::iter`](crate::packed::iter) reads a frame's messages in place.
//! - Unix only: the async path borrows a Unix file descriptor.

mod config;
mod consumer;
mod context;
mod error;
mod producer;
mod readiness;
mod socket_file;

pub use self::config::IpcConfig;
pub use self::consumer::IpcConsumer;
pub use self::error::{ConfigError, ConsumeError, InsertError, OpenError};
pub use self::producer::IpcProducer;
