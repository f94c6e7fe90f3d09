#!/usr/bin/env node
// Builds the npm package `mmring` into target/npm/mmring and packs it into
// target/npm/mmring-<version>.tgz.
//
//   node wasm/npm/build.mjs [--no-pack]
//
// Needs the wasm32-unknown-unknown target, the wasm-bindgen CLI of the version pinned
// in wasm/Cargo.toml, and binaryen's `wasm-opt` from npm (`binaryen` in
// wasm/tests/js/package.json); `just wasm-tools` installs all three. WASM_OPT=path
// picks another `wasm-opt`.
//
// Each build's glue gets wasm/npm/fast.js appended: NumericRingBuffer's fast paths and
// the errors of a call after free() (see that file and wasm/src/fast.rs).
//
// Layout of the package (see package.json beside this script for the `exports` map):
//   node/     wasm-bindgen --target nodejs, as mmring.cjs, with an ESM entry mmring.mjs
//             that re-exports it (one instance for `import` and `require`)
//   web/      --target web: `import init, { … } from "mmring/web"; await init();`
//   bundler/  --target bundler: the default for bundlers (webpack, Vite with a wasm
//             plugin…), which instantiate the wasm as an ES module
//   shared/   `mmring/shared`: SharedRing, the ring in a SharedArrayBuffer shared by
//             worker threads (wasm/npm/shared-ring.js, plain JavaScript: no wasm), as
//             shared-ring.mjs and a CommonJS shared-ring.cjs, with declarations

import { execFileSync } from "node:child_process";
import {
  copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const wasmDir = resolve(here, "..");
const root = resolve(wasmDir, "..");
const outRoot = join(root, "target", "npm");
const out = join(outRoot, "mmring");
const pack = !process.argv.includes("--no-pack");

function run(cmd, args, options = {}) {
  console.error(`$ ${cmd} ${args.join(" ")}`);
  const output = execFileSync(cmd, args, { cwd: root, stdio: ["ignore", "pipe", "inherit"], ...options });
  return output ? output.toString().trim() : "";
}

function which(cmd) {
  try {
    return execFileSync("sh", ["-c", `command -v ${cmd}`]).toString().trim() || null;
  } catch {
    return null;
  }
}

// The CLI must match the `wasm-bindgen = "=x.y.z"` pin, or the glue will not load.
const pinned = readFileSync(join(wasmDir, "Cargo.toml"), "utf8").match(/^wasm-bindgen = "=([^"]+)"/m)[1];
const cli = which("wasm-bindgen") ? run("wasm-bindgen", ["--version"]) : "";
if (cli !== `wasm-bindgen ${pinned}`) {
  console.error(
    `wasm-bindgen ${pinned} is needed (found: ${cli || "none"}); ` +
      `run \`just wasm-tools\` or \`cargo install wasm-bindgen-cli --version ${pinned} --locked\``,
  );
  process.exit(1);
}

run("cargo", ["build", "-p", "mmring-wasm", "--target", "wasm32-unknown-unknown", "--release"], {
  stdio: "inherit",
});
const wasm = join(root, "target", "wasm32-unknown-unknown", "release", "mmring_wasm.wasm");
const metadata = JSON.parse(run("cargo", ["metadata", "--no-deps", "--format-version", "1"]));
const version = metadata.packages.find((p) => p.name === "mmring-wasm").version;

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
// binaryen's wasm-opt from npm (Debian's is too old for this wasm), or WASM_OPT.
const wasmOpt = process.env.WASM_OPT || join(wasmDir, "tests", "js", "node_modules", ".bin", "wasm-opt");
if (!existsSync(wasmOpt)) {
  console.error(`wasm-opt not found at ${wasmOpt}: run \`npm ci\` in wasm/tests/js (or \`just wasm-tools\`)`);
  process.exit(1);
}
const fast = readFileSync(join(here, "fast.js"), "utf8");
for (const [target, dir, glue] of [
  ["nodejs", "node", "mmring.js"],
  ["web", "web", "mmring.js"],
  ["bundler", "bundler", "mmring_bg.js"],
]) {
  const dest = join(out, dir);
  run("wasm-bindgen", [
    "--target", target, "--out-dir", dest, "--out-name", "mmring",
    "--remove-name-section", "--remove-producers-section", wasm,
  ]);
  const file = join(dest, "mmring_bg.wasm");
  const before = statSync(file).size;
  // -O3: the hot paths are what the package is for; the result is still ~40% smaller.
  run(wasmOpt, ["-O3", "--enable-bulk-memory", "--enable-nontrapping-float-to-int", "--enable-sign-ext",
    "--enable-mutable-globals", "--enable-reference-types", "--enable-multivalue", file, "-o", file]);
  console.error(`${dir}/mmring_bg.wasm: ${before} → ${statSync(file).size} bytes (wasm-opt -O3)`);
  // The fast paths need the glue's module-level `wasm` and the classes in scope.
  const gluePath = join(dest, glue);
  const code = readFileSync(gluePath, "utf8");
  if (!/^let (wasmModule, wasmInstance, )?wasm\b/m.test(code) || !code.includes("class NumericRingBuffer")) {
    console.error(`${gluePath}: not the glue fast.js was written for (wasm-bindgen ${pinned})`);
    process.exit(1);
  }
  writeFileSync(gluePath, code + fast);
}

