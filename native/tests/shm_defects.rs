//! Regression tests for the four shared-memory defects of mm_toolbox's ring buffers
//! that mmring was built to avoid (the README lists them): overflow racing a consumer
//! (1), `peekright` reading the wrong bytes and 32-bit timestamps (2), `create`
//! resetting a live ring and negative capacities (3), use after close and empty
//! messages (4).
#![cfg(unix)]

mod shm_common;

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use mmring_native::shm::{
    ConfigError, InsertError, OpenError, ShmConfig, ShmConsumer, ShmProducer,
};
use mmring_native::spsc::Policy;
use shm_common::*;

const ENTRY: &str = "child_entry";

/// The child's side of the tests here; a no-op in a normal test run.
#[test]
fn child_entry() {
    play_role(&[("hold", hold_child)]);
}

/// Holds a live producer until the parent closes our stdin.
fn hold_child() {
    let config = ShmConfig::at_path(env::<String>("RING_PATH"), 4096);
    let _tx = ShmProducer::create(&config).unwrap();
    child_ready();
    child_wait_stdin_closed();
}

fn now_ns() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
}

/// Defect 1: producer overflow racing a running consumer delivered corrupt, duplicated
/// and reordered messages, drove the count below zero, and wedged at the first
/// overflow. Here a producer thread floods a 1 KiB ring while a consumer thread reads
/// (through their own mappings of the file, as two processes would).
#[test]
fn defect1_overflow_racing_a_consumer_delivers_whole_ordered_messages_and_never_wedges() {
    let path = temp_path("defect1");
    let _clean = Cleanup(path.clone());
    let config = ShmConfig::at_path(&path, 1024);
    let n = stress_messages(100_000);
    let mut tx = ShmProducer::create(&config).unwrap();
    let mut rx = ShmConsumer::open(&config).unwrap();
    let producer = std::thread::spawn(move || {
        let mut message = Vec::new();
        for seq in 0..n {
            make_message(seq, len_for(seq, 0, 400), &mut message);
            tx.insert(&message).unwrap();
        }
        tx
    });
    let mut checker = SeqChecker::default();
    let mut buf = Vec::new();
    let mut counters = RacingCounters::new(1024 / 16, n);
    while !producer.is_finished() {
        if rx.consume_into(&mut buf).unwrap() {
            checker.see(&buf);
        }
        counters.check(&rx);
    }
    let mut tx = producer.join().unwrap();
    while let Some(message) = rx.try_consume().unwrap() {
        checker.see(&message);
    }
    assert_eq!(checker.delivered + rx.dropped(), n);
    assert_eq!(rx.dropped(), checker.gaps);
    assert_eq!((rx.len(), tx.len()), (0, 0));
    assert_eq!(tx.dropped(), rx.dropped());
    // Not wedged: the ring keeps working after all those overflows.
    tx.insert(b"after").unwrap();
    assert_eq!(
        rx.consume_timeout(Duration::from_secs(1)).unwrap(),
        b"after"
    );
}

/// Defect 2: `peekright` read the wrong bytes, and timestamps were cut to 32 bits.
#[test]
fn defect2_peekright_is_the_newest_message_exactly_and_timestamps_are_64_bit() {
    for policy in [Policy::DropOldest, Policy::Reject] {
        let path = temp_path("defect2");
        let config = ShmConfig::at_path(&path, 512)
            .with_policy(policy)
            .with_unlink_on_close(true);
        let mut tx = ShmProducer::create(&config).unwrap();
        let mut rx = ShmConsumer::open(&config).unwrap();
        assert_eq!(rx.peekright().unwrap(), None);
        let mut message = Vec::new();
        for seq in 0..500u64 {
            make_message(seq, len_for(seq, 0, 150), &mut message);
            loop {
                match tx.insert(&message) {
                    Ok(()) => break,
                    Err(InsertError::Full) => drop(rx.consume().unwrap()),
                    Err(e) => panic!("{e}"),
                }
            }
            assert_eq!(
                rx.peekright().unwrap().as_deref(),
                Some(&message[..]),
                "{seq}"
            );
            if seq % 3 == 0 {
                rx.consume().unwrap();
            }
        }
        let newest = message.clone();
        while rx.len() > 1 {
            rx.consume().unwrap();
        }
        assert_eq!(rx.peekleft().unwrap(), Some(newest.clone()));
        assert_eq!(rx.peekright().unwrap(), Some(newest));
        rx.consume().unwrap();
        assert_eq!(
            rx.peekright().unwrap(),
            None,
            "nothing unread: no stale bytes"
        );
        assert_eq!(rx.peekleft().unwrap(), None);

        let (inserted, consumed) = (rx.latest_insert_time_ns(), rx.latest_consume_time_ns());
        for t in [
            inserted,
            consumed,
            tx.latest_insert_time_ns(),
            rx.creator().1,
        ] {
            assert!(t > u64::from(u32::MAX), "{t} looks truncated");
            assert!(t.abs_diff(now_ns()) < 10_000_000_000, "{t} is not now");
        }
    }
}

