//! The Scenarios tab: the bundled files on the left; on the right the
//! loaded scenario's summary, or every problem of a file that failed to
//! load, with its line.

use super::{block, first_visible};
use crate::message::LoadError;
use crate::model::Model;
use cirrus_sim::scenario::{Problem, Scenario};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{List, ListItem, Paragraph, Wrap};

/// Draws the tab.
pub fn render(model: &Model, frame: &mut Frame, area: Rect) {
    let [left, right] =
        Layout::horizontal([Constraint::Length(34), Constraint::Min(0)]).areas(area);
    files(model, frame, left);
    let (title, lines) = match (&model.load_error, &model.loaded) {
        (Some((path, LoadError::Io(e))), _) => {
            (file_name(path), vec![Line::from(e.as_str()).fg(Color::Red)])
        }
        (Some((path, LoadError::Invalid(problems))), _) => {
            (file_name(path), problem_lines(problems))
        }
        (None, Some(l)) => (file_name(&l.path), summary(&l.scenario)),
        (None, None) => (
            "Scenario".to_owned(),
            vec![
                Line::from("Pick a file and press Enter, or press / to type any path."),
                Line::from("Every problem of an invalid file is listed here with its line."),
            ],
        ),
    };
    frame.render_widget(
        Paragraph::new(lines)
            .block(block(&title))
            .wrap(Wrap { trim: false }),
        right,
    );
}

/// The last component of `path` (all of it if it has none).
fn file_name(path: &std::path::Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into(),
    )
}

fn files(model: &Model, frame: &mut Frame, area: Rect) {
    let height = area.height.saturating_sub(2) as usize;
    let first = first_visible(model.selected_file, height);
    let items: Vec<ListItem<'_>> = model
        .files
        .iter()
        .enumerate()
        .skip(first)
        .take(height)
        .map(|(i, f)| {
            let item = ListItem::new(format!(" {}", file_name(f)));
            if i == model.selected_file {
                item.style(Style::new().add_modifier(Modifier::REVERSED))
            } else {
                item
            }
        })
        .collect();
    let title = format!("scenarios/ ({})", model.files.len());
    frame.render_widget(List::new(items).block(block(&title)), area);
}

/// Each problem: position and key, message, the source line underlined,
/// and the hint.
fn problem_lines(problems: &[Problem]) -> Vec<Line<'static>> {
    let mut out = vec![
        Line::from(format!(
            "{} problem{}:",
            problems.len(),
            if problems.len() == 1 { "" } else { "s" }
        ))
        .fg(Color::Red)
        .bold(),
    ];
    for p in problems {
        let key = if p.key.is_empty() {
            String::new()
        } else {
            format!("`{}`: ", p.key)
        };
        out.push(Line::from(vec![
            Span::from(format!("line {}:{} ", p.line, p.column)).bold(),
            Span::from(format!("{key}{}", p.message)),
        ]));
        let gutter = p.line.to_string().len();
        out.push(
            Line::from(format!(
                "  {} | {}",
                p.line,
                cirrus_sim::text::escape(&p.excerpt)
            ))
            .dim(),
        );
        out.push(
            Line::from(format!(
                "  {:gutter$} | {}{}",
                "",
                " ".repeat(p.column.saturating_sub(1)),
                "^".repeat(p.underline.max(1))
            ))
            .fg(Color::Red),
        );
        if let Some(help) = &p.help {
            out.push(Line::from(format!("  help: {help}")).fg(Color::Cyan));
        }
    }
    out
}

/// Name, seed, pools, and the jobs or the workload.
fn summary(s: &Scenario) -> Vec<Line<'static>> {
    let mut out = vec![
        Line::from(vec![
            Span::from(s.name.clone()).bold(),
            Span::from(format!("  (seed {})", s.seed)),
        ]),
        Line::from(format!("{} pool(s):", s.pools.len())),
    ];
    for p in &s.pools {
        out.push(Line::from(format!(
            "  {:<10} {:<16} {:>4} × {} devices{}",
            p.name,
            p.device.id,
            p.nodes,
            p.devices_per_node,
            p.price_per_device_hour()
                .map_or_else(String::new, |c| format!("  ${c:.2}/device-h"))
        )));
    }
    match s.workload_summary() {
        Some(summary) => out.push(Line::from(format!("workload: {summary}"))),
        None => {
            for j in &s.jobs {
                out.push(Line::from(format!(
                    "job {}: {}, seq {}, batch {}, {}",
                    j.name, j.model_id, j.seq_len, j.global_batch, j.precision
                )));
            }
        }
    }
    out
}
