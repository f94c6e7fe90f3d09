//! [`Producer`]: the writing half.

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};
#[cfg(not(target_family = "wasm"))]
use std::time::Duration;

use super::channel::{BUSY, Channel, EVICTING};
use super::sync::{Arc, Ordering::*};
use super::{Policy, wait};

/// The writing half of a split ring: one thread inserts, lock-free. `Send`, not
/// `Clone`. Dropping it closes the ring: the consumer drains what is left, then gets
/// `None`.
///
/// | call | when the ring is full |
/// |---|---|
/// | [`insert`](Self::insert) | never waits: under [`Policy::DropOldest`] evicts the oldest item and returns it; under [`Policy::Reject`] returns the item itself |
/// | [`try_insert`](Self::try_insert) | never waits, never evicts: `Err(item)` |
/// | [`insert_blocking`](Self::insert_blocking), [`ainsert`](Self::ainsert) | wait for the consumer to make room (never evict) |
///
/// ```
/// use mmring_core::GenericRingBuffer;
///
/// let (mut tx, mut rx) = GenericRingBuffer::new(2)?.split();
/// let feed = std::thread::spawn(move || {
///     for tick in 0..100 {
///         tx.insert(tick); // DropOldest: a slow consumer never holds the feed up
///     }
/// });
/// feed.join().unwrap();
/// assert_eq!(rx.try_consume(), Some(98)); // only the newest two survived
/// assert_eq!(rx.overwritten(), 98);
/// # Ok::<(), mmring_core::CapacityError>(())
/// ```
#[derive(Debug)]
pub struct Producer<T> {
    channel: Arc<Channel<T>>,
    at: Position,
}

/// The producer's own view of the positions (kept apart from the channel so that a
/// waiting call can borrow both at once).
#[derive(Debug)]
struct Position {
    /// Our position: equals the published `tail` between calls.
    tail: u64,
    /// A consumer position seen earlier; it only grows, so `tail - head_seen` bounds
    /// the items held from above, and the channel is re-read only when that bound says
    /// "full".
    head_seen: u64,
    /// Evictions so far (published to the channel after each).
    overwritten: u64,
    /// Whether the channel's mode has [`EVICTING`] (only we store it).
    evicting: bool,
    /// Visits of the full path in a row that found room without evicting: after
    /// [`CALM`] of them we lower [`EVICTING`] again.
    calm: u32,
}

/// See [`Position::calm`]: about `CALM` ring-fulls of inserts without an eviction.
/// (One under loom, so that the models reach the way back.)
const CALM: u32 = if cfg!(loom) { 1 } else { 8 };

/// What making room for one more item found.
enum Room<T> {
    /// A free slot.
    Free,
    /// Full, and the oldest item was evicted to make room.
    Evicted(T),
    /// Full, and this call may not evict.
    Full,
}

impl<T> Producer<T> {
    pub(super) fn new(channel: Arc<Channel<T>>) -> Self {
        let at = Position {
            tail: channel.tail.0.load(Relaxed),
            head_seen: channel.head_index(),
            overwritten: channel.overwritten.0.load(Relaxed),
            evicting: channel.mode.0.load(Relaxed) & EVICTING != 0,
            calm: 0,
        };
        Self { channel, at }
    }

    /// Appends `item` without waiting. When the ring is full, under
    /// [`Policy::DropOldest`] it evicts the oldest item and returns it (`Some(oldest)`);
    /// under [`Policy::Reject`] it keeps what it holds and returns `Some(item)`. An item
    /// is never dropped silently.
    ///
    /// Under `DropOldest` this never waits for the consumer, except, when the ring is
    /// full, for the instant in which the consumer moves the oldest item out (then that
    /// item is the consumer's, and the slot it frees is ours). The first eviction after
    /// a calm spell also issues one heavy barrier (on Linux a `membarrier` system call,
    /// microseconds), so that the consumer, which takes items with plain stores while
    /// nothing is evicted, switches to claiming them.
    ///
    /// ```
    /// use mmring_core::GenericRingBuffer;
    /// use mmring_core::split::Policy;
    ///
    /// let (mut tx, _rx) = GenericRingBuffer::new(1)?.split();
    /// assert_eq!(tx.insert("a"), None);
    /// assert_eq!(tx.insert("b"), Some("a")); // evicted
    ///
    /// let (mut tx, _rx) = GenericRingBuffer::new(1)?.split_with(Policy::Reject);
    /// assert_eq!(tx.insert("a"), None);
    /// assert_eq!(tx.insert("b"), Some("b")); // refused
    /// # Ok::<(), mmring_core::CapacityError>(())
    /// ```
    #[inline]
    pub fn insert(&mut self, item: T) -> Option<T> {
        let evict = self.channel.policy == Policy::DropOldest;
        match self.at.room(&self.channel, evict) {
            Room::Free => {
                self.at.publish(&self.channel, item);
                None
            }
            Room::Evicted(oldest) => {
                self.at.publish(&self.channel, item);
                Some(oldest)
            }
            Room::Full => Some(item),
        }
    }

