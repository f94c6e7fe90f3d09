//! Tests of the SPSC record protocol on heap memory: a byte-exact model of placement
//! and eviction, corruption of every kind, and a threaded stress test (run under Miri
//! too, where it checks the protocol for data races).

use std::collections::VecDeque;
use std::sync::atomic::Ordering::Relaxed;

use mmring_core::spsc::{
    self, ConsumeError, Consumer, HeapRegion, InsertError, LayoutError, Policy, Producer, Region,
    record_bytes,
};
use proptest::prelude::*;

/// A message whose bytes can be checked: its sequence number, then a byte pattern
/// derived from it, of a length derived from it.
fn message(seq: u64, max_len: usize) -> Vec<u8> {
    let len = (seq.wrapping_mul(2_654_435_761) % (max_len as u64 + 1)) as usize;
    let mut out = seq.to_le_bytes().to_vec();
    out.extend((0..len).map(|i| (seq as u8).wrapping_mul(31).wrapping_add(i as u8)));
    out
}

/// Checks a message built by [`message`] and returns its sequence number.
fn check(bytes: &[u8], max_len: usize) -> u64 {
    assert!(bytes.len() >= 8, "torn message: {bytes:?}");
    let seq = u64::from_le_bytes(bytes[..8].try_into().unwrap());
    assert_eq!(bytes, message(seq, max_len), "torn message {seq}");
    seq
}

/// Reference model: what a ring of `capacity` bytes holds, placed exactly as the
/// protocol places records (padding at the wrap), with evictions counted.
struct Model {
    capacity: u64,
    policy: Policy,
    /// (start position, record bytes, message) of every unread record.
    held: VecDeque<(u64, u64, Vec<u8>)>,
    write_pos: u64,
    /// End of the last record consumed: under `Reject` everything from here on (unread
    /// padding included) is still needed.
    read_pos: u64,
    dropped: u64,
}

impl Model {
    fn new(capacity: usize, policy: Policy) -> Self {
        Self {
            capacity: capacity as u64,
            policy,
            held: VecDeque::new(),
            write_pos: 0,
            read_pos: 0,
            dropped: 0,
        }
    }

    fn consume(&mut self) -> Option<Vec<u8>> {
        let (start, record, message) = self.held.pop_front()?;
        self.read_pos = start + record;
        Some(message)
    }

    fn place(&self, pos: u64, record: u64) -> u64 {
        if pos % self.capacity + record > self.capacity {
            pos.next_multiple_of(self.capacity)
        } else {
            pos
        }
    }

    fn insert_batch(&mut self, messages: &[Vec<u8>]) -> Result<(), InsertError> {
        let max = self.capacity as usize / 2 - 16;
        let mut placed = Vec::new();
        let mut end = self.write_pos;
        for m in messages {
            if m.len() > max {
                return Err(InsertError::TooLarge { len: m.len(), max });
            }
            let record = record_bytes(m.len()) as u64;
            let at = self.place(end, record);
            placed.push((at, record, m.clone()));
            end = at + record;
        }
        if end - self.write_pos > self.capacity {
            return Err(InsertError::TooLarge {
                len: (end - self.write_pos) as usize,
                max,
            });
        }
        match self.policy {
            Policy::Reject => {
                if end - self.read_pos > self.capacity {
                    return Err(InsertError::Full);
                }
            }
            Policy::DropOldest => {
                // Evicting skips padding: only the first unread record is needed.
                let oldest = |held: &VecDeque<(u64, u64, Vec<u8>)>, write_pos| {
                    held.front()
                        .map_or(write_pos, |r: &(u64, u64, Vec<u8>)| r.0)
                };
                while end - oldest(&self.held, self.write_pos) > self.capacity {
                    self.held.pop_front();
                    self.dropped += 1;
                }
            }
        }
        if !messages.is_empty() {
            self.held.extend(placed);
            self.write_pos = end;
        }
        Ok(())
    }
}

