//! Criterion benches of the four in-process rings.
//!
//! Groups (filter with `cargo bench -p mmring-core --bench rings -- GROUP/NAME`):
//! - `generic_u64`, `numeric_f64`, at capacities 64, 1024 and 65536: `insert` into a full
//!   ring (every insert evicts), `insert_batch` of min(64, capacity / 2) values into a
//!   full ring, `consume` (drain a ring filled outside the timed loop), `unwrapped` of a
//!   wrapped window, `contains_absent` (a value the ring does not hold: a full scan).
//! - `bytes`, `bytes_fast`, at capacity 1024: `insert` into a full ring and
//!   `insert_consume` (one insert and one consume on a half-full ring) at 32, 256 and
//!   2048-byte messages; `contains_absent` of a 32-byte message without
//!   `only_insert_unique` (`scan`) and with it (`unique`, a hash probe).
//!
//! The number-ring benches are written once over the `NumberRing` trait, and
//! `contains_absent` of the byte rings over closures of the ring API (the rtrb habit).
//! Every bench opens with a correctness check of the very ring it then times, so
//! `cargo test --benches -p mmring-core`, which runs every bench once, fails when a ring
//! is wrong.
//!
//! Buffer placement: `memcpy` on AMD Zen 3 was measured running 25–40× slower when the
//! destination lies 8–56 bytes past the source modulo 4096 (a slow path of `rep movsb`),
//! and on other hosts a copy whose ends sit at different offsets within a cache line
//! can cost 2–3×. So that a number does not depend on where the allocator happened to put a buffer,
//! payload sources are allocated once, 64-byte aligned, and every timed copy is given
//! ends at the same offset within a 64-byte line (which also keeps it out of the Zen 3
//! window): the source is cut from the aligned pool at the destination's offset
//! (`insert_batch`, the fast ring's `insert`), or the destination is chosen among
//! several (`consume_into`'s buffer), or the ring's window is moved (`unwrapped`).
//! This is the favourable placement; a caller's buffers may land worse.

use std::fmt::Debug;
use std::hint::black_box;
use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{
    BatchSize, BenchmarkGroup, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main,
};
use mmring_core::{
    Bytes, BytesRingBuffer, BytesRingBufferFast, GenericRingBuffer, NumericRingBuffer, Ring,
};

/// Capacities of the number-ring benches: 512 B, 8 KiB and 512 KiB of `u64` storage.
const CAPACITIES: [usize; 3] = [64, 1024, 65536];
/// Longest batch of `insert_batch` (capacity 64 takes half the ring, 32).
const MAX_BATCH: usize = 64;
/// `consume` drains rings built in batches of this many values in all (512 KiB of
/// `u64`), so the setup memory stays bounded whatever the capacity.
const CONSUME_BATCH_VALUES: usize = 65536;
/// Message sizes of the byte-ring benches, in bytes.
const MESSAGE_SIZES: [usize; 3] = [32, 256, 2048];
/// The largest of `MESSAGE_SIZES`.
const MAX_MESSAGE: usize = 2048;
/// Capacity of the byte-ring benches, in messages.
const MESSAGE_CAPACITY: usize = 1024;
/// Message size of the byte `contains_absent` benches.
const CONTAINS_MESSAGE: usize = 32;
/// Never inserted: fills count up from 0 and batches from `BATCH_BASE`.
const ABSENT: u32 = u32::MAX;
/// First value of the `insert_batch` source, far above any fill.
const BATCH_BASE: u32 = 1 << 30;
/// Cache-line size: timed copies get both ends at the same offset within a line.
const LINE: usize = 64;

type Group<'a> = BenchmarkGroup<'a, WallTime>;

/// Values a number ring holds in these benches (`u64` and `f64`, made from a counter).
trait Number: Copy + PartialEq + Debug + From<u32> {}

impl<T: Copy + PartialEq + Debug + From<u32>> Number for T {}

