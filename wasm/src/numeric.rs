//! `NumericRingBuffer`: a ring of numbers of one dtype, with TypedArrays in and out.

use core::iter::FusedIterator;
use core::ops::Range;
use std::rc::Rc;

use js_sys::Array;
use mmring_core::{Fifo, NumericRingBuffer as CoreRing, Ring};
use wasm_bindgen::prelude::*;

use crate::args;
use crate::dtype::{Dtype, Element, Reject};
use crate::errors::{capacity_error, empty_error, range_error, type_error};
use crate::fast;
use crate::ring::{JsRing, Shared, ring_methods};

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r#"
/** What each dtype spelling stands for: its short name, its values and its TypedArray. */
export interface DtypeMap {
  i8: { name: "i8"; value: number; array: Int8Array };
  int8: { name: "i8"; value: number; array: Int8Array };
  i16: { name: "i16"; value: number; array: Int16Array };
  int16: { name: "i16"; value: number; array: Int16Array };
  i32: { name: "i32"; value: number; array: Int32Array };
  int32: { name: "i32"; value: number; array: Int32Array };
  i64: { name: "i64"; value: bigint; array: BigInt64Array };
  int64: { name: "i64"; value: bigint; array: BigInt64Array };
  u8: { name: "u8"; value: number; array: Uint8Array };
  uint8: { name: "u8"; value: number; array: Uint8Array };
  u16: { name: "u16"; value: number; array: Uint16Array };
  uint16: { name: "u16"; value: number; array: Uint16Array };
  u32: { name: "u32"; value: number; array: Uint32Array };
  uint32: { name: "u32"; value: number; array: Uint32Array };
  u64: { name: "u64"; value: bigint; array: BigUint64Array };
  uint64: { name: "u64"; value: bigint; array: BigUint64Array };
  f32: { name: "f32"; value: number; array: Float32Array };
  float32: { name: "f32"; value: number; array: Float32Array };
  f64: { name: "f64"; value: number; array: Float64Array };
  float64: { name: "f64"; value: number; array: Float64Array };
}

/** The dtypes of a NumericRingBuffer: the short name or the NumPy name. */
export type Dtype = keyof DtypeMap;

/** The values of dtype `D`: `number`, or `bigint` for `"i64"`/`"u64"`. */
export type NumericValue<D extends Dtype = Dtype> = DtypeMap[D]["value"];

/** The TypedArray of dtype `D` (`Float64Array` for `"f64"`). */
export type NumericArrayOf<D extends Dtype = Dtype> = DtypeMap[D]["array"];

/** The TypedArray of a NumericRingBuffer's dtype, whichever it is. */
export type NumericArray = NumericArrayOf<Dtype>;

/**
 * A ring of numbers of one dtype (`new NumericRingBuffer(capacity, "f64")`), typed by
 * its dtype: `NumericRingBuffer<"f64">` takes and gives `number`s and `Float64Array`s,
 * `NumericRingBuffer<"i64">` `bigint`s and `BigInt64Array`s.
 *
 * An integer value must be whole and in the dtype's range (`RangeError` otherwise); an
 * `f32` value is rounded as a `Float32Array` would round it. `sum()`, `mean()`, `min()`
 * and `max()` summarise the window (`undefined` when empty).
 */
