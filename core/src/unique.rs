//! The hash index behind `only_insert_unique`, shared by both byte rings.
//!
//! The index maps the contents of each live item to its physical slot, so a duplicate
//! check costs one hash and (expected) one comparison instead of a scan of the ring.
//! It stores slot numbers, not copies of the items, and keeps each slot's hash beside
//! it, so removing an evicted item needs no rehash and the table never allocates after
//! creation.

use core::hash::BuildHasher;

use hashbrown::{DefaultHashBuilder, HashTable};

use crate::CapacityError;

/// Slots of the live items, keyed by a hash of their contents.
#[derive(Clone)]
pub(crate) struct UniqueIndex {
    /// Physical slot numbers of live items; each appears at most once.
    table: HashTable<usize>,
    /// The hash of the item in each physical slot (stale for free slots).
    hashes: Box<[u64]>,
    hasher: DefaultHashBuilder,
}

impl UniqueIndex {
    /// An empty index for a ring of `capacity` slots.
    pub(crate) fn new(capacity: usize) -> Result<Self, CapacityError> {
        let too_big = CapacityError::Allocation {
            capacity,
            item_bytes: size_of::<usize>() + size_of::<u64>(),
        };
        let mut table = HashTable::new();
        // Twice the live maximum: removals leave tombstones, and with this headroom
        // hashbrown cleans them by rehashing in place instead of growing the table.
        table
            .try_reserve(capacity.saturating_mul(2), |_| 0)
            .map_err(|_| too_big.clone())?;
        let mut hashes = Vec::new();
        hashes.try_reserve_exact(capacity).map_err(|_| too_big)?;
        hashes.resize(capacity, 0);
        Ok(Self {
            table,
            hashes: hashes.into_boxed_slice(),
            hasher: DefaultHashBuilder::default(),
        })
    }

    /// Hashes an item's contents.
    pub(crate) fn hash(&self, item: &[u8]) -> u64 {
        self.hasher.hash_one(item)
    }

    /// Whether a live item equal to `item` (hashed to `hash`) exists; `contents` gives
    /// the item in a live slot.
    pub(crate) fn contains<'a>(
        &self,
        hash: u64,
        item: &[u8],
        contents: impl Fn(usize) -> &'a [u8],
    ) -> bool {
        self.find(hash, item, contents).is_some()
    }

    /// The slot of a live item equal to `item`.
    pub(crate) fn find<'a>(
        &self,
        hash: u64,
        item: &[u8],
        contents: impl Fn(usize) -> &'a [u8],
    ) -> Option<usize> {
        self.table
            .find(hash, |&slot| contents(slot) == item)
            .copied()
    }

    /// Records that `slot` now holds an item hashed to `hash`.
    pub(crate) fn insert(&mut self, hash: u64, slot: usize) {
        self.hashes[slot] = hash;
        let hashes = &self.hashes;
        self.table.insert_unique(hash, slot, |&slot| hashes[slot]);
    }

    /// Forgets the item in `slot`, which the index holds.
    pub(crate) fn remove(&mut self, slot: usize) {
        let hash = self.hashes[slot];
        if let Ok(entry) = self.table.find_entry(hash, |&held| held == slot) {
            entry.remove();
        } else {
            debug_assert!(false, "slot {slot} was not indexed");
        }
    }

    /// Forgets every item.
    pub(crate) fn clear(&mut self) {
        self.table.clear();
    }
}