/// Defect 3: `create` silently reset a ring that a live peer was using, and a negative
/// capacity hung.
#[test]
fn defect3_create_over_a_live_producer_is_refused_and_bad_capacities_fail_fast() {
    let path = temp_path("defect3");
    let _clean = Cleanup(path.clone());
    let config = ShmConfig::at_path(&path, 4096);

    // A live producer in this process.
    let mut tx = ShmProducer::create(&config).unwrap();
    tx.insert(b"keep me").unwrap();
    let err = ShmProducer::create(&config).unwrap_err();
    assert!(
        matches!(err, OpenError::InUse { pid, .. } if pid == std::process::id()),
        "{err:?}"
    );
    assert!(err.to_string().contains("live producer"));
    let mut rx = ShmConsumer::open(&config).unwrap();
    assert_eq!(
        rx.try_consume().unwrap(),
        Some(b"keep me".to_vec()),
        "not reset"
    );
    drop((tx, rx));

    // A live producer in another process.
    let mut child = ChildProc::spawn(ENTRY, "hold", &[("RING_PATH", path.display().to_string())]);
    child.wait_ready();
    let err = ShmProducer::create(&config).unwrap_err();
    assert!(
        matches!(err, OpenError::InUse { pid, .. } if pid == child.pid()),
        "{err:?}"
    );
    child.wait_success();
    // Its producer has exited: the file is stale and may be taken over.
    ShmProducer::create(&config).expect("create over a stale file");

    // "Negative" (wrapped), zero and non-power-of-two capacities: typed, immediate.
    for capacity in [(-1i64) as usize, (-4096i64) as usize, 0, 48, 1000] {
        let started = Instant::now();
        let err = ShmProducer::create(&ShmConfig::at_path(temp_path("cap"), capacity)).unwrap_err();
        assert!(
            matches!(err, OpenError::Config(ConfigError::BadCapacity { .. })),
            "{capacity}: {err:?}"
        );
        assert!(started.elapsed() < Duration::from_millis(500));
    }
}

/// Defect 4: use after close crashed, and an empty message inserted through one path
/// was lost. Use after close does not compile here: `close` takes the producer by
/// value (`tx.close(); tx.insert(..)` is "use of moved value").
#[test]
fn defect4_empty_messages_survive_every_insert_path_and_close_then_reopen_works() {
    let path = temp_path("defect4");
    let _clean = Cleanup(path.clone());
    let config = ShmConfig::at_path(&path, 4096);
    let mut tx = ShmProducer::create(&config).unwrap();
    let mut rx = ShmConsumer::open(&config).unwrap();

    tx.insert(b"").unwrap();
    assert_eq!(rx.len(), 1);
    assert_eq!(rx.consume_timeout(Duration::from_secs(1)).unwrap(), b"");

    tx.insert_batch(&[b"", b"x", b""]).unwrap();
    assert_eq!(rx.consume_all().unwrap(), [&b""[..], b"x", b""]);

    tx.insert_packed(&[b""]).unwrap();
    assert_eq!(rx.consume_packed().unwrap(), [b""]);
    tx.insert_packed(&[b"", b"y", b""]).unwrap();
    assert_eq!(
        rx.try_consume_packed().unwrap().unwrap(),
        [&b""[..], b"y", b""]
    );

    // No messages at all is not an empty message: nothing is written.
    tx.insert_batch(&[]).unwrap();
    tx.insert_packed(&[]).unwrap();
    assert_eq!(rx.try_consume().unwrap(), None);
    assert_eq!(tx.written(), 6);

    tx.insert(b"before close").unwrap();
    tx.close().unwrap();
    // The consumer drains what the closed producer left.
    assert_eq!(rx.consume().unwrap(), b"before close");
    // The path can be created again and re-opened.
    let mut tx = ShmProducer::create(&config).unwrap();
    let mut rx = ShmConsumer::open(&config).unwrap();
    tx.insert(b"").unwrap();
    assert_eq!(rx.consume().unwrap(), b"");
    tx.close().unwrap();
}
