//! The event loop on tokio: key presses from a reader thread, messages
//! from background tasks, a clock tick, and Ctrl-C all become
//! [`Message`]s for [`update`]; the [`Effect`]s it returns start blocking
//! tasks (simulations, plans, file reads) that never hold up the loop. The
//! screen is redrawn after each batch of messages.

use crate::error::TuiError;
use crate::keys;
use crate::message::{Effect, Message, RunId};
use crate::model::Model;
use crate::tasks;
use crate::terminal::TerminalGuard;
use crate::update::update;
use crate::view::view;
use ratatui::crossterm::event::{self, Event};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::signal::unix::{Signal, SignalKind, signal};
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};

/// How often the running task's elapsed time is refreshed.
const TICK: Duration = Duration::from_millis(250);

/// How long the key reader waits for a key before checking it should stop.
const POLL: Duration = Duration::from_millis(100);

/// What `cirrus tui` starts with.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// A scenario file to open first.
    pub file: Option<PathBuf>,
    /// The directory whose `.toml` files the Scenarios tab offers.
    pub scenarios_dir: PathBuf,
    /// An events file (`cirrus exec --events`) to follow on the Executor tab.
    pub exec_events: Option<PathBuf>,
    /// Append each key press's response time here: the key, then the
    /// milliseconds from reading it to the end of drawing the frame that
    /// shows its effect.
    pub key_log: Option<PathBuf>,
}

/// Runs the dashboard until the user quits.
pub fn run(options: Options) -> Result<(), TuiError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let result = rt.block_on(event_loop(options));
    // A planner cannot be interrupted: do not wait for one still running.
    rt.shutdown_background();
    result
}

/// Starts and cancels background work for [`update`].
struct Runner {
    messages: UnboundedSender<Message>,
    fatal: UnboundedSender<String>,
    cancels: HashMap<RunId, (Arc<AtomicBool>, Instant)>,
    /// The number of the latest queue sort asked for; older ones not yet
    /// started are skipped, and their rows never sent.
    latest_sort: Arc<AtomicU64>,
}

impl Runner {
    fn execute(&mut self, effect: Effect) {
        match effect {
            Effect::Load(path) => {
                let tx = self.messages.clone();
                self.spawn("loading a scenario", move || {
                    let result = tasks::load(&path).map(Arc::new);
                    let _ = tx.send(Message::Loaded { path, result });
                });
            }
            Effect::Simulate { run, scenario } => {
                let cancel = self.register(run);
                let tx = self.messages.clone();
                self.spawn("the simulation", move || {
                    let progress_tx = tx.clone();
                    let mut progress = move |phase: String, cluster| {
                        let _ = progress_tx.send(Message::Progress {
                            run,
                            phase,
                            cluster,
                        });
                    };
                    let result = tasks::simulate(&scenario, &mut progress, &cancel).map(Arc::new);
                    let _ = tx.send(Message::Simulated { run, result });
                });
            }
            Effect::Plan {
                run,
                scenario,
                objective,
            } => {
                let cancel = self.register(run);
                let tx = self.messages.clone();
                self.spawn("the planner", move || {
                    let result = tasks::plan(&scenario, objective, &cancel).map(Arc::new);
                    let _ = tx.send(Message::Planned { run, result });
                });
            }
            Effect::WhatIf { run, path, edits } => {
                let cancel = self.register(run);
                let tx = self.messages.clone();
                self.spawn("the what-if", move || {
                    let result = tasks::what_if(&path, &edits, &cancel).map(Arc::new);
                    let _ = tx.send(Message::WhatIfDone { run, result });
                });
            }
            Effect::Execute { run, plan_json } => {
                let cancel = self.register(run);
                let tx = self.messages.clone();
                self.spawn("the executor run", move || {
                    let started = std::env::current_exe()
                        .map_err(|e| format!("cannot find this program: {e}"))
                        .and_then(|exe| tasks::start_exec(&exe, &plan_json, run));
                    let error = match started {
                        Ok((child, events)) => follow_run(&tx, run, &events, Some(child), &cancel),
                        Err(e) => Some(e),
                    };
                    let _ = tx.send(Message::ExecStopped { run, error });
                });
            }
            Effect::Follow { run, path } => {
                let cancel = self.register(run);
                let tx = self.messages.clone();
                self.spawn("following a run", move || {
                    let error = follow_run(&tx, run, &path, None, &cancel);
                    let _ = tx.send(Message::ExecStopped { run, error });
                });
            }
            Effect::SortQueue {
                generation,
                sim,
                order,
            } => {
                let latest = self.latest_sort.clone();
                latest.store(generation, Ordering::Relaxed);
                let tx = self.messages.clone();
                self.spawn("sorting the queue", move || {
                    let current = || latest.load(Ordering::Relaxed) == generation;
                    if !current() {
                        return;
                    }
                    let jobs = match sim.as_ref() {
                        tasks::SimOutput::Cluster { outcome, .. } => outcome.jobs.as_slice(),
                        tasks::SimOutput::Steps { .. } => &[],
                    };
                    let rows = order.rows(jobs);
                    if current() {
                        let _ = tx.send(Message::QueueSorted { generation, rows });
                    }
                });
            }
            Effect::Cancel(run) => {
                if let Some((flag, _)) = self.cancels.remove(&run) {
                    flag.store(true, Ordering::Relaxed);
                }
            }
        }
    }

