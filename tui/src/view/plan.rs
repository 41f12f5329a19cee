//! The Plan tab: the planner's best configuration, the Pareto front of
//! time against cost, and the per-node batch and learning-rate shares of
//! the highlighted plan.

use super::{block, first_visible, placeholder, secs, usd};
use crate::model::{Model, TaskKind};
use cirrus_sim::planner::{Candidate, Outcome, describe};
use cirrus_sim::scenario::Scenario;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style, Stylize};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Row, Table, Wrap};

/// Draws the tab.
pub fn render(model: &Model, frame: &mut Frame, area: Rect) {
    let Some(loaded) = &model.loaded else {
        placeholder(
            frame,
            area,
            "Plan",
            vec![Line::from(
                "No scenario loaded: pick one on the Scenarios tab (1).",
            )],
        );
        return;
    };
    let planning = model
        .task
        .as_ref()
        .is_some_and(|t| t.kind == TaskKind::Plan);
    let intro = format!(
        "objective: {} (o switches; p plans)",
        model.objective.name()
    );
    match (&model.plan, &model.plan_error) {
        _ if planning => placeholder(
            frame,
            area,
            "Plan",
            vec![Line::from(intro), Line::from("planning…")],
        ),
        (_, Some(e)) => placeholder(
            frame,
            area,
            "Plan",
            vec![Line::from(intro), Line::from(e.as_str()).fg(Color::Red)],
        ),
        (Some(p), None) => outcome(model, frame, area, &loaded.scenario, p),
        (None, None) => placeholder(
            frame,
            area,
            "Plan",
            vec![
                Line::from(intro),
                Line::from(
                    "Press p to search placements and parallel configurations for the first job.",
                ),
            ],
        ),
    }
}

fn outcome(model: &Model, frame: &mut Frame, area: Rect, s: &Scenario, o: &Outcome) {
    let [head, body] = Layout::vertical([Constraint::Length(5), Constraint::Min(0)]).areas(area);
    let best = &o.best;
    let lines = vec![
        Line::from(describe(s, &best.placement, &best.parallelism)).bold(),
        Line::from(format!(
            "step {:.3} s · to train {} · cost {} · ${:.2}/h",
            best.result.step_time_s,
            secs(best.result.time_to_train_s),
            usd(best.result.cost_usd),
            best.usd_per_hour,
        )),
        Line::from(format!(
            "objective {} (o switches; p plans again) · {} of {} candidates fit",
            model.objective.name(),
            o.feasible,
            o.considered
        ))
        .dim(),
    ];
    frame.render_widget(
        Paragraph::new(lines)
            .block(block("Best plan"))
            .wrap(Wrap { trim: true }),
        head,
    );
    // Side by side when there is room, else the shares under the front.
    let [front, shares] = if body.width >= 120 {
        Layout::horizontal([Constraint::Percentage(60), Constraint::Percentage(40)]).areas(body)
    } else {
        let rows = best.result.shares.len().min(6) as u16 + 3;
        Layout::vertical([Constraint::Min(4), Constraint::Length(rows)]).areas(body)
    };
    pareto(model, frame, front, s, &o.pareto);
    let chosen = o.pareto.get(model.selected_plan).unwrap_or(best);
    node_shares(frame, shares, chosen);
}

fn pareto(model: &Model, frame: &mut Frame, area: Rect, s: &Scenario, front: &[Candidate]) {
    let height = usize::from(area.height.saturating_sub(3));
    let first = first_visible(model.selected_plan, height);
    let rows = front
        .iter()
        .enumerate()
        .skip(first)
        .take(height)
        .map(|(i, c)| {
            let p = &c.parallelism;
            let row = Row::new([
                format!("{} {}", placement(s, c), p.mesh.label(" ", "")),
                c.result.devices.to_string(),
                format!("{:.2}", c.result.step_time_s),
                secs(c.result.time_to_train_s),
                match c.result.cost_usd {
                    Some(_) => usd(c.result.cost_usd),
                    None => format!("${:.0}/h", c.usd_per_hour),
                },
            ]);
            if i == model.selected_plan {
                row.style(Style::new().add_modifier(Modifier::REVERSED))
            } else {
                row
            }
        });
    let header = Row::new(["config", "dev", "step s", "to train", "cost"])
        .style(Style::new().add_modifier(Modifier::BOLD));
    let widths = [
        Constraint::Min(20),
        Constraint::Length(6),
        Constraint::Length(7),
        Constraint::Length(10),
        Constraint::Length(11),
    ];
    let title = format!("Pareto front: time vs cost ({})", front.len());
    frame.render_widget(
        Table::new(rows, widths).header(header).block(block(&title)),
        area,
    );
}

/// Nodes per pool, short: `1a100+1h100`.
fn placement(s: &Scenario, c: &Candidate) -> String {
    c.placement
        .pools
        .iter()
        .map(|&(pool, nodes)| {
            let name = s.pools.get(pool).map_or("?", |p| p.name.as_str());
            format!("{nodes}{name}")
        })
        .collect::<Vec<_>>()
        .join("+")
}

fn node_shares(frame: &mut Frame, area: Rect, c: &Candidate) {
    let height = usize::from(area.height.saturating_sub(3));
    let rows = c.result.shares.iter().take(height).map(|n| {
        Row::new([
            n.pool.clone(),
            n.node.to_string(),
            format!("{:.4}", n.batch_share),
            format!("{:.4}", n.lr_share),
        ])
    });
    let header =
        Row::new(["pool", "node", "batch", "lr"]).style(Style::new().add_modifier(Modifier::BOLD));
    let widths = [
        Constraint::Min(6),
        Constraint::Length(5),
        Constraint::Length(7),
        Constraint::Length(7),
    ];
    let more = c.result.shares.len().saturating_sub(height);
    let title = if more > 0 {
        format!("Per-node shares (+{more} more)")
    } else {
        "Per-node shares".to_owned()
    };
    frame.render_widget(
        Table::new(rows, widths).header(header).block(block(&title)),
        area,
    );
}