    /// Appends `item` if there is room, without waiting and without evicting (under
    /// either policy); `Err(item)` when the ring is full. Wait-free.
    ///
    /// ```
    /// use mmring_core::GenericRingBuffer;
    /// use mmring_core::split::Policy;
    ///
    /// let (mut tx, mut rx) = GenericRingBuffer::new(1)?.split_with(Policy::Reject);
    /// assert_eq!(tx.try_insert(1), Ok(()));
    /// assert_eq!(tx.try_insert(2), Err(2));
    /// assert_eq!(rx.try_consume(), Some(1));
    /// assert_eq!(tx.try_insert(2), Ok(()));
    /// # Ok::<(), mmring_core::CapacityError>(())
    /// ```
    #[inline]
    pub fn try_insert(&mut self, item: T) -> Result<(), T> {
        self.at.try_insert(&self.channel, item)
    }

    /// Appends `item`, waiting up to `timeout` for room (spinning briefly, then
    /// sleeping until the consumer takes an item); never evicts. `Err(item)` when the
    /// timeout passes first or the consumer is gone.
    ///
    /// ```
    /// use std::time::Duration;
    /// use mmring_core::GenericRingBuffer;
    /// use mmring_core::split::Policy;
    ///
    /// let (mut tx, mut rx) = GenericRingBuffer::new(1)?.split_with(Policy::Reject);
    /// tx.insert_blocking(1, Duration::from_secs(1)).unwrap();
    /// let reader = std::thread::spawn(move || {
    ///     let first = rx.consume_blocking(Duration::from_secs(5));
    ///     (first, rx) // kept: a producer whose consumer is gone gives up
    /// });
    /// tx.insert_blocking(2, Duration::from_secs(5)).unwrap(); // waits for the reader
    /// let (first, rx) = reader.join().unwrap();
    /// assert_eq!(first, Some(1));
    /// assert_eq!(tx.insert_blocking(3, Duration::from_millis(1)), Err(3)); // still full
    /// drop(rx);
    /// assert_eq!(tx.insert_blocking(3, Duration::from_secs(60)), Err(3)); // nobody reads
    /// # Ok::<(), mmring_core::CapacityError>(())
    /// ```
    #[cfg(not(target_family = "wasm"))]
    pub fn insert_blocking(&mut self, item: T, timeout: Duration) -> Result<(), T> {
        let item = match self.try_insert(item) {
            Ok(()) => return Ok(()),
            Err(item) => item,
        };
        let (channel, at) = (&self.channel, &mut self.at);
        let mut held = Some(item);
        let done = wait::blocking(&channel.room, channel.barriers, timeout, || {
            at.insert_or_give_up(channel, &mut held)
        });
        done.unwrap_or_else(|| Err(held.take().expect("held until inserted")))
    }