#[derive(Debug, Clone)]
enum Op {
    Insert(usize),
    Batch(Vec<usize>),
    Consume,
    PeekLeft,
    PeekRight,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0usize..80).prop_map(Op::Insert),
        1 => prop::collection::vec(0usize..40, 0..4).prop_map(Op::Batch),
        3 => Just(Op::Consume),
        1 => Just(Op::PeekLeft),
        1 => Just(Op::PeekRight),
    ]
}

fn run_model(capacity: usize, policy: Policy, ops: &[Op]) -> Result<(), TestCaseError> {
    let (mut tx, mut rx) = spsc::channel(capacity, policy).unwrap();
    let mut model = Model::new(capacity, policy);
    let mut n = 0u8;
    let mut next = |len: usize| {
        n = n.wrapping_add(1);
        vec![n; len]
    };
    for op in ops {
        match op {
            Op::Insert(len) => {
                let m = next(*len);
                prop_assert_eq!(tx.insert(&m), model.insert_batch(std::slice::from_ref(&m)));
            }
            Op::Batch(lens) => {
                let batch: Vec<Vec<u8>> = lens.iter().map(|&len| next(len)).collect();
                let refs: Vec<&[u8]> = batch.iter().map(Vec::as_slice).collect();
                prop_assert_eq!(tx.insert_batch(&refs), model.insert_batch(&batch));
            }
            Op::Consume => {
                let want = model.consume();
                prop_assert_eq!(rx.try_consume().unwrap(), want);
            }
            Op::PeekLeft => {
                let want = model.held.front().map(|r| r.2.clone());
                prop_assert_eq!(rx.peekleft().unwrap(), want);
            }
            Op::PeekRight => {
                let want = model.held.back().map(|r| r.2.clone());
                prop_assert_eq!(rx.peekright().unwrap(), want);
            }
        }
        prop_assert_eq!(rx.len(), model.held.len());
        prop_assert_eq!(tx.len(), model.held.len());
        prop_assert_eq!(rx.dropped(), model.dropped);
        prop_assert_eq!(tx.dropped(), model.dropped);
    }
    Ok(())
}

fn cases() -> ProptestConfig {
    ProptestConfig::with_cases(if cfg!(miri) { 4 } else { 512 })
}

fn op_count() -> std::ops::Range<usize> {
    if cfg!(miri) { 0..30 } else { 0..200 }
}

proptest! {
    #![proptest_config(cases())]

    #[test]
    fn drop_oldest_matches_the_model(
        capacity in prop::sample::select(vec![32usize, 64, 128, 256]),
        ops in prop::collection::vec(op(), op_count()),
    ) {
        run_model(capacity, Policy::DropOldest, &ops)?;
    }

    #[test]
    fn reject_matches_the_model(
        capacity in prop::sample::select(vec![32usize, 64, 128, 256]),
        ops in prop::collection::vec(op(), op_count()),
    ) {
        run_model(capacity, Policy::Reject, &ops)?;
    }

    /// Whatever a peer writes into the region, the consumer returns messages or
    /// errors, never panics, and stops.
    #[test]
    fn consumer_survives_arbitrary_region_contents(
        words in prop::collection::vec(any::<u64>(), 8),
        write_pos in 0u64..200,
        oldest in 0u64..200,
        policy in prop::sample::select(vec![Policy::DropOldest, Policy::Reject]),
        small in any::<bool>(),
    ) {
        let region = HeapRegion::new(64).unwrap();
        for (slot, word) in region.data().iter().zip(&words) {
            // Small lengths and valid kinds make it past the first checks more often.
            let word = if small { word & 0x0000_0003_0000_003f } else { *word };
            slot.store(word, Relaxed);
        }
        let line = &region.control().producer;
        line.write_pos.store(write_pos, Relaxed);
        region.control().cold.oldest.store(oldest, Relaxed);
        line.newest.store(oldest, Relaxed);
        line.written.store(write_pos / 16, Relaxed);
        if let Ok(mut rx) = Consumer::new(region, policy, 16) {
            for _ in 0..10 {
                let _ = rx.peekright();
                let _ = rx.peekleft();
                match rx.try_consume() {
                    Ok(Some(m)) => prop_assert!(m.len() <= 16),
                    Ok(None) | Err(ConsumeError::Corrupt { .. }) => break,
                    Err(other) => panic!("unexpected error {other:?}"),
                }
            }
        }
    }
}

