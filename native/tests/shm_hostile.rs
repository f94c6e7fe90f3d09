//! Peers that crash at the wrong moment or scribble on the ring, and the file-level
//! guards: consumers killed at random instants, a third process writing random bytes
//! into a live ring, hostile numbers in the control block, a second consumer, ring
//! names that try to leave the ring directory, and a file system without room.
//!
//! The test binary re-runs itself as the child processes (see `child_entry`). Run it in
//! the `hostile` profile too (`cargo test --profile hostile -p mmring-native --test
//! shm_hostile`): optimised, with overflow checks and debug assertions on.
#![cfg(unix)]

mod shm_common;

use std::os::unix::fs::FileExt;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use mmring_native::shm::{
    ConfigError, ConsumeError, InsertError, MAX_NAME_LEN, OpenError, ShmConfig, ShmConsumer,
    ShmProducer,
};
use mmring_native::spsc::Policy;
use shm_common::*;

const ENTRY: &str = "child_entry";

/// The child's side of every test here; a no-op in a normal test run.
#[test]
fn child_entry() {
    play_role(&[
        ("consumer", consumer_child),
        ("holder", holder_child),
        ("scribbler", scribbler_child),
        ("nospace", nospace_child),
    ]);
}

/// Consumes as fast as it can until killed, checking that sequence numbers (the first
/// 8 bytes of each message) only grow. Any error (a `Corrupt` left by a killed
/// predecessor, say) fails the child, which the parent sees.
fn consumer_child() {
    let config = ShmConfig::at_path(env::<String>("RING_PATH"), 0);
    let mut rx = ShmConsumer::open(&config).unwrap_or_else(|e| panic!("open: {e}"));
    child_ready();
    let mut buf = Vec::with_capacity(64);
    let mut last = None;
    loop {
        match rx.consume_into(&mut buf) {
            Ok(true) => {
                let seq = u64::from_le_bytes(buf[..8].try_into().unwrap());
                assert!(last.is_none_or(|l| seq > l), "{seq} after {last:?}");
                last = Some(seq);
            }
            Ok(false) => std::hint::spin_loop(),
            Err(e) => panic!("consume after {last:?}: {e}"),
        }
    }
}

/// Holds the ring's consumer until its stdin closes.
fn holder_child() {
    let config = ShmConfig::at_path(env::<String>("RING_PATH"), 0);
    let _rx = ShmConsumer::open(&config).unwrap();
    child_ready();
    child_wait_stdin_closed();
}

/// Writes random bytes at random offsets of the ring file until its stdin closes,
/// mostly into the control block, sometimes anywhere.
fn scribbler_child() {
    let path = env::<String>("RING_PATH");
    let len: u64 = env("FILE_LEN");
    let file = std::fs::OpenOptions::new().write(true).open(path).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let stopper = Arc::clone(&stop);
    std::thread::spawn(move || {
        child_wait_stdin_closed();
        stopper.store(true, Ordering::Relaxed);
    });
    child_ready();
    let mut state = std::process::id() as u64 | 1;
    let mut random = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    while !stop.load(Ordering::Relaxed) {
        let r = random();
        let at = if r % 4 == 0 {
            r % (len - 8)
        } else {
            (layout::WRITE_POS as u64)
                + (r >> 8) % (layout::OLDEST_SEQ + 8 - layout::WRITE_POS) as u64
        };
        let value = match random() % 4 {
            0 => u64::MAX - random() % 64,
            1 => random() % 4096,
            _ => random(),
        };
        let _ = file.write_at(&value.to_ne_bytes(), at);
        if r % 64 == 0 {
            std::thread::sleep(Duration::from_micros(50));
        }
    }
}

