//! `README.md` of the reports: targets first, then each suite's tables and chart.

use std::fmt::Write as _;

use super::{duration_ns, number, ratio};
use crate::results::{Group, LatencyGroup, Report, Suite, Target};

/// The whole README.
pub fn render(report: &Report) -> String {
    let mut md = String::new();
    let _ = writeln!(md, "# mmring benchmark reports\n");
    let _ = writeln!(
        md,
        "Written by `mmring-harness` (`just bench`, i.e. `cargo run --release -p \
         mmring-harness`); do not edit by hand, re-run it. Every mmring figure is shown \
         beside the same workload run on its peers in the same run, and as a ratio: \
         **how many times faster mmring is** than that peer (> 1× = mmring is faster), \
         from the medians. Raw numbers: [results.json](results.json), \
         [results.csv](results.csv).\n"
    );
    if report.suites.iter().any(|s| s.quick) {
        let _ = writeln!(
            md,
            "> **Quick run** (`--quick`) in at least one suite: a smoke test of the \
             harness with tiny workloads; its numbers are not meaningful.\n"
        );
    }
    targets_summary(&mut md, report);
    methodology(&mut md, report);
    for suite in &report.suites {
        suite_section(&mut md, suite);
    }
    md
}

fn targets_summary(md: &mut String, report: &Report) {
    let _ = writeln!(md, "## Targets\n");
    let _ = writeln!(md, "| suite | target | measured | status |");
    let _ = writeln!(md, "|---|---|---|---|");
    for suite in &report.suites {
        if suite.skipped.is_some() && suite.targets.is_empty() {
            let _ = writeln!(
                md,
                "| [{0}](#{0}) | all | — | skipped: {1} |",
                suite.name,
                suite.skipped.as_deref().unwrap_or_default()
            );
        }
        for t in &suite.targets {
            let _ = writeln!(
                md,
                "| [{0}](#{0}) | {1} | {2} | {3} |",
                suite.name,
                t.text,
                measured(t),
                status(t)
            );
        }
    }
    let _ = writeln!(md);
}

fn measured(t: &Target) -> String {
    let mut s = match t.ratio {
        Some(r) => format!("{} (needs ≥ {})", ratio(r), ratio(t.threshold)),
        None => "—".into(),
    };
    if let Some((what, ok)) = &t.also {
        let _ = write!(s, "; {what}: {}", if *ok { "yes" } else { "no" });
    }
    s
}

fn status(t: &Target) -> &'static str {
    match t.met() {
        Some(true) => "✅ met",
        Some(false) => "❌ not met",
        None => "not measured",
    }
}

fn methodology(md: &mut String, report: &Report) {
    let _ = writeln!(md, "## How these were measured\n");
    let _ = writeln!(
        md,
        "- Each figure: warm-up runs, then several timed repetitions; the table shows the \
         **median** with min and max. Ratios use medians.\n\
         - Two-thread workloads start behind a barrier after both threads exist (spawn time \
         excluded), producer and consumer pinned to different cores when the machine has \
         two or more (`core_affinity`). Two-process workloads pin the parent and the \
         child the same way.\n\
         - Latencies are HDR histograms (`hdrhistogram`, 3 significant digits) with \
         p50/p99/p99.9/max. Fixed-rate runs stamp each message with its *scheduled* send \
         time and measure from it, so a stall counts against every message queued behind \
         it (no coordinated omission).\n\
         - The harness's own cost is measured before every suite and shown with it; \
         figures are raw (not corrected for it).\n\
         - Allocations are counted by a counting global allocator, per thread.\n"
    );
    if let Some(first) = report.suites.first() {
        let m = &first.machine;
        let _ = writeln!(
            md,
            "Machine: {} · {} cores · {} · {} · Node {}.\n",
            m.cpu,
            m.cores,
            m.os,
            m.rustc,
            m.node.as_deref().unwrap_or("not found")
        );
    }
}

