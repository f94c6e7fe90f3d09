//! The JavaScript errors the bindings throw, built from the core's typed errors.
//!
//! `TypeError` for a value of the wrong type, `RangeError` for a value outside what is
//! allowed, `Error` for an operation the ring's current state forbids. Every message
//! starts with the method that threw (`NumericRingBuffer.insert: …`).

use js_sys::{Error, RangeError, Reflect, TypeError};
use mmring_core::{CapacityError, FastError, PackedError};
use wasm_bindgen::JsValue;

/// A `TypeError` for `context` (`"Class.method"`).
pub(crate) fn type_error(context: &str, message: &str) -> JsValue {
    TypeError::new(&format!("{context}: {message}")).into()
}

/// A `RangeError` for `context`.
pub(crate) fn range_error(context: &str, message: &str) -> JsValue {
    RangeError::new(&format!("{context}: {message}")).into()
}

/// A plain `Error` for `context`.
pub(crate) fn state_error(context: &str, message: &str) -> JsValue {
    Error::new(&format!("{context}: {message}")).into()
}

/// A `RangeError`: every capacity error is a value out of range.
pub(crate) fn capacity_error(context: &str, err: &CapacityError) -> JsValue {
    range_error(context, &camel_case_options(&err.to_string()))
}

/// `Oversize` is a `RangeError`; `Empty` and `Duplicate` are state errors.
pub(crate) fn fast_error(context: &str, err: &FastError) -> JsValue {
    let message = camel_case_options(&err.to_string());
    match err {
        FastError::Oversize { .. } => range_error(context, &message),
        _ => state_error(context, &message),
    }
}

/// A core message with the option names JavaScript users write.
fn camel_case_options(message: &str) -> String {
    message
        .replace("expected_item_size", "expectedItemSize")
        .replace("buffer_percent", "bufferPercent")
        .replace("only_insert_unique", "onlyInsertUnique")
}

/// The error `overwriteLatest` throws on an empty ring.
pub(crate) fn empty_error(context: &str) -> JsValue {
    state_error(
        context,
        "the ring is empty: there is no newest item to overwrite",
    )
}

/// The error a ring method throws when called again from inside one of its own
/// callbacks (a getter or iterator it was reading). Reaching it needs hostile input,
/// but it keeps the promise that no call traps.
pub(crate) fn reentrant_error(context: &str) -> JsValue {
    state_error(
        context,
        "the ring is busy: it was called again while reading an argument",
    )
}

/// An `Error` for a corrupt frame, with the byte `offset` of the offending length
/// prefix also set as `error.offset`.
pub(crate) fn packed_error(context: &str, err: &PackedError) -> JsValue {
    let error = state_error(context, &err.to_string());
    let (key, value) = match *err {
        PackedError::Corrupt { offset } => ("offset", offset),
        PackedError::TooLarge { len } => ("length", len),
        // `PackedError` is non-exhaustive: a future variant keeps its message only.
        _ => return error,
    };
    // Setting a property on a fresh `Error` cannot fail; if it somehow did, the
    // message still names the offset.
    let _ = Reflect::set(
        &error,
        &JsValue::from_str(key),
        &JsValue::from(value as f64),
    );
    error
}
