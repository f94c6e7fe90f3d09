# mmring tasks. `just bench` and `just test` work on a fresh machine with only rustup,
# Node and `just`: each recipe installs the toolchain parts it needs.

set shell := ["bash", "-euo", "pipefail", "-c"]

# Pinned nightly for Miri (see shared/TOOLING.md: not every nightly ships miri).
miri_toolchain := "nightly-2026-05-20"

# Run the benchmarks (the criterion benches of mmring-core for now).
bench:
    cargo bench -p mmring-core --bench rings

# Every check CI runs.
test: fmt-check clippy test-workspace doc wasm-check miri loom

# Formatting.
fmt-check: components
    cargo fmt --all -- --check

# Lints on every target, warnings denied.
clippy: components
    cargo clippy --workspace --all-targets -- -D warnings

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

# Loom models of the shared ring's wait/notify protocol and of the SPSC record
# protocol (own target dir: --cfg loom rebuilds every dependency).
loom:
    RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR=target/loom cargo test -p mmring-core --release --test loom_shared --test loom_spsc
