//! What a producer creates and a consumer opens: [`ShmConfig`] and [`WaitStrategy`].

use std::path::{Path, PathBuf};
use std::time::Duration;

use mmring_core::spsc::{Policy, StartAt, max_message_for};

use super::{ConfigError, header};

/// Where a ring lives and how it behaves.
///
/// [`ShmProducer::create`](super::ShmProducer::create) uses every field;
/// [`ShmConsumer::open`](super::ShmConsumer::open) uses `path`, `wait`,
/// `open_timeout` and `start_at` and takes the capacity, largest message, policy and
/// number of readers from the file's header (the producer's choice is authoritative).
///
/// ```
/// use std::time::Duration;
/// use mmring_native::shm::{ShmConfig, WaitStrategy};
/// use mmring_native::spsc::Policy;
///
/// let config = ShmConfig::new("quotes", 1 << 20)
///     .with_policy(Policy::Reject)
///     .with_max_message_size(4096)
///     .with_wait(WaitStrategy::new(100, 10, Duration::from_millis(5)))
///     .with_unlink_on_close(true);
/// assert_eq!(config.capacity_bytes, 1 << 20);
/// # #[cfg(target_os = "linux")]
/// assert_eq!(config.path, std::path::Path::new("/dev/shm/mmring-quotes"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ShmConfig {
    /// The ring file. [`ShmConfig::new`] puts it at `/dev/shm/mmring-<name>` on Linux
    /// (memory-backed), in [`std::env::temp_dir`] elsewhere.
    pub path: PathBuf,
    /// Size of the data area in bytes: a power of two of at least 32 (nothing is
    /// rounded; another value is [`ConfigError::BadCapacity`](super::ConfigError::BadCapacity)).
    /// The file is 512 bytes longer.
    pub capacity_bytes: usize,
    /// Largest message the producer accepts; `None` means the most one record can
    /// carry, [`max_message_for`](mmring_core::spsc::max_message_for)`(capacity_bytes)`
    /// = `capacity_bytes / 2 - 16`. Must not exceed that.
    pub max_message_size: Option<usize>,
    /// What an insert does when the unread records leave no room (default
    /// [`Policy::DropOldest`]).
    pub policy: Policy,
    /// How the blocking consumer calls wait for a message.
    pub wait: WaitStrategy,
    /// Whether the producer removes the file when it is closed or dropped (default
    /// `false`: a consumer can still drain what is left, and a later producer reuses
    /// the path).
    pub unlink_on_close: bool,
    /// How long [`ShmConsumer::open`](super::ShmConsumer::open) waits for a producer to
    /// finish initialising the file (default 1 s).
    pub open_timeout: Duration,
    /// Broadcast: how many readers may attach at once (set with
    /// [`readers`](Self::readers)); 0 (the default) for a ring with one consumer. The
    /// file grows by 128 bytes a reader.
    pub readers: usize,
    /// Broadcast: where a reader opening the ring starts (default
    /// [`StartAt::Oldest`]); ignored by a ring with one consumer, which resumes where
    /// the last one stopped.
    pub start_at: StartAt,
    /// The name given to [`ShmConfig::new`], checked by `create` and `open`.
    name: Option<String>,
}

/// The longest ring name: the file name `mmring-<name>` fills the 255 bytes a file
/// name may have. (The temporary file used while creating has a short name of its own.)
pub const MAX_NAME_LEN: usize = 255 - "mmring-".len();

impl ShmConfig {
    /// A ring called `name` with a data area of `capacity_bytes`, and defaults for
    /// everything else.
    ///
    /// A name is one path component of 1 to [`MAX_NAME_LEN`] (248) bytes from
    /// `A-Z a-z 0-9 . _ -`, and not `.` or `..`; any other name makes
    /// [`create`](super::ShmProducer::create) and [`open`](super::ShmConsumer::open)
    /// fail with [`ConfigError::BadName`](super::ConfigError::BadName), so a name can never
    /// reach outside the ring directory. Every name accepted can be created.
    ///
    /// ```
    /// use mmring_native::shm::ShmConfig;
    /// use mmring_native::spsc::Policy;
    ///
    /// let config = ShmConfig::new("book", 65536);
    /// assert_eq!(config.policy, Policy::DropOldest);
    /// assert_eq!(config.max_message_size, None);
    /// assert!(config.path.ends_with("mmring-book"));
    /// ```
    pub fn new(name: &str, capacity_bytes: usize) -> Self {
        Self {
            name: Some(name.to_owned()),
            ..Self::at_path(default_dir().join(format!("mmring-{name}")), capacity_bytes)
        }
    }