// The declarations name `Symbol.dispose`: pull in its lib so that users need no
// `lib: ["esnext"]` setting (TypeScript ≥ 5.2).
for (const file of ["node/mmring.d.ts", "web/mmring.d.ts", "bundler/mmring.d.ts"]) {
  const path = join(out, file);
  writeFileSync(path, `/// <reference lib="esnext.disposable" />\n${readFileSync(path, "utf8")}`);
}

// Node: the CommonJS build keeps one instance; the ESM entry re-exports its names.
const node = join(out, "node");
renameSync(join(node, "mmring.js"), join(node, "mmring.cjs"));
for (const ext of ["d.cts", "d.mts"]) {
  copyFileSync(join(node, "mmring.d.ts"), join(node, `mmring.${ext}`));
}
const names = Object.keys(createRequire(import.meta.url)(join(node, "mmring.cjs"))).sort();
writeFileSync(
  join(node, "mmring.mjs"),
  "// ESM entry of the Node build: re-exports the CommonJS build, so that `import` and\n" +
    "// `require` share one wasm instance. Generated by wasm/npm/build.mjs.\n" +
    'import mmring from "./mmring.cjs";\n\n' +
    `export const {\n${names.map((n) => `  ${n},\n`).join("")}} = mmring;\n`,
);
// wasm-bindgen writes a .gitignore and, for some targets, a package.json per folder;
// the package has its own.
for (const dir of ["node", "web", "bundler"]) {
  rmSync(join(out, dir, ".gitignore"), { force: true });
  rmSync(join(out, dir, "package.json"), { force: true });
}

// mmring/shared: the ES module as written, and a CommonJS copy of it.
const shared = join(out, "shared");
mkdirSync(shared, { recursive: true });
const sharedCode = readFileSync(join(here, "shared-ring.js"), "utf8");
const exported = [...sharedCode.matchAll(/^export class (\w+)/gm)].map((m) => m[1]);
if (exported.join() !== "SharedRingError,SharedRing") {
  console.error(`wasm/npm/shared-ring.js exports ${exported.join(", ")}; update build.mjs`);
  process.exit(1);
}
writeFileSync(join(shared, "shared-ring.mjs"), sharedCode);
writeFileSync(
  join(shared, "shared-ring.cjs"),
  `"use strict";\n${sharedCode.replace(/^export class /gm, "class ")}\n` +
    `module.exports = { ${exported.join(", ")} };\n`,
);
const sharedTypes = readFileSync(join(here, "shared-ring.d.ts"), "utf8");
for (const ext of ["d.ts", "d.mts", "d.cts"]) writeFileSync(join(shared, `shared-ring.${ext}`), sharedTypes);

const pkg = JSON.parse(readFileSync(join(here, "package.json"), "utf8"));
pkg.version = version;
writeFileSync(join(out, "package.json"), `${JSON.stringify(pkg, null, 2)}\n`);
copyFileSync(join(wasmDir, "README.md"), join(out, "README.md"));
console.error(`built ${out} (mmring ${version}; exports ${names.join(", ")})`);

if (pack) {
  const tarball = run("npm", ["pack", "--pack-destination", outRoot, "--silent"], { cwd: out });
  console.log(join(outRoot, tarball.split("\n").pop()));
}
