//! Queues between two threads behind one interface, [`Spsc`]: mmring's
//! `SharedRingBuffer` and split halves, and the channel and SPSC-ring peers.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::time::Duration;

use crossbeam_queue::ArrayQueue;
use mmring_core::split::{self, Policy};
use mmring_core::{GenericRingBuffer, SharedRingBuffer};
use ringbuf::HeapRb;
use ringbuf::traits::{Consumer as _, Producer as _, Split as _};

/// A single-producer single-consumer queue of `u64`, used losslessly: `send` waits
/// while the queue is full.
pub trait Spsc {
    /// Name in the report.
    const NAME: &'static str;
    /// Whether this is mmring.
    const MMRING: bool = false;
    /// Whether [`recv_blocking`](Self::recv_blocking) blocks the thread (the library
    /// can wait that way).
    const BLOCKS: bool = false;
    /// The producer's end.
    type Tx: Send;
    /// The consumer's end.
    type Rx: Send;
    /// A queue holding `capacity` items.
    fn channel(capacity: usize) -> (Self::Tx, Self::Rx);
    /// Sends `v`, waiting (spinning or blocking, as the library does) while full.
    fn send(tx: &mut Self::Tx, v: u64);
    /// Takes the oldest item without waiting.
    fn try_recv(rx: &mut Self::Rx) -> Option<u64>;
    /// Waits for the oldest item by blocking the thread, where the library can
    /// ([`BLOCKS`](Self::BLOCKS)); `None` otherwise.
    fn recv_blocking(_rx: &mut Self::Rx) -> Option<u64> {
        None
    }
}

/// How long a blocking receive waits before the run is declared stuck.
const STUCK: Duration = Duration::from_secs(30);

/// mmring `SharedRingBuffer<GenericRingBuffer<u64>>`; `send` retries `try_insert`
/// (which inserts only when not full), so no item is overwritten.
pub struct Mmring;

impl Spsc for Mmring {
    const NAME: &'static str = "mmring SharedRingBuffer";
    const MMRING: bool = true;
    const BLOCKS: bool = true;
    type Tx = SharedRingBuffer<GenericRingBuffer<u64>>;
    type Rx = SharedRingBuffer<GenericRingBuffer<u64>>;
    fn channel(capacity: usize) -> (Self::Tx, Self::Rx) {
        let ring = GenericRingBuffer::new(capacity)
            .expect("valid capacity")
            .into_shared();
        (ring.clone(), ring)
    }
    #[inline]
    fn send(tx: &mut Self::Tx, v: u64) {
        while tx.try_insert(v).is_err() {
            std::hint::spin_loop();
        }
    }
    #[inline]
    fn try_recv(rx: &mut Self::Rx) -> Option<u64> {
        rx.consume()
    }
    fn recv_blocking(rx: &mut Self::Rx) -> Option<u64> {
        rx.consume_blocking(STUCK)
    }
}

/// mmring `GenericRingBuffer<u64>::split_with(Policy::Reject)`: lock-free halves;
/// `send` retries `try_insert` while the ring is full (as the rtrb and ringbuf rows
/// retry `push`), so no item is evicted.
pub struct MmringSplit;

impl Spsc for MmringSplit {
    const NAME: &'static str = "mmring split (Reject)";
    const MMRING: bool = true;
    const BLOCKS: bool = true;
    type Tx = split::Producer<u64>;
    type Rx = split::Consumer<u64>;
    fn channel(capacity: usize) -> (Self::Tx, Self::Rx) {
        GenericRingBuffer::new(capacity)
            .expect("valid capacity")
            .split_with(Policy::Reject)
    }
    #[inline]
    fn send(tx: &mut Self::Tx, mut v: u64) {
        while let Err(back) = tx.try_insert(v) {
            v = back;
            std::hint::spin_loop();
        }
    }
    #[inline]
    fn try_recv(rx: &mut Self::Rx) -> Option<u64> {
        rx.try_consume()
    }
    fn recv_blocking(rx: &mut Self::Rx) -> Option<u64> {
        rx.consume_blocking(STUCK)
    }
}

/// `parking_lot::Mutex<VecDeque<u64>>` behind an `Arc`, bounded by hand (`send`
/// retries while it holds `capacity` items): the plainest ring behind one lock, the
/// floor of any handle that takes a lock per message (as `SharedRingBuffer` does).
pub struct LockedDeque;

/// [`LockedDeque`]'s two ends: the shared deque and its bound.
pub type Locked = (Arc<parking_lot::Mutex<VecDeque<u64>>>, usize);

impl Spsc for LockedDeque {
    const NAME: &'static str = "parking_lot::Mutex<VecDeque> (a bare locked ring)";
    type Tx = Locked;
    type Rx = Locked;
    fn channel(capacity: usize) -> (Self::Tx, Self::Rx) {
        let deque = Arc::new(parking_lot::Mutex::new(VecDeque::with_capacity(capacity)));
        ((Arc::clone(&deque), capacity), (deque, capacity))
    }
    #[inline]
    fn send((deque, capacity): &mut Self::Tx, v: u64) {
        loop {
            let mut deque = deque.lock();
            if deque.len() < *capacity {
                deque.push_back(v);
                return;
            }
            drop(deque);
            std::hint::spin_loop();
        }
    }
    #[inline]
    fn try_recv((deque, _): &mut Self::Rx) -> Option<u64> {
        deque.lock().pop_front()
    }
}

