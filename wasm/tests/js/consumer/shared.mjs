// mmring/shared from ESM: a producer worker (shared-worker.mjs, which imports the
// package itself) streams to consume() on this thread. Prints what was seen as JSON.
import { Worker, threadId } from "node:worker_threads";
import { SharedRing, SharedRingError } from "mmring/shared";

const ring = SharedRing.create({ capacityBytes: 1024, policy: "reject" });
const n = 5000;
const worker = new Worker(new URL("./shared-worker.mjs", import.meta.url), {
  workerData: { buffer: ring.buffer, n },
});
const producer = new Promise((ok, fail) => {
  worker.once("message", ok);
  worker.once("error", fail);
});
let count = 0;
let inOrder = true;
let thread = -1;
for (;;) {
  const m = await ring.consume(10_000);
  if (m === undefined || m.length === 8) {
    if (m) count += new Float64Array(m.buffer)[0] === 0.5 ? 0 : 1e9;
    break;
  }
  const [from, seq, triple] = new Uint32Array(m.buffer);
  thread = from;
  if (seq !== count || triple !== seq * 3) inOrder = false;
  count++;
}
const end = await ring.consume(1000);
let notRing = null;
try {
  SharedRing.attach(new SharedArrayBuffer(4096));
} catch (e) {
  notRing = e instanceof SharedRingError ? e.code : String(e);
}
const producerThread = await producer;
await worker.terminate();
console.log(
  JSON.stringify({
    count,
    inOrder,
    fromWorker: thread === producerThread && thread !== threadId,
    end: end === undefined,
    counters: [ring.written, ring.read, ring.dropped],
    notRing,
  }),
);
