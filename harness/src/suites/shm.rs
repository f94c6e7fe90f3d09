//! `shm`: mmring's shared-memory ring between two processes, against ZeroMQ `ipc://`,
//! a Unix domain socket and a pipe, with a cache-line ping-pong between two pinned
//! threads as the physical limit.
//!
//! The parent process (pinned to one core) starts the harness binary again as a child
//! (`--child KIND MODE SIZE COUNT BATCHES ADDR_A ADDR_B`, pinned to the other core) and
//! talks to it over the transport under test. Control lines (`ready`, `done`, results)
//! come over the child's stdout. The pipe transport carries its data over the child's
//! stdin and stdout themselves; its control lines are written between data phases, which
//! never overlap.
//!
//! Modes (besides `source` for fan-in and `sub` for broadcast, see those runs): `sink` receives `BATCHES` batches of `COUNT` messages and prints `done` after
//! each (throughput); `echo` sends every message back (round trip); `latency` records
//! `now − stamp` of each message into a histogram and prints its percentiles as JSON
//! (fixed-rate one-way latency across processes, stamps from `CLOCK_MONOTONIC`).

mod broadcast;

use std::error::Error;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use mmring_native::shm::{InsertError, OpenError, ShmConfig, ShmConsumer, ShmFanIn, ShmProducer};
use mmring_native::spsc::Policy;

use super::{Body, Ctx, SuiteDef};
use crate::measure::{
    CONSUMER_CORE, Latency, PRODUCER_CORE, Pacer, Settings, Stats, histogram, now_ns, on_core,
    per_second, pin_current, record, run_pair,
};
use crate::results::{Entry, Group, LatencyEntry, LatencyGroup, Target};

/// The suite.
pub const SUITE: SuiteDef = SuiteDef {
    name: "shm",
    title: "Between processes on one host",
    about: "mmring's shm ring (ShmProducer/ShmConsumer over a file in /dev/shm, Reject \
            policy so nothing is lost, consumer polling) between two processes pinned to \
            different cores, against ZeroMQ PUSH/PULL over ipc://, iceoryx2 \
            publish-subscribe, a Unix domain stream socket and a pipe: throughput and round trip at 64, 512 and 4096 B, one-way \
            latency at a fixed rate, and a cache-line ping-pong between two pinned threads \
            as the physical floor.",
    run,
};

/// Message sizes.
const SIZES: [usize; 3] = [64, 512, 4096];
/// Data area of each shm ring.
const SHM_CAPACITY: usize = 1 << 20;
/// Checks in a busy loop before a waiting side starts yielding (the shm default).
const SPINS: u32 = 2000;
/// Producer processes in the fan-in groups.
const FANIN_PRODUCERS: [usize; 2] = [2, 4];
/// Send high-water mark of the ZeroMQ sockets.
const ZMQ_HWM: i32 = 65_536;

/// A transport between the two processes.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Shm,
    Zmq,
    Ice,
    Uds,
    Pipe,
}

impl Kind {
    const ALL: [Kind; 5] = [Kind::Shm, Kind::Zmq, Kind::Ice, Kind::Uds, Kind::Pipe];

    fn arg(self) -> &'static str {
        match self {
            Kind::Shm => "shm",
            Kind::Zmq => "zmq",
            Kind::Ice => "iceoryx2",
            Kind::Uds => "uds",
            Kind::Pipe => "pipe",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.arg() == s)
    }

    fn name(self) -> &'static str {
        match self {
            Kind::Shm => "mmring shm",
            Kind::Zmq => "ZeroMQ PUSH/PULL ipc://",
            Kind::Ice => "iceoryx2 publish-subscribe",
            Kind::Uds => "Unix domain socket (stream)",
            Kind::Pipe => "pipe",
        }
    }

    /// Its throughput figure in a group.
    fn entry(self, stats: Stats) -> Entry {
        Entry::new(self.name(), self == Kind::Shm, stats)
    }

    /// Its latency distribution in a group.
    fn latency_entry(self, latency: Latency) -> LatencyEntry {
        LatencyEntry::new(self.name(), self == Kind::Shm, latency)
    }
}

fn run(ctx: &Ctx) -> Body {
    on_core(PRODUCER_CORE, || run_pinned(ctx))
}

