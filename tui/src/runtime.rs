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
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};

/// How often the running task's elapsed time is refreshed.
const TICK: Duration = Duration::from_millis(250);

/// How long the key reader waits for a key before checking it should stop.
const POLL: Duration = Duration::from_millis(100);

/// Runs the dashboard until the user quits: offers the `.toml` files of
/// `scenarios_dir` and opens `file` first, if given.
pub fn run(file: Option<PathBuf>, scenarios_dir: &Path) -> Result<(), TuiError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let result = rt.block_on(event_loop(file, scenarios_dir));
    // A planner cannot be interrupted: do not wait for one still running.
    rt.shutdown_background();
    result
}

/// Starts and cancels background work for [`update`].
struct Runner {
    messages: UnboundedSender<Message>,
    fatal: UnboundedSender<String>,
    cancels: HashMap<RunId, (Arc<AtomicBool>, Instant)>,
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
            Effect::Cancel(run) => {
                if let Some((flag, _)) = self.cancels.remove(&run) {
                    flag.store(true, Ordering::Relaxed);
                }
            }
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

/// Reads terminal events on a plain thread (crossterm's reads block) until
/// the receiver is gone.
fn spawn_key_reader(tx: UnboundedSender<Event>) {
    std::thread::spawn(move || {
        loop {
            match event::poll(POLL) {
                Ok(true) => {
                    let sent = event::read().map(|ev| tx.send(ev).is_ok());
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

fn apply(model: &mut Model, msg: Message, runner: &mut Runner) {
    for effect in update(model, msg) {
        runner.execute(effect);
    }
}

async fn event_loop(file: Option<PathBuf>, scenarios_dir: &Path) -> Result<(), TuiError> {
    let mut model = Model::new(tasks::scenario_files(scenarios_dir));
    let mut guard = TerminalGuard::enter()?;
    let (tx, mut rx) = unbounded_channel();
    let (fatal_tx, mut fatal_rx) = unbounded_channel();
    let (key_tx, mut key_rx) = unbounded_channel();
    spawn_key_reader(key_tx);
    let mut runner = Runner {
        messages: tx,
        fatal: fatal_tx,
        cancels: HashMap::new(),
    };
    if let Some(path) = file {
        runner.execute(Effect::Load(path));
    }
    let mut ticker = tokio::time::interval(TICK);
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    while !model.quit {
        guard.terminal.draw(|frame| view(&model, frame))?;
        let msg = tokio::select! {
            ev = key_rx.recv() => match ev {
                Some(Event::Key(key)) => keys::message_for(&model, key),
                Some(_) => None,
                None => Some(Message::Quit),
            },
            msg = rx.recv() => msg,
            _ = ticker.tick() => runner.tick(&model),
            _ = &mut ctrl_c => Some(Message::Quit),
            why = fatal_rx.recv() => {
                return Err(TuiError::Task(why.unwrap_or_default()));
            }
        };
        if let Some(msg) = msg {
            apply(&mut model, msg, &mut runner);
        }
        // A burst of progress reports is drawn once.
        while let Ok(msg) = rx.try_recv() {
            apply(&mut model, msg, &mut runner);
        }
    }
    Ok(())
}
