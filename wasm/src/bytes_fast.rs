//! `BytesRingBufferFast`: byte messages copied into fixed slots of one slab.

use core::cell::RefCell;
use std::rc::Rc;

use js_sys::Uint8Array;
use mmring_core::{BytesRingBufferFast as CoreRing, FastError};
use wasm_bindgen::prelude::*;

use crate::args;
use crate::errors::{capacity_error, fast_error};
use crate::messages::{MessageRing, copy_in, message_methods, to_js, unique_option};
use crate::ring::{JsRing, Shared};

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

/// Every message leaves as a new `Uint8Array` copy, made straight from its slot.
impl JsRing for CoreRing {
    fn item_to_js(item: Vec<u8>) -> JsValue {
        to_js(item)
    }

    fn view_to_js(view: &[u8]) -> JsValue {
        to_js(view)
    }

    /// A message as the `Array` of its bytes (`JSON.stringify` writes a `Uint8Array`
    /// as an object keyed by index).
    fn json_item(item: JsValue) -> JsValue {
        js_sys::Array::from(&item).into()
    }

    /// Copies the message out of its slot into the new `Uint8Array`: no allocation in
    /// wasm memory.
    fn consume_js(&mut self) -> Option<JsValue> {
        self.consume_with(|message| to_js(message))
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
    shared: Rc<Shared<CoreRing>>,
    /// Where messages arriving from JS are copied before going into the ring; reused,
    /// so steady-state inserts allocate nothing in wasm memory.
    scratch: RefCell<Vec<u8>>,
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
            if let Some(percent) = args::option(
                &options,
                "bufferPercent",
                CONTEXT,
                "a number",
                JsValue::as_f64,
            )? {
                builder = builder.buffer_percent(percent);
            }
            if let Some(unique) = unique_option(&options, CONTEXT)? {
                builder = builder.only_insert_unique(unique);
            }
        }
        let ring = builder.build();
        Ok(Self::from_ring(
            ring.map_err(|err| capacity_error(CONTEXT, &err))?,
        ))
    }

    /// The size of one slot in bytes: the longest message the ring takes.
    #[wasm_bindgen(getter, js_name = slotSize)]
    pub fn slot_size(&self) -> Result<usize, JsValue> {
        let ring = self.shared.ring("BytesRingBufferFast.slotSize")?;
        Ok(ring.slot_size())
    }
}

message_methods!(BytesRingBufferFast, ring: CoreRing);

/// Each message is copied out of JS into the reused scratch buffer, then into its slot.
impl MessageRing for CoreRing {
    type Scratch = Vec<u8>;

    fn only_insert_unique(&self) -> bool {
        CoreRing::only_insert_unique(self)
    }

    /// A `RangeError` (the core's `Oversize` message) if `message` is longer than a
    /// slot.
    fn check_fits(&self, message: &Uint8Array, context: &str) -> Result<(), JsValue> {
        let len = message.length() as usize;
        let slot = self.slot_size();
        if len > slot {
            return Err(fast_error(context, &FastError::Oversize { len, slot }));
        }
        Ok(())
    }

    fn insert_message(&mut self, message: &Uint8Array, scratch: &mut Vec<u8>) -> bool {
        copy_in(message, scratch);
        let before = (self.len(), self.overwritten());
        // Fits: checked by the caller.
        let inserted = self.insert(scratch).is_ok();
        inserted && (self.len(), self.overwritten()) != before
    }

    /// All the messages in one buffer, then one all-or-nothing batch.
    fn insert_messages(&mut self, messages: &[Uint8Array], scratch: &mut Vec<u8>) {
        let total = messages.iter().map(|m| m.length() as usize).sum();
        scratch.resize(total, 0);
        let mut ends = Vec::with_capacity(messages.len());
        let mut start = 0;
        for message in messages {
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
        let inserted = self.insert_batch(&slices);
        debug_assert!(
            inserted.is_ok(),
            "the caller checked that every message fits"
        );
    }

    fn overwrite_message(&mut self, message: &Uint8Array, scratch: &mut Vec<u8>) -> bool {
        copy_in(message, scratch);
        self.overwrite_latest(scratch) != Err(FastError::Duplicate)
    }

    /// A message longer than a slot is never held (and is not copied).
    fn holds_message(&self, message: &Uint8Array, scratch: &mut Vec<u8>) -> bool {
        if message.length() as usize > self.slot_size() {
            return false;
        }
        copy_in(message, scratch);
        self.contains(scratch)
    }
}
