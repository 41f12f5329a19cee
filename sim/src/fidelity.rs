//! The fidelity harness: published measurements turned into scenarios,
//! simulated, and compared row by row (`cirrus validate FILE.csv`).
//!
//! Understood formats (by their header row):
//! - Korthikanti et al. 2022 Table 5 (`sim/data/measured/korthikanti_2022_table5.csv`):
//!   end-to-end iteration times of GPT models on Selene (DGX A100 80GB, 8 ×
//!   200 Gb/s HDR InfiniBand per node) with full recompute, and with
//!   selective recompute plus sequence parallelism.
//! - Published throughput tables (`sim/data/measured/nemo_dense_throughput.csv`):
//!   one run per row (model preset, catalogue device, GPUs, precision,
//!   batch, parallel degrees) with its measured tokens per second per GPU,
//!   the iteration time being `global_batch · seq_len / (tokens/s/GPU ·
//!   GPUs)`; a `fitted` column says which rows a calibration figure was
//!   fitted to, so that the summary counts only the others.

use crate::scenario::{self, Scenario};
use thiserror::Error;

mod throughput;

/// One published measurement, as a scenario to simulate.
#[derive(Debug, Clone, PartialEq)]
pub struct Measurement {
    /// Row label.
    pub name: String,
    /// The scenario (TOML) describing the measured run.
    pub scenario: String,
    /// The measured iteration time, seconds.
    pub measured_s: f64,
    /// Whether a calibration figure was fitted to this row (it then
    /// predicts nothing and stays out of the summary).
    pub fitted: bool,
}

/// Predicted against measured for one row.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// Row label.
    pub name: String,
    /// Measured, seconds.
    pub measured_s: f64,
    /// Predicted, seconds.
    pub predicted_s: f64,
    /// Whether a calibration figure was fitted to this row.
    pub fitted: bool,
}

impl Comparison {
    /// (predicted − measured) / measured.
    pub fn error(&self) -> f64 {
        (self.predicted_s - self.measured_s) / self.measured_s
    }
}

/// Every row and the summary errors.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// Rows in file order.
    pub rows: Vec<Comparison>,
}

impl Report {
    /// The rows no calibration figure was fitted to.
    fn held_out(&self) -> impl Iterator<Item = &Comparison> {
        self.rows.iter().filter(|r| !r.fitted)
    }

    /// Rows held out (not fitted to): those the summary errors cover.
    pub fn held_out_rows(&self) -> usize {
        self.held_out().count()
    }

    /// Mean absolute relative error over the held-out rows.
    pub fn mean_abs_error(&self) -> f64 {
        let n = self.held_out_rows();
        if n == 0 {
            return 0.0;
        }
        self.held_out().map(|r| r.error().abs()).sum::<f64>() / n as f64
    }

    /// Largest absolute relative error over the held-out rows.
    pub fn max_abs_error(&self) -> f64 {
        self.held_out().map(|r| r.error().abs()).fold(0.0, f64::max)
    }
}

/// Why a measurement file could not be used.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum FidelityError {
    /// The header is not one this harness understands.
    #[error(
        "{file}: unrecognised header; expected the columns of korthikanti_2022_table5.csv or of nemo_dense_throughput.csv"
    )]
    UnknownFormat {
        /// The file.
        file: String,
    },
    /// A row is malformed.
    #[error("{file}:{line}: column `{column}`: {message}")]
    BadRow {
        /// The file.
        file: String,
        /// 1-based line.
        line: usize,
        /// Column name.
        column: String,
        /// What is wrong.
        message: String,
    },
    /// A generated scenario failed to validate or simulate.
    #[error("row `{row}`: {message}")]
    Simulation {
        /// Row label.
        row: String,
        /// Why.
        message: String,
    },
}

const TABLE5_COLUMNS: [&str; 15] = [
    "model",
    "attention_heads",
    "hidden_size",
    "num_layers",
    "tensor_parallel",
    "pipeline_parallel",
    "num_gpus",
    "global_batch_size",
    "microbatch_size",
    "iter_time_s_full_recompute",
    "iter_time_s_present_work",
    "throughput_increase_pct",
    "mfu_pct",
    "hfu_pct",
    "interleave",
];

