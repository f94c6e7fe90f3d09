//! `SharedRingBuffer` through its public API, under real runtimes.
//!
//! - Every method of the shared handle, written once over the ring traits and run for
//!   each of the four rings, beside what only one ring's handle has.
//! - Accounting tests, the crossbeam way: producers send `(producer, seq)` pairs and keep
//!   what their `insert` evicts; every pair must then be either consumed exactly once or
//!   handed back by exactly one insert, each consumer must see each producer's pairs in
//!   increasing order, and the evictions must match `overwritten()`. They run under
//!   tokio's multi-thread runtime, smol, `futures::executor::block_on` with std threads,
//!   and with blocking consumers on std threads.
//! - Close with waiters pending, dropping handles, cancellation of a pending `aconsume`,
//!   racing waiters (none may get an error instead of waiting), and the absence of
//!   waker traffic while items are there, observed with a waker that counts its clones
//!   and wakes.
//!
//! Nothing asserts a duration: a timeout only bounds how long a broken test hangs.
//! Miri runs everything except the tokio and smol tests (their runtimes are too slow
//! or unsupported there), with smaller counts.
#![cfg(not(loom))]

use std::collections::HashMap;
use std::fmt::Debug;
use std::future::{Future, poll_fn};
use std::panic::{self, AssertUnwindSafe};
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};
use std::thread;
use std::time::{Duration, Instant};

use futures::executor::block_on;
use futures::{Stream, StreamExt as _};
use mmring_core::shared::Consume;
use mmring_core::{
    Bytes, BytesRingBuffer, BytesRingBufferFast, FastError, Fifo, GenericRingBuffer,
    NumericRingBuffer, Ring, SharedRingBuffer,
};

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

/// A `(producer, seq)` pair.
type Tagged = (u32, u32);
type TagRing = SharedRingBuffer<GenericRingBuffer<Tagged>>;

/// Long enough never to expire in a passing test; only bounds how long a broken one hangs.
const PATIENCE: Duration = Duration::from_secs(30);

/// `native` normally, `miri` under Miri.
const fn scale(native: u32, miri: u32) -> u32 {
    if cfg!(miri) { miri } else { native }
}

fn tagged(capacity: usize) -> TagRing {
    GenericRingBuffer::new(capacity).unwrap().into_shared()
}

/// The number of registered waiters, as the handle's `Debug` output shows it.
fn waiting<R: Fifo>(ring: &SharedRingBuffer<R>) -> usize {
    let debug = format!("{ring:?}");
    let (_, rest) = debug
        .split_once("waiting: ")
        .unwrap_or_else(|| panic!("Debug output shows no waiter count: {debug}"));
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().unwrap()
}

/// Spins (yielding the thread) until `done`, failing after `PATIENCE`.
fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + PATIENCE;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        thread::yield_now();
    }
}

/// Like [`wait_until`], pausing the way of `R` ([`Runtime::pause`]) between checks.
async fn wait_until_on<R: Runtime>(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + PATIENCE;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        R::pause().await;
    }
}

/// A spawned task, awaited for its output.
type Task<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// What the scenarios written once for several runtimes need: a task started at once,
/// whose output is awaited later (a panic in the task fails the test), and a way to
/// let the others run while waiting.
trait Runtime {
    fn spawn<T: Send + 'static>(task: impl Future<Output = T> + Send + 'static) -> Task<T>;
    fn pause() -> impl Future<Output = ()>;
}

/// tokio's runtime, the one the test runs on.
struct Tokio;

impl Runtime for Tokio {
    fn spawn<T: Send + 'static>(task: impl Future<Output = T> + Send + 'static) -> Task<T> {
        let handle = tokio::spawn(task);
        Box::pin(async move { handle.await.unwrap() })
    }

    fn pause() -> impl Future<Output = ()> {
        yield_now()
    }
}

/// smol's global executor.
struct Smol;

impl Runtime for Smol {
    fn spawn<T: Send + 'static>(task: impl Future<Output = T> + Send + 'static) -> Task<T> {
        Box::pin(smol::spawn(task))
    }

    fn pause() -> impl Future<Output = ()> {
        yield_now()
    }
}

/// Std threads: a task is a thread of its own running it with `block_on`, awaiting it
/// joins the thread, and the scenario itself runs under `block_on` and yields the
/// thread while it waits.
struct Threads;

impl Runtime for Threads {
    fn spawn<T: Send + 'static>(task: impl Future<Output = T> + Send + 'static) -> Task<T> {
        let thread = thread::spawn(move || block_on(task));
        Box::pin(async move { thread.join().unwrap() })
    }

    fn pause() -> impl Future<Output = ()> {
        thread::yield_now();
        std::future::ready(())
    }
}

/// Awaits `tasks` one after another; their outputs, in order.
async fn join_tasks<T>(tasks: Vec<Task<T>>) -> Vec<T> {
    let mut outputs = Vec::with_capacity(tasks.len());
    for task in tasks {
        outputs.push(task.await);
    }
    outputs
}

/// Runs `body` on its own thread and fails if it does not finish within `PATIENCE`, so
/// a lost wake-up fails the test instead of hanging the run (the stuck threads leak).
fn within_patience<T: Send + 'static>(body: impl FnOnce() -> T + Send + 'static) -> T {
    let (done, finished) = mpsc::channel();
    let worker = thread::spawn(move || {
        let out = body();
        // Fails only when the watchdog already gave up.
        let _ = done.send(());
        out
    });
    match finished.recv_timeout(PATIENCE) {
        // Disconnected: `body` panicked; `join` passes the panic on.
        Ok(()) | Err(RecvTimeoutError::Disconnected) => worker
            .join()
            .unwrap_or_else(|panic| panic::resume_unwind(panic)),
        Err(RecvTimeoutError::Timeout) => panic!("the test hung: a waiter was never woken"),
    }
}

/// [`within_patience`] for the body of a tokio test.
async fn patiently<F: Future>(body: F) -> F::Output {
    tokio::time::timeout(PATIENCE, body)
        .await
        .expect("the test hung: a waiter was never woken")
}

