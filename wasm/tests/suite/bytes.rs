//! `BytesRingBuffer`; what it shares with `BytesRingBufferFast` is in `messages.rs`.

use js_sys::{ArrayBuffer, Uint8Array};
use mmring_wasm::BytesRingBuffer;
use wasm_bindgen_test::wasm_bindgen_test;

use super::support::{all_bytes, bytes_of, num, u8s};

fn ring(capacity: f64) -> BytesRingBuffer {
    BytesRingBuffer::new(num(capacity), None).unwrap()
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
