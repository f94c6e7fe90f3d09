// Shared by the Node test files: where things are, and building the npm package.

import { execFileSync } from "node:child_process";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const here = dirname(fileURLToPath(import.meta.url));
export const root = resolve(here, "..", "..", "..");
export const packageDir = resolve(root, "target", "npm", "mmring");

/**
 * Builds the package with wasm/npm/build.mjs (cargo + wasm-bindgen + npm pack) and
 * returns the path of the tarball.
 */
export function buildPackage() {
  const out = execFileSync("node", [resolve(root, "wasm", "npm", "build.mjs")], {
    cwd: root,
    stdio: ["ignore", "pipe", "inherit"],
  });
  return out.toString().trim().split("\n").pop();
}

/**
 * Runs `node` on `file` in `cwd` and returns its standard output; a run that takes over
 * two minutes (a hang) is killed and throws.
 */
export function runNode(args, cwd) {
  return execFileSync("node", args, { cwd, stdio: ["ignore", "pipe", "pipe"], timeout: 120_000 }).toString();
}
