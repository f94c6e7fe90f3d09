//! Helpers shared by the `shm*` integration tests: unique paths, self-checking
//! messages, and child processes that re-run the test binary in a given role.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use mmring_native::shm::{OpenError, ShmConfig, ShmConsumer};

/// Byte offsets in a ring file (the layout table of the `shm` module docs).
pub mod layout {
    /// Bytes before the data area: the header, then the control block inside it.
    pub const HEADER: usize = 1024;
    pub const CAPACITY: usize = 16;
    pub const WRITE_POS: usize = 512;
    pub const NEWEST: usize = 520;
    pub const WRITTEN: usize = 528;
    pub const READ_POS: usize = 640;
    pub const READ_SEQ: usize = 648;
    pub const READ: usize = 656;
    pub const OLDEST: usize = 768;
    pub const OLDEST_SEQ: usize = 776;
}

/// The environment variable that makes a re-run test binary act as a child.
pub const ROLE: &str = "MMRING_SHM_CHILD_ROLE";
/// The line a child prints once it is set up.
pub const READY: &str = "MMRING-CHILD-READY";

/// A fresh path for a ring file: on /dev/shm when there is one (as in production).
pub fn temp_path(name: &str) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let dir = PathBuf::from("/dev/shm");
    let dir = if dir.is_dir() {
        dir
    } else {
        std::env::temp_dir()
    };
    dir.join(format!(
        "mmring-test-{}-{}-{name}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ))
}

/// Removes the file at the end of a test, however it ends.
pub struct Cleanup(pub PathBuf);

impl Drop for Cleanup {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// A payload length in `min..=max` chosen by `seq`.
pub fn len_for(seq: u64, min: usize, max: usize) -> usize {
    min + (splitmix(seq ^ 0x5555) % (max - min + 1) as u64) as usize
}

/// Message `seq` with `payload` bytes between its sequence number (first 8 bytes) and
/// its checksum (last 8 bytes): `16 + payload` bytes in all.
pub fn make_message(seq: u64, payload: usize, out: &mut Vec<u8>) {
    out.clear();
    out.extend_from_slice(&seq.to_le_bytes());
    let mut state = splitmix(seq);
    while out.len() < 8 + payload {
        state = splitmix(state);
        let take = (8 + payload - out.len()).min(8);
        out.extend_from_slice(&state.to_le_bytes()[..take]);
    }
    let sum = fnv1a(out);
    out.extend_from_slice(&sum.to_le_bytes());
}

/// The sequence number of a message made by [`make_message`], if it is intact.
pub fn check_message(message: &[u8]) -> Result<u64, String> {
    if message.len() < 16 {
        return Err(format!("message of {} bytes is too short", message.len()));
    }
    let (body, sum) = message.split_at(message.len() - 8);
    let seq = u64::from_le_bytes(body[..8].try_into().unwrap());
    if fnv1a(body).to_le_bytes() != sum {
        return Err(format!("torn message: checksum mismatch (seq field {seq})"));
    }
    let mut expected = Vec::new();
    make_message(seq, message.len() - 16, &mut expected);
    if expected != message {
        return Err(format!(
            "message {seq} has the right checksum but wrong bytes"
        ));
    }
    Ok(seq)
}

/// Checks a stream of sequence numbers: strictly increasing (no duplicate, no
/// reordering), gaps counted.
#[derive(Debug, Default)]
pub struct SeqChecker {
    pub delivered: u64,
    pub gaps: u64,
    next: u64,
}

impl SeqChecker {
    pub fn see(&mut self, message: &[u8]) {
        let seq = check_message(message).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            seq >= self.next,
            "message {seq} after {}: duplicated or reordered",
            self.next.wrapping_sub(1)
        );
        self.gaps += seq - self.next;
        self.next = seq + 1;
        self.delivered += 1;
    }

    /// The sequence number expected next.
    pub fn next(&self) -> u64 {
        self.next
    }
}

/// Checks a consumer's counters while a producer races it: never more messages
/// waiting than `max_waiting`, and the messages accounted for (read + dropped) only
/// grow and never exceed the `sent` ones. (`dropped()` alone is a snapshot that can
/// briefly count a message the producer has announced evicting while the consumer
/// still reads it.)
#[derive(Debug)]
pub struct RacingCounters {
    pub max_waiting: usize,
    pub sent: u64,
    accounted: u64,
}

impl RacingCounters {
    pub fn new(max_waiting: usize, sent: u64) -> Self {
        Self {
            max_waiting,
            sent,
            accounted: 0,
        }
    }

    pub fn check(&mut self, rx: &ShmConsumer) {
        let waiting = rx.len();
        assert!(
            waiting <= self.max_waiting,
            "len {waiting} > {}",
            self.max_waiting
        );
        let accounted = rx.read() + rx.dropped();
        assert!(
            accounted >= self.accounted,
            "{accounted} < {}",
            self.accounted
        );
        assert!(
            accounted <= self.sent,
            "{accounted} accounted of {} sent",
            self.sent
        );
        self.accounted = accounted;
    }
}

/// A child process running the test binary's `entry` test in `role`.
pub struct ChildProc {
    pub child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
}

impl ChildProc {
    pub fn spawn(entry: &str, role: &str, envs: &[(&str, String)]) -> Self {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([entry, "--exact", "--nocapture", "--test-threads=1", "-q"])
            .env(ROLE, role)
            .envs(envs.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn the test binary as a child");
        let stdin = child.stdin.take();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        Self {
            child,
            stdin,
            stdout,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits for the child's ready line.
    pub fn wait_ready(&mut self) {
        let mut line = String::new();
        loop {
            line.clear();
            let n = self.stdout.read_line(&mut line).unwrap();
            assert!(n > 0, "child exited before it was ready");
            if line.trim() == READY {
                return;
            }
        }
    }

    /// Reads the child's output until a line starting with `prefix` (returned without
    /// its newline); `None` when the output ends first.
    pub fn line_starting(&mut self, prefix: &str) -> Option<String> {
        let mut line = String::new();
        loop {
            line.clear();
            if self.stdout.read_line(&mut line).ok()? == 0 {
                return None;
            }
            if line.starts_with(prefix) {
                return Some(line.trim_end().to_string());
            }
        }
    }

    /// Sends the go-ahead line to the child.
    pub fn go(&mut self) {
        let stdin = self.stdin.as_mut().expect("stdin still open");
        stdin.write_all(b"go\n").unwrap();
        stdin.flush().unwrap();
    }

    /// Closes the child's stdin (its signal to finish).
    pub fn close_stdin(&mut self) {
        self.stdin.take();
    }

    /// Waits for the child to exit and checks that it succeeded.
    pub fn wait_success(mut self) {
        self.stdin.take();
        let status = self.child.wait().unwrap();
        assert!(status.success(), "child failed: {status}");
    }

    /// Whether the child has exited (checking that it succeeded).
    pub fn exited(&mut self) -> bool {
        match self.child.try_wait().unwrap() {
            Some(status) => {
                assert!(status.success(), "child failed: {status}");
                true
            }
            None => false,
        }
    }
}

impl Drop for ChildProc {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// In the test binary re-run as a child: runs the function of the role the parent
/// named (see [`ChildProc::spawn`]). In a normal test run (no role) it does nothing.
pub fn play_role(roles: &[(&str, fn())]) {
    let Ok(role) = std::env::var(ROLE) else {
        return;
    };
    let (_, play) = roles
        .iter()
        .find(|(name, _)| *name == role)
        .unwrap_or_else(|| panic!("unknown role {role}"));
    play();
}

/// In a child: says it is ready, then waits for the parent's go-ahead line.
pub fn child_ready_then_wait_go() {
    println!("{READY}");
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).unwrap();
}

/// In a child: says it is ready.
pub fn child_ready() {
    println!("{READY}");
}

/// In a child: blocks until the parent closes our stdin.
pub fn child_wait_stdin_closed() {
    let mut sink = String::new();
    while std::io::stdin().read_line(&mut sink).unwrap_or(0) > 0 {}
}

/// An environment variable of the child's, parsed.
pub fn env<T: std::str::FromStr>(name: &str) -> T
where
    T::Err: std::fmt::Debug,
{
    std::env::var(name)
        .unwrap_or_else(|_| panic!("{name} not set"))
        .parse()
        .unwrap()
}

/// Opens a consumer, retrying while the file does not exist yet.
pub fn open_when_there(config: &ShmConfig, within: Duration) -> ShmConsumer {
    let deadline = Instant::now() + within;
    loop {
        match ShmConsumer::open(config) {
            Ok(consumer) => return consumer,
            Err(OpenError::Missing { .. }) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(1));
            }
            Err(e) => panic!("open {}: {e}", config.path.display()),
        }
    }
}

/// The number of messages the stress tests send per ring size.
pub fn stress_messages(default: u64) -> u64 {
    std::env::var("MMRING_SHM_STRESS_MESSAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}
