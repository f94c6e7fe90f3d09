// The JavaScript side of the differential test (wasm/tests/shared_ring_differential.rs):
// runs a script of operations on SharedRing (wasm/npm/shared-ring.js) and prints, after
// each, its result, the counters and the ring's bytes (control block and data area).
//
// Input on stdin, one command a line:
//   ring CAPACITY POLICY      a new ring (POLICY dropOldest | reject)
//   insert LEN FILL           insert LEN bytes: byte k is (FILL + k) & 255
//   consume                   tryConsume()
//   into                      consumeInto() with a 4096-byte array
// Output, one line per command:
//   RESULT WRITTEN READ DROPPED LENGTH HEX
// where RESULT is "new", "ok", "full", "too_large", "none" or the consumed bytes in hex,
// and HEX the bytes from the control block to the end of the data area.

import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const { SharedRing } = await import(resolve(here, "..", "..", "npm", "shared-ring.js"));

/** Where the control block starts in the buffer (the layout's header line and wake line). */
const CONTROL = 256;

const hex = (bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");

let ring = null;
const scratch = new Uint8Array(4096);
const out = [];
for (const line of readFileSync(0, "utf8").split("\n")) {
  const [cmd, a, b] = line.trim().split(/\s+/);
  if (!cmd) continue;
  let result;
  if (cmd === "ring") {
    ring = SharedRing.create({ capacityBytes: Number(a), policy: b });
    result = "new";
  } else if (cmd === "insert") {
    const len = Number(a);
    const fill = Number(b);
    const message = Uint8Array.from({ length: len }, (_, k) => (fill + k) & 255);
    try {
      result = ring.insert(message) ? "ok" : "full";
    } catch (e) {
      if (!(e instanceof RangeError)) throw e;
      result = "too_large";
    }
  } else if (cmd === "consume") {
    const message = ring.tryConsume();
    result = message === undefined ? "none" : `m${hex(message)}`;
  } else if (cmd === "into") {
    const len = ring.consumeInto(scratch);
    result = len < 0 ? "none" : `m${hex(scratch.subarray(0, len))}`;
  } else {
    throw new Error(`unknown command ${cmd}`);
  }
  const image = new Uint8Array(ring.buffer, CONTROL);
  out.push(`${result} ${ring.written} ${ring.read} ${ring.dropped} ${ring.length} ${hex(image)}`);
}
process.stdout.write(`${out.join("\n")}\n`);