export class NumericRingBuffer<D extends Dtype = "f64"> {
  /**
   * An empty ring holding up to `capacity` values (rounded up to a power of two) of
   * `dtype` (default `"f64"`; NumPy names such as `"float64"` are accepted). Throws a
   * `TypeError` if `capacity` is not a number or `dtype` not a string, a `RangeError`
   * for capacity 0 (or not whole, negative, too large) and for an unknown dtype.
   */
  constructor(capacity: number, dtype?: D);
  /** Releases the ring's wasm memory now; any later call throws an `Error` naming it. */
  free(): void;
  /** `free()`, for `using`. */
  [Symbol.dispose](): void;
  /** The dtype's short name (`"f64"`, also for a ring made with `"float64"`). */
  readonly dtype: DtypeMap[D]["name"];
  /** Number of values held. */
  readonly length: number;
  /** Maximum number of values held: the requested capacity rounded up to a power of two. */
  readonly capacity: number;
  /** How many values inserts have evicted from the full ring so far. */
  readonly overwritten: number;
  /** Whether `close()` was called. */
  readonly closed: boolean;
  /**
   * Appends `value` as the newest. Returns the oldest value if the ring was full and it
   * was evicted, else `undefined`. If an `aconsume()` is waiting, the value goes to it
   * instead. Throws a `TypeError` for a value of the wrong type, a `RangeError` for an
   * integer value that is not whole or out of range.
   */
  insert(value: NumericValue<D>): NumericValue<D> | undefined;
  /**
   * Appends a batch in order, as repeated `insert`s would; only the newest `capacity`
   * values remain. A TypedArray of the ring's dtype is copied into wasm memory in bulk;
   * any other iterable is checked value by value first, and nothing is inserted if one
   * value is invalid (the error names its index).
   */
  insertBatch(values: NumericArrayOf<D> | NumericArray | Iterable<NumericValue<D>>): void;
  /** Removes and returns the oldest value; `undefined` when empty. */
  consume(): NumericValue<D> | undefined;
  /** Removes every value and returns them, oldest → newest, in a new TypedArray. */
  consumeAll(): NumericArrayOf<D>;
  /** A copy of the values, oldest → newest, in a new TypedArray. */
  unwrapped(): NumericArrayOf<D>;
  /**
   * The values, oldest → newest, as a TypedArray over the ring's storage in wasm
   * memory: no copy. Rotates the storage first if the window wraps (O(capacity) then,
   * O(1) when it is already contiguous).
   *
   * Valid only until the next call that changes the ring (an insert, a consume,
   * `clear`, …) or allocates in wasm memory (any `mmring` call may): after that it may
   * show other values, or be empty (length 0) if wasm memory grew. Read it at once, copy
   * (`view.slice()`) what you keep, never write through it.
   */
  view(): NumericArrayOf<D>;
  /**
   * The values as two TypedArrays over the ring's storage, oldest first (the second is
   * empty unless the window wraps). O(1); valid only as long as `view()`'s result is.
   */
  viewSlices(): [NumericArrayOf<D>, NumericArrayOf<D>];
  /** The oldest value, left in place; `undefined` when empty. */
  peekLeft(): NumericValue<D> | undefined;
  /** The newest value, left in place; `undefined` when empty. */
  peekRight(): NumericValue<D> | undefined;
  /**
   * The value at `index`, like `Array.prototype.at`: `0` is the oldest, `-1` the
   * newest; `undefined` out of range. Throws a `TypeError` if `index` is not a number,
   * a `RangeError` if it is not whole.
   */
  get(index: number): NumericValue<D> | undefined;
  /** The value at `index`, exactly as `get(index)` (`ring.at(-1)` is the newest). */
  at(index: number): NumericValue<D> | undefined;
  /**
   * Replaces the newest value and returns the replaced one. Throws an `Error` when the
   * ring is empty, and as `insert` for an invalid value.
   */
  overwriteLatest(value: NumericValue<D>): NumericValue<D>;
  /** Whether `value` is held (`==` on the dtype's values, so `NaN` is never found). */
  contains(value: NumericValue<D>): boolean;
  /** Removes every value (the `overwritten` count is kept). */
  clear(): void;
  /** Whether the ring holds no values. */
  isEmpty(): boolean;
  /** Whether the ring is full: the next insert evicts the oldest value. */
  isFull(): boolean;
  /** The sum of the values (added in 64-bit floats); `undefined` when empty. */
  sum(): number | undefined;
  /** The mean of the values; `undefined` when empty. */
  mean(): number | undefined;
  /** The smallest value (`NaN` skipped unless every value is `NaN`); `undefined` when empty. */
  min(): NumericValue<D> | undefined;
  /** The largest value (`NaN` skipped unless every value is `NaN`); `undefined` when empty. */
  max(): NumericValue<D> | undefined;
  /**
   * The values, oldest → newest, as a plain `Array` for `JSON.stringify`: numbers, or
   * decimal strings for `"i64"`/`"u64"` (JSON has no `bigint`).
   */
  toJSON(): (D extends "i64" | "int64" | "u64" | "uint64" ? string : number)[];
  /** A snapshot of the values, oldest → newest: `for (const x of ring)`, `[...ring]`. */
  [Symbol.iterator](): IterableIterator<NumericValue<D>>;
  /**
   * A promise of the oldest value: resolved at once if the ring holds one, otherwise
   * by the next insert. Resolves with `undefined` once the ring is closed and empty.
   */
  aconsume(): Promise<NumericValue<D> | undefined>;
  /** An async iterator over the values as they arrive, for `for await`. */
  aconsumeIterable(): AsyncIterableIterator<NumericValue<D>>;
  /**
   * Closes the ring for waiting: pending `aconsume()` promises resolve with
   * `undefined` and async iterators end. Values held stay consumable.
   */
  close(): void;
}
"#;

/// A ring of numbers of one dtype (`new NumericRingBuffer(capacity, "f64")`).
///
/// Values are JS `number`s, or `bigint`s for the 64-bit integer dtypes `i64`/`u64`.
/// An integer value must be whole and in the dtype's range (`RangeError` otherwise);
/// an `f32` value is rounded as a `Float32Array` would round it.
///
/// Batches go in and out as TypedArrays: `insertBatch(float64Array)` copies the array
/// into wasm memory in bulk, `unwrapped()` and `consumeAll()` return a new TypedArray
/// of the dtype, and `view()` returns one that looks straight into the ring's storage.
/// `sum()`, `mean()`, `min()` and `max()` summarise the window (`undefined` when
/// empty; `min`/`max` skip `NaN`; `sum`/`mean` add in `f64`, inexact past 2^53 for
/// 64-bit integers).
///
/// The TypeScript declaration is written by hand (`TS_TYPES`), generic over the dtype;
/// the npm package replaces the hot methods with the fast paths of `wasm/npm/fast.js`
/// (see the `fast` module), which call the hidden `__*` methods below.
#[wasm_bindgen(skip_typescript)]
pub struct NumericRingBuffer {
    shared: Rc<Shared<AnyRing>>,
    dtype: Dtype,
}