fn run_pinned(ctx: &Ctx) -> Body {
    let mut body = Body::default();
    let s = ctx.settings;
    let reps = s.with_reps(1, s.reps.min(5));

    for size in SIZES {
        ctx.step(format!("throughput, {size} B"));
        let n = s.ops(
            match size {
                64 => 1_000_000,
                512 => 500_000,
                _ => 200_000,
            },
            5_000,
        );
        let entries = each_transport(ctx, &mut body, &format!("{size} B throughput"), |kind| {
            throughput(ctx, kind, size, n, &reps).map(|stats| kind.entry(stats))
        });
        body.groups.push(Group::of(
            &format!("shm_throughput_{size}"),
            &format!("Two processes, {size} B messages, lossless, one at a time"),
            "msg/s",
            true,
            entries,
        ));
    }

    ctx.step(format!("throughput, {} B, batches of {BATCH}", SIZES[0]));
    ctx.step(format!("  {BATCHED}"));
    match throughput_batched(ctx, SIZES[0], s.ops(2_000_000, 10_000), &reps) {
        Ok(stats) => {
            // The one-at-a-time rows of the same run beside it, for the ratios.
            let single = body.group(&format!("shm_throughput_{}", SIZES[0]));
            let mut entries = vec![Entry::new(BATCHED, true, stats)];
            entries.extend(single.into_iter().flat_map(|g| {
                [Kind::Shm, Kind::Zmq, Kind::Ice]
                    .into_iter()
                    .filter_map(|kind| g.entry(kind.name()).cloned())
            }));
            body.groups.push(Group::of(
                &format!("shm_throughput_{}_batched", SIZES[0]),
                &format!(
                    "Two processes, {} B messages, lossless, mmring in batches of {BATCH} \
                     (insert_batch / consume_batch) beside the one-at-a-time rows above",
                    SIZES[0]
                ),
                "msg/s",
                true,
                entries,
            ));
        }
        Err(e) => body.notes.push(format!("{BATCHED} failed: {e}")),
    }

    let rounds = s.ops(50_000, 2_000);
    for size in SIZES {
        ctx.step(format!("round trip, {size} B"));
        let mut entries = each_transport(ctx, &mut body, &format!("{size} B round trip"), |kind| {
            ping_pong(ctx, kind, size, rounds).map(|latency| kind.latency_entry(latency))
        });
        if size == SIZES[0] {
            ctx.step("  cache-line ping-pong (two pinned threads)");
            entries.push(LatencyEntry::new(
                "cache-line ping-pong, two threads (floor)",
                false,
                cache_line_ping_pong(rounds * 4),
            ));
        }
        body.latencies.push(LatencyGroup {
            id: format!("shm_round_trip_{size}"),
            title: format!("Round trip between two processes, {size} B (ping-pong)"),
            entries,
        });
    }

    let rate = 100_000;
    let size = SIZES[0];
    ctx.step(format!("one-way latency at {rate} msg/s, {size} B"));
    let messages = s.ops(rate, 2_000);
    let entries = each_transport(ctx, &mut body, "fixed-rate run", |kind| {
        fixed_rate(ctx, kind, size, rate, messages).map(|latency| kind.latency_entry(latency))
    });
    body.latencies.push(LatencyGroup {
        id: "shm_fixed_rate_64".into(),
        title: format!(
            "One way between two processes at a fixed {}k msg/s, {size} B, from the scheduled send time",
            rate / 1000
        ),
        entries,
    });

    let size = SIZES[0];
    for producers in FANIN_PRODUCERS {
        ctx.step(format!("fan-in, {producers} producer processes, {size} B"));
        let n = s.ops(1_000_000, 2_000);
        let mut entries = Vec::new();
        for kind in [Kind::Shm, Kind::Zmq] {
            let name = fan_in_name(kind);
            ctx.step(format!("  {name}"));
            match fan_in(ctx, kind, producers, size, n, &reps) {
                Ok(stats) => entries.push(Entry::new(name, kind == Kind::Shm, stats)),
                Err(e) => body
                    .notes
                    .push(format!("{name} with {producers} producers failed: {e}")),
            }
        }
        body.groups.push(Group::of(
            &format!("shm_fanin_{producers}"),
            &format!(
                "Fan-in: {producers} producer processes to one consumer, {size} B, lossless \
                 (messages/s received in all)"
            ),
            "msg/s",
            true,
            entries,
        ));
    }

    broadcast::run(ctx, &mut body, &reps);

    targets(&mut body);
    body.notes.push(
        "Fan-in: each producer process writes its own shm ring (`ShmProducer`, Reject) \
         and the consumer reads them all with one `ShmFanIn` (`consume_batch`: up to 64 \
         messages from one ring, then the next ring, round robin; polling on its own core; \
         the producers share the other core); ZeroMQ's producers PUSH to one \
         PULL socket over ipc://, which fair-queues them."
            .into(),
    );
    body.notes.push(
        "iceoryx2 (publish-subscribe of [u8] slices, one publisher and one subscriber, \
         queue of 1024 samples, no safe overflow) is made lossless the fastest way found \
         here: the publisher uses DiscardData and sends a sample again, after a pause, when \
         it reached no subscriber; RetryUntilDelivered, which sleeps in iceoryx2's adaptive \
         wait, measured slower. Its subscriber polls receive() and copies each payload out, \
         as the other readers do."
            .into(),
    );
    body.notes.push(
        "The shm consumer polls (consume_into in a loop) on its own core, as a \
         latency-sensitive consumer would; the socket and pipe readers block in the kernel. \
         Stream transports carry fixed-size messages with one write/read_exact per message \
         and no framing; ZeroMQ sends one message per send call."
            .into(),
    );
    body
}

/// Runs `measure` on every transport in turn, each after its progress line: the
/// entries of those that ran, and a note `"{transport} {what} failed: {error}"` for each
/// that failed.
fn each_transport<E>(
    ctx: &Ctx,
    body: &mut Body,
    what: &str,
    mut measure: impl FnMut(Kind) -> Res<E>,
) -> Vec<E> {
    let mut entries = Vec::new();
    for kind in Kind::ALL {
        ctx.step(format!("  {}", kind.name()));
        match measure(kind) {
            Ok(entry) => entries.push(entry),
            Err(e) => body
                .notes
                .push(format!("{} {what} failed: {e}", kind.name())),
        }
    }
    entries
}

/// The row of the batched run.
const BATCHED: &str = "mmring shm, batches of 64 (insert_batch / consume_batch)";

