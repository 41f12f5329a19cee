//! Known-answer tests of data-parallel training: unequal shares against one
//! worker on the whole batch, ring against parameter server, resume against
//! an uninterrupted run, and learning.

use crate::checkpoint::Checkpoint;
use crate::data::VOCAB;
use crate::model::ModelConfig;
use crate::run::{CheckpointPolicy, Combine, RunConfig, WorkerDevice, run_local};
use crate::training::AdamW;

fn config(shares: &[f64], steps: u64) -> RunConfig {
    RunConfig {
        model: ModelConfig {
            layers: 2,
            hidden: 16,
            heads: 2,
            ffn_hidden: 32,
            vocab: VOCAB,
            seq_len: 8,
            tied_embeddings: false,
        },
        global_batch: 8,
        steps,
        optimizer: AdamW {
            lr: 3e-3,
            ..AdamW::default()
        },
        seed: 11,
        eval_every: 2,
        eval_batch: 4,
        early_stop_patience: None,
        batch_shares: shares.to_vec(),
        lr_shares: shares.to_vec(),
        warmup_steps: 0,
    }
}

fn cpus(n: usize) -> Vec<WorkerDevice> {
    (0..n).map(|_| WorkerDevice::Cpu).collect()
}

fn first_adapter() -> wgpu::Adapter {
    crate::devices::adapters()
        .into_iter()
        .next()
        .expect("test.sh installs lavapipe, so an adapter exists")
}

fn assert_close(a: &[f32], b: &[f32], what: &str) {
    assert_eq!(a.len(), b.len());
    let worst = a
        .iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs() / (1e-3 + x.abs().max(y.abs())))
        .fold(0.0f32, f32::max);
    assert!(worst < 2e-3, "{what}: worst relative difference {worst}");
}

fn params(out: &[(String, crate::run::WorkerOutcome)]) -> &[f32] {
    &out[0].1.params
}

/// The known answer: workers with unequal shares (rows 2/6 and
/// 4/2/2 of 8) end, after several steps, with the parameters of one worker
/// on the whole batch; every replica is bit-identical to the others; ring
/// and parameter server agree.
#[test]
fn unequal_shares_equal_one_worker_on_the_whole_batch() {
    let steps = 4;
    let one = run_local(
        &config(&[1.0], steps),
        &cpus(1),
        Combine::Ring,
        None,
        &|_| {},
    )
    .expect("one worker");
    for shares in [&[0.25, 0.75][..], &[0.5, 0.25, 0.25][..]] {
        for combine in [Combine::Ring, Combine::ParameterServer] {
            let cfg = config(shares, steps);
            let out = run_local(&cfg, &cpus(shares.len()), combine, None, &|_| {})
                .expect("data-parallel run");
            assert_eq!(out.len(), shares.len());
            for (_, w) in &out {
                assert_eq!(w.params, out[0].1.params, "replicas diverged");
                assert_eq!(w.steps_done, steps);
            }
            assert_eq!(
                out.iter().map(|(_, w)| w.rows).collect::<Vec<_>>(),
                crate::data::shard_counts(8, shares).expect("counts")
            );
            let what = format!("{shares:?} {combine:?}");
            assert_close(params(&out), params(&one), &what);
            assert_close(&out[0].1.losses, &one[0].1.losses, &what);
            // Training moved the parameters (the comparison is not vacuous).
            let init = crate::model::Model::new(cfg.model)
                .expect("model")
                .init(cfg.seed);
            assert!(
                params(&out)
                    .iter()
                    .zip(&init)
                    .any(|(a, b)| (a - b).abs() > 1e-3)
            );
        }
    }
}

/// The same on the wgpu backend (lavapipe in CI): two GPU workers with
/// unequal shares against one CPU worker on the whole batch.
#[test]
fn gpu_workers_with_unequal_shares_match_the_cpu_reference() {
    let steps = 2;
    let one = run_local(
        &config(&[1.0], steps),
        &cpus(1),
        Combine::Ring,
        None,
        &|_| {},
    )
    .expect("one worker");
    let devices = vec![
        WorkerDevice::Adapter(first_adapter()),
        WorkerDevice::Adapter(first_adapter()),
    ];
    let out = run_local(
        &config(&[0.75, 0.25], steps),
        &devices,
        Combine::Ring,
        None,
        &|_| {},
    )
    .expect("two GPU workers");
    assert_eq!(out[0].1.params, out[1].1.params);
    assert_close(params(&out), params(&one), "gpu vs cpu");
}