/// Reads a measurement file into scenarios (comment lines start with `#`).
pub fn read(text: &str, file: &str) -> Result<Vec<Measurement>, FidelityError> {
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'));
    let header: Vec<&str> = lines
        .next()
        .map(|(_, l)| l.split(',').map(str::trim).collect())
        .unwrap_or_default();
    if header == throughput::COLUMNS {
        return throughput::read(lines, file);
    }
    if header != TABLE5_COLUMNS {
        return Err(FidelityError::UnknownFormat {
            file: file.to_owned(),
        });
    }
    let mut out = Vec::new();
    for (i, line) in lines {
        let cells: Vec<&str> = line.split(',').map(str::trim).collect();
        let bad = |column: &str, message: String| FidelityError::BadRow {
            file: file.to_owned(),
            line: i + 1,
            column: column.to_owned(),
            message,
        };
        if cells.len() != TABLE5_COLUMNS.len() {
            return Err(bad(
                "model",
                format!(
                    "expected {} cells, found {}",
                    TABLE5_COLUMNS.len(),
                    cells.len()
                ),
            ));
        }
        let int = |c: usize| {
            cells[c].parse::<u64>().map_err(|_| {
                bad(
                    TABLE5_COLUMNS[c],
                    format!("expected a positive integer, found `{}`", cells[c]),
                )
            })
        };
        let time = |c: usize| -> Result<Option<f64>, FidelityError> {
            if cells[c].is_empty() {
                return Ok(None);
            }
            match cells[c].parse::<f64>() {
                Ok(x) if x > 0.0 => Ok(Some(x)),
                _ => Err(bad(
                    TABLE5_COLUMNS[c],
                    format!("expected seconds > 0, found `{}`", cells[c]),
                )),
            }
        };
        let (heads, hidden, layers, tp, pp, gpus, batch, mb) = (
            int(1)?,
            int(2)?,
            int(3)?,
            int(4)?,
            int(5)?,
            int(6)?,
            int(7)?,
            int(8)?,
        );
        let v = int(14)?;
        if tp * pp == 0 || gpus % (tp * pp) != 0 || gpus % 8 != 0 {
            return Err(bad(
                "num_gpus",
                format!("{gpus} GPUs are not whole 8-GPU nodes of tp × pp = {tp} × {pp} groups"),
            ));
        }
        let dp = gpus / (tp * pp);
        let schedule = if v > 1 { "interleaved-1f1b" } else { "1f1b" };
        for (column, recompute, sp, label) in [
            (9, "full", false, "full recompute"),
            (10, "selective", true, "selective + SP"),
        ] {
            let Some(measured_s) = time(column)? else {
                continue;
            };
            let scenario = format!(
                r#"# {name}, {label}: Korthikanti et al. 2022 (arXiv 2205.05198), Selene.
name = "{name} ({label})"
[[pool]]
name = "selene"
device = "a100-sxm4-80gb"
nodes = {nodes}
devices_per_node = 8
nics_per_node = 8
nic_gbit_s = 200
[[job]]
name = "{name}"
seq_len = 2048
global_batch = {batch}
precision = "bf16"
[job.model]
layers = {layers}
hidden = {hidden}
heads = {heads}
vocab = 51200
[job.parallelism]
tp = {tp}
pp = {pp}
dp = {dp}
microbatch = {mb}
schedule = "{schedule}"
virtual_stages = {v}
recompute = "{recompute}"
sequence_parallel = {sp}
"#,
                name = cells[0],
                nodes = gpus / 8,
            );
            out.push(Measurement {
                name: format!("{} ({label})", cells[0]),
                scenario,
                measured_s,
                fitted: false,
            });
        }
    }
    Ok(out)
}

/// Simulates every measurement with `predict` (the step time of the
/// scenario's single job) and compares.
pub fn compare<F>(rows: &[Measurement], mut predict: F) -> Result<Report, FidelityError>
where
    F: FnMut(&Scenario) -> Result<f64, String>,
{
    let mut out = Vec::new();
    for m in rows {
        let fail = |message: String| FidelityError::Simulation {
            row: m.name.clone(),
            message,
        };
        let s = scenario::parse(&m.scenario, &m.name).map_err(|d| fail(d.to_string()))?;
        let predicted_s = predict(&s).map_err(fail)?;
        out.push(Comparison {
            name: m.name.clone(),
            measured_s: m.measured_s,
            predicted_s,
            fitted: m.fitted,
        });
    }
    Ok(Report { rows: out })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TABLE5: &str = include_str!("../data/measured/korthikanti_2022_table5.csv");

    #[test]
    fn reads_every_row_of_table5() {
        let rows = read(TABLE5, "table5.csv").expect("the committed copy parses");
        // 4 models × 2 columns + the 8-way data-parallel 530B row.
        assert_eq!(rows.len(), 9);
        assert_eq!(rows[0].measured_s, 1.42);
        for r in &rows {
            scenario::parse(&r.scenario, &r.name).unwrap_or_else(|d| panic!("{d}"));
        }
    }

    #[test]
    fn rejects_unknown_and_malformed_files() {
        assert!(matches!(
            read("a,b\n1,2\n", "x.csv"),
            Err(FidelityError::UnknownFormat { .. })
        ));
        let header = TABLE5_COLUMNS.join(",");
        let bad = format!("{header}\n22B,64,6144,48,8,1,8,4,four,1.42,1.10,29.0,41.5,43.7,1\n");
        let err = read(&bad, "x.csv").expect_err("bad microbatch");
        assert_eq!(
            err.to_string(),
            "x.csv:2: column `microbatch_size`: expected a positive integer, found `four`"
        );
    }

    #[test]
    fn errors_are_relative_to_the_measurement() {
        let c = Comparison {
            name: "x".into(),
            measured_s: 2.0,
            predicted_s: 2.1,
            fitted: false,
        };
        assert!((c.error() - 0.05).abs() < 1e-12);
        let r = Report {
            rows: vec![
                c.clone(),
                Comparison {
                    predicted_s: 1.8,
                    ..c.clone()
                },
            ],
        };
        assert!((r.mean_abs_error() - 0.075).abs() < 1e-12);
        assert!((r.max_abs_error() - 0.1).abs() < 1e-12);
        // A fitted row stays out of the summary.
        let mut rows = r.rows.clone();
        rows.push(Comparison {
            predicted_s: 4.0,
            fitted: true,
            ..c
        });
        let r = Report { rows };
        assert_eq!(r.held_out_rows(), 2);
        assert!((r.max_abs_error() - 0.1).abs() < 1e-12);
    }
}
