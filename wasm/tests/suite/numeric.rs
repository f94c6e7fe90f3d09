//! `NumericRingBuffer`, for every dtype.

use js_sys::{Array, BigInt64Array, Float64Array, Int32Array, Reflect};
use mmring_wasm::{Dtype, NumericRingBuffer};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

use super::support::{Kind, elements, not_numbers, num, s, throws};

fn ring(capacity: f64, dtype: &str) -> NumericRingBuffer {
    NumericRingBuffer::new(num(capacity), Some(s(dtype))).expect("valid ring")
}

/// The JS value of `n` for `dtype`: a bigint for the 64-bit integers.
fn value(dtype: Dtype, n: i64) -> JsValue {
    match dtype {
        Dtype::I64 | Dtype::U64 => JsValue::from(n),
        _ => num(n as f64),
    }
}

/// The constructor name of an object (`"Float64Array"`).
fn class_of(value: &JsValue) -> String {
    let constructor = Reflect::get(value, &s("constructor")).unwrap();
    Reflect::get(&constructor, &s("name"))
        .unwrap()
        .as_string()
        .unwrap()
}

/// The smallest and largest value of each integer dtype, and one past each.
fn integer_bounds(dtype: Dtype) -> Option<(JsValue, JsValue, JsValue, JsValue)> {
    let small = |lo: f64, hi: f64| Some((num(lo), num(hi), num(lo - 1.0), num(hi + 1.0)));
    match dtype {
        Dtype::I8 => small(-128.0, 127.0),
        Dtype::I16 => small(-32768.0, 32767.0),
        Dtype::I32 => small(-2147483648.0, 2147483647.0),
        Dtype::U8 => small(0.0, 255.0),
        Dtype::U16 => small(0.0, 65535.0),
        Dtype::U32 => small(0.0, 4294967295.0),
        Dtype::I64 => Some((
            JsValue::from(i64::MIN),
            JsValue::from(i64::MAX),
            JsValue::from(i128::from(i64::MIN) - 1),
            JsValue::from(i128::from(i64::MAX) + 1),
        )),
        Dtype::U64 => Some((
            JsValue::from(0u64),
            JsValue::from(u64::MAX),
            JsValue::from(-1i64),
            JsValue::from(u128::from(u64::MAX) + 1),
        )),
        Dtype::F32 | Dtype::F64 => None,
    }
}

#[wasm_bindgen_test]
fn every_dtype_round_trips_through_its_typed_array() {
    for dtype in Dtype::ALL {
        for name in [dtype.name(), dtype.numpy_name()] {
            let r = ring(3.0, name);
            assert_eq!(r.dtype(), dtype.name());
            assert_eq!(r.capacity().unwrap(), 4);
            for n in 1..=5 {
                let evicted = r.insert(&value(dtype, n)).unwrap();
                if n == 5 {
                    assert_eq!(evicted, value(dtype, 1), "{name}");
                } else {
                    assert!(evicted.is_undefined());
                }
            }
            let unwrapped = r.unwrapped().unwrap();
            assert_eq!(class_of(&unwrapped), dtype.typed_array(), "{name}");
            let expected: Vec<JsValue> = (2..=5).map(|n| value(dtype, n)).collect();
            assert_eq!(elements(&unwrapped), expected, "{name}");
            assert_eq!(r.peek_left().unwrap(), value(dtype, 2));
            assert_eq!(r.peek_right().unwrap(), value(dtype, 5));
            assert_eq!(r.get(&num(-2.0)).unwrap(), value(dtype, 4));
            assert!(r.contains(&value(dtype, 3)).unwrap());
            assert!(!r.contains(&value(dtype, 9)).unwrap());
            assert_eq!(r.sum().unwrap(), Some(14.0));
            assert_eq!(r.mean().unwrap(), Some(3.5));
            assert_eq!(r.min().unwrap(), value(dtype, 2));
            assert_eq!(r.max().unwrap(), value(dtype, 5));
            assert_eq!(
                r.overwrite_latest(&value(dtype, 7)).unwrap(),
                value(dtype, 5)
            );
            assert_eq!(r.consume().unwrap(), value(dtype, 2));
            let rest = r.consume_all().unwrap();
            assert_eq!(class_of(&rest), dtype.typed_array());
            let expected: Vec<JsValue> = [3, 4, 7].map(|n| value(dtype, n)).into();
            assert_eq!(elements(&rest), expected);
            assert!(r.is_empty().unwrap());
            assert_eq!(r.overwritten().unwrap(), 1.0);
        }
    }
}

