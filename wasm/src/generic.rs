//! `GenericRingBuffer`: a ring of any JavaScript values.

use std::rc::Rc;

use mmring_core::GenericRingBuffer as CoreRing;
use wasm_bindgen::prelude::*;

use crate::args;
use crate::errors::{capacity_error, empty_error};
use crate::ring::{JsRing, Shared, ring_methods, split_for_waiters};

type Ring = CoreRing<JsValue>;

#[wasm_bindgen(typescript_custom_section)]
const TS_CLASS: &'static str = r#"
/**
 * A ring of any JavaScript values (`new GenericRingBuffer<T>(capacity)`), held by
 * reference as in an `Array`. `contains` compares with SameValueZero, like
 * `Array.prototype.includes`. Reads of an empty ring return `undefined`: check `length`
 * when `undefined` is a possible item.
 */
export class GenericRingBuffer<T = any> {
  /**
   * An empty ring holding up to `capacity` items, rounded up to a power of two. Throws
   * a `TypeError` if `capacity` is not a number, a `RangeError` if it is 0, not whole,
   * negative or too large.
   */
  constructor(capacity: number);
  /** Releases the ring's wasm memory now; any later call throws an `Error` naming it. */
  free(): void;
  /** `free()`, for `using`. */
  [Symbol.dispose](): void;
  /** Number of items held. */
  readonly length: number;
  /** Maximum number of items held: the requested capacity rounded up to a power of two. */
  readonly capacity: number;
  /** How many items inserts have evicted from the full ring so far. */
  readonly overwritten: number;
  /** Whether `close()` was called. */
  readonly closed: boolean;
  /**
   * Appends `item` as the newest. Returns the oldest item if the ring was full and it
   * was evicted, else `undefined`. If an `aconsume()` is waiting, the item goes to it.
   */
  insert(item: T): T | undefined;
  /**
   * Appends every item of an iterable in order; only the newest `capacity` remain.
   * Throws a `TypeError` for a value that is not iterable (or a string).
   */
  insertBatch(items: Iterable<T>): void;
  /** Removes and returns the oldest item; `undefined` when empty. */
  consume(): T | undefined;
  /** Removes every item and returns them, oldest → newest. */
  consumeAll(): T[];
  /** A copy of the items, oldest → newest. */
  unwrapped(): T[];
  /** The oldest item, left in place; `undefined` when empty. */
  peekLeft(): T | undefined;
  /** The newest item, left in place; `undefined` when empty. */
  peekRight(): T | undefined;
  /**
   * The item at `index`, like `Array.prototype.at`: `0` is the oldest, `-1` the newest;
   * `undefined` out of range. Throws a `TypeError` if `index` is not a number, a
   * `RangeError` if it is not whole.
   */
  get(index: number): T | undefined;
  /** The item at `index`, exactly as `get(index)` (`ring.at(-1)` is the newest). */
  at(index: number): T | undefined;
  /** Replaces the newest item and returns it. Throws an `Error` when the ring is empty. */
  overwriteLatest(item: T): T;
  /** Whether an item equal to `item` is held (SameValueZero). */
  contains(item: T): boolean;
  /** Removes every item (the `overwritten` count is kept). */
  clear(): void;
  /** Whether the ring holds no items. */
  isEmpty(): boolean;
  /** Whether the ring is full: the next insert evicts the oldest item. */
  isFull(): boolean;
  /** The items, oldest → newest, as a plain `Array` for `JSON.stringify`. */
  toJSON(): T[];
  /** A snapshot of the items, oldest → newest: `for (const x of ring)`, `[...ring]`. */
  [Symbol.iterator](): IterableIterator<T>;
  /**
   * A promise of the oldest item: resolved at once if the ring holds one, otherwise by
   * the next insert. Resolves with `undefined` once the ring is closed and empty.
   */
  aconsume(): Promise<T | undefined>;
  /** An async iterator over the items as they arrive, for `for await`. */
  aconsumeIterable(): AsyncIterableIterator<T>;
  /**
   * Closes the ring for waiting: pending `aconsume()` promises resolve with `undefined`
   * and async iterators end. Items held stay consumable.
   */
  close(): void;
}
"#;

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
///
/// The TypeScript declaration is written by hand (`TS_CLASS`), generic over the item
/// type.
#[wasm_bindgen(skip_typescript)]
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
    json: "any[]",
);