fn targets(body: &mut Body) {
    let throughput = Target::faster(
        "shm 64 B throughput ≥ 10× ZeroMQ ipc",
        10.0,
        body.group("shm_throughput_64"),
        |g| g.entry(Kind::Shm.name()),
        |g| g.entry(Kind::Zmq.name()),
        |a, b| format!("`shm_throughput_64`: {a:.3e} vs {b:.3e} msg/s"),
    );
    body.targets.push(throughput);
    body.targets.push(Target::faster(
        "shm 64 B throughput ≥ 25× ZeroMQ ipc (mmring in batches of 64, ZeroMQ one at a time)",
        25.0,
        body.group("shm_throughput_64_batched"),
        |g| g.entry(BATCHED),
        |g| g.entry(Kind::Zmq.name()),
        |a, b| format!("`shm_throughput_64_batched`: {a:.3e} vs {b:.3e} msg/s"),
    ));
    for producers in FANIN_PRODUCERS {
        let id = format!("shm_fanin_{producers}");
        body.targets.push(Target::faster(
            &format!(
                "shm fan-in, {producers} producer processes, 64 B ≥ 10× ZeroMQ PUSH/PULL fan-in"
            ),
            10.0,
            body.group(&id),
            |g| g.entry(fan_in_name(Kind::Shm)),
            |g| g.entry(fan_in_name(Kind::Zmq)),
            |a, b| format!("`{id}`: {a:.3e} vs {b:.3e} msg/s"),
        ));
    }
    let rtt = body.latencies.iter().find(|g| g.id == "shm_round_trip_64");
    let pair = rtt.and_then(|g| {
        let shm = g.entries.iter().find(|e| e.mmring)?;
        let floor = g
            .entries
            .iter()
            .find(|e| e.name.starts_with("cache-line"))?;
        Some((shm.latency.p50, floor.latency.p50))
    });
    // "p50 ≤ 2× the cache-line round trip": as a ratio ≥ 1, (2 × floor) / shm.
    body.targets.push(Target::new(
        "shm ping-pong p50 ≤ 2× the cache-line round trip",
        1.0,
        pair.map(|(shm, floor)| 2.0 * floor / shm),
        match pair {
            Some((shm, floor)) => format!(
                "`shm_round_trip_64`: p50 {shm:.0} ns vs cache line {floor:.0} ns = {:.2}× \
                 (shown as 2 × floor ÷ shm, ≥ 1 when met)",
                shm / floor
            ),
            None => "not measured".into(),
        },
    ));
    body.targets.push(Target::faster(
        "shm 64 B throughput ≥ 15× iceoryx2 publish-subscribe (mmring in batches of 64, \
         iceoryx2 one sample at a time)",
        15.0,
        body.group("shm_throughput_64_batched"),
        |g| g.entry(BATCHED),
        |g| g.entry(Kind::Ice.name()),
        |a, b| format!("`shm_throughput_64_batched`: {a:.3e} vs {b:.3e} msg/s"),
    ));
    let p50 = |name: &str| {
        rtt.and_then(|g| g.entries.iter().find(|e| e.name == name))
            .map(|e| e.latency.p50)
    };
    // "p50 ≤ 0.5× iceoryx2's": as a ratio ≥ 1, (0.5 × iceoryx2) / shm.
    let ice = p50(Kind::Ice.name()).zip(p50(Kind::Shm.name()));
    body.targets.push(Target::new(
        "shm ping-pong p50 ≤ 0.5× iceoryx2's",
        1.0,
        ice.map(|(ice, shm)| 0.5 * ice / shm),
        match ice {
            Some((ice, shm)) => format!(
                "`shm_round_trip_64`: p50 {shm:.0} ns vs iceoryx2 {ice:.0} ns = {:.2}× \
                 (shown as 0.5 × iceoryx2 ÷ shm, ≥ 1 when met)",
                shm / ice
            ),
            None => "not measured".into(),
        },
    ));
}

/// A transport's parent side, connected to a running child.
struct Parent {
    child: Child,
    /// The child's control lines (and, for pipes, its data).
    lines: BufReader<ChildStdout>,
    tx: Tx,
    rx: Option<Rx>,
    /// The child's stdin when it is not the transport: kept open while the child runs.
    _stdin: Option<ChildStdin>,
    /// Files to remove afterwards.
    cleanup: Vec<PathBuf>,
}

/// Sending side of a transport.
enum Tx {
    Shm(Box<ShmProducer>),
    Zmq(zmq::Socket),
    Ice(Box<IcePublisher>),
    Uds(UnixStream),
    Pipe(ChildStdin),
    Child(Box<std::io::Stdout>),
}

/// Receiving side of a transport.
enum Rx {
    Shm(Box<ShmConsumer>),
    Zmq(zmq::Socket),
    Ice(Box<IceSubscriber>),
    Uds(UnixStream),
    Pipe,
    Child(std::io::Stdin),
}

type Res<T> = Result<T, Box<dyn Error>>;

