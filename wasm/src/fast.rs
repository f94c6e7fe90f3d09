//! The memory the JavaScript fast paths share with Rust: a scratch block for what a
//! fast call returns besides its `number` (a status, or the places of a window or of
//! the slots that `insertBatch` writes a TypedArray straight into).
//!
//! The npm package appends `wasm/npm/fast.js` to each build's glue. It replaces the hot
//! methods of `NumericRingBuffer` (`insert`, `insertBatch`, `length`, `peekLeft`,
//! `peekRight`, `get`, `at`, `view`, `unwrapped`) with functions that call the hidden
//! `NumericRingBuffer.__*` exports directly with plain numbers: no `JsValue`, no
//! `bigint`, no array for a `Result`, no allocation. Each returns an `f64`; a `NaN`
//! result is ambiguous, so then the JS reads [`Status`] from the scratch block, through
//! a view of wasm memory that it creates again only when the memory has grown. A call
//! that cannot take the fast path (a `bigint` dtype, a pending `aconsume()`, a value
//! the dtype cannot hold) changes nothing and says [`Status::Slow`]: the JS then calls
//! the checked method, which does the work or throws the error that names the method.
//!
//! wasm is single-threaded here (no `atomics` target feature), so the block is a
//! `thread_local!` with a constant initialiser: on `wasm32-unknown-unknown` that is a
//! plain static, at an address that never changes.

use core::cell::Cell;

/// What a fast call's `NaN` result means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub(crate) enum Status {
    /// No value: `undefined` (nothing evicted, an empty ring, an index out of range).
    None = 0,
    /// The value is a `NaN` that was held.
    Value = 1,
    /// Nothing was done: call the checked method.
    Slow = 2,
}

/// The scratch block, as the JS reads it (`u32` words).
#[repr(C)]
struct Scratch {
    /// A [`Status`], written only when a fast call returns `NaN`.
    status: Cell<u32>,
    /// `view()`'s window (byte address, then length in elements), or the two slices
    /// (address and length of each, oldest first) of `unwrapped()`'s window or of the
    /// slots `insertBatch` writes.
    window: [Cell<u32>; 4],
}

thread_local! {
    static SCRATCH: Scratch = const {
        Scratch {
            status: Cell::new(0),
            window: [Cell::new(0), Cell::new(0), Cell::new(0), Cell::new(0)],
        }
    };
}

/// The byte address of the scratch block, for the JS layer to read once.
pub(crate) fn layout() -> [u32; 1] {
    [SCRATCH.with(|s| core::ptr::from_ref(s) as usize as u32)]
}

/// The `NaN` that stands for `status`.
fn nan(status: Status) -> f64 {
    SCRATCH.with(|s| s.status.set(status as u32));
    f64::NAN
}

/// The result for "nothing": `undefined` in JS.
pub(crate) fn none() -> f64 {
    nan(Status::None)
}

/// The result for "take the checked path".
pub(crate) fn slow() -> f64 {
    nan(Status::Slow)
}

/// The result for `value` (a `NaN` value is marked as one).
#[inline]
pub(crate) fn value(value: f64) -> f64 {
    if value.is_nan() {
        nan(Status::Value)
    } else {
        value
    }
}

/// Stores `view()`'s window for the JS to read.
pub(crate) fn set_window(address: u32, len: u32) {
    set_slices([(address, len), (0, 0)]);
}

/// Stores two slices (byte address, length) for the JS to read, oldest first.
pub(crate) fn set_slices(slices: [(u32, u32); 2]) {
    SCRATCH.with(|s| {
        for (i, (address, len)) in slices.into_iter().enumerate() {
            s.window[2 * i].set(address);
            s.window[2 * i + 1].set(len);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nan_result_says_what_it_means() {
        let status = || SCRATCH.with(|s| s.status.get());
        assert_eq!(value(1.5), 1.5);
        assert!(value(f64::NAN).is_nan());
        assert_eq!(status(), Status::Value as u32);
        assert!(none().is_nan());
        assert_eq!(status(), Status::None as u32);
        assert!(slow().is_nan());
        assert_eq!(status(), Status::Slow as u32);
    }

    #[test]
    fn the_layout_names_the_scratch_block() {
        let [scratch] = layout();
        assert_ne!(scratch, 0);
        assert_eq!(scratch % 4, 0);
    }
}
