//! [`BytesRingBuffer`]: a ring of variable-length messages as [`Bytes`].

use core::fmt;
use core::ops::Index;

pub use ::bytes::Bytes;

use crate::generic::{GenericRingBuffer, Iter};
use crate::ring::{counts_from, inherent_ring_api};
use crate::unique::UniqueIndex;
use crate::{CapacityError, Fifo, Ring};

/// A ring of variable-length messages that overwrites its oldest message when full.
///
/// Messages are [`Bytes`], so a buffer handed over by a network stack is stored without
/// copying, and reading one out is a reference-count increment. With
/// [`only_insert_unique`](BytesRingBufferBuilder::only_insert_unique), a message equal to
/// one the ring holds is skipped, checked in O(1) expected time through a hash index.
///
/// Between two threads, the lock-free path for byte messages is
/// [`spsc::channel`](crate::spsc::channel): variable-length records copied into one
/// buffer, with the same `DropOldest` (the default) and `Reject` policies as
/// [`split`](crate::split) halves of the other rings. For many producers or consumers,
/// share the ring with [`into_shared`](Self::into_shared).
///
/// ```
/// use mmring_core::BytesRingBuffer;
///
/// let mut ring = BytesRingBuffer::new(128)?;
/// ring.insert(&b"alpha"[..]);
/// ring.insert(b"beta".to_vec());
/// assert_eq!(ring.consume().as_deref(), Some(&b"alpha"[..]));
/// assert_eq!(ring.consume_all(), [&b"beta"[..]]);
/// # Ok::<(), mmring_core::CapacityError>(())
/// ```
#[derive(Clone)]
pub struct BytesRingBuffer {
    ring: GenericRingBuffer<Bytes>,
    /// Present exactly when `only_insert_unique` is set; indexes every live message.
    unique: Option<UniqueIndex>,
}

/// Options of a [`BytesRingBuffer`]; start from [`BytesRingBuffer::builder`].
///
/// ```
/// use mmring_core::BytesRingBuffer;
///
/// let ring = BytesRingBuffer::builder(100).only_insert_unique(true).build()?;
/// assert_eq!(ring.capacity(), 128);
/// assert!(ring.only_insert_unique());
/// # Ok::<(), mmring_core::CapacityError>(())
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct BytesRingBufferBuilder {
    max_capacity: usize,
    only_insert_unique: bool,
}

impl BytesRingBufferBuilder {
    /// Skip inserting a message equal to one the ring holds (default `false`).
    pub fn only_insert_unique(mut self, yes: bool) -> Self {
        self.only_insert_unique = yes;
        self
    }

    /// Creates the ring.
    ///
    /// # Errors
    /// As [`BytesRingBuffer::new`].
    pub fn build(self) -> Result<BytesRingBuffer, CapacityError> {
        let ring = GenericRingBuffer::new(self.max_capacity)?;
        let unique = if self.only_insert_unique {
            Some(UniqueIndex::new(ring.capacity())?)
        } else {
            None
        };
        Ok(BytesRingBuffer { ring, unique })
    }
}

impl BytesRingBuffer {
    /// Creates an empty ring of `max_capacity` rounded up to a power of two, without
    /// the uniqueness check.
    ///
    /// # Errors
    /// [`CapacityError::Zero`], [`CapacityError::Overflow`] or
    /// [`CapacityError::Allocation`].
    ///
    /// ```
    /// # use mmring_core::BytesRingBuffer;
    /// assert_eq!(BytesRingBuffer::new(5)?.capacity(), 8);
    /// # Ok::<(), mmring_core::CapacityError>(())
    /// ```
    pub fn new(max_capacity: usize) -> Result<Self, CapacityError> {
        Self::builder(max_capacity).build()
    }

    /// Starts a ring with options.
    pub fn builder(max_capacity: usize) -> BytesRingBufferBuilder {
        BytesRingBufferBuilder {
            max_capacity,
            only_insert_unique: false,
        }
    }

    /// Whether duplicates are skipped.
    pub fn only_insert_unique(&self) -> bool {
        self.unique.is_some()
    }

    /// Appends a message, evicting the oldest when full. Returns `false` only when the
    /// message was skipped as a duplicate (`only_insert_unique`).
    ///
    /// ```
    /// # use mmring_core::BytesRingBuffer;
    /// let mut ring = BytesRingBuffer::builder(2).only_insert_unique(true).build()?;
    /// assert!(ring.insert("a"));
    /// assert!(!ring.insert("a"));
    /// assert!(ring.insert("b"));
    /// # Ok::<(), mmring_core::CapacityError>(())
    /// ```
    pub fn insert(&mut self, item: impl Into<Bytes>) -> bool {
        let item = item.into();
        if let Some(index) = &mut self.unique {
            let hash = index.hash(&item);
            let ring = &self.ring;
            if index.contains(hash, &item, |slot| ring.slot(slot)) {
                return false;
            }
            if ring.is_full() {
                index.remove(ring.cursor().slot(0));
            }
            index.insert(hash, ring.cursor().next_slot());
        }
        drop(self.ring.insert(item));
        true
    }

    /// Inserts every message in order, exactly as repeated [`insert`](Self::insert):
    /// duplicates are skipped also within the batch, and when more messages go in than
    /// fit, only the last `capacity` remain.
    ///
    /// ```
    /// # use mmring_core::BytesRingBuffer;
    /// let mut ring = BytesRingBuffer::builder(4).only_insert_unique(true).build()?;
    /// ring.insert_batch(["x", "y", "x"]);
    /// assert_eq!(ring.len(), 2);
    /// # Ok::<(), mmring_core::CapacityError>(())
    /// ```
    pub fn insert_batch(&mut self, items: impl IntoIterator<Item = impl Into<Bytes>>) {
        for item in items {
            self.insert(item);
        }
    }

