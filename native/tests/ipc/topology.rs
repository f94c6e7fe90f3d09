//! MPSC, SPMC, and either side starting first.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;

use mmring_native::ipc::{ConsumeError, IpcConfig, IpcConsumer, IpcProducer};

use crate::support::{TRANSPORTS, Transport, ipc_endpoint, unique, within};

const PRODUCERS: u32 = 5;
const PER_PRODUCER: u32 = 50;

/// `producer` sends `PER_PRODUCER` messages `[producer, seq]` (little-endian u32s),
/// then hands itself back: with `linger_ms = 0` dropping it at once could discard
/// messages not yet transmitted, so the test keeps it until all have arrived.
fn send_all(mut producer: IpcProducer, id: u32) -> IpcProducer {
    for seq in 0..PER_PRODUCER {
        let mut msg = id.to_le_bytes().to_vec();
        msg.extend_from_slice(&seq.to_le_bytes());
        producer.insert(&msg).unwrap();
    }
    producer
}

/// Receives the 250 messages of the MPSC tests and checks each producer's sequence
/// arrived complete and in order.
fn receive_all(consumer: &mut IpcConsumer) {
    let mut next = [0u32; PRODUCERS as usize];
    for _ in 0..PRODUCERS * PER_PRODUCER {
        let msg = consumer.consume().unwrap();
        let id = u32::from_le_bytes(msg[..4].try_into().unwrap()) as usize;
        let seq = u32::from_le_bytes(msg[4..].try_into().unwrap());
        assert_eq!(seq, next[id], "producer {id} out of order");
        next[id] += 1;
    }
    assert_eq!(next, [PER_PRODUCER; PRODUCERS as usize]);
    assert_eq!(consumer.try_consume().unwrap(), None);
}

fn mpsc(transport: Transport) {
    within("MPSC", move || {
        let config = IpcConfig::mpsc(transport.endpoint("mpsc"), PRODUCERS as usize);
        let mut consumer = IpcConsumer::new(config.clone()).unwrap(); // binds
        let config = IpcConfig {
            endpoint: consumer.endpoint().to_owned(),
            ..config
        };
        let senders: Vec<_> = (0..PRODUCERS)
            .map(|id| {
                let config = config.clone();
                thread::spawn(move || send_all(IpcProducer::new(config).unwrap(), id))
            })
            .collect();
        receive_all(&mut consumer);
        for sender in senders {
            drop(sender.join().unwrap());
        }
    });
}

#[test]
fn mpsc_five_producer_threads_deliver_all_250() {
    for transport in TRANSPORTS {
        mpsc(transport);
    }
}

#[test]
fn producers_may_start_before_the_consumer_binds() {
    for endpoint in [
        ipc_endpoint("early"),
        format!("inproc://{}", unique("early")),
    ] {
        within("producers first", move || {
            let config = IpcConfig::mpsc(endpoint, PRODUCERS as usize);
            // Connecting producers queue their messages before anyone has bound.
            let producers: Vec<_> = (0..PRODUCERS)
                .map(|_| IpcProducer::new(config.clone()).unwrap())
                .collect();
            let senders: Vec<_> = producers
                .into_iter()
                .zip(0..)
                .map(|(producer, id)| thread::spawn(move || send_all(producer, id)))
                .collect();
            thread::sleep(Duration::from_millis(50));
            let mut consumer = IpcConsumer::new(config).unwrap();
            receive_all(&mut consumer);
            for sender in senders {
                drop(sender.join().unwrap());
            }
        });
    }
}

#[test]
fn a_consumer_may_start_before_the_producer_binds() {
    for transport in [Transport::Ipc, Transport::Inproc] {
        within("consumer first", move || {
            let config = IpcConfig::new(transport.endpoint("late-producer"));
            let mut consumer = IpcConsumer::new(config.clone()).unwrap(); // connects
            let sender = thread::spawn(move || {
                thread::sleep(Duration::from_millis(50));
                let mut producer = IpcProducer::new(config).unwrap();
                producer.insert(b"late").unwrap();
                producer
            });
            assert_eq!(consumer.consume().unwrap(), b"late");
            drop(sender.join().unwrap());
        });
    }
}

fn spmc(transport: Transport) {
    within("SPMC", move || {
        const TOTAL: usize = 200;
        let config = IpcConfig::spmc(transport.endpoint("spmc"), 2);
        let mut producer = IpcProducer::new(config.clone()).unwrap(); // binds
        let config = IpcConfig {
            endpoint: producer.endpoint().to_owned(),
            ..config
        };
        let received = Arc::new(AtomicUsize::new(0));
        let consumers: Vec<_> = (0..2)
            .map(|_| {
                let mut consumer = IpcConsumer::new(config.clone()).unwrap();
                let received = Arc::clone(&received);
                thread::spawn(move || {
                    let mut got = Vec::new();
                    while received.load(Ordering::SeqCst) < TOTAL {
                        match consumer.consume_timeout(Duration::from_millis(20)) {
                            Ok(msg) => {
                                got.push(u32::from_le_bytes(msg[..].try_into().unwrap()));
                                received.fetch_add(1, Ordering::SeqCst);
                            }
                            Err(ConsumeError::Timeout) => {}
                            Err(err) => panic!("{err}"),
                        }
                    }
                    got
                })
            })
            .collect();
        for i in 0..TOTAL as u32 {
            producer.insert(&i.to_le_bytes()).unwrap();
        }
        let mut all = Vec::new();
        for consumer in consumers {
            let got = consumer.join().unwrap();
            // Each consumer sees its share in the order it was sent.
            assert!(got.windows(2).all(|w| w[0] < w[1]), "{got:?}");
            all.extend(got);
        }
        assert_eq!(all.len(), TOTAL, "every message exactly once");
        let distinct: HashSet<u32> = all.into_iter().collect();
        assert_eq!(distinct, (0..TOTAL as u32).collect());
    });
}

#[test]
fn spmc_two_consumers_share_200_messages() {
    for transport in TRANSPORTS {
        spmc(transport);
    }
}
