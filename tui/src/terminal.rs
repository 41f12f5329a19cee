//! The real terminal: raw mode and the alternate screen on entry, restored
//! on every way out — normal return, error, SIGTERM, SIGHUP and SIGQUIT
//! (the guard's `Drop`; the runtime turns the signals into a return) and panic
//! (the hook `ratatui::try_init` installs, which restores before the
//! default hook prints the message).

use ratatui::DefaultTerminal;

/// Owns the terminal while the dashboard runs; dropping it restores the
/// terminal.
pub struct TerminalGuard {
    /// The terminal to draw on.
    pub terminal: DefaultTerminal,
}

impl TerminalGuard {
    /// Enters raw mode and the alternate screen.
    pub fn enter() -> std::io::Result<Self> {
        let terminal = ratatui::try_init()?;
        Ok(TerminalGuard { terminal })
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        ratatui::restore();
    }
}