/// A run stopped after a checkpoint and resumed ends bit-identical to an
/// uninterrupted run.
#[test]
fn resumed_run_equals_uninterrupted_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let policy = CheckpointPolicy {
        dir: dir.path().to_owned(),
        every: 2,
        resume: true,
    };
    let full = run_local(
        &config(&[0.5, 0.5], 6),
        &cpus(2),
        Combine::Ring,
        None,
        &|_| {},
    )
    .expect("uninterrupted");
    // "Killed" after step 4: a run whose target is 4 leaves the step-4
    // checkpoint, as a killed 6-step run would.
    let first = run_local(
        &config(&[0.5, 0.5], 4),
        &cpus(2),
        Combine::Ring,
        Some(&policy),
        &|_| {},
    )
    .expect("first part");
    assert_eq!(first[0].1.steps_done, 4);
    let ck = Checkpoint::load(dir.path(), first[0].1.params.len(), u64::MAX)
        .expect("read")
        .expect("written");
    assert_eq!(ck.header.step, 4);
    let resumed = run_local(
        &config(&[0.5, 0.5], 6),
        &cpus(2),
        Combine::Ring,
        Some(&policy),
        &|_| {},
    )
    .expect("resumed");
    assert_eq!(resumed[0].1.resumed_from, 4);
    assert_eq!(resumed[0].1.timings.len(), 2, "only steps 5 and 6 ran");
    assert_eq!(params(&resumed), params(&full), "bit-identical parameters");
    assert_eq!(resumed[0].1.losses, full[0].1.losses);
    assert_eq!(resumed[0].1.val_losses, full[0].1.val_losses);

    // A checkpoint of another run is refused.
    let mut other = config(&[0.5, 0.5], 8);
    other.seed = 12;
    let err = run_local(&other, &cpus(2), Combine::Ring, Some(&policy), &|_| {})
        .expect_err("another run's checkpoint");
    assert!(err.to_string().contains("another run"), "{err}");
}

/// Training and validation loss fall on the bundled corpus, and early
/// stopping ends a run whose validation loss stops improving.
#[test]
fn loss_falls_and_early_stopping_stops() {
    let mut cfg = config(&[0.5, 0.5], 40);
    cfg.optimizer.lr = 1e-2;
    cfg.eval_every = 10;
    let out = run_local(&cfg, &cpus(2), Combine::Ring, None, &|_| {}).expect("run");
    let w = &out[0].1;
    let first = w.losses[..3].iter().sum::<f32>() / 3.0;
    let last = w.losses[w.losses.len() - 3..].iter().sum::<f32>() / 3.0;
    assert!(last < 0.75 * first, "training loss {first} → {last}");
    let (v0, v1) = (w.val_losses[0].1, w.val_losses[w.val_losses.len() - 1].1);
    assert!(v1 < v0, "validation loss {v0} → {v1}");

    // A learning rate far too high: validation cannot keep improving.
    let mut bad = config(&[1.0], 60);
    bad.optimizer.lr = 3.0;
    bad.eval_every = 2;
    bad.early_stop_patience = Some(2);
    let out = run_local(&bad, &cpus(1), Combine::Ring, None, &|_| {}).expect("run");
    assert!(out[0].1.stopped_early);
    assert!(out[0].1.steps_done < 60);
}

#[test]
fn bad_shares_and_worker_counts_are_errors() {
    let mut cfg = config(&[0.5, 0.4], 1);
    let err = run_local(&cfg, &cpus(2), Combine::Ring, None, &|_| {}).expect_err("sum 0.9");
    assert!(err.to_string().contains("sum to 0.9"), "{err}");
    cfg.batch_shares = vec![0.5, 0.5];
    cfg.lr_shares = vec![0.5, 0.5];
    let err = run_local(&cfg, &cpus(3), Combine::Ring, None, &|_| {}).expect_err("3 devices");
    assert!(err.to_string().contains("3 devices for 2 workers"), "{err}");
}

/// A learning rate that makes the parameters NaN stops the run at the
/// first step whose loss is not finite, naming it.
#[test]
fn a_non_finite_loss_stops_the_run_naming_the_step() {
    let mut cfg = config(&[0.5, 0.5], 5);
    cfg.optimizer.lr = f32::NAN;
    let err =
        run_local(&cfg, &cpus(2), Combine::Ring, None, &|_| {}).expect_err("a NaN update diverges");
    assert!(err.to_string().contains("is NaN at step 2"), "{err}");
    match err {
        crate::ExecError::NonFiniteLoss { step, loss } => {
            assert_eq!(step, 2, "step 1's loss is of the initial parameters");
            assert!(loss.is_nan());
        }
        other => panic!("expected a non-finite loss, got {other}"),
    }
}
