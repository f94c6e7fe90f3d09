//! Every bad ring file gives its typed error, promptly, never a panic, hang or SIGBUS;
//! and the file-level behaviour of create/open/close.
#![cfg(unix)]

mod shm_common;

use std::os::unix::fs::{FileExt, PermissionsExt};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use mmring_native::shm::{
    ConfigError, ConsumeError, InsertError, OpenError, ShmConfig, ShmConsumer, ShmProducer,
};
use mmring_native::spsc;
use mmring_native::spsc::Policy;
use shm_common::*;

/// The length of the file of a ring of 4096 bytes.
const FILE_4096: u64 = (layout::HEADER + 4096) as u64;

/// The bytes of a ring of `capacity` holding `messages`, written by a real producer.
fn ring_bytes(capacity: usize, policy: Policy, messages: &[&[u8]]) -> Vec<u8> {
    let path = temp_path("template");
    let _clean = Cleanup(path.clone());
    let mut tx =
        ShmProducer::create(&ShmConfig::at_path(&path, capacity).with_policy(policy)).unwrap();
    for m in messages {
        tx.insert(m).unwrap();
    }
    drop(tx);
    std::fs::read(&path).unwrap()
}

fn write_file(name: &str, bytes: &[u8]) -> (ShmConfig, Cleanup) {
    let path = temp_path(name);
    std::fs::write(&path, bytes).unwrap();
    let config = ShmConfig::at_path(&path, 0).with_open_timeout(Duration::from_millis(20));
    (config, Cleanup(path))
}

fn put_u32(bytes: &mut [u8], offset: usize, value: u32) {
    bytes[offset..offset + 4].copy_from_slice(&value.to_ne_bytes());
}

fn put_u64(bytes: &mut [u8], offset: usize, value: u64) {
    bytes[offset..offset + 8].copy_from_slice(&value.to_ne_bytes());
}

fn open_err(name: &str, bytes: &[u8]) -> OpenError {
    let (config, _clean) = write_file(name, bytes);
    let started = Instant::now();
    let err = ShmConsumer::open(&config).expect_err("a bad file must not open");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{name}: not prompt"
    );
    // Every file error names the file.
    assert!(
        err.to_string().contains(&config.path.display().to_string()),
        "{err}"
    );
    err
}

#[test]
fn missing_file() {
    let path = temp_path("missing");
    let err = ShmConsumer::open(&ShmConfig::at_path(&path, 4096)).unwrap_err();
    assert!(
        matches!(err, OpenError::Missing { path: ref p } if *p == path),
        "{err:?}"
    );
    assert!(err.to_string().contains("start the producer first"));
}

#[test]
fn file_shorter_than_a_header() {
    for len in [0, 10, 511, layout::HEADER - 1] {
        let err = open_err("short", &vec![0x4d; len]);
        assert!(
            matches!(err, OpenError::TooShort { len: l, need, .. } if l == len as u64 && need == layout::HEADER as u64),
            "{err:?}"
        );
    }
}