/// Places a payload on a 64-byte boundary (`LINE`; see "Buffer placement" above).
#[repr(C, align(64))]
struct Aligned<T>(T);

/// The payload of the `bytes` benches. Static, so `Bytes::from_static` and its clones
/// neither allocate nor touch a reference count: the `bytes` benches time the ring, not
/// the allocator.
static STATIC_PAYLOAD: Aligned<[u8; MAX_MESSAGE]> = Aligned([0x5A; MAX_MESSAGE]);

/// What the number-ring benches call on a ring besides `Fifo::consume` and
/// `Ring::unwrapped`: the calls the ring traits do not have, and `contains`, whose
/// argument differs between the two rings (`&u64`, `f64`); each takes and gives the
/// values themselves.
trait NumberRing: Ring<Item: Number> {
    /// An empty ring of `capacity` values.
    fn create(capacity: usize) -> Self;
    fn insert(&mut self, value: Self::Item) -> Option<Self::Item>;
    fn insert_batch(&mut self, batch: &[Self::Item]);
    fn as_slices(&self) -> (&[Self::Item], &[Self::Item]);
    /// `contains`, given the value itself.
    fn holds(&self, value: Self::Item) -> bool;
}

/// Implements [`NumberRing`] for rings of `$value` by their inherent methods;
/// `insert_batch` and `contains` are handed the slice and the value as each ring takes
/// them.
macro_rules! number_ring {
    ($(
        $ring:ident<$value:ty>:
            insert_batch(|$batch:ident| $batch_arg:expr),
            contains(|$v:ident| $needle:expr);
    )*) => {$(
        impl NumberRing for $ring<$value> {
            fn create(capacity: usize) -> Self {
                $ring::new(capacity).expect("valid capacity")
            }
            #[inline]
            fn insert(&mut self, value: $value) -> Option<$value> {
                $ring::insert(self, value)
            }
            #[inline]
            fn insert_batch(&mut self, $batch: &[$value]) {
                $ring::insert_batch(self, $batch_arg);
            }
            #[inline]
            fn as_slices(&self) -> (&[$value], &[$value]) {
                $ring::as_slices(self)
            }
            #[inline]
            fn holds(&self, $v: $value) -> bool {
                $ring::contains(self, $needle)
            }
        }
    )*};
}

number_ring! {
    GenericRingBuffer<u64>:
        insert_batch(|batch| batch.iter().copied()),
        contains(|value| &value);
    NumericRingBuffer<f64>:
        insert_batch(|batch| batch),
        contains(|value| value);
}

fn generic_u64(c: &mut Criterion) {
    number_ring::<GenericRingBuffer<u64>>(c, "generic_u64");
}

fn numeric_f64(c: &mut Criterion) {
    number_ring::<NumericRingBuffer<f64>>(c, "numeric_f64");
}

/// Every number-ring bench of `R`, in the group `name`.
fn number_ring<R: NumberRing>(c: &mut Criterion, name: &str) {
    let mut group = c.benchmark_group(name);
    insert_into_full::<R>(&mut group);
    insert_batch::<R>(&mut group);
    consume::<R>(&mut group);
    unwrapped::<R>(&mut group);
    contains_absent::<R>(&mut group);
    group.finish();
}

fn bytes(c: &mut Criterion) {
    let mut group = c.benchmark_group("bytes");
    bytes_insert(&mut group);
    bytes_insert_consume(&mut group);
    contains_unique_vs_scan(
        &mut group,
        |unique| {
            BytesRingBuffer::builder(MESSAGE_CAPACITY)
                .only_insert_unique(unique)
                .build()
                .expect("valid capacity")
        },
        // Allocates, but only while the ring is filled, outside the timed loop.
        |ring, message| {
            ring.insert(Bytes::copy_from_slice(message));
        },
        |ring, message| ring.contains(message),
    );
    group.finish();
}

