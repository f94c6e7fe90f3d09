//! `GenericRingBuffer`.

use js_sys::{Array, Object, Set};
use mmring_wasm::GenericRingBuffer;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

use super::support::{Kind, elements, not_numbers, num, s, throws};

fn ring(capacity: f64) -> GenericRingBuffer {
    GenericRingBuffer::new(num(capacity)).expect("valid capacity")
}

fn items(ring: &GenericRingBuffer) -> Vec<JsValue> {
    elements(&ring.unwrapped().unwrap())
}

#[wasm_bindgen_test]
fn capacity_rounds_up_to_a_power_of_two() {
    for (asked, got) in [
        (1.0, 1),
        (3.0, 4),
        (5.0, 8),
        (10.0, 16),
        (16.0, 16),
        (1025.0, 2048),
    ] {
        assert_eq!(ring(asked).capacity().unwrap(), got);
    }
}

#[wasm_bindgen_test]
fn bad_capacities_throw() {
    throws(
        GenericRingBuffer::new(num(0.0)),
        Kind::Range,
        "at least 1 (got 0)",
    );
    for bad in [-1.0, 1.5, f64::NAN, f64::INFINITY] {
        throws(
            GenericRingBuffer::new(num(bad)),
            Kind::Range,
            "whole number",
        );
    }
    throws(
        GenericRingBuffer::new(num(2f64.powi(40))),
        Kind::Range,
        "too large",
    );
    throws(
        GenericRingBuffer::new(num(2f64.powi(31) + 1.0)),
        Kind::Range,
        "power of two",
    );
    for bad in not_numbers() {
        throws(
            GenericRingBuffer::new(bad),
            Kind::Type,
            "capacity must be a number",
        );
    }
}

#[wasm_bindgen_test]
fn insert_evicts_the_oldest_and_returns_it() {
    let r = ring(2.0);
    assert!(r.insert(s("a")).unwrap().is_undefined());
    assert!(r.insert(num(1.0)).unwrap().is_undefined());
    assert!(r.is_full().unwrap());
    assert_eq!(r.insert(JsValue::NULL).unwrap(), s("a"));
    assert_eq!(r.overwritten().unwrap(), 1.0);
    assert_eq!(items(&r), [num(1.0), JsValue::NULL]);
}

#[wasm_bindgen_test]
fn consume_is_fifo_and_undefined_when_empty() {
    let r = ring(4.0);
    assert!(r.consume().unwrap().is_undefined());
    r.insert(s("x")).unwrap();
    r.insert(s("y")).unwrap();
    assert_eq!(r.consume().unwrap(), s("x"));
    assert_eq!(r.consume().unwrap(), s("y"));
    assert!(r.consume().unwrap().is_undefined());
    assert!(r.is_empty().unwrap());
}

#[wasm_bindgen_test]
fn consume_all_empties_the_ring() {
    let r = ring(4.0);
    assert!(elements(&r.consume_all().unwrap()).is_empty());
    r.insert_batch(&Array::of3(&num(1.0), &num(2.0), &num(3.0)))
        .unwrap();
    let all = elements(&r.consume_all().unwrap());
    assert_eq!(all, [num(1.0), num(2.0), num(3.0)]);
    assert_eq!(r.length().unwrap(), 0);
}

#[wasm_bindgen_test]
fn peeks_and_get_read_without_removing() {
    let r = ring(4.0);
    assert!(r.peek_left().unwrap().is_undefined());
    assert!(r.peek_right().unwrap().is_undefined());
    assert!(r.get(&num(0.0)).unwrap().is_undefined());
    assert!(r.get(&num(-1.0)).unwrap().is_undefined());
    for i in 1..=6 {
        r.insert(num(f64::from(i))).unwrap();
    }
    assert_eq!(r.peek_left().unwrap(), num(3.0));
    assert_eq!(r.peek_right().unwrap(), num(6.0));
    assert_eq!(r.get(&num(0.0)).unwrap(), num(3.0));
    assert_eq!(r.get(&num(3.0)).unwrap(), num(6.0));
    assert_eq!(r.get(&num(-1.0)).unwrap(), num(6.0));
    assert_eq!(r.get(&num(-4.0)).unwrap(), num(3.0));
    assert!(r.get(&num(4.0)).unwrap().is_undefined());
    assert!(r.get(&num(-5.0)).unwrap().is_undefined());
    assert!(r.get(&num(1e300)).unwrap().is_undefined());
    assert!(r.get(&num(-1e300)).unwrap().is_undefined());
    assert_eq!(r.length().unwrap(), 4);
}

