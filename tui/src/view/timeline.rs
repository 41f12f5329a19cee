//! The Timeline tab: Gantt charts, zoomable (`+`/`-`) and scrollable
//! (Left/Right, Up/Down). For a step simulation, one row per simulated
//! worker (a pipeline stage of a group of identical replicas) through one
//! training step: forward and backward compute, exposed data-parallel
//! communication, the optimizer and the bubbles between. For a cluster
//! run, one row per node through the run: which job held it, when it was
//! down.

use super::{block, first_visible, padded, placeholder, time_axis};
use crate::model::Model;
use cirrus_sim::cluster::{Outcome, overlaps};
use cirrus_sim::human::fine_duration;
use cirrus_sim::stepsim::{Span as StepSpan, SpanKind, StepSimulation};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

/// Width of the row labels.
const LABEL: usize = 16;

/// Characters that stand for jobs in the cluster Gantt (by job index).
const GLYPHS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// Draws the tab.
pub fn render(model: &Model, frame: &mut Frame, area: Rect) {
    if let Some(step) = model.timeline_step() {
        step_gantt(model, step, frame, area);
    } else if let (Some(outcome), Some(_)) = (model.cluster(), model.cluster_series()) {
        cluster_gantt(model, outcome, frame, area);
    } else {
        let text = if model.sim.is_some() {
            "Nothing to draw: this step was estimated call by call (a local executor scenario), without a timeline."
        } else {
            "No results yet: open a scenario on the Scenarios tab (1)."
        };
        placeholder(frame, area, "Timeline", vec![Line::from(text)]);
    }
}

/// The window in seconds, given the whole `[from, to)`.
fn window(model: &Model, from: f64, to: f64) -> (f64, f64) {
    let (a, b) = model.timeline.window();
    (from + a * (to - from), from + b * (to - from))
}

fn step_gantt(model: &Model, step: &StepSimulation, frame: &mut Frame, area: Rect) {
    let total = step
        .estimate
        .result
        .step_time_s
        .max(step.spans.iter().map(|s| s.end).fold(0.0, f64::max));
    let (t0, t1) = window(model, 0.0, total);
    let workers = model.timeline_rows();
    let mut by_worker: Vec<Vec<&StepSpan>> = vec![Vec::new(); workers];
    for s in &step.spans {
        if let Some(list) = by_worker.get_mut(s.worker) {
            list.push(s);
        }
    }
    let [chart, detail, legend] = Layout::vertical([
        Constraint::Min(5),
        Constraint::Length(5),
        Constraint::Length(1),
    ])
    .areas(area);
    let jobs = match model.sim.as_deref() {
        Some(crate::tasks::SimOutput::Steps { steps, .. }) => steps.len(),
        _ => 1,
    };
    let title = format!(
        "Step of job \"{}\" ({} of {}, n: next) · {} to {} of {}",
        step.estimate.result.name,
        model.timeline.job + 1,
        jobs,
        fine_duration(t0),
        fine_duration(t1),
        fine_duration(total)
    );
    let inner = block(&title).inner(chart);
    frame.render_widget(block(&title), chart);
    let width = (inner.width as usize).saturating_sub(LABEL);
    let height = (inner.height as usize).saturating_sub(1);
    let selected = model.timeline.row.min(workers.saturating_sub(1));
    if width > 0 && height > 0 {
        let dt = (t1 - t0) / width as f64;
        let mut lines: Vec<Line<'_>> = by_worker
            .iter()
            .enumerate()
            .skip(first_visible(selected, height))
            .take(height)
            .map(|(w, spans)| {
                let label = worker_label(step, spans.first().copied(), w);
                let cells = (0..width).map(|c| {
                    let (a, b) = (t0 + c as f64 * dt, t0 + (c + 1) as f64 * dt);
                    step_cell(spans, a, b)
                });
                gantt_line(label, w == selected, cells)
            })
            .collect();
        lines.push(time_axis(t0, t1, LABEL, width));
        frame.render_widget(Paragraph::new(lines), inner);
    }
    let detail_text = by_worker
        .get(selected)
        .map(|spans| worker_summary(step, spans, selected, total))
        .unwrap_or_default();
    frame.render_widget(
        Paragraph::new(detail_text)
            .block(block("Highlighted row"))
            .wrap(Wrap { trim: true }),
        detail,
    );
    frame.render_widget(
        Line::from(vec![
            Span::from(" ▒").fg(Color::Green),
            Span::from(" forward "),
            Span::from("█").fg(Color::Blue),
            Span::from(" backward "),
            Span::from("≈").fg(Color::Yellow),
            Span::from(" exposed DP comm "),
            Span::from("o").fg(Color::Magenta),
            Span::from(" optimizer "),
            Span::from("·").dim(),
            Span::from(" bubble · +/- zoom ←/→ scroll"),
        ]),
        legend,
    );
}