/// Yields once to the executor, whichever it is.
async fn yield_now() {
    let mut yielded = false;
    poll_fn(|cx| {
        if yielded {
            Poll::Ready(())
        } else {
            yielded = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    })
    .await;
}

/// Inserts `count` pairs of `producer`; returns what the inserts evicted.
fn produce(ring: &TagRing, producer: u32, count: u32) -> Vec<Tagged> {
    (0..count)
        .filter_map(|seq| ring.insert((producer, seq)))
        .collect()
}

/// Starts `producers` threads, each running [`produce`] with its own number.
fn producer_threads(
    ring: &TagRing,
    producers: u32,
    per_producer: u32,
) -> Vec<thread::JoinHandle<Vec<Tagged>>> {
    (0..producers)
        .map(|producer| {
            let ring = ring.clone();
            thread::spawn(move || produce(&ring, producer, per_producer))
        })
        .collect()
}

/// Waits for every thread and returns their results, in order.
fn join_all<T>(threads: Vec<thread::JoinHandle<T>>) -> Vec<T> {
    threads.into_iter().map(|t| t.join().unwrap()).collect()
}

/// [`produce`] in a task, yielding now and then so consumers get to run.
async fn produce_async(ring: TagRing, producer: u32, count: u32) -> Vec<Tagged> {
    let mut evicted = Vec::new();
    for seq in 0..count {
        evicted.extend(ring.insert((producer, seq)));
        if seq % 16 == 15 {
            yield_now().await;
        }
    }
    evicted
}

/// Consumes with `aconsume` until `None`, which must mean the ring was closed.
async fn drain_async(ring: TagRing) -> Vec<Tagged> {
    let mut got = Vec::new();
    while let Some(item) = ring.aconsume().await {
        got.push(item);
    }
    assert!(ring.is_closed(), "aconsume gave None on an open ring");
    got
}

/// Consumes through the stream until it ends, which must mean the ring was closed.
async fn drain_stream(ring: TagRing) -> Vec<Tagged> {
    let mut items = ring.aconsume_iterable();
    let mut got = Vec::new();
    while let Some(item) = items.next().await {
        got.push(item);
    }
    assert!(ring.is_closed(), "the stream ended on an open ring");
    got
}

/// Consumes with `consume_blocking` until `None`, which must mean the ring was closed.
fn drain_blocking(ring: &TagRing) -> Vec<Tagged> {
    let mut got = Vec::new();
    while let Some(item) = ring.consume_blocking(PATIENCE) {
        got.push(item);
    }
    assert!(
        ring.is_closed(),
        "consume_blocking gave None on an open ring"
    );
    got
}

/// The exactly-once check, once every consumer is done: each consumer saw each
/// producer's pairs in increasing order, consumed ∪ evicted is every pair sent, each
/// once, the evictions are what `ring.overwritten()` counts, and no consumer is still
/// counted as waiting.
fn assert_exactly_once(
    ring: &TagRing,
    consumed: &[Vec<Tagged>],
    evicted: &[Tagged],
    producers: u32,
    per_producer: u32,
) {
    assert_eq!(waiting(ring), 0, "a consumer is still counted as waiting");
    let overwritten = ring.overwritten();
    for (consumer, got) in consumed.iter().enumerate() {
        let mut last = HashMap::new();
        for &(producer, seq) in got {
            if let Some(previous) = last.insert(producer, seq) {
                assert!(
                    seq > previous,
                    "consumer {consumer} got seq {seq} of producer {producer} after {previous}"
                );
            }
        }
    }
    assert_eq!(
        evicted.len() as u64,
        overwritten,
        "evictions handed back vs overwritten()"
    );
    let mut all: Vec<Tagged> = consumed.iter().flatten().chain(evicted).copied().collect();
    all.sort_unstable();
    let sent = u64::from(producers) * u64::from(per_producer);
    assert_eq!(all.len() as u64, sent, "consumed + overwritten != sent");
    let expected = (0..producers).flat_map(|p| (0..per_producer).map(move |s| (p, s)));
    for (got, want) in all.iter().zip(expected) {
        assert_eq!(*got, want, "a pair was delivered twice or never");
    }
}

/// Counts its own drops.
#[derive(Debug)]
struct Counted(Arc<AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

/// What a [`counting_waker`] saw.
#[derive(Debug, Default)]
struct WakerCounts {
    clones: AtomicUsize,
    wakes: AtomicUsize,
}

impl WakerCounts {
    fn clones(&self) -> usize {
        self.clones.load(SeqCst)
    }

    fn wakes(&self) -> usize {
        self.wakes.load(SeqCst)
    }
}

/// A waker that counts how often it is cloned and woken. Each waker owns one strong
/// count of the `Arc<WakerCounts>` its data pointer came from.
fn counting_waker(counts: &Arc<WakerCounts>) -> Waker {
    const VTABLE: RawWakerVTable = RawWakerVTable::new(clone, wake, wake_by_ref, drop_waker);

    unsafe fn clone(data: *const ()) -> RawWaker {
        let counts = data.cast::<WakerCounts>();
        // SAFETY: `data` came from `Arc::into_raw` and the waker being cloned still owns
        // one count, so the allocation is live; the new waker owns the new count.
        unsafe { Arc::increment_strong_count(counts) };
        // SAFETY: live, as above.
        unsafe { &*counts }.clones.fetch_add(1, SeqCst);
        RawWaker::new(data, &VTABLE)
    }

    unsafe fn wake(data: *const ()) {
        // SAFETY: the waker being woken owns `data`'s count; this consumes the waker.
        unsafe {
            wake_by_ref(data);
            drop_waker(data);
        }
    }

    unsafe fn wake_by_ref(data: *const ()) {
        // SAFETY: the waker owns a count, so the allocation is live.
        unsafe { &*data.cast::<WakerCounts>() }
            .wakes
            .fetch_add(1, SeqCst);
    }

    unsafe fn drop_waker(data: *const ()) {
        // SAFETY: releases the one count this waker owns.
        drop(unsafe { Arc::from_raw(data.cast::<WakerCounts>()) });
    }

    let data = Arc::into_raw(Arc::clone(counts)).cast::<()>();
    // SAFETY: the vtable functions honour the `RawWaker` contract for a pointer that owns
    // one strong count of an `Arc<WakerCounts>`, which `data` does.
    unsafe { Waker::from_raw(RawWaker::new(data, &VTABLE)) }
}

fn poll<F: Future + ?Sized>(future: Pin<&mut F>, waker: &Waker) -> Poll<F::Output> {
    future.poll(&mut Context::from_waker(waker))
}

fn poll_next<S: Stream + Unpin>(stream: &mut S, waker: &Waker) -> Poll<Option<S::Item>> {
    Pin::new(stream).poll_next(&mut Context::from_waker(waker))
}

/// Checks that an insert wakes each kind of waiter and that close ends them, for any
/// ring: a pending `aconsume`, a pending stream, a thread in `consume_blocking`. Returns
/// the three items received, in order.
fn exercise_waiters<R>(
    ring: &SharedRingBuffer<R>,
    insert: impl Fn(&SharedRingBuffer<R>, u8),
) -> Vec<R::Item>
where
    R: Fifo + Send + 'static,
    R::Item: Send,
{
    let mut received = Vec::new();

    let counts = Arc::new(WakerCounts::default());
    let waker = counting_waker(&counts);
    let mut future = pin!(ring.aconsume());
    assert!(poll(future.as_mut(), &waker).is_pending());
    assert_eq!(waiting(ring), 1);
    insert(ring, 1);
    assert_eq!(counts.wakes(), 1, "the insert woke the pending aconsume");
    match poll(future, &waker) {
        Poll::Ready(Some(item)) => received.push(item),
        _ => panic!("aconsume did not resolve after being woken"),
    }

    let counts = Arc::new(WakerCounts::default());
    let waker = counting_waker(&counts);
    let mut stream = ring.aconsume_iterable();
    assert!(poll_next(&mut stream, &waker).is_pending());
    insert(ring, 2);
    assert_eq!(counts.wakes(), 1, "the insert woke the pending stream");
    match poll_next(&mut stream, &waker) {
        Poll::Ready(Some(item)) => received.push(item),
        _ => panic!("the stream did not yield after being woken"),
    }

    let blocked = ring.clone();
    let thread = thread::spawn(move || blocked.consume_blocking(PATIENCE));
    wait_until("the thread waits", || waiting(ring) == 1);
    insert(ring, 3);
    received.push(thread.join().unwrap().expect("the insert woke the thread"));

    assert!(poll_next(&mut stream, &waker).is_pending());
    ring.close();
    assert!(matches!(poll_next(&mut stream, &waker), Poll::Ready(None)));
    assert!(block_on(ring.aconsume()).is_none());
    assert!(ring.consume_blocking(Duration::MAX).is_none());
    assert_eq!(waiting(ring), 0);
    received
}

// ---------------------------------------------------------------------------------------
// Static guarantees
// ---------------------------------------------------------------------------------------

const _: () = {
    const fn clone_send_sync<T: Clone + Send + Sync>() {}
    clone_send_sync::<SharedRingBuffer<GenericRingBuffer<String>>>();
    clone_send_sync::<SharedRingBuffer<NumericRingBuffer<f64>>>();
    clone_send_sync::<SharedRingBuffer<BytesRingBuffer>>();
    clone_send_sync::<SharedRingBuffer<BytesRingBufferFast>>();

    const fn spawnable_stream<S: Stream + Send + Unpin + 'static>() {}
    spawnable_stream::<Consume<GenericRingBuffer<String>>>();
    spawnable_stream::<Consume<BytesRingBuffer>>();
};

#[test]
fn aconsume_future_is_send() {
    fn send<T: Send>(_: &T) {}
    let ring = GenericRingBuffer::<String>::new(2).unwrap().into_shared();
    send(&ring.aconsume());
    // What `tokio::spawn` needs: a `'static + Send` future owning a handle.
    fn spawnable<F: Future + Send + 'static>(_: &F) {}
    let owned = ring.clone();
    spawnable(&async move { owned.aconsume().await });
    let bytes = BytesRingBuffer::new(2).unwrap().into_shared();
    spawnable(&async move { bytes.aconsume().await });
}

// ---------------------------------------------------------------------------------------
// The shared vocabulary, for each ring
// ---------------------------------------------------------------------------------------

/// What the vocabulary check needs of a ring beyond the handle's generic methods: a way
/// to put numbered items in and the item each number stands for.
trait Subject: Ring + Fifo<Item: Clone + PartialEq + Debug + Send> + Send + Sized + 'static {
    /// Item `n`, as the handle's reads return it.
    fn item(n: u8) -> Self::Item;
    /// Inserts item `n` with the handle's `insert`.
    fn insert(ring: &SharedRingBuffer<Self>, n: u8);
    /// Inserts items `ns` with the handle's `insert_batch`.
    fn insert_batch(ring: &SharedRingBuffer<Self>, ns: &[u8]);
    /// Replaces the newest item by item `n`; `false` when refused (empty).
    fn overwrite_latest(ring: &SharedRingBuffer<Self>, n: u8) -> bool;
    /// The handle's `contains` of item `n`.
    fn holds(ring: &SharedRingBuffer<Self>, n: u8) -> bool;
}

impl Subject for GenericRingBuffer<String> {
    fn item(n: u8) -> String {
        n.to_string()
    }
    fn insert(ring: &SharedRingBuffer<Self>, n: u8) {
        ring.insert(n.to_string());
    }
    fn insert_batch(ring: &SharedRingBuffer<Self>, ns: &[u8]) {
        ring.insert_batch(ns.iter().map(u8::to_string));
    }
    fn overwrite_latest(ring: &SharedRingBuffer<Self>, n: u8) -> bool {
        ring.overwrite_latest(n.to_string()).is_ok()
    }
    fn holds(ring: &SharedRingBuffer<Self>, n: u8) -> bool {
        ring.contains(&n.to_string())
    }
}

impl Subject for NumericRingBuffer<i64> {
    fn item(n: u8) -> i64 {
        i64::from(n)
    }
    fn insert(ring: &SharedRingBuffer<Self>, n: u8) {
        ring.insert(i64::from(n));
    }
    fn insert_batch(ring: &SharedRingBuffer<Self>, ns: &[u8]) {
        ring.insert_batch(&ns.iter().copied().map(i64::from).collect::<Vec<_>>());
    }
    fn overwrite_latest(ring: &SharedRingBuffer<Self>, n: u8) -> bool {
        ring.overwrite_latest(i64::from(n)).is_ok()
    }
    fn holds(ring: &SharedRingBuffer<Self>, n: u8) -> bool {
        ring.contains(i64::from(n))
    }
}

impl Subject for BytesRingBuffer {
    fn item(n: u8) -> Bytes {
        Bytes::from(vec![n])
    }
    fn insert(ring: &SharedRingBuffer<Self>, n: u8) {
        assert!(ring.insert(vec![n]));
    }
    fn insert_batch(ring: &SharedRingBuffer<Self>, ns: &[u8]) {
        ring.insert_batch(ns.iter().map(|&n| vec![n]));
    }
    fn overwrite_latest(ring: &SharedRingBuffer<Self>, n: u8) -> bool {
        ring.overwrite_latest(vec![n]).is_ok()
    }
    fn holds(ring: &SharedRingBuffer<Self>, n: u8) -> bool {
        ring.contains(&[n])
    }
}

impl Subject for BytesRingBufferFast {
    fn item(n: u8) -> Vec<u8> {
        vec![n]
    }
    fn insert(ring: &SharedRingBuffer<Self>, n: u8) {
        ring.insert(&[n]).unwrap();
    }
    fn insert_batch(ring: &SharedRingBuffer<Self>, ns: &[u8]) {
        let items: Vec<[u8; 1]> = ns.iter().map(|&n| [n]).collect();
        let slices: Vec<&[u8]> = items.iter().map(|item| &item[..]).collect();
        ring.insert_batch(&slices).unwrap();
    }
    fn overwrite_latest(ring: &SharedRingBuffer<Self>, n: u8) -> bool {
        ring.overwrite_latest(&[n]).is_ok()
    }
    fn holds(ring: &SharedRingBuffer<Self>, n: u8) -> bool {
        ring.contains(&[n])
    }
}

/// Every method of the handle that every ring shares, on a ring of capacity 4 made by
/// `new`, and the three kinds of waiter on a fresh one.
fn shared_vocabulary<R: Subject>(new: impl Fn() -> SharedRingBuffer<R>) {
    let item = R::item;
    let ring = new();
    assert_eq!(ring.capacity(), 4);
    assert!(ring.is_empty() && !ring.is_full());
    assert_eq!(ring.len(), 0);
    assert_eq!((ring.peekleft(), ring.peekright()), (None, None));
    assert_eq!((ring.get(0), ring.get_signed(-1)), (None, None));
    assert!(!R::overwrite_latest(&ring, 9), "nothing to overwrite");
    assert!(ring.is_empty());
    assert_eq!(ring.consume(), None);
    assert!(ring.consume_all().is_empty());
    assert!(ring.unwrapped().is_empty());

    R::insert(&ring, 1);
    R::insert_batch(&ring, &[2, 3, 4]);
    assert!(ring.is_full());
    R::insert(&ring, 5);
    assert_eq!(ring.overwritten(), 1);
    assert_eq!(ring.unwrapped(), [2, 3, 4, 5].map(item));
    assert_eq!(ring.peekleft(), Some(item(2)));
    assert_eq!(ring.peekright(), Some(item(5)));
    assert_eq!(ring.get(1), Some(item(3)));
    assert_eq!(ring.get(4), None);
    assert_eq!(ring.get_signed(-1), Some(item(5)));
    assert_eq!(ring.get_signed(-4), Some(item(2)));
    assert_eq!(ring.get_signed(-5), None);
    assert!(R::holds(&ring, 3) && !R::holds(&ring, 1));
    assert!(R::overwrite_latest(&ring, 50));
    assert_eq!(ring.peekright(), Some(item(50)));
    assert_eq!(ring.consume(), Some(item(2)));
    assert_eq!((ring.len(), ring.is_full()), (3, false));
    assert_eq!(ring.consume_all(), [3, 4, 50].map(item));
    assert!(ring.is_empty());

    R::insert_batch(&ring, &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert_eq!(ring.unwrapped(), [6, 7, 8, 9].map(item));
    assert_eq!(ring.overwritten(), 7);
    let newest_first: Vec<R::Item> = ring.with(|ring| ring.iter().rev().map(R::to_item).collect());
    assert_eq!(newest_first, [9, 8, 7, 6].map(item));
    ring.clear();
    assert!(ring.is_empty());
    assert_eq!(ring.overwritten(), 7, "clear evicts nothing");

    assert!(!ring.is_closed());
    R::insert(&ring, 10);
    ring.close();
    ring.close();
    assert!(ring.is_closed());
    R::insert(&ring, 11);
    let debug = format!("{ring:?}");
    for field in [
        "SharedRingBuffer",
        "len: 2",
        "capacity: 4",
        "closed: true",
        "waiting: 0",
    ] {
        assert!(debug.contains(field), "{field} missing from {debug}");
    }
    assert_eq!(ring.consume(), Some(item(10)), "a closed ring still drains");
    assert_eq!(block_on(ring.aconsume()), Some(item(11)));
    assert_eq!(block_on(ring.aconsume()), None);

    let received = exercise_waiters(&new(), R::insert);
    assert_eq!(received, [1, 2, 3].map(item));
}

#[test]
fn generic_vocabulary_and_item_hand_back() {
    shared_vocabulary(|| GenericRingBuffer::<String>::new(3).unwrap().into_shared());

    let ring = GenericRingBuffer::new(1).unwrap().into_shared();
    let s = |text: &str| text.to_owned();
    assert_eq!(ring.overwrite_latest(s("x")), Err(s("x")));
    assert_eq!(ring.insert(s("a")), None);
    assert_eq!(
        ring.insert(s("b")),
        Some(s("a")),
        "the evicted item comes back"
    );
    assert_eq!(ring.overwrite_latest(s("c")), Ok(s("b")));
}

/// `try_insert` refuses instead of evicting, and the checks it and `consume` make
/// without the lock follow every way the ring changes: inserts, consumes, `with`,
/// `clear`, and a `with` that panics.
#[test]
fn try_insert_refuses_when_full_and_lock_free_checks_follow_every_change() {
    let ring = GenericRingBuffer::<u32>::new(2).unwrap().into_shared();
    assert_eq!(ring.consume(), None);
    assert_eq!(ring.try_insert(1), Ok(()));
    assert_eq!(ring.try_insert(2), Ok(()));
    assert_eq!(ring.try_insert(3), Err(3), "full: refused, nothing evicted");
    assert_eq!(ring.unwrapped(), [1, 2]);
    assert_eq!(ring.overwritten(), 0);
    assert_eq!(ring.consume(), Some(1));
    assert_eq!(ring.try_insert(3), Ok(()), "room again after a consume");
    ring.clear();
    assert_eq!(ring.consume(), None);
    ring.with(|r| r.insert(7));
    assert_eq!(ring.consume(), Some(7), "an insert inside `with` is seen");
    let panicked = panic::catch_unwind(AssertUnwindSafe(|| {
        ring.with(|r| {
            r.insert(8);
            r.insert(9);
            panic!("feed broke");
        })
    }));
    assert!(panicked.is_err());
    assert_eq!(
        ring.try_insert(10),
        Err(10),
        "full after the panicking `with`"
    );
    assert_eq!(
        (ring.consume(), ring.consume(), ring.consume()),
        (Some(8), Some(9), None)
    );

    let numbers = NumericRingBuffer::<f64>::new(1).unwrap().into_shared();
    assert_eq!(numbers.try_insert(1.5), Ok(()));
    assert_eq!(numbers.try_insert(2.5), Err(2.5));
    assert_eq!(numbers.consume(), Some(1.5));
}

/// A lossless hand-off between two threads with `try_insert` and `consume`, both of
/// which answer a full or empty ring without the lock: nothing lost, nothing reordered.
#[test]
fn try_insert_and_consume_across_threads_lose_nothing() {
    const COUNT: u32 = if cfg!(miri) { 500 } else { 200_000 };
    let ring = GenericRingBuffer::<u32>::new(16).unwrap().into_shared();
    let producer = ring.clone();
    let feed = thread::spawn(move || {
        for i in 0..COUNT {
            let mut item = i;
            while let Err(back) = producer.try_insert(item) {
                item = back;
                std::hint::spin_loop();
            }
        }
    });
    let mut expected = 0;
    while expected < COUNT {
        if let Some(item) = ring.consume() {
            assert_eq!(item, expected, "lost or reordered");
            expected += 1;
        } else {
            std::hint::spin_loop();
        }
    }
    feed.join().unwrap();
    assert_eq!((ring.consume(), ring.overwritten()), (None, 0));
}

#[test]
fn numeric_vocabulary_and_statistics() {
    shared_vocabulary(|| NumericRingBuffer::<i64>::new(4).unwrap().into_shared());

    let ring = NumericRingBuffer::<i64>::new(4).unwrap().into_shared();
    assert_eq!(
        (ring.sum(), ring.mean(), ring.min(), ring.max()),
        (None, None, None, None)
    );
    assert_eq!(ring.overwrite_latest(9), Err(9));
    assert_eq!(ring.insert(5), None);
    ring.insert_batch(&[-3, 8, 2]);
    assert_eq!(ring.insert(4), Some(5));
    assert_eq!(ring.sum(), Some(11.0));
    assert_eq!(ring.mean(), Some(2.75));
    assert_eq!((ring.min(), ring.max()), (Some(-3), Some(8)));
    assert_eq!(ring.overwrite_latest(10), Ok(4));
    assert_eq!(ring.max(), Some(10));
    ring.insert_batch(&[1, 2, 3, 4, 5, 6]);
    let window = ring.with(|ring| ring.make_contiguous().to_vec());
    assert_eq!(window, [3, 4, 5, 6]);

    let prices = NumericRingBuffer::<f64>::new(4).unwrap().into_shared();
    prices.insert_batch(&[2.0, f64::NAN, -1.0]);
    assert_eq!((prices.min(), prices.max()), (Some(-1.0), Some(2.0)));
    assert!(prices.sum().unwrap().is_nan());
}

#[test]
fn bytes_vocabulary_and_uniqueness() {
    shared_vocabulary(|| BytesRingBuffer::new(4).unwrap().into_shared());

    let ring = BytesRingBuffer::new(4).unwrap().into_shared();
    assert_eq!(
        ring.overwrite_latest(&b"x"[..]),
        Err(Bytes::from_static(b"x"))
    );
    assert!(ring.insert(&b"a"[..]));
    assert_eq!(
        ring.overwrite_latest(&b"E"[..]),
        Ok(Bytes::from_static(b"a"))
    );
    assert!(ring.with(|ring| !ring.only_insert_unique()));

    let unique = BytesRingBuffer::builder(4)
        .only_insert_unique(true)
        .build()
        .unwrap()
        .into_shared();
    assert!(unique.insert(&b"tick"[..]));
    assert!(!unique.insert(&b"tick"[..]), "a duplicate is skipped");
    unique.insert_batch([&b"x"[..], b"y", b"x"]);
    assert_eq!(unique.unwrapped(), [&b"tick"[..], b"x", b"y"]);
}

#[test]
fn bytes_fast_vocabulary_slots_and_consume_into() {
    shared_vocabulary(|| BytesRingBufferFast::new(4).unwrap().into_shared());

    let ring = BytesRingBufferFast::builder(4)
        .expected_item_size(8)
        .buffer_percent(0.0)
        .build()
        .unwrap()
        .into_shared();
    assert_eq!(ring.with(|ring| ring.slot_size()), 8);
    assert_eq!(ring.overwrite_latest(b"x"), Err(FastError::Empty));
    let mut out = b"stale".to_vec();
    assert!(!ring.consume_into(&mut out));
    assert_eq!(out, b"stale", "untouched when empty");

    ring.insert_batch(&[b"b", b"c", b"d", b"e"]).unwrap();
    assert_eq!(
        ring.insert(b"123456789"),
        Err(FastError::Oversize { len: 9, slot: 8 })
    );
    assert_eq!(
        ring.insert_batch(&[b"f", b"123456789"]),
        Err(FastError::Oversize { len: 9, slot: 8 })
    );
    assert_eq!(ring.unwrapped(), [b"b", b"c", b"d", b"e"], "all or nothing");
    assert_eq!(
        ring.overwrite_latest(b"123456789"),
        Err(FastError::Oversize { len: 9, slot: 8 })
    );
    assert!(ring.consume_into(&mut out));
    assert_eq!(out, b"b");
}

// ---------------------------------------------------------------------------------------
// Waker traffic and `with`
// ---------------------------------------------------------------------------------------

#[test]
fn no_waker_traffic_while_items_are_available() {
    let ring = tagged(8);
    ring.insert_batch((0..4).map(|seq| (0, seq)));
    let counts = Arc::new(WakerCounts::default());
    let waker = counting_waker(&counts);

    for seq in 0..2 {
        let future = pin!(ring.aconsume());
        assert_eq!(poll(future, &waker), Poll::Ready(Some((0, seq))));
    }
    let mut stream = ring.aconsume_iterable();
    for seq in 2..4 {
        assert_eq!(poll_next(&mut stream, &waker), Poll::Ready(Some((0, seq))));
    }
    assert_eq!(counts.clones(), 0, "nothing registered the waker");
    assert_eq!(counts.wakes(), 0);
    assert_eq!(waiting(&ring), 0);

    // Now empty: the stream registers (one clone), and an insert wakes it once.
    assert!(poll_next(&mut stream, &waker).is_pending());
    assert!(counts.clones() >= 1, "an empty ring registers the waker");
    ring.insert((0, 4));
    assert_eq!(counts.wakes(), 1);
    assert_eq!(poll_next(&mut stream, &waker), Poll::Ready(Some((0, 4))));
}

#[test]
fn with_that_inserts_wakes_waiters() {
    let ring = GenericRingBuffer::<u32>::new(8).unwrap().into_shared();
    let counts: Vec<_> = (0..3).map(|_| Arc::new(WakerCounts::default())).collect();
    let wakers: Vec<_> = counts.iter().map(counting_waker).collect();
    let mut futures: Vec<_> = (0..3).map(|_| Box::pin(ring.aconsume())).collect();
    for (future, waker) in futures.iter_mut().zip(&wakers) {
        assert!(poll(future.as_mut(), waker).is_pending());
    }
    assert_eq!(waiting(&ring), 3);

    assert_eq!(ring.with(|ring| ring.len()), 0);
    assert!(counts.iter().all(|c| c.wakes() == 0), "a read wakes nobody");
    ring.with(|ring| ring.insert(7));
    let woken: usize = counts.iter().map(|c| c.wakes()).sum();
    assert_eq!(woken, 1, "one item wakes one waiter");
    ring.with(|ring| ring.insert_batch([8, 9]));
    assert!(
        counts.iter().all(|c| c.wakes() == 1),
        "each item wakes one more"
    );

    let mut got: Vec<u32> = futures
        .iter_mut()
        .zip(&wakers)
        .map(|(future, waker)| match poll(future.as_mut(), waker) {
            Poll::Ready(Some(item)) => item,
            other => panic!("a woken waiter found nothing: {other:?}"),
        })
        .collect();
    got.sort_unstable();
    assert_eq!(got, [7, 8, 9]);
    assert_eq!(waiting(&ring), 0);
}

/// A panic inside `with` (a user closure, or the iterator of `insert_batch`) after some
/// items went in must still wake waiters for them, or a waiter sleeps next to an item.
#[test]
fn panic_inside_with_still_wakes_waiters() {
    let ring = GenericRingBuffer::<u32>::new(8).unwrap().into_shared();
    let counts = Arc::new(WakerCounts::default());
    let waker = counting_waker(&counts);
    let mut future = pin!(ring.aconsume());
    assert!(poll(future.as_mut(), &waker).is_pending());

    let panicked = panic::catch_unwind(AssertUnwindSafe(|| {
        ring.insert_batch((0..3).map(|i| if i == 2 { panic!("feed broke") } else { i }));
    }));
    assert!(panicked.is_err());
    assert_eq!(
        ring.unwrapped(),
        [0, 1],
        "the items before the panic are in"
    );
    assert_eq!(
        counts.wakes(),
        1,
        "the waiter was not woken for the items inserted before the panic"
    );
    assert_eq!(poll(future, &waker), Poll::Ready(Some(0)));
}

// ---------------------------------------------------------------------------------------
// Cancellation and racing waiters, polled by hand
// ---------------------------------------------------------------------------------------

/// Two pending `aconsume`s; one item; whichever is dropped unpolled, the other gets it.
#[test]
fn cancelled_aconsume_passes_its_wakeup_on() {
    for drop_first in [true, false] {
        let ring = tagged(4);
        let counts = Arc::new(WakerCounts::default());
        let waker = counting_waker(&counts);
        let mut first = Box::pin(ring.aconsume());
        let mut second = Box::pin(ring.aconsume());
        assert!(poll(first.as_mut(), &waker).is_pending());
        assert!(poll(second.as_mut(), &waker).is_pending());
        assert_eq!(waiting(&ring), 2);

        ring.insert((0, 0));
        let (cancelled, mut survivor) = if drop_first {
            (first, second)
        } else {
            (second, first)
        };
        drop(cancelled);
        assert_eq!(waiting(&ring), 1, "the cancelled future counted itself out");
        assert_eq!(
            poll(survivor.as_mut(), &waker),
            Poll::Ready(Some((0, 0))),
            "the item was lost with the cancelled future (drop_first = {drop_first})"
        );
        assert_eq!(waiting(&ring), 0);
        assert!(counts.wakes() >= 1);
    }
}

/// The same with a stream as the cancelled waiter.
#[test]
fn dropped_pending_stream_passes_its_wakeup_on() {
    let ring = tagged(4);
    let waker = Waker::noop();
    let mut stream = ring.aconsume_iterable();
    assert!(poll_next(&mut stream, waker).is_pending());
    let mut future = pin!(ring.aconsume());
    assert!(poll(future.as_mut(), waker).is_pending());
    ring.insert((0, 0));
    drop(stream);
    assert_eq!(poll(future, waker), Poll::Ready(Some((0, 0))));
    assert_eq!(waiting(&ring), 0);
}

/// With two waiters, each inserted item resolves exactly one of them
/// and the other keeps waiting; nobody gets `None` until the ring is closed.
#[test]
fn racing_waiters_never_error() {
    let ring = tagged(4);
    let waker = Waker::noop();
    let mut waiters = [Box::pin(ring.aconsume()), Box::pin(ring.aconsume())];
    for waiter in &mut waiters {
        assert!(poll(waiter.as_mut(), waker).is_pending());
    }
    for seq in 0..8 {
        ring.insert((0, seq));
        let mut resolved = 0;
        for waiter in &mut waiters {
            match poll(waiter.as_mut(), waker) {
                Poll::Pending => {}
                Poll::Ready(Some(item)) => {
                    assert_eq!(item, (0, seq));
                    resolved += 1;
                    *waiter = Box::pin(ring.aconsume());
                    assert!(poll(waiter.as_mut(), waker).is_pending());
                }
                Poll::Ready(None) => panic!("a waiter got None on an open ring"),
            }
        }
        assert_eq!(resolved, 1, "item {seq} resolved {resolved} waiters");
        assert_eq!(waiting(&ring), 2);
    }
    ring.close();
    for waiter in &mut waiters {
        assert_eq!(poll(waiter.as_mut(), waker), Poll::Ready(None));
    }
    assert_eq!(waiting(&ring), 0);
}

/// Racing waiters on real threads: three waiters race for every item, which goes in only
/// once all of them wait again; none may end before the ring is closed.
#[test]
fn racing_waiters_on_threads_never_error() {
    within_patience(|| block_on(waiters_racing_for_items::<Threads>(3, scale(200, 12))));
}

// ---------------------------------------------------------------------------------------
// Close and drop
// ---------------------------------------------------------------------------------------

#[test]
fn close_with_async_waiters_pending_drains_then_ends() {
    let ring = tagged(8);
    let waker = Waker::noop();
    let mut futures: Vec<_> = (0..3).map(|_| Box::pin(ring.aconsume())).collect();
    let mut streams: Vec<_> = (0..2).map(|_| ring.aconsume_iterable()).collect();
    for future in &mut futures {
        assert!(poll(future.as_mut(), waker).is_pending());
    }
    for stream in &mut streams {
        assert!(poll_next(stream, waker).is_pending());
    }
    assert_eq!(waiting(&ring), 5);

    ring.insert((0, 0));
    ring.insert((0, 1));
    ring.close();
    let mut results: Vec<Option<Tagged>> = Vec::new();
    for future in &mut futures {
        match poll(future.as_mut(), waker) {
            Poll::Ready(result) => results.push(result),
            Poll::Pending => panic!("close left an aconsume pending"),
        }
    }
    for stream in &mut streams {
        match poll_next(stream, waker) {
            Poll::Ready(result) => results.push(result),
            Poll::Pending => panic!("close left a stream pending"),
        }
    }
    results.sort_unstable();
    assert_eq!(results, [None, None, None, Some((0, 0)), Some((0, 1))]);
    for stream in &mut streams {
        assert_eq!(poll_next(stream, waker), Poll::Ready(None));
    }
    assert_eq!(block_on(ring.aconsume()), None);
    assert_eq!(waiting(&ring), 0);
}

#[test]
fn close_with_blocked_threads_drains_then_ends() {
    within_patience(|| {
        let ring = tagged(8);
        let threads: Vec<_> = (0..3)
            .map(|_| {
                let ring = ring.clone();
                thread::spawn(move || drain_blocking(&ring))
            })
            .collect();
        wait_until("all three threads wait", || waiting(&ring) == 3);
        ring.insert((0, 0));
        ring.insert((0, 1));
        ring.close();
        let consumed = join_all(threads);
        assert_exactly_once(&ring, &consumed, &[], 1, 2);
    });
}

#[test]
fn stream_drains_what_was_inserted_before_close() {
    let ring = tagged(8);
    ring.insert_batch((0..5).map(|seq| (0, seq)));
    ring.close();
    let got = block_on(ring.aconsume_iterable().collect::<Vec<_>>());
    assert_eq!(got, (0..5).map(|seq| (0, seq)).collect::<Vec<_>>());
}

#[test]
fn stream_outlives_every_other_handle() {
    let drops = Arc::new(AtomicUsize::new(0));
    let ring = GenericRingBuffer::new(4).unwrap().into_shared();
    let other = ring.clone();
    let mut stream = ring.aconsume_iterable();
    let waker = Waker::noop();
    assert!(poll_next(&mut stream, waker).is_pending());
    for _ in 0..3 {
        assert!(other.insert(Counted(Arc::clone(&drops))).is_none());
    }
    drop(ring);
    drop(other);
    assert_eq!(drops.load(SeqCst), 0, "the stream keeps the ring alive");

    let first = block_on(stream.next()).expect("the stream still yields");
    drop(first);
    assert_eq!(drops.load(SeqCst), 1);
    drop(stream);
    assert_eq!(
        drops.load(SeqCst),
        3,
        "the last handle dropped the ring's items"
    );
}

#[test]
fn last_handle_drops_the_ring_and_its_items() {
    let drops = Arc::new(AtomicUsize::new(0));
    let ring = GenericRingBuffer::new(2).unwrap().into_shared();
    for _ in 0..3 {
        drop(ring.insert(Counted(Arc::clone(&drops))));
    }
    assert_eq!(
        drops.load(SeqCst),
        1,
        "the evicted item came back and was dropped"
    );
    let mut handles: Vec<_> = (0..4).map(|_| ring.clone()).collect();
    let thread = {
        let ring = ring.clone();
        thread::spawn(move || drop(ring))
    };
    thread.join().unwrap();
    drop(ring);
    assert_eq!(drops.load(SeqCst), 1);
    let last = handles.pop().unwrap();
    drop(handles);
    assert_eq!(drops.load(SeqCst), 1, "one handle is left");
    drop(last);
    assert_eq!(drops.load(SeqCst), 3);
}

// ---------------------------------------------------------------------------------------
// `futures::executor::block_on`, with std threads as producers
// ---------------------------------------------------------------------------------------

#[test]
fn block_on_consumers_with_thread_producers() {
    within_patience(|| {
        let (producers, per_producer) = (3, scale(2_000, 30));
        let ring = tagged(if cfg!(miri) { 8 } else { 64 });
        let producer_threads = producer_threads(&ring, producers, per_producer);
        let closer = {
            let ring = ring.clone();
            thread::spawn(move || {
                let evicted: Vec<_> = join_all(producer_threads).concat();
                ring.close();
                evicted
            })
        };
        let other_thread = {
            let ring = ring.clone();
            thread::spawn(move || block_on(drain_async(ring)))
        };
        // Two waiters in one task, plus one on another thread.
        let (by_future, by_stream) = block_on(futures::future::join(
            drain_async(ring.clone()),
            drain_stream(ring.clone()),
        ));
        let evicted = closer.join().unwrap();
        let consumed = [by_future, by_stream, other_thread.join().unwrap()];
        assert_exactly_once(&ring, &consumed, &evicted, producers, per_producer);
    });
}

#[test]
fn block_on_without_evictions_delivers_everything_in_order() {
    within_patience(|| {
        let per_producer = scale(1_000, 30);
        let ring = tagged(2 * per_producer as usize);
        let producers = producer_threads(&ring, 2, per_producer);
        let consumer = {
            let ring = ring.clone();
            thread::spawn(move || block_on(drain_stream(ring)))
        };
        for evicted in join_all(producers) {
            assert!(evicted.is_empty());
        }
        ring.close();
        let got = consumer.join().unwrap();
        assert_eq!(ring.overwritten(), 0);
        assert_exactly_once(&ring, &[got], &[], 2, per_producer);
    });
}

// ---------------------------------------------------------------------------------------
// Blocking consumers on std threads
// ---------------------------------------------------------------------------------------

#[test]
fn blocking_consumers_and_producers() {
    within_patience(|| {
        let (producers, per_producer) = (3, scale(3_000, 30));
        let ring = tagged(if cfg!(miri) { 4 } else { 32 });
        let consumers: Vec<_> = (0..3)
            .map(|_| {
                let ring = ring.clone();
                thread::spawn(move || drain_blocking(&ring))
            })
            .collect();
        let evicted = join_all(producer_threads(&ring, producers, per_producer)).concat();
        ring.close();
        let consumed = join_all(consumers);
        assert_exactly_once(&ring, &consumed, &evicted, producers, per_producer);
    });
}

#[test]
fn blocking_timeout_on_an_empty_open_ring_gives_none() {
    let ring = tagged(4);
    assert_eq!(ring.consume_blocking(Duration::from_millis(20)), None);
    assert_eq!(ring.consume_blocking(Duration::ZERO), None);
    assert_eq!(waiting(&ring), 0, "a timed-out wait counts itself out");
    assert!(!ring.is_closed());
    ring.insert((0, 0));
    assert_eq!(ring.consume_blocking(Duration::ZERO), Some((0, 0)));
}

/// A thread waits without a deadline; `wake` (from this thread) must end its wait with
/// `expected`, within `PATIENCE`.
fn assert_wakes_a_thread_waiting_without_deadline(
    wake: impl FnOnce(&TagRing),
    expected: Option<Tagged>,
) -> TagRing {
    let ring = tagged(4);
    let (sender, results) = mpsc::channel();
    let blocked = ring.clone();
    let thread = thread::spawn(move || {
        sender
            .send(blocked.consume_blocking(Duration::MAX))
            .unwrap();
    });
    wait_until("the thread waits", || waiting(&ring) == 1);
    wake(&ring);
    let result = results
        .recv_timeout(PATIENCE)
        .expect("the blocked thread was not woken");
    assert_eq!(result, expected);
    thread.join().unwrap();
    ring
}

#[test]
fn close_wakes_a_thread_waiting_without_deadline() {
    let ring = assert_wakes_a_thread_waiting_without_deadline(TagRing::close, None);
    assert_eq!(
        ring.consume_blocking(Duration::MAX),
        None,
        "closed: no wait"
    );
}

#[test]
fn insert_wakes_a_thread_waiting_without_deadline() {
    let ring = assert_wakes_a_thread_waiting_without_deadline(
        |ring| assert_eq!(ring.insert((7, 7)), None),
        Some((7, 7)),
    );
    assert!(!ring.is_closed());
}

// ---------------------------------------------------------------------------------------
// Async runtimes: tokio (multi-thread) and smol
// ---------------------------------------------------------------------------------------

/// Declares each `name: scenario;` as a test that runs the scenario (a future) on
/// tokio's multi-thread runtime with two workers, fails if it does not finish within
/// `PATIENCE`, and is skipped under Miri.
macro_rules! tokio_tests {
    ($($name:ident: $scenario:expr;)*) => {$(
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        #[cfg_attr(miri, ignore = "tokio's multi-thread runtime is too slow under Miri")]
        async fn $name() {
            patiently($scenario).await;
        }
    )*};
}

/// Declares each `name: scenario;` as a test that runs the scenario on smol, fails if it
/// does not finish within `PATIENCE`, and is skipped under Miri.
macro_rules! smol_tests {
    ($($name:ident: $scenario:expr;)*) => {$(
        #[test]
        #[cfg_attr(miri, ignore = "smol's reactor is not supported under Miri")]
        fn $name() {
            within_patience(|| smol::block_on($scenario));
        }
    )*};
}

tokio_tests! {
    tokio_producer_task_to_consumer_task: producer_task_to_consumer_task::<Tokio>();
    tokio_several_waiting_consumers_one_producer: several_waiting_consumers_one_producer();
    tokio_many_producers_many_consumers_with_evictions:
        producer_and_consumer_tasks::<Tokio>(3, 3_000, 16);
    tokio_stream_ends_after_close_once_drained: stream_ends_after_close_once_drained();
    tokio_websocket_feed_to_strategy: websocket_feed_to_strategy();
    tokio_timeout_cancels_aconsume_without_losing_items:
        timeout_cancels_aconsume_without_losing_items();
    tokio_racing_waiters_never_error: waiters_racing_for_items::<Tokio>(4, 300);
}

smol_tests! {
    smol_producer_task_to_consumer_task: producer_task_to_consumer_task::<Smol>();
    smol_waiting_consumers_and_producers: producer_and_consumer_tasks::<Smol>(2, 3_000, 32);
    smol_close_with_waiters_pending: close_with_waiting_tasks::<Smol>();
}

/// One producer task, one consumer task, a ring small enough to evict.
async fn producer_task_to_consumer_task<R: Runtime>() {
    let per_producer = 5_000;
    let ring = tagged(64);
    let consumer = R::spawn(drain_async(ring.clone()));
    let evicted = R::spawn(produce_async(ring.clone(), 0, per_producer)).await;
    ring.close();
    let consumed = [consumer.await];
    assert_exactly_once(&ring, &consumed, &evicted, 1, per_producer);
}

/// `producers` producer tasks, and three consumer tasks waiting in `aconsume` beside one
/// reading the stream, on a ring of `capacity`.
async fn producer_and_consumer_tasks<R: Runtime>(
    producers: u32,
    per_producer: u32,
    capacity: usize,
) {
    let ring = tagged(capacity);
    let mut consumers: Vec<_> = (0..3)
        .map(|_| R::spawn(drain_async(ring.clone())))
        .collect();
    consumers.push(R::spawn(drain_stream(ring.clone())));
    let producer_tasks: Vec<_> = (0..producers)
        .map(|producer| R::spawn(produce_async(ring.clone(), producer, per_producer)))
        .collect();
    let evicted = join_tasks(producer_tasks).await.concat();
    ring.close();
    let consumed = join_tasks(consumers).await;
    assert_exactly_once(&ring, &consumed, &evicted, producers, per_producer);
}

/// Three tasks wait on an empty ring; one item goes in, then the ring is closed.
async fn close_with_waiting_tasks<R: Runtime>() {
    let ring = tagged(8);
    let consumers: Vec<_> = (0..3)
        .map(|_| R::spawn(drain_async(ring.clone())))
        .collect();
    wait_until_on::<R>("all three wait", || waiting(&ring) == 3).await;
    ring.insert((0, 0));
    ring.close();
    let consumed = join_tasks(consumers).await;
    assert_exactly_once(&ring, &consumed, &[], 1, 1);
}

/// Four consumer tasks share one producer's items on a ring that never evicts.
async fn several_waiting_consumers_one_producer() {
    let per_producer = 4_000;
    let ring = tagged(per_producer as usize);
    let consumers: Vec<_> = (0..4)
        .map(|_| Tokio::spawn(drain_async(ring.clone())))
        .collect();
    let evicted = Tokio::spawn(produce_async(ring.clone(), 0, per_producer)).await;
    assert!(evicted.is_empty());
    ring.close();
    let consumed = join_tasks(consumers).await;
    assert_eq!(ring.overwritten(), 0);
    assert_exactly_once(&ring, &consumed, &[], 1, per_producer);
}

/// A stream drains what is queued at close, and one started after close yields what
/// was already there.
async fn stream_ends_after_close_once_drained() {
    let per_producer = 2_000;
    let ring = tagged(per_producer as usize);
    let consumer = Tokio::spawn(drain_stream(ring.clone()));
    let producer = Tokio::spawn(produce_async(ring.clone(), 0, per_producer));
    assert!(producer.await.is_empty());
    // Close while items may still be queued: the stream drains them first.
    ring.close();
    let got = consumer.await;
    assert_exactly_once(&ring, &[got], &[], 1, per_producer);

    // Items that were already there when the stream starts, after close.
    let closed = tagged(8);
    closed.insert_batch((0..3).map(|seq| (0, seq)));
    closed.close();
    let got: Vec<_> = Tokio::spawn(closed.aconsume_iterable().collect::<Vec<_>>()).await;
    assert_eq!(got, [(0, 0), (0, 1), (0, 2)]);
}

/// The README's scenario: a socket task pushes frames into a shared `BytesRingBuffer`; a
/// strategy task reads them as a stream. The strategy may fall behind: frames it misses
/// are counted by `overwritten()`, and what it sees is in order.
async fn websocket_feed_to_strategy() {
    const FRAMES: u32 = 3_000;
    let feed = BytesRingBuffer::new(256).unwrap().into_shared();

    let socket = feed.clone();
    let producer = Tokio::spawn(async move {
        for seq in 0..FRAMES {
            let frame = format!(r#"{{"e":"trade","seq":{seq},"px":"101.5"}}"#);
            socket.insert(Bytes::from(frame));
            if seq % 8 == 7 {
                tokio::task::yield_now().await;
            }
        }
        socket.close();
    });

    let mut frames = feed.aconsume_iterable();
    let strategy = Tokio::spawn(async move {
        let mut seen = Vec::new();
        while let Some(frame) = frames.next().await {
            let text = std::str::from_utf8(&frame).unwrap();
            let seq = text
                .strip_prefix(r#"{"e":"trade","seq":"#)
                .and_then(|rest| rest.split_once(','))
                .map(|(seq, _)| seq.parse::<u32>().unwrap())
                .unwrap_or_else(|| panic!("malformed frame {text}"));
            seen.push(seq);
        }
        seen
    });

    producer.await;
    let seen = strategy.await;
    assert!(seen.windows(2).all(|w| w[0] < w[1]), "frames out of order");
    assert_eq!(seen.len() as u64 + feed.overwritten(), u64::from(FRAMES));
    assert_eq!(seen.last(), Some(&(FRAMES - 1)), "the newest frame arrives");
}

/// A timed-out `aconsume` counts itself out, and an item racing a timeout is not lost.
async fn timeout_cancels_aconsume_without_losing_items() {
    let ring = tagged(4);
    let timed_out = tokio::time::timeout(Duration::from_millis(10), ring.aconsume()).await;
    assert!(timed_out.is_err());
    assert_eq!(
        waiting(&ring),
        0,
        "the cancelled aconsume counted itself out"
    );

    // A short timeout racing an insert: whichever of the two waiters the item reaches,
    // it is not lost with the cancelled one.
    for round in 0..20 {
        let ring = tagged(4);
        let consumer = Tokio::spawn(drain_async(ring.clone()));
        let racer = ring.clone();
        let cancelled = Tokio::spawn(async move {
            tokio::time::timeout(Duration::from_micros(50), racer.aconsume()).await
        });
        wait_until_on::<Tokio>("the consumer waits", || waiting(&ring) >= 1).await;
        ring.insert((0, round));
        let raced = cancelled.await;
        ring.close();
        let mut got = consumer.await;
        got.extend(raced.ok().flatten());
        assert_eq!(got, [(0, round)], "round {round}");
        assert_eq!(waiting(&ring), 0);
    }
}

/// `waiters` waiters on `R` race for each of `items` items, which goes in only once all
/// of them wait again; none may end before the ring is closed.
async fn waiters_racing_for_items<R: Runtime>(waiters: usize, items: u32) {
    let ring = tagged(4);
    let closing = Arc::new(AtomicBool::new(false));
    let tasks: Vec<_> = (0..waiters)
        .map(|_| {
            let ring = ring.clone();
            let closing = Arc::clone(&closing);
            R::spawn(async move {
                let got = drain_async(ring).await;
                assert!(closing.load(SeqCst), "a waiter ended before close");
                got
            })
        })
        .collect();
    for seq in 0..items {
        wait_until_on::<R>("every waiter waits", || {
            ring.is_empty() && waiting(&ring) == waiters
        })
        .await;
        ring.insert((0, seq));
    }
    wait_until_on::<R>("the last item is taken", || {
        ring.is_empty() && waiting(&ring) == waiters
    })
    .await;
    closing.store(true, SeqCst);
    ring.close();
    let consumed = join_tasks(tasks).await;
    assert_exactly_once(&ring, &consumed, &[], 1, items);
}
