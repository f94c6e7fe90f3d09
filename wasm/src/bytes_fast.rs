//! `BytesRingBufferFast`: byte messages copied into fixed slots of one slab.

use std::rc::Rc;

use js_sys::{Array, Uint8Array};
use mmring_core::{BytesRingBufferFast as CoreRing, FastError};
use wasm_bindgen::prelude::*;

use crate::args;
use crate::bytes::{checked_messages, to_js};
use crate::errors::{capacity_error, fast_error};
use crate::ring::{JsRing, Shared, ring_methods, split_for_waiters};

#[wasm_bindgen(typescript_custom_section)]
const TS_OPTIONS: &'static str = r#"
/** Options of a BytesRingBufferFast. */
export interface BytesRingBufferFastOptions {
  /** Typical message size in bytes (default 128, at least 1). */
  expectedItemSize?: number;
  /** Head room above expectedItemSize, in percent (default 25, finite and ≥ 0). */
  bufferPercent?: number;
  /** Skip an insert equal to a message the ring holds (default false). */
  onlyInsertUnique?: boolean;
}
"#;

/// The core ring and a buffer that messages pass through on their way in and out.
struct FastRing {
    ring: CoreRing,
    /// Reused for every message, so steady-state inserts and consumes allocate nothing
    /// in wasm memory.
    scratch: Vec<u8>,
}

impl JsRing for FastRing {
    fn take_js(&mut self) -> Option<JsValue> {
        self.ring
            .consume_into(&mut self.scratch)
            .then(|| to_js(&self.scratch))
    }
    fn len(&self) -> usize {
        self.ring.len()
    }
    fn capacity(&self) -> usize {
        self.ring.capacity()
    }
    fn is_full(&self) -> bool {
        self.ring.is_full()
    }
    fn overwritten(&self) -> u64 {
        self.ring.overwritten()
    }
    fn clear(&mut self) {
        self.ring.clear()
    }
}

/// A ring of byte messages in fixed-size slots of one pre-allocated slab
/// (`new BytesRingBufferFast(capacity, { expectedItemSize, bufferPercent,
/// onlyInsertUnique })`).
///
/// The slot size is the next power of two of `expectedItemSize × (1 + bufferPercent /
/// 100)` (defaults 128 and 25 → 256 bytes); a longer message is refused with a
/// `RangeError` and nothing is written. Messages go in as `Uint8Array`s or
/// `ArrayBuffer`s and come out as new `Uint8Array` copies.
#[wasm_bindgen]
pub struct BytesRingBufferFast {
    shared: Rc<Shared<FastRing>>,
}

