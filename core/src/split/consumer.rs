//! [`Consumer`]: the reading half, and its futures and stream.

use core::future::Future;
use core::mem::MaybeUninit;
use core::pin::Pin;
use core::task::{Context, Poll};
#[cfg(not(target_family = "wasm"))]
use std::time::Duration;

use futures_core::Stream;

use super::channel::{BUSY, Channel, EVICTING, FENCED};
use super::sync::{Arc, Ordering::*, compiler_fence, fence};
use super::{Policy, wait};
use crate::Fifo;

/// The reading half of a split ring: one thread (or task) takes items out, oldest
/// first, lock-free. `Send`, not `Clone`. Once the producer is dropped it drains what is
/// left, then every wait ends with `None`.
///
/// | call | when the ring is empty |
/// |---|---|
/// | [`try_consume`](Self::try_consume) | `None` at once |
/// | [`consume_blocking`](Self::consume_blocking) | spins briefly, then sleeps until an item arrives, the timeout passes, or the producer is gone |
/// | [`aconsume`](Self::aconsume), [`aconsume_iterable`](Self::aconsume_iterable) | wait without blocking the thread, under any executor |
///
/// Waiting costs the producer nothing while nobody waits: one load per insert.
///
/// ```
/// use std::time::Duration;
/// use mmring_core::GenericRingBuffer;
///
/// let (mut tx, mut rx) = GenericRingBuffer::new(1024)?.split();
/// let strategy = std::thread::spawn(move || {
///     let mut seen = Vec::new();
///     while let Some(px) = rx.consume_blocking(Duration::from_secs(5)) {
///         seen.push(px);
///     }
///     seen // `None` came once the feed was gone and the ring drained
/// });
/// for px in [101.5, 101.75, 102.0] {
///     tx.insert(px);
/// }
/// drop(tx);
/// assert_eq!(strategy.join().unwrap(), [101.5, 101.75, 102.0]);
/// # Ok::<(), mmring_core::CapacityError>(())
/// ```
#[derive(Debug)]
pub struct Consumer<T> {
    channel: Arc<Channel<T>>,
    at: Position<T>,
}

/// The consumer's own view of the positions (kept apart from the channel so that a
/// waiting call can borrow both at once).
#[derive(Debug)]
struct Position<T> {
    /// A producer position seen earlier; it only grows, so items below it are there to
    /// take (unless evicted), and the channel is re-read only when we catch up with it.
    tail_seen: u64,
    /// Our position as we last published it: under `Reject` only we move it; under
    /// `DropOldest` it is our first guess of where the producer left it.
    head: u64,
    /// Under `DropOldest`: items claimed from the ring and not yet handed out.
    claimed: Claimed<T>,
    /// Loom only: take the oldest item before claiming it, to prove the model catches
    /// the race the claim prevents.
    #[cfg(loom)]
    unclaimed: bool,
}

impl<T> Consumer<T> {
    pub(super) fn new(channel: Arc<Channel<T>>) -> Self {
        let at = Position {
            tail_seen: channel.tail.0.load(Acquire),
            head: channel.head_index(),
            claimed: Claimed::default(),
            #[cfg(loom)]
            unclaimed: false,
        };
        Self { channel, at }
    }

    /// A consumer that moves the oldest item out before claiming it: broken on
    /// purpose, for the loom model to catch. Never use it.
    #[cfg(loom)]
    #[doc(hidden)]
    pub fn without_claim(mut self) -> Self {
        self.at.unclaimed = true;
        self
    }

    /// Removes and returns the oldest item; `None` when the ring is empty. Never waits
    /// (under [`Policy::DropOldest`], except to retry when the producer evicts the very
    /// item it was about to take).
    ///
    /// ```
    /// # let (mut tx, mut rx) = mmring_core::GenericRingBuffer::new(2)?.split();
    /// assert_eq!(rx.try_consume(), None);
    /// tx.insert("bid");
    /// assert_eq!(rx.try_consume(), Some("bid"));
    /// # Ok::<(), mmring_core::CapacityError>(())
    /// ```
    #[inline]
    pub fn try_consume(&mut self) -> Option<T> {
        self.at.take(&self.channel)
    }

