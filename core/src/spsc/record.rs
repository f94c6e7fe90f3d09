//! Record headers: encoding, sizes and the word-wise copies in and out of the region.

#[cfg(not(loom))]
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

#[cfg(loom)]
use loom::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// Bytes of a record header: length and kind (8), sequence number (8).
pub const HEADER_BYTES: usize = 16;

pub(crate) const KIND_MESSAGE: u32 = 1;
pub(crate) const KIND_PADDING: u32 = 2;

/// Bytes a message of `len` bytes occupies in the data area: header plus payload
/// rounded up to 8.
///
/// ```
/// use mmring_core::spsc::record_bytes;
///
/// assert_eq!(record_bytes(0), 16);
/// assert_eq!(record_bytes(1), 24);
/// assert_eq!(record_bytes(64), 80);
/// ```
pub const fn record_bytes(len: usize) -> usize {
    HEADER_BYTES + len.next_multiple_of(8)
}

/// The first header word.
pub(crate) fn encode_head(len: u32, kind: u32) -> u64 {
    u64::from(len) | (u64::from(kind) << 32)
}

/// Splits a first header word into (len, kind).
pub(crate) fn decode_head(word: u64) -> (u32, u32) {
    (word as u32, (word >> 32) as u32)
}

/// Stores `bytes` into consecutive words, the last one zero-padded.
pub(crate) fn store_bytes(words: &[AtomicU64], bytes: &[u8]) {
    debug_assert!(words.len() >= bytes.len().div_ceil(8));
    let mut chunks = bytes.chunks_exact(8);
    let mut slots = words.iter();
    for (chunk, slot) in chunks.by_ref().zip(slots.by_ref()) {
        let mut word = [0; 8];
        word.copy_from_slice(chunk);
        slot.store(u64::from_le_bytes(word), Relaxed);
    }
    let tail = chunks.remainder();
    if let (false, Some(slot)) = (tail.is_empty(), slots.next()) {
        let mut word = [0; 8];
        word[..tail.len()].copy_from_slice(tail);
        slot.store(u64::from_le_bytes(word), Relaxed);
    }
}

/// Appends `len` bytes loaded from consecutive words to `out`.
pub(crate) fn load_bytes(words: &[AtomicU64], len: usize, out: &mut Vec<u8>) {
    let padded = len.next_multiple_of(8);
    // The caller checked that the record lies inside the data area; slicing here
    // (rather than trusting it) keeps the `set_len` below sound even if it had not.
    let words = &words[..padded / 8];
    let start = out.len();
    out.reserve(padded);
    let spare = &mut out.spare_capacity_mut()[..padded];
    for (bytes, word) in spare.chunks_exact_mut(8).zip(words) {
        for (byte, value) in bytes.iter_mut().zip(word.load(Relaxed).to_le_bytes()) {
            byte.write(value);
        }
    }
    // SAFETY: the loop initialised all `padded >= len` spare bytes after `start`: there
    // are `padded / 8` chunks of 8 and exactly as many words, and `reserve` made the
    // spare capacity at least `padded` long.
    unsafe { out.set_len(start + len) };
}
