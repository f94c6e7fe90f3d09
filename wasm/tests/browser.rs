//! The wasm-bindgen-test suite, run in headless Chromium through chromedriver (same
//! command as the Node suite; this file is the one marked `run_in_browser`).
#![cfg(target_arch = "wasm32")]

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

mod suite;