#[test]
fn header_complete_but_data_area_short() {
    let bytes = ring_bytes(4096, Policy::DropOldest, &[b"x"]);
    let err = open_err("data-short", &bytes[..layout::HEADER + 100]);
    assert!(
        matches!(
            err,
            OpenError::TooShort {
                len: 1124,
                need: FILE_4096,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn file_longer_than_its_header_says() {
    let mut bytes = ring_bytes(4096, Policy::DropOldest, &[b"x"]);
    bytes.extend_from_slice(&[0; 8]);
    let err = open_err("long", &bytes);
    assert!(
        matches!(
            err,
            OpenError::SizeMismatch {
                file,
                expected: FILE_4096,
                ..
            } if file == FILE_4096 + 8
        ),
        "{err:?}"
    );
}

#[test]
fn wrong_magic() {
    let mut bytes = ring_bytes(4096, Policy::DropOldest, &[]);
    bytes[..8].copy_from_slice(b"NOTARING");
    let err = open_err("magic", &bytes);
    assert!(
        matches!(err, OpenError::BadMagic { found, .. } if found == u64::from_ne_bytes(*b"NOTARING")),
        "{err:?}"
    );
}

#[test]
fn unknown_version() {
    // A later layout, and the layout of mmring 0.1 (before the consumer lock).
    for version in [3, 1] {
        let mut bytes = ring_bytes(4096, Policy::DropOldest, &[]);
        put_u32(&mut bytes, 8, version);
        let err = open_err("version", &bytes);
        assert!(
            matches!(err, OpenError::UnknownVersion { found, .. } if found == version),
            "{err:?}"
        );
        assert!(err.to_string().contains("reads version 2"), "{err}");
    }
}

#[test]
fn version_never_published_times_out_as_not_ready() {
    let mut bytes = ring_bytes(4096, Policy::DropOldest, &[]);
    put_u32(&mut bytes, 8, 0);
    let started = Instant::now();
    let err = open_err("unpublished", &bytes);
    assert!(started.elapsed() >= Duration::from_millis(20));
    assert!(matches!(err, OpenError::NotReady { .. }), "{err:?}");
    // A file of zeros looks like a producer that has not started writing.
    let err = open_err("zeros", &[0; layout::HEADER + 4096]);
    assert!(matches!(err, OpenError::NotReady { .. }), "{err:?}");
}

#[test]
fn open_waits_for_the_version_to_be_published() {
    let mut bytes = ring_bytes(4096, Policy::DropOldest, &[b"late"]);
    put_u32(&mut bytes, 8, 0);
    let (config, _clean) = write_file("late", &bytes);
    let config = config.with_open_timeout(Duration::from_secs(10));
    let path = config.path.clone();
    let publisher = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(30));
        let file = std::fs::OpenOptions::new().write(true).open(path).unwrap();
        file.write_at(&2u32.to_ne_bytes(), 8).unwrap();
    });
    let started = Instant::now();
    let mut rx = ShmConsumer::open(&config).unwrap();
    assert!(started.elapsed() >= Duration::from_millis(25));
    assert_eq!(rx.try_consume().unwrap(), Some(b"late".to_vec()));
    publisher.join().unwrap();
}

#[test]
fn capacity_not_a_power_of_two() {
    for capacity in [0u64, 16, 1000, 4095, 3 << 10, u64::MAX] {
        let mut bytes = ring_bytes(4096, Policy::DropOldest, &[]);
        put_u64(&mut bytes, layout::CAPACITY, capacity);
        let err = open_err("capacity", &bytes);
        assert!(
            matches!(err, OpenError::BadCapacity { capacity: c, .. } if c == capacity),
            "{capacity}: {err:?}"
        );
    }
    // A valid capacity that disagrees with the file's length.
    let mut bytes = ring_bytes(4096, Policy::DropOldest, &[]);
    put_u64(&mut bytes, layout::CAPACITY, 2048);
    let err = open_err("capacity", &bytes);
    assert!(
        matches!(
            err,
            OpenError::SizeMismatch {
                file: FILE_4096,
                expected,
                ..
            } if expected == (layout::HEADER + 2048) as u64
        ),
        "{err:?}"
    );
}

#[test]
fn bad_header_size_max_message_and_policy() {
    let mut bytes = ring_bytes(4096, Policy::DropOldest, &[]);
    put_u32(&mut bytes, 12, 256);
    assert!(matches!(
        open_err("hsize", &bytes),
        OpenError::HeaderSize { found: 256, .. }
    ));

    let mut bytes = ring_bytes(4096, Policy::DropOldest, &[]);
    put_u64(&mut bytes, 24, 4096);
    assert!(matches!(
        open_err("maxmsg", &bytes),
        OpenError::BadMaxMessage {
            max: 4096,
            limit: 2032,
            ..
        }
    ));

    let mut bytes = ring_bytes(4096, Policy::DropOldest, &[]);
    put_u32(&mut bytes, 32, 7);
    assert!(matches!(
        open_err("policy", &bytes),
        OpenError::BadPolicy { found: 7, .. }
    ));
}

#[test]
fn inconsistent_indices() {
    // The consumer claims to be ahead of the producer.
    let mut bytes = ring_bytes(4096, Policy::DropOldest, &[b"a"]);
    put_u64(&mut bytes, layout::READ_POS, 4096);
    assert!(matches!(
        open_err("indices", &bytes),
        OpenError::Layout { .. }
    ));
    // Positions near the end of u64 would make the arithmetic wrap.
    let mut bytes = ring_bytes(4096, Policy::DropOldest, &[b"a"]);
    put_u64(&mut bytes, layout::WRITE_POS, u64::MAX - 7);
    assert!(matches!(
        open_err("indices", &bytes),
        OpenError::Layout { .. }
    ));
}

#[test]
fn corrupt_record_length() {
    let path = temp_path("corrupt");
    let _clean = Cleanup(path.clone());
    let config = ShmConfig::at_path(&path, 4096);
    let mut tx = ShmProducer::create(&config).unwrap();
    tx.insert_batch(&[b"first", b"second"]).unwrap();
    // The first record's length word, through a plain file write.
    let file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    file.write_at(&60_000u32.to_ne_bytes(), layout::HEADER as u64)
        .unwrap();
    let mut rx = ShmConsumer::open(&config).unwrap();
    for _ in 0..2 {
        let err = rx.try_consume().unwrap_err();
        assert!(
            matches!(err, ConsumeError::Corrupt(spsc::ConsumeError::Corrupt { position: 0, reason }) if reason.contains("length")),
            "{err:?}"
        );
    }
    assert!(matches!(
        rx.consume_timeout(Duration::from_millis(5)),
        Err(ConsumeError::Corrupt(_))
    ));
    assert!(matches!(rx.consume_all(), Err(ConsumeError::Corrupt(_))));
    assert!(matches!(rx.peekleft(), Err(ConsumeError::Corrupt(_))));
    // A length that still fits, but runs past what the producer committed.
    file.write_at(&100u32.to_ne_bytes(), layout::HEADER as u64)
        .unwrap();
    assert!(matches!(rx.try_consume(), Err(ConsumeError::Corrupt(_))));
    // Repaired, the stream reads on.
    file.write_at(&5u32.to_ne_bytes(), layout::HEADER as u64)
        .unwrap();
    assert_eq!(rx.consume_all().unwrap(), [&b"first"[..], b"second"]);
}

#[test]
fn create_rejects_bad_configs_promptly() {
    let path = temp_path("config");
    for capacity in [0, 1, 16, 1000, 4097, usize::MAX, (-1i64) as usize] {
        let started = Instant::now();
        let err = ShmProducer::create(&ShmConfig::at_path(&path, capacity)).unwrap_err();
        assert!(
            matches!(err, OpenError::Config(ConfigError::BadCapacity { .. })),
            "{capacity}: {err:?}"
        );
        assert!(started.elapsed() < Duration::from_secs(1));
    }
    let err = ShmProducer::create(&ShmConfig::at_path(&path, 4096).with_max_message_size(2033))
        .unwrap_err();
    assert!(
        matches!(
            err,
            OpenError::Config(ConfigError::BadMaxMessage {
                max: 2033,
                limit: 2032,
                ..
            })
        ),
        "{err:?}"
    );
    assert!(!path.exists(), "a refused create leaves no file");
}

#[test]
fn create_in_a_missing_directory_is_an_io_error() {
    let path = temp_path("dir").join("ring");
    let err = ShmProducer::create(&ShmConfig::at_path(&path, 4096)).unwrap_err();
    assert!(matches!(err, OpenError::Io { .. }), "{err:?}");
}

#[test]
fn files_are_created_with_mode_0600_and_exact_size() {
    let path = temp_path("mode");
    let _clean = Cleanup(path.clone());
    let _tx = ShmProducer::create(&ShmConfig::at_path(&path, 8192)).unwrap();
    let meta = std::fs::metadata(&path).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    assert_eq!(meta.len(), (layout::HEADER + 8192) as u64);
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(&bytes[..8], b"MMRINGSH");
    // No temporary file is left beside it.
    let dir: PathBuf = path.parent().unwrap().into();
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let leftovers = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with(&format!(".{name}"))
        })
        .count();
    assert_eq!(leftovers, 0);
}