/// What worker `w` is: its pool, replica count and stage.
fn worker_label(step: &StepSimulation, first: Option<&StepSpan>, w: usize) -> String {
    match first.and_then(|s| step.groups.get(s.group).map(|g| (s, g))) {
        Some((s, g)) => format!("{} ×{} s{}", g.pool, g.replicas, s.stage),
        None => format!("worker {w}"),
    }
}

/// Seconds of `[a, b)` covered by spans of `kind`.
fn covered(spans: &[&StepSpan], kinds: &[SpanKind], a: f64, b: f64) -> f64 {
    spans
        .iter()
        .filter(|s| kinds.contains(&s.kind))
        .map(|s| (s.end.min(b) - s.start.max(a)).max(0.0))
        .sum()
}

/// The character of one column: compute wins over communication, which
/// wins over the optimizer; nothing is a bubble.
fn step_cell(spans: &[&StepSpan], a: f64, b: f64) -> Span<'static> {
    let fwd = covered(spans, &[SpanKind::Forward], a, b);
    let bwd = covered(spans, &[SpanKind::Backward], a, b);
    if fwd + bwd > 0.0 {
        return if bwd >= fwd {
            Span::from("█").fg(Color::Blue)
        } else {
            Span::from("▒").fg(Color::Green)
        };
    }
    if covered(spans, &[SpanKind::DataParallel], a, b) > 0.0 {
        return Span::from("≈").fg(Color::Yellow);
    }
    if covered(spans, &[SpanKind::Optimizer], a, b) > 0.0 {
        return Span::from("o").fg(Color::Magenta);
    }
    Span::from("·").dim()
}

/// Where the highlighted worker's step goes.
fn worker_summary(
    step: &StepSimulation,
    spans: &[&StepSpan],
    w: usize,
    total: f64,
) -> Vec<Line<'static>> {
    // Compute as the union of forward and backward spans (they do not
    // overlap on one worker); exposed communication is reduction time
    // outside them.
    let compute = covered(spans, &[SpanKind::Forward, SpanKind::Backward], 0.0, total);
    let optimizer = covered(spans, &[SpanKind::Optimizer], 0.0, total);
    let mut reductions: Vec<(f64, f64)> = spans
        .iter()
        .filter(|s| s.kind == SpanKind::DataParallel)
        .map(|s| (s.start, s.end))
        .collect();
    reductions.sort_by(|x, y| x.0.total_cmp(&y.0));
    let mut exposed = 0.0;
    let mut reach = f64::NEG_INFINITY;
    for (a, b) in reductions {
        let (a, b) = (a.max(reach), b);
        if b > a {
            let busy = covered(
                spans,
                &[SpanKind::Forward, SpanKind::Backward, SpanKind::Optimizer],
                a,
                b,
            );
            exposed += (b - a - busy).max(0.0);
        }
        reach = reach.max(b);
    }
    let bubble = (total - compute - optimizer - exposed).max(0.0);
    let pct = |x: f64| 100.0 * x / total.max(f64::MIN_POSITIVE);
    vec![
        Line::from(format!(
            "{} (worker {w}): {} forward and backward passes",
            worker_label(step, spans.first().copied(), w),
            spans
                .iter()
                .filter(|s| matches!(s.kind, SpanKind::Forward | SpanKind::Backward))
                .count()
        )),
        Line::from(format!(
            "compute {} ({:.0}%) · exposed comm {} ({:.0}%) · optimizer {} · bubble and waiting {} ({:.0}%)",
            fine_duration(compute),
            pct(compute),
            fine_duration(exposed),
            pct(exposed),
            fine_duration(optimizer),
            fine_duration(bubble),
            pct(bubble)
        )),
    ]
}

