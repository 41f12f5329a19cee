//! The simulations' budgets, checked where the scenario sets them.
//!
//! The cluster simulation's budget of events per simulated hour: node
//! failures and repairs, spot revocations and reacquisitions, and
//! scheduling rounds each add events at a rate the scenario sets; above
//! [`MAX_EVENTS_PER_SIM_HOUR`] a simulated day would take hundreds of
//! millions of events (and the memory to queue them), so the scenario is
//! refused at the key that contributes most.

use super::Ctx;
use crate::scenario::domain::{Choice, ParallelismSpec, Pool, Scheduler};
use crate::scenario::raw::{RawJob, RawScenario, StrOrTable};
use crate::step_budget::Work;
use toml::Spanned;

/// The most events the cluster simulation accepts per simulated hour from
/// rates the scenario sets (failures, revocations, rounds); job arrivals
/// and completions are not counted: they are bounded by the workload.
pub const MAX_EVENTS_PER_SIM_HOUR: f64 = 1e6;

/// One source of periodic events: its rate per simulated hour, where it is
/// written, its key and what it is.
struct Source {
    per_hour: f64,
    span: std::ops::Range<usize>,
    key: String,
    what: String,
    /// `raise` or `lower`: which way the key makes fewer events.
    fix: &'static str,
}

/// Refuses a scenario whose rates exceed [`MAX_EVENTS_PER_SIM_HOUR`].
pub(super) fn event_rate(
    raw: &RawScenario,
    pools: &[Pool],
    scheduler: Option<&Scheduler>,
    ctx: &mut Ctx<'_, '_>,
) {
    let mut sources = Vec::new();
    for (i, (pool, rp)) in pools.iter().zip(&raw.pool).enumerate() {
        let rp = rp.get_ref();
        if let (Some(mtbf), Some(v)) = (pool.mtbf_hours_per_node, &rp.mtbf_hours_per_node) {
            // A failure and a repair per failure.
            sources.push(Source {
                per_hour: 2.0 * f64::from(pool.nodes) / mtbf,
                span: v.span(),
                key: format!("pool[{i}].mtbf_hours_per_node"),
                what: format!("{} nodes failing every {mtbf} h", pool.nodes),
                fix: "raise",
            });
        }
        if let (Some(spot), Some(rs)) = (&pool.spot, &rp.spot)
            && let Some(v) = &rs.get_ref().preemptions_per_device_hour
        {
            // Notice, revocation and reacquisition per revocation.
            sources.push(Source {
                per_hour: 3.0 * pool.devices() as f64 * spot.preemptions_per_device_hour,
                span: v.span(),
                key: format!("pool[{i}].spot.preemptions_per_device_hour"),
                what: format!(
                    "{} devices revoked {} times per device-hour",
                    pool.devices(),
                    spot.preemptions_per_device_hour
                ),
                fix: "lower",
            });
        }
    }
    if let (Some(sch), Some(rs)) = (scheduler, &raw.scheduler)
        && let Some(v) = &rs.get_ref().round_s
    {
        sources.push(Source {
            per_hour: 3600.0 / sch.round_s,
            span: v.span(),
            key: "scheduler.round_s".to_owned(),
            what: format!("a scheduling round every {} s", sch.round_s),
            fix: "raise",
        });
    }
    let total: f64 = sources.iter().map(|s| s.per_hour).sum();
    if total <= MAX_EVENTS_PER_SIM_HOUR {
        return;
    }
    let Some(worst) = sources
        .into_iter()
        .max_by(|a, b| a.per_hour.total_cmp(&b.per_hour))
    else {
        return;
    };
    ctx.error_help(
        worst.span,
        &worst.key,
        format!(
            "the cluster simulation would handle about {:.1e} events per simulated hour, beyond its budget of {MAX_EVENTS_PER_SIM_HOUR:.0e}; most ({:.1e} per hour) come from {}",
            total, worst.per_hour, worst.what
        ),
        Some(format!(
            "{} `{}`: at {MAX_EVENTS_PER_SIM_HOUR:.0e} events per hour a simulated day is already {:.1e} events",
            worst.fix,
            worst.key,
            24.0 * MAX_EVENTS_PER_SIM_HOUR
        )),
    );
}

/// Refuses a job whose step is beyond the event-level simulation's budget
/// ([`crate::step_budget`]), at the key to change: the same rule, from
/// the same configuration fields, as the simulation applies.
pub(super) fn step_work(
    j: &RawJob,
    prefix: &str,
    layers: u32,
    global_batch: u64,
    spec: &ParallelismSpec,
    job_span: &std::ops::Range<usize>,
    ctx: &mut Ctx<'_, '_>,
) -> bool {
    let Choice::Fixed(pp) = spec.degree(crate::mesh::Axis::Pp) else {
        return true;
    };
    let v = match spec.virtual_stages {
        Choice::Fixed(v) => v,
        Choice::Auto => 1,
    };
    // Without a fixed micro-batch only the buckets can be counted.
    let microbatches = match spec.microbatch {
        Choice::Fixed(mb) => global_batch / u64::from(mb.max(1)),
        Choice::Auto => 0,
    };
    let work = Work::from_parts(layers, pp, v, microbatches);
    let Some((key, message)) = work.over_budget() else {
        return true;
    };
    let span = match key {
        "model.layers" => match &j.model {
            Some(m) => match m.get_ref() {
                StrOrTable::Table(t) => t.layers.as_ref().map_or_else(|| m.span(), Spanned::span),
                StrOrTable::Str(_) => m.span(),
            },
            None => job_span.clone(),
        },
        _ => j
            .global_batch
            .as_ref()
            .map_or_else(|| job_span.clone(), Spanned::span),
    };
    ctx.error_help(
        span,
        &format!("{prefix}.{key}"),
        message,
        Some(crate::step_budget::HINT.to_owned()),
    );
    false
}
