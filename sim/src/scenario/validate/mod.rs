//! Validation: [`RawScenario`] → [`Scenario`], reporting every problem with
//! its key path and span. Pools are checked first, then jobs against them.

mod budget;
pub(super) mod job;
mod mix;
mod parallelism;
pub(super) mod pool;

use super::domain::{
    DEFAULT_ELASTIC_MAX_FACTOR, DEFAULT_ELASTIC_SERIAL_FRACTION, Network, Pool, Scenario,
    Scheduler, Workload,
};
use super::raw::{Opt, RawNetwork, RawScenario, RawScheduler, RawWorkload};
use crate::scenario::names::{POLICIES, TOPOLOGIES, WORKLOAD_FORMATS};
use crate::source::Collector;
use crate::suggest::closest;
use crate::topology::Fabric;
use std::collections::BTreeSet;
use std::ops::Range;
use std::path::Path;
use toml::Spanned;

/// Shared state of one validation: where problems go, and which keys were
/// already reported as malformed (so they are not reported again as missing).
pub(super) struct Ctx<'c, 'a> {
    pub out: &'c mut Collector<'a>,
    pub dropped: &'c BTreeSet<String>,
    /// Directory relative paths resolve against.
    pub dir: &'c Path,
    /// Where `profile = "local"` points.
    pub local_profile: Option<&'c Path>,
    /// Whether jobs are held to the event-level simulation's budget.
    pub step_budget: bool,
}

impl Ctx<'_, '_> {
    /// Records a problem.
    pub fn error(&mut self, span: Range<usize>, key: &str, message: impl Into<String>) {
        self.out.push(span, key, message, None);
    }

    /// Records a problem with a hint.
    pub fn error_help(
        &mut self,
        span: Range<usize>,
        key: &str,
        message: impl Into<String>,
        help: Option<String>,
    ) {
        self.out.push(span, key, message, help);
    }

