//! `shm`: a ring of byte messages between processes of one host, in a memory-mapped
//! file: one producer and one consumer, or one producer and up to
//! [`ShmConfig::readers`] broadcast readers that each receive every message.
//!
//! ```
//! use mmring_native::shm::{ShmConfig, ShmConsumer, ShmProducer};
//!
//! // Usually `ShmConfig::new("name", capacity)`, i.e. /dev/shm/mmring-name on Linux.
//! let path = std::env::temp_dir().join(format!("mmring-doc-shm-{}", std::process::id()));
//! let config = ShmConfig::at_path(&path, 1 << 16).with_unlink_on_close(true);
//!
//! let mut producer = ShmProducer::create(&config)?; // in one process
//! let mut consumer = ShmConsumer::open(&config)?;   // in another
//!
//! producer.insert(b"BUY 100 @ 42.0")?;
//! producer.insert_batch(&[b"a", b"b"])?;            // one commit for both
//! assert_eq!(consumer.consume()?, b"BUY 100 @ 42.0");
//! assert_eq!(consumer.consume_all()?, [b"a", b"b"]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The record protocol itself (records, padding at the wrap, indices, eviction and the
//! consumer's detection of being overtaken) is [`mmring_core::spsc`], which runs the
//! same over heap memory under Miri and loom. This module supplies the mapped file,
//! its header and checks, and the waiting.
//!
//! | family | calls |
//! |---|---|
//! | set-up | [`ShmConfig`], [`WaitStrategy`], [`ShmProducer::create`], [`ShmConsumer::open`], [`ShmProducer::close`] |
//! | write | [`insert`](ShmProducer::insert), [`insert_batch`](ShmProducer::insert_batch), [`insert_packed`](ShmProducer::insert_packed) |
//! | read, never waiting | [`try_consume`](ShmConsumer::try_consume), [`consume_into`](ShmConsumer::consume_into), [`consume_all`](ShmConsumer::consume_all), [`try_consume_packed`](ShmConsumer::try_consume_packed), [`peekleft`](ShmConsumer::peekleft), [`peekright`](ShmConsumer::peekright) |
//! | read, waiting | [`consume`](ShmConsumer::consume), [`consume_timeout`](ShmConsumer::consume_timeout), [`consume_packed`](ShmConsumer::consume_packed), [`aconsume`](ShmConsumer::aconsume) |
//! | one producer, many readers | [`ShmConfig::readers`], [`ShmConfig::start_at`], [`ShmProducer::readers`] (see [Broadcast](#broadcast)) |
//! | many producers, one consumer | [`ShmFanIn`]: every ring of a name prefix, read in turn |
//! | state | `len`, `is_empty`, `dropped`, [`latest_insert_time_ns`](ShmConsumer::latest_insert_time_ns), [`latest_consume_time_ns`](ShmConsumer::latest_consume_time_ns), `capacity`, `max_message_size`, `policy`, `path` |
//!
//! # Policies
//! Chosen by the producer at creation ([`ShmConfig::policy`]) and stored in the file:
//! - [`Policy::DropOldest`] (default, as in mm_toolbox): `insert` never waits and never fails
//!   for lack of room. It evicts whole oldest records, each counted; the consumer's
//!   [`dropped`](ShmConsumer::dropped) says how many it missed. A consumer overtaken
//!   in the middle of copying a record notices (a seqlock check on the producer's
//!   `oldest` index), discards the copy, and resumes at the oldest surviving record:
//!   it never returns a torn, duplicated or reordered message. Once it has caught up,
//!   messages read + dropped = messages written.
//! - [`Policy::Reject`]: lossless. `insert` returns [`InsertError::Full`] while the unread
//!   records leave no room, and writes nothing; retry after the consumer has read.
//!
//! In both, a message longer than the largest message (default `capacity / 2 - 16`, see
//! [`max_message_for`](mmring_core::spsc::max_message_for)) is
//! [`InsertError::TooLarge`], and a batch is written all or nothing in one commit.
//!
//! # Broadcast
//! A ring created with [`ShmConfig::readers`]`(n)` takes up to `n` readers at once:
//! every [`ShmConsumer::open`] of it attaches a new reader (the `n+1`th is
//! [`OpenError::ReadersFull`]), which receives every message from where it attached
//! ([`ShmConfig::start_at`]: the oldest message in the ring, or only new ones), with
//! its own cursor and counters on its own 128-byte line of the file. Readers attach
//! and detach at any time; dropping one detaches it.
//! - Liveness is a lock on the first byte of the reader's line (an open file
//!   description lock on Linux), which dies with its process: a crashed reader's line
//!   is free for the next reader at once, and never holds the producer.
//! - [`Policy::DropOldest`]: the producer never waits and never reads a reader's line;
//!   each reader detects its own overruns and counts its own drops
//!   ([`ShmConsumer::dropped`]), so delivered + dropped = messages written since it
//!   attached.
//! - [`Policy::Reject`]: `insert` returns [`InsertError::Full`] while the slowest live
//!   reader has not read enough; a dead reader releases it. With no reader attached
//!   the producer never waits (old messages make room). The producer looks at the
//!   readers' lines only when its last look says the ring is full, and then frees
//!   half a ring at once.
//! - [`ShmProducer::readers`] lists the attached readers with their pids, lag and
//!   drops.
//! - Waiting readers share the wake line: the producer wakes them all with one
//!   `FUTEX_WAKE`, only when one sleeps.
//!
//! The protocol, including the handshake that lets a reader attach while the producer
//! evicts, is [`mmring_core::spsc`]'s (see [its broadcast
//! section](mmring_core::spsc#broadcast)), checked there by loom and Miri.
//!
//! ```
//! use mmring_native::shm::{ShmConfig, ShmConsumer, ShmProducer, StartAt};
//!
//! let path = std::env::temp_dir().join(format!("mmring-doc-bcast-{}", std::process::id()));
//! let config = ShmConfig::at_path(&path, 1 << 16).readers(4).with_unlink_on_close(true);
//! let mut feed = ShmProducer::create(&config)?;           // the feed handler
//! let mut strategy_a = ShmConsumer::open(&config)?;       // one process per strategy
//! let mut strategy_b = ShmConsumer::open(&config.clone().with_start_at(StartAt::Newest))?;
//! feed.insert(b"AAPL 189.5")?;
//! assert_eq!(strategy_a.consume()?, b"AAPL 189.5");
//! assert_eq!(strategy_b.consume()?, b"AAPL 189.5");    // every reader gets every message
//! assert_eq!(feed.readers().len(), 2);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Waiting
//! A blocking consume first checks in a busy loop (`spin` times), then yields the CPU
//! (`yields` times), then parks ([`WaitStrategy`]). On Linux a parked consumer sleeps
//! on a process-shared futex (the wake line's `parked` word): it announces itself,
//! issues a `SeqCst` fence and re-checks before sleeping, and the producer, after
//! every commit, loads `parked`, calling `FUTEX_WAKE` only if it is set. The two
//! sides' stores and loads must not pass each other, and the barrier that ensures it is
//! asymmetric: a producer process registers for `membarrier`'s global expedited
//! command, and a consumer about to sleep issues it, which makes every running thread
//! of every registered process execute a full barrier; the producer then needs only a
//! compiler fence per commit. Where the kernel lacks the command, the producer issues a
//! `SeqCst` fence per commit instead (about 6 ns on the project's AMD Zen 3 machines,
//! and it makes the producer wait for its stores to reach the cache). So no wake-up is
//! lost, a producer pays a wake-up system call only while the consumer sleeps, and a
//! consumer pays one `membarrier` (microseconds) each time it goes to sleep. Each
//! sleep is bounded by `park` as a safety net. Elsewhere the consumer sleeps in
//! bounded steps (50 µs doubling up to `park`).
//!
//! [`aconsume`](ShmConsumer::aconsume) does not block the executor thread and needs no
//! particular runtime: a message already there is returned at the first poll;
//! otherwise a helper thread owned by the consumer (started at the first wait) parks
//! on the futex exactly like a blocking consume and wakes the task's `Waker` when the
//! producer commits. A runtime's blocking pool would tie the crate to one runtime, a
//! thread per call would cost a thread start per wait, and readiness on a file
//! descriptor would need the producer to make a system call per message; the helper
//! thread costs one sleeping thread per consumer that ever awaited.
//!
//! # Timestamps
//! The producer stores the wall-clock time after every commit, the consumer after
//! every consume, as `u64` nanoseconds since the Unix epoch (never truncated). They
//! come from `CLOCK_REALTIME_COARSE` on Linux: about 10 ns to read (no system call,
//! half the cost of `CLOCK_REALTIME` here) but only as fine as the kernel tick, 1–4 ms
//! (4 ms on the project's machines; `clock_getres` tells); elsewhere from
//! [`SystemTime`](std::time::SystemTime). They say when a side was last active, not
//! when a given message was sent: put a precise time in the message for that.
//!
//! # Files and processes
//! - Created with mode 0600. A producer holds an exclusive `flock` on its file for its
//!   whole life; the kernel releases it however the process ends. `create` over a file
//!   whose lock is held is refused with [`OpenError::InUse`] (with the pid from its
//!   header); over a stale one it builds a fresh file under a temporary name and
//!   renames it into place. A file is therefore never visible half-initialised (the
//!   version is still published last, for any other writer of the format), and a
//!   stale file that an old consumer maps is never truncated under it. (The lock is
//!   the liveness test, not the header's pid: pids are reused, and differ across pid
//!   namespaces.)
//! - `open` checks the file's length with `fstat` before mapping it and checks every
//!   header field, so a short or bad file is a typed error, not a `SIGBUS`.
//!   **Limitation:** a file truncated by someone else *after* it was mapped makes the
//!   next access to the lost pages raise `SIGBUS`; mmring never truncates a ring file,
//!   but cannot stop another program from doing so.
//! - [`ShmProducer::close`] (or drop) removes the file when
//!   [`ShmConfig::unlink_on_close`] is set; consumers keep their mapping and can drain
//!   what is left. `close` takes the producer by value: use after close does not
//!   compile. A blocking consume does not notice that the producer went away: use
//!   [`consume_timeout`](ShmConsumer::consume_timeout), and re-open to follow a new
//!   producer.
//! - One consumer per ring (unless it is a [broadcast](#broadcast) ring). `open` takes
//!   a lock on one byte of the file (an open file description lock on Linux) and
//!   records its pid in the header; a second consumer, in this process or another, is
//!   refused with
//!   [`OpenError::ConsumerInUse`] naming that pid. The kernel drops the lock however
//!   the holder ends, so the successor of a crashed consumer attaches at once.
//! - Handover. A lock belongs to an open file, which lives while any descriptor or
//!   mapping of it does, including the copies a child process holds from `fork` (or
//!   `posix_spawn`) until its `exec`. So a ring just closed by this process, or by a
//!   process that just died, may stay locked for a moment while some thread starts a
//!   child. When the pid recorded for a held lock is this process's, 0 or a dead
//!   one, `create` and `open` try again for up to 100 ms before they report
//!   `InUse`/`ConsumerInUse`; a lock recorded for another live process is refused at
//!   once.
//! - Names. [`ShmConfig::new`] puts ring `name` at `/dev/shm/mmring-<name>`. A name
//!   is one path component: 1 to [`MAX_NAME_LEN`] (248) bytes of `A-Z a-z 0-9 . _ -`,
//!   not `.` or `..`; anything else is [`ConfigError::BadName`] at `create` and `open`,
//!   so no name reaches outside the ring directory, and every accepted name can be
//!   created (the temporary file used while creating has a short name of its own).
//! - Space. `create` reserves every page of the file (`posix_fallocate`) before
//!   anything maps it: a full file system is [`OpenError::NoSpace`] at creation, never
//!   a `SIGBUS` at the first write to a page that could not be backed. (`/dev/shm` is
//!   memory: its size is a mount option, half the RAM by default.)
//!
//! # Crashes
//! Either side may die at any instruction.
//! - A dead producer leaves a stale file: the next `create` replaces it (see above);
//!   consumers drain what it committed. A batch it did not commit is invisible.
//! - A dead consumer leaves its progress resumable: it publishes its position first,
//!   then its counters, so that whatever prefix of those stores reached the file, the
//!   next consumer resumes at the published position without a `Corrupt` error and
//!   the producer is never wedged. The message it was taking when it died is
//!   delivered again to its successor if the position was not yet published (the dead
//!   consumer never returned it); otherwise it is not delivered again, and is counted
//!   as read or, if the kill fell between the stores, as dropped. Messages read +
//!   dropped stays exact either way. (A consumer that dies after `consume` returned
//!   but before the application handled the message loses it, as with any queue:
//!   delivery is at most once.)
//!
//! # Trust model
//! The file is mode 0600: only processes of the same user can open it, and they are
//! trusted not to truncate it. A truncated file makes the next access to the lost
//! pages raise `SIGBUS` in every process that maps it, as with every transport built
//! on `mmap`; mmring never truncates a ring file. Short of that, a process of the same
//! user may write anything anywhere in the file at any time without making either side
//! panic, loop for ever, read out of bounds or return a message from a bogus
//! position: every number read from the file is bounds-checked and combined with
//! checked arithmetic, every call does bounded work, and what cannot be valid is a
//! [`ConsumeError::Corrupt`] (or, at `open`, a header or [`OpenError::Layout`] error).
//! Scribbled *contents* of a message are delivered as they are: the ring carries
//! bytes, not their meaning.

