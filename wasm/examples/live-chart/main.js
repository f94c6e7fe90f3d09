// The live chart: ticks arrive in batches (as from a WebSocket `onmessage`), go into a
// NumericRingBuffer, and the canvas draws the ring's window. The page reports the
// ring's state in `window.mmringState` and in the #state element, for the e2e test.
//
// With `source=worker`, a Web Worker (worker.js) produces the ticks into a SharedRing
// (mmring/shared) in a SharedArrayBuffer, and this thread only consumes them (with
// `consume()`, which waits through Atomics.waitAsync) into the NumericRingBuffer. That
// needs a cross-origin-isolated page: serve.mjs sends the COOP/COEP headers.
import init, { NumericRingBuffer } from "/mmring/web/mmring.js";
import { SharedRing } from "/mmring/shared/shared-ring.mjs";
import { createTicker } from "./ticks.js";

const params = new URLSearchParams(location.search);
const capacity = Number(params.get("capacity") ?? 256);
const seed = Number(params.get("seed") ?? 42);
const burst = Number(params.get("burst") ?? 300);
const live = params.get("live") !== "0";
const fromWorker = params.get("source") === "worker";

await init();
const ring = new NumericRingBuffer(capacity, "float64");
const ticker = createTicker(seed);
let ticks = 0;
let messages = 0;

/** One feed message: a batch of ticks into the ring in one copy. */
function onMessage(batch) {
  ring.insertBatch(batch);
  ticks += batch.length;
  messages += 1;
}

const canvas = document.getElementById("chart");
const ctx = canvas.getContext("2d");

function draw() {
  const { width, height } = canvas;
  const pad = { left: 64, right: 16, top: 16, bottom: 28 };
  ctx.fillStyle = "#ffffff";
  ctx.fillRect(0, 0, width, height);
  // Zero-copy: the view reads wasm memory and is only valid until the next insert,
  // so it is read right here and not kept.
  const prices = ring.view();
  if (prices.length === 0) return;
  let lo = ring.min();
  let hi = ring.max();
  if (hi - lo < 1e-9) { lo -= 1; hi += 1; }
  const x = (i) => pad.left + (i / Math.max(1, ring.capacity - 1)) * (width - pad.left - pad.right);
  const y = (p) => pad.top + (1 - (p - lo) / (hi - lo)) * (height - pad.top - pad.bottom);

  ctx.strokeStyle = "#e3e7ee";
  ctx.fillStyle = "#5a6475";
  ctx.font = "12px system-ui, sans-serif";
  ctx.lineWidth = 1;
  for (let k = 0; k <= 4; k++) {
    const p = lo + ((hi - lo) * k) / 4;
    ctx.beginPath();
    ctx.moveTo(pad.left, y(p));
    ctx.lineTo(width - pad.right, y(p));
    ctx.stroke();
    ctx.fillText(p.toFixed(2), 8, y(p) + 4);
  }
  ctx.fillText(`${prices.length} of ${ring.capacity} ticks, ${ring.overwritten} overwritten`, pad.left, height - 8);

  ctx.strokeStyle = "#1f6feb";
  ctx.lineWidth = 2;
  ctx.beginPath();
  for (let i = 0; i < prices.length; i++) {
    if (i === 0) ctx.moveTo(x(i), y(prices[i]));
    else ctx.lineTo(x(i), y(prices[i]));
  }
  ctx.stroke();

  const mean = ring.mean();
  ctx.strokeStyle = "#d29922";
  ctx.setLineDash([6, 4]);
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.moveTo(pad.left, y(mean));
  ctx.lineTo(width - pad.right, y(mean));
  ctx.stroke();
  ctx.setLineDash([]);
}

/** The worker mode's bookkeeping: what arrived through the SharedRing, and from whom. */
const shared = {
  ring: null,
  producer: null, // what the worker said about itself: { id, worker }
  records: 0,
  fromOthers: 0, // records not stamped with the worker's id, or not written in a worker
  gaps: 0, // records whose sequence number was not the next one
  nextSeq: 0,
};

/** A record from the worker: [worker id, sequence number, price, written in a worker]. */
function onRecord(bytes) {
  const [id, seq, price, inWorker] = new Float64Array(bytes.buffer, bytes.byteOffset, 4);
  if (id !== shared.producer.id || inWorker !== 1) shared.fromOthers += 1;
  if (seq !== shared.nextSeq) shared.gaps += 1;
  shared.nextSeq = seq + 1;
  shared.records += 1;
  ring.insert(price);
  ticks += 1;
}

async function startWorker() {
  shared.ring = SharedRing.create({ capacityBytes: 1 << 16, policy: "dropOldest" });
  const worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
  const hello = new Promise((ok) => worker.addEventListener("message", (e) => ok(e.data), { once: true }));
  worker.postMessage({ buffer: shared.ring.buffer, seed, burst, every: 50, perTick: live ? 5 : 0 });
  shared.producer = await hello;
  // This thread never inserts into the SharedRing: it only consumes.
  for (;;) {
    const bytes = await shared.ring.consume();
    if (bytes === undefined) break;
    onRecord(bytes);
    messages = shared.records;
  }
}

function report() {
  const state = {
    ready: true,
    source: fromWorker ? "worker" : "page",
    crossOriginIsolated: globalThis.crossOriginIsolated === true,
    dtype: ring.dtype,
    capacity: ring.capacity,
    length: ring.length,
    overwritten: ring.overwritten,
    ticks,
    messages,
    first: ring.peekLeft(),
    last: ring.peekRight(),
    min: ring.min(),
    max: ring.max(),
    mean: ring.mean(),
  };
  if (fromWorker) {
    state.shared = {
      producer: shared.producer,
      records: shared.records,
      fromOthers: shared.fromOthers,
      gaps: shared.gaps,
      written: shared.ring.written,
      read: shared.ring.read,
      dropped: shared.ring.dropped,
    };
  }
  window.mmringState = state;
  document.getElementById("state").textContent = JSON.stringify(state, null, 1);
}

if (fromWorker) {
  // The worker sends the burst, then 5 ticks every 50 ms; frames draw what arrived.
  startWorker().catch((e) => console.error(e));
} else {
  // The opening burst arrives as messages of 25 ticks, then the feed goes on live.
  for (let left = burst; left > 0; left -= 25) onMessage(ticker.next(Math.min(25, left)));
}
draw();
report();
if (fromWorker) {
  const frame = () => {
    draw();
    report();
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
} else if (live) {
  setInterval(() => onMessage(ticker.next(5)), 50);
  const frame = () => {
    draw();
    report();
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
}
