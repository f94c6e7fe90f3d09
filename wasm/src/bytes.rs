//! `BytesRingBuffer`: a ring of variable-length byte messages.

use core::cell::RefCell;
use std::rc::Rc;

use js_sys::Uint8Array;
use mmring_core::{Bytes, BytesRingBuffer as CoreRing};
use wasm_bindgen::prelude::*;

use crate::args;
use crate::errors::capacity_error;
use crate::messages::{MessageRing, message_methods, to_js, unique_option};
use crate::ring::{JsRing, Shared};

#[wasm_bindgen(typescript_custom_section)]
const TS_OPTIONS: &'static str = r#"
/** Options of a BytesRingBuffer. */
export interface BytesRingBufferOptions {
  /** Skip an insert equal to a message the ring holds (default false). */
  onlyInsertUnique?: boolean;
}
"#;

/// Every message leaves as a new `Uint8Array` copy.
impl JsRing for CoreRing {
    fn item_to_js(item: Bytes) -> JsValue {
        to_js(item)
    }

    fn view_to_js(view: &Bytes) -> JsValue {
        to_js(view)
    }

    /// A message as the `Array` of its bytes (`JSON.stringify` writes a `Uint8Array`
    /// as an object keyed by index).
    fn json_item(item: JsValue) -> JsValue {
        js_sys::Array::from(&item).into()
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
    /// Unused: each message is copied straight into a new `Bytes`.
    scratch: RefCell<()>,
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
            if let Some(unique) = unique_option(&options, CONTEXT)? {
                builder = builder.only_insert_unique(unique);
            }
        }
        let ring = builder.build();
        Ok(Self::from_ring(
            ring.map_err(|err| capacity_error(CONTEXT, &err))?,
        ))
    }
}

message_methods!(BytesRingBuffer, ring: CoreRing);

/// Each message is copied out of JS into a new `Bytes`, which the ring then holds.
impl MessageRing for CoreRing {
    type Scratch = ();

    fn only_insert_unique(&self) -> bool {
        CoreRing::only_insert_unique(self)
    }

    fn insert_message(&mut self, message: &Uint8Array, _: &mut ()) -> bool {
        self.insert(message.to_vec())
    }

    fn insert_messages(&mut self, messages: &[Uint8Array], _: &mut ()) {
        self.insert_batch(messages.iter().map(Uint8Array::to_vec));
    }

    fn overwrite_message(&mut self, message: &Uint8Array, _: &mut ()) -> bool {
        self.overwrite_latest(message.to_vec()).is_ok()
    }

    fn holds_message(&self, message: &Uint8Array, _: &mut ()) -> bool {
        self.contains(&message.to_vec())
    }
}
