//! One test (at least) per message.

use super::*;
use crate::model::Input;
use crate::queue::SortKey;
use cirrus_sim::cluster::{JobRecord, Progress};
use cirrus_sim::scenario::{Problem, Scenario};
use std::path::PathBuf;
use std::sync::Arc;

const QUICK: &str = r#"
name = "tiny"
[[pool]]
name = "a100"
device = "a100-sxm4-80gb"
nodes = 1
[[job]]
name = "small"
model = "gpt3-125m"
seq_len = 2048
global_batch = 8
[job.parallelism]
tp = 1
pp = 1
"#;

fn scenario() -> Arc<Scenario> {
    Arc::new(cirrus_sim::scenario::parse(QUICK, "tiny.toml").unwrap_or_else(|d| panic!("{d}")))
}

fn files() -> Vec<PathBuf> {
    vec!["a.toml".into(), "b.toml".into(), "c.toml".into()]
}

/// A model with `tiny.toml` loaded and its simulation started (run 1).
fn loaded() -> Model {
    let mut m = Model::new(files());
    let fx = update(
        &mut m,
        Message::Loaded {
            path: "tiny.toml".into(),
            result: Ok(scenario()),
        },
    );
    assert!(matches!(fx.as_slice(), [Effect::Simulate { run: 1, .. }]));
    m
}

fn record(id: &str, arrival: f64) -> JobRecord {
    JobRecord {
        id: id.to_owned(),
        arrival_s: arrival,
        start_s: Some(arrival),
        end_s: Some(arrival + 10.0),
        devices: 1.0,
        busy_device_s: 10.0,
        preemptions: 0,
        restore_s: 0.0,
        failures: 0,
        lost_device_s: 0.0,
        rejected: None,
        pool: Some("v100".to_owned()),
        ftf_rho: None,
    }
}

fn empty_series() -> crate::series::ClusterSeries {
    crate::series::ClusterSeries {
        from_s: 0.0,
        to_s: 1.0,
        pools: Vec::new(),
        queue: Vec::new(),
        rejected: 0,
    }
}

fn cluster_output(jobs: Vec<JobRecord>) -> Arc<SimOutput> {
    Arc::new(SimOutput::Cluster {
        policy: "fifo".to_owned(),
        outcome: cirrus_sim::cluster::Outcome {
            schedule: Default::default(),
            result: cirrus_sim::result::ClusterResult::default(),
            jobs,
            usage: Vec::new(),
            events: 7,
        },
        series: empty_series(),
    })
}

#[test]
fn tabs_cycle_both_ways_and_jump() {
    let mut m = Model::new(files());
    update(&mut m, Message::NextTab);
    assert_eq!(m.tab, Tab::Overview);
    update(&mut m, Message::PrevTab);
    update(&mut m, Message::PrevTab);
    assert_eq!(m.tab, Tab::Executor, "wraps around");
    update(&mut m, Message::ShowTab(Tab::Queue));
    assert_eq!(m.tab, Tab::Queue);
}

#[test]
fn help_toggles_and_escape_closes_it() {
    let mut m = Model::new(files());
    update(&mut m, Message::ToggleHelp);
    assert!(m.help);
    update(&mut m, Message::ToggleHelp);
    assert!(!m.help);
    update(&mut m, Message::ToggleHelp);
    assert!(update(&mut m, Message::Escape).is_empty());
    assert!(!m.help);
}

#[test]
fn quit_cancels_the_running_task() {
    let mut m = loaded();
    let fx = update(&mut m, Message::Quit);
    assert!(m.quit);
    assert!(matches!(fx.as_slice(), [Effect::Cancel(1)]));
    assert!(m.task.is_none());
}

