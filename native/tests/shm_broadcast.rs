//! Broadcast rings across real processes: reader processes that each receive every
//! message (or count what they lost) while a producer floods, readers killed and
//! re-attached mid-stream, a producer killed, reader slots scribbled on by a third
//! process, and the limits (`ReadersFull`, too many readers, a bad reader count in the
//! file).
//!
//! The test binary re-runs itself as the child processes (see `child_entry`). The
//! floods send `MMRING_SHM_STRESS_MESSAGES` messages (`just hostile` runs them
//! optimised with 10^7), by default 10^6 under `DropOldest` and 2·10^5 under `Reject`.
#![cfg(unix)]

mod shm_common;

use std::os::unix::fs::FileExt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::time::{Duration, Instant};

use mmring_native::shm::{
    ConfigError, ConsumeError, InsertError, MAX_READERS, OpenError, ShmConfig, ShmConsumer,
    ShmProducer, StartAt,
};
use mmring_native::spsc::Policy;
use shm_common::*;

const ENTRY: &str = "child_entry";

/// The child's side of every test here; a no-op in a normal test run.
#[test]
fn child_entry() {
    play_role(&[
        ("reader", reader_child),
        ("producer", producer_child),
        ("scribbler", scribbler_child),
    ]);
}

/// Messages the flood tests send.
fn flood_messages(policy: Policy) -> u64 {
    stress_messages(match policy {
        Policy::DropOldest => 1_000_000,
        Policy::Reject => 200_000,
    })
}

/// Attaches to `RING_PATH` at `START` (`oldest` or `newest`), says it is ready, and
/// reads until its stdin closes and nothing is left, checking every message (order,
/// bytes, checksum) and its own accounting: the gaps it saw are its `dropped()`, what
/// it got is its `read()`. Prints `RESULT <delivered> <dropped> <next>`.
fn reader_child() {
    let start = match env::<String>("START").as_str() {
        "newest" => StartAt::Newest,
        _ => StartAt::Oldest,
    };
    let config = ShmConfig::at_path(env::<String>("RING_PATH"), 0).with_start_at(start);
    let mut rx = ShmConsumer::open(&config).unwrap_or_else(|e| panic!("open: {e}"));
    let done = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&done);
    std::thread::spawn(move || {
        child_wait_stdin_closed();
        flag.store(true, Relaxed);
    });
    child_ready();
    let mut seen = SeqChecker::default();
    let mut first: Option<u64> = None;
    let mut buf = Vec::with_capacity(1024);
    loop {
        let finished = done.load(Relaxed);
        let got = rx.consume_batch(&mut buf, 64, |m| {
            seen.see(m);
        });
        match got {
            Ok(0) if finished => break,
            Ok(0) => match rx.consume_timeout(Duration::from_millis(20)) {
                Ok(m) => seen.see(&m),
                Err(ConsumeError::Timeout) => {}
                Err(e) => panic!("consume: {e}"),
            },
            Ok(_) => {}
            Err(e) => panic!("consume after {}: {e}", seen.next()),
        }
        if first.is_none() && seen.delivered > 0 {
            first = Some(seen.next() - 1);
        }
    }
    assert_eq!(rx.read(), seen.delivered, "read() counts what it returned");
    match start {
        // Attached before the first message: every gap is a drop of its own.
        StartAt::Oldest => assert_eq!(rx.dropped(), seen.gaps, "dropped() counts the gaps"),
        // The messages before the first one it received are not its drops (those
        // between its start and that message are, under `DropOldest`).
        StartAt::Newest => {
            let before = first.unwrap_or(seen.next());
            assert!(
                rx.dropped() <= seen.gaps,
                "{} > {}",
                rx.dropped(),
                seen.gaps
            );
            assert!(seen.gaps - rx.dropped() <= before);
        }
    }
    println!("RESULT {} {} {}", seen.delivered, rx.dropped(), seen.next());
}

/// Creates `RING_PATH` (a broadcast ring of `READERS` readers under `POLICY`), says it
/// is ready and inserts numbered messages until killed.
fn producer_child() {
    let policy = if env::<String>("POLICY") == "reject" {
        Policy::Reject
    } else {
        Policy::DropOldest
    };
    let config = ShmConfig::at_path(env::<String>("RING_PATH"), 1 << 16)
        .readers(env("READERS"))
        .with_policy(policy);
    let mut tx = ShmProducer::create(&config).unwrap();
    child_ready();
    let mut message = Vec::new();
    for seq in 0.. {
        make_message(seq, len_for(seq, 0, 200), &mut message);
        while tx.insert(&message) == Err(InsertError::Full) {
            std::hint::spin_loop();
        }
    }
}

