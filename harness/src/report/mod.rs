//! Writes a [`Report`] into the output directory: `results.json` (raw), `results.csv`,
//! `README.md` (tables and targets) and one chart per suite.

mod charts;
mod markdown;

use std::fmt::Write as _;
use std::path::Path;

use crate::results::{Report, Suite};

/// The results already in `dir`, if it holds a readable `results.json`.
pub fn load(dir: &Path) -> Option<Report> {
    let text = std::fs::read_to_string(dir.join("results.json")).ok()?;
    serde_json::from_str(&text).ok()
}

/// Writes every file of the report into `dir` (created if missing).
pub fn write(dir: &Path, report: &Report, png: bool) -> Result<(), Box<dyn std::error::Error>> {
    std::fs::create_dir_all(dir)?;
    std::fs::write(
        dir.join("results.json"),
        serde_json::to_string_pretty(report)? + "\n",
    )?;
    std::fs::write(dir.join("results.csv"), csv(report))?;
    for suite in &report.suites {
        charts::render(dir, suite, png)?;
    }
    std::fs::write(dir.join("README.md"), markdown::render(report))?;
    Ok(())
}

/// One row per figure: throughput rows fill `median,min,max`, latency rows the
/// percentile columns.
fn csv(report: &Report) -> String {
    let mut out = String::from(
        "suite,kind,group,unit,name,mmring,median,min,max,allocs_per_op,\
         p50_ns,p90_ns,p99_ns,p99_9_ns,p99_99_ns,max_ns,quick,date\n",
    );
    for suite in &report.suites {
        let tail = format!("{},{}", suite.quick, suite.machine.date);
        for group in &suite.groups {
            for e in &group.entries {
                let s = &e.stats;
                let names = csv_names(
                    suite,
                    "throughput",
                    &group.id,
                    &group.unit,
                    &e.name,
                    e.mmring,
                );
                let figures = [Some(s.median), Some(s.min), Some(s.max), e.allocs_per_op];
                let figures = csv_figures(figures, [None; 6]);
                let _ = writeln!(out, "{names},{figures},{tail}");
            }
        }
        for group in &suite.latencies {
            for e in &group.entries {
                let l = &e.latency;
                let names = csv_names(suite, "latency", &group.id, "ns", &e.name, e.mmring);
                let percentiles = [l.p50, l.p90, l.p99, l.p999, l.p9999, l.max];
                let figures = csv_figures([None; 4], percentiles.map(Some));
                let _ = writeln!(out, "{names},{figures},{tail}");
            }
        }
    }
    out
}

/// The columns that name a figure: `suite,kind,group,unit,name,mmring`.
fn csv_names(
    suite: &Suite,
    kind: &str,
    group: &str,
    unit: &str,
    name: &str,
    mmring: bool,
) -> String {
    format!(
        "{},{kind},{group},{},{},{mmring}",
        suite.name,
        quote(unit),
        quote(name)
    )
}

/// The ten figure columns, `median` to `max_ns`: `throughput` fills the first four
/// (median, min, max, allocations per operation), `latency` the last six (p50 to max);
/// a `None` stays empty.
fn csv_figures(throughput: [Option<f64>; 4], latency: [Option<f64>; 6]) -> String {
    let text = |figure: &Option<f64>| figure.map(|v| v.to_string()).unwrap_or_default();
    let columns: Vec<String> = throughput.iter().chain(&latency).map(text).collect();
    columns.join(",")
}

/// A CSV field, quoted when it holds a comma or a quote.
fn quote(field: &str) -> String {
    if field.contains([',', '"', '\n']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_string()
    }
}

