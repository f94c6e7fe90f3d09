//! The reading side of the record protocol.

#[cfg(not(loom))]
use std::sync::atomic::{
    AtomicU64,
    Ordering::{Acquire, Relaxed, Release, SeqCst},
    fence,
};

#[cfg(loom)]
use loom::sync::atomic::{
    AtomicU64,
    Ordering::{Acquire, Relaxed, Release, SeqCst},
    fence,
};

use super::record::{KIND_MESSAGE, KIND_PADDING, decode_head, load_bytes, record_bytes};
use super::region::{HOLD, ReaderLine, Region, check_layout};
use super::{AttachError, ConsumeError, LayoutError, Policy, StartAt};

/// The one reader of a ring. See the [module docs](super) for the protocol.
///
/// ```
/// use mmring_core::spsc::{self, Policy};
///
/// let (mut tx, mut rx) = spsc::channel(64, Policy::DropOldest)?;
/// for i in 0..5u8 {
///     tx.insert(&[i; 12])?; // 32-byte records: two fit
/// }
/// assert_eq!(rx.try_consume()?, Some(vec![3; 12]));
/// assert_eq!(rx.dropped(), 3);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Consumer<M: Region> {
    region: M,
    policy: Policy,
    /// `capacity - 1`; the data area is `capacity` bytes, a power of two.
    mask: u64,
    max_message: usize,
    /// Position of the next record to read; equals the published `read_pos`.
    read_pos: u64,
    /// Sequence number expected next.
    read_seq: u64,
    /// Messages consumed. `read <= read_seq`: every message numbered below `read_seq`
    /// was either read or dropped, so `read_seq - read` messages were dropped.
    read: u64,
    /// Last `write_pos` seen; stale, re-read only when the reader catches up with it.
    write_cache: u64,
    /// `written` read just after `write_cache`: every record below `write_cache` has a
    /// smaller sequence number.
    written_cache: u64,
    /// The broadcast reader line this reader holds; `None` for the one consumer.
    slot: Option<usize>,
    /// `read` when a broadcast reader attached (0 for the one consumer).
    base: u64,
    /// Whether `read_seq` is known: false for a broadcast reader that attached at the
    /// end of a ring whose newest record was gone, until it reads its first message.
    synced: bool,
    /// Loom only: skip the seqlock re-check, to prove the model catches torn reads.
    #[cfg(loom)]
    skip_seqlock_check: bool,
    /// Tests only: publish only this many of the commit's stores, as a consumer killed
    /// between two of them would.
    #[cfg(any(test, loom))]
    crash_after_stores: Option<usize>,
}

/// How many passes one call may make before it gives up for now: a valid call needs at
/// most four (refresh, skip evicted records, padding, message); more happen only while
/// the producer keeps evicting the record being read.
const MAX_PASSES: usize = 1024;

/// How many times an attaching reader looks for a consistent starting point before it
/// starts at the end of the stream instead (a producer far faster than the ring is
/// large keeps moving it). Fewer in loom models, which explore every pass.
const ATTACH_PASSES: usize = if cfg!(loom) { 4 } else { 64 };

/// Where to stop after finding a message.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Take {
    /// Consume it: advance and publish the read position.
    Consume,
    /// Consume it, but leave publishing the read position to the caller, which
    /// takes more messages first ([`Consumer::consume_batch`]).
    Defer,
    /// Only look at it.
    Peek,
}

