//! [`SharedRingBuffer`]: a thread-safe handle to any ring, with async and blocking
//! consumers.
//!
//! # Protocol
//! The ring and a count of registered waiters live under one mutex. A consumer first
//! tries to take an item; only when the ring is empty (and open) does it register a
//! listener on an [`event_listener::Event`], still under the lock, and wait. A producer
//! inserts under the lock and, if the ring grew while someone waits, notifies one
//! *additional* listener after unlocking. Because registering and inserting are
//! serialised by the mutex, a waiter either sees the item or is registered before the
//! producer looks at the count: no wake-up is lost. Consumers that find items never
//! touch the event, and producers with nobody waiting pay one comparison.
//!
//! A listener that is notified and then dropped (a cancelled `aconsume`) passes its
//! notification on to another listener, so cancellation loses no item. `close` marks
//! the ring closed under the lock and wakes everyone; waiters then drain what is left
//! and get `None`. The protocol is checked by a loom model (`tests/loom_shared.rs`).

use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};
#[cfg(not(target_family = "wasm"))]
use std::time::{Duration, Instant};

use event_listener::{Event, EventListener, IntoNotification as _};
use futures_core::Stream;

// parking_lot's lock: one compare-and-swap uncontended; contended, it spins with
// backoff before it parks, so two threads trading the lock every few tens of
// nanoseconds rarely pay a system call (std's parks after a short spin, and every
// unlock after that wakes it with one).
#[cfg(not(loom))]
use parking_lot::{Mutex, MutexGuard};
#[cfg(not(loom))]
use std::sync::{
    Arc,
    atomic::{AtomicUsize, Ordering::*},
};

#[cfg(loom)]
use loom::sync::{
    Arc, Mutex, MutexGuard,
    atomic::{AtomicUsize, Ordering::*},
};

use crate::{
    Bytes, BytesRingBuffer, BytesRingBufferFast, FastError, Fifo, GenericRingBuffer, Numeric,
    NumericRingBuffer, Ring,
};

/// Looks at the ring before a blocking consume goes to sleep.
#[cfg(not(target_family = "wasm"))]
const SPINS_BEFORE_SLEEP: u32 = if cfg!(loom) { 0 } else { 64 };

/// A `Clone + Send + Sync` handle to a ring shared by threads and async tasks.
///
/// Every method takes `&self` and returns owned values (clones, copies, [`Bytes`]),
/// never references into the ring; [`with`](Self::with) gives short locked access for
/// anything else. Consumers can wait: [`aconsume`](Self::aconsume) and
/// [`aconsume_iterable`](Self::aconsume_iterable) in any async runtime,
/// [`consume_blocking`](Self::consume_blocking) on a thread. Each item goes to exactly
/// one consumer. [`close`](Self::close) wakes every waiter; waiting on a closed, empty
/// ring gives `None`.
///
/// ```
/// use mmring_core::GenericRingBuffer;
/// use std::time::Duration;
///
/// let ticks = GenericRingBuffer::new(1024)?.into_shared();
/// let producer = ticks.clone();
/// let feed = std::thread::spawn(move || {
///     for px in [101.5, 101.75] {
///         producer.insert(px);
///     }
///     producer.close();
/// });
/// let mut seen = Vec::new();
/// while let Some(px) = ticks.consume_blocking(Duration::from_secs(5)) {
///     seen.push(px);
/// }
/// feed.join().unwrap();
/// assert_eq!(seen, [101.5, 101.75]);
/// # Ok::<(), mmring_core::CapacityError>(())
/// ```
pub struct SharedRingBuffer<R> {
    inner: Arc<Inner<R>>,
}

/// Laid out so that what every operation writes shares one cache line: the length,
/// the lock, and (for a ring of a few words, such as `GenericRingBuffer`) the ring's
/// own positions, which follow the lock. The rest comes after.
#[repr(C, align(64))]
struct Inner<R> {
    /// The ring's length, stored by every holder of the lock just before it unlocks:
    /// a poll that would find the ring empty (or a lossless insert that would find it
    /// full) answers from it without taking the lock, so a polling thread does not
    /// fight the one doing the work for the lock.
    len: AtomicUsize,
    state: Mutex<State<R>>,
    /// The ring's capacity (it never changes).
    capacity: usize,
    /// Notified once per item that arrives while consumers wait, and for everyone on
    /// close.
    items: Event,
}

#[repr(C)]
struct State<R> {
    /// First, right after the lock (see [`Inner`]).
    ring: R,
    /// Consumers registered on `items` and not yet done waiting.
    waiting: usize,
    closed: bool,
}

/// What a consumer found under the lock.
enum Step<T> {
    Item(T),
    Closed,
    /// Empty and open: a listener was registered (and counted) under the lock.
    Wait(EventListener),
}

