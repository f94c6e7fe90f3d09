//! Ring buffers for low-latency systems, portable to every target (including
//! `wasm32-unknown-unknown`).
//!
//! Four in-process rings share one set of semantics: the capacity is rounded up to a
//! power of two, `insert` never fails for lack of room (into a full ring it evicts the
//! oldest item and counts it in `overwritten()`), `consume` takes the oldest item
//! (FIFO), and every read goes oldest → newest.
//!
//! | ring | items | pick it for |
//! |---|---|---|
//! | [`GenericRingBuffer<T>`] | any `T` | queues and history windows of your own types |
//! | [`NumericRingBuffer<T>`] | `i8`…`u64`, `f32`, `f64` | price/size windows: `memcpy` batches, `sum`/`mean`/`min`/`max` |
//! | [`BytesRingBuffer`] | [`bytes::Bytes`] | variable-size messages handed over from a network stack without copying |
//! | [`BytesRingBufferFast`] | byte slices copied into fixed slots | hot paths with a known message size: no allocation per message |
//!
//! What they share is written once, in two traits: [`Fifo`] (`len`, `capacity`,
//! `overwritten`, `consume`, `consume_all`, `clear`, …) and [`Ring`] (`peekleft`,
//! `peekright`, `get`, `get_signed`, `iter`, `unwrapped`, `contains`). Each ring also has
//! those methods as inherent methods, so calling them needs no import; import the traits
//! to write code generic over the rings. [`SharedRingBuffer`] wraps any of them in a
//! `Clone + Send + Sync` handle with async and blocking consumers.
//!
//! [`packed`] frames many messages into one buffer (little-endian `u32` length, then
//! the bytes), byte-compatible with the framing of the Python ring-buffer module mmring
//! grew from.
//!
//! ```
//! use mmring_core::{BytesRingBuffer, GenericRingBuffer, NumericRingBuffer};
//!
//! let mut orders = GenericRingBuffer::new(1024)?;
//! orders.insert(("BUY", 100));
//! assert_eq!(orders.consume(), Some(("BUY", 100)));
//!
//! let mut mids = NumericRingBuffer::<f64>::new(3)?; // rounded up to 4
//! mids.insert_batch(&[1.0, 2.0, 3.0, 4.0, 5.0]);
//! assert_eq!(mids.unwrapped(), [2.0, 3.0, 4.0, 5.0]);
//! assert_eq!(mids.overwritten(), 1);
//!
//! let mut frames = BytesRingBuffer::builder(64).only_insert_unique(true).build()?;
//! assert!(frames.insert(&b"tick"[..]));
//! assert!(!frames.insert(&b"tick"[..])); // a duplicate is skipped
//! # Ok::<(), mmring_core::CapacityError>(())
//! ```
//!
//! # Choices made on purpose
//! - `consume_all` of an empty ring returns an empty `Vec`, not an error.
//! - Rings compare equal (`==`) by their items in order; capacity and counters are not
//!   compared.
//! - `insert_batch` drops the items it evicts (and counts them); call `insert` in a loop
//!   to receive each one.
//! - `overwrite_latest` on an empty ring is an error that writes nothing (the item comes
//!   back where the ring can hand it back).
//! - With `only_insert_unique`, an `overwrite_latest` whose item equals another held
//!   item is refused (the ring is unchanged); equal to the newest itself, it replaces it.
//! - `BytesRingBufferFast::insert` skips a duplicate with `Ok(())`, as `BytesRingBuffer`
//!   returns `false`: a skipped duplicate is the configured behaviour, not an error.

mod capacity;
mod cursor;
mod error;
mod ring;
mod unique;

pub mod bytes;
pub mod bytes_fast;
pub mod generic;
pub mod numeric;
pub mod packed;
pub mod shared;
pub mod split;
pub mod spsc;

pub use crate::bytes::{BytesRingBuffer, BytesRingBufferBuilder};
pub use crate::bytes_fast::{BytesRingBufferFast, BytesRingBufferFastBuilder};
pub use crate::error::{CapacityError, FastError};
pub use crate::generic::GenericRingBuffer;
pub use crate::numeric::{Numeric, NumericRingBuffer};
pub use crate::packed::PackedError;
pub use crate::ring::{Fifo, Ring};
pub use crate::shared::SharedRingBuffer;
pub use ::bytes::Bytes;
