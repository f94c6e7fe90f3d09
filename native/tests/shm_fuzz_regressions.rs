//! Every input saved in `native/fuzz/regressions/open_consume/` (inputs on which the
//! `open_consume` fuzz target once failed) replayed exactly as the fuzzer ran it, each
//! bounded in time: a call that does not return within the bound fails the test.
#![cfg(unix)]

mod shm_common;

use std::path::PathBuf;
use std::sync::mpsc;
use std::time::Duration;

#[path = "../fuzz/common/ring_file.rs"]
mod ring_file;

/// Far more than any input needs (milliseconds); a hang fails here, not in CI's budget.
const BOUND: Duration = Duration::from_secs(20);

#[test]
#[cfg_attr(miri, ignore)]
fn saved_fuzz_inputs_return_promptly() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions/open_consume");
    let mut inputs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("the regressions folder exists")
        .map(|entry| entry.expect("readable folder").path())
        .collect();
    inputs.sort();
    assert!(!inputs.is_empty(), "no saved inputs in {}", dir.display());
    for input in inputs {
        let data = std::fs::read(&input).expect("readable input");
        let path = shm_common::temp_path("fuzz-replay");
        let _cleanup = shm_common::Cleanup(path.clone());
        let (done, finished) = mpsc::channel();
        std::thread::spawn(move || {
            ring_file::exercise(&path, &data);
            let _ = done.send(());
        });
        match finished.recv_timeout(BOUND) {
            Ok(()) => {}
            Err(mpsc::RecvTimeoutError::Timeout) => {
                panic!("{} did not return within {BOUND:?}", input.display())
            }
            // The thread panicked: its message is printed above.
            Err(mpsc::RecvTimeoutError::Disconnected) => panic!("{} panicked", input.display()),
        }
    }
}