/// Mounts a 256 KiB tmpfs on `DIR` (as root, or as root of a new user namespace) and
/// fills it with rings until one does not fit; prints what `create` said.
fn nospace_child() {
    let dir = PathBuf::from(env::<String>("DIR"));
    let source = c"tmpfs";
    let target = std::ffi::CString::new(dir.as_os_str().as_encoded_bytes()).unwrap();
    let options = c"size=256k";
    // SAFETY: every pointer is a valid NUL-terminated string that outlives the call.
    let mounted = unsafe {
        libc::mount(
            source.as_ptr(),
            target.as_ptr(),
            source.as_ptr(),
            0,
            options.as_ptr().cast(),
        )
    };
    assert_eq!(mounted, 0, "mount: {}", std::io::Error::last_os_error());
    // Two rings of 128 KiB + their headers cannot both fit 256 KiB: the second must be
    // refused.
    let first = ShmConfig::at_path(dir.join("first"), 1 << 17);
    let _first = ShmProducer::create(&first).unwrap();
    let second = ShmConfig::at_path(dir.join("second"), 1 << 17);
    match ShmProducer::create(&second) {
        Err(OpenError::NoSpace { path, needed }) => {
            assert_eq!(
                (path, needed),
                (second.path.clone(), (1 << 17) + layout::HEADER as u64)
            );
            let leftovers: Vec<_> = std::fs::read_dir(&dir)
                .unwrap()
                .map(|e| e.unwrap().file_name())
                .collect();
            assert_eq!(leftovers, ["first"], "nothing left behind");
            println!("NOSPACE-OK");
        }
        other => panic!("expected NoSpace, got {other:?}"),
    }
}

/// A producer thread that writes numbered 24-byte messages as fast as it can until
/// told to stop, retrying while the ring is full, so that the consumer always finds
/// one; it fails if the ring stays full for `wedged` (nobody could free it).
struct Flood {
    stop: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<ShmProducer>,
}

impl Flood {
    fn start(mut tx: ShmProducer, wedged: Duration) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            let mut message = [7u8; 24];
            let mut progress = Instant::now();
            let mut seq = tx.written();
            while !stopping.load(Ordering::Relaxed) {
                message[..8].copy_from_slice(&seq.to_le_bytes());
                match tx.insert(&message) {
                    Ok(()) => {
                        seq += 1;
                        progress = Instant::now();
                    }
                    Err(InsertError::Full) => {
                        assert!(progress.elapsed() < wedged, "ring wedged at message {seq}");
                        std::hint::spin_loop();
                    }
                    Err(e) => panic!("insert {seq}: {e}"),
                }
            }
            tx
        });
        Self { stop, thread }
    }

    fn stop(self) -> ShmProducer {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.join().expect("the producer thread failed")
    }
}

/// A consumer killed at random instants, over and over, while the producer floods a
/// lossless ring: every successor opens at once (the lock died with its holder), reads
/// on without an error (never a `Corrupt` left by its predecessor's half-published
/// progress), and the producer is never wedged. At the end every message written was
/// read or, for the one message in flight at a kill, counted as dropped.
#[test]
#[cfg_attr(miri, ignore)]
fn consumers_killed_at_random_instants_leave_a_resumable_ring() {
    let path = temp_path("kill-consumers");
    let _clean = Cleanup(path.clone());
    let config = ShmConfig::at_path(&path, 4096).with_policy(Policy::Reject);
    let flood = Flood::start(
        ShmProducer::create(&config).unwrap(),
        Duration::from_secs(20),
    );
    let kills = 300u32;
    for kill in 0..kills {
        let mut child = ChildProc::spawn(
            ENTRY,
            "consumer",
            &[("RING_PATH", path.display().to_string())],
        );
        child.wait_ready();
        std::thread::sleep(Duration::from_micros(100 + u64::from(kill * 7919 % 1000)));
        // SAFETY: `kill` on the pid of our own child, which has not been reaped.
        unsafe { libc::kill(child.pid() as libc::pid_t, libc::SIGKILL) };
        let status = child.child.wait().unwrap();
        assert_eq!(
            status.signal(),
            Some(libc::SIGKILL),
            "consumer {kill} failed before it was killed: {status}"
        );
    }
    let tx = flood.stop();
    let mut rx = ShmConsumer::open(&config).expect("the last consumer's lock died with it");
    let mut last = None;
    for message in rx.consume_all().unwrap() {
        let seq = u64::from_le_bytes(message[..8].try_into().unwrap());
        assert!(last.is_none_or(|l| seq > l), "{seq} after {last:?}");
        last = Some(seq);
    }
    assert_eq!(rx.len(), 0);
    assert_eq!(rx.read() + rx.dropped(), tx.written());
    assert!(rx.dropped() <= u64::from(kills), "dropped {}", rx.dropped());
}

