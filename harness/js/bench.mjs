#!/usr/bin/env node
// The `wasm` suite of mmring-harness: mmring's npm build (NumericRingBuffer, f64)
// against a plain JavaScript Float64Array ring, `denque` and `ringbuf.js`, in Node; and
// mmring's SharedRing between two worker threads against ringbuf.js and postMessage
// (workers.mjs).
//
//   node harness/js/bench.mjs PACKAGE_DIR [--quick]
//
// PACKAGE_DIR is the built npm package (target/npm/mmring). Prints one JSON document on
// stdout in the harness's result schema ({ node, groups: [Group] }); progress goes to
// stderr. Every workload opens with a correctness check of the ring it then times.

import { createRequire } from "node:module";
import { join, resolve } from "node:path";

import { workerGroup } from "./workers.mjs";

const CAPACITY = 1024;
const BATCH = 64;

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const packageDir = resolve(args.find((a) => !a.startsWith("--")) ?? "target/npm/mmring");
const require = createRequire(import.meta.url);
const mmring = require(join(packageDir, "node", "mmring.cjs"));
const Denque = require("denque");
const { RingBuffer } = await import("ringbuf.js");

const WARMUP = quick ? 1 : 3;
const REPS = quick ? 3 : 7;
const SCALE = quick ? 0.02 : 1;
const ops = (full) => Math.max(1000, Math.floor(full * SCALE));

function log(msg) {
  process.stderr.write(`[wasm-js] ${msg}\n`);
}

function check(cond, what) {
  if (!cond) {
    throw new Error(`correctness check failed: ${what}`);
  }
}

const TARGET_NS = quick ? 10e6 : 200e6;

function timed(n, work) {
  const start = process.hrtime.bigint();
  work(n);
  return Number(process.hrtime.bigint() - start);
}

/**
 * Runs `work(n)` WARMUP times untimed and REPS times timed; ns per op. `n` is at most
 * `max`, scaled down from a trial run so that one repetition takes about TARGET_NS.
 */
function measure(max, work) {
  const trial = Math.max(100, Math.floor(max / 50));
  timed(trial, work); // let the JIT see the code once
  const perOp = timed(trial, work) / trial;
  const n = Math.max(100, Math.min(max, Math.floor(TARGET_NS / Math.max(perOp, 0.01))));
  for (let i = 0; i < WARMUP; i++) work(n);
  const samples = [];
  for (let i = 0; i < REPS; i++) {
    const start = process.hrtime.bigint();
    work(n);
    samples.push(Number(process.hrtime.bigint() - start) / n);
  }
  return summarize(samples);
}

/** Median, extremes and the samples themselves. */
function summarize(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, min: sorted[0], max: sorted[sorted.length - 1], samples };
}

function entry(name, isMmring, stats, remark = null) {
  return { name, mmring: isMmring, stats, allocs_per_op: null, remark };
}

/** A plain overwrite-oldest ring over a Float64Array. */
class JsRing {
  constructor(capacity) {
    this.buf = new Float64Array(capacity);
    this.cap = capacity;
    this.head = 0;
    this.len = 0;
  }
  insert(x) {
    const at = (this.head + this.len) % this.cap;
    let evicted;
    if (this.len === this.cap) {
      evicted = this.buf[at];
      this.head = (this.head + 1) % this.cap;
    } else {
      this.len++;
    }
    this.buf[at] = x;
    return evicted;
  }
  insertBatch(values) {
    let src = values;
    if (src.length > this.cap) src = src.subarray(src.length - this.cap);
    const at = (this.head + this.len) % this.cap;
    const first = Math.min(src.length, this.cap - at);
    this.buf.set(first === src.length ? src : src.subarray(0, first), at);
    if (first < src.length) this.buf.set(src.subarray(first), 0);
    const total = this.len + src.length;
    const newLen = Math.min(total, this.cap);
    this.head = (at + src.length - newLen + this.cap) % this.cap;
    this.len = newLen;
  }
  unwrapped() {
    const out = new Float64Array(this.len);
    const first = Math.min(this.len, this.cap - this.head);
    out.set(this.buf.subarray(this.head, this.head + first), 0);
    if (first < this.len) out.set(this.buf.subarray(0, this.len - first), first);
    return out;
  }
}

/** denque with eviction by hand. */
class DenqueRing {
  constructor(capacity) {
    this.q = new Denque();
    this.cap = capacity;
  }
  insert(x) {
    this.q.push(x);
    return this.q.length > this.cap ? this.q.shift() : undefined;
  }
  insertBatch(values) {
    for (let i = 0; i < values.length; i++) this.insert(values[i]);
  }
  unwrapped() {
    return this.q.toArray();
  }
}

/** ringbuf.js (an SPSC queue over a SharedArrayBuffer) with eviction by hand. */
class RingbufRing {
  constructor(capacity) {
    this.rb = new RingBuffer(RingBuffer.getStorageForCapacity(capacity, Float64Array), Float64Array);
    this.scratch = new Float64Array(capacity);
    this.one = new Float64Array(1);
  }
  insert(x) {
    if (this.rb.available_write() < 1) this.rb.pop(this.scratch, 1);
    this.one[0] = x;
    this.rb.push(this.one, 1);
  }
  insertBatch(values) {
    const short = values.length - this.rb.available_write();
    if (short > 0) this.rb.pop(this.scratch, short);
    this.rb.push(values, values.length);
  }
}

