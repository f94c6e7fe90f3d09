//! mmring for native targets.
//!
//! Re-exports everything of [`mmring_core`] at its root, so one dependency gives every
//! in-process ring, and adds the transports between processes:
//!
//! - [`ipc`]: a ring over ZeroMQ PUSH/PULL sockets (`ipc://`, `tcp://`, `inproc://`),
//!   for SPSC, MPSC and SPMC, across processes or hosts, with blocking, non-blocking,
//!   timed and async calls (`ipc::IpcProducer`, `ipc::IpcConsumer`). Unix only;
//!   behind the default feature `ipc`, which builds a bundled libzmq.
//!
//! - [`shm`]: a single-producer single-consumer ring in a memory-mapped file shared by
//!   two processes of one host, with the `DropOldest` and `Reject` policies, blocking
//!   (spin → yield → futex), timed and async consumes, and a header documented byte by
//!   byte ([`shm::ShmProducer`], [`shm::ShmConsumer`]). Unix only.
//!
//! ```
//! use mmring_native::GenericRingBuffer;
//!
//! let mut ring = GenericRingBuffer::new(4)?;
//! ring.insert(1);
//! assert_eq!(ring.consume(), Some(1));
//! # Ok::<(), mmring_native::CapacityError>(())
//! ```

pub use mmring_core::*;

/// Consuming `with_*` setters of a configuration's public fields, each with its own
/// docs: `with_backlog => backlog: u32;` writes `fn with_backlog(self, backlog: u32) ->
/// Self`, `#[must_use]`. Both transports' configurations build themselves this way.
macro_rules! with_setters {
    ($($(#[$doc:meta])* $setter:ident => $field:ident: $ty:ty;)*) => {
        $(
            $(#[$doc])*
            #[must_use]
            pub fn $setter(mut self, $field: $ty) -> Self {
                self.$field = $field;
                self
            }
        )*
    };
}

#[cfg(all(unix, feature = "ipc"))]
pub mod ipc;

#[cfg(unix)]
pub mod shm;

/// The examples of the project README, compiled and run as doctests (here, where both
/// the core rings and the transports are in scope).
#[cfg(all(doctest, feature = "ipc"))]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
