//! The validation matrix of `IpcConfig`: every invalid field, every scheme, the
//! 107-byte path limit, the message size limit, and that both ends refuse what
//! `validate` refuses.

use mmring_native::ipc::{IpcConfig, IpcConsumer, IpcError, IpcProducer};

use crate::support::{Transport, ipc_endpoint, spsc_with, unique, within};

fn with(edit: impl FnOnce(&mut IpcConfig)) -> IpcConfig {
    let mut config = IpcConfig::new(format!("inproc://{}", unique("config")));
    edit(&mut config);
    config
}

/// `config.validate()`, also checking that both constructors fail the same way.
fn rejected(config: &IpcConfig) -> IpcError {
    let err = config.validate().expect_err("config should be invalid");
    let from_producer = IpcProducer::new(config.clone()).expect_err("producer refused");
    let from_consumer = IpcConsumer::new(config.clone()).expect_err("consumer refused");
    assert_eq!(from_producer.to_string(), err.to_string());
    assert_eq!(from_consumer.to_string(), err.to_string());
    err
}

#[test]
fn default_is_the_seeds() {
    let config = IpcConfig::default();
    assert_eq!(config.endpoint, "ipc:///tmp/ringbuffer");
    assert_eq!(config.backlog, 65536);
    assert_eq!(config.num_producers, 1);
    assert_eq!(config.num_consumers, 1);
    assert_eq!(config.linger_ms, 0);
    assert_eq!(config.max_message_bytes, 64 * 1024 * 1024);
    assert_eq!(IpcConfig::DEFAULT_MAX_MESSAGE_BYTES, 64 * 1024 * 1024);
    assert!(config.validate().is_ok());
    assert!(config.should_producer_bind());
}

#[test]
fn constructors_set_the_topology() {
    assert_eq!(
        IpcConfig::new("inproc://a"),
        IpcConfig {
            endpoint: "inproc://a".into(),
            ..IpcConfig::default()
        }
    );
    let mpsc = IpcConfig::mpsc("inproc://a", 5);
    assert_eq!((mpsc.num_producers, mpsc.num_consumers), (5, 1));
    let spmc = IpcConfig::spmc("inproc://a", 2);
    assert_eq!((spmc.num_producers, spmc.num_consumers), (1, 2));
}

#[test]
fn should_producer_bind_iff_one_producer() {
    for (producers, consumers, binds) in [(1, 1, true), (1, 4, true), (2, 1, false), (9, 1, false)]
    {
        let config = with(|c| {
            c.num_producers = producers;
            c.num_consumers = consumers;
        });
        assert!(config.validate().is_ok());
        assert_eq!(
            config.should_producer_bind(),
            binds,
            "{producers}x{consumers}"
        );
    }
}

#[test]
fn backlog_must_be_positive() {
    for backlog in [0, -1, i32::MIN] {
        let err = rejected(&with(|c| c.backlog = backlog));
        assert!(
            matches!(err, IpcError::InvalidBacklog { backlog: b } if b == backlog),
            "{err:?}"
        );
        assert!(err.to_string().contains("backlog"), "{err}");
    }
    for backlog in [1, 10, 65536, i32::MAX] {
        assert!(with(|c| c.backlog = backlog).validate().is_ok());
    }
}

#[test]
fn counts_must_be_positive() {
    for count in [0, -1, i32::MIN] {
        let err = rejected(&with(|c| c.num_producers = count));
        assert!(
            matches!(err, IpcError::InvalidProducerCount { count: n } if n == count),
            "{err:?}"
        );
        assert!(err.to_string().contains("num_producers"), "{err}");

        let err = rejected(&with(|c| c.num_consumers = count));
        assert!(
            matches!(err, IpcError::InvalidConsumerCount { count: n } if n == count),
            "{err:?}"
        );
        assert!(err.to_string().contains("num_consumers"), "{err}");
    }
}

#[test]
fn mpmc_is_not_supported() {
    for (producers, consumers) in [(2, 2), (3, 5), (i32::MAX, 2)] {
        let err = rejected(&with(|c| {
            c.num_producers = producers;
            c.num_consumers = consumers;
        }));
        assert!(
            matches!(err, IpcError::MpmcUnsupported { num_producers: p, num_consumers: c }
                if (p, c) == (producers, consumers)),
            "{err:?}"
        );
        assert!(err.to_string().contains("MPMC is not supported"), "{err}");
    }
}

