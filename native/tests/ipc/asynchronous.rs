//! `aconsume` and `aconsume_packed` under tokio, smol and a bare `block_on`: they never
//! block the executor thread, lose no wake-up, and are cancel-safe.

use std::thread;
use std::time::Duration;

use mmring_native::ipc::{IpcConsumer, IpcProducer};

use crate::support::{TRANSPORTS, Transport, spsc, within};

const MESSAGES: u32 = 2000;

/// Sends `MESSAGES` numbered messages from another thread, alternating single
/// messages and packed frames of three, with pauses so that the consumer often finds
/// the queue empty and has to wait. Hands the producer back for dropping after the
/// consumer is done (linger 0 would otherwise discard what is in flight).
fn send_numbers(mut producer: IpcProducer) -> thread::JoinHandle<IpcProducer> {
    thread::spawn(move || {
        for i in 0..MESSAGES {
            if i % 2 == 0 {
                producer.insert(&i.to_le_bytes()).unwrap();
            } else {
                let i = i.to_le_bytes();
                producer.insert_packed(&[&i, &i, &i]).unwrap();
            }
            if i % 97 == 0 {
                thread::sleep(Duration::from_millis(1));
            }
        }
        producer
    })
}

/// Receives what [`send_numbers`] sends, asynchronously, checking every message.
async fn receive_numbers(consumer: &mut IpcConsumer) {
    for i in 0..MESSAGES {
        let expected = i.to_le_bytes();
        if i % 2 == 0 {
            assert_eq!(consumer.aconsume().await.unwrap(), expected);
        } else {
            let frame = consumer.aconsume_packed().await.unwrap();
            assert_eq!(frame, [&expected[..]; 3]);
        }
    }
}

fn stream_under_tokio(transport: Transport) {
    within("tokio stream", move || {
        let (producer, mut consumer) = spsc(transport, "tokio-stream");
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let sender = send_numbers(producer);
        // Spawned: the future must be `Send`, and may move between worker threads.
        let task = runtime.spawn(async move {
            receive_numbers(&mut consumer).await;
            consumer
        });
        let consumer = runtime.block_on(task).unwrap();
        drop(sender.join().unwrap());
        drop(consumer);
    });
}

fn stream_under_smol(transport: Transport) {
    within("smol stream", move || {
        let (producer, mut consumer) = spsc(transport, "smol-stream");
        let sender = send_numbers(producer);
        smol::block_on(receive_numbers(&mut consumer));
        drop(sender.join().unwrap());
    });
}

fn stream_under_block_on(transport: Transport) {
    within("block_on stream", move || {
        let (producer, mut consumer) = spsc(transport, "block-on-stream");
        let sender = send_numbers(producer);
        futures::executor::block_on(receive_numbers(&mut consumer));
        drop(sender.join().unwrap());
    });
}

#[test]
fn streams_arrive_complete_under_tokio() {
    for transport in TRANSPORTS {
        stream_under_tokio(transport);
    }
}

#[test]
fn streams_arrive_complete_under_smol() {
    for transport in TRANSPORTS {
        stream_under_smol(transport);
    }
}

#[test]
fn streams_arrive_complete_under_a_bare_block_on() {
    for transport in TRANSPORTS {
        stream_under_block_on(transport);
    }
}

#[test]
fn waiting_does_not_block_a_single_threaded_tokio_runtime() {
    // On a current-thread runtime the sender below only runs if `aconsume` yields the
    // thread while it waits; a blocking wait would hang here.
    for transport in TRANSPORTS {
        within("tokio current thread", move || {
            let (mut producer, mut consumer) = spsc(transport, "tokio-yield");
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                let send_later = async {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    producer.insert(b"one").unwrap();
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    producer.insert_packed(&[b"two", b"three"]).unwrap();
                };
                let receive = async {
                    let one = consumer.aconsume().await.unwrap();
                    let packed = consumer.aconsume_packed().await.unwrap();
                    (one, packed)
                };
                let ((), (one, packed)) = tokio::join!(send_later, receive);
                assert_eq!(one, b"one");
                assert_eq!(packed, [&b"two"[..], b"three"]);
            });
        });
    }
}

#[test]
fn waiting_does_not_block_smol() {
    for transport in TRANSPORTS {
        within("smol single thread", move || {
            let (mut producer, mut consumer) = spsc(transport, "smol-yield");
            smol::block_on(async {
                let send_later = async {
                    smol::Timer::after(Duration::from_millis(20)).await;
                    producer.insert(b"one").unwrap();
                    smol::Timer::after(Duration::from_millis(20)).await;
                    producer.insert_packed(&[b"two", b"three"]).unwrap();
                };
                let receive = async {
                    let one = consumer.aconsume().await.unwrap();
                    let packed = consumer.aconsume_packed().await.unwrap();
                    (one, packed)
                };
                let ((), (one, packed)) = smol::future::zip(send_later, receive).await;
                assert_eq!(one, b"one");
                assert_eq!(packed, [&b"two"[..], b"three"]);
            });
        });
    }
}

#[test]
fn a_cancelled_aconsume_loses_nothing() {
    for transport in TRANSPORTS {
        within("cancel safety", move || {
            let (mut producer, mut consumer) = spsc(transport, "cancel");
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                let waited =
                    tokio::time::timeout(Duration::from_millis(20), consumer.aconsume()).await;
                assert!(waited.is_err(), "nothing was sent yet");
                producer.insert(b"after the cancel").unwrap();
                assert_eq!(consumer.aconsume().await.unwrap(), b"after the cancel");
            });
        });
    }
}

#[test]
fn sync_and_async_calls_mix_on_one_consumer() {
    within("mixed", || {
        let (mut producer, mut consumer) = spsc(Transport::Ipc, "mixed");
        for i in 0..10u8 {
            producer.insert(&[i]).unwrap();
        }
        for i in 0..10u8 {
            let got = if i % 2 == 0 {
                consumer.consume().unwrap()
            } else {
                smol::block_on(consumer.aconsume()).unwrap()
            };
            assert_eq!(got, [i]);
        }
        assert_eq!(consumer.try_consume().unwrap(), None);
        consumer.close().unwrap(); // drops the reactor registration, then the socket
    });
}
