//! The message size limit, `IpcConfig::max_message_bytes`: a producer refuses a
//! message or frame over it and sends nothing; a consumer never returns one, whoever
//! sent it (an end built with a larger limit, or a raw ZeroMQ PUSH socket standing for
//! a foreign peer), over every transport and in both topologies, and goes on with the
//! messages that follow.
//!
//! Every wait is bounded (the hang detector of `within`, or a deadline for a dropped
//! peer to reconnect); nothing here measures time.

use std::fmt::Debug;
use std::thread;
use std::time::{Duration, Instant};

use mmring_native::ipc::{ConsumeError, InsertError, IpcConfig, IpcConsumer, IpcProducer};
use mmring_native::packed;

use crate::support::{HANG, TRANSPORTS, Transport, ipc_endpoint, spsc_with, unique, within};

/// The limit of every capped end here.
const CAP: u64 = 1024;
/// [`CAP`] as a length.
const CAP_LEN: usize = CAP as usize;
/// How long a peer disconnected for an oversize message has to be heard from again
/// (ZeroMQ reconnects after 100 ms): a bound on a wait, not a measurement.
const RECONNECT: Duration = Duration::from_secs(10);
/// One wait of a consumer while its peer keeps sending.
const POLL: Duration = Duration::from_millis(20);

fn capped(config: &mut IpcConfig) {
    config.max_message_bytes = CAP;
}

/// One byte over the limit.
fn oversize() -> Vec<u8> {
    vec![0xEE; CAP_LEN + 1]
}

/// Messages over the limit: one just over it, which the consumer receives and
/// discards, and one over 64 KiB as well, which a consumer that binds leaves to ZeroMQ
/// (`ZMQ_MAXMSGSIZE`: the peer is disconnected and reconnects).
fn oversizes() -> [Vec<u8>; 2] {
    [oversize(), vec![0xEF; 128 * 1024]]
}

/// The `i`-th small message sent after an oversize one.
fn small(i: u32) -> Vec<u8> {
    format!("small {i}").into_bytes()
}

/// A packed frame of three messages under the limit that is itself over it.
fn oversize_frame() -> Vec<&'static [u8]> {
    vec![&[0xAA; 400], &[0xBB; 400], &[0xCC; 400]] // 3 × (4 + 400) = 1212 bytes
}

/// Packed frames over the limit: [`oversize_frame`], and one over 64 KiB as well (see
/// [`oversizes`]).
fn oversize_frames() -> [Vec<Vec<u8>>; 2] {
    let to_vecs = |msgs: Vec<&[u8]>| msgs.into_iter().map(<[u8]>::to_vec).collect();
    [
        to_vecs(oversize_frame()),
        vec![vec![0xDD; 40_000], vec![0xDE; 40_000]], // 80_008 bytes
    ]
}

fn slices(msgs: &[Vec<u8>]) -> Vec<&[u8]> {
    msgs.iter().map(Vec::as_slice).collect()
}

/// The `i`-th small frame sent after an oversize one.
fn small_frame(i: u32) -> Vec<Vec<u8>> {
    vec![small(i), Vec::new(), b"tail".to_vec()]
}

/// Asserts that `err` is `TooLarge` for `len` bytes over [`CAP`], with its message.
fn assert_too_large(err: InsertError, len: usize) {
    assert!(
        matches!(err, InsertError::TooLarge { len: l, max: CAP } if l == len),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        format!(
            "message or packed frame of {len} bytes is over max_message_bytes (1024 bytes): \
             nothing was sent; split it, or raise max_message_bytes on every end of the ring"
        )
    );
}

