//! Waiting for the other half: a short spin, then sleeping on a [`Signal`], as a thread
//! (with an optional deadline) or as a future.

#[cfg(not(target_family = "wasm"))]
use core::task::Waker;
use core::task::{Context, Poll};
#[cfg(not(target_family = "wasm"))]
use std::time::{Duration, Instant};

use super::signal::{Barriers, Signal};

/// Checks made in a busy loop before a waiting thread sleeps: the other half usually
/// answers within a few hundred nanoseconds while both run.
#[cfg(not(target_family = "wasm"))]
const SPINS: u32 = 100;

/// Backs off while the other half finishes a move it has started (a few nanoseconds);
/// yields the CPU after a while, in case that half was preempted mid-move.
pub(super) fn spin(spins: &mut u32) {
    *spins += 1;
    #[cfg(loom)]
    loom::thread::yield_now();
    #[cfg(not(loom))]
    if *spins % 64 == 0 {
        std::thread::yield_now();
    } else {
        core::hint::spin_loop();
    }
}

/// Waits until `ready()` gives a value: spins a little, then sleeps on `signal` until
/// the other half notifies it or `timeout` passes (`Duration::MAX`, or any timeout too
/// long for the clock: no deadline). `None` when the timeout passed first. The clock is
/// read only once the spinning is over.
#[cfg(not(target_family = "wasm"))]
pub(super) fn blocking<R>(
    signal: &Signal,
    barriers: Barriers,
    timeout: Duration,
    mut ready: impl FnMut() -> Option<R>,
) -> Option<R> {
    for _ in 0..SPINS {
        if let Some(value) = ready() {
            return Some(value);
        }
        #[cfg(loom)]
        loom::thread::yield_now();
        #[cfg(not(loom))]
        core::hint::spin_loop();
    }
    let deadline = Instant::now().checked_add(timeout);
    let waker = thread_waker();
    loop {
        signal.prepare(&waker);
        barriers.heavy();
        if let Some(value) = ready() {
            signal.cancel();
            return Some(value);
        }
        if !park(deadline) {
            signal.cancel();
            return ready();
        }
        if let Some(value) = ready() {
            return Some(value);
        }
    }
}

/// One poll of a future waiting for `ready()`: ready at once, or after announcing the
/// task's waker on `signal` and checking once more.
pub(super) fn poll<R>(
    signal: &Signal,
    barriers: Barriers,
    cx: &mut Context<'_>,
    mut ready: impl FnMut() -> Option<R>,
) -> Poll<R> {
    if let Some(value) = ready() {
        return Poll::Ready(value);
    }
    signal.prepare(cx.waker());
    barriers.heavy();
    match ready() {
        Some(value) => {
            signal.cancel();
            Poll::Ready(value)
        }
        None => Poll::Pending,
    }
}

/// A waker that unparks the current thread.
#[cfg(not(target_family = "wasm"))]
fn thread_waker() -> Waker {
    #[cfg(not(loom))]
    use std::thread::{Thread, current};

    #[cfg(loom)]
    use loom::thread::{Thread, current};

    struct Unpark(Thread);

    impl std::task::Wake for Unpark {
        fn wake(self: std::sync::Arc<Self>) {
            self.0.unpark();
        }

        fn wake_by_ref(self: &std::sync::Arc<Self>) {
            self.0.unpark();
        }
    }

    Waker::from(std::sync::Arc::new(Unpark(current())))
}

/// Sleeps until unparked (spurious wake-ups included) or `deadline`; `false` once the
/// deadline has passed.
#[cfg(not(target_family = "wasm"))]
fn park(deadline: Option<Instant>) -> bool {
    #[cfg(loom)]
    {
        // Loom has no clock: a model waits for its wake-up.
        let _ = deadline;
        loom::thread::park();
        true
    }
    #[cfg(not(loom))]
    match deadline {
        None => {
            std::thread::park();
            true
        }
        Some(deadline) => match deadline.checked_duration_since(Instant::now()) {
            Some(left) if !left.is_zero() => {
                std::thread::park_timeout(left);
                true
            }
            _ => false,
        },
    }
}
