//! [`ShmConsumer`]: the reading process, and its [`Aconsume`] future.

use std::future::Future;
use std::io;
use std::path::Path;
use std::pin::Pin;
use std::sync::atomic::Ordering::Relaxed;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use mmring_core::packed;
use mmring_core::spsc::{AttachError, Consumer, LayoutError, Policy, ReaderLine, Region};

use super::file::{self, MappedRegion};
use super::header::FileHeader;
use super::wait::{self, AsyncWaiter};
use super::{ConsumeError, OpenError, ShmConfig, WaitStrategy};

/// The one reader of a shared-memory ring. See the [module docs](super) for the file
/// layout, the policies and the guarantees.
///
/// Non-blocking calls (`try_consume`, `consume_into`, `consume_all`, the peeks) never
/// wait; `consume`, `consume_timeout` and `consume_packed` wait with the configured
/// [`WaitStrategy`]; [`aconsume`](Self::aconsume) waits without blocking the executor.
/// `Send` and `Sync`; reading takes `&mut self`.
///
/// ```
/// use std::time::Duration;
/// use mmring_native::shm::{ShmConfig, ShmConsumer, ShmProducer};
///
/// let path = std::env::temp_dir().join(format!("mmring-doc-consumer-{}", std::process::id()));
/// let config = ShmConfig::at_path(&path, 4096).with_unlink_on_close(true);
/// let mut tx = ShmProducer::create(&config)?;
/// let mut rx = ShmConsumer::open(&config)?;
/// let reader = std::thread::spawn(move || rx.consume());
/// tx.insert(b"wake up")?;
/// assert_eq!(reader.join().unwrap()?, b"wake up");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct ShmConsumer {
    inner: Consumer<MappedRegion>,
    wait: WaitStrategy,
    /// Reused by the packed calls.
    frame: Vec<u8>,
    /// From the header, checked at open.
    max_message: usize,
    /// Started by the first `aconsume` that has to wait.
    waiter: Option<AsyncWaiter>,
}

