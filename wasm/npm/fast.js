
// ---------------------------------------------------------------------------------
// mmring: fast paths and freed-object errors. Appended by wasm/npm/build.mjs to the
// glue that wasm-bindgen generates for each build (node, web, bundler), so that it
// sees the glue's module-level `wasm` (the instance's exports) and the classes.
//
// 1. NumericRingBuffer's hot methods (insert, insertBatch, length, peekLeft/peekRight,
//    get/at, view, unwrapped) call the hidden `__*` exports with plain numbers
//    (no JsValue, no bigint, no array for a Result, no allocation). insertBatch of a
//    TypedArray of the ring's dtype asks wasm where the values go (one call, which
//    makes room) and copies them there with at most two `set`s. A `NaN` result is
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
  const SPLIT = -2; // __append: two pieces, in the scratch block (wasm/src/numeric.rs)
  const NONE = 0;
  const VALUE = 1;
  let instance = null; // the `wasm` the cached state belongs to (web: init() may run again)
  let u32 = new Uint32Array(0);
  let f64 = new Float64Array(0); // the hot dtype's view, kept apart from `views`
  let views = new Array(KINDS.length).fill(null);
  let statusAt = 0; // index of the status word in `u32`
  let windowAt = 0; // index of the [address, length] pairs in `u32`

  /** The u32 view of wasm memory, created again after the memory grew (or a new init). */
  function memory() {
    // `length`, not `byteLength`: both are 0 once growth detaches the buffer, and V8
    // reads `length` several ns faster.
    if (u32.length === 0 || instance !== wasm) {
      if (instance !== wasm) {
        statusAt = NumericRingBuffer.__layout()[0] >>> 2;
        windowAt = statusAt + 1;
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
    // The hot case, kept short so that it stays cheap: a Float64Array. One call makes
    // room (evicting as the checked method does) and says where the values go; one
    // `set` copies them there, straight from the caller's array (nothing else runs in
    // wasm in between). -2: two pieces (wrapped, or longer than the capacity).
    if (values instanceof Float64Array) {
      const at = wasm.numericringbuffer___append(handle(this), F64, values.length);
      if (at >= 0) {
        if (f64.length === 0 || instance !== wasm) memory();
        f64.set(values, at);
        return;
      }
      if (at === SPLIT) return place(viewOf(F64), values);
      return checked.insertBatch.call(this, values);
    }
    return anyBatch(this, values);
  };

  /**
   * Copies the newest values of a batch into the two slices that `__append` reported
   * (the second is the part that wrapped to the start of the storage); `view` is the
   * batch's dtype's view of wasm memory.
   */
  function place(view, values) {
    const size = view.BYTES_PER_ELEMENT;
    const first = u32[windowAt + 1];
    const second = u32[windowAt + 3];
    const kept = values.length - first - second; // values older than the capacity
    view.set(values.subarray(kept, kept + first), u32[windowAt] / size);
    if (second > 0) view.set(values.subarray(kept + first), u32[windowAt + 2] / size);
  }

  /** insertBatch of any other TypedArray, or any iterable. */
  function anyBatch(ring, values) {
    const kind = kindOf(values);
    if (kind >= 0) {
      const at = wasm.numericringbuffer___append(handle(ring), kind, values.length);
      if (at >= 0) return viewOf(kind).set(values, at);
      if (at === SPLIT) return place(viewOf(kind), values);
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
