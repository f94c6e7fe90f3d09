//! The machine a result was measured on: CPU, cores, OS, compiler, date and load.

use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// Where and when a suite ran; recorded with every suite's results.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Machine {
    /// CPU model name from `/proc/cpuinfo`.
    pub cpu: String,
    /// Logical cores available to the process.
    pub cores: usize,
    /// OS name (`/etc/os-release` `PRETTY_NAME`) and kernel release.
    pub os: String,
    /// `rustc -V` of the compiler that built the harness.
    pub rustc: String,
    /// Node.js version, when Node is on `PATH` (the `wasm` suite runs in it).
    pub node: Option<String>,
    /// UTC date and time the suite started, ISO 8601.
    pub date: String,
    /// 1-minute load average when the suite started (`/proc/loadavg`): above ~0.5 on a
    /// small machine, other work competed with the benchmarks.
    pub load_before: Option<f64>,
    /// 1-minute load average when the suite ended.
    pub load_after: Option<f64>,
}

impl Machine {
    /// Describes this machine now.
    pub fn detect() -> Self {
        Self {
            cpu: cpu_model(),
            cores: std::thread::available_parallelism().map_or(1, usize::from),
            os: os_name(),
            rustc: rustc_version(),
            node: command_output("node", &["--version"]),
            date: utc_now(),
            load_before: load_average(),
            load_after: None,
        }
    }
}

/// The current 1-minute load average, where `/proc/loadavg` exists.
pub fn load_average() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .or_else(|| command_output("uname", &["-p"]))
        .unwrap_or_else(|| std::env::consts::ARCH.to_string())
}

fn os_name() -> String {
    let pretty = std::fs::read_to_string("/etc/os-release")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("PRETTY_NAME="))
                .map(|v| v.trim_matches('"').to_string())
        });
    let kernel = command_output("uname", &["-sr"]);
    match (pretty, kernel) {
        (Some(p), Some(k)) => format!("{p} ({k})"),
        (Some(p), None) => p,
        (None, Some(k)) => k,
        (None, None) => std::env::consts::OS.to_string(),
    }
}

/// The compiler's version: `rustc -V` at build time (see `build.rs`), else at run time.
fn rustc_version() -> String {
    match option_env!("MMRING_HARNESS_RUSTC") {
        Some(v) if !v.is_empty() => v.to_string(),
        _ => command_output("rustc", &["-V"]).unwrap_or_else(|| "rustc (unknown)".into()),
    }
}

fn command_output(cmd: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(cmd).args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
        .filter(|s| !s.is_empty())
}

/// The current UTC time as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn utc_now() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (y, m, d) = civil_from_days((secs / 86_400) as i64);
    let rem = secs % 86_400;
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian (H. Hinnant's
/// algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_723), (2024, 1, 1));
        assert_eq!(civil_from_days(19_782), (2024, 2, 29));
    }
}
