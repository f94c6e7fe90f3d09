// The producer worker of shared.mjs and shared.cjs: attaches the SharedRing it is sent
// and writes `n` messages stamped with its thread id and their number, then closes.
import { parentPort, threadId, workerData } from "node:worker_threads";
import { SharedRing } from "mmring/shared";

const ring = SharedRing.attach(workerData.buffer);
for (let seq = 0; seq < workerData.n; seq++) {
  const message = new Uint32Array([threadId, seq, seq * 3]);
  while (!ring.insert(message)) await new Promise((r) => setImmediate(r));
}
ring.insertF64(0.5);
ring.close();
parentPort.postMessage(threadId);
