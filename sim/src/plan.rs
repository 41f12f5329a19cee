//! Plan file, format 1: what `cirrus plan -o plan.json` writes and `cirrus
//! exec` reads. Plain serde data with a `format_version`: the job, its
//! parallel configuration, which layers each pipeline stage (and model chunk)
//! holds, and per node its pool, device, stages, data-parallel replicas and
//! batch and learning-rate shares, with the predicted step. Change it only on
//! purpose, with [`PLAN_FORMAT_VERSION`].
//!
//! ```text
//! Scenario + ParallelConfig ──stepsim──► JobResult ──Plan::build──► Plan ──to_json──► plan.json
//! plan.json ──Plan::from_json──► Plan ──apply(&Scenario)──► Scenario (job's parallelism fixed)
//! ```

use crate::mesh::Axis;
use crate::model::TransformerSpec;
use crate::parallelism::{ParallelConfig, Precision};
use crate::result::{JobResult, NodeShare};
use crate::scenario::{Job, Scenario, StageLayout};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use thiserror::Error;

/// The largest plan file read: far beyond a plan of every node of the
/// largest cluster a scenario may describe.
pub const MAX_PLAN_BYTES: u64 = 16 << 20;

/// The plan format this build writes and reads.
pub const PLAN_FORMAT_VERSION: u32 = 1;

/// One job's execution plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    /// Always [`PLAN_FORMAT_VERSION`].
    pub format_version: u32,
    /// Scenario name.
    pub scenario: String,
    /// Job name.
    pub job: String,
    /// Model preset id, or `custom` for an inline model.
    pub model: String,
    /// The model's full shape (the executor builds it from this).
    pub model_spec: TransformerSpec,
    /// Tokens per sequence.
    pub seq_len: u32,
    /// Sequences per step.
    pub global_batch: u64,
    /// Math precision.
    pub precision: Precision,
    /// What the plan optimises: `time`, `cost`, `cost-deadline`,
    /// `throughput-budget`, or `given` (the scenario's own configuration).
    pub objective: String,
    /// The parallel configuration.
    pub parallelism: ParallelConfig,
    /// Per pipeline stage and model chunk, in layer order: which layers.
    pub stages: Vec<StagePlan>,
    /// Per node used, pools in the job's order, nodes ascending.
    pub nodes: Vec<NodePlan>,
    /// The predicted step and end-to-end figures.
    pub predicted: Prediction,
}

/// The layers one model chunk of one pipeline stage holds. Virtual stage
/// `v = chunk · pp + stage` follows virtual stage `v − 1`; an even split
/// gives it layers `[v·L/(pp·vs), (v+1)·L/(pp·vs))` (see [`crate::stages`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StagePlan {
    /// Pipeline stage, 0-based.
    pub stage: u32,
    /// Model chunk of that stage (0 unless interleaved), 0-based.
    pub chunk: u32,
    /// Index of its first transformer layer.
    pub first_layer: u32,
    /// Number of consecutive layers it holds.
    pub layers: u32,
    /// The pool running this stage when a replica's stages lie on different
    /// pools (`null`: every pool runs whole replicas).
    pub pool: Option<String>,
}

/// What one node runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodePlan {
    /// Pool name.
    pub pool: String,
    /// Node index within the pool.
    pub node: u32,
    /// Catalogue id of its devices (`custom` for an inline device).
    pub device: String,
    /// Pipeline stages its devices hold, ascending.
    pub stages: Vec<u32>,
    /// Global data-parallel replica indices its devices belong to, ascending
    /// (pools in the job's order, replicas numbered across pools).
    pub replicas: Vec<u32>,
    /// Fraction of the global batch (Σ over nodes = 1).
    pub batch_share: f64,
    /// Weight of its gradients in the combined update (Σ over nodes = 1).
    pub lr_share: f64,
}

/// The predicted figures of the plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Prediction {
    /// Seconds per training step.
    pub step_time_s: f64,
    /// Tokens per second.
    pub tokens_per_s: f64,
    /// Model FLOPs utilisation over the dense peak.
    pub mfu: f64,
    /// Peak memory of the most loaded device, GiB.
    pub memory_gib_per_device: f64,
    /// Whether that fits in the device's memory.
    pub fits_memory: bool,
    /// Seconds to train the job's `train_tokens` (null without them).
    pub time_to_train_s: Option<f64>,
    /// USD to train the job's `train_tokens` (null without them).
    pub cost_usd: Option<f64>,
}

