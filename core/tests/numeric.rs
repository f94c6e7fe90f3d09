//! `NumericRingBuffer` through its public API: what only this ring has. The rules every
//! ring shares are checked once for all of them in `conformance.rs`.
//!
//! A model-based property test runs every operation against a `VecDeque` that evicts by
//! hand, for every dtype; named tests pin every scalar method on every dtype, float
//! equality (`NaN`, `-0.0`), the window statistics, the `memcpy` batch paths against a
//! loop of single inserts, and the zero-copy views.

use std::fmt::Debug;
use std::mem;

use mmring_core::{Numeric, NumericRingBuffer};
use proptest::collection::vec;
use proptest::prelude::*;
use support::Model;

mod support;

// ---------------------------------------------------------------------------------------
// Test-side view of the dtypes
// ---------------------------------------------------------------------------------------

/// What the tests need of a dtype beyond the crate's (sealed) [`Numeric`].
trait Value: Numeric + Arbitrary {
    /// A small, exactly representable value.
    fn small(value: u8) -> Self;
    /// Widening to `f64`, the type the statistics accumulate in.
    fn widen(self) -> f64;
    fn is_nan(self) -> bool;
    /// The bit pattern, so that NaN equals NaN and `-0.0` differs from `0.0`.
    fn bits(self) -> u64;
    /// The edge values: the extremes of an integer; NaN, the infinities and negative
    /// zero of a float.
    fn edges() -> Vec<Self>;
    /// More values for batches, beyond the small and the edge ones.
    fn others() -> Vec<Self>;

    /// Mostly small values (so `contains` hits), arbitrary ones, and each edge value as
    /// often as half the arbitrary ones.
    fn strategy() -> BoxedStrategy<Self> {
        let edges = Self::edges();
        prop_oneof![
            6 => (0u8..8).prop_map(Self::small),
            2 => any::<Self>(),
            edges.len() as u32 => proptest::sample::select(edges),
        ]
        .boxed()
    }

    /// Values batches are drawn from: the same mix as [`Value::strategy`] without the
    /// arbitrary ones (the small values, the edges, the others).
    fn pool() -> Vec<Self> {
        let mut pool: Vec<Self> = (0..8).map(Self::small).collect();
        pool.extend(Self::edges());
        pool.extend(Self::others());
        pool
    }
}

macro_rules! integer_value {
    ($($t:ident)*) => {$(
        impl Value for $t {
            fn small(value: u8) -> Self {
                value as $t
            }
            fn widen(self) -> f64 {
                self as f64
            }
            fn is_nan(self) -> bool {
                false
            }
            fn bits(self) -> u64 {
                self as u64
            }
            fn edges() -> Vec<Self> {
                vec![$t::MIN, $t::MAX]
            }
            fn others() -> Vec<Self> {
                vec![$t::MAX / 3]
            }
        }
    )*};
}

macro_rules! float_value {
    ($($t:ident)*) => {$(
        impl Value for $t {
            fn small(value: u8) -> Self {
                $t::from(value)
            }
            fn widen(self) -> f64 {
                f64::from(self)
            }
            fn is_nan(self) -> bool {
                $t::is_nan(self)
            }
            fn bits(self) -> u64 {
                u64::from(self.to_bits())
            }
            fn edges() -> Vec<Self> {
                vec![$t::NAN, $t::INFINITY, $t::NEG_INFINITY, -0.0]
            }
            fn others() -> Vec<Self> {
                vec![0.1, $t::MAX]
            }
        }
    )*};
}

integer_value!(i8 i16 i32 i64 u8 u16 u32 u64);
float_value!(f32 f64);

/// Equal by `==`, or both NaN.
fn same<T: Value>(a: T, b: T) -> bool {
    a == b || (a.is_nan() && b.is_nan())
}

fn same_option<T: Value>(a: Option<T>, b: Option<T>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => same(a, b),
        (None, None) => true,
        _ => false,
    }
}

