
// ---------------------------------------------------------------------------------
// mmring: fast paths and freed-object errors. Appended by wasm/npm/build.mjs to the
// glue that wasm-bindgen generates for each build (node, web, bundler), so that it
// sees the glue's module-level `wasm` (the instance's exports) and the classes.
//
// 1. NumericRingBuffer's hot methods (insert, insertBatch, length, peekLeft/peekRight,
//    get/at, view, unwrapped) call the hidden `__*` exports with plain numbers
//    (no JsValue, no bigint, no array for a Result, no allocation). A `NaN` result is
//    ambiguous: the status word in wasm memory says what it means (wasm/src/fast.rs),
//    read through a view that is created again only when the memory has grown. When a
//    fast export says "slow" it has changed nothing, and the checked method runs.
// 2. After `free()`, every method and getter throws an Error that names it, instead of
//    wasm-bindgen's "null pointer passed to rust".
// ---------------------------------------------------------------------------------
const mmringFast = (() => {
  // In the order of Dtype::ALL (wasm/src/dtype.rs).
  const KINDS = [
    Int8Array, Int16Array, Int32Array, BigInt64Array, Uint8Array,
    Uint16Array, Uint32Array, BigUint64Array, Float32Array, Float64Array,
  ];
  const F64 = 9;
  const NONE = 0;
  const VALUE = 1;
  let instance = null; // the `wasm` the cached state belongs to (web: init() may run again)
  let u32 = new Uint32Array(0);
  let f64 = new Float64Array(0); // the hot dtype's view, kept apart from `views`
  let views = new Array(KINDS.length).fill(null);
  let f64Stage = 0; // the staging area's index in `f64`
  let f64Chunk = 0; // how many f64s it holds (0 until the layout is read)
  let statusAt = 0; // index of the status word in `u32`
  let windowAt = 0; // index of view()'s [address, length] in `u32`
  const stageAt = new Int32Array(KINDS.length); // per dtype: the staging area's index
  const chunkOf = new Int32Array(KINDS.length); // per dtype: how many values it holds

  /** The u32 view of wasm memory, created again after the memory grew (or a new init). */
  function memory() {
    if (u32.byteLength === 0 || instance !== wasm) {
      if (instance !== wasm) {
        const layout = NumericRingBuffer.__layout();
        statusAt = layout[0] >>> 2;
        windowAt = statusAt + 1;
        for (let k = 0; k < KINDS.length; k++) {
          stageAt[k] = layout[1] / KINDS[k].BYTES_PER_ELEMENT;
          chunkOf[k] = layout[2] / KINDS[k].BYTES_PER_ELEMENT;
        }
        f64Stage = stageAt[F64];
        f64Chunk = chunkOf[F64];
        instance = wasm;
      }
      u32 = new Uint32Array(wasm.memory.buffer);
      f64 = new Float64Array(u32.buffer);
      views = new Array(KINDS.length).fill(null);
    }
    return u32;
  }

  function status() {
    return memory()[statusAt];
  }

  /** A view of dtype `kind` over the whole of wasm memory. */
  function viewOf(kind) {
    const buffer = memory().buffer;
    return views[kind] ?? (views[kind] = new KINDS[kind](buffer));
  }

  /** The dtype number of a TypedArray, or -1. */
  function kindOf(values) {
    if (values instanceof Float64Array) return F64;
    if (!ArrayBuffer.isView(values)) return -1;
    for (let k = 0; k < 9; k++) if (values instanceof KINDS[k]) return k;
    return -1;
  }

  /** The ring's handle for the static fast paths (wasm/src/numeric.rs), kept on it. */
  function handle(ring) {
    let h = ring.__h;
    if (h === undefined) {
      h = ring.__handle();
      ring.__h = h;
    }
    return h;
  }

  const proto = NumericRingBuffer.prototype;
  const checked = {
    insert: proto.insert,
    insertBatch: proto.insertBatch,
    peekLeft: proto.peekLeft,
    peekRight: proto.peekRight,
    get: proto.get,
    at: proto.at,
    view: proto.view,
    unwrapped: proto.unwrapped,
    length: Object.getOwnPropertyDescriptor(proto, "length"),
  };

  proto.insert = function insert(value) {
    if (typeof value === "number") {
      const r = wasm.numericringbuffer___insert(handle(this), value);
      if (r === r) return r;
      const s = status();
      if (s === NONE) return undefined;
      if (s === VALUE) return r;
    }
    return checked.insert.call(this, value);
  };

  proto.insertBatch = function insertBatch(values) {
    // The hot case, kept short so that it stays cheap: a Float64Array that fits the
    // staging area (f64Chunk is 0 until the first call has read the layout).
    if (values instanceof Float64Array) {
      const n = values.length;
      if (n <= f64Chunk) {
        if (f64.byteLength === 0 || instance !== wasm) memory();
        f64.set(values, f64Stage);
        if (wasm.numericringbuffer___commit(handle(this), F64, n) === NONE) return;
        return checked.insertBatch.call(this, values);
      }
    }
    return anyBatch(this, values);
  };

  /** insertBatch of any other TypedArray, a long one, or any iterable. */
  function anyBatch(ring, values) {
    const kind = kindOf(values);
    if (kind >= 0) {
      const view = viewOf(kind);
      const chunk = chunkOf[kind];
      const at = stageAt[kind];
      const n = values.length;
      if (n <= chunk) {
        view.set(values, at);
        if (wasm.numericringbuffer___commit(handle(ring), kind, n) === NONE) return;
      } else {
        // The first chunk decides (same dtype, no pending aconsume()); no user code
        // runs between chunks, so the rest take the same path.
        view.set(values.subarray(0, chunk), at);
        if (wasm.numericringbuffer___commit(handle(ring), kind, chunk) === NONE) {
          for (let start = chunk; start < n; start += chunk) {
            const end = Math.min(n, start + chunk);
            viewOf(kind).set(values.subarray(start, end), at);
            wasm.numericringbuffer___commit(handle(ring), kind, end - start);
          }
          return;
        }
      }
    }
    return checked.insertBatch.call(ring, values);
  }

  /** A fast read's `number`, or the checked method's answer. */
  function read(r, self, method, arg) {
    if (r === r) return r;
    const s = status();
    if (s === NONE) return undefined;
    if (s === VALUE) return r;
    return method.call(self, arg);
  }

  proto.peekLeft = function peekLeft() {
    return read(wasm.numericringbuffer___peek(handle(this), false), this, checked.peekLeft);
  };

  proto.peekRight = function peekRight() {
    return read(wasm.numericringbuffer___peek(handle(this), true), this, checked.peekRight);
  };

  proto.get = function get(index) {
    if (typeof index !== "number") return checked.get.call(this, index);
    return read(wasm.numericringbuffer___get(handle(this), index), this, checked.get, index);
  };

  proto.at = function at(index) {
    if (typeof index !== "number") return checked.at.call(this, index);
    return read(wasm.numericringbuffer___get(handle(this), index), this, checked.at, index);
  };

  proto.view = function view() {
    const kind = wasm.numericringbuffer___view(handle(this));
    if (kind < 0) return checked.view.call(this);
    const m = memory();
    return new KINDS[kind](m.buffer, m[windowAt], m[windowAt + 1]);
  };

  proto.unwrapped = function unwrapped() {
    const kind = wasm.numericringbuffer___slices(handle(this));
    if (kind < 0) return checked.unwrapped.call(this);
    const view = viewOf(kind);
    const size = view.BYTES_PER_ELEMENT;
    const at = u32[windowAt] / size;
    const len = u32[windowAt + 1];
    const more = u32[windowAt + 3];
    if (more === 0) return view.slice(at, at + len);
    const out = new KINDS[kind](len + more);
    out.set(view.subarray(at, at + len));
    const from = u32[windowAt + 2] / size;
    out.set(view.subarray(from, from + more), len);
    return out;
  };

  Object.defineProperty(proto, "length", {
    ...checked.length,
    get() {
      const n = wasm.numericringbuffer___len(handle(this));
      return n >= 0 ? n : checked.length.get.call(this);
    },
  });

  // After free(): a prototype on which every method and getter throws, naming itself.
  for (const cls of [
    AsyncRingIterator, BytesRingBuffer, BytesRingBufferFast, GenericRingBuffer, NumericRingBuffer,
  ]) {
    const live = cls.prototype;
    const freed = Object.create(live);
    for (const key of Reflect.ownKeys(live)) {
      if (key === "constructor") continue;
      const name = typeof key === "symbol" ? `[${key.description}]` : key;
      const { get, value } = Object.getOwnPropertyDescriptor(live, key);
      if (key === "free" || key === Symbol.dispose) {
        // Freeing twice does nothing.
        Object.defineProperty(freed, key, { value: function free() {}, configurable: true, writable: true });
        continue;
      }
      const fail = () => {
        throw new Error(`${cls.name}.${name}: called after free(); this object's wasm memory was released`);
      };
      if (get) Object.defineProperty(freed, key, { get: fail, configurable: true });
      else if (typeof value === "function") {
        Object.defineProperty(freed, key, { value: fail, configurable: true, writable: true });
      }
    }
    const free = live.free;
    live.free = function free_() {
      // The fast paths' handle dies with the ring (wasm/src/numeric.rs, with_handle).
      if (this.__h !== undefined) this.__h = 0;
      free.call(this);
      Object.setPrototypeOf(this, freed);
    };
    Object.defineProperty(live.free, "name", { value: "free" });
    if (typeof Symbol.dispose === "symbol") live[Symbol.dispose] = live.free;
  }

  return { kindOf };
})();
