//! Drawing: a pure function of the [`Model`]. Each tab has its own module;
//! this one lays out the tab bar, the tab and the status line, and the help
//! over everything when it is open.

mod help;
mod overview;
mod plan;
mod queue;
mod scenarios;

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
        Tab::Queue => queue::render(model, frame, body),
        Tab::Plan => plan::render(model, frame, body),
    }
    status_line(model, frame, status);
    if model.help {
        help::render(frame, body);
    }
}

fn tab_bar(model: &Model, frame: &mut Frame, area: Rect) {
    let titles = Tab::ALL
        .iter()
        .enumerate()
        .map(|(i, t)| format!("{} {}", i + 1, t.title()));
    let tabs = Tabs::new(titles)
        .select(model.tab.index())
        .highlight_style(Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD))
        .divider("|");
    let [left, right] =
        Layout::horizontal([Constraint::Min(0), Constraint::Length(10)]).areas(area);
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
    fn money_and_time_read_like_the_cli() {
        assert_eq!(usd(Some(1562.2)), "$1,562");
        assert_eq!(usd(None), "-");
        assert_eq!(secs(Some(7200.0)), "2.0 h");
    }
}
