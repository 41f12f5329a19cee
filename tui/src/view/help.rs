//! The `?` overlay: every key, from [`crate::keys::KEYS`].

use crate::keys::KEYS;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Stylize;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

/// Draws the key list centred over `area`.
pub fn render(frame: &mut Frame, area: Rect) {
    // " key (16 wide) " + description + borders.
    let width = KEYS
        .iter()
        .map(|(_, d)| d.chars().count())
        .max()
        .unwrap_or(40) as u16
        + 18
        + 2;
    let height = KEYS.len() as u16 + 2;
    let popup = area.centered(Constraint::Length(width), Constraint::Length(height));
    let lines: Vec<Line<'_>> = KEYS
        .iter()
        .map(|(k, d)| {
            Line::from(vec![
                Span::from(format!(" {k:<16} ")).bold(),
                Span::from(*d),
            ])
        })
        .collect();
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines).block(super::block("Keys (? or Esc closes)")),
        popup,
    );
}