#[test]
fn up_and_down_stay_within_the_list() {
    let mut m = Model::new(files());
    update(&mut m, Message::Down(1));
    assert_eq!(m.selected_file, 1);
    update(&mut m, Message::Down(10));
    assert_eq!(m.selected_file, 2);
    update(&mut m, Message::Up(1));
    assert_eq!(m.selected_file, 1);
    update(&mut m, Message::Up(usize::MAX / 2));
    assert_eq!(m.selected_file, 0);
    // On the Overview there is nothing to select.
    update(&mut m, Message::ShowTab(Tab::Overview));
    update(&mut m, Message::Down(1));
    assert_eq!(m.selected_file, 0);
}

#[test]
fn open_loads_the_selected_file_or_the_typed_path() {
    let mut m = Model::new(files());
    update(&mut m, Message::Down(1));
    let fx = update(&mut m, Message::Open);
    assert!(matches!(fx.as_slice(), [Effect::Load(p)] if p == &PathBuf::from("b.toml")));
    update(&mut m, Message::StartInput);
    for c in " my.toml ".chars() {
        update(&mut m, Message::Input(c));
    }
    let fx = update(&mut m, Message::Open);
    assert!(matches!(fx.as_slice(), [Effect::Load(p)] if p == &PathBuf::from("my.toml")));
    assert!(m.input.is_none());
    // Elsewhere, Enter opens nothing.
    update(&mut m, Message::ShowTab(Tab::Overview));
    assert!(update(&mut m, Message::Open).is_empty());
}

#[test]
fn start_input_depends_on_the_tab() {
    let mut m = Model::new(files());
    update(&mut m, Message::StartInput);
    assert_eq!(m.input, Some(Input::Path(String::new())));
    update(&mut m, Message::Escape);
    assert!(m.input.is_none());
    update(&mut m, Message::ShowTab(Tab::Queue));
    update(&mut m, Message::StartInput);
    assert_eq!(m.input, Some(Input::Filter));
    update(&mut m, Message::Escape);
    update(&mut m, Message::ShowTab(Tab::Overview));
    update(&mut m, Message::StartInput);
    assert!(m.input.is_none());
}

#[test]
fn typing_and_backspace_edit_the_path() {
    let mut m = Model::new(files());
    update(&mut m, Message::Input('x'));
    assert!(m.input.is_none(), "not typing: ignored");
    update(&mut m, Message::StartInput);
    update(&mut m, Message::Input('a'));
    update(&mut m, Message::Input('b'));
    update(&mut m, Message::Backspace);
    assert_eq!(m.input, Some(Input::Path("a".to_owned())));
    update(&mut m, Message::Backspace);
    update(&mut m, Message::Backspace);
    assert_eq!(m.input, Some(Input::Path(String::new())));
}

#[test]
fn the_filter_applies_as_it_is_typed() {
    let mut m = Model::new(files());
    m.task = None;
    update(
        &mut m,
        Message::Loaded {
            path: "c.toml".into(),
            result: Ok(scenario()),
        },
    );
    settle(
        &mut m,
        Message::Simulated {
            run: 1,
            result: Ok(cluster_output(vec![
                record("alpha", 0.0),
                record("beta", 1.0),
            ])),
        },
    );
    assert_eq!(m.queue.rows, [0, 1]);
    update(&mut m, Message::ShowTab(Tab::Queue));
    update(&mut m, Message::StartInput);
    settle(&mut m, Message::Input('b'));
    assert_eq!(m.queue.rows, [1]);
    settle(&mut m, Message::Backspace);
    assert_eq!(m.queue.rows, [0, 1]);
    update(&mut m, Message::Open);
    assert!(m.input.is_none(), "Enter ends the filter");
}

#[test]
fn escape_cancels_a_task_when_nothing_else_is_open() {
    let mut m = loaded();
    let fx = update(&mut m, Message::Escape);
    assert!(matches!(fx.as_slice(), [Effect::Cancel(1)]));
    assert_eq!(m.status, "simulation cancelled");
    assert!(
        update(&mut m, Message::Escape).is_empty(),
        "nothing left to cancel"
    );
}