#[wasm_bindgen]
impl BytesRingBufferFast {
    /// An empty ring of `capacity` slots (rounded up to a power of two). Throws a
    /// `TypeError` for a `capacity` that is not a number or bad options (not an
    /// object, an unknown key, a value of the wrong type), a `RangeError` for capacity
    /// 0 (or not whole, negative, too large), `expectedItemSize` 0, a negative
    /// `bufferPercent`, or a slot or slab too large.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "number")] capacity: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "BytesRingBufferFastOptions")]
        options: Option<JsValue>,
    ) -> Result<BytesRingBufferFast, JsValue> {
        const CONTEXT: &str = "new BytesRingBufferFast";
        let capacity = args::capacity(&capacity, CONTEXT)?;
        let mut builder = CoreRing::builder(capacity);
        let keys = ["expectedItemSize", "bufferPercent", "onlyInsertUnique"];
        if let Some(options) = args::options(options.as_ref(), CONTEXT, &keys)? {
            if let Some(size) = args::size_option(&options, "expectedItemSize", CONTEXT)? {
                builder = builder.expected_item_size(size);
            }
            if let Some(percent) = args::number_option(&options, "bufferPercent", CONTEXT)? {
                builder = builder.buffer_percent(percent);
            }
            if let Some(unique) = args::bool_option(&options, "onlyInsertUnique", CONTEXT)? {
                builder = builder.only_insert_unique(unique);
            }
        }
        let ring = builder
            .build()
            .map_err(|err| capacity_error(CONTEXT, &err))?;
        Ok(Self {
            shared: Shared::new(FastRing {
                ring,
                scratch: Vec::new(),
            }),
        })
    }

    /// The size of one slot in bytes: the longest message the ring takes.
    #[wasm_bindgen(getter, js_name = slotSize)]
    pub fn slot_size(&self) -> Result<usize, JsValue> {
        let ring = self.shared.ring("BytesRingBufferFast.slotSize")?;
        Ok(ring.ring.slot_size())
    }

    /// Whether inserts equal to a held message are skipped.
    #[wasm_bindgen(getter, js_name = onlyInsertUnique)]
    pub fn only_insert_unique(&self) -> Result<bool, JsValue> {
        let ring = self.shared.ring("BytesRingBufferFast.onlyInsertUnique")?;
        Ok(ring.ring.only_insert_unique())
    }

    /// Copies `message` into the next slot; when full, the oldest is evicted. Returns
    /// `false` only when it was skipped as a duplicate (`onlyInsertUnique`). If an
    /// `aconsume()` is waiting, a copy goes to it instead. Throws a `TypeError` if
    /// `message` is not a `Uint8Array` or `ArrayBuffer`, a `RangeError` if it is longer
    /// than a slot (nothing is written).
    pub fn insert(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array | ArrayBuffer")] message: &JsValue,
    ) -> Result<bool, JsValue> {
        const CONTEXT: &str = "BytesRingBufferFast.insert";
        let message = args::bytes(message, CONTEXT, "message")?;
        let mut state = self.shared.ring_mut(CONTEXT)?;
        check_fits(&state.ring, &message, CONTEXT)?;
        if self.shared.waiters.any() {
            drop(state);
            if let Some(waiter) = self.shared.waiters.pop() {
                waiter.deliver(message.slice(0, message.length()).into());
            }
            return Ok(true);
        }
        let FastRing { ring, scratch } = &mut *state;
        copy_in(&message, scratch);
        let before = (ring.len(), ring.overwritten());
        ring.insert(scratch)
            .map_err(|err| fast_error(CONTEXT, &err))?;
        Ok((ring.len(), ring.overwritten()) != before)
    }

    /// Copies in every message of an iterable, in order, as repeated `insert`s would,
    /// or none: nothing is written if one is not a `Uint8Array`/`ArrayBuffer`
    /// (`TypeError`) or is longer than a slot (`RangeError`); the error names its
    /// index.
    #[wasm_bindgen(js_name = insertBatch)]
    pub fn insert_batch(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Iterable<Uint8Array | ArrayBuffer>")]
        messages: &JsValue,
    ) -> Result<(), JsValue> {
        const CONTEXT: &str = "BytesRingBufferFast.insertBatch";
        let messages = checked_messages(messages, CONTEXT)?;
        let mut state = self.shared.ring_mut(CONTEXT)?;
        for (i, message) in messages.iter().enumerate() {
            check_fits(&state.ring, message, &format!("{CONTEXT} (message {i})"))?;
        }
        let (handed, rest) = split_for_waiters(&self.shared.waiters, messages);
        // All the remaining messages in one buffer, then one all-or-nothing batch.
        let FastRing { ring, scratch } = &mut *state;
        let total = rest.iter().map(|m| m.length() as usize).sum();
        scratch.resize(total, 0);
        let mut ends = Vec::with_capacity(rest.len());
        let mut start = 0;
        for message in &rest {
            let end = start + message.length() as usize;
            message.copy_to(&mut scratch[start..end]);
            ends.push(end);
            start = end;
        }
        let mut start = 0;
        let slices: Vec<&[u8]> = ends
            .iter()
            .map(|&end| {
                let slice = &scratch[start..end];
                start = end;
                slice
            })
            .collect();
        ring.insert_batch(&slices)
            .map_err(|err| fast_error(CONTEXT, &err))?;
        drop(state);
        for (waiter, message) in handed {
            waiter.deliver(message.slice(0, message.length()).into());
        }
        Ok(())
    }

    /// Removes and returns the oldest message; `undefined` when empty.
    #[wasm_bindgen(unchecked_return_type = "Uint8Array | undefined")]
    pub fn consume(&self) -> Result<JsValue, JsValue> {
        let mut state = self.shared.ring_mut("BytesRingBufferFast.consume")?;
        Ok(state.take_js().unwrap_or(JsValue::UNDEFINED))
    }

    /// Removes every message and returns them oldest → newest.
    #[wasm_bindgen(js_name = consumeAll, unchecked_return_type = "Uint8Array[]")]
    pub fn consume_all(&self) -> Result<Array, JsValue> {
        let mut state = self.shared.ring_mut("BytesRingBufferFast.consumeAll")?;
        let all = state.ring.iter().map(to_js).collect();
        state.ring.clear();
        Ok(all)
    }

    /// Copies of the messages, oldest → newest.
    #[wasm_bindgen(unchecked_return_type = "Uint8Array[]")]
    pub fn unwrapped(&self) -> Result<Array, JsValue> {
        let state = self.shared.ring("BytesRingBufferFast.unwrapped")?;
        Ok(state.ring.iter().map(to_js).collect())
    }

    /// A copy of the oldest message; `undefined` when empty.
    #[wasm_bindgen(js_name = peekLeft, unchecked_return_type = "Uint8Array | undefined")]
    pub fn peek_left(&self) -> Result<JsValue, JsValue> {
        let state = self.shared.ring("BytesRingBufferFast.peekLeft")?;
        Ok(state.ring.peekleft().map_or(JsValue::UNDEFINED, to_js))
    }

    /// A copy of the newest message; `undefined` when empty.
    #[wasm_bindgen(js_name = peekRight, unchecked_return_type = "Uint8Array | undefined")]
    pub fn peek_right(&self) -> Result<JsValue, JsValue> {
        let state = self.shared.ring("BytesRingBufferFast.peekRight")?;
        Ok(state.ring.peekright().map_or(JsValue::UNDEFINED, to_js))
    }

    /// A copy of the message at `index`, like `Array.prototype.at`: `0` is the
    /// oldest, `-1` the newest; `undefined` out of range. Throws a `TypeError` if
    /// `index` is not a number, a `RangeError` if it is not whole.
    #[wasm_bindgen(unchecked_return_type = "Uint8Array | undefined")]
    pub fn get(
        &self,
        #[wasm_bindgen(unchecked_param_type = "number")] index: &JsValue,
    ) -> Result<JsValue, JsValue> {
        const CONTEXT: &str = "BytesRingBufferFast.get";
        let Some(index) = args::index(index, CONTEXT)? else {
            return Ok(JsValue::UNDEFINED);
        };
        let state = self.shared.ring(CONTEXT)?;
        Ok(state
            .ring
            .get_signed(index)
            .map_or(JsValue::UNDEFINED, to_js))
    }

    /// Replaces the newest message and returns (a copy of) the replaced one. Throws an
    /// `Error` when the ring is empty or, with `onlyInsertUnique`, when `message`
    /// equals another held message; a `RangeError` if it is longer than a slot. The
    /// ring is unchanged when it throws.
    #[wasm_bindgen(js_name = overwriteLatest)]
    pub fn overwrite_latest(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array | ArrayBuffer")] message: &JsValue,
    ) -> Result<Uint8Array, JsValue> {
        const CONTEXT: &str = "BytesRingBufferFast.overwriteLatest";
        let message = args::bytes(message, CONTEXT, "message")?;
        let mut state = self.shared.ring_mut(CONTEXT)?;
        let FastRing { ring, scratch } = &mut *state;
        let Some(old) = ring.peekright().map(Uint8Array::new_from_slice) else {
            return Err(fast_error(CONTEXT, &FastError::Empty));
        };
        check_fits(ring, &message, CONTEXT)?;
        copy_in(&message, scratch);
        ring.overwrite_latest(scratch)
            .map_err(|err| fast_error(CONTEXT, &err))?;
        Ok(old)
    }

    /// Whether a message with the same bytes is held.
    pub fn contains(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array | ArrayBuffer")] message: &JsValue,
    ) -> Result<bool, JsValue> {
        const CONTEXT: &str = "BytesRingBufferFast.contains";
        let message = args::bytes(message, CONTEXT, "message")?;
        let mut state = self.shared.ring_mut(CONTEXT)?;
        if message.length() as usize > state.ring.slot_size() {
            return Ok(false);
        }
        let FastRing { ring, scratch } = &mut *state;
        copy_in(&message, scratch);
        Ok(ring.contains(scratch))
    }

    /// An iterator over copies of the messages, oldest → newest: `for (const m of
    /// ring)` and `[...ring]`.
    #[wasm_bindgen(
        js_name = "[Symbol.iterator]",
        unchecked_return_type = "IterableIterator<Uint8Array>"
    )]
    pub fn iterator(&self) -> Result<js_sys::Iterator, JsValue> {
        Ok(self.unwrapped()?.values())
    }
}

ring_methods!(
    BytesRingBufferFast,
    "Promise<Uint8Array | undefined>",
    "AsyncIterableIterator<Uint8Array>"
);

/// A `RangeError` (the core's `Oversize` message) if `message` is longer than a slot.
fn check_fits(ring: &CoreRing, message: &Uint8Array, context: &str) -> Result<(), JsValue> {
    let len = message.length() as usize;
    let slot = ring.slot_size();
    if len > slot {
        return Err(fast_error(context, &FastError::Oversize { len, slot }));
    }
    Ok(())
}

/// Copies `message` into `scratch`, which ends up exactly as long as it.
fn copy_in(message: &Uint8Array, scratch: &mut Vec<u8>) {
    scratch.resize(message.length() as usize, 0);
    message.copy_to(scratch);
}
