//! Broadcast: one producer process, 1, 2 or 4 reader processes that each receive every
//! message; mmring's broadcast shm ring against ZeroMQ PUB/SUB over `ipc://` and
//! iceoryx2 publish-subscribe with the same number of subscribers. Every transport is
//! made lossless, so that each reader's count is every message.
//!
//! Readers run in `sub` mode (`--child KIND sub SIZE COUNT BATCHES ADDR -`): attach,
//! say `ready`, then for each batch receive `COUNT` messages in order and say `done`.
//! The figure is per-reader delivered messages per second: `COUNT` over the time from
//! the batch's first send to the last reader's `done`.

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::time::Instant;

use mmring_native::shm::{ShmConfig, ShmConsumer, ShmProducer};
use mmring_native::spsc::Policy;

use super::{
    BATCH, Body, Ctx, IceNode, IceService, Kind, Res, SHM_CAPACITY, Stuck, Worker, budget,
    ice_node, ice_service, pause, stop_all, unique, zmq_context,
};
use crate::measure::{Settings, Stats, per_second};
use crate::results::{Entry, Group, Target};

/// Reader counts of the broadcast groups.
pub(super) const READERS: [usize; 3] = [1, 2, 4];
/// Message sizes of the broadcast groups.
pub(super) const SIZES: [usize; 2] = [64, 512];

/// The transports of the broadcast groups.
const KINDS: [Kind; 3] = [Kind::Shm, Kind::Zmq, Kind::Ice];

/// The name of a broadcast row.
pub(super) fn name(kind: Kind) -> &'static str {
    match kind {
        Kind::Shm => "mmring shm broadcast (ShmConfig::readers)",
        Kind::Zmq => "ZeroMQ PUB/SUB ipc://",
        _ => "iceoryx2 publish-subscribe",
    }
}

/// Adds the broadcast groups and their targets to `body`.
pub(super) fn run(ctx: &Ctx, body: &mut Body, s: &Settings) {
    for size in SIZES {
        for readers in READERS {
            ctx.step(format!("broadcast, {readers} readers, {size} B"));
            let n = s.ops(if size == 64 { 1_000_000 } else { 400_000 }, 2_000);
            let mut entries = Vec::new();
            for kind in KINDS {
                ctx.step(format!("  {}", name(kind)));
                match broadcast(ctx, kind, readers, size, n, s) {
                    Ok(stats) => entries.push(Entry::new(name(kind), kind == Kind::Shm, stats)),
                    Err(e) => body.notes.push(format!(
                        "{} with {readers} readers, {size} B failed: {e}",
                        name(kind)
                    )),
                }
            }
            body.groups.push(Group::of(
                &format!("shm_broadcast_{readers}_{size}"),
                &format!(
                    "Broadcast: one producer process to {readers} reader process{}, {size} B, \
                     lossless (messages/s delivered to each reader)",
                    if readers == 1 { "" } else { "es" }
                ),
                "msg/s",
                true,
                entries,
            ));
        }
    }
    for size in SIZES {
        let id = format!("shm_broadcast_4_{size}");
        for (peer, factor) in [(Kind::Zmq, 10.0), (Kind::Ice, 3.0)] {
            body.targets.push(Target::faster(
                &format!(
                    "shm broadcast, 4 readers, {size} B: per-reader throughput ≥ {factor}× {}",
                    name(peer)
                ),
                factor,
                body.group(&id),
                |g| g.entry(name(Kind::Shm)),
                |g| g.entry(name(peer)),
                |a, b| format!("`{id}`: {a:.3e} vs {b:.3e} msg/s per reader"),
            ));
        }
    }
    body.notes.push(format!(
        "Broadcast: the producer process (pinned) sends one message at a time; the reader \
         processes share the other core. mmring's ring is a broadcast ring \
         (`ShmConfig::readers(n)`, Reject: the producer waits for the slowest reader) of \
         {} KiB; its readers read with `consume_batch` (up to {BATCH} at once) and, when \
         the ring is empty, spin briefly and then yield the core (they do not park). \
         ZeroMQ uses XPUB/SUB with unlimited high-water marks (PUB drops at its \
         high-water mark, so a bounded one would not be lossless), the producer waiting \
         for every subscription before it starts, and its readers block in the kernel. \
         iceoryx2's publisher uses RetryUntilDelivered (DiscardData would drop for a \
         slow subscriber, and a resend would reach all of them again), its subscribers \
         poll and yield like mmring's.",
        SHM_CAPACITY / 1024
    ));
}

