//! Where one training step's time goes, per kernel: `cargo run --release -p
//! cirrus-executor --example step_profile [LAYERS HIDDEN HEADS SEQ ROWS]`
//! (default 2 64 4 64 8, the bundled local scenario's model and one
//! worker's rows). Runs three warm-up steps, then five timed ones, on the
//! first wgpu adapter and on the CPU backend, and prints per kernel the
//! calls, seconds per step and GFLOP/s. Nothing is asserted.

use cirrus_executor::data::{Dataset, VOCAB};
use cirrus_executor::model::{Model, ModelConfig};
use cirrus_executor::timed::Timed;
use cirrus_executor::{AdamW, Backend, CpuBackend, ExecError, GpuBackend};
use std::time::Instant;

fn main() -> Result<(), ExecError> {
    let a: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let get = |i: usize, d: usize| a.get(i).copied().unwrap_or(d);
    let cfg = ModelConfig {
        layers: get(0, 2),
        hidden: get(1, 64),
        heads: get(2, 4),
        ffn_hidden: 4 * get(1, 64),
        vocab: VOCAB,
        seq_len: get(3, 64),
        tied_embeddings: true,
    };
    let rows = get(4, 8);
    let model = Model::new(cfg)?;
    let data = Dataset::embedded(1)?;
    let gpu = GpuBackend::new()?;
    println!(
        "model {cfg:?}, {} parameters, {rows} rows",
        model.param_count()
    );
    profile("gpu", &Timed::new(gpu), &model, &data, rows)?;
    profile("cpu", &Timed::new(CpuBackend), &model, &data, rows)?;
    Ok(())
}

fn profile<B: Backend>(
    label: &str,
    be: &Timed<B>,
    model: &Model,
    data: &Dataset,
    rows: usize,
) -> Result<(), ExecError> {
    let mut p = model.init(1);
    let (mut m, mut v) = (vec![0.0; p.len()], vec![0.0; p.len()]);
    let seq = model.config().seq_len;
    let timed = 5;
    let mut wall = 0.0;
    for step in 0..3 + timed {
        if step == 3 {
            be.reset();
        }
        let start = Instant::now();
        let b = data.batch(step, rows, seq)?;
        let (_, g) = model.loss_and_grads(be, &p, &b.inputs, &b.targets)?;
        be.adamw_step(&mut p, &mut m, &mut v, &g, &AdamW::default(), step + 1)?;
        if step >= 3 {
            wall += start.elapsed().as_secs_f64();
        }
    }
    let times = be.times();
    let kernels: f64 = times.values().map(|t| t.seconds).sum();
    println!(
        "{label} ({}): step {:.4} s, in kernel calls {:.4} s ({:.1}%)",
        be.name(),
        wall / timed as f64,
        kernels / timed as f64,
        100.0 * kernels / wall
    );
    let mut sorted: Vec<_> = times.into_iter().collect();
    sorted.sort_by(|a, b| b.1.seconds.total_cmp(&a.1.seconds));
    for (name, t) in sorted {
        let gflops = if t.flops > 0.0 {
            format!("{:7.2} GFLOP/s", t.flops / t.seconds / 1e9)
        } else {
            String::new()
        };
        println!(
            "  {name:<22} {:>4} calls/step {:>9.5} s/step {gflops}",
            t.calls / timed,
            t.seconds / timed as f64
        );
    }
    Ok(())
}
