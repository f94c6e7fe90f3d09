//! Timing, repetitions, thread pinning, latency histograms and the harness's own cost.
//!
//! Methodology (the same for every suite):
//! - A measurement is a closure that runs a workload once and returns one figure (ns per
//!   operation, or messages per second). [`repeat`] runs it `warmup` times untimed, then
//!   `reps` times, and keeps the median, min and max. Rows that are compared as ratios
//!   (the two-thread workloads) run round-robin instead, one repetition of each in
//!   turn ([`interleave`]), so that a drift of this shared machine touches all alike.
//! - Two-thread workloads start behind a [`Barrier`] once both threads exist, so thread
//!   spawn time is never measured ([`run_pair`]); each side is pinned to its own core
//!   when the machine has two or more ([`pin_current`]).
//! - Latencies go into HDR histograms (1 ns … 60 s, 3 significant digits). Fixed-rate
//!   runs stamp every message with its *scheduled* send time and measure from it, so a
//!   stall delays the messages behind it in the figures too (no coordinated omission):
//!   see [`Pacer`].
//! - [`Overhead`] measures the harness itself (a timestamp, an empty loop iteration)
//!   and is shown next to the results; figures are reported raw, not corrected.

use std::hint::black_box;
use std::sync::Barrier;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};

use crate::results::Entry;

/// How long and how often to measure: the full run or `--quick`.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// Whether this is a `--quick` run (CI smoke run; numbers are not meaningful).
    pub quick: bool,
    /// Untimed runs before the timed ones.
    pub warmup: usize,
    /// Timed runs; the median of them is reported.
    pub reps: usize,
    /// Multiplies every workload's operation count (1.0 in a full run).
    scale: f64,
}

impl Settings {
    /// The full run: 2 warm-ups, 7 repetitions, full operation counts.
    pub fn full() -> Self {
        Self {
            quick: false,
            warmup: 2,
            reps: 7,
            scale: 1.0,
        }
    }

    /// The `--quick` run: 1 warm-up, 3 repetitions, 2 % of the operation counts.
    pub fn quick() -> Self {
        Self {
            quick: true,
            warmup: 1,
            reps: 3,
            scale: 0.02,
        }
    }

    /// The same settings with other warm-up and repetition counts.
    pub fn with_reps(self, warmup: usize, reps: usize) -> Self {
        Self {
            warmup,
            reps,
            ..self
        }
    }

    /// The operation count to use for a workload of `full` operations in a full run
    /// (at least `floor`, so quick runs still do something).
    pub fn ops(&self, full: u64, floor: u64) -> u64 {
        ((full as f64 * self.scale) as u64).max(floor)
    }
}

/// Median, min and max of repeated measurements of one figure.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Stats {
    /// Median of the timed repetitions.
    pub median: f64,
    /// Smallest repetition.
    pub min: f64,
    /// Largest repetition.
    pub max: f64,
    /// Every timed repetition, in the order run.
    pub samples: Vec<f64>,
}

impl Stats {
    /// Statistics of `samples` (at least one).
    pub fn from_samples(samples: Vec<f64>) -> Self {
        assert!(!samples.is_empty(), "no samples");
        let mut sorted = samples.clone();
        sorted.sort_by(f64::total_cmp);
        let n = sorted.len();
        let median = if n % 2 == 1 {
            sorted[n / 2]
        } else {
            (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
        };
        Self {
            median,
            min: sorted[0],
            max: sorted[n - 1],
            samples,
        }
    }
}

/// Runs `measure` `warmup` times untimed, then `reps` times, and summarises the figures
/// it returned.
pub fn repeat(settings: &Settings, mut measure: impl FnMut() -> f64) -> Stats {
    for _ in 0..settings.warmup {
        black_box(measure());
    }
    Stats::from_samples((0..settings.reps).map(|_| measure()).collect())
}

/// One row of an interleaved comparison ([`interleave`]), already calibrated: its
/// name, whether it is mmring, and one run of its workload, which returns the figure
/// and, optionally, a remark for the report (the last run's is kept).
pub struct Contender {
    /// Name in the report.
    pub name: String,
    /// Whether this is mmring.
    pub mmring: bool,
    /// Runs the workload once.
    pub run: Box<dyn FnMut() -> (f64, Option<String>)>,
}

impl Contender {
    /// A contender whose runs return only a figure.
    pub fn new(
        name: impl Into<String>,
        mmring: bool,
        mut run: impl FnMut() -> f64 + 'static,
    ) -> Self {
        Self::remarked(name, mmring, move || (run(), None))
    }

