//! Tests of `mmring_native::ipc` through its public API, one module per concern.
#![cfg(feature = "ipc")]

mod asynchronous;
mod config;
mod flow;
mod roundtrip;
mod size_limit;
mod support;
mod topology;
