//! Checked reading of JavaScript arguments.
//!
//! `wasm-bindgen` coerces primitive parameters silently (`"3"` or `undefined` passed
//! for a `usize` becomes a number), so every public method takes `JsValue` and checks
//! it here, throwing a `TypeError` or `RangeError` that names the method and what it
//! was given. These readers run before a ring is borrowed: reading an argument can run
//! user code (an iterator, a getter), which must not find the ring borrowed.

use js_sys::{
    Array, ArrayBuffer, BigInt64Array, BigUint64Array, Float32Array, Float64Array, Int8Array,
    Int16Array, Int32Array, Object, Reflect, Uint8Array, Uint8ClampedArray, Uint16Array,
    Uint32Array,
};
use wasm_bindgen::{JsCast, JsValue};

use crate::errors::{range_error, type_error};

/// The largest integer a JavaScript number holds exactly (2^53 − 1).
pub(crate) const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

/// A short description of what a value is, for error messages ("a string", "a
/// Float32Array"). Reads no property of the value, so it runs no user code.
pub(crate) fn describe(value: &JsValue) -> String {
    if value.is_undefined() {
        return "undefined".into();
    }
    if value.is_null() {
        return "null".into();
    }
    if let Some(n) = value.as_f64() {
        return format!("the number {n}");
    }
    if value.is_string() {
        return "a string".into();
    }
    if value.is_bigint() {
        return "a bigint".into();
    }
    if value.as_bool().is_some() {
        return "a boolean".into();
    }
    if value.is_symbol() {
        return "a symbol".into();
    }
    if value.is_function() {
        return "a function".into();
    }
    if Array::is_array(value) {
        return "an Array".into();
    }
    macro_rules! classes {
        ($($class:ident)*) => {$(
            if value.is_instance_of::<$class>() {
                return concat!("a ", stringify!($class)).into();
            }
        )*};
    }
    classes!(
        Int8Array Int16Array Int32Array BigInt64Array Uint8Array Uint8ClampedArray
        Uint16Array Uint32Array BigUint64Array Float32Array Float64Array ArrayBuffer
    );
    "an object".into()
}

/// A ring capacity: an integer number ≥ 0 that fits `usize`. Zero passes through, so
/// that the core reports it with its own message.
pub(crate) fn capacity(value: &JsValue, context: &str) -> Result<usize, JsValue> {
    let Some(n) = value.as_f64() else {
        return Err(type_error(
            context,
            &format!("capacity must be a number, got {}", describe(value)),
        ));
    };
    if n.fract() != 0.0 || n < 0.0 || !n.is_finite() {
        return Err(range_error(
            context,
            &format!("capacity must be a whole number ≥ 1, got {n}"),
        ));
    }
    if n > usize::MAX as f64 {
        return Err(range_error(
            context,
            &format!(
                "capacity {n} is too large for this platform (at most {})",
                usize::MAX / 2 + 1
            ),
        ));
    }
    Ok(n as usize)
}

/// An index for `get`: an integer number, negative counting from the newest (`-1`).
/// `None` when it lies outside every ring (|i| ≥ 2^53), which `get` reports as
/// `undefined` like any other out-of-range index.
pub(crate) fn index(value: &JsValue, context: &str) -> Result<Option<isize>, JsValue> {
    let Some(n) = value.as_f64() else {
        return Err(type_error(
            context,
            &format!("index must be a number, got {}", describe(value)),
        ));
    };
    if n.fract() != 0.0 || n.is_nan() {
        return Err(range_error(
            context,
            &format!("index must be a whole number, got {n}"),
        ));
    }
    if n.abs() > isize::MAX as f64 {
        return Ok(None);
    }
    Ok(Some(n as isize))
}

/// A byte message: a `Uint8Array` (a Node `Buffer` is one) or an `ArrayBuffer`.
pub(crate) fn bytes(value: &JsValue, context: &str, what: &str) -> Result<Uint8Array, JsValue> {
    if let Some(array) = value.dyn_ref::<Uint8Array>() {
        return Ok(array.clone());
    }
    if let Some(buffer) = value.dyn_ref::<ArrayBuffer>() {
        return Ok(Uint8Array::new(buffer));
    }
    Err(type_error(
        context,
        &format!(
            "{what} must be a Uint8Array or an ArrayBuffer, got {}",
            describe(value)
        ),
    ))
}

/// The items of an iterable (an `Array`, a `Set`, a generator…), collected before any
/// ring is touched. A string is refused: iterating it by character is never what a
/// batch of ring items means.
pub(crate) fn iterable(value: &JsValue, context: &str) -> Result<Vec<JsValue>, JsValue> {
    if let Some(array) = value.dyn_ref::<Array>() {
        return Ok(array.iter().collect());
    }
    let refuse = || {
        type_error(
            context,
            &format!(
                "expected an iterable of items (an Array, for example), got {}",
                describe(value)
            ),
        )
    };
    if !value.is_object() {
        return Err(refuse());
    }
    match js_sys::try_iter(value)? {
        Some(items) => items.collect(),
        None => Err(refuse()),
    }
}

/// An options object (absent, `undefined` and `null` mean the defaults). A key outside
/// `allowed` is a `TypeError`, so that a misspelt option cannot pass unnoticed.
pub(crate) fn options(
    value: Option<&JsValue>,
    context: &str,
    allowed: &[&str],
) -> Result<Option<Object>, JsValue> {
    let Some(value) = value.filter(|v| !v.is_undefined() && !v.is_null()) else {
        return Ok(None);
    };
    if !value.is_object() {
        return Err(type_error(
            context,
            &format!("options must be an object, got {}", describe(value)),
        ));
    }
    // Any non-null object will do, including one made by `Object.create(null)`.
    let object: &Object = value.unchecked_ref();
    for key in Object::keys(object).iter() {
        let key = key.as_string().unwrap_or_default();
        if !allowed.contains(&key.as_str()) {
            return Err(type_error(
                context,
                &format!(
                    "unknown option {key:?}; the options are {}",
                    allowed.join(", ")
                ),
            ));
        }
    }
    Ok(Some(object.clone()))
}

/// The option `key` read by `read` (`JsValue::as_bool`, `JsValue::as_f64`, …); absent or
/// `undefined` gives `None`, a value `read` refuses a `TypeError` saying it must be
/// `what` ("a boolean").
pub(crate) fn option<T>(
    options: &Object,
    key: &str,
    context: &str,
    what: &str,
    read: impl FnOnce(&JsValue) -> Option<T>,
) -> Result<Option<T>, JsValue> {
    let value = Reflect::get(options, &JsValue::from_str(key))?;
    if value.is_undefined() {
        return Ok(None);
    }
    read(&value).map(Some).ok_or_else(|| {
        type_error(
            context,
            &format!("option {key} must be {what}, got {}", describe(&value)),
        )
    })
}

/// A size option: a whole number ≥ 0 that fits `usize` (0 passes through for the core
/// to report).
pub(crate) fn size_option(
    options: &Object,
    key: &str,
    context: &str,
) -> Result<Option<usize>, JsValue> {
    let Some(n) = option(options, key, context, "a number", JsValue::as_f64)? else {
        return Ok(None);
    };
    if n.fract() != 0.0 || n < 0.0 || !n.is_finite() || n > usize::MAX as f64 {
        return Err(range_error(
            context,
            &format!(
                "option {key} must be a whole number of bytes from 1 to {}, got {n}",
                usize::MAX
            ),
        ));
    }
    Ok(Some(n as usize))
}
