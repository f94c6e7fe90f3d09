//! [`ShmProducer`]: the writing process.

use std::io;
use std::path::Path;
use std::sync::atomic::Ordering::Relaxed;

use mmring_core::packed;
use mmring_core::spsc::{Policy, Producer};

use super::file::{self, MappedRegion};
use super::{InsertError, OpenError, ShmConfig, wait};

/// One attached reader of a broadcast ring, as [`ShmProducer::readers`] reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ShmReader {
    /// Its slot in the file (0-based).
    pub slot: usize,
    /// The pid it recorded (0 while it attaches).
    pub pid: u32,
    /// Messages it has received since it attached.
    pub read: u64,
    /// Messages written that it has not passed yet.
    pub lag: u64,
    /// Messages it lost to eviction ([`Policy::DropOldest`]).
    pub dropped: u64,
}

/// The one writer of a shared-memory ring. See the [module docs](super) for the file
/// layout, the policies and the guarantees.
///
/// Created by [`create`](Self::create); removes the file when closed or dropped if
/// [`ShmConfig::unlink_on_close`] is set. `Send` and `Sync`; writing takes `&mut self`.
///
/// ```
/// use mmring_native::shm::{ShmConfig, ShmConsumer, ShmProducer};
///
/// let path = std::env::temp_dir().join(format!("mmring-doc-producer-{}", std::process::id()));
/// let config = ShmConfig::at_path(&path, 4096).with_unlink_on_close(true);
/// let mut tx = ShmProducer::create(&config)?;
/// tx.insert(b"hello")?;
/// tx.insert_batch(&[b"a", b"b"])?;
/// let mut rx = ShmConsumer::open(&config)?;
/// assert_eq!(rx.consume_all()?, [&b"hello"[..], b"a", b"b"]);
/// tx.close()?;
/// assert!(!path.exists());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct ShmProducer {
    inner: Producer<MappedRegion>,
    unlink_on_close: bool,
    /// Reused by `insert_packed`.
    frame: Vec<u8>,
    /// Whether this process is registered for the consumer's process-wide barrier, so
    /// that a commit needs no fence before it looks for a sleeping consumer (see the
    /// [module docs](super#waiting)).
    asymmetric: bool,
    closed: bool,
}