fn bytes_fast(c: &mut Criterion) {
    // Allocated once, 64-byte aligned; each bench cuts its payload out of it at the
    // slots' offset within a cache line.
    let pool = Box::new(Aligned([0x5A_u8; LINE + MAX_MESSAGE]));
    let mut group = c.benchmark_group("bytes_fast");
    fast_insert(&mut group, &pool.0);
    fast_insert_consume(&mut group, &pool.0);
    contains_unique_vs_scan(
        &mut group,
        |unique| fast_ring(CONTAINS_MESSAGE, unique),
        |ring, message| ring.insert(message).expect("fits a slot"),
        |ring, message| ring.contains(message),
    );
    group.finish();
}

/// `insert` into a full ring: every insert evicts the oldest value, the steady state of
/// an overwrite ring.
fn insert_into_full<R: NumberRing>(group: &mut Group<'_>) {
    group.throughput(Throughput::Elements(1));
    for capacity in CAPACITIES {
        let end = wrapped_end(capacity);
        let mut ring = filled::<R>(capacity, end);
        assert_eq!(ring.unwrapped(), newest(capacity, end));
        let value = R::Item::from(ABSENT);
        group.bench_function(BenchmarkId::new("insert", capacity), |b| {
            b.iter(|| ring.insert(black_box(value)));
        });
    }
}

/// `insert_batch` of min(64, capacity / 2) values into a full ring, from a source
/// allocated once, 64-byte aligned, and cut at the ring's offset within a cache line.
fn insert_batch<R: NumberRing>(group: &mut Group<'_>) {
    let source = Aligned(std::array::from_fn::<R::Item, { MAX_BATCH + LINE }, _>(
        |i| R::Item::from(BATCH_BASE + i as u32),
    ));
    for capacity in CAPACITIES {
        let end = wrapped_end(capacity);
        let mut ring = filled::<R>(capacity, end);
        // A full ring writes the next batch over its oldest values; each batch moves
        // that spot by a multiple of 64 bytes, so one start fits every batch.
        let next_write = ring.as_slices().0.as_ptr();
        let batch_len = MAX_BATCH.min(capacity / 2);
        let batch = (0..LINE)
            .map(|start| &source.0[start..start + batch_len])
            .find(|batch| !misaligned(next_write, batch.as_ptr()))
            .expect("both ends are aligned to T, so some start shares the line offset");
        ring.insert_batch(batch);
        let mut expected = newest(capacity, end);
        expected.extend_from_slice(batch);
        expected.drain(..batch.len());
        assert_eq!(ring.unwrapped(), expected);
        group.throughput(Throughput::Elements(batch.len() as u64));
        group.bench_function(BenchmarkId::new("insert_batch", capacity), |b| {
            b.iter(|| ring.insert_batch(black_box(batch)));
        });
    }
}

/// `consume` until empty; the rings are filled (and wrapped) outside the timed loop.
fn consume<R: NumberRing>(group: &mut Group<'_>) {
    for capacity in CAPACITIES {
        let end = wrapped_end(capacity);
        let mut ring = filled::<R>(capacity, end);
        let drained: Vec<R::Item> = std::iter::from_fn(|| ring.consume()).collect();
        assert_eq!(drained, newest(capacity, end), "oldest first, then empty");
        let rings_per_batch = (CONSUME_BATCH_VALUES / capacity) as u64;
        group.throughput(Throughput::Elements(capacity as u64));
        group.bench_function(BenchmarkId::new("consume", capacity), |b| {
            b.iter_batched_ref(
                || filled::<R>(capacity, end),
                |ring| {
                    while let Some(value) = ring.consume() {
                        black_box(value);
                    }
                },
                BatchSize::NumIterations(rings_per_batch),
            );
        });
    }
}