#[test]
fn a_producer_refuses_an_oversize_message_on_every_path_and_sends_nothing() {
    for transport in TRANSPORTS {
        within("oversize inserts", move || {
            let (mut producer, mut consumer) = spsc_with(transport, "refuse", capped);
            let big = oversize();
            assert_too_large(producer.insert(&big).unwrap_err(), 1025);
            assert_too_large(producer.try_insert(&big).unwrap_err(), 1025);
            assert_too_large(producer.insert_timeout(&big, HANG).unwrap_err(), 1025);
            // The whole batch is refused, not only the oversize message.
            assert_too_large(
                producer
                    .insert_batch(&[b"before", &big, b"after"])
                    .unwrap_err(),
                1025,
            );

            // A frame counts its 4-byte length prefixes: 4 + 1021 = 1025 bytes.
            let frame_over = vec![0xAB; CAP_LEN - 3];
            assert_too_large(producer.insert_packed(&[&frame_over]).unwrap_err(), 1025);
            assert_too_large(
                producer.try_insert_packed(&[&frame_over]).unwrap_err(),
                1025,
            );
            assert_too_large(
                producer
                    .insert_packed_timeout(&[&frame_over], HANG)
                    .unwrap_err(),
                1025,
            );
            // Messages under the limit whose frame is over it.
            assert_too_large(producer.insert_packed(&oversize_frame()).unwrap_err(), 1212);

            // Exactly the limit goes through, as a message and as a frame. Being the
            // first things to arrive, they show that nothing refused was sent.
            let exact = vec![0x11; CAP_LEN];
            let exact_frame = vec![0x22; CAP_LEN - 4];
            producer.insert(&exact).unwrap();
            producer.insert_packed(&[&exact_frame]).unwrap();
            assert_eq!(consumer.consume().unwrap(), exact);
            assert_eq!(consumer.consume_packed().unwrap(), [exact_frame]);
        });
    }
}

/// A producer with a limit far above [`CAP`] and a consumer capped at it, on `transport`:
/// the consumer binds when `consumer_binds` (MPSC), and connects otherwise (SPSC).
fn mismatched(transport: Transport, consumer_binds: bool) -> (IpcProducer, IpcConsumer) {
    let roomy = |config: &mut IpcConfig| config.max_message_bytes = 1024 * CAP;
    if consumer_binds {
        let mut config = IpcConfig::mpsc(transport.endpoint("mismatch"), 2);
        capped(&mut config);
        let consumer = IpcConsumer::new(config.clone()).unwrap();
        config.endpoint = consumer.endpoint().to_owned();
        roomy(&mut config);
        (IpcProducer::new(config).unwrap(), consumer)
    } else {
        let mut config = IpcConfig::new(transport.endpoint("mismatch"));
        roomy(&mut config);
        let producer = IpcProducer::new(config.clone()).unwrap();
        config.endpoint = producer.endpoint().to_owned();
        capped(&mut config);
        (producer, IpcConsumer::new(config).unwrap())
    }
}

/// Calls `send_next(i)` for i = 0, 1, … until `receive` returns something, and returns
/// that with the `i` of the last send. A peer that a binding consumer disconnected for
/// an oversize message loses what it had already written, and is heard from again once
/// it has reconnected; so this keeps sending, up to [`RECONNECT`].
fn until_a_later_message_arrives<T>(
    mut send_next: impl FnMut(u32),
    mut receive: impl FnMut() -> Option<T>,
) -> (T, u32) {
    let deadline = Instant::now() + RECONNECT;
    let mut i = 0;
    loop {
        send_next(i);
        if let Some(got) = receive() {
            return (got, i);
        }
        assert!(
            Instant::now() < deadline,
            "nothing sent after the oversize message arrived within {RECONNECT:?}"
        );
        i += 1;
    }
}

/// Accepts a send that went out or found the queue full (while the peer reconnects).
fn offer(sent: Result<(), InsertError>) {
    match sent {
        Ok(()) | Err(InsertError::Full) => {}
        Err(err) => panic!("insert failed: {err}"),
    }
}

/// `Some` message, or `None` when none arrived within [`POLL`].
fn poll_one(consumer: &mut IpcConsumer) -> Option<Vec<u8>> {
    none_on_timeout(consumer.consume_timeout(POLL))
}

