//! `cirrus sweep FILE --vary KEY=V1,V2,... [--vary ...] [--csv OUT] [--shard K/N]`.

use crate::Failure;
use crate::cli::SweepArgs;
use anyhow::{Context, anyhow};
use cirrus_sim::sweep::{self, Axis, Grid, Shard, SweepError};
use cirrus_sim::{fsio, scenario};
use rayon::prelude::*;
use std::path::Path;

/// The most worker threads `--threads` starts (never more than the
/// variants to run).
pub const MAX_THREADS: usize = 256;

/// How one variant failed.
enum VariantError {
    /// Not a valid scenario (or a key that is not there): bad input.
    Invalid(String),
    /// It could not be simulated.
    Run(String),
}

fn bad(file: &Path, e: &SweepError) -> Failure {
    match e {
        SweepError::Toml { .. } | SweepError::Key { .. } => {
            Failure::BadInput(format!("error: {e}"))
        }
        _ => Failure::BadInput(format!("{}: error: {e}", file.display())),
    }
}

/// Runs the grid (or the shard's part of it) and writes its CSV.
pub fn run(args: &SweepArgs) -> Result<(), Failure> {
    super::calibrate::ensure_local_profile(&args.file)?;
    let file = args.file.display().to_string();
    let text = fsio::read_to_string_limited(&args.file, fsio::MAX_INPUT_BYTES, "scenario")
        .map_err(|e| Failure::BadInput(format!("error: failed to read scenario {file}: {e}")))?;
    let axes = args
        .vary
        .iter()
        .map(|v| Axis::parse(v))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| bad(&args.file, &e))?;
    for (i, a) in axes.iter().enumerate() {
        if axes[..i].iter().any(|b| b.key == a.key) {
            return Err(Failure::BadInput(format!(
                "error: `--vary {}` is given twice: give all its values in one `--vary {}=V1,V2,...`",
                a.key, a.key
            )));
        }
    }
    let identity = cirrus_reports::sweep::Identity::new(
        &text,
        &axes,
        &format!("{:?}", args.model).to_lowercase(),
        args.seed,
    );
    let grid = Grid::new(axes);
    let shard = match &args.shard {
        Some(s) => Shard::parse(s).map_err(|e| bad(&args.file, &e))?,
        None => Shard::ALL,
    };
    // A key that is not in the file fails every variant alike: say so once,
    // before any work.
    let first = grid.values(0);
    sweep::variant_text(&text, &file, &grid.axes, &first).map_err(|e| bad(&args.file, &e))?;

    let dir = args.file.parent().unwrap_or_else(|| Path::new("."));
    let method = super::method(args.model);
    let opts = super::load_options(args.model);
    let indices: Vec<usize> = shard.indices(grid.len()).collect();
    let started = std::time::Instant::now();
    let bar = crate::output::progress_bar(indices.len() as u64, false, "variant");
    let one = |i: usize| -> Result<Vec<String>, VariantError> {
        let values = grid.values(i);
        let label = grid.label(&file, i);
        let variant = sweep::variant_text(&text, &file, &grid.axes, &values)
            .map_err(|e| VariantError::Invalid(format!("{label}: error: {e}")))?;
        let s = scenario::parse_with(&variant, &label, dir, &opts)
            .map_err(|d| VariantError::Invalid(d.to_string()))?;
        let result = sweep::run(s, args.seed, method, &label)
            .map_err(|e| VariantError::Run(e.to_string()))?;
        bar.inc(1);
        Ok(cirrus_reports::sweep::row(i, grid.len(), &values, &result))
    };
    let run_all = || {
        indices
            .par_iter()
            .map(|&i| one(i))
            .collect::<Vec<Result<Vec<String>, VariantError>>>()
    };
    let (results, threads) = match args.threads {
        Some(n) => {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(n.clamp(1, MAX_THREADS.min(indices.len().max(1))))
                .build()
                .context("failed to start the worker threads")?;
            (pool.install(run_all), pool.current_num_threads())
        }
        None => (run_all(), rayon::current_num_threads()),
    };
    bar.finish_and_clear();
    let mut rows = Vec::with_capacity(results.len());
    for r in results {
        match r {
            Ok(row) => rows.push(row),
            Err(VariantError::Invalid(msg)) => return Err(Failure::BadInput(msg)),
            Err(VariantError::Run(msg)) => return Err(Failure::Runtime(anyhow!(msg))),
        }
    }
    let keys: Vec<String> = grid.axes.iter().map(|a| a.key.clone()).collect();
    let csv = cirrus_reports::sweep::finish(&cirrus_reports::sweep::header(&keys), rows)
        .context("failed to write the sweep CSV")?;
    let shard_of = args.shard.as_ref().map(|_| (shard.index, shard.count));
    let csv = format!("{}\n{csv}", identity.line(shard_of));
    match &args.csv {
        Some(path) => crate::output::write_atomically(path, csv.as_bytes())?,
        None => crate::out!("{csv}")?,
    }
    // The figure docs/performance.md quotes (stderr: the CSV
    // itself never holds a wall-clock time).
    crate::errln!(
        "sweep: {} of {} variants in {:.2} s on {threads} thread{}",
        indices.len(),
        grid.len(),
        started.elapsed().as_secs_f64(),
        if threads == 1 { "" } else { "s" }
    );
    Ok(())
}