function makeMmring() {
  return new mmring.NumericRingBuffer(CAPACITY, "f64");
}

const rings = [
  ["mmring NumericRingBuffer (wasm)", true, makeMmring],
  ["plain JS Float64Array ring", false, () => new JsRing(CAPACITY)],
  ["denque (manual eviction)", false, () => new DenqueRing(CAPACITY)],
  ["ringbuf.js (manual eviction)", false, () => new RingbufRing(CAPACITY)],
];

function full(ring) {
  const fill = new Float64Array(CAPACITY).map((_, i) => i);
  ring.insertBatch(fill);
  return ring;
}

function release(ring) {
  if (typeof ring.free === "function") ring.free();
}

const groups = [];

// Correctness first: every ring keeps the newest CAPACITY values in order.
for (const [name, , make] of rings) {
  const ring = full(make());
  ring.insertBatch(Float64Array.from({ length: BATCH }, (_, i) => CAPACITY + i));
  ring.insert(CAPACITY + BATCH);
  if (ring.unwrapped) {
    const w = Array.from(ring.unwrapped());
    check(w.length === CAPACITY, `${name} length ${w.length}`);
    check(w[0] === BATCH + 1 && w[CAPACITY - 1] === CAPACITY + BATCH, `${name} window`);
  }
  release(ring);
}

{
  log("insertBatch");
  const n = ops(1_000_000);
  const batch = Float64Array.from({ length: BATCH }, (_, i) => i * 0.5);
  const entries = rings.map(([name, isMmring, make]) => {
    log(`  ${name}`);
    const ring = full(make());
    const stats = measure(n, (k) => {
      for (let i = 0; i < k; i++) ring.insertBatch(batch);
    });
    release(ring);
    return entry(name, isMmring, stats);
  });
  groups.push({
    id: "wasm_f64_insert_batch",
    title: `Node: insertBatch of a ${BATCH}-value Float64Array into a full f64 ring, capacity ${CAPACITY}`,
    unit: "ns/batch",
    higher_is_better: false,
    entries,
  });
}

{
  log("insert");
  const n = ops(10_000_000);
  const entries = rings.map(([name, isMmring, make]) => {
    log(`  ${name}`);
    const ring = full(make());
    let sink = 0;
    const stats = measure(n, (k) => {
      for (let i = 0; i < k; i++) {
        const evicted = ring.insert(i);
        if (evicted !== undefined) sink += evicted;
      }
    });
    check(Number.isFinite(sink), "sink");
    release(ring);
    return entry(name, isMmring, stats);
  });
  groups.push({
    id: "wasm_f64_insert",
    title: `Node: insert one value into a full f64 ring, capacity ${CAPACITY}`,
    unit: "ns/op",
    higher_is_better: false,
    entries,
  });
}

{
  log("unwrapped");
  const n = ops(200_000);
  const entries = rings
    .filter(([, , make]) => typeof make().unwrapped === "function")
    .map(([name, isMmring, make]) => {
      log(`  ${name}`);
      const ring = full(make());
      ring.insertBatch(new Float64Array(CAPACITY / 2)); // a wrapped window
      let sink = 0;
      const stats = measure(n, (k) => {
        for (let i = 0; i < k; i++) sink += ring.unwrapped().length;
      });
      check(sink > 0, "sink");
      release(ring);
      return entry(name, isMmring, stats);
    });
  groups.push({
    id: "wasm_f64_unwrapped",
    title: `Node: unwrapped (a copy, oldest first) of a full, wrapped f64 ring, capacity ${CAPACITY}`,
    unit: "ns/op",
    higher_is_better: false,
    entries,
  });
}

{
  // What a chart does every frame: take the whole window as a Float64Array and read it.
  // mmring's view() looks into wasm memory (no copy; it rotates the storage only when
  // the window wraps, here on the first call); the JS rings can only copy.
  log("view");
  const n = ops(200_000);
  // mmring's window is view(), a JS ring's unwrapped() (ringbuf.js has none).
  const windowOf = (name, ring) =>
    name.startsWith("mmring") ? () => ring.view() : ring.unwrapped ? () => ring.unwrapped() : null;
  const entries = [];
  for (const [name, isMmring, make] of rings) {
    const ring = full(make());
    ring.insertBatch(new Float64Array(CAPACITY / 2)); // a wrapped window
    const take = windowOf(name, ring);
    if (take === null) {
      release(ring);
      continue;
    }
    const w = take();
    check(w.length === CAPACITY && w[0] === CAPACITY / 2 && w[CAPACITY - 1] === 0, `${name} window`);
    log(`  ${name}`);
    let sink = 0;
    const stats = measure(n, (k) => {
      for (let i = 0; i < k; i++) {
        const w = take();
        sink += w[w.length - 1] + w.length;
      }
    });
    check(sink > 0, "sink");
    release(ring);
    entries.push(entry(name, isMmring, stats, isMmring ? "view(): no copy" : "unwrapped(): a copy"));
  }
  groups.push({
    id: "wasm_f64_view",
    title: `Node: the whole window of a full f64 ring, capacity ${CAPACITY}, as one array, read once`,
    unit: "ns/op",
    higher_is_better: false,
    entries,
  });
}

{
  // Two threads: a producer worker and a consumer worker (workers.mjs).
  log("worker ring");
  groups.push(await workerGroup({ packageDir, quick, log, stats: summarize, entry }));
}

process.stdout.write(JSON.stringify({ node: process.version, groups }) + "\n");