impl<R> Clone for SharedRingBuffer<R> {
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<R: Fifo> SharedRingBuffer<R> {
    /// Shares `ring`; same as `ring.into_shared()`.
    ///
    /// ```
    /// use mmring_core::{GenericRingBuffer, SharedRingBuffer};
    ///
    /// let ring = SharedRingBuffer::new(GenericRingBuffer::<u32>::new(8)?);
    /// assert_eq!(ring.capacity(), 8);
    /// # Ok::<(), mmring_core::CapacityError>(())
    /// ```
    pub fn new(ring: R) -> Self {
        Self {
            inner: Arc::new(Inner {
                len: AtomicUsize::new(ring.len()),
                capacity: ring.capacity(),
                state: Mutex::new(State {
                    ring,
                    closed: false,
                    waiting: 0,
                }),
                items: Event::new(),
            }),
        }
    }

    /// Runs `f` with the ring locked and returns its result. Items that `f` inserts
    /// wake waiting consumers. Keep `f` short: every other handle waits for it.
    ///
    /// ```
    /// # use mmring_core::NumericRingBuffer;
    /// let prices = NumericRingBuffer::<f64>::new(8)?.into_shared();
    /// prices.with(|ring| ring.insert_batch(&[1.0, 2.0, 3.0]));
    /// let window = prices.with(|ring| ring.make_contiguous().to_vec());
    /// assert_eq!(window, [1.0, 2.0, 3.0]);
    /// # Ok::<(), mmring_core::CapacityError>(())
    /// ```
    pub fn with<U>(&self, f: impl FnOnce(&mut R) -> U) -> U {
        let state = self.lock();
        let before = state.ring.len();
        let mut producing = Producing {
            shared: self,
            state: Some(state),
            before,
        };
        let Some(state) = producing.state.as_mut() else {
            unreachable!("the lock was stored just above")
        };
        f(&mut state.ring)
        // `producing` unlocks and wakes waiters for what arrived, even if `f` panicked
        // after inserting.
    }

    /// Runs `f` with the ring locked, for reads.
    fn read<U>(&self, f: impl FnOnce(&R) -> U) -> U {
        f(&self.lock().ring)
    }

    /// Removes and returns the oldest item without waiting; `None` when empty.
    ///
    /// ```
    /// # use mmring_core::GenericRingBuffer;
    /// let ring = GenericRingBuffer::new(4)?.into_shared();
    /// assert_eq!(ring.consume(), None);
    /// ring.insert_batch(["a", "b"]);
    /// assert_eq!(ring.consume(), Some("a"));
    /// # Ok::<(), mmring_core::CapacityError>(())
    /// ```
    pub fn consume(&self) -> Option<R::Item> {
        if self.inner.len.load(Acquire) == 0 {
            // Empty when the last holder of the lock unlocked: nothing to take, and
            // no need to take the lock from a producer to learn it.
            return None;
        }
        self.lock().ring.consume()
    }

    /// Removes every item and returns them oldest → newest, under one lock.
    ///
    /// ```
    /// # use mmring_core::NumericRingBuffer;
    /// let ring = NumericRingBuffer::<u8>::new(4)?.into_shared();
    /// ring.insert_batch(&[1, 2, 3]);
    /// assert_eq!(ring.consume_all(), [1, 2, 3]);
    /// assert!(ring.is_empty());
    /// # Ok::<(), mmring_core::CapacityError>(())
    /// ```
    pub fn consume_all(&self) -> Vec<R::Item> {
        self.lock().ring.consume_all()
    }

    /// Waits for the oldest item: resolves as soon as one exists, or with `None` once
    /// the ring is closed and empty. Works in any executor. Cancelling the future
    /// loses no item: a wake-up it received passes to another waiter.
    ///
    /// ```
    /// # use mmring_core::GenericRingBuffer;
    /// let ring = GenericRingBuffer::new(4)?.into_shared();
    /// ring.insert("tick");
    /// let item = futures_executor_block_on(ring.aconsume());
    /// assert_eq!(item, Some("tick"));
    /// # fn futures_executor_block_on<F: std::future::Future>(f: F) -> F::Output {
    /// #     use std::task::{Context, Poll, Waker};
    /// #     let mut f = std::pin::pin!(f);
    /// #     loop {
    /// #         if let Poll::Ready(v) = f.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
    /// #             return v;
    /// #         }
    /// #     }
    /// # }
    /// # Ok::<(), mmring_core::CapacityError>(())
    /// ```
    pub async fn aconsume(&self) -> Option<R::Item> {
        let mut wait = Registration::new(self);
        loop {
            match wait.step() {
                Step::Item(item) => return Some(item),
                Step::Closed => return None,
                Step::Wait(listener) => listener.await,
            }
        }
    }

    /// A stream of items, oldest first, that waits whenever the ring is empty and ends
    /// once the ring is closed and drained. It owns a handle, so it can be moved into a
    /// spawned task.
    ///
    /// ```
    /// # use mmring_core::BytesRingBuffer;
    /// use std::pin::pin;
    /// use std::task::{Context, Poll, Waker};
    /// use futures_core::Stream;
    ///
    /// let ring = BytesRingBuffer::new(4)?.into_shared();
    /// let mut frames = pin!(ring.aconsume_iterable());
    /// let mut poll = || frames.as_mut().poll_next(&mut Context::from_waker(Waker::noop()));
    /// assert!(poll().is_pending(), "empty and open: the stream waits");
    /// ring.insert("tick");
    /// ring.close();
    /// assert!(matches!(poll(), Poll::Ready(Some(frame)) if frame == "tick"));
    /// assert!(matches!(poll(), Poll::Ready(None)), "closed and drained: the end");
    /// # Ok::<(), mmring_core::CapacityError>(())
    /// ```
    pub fn aconsume_iterable(&self) -> Consume<R> {
        Consume {
            shared: self.clone(),
            registered: false,
            listener: None,
        }
    }

    /// Waits on this thread up to `timeout` for the oldest item. `None` when the
    /// timeout passes, or once the ring is closed and empty.
    /// `Duration::MAX` waits without a deadline.
    ///
    /// Not available on `wasm32`, where the main thread cannot block: use
    /// [`aconsume`](Self::aconsume).
    ///
    /// ```
    /// # use mmring_core::GenericRingBuffer;
    /// use std::time::Duration;
    ///
    /// let ring = GenericRingBuffer::new(4)?.into_shared();
    /// assert_eq!(ring.consume_blocking(Duration::from_millis(1)), None, "timed out");
    /// let producer = ring.clone();
    /// std::thread::spawn(move || producer.insert(7));
    /// assert_eq!(ring.consume_blocking(Duration::MAX), Some(7));
    /// # Ok::<(), mmring_core::CapacityError>(())
    /// ```
    #[cfg(not(target_family = "wasm"))]
    pub fn consume_blocking(&self, timeout: Duration) -> Option<R::Item> {
        use event_listener::Listener as _;
        // A producer that is running usually inserts within a microsecond: look a few
        // times before paying for a sleep and a wake-up.
        for _ in 0..SPINS_BEFORE_SLEEP {
            if let Some(item) = self.consume() {
                return Some(item);
            }
            core::hint::spin_loop();
        }
        let deadline = Instant::now().checked_add(timeout);
        let mut wait = Registration::new(self);
        loop {
            match wait.step() {
                Step::Item(item) => return Some(item),
                Step::Closed => return None,
                Step::Wait(listener) => match deadline {
                    None => listener.wait(),
                    Some(deadline) => {
                        if listener.wait_deadline(deadline).is_none() {
                            // Timed out; an item may have arrived just now.
                            drop(wait);
                            return self.consume();
                        }
                    }
                },
            }
        }
    }

    /// Closes the ring for waiting: wakes every waiter, and from now on waiting on an
    /// empty ring returns `None` at once. Items still held (and items inserted later)
    /// can still be consumed. Idempotent.
    ///
    /// ```
    /// # use mmring_core::GenericRingBuffer;
    /// use std::time::Duration;
    ///
    /// let ring = GenericRingBuffer::new(4)?.into_shared();
    /// ring.insert("last");
    /// ring.close();
    /// assert!(ring.is_closed());
    /// assert_eq!(ring.consume_blocking(Duration::MAX), Some("last"));
    /// assert_eq!(ring.consume_blocking(Duration::MAX), None, "closed and empty: no wait");
    /// # Ok::<(), mmring_core::CapacityError>(())
    /// ```
    pub fn close(&self) {
        self.lock().closed = true;
        self.inner.items.notify(usize::MAX);
    }

    /// Whether [`close`](Self::close) was called.
    ///
    /// ```
    /// # use mmring_core::GenericRingBuffer;
    /// let ring = GenericRingBuffer::<u8>::new(4)?.into_shared();
    /// assert!(!ring.is_closed());
    /// ring.clone().close();
    /// assert!(ring.is_closed());
    /// # Ok::<(), mmring_core::CapacityError>(())
    /// ```
    pub fn is_closed(&self) -> bool {
        self.lock().closed
    }

    /// Number of items held. Another handle may change it at any time: it is a
    /// snapshot.
    ///
    /// ```
    /// # use mmring_core::GenericRingBuffer;
    /// let ring = GenericRingBuffer::new(2)?.into_shared();
    /// ring.insert_batch([1, 2, 3]);
    /// assert_eq!(ring.len(), 2);
    /// # Ok::<(), mmring_core::CapacityError>(())
    /// ```
    pub fn len(&self) -> usize {
        self.read(R::len)
    }

    /// Whether the ring holds no items (a snapshot, like [`len`](Self::len)).
    ///
    /// ```
    /// # use mmring_core::GenericRingBuffer;
    /// let ring = GenericRingBuffer::new(2)?.into_shared();
    /// assert!(ring.is_empty());
    /// ring.insert(1);
    /// assert!(!ring.is_empty());
    /// # Ok::<(), mmring_core::CapacityError>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.read(R::is_empty)
    }

