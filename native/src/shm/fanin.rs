//! [`ShmFanIn`]: one consumer over many producers' rings (many processes to one).

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::{ConsumeError, OpenError, ShmConfig, ShmConsumer};

/// How often a consume looks for new rings unless told otherwise
/// ([`ShmFanIn::with_rescan_every`]).
const RESCAN_EVERY: Duration = Duration::from_millis(100);

/// One consumer over every ring whose name starts with a prefix: each producer process
/// creates its own ring (`orders-gw1`, `orders-gw2`, …) and one process reads them all.
///
/// Each ring is an ordinary [`ShmProducer`](super::ShmProducer) /
/// [`ShmConsumer`] pair, so each producer keeps its own order, policy and drop count,
/// and a producer that stops, crashes or floods its ring holds nobody else up: the
/// rings share nothing but the reader.
///
/// - **Discovery.** Rings whose file name starts with the prefix are attached when the
///   fan-in opens, and again every [`with_rescan_every`](Self::with_rescan_every)
///   (default 100 ms) while consuming, or at once with [`rescan`](Self::rescan); so a
///   producer that starts later is picked up. A file that cannot be attached (another
///   consumer holds it, it is still being created, it is not a ring) is skipped and
///   retried at the next scan; [`skipped`](Self::skipped) says which and why.
/// - **Fairness.** [`try_consume`](Self::try_consume) takes one message per call, from
///   the rings in turn: the ring after the one that gave the last message is asked
///   first, so a busy producer cannot starve a quiet one.
/// - **Ends.** A ring whose file has been removed or replaced (its producer closed with
///   `unlink_on_close`, or a new producer of the same name started) is drained, then
///   let go; the replacement is attached as a new source.
/// - **Waiting.** [`consume_timeout`](Self::consume_timeout) polls the rings with a
///   backoff (a short busy loop, then sleeps from 50 µs up to 1 ms): one process
///   cannot sleep on many rings' wake-up words at once. A single producer's ring with
///   [`ShmConsumer`] parks on the producer's futex instead.
///
/// ```
/// use mmring_native::shm::{ShmConfig, ShmFanIn, ShmProducer};
///
/// let dir = std::env::temp_dir().join(format!("mmring-doc-fanin-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// // Usually ShmConfig::new("fills-gw1", ..) and ShmFanIn::open("fills-").
/// let mut gw1 = ShmProducer::create(&ShmConfig::at_path(dir.join("fills-gw1"), 4096))?;
/// let mut gw2 = ShmProducer::create(&ShmConfig::at_path(dir.join("fills-gw2"), 4096))?;
/// let mut risk = ShmFanIn::in_dir(&dir, "fills-")?;
/// gw1.insert(b"gw1: fill 1")?;
/// gw2.insert(b"gw2: fill 1")?;
/// gw1.insert(b"gw1: fill 2")?;
///
/// let mut got = Vec::new();
/// while let Some((from, message)) = risk.try_consume()? {
///     got.push((risk.path(from).file_name().unwrap().to_owned(), message));
/// }
/// assert_eq!(got.len(), 3);
/// let gw1_fills: Vec<_> = got.iter().filter(|(f, _)| f == "fills-gw1").map(|(_, m)| m).collect();
/// assert_eq!(gw1_fills, [b"gw1: fill 1", b"gw1: fill 2"]); // each producer's order kept
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct ShmFanIn {
    dir: PathBuf,
    /// Files whose names start with this are rings to read.
    prefix: String,
    /// Every ring attached so far, in attach order; an id is an index here.
    sources: Vec<Source>,
    /// The source asked first by the next consume.
    next: usize,
    rescan_every: Duration,
    scanned_at: Instant,
    /// Consumes since the clock was last read for the rescan (it is read every
    /// [`CLOCK_EVERY`] messages, and whenever every ring was empty).
    since_clock: u32,
    skipped: Vec<(PathBuf, OpenError)>,
}

/// See [`ShmFanIn::since_clock`]: a clock read costs as much as taking a message.
const CLOCK_EVERY: u32 = 1024;

/// One attached ring.
struct Source {
    path: PathBuf,
    /// The file's identity when attached, to notice it being removed or replaced.
    file: (u64, u64),
    /// `None` once the ring was drained after its file went away.
    consumer: Option<ShmConsumer>,
    /// The file no longer is at `path`: drain, then let go.
    gone: bool,
    read: u64,
    /// [`ShmConsumer::dropped`] when the consumer was let go.
    dropped: u64,
}

