//! The ZeroMQ context all ends of the process share, and what both ends do with their
//! socket: open it with the options set before bind/connect, and send or receive with
//! one of three waiting policies.

use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::{Duration, Instant};

use bytes::Bytes;

use crate::ipc::socket_file::SocketFile;
use crate::ipc::{IpcConfig, IpcError};

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
const MAXMSGSIZE_FLOOR: u64 = 64 * 1024;

/// Which end of the ring a socket is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// A PUSH socket.
    Producer,
    /// A PULL socket.
    Consumer,
}

/// A socket opened by [`open`].
pub(crate) struct Opened {
    /// The shared context; every end holds it for as long as it lives.
    pub(crate) context: Arc<zmq::Context>,
    /// The bound or connected socket.
    pub(crate) socket: zmq::Socket,
    /// The endpoint it ended up on: a `tcp://…:*` bind resolves to the chosen port.
    pub(crate) endpoint: String,
    /// The `ipc://` socket file it bound, to remove once the socket is closed.
    pub(crate) socket_file: Option<SocketFile>,
}

/// A socket of `role`, validated against `config`, with its high-water marks, linger
/// and (on a consumer that binds) message size limit set, then bound or connected as
/// [`IpcConfig::should_producer_bind`] says.
pub(crate) fn open(config: &IpcConfig, role: Role) -> Result<Opened, IpcError> {
    config.validate()?;
    let kind = match role {
        Role::Producer => zmq::PUSH,
        Role::Consumer => zmq::PULL,
    };
    let context = shared_context();
    let socket = context.socket(kind)?;
    // Options first: ZeroMQ applies the high-water marks to the pipes it creates when
    // binding or connecting, and ignores later changes for those pipes (the seed set the
    // send HWM after binding).
    socket.set_sndhwm(config.backlog)?;
    socket.set_rcvhwm(config.backlog)?;
    socket.set_linger(config.linger_ms)?;
    let endpoint = &config.endpoint;
    let binds = (role == Role::Producer) == config.should_producer_bind();
    if role == Role::Consumer && binds {
        // Only where ZeroMQ recovers from it: an oversize message disconnects the peer,
        // and a peer that connected reconnects by itself. A socket that connected would
        // take it as a protocol error and never reconnect, so a connecting consumer
        // (and `inproc://`, where ZeroMQ does not check the size) discards such a
        // message in `take` instead, as it does below `MAXMSGSIZE_FLOOR`.
        let zmq_limit = config.max_message_bytes.max(MAXMSGSIZE_FLOOR);
        socket.set_maxmsgsize(zmq_max_message_size(zmq_limit))?;
    }
    if binds {
        socket.bind(endpoint).map_err(|source| IpcError::Bind {
            endpoint: endpoint.clone(),
            source,
        })?;
    } else {
        socket
            .connect(endpoint)
            .map_err(|source| IpcError::Connect {
                endpoint: endpoint.clone(),
                source,
            })?;
    }
    let resolved = match socket.get_last_endpoint()? {
        Ok(last) if !last.is_empty() => last,
        _ => endpoint.clone(),
    };
    let socket_file = binds
        .then(|| SocketFile::after_bind(endpoint, &resolved))
        .flatten();
    Ok(Opened {
        context,
        socket,
        endpoint: resolved,
        socket_file,
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

/// Sends `data` as one message. `Ok(false)` means it would have blocked: the queue is
/// at its high-water mark or no peer is connected (only with [`Wait::Never`]).
pub(crate) fn send(socket: &zmq::Socket, data: &[u8], wait: Wait) -> Result<bool, IpcError> {
    let sent = attempt(socket, zmq::POLLOUT, wait, |flags| socket.send(data, flags))?;
    Ok(sent.is_some())
}

/// Receives one message of at most `max_bytes`. `Ok(None)` means none was queued (only
/// with [`Wait::Never`]).
pub(crate) fn recv(
    socket: &zmq::Socket,
    wait: Wait,
    max_bytes: u64,
) -> Result<Option<zmq::Message>, IpcError> {
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

/// A received message as [`Bytes`], without copying its payload: the `Bytes` owns the
/// ZeroMQ message and frees it when the last slice of it is dropped.
pub(crate) fn into_bytes(message: zmq::Message) -> Bytes {
    if message.is_empty() {
        return Bytes::new();
    }
    Bytes::from_owner(OwnedMessage(message))
}

/// Runs the ZeroMQ call `op` (given its flags) under the waiting policy `wait`.
/// `Ok(None)` only for [`Wait::Never`] when the call would block; a deadline that
/// passes is [`IpcError::Timeout`]. Interrupted calls (`EINTR`) are retried.
fn attempt<T>(
    socket: &zmq::Socket,
    events: zmq::PollEvents,
    wait: Wait,
    mut op: impl FnMut(i32) -> zmq::Result<T>,
) -> Result<Option<T>, IpcError> {
    let flags = match wait {
        Wait::Forever => 0,
        Wait::Never | Wait::Until(_) => zmq::DONTWAIT,
    };
    loop {
        match op(flags) {
            Ok(value) => return Ok(Some(value)),
            Err(zmq::Error::EINTR) => {}
            Err(zmq::Error::EAGAIN) => match wait {
                Wait::Never => return Ok(None),
                Wait::Until(deadline) => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return Err(IpcError::Timeout);
                    }
                    // Readiness may be stale or taken by the time `op` runs again; the
                    // loop then polls for what is left of the time.
                    match socket.poll(events, poll_timeout_ms(left)) {
                        Ok(_) | Err(zmq::Error::EINTR) => {}
                        Err(err) => return Err(err.into()),
                    }
                }
                // A blocking call does not report EAGAIN; if it ever did, retry.
                Wait::Forever => {}
            },
            Err(err) => return Err(err.into()),
        }
    }
}

/// `max_message_bytes` as ZeroMQ's signed `ZMQ_MAXMSGSIZE`; validation has bounded it
/// by `i64::MAX`, and anything larger (unreachable) means the same: no practical limit.
fn zmq_max_message_size(max_message_bytes: u64) -> i64 {
    i64::try_from(max_message_bytes).unwrap_or(i64::MAX)
}

/// `left` in whole milliseconds for `zmq_poll`, rounded up so a wait never ends early.
fn poll_timeout_ms(left: Duration) -> i64 {
    i64::try_from(left.as_micros().div_ceil(1000)).unwrap_or(i64::MAX)
}

/// A received ZeroMQ message as the owner of a [`Bytes`].
struct OwnedMessage(zmq::Message);

impl AsRef<[u8]> for OwnedMessage {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}
