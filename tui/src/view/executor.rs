//! The Executor tab: a plan running for real (`x` starts the best plan
//! with `cirrus exec`; `cirrus tui --exec FILE` follows a run started
//! elsewhere): steps done, each worker's step times and where its last step
//! went, and the training and validation loss curves.

use super::{block, placeholder};
use crate::exec::ExecView;
use crate::model::Model;
use cirrus_sim::human::fine_duration;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style, Stylize};
use ratatui::symbols::Marker;
use ratatui::text::Line;
use ratatui::widgets::{Axis, Cell, Chart, Dataset, Gauge, GraphType, Row, Table};

/// Draws the tab.
pub fn render(model: &Model, frame: &mut Frame, area: Rect) {
    let Some(run) = &model.exec else {
        placeholder(
            frame,
            area,
            "Executor",
            vec![
                Line::from("No run yet."),
                Line::from(""),
                Line::from(
                    "Open a scenario for this machine's devices (e.g. scenarios/local-2-workers.toml), press p on the Plan tab, then x to run its best plan with cirrus exec: each worker's step times and the loss curve appear here as it trains.",
                ),
                Line::from(""),
                Line::from(
                    "Or follow a run started elsewhere: cirrus exec PLAN.json --events run.jsonl, then cirrus tui --exec run.jsonl.",
                ),
            ],
        );
        return;
    };
    let table_rows = (run.workers.len() as u16 + 3).min(10);
    let [top, table, chart] = Layout::vertical([
        Constraint::Length(3),
        Constraint::Length(table_rows),
        Constraint::Min(4),
    ])
    .areas(area);
    gauge(model, run, frame, top);
    workers(run, frame, table);
    losses(run, frame, chart);
}

fn gauge(model: &Model, run: &ExecView, frame: &mut Frame, area: Rect) {
    let step = run.step();
    let state = match (&run.ended, model.exec_run.is_some()) {
        (Some((true, _)), _) => "finished".to_owned(),
        (Some((false, why)), _) => format!("stopped: {why}"),
        (None, true) => "running (c stops it)".to_owned(),
        (None, false) => "not running".to_owned(),
    };
    let label = format!(
        "step {step}/{} · {} worker(s) · {state}",
        run.steps,
        run.workers.len()
    );
    let ratio = if run.steps > 0 {
        (step as f64 / run.steps as f64).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let colour = match &run.ended {
        Some((false, _)) => Color::Red,
        _ => Color::Green,
    };
    let title = if run.job.is_empty() {
        format!("cirrus exec ({})", run.source)
    } else {
        format!("cirrus exec: job \"{}\" ({})", run.job, run.source)
    };
    frame.render_widget(
        Gauge::default()
            .block(block(&title))
            .gauge_style(Style::new().fg(colour))
            .ratio(ratio)
            .label(label),
        area,
    );
}

fn workers(run: &ExecView, frame: &mut Frame, area: Rect) {
    let header = Row::new(
        [
            "rank",
            "device",
            "steps",
            "last step",
            "median",
            "compute",
            "idle",
            "comm",
        ]
        .map(|h| Cell::from(h).bold()),
    );
    let rows = run.workers.iter().enumerate().map(|(rank, w)| {
        let last = w.step_s.last().copied().unwrap_or(0.0);
        let (compute, idle, comm) = w.last;
        let pct = |x: f64| {
            if last > 0.0 {
                format!("{:.0}%", 100.0 * x / last)
            } else {
                "-".to_owned()
            }
        };
        Row::new(vec![
            Cell::from(rank.to_string()),
            Cell::from(w.device.clone()),
            Cell::from(w.step_s.len().to_string()),
            Cell::from(fine_duration(last)),
            Cell::from(fine_duration(w.median_step_s())),
            Cell::from(pct(compute)),
            Cell::from(pct(idle)),
            Cell::from(pct(comm)),
        ])
    });
    let widths = [
        Constraint::Length(4),
        Constraint::Min(8),
        Constraint::Length(6),
        Constraint::Length(10),
        Constraint::Length(10),
        Constraint::Length(8),
        Constraint::Length(6),
        Constraint::Length(6),
    ];
    frame.render_widget(
        Table::new(rows, widths)
            .header(header)
            .block(block("Workers (times of their last step; shares of it)")),
        area,
    );
}

fn losses(run: &ExecView, frame: &mut Frame, area: Rect) {
    let train: Vec<(f64, f64)> = run
        .losses
        .iter()
        .map(|&(s, l)| (s as f64, f64::from(l)))
        .collect();
    let val: Vec<(f64, f64)> = run
        .val_losses
        .iter()
        .map(|&(s, l)| (s as f64, f64::from(l)))
        .collect();
    let all = train.iter().chain(&val).map(|p| p.1);
    let (lo, hi) = all.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), y| {
        (a.min(y), b.max(y))
    });
    let (lo, hi) = if lo.is_finite() {
        (lo.min(hi - 0.1).max(0.0), hi)
    } else {
        (0.0, 1.0)
    };
    let x_max = (run.steps.max(run.step()) as f64).max(1.0);
    let title = match (train.last(), val.last()) {
        (Some(t), Some(v)) => format!("Loss: training {:.3}, validation {:.3}", t.1, v.1),
        (Some(t), None) => format!("Loss: training {:.3}", t.1),
        _ => "Loss".to_owned(),
    };
    let datasets = vec![
        Dataset::default()
            .name("training")
            .marker(Marker::Braille)
            .graph_type(GraphType::Line)
            .style(Style::new().fg(Color::Cyan))
            .data(&train),
        Dataset::default()
            .name("validation")
            .marker(Marker::Dot)
            .graph_type(GraphType::Scatter)
            .style(Style::new().fg(Color::Yellow))
            .data(&val),
    ];
    let chart = Chart::new(datasets)
        .block(block(&title))
        .x_axis(
            Axis::default()
                .title("step")
                .bounds([0.0, x_max])
                .labels(["0".to_owned(), format!("{}", x_max as u64)]),
        )
        .y_axis(
            Axis::default()
                .bounds([lo, hi])
                .labels([format!("{lo:.2}"), format!("{hi:.2}")]),
        );
    frame.render_widget(chart, area);
}
