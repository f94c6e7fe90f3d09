//! Two processes on one ring: the test binary re-runs itself as the child (see
//! `child_entry`). Sizes of the stress runs: `MMRING_SHM_STRESS_MESSAGES` (default
//! 100 000 per run; the full run is 10^7, e.g.
//! `MMRING_SHM_STRESS_MESSAGES=10000000 cargo test --release -p mmring-native --test shm_multiprocess`).
#![cfg(unix)]

mod shm_common;

use std::time::{Duration, Instant};

use mmring_native::shm::{ConsumeError, InsertError, ShmConfig, ShmProducer};
use mmring_native::spsc::Policy;
use shm_common::*;

const ENTRY: &str = "child_entry";

/// The child's side of every test here; a no-op in a normal test run.
#[test]
fn child_entry() {
    play_role(&[
        ("echo", echo_child),
        ("flood", flood_child),
        ("endless", endless_child),
    ]);
}

fn policy_from_env() -> Policy {
    match std::env::var("POLICY").as_deref() {
        Ok("reject") => Policy::Reject,
        _ => Policy::DropOldest,
    }
}

/// Consumes ring A and sends every message back on ring B until `quit`.
fn echo_child() {
    let a = ShmConfig::at_path(env::<String>("A_PATH"), 0);
    let b = ShmConfig::at_path(env::<String>("B_PATH"), 1 << 16).with_policy(Policy::Reject);
    let mut rx = open_when_there(&a, Duration::from_secs(10));
    let mut tx = ShmProducer::create(&b).unwrap();
    child_ready();
    loop {
        let message = rx.consume_timeout(Duration::from_secs(30)).unwrap();
        tx.insert(&message).unwrap();
        if message == b"quit" {
            return;
        }
    }
}

/// Creates the ring and, after the go-ahead, writes `N` checkable messages.
fn flood_child() {
    let config = ShmConfig::at_path(env::<String>("RING_PATH"), env("CAPACITY"))
        .with_policy(policy_from_env());
    let (n, min, max): (u64, usize, usize) = (env("N"), env("MIN"), env("MAX"));
    let mut tx = ShmProducer::create(&config).unwrap();
    child_ready_then_wait_go();
    let mut message = Vec::new();
    for seq in 0..n {
        make_message(seq, len_for(seq, min, max), &mut message);
        let mut spins = 0u32;
        loop {
            match tx.insert(&message) {
                Ok(()) => break,
                Err(InsertError::Full) => {
                    spins += 1;
                    if spins % 16 == 0 {
                        std::thread::yield_now();
                    } else {
                        std::hint::spin_loop();
                    }
                }
                Err(e) => panic!("insert {seq}: {e}"),
            }
        }
    }
    assert_eq!(tx.written(), n);
}

/// Creates the ring and writes checkable messages until killed.
fn endless_child() {
    let config = ShmConfig::at_path(env::<String>("RING_PATH"), 1 << 14);
    let mut tx = ShmProducer::create(&config).unwrap();
    child_ready();
    let mut message = Vec::new();
    for seq in 0.. {
        make_message(seq, len_for(seq, 0, 200), &mut message);
        tx.insert(&message).unwrap();
        if seq % 128 == 0 {
            std::thread::sleep(Duration::from_micros(200));
        }
    }
}

fn spawn_flood(
    path: &std::path::Path,
    capacity: usize,
    policy: &str,
    n: u64,
    lens: (usize, usize),
) -> ChildProc {
    let mut child = ChildProc::spawn(
        ENTRY,
        "flood",
        &[
            ("RING_PATH", path.display().to_string()),
            ("CAPACITY", capacity.to_string()),
            ("POLICY", policy.to_string()),
            ("N", n.to_string()),
            ("MIN", lens.0.to_string()),
            ("MAX", lens.1.to_string()),
        ],
    );
    child.wait_ready();
    child
}

#[test]
fn round_trip_between_processes() {
    let (a_path, b_path) = (temp_path("echo-a"), temp_path("echo-b"));
    let _clean = (Cleanup(a_path.clone()), Cleanup(b_path.clone()));
    let a = ShmConfig::at_path(&a_path, 1 << 16).with_policy(Policy::Reject);
    let mut tx = ShmProducer::create(&a).unwrap();
    let mut child = ChildProc::spawn(
        ENTRY,
        "echo",
        &[
            ("A_PATH", a_path.display().to_string()),
            ("B_PATH", b_path.display().to_string()),
        ],
    );
    child.wait_ready();
    let mut rx = open_when_there(&ShmConfig::at_path(&b_path, 0), Duration::from_secs(10));

    let mut message = Vec::new();
    for seq in 0..2000 {
        make_message(seq, len_for(seq, 0, 300), &mut message);
        tx.insert(&message).unwrap();
        let echoed = rx.consume_timeout(Duration::from_secs(10)).unwrap();
        assert_eq!(echoed, message, "round trip {seq}");
    }
    tx.insert(b"").unwrap();
    assert_eq!(rx.consume_timeout(Duration::from_secs(10)).unwrap(), b"");
    tx.insert(b"quit").unwrap();
    assert_eq!(
        rx.consume_timeout(Duration::from_secs(10)).unwrap(),
        b"quit"
    );
    child.wait_success();
}

