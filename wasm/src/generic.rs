//! `GenericRingBuffer`: a ring of any JavaScript values.

use std::rc::Rc;

use mmring_core::GenericRingBuffer as CoreRing;
use wasm_bindgen::prelude::*;

use crate::args;
use crate::errors::{capacity_error, empty_error};
use crate::ring::{JsRing, Shared, ring_methods, split_for_waiters};

type Ring = CoreRing<JsValue>;

/// Items are JS values already: handed out as they are, or as another reference to the
/// same JS value.
impl JsRing for Ring {
    fn item_to_js(item: JsValue) -> JsValue {
        item
    }

    fn view_to_js(view: &JsValue) -> JsValue {
        view.clone()
    }
}

/// A ring of any JavaScript values (`new GenericRingBuffer(capacity)`).
///
/// Items are held by reference, as in an `Array`; `contains` compares with
/// SameValueZero, like `Array.prototype.includes` (`NaN` is found, `0` equals `-0`).
/// An inserted `undefined` is held like any value, but reads of an empty ring also
/// return `undefined`: check `length` when `undefined` is a possible item.
#[wasm_bindgen]
pub struct GenericRingBuffer {
    shared: Rc<Shared<Ring>>,
}

#[wasm_bindgen]
impl GenericRingBuffer {
    /// An empty ring holding up to `capacity` items, rounded up to a power of two.
    /// Throws a `TypeError` if `capacity` is not a number, a `RangeError` if it is 0,
    /// not whole, negative or too large.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "number")] capacity: JsValue,
    ) -> Result<GenericRingBuffer, JsValue> {
        const CONTEXT: &str = "new GenericRingBuffer";
        let capacity = args::capacity(&capacity, CONTEXT)?;
        let ring = Ring::new(capacity).map_err(|err| capacity_error(CONTEXT, &err))?;
        Ok(Self {
            shared: Shared::new(ring),
        })
    }

    /// Appends `item` as the newest. Returns the oldest item if the ring was full and
    /// it was evicted, else `undefined`. If an `aconsume()` is waiting, the item goes
    /// to it instead of into the ring.
    pub fn insert(&self, item: JsValue) -> Result<JsValue, JsValue> {
        if let Some(waiter) = self.shared.waiters.pop() {
            waiter.deliver(item);
            return Ok(JsValue::UNDEFINED);
        }
        let mut ring = self.shared.ring_mut("GenericRingBuffer.insert")?;
        Ok(ring.insert(item).unwrap_or(JsValue::UNDEFINED))
    }

    /// Appends every item of an iterable (an `Array`, a `Set`, a generator…) in order,
    /// as repeated `insert`s would; when it holds more items than the capacity, only
    /// the newest remain. Throws a `TypeError` for a value that is not iterable (or a
    /// string).
    #[wasm_bindgen(js_name = insertBatch)]
    pub fn insert_batch(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Iterable<any>")] items: &JsValue,
    ) -> Result<(), JsValue> {
        const CONTEXT: &str = "GenericRingBuffer.insertBatch";
        let items = args::iterable(items, CONTEXT)?;
        let (handed, rest) = split_for_waiters(&self.shared.waiters, items);
        self.shared.ring_mut(CONTEXT)?.insert_batch(rest);
        for (waiter, item) in handed {
            waiter.deliver(item);
        }
        Ok(())
    }

    /// Replaces the newest item with `item` and returns the replaced one. Throws an
    /// `Error` when the ring is empty (there is no newest item).
    #[wasm_bindgen(js_name = overwriteLatest)]
    pub fn overwrite_latest(&self, item: JsValue) -> Result<JsValue, JsValue> {
        const CONTEXT: &str = "GenericRingBuffer.overwriteLatest";
        let mut ring = self.shared.ring_mut(CONTEXT)?;
        ring.overwrite_latest(item)
            .map_err(|_| empty_error(CONTEXT))
    }

    /// Whether an item equal to `item` is held (SameValueZero, like
    /// `Array.prototype.includes`).
    pub fn contains(&self, item: &JsValue) -> Result<bool, JsValue> {
        let ring = self.shared.ring("GenericRingBuffer.contains")?;
        let is_nan = item.as_f64().is_some_and(f64::is_nan);
        Ok(ring
            .iter()
            .any(|held| held == item || (is_nan && held.as_f64().is_some_and(f64::is_nan))))
    }
}

ring_methods!(
    GenericRingBuffer,
    ring: Ring,
    maybe_item: "any",
    all_items: "any[]",
    iterator: "IterableIterator<any>",
    promise: "Promise<any>",
    async_iterator: "AsyncIterableIterator<any>",
);