#[wasm_bindgen]
impl NumericRingBuffer {
    /// An empty ring holding up to `capacity` values (rounded up to a power of two) of
    /// `dtype` (default `"f64"`; NumPy names such as `"float64"` are accepted). Throws
    /// a `TypeError` if `capacity` is not a number or `dtype` not a string, a
    /// `RangeError` for capacity 0 (or not whole, negative, too large) and for an
    /// unknown dtype.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "number")] capacity: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "Dtype")] dtype: Option<JsValue>,
    ) -> Result<NumericRingBuffer, JsValue> {
        const CONTEXT: &str = "new NumericRingBuffer";
        let capacity = args::capacity(&capacity, CONTEXT)?;
        let dtype = match dtype {
            None => Dtype::F64,
            Some(dtype) => {
                let Some(name) = dtype.as_string() else {
                    return Err(type_error(
                        CONTEXT,
                        &format!("dtype must be a string, got {}", args::describe(&dtype)),
                    ));
                };
                Dtype::parse(&name).ok_or_else(|| {
                    range_error(
                        CONTEXT,
                        &format!("unknown dtype {name:?}; use one of {}", Dtype::spellings()),
                    )
                })?
            }
        };
        let ring = AnyRing::new(dtype, capacity).map_err(|err| capacity_error(CONTEXT, &err))?;
        Ok(Self {
            shared: Shared::new(ring),
            dtype,
        })
    }

    /// The dtype's short name (`"f64"`, also for a ring made with `"float64"`).
    #[wasm_bindgen(getter, unchecked_return_type = "Dtype")]
    pub fn dtype(&self) -> String {
        self.dtype.name().to_owned()
    }

    /// Appends `value` as the newest. Returns the oldest value if the ring was full and
    /// it was evicted, else `undefined`. If an `aconsume()` is waiting, the value goes
    /// to it instead. Throws a `TypeError` for a value of the wrong type (a `number`
    /// for `i64`/`u64`, a `bigint` for the others, anything else), a `RangeError` for
    /// an integer value that is not whole or out of range.
    #[wasm_bindgen(unchecked_return_type = "number | bigint | undefined")]
    pub fn insert(
        &self,
        #[wasm_bindgen(unchecked_param_type = "number | bigint")] value: &JsValue,
    ) -> Result<JsValue, JsValue> {
        const CONTEXT: &str = "NumericRingBuffer.insert";
        let mut ring = self.shared.ring_mut(CONTEXT)?;
        if self.shared.waiters.any() {
            let value = dispatch!(&*ring, r => r.normalize(value, CONTEXT))?;
            drop(ring);
            if let Some(waiter) = self.shared.waiters.pop() {
                waiter.deliver(value);
            }
            return Ok(JsValue::UNDEFINED);
        }
        dispatch!(&mut *ring, r => r.insert(value, CONTEXT))
    }

    /// Appends a batch in order, as repeated `insert`s would; when it holds more
    /// values than the capacity, only the newest remain. A TypedArray of the ring's
    /// dtype (`Float64Array` for `f64`) is copied into wasm memory in bulk; any other
    /// iterable (an `Array`, another TypedArray) is checked value by value first, and
    /// nothing is inserted if one value is invalid (the error names its index).
    #[wasm_bindgen(js_name = insertBatch)]
    pub fn insert_batch(
        &self,
        #[wasm_bindgen(unchecked_param_type = "NumericArray | Iterable<number | bigint>")]
        values: &JsValue,
    ) -> Result<(), JsValue> {
        const CONTEXT: &str = "NumericRingBuffer.insertBatch";
        let batch = if self.dtype.is_typed_array(values) {
            Batch::Typed(values)
        } else {
            Batch::Items(args::iterable(values, CONTEXT)?)
        };
        let waiting = self.shared.waiters.count();
        let mut ring = self.shared.ring_mut(CONTEXT)?;
        let handed = dispatch!(&mut *ring, r => r.insert_batch(batch, waiting, CONTEXT))?;
        drop(ring);
        for (waiter, value) in self
            .shared
            .waiters
            .take(handed.len())
            .into_iter()
            .zip(handed)
        {
            waiter.deliver(value);
        }
        Ok(())
    }

    /// The values, oldest → newest, as a TypedArray that views the ring's storage in
    /// wasm memory without copying. Rotates the storage first if the window wraps
    /// around its end (O(capacity) then; O(1) when the window is already contiguous,
    /// see `viewSlices()` for a view that never rotates).
    ///
    /// The view is valid only until the next call on any `mmring` object: the next
    /// call that changes the ring (an insert, a consume, `clear`, …) changes what it
    /// shows, and any call may allocate in wasm memory, after which (if the memory
    /// grew) it is empty (length 0). Read it at once, and copy (`view.slice()`) what
    /// you keep. Never write through it.
    #[wasm_bindgen(unchecked_return_type = "NumericArray")]
    pub fn view(&self) -> Result<JsValue, JsValue> {
        let mut ring = self.shared.ring_mut("NumericRingBuffer.view")?;
        Ok(dispatch!(&mut *ring, r => r.view()))
    }

    /// The values as two TypedArrays viewing the ring's storage, oldest first: the
    /// second is empty unless the window wraps around the end of the storage. O(1)
    /// always; valid only as long as `view()`'s result is.
    #[wasm_bindgen(
        js_name = viewSlices,
        unchecked_return_type = "[NumericArray, NumericArray]"
    )]
    pub fn view_slices(&self) -> Result<Array, JsValue> {
        let ring = self.shared.ring("NumericRingBuffer.viewSlices")?;
        Ok(dispatch!(&*ring, r => r.view_slices()))
    }

    /// Replaces the newest value and returns the replaced one. Throws an `Error` when
    /// the ring is empty, and as `insert` for an invalid value.
    #[wasm_bindgen(js_name = overwriteLatest, unchecked_return_type = "number | bigint")]
    pub fn overwrite_latest(
        &self,
        #[wasm_bindgen(unchecked_param_type = "number | bigint")] value: &JsValue,
    ) -> Result<JsValue, JsValue> {
        const CONTEXT: &str = "NumericRingBuffer.overwriteLatest";
        let mut ring = self.shared.ring_mut(CONTEXT)?;
        dispatch!(&mut *ring, r => r.overwrite_latest(value, CONTEXT))
    }

    /// Whether `value` is held (`==` on the dtype's values, so `NaN` is never found).
    /// A value the dtype cannot hold (a fraction for an integer dtype) is not held;
    /// a value of the wrong type throws a `TypeError`.
    pub fn contains(
        &self,
        #[wasm_bindgen(unchecked_param_type = "number | bigint")] value: &JsValue,
    ) -> Result<bool, JsValue> {
        const CONTEXT: &str = "NumericRingBuffer.contains";
        let ring = self.shared.ring(CONTEXT)?;
        dispatch!(&*ring, r => r.contains(value, CONTEXT))
    }

    /// The sum of the values as a `number`; `undefined` when empty.
    pub fn sum(&self) -> Result<Option<f64>, JsValue> {
        let ring = self.shared.ring("NumericRingBuffer.sum")?;
        Ok(dispatch!(&*ring, r => r.ring.sum()))
    }

    /// The mean of the values as a `number`; `undefined` when empty.
    pub fn mean(&self) -> Result<Option<f64>, JsValue> {
        let ring = self.shared.ring("NumericRingBuffer.mean")?;
        Ok(dispatch!(&*ring, r => r.ring.mean()))
    }

    /// The smallest value (`NaN` skipped unless every value is `NaN`); `undefined`
    /// when empty.
    #[wasm_bindgen(unchecked_return_type = "number | bigint | undefined")]
    pub fn min(&self) -> Result<JsValue, JsValue> {
        let ring = self.shared.ring("NumericRingBuffer.min")?;
        Ok(dispatch!(&*ring, r => to_js(r.ring.min())))
    }

    /// The largest value (`NaN` skipped unless every value is `NaN`); `undefined` when
    /// empty.
    #[wasm_bindgen(unchecked_return_type = "number | bigint | undefined")]
    pub fn max(&self) -> Result<JsValue, JsValue> {
        let ring = self.shared.ring("NumericRingBuffer.max")?;
        Ok(dispatch!(&*ring, r => to_js(r.ring.max())))
    }
}