    /// Waits, without blocking the thread, for room, and appends `item`; never evicts.
    /// Resolves to `Err(item)` if the consumer is gone. Works under any executor.
    ///
    /// ```
    /// use mmring_core::GenericRingBuffer;
    /// use mmring_core::split::Policy;
    ///
    /// let (mut tx, mut rx) = GenericRingBuffer::new(4)?.split_with(Policy::Reject);
    /// futures_executor_block_on(async {
    ///     tx.ainsert("order").await.unwrap();
    ///     assert_eq!(rx.aconsume().await, Some("order"));
    /// });
    /// # fn futures_executor_block_on<F: std::future::Future>(f: F) -> F::Output {
    /// #     let waker = std::task::Waker::noop();
    /// #     let mut cx = std::task::Context::from_waker(&waker);
    /// #     let mut f = std::pin::pin!(f);
    /// #     loop {
    /// #         if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v; }
    /// #     }
    /// # }
    /// # Ok::<(), mmring_core::CapacityError>(())
    /// ```
    pub fn ainsert(&mut self, item: T) -> Ainsert<'_, T> {
        Ainsert {
            producer: self,
            item: Some(item),
        }
    }

    /// Items held (a snapshot: the consumer may take some at any time).
    ///
    /// ```
    /// # let (mut tx, _rx) = mmring_core::GenericRingBuffer::new(4)?.split();
    /// tx.insert(1);
    /// assert_eq!(tx.len(), 1);
    /// # Ok::<(), mmring_core::CapacityError>(())
    /// ```
    pub fn len(&self) -> usize {
        self.channel.len()
    }

    /// Whether the ring holds no item (a snapshot).
    ///
    /// ```
    /// # let (tx, _rx) = mmring_core::GenericRingBuffer::<u8>::new(4)?.split();
    /// assert!(tx.is_empty());
    /// # Ok::<(), mmring_core::CapacityError>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the next insert would find the ring full (a snapshot; `false` may turn
    /// `true` only by our own inserts, `true` may turn `false` at any time).
    ///
    /// ```
    /// # let (mut tx, _rx) = mmring_core::GenericRingBuffer::new(1)?.split();
    /// tx.insert(1);
    /// assert!(tx.is_full());
    /// # Ok::<(), mmring_core::CapacityError>(())
    /// ```
    pub fn is_full(&self) -> bool {
        self.len() as u64 >= self.channel.capacity()
    }

    /// Number of slots (a power of two).
    ///
    /// ```
    /// # let (tx, _rx) = mmring_core::GenericRingBuffer::<u8>::new(3)?.split();
    /// assert_eq!(tx.capacity(), 4);
    /// # Ok::<(), mmring_core::CapacityError>(())
    /// ```
    pub fn capacity(&self) -> usize {
        self.channel.capacity() as usize
    }

    /// Items evicted so far, by this half and by the ring before it was split.
    ///
    /// ```
    /// # let (mut tx, _rx) = mmring_core::GenericRingBuffer::new(1)?.split();
    /// tx.insert(1);
    /// tx.insert(2);
    /// assert_eq!(tx.overwritten(), 1);
    /// # Ok::<(), mmring_core::CapacityError>(())
    /// ```
    pub fn overwritten(&self) -> u64 {
        self.at.overwritten
    }

    /// The overflow policy chosen at the split.
    ///
    /// ```
    /// use mmring_core::split::Policy;
    /// # let (tx, _rx) = mmring_core::GenericRingBuffer::<u8>::new(1)?.split();
    /// assert_eq!(tx.policy(), Policy::DropOldest);
    /// # Ok::<(), mmring_core::CapacityError>(())
    /// ```
    pub fn policy(&self) -> Policy {
        self.channel.policy
    }

    /// Whether the consumer is gone: nothing inserted from now on will be read.
    ///
    /// ```
    /// # let (tx, rx) = mmring_core::GenericRingBuffer::<u8>::new(1)?.split();
    /// assert!(!tx.is_abandoned());
    /// drop(rx);
    /// assert!(tx.is_abandoned());
    /// # Ok::<(), mmring_core::CapacityError>(())
    /// ```
    pub fn is_abandoned(&self) -> bool {
        self.channel.consumer_gone.load(Acquire)
    }
}

impl Position {
    /// Finds a free slot for item `self.tail`: at once when an earlier look at the
    /// consumer's position says there is one; else by re-reading it; else, when
    /// `evict`, by evicting the oldest item.
    ///
    /// Without `evict` it is all inline, with no call: a call taking the producer's
    /// position would keep the compiler from holding it in registers in the caller's
    /// loop.
    #[inline]
    fn room<T>(&mut self, channel: &Channel<T>, evict: bool) -> Room<T> {
        let capacity = channel.capacity();
        if self.tail - self.head_seen < capacity {
            return Room::Free;
        }
        if !evict {
            self.head_seen = channel.head_index();
            return if self.tail - self.head_seen < capacity {
                Room::Free
            } else {
                Room::Full
            };
        }
        self.full(channel, capacity)
    }

