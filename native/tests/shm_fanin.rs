//! `ShmFanIn`: one consumer over many producers' rings, in one process and across
//! processes (the test binary re-runs itself as the producers, see `child_entry`).
#![cfg(unix)]

mod shm_common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use mmring_native::shm::{
    ConfigError, InsertError, OpenError, ShmConfig, ShmFanIn, ShmProducer, SourceId,
};
use mmring_native::spsc::Policy;
use shm_common::*;

const ENTRY: &str = "child_entry";

/// The children's side; a no-op in a normal test run.
#[test]
fn child_entry() {
    play_role(&[("producer", producer_child), ("endless", endless_child)]);
}

/// Creates its ring (`Reject`: nothing is lost) and, after the go-ahead, writes `N`
/// checkable messages.
fn producer_child() {
    let config =
        ShmConfig::at_path(env::<String>("RING_PATH"), 1 << 14).with_policy(Policy::Reject);
    let n: u64 = env("N");
    let mut tx = ShmProducer::create(&config).unwrap();
    child_ready_then_wait_go();
    let mut message = Vec::new();
    for seq in 0..n {
        make_message(seq, len_for(seq, 0, 300), &mut message);
        while let Err(error) = tx.insert(&message) {
            assert!(matches!(error, InsertError::Full), "insert {seq}: {error}");
            std::thread::yield_now();
        }
    }
}

/// Creates its ring and writes checkable messages until it is killed.
fn endless_child() {
    let config =
        ShmConfig::at_path(env::<String>("RING_PATH"), 1 << 14).with_policy(Policy::Reject);
    let mut tx = ShmProducer::create(&config).unwrap();
    child_ready_then_wait_go();
    let mut message = Vec::new();
    for seq in 0.. {
        make_message(seq, len_for(seq, 0, 300), &mut message);
        while tx.insert(&message).is_err() {
            std::thread::yield_now();
        }
    }
}

