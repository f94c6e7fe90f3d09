//! Waiting for items: `aconsume()`, `aconsumeIterable()` and `close()`.
//!
//! JavaScript runs one thread, so waiting needs no lock: a ring keeps a FIFO queue of
//! the resolve functions of pending promises. `aconsume()` on a ring with items
//! resolves at once with the oldest; on an empty, open ring it queues its resolver. An
//! insert that finds the queue non-empty hands its item to the oldest waiter instead of
//! storing it, so the queue is only ever non-empty while the ring is empty, each item
//! reaches exactly one waiter, and waiters are served in the order they asked.
//! `close()` resolves every waiter with the end (`undefined`, or `{ done: true }` for an
//! iterator); later waits on the closed, empty ring end at once.
//!
//! The queue's `RefCell` is never held across a call into JavaScript, and a ring's
//! `RefCell` is released before a waiter is resolved (resolving can run user code: a
//! `then` getter), so re-entrant calls find nothing borrowed.

use core::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;

use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;

/// What the async consumers need of a ring, independent of its item type.
pub(crate) trait Source {
    /// Removes the oldest item, if any, as a JS value.
    fn take(&self, context: &str) -> Result<Option<JsValue>, JsValue>;
    /// The ring's waiter queue.
    fn waiters(&self) -> &Waiters;
}

/// Who waits: an `aconsume()` promise (resolved with the item, or `undefined` at the
/// end) or an async iterator (resolved with `{ value, done }`), named so that its
/// `return()` can withdraw its own pending waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Owner {
    /// A promise from `aconsume()`.
    Promise,
    /// A promise from `next()` of the async iterator with this id.
    Iterator(u32),
}

impl Owner {
    /// The value a waiter of this kind resolves with for `item`.
    fn item(self, item: JsValue) -> JsValue {
        match self {
            Owner::Promise => item,
            Owner::Iterator(_) => iterator_result(item, false),
        }
    }

    /// The value a waiter of this kind resolves with when the ring is closed and empty.
    fn end(self) -> JsValue {
        match self {
            Owner::Promise => JsValue::UNDEFINED,
            Owner::Iterator(_) => iterator_result(JsValue::UNDEFINED, true),
        }
    }
}

/// A pending consumer: the resolve function of its promise.
pub(crate) struct Waiter {
    resolve: Function,
    owner: Owner,
}

impl Waiter {
    /// Resolves the waiter's promise with `item`.
    pub(crate) fn deliver(self, item: JsValue) {
        self.settle(self.owner.item(item));
    }

    /// Resolves the waiter's promise with the end of the stream.
    fn end(self) {
        self.settle(self.owner.end());
    }

    fn settle(&self, value: JsValue) {
        // A promise's own resolve function does not throw.
        let _ = self.resolve.call1(&JsValue::UNDEFINED, &value);
    }
}

/// The FIFO queue of pending consumers of one ring, and whether it is closed.
#[derive(Default)]
pub(crate) struct Waiters {
    /// Never borrowed across a call into JavaScript.
    queue: RefCell<VecDeque<Waiter>>,
    closed: Cell<bool>,
    /// The id the next async iterator gets.
    next_iterator: Cell<u32>,
}

impl Waiters {
    /// Whether an insert now would go to a waiter rather than into the ring.
    pub(crate) fn any(&self) -> bool {
        self.queue.try_borrow().is_ok_and(|queue| !queue.is_empty())
    }

    /// How many consumers wait.
    pub(crate) fn count(&self) -> usize {
        self.queue.try_borrow().map_or(0, |queue| queue.len())
    }

    /// Removes up to `n` waiters, oldest first, to receive the next `n` items.
    pub(crate) fn take(&self, n: usize) -> Vec<Waiter> {
        match self.queue.try_borrow_mut() {
            Ok(mut queue) => {
                let n = n.min(queue.len());
                queue.drain(..n).collect()
            }
            Err(_) => Vec::new(),
        }
    }

    /// Removes the oldest waiter.
    pub(crate) fn pop(&self) -> Option<Waiter> {
        self.queue.try_borrow_mut().ok()?.pop_front()
    }

    /// Whether `close()` was called.
    pub(crate) fn is_closed(&self) -> bool {
        self.closed.get()
    }

    /// Closes the ring and ends every pending wait.
    pub(crate) fn close(&self) {
        self.closed.set(true);
        let pending = self.take(usize::MAX);
        for waiter in pending {
            waiter.end();
        }
    }