/// Every control word a peer can write, anywhere in `u64`, with or without a valid
/// stream behind it: opening either side and every call on it returns (a value or a
/// typed error), never panics, even with overflow checks on (run it in the `hostile`
/// profile: `cargo test --profile hostile -p mmring-core --test spsc`).
fn hostile_control(region: &HeapRegion, words: &[u64; 8]) {
    let control = region.control();
    let targets = [
        &control.producer.write_pos,
        &control.producer.newest,
        &control.producer.written,
        &control.consumer.read_pos,
        &control.consumer.read_seq,
        &control.consumer.read,
        &control.cold.oldest,
        &control.cold.oldest_seq,
    ];
    for (target, &word) in targets.iter().zip(words) {
        target.store(word, Relaxed);
    }
}

/// A word that is often near a boundary: 0, a small position, near 2^62 or u64::MAX.
fn edgy() -> impl Strategy<Value = u64> {
    prop_oneof![
        Just(0u64),
        0u64..512,
        (0u64..64).prop_map(|d| spsc::MAX_POSITION - d * 8),
        (0u64..64).prop_map(|d| u64::MAX - d),
        any::<u64>(),
    ]
}

proptest! {
    #![proptest_config(cases())]

    #[test]
    fn hostile_control_words_never_panic_either_side(
        words in prop::array::uniform8(edgy()),
        data in prop::collection::vec(edgy(), 16),
        policy in prop::sample::select(vec![Policy::DropOldest, Policy::Reject]),
        honest_prefix in 0usize..6,
    ) {
        let region = HeapRegion::new(128).unwrap();
        let mut tx = Producer::new(region.clone(), policy, 48).unwrap();
        for seq in 0..honest_prefix as u64 {
            let _ = tx.insert(&message(seq, 32));
        }
        for (slot, &word) in region.data().iter().zip(&data) {
            if word % 3 == 0 {
                slot.store(word, Relaxed);
            }
        }
        hostile_control(&region, &words);
        let _ = (tx.len(), tx.dropped(), tx.is_empty());
        if let Ok(mut rx) = Consumer::new(region.clone(), policy, 48) {
            for _ in 0..8 {
                let _ = (rx.len(), rx.dropped(), rx.read());
                let _ = rx.peekright();
                let _ = rx.peekleft();
                if let Ok(Some(m)) = rx.try_consume() {
                    prop_assert!(m.len() <= 48);
                }
            }
        }
        if let Ok(mut tx) = Producer::new(region, policy, 48) {
            for seq in 0..4 {
                let _ = tx.insert(&message(seq, 32));
            }
            let _ = (tx.len(), tx.dropped());
        }
    }
}

/// A `newest` near `u64::MAX` (once an overflow panic in `peekright`, and an unrelated
/// message in a release build) is corrupt; so is one that is not a record of the
/// current lap. Counters near `u64::MAX` leave `dropped` saturated, not overflowed.
#[test]
fn hostile_newest_and_counters_are_corrupt_not_a_panic() {
    let (mut tx, mut rx) = spsc::channel(128, Policy::DropOldest).unwrap();
    tx.insert_batch(&[b"one", b"two", b"three"]).unwrap();
    let region = rx.region().clone();
    let producer = &region.control().producer;
    for newest in [u64::MAX - 7, !7, spsc::MAX_POSITION, 8, 4096] {
        producer.newest.store(newest, Relaxed);
        assert!(
            matches!(rx.peekright(), Err(ConsumeError::Corrupt { .. })),
            "newest {newest}: {:?}",
            rx.peekright()
        );
    }
    producer.newest.store(48, Relaxed);
    assert_eq!(rx.peekright().unwrap(), Some(b"three".to_vec()));

    let control = region.control();
    control.consumer.read_seq.store(u64::MAX, Relaxed);
    control.consumer.read.store(0, Relaxed);
    control.cold.oldest_seq.store(u64::MAX, Relaxed);
    assert_eq!(tx.dropped(), u64::MAX);
    // A consumer refuses counters no stream can have.
    assert!(matches!(
        Consumer::new(region.clone(), Policy::DropOldest, 48),
        Err(LayoutError::Indices { .. })
    ));
    control.consumer.read_seq.store(1, Relaxed);
    control.consumer.read.store(2, Relaxed);
    assert!(matches!(
        Consumer::new(region, Policy::DropOldest, 48),
        Err(LayoutError::Indices { .. })
    ));
}