#[test]
fn linger_must_not_be_negative() {
    for linger_ms in [-1, i32::MIN] {
        let err = rejected(&with(|c| c.linger_ms = linger_ms));
        assert!(
            matches!(err, IpcError::InvalidLinger { linger_ms: l } if l == linger_ms),
            "{err:?}"
        );
        assert!(err.to_string().contains("linger_ms"), "{err}");
    }
    for linger_ms in [0, 1, 60_000] {
        assert!(with(|c| c.linger_ms = linger_ms).validate().is_ok());
    }
}

#[test]
fn max_message_bytes_must_be_from_1_to_i64_max() {
    assert_eq!(IpcConfig::MAX_MESSAGE_BYTES_LIMIT, i64::MAX as u64);
    for max in [0, i64::MAX as u64 + 1, u64::MAX] {
        let err = rejected(&with(|c| c.max_message_bytes = max));
        assert!(
            matches!(err, IpcError::InvalidMaxMessageBytes { max_message_bytes: m } if m == max),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            format!(
                "invalid max_message_bytes {max}: it must be from 1 to 9223372036854775807 \
                 bytes (i64::MAX, the largest limit ZeroMQ takes)"
            )
        );
    }
    // Checked after every other field.
    let err = with(|c| {
        c.linger_ms = -1;
        c.max_message_bytes = 0;
    })
    .validate()
    .unwrap_err();
    assert!(matches!(err, IpcError::InvalidLinger { .. }), "{err:?}");
}

#[test]
fn every_valid_max_message_bytes_reaches_zeromq() {
    // Both topologies: the consumer binds (MPSC), where ZeroMQ takes the limit as
    // ZMQ_MAXMSGSIZE, and connects (SPSC). A 1-byte message goes through each.
    for max in [
        1,
        4096,
        IpcConfig::DEFAULT_MAX_MESSAGE_BYTES,
        i64::MAX as u64,
    ] {
        for mut config in [
            IpcConfig::mpsc(ipc_endpoint("max-ok"), 2),
            IpcConfig::new(ipc_endpoint("max-ok")),
        ] {
            config.max_message_bytes = max;
            assert!(config.validate().is_ok(), "{max}");
            let consumer = IpcConsumer::new(config.clone()).expect("consumer accepts it");
            config.endpoint = consumer.endpoint().to_owned();
            let mut producer = IpcProducer::new(config).expect("producer accepts it");
            assert_eq!(producer.config().max_message_bytes, max);
            // A limit of 1 byte must not keep the ends from connecting.
            within("a message under the smallest limit", move || {
                producer.insert(b"x").unwrap();
                let mut consumer = consumer;
                assert_eq!(consumer.consume().unwrap(), &b"x"[..]);
            });
        }
    }
}

#[test]
fn the_endpoint_is_checked_first() {
    let err = IpcConfig {
        endpoint: "udp://x:1".into(),
        backlog: 0,
        num_producers: 0,
        num_consumers: 0,
        linger_ms: -1,
        max_message_bytes: 0,
    }
    .validate()
    .unwrap_err();
    assert!(
        matches!(err, IpcError::UnsupportedEndpoint { .. }),
        "{err:?}"
    );
    let err = with(|c| {
        c.backlog = 0;
        c.linger_ms = -1;
        c.max_message_bytes = 0;
    })
    .validate()
    .unwrap_err();
    assert!(matches!(err, IpcError::InvalidBacklog { .. }), "{err:?}");
}

#[test]
fn supported_schemes_are_accepted() {
    for endpoint in [
        "ipc:///tmp/ring",
        "ipc://relative.sock",
        "ipc://@abstract",
        "tcp://127.0.0.1:5555",
        "tcp://localhost:0",
        "tcp://*:65535",
        "tcp://127.0.0.1:*",
        "tcp://[::1]:5555",
        "tcp://eth0:5555",
        "inproc://ring",
        "inproc://a/b:c",
    ] {
        assert!(
            IpcConfig::new(endpoint).validate().is_ok(),
            "{endpoint} should be valid"
        );
    }
}

#[test]
fn other_schemes_name_the_accepted_ones() {
    for endpoint in [
        "",
        "ring",
        "/tmp/ring",
        "udp://127.0.0.1:5555",
        "pgm://eth0;239.192.1.1:5555",
        "epgm://eth0;239.192.1.1:5555",
        "ws://127.0.0.1:5555",
        "vmci://1:5555",
        "ipc:/tmp/ring",
        "IPC:///tmp/ring",
        "tcp:127.0.0.1:5555",
        " inproc://ring",
    ] {
        let err = rejected(&IpcConfig::new(endpoint));
        assert!(
            matches!(&err, IpcError::UnsupportedEndpoint { endpoint: e } if e == endpoint),
            "{endpoint:?}: {err:?}"
        );
        let text = err.to_string();
        for scheme in ["ipc://", "tcp://", "inproc://"] {
            assert!(text.contains(scheme), "{text}");
        }
    }
}

