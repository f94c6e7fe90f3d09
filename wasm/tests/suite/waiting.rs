//! `aconsume`, `aconsumeIterable` and `close`, on every class.

use js_sys::{Array, Promise, Reflect};
use mmring_wasm::{
    AsyncRingIterator, BytesRingBuffer, BytesRingBufferFast, GenericRingBuffer, NumericRingBuffer,
};
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::wasm_bindgen_test;

use super::support::{bytes_of, elements, num, s, u8s};

async fn resolved(promise: Promise) -> JsValue {
    JsFuture::from(promise).await.expect("the promise resolves")
}

/// `(value, done)` of the iterator result `promise` resolves to; `done` must be a
/// boolean.
async fn iteration(promise: Promise) -> (JsValue, bool) {
    let result = resolved(promise).await;
    let value = Reflect::get(&result, &s("value")).unwrap();
    let done = Reflect::get(&result, &s("done"))
        .unwrap()
        .as_bool()
        .unwrap();
    (value, done)
}

/// `(value, done)` of the iterator's next result.
async fn next(iterator: &AsyncRingIterator) -> (JsValue, bool) {
    iteration(iterator.next()).await
}

/// Whether a promise is still pending after the microtasks queued so far have run.
async fn pending(promise: &Promise) -> bool {
    let marker = s("pending-marker");
    let race = Promise::race(&Array::of2(promise, &Promise::resolve(&marker)));
    resolved(race).await == marker
}

#[wasm_bindgen_test]
async fn aconsume_resolves_at_once_when_items_are_held() {
    let r = GenericRingBuffer::new(num(4.0)).unwrap();
    r.insert(s("a")).unwrap();
    assert_eq!(resolved(r.aconsume()).await, s("a"));
    assert!(r.is_empty().unwrap());
}

#[wasm_bindgen_test]
async fn waiters_are_served_in_order_one_item_each() {
    let r = GenericRingBuffer::new(num(4.0)).unwrap();
    let (first, second, third) = (r.aconsume(), r.aconsume(), r.aconsume());
    assert!(pending(&first).await);
    r.insert(s("a")).unwrap();
    assert!(r.is_empty().unwrap(), "the item went to the waiter");
    r.insert_batch(&Array::of3(&s("b"), &s("c"), &s("d")))
        .unwrap();
    assert_eq!(resolved(first).await, s("a"));
    assert_eq!(resolved(second).await, s("b"));
    assert_eq!(resolved(third).await, s("c"));
    let held = elements(&r.unwrapped().unwrap());
    assert_eq!(held, [s("d")]);
}

#[wasm_bindgen_test]
async fn close_ends_every_wait_but_leaves_items_consumable() {
    let r = GenericRingBuffer::new(num(4.0)).unwrap();
    let waiting = r.aconsume();
    let iterator = r.aconsume_iterable();
    let iterating = iterator.next();
    assert!(!r.closed());
    r.close();
    assert!(r.closed());
    assert!(resolved(waiting).await.is_undefined());
    assert!(iteration(iterating).await.1, "the pending next() is done");
    r.insert(s("late")).unwrap();
    assert_eq!(resolved(r.aconsume()).await, s("late"));
    assert!(resolved(r.aconsume()).await.is_undefined());
}

#[wasm_bindgen_test]
async fn the_async_iterator_yields_items_then_ends_on_close() {
    let r = NumericRingBuffer::new(num(4.0), Some(s("i32"))).unwrap();
    r.insert(&num(1.0)).unwrap();
    let iterator = r.aconsume_iterable();
    assert_eq!(next(&iterator).await, (num(1.0), false));
    let later = iterator.next();
    r.insert_batch(&js_sys::Int32Array::new_from_slice(&[2, 3]))
        .unwrap();
    assert_eq!(iteration(later).await, (num(2.0), false));
    assert_eq!(next(&iterator).await, (num(3.0), false));
    r.close();
    assert_eq!(next(&iterator).await, (JsValue::UNDEFINED, true));
}

