//! Broadcast over the record protocol on heap memory: readers that attach and detach
//! at any time, each receiving every message from where it attached, with its own
//! drop count under `DropOldest` and holding the producer back under `Reject`. The
//! threaded tests run under Miri too, where they check the protocol for data races.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};

mod support;

use mmring_core::spsc::{
    self, AttachError, Consumer, HeapRegion, InsertError, Policy, Producer, StartAt,
};
use support::{check, message};

/// Attaches a reader to `region` at `start`, with the producer's policy and limits.
fn attach(region: &HeapRegion, tx: &Producer<HeapRegion>, start: StartAt) -> Consumer<HeapRegion> {
    Consumer::attach(region.clone(), tx.policy(), tx.max_message(), start).unwrap()
}

/// Every message waiting for `rx`.
fn drain(rx: &mut Consumer<HeapRegion>) -> Vec<Vec<u8>> {
    std::iter::from_fn(|| rx.try_consume().unwrap()).collect()
}

#[test]
fn the_reader_past_the_limit_is_refused_and_a_detached_line_is_reused() {
    for policy in [Policy::DropOldest, Policy::Reject] {
        let (tx, region) = spsc::broadcast(1024, policy, 2).unwrap();
        let a = attach(&region, &tx, StartAt::Oldest);
        let b = attach(&region, &tx, StartAt::Newest);
        let third = Consumer::attach(region.clone(), policy, tx.max_message(), StartAt::Oldest);
        assert_eq!(third.err(), Some(AttachError::ReadersFull { limit: 2 }));
        assert_eq!(
            AttachError::ReadersFull { limit: 2 }.to_string(),
            "all 2 reader slots of this ring are taken; detach a reader or create the ring with more"
        );
        drop(a);
        let again = attach(&region, &tx, StartAt::Oldest);
        assert_eq!(tx.readers().len(), 2);
        drop((again, b));
        assert!(tx.readers().is_empty());
    }
}

#[test]
fn a_ring_without_reader_lines_admits_no_reader() {
    let (tx, rx) = spsc::channel(1024, Policy::DropOldest).unwrap();
    let refused = Consumer::attach(
        rx.region().clone(),
        Policy::DropOldest,
        tx.max_message(),
        StartAt::Oldest,
    );
    assert_eq!(refused.err(), Some(AttachError::ReadersFull { limit: 0 }));
    assert!(tx.readers().is_empty());
}

#[test]
fn every_reader_gets_every_message_from_where_it_attached() {
    for policy in [Policy::DropOldest, Policy::Reject] {
        let (mut tx, region) = spsc::broadcast(4096, policy, 4).unwrap();
        tx.insert_batch(&[b"a", b"b"]).unwrap();
        let mut from_oldest = attach(&region, &tx, StartAt::Oldest);
        let mut from_newest = attach(&region, &tx, StartAt::Newest);
        tx.insert(b"c").unwrap();
        let mut late = attach(&region, &tx, StartAt::Newest);
        tx.insert(b"d").unwrap();
        assert_eq!(drain(&mut from_oldest), [b"a", b"b", b"c", b"d"]);
        assert_eq!(drain(&mut from_newest), [b"c", b"d"]);
        assert_eq!(drain(&mut late), [b"d"]);
        assert_eq!(
            (from_oldest.read(), from_newest.read(), late.read()),
            (4, 2, 1),
            "{policy:?}"
        );
        let stats = tx.readers();
        assert!(
            stats.iter().all(|r| r.lag == 0 && r.dropped == 0),
            "{stats:?}"
        );
        assert_eq!(stats.iter().map(|r| r.read).collect::<Vec<_>>(), [4, 2, 1]);
    }
}

#[test]
fn an_empty_ring_starts_every_reader_at_the_first_message() {
    for start in [StartAt::Oldest, StartAt::Newest] {
        let (mut tx, region) = spsc::broadcast(64, Policy::DropOldest, 1).unwrap();
        let mut rx = attach(&region, &tx, start);
        assert!(!rx.has_data());
        tx.insert(b"first").unwrap();
        assert!(rx.has_data());
        assert_eq!(rx.try_consume().unwrap(), Some(b"first".to_vec()));
    }
}

#[test]
fn oldest_skips_padding_at_the_wrap() {
    // 64-byte ring: a 32-byte record at 0, then one at 32, then a 24-byte one that
    // evicts the first; the fourth does not fit before the end and pads.
    let (mut tx, region) = spsc::broadcast(64, Policy::DropOldest, 1).unwrap();
    for m in [&[1u8; 16][..], &[2; 16], &[3; 8], &[4; 16]] {
        tx.insert(m).unwrap();
    }
    let mut rx = attach(&region, &tx, StartAt::Oldest);
    let got = drain(&mut rx);
    assert!(!got.is_empty());
    assert_eq!(got.last().unwrap(), &vec![4; 16]);
    assert_eq!(
        rx.dropped(),
        0,
        "messages evicted before attaching are not this reader's drops"
    );
}

