//! `wasm`: mmring's npm build in Node against JavaScript rings. The workloads are in
//! `harness/js/bench.mjs` (and the worker-thread ring in `harness/js/workers.mjs`);
//! this suite finds the package, installs the JS peers
//! (`npm ci` in `harness/js`, from its committed lock file) when missing, runs the
//! script and reads its JSON.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde::Deserialize;

use super::{Body, Ctx, SuiteDef};
use crate::results::{Group, Target};

/// The suite.
pub const SUITE: SuiteDef = SuiteDef {
    name: "wasm",
    title: "WebAssembly in Node",
    about: "The npm package `mmring` (NumericRingBuffer, dtype f64, the wasm build for \
            Node) against a plain JavaScript Float64Array ring, `denque` and `ringbuf.js` \
            (both with eviction by hand), measured by harness/js/bench.mjs in one Node \
            process (not pinned); and its SharedRing (`mmring/shared`) carrying 64-byte \
            messages between two worker threads against ringbuf.js and postMessage.",
    run,
};

/// The peers the targets compare with, as `bench.mjs` and `workers.mjs` name them.
const JS_RING: &str = "plain JS Float64Array ring";
const DENQUE: &str = "denque (manual eviction)";
const RINGBUF_JS: &str = "ringbuf.js";
const POST_MESSAGE: &str = "postMessage (MessageChannel)";

/// What `bench.mjs` prints.
#[derive(Deserialize)]
struct Output {
    node: String,
    groups: Vec<Group>,
}

/// The built npm package: `$MMRING_NPM_PACKAGE`, else `target/npm/mmring` (where
/// `just npm` puts it).
fn package_dir(root: &Path) -> PathBuf {
    std::env::var_os("MMRING_NPM_PACKAGE")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target").join("npm").join("mmring"))
}

fn run(ctx: &Ctx) -> Body {
    let package = package_dir(&ctx.root);
    if !package.join("node").join("mmring.cjs").is_file() {
        return Body::skipped(format!(
            "package not built (run just npm): no {}",
            package.join("node/mmring.cjs").display()
        ));
    }
    let js = ctx.root.join("harness").join("js");
    if !js.join("node_modules").join("denque").is_dir()
        || !js.join("node_modules").join("ringbuf.js").is_dir()
    {
        ctx.step("installing the JS peers (npm ci in harness/js)");
        let status = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&js)
            .stdout(Stdio::null())
            .status();
        if !matches!(status, Ok(s) if s.success()) {
            return Body::skipped(
                "JS peers not installed: `npm ci` in harness/js failed (is npm on PATH?)",
            );
        }
    }
    ctx.step("node harness/js/bench.mjs");
    let mut cmd = Command::new("node");
    cmd.arg(js.join("bench.mjs")).arg(&package);
    if ctx.settings.quick {
        cmd.arg("--quick");
    }
    let output = match cmd.stderr(Stdio::inherit()).output() {
        Ok(o) if o.status.success() => o,
        Ok(o) => return Body::skipped(format!("bench.mjs failed: {}", o.status)),
        Err(e) => return Body::skipped(format!("node not runnable: {e}")),
    };
    let parsed: Output = match serde_json::from_slice(&output.stdout) {
        Ok(p) => p,
        Err(e) => return Body::skipped(format!("bench.mjs printed no valid JSON: {e}")),
    };
    let mut body = Body {
        groups: parsed.groups,
        ..Body::default()
    };
    // The targets of issue 15, each mmring's median against one peer's.
    let targets = [
        (
            "wasm insert in Node within 3× of the plain JS ring",
            1.0 / 3.0,
            "wasm_f64_insert",
            JS_RING,
            "per insert",
        ),
        (
            "wasm insert in Node ≥ 1× denque",
            1.0,
            "wasm_f64_insert",
            DENQUE,
            "per insert",
        ),
        (
            "wasm insertBatch in Node ≥ 1× the plain JS ring",
            1.0,
            "wasm_f64_insert_batch",
            JS_RING,
            "per 64-value batch",
        ),
        (
            "wasm view() of the full window in Node ≥ 5× the plain JS ring's copy",
            5.0,
            "wasm_f64_view",
            JS_RING,
            "per window (view() vs unwrapped())",
        ),
    ];
    for (text, threshold, group, peer, per) in targets {
        let target = Target::faster(
            text,
            threshold,
            body.group(group),
            |g| g.subjects().next(),
            |g| g.entry(peer),
            |m, p| format!("`{group}`: {m:.1} ns vs {p:.1} ns {per}"),
        );
        body.targets.push(target);
    }
    // Issue 15's worker ring: 64-byte messages between two worker threads, messages/s.
    for (text, threshold, peer) in [
        (
            "wasm SharedRing between two Node workers ≥ 2× ringbuf.js",
            2.0,
            RINGBUF_JS,
        ),
        (
            "wasm SharedRing between two Node workers ≥ 10× postMessage",
            10.0,
            POST_MESSAGE,
        ),
    ] {
        let group = "wasm_worker_ring";
        let target = Target::faster(
            text,
            threshold,
            body.group(group),
            |g| g.subjects().next(),
            |g| g.entry(peer),
            |m, p| {
                format!(
                    "`{group}`: {:.2} vs {:.2} M messages/s (64 bytes each)",
                    m / 1e6,
                    p / 1e6
                )
            },
        );
        body.targets.push(target);
    }
    body.notes.push(format!(
        "Node {}; package {}. mmring's hot methods (insert, insertBatch, length, \
         peekLeft/peekRight, get/at, view) are the package's fast paths (wasm/npm/fast.js): \
         one call into wasm with plain numbers each. insertBatch makes room with one \
         call into wasm, which says where the values go, and copies the Float64Array \
         straight into the ring's storage with one TypedArray set. view() rotates the storage only when the window wraps (on the \
         first call here); the JS rings' windows are copies. The worker ring \
         (harness/js/workers.mjs): fresh producer and consumer worker threads per \
         run, released together, both spinning (ringbuf.js has no wait); the \
         consumer checks every message's number and times the stream.",
        parsed.node,
        package.display()
    ));
    body
}
