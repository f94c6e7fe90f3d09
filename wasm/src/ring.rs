//! What every ring class shares: the ring behind a `RefCell` next to its waiters, and
//! the methods whose code does not depend on the item type.

use core::cell::{Ref, RefCell, RefMut};
use std::rc::Rc;

use wasm_bindgen::JsValue;

use crate::errors::reentrant_error;
use crate::waiters::{Source, Waiters};

/// The item-independent side of a core ring, as the JS classes use it.
pub(crate) trait JsRing {
    /// Removes the oldest item and returns it as a JS value.
    fn take_js(&mut self) -> Option<JsValue>;
    /// Number of items held.
    fn len(&self) -> usize;
    /// Maximum number of items held.
    fn capacity(&self) -> usize;
    /// Whether the next insert evicts.
    fn is_full(&self) -> bool;
    /// How many items inserts have evicted.
    fn overwritten(&self) -> u64;
    /// Drops every item.
    fn clear(&mut self);
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

    /// The ring, for reading.
    pub(crate) fn ring(&self, context: &str) -> Result<Ref<'_, R>, JsValue> {
        self.ring.try_borrow().map_err(|_| reentrant_error(context))
    }
}

impl<R: JsRing> Source for Shared<R> {
    fn take(&self, context: &str) -> Result<Option<JsValue>, JsValue> {
        Ok(self.ring_mut(context)?.take_js())
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
) -> (Vec<(crate::waiters::Waiter, T)>, Vec<T>) {
    let takers = waiters.take(items.len());
    let rest = items.split_off(takers.len());
    (takers.into_iter().zip(items).collect(), rest)
}

/// The methods every ring class has, generated as one more `#[wasm_bindgen] impl`
/// block of `$class` (which has a field `shared: Rc<Shared<R>>` with `R: JsRing`).
macro_rules! ring_methods {
    ($class:ident, $promise_ts:literal, $iterator_ts:literal) => {
        #[wasm_bindgen::prelude::wasm_bindgen]
        impl $class {
            /// Number of items held.
            #[wasm_bindgen(getter)]
            pub fn length(&self) -> Result<usize, wasm_bindgen::JsValue> {
                let ring = self.shared.ring(concat!(stringify!($class), ".length"))?;
                Ok($crate::ring::JsRing::len(&*ring))
            }

            /// Maximum number of items held: the requested capacity rounded up to a
            /// power of two.
            #[wasm_bindgen(getter)]
            pub fn capacity(&self) -> Result<usize, wasm_bindgen::JsValue> {
                let ring = self.shared.ring(concat!(stringify!($class), ".capacity"))?;
                Ok($crate::ring::JsRing::capacity(&*ring))
            }

            /// How many items inserts have evicted from the full ring so far (a
            /// `number`, exact up to 2^53).
            #[wasm_bindgen(getter)]
            pub fn overwritten(&self) -> Result<f64, wasm_bindgen::JsValue> {
                let ring = self
                    .shared
                    .ring(concat!(stringify!($class), ".overwritten"))?;
                Ok($crate::ring::JsRing::overwritten(&*ring) as f64)
            }

            /// Whether the ring holds no items.
            #[wasm_bindgen(js_name = isEmpty)]
            pub fn is_empty(&self) -> Result<bool, wasm_bindgen::JsValue> {
                let ring = self.shared.ring(concat!(stringify!($class), ".isEmpty"))?;
                Ok($crate::ring::JsRing::len(&*ring) == 0)
            }

            /// Whether the ring is full: the next insert evicts the oldest item.
            #[wasm_bindgen(js_name = isFull)]
            pub fn is_full(&self) -> Result<bool, wasm_bindgen::JsValue> {
                let ring = self.shared.ring(concat!(stringify!($class), ".isFull"))?;
                Ok($crate::ring::JsRing::is_full(&*ring))
            }

            /// Removes every item (the `overwritten` count is kept).
            pub fn clear(&self) -> Result<(), wasm_bindgen::JsValue> {
                let mut ring = self
                    .shared
                    .ring_mut(concat!(stringify!($class), ".clear"))?;
                $crate::ring::JsRing::clear(&mut *ring);
                Ok(())
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
            #[wasm_bindgen(js_name = aconsumeIterable, unchecked_return_type = $iterator_ts)]
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
