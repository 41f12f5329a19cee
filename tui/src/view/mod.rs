//! Drawing: a pure function of the [`Model`]. Each tab has its own module;
//! this one lays out the tab bar, the tab and the status line, and the help
//! over everything when it is open.

mod cluster;
mod executor;
mod help;
mod overview;
mod plan;
mod queue;
mod scenarios;
mod timeline;
mod whatif;

use crate::model::{Input, Model, Tab, TaskKind};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Tabs};

/// Draws `model` on `frame`.
pub fn view(model: &Model, frame: &mut Frame) {
    let [bar, body, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(1),
    ])
    .areas(frame.area());
    tab_bar(model, frame, bar);
    match model.tab {
        Tab::Scenarios => scenarios::render(model, frame, body),
        Tab::Overview => overview::render(model, frame, body),
        Tab::Cluster => cluster::render(model, frame, body),
        Tab::Queue => queue::render(model, frame, body),
        Tab::Timeline => timeline::render(model, frame, body),
        Tab::Plan => plan::render(model, frame, body),
        Tab::WhatIf => whatif::render(model, frame, body),
        Tab::Executor => executor::render(model, frame, body),
    }
    status_line(model, frame, status);
    if model.help {
        help::render(frame, body);
    }
}

/// Width from which the tab bar has room for padded titles and "? help".
const ROOMY: u16 = 110;

fn tab_bar(model: &Model, frame: &mut Frame, area: Rect) {
    let titles = Tab::ALL
        .iter()
        .enumerate()
        .map(|(i, t)| format!("{} {}", i + 1, t.title()));
    let roomy = area.width >= ROOMY;
    let mut tabs = Tabs::new(titles)
        .select(model.tab.index())
        .highlight_style(Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD))
        .divider("|");
    if !roomy {
        // Eight titles fit 80 columns only without padding.
        tabs = tabs.padding("", "");
    }
    let help = if roomy { 10 } else { 0 };
    let [left, right] =
        Layout::horizontal([Constraint::Min(0), Constraint::Length(help)]).areas(area);
    frame.render_widget(tabs, left);
    frame.render_widget(Line::from("? help").right_aligned().dim(), right);
}

fn status_line(model: &Model, frame: &mut Frame, area: Rect) {
    let line = match (&model.input, &model.task) {
        (Some(Input::Path(text)), _) => Line::from(vec![
            Span::from("open: ").bold(),
            Span::from(format!("{text}_")),
            Span::from("   (Enter opens, Esc stops)").dim(),
        ]),
        (Some(Input::Filter), _) => Line::from(vec![
            Span::from("filter: ").bold(),
            Span::from(format!("{}_", model.queue.filter)),
            Span::from("   (Enter or Esc ends typing)").dim(),
        ]),
        (None, Some(t)) => {
            let what = match t.kind {
                TaskKind::Simulate => "simulating",
                TaskKind::Plan => "planning",
            };
            Line::from(vec![
                Span::from(format!("{what}: {} ", t.phase)).fg(Color::Yellow),
                Span::from(format!("({:.1} s)", t.elapsed.as_secs_f64())),
                Span::from("   c cancels").dim(),
            ])
        }
        (None, None) => Line::from(model.status.as_str()),
    };
    frame.render_widget(Paragraph::new(line), area);
}

/// A bordered block titled `title`.
fn block(title: &str) -> Block<'_> {
    Block::bordered().title(Line::from(title).bold())
}

/// A centred message for a tab with nothing to show yet.
fn placeholder(frame: &mut Frame, area: Rect, title: &str, lines: Vec<Line<'_>>) {
    frame.render_widget(
        Paragraph::new(lines)
            .block(block(title))
            .wrap(ratatui::widgets::Wrap { trim: false }),
        area,
    );
}

/// The first row index to draw so that `selected` is visible in `height` rows.
fn first_visible(selected: usize, height: usize) -> usize {
    if height == 0 {
        0
    } else {
        selected.saturating_sub(height - 1)
    }
}

/// `s` cut or padded with spaces to `n` characters.
fn padded(s: &str, n: usize) -> String {
    let mut out: String = s.chars().take(n).collect();
    let len = out.chars().count();
    out.extend(std::iter::repeat_n(' ', n - len));
    out
}

/// A time axis under a chart whose rows start with `label` columns of
/// labels and have `width` columns of time from `t0` to `t1` (seconds):
/// the start, middle and end.
fn time_axis(t0: f64, t1: f64, label: usize, width: usize) -> Line<'static> {
    use cirrus_sim::human::fine_duration;
    let (l, m, r) = (
        fine_duration(t0),
        fine_duration((t0 + t1) / 2.0),
        fine_duration(t1),
    );
    let mut text = " ".repeat(label + width);
    let put = |text: &mut String, at: usize, s: &str| {
        let at = at.min(text.len().saturating_sub(s.len()));
        text.replace_range(at..at + s.len(), s);
    };
    put(&mut text, label, &l);
    put(
        &mut text,
        (label + width / 2).saturating_sub(m.len() / 2),
        &m,
    );
    put(&mut text, (label + width).saturating_sub(r.len()), &r);
    Line::from(text).dim()
}

/// A number of seconds as `cirrus simulate` prints durations, or `-`.
fn secs(x: Option<f64>) -> String {
    x.map_or_else(|| "-".to_owned(), cirrus_sim::human::duration)
}

/// A dollar amount with thousands separators, or `-`.
fn usd(x: Option<f64>) -> String {
    x.map_or_else(
        || "-".to_owned(),
        |c| format!("${}", cirrus_sim::human::thousands(c)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_visible_keeps_the_selection_on_screen() {
        assert_eq!(first_visible(0, 10), 0);
        assert_eq!(first_visible(9, 10), 0);
        assert_eq!(first_visible(10, 10), 1);
        assert_eq!(first_visible(5, 0), 0);
    }

    #[test]
    fn axis_and_labels_line_up() {
        assert_eq!(padded("pool-long-name", 4), "pool");
        assert_eq!(padded("ab", 4), "ab  ");
        let axis = time_axis(0.0, 0.002, 4, 30).to_string();
        assert_eq!(axis.chars().count(), 34);
        assert!(axis.starts_with("    0 s "), "{axis}");
        assert!(axis.ends_with("2.0 ms"), "{axis}");
        assert!(axis.contains(" 1.0 ms "), "{axis}");
    }

    #[test]
    fn money_and_time_read_like_the_cli() {
        assert_eq!(usd(Some(1562.2)), "$1,562");
        assert_eq!(usd(None), "-");
        assert_eq!(secs(Some(7200.0)), "2.0 h");
    }
}
