//! The dashboard's whole state. [`crate::update`] changes it; [`crate::view`]
//! draws it; nothing else touches it.

use crate::message::{LoadError, RunId};
use crate::queue::QueueView;
use crate::sim_output::SimOutput;
pub use crate::tab::Tab;
use cirrus_sim::cluster::Progress;
use cirrus_sim::planner::{Objective, Outcome};
use cirrus_sim::scenario::Scenario;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// What the user is typing, if anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// A scenario path to open (Scenarios tab).
    Path(String),
    /// A filter for the queue (Queue tab); applied as it is typed.
    Filter,
}

/// What a background task does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskKind {
    /// Simulating the loaded scenario.
    Simulate,
    /// Planning its first job.
    Plan,
}

/// The task running in the background.
#[derive(Debug, Clone, PartialEq)]
pub struct Task {
    /// Its id.
    pub run: RunId,
    /// What it does.
    pub kind: TaskKind,
    /// What it reported last.
    pub phase: String,
    /// Where a cluster simulation stands.
    pub cluster: Option<Progress>,
    /// Wall-clock time since it started (from the runtime's ticks).
    pub elapsed: Duration,
}

/// Where the Timeline tab looks: a window of the step (or of the run) and
/// the first row shown.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TimelineView {
    /// The window's start, as a fraction of the whole (0 = the start).
    pub start: f64,
    /// Zoom level: the window is 2^-zoom of the whole.
    pub zoom: u32,
    /// The highlighted row (a worker, or a node).
    pub row: usize,
    /// The job whose step is shown (step simulations).
    pub job: usize,
}

impl Default for TimelineView {
    fn default() -> Self {
        TimelineView {
            start: 0.0,
            zoom: 0,
            row: 0,
            job: 0,
        }
    }
}

impl TimelineView {
    /// Deepest zoom: a window of 2^-12 of the whole.
    pub const MAX_ZOOM: u32 = 12;

    /// The window's width as a fraction of the whole.
    pub fn width(&self) -> f64 {
        0.5f64.powi(self.zoom as i32)
    }

    /// The window as fractions of the whole: `(start, end)`.
    pub fn window(&self) -> (f64, f64) {
        (self.start, self.start + self.width())
    }
}

/// The scenario on screen.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The file as named.
    pub path: PathBuf,
    /// The validated scenario.
    pub scenario: Arc<Scenario>,
}

/// The dashboard's state.
#[derive(Debug, Clone)]
pub struct Model {
    /// The tab on screen.
    pub tab: Tab,
    /// Whether the key list is shown over the tab.
    pub help: bool,
    /// Set when the user asked to leave.
    pub quit: bool,
    /// Scenario files offered on the Scenarios tab.
    pub files: Vec<PathBuf>,
    /// The highlighted file.
    pub selected_file: usize,
    /// What is being typed.
    pub input: Option<Input>,
    /// The loaded scenario.
    pub loaded: Option<Loaded>,
    /// The last file that failed to load, and why.
    pub load_error: Option<(PathBuf, LoadError)>,
    /// The background task, while one runs.
    pub task: Option<Task>,
    /// The last simulation's results.
    pub sim: Option<Arc<SimOutput>>,
    /// Why the last simulation failed.
    pub sim_error: Option<String>,
    /// The last plan.
    pub plan: Option<Arc<Outcome>>,
    /// Why the last plan failed.
    pub plan_error: Option<String>,
    /// What the planner optimises.
    pub objective: Objective,
    /// The highlighted row of the Pareto front.
    pub selected_plan: usize,
    /// The Queue tab's table.
    pub queue: QueueView,
    /// The highlighted row of the Cluster tab's heat map.
    pub cluster_row: usize,
    /// The Timeline tab's window.
    pub timeline: TimelineView,
    /// The What-if tab's knobs and last run.
    pub whatif: crate::whatif::WhatIf,
    /// The executor run on the Executor tab.
    pub exec: Option<crate::exec::ExecView>,
    /// The id of the executor run being followed, while it is.
    pub exec_run: Option<RunId>,
    /// A one-line note at the bottom (what just happened).
    pub status: String,
    /// The id the next background task gets.
    pub next_run: RunId,
}

impl Model {
    /// A dashboard offering `files` on the Scenarios tab, nothing loaded.
    pub fn new(files: Vec<PathBuf>) -> Self {
        Model {
            tab: Tab::Scenarios,
            help: false,
            quit: false,
            files,
            selected_file: 0,
            input: None,
            loaded: None,
            load_error: None,
            task: None,
            sim: None,
            sim_error: None,
            plan: None,
            plan_error: None,
            objective: Objective::Time,
            selected_plan: 0,
            queue: QueueView::default(),
            cluster_row: 0,
            timeline: TimelineView::default(),
            whatif: Default::default(),
            exec: None,
            exec_run: None,
            status: "Enter opens the selected scenario; ? lists every key".to_owned(),
            next_run: 1,
        }
    }

    /// The cluster run's heat maps and schedules, if the last simulation
    /// was one.
    pub fn cluster_series(&self) -> Option<&crate::series::ClusterSeries> {
        match self.sim.as_deref() {
            Some(SimOutput::Cluster { series, .. }) => Some(series),
            _ => None,
        }
    }

    /// The step simulation the Timeline tab shows, if any.
    pub fn timeline_step(&self) -> Option<&cirrus_sim::stepsim::StepSimulation> {
        match self.sim.as_deref() {
            Some(SimOutput::Steps { steps, .. }) => steps.get(self.timeline.job),
            _ => None,
        }
    }

    /// Rows of the Timeline tab: the shown step's workers, or every node.
    pub fn timeline_rows(&self) -> usize {
        if let Some(step) = self.timeline_step() {
            return step.spans.iter().map(|s| s.worker + 1).max().unwrap_or(0);
        }
        self.cluster_series()
            .map_or(0, |s| s.pools.iter().map(|p| p.node_busy.len()).sum())
    }

    /// The cluster simulation's results, if the last simulation was one.
    pub fn cluster(&self) -> Option<&cirrus_sim::cluster::Outcome> {
        match self.sim.as_deref() {
            Some(SimOutput::Cluster { outcome, .. }) => Some(outcome),
            _ => None,
        }
    }
}
