//! The ZeroMQ context all ends of the process share, and what both ends do with their
//! socket: open it with the options set before bind/connect, and send or receive with
//! one of three waiting policies.

use std::io;
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::{Duration, Instant};

use crate::ipc::socket_file::SocketFile;
use crate::ipc::{IpcConfig, OpenError};

/// The ZeroMQ context shared by every live end of this process: created by the first
/// end, terminated when the last one is dropped.
///
/// `inproc://` endpoints only connect sockets of the same context, so sharing one is
/// what lets a producer and a consumer in one process meet there. Terminating it with
/// the last end is what lets a process that sends and then exits deliver its queued
/// messages: `zmq_ctx_term` waits for them, up to each socket's `linger_ms`. While
/// other ends are alive, closing a socket returns at once and its queued messages are
/// delivered in the background, again for up to `linger_ms`.
fn shared_context() -> Arc<zmq::Context> {
    static SHARED: Mutex<Weak<zmq::Context>> = Mutex::new(Weak::new());
    // The lock guards only an upgrade or a replacement, which cannot panic midway.
    let mut shared = SHARED.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(context) = shared.upgrade() {
        return context;
    }
    let context = Arc::new(zmq::Context::new());
    *shared = Arc::downgrade(&context);
    context
}

/// The smallest `ZMQ_MAXMSGSIZE` a consumer that binds sets. ZeroMQ applies the option to the
/// commands of the connection handshake too (a PUSH socket's READY command is 26 bytes,
/// more with metadata properties), so a smaller value would refuse every peer's
/// handshake. A consumer with a smaller `max_message_bytes` discards the messages in
/// between itself ([`take`]). 64 KiB leaves any handshake ample room and still bounds
/// what one message can make the consumer allocate.
const MAXMSGSIZE_FLOOR: i64 = 64 * 1024;

/// Which end of the ring a socket is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// A PUSH socket.
    Producer,
    /// A PULL socket.
    Consumer,
}

/// A bound or connected socket `S` (a ZeroMQ socket, or a wrapper that owns one), with
/// what has to outlive it. Field order is drop order: the socket closes, then its
/// `ipc://` file is removed, then the shared context is released.
pub(crate) struct Link<S> {
    /// The socket.
    pub(crate) socket: S,
    /// The `ipc://` socket file it bound, to remove once the socket is closed.
    socket_file: Option<SocketFile>,
    /// The shared context, held for as long as the socket lives. When this is the last
    /// end of the process, releasing it terminates the context, which waits up to
    /// `linger_ms` for queued messages.
    context: Arc<zmq::Context>,
    /// The endpoint it ended up on: a `tcp://…:*` bind resolves to the chosen port.
    pub(crate) endpoint: String,
}

impl<S> Link<S> {
    /// The same link around `wrap(socket)`.
    pub(crate) fn map<T>(self, wrap: impl FnOnce(S) -> T) -> Link<T> {
        Link {
            socket: wrap(self.socket),
            socket_file: self.socket_file,
            context: self.context,
            endpoint: self.endpoint,
        }
    }

    /// Closes the socket, removes its `ipc://` file, and releases the context: what
    /// dropping does, with the file's removal error reported.
    pub(crate) fn close(self) -> io::Result<()> {
        drop(self.socket);
        let removed = self.socket_file.map_or(Ok(()), SocketFile::remove);
        drop(self.context);
        removed
    }
}

/// A socket of `role`, validated against `config`, with its high-water marks, linger
/// and (on a consumer that binds) message size limit set, then bound or connected as
/// [`IpcConfig::should_producer_bind`] says.
pub(crate) fn open(config: &IpcConfig, role: Role) -> Result<Link<zmq::Socket>, OpenError> {
    let options = config.socket_options()?;
    let kind = match role {
        Role::Producer => zmq::PUSH,
        Role::Consumer => zmq::PULL,
    };
    let context = shared_context();
    let socket = context.socket(kind)?;
    // Options first: ZeroMQ applies the high-water marks to the pipes it creates when
    // binding or connecting, and ignores later changes for those pipes.
    socket.set_sndhwm(options.hwm)?;
    socket.set_rcvhwm(options.hwm)?;
    socket.set_linger(options.linger_ms)?;
    let endpoint = &config.endpoint;
    let binds = (role == Role::Producer) == config.should_producer_bind();
    if role == Role::Consumer && binds {
        // Only where ZeroMQ recovers from it: an oversize message disconnects the peer,
        // and a peer that connected reconnects by itself. A socket that connected would
        // take it as a protocol error and never reconnect, so a connecting consumer
        // (and `inproc://`, where ZeroMQ does not check the size) discards such a
        // message in `take` instead, as it does below `MAXMSGSIZE_FLOOR`.
        socket.set_maxmsgsize(options.max_message_bytes.max(MAXMSGSIZE_FLOOR))?;
    }
    if binds {
        socket.bind(endpoint).map_err(|source| OpenError::Bind {
            endpoint: endpoint.clone(),
            source,
        })?;
    } else {
        socket
            .connect(endpoint)
            .map_err(|source| OpenError::Connect {
                endpoint: endpoint.clone(),
                source,
            })?;
    }
    let resolved = match socket.get_last_endpoint()? {
        Ok(last) if !last.is_empty() => last,
        // Not UTF-8, or nothing reported: the configured endpoint is where it is.
        _ => endpoint.clone(),
    };
    let socket_file = binds
        .then(|| SocketFile::after_bind(endpoint, &resolved))
        .flatten();
    Ok(Link {
        socket,
        socket_file,
        context,
        endpoint: resolved,
    })
}

