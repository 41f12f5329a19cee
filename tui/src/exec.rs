//! The Executor tab's data: a `cirrus exec` run followed through its
//! events file (`cirrus exec --events FILE`, events format 1: one JSON
//! object per line), whether the dashboard started the run (`x`) or the
//! user did (`cirrus tui --exec FILE`).

use serde::Deserialize;

/// One line of an events file.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "event", rename_all = "lowercase")]
pub enum ExecEvent {
    /// The run starts.
    Start {
        /// Plan file.
        plan: String,
        /// Job name.
        job: String,
        /// Workers.
        workers: usize,
        /// Each worker's device, by rank.
        devices: Vec<String>,
        /// Steps it will run.
        steps: u64,
    },
    /// A worker finished a step.
    Step {
        /// The worker.
        rank: usize,
        /// Steps done.
        step: u64,
        /// The global batch's training loss.
        loss: f32,
        /// The latest validation loss.
        val_loss: Option<f32>,
        /// The worker's step, s.
        step_s: f64,
        /// Its compute, s.
        compute_s: f64,
        /// Its wait for the slowest worker, s.
        idle_s: f64,
        /// Its gradient exchange, s.
        comm_s: f64,
    },
    /// The run ended.
    End {
        /// Whether it succeeded.
        ok: bool,
        /// What happened.
        message: String,
    },
}

impl ExecEvent {
    /// Parses one line of an events file.
    pub fn parse(line: &str) -> Result<ExecEvent, String> {
        serde_json::from_str(line).map_err(|e| format!("not an events line ({e}): {line}"))
    }
}

/// One worker's steps so far.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct WorkerTrace {
    /// Its device.
    pub device: String,
    /// Every step's time, s, in order.
    pub step_s: Vec<f64>,
    /// The last step's `(compute, idle, comm)`, s.
    pub last: (f64, f64, f64),
}

impl WorkerTrace {
    /// Median step time so far (0 with none).
    pub fn median_step_s(&self) -> f64 {
        let mut v = self.step_s.clone();
        v.sort_by(f64::total_cmp);
        match v.len() {
            0 => 0.0,
            n if n % 2 == 1 => v[n / 2],
            n => 0.5 * (v[n / 2 - 1] + v[n / 2]),
        }
    }
}

/// A run as the Executor tab shows it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ExecView {
    /// The events file followed.
    pub source: String,
    /// Plan file, job and step target (from the start line).
    pub plan: String,
    /// Job name.
    pub job: String,
    /// Steps the run will take.
    pub steps: u64,
    /// Per rank.
    pub workers: Vec<WorkerTrace>,
    /// `(step, training loss)`, from rank 0's lines.
    pub losses: Vec<(u64, f32)>,
    /// `(step, validation loss)`, each new one once.
    pub val_losses: Vec<(u64, f32)>,
    /// How it ended: `(ok, message)`.
    pub ended: Option<(bool, String)>,
    /// Whether the dashboard started the run (and stops it on `c`).
    pub started_here: bool,
}

impl ExecView {
    /// Steps done (rank 0's).
    pub fn step(&self) -> u64 {
        self.losses.last().map_or(0, |l| l.0)
    }

    /// Takes in one event.
    pub fn apply(&mut self, event: ExecEvent) {
        match event {
            ExecEvent::Start {
                plan,
                job,
                workers,
                devices,
                steps,
            } => {
                // A resumed run appends to the same file: it is live again.
                self.ended = None;
                self.plan = plan;
                self.job = job;
                self.steps = steps;
                self.workers = (0..workers)
                    .map(|r| WorkerTrace {
                        device: devices.get(r).cloned().unwrap_or_default(),
                        ..WorkerTrace::default()
                    })
                    .collect();
            }
            ExecEvent::Step {
                rank,
                step,
                loss,
                val_loss,
                step_s,
                compute_s,
                idle_s,
                comm_s,
            } => {
                if rank >= self.workers.len() {
                    self.workers.resize(rank + 1, WorkerTrace::default());
                }
                let w = &mut self.workers[rank];
                w.step_s.push(step_s);
                w.last = (compute_s, idle_s, comm_s);
                if rank == 0 {
                    // A resumed run repeats the steps after its checkpoint
                    // that a killed run had done: the newer ones replace them.
                    if self.losses.last().is_some_and(|&(last, _)| last >= step) {
                        self.losses.retain(|&(s, _)| s < step);
                        self.val_losses.retain(|&(s, _)| s < step);
                    }
                    self.losses.push((step, loss));
                    if let Some(v) = val_loss
                        && self.val_losses.last().is_none_or(|&(_, last)| last != v)
                    {
                        self.val_losses.push((step, v));
                    }
                }
            }
            ExecEvent::End { ok, message } => self.ended = Some((ok, message)),
        }
    }
}

