//! Back-pressure, timeouts, draining, closing, dropping and corrupt frames.
//!
//! The regression tests of the defects of the Python ring-buffer module mmring grew
//! from are here: the backlog is enforced because the high-water mark is set before
//! bind/connect (`try_insert_is_full_once_the_backlog_is_queued`), inserting need not
//! block (`try_insert_*`, `insert_timeout_*`), and `consume_all` is a bounded drain of
//! what has arrived (`consume_all_*`).

use std::time::Duration;

use mmring_native::PackedError;
use mmring_native::ipc::{ConsumeError, InsertError, IpcConfig, IpcConsumer, IpcProducer};

use crate::support::{TRANSPORTS, Transport, ipc_endpoint, spsc, spsc_with, unique, within};

const SHORT: Duration = Duration::from_millis(20);

#[test]
fn try_insert_is_full_at_once_for_a_binding_producer_without_consumer() {
    for transport in TRANSPORTS {
        let mut producer = IpcProducer::new(IpcConfig::new(transport.endpoint("full"))).unwrap();
        assert!(matches!(producer.try_insert(b"x"), Err(InsertError::Full)));
        assert!(matches!(
            producer.try_insert_packed(&[b"x"]),
            Err(InsertError::Full)
        ));
    }
}

#[test]
fn try_insert_is_full_once_the_backlog_is_queued() {
    // A connecting producer queues from the start, up to its high-water mark.
    for endpoint in [ipc_endpoint("hwm"), format!("inproc://{}", unique("hwm"))] {
        let config = IpcConfig::mpsc(endpoint, 2).with_backlog(10);
        let mut producer = IpcProducer::new(config.clone()).unwrap();
        let mut queued = 0;
        while producer.try_insert(&[queued]).is_ok() {
            queued += 1;
            assert!(queued <= 100, "the backlog of 10 is not enforced");
        }
        assert_eq!(queued, 10, "exactly the backlog is queued");
        assert!(matches!(
            producer.try_insert(b"more"),
            Err(InsertError::Full)
        ));

        // Once a consumer binds, the queue drains to it in order.
        let mut consumer = IpcConsumer::new(config).unwrap();
        for i in 0..queued {
            let got = consumer.consume_timeout(crate::support::HANG).unwrap();
            assert_eq!(got, [i]);
        }
        producer.insert(b"room again").unwrap();
        assert_eq!(consumer.consume().unwrap(), b"room again");
    }
}

#[test]
fn insert_timeout_times_out_without_room() {
    for transport in TRANSPORTS {
        let mut producer = IpcProducer::new(IpcConfig::new(transport.endpoint("t-out"))).unwrap();
        assert!(matches!(
            producer.insert_timeout(b"x", SHORT),
            Err(InsertError::Timeout)
        ));
        assert!(matches!(
            producer.insert_packed_timeout(&[b"x"], SHORT),
            Err(InsertError::Timeout)
        ));
        assert!(matches!(
            producer.insert_timeout(b"x", Duration::ZERO),
            Err(InsertError::Timeout)
        ));
    }
}

#[test]
fn insert_timeout_sends_when_there_is_room() {
    for transport in TRANSPORTS {
        within("timed insert", move || {
            let (mut producer, mut consumer) = spsc(transport, "t-in");
            // The consumer's connection may still be on its way: the wait covers it.
            producer
                .insert_timeout(b"in time", Duration::from_secs(10))
                .unwrap();
            // Practically unbounded: must not overflow the deadline computation.
            producer.insert_timeout(b"max", Duration::MAX).unwrap();
            assert_eq!(consumer.consume().unwrap(), b"in time");
            assert_eq!(consumer.consume().unwrap(), b"max");
        });
    }
}

#[test]
fn consume_timeout_times_out_when_nothing_comes() {
    for transport in TRANSPORTS {
        let (_producer, mut consumer) = spsc(transport, "c-out");
        assert!(matches!(
            consumer.consume_timeout(SHORT),
            Err(ConsumeError::Timeout)
        ));
        assert!(matches!(
            consumer.consume_packed_timeout(SHORT),
            Err(ConsumeError::Timeout)
        ));
        assert!(matches!(
            consumer.consume_timeout(Duration::ZERO),
            Err(ConsumeError::Timeout)
        ));
        assert_eq!(consumer.try_consume().unwrap(), None);
        assert_eq!(consumer.try_consume_packed().unwrap(), None);
        let mut buf = b"kept".to_vec();
        assert!(!consumer.consume_into(&mut buf).unwrap());
        assert_eq!(buf, b"kept", "untouched when nothing is there");
    }
}

#[test]
fn consume_timeout_returns_what_arrives_in_time() {
    for transport in TRANSPORTS {
        within("timed consume", move || {
            let (mut producer, mut consumer) = spsc(transport, "c-in");
            let sender = std::thread::spawn(move || {
                std::thread::sleep(SHORT);
                producer.insert(b"soon").unwrap();
                producer.insert_packed(&[b"a", b"b"]).unwrap();
                producer
            });
            let wait = Duration::from_secs(10);
            assert_eq!(consumer.consume_timeout(wait).unwrap(), b"soon");
            assert_eq!(consumer.consume_packed_timeout(wait).unwrap(), [b"a", b"b"]);
            drop(sender.join().unwrap());
        });
    }
}

