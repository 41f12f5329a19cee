//! The dashboard's one state transition: a [`Message`] changes the
//! [`Model`] and may ask the runtime for [`Effect`]s. Pure: no I/O, no
//! clock, no threads, so every message is unit-tested.

use crate::message::{Effect, LoadError, Message};
use crate::model::{Input, Loaded, Model, Tab, Task, TaskKind};
use crate::tasks::SimOutput;
use cirrus_sim::planner::Objective;
use std::time::Duration;

/// Applies `msg` to `model`; returns the work the runtime must start.
pub fn update(model: &mut Model, msg: Message) -> Vec<Effect> {
    match msg {
        Message::NextTab => model.tab = model.tab.offset(1),
        Message::PrevTab => model.tab = model.tab.offset(-1),
        Message::ShowTab(tab) => model.tab = tab,
        Message::ToggleHelp => model.help = !model.help,
        Message::Quit => {
            model.quit = true;
            let mut effects = cancel(model);
            effects.extend(stop_exec(model));
            effects.extend(model.whatif.running.take().map(Effect::Cancel));
            return effects;
        }
        Message::ScrollLeft | Message::ScrollRight if model.tab == Tab::WhatIf => {
            let up = matches!(msg, Message::ScrollRight);
            let w = &mut model.whatif;
            if let Some(k) = w.knobs.get_mut(w.selected) {
                k.nudge(up);
                model.status = format!("{} = {} (Enter runs the what-if)", k.key, k.value);
            }
        }
        Message::Backspace if model.input.is_none() && model.tab == Tab::WhatIf => {
            let w = &mut model.whatif;
            if let Some(k) = w.knobs.get_mut(w.selected) {
                k.value = k.base.clone();
                model.status = format!("{} back to {}", k.key, k.value);
            }
        }
        Message::Open if model.input.is_none() && model.tab == Tab::WhatIf => {
            return what_if(model);
        }
        Message::Cancel if model.tab == Tab::WhatIf && model.whatif.running.is_some() => {
            model.status = "what-if cancelled".to_owned();
            return model
                .whatif
                .running
                .take()
                .map(Effect::Cancel)
                .into_iter()
                .collect();
        }
        Message::WhatIfDone { run, result } => {
            if model.whatif.running == Some(run) {
                model.whatif.running = None;
                match result {
                    Ok(out) => {
                        model.status = "what-if done: compared with the baseline below".to_owned();
                        model.whatif.result = Some(out);
                        model.whatif.error = None;
                    }
                    Err(e) => {
                        model.status = "the what-if failed".to_owned();
                        model.whatif.result = None;
                        model.whatif.error = Some(e);
                    }
                }
            }
        }
        Message::Up(n) => move_selection(model, -(n as isize)),
        Message::Down(n) => move_selection(model, n as isize),
        Message::Open => return open(model),
        Message::StartInput => match model.tab {
            Tab::Scenarios => model.input = Some(Input::Path(String::new())),
            Tab::Queue => model.input = Some(Input::Filter),
            _ => {}
        },
        Message::Input(c) => return type_char(model, Some(c)),
        Message::Backspace => return type_char(model, None),
        Message::Escape => {
            if model.input.is_some() {
                model.input = None;
            } else if model.help {
                model.help = false;
            } else {
                return cancel(model);
            }
        }
        Message::Cancel if model.tab == Tab::Executor && model.exec_run.is_some() => {
            return stop_exec(model);
        }
        Message::Cancel => return cancel(model),
        Message::Execute => return execute(model),
        Message::ExecEvents { run, events } => {
            if model.exec_run == Some(run)
                && let Some(view) = model.exec.as_mut()
            {
                for e in events {
                    match e {
                        Ok(e) => view.apply(e),
                        Err(why) => model.status = why,
                    }
                }
            }
        }
        Message::ExecStopped { run, error } => {
            if model.exec_run == Some(run) {
                model.exec_run = None;
                if let Some(view) = model.exec.as_mut() {
                    match error {
                        Some(e) => {
                            model.status = "the executor run failed".to_owned();
                            if view.ended.is_none() {
                                view.ended = Some((false, e));
                            }
                        }
                        None => model.status = "the executor run ended".to_owned(),
                    }
                }
            }
        }
        Message::Rerun => return simulate(model),
        Message::RunPlan => return plan(model),
        Message::NextObjective => {
            model.objective = match model.objective {
                Objective::Time => Objective::Cost,
                _ => Objective::Time,
            };
            model.status = format!(
                "planner objective: {} (p runs the planner)",
                model.objective.name()
            );
        }
        Message::NextSort => {
            model.queue.sort = model.queue.sort.next();
            return rebuild_queue(model);
        }
        Message::ReverseSort => {
            model.queue.descending = !model.queue.descending;
            return rebuild_queue(model);
        }
        Message::QueueSorted { generation, rows } => {
            if generation == model.queue.generation {
                model.queue.sorting = false;
                model.queue.show(rows);
            }
        }
        Message::ZoomIn => zoom(model, 1),
        Message::ZoomOut => zoom(model, -1),
        Message::ScrollLeft => scroll(model, -0.25),
        Message::ScrollRight => scroll(model, 0.25),
        Message::NextJob => {
            let jobs = match model.sim.as_deref() {
                Some(SimOutput::Steps { steps, .. }) => steps.len(),
                _ => 0,
            };
            if jobs > 0 {
                model.timeline.job = (model.timeline.job + 1) % jobs;
                model.timeline.row = 0;
            }
        }
        Message::Tick(elapsed) => {
            if let Some(t) = &mut model.task {
                t.elapsed = elapsed;
            }
        }
        Message::Loaded { path, result } => return loaded(model, path, result),
        Message::Progress {
            run,
            phase,
            cluster,
        } => {
            if let Some(t) = model.task.as_mut().filter(|t| t.run == run) {
                t.phase = phase;
                t.cluster = cluster.or(t.cluster);
            }
        }
        Message::Simulated { run, result } => {
            if model.task.as_ref().is_some_and(|t| t.run == run) {
                model.task = None;
                match result {
                    Ok(out) => {
                        model.status = match out.as_ref() {
                            SimOutput::Cluster { outcome, .. } => format!(
                                "simulated {} jobs ({} events)",
                                outcome.jobs.len(),
                                outcome.events
                            ),
                            SimOutput::Steps { result, .. } => {
                                format!("simulated {} job(s)", result.jobs.len())
                            }
                        };
                        model.sim = Some(out);
                        model.sim_error = None;
                        model.cluster_row = 0;
                        model.timeline = Default::default();
                        model.queue.selected = 0;
                        model.queue.rows.clear();
                        return rebuild_queue(model);
                    }
                    Err(e) => {
                        model.status = "the simulation failed".to_owned();
                        model.sim_error = Some(e);
                    }
                }
            }
        }
        Message::Planned { run, result } => {
            if model.task.as_ref().is_some_and(|t| t.run == run) {
                model.task = None;
                match result {
                    Ok(out) => {
                        model.status = format!(
                            "planned: {} feasible of {} considered",
                            out.feasible, out.considered
                        );
                        model.plan = Some(out);
                        model.plan_error = None;
                        model.selected_plan = 0;
                    }
                    Err(e) => {
                        model.status = "the planner found no plan".to_owned();
                        model.plan_error = Some(e);
                    }
                }
            }
        }
    }
    Vec::new()
}

