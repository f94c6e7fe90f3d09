//! Waking one sleeping half without costing the other anything while nobody sleeps.
//!
//! A half that is about to sleep (a consumer on an empty ring, a producer waiting for
//! room) registers its waker, raises [`Signal::is_waiting`], issues the *heavy* barrier
//! and checks once more for what it waits for; the other half, right after each
//! publish, issues the *light* barrier and loads `waiting`, waking the sleeper only if it
//! is raised. The two barriers order "store mine, then load theirs" on both sides (the
//! Dekker pattern), so either the sleeper sees the publish and does not sleep, or the
//! publisher sees the flag and wakes it: no wake-up is lost.
//!
//! The barriers are asymmetric where the platform allows: on Linux the heavy one is
//! `membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED)`, which makes every running thread of
//! the process execute a full barrier, so the light one, on the hot path, is only a
//! compiler fence: a publish costs one plain load of a line nobody writes while nobody
//! sleeps. Elsewhere (and if the kernel refuses the registration, and under Miri and
//! loom) both are a `SeqCst` fence. Which one a channel uses is decided once, when it is
//! created, and stored with it, so its two halves always agree.
//!
//! The publisher's side is one load and one branch, inlined into its hot loop: the
//! flag byte it loads also carries [`FENCED`] when the barriers are symmetric, so that
//! a single test sends both "somebody sleeps" and "a real fence is due" to the same
//! out-of-line path. (Every instruction counts there: a few more made a polling loop
//! around `try_consume` too big to be inlined into its caller, at half the
//! throughput.)

use core::task::Waker;

use super::sync::{AtomicU8, Ordering::*, UnsafeCell, compiler_fence, fence};

/// [`Signal::flags`]: the sleeper has raised its flag (it may be asleep).
const WAITING: u8 = 1;
/// In [`Signal::flags`] and the channel's mode: the barriers are symmetric, so the side
/// that reads the byte on its hot path must issue a real fence before it may trust the
/// byte's other bits. Set at creation ([`Barriers::fenced`]), never cleared.
pub(super) const FENCED: u8 = 2;

/// One waiting half's flag and waker, on a cache line of their own (written only around
/// a sleep, read by the other half after every publish).
#[repr(align(128))]
#[derive(Debug)]
pub(super) struct Signal {
    /// [`WAITING`] and [`FENCED`].
    flags: AtomicU8,
    waker: AtomicWaker,
}

impl Signal {
    /// A signal of a channel using `barriers`.
    pub(super) fn new(barriers: Barriers) -> Self {
        Self {
            flags: AtomicU8::new(barriers.fenced()),
            waker: AtomicWaker::default(),
        }
    }

    /// The sleeper's side, before sleeping: registers `waker` and raises the flag. The
    /// caller then issues [`Barriers::heavy`] and checks once more before it sleeps.
    pub(super) fn prepare(&self, waker: &Waker) {
        self.waker.register(waker);
        self.flags.fetch_or(WAITING, Relaxed);
    }

    /// The sleeper's side, when it stops waiting without being woken: lowers the flag,
    /// so that the other half stops paying for wake-ups.
    pub(super) fn cancel(&self) {
        self.flags.fetch_and(!WAITING, Relaxed);
    }

    /// The publisher's side, right after each publish: the light barrier, then wakes
    /// the other half if it sleeps. A compiler fence, one load and one branch while
    /// nobody sleeps and the barriers are asymmetric.
    #[inline]
    pub(super) fn notify(&self) {
        // The publish stored before this stays before the load (the hardware's
        // reordering is the heavy barrier's business).
        compiler_fence(SeqCst);
        if self.flags.load(Relaxed) != 0 {
            self.notify_slow();
        }
    }

    /// [`notify`](Self::notify) when a flag is up: with symmetric barriers the light
    /// barrier is a real fence, and only the flag loaded after it counts.
    #[cold]
    #[inline(never)]
    fn notify_slow(&self) {
        fence(SeqCst);
        if self.flags.load(Relaxed) & WAITING != 0
            && self.flags.fetch_and(!WAITING, Relaxed) & WAITING != 0
        {
            self.waker.wake();
        }
    }
}

/// Which barriers a channel's wake-up handshake uses (see the module docs): the
/// sleeper's, [`heavy`](Self::heavy), is here; the publisher's is inside
/// [`Signal::notify`].
#[derive(Debug, Clone, Copy)]
pub(super) struct Barriers {
    /// Whether the heavy barrier is a `membarrier` (the light one a compiler fence).
    asymmetric: bool,
}

impl Barriers {
    /// The barriers for a new channel: asymmetric when the process could register for
    /// expedited `membarrier`.
    pub(super) fn new() -> Self {
        Self {
            asymmetric: membarrier::registered(),
        }
    }