/// A third process writes random bytes into a live ring (control block and data)
/// while a producer and a consumer run: neither may panic (overflow checks are on in
/// test builds); each call returns a value or a typed error.
#[test]
#[cfg_attr(miri, ignore)]
fn a_third_process_scribbling_on_a_live_ring_panics_nobody() {
    for policy in [Policy::DropOldest, Policy::Reject] {
        let path = temp_path("scribbled");
        let _clean = Cleanup(path.clone());
        let config = ShmConfig::at_path(&path, 1024).with_policy(policy);
        let mut tx = ShmProducer::create(&config).unwrap();
        let mut rx = ShmConsumer::open(&config).unwrap();
        let mut scribbler = ChildProc::spawn(
            ENTRY,
            "scribbler",
            &[
                ("RING_PATH", path.display().to_string()),
                ("FILE_LEN", (1024 + layout::HEADER).to_string()),
            ],
        );
        scribbler.wait_ready();
        let writer = std::thread::spawn(move || {
            let mut message = Vec::new();
            for seq in 0..200_000u64 {
                make_message(seq, len_for(seq, 0, 100), &mut message);
                let _ = tx.insert(&message);
                let _ = tx.insert_batch(&[b"a", b"bc"]);
                let _ = (tx.len(), tx.dropped(), tx.is_empty());
            }
        });
        let mut buf = Vec::new();
        while !writer.is_finished() {
            let _ = rx.consume_into(&mut buf);
            let _ = rx.peekright();
            let _ = rx.peekleft();
            let _ = rx.consume_all();
            let _ = rx.try_consume_packed();
            let _ = rx.consume_timeout(Duration::from_micros(10));
            let _ = (rx.len(), rx.dropped(), rx.read(), rx.is_empty());
        }
        writer.join().expect("the producer panicked");
        scribbler.wait_success();
    }
}

/// Hostile numbers written into the file: a `newest` near `u64::MAX` (once a panic in
/// `peekright`, or an unrelated message in a release build) is `Corrupt`; counters
/// near `u64::MAX` give saturated `dropped` counts on both sides, not an overflow.
#[test]
#[cfg_attr(miri, ignore)]
fn hostile_numbers_in_the_file_are_errors_not_panics() {
    let path = temp_path("hostile-numbers");
    let _clean = Cleanup(path.clone());
    let config = ShmConfig::at_path(&path, 4096);
    let mut tx = ShmProducer::create(&config).unwrap();
    let mut rx = ShmConsumer::open(&config).unwrap();
    tx.insert_batch(&[b"first", b"second"]).unwrap();
    let file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    let poke = |at: usize, value: u64| file.write_at(&value.to_ne_bytes(), at as u64).unwrap();

    poke(layout::NEWEST, u64::MAX - 7);
    assert!(
        matches!(rx.peekright(), Err(ConsumeError::Corrupt(_))),
        "{:?}",
        rx.peekright()
    );
    poke(layout::NEWEST, 24);
    assert_eq!(rx.peekright().unwrap(), Some(b"second".to_vec()));

    poke(layout::READ_SEQ, u64::MAX);
    poke(layout::READ, 0);
    poke(layout::OLDEST_SEQ, u64::MAX);
    assert_eq!(tx.dropped(), u64::MAX);
    let _ = rx.dropped();
    poke(layout::WRITTEN, u64::MAX);
    let _ = (rx.len(), tx.len(), rx.try_consume());
    drop(rx);
    // A consumer opening onto counters no stream can have refuses with a typed error.
    match ShmConsumer::open(&config) {
        Err(OpenError::Layout { .. }) => {}
        other => panic!("expected a layout error, got {other:?}"),
    }
}

