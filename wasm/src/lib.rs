//! WebAssembly bindings of the mmring in-process rings: the npm package `mmring`.
//!
//! The four rings of [`mmring_core`] as JavaScript classes, built with `wasm-bindgen`
//! for browsers, bundlers and Node. Method names are the Rust ones in camelCase; the
//! JavaScript user's guide (with examples) is `wasm/README.md`, shipped as the npm
//! package's README.
//!
//! | JS class | items | Rust type |
//! |---|---|---|
//! | [`GenericRingBuffer`] | any JS value | `mmring_core::GenericRingBuffer<JsValue>` |
//! | [`NumericRingBuffer`] | `number` (`bigint` for `i64`/`u64`), TypedArrays in and out | one `mmring_core::NumericRingBuffer<T>` per dtype ([`Dtype`]) |
//! | [`BytesRingBuffer`] | `Uint8Array` | `mmring_core::BytesRingBuffer` |
//! | [`BytesRingBufferFast`] | `Uint8Array` copied into fixed slots | `mmring_core::BytesRingBufferFast` |
//!
//! [`pack`] and [`unpack`] encode and decode the packed frames of `mmring_core::packed`;
//! [`AsyncRingIterator`] is what every ring's `aconsumeIterable()` returns.
//!
//! # Layout
//! One file per class (`generic.rs`, `numeric.rs`, `bytes.rs`, `bytes_fast.rs`,
//! `packed.rs`); `dtype.rs` maps the numeric element types to JS values and
//! TypedArrays; `args.rs` checks arguments; `errors.rs` builds the thrown errors.
//! `ring.rs` holds what every class shares, written once over `mmring_core`'s `Ring`
//! trait (`length`, `consume`, `peekLeft`, `get`, `aconsume`, …), `messages.rs` what
//! the two byte classes share (`insert`, `insertBatch`, `overwriteLatest`,
//! `contains`), and `waiters.rs` the async consumers. The
//! npm package is assembled by `wasm/npm/build.mjs` from the template
//! `wasm/npm/package.json`; the example page is `wasm/examples/live-chart/`.
//!
//! # Fast paths
//! The npm package appends `wasm/npm/fast.js` to each build's glue: it replaces the hot
//! methods of `NumericRingBuffer` (`insert`, `insertBatch`, `length`, `peekLeft`,
//! `peekRight`, `get`, `at`, `view`, `unwrapped`) with one call each into the hidden static
//! `NumericRingBuffer.__*` exports, with plain numbers, falling back to the checked
//! methods below when they say so; `fast.rs` holds the memory both sides share. It
//! also makes every method throw an error naming itself after `free()`. The Rust API
//! (and the `wasm-bindgen-test` suites) see the checked methods only.
//!
//! # JavaScript conventions
//! - `undefined` where Rust returns `None`; `length`, `capacity` and `overwritten` are
//!   read-only properties; `get(i)` takes negative indices like `Array.prototype.at`
//!   (`-1` is the newest item).
//! - `for (const x of ring)` walks a snapshot, oldest → newest.
//! - Bad arguments throw: `TypeError` for a value of the wrong type, `RangeError` for a
//!   value out of range (capacity 0, unknown dtype, an item longer than a slot), `Error`
//!   for an operation the ring's state forbids (`overwriteLatest` on an empty ring).
//!   Nothing panics: every borrow and conversion is checked, so no call ends in a wasm
//!   trap.
//!
//! # Waiting for items
//! `aconsume()` returns a `Promise` of the oldest item; when the ring is empty it stays
//! pending until a later `insert` (for example from a WebSocket `onmessage`). JavaScript
//! runs on one thread, so the waiting side is a FIFO queue of promise resolvers (module
//! `waiters`) rather than the locked `mmring_core::SharedRingBuffer`: an insert that
//! finds a pending waiter hands the item straight to the oldest one instead of storing
//! it. Each item goes to exactly one waiter, in the order they called. `close()`
//! resolves every pending waiter with `undefined` (and ends `for await` loops over
//! `aconsumeIterable()`); items still held can be consumed after `close()`.
//!
//! # Native builds
//! The crate also compiles for the host so that `cargo test --workspace`, clippy and
//! rustdoc cover it; calling the bindings outside a JavaScript host panics inside
//! `wasm-bindgen`, so the tests of the bindings run under `wasm-bindgen-test` (in Node
//! and in headless Chromium).

mod args;
mod bytes;
mod bytes_fast;
mod dtype;
mod errors;
mod fast;
mod generic;
mod messages;
mod numeric;
mod packed;
mod ring;
mod waiters;

pub use crate::bytes::BytesRingBuffer;
pub use crate::bytes_fast::BytesRingBufferFast;
pub use crate::dtype::Dtype;
pub use crate::generic::GenericRingBuffer;
pub use crate::numeric::NumericRingBuffer;
pub use crate::packed::{pack, unpack};
pub use crate::waiters::AsyncRingIterator;
