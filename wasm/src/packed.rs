//! `pack` and `unpack`: the packed frames of `mmring_core::packed` for JavaScript.

use js_sys::{Array, Uint8Array};
use mmring_core::packed;
use wasm_bindgen::prelude::*;

use crate::args;
use crate::errors::packed_error;
use crate::messages::checked_messages;

/// Packs messages into one frame: for each, its length as a little-endian `u32`, then
/// its bytes (the framing of `mmring_core::packed`, byte-compatible with that of the
/// Python ring-buffer module mmring grew from, so Python peers read it). No messages give an empty frame. Throws a `TypeError` if `messages`
/// is not an iterable of `Uint8Array`s/`ArrayBuffer`s.
#[wasm_bindgen]
pub fn pack(
    #[wasm_bindgen(unchecked_param_type = "Iterable<Uint8Array | ArrayBuffer>")] messages: &JsValue,
) -> Result<Uint8Array, JsValue> {
    const CONTEXT: &str = "pack";
    let messages = checked_messages(messages, CONTEXT)?;
    // The messages side by side in wasm memory, then framed by the core.
    let total = messages.iter().map(|m| m.length() as usize).sum();
    let mut joined = vec![0; total];
    let mut slices = Vec::with_capacity(messages.len());
    let mut rest = joined.as_mut_slice();
    for message in &messages {
        let (head, tail) = rest.split_at_mut(message.length() as usize);
        message.copy_to(head);
        slices.push(&*head);
        rest = tail;
    }
    let mut frame = Vec::with_capacity(total + 4 * messages.len());
    packed::try_pack_into(&mut frame, slices).map_err(|err| packed_error(CONTEXT, &err))?;
    Ok(Uint8Array::new_from_slice(&frame))
}

/// Unpacks a frame into its messages. Each message is a `Uint8Array` view into the
/// frame's own buffer (no copy): copy it (`message.slice()`) if the frame's buffer
/// will be reused. An empty frame gives no messages. Throws a `TypeError` if `frame`
/// is not a `Uint8Array`/`ArrayBuffer`, and an `Error` for a corrupt frame (a length
/// prefix cut short or running past the end, or 1–3 stray trailing bytes) whose
/// `offset` property is the byte position of the offending length prefix.
#[wasm_bindgen(unchecked_return_type = "Uint8Array[]")]
pub fn unpack(
    #[wasm_bindgen(unchecked_param_type = "Uint8Array | ArrayBuffer")] frame: &JsValue,
) -> Result<Array, JsValue> {
    const CONTEXT: &str = "unpack";
    let frame = args::bytes(frame, CONTEXT, "frame")?;
    let bytes = frame.to_vec();
    let messages = Array::new();
    // Each message starts 4 bytes (its length prefix) after the previous one ends.
    let mut end = 0;
    for message in packed::iter(&bytes) {
        let message = message.map_err(|err| packed_error(CONTEXT, &err))?;
        let start = end + 4;
        end = start + message.len();
        messages.push(&frame.subarray(start as u32, end as u32));
    }
    Ok(messages)
}