fn suite_section(md: &mut String, suite: &Suite) {
    let _ = writeln!(md, "## {}\n", suite.name);
    let _ = writeln!(md, "**{}.** {}\n", suite.title, suite.about);
    let m = &suite.machine;
    let load = match (m.load_before, m.load_after) {
        (Some(a), Some(b)) => format!(", load average {a:.2} → {b:.2}"),
        _ => String::new(),
    };
    let _ = writeln!(
        md,
        "Measured {} in {:.0} s{}{} on {}, {} cores. Harness cost: timestamp {:.0} ns, \
         `Instant::now` {:.0} ns, empty loop iteration {:.2} ns, back-to-back timestamp \
         pair p50 {:.0} ns; threads {}.\n",
        m.date,
        suite.seconds,
        load,
        if suite.quick { " (**quick run**)" } else { "" },
        m.cpu,
        m.cores,
        suite.overhead.timestamp_ns,
        suite.overhead.instant_ns,
        suite.overhead.loop_ns,
        suite.overhead.latency_floor_p50_ns,
        if suite.overhead.pinned {
            "pinned"
        } else {
            "not pinned"
        }
    );
    if let Some(reason) = &suite.skipped {
        let _ = writeln!(md, "**Skipped: {reason}**\n");
    }
    if !suite.groups.is_empty() || !suite.latencies.is_empty() {
        let _ = writeln!(md, "![{0} chart]({0}.svg)\n", suite.name);
    }
    if !suite.targets.is_empty() {
        let _ = writeln!(md, "| target | measured | how | status |");
        let _ = writeln!(md, "|---|---|---|---|");
        for t in &suite.targets {
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} |",
                t.text,
                measured(t),
                t.detail,
                status(t)
            );
        }
        let _ = writeln!(md);
    }
    for group in &suite.groups {
        group_table(md, group);
    }
    for group in &suite.latencies {
        latency_table(md, group);
    }
    if !suite.notes.is_empty() {
        let _ = writeln!(md, "Notes:\n");
        for note in &suite.notes {
            let _ = writeln!(md, "- {note}");
        }
        let _ = writeln!(md);
    }
}

fn group_table(md: &mut String, group: &Group) {
    let better = if group.higher_is_better {
        "higher is better"
    } else {
        "lower is better"
    };
    let _ = writeln!(
        md,
        "### {}\n\n`{}` · {} ({})\n",
        group.title, group.id, group.unit, better
    );
    let subjects: Vec<_> = group.subjects().collect();
    let allocs = group.entries.iter().any(|e| e.allocs_per_op.is_some());
    let _ = write!(md, "| implementation | median | min | max |");
    if allocs {
        let _ = write!(md, " allocs/op |");
    }
    for s in &subjects {
        let _ = write!(md, " {} vs this |", s.name);
    }
    let _ = writeln!(md);
    let _ = write!(md, "|---|--:|--:|--:|");
    if allocs {
        let _ = write!(md, "--:|");
    }
    for _ in &subjects {
        let _ = write!(md, "--:|");
    }
    let _ = writeln!(md);
    for e in &group.entries {
        let name = if e.mmring {
            format!("**{}**", e.name)
        } else {
            e.name.clone()
        };
        let remark = e
            .remark
            .as_ref()
            .map(|r| format!(" ({r})"))
            .unwrap_or_default();
        let _ = write!(
            md,
            "| {name}{remark} | {} | {} | {} |",
            number(e.stats.median),
            number(e.stats.min),
            number(e.stats.max)
        );
        if allocs {
            let a = e
                .allocs_per_op
                .map(|a| format!("{a:.2}"))
                .unwrap_or_else(|| "—".into());
            let _ = write!(md, " {a} |");
        }
        for s in &subjects {
            if std::ptr::eq(*s, e) {
                let _ = write!(md, " — |");
            } else {
                let _ = write!(md, " {} |", ratio(group.ratio(s, e)));
            }
        }
        let _ = writeln!(md);
    }
    let _ = writeln!(md);
}

fn latency_table(md: &mut String, group: &LatencyGroup) {
    let _ = writeln!(md, "### {}\n\n`{}` · latency\n", group.title, group.id);
    let subjects: Vec<_> = group.entries.iter().filter(|e| e.mmring).collect();
    let _ = write!(
        md,
        "| implementation | p50 | p90 | p99 | p99.9 | p99.99 | max | count |"
    );
    for s in &subjects {
        let _ = write!(md, " {} p50 vs this |", s.name);
    }
    let _ = writeln!(md);
    let _ = write!(md, "|---|--:|--:|--:|--:|--:|--:|--:|");
    for _ in &subjects {
        let _ = write!(md, "--:|");
    }
    let _ = writeln!(md);
    for e in &group.entries {
        let l = &e.latency;
        let name = if e.mmring {
            format!("**{}**", e.name)
        } else {
            e.name.clone()
        };
        let _ = write!(
            md,
            "| {name} | {} | {} | {} | {} | {} | {} | {} |",
            duration_ns(l.p50),
            duration_ns(l.p90),
            duration_ns(l.p99),
            duration_ns(l.p999),
            duration_ns(l.p9999),
            duration_ns(l.max),
            l.count
        );
        for s in &subjects {
            if std::ptr::eq(*s, e) {
                let _ = write!(md, " — |");
            } else {
                let _ = write!(md, " {} |", ratio(l.p50 / s.latency.p50));
            }
        }
        let _ = writeln!(md);
    }
    let _ = writeln!(md);
}