//! # Guarantees
//! - Messages arrive in order, each whole, at most once; under `Reject` every message
//!   arrives exactly once.
//! - Memory shared with the other process is only touched through atomics (the header
//!   fields, the indices and the data words), never through references to plain bytes
//!   that the other side could change; every length and position read from it is
//!   checked. A corrupt ring gives [`ConsumeError::Corrupt`] or a header error, never a
//!   panic, a hang or an out-of-bounds access (see the trust model above).
//!
//! # File layout, version 2
//! All integers are native-endian (little-endian on every supported target). The
//! file is exactly `1024 + 128 × readers + capacity` bytes: a header of eight
//! 128-byte lines, one line per broadcast reader (none for a ring with one consumer),
//! then the data area. Each line is stored by one side only (or rarely), so that neither
//! side's per-message stores invalidate a line the other reads per message.
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 8 | magic: the bytes `MMRINGSH` (`u64::from_le_bytes(*b"MMRINGSH")`) |
//! | 8 | 4 | layout version `u32` = 2; 0 while the producer initialises, stored last (release) |
//! | 12 | 4 | header size `u32` = 1024 + 128 × readers: where the data area starts |
//! | 16 | 8 | capacity `u64`: bytes in the data area, a power of two ≥ 32 |
//! | 24 | 8 | largest message `u64`, ≤ `max_message_for(capacity)` = capacity / 2 − 16 |
//! | 32 | 4 | policy `u32`: 1 `DropOldest`, 2 `Reject` |
//! | 36 | 4 | producer pid `u32` |
//! | 40 | 8 | creation time `u64`, ns since the Unix epoch |
//! | 48 | 4 | consumer pid `u32`, recorded by the consumer holding the lock on byte 256 (stale once it has gone) |
//! | 52 | 4 | broadcast readers `u32` (0: one consumer), at most [`MAX_READERS`] |
//! | 56 | 72 | reserved, zero |
//! | 128 | 8 | the producer's line: `last_insert_ns`, time of the last commit (stored on every commit) |
//! | 256 | 8 | the consumer's line: `last_consume_ns`, time of the last consume (stored on every consume); its first byte carries the consumer's lock |
//! | 384 | 4 | the wake line: `parked` `u32`, 1 while the consumer sleeps (the futex word; see [Waiting](#waiting)) |
//! | 512 | 384 | the record protocol's control block: `write_pos`, `newest`, `written` at 512; `read_pos`, `read_seq`, `read` at 640; `oldest`, `oldest_seq` at 768 (the [table in `spsc`](mmring_core::spsc#control-block), shifted by 512) |
//! | 896 | 128 | reserved, zero |
//! | 1024 + 128 i | 128 | broadcast reader `i`'s line: `read_pos`, `read_seq`, `read`, `state`, `owner` (its pid), `first`, `last_consume_ns` (the [reader line](mmring_core::spsc#control-block)); its first byte carries the reader's lock |
//! | 1024 + 128 × readers | capacity | data area: records (see [`mmring_core::spsc`]) |
//!
//! The rest of each line is reserved and zero. A record at stream position `p` sits
//! at `header size + (p mod capacity)`, 8-aligned and never crossing the end of the data
//! area: length `u32` and kind `u32` (1 message, 2 padding to the end of the lap),
//! sequence number `u64`, then the payload padded to 8 bytes.

mod config;
mod consumer;
mod error;
mod fanin;
mod file;
mod header;
mod producer;
mod wait;

pub use config::{MAX_NAME_LEN, ShmConfig, WaitStrategy};
pub use consumer::{Aconsume, ShmConsumer};
pub use error::{ConfigError, ConsumeError, InsertError, OpenError};
pub use fanin::{FanInError, ShmFanIn, SourceId, SourceInfo};
/// The overflow policies, chosen at creation.
pub use header::MAX_READERS;
pub use mmring_core::spsc::{Policy, StartAt};
pub use producer::{ShmProducer, ShmReader};
