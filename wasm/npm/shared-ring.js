// mmring/shared: a ring in a SharedArrayBuffer for one producer and one consumer on
// different threads (Node worker_threads, Web Workers, the main thread), in plain
// JavaScript: no wasm instance is needed on either side.
//
// The bytes in the buffer follow mmring's shared-memory record protocol exactly (the
// one `mmring_core::spsc` implements for the shm ring): a control block of three
// 128-byte lines and a data area of records [len u32][kind u32][seq u64][payload padded
// to 8]. A differential test (wasm/tests/shared_ring_differential.rs) runs the same
// operations through this file and through mmring_core::spsc and compares every byte.
//
// Buffer layout (byte offsets; u64 fields little-endian, as every host that runs
// JavaScript stores them):
//
//   0    meta line:  magic "MMRINGSB" (u64), version (u32), header size (u32, 640),
//                    data capacity (u64), largest message (u64), policy (u32: 1
//                    DropOldest, 2 Reject); at 120 the consumer's fence word (i32,
//                    always 0)
//   128  wake line:  parked (i32 futex word: 1 while the consumer sleeps), closed (i32)
//   256  control block (mmring_core::spsc::Control):
//          256 write_pos, 264 newest, 272 written        (producer line)
//          384 read_pos, 392 read_seq, 400 read           (consumer line)
//          512 oldest, 520 oldest_seq                     (cold line)
//   640  data area: `capacity` bytes, a power of two
//
// Memory ordering. Every Atomics operation is sequentially consistent. The producer
// writes a record with plain stores and publishes it with an Atomics.store of
// write_pos (a release; `written` is stored before it, `newest` after); the consumer
// loads write_pos with Atomics.load (an acquire) before it reads. The consumer
// publishes read_pos with an Atomics.store after its copy; a Reject producer loads it
// before it writes over the space. DropOldest: the producer stores `oldest` with
// Atomics.store and loads it back before it writes over the evicted records (the
// load keeps the later plain stores after it on weakly ordered CPUs, as the release
// fence does in Rust); the consumer, after its copy, stores its fence word and loads
// `oldest` (the store keeps the copy's loads before that load, as the acquire fence
// does in Rust) and discards a copy whose record was evicted meanwhile (a seqlock).
//
// u64 fields are stored as two 32-bit words. A side that changes only the low word
// stores it alone (Atomics.store on Int32Array, or a plain store where the protocol's
// store is relaxed); when the high word changes (every 4 GiB of stream) it stores all
// 64 bits at once (Atomics.store on BigInt64Array). A reader loads high, low, high and
// retries when the two high words differ, so it never sees a torn value. Positions and
// counts are JavaScript numbers: exact below 2^53, and this file stops a stream at
// 2^52 bytes (MAX_POSITION): an insert past it throws a SharedRingError "EXHAUSTED".

const MAGIC_LO = 0x49524d4d; // "MMRI"
const MAGIC_HI = 0x4253474e; // "NGSB"
const VERSION = 1;
const HEADER_SIZE = 640;

// Int32Array indices of the fields.
const I_MAGIC = 0;
const I_VERSION = 2;
const I_HEADER_SIZE = 3;
const I_CAPACITY = 4;
const I_MAX_MESSAGE = 6;
const I_POLICY = 8;
const I_PARKED = 32;
const I_CLOSED = 33;
const I_FENCE = 30; // in the meta line, which the producer never reads after attach
const I_WRITE_POS = 64;
const I_NEWEST = 66;
const I_WRITTEN = 68;
const I_READ_POS = 96;
const I_READ_SEQ = 98;
const I_READ = 100;
const I_OLDEST = 128;
const I_OLDEST_SEQ = 130;
const I_DATA = HEADER_SIZE / 4;

const KIND_MESSAGE = 1;
const KIND_PADDING = 2;
const RECORD_HEADER = 16;
const DROP_OLDEST = 1;
const REJECT = 2;
const POLICIES = { dropOldest: DROP_OLDEST, reject: REJECT };

const TWO_32 = 4294967296;
/** The largest stream position either side accepts (bytes); see the file comment. */
const MAX_POSITION = 2 ** 52;
const MIN_CAPACITY = 32;
const MAX_CAPACITY = 2 ** 30;
/** Passes one consume may make before it gives up for now (as mmring_core::spsc). */
const MAX_PASSES = 1024;
/** Tries of a u64 load whose high word keeps changing before it calls the ring corrupt. */
const MAX_LOAD_TRIES = 1000;