/// Splits `buffer` into its complete lines (removed from it) and parses
/// each non-empty one; a partial last line stays for the next read.
pub fn take_lines(buffer: &mut String) -> Vec<Result<ExecEvent, String>> {
    let Some(end) = buffer.rfind('\n') else {
        return Vec::new();
    };
    let complete: String = buffer.drain(..=end).collect();
    complete
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(ExecEvent::parse)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const START: &str = r#"{"event":"start","format_version":1,"plan":"p.json","job":"tiny","workers":2,"devices":["local","cpu"],"steps":3}"#;

    fn step(rank: usize, step: u64, val: Option<f32>) -> String {
        format!(
            r#"{{"event":"step","rank":{rank},"step":{step},"steps":3,"loss":{},"val_loss":{},"step_s":0.{rank}5,"compute_s":0.1,"idle_s":0.0,"comm_s":0.01}}"#,
            5.0 - step as f32,
            val.map_or("null".to_owned(), |v| v.to_string())
        )
    }

    #[test]
    fn lines_are_taken_whole_and_a_partial_line_waits() {
        let mut buf = format!("{START}\n{}\n{{\"event\":\"st", step(0, 1, None));
        let got = take_lines(&mut buf);
        assert_eq!(got.len(), 2);
        assert!(got.iter().all(Result::is_ok));
        assert_eq!(buf, "{\"event\":\"st");
        assert!(take_lines(&mut buf).is_empty());
        let mut bad = "not json\n".to_owned();
        assert!(take_lines(&mut bad)[0].is_err());
    }

    #[test]
    fn a_run_builds_up_curves_and_per_worker_times() {
        let mut v = ExecView::default();
        let mut buf = [
            START.to_owned(),
            step(0, 1, None),
            step(1, 1, None),
            step(0, 2, Some(4.5)),
            step(1, 2, Some(4.5)),
            step(0, 3, Some(4.5)),
            r#"{"event":"end","ok":true,"message":"finished"}"#.to_owned(),
        ]
        .join("\n");
        buf.push('\n');
        for e in take_lines(&mut buf) {
            v.apply(e.expect("parses"));
        }
        assert_eq!((v.job.as_str(), v.steps, v.step()), ("tiny", 3, 3));
        assert_eq!(v.workers.len(), 2);
        assert_eq!(v.workers[1].device, "cpu");
        assert_eq!(v.workers[0].step_s.len(), 3);
        assert_eq!(v.workers[1].median_step_s(), 0.15);
        assert_eq!(v.losses, vec![(1, 4.0), (2, 3.0), (3, 2.0)]);
        assert_eq!(
            v.val_losses,
            vec![(2, 4.5)],
            "a repeated value is one point"
        );
        assert_eq!(v.ended, Some((true, "finished".to_owned())));
    }

    /// A killed run (steps 1–3, no end) resumed from its step-1 checkpoint
    /// appends a second start: the view is live again, and the repeated
    /// steps replace the killed run's.
    #[test]
    fn a_resumed_run_appended_to_the_file_replaces_the_repeated_steps() {
        let mut v = ExecView::default();
        let mut buf = [
            START.to_owned(),
            step(0, 1, None),
            step(0, 2, Some(4.5)),
            step(0, 3, None),
            r#"{"event":"end","ok":false,"message":"killed"}"#.to_owned(),
            START.to_owned(),
            step(0, 2, Some(4.0)),
        ]
        .join("\n");
        buf.push('\n');
        for e in take_lines(&mut buf) {
            v.apply(e.expect("parses"));
        }
        assert_eq!(v.ended, None, "the resumed run is still going");
        assert_eq!(v.losses, vec![(1, 4.0), (2, 3.0)]);
        assert_eq!(v.val_losses, vec![(2, 4.0)]);
    }
}
