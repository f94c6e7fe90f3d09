//! Errors of the in-process rings. Each concern has its own small enum.

use thiserror::Error;

/// A ring could not be created with the requested capacity or slot sizing.
///
/// ```
/// use mmring_core::{CapacityError, GenericRingBuffer};
///
/// let err = GenericRingBuffer::<u8>::new(0).unwrap_err();
/// assert_eq!(err, CapacityError::Zero);
/// ```
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum CapacityError {
    /// A capacity of 0 was requested; every ring holds at least one item.
    #[error("capacity must be at least 1 (got 0)")]
    Zero,
    /// Rounding the requested capacity up to a power of two overflows `usize`.
    #[error(
        "capacity {requested} cannot be rounded up to a power of two on this platform; \
         ask for at most {max}",
        max = usize::MAX / 2 + 1
    )]
    Overflow {
        /// The capacity that was asked for.
        requested: usize,
    },
    /// The storage (`capacity` items of `item_bytes` bytes each) is larger than memory
    /// can hold, or the allocator refused it.
    #[error(
        "cannot allocate {capacity} items of {item_bytes} bytes each; \
         ask for a smaller capacity or smaller items"
    )]
    Allocation {
        /// The rounded capacity, in items.
        capacity: usize,
        /// The size of one item (or one slot) in bytes.
        item_bytes: usize,
    },
    /// `expected_item_size` of a [`BytesRingBufferFast`](crate::BytesRingBufferFast) was 0.
    #[error("expected_item_size must be at least 1 byte (got 0)")]
    ZeroItemSize,
    /// `buffer_percent` of a [`BytesRingBufferFast`](crate::BytesRingBufferFast) was
    /// negative, NaN or infinite.
    #[error("buffer_percent must be a finite number ≥ 0 (got {value})")]
    BufferPercent {
        /// The value that was given.
        value: f64,
    },
    /// The slot size computed from `expected_item_size` and `buffer_percent` is larger
    /// than a slot can be (2^31 bytes).
    #[error(
        "a slot of {requested} bytes (expected_item_size × (1 + buffer_percent / 100)) \
         exceeds the largest slot of {max} bytes",
        max = crate::bytes_fast::MAX_SLOT_SIZE
    )]
    SlotTooLarge {
        /// The slot size before rounding to a power of two, saturated at `usize::MAX`.
        requested: usize,
    },
}

/// The ring was empty, so there was no newest item to overwrite.
///
/// Returned by the `overwrite_latest` of rings whose item cannot be handed back in the
/// error (the ring of borrowed byte slices); the others return the item itself.
///
/// ```
/// use mmring_core::{BytesRingBufferFast, FastError};
///
/// let mut ring = BytesRingBufferFast::new(4)?;
/// assert_eq!(ring.overwrite_latest(b"x"), Err(FastError::Empty));
/// # Ok::<(), mmring_core::CapacityError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum FastError {
    /// The message is longer than one slot; nothing was written.
    #[error(
        "message of {len} bytes does not fit a slot of {slot} bytes; \
         raise expected_item_size or buffer_percent"
    )]
    Oversize {
        /// Length of the rejected message.
        len: usize,
        /// Slot size of the ring.
        slot: usize,
    },
    /// `overwrite_latest` on an empty ring: there is no newest item to replace.
    #[error("the ring is empty: there is no newest item to overwrite")]
    Empty,
    /// `overwrite_latest` with `only_insert_unique` and a message equal to another item
    /// the ring holds; nothing was written.
    #[error("the ring already holds an equal message and only_insert_unique is set")]
    Duplicate,
}