    /// The initial value of a flag byte read on a hot path: [`FENCED`] when the
    /// barriers are symmetric, else nothing.
    pub(super) fn fenced(self) -> u8 {
        if self.asymmetric { 0 } else { FENCED }
    }

    /// After raising our [`Signal`], before the last check (only before a sleep); and
    /// after the producer raises [`EVICTING`](super::channel::EVICTING).
    pub(super) fn heavy(self) {
        if self.asymmetric {
            membarrier::all_threads();
        }
        fence(SeqCst);
    }
}

#[cfg(all(target_os = "linux", not(loom), not(miri)))]
mod membarrier {
    use std::sync::OnceLock;

    const QUERY: libc::c_int = 0;
    const PRIVATE_EXPEDITED: libc::c_int = 1 << 3;
    const REGISTER_PRIVATE_EXPEDITED: libc::c_int = 1 << 4;

    fn call(command: libc::c_int) -> libc::c_long {
        // SAFETY: `membarrier(cmd, flags = 0, cpu_id = 0)` reads no memory of ours; an
        // unknown command or a refusal is an error return, not undefined behaviour.
        unsafe { libc::syscall(libc::SYS_membarrier, command, 0, 0) }
    }

    /// Registers the process for expedited private barriers (once); whether it could.
    pub(super) fn registered() -> bool {
        static REGISTERED: OnceLock<bool> = OnceLock::new();
        *REGISTERED.get_or_init(|| {
            let supported = call(QUERY);
            supported >= 0
                && supported & libc::c_long::from(PRIVATE_EXPEDITED) != 0
                && call(REGISTER_PRIVATE_EXPEDITED) == 0
        })
    }

    /// A full memory barrier on every running thread of the process.
    pub(super) fn all_threads() {
        // Registered before any channel used it (`registered` returned true): the call
        // cannot fail for want of registration, and there is nothing else to handle.
        let done = call(PRIVATE_EXPEDITED);
        debug_assert_eq!(done, 0, "membarrier after registration");
    }
}

#[cfg(not(all(target_os = "linux", not(loom), not(miri))))]
mod membarrier {
    /// No expedited barrier here: both sides use fences.
    pub(super) fn registered() -> bool {
        false
    }

    pub(super) fn all_threads() {}
}

/// A waker slot written by one half and taken by the other, without a lock.
///
/// `state` serialises the two: the registering half holds [`REGISTERING`] while it
/// writes the slot, the waking half sets [`WAKING`] and takes the waker only if nobody
/// is registering; a registration that finds [`WAKING`] set wakes the new waker itself,
/// so a wake-up that races a registration is never lost.
#[derive(Default)]
struct AtomicWaker {
    state: AtomicU8,
    waker: UnsafeCell<Option<Waker>>,
}

const IDLE: u8 = 0;
const REGISTERING: u8 = 1;
const WAKING: u8 = 2;

// SAFETY: the slot is only accessed by the half that moved `state` from IDLE to
// REGISTERING, or by the one that set WAKING while it was IDLE: never by two threads at
// once. `Waker` is `Send + Sync`.
unsafe impl Send for AtomicWaker {}
// SAFETY: as above.
unsafe impl Sync for AtomicWaker {}

impl AtomicWaker {
    fn register(&self, waker: &Waker) {
        match self
            .state
            .compare_exchange(IDLE, REGISTERING, Acquire, Acquire)
        {
            Ok(_) => {
                // SAFETY: we moved IDLE → REGISTERING: the slot is ours until we leave.
                self.waker.with_mut(|slot| unsafe {
                    match &mut *slot {
                        Some(old) if old.will_wake(waker) => {}
                        other => *other = Some(waker.clone()),
                    }
                });
                if self
                    .state
                    .compare_exchange(REGISTERING, IDLE, AcqRel, Acquire)
                    .is_err()
                {
                    // A wake arrived while we wrote: it could not take the waker, so
                    // we take it and wake it ourselves.
                    // SAFETY: `state` is REGISTERING | WAKING: the waker did not touch
                    // the slot, which is still ours.
                    let woken = self.waker.with_mut(|slot| unsafe { (*slot).take() });
                    self.state.store(IDLE, Release);
                    if let Some(waker) = woken {
                        waker.wake();
                    }
                }
            }
            // A wake is in progress: the sleeper must not sleep; wake it at once.
            Err(_) => waker.wake_by_ref(),
        }
    }

    fn wake(&self) {
        if self.state.fetch_or(WAKING, AcqRel) == IDLE {
            // SAFETY: we moved IDLE → WAKING: no registration writes the slot now.
            let woken = self.waker.with_mut(|slot| unsafe { (*slot).take() });
            self.state.fetch_and(!WAKING, Release);
            if let Some(waker) = woken {
                waker.wake();
            }
        }
    }
}

impl core::fmt::Debug for AtomicWaker {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("AtomicWaker").finish_non_exhaustive()
    }
}