/// The fast paths of `wasm/npm/fast.js`: plain numbers in and out, nothing allocated,
/// nothing thrown. Hidden from TypeScript; not for direct use. Each either does exactly
/// what the method it speeds up does, or nothing and says "slow" (see `fast.rs`).
///
/// They are static and take the ring's handle (`__handle()`, the address of its shared
/// state) rather than `this`: that skips the reference count and borrow flag that
/// `wasm-bindgen` maintains around every method call, a third of a scalar insert's
/// cost. Handle 0 (what fast.js holds after `free()`) takes the slow path.
#[wasm_bindgen]
impl NumericRingBuffer {
    /// The byte address of the fast paths' scratch block.
    #[wasm_bindgen(js_name = __layout, skip_typescript)]
    pub fn fast_layout() -> Vec<u32> {
        fast::layout().to_vec()
    }

    /// The ring's handle for the fast paths: the address of its shared state, which
    /// lives as long as this object. fast.js keeps it on the object and sets it to 0
    /// in `free()` before the ring is released.
    #[wasm_bindgen(js_name = __handle, skip_typescript)]
    pub fn fast_handle(&self) -> u32 {
        // wasm32 addresses fit `u32`.
        Rc::as_ptr(&self.shared) as usize as u32
    }

    /// `insert(value)` of a `number`: the evicted value, else `NaN` with the status.
    #[wasm_bindgen(js_name = __insert, skip_typescript)]
    pub fn fast_insert(handle: u32, value: f64) -> f64 {
        with_handle(handle, fast::slow, |shared| {
            let Some(mut ring) = shared.try_ring_mut() else {
                return fast::slow();
            };
            // Consumers wait only on an empty ring.
            dispatch!(&mut *ring, r => {
                if r.ring.is_empty() && shared.waiters.any() {
                    fast::slow()
                } else {
                    r.fast_insert(value)
                }
            })
        })
    }

