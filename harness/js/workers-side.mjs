// One side (producer or consumer) of a worker-ring run of workers.mjs. Waits for the
// go signal, then streams `n` messages of `bytes` bytes; each message starts with its
// number (u32, little-endian), which the consumer checks. The consumer posts the
// time from the go signal to the last message, in ns.

import { parentPort, workerData } from "node:worker_threads";

const { transport, role, n, control, buffer, port, sharedUrl, bytes } = workerData;
const ctl = new Int32Array(control);

function stamp(message, i) {
  message[0] = i & 255;
  message[1] = (i >>> 8) & 255;
  message[2] = (i >>> 16) & 255;
  message[3] = (i >>> 24) & 255;
}

function check(message, i) {
  const got = (message[0] | (message[1] << 8) | (message[2] << 16) | (message[3] << 24)) >>> 0;
  if (got !== i >>> 0) throw new Error(`${transport}: message ${i} arrived as ${got}`);
}

async function go() {
  Atomics.add(ctl, 0, 1);
  while (Atomics.load(ctl, 1) === 0) Atomics.wait(ctl, 1, 0, 1000);
  return performance.now();
}

const message = new Uint8Array(bytes).fill(7);

if (transport === "mmring") {
  const { SharedRing } = await import(sharedUrl);
  const ring = SharedRing.attach(buffer);
  const start = await go();
  if (role === "producer") {
    for (let i = 0; i < n; i++) {
      stamp(message, i);
      while (!ring.insert(message));
    }
    parentPort.postMessage({});
  } else {
    for (let i = 0; i < n; ) {
      if (ring.consumeInto(message) < 0) continue;
      check(message, i);
      i++;
    }
    parentPort.postMessage({ ns: (performance.now() - start) * 1e6 });
  }
} else if (transport === "ringbuf") {
  const { RingBuffer } = await import("ringbuf.js");
  const rb = new RingBuffer(buffer, Uint8Array);
  const start = await go();
  if (role === "producer") {
    for (let i = 0; i < n; i++) {
      stamp(message, i);
      while (rb.available_write() < bytes);
      rb.push(message);
    }
    parentPort.postMessage({});
  } else {
    for (let i = 0; i < n; i++) {
      while (rb.available_read() < bytes);
      rb.pop(message);
      check(message, i);
    }
    parentPort.postMessage({ ns: (performance.now() - start) * 1e6 });
  }
} else {
  if (role === "producer") {
    await go();
    for (let i = 0; i < n; i++) {
      stamp(message, i);
      port.postMessage(message);
    }
    parentPort.postMessage({});
  } else {
    let i = 0;
    let start = 0;
    port.on("message", (m) => {
      check(m, i);
      i++;
      if (i === n) {
        parentPort.postMessage({ ns: (performance.now() - start) * 1e6 });
        port.close();
      }
    });
    start = await go();
  }
}
