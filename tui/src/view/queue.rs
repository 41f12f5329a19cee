//! The Queue tab: a cluster simulation's jobs, one row each, in the sort
//! order and filter of [`crate::queue::QueueView`]. Only the rows on
//! screen are built.

use super::{block, first_visible, placeholder};
use crate::model::Model;
use crate::queue::{SortKey, jct_s, state, wait_s};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Row, Table};

/// A number of seconds with one decimal, or `-`.
fn s1(x: Option<f64>) -> String {
    x.map_or_else(|| "-".to_owned(), |v| format!("{v:.1}"))
}

/// Draws the tab.
pub fn render(model: &Model, frame: &mut Frame, area: Rect) {
    let Some(outcome) = model.cluster() else {
        placeholder(
            frame,
            area,
            "Queue",
            vec![Line::from(
                "No cluster run: load a scenario with a [workload] (e.g. gavel-replay.toml).",
            )],
        );
        return;
    };
    let q = &model.queue;
    let arrow = if q.descending { " ▼" } else { " ▲" };
    let heading = |k: SortKey, label: &str| {
        if q.sort == k {
            format!("{label}{arrow}")
        } else {
            label.to_owned()
        }
    };
    let header = Row::new([
        heading(SortKey::Id, "job"),
        heading(SortKey::Arrival, "arrival s"),
        "start s".to_owned(),
        heading(SortKey::Wait, "wait s"),
        heading(SortKey::Jct, "JCT s"),
        heading(SortKey::Devices, "dev"),
        heading(SortKey::Pool, "pool"),
        "preempt".to_owned(),
        "state".to_owned(),
    ])
    .style(Style::new().add_modifier(Modifier::BOLD));
    // Borders and the header take three rows.
    let height = usize::from(area.height.saturating_sub(3));
    let first = first_visible(q.selected, height);
    let rows = q
        .rows
        .iter()
        .enumerate()
        .skip(first)
        .take(height)
        .map(|(i, &j)| {
            let r = &outcome.jobs[j];
            let row = Row::new([
                r.id.clone(),
                format!("{:.1}", r.arrival_s),
                s1(r.start_s),
                s1(wait_s(r)),
                s1(jct_s(r)),
                format!("{}", r.devices),
                r.pool.clone().unwrap_or_else(|| "-".to_owned()),
                r.preemptions.to_string(),
                state(r).to_owned(),
            ]);
            if i == q.selected {
                row.style(Style::new().add_modifier(Modifier::REVERSED))
            } else {
                row
            }
        });
    let widths = [
        Constraint::Min(6),
        Constraint::Length(10),
        Constraint::Length(10),
        Constraint::Length(9),
        Constraint::Length(10),
        Constraint::Length(4),
        Constraint::Length(8),
        Constraint::Length(7),
        Constraint::Length(10),
    ];
    let filter = if q.filter.is_empty() {
        String::new()
    } else {
        format!(", filter \"{}\"", q.filter)
    };
    let sorting = if q.sorting { ", sorting…" } else { "" };
    let title = format!(
        "Jobs: {} of {} shown{filter}{sorting} (s sorts, S reverses, / filters)",
        q.rows.len(),
        outcome.jobs.len()
    );
    frame.render_widget(
        Table::new(rows, widths)
            .header(header)
            .block(block(&title))
            .column_spacing(1),
        area,
    );
}
