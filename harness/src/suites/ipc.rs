//! `ipc`: mmring's ZeroMQ ring (`IpcProducer`/`IpcConsumer`), one message per ZeroMQ
//! message and packed in batches of 10 and 100, against raw `zmq` PUSH/PULL (one
//! message per send, and the same packed frames), over `ipc://` and `tcp://` loopback.

use std::error::Error;
use std::net::TcpListener;
use std::sync::atomic::{AtomicU64, Ordering};

use mmring_native::ipc::{IpcConfig, IpcConsumer, IpcProducer};
use mmring_native::packed;

use super::{Body, Ctx, SuiteDef};
use crate::measure::{Stats, calibrate, per_second, rep_target, repeat, run_pair};
use crate::results::{Entry, Group, Target};

/// The suite.
pub const SUITE: SuiteDef = SuiteDef {
    name: "ipc",
    title: "ZeroMQ transport",
    about: "mmring's IpcProducer/IpcConsumer sending one message per ZeroMQ message \
            (unpacked) and packed frames of 10 and 100 messages, against raw zmq PUSH/PULL \
            sockets with the same high-water mark, at 64 B to 64 KiB, over ipc:// and \
            tcp://127.0.0.1. Producer and consumer are two threads of one process, pinned \
            to different cores (ZeroMQ's I/O threads are not pinned).",
    run,
};

/// Message sizes.
const SIZES: [usize; 4] = [64, 1024, 16 * 1024, 64 * 1024];
/// High-water mark of every socket (the `IpcConfig` default).
const HWM: u32 = 65_536;
/// Packed batch sizes.
const BATCHES: [usize; 2] = [10, 100];

type Res<T> = Result<T, Box<dyn Error>>;

#[derive(Clone, Copy)]
enum Way {
    Raw,
    /// Raw zmq carrying the same packed frames as [`Way::Packed`]: packed per send
    /// with `mmring_core::packed`, each message copied out at the consumer.
    RawPacked(usize),
    Unpacked,
    Packed(usize),
}

impl Way {
    fn is_mmring(self) -> bool {
        matches!(self, Way::Unpacked | Way::Packed(_))
    }

    fn name(self) -> String {
        match self {
            Way::Raw => "raw zmq PUSH/PULL".into(),
            Way::RawPacked(b) => format!("raw zmq PUSH/PULL, packed ×{b}"),
            Way::Unpacked => "mmring unpacked".into(),
            Way::Packed(b) => format!("mmring packed ×{b}"),
        }
    }
}

fn run(ctx: &Ctx) -> Body {
    let mut body = Body::default();
    for transport in ["ipc", "tcp"] {
        for size in SIZES {
            ctx.step(format!("{transport}:// {size} B"));
            // About 64 MB per repetition in a full run, a multiple of the batch sizes.
            let n = ctx
                .settings
                .ops((64 << 20) as u64 / size as u64, 1_000)
                .clamp(1_000, 500_000)
                / 100
                * 100;
            let mut group = Group::new(
                &format!("ipc_{transport}_{size}"),
                &format!("{transport}://, {size} B messages, producer → consumer thread"),
                "msg/s",
                true,
            );
            let ways = [
                Way::Raw,
                Way::RawPacked(BATCHES[1]),
                Way::Unpacked,
                Way::Packed(BATCHES[0]),
                Way::Packed(BATCHES[1]),
            ];
            for way in ways {
                ctx.step(format!("  {}", way.name()));
                match measure(ctx, transport, way, size, n) {
                    Ok(stats) => group
                        .entries
                        .push(Entry::new(way.name(), way.is_mmring(), stats)),
                    Err(e) => body
                        .notes
                        .push(format!("{transport} {size} B {}: failed: {e}", way.name())),
                }
            }
            body.groups.push(group);
        }
    }
    let target = Target::faster(
        "IPC packed (100 × 64 B) ≥ 5× unpacked messages/s",
        5.0,
        body.group("ipc_ipc_64"),
        |g| g.entry(&Way::Packed(100).name()),
        |g| g.entry(&Way::Unpacked.name()),
        |p, u| format!("`ipc_ipc_64`: packed ×100 {p:.3e} vs unpacked {u:.3e} msg/s"),
    );
    body.targets.push(target);
    body.targets.push(Target::faster(
        "IPC packed (100 × 64 B) ≥ 0.95× raw zmq sending the same packed frames",
        0.95,
        body.group("ipc_ipc_64"),
        |g| g.entry(&Way::Packed(100).name()),
        |g| g.entry(&Way::RawPacked(100).name()),
        |p, r| format!("`ipc_ipc_64`: mmring packed ×100 {p:.3e} vs raw packed ×100 {r:.3e} msg/s"),
    ));
    body.notes.push(
        "raw zmq, packed: the same frames as mmring's packed rows (packed per send with \
         mmring_core::packed, every message copied out into its own Vec<u8> at the \
         consumer), sent on bare PUSH/PULL sockets: what mmring's wrapper costs on top."
            .into(),
    );
    body.notes.push(
        "Figures count messages, not ZeroMQ frames: a packed ×100 frame carries 100 \
         messages. The consumer of packed frames receives every message as its own Vec<u8> \
         (consume_packed), copied out of the frame."
            .into(),
    );
    body
}