const NONE = Symbol("none");
const SINK_COPY = 0;
const SINK_INTO = 1;
const SINK_F64 = 2;

const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** An error of the shared ring itself; `code` says which. */
export class SharedRingError extends Error {
  /**
   * @param {"NOT_A_RING" | "CORRUPT" | "EXHAUSTED"} code
   * @param {string} message
   */
  constructor(code, message) {
    super(message);
    this.name = "SharedRingError";
    this.code = code;
  }
}

function describe(value) {
  if (value === null) return "null";
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "object") return value.constructor?.name ?? "object";
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

/** The largest message a data area of `capacity` bytes carries (as mmring_core::spsc). */
function maxMessageFor(capacity) {
  return capacity / 2 - RECORD_HEADER;
}

/** A ring of variable-length records in a SharedArrayBuffer, shared by two threads. */
export class SharedRing {
  /**
   * A new ring in a new SharedArrayBuffer: `capacityBytes` of data area (a power of two
   * from 32 to 2^30), `policy` "dropOldest" (the default: evict the oldest records) or
   * "reject" (keep every record; `insert` returns false while full).
   */
  static create(options = {}) {
    if (typeof options !== "object" || options === null) {
      throw new TypeError(`SharedRing.create: expected an options object (got ${describe(options)})`);
    }
    if (!littleEndian) {
      throw new RangeError("SharedRing.create: this host is big-endian; the ring's layout is little-endian");
    }
    if (typeof SharedArrayBuffer !== "function") {
      throw new TypeError(
        "SharedRing.create: SharedArrayBuffer is not available (a page needs cross-origin isolation: " +
          "Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp)",
      );
    }
    const { capacityBytes = 65536, policy = "dropOldest" } = options;
    if (
      typeof capacityBytes !== "number" || !Number.isInteger(capacityBytes) ||
      capacityBytes < MIN_CAPACITY || capacityBytes > MAX_CAPACITY ||
      (capacityBytes & (capacityBytes - 1)) !== 0
    ) {
      throw new RangeError(
        `SharedRing.create: capacityBytes must be a power of two from ${MIN_CAPACITY} to ${MAX_CAPACITY} ` +
          `(got ${describe(capacityBytes)})`,
      );
    }
    const code = POLICIES[policy];
    if (typeof policy !== "string" || code === undefined) {
      throw new TypeError(`SharedRing.create: policy must be "dropOldest" or "reject" (got ${describe(policy)})`);
    }
    const buffer = new SharedArrayBuffer(HEADER_SIZE + capacityBytes);
    const i32 = new Int32Array(buffer, 0, HEADER_SIZE / 4);
    i32[I_MAGIC] = MAGIC_LO;
    i32[I_MAGIC + 1] = MAGIC_HI;
    i32[I_HEADER_SIZE] = HEADER_SIZE;
    i32[I_CAPACITY] = capacityBytes;
    i32[I_MAX_MESSAGE] = maxMessageFor(capacityBytes);
    i32[I_POLICY] = code;
    // Published last: a buffer whose version is 0 is still being set up.
    Atomics.store(i32, I_VERSION, VERSION);
    return new SharedRing(buffer, "create");
  }

  /**
   * The ring in `buffer` (a SharedArrayBuffer that `create` made, received from another
   * thread). Throws a SharedRingError "NOT_A_RING" when it holds no ring.
   */
  static attach(buffer) {
    if (typeof SharedArrayBuffer !== "function" || !(buffer instanceof SharedArrayBuffer)) {
      throw new TypeError(`SharedRing.attach: expected a SharedArrayBuffer (got ${describe(buffer)})`);
    }
    return new SharedRing(buffer, "attach");
  }

