//! Packed framing through the public API: round trips, the bytes Python's framing
//! produces, and corrupt frames (including 1–3 trailing bytes) refused.

use mmring_core::packed::{PackedError, iter, pack, pack_into, try_pack_into, unpack};
use proptest::prelude::*;

fn as_slices(msgs: &[Vec<u8>]) -> Vec<&[u8]> {
    msgs.iter().map(Vec::as_slice).collect()
}

#[test]
fn empty_list_packs_to_empty_frame() {
    assert_eq!(pack(Vec::<&[u8]>::new()), Vec::<u8>::new());
}

#[test]
fn empty_frame_unpacks_to_no_messages() {
    assert_eq!(unpack(&[]), Ok(Vec::new()));
    assert_eq!(iter(&[]).next(), None);
}

#[test]
fn single_empty_message_is_four_zero_bytes() {
    let frame = pack([&b""[..]]);
    assert_eq!(frame, [0, 0, 0, 0]);
    assert_eq!(unpack(&frame), Ok(vec![&b""[..]]));
}

#[test]
fn known_bytes_match_the_python_framing() {
    // struct.pack("<I", 2) + b"ab" + struct.pack("<I", 1) + b"c"
    let frame = pack([&b"ab"[..], b"c"]);
    assert_eq!(frame, [2, 0, 0, 0, b'a', b'b', 1, 0, 0, 0, b'c']);
    assert_eq!(unpack(&frame), Ok(vec![&b"ab"[..], b"c"]));
}

#[test]
fn length_prefix_is_little_endian_u32() {
    let msg = vec![7u8; 0x0102];
    let frame = pack([msg.as_slice()]);
    assert_eq!(frame[..4], [0x02, 0x01, 0, 0]);
    assert_eq!(frame.len(), 4 + msg.len());
}

#[test]
fn round_trip_of_mixed_sizes_binary_and_utf8() {
    let msgs: Vec<Vec<u8>> = vec![
        Vec::new(),
        b"x".to_vec(),
        "héllo, wörld — ✓ 🦀".as_bytes().to_vec(),
        (0..=255).collect(),
        vec![0; 4],
        Vec::new(),
        vec![0xff; 70_000],
        b"\0\0\0\0\x01".to_vec(),
    ];
    let frame = pack(as_slices(&msgs));
    let expected_len: usize = msgs.iter().map(|m| 4 + m.len()).sum();
    assert_eq!(frame.len(), expected_len);
    assert_eq!(unpack(&frame), Ok(as_slices(&msgs)));
    let via_iter: Vec<&[u8]> = iter(&frame).map(Result::unwrap).collect();
    assert_eq!(via_iter, as_slices(&msgs));
}

#[test]
fn trailing_bytes_are_corrupt() {
    let valid = pack([&b"ab"[..], b"", b"cde"]);
    for trailing in 1..=3 {
        let mut frame = valid.clone();
        frame.extend(std::iter::repeat_n(0xAA, trailing));
        assert_eq!(
            unpack(&frame),
            Err(PackedError::Corrupt {
                offset: valid.len()
            }),
            "{trailing} trailing byte(s)"
        );
    }
    // Trailing bytes alone, with no message before them.
    for trailing in 1..=3 {
        assert_eq!(
            unpack(&vec![0; trailing]),
            Err(PackedError::Corrupt { offset: 0 })
        );
    }
}

#[test]
fn length_past_the_end_names_its_prefix() {
    // "ab" is fine; the second prefix (at byte 6) claims 5 bytes but 2 remain.
    let mut frame = pack([&b"ab"[..]]);
    frame.extend_from_slice(&[5, 0, 0, 0, b'c', b'd']);
    assert_eq!(unpack(&frame), Err(PackedError::Corrupt { offset: 6 }));

    // A huge length in the last prefix must not overflow or panic.
    let mut frame = pack([&b"ab"[..], b"c"]);
    frame.extend_from_slice(&u32::MAX.to_le_bytes());
    assert_eq!(unpack(&frame), Err(PackedError::Corrupt { offset: 11 }));
}

#[test]
fn iter_yields_messages_then_the_error_then_is_fused() {
    let mut frame = pack([&b"one"[..], b"two"]);
    frame.extend_from_slice(&[9, 0, 0, 0, b'x']);
    let mut msgs = iter(&frame);
    assert_eq!(msgs.next(), Some(Ok(&b"one"[..])));
    assert_eq!(msgs.next(), Some(Ok(&b"two"[..])));
    assert_eq!(msgs.next(), Some(Err(PackedError::Corrupt { offset: 14 })));
    for _ in 0..3 {
        assert_eq!(msgs.next(), None);
    }
    assert_eq!(msgs.size_hint(), (0, Some(0)));
}

#[test]
fn iter_clone_resumes_at_the_same_place() {
    let frame = pack([&b"a"[..], b"b", b"c"]);
    let mut msgs = iter(&frame);
    msgs.next();
    let rest: Vec<_> = msgs.clone().collect();
    assert_eq!(rest, msgs.collect::<Vec<_>>());
    assert_eq!(rest, [Ok(&b"b"[..]), Ok(&b"c"[..])]);
}

#[test]
fn pack_into_clears_and_reuses_the_buffer() {
    let mut out = Vec::new();
    pack_into(&mut out, [&[1u8; 100][..], &[2; 50]]);
    assert_eq!(out, pack([&[1u8; 100][..], &[2; 50]]));
    let capacity = out.capacity();
    let ptr = out.as_ptr();

    let second: [&[u8]; 2] = [b"small", b""];
    pack_into(&mut out, second);
    assert_eq!(out, pack(second));
    assert!(out.capacity() >= capacity);
    assert_eq!(out.as_ptr(), ptr, "a smaller frame must not reallocate");

    pack_into(&mut out, Vec::<&[u8]>::new());
    assert!(out.is_empty());
    assert!(out.capacity() >= capacity);
}

