//! The writing side of the record protocol.

#[cfg(not(loom))]
use std::sync::atomic::{
    Ordering::{Acquire, Relaxed, Release, SeqCst},
    fence,
};

#[cfg(loom)]
use loom::sync::atomic::{
    Ordering::{Acquire, Relaxed, Release, SeqCst},
    fence,
};

use super::record::{
    KIND_MESSAGE, KIND_PADDING, decode_head, encode_head, record_bytes, store_bytes,
};
use super::region::{HOLD, Region, check_layout};
use super::{InsertError, LayoutError, Policy, ReaderStats};

/// The one writer of a ring. See the [module docs](super) for the protocol.
///
/// ```
/// use mmring_core::spsc::{self, InsertError, Policy};
///
/// let (mut tx, _rx) = spsc::channel(64, Policy::Reject)?;
/// tx.insert(b"0123456789abcdef")?; // a 32-byte record
/// tx.insert(b"0123456789abcdef")?;
/// assert_eq!(tx.insert(b"x"), Err(InsertError::Full));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Producer<M: Region> {
    region: M,
    policy: Policy,
    /// `capacity - 1`; the data area is `capacity` bytes, a power of two.
    mask: u64,
    max_message: usize,
    /// Where the next record goes; equals the published `write_pos` between calls.
    write_pos: u64,
    /// Oldest record not evicted (`DropOldest`); `oldest <= write_pos` and
    /// `write_pos - oldest <= capacity`.
    oldest: u64,
    /// Sequence number of the first message at or after `oldest`.
    oldest_seq: u64,
    /// Sequence number of the next message.
    seq: u64,
    /// Last `read_pos` seen (`Reject`); stale, re-read only when it says "full".
    read_cache: u64,
    /// Per broadcast reader line, the `state` at which its reader was found dead (0:
    /// none); empty for a ring with one consumer.
    dead: Vec<u64>,
    /// Loom only: skip the look for holds after publishing an eviction, to prove the
    /// model catches a reader attaching on overwritten records.
    #[cfg(loom)]
    skip_rescan: bool,
}

impl<M: Region> Producer<M> {
    /// Takes the writing side of `region`, resuming from the indices it holds (all
    /// zero for fresh memory).
    ///
    /// # Errors
    /// [`LayoutError`] when the data area is not a power of two ≥ 32 bytes, when
    /// `max_message` exceeds [`max_message_for`](super::max_message_for)`(capacity)`,
    /// or when the stored indices are inconsistent.
    pub fn new(region: M, policy: Policy, max_message: usize) -> Result<Self, LayoutError> {
        let capacity = check_layout(&region, max_message)?;
        let line = &region.control().producer;
        let cold = &region.control().cold;
        let write_pos = line.write_pos.load(Acquire);
        let oldest = cold.oldest.load(Acquire);
        let read_pos = region.control().consumer.read_pos.load(Acquire);
        let indices = |reason| Err(LayoutError::Indices { reason });
        if write_pos % 8 != 0 || oldest % 8 != 0 || read_pos % 8 != 0 {
            return indices("a position is not a multiple of 8");
        }
        if write_pos > super::MAX_POSITION {
            return indices("write position past the largest stream position");
        }
        if oldest > write_pos || write_pos - oldest > capacity {
            return indices("oldest record outside the ring");
        }
        if read_pos > write_pos {
            return indices("consumer position ahead of the producer");
        }
        // Only the producer stores these: nothing races with the loads. Every record
        // takes at least 16 bytes of the stream, which keeps the counts far from
        // overflow.
        let seq = line.written.load(Relaxed);
        let oldest_seq = cold.oldest_seq.load(Relaxed);
        if seq > write_pos / super::HEADER_BYTES as u64 {
            return indices("more messages written than the stream has bytes for");
        }
        if oldest_seq > seq {
            return indices("the oldest record is numbered past the last one written");
        }
        Ok(Self {
            policy,
            mask: capacity - 1,
            max_message,
            write_pos,
            oldest,
            oldest_seq,
            seq,
            read_cache: read_pos,
            dead: vec![0; region.readers().len()],
            region,
            #[cfg(loom)]
            skip_rescan: false,
        })
    }