/// `Some` frame, or `None` when none arrived within [`POLL`].
fn poll_frame(consumer: &mut IpcConsumer) -> Option<Vec<Vec<u8>>> {
    none_on_timeout(consumer.consume_packed_timeout(POLL))
}

fn none_on_timeout<T: Debug>(result: Result<T, ConsumeError>) -> Option<T> {
    match result {
        Ok(got) => Some(got),
        Err(ConsumeError::Timeout) => None,
        Err(err) => panic!("consume failed: {err}"),
    }
}

/// Checks a message received after the oversize one: one of the small ones, sent by
/// the `last`-th send at the latest; then that nothing over the limit is left.
fn assert_small(got: &[u8], last: u32, consumer: &mut IpcConsumer) {
    assert!(
        (0..=last).any(|i| got == small(i)),
        "unexpected message of {} bytes",
        got.len()
    );
    for rest in consumer.consume_all().unwrap() {
        assert!(
            rest.len() <= CAP_LEN,
            "a {}-byte message came out",
            rest.len()
        );
    }
}

/// As [`assert_small`], for a frame.
fn assert_small_frame(got: &[Vec<u8>], last: u32) {
    assert!(
        (0..=last).any(|i| got == small_frame(i)),
        "unexpected frame {got:?}"
    );
}

#[test]
fn a_consumer_never_returns_an_oversize_message_from_an_end_with_a_larger_limit() {
    for transport in TRANSPORTS {
        for consumer_binds in [false, true] {
            for big in oversizes() {
                within("oversize message from a roomier producer", move || {
                    let (mut producer, mut consumer) = mismatched(transport, consumer_binds);
                    producer.insert_timeout(&big, HANG).unwrap();
                    let (got, last) = until_a_later_message_arrives(
                        |i| offer(producer.try_insert(&small(i))),
                        || poll_one(&mut consumer),
                    );
                    assert_small(&got, last, &mut consumer);
                });
            }
        }
    }
}

#[test]
fn a_consumer_never_returns_an_oversize_frame_and_unpacks_the_next() {
    for transport in TRANSPORTS {
        for consumer_binds in [false, true] {
            for big in oversize_frames() {
                within("oversize frame from a roomier producer", move || {
                    let (mut producer, mut consumer) = mismatched(transport, consumer_binds);
                    producer.insert_packed_timeout(&slices(&big), HANG).unwrap();
                    let (got, last) = until_a_later_message_arrives(
                        |i| offer(producer.try_insert_packed(&slices(&small_frame(i)))),
                        || poll_frame(&mut consumer),
                    );
                    assert_small_frame(&got, last);
                });
            }
        }
    }
}

#[test]
fn every_receive_call_skips_an_oversize_message() {
    // The consumer connects, so it discards on arrival and nothing else is lost: each
    // call returns the very next message.
    for transport in TRANSPORTS {
        within("receive calls after an oversize message", move || {
            let (mut producer, mut consumer) = mismatched(transport, false);
            let big = oversize();
            let mut send = |msg: &[u8]| {
                producer.insert(&big).unwrap();
                producer.insert(msg).unwrap();
            };

            send(b"consume");
            assert_eq!(consumer.consume().unwrap(), b"consume");
            send(b"consume_timeout");
            assert_eq!(consumer.consume_timeout(HANG).unwrap(), b"consume_timeout");
            send(b"try_consume");
            let got = loop {
                if let Some(got) = consumer.try_consume().unwrap() {
                    break got;
                }
                thread::yield_now();
            };
            assert_eq!(got, b"try_consume");
            send(b"consume_into");
            let mut buf = Vec::new();
            while !consumer.consume_into(&mut buf).unwrap() {
                thread::yield_now();
            }
            assert_eq!(buf, b"consume_into");
            send(b"consume_all");
            let got = loop {
                let got = consumer.consume_all().unwrap();
                if !got.is_empty() {
                    break got;
                }
                thread::yield_now();
            };
            assert_eq!(got, [b"consume_all"]);
            send(b"aconsume");
            let got = futures::executor::block_on(consumer.aconsume()).unwrap();
            assert_eq!(got, b"aconsume");

            let frame: &[&[u8]] = &[b"packed", b""];
            let mut send_frame = || {
                producer.insert_packed(&oversize_frame()).unwrap();
                producer.insert_packed(frame).unwrap();
            };
            send_frame();
            assert_eq!(consumer.consume_packed().unwrap(), frame);
            send_frame();
            assert_eq!(consumer.consume_packed_timeout(HANG).unwrap(), frame);
            send_frame();
            let got = loop {
                if let Some(got) = consumer.try_consume_packed().unwrap() {
                    break got;
                }
                thread::yield_now();
            };
            assert_eq!(got, frame);
            send_frame();
            let got = futures::executor::block_on(consumer.aconsume_packed()).unwrap();
            assert_eq!(got, frame);

            assert_eq!(consumer.try_consume().unwrap(), None);
        });
    }
}

