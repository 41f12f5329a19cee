//! Sweep results as CSV: one row per variant (its index, the grid's size,
//! the varied values, the key figures), rows in variant order whatever
//! order they were computed in, and a `pareto` flag on the rows no other
//! row beats on both time and cost.
//!
//! A shard of a sweep writes the same columns for its rows (its flags
//! compare only its own rows); [`merge`] reads shards back, checks that
//! together they hold every variant exactly once, and recomputes the flags
//! over all rows, so the merged file is byte for byte the unsharded one
//! (both go through [`finish`]).

pub mod identity;

pub use identity::Identity;

use crate::ReportError;
use crate::csv::{document, number};
use cirrus_sim::result::SimResult;

/// The figure columns, after the varied keys. `time_h` and `cost_usd`
/// are the Pareto axes: a training job's time to train and cost to train
/// (its first job's), or a workload's makespan and cost.
pub const FIGURE_COLUMNS: [&str; 13] = [
    "devices",
    "step_time_s",
    "tokens_per_s",
    "mfu",
    "memory_gib_per_device",
    "fits_memory",
    "energy_kwh",
    "usd_per_million_tokens",
    "utilization",
    "avg_jct_h",
    "p99_jct_h",
    "time_h",
    "cost_usd",
];

/// The header of a sweep over `keys`: `variant`, `variants` (the grid's
/// size), the keys, [`FIGURE_COLUMNS`], `pareto`.
pub fn header(keys: &[String]) -> Vec<String> {
    ["variant", "variants"]
        .into_iter()
        .map(str::to_owned)
        .chain(keys.iter().cloned())
        .chain(FIGURE_COLUMNS.iter().map(|c| (*c).to_owned()))
        .chain(std::iter::once("pareto".to_owned()))
        .collect()
}

/// The row of variant `variant` of `variants`, with its varied `values`
/// and result (the `pareto` cell is filled by [`finish`]).
pub fn row(variant: usize, variants: usize, values: &[&str], r: &SimResult) -> Vec<String> {
    let mut out: Vec<String> = vec![variant.to_string(), variants.to_string()];
    out.extend(values.iter().map(|v| (*v).to_owned()));
    let figures: [String; 13] = if let Some(c) = &r.cluster {
        let devices: f64 = c
            .pools
            .iter()
            .map(|p| p.hours.iter().map(|h| h.held_device_h).fold(0.0, f64::max))
            .sum();
        [
            number((devices > 0.0).then_some(devices)),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            number(Some(c.energy_kwh)),
            String::new(),
            number(Some(c.utilization)),
            number(Some(c.avg_jct_s / 3600.0)),
            number(Some(c.p99_jct_s / 3600.0)),
            number(Some(c.makespan_s / 3600.0)),
            number(Some(c.cost_usd)),
        ]
    } else if let Some(j) = r.jobs.first() {
        [
            j.devices.to_string(),
            number(Some(j.step_time_s)),
            number(Some(j.tokens_per_s)),
            number(Some(j.mfu)),
            number(Some(j.memory_gib_per_device)),
            j.fits_memory.to_string(),
            number(j.energy_kwh),
            number(
                j.cost_usd
                    .zip(j.train_tokens)
                    .filter(|(_, t)| *t > 0.0)
                    .map(|(c, t)| c / (t / 1e6)),
            ),
            String::new(),
            String::new(),
            String::new(),
            number(j.time_to_train_s.map(|t| t / 3600.0)),
            number(j.cost_usd),
        ]
    } else {
        Default::default()
    };
    out.extend(figures);
    out.push(String::new());
    out
}

/// Which points no other point beats: `q` dominates `p` when it is no
/// worse on both axes and better on one; equal points are both optimal.
/// `None` (no time or cost, or out of memory) is never optimal.
pub fn pareto(points: &[Option<(f64, f64)>]) -> Vec<bool> {
    let mut order: Vec<usize> = (0..points.len()).filter(|&i| points[i].is_some()).collect();
    let at = |i: usize| points[i].unwrap_or((f64::INFINITY, f64::INFINITY));
    order.sort_by(|&a, &b| {
        let (ta, ca) = at(a);
        let (tb, cb) = at(b);
        ta.total_cmp(&tb).then(ca.total_cmp(&cb)).then(a.cmp(&b))
    });
    let mut out = vec![false; points.len()];
    let mut best_before = f64::INFINITY;
    let mut k = 0;
    while k < order.len() {
        let t = at(order[k]).0;
        let group_end = order[k..]
            .iter()
            .position(|&i| at(i).0.total_cmp(&t).is_ne())
            .map_or(order.len(), |n| k + n);
        let least = at(order[k]).1;
        if least < best_before {
            for &i in &order[k..group_end] {
                if at(i).1.total_cmp(&least).is_eq() {
                    out[i] = true;
                }
            }
        }
        best_before = best_before.min(least);
        k = group_end;
    }
    out
}