/// Moves the current tab's selection by `step` rows, within its list.
fn move_selection(model: &mut Model, step: isize) {
    let (selected, len) = match model.tab {
        Tab::Scenarios => (&mut model.selected_file, model.files.len()),
        Tab::Queue => (&mut model.queue.selected, model.queue.rows.len()),
        Tab::Plan => (
            &mut model.selected_plan,
            model.plan.as_ref().map_or(0, |p| p.pareto.len()),
        ),
        Tab::Cluster => {
            let rows = model.cluster_series().map_or(0, |s| s.rows().len());
            (&mut model.cluster_row, rows)
        }
        Tab::Timeline => {
            let rows = model.timeline_rows();
            (&mut model.timeline.row, rows)
        }
        Tab::WhatIf => (&mut model.whatif.selected, model.whatif.knobs.len()),
        Tab::Overview | Tab::Executor => return,
    };
    let last = len.saturating_sub(1) as isize;
    *selected = (*selected as isize + step).clamp(0, last) as usize;
}

/// Zooms the timeline's window in (`step` > 0) or out about its centre.
fn zoom(model: &mut Model, step: i32) {
    let t = &mut model.timeline;
    let centre = t.start + t.width() / 2.0;
    t.zoom = t
        .zoom
        .saturating_add_signed(step)
        .min(crate::model::TimelineView::MAX_ZOOM);
    t.start = (centre - t.width() / 2.0).clamp(0.0, 1.0 - t.width());
}

