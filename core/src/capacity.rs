//! Capacity rounding and fallible allocation shared by every ring.

use core::mem::MaybeUninit;

use crate::CapacityError;

/// Rounds a requested capacity up to the next power of two (1→1, 3→4, 17→32).
pub(crate) fn round_capacity(requested: usize) -> Result<usize, CapacityError> {
    if requested == 0 {
        return Err(CapacityError::Zero);
    }
    requested
        .checked_next_power_of_two()
        .ok_or(CapacityError::Overflow { requested })
}

/// Allocates `len` uninitialised items, reporting failure as a value instead of aborting.
pub(crate) fn alloc_uninit<T>(len: usize) -> Result<Box<[MaybeUninit<T>]>, CapacityError> {
    let mut storage = Vec::<MaybeUninit<T>>::new();
    storage
        .try_reserve_exact(len)
        .map_err(|_| CapacityError::Allocation {
            capacity: len,
            item_bytes: size_of::<T>(),
        })?;
    // SAFETY: the capacity is at least `len` (reserved above), and `MaybeUninit<T>` needs
    // no initialisation, so every element up to `len` is a valid value.
    unsafe { storage.set_len(len) };
    Ok(storage.into_boxed_slice())
}

/// `len` copies of `value` in a new boxed slice; `None` when it cannot be allocated.
pub(crate) fn filled<T: Copy>(len: usize, value: T) -> Option<Box<[T]>> {
    let mut all = Vec::new();
    all.try_reserve_exact(len).ok()?;
    all.resize(len, value);
    Some(all.into_boxed_slice())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_to_powers_of_two() {
        for (asked, got) in [(1, 1), (2, 2), (3, 4), (5, 8), (10, 16), (16, 16), (17, 32)] {
            assert_eq!(round_capacity(asked), Ok(got));
        }
        assert_eq!(round_capacity(0), Err(CapacityError::Zero));
        assert_eq!(
            round_capacity(usize::MAX),
            Err(CapacityError::Overflow {
                requested: usize::MAX
            })
        );
    }
}