#[wasm_bindgen_test]
fn every_dtype_takes_its_typed_array_and_plain_arrays_in_batches() {
    for dtype in Dtype::ALL {
        let r = ring(4.0, dtype.name());
        let batch: Array = (1..=6).map(|n| value(dtype, n)).collect();
        r.insert_batch(&batch).unwrap();
        let expected: Vec<JsValue> = (3..=6).map(|n| value(dtype, n)).collect();
        assert_eq!(elements(&r.unwrapped().unwrap()), expected, "{dtype}");
        assert_eq!(r.overwritten().unwrap(), 2.0);
        // The ring's own output is a TypedArray of its dtype: the bulk path.
        let typed = r.unwrapped().unwrap();
        let other = ring(2.0, dtype.numpy_name());
        other.insert_batch(&typed).unwrap();
        let expected: Vec<JsValue> = (5..=6).map(|n| value(dtype, n)).collect();
        assert_eq!(elements(&other.unwrapped().unwrap()), expected, "{dtype}");
        assert_eq!(other.overwritten().unwrap(), 2.0);
    }
}

#[wasm_bindgen_test]
fn integer_values_must_be_whole_and_in_range() {
    for dtype in Dtype::ALL {
        let Some((lo, hi, below, above)) = integer_bounds(dtype) else {
            continue;
        };
        let r = ring(8.0, dtype.name());
        r.insert(&lo).unwrap();
        r.insert(&hi).unwrap();
        assert_eq!(r.min().unwrap(), lo, "{dtype}");
        assert_eq!(r.max().unwrap(), hi, "{dtype}");
        for bad in [&below, &above] {
            throws(r.insert(bad), Kind::Range, &format!("for dtype {dtype}"));
            assert!(!r.contains(bad).unwrap(), "{dtype}");
        }
        if !matches!(dtype, Dtype::I64 | Dtype::U64) {
            for bad in [1.5, f64::NAN, f64::INFINITY] {
                throws(r.insert(&num(bad)), Kind::Range, "whole number");
                assert!(!r.contains(&num(bad)).unwrap());
            }
            throws(r.insert(&JsValue::from(1i64)), Kind::Type, "got a bigint");
            throws(r.contains(&JsValue::from(1i64)), Kind::Type, "got a bigint");
        } else {
            throws(r.insert(&num(1.0)), Kind::Type, "bigint");
            throws(r.contains(&num(1.0)), Kind::Type, "got the number 1");
        }
        throws(r.insert(&s("1")), Kind::Type, "got a string");
        throws(r.overwrite_latest(&above), Kind::Range, "for dtype");
        assert_eq!(r.length().unwrap(), 2, "failed inserts change nothing");
    }
}

#[wasm_bindgen_test]
fn floats_take_any_number() {
    let r = ring(8.0, "f32");
    r.insert(&num(0.1)).unwrap();
    assert_eq!(r.peek_right().unwrap(), num(f64::from(0.1f32)));
    r.insert(&num(1e300)).unwrap();
    assert_eq!(r.peek_right().unwrap(), num(f64::INFINITY));
    let r = ring(8.0, "float64");
    for n in [f64::NAN, -0.0, f64::NEG_INFINITY, 5e-324] {
        r.insert(&num(n)).unwrap();
    }
    throws(
        r.insert(&JsValue::from(1u64)),
        Kind::Type,
        "expected a number",
    );
    throws(r.insert(&JsValue::UNDEFINED), Kind::Type, "got undefined");
    assert!(!r.contains(&num(f64::NAN)).unwrap(), "NaN is never ==");
}