/// Moves the timeline's window by `by` of its width.
fn scroll(model: &mut Model, by: f64) {
    let t = &mut model.timeline;
    t.start = (t.start + by * t.width()).clamp(0.0, 1.0 - t.width());
}

/// Adds (`Some`) or removes (`None`) a typed character.
fn type_char(model: &mut Model, c: Option<char>) -> Vec<Effect> {
    match &mut model.input {
        Some(Input::Path(text)) => edit(text, c),
        Some(Input::Filter) => {
            edit(&mut model.queue.filter, c);
            model.queue.selected = 0;
            return rebuild_queue(model);
        }
        None => {}
    }
    Vec::new()
}

fn edit(text: &mut String, c: Option<char>) {
    match c {
        Some(c) => text.push(c),
        None => {
            text.pop();
        }
    }
}

/// Asks for the queue's rows in its new order, off the UI thread (a sort
/// of a million jobs takes a noticeable fraction of a second); the rows
/// shown meanwhile are the previous ones.
fn rebuild_queue(model: &mut Model) -> Vec<Effect> {
    match &model.sim {
        Some(sim) if matches!(sim.as_ref(), SimOutput::Cluster { .. }) => {
            model.queue.generation += 1;
            model.queue.sorting = true;
            vec![Effect::SortQueue {
                generation: model.queue.generation,
                sim: sim.clone(),
                order: model.queue.order(),
            }]
        }
        _ => {
            model.queue.show(Vec::new());
            Vec::new()
        }
    }
}

/// Enter: the typed path on the Scenarios tab, else the selected file;
/// ends a filter on the Queue tab.
fn open(model: &mut Model) -> Vec<Effect> {
    match model.input.take() {
        Some(Input::Path(text)) if !text.trim().is_empty() => {
            model.status = format!("loading {}", text.trim());
            vec![Effect::Load(text.trim().into())]
        }
        Some(_) => Vec::new(),
        None if model.tab == Tab::Scenarios => match model.files.get(model.selected_file) {
            Some(path) => {
                model.status = format!("loading {}", path.display());
                vec![Effect::Load(path.clone())]
            }
            None => Vec::new(),
        },
        None => Vec::new(),
    }
}

fn loaded(
    model: &mut Model,
    path: std::path::PathBuf,
    result: Result<std::sync::Arc<cirrus_sim::scenario::Scenario>, LoadError>,
) -> Vec<Effect> {
    match result {
        Ok(scenario) => {
            model.whatif = crate::whatif::WhatIf {
                knobs: crate::whatif::knobs(&scenario),
                ..Default::default()
            };
            model.loaded = Some(Loaded { path, scenario });
            model.load_error = None;
            model.sim = None;
            model.sim_error = None;
            model.plan = None;
            model.plan_error = None;
            model.selected_plan = 0;
            model.queue.selected = 0;
            model.queue.rows.clear();
            model.tab = Tab::Overview;
            simulate(model)
        }
        Err(e) => {
            model.status = match &e {
                LoadError::Io(_) => format!("could not read {}", path.display()),
                LoadError::Invalid(p) => format!(
                    "{}: {} problem{}",
                    path.display(),
                    p.len(),
                    if p.len() == 1 { "" } else { "s" }
                ),
            };
            model.load_error = Some((path, e));
            model.tab = Tab::Scenarios;
            Vec::new()
        }
    }
}

/// Starts a background task of `kind`, cancelling the one running.
fn start(model: &mut Model, kind: TaskKind, phase: &str) -> (Vec<Effect>, u64) {
    let effects = cancel(model);
    let run = model.next_run;
    model.next_run += 1;
    model.task = Some(Task {
        run,
        kind,
        phase: phase.to_owned(),
        cluster: None,
        elapsed: Duration::ZERO,
    });
    (effects, run)
}

fn simulate(model: &mut Model) -> Vec<Effect> {
    let Some(scenario) = model.loaded.as_ref().map(|l| l.scenario.clone()) else {
        model.status = "no scenario loaded: pick one on the Scenarios tab".to_owned();
        return Vec::new();
    };
    model.status = format!("simulating \"{}\"", scenario.name);
    let (mut effects, run) = start(model, TaskKind::Simulate, "starting");
    effects.push(Effect::Simulate { run, scenario });
    effects
}

