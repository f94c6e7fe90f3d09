//! `split()`: a ring as two lock-free halves, a [`Producer`] for one thread and a
//! [`Consumer`] for another, keeping the rings' overwrite semantics.
//!
//! [`GenericRingBuffer::split`](crate::GenericRingBuffer::split) and
//! [`NumericRingBuffer::split`](crate::NumericRingBuffer::split) move a ring (and the
//! items it holds) into a channel of the same capacity; `split_with` picks the
//! [`Policy`]:
//!
//! - [`Policy::DropOldest`] (the default, the rings' semantics): when the ring is full,
//!   [`Producer::insert`] evicts the oldest item and hands it back; the producer never
//!   waits for a slow or idle consumer, only (when full) for the instant in which the
//!   consumer moves the oldest items out. Producer and consumer may race for the same
//!   oldest item: whoever moves the consumer's position past it first owns it, so each
//!   item reaches the consumer or comes back from `insert`, never both, never neither.
//!   The consumer takes up to [`MAX_CLAIM`] items at once: those are its own from then
//!   on, and the producer evicts from what is left in the ring.
//! - [`Policy::Reject`] (lossless): the producer never touches the consumer's items:
//!   [`Producer::try_insert`] gives the item back when full (wait-free), and
//!   [`insert_blocking`](Producer::insert_blocking) / [`ainsert`](Producer::ainsert)
//!   wait for room. The consumer then needs no compare-and-swap: a load and a store
//!   per item, like the fastest SPSC queues.
//!
//! Consuming: [`try_consume`](Consumer::try_consume), a timed
//! [`consume_blocking`](Consumer::consume_blocking), an [`aconsume`](Consumer::aconsume)
//! future and an [`aconsume_iterable`](Consumer::aconsume_iterable) stream that work
//! under any executor. A waiting half costs the other one load per operation while
//! nobody waits (see [the wake-up handshake](#waking-up)). For `T: Copy` (the numeric
//! rings), [`Producer::insert_batch`] and [`Consumer::consume_into`] move runs of items
//! with at most two `memcpy`s and one publish each.
//!
//! Dropping the producer closes the channel: the consumer drains what is left, then
//! gets `None`; [`Consumer::is_abandoned`] and [`Producer::is_abandoned`] tell either
//! half that the other is gone. Items still held when both halves are gone are dropped,
//! each exactly once.
//!
//! ```
//! use std::time::Duration;
//! use mmring_core::GenericRingBuffer;
//! use mmring_core::split::Policy;
//!
//! // Ticks from a socket thread to a strategy thread; a slow strategy loses the oldest.
//! let (mut feed, mut strategy) = GenericRingBuffer::new(1024)?.split();
//! let socket = std::thread::spawn(move || {
//!     for px in 0..10_000u32 {
//!         if let Some(_evicted) = feed.insert(px) {
//!             // the strategy fell behind; `_evicted` is the tick it will not see
//!         }
//!     }
//! });
//! let mut last = None;
//! while let Some(px) = strategy.consume_blocking(Duration::from_secs(5)) {
//!     assert!(last < Some(px)); // in order, never twice
//!     last = Some(px);
//! }
//! socket.join().unwrap();
//! assert_eq!(last, Some(9_999));
//!
//! // Lossless: orders must not be dropped; the producer waits for room instead.
//! let (mut orders, mut gateway) = GenericRingBuffer::new(64)?.split_with(Policy::Reject);
//! orders.insert_blocking("BUY 100", Duration::from_secs(1)).unwrap();
//! assert_eq!(gateway.try_consume(), Some("BUY 100"));
//! # Ok::<(), mmring_core::CapacityError>(())
//! ```
//!
//! The byte rings' lock-free path between threads is [`spsc::channel`](crate::spsc::channel):
//! variable-length records in one buffer, with the same two policies.
//!
//! # Positions
//! Both halves count items from the split on, in `u64`s that never wrap: item `i` sits
//! in slot `i mod capacity`, and the items `head .. tail` are live. The producer alone
//! stores `tail` (release, after writing the item); each half caches the other's
//! position and re-reads it only when the cache says "full" or "empty". Under
//! `DropOldest` the consumer's `head` word also carries a BUSY bit: the consumer sets it
//! by compare-and-swap before moving items out and clears it when it publishes its new
//! position, while the producer evicts only by a compare-and-swap that finds BUSY
//! clear.
//!
//! That compare-and-swap is paid only while the producer is evicting. Between
//! eviction spells (the usual state of a consumer that keeps up) the producer has
//! promised not to touch `head`, and the consumer claims with plain stores: it raises a
//! `taking` flag, checks the channel's mode, moves the items out, publishes, lowers the
//! flag. The first eviction after a calm spell raises the mode's `EVICTING` bit, issues
//! the heavy barrier (below) and waits for `taking` to fall, at most for the claim the
//! consumer has in hand; after about eight ring-fulls of inserts without an eviction the
//! producer lowers the bit again. Loom models check both policies, including a race for
//! the same oldest item, an eviction spell starting and ending under a consumer, and a
//! broken variant that the model rejects (`core/tests/loom_split.rs`).
//!
//! # Waking up
//! A half that waits spins briefly, then registers its waker, raises a flag, issues a
//! barrier and checks once more before it sleeps; the other half loads that flag after
//! each publish and wakes it only when raised. On Linux the sleeper's barrier is
//! `membarrier()` (it makes every thread of the process execute a full barrier), so the
//! publisher's is a compiler fence and a publish costs one load of a line nobody writes;
//! elsewhere both are a `SeqCst` fence.