/// Writes random bytes over the reader lines of `RING_PATH` (from `FROM` to `TO`) until
/// its stdin closes.
fn scribbler_child() {
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(env::<String>("RING_PATH"))
        .unwrap();
    let (from, to): (u64, u64) = (env("FROM"), env("TO"));
    let stop = Arc::new(AtomicBool::new(false));
    let stopper = Arc::clone(&stop);
    std::thread::spawn(move || {
        child_wait_stdin_closed();
        stopper.store(true, Relaxed);
    });
    child_ready();
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut random = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    while !stop.load(Relaxed) {
        let at = from + random() % ((to - from) / 8) * 8;
        let value = match random() % 4 {
            0 => 0,
            1 => u64::MAX,
            2 => random() % 1_000_000,
            _ => random(),
        };
        let _ = file.write_at(&value.to_ne_bytes(), at);
        std::thread::sleep(Duration::from_micros(20));
    }
}

fn spawn_reader(path: &std::path::Path, start: &str) -> ChildProc {
    let mut child = ChildProc::spawn(
        ENTRY,
        "reader",
        &[
            ("RING_PATH", path.display().to_string()),
            ("START", start.to_string()),
        ],
    );
    child.wait_ready();
    child
}

/// Closes the reader's stdin, and returns what it printed: delivered, dropped, and
/// the sequence number it expected next.
fn finish_reader(mut child: ChildProc) -> (u64, u64, u64) {
    child.close_stdin();
    let line = child.line_starting("RESULT");
    let status = child.child.wait().unwrap();
    assert!(status.success(), "reader failed: {status}");
    let line = line.expect("the reader printed its RESULT");
    let fields: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .map(|f| f.parse().unwrap())
        .collect();
    (fields[0], fields[1], fields[2])
}

/// Four reader processes and one producer flooding messages of random lengths; each
/// reader checks every message and that it received or counted every one.
fn flood(policy: Policy) {
    let path = temp_path(&format!("broadcast-flood-{policy:?}"));
    let _clean = Cleanup(path.clone());
    let config = ShmConfig::at_path(&path, 1 << 16)
        .readers(4)
        .with_policy(policy);
    let mut tx = ShmProducer::create(&config).unwrap();
    let readers: Vec<_> = (0..4).map(|_| spawn_reader(&path, "oldest")).collect();
    assert_eq!(tx.readers().len(), 4);
    assert!(
        tx.readers()
            .iter()
            .all(|r| readers.iter().any(|c| c.pid() == r.pid))
    );
    let total = flood_messages(policy);
    let mut message = Vec::new();
    let mut progress = Instant::now();
    for seq in 0..total {
        make_message(seq, len_for(seq, 0, 200), &mut message);
        loop {
            match tx.insert(&message) {
                Ok(()) => break,
                Err(InsertError::Full) => {
                    assert!(policy == Policy::Reject, "DropOldest never refuses");
                    assert!(
                        progress.elapsed() < Duration::from_secs(20),
                        "wedged at {seq}"
                    );
                    std::thread::yield_now();
                }
                Err(e) => panic!("insert {seq}: {e}"),
            }
        }
        progress = Instant::now();
    }
    for reader in readers {
        let (delivered, dropped, next) = finish_reader(reader);
        assert_eq!(next, total, "the last message arrives");
        assert_eq!(delivered + dropped, total, "delivered + dropped = written");
        if policy == Policy::Reject {
            assert_eq!(dropped, 0);
        }
    }
}

#[test]
#[cfg_attr(miri, ignore)]
fn four_reader_processes_drop_oldest() {
    flood(Policy::DropOldest);
}

#[test]
#[cfg_attr(miri, ignore)]
fn four_reader_processes_reject() {
    flood(Policy::Reject);
}

/// Sends messages `*seq..*seq + n`, retrying while full; fails if the ring stays full
/// for 20 s (a reader nobody can remove holds it).
fn send(tx: &mut ShmProducer, seq: &mut u64, n: u64) {
    let mut message = Vec::new();
    let wedged = Instant::now();
    for _ in 0..n {
        make_message(*seq, len_for(*seq, 0, 100), &mut message);
        while let Err(e) = tx.insert(&message) {
            assert_eq!(e, InsertError::Full);
            assert!(
                wedged.elapsed() < Duration::from_secs(20),
                "wedged at {seq}"
            );
            std::thread::yield_now();
        }
        *seq += 1;
    }
}

