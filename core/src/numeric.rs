//! [`NumericRingBuffer`]: a contiguous ring of numbers with `memcpy` batches and window
//! statistics.

use core::fmt;
use core::ops::Index;

use core::iter::Copied;

use crate::generic::{GenericRingBuffer, Iter};
use crate::ring::{counts_from, inherent_ring_api};
use crate::{CapacityError, Fifo, Ring};

mod append;

mod sealed {
    /// The operations [`Numeric`](super::Numeric) needs; private so the set of types
    /// stays closed.
    pub trait Sealed: Copy {
        fn to_f64(self) -> f64;
        /// The smaller of two values; for floats a NaN loses, as in `f64::min`.
        fn min_of(self, other: Self) -> Self;
        /// The larger of two values; for floats a NaN loses, as in `f64::max`.
        fn max_of(self, other: Self) -> Self;
    }
}

/// The element types of a [`NumericRingBuffer`]: `i8 i16 i32 i64 u8 u16 u32 u64 f32 f64`.
///
/// Sealed: the set is NumPy's 1/2/4/8-byte integers and 4/8-byte floats, which are also
/// the element types of the JavaScript typed arrays.
///
/// ```
/// use mmring_core::Numeric;
///
/// assert_eq!(<f64 as Numeric>::DTYPE, "f64");
/// assert_eq!(<u16 as Numeric>::DTYPE, "u16");
/// ```
pub trait Numeric:
    sealed::Sealed + PartialEq + PartialOrd + Default + fmt::Debug + Send + Sync + 'static
{
    /// The short name of the type (`"f64"`, `"i32"`, …).
    const DTYPE: &'static str;
}

macro_rules! integer {
    ($($t:ident)*) => {$(
        impl sealed::Sealed for $t {
            #[inline]
            fn to_f64(self) -> f64 {
                self as f64
            }
            #[inline]
            fn min_of(self, other: Self) -> Self {
                Ord::min(self, other)
            }
            #[inline]
            fn max_of(self, other: Self) -> Self {
                Ord::max(self, other)
            }
        }
        impl Numeric for $t {
            const DTYPE: &'static str = stringify!($t);
        }
    )*};
}

macro_rules! float {
    ($($t:ident)*) => {$(
        impl sealed::Sealed for $t {
            #[inline]
            fn to_f64(self) -> f64 {
                f64::from(self)
            }
            #[inline]
            fn min_of(self, other: Self) -> Self {
                $t::min(self, other)
            }
            #[inline]
            fn max_of(self, other: Self) -> Self {
                $t::max(self, other)
            }
        }
        impl Numeric for $t {
            const DTYPE: &'static str = stringify!($t);
        }
    )*};
}

integer!(i8 i16 i32 i64 u8 u16 u32 u64);
float!(f32 f64);

/// A ring of numbers in one contiguous allocation that overwrites its oldest value
/// when full.
///
/// Batches go in and out with at most two `memcpy`s ([`insert_batch`](Self::insert_batch),
/// [`unwrapped`](Self::unwrapped), [`copy_to_slice`](Self::copy_to_slice)), the window
/// can be viewed in place ([`as_slices`](Self::as_slices),
/// [`make_contiguous`](Self::make_contiguous)), and [`sum`](Self::sum),
/// [`mean`](Self::mean), [`min`](Self::min) and [`max`](Self::max) summarise it.
/// Every method works for every [`Numeric`] type.
///
/// ```
/// use mmring_core::NumericRingBuffer;
///
/// let mut prices = NumericRingBuffer::<f64>::new(4)?;
/// prices.insert_batch(&[101.0, 102.0, 103.0, 104.0, 105.0]);
/// assert_eq!(prices.unwrapped(), [102.0, 103.0, 104.0, 105.0]);
/// assert_eq!(prices.mean(), Some(103.5));
/// assert_eq!(prices.max(), Some(105.0));
/// # Ok::<(), mmring_core::CapacityError>(())
/// ```
#[derive(Clone, PartialEq)]
pub struct NumericRingBuffer<T: Numeric> {
    ring: GenericRingBuffer<T>,
}

impl<T: Numeric> NumericRingBuffer<T> {
    /// Creates an empty ring holding up to `max_capacity` rounded up to a power of two.
    ///
    /// # Errors
    /// As [`GenericRingBuffer::new`]: zero, overflowing or unallocatable capacities.
    ///
    /// ```
    /// # use mmring_core::NumericRingBuffer;
    /// assert_eq!(NumericRingBuffer::<i32>::new(10)?.capacity(), 16);
    /// assert!(NumericRingBuffer::<i32>::new(0).is_err());
    /// # Ok::<(), mmring_core::CapacityError>(())
    /// ```
    pub fn new(max_capacity: usize) -> Result<Self, CapacityError> {
        GenericRingBuffer::new(max_capacity).map(|ring| Self { ring })
    }

