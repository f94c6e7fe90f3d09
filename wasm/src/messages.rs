//! What the two byte classes share: messages go in as `Uint8Array`s or `ArrayBuffer`s
//! and come out as new `Uint8Array` copies, through the same five methods
//! (`onlyInsertUnique`, `insert`, `insertBatch`, `overwriteLatest`, `contains`).
//!
//! [`MessageRing`] is how the two core rings take a message in, the one thing in which
//! they differ: `BytesRingBuffer` copies it into a new `Bytes` of any length,
//! `BytesRingBufferFast` into a slot of a fixed size through a reused scratch buffer.
//! [`message_methods!`] writes the five methods once over it.

use js_sys::{Object, Uint8Array};
use wasm_bindgen::JsValue;

use crate::args;
use crate::ring::JsRing;

/// How a core byte ring takes in messages that arrive from JS.
pub(crate) trait MessageRing: JsRing {
    /// Reused between calls by the rings that copy a message before storing it.
    type Scratch: Default;

    /// Whether duplicates are skipped.
    fn only_insert_unique(&self) -> bool;

    /// Refuses, with a `RangeError` naming `context`, a message the ring can never
    /// hold. Every length fits by default.
    fn check_fits(&self, _message: &Uint8Array, _context: &str) -> Result<(), JsValue> {
        Ok(())
    }

    /// Inserts a message that fits; `false` when it was skipped as a duplicate.
    fn insert_message(&mut self, message: &Uint8Array, scratch: &mut Self::Scratch) -> bool;

    /// Inserts messages that all fit, in order, as repeated inserts would.
    fn insert_messages(&mut self, messages: &[Uint8Array], scratch: &mut Self::Scratch);

    /// Replaces the newest message by one that fits, in a ring that is not empty;
    /// `false` when refused because another held message equals it.
    fn overwrite_message(&mut self, message: &Uint8Array, scratch: &mut Self::Scratch) -> bool;

    /// Whether a held message has the same bytes.
    fn holds_message(&self, message: &Uint8Array, scratch: &mut Self::Scratch) -> bool;
}

/// A new `Uint8Array` holding a copy of `bytes`.
pub(crate) fn to_js(bytes: impl AsRef<[u8]>) -> JsValue {
    Uint8Array::new_from_slice(bytes.as_ref()).into()
}

/// A new `Uint8Array` holding a copy of `message`, for a waiting consumer.
pub(crate) fn copy_of(message: &Uint8Array) -> JsValue {
    message.slice(0, message.length()).into()
}

/// Copies `message` into `scratch`, which ends up exactly as long as it.
pub(crate) fn copy_in(message: &Uint8Array, scratch: &mut Vec<u8>) {
    scratch.resize(message.length() as usize, 0);
    message.copy_to(scratch);
}