#[test]
fn cancel_stops_the_task_and_late_results_are_ignored() {
    let mut m = loaded();
    let fx = update(&mut m, Message::Cancel);
    assert!(matches!(fx.as_slice(), [Effect::Cancel(1)]));
    update(
        &mut m,
        Message::Simulated {
            run: 1,
            result: Ok(cluster_output(vec![record("late", 0.0)])),
        },
    );
    assert!(m.sim.is_none(), "a cancelled run's result is dropped");
    assert!(update(&mut m, Message::Cancel).is_empty());
}

#[test]
fn rerun_replaces_the_running_simulation() {
    let mut m = Model::new(files());
    assert!(update(&mut m, Message::Rerun).is_empty(), "nothing loaded");
    assert!(m.status.contains("no scenario"));
    let mut m = loaded();
    let fx = update(&mut m, Message::Rerun);
    assert!(matches!(
        fx.as_slice(),
        [Effect::Cancel(1), Effect::Simulate { run: 2, .. }]
    ));
    assert_eq!(m.task.as_ref().map(|t| t.run), Some(2));
}

#[test]
fn run_plan_starts_the_planner_with_the_objective() {
    let mut m = Model::new(files());
    assert!(update(&mut m, Message::RunPlan).is_empty());
    let mut m = loaded();
    update(&mut m, Message::NextObjective);
    let fx = update(&mut m, Message::RunPlan);
    assert!(matches!(
        fx.as_slice(),
        [
            Effect::Cancel(1),
            Effect::Plan {
                run: 2,
                objective: Objective::Cost,
                ..
            }
        ]
    ));
    assert_eq!(m.task.as_ref().map(|t| t.kind), Some(TaskKind::Plan));
}

#[test]
fn next_objective_alternates_time_and_cost() {
    let mut m = Model::new(files());
    update(&mut m, Message::NextObjective);
    assert_eq!(m.objective, Objective::Cost);
    update(&mut m, Message::NextObjective);
    assert_eq!(m.objective, Objective::Time);
}

#[test]
fn sort_messages_reorder_the_queue() {
    let mut m = loaded();
    settle(
        &mut m,
        Message::Simulated {
            run: 1,
            result: Ok(cluster_output(vec![record("b", 0.0), record("a", 1.0)])),
        },
    );
    assert_eq!(m.queue.rows, [0, 1]);
    settle(&mut m, Message::NextSort);
    assert_eq!(m.queue.sort, SortKey::Id);
    assert_eq!(m.queue.rows, [1, 0]);
    settle(&mut m, Message::ReverseSort);
    assert!(m.queue.descending);
    assert_eq!(m.queue.rows, [0, 1]);
}

/// Sorting leaves the UI thread: `update` asks for it, and only the latest
/// request's rows are shown (an older one arriving late is dropped).
#[test]
fn sorts_are_effects_and_only_the_latest_counts() {
    let mut m = loaded();
    settle(
        &mut m,
        Message::Simulated {
            run: 1,
            result: Ok(cluster_output(vec![record("b", 0.0), record("a", 1.0)])),
        },
    );
    let first = update(&mut m, Message::NextSort);
    assert!(matches!(first.as_slice(), [Effect::SortQueue { .. }]));
    assert!(m.queue.sorting, "the rows shown are not yet sorted");
    assert_eq!(m.queue.rows, [0, 1], "the old rows stay until the new come");
    let second = update(&mut m, Message::ReverseSort);
    // The older request's rows arrive after the newer was asked for.
    for effect in first {
        feed_sort(&mut m, effect);
    }
    assert_eq!(m.queue.rows, [0, 1], "a superseded sort is not shown");
    assert!(m.queue.sorting);
    for effect in second {
        feed_sort(&mut m, effect);
    }
    assert!(!m.queue.sorting);
    assert_eq!(m.queue.rows, [0, 1], "by job, descending: b, a");
    assert_eq!((m.queue.sort, m.queue.descending), (SortKey::Id, true));
}

