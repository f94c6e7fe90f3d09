//! The validation matrix of `IpcConfig`: every invalid field, every scheme, the
//! 107-byte path limit, the message size limit, ZeroMQ's integer ranges, the builder,
//! and that both ends refuse what `validate` refuses.

use mmring_native::ipc::{ConfigError, IpcConfig, IpcConsumer, IpcProducer, OpenError};

use crate::support::{Transport, ipc_endpoint, spsc_with, unique, within};

fn with(edit: impl FnOnce(&mut IpcConfig)) -> IpcConfig {
    let mut config = IpcConfig::new(format!("inproc://{}", unique("config")));
    edit(&mut config);
    config
}

/// `config.validate()`, also checking that both constructors fail with that very
/// error, wrapped in `OpenError::Config`.
fn rejected(config: &IpcConfig) -> ConfigError {
    let err = config.validate().expect_err("config should be invalid");
    let from_producer = IpcProducer::new(config.clone()).expect_err("producer refused");
    let from_consumer = IpcConsumer::new(config.clone()).expect_err("consumer refused");
    for from_end in [from_producer, from_consumer] {
        assert_eq!(from_end.to_string(), err.to_string());
        assert!(
            matches!(&from_end, OpenError::Config(e) if *e == err),
            "{from_end:?}"
        );
    }
    err
}