#[wasm_bindgen_test]
async fn return_ends_one_iterator_without_losing_items() {
    let r = GenericRingBuffer::new(num(4.0)).unwrap();
    let iterator = r.aconsume_iterable();
    let other = r.aconsume_iterable();
    let abandoned = iterator.next();
    let kept = other.next();
    resolved(iterator.finish()).await;
    assert!(iteration(abandoned).await.1, "the abandoned next() is done");
    assert_eq!(next(&iterator).await, (JsValue::UNDEFINED, true));
    r.insert(s("x")).unwrap();
    assert_eq!(iteration(kept).await, (s("x"), false));
    r.insert(s("y")).unwrap();
    assert_eq!(r.length().unwrap(), 1, "nobody waits: the item is stored");
    assert!(!r.closed(), "return() does not close the ring");
}

#[wasm_bindgen_test]
async fn numeric_values_reach_waiters_converted() {
    let r = NumericRingBuffer::new(num(4.0), Some(s("f32"))).unwrap();
    let waiting = r.aconsume();
    r.insert(&num(0.1)).unwrap();
    assert_eq!(resolved(waiting).await, num(f64::from(0.1f32)));
    let big = NumericRingBuffer::new(num(4.0), Some(s("int64"))).unwrap();
    let waiting = big.aconsume();
    big.insert_batch(&Array::of2(&JsValue::from(-5i64), &JsValue::from(6i64)))
        .unwrap();
    assert_eq!(resolved(waiting).await, JsValue::from(-5i64));
    assert_eq!(big.length().unwrap(), 1);
    assert!(
        big.insert(&num(1.0)).is_err(),
        "a bad value is refused even with nobody waiting"
    );
    assert_eq!(big.consume().unwrap(), JsValue::from(6i64));
    let waiting = big.aconsume();
    assert!(big.insert(&num(1.0)).is_err(), "…and with a waiter");
    assert!(pending(&waiting).await);
    big.close();
    assert!(resolved(waiting).await.is_undefined());
}

#[wasm_bindgen_test]
async fn byte_messages_reach_waiters_as_copies() {
    let r = BytesRingBuffer::new(num(4.0), None).unwrap();
    let waiting = r.aconsume();
    let message = js_sys::Uint8Array::new_from_slice(b"tick");
    assert!(r.insert(&message.clone().into()).unwrap());
    message.set_index(0, b'x');
    assert_eq!(bytes_of(&resolved(waiting).await), b"tick");
    let waiting = r.aconsume();
    r.insert_batch(&Array::of2(&u8s(b"1"), &u8s(b"2"))).unwrap();
    assert_eq!(bytes_of(&resolved(waiting).await), b"1");
    assert_eq!(bytes_of(&resolved(r.aconsume()).await), b"2");

    let fast = BytesRingBufferFast::new(num(4.0), None).unwrap();
    let waiting = fast.aconsume();
    assert!(fast.insert(&u8s(&[0; 300])).is_err(), "oversize is refused");
    assert!(pending(&waiting).await);
    assert!(fast.insert(&u8s(b"ok")).unwrap());
    assert_eq!(bytes_of(&resolved(waiting).await), b"ok");
    let waiting = fast.aconsume();
    assert!(
        fast.insert_batch(&Array::of2(&u8s(b"a"), &u8s(&[0; 300])))
            .is_err(),
        "a batch with an oversize message hands nothing out"
    );
    assert!(pending(&waiting).await);
    fast.insert_batch(&Array::of2(&u8s(b"a"), &u8s(b"b")))
        .unwrap();
    assert_eq!(bytes_of(&resolved(waiting).await), b"a");
    let iterator = fast.aconsume_iterable();
    let (value, done) = next(&iterator).await;
    assert_eq!((bytes_of(&value), done), (b"b".to_vec(), false));
    fast.close();
    assert_eq!(next(&iterator).await, (JsValue::UNDEFINED, true));
}