fn endpoint(transport: &str) -> Res<String> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    Ok(match transport {
        "ipc" => format!(
            "ipc:///tmp/mmring-bench-ipc-{}-{}.sock",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ),
        _ => {
            // A port the OS says is free now.
            let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
            format!("tcp://127.0.0.1:{port}")
        }
    })
}

/// A message count (a multiple of 100, at most `n`) for which one run lasts about the
/// repetition target.
fn calibrated(ctx: &Ctx, n: u64, mut once: impl FnMut(u64) -> std::time::Duration) -> u64 {
    let whole = |k: u64| (k / 100).max(1) * 100;
    whole(calibrate(100, n, rep_target(&ctx.settings), |k| {
        once(whole(k))
    }))
}

fn measure(ctx: &Ctx, transport: &str, way: Way, size: usize, n: u64) -> Res<Stats> {
    let ep = endpoint(transport)?;
    let payload = vec![0x5Au8; size];
    let stats = match way {
        Way::Raw | Way::RawPacked(_) => {
            let batch = match way {
                Way::RawPacked(b) => b,
                _ => 1,
            };
            let hwm = i32::try_from(HWM)?;
            let zctx = zmq::Context::new();
            let push = zctx.socket(zmq::PUSH)?;
            push.set_sndhwm(hwm)?;
            push.set_linger(0)?;
            push.bind(&ep)?;
            let pull = zctx.socket(zmq::PULL)?;
            pull.set_rcvhwm(hwm)?;
            pull.set_linger(0)?;
            pull.connect(&ep)?;
            // One message through first, so the connection exists before timing.
            push.send(&payload[..], 0)?;
            pull.recv_bytes(0)?;
            let mut sockets = Some((push, pull));
            let mut once = |n: u64| {
                let (push, pull) = sockets.take().expect("sockets returned");
                let payload = &payload;
                let run = run_pair(
                    move || {
                        if batch == 1 {
                            for _ in 0..n {
                                push.send(&payload[..], 0).expect("send");
                            }
                        } else {
                            let (mut frame, msgs) = (Vec::new(), vec![&payload[..]; batch]);
                            for _ in 0..n / batch as u64 {
                                packed::pack_into(&mut frame, msgs.iter().copied());
                                push.send(&frame[..], 0).expect("send");
                            }
                        }
                        push
                    },
                    move || {
                        let mut msg = zmq::Message::new();
                        let mut got = 0;
                        while got < n {
                            pull.recv(&mut msg, 0).expect("recv");
                            if batch == 1 {
                                assert_eq!(msg.len(), size);
                                got += 1;
                            } else {
                                let msgs: Vec<Vec<u8>> = packed::iter(&msg)
                                    .map(|m| m.expect("a packed frame").to_vec())
                                    .collect();
                                assert!(msgs.iter().all(|m| m.len() == size));
                                got += msgs.len() as u64;
                            }
                        }
                        pull
                    },
                );
                sockets = Some((run.producer, run.consumer));
                run.elapsed
            };
            let n = calibrated(ctx, n, &mut once);
            repeat(&ctx.settings, || per_second(n, once(n)))
        }
        Way::Unpacked | Way::Packed(_) => {
            let config = IpcConfig::new(ep.as_str()).with_backlog(HWM);
            let mut consumer = IpcConsumer::new(config.clone())?;
            let mut producer = IpcProducer::new(config)?;
            producer.insert(&payload)?;
            consumer.consume()?;
            let mut ends = Some((producer, consumer));
            let batch = match way {
                Way::Packed(b) => b,
                _ => 1,
            };
            let mut once = |n: u64| {
                let (mut producer, mut consumer) = ends.take().expect("ends returned");
                let payload = &payload;
                let run = run_pair(
                    move || {
                        if batch == 1 {
                            for _ in 0..n {
                                producer.insert(payload).expect("insert");
                            }
                        } else {
                            let frame: Vec<&[u8]> = vec![&payload[..]; batch];
                            for _ in 0..n / batch as u64 {
                                producer.insert_packed(&frame).expect("insert_packed");
                            }
                        }
                        producer
                    },
                    move || {
                        let mut got = 0;
                        while got < n {
                            if batch == 1 {
                                let msg = consumer.consume().expect("consume");
                                assert_eq!(msg.len(), size);
                                got += 1;
                            } else {
                                let msgs = consumer.consume_packed().expect("consume_packed");
                                assert!(msgs.iter().all(|m| m.len() == size));
                                got += msgs.len() as u64;
                            }
                        }
                        consumer
                    },
                );
                ends = Some((run.producer, run.consumer));
                run.elapsed
            };
            let n = calibrated(ctx, n, &mut once);
            repeat(&ctx.settings, || per_second(n, once(n)))
        }
    };
    Ok(stats)
}