#[test]
fn random_messages_of_1_to_4096_bytes_arrive_intact_and_in_order() {
    let path = temp_path("random");
    let _clean = Cleanup(path.clone());
    let n = 20_000;
    let mut child = spawn_flood(&path, 1 << 16, "reject", n, (1, 4096));
    let mut rx = open_when_there(&ShmConfig::at_path(&path, 0), Duration::from_secs(10));
    child.go();
    let mut checker = SeqChecker::default();
    let mut buf = Vec::new();
    while checker.delivered < n {
        // Alternate the blocking and the non-blocking paths.
        if checker.delivered % 2 == 0 {
            let message = rx.consume_timeout(Duration::from_secs(20)).unwrap();
            checker.see(&message);
        } else if rx.consume_into(&mut buf).unwrap() {
            checker.see(&buf);
        }
    }
    assert_eq!(checker.gaps, 0);
    assert_eq!(rx.try_consume().unwrap(), None);
    child.wait_success();
}

#[test]
fn reject_mode_loses_nothing() {
    let path = temp_path("reject");
    let _clean = Cleanup(path.clone());
    let n = stress_messages(100_000);
    let mut child = spawn_flood(&path, 4096, "reject", n, (0, 100));
    let mut rx = open_when_there(&ShmConfig::at_path(&path, 0), Duration::from_secs(10));
    assert_eq!(rx.policy(), Policy::Reject);
    child.go();
    let mut checker = SeqChecker::default();
    let started = Instant::now();
    while checker.delivered < n {
        // Wait (parking when the producer is slow), then drain what is there.
        checker.see(&rx.consume_timeout(Duration::from_secs(30)).unwrap());
        for message in rx.consume_all().unwrap() {
            checker.see(&message);
        }
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "stalled at {checker:?}"
        );
    }
    assert_eq!((checker.delivered, checker.gaps, rx.dropped()), (n, 0, 0));
    child.wait_success();
    assert_eq!(rx.try_consume().unwrap(), None);
}

/// Defect 1 of mm_toolbox's shm ring, across processes: a producer flooding a small
/// ring races a consumer reading at full speed.
fn drop_oldest_stress(capacity: usize, lens: (usize, usize)) {
    let path = temp_path("stress");
    let _clean = Cleanup(path.clone());
    let n = stress_messages(100_000);
    let mut child = spawn_flood(&path, capacity, "drop", n, lens);
    let mut rx = open_when_there(&ShmConfig::at_path(&path, 0), Duration::from_secs(10));
    child.go();
    let mut checker = SeqChecker::default();
    let mut buf = Vec::new();
    let mut counters = RacingCounters::new(capacity / 16, n);
    let mut producer_done = false;
    loop {
        if rx.consume_into(&mut buf).unwrap() {
            checker.see(&buf);
            continue;
        }
        counters.check(&rx);
        if producer_done {
            break;
        }
        // Read everything once more after the producer has finished.
        producer_done = child.exited();
    }
    assert_eq!(rx.try_consume().unwrap(), None);
    assert!(checker.delivered > 0);
    assert_eq!(rx.read(), checker.delivered);
    assert_eq!(
        rx.dropped(),
        checker.gaps,
        "dropped() is exact once caught up"
    );
    assert_eq!(
        checker.delivered + rx.dropped(),
        n,
        "delivered + dropped = sent"
    );
    assert_eq!(checker.next(), n, "the newest message always survives");
    eprintln!(
        "drop_oldest_stress({capacity}): {n} sent, {} delivered, {} dropped",
        checker.delivered,
        rx.dropped()
    );
}

#[test]
fn drop_oldest_stress_2k_ring() {
    drop_oldest_stress(2048, (0, 200));
}

#[test]
fn drop_oldest_stress_64k_ring() {
    drop_oldest_stress(1 << 16, (0, 1000));
}

#[test]
fn producer_sigkilled_mid_stream() {
    let path = temp_path("sigkill");
    let _clean = Cleanup(path.clone());
    let config = ShmConfig::at_path(&path, 1 << 14);
    let mut child = ChildProc::spawn(
        ENTRY,
        "endless",
        &[("RING_PATH", path.display().to_string())],
    );
    child.wait_ready();
    let mut rx = open_when_there(&config, Duration::from_secs(10));
    let mut checker = SeqChecker::default();
    while checker.delivered < 1000 {
        checker.see(&rx.consume_timeout(Duration::from_secs(10)).unwrap());
    }
    // SAFETY: kill(2) touches no memory of ours; the pid is our own unreaped child.
    assert_eq!(unsafe { libc::kill(child.pid() as i32, libc::SIGKILL) }, 0);
    let status = child.child.wait().unwrap();
    assert!(!status.success());

    // What was committed before the kill is intact; then nothing more comes.
    while let Some(message) = rx.try_consume().unwrap() {
        checker.see(&message);
    }
    let waited = Instant::now();
    assert!(matches!(
        rx.consume_timeout(Duration::from_millis(50)),
        Err(ConsumeError::Timeout)
    ));
    assert!(waited.elapsed() >= Duration::from_millis(50));

    // The dead producer's file is stale: a new producer takes the path over.
    let mut tx = ShmProducer::create(&config).expect("create over a stale file");
    tx.insert(b"fresh").unwrap();
    // The old consumer still maps the old file: nothing new there.
    assert!(matches!(
        rx.consume_timeout(Duration::from_millis(10)),
        Err(ConsumeError::Timeout)
    ));
    let mut rx = open_when_there(&config, Duration::from_secs(1));
    assert_eq!(
        rx.consume_timeout(Duration::from_secs(1)).unwrap(),
        b"fresh"
    );
    assert_eq!(rx.creator().0, std::process::id());
}