mod channel;
mod consumer;
mod producer;
mod signal;
mod sync;
mod wait;

pub use crate::spsc::Policy;

/// Under [`Policy::DropOldest`], the most items a [`Consumer`] takes out of the ring at
/// once (with one compare-and-swap while the producer is evicting, with plain stores
/// otherwise), when it finds the items it took before handed out.
/// From then on they are the consumer's: the producer evicts from what is left in the
/// ring, and [`Consumer::len`] counts them. A claim per item would cost a locked
/// instruction for each and stall the loads behind it; claiming up to what one cache
/// line of `u64`s holds lets the consumer keep pace with the producer, which then
/// rarely has to evict at all. (Under [`Policy::Reject`] nothing is claimed ahead.)
///
/// ```
/// use mmring_core::GenericRingBuffer;
/// use mmring_core::split::MAX_CLAIM;
///
/// let (mut tx, mut rx) = GenericRingBuffer::new(4)?.split();
/// tx.insert_batch(&[1, 2, 3, 4]);
/// assert_eq!(rx.try_consume(), Some(1)); // took 1..=4; hands out 1
/// tx.insert_batch(&[5, 6, 7, 8]); // the ring is free again: nothing evicted
/// assert_eq!(tx.overwritten(), 0);
/// assert_eq!(rx.len(), 7);
/// assert!(MAX_CLAIM >= 4);
/// # Ok::<(), mmring_core::CapacityError>(())
/// ```
pub const MAX_CLAIM: usize = 8;
pub use consumer::{Aconsume, Consumer, Iterable};
pub use producer::{Ainsert, Producer};

use sync::Arc;

/// A channel of `capacity` slots (a power of two) starting with `items` (at most
/// `capacity`) and `overwritten` past evictions, as two halves.
pub(crate) fn channel<T>(
    capacity: usize,
    policy: Policy,
    overwritten: u64,
    items: impl ExactSizeIterator<Item = T>,
) -> (Producer<T>, Consumer<T>) {
    let channel = Arc::new(channel::Channel::new(capacity, policy, overwritten, items));
    (Producer::new(Arc::clone(&channel)), Consumer::new(channel))
}
