//! Linger across a process exit: a producer process that sends and exits delivers what
//! it sent, within `linger_ms`. The last end of a process terminates the shared ZeroMQ
//! context, which waits for queued messages. This is its own test binary, so that no
//! other test's ends keep the child's context alive.
#![cfg(feature = "ipc")]

use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use mmring_native::ipc::{IpcConfig, IpcConsumer, IpcProducer};

/// Set in the child process to the endpoint it should produce to.
const CHILD_ENV: &str = "MMRING_IPC_LINGER_CHILD";
/// Enough data (10 MiB) that an exit without linger would cut it short.
const COUNT: u32 = 10_000;
const SIZE: usize = 1024;
/// Generous bound on the exchange: a hang detector, not a timing assertion.
const HANG: Duration = Duration::from_secs(60);

fn message(i: u32) -> Vec<u8> {
    let mut msg = vec![(i % 251) as u8; SIZE];
    msg[..4].copy_from_slice(&i.to_le_bytes());
    msg
}

/// The producer process started by the test below (this binary, filtered to this
/// function, with [`CHILD_ENV`] set); without that variable it does nothing.
#[test]
fn child_producer_process() {
    let Ok(endpoint) = std::env::var(CHILD_ENV) else {
        return;
    };
    let config = IpcConfig::mpsc(endpoint, 2).with_linger_ms(30_000);
    let mut producer = IpcProducer::new(config).unwrap();
    for i in 0..COUNT {
        producer.insert(&message(i)).unwrap();
    }
    // Returning drops the producer, the last end of this process: the drop waits
    // until everything is delivered (or 30 s pass).
}

#[test]
fn a_producer_process_that_exits_delivers_within_linger() {
    let path = std::env::temp_dir().join(format!("mmring-linger-{}.sock", std::process::id()));
    let mut consumer = IpcConsumer::new(IpcConfig::mpsc(format!("ipc://{}", path.display()), 2))
        .expect("consumer binds");
    let child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_producer_process", "--test-threads=1"])
        .env(CHILD_ENV, consumer.endpoint())
        .stdout(Stdio::null())
        .spawn()
        .expect("start the producer process");

    let (exited, exit) = mpsc::channel();
    let waiter = thread::spawn(move || {
        let mut child = child;
        let _ = exited.send(child.wait());
    });
    let status = exit
        .recv_timeout(HANG)
        .expect("the producer process did not exit")
        .expect("wait for the producer process");
    waiter.join().unwrap();
    assert!(status.success(), "producer process failed: {status}");

    // The producer is gone; everything it sent must be here or on its way.
    for i in 0..COUNT {
        let got = consumer.consume_timeout(HANG).expect("message delivered");
        assert!(got == message(i), "message {i} differs");
    }
    assert_eq!(consumer.try_consume().unwrap(), None);
}