    /// Appends `value`; when full, evicts and returns the oldest.
    ///
    /// ```
    /// # use mmring_core::NumericRingBuffer;
    /// let mut ring = NumericRingBuffer::<u8>::new(1)?;
    /// assert_eq!(ring.insert(1), None);
    /// assert_eq!(ring.insert(2), Some(1));
    /// # Ok::<(), mmring_core::CapacityError>(())
    /// ```
    #[inline]
    pub fn insert(&mut self, value: T) -> Option<T> {
        self.ring.insert(value)
    }

    /// Appends a slice with at most two `memcpy`s; when it is longer than the capacity,
    /// only its last `capacity` values remain.
    ///
    /// ```
    /// # use mmring_core::NumericRingBuffer;
    /// let mut ring = NumericRingBuffer::<i64>::new(2)?;
    /// ring.insert_batch(&[1, 2, 3]);
    /// assert_eq!(ring.unwrapped(), [2, 3]);
    /// # Ok::<(), mmring_core::CapacityError>(())
    /// ```
    #[inline]
    pub fn insert_batch(&mut self, values: &[T]) {
        self.ring.extend_from_slice(values);
    }

    /// Copies the values, oldest first, into the start of `out`; returns how many
    /// were copied (`min(len, out.len())`).
    ///
    /// ```
    /// # use mmring_core::NumericRingBuffer;
    /// let mut ring = NumericRingBuffer::<f32>::new(4)?;
    /// ring.insert_batch(&[1.0, 2.0]);
    /// let mut out = [0.0; 4];
    /// assert_eq!(ring.copy_to_slice(&mut out), 2);
    /// # Ok::<(), mmring_core::CapacityError>(())
    /// ```
    pub fn copy_to_slice(&self, out: &mut [T]) -> usize {
        self.ring.copy_to_slice(out)
    }

    /// The values as two contiguous slices, oldest first.
    pub fn as_slices(&self) -> (&[T], &[T]) {
        self.ring.as_slices()
    }

    /// Splits the ring into a lock-free [`Producer`](crate::split::Producer) and
    /// [`Consumer`](crate::split::Consumer) for two threads, with the ring's semantics
    /// (a full ring evicts its oldest value). Both halves move runs of values with at
    /// most two `memcpy`s (`insert_batch`, `consume_into`). See [`crate::split`].
    ///
    /// ```
    /// use mmring_core::NumericRingBuffer;
    ///
    /// let (mut tx, mut rx) = NumericRingBuffer::<f64>::new(1024)?.split();
    /// std::thread::spawn(move || tx.insert_batch(&[101.25, 101.5])).join().unwrap();
    /// let mut window = [0.0; 16];
    /// assert_eq!(rx.consume_into(&mut window), 2);
    /// # Ok::<(), mmring_core::CapacityError>(())
    /// ```
    pub fn split(self) -> (crate::split::Producer<T>, crate::split::Consumer<T>) {
        self.ring.split()
    }

    /// [`split`](Self::split) with a chosen [`Policy`](crate::split::Policy).
    ///
    /// ```
    /// use mmring_core::NumericRingBuffer;
    /// use mmring_core::split::Policy;
    ///
    /// let (mut tx, _rx) = NumericRingBuffer::<u32>::new(2)?.split_with(Policy::Reject);
    /// assert_eq!(tx.insert_batch(&[1, 2, 3]), 2); // the longest prefix that fits
    /// # Ok::<(), mmring_core::CapacityError>(())
    /// ```
    pub fn split_with(
        self,
        policy: crate::split::Policy,
    ) -> (crate::split::Producer<T>, crate::split::Consumer<T>) {
        self.ring.split_with(policy)
    }

    /// Rotates the storage so the window is one slice (oldest first) and returns it,
    /// without copying it out. O(capacity) when the window wraps.
    ///
    /// ```
    /// # use mmring_core::NumericRingBuffer;
    /// let mut ring = NumericRingBuffer::<u16>::new(4)?;
    /// ring.insert_batch(&[1, 2, 3, 4, 5, 6]);
    /// assert_eq!(ring.make_contiguous(), &[3, 4, 5, 6]);
    /// # Ok::<(), mmring_core::CapacityError>(())
    /// ```
    pub fn make_contiguous(&mut self) -> &mut [T] {
        self.ring.make_contiguous()
    }

    /// Replaces the newest value and returns it; `Err(value)` on an empty ring.
    pub fn overwrite_latest(&mut self, value: T) -> Result<T, T> {
        self.ring.overwrite_latest(value)
    }

