// The `bundler` build imports its wasm as an ES module, which Node supports behind
// --experimental-wasm-modules: close enough to a bundler to run it.
import * as mmring from "mmring/bundler";
import exercise from "./exercise.cjs";

console.log(JSON.stringify(await exercise(mmring)));