impl<M: Region> Consumer<M> {
    /// Takes the reading side of `region`, resuming from the indices it holds.
    ///
    /// # Errors
    /// [`LayoutError`] when the data area is not a power of two ≥ 32 bytes, when
    /// `max_message` exceeds [`max_message_for`](super::max_message_for)`(capacity)`,
    /// or when the stored indices are inconsistent.
    pub fn new(region: M, policy: Policy, max_message: usize) -> Result<Self, LayoutError> {
        let capacity = check_layout(&region, max_message)?;
        let control = region.control();
        // `written` before `write_pos` too: it is stored before `write_pos` in each
        // commit, so this one is at most one batch (one capacity of records) ahead of
        // the `write_pos` that follows. The one after `write_pos` is the cache: at least
        // as new as it.
        let written_before = control.producer.written.load(Acquire);
        let write_pos = control.producer.write_pos.load(Acquire);
        let written = control.producer.written.load(Acquire);
        let read_pos = control.consumer.read_pos.load(Acquire);
        let read_seq = control.consumer.read_seq.load(Relaxed);
        let read = control.consumer.read.load(Relaxed);
        let indices = |reason| Err(LayoutError::Indices { reason });
        if write_pos % 8 != 0 || read_pos % 8 != 0 {
            return indices("a position is not a multiple of 8");
        }
        if read_pos > write_pos {
            return indices("consumer position ahead of the producer");
        }
        if write_pos > super::MAX_POSITION {
            return indices("write position past the largest stream position");
        }
        if policy == Policy::Reject && write_pos - read_pos > capacity {
            return indices("more unread bytes than the ring holds");
        }
        // Every record takes at least 16 bytes of the stream.
        if written_before > (write_pos + capacity) / super::HEADER_BYTES as u64 {
            return indices("more messages written than the stream has bytes for");
        }
        // Every prefix of `commit`'s stores keeps `read <= read_seq <= written`, so a
        // predecessor killed at any point leaves counters that pass.
        if read_seq > written {
            return indices("the consumer expects a message that was never written");
        }
        if read > read_seq {
            return indices("more messages read than the consumer has passed");
        }
        let mut consumer = Self::blank(region, policy, capacity, max_message, None);
        consumer.read_pos = read_pos;
        consumer.read_seq = read_seq;
        consumer.read = read;
        consumer.write_cache = write_pos;
        consumer.written_cache = written;
        Ok(consumer)
    }

    /// A reader of `region` at stream position 0 that has read nothing, on broadcast
    /// reader line `slot` (`None`: the one consumer).
    fn blank(
        region: M,
        policy: Policy,
        capacity: u64,
        max_message: usize,
        slot: Option<usize>,
    ) -> Self {
        Self {
            policy,
            mask: capacity - 1,
            max_message,
            read_pos: 0,
            read_seq: 0,
            read: 0,
            write_cache: 0,
            written_cache: 0,
            slot,
            base: 0,
            synced: true,
            region,
            #[cfg(loom)]
            skip_seqlock_check: false,
            #[cfg(any(test, loom))]
            crash_after_stores: None,
        }
    }