    /// Withdraws the pending waits of one iterator, ending each.
    fn cancel(&self, owner: Owner) {
        let withdrawn: Vec<Waiter> = match self.queue.try_borrow_mut() {
            Ok(mut queue) => {
                let mut mine = Vec::new();
                for waiter in core::mem::take(&mut *queue) {
                    if waiter.owner == owner {
                        mine.push(waiter);
                    } else {
                        queue.push_back(waiter);
                    }
                }
                mine
            }
            Err(_) => Vec::new(),
        };
        for waiter in withdrawn {
            waiter.end();
        }
    }

    /// A new promise that the next insert (or `close`) resolves.
    fn wait(&self, owner: Owner) -> Promise {
        let mut resolver = None;
        let promise = Promise::new(&mut |resolve, _reject| resolver = Some(resolve));
        if let (Some(resolve), Ok(mut queue)) = (resolver, self.queue.try_borrow_mut()) {
            queue.push_back(Waiter { resolve, owner });
        }
        promise
    }

    fn new_iterator_id(&self) -> u32 {
        let id = self.next_iterator.get();
        self.next_iterator.set(id.wrapping_add(1));
        id
    }
}

/// `aconsume()`: a promise of the oldest item, or of `undefined` once the ring is
/// closed and empty. A re-entrant call rejects instead of throwing.
pub(crate) fn aconsume(source: &dyn Source, context: &str) -> Promise {
    next(source, Owner::Promise, context)
}

/// `aconsumeIterable()`: a new async iterator over the ring's items.
pub(crate) fn iterable(source: Rc<dyn Source>) -> AsyncRingIterator {
    let id = source.waiters().new_iterator_id();
    AsyncRingIterator {
        state: Rc::new(IteratorState {
            source,
            owner: Owner::Iterator(id),
            finished: Cell::new(false),
        }),
    }
}

fn next(source: &dyn Source, owner: Owner, context: &str) -> Promise {
    match source.take(context) {
        Ok(Some(item)) => Promise::resolve(&owner.item(item)),
        Ok(None) if source.waiters().is_closed() => Promise::resolve(&owner.end()),
        Ok(None) => source.waiters().wait(owner),
        Err(err) => Promise::reject(&err),
    }
}

/// `{ value, done }`, the result object of the iterator protocol.
fn iterator_result(value: JsValue, done: bool) -> JsValue {
    let result = Object::new();
    // Defining properties on a fresh plain object cannot fail.
    let _ = Reflect::set(&result, &JsValue::from_str("value"), &value);
    let _ = Reflect::set(
        &result,
        &JsValue::from_str("done"),
        &JsValue::from_bool(done),
    );
    result.into()
}

/// The async iterator of `aconsumeIterable()`: `for await (const item of
/// ring.aconsumeIterable())` waits for each item and ends when the ring is closed and
/// empty. Breaking out of the loop (`return()`) ends this iterator only; the ring stays
/// open, and no item is lost to it.
#[wasm_bindgen]
pub struct AsyncRingIterator {
    state: Rc<IteratorState>,
}

struct IteratorState {
    source: Rc<dyn Source>,
    owner: Owner,
    /// Set by `return()`: every later `next()` reports the end.
    finished: Cell<bool>,
}

#[wasm_bindgen]
impl AsyncRingIterator {
    /// The next item as `{ value, done: false }`, waiting for it if the ring is empty;
    /// `{ value: undefined, done: true }` once the ring is closed and empty or this
    /// iterator was ended with `return()`.
    #[wasm_bindgen(unchecked_return_type = "Promise<IteratorResult<any, undefined>>")]
    pub fn next(&self) -> Promise {
        let state = &self.state;
        if state.finished.get() {
            return Promise::resolve(&state.owner.end());
        }
        next(&*state.source, state.owner, "AsyncRingIterator.next")
    }

    /// Ends this iterator (what `break` in a `for await` loop calls): its pending
    /// `next()` promises resolve as done, and later ones too. The ring is not closed.
    #[wasm_bindgen(
        js_name = "return",
        unchecked_return_type = "Promise<IteratorResult<any, undefined>>"
    )]
    pub fn finish(&self) -> Promise {
        let state = &self.state;
        state.finished.set(true);
        state.source.waiters().cancel(state.owner);
        Promise::resolve(&state.owner.end())
    }

    /// The iterator itself, so that it can be used in `for await`.
    #[wasm_bindgen(js_name = "[Symbol.asyncIterator]")]
    pub fn async_iterator(&self) -> AsyncRingIterator {
        AsyncRingIterator {
            state: Rc::clone(&self.state),
        }
    }
}