fn same_f64(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a == b || (a.is_nan() && b.is_nan()),
        (None, None) => true,
        _ => false,
    }
}

/// Asserts that two sequences hold the same values bit for bit (so NaN equals NaN and
/// `-0.0` differs from `0.0`).
#[track_caller]
fn assert_seq<T: Value>(got: impl IntoIterator<Item = T>, want: impl IntoIterator<Item = T>) {
    let got: Vec<T> = got.into_iter().collect();
    let want: Vec<T> = want.into_iter().collect();
    let bits = |values: &[T]| values.iter().map(|v| v.bits()).collect::<Vec<_>>();
    assert_eq!(bits(&got), bits(&want), "got {got:?}, want {want:?}");
}

// ---------------------------------------------------------------------------------------
// Reference statistics
// ---------------------------------------------------------------------------------------

/// The statistics of the window, computed the slow way.
impl<T: Value> Model<T> {
    fn sum(&self) -> Option<f64> {
        (!self.items.is_empty()).then(|| self.items.iter().map(|v| v.widen()).sum())
    }

    fn mean(&self) -> Option<f64> {
        self.sum().map(|sum| sum / self.items.len() as f64)
    }

    /// The smallest (`smaller = true`) or largest non-NaN value; NaN when all are NaN.
    fn extreme(&self, smaller: bool) -> Option<T> {
        let first = *self.items.front()?;
        let best = self
            .items
            .iter()
            .copied()
            .filter(|v| !v.is_nan())
            .reduce(|a, b| if (b < a) == smaller && b != a { b } else { a });
        Some(best.unwrap_or(first))
    }
}

/// Compares every read-only view of `ring` with the model.
fn check<T: Value>(ring: &NumericRingBuffer<T>, model: &Model<T>) {
    let len = model.items.len();
    assert_eq!(ring.len(), len);
    assert_eq!(ring.is_empty(), len == 0);
    assert_eq!(ring.is_full(), len == model.capacity);
    assert_eq!(ring.capacity(), model.capacity);
    assert_eq!(ring.overwritten(), model.overwritten);
    assert!(same_option(ring.peekleft(), model.items.front().copied()));
    assert!(same_option(ring.peekright(), model.items.back().copied()));

    let want = || model.items.iter().copied();
    assert_eq!(ring.iter().len(), len);
    assert_seq(ring.iter(), want());
    assert_seq(ring.iter().rev(), want().rev());
    assert_seq(ring, want());
    let (first, second) = ring.as_slices();
    assert!(!first.is_empty() || second.is_empty());
    assert_seq(first.iter().chain(second).copied(), want());
    assert_seq(ring.unwrapped(), want());
    assert_eq!(format!("{ring:?}"), format!("{:?}", model.items));

    support::check_indexing(ring, model, |got, want| same_option(got, want.copied()));
    for index in 0..len {
        assert!(same(ring[index], model.items[index]), "ring[{index}]");
    }

    assert!(same_f64(ring.sum(), model.sum()), "sum");
    assert!(same_f64(ring.mean(), model.mean()), "mean");
    assert!(same_option(ring.min(), model.extreme(true)), "min");
    assert!(same_option(ring.max(), model.extreme(false)), "max");
}

// ---------------------------------------------------------------------------------------
// Model-based property test, one per dtype
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
enum Op<T> {
    Insert(T),
    InsertBatch(Vec<T>),
    Extend(Vec<T>),
    Consume,
    ConsumeAll,
    Unwrapped,
    Get(usize),
    GetSigned(isize),
    OverwriteLatest(T),
    Contains(T),
    Clear,
    /// Rotates, then writes the value through the returned view into its first slot.
    MakeContiguous(Option<T>),
    CopyToSlice(usize),
    /// Clones, checks the copy, then changes the copy: the original must not follow.
    CloneDiverge(T),
}