/// Which ring a message came from: an index into the rings a [`ShmFanIn`] has attached,
/// in attach order, never reused. [`ShmFanIn::path`] names the ring.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SourceId(pub usize);

impl fmt::Display for SourceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "source {}", self.0)
    }
}

/// A ring of a [`ShmFanIn`] held an invalid record: which ring, and what its consumer
/// found. The other rings are unaffected.
#[derive(Debug, thiserror::Error)]
#[error("ring {path}: {error}")]
pub struct FanInError {
    /// The ring.
    pub source_id: SourceId,
    /// Its file.
    pub path: PathBuf,
    /// What its consumer reported.
    #[source]
    pub error: ConsumeError,
}

/// What a [`ShmFanIn`] knows of one attached ring ([`ShmFanIn::sources`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceInfo {
    /// Its id in messages.
    pub id: SourceId,
    /// Its file.
    pub path: PathBuf,
    /// Messages taken from it by this fan-in.
    pub read: u64,
    /// Messages its producer evicted before they were read ([`ShmConsumer::dropped`]).
    pub dropped: u64,
    /// Whether it is still read (false once its file went away and it was drained).
    pub attached: bool,
}

impl ShmFanIn {
    /// Reads every ring named `<prefix>…` (files `mmring-<prefix>…` in the directory of
    /// [`ShmConfig::new`]), attaching those there now.
    ///
    /// # Errors
    /// [`OpenError::Config`] with [`ConfigError::BadName`](super::ConfigError::BadName) when `prefix` is not a valid
    /// ring name (1 to 248 bytes of `A-Z a-z 0-9 . _ -`); [`OpenError::Io`] when the
    /// directory cannot be read.
    ///
    /// ```
    /// use mmring_native::shm::{ConfigError, OpenError, ShmFanIn};
    ///
    /// let err = ShmFanIn::open("../etc").unwrap_err();
    /// assert!(matches!(err, OpenError::Config(ConfigError::BadName { .. })));
    /// ```
    pub fn open(prefix: &str) -> Result<Self, OpenError> {
        let probe = ShmConfig::new(prefix, 0);
        probe.check_name().map_err(OpenError::Config)?;
        let dir = probe
            .path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        Self::in_dir(dir, &format!("mmring-{prefix}"))
    }

    /// Reads every ring file in `dir` whose file name starts with `file_prefix` (no
    /// name rules: for rings made with [`ShmConfig::at_path`]), attaching those there
    /// now. Files whose names start with `.` (a ring being created) are never read.
    ///
    /// # Errors
    /// [`OpenError::Io`] when the directory cannot be read.
    ///
    /// ```
    /// use mmring_native::shm::ShmFanIn;
    ///
    /// let fan_in = ShmFanIn::in_dir(std::env::temp_dir(), "no-such-ring-prefix-")?;
    /// assert_eq!(fan_in.sources().count(), 0);
    /// # Ok::<(), mmring_native::shm::OpenError>(())
    /// ```
    pub fn in_dir(dir: impl AsRef<Path>, file_prefix: &str) -> Result<Self, OpenError> {
        let mut fan_in = Self {
            dir: dir.as_ref().to_path_buf(),
            prefix: file_prefix.to_owned(),
            sources: Vec::new(),
            next: 0,
            rescan_every: RESCAN_EVERY,
            scanned_at: Instant::now(),
            since_clock: 0,
            skipped: Vec::new(),
        };
        fan_in.rescan().map_err(|source| OpenError::Io {
            path: fan_in.dir.clone(),
            source,
        })?;
        Ok(fan_in)
    }

    /// Sets how often a consume looks for new rings (default 100 ms;
    /// [`Duration::MAX`]: only at [`rescan`](Self::rescan)).
    ///
    /// ```
    /// use std::time::Duration;
    /// use mmring_native::shm::ShmFanIn;
    ///
    /// let fan_in = ShmFanIn::in_dir(std::env::temp_dir(), "no-such-ring-prefix-")?
    ///     .with_rescan_every(Duration::from_millis(10));
    /// # let _ = fan_in;
    /// # Ok::<(), mmring_native::shm::OpenError>(())
    /// ```
    pub fn with_rescan_every(mut self, every: Duration) -> Self {
        self.rescan_every = every;
        self
    }

