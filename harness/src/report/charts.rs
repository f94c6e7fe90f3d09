//! One chart per suite (`NAME.svg`, and `NAME.png` with `--png`): a panel of ratio bars
//! per comparison group, then a percentile plot per latency group.
//!
//! Text is drawn with DejaVu Sans embedded in the binary (crate `dejavu`, registered
//! with plotters' `ab_glyph` support), so no system font is needed.

use std::error::Error;
use std::path::Path;
use std::sync::Once;

use plotters::coord::Shift;
use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;
use plotters::style::FontStyle;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{duration_ns, number, ratio};
use crate::results::{Group, LatencyGroup, Suite};

/// Width of every chart, in pixels.
const WIDTH: u32 = 1000;
/// Height of a ratio panel: fixed part plus one row per bar.
const BAR_PANEL_BASE: u32 = 110;
/// Height of one bar row.
const BAR_ROW: u32 = 30;
/// Height of a latency panel.
const LATENCY_PANEL: u32 = 380;
/// Height of the suite title strip.
const TITLE: u32 = 50;
/// Left label area of ratio panels (bar names).
const BAR_LABELS: u32 = 360;

/// mmring's colour; peers cycle through [`PEER_COLORS`].
const MMRING: RGBColor = RGBColor(0x1f, 0x63, 0xc6);
/// Bars where mmring is at least as fast as the peer.
const FASTER: RGBColor = RGBColor(0x2e, 0x9e, 0x4f);
/// Bars where mmring is slower than the peer.
const SLOWER: RGBColor = RGBColor(0xd9, 0x53, 0x2c);
/// Line colours of peers in latency plots.
const PEER_COLORS: [RGBColor; 7] = [
    RGBColor(0xd9, 0x53, 0x2c),
    RGBColor(0x8e, 0x44, 0xad),
    RGBColor(0x27, 0xa0, 0x5a),
    RGBColor(0xc8, 0x9b, 0x0a),
    RGBColor(0x16, 0xa0, 0xb0),
    RGBColor(0x7f, 0x7f, 0x7f),
    RGBColor(0xb0, 0x3a, 0x7a),
];

type Res = Result<(), Box<dyn Error>>;

fn register_fonts() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // A font that fails to parse would only lose text; DejaVu always parses.
        let _ = plotters::style::register_font(
            "sans-serif",
            FontStyle::Normal,
            dejavu::sans::regular(),
        );
        let _ = plotters::style::register_font("sans-serif", FontStyle::Bold, dejavu::sans::bold());
    });
}

/// Renders `suite`'s chart into `dir` (SVG, and PNG when `png`). A suite with nothing
/// measured gets no chart.
pub fn render(dir: &Path, suite: &Suite, png: bool) -> Res {
    if suite.groups.is_empty() && suite.latencies.is_empty() {
        return Ok(());
    }
    register_fonts();
    let height = height(suite);
    let svg = dir.join(format!("{}.svg", suite.name));
    draw(
        SVGBackend::new(&svg, (WIDTH, height)).into_drawing_area(),
        suite,
    )?;
    if png {
        let path = dir.join(format!("{}.png", suite.name));
        draw(
            BitMapBackend::new(&path, (WIDTH, height)).into_drawing_area(),
            suite,
        )?;
    }
    Ok(())
}

fn bars(group: &Group) -> usize {
    let subjects = group.subjects().count();
    subjects * group.peers().count()
}

fn height(suite: &Suite) -> u32 {
    TITLE
        + suite
            .groups
            .iter()
            .filter(|g| bars(g) > 0)
            .map(|g| BAR_PANEL_BASE + BAR_ROW * bars(g) as u32)
            .sum::<u32>()
        + LATENCY_PANEL * suite.latencies.len() as u32
}

fn draw<DB: DrawingBackend>(root: DrawingArea<DB, Shift>, suite: &Suite) -> Res
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE)?;
    let (title, mut rest) = root.split_vertically(TITLE);
    let quick = if suite.quick {
        " — quick run, not meaningful"
    } else {
        ""
    };
    title.draw_text(
        &format!("{}: {}{}", suite.name, suite.title, quick),
        &("sans-serif", 22, FontStyle::Bold).into_text_style(&title),
        (12, 14),
    )?;
    for group in suite.groups.iter().filter(|g| bars(g) > 0) {
        let (panel, below) = rest.split_vertically(BAR_PANEL_BASE + BAR_ROW * bars(group) as u32);
        ratio_panel(&panel, group)?;
        rest = below;
    }
    for group in &suite.latencies {
        let (panel, below) = rest.split_vertically(LATENCY_PANEL);
        latency_panel(&panel, group)?;
        rest = below;
    }
    root.present()?;
    Ok(())
}

