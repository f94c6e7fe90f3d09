//! No allocation per message in steady state, proven with a counting global
//! allocator.
//!
//! The allocator counts the allocations (and frees) of the calling thread only, in a
//! `const`-initialised thread-local `Cell` (which needs no allocation and no destructor),
//! so the test harness running other tests on other threads cannot disturb a
//! measurement. Each test builds its ring and its inputs, runs the workload once to warm
//! up, then counts a second run, which must allocate and free nothing.
//!
//! These tests also run under Miri (as part of `miri test --tests`), with fewer rounds.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::hint::black_box;

use mmring_core::{
    Bytes, BytesRingBuffer, BytesRingBufferFast, FastError, GenericRingBuffer, NumericRingBuffer,
};

// ---------------------------------------------------------------------------------------
// Counting allocator
// ---------------------------------------------------------------------------------------

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
    static FREES: Cell<usize> = const { Cell::new(0) };
}

fn bump(counter: &'static std::thread::LocalKey<Cell<usize>>) {
    // `try_with`: during thread teardown the slot may already be gone; such late
    // allocations are outside every measurement anyway.
    let _ = counter.try_with(|count| count.set(count.get() + 1));
}

/// The system allocator, counting calls per thread.
struct Counting;

// SAFETY: every method forwards to `System` with the caller's arguments unchanged, so
// `Counting` upholds the `GlobalAlloc` contract exactly as `System` does; the counters
// neither allocate nor touch the returned memory.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        bump(&ALLOCATIONS);
        // SAFETY: forwarded unchanged; the caller upholds `alloc`'s contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        bump(&ALLOCATIONS);
        // SAFETY: forwarded unchanged; the caller upholds `alloc_zeroed`'s contract.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        bump(&ALLOCATIONS);
        // SAFETY: forwarded unchanged; the caller upholds `realloc`'s contract.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        bump(&FREES);
        // SAFETY: forwarded unchanged; `ptr` came from `System` through this allocator.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Allocations (including reallocations) and frees made by this thread inside `work`.
#[derive(Debug, PartialEq, Eq)]
struct Counts {
    allocations: usize,
    frees: usize,
}

fn count(work: impl FnOnce()) -> Counts {
    let allocations = ALLOCATIONS.with(Cell::get);
    let frees = FREES.with(Cell::get);
    work();
    Counts {
        allocations: ALLOCATIONS.with(Cell::get) - allocations,
        frees: FREES.with(Cell::get) - frees,
    }
}

const NONE: Counts = Counts {
    allocations: 0,
    frees: 0,
};

/// Runs `work` once to warm up, then asserts that a second run allocates and frees
/// nothing.
fn assert_steady_state_allocates_nothing(what: &str, mut work: impl FnMut()) {
    work();
    assert_eq!(count(work), NONE, "{what}");
}

/// Messages per measured run: many times the capacities below, so every slot is
/// overwritten again and again.
const ROUNDS: usize = if cfg!(miri) { 200 } else { 20_000 };

#[test]
fn the_counter_sees_allocations() {
    let counts = count(|| {
        let boxed = black_box(Box::new(7u64));
        drop(boxed);
    });
    assert_eq!(
        counts,
        Counts {
            allocations: 1,
            frees: 1
        }
    );
    // The rings' documented allocating calls are counted too.
    let mut ring = BytesRingBufferFast::new(4).unwrap();
    ring.insert(b"x").unwrap();
    let counts = count(|| drop(black_box(ring.consume())));
    assert_eq!(
        counts,
        Counts {
            allocations: 1,
            frees: 1
        }
    );
}

// ---------------------------------------------------------------------------------------
// BytesRingBufferFast
// ---------------------------------------------------------------------------------------

/// `ROUNDS` messages of 8 to 20 bytes drawn from `distinct` different ones, so some
/// repeat while still held and others after they were evicted.
fn messages(distinct: usize) -> Vec<Vec<u8>> {
    (0..ROUNDS)
        .map(|i| {
            let n = (i * 7919) % distinct;
            let mut message = format!("{n:08}").into_bytes();
            message.resize(8 + n % 13, b'.');
            message
        })
        .collect()
}