    /// Sum of the window, accumulated in `f64`; `None` when empty.
    ///
    /// 64-bit integers above 2^53 are not exactly representable in `f64`, so their sum
    /// is inexact; use [`iter`](Self::iter) with integer arithmetic when that matters.
    ///
    /// ```
    /// # use mmring_core::NumericRingBuffer;
    /// let mut ring = NumericRingBuffer::<u8>::new(4)?;
    /// assert_eq!(ring.sum(), None);
    /// ring.insert_batch(&[200, 100]);
    /// assert_eq!(ring.sum(), Some(300.0));
    /// # Ok::<(), mmring_core::CapacityError>(())
    /// ```
    pub fn sum(&self) -> Option<f64> {
        (!self.is_empty()).then(|| self.iter().map(T::to_f64).sum())
    }

    /// Arithmetic mean of the window, accumulated in `f64`; `None` when empty.
    pub fn mean(&self) -> Option<f64> {
        self.sum().map(|sum| sum / self.len() as f64)
    }

    /// Smallest value of the window; `None` when empty. NaN is skipped as in
    /// `f64::min` (NaN only when every value is NaN).
    ///
    /// ```
    /// # use mmring_core::NumericRingBuffer;
    /// let mut ring = NumericRingBuffer::<f64>::new(4)?;
    /// ring.insert_batch(&[2.0, f64::NAN, -1.0]);
    /// assert_eq!((ring.min(), ring.max()), (Some(-1.0), Some(2.0)));
    /// # Ok::<(), mmring_core::CapacityError>(())
    /// ```
    pub fn min(&self) -> Option<T> {
        self.iter().reduce(T::min_of)
    }

    /// Largest value of the window; `None` when empty. NaN is skipped as in `f64::max`.
    pub fn max(&self) -> Option<T> {
        self.iter().reduce(T::max_of)
    }
}

inherent_ring_api! {
    impl[T: Numeric] NumericRingBuffer<T> {
        item: T,
        view: T,
        needle: T,
        iter: Copied<Iter<'_, T>>,
        unwrapped_where: [],
        contains_where: [],
    }
    example {
        setup: "# use mmring_core::NumericRingBuffer;
let mut ring = NumericRingBuffer::<i32>::new(4)?;
ring.insert_batch(&[1, 2, 3, 4, 5]); // holds 2, 3, 4, 5",
        oldest: "Some(2)",
        second: "Some(3)",
        newest: "Some(5)",
        first_item: "Some(2)",
        all: "[2, 3, 4, 5]",
        held: "5",
        evicted: "1",
    }
}

/// The counts and storage of the wrapped [`GenericRingBuffer`].
impl<T: Numeric> Fifo for NumericRingBuffer<T> {
    type Item = T;

    counts_from!(ring);

    #[inline]
    fn consume(&mut self) -> Option<T> {
        Fifo::consume(&mut self.ring)
    }

    /// At most two `memcpy`s.
    fn consume_all(&mut self) -> Vec<T> {
        Fifo::consume_all(&mut self.ring)
    }

    fn clear(&mut self) {
        Fifo::clear(&mut self.ring);
    }
}

/// Values are read out by copy.
impl<T: Numeric> Ring for NumericRingBuffer<T> {
    type View<'a> = T;
    type Iter<'a> = Copied<Iter<'a, T>>;
    type Needle<'a> = T;

    #[inline]
    fn get(&self, index: usize) -> Option<T> {
        Ring::get(&self.ring, index).copied()
    }

    #[inline]
    fn iter(&self) -> Copied<Iter<'_, T>> {
        Ring::iter(&self.ring).copied()
    }

    #[inline]
    fn to_item(view: T) -> T {
        view
    }

    /// By `==`, so never for NaN.
    fn contains(&self, value: T) -> bool {
        Ring::contains(&self.ring, &value)
    }

    /// At most two `memcpy`s.
    fn unwrapped(&self) -> Vec<T> {
        Ring::unwrapped(&self.ring)
    }
}

impl<T: Numeric> fmt::Debug for NumericRingBuffer<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.ring.fmt(f)
    }
}

/// `ring[i]` is the value at `i`, 0 being the oldest.
///
/// # Panics
/// When `index >= len()`, like `Vec`.
impl<T: Numeric> Index<usize> for NumericRingBuffer<T> {
    type Output = T;

    fn index(&self, index: usize) -> &T {
        &self.ring[index]
    }
}

impl<'a, T: Numeric> IntoIterator for &'a NumericRingBuffer<T> {
    type Item = T;
    type IntoIter = Copied<Iter<'a, T>>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// Inserts each value, evicting the oldest as [`NumericRingBuffer::insert`] does.
impl<T: Numeric> Extend<T> for NumericRingBuffer<T> {
    fn extend<I: IntoIterator<Item = T>>(&mut self, values: I) {
        self.ring.extend(values);
    }
}