    /// Whether the next insert will evict the oldest item (a snapshot, like
    /// [`len`](Self::len)).
    ///
    /// ```
    /// # use mmring_core::GenericRingBuffer;
    /// let ring = GenericRingBuffer::new(2)?.into_shared();
    /// ring.insert_batch([1, 2]);
    /// assert!(ring.is_full());
    /// # Ok::<(), mmring_core::CapacityError>(())
    /// ```
    pub fn is_full(&self) -> bool {
        self.read(R::is_full)
    }

    /// Maximum number of items held: the requested capacity rounded up to a power of
    /// two.
    ///
    /// ```
    /// # use mmring_core::BytesRingBufferFast;
    /// assert_eq!(BytesRingBufferFast::new(100)?.into_shared().capacity(), 128);
    /// # Ok::<(), mmring_core::CapacityError>(())
    /// ```
    pub fn capacity(&self) -> usize {
        self.read(R::capacity)
    }

    /// How many items inserts have evicted since the ring was created.
    ///
    /// ```
    /// # use mmring_core::GenericRingBuffer;
    /// let ring = GenericRingBuffer::new(2)?.into_shared();
    /// ring.insert_batch([1, 2, 3, 4, 5]);
    /// assert_eq!(ring.overwritten(), 3);
    /// # Ok::<(), mmring_core::CapacityError>(())
    /// ```
    pub fn overwritten(&self) -> u64 {
        self.read(R::overwritten)
    }