#[wasm_bindgen_test]
fn statistics_skip_nan_and_are_undefined_when_empty() {
    let r = ring(8.0, "f64");
    assert_eq!(r.sum().unwrap(), None);
    assert_eq!(r.mean().unwrap(), None);
    assert!(r.min().unwrap().is_undefined());
    assert!(r.max().unwrap().is_undefined());
    r.insert_batch(&Float64Array::new_from_slice(&[2.0, f64::NAN, -1.0]))
        .unwrap();
    assert_eq!(r.min().unwrap(), num(-1.0));
    assert_eq!(r.max().unwrap(), num(2.0));
    assert!(r.sum().unwrap().unwrap().is_nan());
}

#[wasm_bindgen_test]
fn dtype_errors() {
    assert_eq!(
        NumericRingBuffer::new(num(4.0), None).unwrap().dtype(),
        "f64"
    );
    for bad in ["f16", "float", "F64", "", "int"] {
        throws(
            NumericRingBuffer::new(num(4.0), Some(s(bad))),
            Kind::Range,
            "unknown dtype",
        );
    }
    for bad in [num(8.0), JsValue::NULL, JsValue::TRUE] {
        throws(
            NumericRingBuffer::new(num(4.0), Some(bad)),
            Kind::Type,
            "dtype must be a string",
        );
    }
    throws(
        NumericRingBuffer::new(num(0.0), Some(s("u8"))),
        Kind::Range,
        "at least 1",
    );
    for bad in not_numbers() {
        throws(
            NumericRingBuffer::new(bad, Some(s("u8"))),
            Kind::Type,
            "capacity must be a number",
        );
    }
    throws(
        NumericRingBuffer::new(num(2f64.powi(31)), Some(s("f64"))),
        Kind::Range,
        "cannot allocate",
    );
}

#[wasm_bindgen_test]
fn insert_batch_checks_every_value_before_inserting_any() {
    let r = ring(8.0, "i32");
    r.insert(&num(1.0)).unwrap();
    let bad = Array::of3(&num(2.0), &num(3.0), &num(0.5));
    throws(r.insert_batch(&bad), Kind::Range, "(value 2)");
    let bad = Array::of2(&num(2.0), &s("3"));
    throws(r.insert_batch(&bad), Kind::Type, "(value 1)");
    for bad in [
        s("123"),
        num(1.0),
        JsValue::UNDEFINED,
        js_sys::Object::new().into(),
    ] {
        throws(r.insert_batch(&bad), Kind::Type, "expected an iterable");
    }
    assert_eq!(elements(&r.unwrapped().unwrap()), [num(1.0)]);
    // Another dtype's TypedArray goes value by value: fine when the values fit…
    r.insert_batch(&Float64Array::new_from_slice(&[2.0, 3.0]))
        .unwrap();
    // …refused when one does not, or is a bigint.
    throws(
        r.insert_batch(&Float64Array::new_from_slice(&[4.0, 4.5])),
        Kind::Range,
        "(value 1)",
    );
    throws(
        r.insert_batch(&BigInt64Array::new_from_slice(&[4])),
        Kind::Type,
        "(value 0)",
    );
    assert_eq!(
        elements(&r.unwrapped().unwrap()),
        [num(1.0), num(2.0), num(3.0)]
    );
}

#[wasm_bindgen_test]
fn long_typed_batches_count_every_eviction() {
    let r = ring(4.0, "i32");
    let batch: Vec<i32> = (0..1000).collect();
    r.insert_batch(&Int32Array::new_from_slice(&batch)).unwrap();
    assert_eq!(
        elements(&r.unwrapped().unwrap()),
        [996, 997, 998, 999].map(|n| num(n.into()))
    );
    assert_eq!(r.overwritten().unwrap(), 996.0);
    r.insert_batch(&Int32Array::new_from_slice(&[])).unwrap();
    assert_eq!(r.length().unwrap(), 4);
}