/// The producer's end of one transport.
enum Pub {
    Shm(Box<ShmProducer>),
    Zmq(zmq::Socket),
    Ice(Box<IceBroadcaster>),
}

/// `readers` reader processes each receive `n` messages of `size` bytes per batch from
/// this process; each figure is one batch's messages per second per reader.
fn broadcast(
    ctx: &Ctx,
    kind: Kind,
    readers: usize,
    size: usize,
    n: u64,
    s: &Settings,
) -> Res<Stats> {
    let batches = (s.warmup + s.reps) as u64;
    let tag = unique("bcast");
    let socket_file = PathBuf::from(format!("/tmp/{tag}.sock"));
    let (mut publisher, addr) = match kind {
        Kind::Shm => {
            let config = ShmConfig::new(&tag, SHM_CAPACITY)
                .readers(readers)
                .with_policy(Policy::Reject)
                .with_unlink_on_close(true);
            (
                Pub::Shm(Box::new(ShmProducer::create(&config)?)),
                tag.clone(),
            )
        }
        Kind::Zmq => {
            let xpub = zmq_context().socket(zmq::XPUB)?;
            xpub.set_sndhwm(0)?;
            xpub.set_linger(0)?;
            // Every subscription reaches us (not only the first per topic), within 10 s.
            xpub.set_xpub_verbose(true)?;
            xpub.set_rcvtimeo(10_000)?;
            let endpoint = format!("ipc://{}", socket_file.display());
            xpub.bind(&endpoint)?;
            (Pub::Zmq(xpub), endpoint)
        }
        _ => (
            Pub::Ice(Box::new(IceBroadcaster::new(&tag, size, readers)?)),
            tag.clone(),
        ),
    };
    let args = [kind.arg(), "sub", &size.to_string(), &n.to_string()].map(String::from);
    let rest = [batches.to_string(), addr, readers.to_string()];
    let mut children = (0..readers)
        .map(|_| Worker::spawn(ctx, &[&args[..], &rest[..]].concat()))
        .collect::<Res<Vec<_>>>()?;
    let result = run_batches(&mut publisher, &mut children, size, n, s);
    stop_all(children, result.is_ok())?;
    let _ = std::fs::remove_file(socket_file);
    result
}

/// The batches of a [`broadcast`] run, once its readers are started.
fn run_batches(
    publisher: &mut Pub,
    readers: &mut [Worker],
    size: usize,
    n: u64,
    s: &Settings,
) -> Res<Stats> {
    for reader in readers.iter_mut() {
        reader.expect_line("ready")?;
    }
    if let Pub::Zmq(xpub) = publisher {
        // One subscription message per subscriber: then every one receives from the
        // first message on.
        for _ in 0..readers.len() {
            xpub.recv_bytes(0)?;
        }
    }
    let mut msg = vec![0x5Au8; size];
    let mut samples = Vec::new();
    let deadline = Instant::now() + budget(s);
    for batch in 0..(s.warmup + s.reps) as u64 {
        if !samples.is_empty() && Instant::now() > deadline {
            break;
        }
        for reader in readers.iter_mut() {
            reader.go()?;
        }
        let start = Instant::now();
        for i in 0..n {
            msg[..8].copy_from_slice(&i.to_le_bytes());
            match publisher {
                Pub::Shm(p) => {
                    let mut waits = 0u32;
                    let mut stuck = Stuck::new("the broadcast ring stayed full");
                    while p.insert(&msg).is_err() {
                        pause(&mut waits);
                        stuck.check()?;
                    }
                }
                Pub::Zmq(xpub) => xpub.send(&msg[..], 0)?,
                Pub::Ice(p) => p.send(&msg)?,
            }
        }
        for reader in readers.iter_mut() {
            reader.expect_line("done")?;
        }
        if batch >= s.warmup as u64 {
            samples.push(per_second(n, start.elapsed()));
        }
    }
    Ok(Stats::from_samples(samples))
}

