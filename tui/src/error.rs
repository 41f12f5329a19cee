//! Why the dashboard stopped with an error.

use thiserror::Error;

/// Why the dashboard could not run or had to stop.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum TuiError {
    /// The terminal could not be set up, read or drawn on.
    #[error("use the terminal")]
    Terminal(#[from] std::io::Error),
    /// A background task died (it panicked); the terminal was restored
    /// before its message was printed.
    #[error("finish a background task: {0}")]
    Task(String),
    /// SIGTERM, SIGHUP or SIGQUIT ended the dashboard; the terminal was
    /// restored first.
    #[error("go on: stopped by {0}")]
    Signal(&'static str),
}

impl TuiError {
    /// The number of the signal that stopped the dashboard (POSIX numbers:
    /// SIGHUP 1, SIGQUIT 3, SIGTERM 15), if one did: the shell convention
    /// is to exit with 128 plus it.
    pub fn signal_number(&self) -> Option<u8> {
        match self {
            TuiError::Signal("SIGHUP") => Some(1),
            TuiError::Signal("SIGQUIT") => Some(3),
            TuiError::Signal(_) => Some(15),
            _ => None,
        }
    }
}