#[test]
fn malformed_endpoints_say_what_is_missing() {
    for (endpoint, hint) in [
        ("ipc://", "path"),
        ("tcp://", "host and a port"),
        ("tcp://127.0.0.1", "host and a port"),
        ("tcp://:5555", "host"),
        ("tcp://127.0.0.1:", "port"),
        ("tcp://127.0.0.1:65536", "port"),
        ("tcp://127.0.0.1:-1", "port"),
        ("tcp://127.0.0.1:http", "port"),
        ("inproc://", "name"),
    ] {
        let err = rejected(&IpcConfig::new(endpoint));
        assert!(
            matches!(&err, IpcError::InvalidEndpoint { endpoint: e, .. } if e == endpoint),
            "{endpoint}: {err:?}"
        );
        assert!(err.to_string().contains(hint), "{endpoint}: {err}");
    }
}

#[test]
fn ipc_paths_up_to_107_bytes_are_accepted() {
    assert_eq!(IpcConfig::IPC_PATH_MAX, 107);
    let dir = "/tmp/";
    let longest = format!("{dir}{}", "p".repeat(107 - dir.len()));
    assert_eq!(longest.len(), 107);
    assert!(
        IpcConfig::new(format!("ipc://{longest}"))
            .validate()
            .is_ok()
    );

    let too_long = format!("{longest}q");
    let err = rejected(&IpcConfig::new(format!("ipc://{too_long}")));
    assert!(
        matches!(err, IpcError::IpcPathTooLong { len: 108, max: 107 }),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(text.contains("108") && text.contains("107"), "{text}");

    // The limit counts bytes, not characters.
    let multibyte = format!("{dir}{}", "é".repeat(52)); // 5 + 104 bytes
    let err = rejected(&IpcConfig::new(format!("ipc://{multibyte}")));
    assert!(
        matches!(err, IpcError::IpcPathTooLong { len: 109, max: 107 }),
        "{err:?}"
    );
}

#[test]
fn a_107_byte_ipc_path_really_binds() {
    // Built from a unique name padded to exactly 107 bytes: the limit is ZeroMQ's (and
    // the kernel's), not only ours.
    let base = format!("/tmp/mmring-{}", unique("longest"));
    let path = format!("{base}{}", "x".repeat(107 - base.len()));
    assert_eq!(path.len(), 107);
    let config = IpcConfig::new(format!("ipc://{path}"));
    let mut producer = IpcProducer::new(config.clone()).expect("bind a 107-byte path");
    let mut consumer = IpcConsumer::new(config).expect("connect to it");
    producer.insert(b"fits").unwrap();
    assert_eq!(consumer.consume().unwrap(), &b"fits"[..]);
}

#[test]
fn a_taken_tcp_port_is_a_bind_error_naming_the_endpoint() {
    let (first, _consumer) = spsc_with(Transport::Tcp, "taken", |_| {});
    let endpoint = first.endpoint().to_owned();
    let err = IpcProducer::new(IpcConfig::new(endpoint.clone())).unwrap_err();
    assert!(
        matches!(&err, IpcError::Bind { endpoint: e, .. } if *e == endpoint),
        "{err:?}"
    );
    assert!(err.to_string().contains(&endpoint), "{err}");
}

#[test]
fn a_wildcard_port_cannot_be_connected_to() {
    // With several producers the producers connect, and `*` is only meaningful to bind.
    let err = IpcProducer::new(IpcConfig::mpsc("tcp://127.0.0.1:*", 2)).unwrap_err();
    assert!(matches!(err, IpcError::Connect { .. }), "{err:?}");
    assert!(err.to_string().contains("tcp://127.0.0.1:*"), "{err}");
}

#[test]
fn ends_report_their_configuration_and_endpoint() {
    let endpoint = ipc_endpoint("report");
    let config = IpcConfig::new(endpoint.clone());
    let producer = IpcProducer::new(config.clone()).unwrap();
    let consumer = IpcConsumer::new(config.clone()).unwrap();
    assert_eq!(producer.config(), &config);
    assert_eq!(consumer.config(), &config);
    assert_eq!(producer.endpoint(), endpoint);
    assert_eq!(consumer.endpoint(), endpoint);
    assert!(format!("{producer:?}").contains(&endpoint));
    assert!(format!("{consumer:?}").contains(&endpoint));
}
