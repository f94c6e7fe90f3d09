//! `shared`: `SharedRingBuffer` between two threads and between async tasks, against
//! the channels and SPSC rings a user would otherwise pick.

use std::future::Future;
use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use crossbeam_queue::ArrayQueue;
use mmring_core::GenericRingBuffer;

use super::{Body, Ctx, SuiteDef};
use crate::measure::{
    Latency, Pacer, calibrate, can_pin_pair, histogram, now_ns, per_second, pin_current, record,
    rep_target, repeat, run_pair, spin_until,
};
use crate::peers::spsc::{ArrayQ, Crossbeam, Mmring, Ringbuf, Rtrb, Spsc, StdMpsc, try_insert};
use crate::results::{Entry, Group, LatencyEntry, LatencyGroup};

/// The suite.
pub const SUITE: SuiteDef = SuiteDef {
    name: "shared",
    title: "Between threads and async tasks",
    about: "SharedRingBuffer<GenericRingBuffer<u64>> carrying u64 from one thread to \
            another (busy-polling and blocking consumers), from one tokio task to another, \
            and in overwrite mode, against std::sync::mpsc, crossbeam-channel, rtrb, \
            ringbuf, crossbeam_queue::ArrayQueue and tokio::sync::mpsc; plus round-trip \
            and fixed-rate latency. Capacity 1024; producer and consumer pinned to \
            different cores.",
    run,
};

/// Capacity of every queue.
const CAPACITY: usize = 1024;

fn run(ctx: &Ctx) -> Body {
    let mut body = Body::default();
    let s = &ctx.settings;

    for (step, id, title, unit, (full, quick), entries) in THROUGHPUT_GROUPS {
        ctx.step(step);
        let n = s.ops(full, quick);
        body.groups
            .push(Group::of(id, title, unit, true, entries(ctx, n)));
    }

    ctx.step("round-trip latency (ping-pong, polling)");
    let rounds = s.ops(200_000, 5_000);
    body.latencies.push(LatencyGroup {
        id: "threads_ping_pong".into(),
        title: "Round trip between two pinned threads (ping-pong over two queues, polling)".into(),
        entries: QUEUES
            .iter()
            .map(|queue| (queue.ping_pong)(ctx, rounds))
            .collect(),
    });

    let rate = 100_000;
    ctx.step(format!("one-way latency at {rate} msg/s"));
    let messages = s.ops(rate, 2_000);
    body.latencies.push(LatencyGroup {
        id: "threads_fixed_rate".into(),
        title: format!(
            "One way at a fixed {}k msg/s, from each message's scheduled send time (polling consumer)",
            rate / 1000
        ),
        entries: QUEUES
            .iter()
            .map(|queue| (queue.fixed_rate)(ctx, rate, messages))
            .collect(),
    });

    body.notes.push(
        "SharedRingBuffer is a ring behind a mutex with an event for waiters (a \
         multi-producer, multi-consumer handle with async and blocking waits); rtrb, \
         ringbuf and ArrayQueue are lock-free queues without waiting. The lossless \
         workloads send with `with(|r| if !r.is_full() { r.insert(v) })` and retry, so \
         nothing is overwritten; the overwrite workload uses plain `insert`."
            .into(),
    );
    if !can_pin_pair() {
        body.notes
            .push("Fewer than two cores: threads were not pinned.".into());
    }
    body
}

/// A group's entries, measured with the given message count.
type Entries = fn(&Ctx, u64) -> Vec<Entry>;

/// A two-thread throughput group (higher is better): progress line, id, title, unit,
/// the message count of a full and of a quick run, and the entries measured with that
/// count.
type ThroughputGroup = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    (u64, u64),
    Entries,
);

/// The two-thread throughput groups, in report order.
const THROUGHPUT_GROUPS: [ThroughputGroup; 4] = [
    (
        "two threads, busy-polling consumer",
        "threads_poll_u64",
        "Two threads, lossless: producer waits while full, consumer polls (try_recv in a loop)",
        "msg/s",
        (5_000_000, 50_000),
        |ctx, n| every_queue_throughput(ctx, n, false),
    ),
    (
        "two threads, blocking consumer",
        "threads_blocking_u64",
        "Two threads, lossless: consumer blocks when empty (consume_blocking / recv)",
        "msg/s",
        (2_000_000, 20_000),
        |ctx, n| every_queue_throughput(ctx, n, true),
    ),
    (
        "two threads, overwrite when full",
        "threads_overwrite_u64",
        "Two threads, overwrite when full: producer never waits (insert / force_push), consumer polls",
        "inserts/s",
        (5_000_000, 50_000),
        |ctx, n| vec![overwrite_mmring(ctx, n), overwrite_array_queue(ctx, n)],
    ),
    (
        "async tasks (tokio, 2 workers)",
        "async_tasks_u64",
        "Two tokio tasks on a 2-worker runtime, lossless: aconsume().await vs recv().await",
        "msg/s",
        (2_000_000, 20_000),
        |ctx, n| vec![async_mmring(ctx, n), async_tokio(ctx, n)],
    ),
];