fn unique(tag: &str) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!(
        "mmring-bench-{}-{tag}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// An iceoryx2 node over its inter-process service variant.
type IceNode = iceoryx2::prelude::Node<iceoryx2::prelude::ipc::Service>;

/// An iceoryx2 publish-subscribe service of `[u8]` samples.
type IceService = iceoryx2::service::port_factory::publish_subscribe::PortFactory<
    iceoryx2::prelude::ipc::Service,
    [u8],
    (),
>;

/// Queued samples per iceoryx2 subscriber: as deep as ZeroMQ's high-water mark allows
/// for its sockets here, within what iceoryx2 preallocates per service.
const ICE_BUFFER: usize = 1024;

/// The iceoryx2 service named after `name`, for `[u8]` samples, lossless (no safe
/// overflow), one publisher and `subscribers` subscribers.
fn ice_service(node: &IceNode, name: &str, subscribers: usize) -> Res<IceService> {
    let name = format!("mmring-bench/{name}");
    Ok(node
        .service_builder(&name.as_str().try_into()?)
        .publish_subscribe::<[u8]>()
        .enable_safe_overflow(false)
        .subscriber_max_buffer_size(ICE_BUFFER)
        .history_size(0)
        .max_publishers(1)
        .max_subscribers(subscribers)
        .open_or_create()?)
}

/// An iceoryx2 node quiet below errors (it warns that no config file was loaded).
fn ice_node() -> Res<IceNode> {
    use iceoryx2::prelude::{LogLevel, NodeBuilder, ipc, set_log_level};
    set_log_level(LogLevel::Error);
    Ok(NodeBuilder::new().create::<ipc::Service>()?)
}

/// The sending end of an iceoryx2 publish-subscribe service. Lossless the way a
/// user who wants speed would make it: `DiscardData` (a send never sleeps), and a
/// sample that reached no subscriber (its queue full) is sent again after a pause,
/// as the shm producer retries on `Full`. (`RetryUntilDelivered` sleeps in
/// iceoryx2's adaptive wait, which measured slower here.)
struct IcePublisher {
    publisher: iceoryx2::port::publisher::Publisher<iceoryx2::prelude::ipc::Service, [u8], ()>,
    _service: IceService,
    _node: IceNode,
}

impl IcePublisher {
    fn new(name: &str, size: usize) -> Res<Self> {
        use iceoryx2::port::backpressure_strategy::BackpressureStrategy;
        let node = ice_node()?;
        let service = ice_service(&node, name, 1)?;
        let publisher = service
            .publisher_builder()
            .initial_max_slice_len(size)
            .backpressure_strategy(BackpressureStrategy::DiscardData)
            .create()?;
        Ok(Self {
            publisher,
            _service: service,
            _node: node,
        })
    }

    fn send(&mut self, msg: &[u8]) -> Res<()> {
        let mut waits = 0u32;
        let mut stuck = Stuck::new("no iceoryx2 subscriber took a sample");
        loop {
            let sample = self.publisher.loan_slice_uninit(msg.len())?;
            if sample.write_from_slice(msg).send()? > 0 {
                return Ok(());
            }
            pause(&mut waits);
            stuck.check()?;
        }
    }
}

/// The receiving end of an iceoryx2 publish-subscribe service (polling, copying each
/// sample out as the other transports do).
struct IceSubscriber {
    subscriber: iceoryx2::port::subscriber::Subscriber<iceoryx2::prelude::ipc::Service, [u8], ()>,
    _service: IceService,
    _node: IceNode,
}

impl IceSubscriber {
    fn new(name: &str) -> Res<Self> {
        let node = ice_node()?;
        let service = ice_service(&node, name, 1)?;
        let subscriber = service.subscriber_builder().create()?;
        Ok(Self {
            subscriber,
            _service: service,
            _node: node,
        })
    }

    fn recv(&mut self, buf: &mut Vec<u8>) -> Res<()> {
        let mut waits = 0u32;
        let mut stuck = Stuck::new("no iceoryx2 sample arrived");
        loop {
            if let Some(sample) = self.subscriber.receive()? {
                buf.clear();
                buf.extend_from_slice(sample.payload());
                return Ok(());
            }
            pause(&mut waits);
            stuck.check()?;
        }
    }
}

/// Ends a wait that makes no progress: an error after [`Stuck::LIMIT`], the clock
/// read only every 4096 checks.
struct Stuck {
    what: &'static str,
    checks: u32,
    since: Option<Instant>,
}

impl Stuck {
    const LIMIT: Duration = Duration::from_secs(10);

    fn new(what: &'static str) -> Self {
        Self {
            what,
            checks: 0,
            since: None,
        }
    }

    fn check(&mut self) -> Res<()> {
        self.checks = self.checks.wrapping_add(1);
        if self.checks.is_multiple_of(4096) {
            let since = *self.since.get_or_insert_with(Instant::now);
            if since.elapsed() > Self::LIMIT {
                return Err(format!("{} for {:?}", self.what, Self::LIMIT).into());
            }
        }
        Ok(())
    }
}

fn zmq_context() -> &'static zmq::Context {
    static CTX: std::sync::OnceLock<zmq::Context> = std::sync::OnceLock::new();
    CTX.get_or_init(zmq::Context::new)
}

fn shm_config(name: &str) -> ShmConfig {
    ShmConfig::new(name, SHM_CAPACITY)
        .with_policy(Policy::Reject)
        .with_unlink_on_close(true)
}

