// The npm package as a user gets it: built and packed (wasm/npm/build.mjs), the
// tarball installed into a fresh project, then used from CommonJS, from ESM, through
// the `web` and `bundler` builds, and type-checked with TypeScript; and mmring/shared
// (SharedRing) from ESM and CommonJS with a producer in a worker thread.
//
//   node --test --test-concurrency=1 wasm/tests/js/package.test.mjs   (`just npm-test`)

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";

import { buildPackage, here, runNode } from "./helpers.mjs";

let project;
let tarball;

before(() => {
  tarball = buildPackage();
  project = mkdtempSync(join(tmpdir(), "mmring-consumer-"));
  writeFileSync(
    join(project, "package.json"),
    JSON.stringify({ name: "consumer", private: true, version: "1.0.0" }),
  );
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--ignore-scripts", tarball], {
    cwd: project,
    stdio: ["ignore", "ignore", "inherit"],
  });
  for (const file of readdirSync(join(here, "consumer"))) {
    copyFileSync(join(here, "consumer", file), join(project, file));
  }
  // The same TypeScript as an ES module (`import` resolves to the ESM declarations).
  copyFileSync(join(here, "consumer", "typed.ts"), join(project, "typed.mts"));
});

after(() => {
  if (project) rmSync(project, { recursive: true, force: true });
});

/** An error as consumer/exercise.cjs reports it: class and message, cut short. */
const cut = (error) => error.slice(0, 40);

/** What every consumer must see (see consumer/exercise.cjs). */
const expected = {
  generic: {
    capacity: 4,
    length: 4,
    overwritten: 0,
    items: [{ id: 1 }, "a", "b", "c"],
    newest: "c",
    replaced: "c",
    consumed: { id: 1 },
    rest: ["a", "b", "d"],
    empty: [true, true, true],
    zero: cut("RangeError: new GenericRingBuffer: capacity must be at least 1"),
    emptyOverwrite: cut("Error: GenericRingBuffer.overwriteLatest: the ring is empty:"),
  },
  numeric: {
    dtype: "f64",
    unwrappedIsFloat64Array: true,
    unwrapped: [3, 4, 5, 6],
    view: [3, 4, 5, 6],
    stats: [18, 4.5, 3, 6],
    full: true,
    overwritten: 2,
    contains: [true, false],
    unknownDtype: cut('RangeError: new NumericRingBuffer: unknown dtype "float16"; '),
  },
  bigint: {
    peek: "4611686018427387904",
    typeofPeek: "bigint",
    array: "BigInt64Array",
    number: cut("TypeError: NumericRingBuffer.insert: expected a bigint from -"),
    uint8Range: cut("RangeError: NumericRingBuffer.insert: expected a whole number"),
  },
  bytes: {
    first: true,
    duplicate: false,
    fromArrayBuffer: true,
    unique: true,
    consumed: "tick",
    wrongType: cut("TypeError: BytesRingBuffer.insert: message must be a Uint8Arr"),
  },
  fast: {
    slotSize: 8,
    inserted: true,
    oversize: cut("RangeError: BytesRingBufferFast.insert: message of 9 bytes doe"),
    items: [8],
    badOption: cut('TypeError: new BytesRingBufferFast: unknown option "expectedS'),
  },
  packed: {
    frame: [2, 0, 0, 0, 97, 98, 0, 0, 0, 0],
    unpacked: [[97, 98], []],
    corruptOffset: 5,
  },
  fastPaths: {
    evictions: ["undefined", "undefined", "undefined", "undefined", "1", "2"],
    window: ["3", "4", "NaN", "6"],
    peeks: ["3", "6"],
    at: ["3", "6", "3", "undefined", "undefined"],
    length: 4,
    chunked: [2048, 952, 2999, 952],
    bytes: [7, 8, 9],
    uint8Range: cut("RangeError: NumericRingBuffer.insert: expected a whole number"),
    fraction: cut("RangeError: NumericRingBuffer.get: index must be a whole"),
    converted: [0.5, 1.5],
    unwrapped: ["BigInt64Array", "2,3,4,5", "Float32Array", 0],
    handed: [4.5, 5.5, 1, 6.5],
  },
  interleaved: {
    a: [5, 0, 15, "[1,2,3,4,5]", "1,2,3,4,5"],
    b: [10, 1],
    c: [0.5],
    fill: [4000, 0, 39, 0],
    later: [6, 2, 8],
  },
  grown: {
    evicted: [null, null, null, 1.25],
    view: [2.5, 3.5, 4.5, 5.5],
    huge: [3000, 2],
  },
  likeArrays: {
    json:
      '{"ticks":[3,4,null,6],"ids":[],"generic":[]}',
    spread: ["3", "4", "NaN", "6"],
    generic: ['["x",{"y":1}]', { y: 1 }, "x"],
    bytes: "[[1,2]]",
    freed: [
      cut("Error: NumericRingBuffer.insert: called after free()"),
      cut("Error: NumericRingBuffer.length: called after free()"),
      cut("Error: NumericRingBuffer.view: called after free()"),
      cut("Error: GenericRingBuffer.at: called after free()"),
      cut("Error: BytesRingBufferFast.insert: called after free()"),
      "no throw",
      true,
    ],
  },
  async: { first: 1.5, rest: [2.5, 3.5], closed: true },
};