    /// A ring in the file `path` with a data area of `capacity_bytes`, and defaults
    /// for everything else. The path is used as given: no name rules apply.
    ///
    /// ```
    /// use mmring_native::shm::ShmConfig;
    ///
    /// let path = std::env::temp_dir().join("my-ring");
    /// let config = ShmConfig::at_path(&path, 4096);
    /// assert_eq!(config.path, path);
    /// ```
    pub fn at_path(path: impl AsRef<Path>, capacity_bytes: usize) -> Self {
        Self {
            path: path.as_ref().to_path_buf(),
            capacity_bytes,
            max_message_size: None,
            policy: Policy::default(),
            wait: WaitStrategy::default(),
            unlink_on_close: false,
            open_timeout: Duration::from_secs(1),
            readers: 0,
            start_at: StartAt::Oldest,
            name: None,
        }
    }

    with_setters! {
        /// Sets [`policy`](Self::policy).
        ///
        /// ```
        /// use mmring_native::shm::ShmConfig;
        /// use mmring_native::spsc::Policy;
        ///
        /// let config = ShmConfig::new("orders", 4096).with_policy(Policy::Reject);
        /// assert_eq!(config.policy, Policy::Reject);
        /// ```
        with_policy => policy: Policy;
        /// Sets [`wait`](Self::wait).
        ///
        /// ```
        /// use std::time::Duration;
        /// use mmring_native::shm::{ShmConfig, WaitStrategy};
        ///
        /// let busy = WaitStrategy::new(u32::MAX, 0, Duration::from_millis(1));
        /// let config = ShmConfig::new("ticks", 4096).with_wait(busy);
        /// assert_eq!(config.wait.spin, u32::MAX);
        /// ```
        with_wait => wait: WaitStrategy;
        /// Sets [`unlink_on_close`](Self::unlink_on_close).
        ///
        /// ```
        /// use mmring_native::shm::ShmConfig;
        ///
        /// assert!(ShmConfig::new("tmp", 4096).with_unlink_on_close(true).unlink_on_close);
        /// ```
        with_unlink_on_close => unlink_on_close: bool;
        /// Sets [`open_timeout`](Self::open_timeout).
        ///
        /// ```
        /// use std::time::Duration;
        /// use mmring_native::shm::ShmConfig;
        ///
        /// let config = ShmConfig::new("tmp", 4096).with_open_timeout(Duration::ZERO);
        /// assert_eq!(config.open_timeout, Duration::ZERO);
        /// ```
        with_open_timeout => open_timeout: Duration;
        /// Sets [`start_at`](Self::start_at).
        ///
        /// ```
        /// use mmring_native::shm::{ShmConfig, StartAt};
        ///
        /// let config = ShmConfig::new("ticks", 4096).with_start_at(StartAt::Newest);
        /// assert_eq!(config.start_at, StartAt::Newest);
        /// ```
        with_start_at => start_at: StartAt;
    }

    /// Makes the ring a broadcast ring for up to `n` readers at once: each reader that
    /// opens it receives every message from where it attached
    /// ([`start_at`](Self::start_at)), with its own cursor and counters; the `n+1`th is
    /// refused with [`OpenError::ReadersFull`](super::OpenError::ReadersFull). 0 (the
    /// default) makes a ring with one consumer. At most [`MAX_READERS`](super::MAX_READERS).
    ///
    /// ```
    /// use mmring_native::shm::ShmConfig;
    ///
    /// let config = ShmConfig::new("md", 1 << 20).readers(4);
    /// assert_eq!(config.readers, 4);
    /// ```
    #[must_use]
    pub fn readers(mut self, n: usize) -> Self {
        self.readers = n;
        self
    }

    /// Sets [`max_message_size`](Self::max_message_size).
    ///
    /// ```
    /// use mmring_native::shm::ShmConfig;
    ///
    /// let config = ShmConfig::new("orders", 4096).with_max_message_size(256);
    /// assert_eq!(config.max_message_size, Some(256));
    /// ```
    #[must_use]
    pub fn with_max_message_size(mut self, max: usize) -> Self {
        self.max_message_size = Some(max);
        self
    }

    /// The largest message this configuration accepts: `max_message_size`, or
    /// `capacity_bytes / 2 - 16` when unset (0 for a tiny capacity).
    ///
    /// ```
    /// use mmring_native::shm::ShmConfig;
    ///
    /// assert_eq!(ShmConfig::new("a", 4096).max_message(), 2032);
    /// assert_eq!(ShmConfig::new("a", 4096).with_max_message_size(9).max_message(), 9);
    /// ```
    pub fn max_message(&self) -> usize {
        self.max_message_size
            .unwrap_or_else(|| max_message_for(self.capacity_bytes as u64) as usize)
    }

