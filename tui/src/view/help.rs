//! The `?` overlay: every key, from [`crate::keys::KEYS`].

use crate::keys::KEYS;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Stylize;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

/// Draws the key list centred over `area`.
pub fn render(frame: &mut Frame, area: Rect) {
    // " key " + description + borders, the keys in a column as wide as
    // the longest.
    let key_width = KEYS
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(16);
    let width = KEYS
        .iter()
        .map(|(_, d)| d.chars().count())
        .max()
        .unwrap_or(40)
        + key_width
        + 4;
    let width = width as u16;
    let height = KEYS.len() as u16 + 2;
    let popup = area.centered(Constraint::Length(width), Constraint::Length(height));
    let lines: Vec<Line<'_>> = KEYS
        .iter()
        .map(|(k, d)| {
            Line::from(vec![
                Span::from(format!(" {k:<key_width$} ")).bold(),
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
