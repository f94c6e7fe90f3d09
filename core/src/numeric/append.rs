//! [`NumericRingBuffer::append_slots`]: room for a batch written in place.

use super::{Numeric, NumericRingBuffer};

impl<T: Numeric> NumericRingBuffer<T> {
    /// Makes room for `n` new newest values exactly as
    /// [`insert_batch`](Self::insert_batch) of `n` values would, and returns the slots
    /// of the newest `min(n, capacity)` of them, oldest first (the second part is the
    /// one that wrapped to the start of the storage). They hold unspecified values
    /// until the caller writes them. See
    /// [`GenericRingBuffer::append_slots`](crate::GenericRingBuffer::append_slots).
    ///
    /// ```
    /// # use mmring_core::NumericRingBuffer;
    /// let mut ring = NumericRingBuffer::<f64>::new(2)?;
    /// let batch = [1.0, 2.0, 3.0];
    /// let (first, second) = ring.append_slots(batch.len());
    /// first.copy_from_slice(&batch[1..]);
    /// assert!(second.is_empty());
    /// assert_eq!(ring.unwrapped(), [2.0, 3.0]);
    /// # Ok::<(), mmring_core::CapacityError>(())
    /// ```
    #[inline]
    pub fn append_slots(&mut self, n: usize) -> (&mut [T], &mut [T]) {
        self.ring.append_slots(n)
    }
}