#[test]
fn consume_all_drains_what_has_arrived_in_order() {
    for transport in TRANSPORTS {
        within("consume_all", move || {
            let (mut producer, mut consumer) = spsc(transport, "all");
            assert!(consumer.consume_all().unwrap().is_empty());
            let sent: Vec<Vec<u8>> = (0..20u8).map(|i| vec![i]).collect();
            for msg in &sent {
                producer.insert(msg).unwrap();
            }
            let mut got: Vec<Vec<u8>> = Vec::new();
            while got.len() < sent.len() {
                // Wait for one, then take whatever else is already here.
                got.push(consumer.consume().unwrap());
                got.extend(consumer.consume_all().unwrap());
            }
            assert_eq!(got, sent);
            assert!(consumer.consume_all().unwrap().is_empty());
        });
    }
}

#[test]
fn consume_all_returns_at_most_backlog_messages() {
    within("bounded consume_all", || {
        let (mut producer, mut consumer) =
            spsc_with(Transport::Inproc, "all-bounded", |c| c.backlog = 4);
        let sender = std::thread::spawn(move || {
            for i in 0..40u8 {
                producer.insert(&[i]).unwrap();
            }
            producer
        });
        let mut got = Vec::new();
        while got.len() < 40 {
            got.push(consumer.consume().unwrap());
            let drained = consumer.consume_all().unwrap();
            assert!(drained.len() <= 4, "{} > backlog", drained.len());
            got.extend(drained);
        }
        assert_eq!(got, (0..40u8).map(|i| vec![i]).collect::<Vec<_>>());
        drop(sender.join().unwrap());
    });
}

#[test]
fn close_succeeds_on_every_transport_with_and_without_queued_messages() {
    // Use after close does not compile (the `compile_fail` examples of `close`); what
    // is left to check at run time is that closing works and does not hang.
    for transport in TRANSPORTS {
        within("close", move || {
            let (producer, consumer) = spsc(transport, "close");
            producer.close().unwrap();
            consumer.close().unwrap();

            let (mut producer, consumer) = spsc(transport, "close-pending");
            producer.insert(b"unread").unwrap();
            producer.insert_packed(&[b"unread", b"too"]).unwrap();
            consumer.close().unwrap();
            producer.close().unwrap();
        });
    }
}

#[test]
fn close_reports_why_the_socket_file_could_not_be_removed() {
    // The socket file's directory is replaced by a regular file of the same name after
    // the bind: removing the socket file then fails with ENOTDIR (which no permission
    // bypasses, not even root's), and `close` says so where `drop` would stay silent.
    let dir = std::env::temp_dir().join(format!("mmring-test-{}", unique("close-err")));
    std::fs::create_dir(&dir).unwrap();
    let endpoint = format!("ipc://{}/ring.sock", dir.display());
    let producer = IpcProducer::new(IpcConfig::new(endpoint)).unwrap();
    let moved = dir.with_extension("moved");
    std::fs::rename(&dir, &moved).unwrap();
    std::fs::write(&dir, b"not a directory").unwrap();
    let err = producer.close().unwrap_err();
    assert_eq!(err.raw_os_error(), Some(libc::ENOTDIR), "{err}");
    std::fs::remove_file(&dir).unwrap();
    std::fs::remove_dir_all(&moved).unwrap();
}

#[test]
fn binding_replaces_a_stale_ipc_socket_file() {
    let endpoint = ipc_endpoint("stale");
    let path = endpoint.trim_start_matches("ipc://").to_owned();
    std::fs::write(&path, b"left behind by a crash").unwrap();
    within("bind over a stale file", move || {
        let config = IpcConfig::new(endpoint);
        let mut producer = IpcProducer::new(config.clone()).unwrap();
        let mut consumer = IpcConsumer::new(config).unwrap();
        producer.insert(b"fresh").unwrap();
        assert_eq!(consumer.consume().unwrap(), b"fresh");
    });
}

#[test]
fn an_ipc_path_bound_twice_belongs_to_the_newer_binder() {
    // ZeroMQ removes whatever is at the path before binding, a live socket included:
    // documented, so users give each ring its own path.
    within("second binder", || {
        let config = IpcConfig::new(ipc_endpoint("twice"));
        let mut older = IpcProducer::new(config.clone()).unwrap();
        let mut newer = IpcProducer::new(config.clone()).unwrap();
        let mut consumer = IpcConsumer::new(config).unwrap();
        newer.insert(b"newer").unwrap();
        assert_eq!(consumer.consume().unwrap(), b"newer");
        assert!(matches!(older.try_insert(b"older"), Err(InsertError::Full)));

        // The older binder's cleanup leaves the newer one's socket file alone.
        drop(older);
        let path = newer.endpoint().trim_start_matches("ipc://").to_owned();
        assert!(std::path::Path::new(&path).exists());
        newer.insert(b"still there").unwrap();
        assert_eq!(consumer.consume().unwrap(), b"still there");
    });
}