/// A raw ZeroMQ PUSH socket in a context of its own, as a peer in another process (a
/// Python `pyzmq` producer, say) would be.
struct ForeignPush {
    /// Declared first: it closes before its context terminates.
    socket: zmq::Socket,
    context: zmq::Context,
}

impl ForeignPush {
    fn new() -> Self {
        let context = zmq::Context::new();
        let socket = context.socket(zmq::PUSH).unwrap();
        socket.set_linger(0).unwrap();
        // A blocking send gives up after HANG instead of hanging the test.
        socket.set_sndtimeo(hang_ms()).unwrap();
        Self { socket, context }
    }

    /// Binds `endpoint` and returns the endpoint bound (a TCP wildcard port resolved).
    fn bind(endpoint: &str) -> (Self, String) {
        let push = Self::new();
        push.socket.bind(endpoint).unwrap();
        let bound = push.socket.get_last_endpoint().unwrap().unwrap();
        (push, bound)
    }

    fn connect(endpoint: &str) -> Self {
        let push = Self::new();
        push.socket.connect(endpoint).unwrap();
        push
    }

    /// Sends, waiting at most [`HANG`] for a peer or room.
    fn send(&self, msg: &[u8]) {
        self.socket
            .send(msg, 0)
            .expect("send within the hang bound");
    }

    /// Sends if it can now; while disconnected it cannot, and that is fine here.
    fn try_send(&self, msg: &[u8]) {
        match self.socket.send(msg, zmq::DONTWAIT) {
            Ok(()) | Err(zmq::Error::EAGAIN) => {}
            Err(err) => panic!("send failed: {err}"),
        }
    }
}

/// A consumer capped at [`CAP`] and a foreign PUSH peer over `transport` (`Ipc` or
/// `Tcp`: a foreign context cannot reach `inproc://`). When `consumer_binds` the peer
/// connects to it, as to an MPSC ring; otherwise the peer binds, as the producer of an
/// SPSC ring would, and the consumer connects.
fn with_foreign_peer(transport: Transport, consumer_binds: bool) -> (ForeignPush, IpcConsumer) {
    if consumer_binds {
        let mut config = IpcConfig::mpsc(transport.endpoint("foreign"), 2);
        capped(&mut config);
        let consumer = IpcConsumer::new(config).unwrap();
        (ForeignPush::connect(consumer.endpoint()), consumer)
    } else {
        let (push, endpoint) = ForeignPush::bind(&transport.endpoint("foreign"));
        let mut config = IpcConfig::new(endpoint);
        capped(&mut config);
        (push, IpcConsumer::new(config).unwrap())
    }
}

