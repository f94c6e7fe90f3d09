// Compiled by tsc (--strict, nodenext) against the package's declarations: the API
// as TypeScript users see it, including the async iterator.
import {
  BytesRingBuffer,
  BytesRingBufferFast,
  GenericRingBuffer,
  NumericRingBuffer,
  pack,
  unpack,
  type Dtype,
  type NumericArray,
} from "mmring";

const dtype: Dtype = "float64";
const prices = new NumericRingBuffer(256, dtype);
prices.insertBatch(new Float64Array([1, 2, 3]));
const window: NumericArray = prices.view();
const copy: NumericArray = prices.unwrapped();
const mean: number | undefined = prices.mean();
const newest: number | bigint | undefined = prices.peekRight();
const length: number = prices.length;
const capacity: number = prices.capacity;

const generic = new GenericRingBuffer(8);
generic.insert({ any: "value" });
for (const item of generic) console.log(item);

// The classes are generic: the dtype gives the values and the TypedArray.
const ring = new NumericRingBuffer(1024, "f64");
const w: Float64Array = ring.view();
const doubled: number = (ring.peekRight() ?? 0) * 2;
const byDefault: NumericRingBuffer<"f64"> = new NumericRingBuffer(16);
const evicted: number | undefined = byDefault.insert(1.5);
const ints = new NumericRingBuffer(16, "int32");
const intView: Int32Array = ints.view();
const [older, newer]: [Int32Array, Int32Array] = ints.viewSlices();
const big = new NumericRingBuffer(16, "i64");
const bigNewest: bigint | undefined = big.peekRight();
const bigAll: BigInt64Array = big.unwrapped();
const bigJson: string[] = big.toJSON();
const unsigned: BigUint64Array = new NumericRingBuffer(2, "uint64").consumeAll();
const f32: NumericRingBuffer<"float32"> = new NumericRingBuffer(2, "float32");
const f32Json: number[] = f32.toJSON();
const at: number | undefined = ring.at(-1);
for (const x of ring) {
  const n: number = x;
  console.log(n);
}
async function waitF64(): Promise<number> {
  for await (const x of ring.aconsumeIterable()) return x;
  return (await ring.aconsume()) ?? 0;
}
const names = new GenericRingBuffer<string>(4);
names.insertBatch(["a", "b"]);
const newestName: string | undefined = names.at(-1);
const allNames: string[] = names.unwrapped();
const jsonNames: string[] = names.toJSON();
// @ts-expect-error: a bigint for an f64 ring
ring.insert(1n);
// @ts-expect-error: a number for an i64 ring
big.insert(1);
// @ts-expect-error: a number in a ring of strings
names.insert(1);
// @ts-expect-error: an f64 ring's view is not an Int32Array
const wrongView: Int32Array = ring.view();

const frames = new BytesRingBuffer(8, { onlyInsertUnique: true });
const fast = new BytesRingBufferFast(8, { expectedItemSize: 64, bufferPercent: 10 });
const inserted: boolean = frames.insert(new Uint8Array([1])) && fast.insert(new Uint8Array([2]));
const frame: Uint8Array = pack([new Uint8Array([1])]);
const messages: Uint8Array[] = unpack(frame);

async function consume(): Promise<number> {
  let total = 0;
  for await (const message of frames.aconsumeIterable()) {
    const bytes: Uint8Array = message;
    total += bytes.length;
  }
  const next: Uint8Array | undefined = await fast.aconsume();
  return total + (next?.length ?? 0);
}

// @ts-expect-error: not a dtype
new NumericRingBuffer(4, "float16");
// @ts-expect-error: not an option
new BytesRingBufferFast(4, { slotSize: 8 });
// @ts-expect-error: length is read-only
prices.length = 3;

export { window, copy, mean, newest, length, capacity, inserted, messages, consume };
export { w, doubled, evicted, intView, older, newer, bigNewest, bigAll, bigJson, unsigned, f32Json };
export { at, waitF64, newestName, allNames, jsonNames, wrongView };
