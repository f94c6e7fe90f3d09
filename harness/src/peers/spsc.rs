//! Queues between two threads behind one interface, [`Spsc`]: mmring's
//! `SharedRingBuffer` and the channel and SPSC-ring peers.

use std::sync::Arc;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::time::Duration;

use crossbeam_queue::ArrayQueue;
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
    /// Waits for the oldest item by blocking the thread, where the library can.
    fn recv_blocking(_rx: &mut Self::Rx) -> Option<u64> {
        None
    }
}

/// How long a blocking receive waits before the run is declared stuck.
const STUCK: Duration = Duration::from_secs(30);

/// mmring `SharedRingBuffer<GenericRingBuffer<u64>>`; `send` inserts only when not full
/// (inside `with`), so no item is overwritten.
pub struct Mmring;

impl Spsc for Mmring {
    const NAME: &'static str = "mmring SharedRingBuffer";
    const MMRING: bool = true;
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
        while !try_insert(tx, v) {
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

/// Inserts `v` unless the ring is full (then nothing is evicted): a lossless send.
#[inline]
pub fn try_insert(ring: &SharedRingBuffer<GenericRingBuffer<u64>>, v: u64) -> bool {
    ring.with(|r| {
        if r.is_full() {
            false
        } else {
            r.insert(v);
            true
        }
    })
}

/// `std::sync::mpsc::sync_channel`.
pub struct StdMpsc;

impl Spsc for StdMpsc {
    const NAME: &'static str = "std::sync::mpsc (sync_channel)";
    type Tx = SyncSender<u64>;
    type Rx = Receiver<u64>;
    fn channel(capacity: usize) -> (Self::Tx, Self::Rx) {
        sync_channel(capacity)
    }
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
}

/// `crossbeam_channel::bounded`.
pub struct Crossbeam;

impl Spsc for Crossbeam {
    const NAME: &'static str = "crossbeam-channel (bounded)";
    type Tx = crossbeam_channel::Sender<u64>;
    type Rx = crossbeam_channel::Receiver<u64>;
    fn channel(capacity: usize) -> (Self::Tx, Self::Rx) {
        crossbeam_channel::bounded(capacity)
    }
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
}

/// `rtrb::RingBuffer`.
pub struct Rtrb;

impl Spsc for Rtrb {
    const NAME: &'static str = "rtrb";
    type Tx = rtrb::Producer<u64>;
    type Rx = rtrb::Consumer<u64>;
    fn channel(capacity: usize) -> (Self::Tx, Self::Rx) {
        rtrb::RingBuffer::new(capacity)
    }
    #[inline]
    fn send(tx: &mut Self::Tx, v: u64) {
        while tx.push(v).is_err() {
            std::hint::spin_loop();
        }
    }
    #[inline]
    fn try_recv(rx: &mut Self::Rx) -> Option<u64> {
        rx.pop().ok()
    }
}

/// `ringbuf::HeapRb`, split.
pub struct Ringbuf;

impl Spsc for Ringbuf {
    const NAME: &'static str = "ringbuf (HeapRb)";
    type Tx = ringbuf::HeapProd<u64>;
    type Rx = ringbuf::HeapCons<u64>;
    fn channel(capacity: usize) -> (Self::Tx, Self::Rx) {
        HeapRb::new(capacity).split()
    }
    #[inline]
    fn send(tx: &mut Self::Tx, v: u64) {
        while tx.try_push(v).is_err() {
            std::hint::spin_loop();
        }
    }
    #[inline]
    fn try_recv(rx: &mut Self::Rx) -> Option<u64> {
        rx.try_pop()
    }
}

/// `crossbeam_queue::ArrayQueue` with `push` (lossless; see the overwrite workload for
/// `force_push`).
pub struct ArrayQ;

impl Spsc for ArrayQ {
    const NAME: &'static str = "crossbeam_queue::ArrayQueue";
    type Tx = Arc<ArrayQueue<u64>>;
    type Rx = Arc<ArrayQueue<u64>>;
    fn channel(capacity: usize) -> (Self::Tx, Self::Rx) {
        let q = Arc::new(ArrayQueue::new(capacity));
        (Arc::clone(&q), q)
    }
    #[inline]
    fn send(tx: &mut Self::Tx, v: u64) {
        while tx.push(v).is_err() {
            std::hint::spin_loop();
        }
    }
    #[inline]
    fn try_recv(rx: &mut Self::Rx) -> Option<u64> {
        rx.pop()
    }
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
        fifo::<StdMpsc>();
        fifo::<Crossbeam>();
        fifo::<Rtrb>();
        fifo::<Ringbuf>();
        fifo::<ArrayQ>();
    }
}