    /// `insertBatch` of `n` values of the dtype numbered `kind` (the order of
    /// `Dtype::ALL`), which the JS then writes in place: makes room for them as
    /// `insertBatch` would (evicting the oldest; only the newest `capacity` of a longer
    /// batch stay) and says where the newest `min(n, capacity)` of them go, oldest
    /// first. The JS must write them there before any other call into wasm.
    ///
    /// Returns the element index in wasm memory (the byte address divided by the
    /// dtype's size) where all `n` go when they fit in one piece; -2 when
    /// they do not (they wrap around the end of the storage, or `n` exceeds the
    /// capacity, or the index exceeds `i32`), with the two slices' byte addresses and
    /// lengths in the scratch block;
    /// or -1, having done nothing (another dtype, a pending `aconsume()`,
    /// a busy ring, handle 0).
    #[wasm_bindgen(js_name = __append, skip_typescript)]
    pub fn fast_append(handle: u32, kind: u32, n: u32) -> i32 {
        with_handle(
            handle,
            || APPEND_SLOW,
            |shared| {
                let Some(mut ring) = shared.try_ring_mut() else {
                    return APPEND_SLOW;
                };
                // One dispatch: the arm checks the dtype, then (consumers wait only on
                // an empty ring) the waiters, then makes room.
                dispatch!(&mut *ring, r => {
                    if kind != r.dtype() as u32 || (r.ring.is_empty() && shared.waiters.any()) {
                        return APPEND_SLOW;
                    }
                    let (first, second) = r.ring.append_slots(n as usize);
                    if first.len() == n as usize
                        && let Some(index) = element_index(first)
                    {
                        return index;
                    }
                    // wasm32 addresses and lengths fit `u32`.
                    let place = |s: &[_]| (s.as_ptr() as usize as u32, s.len() as u32);
                    fast::set_slices([place(first), place(second)]);
                    APPEND_SPLIT
                })
            },
        )
    }

    /// The `length` getter; -1 when the ring is busy (the checked getter says so).
    #[wasm_bindgen(js_name = __len, skip_typescript)]
    pub fn fast_len(handle: u32) -> i32 {
        with_handle(
            handle,
            || -1,
            |shared| {
                shared
                    .try_ring()
                    .map_or(-1, |ring| i32::try_from(ring.len()).unwrap_or(-1))
            },
        )
    }

    /// `peekRight()` (`newest`) or `peekLeft()`.
    #[wasm_bindgen(js_name = __peek, skip_typescript)]
    pub fn fast_peek(handle: u32, newest: bool) -> f64 {
        with_handle(handle, fast::slow, |shared| {
            let Some(ring) = shared.try_ring() else {
                return fast::slow();
            };
            dispatch!(&*ring, r => Typed::fast_number(if newest {
                r.ring.peekright()
            } else {
                r.ring.peekleft()
            }))
        })
    }

    /// `get(index)` and `at(index)` of a `number` index.
    #[wasm_bindgen(js_name = __get, skip_typescript)]
    pub fn fast_get(handle: u32, index: f64) -> f64 {
        if index.fract() != 0.0 || index.is_nan() {
            return fast::slow();
        }
        with_handle(handle, fast::slow, |shared| {
            let Some(ring) = shared.try_ring() else {
                return fast::slow();
            };
            if index.abs() > ring.len() as f64 {
                return fast::none();
            }
            dispatch!(&*ring, r => Typed::fast_number(r.ring.get_signed(index as isize)))
        })
    }

    /// `view()`: makes the window contiguous, stores its address and length in the
    /// scratch block and returns the dtype's number (the order of `Dtype::ALL`); -1
    /// when the ring is busy.
    #[wasm_bindgen(js_name = __view, skip_typescript)]
    pub fn fast_view(handle: u32) -> i32 {
        with_handle(
            handle,
            || -1,
            |shared| {
                let Some(mut ring) = shared.try_ring_mut() else {
                    return -1;
                };
                let dtype = ring.dtype();
                dispatch!(&mut *ring, r => {
                    let window = r.ring.make_contiguous();
                    // wasm32 addresses and lengths fit `u32`.
                    fast::set_window(window.as_ptr() as usize as u32, window.len() as u32);
                });
                dtype as i32
            },
        )
    }