impl ShmProducer {
    /// Creates the ring file of `config` (mode 0600) and becomes its producer.
    ///
    /// Over an existing file: refused with [`OpenError::InUse`] while another producer
    /// (in this or another process) holds it; a stale file, whose producer has exited
    /// or died, is replaced by a fresh one. Consumers that still map the stale file
    /// keep their (now unchanging) copy; they see no more messages and should re-open.
    ///
    /// # Errors
    /// [`OpenError::Config`] for a configuration [`ShmConfig::validate`] refuses (a bad
    /// name or capacity, a largest message over `capacity_bytes / 2 - 16`);
    /// [`OpenError::InUse`]; [`OpenError::NoSpace`] when the file system cannot hold the
    /// file (its pages are reserved here); [`OpenError::Io`] when the file cannot be
    /// created (missing directory, permissions).
    ///
    /// ```
    /// use mmring_native::shm::{ConfigError, OpenError, ShmConfig, ShmProducer};
    ///
    /// let path = std::env::temp_dir().join(format!("mmring-doc-create-{}", std::process::id()));
    /// let config = ShmConfig::at_path(&path, 1000);
    /// assert!(matches!(
    ///     ShmProducer::create(&config),
    ///     Err(OpenError::Config(ConfigError::BadCapacity { capacity: 1000, .. }))
    /// ));
    ///
    /// let config = ShmConfig::at_path(&path, 1024).with_unlink_on_close(true);
    /// let tx = ShmProducer::create(&config)?;
    /// assert!(matches!(ShmProducer::create(&config), Err(OpenError::InUse { .. })));
    /// drop(tx);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn create(config: &ShmConfig) -> Result<Self, OpenError> {
        let region = file::create(config)?;
        let path = region.path().to_path_buf();
        let inner = Producer::new(region, config.policy, config.max_message())
            .map_err(|source| OpenError::Layout { path, source })?;
        Ok(Self {
            inner,
            unlink_on_close: config.unlink_on_close,
            frame: Vec::new(),
            asymmetric: wait::membarrier::register(),
            closed: false,
        })
    }

    /// Appends one message (which may be empty).
    ///
    /// # Errors
    /// [`InsertError::TooLarge`] when it is longer than the largest message;
    /// [`InsertError::Full`] under [`Policy::Reject`] while the unread messages leave no
    /// room. Nothing is written then. Under [`Policy::DropOldest`] it evicts the oldest
    /// messages instead and never fails for lack of room.
    ///
    /// ```
    /// use mmring_native::shm::{InsertError, ShmConfig, ShmProducer};
    /// use mmring_native::spsc::Policy;
    ///
    /// let path = std::env::temp_dir().join(format!("mmring-doc-insert-{}", std::process::id()));
    /// let config = ShmConfig::at_path(&path, 64).with_policy(Policy::Reject).with_unlink_on_close(true);
    /// let mut tx = ShmProducer::create(&config)?;
    /// tx.insert(&[7; 16])?; // a 32-byte record
    /// tx.insert(&[7; 16])?;
    /// assert_eq!(tx.insert(b""), Err(InsertError::Full));
    /// assert_eq!(tx.insert(&[0; 17]), Err(InsertError::TooLarge { len: 17, max: 16 }));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[inline]
    pub fn insert(&mut self, message: &[u8]) -> Result<(), InsertError> {
        self.insert_batch(&[message])
    }

    /// Appends every message with one commit: the consumer sees all of them or none,
    /// and the batch is refused as a whole. An empty batch writes nothing.
    ///
    /// # Errors
    /// As [`insert`](Self::insert); a batch whose records exceed the data area is
    /// [`InsertError::TooLarge`] (with `len` the bytes of its records).
    ///
    /// ```
    /// use mmring_native::shm::{ShmConfig, ShmConsumer, ShmProducer};
    ///
    /// let path = std::env::temp_dir().join(format!("mmring-doc-batch-{}", std::process::id()));
    /// let config = ShmConfig::at_path(&path, 4096).with_unlink_on_close(true);
    /// let mut tx = ShmProducer::create(&config)?;
    /// let mut rx = ShmConsumer::open(&config)?;
    /// tx.insert_batch(&[b"bid", b"", b"ask"])?;
    /// assert_eq!(rx.consume_all()?, [&b"bid"[..], b"", b"ask"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[inline]
    pub fn insert_batch(&mut self, messages: &[&[u8]]) -> Result<(), InsertError> {
        if messages.is_empty() {
            return Ok(());
        }
        self.inner.insert_batch(messages)?;
        self.committed();
        Ok(())
    }

    /// Appends one record carrying all `messages` as a packed frame (for each,
    /// a little-endian `u32` length, then the bytes), read back with
    /// [`ShmConsumer::consume_packed`](super::ShmConsumer::consume_packed). No messages
    /// write nothing; `[b""]` writes a 4-byte frame. The frame is built in a buffer
    /// reused across calls.
    ///
    /// # Errors
    /// [`InsertError::TooLarge`] when the frame (4 bytes per message plus the messages)
    /// is longer than the largest message; [`InsertError::Full`] as for
    /// [`insert`](Self::insert).
    ///
    /// ```
    /// use mmring_native::shm::{ShmConfig, ShmConsumer, ShmProducer};
    ///
    /// let path = std::env::temp_dir().join(format!("mmring-doc-packed-{}", std::process::id()));
    /// let config = ShmConfig::at_path(&path, 4096).with_unlink_on_close(true);
    /// let mut tx = ShmProducer::create(&config)?;
    /// let mut rx = ShmConsumer::open(&config)?;
    /// tx.insert_packed(&[b"one", b"two"])?;
    /// assert_eq!(rx.len(), 1); // one record
    /// assert_eq!(rx.consume_packed()?, [&b"one"[..], b"two"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn insert_packed(&mut self, messages: &[&[u8]]) -> Result<(), InsertError> {
        if messages.is_empty() {
            return Ok(());
        }
        let max = self.inner.max_message();
        // Checked before packing: nothing longer than a record is ever built, and
        // every frame that passes fits the framing's u32 lengths (max < u32::MAX).
        let len = messages.iter().fold(0usize, |sum, m| {
            sum.saturating_add(4).saturating_add(m.len())
        });
        if len > max {
            return Err(InsertError::TooLarge { len, max });
        }
        let mut frame = std::mem::take(&mut self.frame);
        packed::pack_into(&mut frame, messages.iter().copied());
        let inserted = self.insert(&frame);
        self.frame = frame;
        inserted
    }

    /// Messages written and neither read nor evicted (a snapshot: the consumer may
    /// read at any time).
    ///
    /// ```
    /// use mmring_native::shm::{ShmConfig, ShmProducer};
    ///
    /// let path = std::env::temp_dir().join(format!("mmring-doc-plen-{}", std::process::id()));
    /// let mut tx = ShmProducer::create(&ShmConfig::at_path(&path, 4096).with_unlink_on_close(true))?;
    /// assert!(tx.is_empty());
    /// tx.insert(b"x")?;
    /// assert_eq!(tx.len(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn len(&self) -> usize {
        self.inner.len()
    }

    /// Whether every written message was read or evicted (a snapshot).
    ///
    /// ```
    /// use mmring_native::shm::{ShmConfig, ShmProducer};
    ///
    /// let path = std::env::temp_dir().join(format!("mmring-doc-pempty-{}", std::process::id()));
    /// let tx = ShmProducer::create(&ShmConfig::at_path(&path, 4096).with_unlink_on_close(true))?;
    /// assert!(tx.is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.inner.is_empty()
    }

    /// Messages evicted before the consumer read them ([`Policy::DropOldest`]; always
    /// 0 under [`Policy::Reject`]). A snapshot; exact once the consumer has caught up.
    ///
    /// ```
    /// use mmring_native::shm::{ShmConfig, ShmProducer};
    ///
    /// let path = std::env::temp_dir().join(format!("mmring-doc-pdropped-{}", std::process::id()));
    /// let mut tx = ShmProducer::create(&ShmConfig::at_path(&path, 64).with_unlink_on_close(true))?;
    /// for _ in 0..5 {
    ///     tx.insert(&[1; 16])?; // 32-byte records: two fit
    /// }
    /// assert_eq!(tx.dropped(), 3);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn dropped(&self) -> u64 {
        self.inner.dropped()
    }

    /// The broadcast readers attached now, each with its pid, lag and drops (a
    /// snapshot; empty for a ring with one consumer). A reader whose process died is
    /// left out: its slot's lock died with it.
    ///
    /// ```
    /// use mmring_native::shm::{ShmConfig, ShmConsumer, ShmProducer, StartAt};
    ///
    /// let path = std::env::temp_dir().join(format!("mmring-doc-readers-{}", std::process::id()));
    /// let config = ShmConfig::at_path(&path, 4096).readers(4).with_unlink_on_close(true);
    /// let mut tx = ShmProducer::create(&config)?;
    /// let mut early = ShmConsumer::open(&config)?;
    /// tx.insert_batch(&[b"a", b"b"])?;
    /// let _late = ShmConsumer::open(&config.clone().with_start_at(StartAt::Newest))?;
    /// early.try_consume()?;
    /// let readers = tx.readers();
    /// assert_eq!(readers.len(), 2);
    /// assert!(readers.iter().all(|r| r.pid == std::process::id()));
    /// assert_eq!((readers[0].read, readers[0].lag, readers[1].lag), (1, 1, 0));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn readers(&self) -> Vec<ShmReader> {
        self.inner
            .readers()
            .into_iter()
            .map(|r| ShmReader {
                slot: r.slot,
                // Recorded by the reader as its pid; from the file, so checked.
                pid: u32::try_from(r.owner).unwrap_or(0),
                read: r.read,
                lag: r.lag,
                dropped: r.dropped,
            })
            .collect()
    }

    /// Messages written since the file was created.
    ///
    /// ```
    /// use mmring_native::shm::{ShmConfig, ShmProducer};
    ///
    /// let path = std::env::temp_dir().join(format!("mmring-doc-written-{}", std::process::id()));
    /// let mut tx = ShmProducer::create(&ShmConfig::at_path(&path, 4096).with_unlink_on_close(true))?;
    /// tx.insert_batch(&[b"a", b"b"])?;
    /// assert_eq!(tx.written(), 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn written(&self) -> u64 {
        self.inner.written()
    }

    /// Wall-clock time of the last commit in ns since the Unix epoch (0 before the
    /// first). Full 64 bits; its resolution is the coarse clock's (see the
    /// [module docs](super#timestamps)).
    ///
    /// ```
    /// use mmring_native::shm::{ShmConfig, ShmProducer};
    ///
    /// let path = std::env::temp_dir().join(format!("mmring-doc-pts-{}", std::process::id()));
    /// let mut tx = ShmProducer::create(&ShmConfig::at_path(&path, 4096).with_unlink_on_close(true))?;
    /// assert_eq!(tx.latest_insert_time_ns(), 0);
    /// tx.insert(b"x")?;
    /// assert!(tx.latest_insert_time_ns() > u64::from(u32::MAX));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn latest_insert_time_ns(&self) -> u64 {
        self.inner.region().header().producer.last_ns.load(Relaxed)
    }

    /// The size of the data area in bytes.
    ///
    /// ```
    /// use mmring_native::shm::{ShmConfig, ShmProducer};
    ///
    /// let path = std::env::temp_dir().join(format!("mmring-doc-pcap-{}", std::process::id()));
    /// let tx = ShmProducer::create(&ShmConfig::at_path(&path, 4096).with_unlink_on_close(true))?;
    /// assert_eq!((tx.capacity(), tx.max_message_size()), (4096, 2032));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn capacity(&self) -> usize {
        self.inner.capacity()
    }

    /// The largest message (or packed frame) this ring accepts.
    ///
    /// ```
    /// use mmring_native::shm::{ShmConfig, ShmProducer};
    ///
    /// let path = std::env::temp_dir().join(format!("mmring-doc-pmax-{}", std::process::id()));
    /// let config = ShmConfig::at_path(&path, 4096).with_max_message_size(100).with_unlink_on_close(true);
    /// assert_eq!(ShmProducer::create(&config)?.max_message_size(), 100);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn max_message_size(&self) -> usize {
        self.inner.max_message()
    }

    /// The overflow policy.
    ///
    /// ```
    /// use mmring_native::shm::{ShmConfig, ShmProducer};
    /// use mmring_native::spsc::Policy;
    ///
    /// let path = std::env::temp_dir().join(format!("mmring-doc-ppolicy-{}", std::process::id()));
    /// let tx = ShmProducer::create(&ShmConfig::at_path(&path, 4096).with_unlink_on_close(true))?;
    /// assert_eq!(tx.policy(), Policy::DropOldest);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn policy(&self) -> Policy {
        self.inner.policy()
    }

    /// The ring file.
    ///
    /// ```
    /// use mmring_native::shm::{ShmConfig, ShmProducer};
    ///
    /// let path = std::env::temp_dir().join(format!("mmring-doc-ppath-{}", std::process::id()));
    /// let tx = ShmProducer::create(&ShmConfig::at_path(&path, 4096).with_unlink_on_close(true))?;
    /// assert_eq!(tx.path(), path);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn path(&self) -> &Path {
        self.inner.region().path()
    }

    /// Closes the ring: removes the file if [`ShmConfig::unlink_on_close`] is set and
    /// releases the producer lock, so another producer may create over it. Consumers
    /// can still drain what was written.
    ///
    /// Dropping does the same and ignores errors. Taking `self` makes use after close
    /// a compile-time error.
    ///
    /// # Errors
    /// The operating system's error when the file cannot be removed (the message names
    /// the file).
    ///
    /// ```
    /// use mmring_native::shm::{ShmConfig, ShmProducer};
    ///
    /// let path = std::env::temp_dir().join(format!("mmring-doc-close-{}", std::process::id()));
    /// let config = ShmConfig::at_path(&path, 4096).with_unlink_on_close(true);
    /// let tx = ShmProducer::create(&config)?;
    /// tx.close()?;
    /// let tx = ShmProducer::create(&config)?; // the path is free again
    /// # drop(tx);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn close(mut self) -> io::Result<()> {
        self.shut()
    }

    fn shut(&mut self) -> io::Result<()> {
        if std::mem::replace(&mut self.closed, true) || !self.unlink_on_close {
            return Ok(());
        }
        let region = self.inner.region();
        region.unlink().map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("removing {}: {e}", region.path().display()),
            )
        })
    }

    /// After every commit: the timestamp, then the wake-up handshake.
    #[inline]
    fn committed(&self) {
        let header = self.inner.region().header();
        header.producer.last_ns.store(wait::now_ns(), Relaxed);
        wait::notify(&header.wake.parked, self.asymmetric);
    }
}

impl Drop for ShmProducer {
    fn drop(&mut self) {
        let _ = self.shut();
    }
}