    /// A producer that publishes evictions without looking for attaching readers
    /// again: broken on purpose, for the loom model to catch. Never use it.
    #[cfg(loom)]
    #[doc(hidden)]
    pub fn without_attach_rescan(mut self) -> Self {
        self.skip_rescan = true;
        self
    }

    /// Appends one message.
    ///
    /// # Errors
    /// [`InsertError::TooLarge`] when it is longer than the largest message;
    /// [`InsertError::Full`] under [`Policy::Reject`] when the unread records leave no
    /// room. Nothing is written in either case.
    #[inline]
    pub fn insert(&mut self, message: &[u8]) -> Result<(), InsertError> {
        self.insert_batch(&[message])
    }

    /// Appends every message with one commit: the consumer sees all or none of them.
    ///
    /// # Errors
    /// As [`insert`](Self::insert); a batch whose records exceed the data area is
    /// [`InsertError::TooLarge`]. Nothing is written on error.
    pub fn insert_batch(&mut self, messages: &[&[u8]]) -> Result<(), InsertError> {
        if messages.is_empty() {
            return Ok(());
        }
        let capacity = self.mask + 1;
        let mut end = self.write_pos;
        for message in messages {
            if message.len() > self.max_message {
                return Err(self.too_large(message.len()));
            }
            let record = record_bytes(message.len()) as u64;
            end = self.place(end, record) + record;
        }
        let needed = end - self.write_pos;
        if needed > capacity {
            return Err(self.too_large(needed as usize));
        }
        match self.policy {
            Policy::Reject if self.dead.is_empty() => self.ensure_read_up_to(end)?,
            Policy::Reject => self.make_room_for_readers(end)?,
            Policy::DropOldest => self.evict_up_to(end),
        }
        let data = self.region.data();
        let mut pos = self.write_pos;
        let mut newest = pos;
        for message in messages {
            let record = record_bytes(message.len()) as u64;
            let at = self.place(pos, record);
            if at != pos {
                data[self.word(pos)].store(encode_head(0, KIND_PADDING), Relaxed);
            }
            let word = self.word(at);
            // Fits: `message.len() <= max_message < u32::MAX` (checked in `new`).
            data[word].store(encode_head(message.len() as u32, KIND_MESSAGE), Relaxed);
            data[word + 1].store(self.seq, Relaxed);
            store_bytes(&data[word + 2..], message);
            self.seq += 1;
            newest = at;
            pos = at + record;
        }
        let line = &self.region.control().producer;
        line.written.store(self.seq, Release);
        line.write_pos.store(end, Release);
        // After `write_pos`: a consumer that sees this `newest` sees a `write_pos` past
        // its record.
        line.newest.store(newest, Release);
        self.write_pos = end;
        Ok(())
    }

    /// Messages written and neither read nor evicted (a snapshot). With broadcast
    /// readers: those the slowest attached reader has still to read (0 with none).
    pub fn len(&self) -> usize {
        let read_seq = if self.dead.is_empty() {
            self.region.control().consumer.read_seq.load(Acquire)
        } else {
            let lag = self.readers().iter().map(|r| r.lag).max().unwrap_or(0);
            self.seq.saturating_sub(lag)
        };
        self.seq.saturating_sub(read_seq.max(self.oldest_seq)) as usize
    }

    /// Whether every written message was read or evicted (a snapshot).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Messages lost to eviction before the consumer read them: those the consumer
    /// has skipped, plus those evicted since it last read (a snapshot).
    /// With broadcast readers: the sum of the attached readers' drops.
    pub fn dropped(&self) -> u64 {
        if !self.dead.is_empty() {
            return self.readers().iter().map(|r| r.dropped).sum();
        }
        let consumer = &self.region.control().consumer;
        // Counters from the consumer's line: saturating, they may be anything.
        let read_seq = consumer.read_seq.load(Acquire);
        let skipped = read_seq.saturating_sub(consumer.read.load(Relaxed));
        skipped.saturating_add(self.oldest_seq.saturating_sub(read_seq))
    }

