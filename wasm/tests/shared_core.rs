//! `mmring_core::SharedRingBuffer` on wasm32, in Node: no blocking wait exists there,
//! but `aconsume` and the stream wait for items inserted by another task, and `close`
//! ends them: the shared ring works on wasm32, with async consumers only.
#![cfg(target_arch = "wasm32")]

use std::future::poll_fn;
use std::pin::Pin;

use futures_core::Stream;
use mmring_core::{GenericRingBuffer, NumericRingBuffer};
use wasm_bindgen_test::wasm_bindgen_test;

#[wasm_bindgen_test]
async fn aconsume_waits_for_an_insert_from_another_task() {
    let ring = GenericRingBuffer::new(4).unwrap().into_shared();
    let producer = ring.clone();
    wasm_bindgen_futures::spawn_local(async move {
        producer.insert("tick");
        producer.insert("tock");
        producer.close();
    });
    // Empty now: this waits until the task above runs.
    assert_eq!(ring.aconsume().await, Some("tick"));
    assert_eq!(ring.aconsume().await, Some("tock"));
    assert_eq!(ring.aconsume().await, None, "closed and drained");
}

#[wasm_bindgen_test]
async fn the_stream_yields_every_item_then_ends() {
    let ring = NumericRingBuffer::<f64>::new(8).unwrap().into_shared();
    let producer = ring.clone();
    wasm_bindgen_futures::spawn_local(async move {
        producer.insert_batch(&[1.0, 2.0, 3.0]);
        producer.close();
    });
    let mut stream = ring.aconsume_iterable();
    let mut got = Vec::new();
    while let Some(value) = poll_fn(|cx| Pin::new(&mut stream).poll_next(cx)).await {
        got.push(value);
    }
    assert_eq!(got, [1.0, 2.0, 3.0]);
}
