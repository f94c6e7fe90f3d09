//! Element types of a `NumericRingBuffer`: their names, and how each converts to and
//! from JavaScript values and TypedArrays.

use core::fmt;

use js_sys::{
    BigInt64Array, BigUint64Array, Float32Array, Float64Array, Int8Array, Int16Array, Int32Array,
    Uint8Array, Uint16Array, Uint32Array,
};
use mmring_core::Numeric;
use wasm_bindgen::convert::TryFromJsValue;
use wasm_bindgen::{JsCast, JsValue};

/// The element type of a `NumericRingBuffer`, named by its constructor's `dtype`.
///
/// Each has a short name (the Rust type) and a NumPy name; both are accepted:
///
/// | dtype | NumPy name | JS value | TypedArray |
/// |---|---|---|---|
/// | `i8` `i16` `i32` | `int8` `int16` `int32` | `number` | `Int8Array` `Int16Array` `Int32Array` |
/// | `u8` `u16` `u32` | `uint8` `uint16` `uint32` | `number` | `Uint8Array` `Uint16Array` `Uint32Array` |
/// | `i64` `u64` | `int64` `uint64` | `bigint` | `BigInt64Array` `BigUint64Array` |
/// | `f32` `f64` | `float32` `float64` | `number` | `Float32Array` `Float64Array` |
///
/// ```
/// use mmring_wasm::Dtype;
///
/// assert_eq!(Dtype::parse("float64"), Some(Dtype::F64));
/// assert_eq!(Dtype::parse("u16"), Some(Dtype::U16));
/// assert_eq!(Dtype::parse("double"), None);
/// assert_eq!(Dtype::I64.name(), "i64");
/// assert_eq!(Dtype::I64.numpy_name(), "int64");
/// assert_eq!(Dtype::I64.typed_array(), "BigInt64Array");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dtype {
    /// `i8` / `int8`: `Int8Array`.
    I8,
    /// `i16` / `int16`: `Int16Array`.
    I16,
    /// `i32` / `int32`: `Int32Array`.
    I32,
    /// `i64` / `int64`: `BigInt64Array`, values are `bigint`.
    I64,
    /// `u8` / `uint8`: `Uint8Array`.
    U8,
    /// `u16` / `uint16`: `Uint16Array`.
    U16,
    /// `u32` / `uint32`: `Uint32Array`.
    U32,
    /// `u64` / `uint64`: `BigUint64Array`, values are `bigint`.
    U64,
    /// `f32` / `float32`: `Float32Array`.
    F32,
    /// `f64` / `float64`: `Float64Array`.
    F64,
}

impl Dtype {
    /// Every dtype, in the order of the table above.
    pub const ALL: [Dtype; 10] = [
        Dtype::I8,
        Dtype::I16,
        Dtype::I32,
        Dtype::I64,
        Dtype::U8,
        Dtype::U16,
        Dtype::U32,
        Dtype::U64,
        Dtype::F32,
        Dtype::F64,
    ];

    /// The dtype named `name` (short or NumPy spelling, lower case), if any.
    pub fn parse(name: &str) -> Option<Dtype> {
        Self::ALL
            .into_iter()
            .find(|dtype| dtype.name() == name || dtype.numpy_name() == name)
    }

