// The live-chart example in headless Chromium (playwright-core driving Debian's
// /usr/bin/chromium): the page must report the ring state that the same tick series
// gives, and draw a chart (the canvas is not blank). Screenshots are kept as
// artifacts in target/e2e/.
//
//   node --test --test-concurrency=1 wasm/tests/js/live-chart.test.mjs   (`just example-test`)

import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";

import { chromium } from "playwright-core";

import { createTicker } from "../../examples/live-chart/ticks.js";
import { serve } from "../../examples/live-chart/serve.mjs";
import { buildPackage, root } from "./helpers.mjs";

const artifacts = join(root, "target", "e2e");
let server;
let browser;

before(async () => {
  buildPackage();
  mkdirSync(artifacts, { recursive: true });
  server = await serve(0);
  // Playwright gives Chromium a fresh, empty profile and runs it headless; the flags
  // stop background traffic (the machine's network is closed).
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
});

after(async () => {
  await browser?.close();
  await server?.close();
});

/** Opens the page, failing on any page error or console error. */
async function open(query) {
  const page = await browser.newPage({ viewport: { width: 860, height: 720 } });
  const problems = [];
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  page.on("console", (m) => m.type() === "error" && problems.push(`console: ${m.text()}`));
  await page.goto(`${server.url}?${query}`);
  await page.waitForFunction(() => window.mmringState?.ready === true, null, { timeout: 15000 });
  return { page, problems };
}

/** How many canvas pixels differ from the white background, and how many are the line's blue. */
function inkOnCanvas(page) {
  return page.evaluate(() => {
    const canvas = document.getElementById("chart");
    const { data } = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height);
    let ink = 0;
    let blue = 0;
    for (let i = 0; i < data.length; i += 4) {
      const [r, g, b] = [data[i], data[i + 1], data[i + 2]];
      if (r < 250 || g < 250 || b < 250) ink += 1;
      if (b > 180 && r < 120 && g < 170) blue += 1;
    }
    return { ink, blue, pixels: data.length / 4 };
  });
}

test("a burst of ticks fills the ring and the chart draws its window", async () => {
  const { page, problems } = await open("capacity=256&seed=7&burst=1000&live=0");
  const state = await page.evaluate(() => window.mmringState);

  // The same series, computed here: the ring holds its last 256 ticks.
  const series = createTicker(7).next(1000);
  const window = Array.from(series.slice(1000 - 256));
  assert.equal(state.dtype, "f64");
  assert.equal(state.capacity, 256);
  assert.equal(state.length, 256);
  assert.equal(state.ticks, 1000);
  assert.equal(state.messages, 40);
  assert.equal(state.overwritten, 1000 - 256);
  assert.equal(state.first, window[0]);
  assert.equal(state.last, window[255]);
  assert.equal(state.min, Math.min(...window));
  assert.equal(state.max, Math.max(...window));
  assert.ok(Math.abs(state.mean - window.reduce((a, b) => a + b, 0) / 256) < 1e-9);

  const text = await page.textContent("#state");
  assert.equal(JSON.parse(text).overwritten, 744);

  const { ink, blue, pixels } = await inkOnCanvas(page);
  assert.ok(ink > pixels * 0.01, `canvas looks blank: ${ink} of ${pixels} pixels drawn`);
  assert.ok(blue > 500, `no price line: ${blue} blue pixels`);

  await page.screenshot({ path: join(artifacts, "live-chart.png"), fullPage: true });
  assert.deepEqual(problems, []);
  await page.close();
});

test("the live feed keeps inserting and the page keeps reporting", async () => {
  const { page, problems } = await open("capacity=128&seed=3&burst=50");
  const first = await page.evaluate(() => window.mmringState);
  assert.ok(first.ticks >= 50, `the burst was not inserted: ${first.ticks} ticks`);
  assert.equal(first.length, Math.min(first.ticks, 128));
  await page.waitForFunction(() => window.mmringState.overwritten > 0, null, { timeout: 20000 });
  const later = await page.evaluate(() => window.mmringState);
  assert.equal(later.length, 128);
  assert.equal(later.overwritten, later.ticks - 128);
  assert.equal(later.last, createTicker(3).next(later.ticks)[later.ticks - 1]);
  const { ink } = await inkOnCanvas(page);
  assert.ok(ink > 1000, `canvas looks blank: ${ink} pixels drawn`);
  await page.screenshot({ path: join(artifacts, "live-chart-live.png"), fullPage: true });
  assert.deepEqual(problems, []);
  await page.close();
});

