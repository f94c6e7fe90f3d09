#!/usr/bin/env node
// A tiny static server for the live-chart example: the page from this folder, the
// built npm package (target/npm/mmring, made by `just npm`) under /mmring/. Every
// response carries the COOP/COEP headers that make the page cross-origin isolated, so
// that it may create a SharedArrayBuffer (the `source=worker` mode).
//
//   node wasm/examples/live-chart/serve.mjs [port]     (default 8080; 0 picks a free one)
//
// Tests import `serve(port)` and close the server when done.

import { createReadStream, statSync } from "node:fs";
import { createServer } from "node:http";
import { dirname, extname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const packageDir = resolve(here, "..", "..", "..", "target", "npm", "mmring");
const types = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".wasm": "application/wasm",
  ".json": "application/json",
  ".css": "text/css",
  ".ts": "text/plain; charset=utf-8",
};

/** The file a URL path names, or null if it lies outside the served folders. */
function fileFor(urlPath) {
  const path = decodeURIComponent(urlPath.split("?")[0]);
  const [base, rest] = path.startsWith("/mmring/")
    ? [packageDir, path.slice("/mmring/".length)]
    : [here, path.slice(1) || "index.html"];
  const file = resolve(base, rest);
  return file === base || file.startsWith(base + sep) ? file : null;
}

/** Starts the server on `port` (0: any free port); resolves to its URL and a close(). */
export function serve(port = 8080, host = "127.0.0.1") {
  const server = createServer((req, res) => {
    const file = fileFor(req.url);
    let stat = null;
    try {
      stat = file && statSync(file);
    } catch {
      stat = null;
    }
    if (!stat || !stat.isFile()) {
      res.writeHead(404, { "content-type": "text/plain" }).end(`not found: ${req.url}\n`);
      return;
    }
    res.writeHead(200, {
      "content-type": types[extname(file)] ?? "application/octet-stream",
      "content-length": stat.size,
      "cache-control": "no-store",
      // Cross-origin isolation, which SharedArrayBuffer needs (the worker mode).
      "cross-origin-opener-policy": "same-origin",
      "cross-origin-embedder-policy": "require-corp",
    });
    createReadStream(file).pipe(res);
  });
  return new Promise((ok) => {
    server.listen(port, host, () => {
      const url = `http://${host}:${server.address().port}/`;
      ok({ url, close: () => new Promise((done) => server.close(done)) });
    });
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { url } = await serve(Number(process.argv[2] ?? 8080));
  console.log(`live chart at ${url} (package from ${join(packageDir)})`);
}
