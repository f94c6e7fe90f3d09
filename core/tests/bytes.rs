//! `BytesRingBuffer` through the public API: what only this ring has. The rules every
//! ring shares are checked once for all of them in `conformance.rs`.
//!
//! A model-based property test against a `VecDeque` reference, with and without
//! `only_insert_unique`, and named tests for the accepted byte types, zero-copy
//! hand-over, `overwrite_latest`'s results and uniqueness.

use mmring_core::{Bytes, BytesRingBuffer, CapacityError};
use proptest::prelude::*;
use support::{BYTE_READ_WEIGHT, ByteRead, Model};

mod support;

// ---------------------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------------------

/// How a message is handed to `insert`.
#[derive(Debug, Clone, Copy)]
enum Conv {
    Bytes,
    Vec,
    String,
    /// A `Bytes` that is a window into a larger buffer.
    Sliced,
}

#[derive(Debug, Clone)]
enum Op {
    Insert(Vec<u8>, Conv),
    /// Inserts a copy of a held item (by position modulo `len`): a sure duplicate.
    InsertHeld(usize),
    InsertBatch(Vec<Vec<u8>>),
    Consume,
    OverwriteLatest(Vec<u8>),
    /// Overwrites the newest with a copy of a held item (by position modulo `len`), so
    /// either another held item or the newest itself.
    OverwriteLatestHeld(usize),
    /// A read, `clear` or a clone, drawn and checked as for the fast ring.
    Read(ByteRead),
}

/// Short messages from a three-letter alphabet, so duplicates are frequent.
fn message() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(b'a'..=b'c', 0..6)
}

fn conv() -> impl Strategy<Value = Conv> {
    prop_oneof![
        Just(Conv::Bytes),
        Just(Conv::Vec),
        Just(Conv::String),
        Just(Conv::Sliced)
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (message(), conv()).prop_map(|(m, c)| Op::Insert(m, c)),
        2 => any::<usize>().prop_map(Op::InsertHeld),
        // Up to 20 items: longer than the largest capacity (16) in the test.
        3 => prop::collection::vec(message(), 0..20).prop_map(Op::InsertBatch),
        3 => Just(Op::Consume),
        2 => message().prop_map(Op::OverwriteLatest),
        2 => any::<usize>().prop_map(Op::OverwriteLatestHeld),
        BYTE_READ_WEIGHT => support::byte_read().prop_map(Op::Read),
    ]
}

fn insert_as(ring: &mut BytesRingBuffer, item: &[u8], conv: Conv) -> bool {
    match conv {
        Conv::Bytes => ring.insert(Bytes::copy_from_slice(item)),
        Conv::Vec => ring.insert(item.to_vec()),
        Conv::String => ring.insert(String::from_utf8(item.to_vec()).expect("ASCII")),
        Conv::Sliced => {
            let mut padded = b"<".to_vec();
            padded.extend_from_slice(item);
            padded.push(b'>');
            ring.insert(Bytes::from(padded).slice(1..=item.len()))
        }
    }
}

/// `overwrite_latest` on both, which must agree (on the message handed back too).
fn overwrite_latest(
    ring: &mut BytesRingBuffer,
    model: &mut Model<Vec<u8>>,
    item: Vec<u8>,
) -> Result<(), TestCaseError> {
    let got = ring.overwrite_latest(item.clone());
    let want = model.overwrite_latest(item);
    prop_assert_eq!(got, want.map(Bytes::from).map_err(Bytes::from));
    Ok(())
}

/// The invariants compared after every operation.
fn check(ring: &BytesRingBuffer, model: &Model<Vec<u8>>) -> Result<(), TestCaseError> {
    support::check_byte_ring(ring, model, ring.only_insert_unique())?;
    let (first, second) = ring.as_slices();
    prop_assert_eq!(first.len() + second.len(), model.items.len());
    prop_assert!(
        first
            .iter()
            .chain(second)
            .map(|b| &b[..])
            .eq(model.slices())
    );
    prop_assert!(ring.into_iter().eq(ring.iter()));
    Ok(())
}