    /// A contender whose runs also return a remark.
    pub fn remarked(
        name: impl Into<String>,
        mmring: bool,
        run: impl FnMut() -> (f64, Option<String>) + 'static,
    ) -> Self {
        Self {
            name: name.into(),
            mmring,
            run: Box::new(run),
        }
    }
}

/// [`repeat`] for several contenders at once, round-robin: every contender's warm-ups,
/// then `reps` rounds in which each runs once in turn. A slow drift of the machine (a
/// noisy neighbour, the clock speed, the state the previous workload left) then touches
/// every row alike instead of whichever happened to run during it, which matters when
/// the rows are compared as ratios.
pub fn interleave(settings: &Settings, mut contenders: Vec<Contender>) -> Vec<Entry> {
    for _ in 0..settings.warmup {
        for contender in &mut contenders {
            black_box((contender.run)());
        }
    }
    let mut samples = vec![Vec::with_capacity(settings.reps); contenders.len()];
    let mut remarks = vec![None; contenders.len()];
    for _ in 0..settings.reps {
        for (i, contender) in contenders.iter_mut().enumerate() {
            let (figure, remark) = (contender.run)();
            samples[i].push(figure);
            remarks[i] = remark;
        }
    }
    contenders
        .into_iter()
        .zip(samples.into_iter().zip(remarks))
        .map(|(contender, (samples, remark))| {
            let entry = Entry::new(
                contender.name,
                contender.mmring,
                Stats::from_samples(samples),
            );
            match remark {
                Some(remark) => entry.remark(remark),
                None => entry,
            }
        })
        .collect()
}

/// An operation count between `min` and `max` for which one run of `run(n)` (which
/// returns how long `n` operations took) lasts about `target`: a short trial run is
/// scaled up, so slow implementations do not stretch the whole run.
pub fn calibrate(
    min: u64,
    max: u64,
    target: Duration,
    mut run: impl FnMut(u64) -> Duration,
) -> u64 {
    let trial = (max / 50).max(min).min(max);
    let took = run(trial).as_secs_f64().max(1e-6);
    let n = (trial as f64 * target.as_secs_f64() / took) as u64;
    n.clamp(min, max)
}

/// Per-repetition time a calibrated workload aims at: 250 ms in a full run, 10 ms quick.
pub fn rep_target(settings: &Settings) -> Duration {
    if settings.quick {
        Duration::from_millis(10)
    } else {
        Duration::from_millis(250)
    }
}

/// Runs `work` (which performs `ops` operations) and returns nanoseconds per operation.
pub fn ns_per_op(ops: u64, work: impl FnOnce()) -> f64 {
    let start = Instant::now();
    work();
    start.elapsed().as_nanos() as f64 / ops as f64
}

/// Messages per second for `messages` in `elapsed`.
pub fn per_second(messages: u64, elapsed: Duration) -> f64 {
    messages as f64 / elapsed.as_secs_f64()
}

/// CPUs online on this machine. Not `core_affinity::get_core_ids`, which lists only the
/// CPUs of the calling thread's affinity mask: a child process started from a pinned
/// thread inherits that mask and would see a single core.
fn online_cpus() -> usize {
    // SAFETY: `sysconf` has no preconditions; it returns -1 when the value is unknown.
    let n = unsafe { libc::sysconf(libc::_SC_NPROCESSORS_ONLN) };
    usize::try_from(n).unwrap_or(0)
}

/// Whether threads can be pinned to two distinct cores here.
pub fn can_pin_pair() -> bool {
    online_cpus() >= 2
}

/// Pins the calling thread to core `index` (modulo the core count), replacing any mask
/// it inherited. Returns whether it is pinned.
pub fn pin_current(index: usize) -> bool {
    let n = online_cpus();
    n > 0 && core_affinity::set_for_current(core_affinity::CoreId { id: index % n })
}

/// The core a producer (or the parent process) runs on.
pub const PRODUCER_CORE: usize = 0;
/// The core a consumer (or the child process) runs on.
pub const CONSUMER_CORE: usize = 1;

/// Runs `work` on a fresh thread pinned to `core` and returns its result (single-thread
/// workloads run there so that the main thread's affinity never changes).
pub fn on_core<R: Send>(core: usize, work: impl FnOnce() -> R + Send) -> R {
    std::thread::scope(|scope| {
        scope
            .spawn(move || {
                pin_current(core);
                work()
            })
            .join()
            .expect("benchmark thread panicked")
    })
}

/// What [`run_pair`] measured: each side's result and the span from the first side's
/// start (after the barrier) to the last side's end.
pub struct PairRun<P, C> {
    /// The producer closure's result.
    pub producer: P,
    /// The consumer closure's result.
    pub consumer: C,
    /// From the earlier start to the later end.
    pub elapsed: Duration,
}

/// Runs `producer` and `consumer` on two threads pinned to different cores, both
/// released together by a barrier once both exist; spawn time is not measured.
pub fn run_pair<P: Send, C: Send>(
    producer: impl FnOnce() -> P + Send,
    consumer: impl FnOnce() -> C + Send,
) -> PairRun<P, C> {
    let barrier = Barrier::new(2);
    let barrier = &barrier;
    let (p, c) = std::thread::scope(|scope| {
        let c = scope.spawn(move || timed_side(barrier, CONSUMER_CORE, consumer));
        let p = scope.spawn(move || timed_side(barrier, PRODUCER_CORE, producer));
        (
            p.join().expect("producer panicked"),
            c.join().expect("consumer panicked"),
        )
    });
    PairRun {
        elapsed: p.1.max(c.1) - p.0.min(c.0),
        producer: p.2,
        consumer: c.2,
    }
}

/// One side of [`run_pair`]: pin, wait for the other side, then run and time `work`.
fn timed_side<R>(
    barrier: &Barrier,
    core: usize,
    work: impl FnOnce() -> R,
) -> (Instant, Instant, R) {
    pin_current(core);
    barrier.wait();
    let start = Instant::now();
    let out = work();
    (start, Instant::now(), out)
}

/// Monotonic nanoseconds (`CLOCK_MONOTONIC`): comparable across the processes of this
/// machine, unlike [`Instant`], so latency stamps can cross a process boundary.
pub fn now_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; CLOCK_MONOTONIC always exists on the
    // Unix systems the harness runs on.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

/// A histogram of latencies in nanoseconds, 1 ns … 60 s at 3 significant digits.
pub fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 60_000_000_000, 3).expect("valid histogram bounds")
}

