//! `BytesRingBuffer`: a ring of variable-length byte messages.

use std::rc::Rc;

use js_sys::{Array, Uint8Array};
use mmring_core::{Bytes, BytesRingBuffer as CoreRing};
use wasm_bindgen::prelude::*;

use crate::args;
use crate::errors::{capacity_error, empty_error, state_error};
use crate::ring::{JsRing, Shared, ring_methods, split_for_waiters};

#[wasm_bindgen(typescript_custom_section)]
const TS_OPTIONS: &'static str = r#"
/** Options of a BytesRingBuffer. */
export interface BytesRingBufferOptions {
  /** Skip an insert equal to a message the ring holds (default false). */
  onlyInsertUnique?: boolean;
}
"#;

impl JsRing for CoreRing {
    fn take_js(&mut self) -> Option<JsValue> {
        self.consume().map(|bytes| to_js(&bytes))
    }
    fn len(&self) -> usize {
        CoreRing::len(self)
    }
    fn capacity(&self) -> usize {
        CoreRing::capacity(self)
    }
    fn is_full(&self) -> bool {
        CoreRing::is_full(self)
    }
    fn overwritten(&self) -> u64 {
        CoreRing::overwritten(self)
    }
    fn clear(&mut self) {
        CoreRing::clear(self)
    }
}

/// A ring of byte messages (`new BytesRingBuffer(capacity, { onlyInsertUnique })`).
///
/// Messages go in as `Uint8Array`s (a Node `Buffer` is one) or `ArrayBuffer`s and are
/// copied into wasm memory, so the caller may reuse its buffer; every read returns a new
/// `Uint8Array` copy. With `onlyInsertUnique`, an insert equal to a message the ring
/// holds is skipped (`insert` returns `false`), also within one `insertBatch`, in
/// O(1) expected time.
#[wasm_bindgen]
pub struct BytesRingBuffer {
    shared: Rc<Shared<CoreRing>>,
}