/// Implements [`Spsc`] for a peer: its name, its two ends, how to make them, and the
/// methods that move values (one of the two method sets below).
macro_rules! spsc {
    ($($peer:ident = $name:literal, $tx:ty, $rx:ty, $channel:expr, $methods:ident!($($args:tt)*);)*) => {$(
        impl Spsc for $peer {
            const NAME: &'static str = $name;
            type Tx = $tx;
            type Rx = $rx;
            fn channel(capacity: usize) -> (Self::Tx, Self::Rx) {
                $channel(capacity)
            }
            $methods!($($args)*);
        }
    )*};
}

/// The methods of a channel with a blocking `send`, a `try_recv` and a
/// `recv_timeout` (so it [`BLOCKS`](Spsc::BLOCKS)).
macro_rules! channel_methods {
    () => {
        const BLOCKS: bool = true;
        #[inline]
        fn send(tx: &mut Self::Tx, v: u64) {
            tx.send(v).expect("receiver alive");
        }
        #[inline]
        fn try_recv(rx: &mut Self::Rx) -> Option<u64> {
            rx.try_recv().ok()
        }
        fn recv_blocking(rx: &mut Self::Rx) -> Option<u64> {
            rx.recv_timeout(STUCK).ok()
        }
    };
}

/// The methods of kanal's channels: like [`channel_methods`], but `try_recv` says
/// "empty" with `Ok(None)`.
macro_rules! kanal_methods {
    () => {
        const BLOCKS: bool = true;
        #[inline]
        fn send(tx: &mut Self::Tx, v: u64) {
            tx.send(v).expect("receiver alive");
        }
        #[inline]
        fn try_recv(rx: &mut Self::Rx) -> Option<u64> {
            rx.try_recv().expect("sender alive")
        }
        fn recv_blocking(rx: &mut Self::Rx) -> Option<u64> {
            rx.recv_timeout(STUCK).ok()
        }
    };
}

/// The methods of a lock-free queue without waiting: `send` spins while `$push`
/// refuses the value, `$pop` takes one.
macro_rules! spinning_methods {
    ($push:ident, $pop:expr) => {
        #[inline]
        fn send(tx: &mut Self::Tx, v: u64) {
            while tx.$push(v).is_err() {
                std::hint::spin_loop();
            }
        }
        #[inline]
        fn try_recv(rx: &mut Self::Rx) -> Option<u64> {
            $pop(rx)
        }
    };
}

/// `std::sync::mpsc::sync_channel`.
pub struct StdMpsc;
/// `crossbeam_channel::bounded`.
pub struct Crossbeam;
/// `kanal::bounded`.
pub struct Kanal;
/// `rtrb::RingBuffer`.
pub struct Rtrb;
/// `ringbuf::HeapRb`, split.
pub struct Ringbuf;
/// `crossbeam_queue::ArrayQueue` with `push` (lossless; see the overwrite workload for
/// `force_push`).
pub struct ArrayQ;

spsc! {
    StdMpsc = "std::sync::mpsc (sync_channel)", SyncSender<u64>, Receiver<u64>, sync_channel,
        channel_methods!();
    Crossbeam = "crossbeam-channel (bounded)", crossbeam_channel::Sender<u64>,
        crossbeam_channel::Receiver<u64>, crossbeam_channel::bounded, channel_methods!();
    Kanal = "kanal (bounded)", kanal::Sender<u64>, kanal::Receiver<u64>, kanal::bounded,
        kanal_methods!();
    Rtrb = "rtrb", rtrb::Producer<u64>, rtrb::Consumer<u64>, rtrb::RingBuffer::new,
        spinning_methods!(push, |rx: &mut rtrb::Consumer<u64>| rx.pop().ok());
    Ringbuf = "ringbuf (HeapRb)", ringbuf::HeapProd<u64>, ringbuf::HeapCons<u64>,
        |capacity| HeapRb::new(capacity).split(),
        spinning_methods!(try_push, ringbuf::HeapCons::try_pop);
    ArrayQ = "crossbeam_queue::ArrayQueue", Arc<ArrayQueue<u64>>, Arc<ArrayQueue<u64>>,
        |capacity| {
            let q = Arc::new(ArrayQueue::new(capacity));
            (Arc::clone(&q), q)
        },
        spinning_methods!(push, |rx: &mut Arc<ArrayQueue<u64>>| rx.pop());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fifo<Q: Spsc>() {
        let (mut tx, mut rx) = Q::channel(4);
        for v in 0..4 {
            Q::send(&mut tx, v);
        }
        for v in 0..4 {
            assert_eq!(Q::try_recv(&mut rx), Some(v), "{}", Q::NAME);
        }
        assert_eq!(Q::try_recv(&mut rx), None, "{}", Q::NAME);
    }

    #[test]
    fn every_adapter_is_a_lossless_fifo() {
        fifo::<Mmring>();
        fifo::<MmringSplit>();
        fifo::<StdMpsc>();
        fifo::<Crossbeam>();
        fifo::<Kanal>();
        fifo::<Rtrb>();
        fifo::<Ringbuf>();
        fifo::<ArrayQ>();
        fifo::<LockedDeque>();
    }
}