/// A `write_pos` far ahead of the consumer over a 32-byte ring of padding words made
/// one `try_consume` walk lap after lap for ever (found by the fuzzer). A valid stream
/// is never more than one capacity ahead of the oldest unread record: anything else
/// is corrupt, found in one call.
#[test]
fn a_write_position_laps_ahead_is_corrupt_at_once() {
    for policy in [Policy::DropOldest, Policy::Reject] {
        let region = HeapRegion::new(32).unwrap();
        let mut rx = Consumer::new(region.clone(), policy, 0).unwrap();
        region.data()[0].store(2 << 32, Relaxed); // a padding word at the start of a lap
        let control = region.control();
        control.producer.write_pos.store(0x3b_5a28_fa00, Relaxed);
        control.producer.written.store(1 << 20, Relaxed);
        if policy == Policy::DropOldest {
            control.cold.oldest.store(0xffff_0000, Relaxed);
        }
        assert!(
            matches!(
                rx.try_consume(),
                Err(ConsumeError::Corrupt {
                    reason: "more unread bytes than the ring holds",
                    ..
                })
            ),
            "{policy:?}"
        );
        // Within one capacity, padding at a lap start is corrupt too.
        control.producer.write_pos.store(0xffff_0000 + 32, Relaxed);
        control.consumer.read_pos.store(0xffff_0000, Relaxed);
        let mut rx = Consumer::new(region.clone(), policy, 0).unwrap();
        assert!(
            matches!(
                rx.try_consume(),
                Err(ConsumeError::Corrupt {
                    reason: "padding at the start of a lap",
                    ..
                })
            ),
            "{policy:?}"
        );
    }
}

#[test]
fn capacity_must_be_a_power_of_two_of_at_least_32() {
    for capacity in [0, 8, 16, 48, 100] {
        assert!(matches!(
            spsc::channel(capacity, Policy::Reject),
            Err(LayoutError::Capacity { .. })
        ));
    }
    assert!(spsc::channel(32, Policy::Reject).is_ok());
}

#[test]
fn max_message_must_fit_a_record() {
    let region = HeapRegion::new(64).unwrap();
    assert_eq!(
        Producer::new(region.clone(), Policy::Reject, 17).unwrap_err(),
        LayoutError::MaxMessage {
            max_message: 17,
            capacity: 64
        }
    );
    assert!(Consumer::new(region.clone(), Policy::Reject, 17).is_err());
    assert!(Producer::new(region, Policy::Reject, 16).is_ok());
}

#[test]
fn a_message_that_can_never_fit_is_too_large() {
    let (mut tx, _rx) = spsc::channel(64, Policy::DropOldest).unwrap();
    assert_eq!(
        tx.insert(&[0; 17]),
        Err(InsertError::TooLarge { len: 17, max: 16 })
    );
    tx.insert(&[0; 16]).unwrap();
    // Two 32-byte records fit 64 bytes; a batch of three never can.
    let m = [0u8; 16];
    assert!(matches!(
        tx.insert_batch(&[&m, &m, &m]),
        Err(InsertError::TooLarge { len: 96, .. })
    ));
}

#[test]
fn empty_messages_round_trip() {
    let (mut tx, mut rx) = spsc::channel(64, Policy::Reject).unwrap();
    tx.insert(b"").unwrap();
    tx.insert_batch(&[b"", b"x"]).unwrap();
    assert_eq!(rx.try_consume().unwrap(), Some(vec![]));
    assert_eq!(rx.try_consume().unwrap(), Some(vec![]));
    assert_eq!(rx.try_consume().unwrap(), Some(b"x".to_vec()));
    assert_eq!(rx.try_consume().unwrap(), None);
}

