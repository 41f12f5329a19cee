//! `cirrus exec --events FILE`: the run as it happens, one JSON object per
//! line (events format 1), flushed line by line so that `cirrus tui --exec
//! FILE` (or `tail -f`) can follow it live:
//!
//! ```text
//! {"event":"start","format_version":1,"plan":"plan.json","job":"gpt-tiny","workers":2,"devices":["lavapipe","cpu"],"steps":300}
//! {"event":"step","rank":0,"step":1,"steps":300,"loss":5.53,"val_loss":null,"step_s":0.21,"compute_s":0.2,"idle_s":0.0,"comm_s":0.01}
//! {"event":"end","ok":true,"message":"300 steps"}
//! ```
//!
//! The file is a live log, not a result: it is written in place (not
//! atomically) and ends with an `end` line whether the run succeeds or not.
//! A resumed run (`--resume`) appends its `start`, `step` and `end` lines.

use crate::Failure;
use cirrus_executor::run::Progress;
use serde_json::json;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::Mutex;

/// Version of the events format.
pub const EVENTS_FORMAT: u32 = 1;

/// An open events file.
pub struct EventLog {
    out: Mutex<Option<BufWriter<File>>>,
}

impl EventLog {
    /// Creates (truncates) `path`, or with `append` (a resumed run)
    /// appends to it, and writes the `start` line.
    pub fn create(
        path: &Path,
        append: bool,
        plan: &str,
        job: &str,
        devices: &[String],
        steps: u64,
    ) -> Result<Self, Failure> {
        let file = if append {
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
        } else {
            File::create(path)
        };
        let file = file.map_err(|e| {
            Failure::BadInput(format!(
                "error: cannot create the events file {}: {e}",
                path.display()
            ))
        })?;
        let log = EventLog {
            out: Mutex::new(Some(BufWriter::new(file))),
        };
        log.line(&json!({
            "event": "start",
            "format_version": EVENTS_FORMAT,
            "plan": plan,
            "job": job,
            "workers": devices.len(),
            "devices": devices,
            "steps": steps,
        }));
        Ok(log)
    }

    /// Writes a worker's `step` line.
    pub fn step(&self, p: &Progress) {
        self.line(&json!({
            "event": "step",
            "rank": p.rank,
            "step": p.step,
            "steps": p.steps,
            "loss": p.loss,
            "val_loss": p.val_loss,
            "step_s": p.timing.step_s,
            "compute_s": p.timing.compute_s,
            "idle_s": p.timing.idle_s,
            "comm_s": p.timing.comm_s,
        }));
    }

    /// Writes the `end` line.
    pub fn end(&self, ok: bool, message: &str) {
        self.line(&json!({"event": "end", "ok": ok, "message": message}));
    }

    /// Writes one line and flushes it; after a write error, warns once and
    /// writes no more (the run itself goes on).
    fn line(&self, value: &serde_json::Value) {
        let Ok(mut guard) = self.out.lock() else {
            return;
        };
        let Some(out) = guard.as_mut() else {
            return;
        };
        let written = serde_json::to_writer(&mut *out, value)
            .map_err(std::io::Error::other)
            .and_then(|()| out.write_all(b"\n"))
            .and_then(|()| out.flush());
        if let Err(e) = written {
            crate::errln!("warning: the events file stopped being written: {e}");
            *guard = None;
        }
    }
}