/// One way of writing a figure: from the magnitude `.0` up (until a row above takes
/// over), divided by `.1`, with `.2` decimals, followed by `.3`.
type Scale = (f64, f64, usize, &'static str);

/// `v` written with the first of `scales` whose threshold `magnitude` reaches, else
/// with the last (which catches NaN too).
fn scaled(v: f64, magnitude: f64, scales: &[Scale]) -> String {
    let last = scales.last().expect("at least one scale");
    let (_, divisor, decimals, suffix) = scales
        .iter()
        .find(|(from, ..)| magnitude >= *from)
        .unwrap_or(last);
    format!("{:.*}{suffix}", *decimals, v / divisor)
}

/// A figure with three significant digits and a thousands-friendly form.
pub fn number(v: f64) -> String {
    const SCALES: [Scale; 6] = [
        (1e9, 1e9, 2, "G"),
        (1e6, 1e6, 2, "M"),
        (1e4, 1e3, 1, "k"),
        (100.0, 1.0, 0, ""),
        (10.0, 1.0, 1, ""),
        (f64::NEG_INFINITY, 1.0, 2, ""),
    ];
    scaled(v, v.abs(), &SCALES)
}

/// A ratio as `2.35×`.
pub fn ratio(r: f64) -> String {
    const SCALES: [Scale; 3] = [
        (100.0, 1.0, 0, "×"),
        (10.0, 1.0, 1, "×"),
        (f64::NEG_INFINITY, 1.0, 2, "×"),
    ];
    scaled(r, r, &SCALES)
}

/// A latency in nanoseconds, scaled to ns/µs/ms.
pub fn duration_ns(ns: f64) -> String {
    const SCALES: [Scale; 4] = [
        (1e6, 1e6, 2, " ms"),
        (1e4, 1e3, 1, " µs"),
        (1e3, 1e3, 2, " µs"),
        (f64::NEG_INFINITY, 1.0, 0, " ns"),
    ];
    scaled(ns, ns, &SCALES)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(number(1234567.0), "1.23M");
        assert_eq!(number(1.234), "1.23");
        assert_eq!(ratio(2.345), "2.35×");
        assert_eq!(duration_ns(1500.0), "1.50 µs");
        assert_eq!(quote("a,b"), "\"a,b\"");
    }
}

#[cfg(test)]
mod render_tests {
    use super::*;
    use crate::machine::Machine;
    use crate::measure::{Latency, Overhead, Stats};
    use crate::results::{Entry, Group, LatencyEntry, LatencyGroup, Suite, Target};

    fn suite() -> Suite {
        let mut group = Group::new("g", "a group", "ns/op", false);
        group.entries = vec![
            Entry::new("mmring x", true, Stats::from_samples(vec![1.0, 1.2])),
            Entry::new("peer y", false, Stats::from_samples(vec![2.0])).allocs(1.0),
        ];
        let latency = Latency {
            count: 10,
            p50: 100.0,
            p90: 150.0,
            p99: 200.0,
            p999: 300.0,
            p9999: 400.0,
            max: 500.0,
            mean: 120.0,
        };
        Suite {
            name: "test".into(),
            title: "A test suite".into(),
            about: "about".into(),
            machine: Machine::detect(),
            quick: true,
            overhead: Overhead {
                timestamp_ns: 20.0,
                instant_ns: 20.0,
                loop_ns: 0.3,
                latency_floor_p50_ns: 16.0,
                pinned: true,
            },
            seconds: 1.0,
            skipped: None,
            groups: vec![group],
            latencies: vec![LatencyGroup {
                id: "l".into(),
                title: "latencies".into(),
                entries: vec![
                    LatencyEntry {
                        name: "mmring x".into(),
                        mmring: true,
                        latency: latency.clone(),
                    },
                    LatencyEntry {
                        name: "peer y".into(),
                        mmring: false,
                        latency,
                    },
                ],
            }],
            targets: vec![Target::new("x ≥ 1.5× y", 1.5, Some(2.0), "how")],
            notes: vec!["a note".into()],
        }
    }

    #[test]
    fn writes_every_file_and_reads_it_back() {
        let dir = std::env::temp_dir().join(format!("mmring-harness-test-{}", std::process::id()));
        let report = Report {
            harness: "test".into(),
            suites: vec![suite()],
        };
        write(&dir, &report, false).expect("report written");
        let md = std::fs::read_to_string(dir.join("README.md")).expect("README");
        assert!(
            md.contains("| **mmring x** | 1.10 | 1.00 | 1.20 | — | — |"),
            "{md}"
        );
        assert!(md.contains("2.00× (needs ≥ 1.50×) | ✅ met"), "{md}");
        assert!(dir.join("test.svg").is_file());
        let csv = std::fs::read_to_string(dir.join("results.csv")).expect("csv");
        assert_eq!(csv.lines().count(), 1 + 2 + 2);
        let back = load(&dir).expect("results.json parses");
        assert_eq!(back.suites[0].groups[0].entries.len(), 2);
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }
}
