// mmring/shared from CommonJS: the same stream as shared.mjs, the producer worker
// importing the package's ES module while this file requires its CommonJS copy (one
// buffer, two module instances: the layout is all they share).
const { Worker, threadId } = require("node:worker_threads");
const { join } = require("node:path");
const { SharedRing } = require("mmring/shared");

(async () => {
  const ring = SharedRing.create({ capacityBytes: 256 });
  const worker = new Worker(join(__dirname, "shared-worker.mjs"), { workerData: { buffer: ring.buffer, n: 3 } });
  const producerThread = await new Promise((ok, fail) => {
    worker.once("message", ok);
    worker.once("error", fail);
  });
  const seen = [];
  for (let m = ring.consumeBlocking(1000); m !== undefined && m.length === 12; m = ring.consumeBlocking(1000)) {
    const [from, seq] = new Uint32Array(m.buffer);
    seen.push(seq);
    if (from !== producerThread || from === threadId) seen.push("wrong thread");
  }
  await worker.terminate();
  console.log(JSON.stringify({ seen, closed: ring.closed, policy: ring.policy }));
})();