    /// The value of a required key, or a "missing" problem at `table_span`.
    pub fn required<'v, T>(
        &mut self,
        v: &'v Opt<T>,
        table_span: &Range<usize>,
        key: &str,
    ) -> Option<&'v Spanned<T>> {
        if v.is_none() && !self.dropped.contains(key) {
            let name = key.rsplit('.').next().unwrap_or(key);
            self.error(
                table_span.clone(),
                key,
                format!("missing required key `{name}`"),
            );
        }
        v.as_ref()
    }

    /// An integer key checked to be at least `min` and to fit in `u32`.
    pub fn count(&mut self, v: &Opt<i64>, key: &str, min: i64) -> Option<u32> {
        let v = v.as_ref()?;
        let n = *v.get_ref();
        if n < min {
            let what = if min == 1 {
                "a positive integer".to_owned()
            } else {
                format!("an integer ≥ {min}")
            };
            self.error(v.span(), key, format!("expected {what}, found {n}"));
            return None;
        }
        match u32::try_from(n) {
            Ok(n) => Some(n),
            Err(_) => {
                self.error(
                    v.span(),
                    key,
                    format!("{n} is too large (at most {})", u32::MAX),
                );
                None
            }
        }
    }

    /// A number key checked to be finite and above (or at least) `min`.
    pub fn number(&mut self, v: &Opt<f64>, key: &str, min: f64, inclusive: bool) -> Option<f64> {
        let v = v.as_ref()?;
        let x = *v.get_ref();
        let ok = x.is_finite() && if inclusive { x >= min } else { x > min };
        if !ok {
            let rel = if inclusive { "≥" } else { ">" };
            self.error(
                v.span(),
                key,
                format!(
                    "expected a finite number {rel} {min}, found {}",
                    super::ranges::short(x)
                ),
            );
            return None;
        }
        if let Some(message) = super::ranges::check(key, x) {
            self.error(v.span(), key, message);
            return None;
        }
        Some(x)
    }

    /// [`Ctx::number`] for an optional key: `default` when it is absent.
    pub fn number_or(
        &mut self,
        v: &Opt<f64>,
        key: &str,
        min: f64,
        inclusive: bool,
        default: f64,
    ) -> Option<f64> {
        match v {
            Some(_) => self.number(v, key, min, inclusive),
            None => Some(default),
        }
    }

    /// [`Ctx::count`] for an optional key: `default` when it is absent.
    pub fn count_or(&mut self, v: &Opt<i64>, key: &str, min: i64, default: u32) -> Option<u32> {
        match v {
            Some(_) => self.count(v, key, min),
            None => Some(default),
        }
    }

    /// A string key that must be one of `options`, with a suggestion.
    pub fn one_of<T: Clone>(
        &mut self,
        v: &Spanned<String>,
        key: &str,
        options: &[(&'static str, T)],
    ) -> Option<T> {
        let s = v.get_ref().as_str();
        if let Some((_, t)) = options.iter().find(|(name, _)| *name == s) {
            return Some(t.clone());
        }
        let names: Vec<&str> = options.iter().map(|(n, _)| *n).collect();
        let help = closest(s, names.iter().copied()).map(|n| format!("did you mean `{n}`?"));
        self.error_help(
            v.span(),
            key,
            format!("unknown value `{s}`; expected one of {}", quoted(&names)),
            help,
        );
        None
    }
}

/// The most devices a scenario may hold (2^20): several times the largest
/// training clusters built so far, and small enough to model in memory.
pub const MAX_DEVICES: u64 = 1 << 20;

/// `a`, `b`, `c` for messages.
pub(super) fn quoted(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Validates a raw scenario read from `file` (in directory `dir`).
pub(super) fn validate(
    raw: &RawScenario,
    file: &str,
    dir: &Path,
    ctx: &mut Ctx<'_, '_>,
) -> Option<Scenario> {
    let name = raw.name.as_ref().map_or_else(
        || {
            Path::new(file).file_stem().map_or_else(
                || "scenario".to_owned(),
                |s| s.to_string_lossy().into_owned(),
            )
        },
        |n| n.get_ref().clone(),
    );
    let seed = match &raw.seed {
        None => 0,
        Some(s) => u64::try_from(*s.get_ref()).unwrap_or_else(|_| {
            let found = s.get_ref();
            ctx.error(
                s.span(),
                "seed",
                format!("expected a non-negative integer, found {found}"),
            );
            0
        }),
    };
    if raw.pool.is_empty() && !ctx.dropped.contains("pool") {
        ctx.error(
            0..0,
            "pool",
            "a scenario needs at least one `[[pool]]` of nodes",
        );
    }
    if raw.job.is_empty() && raw.workload.is_none() && !ctx.dropped.contains("job") {
        ctx.error(
            0..0,
            "job",
            "a scenario needs at least one `[[job]]` or a `[workload]`",
        );
    }
    let network = network(raw.network.as_ref(), ctx);
    let links = !raw.job.is_empty() || raw.workload.is_none();
    let mut pools = pool::pools(&raw.pool, network.as_ref(), links, ctx);
    if let Some(list) = &pools {
        let devices: u64 = list.iter().map(|p| p.devices()).sum();
        if devices > MAX_DEVICES {
            let at = raw.pool.first().map_or(0..0, Spanned::span);
            ctx.error(
                at,
                "pool",
                format!("the pools hold {devices} devices; Cirrus models clusters of at most {MAX_DEVICES}"),
            );
            pools = None;
        }
    }
    if raw.workload.is_none() {
        // Autoscaling follows a queue of jobs; a training job holds its
        // devices throughout.
        for (i, p) in raw.pool.iter().enumerate() {
            if let Some(a) = &p.get_ref().autoscale {
                ctx.error(
                    a.span(),
                    &format!("pool[{i}].autoscale"),
                    "autoscaling applies to cluster workloads: add a `[workload]` or remove `autoscale`",
                );
            }
        }
    }
    let workload = raw
        .workload
        .as_ref()
        .and_then(|w| workload(w, dir, pools.as_deref(), ctx));
    let scheduler = raw.scheduler.as_ref().and_then(|s| scheduler(s, ctx));
    let single_job = raw.job.len() == 1 && workload.is_none();
    let jobs = job::jobs(&raw.job, pools.as_deref(), single_job, ctx);
    jobs_and_workload(raw, ctx);
    if let (Some(pools), Some(_)) = (&pools, &workload) {
        budget::event_rate(raw, pools, scheduler.as_ref(), ctx);
    }
    Some(Scenario {
        name,
        seed,
        file: file.to_owned(),
        dir: dir.to_path_buf(),
        pools: pools?,
        network: network?,
        jobs: jobs?,
        workload,
        scheduler,
    })
}

/// A scenario is either one training job or a cluster workload: a
/// `[[job]]` beside a `[workload]` would be ignored, and several `[[job]]`s
/// sharing a cluster are what a workload describes.
fn jobs_and_workload(raw: &RawScenario, ctx: &mut Ctx<'_, '_>) {
    if raw.workload.is_some()
        && let Some(first) = raw.job.first()
    {
        ctx.error_help(
            first.span(),
            "job[0]",
            "a `[[job]]` beside a `[workload]` is not simulated: the cluster scheduler runs the workload's jobs",
            Some(
                "remove the `[[job]]` tables, or remove the `[workload]` to simulate the job alone"
                    .to_owned(),
            ),
        );
    } else if raw.workload.is_none()
        && let Some(second) = raw.job.get(1)
    {
        ctx.error_help(
            second.span(),
            "job[1]",
            format!(
                "the scenario has {} `[[job]]` tables; one job is simulated per scenario",
                raw.job.len()
            ),
            Some("several jobs sharing a cluster are described as a `[workload]` (a trace or a generator); or give each job its own scenario file".to_owned()),
        );
    }
}

fn network(raw: Option<&Spanned<RawNetwork>>, ctx: &mut Ctx<'_, '_>) -> Option<Network> {
    let mut net = Network {
        fabric: Fabric::FatTree,
        oversubscription: 1.0,
        inter_pool_gbit_s: None,
        nodes_per_leaf: None,
    };
    let Some(raw) = raw else { return Some(net) };
    let raw = raw.get_ref();
    let mut ok = true;
    if let Some(t) = &raw.topology {
        match ctx.one_of(t, "network.topology", &TOPOLOGIES) {
            Some(f) => net.fabric = f,
            None => ok = false,
        }
    }
    if raw.oversubscription.is_some() {
        match ctx.number(&raw.oversubscription, "network.oversubscription", 1.0, true) {
            Some(x) => net.oversubscription = x,
            None => ok = false,
        }
    }
    if raw.inter_pool_gbit_s.is_some() {
        net.inter_pool_gbit_s = ctx.number(
            &raw.inter_pool_gbit_s,
            "network.inter_pool_gbit_s",
            0.0,
            false,
        );
        ok &= net.inter_pool_gbit_s.is_some();
    }
    if raw.nodes_per_leaf.is_some() {
        net.nodes_per_leaf = ctx.count(&raw.nodes_per_leaf, "network.nodes_per_leaf", 1);
        ok &= net.nodes_per_leaf.is_some();
    }
    ok.then_some(net)
}

fn workload(
    raw: &Spanned<RawWorkload>,
    dir: &Path,
    pools: Option<&[Pool]>,
    ctx: &mut Ctx<'_, '_>,
) -> Option<Workload> {
    let span = raw.span();
    let raw = raw.get_ref();
    let format = ctx.required(&raw.format, &span, "workload.format")?;
    ctx.one_of(format, "workload.format", &WORKLOAD_FORMATS)?;
    let resolve = |p: &Opt<String>| p.as_ref().map(|p| dir.join(p.get_ref()));
    let mut files_ok = true;
    for (v, key) in [
        (&raw.path, "workload.path"),
        (&raw.throughputs, "workload.throughputs"),
    ] {
        let Some(v) = v else { continue };
        let problem = if v.get_ref().trim().is_empty() {
            Some("expected a file path, found an empty string".to_owned())
        } else if dir.join(v.get_ref()).is_dir() {
            Some(format!(
                "`{}` is a directory; expected a file path",
                v.get_ref()
            ))
        } else {
            None
        };
        if let Some(message) = problem {
            ctx.error(v.span(), key, message);
            files_ok = false;
        }
    }
    let jobs = match &raw.jobs {
        Some(_) => Some(ctx.count(&raw.jobs, "workload.jobs", 1)?),
        None => None,
    };
    let synthetic = format.get_ref() == "synthetic";
    let missing_jobs = synthetic && jobs.is_none();
    if missing_jobs && !ctx.dropped.contains("workload.jobs") {
        ctx.error(
            span.clone(),
            "workload.jobs",
            "missing required key `jobs` (how many jobs to generate)",
        );
    }
    let mut num =
        |v: &Opt<f64>, key: &str, default: f64| ctx.number_or(v, key, 0.0, false, default);
    let mean = num(
        &raw.mean_interarrival_s,
        "workload.mean_interarrival_s",
        600.0,
    );
    let burst = num(&raw.burst_factor, "workload.burst_factor", 1.0);
    let median = num(&raw.duration_median_s, "workload.duration_median_s", 3600.0);
    let sigma = num(&raw.duration_sigma, "workload.duration_sigma", 1.0);
    let mut devices = Vec::new();
    for (i, d) in raw
        .devices
        .as_ref()
        .map(|v| v.get_ref().as_slice())
        .unwrap_or(&[])
        .iter()
        .enumerate()
    {
        let v = Some(d.clone());
        devices.push(ctx.number(&v, &format!("workload.devices[{i}]"), 0.0, false)?);
    }
    if devices.is_empty() {
        devices.push(1.0);
    }
    let mix = mix::mix(raw, synthetic, devices.len(), pools, ctx);
    let (mean, burst, median, sigma, mix) = (mean?, burst?, median?, sigma?, mix?);
    let max_trace_bytes = match &raw.max_trace_bytes {
        Some(v) => match u64::try_from(*v.get_ref()) {
            Ok(n) if n >= 1 => Some(n),
            _ => {
                let found = v.get_ref();
                ctx.error(
                    v.span(),
                    "workload.max_trace_bytes",
                    format!("expected a positive integer, found {found}"),
                );
                files_ok = false;
                None
            }
        },
        None => None,
    };
    if missing_jobs || !files_ok {
        return None;
    }
    Some(Workload {
        format: format.get_ref().clone(),
        path: resolve(&raw.path),
        throughputs: resolve(&raw.throughputs),
        max_trace_bytes,
        jobs,
        skip_bad_rows: raw.skip_bad_rows.as_ref().is_some_and(|b| *b.get_ref()),
        arrivals: (mean, burst),
        durations: (median, sigma),
        devices,
        device_weights: mix.device_weights,
        device_types: mix.device_types,
        models: mix.models,
    })
}

/// The simulated policies, for messages: `a`, `b`, … and `z`.
fn simulated_policies() -> String {
    let names: Vec<String> = POLICIES
        .iter()
        .filter(|(_, simulated)| *simulated)
        .map(|(n, _)| format!("`{n}`"))
        .collect();
    match names.split_last() {
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// `[scheduler]`: every key is checked, so that all of its problems are
/// reported at once.
fn scheduler(raw: &Spanned<RawScheduler>, ctx: &mut Ctx<'_, '_>) -> Option<Scheduler> {
    let raw = raw.get_ref();
    let policy = match &raw.policy {
        Some(p) => match ctx.one_of(p, "scheduler.policy", &POLICIES) {
            Some(true) => Some(p.get_ref().clone()),
            Some(false) => {
                let help = (p.get_ref() == "gavel").then(|| {
                    "Gavel's heterogeneity-aware max-min fairness is `policy = \"max-min-fairness\"` with `heterogeneity_aware = true`".to_owned()
                });
                ctx.error_help(
                    p.span(),
                    "scheduler.policy",
                    format!(
                        "policy `{}` is a reserved name this build does not simulate yet; simulated are {}",
                        p.get_ref(),
                        simulated_policies()
                    ),
                    help,
                );
                None
            }
            None => None,
        },
        None => Some("fifo".to_owned()),
    };
    let round_s = ctx.number_or(&raw.round_s, "scheduler.round_s", 0.0, false, 360.0);
    let checkpoint = ctx.number_or(
        &raw.checkpoint_interval_s,
        "scheduler.checkpoint_interval_s",
        0.0,
        false,
        3600.0,
    );
    let restore = ctx.number_or(&raw.restore_s, "scheduler.restore_s", 0.0, true, 30.0);
    let checkpoint_write = ctx.number_or(
        &raw.checkpoint_write_s,
        "scheduler.checkpoint_write_s",
        0.0,
        true,
        0.0,
    );
    let deadline_factor = match &raw.deadline_factor {
        Some(_) => ctx
            .number(&raw.deadline_factor, "scheduler.deadline_factor", 1.0, true)
            .map(Some),
        None => Some(None),
    };
    let serial = ctx.number_or(
        &raw.elastic_serial_fraction,
        "scheduler.elastic_serial_fraction",
        0.0,
        true,
        DEFAULT_ELASTIC_SERIAL_FRACTION,
    );
    let serial = match serial {
        Some(x) if x >= 1.0 => {
            if let Some(v) = &raw.elastic_serial_fraction {
                ctx.error(
                    v.span(),
                    "scheduler.elastic_serial_fraction",
                    format!("expected a fraction below 1, found {x}"),
                );
            }
            None
        }
        other => other,
    };
    let max_factor = ctx.number_or(
        &raw.elastic_max_factor,
        "scheduler.elastic_max_factor",
        1.0,
        true,
        DEFAULT_ELASTIC_MAX_FACTOR,
    );
    Some(Scheduler {
        policy: policy?,
        heterogeneity_aware: raw
            .heterogeneity_aware
            .as_ref()
            .is_some_and(|b| *b.get_ref()),
        round_s: round_s?,
        checkpoint_interval_s: checkpoint?,
        restore_s: restore?,
        checkpoint_write_s: checkpoint_write?,
        gavel_compat: raw.gavel_compat.as_ref().is_some_and(|b| *b.get_ref()),
        deadline_factor: deadline_factor?,
        elastic_serial_fraction: serial?,
        elastic_max_factor: max_factor?,
    })
}