#[test]
fn create_replaces_a_stale_or_garbage_file() {
    let path = temp_path("stale");
    let _clean = Cleanup(path.clone());
    std::fs::write(&path, b"garbage").unwrap();
    let config = ShmConfig::at_path(&path, 4096);
    let mut tx = ShmProducer::create(&config).unwrap();
    tx.insert(b"one").unwrap();
    drop(tx); // stale now: nobody holds the lock
    let mut tx = ShmProducer::create(&config.clone().with_policy(Policy::Reject)).unwrap();
    let mut rx = ShmConsumer::open(&config).unwrap();
    assert_eq!(rx.policy(), Policy::Reject);
    assert_eq!(rx.try_consume().unwrap(), None, "the new ring starts empty");
    tx.insert(b"two").unwrap();
    assert_eq!(rx.try_consume().unwrap(), Some(b"two".to_vec()));
}

#[test]
fn consumer_resumes_where_the_last_one_stopped() {
    let path = temp_path("resume");
    let config = ShmConfig::at_path(&path, 4096).with_unlink_on_close(true);
    let mut tx = ShmProducer::create(&config).unwrap();
    tx.insert_batch(&[b"1", b"2", b"3"]).unwrap();
    let mut rx = ShmConsumer::open(&config).unwrap();
    assert_eq!(rx.consume().unwrap(), b"1");
    drop(rx);
    let mut rx = ShmConsumer::open(&config).unwrap();
    assert_eq!(rx.consume_all().unwrap(), [b"2", b"3"]);
    assert_eq!(rx.read(), 3);
    tx.close().unwrap();
    assert!(!path.exists());
    // The consumer's mapping outlives the unlinked file.
    assert_eq!(rx.try_consume().unwrap(), None);
}