    /// Checks what [`ShmProducer::create`](super::ShmProducer::create) needs: the name
    /// (see [`new`](Self::new)), that `capacity_bytes` is a power of two of at least 32,
    /// and that the largest message fits one record. Returns the length of the ring
    /// file. `create` calls it; [`ShmConsumer::open`](super::ShmConsumer::open) checks
    /// only the name (the file says the rest).
    ///
    /// # Errors
    /// [`ConfigError::BadName`], [`ConfigError::BadCapacity`],
    /// [`ConfigError::BadMaxMessage`], [`ConfigError::TooManyReaders`].
    ///
    /// ```
    /// use mmring_native::shm::{ConfigError, ShmConfig};
    ///
    /// assert_eq!(ShmConfig::new("book", 4096).validate(), Ok(4096 + 1024));
    /// let too_big = ShmConfig::new("book", 4096).with_max_message_size(4096);
    /// assert!(matches!(
    ///     too_big.validate(),
    ///     Err(ConfigError::BadMaxMessage { max: 4096, limit: 2032, .. })
    /// ));
    /// ```
    pub fn validate(&self) -> Result<u64, ConfigError> {
        self.check_name()?;
        let capacity = self.capacity_bytes as u64;
        if self.readers > header::MAX_READERS {
            return Err(ConfigError::TooManyReaders {
                path: self.path.clone(),
                readers: self.readers,
                limit: header::MAX_READERS,
            });
        }
        let len = header::check_capacity(capacity, self.readers).ok_or_else(|| {
            ConfigError::BadCapacity {
                path: self.path.clone(),
                capacity,
            }
        })?;
        let limit = max_message_for(capacity);
        let max = self.max_message() as u64;
        if max > limit {
            return Err(ConfigError::BadMaxMessage {
                path: self.path.clone(),
                max,
                limit,
            });
        }
        Ok(len)
    }

    /// Checks the name given to [`new`](Self::new), if any.
    pub(crate) fn check_name(&self) -> Result<(), ConfigError> {
        let Some(name) = &self.name else {
            return Ok(());
        };
        let reason = if name.is_empty() {
            "it is empty"
        } else if name.len() > MAX_NAME_LEN {
            "it is longer than 248 bytes"
        } else if name == "." || name == ".." {
            "it names a directory"
        } else if !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        {
            "it has a character other than A-Z a-z 0-9 . _ -"
        } else {
            return Ok(());
        };
        Err(ConfigError::BadName {
            name: name.clone(),
            reason,
        })
    }
}

/// How a blocking consume waits: first `spin` checks in a busy loop, then `yields`
/// checks each after giving up the CPU, then sleeps of at most `park` each until a
/// message arrives.
///
/// On Linux a sleep is a wait on a process-shared futex in the ring's header that the
/// producer wakes right after its next commit (and only then: a producer pays for the
/// wake-up system call only while the consumer sleeps); `park` bounds each wait as a
/// safety net. Elsewhere the consumer sleeps, doubling from 50 µs up to `park`, so
/// `park` is also the worst added latency there.
///
/// The default (`spin` 2000, `yields` 64, `park` 10 ms) answers within about a
/// microsecond while messages flow, and costs next to no CPU once the ring is idle for
/// more than ~100 µs. For the lowest latency on a dedicated core, spin longer.
///
/// ```
/// use std::time::Duration;
/// use mmring_native::shm::WaitStrategy;
///
/// let default = WaitStrategy::default();
/// assert_eq!(default.park, Duration::from_millis(10));
/// let sleepy = WaitStrategy::new(0, 0, Duration::from_millis(50));
/// assert_eq!(sleepy.spin, 0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct WaitStrategy {
    /// Checks in a busy loop (with a CPU spin hint) before yielding.
    pub spin: u32,
    /// Checks each preceded by [`std::thread::yield_now`] before parking.
    pub yields: u32,
    /// The longest single sleep while parked (a zero duration is treated as 1 µs).
    pub park: Duration,
}

impl WaitStrategy {
    /// A strategy of `spin` busy checks, then `yields` yielding checks, then sleeps
    /// bounded by `park`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use mmring_native::shm::WaitStrategy;
    ///
    /// let w = WaitStrategy::new(10, 2, Duration::from_micros(100));
    /// assert_eq!((w.spin, w.yields, w.park), (10, 2, Duration::from_micros(100)));
    /// ```
    pub const fn new(spin: u32, yields: u32, park: Duration) -> Self {
        Self { spin, yields, park }
    }
}

impl Default for WaitStrategy {
    fn default() -> Self {
        Self::new(2000, 64, Duration::from_millis(10))
    }
}

fn default_dir() -> PathBuf {
    if cfg!(target_os = "linux") {
        PathBuf::from("/dev/shm")
    } else {
        std::env::temp_dir()
    }
}