impl Parent {
    /// Starts a child in `mode` over `kind`; `echo` also opens the way back.
    fn start(
        ctx: &Ctx,
        kind: Kind,
        mode: &str,
        size: usize,
        count: u64,
        batches: u64,
    ) -> Res<Self> {
        let a = unique("a");
        let b = unique("b");
        let mut cleanup = Vec::new();
        let (tx, addr_a, addr_b, listener) = match kind {
            Kind::Shm => {
                let producer = ShmProducer::create(&shm_config(&a))?;
                (
                    Some(Tx::Shm(Box::new(producer))),
                    a.clone(),
                    b.clone(),
                    None,
                )
            }
            Kind::Zmq => {
                let push = zmq_context().socket(zmq::PUSH)?;
                push.set_sndhwm(ZMQ_HWM)?;
                push.set_linger(0)?;
                let ep_a = format!("ipc:///tmp/{a}.sock");
                push.bind(&ep_a)?;
                cleanup.push(PathBuf::from(format!("/tmp/{a}.sock")));
                cleanup.push(PathBuf::from(format!("/tmp/{b}.sock")));
                (
                    Some(Tx::Zmq(push)),
                    ep_a,
                    format!("ipc:///tmp/{b}.sock"),
                    None,
                )
            }
            Kind::Ice => (
                Some(Tx::Ice(Box::new(IcePublisher::new(&a, size)?))),
                a.clone(),
                b.clone(),
                None,
            ),
            Kind::Uds => {
                let path = std::env::temp_dir().join(format!("{a}.sock"));
                let listener = UnixListener::bind(&path)?;
                cleanup.push(path.clone());
                let p = path.display().to_string();
                (None, p, b.clone(), Some(listener))
            }
            Kind::Pipe => (None, a.clone(), b.clone(), None),
        };
        let mut child = Command::new(&ctx.exe)
            .arg("--child")
            .args([
                kind.arg(),
                mode,
                &size.to_string(),
                &count.to_string(),
                &batches.to_string(),
                &addr_a,
                &addr_b,
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()?;
        let stdin = child.stdin.take().ok_or("no child stdin")?;
        let stdout = child.stdout.take().ok_or("no child stdout")?;
        let (tx, rx, stdin) = match (tx, listener) {
            (Some(tx), _) => (tx, None, Some(stdin)),
            (None, Some(listener)) => {
                let (stream, _) = listener.accept()?;
                (
                    Tx::Uds(stream.try_clone()?),
                    Some(Rx::Uds(stream)),
                    Some(stdin),
                )
            }
            (None, None) => (Tx::Pipe(stdin), Some(Rx::Pipe), None),
        };
        let mut parent = Self {
            child,
            lines: BufReader::new(stdout),
            tx,
            rx,
            _stdin: stdin,
            cleanup,
        };
        parent.expect_line("ready")?;
        if mode == "echo" {
            match kind {
                Kind::Shm => {
                    parent.rx = Some(Rx::Shm(Box::new(ShmConsumer::open(&shm_config(&b))?)));
                }
                Kind::Zmq => {
                    let pull = zmq_context().socket(zmq::PULL)?;
                    pull.set_rcvhwm(ZMQ_HWM)?;
                    pull.set_linger(0)?;
                    pull.connect(&addr_b)?;
                    parent.rx = Some(Rx::Zmq(pull));
                }
                Kind::Ice => parent.rx = Some(Rx::Ice(Box::new(IceSubscriber::new(&addr_b)?))),
                _ => {}
            }
        }
        Ok(parent)
    }

    fn expect_line(&mut self, want: &str) -> Res<String> {
        let mut line = String::new();
        if self.lines.read_line(&mut line)? == 0 {
            return Err(format!("child exited before `{want}`").into());
        }
        let line = line.trim().to_string();
        if !line.starts_with(want) {
            return Err(format!("child said `{line}`, expected `{want}`").into());
        }
        Ok(line)
    }

    fn send(&mut self, msg: &[u8]) -> Res<()> {
        send(&mut self.tx, msg)
    }

    fn recv(&mut self, buf: &mut Vec<u8>, size: usize) -> Res<()> {
        match self.rx.as_mut().ok_or("no way back")? {
            Rx::Pipe => {
                buf.resize(size, 0);
                self.lines.read_exact(buf)?;
                Ok(())
            }
            rx => recv(rx, buf, size),
        }
    }

    /// Stops the child early (a run over its time budget) and cleans up.
    fn abort(mut self) -> Res<()> {
        self.child.kill()?;
        self.child.wait()?;
        for path in &self.cleanup {
            let _ = std::fs::remove_file(path);
        }
        Ok(())
    }

    fn finish(mut self) -> Res<()> {
        drop(self._stdin.take());
        let status = self.child.wait()?;
        for path in &self.cleanup {
            let _ = std::fs::remove_file(path);
        }
        if !status.success() {
            return Err(format!("child failed: {status}").into());
        }
        Ok(())
    }
}

fn send(tx: &mut Tx, msg: &[u8]) -> Res<()> {
    match tx {
        Tx::Shm(p) => {
            let mut waits = 0u32;
            loop {
                match p.insert(msg) {
                    Ok(()) => return Ok(()),
                    Err(InsertError::Full) => pause(&mut waits),
                    Err(e) => return Err(e.into()),
                }
            }
        }
        Tx::Zmq(s) => Ok(s.send(msg, 0)?),
        Tx::Ice(p) => p.send(msg),
        Tx::Uds(s) => Ok(s.write_all(msg)?),
        Tx::Pipe(p) => Ok(p.write_all(msg)?),
        Tx::Child(out) => Ok(out.write_all(msg).and_then(|()| out.flush())?),
    }
}

fn recv(rx: &mut Rx, buf: &mut Vec<u8>, size: usize) -> Res<()> {
    match rx {
        Rx::Shm(c) => {
            let mut waits = 0u32;
            while !c.consume_into(buf)? {
                pause(&mut waits);
            }
        }
        Rx::Zmq(s) => {
            buf.resize(size, 0);
            let n = s.recv_into(buf, 0)?;
            buf.truncate(n);
        }
        Rx::Ice(s) => s.recv(buf)?,
        Rx::Uds(s) => {
            buf.resize(size, 0);
            s.read_exact(buf)?;
        }
        Rx::Child(stdin) => {
            buf.resize(size, 0);
            stdin.read_exact(buf)?;
        }
        Rx::Pipe => return Err("pipe is read by the parent directly".into()),
    }
    if buf.len() != size {
        return Err(format!("message of {} bytes, expected {size}", buf.len()).into());
    }
    Ok(())
}

/// Busy-waits like the shm consumer's default wait strategy: spins first, then yields
/// the CPU between checks, so a polling side does not burn its time slice while the
/// other side is descheduled.
#[inline]
fn pause(waits: &mut u32) {
    if *waits < SPINS {
        *waits += 1;
        std::hint::spin_loop();
    } else {
        std::thread::yield_now();
    }
}

/// `batches` of `n` messages; each figure is one batch's messages per second.
fn throughput(ctx: &Ctx, kind: Kind, size: usize, n: u64, s: &Settings) -> Res<Stats> {
    let batches = (s.warmup + s.reps) as u64;
    let parent = Parent::start(ctx, kind, "sink", size, n, batches)?;
    let mut msg = vec![0x5Au8; size];
    timed_batches(parent, n, s, |parent| {
        for i in 0..n {
            msg[..8].copy_from_slice(&i.to_le_bytes());
            parent.send(&msg)?;
        }
        Ok(())
    })
}

/// Messages per `insert_batch` and at most per `consume_batch` in the batched run.
const BATCH: usize = 64;

/// [`throughput`] of the shm ring with messages written `BATCH` at a time
/// (`insert_batch`: one commit each) and read by `consume_batch` (one published read
/// position per call).
fn throughput_batched(ctx: &Ctx, size: usize, n: u64, s: &Settings) -> Res<Stats> {
    let batches = (s.warmup + s.reps) as u64;
    let n = n.next_multiple_of(BATCH as u64);
    let parent = Parent::start(ctx, Kind::Shm, "sink-batch", size, n, batches)?;
    let mut messages = vec![vec![0x5Au8; size]; BATCH];
    timed_batches(parent, n, s, |parent| {
        let Tx::Shm(producer) = &mut parent.tx else {
            return Err("the batched run writes shm".into());
        };
        for first in (0..n).step_by(BATCH) {
            for (i, msg) in (first..).zip(&mut messages) {
                msg[..8].copy_from_slice(&i.to_le_bytes());
            }
            let refs: [&[u8]; BATCH] = std::array::from_fn(|i| messages[i].as_slice());
            let mut waits = 0u32;
            loop {
                match producer.insert_batch(&refs) {
                    Ok(()) => break,
                    Err(InsertError::Full) => pause(&mut waits),
                    Err(e) => return Err(e.into()),
                }
            }
        }
        Ok(())
    })
}

/// Times `send_all` (which sends one batch of `n` messages) until the child says
/// `done`, for every warm-up and timed batch the child was started for, within the
/// time [`budget`]; each timed batch's messages per second is one sample.
fn timed_batches(
    mut parent: Parent,
    n: u64,
    s: &Settings,
    mut send_all: impl FnMut(&mut Parent) -> Res<()>,
) -> Res<Stats> {
    let batches = (s.warmup + s.reps) as u64;
    let mut samples = Vec::new();
    let deadline = Instant::now() + budget(s);
    for batch in 0..batches {
        if !samples.is_empty() && Instant::now() > deadline {
            return parent.abort().map(|()| Stats::from_samples(samples));
        }
        let start = Instant::now();
        send_all(&mut parent)?;
        parent.expect_line("done")?;
        if batch >= s.warmup as u64 {
            samples.push(per_second(n, start.elapsed()));
        }
    }
    parent.finish()?;
    Ok(Stats::from_samples(samples))
}

/// Longest time one transport and size may take in a throughput or round-trip run; a
/// run past it ends early with the samples it has (on a machine busy with other work).
fn budget(s: &Settings) -> Duration {
    if s.quick {
        Duration::from_millis(500)
    } else {
        Duration::from_secs(8)
    }
}

/// Round trips of `size`-byte messages echoed by the child.
fn ping_pong(ctx: &Ctx, kind: Kind, size: usize, rounds: u64) -> Res<Latency> {
    let warm = rounds / 10;
    let mut parent = Parent::start(ctx, kind, "echo", size, warm + rounds, 1)?;
    let mut msg = vec![0x5Au8; size];
    let mut back = Vec::with_capacity(size);
    let mut hist = histogram();
    let deadline = Instant::now() + budget(&ctx.settings);
    for i in 0..warm + rounds {
        if hist.len() >= 100 && Instant::now() > deadline {
            parent.abort()?;
            return Ok(Latency::of(&hist));
        }
        msg[..8].copy_from_slice(&i.to_le_bytes());
        let start = now_ns();
        parent.send(&msg)?;
        parent.recv(&mut back, size)?;
        let rtt = now_ns() - start;
        if back[..8] != msg[..8] {
            return Err("echo out of order".into());
        }
        if i >= warm {
            record(&mut hist, rtt);
        }
    }
    parent.expect_line("done")?;
    parent.finish()?;
    Ok(Latency::of(&hist))
}

/// `messages` at `rate`, each stamped with its scheduled send time; the child measures.
fn fixed_rate(ctx: &Ctx, kind: Kind, size: usize, rate: u64, messages: u64) -> Res<Latency> {
    let mut parent = Parent::start(ctx, kind, "latency", size, messages, 1)?;
    let mut msg = vec![0x5Au8; size];
    let mut pacer = Pacer::new(rate);
    for _ in 0..messages {
        let due = pacer.wait_next();
        msg[..8].copy_from_slice(&due.to_le_bytes());
        parent.send(&msg)?;
    }
    let line = parent.expect_line("{")?;
    parent.finish()?;
    Ok(serde_json::from_str(&line)?)
}

/// Round trips of a value between two pinned threads through two cache lines: the
/// least any cross-core handoff can cost on this machine.
fn cache_line_ping_pong(rounds: u64) -> Latency {
    #[repr(align(128))]
    struct Line(AtomicU64);
    let ping = Line(AtomicU64::new(u64::MAX));
    let pong = Line(AtomicU64::new(u64::MAX));
    let (ping, pong) = (&ping, &pong);
    let run = run_pair(
        move || {
            let mut hist = histogram();
            for i in 0..rounds {
                let start = now_ns();
                ping.0.store(i, Ordering::Release);
                while pong.0.load(Ordering::Acquire) != i {
                    std::hint::spin_loop();
                }
                record(&mut hist, now_ns() - start);
            }
            hist
        },
        move || {
            for i in 0..rounds {
                while ping.0.load(Ordering::Acquire) != i {
                    std::hint::spin_loop();
                }
                pong.0.store(i, Ordering::Release);
            }
        },
    );
    Latency::of(&run.producer)
}

/// The name of a fan-in row.
fn fan_in_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Shm => "mmring ShmFanIn (a ring per producer)",
        _ => "ZeroMQ PUSH/PULL fan-in ipc://",
    }
}