    /// `unwrapped()`: stores the address and length of the window's two slices (oldest
    /// first; the second is empty unless the window wraps) in the scratch block, without
    /// rotating, and returns the dtype's number; -1 when the ring is busy.
    #[wasm_bindgen(js_name = __slices, skip_typescript)]
    pub fn fast_slices(handle: u32) -> i32 {
        with_handle(
            handle,
            || -1,
            |shared| {
                let Some(ring) = shared.try_ring() else {
                    return -1;
                };
                dispatch!(&*ring, r => {
                    let (first, second) = r.ring.as_slices();
                    // wasm32 addresses and lengths fit `u32`.
                    let place = |s: &[_]| (s.as_ptr() as usize as u32, s.len() as u32);
                    fast::set_slices([place(first), place(second)]);
                });
                ring.dtype() as i32
            },
        )
    }
}

/// `__append`: nothing was done; take the checked path.
const APPEND_SLOW: i32 = -1;
/// `__append`: the values go in two pieces, reported in the scratch block.
const APPEND_SPLIT: i32 = -2;

/// The index of `slice`'s first element in wasm memory viewed as `T`s (its byte
/// address divided by `T`'s size), if it fits an `i32` (an `i32` result crosses into
/// JavaScript more cheaply than an `f64`; past 2 GiB of memory a byte ring's index
/// does not fit, and the caller reports the place in the scratch block instead).
fn element_index<T>(slice: &[T]) -> Option<i32> {
    i32::try_from(slice.as_ptr() as usize / size_of::<T>()).ok()
}

/// Runs `f` on the shared state that `handle` (from `__handle()`) addresses, or
/// returns `slow()` for handle 0.
#[inline]
fn with_handle<R>(
    handle: u32,
    slow: impl FnOnce() -> R,
    f: impl FnOnce(&Shared<AnyRing>) -> R,
) -> R {
    if handle == 0 {
        return slow();
    }
    // SAFETY: a non-zero handle is what `__handle()` returned for a live ring: the
    // address of the `Shared` its `Rc` keeps alive while the JS object holds the ring.
    // fast.js stores the handle on that object only, passes it only to these fast
    // paths, and sets it to 0 in `free()` before the ring is released (after `free()`
    // the object's methods throw anyway); a garbage-collected object makes no more
    // calls. This is the contract `wasm-bindgen` itself relies on for `__wbg_ptr`. The
    // reference is shared, and every mutation goes through the `RefCell`s inside.
    let shared = unsafe { &*(handle as usize as *const Shared<AnyRing>) };
    f(shared)
}

ring_methods!(
    NumericRingBuffer,
    ring: AnyRing,
    maybe_item: "number | bigint | undefined",
    all_items: "NumericArray",
    iterator: "IterableIterator<number | bigint>",
    promise: "Promise<number | bigint | undefined>",
    async_iterator: "AsyncIterableIterator<number | bigint>",
    json: "(number | string)[]",
);

/// Runs `$body` with `$r` bound to the typed ring inside an [`AnyRing`].
macro_rules! dispatch {
    ($any:expr, $r:ident => $body:expr) => {
        match $any {
            AnyRing::I8($r) => $body,
            AnyRing::I16($r) => $body,
            AnyRing::I32($r) => $body,
            AnyRing::I64($r) => $body,
            AnyRing::U8($r) => $body,
            AnyRing::U16($r) => $body,
            AnyRing::U32($r) => $body,
            AnyRing::U64($r) => $body,
            AnyRing::F32($r) => $body,
            AnyRing::F64($r) => $body,
        }
    };
}
use dispatch;

/// The ring of whichever dtype the constructor was given.
enum AnyRing {
    I8(Typed<i8>),
    I16(Typed<i16>),
    I32(Typed<i32>),
    I64(Typed<i64>),
    U8(Typed<u8>),
    U16(Typed<u16>),
    U32(Typed<u32>),
    U64(Typed<u64>),
    F32(Typed<f32>),
    F64(Typed<f64>),
}

impl AnyRing {
    /// The dtype of the values.
    fn dtype(&self) -> Dtype {
        match self {
            AnyRing::I8(_) => Dtype::I8,
            AnyRing::I16(_) => Dtype::I16,
            AnyRing::I32(_) => Dtype::I32,
            AnyRing::I64(_) => Dtype::I64,
            AnyRing::U8(_) => Dtype::U8,
            AnyRing::U16(_) => Dtype::U16,
            AnyRing::U32(_) => Dtype::U32,
            AnyRing::U64(_) => Dtype::U64,
            AnyRing::F32(_) => Dtype::F32,
            AnyRing::F64(_) => Dtype::F64,
        }
    }

