// The live chart: ticks arrive in batches (as from a WebSocket `onmessage`), go into a
// NumericRingBuffer, and the canvas draws the ring's window. The page reports the
// ring's state in `window.mmringState` and in the #state element, for the e2e test.
import init, { NumericRingBuffer } from "/mmring/web/mmring.js";
import { createTicker } from "./ticks.js";

const params = new URLSearchParams(location.search);
const capacity = Number(params.get("capacity") ?? 256);
const seed = Number(params.get("seed") ?? 42);
const burst = Number(params.get("burst") ?? 300);
const live = params.get("live") !== "0";

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

function report() {
  const state = {
    ready: true,
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
  window.mmringState = state;
  document.getElementById("state").textContent = JSON.stringify(state, null, 1);
}

// The opening burst arrives as messages of 25 ticks, then the feed goes on live.
for (let left = burst; left > 0; left -= 25) onMessage(ticker.next(Math.min(25, left)));
draw();
report();
if (live) {
  setInterval(() => onMessage(ticker.next(5)), 50);
  const frame = () => {
    draw();
    report();
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
}
