//! Packed framing: many messages in one byte frame.
//!
//! A frame is the concatenation, for each message, of its length as a
//! little-endian `u32` followed by its bytes. This is byte-compatible with the framing
//! of the Python ring-buffer module mmring grew from
//! (`b"".join(struct.pack("<I", len(m)) + m for m in msgs)`), so a `pyzmq` peer using
//! that framing interoperates.
//!
//! - Encoding: [`pack`] returns a new frame, [`pack_into`] reuses a buffer, and
//!   [`try_pack_into`] reports a message too long to frame instead of panicking.
//! - Decoding: [`unpack`] collects the messages, [`iter`] yields them one at a
//!   time without allocating. Both borrow from the frame.
//!
//! Decoding is strict: a truncated length prefix, a length running past the end
//! of the frame, or 1–3 stray trailing bytes are all [`PackedError::Corrupt`].
//!
//! No messages pack to an empty frame, which unpacks to no messages; a single
//! empty message packs to the 4-byte frame `[0, 0, 0, 0]`.
//!
//! # Example
//!
//! ```
//! use mmring_core::packed::{self, PackedError};
//!
//! let frame = packed::pack([&b"ab"[..], b"c"]);
//! assert_eq!(frame, [2, 0, 0, 0, b'a', b'b', 1, 0, 0, 0, b'c']);
//!
//! let msgs = packed::unpack(&frame)?;
//! assert_eq!(msgs, [&b"ab"[..], b"c"]);
//!
//! // A frame cut short is rejected, naming the length prefix that overruns.
//! assert_eq!(
//!     packed::unpack(&frame[..9]),
//!     Err(PackedError::Corrupt { offset: 6 }),
//! );
//! # Ok::<(), PackedError>(())
//! ```

use core::iter::FusedIterator;

/// Size in bytes of the length prefix in front of every message.
const PREFIX_LEN: usize = 4;

/// Why a frame could not be packed or unpacked.
///
/// # Example
///
/// ```
/// use mmring_core::packed::{self, PackedError};
///
/// // Two stray bytes after a complete message.
/// let err = packed::unpack(&[1, 0, 0, 0, b'x', 7, 7]).unwrap_err();
/// assert_eq!(err, PackedError::Corrupt { offset: 5 });
/// assert!(err.to_string().contains("at byte 5"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PackedError {
    /// The frame is malformed: a length prefix is cut short, or its length runs
    /// past the end of the frame.
    #[error(
        "corrupt packed frame: the length prefix at byte {offset} is truncated or runs past the end of the frame"
    )]
    Corrupt {
        /// Byte position in the frame of the offending length prefix.
        offset: usize,
    },
    /// A message is longer than `u32::MAX` bytes and cannot be framed.
    #[error("message of {len} bytes is too long for a packed frame (at most 4294967295 bytes)")]
    TooLarge {
        /// Length in bytes of the message that did not fit.
        len: usize,
    },
}

/// Packs `msgs` into a new frame.
///
/// No messages give an empty frame.
///
/// # Panics
///
/// If a message is longer than `u32::MAX` bytes. Use [`try_pack_into`] to get
/// [`PackedError::TooLarge`] instead.
///
/// # Example
///
/// ```
/// use mmring_core::packed;
///
/// assert_eq!(packed::pack([&b""[..]]), [0, 0, 0, 0]);
/// assert_eq!(packed::pack([&b"hi"[..]]), [2, 0, 0, 0, b'h', b'i']);
/// assert!(packed::pack(Vec::<&[u8]>::new()).is_empty());
/// ```
#[must_use]
#[track_caller]
pub fn pack<'a>(msgs: impl IntoIterator<Item = &'a [u8]>) -> Vec<u8> {
    let mut out = Vec::new();
    pack_into(&mut out, msgs);
    out
}

/// Clears `out`, then packs `msgs` into it, reusing its allocation.
///
/// # Panics
///
/// If a message is longer than `u32::MAX` bytes; `out` is left empty. Use
/// [`try_pack_into`] to get [`PackedError::TooLarge`] instead.
///
/// # Example
///
/// ```
/// use mmring_core::packed;
///
/// let mut out = Vec::with_capacity(64);
/// for batch in [[&b"one"[..], b"two"], [&b"three"[..], b""]] {
///     packed::pack_into(&mut out, batch);
///     assert_eq!(packed::unpack(&out).unwrap(), batch);
/// }
/// assert!(out.capacity() >= 64);
/// ```
#[track_caller]
pub fn pack_into<'a>(out: &mut Vec<u8>, msgs: impl IntoIterator<Item = &'a [u8]>) {
    if let Err(err) = try_pack_into(out, msgs) {
        panic!("{err}");
    }
}

/// Clears `out`, then packs `msgs` into it, reusing its allocation; a message
/// too long to frame is an error instead of a panic.
///
/// # Errors
///
/// [`PackedError::TooLarge`] if a message is longer than `u32::MAX` bytes.
/// `out` is then left empty, so no partial frame can be sent by mistake.
///
/// # Example
///
/// ```
/// use mmring_core::packed;
///
/// let mut out = vec![9; 3]; // old contents are discarded
/// packed::try_pack_into(&mut out, [&b"a"[..], b"bc"])?;
/// assert_eq!(out, [1, 0, 0, 0, b'a', 2, 0, 0, 0, b'b', b'c']);
/// # Ok::<(), mmring_core::packed::PackedError>(())
/// ```
pub fn try_pack_into<'a>(
    out: &mut Vec<u8>,
    msgs: impl IntoIterator<Item = &'a [u8]>,
) -> Result<(), PackedError> {
    out.clear();
    for msg in msgs {
        let prefix = match prefix_for(msg.len()) {
            Ok(prefix) => prefix,
            Err(err) => {
                out.clear();
                return Err(err);
            }
        };
        out.extend_from_slice(&prefix);
        out.extend_from_slice(msg);
    }
    Ok(())
}