/// Up to 70 values (longer than the largest rounded capacity, 32), drawn from
/// [`Value::pool`] by a seeded xorshift: much cheaper to generate than 70 strategies.
fn batch<T: Value>() -> impl Strategy<Value = Vec<T>> {
    (0usize..70, any::<u64>()).prop_map(|(len, seed)| {
        let pool = T::pool();
        let mut state = seed | 1;
        (0..len)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                pool[(state % pool.len() as u64) as usize]
            })
            .collect()
    })
}

fn op<T: Value>() -> impl Strategy<Value = Op<T>> {
    let value = T::strategy;
    let batch = batch::<T>;
    prop_oneof![
        10 => value().prop_map(Op::Insert),
        2 => batch().prop_map(Op::InsertBatch),
        1 => batch().prop_map(Op::Extend),
        5 => Just(Op::Consume),
        1 => Just(Op::ConsumeAll),
        1 => Just(Op::Unwrapped),
        2 => support::index().prop_map(Op::Get),
        2 => support::signed_index().prop_map(Op::GetSigned),
        2 => value().prop_map(Op::OverwriteLatest),
        2 => value().prop_map(Op::Contains),
        1 => Just(Op::Clear),
        1 => proptest::option::of(value()).prop_map(Op::MakeContiguous),
        1 => (0usize..40).prop_map(Op::CopyToSlice),
        1 => value().prop_map(Op::CloneDiverge),
    ]
}

fn ops<T: Value>() -> impl Strategy<Value = Vec<Op<T>>> {
    vec(op::<T>(), if cfg!(miri) { 0..20 } else { 0..200 })
}

fn apply<T: Value>(ring: &mut NumericRingBuffer<T>, model: &mut Model<T>, op: Op<T>) {
    match op {
        Op::Insert(v) => assert!(same_option(ring.insert(v), model.push(v))),
        Op::InsertBatch(values) => {
            ring.insert_batch(&values);
            for v in values {
                model.push(v);
            }
        }
        Op::Extend(values) => {
            ring.extend(values.iter().copied());
            for v in values {
                model.push(v);
            }
        }
        Op::Consume => assert!(same_option(ring.consume(), model.items.pop_front())),
        Op::ConsumeAll => assert_seq(ring.consume_all(), mem::take(&mut model.items)),
        Op::Unwrapped => {
            let copy = ring.unwrapped();
            assert_seq(copy.iter().copied(), ring.iter());
            assert_seq(copy, model.items.iter().copied());
        }
        Op::Get(i) => assert!(same_option(ring.get(i), model.items.get(i).copied())),
        Op::GetSigned(i) => assert!(same_option(
            ring.get_signed(i),
            model.get_signed(i).copied()
        )),
        Op::OverwriteLatest(v) => match (ring.overwrite_latest(v), model.items.back_mut()) {
            (Ok(old), Some(newest)) => assert!(same(old, mem::replace(newest, v))),
            (Err(back), None) => assert!(same(back, v)),
            (got, want) => panic!("overwrite_latest: ring {got:?}, model {want:?}"),
        },
        Op::Contains(v) => assert_eq!(ring.contains(v), model.items.contains(&v)),
        Op::Clear => {
            ring.clear();
            model.items.clear();
        }
        Op::MakeContiguous(write) => {
            let view = ring.make_contiguous();
            assert_seq(view.iter().copied(), model.items.iter().copied());
            if let (Some(v), Some(slot), Some(want)) =
                (write, view.first_mut(), model.items.front_mut())
            {
                *slot = v;
                *want = v;
            }
            assert!(ring.as_slices().1.is_empty());
        }
        Op::CopyToSlice(out_len) => {
            let sentinel = T::small(99);
            let mut out = vec![sentinel; out_len];
            let copied = ring.copy_to_slice(&mut out);
            let expected = out_len.min(model.items.len());
            assert_eq!(copied, expected);
            assert_seq(
                out.iter().copied(),
                model
                    .items
                    .iter()
                    .copied()
                    .take(expected)
                    .chain(std::iter::repeat_n(sentinel, out_len - expected)),
            );
        }
        Op::CloneDiverge(v) => {
            let mut copy = ring.clone();
            check(&copy, model);
            copy.insert(v);
            let _ = copy.overwrite_latest(v);
            copy.consume();
            copy.insert_batch(&[v, v]);
        }
    }
}