fn run(capacity: usize, unique: bool, ops: Vec<Op>) -> Result<(), TestCaseError> {
    let mut ring = BytesRingBuffer::builder(capacity)
        .only_insert_unique(unique)
        .build()
        .expect("small capacity");
    let mut model = Model::new(capacity, unique);
    check(&ring, &model)?;
    for op in ops {
        match op {
            Op::Insert(item, conv) => {
                prop_assert_eq!(
                    insert_as(&mut ring, &item, conv),
                    model.insert(item).is_some()
                );
            }
            Op::InsertHeld(i) => {
                if !model.items.is_empty() {
                    let item = model.items[i % model.items.len()].clone();
                    prop_assert_eq!(
                        ring.insert(item.clone()),
                        model.insert(item.clone()).is_some()
                    );
                    prop_assert!(ring.contains(&item));
                }
            }
            Op::InsertBatch(items) => {
                for item in &items {
                    model.insert(item.clone());
                }
                ring.insert_batch(items);
            }
            Op::Consume => {
                let got = ring.consume();
                let want = model.items.pop_front();
                prop_assert_eq!(got.as_deref(), want.as_deref());
                if let Some(gone) = want {
                    prop_assert_eq!(ring.contains(&gone), model.items.contains(&gone));
                }
            }
            Op::OverwriteLatest(item) => overwrite_latest(&mut ring, &mut model, item)?,
            Op::OverwriteLatestHeld(i) => {
                if !model.items.is_empty() {
                    let item = model.items[i % model.items.len()].clone();
                    overwrite_latest(&mut ring, &mut model, item)?;
                }
            }
            Op::Read(read) => support::apply_byte_read(&mut ring, &mut model, read)?,
        }
        check(&ring, &model)?;
    }
    Ok(())
}

proptest! {
    #![proptest_config(support::config_for_both_modes())]

    #[test]
    fn matches_model(
        capacity in 1usize..=9,
        unique in any::<bool>(),
        ops in prop::collection::vec(op(), 0..support::MAX_OPS),
    ) {
        run(capacity, unique, ops)?;
    }
}

// ---------------------------------------------------------------------------------------
// Capacity
// ---------------------------------------------------------------------------------------

fn ring(capacity: usize, unique: bool) -> BytesRingBuffer {
    BytesRingBuffer::builder(capacity)
        .only_insert_unique(unique)
        .build()
        .unwrap()
}