fn plan(model: &mut Model) -> Vec<Effect> {
    let Some(scenario) = model.loaded.as_ref().map(|l| l.scenario.clone()) else {
        model.status = "no scenario loaded: pick one on the Scenarios tab".to_owned();
        return Vec::new();
    };
    model.status = format!(
        "planning \"{}\" for {}",
        scenario.name,
        model.objective.name()
    );
    let objective = model.objective;
    let (mut effects, run) = start(
        model,
        TaskKind::Plan,
        "searching placements and configurations",
    );
    effects.push(Effect::Plan {
        run,
        scenario,
        objective,
    });
    effects
}

/// Enter on the What-if tab: simulates the scenario file with the changed
/// knobs written into it.
fn what_if(model: &mut Model) -> Vec<Effect> {
    let Some(path) = model.loaded.as_ref().map(|l| l.path.clone()) else {
        model.status = "no scenario loaded: pick one on the Scenarios tab".to_owned();
        return Vec::new();
    };
    let edits = model.whatif.edits();
    if edits.is_empty() {
        model.status = "change a knob first (Left / Right), then Enter runs the what-if".to_owned();
        return Vec::new();
    }
    let mut effects: Vec<Effect> = model
        .whatif
        .running
        .take()
        .map(Effect::Cancel)
        .into_iter()
        .collect();
    let run = model.next_run;
    model.next_run += 1;
    model.whatif.running = Some(run);
    model.whatif.ran = edits.clone();
    model.status = format!(
        "what-if: {}",
        edits
            .iter()
            .map(|(k, v)| format!("{k} = {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    effects.push(Effect::WhatIf { run, path, edits });
    effects
}

/// `x`: runs the best plan with `cirrus exec` on this machine, when the
/// plan is for this machine's devices.
fn execute(model: &mut Model) -> Vec<Effect> {
    let Some(plan) = model.plan.clone() else {
        model.status =
            "no plan yet: p on the Plan tab runs the planner, then x runs its best plan".to_owned();
        return Vec::new();
    };
    let s = &plan.scenario;
    if !s
        .jobs
        .get(plan.job)
        .is_some_and(|job| cirrus_sim::estimate::local::is_local(s, job))
    {
        model.status = "x runs plans for this machine's devices (pools with profile = \"local\", e.g. scenarios/local-2-workers.toml); run a cluster's plan with cirrus exec on its machines".to_owned();
        return Vec::new();
    }
    let mut effects = stop_exec(model);
    let run = model.next_run;
    model.next_run += 1;
    model.exec = Some(crate::exec::ExecView {
        source: "started here".to_owned(),
        started_here: true,
        ..Default::default()
    });
    model.exec_run = Some(run);
    model.tab = Tab::Executor;
    model.status = format!("running the best plan of \"{}\" with cirrus exec", s.name);
    effects.push(Effect::Execute {
        run,
        plan_json: plan.plan(model.objective.name()).to_json(),
    });
    effects
}

/// Follows the events file `path` of a run started elsewhere.
pub fn follow(model: &mut Model, path: std::path::PathBuf) -> Vec<Effect> {
    let mut effects = stop_exec(model);
    let run = model.next_run;
    model.next_run += 1;
    model.exec = Some(crate::exec::ExecView {
        source: path.display().to_string(),
        ..Default::default()
    });
    model.exec_run = Some(run);
    model.tab = Tab::Executor;
    model.status = format!("following {}", path.display());
    effects.push(Effect::Follow { run, path });
    effects
}

/// Stops following the executor run (and stops the run if the dashboard
/// started it).
fn stop_exec(model: &mut Model) -> Vec<Effect> {
    match model.exec_run.take() {
        Some(run) => {
            model.status = "executor run stopped".to_owned();
            if let Some(view) = model.exec.as_mut()
                && view.ended.is_none()
            {
                view.ended = Some((false, "stopped from the dashboard".to_owned()));
            }
            vec![Effect::Cancel(run)]
        }
        None => Vec::new(),
    }
}

/// Stops the running task, if any.
fn cancel(model: &mut Model) -> Vec<Effect> {
    match model.task.take() {
        Some(t) => {
            model.status = match t.kind {
                TaskKind::Simulate => "simulation cancelled".to_owned(),
                TaskKind::Plan => "planning cancelled".to_owned(),
            };
            vec![Effect::Cancel(t.run)]
        }
        None => Vec::new(),
    }
}

#[cfg(test)]
mod tests;