/// `update`, then the queue sorts it asks for, done at once as the runtime
/// does them in the background; returns the other effects.
fn settle(m: &mut Model, msg: Message) -> Vec<Effect> {
    let mut rest = Vec::new();
    for effect in update(m, msg) {
        if matches!(effect, Effect::SortQueue { .. }) {
            feed_sort(m, effect);
        } else {
            rest.push(effect);
        }
    }
    rest
}

/// Runs a queue sort and gives its rows to `update`.
fn feed_sort(m: &mut Model, effect: Effect) {
    if let Effect::SortQueue {
        generation,
        sim,
        order,
    } = effect
    {
        let rows = match sim.as_ref() {
            crate::tasks::SimOutput::Cluster { outcome, .. } => order.rows(&outcome.jobs),
            crate::tasks::SimOutput::Steps { .. } => Vec::new(),
        };
        update(m, Message::QueueSorted { generation, rows });
    }
}

#[test]
fn tick_updates_only_a_running_task() {
    let mut m = Model::new(files());
    update(&mut m, Message::Tick(Duration::from_secs(3)));
    assert!(m.task.is_none());
    let mut m = loaded();
    update(&mut m, Message::Tick(Duration::from_millis(1500)));
    assert_eq!(
        m.task.as_ref().map(|t| t.elapsed),
        Some(Duration::from_millis(1500))
    );
}

#[test]
fn loaded_ok_switches_to_the_overview_and_simulates() {
    let m = loaded();
    assert_eq!(m.tab, Tab::Overview);
    assert_eq!(
        m.loaded.as_ref().map(|l| l.scenario.name.as_str()),
        Some("tiny")
    );
    assert_eq!(m.task.as_ref().map(|t| t.kind), Some(TaskKind::Simulate));
}

#[test]
fn loaded_with_problems_shows_them_on_the_scenarios_tab() {
    let mut m = Model::new(files());
    m.tab = Tab::Plan;
    let problem = Problem {
        file: "bad.toml".to_owned(),
        line: 2,
        column: 1,
        key: "sede".to_owned(),
        message: "unknown key".to_owned(),
        help: None,
        excerpt: "sede = 1".to_owned(),
        excerpt_column: 1,
        underline: 4,
    };
    let fx = update(
        &mut m,
        Message::Loaded {
            path: "bad.toml".into(),
            result: Err(LoadError::Invalid(vec![problem])),
        },
    );
    assert!(fx.is_empty());
    assert_eq!(m.tab, Tab::Scenarios);
    assert_eq!(m.status, "bad.toml: 1 problem");
    assert!(matches!(&m.load_error, Some((_, LoadError::Invalid(p))) if p.len() == 1));
    update(
        &mut m,
        Message::Loaded {
            path: "gone.toml".into(),
            result: Err(LoadError::Io("no such file".to_owned())),
        },
    );
    assert_eq!(m.status, "could not read gone.toml");
}

#[test]
fn progress_of_the_current_run_only() {
    let mut m = loaded();
    let p = Progress {
        now_s: 60.0,
        events: 10,
        jobs_done: 1,
        jobs_total: 4,
        running: 2,
        queued: 1,
    };
    update(
        &mut m,
        Message::Progress {
            run: 9,
            phase: "other".to_owned(),
            cluster: Some(p),
        },
    );
    assert_eq!(m.task.as_ref().map(|t| t.cluster), Some(None));
    update(
        &mut m,
        Message::Progress {
            run: 1,
            phase: "scheduling".to_owned(),
            cluster: Some(p),
        },
    );
    update(
        &mut m,
        Message::Progress {
            run: 1,
            phase: "still".to_owned(),
            cluster: None,
        },
    );
    let t = m.task.as_ref().expect("running");
    assert_eq!(
        (t.phase.as_str(), t.cluster),
        ("still", Some(p)),
        "the last figures stay"
    );
}