  /** Use `SharedRing.create` or `SharedRing.attach`. */
  constructor(buffer, how) {
    if (how !== "create" && how !== "attach") {
      throw new TypeError("SharedRing: use SharedRing.create(options) or SharedRing.attach(buffer)");
    }
    const notRing = (why) =>
      new SharedRingError("NOT_A_RING", `SharedRing.attach: the buffer is not an mmring shared ring (${why})`);
    if (buffer.byteLength < HEADER_SIZE + MIN_CAPACITY) {
      throw notRing(`${buffer.byteLength} bytes, fewer than the smallest ring's ${HEADER_SIZE + MIN_CAPACITY}`);
    }
    const head = new Int32Array(buffer, 0, HEADER_SIZE / 4);
    if (head[I_MAGIC] !== MAGIC_LO || head[I_MAGIC + 1] !== MAGIC_HI) {
      throw notRing("no MMRINGSB magic number");
    }
    const version = Atomics.load(head, I_VERSION);
    if (version !== VERSION) throw notRing(`layout version ${version >>> 0}, expected ${VERSION}`);
    const capacity = head[I_CAPACITY];
    if (head[I_HEADER_SIZE] !== HEADER_SIZE || head[I_CAPACITY + 1] !== 0 || head[I_MAX_MESSAGE + 1] !== 0) {
      throw notRing("a header field out of range");
    }
    if (capacity < MIN_CAPACITY || capacity > MAX_CAPACITY || (capacity & (capacity - 1)) !== 0) {
      throw notRing(`data capacity ${capacity >>> 0} is not a power of two from ${MIN_CAPACITY} to ${MAX_CAPACITY}`);
    }
    if (buffer.byteLength !== HEADER_SIZE + capacity) {
      throw notRing(`${buffer.byteLength} bytes, but the header says ${HEADER_SIZE + capacity}`);
    }
    const maxMessage = head[I_MAX_MESSAGE];
    if (maxMessage !== maxMessageFor(capacity)) throw notRing(`largest message ${maxMessage >>> 0}`);
    const policy = head[I_POLICY];
    if (policy !== DROP_OLDEST && policy !== REJECT) throw notRing(`unknown policy ${policy >>> 0}`);

    /** The SharedArrayBuffer: post it to the other thread, which calls `attach`. */
    this.buffer = buffer;
    this._i32 = new Int32Array(buffer);
    this._i64 = new BigInt64Array(buffer, 0, buffer.byteLength / 8);
    this._u8 = new Uint8Array(buffer);
    this._f64 = new Float64Array(buffer, 0, buffer.byteLength / 8);
    this._cap = capacity;
    this._mask = capacity - 1;
    this._max = maxMessage;
    this._dropOldest = policy === DROP_OLDEST;
    // The producer's state, read from the buffer at its first insert.
    this._producing = false;
    this._writePos = 0;
    this._newest = 0;
    this._oldest = 0;
    this._oldestSeq = 0;
    this._seq = 0;
    this._readCache = 0;
    // The consumer's state, read from the buffer at its first consume.
    this._consuming = false;
    this._readPos = 0;
    this._readSeq = 0;
    this._readCount = 0;
    this._writeCache = 0;
    this._writtenCache = 0;
    this._pending = false;
    this._into = null; // consumeInto's output array, during the call
    this._intoArray = null; // the last one, and an Int32Array view of it
    this._intoWords = null;
  }

  /** The data area's size in bytes. */
  get capacity() {
    return this._cap;
  }

  /** The largest message `insert` accepts: capacity / 2 - 16 bytes. */
  get maxMessage() {
    return this._max;
  }

  /** "dropOldest" or "reject". */
  get policy() {
    return this._dropOldest ? "dropOldest" : "reject";
  }

  /** Messages written since the ring was created. */
  get written() {
    return this._load64(I_WRITTEN);
  }

  /** Messages consumed since the ring was created. */
  get read() {
    return this._load64(I_READ);
  }

  /**
   * Messages lost to eviction before the consumer read them: those it skipped, plus
   * those evicted since it last read (a snapshot).
   */
  get dropped() {
    const readSeq = this._load64(I_READ_SEQ);
    const skipped = Math.max(0, readSeq - this._load64(I_READ));
    const pending = this._dropOldest ? Math.max(0, this._load64(I_OLDEST_SEQ) - readSeq) : 0;
    return skipped + pending;
  }

  /** Messages waiting to be read (a snapshot). */
  get length() {
    const written = this._load64(I_WRITTEN);
    const readSeq = this._load64(I_READ_SEQ);
    const oldestSeq = this._dropOldest ? this._load64(I_OLDEST_SEQ) : 0;
    return Math.max(0, written - Math.max(readSeq, oldestSeq));
  }

  /** Whether the producer has called `close()`. */
  get closed() {
    return Atomics.load(this._i32, I_CLOSED) !== 0;
  }

