//! `BytesRingBufferFast`; what it shares with `BytesRingBuffer` is in `messages.rs`.

use js_sys::{Array, ArrayBuffer};
use mmring_wasm::BytesRingBufferFast;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

use super::messages::options;
use super::support::{Kind, all_bytes, bytes_of, num, s, throws, u8s};

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
fn slot_option_errors() {
    let cases: [(&str, JsValue, Kind, &str); 7] = [
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
}