macro_rules! model_tests {
    ($($name:ident: $t:ty,)*) => {
        proptest! {
            #![proptest_config(support::config())]
            $(
                #[test]
                fn $name(requested in 1usize..=17, ops in ops::<$t>()) {
                    let ring = NumericRingBuffer::<$t>::new(requested).unwrap();
                    support::run(ring, Model::new(requested, false), ops, apply, check);
                }
            )*
        }
    };
}

model_tests! {
    model_i8: i8,
    model_i16: i16,
    model_i32: i32,
    model_i64: i64,
    model_u8: u8,
    model_u16: u16,
    model_u32: u32,
    model_u64: u64,
    model_f32: f32,
    model_f64: f64,
}

// ---------------------------------------------------------------------------------------
// Every dtype, every scalar method
// ---------------------------------------------------------------------------------------

/// The scalar API on one dtype, from an empty ring through a wrap to an empty one again.
fn scalar_methods<T: Value>() {
    let v = T::small;
    let mut ring = NumericRingBuffer::<T>::new(3).unwrap();
    assert_eq!(ring.capacity(), 4);
    assert_eq!((ring.peekleft(), ring.peekright()), (None, None));
    assert_eq!(ring.get(0), None);
    assert!(!ring.contains(v(0)));

    for n in 1..=4 {
        assert_eq!(ring.insert(v(n)), None);
    }
    assert!(ring.is_full());
    assert_eq!(ring.insert(v(5)), Some(v(1)));
    assert_eq!(ring.overwritten(), 1);
    assert!(ring.contains(v(5)));
    assert!(ring.contains(v(2)));
    assert!(!ring.contains(v(1)));
    assert_eq!(ring.peekleft(), Some(v(2)));
    assert_eq!(ring.peekright(), Some(v(5)));
    assert_eq!(ring.get(0), Some(v(2)));
    assert_eq!(ring.get(3), Some(v(5)));
    assert_eq!(ring.get(4), None);
    assert_eq!(ring.get_signed(-1), Some(v(5)));
    assert_eq!(ring.get_signed(-4), Some(v(2)));
    assert_eq!(ring.get_signed(-5), None);
    assert_eq!(ring[1], v(3));
    assert_eq!(ring.overwrite_latest(v(6)), Ok(v(5)));
    assert_eq!(ring.unwrapped(), [v(2), v(3), v(4), v(6)]);
    assert_eq!(ring.sum(), Some(15.0));
    assert_eq!(ring.mean(), Some(3.75));
    assert_eq!((ring.min(), ring.max()), (Some(v(2)), Some(v(6))));
    assert_eq!(ring.consume(), Some(v(2)));
    assert_eq!(ring.consume_all(), [v(3), v(4), v(6)]);

    // Nothing stale is visible once the ring is empty again.
    assert_eq!((ring.peekleft(), ring.peekright()), (None, None));
    assert_eq!((ring.get(0), ring.get_signed(-1)), (None, None));
    assert!(!ring.contains(v(6)));
    // No write into an invisible slot.
    assert_eq!(ring.overwrite_latest(v(7)), Err(v(7)));
    assert!(ring.is_empty());
    assert!(!ring.contains(v(7)));
}

macro_rules! for_every_dtype {
    ($f:ident) => {
        $f::<i8>();
        $f::<i16>();
        $f::<i32>();
        $f::<i64>();
        $f::<u8>();
        $f::<u16>();
        $f::<u32>();
        $f::<u64>();
        $f::<f32>();
        $f::<f64>();
    };
}

#[test]
fn every_dtype_supports_every_scalar_method() {
    for_every_dtype!(scalar_methods);
}

