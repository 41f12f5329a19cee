//! Snapshots of every screen, from models reached through `update` with
//! real simulator results. Paths are redacted to `[ROOT]` and wall-clock
//! times to `[ELAPSED]`.

use cirrus_sim::cluster::Progress;
use cirrus_tui::tasks::{self, SimOutput};
use cirrus_tui::{Effect, Message, Model, Tab, update, view};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

const SIZES: [(u16, u16); 2] = [(80, 24), (160, 48)];

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .expect("the repository")
}

/// The screen's text, one line per row, trailing spaces trimmed, with the
/// repository's path and elapsed times redacted.
fn draw(model: &Model, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("a test terminal");
    terminal
        .draw(|frame| view(model, frame))
        .expect("drawing cannot fail on a test backend");
    let buffer = terminal.backend().buffer();
    let mut out = String::new();
    for y in 0..height {
        let mut line = String::new();
        for x in 0..width {
            line.push_str(buffer[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    redact(&out)
}

fn redact(text: &str) -> String {
    let root = repo().display().to_string();
    let mut out = text.replace(&root, "[ROOT]");
    // "(12.3 s)": the running task's wall-clock time.
    while let Some(start) = out.find("(").and_then(|_| find_elapsed(&out)) {
        let end = out[start..].find(" s)").map_or(start, |e| start + e + 3);
        out.replace_range(start..end, "([ELAPSED])");
    }
    out
}

/// The start of the first "(N.N s)" in `text`.
fn find_elapsed(text: &str) -> Option<usize> {
    text.match_indices('(').map(|(i, _)| i).find(|&i| {
        let rest = &text[i + 1..];
        let digits = rest.find(" s)").map(|e| &rest[..e]);
        digits.is_some_and(|d| !d.is_empty() && d.chars().all(|c| c.is_ascii_digit() || c == '.'))
    })
}

fn snapshot(name: &str, model: &Model) {
    for (w, h) in SIZES {
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), draw(model, w, h));
    }
}

fn files() -> Vec<PathBuf> {
    tasks::scenario_files(&repo().join("scenarios"))
}

/// A model that has loaded `file` (relative to the repository) and whose
/// simulation (run 1) is running.
fn loaded(file: &str) -> Model {
    let path = repo().join(file);
    let scenario = tasks::load(&path).unwrap_or_else(|e| panic!("{file}: {e:?}"));
    let mut model = Model::new(files());
    update(
        &mut model,
        Message::Loaded {
            path,
            result: Ok(Arc::new(scenario)),
        },
    );
    model
}

/// `file`'s simulation, as the runtime would run it.
fn simulated(file: &str) -> Arc<SimOutput> {
    let s = tasks::load(&repo().join(file)).expect("valid");
    Arc::new(tasks::simulate(&s, &mut |_, _| {}, &AtomicBool::new(false)).expect("runs"))
}

/// `update`, then the queue sorts it asks for, done at once (the runtime
/// does them on a background thread).
fn settle(model: &mut Model, msg: Message) {
    for effect in update(model, msg) {
        if let Effect::SortQueue {
            generation,
            sim,
            order,
        } = effect
        {
            let rows = match sim.as_ref() {
                SimOutput::Cluster { outcome, .. } => order.rows(&outcome.jobs),
                _ => Vec::new(),
            };
            update(model, Message::QueueSorted { generation, rows });
        }
    }
}

/// A model with `file` loaded and simulated.
fn finished(file: &str) -> Model {
    let mut model = loaded(file);
    settle(
        &mut model,
        Message::Simulated {
            run: 1,
            result: Ok(simulated(file)),
        },
    );
    model
}

#[test]
fn scenarios_before_anything_is_loaded() {
    snapshot("scenarios_empty", &Model::new(files()));
}

#[test]
fn scenarios_with_a_scenario_loaded() {
    let mut model = finished("scenarios/quickstart.toml");
    update(&mut model, Message::ShowTab(Tab::Scenarios));
    snapshot("scenarios_loaded", &model);
}

#[test]
fn scenarios_with_every_problem_inline() {
    let mut model = Model::new(files());
    let path = repo().join("tests/fixtures/invalid/bad-precision.toml");
    let result = tasks::load(&path).map(Arc::new);
    assert!(result.is_err());
    update(&mut model, Message::Loaded { path, result });
    snapshot("scenarios_problems", &model);
}

#[test]
fn scenarios_typing_a_path() {
    let mut model = Model::new(files());
    update(&mut model, Message::Down(2));
    update(&mut model, Message::StartInput);
    for c in "my/what-if.toml".chars() {
        update(&mut model, Message::Input(c));
    }
    snapshot("scenarios_typing", &model);
}

#[test]
fn overview_while_a_cluster_simulation_runs() {
    let mut model = loaded("scenarios/gavel-replay.toml");
    update(
        &mut model,
        Message::Progress {
            run: 1,
            phase: "scheduling".to_owned(),
            cluster: Some(Progress {
                now_s: 5400.0,
                events: 120,
                jobs_done: 20,
                jobs_total: 50,
                running: 12,
                queued: 3,
            }),
        },
    );
    update(&mut model, Message::Tick(Duration::from_millis(2345)));
    snapshot("overview_running", &model);
}

#[test]
fn overview_of_a_training_step() {
    snapshot("overview_steps", &finished("scenarios/quickstart.toml"));
}

#[test]
fn overview_of_a_cluster_run() {
    snapshot("overview_cluster", &finished("scenarios/gavel-replay.toml"));
}

#[test]
fn overview_of_a_failed_simulation() {
    let mut model = loaded("scenarios/quickstart.toml");
    update(
        &mut model,
        Message::Simulated {
            run: 1,
            result: Err("job `gpt3-1.3b`: an explanation of what went wrong".to_owned()),
        },
    );
    snapshot("overview_failed", &model);
}

#[test]
fn queue_sorted_by_jct_descending_with_a_selection() {
    let mut model = finished("scenarios/gavel-replay.toml");
    update(&mut model, Message::ShowTab(Tab::Queue));
    for _ in 0..3 {
        settle(&mut model, Message::NextSort);
    }
    settle(&mut model, Message::ReverseSort);
    update(&mut model, Message::Down(4));
    snapshot("queue_sorted", &model);
}

#[test]
fn queue_filtered() {
    let mut model = finished("scenarios/gavel-replay.toml");
    update(&mut model, Message::ShowTab(Tab::Queue));
    update(&mut model, Message::StartInput);
    for c in "k80".chars() {
        settle(&mut model, Message::Input(c));
    }
    snapshot("queue_filtered", &model);
}

#[test]
fn queue_without_a_cluster_run() {
    let mut model = finished("scenarios/quickstart.toml");
    update(&mut model, Message::ShowTab(Tab::Queue));
    snapshot("queue_empty", &model);
}

#[test]
fn plan_before_and_after_planning() {
    let mut model = loaded("tui/tests/it/fixtures/plan-small.toml");
    update(&mut model, Message::Cancel);
    update(&mut model, Message::ShowTab(Tab::Plan));
    snapshot("plan_idle", &model);
    let s = model.loaded.as_ref().expect("loaded").scenario.clone();
    update(&mut model, Message::RunPlan);
    let run = model.task.as_ref().expect("planning").run;
    snapshot("plan_running", &model);
    let outcome = tasks::plan(&s, model.objective, &AtomicBool::new(false)).expect("plans");
    update(
        &mut model,
        Message::Planned {
            run,
            result: Ok(Arc::new(outcome)),
        },
    );
    update(&mut model, Message::Down(1));
    snapshot("plan_done", &model);
}

#[test]
fn plan_error_is_shown() {
    let mut model = finished("scenarios/gavel-replay.toml");
    update(&mut model, Message::ShowTab(Tab::Plan));
    update(&mut model, Message::NextObjective);
    update(&mut model, Message::RunPlan);
    let s = model.loaded.as_ref().expect("loaded").scenario.clone();
    let err = tasks::plan(&s, model.objective, &AtomicBool::new(false)).expect_err("no job");
    update(
        &mut model,
        Message::Planned {
            run: 2,
            result: Err(err),
        },
    );
    snapshot("plan_error", &model);
}

#[test]
fn help_over_any_tab() {
    let mut model = finished("scenarios/quickstart.toml");
    update(&mut model, Message::ToggleHelp);
    snapshot("help", &model);
}

#[test]
fn redaction_hides_elapsed_times_and_the_root() {
    let root = repo().display().to_string();
    assert_eq!(
        redact(&format!("a (1.5 s) b (x s) {root}/f (12 s)")),
        "a ([ELAPSED]) b (x s) [ROOT]/f ([ELAPSED])"
    );
}

#[test]
fn cluster_heat_map_with_failures_and_revocations() {
    let mut model = finished("scenarios/failures-whatif.toml");
    update(&mut model, Message::ShowTab(Tab::Cluster));
    update(&mut model, Message::Down(2));
    snapshot("cluster_failures", &model);
}

#[test]
fn cluster_heat_map_of_an_autoscaled_pool() {
    let mut model = finished("scenarios/autoscale-burst.toml");
    update(&mut model, Message::ShowTab(Tab::Cluster));
    snapshot("cluster_autoscale", &model);
}

#[test]
fn cluster_tab_of_a_step_simulation_says_where_to_look() {
    let mut model = finished("scenarios/quickstart.toml");
    update(&mut model, Message::ShowTab(Tab::Cluster));
    snapshot("cluster_steps", &model);
}

#[test]
fn timeline_of_a_pipelined_step_whole_and_zoomed() {
    let mut model = finished("scenarios/gpt3-175b-1024-a100.toml");
    update(&mut model, Message::ShowTab(Tab::Timeline));
    update(&mut model, Message::Down(1));
    snapshot("timeline_step", &model);
    update(&mut model, Message::ZoomIn);
    update(&mut model, Message::ZoomIn);
    update(&mut model, Message::ScrollRight);
    snapshot("timeline_step_zoomed", &model);
}

#[test]
fn timeline_of_a_cluster_schedule_per_node() {
    let mut model = finished("scenarios/gavel-replay.toml");
    update(&mut model, Message::ShowTab(Tab::Timeline));
    update(&mut model, Message::ZoomIn);
    update(&mut model, Message::Down(3));
    snapshot("timeline_cluster", &model);
}

#[test]
fn executor_before_and_during_a_run() {
    let mut model = Model::new(files());
    update(&mut model, Message::ShowTab(Tab::Executor));
    snapshot("executor_idle", &model);
    let effects = cirrus_tui::follow(&mut model, "run.jsonl".into());
    assert_eq!(effects.len(), 1);
    let run = model.exec_run.expect("following");
    let mut lines = vec![
        r#"{"event":"start","format_version":1,"plan":"plan.json","job":"gpt-tiny","workers":2,"devices":["local","cpu"],"steps":40}"#.to_owned(),
    ];
    for step in 1..=25u64 {
        let loss = 5.5 - 3.0 * (1.0 - (-(step as f64) / 8.0).exp());
        let val = (step >= 10).then_some(if step >= 20 { 2.9 } else { 3.3 });
        for (rank, step_s) in [(0, 0.19), (1, 0.2)] {
            lines.push(format!(
                r#"{{"event":"step","rank":{rank},"step":{step},"steps":40,"loss":{loss:.4},"val_loss":{},"step_s":{step_s},"compute_s":0.18,"idle_s":0.005,"comm_s":0.004}}"#,
                val.map_or("null".to_owned(), |v: f64| v.to_string())
            ));
        }
    }
    let events = lines
        .iter()
        .map(|l| cirrus_tui::exec::ExecEvent::parse(l))
        .collect();
    update(&mut model, Message::ExecEvents { run, events });
    snapshot("executor_running", &model);
}

/// Every tab draws at every size from tiny to large without panicking,
/// and from 80×24 up the tab bar names all eight tabs.
#[test]
fn every_tab_draws_at_every_size() {
    let models = [
        finished("scenarios/quickstart.toml"),
        finished("scenarios/failures-whatif.toml"),
        Model::new(files()),
    ];
    for mut model in models {
        for tab in Tab::ALL {
            update(&mut model, Message::ShowTab(tab));
            for (w, h) in [
                (1, 1),
                (10, 4),
                (40, 12),
                (79, 23),
                (80, 24),
                (100, 30),
                (200, 60),
            ] {
                let text = draw(&model, w, h);
                if w >= 80 {
                    let bar = text.lines().next().unwrap_or_default();
                    for t in Tab::ALL {
                        assert!(bar.contains(t.title()), "{w}x{h}: {bar}");
                    }
                }
            }
        }
    }
}

#[test]
fn what_if_knobs_and_the_comparison_with_the_baseline() {
    let mut model = finished("scenarios/failures-whatif.toml");
    update(&mut model, Message::ShowTab(Tab::WhatIf));
    snapshot("whatif_knobs", &model);
    update(&mut model, Message::ScrollLeft);
    update(&mut model, Message::Down(1));
    update(&mut model, Message::Down(1));
    update(&mut model, Message::ScrollRight);
    let effects = update(&mut model, Message::Open);
    let Some(cirrus_tui::Effect::WhatIf { run, path, edits }) = effects.into_iter().next() else {
        panic!("a what-if run")
    };
    let result = tasks::what_if(&path, &edits, &AtomicBool::new(false)).map(Arc::new);
    update(&mut model, Message::WhatIfDone { run, result });
    snapshot("whatif_compared", &model);
}
