//! The Overview tab: progress of the running simulation, then the results:
//! per job step time, tokens/s, MFU, memory, time to train and cost (and
//! where a step's time goes), or a cluster run's summary.

use super::{block, placeholder, secs, usd};
use crate::model::{Model, TaskKind};
use crate::tasks::SimOutput;
use cirrus_sim::cluster::Outcome;
use cirrus_sim::human::thousands;
use cirrus_sim::result::JobResult;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style, Stylize};
use ratatui::text::Line;
use ratatui::widgets::{Cell, Gauge, Paragraph, Row, Table, Wrap};

/// Draws the tab.
pub fn render(model: &Model, frame: &mut Frame, area: Rect) {
    let Some(loaded) = &model.loaded else {
        placeholder(
            frame,
            area,
            "Overview",
            vec![Line::from(
                "No scenario loaded: pick one on the Scenarios tab (1).",
            )],
        );
        return;
    };
    let [top, body] = Layout::vertical([Constraint::Length(3), Constraint::Min(0)]).areas(area);
    let title = format!("{} (seed {})", loaded.scenario.name, loaded.scenario.seed);
    progress(model, frame, top, &title);
    if let Some(e) = &model.sim_error {
        frame.render_widget(
            Paragraph::new(Line::from(e.as_str()).fg(Color::Red))
                .block(block("Simulation failed"))
                .wrap(Wrap { trim: false }),
            body,
        );
        return;
    }
    match model.sim.as_deref() {
        Some(SimOutput::Steps { notes, result, .. }) => steps(frame, body, notes, &result.jobs),
        Some(SimOutput::Cluster {
            policy,
            outcome,
            series,
        }) => cluster(frame, body, policy, outcome, series.rejected),
        None => placeholder(frame, body, "Results", vec![Line::from("No results yet.")]),
    }
}

/// The gauge: jobs finished and simulated time for a cluster run; the
/// phase for a step simulation.
fn progress(model: &Model, frame: &mut Frame, area: Rect, title: &str) {
    let (ratio, label) = match &model.task {
        Some(t) if t.kind == TaskKind::Simulate => match &t.cluster {
            Some(p) => (
                p.fraction(),
                format!(
                    "{}/{} jobs done · simulated {} · {} running · {} queued",
                    p.jobs_done,
                    p.jobs_total,
                    cirrus_sim::human::duration(p.now_s),
                    p.running,
                    p.queued
                ),
            ),
            None => (0.0, t.phase.clone()),
        },
        _ => match model.sim.as_deref() {
            Some(SimOutput::Cluster { outcome, .. }) => (
                1.0,
                format!(
                    "done: {} jobs, {} events, makespan {}",
                    outcome.jobs.len(),
                    thousands(outcome.events as f64),
                    cirrus_sim::human::duration(outcome.result.makespan_s)
                ),
            ),
            Some(SimOutput::Steps { .. }) => (1.0, "done".to_owned()),
            None => (0.0, "not simulated (r runs it)".to_owned()),
        },
    };
    frame.render_widget(
        Gauge::default()
            .block(block(title))
            .gauge_style(Style::new().fg(Color::Green))
            .ratio(ratio.clamp(0.0, 1.0))
            .label(label),
        area,
    );
}