    fn new(dtype: Dtype, capacity: usize) -> Result<Self, mmring_core::CapacityError> {
        Ok(match dtype {
            Dtype::I8 => AnyRing::I8(Typed::new(capacity)?),
            Dtype::I16 => AnyRing::I16(Typed::new(capacity)?),
            Dtype::I32 => AnyRing::I32(Typed::new(capacity)?),
            Dtype::I64 => AnyRing::I64(Typed::new(capacity)?),
            Dtype::U8 => AnyRing::U8(Typed::new(capacity)?),
            Dtype::U16 => AnyRing::U16(Typed::new(capacity)?),
            Dtype::U32 => AnyRing::U32(Typed::new(capacity)?),
            Dtype::U64 => AnyRing::U64(Typed::new(capacity)?),
            Dtype::F32 => AnyRing::F32(Typed::new(capacity)?),
            Dtype::F64 => AnyRing::F64(Typed::new(capacity)?),
        })
    }
}

/// A ring of JS numbers (or `bigint`s): values leave the typed ring converted.
impl Fifo for AnyRing {
    type Item = JsValue;

    fn len(&self) -> usize {
        dispatch!(self, r => r.ring.len())
    }

    fn capacity(&self) -> usize {
        dispatch!(self, r => r.ring.capacity())
    }

    fn overwritten(&self) -> u64 {
        dispatch!(self, r => r.ring.overwritten())
    }

    fn consume(&mut self) -> Option<JsValue> {
        dispatch!(self, r => r.ring.consume().map(Element::to_js))
    }

    fn clear(&mut self) {
        dispatch!(self, r => r.ring.clear())
    }
}

/// Reads convert the value in place to a JS value.
impl Ring for AnyRing {
    type View<'a> = JsValue;
    type Iter<'a> = AnyIter<'a>;
    type Needle<'a> = &'a JsValue;

    fn get(&self, index: usize) -> Option<JsValue> {
        dispatch!(self, r => r.ring.get(index).map(Element::to_js))
    }

    fn iter(&self) -> AnyIter<'_> {
        AnyIter {
            ring: self,
            logical: 0..self.len(),
        }
    }

    fn to_item(view: JsValue) -> JsValue {
        view
    }

    /// A value of the wrong type, or one the dtype cannot hold, is not held.
    fn contains(&self, value: &JsValue) -> bool {
        dispatch!(self, r => r.holds(value).unwrap_or(false))
    }
}

/// The values are JS values already; `unwrapped()` and `consumeAll()` give a
/// TypedArray of the dtype, copied out of the ring in bulk.
impl JsRing for AnyRing {
    fn item_to_js(item: JsValue) -> JsValue {
        item
    }

    fn view_to_js(view: JsValue) -> JsValue {
        view
    }

    fn snapshot_js(&self) -> JsValue {
        dispatch!(self, r => r.unwrapped())
    }

    /// Numbers, or decimal strings for the 64-bit integers.
    fn json_js(&self) -> JsValue {
        dispatch!(self, r => r.ring.iter().map(Element::to_json).collect::<Array>().into())
    }
}

/// The values of an [`AnyRing`] as JS values, oldest → newest.
struct AnyIter<'a> {
    ring: &'a AnyRing,
    /// Logical positions (0 = oldest) not yet yielded.
    logical: Range<usize>,
}

impl Iterator for AnyIter<'_> {
    type Item = JsValue;

    fn next(&mut self) -> Option<JsValue> {
        self.ring.get(self.logical.next()?)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.logical.size_hint()
    }
}

impl DoubleEndedIterator for AnyIter<'_> {
    fn next_back(&mut self) -> Option<JsValue> {
        self.ring.get(self.logical.next_back()?)
    }
}

impl ExactSizeIterator for AnyIter<'_> {}

impl FusedIterator for AnyIter<'_> {}

/// What `insertBatch` was given.
enum Batch<'a> {
    /// A TypedArray of the ring's dtype (checked with `Dtype::is_typed_array`).
    Typed(&'a JsValue),
    /// The values of any other iterable, not yet checked.
    Items(Vec<JsValue>),
}

/// A core ring of one dtype, and a buffer that batches pass through on their way in.
struct Typed<T: Element> {
    ring: CoreRing<T>,
    /// Holds a chunk (at most `capacity` values) of the batch being inserted; kept
    /// between calls, length included, so that steady-state batches neither allocate
    /// nor fill it before copying into it.
    scratch: Vec<T>,
}

impl<T: Element> Typed<T> {
    /// The dtype (a constant per `T`).
    #[inline]
    fn dtype(&self) -> Dtype {
        T::KIND
    }

    fn new(capacity: usize) -> Result<Self, mmring_core::CapacityError> {
        Ok(Self {
            ring: CoreRing::new(capacity)?,
            scratch: Vec::new(),
        })
    }

    /// The value `value` stands for, or the error that says why it is not one.
    fn parse(value: &JsValue, context: &str) -> Result<T, JsValue> {
        T::from_js(value).map_err(|reject| Self::rejection(value, reject, context))
    }

    /// The error that says why `value` is not a value of the dtype.
    fn rejection(value: &JsValue, reject: Reject, context: &str) -> JsValue {
        let message = format!(
            "expected {} for dtype {}, got {}",
            T::EXPECTED,
            T::DTYPE,
            args::describe(value)
        );
        match reject {
            Reject::Type => type_error(context, &message),
            Reject::Range => range_error(context, &message),
        }
    }