impl ShmConsumer {
    /// Opens the ring file at `config.path` as its consumer, resuming where the last
    /// consumer of this file stopped. Capacity, largest message and policy come from the
    /// file; the config's are ignored. Waits up to `config.open_timeout` for a producer
    /// that is still initialising the file.
    ///
    /// One consumer reads a ring at a time: while this one lives (until it is dropped,
    /// or its process dies) another `open` of the file is refused. A
    /// [broadcast](super#broadcast) ring instead attaches a new reader at
    /// `config.start_at`, up to the ring's number of readers.
    ///
    /// # Errors
    /// [`OpenError::ConsumerInUse`] while another consumer is attached;
    /// [`OpenError::ReadersFull`] when every reader slot of a broadcast ring is taken;
    /// [`OpenError::Config`] for a name [`ShmConfig::new`] does not accept;
    /// [`OpenError::Missing`], [`OpenError::TooShort`], [`OpenError::BadMagic`],
    /// [`OpenError::UnknownVersion`], [`OpenError::NotReady`], [`OpenError::HeaderSize`],
    /// [`OpenError::BadCapacity`], [`OpenError::SizeMismatch`],
    /// [`OpenError::BadMaxMessage`], [`OpenError::BadPolicy`], [`OpenError::Layout`] for
    /// the bad files they name, [`OpenError::Io`] when the OS refuses.
    ///
    /// ```
    /// use mmring_native::shm::{OpenError, ShmConfig, ShmConsumer};
    ///
    /// let path = std::env::temp_dir().join(format!("mmring-doc-open-{}", std::process::id()));
    /// std::fs::write(&path, b"not a ring")?;
    /// let err = ShmConsumer::open(&ShmConfig::at_path(&path, 4096)).unwrap_err();
    /// assert!(matches!(err, OpenError::TooShort { len: 10, need: 1024, .. }));
    /// # std::fs::remove_file(&path)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn open(config: &ShmConfig) -> Result<Self, OpenError> {
        let (region, fields) = file::open(config)?;
        let path = region.path().to_path_buf();
        let inner = if fields.readers == 0 {
            Consumer::new(region, fields.policy, fields.max_message)
                .map_err(|source| OpenError::Layout { path, source })?
        } else {
            let reader =
                Consumer::attach(region, fields.policy, fields.max_message, config.start_at)
                    .map_err(|e| attach_error(path, e))?;
            if let Some(line) = reader.slot().and_then(|s| reader.region().readers().get(s)) {
                line.set_owner(u64::from(std::process::id()));
            }
            reader
        };
        Ok(Self {
            inner,
            wait: config.wait,
            frame: Vec::new(),
            max_message: fields.max_message,
            waiter: None,
        })
    }

    /// Removes and returns the oldest message, or `None` when there is none. Never
    /// waits.
    ///
    /// # Errors
    /// [`ConsumeError::Corrupt`] when the ring holds an invalid record that the producer is
    /// not overwriting; the consumer stays where it was.
    ///
    /// ```
    /// use mmring_native::shm::{ShmConfig, ShmConsumer, ShmProducer};
    ///
    /// let path = std::env::temp_dir().join(format!("mmring-doc-try-{}", std::process::id()));
    /// let config = ShmConfig::at_path(&path, 4096).with_unlink_on_close(true);
    /// let mut tx = ShmProducer::create(&config)?;
    /// let mut rx = ShmConsumer::open(&config)?;
    /// assert_eq!(rx.try_consume()?, None);
    /// tx.insert(b"x")?;
    /// assert_eq!(rx.try_consume()?, Some(b"x".to_vec()));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn try_consume(&mut self) -> Result<Option<Vec<u8>>, ConsumeError> {
        let mut out = Vec::new();
        Ok(self.consume_into(&mut out)?.then_some(out))
    }

    /// Removes the oldest message into `out`, replacing its contents; `false` when there
    /// is none. Never waits; allocates nothing once `out` has room for the message.
    ///
    /// # Errors
    /// As [`try_consume`](Self::try_consume).
    ///
    /// ```
    /// use mmring_native::shm::{ShmConfig, ShmConsumer, ShmProducer};
    ///
    /// let path = std::env::temp_dir().join(format!("mmring-doc-into-{}", std::process::id()));
    /// let config = ShmConfig::at_path(&path, 4096).with_unlink_on_close(true);
    /// let mut tx = ShmProducer::create(&config)?;
    /// let mut rx = ShmConsumer::open(&config)?;
    /// let mut buf = Vec::with_capacity(256);
    /// tx.insert(b"tick")?;
    /// assert!(rx.consume_into(&mut buf)?);
    /// assert_eq!(buf, b"tick");
    /// assert!(!rx.consume_into(&mut buf)?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn consume_into(&mut self, out: &mut Vec<u8>) -> Result<bool, ConsumeError> {
        let got = self.inner.try_consume_into(out)?;
        if got {
            self.stamp();
        }
        Ok(got)
    }

    /// Removes up to `max` waiting messages, oldest first, lending each to `each` (in
    /// `out`, whose contents it replaces), without waiting; returns how many. The
    /// read position and the timestamp are published once per batch instead of once
    /// per message, which is what a consumer draining a busy ring spends most on.
    ///
    /// A consumer killed in the middle of a batch has published none of it, so the
    /// next consumer receives those messages again.
    ///
    /// # Errors
    /// As [`try_consume`](Self::try_consume); the messages taken before the error are
    /// published first.
    ///
    /// ```
    /// use mmring_native::shm::{ShmConfig, ShmConsumer, ShmProducer};
    ///
    /// let path = std::env::temp_dir().join(format!("mmring-doc-batch-rx-{}", std::process::id()));
    /// let config = ShmConfig::at_path(&path, 4096).with_unlink_on_close(true);
    /// let mut tx = ShmProducer::create(&config)?;
    /// let mut rx = ShmConsumer::open(&config)?;
    /// tx.insert_batch(&[b"bid", b"ask", b"trade"])?;
    /// let (mut buf, mut bytes) = (Vec::with_capacity(256), 0);
    /// assert_eq!(rx.consume_batch(&mut buf, 64, |m| bytes += m.len())?, 3);
    /// assert_eq!(bytes, 11);
    /// assert_eq!(rx.consume_batch(&mut buf, 64, |_| {})?, 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn consume_batch(
        &mut self,
        out: &mut Vec<u8>,
        max: usize,
        each: impl FnMut(&[u8]),
    ) -> Result<usize, ConsumeError> {
        let taken = self.inner.consume_batch(out, max, each);
        if matches!(taken, Ok(1..)) {
            self.stamp();
        }
        Ok(taken?)
    }

    /// Removes and returns the oldest message, waiting for one as long as it takes
    /// (spin → yield → park, see [`WaitStrategy`]).
    ///
    /// A producer that has gone away is not detected: use
    /// [`consume_timeout`](Self::consume_timeout) when that matters.
    ///
    /// # Errors
    /// As [`try_consume`](Self::try_consume).
    ///
    /// ```
    /// use mmring_native::shm::{ShmConfig, ShmConsumer, ShmProducer};
    ///
    /// let path = std::env::temp_dir().join(format!("mmring-doc-consume-{}", std::process::id()));
    /// let config = ShmConfig::at_path(&path, 4096).with_unlink_on_close(true);
    /// let mut tx = ShmProducer::create(&config)?;
    /// let mut rx = ShmConsumer::open(&config)?;
    /// tx.insert(b"ready")?;
    /// assert_eq!(rx.consume()?, b"ready");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn consume(&mut self) -> Result<Vec<u8>, ConsumeError> {
        let mut out = Vec::new();
        self.wait_into(&mut out, None)?;
        Ok(out)
    }

    /// Removes and returns the oldest message, waiting at most `timeout` for one.
    ///
    /// # Errors
    /// [`ConsumeError::Timeout`] when none arrived in time; otherwise as
    /// [`try_consume`](Self::try_consume).
    ///
    /// ```
    /// use std::time::Duration;
    /// use mmring_native::shm::{ConsumeError, ShmConfig, ShmConsumer, ShmProducer};
    ///
    /// let path = std::env::temp_dir().join(format!("mmring-doc-timeout-{}", std::process::id()));
    /// let config = ShmConfig::at_path(&path, 4096).with_unlink_on_close(true);
    /// let _tx = ShmProducer::create(&config)?;
    /// let mut rx = ShmConsumer::open(&config)?;
    /// let err = rx.consume_timeout(Duration::from_millis(5)).unwrap_err();
    /// assert!(matches!(err, ConsumeError::Timeout));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn consume_timeout(&mut self, timeout: Duration) -> Result<Vec<u8>, ConsumeError> {
        let mut out = Vec::new();
        // A timeout too large for `Instant` waits forever.
        self.wait_into(&mut out, Instant::now().checked_add(timeout))?;
        Ok(out)
    }

    /// Removes and returns every message waiting when it is called, oldest first
    /// (messages the producer commits meanwhile may be left for the next call). Never
    /// waits; an empty ring gives an empty `Vec`.
    ///
    /// # Errors
    /// As [`try_consume`](Self::try_consume), but only when not even one message could
    /// be read: a corrupt record after some good ones ends the drain early, and the
    /// next call reports it.
    ///
    /// ```
    /// use mmring_native::shm::{ShmConfig, ShmConsumer, ShmProducer};
    ///
    /// let path = std::env::temp_dir().join(format!("mmring-doc-all-{}", std::process::id()));
    /// let config = ShmConfig::at_path(&path, 4096).with_unlink_on_close(true);
    /// let mut tx = ShmProducer::create(&config)?;
    /// let mut rx = ShmConsumer::open(&config)?;
    /// assert!(rx.consume_all()?.is_empty());
    /// tx.insert_batch(&[b"1", b"2"])?;
    /// assert_eq!(rx.consume_all()?, [b"1", b"2"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn consume_all(&mut self) -> Result<Vec<Vec<u8>>, ConsumeError> {
        let waiting = self.len();
        let mut all = Vec::with_capacity(waiting.min(1024));
        while all.len() < waiting {
            match self.try_consume() {
                Ok(Some(message)) => all.push(message),
                Ok(None) => break,
                Err(e) if all.is_empty() => return Err(e),
                Err(_) => break,
            }
        }
        Ok(all)
    }

    /// Removes the oldest record, waiting for one like [`consume`](Self::consume), and
    /// unpacks it as a packed frame written by
    /// [`ShmProducer::insert_packed`](super::ShmProducer::insert_packed).
    ///
    /// # Errors
    /// [`ConsumeError::Frame`] when the record is not a valid frame (it is consumed
    /// all the same); otherwise as [`try_consume`](Self::try_consume).
    ///
    /// ```
    /// use mmring_native::PackedError;
    /// use mmring_native::shm::{ConsumeError, ShmConfig, ShmConsumer, ShmProducer};
    ///
    /// let path = std::env::temp_dir().join(format!("mmring-doc-cpacked-{}", std::process::id()));
    /// let config = ShmConfig::at_path(&path, 4096).with_unlink_on_close(true);
    /// let mut tx = ShmProducer::create(&config)?;
    /// let mut rx = ShmConsumer::open(&config)?;
    /// tx.insert_packed(&[b"a", b""])?;
    /// assert_eq!(rx.consume_packed()?, [&b"a"[..], b""]);
    /// tx.insert(&[9, 0, 0, 0, 1])?; // announces 9 bytes, has 1
    /// assert!(matches!(
    ///     rx.consume_packed(),
    ///     Err(ConsumeError::Frame(PackedError::Corrupt { offset: 0 }))
    /// ));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn consume_packed(&mut self) -> Result<Vec<Vec<u8>>, ConsumeError> {
        let mut frame = std::mem::take(&mut self.frame);
        let got = self.wait_into(&mut frame, None);
        let result = got.and_then(|()| unpack(&frame));
        self.frame = frame;
        result
    }

    /// As [`consume_packed`](Self::consume_packed), without waiting: `None` when no
    /// record is there.
    ///
    /// # Errors
    /// As [`consume_packed`](Self::consume_packed).
    ///
    /// ```
    /// use mmring_native::shm::{ShmConfig, ShmConsumer, ShmProducer};
    ///
    /// let path = std::env::temp_dir().join(format!("mmring-doc-tpacked-{}", std::process::id()));
    /// let config = ShmConfig::at_path(&path, 4096).with_unlink_on_close(true);
    /// let mut tx = ShmProducer::create(&config)?;
    /// let mut rx = ShmConsumer::open(&config)?;
    /// assert_eq!(rx.try_consume_packed()?, None);
    /// tx.insert_packed(&[b"x"])?;
    /// assert_eq!(rx.try_consume_packed()?, Some(vec![b"x".to_vec()]));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn try_consume_packed(&mut self) -> Result<Option<Vec<Vec<u8>>>, ConsumeError> {
        let mut frame = std::mem::take(&mut self.frame);
        let got = self.consume_into(&mut frame);
        let result = match got {
            Ok(true) => unpack(&frame).map(Some),
            Ok(false) => Ok(None),
            Err(e) => Err(e),
        };
        self.frame = frame;
        result
    }

    /// A copy of the oldest unread message, left in the ring; `None` when there is
    /// none.
    ///
    /// # Errors
    /// As [`try_consume`](Self::try_consume).
    ///
    /// ```
    /// use mmring_native::shm::{ShmConfig, ShmConsumer, ShmProducer};
    ///
    /// let path = std::env::temp_dir().join(format!("mmring-doc-peekl-{}", std::process::id()));
    /// let config = ShmConfig::at_path(&path, 4096).with_unlink_on_close(true);
    /// let mut tx = ShmProducer::create(&config)?;
    /// let mut rx = ShmConsumer::open(&config)?;
    /// tx.insert_batch(&[b"old", b"new"])?;
    /// assert_eq!(rx.peekleft()?, Some(b"old".to_vec()));
    /// assert_eq!(rx.len(), 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn peekleft(&mut self) -> Result<Option<Vec<u8>>, ConsumeError> {
        Ok(self.inner.peekleft()?)
    }

    /// A copy of the newest message, left in the ring; `None` when no message is
    /// waiting (also in the instant where the producer has evicted every unread message
    /// and not yet committed the next).
    ///
    /// # Errors
    /// As [`try_consume`](Self::try_consume).
    ///
    /// ```
    /// use mmring_native::shm::{ShmConfig, ShmConsumer, ShmProducer};
    ///
    /// let path = std::env::temp_dir().join(format!("mmring-doc-peekr-{}", std::process::id()));
    /// let config = ShmConfig::at_path(&path, 4096).with_unlink_on_close(true);
    /// let mut tx = ShmProducer::create(&config)?;
    /// let mut rx = ShmConsumer::open(&config)?;
    /// assert_eq!(rx.peekright()?, None);
    /// tx.insert_batch(&[b"old", b"new"])?;
    /// assert_eq!(rx.peekright()?, Some(b"new".to_vec()));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn peekright(&mut self) -> Result<Option<Vec<u8>>, ConsumeError> {
        Ok(self.inner.peekright()?)
    }

    /// Waits for the oldest message without blocking the calling thread, and removes
    /// it. Works under any executor (tokio, smol, `futures::executor`, …).
    ///
    /// When a message is already there, the future is ready at its first poll and
    /// nothing else happens. Otherwise a helper thread of this consumer (started on the
    /// first such wait and kept until the consumer is dropped) parks on the ring as a
    /// blocking consume would, and wakes the future when the producer commits. Dropping
    /// the future cancels the wait; no message is lost (the future only removes a
    /// message in the poll that returns it).
    ///
    /// # Errors
    /// As [`try_consume`](Self::try_consume); [`ConsumeError::Waiter`] if the helper thread
    /// cannot be started.
    ///
    /// ```
    /// use mmring_native::shm::{ShmConfig, ShmConsumer, ShmProducer};
    ///
    /// let path = std::env::temp_dir().join(format!("mmring-doc-aconsume-{}", std::process::id()));
    /// let config = ShmConfig::at_path(&path, 4096).with_unlink_on_close(true);
    /// let mut tx = ShmProducer::create(&config)?;
    /// let mut rx = ShmConsumer::open(&config)?;
    /// let writer = std::thread::spawn(move || tx.insert(b"async"));
    /// let message = futures::executor::block_on(rx.aconsume())?;
    /// assert_eq!(message, b"async");
    /// writer.join().unwrap()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn aconsume(&mut self) -> Aconsume<'_> {
        Aconsume {
            consumer: self,
            registered: false,
        }
    }

    /// Detaches from the ring: releases the consumer's lock, so that another consumer
    /// may open the ring at once, and unmaps the file. Dropping does the same; taking
    /// `self` makes use after close a compile-time error. Detaching cannot fail: the
    /// `Result` is the one every end of every mmring transport returns from `close`.
    ///
    /// # Errors
    /// None today.
    ///
    /// ```
    /// use mmring_native::shm::{ShmConfig, ShmConsumer, ShmProducer};
    ///
    /// let path = std::env::temp_dir().join(format!("mmring-doc-cclose-{}", std::process::id()));
    /// let config = ShmConfig::at_path(&path, 4096).with_unlink_on_close(true);
    /// let _tx = ShmProducer::create(&config)?;
    /// let rx = ShmConsumer::open(&config)?;
    /// rx.close()?;
    /// let rx = ShmConsumer::open(&config)?; // the ring is free for the next consumer
    /// # drop(rx);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn close(self) -> io::Result<()> {
        drop(self);
        Ok(())
    }

    /// Messages waiting to be read (a snapshot: the producer may commit or evict at
    /// any time).
    ///
    /// ```
    /// use mmring_native::shm::{ShmConfig, ShmConsumer, ShmProducer};
    ///
    /// let path = std::env::temp_dir().join(format!("mmring-doc-clen-{}", std::process::id()));
    /// let config = ShmConfig::at_path(&path, 4096).with_unlink_on_close(true);
    /// let mut tx = ShmProducer::create(&config)?;
    /// let rx = ShmConsumer::open(&config)?;
    /// tx.insert_batch(&[b"a", b"b"])?;
    /// assert_eq!(rx.len(), 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn len(&self) -> usize {
        self.inner.len()
    }

    /// Whether no message is waiting (a snapshot).
    ///
    /// ```
    /// use mmring_native::shm::{ShmConfig, ShmConsumer, ShmProducer};
    ///
    /// let path = std::env::temp_dir().join(format!("mmring-doc-cempty-{}", std::process::id()));
    /// let config = ShmConfig::at_path(&path, 4096).with_unlink_on_close(true);
    /// let _tx = ShmProducer::create(&config)?;
    /// assert!(ShmConsumer::open(&config)?.is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.inner.is_empty()
    }

    /// Messages evicted before this consumer could read them ([`Policy::DropOldest`]):
    /// those it skipped, plus those evicted since its last read. A snapshot; exact
    /// once it has caught up, when messages read + dropped = messages written.
    ///
    /// ```
    /// use mmring_native::shm::{ShmConfig, ShmConsumer, ShmProducer};
    ///
    /// let path = std::env::temp_dir().join(format!("mmring-doc-cdropped-{}", std::process::id()));
    /// let config = ShmConfig::at_path(&path, 64).with_unlink_on_close(true);
    /// let mut tx = ShmProducer::create(&config)?;
    /// let mut rx = ShmConsumer::open(&config)?;
    /// for i in 0..5u8 {
    ///     tx.insert(&[i; 16])?; // 32-byte records: two fit
    /// }
    /// assert_eq!(rx.consume_all()?, [[3; 16], [4; 16]]);
    /// assert_eq!((rx.read(), rx.dropped()), (2, 3));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn dropped(&self) -> u64 {
        self.inner.dropped()
    }

    /// Messages read from this file, by this and earlier consumers.
    ///
    /// ```
    /// use mmring_native::shm::{ShmConfig, ShmConsumer, ShmProducer};
    ///
    /// let path = std::env::temp_dir().join(format!("mmring-doc-read-{}", std::process::id()));
    /// let config = ShmConfig::at_path(&path, 4096).with_unlink_on_close(true);
    /// let mut tx = ShmProducer::create(&config)?;
    /// let mut rx = ShmConsumer::open(&config)?;
    /// tx.insert(b"x")?;
    /// rx.consume()?;
    /// assert_eq!(rx.read(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn read(&self) -> u64 {
        self.inner.read()
    }

    /// Wall-clock time of the producer's last commit in ns since the Unix epoch (0
    /// before the first). Full 64 bits; coarse resolution (see the
    /// [module docs](super#timestamps)).
    ///
    /// ```
    /// use mmring_native::shm::{ShmConfig, ShmConsumer, ShmProducer};
    ///
    /// let path = std::env::temp_dir().join(format!("mmring-doc-cits-{}", std::process::id()));
    /// let config = ShmConfig::at_path(&path, 4096).with_unlink_on_close(true);
    /// let mut tx = ShmProducer::create(&config)?;
    /// let rx = ShmConsumer::open(&config)?;
    /// tx.insert(b"x")?;
    /// assert_eq!(rx.latest_insert_time_ns(), tx.latest_insert_time_ns());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn latest_insert_time_ns(&self) -> u64 {
        self.header().producer.last_ns.load(Relaxed)
    }

    /// Wall-clock time of the last consume of this file in ns since the Unix epoch (0
    /// before the first). Full 64 bits; coarse resolution.
    ///
    /// ```
    /// use mmring_native::shm::{ShmConfig, ShmConsumer, ShmProducer};
    ///
    /// let path = std::env::temp_dir().join(format!("mmring-doc-ccts-{}", std::process::id()));
    /// let config = ShmConfig::at_path(&path, 4096).with_unlink_on_close(true);
    /// let mut tx = ShmProducer::create(&config)?;
    /// let mut rx = ShmConsumer::open(&config)?;
    /// assert_eq!(rx.latest_consume_time_ns(), 0);
    /// tx.insert(b"x")?;
    /// rx.consume()?;
    /// assert!(rx.latest_consume_time_ns() > u64::from(u32::MAX));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn latest_consume_time_ns(&self) -> u64 {
        match self.line() {
            Some(line) => line.stamp(),
            None => self.header().consumer.last_ns.load(Relaxed),
        }
    }

    /// The size of the data area in bytes (from the file's header).
    ///
    /// ```
    /// use mmring_native::shm::{ShmConfig, ShmConsumer, ShmProducer};
    ///
    /// let path = std::env::temp_dir().join(format!("mmring-doc-ccap-{}", std::process::id()));
    /// let _tx = ShmProducer::create(&ShmConfig::at_path(&path, 8192).with_unlink_on_close(true))?;
    /// let rx = ShmConsumer::open(&ShmConfig::at_path(&path, 0))?; // capacity from the file
    /// assert_eq!((rx.capacity(), rx.max_message_size()), (8192, 4080));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn capacity(&self) -> usize {
        self.inner.capacity()
    }

    /// The largest message the producer accepts (from the file's header).
    ///
    /// ```
    /// use mmring_native::shm::{ShmConfig, ShmConsumer, ShmProducer};
    ///
    /// let path = std::env::temp_dir().join(format!("mmring-doc-cmax-{}", std::process::id()));
    /// let config = ShmConfig::at_path(&path, 4096).with_max_message_size(64).with_unlink_on_close(true);
    /// let _tx = ShmProducer::create(&config)?;
    /// assert_eq!(ShmConsumer::open(&config)?.max_message_size(), 64);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn max_message_size(&self) -> usize {
        self.max_message
    }

    /// The overflow policy (from the file's header).
    ///
    /// ```
    /// use mmring_native::shm::{ShmConfig, ShmConsumer, ShmProducer};
    /// use mmring_native::spsc::Policy;
    ///
    /// let path = std::env::temp_dir().join(format!("mmring-doc-cpolicy-{}", std::process::id()));
    /// let config = ShmConfig::at_path(&path, 4096).with_policy(Policy::Reject).with_unlink_on_close(true);
    /// let _tx = ShmProducer::create(&config)?;
    /// let rx = ShmConsumer::open(&ShmConfig::at_path(&path, 4096))?;
    /// assert_eq!(rx.policy(), Policy::Reject);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn policy(&self) -> Policy {
        self.inner.policy()
    }

    /// The pid of the process that created the file, and the creation time in ns since
    /// the Unix epoch (from the header).
    ///
    /// ```
    /// use mmring_native::shm::{ShmConfig, ShmConsumer, ShmProducer};
    ///
    /// let path = std::env::temp_dir().join(format!("mmring-doc-creator-{}", std::process::id()));
    /// let config = ShmConfig::at_path(&path, 4096).with_unlink_on_close(true);
    /// let _tx = ShmProducer::create(&config)?;
    /// let (pid, created_ns) = ShmConsumer::open(&config)?.creator();
    /// assert_eq!(pid, std::process::id());
    /// assert!(created_ns > u64::from(u32::MAX));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn creator(&self) -> (u32, u64) {
        let meta = &self.header().meta;
        (
            meta.producer_pid.load(Relaxed),
            meta.created_ns.load(Relaxed),
        )
    }

    /// The ring file.
    ///
    /// ```
    /// use mmring_native::shm::{ShmConfig, ShmConsumer, ShmProducer};
    ///
    /// let path = std::env::temp_dir().join(format!("mmring-doc-cpath-{}", std::process::id()));
    /// let config = ShmConfig::at_path(&path, 4096).with_unlink_on_close(true);
    /// let _tx = ShmProducer::create(&config)?;
    /// assert_eq!(ShmConsumer::open(&config)?.path(), path);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn path(&self) -> &Path {
        self.inner.region().path()
    }

    fn header(&self) -> &FileHeader {
        self.inner.region().header()
    }

    /// A broadcast reader's own line in the file.
    fn line(&self) -> Option<&ReaderLine> {
        let slot = self.inner.slot()?;
        self.inner.region().readers().get(slot)
    }

    /// Records the time of a consume: on the reader's own line for a broadcast reader
    /// (the readers would fight over one shared line), else in the header.
    fn stamp(&self) {
        match self.line() {
            Some(line) => line.set_stamp(wait::now_ns()),
            None => self
                .header()
                .consumer
                .last_ns
                .store(wait::now_ns(), Relaxed),
        }
    }

    /// Consumes into `out`, waiting until `deadline` (`None`: forever).
    fn wait_into(
        &mut self,
        out: &mut Vec<u8>,
        deadline: Option<Instant>,
    ) -> Result<(), ConsumeError> {
        loop {
            if self.consume_into(out)? {
                return Ok(());
            }
            if deadline.is_some_and(|d| Instant::now() >= d) {
                return Err(ConsumeError::Timeout);
            }
            let inner = &self.inner;
            wait::wait_until(&self.wait, &self.header().wake.parked, deadline, || {
                inner.has_data()
            });
        }
    }

    fn waiter(&mut self) -> Result<&AsyncWaiter, ConsumeError> {
        if self.waiter.is_none() {
            let waiter = AsyncWaiter::start(
                self.inner.region().clone(),
                self.inner.slot(),
                self.wait.park,
            )
            .map_err(ConsumeError::Waiter)?;
            self.waiter = Some(waiter);
        }
        Ok(self.waiter.as_ref().expect("just started"))
    }
}

