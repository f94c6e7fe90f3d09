//! Random corruption of a valid ring file's header and data: opening and consuming
//! must give messages or typed errors, never a panic or a hang.
#![cfg(unix)]

mod shm_common;

#[path = "../fuzz/common/ring_file.rs"]
#[allow(dead_code)] // the fuzz input decoding is not used here
mod ring_file;

use std::sync::OnceLock;

use mmring_native::shm::{ShmConfig, ShmConsumer, ShmProducer};
use mmring_native::spsc::Policy;
use proptest::prelude::*;
use shm_common::*;

const CAPACITY: usize = 512;

/// Valid files to start from: both policies, wrapped, partly read.
fn templates() -> &'static [Vec<u8>; 2] {
    static TEMPLATES: OnceLock<[Vec<u8>; 2]> = OnceLock::new();
    TEMPLATES.get_or_init(|| {
        [Policy::DropOldest, Policy::Reject].map(|policy| {
            let path = temp_path("prop-template");
            let _clean = Cleanup(path.clone());
            let config = ShmConfig::at_path(&path, CAPACITY).with_policy(policy);
            let mut tx = ShmProducer::create(&config).unwrap();
            let mut rx = ShmConsumer::open(&config).unwrap();
            let mut message = Vec::new();
            for seq in 0..40 {
                make_message(seq, len_for(seq, 0, 60), &mut message);
                if tx.insert(&message).is_err() {
                    rx.consume_all().unwrap();
                    tx.insert(&message).unwrap();
                }
                if seq % 4 == 0 {
                    rx.try_consume().unwrap();
                }
            }
            if tx.insert_packed(&[b"a", b"", b"bc"]).is_err() {
                rx.try_consume().unwrap();
                tx.insert_packed(&[b"a", b"", b"bc"]).unwrap();
            }
            drop((tx, rx));
            std::fs::read(&path).unwrap()
        })
    })
}

/// Drives every read call, in turn, on whatever opened; all that matters is that it
/// returns.
fn exercise(bytes: &[u8]) {
    let path = temp_path("prop");
    let _clean = Cleanup(path.clone());
    ring_file::exercise_file(&path, bytes, (0..64).map(|round| round % 6));
}

fn offset() -> impl Strategy<Value = usize> {
    prop_oneof![
        0..layout::HEADER + CAPACITY,              // anywhere
        0..128usize,                               // header fields
        layout::WRITE_POS..layout::OLDEST_SEQ + 8, // indices and counters
        layout::HEADER..layout::HEADER + CAPACITY  // records
    ]
}

fn word_value() -> impl Strategy<Value = u64> {
    prop_oneof![
        any::<u64>(),
        0..4096u64,
        Just(u64::MAX),
        (0..64u64).prop_map(|d| u64::MAX - d),
        (0..64u64).prop_map(|d| (1 << 62) + d * 8),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn corrupt_bytes_never_panic(
        which in 0..2usize,
        pokes in prop::collection::vec((offset(), any::<u8>()), 1..24),
    ) {
        let mut bytes = templates()[which].clone();
        for (at, value) in pokes {
            bytes[at] = value;
        }
        exercise(&bytes);
    }

    #[test]
    fn corrupt_words_never_panic(
        which in 0..2usize,
        pokes in prop::collection::vec((offset(), word_value()), 1..8),
    ) {
        let mut bytes = templates()[which].clone();
        for (at, value) in pokes {
            let at = at / 8 * 8;
            bytes[at..at + 8].copy_from_slice(&value.to_ne_bytes());
        }
        exercise(&bytes);
    }

    #[test]
    fn truncated_or_extended_files_never_panic(which in 0..2usize, len in 0..2048usize) {
        let mut bytes = templates()[which].clone();
        bytes.resize(len, 0xA5);
        exercise(&bytes);
    }
}

/// A record whose sequence number is near `u64::MAX` (corrupt shared memory) is a
/// `Corrupt` error, not an overflow panic (debug) or wrapped counters (release).
#[test]
fn record_sequence_number_near_u64_max() {
    for which in 0..2 {
        let mut bytes = templates()[which].clone();
        // Every record's sequence number word, wherever the records are.
        for at in (layout::HEADER + 8..layout::HEADER + CAPACITY).step_by(8) {
            let mut poked = bytes.clone();
            poked[at..at + 8].copy_from_slice(&u64::MAX.to_ne_bytes());
            exercise(&poked);
        }
        bytes.clear();
    }
}
