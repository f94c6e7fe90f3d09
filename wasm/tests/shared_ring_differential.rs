//! The npm package's `SharedRing` (wasm/npm/shared-ring.js, plain JavaScript) against
//! `mmring_core::spsc`, whose record protocol and byte layout it implements: the same
//! seeded scripts of inserts and consumes run through both (the JavaScript in Node,
//! through wasm/tests/js/shared-ring-driver.mjs), and after every operation the
//! results, the counters and every byte of the control block and the data area must be
//! equal. Needs `node` on PATH (as every wasm test does).
#![cfg(not(target_arch = "wasm32"))]

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::mpsc;
use std::time::Duration;

use mmring_core::spsc::{self, Control, InsertError, Policy, Region};

/// One operation of a script.
#[derive(Debug, Clone, Copy)]
enum Op {
    /// Insert `len` bytes, byte k being `(fill + k) & 255`.
    Insert { len: usize, fill: u8 },
    /// Consume one message: in JavaScript with `tryConsume()` or, when `into`, with
    /// `consumeInto(array)`.
    Consume { into: bool },
}

/// A seeded xorshift64*: the scripts are the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// A script for a ring of `capacity` bytes: inserts of every length up to a little
/// past the largest message (some too large), and consumes, in runs that fill, drain
/// and lap the ring many times.
fn script(rng: &mut Rng, capacity: usize, ops: usize) -> Vec<Op> {
    let max = spsc::max_message_for(capacity as u64) as usize;
    let mut out = Vec::with_capacity(ops);
    while out.len() < ops {
        // A run of inserts or of consumes, so that the ring fills up and drains.
        let inserting = rng.below(2) == 0;
        for _ in 0..1 + rng.below(8) {
            out.push(if inserting || rng.below(5) == 0 {
                let len = match rng.below(20) {
                    0 => max + 1 + rng.below(8) as usize,
                    1 => max,
                    2 => 0,
                    _ => rng.below(max as u64 / 2 + 1) as usize,
                };
                Op::Insert {
                    len,
                    fill: rng.next() as u8,
                }
            } else {
                Op::Consume {
                    into: rng.below(2) == 0,
                }
            });
        }
    }
    out.truncate(ops);
    out
}

fn message(len: usize, fill: u8) -> Vec<u8> {
    (0..len).map(|k| fill.wrapping_add(k as u8)).collect()
}

/// The control block and the data area as the JavaScript's buffer holds them: u64s in
/// little-endian order.
fn image(region: &impl Region) -> String {
    let control: *const Control = region.control();
    // SAFETY: `Control` is `repr(C)`, `Control::SIZE` bytes, and every byte of it lies
    // inside an `AtomicU64` (mmring_core asserts both at compile time), aligned to 128:
    // it is an array of `Control::SIZE / 8` atomics, read here only through them.
    let words =
        unsafe { std::slice::from_raw_parts(control.cast::<AtomicU64>(), Control::SIZE / 8) };
    let mut hex = String::new();
    for word in words.iter().chain(region.data()) {
        for byte in word.load(Relaxed).to_le_bytes() {
            write!(hex, "{byte:02x}").expect("writing to a String cannot fail");
        }
    }
    hex
}

/// What the JavaScript prints for each operation: the result, then the counters
/// written, read, dropped, length, then the image.
fn expected(capacity: usize, policy: Policy, ops: &[Op]) -> Vec<String> {
    let (mut tx, mut rx) = spsc::channel(capacity, policy).expect("a valid capacity");
    let mut lines = Vec::with_capacity(ops.len() + 1);
    let mut push = |result: String, tx: &spsc::Producer<_>, rx: &spsc::Consumer<_>| {
        lines.push(format!(
            "{result} {} {} {} {} {}",
            tx.written(),
            rx.read(),
            rx.dropped(),
            rx.len(),
            image(rx.region())
        ));
    };
    push("new".into(), &tx, &rx);
    for op in ops {
        let result = match *op {
            Op::Insert { len, fill } => match tx.insert(&message(len, fill)) {
                Ok(()) => "ok".into(),
                Err(InsertError::Full) => "full".into(),
                Err(InsertError::TooLarge { .. }) => "too_large".into(),
                Err(other) => panic!("unexpected {other:?}"),
            },
            Op::Consume { .. } => {
                match rx.try_consume().expect("core's ring is never corrupt here") {
                    None => "none".into(),
                    Some(m) => m.iter().fold("m".to_string(), |mut s, b| {
                        write!(s, "{b:02x}").expect("writing to a String cannot fail");
                        s
                    }),
                }
            }
        };
        push(result, &tx, &rx);
    }
    lines
}