/// Every hot-path operation of the fast ring, driven by `messages`.
fn fast_workload(ring: &mut BytesRingBufferFast, messages: &[Vec<u8>], out: &mut Vec<u8>) {
    let oversize = [0u8; 300];
    for (i, message) in messages.iter().enumerate() {
        ring.insert(message).unwrap();
        if i % 5 == 0 {
            // A duplicate while held (skipped with `Ok` in unique mode).
            ring.insert(message).unwrap();
        }
        if i % 11 == 0 {
            assert_eq!(
                ring.insert(&oversize),
                Err(FastError::Oversize {
                    len: 300,
                    slot: 256
                })
            );
        }
        black_box(ring.peekleft());
        black_box(ring.peekright());
        black_box(ring.get(i % 8));
        black_box(ring.get_signed(-1 - (i % 8) as isize));
        black_box(ring.contains(message));
        black_box(ring.contains(b"never inserted"));
        if i % 3 == 0 {
            black_box(ring.consume_into(out));
        }
        if i % 13 == 0 {
            let total: usize = ring.iter().map(<[u8]>::len).sum();
            let back: usize = ring.iter().rev().map(<[u8]>::len).sum();
            assert_eq!(total, back);
            if !ring.is_empty() {
                black_box(ring[0].len());
            }
        }
        if i % 17 == 0 {
            // May be refused as a duplicate in unique mode; never allocates either way.
            let _ = black_box(ring.overwrite_latest(&messages[(i * 31) % messages.len()]));
        }
        if i % 1000 == 999 {
            ring.clear();
            let _ = black_box(ring.overwrite_latest(message));
        }
        black_box((
            ring.len(),
            ring.is_full(),
            ring.is_empty(),
            ring.overwritten(),
        ));
    }
}

fn fast_batches(ring: &mut BytesRingBufferFast, batches: &[Vec<&[u8]>]) {
    for batch in batches {
        ring.insert_batch(batch).unwrap();
    }
    // A batch with an oversize item is refused without allocating.
    let oversize = [0u8; 300];
    let bad: [&[u8]; 3] = [b"ok", &oversize, b"ok too"];
    assert!(ring.insert_batch(&bad).is_err());
}

fn check_fast_ring(unique: bool) {
    let mut ring = BytesRingBufferFast::builder(if cfg!(miri) { 8 } else { 64 })
        .only_insert_unique(unique)
        .build()
        .unwrap();
    // Far more distinct messages than slots, far fewer than rounds: each comes back,
    // sometimes while held and sometimes after its eviction.
    let messages = messages(ring.capacity() * 8);
    let batches: Vec<Vec<&[u8]>> = messages
        .chunks(7)
        .map(|chunk| chunk.iter().map(Vec::as_slice).collect())
        .collect();
    let mut out = Vec::with_capacity(ring.slot_size());

    assert_steady_state_allocates_nothing("insert, reads, consume_into, overwrite", || {
        fast_workload(&mut ring, &messages, &mut out);
    });
    assert_steady_state_allocates_nothing("insert_batch", || {
        fast_batches(&mut ring, &batches);
    });
    // Every slot was overwritten several times over (warm-up and measured run).
    assert!(ring.overwritten() > 2 * ring.capacity() as u64);
    if unique {
        let held = ring.unwrapped();
        for (i, a) in held.iter().enumerate() {
            assert!(!held[i + 1..].contains(a), "duplicate held: {a:?}");
        }
    }
}

#[test]
fn fast_ring_allocates_nothing_per_message() {
    check_fast_ring(false);
}

#[test]
fn fast_unique_ring_allocates_nothing_per_message() {
    // Constant eviction and duplicate skipping churn the hash index: removals leave
    // tombstones that must be cleaned in place, never by growing the table.
    check_fast_ring(true);
}

#[test]
fn fast_unique_ring_of_distinct_messages_allocates_nothing() {
    // Every message new: each insert removes one index entry and adds another.
    let capacities: &[usize] = if cfg!(miri) {
        &[1, 2, 8, 64]
    } else {
        &[1, 2, 8, 1024]
    };
    for &capacity in capacities {
        let mut ring = BytesRingBufferFast::builder(capacity)
            .expected_item_size(8)
            .buffer_percent(0.0)
            .only_insert_unique(true)
            .build()
            .unwrap();
        let mut next = 0u64;
        assert_steady_state_allocates_nothing("distinct inserts", || {
            for _ in 0..ROUNDS {
                ring.insert(&next.to_le_bytes()).unwrap();
                next += 1;
            }
        });
        assert_eq!(ring.len(), ring.capacity());
        assert_eq!(
            ring.overwritten(),
            2 * ROUNDS as u64 - ring.capacity() as u64
        );
    }
}