  /**
   * Appends one message: the bytes of any ArrayBufferView (a Uint8Array, a
   * Float64Array…). Returns true when written; false under "reject" when the unread
   * records leave no room (nothing is written: retry after the consumer has read).
   * Throws a RangeError for a message longer than `maxMessage`.
   */
  insert(message) {
    let bytes = message;
    if (!(bytes instanceof Uint8Array)) {
      if (!ArrayBuffer.isView(message)) {
        throw new TypeError(`SharedRing.insert: expected a TypedArray or DataView (got ${describe(message)})`);
      }
      bytes = new Uint8Array(message.buffer, message.byteOffset, message.byteLength);
    }
    const len = bytes.length;
    if (len > this._max) throw this._tooLarge("insert", len);
    const at = this._reserve(len);
    if (at < 0) return false;
    const start = HEADER_SIZE + (at & this._mask) + RECORD_HEADER;
    const u8 = this._u8;
    u8.set(bytes, start);
    // The last word's padding is zero, as mmring_core writes it.
    for (let i = len, end = (len + 7) & ~7; i < end; i++) u8[start + i] = 0;
    this._commit(at, len);
    return true;
  }

  /** Appends one number as an 8-byte record (the f64's bytes); as `insert`. */
  insertF64(value) {
    if (typeof value !== "number") {
      throw new TypeError(`SharedRing.insertF64: expected a number (got ${describe(value)})`);
    }
    const at = this._reserve(8);
    if (at < 0) return false;
    this._f64[(HEADER_SIZE + (at & this._mask) + RECORD_HEADER) / 8] = value;
    this._commit(at, 8);
    return true;
  }

  /**
   * Marks the stream as finished: a consumer's `consume()` and `consumeBlocking()` then
   * return undefined once the ring is empty, and sleeping ones wake up.
   */
  close() {
    Atomics.store(this._i32, I_CLOSED, 1);
    Atomics.store(this._i32, I_PARKED, 0);
    Atomics.notify(this._i32, I_PARKED);
  }

  /** Removes and returns the oldest message as a new Uint8Array; undefined if none. */
  tryConsume() {
    const r = this._next(SINK_COPY);
    return r === NONE ? undefined : r;
  }

  /**
   * Removes the oldest message into the start of `out` (a Uint8Array) and returns its
   * length; -1 if there is none. A message longer than `out` throws a RangeError and
   * stays in the ring.
   */
  consumeInto(out) {
    if (!(out instanceof Uint8Array)) {
      throw new TypeError(`SharedRing.consumeInto: expected a Uint8Array (got ${describe(out)})`);
    }
    if (this._readPos !== this._writeCache && !this._dropOldest) return this._takeInto(out);
    this._into = out;
    const r = this._next(SINK_INTO);
    this._into = null;
    return r === NONE ? -1 : r;
  }

  /**
   * consumeInto's common case, straight-line: a "reject" ring, a record below the
   * cached write position that is a whole message which fits `out`, numbered as
   * expected. Anything else goes to `next`, which makes the same checks and more.
   */
  _takeInto(out) {
    const i32 = this._i32;
    const pos = this._readPos;
    const offset = pos & this._mask;
    const w = I_DATA + (offset >> 2);
    const len = i32[w] >>> 0;
    if (i32[w + 1] !== KIND_MESSAGE || len > this._max || len > out.length) return this._slowInto(out);
    const next = pos + RECORD_HEADER + ((len + 7) & ~7);
    if (offset + (next - pos) > this._cap || next > this._writeCache) return this._slowInto(out);
    const seq = (i32[w + 3] >>> 0) * TWO_32 + (i32[w + 2] >>> 0);
    if (seq < this._readSeq || seq >= this._writtenCache) return this._slowInto(out);
    this._copyOut(out, HEADER_SIZE + offset + RECORD_HEADER, len);
    this._publishRead(next, seq + 1, this._readCount + 1);
    return len;
  }

  _slowInto(out) {
    this._into = out;
    const r = this._next(SINK_INTO);
    this._into = null;
    return r === NONE ? -1 : r;
  }

  /**
   * Removes the oldest message, an 8-byte record that `insertF64` wrote, and returns
   * its number; undefined if there is none. A record of another length throws a
   * TypeError and stays in the ring.
   */
  tryConsumeF64() {
    const r = this._next(SINK_F64);
    return r === NONE ? undefined : r;
  }

  /**
   * Removes the oldest message, sleeping (Atomics.wait) until one arrives, the ring is
   * closed, or `timeoutMs` passes; undefined in the last two cases. Only where
   * Atomics.wait is allowed: Node, workers; not a browser's main thread (use
   * `consume()` there).
   */
  consumeBlocking(timeoutMs = Infinity) {
    const deadline = this._deadline("consumeBlocking", timeoutMs);
    const i32 = this._i32;
    for (;;) {
      const r = this._next(SINK_COPY);
      if (r !== NONE) return r;
      if (this.closed) return this._drained();
      const left = deadline - performance.now();
      if (left <= 0) return undefined;
      if (this._park()) {
        Atomics.wait(i32, I_PARKED, 1, left);
        Atomics.store(i32, I_PARKED, 0);
      }
    }
  }