/// One bar per (mmring entry, peer): how many times faster mmring is, on a log axis.
fn ratio_panel<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, group: &Group) -> Res
where
    DB::ErrorType: 'static,
{
    let subjects: Vec<_> = group.subjects().collect();
    let mut rows = Vec::new();
    for s in &subjects {
        for p in group.peers() {
            let label = if subjects.len() > 1 {
                format!("{} vs {}", s.name.trim_start_matches("mmring "), p.name)
            } else {
                format!("vs {}", p.name)
            };
            rows.push((shorten(&label, 52), group.ratio(s, p)));
        }
    }
    let lo = rows.iter().map(|r| r.1).fold(1.0f64, f64::min) / 2.0;
    let hi = rows.iter().map(|r| r.1).fold(1.0f64, f64::max) * 2.5;
    let caption = if subjects.len() == 1 {
        format!(
            "{} — mmring {} {}",
            shorten(&group.title, 84),
            number(subjects[0].stats.median),
            group.unit
        )
    } else {
        let figures = subjects
            .iter()
            .map(|s| {
                format!(
                    "{} {}",
                    s.name.trim_start_matches("mmring "),
                    number(s.stats.median)
                )
            })
            .collect::<Vec<_>>()
            .join(" · ");
        format!(
            "{} — {} {}",
            shorten(&group.title, 60),
            shorten(&figures, 64),
            group.unit
        )
    };
    let n = rows.len() as i32;
    // Integer ranges are inclusive: `0..n-1` has one segment per row (one row gets a
    // spare empty segment above it: a one-value range cannot be drawn).
    let mut chart = ChartBuilder::on(area)
        .margin(10)
        .margin_right(30)
        .caption(caption, ("sans-serif", 15, FontStyle::Bold))
        .x_label_area_size(36)
        .y_label_area_size(BAR_LABELS)
        .build_cartesian_2d((lo..hi).log_scale(), (0..(n - 1).max(1)).into_segmented())?;
    let labels: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
    chart
        .configure_mesh()
        .disable_y_mesh()
        .x_labels(6)
        .light_line_style(WHITE)
        .x_desc("times faster: mmring ÷ peer (log scale; > 1 = mmring faster)")
        .x_label_formatter(&|v| ratio(*v))
        .y_label_formatter(&|v| match v {
            SegmentValue::CenterOf(i) => labels
                .get((n - 1 - *i) as usize)
                .cloned()
                .unwrap_or_default(),
            _ => String::new(),
        })
        .label_style(("sans-serif", 13))
        .axis_desc_style(("sans-serif", 13))
        .draw()?;
    // Row 0 at the top.
    let y = |row: usize| n - 1 - row as i32;
    chart.draw_series(rows.iter().enumerate().map(|(row, (_, r))| {
        let color = if *r >= 1.0 { FASTER } else { SLOWER };
        let mut bar = Rectangle::new(
            [
                (lo, SegmentValue::Exact(y(row))),
                (*r, SegmentValue::Exact(y(row) + 1)),
            ],
            color.filled(),
        );
        bar.set_margin(5, 5, 0, 0);
        bar
    }))?;
    chart.draw_series(rows.iter().enumerate().map(|(row, (_, r))| {
        Text::new(
            format!(" {}", ratio(*r)),
            (*r, SegmentValue::CenterOf(y(row))),
            ("sans-serif", 13)
                .into_font()
                .color(&BLACK)
                .pos(Pos::new(HPos::Left, VPos::Center)),
        )
    }))?;
    chart.draw_series(std::iter::once(PathElement::new(
        vec![(1.0, SegmentValue::Exact(0)), (1.0, SegmentValue::Exact(n))],
        BLACK.stroke_width(2),
    )))?;
    Ok(())
}

/// Latency percentiles per implementation, on a log axis.
fn latency_panel<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, group: &LatencyGroup) -> Res
where
    DB::ErrorType: 'static,
{
    let values = group
        .entries
        .iter()
        .flat_map(|e| e.latency.points().map(|p| p.1));
    let (lo, hi) = values.fold((f64::MAX, 1.0f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let lo = (lo / 1.5).max(1.0);
    let hi = hi * 2.0;
    let mut chart = ChartBuilder::on(area)
        .margin(10)
        .margin_right(30)
        .caption(
            shorten(&group.title, 100),
            ("sans-serif", 16, FontStyle::Bold),
        )
        .x_label_area_size(36)
        .y_label_area_size(80)
        .build_cartesian_2d(-0.3f64..5.3f64, (lo..hi).log_scale())?;
    let names = ["p50", "p90", "p99", "p99.9", "p99.99", "max"];
    chart
        .configure_mesh()
        .x_labels(6)
        .x_label_formatter(&|v| {
            let i = v.round();
            if (v - i).abs() < 0.01 && (0.0..6.0).contains(&i) {
                names[i as usize].to_string()
            } else {
                String::new()
            }
        })
        .y_label_formatter(&|v| duration_ns(*v))
        .y_labels(8)
        .light_line_style(WHITE)
        .y_desc("latency (log scale)")
        .label_style(("sans-serif", 13))
        .axis_desc_style(("sans-serif", 13))
        .draw()?;
    let mut peer = 0;
    for e in &group.entries {
        let color = if e.mmring {
            MMRING
        } else {
            peer += 1;
            PEER_COLORS[(peer - 1) % PEER_COLORS.len()]
        };
        let width = if e.mmring { 3 } else { 2 };
        let points: Vec<(f64, f64)> = e
            .latency
            .points()
            .iter()
            .enumerate()
            .map(|(i, p)| (i as f64, p.1.max(1.0)))
            .collect();
        chart
            .draw_series(LineSeries::new(points.clone(), color.stroke_width(width)))?
            .label(format!("{} (p50 {})", e.name, duration_ns(e.latency.p50)))
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(width))
            });
        chart.draw_series(
            points
                .into_iter()
                .map(|p| Circle::new(p, 3, color.filled())),
        )?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.3))
        .label_font(("sans-serif", 13))
        .draw()?;
    Ok(())
}

/// `s` cut to `max` characters with an ellipsis.
fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let cut: String = s.chars().take(max - 1).collect();
        format!("{cut}…")
    }
}