/// `unwrapped` of a full ring whose window wraps: two copies into a new `Vec`, whose
/// allocation and free are part of the call and so of the time.
fn unwrapped<R: NumberRing>(group: &mut Group<'_>) {
    for capacity in CAPACITIES {
        let mut end = wrapped_end(capacity);
        let mut ring = filled::<R>(capacity, end);
        // The allocator hands the timed loop the block this probe gets (the same size is
        // freed and asked for again), so move the window a value at a time until both
        // copies have their ends at the same offset within a line.
        for _ in 0..LINE {
            let out = ring.unwrapped();
            let (first, second) = ring.as_slices();
            if !misaligned(out.as_ptr(), first.as_ptr())
                && (second.is_empty() || !misaligned(out[first.len()..].as_ptr(), second.as_ptr()))
            {
                break;
            }
            ring.insert(R::Item::from(end));
            end += 1;
        }
        assert_eq!(ring.unwrapped(), newest(capacity, end));
        assert!(!ring.as_slices().1.is_empty(), "the window wraps");
        group.throughput(Throughput::Elements(capacity as u64));
        group.bench_function(BenchmarkId::new("unwrapped", capacity), |b| {
            b.iter(|| black_box(&ring).unwrapped());
        });
    }
}

/// `contains` of a value the ring does not hold: the worst case, a scan of every value.
fn contains_absent<R: NumberRing>(group: &mut Group<'_>) {
    for capacity in CAPACITIES {
        let end = wrapped_end(capacity);
        let oldest = end - capacity as u32;
        let ring = filled::<R>(capacity, end);
        let value = R::Item::from;
        assert!(ring.holds(value(oldest)) && ring.holds(value(end - 1)));
        assert!(!ring.holds(value(oldest - 1)), "evicted values are gone");
        assert!(!ring.holds(value(ABSENT)));
        let absent = value(ABSENT);
        group.throughput(Throughput::Elements(capacity as u64));
        group.bench_function(BenchmarkId::new("contains_absent", capacity), |b| {
            b.iter(|| ring.holds(black_box(absent)));
        });
    }
}

/// A new ring holding `0..end`; checks that each insert evicts, exactly when the ring
/// is full, the value `capacity` places back.
fn filled<R: NumberRing>(capacity: usize, end: u32) -> R {
    let mut ring = R::create(capacity);
    for value in 0..end {
        let evicted = ring.insert(R::Item::from(value));
        assert_eq!(
            evicted,
            value.checked_sub(capacity as u32).map(R::Item::from)
        );
    }
    ring
}

/// What a ring of `capacity` holds after `filled(.., end)`, oldest first.
fn newest<T: Number>(capacity: usize, end: u32) -> Vec<T> {
    (end.saturating_sub(capacity as u32)..end)
        .map(T::from)
        .collect()
}

/// One and a half turns: the ring is full and its window wraps.
fn wrapped_end(capacity: usize) -> u32 {
    (capacity + capacity / 2) as u32
}

/// `BytesRingBuffer::insert` into a full ring of static payloads.
fn bytes_insert(group: &mut Group<'_>) {
    group.throughput(Throughput::Elements(1));
    for size in MESSAGE_SIZES {
        let payload = Bytes::from_static(&STATIC_PAYLOAD.0[..size]);
        let mut ring = checked_bytes_ring(size);
        // Static payloads only from here on, so no eviction in the loop frees memory.
        for _ in 0..MESSAGE_CAPACITY {
            assert!(ring.insert(payload.clone()));
        }
        group.bench_function(BenchmarkId::new("insert", size), |b| {
            b.iter(|| ring.insert(black_box(&payload).clone()));
        });
    }
}

/// One `BytesRingBuffer::insert` and one `consume` on a half-full ring.
fn bytes_insert_consume(group: &mut Group<'_>) {
    group.throughput(Throughput::Elements(1));
    for size in MESSAGE_SIZES {
        let payload = Bytes::from_static(&STATIC_PAYLOAD.0[..size]);
        let mut ring = checked_bytes_ring(size);
        let oldest = wrapped_end(MESSAGE_CAPACITY) - MESSAGE_CAPACITY as u32;
        for index in oldest..oldest + MESSAGE_CAPACITY as u32 {
            assert_eq!(ring.consume(), Some(Bytes::from(message(index, size))));
        }
        assert_eq!(ring.consume(), None);
        for _ in 0..MESSAGE_CAPACITY / 2 {
            assert!(ring.insert(payload.clone()));
        }
        group.bench_function(BenchmarkId::new("insert_consume", size), |b| {
            b.iter(|| {
                ring.insert(black_box(&payload).clone());
                ring.consume()
            });
        });
    }
}