  /**
   * Removes the oldest message, waiting without blocking the thread (Atomics.waitAsync;
   * where that is missing, short timers) until one arrives, the ring is closed, or
   * `timeoutMs` passes; resolves to undefined in the last two cases. One consume() at a
   * time.
   */
  async consume(timeoutMs = Infinity) {
    const deadline = this._deadline("consume", timeoutMs);
    if (this._pending) throw new Error("SharedRing.consume: another consume() is still pending");
    this._pending = true;
    try {
      const i32 = this._i32;
      let backoff = 0;
      for (;;) {
        const r = this._next(SINK_COPY);
        if (r !== NONE) return r;
        if (this.closed) return this._drained();
        const left = deadline - performance.now();
        if (left <= 0) return undefined;
        if (typeof Atomics.waitAsync === "function") {
          if (this._park()) {
            const wait = Math.min(left, 2 ** 31 - 1);
            const { async, value } = Atomics.waitAsync(i32, I_PARKED, 1, wait);
            if (async) {
              // A timer beside it: in Node a pending waitAsync alone does not keep the
              // event loop alive, and a pending consume() should, as a pending read does.
              let timer;
              await Promise.race([value, new Promise((done) => (timer = setTimeout(done, wait)))]);
              clearTimeout(timer);
            }
            Atomics.store(i32, I_PARKED, 0);
          }
        } else {
          // No waitAsync (older engines): poll, backing off from 0 to 4 ms.
          await new Promise((done) => setTimeout(done, Math.min(backoff, left)));
          backoff = Math.min(4, backoff + 0.5);
        }
      }
    } finally {
      this._pending = false;
    }
  }

  // ---- internals: every name starting with `_` is this file's own, not API --------

  /**
   * After `closed` was seen: a message committed before `close()` but after the look
   * that found none is still there (the producer stores `closed` after its last
   * commit), so look once more.
   */
  _drained() {
    const r = this._next(SINK_COPY);
    return r === NONE ? undefined : r;
  }

  /** The deadline (performance.now() time) of a wait of `timeoutMs`. */
  _deadline(method, timeoutMs) {
    if (typeof timeoutMs !== "number" || Number.isNaN(timeoutMs) || timeoutMs < 0) {
      throw new RangeError(`SharedRing.${method}: timeoutMs must be a number ≥ 0 (got ${describe(timeoutMs)})`);
    }
    return performance.now() + timeoutMs;
  }

  /**
   * Announces that the consumer is about to sleep and re-checks for data (the producer
   * notifies only when it sees the announcement). True: sleep now on `parked == 1`.
   */
  _park() {
    Atomics.store(this._i32, I_PARKED, 1);
    if (this._hasData() || this.closed) {
      Atomics.store(this._i32, I_PARKED, 0);
      return false;
    }
    return true;
  }

  /** Whether a committed record may be there to read (as Control::has_data). */
  _hasData() {
    if (!this._consuming) this._startConsumer();
    const writePos = this._load64(I_WRITE_POS);
    const oldest = this._dropOldest ? this._load64(I_OLDEST) : 0;
    return writePos > Math.max(this._readPos, oldest);
  }

  _tooLarge(method, len) {
    return new RangeError(
      `SharedRing.${method}: a message of ${len} bytes can never fit this ring (largest message ${this._max} bytes)`,
    );
  }

  _corrupt(position, reason) {
    return new SharedRingError("CORRUPT", `SharedRing: corrupt record at position ${position}: ${reason}`);
  }

  /**
   * A u64 field written by the other side (or this one), never torn: high word, low
   * word (both Atomics.load: the first cannot move after the second), high word again
   * (a plain load, kept after the second by its acquire); retried when the high words
   * differ.
   */
  _load64(i) {
    const i32 = this._i32;
    for (let tries = 0; tries < MAX_LOAD_TRIES; tries++) {
      const hi = Atomics.load(i32, i + 1);
      const lo = Atomics.load(i32, i);
      if (i32[i + 1] === hi) return (hi >>> 0) * TWO_32 + (lo >>> 0);
    }
    throw this._corrupt(0, "a 64-bit index keeps changing");
  }

