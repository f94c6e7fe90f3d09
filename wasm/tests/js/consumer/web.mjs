// The `web` build (for pages without a bundler) needs `init()`; in Node it can be
// given the wasm bytes.
import { readFileSync } from "node:fs";
import * as mmring from "mmring/web";
import exercise from "./exercise.cjs";

await mmring.default({
  module_or_path: readFileSync(new URL("./node_modules/mmring/web/mmring_bg.wasm", import.meta.url)),
});
console.log(JSON.stringify(await exercise(mmring)));
