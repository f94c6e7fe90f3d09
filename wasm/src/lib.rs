//! WebAssembly bindings of the mmring in-process rings.
//!
//! Placeholder: the wasm-bindgen classes and the npm package `mmring` are not built yet
//! (see the project README for their status). Today this crate only proves that
//! `mmring-core` builds for the targets it will ship on.
//!
//! ```
//! use mmring_wasm::core::NumericRingBuffer;
//!
//! let mut ring = NumericRingBuffer::<f64>::new(2)?;
//! ring.insert_batch(&[1.0, 2.0, 3.0]);
//! assert_eq!(ring.unwrapped(), vec![2.0, 3.0]);
//! # Ok::<(), mmring_core::CapacityError>(())
//! ```

pub use mmring_core as core;