/// Records `ns` into `hist`, clamping to the histogram's range.
pub fn record(hist: &mut Histogram<u64>, ns: u64) {
    hist.saturating_record(ns.max(1));
}

/// Percentiles of a latency distribution, in nanoseconds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Latency {
    /// Values recorded.
    pub count: u64,
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 99th percentile.
    pub p99: f64,
    /// 99.9th percentile.
    pub p999: f64,
    /// 99.99th percentile.
    pub p9999: f64,
    /// Largest value.
    pub max: f64,
    /// Mean.
    pub mean: f64,
}

impl Latency {
    /// The percentiles of `hist`.
    pub fn of(hist: &Histogram<u64>) -> Self {
        let q = |q: f64| hist.value_at_quantile(q) as f64;
        Self {
            count: hist.len(),
            p50: q(0.5),
            p90: q(0.9),
            p99: q(0.99),
            p999: q(0.999),
            p9999: q(0.9999),
            max: hist.max() as f64,
            mean: hist.mean(),
        }
    }

    /// `(label, value)` for each percentile, in order, as plotted.
    pub fn points(&self) -> [(&'static str, f64); 6] {
        [
            ("p50", self.p50),
            ("p90", self.p90),
            ("p99", self.p99),
            ("p99.9", self.p999),
            ("p99.99", self.p9999),
            ("max", self.max),
        ]
    }
}

/// Sends on a fixed schedule: message `i` is due at `start + i × interval`. Latency is
/// measured from the due time, not the actual send, so when a send stalls, the stall
/// shows in every message that waited behind it (no coordinated omission).
pub struct Pacer {
    start: u64,
    interval: u64,
    next: u64,
}

impl Pacer {
    /// A schedule of `rate` messages per second starting now.
    pub fn new(rate: u64) -> Self {
        Self {
            start: now_ns(),
            interval: 1_000_000_000 / rate.max(1),
            next: 0,
        }
    }

