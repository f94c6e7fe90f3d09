//! The wasm-bindgen-test suite, run in Node (`cargo test -p mmring-wasm --target
//! wasm32-unknown-unknown`; the runner is set in `.cargo/config.toml`).
#![cfg(target_arch = "wasm32")]

mod suite;
