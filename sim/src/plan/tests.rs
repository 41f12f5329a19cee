use super::*;
use crate::scenario;
use crate::scenario::ParallelismSpec;
use crate::stepsim;
use proptest::prelude::*;

/// Parses `text`, simulates its first job at event level and builds its plan.
fn plan_of(text: &str) -> (Scenario, Plan) {
    let s = scenario::parse(text, "test.toml").expect("a valid scenario");
    let topo = crate::estimate::topology(&s).expect("a topology");
    let job = &s.jobs[0];
    let result = stepsim::simulate_job(&s, job, &topo)
        .expect("an explicit configuration")
        .estimate
        .result;
    let par = result.parallelism;
    let plan = Plan::build(&s, job, &par, &result, "given");
    (s, plan)
}

fn quickstart() -> (Scenario, Plan) {
    plan_of(include_str!("../../../scenarios/quickstart.toml"))
}

const SMALL: &str = r#"
name = "small"
[[pool]]
name = "a100"
device = "a100-sxm4-80gb"
nodes = 2
[[job]]
name = "j"
model = "gpt3-1.3b"
seq_len = 2048
global_batch = 64
[job.parallelism]
tp = 2
pp = 2
dp = 4
"#;

const MIXED: &str = r#"
name = "mixed"
[[pool]]
name = "a100"
device = "a100-sxm4-80gb"
nodes = 1
[[pool]]
name = "h100"
device = "h100-sxm5-80gb"
nodes = 1
[network]
inter_pool_gbit_s = 800
[[job]]
name = "j"
model = "gpt3-1.3b"
seq_len = 2048
global_batch = 64
pools = ["a100", "h100"]
[job.parallelism]
tp = 2
pp = 2
dp = 4
"#;

#[test]
fn round_trips_through_json() {
    let (_, plan) = quickstart();
    let text = plan.to_json();
    assert!(text.ends_with("}\n"));
    assert_eq!(Plan::from_json(&text, "plan.json").expect("a plan"), plan);
    // Deterministic: the same plan gives the same bytes.
    assert_eq!(quickstart().1.to_json(), text);
}

#[test]
fn quickstart_plan_describes_the_job() {
    let (s, plan) = quickstart();
    assert_eq!(plan.format_version, PLAN_FORMAT_VERSION);
    assert_eq!(plan.scenario, s.name);
    assert_eq!(plan.job, "gpt3-1.3b");
    assert_eq!(plan.model, "gpt3-1.3b");
    assert_eq!(plan.model_spec, s.jobs[0].model);
    assert_eq!(plan.objective, "given");
    // tp 2 · pp 1 · dp 8 on 2 nodes × 8: each node holds 4 replicas.
    assert_eq!(plan.nodes.len(), 2);
    assert_eq!(plan.nodes[0].replicas, vec![0, 1, 2, 3]);
    assert_eq!(plan.nodes[1].replicas, vec![4, 5, 6, 7]);
    assert_eq!(
        plan.stages,
        vec![StagePlan {
            stage: 0,
            chunk: 0,
            first_layer: 0,
            layers: 24,
            pool: None,
        }]
    );
    assert!(plan.predicted.step_time_s > 0.0 && plan.predicted.time_to_train_s.is_some());
}

#[test]
fn nodes_hold_stages_and_replicas_in_megatron_order() {
    // 2 nodes × 8, tp 2 · pp 2 · dp 4: device g = j + 2·(r + 4·s), so node 0
    // (g 0–7) holds stage 0 of replicas 0–3 and node 1 stage 1.
    let (_, plan) = plan_of(SMALL);
    assert_eq!(plan.nodes.len(), 2);
    for (n, node) in plan.nodes.iter().enumerate() {
        assert_eq!(node.pool, "a100");
        assert_eq!(node.node, n as u32);
        assert_eq!(node.device, "a100-sxm4-80gb");
        assert_eq!(node.stages, vec![n as u32]);
        assert_eq!(node.replicas, vec![0, 1, 2, 3]);
        assert!((node.batch_share - 0.5).abs() < 1e-12);
        assert!((node.lr_share - 0.5).abs() < 1e-12);
    }
    let layers: Vec<(u32, u32, u32, u32)> = plan
        .stages
        .iter()
        .map(|s| (s.stage, s.chunk, s.first_layer, s.layers))
        .collect();
    assert_eq!(layers, vec![(0, 0, 0, 12), (1, 0, 12, 12)]);
}

