//! `aconsume` under tokio and smol: it waits without blocking the executor thread,
//! delivers in order, and can be cancelled without losing a message.
#![cfg(unix)]

mod shm_common;

use std::time::Duration;

use futures::FutureExt;
use mmring_native::shm::{InsertError, ShmConfig, ShmConsumer, ShmProducer};
use mmring_native::spsc::Policy;
use shm_common::*;

fn ring(name: &str) -> (ShmProducer, ShmConsumer, Cleanup) {
    let path = temp_path(name);
    let config = ShmConfig::at_path(&path, 1 << 14).with_policy(Policy::Reject);
    let tx = ShmProducer::create(&config).unwrap();
    let rx = ShmConsumer::open(&config).unwrap();
    (tx, rx, Cleanup(path))
}

#[test]
fn a_waiting_message_is_ready_at_the_first_poll() {
    let (mut tx, mut rx, _clean) = ring("async-ready");
    tx.insert(b"here").unwrap();
    assert_eq!(rx.aconsume().now_or_never().unwrap().unwrap(), b"here");
    assert!(
        rx.aconsume().now_or_never().is_none(),
        "nothing there: pending"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokio_multi_thread_receives_every_message_in_order() {
    let (mut tx, mut rx, _clean) = ring("async-tokio");
    let n = 2000;
    let writer = std::thread::spawn(move || {
        let mut message = Vec::new();
        for seq in 0..n {
            make_message(seq, len_for(seq, 0, 500), &mut message);
            while let Err(e) = tx.insert(&message) {
                assert!(matches!(e, InsertError::Full), "{e}");
                std::thread::yield_now();
            }
            if seq % 100 == 0 {
                std::thread::sleep(Duration::from_millis(1)); // let the reader park
            }
        }
    });
    let mut checker = SeqChecker::default();
    while checker.delivered < n {
        let message = tokio::time::timeout(Duration::from_secs(20), rx.aconsume())
            .await
            .expect("a message within 20 s")
            .unwrap();
        checker.see(&message);
    }
    assert_eq!(checker.gaps, 0);
    writer.join().unwrap();
}

#[tokio::test(flavor = "current_thread")]
async fn tokio_current_thread_is_not_blocked_while_waiting() {
    // The producer is a task on the same single thread: if `aconsume` blocked that
    // thread, the producer would never run and this test would hang.
    let (mut tx, mut rx, _clean) = ring("async-current");
    let writer = tokio::spawn(async move {
        for i in 0..5u8 {
            tokio::time::sleep(Duration::from_millis(5)).await;
            tx.insert(&[i; 3]).unwrap();
        }
        tx
    });
    for i in 0..5u8 {
        let message = tokio::time::timeout(Duration::from_secs(10), rx.aconsume())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(message, [i; 3]);
    }
    drop(writer.await.unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_aconsume_loses_nothing_and_blocking_consume_still_wakes() {
    let (mut tx, mut rx, _clean) = ring("async-cancel");
    for _ in 0..3 {
        let timed_out = tokio::time::timeout(Duration::from_millis(10), rx.aconsume()).await;
        assert!(timed_out.is_err(), "nothing was sent");
    }
    tx.insert(b"after cancel").unwrap();
    assert_eq!(rx.aconsume().await.unwrap(), b"after cancel");

    // With the helper thread idle, a blocking consume parks and is woken as usual.
    let reader = std::thread::spawn(move || {
        let message = rx.consume_timeout(Duration::from_secs(10)).unwrap();
        (rx, message)
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    tx.insert(b"blocking").unwrap();
    let (mut rx, message) = reader.join().unwrap();
    assert_eq!(message, b"blocking");

    // And the async path works again afterwards.
    let writer = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(20));
        tx.insert(b"again").unwrap();
    });
    assert_eq!(rx.aconsume().await.unwrap(), b"again");
    writer.join().unwrap();
}

#[test]
fn smol_receives_and_cancels() {
    let (mut tx, mut rx, _clean) = ring("async-smol");
    smol::block_on(async {
        let timed_out = smol::future::or(async { Some(rx.aconsume().await) }, async {
            smol::Timer::after(Duration::from_millis(10)).await;
            None
        })
        .await;
        assert!(timed_out.is_none());

        let writer = std::thread::spawn(move || {
            for i in 0..100u32 {
                tx.insert(&i.to_le_bytes()).unwrap();
                if i % 10 == 0 {
                    std::thread::sleep(Duration::from_millis(1));
                }
            }
        });
        for i in 0..100u32 {
            assert_eq!(rx.aconsume().await.unwrap(), i.to_le_bytes());
        }
        writer.join().unwrap();
    });
}
