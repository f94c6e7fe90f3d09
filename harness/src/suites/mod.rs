//! The suites, one file each, and what they share: the run context and progress lines.

use std::path::PathBuf;
use std::time::Instant;

use crate::measure::Settings;
use crate::results::{Group, LatencyGroup, Target};

pub mod inproc;
pub mod ipc;
pub mod shared;
pub mod shm;
pub mod wasm;

/// A suite the harness can run.
pub struct SuiteDef {
    /// Name given to `--suite`.
    pub name: &'static str,
    /// Title in the report.
    pub title: &'static str,
    /// What it measures, in a sentence or two.
    pub about: &'static str,
    /// Runs it.
    pub run: fn(&Ctx) -> Body,
}

/// Every suite, in the order they run and appear in the report.
pub const SUITES: [SuiteDef; 5] = [
    inproc::SUITE,
    shared::SUITE,
    shm::SUITE,
    ipc::SUITE,
    wasm::SUITE,
];

/// What a suite measured.
#[derive(Default)]
pub struct Body {
    /// Throughput / time comparisons.
    pub groups: Vec<Group>,
    /// Latency comparisons.
    pub latencies: Vec<LatencyGroup>,
    /// The targets.
    pub targets: Vec<Target>,
    /// Caveats for the reader.
    pub notes: Vec<String>,
    /// Why nothing ran, when nothing did.
    pub skipped: Option<String>,
}

impl Body {
    /// A suite that could not run, and why.
    pub fn skipped(reason: impl Into<String>) -> Self {
        Self {
            skipped: Some(reason.into()),
            ..Self::default()
        }
    }

    /// The comparison group with this `id`, if it ran.
    pub fn group(&self, id: &str) -> Option<&Group> {
        self.groups.iter().find(|g| g.id == id)
    }
}

/// What every suite gets: settings, paths and the progress display.
pub struct Ctx {
    /// Quick or full.
    pub settings: Settings,
    /// The workspace root (where `target/` and `harness/` are).
    pub root: PathBuf,
    /// This executable, re-run for the child side of two-process suites.
    pub exe: PathBuf,
    /// Name of the running suite.
    pub suite: &'static str,
    started: Instant,
}

impl Ctx {
    /// A context for `suite`.
    pub fn new(settings: Settings, root: PathBuf, exe: PathBuf, suite: &'static str) -> Self {
        Self {
            settings,
            root,
            exe,
            suite,
            started: Instant::now(),
        }
    }

    /// Prints a progress line: `[suite  12.3s] what`.
    pub fn step(&self, what: impl AsRef<str>) {
        eprintln!(
            "[{:<7}{:>6.1}s] {}",
            self.suite,
            self.started.elapsed().as_secs_f64(),
            what.as_ref()
        );
    }
}
