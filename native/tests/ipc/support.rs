//! Unique endpoints, connected pairs and a hang detector shared by the ipc tests.

use std::panic;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread;
use std::time::Duration;

use mmring_native::ipc::{IpcConfig, IpcConsumer, IpcProducer};

/// How long a test may wait for something that should take milliseconds before it is
/// declared hung. Not a performance bound: only a deadlock or a lost wake-up gets near.
pub const HANG: Duration = Duration::from_secs(30);

/// The transports every round trip runs over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// A Unix socket under the temp dir.
    Ipc,
    /// Loopback TCP on a port the system picks.
    Tcp,
    /// In-process.
    Inproc,
}

pub const TRANSPORTS: [Transport; 3] = [Transport::Ipc, Transport::Tcp, Transport::Inproc];

impl Transport {
    /// A fresh endpoint for the binding side: unique per process and call, so tests
    /// running in parallel (and other test binaries) never share one.
    pub fn endpoint(self, tag: &str) -> String {
        match self {
            Self::Ipc => ipc_endpoint(tag),
            Self::Tcp => "tcp://127.0.0.1:*".to_owned(),
            Self::Inproc => format!("inproc://{}", unique(tag)),
        }
    }
}

/// `pid-tag-counter`.
pub fn unique(tag: &str) -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("{}-{tag}-{n}", std::process::id())
}

/// A fresh `ipc://` endpoint under the temp dir.
pub fn ipc_endpoint(tag: &str) -> String {
    let path = std::env::temp_dir().join(format!("mmring-test-{}.sock", unique(tag)));
    format!("ipc://{}", path.display())
}

/// An SPSC pair over `transport`: the producer binds (resolving a TCP wildcard port),
/// the consumer connects to where it bound. `tweak` adjusts both configurations.
pub fn spsc_with(
    transport: Transport,
    tag: &str,
    tweak: impl Fn(&mut IpcConfig),
) -> (IpcProducer, IpcConsumer) {
    let mut config = IpcConfig::new(transport.endpoint(tag));
    tweak(&mut config);
    let producer = IpcProducer::new(config.clone()).expect("producer");
    config.endpoint = producer.endpoint().to_owned();
    let consumer = IpcConsumer::new(config).expect("consumer");
    (producer, consumer)
}

/// [`spsc_with`] with the default configuration.
pub fn spsc(transport: Transport, tag: &str) -> (IpcProducer, IpcConsumer) {
    spsc_with(transport, tag, |_| {})
}

/// Runs `body` on its own thread and returns its result, failing the test if it has
/// not finished within [`HANG`] (a hang detector, not a timing assertion). A panic in
/// `body` is re-raised here.
pub fn within<T: Send + 'static>(what: &str, body: impl FnOnce() -> T + Send + 'static) -> T {
    let (done, finished) = mpsc::channel();
    let worker = thread::spawn(move || {
        let _ = done.send(body());
    });
    match finished.recv_timeout(HANG) {
        Ok(value) => {
            worker.join().expect("worker finished");
            value
        }
        Err(RecvTimeoutError::Disconnected) => match worker.join() {
            Err(panic) => panic::resume_unwind(panic),
            Ok(()) => unreachable!("the worker sends before it returns"),
        },
        Err(RecvTimeoutError::Timeout) => panic!("{what} did not finish within {HANG:?}"),
    }
}
