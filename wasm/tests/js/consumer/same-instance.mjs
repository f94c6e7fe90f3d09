import { createRequire } from "node:module";
import { NumericRingBuffer } from "mmring";

const cjs = createRequire(import.meta.url)("mmring");
console.log(JSON.stringify({ same: cjs.NumericRingBuffer === NumericRingBuffer }));