    /// Attaches the rings that appeared since the last scan, notes those whose file
    /// went away, and returns how many were attached. Files that cannot be attached are
    /// listed in [`skipped`](Self::skipped) and retried at the next scan.
    ///
    /// # Errors
    /// The directory cannot be read.
    ///
    /// ```
    /// use mmring_native::shm::{ShmConfig, ShmFanIn, ShmProducer};
    ///
    /// let dir = std::env::temp_dir().join(format!("mmring-doc-rescan-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let mut fan_in = ShmFanIn::in_dir(&dir, "q-")?;
    /// let _late = ShmProducer::create(&ShmConfig::at_path(dir.join("q-late"), 4096))?;
    /// assert_eq!(fan_in.rescan()?, 1);
    /// assert_eq!(fan_in.rescan()?, 0);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn rescan(&mut self) -> io::Result<usize> {
        self.scanned_at = Instant::now();
        self.skipped.clear();
        for source in self.sources.iter_mut().filter(|s| !s.gone) {
            source.gone = identity(&source.path).ok() != Some(source.file);
        }
        let mut attached = 0;
        let mut paths: Vec<PathBuf> = std::fs::read_dir(&self.dir)?
            .filter_map(Result::ok)
            .filter(|entry| {
                let name = entry.file_name();
                let name = name.to_string_lossy();
                !name.starts_with('.') && name.starts_with(&self.prefix)
            })
            .map(|entry| entry.path())
            .collect();
        paths.sort();
        for path in paths {
            let Ok(file) = identity(&path) else { continue };
            let known = self
                .sources
                .iter()
                .any(|s| !s.gone && s.path == path && s.file == file);
            if known {
                continue;
            }
            // A file at its final name is complete (a ring is created under a
            // temporary name); one that is not yet a ring is retried, not waited for.
            let config = ShmConfig::at_path(&path, 0).with_open_timeout(Duration::ZERO);
            match ShmConsumer::open(&config) {
                Ok(consumer) => {
                    self.sources.push(Source {
                        path,
                        file,
                        consumer: Some(consumer),
                        gone: false,
                        read: 0,
                        dropped: 0,
                    });
                    attached += 1;
                }
                Err(error) => self.skipped.push((path, error)),
            }
        }
        Ok(attached)
    }

    /// Takes one message, from the rings in turn, without waiting: `(which ring,
    /// message)`, or `None` when every ring is empty. Looks for new rings when the last
    /// scan is older than [`with_rescan_every`](Self::with_rescan_every) and every ring
    /// was empty, or every 1024 messages (the clock is not read for each message).
    ///
    /// # Errors
    /// [`FanInError`] when a ring holds an invalid record; that ring stays where it
    /// was and the next call asks the next ring first.
    ///
    /// ```
    /// use mmring_native::shm::{ShmConfig, ShmFanIn, ShmProducer};
    ///
    /// let dir = std::env::temp_dir().join(format!("mmring-doc-fairness-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let mut busy = ShmProducer::create(&ShmConfig::at_path(dir.join("t-busy"), 4096))?;
    /// let mut quiet = ShmProducer::create(&ShmConfig::at_path(dir.join("t-quiet"), 4096))?;
    /// let mut fan_in = ShmFanIn::in_dir(&dir, "t-")?;
    /// for _ in 0..10 {
    ///     busy.insert(b"busy")?;
    /// }
    /// quiet.insert(b"quiet")?;
    /// let first_two: Vec<Vec<u8>> = (0..2).map(|_| fan_in.try_consume().unwrap().unwrap().1).collect();
    /// assert!(first_two.contains(&b"quiet".to_vec())); // not starved by the busy ring
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn try_consume(&mut self) -> Result<Option<(SourceId, Vec<u8>)>, FanInError> {
        let mut message = Vec::new();
        Ok(self
            .try_consume_into(&mut message)?
            .map(|from| (from, message)))
    }

    /// [`try_consume`](Self::try_consume) into `out` (cleared first), reusing its
    /// allocation: which ring the message came from, or `None` when every ring is
    /// empty.
    ///
    /// # Errors
    /// As [`try_consume`](Self::try_consume).
    ///
    /// ```
    /// use mmring_native::shm::{ShmConfig, ShmFanIn, ShmProducer};
    ///
    /// let dir = std::env::temp_dir().join(format!("mmring-doc-into-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let mut tx = ShmProducer::create(&ShmConfig::at_path(dir.join("i-one"), 4096))?;
    /// let mut fan_in = ShmFanIn::in_dir(&dir, "i-")?;
    /// tx.insert(b"tick")?;
    /// let mut buf = Vec::with_capacity(64);
    /// assert!(fan_in.try_consume_into(&mut buf)?.is_some());
    /// assert_eq!(buf, b"tick");
    /// assert_eq!(fan_in.try_consume_into(&mut buf)?, None);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn try_consume_into(&mut self, out: &mut Vec<u8>) -> Result<Option<SourceId>, FanInError> {
        Ok(self
            .take_polling(out, 1, &mut |_, _| {})?
            .map(|(from, _)| from))
    }

    /// Takes up to `max` waiting messages from the next ring in turn that has any,
    /// lending each to `each` with the ring it came from (in `out`, whose contents it
    /// replaces); returns how many (0 when every ring is empty). One call reads one
    /// ring, the next call starts at the ring after it: rings are served in turn, each
    /// with up to `max` messages, so none starves, and a busy consumer pays the cost of
    /// moving to another ring (and of publishing its read position) once per batch
    /// instead of once per message.
    ///
    /// # Errors
    /// As [`try_consume`](Self::try_consume); the messages taken before the error are
    /// published first.
    ///
    /// ```
    /// use mmring_native::shm::{ShmConfig, ShmFanIn, ShmProducer};
    ///
    /// let dir = std::env::temp_dir().join(format!("mmring-doc-fbatch-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let mut a = ShmProducer::create(&ShmConfig::at_path(dir.join("b-a"), 4096))?;
    /// let mut b = ShmProducer::create(&ShmConfig::at_path(dir.join("b-b"), 4096))?;
    /// let mut fan_in = ShmFanIn::in_dir(&dir, "b-")?;
    /// a.insert_batch(&[b"a1", b"a2", b"a3"])?;
    /// b.insert(b"b1")?;
    /// let mut buf = Vec::new();
    /// let mut got = Vec::new();
    /// while fan_in.consume_batch(&mut buf, 2, |_, m| got.push(m.to_vec()))? > 0 {}
    /// assert_eq!(got.len(), 4);
    /// assert_eq!(got[..2], [b"a1".to_vec(), b"a2".to_vec()]); // two from one ring,
    /// assert_eq!(got[2], b"b1");                              // then the next ring
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn consume_batch(
        &mut self,
        out: &mut Vec<u8>,
        max: usize,
        mut each: impl FnMut(SourceId, &[u8]),
    ) -> Result<usize, FanInError> {
        Ok(self
            .take_polling(out, max, &mut each)?
            .map_or(0, |(_, taken)| taken))
    }

    /// [`take`](Self::take), looking for new rings now and then, and when every ring
    /// is empty.
    fn take_polling(
        &mut self,
        out: &mut Vec<u8>,
        max: usize,
        each: &mut dyn FnMut(SourceId, &[u8]),
    ) -> Result<Option<(SourceId, usize)>, FanInError> {
        self.since_clock += 1;
        if self.since_clock >= CLOCK_EVERY {
            self.rescan_if_due();
        }
        if let Some(taken) = self.take(out, max, each)? {
            return Ok(Some(taken));
        }
        // Every ring was empty: a good moment to look for new ones.
        if self.rescan_if_due() {
            return self.take(out, max, each);
        }
        Ok(None)
    }

    /// Rescans when the last scan is older than `rescan_every`; whether it did.
    fn rescan_if_due(&mut self) -> bool {
        self.since_clock = 0;
        if self.scanned_at.elapsed() < self.rescan_every {
            return false;
        }
        // A directory that cannot be read now keeps the rings already attached.
        let _ = self.rescan();
        true
    }

    /// Up to `max` messages from the first ring in turn that has any, starting after
    /// the last one read from: the ring and how many.
    fn take(
        &mut self,
        out: &mut Vec<u8>,
        max: usize,
        each: &mut dyn FnMut(SourceId, &[u8]),
    ) -> Result<Option<(SourceId, usize)>, FanInError> {
        let count = self.sources.len();
        for step in 0..count {
            let at = (self.next + step) % count;
            let source = &mut self.sources[at];
            let Some(consumer) = source.consumer.as_mut() else {
                continue;
            };
            match consumer.consume_batch(out, max, |m| each(SourceId(at), m)) {
                Ok(0) => {
                    if source.gone {
                        // Drained after its file went away: let it go.
                        source.dropped = consumer.dropped();
                        source.consumer = None;
                    }
                }
                Ok(taken) => {
                    source.read += taken as u64;
                    self.next = at + 1;
                    return Ok(Some((SourceId(at), taken)));
                }
                Err(error) => {
                    self.next = at + 1;
                    return Err(FanInError {
                        source_id: SourceId(at),
                        path: source.path.clone(),
                        error,
                    });
                }
            }
        }
        Ok(None)
    }

    /// [`try_consume`](Self::try_consume), waiting up to `timeout` for a message:
    /// `None` when none came. Polls with a backoff (see the type's docs).
    ///
    /// # Errors
    /// As [`try_consume`](Self::try_consume).
    ///
    /// ```
    /// use std::time::Duration;
    /// use mmring_native::shm::ShmFanIn;
    ///
    /// let mut fan_in = ShmFanIn::in_dir(std::env::temp_dir(), "no-such-ring-prefix-")?;
    /// assert_eq!(fan_in.consume_timeout(Duration::from_millis(5))?, None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn consume_timeout(
        &mut self,
        timeout: Duration,
    ) -> Result<Option<(SourceId, Vec<u8>)>, FanInError> {
        let started = Instant::now();
        let mut pause = Duration::from_micros(50);
        let mut spins = 0u32;
        loop {
            if let Some(taken) = self.try_consume()? {
                return Ok(Some(taken));
            }
            let waited = started.elapsed();
            if waited >= timeout {
                return Ok(None);
            }
            if spins < 64 {
                spins += 1;
                std::hint::spin_loop();
            } else {
                std::thread::sleep(pause.min(timeout - waited));
                pause = (pause * 2).min(Duration::from_millis(1));
            }
        }
    }

    /// The file of ring `id`.
    ///
    /// # Panics
    /// If `id` did not come from this fan-in.
    ///
    /// ```
    /// use mmring_native::shm::{ShmConfig, ShmFanIn, ShmProducer};
    ///
    /// let dir = std::env::temp_dir().join(format!("mmring-doc-path-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let mut tx = ShmProducer::create(&ShmConfig::at_path(dir.join("p-one"), 4096))?;
    /// let mut fan_in = ShmFanIn::in_dir(&dir, "p-")?;
    /// tx.insert(b"hi")?;
    /// let (from, _) = fan_in.try_consume()?.unwrap();
    /// assert_eq!(fan_in.path(from), dir.join("p-one"));
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn path(&self, id: SourceId) -> &Path {
        &self.sources[id.0].path
    }

    /// Every ring attached so far, with its counters.
    ///
    /// ```
    /// use mmring_native::shm::{ShmConfig, ShmFanIn, ShmProducer};
    ///
    /// let dir = std::env::temp_dir().join(format!("mmring-doc-sources-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let mut tx = ShmProducer::create(&ShmConfig::at_path(dir.join("s-a"), 4096))?;
    /// let mut fan_in = ShmFanIn::in_dir(&dir, "s-")?;
    /// tx.insert(b"x")?;
    /// fan_in.try_consume()?;
    /// let info: Vec<_> = fan_in.sources().collect();
    /// assert_eq!((info.len(), info[0].read, info[0].dropped, info[0].attached), (1, 1, 0, true));
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn sources(&self) -> impl Iterator<Item = SourceInfo> + '_ {
        self.sources
            .iter()
            .enumerate()
            .map(|(at, source)| SourceInfo {
                id: SourceId(at),
                path: source.path.clone(),
                read: source.read,
                dropped: source
                    .consumer
                    .as_ref()
                    .map_or(source.dropped, ShmConsumer::dropped),
                attached: source.consumer.is_some(),
            })
    }

    /// The files the last scan could not attach, and why (retried at the next scan).
    ///
    /// ```
    /// use mmring_native::shm::{OpenError, ShmFanIn};
    ///
    /// let dir = std::env::temp_dir().join(format!("mmring-doc-skipped-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// std::fs::write(dir.join("r-not-a-ring"), b"hello")?;
    /// let fan_in = ShmFanIn::in_dir(&dir, "r-")?;
    /// assert_eq!(fan_in.sources().count(), 0);
    /// assert!(matches!(fan_in.skipped(), [(_, OpenError::TooShort { .. })]));
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn skipped(&self) -> &[(PathBuf, OpenError)] {
        &self.skipped
    }
}

impl fmt::Debug for ShmFanIn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ShmFanIn")
            .field("dir", &self.dir)
            .field("prefix", &self.prefix)
            .field("sources", &self.sources.len())
            .finish_non_exhaustive()
    }
}

/// A file's device and inode: the same path naming another file means a new ring.
fn identity(path: &Path) -> io::Result<(u64, u64)> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        let meta = std::fs::metadata(path)?;
        Ok((meta.dev(), meta.ino()))
    }
    #[cfg(not(unix))]
    {
        let meta = std::fs::metadata(path)?;
        let created = meta
            .created()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos() as u64);
        Ok((meta.len(), created))
    }
}