    /// Drops every item; the capacity and the [`overwritten`](Self::overwritten) count
    /// are kept.
    ///
    /// ```
    /// # use mmring_core::GenericRingBuffer;
    /// let ring = GenericRingBuffer::new(2)?.into_shared();
    /// ring.insert_batch([1, 2, 3]);
    /// ring.clear();
    /// assert_eq!((ring.len(), ring.overwritten()), (0, 1));
    /// # Ok::<(), mmring_core::CapacityError>(())
    /// ```
    pub fn clear(&self) {
        self.lock().ring.clear();
    }

    /// One step of a consumer, under one lock: a consumer that was `registered` is
    /// counted out, then it takes an item, or learns the ring is closed, or registers
    /// a listener (and is counted in again).
    fn step(&self, registered: &mut bool) -> Step<R::Item> {
        let mut state = self.lock();
        if core::mem::take(registered) {
            state.waiting -= 1;
        }
        if let Some(item) = state.ring.consume() {
            return Step::Item(item);
        }
        if state.closed {
            return Step::Closed;
        }
        state.waiting += 1;
        *registered = true;
        Step::Wait(self.inner.items.listen())
    }

    /// A consumer with the classic lost wake-up, for the loom model to catch: it checks
    /// the ring, releases the lock, and only then registers, so an insert in between
    /// sees nobody waiting and notifies nobody. Never use it.
    #[cfg(loom)]
    #[doc(hidden)]
    pub fn consume_blocking_check_then_listen(&self) -> Option<R::Item> {
        use event_listener::Listener as _;
        loop {
            {
                let mut state = self.lock();
                if let Some(item) = state.ring.consume() {
                    return Some(item);
                }
                if state.closed {
                    return None;
                }
            }
            let listener = {
                let mut state = self.lock();
                state.waiting += 1;
                self.inner.items.listen()
            };
            listener.wait();
            self.lock().waiting -= 1;
        }
    }

    /// Counts out a consumer that stops waiting without another [`step`](Self::step).
    fn unregister(&self, registered: bool) {
        if registered {
            self.lock().waiting -= 1;
        }
    }

    /// `insert(ring, item)` unless the ring is full: then `Err(item)`, and when the
    /// length stored at the last unlock already says full, without locking.
    fn insert_unless_full<T>(
        &self,
        item: T,
        insert: impl FnOnce(&mut R, T) -> Option<T>,
    ) -> Result<(), T> {
        if self.inner.len.load(Acquire) >= self.inner.capacity {
            return Err(item);
        }
        self.with(|ring| {
            if ring.is_full() {
                return Err(item);
            }
            let evicted = insert(ring, item);
            debug_assert!(evicted.is_none(), "a ring with room evicted an item");
            Ok(())
        })
    }

    fn lock(&self) -> Locked<'_, R> {
        // A panic while locked (in a user's `with` closure or an item's `Clone`) leaves
        // the ring consistent: every ring operation either completes or changes
        // nothing, so the lock carries no poison (parking_lot's has none; loom's is
        // cleared).
        #[cfg(not(loom))]
        let guard = self.inner.state.lock();
        #[cfg(loom)]
        let guard = self
            .inner
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        Locked {
            guard,
            len: &self.inner.len,
        }
    }
}

/// Reads in place, returned as owned values: a reference into the ring cannot outlive
/// the lock.
impl<R: Ring> SharedRingBuffer<R> {
    /// A copy of the oldest item (a clone, a copy, a cheap [`Bytes`] clone, a `Vec`);
    /// `None` when empty.
    ///
    /// ```
    /// # use mmring_core::GenericRingBuffer;
    /// let ring = GenericRingBuffer::new(4)?.into_shared();
    /// assert_eq!(ring.peekleft(), None);
    /// ring.insert_batch([String::from("a"), String::from("b")]);
    /// assert_eq!(ring.peekleft().as_deref(), Some("a"));
    /// # Ok::<(), mmring_core::CapacityError>(())
    /// ```
    pub fn peekleft(&self) -> Option<R::Item>
    where
        R::Item: Clone,
    {
        self.read(|ring| ring.peekleft().map(R::to_item))
    }

