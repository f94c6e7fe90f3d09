//! `inproc`: the single-thread rings against their in-process peers.
//!
//! Buffer placement: a `memcpy` whose destination lies a few bytes past its source
//! modulo 4096 can run many times slower (4K aliasing; 25–40× measured on AMD Zen 3),
//! and copies whose ends sit at different offsets in a cache line cost more. So that a
//! figure does not depend on where the allocator put a buffer, every source and
//! destination the harness controls is placed at the same offset within a 64-byte line
//! as the buffer it is copied to or from, with a distance that is a multiple of 64
//! (never inside the aliasing window), and the raw-`memcpy` references copy between
//! buffers placed exactly like the ring's.

use std::collections::VecDeque;
use std::hint::black_box;

use bytes::Bytes;
use circular_buffer::{FixedCircularBuffer, HeapCircularBuffer};
use heapless::HistoryBuf;
use mmring_core::{BytesRingBuffer, BytesRingBufferFast, GenericRingBuffer, NumericRingBuffer};
use ringbuffer::AllocRingBuffer;

use super::{Body, Ctx, SuiteDef};
use crate::alloc::allocations;
use crate::measure::{CONSUMER_CORE, Stats, ns_per_op, on_core, repeat};
use crate::peers::inproc::{CAPACITY, Deque, EvictFloor, Ring64};
use crate::results::{Entry, FLOOR, Group, Target};

/// The suite.
pub const SUITE: SuiteDef = SuiteDef {
    name: "inproc",
    title: "In-process rings, one thread",
    about: "GenericRingBuffer<u64> against VecDeque (manual eviction), ringbuffer, \
            circular-buffer and heapless; NumericRingBuffer<f64> bulk copies against a raw \
            copy of the same bytes; the byte rings against VecDeque of Vec<u8> and of Bytes, \
            with heap allocations counted. Capacity 1024 throughout; one thread, pinned.",
    run,
};

/// Values per `insert_batch` (512 bytes of `f64`).
const BATCH: usize = 64;
/// Message sizes of the byte-ring workloads.
const MESSAGE_SIZES: [usize; 3] = [32, 256, 2048];
/// Line size for placement.
const LINE: usize = 64;
/// Page size for placement (4K aliasing).
const PAGE: usize = 4096;

fn run(ctx: &Ctx) -> Body {
    on_core(CONSUMER_CORE, || run_pinned(ctx))
}

fn run_pinned(ctx: &Ctx) -> Body {
    let mut body = Body::default();
    let s = &ctx.settings;

    let n = s.ops(20_000_000, 200_000);
    for (step, id, title, workload) in RING_GROUPS {
        ctx.step(step);
        let entries = RINGS
            .iter()
            .filter_map(|time| time(ctx, n, workload))
            .collect();
        body.groups
            .push(Group::of(id, title, "ns/op", false, entries));
    }
    let insert = body
        .group("generic_u64_insert_full")
        .expect("measured above");
    let mmring = &insert.entries[0];
    let fastest = insert.fastest_peer().expect("peers ran");
    let floor = insert
        .entries
        .iter()
        .find(|e| e.name.starts_with(FLOOR))
        .map_or(String::new(), |floor| {
            format!(
                "; an insert that hands back what it evicts costs at least {:.2} ns here \
                 (`{}`), and 1.2× the fastest peer means {:.2} ns",
                floor.stats.median,
                floor.name,
                fastest.stats.median / 1.2
            )
        });
    body.targets.push(Target::new(
        "Generic<u64> insert ≥ 1.2× the fastest in-process peer",
        1.2,
        Some(insert.ratio(mmring, fastest)),
        format!(
            "`{}`: mmring {:.2} ns vs fastest peer {} {:.2} ns{floor}",
            insert.id, mmring.stats.median, fastest.name, fastest.stats.median
        ),
    ));

    numeric(ctx, &mut body);
    byte_rings(ctx, &mut body);
    body.notes.push(
        "heapless HistoryBuf is write-only (a history window): it has no consume, so it is \
         absent from the insert + consume table."
            .into(),
    );
    body.notes.push(
        "Placement: sources and destinations the harness controls share their offset in a \
         64-byte line with the buffer they are copied to or from, at a distance that is a \
         multiple of 64 bytes (outside the 4K-aliasing window of `rep movsb`); the raw \
         memcpy references copy between buffers placed exactly like the ring's. Buffers \
         that a library allocates itself (VecDeque<Vec<u8>>, Bytes, unwrapped's Vec) land \
         where the allocator puts them."
            .into(),
    );
    body
}