    /// [`room`](Self::room) when an earlier look says full and we may evict.
    #[cold]
    fn full<T>(&mut self, channel: &Channel<T>, capacity: u64) -> Room<T> {
        let head = &channel.head.at;
        let mut seen = if self.evicting {
            // Guess that the consumer has not moved since we last looked: then the
            // compare-and-swap below evicts without first loading the consumer's
            // (busy) line, and when the guess is wrong it returns where it is.
            self.head_seen << 1
        } else {
            let seen = head.load(Acquire);
            if self.tail - (seen >> 1) < capacity {
                self.head_seen = seen >> 1;
                return Room::Free;
            }
            self.start_evicting(channel);
            head.load(Acquire)
        };
        let mut spins = 0u32;
        loop {
            let oldest = seen >> 1;
            if self.tail - oldest < capacity {
                self.head_seen = oldest;
                self.calm += 1;
                if self.calm >= CALM {
                    self.stop_evicting(channel);
                }
                return Room::Free;
            }
            if seen & BUSY != 0 {
                // The consumer is moving the oldest item out; the slot it frees is
                // ours in a moment.
                wait::spin(&mut spins);
                seen = head.load(Acquire);
                continue;
            }
            // Full and idle: evict item `oldest` by moving the consumer's position past
            // it. Whoever moves `head` away from `seen` first owns the item.
            match head.compare_exchange_weak(seen, (oldest + 1) << 1, AcqRel, Acquire) {
                Ok(_) => {
                    self.head_seen = oldest + 1;
                    self.calm = 0;
                    self.overwritten += 1;
                    channel.overwritten.0.store(self.overwritten, Relaxed);
                    // SAFETY: item `oldest` is live (`oldest < tail`) and ours: `head`
                    // moved past it under our compare-and-swap, which found no BUSY bit,
                    // so the consumer neither holds it nor can claim it any more.
                    return Room::Evicted(unsafe { channel.take(oldest) });
                }
                Err(actual) => seen = actual,
            }
        }
    }

    /// Raises [`EVICTING`] before the first eviction after a calm spell: the consumer
    /// then claims by compare-and-swap. Waits (a heavy barrier, then at most for the
    /// claim the consumer has in hand) until no claim with plain stores is under way.
    #[cold]
    fn start_evicting<T>(&mut self, channel: &Channel<T>) {
        let mode = &channel.mode.0;
        mode.store(mode.load(Relaxed) | EVICTING, Relaxed);
        channel.barriers.heavy();
        let mut spins = 0u32;
        // Acquire: once `taking` is down, the consumer's published position is seen.
        while channel.head.taking.load(Acquire) {
            wait::spin(&mut spins);
        }
        self.evicting = true;
        self.calm = 0;
    }

    /// Lowers [`EVICTING`] after a calm spell: the consumer claims with plain stores
    /// again. Release: the evictions made so far are seen by a consumer that sees it.
    #[cold]
    fn stop_evicting<T>(&mut self, channel: &Channel<T>) {
        let mode = &channel.mode.0;
        mode.store(mode.load(Relaxed) & !EVICTING, Release);
        self.evicting = false;
        self.calm = 0;
    }

    /// Writes `item` at our position and publishes it; wakes a sleeping consumer.
    #[inline]
    fn publish<T>(&mut self, channel: &Channel<T>, item: T) {
        // SAFETY: we are the producer and `room` found the slot free (or freed it).
        unsafe { channel.write(self.tail, item) };
        self.tail += 1;
        channel.tail.0.store(self.tail, Release);
        channel.items.notify();
    }

    /// [`Producer::try_insert`].
    #[inline]
    fn try_insert<T>(&mut self, channel: &Channel<T>, item: T) -> Result<(), T> {
        match self.room(channel, false) {
            Room::Free => {
                self.publish(channel, item);
                Ok(())
            }
            _ => Err(item),
        }
    }

    /// One attempt of a waiting insert of the item in `held`: `Some(Err(item))` when
    /// the consumer is gone (nothing inserted would be read), `Some(Ok(()))` once
    /// inserted, `None` (the item back in `held`) to keep waiting.
    fn insert_or_give_up<T>(
        &mut self,
        channel: &Channel<T>,
        held: &mut Option<T>,
    ) -> Option<Result<(), T>> {
        let item = held.take()?;
        if channel.consumer_gone.load(Acquire) {
            return Some(Err(item));
        }
        match self.try_insert(channel, item) {
            Ok(()) => Some(Ok(())),
            Err(item) => {
                *held = Some(item);
                None
            }
        }
    }
}