/// [`throughput`] on every queue of [`QUEUES`] whose consumer can block, when
/// `blocking`, else on all of them.
fn every_queue_throughput(ctx: &Ctx, n: u64, blocking: bool) -> Vec<Entry> {
    QUEUES
        .iter()
        .filter(|queue| queue.blocks || !blocking)
        .map(|queue| (queue.throughput)(ctx, n, blocking))
        .collect()
}

/// One queue type's part in every workload run on all of them: a row of [`QUEUES`].
struct Queue {
    /// Whether its consumer can block ([`Spsc::BLOCKS`]).
    blocks: bool,
    /// [`throughput`] on it.
    throughput: fn(&Ctx, u64, bool) -> Entry,
    /// [`ping_pong`] on it.
    ping_pong: fn(&Ctx, u64) -> LatencyEntry,
    /// [`fixed_rate`] on it.
    fixed_rate: fn(&Ctx, u64, u64) -> LatencyEntry,
}

impl Queue {
    const fn of<Q: Spsc>() -> Self {
        Self {
            blocks: Q::BLOCKS,
            throughput: throughput::<Q>,
            ping_pong: ping_pong::<Q>,
            fixed_rate: fixed_rate::<Q>,
        }
    }
}

/// The queues of the two-thread workloads, mmring's first, in the order of the report's
/// rows.
const QUEUES: [Queue; 6] = [
    Queue::of::<Mmring>(),
    Queue::of::<StdMpsc>(),
    Queue::of::<Crossbeam>(),
    Queue::of::<Rtrb>(),
    Queue::of::<Ringbuf>(),
    Queue::of::<ArrayQ>(),
];

/// `n` messages from one pinned thread to another; the consumer polls, or blocks when
/// `blocking`.
fn throughput<Q: Spsc>(ctx: &Ctx, n: u64, blocking: bool) -> Entry {
    ctx.step(format!("  {}", Q::NAME));
    let once = |n: u64| {
        let (mut tx, mut rx) = Q::channel(CAPACITY);
        let run = run_pair(
            move || {
                for i in 0..n {
                    Q::send(&mut tx, i);
                }
                tx
            },
            move || {
                for expected in 0..n {
                    let v = if blocking {
                        Q::recv_blocking(&mut rx).expect("message within the timeout")
                    } else {
                        spin_until(|| Q::try_recv(&mut rx))
                    };
                    assert_eq!(v, expected, "{} reordered or lost a message", Q::NAME);
                }
            },
        );
        run.elapsed
    };
    let n = calibrate(n / 100, n, rep_target(&ctx.settings), once);
    let stats = repeat(&ctx.settings, || per_second(n, once(n)));
    Entry::new(Q::NAME, Q::MMRING, stats)
}

fn overwrite_mmring(ctx: &Ctx, n: u64) -> Entry {
    overwrite(
        ctx,
        n,
        "mmring SharedRingBuffer insert",
        true,
        || {
            GenericRingBuffer::<u64>::new(CAPACITY)
                .expect("valid capacity")
                .into_shared()
        },
        |ring, v| ring.insert(v),
        |ring| ring.consume(),
    )
}

fn overwrite_array_queue(ctx: &Ctx, n: u64) -> Entry {
    overwrite(
        ctx,
        n,
        "crossbeam_queue::ArrayQueue force_push",
        false,
        || Arc::new(ArrayQueue::<u64>::new(CAPACITY)),
        |q, v| q.force_push(v),
        |q| q.pop(),
    )
}

/// `n` values put into a queue made by `make` on one pinned thread (`put` never waits:
/// a full queue evicts its oldest and hands it back), while another takes what it can
/// (`take`); the share of values that reached the consumer is remarked.
fn overwrite<Q: Clone + Send>(
    ctx: &Ctx,
    n: u64,
    name: &str,
    mmring: bool,
    make: impl Fn() -> Q,
    put: fn(&Q, u64) -> Option<u64>,
    take: fn(&Q) -> Option<u64>,
) -> Entry {
    ctx.step(format!("  {name}"));
    let once = |n: u64| {
        let tx = make();
        let rx = tx.clone();
        let run = run_pair(
            move || {
                for i in 0..n {
                    black_box(put(&tx, i));
                }
            },
            move || {
                let mut got = 0u64;
                loop {
                    if let Some(v) = take(&rx) {
                        got += 1;
                        if v == n - 1 {
                            return got;
                        }
                    } else {
                        std::hint::spin_loop();
                    }
                }
            },
        );
        (run.elapsed, run.consumer as f64 / n as f64)
    };
    let n = calibrate(n / 100, n, rep_target(&ctx.settings), |n| once(n).0);
    let mut delivered = 0.0;
    let stats = repeat(&ctx.settings, || {
        let (elapsed, share) = once(n);
        delivered = share;
        per_second(n, elapsed)
    });
    Entry::new(name, mmring, stats).remark(format!("{:.0}% delivered", delivered * 100.0))
}