#[test]
fn records_wrap_with_padding_and_stay_contiguous() {
    let (mut tx, mut rx) = spsc::channel(128, Policy::Reject).unwrap();
    tx.insert(&[1; 40]).unwrap(); // 56 bytes at 0
    tx.insert(&[2; 40]).unwrap(); // 56 bytes at 56
    assert_eq!(rx.try_consume().unwrap(), Some(vec![1; 40]));
    tx.insert(&[3; 40]).unwrap(); // does not fit 112..128: padding, then at 128
    assert_eq!(rx.peekright().unwrap(), Some(vec![3; 40]));
    assert_eq!(rx.try_consume().unwrap(), Some(vec![2; 40]));
    assert_eq!(rx.try_consume().unwrap(), Some(vec![3; 40]));
}

#[test]
fn reject_never_loses_a_message() {
    let (mut tx, mut rx) = spsc::channel(128, Policy::Reject).unwrap();
    let mut sent = 0u64;
    let mut got = 0u64;
    let mut out = Vec::new();
    for round in 0..200 {
        while tx.insert(&message(sent, 30)).is_ok() {
            sent += 1;
        }
        for _ in 0..round % 4 + 1 {
            if rx.try_consume_into(&mut out).unwrap() {
                assert_eq!(check(&out, 30), got);
                got += 1;
            }
        }
    }
    while rx.try_consume_into(&mut out).unwrap() {
        assert_eq!(check(&out, 30), got);
        got += 1;
    }
    assert_eq!((got, rx.dropped()), (sent, 0));
}

#[test]
fn a_corrupt_length_is_an_error_not_a_panic() {
    let region = HeapRegion::new(64).unwrap();
    let mut tx = Producer::new(region.clone(), Policy::Reject, 16).unwrap();
    tx.insert(b"hello").unwrap();
    region.data()[0].store(u64::from(u32::MAX) | (1 << 32), Relaxed);
    let mut rx = Consumer::new(region, Policy::Reject, 16).unwrap();
    assert!(matches!(
        rx.try_consume(),
        Err(ConsumeError::Corrupt {
            position: 0,
            reason: "length exceeds the largest message"
        })
    ));
    // The consumer stays put: the same error again, no progress into garbage.
    assert!(rx.try_consume().is_err());
}

#[test]
fn an_unknown_record_kind_is_corrupt() {
    let region = HeapRegion::new(64).unwrap();
    let mut tx = Producer::new(region.clone(), Policy::DropOldest, 16).unwrap();
    tx.insert(b"hello").unwrap();
    region.data()[0].store(7 << 32, Relaxed);
    let mut rx = Consumer::new(region, Policy::DropOldest, 16).unwrap();
    assert!(matches!(
        rx.try_consume(),
        Err(ConsumeError::Corrupt {
            reason: "unknown record kind",
            ..
        })
    ));
}

/// A producer that published an eviction of everything and died before writing: the
/// newest record reads as evicted for good. `peekright` must answer `None`, not retry
/// forever (found while building `shm`).
#[test]
fn peekright_returns_when_the_newest_record_is_evicted_for_good() {
    let (mut tx, mut rx) = spsc::channel(64, Policy::DropOldest).unwrap();
    tx.insert(b"only").unwrap();
    let control = rx.region().control();
    control
        .cold
        .oldest
        .store(control.producer.write_pos.load(Relaxed), Relaxed);
    let (done, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = done.send(rx.peekright());
    });
    let answer = finished.recv_timeout(std::time::Duration::from_secs(30));
    assert_eq!(answer.expect("peekright did not return"), Ok(None));
}