/// The `onlyInsertUnique` option of both constructors.
pub(crate) fn unique_option(options: &Object, context: &str) -> Result<Option<bool>, JsValue> {
    args::option(
        options,
        "onlyInsertUnique",
        context,
        "a boolean",
        JsValue::as_bool,
    )
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

/// The methods of both byte classes, generated as `#[wasm_bindgen] impl` blocks of
/// `$class`, which has the fields `shared: Rc<Shared<$ring>>` and
/// `scratch: RefCell<<$ring as MessageRing>::Scratch>`, with `$ring: MessageRing`: the
/// methods of every ring class ([`ring_methods!`](crate::ring::ring_methods)), with the
/// TypeScript types of messages, and the five methods of the byte classes.
macro_rules! message_methods {
    ($class:ident, ring: $ring:ty $(,)?) => {
        $crate::ring::ring_methods!(
            $class,
            ring: $ring,
            maybe_item: "Uint8Array | undefined",
            all_items: "Uint8Array[]",
            iterator: "IterableIterator<Uint8Array>",
            promise: "Promise<Uint8Array | undefined>",
            async_iterator: "AsyncIterableIterator<Uint8Array>",
            json: "number[][]",
        );

        #[wasm_bindgen::prelude::wasm_bindgen]
        impl $class {
            /// Whether inserts equal to a held message are skipped.
            #[wasm_bindgen(getter, js_name = onlyInsertUnique)]
            pub fn only_insert_unique(&self) -> Result<bool, wasm_bindgen::JsValue> {
                let ring = self
                    .shared
                    .ring(concat!(stringify!($class), ".onlyInsertUnique"))?;
                Ok($crate::messages::MessageRing::only_insert_unique(&*ring))
            }

            /// Copies `message` in as the newest; when full, the oldest is evicted.
            /// Returns `false` only when it was skipped as a duplicate
            /// (`onlyInsertUnique`). If an `aconsume()` is waiting, a copy goes to it
            /// instead. Throws a `TypeError` if `message` is not a `Uint8Array` or
            /// `ArrayBuffer`, and a `RangeError` if it is longer than a slot of a
            /// `BytesRingBufferFast` (nothing is written).
            pub fn insert(
                &self,
                #[wasm_bindgen(unchecked_param_type = "Uint8Array | ArrayBuffer")]
                message: &wasm_bindgen::JsValue,
            ) -> Result<bool, wasm_bindgen::JsValue> {
                const CONTEXT: &str = concat!(stringify!($class), ".insert");
                let message = $crate::args::bytes(message, CONTEXT, "message")?;
                let mut ring = self.shared.ring_mut(CONTEXT)?;
                $crate::messages::MessageRing::check_fits(&*ring, &message, CONTEXT)?;
                if self.shared.waiters.any() {
                    drop(ring);
                    if let Some(waiter) = self.shared.waiters.pop() {
                        waiter.deliver($crate::messages::copy_of(&message));
                    }
                    return Ok(true);
                }
                let mut scratch = self.scratch(CONTEXT)?;
                Ok($crate::messages::MessageRing::insert_message(
                    &mut *ring,
                    &message,
                    &mut scratch,
                ))
            }

            /// Copies in every message of an iterable, in order, as repeated
            /// `insert`s would, or none: nothing is written if one is not a
            /// `Uint8Array`/`ArrayBuffer` (`TypeError`) or is longer than a slot of a
            /// `BytesRingBufferFast` (`RangeError`); the error names its index.
            #[wasm_bindgen(js_name = insertBatch)]
            pub fn insert_batch(
                &self,
                #[wasm_bindgen(unchecked_param_type = "Iterable<Uint8Array | ArrayBuffer>")]
                messages: &wasm_bindgen::JsValue,
            ) -> Result<(), wasm_bindgen::JsValue> {
                const CONTEXT: &str = concat!(stringify!($class), ".insertBatch");
                let messages = $crate::messages::checked_messages(messages, CONTEXT)?;
                let mut ring = self.shared.ring_mut(CONTEXT)?;
                for (i, message) in messages.iter().enumerate() {
                    let context = format!("{CONTEXT} (message {i})");
                    $crate::messages::MessageRing::check_fits(&*ring, message, &context)?;
                }
                let mut scratch = self.scratch(CONTEXT)?;
                let (handed, rest) =
                    $crate::ring::split_for_waiters(&self.shared.waiters, messages);
                $crate::messages::MessageRing::insert_messages(&mut *ring, &rest, &mut scratch);
                drop(ring);
                for (waiter, message) in handed {
                    waiter.deliver($crate::messages::copy_of(&message));
                }
                Ok(())
            }

            /// Replaces the newest message and returns (a copy of) the replaced one.
            /// Throws an `Error` when the ring is empty or, with `onlyInsertUnique`,
            /// when `message` equals another held message; a `RangeError` if it is
            /// longer than a slot of a `BytesRingBufferFast`. The ring is unchanged
            /// when it throws.
            #[wasm_bindgen(js_name = overwriteLatest)]
            pub fn overwrite_latest(
                &self,
                #[wasm_bindgen(unchecked_param_type = "Uint8Array | ArrayBuffer")]
                message: &wasm_bindgen::JsValue,
            ) -> Result<js_sys::Uint8Array, wasm_bindgen::JsValue> {
                const CONTEXT: &str = concat!(stringify!($class), ".overwriteLatest");
                let message = $crate::args::bytes(message, CONTEXT, "message")?;
                let mut ring = self.shared.ring_mut(CONTEXT)?;
                let Some(old) = mmring_core::Ring::peekright(&*ring)
                    .map(|newest| js_sys::Uint8Array::new_from_slice(&newest))
                else {
                    return Err($crate::errors::empty_error(CONTEXT));
                };
                $crate::messages::MessageRing::check_fits(&*ring, &message, CONTEXT)?;
                let mut scratch = self.scratch(CONTEXT)?;
                if !$crate::messages::MessageRing::overwrite_message(
                    &mut *ring,
                    &message,
                    &mut scratch,
                ) {
                    return Err($crate::errors::state_error(
                        CONTEXT,
                        "the ring already holds an equal message and onlyInsertUnique is set",
                    ));
                }
                Ok(old)
            }

            /// Whether a message with the same bytes is held.
            pub fn contains(
                &self,
                #[wasm_bindgen(unchecked_param_type = "Uint8Array | ArrayBuffer")]
                message: &wasm_bindgen::JsValue,
            ) -> Result<bool, wasm_bindgen::JsValue> {
                const CONTEXT: &str = concat!(stringify!($class), ".contains");
                let message = $crate::args::bytes(message, CONTEXT, "message")?;
                let ring = self.shared.ring(CONTEXT)?;
                let mut scratch = self.scratch(CONTEXT)?;
                Ok($crate::messages::MessageRing::holds_message(
                    &*ring,
                    &message,
                    &mut scratch,
                ))
            }
        }

        impl $class {
            /// The class around a new ring.
            fn from_ring(ring: $ring) -> Self {
                Self {
                    shared: $crate::ring::Shared::new(ring),
                    scratch: core::cell::RefCell::default(),
                }
            }

            /// The scratch buffer; an `Error` instead of a panic if it is already
            /// borrowed.
            fn scratch(
                &self,
                context: &str,
            ) -> Result<
                core::cell::RefMut<'_, <$ring as $crate::messages::MessageRing>::Scratch>,
                wasm_bindgen::JsValue,
            > {
                self.scratch
                    .try_borrow_mut()
                    .map_err(|_| $crate::errors::reentrant_error(context))
            }
        }
    };
}

pub(crate) use message_methods;