    /// Removes and returns the oldest item, waiting up to `timeout` for one (spinning
    /// briefly, then sleeping until the producer inserts). `None` when the timeout
    /// passes first, or when the producer is gone and the ring is drained.
    ///
    /// ```
    /// use std::time::Duration;
    /// # let (mut tx, mut rx) = mmring_core::GenericRingBuffer::new(2)?.split();
    /// assert_eq!(rx.consume_blocking(Duration::from_millis(1)), None);
    /// tx.insert(7);
    /// assert_eq!(rx.consume_blocking(Duration::from_secs(1)), Some(7));
    /// # Ok::<(), mmring_core::CapacityError>(())
    /// ```
    #[cfg(not(target_family = "wasm"))]
    pub fn consume_blocking(&mut self, timeout: Duration) -> Option<T> {
        if let Some(item) = self.try_consume() {
            return Some(item);
        }
        let (channel, at) = (&self.channel, &mut self.at);
        wait::blocking(&channel.items, channel.barriers, timeout, || {
            at.take_or_end(channel)
        })
        .flatten()
    }

    /// Waits, without blocking the thread, for the oldest item and removes it;
    /// `None` once the producer is gone and the ring is drained. Works under any
    /// executor; dropping the future loses nothing (an item is only taken in the poll
    /// that returns it).
    ///
    /// ```
    /// # let (mut tx, mut rx) = mmring_core::GenericRingBuffer::new(2)?.split();
    /// tx.insert(1);
    /// drop(tx);
    /// # fn block_on<F: std::future::Future>(f: F) -> F::Output {
    /// #     let waker = std::task::Waker::noop();
    /// #     let mut cx = std::task::Context::from_waker(&waker);
    /// #     let mut f = std::pin::pin!(f);
    /// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v; } }
    /// # }
    /// assert_eq!(block_on(rx.aconsume()), Some(1));
    /// assert_eq!(block_on(rx.aconsume()), None); // closed and drained
    /// # Ok::<(), mmring_core::CapacityError>(())
    /// ```
    pub fn aconsume(&mut self) -> Aconsume<'_, T> {
        Aconsume { consumer: self }
    }

    /// The items as a [`Stream`], oldest first, ending once the producer is gone and
    /// the ring is drained.
    ///
    /// ```
    /// use futures_core::Stream;
    /// # let (mut tx, mut rx) = mmring_core::GenericRingBuffer::new(4)?.split();
    /// tx.insert(1);
    /// tx.insert(2);
    /// drop(tx);
    /// let mut stream = std::pin::pin!(rx.aconsume_iterable());
    /// let waker = std::task::Waker::noop();
    /// let mut cx = std::task::Context::from_waker(&waker);
    /// let mut got = Vec::new();
    /// while let std::task::Poll::Ready(Some(item)) = stream.as_mut().poll_next(&mut cx) {
    ///     got.push(item);
    /// }
    /// assert_eq!(got, [1, 2]);
    /// # Ok::<(), mmring_core::CapacityError>(())
    /// ```
    pub fn aconsume_iterable(&mut self) -> Iterable<'_, T> {
        Iterable { consumer: self }
    }

    /// Items held (a snapshot: the producer may insert or evict at any time).
    ///
    /// ```
    /// # let (mut tx, rx) = mmring_core::GenericRingBuffer::new(4)?.split();
    /// tx.insert(1);
    /// assert_eq!(rx.len(), 1);
    /// # Ok::<(), mmring_core::CapacityError>(())
    /// ```
    pub fn len(&self) -> usize {
        self.channel.len() + self.at.claimed.len()
    }

    /// Whether the ring holds no item (a snapshot).
    ///
    /// ```
    /// # let (_tx, rx) = mmring_core::GenericRingBuffer::<u8>::new(4)?.split();
    /// assert!(rx.is_empty());
    /// # Ok::<(), mmring_core::CapacityError>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of slots (a power of two).
    ///
    /// ```
    /// # let (_tx, rx) = mmring_core::GenericRingBuffer::<u8>::new(5)?.split();
    /// assert_eq!(rx.capacity(), 8);
    /// # Ok::<(), mmring_core::CapacityError>(())
    /// ```
    pub fn capacity(&self) -> usize {
        self.channel.capacity() as usize
    }

    /// Items the producer evicted so far (a snapshot).
    ///
    /// ```
    /// # let (mut tx, rx) = mmring_core::GenericRingBuffer::new(1)?.split();
    /// tx.insert(1);
    /// tx.insert(2);
    /// assert_eq!(rx.overwritten(), 1);
    /// # Ok::<(), mmring_core::CapacityError>(())
    /// ```
    pub fn overwritten(&self) -> u64 {
        self.channel.overwritten.0.load(Relaxed)
    }

    /// The overflow policy chosen at the split.
    ///
    /// ```
    /// use mmring_core::split::Policy;
    /// # let (_tx, rx) = mmring_core::GenericRingBuffer::<u8>::new(1)?.split_with(Policy::Reject);
    /// assert_eq!(rx.policy(), Policy::Reject);
    /// # Ok::<(), mmring_core::CapacityError>(())
    /// ```
    pub fn policy(&self) -> Policy {
        self.channel.policy
    }

    /// Whether the producer is gone: what is left is all there will be.
    ///
    /// ```
    /// # let (tx, rx) = mmring_core::GenericRingBuffer::<u8>::new(1)?.split();
    /// assert!(!rx.is_abandoned());
    /// drop(tx);
    /// assert!(rx.is_abandoned());
    /// # Ok::<(), mmring_core::CapacityError>(())
    /// ```
    pub fn is_abandoned(&self) -> bool {
        self.channel.producer_gone.0.load(Acquire)
    }
}