/// What the groups of [`RING_GROUPS`] time on each ring.
#[derive(Clone, Copy)]
enum RingWorkload {
    /// [`insert_full`].
    InsertFull,
    /// [`insert_consume`].
    InsertConsume,
}

/// The groups timed on every ring of [`RINGS`]: progress line, id, title, workload.
const RING_GROUPS: [(&str, &str, &str, RingWorkload); 2] = [
    (
        "Generic<u64> insert into a full ring",
        "generic_u64_insert_full",
        "GenericRingBuffer<u64>: insert into a full ring (every insert evicts), capacity 1024",
        RingWorkload::InsertFull,
    ),
    (
        "Generic<u64> insert + consume",
        "generic_u64_insert_consume",
        "GenericRingBuffer<u64>: one insert and one consume on a half-full ring (a FIFO queue)",
        RingWorkload::InsertConsume,
    ),
];

/// `n` operations of a workload on one ring type, as [`time`] runs them.
type RingTimer = fn(&Ctx, u64, RingWorkload) -> Option<Entry>;

/// The in-process rings of `u64`, mmring's first, in the order of the report's rows.
const RINGS: [RingTimer; 7] = [
    time::<GenericRingBuffer<u64>>,
    time::<Deque>,
    time::<AllocRingBuffer<u64>>,
    time::<Box<FixedCircularBuffer<u64, CAPACITY>>>,
    time::<HeapCircularBuffer<u64>>,
    time::<Box<HistoryBuf<u64, CAPACITY>>>,
    time::<EvictFloor>,
];

/// `n` operations of `workload` on a ring of `R`; `None` when `R` cannot run it (a
/// history buffer does not consume).
fn time<R: Ring64>(ctx: &Ctx, n: u64, workload: RingWorkload) -> Option<Entry> {
    match workload {
        RingWorkload::InsertFull => Some(insert_full::<R>(ctx, n)),
        RingWorkload::InsertConsume => R::CONSUMES.then(|| insert_consume::<R>(ctx, n)),
    }
}

/// `n` inserts into a full ring of `R`.
fn insert_full<R: Ring64>(ctx: &Ctx, n: u64) -> Entry {
    ctx.step(format!("  insert full: {}", R::NAME));
    let mut ring = R::create();
    for i in 0..CAPACITY as u64 {
        ring.insert(i);
    }
    let stats = repeat(&ctx.settings, || {
        ns_per_op(n, || {
            for i in 0..n {
                black_box(ring.insert(black_box(i)));
            }
        })
    });
    Entry::new(R::NAME, R::MMRING, stats)
}

/// `n` rounds of one insert and one consume on a half-full ring of `R`.
fn insert_consume<R: Ring64>(ctx: &Ctx, n: u64) -> Entry {
    ctx.step(format!("  insert + consume: {}", R::NAME));
    assert!(R::CONSUMES);
    let mut ring = R::create();
    for i in 0..CAPACITY as u64 / 2 {
        ring.insert(i);
    }
    let stats = repeat(&ctx.settings, || {
        ns_per_op(n, || {
            for i in 0..n {
                black_box(ring.insert(black_box(i)));
                black_box(ring.consume());
            }
        })
    });
    Entry::new(R::NAME, R::MMRING, stats)
}

/// A pool of `f64` from which slices can be cut at a chosen address modulo 4096.
struct Pool(Vec<f64>);

