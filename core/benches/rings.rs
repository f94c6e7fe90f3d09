//! Criterion benches of the core rings (placeholder).
fn main() {}
