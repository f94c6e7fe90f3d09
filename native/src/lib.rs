//! mmring for native targets.
//!
//! Re-exports everything of [`mmring_core`] at its root, so one dependency gives every
//! in-process ring. The transports between processes (`ipc` over ZeroMQ and `shm` over a
//! memory-mapped file) are not built yet; see the project README for their status.
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
