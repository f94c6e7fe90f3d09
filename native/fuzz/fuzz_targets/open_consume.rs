//! Arbitrary bytes as a ring file: `ShmConsumer::open` and every read call must return
//! (a message or a typed error), never panic, hang or fault. `common/ring_file.rs`
//! says how an input becomes a file and a list of calls.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

#[path = "../common/ring_file.rs"]
mod ring_file;

fn path() -> &'static PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        let dir = PathBuf::from("/dev/shm");
        let dir = if dir.is_dir() {
            dir
        } else {
            std::env::temp_dir()
        };
        dir.join(format!("mmring-fuzz-{}", std::process::id()))
    })
}

fuzz_target!(|data: &[u8]| ring_file::exercise(path(), data));