#[test]
fn messages_and_batches_that_never_fit() {
    let path = temp_path("toolarge");
    let config = ShmConfig::at_path(&path, 256).with_unlink_on_close(true);
    let mut tx = ShmProducer::create(&config).unwrap();
    assert_eq!(tx.max_message_size(), 112);
    assert!(matches!(
        tx.insert(&[0; 113]),
        Err(InsertError::TooLarge { len: 113, max: 112 })
    ));
    let big = [0u8; 100];
    let batch: Vec<&[u8]> = vec![&big; 3];
    assert!(matches!(
        tx.insert_batch(&batch),
        Err(InsertError::TooLarge { .. })
    ));
    assert!(matches!(
        tx.insert_packed(&[&big[..], &big[..]]),
        Err(InsertError::TooLarge { .. })
    ));
    assert_eq!(tx.written(), 0, "nothing was written");
    tx.insert(&[1; 112]).unwrap();
}

#[test]
fn peekright_returns_when_a_producer_died_mid_eviction() {
    // The producer published an eviction of every record (`oldest` = `write_pos`) and
    // died before committing the next: nothing is readable, and no call may spin.
    let mut bytes = ring_bytes(4096, Policy::DropOldest, &[b"a", b"b"]);
    let at = layout::WRITE_POS;
    let write_pos = u64::from_ne_bytes(bytes[at..at + 8].try_into().unwrap());
    put_u64(&mut bytes, layout::OLDEST, write_pos);
    let (config, _clean) = write_file("mid-eviction", &bytes);
    let mut rx = ShmConsumer::open(&config).unwrap();
    assert_eq!(rx.peekright().unwrap(), None);
    assert_eq!(rx.peekleft().unwrap(), None);
    assert_eq!(rx.try_consume().unwrap(), None);
    assert_eq!(rx.dropped(), 0, "no sequence gap was published with it");
    // A waiting consumer parks rather than spinning on the unreadable stream.
    let cpu_before = thread_cpu_time();
    let started = Instant::now();
    assert!(matches!(
        rx.consume_timeout(Duration::from_millis(200)),
        Err(ConsumeError::Timeout)
    ));
    assert!(started.elapsed() >= Duration::from_millis(200));
    let cpu = thread_cpu_time() - cpu_before;
    assert!(cpu < Duration::from_millis(100), "spun for {cpu:?} of CPU");
}

fn thread_cpu_time() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec for the duration of the call.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0);
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

#[test]
fn handles_and_the_aconsume_future_can_move_between_threads() {
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>(_: &T) {}
    send_sync::<ShmProducer>();
    send_sync::<ShmConsumer>();
    send_sync::<OpenError>();
    send_sync::<InsertError>();
    send_sync::<ConsumeError>();
    let path = temp_path("send");
    let config = ShmConfig::at_path(&path, 4096).with_unlink_on_close(true);
    let _tx = ShmProducer::create(&config).unwrap();
    let mut rx = ShmConsumer::open(&config).unwrap();
    send(&rx.aconsume());
}

/// A ring closed by this process can be opened again at once, even while other threads
/// start child processes: each child holds copies of our open files (and so their
/// locks) from `fork` until `exec`, and `create` and `open` wait out such a handover
/// instead of calling the ring taken.
#[test]
#[cfg_attr(miri, ignore)]
fn rings_reopen_at_once_while_other_threads_start_processes() {
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let spawners: Vec<_> = (0..2)
        .map(|_| {
            let stop = std::sync::Arc::clone(&stop);
            std::thread::spawn(move || {
                let mut started = 0u32;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let status = std::process::Command::new("true").status();
                    assert!(status.is_ok_and(|s| s.success()), "`true` failed");
                    started += 1;
                }
                started
            })
        })
        .collect();
    let path = temp_path("reopen-while-spawning");
    let _clean = Cleanup(path.clone());
    let config = ShmConfig::at_path(&path, 4096);
    for round in 0..300 {
        let mut tx =
            ShmProducer::create(&config).unwrap_or_else(|e| panic!("round {round}: create: {e}"));
        tx.insert(b"m").unwrap();
        for _ in 0..2 {
            let mut rx =
                ShmConsumer::open(&config).unwrap_or_else(|e| panic!("round {round}: open: {e}"));
            let _ = rx.try_consume().unwrap();
        }
        drop(tx);
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for spawner in spawners {
        assert!(spawner.join().expect("a spawner panicked") > 0);
    }
}