/// `` `KEY`: `` before a message, or nothing for an empty key.
fn key_prefix(key: &str) -> String {
    if key.is_empty() {
        String::new()
    } else {
        format!("`{key}`: ")
    }
}

/// Why a plan could not be read or does not fit a scenario.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum PlanError {
    /// The file could not be read.
    #[error("failed to read plan {file}: {source}")]
    Io {
        /// The file as named.
        file: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The text is not JSON, or not a plan (unknown, missing or mistyped key).
    #[error(
        "{file}:{line}:{column}: not a valid plan: {}{message}",
        key_prefix(key)
    )]
    Syntax {
        /// The file as named.
        file: String,
        /// Line, 1-based.
        line: usize,
        /// Column, 1-based.
        column: usize,
        /// The key path of the bad value (`parallelism.tp`, `nodes[2].pool`);
        /// empty for malformed JSON and for the file as a whole.
        key: String,
        /// What is wrong.
        message: String,
    },
    /// The plan is of another format.
    #[error(
        "{file}: plan `format_version` is {found}, but this build reads format {PLAN_FORMAT_VERSION} only; write the plan again with this build's `cirrus plan`"
    )]
    Version {
        /// The file as named.
        file: String,
        /// The version the file declares.
        found: String,
    },
    /// A value of the plan is out of range, or its stages or shares are
    /// inconsistent.
    #[error("{file}:{line}:{column}: not a valid plan: `{key}`: {message}")]
    Invalid {
        /// The file as named.
        file: String,
        /// Line of the value, 1-based.
        line: usize,
        /// Column of the value, 1-based.
        column: usize,
        /// The key path of the bad value (`parallelism.microbatch`).
        key: String,
        /// What is wrong.
        message: String,
    },
    /// The scenario has no job of the plan's name.
    #[error(
        "plan for job `{job}` does not fit scenario {scenario}: it has no job `{job}` (its jobs: {jobs})"
    )]
    UnknownJob {
        /// The scenario file.
        scenario: String,
        /// The plan's job.
        job: String,
        /// The scenario's jobs, comma-separated.
        jobs: String,
    },
    /// The plan and the scenario's job disagree on a key.
    #[error(
        "plan for job `{job}` does not fit scenario {scenario}: `{key}` is {in_plan} in the plan but {in_scenario} in the scenario"
    )]
    Mismatch {
        /// The scenario file.
        scenario: String,
        /// The job.
        job: String,
        /// The plan key that differs (e.g. `model_spec.layers`).
        key: String,
        /// Its value in the plan.
        in_plan: String,
        /// Its value in the scenario.
        in_scenario: String,
    },
    /// A node of the plan lies outside the job's pools.
    #[error("plan for job `{job}` does not fit scenario {scenario}: `nodes[{index}]`: {why}")]
    Node {
        /// The scenario file.
        scenario: String,
        /// The job.
        job: String,
        /// Index into the plan's `nodes`.
        index: usize,
        /// Why it does not fit.
        why: String,
    },
}

impl Plan {
    /// Builds the plan of `job` (pools in `job.pools` order) under `par` from
    /// its simulated `result` (each node's shares come from `result.shares`;
    /// a node it does not list gets 0). `objective` names what chose `par`.
    pub fn build(
        s: &Scenario,
        job: &Job,
        par: &ParallelConfig,
        result: &JobResult,
        objective: &str,
    ) -> Plan {
        Plan {
            format_version: PLAN_FORMAT_VERSION,
            scenario: s.name.clone(),
            job: job.name.clone(),
            model: job.model_id.clone(),
            model_spec: job.model.clone(),
            seq_len: job.seq_len,
            global_batch: job.global_batch,
            precision: job.precision,
            objective: objective.to_owned(),
            parallelism: *par,
            stages: match &job.layout {
                Some(lay) => spread_stages(s, lay),
                None => stage_plans(job.model.layers, par),
            },
            nodes: node_plans(s, job, par, &result.shares),
            predicted: Prediction {
                step_time_s: result.step_time_s,
                tokens_per_s: result.tokens_per_s,
                mfu: result.mfu,
                memory_gib_per_device: result.memory_gib_per_device,
                fits_memory: result.fits_memory,
                time_to_train_s: result.time_to_train_s,
                cost_usd: result.cost_usd,
            },
        }
    }

