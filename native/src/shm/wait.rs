//! Waiting for messages without losing a wake-up: spin → yield → park on a
//! process-shared futex (Linux) or bounded sleeps (elsewhere), the producer's side of
//! the handshake, the clock, and the helper thread behind `aconsume`.
//!
//! # The park handshake
//! The futex word is `parked`, alone on the header's wake line (offset 384 of the file). A sleeping
//! consumer stores `parked = 1`, issues a `SeqCst` fence, and re-checks for data before
//! `FUTEX_WAIT(parked, 1, bound)`; afterwards it stores `parked = 0`. The producer,
//! after each commit (whose `write_pos` store is a release), issues a `SeqCst` fence and
//! loads `parked`: only when it reads 1 does it swap it to 0 and call `FUTEX_WAKE`.
//! The two fences order "store mine, load theirs" on both sides (Dekker), so either
//! the consumer sees the new `write_pos` and does not sleep, or the producer sees
//! `parked == 1` and wakes it: no wake-up is lost, and a producer whose consumer is
//! awake pays one fence and one load per commit, no system call. `FUTEX_WAIT` itself
//! re-checks `parked == 1` atomically, so a wake that lands between the check and the
//! sleep makes the wait return at once. The futex is shared (no `FUTEX_PRIVATE_FLAG`):
//! the kernel keys it by file and offset, so it works across processes.

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering::*, compiler_fence, fence};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::task::Waker;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use mmring_core::spsc::Region;

use super::WaitStrategy;
use super::file::MappedRegion;

/// Wall-clock time in ns since the Unix epoch, as cheaply as the platform allows.
///
/// On Linux this is `CLOCK_REALTIME_COARSE` (a vDSO read of a few ns, without a
/// system call), whose resolution is the kernel tick (1–4 ms; `clock_getres` tells).
/// Elsewhere it is [`std::time::SystemTime::now`].
pub(crate) fn now_ns() -> u64 {
    #[cfg(target_os = "linux")]
    {
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `ts` is a valid, writable timespec for the duration of the call.
        if unsafe { libc::clock_gettime(libc::CLOCK_REALTIME_COARSE, &mut ts) } == 0 {
            return (ts.tv_sec as u64)
                .wrapping_mul(1_000_000_000)
                .wrapping_add(ts.tv_nsec as u64);
        }
    }
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
}

/// The producer's side of the handshake, after every commit: wakes the consumer if
/// (and only if) it is parked. `asymmetric`: the producer's process is registered for
/// [`membarrier::others`], which a consumer issues before it sleeps, so a compiler
/// fence orders the commit before the load of `parked` here; else a full fence does.
#[inline]
pub(crate) fn notify(parked: &AtomicU32, asymmetric: bool) {
    if cfg!(target_os = "linux") {
        if asymmetric {
            compiler_fence(SeqCst);
        } else {
            fence(SeqCst);
        }
        if parked.load(Relaxed) != 0 {
            wake_parked(parked);
        }
    }
}

#[cold]
fn wake_parked(parked: &AtomicU32) {
    if parked.swap(0, Relaxed) != 0 {
        futex::wake(parked);
    }
}

/// Waits according to `strategy` until `ready()` or `deadline`; returns `ready()`.
pub(crate) fn wait_until(
    strategy: &WaitStrategy,
    parked: &AtomicU32,
    deadline: Option<Instant>,
    ready: impl Fn() -> bool,
) -> bool {
    let expired = || deadline.is_some_and(|d| Instant::now() >= d);
    for i in 0..strategy.spin {
        if ready() {
            return true;
        }
        if i % 64 == 63 && expired() {
            return false;
        }
        std::hint::spin_loop();
    }
    for _ in 0..strategy.yields {
        if ready() {
            return true;
        }
        if expired() {
            return false;
        }
        thread::yield_now();
    }
    let park = strategy.park.max(Duration::from_micros(1));
    let mut sleep = Duration::from_micros(50).min(park);
    loop {
        if ready() {
            return true;
        }
        let bound = match deadline {
            None => park,
            Some(d) => match d.checked_duration_since(Instant::now()) {
                Some(left) if !left.is_zero() => left.min(park),
                _ => return false,
            },
        };
        if cfg!(target_os = "linux") {
            park_on(parked, bound, &ready);
        } else {
            thread::sleep(bound.min(sleep));
            sleep = (sleep * 2).min(park);
        }
    }
}