impl<T> Position<T> {
    /// [`Consumer::try_consume`]. Kept small, so that the caller's polling loop stays
    /// small enough to be inlined where it is used: only the `Reject` path is inline,
    /// `DropOldest` is a call. (With both inline, a polling loop around `try_consume`
    /// was no longer inlined into its caller, and `Reject` lost half its throughput.)
    #[inline]
    fn take(&mut self, channel: &Channel<T>) -> Option<T> {
        match channel.policy {
            Policy::Reject => self.take_alone(channel),
            Policy::DropOldest => self.take_racing(channel),
        }
    }

    /// Under `Reject` only the consumer moves `head`: we know our position, and a
    /// store publishes the next.
    #[inline]
    fn take_alone(&mut self, channel: &Channel<T>) -> Option<T> {
        let head = self.head;
        if !self.has(channel, head) {
            return None;
        }
        // SAFETY: item `head` is live (below the producer's position, read with
        // acquire) and ours: under `Reject` the producer never moves `head`.
        let item = unsafe { channel.take(head) };
        self.published(channel, head + 1);
        Some(item)
    }

    /// Under `DropOldest` the producer may evict the oldest item at any moment: items
    /// claimed earlier come first; else claim a run (set BUSY by compare-and-swap),
    /// move it out, then publish.
    #[inline(never)]
    fn take_racing(&mut self, channel: &Channel<T>) -> Option<T> {
        let head = &channel.head.at;
        #[cfg(loom)]
        if self.unclaimed {
            let seen = head.load(Acquire);
            let oldest = seen >> 1;
            if !self.has(channel, oldest) {
                return None;
            }
            // SAFETY: none: this is the broken variant the model must catch.
            let item = unsafe { channel.take(oldest) };
            let _ = head.compare_exchange(seen, (oldest + 1) << 1, AcqRel, Relaxed);
            return Some(item);
        }
        if let Some(item) = self.claimed.pop() {
            return Some(item);
        }
        if let Some(taken) = self.claim_unopposed(channel) {
            return taken;
        }
        // The producer may evict: claim by compare-and-swap.
        // Guess that the producer has not evicted since we published our position:
        // then the claim needs no separate load of `head`, and when the guess is wrong
        // the compare-and-swap returns where `head` is. (An empty ring is never a
        // wrong guess: the producer evicts only from a full one.)
        let mut seen = self.head << 1;
        loop {
            let oldest = seen >> 1;
            if !self.has(channel, oldest) {
                return None;
            }
            match head.compare_exchange_weak(seen, seen | BUSY, Acquire, Acquire) {
                Ok(_) => {
                    let count = (self.tail_seen - oldest).min(CLAIM as u64);
                    // SAFETY: items `oldest .. oldest + count` are live (below the
                    // producer's position, read with acquire), and ours: `head` was still
                    // `seen` when we set BUSY, so the producer had not evicted them, and
                    // it neither evicts nor overwrites them while BUSY is set.
                    unsafe { self.claimed.fill(channel, oldest, count as usize) };
                    self.published(channel, oldest + count);
                    return self.claimed.pop();
                }
                // The producer evicted it first (or the claim failed spuriously).
                Err(actual) => seen = actual,
            }
        }
    }

