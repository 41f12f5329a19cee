//! Keys: the one list shown by `?` (and in docs/commands/tui.md), and the mapping
//! from a key press to a [`Message`], which depends on whether the user is
//! typing.

use crate::message::Message;
use crate::model::{Model, Tab};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

/// Rows a page key moves.
pub const PAGE: usize = 10;

/// Every key and what it does, as `?` lists them.
pub const KEYS: [(&str, &str); 20] = [
    ("Tab / Shift-Tab", "next / previous tab"),
    ("1-8", "go to tab 1-8"),
    ("?", "show / hide this list"),
    ("q / Ctrl-C", "quit"),
    ("Up / Down, k / j", "move the selection"),
    ("PgUp / PgDn", "move the selection by a page"),
    ("Home / End", "first / last row"),
    (
        "Enter",
        "open the scenario (Scenarios); run the what-if (What-if)",
    ),
    ("/", "type a path (Scenarios) or a filter (Queue)"),
    ("Esc", "stop typing, close help, or cancel the task"),
    ("c", "cancel the simulation, plan or executor run"),
    ("r", "run the simulation again"),
    ("p", "run the planner (Plan)"),
    ("o", "switch the planner's objective: time / cost"),
    ("x", "run the best plan on this machine (Plan)"),
    ("s / S", "sort the queue by the next column / reverse it"),
    ("+ / -", "zoom the timeline in / out"),
    (
        "Left / Right, h / l",
        "scroll the timeline; change a knob (What-if)",
    ),
    ("n", "show the next job's step (Timeline)"),
    (
        "Backspace",
        "delete a typed character; reset a knob (What-if)",
    ),
];

/// The message a key press means in `model`'s state, if any.
pub fn message_for(model: &Model, key: KeyEvent) -> Option<Message> {
    if key.kind == KeyEventKind::Release {
        return None;
    }
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    if ctrl && matches!(key.code, KeyCode::Char('c')) {
        return Some(Message::Quit);
    }
    if model.input.is_some() {
        return match key.code {
            KeyCode::Char(c) if !ctrl => Some(Message::Input(c)),
            KeyCode::Backspace => Some(Message::Backspace),
            KeyCode::Enter => Some(Message::Open),
            KeyCode::Esc => Some(Message::Escape),
            _ => None,
        };
    }
    let msg = match key.code {
        KeyCode::Tab => Message::NextTab,
        KeyCode::BackTab => Message::PrevTab,
        KeyCode::Char('?') => Message::ToggleHelp,
        KeyCode::Char('q') => Message::Quit,
        KeyCode::Char(d @ '1'..='9') => {
            let i = d.to_digit(10).unwrap_or(1) as usize;
            Message::ShowTab(*Tab::ALL.get(i.checked_sub(1)?)?)
        }
        KeyCode::Up | KeyCode::Char('k') => Message::Up(1),
        KeyCode::Down | KeyCode::Char('j') => Message::Down(1),
        KeyCode::PageUp => Message::Up(PAGE),
        KeyCode::PageDown => Message::Down(PAGE),
        KeyCode::Home => Message::Up(usize::MAX / 2),
        KeyCode::End => Message::Down(usize::MAX / 2),
        KeyCode::Enter => Message::Open,
        KeyCode::Char('/') => Message::StartInput,
        KeyCode::Esc => Message::Escape,
        KeyCode::Char('c') => Message::Cancel,
        KeyCode::Char('r') => Message::Rerun,
        KeyCode::Char('p') => Message::RunPlan,
        KeyCode::Char('o') => Message::NextObjective,
        KeyCode::Char('s') => Message::NextSort,
        KeyCode::Char('S') => Message::ReverseSort,
        KeyCode::Char('+' | '=') => Message::ZoomIn,
        KeyCode::Char('-') => Message::ZoomOut,
        KeyCode::Left | KeyCode::Char('h') => Message::ScrollLeft,
        KeyCode::Right | KeyCode::Char('l') => Message::ScrollRight,
        KeyCode::Char('n') => Message::NextJob,
        KeyCode::Char('x') => Message::Execute,
        _ => return None,
    };
    Some(msg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Input;

    fn press(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn commands_map_to_messages() {
        let m = Model::new(Vec::new());
        let cases = [
            (press(KeyCode::Tab), "NextTab"),
            (press(KeyCode::BackTab), "PrevTab"),
            (press(KeyCode::Char('q')), "Quit"),
            (press(KeyCode::Char('?')), "ToggleHelp"),
            (press(KeyCode::Char('4')), "ShowTab(Queue)"),
            (press(KeyCode::Char('8')), "ShowTab(Executor)"),
            (press(KeyCode::Char('+')), "ZoomIn"),
            (press(KeyCode::Left), "ScrollLeft"),
            (press(KeyCode::Char('j')), "Down(1)"),
            (press(KeyCode::PageUp), "Up(10)"),
            (press(KeyCode::Char('/')), "StartInput"),
            (press(KeyCode::Char('S')), "ReverseSort"),
            (
                KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL),
                "Quit",
            ),
        ];
        for (key, want) in cases {
            let got = message_for(&m, key).map(|msg| format!("{msg:?}"));
            assert_eq!(got.as_deref(), Some(want), "{key:?}");
        }
        assert!(message_for(&m, press(KeyCode::Char('9'))).is_none());
        assert!(message_for(&m, press(KeyCode::Char('y'))).is_none());
    }

    #[test]
    fn typing_takes_letters_literally_but_ctrl_c_still_quits() {
        let mut m = Model::new(Vec::new());
        m.input = Some(Input::Path(String::new()));
        let got = message_for(&m, press(KeyCode::Char('q')));
        assert!(matches!(got, Some(Message::Input('q'))));
        assert!(matches!(
            message_for(&m, press(KeyCode::Backspace)),
            Some(Message::Backspace)
        ));
        assert!(matches!(
            message_for(&m, KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
            Some(Message::Quit)
        ));
    }

    #[test]
    fn every_command_key_is_listed() {
        let listed: Vec<&str> = KEYS
            .iter()
            .flat_map(|(k, _)| k.split(" / "))
            .flat_map(|k| k.split(", "))
            .collect();
        for key in [
            "Tab",
            "Shift-Tab",
            "?",
            "q",
            "Ctrl-C",
            "Enter",
            "/",
            "Esc",
            "c",
            "r",
            "p",
            "o",
            "s",
            "S",
            "PgUp",
            "Home",
            "Backspace",
            "k",
            "j",
            "+",
            "-",
            "Left",
            "Right",
            "h",
            "l",
            "n",
            "x",
        ] {
            assert!(listed.contains(&key), "{key} in {listed:?}");
        }
    }
}
