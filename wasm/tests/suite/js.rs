//! What only JavaScript can see: properties, `for…of`, `for await`, `break`, and calls
//! back into a ring from user code while it works.

use js_sys::{Array, Promise, Reflect};
use mmring_wasm::{BytesRingBuffer, BytesRingBufferFast, GenericRingBuffer, NumericRingBuffer};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::wasm_bindgen_test;

use super::support::{bytes_of, num, s, u8s};

#[wasm_bindgen(inline_js = r#"
export function spread(ring) { return [...ring]; }
export function forOf(ring) { const out = []; for (const x of ring) out.push(x); return out; }
export function props(ring) {
  return [ring.length, ring.capacity, ring.overwritten, ring.closed];
}
export function assignLength(ring) {
  try { ring.length = 99; return "assigned"; } catch (e) { return e.constructor.name; }
}
export function callWithoutNew(cls) {
  try { cls(4); return "no throw"; } catch (e) { return e.constructor.name; }
}
export async function forAwaitUntilClosed(ring, items) {
  setTimeout(() => { for (const x of items) ring.insert(x); ring.close(); }, 0);
  const got = [];
  for await (const x of ring.aconsumeIterable()) got.push(x);
  return got;
}
export async function forAwaitBreak(ring, n) {
  const got = [];
  for await (const x of ring.aconsumeIterable()) {
    got.push(x);
    if (got.length === n) break;
  }
  return got;
}
export function reenterFromBatch(ring) {
  function* items() { yield 1; ring.insert("side"); yield 2; }
  ring.insertBatch(items());
  return ring.unwrapped();
}
export async function reenterFromThen(ring) {
  const waiting = ring.aconsume();
  let calls = 0;
  const thenable = { get then() { calls += 1; ring.insert("from-then"); return undefined; } };
  ring.insert(thenable);
  const value = await waiting;
  return [value === thenable, calls, ring.unwrapped()];
}
export function withDispose(ring) {
  ring[Symbol.dispose]();
  try { ring.length; return "usable"; } catch (e) { return e.constructor.name; }
}
"#)]
extern "C" {
    fn spread(ring: &JsValue) -> Array;
    #[wasm_bindgen(js_name = forOf)]
    fn for_of(ring: &JsValue) -> Array;
    fn props(ring: &JsValue) -> Array;
    #[wasm_bindgen(js_name = assignLength)]
    fn assign_length(ring: &JsValue) -> String;
    #[wasm_bindgen(js_name = callWithoutNew)]
    fn call_without_new(class: &JsValue) -> String;
    #[wasm_bindgen(js_name = forAwaitUntilClosed)]
    fn for_await_until_closed(ring: &JsValue, items: &Array) -> Promise;
    #[wasm_bindgen(js_name = forAwaitBreak)]
    fn for_await_break(ring: &JsValue, n: u32) -> Promise;
    #[wasm_bindgen(js_name = reenterFromBatch)]
    fn reenter_from_batch(ring: &JsValue) -> Array;
    #[wasm_bindgen(js_name = reenterFromThen)]
    fn reenter_from_then(ring: &JsValue) -> Promise;
    #[wasm_bindgen(js_name = withDispose)]
    fn with_dispose(ring: &JsValue) -> String;
}

fn generic(capacity: f64) -> JsValue {
    GenericRingBuffer::new(num(capacity)).unwrap().into()
}

fn list(array: &Array) -> Vec<JsValue> {
    array.iter().collect()
}