#[test]
fn drop_oldest_each_reader_counts_its_own_drops_and_the_producer_never_waits() {
    let (mut tx, region) = spsc::broadcast(256, Policy::DropOldest, 2).unwrap();
    let mut fast = attach(&region, &tx, StartAt::Oldest);
    let mut slow = attach(&region, &tx, StartAt::Oldest);
    let mut fast_got = 0;
    for seq in 0..1000u64 {
        tx.insert(&message(seq, 40)).unwrap();
        while let Some(m) = fast.try_consume().unwrap() {
            assert_eq!(check(&m, 40), fast_got);
            fast_got += 1;
        }
    }
    assert_eq!((fast.read(), fast.dropped()), (1000, 0));
    let mut last = None;
    let mut slow_got = 0;
    while let Some(m) = slow.try_consume().unwrap() {
        let seq = check(&m, 40);
        assert!(last < Some(seq));
        last = Some(seq);
        slow_got += 1;
    }
    assert_eq!(last, Some(999));
    assert_eq!(slow.read(), slow_got);
    assert_eq!(slow.read() + slow.dropped(), 1000);
    let stats = tx.readers();
    assert_eq!(stats.iter().map(|r| r.dropped).sum::<u64>(), slow.dropped());
    assert_eq!(tx.dropped(), slow.dropped());
}

#[test]
fn reject_waits_for_the_slowest_reader_and_a_detached_one_releases_it() {
    let (mut tx, region) = spsc::broadcast(128, Policy::Reject, 2).unwrap();
    let mut fast = attach(&region, &tx, StartAt::Oldest);
    let slow = attach(&region, &tx, StartAt::Oldest);
    let mut written = 0u64;
    while tx.insert(&message(written, 8)).is_ok() {
        written += 1;
        assert!(written < 100, "never full");
    }
    assert_eq!(tx.insert(b"x"), Err(InsertError::Full));
    assert_eq!(drain(&mut fast).len() as u64, written);
    assert_eq!(
        tx.insert(b"x"),
        Err(InsertError::Full),
        "the slow reader holds it"
    );
    assert_eq!(tx.len() as u64, written);
    drop(slow);
    tx.insert(&message(written, 8)).unwrap();
    assert_eq!(check(&fast.try_consume().unwrap().unwrap(), 8), written);
    assert_eq!(fast.dropped(), 0);
}

#[test]
fn reject_without_readers_never_waits() {
    let (mut tx, region) = spsc::broadcast(128, Policy::Reject, 2).unwrap();
    for seq in 0..500 {
        tx.insert(&message(seq, 8)).unwrap();
    }
    let mut rx = attach(&region, &tx, StartAt::Oldest);
    let got = drain(&mut rx);
    assert!(!got.is_empty());
    let first = check(&got[0], 8);
    for (i, m) in got.iter().enumerate() {
        assert_eq!(check(m, 8), first + i as u64);
    }
    assert_eq!(check(got.last().unwrap(), 8), 499);
}

/// Messages per stress run (fewer under Miri, which is slow); under `Reject` every
/// attach holds the producer back for a moment, so fewer there too.
fn stress_len(policy: Policy) -> u64 {
    match (cfg!(miri), policy) {
        (true, _) => 300,
        (false, Policy::DropOldest) => 200_000,
        (false, Policy::Reject) => 20_000,
    }
}

/// Four readers on their own threads while the producer floods: two attached from the
/// start check that they received or counted every message; two more attach and detach
/// over and over, checking order within each attachment.
fn stress(policy: Policy) {
    let total = stress_len(policy);
    let (mut tx, region) = spsc::broadcast(1024, policy, 4).unwrap();
    let max = tx.max_message();
    let done = Arc::new(AtomicBool::new(false));
    let steady: Vec<_> = (0..2)
        .map(|_| {
            let rx = attach(&region, &tx, StartAt::Oldest);
            let done = Arc::clone(&done);
            std::thread::spawn(move || {
                let mut rx = rx;
                let mut next = 0;
                loop {
                    let finished = done.load(Relaxed);
                    while let Some(m) = rx.try_consume().unwrap() {
                        let seq = check(&m, 60);
                        assert!(seq >= next, "{seq} after {next}");
                        if policy == Policy::Reject {
                            assert_eq!(seq, next, "a lossless reader lost a message");
                        }
                        next = seq + 1;
                    }
                    if finished {
                        break;
                    }
                    std::thread::yield_now();
                }
                assert_eq!(next, total);
                assert_eq!(rx.read() + rx.dropped(), total);
                rx.read()
            })
        })
        .collect();
    let churn: Vec<_> = (0..2)
        .map(|i| {
            let region = region.clone();
            let done = Arc::clone(&done);
            std::thread::spawn(move || {
                let mut attaches = 0u64;
                while !done.load(Relaxed) {
                    let start = if i == 0 {
                        StartAt::Oldest
                    } else {
                        StartAt::Newest
                    };
                    let mut rx = match Consumer::attach(region.clone(), policy, max, start) {
                        Ok(rx) => rx,
                        Err(e) => panic!("attach: {e}"),
                    };
                    attaches += 1;
                    let mut last = None;
                    for _ in 0..50 {
                        if let Some(m) = rx.try_consume().unwrap() {
                            let seq = check(&m, 60);
                            assert!(last < Some(seq));
                            if policy == Policy::Reject {
                                assert!(last.is_none_or(|l| seq == l + 1));
                            }
                            last = Some(seq);
                        }
                    }
                }
                attaches
            })
        })
        .collect();
    let mut seq = 0;
    while seq < total {
        match tx.insert(&message(seq, 60)) {
            Ok(()) => seq += 1,
            Err(InsertError::Full) => std::thread::yield_now(),
            Err(e) => panic!("{e}"),
        }
    }
    done.store(true, Relaxed);
    for reader in steady {
        let read = reader.join().expect("a steady reader panicked");
        if policy == Policy::Reject {
            assert_eq!(read, total);
        }
    }
    for reader in churn {
        assert!(reader.join().expect("a churning reader panicked") > 0);
    }
}

#[test]
fn stress_drop_oldest() {
    stress(Policy::DropOldest);
}

#[test]
fn stress_reject() {
    stress(Policy::Reject);
}
