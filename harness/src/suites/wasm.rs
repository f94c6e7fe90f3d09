//! `wasm`: mmring's npm build in Node against JavaScript rings. The workloads are in
//! `harness/js/bench.mjs`; this suite finds the package, installs the JS peers
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
            process (not pinned).",
    run,
};

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
    let target = Target::faster(
        "wasm insertBatch in Node ≥ 1× the plain JS ring",
        1.0,
        body.group("wasm_f64_insert_batch"),
        |g| g.subjects().next(),
        |g| g.entry("plain JS Float64Array ring"),
        |m, j| format!("`wasm_f64_insert_batch`: {m:.1} ns vs {j:.1} ns per 64-value batch"),
    );
    body.targets.push(target);
    body.notes.push(format!(
        "Node {}; package {}. Every wasm call crosses the JS↔wasm boundary, and \
         insertBatch copies the Float64Array into wasm memory first.",
        parsed.node,
        package.display()
    ));
    body
}
