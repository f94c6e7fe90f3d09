//! `BytesRingBufferFast`.

use js_sys::{Array, ArrayBuffer, Object, Reflect};
use mmring_wasm::BytesRingBufferFast;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

use super::support::{Kind, all_bytes, bytes_of, not_numbers, num, s, throws, u8s};

fn options(pairs: &[(&str, JsValue)]) -> Option<JsValue> {
    let options = Object::new();
    for (key, value) in pairs {
        Reflect::set(&options, &s(key), value).unwrap();
    }
    Some(options.into())
}

/// A ring of 8-byte slots.
fn small(capacity: f64, unique: bool) -> BytesRingBufferFast {
    BytesRingBufferFast::new(
        num(capacity),
        options(&[
            ("expectedItemSize", num(8.0)),
            ("bufferPercent", num(0.0)),
            ("onlyInsertUnique", JsValue::from_bool(unique)),
        ]),
    )
    .unwrap()
}

#[wasm_bindgen_test]
fn slots_are_sized_from_the_options() {
    let r = BytesRingBufferFast::new(num(3.0), None).unwrap();
    assert_eq!((r.capacity().unwrap(), r.slot_size().unwrap()), (4, 256));
    assert!(!r.only_insert_unique().unwrap());
    let r = BytesRingBufferFast::new(
        num(4.0),
        options(&[
            ("expectedItemSize", num(100.0)),
            ("bufferPercent", num(0.0)),
        ]),
    )
    .unwrap();
    assert_eq!(r.slot_size().unwrap(), 128);
    let r = BytesRingBufferFast::new(num(4.0), options(&[("bufferPercent", num(100.0))])).unwrap();
    assert_eq!(r.slot_size().unwrap(), 256);
}

#[wasm_bindgen_test]
fn messages_are_copied_in_and_out() {
    let r = small(2.0, false);
    assert!(r.insert(&u8s(b"12345678")).unwrap());
    assert!(r.insert(&ArrayBuffer::new(3).into()).unwrap());
    assert!(r.insert(&u8s(b"")).unwrap());
    assert_eq!(r.overwritten().unwrap(), 1.0);
    assert!(r.is_full().unwrap());
    assert_eq!(all_bytes(&r.unwrapped().unwrap()), [vec![0, 0, 0], vec![]]);
    assert_eq!(bytes_of(&r.peek_left().unwrap()), [0, 0, 0]);
    assert_eq!(bytes_of(&r.peek_right().unwrap()), b"");
    assert_eq!(bytes_of(&r.get(&num(-2.0)).unwrap()), [0, 0, 0]);
    assert!(r.get(&num(-3.0)).unwrap().is_undefined());
    assert!(r.contains(&u8s(&[0, 0, 0])).unwrap());
    assert!(
        !r.contains(&u8s(b"123456789")).unwrap(),
        "longer than a slot"
    );
    assert_eq!(bytes_of(&r.consume().unwrap()), [0, 0, 0]);
    assert_eq!(
        bytes_of(&r.overwrite_latest(&u8s(b"x")).unwrap().into()),
        b""
    );
    assert_eq!(all_bytes(&r.consume_all().unwrap()), [b"x".to_vec()]);
    assert!(r.consume().unwrap().is_undefined());
    assert!(r.peek_left().unwrap().is_undefined());
    assert!(r.is_empty().unwrap());
}

#[wasm_bindgen_test]
fn oversize_messages_are_refused_and_nothing_is_written() {
    let r = small(4.0, false);
    r.insert(&u8s(b"keep")).unwrap();
    throws(
        r.insert(&u8s(b"123456789")),
        Kind::Range,
        "message of 9 bytes does not fit a slot of 8 bytes; raise expectedItemSize",
    );
    throws(
        r.insert_batch(&Array::of3(&u8s(b"a"), &u8s(b"b"), &u8s(&[0; 9]))),
        Kind::Range,
        "(message 2)",
    );
    throws(
        r.overwrite_latest(&u8s(&[0; 9])),
        Kind::Range,
        "does not fit",
    );
    assert_eq!(all_bytes(&r.unwrapped().unwrap()), [b"keep".to_vec()]);
    r.insert_batch(&Array::of2(&u8s(b"a"), &u8s(b"bb")))
        .unwrap();
    assert_eq!(r.length().unwrap(), 3);
}