#[test]
fn try_pack_into_matches_pack_and_clears_old_contents() {
    let mut out = vec![0xEE; 32];
    let msgs: [&[u8]; 3] = [b"ab", b"", b"c"];
    assert_eq!(try_pack_into(&mut out, msgs), Ok(()));
    assert_eq!(out, pack(msgs));
}

/// The only honest way to reach `TooLarge` from outside: a real slice longer
/// than `u32::MAX`. `vec![0; n]` asks for zeroed memory, which Linux maps lazily,
/// and the length is checked before any byte is copied, so little memory is
/// touched (4 GiB of address space, a few pages of memory).
/// The length check itself is unit-tested in `packed.rs`.
#[test]
#[cfg(all(target_pointer_width = "64", not(miri)))]
fn try_pack_into_rejects_a_message_longer_than_u32_max() {
    let len = u32::MAX as usize + 1;
    let huge = vec![0u8; len];
    let mut out = Vec::new();
    assert_eq!(
        try_pack_into(&mut out, [&b"ok"[..], &huge]),
        Err(PackedError::TooLarge { len })
    );
    assert!(out.is_empty(), "no partial frame may be left behind");
}

#[test]
fn errors_say_what_went_wrong() {
    let corrupt = PackedError::Corrupt { offset: 17 }.to_string();
    assert!(corrupt.contains("corrupt packed frame"), "{corrupt}");
    assert!(corrupt.contains("byte 17"), "{corrupt}");
    let too_large = PackedError::TooLarge { len: 5_000_000_000 }.to_string();
    assert!(too_large.contains("5000000000"), "{too_large}");
    assert!(too_large.contains("4294967295"), "{too_large}");
}

/// Start of each message's prefix in the packed form of `msgs`, plus the end.
fn boundaries(msgs: &[Vec<u8>]) -> Vec<usize> {
    let mut at = 0;
    let mut out = vec![0];
    for m in msgs {
        at += 4 + m.len();
        out.push(at);
    }
    out
}

/// Arbitrary bytes, half the time drawn from `0..4` so that many of them
/// happen to be valid frames rather than failing at the first prefix.
fn any_frame_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..64),
        prop::collection::vec(0..4u8, 0..64),
    ]
}

fn messages() -> impl Strategy<Value = Vec<Vec<u8>>> {
    prop::collection::vec(prop::collection::vec(any::<u8>(), 0..300), 0..=20)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(if cfg!(miri) { 4 } else { 256 }))]

    #[test]
    fn pack_then_unpack_round_trips(msgs in messages()) {
        let frame = pack(as_slices(&msgs));
        prop_assert_eq!(unpack(&frame), Ok(as_slices(&msgs)));
        let via_iter: Result<Vec<&[u8]>, _> = iter(&frame).collect();
        prop_assert_eq!(via_iter, Ok(as_slices(&msgs)));

        let mut reused = vec![0xEE; 7];
        pack_into(&mut reused, as_slices(&msgs));
        prop_assert_eq!(&reused, &frame);
        prop_assert_eq!(try_pack_into(&mut reused, as_slices(&msgs)), Ok(()));
        prop_assert_eq!(&reused, &frame);
    }

    #[test]
    fn unpack_of_any_bytes_never_panics_and_agrees_with_iter(
        bytes in any_frame_bytes(),
    ) {
        let unpacked = unpack(&bytes);
        let via_iter: Result<Vec<&[u8]>, _> = iter(&bytes).collect();
        prop_assert_eq!(&unpacked, &via_iter);
        match unpacked {
            // Decoding is exact: re-encoding gives back the same bytes.
            Ok(msgs) => prop_assert_eq!(pack(msgs), bytes),
            // Everything before the bad prefix is a valid frame.
            Err(PackedError::Corrupt { offset }) => {
                prop_assert!(offset < bytes.len());
                prop_assert!(unpack(&bytes[..offset]).is_ok());
            }
            Err(other) => prop_assert!(false, "unexpected error {other:?}"),
        }
    }

    #[test]
    fn size_hint_brackets_the_item_count(
        bytes in any_frame_bytes(),
    ) {
        let mut msgs = iter(&bytes);
        loop {
            let (low, high) = msgs.size_hint();
            let left = msgs.clone().count();
            prop_assert!(low <= left && high.is_some_and(|h| left <= h), "{low} <= {left} <= {high:?}");
            if msgs.next().is_none() {
                break;
            }
        }
    }

    #[test]
    fn strict_prefix_is_corrupt_unless_cut_on_a_boundary(
        msgs in messages().prop_filter("non-empty", |m| !m.is_empty()),
        cut_seed in any::<prop::sample::Index>(),
    ) {
        let frame = pack(as_slices(&msgs));
        let cut = cut_seed.index(frame.len());
        let bounds = boundaries(&msgs);
        let cut_result = unpack(&frame[..cut]);
        if let Some(whole) = bounds.iter().position(|&b| b == cut) {
            prop_assert_eq!(cut_result, Ok(as_slices(&msgs[..whole])));
        } else {
            // The cut lands inside message `i`, whose prefix starts at bounds[i].
            let i = bounds.iter().rposition(|&b| b < cut).unwrap();
            prop_assert_eq!(cut_result, Err(PackedError::Corrupt { offset: bounds[i] }));
        }
    }
}
