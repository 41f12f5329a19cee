//! What can happen to the dashboard ([`Message`]) and what it asks the
//! runtime to do in return ([`Effect`]).

use crate::sim_output::SimOutput;
use crate::tab::Tab;
use cirrus_sim::cluster::Progress;
use cirrus_sim::planner::Objective;
use cirrus_sim::scenario::{Problem, Scenario};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Identifies one background run, so late messages from a cancelled or
/// superseded run are recognised and ignored.
pub type RunId = u64;

/// Everything [`crate::update`] reacts to: the user's intents (already
/// translated from keys by [`crate::keys`]) and reports from background
/// tasks.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Message {
    /// Show the next tab.
    NextTab,
    /// Show the previous tab.
    PrevTab,
    /// Show this tab.
    ShowTab(Tab),
    /// Show or hide the key list.
    ToggleHelp,
    /// Leave the dashboard.
    Quit,
    /// Move the selection up by this many rows.
    Up(usize),
    /// Move the selection down by this many rows.
    Down(usize),
    /// Open what is selected (a scenario file) or typed (a path).
    Open,
    /// Start typing: a path on the Scenarios tab, a filter on the Queue tab.
    StartInput,
    /// A typed character.
    Input(char),
    /// Delete the last typed character.
    Backspace,
    /// Stop typing, or close the help, or cancel the running task.
    Escape,
    /// Cancel the running simulation or plan.
    Cancel,
    /// Run the loaded scenario's simulation again.
    Rerun,
    /// Run the planner on the loaded scenario's first job.
    RunPlan,
    /// Switch the planner's objective (time, cost).
    NextObjective,
    /// Sort the queue by its next column.
    NextSort,
    /// Reverse the queue's sort order.
    ReverseSort,
    /// Timeline: show half as much time.
    ZoomIn,
    /// Timeline: show twice as much time.
    ZoomOut,
    /// Timeline: move the window earlier by a quarter of its width.
    ScrollLeft,
    /// Timeline: move the window later by a quarter of its width.
    ScrollRight,
    /// Timeline: show the next job's step.
    NextJob,
    /// A what-if run finished.
    WhatIfDone {
        /// The run.
        run: RunId,
        /// Its results, or why it failed.
        result: Result<Arc<SimOutput>, String>,
    },
    /// Run the best plan on this machine's executor (`cirrus exec`).
    Execute,
    /// Lines of the followed run's events file.
    ExecEvents {
        /// The run.
        run: RunId,
        /// Each line, parsed, or why it could not be.
        events: Vec<Result<crate::exec::ExecEvent, String>>,
    },
    /// The followed run's process or file has ended.
    ExecStopped {
        /// The run.
        run: RunId,
        /// Why, when it failed.
        error: Option<String>,
    },
    /// Wall-clock time since the running task started (the runtime's
    /// clock; the model keeps no clock of its own).
    Tick(Duration),
    /// A scenario file was read and validated.
    Loaded {
        /// The file as named.
        path: PathBuf,
        /// The scenario, or why it could not be loaded.
        result: Result<Arc<Scenario>, LoadError>,
    },
    /// A running task reports how far it is.
    Progress {
        /// The run.
        run: RunId,
        /// What it is doing.
        phase: String,
        /// Where a cluster simulation stands, if it is one.
        cluster: Option<Progress>,
    },
    /// A simulation finished.
    Simulated {
        /// The run.
        run: RunId,
        /// Its results, or why it failed.
        result: Result<Arc<SimOutput>, String>,
    },
    /// A plan finished.
    Planned {
        /// The run.
        run: RunId,
        /// The planner's outcome, or why it failed.
        result: Result<Arc<cirrus_sim::planner::Outcome>, String>,
    },
    /// The queue's rows for a sort or filter, computed off the UI thread.
    QueueSorted {
        /// The request's number: only the latest request's rows are shown.
        generation: u64,
        /// Indexes of the shown jobs, in display order.
        rows: Vec<usize>,
    },
}

/// Why a scenario could not be loaded.
#[derive(Debug, Clone, PartialEq)]
pub enum LoadError {
    /// The file could not be read.
    Io(String),
    /// The file is not a valid scenario: every problem, with its line.
    Invalid(Vec<Problem>),
}

/// Work the runtime does for [`crate::update`]: everything that touches the
/// file system, threads or the clock.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Effect {
    /// Read and validate a scenario file.
    Load(PathBuf),
    /// Simulate a scenario in the background.
    Simulate {
        /// The run's id.
        run: RunId,
        /// What to simulate.
        scenario: Arc<Scenario>,
    },
    /// Plan a scenario's first job in the background.
    Plan {
        /// The run's id.
        run: RunId,
        /// What to plan.
        scenario: Arc<Scenario>,
        /// What to optimise.
        objective: Objective,
    },
    /// Ask a running task to stop.
    Cancel(RunId),
    /// Simulate the scenario file with some keys changed.
    WhatIf {
        /// The run's id.
        run: RunId,
        /// The scenario file.
        path: PathBuf,
        /// `(dotted key, value)` to write into it.
        edits: Vec<(String, String)>,
    },
    /// Run a plan with `cirrus exec` and follow its events.
    Execute {
        /// The run's id.
        run: RunId,
        /// The Plan file (format 1) to run.
        plan_json: String,
    },
    /// Sort and filter the queue's jobs off the UI thread; the rows come
    /// back as [`Message::QueueSorted`]. A newer request supersedes an
    /// older one not yet started.
    SortQueue {
        /// The request's number.
        generation: u64,
        /// The results whose jobs are sorted.
        sim: Arc<SimOutput>,
        /// The sort column, order and filter.
        order: crate::queue::Order,
    },
    /// Follow the events file of a run started elsewhere.
    Follow {
        /// The run's id.
        run: RunId,
        /// The events file.
        path: PathBuf,
    },
}