impl Pool {
    fn new() -> Self {
        Self(vec![0.0; 4 * PAGE])
    }

    /// `len` values starting at an address ≡ `page_offset` (mod 4096), `page_offset` a
    /// multiple of 8.
    fn at(&mut self, page_offset: usize, len: usize) -> &mut [f64] {
        let base = self.0.as_ptr() as usize;
        let start = (page_offset + PAGE - base % PAGE) % PAGE / 8;
        assert!(start + len <= self.0.len(), "pool too small");
        &mut self.0[start..start + len]
    }
}

/// Address of the first slot of a full numeric ring's storage.
fn storage_base(ring: &NumericRingBuffer<f64>) -> usize {
    assert!(ring.is_full());
    let (first, second) = ring.as_slices();
    if second.is_empty() {
        first.as_ptr() as usize
    } else {
        second.as_ptr() as usize
    }
}

fn numeric(ctx: &Ctx, body: &mut Body) {
    let s = &ctx.settings;
    ctx.step("Numeric f64 insert_batch vs copy_from_slice");
    let mut ring = NumericRingBuffer::<f64>::new(CAPACITY).expect("valid capacity");
    ring.insert_batch(&[1.0; CAPACITY]);
    let base = storage_base(&ring);
    let mut pool = Pool::new();
    let mut src_pool = Pool::new();
    // The batch source sits half a page from the ring's storage (mod 4096), on the same
    // line offset: every destination offset is a multiple of 512 bytes from the base.
    let src: Vec<f64> = (0..BATCH).map(|i| i as f64).collect();
    let src_placed = src_pool.at((base + PAGE / 2) % PAGE, BATCH);
    src_placed.copy_from_slice(&src);
    let n = s.ops(4_000_000, 40_000);
    let mmring_batch = repeat(s, || {
        ns_per_op(n, || {
            for _ in 0..n {
                ring.insert_batch(black_box(&*src_placed));
            }
        })
    });
    black_box(ring.sum());
    let dst = pool.at(base % PAGE, CAPACITY);
    // The length is opaque to the compiler, as a caller's batch length is to the ring.
    let len = black_box(BATCH);
    let raw_batch = repeat(s, || {
        let mut at = 0;
        ns_per_op(n, || {
            for _ in 0..n {
                dst[at..at + len].copy_from_slice(black_box(&src_placed[..len]));
                at = (at + len) % CAPACITY;
            }
        })
    });
    black_box(&dst);
    let batch = against_raw_copy(
        "numeric_f64_insert_batch",
        "NumericRingBuffer<f64>: insert_batch of 64 values (512 B) into a full ring, capacity 1024",
        "ns/batch",
        ("insert_batch", mmring_batch),
        raw_batch,
    );

    ctx.step("Numeric f64 unwrapped / copy_to_slice vs raw copies");
    // A full ring whose window starts mid-storage: two 4 KiB copies, both sources at
    // the storage's page offset.
    ring.clear();
    ring.insert_batch(&[2.0; CAPACITY + CAPACITY / 2]);
    let base = storage_base(&ring);
    let m = s.ops(400_000, 4_000);
    let mut out_addr = 0usize;
    let mut allocs = 0;
    let mmring_unwrapped = repeat(s, || {
        let before = allocations();
        let ns = ns_per_op(m, || {
            for _ in 0..m {
                let v = ring.unwrapped();
                out_addr = v.as_ptr() as usize;
                black_box(v);
            }
        });
        allocs += allocations() - before;
        ns
    });
    let unwrapped_allocs = per_op(allocs, m, s);
    let raw_src = pool.at(base % PAGE, CAPACITY);
    raw_src.fill(2.0);
    let raw_to_vec = repeat(s, || {
        ns_per_op(m, || {
            for _ in 0..m {
                black_box(black_box(&*raw_src).to_vec());
            }
        })
    });
    let mut out_pool = Pool::new();
    let out = out_pool.at((base + PAGE / 2) % PAGE, CAPACITY);
    let mmring_copy = repeat(s, || {
        ns_per_op(m, || {
            for _ in 0..m {
                black_box(ring.copy_to_slice(black_box(&mut *out)));
            }
        })
    });
    let raw_copy = repeat(s, || {
        ns_per_op(m, || {
            for _ in 0..m {
                black_box(&mut *out).copy_from_slice(black_box(&*raw_src));
            }
        })
    });
    let unwrapped = Group::of(
        "numeric_f64_unwrapped",
        "NumericRingBuffer<f64>: unwrapped of a full, wrapped 1024-value window (8 KiB) into a new Vec",
        "ns/op",
        false,
        vec![
            Entry::new("mmring unwrapped", true, mmring_unwrapped).allocs(unwrapped_allocs),
            Entry::new(
                "raw to_vec (alloc + copy_from_slice, same bytes)",
                false,
                raw_to_vec,
            )
            .allocs(1.0),
        ],
    );
    let copy = against_raw_copy(
        "numeric_f64_copy_to_slice",
        "NumericRingBuffer<f64>: copy_to_slice of the same window into a preallocated buffer",
        "ns/op",
        ("copy_to_slice", mmring_copy),
        raw_copy,
    );
    body.targets.push(raw_memcpy_target(
        "insert_batch",
        &batch,
        "64 × f64 into a full ring vs copy_from_slice of the same 512 B",
    ));
    body.targets.push(raw_memcpy_target(
        "unwrapped",
        &unwrapped,
        "unwrapped (new Vec + 2 copies) vs to_vec of the same 8 KiB (new Vec + 1 copy)",
    ));
    body.notes.push(format!(
        "unwrapped's new Vec landed {} bytes past its source modulo 4096 (aliasing window: \
         1–63); copy_to_slice and the raw copies use destinations placed 2048 bytes away.",
        (out_addr.wrapping_sub(base)) % PAGE
    ));
    body.groups.push(batch);
    body.groups.push(unwrapped);
    body.groups.push(copy);
}

