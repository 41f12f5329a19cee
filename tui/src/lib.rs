//! Cirrus's dashboard: `cirrus tui [FILE]`, an interactive terminal
//! interface (ratatui on crossterm, driven by tokio) to pick a scenario,
//! watch its simulation, browse a cluster run's job queue, and plan.
//!
//! It follows the Elm architecture: a [`Model`] holds all state, [`update`]
//! turns a [`Message`] into a new state and [`Effect`]s (pure, unit-tested
//! for every message), and [`view`] draws the model (pure, snapshot-tested
//! on ratatui's `TestBackend`). The runtime executes effects on tokio's
//! blocking threads, so the interface never waits for a simulation, and a
//! running cluster simulation stops within a few thousand events of a
//! cancel. The dashboard never mutates simulator state: it reads results.
//!
//! ```text
//! keys ──keys::message_for──┐
//! ticks, Ctrl-C ────────────┼─► Message ──update──► Model ──view──► Frame
//! tasks (load, simulate, ───┘                 │
//!        plan: progress, results) ◄──Effect───┘
//! ```
//!
//! ```
//! use cirrus_tui::{Message, Model, Tab, update};
//!
//! let mut model = Model::new(vec!["scenarios/quickstart.toml".into()]);
//! let effects = update(&mut model, Message::Open);
//! assert_eq!(effects.len(), 1, "Enter asks the runtime to load the file");
//! update(&mut model, Message::NextTab);
//! assert_eq!(model.tab, Tab::Overview);
//! ```

mod error;
pub mod exec;
pub mod keys;
mod message;
mod model;
pub mod queue;
mod runtime;
pub mod series;
mod sim_output;
mod tab;
pub mod tasks;
mod terminal;
mod update;
mod view;
pub mod whatif;

pub use error::TuiError;
pub use message::{Effect, LoadError, Message, RunId};
pub use model::{Input, Loaded, Model, Tab, Task, TaskKind};
pub use runtime::{Options, run};
pub use update::{follow, update};
pub use view::view;
