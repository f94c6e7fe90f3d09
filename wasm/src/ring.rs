//! What every ring class shares: the core ring behind a `RefCell` next to its waiters,
//! the conversion of its items to JS values, and the methods written once over both.
//!
//! The rings' common vocabulary is `mmring_core`'s [`Fifo`] and [`Ring`]; [`JsRing`]
//! adds only what is JavaScript's: turning an item, or an item read in place, into a
//! `JsValue`. [`ring_methods!`] then generates every class's common methods (`length`,
//! `consume`, `peekLeft`, `get`, `aconsume`, …) from those, so their bodies exist once.

use core::cell::{Ref, RefCell, RefMut};
use std::rc::Rc;

use js_sys::Array;
use mmring_core::Ring;
use wasm_bindgen::JsValue;

use crate::errors::reentrant_error;
use crate::waiters::{Source, Waiter, Waiters};

/// A core ring as the JS classes use it: the core vocabulary plus the conversion of its
/// items to JS values.
pub(crate) trait JsRing: Ring {
    /// An owned item as the JS value a method returns.
    fn item_to_js(item: Self::Item) -> JsValue;

    /// An item read in place as a JS value (a new copy for byte messages).
    fn view_to_js(view: Self::View<'_>) -> JsValue;

    /// Removes the oldest item as a JS value. The fast byte ring replaces this with a
    /// copy straight out of its slot, which allocates nothing in wasm memory.
    fn consume_js(&mut self) -> Option<JsValue> {
        self.consume().map(Self::item_to_js)
    }

    /// Every item, oldest → newest, as `unwrapped()` and `consumeAll()` return them: an
    /// `Array`, or for the numeric ring a TypedArray of its dtype.
    fn snapshot_js(&self) -> JsValue {
        self.iter().map(Self::view_to_js).collect::<Array>().into()
    }

    /// Every item, oldest → newest, as `toJSON()` returns them: an `Array` of values
    /// that `JSON.stringify` can write.
    fn json_js(&self) -> JsValue {
        self.iter()
            .map(|view| Self::json_item(Self::view_to_js(view)))
            .collect::<Array>()
            .into()
    }

    /// An item (as [`view_to_js`](Self::view_to_js) gave it) as `toJSON()` lists it:
    /// itself, unless `JSON.stringify` would mangle it (the byte rings list a
    /// message as an `Array` of its bytes).
    fn json_item(item: JsValue) -> JsValue {
        item
    }
}

/// A ring and the consumers waiting for its items; shared (`Rc`) by the ring's JS
/// object and the async iterators it hands out.
pub(crate) struct Shared<R> {
    ring: RefCell<R>,
    /// Pending consumers; non-empty only while the ring is empty.
    pub(crate) waiters: Waiters,
}

impl<R> Shared<R> {
    /// Wraps `ring` with an empty, open waiter queue.
    pub(crate) fn new(ring: R) -> Rc<Self> {
        Rc::new(Self {
            ring: RefCell::new(ring),
            waiters: Waiters::default(),
        })
    }

    /// The ring, for writing; an `Error` instead of a panic if it is already borrowed.
    pub(crate) fn ring_mut(&self, context: &str) -> Result<RefMut<'_, R>, JsValue> {
        self.ring
            .try_borrow_mut()
            .map_err(|_| reentrant_error(context))
    }

    /// The ring for writing, or `None` if it is already borrowed: for the fast paths,
    /// which build no error (their caller takes the checked path, which does).
    #[inline]
    pub(crate) fn try_ring_mut(&self) -> Option<RefMut<'_, R>> {
        self.ring.try_borrow_mut().ok()
    }

    /// The ring for reading, or `None`: as [`try_ring_mut`](Self::try_ring_mut).
    #[inline]
    pub(crate) fn try_ring(&self) -> Option<Ref<'_, R>> {
        self.ring.try_borrow().ok()
    }

    /// The ring, for reading.
    pub(crate) fn ring(&self, context: &str) -> Result<Ref<'_, R>, JsValue> {
        self.ring.try_borrow().map_err(|_| reentrant_error(context))
    }
}

impl<R: JsRing> Shared<R> {
    /// The item at a JS `index` (`0` the oldest, `-1` the newest) for `get` and `at`:
    /// `undefined` out of range; a `TypeError` or `RangeError`, naming `context`, for
    /// an index that is not a whole number.
    pub(crate) fn item_at(&self, index: &JsValue, context: &str) -> Result<JsValue, JsValue> {
        let Some(index) = crate::args::index(index, context)? else {
            return Ok(JsValue::UNDEFINED);
        };
        let ring = self.ring(context)?;
        Ok(or_undefined(ring.get_signed(index).map(R::view_to_js)))
    }
}

impl<R: JsRing> Source for Shared<R> {
    fn take(&self, context: &str) -> Result<Option<JsValue>, JsValue> {
        Ok(self.ring_mut(context)?.consume_js())
    }

    fn waiters(&self) -> &Waiters {
        &self.waiters
    }
}

