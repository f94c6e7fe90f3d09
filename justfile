# mmring tasks. `just bench` and `just test` work on a fresh machine with only rustup,
# Node and `just`: each recipe installs the toolchain parts it needs.

set shell := ["bash", "-euo", "pipefail", "-c"]

# Must equal the `wasm-bindgen = "=…"` pin in wasm/Cargo.toml.
wasm_bindgen_version := "0.2.129"

# Pinned nightly for Miri and cargo-fuzz (not every nightly ships miri).
miri_toolchain := "nightly-2026-05-20"

# The side-by-side suites against the peers; writes reports/ (README.md, SVG charts,
# results.json/csv). Builds the npm package first for the wasm suite.
bench: npm
    cargo run --release -p mmring-harness

# Every suite briefly (seconds each) into target/: proves the harness works in CI; the
# numbers mean nothing.
bench-quick: npm
    cargo run --release -p mmring-harness -- --quick --out target/reports-quick

# The criterion micro-benches of mmring-core's rings.
bench-core:
    cargo bench -p mmring-core --bench rings

# Every check CI runs.
test: fmt-check clippy test-workspace doc wasm-check wasm-test shared-ring-test npm-test example-test miri loom interop hostile fuzz-shm

# Formatting.
fmt-check: components
    cargo fmt --all -- --check

# Lints on every target, warnings denied.
clippy: components
    cargo clippy --workspace --all-targets -- -D warnings
    cargo clippy -p mmring-native --all-targets --features interop-tests -- -D warnings

# Unit, integration and doc tests of the workspace; benches run once as tests.
test-workspace:
    cargo test --workspace
    cargo test -p mmring-core --benches

# API docs, warnings denied.
doc:
    RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps

# The portable crates must build for the browser target.
wasm-check:
    rustup target add wasm32-unknown-unknown
    cargo build -p mmring-core -p mmring-wasm --target wasm32-unknown-unknown

# Miri on the core crate's unit and integration tests (doctests run natively above).
miri:
    rustup toolchain install {{miri_toolchain}} --profile minimal --component miri,rust-src
    cargo +{{miri_toolchain}} miri setup
    MIRIFLAGS="-Zmiri-disable-isolation" cargo +{{miri_toolchain}} miri test -p mmring-core --lib --tests

# rustfmt and clippy on the stable toolchain (no-ops when present).
components:
    rustup component add rustfmt clippy

# Loom models of the shared ring's wait/notify protocol, the SPSC record protocol and
# the split halves (own target dir: --cfg loom rebuilds every dependency).
loom:
    RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR=target/loom cargo test -p mmring-core --release --test loom_shared --test loom_spsc --test loom_split --test loom_broadcast

# Interop of the ipc ring with a real Python pyzmq peer (a venv under target/).
interop:
    python3 -m venv target/pyvenv
    target/pyvenv/bin/pip install --quiet pyzmq
    MMRING_PYTHON="{{justfile_directory()}}/target/pyvenv/bin/python" cargo test -p mmring-native --features interop-tests --test ipc_interop

# Tools of the wasm tests and the npm package: wasm target, pinned wasm-bindgen CLI,
# Debian chromium + chromedriver, and the JS dependencies of wasm/tests/js (TypeScript,
# playwright-core, binaryen's wasm-opt). Each only if missing; `npm ci` only when
# node_modules is missing or older than package-lock.json.
wasm-tools:
    rustup target add wasm32-unknown-unknown
    if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen {{wasm_bindgen_version}}" ]; then \
        cargo install wasm-bindgen-cli --version {{wasm_bindgen_version}} --locked; \
    fi
    if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then \
        apt-get update && apt-get install -y --no-install-recommends chromium chromium-driver; \
    fi
    cd wasm/tests/js && if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then \
        npm ci --no-audit --no-fund; \
    fi

# wasm-bindgen-test suites: tests/browser.rs in headless Chromium, tests/node.rs in Node.
wasm-test: wasm-tools
    cargo test -p mmring-wasm --target wasm32-unknown-unknown
    cargo clippy -p mmring-wasm --all-targets --target wasm32-unknown-unknown -- -D warnings

# SharedRing (`mmring/shared`, wasm/npm/shared-ring.js) in Node with worker_threads:
# its errors, both policies, producer and consumer workers, Atomics.wait/waitAsync.
# (`cargo test` runs its differential test against mmring_core::spsc.)
shared-ring-test:
    node --test --test-concurrency=1 wasm/tests/js/shared-ring.test.mjs

# Build the npm package `mmring` (nodejs, web, bundler) into target/npm/mmring, each
# wasm optimised by binaryen's wasm-opt, and pack it to target/npm/mmring-<version>.tgz.
npm: wasm-tools
    node wasm/npm/build.mjs

# The packed tarball installed into a temp project and used from CommonJS, ESM, the web
# and bundler builds, and type-checked with tsc.
npm-test: wasm-tools
    node --test --test-concurrency=1 wasm/tests/js/package.test.mjs

# The live-chart example in headless Chromium (playwright-core, /usr/bin/chromium):
# reported ring state, non-blank canvas; screenshots in target/e2e/.
example-test: wasm-tools
    node --test --test-concurrency=1 wasm/tests/js/live-chart.test.mjs

# The tests of hostile shared memory (random control words, scribbling and crashing
# peers, saved fuzz inputs) optimised but with overflow checks and debug assertions on
# (the `hostile` profile), so that an overflow on a hostile value panics.
hostile:
    cargo test --profile hostile -p mmring-core --lib --test spsc
    cargo test --profile hostile -p mmring-native --no-default-features --test shm_hostile --test shm_proptest --test shm_files --test shm_fuzz_regressions
    MMRING_SHM_STRESS_MESSAGES=10000000 cargo test --profile hostile -p mmring-native --no-default-features --test shm_broadcast

# Fuzz the shm ring-file reader: arbitrary bytes as a ring file through ShmConsumer::open
# and every read call, built with overflow checks and debug assertions. Each input must
# return within `-timeout` seconds, so a hang fails the run at once (libFuzzer checks
# `-max_total_time` only between inputs). The saved regressions seed the corpus; build,
# corpus and crash artifacts go under target/, and a stale native/fuzz/Cargo.lock stops
# the run instead of being rewritten, so the work tree stays as it was. Installs the
# nightly and cargo-fuzz when missing.
fuzz-shm seconds="15":
    rustup toolchain install {{miri_toolchain}} --profile minimal
    command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --version 0.13.2 --locked
    cargo +{{miri_toolchain}} metadata --locked --format-version 1 --manifest-path native/fuzz/Cargo.toml > /dev/null \
        || { echo "native/fuzz/Cargo.lock is out of date: run 'cargo +{{miri_toolchain}} metadata --format-version 1 --manifest-path native/fuzz/Cargo.toml > /dev/null' and commit it" >&2; exit 1; }
    mkdir -p target/fuzz/corpus target/fuzz/artifacts
    cd native && cargo +{{miri_toolchain}} fuzz run --debug-assertions --target-dir "{{justfile_directory()}}/target/fuzz/build" \
        open_consume "{{justfile_directory()}}/target/fuzz/corpus" fuzz/regressions/open_consume \
        -- -max_total_time={{seconds}} -timeout=10 -artifact_prefix="{{justfile_directory()}}/target/fuzz/artifacts/"

# The full shm stress of issue 4: 10^7 messages per run, release build
# (`cargo test` runs a shorter flood).
stress-shm messages="10000000":
    MMRING_SHM_STRESS_MESSAGES={{messages}} cargo test --release -p mmring-native --test shm_multiprocess --test shm_defects -- --nocapture