/// An iceoryx2 publisher for `subscribers` subscribers that waits until every one has
/// room (`RetryUntilDelivered`): lossless for all of them.
struct IceBroadcaster {
    publisher: iceoryx2::port::publisher::Publisher<iceoryx2::prelude::ipc::Service, [u8], ()>,
    _service: IceService,
    _node: IceNode,
}

impl IceBroadcaster {
    fn new(name: &str, size: usize, subscribers: usize) -> Res<Self> {
        use iceoryx2::port::backpressure_strategy::BackpressureStrategy;
        let node = ice_node()?;
        let service = ice_service(&node, name, subscribers)?;
        let publisher = service
            .publisher_builder()
            .initial_max_slice_len(size)
            .backpressure_strategy(BackpressureStrategy::RetryUntilDelivered)
            .create()?;
        Ok(Self {
            publisher,
            _service: service,
            _node: node,
        })
    }

    fn send(&mut self, msg: &[u8]) -> Res<()> {
        let sample = self.publisher.loan_slice_uninit(msg.len())?;
        sample.write_from_slice(msg).send()?;
        Ok(())
    }
}

/// Receives what is there (up to a batch), lending each message to the callback;
/// returns how many.
type NextMessages = dyn FnMut(&mut dyn FnMut(&[u8])) -> Res<usize>;

/// A reader (`sub` mode): attaches to the producer at `addr`, says `ready`, then for
/// each `go` line receives `count` messages of `size` bytes, checking their order, and
/// says `done`; exits when its stdin closes.
pub(super) fn sub_child(
    kind: Kind,
    size: usize,
    count: u64,
    batches: u64,
    addr: &str,
    readers: usize,
) -> Res<()> {
    let mut next_message: Box<NextMessages> = match kind {
        Kind::Shm => {
            let mut rx = ShmConsumer::open(&ShmConfig::new(addr, 0))?;
            let mut buf = Vec::with_capacity(size);
            Box::new(move |each| Ok(rx.consume_batch(&mut buf, BATCH, |m| each(m))?))
        }
        Kind::Zmq => {
            let sub = zmq_context().socket(zmq::SUB)?;
            sub.set_rcvhwm(0)?;
            sub.set_linger(0)?;
            sub.connect(addr)?;
            sub.set_subscribe(b"")?;
            let mut buf = vec![0u8; size];
            Box::new(move |each| {
                let len = sub.recv_into(&mut buf, 0)?;
                each(&buf[..len.min(size)]);
                Ok(1)
            })
        }
        _ => {
            let node = ice_node()?;
            let service = ice_service(&node, addr, readers)?;
            let subscriber = service.subscriber_builder().create()?;
            Box::new(move |each| {
                let _keep = (&node, &service);
                Ok(match subscriber.receive()? {
                    Some(sample) => {
                        each(sample.payload());
                        1
                    }
                    None => 0,
                })
            })
        }
    };
    let mut control = std::io::stdout();
    writeln!(control, "ready")?;
    control.flush()?;
    let mut orders = BufReader::new(std::io::stdin());
    let mut line = String::new();
    for _ in 0..batches {
        line.clear();
        if orders.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let mut next = 0u64;
        let mut bad = false;
        let mut waits = 0u32;
        let mut stuck = Stuck::new("no broadcast message arrived");
        while next < count {
            let got = next_message(&mut |m: &[u8]| {
                bad |= m.len() != size || m[..8] != next.to_le_bytes();
                next += 1;
            })?;
            if bad {
                return Err(format!("message {next} out of order or of the wrong size").into());
            }
            if got == 0 {
                pause(&mut waits);
                stuck.check()?;
            } else {
                waits = 0;
            }
        }
        writeln!(control, "done")?;
        control.flush()?;
    }
    line.clear();
    orders.read_line(&mut line)?;
    Ok(())
}