#[cfg(not(loom))]
impl<T: Copy> Producer<T> {
    /// Appends `values` in order with at most two `memcpy`s and one publish. Under
    /// [`Policy::DropOldest`] all of them go in, evicting the oldest items as needed
    /// (counted in `overwritten`; a batch longer than the capacity keeps its last
    /// `capacity` values); under [`Policy::Reject`] the longest prefix that fits goes
    /// in. Returns how many values were inserted (under `DropOldest`, `values.len()`).
    ///
    /// ```
    /// use mmring_core::NumericRingBuffer;
    /// use mmring_core::split::Policy;
    ///
    /// let (mut tx, mut rx) = NumericRingBuffer::<f64>::new(4)?.split();
    /// assert_eq!(tx.insert_batch(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]), 6);
    /// let mut out = [0.0; 8];
    /// assert_eq!(rx.consume_into(&mut out), 4);
    /// assert_eq!(out[..4], [3.0, 4.0, 5.0, 6.0]);
    ///
    /// let (mut tx, _rx) = NumericRingBuffer::<f64>::new(4)?.split_with(Policy::Reject);
    /// assert_eq!(tx.insert_batch(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]), 4);
    /// # Ok::<(), mmring_core::CapacityError>(())
    /// ```
    pub fn insert_batch(&mut self, values: &[T]) -> usize {
        let capacity = self.channel.capacity();
        let len = values.len() as u64;
        // A batch longer than the ring: its first values are evicted at once.
        let skipped = if self.channel.policy == Policy::DropOldest {
            len.saturating_sub(capacity)
        } else {
            0
        };
        let want = len - skipped;
        let fit = self.at.batch_room(&self.channel, want, capacity);
        let run = &values[skipped as usize..(skipped + fit) as usize];
        // SAFETY: we are the producer and `batch_room` found (or freed) `fit` slots.
        unsafe { self.channel.copy_in(self.at.tail, run) };
        if skipped > 0 {
            self.at.overwritten += skipped;
            self.channel
                .overwritten
                .0
                .store(self.at.overwritten, Relaxed);
        }
        self.at.tail += fit;
        self.channel.tail.0.store(self.at.tail, Release);
        self.channel.items.notify();
        (skipped + fit) as usize
    }
}

#[cfg(not(loom))]
impl Position {
    /// Finds room for `want` (at most `capacity`) more items: as many as are free
    /// under `Reject`, all of them under `DropOldest` (evicting the oldest in one
    /// compare-and-swap, waiting only while the consumer moves items out).
    fn batch_room<T>(&mut self, channel: &Channel<T>, want: u64, capacity: u64) -> u64 {
        let head = &channel.head.at;
        let mut spins = 0u32;
        loop {
            let seen = head.load(Acquire);
            self.head_seen = seen >> 1;
            let free = capacity - (self.tail - self.head_seen);
            if free >= want || channel.policy == Policy::Reject {
                return want.min(free);
            }
            if !self.evicting {
                self.start_evicting(channel);
                continue;
            }
            if seen & BUSY != 0 {
                wait::spin(&mut spins);
                continue;
            }
            let evict = want - free;
            let oldest = self.head_seen;
            if head
                .compare_exchange_weak(seen, (oldest + evict) << 1, AcqRel, Relaxed)
                .is_ok()
            {
                // `T: Copy`: the evicted items need no drop; they are only counted.
                self.head_seen = oldest + evict;
                self.calm = 0;
                self.overwritten += evict;
                channel.overwritten.0.store(self.overwritten, Relaxed);
                return want;
            }
        }
    }
}

impl<T> Drop for Producer<T> {
    /// Closes the ring: the consumer drains what is left, then sees the end.
    fn drop(&mut self) {
        self.channel.producer_gone.0.store(true, Release);
        self.channel.items.notify();
    }
}

/// The future of [`Producer::ainsert`].
#[derive(Debug)]
#[must_use = "futures do nothing unless awaited"]
pub struct Ainsert<'a, T> {
    producer: &'a mut Producer<T>,
    item: Option<T>,
}

impl<T> Unpin for Ainsert<'_, T> {}

impl<T> Future for Ainsert<'_, T> {
    type Output = Result<(), T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let Producer { channel, at } = &mut *this.producer;
        let held = &mut this.item;
        wait::poll(&channel.room, channel.barriers, cx, || {
            at.insert_or_give_up(channel, held)
        })
    }
}