/// Unpacks every message of `frame`, borrowing from it.
///
/// An empty frame holds no messages. Built on [`iter`]; use that to avoid the
/// `Vec`.
///
/// # Errors
///
/// [`PackedError::Corrupt`] if a length prefix is truncated (1–3 trailing
/// bytes) or runs past the end of the frame; `offset` is that prefix's
/// position.
///
/// # Example
///
/// ```
/// use mmring_core::packed::{self, PackedError};
///
/// let frame = [0, 0, 0, 0, 3, 0, 0, 0, b'x', b'y', b'z'];
/// assert_eq!(packed::unpack(&frame)?, [&b""[..], b"xyz"]);
/// assert_eq!(packed::unpack(&[])?, Vec::<&[u8]>::new());
/// assert_eq!(
///     packed::unpack(&frame[..10]),
///     Err(PackedError::Corrupt { offset: 4 }),
/// );
/// # Ok::<(), PackedError>(())
/// ```
pub fn unpack(frame: &[u8]) -> Result<Vec<&[u8]>, PackedError> {
    iter(frame).collect()
}

/// Iterates over the messages of `frame` without allocating.
///
/// Yields `Ok(message)` for each message, borrowing from `frame`. A malformed
/// frame yields one [`PackedError::Corrupt`] after the messages before the bad
/// length prefix, then nothing more: the iterator is fused.
///
/// # Example
///
/// ```
/// use mmring_core::packed::{self, PackedError};
///
/// // One good message, then a prefix claiming 9 bytes where there is 1.
/// let frame = [1, 0, 0, 0, b'a', 9, 0, 0, 0, b'b'];
/// let mut msgs = packed::iter(&frame);
/// assert_eq!(msgs.next(), Some(Ok(&b"a"[..])));
/// assert_eq!(msgs.next(), Some(Err(PackedError::Corrupt { offset: 5 })));
/// assert_eq!(msgs.next(), None);
/// ```
pub fn iter(frame: &[u8]) -> Frames<'_> {
    Frames {
        rest: frame,
        offset: 0,
    }
}

/// Iterator over the messages of a packed frame, returned by [`iter`].
///
/// Item type is `Result<&[u8], PackedError>`; see [`iter`] for the contract.
///
/// # Example
///
/// ```
/// use mmring_core::packed;
///
/// let frame = packed::pack([&b"a"[..], b"bc"]);
/// let lens: Vec<usize> = packed::iter(&frame).map(|m| m.unwrap().len()).collect();
/// assert_eq!(lens, [1, 2]);
/// ```
#[derive(Debug, Clone)]
#[must_use = "iterators are lazy and do nothing unless consumed"]
pub struct Frames<'a> {
    /// Bytes not yet decoded, starting at a length prefix. Empty once the frame
    /// is exhausted or after an error, which is what makes the iterator fused.
    rest: &'a [u8],
    /// Position of `rest` in the whole frame, reported in errors.
    offset: usize,
}

impl<'a> Iterator for Frames<'a> {
    type Item = Result<&'a [u8], PackedError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        let decoded = self
            .rest
            .split_first_chunk::<PREFIX_LEN>()
            .and_then(|(prefix, tail)| {
                let len = usize::try_from(u32::from_le_bytes(*prefix)).ok()?;
                tail.split_at_checked(len)
            });
        let Some((msg, rest)) = decoded else {
            self.rest = &[];
            return Some(Err(PackedError::Corrupt {
                offset: self.offset,
            }));
        };
        self.rest = rest;
        self.offset += PREFIX_LEN + msg.len();
        Some(Ok(msg))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        // Every message takes at least a whole prefix; an error ends the
        // iteration and may take the 1–3 bytes left over. So `n` remaining
        // bytes yield at most ceil(n / 4) items, and at least one if n > 0.
        let remaining = self.rest.len();
        (remaining.min(1), Some(remaining.div_ceil(PREFIX_LEN)))
    }
}

impl FusedIterator for Frames<'_> {}

/// The length prefix for a message of `len` bytes.
fn prefix_for(len: usize) -> Result<[u8; PREFIX_LEN], PackedError> {
    u32::try_from(len)
        .map(u32::to_le_bytes)
        .map_err(|_| PackedError::TooLarge { len })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_for_is_little_endian() {
        assert_eq!(prefix_for(0), Ok([0, 0, 0, 0]));
        assert_eq!(prefix_for(0x0102_0304), Ok([4, 3, 2, 1]));
        assert_eq!(prefix_for(u32::MAX as usize), Ok([0xff; 4]));
    }

    #[test]
    fn prefix_for_rejects_lengths_past_u32_max() {
        // On 32-bit targets no slice can be that long, so there is nothing to check.
        if let Some(len) = (u32::MAX as usize).checked_add(1) {
            assert_eq!(prefix_for(len), Err(PackedError::TooLarge { len }));
            assert_eq!(
                prefix_for(usize::MAX),
                Err(PackedError::TooLarge { len: usize::MAX })
            );
        }
    }

    #[test]
    fn too_large_message_names_the_limit() {
        let msg = PackedError::TooLarge { len: 5_000_000_000 }.to_string();
        assert!(msg.contains("5000000000"), "{msg}");
        assert!(msg.contains(&u32::MAX.to_string()), "{msg}");
    }
}