#[wasm_bindgen_test]
fn bad_indices_throw() {
    let r = ring(4.0);
    r.insert(num(1.0)).unwrap();
    for bad in [0.5, f64::NAN, f64::INFINITY] {
        throws(
            r.get(&num(bad)),
            Kind::Range,
            "index must be a whole number",
        );
    }
    for bad in not_numbers() {
        throws(r.get(&bad), Kind::Type, "index must be a number");
    }
}

#[wasm_bindgen_test]
fn overwrite_latest_replaces_the_newest_or_throws_when_empty() {
    let r = ring(4.0);
    throws(r.overwrite_latest(s("x")), Kind::Plain, "the ring is empty");
    assert!(r.is_empty().unwrap());
    r.insert(s("a")).unwrap();
    r.insert(s("b")).unwrap();
    assert_eq!(r.overwrite_latest(s("c")).unwrap(), s("b"));
    assert_eq!(items(&r), [s("a"), s("c")]);
}

#[wasm_bindgen_test]
fn contains_uses_same_value_zero() {
    let r = ring(8.0);
    let object: JsValue = Object::new().into();
    r.insert(num(f64::NAN)).unwrap();
    r.insert(num(0.0)).unwrap();
    r.insert(object.clone()).unwrap();
    r.insert(s("1")).unwrap();
    assert!(r.contains(&num(f64::NAN)).unwrap());
    assert!(r.contains(&num(-0.0)).unwrap());
    assert!(r.contains(&object).unwrap());
    assert!(!r.contains(&Object::new().into()).unwrap());
    assert!(r.contains(&s("1")).unwrap());
    assert!(!r.contains(&num(1.0)).unwrap());
}

#[wasm_bindgen_test]
fn clear_empties_but_keeps_the_count() {
    let r = ring(1.0);
    r.insert(num(1.0)).unwrap();
    r.insert(num(2.0)).unwrap();
    r.clear().unwrap();
    assert!(r.is_empty().unwrap());
    assert!(!r.is_full().unwrap());
    assert_eq!(r.overwritten().unwrap(), 1.0);
    assert!(r.peek_right().unwrap().is_undefined());
}

#[wasm_bindgen_test]
fn insert_batch_takes_any_iterable_and_keeps_the_newest() {
    let r = ring(4.0);
    let batch: Array = (1..=6).map(|i| num(f64::from(i))).collect();
    r.insert_batch(&batch).unwrap();
    assert_eq!(items(&r), [num(3.0), num(4.0), num(5.0), num(6.0)]);
    assert_eq!(r.overwritten().unwrap(), 2.0);
    let set = Set::new(&JsValue::UNDEFINED);
    set.add(&s("k"));
    r.insert_batch(&set).unwrap();
    assert_eq!(r.peek_right().unwrap(), s("k"));
    r.insert_batch(&Array::new()).unwrap();
    assert_eq!(r.length().unwrap(), 4);
}

#[wasm_bindgen_test]
fn insert_batch_refuses_non_iterables_and_strings() {
    let r = ring(4.0);
    for bad in [
        s("abc"),
        num(3.0),
        JsValue::UNDEFINED,
        JsValue::NULL,
        Object::new().into(),
    ] {
        throws(r.insert_batch(&bad), Kind::Type, "expected an iterable");
    }
    assert!(r.is_empty().unwrap());
}

#[wasm_bindgen_test]
fn the_iterator_walks_a_snapshot_oldest_first() {
    let r = ring(2.0);
    r.insert_batch(&Array::of3(&s("a"), &s("b"), &s("c")))
        .unwrap();
    let iter = r.iterator().unwrap();
    r.insert(s("d")).unwrap();
    let seen: Vec<JsValue> = iter.into_iter().map(Result::unwrap).collect();
    assert_eq!(seen, [s("b"), s("c")]);
}

#[wasm_bindgen_test]
fn at_reads_from_both_ends_and_to_json_lists_the_items() {
    let r = ring(4.0);
    r.insert(s("a")).unwrap();
    r.insert(num(1.5)).unwrap();
    r.insert(JsValue::NULL).unwrap();
    assert_eq!(r.at(&num(0.0)).unwrap(), s("a"));
    assert_eq!(r.at(&num(-1.0)).unwrap(), JsValue::NULL);
    assert_eq!(r.at(&num(-3.0)).unwrap(), s("a"));
    assert!(r.at(&num(-4.0)).unwrap().is_undefined());
    throws(
        r.at(&num(0.5)),
        Kind::Range,
        "GenericRingBuffer.at: index must be a whole number",
    );
    let json = js_sys::JSON::stringify(&r.to_json().unwrap()).unwrap();
    assert_eq!(String::from(json), r#"["a",1.5,null]"#);
}
