//! The checks of a plan's own values, before it meets a scenario: positive
//! degrees and sizes, `zero` at most 3, stages covering the model's layers
//! exactly once, shares that are fractions summing to 1, finite predictions.

use super::{NodePlan, Plan, Prediction, StagePlan};
use crate::mesh::Axis;
use crate::parallelism::Schedule;

/// Checks the values a well-typed plan may still get wrong: zero
/// parallel degrees, `zero` above 3, zero heads, stages that do not
/// cover the model's layers exactly once, shares that are negative,
/// non-finite or do not sum to 1, and non-finite predictions. Returns
/// the key path of the first bad value and what is wrong with it.
pub(super) fn check(plan: &Plan) -> Result<(), (String, String)> {
    let bad = |key: &str, message: &str| Err((key.to_owned(), message.to_owned()));
    let par = &plan.parallelism;
    let degrees = Axis::ALL.map(|a| (a.key(), par.mesh.degree(a)));
    for (key, v) in degrees.into_iter().chain([
        ("microbatch", par.microbatch),
        ("virtual_stages", par.virtual_stages),
    ]) {
        if v == 0 {
            return bad(&format!("parallelism.{key}"), "must be positive, not 0");
        }
    }
    if par.mesh.zero() > 3 {
        return bad(
            "parallelism.zero",
            &format!("must be 0, 1, 2 or 3, not {}", par.mesh.zero()),
        );
    }
    let m = &plan.model_spec;
    for (key, v) in [
        ("layers", m.layers),
        ("hidden", m.hidden),
        ("heads", m.heads),
        ("kv_heads", m.kv_heads),
        ("ffn_hidden", m.ffn_hidden),
        ("vocab", m.vocab),
    ] {
        if v == 0 {
            return bad(&format!("model_spec.{key}"), "must be positive, not 0");
        }
    }
    if plan.seq_len == 0 {
        return bad("seq_len", "must be positive, not 0");
    }
    if plan.global_batch == 0 {
        return bad("global_batch", "must be positive, not 0");
    }
    check_divisions(plan)?;
    check_stages(&plan.stages, plan.model_spec.layers)?;
    check_ranges(plan)?;
    check_shares(&plan.nodes)?;
    check_prediction(&plan.predicted)
}

/// The scenario validator's divisibility rules, on the plan's values (same
/// wording as `scenario/validate/parallelism.rs`): each axis divides what
/// of the model it splits ([`Axis::division_problem`]), the layers split
/// over the stages ([`crate::stages`]),
/// `microbatch × dp` divides `global_batch`, and interleaved-1f1b's
/// micro-batches per replica are a multiple of `pp`.
fn check_divisions(plan: &Plan) -> Result<(), (String, String)> {
    let par = &plan.parallelism;
    let (pp, dp, mb) = (par.mesh.pp(), u64::from(par.mesh.dp()), par.microbatch);
    for a in Axis::ALL {
        if let Some(problem) = a.division_problem(par.mesh.degree(a), (&plan.model_spec).into()) {
            return Err((format!("parallelism.{}", a.key()), problem));
        }
    }
    // Stages spread over pools list their own layers; others follow the split.
    if plan.stages.iter().all(|st| st.pool.is_none())
        && let Err(why) = par.stages(plan.model_spec.layers)
    {
        return Err(("parallelism.pp".to_owned(), why));
    }
    let per_step = u64::from(mb) * dp;
    let global_batch = plan.global_batch;
    if !global_batch.is_multiple_of(per_step) {
        return Err((
            "parallelism.microbatch".to_owned(),
            format!(
                "global_batch {global_batch} is not a multiple of microbatch × dp = {mb} × {dp} = {per_step}"
            ),
        ));
    }
    let m = global_batch / per_step;
    if par.schedule == Schedule::Interleaved1F1B && pp > 1 && !m.is_multiple_of(u64::from(pp)) {
        return Err((
            "parallelism.schedule".to_owned(),
            format!(
                "interleaved-1f1b needs the micro-batches per replica ({m}) to be a multiple of pp = {pp}"
            ),
        ));
    }
    Ok(())
}