/// A child process of a fan-in or broadcast run, driven over its stdin (a `go` line a
/// batch; closed to stop it) and answering with control lines on its stdout.
struct Worker {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: BufReader<ChildStdout>,
}

impl Worker {
    /// Starts the harness binary as a child with `--child` and `args`.
    fn spawn(ctx: &Ctx, args: &[String]) -> Res<Self> {
        let mut child = Command::new(&ctx.exe)
            .arg("--child")
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()?;
        let stdin = child.stdin.take().ok_or("no child stdin")?;
        let lines = BufReader::new(child.stdout.take().ok_or("no child stdout")?);
        Ok(Self {
            child,
            stdin: Some(stdin),
            lines,
        })
    }

    fn expect_line(&mut self, want: &str) -> Res<()> {
        let mut line = String::new();
        if self.lines.read_line(&mut line)? == 0 {
            return Err(format!("child exited before `{want}`").into());
        }
        if line.trim() != want {
            return Err(format!("child said `{}`, expected `{want}`", line.trim()).into());
        }
        Ok(())
    }

    /// Sends the go-ahead line of a batch.
    fn go(&mut self) -> Res<()> {
        let stdin = self.stdin.as_mut().ok_or("stdin closed")?;
        stdin.write_all(b"go\n")?;
        stdin.flush()?;
        Ok(())
    }
}

