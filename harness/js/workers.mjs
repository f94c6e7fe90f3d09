// The worker-ring group of the `wasm` suite: 64-byte messages from a producer worker
// thread to a consumer worker thread, through mmring's SharedRing (mmring/shared),
// through ringbuf.js (a byte queue over a SharedArrayBuffer) and through postMessage
// on a MessageChannel. Each run starts fresh workers, releases both at once, and the
// consumer times the stream on its own clock; each message carries its number, which
// the consumer checks. A run that does not finish within RUN_TIMEOUT_MS fails.
//
// Used by bench.mjs; the two sides live in workers-side.mjs.

import { Worker } from "node:worker_threads";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

export const MESSAGE_BYTES = 64;
const RING_BYTES = 1 << 16;
const RUN_TIMEOUT_MS = 60_000;
const side = new URL("./workers-side.mjs", import.meta.url);

/** One timed run of `transport`: messages per second. */
async function run(transport, n, sharedUrl) {
  const control = new SharedArrayBuffer(8); // [ready workers, go]
  let buffer = null;
  let ports = [null, null];
  if (transport === "mmring") {
    const { SharedRing } = await import(sharedUrl);
    buffer = SharedRing.create({ capacityBytes: RING_BYTES, policy: "reject" }).buffer;
  } else if (transport === "ringbuf") {
    const { RingBuffer } = await import("ringbuf.js");
    buffer = RingBuffer.getStorageForCapacity(RING_BYTES, Uint8Array);
  } else {
    const { port1, port2 } = new MessageChannel();
    ports = [port1, port2];
  }
  const workers = ["producer", "consumer"].map(
    (role, i) =>
      new Worker(side, {
        workerData: { transport, role, n, control, buffer, port: ports[i], sharedUrl, bytes: MESSAGE_BYTES },
        transferList: ports[i] ? [ports[i]] : [],
      }),
  );
  const ctl = new Int32Array(control);
  let timer;
  try {
    const results = workers.map(
      (w) =>
        new Promise((ok, fail) => {
          w.once("message", ok);
          w.once("error", fail);
          w.once("exit", (code) => fail(new Error(`${transport} worker exited with ${code} before its result`)));
        }),
    );
    const timeout = new Promise((_, fail) => {
      timer = setTimeout(() => fail(new Error(`${transport}: a run took over ${RUN_TIMEOUT_MS} ms`)), RUN_TIMEOUT_MS);
    });
    // Both workers are up and waiting: release them together.
    const ready = (async () => {
      while (Atomics.load(ctl, 0) < 2) await new Promise((r) => setTimeout(r, 1));
      Atomics.store(ctl, 1, 1);
      Atomics.notify(ctl, 1);
    })();
    await Promise.race([ready, timeout]);
    const [, consumer] = await Promise.race([Promise.all(results), timeout]);
    return n / (consumer.ns / 1e9);
  } finally {
    clearTimeout(timer);
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/**
 * The group: throughput (messages/s) of each transport, `reps` timed runs after
 * `warmup` untimed ones.
 */
export async function workerGroup({ packageDir, quick, log, stats, entry }) {
  const sharedUrl = pathToFileURL(join(packageDir, "shared", "shared-ring.mjs")).href;
  const ringN = quick ? 20_000 : 2_000_000;
  const postN = quick ? 5_000 : 200_000;
  const warmup = quick ? 1 : 2;
  const reps = quick ? 3 : 7;
  const transports = [
    ["mmring SharedRing (mmring/shared)", true, "mmring", ringN, "policy reject; insert / consumeInto"],
    ["ringbuf.js", false, "ringbuf", ringN, "push / pop of 64 bytes when available"],
    ["postMessage (MessageChannel)", false, "post", postN, "a Uint8Array per message, structured clone"],
  ];
  const entries = [];
  for (const [name, isMmring, transport, n, remark] of transports) {
    log(`  ${name}`);
    for (let i = 0; i < warmup; i++) await run(transport, n, sharedUrl);
    const samples = [];
    for (let i = 0; i < reps; i++) samples.push(await run(transport, n, sharedUrl));
    entries.push(entry(name, isMmring, stats(samples), remark));
  }
  return {
    id: "wasm_worker_ring",
    title: `Node worker_threads: ${MESSAGE_BYTES}-byte messages from a producer worker to a consumer worker (ring ${RING_BYTES} bytes)`,
    unit: "msg/s",
    higher_is_better: true,
    entries,
  };
}