    /// A copy of the newest item; `None` when empty.
    ///
    /// ```
    /// # use mmring_core::BytesRingBufferFast;
    /// let ring = BytesRingBufferFast::new(4)?.into_shared();
    /// ring.insert_batch(&[b"a", b"b"])?;
    /// assert_eq!(ring.peekright(), Some(b"b".to_vec()));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn peekright(&self) -> Option<R::Item>
    where
        R::Item: Clone,
    {
        self.read(|ring| ring.peekright().map(R::to_item))
    }

    /// A copy of the item at `index` (0 = oldest); `None` past the newest.
    ///
    /// ```
    /// # use mmring_core::NumericRingBuffer;
    /// let ring = NumericRingBuffer::<f64>::new(4)?.into_shared();
    /// ring.insert_batch(&[1.5, 2.5]);
    /// assert_eq!((ring.get(1), ring.get(2)), (Some(2.5), None));
    /// # Ok::<(), mmring_core::CapacityError>(())
    /// ```
    pub fn get(&self, index: usize) -> Option<R::Item>
    where
        R::Item: Clone,
    {
        self.read(|ring| ring.get(index).map(R::to_item))
    }

    /// A copy of the item at a signed index (−1 = newest); `None` outside
    /// `-len()..len()`.
    ///
    /// ```
    /// # use mmring_core::NumericRingBuffer;
    /// let ring = NumericRingBuffer::<i64>::new(4)?.into_shared();
    /// ring.insert_batch(&[1, 2, 3]);
    /// assert_eq!((ring.get_signed(-1), ring.get_signed(-4)), (Some(3), None));
    /// # Ok::<(), mmring_core::CapacityError>(())
    /// ```
    pub fn get_signed(&self, index: isize) -> Option<R::Item>
    where
        R::Item: Clone,
    {
        self.read(|ring| ring.get_signed(index).map(R::to_item))
    }

    /// Copies of every item, oldest → newest, under one lock.
    ///
    /// ```
    /// # use mmring_core::BytesRingBuffer;
    /// let ring = BytesRingBuffer::new(2)?.into_shared();
    /// ring.insert_batch(["a", "b", "c"]);
    /// assert_eq!(ring.unwrapped(), ["b", "c"]);
    /// # Ok::<(), mmring_core::CapacityError>(())
    /// ```
    pub fn unwrapped(&self) -> Vec<R::Item>
    where
        R::Item: Clone,
    {
        self.read(R::unwrapped)
    }

    /// Whether some item equals `item` (see [`Ring::contains`]: `&T` for a
    /// [`GenericRingBuffer`], a value for a [`NumericRingBuffer`], `&[u8]` for the byte
    /// rings).
    ///
    /// ```
    /// # use mmring_core::BytesRingBuffer;
    /// let ring = BytesRingBuffer::builder(4).only_insert_unique(true).build()?.into_shared();
    /// ring.insert("tick");
    /// assert!(ring.contains(b"tick"));
    /// assert!(!ring.contains(b"tock"));
    /// # Ok::<(), mmring_core::CapacityError>(())
    /// ```
    pub fn contains(&self, item: R::Needle<'_>) -> bool
    where
        R::Item: PartialEq,
    {
        self.read(|ring| ring.contains(item))
    }
}

/// Inserts of a [`GenericRingBuffer`]: each wakes a waiting consumer.
impl<T> SharedRingBuffer<GenericRingBuffer<T>> {
    /// Appends `item`, waking a waiting consumer; when full, returns the evicted oldest.
    ///
    /// ```
    /// # use mmring_core::GenericRingBuffer;
    /// let ring = GenericRingBuffer::new(1)?.into_shared();
    /// assert_eq!(ring.insert("a"), None);
    /// assert_eq!(ring.insert("b"), Some("a"));
    /// # Ok::<(), mmring_core::CapacityError>(())
    /// ```
    pub fn insert(&self, item: T) -> Option<T> {
        self.with(|ring| ring.insert(item))
    }

    /// Appends `item` only if the ring is not full (nothing is evicted), waking a
    /// waiting consumer; `Err(item)` when full. The lossless insert: retry it, or
    /// wait, while it refuses. A full ring is answered without taking the lock.
    ///
    /// ```
    /// # use mmring_core::GenericRingBuffer;
    /// let ring = GenericRingBuffer::new(1)?.into_shared();
    /// assert_eq!(ring.try_insert("a"), Ok(()));
    /// assert_eq!(ring.try_insert("b"), Err("b"));
    /// assert_eq!(ring.consume(), Some("a"));
    /// # Ok::<(), mmring_core::CapacityError>(())
    /// ```
    pub fn try_insert(&self, item: T) -> Result<(), T> {
        self.insert_unless_full(item, GenericRingBuffer::insert)
    }