/// Stops `workers` (closing their stdin; killing them too after a failed run) and, after
/// a run that went well, checks that each exited successfully.
fn stop_all(workers: Vec<Worker>, run_ok: bool) -> Res<()> {
    for mut worker in workers {
        drop(worker.stdin.take());
        if !run_ok {
            let _ = worker.child.kill();
        }
        let status = worker.child.wait()?;
        if run_ok && !status.success() {
            return Err(format!("child failed: {status}").into());
        }
    }
    Ok(())
}

/// `producers` child processes each send `n` messages of `size` bytes per batch, all
/// at once, to this process's one consumer; each figure is one batch's messages per
/// second, all producers together.
fn fan_in(
    ctx: &Ctx,
    kind: Kind,
    producers: usize,
    size: usize,
    n: u64,
    s: &Settings,
) -> Res<Stats> {
    let batches = (s.warmup + s.reps) as u64;
    let prefix = unique("fan");
    let endpoint = format!("ipc:///tmp/{prefix}.sock");
    let socket_file = PathBuf::from(format!("/tmp/{prefix}.sock"));
    let pull = if kind == Kind::Zmq {
        let pull = zmq_context().socket(zmq::PULL)?;
        pull.set_rcvhwm(ZMQ_HWM)?;
        pull.set_linger(0)?;
        pull.bind(&endpoint)?;
        Some(pull)
    } else {
        None
    };
    let mut sources = Vec::new();
    for i in 0..producers {
        let addr = match kind {
            Kind::Shm => format!("{prefix}-{i}"),
            _ => endpoint.clone(),
        };
        let args = [kind.arg(), "source", &size.to_string(), &n.to_string()];
        let args = args.map(String::from);
        let rest = [batches.to_string(), addr, "-".to_string()];
        sources.push(Worker::spawn(ctx, &[&args[..], &rest[..]].concat())?);
    }
    let result = fan_in_batches(kind, pull.as_ref(), &prefix, &mut sources, size, n, s);
    stop_all(sources, result.is_ok())?;
    let _ = std::fs::remove_file(socket_file);
    result
}

/// The batches of a [`fan_in`] run, once its producers are started.
fn fan_in_batches(
    kind: Kind,
    pull: Option<&zmq::Socket>,
    prefix: &str,
    sources: &mut [Worker],
    size: usize,
    n: u64,
    s: &Settings,
) -> Res<Stats> {
    for source in sources.iter_mut() {
        source.expect_line("ready")?;
    }
    let mut fan_in = match kind {
        Kind::Shm => {
            let fan_in = ShmFanIn::open(&format!("{prefix}-"))?;
            if fan_in.sources().count() != sources.len() {
                return Err(format!("{:?}", fan_in.skipped()).into());
            }
            Some(fan_in)
        }
        _ => None,
    };
    let total = n * sources.len() as u64;
    let mut buf = Vec::with_capacity(size);
    let mut samples = Vec::new();
    let deadline = Instant::now() + budget(s);
    for batch in 0..(s.warmup + s.reps) as u64 {
        if !samples.is_empty() && Instant::now() > deadline {
            break;
        }
        let start = Instant::now();
        for source in sources.iter_mut() {
            source.go()?;
        }
        let mut got = 0;
        let mut waits = 0u32;
        while got < total {
            match (fan_in.as_mut(), pull) {
                (Some(fan_in), _) => {
                    let mut wrong = 0;
                    let taken = fan_in.consume_batch(&mut buf, BATCH, |_, m| {
                        wrong += usize::from(m.len() != size);
                    })?;
                    if wrong > 0 {
                        return Err(format!("{wrong} messages of the wrong size").into());
                    }
                    if taken == 0 {
                        pause(&mut waits);
                        continue;
                    }
                    waits = 0;
                    got += taken as u64;
                }
                (None, Some(pull)) => {
                    buf.resize(size, 0);
                    let len = pull.recv_into(&mut buf, 0)?;
                    if len != size {
                        return Err(format!("message of {len} bytes, expected {size}").into());
                    }
                    got += 1;
                }
                (None, None) => return Err("no consumer".into()),
            }
        }
        let elapsed = start.elapsed();
        for source in sources.iter_mut() {
            source.expect_line("sent")?;
        }
        if batch >= s.warmup as u64 {
            samples.push(per_second(total, elapsed));
        }
    }
    Ok(Stats::from_samples(samples))
}

