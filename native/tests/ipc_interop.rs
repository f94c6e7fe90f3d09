//! Interop of `mmring_native::ipc` with a real, independent peer: the Python script
//! `tests/interop/peer.py` on plain `pyzmq`, packing and unpacking with the framing of
//! the Python ring-buffer module mmring grew from (`struct.pack("<I", len(m)) + m`).
//!
//! Needs the `interop-tests` feature and `MMRING_PYTHON`, a Python with pyzmq; `just
//! interop` sets up both (a venv under `target/`) and runs this file.
#![cfg(feature = "interop-tests")]

use std::io::{BufRead, BufReader, Lines};
use std::path::Path;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use mmring_native::ipc::{IpcConfig, IpcConsumer, IpcProducer};

/// Generous bound on one interop exchange: Python start-up plus a few messages.
const HANG: Duration = Duration::from_secs(60);

/// The frames both directions exchange, each a list of messages.
fn frames() -> Vec<Vec<Vec<u8>>> {
    vec![
        vec![b"".to_vec()],
        vec![b"tick".to_vec()],
        vec![b"bid 101.25".to_vec(), b"".to_vec(), b"ask 101.50".to_vec()],
        vec![
            (0..=255).collect(),
            "€ 買い".as_bytes().to_vec(),
            vec![0xA5; 1024],
        ],
        (0..100u8).map(|i| vec![i; 64]).collect(),
    ]
}

fn hex(data: &[u8]) -> String {
    if data.is_empty() {
        return "-".to_owned();
    }
    data.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(token: &str) -> Vec<u8> {
    if token == "-" {
        return Vec::new();
    }
    (0..token.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&token[i..i + 2], 16).expect("hex from peer.py"))
        .collect()
}

/// The peer script, started with `MMRING_PYTHON`, stdout piped.
fn peer(args: &[&str]) -> (Child, Lines<BufReader<ChildStdout>>) {
    let python = std::env::var_os("MMRING_PYTHON").unwrap_or_else(|| {
        panic!(
            "MMRING_PYTHON is not set. The interop test needs a Python with pyzmq: run \
             `just interop`, or `python3 -m venv target/pyvenv && target/pyvenv/bin/pip \
             install pyzmq` and then `MMRING_PYTHON=$PWD/target/pyvenv/bin/python cargo test \
             -p mmring-native --features interop-tests --test ipc_interop`."
        )
    });
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/peer.py");
    let mut child = Command::new(&python)
        .arg(&script)
        .args(args)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|err| panic!("cannot run {python:?} {script:?}: {err}"));
    let lines = BufReader::new(child.stdout.take().expect("piped")).lines();
    (child, lines)
}

/// Runs `body` with the peer started with `args`; kills the peer and fails if the
/// exchange has not finished within [`HANG`], and checks the peer exited cleanly.
fn with_peer(
    args: &[&str],
    body: impl FnOnce(&mut Lines<BufReader<ChildStdout>>) + Send + 'static,
) {
    let (mut child, mut lines) = peer(args);
    let (done, finished) = mpsc::channel();
    let worker = thread::spawn(move || {
        body(&mut lines);
        let _ = done.send(());
    });
    if finished.recv_timeout(HANG).is_err() {
        let _ = child.kill();
        let _ = child.wait();
        match worker.join() {
            Err(panic) => std::panic::resume_unwind(panic),
            Ok(()) => panic!("the interop exchange did not finish within {HANG:?}"),
        }
    }
    worker.join().expect("exchange finished");
    let status = child.wait().expect("peer exits");
    assert!(status.success(), "peer.py failed: {status}");
}

fn next_line(lines: &mut Lines<BufReader<ChildStdout>>) -> String {
    lines
        .next()
        .expect("peer.py ended early; see its stderr above")
        .expect("read peer output")
}

/// mmring produces (binding `endpoint`), Python pulls and unpacks with the Python
/// module's framing.
fn python_pulls_from(endpoint: &str) {
    let mut producer = IpcProducer::new(IpcConfig::new(endpoint)).expect("bind");
    let endpoint = producer.endpoint().to_owned();
    let frames = frames();
    let count = (frames.len() + 1).to_string();
    with_peer(&["pull", &endpoint, &count], move |lines| {
        for frame in &frames {
            let refs: Vec<&[u8]> = frame.iter().map(Vec::as_slice).collect();
            producer.insert_packed(&refs).unwrap(); // blocks until Python connects
        }
        producer.insert(b"plain message").unwrap();
        for frame in &frames {
            let line = next_line(lines);
            let fields: Vec<&str> = line.split(' ').collect();
            assert_eq!(fields[0], "FRAME", "{line}");
            assert_eq!(fields[2], frame.len().to_string(), "{line}");
            let got: Vec<Vec<u8>> = fields[3..].iter().map(|t| unhex(t)).collect();
            assert_eq!(&got, frame);
        }
        let line = next_line(lines);
        assert!(
            line.starts_with(&format!("FRAME {} ", hex(b"plain message"))),
            "{line}"
        );
        // The producer stays alive until Python has everything (linger is 0).
        drop(producer);
    });
}

/// Python produces with the Python module's framing, mmring's `consume_packed` decodes. With
/// `python_binds` the Python PUSH binds (SPSC: the mmring consumer connects),
/// otherwise the mmring consumer binds (MPSC) and Python connects.
fn mmring_consumes_from_python(endpoint: &str, python_binds: bool) {
    let frames = frames();
    let args: Vec<String> = frames
        .iter()
        .map(|frame| frame.iter().map(|m| hex(m)).collect::<Vec<_>>().join(","))
        .collect();
    let (mut consumer, mode, endpoint) = if python_binds {
        (None, "bind", endpoint.to_owned())
    } else {
        let consumer = IpcConsumer::new(IpcConfig::mpsc(endpoint, 2)).expect("bind");
        let endpoint = consumer.endpoint().to_owned();
        (Some(consumer), "connect", endpoint)
    };
    let mut peer_args = vec!["push", mode, &endpoint];
    peer_args.extend(args.iter().map(String::as_str));
    with_peer(&peer_args, move |lines| {
        let mut consumer = consumer.take().unwrap_or_else(|| {
            let line = next_line(lines);
            let bound = line
                .strip_prefix("ENDPOINT ")
                .expect("peer prints its endpoint");
            IpcConsumer::new(IpcConfig::new(bound)).expect("connect")
        });
        for frame in &frames {
            let got = consumer.consume_packed().unwrap();
            assert_eq!(&got, frame);
        }
        assert_eq!(next_line(lines), "DONE");
    });
}

fn ipc_path(tag: &str) -> String {
    let path =
        std::env::temp_dir().join(format!("mmring-interop-{}-{tag}.sock", std::process::id()));
    format!("ipc://{}", path.display())
}

#[test]
fn python_pulls_packed_frames_over_tcp() {
    python_pulls_from("tcp://127.0.0.1:*");
}

#[test]
fn python_pulls_packed_frames_over_ipc() {
    python_pulls_from(&ipc_path("pull"));
}

#[test]
fn mmring_consumes_packed_frames_from_a_binding_python_peer_over_tcp() {
    mmring_consumes_from_python("tcp://127.0.0.1:*", true);
}

#[test]
fn mmring_consumes_packed_frames_from_a_connecting_python_peer_over_ipc() {
    mmring_consumes_from_python(&ipc_path("push"), false);
}