/// A group of an mmring call (its name and figure) against a raw `copy_from_slice` of
/// the same bytes, placed alike (lower is better).
fn against_raw_copy(
    id: &str,
    title: &str,
    unit: &str,
    (call, mmring): (&str, Stats),
    raw: Stats,
) -> Group {
    Group::of(
        id,
        title,
        unit,
        false,
        vec![
            Entry::new(format!("mmring {call}"), true, mmring),
            Entry::new(
                "raw copy_from_slice (same bytes, same placement)",
                false,
                raw,
            ),
        ],
    )
}

/// The target that mmring's `call` (the first entry of `group`) be at least 0.8× as
/// fast as the raw copy it is measured against (the second); `how` says what is
/// compared.
fn raw_memcpy_target(call: &str, group: &Group, how: &str) -> Target {
    Target::new(
        &format!("Numeric f64 {call} ≥ 0.8× raw memcpy"),
        0.8,
        Some(group.ratio(&group.entries[0], &group.entries[1])),
        format!("`{}`: {how}", group.id),
    )
}

fn per_op(allocs: u64, ops_per_rep: u64, s: &crate::measure::Settings) -> f64 {
    allocs as f64 / (ops_per_rep * (s.warmup + s.reps) as u64) as f64
}

/// A byte-message queue: one insert of `payload` and one consume per operation.
trait MessageQueue {
    fn step(&mut self, payload: &[u8]);
}

struct Fast {
    ring: BytesRingBufferFast,
    out: Vec<u8>,
}

/// What every consumer does with a message: reads all of it (an XOR of its words), so
/// a queue that hands over ownership without touching the bytes is not favoured over
/// one that copies them out.
#[inline]
fn touch(message: &[u8]) -> u64 {
    let (words, tail) = message.as_chunks::<8>();
    words
        .iter()
        .fold(tail.len() as u64, |acc, w| acc ^ u64::from_ne_bytes(*w))
}

impl MessageQueue for Fast {
    #[inline]
    fn step(&mut self, payload: &[u8]) {
        self.ring.insert(payload).expect("fits the slot");
        self.ring.consume_into(&mut self.out);
        black_box(touch(&self.out));
    }
}