    /// The broadcast readers attached now, each with its counters (a snapshot; empty
    /// for a ring with one consumer). A reader that died without detaching is left out
    /// once the region says so ([`Region::reader_alive`]).
    ///
    /// ```
    /// use mmring_core::spsc::{self, Consumer, Policy, StartAt};
    ///
    /// let (mut tx, region) = spsc::broadcast(1024, Policy::DropOldest, 2)?;
    /// let max = tx.max_message();
    /// let mut rx = Consumer::attach(region.clone(), Policy::DropOldest, max, StartAt::Newest)?;
    /// tx.insert_batch(&[b"a", b"b", b"c"])?;
    /// rx.try_consume()?;
    /// let stats = tx.readers();
    /// assert_eq!((stats.len(), stats[0].read, stats[0].lag, stats[0].dropped), (1, 1, 2, 0));
    /// drop(rx);
    /// assert!(tx.readers().is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn readers(&self) -> Vec<ReaderStats> {
        let lines = self.region.readers();
        let mut stats = Vec::new();
        for (slot, line) in lines.iter().enumerate() {
            let state = line.state.load(Acquire);
            // Free lines first: the liveness question may cost the region a system call.
            if state & 1 == 0
                || self.dead.get(slot) == Some(&state)
                || !self.region.reader_alive(slot)
            {
                continue;
            }
            // From the reader's line: saturating, they may be anything.
            let read_seq = line.read_seq.load(Acquire);
            let read = line.read.load(Relaxed);
            let pending = match self.policy {
                Policy::DropOldest => self.oldest_seq.saturating_sub(read_seq),
                Policy::Reject => 0,
            };
            stats.push(ReaderStats {
                slot,
                owner: line.owner.load(Relaxed),
                read: read.saturating_sub(line.first.load(Relaxed)),
                lag: self.seq.saturating_sub(read_seq),
                dropped: read_seq.saturating_sub(read).saturating_add(pending),
            });
        }
        stats
    }

    /// Messages written since the region was created.
    pub fn written(&self) -> u64 {
        self.seq
    }

    /// The largest message this ring accepts.
    pub fn max_message(&self) -> usize {
        self.max_message
    }

    /// The size of the data area in bytes.
    pub fn capacity(&self) -> usize {
        (self.mask + 1) as usize
    }

    /// The overflow policy.
    pub fn policy(&self) -> Policy {
        self.policy
    }

    /// The memory this producer writes.
    pub fn region(&self) -> &M {
        &self.region
    }

    /// Where a record of `record` bytes goes when the stream is at `pos`: `pos`, or the
    /// start of the next lap when it would cross the end of the data area.
    fn place(&self, pos: u64, record: u64) -> u64 {
        if (pos & self.mask) + record > self.mask + 1 {
            (pos | self.mask) + 1
        } else {
            pos
        }
    }

    fn word(&self, pos: u64) -> usize {
        ((pos & self.mask) / 8) as usize
    }

    fn too_large(&self, len: usize) -> InsertError {
        InsertError::TooLarge {
            len,
            max: self.max_message,
        }
    }

    /// `Reject`: checks that the consumer has read enough for the stream to reach `end`.
    fn ensure_read_up_to(&mut self, end: u64) -> Result<(), InsertError> {
        let capacity = self.mask + 1;
        if end - self.read_cache > capacity {
            let read_pos = self.region.control().consumer.read_pos.load(Acquire);
            // A consumer position outside [read_cache, write_pos] is corrupt; treating
            // it as "nothing more was read" keeps unread records safe.
            if (self.read_cache..=self.write_pos).contains(&read_pos) {
                self.read_cache = read_pos;
            }
            if end - self.read_cache > capacity {
                return Err(InsertError::Full);
            }
        }
        Ok(())
    }

    /// `Reject` with broadcast readers: evicts what every attached reader has passed,
    /// until the stream can reach `end`; [`InsertError::Full`] when a live reader has
    /// not read that far.
    ///
    /// The handshake with an attaching reader, which raises a hold, issues a full
    /// barrier and then loads `oldest`: the producer publishes the new `oldest`,
    /// issues a full barrier and looks for holds again. Either it sees the hold, and
    /// takes the eviction back before writing anything, or the reader sees the new
    /// `oldest` and starts there.
    fn make_room_for_readers(&mut self, end: u64) -> Result<(), InsertError> {
        let capacity = self.mask + 1;
        let needed = end.saturating_sub(capacity);
        if self.oldest >= needed {
            return Ok(());
        }
        let floor = self.reader_floor(needed, self.oldest)?;
        // Room for half a ring more than this commit needs, as far as the readers allow:
        // the scans and the barrier come once per half ring, not once per message.
        let target = needed.max(floor.min(end.saturating_sub(capacity / 2)));
        let before = (self.oldest, self.oldest_seq);
        self.advance_oldest(target);
        #[cfg(loom)]
        if self.skip_rescan {
            return Ok(());
        }
        fence(SeqCst);
        if self.reader_floor(self.oldest, before.0).is_err() {
            // A reader attached meanwhile from the old `oldest`; nothing was overwritten.
            (self.oldest, self.oldest_seq) = before;
            self.publish_oldest();
            return Err(InsertError::Full);
        }
        Ok(())
    }

    /// The lowest position of an attached, live broadcast reader (the write position
    /// when there is none); [`InsertError::Full`] when one is below `need`. A reader
    /// still attaching counts as at `hold_at`; a position outside `hold_at ..=
    /// write_pos` is none a live reader can hold (a line being reused, or scribbled
    /// on), and is passed over.
    fn reader_floor(&mut self, need: u64, hold_at: u64) -> Result<u64, InsertError> {
        let mut floor = self.write_pos;
        for (slot, line) in self.region.readers().iter().enumerate() {
            let state = line.state.load(Acquire);
            if state & 1 == 0 || self.dead[slot] == state {
                continue;
            }
            let pos = match line.read_pos.load(Acquire) {
                HOLD => hold_at,
                pos => pos,
            };
            if pos < hold_at || pos > self.write_pos {
                continue;
            }
            if pos < need {
                if self.region.reader_alive(slot) {
                    return Err(InsertError::Full);
                }
                self.dead[slot] = state;
                continue;
            }
            floor = floor.min(pos);
        }
        Ok(floor)
    }

    /// `DropOldest`: evicts whole oldest records until the stream can reach `end`, and
    /// publishes the new oldest position before anything is written over.
    fn evict_up_to(&mut self, end: u64) {
        let capacity = self.mask + 1;
        if end - self.oldest > capacity {
            self.advance_oldest(end - capacity);
        }
    }

    /// Evicts whole oldest records until `oldest` reaches `target` (or the write
    /// position), and publishes the new oldest position before anything is written
    /// over.
    fn advance_oldest(&mut self, target: u64) {
        let data = self.region.data();
        while self.oldest < target {
            let (len, kind) = decode_head(data[self.word(self.oldest)].load(Relaxed));
            let next = match kind {
                KIND_MESSAGE => {
                    self.oldest_seq += 1;
                    self.oldest + record_bytes(len as usize) as u64
                }
                KIND_PADDING => (self.oldest | self.mask) + 1,
                // Our own records were changed by someone else: evict everything.
                _ => self.write_pos,
            };
            self.oldest = next.min(self.write_pos);
            if self.oldest == self.write_pos {
                self.oldest_seq = self.seq;
                break;
            }
        }
        self.publish_oldest();
    }

    /// Publishes `oldest` and `oldest_seq`, ordered before every data store that
    /// follows.
    fn publish_oldest(&self) {
        let line = &self.region.control().cold;
        // Release: a consumer that sees this `oldest` (always at most the committed
        // `write_pos`) also sees that `write_pos`.
        line.oldest.store(self.oldest, Release);
        // Stored after `oldest`: a consumer that sees this count also sees the new
        // `oldest`, so it cannot then read one of the records counted as evicted, and
        // `dropped()` never goes down.
        line.oldest_seq.store(self.oldest_seq, Release);
        // Orders the `oldest` store before every data store that follows: a consumer
        // that reads any of the new data and then issues an acquire fence sees the new
        // `oldest` (or a later one) and discards its copy.
        fence(Release);
    }
}