/// One consumer at a time: a second one, in this process or another, is refused with
/// the pid of the first; the lock dies with its holder, so a successor attaches at
/// once after a crash.
#[test]
#[cfg_attr(miri, ignore)]
fn a_second_consumer_is_refused_until_the_first_is_gone() {
    for policy in [Policy::Reject, Policy::DropOldest] {
        let path = temp_path("exclusive");
        let _clean = Cleanup(path.clone());
        let config = ShmConfig::at_path(&path, 4096).with_policy(policy);
        let mut tx = ShmProducer::create(&config).unwrap();
        tx.insert(b"kept for the one consumer").unwrap();

        let first = ShmConsumer::open(&config).unwrap();
        match ShmConsumer::open(&config) {
            Err(OpenError::ConsumerInUse { pid, path: p }) => {
                assert_eq!((pid, p), (std::process::id(), path.clone()));
            }
            other => panic!("{policy:?}: expected ConsumerInUse, got {other:?}"),
        }
        let err = ShmConsumer::open(&config).unwrap_err();
        assert!(err.to_string().contains("already has a consumer"), "{err}");
        drop(first);

        let mut holder = ChildProc::spawn(
            ENTRY,
            "holder",
            &[("RING_PATH", path.display().to_string())],
        );
        holder.wait_ready();
        match ShmConsumer::open(&config) {
            Err(OpenError::ConsumerInUse { pid, .. }) => assert_eq!(pid, holder.pid()),
            other => panic!("{policy:?}: expected ConsumerInUse, got {other:?}"),
        }
        holder.child.kill().unwrap();
        holder.child.wait().unwrap();
        let mut rx = ShmConsumer::open(&config).expect("the dead holder's lock is gone");
        assert_eq!(
            rx.try_consume().unwrap(),
            Some(b"kept for the one consumer".to_vec())
        );
    }
}

fn bad_name(name: &str) -> &'static str {
    let config = ShmConfig::new(name, 4096);
    let reason = match ShmProducer::create(&config) {
        Err(OpenError::Config(ConfigError::BadName { name: n, reason })) => {
            assert_eq!(n, name);
            reason
        }
        other => panic!("{name:?}: expected BadName, got {other:?}"),
    };
    assert!(
        matches!(
            ShmConsumer::open(&config),
            Err(OpenError::Config(ConfigError::BadName { .. }))
        ),
        "{name:?}: open must refuse it too"
    );
    reason
}

/// A name is one path component of `[A-Za-z0-9._-]`, not `.` or `..`, at most 248
/// bytes; anything else is `BadName` before any file is touched, so a name can never
/// reach outside `/dev/shm`, and every name accepted can be created.
#[test]
#[cfg(target_os = "linux")]
#[cfg_attr(miri, ignore)]
fn ring_names_stay_inside_the_ring_directory() {
    // The escape that was reported: it worked whenever /dev/shm/mmring-x existed.
    let decoy = PathBuf::from(format!("/dev/shm/mmring-x{}", std::process::id()));
    std::fs::create_dir_all(&decoy).unwrap();
    let escape = format!("x{}/../../../../tmp/mmring-escape", std::process::id());
    assert_eq!(
        bad_name(&escape),
        "it has a character other than A-Z a-z 0-9 . _ -"
    );
    assert!(!Path::new("/tmp/mmring-escape").exists());
    std::fs::remove_dir(&decoy).unwrap();

    assert_eq!(bad_name(""), "it is empty");
    assert_eq!(bad_name("."), "it names a directory");
    assert_eq!(bad_name(".."), "it names a directory");
    for name in ["a/b", "a b", "tick\0", "ü", "a\\b", "*"] {
        bad_name(name);
    }
    assert_eq!(
        bad_name(&"n".repeat(MAX_NAME_LEN + 1)),
        "it is longer than 248 bytes"
    );
    let err = ShmProducer::create(&ShmConfig::new("a/b", 4096)).unwrap_err();
    assert!(err.to_string().contains("A-Z a-z 0-9 . _ -"), "{err}");

    // Every length up to the limit creates (the temporary file's name once made
    // names of 236 to 248 bytes fail with ENAMETOOLONG).
    let tag = format!("{}-", std::process::id());
    for len in [1, 100, 235, 236, 240, 247, MAX_NAME_LEN] {
        let name = format!("{tag}{}", "n.-_Z9".repeat(50))[..len.max(tag.len())].to_string();
        let config = ShmConfig::new(&name, 4096).with_unlink_on_close(true);
        let mut tx = ShmProducer::create(&config)
            .unwrap_or_else(|e| panic!("a {}-byte name: {e}", name.len()));
        assert_eq!(
            tx.path(),
            Path::new("/dev/shm").join(format!("mmring-{name}"))
        );
        tx.insert(b"x").unwrap();
        assert_eq!(
            ShmConsumer::open(&config).unwrap().try_consume().unwrap(),
            Some(b"x".to_vec())
        );
        tx.close().unwrap();
    }
}