/// Pairs the first of `items` with the pending waiters, oldest waiter first, and
/// returns those pairs and the items left over for the ring. The caller inserts the
/// rest, releases the ring, then delivers the pairs.
pub(crate) fn split_for_waiters<T>(
    waiters: &Waiters,
    mut items: Vec<T>,
) -> (Vec<(Waiter, T)>, Vec<T>) {
    let takers = waiters.take(items.len());
    let rest = items.split_off(takers.len());
    (takers.into_iter().zip(items).collect(), rest)
}

/// `undefined` for `None`, the converted item otherwise.
pub(crate) fn or_undefined(value: Option<JsValue>) -> JsValue {
    value.unwrap_or(JsValue::UNDEFINED)
}

/// The methods every ring class has, generated as one more `#[wasm_bindgen] impl`
/// block of `$class`, which has a field `shared: Rc<Shared<$ring>>` with
/// `$ring: JsRing`. The literals are the TypeScript types of what they return: an item
/// or `undefined`, all items, the `for…of` iterator, the `aconsume()` promise, the
/// `for await` iterator and `toJSON()`'s array.
macro_rules! ring_methods {
    (
        $class:ident,
        ring: $ring:ty,
        maybe_item: $maybe_ts:literal,
        all_items: $all_ts:literal,
        iterator: $iterator_ts:literal,
        promise: $promise_ts:literal,
        async_iterator: $async_iterator_ts:literal,
        json: $json_ts:literal $(,)?
    ) => {
        #[wasm_bindgen::prelude::wasm_bindgen]
        impl $class {
            /// Number of items held.
            #[wasm_bindgen(getter)]
            pub fn length(&self) -> Result<usize, wasm_bindgen::JsValue> {
                let ring = self.shared.ring(concat!(stringify!($class), ".length"))?;
                Ok(mmring_core::Fifo::len(&*ring))
            }

            /// Maximum number of items held: the requested capacity rounded up to a
            /// power of two.
            #[wasm_bindgen(getter)]
            pub fn capacity(&self) -> Result<usize, wasm_bindgen::JsValue> {
                let ring = self.shared.ring(concat!(stringify!($class), ".capacity"))?;
                Ok(mmring_core::Fifo::capacity(&*ring))
            }

            /// How many items inserts have evicted from the full ring so far (a
            /// `number`, exact up to 2^53).
            #[wasm_bindgen(getter)]
            pub fn overwritten(&self) -> Result<f64, wasm_bindgen::JsValue> {
                let ring = self
                    .shared
                    .ring(concat!(stringify!($class), ".overwritten"))?;
                Ok(mmring_core::Fifo::overwritten(&*ring) as f64)
            }

            /// Whether the ring holds no items.
            #[wasm_bindgen(js_name = isEmpty)]
            pub fn is_empty(&self) -> Result<bool, wasm_bindgen::JsValue> {
                let ring = self.shared.ring(concat!(stringify!($class), ".isEmpty"))?;
                Ok(mmring_core::Fifo::is_empty(&*ring))
            }

            /// Whether the ring is full: the next insert evicts the oldest item.
            #[wasm_bindgen(js_name = isFull)]
            pub fn is_full(&self) -> Result<bool, wasm_bindgen::JsValue> {
                let ring = self.shared.ring(concat!(stringify!($class), ".isFull"))?;
                Ok(mmring_core::Fifo::is_full(&*ring))
            }

            /// Removes every item (the `overwritten` count is kept).
            pub fn clear(&self) -> Result<(), wasm_bindgen::JsValue> {
                let mut ring = self
                    .shared
                    .ring_mut(concat!(stringify!($class), ".clear"))?;
                mmring_core::Fifo::clear(&mut *ring);
                Ok(())
            }

            /// Removes and returns the oldest item; `undefined` when empty.
            #[wasm_bindgen(unchecked_return_type = $maybe_ts)]
            pub fn consume(&self) -> Result<wasm_bindgen::JsValue, wasm_bindgen::JsValue> {
                let mut ring = self
                    .shared
                    .ring_mut(concat!(stringify!($class), ".consume"))?;
                Ok($crate::ring::or_undefined(
                    $crate::ring::JsRing::consume_js(&mut *ring),
                ))
            }

            /// Removes every item and returns them oldest → newest (empty when the ring
            /// is).
            #[wasm_bindgen(js_name = consumeAll, unchecked_return_type = $all_ts)]
            pub fn consume_all(&self) -> Result<wasm_bindgen::JsValue, wasm_bindgen::JsValue> {
                let mut ring = self
                    .shared
                    .ring_mut(concat!(stringify!($class), ".consumeAll"))?;
                let all = $crate::ring::JsRing::snapshot_js(&*ring);
                mmring_core::Fifo::clear(&mut *ring);
                Ok(all)
            }

            /// A copy of the items, oldest → newest.
            #[wasm_bindgen(unchecked_return_type = $all_ts)]
            pub fn unwrapped(&self) -> Result<wasm_bindgen::JsValue, wasm_bindgen::JsValue> {
                let ring = self
                    .shared
                    .ring(concat!(stringify!($class), ".unwrapped"))?;
                Ok($crate::ring::JsRing::snapshot_js(&*ring))
            }

            /// The oldest item, left in place (a copy for byte messages); `undefined`
            /// when empty.
            #[wasm_bindgen(js_name = peekLeft, unchecked_return_type = $maybe_ts)]
            pub fn peek_left(&self) -> Result<wasm_bindgen::JsValue, wasm_bindgen::JsValue> {
                let ring = self.shared.ring(concat!(stringify!($class), ".peekLeft"))?;
                let oldest = mmring_core::Ring::peekleft(&*ring);
                Ok($crate::ring::or_undefined(
                    oldest.map(<$ring as $crate::ring::JsRing>::view_to_js),
                ))
            }

            /// The newest item, left in place (a copy for byte messages); `undefined`
            /// when empty.
            #[wasm_bindgen(js_name = peekRight, unchecked_return_type = $maybe_ts)]
            pub fn peek_right(&self) -> Result<wasm_bindgen::JsValue, wasm_bindgen::JsValue> {
                let ring = self
                    .shared
                    .ring(concat!(stringify!($class), ".peekRight"))?;
                let newest = mmring_core::Ring::peekright(&*ring);
                Ok($crate::ring::or_undefined(
                    newest.map(<$ring as $crate::ring::JsRing>::view_to_js),
                ))
            }

            /// The item at `index`, like `Array.prototype.at`: `0` is the oldest, `-1`
            /// the newest; `undefined` out of range. Throws a `TypeError` if `index` is
            /// not a number, a `RangeError` if it is not whole.
            #[wasm_bindgen(unchecked_return_type = $maybe_ts)]
            pub fn get(
                &self,
                #[wasm_bindgen(unchecked_param_type = "number")] index: &wasm_bindgen::JsValue,
            ) -> Result<wasm_bindgen::JsValue, wasm_bindgen::JsValue> {
                self.shared
                    .item_at(index, concat!(stringify!($class), ".get"))
            }

            /// The item at `index`, exactly as `get(index)`: the name of
            /// `Array.prototype.at`, so that a ring reads like an array (`ring.at(-1)`
            /// is the newest item).
            #[wasm_bindgen(unchecked_return_type = $maybe_ts)]
            pub fn at(
                &self,
                #[wasm_bindgen(unchecked_param_type = "number")] index: &wasm_bindgen::JsValue,
            ) -> Result<wasm_bindgen::JsValue, wasm_bindgen::JsValue> {
                self.shared
                    .item_at(index, concat!(stringify!($class), ".at"))
            }

            /// The items, oldest → newest, as a plain `Array` for `JSON.stringify`
            /// (which calls `toJSON`): `JSON.stringify(ring)` writes the contents.
            #[wasm_bindgen(js_name = toJSON, unchecked_return_type = $json_ts)]
            pub fn to_json(&self) -> Result<wasm_bindgen::JsValue, wasm_bindgen::JsValue> {
                let ring = self.shared.ring(concat!(stringify!($class), ".toJSON"))?;
                Ok($crate::ring::JsRing::json_js(&*ring))
            }

            /// An iterator over a snapshot of the items, oldest → newest: `for (const x
            /// of ring)` and `[...ring]`.
            #[wasm_bindgen(js_name = "[Symbol.iterator]", unchecked_return_type = $iterator_ts)]
            pub fn iterator(&self) -> Result<js_sys::Iterator, wasm_bindgen::JsValue> {
                let ring = self
                    .shared
                    .ring(concat!(stringify!($class), "[Symbol.iterator]"))?;
                let snapshot: js_sys::Array = mmring_core::Ring::iter(&*ring)
                    .map(<$ring as $crate::ring::JsRing>::view_to_js)
                    .collect();
                Ok(snapshot.values())
            }

            /// A promise of the oldest item: resolved at once if the ring holds one,
            /// otherwise by the next insert (each item goes to exactly one waiter, in
            /// the order they called). Resolves with `undefined` once the ring is closed
            /// and empty.
            #[wasm_bindgen(unchecked_return_type = $promise_ts)]
            pub fn aconsume(&self) -> js_sys::Promise {
                $crate::waiters::aconsume(&*self.shared, concat!(stringify!($class), ".aconsume"))
            }

            /// An async iterator over the items as they arrive, for `for await`. It
            /// ends when the ring is closed and empty; `break` ends only the loop.
            #[wasm_bindgen(js_name = aconsumeIterable, unchecked_return_type = $async_iterator_ts)]
            pub fn aconsume_iterable(&self) -> $crate::waiters::AsyncRingIterator {
                $crate::waiters::iterable(self.shared.clone())
            }

            /// Closes the ring for waiting: pending `aconsume()` promises resolve with
            /// `undefined` and async iterators end. Items still held stay consumable,
            /// and inserts still work.
            pub fn close(&self) {
                self.shared.waiters.close();
            }

            /// Whether `close()` was called.
            #[wasm_bindgen(getter)]
            pub fn closed(&self) -> bool {
                self.shared.waiters.is_closed()
            }
        }
    };
}

pub(crate) use ring_methods;