    /// Inserts every item in order (see [`GenericRingBuffer::insert_batch`]) under one
    /// lock, waking one waiting consumer per item.
    ///
    /// ```
    /// # use mmring_core::GenericRingBuffer;
    /// let ring = GenericRingBuffer::new(2)?.into_shared();
    /// ring.insert_batch(1..=5);
    /// assert_eq!(ring.unwrapped(), [4, 5]);
    /// # Ok::<(), mmring_core::CapacityError>(())
    /// ```
    pub fn insert_batch(&self, items: impl IntoIterator<Item = T>) {
        self.with(|ring| ring.insert_batch(items));
    }

    /// Replaces the newest item and returns it; `Err(item)` when empty.
    ///
    /// ```
    /// # use mmring_core::GenericRingBuffer;
    /// let ring = GenericRingBuffer::new(2)?.into_shared();
    /// assert_eq!(ring.overwrite_latest(1), Err(1));
    /// ring.insert(1);
    /// assert_eq!(ring.overwrite_latest(2), Ok(1));
    /// # Ok::<(), mmring_core::CapacityError>(())
    /// ```
    pub fn overwrite_latest(&self, item: T) -> Result<T, T> {
        self.with(|ring| ring.overwrite_latest(item))
    }
}

/// Inserts and window statistics of a [`NumericRingBuffer`].
impl<T: Numeric> SharedRingBuffer<NumericRingBuffer<T>> {
    /// Appends `value`, waking a waiting consumer; when full, returns the evicted oldest.
    ///
    /// ```
    /// # use mmring_core::NumericRingBuffer;
    /// let ring = NumericRingBuffer::<u8>::new(1)?.into_shared();
    /// assert_eq!(ring.insert(1), None);
    /// assert_eq!(ring.insert(2), Some(1));
    /// # Ok::<(), mmring_core::CapacityError>(())
    /// ```
    pub fn insert(&self, value: T) -> Option<T> {
        self.with(|ring| ring.insert(value))
    }

    /// Appends `value` only if the ring is not full (nothing is evicted), waking a
    /// waiting consumer; `Err(value)` when full. A full ring is answered without
    /// taking the lock.
    ///
    /// ```
    /// # use mmring_core::NumericRingBuffer;
    /// let ring = NumericRingBuffer::<u8>::new(1)?.into_shared();
    /// assert_eq!(ring.try_insert(1), Ok(()));
    /// assert_eq!(ring.try_insert(2), Err(2));
    /// # Ok::<(), mmring_core::CapacityError>(())
    /// ```
    pub fn try_insert(&self, value: T) -> Result<(), T> {
        self.insert_unless_full(value, NumericRingBuffer::insert)
    }

    /// Appends a slice with at most two `memcpy`s, under one lock.
    ///
    /// ```
    /// # use mmring_core::NumericRingBuffer;
    /// let ring = NumericRingBuffer::<f32>::new(2)?.into_shared();
    /// ring.insert_batch(&[1.0, 2.0, 3.0]);
    /// assert_eq!(ring.unwrapped(), [2.0, 3.0]);
    /// # Ok::<(), mmring_core::CapacityError>(())
    /// ```
    pub fn insert_batch(&self, values: &[T]) {
        self.with(|ring| ring.insert_batch(values));
    }

    /// Replaces the newest value and returns it; `Err(value)` when empty.
    ///
    /// ```
    /// # use mmring_core::NumericRingBuffer;
    /// let ring = NumericRingBuffer::<i32>::new(2)?.into_shared();
    /// assert_eq!(ring.overwrite_latest(1), Err(1));
    /// ring.insert(1);
    /// assert_eq!(ring.overwrite_latest(2), Ok(1));
    /// # Ok::<(), mmring_core::CapacityError>(())
    /// ```
    pub fn overwrite_latest(&self, value: T) -> Result<T, T> {
        self.with(|ring| ring.overwrite_latest(value))
    }

    /// Sum of the window in `f64`; `None` when empty.
    ///
    /// ```
    /// # use mmring_core::NumericRingBuffer;
    /// let ring = NumericRingBuffer::<u8>::new(4)?.into_shared();
    /// assert_eq!(ring.sum(), None);
    /// ring.insert_batch(&[200, 100]);
    /// assert_eq!(ring.sum(), Some(300.0));
    /// # Ok::<(), mmring_core::CapacityError>(())
    /// ```
    pub fn sum(&self) -> Option<f64> {
        self.read(NumericRingBuffer::sum)
    }

    /// Mean of the window in `f64`; `None` when empty.
    ///
    /// ```
    /// # use mmring_core::NumericRingBuffer;
    /// let ring = NumericRingBuffer::<i32>::new(4)?.into_shared();
    /// ring.insert_batch(&[1, 2]);
    /// assert_eq!(ring.mean(), Some(1.5));
    /// # Ok::<(), mmring_core::CapacityError>(())
    /// ```
    pub fn mean(&self) -> Option<f64> {
        self.read(NumericRingBuffer::mean)
    }

