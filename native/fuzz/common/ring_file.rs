//! How the `open_consume` fuzz target turns its input into a ring file and a list of
//! read calls, and makes them. Shared (by `#[path]`) with
//! `native/tests/shm_fuzz_regressions.rs`, which replays every saved input exactly as
//! the fuzzer ran it, and with `native/tests/shm_proptest.rs`, which corrupts real
//! ring files.
//!
//! The first input byte picks how the rest becomes a file: odd values write it as
//! is; even values make it the body of a file with a valid-looking header (magic,
//! version, header size, a capacity of 32 << (byte 1 % 8), policy, largest message)
//! so that the fuzzer spends its time on the indices and records rather than on
//! guessing the magic number.

use std::path::Path;
use std::time::Duration;

use mmring_native::shm::{ShmConfig, ShmConsumer};

/// Bytes before the data area (see the layout table of the `shm` module docs).
const HEADER: usize = 1024;

/// Where byte `at` of an input's compact view of a ring file lands in the file: the
/// view is the header's first line (128 bytes), the control block (384 bytes), then
/// the data area, without the header lines that only carry clock stamps and the futex
/// word. (It is the layout the saved inputs were found with, so they replay as found.)
fn spread(at: usize) -> usize {
    const CONTROL: usize = 512;
    match at {
        0..128 => at,
        128..512 => at - 128 + CONTROL,
        _ => at - 512 + HEADER,
    }
}

/// The ring file an input describes.
pub fn file_from(data: &[u8]) -> Vec<u8> {
    let Some((&mode, rest)) = data.split_first() else {
        return Vec::new();
    };
    if mode & 1 == 1 || rest.len() < 2 {
        return rest.to_vec();
    }
    let capacity = 32usize << (rest[0] % 8);
    let policy: u32 = if mode & 2 == 0 { 1 } else { 2 };
    let mut file = vec![0u8; HEADER + capacity];
    // Header fields stay as given when mode bit 2 is set (then only the shape is kept).
    for (i, b) in rest[2..].iter().enumerate() {
        let at = spread(if mode & 4 == 0 { 48 + i } else { i });
        if at < file.len() {
            file[at] = *b;
        }
    }
    let max = if rest[1] & 1 == 0 {
        (capacity / 2 - 16) as u64
    } else {
        u64::from(rest[1]) % (capacity as u64 / 2 - 15)
    };
    file[0..8].copy_from_slice(b"MMRINGSH");
    file[8..12].copy_from_slice(&2u32.to_ne_bytes()); // the layout version
    file[12..16].copy_from_slice(&(HEADER as u32).to_ne_bytes());
    file[16..24].copy_from_slice(&(capacity as u64).to_ne_bytes());
    file[24..32].copy_from_slice(&max.to_ne_bytes());
    file[32..36].copy_from_slice(&policy.to_ne_bytes());
    file
}

/// Writes the file `data` describes at `path`, opens it as a consumer and makes the
/// read calls `data` asks for (its bytes after the first, then one of each call, 64 at
/// most). Every call must return; what it returns does not matter.
pub fn exercise(path: &Path, data: &[u8]) {
    let ops = data.get(1..).unwrap_or_default();
    let calls = ops.iter().chain([0u8, 1, 2, 3, 4, 5].iter()).take(64);
    let calls = calls.enumerate().map(|(round, op)| op ^ round as u8);
    exercise_file(path, &file_from(data), calls);
}

/// Writes `file` at `path`, opens it as a consumer and makes the read call each of
/// `calls` names (its value modulo 6), checking state between calls, then removes the
/// file. Every call must return; what it returns does not matter.
pub fn exercise_file(path: &Path, file: &[u8], calls: impl Iterator<Item = u8>) {
    std::fs::write(path, file).expect("the ring directory is writable");
    let config = ShmConfig::at_path(path, 0).with_open_timeout(Duration::ZERO);
    if let Ok(mut rx) = ShmConsumer::open(&config) {
        let _ = (rx.len(), rx.dropped(), rx.read(), rx.creator());
        for call in calls {
            let _ = match call % 6 {
                0 => rx.try_consume().map(drop),
                1 => rx.peekleft().map(drop),
                2 => rx.peekright().map(drop),
                3 => rx.consume_timeout(Duration::ZERO).map(drop),
                4 => rx.try_consume_packed().map(drop),
                _ => rx.consume_all().map(drop),
            };
            let _ = (rx.len(), rx.dropped(), rx.latest_insert_time_ns());
        }
    }
    let _ = std::fs::remove_file(path);
}
