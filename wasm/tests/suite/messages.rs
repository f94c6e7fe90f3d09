//! What `BytesRingBuffer` and `BytesRingBufferFast` share, run against both: uniqueness,
//! `overwriteLatest` on an empty ring, the errors of message and index arguments, the
//! options common to both constructors, and iteration.

use js_sys::{Array, Object, Reflect, Uint16Array};
use wasm_bindgen::JsValue;

use super::support::{Kind, all_bytes, bytes_of, not_numbers, num, s, throws, u8s};

/// An options object holding `pairs`.
pub fn options(pairs: &[(&str, JsValue)]) -> Option<JsValue> {
    let options = Object::new();
    for (key, value) in pairs {
        Reflect::set(&options, &s(key), value).unwrap();
    }
    Some(options.into())
}

macro_rules! message_class_tests {
    ($($module:ident: $class:ident;)*) => {$(
        mod $module {
            use super::*;
            use mmring_wasm::$class;
            use wasm_bindgen_test::wasm_bindgen_test;

            fn ring(capacity: f64) -> $class {
                $class::new(num(capacity), None).unwrap()
            }

            fn unique(capacity: f64) -> $class {
                $class::new(num(capacity), options(&[("onlyInsertUnique", JsValue::TRUE)]))
                    .unwrap()
            }

            #[wasm_bindgen_test]
            fn at_reads_from_both_ends_and_to_json_lists_the_bytes() {
                let r = ring(4.0);
                r.insert(&u8s(b"ab")).unwrap();
                r.insert(&u8s(b"")).unwrap();
                r.insert(&u8s(&[255])).unwrap();
                assert_eq!(bytes_of(&r.at(&num(0.0)).unwrap()), b"ab");
                assert_eq!(bytes_of(&r.at(&num(-1.0)).unwrap()), [255]);
                assert!(r.at(&num(3.0)).unwrap().is_undefined());
                let json = js_sys::JSON::stringify(&r.to_json().unwrap()).unwrap();
                assert_eq!(String::from(json), "[[97,98],[],[255]]");
            }

            #[wasm_bindgen_test]
            fn only_insert_unique_skips_held_messages_also_within_a_batch() {
                let r = unique(4.0);
                assert!(r.only_insert_unique().unwrap());
                assert!(!ring(4.0).only_insert_unique().unwrap());
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
                    "the ring already holds an equal message and onlyInsertUnique is set",
                );
                assert_eq!(
                    all_bytes(&r.unwrapped().unwrap()),
                    [b"a".to_vec(), b"b".to_vec()],
                    "a refused overwrite changes nothing"
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
                assert!(r.is_empty().unwrap());
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
                for bad_item in [s("no"), num(1.0)] {
                    throws(
                        r.insert_batch(&Array::of2(&u8s(b"ok"), &bad_item)),
                        Kind::Type,
                        "message 1 must be a Uint8Array",
                    );
                }
                for not_iterable in [s("ab"), num(1.0)] {
                    throws(
                        r.insert_batch(&not_iterable),
                        Kind::Type,
                        "expected an iterable",
                    );
                }
                assert!(r.is_empty().unwrap(), "a refused batch inserts nothing");
                throws(r.get(&s("0")), Kind::Type, "index must be a number");
                throws(r.get(&JsValue::NULL), Kind::Type, "index must be a number");
                throws(r.get(&num(0.5)), Kind::Range, "whole number");
            }

            #[wasm_bindgen_test]
            fn constructor_errors_common_to_both() {
                throws($class::new(num(0.0), None), Kind::Range, "at least 1");
                for bad in not_numbers() {
                    throws(
                        $class::new(bad, None),
                        Kind::Type,
                        "capacity must be a number",
                    );
                }
                for not_an_object in [s("unique"), num(1.0)] {
                    throws(
                        $class::new(num(4.0), Some(not_an_object)),
                        Kind::Type,
                        "options must be an object",
                    );
                }
                throws(
                    $class::new(num(4.0), options(&[("onlyUnique", JsValue::TRUE)])),
                    Kind::Type,
                    "unknown option \"onlyUnique\"",
                );
                for not_a_boolean in [num(1.0), s("yes")] {
                    throws(
                        $class::new(num(4.0), options(&[("onlyInsertUnique", not_a_boolean)])),
                        Kind::Type,
                        "onlyInsertUnique must be a boolean",
                    );
                }
                assert!($class::new(num(4.0), Some(JsValue::NULL)).is_ok());
                assert!($class::new(num(4.0), Some(Object::new().into())).is_ok());
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
                assert!(!r.is_full().unwrap());
            }
        }
    )*};
}

message_class_tests! {
    bytes: BytesRingBuffer;
    bytes_fast: BytesRingBufferFast;
}