#[test]
fn every_dtype_names_itself() {
    let names = [
        <i8 as Numeric>::DTYPE,
        <i16 as Numeric>::DTYPE,
        <i32 as Numeric>::DTYPE,
        <i64 as Numeric>::DTYPE,
        <u8 as Numeric>::DTYPE,
        <u16 as Numeric>::DTYPE,
        <u32 as Numeric>::DTYPE,
        <u64 as Numeric>::DTYPE,
        <f32 as Numeric>::DTYPE,
        <f64 as Numeric>::DTYPE,
    ];
    assert_eq!(
        names,
        [
            "i8", "i16", "i32", "i64", "u8", "u16", "u32", "u64", "f32", "f64"
        ]
    );
}

/// The statistics of a ring emptied by consuming, by `consume_all` and by `clear` are
/// `None`: no stale value takes part.
#[test]
fn statistics_of_an_emptied_ring_are_none() {
    let assert_none = |ring: &NumericRingBuffer<f64>| {
        assert_eq!((ring.sum(), ring.mean()), (None, None));
        assert_eq!((ring.min(), ring.max()), (None, None));
    };
    let mut ring = NumericRingBuffer::new(4).unwrap();
    ring.insert_batch(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
    while ring.consume().is_some() {}
    assert_none(&ring);
    ring.insert_batch(&[7.0, 8.0]);
    ring.consume_all();
    assert_none(&ring);
    ring.insert_batch(&[1.0, 2.0, 3.0, 4.0, 5.0]);
    ring.clear();
    assert_none(&ring);
}

#[test]
fn overwrite_latest_on_an_empty_ring_gives_the_value_back() {
    let mut ring = NumericRingBuffer::<i32>::new(4).unwrap();
    assert_eq!(ring.overwrite_latest(7), Err(7));
    assert!(ring.is_empty());
    assert_eq!(ring.overwritten(), 0);

    ring.insert_batch(&[1, 2, 3, 4, 5]);
    ring.consume_all();
    assert_eq!(ring.overwrite_latest(8), Err(8));
    assert!(!ring.contains(8));
    ring.insert(9);
    assert_eq!(ring.unwrapped(), [9]);
    ring.clear();
    assert_eq!(ring.overwrite_latest(10), Err(10));
    assert_eq!(ring.consume(), None);
    assert_eq!(ring.overwritten(), 1);
}

// ---------------------------------------------------------------------------------------
// Insert, indexing, equality and the std traits
// ---------------------------------------------------------------------------------------

/// A ring whose window wraps around the end of its storage: `[3, 4, 5, 6]`, with 3 and 4
/// in the last two slots. (Built by single inserts: a batch may place its values
/// anywhere, and one that fills the ring places them without a wrap.)
fn wrapped() -> NumericRingBuffer<u16> {
    let mut ring = NumericRingBuffer::new(4).unwrap();
    for value in 1..=6 {
        ring.insert(value);
    }
    assert!(!ring.as_slices().1.is_empty(), "the window should wrap");
    ring
}

#[test]
fn insert_into_a_full_ring_returns_the_oldest_and_counts_it() {
    let mut ring = NumericRingBuffer::<u64>::new(2).unwrap();
    assert_eq!(ring.insert(1), None);
    assert_eq!(ring.insert(2), None);
    assert_eq!(ring.overwritten(), 0);
    assert_eq!(ring.insert(3), Some(1));
    assert_eq!(ring.overwritten(), 1);
    ring.insert_batch(&[4, 5, 6]);
    assert_eq!(ring.overwritten(), 4);
    ring.extend([7]);
    assert_eq!(ring.overwritten(), 5);
    assert_eq!(ring.unwrapped(), [6, 7]);
}

#[test]
#[should_panic(expected = "index out of bounds")]
fn index_out_of_range_panics() {
    let ring = wrapped();
    let _ = ring[4];
}

#[test]
fn contains_uses_eq() {
    let mut ring = NumericRingBuffer::<f64>::new(4).unwrap();
    ring.insert_batch(&[1.0, f64::NAN, -0.0]);
    assert!(ring.contains(1.0));
    assert!(ring.contains(0.0), "0.0 == -0.0");
    assert!(!ring.contains(f64::NAN), "NaN != NaN");
    assert!(!ring.contains(2.0));
}

#[test]
fn debug_prints_oldest_to_newest_like_a_list() {
    assert_eq!(format!("{:?}", wrapped()), "[3, 4, 5, 6]");
    let mut floats = NumericRingBuffer::<f32>::new(2).unwrap();
    assert_eq!(format!("{floats:?}"), "[]");
    floats.insert_batch(&[0.5, f32::NAN, -1.0]);
    assert_eq!(format!("{floats:?}"), "[NaN, -1.0]");
}

#[test]
fn clone_is_equal_and_independent() {
    let ring = wrapped();
    let mut copy = ring.clone();
    assert_eq!(copy, ring);
    assert_eq!(copy.overwritten(), ring.overwritten());
    copy.insert(7);
    copy.make_contiguous()[0] = 40;
    assert_ne!(copy, ring);
    assert_eq!(ring.unwrapped(), [3, 4, 5, 6]);
    assert_eq!(copy.unwrapped(), [40, 5, 6, 7]);
}

#[test]
fn extend_inserts_each_value_in_order() {
    let mut ring = NumericRingBuffer::<i8>::new(4).unwrap();
    ring.extend([1, 2]);
    ring.extend(3i8..=5);
    assert_eq!(ring.unwrapped(), [2, 3, 4, 5]);
    assert_eq!(ring.overwritten(), 1);
}

// ---------------------------------------------------------------------------------------
// Window statistics
// ---------------------------------------------------------------------------------------

#[test]
fn stats_are_none_when_empty() {
    fn empty<T: Value>() {
        let ring = NumericRingBuffer::<T>::new(4).unwrap();
        assert_eq!((ring.sum(), ring.mean()), (None, None));
        assert_eq!((ring.min(), ring.max()), (None, None));
    }
    for_every_dtype!(empty);
}

#[test]
fn stats_over_a_wrapped_window() {
    let mut ring = NumericRingBuffer::<i32>::new(4).unwrap();
    for value in [100, -100, 7, -3, 9, 1] {
        ring.insert(value); // window [7, -3, 9, 1], wrapped
    }
    assert!(!ring.as_slices().1.is_empty());
    assert_eq!(ring.sum(), Some(14.0));
    assert_eq!(ring.mean(), Some(3.5));
    assert_eq!(ring.min(), Some(-3));
    assert_eq!(ring.max(), Some(9));

    let mut one = NumericRingBuffer::<f64>::new(1).unwrap();
    one.insert_batch(&[5.0, -2.5]);
    assert_eq!((one.sum(), one.mean()), (Some(-2.5), Some(-2.5)));
    assert_eq!((one.min(), one.max()), (Some(-2.5), Some(-2.5)));
}

#[test]
fn min_and_max_skip_nan_like_f64_min() {
    let mut ring = NumericRingBuffer::<f64>::new(8).unwrap();
    ring.insert_batch(&[f64::NAN, 2.0, f64::NAN, -1.0, 0.5, f64::NAN]);
    assert_eq!(ring.min(), Some(-1.0));
    assert_eq!(ring.max(), Some(2.0));
    assert!(ring.sum().unwrap().is_nan(), "sum propagates NaN");

    let mut single = NumericRingBuffer::<f32>::new(4).unwrap();
    single.insert_batch(&[f32::NAN, 3.0]);
    assert_eq!((single.min(), single.max()), (Some(3.0), Some(3.0)));
    single.insert_batch(&[f32::NEG_INFINITY, f32::INFINITY]);
    assert_eq!(
        (single.min(), single.max()),
        (Some(f32::NEG_INFINITY), Some(f32::INFINITY))
    );
}

#[test]
fn min_and_max_of_an_all_nan_window_are_nan() {
    let mut ring = NumericRingBuffer::<f64>::new(4).unwrap();
    ring.insert_batch(&[1.0, f64::NAN, f64::NAN, f64::NAN, f64::NAN]);
    assert!(ring.min().unwrap().is_nan());
    assert!(ring.max().unwrap().is_nan());
    assert!(ring.mean().unwrap().is_nan());
}

#[test]
fn integer_sums_are_exact_below_two_to_the_53() {
    let mut ring = NumericRingBuffer::<i64>::new(4).unwrap();
    ring.insert_batch(&[1, 2, 3, -10]);
    assert_eq!(ring.sum(), Some(-4.0));
    assert_eq!(ring.mean(), Some(-1.0));
    let big = 1i64 << 52;
    ring.insert_batch(&[big, big - 1, 1, -big]);
    assert_eq!(ring.sum(), Some(big as f64));
    assert_eq!((ring.min(), ring.max()), (Some(-big), Some(big)));
}

#[test]
fn integer_sums_past_two_to_the_53_are_documented_as_inexact() {
    // The documented limit: the f64 accumulator cannot represent 2^53 + 1.
    let mut ring = NumericRingBuffer::<u64>::new(2).unwrap();
    ring.insert_batch(&[1 << 53, 1]);
    assert_eq!(ring.sum(), Some(9_007_199_254_740_992.0));
    // min and max stay exact: they compare in the dtype.
    ring.insert_batch(&[u64::MAX, u64::MAX - 1]);
    assert_eq!(
        (ring.min(), ring.max()),
        (Some(u64::MAX - 1), Some(u64::MAX))
    );
}

#[test]
fn small_integer_sums_do_not_overflow_the_dtype() {
    let mut ring = NumericRingBuffer::<u8>::new(4).unwrap();
    ring.insert_batch(&[200, 100]);
    assert_eq!(ring.sum(), Some(300.0));
    assert_eq!(ring.mean(), Some(150.0));
    let mut signed = NumericRingBuffer::<i8>::new(4).unwrap();
    signed.insert_batch(&[-128, -128, -128, 127]);
    assert_eq!(signed.sum(), Some(-257.0));
    assert_eq!((signed.min(), signed.max()), (Some(-128), Some(127)));
}

// ---------------------------------------------------------------------------------------
// The memcpy paths against the one-by-one path
// ---------------------------------------------------------------------------------------

/// A ring of `requested` capacity whose oldest value sits at physical slot `head`
/// (mod capacity) and which holds `fill` values; `next` numbers the values.
fn prepared<T: Value>(
    requested: usize,
    head: usize,
    fill: usize,
    next: &mut u8,
) -> NumericRingBuffer<T> {
    let mut ring = NumericRingBuffer::new(requested).unwrap();
    for _ in 0..head {
        ring.insert(T::small(0));
        ring.consume();
    }
    for _ in 0..fill {
        ring.insert(T::small(*next));
        *next = next.wrapping_add(1);
    }
    ring
}

/// Asserts the two rings are indistinguishable through the logical API.
#[track_caller]
fn assert_same_ring<T: Value>(got: &NumericRingBuffer<T>, want: &NumericRingBuffer<T>) {
    assert_eq!(got.unwrapped(), want.unwrapped());
    assert_eq!(got.len(), want.len());
    assert_eq!(got.is_full(), want.is_full());
    assert_eq!(got.overwritten(), want.overwritten());
    assert_eq!(
        (got.peekleft(), got.peekright()),
        (want.peekleft(), want.peekright())
    );
    assert!(got.iter().rev().eq(want.iter().rev()));
    let concat = |ring: &NumericRingBuffer<T>| {
        let (first, second) = ring.as_slices();
        [first, second].concat()
    };
    assert_eq!(concat(got), concat(want));
    assert_eq!(
        (got.sum(), got.min(), got.max()),
        (want.sum(), want.min(), want.max())
    );
}

fn batch_equals_loop_of_inserts<T: Value>() {
    let requested: &[usize] = if cfg!(miri) {
        &[1, 3]
    } else {
        &[1, 2, 3, 8, 16]
    };
    for &requested in requested {
        let capacity = requested.next_power_of_two();
        for head in 0..capacity {
            for fill in 0..=capacity {
                let lengths = [0, 1, capacity - 1, capacity, capacity + 1, 3 * capacity];
                for n in lengths {
                    let mut next = 1;
                    let mut batched = prepared::<T>(requested, head, fill, &mut next);
                    let mut looped = batched.clone();
                    let batch: Vec<T> = (0..n)
                        .map(|i| T::small(next.wrapping_add(i as u8)))
                        .collect();
                    batched.insert_batch(&batch);
                    for &v in &batch {
                        looped.insert(v);
                    }
                    let context = format!("capacity {capacity}, head {head}, fill {fill}, n {n}");
                    assert_eq!(batched.unwrapped(), looped.unwrapped(), "{context}");
                    assert_same_ring(&batched, &looped);

                    // Both keep behaving alike afterwards.
                    assert_eq!(batched.insert(T::small(200)), looped.insert(T::small(200)));
                    assert_eq!(batched.consume(), looped.consume());
                    let half = &batch[..n / 2];
                    batched.insert_batch(half);
                    for &v in half {
                        looped.insert(v);
                    }
                    assert_same_ring(&batched, &looped);
                    assert_eq!(batched.consume_all(), looped.consume_all(), "{context}");
                }
            }
        }
    }
}

#[test]
fn insert_batch_equals_a_loop_of_inserts() {
    batch_equals_loop_of_inserts::<u32>();
    // One dtype exercises the unsafe copy under Miri; natively, try three widths.
    if !cfg!(miri) {
        batch_equals_loop_of_inserts::<f64>();
        batch_equals_loop_of_inserts::<i8>();
    }
}

#[test]
fn copy_to_slice_fills_the_start_of_shorter_and_longer_outputs() {
    let ring = wrapped(); // [3, 4] at the end of storage, [5, 6] at its start
    for (out_len, expected) in [
        (0, &[][..]),
        (1, &[3][..]),
        (2, &[3, 4][..]),
        (3, &[3, 4, 5][..]),
        (4, &[3, 4, 5, 6][..]),
        (6, &[3, 4, 5, 6, 99, 99][..]),
    ] {
        let mut out = vec![99u16; out_len];
        let copied = ring.copy_to_slice(&mut out);
        assert_eq!(copied, out_len.min(4), "out of {out_len}");
        assert_eq!(out, expected, "out of {out_len}");
    }

    let empty = NumericRingBuffer::<u16>::new(4).unwrap();
    let mut out = [99u16; 3];
    assert_eq!(empty.copy_to_slice(&mut out), 0);
    assert_eq!(out, [99; 3]);
}

#[test]
fn make_contiguous_is_a_zero_copy_view() {
    let mut ring = wrapped();
    assert_eq!(ring.as_slices(), (&[3, 4][..], &[5, 6][..]));
    let view = ring.make_contiguous();
    assert_eq!(view, &[3, 4, 5, 6]);
    let at = view.as_ptr();
    view[0] = 30;
    view[3] = 60;
    assert_eq!(ring.as_slices(), (&[30, 4, 5, 60][..], &[][..]));
    assert_eq!(
        ring.as_slices().0.as_ptr(),
        at,
        "the view is the ring's storage"
    );
    assert_eq!((ring.peekleft(), ring.peekright()), (Some(30), Some(60)));
    assert_eq!(
        ring.make_contiguous().as_ptr(),
        at,
        "already contiguous: no move"
    );

    // The ring keeps working after the rotation.
    assert_eq!(ring.insert(7), Some(30));
    assert_eq!(ring.unwrapped(), [4, 5, 60, 7]);
    assert_eq!(ring.make_contiguous(), &[4, 5, 60, 7]);
    assert!(ring.as_slices().1.is_empty());
}