  /** Stores own u64 field `i` (currently `old`) as a release (Atomics). */
  _store64(i, value, old) {
    // Same high word: `x - (x >>> 0)` is x without its low 32 bits.
    if (value - (value >>> 0) === old - (old >>> 0)) {
      Atomics.store(this._i32, i, value | 0);
    } else {
      Atomics.store(this._i64, i >> 1, BigInt(value));
    }
  }

  /** Stores own u64 field `i` (currently `old`) as a relaxed store (plain, tear-free). */
  _storeRelaxed64(i, value, old) {
    if (value - (value >>> 0) === old - (old >>> 0)) {
      this._i32[i] = value | 0;
    } else {
      Atomics.store(this._i64, i >> 1, BigInt(value));
    }
  }

  /** Reads the producer's indices from the buffer, checked as mmring_core's Producer::new. */
  _startProducer() {
    const writePos = this._load64(I_WRITE_POS);
    const oldest = this._load64(I_OLDEST);
    const readPos = this._load64(I_READ_POS);
    const bad = (reason) => this._corrupt(writePos, reason);
    if ((writePos & 7) !== 0 || (oldest & 7) !== 0 || (readPos & 7) !== 0) throw bad("a position is not a multiple of 8");
    if (writePos > MAX_POSITION) throw bad("write position past the largest stream position");
    if (oldest > writePos || writePos - oldest > this._cap) throw bad("oldest record outside the ring");
    if (readPos > writePos) throw bad("consumer position ahead of the producer");
    const seq = this._load64(I_WRITTEN);
    const oldestSeq = this._load64(I_OLDEST_SEQ);
    if (seq > writePos / RECORD_HEADER) throw bad("more messages written than the stream has bytes for");
    if (oldestSeq > seq) throw bad("the oldest record is numbered past the last one written");
    this._writePos = writePos;
    this._newest = this._load64(I_NEWEST);
    this._oldest = oldest;
    this._oldestSeq = oldestSeq;
    this._seq = seq;
    this._readCache = readPos;
    this._producing = true;
  }

  /** Reads the consumer's indices from the buffer, checked as mmring_core's Consumer::new. */
  _startConsumer() {
    const writtenBefore = this._load64(I_WRITTEN);
    const writePos = this._load64(I_WRITE_POS);
    const written = this._load64(I_WRITTEN);
    const readPos = this._load64(I_READ_POS);
    const readSeq = this._load64(I_READ_SEQ);
    const read = this._load64(I_READ);
    const bad = (reason) => this._corrupt(readPos, reason);
    if ((writePos & 7) !== 0 || (readPos & 7) !== 0) throw bad("a position is not a multiple of 8");
    if (readPos > writePos) throw bad("consumer position ahead of the producer");
    if (writePos > MAX_POSITION) throw bad("write position past the largest stream position");
    if (!this._dropOldest && writePos - readPos > this._cap) throw bad("more unread bytes than the ring holds");
    if (writtenBefore > (writePos + this._cap) / RECORD_HEADER) {
      throw bad("more messages written than the stream has bytes for");
    }
    if (readSeq > written) throw bad("the consumer expects a message that was never written");
    if (read > readSeq) throw bad("more messages read than the consumer has passed");
    this._readPos = readPos;
    this._readSeq = readSeq;
    this._readCount = read;
    this._writeCache = writePos;
    this._writtenCache = written;
    this._consuming = true;
  }

  /**
   * Makes room for a record of `len` bytes: its position, or -1 when a "reject" ring
   * is full. Writes the padding marker when the record starts the next lap.
   */
  _reserve(len) {
    if (!this._producing) this._startProducer();
    const record = RECORD_HEADER + ((len + 7) & ~7);
    const pos = this._writePos;
    const offset = pos & this._mask;
    const at = offset + record > this._cap ? pos - offset + this._cap : pos;
    const end = at + record;
    if (end > MAX_POSITION) {
      throw new SharedRingError(
        "EXHAUSTED",
        `SharedRing.insert: the stream reached ${MAX_POSITION} bytes, the most a JavaScript ring addresses exactly`,
      );
    }
    if (this._dropOldest) {
      if (end - this._oldest > this._cap) this._evictUpTo(end);
    } else if (end - this._readCache > this._cap) {
      const readPos = this._load64(I_READ_POS);
      // A consumer position outside [readCache, writePos] is corrupt; treating it as
      // "nothing more was read" keeps unread records safe.
      if (readPos >= this._readCache && readPos <= pos) this._readCache = readPos;
      if (end - this._readCache > this._cap) return -1;
    }
    if (at !== pos) {
      const w = I_DATA + (offset >> 2);
      this._i32[w] = 0;
      this._i32[w + 1] = KIND_PADDING;
    }
    return at;
  }

