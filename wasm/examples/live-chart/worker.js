// The tick producer of the live chart's `source=worker` mode: a Web Worker that writes
// ticks into the SharedRing the page created (mmring/shared, in a SharedArrayBuffer),
// while the page's main thread only reads them. Each record is three f64s:
// [this worker's id, sequence number, price]. The id is random, drawn here, and also
// posted to the page once, so that the page can tell that the records came from this
// thread; `WORKER` marks records written in a worker's global scope.
import { SharedRing } from "/mmring/shared/shared-ring.mjs";
import { createTicker } from "./ticks.js";

const WORKER = typeof WorkerGlobalScope === "function" && self instanceof WorkerGlobalScope ? 1 : 0;

self.onmessage = ({ data }) => {
  const { buffer, seed, burst, every, perTick } = data;
  const ring = SharedRing.attach(buffer);
  const id = crypto.getRandomValues(new Uint32Array(1))[0] + 1;
  self.postMessage({ hello: true, id, worker: WORKER });
  const ticker = createTicker(seed);
  const record = new Float64Array(4);
  let seq = 0;
  const produce = (n) => {
    for (const price of ticker.next(n)) {
      record[0] = id;
      record[1] = seq++;
      record[2] = price;
      record[3] = WORKER;
      ring.insert(record);
    }
  };
  produce(burst);
  setInterval(() => produce(perTick), every);
};