/// A `BytesRingBuffer` of `MESSAGE_CAPACITY` holding distinct messages of `size`
/// bytes, full and wrapped, checked against what went in.
fn checked_bytes_ring(size: usize) -> BytesRingBuffer {
    let mut ring = BytesRingBuffer::new(MESSAGE_CAPACITY).expect("valid capacity");
    let messages: Vec<Bytes> = (0..wrapped_end(MESSAGE_CAPACITY))
        .map(|index| Bytes::from(message(index, size)))
        .collect();
    for message in &messages {
        assert!(ring.insert(message.clone()));
    }
    assert_eq!(
        ring.unwrapped(),
        messages[messages.len() - MESSAGE_CAPACITY..]
    );
    ring
}

/// `BytesRingBufferFast::insert` (a copy into the next slot) into a full ring.
fn fast_insert(group: &mut Group<'_>, pool: &[u8]) {
    group.throughput(Throughput::Elements(1));
    for size in MESSAGE_SIZES {
        let mut ring = checked_fast_ring(size);
        let payload = placed_source(pool, size, &slot_addresses(&ring));
        group.bench_function(BenchmarkId::new("insert", size), |b| {
            b.iter(|| ring.insert(black_box(payload)));
        });
    }
}

/// One `BytesRingBufferFast::insert` and one `consume_into` a reused `Vec` on a
/// half-full ring: two copies, no allocation.
fn fast_insert_consume(group: &mut Group<'_>, pool: &[u8]) {
    group.throughput(Throughput::Elements(1));
    for size in MESSAGE_SIZES {
        let mut ring = checked_fast_ring(size);
        let slots = slot_addresses(&ring);
        let payload = placed_source(pool, size, &slots);
        let mut out = placed_vec(size, &slots);
        let placed_at = out.as_ptr();
        let oldest = wrapped_end(MESSAGE_CAPACITY) - MESSAGE_CAPACITY as u32;
        for index in oldest..oldest + MESSAGE_CAPACITY as u32 / 2 {
            assert!(ring.consume_into(&mut out));
            assert_eq!(out, message(index, size));
        }
        assert_eq!(out.as_ptr(), placed_at, "consume_into reuses the buffer");
        group.bench_function(BenchmarkId::new("insert_consume", size), |b| {
            b.iter(|| {
                let inserted = ring.insert(black_box(payload));
                let consumed = ring.consume_into(&mut out);
                black_box(&out);
                (inserted, consumed)
            });
        });
    }
}

/// A fast ring of `MESSAGE_CAPACITY` slots of exactly `size` bytes.
fn fast_ring(size: usize, unique: bool) -> BytesRingBufferFast {
    BytesRingBufferFast::builder(MESSAGE_CAPACITY)
        .expected_item_size(size)
        .buffer_percent(0.0)
        .only_insert_unique(unique)
        .build()
        .expect("valid sizing")
}

/// A fast ring holding distinct messages of `size` bytes, full and wrapped, checked
/// against what went in.
fn checked_fast_ring(size: usize) -> BytesRingBufferFast {
    let mut ring = fast_ring(size, false);
    assert_eq!(ring.slot_size(), size, "slots fit the messages exactly");
    let messages: Vec<Vec<u8>> = (0..wrapped_end(MESSAGE_CAPACITY))
        .map(|index| message(index, size))
        .collect();
    for message in &messages {
        ring.insert(message).expect("fits a slot");
    }
    assert_eq!(
        ring.unwrapped(),
        messages[messages.len() - MESSAGE_CAPACITY..]
    );
    ring
}