#[test]
fn replicas_are_numbered_across_pools_in_job_order() {
    // One node × 8 per pool, tp 2 · pp 2: two replicas per pool, each node
    // holds both stages; the H100 replicas are 2 and 3.
    let (_, plan) = plan_of(MIXED);
    assert_eq!(plan.nodes.len(), 2);
    assert_eq!(plan.nodes[0].pool, "a100");
    assert_eq!(plan.nodes[0].replicas, vec![0, 1]);
    assert_eq!(plan.nodes[0].stages, vec![0, 1]);
    assert_eq!(plan.nodes[1].pool, "h100");
    assert_eq!(plan.nodes[1].device, "h100-sxm5-80gb");
    assert_eq!(plan.nodes[1].replicas, vec![2, 3]);
    // The faster H100 node takes the larger share.
    assert!(plan.nodes[1].batch_share > plan.nodes[0].batch_share);
}

#[test]
fn interleaved_stages_split_layers_evenly_in_layer_order() {
    let par = |pp, v| ParallelConfig {
        mesh: crate::mesh::Mesh::of(&[(crate::mesh::Axis::Pp, pp)]),
        microbatch: 1,
        schedule: crate::parallelism::Schedule::Interleaved1F1B,
        virtual_stages: v,
        recompute: crate::parallelism::Recompute::None,
    };
    let stages = stage_plans(24, &par(2, 3));
    assert_eq!(stages.len(), 6);
    for (v, st) in stages.iter().enumerate() {
        assert_eq!(st.chunk * 2 + st.stage, v as u32);
        assert_eq!(st.first_layer, 4 * v as u32);
        assert_eq!(st.layers, 4);
    }
    // 126 layers on 8 stages of 8 chunks: the first and last chunk hold one
    // layer (Megatron-LM's embedding- and loss-aware split), the rest two.
    let uneven = stage_plans(126, &par(8, 8));
    assert_eq!(uneven.len(), 64);
    assert_eq!((uneven[0].first_layer, uneven[0].layers), (0, 1));
    assert_eq!((uneven[1].first_layer, uneven[1].layers), (1, 2));
    assert_eq!((uneven[63].first_layer, uneven[63].layers), (125, 1));
    assert_eq!(uneven.iter().map(|s| s.layers).sum::<u32>(), 126);
}

#[test]
fn batch_and_lr_shares_sum_to_one() {
    for text in [
        SMALL,
        MIXED,
        include_str!("../../../scenarios/quickstart.toml"),
    ] {
        let (_, plan) = plan_of(text);
        let batch: f64 = plan.nodes.iter().map(|n| n.batch_share).sum();
        let lr: f64 = plan.nodes.iter().map(|n| n.lr_share).sum();
        assert!((batch - 1.0).abs() < 1e-9, "batch shares sum to {batch}");
        assert!((lr - 1.0).abs() < 1e-9, "lr shares sum to {lr}");
    }
}