    /// Replaces the newest message and returns it. `Err(item)` when the ring is empty,
    /// or, with `only_insert_unique`, when another held message equals `item`.
    ///
    /// ```
    /// # use mmring_core::{Bytes, BytesRingBuffer};
    /// let mut ring = BytesRingBuffer::new(4)?;
    /// assert_eq!(ring.overwrite_latest("a"), Err(Bytes::from("a")));
    /// ring.insert("a");
    /// assert_eq!(ring.overwrite_latest("b"), Ok(Bytes::from("a")));
    /// # Ok::<(), mmring_core::CapacityError>(())
    /// ```
    pub fn overwrite_latest(&mut self, item: impl Into<Bytes>) -> Result<Bytes, Bytes> {
        let item = item.into();
        let Some(newest) = self.ring.cursor().newest() else {
            return Err(item);
        };
        if let Some(index) = &mut self.unique {
            let hash = index.hash(&item);
            let ring = &self.ring;
            match index.find(hash, &item, |slot| ring.slot(slot)) {
                Some(slot) if slot != newest => return Err(item),
                _ => {}
            }
            index.remove(newest);
            index.insert(hash, newest);
        }
        self.ring.overwrite_latest(item)
    }

    /// The messages as two contiguous slices, oldest first.
    pub fn as_slices(&self) -> (&[Bytes], &[Bytes]) {
        self.ring.as_slices()
    }
}

inherent_ring_api! {
    impl[] BytesRingBuffer {
        item: Bytes,
        view: &Bytes,
        needle: &[u8],
        iter: Iter<'_, Bytes>,
        unwrapped_where: [],
        contains_where: [],
    }
    example {
        setup: "# use mmring_core::{Bytes, BytesRingBuffer};
let mut ring = BytesRingBuffer::new(4)?;
ring.insert_batch([\"a\", \"b\", \"c\", \"d\", \"e\"]); // holds b, c, d, e",
        oldest: "Some(&Bytes::from(\"b\"))",
        second: "Some(&Bytes::from(\"c\"))",
        newest: "Some(&Bytes::from(\"e\"))",
        first_item: "Some(Bytes::from(\"b\"))",
        all: "[\"b\", \"c\", \"d\", \"e\"]",
        held: "b\"e\"",
        evicted: "b\"a\"",
    }
}

/// The storage of the wrapped [`GenericRingBuffer`], and the uniqueness index kept in
/// step with it.
impl Fifo for BytesRingBuffer {
    type Item = Bytes;

    counts_from!(ring);

    fn consume(&mut self) -> Option<Bytes> {
        if let Some(index) = &mut self.unique {
            index.remove(self.ring.cursor().checked_slot(0)?);
        }
        Fifo::consume(&mut self.ring)
    }

    fn consume_all(&mut self) -> Vec<Bytes> {
        if let Some(index) = &mut self.unique {
            index.clear();
        }
        Fifo::consume_all(&mut self.ring)
    }

    fn clear(&mut self) {
        if let Some(index) = &mut self.unique {
            index.clear();
        }
        Fifo::clear(&mut self.ring);
    }
}

/// Messages are read in place; an owned copy is a reference-count increment.
impl Ring for BytesRingBuffer {
    type View<'a> = &'a Bytes;
    type Iter<'a> = Iter<'a, Bytes>;
    type Needle<'a> = &'a [u8];

    #[inline]
    fn get(&self, index: usize) -> Option<&Bytes> {
        Ring::get(&self.ring, index)
    }

    #[inline]
    fn iter(&self) -> Iter<'_, Bytes> {
        Ring::iter(&self.ring)
    }

    #[inline]
    fn to_item(view: &Bytes) -> Bytes {
        view.clone()
    }

    /// O(1) expected with `only_insert_unique`, a scan otherwise.
    fn contains(&self, item: &[u8]) -> bool {
        match &self.unique {
            Some(index) => index.contains(index.hash(item), item, |slot| self.ring.slot(slot)),
            None => Ring::iter(&self.ring).any(|held| held == item),
        }
    }
}

impl fmt::Debug for BytesRingBuffer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.ring.fmt(f)
    }
}

/// Equal when the messages are equal in order; options and counters are not compared.
impl PartialEq for BytesRingBuffer {
    fn eq(&self, other: &Self) -> bool {
        self.ring == other.ring
    }
}

impl Eq for BytesRingBuffer {}

/// `ring[i]` is the message at `i`, 0 being the oldest.
///
/// # Panics
/// When `index >= len()`, like `Vec`.
impl Index<usize> for BytesRingBuffer {
    type Output = Bytes;

    fn index(&self, index: usize) -> &Bytes {
        &self.ring[index]
    }
}

impl<'a> IntoIterator for &'a BytesRingBuffer {
    type Item = &'a Bytes;
    type IntoIter = Iter<'a, Bytes>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// Inserts each message as [`BytesRingBuffer::insert`] does.
impl<B: Into<Bytes>> Extend<B> for BytesRingBuffer {
    fn extend<I: IntoIterator<Item = B>>(&mut self, items: I) {
        self.insert_batch(items);
    }
}