    /// Smallest value (NaN skipped); `None` when empty.
    ///
    /// ```
    /// # use mmring_core::NumericRingBuffer;
    /// let ring = NumericRingBuffer::<f64>::new(4)?.into_shared();
    /// ring.insert_batch(&[2.0, f64::NAN, -1.0]);
    /// assert_eq!(ring.min(), Some(-1.0));
    /// # Ok::<(), mmring_core::CapacityError>(())
    /// ```
    pub fn min(&self) -> Option<T> {
        self.read(NumericRingBuffer::min)
    }

    /// Largest value (NaN skipped); `None` when empty.
    ///
    /// ```
    /// # use mmring_core::NumericRingBuffer;
    /// let ring = NumericRingBuffer::<f64>::new(4)?.into_shared();
    /// ring.insert_batch(&[2.0, f64::NAN, -1.0]);
    /// assert_eq!(ring.max(), Some(2.0));
    /// # Ok::<(), mmring_core::CapacityError>(())
    /// ```
    pub fn max(&self) -> Option<T> {
        self.read(NumericRingBuffer::max)
    }
}

/// Inserts of a [`BytesRingBuffer`].
impl SharedRingBuffer<BytesRingBuffer> {
    /// Appends a message, waking a waiting consumer; `false` when skipped as a duplicate.
    ///
    /// ```
    /// # use mmring_core::BytesRingBuffer;
    /// let ring = BytesRingBuffer::builder(4).only_insert_unique(true).build()?.into_shared();
    /// assert!(ring.insert("tick"));
    /// assert!(!ring.insert("tick"));
    /// # Ok::<(), mmring_core::CapacityError>(())
    /// ```
    pub fn insert(&self, item: impl Into<Bytes>) -> bool {
        self.with(|ring| ring.insert(item))
    }

    /// Inserts every message in order (see [`BytesRingBuffer::insert_batch`]) under one
    /// lock.
    ///
    /// ```
    /// # use mmring_core::BytesRingBuffer;
    /// let ring = BytesRingBuffer::new(4)?.into_shared();
    /// ring.insert_batch(["a", "b"]);
    /// assert_eq!(ring.len(), 2);
    /// # Ok::<(), mmring_core::CapacityError>(())
    /// ```
    pub fn insert_batch(&self, items: impl IntoIterator<Item = impl Into<Bytes>>) {
        self.with(|ring| ring.insert_batch(items));
    }

    /// Replaces the newest message (see [`BytesRingBuffer::overwrite_latest`]).
    ///
    /// ```
    /// # use mmring_core::{Bytes, BytesRingBuffer};
    /// let ring = BytesRingBuffer::new(4)?.into_shared();
    /// assert_eq!(ring.overwrite_latest("a"), Err(Bytes::from("a")));
    /// ring.insert("a");
    /// assert_eq!(ring.overwrite_latest("b"), Ok(Bytes::from("a")));
    /// # Ok::<(), mmring_core::CapacityError>(())
    /// ```
    pub fn overwrite_latest(&self, item: impl Into<Bytes>) -> Result<Bytes, Bytes> {
        self.with(|ring| ring.overwrite_latest(item))
    }
}

/// Inserts of a [`BytesRingBufferFast`], and its consume into a reused buffer.
impl SharedRingBuffer<BytesRingBufferFast> {
    /// Copies a message into the next slot, waking a waiting consumer.
    ///
    /// # Errors
    /// [`FastError::Oversize`] when it does not fit a slot.
    ///
    /// ```
    /// # use mmring_core::{BytesRingBufferFast, FastError};
    /// let ring = BytesRingBufferFast::builder(4).expected_item_size(4).buffer_percent(0.0).build()?.into_shared();
    /// ring.insert(b"abcd")?;
    /// assert_eq!(ring.insert(b"abcde"), Err(FastError::Oversize { len: 5, slot: 4 }));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn insert(&self, item: &[u8]) -> Result<(), FastError> {
        self.with(|ring| ring.insert(item))
    }

    /// Inserts every message, all or nothing (see
    /// [`BytesRingBufferFast::insert_batch`]), under one lock.
    ///
    /// # Errors
    /// [`FastError::Oversize`] for the first message that does not fit a slot.
    ///
    /// ```
    /// # use mmring_core::BytesRingBufferFast;
    /// let ring = BytesRingBufferFast::new(4)?.into_shared();
    /// ring.insert_batch(&[b"a", b"b"])?;
    /// assert!(ring.insert_batch(&[b"c", &[0; 300]]).is_err());
    /// assert_eq!(ring.len(), 2, "all or nothing");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn insert_batch(&self, items: &[&[u8]]) -> Result<(), FastError> {
        self.with(|ring| ring.insert_batch(items))
    }

    /// Replaces the newest message (see [`BytesRingBufferFast::overwrite_latest`]).
    ///
    /// # Errors
    /// As [`BytesRingBufferFast::overwrite_latest`].
    ///
    /// ```
    /// # use mmring_core::{BytesRingBufferFast, FastError};
    /// let ring = BytesRingBufferFast::new(4)?.into_shared();
    /// assert_eq!(ring.overwrite_latest(b"x"), Err(FastError::Empty));
    /// ring.insert(b"x")?;
    /// ring.overwrite_latest(b"y")?;
    /// assert_eq!(ring.peekright(), Some(b"y".to_vec()));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn overwrite_latest(&self, item: &[u8]) -> Result<(), FastError> {
        self.with(|ring| ring.overwrite_latest(item))
    }

    /// Removes the oldest message into `out` without waiting (see
    /// [`BytesRingBufferFast::consume_into`]); `false`, and `out` untouched, when empty.
    ///
    /// ```
    /// # use mmring_core::BytesRingBufferFast;
    /// let ring = BytesRingBufferFast::new(4)?.into_shared();
    /// let mut out = Vec::with_capacity(256);
    /// assert!(!ring.consume_into(&mut out));
    /// ring.insert(b"tick")?;
    /// assert!(ring.consume_into(&mut out));
    /// assert_eq!(out, b"tick");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn consume_into(&self, out: &mut Vec<u8>) -> bool {
        self.lock().ring.consume_into(out)
    }
}

