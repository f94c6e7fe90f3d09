//! [`ShmProducer`]: the writing process.

use std::path::Path;
use std::sync::atomic::Ordering::Relaxed;

use mmring_core::packed::{self, PackedError};
use mmring_core::spsc::{Policy, Producer, Region};

use super::file::{self, MappedRegion};
use super::{ShmConfig, ShmError, wait};

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
/// # Ok::<(), mmring_native::shm::ShmError>(())
/// ```
#[derive(Debug)]
pub struct ShmProducer {
    inner: Producer<MappedRegion>,
    unlink_on_close: bool,
    /// Reused by `insert_packed`.
    frame: Vec<u8>,
    closed: bool,
}

impl ShmProducer {
    /// Creates the ring file of `config` (mode 0600) and becomes its producer.
    ///
    /// Over an existing file: refused with [`ShmError::InUse`] while another producer
    /// (in this or another process) holds it; a stale file, whose producer has exited
    /// or died, is replaced by a fresh one. Consumers that still map the stale file
    /// keep their (now unchanging) copy; they see no more messages and should re-open.
    ///
    /// # Errors
    /// [`ShmError::BadName`] for a name [`ShmConfig::new`] does not accept;
    /// [`ShmError::BadCapacity`] unless `capacity_bytes` is a power of two ≥ 32;
    /// [`ShmError::BadMaxMessage`] if `max_message_size` exceeds `capacity_bytes / 2 -
    /// 16`; [`ShmError::InUse`]; [`ShmError::NoSpace`] when the file system cannot hold
    /// the file (its pages are reserved here); [`ShmError::Io`] when the file cannot
    /// be created (missing directory, permissions).
    ///
    /// ```
    /// use mmring_native::shm::{ShmConfig, ShmError, ShmProducer};
    ///
    /// let path = std::env::temp_dir().join(format!("mmring-doc-create-{}", std::process::id()));
    /// let config = ShmConfig::at_path(&path, 1000);
    /// assert!(matches!(ShmProducer::create(&config), Err(ShmError::BadCapacity { capacity: 1000, .. })));
    ///
    /// let config = ShmConfig::at_path(&path, 1024).with_unlink_on_close(true);
    /// let tx = ShmProducer::create(&config)?;
    /// assert!(matches!(ShmProducer::create(&config), Err(ShmError::InUse { .. })));
    /// drop(tx);
    /// # Ok::<(), ShmError>(())
    /// ```
    pub fn create(config: &ShmConfig) -> Result<Self, ShmError> {
        let region = file::create(config)?;
        let path = region.path().to_path_buf();
        let inner = Producer::new(region, config.policy, config.max_message())
            .map_err(|source| ShmError::Layout { path, source })?;
        Ok(Self {
            inner,
            unlink_on_close: config.unlink_on_close,
            frame: Vec::new(),
            closed: false,
        })
    }

    /// Appends one message (which may be empty).
    ///
    /// # Errors
    /// [`ShmError::TooLarge`] when it is longer than the largest message;
    /// [`ShmError::Full`] under [`Policy::Reject`] while the unread messages leave no
    /// room. Nothing is written then. Under [`Policy::DropOldest`] it evicts the oldest
    /// messages instead and never fails for lack of room.
    ///
    /// ```
    /// use mmring_native::shm::{ShmConfig, ShmError, ShmProducer};
    /// use mmring_native::spsc::Policy;
    ///
    /// let path = std::env::temp_dir().join(format!("mmring-doc-insert-{}", std::process::id()));
    /// let config = ShmConfig::at_path(&path, 64).with_policy(Policy::Reject).with_unlink_on_close(true);
    /// let mut tx = ShmProducer::create(&config)?;
    /// tx.insert(&[7; 16])?; // a 32-byte record
    /// tx.insert(&[7; 16])?;
    /// assert!(matches!(tx.insert(b""), Err(ShmError::Full)));
    /// assert!(matches!(tx.insert(&[0; 17]), Err(ShmError::TooLarge { len: 17, max: 16 })));
    /// # Ok::<(), ShmError>(())
    /// ```
    #[inline]
    pub fn insert(&mut self, message: &[u8]) -> Result<(), ShmError> {
        self.inner.insert(message)?;
        self.committed();
        Ok(())
    }

