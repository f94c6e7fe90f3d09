//! `mmring-harness`: side-by-side benchmark suites of mmring against the libraries its
//! users would otherwise pick, rendered into `reports/`.
//!
//! ```text
//! cargo run --release -p mmring-harness -- [--suite NAME]... [--quick] [--out DIR] [--png] [--list]
//! ```
//!
//! Each suite runs mmring and its peers on the same workload in the same process run
//! and reports every mmring figure as a ratio to each peer. `--out` (default `reports`)
//! receives `results.json`, `results.csv`, `README.md` and one SVG chart per suite
//! (`--png` adds PNG copies). Running some suites only refreshes those suites in the
//! files already in `--out`. See `measure` for the methodology.

mod alloc;
mod machine;
mod measure;
mod peers;
mod report;
mod results;
mod suites;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;

use crate::machine::Machine;
use crate::measure::{Overhead, Settings};
use crate::results::Suite;
use crate::suites::{Ctx, SUITES};

/// Side-by-side benchmarks of mmring against its peers; writes charts and tables.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Cli {
    /// Run only this suite (repeatable); all suites by default. See --list.
    #[arg(long = "suite", value_name = "NAME")]
    suites: Vec<String>,
    /// Run every suite briefly (seconds each): proves the harness works, numbers are
    /// not meaningful.
    #[arg(long)]
    quick: bool,
    /// Directory for results.json, results.csv, README.md and the charts.
    #[arg(long, value_name = "DIR", default_value = "reports")]
    out: PathBuf,
    /// Also render each chart as PNG.
    #[arg(long)]
    png: bool,
    /// List the suites and exit.
    #[arg(long)]
    list: bool,
    /// Internal: run the child side of a two-process suite.
    #[arg(long, hide = true, num_args = 1.., allow_hyphen_values = true)]
    child: Option<Vec<String>>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(args) = &cli.child {
        return match suites::shm::child_main(args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("mmring-harness child: {e}");
                ExitCode::FAILURE
            }
        };
    }
    if cli.list {
        for suite in &SUITES {
            println!("{:<8} {}", suite.name, suite.title);
        }
        return ExitCode::SUCCESS;
    }
    let unknown: Vec<_> = cli
        .suites
        .iter()
        .filter(|name| !SUITES.iter().any(|s| s.name == name.as_str()))
        .collect();
    if !unknown.is_empty() {
        eprintln!("unknown suite(s) {unknown:?}; --list shows them");
        return ExitCode::from(2);
    }
    match run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mmring-harness: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: &Cli) -> Result<(), Box<dyn std::error::Error>> {
    let settings = if cli.quick {
        Settings::quick()
    } else {
        Settings::full()
    };
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(PathBuf::from)
        .unwrap_or_default();
    let exe = std::env::current_exe()?;
    let started = Instant::now();
    let mut report = report::load(&cli.out).unwrap_or_default();
    report.harness = env!("CARGO_PKG_VERSION").into();
    for def in SUITES
        .iter()
        .filter(|s| cli.suites.is_empty() || cli.suites.iter().any(|n| n == s.name))
    {
        let ctx = Ctx::new(settings, root.clone(), exe.clone(), def.name);
        ctx.step(format!("{} …", def.title));
        let mut machine = Machine::detect();
        let overhead = Overhead::measure(&settings);
        let suite_start = Instant::now();
        let body = (def.run)(&ctx);
        machine.load_after = machine::load_average();
        if let Some(reason) = &body.skipped {
            ctx.step(format!("skipped: {reason}"));
        }
        ctx.step("done");
        let suite = Suite {
            name: def.name.into(),
            title: def.title.into(),
            about: def.about.into(),
            machine,
            quick: settings.quick,
            overhead,
            seconds: suite_start.elapsed().as_secs_f64(),
            skipped: body.skipped,
            groups: body.groups,
            latencies: body.latencies,
            targets: body.targets,
            notes: body.notes,
        };
        report.suites.retain(|s| s.name != suite.name);
        report.suites.push(suite);
    }
    report
        .suites
        .sort_by_key(|s| SUITES.iter().position(|d| d.name == s.name));
    report::write(&cli.out, &report, cli.png)?;
    eprintln!(
        "wrote {} in {:.1}s",
        cli.out.join("README.md").display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