#[test]
fn the_binding_end_removes_its_ipc_socket_file() {
    let exists = |end: &str| std::path::Path::new(end.trim_start_matches("ipc://")).exists();

    let producer = IpcProducer::new(IpcConfig::new(ipc_endpoint("file-close"))).unwrap();
    let endpoint = producer.endpoint().to_owned();
    assert!(exists(&endpoint));
    // A connecting end leaves the file alone.
    drop(IpcConsumer::new(IpcConfig::new(endpoint.clone())).unwrap());
    assert!(exists(&endpoint));
    IpcConsumer::new(IpcConfig::new(endpoint.clone()))
        .unwrap()
        .close()
        .unwrap();
    assert!(exists(&endpoint));
    producer.close().unwrap();
    assert!(!exists(&endpoint));

    let consumer = IpcConsumer::new(IpcConfig::mpsc(ipc_endpoint("file-close"), 2)).unwrap();
    let endpoint = consumer.endpoint().to_owned();
    assert!(exists(&endpoint));
    consumer.close().unwrap();
    assert!(!exists(&endpoint));

    let consumer = IpcConsumer::new(IpcConfig::mpsc(ipc_endpoint("file-drop"), 2)).unwrap();
    let endpoint = consumer.endpoint().to_owned();
    assert!(exists(&endpoint));
    drop(IpcProducer::new(IpcConfig::mpsc(endpoint.clone(), 2)).unwrap());
    assert!(exists(&endpoint));
    drop(consumer);
    assert!(!exists(&endpoint));
}

#[test]
fn dropping_with_pending_messages_returns() {
    // linger 0 discards what is queued; with a linger the last end of the process
    // waits at most that long for messages that cannot be delivered.
    for linger_ms in [0, 200] {
        for endpoint in [
            ipc_endpoint("drop"),
            format!("inproc://{}", unique("drop")),
            "tcp://127.0.0.1:1".to_owned(), // nobody listens: every message stays queued
        ] {
            within("drop of a producer with a full queue", move || {
                let config = IpcConfig::mpsc(endpoint, 2)
                    .with_backlog(1000)
                    .with_linger_ms(linger_ms);
                let mut producer = IpcProducer::new(config).unwrap();
                for _ in 0..1000 {
                    producer.try_insert(&[1; 100]).unwrap();
                }
                drop(producer);
            });
        }
        within("drop of a connected pair with unread messages", move || {
            let (mut producer, consumer) = spsc_with(Transport::Ipc, "drop-pair", |c| {
                c.linger_ms = linger_ms;
                c.backlog = 100;
            });
            for _ in 0..50 {
                producer.insert(&[2; 100]).unwrap();
            }
            drop(consumer);
            drop(producer);
        });
    }
}

#[test]
fn close_with_pending_messages_returns() {
    within("close with a full queue", || {
        let config = IpcConfig::mpsc(ipc_endpoint("close-pending"), 2).with_backlog(10);
        let mut producer = IpcProducer::new(config).unwrap();
        while producer.try_insert(b"pending").is_ok() {}
        producer.close().unwrap();
    });
}

#[test]
fn corrupt_packed_frames_are_errors_and_the_next_frame_still_reads() {
    for transport in TRANSPORTS {
        within("corrupt frame", move || {
            let (mut producer, mut consumer) = spsc(transport, "corrupt");
            let corrupt: [(&[u8], usize); 5] = [
                (&[1, 0, 0, 0, b'x', 7, 7], 5), // 2 stray trailing bytes
                (&[1, 0, 0], 0),                // truncated first prefix
                (&[9, 0, 0, 0, b'x'], 0),       // length past the end
                (&[0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff], 4),
                (&[2, 0, 0, 0, b'a', b'b', 1], 6),
            ];
            for (frame, offset) in corrupt {
                producer.insert(frame).unwrap();
                let err = consumer.consume_packed().unwrap_err();
                assert!(
                    matches!(err, ConsumeError::Frame(PackedError::Corrupt { offset: o }) if o == offset),
                    "{frame:?}: {err:?}"
                );
                assert!(err.to_string().contains(&format!("byte {offset}")), "{err}");

                producer.insert(frame).unwrap();
                let err = consumer
                    .consume_packed_timeout(Duration::from_secs(10))
                    .unwrap_err();
                assert!(matches!(
                    err,
                    ConsumeError::Frame(PackedError::Corrupt { .. })
                ));

                producer.insert_packed(&[b"fine"]).unwrap();
                assert_eq!(consumer.consume_packed().unwrap(), [b"fine"]);
            }
        });
    }
}

#[test]
fn errors_read_as_advice() {
    let full = InsertError::Full.to_string();
    assert!(full.contains("high-water mark"), "{full}");
    assert!(InsertError::Timeout.to_string().contains("timed out"));
    assert!(ConsumeError::Timeout.to_string().contains("timed out"));
    let too_long = InsertError::FrameTooLong { messages: 3 }.to_string();
    assert!(too_long.contains("3 messages"), "{too_long}");
}