    /// Claims with plain stores while the producer has promised not to evict (the
    /// mode lacks [`EVICTING`]): raises `taking`, checks the mode, moves up to
    /// [`MAX_CLAIM`](super::MAX_CLAIM) items out, publishes, lowers `taking`. A producer
    /// that wants to evict raises `EVICTING`, issues the heavy barrier, and waits for
    /// `taking` to fall, so either it waits for this claim, or this claim sees
    /// `EVICTING` and leaves the work to the compare-and-swap (`None`). `Some(taken)`
    /// otherwise.
    #[inline]
    fn claim_unopposed(&mut self, channel: &Channel<T>) -> Option<Option<T>> {
        let taking = &channel.head.taking;
        taking.store(true, Relaxed);
        compiler_fence(SeqCst);
        // Acquire: a producer that evicted before it lowered `EVICTING` moved `head`
        // first; we read `head` after this.
        let mut mode = channel.mode.0.load(Acquire);
        if mode & FENCED != 0 {
            fence(SeqCst);
            mode = channel.mode.0.load(Acquire);
        }
        if mode & EVICTING != 0 {
            taking.store(false, Relaxed);
            return None;
        }
        // Only we move `head` now, and BUSY is ours alone: it is clear.
        let oldest = channel.head.at.load(Relaxed) >> 1;
        if !self.has(channel, oldest) {
            self.head = oldest;
            taking.store(false, Release);
            return Some(None);
        }
        let count = (self.tail_seen - oldest).min(CLAIM as u64);
        // SAFETY: items `oldest .. oldest + count` are live (below the producer's
        // position, read with acquire), and ours: the producer evicts nothing until it
        // has seen `taking` fall, which happens after we publish.
        unsafe { self.claimed.fill(channel, oldest, count as usize) };
        self.published(channel, oldest + count);
        // Release: a producer that sees `taking` fall sees our new position.
        taking.store(false, Release);
        Some(self.claimed.pop())
    }

    /// Whether item `index` has been published, re-reading the producer's position only
    /// when the one seen earlier says no.
    #[inline]
    fn has(&mut self, channel: &Channel<T>, index: u64) -> bool {
        if index < self.tail_seen {
            return true;
        }
        self.tail_seen = channel.tail.0.load(Acquire);
        index < self.tail_seen
    }

    /// Publishes our new position (clearing BUSY): the slots below it are free for the
    /// producer. Wakes a producer waiting for room.
    #[inline]
    fn published(&mut self, channel: &Channel<T>, head: u64) {
        self.head = head;
        channel.head.at.store(head << 1, Release);
        channel.room.notify();
    }

    /// One attempt of a waiting consume: `Some(Some(item))`, `Some(None)` once the
    /// producer is gone and the ring drained, `None` to keep waiting.
    fn take_or_end(&mut self, channel: &Channel<T>) -> Option<Option<T>> {
        if let Some(item) = self.take(channel) {
            return Some(Some(item));
        }
        // Gone first, then empty: an item inserted before the producer left is seen.
        if channel.producer_gone.0.load(Acquire) {
            return Some(self.take(channel));
        }
        None
    }
}

use super::MAX_CLAIM as CLAIM;

/// Items the consumer claimed from the ring in one go, handed out oldest first. Once
/// claimed they are the consumer's: the producer can no longer evict them.
struct Claimed<T> {
    items: [MaybeUninit<T>; CLAIM],
    /// The next to hand out; `next..end` are initialised.
    next: usize,
    end: usize,
}

impl<T> Default for Claimed<T> {
    fn default() -> Self {
        Self {
            items: [const { MaybeUninit::uninit() }; CLAIM],
            next: 0,
            end: 0,
        }
    }
}

impl<T> Claimed<T> {
    fn len(&self) -> usize {
        self.end - self.next
    }

    #[inline]
    fn pop(&mut self) -> Option<T> {
        (self.next < self.end).then(|| {
            self.next += 1;
            // SAFETY: `next - 1` was in `next..end`, initialised, and is handed out once.
            unsafe { self.items[self.next - 1].assume_init_read() }
        })
    }

    /// Moves items `from .. from + count` (at most [`CLAIM`]) out of the ring into an
    /// empty `self`.
    ///
    /// # Safety
    /// As [`Channel::take`] for every item of the run.
    unsafe fn fill(&mut self, channel: &Channel<T>, from: u64, count: usize) {
        debug_assert!(self.len() == 0 && count <= CLAIM);
        for (i, item) in self.items[..count].iter_mut().enumerate() {
            // SAFETY: as the caller guarantees for the run.
            item.write(unsafe { channel.take(from + i as u64) });
        }
        (self.next, self.end) = (0, count);
    }
}

