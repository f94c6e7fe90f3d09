//! The primitives the split halves are built from: std's, or loom's in a loom build, so
//! that the models check this very code. `UnsafeCell` takes loom's closure-based API on
//! both builds.

#[cfg(loom)]
pub(super) use loom::{
    cell::UnsafeCell,
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU8, AtomicU64, Ordering, fence},
    },
};
#[cfg(loom)]
pub(super) fn compiler_fence(order: Ordering) {
    // Loom has no compiler fence; its models run with symmetric barriers anyway.
    fence(order);
}

#[cfg(not(loom))]
pub(super) use std::sync::{
    Arc,
    atomic::{AtomicBool, AtomicU8, AtomicU64, Ordering, compiler_fence, fence},
};

/// `core::cell::UnsafeCell` with loom's access API.
#[cfg(not(loom))]
#[derive(Debug, Default)]
#[repr(transparent)]
pub(super) struct UnsafeCell<T>(core::cell::UnsafeCell<T>);

#[cfg(not(loom))]
impl<T> UnsafeCell<T> {
    pub(super) const fn new(value: T) -> Self {
        Self(core::cell::UnsafeCell::new(value))
    }

    /// Calls `f` with a pointer to the contents; the caller upholds the aliasing rules.
    #[inline(always)]
    pub(super) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
        f(self.0.get())
    }
}