    /// `value` checked and converted the way the ring would store it.
    fn normalize(&self, value: &JsValue, context: &str) -> Result<JsValue, JsValue> {
        Self::parse(value, context).map(T::to_js)
    }

    /// `insert` of a JS number: the evicted value, else `NaN` with the status.
    #[inline]
    fn fast_insert(&mut self, value: f64) -> f64 {
        match T::from_number(value) {
            Some(value) => Self::fast_number(self.ring.insert(value)),
            None => fast::slow(),
        }
    }

    /// A value read for a fast path: as a `number`, `NaN` with the status for none
    /// (or for a `bigint` dtype, whose values take the checked path).
    #[inline]
    fn fast_number(value: Option<T>) -> f64 {
        match value.map(T::to_number) {
            None => fast::none(),
            Some(Some(n)) => fast::value(n),
            Some(None) => fast::slow(),
        }
    }

    fn insert(&mut self, value: &JsValue, context: &str) -> Result<JsValue, JsValue> {
        let value = Self::parse(value, context)?;
        Ok(to_js(self.ring.insert(value)))
    }

    /// Inserts `batch` after handing its first `waiting` values (as JS values) back
    /// for the waiters. Nothing is inserted if a value is invalid.
    fn insert_batch(
        &mut self,
        batch: Batch<'_>,
        waiting: usize,
        context: &str,
    ) -> Result<Vec<JsValue>, JsValue> {
        match batch {
            Batch::Typed(array) => {
                // The caller checked that `array` is this dtype's TypedArray.
                let array: &T::Array = array.unchecked_ref();
                let len = T::array_len(array);
                let handed = waiting.min(len);
                let mut values = Vec::with_capacity(handed);
                // Through the scratch buffer in chunks of at most `capacity`: a bulk
                // copy out of JS, then at most two `memcpy`s into the ring per chunk.
                // Every value passes through the ring, so `overwritten` counts the
                // values a long batch evicts.
                let chunk = self.ring.capacity();
                let mut start = 0;
                while start < len {
                    let end = if start < handed {
                        handed
                    } else {
                        len.min(start + chunk)
                    };
                    // Only grows write: a scratch of the same size is reused as is.
                    self.scratch.resize(end - start, T::default());
                    T::copy_out(array, len, start, &mut self.scratch);
                    if start < handed {
                        values.extend(self.scratch.iter().map(|&v| v.to_js()));
                    } else {
                        self.ring.insert_batch(&self.scratch);
                    }
                    start = end;
                }
                self.scratch.truncate(chunk);
                self.scratch.shrink_to(chunk);
                Ok(values)
            }
            Batch::Items(items) => {
                let mut parsed = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    parsed.push(Self::parse(item, &format!("{context} (value {i})"))?);
                }
                let handed = waiting.min(parsed.len());
                self.ring.insert_batch(&parsed[handed..]);
                Ok(parsed[..handed].iter().map(|&v| v.to_js()).collect())
            }
        }
    }

    fn unwrapped(&self) -> JsValue {
        let (first, second) = self.ring.as_slices();
        T::array_of(first, second)
    }

    fn view(&mut self) -> JsValue {
        let window = self.ring.make_contiguous();
        // SAFETY: the view covers the ring's live values in its own storage, which
        // stays allocated while the ring lives. `view` documents to JS users that the
        // view is valid only until the ring changes or wasm memory grows, and must not
        // be written through; reading a stale view yields numbers (every bit pattern
        // of a dtype is a valid value) or, once the memory has grown, an empty array.
        unsafe { T::view(window) }
    }

    fn view_slices(&self) -> Array {
        let (first, second) = self.ring.as_slices();
        // SAFETY: as in `view`: two views of the live values, with the same
        // documented validity.
        let (first, second) = unsafe { (T::view(first), T::view(second)) };
        Array::of2(&first, &second)
    }

    fn overwrite_latest(&mut self, value: &JsValue, context: &str) -> Result<JsValue, JsValue> {
        let value = Self::parse(value, context)?;
        self.ring
            .overwrite_latest(value)
            .map(T::to_js)
            .map_err(|_| empty_error(context))
    }

    /// Whether `value` is held: a value the dtype cannot hold (a fraction for an
    /// integer dtype) is not; one of the wrong type is refused.
    fn holds(&self, value: &JsValue) -> Result<bool, Reject> {
        match T::from_js(value) {
            Ok(value) => Ok(self.ring.contains(value)),
            Err(Reject::Range) => Ok(false),
            Err(Reject::Type) => Err(Reject::Type),
        }
    }

    fn contains(&self, value: &JsValue, context: &str) -> Result<bool, JsValue> {
        self.holds(value)
            .map_err(|reject| Self::rejection(value, reject, context))
    }
}

/// A value as JS, `undefined` for `None`.
fn to_js<T: Element>(value: Option<T>) -> JsValue {
    value.map_or(JsValue::UNDEFINED, T::to_js)
}
