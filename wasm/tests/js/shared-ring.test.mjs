// SharedRing (wasm/npm/shared-ring.js) in Node: its errors, both policies, and real
// worker_threads on the other side (a producer worker, a consumer worker). Every test
// has a timeout, so a lost wake-up fails in seconds. The differential test against
// mmring_core::spsc is wasm/tests/shared_ring_differential.rs.
//
//   node --test wasm/tests/js/shared-ring.test.mjs

import assert from "node:assert/strict";
import { test } from "node:test";
import { Worker, threadId } from "node:worker_threads";
import { dirname, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const moduleUrl = pathToFileURL(resolve(here, "..", "..", "npm", "shared-ring.js")).href;
const { SharedRing, SharedRingError } = await import(moduleUrl);

const T = { timeout: 20_000 };

/** A worker running `body` (an async function's source) with `ring` attached to `buffer`. */
function worker(buffer, body, data = {}) {
  const source = `
    const { workerData, parentPort, threadId } = require("node:worker_threads");
    (async () => {
      const { SharedRing } = await import(workerData.moduleUrl);
      const ring = SharedRing.attach(workerData.buffer);
      const data = workerData.data;
      const result = await (${body})(ring, data, threadId);
      parentPort.postMessage(result ?? null);
    })().catch((e) => { parentPort.postMessage({ error: String(e && e.stack || e) }); });
  `;
  const w = new Worker(source, { eval: true, workerData: { buffer, moduleUrl, data } });
  const result = new Promise((ok, fail) => {
    w.once("message", (m) => (m && m.error ? fail(new Error(m.error)) : ok(m)));
    w.once("error", fail);
  });
  return { result, done: () => w.terminate() };
}

/** A message of `len` bytes whose every byte follows from `seq`. */
function stamped(seq, len, thread = 0) {
  const m = new Uint8Array(len);
  const v = new DataView(m.buffer);
  if (len >= 8) {
    v.setUint32(0, seq, true);
    v.setUint32(4, thread, true);
  }
  for (let k = 8; k < len; k++) m[k] = (seq * 7 + k) & 255;
  return m;
}

function checkStamped(m, seq, thread) {
  const v = new DataView(m.buffer, m.byteOffset, m.byteLength);
  assert.equal(v.getUint32(0, true), seq, "sequence");
  assert.equal(v.getUint32(4, true), thread, "thread");
  for (let k = 8; k < m.length; k++) assert.equal(m[k], (seq * 7 + k) & 255, `byte ${k} of message ${seq}`);
}

test("create checks its options with exact errors", T, () => {
  const capacity = (got) =>
    `SharedRing.create: capacityBytes must be a power of two from 32 to 1073741824 (got ${got})`;
  for (const [bad, shown] of [[100, "100"], [16, "16"], [2 ** 31, "2147483648"], [0, "0"], [64.5, "64.5"], ["64", '"64"']]) {
    assert.throws(() => SharedRing.create({ capacityBytes: bad }), { name: "RangeError", message: capacity(shown) });
  }
  assert.throws(() => SharedRing.create({ policy: "newest" }), {
    name: "TypeError",
    message: 'SharedRing.create: policy must be "dropOldest" or "reject" (got "newest")',
  });
  assert.throws(() => SharedRing.create(5), {
    name: "TypeError",
    message: "SharedRing.create: expected an options object (got 5)",
  });
  assert.throws(() => new SharedRing(new SharedArrayBuffer(1024)), { name: "TypeError" });
  const ring = SharedRing.create();
  assert.equal(ring.capacity, 65536);
  assert.equal(ring.maxMessage, 65536 / 2 - 16);
  assert.equal(ring.policy, "dropOldest");
  assert.equal(ring.buffer.byteLength, 640 + 65536);
});

test("attach refuses what is not a ring", T, () => {
  assert.throws(() => SharedRing.attach(new ArrayBuffer(1024)), {
    name: "TypeError",
    message: "SharedRing.attach: expected a SharedArrayBuffer (got ArrayBuffer)",
  });
  const notRing = (why) => ({
    name: "SharedRingError",
    code: "NOT_A_RING",
    message: `SharedRing.attach: the buffer is not an mmring shared ring (${why})`,
  });
  assert.throws(() => SharedRing.attach(new SharedArrayBuffer(100)), notRing("100 bytes, fewer than the smallest ring's 672"));
  assert.throws(() => SharedRing.attach(new SharedArrayBuffer(2048)), notRing("no MMRINGSB magic number"));
  const ring = SharedRing.create({ capacityBytes: 1024 });
  // The same header in a buffer of another size.
  const short = new SharedArrayBuffer(640 + 512);
  new Uint8Array(short).set(new Uint8Array(ring.buffer, 0, 640));
  assert.throws(() => SharedRing.attach(short), notRing("1152 bytes, but the header says 1664"));
  // A version this code does not know.
  const copy = new SharedArrayBuffer(ring.buffer.byteLength);
  new Uint8Array(copy).set(new Uint8Array(ring.buffer));
  new Int32Array(copy)[2] = 7;
  assert.throws(() => SharedRing.attach(copy), notRing("layout version 7, expected 1"));
  new Int32Array(copy)[2] = 1;
  new Int32Array(copy)[8] = 3;
  assert.throws(() => SharedRing.attach(copy), notRing("unknown policy 3"));
  assert.ok(SharedRing.attach(ring.buffer) instanceof SharedRing);
  assert.ok(new SharedRingError("CORRUPT", "x") instanceof Error);
});

test("inserts and consumes check their arguments", T, () => {
  const ring = SharedRing.create({ capacityBytes: 64, policy: "reject" });
  assert.throws(() => ring.insert(new Uint8Array(17)), {
    name: "RangeError",
    message: "SharedRing.insert: a message of 17 bytes can never fit this ring (largest message 16 bytes)",
  });
  assert.throws(() => ring.insert("text"), {
    name: "TypeError",
    message: 'SharedRing.insert: expected a TypedArray or DataView (got "text")',
  });
  assert.throws(() => ring.insertF64(1n), { name: "TypeError", message: "SharedRing.insertF64: expected a number (got 1n)" });
  assert.equal(ring.insert(new Uint8Array([1, 2, 3])), true);
  assert.throws(() => ring.consumeInto(new Uint8Array(2)), {
    name: "RangeError",
    message: "SharedRing.consumeInto: the next message is 3 bytes, longer than the 2-byte array",
  });
  assert.throws(() => ring.tryConsumeF64(), {
    name: "TypeError",
    message: "SharedRing.tryConsumeF64: the next record is 3 bytes, not a number (8 bytes)",
  });
  assert.throws(() => ring.consumeInto([]), { name: "TypeError" });
  const out = new Uint8Array(8);
  assert.equal(ring.consumeInto(out), 3, "still there after the errors");
  assert.deepEqual([...out.subarray(0, 3)], [1, 2, 3]);
  assert.equal(ring.consumeInto(out), -1);
  assert.throws(() => ring.consumeBlocking(-1), {
    name: "RangeError",
    message: "SharedRing.consumeBlocking: timeoutMs must be a number ≥ 0 (got -1)",
  });
});

test("reject keeps every message; dropOldest evicts whole oldest ones and counts them", T, () => {
  const reject = SharedRing.create({ capacityBytes: 64, policy: "reject" });
  const sixteen = new TextEncoder().encode("0123456789abcdef");
  assert.equal(reject.insert(sixteen), true);
  assert.equal(reject.insert(sixteen), true);
  assert.equal(reject.insert(new Uint8Array(1)), false, "full: nothing written");
  assert.equal(reject.written, 2);
  assert.equal(new TextDecoder().decode(reject.tryConsume()), "0123456789abcdef");
  assert.equal(reject.insert(new Uint8Array(1)), true);
  assert.deepEqual([reject.written, reject.read, reject.dropped, reject.length], [3, 1, 0, 2]);

  const drop = SharedRing.create({ capacityBytes: 64 });
  for (let i = 0; i < 5; i++) assert.equal(drop.insert(new Uint8Array(12).fill(i)), true);
  assert.equal(drop.dropped, 3);
  assert.deepEqual([...drop.tryConsume()], new Array(12).fill(3));
  assert.deepEqual([drop.written, drop.read, drop.dropped, drop.length], [5, 1, 3, 1]);

  const numbers = SharedRing.create({ capacityBytes: 1024 });
  for (const x of [1.5, -0, NaN, Infinity]) numbers.insertF64(x);
  assert.deepEqual([numbers.tryConsumeF64(), numbers.tryConsumeF64()], [1.5, -0]);
  assert.ok(Number.isNaN(numbers.tryConsumeF64()));
  assert.equal(numbers.tryConsumeF64(), Infinity);
  assert.equal(numbers.tryConsumeF64(), undefined);
  // Any view's bytes: a Float64Array goes in as its 8 bytes a value.
  numbers.insert(new Float64Array([2.5, 3.5]));
  assert.deepEqual([...new Float64Array(numbers.tryConsume().buffer)], [2.5, 3.5]);
});

test("positions past 2^32 (the high words change) stream without a torn index", T, () => {
  const ring = SharedRing.create({ capacityBytes: 256, policy: "reject" });
  const i32 = new Int32Array(ring.buffer);
  // write_pos, oldest and read_pos 64 bytes short of 2^32, 5 messages already through.
  const start = 2 ** 32 - 64;
  for (const at of [64, 128, 96]) {
    i32[at] = start | 0;
    i32[at + 1] = 0;
  }
  for (const at of [68, 130, 98, 100]) i32[at] = 5;
  for (let seq = 0; seq < 200; seq++) {
    assert.equal(ring.insert(stamped(seq, 40)), true);
    checkStamped(ring.tryConsume(), seq, 0);
  }
  const i64 = new BigInt64Array(ring.buffer);
  assert.ok(i64[32] > 2n ** 32n, "write_pos crossed 2^32");
  assert.equal(i64[32], i64[48], "read_pos caught up");
  assert.deepEqual([ring.written, ring.read, ring.dropped], [205, 205, 0]);
});

test("a producer worker streams to consume() on this thread (Atomics.waitAsync)", T, async () => {
  const ring = SharedRing.create({ capacityBytes: 4096, policy: "reject" });
  const N = 20_000;
  const w = worker(
    ring.buffer,
    `async (ring, { n }, thread) => {
      for (let seq = 0; seq < n; seq++) {
        const m = new Uint8Array(8 + (seq % 57));
        const v = new DataView(m.buffer);
        v.setUint32(0, seq, true);
        v.setUint32(4, thread, true);
        for (let k = 8; k < m.length; k++) m[k] = (seq * 7 + k) & 255;
        while (!ring.insert(m)) await new Promise((r) => setImmediate(r));
      }
      ring.close();
      return thread;
    }`,
    { n: N },
  );
  try {
    let seq = 0;
    let producer = -1;
    for (;;) {
      const m = await ring.consume(10_000);
      if (m === undefined) break;
      if (producer < 0) producer = new DataView(m.buffer).getUint32(4, true);
      checkStamped(m, seq, producer);
      seq++;
    }
    assert.equal(seq, N, "every message, in order, then undefined once closed");
    assert.equal(await w.result, producer, "stamped by the worker");
    assert.notEqual(producer, threadId, "not this thread");
    assert.deepEqual([ring.written, ring.read, ring.dropped, ring.closed], [N, N, 0, true]);
  } finally {
    await w.done();
  }
});

test("a consumer worker sleeps in consumeBlocking until this thread inserts", T, async () => {
  const ring = SharedRing.create({ capacityBytes: 1024, policy: "reject" });
  const w = worker(
    ring.buffer,
    `async (ring) => {
      const timedOut = ring.consumeBlocking(50) === undefined;
      const got = [];
      for (;;) {
        const m = ring.consumeBlocking(10_000);
        if (m === undefined) break;
        got.push(m[0]);
      }
      return { timedOut, got };
    }`,
  );
  try {
    await new Promise((r) => setTimeout(r, 200));
    // The worker is (most likely) asleep now: each insert must wake it.
    for (let i = 1; i <= 5; i++) {
      ring.insert(new Uint8Array([i]));
      await new Promise((r) => setTimeout(r, 20));
    }
    ring.close();
    assert.deepEqual(await w.result, { timedOut: true, got: [1, 2, 3, 4, 5] });
  } finally {
    await w.done();
  }
});

test("dropOldest under a fast producer worker: in order, whole, and read + dropped = written", T, async () => {
  const ring = SharedRing.create({ capacityBytes: 1024, policy: "dropOldest" });
  const N = 100_000;
  const w = worker(
    ring.buffer,
    `async (ring, { n }, thread) => {
      for (let seq = 0; seq < n; seq++) {
        const m = new Uint8Array(8 + (seq % 90));
        const v = new DataView(m.buffer);
        v.setUint32(0, seq, true);
        v.setUint32(4, thread, true);
        for (let k = 8; k < m.length; k++) m[k] = (seq * 7 + k) & 255;
        ring.insert(m);
      }
      ring.close();
      return thread;
    }`,
    { n: N },
  );
  try {
    const out = new Uint8Array(128);
    let last = -1;
    let got = 0;
    let producer = -1;
    for (;;) {
      const len = ring.consumeInto(out);
      if (len < 0) {
        if (ring.closed && ring.length === 0) break;
        continue;
      }
      const m = out.subarray(0, len);
      const seq = new DataView(out.buffer).getUint32(0, true);
      if (producer < 0) producer = new DataView(out.buffer).getUint32(4, true);
      assert.ok(seq > last, `message ${seq} after ${last}`);
      assert.equal(len, 8 + (seq % 90));
      checkStamped(m, seq, producer);
      last = seq;
      got++;
    }
    assert.equal(await w.result, producer);
    // The last message is never evicted by a later one.
    const tail = ring.tryConsume();
    assert.equal(tail, undefined);
    assert.equal(ring.read, got);
    assert.equal(ring.read + ring.dropped, N);
    assert.equal(last, N - 1);
  } finally {
    await w.done();
  }
});

test("consume() without Atomics.waitAsync falls back to timers", T, async () => {
  const ring = SharedRing.create({ capacityBytes: 1024, policy: "reject" });
  const w = worker(
    ring.buffer,
    `async (ring) => {
      delete Atomics.waitAsync;
      const got = [];
      for (;;) {
        const m = await ring.consume(10_000);
        if (m === undefined) break;
        got.push(m[0]);
      }
      const timedOut = (await ring.consume(30)) === undefined;
      return { got, timedOut, hadWaitAsync: typeof Atomics.waitAsync };
    }`,
  );
  try {
    for (let i = 1; i <= 3; i++) {
      await new Promise((r) => setTimeout(r, 30));
      ring.insert(new Uint8Array([i]));
    }
    ring.close();
    assert.deepEqual(await w.result, { got: [1, 2, 3], timedOut: true, hadWaitAsync: "undefined" });
  } finally {
    await w.done();
  }
});

test("one consume() at a time", T, async () => {
  const ring = SharedRing.create({ capacityBytes: 64 });
  const first = ring.consume(50);
  await assert.rejects(ring.consume(10), {
    name: "Error",
    message: "SharedRing.consume: another consume() is still pending",
  });
  assert.equal(await first, undefined, "timed out");
  ring.insertF64(1);
  assert.deepEqual([...new Float64Array((await ring.consume(1000)).buffer)], [1]);
});

test("corrupt indices are a SharedRingError, not a hang or a wrong message", T, () => {
  const ring = SharedRing.create({ capacityBytes: 256, policy: "reject" });
  ring.insert(new Uint8Array(10));
  const copy = new SharedArrayBuffer(ring.buffer.byteLength);
  new Uint8Array(copy).set(new Uint8Array(ring.buffer));
  const i32 = new Int32Array(copy);
  i32[160 + 1] = 9; // the record's kind
  assert.throws(() => SharedRing.attach(copy).tryConsume(), {
    name: "SharedRingError",
    code: "CORRUPT",
    message: "SharedRing: corrupt record at position 0: unknown record kind",
  });
  i32[161] = 1;
  i32[96] = 12; // read_pos not a multiple of 8
  assert.throws(() => SharedRing.attach(copy).tryConsume(), { code: "CORRUPT" });
  assert.throws(() => SharedRing.attach(copy).insert(new Uint8Array(1)), { code: "CORRUPT" });
});

test("a message committed just before close() is never lost to the closed check", T, async () => {
  // The producer's insert and close() land while the consumer is between its look
  // for a message and its look at `closed`: over many rounds, some land there.
  const rounds = 3000;
  const rings = Array.from({ length: rounds }, () => SharedRing.create({ capacityBytes: 64, policy: "reject" }));
  const control = new Int32Array(new SharedArrayBuffer(4));
  const w = worker(
    rings[0].buffer,
    `async (_, { buffers, control, moduleUrl }) => {
      const { SharedRing } = await import(moduleUrl);
      const flag = new Int32Array(control);
      for (let i = 0; i < buffers.length; i++) {
        while (Atomics.load(flag, 0) <= i) Atomics.wait(flag, 0, i, 1000);
        const ring = SharedRing.attach(buffers[i]);
        ring.insert(new Uint8Array([i & 255]));
        ring.close();
      }
    }`,
    { buffers: rings.map((r) => r.buffer), control: control.buffer, moduleUrl },
  );
  try {
    let lost = 0;
    for (let i = 0; i < rounds; i++) {
      Atomics.store(control, 0, i + 1);
      Atomics.notify(control, 0);
      const first = rings[i].consumeBlocking(5000);
      if (first === undefined) lost++;
      else assert.equal(rings[i].consumeBlocking(5000), undefined);
    }
    assert.equal(lost, 0, "rounds whose message was lost");
    await w.result;
  } finally {
    await w.done();
  }
});

test("consumeInto copies every length into aligned and unaligned arrays", T, () => {
  const ring = SharedRing.create({ capacityBytes: 1024, policy: "reject" });
  const backing = new Uint8Array(80);
  for (const out of [backing.subarray(0, 64), backing.subarray(1, 65), backing.subarray(4, 68), new Uint8Array(64)]) {
    for (let len = 0; len <= 64; len++) {
      const message = stamped(len * 3 + 1, len);
      assert.equal(ring.insert(message), true);
      out.fill(0xee);
      assert.equal(ring.consumeInto(out), len);
      assert.deepEqual([...out.subarray(0, len)], [...message], `length ${len}, offset ${out.byteOffset}`);
      assert.ok(out.subarray(len).every((b) => b === 0xee), "nothing written past the message");
    }
  }
});