/// The least a ring that copies messages in and out can do: copy the payload into one
/// slot and out into a reused buffer, and read it, with no ring around the slot.
struct CopyFloor {
    slot: Vec<u8>,
    out: Vec<u8>,
}

impl MessageQueue for CopyFloor {
    #[inline]
    fn step(&mut self, payload: &[u8]) {
        self.slot[..payload.len()].copy_from_slice(payload);
        self.out.clear();
        self.out.extend_from_slice(&self.slot[..payload.len()]);
        black_box(touch(&self.out));
    }
}

impl MessageQueue for BytesRingBuffer {
    #[inline]
    fn step(&mut self, payload: &[u8]) {
        self.insert(Bytes::copy_from_slice(payload));
        black_box(self.consume().as_deref().map(touch));
    }
}

impl MessageQueue for VecDeque<Vec<u8>> {
    #[inline]
    fn step(&mut self, payload: &[u8]) {
        if self.len() == CAPACITY {
            self.pop_front();
        }
        self.push_back(payload.to_vec());
        black_box(self.pop_front().as_deref().map(touch));
    }
}

impl MessageQueue for VecDeque<Bytes> {
    #[inline]
    fn step(&mut self, payload: &[u8]) {
        if self.len() == CAPACITY {
            self.pop_front();
        }
        self.push_back(Bytes::copy_from_slice(payload));
        black_box(self.pop_front().as_deref().map(touch));
    }
}

/// Times `n` steps of `queue` (pre-filled half-way by `fill`) and counts allocations.
fn message_entry<Q: MessageQueue>(
    ctx: &Ctx,
    name: &str,
    mmring: bool,
    mut queue: Q,
    payload: &[u8],
    n: u64,
) -> Entry {
    ctx.step(format!("  {name}"));
    let s = &ctx.settings;
    let mut allocs = 0;
    let stats: Stats = repeat(s, || {
        let before = allocations();
        let ns = ns_per_op(n, || {
            for _ in 0..n {
                queue.step(black_box(payload));
            }
        });
        allocs += allocations() - before;
        ns
    });
    Entry::new(name, mmring, stats).allocs(per_op(allocs, n, s))
}