#[test]
fn simulated_stores_results_or_the_error() {
    let mut m = loaded();
    update(
        &mut m,
        Message::Simulated {
            run: 1,
            result: Err("boom".to_owned()),
        },
    );
    assert!(m.task.is_none());
    assert_eq!(m.sim_error.as_deref(), Some("boom"));
    let mut m = loaded();
    let result = cirrus_sim::estimate::simulate(&scenario(), 1).expect("simulates");
    update(
        &mut m,
        Message::Simulated {
            run: 1,
            result: Ok(Arc::new(SimOutput::Steps {
                notes: Vec::new(),
                result,
                steps: Vec::new(),
            })),
        },
    );
    assert!(m.sim.is_some() && m.sim_error.is_none());
    assert_eq!(m.status, "simulated 1 job(s)");
    assert!(m.cluster().is_none());
}

#[test]
fn planned_stores_the_outcome_or_the_error() {
    let mut m = loaded();
    update(&mut m, Message::RunPlan);
    update(
        &mut m,
        Message::Planned {
            run: 1,
            result: Err("stale".to_owned()),
        },
    );
    assert!(m.plan_error.is_none(), "run 1 was replaced by run 2");
    update(
        &mut m,
        Message::Planned {
            run: 2,
            result: Err("no plan fits".to_owned()),
        },
    );
    assert!(m.task.is_none());
    assert_eq!(m.plan_error.as_deref(), Some("no plan fits"));
    update(&mut m, Message::RunPlan);
    let s = scenario();
    let opts = cirrus_sim::planner::Options {
        objective: Objective::Time,
        breadth: cirrus_sim::planner::Breadth::Pruned,
        rerank: 2,
    };
    let outcome = cirrus_sim::planner::plan(&s, 0, &opts).expect("plans");
    update(
        &mut m,
        Message::Planned {
            run: 3,
            result: Ok(Arc::new(outcome)),
        },
    );
    assert!(m.plan.is_some() && m.plan_error.is_none());
    assert!(m.status.starts_with("planned:"));
    update(&mut m, Message::ShowTab(Tab::Plan));
    update(&mut m, Message::Down(1000));
    let len = m.plan.as_ref().map_or(0, |p| p.pareto.len());
    assert_eq!(m.selected_plan, len.saturating_sub(1));
}

/// The repository's root.
fn repo() -> PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The bundled local scenario on the committed lavapipe profile, planned.
fn local_plan() -> Arc<cirrus_sim::planner::Outcome> {
    let path = repo().join("scenarios/local-2-workers.toml");
    let text = std::fs::read_to_string(&path).expect("the bundled scenario");
    let opts = cirrus_sim::scenario::LoadOptions {
        local_profile: Some(repo().join("tests/fixtures/profiles/lavapipe-2-cores.toml")),
        ..Default::default()
    };
    let s = cirrus_sim::scenario::parse_with(&text, "local.toml", &repo().join("scenarios"), &opts)
        .unwrap_or_else(|d| panic!("{d}"));
    let o = crate::tasks::plan(
        &s,
        Objective::Time,
        &std::sync::atomic::AtomicBool::new(false),
    )
    .expect("plans");
    Arc::new(o)
}

#[test]
fn zoom_and_scroll_keep_the_timeline_window_inside_the_run() {
    let mut m = Model::new(files());
    update(&mut m, Message::ScrollRight);
    assert_eq!(
        m.timeline.window(),
        (0.0, 1.0),
        "nothing to scroll at zoom 0"
    );
    update(&mut m, Message::ZoomIn);
    assert_eq!(m.timeline.window(), (0.25, 0.75), "zooms about the centre");
    update(&mut m, Message::ScrollRight);
    assert_eq!(m.timeline.window(), (0.375, 0.875));
    for _ in 0..10 {
        update(&mut m, Message::ScrollRight);
    }
    assert_eq!(m.timeline.window(), (0.5, 1.0), "stops at the end");
    update(&mut m, Message::ScrollLeft);
    assert_eq!(m.timeline.window(), (0.375, 0.875));
    update(&mut m, Message::ZoomOut);
    assert_eq!(m.timeline.window(), (0.0, 1.0));
    for _ in 0..20 {
        update(&mut m, Message::ZoomIn);
    }
    assert_eq!(m.timeline.zoom, crate::model::TimelineView::MAX_ZOOM);
}

