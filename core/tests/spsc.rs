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
use support::{check, message};

mod support;

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