#[test]
fn a_foreign_peers_oversize_message_is_dropped_and_later_ones_arrive() {
    for transport in [Transport::Ipc, Transport::Tcp] {
        for consumer_binds in [false, true] {
            for big in oversizes() {
                within("oversize message from a foreign peer", move || {
                    let (push, mut consumer) = with_foreign_peer(transport, consumer_binds);
                    // Connected first, so the oversize message goes on a live connection.
                    push.send(b"hello");
                    assert_eq!(consumer.consume_timeout(HANG).unwrap(), b"hello");

                    push.send(&big);
                    let (got, last) = until_a_later_message_arrives(
                        |i| push.try_send(&small(i)),
                        || poll_one(&mut consumer),
                    );
                    assert_small(&got, last, &mut consumer);
                });
            }
        }
    }
}

#[test]
fn a_foreign_peers_oversize_frame_is_dropped_and_a_small_one_unpacks() {
    for transport in [Transport::Ipc, Transport::Tcp] {
        for consumer_binds in [false, true] {
            for big in oversize_frames() {
                within("oversize frame from a foreign peer", move || {
                    let (push, mut consumer) = with_foreign_peer(transport, consumer_binds);
                    push.send(&packed::pack([&b"hello"[..]]));
                    assert_eq!(consumer.consume_packed_timeout(HANG).unwrap(), [b"hello"]);

                    let frame = packed::pack(slices(&big));
                    assert!(frame.len() > CAP_LEN);
                    push.send(&frame);
                    let (got, last) = until_a_later_message_arrives(
                        |i| push.try_send(&packed::pack(slices(&small_frame(i)))),
                        || poll_frame(&mut consumer),
                    );
                    assert_small_frame(&got, last);
                });
            }
        }
    }
}

#[test]
fn a_consumer_that_binds_has_zeromq_drop_a_large_oversize_message() {
    // Over 64 KiB as well, the message is ZeroMQ's to drop: the peer is disconnected
    // (and reconnects), where a consumer discarding it itself would keep the peer.
    for transport in [Transport::Ipc, Transport::Tcp] {
        within("ZeroMQ drops the oversize message", move || {
            let (push, mut consumer) = with_foreign_peer(transport, true);
            let monitor = format!("inproc://{}", unique("push-monitor"));
            let disconnected = zmq::SocketEvent::DISCONNECTED.to_raw();
            push.socket
                .monitor(&monitor, i32::from(disconnected))
                .unwrap();
            let watch = push.context.socket(zmq::PAIR).unwrap();
            watch.set_rcvtimeo(hang_ms()).unwrap();
            watch.connect(&monitor).unwrap();
            push.send(b"hello");
            assert_eq!(consumer.consume_timeout(HANG).unwrap(), b"hello");

            push.send(&oversizes()[1]);
            let event = watch
                .recv_multipart(0)
                .expect("a disconnection within the hang bound");
            assert_eq!(u16::from_le_bytes([event[0][0], event[0][1]]), disconnected);
            let (got, last) = until_a_later_message_arrives(
                |i| push.try_send(&small(i)),
                || poll_one(&mut consumer),
            );
            assert_small(&got, last, &mut consumer);
        });
    }
}

/// [`HANG`] in milliseconds, for ZeroMQ's timeouts.
fn hang_ms() -> i32 {
    i32::try_from(HANG.as_millis()).expect("HANG fits in an i32 of milliseconds")
}

/// The facts about libzmq the consumer's handling rests on, checked on raw sockets.
mod libzmq_facts {
    use super::*;

    /// A PULL socket with `ZMQ_MAXMSGSIZE` set to `max`, and a PUSH socket, in a new
    /// context.
    fn capped_pull(max: i64) -> (zmq::Context, zmq::Socket, zmq::Socket) {
        let context = zmq::Context::new();
        let pull = context.socket(zmq::PULL).unwrap();
        pull.set_maxmsgsize(max).unwrap();
        pull.set_rcvtimeo(hang_ms()).unwrap();
        let push = context.socket(zmq::PUSH).unwrap();
        push.set_sndtimeo(hang_ms()).unwrap();
        for socket in [&pull, &push] {
            socket.set_linger(0).unwrap();
        }
        (context, pull, push)
    }