/// A fan-in producer (`source` mode): creates its ring (shm) or connects to the
/// consumer's socket (ZeroMQ), says `ready`, then sends `count` messages each time the
/// parent says `go`, answering `sent`; exits when its stdin closes.
fn source_child(kind: Kind, size: usize, count: u64, batches: u64, addr: &str) -> Res<()> {
    let mut tx = match kind {
        Kind::Shm => Tx::Shm(Box::new(ShmProducer::create(&shm_config(addr))?)),
        Kind::Zmq => {
            let push = zmq_context().socket(zmq::PUSH)?;
            push.set_sndhwm(ZMQ_HWM)?;
            push.set_linger(1000)?;
            push.connect(addr)?;
            Tx::Zmq(push)
        }
        _ => return Err("fan-in runs over shm and ZeroMQ only".into()),
    };
    let mut control = std::io::stdout();
    writeln!(control, "ready")?;
    control.flush()?;
    let mut orders = BufReader::new(std::io::stdin());
    let mut line = String::new();
    let mut msg = vec![0x5Au8; size];
    for _ in 0..batches {
        line.clear();
        if orders.read_line(&mut line)? == 0 {
            return Ok(());
        }
        for i in 0..count {
            msg[..8].copy_from_slice(&i.to_le_bytes());
            send(&mut tx, &msg)?;
        }
        writeln!(control, "sent")?;
        control.flush()?;
    }
    // Stay until the parent, having received everything, closes stdin.
    line.clear();
    orders.read_line(&mut line)?;
    Ok(())
}

/// The child side: `KIND MODE SIZE COUNT BATCHES ADDR_A ADDR_B`.
pub fn child_main(args: &[String]) -> Result<(), Box<dyn Error>> {
    let [kind, mode, size, count, batches, addr_a, addr_b] = args else {
        return Err(format!("bad child arguments {args:?}").into());
    };
    let kind = Kind::parse(kind).ok_or("unknown transport")?;
    let size: usize = size.parse()?;
    let count: u64 = count.parse()?;
    let batches: u64 = batches.parse()?;
    pin_current(CONSUMER_CORE);
    if mode == "source" {
        return source_child(kind, size, count, batches, addr_a);
    }
    if mode == "sub" {
        return broadcast::sub_child(kind, size, count, batches, addr_a, addr_b.parse()?);
    }
    let echo = mode == "echo";
    let mut control = std::io::stdout();
    let (mut rx, mut tx) = match kind {
        Kind::Shm => {
            let rx = Rx::Shm(Box::new(open_retrying(addr_a)?));
            let tx = if echo {
                Some(Tx::Shm(Box::new(ShmProducer::create(&shm_config(addr_b))?)))
            } else {
                None
            };
            (rx, tx)
        }
        Kind::Zmq => {
            let pull = zmq_context().socket(zmq::PULL)?;
            pull.set_rcvhwm(ZMQ_HWM)?;
            pull.set_linger(0)?;
            pull.connect(addr_a)?;
            let tx = if echo {
                let push = zmq_context().socket(zmq::PUSH)?;
                push.set_sndhwm(ZMQ_HWM)?;
                push.set_linger(0)?;
                push.bind(addr_b)?;
                Some(Tx::Zmq(push))
            } else {
                None
            };
            (Rx::Zmq(pull), tx)
        }
        Kind::Uds => {
            let stream = UnixStream::connect(addr_a)?;
            let tx = echo.then(|| stream.try_clone().map(Tx::Uds)).transpose()?;
            (Rx::Uds(stream), tx)
        }
        Kind::Ice => {
            let rx = Rx::Ice(Box::new(IceSubscriber::new(addr_a)?));
            let tx = if echo {
                Some(Tx::Ice(Box::new(IcePublisher::new(addr_b, size)?)))
            } else {
                None
            };
            (rx, tx)
        }
        Kind::Pipe => (
            Rx::Child(std::io::stdin()),
            echo.then(|| Tx::Child(Box::new(std::io::stdout()))),
        ),
    };
    writeln!(control, "ready")?;
    control.flush()?;
    let mut buf = Vec::with_capacity(size);
    match mode.as_str() {
        "sink" => {
            for _ in 0..batches {
                for i in 0..count {
                    recv(&mut rx, &mut buf, size)?;
                    if buf[..8] != i.to_le_bytes() {
                        return Err("message out of order".into());
                    }
                }
                writeln!(control, "done")?;
                control.flush()?;
            }
        }
        "sink-batch" => {
            let Rx::Shm(consumer) = &mut rx else {
                return Err("batches are read from shm only".into());
            };
            for _ in 0..batches {
                let mut next = 0u64;
                let mut out_of_order = false;
                let mut waits = 0u32;
                while next < count {
                    let taken = consumer.consume_batch(&mut buf, BATCH, |m| {
                        out_of_order |= m.len() != size || m[..8] != next.to_le_bytes();
                        next += 1;
                    })?;
                    if out_of_order {
                        return Err("message out of order".into());
                    }
                    if taken == 0 {
                        pause(&mut waits);
                    } else {
                        waits = 0;
                    }
                }
                writeln!(control, "done")?;
                control.flush()?;
            }
        }
        "echo" => {
            let tx = tx.as_mut().ok_or("no way back")?;
            for _ in 0..count {
                recv(&mut rx, &mut buf, size)?;
                send(tx, &buf)?;
            }
            writeln!(control, "done")?;
            control.flush()?;
        }
        "latency" => {
            let mut hist = histogram();
            for _ in 0..count {
                recv(&mut rx, &mut buf, size)?;
                let due = u64::from_le_bytes(buf[..8].try_into()?);
                record(&mut hist, now_ns().saturating_sub(due));
            }
            writeln!(control, "{}", serde_json::to_string(&Latency::of(&hist))?)?;
            control.flush()?;
        }
        other => return Err(format!("unknown mode {other}").into()),
    }
    // Give the sockets' last messages time to leave before the process exits.
    if kind == Kind::Zmq && echo {
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(())
}

fn open_retrying(name: &str) -> Result<ShmConsumer, OpenError> {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        match ShmConsumer::open(&shm_config(name)) {
            Err(OpenError::Missing { .. }) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(1));
            }
            other => return other,
        }
    }
}
