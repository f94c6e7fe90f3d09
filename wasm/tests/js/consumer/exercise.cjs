// Uses every class and function of the package the way an application would, and
// returns what it saw. Shared by the CommonJS and ESM consumers (use.cjs, use.mjs…),
// which pass in the module they loaded.

/** The class name and the start of the message of what `fn` throws. */
function thrown(fn) {
  try {
    fn();
  } catch (e) {
    return `${e.constructor.name}: ${e.message}`.slice(0, 40);
  }
  return "no throw";
}

module.exports = async function exercise(m) {
  const seen = {};

  const generic = new m.GenericRingBuffer(3);
  generic.insert({ id: 1 });
  generic.insertBatch(["a", "b", "c"]);
  seen.generic = {
    capacity: generic.capacity,
    length: generic.length,
    overwritten: generic.overwritten,
    items: [...generic],
    newest: generic.get(-1),
    replaced: generic.overwriteLatest("d"),
    consumed: generic.consume(),
    rest: generic.consumeAll(),
    empty: [generic.isEmpty(), generic.consume() === undefined, generic.peekLeft() === undefined],
    zero: thrown(() => new m.GenericRingBuffer(0)),
    emptyOverwrite: thrown(() => generic.overwriteLatest(1)),
  };

  const prices = new m.NumericRingBuffer(4, "float64");
  prices.insertBatch(new Float64Array([1, 2, 3, 4, 5, 6]));
  const view = prices.view();
  seen.numeric = {
    dtype: prices.dtype,
    unwrappedIsFloat64Array: prices.unwrapped() instanceof Float64Array,
    unwrapped: Array.from(prices.unwrapped()),
    view: Array.from(view),
    stats: [prices.sum(), prices.mean(), prices.min(), prices.max()],
    full: prices.isFull(),
    overwritten: prices.overwritten,
    contains: [prices.contains(5), prices.contains(1)],
    unknownDtype: thrown(() => new m.NumericRingBuffer(4, "float16")),
  };
  const ids = new m.NumericRingBuffer(2, "int64");
  ids.insert(2n ** 62n);
  seen.bigint = {
    peek: String(ids.peekRight()),
    typeofPeek: typeof ids.peekRight(),
    array: ids.unwrapped().constructor.name,
    number: thrown(() => ids.insert(1)),
    uint8Range: thrown(() => new m.NumericRingBuffer(2, "uint8").insert(256)),
  };

  const frames = new m.BytesRingBuffer(4, { onlyInsertUnique: true });
  const encoder = new TextEncoder();
  seen.bytes = {
    first: frames.insert(encoder.encode("tick")),
    duplicate: frames.insert(encoder.encode("tick")),
    fromArrayBuffer: frames.insert(new Uint8Array([1, 2]).buffer),
    unique: frames.onlyInsertUnique,
    consumed: new TextDecoder().decode(frames.consume()),
    wrongType: thrown(() => frames.insert("tick")),
  };

  const fast = new m.BytesRingBufferFast(4, { expectedItemSize: 8, bufferPercent: 0 });
  seen.fast = {
    slotSize: fast.slotSize,
    inserted: fast.insert(new Uint8Array(8)),
    oversize: thrown(() => fast.insert(new Uint8Array(9))),
    items: fast.unwrapped().map((b) => b.length),
    badOption: thrown(() => new m.BytesRingBufferFast(4, { expectedSize: 8 })),
  };

  const frame = m.pack([encoder.encode("ab"), encoder.encode("")]);
  let corruptOffset = null;
  try {
    m.unpack(new Uint8Array([1, 0, 0, 0, 120, 7]));
  } catch (e) {
    corruptOffset = e.offset;
  }
  seen.packed = {
    frame: Array.from(frame),
    unpacked: m.unpack(frame).map((b) => Array.from(b)),
    corruptOffset,
  };

  // The fast paths of NumericRingBuffer (wasm/npm/fast.js) give what the checked
  // methods give, also for NaN, integer dtypes, long batches and pending consumers.
  const ticks = new m.NumericRingBuffer(4);
  const evictions = [1, 2, 3, 4, NaN, 6].map((x) => ticks.insert(x));
  const long = Float64Array.from({ length: 3000 }, (_, i) => i);
  const chunked = new m.NumericRingBuffer(2048, "f64");
  chunked.insertBatch(long);
  const bytes = new m.NumericRingBuffer(4, "u8");
  bytes.insertBatch(new Uint8Array([7, 8]));
  bytes.insertBatch([9]);
  const converted = new m.NumericRingBuffer(4, "f64");
  converted.insertBatch(new Float32Array([0.5, 1.5]));
  const handed = new m.NumericRingBuffer(4, "f64");
  const handedTo = handed.aconsume();
  handed.insert(4.5);
  const handedBatch = handed.aconsume();
  handed.insertBatch(new Float64Array([5.5, 6.5]));
  seen.fastPaths = {
    evictions: evictions.map(String),
    window: Array.from(ticks.view()).map(String),
    peeks: [ticks.peekLeft(), ticks.peekRight()].map(String),
    at: [ticks.at(0), ticks.at(-1), ticks.get(-4), ticks.at(4), ticks.at(-5)].map(String),
    length: ticks.length,
    chunked: [chunked.length, chunked.peekLeft(), chunked.peekRight(), chunked.overwritten],
    bytes: Array.from(bytes.view()),
    uint8Range: thrown(() => bytes.insert(256)),
    fraction: thrown(() => bytes.get(0.5)),
    converted: Array.from(converted.unwrapped()),
    unwrapped: (() => {
      const wrapped = new m.NumericRingBuffer(4, "i64");
      wrapped.insertBatch(new BigInt64Array([1n, 2n, 3n, 4n, 5n]));
      const all = wrapped.unwrapped();
      const empty = new m.NumericRingBuffer(4, "f32").unwrapped();
      return [all.constructor.name, all.map(String).join(), empty.constructor.name, empty.length];
    })(),
    handed: [await handedTo, await handedBatch, handed.length, handed.peekLeft()],
  };
  // Batches of several rings and dtypes through the one staging area, interleaved with
  // reads, a long batch, a consumer and free().
  const a = new m.NumericRingBuffer(8);
  const b = new m.NumericRingBuffer(8);
  const c = new m.NumericRingBuffer(4, "f32");
  a.insertBatch(new Float64Array([1, 2]));
  b.insertBatch(new Float64Array([10]));
  a.insertBatch(new Float64Array([3]));
  c.insertBatch(new Float32Array([0.5]));
  a.insertBatch(new Float64Array([4, 5]));
  const fill = new m.NumericRingBuffer(4096);
  for (let i = 0; i < 40; i++) fill.insertBatch(new Float64Array(100).fill(i));
  const later = new m.NumericRingBuffer(4);
  later.insertBatch(new Float64Array([6, 7]));
  const consumed = later.aconsume();
  later.insertBatch(new Float64Array([8]));
  const gone = new m.NumericRingBuffer(4);
  gone.insertBatch(new Float64Array([1]));
  gone.free();
  seen.interleaved = {
    a: [a.length, a.overwritten, a.sum(), JSON.stringify(a), [...a].join()],
    b: [b.peekRight(), b.length],
    c: Array.from(c.view()),
    fill: [fill.length, fill.peekLeft(), fill.peekRight(), fill.overwritten],
    later: [await consumed, later.length, later.peekRight()],
  };

  // Views stay right after wasm memory grows (the cached memory views are renewed).
  const before = new m.NumericRingBuffer(4, "f64");
  before.insert(1.25);
  const huge = new m.NumericRingBuffer(1 << 21, "f64"); // 16 MiB: memory grows
  huge.insertBatch(new Float64Array(3000).fill(2));
  seen.grown = {
    evicted: [before.insert(2.5), before.insert(3.5), before.insert(4.5), before.insert(5.5)],
    view: Array.from(before.view()),
    huge: [huge.length, huge.peekRight()],
  };
  huge.free();

  // JSON, iteration and at() like an Array; a call after free() names the method.
  const freed = new m.NumericRingBuffer(2);
  freed.free();
  const freedGeneric = new m.GenericRingBuffer(2);
  freedGeneric.free();
  const freedBytes = new m.BytesRingBufferFast(2);
  freedBytes[Symbol.dispose]?.();
  if (!Symbol.dispose) freedBytes.free();
  seen.likeArrays = {
    json: JSON.stringify({ ticks, ids: new m.NumericRingBuffer(2, "u64"), generic }),
    spread: [...ticks].map(String),
    generic: (() => {
      const g = new m.GenericRingBuffer(4);
      g.insertBatch(["x", { y: 1 }]);
      return [JSON.stringify(g), g.at(-1), g.at(0)];
    })(),
    bytes: (() => {
      const b = new m.BytesRingBuffer(4);
      b.insert(new Uint8Array([1, 2]));
      return JSON.stringify(b);
    })(),
    freed: [
      thrown(() => freed.insert(1)),
      thrown(() => freed.length),
      thrown(() => freed.view()),
      thrown(() => freedGeneric.at(0)),
      thrown(() => freedBytes.insert(new Uint8Array(1))),
      thrown(() => freed.free()),
      freed instanceof m.NumericRingBuffer,
    ],
  };

  // A WebSocket-style feed: messages arrive later, consumers wait for them.
  const feed = new m.NumericRingBuffer(8, "f32");
  const waiting = feed.aconsume();
  setTimeout(() => {
    feed.insert(1.5);
    feed.insertBatch(new Float32Array([2.5, 3.5]));
    feed.close();
  }, 5);
  const first = await waiting;
  const rest = [];
  for await (const x of feed.aconsumeIterable()) rest.push(x);
  seen.async = { first, rest, closed: feed.closed, after: await feed.aconsume() };

  return seen;
};