/// Sequence numbers and positions read from the region are bounded before any
/// arithmetic: a number at or past `written`, or a position past `MAX_POSITION`, is
/// corrupt.
#[test]
fn out_of_range_numbers_from_the_region_are_corrupt() {
    let region = HeapRegion::new(64).unwrap();
    let mut tx = Producer::new(region.clone(), Policy::DropOldest, 16).unwrap();
    tx.insert(b"x").unwrap();
    region.data()[1].store(u64::MAX, Relaxed);
    let mut rx = Consumer::new(region.clone(), Policy::DropOldest, 16).unwrap();
    assert!(matches!(
        rx.try_consume(),
        Err(ConsumeError::Corrupt {
            reason: "sequence number not yet written",
            ..
        })
    ));
    let huge = spsc::MAX_POSITION + 8;
    region.control().producer.write_pos.store(huge, Relaxed);
    assert!(matches!(
        Consumer::new(region.clone(), Policy::DropOldest, 16),
        Err(LayoutError::Indices { .. })
    ));
    assert!(Producer::new(region, Policy::DropOldest, 16).is_err());
}

#[test]
fn inconsistent_indices_are_refused_at_open() {
    let region = HeapRegion::new(64).unwrap();
    region.control().producer.write_pos.store(12, Relaxed);
    assert!(matches!(
        Consumer::new(region.clone(), Policy::Reject, 16),
        Err(LayoutError::Indices { .. })
    ));
    region.control().producer.write_pos.store(16, Relaxed);
    region.control().consumer.read_pos.store(24, Relaxed);
    assert!(Consumer::new(region.clone(), Policy::Reject, 16).is_err());
    assert!(Producer::new(region, Policy::Reject, 16).is_err());
}

#[test]
fn both_sides_resume_from_the_region() {
    let region = HeapRegion::new(128).unwrap();
    let mut tx = Producer::new(region.clone(), Policy::DropOldest, 48).unwrap();
    let mut rx = Consumer::new(region.clone(), Policy::DropOldest, 48).unwrap();
    tx.insert_batch(&[b"a", b"b", b"c"]).unwrap();
    assert_eq!(rx.try_consume().unwrap(), Some(b"a".to_vec()));
    drop((tx, rx));
    let mut tx = Producer::new(region.clone(), Policy::DropOldest, 48).unwrap();
    let mut rx = Consumer::new(region, Policy::DropOldest, 48).unwrap();
    tx.insert(b"d").unwrap();
    let rest: Vec<_> = std::iter::from_fn(|| rx.try_consume().unwrap()).collect();
    assert_eq!(rest, [b"b".to_vec(), b"c".to_vec(), b"d".to_vec()]);
    assert_eq!((rx.read(), tx.written()), (4, 4));
}

/// A producer floods a small ring while a consumer drains it at full speed: every
/// message delivered is whole, in order, never twice, and delivered + dropped = sent.
/// Under Miri this also checks the protocol for data races.
#[test]
fn drop_oldest_stress_delivers_whole_ordered_messages() {
    let capacities: &[usize] = if cfg!(miri) {
        &[64, 256]
    } else {
        &[64, 256, 2048]
    };
    for &capacity in capacities {
        let total: u64 = if cfg!(miri) { 150 } else { 200_000 };
        let max_len = capacity / 2 - 16 - 8;
        let (mut tx, mut rx) = spsc::channel(capacity, Policy::DropOldest).unwrap();
        let producer = std::thread::spawn(move || {
            for seq in 0..total {
                tx.insert(&message(seq, max_len)).unwrap();
            }
        });
        let mut out = Vec::new();
        let mut delivered = 0u64;
        let mut last: Option<u64> = None;
        let mut drain = |rx: &mut Consumer<HeapRegion>| {
            while rx.try_consume_into(&mut out).unwrap() {
                let seq = check(&out, max_len);
                assert!(last.is_none_or(|l| seq > l), "{seq} after {last:?}");
                last = Some(seq);
                delivered += 1;
            }
        };
        while !producer.is_finished() {
            drain(&mut rx);
        }
        producer.join().unwrap();
        drain(&mut rx);
        assert_eq!(last, Some(total - 1), "the newest message survives");
        assert_eq!(delivered + rx.dropped(), total);
    }
}
