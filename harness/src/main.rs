//! The mmring benchmark harness.
//!
//! Placeholder: the side-by-side suites against peers are not built yet. Until they are,
//! `just bench` runs the criterion benches of `mmring-core` (`cargo bench -p mmring-core`).

fn main() {
    eprintln!(
        "mmring-harness: the side-by-side suites are not built yet; \
         run `just bench` for the criterion benches of mmring-core"
    );
    std::process::exit(2);
}
