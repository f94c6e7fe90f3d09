// Compiled by tsc (--strict, nodenext) against mmring/shared's declarations.
import { SharedRing, SharedRingError, type SharedRingOptions, type SharedRingPolicy } from "mmring/shared";

const options: SharedRingOptions = { capacityBytes: 1 << 16, policy: "reject" };
const ring: SharedRing = SharedRing.create(options);
const buffer: SharedArrayBuffer = ring.buffer;
const again: SharedRing = SharedRing.attach(buffer);
const accepted: boolean = again.insert(new TextEncoder().encode("tick"));
const number: boolean = again.insertF64(1.5);
const bytes: Uint8Array | undefined = ring.tryConsume();
const value: number | undefined = ring.tryConsumeF64();
const length: number = ring.consumeInto(new Uint8Array(64));
const blocking: Uint8Array | undefined = ring.consumeBlocking(10);
const later: Promise<Uint8Array | undefined> = ring.consume(100);
const policy: SharedRingPolicy = ring.policy;
const counts: number[] = [ring.written, ring.read, ring.dropped, ring.length, ring.capacity, ring.maxMessage];
const closed: boolean = ring.closed;
ring.close();
try {
  SharedRing.attach(new SharedArrayBuffer(8));
} catch (e) {
  if (e instanceof SharedRingError) {
    const code: "NOT_A_RING" | "CORRUPT" | "EXHAUSTED" = e.code;
    console.log(code, e.message);
  }
}
// @ts-expect-error: a string is not an ArrayBufferView
ring.insert("text");
// @ts-expect-error: the policies are "dropOldest" and "reject"
SharedRing.create({ policy: "newest" });
// @ts-expect-error: use create() or attach()
new SharedRing();
console.log(accepted, number, bytes, value, length, blocking, later, policy, counts, closed);