/// A directory of its own for one test's rings, removed at the end.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir = temp_path(name);
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    fn ring(&self, name: &str) -> ShmConfig {
        ShmConfig::at_path(self.0.join(name), 1 << 14)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn file_name(fan_in: &ShmFanIn, id: SourceId) -> String {
    fan_in
        .path(id)
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned()
}

#[test]
fn every_producer_is_read_in_turn_and_keeps_its_order() {
    let dir = TempDir::new("fanin-order");
    let mut producers: Vec<ShmProducer> = ["o-a", "o-b", "o-c"]
        .iter()
        .map(|name| ShmProducer::create(&dir.ring(name)).unwrap())
        .collect();
    let mut fan_in = ShmFanIn::in_dir(&dir.0, "o-").unwrap();
    assert_eq!(fan_in.sources().count(), 3);
    let mut message = Vec::new();
    for seq in 0..100 {
        for tx in &mut producers {
            make_message(seq, len_for(seq, 0, 200), &mut message);
            tx.insert(&message).unwrap();
        }
    }
    let mut checkers: HashMap<String, SeqChecker> = HashMap::new();
    let mut first_three = Vec::new();
    while let Some((from, message)) = fan_in.try_consume().unwrap() {
        if first_three.len() < 3 {
            first_three.push(from);
        }
        checkers
            .entry(file_name(&fan_in, from))
            .or_default()
            .see(&message);
    }
    first_three.sort();
    first_three.dedup();
    assert_eq!(first_three.len(), 3, "one message from each ring in turn");
    assert_eq!(checkers.len(), 3);
    for (name, checker) in &checkers {
        assert_eq!((checker.delivered, checker.gaps), (100, 0), "{name}");
    }
    for info in fan_in.sources() {
        assert_eq!((info.read, info.dropped, info.attached), (100, 0, true));
    }
}

#[test]
fn late_rings_are_attached_and_removed_ones_drained_then_let_go() {
    let dir = TempDir::new("fanin-late");
    let mut fan_in = ShmFanIn::in_dir(&dir.0, "l-")
        .unwrap()
        .with_rescan_every(Duration::ZERO);
    assert_eq!(fan_in.try_consume().unwrap(), None);

    let config = dir.ring("l-gw").with_unlink_on_close(true);
    let mut tx = ShmProducer::create(&config).unwrap();
    tx.insert(b"one").unwrap();
    tx.insert(b"two").unwrap();
    let (first, message) = fan_in
        .try_consume()
        .unwrap()
        .expect("the late ring is read");
    assert_eq!(message, b"one");
    tx.close().unwrap(); // removes the file; what is left can still be drained
    assert_eq!(
        fan_in.try_consume().unwrap(),
        Some((first, b"two".to_vec()))
    );
    assert_eq!(fan_in.try_consume().unwrap(), None);
    let info = fan_in.sources().next().unwrap();
    assert_eq!(
        (info.read, info.attached),
        (2, false),
        "drained, then let go"
    );

    // A new producer of the same name is a new source.
    let mut again = ShmProducer::create(&config).unwrap();
    again.insert(b"three").unwrap();
    let (second, message) = fan_in.try_consume().unwrap().unwrap();
    assert_eq!(message, b"three");
    assert_ne!(second, first);
    assert_eq!(fan_in.path(second), fan_in.path(first));
}

#[test]
fn files_that_are_not_rings_are_skipped_and_others_ignored() {
    let dir = TempDir::new("fanin-skip");
    std::fs::write(dir.0.join("s-garbage"), b"not a ring").unwrap();
    std::fs::write(dir.0.join(".s-being-created"), b"").unwrap();
    let _other = ShmProducer::create(&dir.ring("other-ring")).unwrap();
    let mut good = ShmProducer::create(&dir.ring("s-good")).unwrap();
    let mut fan_in = ShmFanIn::in_dir(&dir.0, "s-").unwrap();
    assert_eq!(fan_in.sources().count(), 1);
    match fan_in.skipped() {
        [(path, OpenError::TooShort { len: 10, .. })] => {
            assert_eq!(path, &dir.0.join("s-garbage"));
        }
        other => panic!("expected the garbage file skipped as too short, got {other:?}"),
    }
    good.insert(b"fill").unwrap();
    let (from, message) = fan_in.try_consume().unwrap().unwrap();
    assert_eq!(
        (file_name(&fan_in, from).as_str(), message.as_slice()),
        ("s-good", &b"fill"[..])
    );
}

#[test]
fn a_ring_another_consumer_holds_is_skipped_with_its_pid() {
    let dir = TempDir::new("fanin-held");
    let _tx = ShmProducer::create(&dir.ring("h-one")).unwrap();
    let first = ShmFanIn::in_dir(&dir.0, "h-").unwrap();
    assert_eq!(first.sources().count(), 1);
    let second = ShmFanIn::in_dir(&dir.0, "h-").unwrap();
    assert_eq!(second.sources().count(), 0);
    match second.skipped() {
        [(_, OpenError::ConsumerInUse { pid, .. })] => assert_eq!(*pid, std::process::id()),
        other => panic!("expected ConsumerInUse, got {other:?}"),
    }
}

#[test]
fn a_prefix_that_is_not_a_ring_name_is_refused() {
    for prefix in ["", "a/b", "..", "ü"] {
        match ShmFanIn::open(prefix) {
            Err(OpenError::Config(ConfigError::BadName { name, .. })) => assert_eq!(name, prefix),
            other => panic!("{prefix:?}: expected BadName, got {other:?}"),
        }
    }
}

fn spawn_producer(role: &str, path: &Path, n: u64) -> ChildProc {
    let mut child = ChildProc::spawn(
        ENTRY,
        role,
        &[
            ("RING_PATH", path.display().to_string()),
            ("N", n.to_string()),
        ],
    );
    child.wait_ready();
    child
}

/// Four producer processes, one killed mid-stream: the three others' messages all
/// arrive, each stream in order and intact, and the dead one blocks nobody.
#[test]
fn four_producer_processes_one_killed() {
    four_producers(false);
}

/// The same, read with `consume_batch` (up to 64 messages from one ring per call).
#[test]
fn four_producer_processes_one_killed_read_in_batches() {
    four_producers(true);
}

fn four_producers(batched: bool) {
    let dir = TempDir::new(if batched {
        "fanin-batch"
    } else {
        "fanin-procs"
    });
    let n = stress_messages(100_000) / 4;
    let mut children: Vec<ChildProc> = (0..3)
        .map(|i| spawn_producer("producer", &dir.0.join(format!("p-{i}")), n))
        .collect();
    let mut doomed = spawn_producer("endless", &dir.0.join("p-doomed"), 0);
    let mut fan_in = ShmFanIn::in_dir(&dir.0, "p-").unwrap();
    assert_eq!(fan_in.sources().count(), 4);
    for child in &mut children {
        child.go();
    }
    doomed.go();

    let mut checkers: HashMap<String, SeqChecker> = HashMap::new();
    let finished = |checkers: &HashMap<String, SeqChecker>| {
        (0..3).all(|i| {
            checkers
                .get(&format!("p-{i}"))
                .is_some_and(|c| c.delivered == n)
        })
    };
    let started = Instant::now();
    let mut killed = false;
    while !finished(&checkers) {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "stalled: {checkers:?}"
        );
        let mut taken = Vec::new();
        if batched {
            let mut buf = Vec::new();
            let n = fan_in
                .consume_batch(&mut buf, 64, |from, m| taken.push((from, m.to_vec())))
                .unwrap();
            assert_eq!(n, taken.len());
            let from = taken.first().map(|(from, _)| *from);
            assert!(
                taken.iter().all(|(f, _)| Some(*f) == from),
                "one ring per call"
            );
            if n == 0 {
                std::thread::yield_now();
            }
        } else if let Some(one) = fan_in.consume_timeout(Duration::from_secs(10)).unwrap() {
            taken.push(one);
        }
        for (from, message) in taken {
            let name = file_name(&fan_in, from);
            checkers.entry(name).or_default().see(&message);
        }
        if !killed
            && checkers
                .get("p-doomed")
                .is_some_and(|c| c.delivered >= 1000)
        {
            // SAFETY: `kill` with a child's pid and SIGKILL only sends a signal.
            assert_eq!(unsafe { libc::kill(doomed.pid() as i32, libc::SIGKILL) }, 0);
            killed = true;
        }
    }
    assert!(killed, "the doomed producer was killed mid-stream");
    for i in 0..3 {
        let checker = &checkers[&format!("p-{i}")];
        assert_eq!((checker.delivered, checker.gaps), (n, 0), "producer {i}");
    }
    assert_eq!(
        checkers["p-doomed"].gaps, 0,
        "the killed producer's stream is in order"
    );
    // What the killed producer committed can still be drained; nothing hangs.
    while let Some((from, message)) = fan_in.try_consume().unwrap() {
        checkers
            .entry(file_name(&fan_in, from))
            .or_default()
            .see(&message);
    }
    assert_eq!(checkers["p-doomed"].gaps, 0);
    for child in children {
        child.wait_success();
    }
    let _ = doomed.child.wait();
}