/// Readers killed mid-stream free their slots at once (the lock dies with them): a
/// `Reject` producer is never held by a dead reader, and new readers attach in their
/// slots, each receiving everything from where it attached.
#[test]
#[cfg_attr(miri, ignore)]
fn readers_killed_and_reattached_mid_stream() {
    let path = temp_path("broadcast-kill");
    let _clean = Cleanup(path.clone());
    let config = ShmConfig::at_path(&path, 1 << 14)
        .readers(2)
        .with_policy(Policy::Reject);
    let mut tx = ShmProducer::create(&config).unwrap();
    let steady = spawn_reader(&path, "oldest");
    let mut seq = 0;
    for round in 0..5 {
        let mut victim = spawn_reader(&path, "newest");
        send(&mut tx, &mut seq, 2_000);
        victim.child.kill().unwrap();
        victim.child.wait().unwrap();
        // The dead reader held unread messages: the producer goes on regardless.
        send(&mut tx, &mut seq, 20_000);
        assert_eq!(
            tx.readers().len(),
            1,
            "round {round}: the dead reader is gone"
        );
    }
    let late = spawn_reader(&path, "newest");
    send(&mut tx, &mut seq, 1_000);
    let (delivered, dropped, next) = finish_reader(steady);
    assert_eq!((delivered, dropped, next), (seq, 0, seq));
    let (delivered, dropped, next) = finish_reader(late);
    assert_eq!((delivered, dropped, next), (1_000, 0, seq));
}

/// A producer killed mid-stream leaves readers that drain what was committed, whole
/// and in order, then time out; a new producer replaces the file.
#[test]
#[cfg_attr(miri, ignore)]
fn the_producer_killed_mid_stream() {
    for policy in ["drop-oldest", "reject"] {
        let path = temp_path("broadcast-producer-kill");
        let _clean = Cleanup(path.clone());
        let mut producer = ChildProc::spawn(
            ENTRY,
            "producer",
            &[
                ("RING_PATH", path.display().to_string()),
                ("READERS", "2".to_string()),
                ("POLICY", policy.to_string()),
            ],
        );
        producer.wait_ready();
        let config = ShmConfig::at_path(&path, 0);
        let mut rx = ShmConsumer::open(&config).unwrap();
        let mut seen = SeqChecker::default();
        while seen.delivered < 10_000 {
            if let Some(m) = rx.try_consume().unwrap() {
                seen.see(&m);
            }
        }
        producer.child.kill().unwrap();
        producer.child.wait().unwrap();
        loop {
            match rx.consume_timeout(Duration::from_millis(100)) {
                Ok(m) => seen.see(&m),
                Err(ConsumeError::Timeout) => break,
                Err(e) => panic!("{policy}: {e}"),
            }
        }
        assert_eq!(rx.read(), seen.delivered);
        let replaced = ShmProducer::create(&ShmConfig::at_path(&path, 4096).readers(2));
        assert!(replaced.is_ok(), "{policy}: {replaced:?}");
    }
}

/// A third process writes garbage over the reader lines while a `Reject` producer and
/// a reader run: nobody panics, the producer is never stuck for good, and the reader
/// gets messages or typed errors.
#[test]
#[cfg_attr(miri, ignore)]
fn a_scribbled_reader_slot_panics_nobody_and_holds_nobody() {
    let path = temp_path("broadcast-scribble");
    let _clean = Cleanup(path.clone());
    let config = ShmConfig::at_path(&path, 1 << 14)
        .readers(4)
        .with_policy(Policy::Reject);
    let mut tx = ShmProducer::create(&config).unwrap();
    let mut rx = ShmConsumer::open(&config).unwrap();
    let lines_from = layout::HEADER as u64;
    let mut scribbler = ChildProc::spawn(
        ENTRY,
        "scribbler",
        &[
            ("RING_PATH", path.display().to_string()),
            ("FROM", lines_from.to_string()),
            ("TO", (lines_from + 4 * 128).to_string()),
        ],
    );
    scribbler.wait_ready();
    let started = Instant::now();
    let mut written = 0u64;
    let mut errors = 0u64;
    while started.elapsed() < Duration::from_secs(2) {
        for _ in 0..64 {
            if tx.insert(&written.to_le_bytes()).is_ok() {
                written += 1;
            }
        }
        for _ in 0..64 {
            if rx.try_consume().is_err() {
                errors += 1;
            }
        }
        let _ = (tx.readers(), tx.len(), tx.dropped(), rx.len(), rx.dropped());
    }
    scribbler.wait_success();
    // With the scribbler gone, the reader's own commits put its line right again, and
    // slots it scribbled "attached" hold nobody (no lock behind them).
    let before = written;
    let deadline = Instant::now() + Duration::from_secs(10);
    while written < before + 10_000 {
        assert!(
            Instant::now() < deadline,
            "the producer stays stuck after the scribbling"
        );
        if tx.insert(&written.to_le_bytes()).is_ok() {
            written += 1;
        }
        let _ = rx.try_consume();
    }
    assert!(written > 0, "{errors} errors");
}