/// The ring locked: on drop (a return or a panic) it stores the ring's length for
/// the lock-free checks, then unlocks.
struct Locked<'a, R: Fifo> {
    guard: MutexGuard<'a, State<R>>,
    len: &'a AtomicUsize,
}

impl<R: Fifo> core::ops::Deref for Locked<'_, R> {
    type Target = State<R>;

    fn deref(&self) -> &State<R> {
        &self.guard
    }
}

impl<R: Fifo> core::ops::DerefMut for Locked<'_, R> {
    fn deref_mut(&mut self) -> &mut State<R> {
        &mut self.guard
    }
}

impl<R: Fifo> Drop for Locked<'_, R> {
    fn drop(&mut self) {
        // Release: whoever reads this length without the lock sees the ring as it is
        // now (in particular the items it counts).
        self.len.store(self.guard.ring.len(), Release);
    }
}

/// The lock held by [`SharedRingBuffer::with`]; on drop (a return or a panic) it
/// unlocks, then wakes one waiter per item that arrived.
struct Producing<'a, R: Fifo> {
    shared: &'a SharedRingBuffer<R>,
    /// Present until dropped.
    state: Option<Locked<'a, R>>,
    /// Items held when the lock was taken.
    before: usize,
}

impl<R: Fifo> Drop for Producing<'_, R> {
    fn drop(&mut self) {
        let Some(state) = self.state.take() else {
            return;
        };
        let arrived = state.ring.len().saturating_sub(self.before);
        let wake = if state.waiting > 0 { arrived } else { 0 };
        drop(state);
        if wake > 0 {
            self.shared.inner.items.notify(wake.additional());
        }
    }
}

/// A borrowing consumer's registration; counts itself out when dropped mid-wait (a
/// cancelled future or a timeout).
struct Registration<'a, R: Fifo> {
    shared: &'a SharedRingBuffer<R>,
    registered: bool,
}

impl<'a, R: Fifo> Registration<'a, R> {
    fn new(shared: &'a SharedRingBuffer<R>) -> Self {
        Self {
            shared,
            registered: false,
        }
    }

    fn step(&mut self) -> Step<R::Item> {
        self.shared.step(&mut self.registered)
    }
}

impl<R: Fifo> Drop for Registration<'_, R> {
    fn drop(&mut self) {
        self.shared.unregister(self.registered);
    }
}

/// The stream of [`SharedRingBuffer::aconsume_iterable`]: yields items oldest first,
/// waits while the ring is empty, ends once it is closed and drained.
#[must_use = "streams do nothing unless polled"]
pub struct Consume<R: Fifo> {
    shared: SharedRingBuffer<R>,
    /// Whether this stream is counted among the ring's waiters.
    registered: bool,
    /// The pending wait, present while `registered`.
    listener: Option<EventListener>,
}

impl<R: Fifo> Stream for Consume<R> {
    type Item = R::Item;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<R::Item>> {
        let this = &mut *self;
        loop {
            if let Some(listener) = &mut this.listener {
                match Pin::new(listener).poll(cx) {
                    Poll::Ready(()) => this.listener = None,
                    Poll::Pending => return Poll::Pending,
                }
            }
            match this.shared.step(&mut this.registered) {
                Step::Item(item) => return Poll::Ready(Some(item)),
                Step::Closed => return Poll::Ready(None),
                Step::Wait(listener) => this.listener = Some(listener),
            }
        }
    }
}

impl<R: Fifo> Drop for Consume<R> {
    fn drop(&mut self) {
        self.shared.unregister(self.registered);
    }
}

impl<R: Fifo> fmt::Debug for Consume<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Consume")
            .field("waiting", &self.listener.is_some())
            .finish_non_exhaustive()
    }
}

impl<R: Fifo> fmt::Debug for SharedRingBuffer<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.lock();
        f.debug_struct("SharedRingBuffer")
            .field("len", &state.ring.len())
            .field("capacity", &state.ring.capacity())
            .field("closed", &state.closed)
            .field("waiting", &state.waiting)
            .finish()
    }
}