    /// Executes `effects` in order, except that of several queue sorts
    /// only the last is started (latest request wins).
    fn execute_all(&mut self, effects: Vec<Effect>) {
        let last_sort = effects
            .iter()
            .rposition(|e| matches!(e, Effect::SortQueue { .. }));
        for (i, effect) in effects.into_iter().enumerate() {
            if matches!(effect, Effect::SortQueue { .. }) && Some(i) != last_sort {
                continue;
            }
            self.execute(effect);
        }
    }

    fn register(&mut self, run: RunId) -> Arc<AtomicBool> {
        let flag = Arc::new(AtomicBool::new(false));
        self.cancels.insert(run, (flag.clone(), Instant::now()));
        flag
    }

    /// Runs `work` on a blocking thread; a panic there is fatal (the panic
    /// hook has already restored the terminal).
    fn spawn(&self, what: &'static str, work: impl FnOnce() + Send + 'static) {
        let fatal = self.fatal.clone();
        tokio::spawn(async move {
            if let Err(e) = tokio::task::spawn_blocking(work).await {
                let _ = fatal.send(format!("{what} stopped: {e}"));
            }
        });
    }

    /// The tick for the running task: its elapsed wall-clock time.
    fn tick(&self, model: &Model) -> Option<Message> {
        let task = model.task.as_ref()?;
        let (_, started) = self.cancels.get(&task.run)?;
        Some(Message::Tick(started.elapsed()))
    }
}

/// SIGTERM, SIGHUP and SIGQUIT: each ends the dashboard like `q` (the
/// terminal restored) instead of killing it with the terminal left raw.
struct Signals {
    term: Signal,
    hup: Signal,
    quit: Signal,
}

impl Signals {
    fn new() -> std::io::Result<Self> {
        Ok(Signals {
            term: signal(SignalKind::terminate())?,
            hup: signal(SignalKind::hangup())?,
            quit: signal(SignalKind::quit())?,
        })
    }

    /// The name of the next signal received.
    async fn recv(&mut self) -> &'static str {
        tokio::select! {
            _ = self.term.recv() => "SIGTERM",
            _ = self.hup.recv() => "SIGHUP",
            _ = self.quit.recv() => "SIGQUIT",
        }
    }
}

/// Follows a run's events file, sending its lines as messages.
fn follow_run(
    tx: &UnboundedSender<Message>,
    run: RunId,
    events: &Path,
    child: Option<std::process::Child>,
    cancel: &AtomicBool,
) -> Option<String> {
    tasks::follow(events, child, cancel, &mut |events| {
        let _ = tx.send(Message::ExecEvents { run, events });
    })
}