#[test]
fn next_job_cycles_the_timelines_jobs_and_needs_a_step_run() {
    let mut m = loaded();
    update(&mut m, Message::NextJob);
    assert_eq!(m.timeline.job, 0, "nothing simulated yet");
    let s = scenario();
    let steps = cirrus_sim::stepsim::simulate_steps(&s).expect("simulates");
    let result = cirrus_sim::stepsim::result_of(
        &s,
        1,
        steps.iter().map(|x| x.estimate.result.clone()).collect(),
    );
    let two = vec![steps[0].clone(), steps[0].clone()];
    update(
        &mut m,
        Message::Simulated {
            run: 1,
            result: Ok(Arc::new(SimOutput::Steps {
                notes: Vec::new(),
                result,
                steps: two,
            })),
        },
    );
    m.timeline.row = 3;
    update(&mut m, Message::NextJob);
    assert_eq!((m.timeline.job, m.timeline.row), (1, 0));
    update(&mut m, Message::NextJob);
    assert_eq!(m.timeline.job, 0, "wraps");
    // Down moves through the step's workers.
    update(&mut m, Message::ShowTab(Tab::Timeline));
    update(&mut m, Message::Down(100));
    assert_eq!(m.timeline.row, m.timeline_rows() - 1);
}

#[test]
fn execute_refuses_without_a_plan_or_for_a_cluster_and_runs_a_local_plan() {
    let mut m = loaded();
    assert!(update(&mut m, Message::Execute).is_empty());
    assert!(m.status.contains("no plan yet"), "{}", m.status);
    // A plan for A100s is not for this machine.
    let s = scenario();
    let o = crate::tasks::plan(
        &s,
        Objective::Time,
        &std::sync::atomic::AtomicBool::new(false),
    )
    .expect("plans");
    m.plan = Some(Arc::new(o));
    assert!(update(&mut m, Message::Execute).is_empty());
    assert!(m.status.contains("this machine's devices"), "{}", m.status);
    // The bundled local scenario's plan runs.
    m.plan = Some(local_plan());
    let fx = update(&mut m, Message::Execute);
    let [Effect::Execute { run, plan_json }] = fx.as_slice() else {
        panic!("{fx:?}")
    };
    let plan = cirrus_sim::plan::Plan::from_json(plan_json, "p").expect("a plan file");
    assert_eq!(plan.nodes.len(), 2);
    assert_eq!(m.exec_run, Some(*run));
    assert_eq!(m.tab, Tab::Executor);
    assert!(m.exec.as_ref().is_some_and(|e| e.started_here));
    // Again: the first run is stopped first.
    let first = *run;
    let fx = update(&mut m, Message::Execute);
    assert!(matches!(fx.as_slice(), [Effect::Cancel(r), Effect::Execute { .. }] if *r == first));
}