/// One futex sleep of at most `bound`, unless `ready()` after announcing it.
fn park_on(parked: &AtomicU32, bound: Duration, ready: &impl Fn() -> bool) {
    parked.store(1, Relaxed);
    fence(SeqCst);
    // A producer that only compiler-fences its commits executes a full barrier now, so
    // either it sees `parked` or `ready()` sees its commit.
    membarrier::others();
    if !ready() {
        futex::wait(parked, 1, bound);
    }
    parked.store(0, Relaxed);
}

#[cfg(target_os = "linux")]
mod futex {
    use std::sync::atomic::AtomicU32;
    use std::time::Duration;

    /// Sleeps while `*word == expected`, at most `bound` (spurious returns are fine).
    pub(super) fn wait(word: &AtomicU32, expected: u32, bound: Duration) {
        let ts = libc::timespec {
            tv_sec: bound.as_secs().min(i32::MAX as u64) as libc::time_t,
            tv_nsec: bound.subsec_nanos() as libc::c_long,
        };
        // SAFETY: `word` is a live, 4-aligned u32 for the duration of the call and
        // `ts` a valid relative timeout; FUTEX_WAIT only reads them. Without
        // FUTEX_PRIVATE_FLAG the futex is keyed by the mapping's file and offset, so
        // the producer process can wake it.
        unsafe {
            libc::syscall(
                libc::SYS_futex,
                word.as_ptr(),
                libc::FUTEX_WAIT,
                expected,
                &ts as *const libc::timespec,
                std::ptr::null::<u32>(),
                0u32,
            );
        }
    }

    /// Wakes every thread sleeping on `word` (there is at most one).
    pub(super) fn wake(word: &AtomicU32) {
        // SAFETY: `word` is a live, 4-aligned u32; FUTEX_WAKE does not access memory
        // through the other arguments.
        unsafe {
            libc::syscall(
                libc::SYS_futex,
                word.as_ptr(),
                libc::FUTEX_WAKE,
                i32::MAX,
                std::ptr::null::<libc::timespec>(),
                std::ptr::null::<u32>(),
                0u32,
            );
        }
    }
}

#[cfg(not(target_os = "linux"))]
mod futex {
    use std::sync::atomic::AtomicU32;
    use std::time::Duration;

    pub(super) fn wait(_: &AtomicU32, _: u32, bound: Duration) {
        std::thread::sleep(bound);
    }

    pub(super) fn wake(_: &AtomicU32) {}
}

/// The helper thread behind `aconsume`: it parks on the ring for a pending future
/// (exactly as a blocking consume would) and wakes the future's [`Waker`] once a
/// message is there. Started on the first `aconsume` that has to wait; one per
/// consumer; stopped when the consumer is dropped.
///
/// At most one thread of the consumer is ever parked on the futex: a future that is
/// dropped while the helper waits [`withdraws`](Self::withdraw), which returns only
/// once the helper has stopped waiting.
#[derive(Debug)]
pub(crate) struct AsyncWaiter {
    shared: Arc<WaiterShared>,
    thread: Option<JoinHandle<()>>,
}

#[derive(Debug)]
struct WaiterShared {
    region: MappedRegion,
    /// The broadcast reader line of the consumer it waits for; `None` for the one
    /// consumer.
    slot: Option<usize>,
    park: Duration,
    /// Set (under `state`'s lock) to make an active helper stop waiting.
    cancel: AtomicBool,
    state: Mutex<WaiterState>,
    changed: Condvar,
}

#[derive(Debug, Default)]
struct WaiterState {
    /// The future to wake; `Some` while one is pending.
    waker: Option<Waker>,
    /// Whether the helper is waiting for data (possibly parked on the futex).
    active: bool,
    shutdown: bool,
}

impl AsyncWaiter {
    /// Starts the helper thread for the consumer of `region` (on reader line `slot`, if
    /// a broadcast reader).
    pub(crate) fn start(
        region: MappedRegion,
        slot: Option<usize>,
        park: Duration,
    ) -> std::io::Result<Self> {
        let shared = Arc::new(WaiterShared {
            region,
            slot,
            park: park.max(Duration::from_micros(1)),
            cancel: AtomicBool::new(false),
            state: Mutex::new(WaiterState::default()),
            changed: Condvar::new(),
        });
        let thread = thread::Builder::new()
            .name("mmring-shm-aconsume".into())
            .spawn({
                let shared = Arc::clone(&shared);
                move || shared.run()
            })?;
        Ok(Self {
            shared,
            thread: Some(thread),
        })
    }

    /// Asks for `waker` to be woken once a message is there.
    pub(crate) fn register(&self, waker: &Waker) {
        let mut state = self.shared.lock();
        match &state.waker {
            Some(old) if old.will_wake(waker) => {}
            _ => state.waker = Some(waker.clone()),
        }
        self.shared.changed.notify_all();
    }