  /** Writes the header of the record at `at` (its payload is in place) and publishes it. */
  _commit(at, len) {
    const i32 = this._i32;
    const w = I_DATA + ((at & this._mask) >> 2);
    const seq = this._seq;
    i32[w] = len;
    i32[w + 1] = KIND_MESSAGE;
    i32[w + 2] = seq | 0;
    i32[w + 3] = (seq - (seq >>> 0)) / TWO_32;
    const end = at + RECORD_HEADER + ((len + 7) & ~7);
    this._seq = seq + 1;
    // `written` before `write_pos` (release), `newest` after it, as mmring_core does.
    this._storeRelaxed64(I_WRITTEN, seq + 1, seq);
    this._store64(I_WRITE_POS, end, this._writePos);
    this._storeRelaxed64(I_NEWEST, at, this._newest);
    this._writePos = end;
    this._newest = at;
    // Wake a sleeping consumer; one load when none sleeps. With both sides' Atomics
    // sequentially consistent, either the consumer sees the new write_pos before it
    // sleeps or this load sees its `parked`.
    if (Atomics.load(i32, I_PARKED) !== 0) {
      Atomics.store(i32, I_PARKED, 0);
      Atomics.notify(i32, I_PARKED);
    }
  }

  /** DropOldest: evicts whole oldest records until the stream can reach `end`. */
  _evictUpTo(end) {
    const i32 = this._i32;
    const cap = this._cap;
    const before = this._oldest;
    const beforeSeq = this._oldestSeq;
    while (end - this._oldest > cap) {
      const offset = this._oldest & this._mask;
      const w = I_DATA + (offset >> 2);
      const len = i32[w] >>> 0;
      const kind = i32[w + 1];
      let next;
      if (kind === KIND_MESSAGE) {
        this._oldestSeq += 1;
        next = this._oldest + RECORD_HEADER + Math.ceil(len / 8) * 8;
      } else if (kind === KIND_PADDING) {
        next = this._oldest - offset + cap;
      } else {
        // Our own records were changed by someone else: evict everything.
        next = this._writePos;
      }
      this._oldest = Math.min(next, this._writePos);
      if (this._oldest === this._writePos) this._oldestSeq = this._seq;
    }
    this._store64(I_OLDEST, this._oldest, before);
    this._store64(I_OLDEST_SEQ, this._oldestSeq, beforeSeq);
    // Loaded back: keeps the plain stores that overwrite the evicted records after
    // the store of `oldest` (see the file comment).
    Atomics.load(i32, I_OLDEST);
  }

  /** Whether the record at `pos` was not evicted while it was copied (seqlock check). */
  _intact(pos) {
    if (!this._dropOldest) return true;
    Atomics.store(this._i32, I_FENCE, 0);
    return this._load64(I_OLDEST) <= pos;
  }

  /**
   * Re-reads the producer's position. (`written`, which mmring_core re-reads here too,
   * is re-read only when a record's number reaches the cached count: every record below
   * write_pos is numbered below the `written` stored before it.)
   */
  _refreshWrite(pos) {
    const writePos = this._load64(I_WRITE_POS);
    if (writePos > MAX_POSITION) throw this._corrupt(pos, "write position past the largest stream position");
    if (writePos < pos || (writePos & 7) !== 0) throw this._corrupt(pos, "write position behind the read position");
    this._writeCache = writePos;
  }

  /**
   * Copies `len` bytes from `start` in the buffer into `out`: 4 bytes at a time where
   * it is aligned (through an Int32Array view of it, kept while the same array comes
   * back), then the rest bytewise.
   */
  _copyOut(out, start, len) {
    const u8 = this._u8;
    if (this._intoArray !== out || (this._intoWords !== null && this._intoWords.length < len >> 2)) {
      // Read once per array (and again should its buffer have been resized): V8 reads
      // `byteOffset` several ns slower than `length`.
      this._intoArray = out;
      const aligned = (out.byteOffset & 3) === 0;
      this._intoWords = aligned ? new Int32Array(out.buffer, out.byteOffset, out.length >> 2) : null;
    }
    const words = this._intoWords;
    if (words === null || len < 16) {
      for (let i = 0; i < len; i++) out[i] = u8[start + i];
      return;
    }
    const i32 = this._i32;
    const from = start >> 2;
    const n = len >> 2;
    let k = 0;
    for (; k + 4 <= n; k += 4) {
      words[k] = i32[from + k];
      words[k + 1] = i32[from + k + 1];
      words[k + 2] = i32[from + k + 2];
      words[k + 3] = i32[from + k + 3];
    }
    for (; k < n; k++) words[k] = i32[from + k];
    for (let i = n << 2; i < len; i++) out[i] = u8[start + i];
  }

