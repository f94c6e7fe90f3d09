//! Waiting for a ZeroMQ socket without blocking a thread, for the async consume calls.
//!
//! ZeroMQ exposes a socket's state through a notification file descriptor (`ZMQ_FD`).
//! It is not the socket's data channel: it becomes readable when the socket's state
//! *may* have changed, and reading `ZMQ_EVENTS` (or any send/receive) resets it. So it
//! behaves edge-triggered: after a receive, more messages may be queued while the fd
//! stays quiet. The safe order, used by [`recv`], is: try a non-blocking receive; if
//! nothing came, ask `ZMQ_EVENTS`; only if that says "nothing to read" wait for the fd.
//! A message arriving after that check makes ZeroMQ signal the fd again, so no wake-up
//! is lost.
//!
//! The wait uses `async-io`, whose reactor runs on its own thread when the caller's
//! executor is not `async-io`'s: the futures work under tokio, smol, async-std or a
//! bare `block_on` alike, and no executor thread ever blocks.

use std::os::fd::{AsFd, BorrowedFd, RawFd};

use async_io::Async;

use crate::ipc::ConsumeError;
use crate::ipc::context;

/// A consumer's socket with its readiness registration, created on the first async
/// call. The registration borrows the socket's notification fd, so it is declared
/// first: fields drop in order, and it leaves the reactor while the fd is still open.
pub(crate) struct ConsumerSocket {
    /// `ZMQ_FD` of `socket`, registered with the `async-io` reactor; `None` until the
    /// first async call.
    readiness: Option<Async<NotifyFd>>,
    /// The PULL socket that owns the notification fd.
    socket: zmq::Socket,
}

impl ConsumerSocket {
    /// Wraps `socket`; nothing is registered until [`recv`](Self::recv) needs it.
    pub(crate) fn new(socket: zmq::Socket) -> Self {
        Self {
            readiness: None,
            socket,
        }
    }

    /// The socket, for blocking and non-blocking calls.
    pub(crate) fn socket(&self) -> &zmq::Socket {
        &self.socket
    }

    /// Receives one message of at most `max_bytes` (discarding longer ones), waiting
    /// for it without blocking the thread. Cancel-safe: a message is only taken off the
    /// socket in the same poll that returns it.
    pub(crate) async fn recv(&mut self, max_bytes: u64) -> Result<zmq::Message, ConsumeError> {
        loop {
            match context::take(&self.socket, zmq::DONTWAIT, max_bytes) {
                Ok(message) => return Ok(message),
                Err(zmq::Error::EAGAIN | zmq::Error::EINTR) => {}
                Err(err) => return Err(err.into()),
            }
            if self.socket.get_events()?.contains(zmq::POLLIN) {
                continue;
            }
            let readiness = match &mut self.readiness {
                Some(readiness) => readiness,
                empty => empty.insert(register(&self.socket)?),
            };
            readiness.readable().await?;
        }
    }
}

/// Registers the notification fd of `socket` with the `async-io` reactor.
fn register(socket: &zmq::Socket) -> Result<Async<NotifyFd>, ConsumeError> {
    // ZeroMQ already made the fd non-blocking, and it must not be changed by the
    // application: register it as it is.
    Ok(Async::new_nonblocking(NotifyFd(socket.get_fd()?))?)
}

/// The notification fd (`ZMQ_FD`) of a socket, which owns and closes it.
///
/// Invariant: only held inside the [`ConsumerSocket`] of that socket, which drops it
/// before the socket.
struct NotifyFd(RawFd);

impl AsFd for NotifyFd {
    fn as_fd(&self) -> BorrowedFd<'_> {
        // SAFETY: the fd belongs to the socket beside this value in `ConsumerSocket`,
        // which stays open until after this value is dropped (field order), so it is
        // open for the whole borrow.
        unsafe { BorrowedFd::borrow_raw(self.0) }
    }
}