fn cluster_gantt(model: &Model, outcome: &Outcome, frame: &mut Frame, area: Rect) {
    let Some(series) = model.cluster_series() else {
        return;
    };
    let (t0, t1) = window(model, series.from_s, series.to_s);
    let nodes: Vec<(usize, usize)> = series.nodes().collect();
    let [chart, detail, legend] = Layout::vertical([
        Constraint::Min(5),
        Constraint::Length(5),
        Constraint::Length(1),
    ])
    .areas(area);
    let title = format!(
        "Schedule per node · {} to {} of {} (letters: jobs)",
        fine_duration(t0 - series.from_s),
        fine_duration(t1 - series.from_s),
        fine_duration(series.to_s - series.from_s)
    );
    let inner = block(&title).inner(chart);
    frame.render_widget(block(&title), chart);
    let width = (inner.width as usize).saturating_sub(LABEL);
    let height = (inner.height as usize).saturating_sub(1);
    let selected = model.timeline.row.min(nodes.len().saturating_sub(1));
    let log = &outcome.schedule;
    if width > 0 && height > 0 {
        let mut lines: Vec<Line<'_>> = nodes
            .iter()
            .enumerate()
            .skip(first_visible(selected, height))
            .take(height)
            .map(|(i, &(p, n))| {
                let pool = &series.pools[p];
                let segs = &pool.segments[n];
                let down = outcome.schedule.down_intervals(p, n, series.to_s);
                let cells = node_cells(log, segs, &down, (t0, t1), width);
                gantt_line(
                    format!("{} {n}", pool.name),
                    i == selected,
                    cells.into_iter(),
                )
            })
            .collect();
        lines.push(time_axis(
            t0 - series.from_s,
            t1 - series.from_s,
            LABEL,
            width,
        ));
        frame.render_widget(Paragraph::new(lines), inner);
    }
    let detail_lines = nodes
        .get(selected)
        .map(|&(p, n)| node_detail(model, outcome, p, n, (t0, t1)))
        .unwrap_or_default();
    frame.render_widget(
        Paragraph::new(detail_lines)
            .block(block("Highlighted node, in the window"))
            .wrap(Wrap { trim: true }),
        detail,
    );
    frame.render_widget(
        Line::from(vec![
            Span::from(" A-Z a-z 0-9").fg(Color::Cyan),
            Span::from(" job (index mod 62) "),
            Span::from("x").fg(Color::Magenta),
            Span::from(" down "),
            Span::from("·").dim(),
            Span::from(" idle · +/- zoom, ←/→ scroll, ↑/↓ node"),
        ]),
        legend,
    );
}