    /// Withdraws a registration; returns once the helper no longer waits on the ring.
    pub(crate) fn withdraw(&self) {
        let mut state = self.shared.lock();
        state.waker = None;
        if state.active {
            self.shared.cancel.store(true, SeqCst);
            let parked = &self.shared.region.header().wake.parked;
            parked.store(0, SeqCst);
            futex::wake(parked);
            self.shared.changed.notify_all();
            while state.active {
                state = self
                    .shared
                    .changed
                    .wait(state)
                    .unwrap_or_else(PoisonError::into_inner);
            }
        }
    }
}

impl Drop for AsyncWaiter {
    fn drop(&mut self) {
        self.withdraw();
        self.shared.lock().shutdown = true;
        self.shared.changed.notify_all();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl WaiterShared {
    fn lock(&self) -> MutexGuard<'_, WaiterState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn run(&self) {
        loop {
            let mut state = self.lock();
            while state.waker.is_none() && !state.shutdown {
                state = self
                    .changed
                    .wait(state)
                    .unwrap_or_else(PoisonError::into_inner);
            }
            if state.shutdown {
                return;
            }
            state.active = true;
            self.cancel.store(false, SeqCst);
            drop(state);

            self.wait_for_data();

            let mut state = self.lock();
            state.active = false;
            let waker = state.waker.take();
            self.changed.notify_all();
            drop(state);
            if let Some(waker) = waker {
                waker.wake();
            }
        }
    }

    /// Parks until there is data or the registration is withdrawn.
    fn wait_for_data(&self) {
        let control = self.region.control();
        let line = self.slot.and_then(|slot| self.region.readers().get(slot));
        let ready = || {
            self.cancel.load(SeqCst)
                || line.map_or_else(|| control.has_data(), |l| control.has_data_for(l))
        };
        let mut sleep = Duration::from_micros(50).min(self.park);
        while !ready() {
            if cfg!(target_os = "linux") {
                park_on(&self.region.header().wake.parked, self.park, &ready);
            } else {
                let state = self.lock();
                if self.cancel.load(SeqCst) {
                    return;
                }
                let _ = self.changed.wait_timeout(state, sleep);
                sleep = (sleep * 2).min(self.park);
            }
        }
    }
}

/// The heavy side of the asymmetric handshake between processes: a producer process
/// registers once, and a consumer about to sleep makes every running thread of every
/// registered process execute a full memory barrier (`membarrier` with
/// `MEMBARRIER_CMD_GLOBAL_EXPEDITED`). The producer then needs no fence per commit.
#[cfg(target_os = "linux")]
pub(crate) mod membarrier {
    use std::sync::OnceLock;

    const QUERY: libc::c_int = 0;
    const GLOBAL_EXPEDITED: libc::c_int = 1 << 1;
    const REGISTER_GLOBAL_EXPEDITED: libc::c_int = 1 << 2;

    fn call(command: libc::c_int) -> libc::c_long {
        // SAFETY: `membarrier(cmd, flags = 0, cpu_id = 0)` reads no memory of ours; an
        // unknown command or a refusal is an error return, not undefined behaviour.
        unsafe { libc::syscall(libc::SYS_membarrier, command, 0, 0) }
    }

    /// Whether the kernel offers the global expedited barrier (asked once).
    fn supported() -> bool {
        static SUPPORTED: OnceLock<bool> = OnceLock::new();
        *SUPPORTED.get_or_init(|| {
            let commands = call(QUERY);
            commands >= 0 && commands & libc::c_long::from(GLOBAL_EXPEDITED) != 0
        })
    }

    /// Registers this process as one whose threads [`others`] reaches (once); whether
    /// it is.
    pub(crate) fn register() -> bool {
        static REGISTERED: OnceLock<bool> = OnceLock::new();
        *REGISTERED.get_or_init(|| supported() && call(REGISTER_GLOBAL_EXPEDITED) == 0)
    }

    /// A full barrier on every running thread of every registered process. Without
    /// kernel support nothing happens, and no producer skipped its fence: it could not
    /// register either.
    pub(crate) fn others() {
        if supported() {
            // An error leaves a registered producer unordered; the consumer's sleep is
            // bounded (`park`), so a wake-up lost that way costs latency, not progress.
            let _ = call(GLOBAL_EXPEDITED);
        }
    }
}

/// No process-wide barrier here: producers fence every commit.
#[cfg(not(target_os = "linux"))]
pub(crate) mod membarrier {
    /// Never registered.
    pub(crate) fn register() -> bool {
        false
    }

    pub(crate) fn others() {}
}