fn column(header: &[String], name: &str) -> Option<usize> {
    header.iter().position(|h| h == name)
}

/// The sweep CSV of `rows` under `header`: rows sorted by variant, the
/// `pareto` cell of each recomputed from its `fits_memory`, `time_h` and
/// `cost_usd` cells over all `rows`.
pub fn finish(header: &[String], mut rows: Vec<Vec<String>>) -> Result<String, ReportError> {
    let cols = (
        column(header, "fits_memory"),
        column(header, "time_h"),
        column(header, "cost_usd"),
        column(header, "pareto"),
    );
    let (Some(fits), Some(time), Some(cost), Some(flag)) = cols else {
        return Err(ReportError::Sweep {
            file: "sweep".to_owned(),
            line: 1,
            why: "expected the columns fits_memory, time_h, cost_usd and pareto".to_owned(),
        });
    };
    rows.sort_by_key(|r| r.first().and_then(|v| v.parse::<usize>().ok()));
    let points: Vec<Option<(f64, f64)>> = rows
        .iter()
        .map(|r| {
            let cell = |i: usize| r.get(i).map_or("", String::as_str);
            if cell(fits) == "false" {
                return None;
            }
            let t = cell(time).parse::<f64>().ok()?;
            let c = cell(cost).parse::<f64>().ok()?;
            (t.is_finite() && c.is_finite()).then_some((t, c))
        })
        .collect();
    for (r, on) in rows.iter_mut().zip(pareto(&points)) {
        if let Some(cell) = r.get_mut(flag) {
            *cell = on.to_string();
        }
    }
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    document(&header, rows)
}

/// Combines shard CSVs (`(file name, text)`) into the unsharded sweep's
/// exact bytes: the same identity line (scenario, grid, model, seed; see
/// [`identity`]) and header in every file, every variant of the grid
/// exactly once, flags recomputed over all rows.
pub fn merge(files: &[(String, String)]) -> Result<String, ReportError> {
    let bad = |file: &str, line: u64, why: String| ReportError::Sweep {
        file: file.to_owned(),
        line,
        why,
    };
    let mut header: Option<(String, Vec<String>)> = None;
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut seen: Vec<Option<(String, u64)>> = Vec::new();
    let mut variants: Option<usize> = None;
    let mut identity: Option<(String, Identity)> = None;
    let mut shards: Vec<(String, Option<(usize, usize)>)> = Vec::new();
    for (file, text) in files {
        let (first, body) = text.split_once('\n').unwrap_or((text, ""));
        let (id, shard) = Identity::parse(first).map_err(|why| bad(file, 1, why))?;
        match &identity {
            Some((f0, id0)) => {
                if let Some((field, theirs, mine)) = id0.difference(&id) {
                    return Err(bad(
                        file,
                        1,
                        format!(
                            "a shard of another sweep: its {field} is `{mine}`, {f0}'s is `{theirs}` \
                             (shards of one sweep share the scenario file's content, the --vary grid, --model and --seed)"
                        ),
                    ));
                }
            }
            None => identity = Some((file.clone(), id)),
        }
        shards.push((file.clone(), shard));
        // Lines of `body` are one further down the file.
        let bad = |file: &str, line: u64, why: String| bad(file, line + 1, why);
        let mut reader = ::csv::ReaderBuilder::new()
            .has_headers(true)
            .from_reader(body.as_bytes());
        let h: Vec<String> = reader
            .headers()
            .map_err(|e| bad(file, 1, format!("expected a sweep CSV header: {e}")))?
            .iter()
            .map(str::to_owned)
            .collect();
        if h.first().map(String::as_str) != Some("variant")
            || h.get(1).map(String::as_str) != Some("variants")
            || h.last().map(String::as_str) != Some("pareto")
        {
            return Err(bad(
                file,
                1,
                "expected a sweep CSV (`cirrus sweep --csv`): header `variant,variants,...,pareto`"
                    .to_owned(),
            ));
        }
        match &header {
            Some((first, h0)) if *h0 != h => {
                return Err(bad(
                    file,
                    1,
                    format!(
                        "its header differs from {first}'s: shards of one sweep have the same --vary keys"
                    ),
                ));
            }
            Some(_) => {}
            None => header = Some((file.clone(), h.clone())),
        }
        for record in reader.records() {
            let record = record.map_err(|e| {
                let line = e.position().map_or(0, |p| p.line());
                bad(file, line, format!("malformed CSV: {e}"))
            })?;
            let line = record.position().map_or(0, |p| p.line());
            let cells: Vec<String> = record.iter().map(str::to_owned).collect();
            let int = |i: usize, what: &str| {
                cells
                    .get(i)
                    .and_then(|v| v.parse::<usize>().ok())
                    .ok_or_else(|| {
                        bad(file, line, format!("expected the {what} as a whole number"))
                    })
            };
            let v = int(0, "variant index")?;
            let n = int(1, "grid size (`variants`)")?;
            match variants {
                Some(m) if m != n => {
                    return Err(bad(
                        file,
                        line,
                        format!(
                            "grid of {n} variants, but earlier rows say {m}: shards of different sweeps?"
                        ),
                    ));
                }
                Some(_) => {}
                None => {
                    variants = Some(n);
                    seen = vec![None; n];
                }
            }
            let slot = seen.get_mut(v).ok_or_else(|| {
                bad(
                    file,
                    line,
                    format!("variant {v} is outside the grid of {n}"),
                )
            })?;
            if let Some((f, l)) = slot {
                return Err(bad(
                    file,
                    line,
                    format!("variant {v} is also at {f}:{l}: a shard given twice?"),
                ));
            }
            *slot = Some((file.clone(), line + 1));
            rows.push(cells);
        }
    }
    let (Some((_, header)), Some((_, identity))) = (header, identity) else {
        return Err(ReportError::Merge("no shard files given".to_owned()));
    };
    let missing: Vec<String> = seen
        .iter()
        .enumerate()
        .filter(|(_, s)| s.is_none())
        .map(|(i, _)| i.to_string())
        .collect();
    if !missing.is_empty() {
        return Err(ReportError::Merge(missing_shards(
            &missing,
            seen.len(),
            &shards,
        )));
    }
    Ok(format!(
        "{}\n{}",
        identity.line(None),
        finish(&header, rows)?
    ))
}