/// Runs the driver on `input`; fails the test after 60 s instead of hanging.
fn run_driver(input: String) -> String {
    let driver = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/js/shared-ring-driver.mjs");
    let mut child = Command::new("node")
        .arg(&driver)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("node must be on PATH for this test");
    let mut stdin = child.stdin.take().expect("stdin was piped");
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let (done, result) = mpsc::channel();
    let id = child.id();
    std::thread::spawn(move || {
        let _ = done.send(child.wait_with_output());
    });
    let output = match result.recv_timeout(Duration::from_secs(60)) {
        Ok(output) => output.expect("node ran"),
        Err(_) => {
            let _ = Command::new("kill").arg("-9").arg(id.to_string()).status();
            panic!("the JavaScript driver did not finish within 60 s");
        }
    };
    writer
        .join()
        .expect("the writer thread")
        .expect("writing the script");
    assert!(output.status.success(), "driver failed: {}", output.status);
    String::from_utf8(output.stdout).expect("the driver prints UTF-8")
}

#[test]
fn shared_ring_js_writes_the_same_bytes_as_core() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut input = String::new();
    let mut want = Vec::new();
    let mut cases = Vec::new();
    for capacity in [32, 64, 128, 256, 1024] {
        for (policy, name) in [
            (Policy::DropOldest, "dropOldest"),
            (Policy::Reject, "reject"),
        ] {
            let ops = script(&mut rng, capacity, 800);
            writeln!(input, "ring {capacity} {name}").expect("writing to a String cannot fail");
            for op in &ops {
                match op {
                    Op::Insert { len, fill } => writeln!(input, "insert {len} {fill}"),
                    Op::Consume { into: false } => writeln!(input, "consume"),
                    Op::Consume { into: true } => writeln!(input, "into"),
                }
                .expect("writing to a String cannot fail");
            }
            let lines = expected(capacity, policy, &ops);
            // The script reaches every outcome: refused, too large, wrapped, and under
            // DropOldest messages dropped (the fourth number of the last line).
            let seen = |result: &str| lines.iter().any(|l| l.starts_with(result));
            assert!(
                seen("too_large ") && seen("none ") && seen("m"),
                "{capacity} {name}"
            );
            let last = lines.last().expect("a line per command");
            let dropped: u64 = last
                .split(' ')
                .nth(3)
                .and_then(|d| d.parse().ok())
                .unwrap_or(0);
            match policy {
                Policy::Reject => assert!(seen("full "), "{capacity}: never full"),
                _ => assert!(dropped > 0, "{capacity}: nothing dropped"),
            }
            cases.push((capacity, name, lines.len()));
            want.extend(
                lines
                    .into_iter()
                    .zip(std::iter::once(None).chain(ops.into_iter().map(Some))),
            );
        }
    }
    let got = run_driver(input);
    let got: Vec<&str> = got.lines().collect();
    assert_eq!(got.len(), want.len(), "one line per command");
    let mut at = 0;
    for (capacity, name, n) in cases {
        for step in 0..n {
            let (expected, op) = &want[at];
            assert!(
                got[at] == expected,
                "capacity {capacity}, {name}: step {step} ({op:?}) differs\n  core: {}\n  js:   {}",
                &expected[..expected.len().min(400)],
                &got[at][..got[at].len().min(400)]
            );
            at += 1;
        }
    }
}