/// A ring larger than its whole file system is refused at `create` with `NoSpace`
/// (the file's pages are reserved up front), and leaves no file behind.
#[test]
#[cfg(target_os = "linux")]
#[cfg_attr(miri, ignore)]
fn a_ring_larger_than_its_file_system_is_no_space_at_create() {
    let path = temp_path("huge");
    let _clean = Cleanup(path.clone());
    let dir = path.parent().unwrap();
    // SAFETY: `stat` is plain old data, filled in by the call; the path is a valid C
    // string that outlives it.
    let total = unsafe {
        let mut stat: libc::statvfs = std::mem::zeroed();
        let c_dir = std::ffi::CString::new(dir.as_os_str().as_encoded_bytes()).unwrap();
        assert_eq!(libc::statvfs(c_dir.as_ptr(), &mut stat), 0);
        stat.f_blocks as u64 * stat.f_frsize as u64
    };
    let capacity = (total + 1).next_power_of_two() as usize;
    match ShmProducer::create(&ShmConfig::at_path(&path, capacity)) {
        Err(OpenError::NoSpace { needed, .. }) => {
            assert_eq!(needed, (capacity + layout::HEADER) as u64)
        }
        other => panic!("a {capacity}-byte ring on a {total}-byte file system: {other:?}"),
    }
    assert!(!path.exists());
    let tmp_left = std::fs::read_dir(dir).unwrap().any(|e| {
        let name = e.unwrap().file_name();
        name.to_string_lossy()
            .starts_with(&format!(".mmring-tmp-{}-", std::process::id()))
    });
    assert!(!tmp_left, "a temporary file was left behind");
}

/// On a nearly full file system (a 256 KiB tmpfs holding one 128 KiB ring) the next
/// ring is `NoSpace` at `create` instead of a `SIGBUS` at its first write. Mounting
/// needs root, or a user namespace (`unshare -rm`) where the kernel allows one.
#[test]
#[cfg(target_os = "linux")]
#[cfg_attr(miri, ignore)]
fn a_nearly_full_file_system_is_no_space_at_create() {
    let dir = std::env::temp_dir().join(format!("mmring-nospace-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let exe = std::env::current_exe().unwrap();
    let args = [ENTRY, "--exact", "--nocapture", "--test-threads=1", "-q"];
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    // A mount namespace of its own, so that the tmpfs never shows outside the child;
    // without root, also a user namespace in which the child is root.
    let namespaces = if root { "-m" } else { "-rm" };
    let mut command = std::process::Command::new("unshare");
    command
        .args([namespaces, "--propagation", "private"])
        .arg(&exe)
        .args(args)
        .env(ROLE, "nospace")
        .env("DIR", &dir);
    let output = command.output().expect("run unshare (util-linux)");
    let _ = std::fs::remove_dir(&dir);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains("NOSPACE-OK"),
        "{}\n{stdout}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
}
