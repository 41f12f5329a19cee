//! The Cluster tab: every pool and node as a heat map of its busy share
//! over the run (time runs left to right), with failures, revocations,
//! preemptions and autoscaling marked under each pool, and the queue
//! length over the same time.

use super::{block, first_visible, padded, placeholder, time_axis};
use crate::model::Model;
use crate::series::{ClusterRow, ClusterSeries, columns, marks_in, shade};
use cirrus_sim::human::{fine_duration as duration, thousands};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Sparkline};

/// Width of the row labels.
const LABEL: usize = 14;

/// Draws the tab.
pub fn render(model: &Model, frame: &mut Frame, area: Rect) {
    let Some(series) = model.cluster_series() else {
        let text = if model.sim.is_some() {
            "This scenario simulates single training steps, not a cluster schedule: see the Overview and Timeline tabs. Scenarios with a [workload] fill this tab."
        } else {
            "No cluster run yet: open a scenario with a [workload] on the Scenarios tab (1)."
        };
        placeholder(frame, area, "Cluster", vec![Line::from(text)]);
        return;
    };
    let [map, queue, legend] = Layout::vertical([
        Constraint::Min(6),
        Constraint::Length(5),
        Constraint::Length(1),
    ])
    .areas(area);
    heat_map(model, series, frame, map);
    queue_chart(series, frame, queue);
    frame.render_widget(legend_line(), legend);
}

fn heat_map(model: &Model, series: &ClusterSeries, frame: &mut Frame, area: Rect) {
    let title = format!(
        "Busy share over {} from the first arrival ({} per column)",
        duration(series.to_s - series.from_s),
        duration(
            (series.to_s - series.from_s)
                / f64::from(area.width.saturating_sub(2 + LABEL as u16).max(1))
        ),
    );
    let inner = block(&title).inner(area);
    frame.render_widget(block(&title), area);
    let width = (inner.width as usize).saturating_sub(LABEL);
    let height = (inner.height as usize).saturating_sub(1);
    if width == 0 || height == 0 {
        return;
    }
    let rows = series.rows();
    let selected = model.cluster_row.min(rows.len().saturating_sub(1));
    let first = first_visible(selected, height);
    let mut lines: Vec<Line<'_>> = rows
        .iter()
        .enumerate()
        .skip(first)
        .take(height)
        .map(|(i, row)| row_line(series, *row, width, i == selected))
        .collect();
    lines.push(time_axis(0.0, series.to_s - series.from_s, LABEL, width));
    frame.render_widget(Paragraph::new(lines), inner);
}

/// One row: its label and a cell per column.
fn row_line(
    series: &ClusterSeries,
    row: ClusterRow,
    width: usize,
    selected: bool,
) -> Line<'static> {
    let (label, cells): (String, Vec<Span<'static>>) = match row {
        ClusterRow::Pool(p) => {
            let pool = &series.pools[p];
            let mean = pool.busy.iter().sum::<f32>() / pool.busy.len().max(1) as f32;
            let label = format!("{} {:.0}%", pool.name, 100.0 * mean);
            let cells = columns(&pool.busy, width)
                .into_iter()
                .map(|b| Span::styled(shade(b).to_string(), heat(b)))
                .collect();
            (label, cells)
        }
        ClusterRow::Events(p) => {
            let marks = &series.pools[p].marks;
            let n = marks.len();
            let cells = (0..width)
                .map(|c| {
                    let a = c * n / width;
                    let b = ((c + 1) * n / width).max(a + 1);
                    let m = marks_in(marks, a, b);
                    let style = match m.symbol() {
                        'F' | 'R' => Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
                        'P' => Style::new().fg(Color::Yellow),
                        _ => Style::new().fg(Color::Cyan),
                    };
                    Span::styled(m.symbol().to_string(), style)
                })
                .collect();
            ("  events".to_owned(), cells)
        }
        ClusterRow::Node(p, n) => {
            let pool = &series.pools[p];
            let busy = columns(&pool.node_busy[n], width);
            let down = columns(&pool.node_down[n], width);
            let cells = busy
                .into_iter()
                .zip(down)
                .map(|(b, d)| {
                    if d > 0.5 {
                        Span::styled("x", Style::new().fg(Color::Magenta))
                    } else {
                        Span::styled(shade(b).to_string(), heat(b))
                    }
                })
                .collect();
            (format!("  {} {n}", pool.name), cells)
        }
    };
    let mut label = Span::from(padded(&label, LABEL - 1) + " ");
    if matches!(row, ClusterRow::Pool(_)) {
        label = label.bold();
    }
    if selected {
        label = label.add_modifier(Modifier::REVERSED);
    }
    let mut spans = vec![label];
    spans.extend(cells);
    Line::from(spans)
}

fn queue_chart(series: &ClusterSeries, frame: &mut Frame, area: Rect) {
    let peak = series.queue.iter().copied().fold(0.0, f64::max);
    let mean = series.queue.iter().sum::<f64>() / series.queue.len().max(1) as f64;
    let title = format!(
        "Queue: jobs waiting over the same time (mean {mean:.1}, peak {})",
        thousands(peak)
    );
    let inner = block(&title).inner(area);
    frame.render_widget(block(&title), area);
    let [label, chart] =
        Layout::horizontal([Constraint::Length(LABEL as u16), Constraint::Min(0)]).areas(inner);
    let values: Vec<f32> = series.queue.iter().map(|&q| q as f32).collect();
    let data: Vec<u64> = columns(&values, chart.width as usize)
        .into_iter()
        .map(|q| q.round() as u64)
        .collect();
    frame.render_widget(Paragraph::new("jobs waiting").dim(), label);
    frame.render_widget(
        Sparkline::default()
            .data(&data)
            .style(Style::new().fg(Color::Yellow)),
        chart,
    );
}

fn legend_line() -> Line<'static> {
    Line::from(vec![
        Span::from(" · idle ").dim(),
        Span::from("░▒▓█").fg(Color::Yellow),
        Span::from(" busy by quarter  "),
        Span::from("x").fg(Color::Magenta),
        Span::from(" down  "),
        Span::from("F").fg(Color::Red),
        Span::from(" failure "),
        Span::from("R").fg(Color::Red),
        Span::from(" revoked "),
        Span::from("P").fg(Color::Yellow),
        Span::from(" preempted "),
        Span::from("+/-").fg(Color::Cyan),
        Span::from(" scaled"),
    ])
}

/// The colour of a busy share: grey when idle, green to red as it fills.
fn heat(busy: f32) -> Style {
    let c = if busy <= 0.001 {
        Color::DarkGray
    } else if busy <= 0.25 {
        Color::Green
    } else if busy <= 0.5 {
        Color::Yellow
    } else if busy <= 0.75 {
        Color::LightRed
    } else {
        Color::Red
    };
    Style::new().fg(c)
}