#[test]
fn default_matches_the_python_module() {
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
fn builder_sets_each_field() {
    let config = IpcConfig::new("inproc://built")
        .with_backlog(7)
        .with_num_producers(3)
        .with_num_consumers(1)
        .with_linger_ms(250)
        .with_max_message_bytes(4096);
    assert_eq!(
        config,
        IpcConfig {
            endpoint: "inproc://built".into(),
            backlog: 7,
            num_producers: 3,
            num_consumers: 1,
            linger_ms: 250,
            max_message_bytes: 4096,
        }
    );
    assert!(config.validate().is_ok());
    assert_eq!(
        IpcConfig::spmc("inproc://a", 2).with_num_producers(2),
        IpcConfig {
            num_producers: 2,
            num_consumers: 2,
            ..IpcConfig::new("inproc://a")
        }
    );
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

/// `i32::MAX`, ZeroMQ's largest high-water mark and linger, as the `u32` fields hold it.
const ZMQ_INT_MAX: u32 = i32::MAX.unsigned_abs();

#[test]
fn backlog_must_be_from_1_to_i32_max() {
    for backlog in [0, ZMQ_INT_MAX + 1, u32::MAX] {
        let err = rejected(&with(|c| c.backlog = backlog));
        assert_eq!(err, ConfigError::InvalidBacklog { backlog });
        assert_eq!(
            err.to_string(),
            format!(
                "invalid backlog {backlog}: the high-water mark must be at least 1 message, \
                 and at most 2147483647 (i32::MAX, the largest ZeroMQ takes)"
            )
        );
    }
    for backlog in [1, 10, 65536, ZMQ_INT_MAX] {
        assert!(with(|c| c.backlog = backlog).validate().is_ok());
    }
}

#[test]
fn counts_must_be_positive() {
    let err = rejected(&with(|c| c.num_producers = 0));
    assert_eq!(err, ConfigError::InvalidProducerCount { count: 0 });
    assert_eq!(
        err.to_string(),
        "invalid num_producers 0: there must be at least 1 producer"
    );

    let err = rejected(&with(|c| c.num_consumers = 0));
    assert_eq!(err, ConfigError::InvalidConsumerCount { count: 0 });
    assert_eq!(
        err.to_string(),
        "invalid num_consumers 0: there must be at least 1 consumer"
    );

    for count in [1, 2, usize::MAX] {
        assert!(with(|c| c.num_producers = count).validate().is_ok());
        assert!(with(|c| c.num_consumers = count).validate().is_ok());
    }
}

#[test]
fn mpmc_is_not_supported() {
    for (producers, consumers) in [(2, 2), (3, 5), (usize::MAX, 2)] {
        let err = rejected(&with(|c| {
            c.num_producers = producers;
            c.num_consumers = consumers;
        }));
        assert_eq!(
            err,
            ConfigError::MpmcUnsupported {
                num_producers: producers,
                num_consumers: consumers
            }
        );
        assert_eq!(
            err.to_string(),
            format!(
                "MPMC is not supported ({producers} producers, {consumers} consumers): use one \
                 producer (SPSC, SPMC) or one consumer (MPSC)"
            )
        );
    }
}

#[test]
fn linger_must_be_at_most_i32_max() {
    // A negative linger (ZeroMQ's "wait forever") cannot be written down any more.
    for linger_ms in [ZMQ_INT_MAX + 1, u32::MAX] {
        let err = rejected(&with(|c| c.linger_ms = linger_ms));
        assert_eq!(err, ConfigError::InvalidLinger { linger_ms });
        assert_eq!(
            err.to_string(),
            format!(
                "invalid linger_ms {linger_ms}: it must be at most 2147483647 milliseconds \
                 (i32::MAX, the longest ZeroMQ takes)"
            )
        );
    }
    for linger_ms in [0, 1, 60_000, ZMQ_INT_MAX] {
        assert!(with(|c| c.linger_ms = linger_ms).validate().is_ok());
    }
}

#[test]
fn the_largest_valid_values_reach_zeromq() {
    // i32::MAX for the high-water mark and the linger: ZeroMQ takes them as they are.
    let config = IpcConfig::new(ipc_endpoint("int-max"))
        .with_backlog(ZMQ_INT_MAX)
        .with_linger_ms(ZMQ_INT_MAX);
    let producer = IpcProducer::new(config.clone()).expect("producer accepts it");
    let consumer = IpcConsumer::new(config).expect("consumer accepts it");
    drop(consumer);
    // Nothing is queued, so even a linger of 24 days does not hold the close up.
    within("close with the longest linger", move || {
        producer.close().unwrap()
    });
}

#[test]
fn max_message_bytes_must_be_from_1_to_i64_max() {
    assert_eq!(IpcConfig::MAX_MESSAGE_BYTES_LIMIT, i64::MAX as u64);
    for max in [0, i64::MAX as u64 + 1, u64::MAX] {
        let err = rejected(&with(|c| c.max_message_bytes = max));
        assert_eq!(
            err,
            ConfigError::InvalidMaxMessageBytes {
                max_message_bytes: max
            }
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
        c.linger_ms = u32::MAX;
        c.max_message_bytes = 0;
    })
    .validate()
    .unwrap_err();
    assert!(matches!(err, ConfigError::InvalidLinger { .. }), "{err:?}");
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
            config = config.with_max_message_bytes(max);
            assert!(config.validate().is_ok(), "{max}");
            let consumer = IpcConsumer::new(config.clone()).expect("consumer accepts it");
            config.endpoint = consumer.endpoint().to_owned();
            let mut producer = IpcProducer::new(config).expect("producer accepts it");
            assert_eq!(producer.config().max_message_bytes, max);
            // A limit of 1 byte must not keep the ends from connecting.
            within("a message under the smallest limit", move || {
                producer.insert(b"x").unwrap();
                let mut consumer = consumer;
                assert_eq!(consumer.consume().unwrap(), b"x");
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
        linger_ms: u32::MAX,
        max_message_bytes: 0,
    }
    .validate()
    .unwrap_err();
    assert!(
        matches!(err, ConfigError::UnsupportedEndpoint { .. }),
        "{err:?}"
    );
    let err = with(|c| {
        c.backlog = 0;
        c.linger_ms = u32::MAX;
        c.max_message_bytes = 0;
    })
    .validate()
    .unwrap_err();
    assert!(matches!(err, ConfigError::InvalidBacklog { .. }), "{err:?}");
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
        assert_eq!(
            err,
            ConfigError::UnsupportedEndpoint {
                endpoint: endpoint.to_owned()
            }
        );
        assert_eq!(
            err.to_string(),
            format!(
                "unsupported endpoint `{endpoint}`: use ipc://PATH, tcp://HOST:PORT or \
                 inproc://NAME"
            )
        );
    }
}

#[test]
fn malformed_endpoints_say_what_is_missing() {
    const PATH: &str = "an ipc endpoint needs a path, as in ipc:///tmp/ring";
    const HOST_AND_PORT: &str =
        "a tcp endpoint needs a host and a port, as in tcp://127.0.0.1:5555";
    const HOST: &str =
        "a tcp endpoint needs a host (an address, a name, or * to bind every interface)";
    const PORT: &str = "the port must be a number from 0 to 65535, or * to bind a free port";
    const NAME: &str = "an inproc endpoint needs a name, as in inproc://ring";
    for (endpoint, hint, reason) in [
        ("ipc://", "path", PATH),
        ("tcp://", "host and a port", HOST_AND_PORT),
        ("tcp://127.0.0.1", "host and a port", HOST_AND_PORT),
        ("tcp://:5555", "host", HOST),
        ("tcp://127.0.0.1:", "port", PORT),
        ("tcp://127.0.0.1:65536", "port", PORT),
        ("tcp://127.0.0.1:-1", "port", PORT),
        ("tcp://127.0.0.1:http", "port", PORT),
        ("inproc://", "name", NAME),
    ] {
        let err = rejected(&IpcConfig::new(endpoint));
        assert_eq!(
            err,
            ConfigError::InvalidEndpoint {
                endpoint: endpoint.to_owned(),
                reason
            }
        );
        assert!(err.to_string().contains(hint), "{endpoint}: {err}");
        assert_eq!(
            err.to_string(),
            format!("invalid endpoint `{endpoint}`: {reason}")
        );
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
    assert_eq!(err, ConfigError::IpcPathTooLong { len: 108, max: 107 });
    let text = err.to_string();
    assert!(text.contains("108") && text.contains("107"), "{text}");
    assert_eq!(
        text,
        "ipc path is 108 bytes, over the 107-byte limit of a Unix socket path: use a \
         shorter path, e.g. under /tmp"
    );

    // The limit counts bytes, not characters.
    let multibyte = format!("{dir}{}", "é".repeat(52)); // 5 + 104 bytes
    let err = rejected(&IpcConfig::new(format!("ipc://{multibyte}")));
    assert_eq!(err, ConfigError::IpcPathTooLong { len: 109, max: 107 });
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
    assert_eq!(consumer.consume().unwrap(), b"fits");
}

#[test]
fn a_taken_tcp_port_is_a_bind_error_naming_the_endpoint() {
    let (first, _consumer) = spsc_with(Transport::Tcp, "taken", |_| {});
    let endpoint = first.endpoint().to_owned();
    let err = IpcProducer::new(IpcConfig::new(endpoint.clone())).unwrap_err();
    assert!(
        matches!(&err, OpenError::Bind { endpoint: e, .. } if *e == endpoint),
        "{err:?}"
    );
    assert!(err.to_string().contains(&endpoint), "{err}");
}

#[test]
fn a_wildcard_port_cannot_be_connected_to() {
    // With several producers the producers connect, and `*` is only meaningful to bind.
    let err = IpcProducer::new(IpcConfig::mpsc("tcp://127.0.0.1:*", 2)).unwrap_err();
    assert!(matches!(err, OpenError::Connect { .. }), "{err:?}");
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