// ---------------------------------------------------------------------------------------
// BytesRingBuffer with messages that do not allocate themselves
// ---------------------------------------------------------------------------------------

#[test]
fn bytes_ring_of_static_messages_allocates_nothing() {
    // `Bytes::from_static` neither allocates nor frees, so whatever is counted here
    // would be the ring's own doing.
    const WORDS: [&[u8]; 12] = [
        b"alpha", b"beta", b"gamma", b"delta", b"epsilon", b"zeta", b"eta", b"theta", b"iota",
        b"kappa", b"lambda", b"mu",
    ];
    for unique in [false, true] {
        let mut ring = BytesRingBuffer::builder(8)
            .only_insert_unique(unique)
            .build()
            .unwrap();
        assert_steady_state_allocates_nothing("bytes ring", || {
            for i in 0..ROUNDS {
                let word = WORDS[(i * 5) % WORDS.len()];
                black_box(ring.insert(Bytes::from_static(word)));
                black_box(ring.contains(word));
                black_box(ring.peekleft());
                black_box(ring.get_signed(-2));
                if i % 3 == 0 {
                    black_box(ring.consume());
                }
                if i % 7 == 0 {
                    let _ = black_box(ring.overwrite_latest(Bytes::from_static(WORDS[i % 12])));
                }
                if i % 50 == 0 {
                    ring.insert_batch(WORDS.map(Bytes::from_static));
                }
                if i % 97 == 0 {
                    ring.clear();
                }
            }
        });
    }
}

// ---------------------------------------------------------------------------------------
// NumericRingBuffer and GenericRingBuffer
// ---------------------------------------------------------------------------------------

#[test]
fn numeric_ring_allocates_nothing_per_value() {
    let mut ring = NumericRingBuffer::<f64>::new(100).unwrap();
    let batch: Vec<f64> = (0..37).map(f64::from).collect();
    let long_batch: Vec<f64> = (0..300).map(f64::from).collect();
    let mut window = vec![0.0; ring.capacity()];
    assert_steady_state_allocates_nothing("numeric ring", || {
        for i in 0..ROUNDS {
            let value = i as f64 * 0.5;
            black_box(ring.insert(value));
            if i % 3 == 0 {
                black_box(ring.consume());
            }
            if i % 29 == 0 {
                ring.insert_batch(&batch);
            }
            if i % 211 == 0 {
                ring.insert_batch(&long_batch);
            }
            black_box((
                ring.peekleft(),
                ring.peekright(),
                ring.get(3),
                ring.get_signed(-1),
            ));
            if i % 13 == 0 {
                black_box(ring.copy_to_slice(&mut window));
                black_box((ring.sum(), ring.mean(), ring.min(), ring.max()));
                black_box(ring.iter().fold(0.0, |acc, x| acc + x));
                black_box(ring.iter().next_back());
                black_box(ring.contains(value));
                black_box(ring.as_slices());
                if !ring.is_empty() {
                    black_box(ring[0]);
                }
            }
            if i % 101 == 0 {
                black_box(ring.make_contiguous().len());
            }
            if i % 17 == 0 {
                let _ = black_box(ring.overwrite_latest(value + 1.0));
            }
            if i % 1009 == 0 {
                ring.clear();
            }
        }
    });
}

#[test]
fn generic_ring_of_plain_values_allocates_nothing_per_item() {
    let mut ring = GenericRingBuffer::<u64>::new(64).unwrap();
    assert_steady_state_allocates_nothing("generic ring", || {
        for i in 0..ROUNDS as u64 {
            black_box(ring.insert(i));
            if i % 3 == 0 {
                black_box(ring.consume());
            }
            if i % 41 == 0 {
                ring.insert_batch(i..i + 100);
            }
            black_box((ring.peekleft(), ring.peekright(), ring.get(1)));
            black_box(ring.contains(&i));
        }
    });
}
