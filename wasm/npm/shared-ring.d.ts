// Declarations of `mmring/shared` (wasm/npm/shared-ring.js).

/** What a "dropOldest" ring evicts to make room, or a "reject" ring refuses. */
export type SharedRingPolicy = "dropOldest" | "reject";

/** Options of {@link SharedRing.create}. */
export interface SharedRingOptions {
  /** Bytes of data area: a power of two from 32 to 2^30 (default 65536). */
  capacityBytes?: number;
  /** "dropOldest" (default): evict the oldest records; "reject": `insert` returns false while full. */
  policy?: SharedRingPolicy;
}

/** An error of the shared ring itself (not of an argument); `code` says which. */
export class SharedRingError extends Error {
  /**
   * NOT_A_RING: `attach` was given a buffer that holds no ring; CORRUPT: an index or
   * record in the buffer is invalid; EXHAUSTED: the stream reached 2^52 bytes.
   */
  readonly code: "NOT_A_RING" | "CORRUPT" | "EXHAUSTED";
  readonly name: "SharedRingError";
}

/**
 * A ring of variable-length records in a SharedArrayBuffer, for one producer thread
 * and one consumer thread (Node worker_threads, Web Workers, the main thread). Plain
 * JavaScript: no wasm instance is needed. The bytes follow mmring's shared-memory
 * record protocol, the one `mmring_core::spsc` implements.
 *
 * @example
 * // main thread
 * const ring = SharedRing.create({ capacityBytes: 1 << 16, policy: "reject" });
 * worker.postMessage(ring.buffer);
 * const message = await ring.consume(); // a Uint8Array
 * // worker
 * const ring = SharedRing.attach(buffer);
 * ring.insert(new TextEncoder().encode("tick"));
 */
export class SharedRing {
  /** A new ring in a new SharedArrayBuffer. RangeError/TypeError for bad options. */
  static create(options?: SharedRingOptions): SharedRing;
  /** The ring in `buffer`; a SharedRingError "NOT_A_RING" when it holds none. */
  static attach(buffer: SharedArrayBuffer): SharedRing;
  private constructor();

  /** The SharedArrayBuffer to post to the other thread, which calls `attach`. */
  readonly buffer: SharedArrayBuffer;
  /** The data area's size in bytes. */
  readonly capacity: number;
  /** The largest message `insert` accepts: capacity / 2 - 16 bytes. */
  readonly maxMessage: number;
  readonly policy: SharedRingPolicy;
  /** Messages written since the ring was created. */
  readonly written: number;
  /** Messages consumed since the ring was created. */
  readonly read: number;
  /** Messages lost to eviction before they were read (a snapshot). */
  readonly dropped: number;
  /** Messages waiting to be read (a snapshot). */
  readonly length: number;
  /** Whether the producer has called `close()`. */
  readonly closed: boolean;

  /**
   * Producer: appends the bytes of `message`. False under "reject" while the ring is
   * full (nothing written). RangeError when longer than `maxMessage`.
   */
  insert(message: ArrayBufferView): boolean;
  /** Producer: appends a number as an 8-byte record; as `insert`. */
  insertF64(value: number): boolean;
  /** Producer: ends the stream; waiting consumers wake and get `undefined` once it is drained. */
  close(): void;

  /** Consumer: the oldest message as a new array, or undefined. */
  tryConsume(): Uint8Array | undefined;
  /** Consumer: the oldest message copied into `out`; its length, or -1 if none. RangeError if it does not fit. */
  consumeInto(out: Uint8Array): number;
  /** Consumer: the oldest record as the number `insertF64` wrote, or undefined. TypeError for a record of another length. */
  tryConsumeF64(): number | undefined;
  /** Consumer: sleeps (Atomics.wait) until a message, close() or the timeout; not on a browser's main thread. */
  consumeBlocking(timeoutMs?: number): Uint8Array | undefined;
  /** Consumer: waits (Atomics.waitAsync, else timers) until a message, close() or the timeout. */
  consume(timeoutMs?: number): Promise<Uint8Array | undefined>;
}