    /// Appends every message with one commit: the consumer sees all of them or none,
    /// and the batch is refused as a whole. An empty batch writes nothing.
    ///
    /// # Errors
    /// As [`insert`](Self::insert); a batch whose records exceed the data area is
    /// [`ShmError::TooLarge`] (with `len` the bytes of its records).
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
    /// # Ok::<(), mmring_native::shm::ShmError>(())
    /// ```
    pub fn insert_batch(&mut self, messages: &[&[u8]]) -> Result<(), ShmError> {
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
    /// [`ShmError::TooLarge`] when the frame is longer than the largest message;
    /// [`ShmError::Full`] as for [`insert`](Self::insert).
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
    /// # Ok::<(), mmring_native::shm::ShmError>(())
    /// ```
    pub fn insert_packed(&mut self, messages: &[&[u8]]) -> Result<(), ShmError> {
        if messages.is_empty() {
            return Ok(());
        }
        let max = self.inner.max_message();
        packed::try_pack_into(&mut self.frame, messages.iter().copied()).map_err(|e| {
            let len = match e {
                PackedError::TooLarge { len } => len,
                _ => usize::MAX,
            };
            ShmError::TooLarge { len, max }
        })?;
        self.inner.insert(&self.frame)?;
        self.committed();
        Ok(())
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
    /// # Ok::<(), mmring_native::shm::ShmError>(())
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
    /// # Ok::<(), mmring_native::shm::ShmError>(())
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
    /// # Ok::<(), mmring_native::shm::ShmError>(())
    /// ```
    pub fn dropped(&self) -> u64 {
        self.inner.dropped()
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
    /// # Ok::<(), mmring_native::shm::ShmError>(())
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
    /// # Ok::<(), mmring_native::shm::ShmError>(())
    /// ```
    pub fn latest_insert_time_ns(&self) -> u64 {
        self.control_line().last_insert_ns.load(Relaxed)
    }

    /// The size of the data area in bytes.
    ///
    /// ```
    /// use mmring_native::shm::{ShmConfig, ShmProducer};
    ///
    /// let path = std::env::temp_dir().join(format!("mmring-doc-pcap-{}", std::process::id()));
    /// let tx = ShmProducer::create(&ShmConfig::at_path(&path, 4096).with_unlink_on_close(true))?;
    /// assert_eq!((tx.capacity(), tx.max_message_size()), (4096, 2032));
    /// # Ok::<(), mmring_native::shm::ShmError>(())
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
    /// # Ok::<(), mmring_native::shm::ShmError>(())
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
    /// # Ok::<(), mmring_native::shm::ShmError>(())
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
    /// # Ok::<(), mmring_native::shm::ShmError>(())
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
    /// [`ShmError::Io`] when the file cannot be removed.
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
    /// # Ok::<(), mmring_native::shm::ShmError>(())
    /// ```
    pub fn close(mut self) -> Result<(), ShmError> {
        self.shut()
    }

    fn shut(&mut self) -> Result<(), ShmError> {
        if std::mem::replace(&mut self.closed, true) || !self.unlink_on_close {
            return Ok(());
        }
        let region = self.inner.region();
        region.unlink().map_err(|source| ShmError::Io {
            path: region.path().to_path_buf(),
            source,
        })
    }

    fn control_line(&self) -> &mmring_core::spsc::ProducerLine {
        &self.inner.region().control().producer
    }

    /// After every commit: the timestamp, then the wake-up handshake.
    #[inline]
    fn committed(&self) {
        let control = self.inner.region().control();
        control
            .producer
            .last_insert_ns
            .store(wait::now_ns(), Relaxed);
        wait::notify(&control.cold.parked);
    }
}

impl Drop for ShmProducer {
    fn drop(&mut self) {
        let _ = self.shut();
    }
}
