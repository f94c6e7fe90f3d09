//! [`GenericRingBuffer::append_slots`]: room for a batch that the caller writes in
//! place, for callers whose batch lives where a slice cannot reach it (a JavaScript
//! TypedArray outside wasm memory), so that it is copied once, straight into the ring.

use core::ptr;

use super::GenericRingBuffer;

impl<T: Copy + Default> GenericRingBuffer<T> {
    /// Makes room for `n` new newest items exactly as
    /// [`extend_from_slice`](Self::extend_from_slice) of `n` items would (evicting the
    /// oldest and counting in [`overwritten`](Self::overwritten) every item that drops
    /// out, keeping only the newest `capacity` when `n` is larger) and returns the
    /// slots of the newest `min(n, capacity)` items, oldest first: the part up to the
    /// end of the storage, then the part that wrapped to its start (possibly empty).
    ///
    /// The slots hold unspecified values (evicted items, or `T::default()`) until the
    /// caller writes them: writing the last `min(n, capacity)` items of a batch there
    /// leaves the ring as `extend_from_slice(batch)` would.
    ///
    /// ```
    /// # use mmring_core::GenericRingBuffer;
    /// let mut ring = GenericRingBuffer::<u32>::new(4)?;
    /// ring.extend_from_slice(&[1, 2, 3]);
    /// let (first, second) = ring.append_slots(2); // slot 3, then slot 0
    /// first.copy_from_slice(&[4]);
    /// second.copy_from_slice(&[5]);
    /// assert_eq!(ring.unwrapped(), [2, 3, 4, 5]);
    /// assert_eq!(ring.overwritten(), 1);
    /// # Ok::<(), mmring_core::CapacityError>(())
    /// ```
    #[inline]
    pub fn append_slots(&mut self, n: usize) -> (&mut [T], &mut [T]) {
        let capacity = self.capacity();
        let len = self.len();
        let total = len.saturating_add(n);
        let evicted = total - total.min(capacity);
        let kept = n.min(capacity);
        let write_at = self.cursor.next_slot();
        let upper = kept.min(capacity - write_at);
        let lower = kept - upper;
        // The first `capacity - len` slots from `write_at` on are not live and may
        // never have been written: give them a value before handing them out.
        let free = kept.min(capacity - len);
        for i in 0..free {
            self.slots[(write_at + i) & (capacity - 1)].write(T::default());
        }
        let new_len = total.min(capacity);
        let end = (write_at + kept) & (capacity - 1);
        let head = end.wrapping_sub(new_len) & (capacity - 1);
        self.cursor.set_window(head, new_len, evicted as u64);
        let base = self.slots.as_mut_ptr().cast::<T>();
        // SAFETY: `write_at + upper <= capacity` and `lower <= write_at` (the `kept <=
        // capacity` slots from `write_at` wrap at most once, short of `write_at`), so
        // both ranges lie inside the storage and do not overlap; `self` is borrowed
        // mutably for as long as they live. Every slot in them is initialised: the
        // first `free` were written just above, the others held live items (now
        // evicted; `T: Copy`, so overwriting them needs no drop).
        unsafe {
            (
                &mut *ptr::slice_from_raw_parts_mut(base.add(write_at), upper),
                &mut *ptr::slice_from_raw_parts_mut(base, lower),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::GenericRingBuffer;

    /// `append_slots(n)` then writing the batch's last `min(n, capacity)` items equals
    /// `extend_from_slice(batch)`: the same items, length and evicted count.
    #[test]
    fn writing_the_slots_equals_extend_from_slice() {
        for capacity in [1usize, 2, 4, 8] {
            for before in 0..=2 * capacity {
                for n in 0..=2 * capacity + 1 {
                    let mut expected = GenericRingBuffer::<u32>::new(capacity).unwrap();
                    let mut actual = GenericRingBuffer::<u32>::new(capacity).unwrap();
                    let history: Vec<u32> = (0..before as u32).collect();
                    expected.extend_from_slice(&history);
                    actual.extend_from_slice(&history);
                    // Some consumed, so that the window starts anywhere.
                    let _ = expected.consume();
                    let _ = actual.consume();
                    let batch: Vec<u32> = (1000..1000 + n as u32).collect();
                    expected.extend_from_slice(&batch);
                    let (first, second) = actual.append_slots(n);
                    assert_eq!(first.len() + second.len(), n.min(capacity));
                    let tail = &batch[n - n.min(capacity)..];
                    let (a, b) = tail.split_at(first.len());
                    first.copy_from_slice(a);
                    second.copy_from_slice(b);
                    let what = format!("capacity {capacity}, {before} before, batch of {n}");
                    assert_eq!(actual.unwrapped(), expected.unwrapped(), "{what}");
                    assert_eq!(actual.overwritten(), expected.overwritten(), "{what}");
                }
            }
        }
    }

    #[test]
    fn fresh_slots_hold_the_default_until_written() {
        let mut ring = GenericRingBuffer::<u64>::new(4).unwrap();
        let (first, second) = ring.append_slots(3);
        assert_eq!((&*first, &*second), (&[0, 0, 0][..], &[][..]));
        assert_eq!(ring.unwrapped(), [0, 0, 0]);
    }
}
