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