#[test]
fn capacity_too_large_for_memory_is_an_allocation_error() {
    // Rounds fine, but the storage is larger than `isize::MAX` bytes: refused before
    // the allocator is asked.
    for unique in [false, true] {
        let err = BytesRingBuffer::builder(usize::MAX / 2 + 1)
            .only_insert_unique(unique)
            .build()
            .unwrap_err();
        assert!(
            matches!(err, CapacityError::Allocation { capacity, .. } if capacity == usize::MAX / 2 + 1),
            "{err:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// Inserting and reading
// ---------------------------------------------------------------------------------------

#[test]
fn insert_accepts_common_byte_types() {
    let mut ring = BytesRingBuffer::new(8).unwrap();
    assert!(ring.insert(Bytes::from_static(b"bytes")));
    assert!(ring.insert(b"vec".to_vec()));
    assert!(ring.insert("str"));
    assert!(ring.insert(&b"slice"[..]));
    assert!(ring.insert(String::from("string")));
    assert!(ring.insert(vec![0u8; 0]));
    assert_eq!(
        ring.unwrapped(),
        [&b"bytes"[..], b"vec", b"str", b"slice", b"string", b""]
    );
}

#[test]
fn consume_hands_back_the_same_bytes_without_copying() {
    let mut ring = BytesRingBuffer::new(4).unwrap();
    let message = Bytes::from(vec![7u8; 64]);
    let address = message.as_ptr();
    ring.insert(message);
    assert_eq!(ring.peekleft().unwrap().as_ptr(), address);
    assert_eq!(ring.unwrapped()[0].as_ptr(), address);
    let consumed = ring.consume().unwrap();
    assert_eq!(consumed.as_ptr(), address);
    assert_eq!(consumed, vec![7u8; 64]);
}

/// No silent write into an invisible slot: the message comes back.
#[test]
fn overwrite_latest_on_empty_gives_the_message_back() {
    for unique in [false, true] {
        let mut ring = ring(4, unique);
        assert_eq!(ring.overwrite_latest("x"), Err(Bytes::from("x")));
        assert!(ring.is_empty());
        assert_eq!(ring.peekright(), None);
        assert!(!ring.contains(b"x"));
        ring.insert("a");
        assert_eq!(ring.consume().as_deref(), Some(&b"a"[..]));
        assert_eq!(ring.overwrite_latest("y"), Err(Bytes::from("y")));
        assert!(ring.is_empty());
    }
}

#[test]
fn overwrite_latest_replaces_the_newest() {
    let mut ring = BytesRingBuffer::new(4).unwrap();
    ring.insert_batch(["a", "b"]);
    assert_eq!(ring.overwrite_latest("c"), Ok(Bytes::from("b")));
    assert_eq!(ring.unwrapped(), [&b"a"[..], b"c"]);
    // Without uniqueness a value equal to another held one is fine.
    assert_eq!(ring.overwrite_latest("a"), Ok(Bytes::from("c")));
    assert_eq!(ring.unwrapped(), [&b"a"[..], b"a"]);
    assert_eq!(ring.overwritten(), 0);
}

#[test]
#[should_panic(expected = "index out of bounds")]
fn index_past_the_end_panics() {
    let mut ring = BytesRingBuffer::new(4).unwrap();
    ring.insert("a");
    let _ = &ring[1];
}

#[test]
fn contains_compares_contents() {
    for unique in [false, true] {
        let mut ring = ring(4, unique);
        assert!(!ring.contains(b""));
        ring.insert_batch(["", "ab"]);
        assert!(ring.contains(b""));
        assert!(ring.contains(b"ab"));
        assert!(!ring.contains(b"a"));
        assert!(!ring.contains(b"abc"));
    }
}

#[test]
fn extend_inserts_like_insert_batch() {
    let mut ring = ring(4, true);
    ring.extend(["x", "y", "x"]);
    assert_eq!(ring.unwrapped(), [&b"x"[..], b"y"]);
}

#[test]
fn debug_lists_the_messages() {
    let mut ring = BytesRingBuffer::new(4).unwrap();
    assert_eq!(format!("{ring:?}"), "[]");
    ring.insert_batch(["a", "bc"]);
    assert_eq!(format!("{ring:?}"), r#"[b"a", b"bc"]"#);
    assert_eq!(format!("{:?}", ring.iter()), r#"[b"a", b"bc"]"#);
    let builder = BytesRingBuffer::builder(4).only_insert_unique(true);
    let text = format!("{builder:?}");
    assert!(text.contains("only_insert_unique: true"), "{text}");
}

#[test]
fn equality_compares_messages_not_counters_or_options() {
    let mut a = BytesRingBuffer::new(2).unwrap();
    let mut b = ring(8, true);
    a.insert_batch(["0", "1", "2"]);
    b.insert_batch(["1", "2"]);
    assert_ne!(a.overwritten(), b.overwritten());
    assert_eq!(a, b);
    b.insert("3");
    assert_ne!(a, b);
}

// ---------------------------------------------------------------------------------------
// Uniqueness
// ---------------------------------------------------------------------------------------

#[test]
fn unique_ring_skips_a_held_message() {
    let mut ring = ring(4, true);
    assert!(ring.insert("a"));
    assert!(!ring.insert("a"));
    assert!(!ring.insert(b"a".to_vec()));
    assert!(ring.insert("b"));
    assert!(ring.insert(""));
    assert!(!ring.insert(""));
    assert_eq!(ring.unwrapped(), [&b"a"[..], b"b", b""]);
    assert_eq!(ring.overwritten(), 0);
}

#[test]
fn unique_overwrite_latest_gives_a_refused_message_back_and_keeps_an_equal_newest() {
    let mut ring = ring(4, true);
    ring.insert_batch(["a", "b", "c"]);
    assert_eq!(ring.overwrite_latest("a"), Err(Bytes::from("a")));
    // Equal to the newest itself: the new `Bytes` replaces it.
    let newest = Bytes::from(b"c".to_vec());
    let address = newest.as_ptr();
    assert_eq!(ring.overwrite_latest(newest), Ok(Bytes::from("c")));
    assert_eq!(ring.peekright().unwrap().as_ptr(), address);
    assert!(
        ring.clone().only_insert_unique(),
        "a clone keeps the option"
    );
}