    /// Attaches a broadcast reader to `region` (made with reader lines, e.g. by
    /// [`broadcast`](super::broadcast)): it claims a free line and receives every
    /// message from `start` on, independently of the other readers. Dropping it
    /// detaches it and frees the line.
    ///
    /// Attaching is a handshake with the producer: the reader raises a hold on its
    /// line (under [`Policy::Reject`] the producer evicts nothing while it sees one),
    /// issues a full barrier, and only then reads where the ring starts, so the
    /// producer either sees the hold or the reader sees the producer's newest
    /// eviction. Its counters start at zero.
    ///
    /// # Errors
    /// [`AttachError::ReadersFull`] when every line is taken (a region without reader
    /// lines admits none); [`AttachError::Layout`] as for [`new`](Self::new);
    /// [`AttachError::Corrupt`] for invalid indices.
    ///
    /// ```
    /// use mmring_core::spsc::{self, AttachError, Consumer, Policy, StartAt};
    ///
    /// let (mut tx, region) = spsc::broadcast(1024, Policy::Reject, 1)?;
    /// let max = tx.max_message();
    /// let mut only = Consumer::attach(region.clone(), Policy::Reject, max, StartAt::Oldest)?;
    /// assert_eq!(
    ///     Consumer::attach(region.clone(), Policy::Reject, max, StartAt::Oldest).err(),
    ///     Some(AttachError::ReadersFull { limit: 1 })
    /// );
    /// tx.insert(b"fill")?;
    /// assert_eq!(only.try_consume()?, Some(b"fill".to_vec()));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn attach(
        region: M,
        policy: Policy,
        max_message: usize,
        start: StartAt,
    ) -> Result<Self, AttachError> {
        let capacity = check_layout(&region, max_message)?;
        let limit = region.readers().len();
        let slot = region
            .claim_reader()
            .filter(|&slot| slot < limit)
            .ok_or(AttachError::ReadersFull { limit })?;
        let line = &region.readers()[slot];
        let state = line.state.load(Relaxed);
        // A new odd number: a producer that found the line's last reader dead (at the
        // old number) looks at this one again.
        line.state
            .store(state.wrapping_add(1 + (state & 1)) | 1, Relaxed);
        line.read_pos.store(HOLD, Relaxed);
        // The hold (and the state) before anything this reader reads about the ring:
        // pairs with the producer's barrier between publishing an eviction and
        // looking for holds (see `Producer::make_room_for_readers`).
        fence(SeqCst);
        let mut reader = Self::blank(region, policy, capacity, max_message, Some(slot));
        // From here on, an error drops `reader`, which detaches it.
        let (pos, seq) = reader.start_point(start)?;
        // Not known: the producer had evicted everything and not yet committed the
        // next record. Until the first message says, count from what was written.
        reader.synced = seq.is_some();
        let seq = seq.unwrap_or_else(|| latest(&reader.region.control().producer.written));
        reader.read_pos = pos;
        reader.read_seq = seq;
        reader.read = seq;
        reader.base = seq;
        // Equal to `read_pos`: the first consume re-reads the producer's position.
        reader.write_cache = pos;
        reader.written_cache = seq;
        reader.line().first.store(seq, Relaxed);
        reader.commit();
        Ok(reader)
    }

    /// Where a reader attaching at `start` begins: a record position and the sequence
    /// number of the message there (or of the next message written, at the end); no
    /// number when the end is all the ring holds and its newest record is gone, or
    /// when the producer kept moving the start while we looked (then: its end).
    fn start_point(&self, start: StartAt) -> Result<(u64, Option<u64>), AttachError> {
        let control = self.region.control();
        let data = self.region.data();
        let capacity = self.mask + 1;
        for pass in 0..ATTACH_PASSES {
            if pass > 0 {
                // The producer is in the middle of a commit or an eviction: let it on.
                #[cfg(loom)]
                loom::thread::yield_now();
                #[cfg(not(loom))]
                std::hint::spin_loop();
            }
            if start == StartAt::Newest {
                if let Some(found) = self.newest_point()? {
                    return Ok((found.0, Some(found.1)));
                }
                continue;
            }
            let mut pos = latest(&control.cold.oldest);
            let write_pos = latest(&control.producer.write_pos);
            if write_pos > super::MAX_POSITION || write_pos % 8 != 0 || pos % 8 != 0 {
                return Err(self.corrupt(pos, "position outside the stream").into());
            }
            if pos > write_pos {
                return Err(self
                    .corrupt(pos, "oldest position past the write position")
                    .into());
            }
            if write_pos - pos > capacity {
                // Evicted further since we loaded `oldest`.
                continue;
            }
            // At most two records to look at: a padding marker, then a message.
            for _ in 0..2 {
                if pos == write_pos {
                    break;
                }
                let (len, kind) = decode_head(data[((pos & self.mask) / 8) as usize].load(Relaxed));
                let next = match kind {
                    KIND_PADDING if pos & self.mask != 0 => (pos | self.mask) + 1,
                    KIND_MESSAGE if (len as usize) <= self.max_message => {
                        let seq = data[((pos & self.mask) / 8) as usize + 1].load(Relaxed);
                        if self.still_there(pos) {
                            return Ok((pos, Some(seq)));
                        }
                        break;
                    }
                    _ if self.still_there(pos) => {
                        return Err(self
                            .corrupt(pos, "invalid record at the oldest position")
                            .into());
                    }
                    _ => break,
                };
                if !self.still_there(pos) || next > write_pos {
                    break;
                }
                pos = next;
            }
            if pos == write_pos {
                if let Some(found) = self.newest_point()? {
                    return Ok((found.0, Some(found.1)));
                }
                // Everything was evicted, the newest record too: the next record
                // committed starts at the end, and tells its number.
                if latest(&control.cold.oldest) == write_pos {
                    return Ok((write_pos, None));
                }
            }
        }
        Ok((latest(&control.producer.write_pos), None))
    }

    /// The end of the stream and the number of the next message, when the newest record
    /// ends exactly there and was intact while read; `None` to look again (the producer
    /// was between two stores of a commit, or overwrote the record).
    fn newest_point(&self) -> Result<Option<(u64, u64)>, AttachError> {
        let producer = &self.region.control().producer;
        let write_pos = latest(&producer.write_pos);
        if write_pos == 0 {
            return Ok(Some((0, 0)));
        }
        let newest = latest(&producer.newest);
        if write_pos > super::MAX_POSITION || write_pos % 8 != 0 || newest % 8 != 0 {
            return Err(self.corrupt(newest, "position outside the stream").into());
        }
        if newest >= write_pos || write_pos - newest > self.mask + 1 {
            // A newer commit's `newest`, or an older one's: look again.
            return Ok(None);
        }
        let data = self.region.data();
        let word = ((newest & self.mask) / 8) as usize;
        let (len, kind) = decode_head(data[word].load(Relaxed));
        let seq = data[word + 1].load(Relaxed);
        if !self.still_there(newest) {
            return Ok(None);
        }
        if kind != KIND_MESSAGE || len as usize > self.max_message {
            return Err(self
                .corrupt(newest, "the newest record is not a message")
                .into());
        }
        let ends_at_write = newest + record_bytes(len as usize) as u64 == write_pos;
        Ok((ends_at_write && seq < u64::MAX).then_some((write_pos, seq + 1)))
    }

    /// Whether the record at `pos` was not evicted while we read it, whatever the
    /// policy: a broadcast producer publishes `oldest` before overwriting under both.
    fn still_there(&self, pos: u64) -> bool {
        fence(Acquire);
        self.region.control().cold.oldest.load(Relaxed) <= pos
    }

    /// A broadcast reader that attached without knowing the number of its first
    /// message learns it from the first message it finds.
    #[cold]
    fn sync(&mut self, seq: u64) {
        self.read_seq = seq;
        self.read = seq;
        self.base = seq;
        self.line().first.store(seq, Relaxed);
        self.synced = true;
    }

    /// The line this reader publishes its progress on.
    #[inline]
    fn line(&self) -> &ReaderLine {
        match self.slot {
            None => &self.region.control().consumer,
            Some(slot) => &self.region.readers()[slot],
        }
    }

    /// A consumer that trusts its copies without re-checking `oldest`: broken on
    /// purpose, for the loom model to catch. Never use it.
    #[cfg(loom)]
    #[doc(hidden)]
    pub fn without_seqlock_check(mut self) -> Self {
        self.skip_seqlock_check = true;
        self
    }

    /// A consumer whose next consume publishes only the first `stores` stores of its
    /// commit and then stops, as if its process were killed there; drop it afterwards.
    /// For the crash-consistency tests. Never use it.
    #[cfg(any(test, loom))]
    #[doc(hidden)]
    pub fn crash_after_stores(mut self, stores: usize) -> Self {
        self.crash_after_stores = Some(stores);
        self
    }

    /// Removes the oldest message into `out` (replacing its contents); `false` when
    /// there is none. Allocates nothing once `out` has room for the message.
    ///
    /// # Errors
    /// [`ConsumeError::Corrupt`] when the region holds an invalid record or index that
    /// the producer is not overwriting; the consumer stays where it was.
    pub fn try_consume_into(&mut self, out: &mut Vec<u8>) -> Result<bool, ConsumeError> {
        self.next(out, Take::Consume)
    }

    /// Removes up to `max` messages, oldest first, lending each to `each` (in `out`,
    /// whose contents it replaces), and publishes the read position once for all of
    /// them; returns how many. Where [`try_consume_into`](Self::try_consume_into)
    /// stores the position after every message, which moves the consumer's cache line
    /// to the producer's core whenever the producer looks at it, this stores it once
    /// per batch.
    ///
    /// A consumer killed in the middle of a batch has published none of it: its
    /// successor receives the batch's messages again (one at a time, a consumer killed
    /// while taking a message may leave that one message to be received again; see
    /// the [module docs](super#crash-consistency)).
    ///
    /// # Errors
    /// As [`try_consume_into`](Self::try_consume_into); what was taken before the
    /// error is published first.
    ///
    /// ```
    /// use mmring_core::spsc::{self, Policy};
    ///
    /// let (mut tx, mut rx) = spsc::channel(4096, Policy::Reject)?;
    /// tx.insert_batch(&[b"bid", b"ask", b"trade"])?;
    /// let mut seen = Vec::new();
    /// let mut out = Vec::new();
    /// assert_eq!(rx.consume_batch(&mut out, 2, |m| seen.push(m.to_vec()))?, 2);
    /// assert_eq!(seen, [b"bid".to_vec(), b"ask".to_vec()]);
    /// assert_eq!(rx.consume_batch(&mut out, 8, |_| {})?, 1);
    /// assert_eq!(rx.consume_batch(&mut out, 8, |_| {})?, 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn consume_batch(
        &mut self,
        out: &mut Vec<u8>,
        max: usize,
        mut each: impl FnMut(&[u8]),
    ) -> Result<usize, ConsumeError> {
        let mut taken = 0;
        let result = loop {
            if taken == max {
                break Ok(taken);
            }
            match self.next(out, Take::Defer) {
                Ok(true) => {
                    each(out);
                    taken += 1;
                }
                Ok(false) => break Ok(taken),
                Err(e) => break Err(e),
            }
        };
        if taken > 0 {
            self.commit();
        }
        result
    }

    /// Removes and returns the oldest message.
    ///
    /// # Errors
    /// As [`try_consume_into`](Self::try_consume_into).
    pub fn try_consume(&mut self) -> Result<Option<Vec<u8>>, ConsumeError> {
        let mut out = Vec::new();
        Ok(self.next(&mut out, Take::Consume)?.then_some(out))
    }

    /// A copy of the oldest unread message, left in the ring.
    ///
    /// # Errors
    /// As [`try_consume_into`](Self::try_consume_into).
    pub fn peekleft(&mut self) -> Result<Option<Vec<u8>>, ConsumeError> {
        let mut out = Vec::new();
        Ok(self.next(&mut out, Take::Peek)?.then_some(out))
    }

    /// A copy of the newest message, if it is unread.
    ///
    /// # Errors
    /// As [`try_consume_into`](Self::try_consume_into).
    pub fn peekright(&mut self) -> Result<Option<Vec<u8>>, ConsumeError> {
        let producer = &self.region.control().producer;
        let mut out = Vec::new();
        let mut seen = None;
        for _ in 0..MAX_PASSES {
            // `newest` first: the producer publishes it after `write_pos`, so the
            // `write_pos` read next lies past the newest record.
            let newest = producer.newest.load(Acquire);
            let write_pos = producer.write_pos.load(Acquire);
            let written = producer.written.load(Acquire);
            // Empty; or the newest record was already read; or it was evicted and
            // nothing newer was committed since (a producer that died mid-insert).
            if write_pos == self.read_pos || newest < self.read_pos || seen == Some(newest) {
                return Ok(None);
            }
            if write_pos > super::MAX_POSITION || write_pos < self.read_pos {
                return Err(self.corrupt(newest, "write position outside the stream"));
            }
            // Below `write_pos` and within one capacity of it: no arithmetic on it can
            // overflow, and it cannot name a record of an earlier lap.
            if newest % 8 != 0 || newest >= write_pos || write_pos - newest > self.mask + 1 {
                return Err(self.corrupt(newest, "newest position outside the written stream"));
            }
            match self.read_record(newest, write_pos, &mut out)? {
                Record::Message { seq, .. } => {
                    if seq < self.read_seq || seq >= written {
                        return Err(self.corrupt(newest, "sequence number outside the stream"));
                    }
                    return Ok(Some(out));
                }
                // Evicted while we looked: the producer may have committed a newer one.
                Record::Overtaken => seen = Some(newest),
                Record::Padding { .. } => {
                    return Err(self.corrupt(newest, "the newest record is padding"));
                }
            }
        }
        // The producer kept evicting the newest record while we copied it.
        Ok(None)
    }

    /// Messages waiting to be read (a snapshot).
    pub fn len(&self) -> usize {
        let producer = &self.region.control().producer;
        let written = producer.written.load(Acquire);
        let oldest_seq = match self.policy {
            Policy::DropOldest => self.region.control().cold.oldest_seq.load(Acquire),
            Policy::Reject => 0,
        };
        written.saturating_sub(self.read_seq.max(oldest_seq)) as usize
    }

    /// Whether no message is waiting (a snapshot).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Messages lost to eviction: those skipped so far, plus those evicted since the
    /// last read (a snapshot; exact once the consumer has caught up).
    pub fn dropped(&self) -> u64 {
        let pending = match self.policy {
            Policy::DropOldest => {
                let oldest_seq = self.region.control().cold.oldest_seq.load(Acquire);
                oldest_seq.saturating_sub(self.read_seq)
            }
            Policy::Reject => 0,
        };
        (self.read_seq - self.read).saturating_add(pending)
    }

    /// Messages consumed since the region was created (by a broadcast reader: since
    /// it attached).
    pub fn read(&self) -> u64 {
        self.read - self.base
    }

    /// Whether a message may be there to read (a snapshot, cheap enough to poll: three
    /// loads, two of lines that change only when there is news). A waiting reader
    /// checks it before and after announcing that it sleeps.
    ///
    /// ```
    /// use mmring_core::spsc::{self, Policy};
    ///
    /// let (mut tx, rx) = spsc::channel(64, Policy::Reject)?;
    /// assert!(!rx.has_data());
    /// tx.insert(b"x")?;
    /// assert!(rx.has_data());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn has_data(&self) -> bool {
        let control = self.region.control();
        let write_pos = control.producer.write_pos.load(Acquire);
        let oldest = control.cold.oldest.load(Relaxed);
        write_pos > self.read_pos.max(oldest)
    }

    /// The reader line this broadcast reader holds; `None` for the one consumer.
    pub fn slot(&self) -> Option<usize> {
        self.slot
    }

    /// The size of the data area in bytes.
    pub fn capacity(&self) -> usize {
        (self.mask + 1) as usize
    }

    /// The overflow policy.
    pub fn policy(&self) -> Policy {
        self.policy
    }

    /// The memory this consumer reads.
    pub fn region(&self) -> &M {
        &self.region
    }

    /// Finds the oldest readable message, copies it into `out`, and consumes it if
    /// asked. Bounded: at most [`MAX_PASSES`] passes, each of which moves `pos` forward
    /// (by at least 8 bytes, never past the committed stream) or returns.
    fn next(&mut self, out: &mut Vec<u8>, take: Take) -> Result<bool, ConsumeError> {
        let mut pos = self.read_pos;
        for _ in 0..MAX_PASSES {
            if pos == self.write_cache {
                self.refresh_write(pos)?;
                if pos == self.write_cache {
                    return Ok(false);
                }
            }
            if self.policy == Policy::DropOldest {
                let oldest = self.region.control().cold.oldest.load(Acquire);
                if oldest > pos {
                    pos = self.overtaken_to(pos, oldest)?;
                    continue;
                }
            }
            // The producer publishes `oldest` before the `write_pos` of the commit that
            // evicted for it, so `oldest` (loaded after `write_cache`) is at least
            // `write_cache - capacity`, and `pos` is at or past `oldest`. More unread
            // bytes than that would make this loop walk lap after lap of garbage.
            if self.write_cache - pos > self.mask + 1 {
                return Err(self.corrupt(pos, "more unread bytes than the ring holds"));
            }
            match self.read_record(pos, self.write_cache, out)? {
                Record::Padding { next } => pos = next,
                Record::Overtaken => {}
                Record::Message { seq, next } => {
                    if !self.synced {
                        self.sync(seq);
                    }
                    if seq < self.read_seq {
                        return Err(self.corrupt(pos, "sequence number went backwards"));
                    }
                    // Every committed record's number is below `written`, which was
                    // published before the `write_pos` we read.
                    if seq >= self.written_cache {
                        return Err(self.corrupt(pos, "sequence number not yet written"));
                    }
                    if take != Take::Peek {
                        // `seq < written_cache <= u64::MAX` and `read < read_seq <= seq + 1`.
                        self.read_seq = seq + 1;
                        self.read += 1;
                        self.read_pos = next;
                        if take == Take::Consume {
                            self.commit();
                        }
                    }
                    return Ok(true);
                }
            }
        }
        // The producer kept evicting the record we were copying; try again later.
        Ok(false)
    }

    /// Publishes the consumer's progress. The position goes first (release: the copy
    /// is done, the producer may reuse the space), then the counters, so a consumer
    /// killed between any two stores leaves `read <= read_seq <= ` the sequence number
    /// of the record at `read_pos`: its successor resumes at `read_pos`, never sees a
    /// number go backwards, and counts the message it was taking as read or, when the
    /// kill fell between the stores, as dropped (`read + dropped = read_seq` always).
    fn commit(&self) {
        let line = self.line();
        let stores = [
            (&line.read_pos, self.read_pos, Release),
            (&line.read_seq, self.read_seq, Relaxed),
            (&line.read, self.read, Relaxed),
        ];
        #[cfg(not(any(test, loom)))]
        let published = stores.len();
        #[cfg(any(test, loom))]
        let published = self
            .crash_after_stores
            .map_or(stores.len(), |n| n.min(stores.len()));
        for &(word, value, order) in &stores[..published] {
            word.store(value, order);
        }
    }

    /// Reads the record at `pos` into `out` (replacing its contents), given that the
    /// producer has committed up to `write_pos`.
    fn read_record(
        &self,
        pos: u64,
        write_pos: u64,
        out: &mut Vec<u8>,
    ) -> Result<Record, ConsumeError> {
        let data = self.region.data();
        let word = ((pos & self.mask) / 8) as usize;
        let (len, kind) = decode_head(data[word].load(Relaxed));
        let len = len as usize;
        let problem = match kind {
            KIND_PADDING if pos & self.mask == 0 => "padding at the start of a lap",
            KIND_PADDING => {
                let next = (pos | self.mask) + 1;
                if next <= write_pos {
                    return Ok(if self.intact(pos) {
                        Record::Padding { next }
                    } else {
                        Record::Overtaken
                    });
                }
                "padding runs past the write position"
            }
            KIND_MESSAGE => {
                let record = record_bytes(len.min(self.max_message + 1)) as u64;
                if len > self.max_message {
                    "length exceeds the largest message"
                } else if (pos & self.mask) + record > self.mask + 1 {
                    "record crosses the end of the data area"
                } else if pos + record > write_pos {
                    "record runs past the write position"
                } else {
                    let seq = data[word + 1].load(Relaxed);
                    out.clear();
                    load_bytes(&data[word + 2..], len, out);
                    return Ok(if self.intact(pos) {
                        Record::Message {
                            seq,
                            next: pos + record,
                        }
                    } else {
                        Record::Overtaken
                    });
                }
            }
            _ => "unknown record kind",
        };
        // What looked wrong may only be the producer writing over it.
        if self.intact(pos) {
            Err(self.corrupt(pos, problem))
        } else {
            Ok(Record::Overtaken)
        }
    }

    /// Whether the record at `pos` was not evicted while we read it (seqlock check).
    fn intact(&self, pos: u64) -> bool {
        #[cfg(loom)]
        if self.skip_seqlock_check {
            return true;
        }
        match self.policy {
            Policy::Reject => true,
            Policy::DropOldest => {
                // Pairs with the producer's release fence after it publishes `oldest`:
                // if any load above saw data written after that fence, this load sees
                // the new `oldest`.
                fence(Acquire);
                self.region.control().cold.oldest.load(Relaxed) <= pos
            }
        }
    }

    /// Re-reads the producer's position, checking it against ours.
    fn refresh_write(&mut self, pos: u64) -> Result<(), ConsumeError> {
        let write_pos = self.region.control().producer.write_pos.load(Acquire);
        if write_pos > super::MAX_POSITION {
            return Err(self.corrupt(pos, "write position past the largest stream position"));
        }
        if write_pos < pos || write_pos % 8 != 0 {
            return Err(self.corrupt(pos, "write position behind the read position"));
        }
        self.write_cache = write_pos;
        // Published before `write_pos`, so at least as new as it.
        self.written_cache = self.region.control().producer.written.load(Acquire);
        Ok(())
    }

    /// Moves past records the producer evicted before we read them.
    fn overtaken_to(&mut self, pos: u64, oldest: u64) -> Result<u64, ConsumeError> {
        if oldest > self.write_cache {
            self.refresh_write(pos)?;
        }
        if oldest > self.write_cache || oldest % 8 != 0 {
            return Err(self.corrupt(pos, "oldest position outside the written stream"));
        }
        Ok(oldest)
    }

    fn corrupt(&self, position: u64, reason: &'static str) -> ConsumeError {
        ConsumeError::Corrupt { position, reason }
    }
}

/// An acquire load of `word`, for the attach path. (A reader never writes the
/// producer's lines, not even with a read-modify-write that changes nothing: a mapping
/// may be read-only there one day, and the lines stay the producer's own.)
fn latest(word: &AtomicU64) -> u64 {
    word.load(Acquire)
}

impl<M: Region> Drop for Consumer<M> {
    /// A broadcast reader detaches: its line's state moves to the next even number,
    /// which frees the line and releases the producer from waiting for it.
    fn drop(&mut self) {
        if self.slot.is_some() {
            let state = &self.line().state;
            state.store((state.load(Relaxed) | 1).wrapping_add(1), Release);
        }
    }
}

/// What [`Consumer::read_record`] found.
enum Record {
    /// A message, copied out; the next record starts at `next`.
    Message { seq: u64, next: u64 },
    /// Padding up to the lap boundary `next`.
    Padding { next: u64 },
    /// Evicted while being read; whatever was copied is garbage.
    Overtaken,
}