/// Stages in layer order, each non-empty and starting where the previous
/// ended, the last ending at the model's `layers`.
fn check_stages(stages: &[StagePlan], layers: u32) -> Result<(), (String, String)> {
    let mut next = 0u64;
    for (i, st) in stages.iter().enumerate() {
        let key = |k: &str| format!("stages[{i}].{k}");
        if st.layers == 0 {
            return Err((key("layers"), "must be positive, not 0".to_owned()));
        }
        if u64::from(st.first_layer) != next {
            return Err((
                key("first_layer"),
                format!(
                    "is {}, but the stages must cover the model's layers exactly once, in order: expected {next}",
                    st.first_layer
                ),
            ));
        }
        next += u64::from(st.layers);
        if next > u64::from(layers) {
            return Err((
                key("layers"),
                format!("runs to layer {next}, beyond the model's {layers} layers"),
            ));
        }
    }
    if next != u64::from(layers) {
        return Err((
            "stages".to_owned(),
            format!("cover layers 0..{next}, but the model has {layers} layers"),
        ));
    }
    Ok(())
}

/// Every stage entry's `stage` below `pp` and `chunk` below
/// `virtual_stages`; at least one node, each listing stages below `pp` and
/// replicas below `dp`, ascending and without repeats.
fn check_ranges(plan: &Plan) -> Result<(), (String, String)> {
    let par = &plan.parallelism;
    for (i, st) in plan.stages.iter().enumerate() {
        if st.stage >= par.mesh.pp() {
            return Err((
                format!("stages[{i}].stage"),
                format!(
                    "is {}, but the plan has pp = {} stages",
                    st.stage,
                    par.mesh.pp()
                ),
            ));
        }
        if st.chunk >= par.virtual_stages {
            return Err((
                format!("stages[{i}].chunk"),
                format!(
                    "is {}, but the plan has virtual_stages = {}",
                    st.chunk, par.virtual_stages
                ),
            ));
        }
    }
    if plan.nodes.is_empty() {
        return Err(("nodes".to_owned(), "lists no node".to_owned()));
    }
    for (i, n) in plan.nodes.iter().enumerate() {
        if plan.nodes[..i]
            .iter()
            .any(|m| m.pool == n.pool && m.node == n.node)
        {
            return Err((
                format!("nodes[{i}].node"),
                format!("node {} of pool `{}` is listed twice", n.node, n.pool),
            ));
        }
        for (key, list, bound, name) in [
            ("stages", &n.stages, par.mesh.pp(), "pp"),
            ("replicas", &n.replicas, par.mesh.dp(), "dp"),
        ] {
            if list.is_empty() {
                return Err((format!("nodes[{i}].{key}"), "is empty".to_owned()));
            }
            if let Some(j) = list.iter().position(|&v| v >= bound) {
                return Err((
                    format!("nodes[{i}].{key}[{j}]"),
                    format!("is {}, but the plan has {name} = {bound}", list[j]),
                ));
            }
            if let Some(j) = list.windows(2).position(|w| w[0] >= w[1]) {
                return Err((
                    format!("nodes[{i}].{key}[{}]", j + 1),
                    "must be ascending, without repeats".to_owned(),
                ));
            }
        }
    }
    Ok(())
}

/// Every node's shares finite and non-negative, each kind summing to 1.
fn check_shares(nodes: &[NodePlan]) -> Result<(), (String, String)> {
    const TOLERANCE: f64 = 1e-6;
    for (name, get) in [
        (
            "batch_share",
            (|n: &NodePlan| n.batch_share) as fn(&NodePlan) -> f64,
        ),
        ("lr_share", |n: &NodePlan| n.lr_share),
    ] {
        let mut sum = 0.0;
        for (i, n) in nodes.iter().enumerate() {
            let v = get(n);
            if !v.is_finite() || v < 0.0 {
                return Err((
                    format!("nodes[{i}].{name}"),
                    format!("must be a finite fraction of at least 0, not {v}"),
                ));
            }
            sum += v;
        }
        if !nodes.is_empty() && (sum - 1.0).abs() > TOLERANCE {
            return Err((
                format!("nodes[*].{name}"),
                format!("the nodes' shares sum to {sum}, not 1"),
            ));
        }
    }
    Ok(())
}

/// Every predicted figure finite.
fn check_prediction(p: &Prediction) -> Result<(), (String, String)> {
    for (key, v) in [
        ("step_time_s", Some(p.step_time_s)),
        ("tokens_per_s", Some(p.tokens_per_s)),
        ("mfu", Some(p.mfu)),
        ("memory_gib_per_device", Some(p.memory_gib_per_device)),
        ("time_to_train_s", p.time_to_train_s),
        ("cost_usd", p.cost_usd),
    ] {
        if let Some(v) = v
            && !v.is_finite()
        {
            return Err((
                format!("predicted.{key}"),
                format!("must be finite, not {v}"),
            ));
        }
    }
    Ok(())
}