    /// The plan as pretty JSON with a trailing newline; the same plan gives
    /// the same bytes.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self)
            .expect("a plan has string keys and serialisable fields only");
        text.push('\n');
        text
    }

    /// Reads a plan from `text`; `file` names it in messages. A plan of
    /// another `format_version` is refused before its keys are checked.
    pub fn from_json(text: &str, file: &str) -> Result<Plan, PlanError> {
        let syntax = |e: serde_json::Error, key: String| {
            let position = format!(" at line {} column {}", e.line(), e.column());
            let message = e.to_string();
            let message = message
                .strip_suffix(&position)
                .map_or_else(|| message.clone(), str::to_owned);
            PlanError::Syntax {
                file: file.to_owned(),
                line: e.line(),
                // serde_json counts the column of an error at the start of
                // a line (the end of the text) as 0.
                column: e.column().max(1),
                key,
                message,
            }
        };
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| syntax(e, String::new()))?;
        if let Some(v) = value.get("format_version")
            && v.as_u64() != Some(u64::from(PLAN_FORMAT_VERSION))
        {
            return Err(PlanError::Version {
                file: file.to_owned(),
                found: v.to_string(),
            });
        }
        let mut de = serde_json::Deserializer::from_str(text);
        let plan: Plan = serde_path_to_error::deserialize(&mut de).map_err(|e| {
            let key = e.path().to_string();
            let key = if key == "." { String::new() } else { key };
            syntax(e.into_inner(), key)
        })?;
        check::check(&plan).map_err(|(key, message)| {
            let (line, column) = locate::locate(text, &key).unwrap_or((1, 1));
            PlanError::Invalid {
                file: file.to_owned(),
                line,
                column,
                key,
                message,
            }
        })?;
        Ok(plan)
    }

    /// Reads the plan file at `path` (at most [`MAX_PLAN_BYTES`]).
    pub fn load(path: &std::path::Path) -> Result<Plan, PlanError> {
        let text = Plan::read_text(path)?;
        Plan::from_json(&text, &path.display().to_string())
    }

    /// The text of the plan file at `path`, refused beyond
    /// [`MAX_PLAN_BYTES`] (so `/dev/zero` is not read until memory runs out).
    pub fn read_text(path: &std::path::Path) -> Result<String, PlanError> {
        let file = path.display().to_string();
        let io = |source| PlanError::Io {
            file: file.clone(),
            source,
        };
        crate::fsio::read_to_string_limited(path, MAX_PLAN_BYTES, "plan").map_err(io)
    }

    /// Where the plan key a [`PlanError::Mismatch`] or [`PlanError::Node`]
    /// names lies in the plan's `text`, as `FILE:LINE:COLUMN`; just `file`
    /// for other errors or when it cannot be found.
    pub fn position(err: &PlanError, text: &str, file: &str) -> String {
        let key = match err {
            PlanError::Mismatch { key, .. } => key.clone(),
            PlanError::Node { index, .. } => format!("nodes[{index}]"),
            PlanError::UnknownJob { .. } => "job".to_owned(),
            _ => return file.to_owned(),
        };
        match locate::locate(text, &key) {
            Some((line, column)) => format!("{file}:{line}:{column}"),
            None => file.to_owned(),
        }
    }

    /// Checks the plan belongs to `s` (its job exists, with the same model
    /// shape, sequence length, global batch and precision; its nodes lie in
    /// the job's pools, with the same device) and returns `s` with that job's
    /// parallelism fixed to the plan's.
    pub fn apply(&self, s: &Scenario) -> Result<Scenario, PlanError> {
        let Some(ji) = s.jobs.iter().position(|j| j.name == self.job) else {
            return Err(PlanError::UnknownJob {
                scenario: s.file.clone(),
                job: self.job.clone(),
                jobs: s
                    .jobs
                    .iter()
                    .map(|j| format!("`{}`", j.name))
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        };
        let job = &s.jobs[ji];
        let mismatch = |key: &str, in_plan: String, in_scenario: String| PlanError::Mismatch {
            scenario: s.file.clone(),
            job: self.job.clone(),
            key: key.to_owned(),
            in_plan,
            in_scenario,
        };
        if self.model != job.model_id {
            return Err(mismatch(
                "model",
                format!("`{}`", self.model),
                format!("`{}`", job.model_id),
            ));
        }
        if let Some((key, a, b)) = shape_difference(&self.model_spec, &job.model) {
            return Err(mismatch(&format!("model_spec.{key}"), a, b));
        }
        if self.seq_len != job.seq_len {
            return Err(mismatch(
                "seq_len",
                self.seq_len.to_string(),
                job.seq_len.to_string(),
            ));
        }
        if self.global_batch != job.global_batch {
            return Err(mismatch(
                "global_batch",
                self.global_batch.to_string(),
                job.global_batch.to_string(),
            ));
        }
        if self.precision != job.precision {
            return Err(mismatch(
                "precision",
                format!("`{}`", self.precision),
                format!("`{}`", job.precision),
            ));
        }
        for (index, n) in self.nodes.iter().enumerate() {
            let node_error = |why: String| PlanError::Node {
                scenario: s.file.clone(),
                job: self.job.clone(),
                index,
                why,
            };
            let Some(pool) = job
                .pools
                .iter()
                .filter_map(|&i| s.pools.get(i))
                .find(|p| p.name == n.pool)
            else {
                return Err(node_error(format!(
                    "pool `{}` is not one of the job's pools",
                    n.pool
                )));
            };
            if n.node >= pool.nodes {
                return Err(node_error(format!(
                    "node {} lies outside pool `{}` ({} nodes)",
                    n.node, pool.name, pool.nodes
                )));
            }
            if n.device != pool.device.id {
                return Err(node_error(format!(
                    "device `{}`, but pool `{}` has `{}`",
                    n.device, pool.name, pool.device.id
                )));
            }
        }
        // The plan's placement: the nodes it lists of each of the job's pools.
        let pools = job
            .pools
            .iter()
            .filter_map(|&i| {
                let used = self
                    .nodes
                    .iter()
                    .filter(|n| n.pool == s.pools[i].name)
                    .map(|n| n.node + 1)
                    .max()?;
                Some((i, used))
            })
            .collect();
        // Stages spread over pools come back as the job's stage layout.
        let stages = if self.stages.iter().any(|st| st.pool.is_some()) {
            let mut pools_of = Vec::new();
            for (i, st) in self.stages.iter().enumerate() {
                let name = st.pool.as_deref().unwrap_or("");
                let idx = job
                    .pools
                    .iter()
                    .copied()
                    .find(|&p| s.pools[p].name == name)
                    .ok_or_else(|| PlanError::Node {
                        scenario: s.file.clone(),
                        job: self.job.clone(),
                        index: i,
                        why: format!(
                            "stage {} runs on pool `{name}`, which is not one of the job's pools",
                            st.stage
                        ),
                    })?;
                pools_of.push(idx);
            }
            Some(StageLayout {
                pools: pools_of,
                layers: self.stages.iter().map(|st| st.layers).collect(),
            })
        } else {
            None
        };
        let out = apply(s, ji, &Placement { pools, stages }, &self.parallelism);
        self.check_placement(&out, ji)?;
        Ok(out)
    }

    /// Checks the plan's devices fit its nodes and each node lists the
    /// stages and replicas the placement gives it: no replica held twice
    /// (overlapping nodes), none missing.
    fn check_placement(&self, out: &Scenario, ji: usize) -> Result<(), PlanError> {
        let job = &out.jobs[ji];
        let par = &self.parallelism;
        let node_error = |index: usize, why: String| PlanError::Node {
            scenario: out.file.clone(),
            job: self.job.clone(),
            index,
            why,
        };
        let devices: u64 = job
            .pools
            .iter()
            .filter_map(|&i| out.pools.get(i))
            .map(|p| p.devices())
            .sum();
        let needed = par.mesh.devices();
        if needed > devices {
            return Err(PlanError::Mismatch {
                scenario: out.file.clone(),
                job: self.job.clone(),
                key: "parallelism".to_owned(),
                in_plan: format!(
                    "{} = {needed} devices",
                    Axis::product_of(Axis::ALL.into_iter())
                ),
                in_scenario: format!("{devices} devices on the plan's nodes"),
            });
        }
        let expected = node_plans(out, job, par, &[]);
        for (index, n) in self.nodes.iter().enumerate() {
            let Some(e) = expected
                .iter()
                .find(|e| e.pool == n.pool && e.node == n.node)
            else {
                return Err(node_error(
                    index,
                    format!(
                        "node {} of pool `{}` holds no device of the plan",
                        n.node, n.pool
                    ),
                ));
            };
            if n.replicas != e.replicas {
                return Err(node_error(
                    index,
                    format!(
                        "`replicas` is {:?}, but the plan's placement puts replicas {:?} on node {} of pool `{}` (replicas may not overlap)",
                        n.replicas, e.replicas, n.node, n.pool
                    ),
                ));
            }
            if n.stages != e.stages {
                return Err(node_error(
                    index,
                    format!(
                        "`stages` is {:?}, but the plan's placement puts stages {:?} on node {} of pool `{}`",
                        n.stages, e.stages, n.node, n.pool
                    ),
                ));
            }
        }
        if let Some(e) = expected.iter().find(|e| {
            !self
                .nodes
                .iter()
                .any(|n| n.pool == e.pool && n.node == e.node)
        }) {
            return Err(node_error(
                self.nodes.len(),
                format!(
                    "node {} of pool `{}` holds replicas {:?} of the plan but is not listed",
                    e.node, e.pool, e.replicas
                ),
            ));
        }
        Ok(())
    }
}

/// Each node the job uses under `par` (pools in `job.pools` order, or its
/// stage layout), with its stages and replicas; its shares come from `shares`
/// (0 for a node it does not list).
fn node_plans(
    s: &Scenario,
    job: &Job,
    par: &ParallelConfig,
    shares: &[NodeShare],
) -> Vec<NodePlan> {
    let model_parallel = par.mesh.replica_devices().max(1);
    let mut nodes = Vec::new();
    let mut remaining = u64::from(par.mesh.dp());
    let mut first_replica = 0u64;
    let in_pool: &[usize] = match &job.layout {
        Some(lay) => {
            nodes = spread_nodes(s, lay, par, shares);
            &[]
        }
        None => &job.pools,
    };
    for &idx in in_pool {
        let Some(pool) = s.pools.get(idx) else {
            continue;
        };
        let replicas = (pool.devices() / model_parallel).min(remaining);
        if replicas == 0 {
            continue;
        }
        remaining -= replicas;
        // The mesh's rank order, the pool's replicas on its data axis.
        let part = par.mesh.with_replicas(replicas);
        let used = replicas * model_parallel;
        let dpn = u64::from(pool.devices_per_node.max(1));
        for node in 0..used.div_ceil(dpn) {
            let mut stages = BTreeSet::new();
            let mut reps = BTreeSet::new();
            for g in node * dpn..((node + 1) * dpn).min(used) {
                let at = part.coords(g);
                stages.insert(at[Axis::Pp.index()]);
                reps.insert(to_u32(first_replica + u64::from(at[Axis::Dp.index()])));
            }
            nodes.push(node_plan(pool, to_u32(node), stages, reps, shares));
        }
        first_replica += replicas;
    }
    nodes
}

/// Saturating conversion for indices that fit `u32` in any valid scenario.
fn to_u32(x: u64) -> u32 {
    u32::try_from(x).unwrap_or(u32::MAX)
}

/// Layer ranges of every virtual stage, in layer order, as `par` splits the
/// layers ([`ParallelConfig::stages`]; a split it refuses, which
/// validation has already reported, is read as the even one).
fn stage_plans(layers: u32, par: &ParallelConfig) -> Vec<StagePlan> {
    let pp = par.mesh.pp().max(1);
    let total = u64::from(pp) * u64::from(par.virtual_stages.max(1));
    let split = par.stages(layers).ok();
    let start = |v: u64| to_u32(v * u64::from(layers) / total);
    let mut first = 0;
    (0..total)
        .map(|v| {
            let (stage, chunk) = (to_u32(v % u64::from(pp)), to_u32(v / u64::from(pp)));
            let n = split
                .as_ref()
                .map_or(start(v + 1) - start(v), |s| s.chunk_layers(stage, chunk));
            let plan = StagePlan {
                stage,
                chunk,
                first_layer: first,
                layers: n,
                pool: None,
            };
            first += n;
            plan
        })
        .collect()
}

/// Layer ranges of stages spread over pools.
fn spread_stages(s: &Scenario, lay: &StageLayout) -> Vec<StagePlan> {
    let mut first = 0;
    lay.pools
        .iter()
        .zip(&lay.layers)
        .enumerate()
        .map(|(st, (&p, &n))| {
            let plan = StagePlan {
                stage: to_u32(st as u64),
                chunk: 0,
                first_layer: first,
                layers: n,
                pool: Some(s.pools[p].name.clone()),
            };
            first += n;
            plan
        })
        .collect()
}

/// Node `node` of `pool`, holding `stages` and `replicas`, with its share
/// from `shares` (0 when it has none).
fn node_plan(
    pool: &crate::scenario::Pool,
    node: u32,
    stages: BTreeSet<u32>,
    replicas: BTreeSet<u32>,
    shares: &[NodeShare],
) -> NodePlan {
    let share = shares
        .iter()
        .find(|sh| sh.pool == pool.name && sh.node == node);
    NodePlan {
        pool: pool.name.clone(),
        node,
        device: pool.device.id.clone(),
        stages: stages.into_iter().collect(),
        replicas: replicas.into_iter().collect(),
        batch_share: share.map_or(0.0, |sh| sh.batch_share),
        lr_share: share.map_or(0.0, |sh| sh.lr_share),
    }
}

/// The nodes of a job whose stages lie on different pools: on each stage's
/// pool, the mesh's rank order places tensor rank j of replica r of the
/// pool's `local`-th stage.
fn spread_nodes(
    s: &Scenario,
    lay: &StageLayout,
    par: &ParallelConfig,
    shares: &[NodeShare],
) -> Vec<NodePlan> {
    let tp = u64::from(par.mesh.tp().max(1));
    let dp = u64::from(par.mesh.dp().max(1));
    // (pool, node) → (stages, replicas), in stage order of first appearance.
    type Held = ((usize, u64), BTreeSet<u32>, BTreeSet<u32>);
    let mut held: Vec<Held> = Vec::new();
    for (st, &p) in lay.pools.iter().enumerate() {
        let dpn = u64::from(s.pools[p].devices_per_node.max(1));
        let local = lay.local(st) as u64;
        for r in 0..dp {
            for j in 0..tp {
                let rank = par.mesh.rank_at(&[
                    (Axis::Tp, to_u32(j)),
                    (Axis::Dp, to_u32(r)),
                    (Axis::Pp, to_u32(local)),
                ]);
                let key = (p, rank / dpn);
                let at = match held.iter().position(|(k, _, _)| *k == key) {
                    Some(i) => i,
                    None => {
                        held.push((key, BTreeSet::new(), BTreeSet::new()));
                        held.len() - 1
                    }
                };
                held[at].1.insert(to_u32(st as u64));
                held[at].2.insert(to_u32(r));
            }
        }
    }
    held.sort_by_key(|((p, n), _, _)| (lay.pools.iter().position(|q| q == p), *n));
    held.into_iter()
        .map(|((p, node), stages, reps)| node_plan(&s.pools[p], to_u32(node), stages, reps, shares))
        .collect()
}

/// The first field (other than the display name) in which two model shapes
/// differ: (key, value in `a`, value in `b`).
fn shape_difference(a: &TransformerSpec, b: &TransformerSpec) -> Option<(String, String, String)> {
    let object = |m: &TransformerSpec| match serde_json::to_value(m) {
        Ok(serde_json::Value::Object(o)) => o,
        _ => unreachable!("a model shape serialises to a JSON object"),
    };
    let (a, b) = (object(a), object(b));
    a.iter()
        .filter(|(k, _)| k.as_str() != "name")
        .find_map(|(k, va)| {
            let vb = b.get(k).unwrap_or(&serde_json::Value::Null);
            (va != vb).then(|| (k.clone(), va.to_string(), vb.to_string()))
        })
}

mod check;
mod locate;
mod placement;

pub use placement::{Placement, apply, fixed};
#[cfg(test)]
mod tests;