/// Reads terminal events on a plain thread (crossterm's reads block) until
/// the receiver is gone.
/// Each event goes with the instant it was read.
fn spawn_key_reader(tx: UnboundedSender<(Event, Instant)>) {
    std::thread::spawn(move || {
        loop {
            match event::poll(POLL) {
                Ok(true) => {
                    let sent = event::read().map(|ev| tx.send((ev, Instant::now())).is_ok());
                    if !matches!(sent, Ok(true)) {
                        break;
                    }
                }
                Ok(false) if tx.is_closed() => break,
                Ok(false) => {}
                Err(_) => break,
            }
        }
    });
}

/// The message for a terminal event (keys only), noting the key for the
/// key log.
fn key_message(
    model: &Model,
    ev: Event,
    read: Instant,
    answering: &mut Vec<(String, Instant)>,
) -> Option<Message> {
    match ev {
        Event::Key(key) => {
            answering.push((format!("{:?}", key.code).replace(' ', ""), read));
            keys::message_for(model, key)
        }
        _ => None,
    }
}

async fn event_loop(options: Options) -> Result<(), TuiError> {
    let mut model = Model::new(tasks::scenario_files(&options.scenarios_dir));
    let mut key_log = match &options.key_log {
        Some(path) => Some(std::io::BufWriter::new(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)?,
        )),
        None => None,
    };
    let mut guard = TerminalGuard::enter()?;
    let (tx, mut rx) = unbounded_channel();
    let (fatal_tx, mut fatal_rx) = unbounded_channel();
    let (key_tx, mut key_rx) = unbounded_channel();
    spawn_key_reader(key_tx);
    let mut runner = Runner {
        messages: tx,
        fatal: fatal_tx,
        cancels: HashMap::new(),
        latest_sort: Arc::new(AtomicU64::new(0)),
    };
    if let Some(path) = options.file {
        runner.execute(Effect::Load(path));
    }
    if let Some(path) = options.exec_events {
        for effect in crate::update::follow(&mut model, path) {
            runner.execute(effect);
        }
    }
    let mut ticker = tokio::time::interval(TICK);
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    let mut signals = Signals::new()?;
    // The keys whose effect the next frame shows, and when each was read.
    let mut answering: Vec<(String, Instant)> = Vec::new();
    while !model.quit {
        guard.terminal.draw(|frame| view(&model, frame))?;
        if let Some(log) = key_log.as_mut() {
            use std::io::Write;
            for (key, read) in answering.drain(..) {
                writeln!(log, "{key} {:.3}", read.elapsed().as_secs_f64() * 1e3)?;
            }
            log.flush()?;
        }
        answering.clear();
        let mut effects = Vec::new();
        let msg = tokio::select! {
            ev = key_rx.recv() => match ev {
                Some((ev, read)) => key_message(&model, ev, read, &mut answering),
                None => Some(Message::Quit),
            },
            msg = rx.recv() => msg,
            _ = ticker.tick() => runner.tick(&model),
            _ = &mut ctrl_c => Some(Message::Quit),
            name = signals.recv() => {
                // Returning drops the guard, which restores the terminal.
                drop(guard);
                return Err(TuiError::Signal(name));
            }
            why = fatal_rx.recv() => {
                return Err(TuiError::Task(why.unwrap_or_default()));
            }
        };
        if let Some(msg) = msg {
            effects.extend(update(&mut model, msg));
        }
        // Every key already typed is answered by the next frame: a burst of
        // presses is one frame (and several sort keys one sort).
        while !model.quit {
            let Ok((ev, read)) = key_rx.try_recv() else {
                break;
            };
            if let Some(msg) = key_message(&model, ev, read, &mut answering) {
                effects.extend(update(&mut model, msg));
            }
        }
        // A burst of progress reports is drawn once.
        while let Ok(msg) = rx.try_recv() {
            effects.extend(update(&mut model, msg));
        }
        runner.execute_all(effects);
    }
    Ok(())
}
