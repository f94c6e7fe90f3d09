//! `BytesRingBuffer`.

use js_sys::{Array, ArrayBuffer, Object, Reflect, Uint8Array, Uint16Array};
use mmring_wasm::BytesRingBuffer;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

use super::support::{Kind, all_bytes, bytes_of, not_numbers, num, s, throws, u8s};

fn ring(capacity: f64) -> BytesRingBuffer {
    BytesRingBuffer::new(num(capacity), None).unwrap()
}

fn unique(capacity: f64) -> BytesRingBuffer {
    let options = Object::new();
    Reflect::set(&options, &s("onlyInsertUnique"), &JsValue::TRUE).unwrap();
    BytesRingBuffer::new(num(capacity), Some(options.into())).unwrap()
}

#[wasm_bindgen_test]
fn messages_are_copied_in_and_out() {
    let r = ring(2.0);
    assert_eq!(r.capacity().unwrap(), 2);
    assert!(!r.only_insert_unique().unwrap());
    let message = Uint8Array::new_from_slice(b"abc");
    assert!(r.insert(&message.clone().into()).unwrap());
    message.set_index(0, b'z');
    assert_eq!(bytes_of(&r.peek_left().unwrap()), b"abc");
    assert!(r.insert(&ArrayBuffer::new(2).into()).unwrap());
    assert!(r.insert(&u8s(b"")).unwrap());
    assert_eq!(r.overwritten().unwrap(), 1.0);
    assert!(r.is_full().unwrap());
    assert_eq!(all_bytes(&r.unwrapped().unwrap()), [vec![0, 0], vec![]]);
    assert_eq!(bytes_of(&r.get(&num(0.0)).unwrap()), [0, 0]);
    assert_eq!(bytes_of(&r.get(&num(-1.0)).unwrap()), b"");
    assert!(r.get(&num(2.0)).unwrap().is_undefined());
    assert_eq!(bytes_of(&r.peek_right().unwrap()), b"");
    assert!(r.contains(&u8s(&[0, 0])).unwrap());
    assert!(!r.contains(&u8s(b"abc")).unwrap());
    assert_eq!(bytes_of(&r.consume().unwrap()), [0, 0]);
    assert_eq!(all_bytes(&r.consume_all().unwrap()), [Vec::<u8>::new()]);
    assert!(r.consume().unwrap().is_undefined());
    assert!(r.peek_left().unwrap().is_undefined());
    assert!(r.peek_right().unwrap().is_undefined());
    assert!(r.is_empty().unwrap());
}

#[wasm_bindgen_test]
fn only_insert_unique_skips_held_messages_also_within_a_batch() {
    let r = unique(4.0);
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
        bytes_of(&r.overwrite_latest(&u8s(b"b")).unwrap().into()),
        b"b"
    );
    assert_eq!(
        bytes_of(&r.overwrite_latest(&u8s(b"c")).unwrap().into()),
        b"b"
    );
    assert!(r.insert(&u8s(b"b")).unwrap());
}

#[wasm_bindgen_test]
fn overwrite_latest_on_empty_throws() {
    let r = ring(4.0);
    throws(
        r.overwrite_latest(&u8s(b"x")),
        Kind::Plain,
        "the ring is empty",
    );
    r.insert(&u8s(b"x")).unwrap();
    assert_eq!(
        bytes_of(&r.overwrite_latest(&u8s(b"y")).unwrap().into()),
        b"x"
    );
    assert_eq!(all_bytes(&r.unwrapped().unwrap()), [b"y".to_vec()]);
}

#[wasm_bindgen_test]
fn wrong_argument_types_throw() {
    let r = ring(4.0);
    let wrong = [
        s("abc"),
        num(1.0),
        JsValue::UNDEFINED,
        JsValue::NULL,
        Array::new().into(),
        Uint16Array::new_with_length(2).into(),
    ];
    for bad in &wrong {
        throws(r.insert(bad), Kind::Type, "message must be a Uint8Array");
        throws(r.contains(bad), Kind::Type, "message must be a Uint8Array");
        throws(
            r.overwrite_latest(bad),
            Kind::Type,
            "message must be a Uint8Array",
        );
    }
    throws(
        r.insert_batch(&Array::of2(&u8s(b"ok"), &s("no"))),
        Kind::Type,
        "message 1 must be a Uint8Array",
    );
    throws(r.insert_batch(&s("ab")), Kind::Type, "expected an iterable");
    assert!(r.is_empty().unwrap(), "a refused batch inserts nothing");
    throws(r.get(&s("0")), Kind::Type, "index must be a number");
    throws(r.get(&num(0.5)), Kind::Range, "whole number");
}

#[wasm_bindgen_test]
fn constructor_errors() {
    throws(
        BytesRingBuffer::new(num(0.0), None),
        Kind::Range,
        "at least 1",
    );
    for bad in not_numbers() {
        throws(
            BytesRingBuffer::new(bad, None),
            Kind::Type,
            "capacity must be a number",
        );
    }
    throws(
        BytesRingBuffer::new(num(4.0), Some(s("unique"))),
        Kind::Type,
        "options must be an object",
    );
    let typo = Object::new();
    Reflect::set(&typo, &s("onlyUnique"), &JsValue::TRUE).unwrap();
    throws(
        BytesRingBuffer::new(num(4.0), Some(typo.into())),
        Kind::Type,
        "unknown option \"onlyUnique\"",
    );
    let wrong = Object::new();
    Reflect::set(&wrong, &s("onlyInsertUnique"), &num(1.0)).unwrap();
    throws(
        BytesRingBuffer::new(num(4.0), Some(wrong.into())),
        Kind::Type,
        "onlyInsertUnique must be a boolean",
    );
    assert!(BytesRingBuffer::new(num(4.0), Some(JsValue::NULL)).is_ok());
    assert!(BytesRingBuffer::new(num(4.0), Some(Object::new().into())).is_ok());
}

#[wasm_bindgen_test]
fn iterator_and_clear() {
    let r = ring(4.0);
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
}