fn steps(frame: &mut Frame, area: Rect, notes: &[String], jobs: &[JobResult]) {
    let rows = jobs.len() as u16 + 3;
    let [table_area, rest] =
        Layout::vertical([Constraint::Length(rows), Constraint::Min(0)]).areas(area);
    let header = Row::new([
        "job",
        "devices",
        "step",
        "tokens/s",
        "MFU",
        "memory/dev",
        "to train",
        "cost",
    ])
    .style(Style::new().add_modifier(Modifier::BOLD));
    let body = jobs.iter().map(|j| {
        let memory = Cell::from(format!(
            "{:.1} GiB{}",
            j.memory_gib_per_device,
            if j.fits_memory { "" } else { " OOM" }
        ));
        Row::new([
            Cell::from(j.name.clone()),
            Cell::from(j.devices.to_string()),
            Cell::from(format!("{:.3} s", j.step_time_s)),
            Cell::from(thousands(j.tokens_per_s)),
            Cell::from(format!("{:.1}%", 100.0 * j.mfu)),
            if j.fits_memory {
                memory
            } else {
                memory.style(Style::new().fg(Color::Red))
            },
            Cell::from(secs(j.time_to_train_s)),
            Cell::from(usd(j.cost_usd)),
        ])
    });
    let widths = [
        Constraint::Fill(1),
        Constraint::Length(7),
        Constraint::Length(8),
        Constraint::Length(9),
        Constraint::Length(6),
        Constraint::Length(10),
        Constraint::Length(9),
        Constraint::Length(10),
    ];
    frame.render_widget(
        Table::new(body, widths).header(header).block(block("Jobs")),
        table_area,
    );
    let mut lines: Vec<Line<'_>> = notes.iter().map(|n| Line::from(n.as_str()).dim()).collect();
    if let Some(j) = jobs.first() {
        lines.push(Line::from(format!(
            "where {}'s {:.3} s step goes:",
            j.name, j.step_time_s
        )));
        let b = &j.breakdown_s;
        let total = b.total().max(f64::MIN_POSITIVE);
        let bar_width = usize::from(area.width.saturating_sub(40)).min(60);
        for (name, s) in b.labelled() {
            let share = s / total;
            let bar = "█".repeat((share * bar_width as f64).round() as usize);
            lines.push(Line::from(vec![
                format!("  {name:<18} {s:>8.3} s {:>5.1}% ", 100.0 * share).into(),
                bar.fg(Color::Cyan),
            ]));
        }
    }
    frame.render_widget(Paragraph::new(lines).block(block("Step")), rest);
}

fn cluster(frame: &mut Frame, area: Rect, policy: &str, o: &Outcome, rejected: usize) {
    let c = &o.result;
    let h = |s: f64| format!("{:.2} h", s / 3600.0);
    let mut lines = vec![
        Line::from(format!(
            "policy {policy}: {} of {} jobs completed ({rejected} rejected: fit no pool)",
            c.jobs_completed, c.jobs_submitted
        )),
        Line::from(format!(
            "job completion time  mean {}   p50 {}   p99 {}",
            h(c.avg_jct_s),
            h(c.p50_jct_s),
            h(c.p99_jct_s)
        )),
        Line::from(format!(
            "queueing delay       mean {}   makespan {}",
            h(c.avg_queue_s),
            h(c.makespan_s)
        )),
        Line::from(format!(
            "finish-time fairness rho mean {:.2}   worst {:.2}",
            c.avg_ftf_rho, c.max_ftf_rho
        )),
        Line::from(format!(
            "preemptions {}   node failures {}   work lost {:.1} device-h",
            c.preemptions,
            c.failures,
            c.lost_work_s / 3600.0
        )),
        Line::from(format!(
            "cost {}   energy {} kWh",
            usd(Some(c.cost_usd)),
            thousands(c.energy_kwh)
        )),
        Line::from(format!("utilisation {:.1}%", 100.0 * c.utilization)).bold(),
    ];
    let bar_width = usize::from(area.width.saturating_sub(50)).min(50);
    for p in &c.pools {
        let bar = "█".repeat((p.utilization.clamp(0.0, 1.0) * bar_width as f64).round() as usize);
        lines.push(Line::from(vec![
            format!(
                "  {:<10} {:>5.1}% of {:>8.0} device-h held ",
                p.name,
                100.0 * p.utilization,
                p.held_device_h
            )
            .into(),
            bar.fg(Color::Cyan),
        ]));
    }
    frame.render_widget(
        Paragraph::new(lines)
            .block(block("Cluster"))
            .wrap(Wrap { trim: false }),
        area,
    );
}