fn byte_rings(ctx: &Ctx, body: &mut Body) {
    let s = &ctx.settings;
    let mut payload_pool = vec![0x5Au8; 2 * PAGE + MESSAGE_SIZES[2]];
    for size in MESSAGE_SIZES {
        ctx.step(format!("byte rings, {size} B insert + consume"));
        let n = s.ops(if size >= 2048 { 1_000_000 } else { 3_000_000 }, 20_000);
        let mut fast = BytesRingBufferFast::builder(CAPACITY)
            .expected_item_size(size)
            .build()
            .expect("valid fast ring");
        let half: Vec<u8> = vec![1; size];
        for _ in 0..CAPACITY / 2 {
            fast.insert(&half).expect("fits");
        }
        // Place the payload and the consumer's buffer half a page from the slab (slot 0).
        let slab = fast.peekleft().expect("filled").as_ptr() as usize;
        let payload = placed(&mut payload_pool, (slab + PAGE / 2) % PAGE, size);
        let out = placed_vec((slab + PAGE / 2) % PAGE, fast.slot_size());
        let fast = Fast { ring: fast, out };

        let mut bytes_ring = BytesRingBuffer::new(CAPACITY).expect("valid capacity");
        let mut vec_deque: VecDeque<Vec<u8>> = VecDeque::with_capacity(CAPACITY);
        let mut bytes_deque: VecDeque<Bytes> = VecDeque::with_capacity(CAPACITY);
        for _ in 0..CAPACITY / 2 {
            bytes_ring.insert(Bytes::copy_from_slice(&half));
            vec_deque.push_back(half.clone());
            bytes_deque.push_back(Bytes::copy_from_slice(&half));
        }
        let mut group = Group::new(
            &format!("bytes_{size}_insert_consume"),
            &format!("Byte rings: insert + consume of a {size} B message on a half-full ring"),
            "ns/msg",
            false,
        );
        group.entries = vec![
            message_entry(ctx, "mmring BytesRingBufferFast", true, fast, payload, n),
            message_entry(ctx, "mmring BytesRingBuffer", true, bytes_ring, payload, n),
            message_entry(ctx, "VecDeque<Vec<u8>>", false, vec_deque, payload, n),
            message_entry(ctx, "VecDeque<Bytes>", false, bytes_deque, payload, n),
            message_entry(
                ctx,
                COPY_FLOOR,
                false,
                CopyFloor {
                    slot: vec![0; size],
                    out: Vec::with_capacity(size),
                },
                payload,
                n,
            ),
        ];
        // The bar per size: against VecDeque<Vec<u8>> (index 2) or
        // VecDeque<Bytes> (index 3), and how many times faster.
        let (peer, times) = match size {
            2048 => (3, 1.5),
            _ => (2, 3.0),
        };
        let fast = &group.entries[0];
        let deque = &group.entries[peer];
        let floor = &group.entries[4];
        let allocs = fast.allocs_per_op.unwrap_or(f64::NAN);
        let mut target = Target::new(
            &format!(
                "BytesRingBufferFast {size} B insert+consume ≥ {times}× {}, 0 allocations/message",
                deque.name
            ),
            times,
            Some(group.ratio(fast, deque)),
            format!(
                "`{}`: {:.1} ns vs {:.1} ns per message; {allocs:.3} allocations/message; \
                 the copy in, the copy out and the read alone (`{COPY_FLOOR}`) take \
                 {:.1} ns, where {times}× {} means {:.1} ns",
                group.id,
                fast.stats.median,
                deque.stats.median,
                floor.stats.median,
                deque.name,
                deque.stats.median / times
            ),
        );
        target.also = Some(("0 allocations/message".into(), allocs == 0.0));
        body.targets.push(target);
        body.groups.push(group);
    }
    body.notes.push(
        "Byte rings: BytesRingBufferFast copies the payload into its slab and out into a \
         reused buffer (consume_into); BytesRingBuffer and VecDeque<Bytes> receive \
         Bytes::copy_from_slice (one allocation, as a network stack would hand over), \
         VecDeque<Vec<u8>> receives payload.to_vec(). Every consumer then reads the whole \
         message once (an XOR of its 8-byte words), so handing over ownership without \
         touching the bytes is not counted as free. The ring holds 512 messages (half of \
         capacity 1024): with 256 B messages the fast ring's 512 B slots span 512 KiB, \
         beyond L1."
            .into(),
    );
}

/// The row of [`CopyFloor`].
const COPY_FLOOR: &str = "floor: copy in, copy out, read (no ring)";

/// `len` bytes of `pool` starting at an address ≡ `page_offset` (mod 4096).
fn placed(pool: &mut [u8], page_offset: usize, len: usize) -> &[u8] {
    let base = pool.as_ptr() as usize;
    let start = (page_offset + PAGE - base % PAGE) % PAGE;
    &pool[start..start + len]
}

/// A `Vec` with capacity `cap` whose buffer starts at an address ≡ `page_offset`
/// (mod 4096), or failing that on the same 64-byte line offset: allocations are tried
/// until one lands there (the others are freed after).
fn placed_vec(page_offset: usize, cap: usize) -> Vec<u8> {
    let mut tries = Vec::new();
    let mut line_match = None;
    for _ in 0..2048 {
        let v: Vec<u8> = Vec::with_capacity(cap.max(PAGE) + 16);
        let at = v.as_ptr() as usize;
        if at % PAGE == page_offset {
            return v;
        }
        if line_match.is_none() && at % LINE == page_offset % LINE {
            line_match = Some(v);
        } else {
            tries.push(v);
        }
    }
    line_match.unwrap_or_else(|| Vec::with_capacity(cap))
}