test("the package's fast paths and array-like methods work in Chromium", async () => {
  const { page, problems } = await open("capacity=16&seed=1&burst=10&live=0");
  const seen = await page.evaluate(async () => {
    // The page's own module instance, initialised by the page.
    const m = await import("/mmring/web/mmring.js");
    const ring = new m.NumericRingBuffer(4, "f64");
    const evictions = [1, 2, 3, 4, NaN, 6].map((x) => String(ring.insert(x)));
    ring.insertBatch(new Float64Array([7, 8]));
    const huge = new m.NumericRingBuffer(1 << 21, "f64"); // wasm memory grows
    huge.insertBatch(new Float64Array(5000).fill(1));
    const after = [String(ring.insert(9)), ring.length, ring.peekLeft(), ring.peekRight(), ring.at(-2)];
    const view = Array.from(ring.view());
    huge.free();
    const ints = new m.NumericRingBuffer(2, "i32");
    let range = null;
    try {
      ints.insert(2 ** 31);
    } catch (e) {
      range = `${e.constructor.name}: ${e.message}`;
    }
    ring.free();
    let freed = null;
    try {
      ring.view();
    } catch (e) {
      freed = e.message;
    }
    return { evictions, after, view, json: JSON.stringify(ints), range, freed };
  });
  assert.deepEqual(seen.evictions, ["undefined", "undefined", "undefined", "undefined", "1", "2"]);
  assert.deepEqual(seen.after, ["NaN", 4, 6, 9, 8]);
  assert.deepEqual(seen.view, [6, 7, 8, 9]);
  assert.equal(seen.json, "[]");
  assert.match(seen.range, /^RangeError: NumericRingBuffer\.insert: expected a whole number/);
  assert.match(seen.freed, /^NumericRingBuffer\.view: called after free\(\)/);
  assert.deepEqual(problems, []);
  await page.close();
});

test("source=worker: a Web Worker produces the ticks into a SharedRing the page consumes", async () => {
  const { page, problems } = await open("source=worker&capacity=128&seed=5&burst=40");
  await page.waitForFunction(() => window.mmringState.shared?.records >= 40, null, { timeout: 15000 });
  const first = await page.evaluate(() => window.mmringState);
  assert.equal(first.crossOriginIsolated, true, "served with COOP/COEP");
  assert.equal(first.source, "worker");
  // Every record carries the id the worker drew and posted, and was written in a
  // worker's global scope: another thread produced them, not this page.
  assert.equal(first.shared.producer.worker, 1);
  assert.ok(first.shared.producer.id > 0);
  assert.equal(first.shared.fromOthers, 0);
  assert.equal(first.shared.gaps, 0, "every sequence number, in order");
  assert.equal(first.shared.dropped, 0);
  // Ticks keep arriving while this thread only consumes.
  await page.waitForFunction((n) => window.mmringState.shared.records >= n + 20, first.shared.records, {
    timeout: 15000,
  });
  const later = await page.evaluate(() => window.mmringState);
  assert.equal(later.shared.fromOthers, 0);
  assert.equal(later.shared.gaps, 0);
  assert.equal(later.ticks, later.shared.records);
  assert.equal(later.shared.read, later.shared.records);
  assert.equal(later.length, Math.min(later.ticks, 128));
  // The worker's series, computed here: the same seeded ticks, in order.
  assert.equal(later.last, createTicker(5).next(later.ticks)[later.ticks - 1]);
  const { ink, blue } = await inkOnCanvas(page);
  assert.ok(ink > 1000 && blue > 100, `canvas looks blank: ${ink} pixels drawn, ${blue} blue`);
  await page.screenshot({ path: join(artifacts, "live-chart-worker.png"), fullPage: true });
  assert.deepEqual(problems, []);
  await page.close();
});

test("SharedRing in Chromium: a worker sleeps in consumeBlocking until the page inserts", async () => {
  const { page, problems } = await open("capacity=16&seed=1&burst=10&live=0");
  const seen = await page.evaluate(async () => {
    const { SharedRing } = await import("/mmring/shared/shared-ring.mjs");
    const ring = SharedRing.create({ capacityBytes: 1024, policy: "reject" });
    const source = `
      import { SharedRing } from "${location.origin}/mmring/shared/shared-ring.mjs";
      self.onmessage = ({ data }) => {
        const ring = SharedRing.attach(data);
        const got = [];
        for (;;) {
          const m = ring.consumeBlocking(10000);
          if (m === undefined) break;
          got.push(new TextDecoder().decode(m));
        }
        self.postMessage(got);
      };`;
    const url = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
    const worker = new Worker(url, { type: "module" });
    const done = new Promise((ok, fail) => {
      worker.onmessage = (e) => ok(e.data);
      worker.onerror = (e) => fail(new Error(e.message));
    });
    worker.postMessage(ring.buffer);
    const pause = (ms) => new Promise((r) => setTimeout(r, ms));
    for (const word of ["bid", "ask", "trade"]) {
      await pause(50);
      ring.insert(new TextEncoder().encode(word));
    }
    ring.close();
    const got = await Promise.race([done, pause(10000).then(() => "timed out")]);
    worker.terminate();
    // The main thread may not block: consumeBlocking throws there (consume() waits).
    let mainThread = null;
    try {
      SharedRing.create({ capacityBytes: 64 }).consumeBlocking(10);
    } catch (e) {
      mainThread = e.constructor.name;
    }
    return { got, mainThread, isolated: crossOriginIsolated, read: ring.read };
  });
  assert.deepEqual(seen, { got: ["bid", "ask", "trade"], mainThread: "TypeError", isolated: true, read: 3 });
  assert.deepEqual(problems, []);
  await page.close();
});
