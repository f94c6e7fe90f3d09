//! The message size limit, `IpcConfig::max_message_bytes`: a producer refuses a
//! message or frame over it and sends nothing.

use mmring_native::Bytes;
use mmring_native::ipc::{IpcConfig, IpcError, IpcProducer};

use crate::support::{HANG, TRANSPORTS, ipc_endpoint, spsc_with, within};

/// The limit of every capped end here.
const CAP: u64 = 1024;
/// [`CAP`] as a length.
const CAP_LEN: usize = CAP as usize;

fn capped(config: &mut IpcConfig) {
    config.max_message_bytes = CAP;
}

/// One byte over the limit.
fn oversize() -> Vec<u8> {
    vec![0xEE; CAP_LEN + 1]
}

/// A packed frame of three messages under the limit that is itself over it.
fn oversize_frame() -> Vec<&'static [u8]> {
    vec![&[0xAA; 400], &[0xBB; 400], &[0xCC; 400]] // 3 × (4 + 400) = 1212 bytes
}

/// Asserts that `err` is `TooLarge` for `len` bytes over [`CAP`], with its message.
fn assert_too_large(err: IpcError, len: usize) {
    assert!(
        matches!(err, IpcError::TooLarge { len: l, max: CAP } if l == len),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        format!(
            "message or packed frame of {len} bytes is over max_message_bytes (1024 bytes): \
             nothing was sent; split it, or raise max_message_bytes on every end of the ring"
        )
    );
}

#[test]
fn a_producer_refuses_an_oversize_message_on_every_path_and_sends_nothing() {
    for transport in TRANSPORTS {
        within("oversize inserts", move || {
            let (mut producer, mut consumer) = spsc_with(transport, "refuse", capped);
            let big = oversize();
            assert_too_large(producer.insert(&big).unwrap_err(), 1025);
            assert_too_large(
                producer.insert_bytes(Bytes::from(big.clone())).unwrap_err(),
                1025,
            );
            assert_too_large(producer.try_insert(&big).unwrap_err(), 1025);
            assert_too_large(producer.insert_timeout(&big, HANG).unwrap_err(), 1025);
            // The whole batch is refused, not only the oversize message.
            assert_too_large(
                producer
                    .insert_batch(&[b"before", &big, b"after"])
                    .unwrap_err(),
                1025,
            );

            // A frame counts its 4-byte length prefixes: 4 + 1021 = 1025 bytes.
            let frame_over = vec![0xAB; CAP_LEN - 3];
            assert_too_large(producer.insert_packed(&[&frame_over]).unwrap_err(), 1025);
            assert_too_large(
                producer.try_insert_packed(&[&frame_over]).unwrap_err(),
                1025,
            );
            assert_too_large(
                producer
                    .insert_packed_timeout(&[&frame_over], HANG)
                    .unwrap_err(),
                1025,
            );
            // Messages under the limit whose frame is over it.
            assert_too_large(producer.insert_packed(&oversize_frame()).unwrap_err(), 1212);

            // Exactly the limit goes through, as a message and as a frame. Being the
            // first things to arrive, they show that nothing refused was sent.
            let exact = vec![0x11; CAP_LEN];
            let exact_frame = vec![0x22; CAP_LEN - 4];
            producer.insert(&exact).unwrap();
            producer.insert_packed(&[&exact_frame]).unwrap();
            assert_eq!(consumer.consume().unwrap(), exact);
            assert_eq!(consumer.consume_packed().unwrap(), [&exact_frame[..]]);
        });
    }
}

#[test]
fn a_stopped_producer_says_stopped_before_too_large() {
    let mut config = IpcConfig::new(ipc_endpoint("stopped-cap"));
    capped(&mut config);
    let mut producer = IpcProducer::new(config).unwrap();
    producer.stop().unwrap();
    assert!(matches!(
        producer.insert(&oversize()),
        Err(IpcError::Stopped)
    ));
    assert!(matches!(
        producer.insert_packed(&oversize_frame()),
        Err(IpcError::Stopped)
    ));
}