    /// Waits (spinning) until the next message is due and returns its due time in
    /// [`now_ns`] nanoseconds. When behind schedule it returns at once.
    pub fn wait_next(&mut self) -> u64 {
        let due = self.start + self.next * self.interval;
        self.next += 1;
        while now_ns() < due {
            std::hint::spin_loop();
        }
        due
    }
}

/// The cost of the harness itself, measured at the start of every suite.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Overhead {
    /// One [`now_ns`] call (the stamp every latency figure includes twice).
    pub timestamp_ns: f64,
    /// One [`Instant::now`] call.
    pub instant_ns: f64,
    /// One iteration of an empty measured loop (a `black_box` counter).
    pub loop_ns: f64,
    /// p50 of back-to-back [`now_ns`] pairs in a histogram: the floor of every latency
    /// figure.
    pub latency_floor_p50_ns: f64,
    /// Whether threads were pinned to distinct cores.
    pub pinned: bool,
}

impl Overhead {
    /// Measures the harness's costs (a fraction of a second).
    pub fn measure(settings: &Settings) -> Self {
        on_core(CONSUMER_CORE, || {
            let n = settings.ops(10_000_000, 200_000);
            let median = |f: &dyn Fn() -> f64| repeat(settings, f).median;
            let timestamp_ns = median(&|| {
                ns_per_op(n, || {
                    for _ in 0..n {
                        black_box(now_ns());
                    }
                })
            });
            let instant_ns = median(&|| {
                ns_per_op(n, || {
                    for _ in 0..n {
                        black_box(Instant::now());
                    }
                })
            });
            let loop_ns = median(&|| {
                ns_per_op(n * 10, || {
                    for i in 0..n * 10 {
                        black_box(i);
                    }
                })
            });
            let mut hist = histogram();
            for _ in 0..n {
                let a = now_ns();
                record(&mut hist, now_ns() - a);
            }
            Self {
                timestamp_ns,
                instant_ns,
                loop_ns,
                latency_floor_p50_ns: hist.value_at_quantile(0.5) as f64,
                pinned: can_pin_pair(),
            }
        })
    }
}

/// Calls `f` until it returns `Some`, spinning in between.
pub fn spin_until<T>(mut f: impl FnMut() -> Option<T>) -> T {
    loop {
        if let Some(v) = f() {
            return v;
        }
        std::hint::spin_loop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_median_min_max() {
        let s = Stats::from_samples(vec![3.0, 1.0, 2.0, 10.0]);
        assert_eq!((s.median, s.min, s.max), (2.5, 1.0, 10.0));
        assert_eq!(Stats::from_samples(vec![5.0, 1.0, 9.0]).median, 5.0);
    }

    #[test]
    fn pair_runs_both_sides_after_the_barrier() {
        let run = run_pair(|| 1u8, || "c");
        assert_eq!((run.producer, run.consumer), (1, "c"));
    }

    #[test]
    fn latency_percentiles() {
        let mut h = histogram();
        for v in 1..=1000 {
            record(&mut h, v);
        }
        let l = Latency::of(&h);
        assert_eq!(l.count, 1000);
        assert!((l.p50 - 500.0).abs() <= 1.0 && l.max >= 1000.0);
    }
}