#[test]
fn refuses_another_format_version() {
    let (_, plan) = quickstart();
    let text = plan
        .to_json()
        .replace("\"format_version\": 1", "\"format_version\": 2");
    let err = Plan::from_json(&text, "old.json").expect_err("version 2");
    assert!(matches!(err, PlanError::Version { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.starts_with("old.json: "), "{msg}");
    assert!(
        msg.contains("`format_version` is 2") && msg.contains("format 1"),
        "{msg}"
    );
}

#[test]
fn refuses_an_unknown_field_with_its_position() {
    let (_, plan) = quickstart();
    let text = plan
        .to_json()
        .replace("  \"job\":", "  \"jobb\": \"x\",\n  \"job\":");
    let err = Plan::from_json(&text, "plan.json").expect_err("unknown field");
    let PlanError::Syntax {
        file,
        line,
        column,
        message,
        ..
    } = &err
    else {
        panic!("expected a syntax error, got {err:?}");
    };
    assert_eq!(file, "plan.json");
    assert_eq!(*line, 4, "{err}");
    assert!(*column > 0);
    assert!(message.contains("unknown field `jobb`"), "{message}");
    assert!(!message.contains(" at line "), "{message}");
    assert!(err.to_string().starts_with("plan.json:4:"), "{err}");
}

#[test]
fn refuses_malformed_json_with_line_and_column() {
    let text = "{\n  \"format_version\": 1,\n  \"scenario\": oops\n}\n";
    let err = Plan::from_json(text, "bad.json").expect_err("malformed");
    match &err {
        PlanError::Syntax { line, column, .. } => {
            assert_eq!((*line, *column), (3, 15), "{err}");
        }
        other => panic!("expected a syntax error, got {other:?}"),
    }
    assert!(err.to_string().starts_with("bad.json:3:15: "), "{err}");
}

#[test]
fn apply_accepts_its_own_scenario_and_fixes_the_parallelism() {
    let (s, plan) = plan_of(SMALL);
    let mut auto = s.clone();
    auto.jobs[0].parallelism = ParallelismSpec::all_auto();
    let fixed = plan.apply(&auto).expect("the plan's own scenario");
    assert_eq!(
        fixed.jobs[0].parallelism.fixed(),
        Some(plan.parallelism),
        "every field fixed to the plan's"
    );
    // The fixed scenario simulates to the plan's prediction.
    let topo = crate::estimate::topology(&fixed).expect("a topology");
    let again = stepsim::simulate_job(&fixed, &fixed.jobs[0], &topo)
        .expect("simulates")
        .estimate
        .result;
    assert_eq!(again.step_time_s, plan.predicted.step_time_s);
}

#[test]
fn apply_refuses_a_plan_for_another_job_or_model() {
    let (small, plan) = plan_of(SMALL);
    let (quick, _) = quickstart();
    let err = plan.apply(&quick).expect_err("another job");
    assert!(matches!(err, PlanError::UnknownJob { .. }), "{err:?}");
    assert!(err.to_string().contains("no job `j`"), "{err}");

    let mut other_model = small.clone();
    other_model.jobs[0].model = quick.jobs[0].model.clone();
    other_model.jobs[0].model.layers = 48;
    let err = plan.apply(&other_model).expect_err("another model");
    assert!(
        err.to_string()
            .contains("`model_spec.layers` is 24 in the plan but 48 in the scenario"),
        "{err}"
    );

    let mut other_batch = small.clone();
    other_batch.jobs[0].global_batch = 128;
    let err = plan.apply(&other_batch).expect_err("another batch");
    assert!(err.to_string().contains("`global_batch` is 64"), "{err}");

    let mut other_device = plan.clone();
    other_device.nodes[1].device = "h100-sxm5-80gb".to_owned();
    let err = other_device.apply(&small).expect_err("another device");
    assert!(err.to_string().contains("`nodes[1]`: device"), "{err}");

    let mut other_pool = plan.clone();
    other_pool.nodes[0].pool = "h100".to_owned();
    let err = other_pool.apply(&small).expect_err("another pool");
    assert!(err.to_string().contains("pool `h100`"), "{err}");
}

static QUICKSTART: std::sync::LazyLock<Plan> = std::sync::LazyLock::new(|| quickstart().1);

fn finite() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<f64>().prop_filter("finite", |x| x.is_finite()),
        0.0..1.0f64,
        1e-9..1e9f64,
    ]
}

proptest! {
    /// Every finite figure survives the JSON round trip bit for bit.
    #[test]
    fn figures_round_trip_exactly(
        step in finite(), tokens in finite(), mfu in finite(), mem in finite(),
        ttt in proptest::option::of(finite()), cost in proptest::option::of(finite()),
        shares in proptest::collection::vec((finite(), finite()), 0..4),
    ) {
        let mut plan = QUICKSTART.clone();
        plan.predicted = Prediction {
            step_time_s: step,
            tokens_per_s: tokens,
            mfu,
            memory_gib_per_device: mem,
            fits_memory: true,
            time_to_train_s: ttt,
            cost_usd: cost,
        };
        for (node, (b, l)) in plan.nodes.iter_mut().zip(shares) {
            node.batch_share = b;
            node.lr_share = l;
        }
        // The format only: shares that do not sum to 1 are refused by
        // `from_json`'s checks, tested on their own.
        let back: Plan = serde_json::from_str(&plan.to_json()).expect("a plan");
        prop_assert_eq!(back, plan);
    }
}

/// An endless file is refused after [`MAX_PLAN_BYTES`], not read until
/// memory runs out.
#[cfg(unix)]
#[test]
fn an_endless_plan_file_is_refused_at_the_size_limit() {
    let err = Plan::load(std::path::Path::new("/dev/zero")).expect_err("endless");
    assert!(
        err.to_string()
            .contains("holds more than 16 MiB, the limit for a plan"),
        "{err}"
    );
}