#[wasm_bindgen_test]
fn views_look_into_the_ring() {
    let r = ring(4.0, "f64");
    r.insert_batch(&Float64Array::new_from_slice(&[
        1.0, 2.0, 3.0, 4.0, 5.0, 6.0,
    ]))
    .unwrap();
    let halves = r.view_slices().unwrap();
    let first: Float64Array = halves.get(0).into();
    let second: Float64Array = halves.get(1).into();
    assert_eq!(first.to_vec(), [3.0, 4.0]);
    assert_eq!(second.to_vec(), [5.0, 6.0]);
    let view: Float64Array = r.view().unwrap().into();
    assert_eq!(view.to_vec(), [3.0, 4.0, 5.0, 6.0]);
    // After `view()` rotated the storage the window is one slice.
    let halves = r.view_slices().unwrap();
    assert_eq!(
        Float64Array::from(halves.get(0)).to_vec(),
        [3.0, 4.0, 5.0, 6.0]
    );
    assert_eq!(Float64Array::from(halves.get(1)).length(), 0);
    // The view shares the ring's memory: no copy was made.
    let again: Float64Array = r.view().unwrap().into();
    assert_eq!(view.byte_offset(), again.byte_offset());
    assert_eq!(class_of(&r.view().unwrap()), "Float64Array");
    let empty = ring(4.0, "u16");
    assert_eq!(class_of(&empty.view().unwrap()), "Uint16Array");
    assert_eq!(Array::from(&empty.view().unwrap()).length(), 0);
}

#[wasm_bindgen_test]
fn overwrite_latest_and_get_errors() {
    let r = ring(4.0, "u8");
    throws(
        r.overwrite_latest(&num(1.0)),
        Kind::Plain,
        "the ring is empty",
    );
    throws(r.overwrite_latest(&s("x")), Kind::Type, "got a string");
    r.insert(&num(1.0)).unwrap();
    throws(
        r.get(&num(0.5)),
        Kind::Range,
        "index must be a whole number",
    );
    throws(r.get(&s("0")), Kind::Type, "index must be a number");
    assert!(r.get(&num(1.0)).unwrap().is_undefined());
    assert_eq!(r.get(&num(-1.0)).unwrap(), num(1.0));
}

#[wasm_bindgen_test]
fn iterator_and_clear() {
    let r = ring(4.0, "u64");
    r.insert_batch(&Array::of2(&JsValue::from(1u64), &JsValue::from(u64::MAX)))
        .unwrap();
    let seen: Vec<JsValue> = r
        .iterator()
        .unwrap()
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert_eq!(seen, [JsValue::from(1u64), JsValue::from(u64::MAX)]);
    r.clear().unwrap();
    assert!(r.is_empty().unwrap());
    assert!(r.consume().unwrap().is_undefined());
    assert!(r.peek_left().unwrap().is_undefined());
    assert!(r.peek_right().unwrap().is_undefined());
    assert_eq!(Array::from(&r.consume_all().unwrap()).length(), 0);
}