impl<T> Drop for Claimed<T> {
    fn drop(&mut self) {
        while self.pop().is_some() {}
    }
}

impl<T> core::fmt::Debug for Claimed<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{} claimed", self.len())
    }
}

#[cfg(not(loom))]
impl<T: Copy> Consumer<T> {
    /// Moves up to `out.len()` of the oldest items into `out`, oldest first, with at
    /// most two `memcpy`s and one publish; returns how many (0 when empty). Never waits
    /// (under [`Policy::DropOldest`], except to retry when the producer evicts first).
    ///
    /// ```
    /// # let (mut tx, mut rx) = mmring_core::NumericRingBuffer::<u64>::new(8)?.split();
    /// tx.insert_batch(&[1, 2, 3]);
    /// let mut out = [0; 2];
    /// assert_eq!(rx.consume_into(&mut out), 2);
    /// assert_eq!(out, [1, 2]);
    /// assert_eq!(rx.consume_into(&mut out), 1);
    /// assert_eq!(out[0], 3);
    /// # Ok::<(), mmring_core::CapacityError>(())
    /// ```
    pub fn consume_into(&mut self, out: &mut [T]) -> usize {
        // Items already claimed come first: they are the oldest.
        let mut given = 0;
        while given < out.len() {
            match self.at.claimed.pop() {
                Some(item) => out[given] = item,
                None => break,
            }
            given += 1;
        }
        given + self.copy_from_ring(&mut out[given..])
    }

    /// The part of [`consume_into`](Self::consume_into) that reads the ring.
    fn copy_from_ring(&mut self, out: &mut [T]) -> usize {
        let channel = &*self.channel;
        let head = &channel.head.at;
        loop {
            let seen = head.load(Acquire);
            let oldest = seen >> 1;
            if !self.at.has(channel, oldest) {
                return 0;
            }
            let wanted = out.len() as u64;
            if self.at.tail_seen - oldest < wanted {
                // Fewer than wanted were there at the last look: look again.
                self.at.tail_seen = channel.tail.0.load(Acquire);
            }
            let count = (self.at.tail_seen - oldest).min(wanted);
            let claimed = channel.policy == Policy::Reject
                || head
                    .compare_exchange_weak(seen, seen | BUSY, Acquire, Relaxed)
                    .is_ok();
            if claimed {
                // SAFETY: items `oldest .. oldest + count` are live (below the producer's
                // position, read with acquire) and ours: only we move `head` under
                // `Reject`; under `DropOldest` BUSY holds the producer off them.
                unsafe { channel.copy_out(oldest, &mut out[..count as usize]) };
                self.at.published(channel, oldest + count);
                return count as usize;
            }
        }
    }
}

impl<T> Fifo for Consumer<T> {
    type Item = T;

    fn len(&self) -> usize {
        Consumer::len(self)
    }

    fn capacity(&self) -> usize {
        Consumer::capacity(self)
    }

    fn overwritten(&self) -> u64 {
        Consumer::overwritten(self)
    }

    fn consume(&mut self) -> Option<T> {
        self.try_consume()
    }
}

impl<T> Drop for Consumer<T> {
    /// Nothing inserted from now on will be read: a waiting producer gives up.
    fn drop(&mut self) {
        self.channel.consumer_gone.store(true, Release);
        self.channel.room.notify();
    }
}

/// The future of [`Consumer::aconsume`].
#[derive(Debug)]
#[must_use = "futures do nothing unless awaited"]
pub struct Aconsume<'a, T> {
    consumer: &'a mut Consumer<T>,
}

impl<T> Future for Aconsume<'_, T> {
    type Output = Option<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let Consumer { channel, at } = &mut *self.get_mut().consumer;
        wait::poll(&channel.items, channel.barriers, cx, || {
            at.take_or_end(channel)
        })
    }
}

/// The stream of [`Consumer::aconsume_iterable`].
#[derive(Debug)]
#[must_use = "streams do nothing unless polled"]
pub struct Iterable<'a, T> {
    consumer: &'a mut Consumer<T>,
}

impl<T> Stream for Iterable<'_, T> {
    type Item = T;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let Consumer { channel, at } = &mut *self.get_mut().consumer;
        wait::poll(&channel.items, channel.barriers, cx, || {
            at.take_or_end(channel)
        })
    }
}
