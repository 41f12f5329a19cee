//! The What-if tab: the scenario's main knobs (node counts, device types,
//! failure and revocation rates, scheduling policy, parallel degrees) with
//! their baseline and what-if values, and the what-if run's figures beside
//! the baseline's with the differences.

use super::{block, first_visible, placeholder};
use crate::model::Model;
use crate::whatif::{Unit, figures};
use cirrus_sim::human::{fine_duration, thousands};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style, Stylize};
use ratatui::text::Line;
use ratatui::widgets::{Cell, Paragraph, Row, Table, Wrap};

/// Draws the tab.
pub fn render(model: &Model, frame: &mut Frame, area: Rect) {
    if model.loaded.is_none() {
        placeholder(
            frame,
            area,
            "What-if",
            vec![Line::from(
                "No scenario loaded: pick one on the Scenarios tab (1), then change its knobs here.",
            )],
        );
        return;
    }
    let w = &model.whatif;
    let knob_rows = (w.knobs.len() as u16 + 3).min(area.height / 2).max(5);
    let [knobs, compare] =
        Layout::vertical([Constraint::Length(knob_rows), Constraint::Min(4)]).areas(area);
    knob_table(model, frame, knobs);
    comparison(model, frame, compare);
}

fn knob_table(model: &Model, frame: &mut Frame, area: Rect) {
    let w = &model.whatif;
    let title = "Knobs (↑/↓ pick, ←/→ change, Backspace resets, Enter runs)";
    let height = area.height.saturating_sub(3) as usize;
    let first = first_visible(w.selected, height);
    // The key column only where there is room for it.
    let with_key = area.width >= 110;
    let rows = w.knobs.iter().enumerate().skip(first).map(|(i, k)| {
        let mut style = Style::new();
        if k.changed() {
            style = style.fg(Color::Yellow).add_modifier(Modifier::BOLD);
        }
        let mut cells = vec![
            Cell::from(k.label.clone()),
            Cell::from(k.base.clone()),
            Cell::from(k.value.clone()).style(style),
        ];
        if with_key {
            cells.push(Cell::from(k.key.clone()).dim());
        }
        let row = Row::new(cells);
        if i == w.selected {
            row.add_modifier(Modifier::REVERSED)
        } else {
            row
        }
    });
    let mut widths = vec![
        Constraint::Fill(3),
        Constraint::Fill(2),
        Constraint::Fill(2),
    ];
    let mut titles = vec!["knob", "baseline", "what-if"];
    if with_key {
        widths.push(Constraint::Fill(3));
        titles.push("key");
    }
    let header = Row::new(titles.into_iter().map(|h| Cell::from(h).bold()));
    frame.render_widget(
        Table::new(rows, widths).header(header).block(block(title)),
        area,
    );
}

fn comparison(model: &Model, frame: &mut Frame, area: Rect) {
    let w = &model.whatif;
    if let Some(e) = &w.error {
        frame.render_widget(
            Paragraph::new(Line::from(e.as_str()).fg(Color::Red))
                .block(block("The what-if failed"))
                .wrap(Wrap { trim: false }),
            area,
        );
        return;
    }
    let (Some(base), Some(what)) = (model.sim.as_deref(), w.result.as_deref()) else {
        let text = if w.running.is_some() {
            "Simulating the what-if… (c cancels)"
        } else if model.sim.is_none() {
            "The baseline has not been simulated yet (r runs it)."
        } else {
            "Change knobs with ←/→ and press Enter: the what-if runs in the background and its figures appear here beside the baseline's."
        };
        placeholder(frame, area, "Baseline vs what-if", vec![Line::from(text)]);
        return;
    };
    let ran = w
        .ran
        .iter()
        .map(|(k, v)| format!("{k} = {v}"))
        .collect::<Vec<_>>()
        .join(", ");
    let before = figures(base);
    let after = figures(what);
    let rows = before.iter().map(|(label, b, unit)| {
        let a = after
            .iter()
            .find(|(l, _, _)| l == label)
            .map(|&(_, a, _)| a);
        let (delta, pct, colour) = match a {
            Some(a) => {
                let d = a - b;
                let pct = if *b != 0.0 {
                    let p = 100.0 * d / b;
                    if p.abs() >= 100.0 {
                        format!("{p:+.0}%")
                    } else {
                        format!("{p:+.1}%")
                    }
                } else {
                    "-".to_owned()
                };
                let better = better(label, d);
                let colour = match better {
                    Some(true) => Color::Green,
                    Some(false) => Color::Red,
                    None => Color::Reset,
                };
                (signed(d, *unit), pct, colour)
            }
            None => ("-".to_owned(), "-".to_owned(), Color::Reset),
        };
        Row::new(vec![
            Cell::from(label.clone()),
            Cell::from(show(*b, *unit)),
            Cell::from(a.map_or("-".to_owned(), |a| show(a, *unit))),
            Cell::from(delta).style(Style::new().fg(colour)),
            Cell::from(pct).style(Style::new().fg(colour)),
        ])
    });
    let header =
        Row::new(["figure", "baseline", "what-if", "Δ", "Δ %"].map(|h| Cell::from(h).bold()));
    let widths = [
        Constraint::Fill(3),
        Constraint::Fill(2),
        Constraint::Fill(2),
        Constraint::Fill(2),
        Constraint::Fill(1),
    ];
    frame.render_widget(
        Table::new(rows, widths)
            .header(header)
            .block(block(&format!("Baseline vs what-if ({ran})"))),
        area,
    );
}

/// Whether a change `d` of the figure `label` is an improvement (`None`:
/// neither, or no change).
fn better(label: &str, d: f64) -> Option<bool> {
    if d.abs() < 1e-12 {
        return None;
    }
    let higher_is_better =
        label.ends_with("tokens/s") || label.ends_with("MFU") || label.ends_with("utilisation");
    Some((d > 0.0) == higher_is_better)
}

fn show(x: f64, unit: Unit) -> String {
    match unit {
        Unit::Seconds => fine_duration(x),
        Unit::Usd => format!("${}", thousands(x)),
        Unit::Share => format!("{:.1}%", 100.0 * x),
        Unit::Number => thousands(x),
    }
}

fn signed(d: f64, unit: Unit) -> String {
    let sign = if d < 0.0 { "-" } else { "+" };
    match unit {
        Unit::Share => format!("{sign}{:.1} pt", 100.0 * d.abs()),
        _ => format!("{sign}{}", show(d.abs(), unit)),
    }
}