#[wasm_bindgen_test]
fn at_is_get_and_to_json_lists_the_values() {
    for dtype in Dtype::ALL {
        let r = ring(4.0, dtype.name());
        for n in 1..=5 {
            r.insert(&value(dtype, n)).unwrap();
        }
        for i in [-5.0, -4.0, -1.0, 0.0, 3.0, 4.0] {
            assert_eq!(
                r.at(&num(i)).unwrap(),
                r.get(&num(i)).unwrap(),
                "{dtype} {i}"
            );
        }
        assert_eq!(r.at(&num(-1.0)).unwrap(), value(dtype, 5));
        throws(
            r.at(&s("0")),
            Kind::Type,
            "NumericRingBuffer.at: index must be a number",
        );
        let json = js_sys::JSON::stringify(&r.to_json().unwrap()).unwrap();
        let expected = match dtype {
            Dtype::I64 | Dtype::U64 => r#"["2","3","4","5"]"#,
            _ => "[2,3,4,5]",
        };
        assert_eq!(String::from(json), expected, "{dtype}");
    }
    let big = ring(2.0, "u64");
    big.insert(&JsValue::from(u64::MAX)).unwrap();
    let json = js_sys::JSON::stringify(&big.to_json().unwrap()).unwrap();
    assert_eq!(String::from(json), format!(r#"["{}"]"#, u64::MAX));
}

/// The hidden exports behind the npm package's fast paths (wasm/npm/fast.js): a
/// `NaN` result is read with the status word of `__layout()`'s scratch block.
mod fast_paths {
    use super::*;

    const NONE: u32 = 0;
    const VALUE: u32 = 1;
    const SLOW: u32 = 2;

    fn status() -> u32 {
        let scratch = NumericRingBuffer::fast_layout()[0] as usize;
        // SAFETY: `__layout()[0]` is the address of the scratch block in this module's
        // own memory, whose first word is the status (wasm/src/fast.rs).
        unsafe { (scratch as *const u32).read() }
    }

    /// What the JS layer makes of a fast result: `Ok(None)` undefined, `Ok(Some)` a
    /// number, `Err(())` the checked path.
    fn read(r: f64) -> Result<Option<f64>, ()> {
        if !r.is_nan() {
            return Ok(Some(r));
        }
        match status() {
            NONE => Ok(None),
            VALUE => Ok(Some(r)),
            SLOW => Err(()),
            other => panic!("status {other}"),
        }
    }

    #[wasm_bindgen_test]
    fn insert_evicts_like_the_checked_insert() {
        let r = ring(2.0, "f64");
        assert_eq!(
            read(NumericRingBuffer::fast_insert(r.fast_handle(), 1.5)),
            Ok(None)
        );
        assert_eq!(
            read(NumericRingBuffer::fast_insert(r.fast_handle(), f64::NAN)),
            Ok(None)
        );
        assert_eq!(
            read(NumericRingBuffer::fast_insert(r.fast_handle(), 2.5)),
            Ok(Some(1.5))
        );
        assert!(
            read(NumericRingBuffer::fast_insert(r.fast_handle(), 3.5))
                .unwrap()
                .unwrap()
                .is_nan()
        );
        assert_eq!(NumericRingBuffer::fast_len(r.fast_handle()), 2);
        assert_eq!(
            read(NumericRingBuffer::fast_peek(r.fast_handle(), false)),
            Ok(Some(2.5))
        );
        assert_eq!(
            read(NumericRingBuffer::fast_peek(r.fast_handle(), true)),
            Ok(Some(3.5))
        );
        assert_eq!(r.overwritten().unwrap(), 2.0);
    }

    #[wasm_bindgen_test]
    fn integer_dtypes_check_their_values_and_bigint_dtypes_go_slow() {
        let r = ring(4.0, "u8");
        assert_eq!(
            read(NumericRingBuffer::fast_insert(r.fast_handle(), 255.0)),
            Ok(None)
        );
        for bad in [256.0, -1.0, 0.5, f64::NAN, f64::INFINITY] {
            assert_eq!(
                read(NumericRingBuffer::fast_insert(r.fast_handle(), bad)),
                Err(()),
                "{bad}"
            );
        }
        assert_eq!(
            NumericRingBuffer::fast_len(r.fast_handle()),
            1,
            "a refused value is not stored"
        );
        assert_eq!(
            read(NumericRingBuffer::fast_get(r.fast_handle(), 0.0)),
            Ok(Some(255.0))
        );
        let f = ring(4.0, "f32");
        NumericRingBuffer::fast_insert(f.fast_handle(), 0.1);
        assert_eq!(
            read(NumericRingBuffer::fast_peek(f.fast_handle(), true)),
            Ok(Some(f64::from(0.1f32)))
        );
        let big = ring(4.0, "i64");
        assert_eq!(
            read(NumericRingBuffer::fast_insert(big.fast_handle(), 1.0)),
            Err(())
        );
        assert_eq!(NumericRingBuffer::fast_len(big.fast_handle()), 0);
        assert_eq!(
            read(NumericRingBuffer::fast_peek(big.fast_handle(), true)),
            Ok(None),
            "empty is empty for any dtype"
        );
        big.insert(&JsValue::from(7i64)).unwrap();
        assert_eq!(
            read(NumericRingBuffer::fast_peek(big.fast_handle(), true)),
            Err(()),
            "a bigint is read by the checked path"
        );
    }

    #[wasm_bindgen_test]
    fn get_takes_whole_indices_from_both_ends() {
        let r = ring(4.0, "i32");
        for n in 1..=6 {
            NumericRingBuffer::fast_insert(r.fast_handle(), f64::from(n));
        }
        assert_eq!(
            read(NumericRingBuffer::fast_get(r.fast_handle(), 0.0)),
            Ok(Some(3.0))
        );
        assert_eq!(
            read(NumericRingBuffer::fast_get(r.fast_handle(), -1.0)),
            Ok(Some(6.0))
        );
        assert_eq!(
            read(NumericRingBuffer::fast_get(r.fast_handle(), -4.0)),
            Ok(Some(3.0))
        );
        for out in [4.0, -5.0, 1e300, -1e300] {
            assert_eq!(
                read(NumericRingBuffer::fast_get(r.fast_handle(), out)),
                Ok(None),
                "{out}"
            );
        }
        for slow in [0.5, f64::NAN] {
            assert_eq!(
                read(NumericRingBuffer::fast_get(r.fast_handle(), slow)),
                Err(()),
                "{slow}"
            );
        }
    }

    #[wasm_bindgen_test]
    fn handle_zero_takes_the_slow_path() {
        assert_eq!(read(NumericRingBuffer::fast_insert(0, 1.0)), Err(()));
        assert_eq!(read(NumericRingBuffer::fast_peek(0, true)), Err(()));
        assert_eq!(read(NumericRingBuffer::fast_get(0, 0.0)), Err(()));
        assert_eq!(NumericRingBuffer::fast_len(0), -1);
        assert_eq!(NumericRingBuffer::fast_view(0), -1);
        assert_eq!(NumericRingBuffer::fast_append(0, Dtype::F64 as u32, 0), -1);
    }

    #[wasm_bindgen_test]
    fn a_pending_aconsume_sends_inserts_the_checked_way() {
        let r = ring(4.0, "f64");
        let _pending = r.aconsume();
        assert_eq!(
            read(NumericRingBuffer::fast_insert(r.fast_handle(), 1.0)),
            Err(())
        );
        assert_eq!(
            NumericRingBuffer::fast_append(r.fast_handle(), Dtype::F64 as u32, 1),
            -1
        );
        assert_eq!(NumericRingBuffer::fast_len(r.fast_handle()), 0);
    }

    /// The two slices `__append` reported in the scratch block: (address, length) each.
    fn reported_slices() -> [(u32, u32); 2] {
        let scratch = NumericRingBuffer::fast_layout()[0] as usize;
        // SAFETY: words 1 to 4 of the scratch block are the two slices' addresses and
        // lengths (wasm/src/fast.rs), in this module's own memory.
        let word = |i: usize| unsafe { (scratch as *const u32).add(i).read() };
        [(word(1), word(2)), (word(3), word(4))]
    }

    /// What fast.js does with `__append`'s answer `at`: writes the batch's newest
    /// values where it says, oldest first (in one piece at element `at`, or in the two
    /// slices of the scratch block).
    fn write_reported(at: i32, values: &[f64]) {
        let [(first, n1), (second, n2)] = if at >= 0 {
            [(at as u32 * 8, values.len() as u32), (0, 0)]
        } else {
            assert_eq!(at, -2);
            reported_slices()
        };
        let kept = &values[values.len() - (n1 + n2) as usize..];
        for ((address, n), part) in [(first, n1), (second, n2)]
            .into_iter()
            .zip([&kept[..n1 as usize], &kept[n1 as usize..]])
        {
            assert_eq!(part.len(), n as usize);
            // SAFETY: `__append` just reported `n` slots of the ring's f64 storage at
            // `address`, in this module's own memory; nothing has run since.
            unsafe {
                core::ptr::copy_nonoverlapping(
                    part.as_ptr(),
                    address as usize as *mut f64,
                    part.len(),
                );
            }
        }
    }

    #[wasm_bindgen_test]
    fn append_reports_where_a_batch_goes_and_evicts_like_insert_batch() {
        let r = ring(4.0, "f64");
        let checked = ring(4.0, "f64");
        // Batches that fit, wrap, fill and overflow the ring, compared with the
        // checked insertBatch after each.
        let batches: [&[f64]; 6] = [
            &[1.0, 2.0, 3.0],
            &[4.0, 5.0],
            &[],
            &[6.0],
            &[7.0, 8.0, 9.0, 10.0, 11.0, 12.0],
            &[13.0],
        ];
        let mut pieces = Vec::new();
        for batch in batches {
            let handle = r.fast_handle();
            let at = NumericRingBuffer::fast_append(handle, Dtype::F64 as u32, batch.len() as u32);
            pieces.push(at >= 0);
            write_reported(at, batch);
            checked
                .insert_batch(&Float64Array::from(batch).into())
                .unwrap();
            assert_eq!(
                elements(&r.unwrapped().unwrap()),
                elements(&checked.unwrapped().unwrap()),
                "after {batch:?}"
            );
            assert_eq!(r.overwritten().unwrap(), checked.overwritten().unwrap());
        }
        assert_eq!(
            elements(&r.unwrapped().unwrap()),
            [10.0, 11.0, 12.0, 13.0].map(num)
        );
        assert_eq!(r.overwritten().unwrap(), 9.0);
        // One piece, then wrapped, one piece (empty), one, longer than the capacity, one.
        assert_eq!(pieces, [true, false, true, true, false, true]);
        assert_eq!(
            NumericRingBuffer::fast_append(r.fast_handle(), Dtype::F32 as u32, 1),
            -1,
            "another dtype"
        );
        assert_eq!(NumericRingBuffer::fast_len(r.fast_handle()), 4);
    }

    #[wasm_bindgen_test]
    fn slices_report_the_window_without_rotating_it() {
        let r = ring(4.0, "u16");
        for n in 1..=6 {
            NumericRingBuffer::fast_insert(r.fast_handle(), f64::from(n));
        }
        assert_eq!(
            NumericRingBuffer::fast_slices(r.fast_handle()),
            Dtype::U16 as i32
        );
        let scratch = NumericRingBuffer::fast_layout()[0] as usize;
        // SAFETY: words 1 to 4 of the scratch block are the two slices' addresses and
        // lengths (wasm/src/fast.rs), in this module's own memory.
        let words: Vec<u32> = (1..=4)
            .map(|i| unsafe { (scratch as *const u32).add(i).read() })
            .collect();
        let slice = |address: u32, len: u32| {
            // SAFETY: a slice of the ring's live u16s just reported, not changed since.
            unsafe { core::slice::from_raw_parts(address as usize as *const u16, len as usize) }
        };
        assert_eq!(slice(words[0], words[1]), [3, 4]);
        assert_eq!(slice(words[2], words[3]), [5, 6]);
        assert_eq!(NumericRingBuffer::fast_slices(0), -1);
    }

    #[wasm_bindgen_test]
    fn view_reports_the_contiguous_window() {
        let r = ring(4.0, "f64");
        for n in 1..=6 {
            NumericRingBuffer::fast_insert(r.fast_handle(), f64::from(n));
        }
        assert_eq!(
            NumericRingBuffer::fast_view(r.fast_handle()),
            Dtype::F64 as i32
        );
        let scratch = NumericRingBuffer::fast_layout()[0] as usize;
        // SAFETY: words 1 and 2 of the scratch block are the window's address and
        // length (wasm/src/fast.rs), in this module's own memory.
        let (address, len) = unsafe {
            let words = scratch as *const u32;
            (words.add(1).read(), words.add(2).read())
        };
        assert_eq!(len, 4);
        // SAFETY: the window just reported: 4 live f64s of the ring, not changed since.
        let window = unsafe { core::slice::from_raw_parts(address as usize as *const f64, 4) };
        assert_eq!(window, [3.0, 4.0, 5.0, 6.0]);
    }
}
