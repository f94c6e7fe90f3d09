//! What a run produces: suites of comparison groups, latency groups and targets. This
//! is the schema of `reports/results.json`, and what the report renderers read.

use serde::{Deserialize, Serialize};

use crate::machine::Machine;
use crate::measure::{Latency, Overhead, Stats};

/// Every suite's results; `reports/results.json`.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct Report {
    /// The harness version that wrote this file.
    pub harness: String,
    /// Suites in the harness's fixed order.
    pub suites: Vec<Suite>,
}

/// One suite's results, with the machine and conditions they were measured under.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Suite {
    /// Short name (`inproc`, `shared`, `shm`, `ipc`, `wasm`).
    pub name: String,
    /// Title for the report.
    pub title: String,
    /// What the suite measures and how, in a sentence or two.
    pub about: String,
    /// The machine, date and load.
    pub machine: Machine,
    /// Whether this was a `--quick` run (numbers are then only a smoke test).
    pub quick: bool,
    /// The harness's own costs, measured before the suite.
    pub overhead: Overhead,
    /// Wall time of the suite, in seconds.
    pub seconds: f64,
    /// Why the suite did not run, when it did not.
    pub skipped: Option<String>,
    /// Throughput / time comparisons.
    pub groups: Vec<Group>,
    /// Latency comparisons.
    pub latencies: Vec<LatencyGroup>,
    /// The targets for this suite.
    pub targets: Vec<Target>,
    /// Conditions and caveats worth reading next to the numbers.
    pub notes: Vec<String>,
}

/// One workload run on mmring and on its peers.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Group {
    /// Stable identifier (used in CSV rows and targets).
    pub id: String,
    /// What was run, for the report.
    pub title: String,
    /// Unit of the figures (e.g. `ns/op`, `msg/s`).
    pub unit: String,
    /// Whether a larger figure is better (throughput) or a smaller one (time).
    pub higher_is_better: bool,
    /// mmring's entries and the peers', in display order.
    pub entries: Vec<Entry>,
}

/// How the name of a reference row starts: the least any implementation of the
/// workload can cost (a bare loop doing only the unavoidable work), not a peer.
pub const FLOOR: &str = "floor: ";

/// One implementation's figure in a [`Group`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Entry {
    /// Implementation and variant.
    pub name: String,
    /// Whether this is mmring (the subject) rather than a peer.
    pub mmring: bool,
    /// The figure over the repetitions.
    pub stats: Stats,
    /// Heap allocations per operation, where counted.
    pub allocs_per_op: Option<f64>,
    /// A short remark shown beside the figure (e.g. messages lost to overwrite).
    pub remark: Option<String>,
}

impl Entry {
    /// A plain entry.
    pub fn new(name: impl Into<String>, mmring: bool, stats: Stats) -> Self {
        Self {
            name: name.into(),
            mmring,
            stats,
            allocs_per_op: None,
            remark: None,
        }
    }

    /// With allocations per operation.
    pub fn allocs(mut self, per_op: f64) -> Self {
        self.allocs_per_op = Some(per_op);
        self
    }

    /// With a remark.
    pub fn remark(mut self, remark: impl Into<String>) -> Self {
        self.remark = Some(remark.into());
        self
    }
}

impl Group {
    /// A group with no entries yet.
    pub fn new(id: &str, title: &str, unit: &str, higher_is_better: bool) -> Self {
        Self {
            id: id.into(),
            title: title.into(),
            unit: unit.into(),
            higher_is_better,
            entries: Vec::new(),
        }
    }

    /// A group of `entries`.
    pub fn of(
        id: &str,
        title: &str,
        unit: &str,
        higher_is_better: bool,
        entries: Vec<Entry>,
    ) -> Self {
        Self {
            entries,
            ..Self::new(id, title, unit, higher_is_better)
        }
    }

    /// Speed of an entry: larger is better whatever the unit.
    pub fn speed(&self, entry: &Entry) -> f64 {
        if self.higher_is_better {
            entry.stats.median
        } else {
            1.0 / entry.stats.median
        }
    }

    /// How many times faster `a` is than `b` (medians): > 1 when `a` is better.
    pub fn ratio(&self, a: &Entry, b: &Entry) -> f64 {
        self.speed(a) / self.speed(b)
    }

    /// The entry called `name`.
    pub fn entry(&self, name: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.name == name)
    }

    /// mmring's entries.
    pub fn subjects(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(|e| e.mmring)
    }

    /// The peers' entries.
    pub fn peers(&self) -> impl Iterator<Item = &Entry> {
        self.entries
            .iter()
            .filter(|e| !e.mmring && !e.name.starts_with(FLOOR))
    }

    /// The fastest peer, if any.
    pub fn fastest_peer(&self) -> Option<&Entry> {
        self.peers()
            .max_by(|a, b| self.speed(a).total_cmp(&self.speed(b)))
    }
}

/// A latency comparison: percentiles per implementation.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LatencyGroup {
    /// Stable identifier.
    pub id: String,
    /// What was measured (round trip, or one way at a fixed rate).
    pub title: String,
    /// One distribution per implementation.
    pub entries: Vec<LatencyEntry>,
}

/// One implementation's latency distribution.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LatencyEntry {
    /// Implementation and variant.
    pub name: String,
    /// Whether this is mmring.
    pub mmring: bool,
    /// The percentiles, in nanoseconds.
    pub latency: Latency,
}

impl LatencyEntry {
    /// One implementation's distribution.
    pub fn new(name: impl Into<String>, mmring: bool, latency: Latency) -> Self {
        Self {
            name: name.into(),
            mmring,
            latency,
        }
    }
}

/// A target of the issue, checked against this run's ratio.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Target {
    /// The target as the issue states it.
    pub text: String,
    /// The ratio it needs (measured ratio ≥ this is met).
    pub threshold: f64,
    /// The measured ratio, when it could be measured.
    pub ratio: Option<f64>,
    /// How the ratio was formed (which figures), or why it is missing.
    pub detail: String,
    /// Extra conditions met or not, besides the ratio (e.g. zero allocations).
    pub also: Option<(String, bool)>,
}

impl Target {
    /// A target whose ratio is `ratio` (mmring's figure over the reference's, as a
    /// speed-up).
    pub fn new(text: &str, threshold: f64, ratio: Option<f64>, detail: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            threshold,
            ratio,
            detail: detail.into(),
            also: None,
        }
    }

    /// The target that entry `a` of `group` be at least `threshold` times as fast as
    /// entry `b`; `detail` describes how, from the two medians (a's, then b's). Not
    /// measured when the group or either entry is missing.
    pub fn faster(
        text: &str,
        threshold: f64,
        group: Option<&Group>,
        a: impl FnOnce(&Group) -> Option<&Entry>,
        b: impl FnOnce(&Group) -> Option<&Entry>,
        detail: impl FnOnce(f64, f64) -> String,
    ) -> Self {
        let pair = group.and_then(|g| Some((g, a(g)?, b(g)?)));
        match pair {
            Some((g, a, b)) => Self::new(
                text,
                threshold,
                Some(g.ratio(a, b)),
                detail(a.stats.median, b.stats.median),
            ),
            None => Self::new(text, threshold, None, "not measured"),
        }
    }

    /// Met, not met, or not measured.
    pub fn met(&self) -> Option<bool> {
        let ratio = self.ratio?;
        Some(ratio >= self.threshold && self.also.as_ref().is_none_or(|(_, ok)| *ok))
    }
}
