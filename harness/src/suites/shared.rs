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
use hdrhistogram::Histogram;

use crate::measure::{
    Contender, Latency, Pacer, calibrate, can_pin_pair, histogram, interleave, now_ns, per_second,
    pin_current, record, rep_target, run_pair, spin_until,
};
use crate::peers::spsc::{
    ArrayQ, Crossbeam, Kanal, LockedDeque, Mmring, MmringSplit, Ringbuf, Rtrb, Spsc, StdMpsc,
};
use crate::results::{Entry, Group, LatencyEntry, LatencyGroup, Target};
use mmring_core::split::Policy;

/// The suite.
pub const SUITE: SuiteDef = SuiteDef {
    name: "shared",
    title: "Between threads and async tasks",
    about: "mmring's split halves (GenericRingBuffer<u64>::split, lock-free) and \
            SharedRingBuffer<GenericRingBuffer<u64>> carrying u64 from one thread to \
            another (busy-polling and blocking consumers), from one tokio task to another, \
            and in overwrite mode, against std::sync::mpsc, crossbeam-channel, kanal, \
            rtrb, ringbuf, crossbeam_queue::ArrayQueue and tokio::sync::mpsc; plus \
            round-trip and fixed-rate latency. Capacity 1024; producer and consumer \
            pinned to different cores.",
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

    ctx.step("round-trip latency (ping-pong, polling; the queues take turns)");
    let rounds = s.ops(200_000, 5_000);
    let mut round_trips: Vec<_> = QUEUES.iter().map(|_| histogram()).collect();
    for _ in 0..s.reps {
        for (queue, hist) in QUEUES.iter().zip(&mut round_trips) {
            hist.add((queue.ping_pong)(rounds.div_ceil(s.reps as u64)))
                .expect("histograms of the same bounds");
        }
    }
    body.latencies.push(LatencyGroup {
        id: "threads_ping_pong".into(),
        title: "Round trip between two pinned threads (ping-pong over two queues, polling)".into(),
        entries: QUEUES
            .iter()
            .zip(&round_trips)
            .map(|(queue, hist)| LatencyEntry::new(queue.name, queue.mmring, Latency::of(hist)))
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

    targets(&mut body);
    body.notes.push(
        "SharedRingBuffer is a ring behind a mutex with an event for waiters (a \
         multi-producer, multi-consumer handle with async and blocking waits); rtrb, \
         ringbuf and ArrayQueue are lock-free queues without waiting. The lossless \
         workloads send SharedRingBuffer's items with `try_insert` (which refuses \
         rather than evicts) and retry, so nothing is overwritten; the overwrite \
         workload uses plain `insert`."
            .into(),
    );
    body.notes.push(
        "Where split (Reject) trails rtrb in the polling workload: both run the same \
         protocol (each side caches the other's position and re-reads it only when its \
         cache says full or empty; one store per item; the two positions on lines of \
         their own). A profile (perf) of this workload shows rtrb running with a full \
         ring, its producer re-reading the consumer's position, and split with a nearly \
         empty one, its consumer re-reading the producer's position and each slot's \
         cache line crossing between the cores while the producer still fills it: \
         split's consumer is the faster side (rtrb's slot arithmetic wraps at twice the \
         capacity), which puts the pair in the costlier of the two regimes."
            .into(),
    );
    if !can_pin_pair() {
        body.notes
            .push("Fewer than two cores: threads were not pinned.".into());
    }
    body
}

/// The targets of the split halves and of `SharedRingBuffer`, from this run's medians.
fn targets(body: &mut Body) {
    const SPLIT: &str = "mmring split (Reject)";
    let group = |id: &str| body.groups.iter().find(|g| g.id == id);
    let rate = |a: f64, b: f64| format!("{a:.3e} vs {b:.3e}");
    let faster = [
        (
            "split Reject, u64, polling consumer: throughput ≥ 1.0× rtrb",
            1.0,
            "threads_poll_u64",
            SPLIT,
            "rtrb",
        ),
        (
            "split DropOldest, producer never waits: inserts/s ≥ 2× ArrayQueue::force_push \
             (delivered + evicted = inserted checked in every run)",
            2.0,
            "threads_overwrite_u64",
            "mmring split insert (DropOldest)",
            "crossbeam_queue::ArrayQueue force_push",
        ),
        (
            "split with a blocking consumer ≥ 1.0× crossbeam-channel's blocking recv",
            1.0,
            "threads_blocking_u64",
            SPLIT,
            "crossbeam-channel (bounded)",
        ),
        (
            "split async (two tokio tasks) ≥ 2× tokio::sync::mpsc",
            2.0,
            "async_tasks_u64",
            "mmring split ainsert / aconsume",
            "tokio::sync::mpsc (bounded)",
        ),
        (
            "SharedRingBuffer lossless polling ≥ 1.0× std::sync::mpsc::sync_channel",
            1.0,
            "threads_poll_u64",
            "mmring SharedRingBuffer",
            "std::sync::mpsc (sync_channel)",
        ),
    ];
    let mut met = Vec::new();
    for (text, threshold, id, a, b) in faster {
        met.push(Target::faster(
            text,
            threshold,
            group(id),
            |g| g.entry(a),
            |g| g.entry(b),
            |x, y| format!("`{id}`: {a} vs {b}: {} msg/s", rate(x, y)),
        ));
    }
    // Latency: as a ratio ≥ 1 when met, rtrb's p50 over split's.
    let rtt = body.latencies.iter().find(|g| g.id == "threads_ping_pong");
    let p50 = |name: &str| {
        rtt.and_then(|g| g.entries.iter().find(|e| e.name == name))
            .map(|e| e.latency.p50)
    };
    met.push(match (p50(SPLIT), p50("rtrb")) {
        (Some(split), Some(rtrb)) => Target::new(
            "split Reject ping-pong p50 ≤ 1.0× rtrb's",
            1.0,
            Some(rtrb / split),
            format!(
                "`threads_ping_pong`: p50 {split:.0} ns vs rtrb {rtrb:.0} ns \
                 (shown as rtrb ÷ split, ≥ 1 when met)"
            ),
        ),
        _ => Target::new(
            "split Reject ping-pong p50 ≤ 1.0× rtrb's",
            1.0,
            None,
            "not measured",
        ),
    });
    body.targets.extend(met);
    if let Some(note) = lock_floor(body) {
        body.notes.push(note);
    }
}

/// What one lock per message costs here: the bare locked ring's polling throughput
/// beside std's channel and `SharedRingBuffer`, from this run's medians.
fn lock_floor(body: &Body) -> Option<String> {
    let poll = body.groups.iter().find(|g| g.id == "threads_poll_u64")?;
    let median = |name: &str| poll.entry(name).map(|e| e.stats.median);
    let floor = median(LockedDeque::NAME)?;
    let std = median(StdMpsc::NAME)?;
    let shared = median(Mmring::NAME)?;
    Some(format!(
        "The floor of a ring behind one lock: the bare `{}` carried {floor:.3e} msg/s in \
         the polling workload, {:.2}× std's sync_channel ({std:.3e}); SharedRingBuffer \
         carried {:.2}× that floor. Both sides take the lock for every message, so the \
         lock's cache line crosses between the cores twice per message, where a \
         lock-free channel moves each side's index on a line of its own.",
        LockedDeque::NAME,
        floor / std,
        shared / floor,
    ))
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
        |ctx, n| {
            let contenders = vec![
                overwrite_split(ctx, n),
                overwrite_mmring(ctx, n),
                overwrite_array_queue(ctx, n),
            ];
            interleave(&ctx.settings, contenders)
        },
    ),
    (
        "async tasks (tokio, 2 workers)",
        "async_tasks_u64",
        "Two tokio tasks on a 2-worker runtime, lossless: aconsume().await vs recv().await",
        "msg/s",
        (2_000_000, 20_000),
        |ctx, n| {
            let contenders = vec![
                async_split(ctx, n),
                async_mmring(ctx, n),
                async_tokio(ctx, n),
            ];
            interleave(&ctx.settings, contenders)
        },
    ),
];

/// [`throughput`] on every queue of [`QUEUES`] whose consumer can block, when
/// `blocking`, else on all of them, taking turns.
fn every_queue_throughput(ctx: &Ctx, n: u64, blocking: bool) -> Vec<Entry> {
    let contenders = QUEUES
        .iter()
        .filter(|queue| queue.blocks || !blocking)
        .map(|queue| {
            if blocking {
                (queue.throughput_blocking)(ctx, n)
            } else {
                (queue.throughput)(ctx, n)
            }
        })
        .collect();
    interleave(&ctx.settings, contenders)
}

/// One queue type's part in every workload run on all of them: a row of [`QUEUES`].
struct Queue {
    /// Its row name ([`Spsc::NAME`]).
    name: &'static str,
    /// Whether it is mmring ([`Spsc::MMRING`]).
    mmring: bool,
    /// Whether its consumer can block ([`Spsc::BLOCKS`]).
    blocks: bool,
    /// [`throughput`] on it, polling.
    throughput: fn(&Ctx, u64) -> Contender,
    /// [`throughput`] on it, blocking.
    throughput_blocking: fn(&Ctx, u64) -> Contender,
    /// [`ping_pong`] on it.
    ping_pong: fn(u64) -> Histogram<u64>,
    /// [`fixed_rate`] on it.
    fixed_rate: fn(&Ctx, u64, u64) -> LatencyEntry,
}

impl Queue {
    const fn of<Q: Spsc>() -> Self {
        Self {
            name: Q::NAME,
            mmring: Q::MMRING,
            blocks: Q::BLOCKS,
            throughput: throughput::<Q, false>,
            throughput_blocking: throughput::<Q, true>,
            ping_pong: ping_pong::<Q>,
            fixed_rate: fixed_rate::<Q>,
        }
    }
}

/// The queues of the two-thread workloads, mmring's first, in the order of the report's
/// rows.
const QUEUES: [Queue; 9] = [
    Queue::of::<MmringSplit>(),
    Queue::of::<Mmring>(),
    Queue::of::<StdMpsc>(),
    Queue::of::<Crossbeam>(),
    Queue::of::<Kanal>(),
    Queue::of::<Rtrb>(),
    Queue::of::<Ringbuf>(),
    Queue::of::<ArrayQ>(),
    Queue::of::<LockedDeque>(),
];

/// `n` messages from one pinned thread to another; the consumer polls, or blocks when
/// `BLOCKING`: calibrated, ready to take turns with the other queues. (A constant, so
/// that a polling loop holds no call to the blocking path: a call there, even never
/// taken, keeps the compiler from holding the consumer's state in registers.)
fn throughput<Q: Spsc, const BLOCKING: bool>(ctx: &Ctx, n: u64) -> Contender {
    ctx.step(format!("  {}", Q::NAME));
    let once = move |n: u64| {
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
                    let v = if BLOCKING {
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
    Contender::new(Q::NAME, Q::MMRING, move || per_second(n, once(n)))
}

fn overwrite_split(ctx: &Ctx, n: u64) -> Contender {
    overwrite(
        ctx,
        n,
        "mmring split insert (DropOldest)",
        true,
        || {
            GenericRingBuffer::<u64>::new(CAPACITY)
                .expect("valid capacity")
                .split_with(Policy::DropOldest)
        },
        |tx, v| tx.insert(v),
        |rx| rx.try_consume(),
    )
}

fn overwrite_mmring(ctx: &Ctx, n: u64) -> Contender {
    overwrite(
        ctx,
        n,
        "mmring SharedRingBuffer insert",
        true,
        || {
            let ring = GenericRingBuffer::<u64>::new(CAPACITY)
                .expect("valid capacity")
                .into_shared();
            (ring.clone(), ring)
        },
        |ring, v| ring.insert(v),
        |ring| ring.consume(),
    )
}

fn overwrite_array_queue(ctx: &Ctx, n: u64) -> Contender {
    overwrite(
        ctx,
        n,
        "crossbeam_queue::ArrayQueue force_push",
        false,
        || {
            let queue = Arc::new(ArrayQueue::<u64>::new(CAPACITY));
            (Arc::clone(&queue), queue)
        },
        |q, v| q.force_push(v),
        |q| q.pop(),
    )
}

/// `n` values put into a queue made by `make` on one pinned thread (`put` never waits:
/// a full queue evicts its oldest and hands it back), while another takes what it can
/// (`take`). Every value must be accounted for: delivered (taken) plus evicted (handed
/// back by `put`) equals `n`, checked in every run; the share delivered is remarked.
fn overwrite<Tx: Send + 'static, Rx: Send + 'static>(
    ctx: &Ctx,
    n: u64,
    name: &'static str,
    mmring: bool,
    make: impl Fn() -> (Tx, Rx) + 'static,
    put: fn(&mut Tx, u64) -> Option<u64>,
    take: fn(&mut Rx) -> Option<u64>,
) -> Contender {
    ctx.step(format!("  {name}"));
    let once = move |n: u64| {
        let (mut tx, mut rx) = make();
        let run = run_pair(
            move || {
                let mut evicted = 0u64;
                for i in 0..n {
                    evicted += u64::from(black_box(put(&mut tx, i)).is_some());
                }
                evicted
            },
            move || {
                let mut got = 0u64;
                loop {
                    if let Some(v) = take(&mut rx) {
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
        assert_eq!(
            run.consumer + run.producer,
            n,
            "{name}: delivered {} + evicted {} != inserted {n}",
            run.consumer,
            run.producer
        );
        (run.elapsed, run.consumer as f64 / n as f64)
    };
    let n = calibrate(n / 100, n, rep_target(&ctx.settings), |n| once(n).0);
    Contender::remarked(name, mmring, move || {
        let (elapsed, delivered) = once(n);
        let remark = format!(
            "{:.0}% delivered, the rest evicted (checked)",
            delivered * 100.0
        );
        (per_second(n, elapsed), Some(remark))
    })
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

fn async_split(ctx: &Ctx, n: u64) -> Contender {
    tasks(ctx, n, "mmring split ainsert / aconsume", true, |n| {
        let (mut tx, mut rx) = GenericRingBuffer::<u64>::new(CAPACITY)
            .expect("valid capacity")
            .split_with(Policy::Reject);
        let producer = async move {
            for i in 0..n {
                tx.ainsert(i).await.expect("consumer alive");
            }
        };
        let consumer = async move {
            for expected in 0..n {
                let v = rx.aconsume().await.expect("open ring");
                assert_eq!(v, expected);
            }
        };
        (producer, consumer)
    })
}

fn async_mmring(ctx: &Ctx, n: u64) -> Contender {
    tasks(ctx, n, "mmring SharedRingBuffer aconsume", true, |n| {
        let ring = GenericRingBuffer::<u64>::new(CAPACITY)
            .expect("valid capacity")
            .into_shared();
        let tx = ring.clone();
        let producer = async move {
            for i in 0..n {
                while tx.try_insert(i).is_err() {
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

fn async_tokio(ctx: &Ctx, n: u64) -> Contender {
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
fn tasks<P, C>(
    ctx: &Ctx,
    n: u64,
    name: &'static str,
    mmring: bool,
    pair: impl Fn(u64) -> (P, C) + 'static,
) -> Contender
where
    P: Future<Output = ()> + Send + 'static,
    C: Future<Output = ()> + Send + 'static,
{
    ctx.step(format!("  {name}"));
    let rt = runtime();
    let once = move |n: u64| {
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
    let n = calibrate(n / 100, n, rep_target(&ctx.settings), &once);
    Contender::new(name, mmring, move || per_second(n, once(n)))
}

/// `rounds` round trips (after a tenth as many untimed): thread A sends, thread B
/// echoes on a second queue.
fn ping_pong<Q: Spsc>(rounds: u64) -> Histogram<u64> {
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
    run.producer
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
