//! `pack` and `unpack`.

use js_sys::{Array, ArrayBuffer, Reflect, Uint8Array};
use mmring_wasm::{pack, unpack};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

use super::support::{Kind, all_bytes, num, s, throws, u8s};

#[wasm_bindgen_test]
fn pack_then_unpack_round_trips() {
    let frame = pack(&Array::of2(&u8s(b"ab"), &u8s(b"c"))).unwrap();
    assert_eq!(frame.to_vec(), [2, 0, 0, 0, b'a', b'b', 1, 0, 0, 0, b'c']);
    let messages = unpack(&frame.clone().into()).unwrap();
    assert_eq!(all_bytes(&messages), [b"ab".to_vec(), b"c".to_vec()]);
    // The messages view the frame's buffer.
    let first: Uint8Array = messages.get(0).into();
    assert_eq!(first.byte_offset(), 4);
    assert_eq!(first.buffer(), frame.buffer());
}

#[wasm_bindgen_test]
fn empty_cases() {
    assert_eq!(pack(&Array::new()).unwrap().length(), 0);
    assert_eq!(unpack(&u8s(b"")).unwrap().length(), 0);
    let frame = pack(&Array::of1(&u8s(b""))).unwrap();
    assert_eq!(frame.to_vec(), [0, 0, 0, 0]);
    assert_eq!(
        all_bytes(&unpack(&frame.into()).unwrap()),
        [Vec::<u8>::new()]
    );
    let buffer = ArrayBuffer::new(4);
    assert_eq!(unpack(&buffer.into()).unwrap().length(), 1);
}

#[wasm_bindgen_test]
fn corrupt_frames_throw_with_the_offset() {
    let cases: [(&[u8], f64); 5] = [
        (&[1, 0, 0], 0.0),
        (&[5, 0, 0, 0, 1], 0.0),
        (&[1, 0, 0, 0, b'x', 7, 7], 5.0),
        (&[1, 0, 0, 0, b'x', 7], 5.0),
        (&[2, 0, 0, 0, b'a', b'b', 1, 0, 0, 0], 6.0),
    ];
    for (frame, offset) in cases {
        let err = throws(unpack(&u8s(frame)), Kind::Plain, "corrupt packed frame");
        assert_eq!(
            Reflect::get(&err, &s("offset")).unwrap(),
            num(offset),
            "{frame:?}"
        );
        assert!(String::from(err.message()).contains(&format!("at byte {offset}")));
    }
}

#[wasm_bindgen_test]
fn wrong_argument_types_throw() {
    for bad in [
        s("frame"),
        num(1.0),
        JsValue::UNDEFINED,
        Array::new().into(),
    ] {
        throws(unpack(&bad), Kind::Type, "frame must be a Uint8Array");
    }
    for bad in [s("ab"), num(1.0), JsValue::NULL] {
        throws(pack(&bad), Kind::Type, "expected an iterable");
    }
    throws(
        pack(&Array::of2(&u8s(b"a"), &s("b"))),
        Kind::Type,
        "message 1 must be a Uint8Array",
    );
}