    /// The short name, the same as [`Numeric::DTYPE`] of the Rust type (`"f64"`).
    pub fn name(self) -> &'static str {
        match self {
            Dtype::I8 => i8::DTYPE,
            Dtype::I16 => i16::DTYPE,
            Dtype::I32 => i32::DTYPE,
            Dtype::I64 => i64::DTYPE,
            Dtype::U8 => u8::DTYPE,
            Dtype::U16 => u16::DTYPE,
            Dtype::U32 => u32::DTYPE,
            Dtype::U64 => u64::DTYPE,
            Dtype::F32 => f32::DTYPE,
            Dtype::F64 => f64::DTYPE,
        }
    }

    /// The NumPy name (`"float64"`).
    pub fn numpy_name(self) -> &'static str {
        match self {
            Dtype::I8 => "int8",
            Dtype::I16 => "int16",
            Dtype::I32 => "int32",
            Dtype::I64 => "int64",
            Dtype::U8 => "uint8",
            Dtype::U16 => "uint16",
            Dtype::U32 => "uint32",
            Dtype::U64 => "uint64",
            Dtype::F32 => "float32",
            Dtype::F64 => "float64",
        }
    }

    /// The name of the matching JavaScript TypedArray (`"Float64Array"`).
    pub fn typed_array(self) -> &'static str {
        match self {
            Dtype::I8 => i8::ARRAY,
            Dtype::I16 => i16::ARRAY,
            Dtype::I32 => i32::ARRAY,
            Dtype::I64 => i64::ARRAY,
            Dtype::U8 => u8::ARRAY,
            Dtype::U16 => u16::ARRAY,
            Dtype::U32 => u32::ARRAY,
            Dtype::U64 => u64::ARRAY,
            Dtype::F32 => f32::ARRAY,
            Dtype::F64 => f64::ARRAY,
        }
    }

    /// Whether `value` is this dtype's TypedArray.
    pub(crate) fn is_typed_array(self, value: &JsValue) -> bool {
        match self {
            Dtype::I8 => i8::as_array(value).is_some(),
            Dtype::I16 => i16::as_array(value).is_some(),
            Dtype::I32 => i32::as_array(value).is_some(),
            Dtype::I64 => i64::as_array(value).is_some(),
            Dtype::U8 => u8::as_array(value).is_some(),
            Dtype::U16 => u16::as_array(value).is_some(),
            Dtype::U32 => u32::as_array(value).is_some(),
            Dtype::U64 => u64::as_array(value).is_some(),
            Dtype::F32 => f32::as_array(value).is_some(),
            Dtype::F64 => f64::as_array(value).is_some(),
        }
    }

    /// The accepted spellings, for error messages.
    pub(crate) fn spellings() -> String {
        Self::ALL
            .iter()
            .map(|dtype| format!("{:?}/{:?}", dtype.name(), dtype.numpy_name()))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl fmt::Display for Dtype {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a JavaScript value is not a valid element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reject {
    /// Wrong type: a `bigint` for a 32-bit dtype, a `number` for a 64-bit one, a string…
    Type,
    /// Right type, but not representable: a fraction or out of range for an integer dtype.
    Range,
}

/// A [`Numeric`] type as seen from JavaScript: its value conversions and TypedArray.
pub(crate) trait Element: Numeric {
    /// The matching TypedArray class.
    type Array: JsCast + Into<JsValue>;
    /// Its name, for messages.
    const ARRAY: &'static str;
    /// The dtype of this type.
    const KIND: Dtype;
    /// What a value must be, for messages ("an integer number from 0 to 255").
    const EXPECTED: &'static str;

    /// The element a JavaScript value stands for, checked.
    fn from_js(value: &JsValue) -> Result<Self, Reject>;
    /// The JavaScript value of an element: a `number`, or a `bigint` for 64-bit integers.
    fn to_js(self) -> JsValue;
    /// The element a JS `number` stands for, when it is a valid one and the dtype's
    /// values are `number`s; `None` otherwise (the caller then takes the checked path
    /// of [`from_js`](Self::from_js), which says why). The fast paths' way in.
    fn from_number(n: f64) -> Option<Self>;
    /// The element as a JS `number`, or `None` for the 64-bit integers (`bigint`s).
    fn to_number(self) -> Option<f64>;
    /// The element as `toJSON()` lists it: a `number`, or for the 64-bit integers the
    /// decimal string (`JSON.stringify` cannot write a `bigint`, and a `number` would
    /// round values past 2^53).
    fn to_json(self) -> JsValue;
    /// A new TypedArray holding `first` then `second` (two copies out of wasm memory).
    fn array_of(first: &[Self], second: &[Self]) -> JsValue;
    /// A TypedArray viewing `slice` in wasm memory without copying.
    ///
    /// # Safety
    /// As [`js_sys::Float64Array::view`]: the view is valid only until wasm memory
    /// grows (any allocation may grow it) or the slice's owner changes it; JavaScript
    /// must not be handed a view it may read after that without being told so.
    unsafe fn view(slice: &[Self]) -> JsValue;
    /// `value` as this type's TypedArray, if it is one.
    fn as_array(value: &JsValue) -> Option<&Self::Array>;
    /// The length of a TypedArray of this type.
    fn array_len(array: &Self::Array) -> usize;
    /// Copies `array[start .. start + out.len()]` into `out`. `array_len` must be the
    /// array's length, and the range must lie inside it.
    fn copy_out(array: &Self::Array, array_len: usize, start: usize, out: &mut [Self]);
}

/// Integers up to 32 bits are JS numbers that must be whole and in range.
fn small_integer<T: TryFrom<i64>>(value: &JsValue) -> Result<T, Reject> {
    small_number(value.as_f64().ok_or(Reject::Type)?)
}

/// A JS number as an integer up to 32 bits: whole and in range.
#[inline]
fn small_number<T: TryFrom<i64>>(n: f64) -> Result<T, Reject> {
    if n.fract() != 0.0 || !n.is_finite() || n.abs() > crate::args::MAX_SAFE_INTEGER {
        return Err(Reject::Range);
    }
    T::try_from(n as i64).map_err(|_| Reject::Range)
}

/// 64-bit integers are `bigint`s, in range.
fn big_integer<T: TryFromJsValue>(value: &JsValue) -> Result<T, Reject> {
    if !value.is_bigint() {
        return Err(Reject::Type);
    }
    T::try_from_js_value_ref(value).ok_or(Reject::Range)
}

/// Floats are any JS number (an `f32` rounds to nearest, as a `Float32Array` does).
fn float(value: &JsValue) -> Result<f64, Reject> {
    value.as_f64().ok_or(Reject::Type)
}

macro_rules! element {
    (
        $t:ident,
        $kind:expr,
        $array:ident,
        $expected:expr,
        $from:expr,
        number: $from_number:expr, $to_number:expr,
        json: $to_json:expr $(,)?
    ) => {
        impl Element for $t {
            type Array = $array;
            const ARRAY: &'static str = stringify!($array);
            const KIND: Dtype = $kind;
            const EXPECTED: &'static str = $expected;

            #[inline]
            fn from_js(value: &JsValue) -> Result<Self, Reject> {
                $from(value)
            }

            #[inline]
            fn to_js(self) -> JsValue {
                JsValue::from(self)
            }

            #[inline]
            fn from_number(n: f64) -> Option<Self> {
                $from_number(n)
            }

            #[inline]
            fn to_number(self) -> Option<f64> {
                $to_number(self)
            }

            fn to_json(self) -> JsValue {
                $to_json(self)
            }

            fn array_of(first: &[Self], second: &[Self]) -> JsValue {
                if second.is_empty() {
                    return $array::new_from_slice(first).into();
                }
                let len = first.len() + second.len();
                // Lengths come from a ring, whose capacity fits wasm memory (and u32).
                let array = $array::new_with_length(len as u32);
                array.subarray(0, first.len() as u32).copy_from(first);
                array
                    .subarray(first.len() as u32, len as u32)
                    .copy_from(second);
                array.into()
            }

            unsafe fn view(slice: &[Self]) -> JsValue {
                // SAFETY: the caller upholds `view`'s contract (see the trait method).
                unsafe { $array::view(slice) }.into()
            }

            #[inline]
            fn as_array(value: &JsValue) -> Option<&Self::Array> {
                value.dyn_ref::<$array>()
            }

            #[inline]
            fn array_len(array: &Self::Array) -> usize {
                array.length() as usize
            }

            fn copy_out(array: &Self::Array, array_len: usize, start: usize, out: &mut [Self]) {
                let end = start + out.len();
                debug_assert!(end <= array_len && array_len == Self::array_len(array));
                if start == 0 && end == array_len {
                    // The whole array: no `subarray` object to create.
                    array.copy_to(out);
                } else {
                    array.subarray(start as u32, end as u32).copy_to(out);
                }
            }
        }
    };
}

/// The fast-path conversions and `toJSON` values of the dtypes whose values are JS
/// `number`s.
macro_rules! number_element {
    ($t:ident, $kind:expr, $array:ident, $expected:expr, $from:expr, $from_number:expr) => {
        element!(
            $t,
            $kind,
            $array,
            $expected,
            $from,
            number: $from_number, |v: $t| Some(f64::from(v)),
            json: |v: $t| JsValue::from(v),
        );
    };
}

/// The 64-bit integers: `bigint`s, never on a `number` fast path, decimal strings in
/// `toJSON`.
macro_rules! bigint_element {
    ($t:ident, $kind:expr, $array:ident, $expected:expr) => {
        element!(
            $t,
            $kind,
            $array,
            $expected,
            big_integer,
            number: |_: f64| None, |_: $t| None,
            json: |v: $t| JsValue::from_str(&v.to_string()),
        );
    };
}

number_element!(
    i8,
    Dtype::I8,
    Int8Array,
    "a whole number from -128 to 127",
    small_integer,
    |n| small_number(n).ok()
);
number_element!(
    i16,
    Dtype::I16,
    Int16Array,
    "a whole number from -32768 to 32767",
    small_integer,
    |n| small_number(n).ok()
);
number_element!(
    i32,
    Dtype::I32,
    Int32Array,
    "a whole number from -2147483648 to 2147483647",
    small_integer,
    |n| small_number(n).ok()
);
number_element!(
    u8,
    Dtype::U8,
    Uint8Array,
    "a whole number from 0 to 255",
    small_integer,
    |n| small_number(n).ok()
);
number_element!(
    u16,
    Dtype::U16,
    Uint16Array,
    "a whole number from 0 to 65535",
    small_integer,
    |n| small_number(n).ok()
);
number_element!(
    u32,
    Dtype::U32,
    Uint32Array,
    "a whole number from 0 to 4294967295",
    small_integer,
    |n| small_number(n).ok()
);
bigint_element!(
    i64,
    Dtype::I64,
    BigInt64Array,
    "a bigint from -(2n ** 63n) to 2n ** 63n - 1n (write 5n or BigInt(5))"
);
bigint_element!(
    u64,
    Dtype::U64,
    BigUint64Array,
    "a bigint from 0n to 2n ** 64n - 1n (write 5n or BigInt(5))"
);
number_element!(
    f32,
    Dtype::F32,
    Float32Array,
    "a number",
    |v| float(v).map(|n| n as f32),
    |n| Some(n as f32)
);
number_element!(f64, Dtype::F64, Float64Array, "a number", float, Some);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_dtype_parses_from_both_spellings() {
        for dtype in Dtype::ALL {
            assert_eq!(Dtype::parse(dtype.name()), Some(dtype));
            assert_eq!(Dtype::parse(dtype.numpy_name()), Some(dtype));
            assert_eq!(dtype.to_string(), dtype.name());
        }
        for bad in ["", "F64", "float", "int", "i128", "float16", " f64"] {
            assert_eq!(Dtype::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn each_element_type_knows_its_dtype() {
        fn check<T: Element>() {
            assert_eq!(T::KIND.name(), T::DTYPE);
            assert_eq!(T::KIND.typed_array(), T::ARRAY);
        }
        check::<i8>();
        check::<i16>();
        check::<i32>();
        check::<i64>();
        check::<u8>();
        check::<u16>();
        check::<u32>();
        check::<u64>();
        check::<f32>();
        check::<f64>();
    }

    #[test]
    fn typed_arrays_match_the_dtype() {
        let names: Vec<_> = Dtype::ALL.iter().map(|d| d.typed_array()).collect();
        assert_eq!(
            names,
            [
                "Int8Array",
                "Int16Array",
                "Int32Array",
                "BigInt64Array",
                "Uint8Array",
                "Uint16Array",
                "Uint32Array",
                "BigUint64Array",
                "Float32Array",
                "Float64Array"
            ]
        );
    }
}