#[test]
fn the_reader_past_the_limit_is_refused() {
    let path = temp_path("broadcast-full");
    let _clean = Cleanup(path.clone());
    let config = ShmConfig::at_path(&path, 4096).readers(2);
    let _tx = ShmProducer::create(&config).unwrap();
    let a = ShmConsumer::open(&config).unwrap();
    let _b = ShmConsumer::open(&config).unwrap();
    let err = ShmConsumer::open(&config).unwrap_err();
    assert!(
        matches!(err, OpenError::ReadersFull { limit: 2 }),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "all 2 reader slots of the broadcast ring are taken by live readers: detach one, \
         or create the ring with more (ShmConfig::readers)"
    );
    drop(a);
    ShmConsumer::open(&config).expect("a detached reader's slot is free again");
}

#[test]
fn too_many_readers_is_a_config_error() {
    let path = temp_path("broadcast-too-many");
    let config = ShmConfig::at_path(&path, 4096).readers(MAX_READERS + 1);
    match ShmProducer::create(&config) {
        Err(OpenError::Config(ConfigError::TooManyReaders { readers, limit, .. })) => {
            assert_eq!((readers, limit), (MAX_READERS + 1, MAX_READERS))
        }
        other => panic!("expected TooManyReaders, got {other:?}"),
    }
    assert!(!path.exists());
}

#[test]
fn a_reader_count_the_file_cannot_hold_is_a_header_error() {
    let path = temp_path("broadcast-bad-count");
    let _clean = Cleanup(path.clone());
    drop(ShmProducer::create(&ShmConfig::at_path(&path, 4096).readers(2)).unwrap());
    let file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    // The reader count (offset 52) no longer matches the header size.
    file.write_at(&3u32.to_ne_bytes(), 52).unwrap();
    match ShmConsumer::open(&ShmConfig::at_path(&path, 0)) {
        Err(OpenError::HeaderSize { found, .. }) => assert_eq!(found, 1024 + 2 * 128),
        other => panic!("expected HeaderSize, got {other:?}"),
    }
    file.write_at(&u32::MAX.to_ne_bytes(), 52).unwrap();
    assert!(matches!(
        ShmConsumer::open(&ShmConfig::at_path(&path, 0)),
        Err(OpenError::HeaderSize { .. })
    ));
}

#[test]
fn readers_start_where_they_ask_and_report_to_the_producer() {
    let path = temp_path("broadcast-start");
    let _clean = Cleanup(path.clone());
    let config = ShmConfig::at_path(&path, 4096).readers(3);
    let mut tx = ShmProducer::create(&config).unwrap();
    tx.insert_batch(&[b"a", b"b"]).unwrap();
    let mut oldest = ShmConsumer::open(&config).unwrap();
    let mut newest = ShmConsumer::open(&config.clone().with_start_at(StartAt::Newest)).unwrap();
    tx.insert(b"c").unwrap();
    assert_eq!(oldest.consume_all().unwrap(), [b"a", b"b", b"c"]);
    assert_eq!(newest.consume_all().unwrap(), [b"c"]);
    assert!(oldest.latest_consume_time_ns() > 0);
    let readers = tx.readers();
    assert_eq!(readers.len(), 2);
    assert_eq!(
        readers
            .iter()
            .map(|r| (r.read, r.lag, r.dropped))
            .collect::<Vec<_>>(),
        [(3, 0, 0), (1, 0, 0)]
    );
    assert!(readers.iter().all(|r| r.pid == std::process::id()));
}

#[test]
fn a_waiting_reader_wakes_for_a_message() {
    let path = temp_path("broadcast-wait");
    let _clean = Cleanup(path.clone());
    let config = ShmConfig::at_path(&path, 4096).readers(2);
    let mut tx = ShmProducer::create(&config).unwrap();
    let waiters: Vec<_> = (0..2)
        .map(|_| {
            let mut rx = ShmConsumer::open(&config).unwrap();
            std::thread::spawn(move || rx.consume_timeout(Duration::from_secs(10)))
        })
        .collect();
    std::thread::sleep(Duration::from_millis(50));
    tx.insert(b"wake").unwrap();
    for waiter in waiters {
        assert_eq!(waiter.join().unwrap().unwrap(), b"wake");
    }
    let mut rx = ShmConsumer::open(&config.clone().with_start_at(StartAt::Newest)).unwrap();
    std::thread::scope(|s| {
        s.spawn(|| {
            std::thread::sleep(Duration::from_millis(50));
            tx.insert(b"async").unwrap();
        });
        assert_eq!(block_on(rx.aconsume()).unwrap(), b"async");
    });
}

/// Runs a future to completion on this thread.
fn block_on<F: std::future::Future>(future: F) -> F::Output {
    use std::task::{Context, Poll, Wake, Waker};
    struct Unpark(std::thread::Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
        std::thread::park_timeout(Duration::from_millis(100));
    }
}