/// A tokio runtime with two workers, pinned to the two cores.
fn runtime() -> tokio::runtime::Runtime {
    let next = Arc::new(AtomicUsize::new(0));
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .on_thread_start(move || {
            pin_current(next.fetch_add(1, Ordering::Relaxed));
        })
        .build()
        .expect("tokio runtime")
}

fn async_mmring(ctx: &Ctx, n: u64) -> Entry {
    tasks(ctx, n, "mmring SharedRingBuffer aconsume", true, |n| {
        let ring = GenericRingBuffer::<u64>::new(CAPACITY)
            .expect("valid capacity")
            .into_shared();
        let tx = ring.clone();
        let producer = async move {
            for i in 0..n {
                while !try_insert(&tx, i) {
                    tokio::task::yield_now().await;
                }
            }
        };
        let consumer = async move {
            for expected in 0..n {
                let v = ring.aconsume().await.expect("open ring");
                assert_eq!(v, expected);
            }
        };
        (producer, consumer)
    })
}

fn async_tokio(ctx: &Ctx, n: u64) -> Entry {
    tasks(ctx, n, "tokio::sync::mpsc (bounded)", false, |n| {
        let (tx, mut rx) = tokio::sync::mpsc::channel::<u64>(CAPACITY);
        let producer = async move {
            for i in 0..n {
                tx.send(i).await.expect("receiver alive");
            }
        };
        let consumer = async move {
            for expected in 0..n {
                assert_eq!(rx.recv().await, Some(expected));
            }
        };
        (producer, consumer)
    })
}

/// `n` messages from one tokio task to another on a 2-worker runtime: `pair(n)` gives
/// the producer's and the consumer's futures, which are timed from their spawn to the
/// end of both.
fn tasks<P, C>(ctx: &Ctx, n: u64, name: &str, mmring: bool, pair: impl Fn(u64) -> (P, C)) -> Entry
where
    P: Future<Output = ()> + Send + 'static,
    C: Future<Output = ()> + Send + 'static,
{
    ctx.step(format!("  {name}"));
    let rt = runtime();
    let once = |n: u64| {
        rt.block_on(async {
            let (producer, consumer) = pair(n);
            let start = Instant::now();
            let producer = tokio::spawn(producer);
            let consumer = tokio::spawn(consumer);
            producer.await.expect("producer task");
            consumer.await.expect("consumer task");
            start.elapsed()
        })
    };
    let n = calibrate(n / 100, n, rep_target(&ctx.settings), once);
    let stats = repeat(&ctx.settings, || per_second(n, once(n)));
    Entry::new(name, mmring, stats)
}

/// `rounds` round trips: thread A sends, thread B echoes on a second queue.
fn ping_pong<Q: Spsc>(ctx: &Ctx, rounds: u64) -> LatencyEntry {
    ctx.step(format!("  {}", Q::NAME));
    let (mut ping_tx, mut ping_rx) = Q::channel(CAPACITY);
    let (mut pong_tx, mut pong_rx) = Q::channel(CAPACITY);
    let warm = rounds / 10;
    let run = run_pair(
        move || {
            let mut hist = histogram();
            for i in 0..warm + rounds {
                let start = now_ns();
                Q::send(&mut ping_tx, i);
                let v = spin_until(|| Q::try_recv(&mut pong_rx));
                let rtt = now_ns() - start;
                assert_eq!(v, i);
                if i >= warm {
                    record(&mut hist, rtt);
                }
            }
            hist
        },
        move || {
            for _ in 0..warm + rounds {
                let v = spin_until(|| Q::try_recv(&mut ping_rx));
                Q::send(&mut pong_tx, v);
            }
        },
    );
    LatencyEntry::new(Q::NAME, Q::MMRING, Latency::of(&run.producer))
}

/// `messages` at `rate` per second, each carrying its scheduled send time.
fn fixed_rate<Q: Spsc>(ctx: &Ctx, rate: u64, messages: u64) -> LatencyEntry {
    ctx.step(format!("  {}", Q::NAME));
    let (mut tx, mut rx) = Q::channel(CAPACITY);
    let run = run_pair(
        move || {
            let mut pacer = Pacer::new(rate);
            for _ in 0..messages {
                Q::send(&mut tx, pacer.wait_next());
            }
            tx
        },
        move || {
            let mut hist = histogram();
            for _ in 0..messages {
                let due = spin_until(|| Q::try_recv(&mut rx));
                record(&mut hist, now_ns().saturating_sub(due));
            }
            hist
        },
    );
    LatencyEntry::new(Q::NAME, Q::MMRING, Latency::of(&run.consumer))
}