    /// Why an `inproc://` consumer checks sizes itself.
    #[test]
    fn zmq_maxmsgsize_is_not_enforced_on_inproc() {
        within("inproc maxmsgsize", || {
            let (_context, pull, push) = capped_pull(64);
            pull.bind("inproc://maxmsgsize").unwrap();
            push.connect("inproc://maxmsgsize").unwrap();
            push.send(&[7; 1000][..], 0).unwrap();
            assert_eq!(pull.recv_bytes(0).unwrap().len(), 1000);
        });
    }

    /// Why a consumer that connects checks sizes itself instead of setting
    /// `ZMQ_MAXMSGSIZE`: an oversize message is a protocol error, after which a socket
    /// that connected stays disconnected. The peer's sends find no connection again.
    /// (This watches for a reconnection for a second: a slow machine can only make it
    /// pass where it should fail, if libzmq ever starts reconnecting.)
    #[test]
    fn a_connecting_socket_does_not_reconnect_after_an_oversize_message() {
        within("connecting socket after maxmsgsize", || {
            let (_context, pull, push) = capped_pull(64);
            let endpoint = ipc_endpoint("maxmsgsize");
            push.bind(&endpoint).unwrap();
            pull.connect(&endpoint).unwrap();
            push.send(&b"hello"[..], 0).unwrap();
            assert_eq!(pull.recv_bytes(0).unwrap(), b"hello");

            push.send(&[7; 1000][..], 0).unwrap();
            // Once the connection is gone the binding PUSH has no peer to send to.
            let deadline = Instant::now() + RECONNECT;
            while push.send(&b"small"[..], zmq::DONTWAIT).is_ok() {
                assert!(
                    Instant::now() < deadline,
                    "the connection was never dropped"
                );
                thread::yield_now();
            }
            pull.set_rcvtimeo(0).unwrap();
            while pull.recv_bytes(0).is_ok() {} // smalls sent before the drop, if any
            let watch_until = Instant::now() + Duration::from_secs(1);
            while Instant::now() < watch_until {
                assert!(
                    push.send(&b"small"[..], zmq::DONTWAIT).is_err(),
                    "libzmq reconnected: a connecting consumer could use ZMQ_MAXMSGSIZE"
                );
                thread::sleep(Duration::from_millis(10));
            }
            assert!(pull.recv_bytes(0).is_err());
        });
    }

    /// Why a consumer gives ZeroMQ a limit of at least 64 KiB: the limit applies to the
    /// handshake's commands too, and a PUSH socket's READY command is 26 bytes.
    #[test]
    fn zmq_maxmsgsize_applies_to_the_handshake() {
        within("handshake under maxmsgsize", || {
            for (max, handshakes) in [(25, false), (26, true)] {
                let (context, pull, push) = capped_pull(max);
                let monitor = format!("inproc://monitor-{max}");
                let events = zmq::SocketEvent::HANDSHAKE_SUCCEEDED.to_raw()
                    | zmq::SocketEvent::DISCONNECTED.to_raw();
                pull.monitor(&monitor, i32::from(events)).unwrap();
                let watch = context.socket(zmq::PAIR).unwrap();
                watch.set_rcvtimeo(hang_ms()).unwrap();
                watch.connect(&monitor).unwrap();

                pull.bind("tcp://127.0.0.1:*").unwrap();
                push.connect(&pull.get_last_endpoint().unwrap().unwrap())
                    .unwrap();
                // The first of the two events says how the handshake went.
                let event = watch
                    .recv_multipart(0)
                    .expect("an event within the hang bound");
                let raw = u16::from_le_bytes([event[0][0], event[0][1]]);
                let succeeded = raw == zmq::SocketEvent::HANDSHAKE_SUCCEEDED.to_raw();
                assert_eq!(succeeded, handshakes, "ZMQ_MAXMSGSIZE {max}");
            }
        });
    }
}