/// The future of [`ShmConsumer::aconsume`]: the oldest message, once there is one.
#[derive(Debug)]
#[must_use = "futures do nothing unless awaited"]
pub struct Aconsume<'a> {
    consumer: &'a mut ShmConsumer,
    /// Whether the helper thread may hold our waker.
    registered: bool,
}

impl Future for Aconsume<'_> {
    type Output = Result<Vec<u8>, ConsumeError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        match this.consumer.try_consume() {
            Ok(Some(message)) => return Poll::Ready(Ok(message)),
            Ok(None) => {}
            Err(e) => return Poll::Ready(Err(e)),
        }
        match this.consumer.waiter() {
            // The helper checks for data before it sleeps, so a commit between our
            // check above and this registration still wakes us.
            Ok(waiter) => waiter.register(cx.waker()),
            Err(e) => return Poll::Ready(Err(e)),
        }
        this.registered = true;
        Poll::Pending
    }
}

impl Drop for Aconsume<'_> {
    fn drop(&mut self) {
        if let (true, Some(waiter)) = (self.registered, &self.consumer.waiter) {
            waiter.withdraw();
        }
    }
}

/// What a failed broadcast attach means for `open`.
fn attach_error(path: std::path::PathBuf, error: AttachError) -> OpenError {
    let source = match error {
        AttachError::ReadersFull { limit } => return OpenError::ReadersFull { limit },
        AttachError::Layout(source) => source,
        AttachError::Corrupt(mmring_core::spsc::ConsumeError::Corrupt { reason, .. }) => {
            LayoutError::Indices { reason }
        }
        _ => LayoutError::Indices {
            reason: "the ring's indices are invalid",
        },
    };
    OpenError::Layout { path, source }
}

fn unpack(frame: &[u8]) -> Result<Vec<Vec<u8>>, ConsumeError> {
    Ok(packed::iter(frame)
        .map(|message| message.map(<[u8]>::to_vec))
        .collect::<Result<_, _>>()?)
}
