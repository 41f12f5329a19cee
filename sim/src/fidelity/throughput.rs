//! Published throughput tables (NVIDIA's NeMo and Megatron-Bridge
//! performance summaries and the like): one training run per row, its
//! measured tokens per second per GPU turned into an iteration time.
//!
//! Every run is taken as the published recipes run it: DGX nodes of eight
//! GPUs, a fused attention kernel, sequence parallelism wherever tensor
//! parallelism is, no activation recompute, and Megatron's distributed
//! optimizer (ZeRO-1 over the data-parallel ranks), or ZeRO-3 where the
//! row shards with FSDP.

use super::{FidelityError, Measurement};

/// The header of the format.
pub(super) const COLUMNS: [&str; 16] = [
    "row",
    "fitted",
    "model",
    "device",
    "gpus",
    "precision",
    "global_batch",
    "microbatch",
    "seq_len",
    "tp",
    "pp",
    "cp",
    "vp",
    "fsdp",
    "tokens_per_s_per_gpu",
    "source",
];

/// GPUs per node of the DGX systems the tables were measured on.
const GPUS_PER_NODE: u64 = 8;

/// Reads the rows after the header (1-based line numbers in messages).
pub(super) fn read<'a>(
    lines: impl Iterator<Item = (usize, &'a str)>,
    file: &str,
) -> Result<Vec<Measurement>, FidelityError> {
    let mut out = Vec::new();
    for (i, line) in lines {
        let cells: Vec<&str> = line.split(',').map(str::trim).collect();
        let bad = |column: &str, message: String| FidelityError::BadRow {
            file: file.to_owned(),
            line: i + 1,
            column: column.to_owned(),
            message,
        };
        if cells.len() != COLUMNS.len() {
            return Err(bad(
                "row",
                format!("expected {} cells, found {}", COLUMNS.len(), cells.len()),
            ));
        }
        let int = |c: usize| match cells[c].parse::<u64>() {
            Ok(x) if x > 0 || COLUMNS[c] == "fsdp" => Ok(x),
            _ => Err(bad(
                COLUMNS[c],
                format!("expected a positive integer, found `{}`", cells[c]),
            )),
        };
        let fitted = match cells[1] {
            "yes" => true,
            "no" => false,
            other => {
                return Err(bad(
                    "fitted",
                    format!("expected `yes` or `no`, found `{other}`"),
                ));
            }
        };
        let (gpus, batch, mb, seq) = (int(4)?, int(6)?, int(7)?, int(8)?);
        let (tp, pp, cp, vp, fsdp) = (int(9)?, int(10)?, int(11)?, int(12)?, int(13)?);
        let tokens: f64 = match cells[14].parse() {
            Ok(x) if x > 0.0 && f64::is_finite(x) => x,
            _ => {
                return Err(bad(
                    "tokens_per_s_per_gpu",
                    format!("expected a number > 0, found `{}`", cells[14]),
                ));
            }
        };
        if cp != 1 {
            return Err(bad(
                "cp",
                format!("context parallelism ({cp}) is not modelled yet; expected 1"),
            ));
        }
        let model_parallel = tp.saturating_mul(pp);
        if gpus % GPUS_PER_NODE != 0 && gpus > GPUS_PER_NODE || gpus % model_parallel != 0 {
            return Err(bad(
                "gpus",
                format!("{gpus} GPUs are not whole nodes of tp × pp = {tp} × {pp} groups"),
            ));
        }
        let dp = gpus / model_parallel;
        if fsdp != 0 && fsdp != dp {
            return Err(bad(
                "fsdp",
                format!("expected 0 or the data-parallel degree {dp} (FSDP over every replica)"),
            ));
        }
        let zero = if fsdp > 0 { 3 } else { 1 };
        let schedule = if vp > 1 { "interleaved-1f1b" } else { "1f1b" };
        let (nodes, per_node) = if gpus >= GPUS_PER_NODE {
            (gpus / GPUS_PER_NODE, GPUS_PER_NODE)
        } else {
            (1, gpus)
        };
        let scenario = format!(
            r#"# {name}: {source}
name = "{name}"
[[pool]]
name = "dgx"
device = "{device}"
nodes = {nodes}
devices_per_node = {per_node}
[[job]]
name = "{model}"
model = "{model}"
seq_len = {seq}
global_batch = {batch}
precision = "{precision}"
flash_attention = true
[job.parallelism]
tp = {tp}
pp = {pp}
dp = {dp}
microbatch = {mb}
schedule = "{schedule}"
virtual_stages = {vp}
recompute = "none"
zero = {zero}
sequence_parallel = {sp}
"#,
            name = cells[0],
            source = cells[15],
            model = cells[2],
            device = cells[3],
            precision = cells[5],
            sp = tp > 1,
        );
        let measured_s = batch as f64 * seq as f64 / (tokens * gpus as f64);
        out.push(Measurement {
            name: if fitted {
                format!("{} (fitted)", cells[0])
            } else {
                cells[0].to_owned()
            },
            scenario,
            measured_s,
            fitted,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use crate::fidelity::read;
    use crate::scenario;

    const FILE: &str = include_str!("../../data/measured/nemo_dense_throughput.csv");

    #[test]
    fn every_row_is_a_valid_scenario() {
        let rows = read(FILE, "nemo.csv").expect("the committed file parses");
        assert!(rows.len() >= 6);
        assert!(rows.iter().any(|r| r.fitted) && rows.iter().any(|r| !r.fitted));
        for r in &rows {
            scenario::parse(&r.scenario, &r.name).unwrap_or_else(|d| panic!("{d}"));
            assert!(r.measured_s > 0.0);
        }
    }

    #[test]
    fn every_published_run_fits_in_memory() {
        // They all ran, so the memory model must let each fit.
        for r in read(FILE, "nemo.csv").expect("parses") {
            let s = scenario::parse(&r.scenario, &r.name).expect("valid");
            let topo = crate::estimate::topology(&s).expect("topology");
            let e = crate::estimate::estimate_job(&s, &s.jobs[0], &topo).expect("estimate");
            assert!(
                e.result.fits_memory,
                "{}: {:.1} GiB",
                r.name, e.result.memory_gib_per_device
            );
        }
    }

    #[test]
    fn iteration_time_from_tokens_per_gpu() {
        let header = super::COLUMNS.join(",");
        // 128 × 8192 tokens at 1,602 tokens/s on each of 64 GPUs: 10.227 s.
        let text = format!(
            "{header}\nx,no,llama3-70b,h100-sxm5-80gb,64,fp8,128,1,8192,4,8,1,5,0,1602,src\n"
        );
        let rows = read(&text, "x.csv").expect("parses");
        assert!((rows[0].measured_s - 128.0 * 8192.0 / (1602.0 * 64.0)).abs() < 1e-12);
        let bad = text.replace(",1,5,0,1602", ",2,5,0,1602");
        let err = read(&bad, "x.csv").expect_err("cp 2");
        assert_eq!(
            err.to_string(),
            "x.csv:2: column `cp`: context parallelism (2) is not modelled yet; expected 1"
        );
        let bad = text.replace(",no,", ",maybe,");
        assert!(read(&bad, "x.csv").is_err());
        // Sizes whose products overflow 64 bits are refused, not a panic.
        let huge = text.replace(",4,8,1,5,", ",4294967296,4294967296,1,5,");
        assert!(read(&huge, "x.csv").is_err());
        let long = text.replace(
            ",128,1,8192,",
            ",18446744073709551615,1,18446744073709551615,",
        );
        assert!(
            read(&long, "x.csv").expect("parses")[0]
                .measured_s
                .is_finite()
        );
    }
}