/// Why the grid is not whole: which shard (`K/N`, when every file names
/// the same N) is missing, the variants missing, and the files given.
fn missing_shards(
    missing: &[String],
    variants: usize,
    shards: &[(String, Option<(usize, usize)>)],
) -> String {
    let shown: Vec<&str> = missing.iter().take(10).map(String::as_str).collect();
    let more = if missing.len() > 10 { ", ..." } else { "" };
    let names: Vec<&str> = shards.iter().map(|(f, _)| f.as_str()).collect();
    let counts: Vec<usize> = shards.iter().filter_map(|(_, s)| s.map(|s| s.1)).collect();
    let absent: Vec<String> = match counts.first() {
        Some(&n) if counts.len() == shards.len() && counts.iter().all(|&c| c == n) => (1..=n)
            .filter(|k| !shards.iter().any(|(_, s)| s.map(|s| s.0) == Some(*k)))
            .map(|k| format!("{k}/{n}"))
            .collect(),
        _ => Vec::new(),
    };
    let which = match absent.len() {
        0 => "a shard is missing".to_owned(),
        1 => format!("shard {} is missing", absent[0]),
        _ => format!("shards {} are missing", absent.join(", ")),
    };
    format!(
        "{which}: {} of {variants} variants ({}{more}) are in none of {}",
        missing.len(),
        shown.join(", "),
        names.join(", ")
    )
}

/// One row of a sweep CSV, for charts.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepPoint {
    /// Variant index.
    pub variant: usize,
    /// The Pareto time axis, h.
    pub time_h: f64,
    /// The Pareto cost axis, USD.
    pub cost_usd: f64,
    /// Whether the row is Pareto-optimal.
    pub pareto: bool,
}

/// The rows of a sweep CSV that have a time and a cost.
pub fn points(file: &str, text: &str) -> Result<Vec<SweepPoint>, ReportError> {
    // The identity line (`# cirrus-sweep ...`) is a comment to the reader.
    let mut reader = ::csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .from_reader(text.as_bytes());
    let bad = |line: u64, why: String| ReportError::Sweep {
        file: file.to_owned(),
        line,
        why,
    };
    let h: Vec<String> = reader
        .headers()
        .map_err(|e| bad(1, e.to_string()))?
        .iter()
        .map(str::to_owned)
        .collect();
    let (Some(time), Some(cost), Some(flag)) = (
        column(&h, "time_h"),
        column(&h, "cost_usd"),
        column(&h, "pareto"),
    ) else {
        return Err(bad(
            1,
            "expected a sweep CSV with time_h, cost_usd and pareto columns".to_owned(),
        ));
    };
    let mut out = Vec::new();
    for record in reader.records() {
        let record =
            record.map_err(|e| bad(e.position().map_or(0, |p| p.line()), e.to_string()))?;
        let get = |i: usize| record.get(i).and_then(|v| v.parse::<f64>().ok());
        if let (Some(t), Some(c)) = (get(time), get(cost)) {
            out.push(SweepPoint {
                variant: record.get(0).and_then(|v| v.parse().ok()).unwrap_or(0),
                time_h: t,
                cost_usd: c,
                pareto: record.get(flag) == Some("true"),
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