#[wasm_bindgen]
impl BytesRingBuffer {
    /// An empty ring holding up to `capacity` messages, rounded up to a power of two.
    /// Throws a `TypeError` for a `capacity` that is not a number or bad options
    /// (not an object, an unknown key, a non-boolean `onlyInsertUnique`), a
    /// `RangeError` for capacity 0 (or not whole, negative, too large).
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "number")] capacity: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "BytesRingBufferOptions")] options: Option<
            JsValue,
        >,
    ) -> Result<BytesRingBuffer, JsValue> {
        const CONTEXT: &str = "new BytesRingBuffer";
        let capacity = args::capacity(&capacity, CONTEXT)?;
        let mut builder = CoreRing::builder(capacity);
        if let Some(options) = args::options(options.as_ref(), CONTEXT, &["onlyInsertUnique"])? {
            if let Some(unique) = args::bool_option(&options, "onlyInsertUnique", CONTEXT)? {
                builder = builder.only_insert_unique(unique);
            }
        }
        let ring = builder
            .build()
            .map_err(|err| capacity_error(CONTEXT, &err))?;
        Ok(Self {
            shared: Shared::new(ring),
        })
    }

    /// Whether inserts equal to a held message are skipped.
    #[wasm_bindgen(getter, js_name = onlyInsertUnique)]
    pub fn only_insert_unique(&self) -> Result<bool, JsValue> {
        let ring = self.shared.ring("BytesRingBuffer.onlyInsertUnique")?;
        Ok(ring.only_insert_unique())
    }

    /// Copies `message` in as the newest; when full, the oldest is evicted. Returns
    /// `false` only when it was skipped as a duplicate (`onlyInsertUnique`). If an
    /// `aconsume()` is waiting, a copy goes to it instead. Throws a `TypeError` if
    /// `message` is not a `Uint8Array` or `ArrayBuffer`.
    pub fn insert(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array | ArrayBuffer")] message: &JsValue,
    ) -> Result<bool, JsValue> {
        const CONTEXT: &str = "BytesRingBuffer.insert";
        let message = args::bytes(message, CONTEXT, "message")?;
        if let Some(waiter) = self.shared.waiters.pop() {
            waiter.deliver(message.slice(0, message.length()).into());
            return Ok(true);
        }
        let mut ring = self.shared.ring_mut(CONTEXT)?;
        Ok(ring.insert(message.to_vec()))
    }

    /// Copies in every message of an iterable, in order, as repeated `insert`s would.
    /// Every item is checked first: nothing is inserted if one is not a `Uint8Array`
    /// or `ArrayBuffer` (the `TypeError` names its index).
    #[wasm_bindgen(js_name = insertBatch)]
    pub fn insert_batch(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Iterable<Uint8Array | ArrayBuffer>")]
        messages: &JsValue,
    ) -> Result<(), JsValue> {
        const CONTEXT: &str = "BytesRingBuffer.insertBatch";
        let messages = checked_messages(messages, CONTEXT)?;
        let messages: Vec<Bytes> = messages.iter().map(|m| m.to_vec().into()).collect();
        let (handed, rest) = split_for_waiters(&self.shared.waiters, messages);
        self.shared.ring_mut(CONTEXT)?.insert_batch(rest);
        for (waiter, message) in handed {
            waiter.deliver(to_js(&message));
        }
        Ok(())
    }

    /// Removes and returns the oldest message; `undefined` when empty.
    #[wasm_bindgen(unchecked_return_type = "Uint8Array | undefined")]
    pub fn consume(&self) -> Result<JsValue, JsValue> {
        let mut ring = self.shared.ring_mut("BytesRingBuffer.consume")?;
        Ok(ring.take_js().unwrap_or(JsValue::UNDEFINED))
    }

    /// Removes every message and returns them oldest → newest.
    #[wasm_bindgen(js_name = consumeAll, unchecked_return_type = "Uint8Array[]")]
    pub fn consume_all(&self) -> Result<Array, JsValue> {
        let mut ring = self.shared.ring_mut("BytesRingBuffer.consumeAll")?;
        Ok(ring.consume_all().iter().map(to_js).collect())
    }

    /// Copies of the messages, oldest → newest.
    #[wasm_bindgen(unchecked_return_type = "Uint8Array[]")]
    pub fn unwrapped(&self) -> Result<Array, JsValue> {
        let ring = self.shared.ring("BytesRingBuffer.unwrapped")?;
        Ok(ring.iter().map(to_js).collect())
    }

    /// A copy of the oldest message; `undefined` when empty.
    #[wasm_bindgen(js_name = peekLeft, unchecked_return_type = "Uint8Array | undefined")]
    pub fn peek_left(&self) -> Result<JsValue, JsValue> {
        let ring = self.shared.ring("BytesRingBuffer.peekLeft")?;
        Ok(ring.peekleft().map_or(JsValue::UNDEFINED, to_js))
    }

    /// A copy of the newest message; `undefined` when empty.
    #[wasm_bindgen(js_name = peekRight, unchecked_return_type = "Uint8Array | undefined")]
    pub fn peek_right(&self) -> Result<JsValue, JsValue> {
        let ring = self.shared.ring("BytesRingBuffer.peekRight")?;
        Ok(ring.peekright().map_or(JsValue::UNDEFINED, to_js))
    }

    /// A copy of the message at `index`, like `Array.prototype.at`: `0` is the
    /// oldest, `-1` the newest; `undefined` out of range. Throws a `TypeError` if
    /// `index` is not a number, a `RangeError` if it is not whole.
    #[wasm_bindgen(unchecked_return_type = "Uint8Array | undefined")]
    pub fn get(
        &self,
        #[wasm_bindgen(unchecked_param_type = "number")] index: &JsValue,
    ) -> Result<JsValue, JsValue> {
        const CONTEXT: &str = "BytesRingBuffer.get";
        let Some(index) = args::index(index, CONTEXT)? else {
            return Ok(JsValue::UNDEFINED);
        };
        let ring = self.shared.ring(CONTEXT)?;
        Ok(ring.get_signed(index).map_or(JsValue::UNDEFINED, to_js))
    }

    /// Replaces the newest message and returns (a copy of) the replaced one. Throws an
    /// `Error` when the ring is empty, or, with `onlyInsertUnique`, when `message`
    /// equals another message the ring holds (the ring is unchanged).
    #[wasm_bindgen(js_name = overwriteLatest)]
    pub fn overwrite_latest(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array | ArrayBuffer")] message: &JsValue,
    ) -> Result<Uint8Array, JsValue> {
        const CONTEXT: &str = "BytesRingBuffer.overwriteLatest";
        let message = args::bytes(message, CONTEXT, "message")?;
        let mut ring = self.shared.ring_mut(CONTEXT)?;
        if ring.is_empty() {
            return Err(empty_error(CONTEXT));
        }
        match ring.overwrite_latest(message.to_vec()) {
            Ok(old) => Ok(Uint8Array::new_from_slice(&old)),
            Err(_) => Err(state_error(
                CONTEXT,
                "the ring already holds an equal message and onlyInsertUnique is set",
            )),
        }
    }

    /// Whether a message with the same bytes is held.
    pub fn contains(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array | ArrayBuffer")] message: &JsValue,
    ) -> Result<bool, JsValue> {
        const CONTEXT: &str = "BytesRingBuffer.contains";
        let message = args::bytes(message, CONTEXT, "message")?.to_vec();
        let ring = self.shared.ring(CONTEXT)?;
        Ok(ring.contains(&message))
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
    BytesRingBuffer,
    "Promise<Uint8Array | undefined>",
    "AsyncIterableIterator<Uint8Array>"
);

/// A new `Uint8Array` holding a copy of `bytes`.
pub(crate) fn to_js(bytes: impl AsRef<[u8]>) -> JsValue {
    Uint8Array::new_from_slice(bytes.as_ref()).into()
}

/// The messages of an iterable, each checked to be a `Uint8Array` or `ArrayBuffer`.
pub(crate) fn checked_messages(
    messages: &JsValue,
    context: &str,
) -> Result<Vec<Uint8Array>, JsValue> {
    args::iterable(messages, context)?
        .iter()
        .enumerate()
        .map(|(i, message)| args::bytes(message, context, &format!("message {i}")))
        .collect()
}