  /** Publishes the consumer's progress: read_pos first (release), then the counters. */
  _publishRead(readPos, readSeq, read) {
    this._store64(I_READ_POS, readPos, this._readPos);
    this._storeRelaxed64(I_READ_SEQ, readSeq, this._readSeq);
    this._storeRelaxed64(I_READ, read, this._readCount);
    this._readPos = readPos;
    this._readSeq = readSeq;
    this._readCount = read;
  }

  /**
   * Finds the oldest readable message and takes it into `sink`; NONE when there is none
   * for now. As mmring_core's Consumer::next: bounded, every number read from the
   * buffer checked before use.
   */
  _next(sink) {
    if (!this._consuming) this._startConsumer();
    const i32 = this._i32;
    const cap = this._cap;
    let pos = this._readPos;
    for (let pass = 0; pass < MAX_PASSES; pass++) {
      if (pos === this._writeCache) {
        this._refreshWrite(pos);
        if (pos === this._writeCache) return NONE;
      }
      if (this._dropOldest) {
        const oldest = this._load64(I_OLDEST);
        if (oldest > pos) {
          if (oldest > this._writeCache) this._refreshWrite(pos);
          if (oldest > this._writeCache || (oldest & 7) !== 0) {
            throw this._corrupt(pos, "oldest position outside the written stream");
          }
          pos = oldest;
          continue;
        }
      }
      if (this._writeCache - pos > cap) throw this._corrupt(pos, "more unread bytes than the ring holds");
      const offset = pos & this._mask;
      const w = I_DATA + (offset >> 2);
      const len = i32[w] >>> 0;
      const kind = i32[w + 1];
      let problem;
      if (kind === KIND_PADDING) {
        if (offset === 0) {
          problem = "padding at the start of a lap";
        } else {
          const next = pos - offset + cap;
          if (next <= this._writeCache) {
            if (this._intact(pos)) pos = next;
            continue;
          }
          problem = "padding runs past the write position";
        }
      } else if (kind === KIND_MESSAGE) {
        // At most maxMessage + 1 < 2^30: the bit operations are exact.
        const record = RECORD_HEADER + ((Math.min(len, this._max + 1) + 7) & ~7);
        if (len > this._max) {
          problem = "length exceeds the largest message";
        } else if (offset + record > cap) {
          problem = "record crosses the end of the data area";
        } else if (pos + record > this._writeCache) {
          problem = "record runs past the write position";
        } else {
          const seq = (i32[w + 3] >>> 0) * TWO_32 + (i32[w + 2] >>> 0);
          const start = HEADER_SIZE + offset + RECORD_HEADER;
          let value;
          if (sink === SINK_COPY) {
            value = this._u8.slice(start, start + len);
          } else if (sink === SINK_INTO) {
            const out = this._into;
            if (len > out.length) {
              if (!this._intact(pos)) continue;
              throw new RangeError(
                `SharedRing.consumeInto: the next message is ${len} bytes, longer than the ${out.length}-byte array`,
              );
            }
            this._copyOut(out, start, len);
            value = len;
          } else {
            if (len !== 8) {
              if (!this._intact(pos)) continue;
              throw new TypeError(
                `SharedRing.tryConsumeF64: the next record is ${len} bytes, not a number (8 bytes)`,
              );
            }
            value = this._f64[start / 8];
          }
          if (!this._intact(pos)) continue;
          if (seq < this._readSeq) throw this._corrupt(pos, "sequence number went backwards");
          if (seq >= this._writtenCache) {
            this._writtenCache = this._load64(I_WRITTEN);
            if (seq >= this._writtenCache) throw this._corrupt(pos, "sequence number not yet written");
          }
          this._publishRead(pos + record, seq + 1, this._readCount + 1);
          return value;
        }
      } else {
        problem = "unknown record kind";
      }
      // What looked wrong may only be the producer writing over it.
      if (this._intact(pos)) throw this._corrupt(pos, problem);
    }
    // The producer kept evicting the record being read; try again later.
    return NONE;
  }
}