/// The address of every slot of a full fast ring.
fn slot_addresses(ring: &BytesRingBufferFast) -> Vec<*const u8> {
    assert!(ring.is_full());
    ring.iter().map(<[u8]>::as_ptr).collect()
}

/// `contains` of an absent 32-byte message in a full ring of 1024, scanning
/// (`only_insert_unique` off) and through the hash index (on).
fn contains_unique_vs_scan<R>(
    group: &mut Group<'_>,
    create: impl Fn(bool) -> R,
    insert: impl Fn(&mut R, &[u8]),
    contains: impl Fn(&R, &[u8]) -> bool,
) {
    let capacity = MESSAGE_CAPACITY as u32;
    // Shares every byte with the held messages but the last four, so each comparison
    // of the scan reads the whole message.
    let absent = message(ABSENT, CONTAINS_MESSAGE);
    group.throughput(Throughput::Elements(1));
    for (unique, name) in [(false, "scan"), (true, "unique")] {
        let mut ring = create(unique);
        for index in 0..capacity {
            insert(&mut ring, &message(index, CONTAINS_MESSAGE));
        }
        let first = message(0, CONTAINS_MESSAGE);
        let last = message(capacity - 1, CONTAINS_MESSAGE);
        assert!(contains(&ring, &first) && contains(&ring, &last));
        assert!(!contains(&ring, &absent));
        // Inserting the newest again is skipped only with `only_insert_unique`; without
        // it, it evicts the oldest.
        insert(&mut ring, &last);
        assert_eq!(contains(&ring, &first), unique);
        group.bench_function(BenchmarkId::new("contains_absent", name), |b| {
            b.iter(|| contains(&ring, black_box(absent.as_slice())));
        });
    }
}

/// A message of `len` bytes (at least 4) whose last four bytes are `index`: messages
/// of one length differ only there.
fn message(index: u32, len: usize) -> Vec<u8> {
    let mut message = vec![0xA5; len];
    message[len - 4..].copy_from_slice(&index.to_le_bytes());
    message
}

/// Whether a copy from `src` to `dst` has its ends at different offsets within a
/// cache line. Ends at the same offset are also never 8–56 bytes apart modulo 4096, the
/// Zen 3 slow path described at the top of this file.
fn misaligned<D, S>(dst: *const D, src: *const S) -> bool {
    dst.addr().wrapping_sub(src.addr()) % LINE != 0
}

/// `len` bytes cut from `pool` at the offset whose copies into `destinations` are
/// least often misaligned (never, when the destinations share their line offset, as
/// slots of 64 bytes and more do).
fn placed_source<'p>(pool: &'p [u8], len: usize, destinations: &[*const u8]) -> &'p [u8] {
    (0..LINE)
        .map(|offset| &pool[offset..offset + len])
        .min_by_key(|source| {
            destinations
                .iter()
                .filter(|&&dst| misaligned(dst, source.as_ptr()))
                .count()
        })
        .expect("the pool has a line of offsets")
}

/// An empty `Vec` with room for `len` bytes, at the address (of 64 tried) whose copies
/// from `sources` are least often misaligned.
fn placed_vec(len: usize, sources: &[*const u8]) -> Vec<u8> {
    // All candidates are alive at once, so each one lands at a different address.
    let candidates: Vec<Vec<u8>> = (0..64).map(|_| Vec::with_capacity(len)).collect();
    candidates
        .into_iter()
        .min_by_key(|out| {
            sources
                .iter()
                .filter(|&&src| misaligned(out.as_ptr(), src))
                .count()
        })
        .expect("64 candidates")
}

/// About 3 s a bench (0.5 s warm-up, 2 s measured, then analysis), so the 46 benches run
/// in a few minutes on 2 cores; command-line options still override these.
fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(30)
}

criterion_group! {
    name = rings;
    config = config();
    targets = generic_u64, numeric_f64, bytes, bytes_fast
}
criterion_main!(rings);
