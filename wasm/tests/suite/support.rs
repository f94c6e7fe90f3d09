//! Helpers: checking thrown errors and building values.

use js_sys::{Error, RangeError, TypeError, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};

/// The class of a thrown JS error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `TypeError`.
    Type,
    /// `RangeError`.
    Range,
    /// A plain `Error`.
    Plain,
}

/// Asserts that `result` is an error of `kind` whose message contains `needle`, and
/// returns the error.
#[track_caller]
pub fn throws<T>(result: Result<T, JsValue>, kind: Kind, needle: &str) -> Error {
    let err = match result {
        Ok(_) => panic!("expected a {kind:?} error containing {needle:?}, got Ok"),
        Err(err) => err,
    };
    let actual = if err.is_instance_of::<TypeError>() {
        Kind::Type
    } else if err.is_instance_of::<RangeError>() {
        Kind::Range
    } else if err.is_instance_of::<Error>() {
        Kind::Plain
    } else {
        panic!("thrown value is not an Error: {err:?}")
    };
    let err: Error = err.unchecked_into();
    let message = String::from(err.message());
    assert_eq!(actual, kind, "wrong error class for {message:?}");
    assert!(
        message.contains(needle),
        "message {message:?} does not contain {needle:?}"
    );
    assert!(
        !message.contains("panicked") && !message.contains("unreachable"),
        "{message}"
    );
    err
}

/// A `Uint8Array` copy of `bytes`.
pub fn u8s(bytes: &[u8]) -> JsValue {
    Uint8Array::new_from_slice(bytes).into()
}

/// The bytes of a `Uint8Array` value.
#[track_caller]
pub fn bytes_of(value: &JsValue) -> Vec<u8> {
    value
        .dyn_ref::<Uint8Array>()
        .unwrap_or_else(|| panic!("not a Uint8Array: {value:?}"))
        .to_vec()
}

/// The bytes of every `Uint8Array` in an array.
pub fn all_bytes(array: &JsValue) -> Vec<Vec<u8>> {
    elements(array).iter().map(bytes_of).collect()
}

/// The elements of an `Array` or a TypedArray.
pub fn elements(array: &JsValue) -> Vec<JsValue> {
    js_sys::Array::from(array).iter().collect()
}

/// A JS number.
pub fn num(n: f64) -> JsValue {
    JsValue::from_f64(n)
}

/// A JS string.
pub fn s(text: &str) -> JsValue {
    JsValue::from_str(text)
}

/// The values of the wrong type that every capacity and index argument refuses.
pub fn not_numbers() -> Vec<JsValue> {
    vec![
        JsValue::UNDEFINED,
        JsValue::NULL,
        s("4"),
        JsValue::TRUE,
        JsValue::from(4u64),
        js_sys::Object::new().into(),
        js_sys::Array::new().into(),
    ]
}
