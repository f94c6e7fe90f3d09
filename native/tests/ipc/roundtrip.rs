//! Messages come out as they went in, over every transport.

use mmring_native::packed;

use crate::support::{Transport, spsc, within};

fn messages() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("single", b"tick".to_vec()),
        ("empty", Vec::new()),
        ("1 KiB", vec![0xA5; 1024]),
        ("binary", (0..=255).collect()),
        ("UTF-8", "prix 101,5 € — 買い".as_bytes().to_vec()),
        ("NUL bytes", vec![0, 0, 1, 0]),
        (
            "1 MiB",
            (0..1 << 20).map(|i: u32| (i % 251) as u8).collect(),
        ),
    ]
}

fn each_message_round_trips(transport: Transport) {
    within("round trip", move || {
        let (mut producer, mut consumer) = spsc(transport, "each");
        for (what, msg) in messages() {
            producer.insert(&msg).unwrap();
            assert_eq!(
                consumer.consume().unwrap(),
                msg,
                "{what} over {transport:?}"
            );
        }
        // Into one reused buffer, longest message first: it never has to grow again.
        let mut buf = Vec::new();
        let mut by_size = messages();
        by_size.sort_by_key(|(_, msg)| std::cmp::Reverse(msg.len()));
        let mut grown = None;
        for (what, msg) in by_size {
            producer.insert(&msg).unwrap();
            while !consumer.consume_into(&mut buf).unwrap() {
                std::thread::yield_now();
            }
            assert_eq!(buf, msg, "{what} into a buffer");
            let capacity = *grown.get_or_insert(buf.capacity());
            assert_eq!(
                buf.capacity(),
                capacity,
                "{what}: the buffer was reallocated"
            );
        }
    });
}

fn a_sequence_keeps_its_order(transport: Transport) {
    within("ordered sequence", move || {
        let (mut producer, mut consumer) = spsc(transport, "order");
        let sender = std::thread::spawn(move || {
            for i in 0..1000u32 {
                producer.insert(&i.to_le_bytes()).unwrap();
            }
            producer
        });
        for i in 0..1000u32 {
            assert_eq!(consumer.consume().unwrap(), i.to_le_bytes());
        }
        drop(sender.join().unwrap());
    });
}

fn batches_arrive_as_separate_messages(transport: Transport) {
    within("batch", move || {
        let (mut producer, mut consumer) = spsc(transport, "batch");
        producer.insert_batch(&[b"a", b"", b"ccc"]).unwrap();
        producer.insert_batch(&[]).unwrap();
        for expected in [&b"a"[..], b"", b"ccc"] {
            assert_eq!(consumer.consume().unwrap(), expected);
        }
        assert_eq!(consumer.try_consume().unwrap(), None);
    });
}

fn packed_frames_round_trip(transport: Transport) {
    within("packed", move || {
        let (mut producer, mut consumer) = spsc(transport, "packed");
        let kib = [7u8; 1024];
        let binary: Vec<u8> = (0..=255).collect();
        let batches: [&[&[u8]]; 5] = [
            &[b""],
            &[b"one"],
            &[b"bid", b"ask", b""],
            &[&kib, &binary, "€".as_bytes()],
            &[b"", b"", b""],
        ];
        for batch in batches {
            producer.insert_packed(batch).unwrap();
            let got = consumer.consume_packed().unwrap();
            assert_eq!(got, batch, "{transport:?}");
        }
        // 100 small messages in one frame, as the throughput target uses.
        let many: Vec<Vec<u8>> = (0..100u8).map(|i| vec![i; 64]).collect();
        let many_refs: Vec<&[u8]> = many.iter().map(Vec::as_slice).collect();
        producer.insert_packed(&many_refs).unwrap();
        assert_eq!(consumer.consume_packed().unwrap(), many_refs);
    });
}

fn a_packed_frame_is_also_a_plain_message(transport: Transport) {
    within("packed as plain", move || {
        let (mut producer, mut consumer) = spsc(transport, "packed-plain");
        producer.insert_packed(&[b"ab", b"c"]).unwrap();
        assert_eq!(
            consumer.consume().unwrap(),
            [2, 0, 0, 0, b'a', b'b', 1, 0, 0, 0, b'c']
        );
        // And a hand-built frame is read by consume_packed.
        producer.insert(&[0, 0, 0, 0]).unwrap();
        assert_eq!(consumer.consume_packed().unwrap(), [b""]);
        producer.insert(&[]).unwrap();
        assert!(consumer.consume_packed().unwrap().is_empty());
    });
}

fn packed_frames_read_in_place_from_a_reused_buffer(transport: Transport) {
    within("zero-copy frame reading", move || {
        let (mut producer, mut consumer) = spsc(transport, "in-place");
        let big = vec![3u8; 4096];
        let mut frame = Vec::with_capacity(2 * (4 + big.len()));
        let capacity = frame.capacity();
        for _ in 0..3 {
            producer.insert_packed(&[&big, &big]).unwrap();
            while !consumer.consume_into(&mut frame).unwrap() {
                std::thread::yield_now();
            }
            let got: Vec<&[u8]> = packed::iter(&frame).map(Result::unwrap).collect();
            assert_eq!(got, [&big[..], &big[..]]);
            // The second message starts right after the first one and its 4-byte
            // prefix in the same buffer: borrowed from the frame, not copied.
            let first = got[0].as_ptr() as usize;
            let second = got[1].as_ptr() as usize;
            assert_eq!(second - first, big.len() + 4);
            assert_eq!(got[0].as_ptr(), frame[4..].as_ptr());
        }
        assert_eq!(frame.capacity(), capacity, "the buffer is reused as it is");
    });
}

macro_rules! over_every_transport {
    ($($name:ident),* $(,)?) => {
        mod ipc {
            $(#[test] fn $name() { super::$name(super::Transport::Ipc) })*
        }
        mod tcp {
            $(#[test] fn $name() { super::$name(super::Transport::Tcp) })*
        }
        mod inproc {
            $(#[test] fn $name() { super::$name(super::Transport::Inproc) })*
        }
    };
}

over_every_transport!(
    each_message_round_trips,
    a_sequence_keeps_its_order,
    batches_arrive_as_separate_messages,
    packed_frames_round_trip,
    a_packed_frame_is_also_a_plain_message,
    packed_frames_read_in_place_from_a_reused_buffer,
);