function exercise(args) {
  return JSON.parse(runNode(args, project));
}

test("the tarball holds the three builds, the declarations and the README", () => {
  const files = execFileSync("tar", ["tzf", tarball]).toString().trim().split("\n").sort();
  for (const file of [
    "package/README.md",
    "package/package.json",
    "package/node/mmring.cjs",
    "package/node/mmring.mjs",
    "package/node/mmring.d.cts",
    "package/node/mmring.d.mts",
    "package/node/mmring_bg.wasm",
    "package/web/mmring.js",
    "package/web/mmring.d.ts",
    "package/web/mmring_bg.wasm",
    "package/bundler/mmring.js",
    "package/bundler/mmring_bg.js",
    "package/bundler/mmring.d.ts",
    "package/bundler/mmring_bg.wasm",
    "package/shared/shared-ring.mjs",
    "package/shared/shared-ring.cjs",
    "package/shared/shared-ring.d.ts",
    "package/shared/shared-ring.d.mts",
    "package/shared/shared-ring.d.cts",
  ]) {
    assert.ok(files.includes(file), `${file} missing from ${files.join(", ")}`);
  }
});

test("CommonJS: require('mmring') works", () => {
  assert.deepEqual(exercise(["use.cjs"]), expected);
});

test("ESM: import from 'mmring' works", () => {
  assert.deepEqual(exercise(["use.mjs"]), expected);
});

test("import and require share one instance", () => {
  assert.deepEqual(exercise(["same-instance.mjs"]), { same: true });
});

test("the web build works after init()", () => {
  assert.deepEqual(exercise(["web.mjs"]), expected);
});

test("the bundler build instantiates its wasm as an ES module", () => {
  assert.deepEqual(exercise(["--experimental-wasm-modules", "--no-warnings", "bundler.mjs"]), expected);
});

test("mmring/shared: a producer worker streams to this thread's consume() (ESM)", () => {
  assert.deepEqual(exercise(["shared.mjs"]), {
    count: 5000,
    inOrder: true,
    fromWorker: true,
    end: true,
    counters: [5001, 5001, 0],
    notRing: "NOT_A_RING",
  });
});

test("mmring/shared from CommonJS, with the worker on the ES module", () => {
  assert.deepEqual(exercise(["shared.cjs"]), { seen: [0, 1, 2], closed: true, policy: "dropOldest" });
});

test("the TypeScript declarations type-check a user's code with tsc --strict", () => {
  const tsc = join(here, "node_modules", "typescript", "bin", "tsc");
  assert.ok(existsSync(tsc), "typescript is not installed: run `npm ci` in wasm/tests/js");
  const args = [tsc, "--noEmit", "--strict", "--module", "nodenext", "--moduleResolution", "nodenext",
    "--target", "es2022", "--lib", "es2022,dom", "typed.ts", "typed.mts", "shared-typed.ts"];
  try {
    execFileSync("node", args, { cwd: project, stdio: ["ignore", "pipe", "pipe"] });
  } catch (e) {
    assert.fail(`tsc failed:\n${e.stdout}${e.stderr}`);
  }
});