#[test]
fn exec_events_and_stop_apply_to_the_followed_run_only() {
    let mut m = Model::new(files());
    let fx = crate::update::follow(&mut m, "run.jsonl".into());
    let [Effect::Follow { run, .. }] = fx.as_slice() else {
        panic!("{fx:?}")
    };
    let run = *run;
    let start = crate::exec::ExecEvent::parse(
        r#"{"event":"start","format_version":1,"plan":"p","job":"j","workers":2,"devices":["local","cpu"],"steps":5}"#,
    );
    update(
        &mut m,
        Message::ExecEvents {
            run: run + 1,
            events: vec![start.clone()],
        },
    );
    assert!(
        m.exec.as_ref().is_some_and(|e| e.workers.is_empty()),
        "another run's lines"
    );
    update(
        &mut m,
        Message::ExecEvents {
            run,
            events: vec![start, Err("not an events line".to_owned())],
        },
    );
    assert_eq!(m.exec.as_ref().map(|e| e.workers.len()), Some(2));
    assert_eq!(m.status, "not an events line");
    // Cancel on the Executor tab stops the run, not a simulation.
    update(&mut m, Message::ShowTab(Tab::Executor));
    let fx = update(&mut m, Message::Cancel);
    assert!(matches!(fx.as_slice(), [Effect::Cancel(r)] if *r == run));
    assert!(m.exec_run.is_none());
    // A stop message after that changes nothing.
    update(
        &mut m,
        Message::ExecStopped {
            run,
            error: Some("killed".to_owned()),
        },
    );
    assert_eq!(
        m.exec.as_ref().and_then(|e| e.ended.clone()),
        Some((false, "stopped from the dashboard".to_owned()))
    );
    // A followed run that fails says why.
    let fx = crate::update::follow(&mut m, "run2.jsonl".into());
    let [Effect::Follow { run, .. }] = fx.as_slice() else {
        panic!("{fx:?}")
    };
    let run = *run;
    update(
        &mut m,
        Message::ExecStopped {
            run,
            error: Some("cirrus exec exited (exit status: 1): error".to_owned()),
        },
    );
    assert_eq!(m.status, "the executor run failed");
    assert!(m.exec_run.is_none());
    assert!(
        m.exec
            .as_ref()
            .and_then(|e| e.ended.as_ref())
            .is_some_and(|(ok, why)| !ok && why.contains("exit status: 1"))
    );
}

#[test]
fn what_if_knobs_change_reset_and_run() {
    let mut m = loaded();
    update(&mut m, Message::ShowTab(Tab::WhatIf));
    let keys: Vec<&str> = m.whatif.knobs.iter().map(|k| k.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "pool.a100.nodes",
            "pool.a100.device",
            "job.small.parallelism.tp",
            "job.small.parallelism.pp",
            "job.small.parallelism.dp"
        ]
    );
    assert!(update(&mut m, Message::Open).is_empty(), "nothing changed");
    assert!(m.status.contains("change a knob first"), "{}", m.status);
    update(&mut m, Message::ScrollRight);
    assert_eq!(m.whatif.knobs[0].value, "2");
    update(&mut m, Message::Down(3));
    update(&mut m, Message::ScrollRight);
    update(&mut m, Message::Backspace);
    assert!(!m.whatif.knobs[3].changed(), "Backspace resets");
    let fx = update(&mut m, Message::Open);
    let [Effect::WhatIf { run, edits, path }] = fx.as_slice() else {
        panic!("{fx:?}")
    };
    assert_eq!(path, &PathBuf::from("tiny.toml"));
    assert_eq!(edits, &[("pool.a100.nodes".to_owned(), "2".to_owned())]);
    let run = *run;
    // Cancel on the tab stops the what-if, not the baseline.
    let fx = update(&mut m, Message::Cancel);
    assert!(matches!(fx.as_slice(), [Effect::Cancel(r)] if *r == run));
    assert!(m.task.is_some(), "the baseline simulation still runs");
    // Its late result is ignored; a new run's result is kept.
    update(
        &mut m,
        Message::WhatIfDone {
            run,
            result: Err("late".to_owned()),
        },
    );
    assert!(m.whatif.error.is_none());
    let fx = update(&mut m, Message::Open);
    let [Effect::WhatIf { run, .. }] = fx.as_slice() else {
        panic!("{fx:?}")
    };
    let run = *run;
    update(
        &mut m,
        Message::WhatIfDone {
            run,
            result: Ok(cluster_output(Vec::new())),
        },
    );
    assert!(m.whatif.result.is_some() && m.whatif.running.is_none());
    let fx = update(
        &mut m,
        Message::WhatIfDone {
            run,
            result: Err("again".to_owned()),
        },
    );
    assert!(fx.is_empty() && m.whatif.error.is_none(), "only once");
}

#[test]
fn cluster_rows_are_pools_events_and_nodes() {
    let mut m = loaded();
    update(&mut m, Message::ShowTab(Tab::Cluster));
    update(&mut m, Message::Down(5));
    assert_eq!(m.cluster_row, 0, "no cluster run");
}