/// How long a send or receive may wait for the socket.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Wait {
    /// Block until it can proceed (ZeroMQ's blocking call).
    Forever,
    /// Do not wait at all.
    Never,
    /// Wait until this instant at the latest.
    Until(Instant),
}

impl Wait {
    /// `Until(now + timeout)`, or `Forever` when that instant cannot be represented.
    pub(crate) fn timeout(timeout: Duration) -> Self {
        Instant::now()
            .checked_add(timeout)
            .map_or(Self::Forever, Self::Until)
    }
}

/// What a send or receive under a [`Wait`] came to, when ZeroMQ did not fail.
#[derive(Debug)]
pub(crate) enum Outcome<T> {
    /// It went through: `()` for a send, the message for a receive.
    Done(T),
    /// Only under [`Wait::Never`]: it would have had to wait.
    WouldBlock,
    /// Only under [`Wait::Until`]: the deadline passed first.
    TimedOut,
}

/// Sends `data` as one message. It would block while the queue is at its high-water
/// mark or no peer is connected.
pub(crate) fn send(socket: &zmq::Socket, data: &[u8], wait: Wait) -> zmq::Result<Outcome<()>> {
    attempt(socket, zmq::POLLOUT, wait, |flags| socket.send(data, flags))
}

/// Receives one message of at most `max_bytes`, discarding longer ones.
pub(crate) fn recv(
    socket: &zmq::Socket,
    wait: Wait,
    max_bytes: u64,
) -> zmq::Result<Outcome<zmq::Message>> {
    attempt(socket, zmq::POLLIN, wait, |flags| {
        take(socket, flags, max_bytes)
    })
}

/// Receives the next message of at most `max_bytes` with ZeroMQ's `flags`, discarding
/// longer ones on the way. Every receive, blocking or not, synchronous or async, goes
/// through here, so a message over the limit never reaches the caller on any endpoint.
pub(crate) fn take(socket: &zmq::Socket, flags: i32, max_bytes: u64) -> zmq::Result<zmq::Message> {
    loop {
        let message = socket.recv_msg(flags)?;
        if fits(message.len(), max_bytes) {
            return Ok(message);
        }
    }
}

/// Whether a message of `len` bytes is within the limit `max_bytes`.
pub(crate) fn fits(len: usize, max_bytes: u64) -> bool {
    // A length that does not fit in a u64 is over any limit.
    u64::try_from(len).is_ok_and(|len| len <= max_bytes)
}

/// Runs the ZeroMQ call `op` (given its flags) under the waiting policy `wait`.
/// Interrupted calls (`EINTR`) are retried.
fn attempt<T>(
    socket: &zmq::Socket,
    events: zmq::PollEvents,
    wait: Wait,
    mut op: impl FnMut(i32) -> zmq::Result<T>,
) -> zmq::Result<Outcome<T>> {
    let flags = match wait {
        Wait::Forever => 0,
        Wait::Never | Wait::Until(_) => zmq::DONTWAIT,
    };
    loop {
        match op(flags) {
            Ok(value) => return Ok(Outcome::Done(value)),
            Err(zmq::Error::EINTR) => {}
            Err(zmq::Error::EAGAIN) => match wait {
                Wait::Never => return Ok(Outcome::WouldBlock),
                Wait::Until(deadline) => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return Ok(Outcome::TimedOut);
                    }
                    // Readiness may be stale or taken by the time `op` runs again; the
                    // loop then polls for what is left of the time.
                    match socket.poll(events, poll_timeout_ms(left)) {
                        Ok(_) | Err(zmq::Error::EINTR) => {}
                        Err(err) => return Err(err),
                    }
                }
                // A blocking call does not report EAGAIN; if it ever did, retry.
                Wait::Forever => {}
            },
            Err(err) => return Err(err),
        }
    }
}

/// `left` in whole milliseconds for `zmq_poll`, rounded up so a wait never ends early.
/// A wait too long for an `i64` of milliseconds (292 million years) polls for that
/// long and then polls again: `attempt` loops until the deadline.
fn poll_timeout_ms(left: Duration) -> i64 {
    i64::try_from(left.as_micros().div_ceil(1000)).unwrap_or(i64::MAX)
}