/// The Gantt cells of one node over `[t0, t1)` in `width` columns: the
/// job holding the node longest in each column, `x` where the node was
/// down for most of it, `·` where idle. One pass over the node's segments.
fn node_cells(
    log: &cirrus_sim::cluster::Schedule,
    segs: &[u32],
    down: &[(f64, f64)],
    (t0, t1): (f64, f64),
    width: usize,
) -> Vec<Span<'static>> {
    let dt = (t1 - t0) / width as f64;
    // Per column: (job, overlap) of the longest holder, and downtime.
    let mut best: Vec<Option<(u32, f64)>> = vec![None; width];
    let mut down_s = vec![0.0f64; width];
    for &(a, b) in down {
        for (c, o) in overlaps((a, b), (t0, dt), width) {
            down_s[c] += o;
        }
    }
    for &k in segs {
        let seg = &log.segments[k as usize];
        if seg.start_s >= t1 {
            break;
        }
        for (c, o) in overlaps((seg.start_s, seg.end_s), (t0, dt), width) {
            if best[c].is_none_or(|(_, x)| o > x) {
                best[c] = Some((seg.job, o));
            }
        }
    }
    (0..width)
        .map(|c| {
            if down_s[c] > 0.5 * dt {
                Span::from("x").fg(Color::Magenta)
            } else {
                match best[c] {
                    Some((job, _)) => job_glyph(job),
                    None => Span::from("·").dim(),
                }
            }
        })
        .collect()
}

/// The jobs that ran on a node in the window, and its failures.
fn node_detail(
    model: &Model,
    outcome: &Outcome,
    p: usize,
    n: usize,
    (t0, t1): (f64, f64),
) -> Vec<Line<'static>> {
    let Some(series) = model.cluster_series() else {
        return Vec::new();
    };
    let log = &outcome.schedule;
    let from = series.from_s;
    // The detail box shows a few lines: describe the first stretches only.
    const LISTED: usize = 12;
    let mut parts: Vec<String> = Vec::new();
    let mut in_view = 0usize;
    for &k in &series.pools[p].segments[n] {
        let seg = &log.segments[k as usize];
        if seg.start_s >= t1 {
            break;
        }
        if seg.end_s <= t0 {
            continue;
        }
        in_view += 1;
        if parts.len() == LISTED {
            continue;
        }
        let devices = log
            .shares_of(seg)
            .iter()
            .find(|s| s.0 as usize == n)
            .map_or(0.0, |s| s.1);
        let id = outcome
            .jobs
            .get(seg.job as usize)
            .map_or("?", |j| j.id.as_str());
        parts.push(format!(
            "{} {id}: {}–{}, {devices} dev, {}",
            GLYPHS[seg.job as usize % GLYPHS.len()] as char,
            fine_duration(seg.start_s - from),
            fine_duration(seg.end_s - from),
            seg.end.name()
        ));
    }
    let downs = outcome
        .schedule
        .down_intervals(p, n, series.to_s)
        .into_iter()
        .filter(|&(a, b)| b > t0 && a < t1)
        .count();
    let mut lines = vec![Line::from(format!(
        "{} node {n}: {} job stretch(es) in view, out of service {} time(s)",
        series.pools[p].name, in_view, downs
    ))];
    if in_view > parts.len() {
        parts.push(format!("… {} more (+ zooms in)", in_view - parts.len()));
    }
    lines.push(Line::from(parts.join(" · ")));
    lines
}

fn job_glyph(job: u32) -> Span<'static> {
    const COLOURS: [Color; 6] = [
        Color::Cyan,
        Color::Green,
        Color::Yellow,
        Color::Blue,
        Color::LightRed,
        Color::LightMagenta,
    ];
    let g = GLYPHS[job as usize % GLYPHS.len()] as char;
    Span::styled(
        g.to_string(),
        Style::new().fg(COLOURS[job as usize % COLOURS.len()]),
    )
}

/// A Gantt row: the label (reversed when highlighted) and its cells.
fn gantt_line(
    label: String,
    selected: bool,
    cells: impl Iterator<Item = Span<'static>>,
) -> Line<'static> {
    let mut head = Span::from(padded(&label, LABEL - 1) + " ");
    if selected {
        head = head.add_modifier(Modifier::REVERSED);
    }
    let mut spans = vec![head];
    spans.extend(cells);
    Line::from(spans)
}