#[wasm_bindgen_test]
fn only_insert_unique_skips_held_messages_also_within_a_batch() {
    let r = small(4.0, true);
    assert!(r.only_insert_unique().unwrap());
    assert!(r.insert(&u8s(b"a")).unwrap());
    assert!(!r.insert(&u8s(b"a")).unwrap());
    r.insert_batch(&Array::of3(&u8s(b"b"), &u8s(b"a"), &u8s(b"b")))
        .unwrap();
    assert_eq!(
        all_bytes(&r.unwrapped().unwrap()),
        [b"a".to_vec(), b"b".to_vec()]
    );
    throws(
        r.overwrite_latest(&u8s(b"a")),
        Kind::Plain,
        "onlyInsertUnique",
    );
    assert_eq!(
        all_bytes(&r.unwrapped().unwrap()),
        [b"a".to_vec(), b"b".to_vec()]
    );
}

#[wasm_bindgen_test]
fn overwrite_latest_on_empty_throws() {
    let r = small(4.0, false);
    throws(
        r.overwrite_latest(&u8s(b"x")),
        Kind::Plain,
        "the ring is empty",
    );
    assert!(r.is_empty().unwrap());
}

#[wasm_bindgen_test]
fn constructor_errors() {
    throws(
        BytesRingBufferFast::new(num(0.0), None),
        Kind::Range,
        "at least 1",
    );
    for bad in not_numbers() {
        throws(
            BytesRingBufferFast::new(bad, None),
            Kind::Type,
            "capacity must be a number",
        );
    }
    let cases: [(&str, JsValue, Kind, &str); 8] = [
        (
            "expectedItemSize",
            num(0.0),
            Kind::Range,
            "expectedItemSize must be at least 1",
        ),
        (
            "expectedItemSize",
            num(1.5),
            Kind::Range,
            "whole number of bytes",
        ),
        (
            "expectedItemSize",
            num(-4.0),
            Kind::Range,
            "whole number of bytes",
        ),
        (
            "expectedItemSize",
            s("8"),
            Kind::Type,
            "expectedItemSize must be a number",
        ),
        (
            "bufferPercent",
            num(-1.0),
            Kind::Range,
            "bufferPercent must be a finite number",
        ),
        (
            "bufferPercent",
            num(f64::NAN),
            Kind::Range,
            "bufferPercent must be a finite number",
        ),
        (
            "onlyInsertUnique",
            s("yes"),
            Kind::Type,
            "onlyInsertUnique must be a boolean",
        ),
        (
            "slotSize",
            num(8.0),
            Kind::Type,
            "unknown option \"slotSize\"",
        ),
    ];
    for (key, value, kind, needle) in cases {
        throws(
            BytesRingBufferFast::new(num(4.0), options(&[(key, value)])),
            kind,
            needle,
        );
    }
    throws(
        BytesRingBufferFast::new(
            num(4.0),
            options(&[("expectedItemSize", num(2f64.powi(31) + 1.0))]),
        ),
        Kind::Range,
        "exceeds the largest slot",
    );
    throws(
        BytesRingBufferFast::new(
            num(2f64.powi(20)),
            options(&[("expectedItemSize", num(2f64.powi(20)))]),
        ),
        Kind::Range,
        "cannot allocate",
    );
    throws(
        BytesRingBufferFast::new(num(4.0), Some(num(1.0))),
        Kind::Type,
        "options must be an object",
    );
}

#[wasm_bindgen_test]
fn wrong_argument_types_throw() {
    let r = small(4.0, false);
    for bad in [s("abc"), num(1.0), JsValue::UNDEFINED, Array::new().into()] {
        throws(r.insert(&bad), Kind::Type, "message must be a Uint8Array");
        throws(r.contains(&bad), Kind::Type, "message must be a Uint8Array");
        throws(
            r.overwrite_latest(&bad),
            Kind::Type,
            "message must be a Uint8Array",
        );
    }
    throws(
        r.insert_batch(&Array::of2(&u8s(b"ok"), &num(1.0))),
        Kind::Type,
        "message 1 must be a Uint8Array",
    );
    throws(
        r.insert_batch(&num(1.0)),
        Kind::Type,
        "expected an iterable",
    );
    throws(r.get(&JsValue::NULL), Kind::Type, "index must be a number");
    assert!(r.is_empty().unwrap());
}

#[wasm_bindgen_test]
fn iterator_and_clear() {
    let r = small(4.0, false);
    r.insert_batch(&Array::of2(&u8s(b"1"), &u8s(b"22")))
        .unwrap();
    let seen: Vec<Vec<u8>> = r
        .iterator()
        .unwrap()
        .into_iter()
        .map(|v| bytes_of(&v.unwrap()))
        .collect();
    assert_eq!(seen, [b"1".to_vec(), b"22".to_vec()]);
    r.clear().unwrap();
    assert_eq!(r.length().unwrap(), 0);
    assert!(!r.is_full().unwrap());
}