#[wasm_bindgen_test]
fn every_class_iterates_oldest_first() {
    let g = GenericRingBuffer::new(num(2.0)).unwrap();
    g.insert_batch(&Array::of3(&s("a"), &s("b"), &s("c")))
        .unwrap();
    let g: JsValue = g.into();
    assert_eq!(list(&spread(&g)), [s("b"), s("c")]);
    assert_eq!(list(&for_of(&g)), [s("b"), s("c")]);

    let n = NumericRingBuffer::new(num(4.0), Some(s("u64"))).unwrap();
    n.insert(&JsValue::from(7u64)).unwrap();
    n.insert(&JsValue::from(8u64)).unwrap();
    let n: JsValue = n.into();
    assert_eq!(
        list(&spread(&n)),
        [JsValue::from(7u64), JsValue::from(8u64)]
    );

    let b = BytesRingBuffer::new(num(4.0), None).unwrap();
    b.insert(&u8s(b"x")).unwrap();
    let b: JsValue = b.into();
    let seen: Vec<Vec<u8>> = spread(&b).iter().map(|v| bytes_of(&v)).collect();
    assert_eq!(seen, [b"x".to_vec()]);

    let f = BytesRingBufferFast::new(num(4.0), None).unwrap();
    f.insert(&u8s(b"y")).unwrap();
    let f: JsValue = f.into();
    let seen: Vec<Vec<u8>> = for_of(&f).iter().map(|v| bytes_of(&v)).collect();
    assert_eq!(seen, [b"y".to_vec()]);
}

#[wasm_bindgen_test]
fn counters_are_read_only_properties() {
    let ring = GenericRingBuffer::new(num(2.0)).unwrap();
    for i in 0..5 {
        ring.insert(num(f64::from(i))).unwrap();
    }
    let ring: JsValue = ring.into();
    assert_eq!(
        list(&props(&ring)),
        [num(2.0), num(2.0), num(3.0), JsValue::FALSE]
    );
    assert_eq!(assign_length(&ring), "TypeError");
    assert_eq!(list(&props(&ring))[0], num(2.0));
}

#[wasm_bindgen_test]
fn classes_need_new() {
    let ring = generic(1.0);
    let class = Reflect::get(&ring, &s("constructor")).unwrap();
    assert_eq!(call_without_new(&class), "TypeError");
}

#[wasm_bindgen_test]
async fn for_await_runs_until_close() {
    let ring = generic(4.0);
    let items = Array::of3(&s("a"), &s("b"), &s("c"));
    let got = JsFuture::from(for_await_until_closed(&ring, &items))
        .await
        .unwrap();
    assert_eq!(list(&got.into()), [s("a"), s("b"), s("c")]);
}

#[wasm_bindgen_test]
async fn break_leaves_the_rest_in_the_ring() {
    let ring = NumericRingBuffer::new(num(8.0), Some(s("f64"))).unwrap();
    ring.insert_batch(&js_sys::Float64Array::new_from_slice(&[1.0, 2.0, 3.0]))
        .unwrap();
    let ring: JsValue = ring.into();
    let got = JsFuture::from(for_await_break(&ring, 2)).await.unwrap();
    assert_eq!(list(&got.into()), [num(1.0), num(2.0)]);
    assert_eq!(list(&spread(&ring)), [num(3.0)]);
    assert_eq!(
        list(&props(&ring))[3],
        JsValue::FALSE,
        "break does not close"
    );
}

#[wasm_bindgen_test]
fn a_batch_iterator_may_call_back_into_the_ring() {
    let ring = generic(8.0);
    let held = reenter_from_batch(&ring);
    // The batch is read before the ring is touched: the side insert lands first.
    assert_eq!(list(&held), [s("side"), num(1.0), num(2.0)]);
}

#[wasm_bindgen_test]
async fn a_then_getter_may_call_back_into_the_ring() {
    let ring = generic(8.0);
    let result: Array = JsFuture::from(reenter_from_then(&ring))
        .await
        .unwrap()
        .into();
    assert_eq!(
        result.get(0),
        JsValue::TRUE,
        "the waiter got the thenable itself"
    );
    assert_eq!(result.get(1), num(1.0));
    assert_eq!(list(&result.get(2).into()), [s("from-then")]);
}

#[wasm_bindgen_test]
fn disposed_rings_throw_instead_of_trapping() {
    let ring = generic(2.0);
    assert_eq!(with_dispose(&ring), "Error");
}
