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
            return cancel(model);
        }
        Message::Up(n) => move_selection(model, -(n as isize)),
        Message::Down(n) => move_selection(model, n as isize),
        Message::Open => return open(model),
        Message::StartInput => match model.tab {
            Tab::Scenarios => model.input = Some(Input::Path(String::new())),
            Tab::Queue => model.input = Some(Input::Filter),
            _ => {}
        },
        Message::Input(c) => type_char(model, Some(c)),
        Message::Backspace => type_char(model, None),
        Message::Escape => {
            if model.input.is_some() {
                model.input = None;
            } else if model.help {
                model.help = false;
            } else {
                return cancel(model);
            }
        }
        Message::Cancel => return cancel(model),
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
            rebuild_queue(model);
        }
        Message::ReverseSort => {
            model.queue.descending = !model.queue.descending;
            rebuild_queue(model);
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
                        model.queue.selected = 0;
                        rebuild_queue(model);
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
        Tab::Overview => return,
    };
    let last = len.saturating_sub(1) as isize;
    *selected = (*selected as isize + step).clamp(0, last) as usize;
}

/// Adds (`Some`) or removes (`None`) a typed character.
fn type_char(model: &mut Model, c: Option<char>) {
    match &mut model.input {
        Some(Input::Path(text)) => edit(text, c),
        Some(Input::Filter) => {
            edit(&mut model.queue.filter, c);
            model.queue.selected = 0;
            rebuild_queue(model);
        }
        None => {}
    }
}

fn edit(text: &mut String, c: Option<char>) {
    match c {
        Some(c) => text.push(c),
        None => {
            text.pop();
        }
    }
}

fn rebuild_queue(model: &mut Model) {
    let jobs = match model.sim.as_deref() {
        Some(SimOutput::Cluster { outcome, .. }) => outcome.jobs.as_slice(),
        _ => &[],
    };
    model.queue.rebuild(jobs);
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
