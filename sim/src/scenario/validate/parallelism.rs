//! `[job.parallelism]` validation: each field given, defaulted or `"auto"`,
//! then the constraints between them, the model and the devices
//! (Megatron-LM's and DeepSpeed's rules).

use super::{Ctx, quoted};
use crate::mesh::{AXES, Axis};
use crate::model::TransformerSpec;
use crate::parallelism::{Recompute, Schedule};
use crate::scenario::domain::{Choice, ParallelismSpec, Pool};
use crate::scenario::raw::{Opt, RawJob, RawParallelism, Setting, StrOrTable};
use crate::stages::{StageEnds, split};
use crate::suggest::closest;
use std::ops::Range;
use toml::Spanned;

/// What a job's parallelism is checked against.
pub(super) struct Target<'a> {
    /// The job's model.
    pub model: &'a TransformerSpec,
    /// The pools the job runs on.
    pub pools: &'a [&'a Pool],
    /// Sequences per step.
    pub global_batch: u64,
    /// The job is the scenario's only work: it must use every device.
    pub single_job: bool,
}

/// The job's parallel configuration, checked against its model and pools.
pub(super) fn parallelism(
    j: &RawJob,
    prefix: &str,
    target: &Target<'_>,
    ctx: &mut Ctx<'_, '_>,
) -> Option<ParallelismSpec> {
    let key = format!("{prefix}.parallelism");
    let (raw, span) = match table(j, &key, ctx)? {
        None => return Some(ParallelismSpec::all_auto()),
        Some(t) => t,
    };
    let mut spec = fields(raw, &key, ctx)?;
    let ok = constraints(&spec, raw, &span, &key, target, ctx);
    if spec.degree(Axis::Dp) == Choice::Fixed(0) {
        // Left out: every device the model-parallel groups leave.
        let devices: u64 = target.pools.iter().map(|p| p.devices()).sum();
        spec.degrees[Axis::Dp.index()] = match replica_devices(&spec) {
            Some(mp) => Choice::Fixed(u32::try_from(devices / mp).unwrap_or(u32::MAX)),
            None => Choice::Auto,
        };
    }
    ok.then_some(spec)
}

/// Checks the job's parallelism fields on their own, for a job whose model,
/// sizes or pools are invalid: the relations between them cannot be checked
/// then, but a bad field is still reported alongside the other problems.
pub(super) fn fields_alone(j: &RawJob, prefix: &str, ctx: &mut Ctx<'_, '_>) {
    let key = format!("{prefix}.parallelism");
    if let Some(Some((raw, _))) = table(j, &key, ctx) {
        let _ = fields(raw, &key, ctx);
    }
}

/// The `[job.parallelism]` table with its span; `Some(None)` when it is
/// left out or `"auto"`, `None` (reported) when it is another string.
fn table<'j>(
    j: &'j RawJob,
    key: &str,
    ctx: &mut Ctx<'_, '_>,
) -> Option<Option<(&'j RawParallelism, Range<usize>)>> {
    let Some(p) = &j.parallelism else {
        return Some(None);
    };
    match p.get_ref() {
        StrOrTable::Str(s) if s == "auto" => Some(None),
        StrOrTable::Str(s) => {
            ctx.error(
                p.span(),
                key,
                format!("expected \"auto\" or a table, found \"{s}\""),
            );
            None
        }
        StrOrTable::Table(t) => Some(Some((t, p.span()))),
    }
}

fn int(
    v: &Opt<Setting>,
    key: &str,
    min: i64,
    max: i64,
    default: Choice<i64>,
    ctx: &mut Ctx<'_, '_>,
) -> Option<Choice<i64>> {
    let Some(v) = v else { return Some(default) };
    match v.get_ref() {
        Setting::Int(n) if (min..=max).contains(n) => Some(Choice::Fixed(*n)),
        Setting::Int(n) if *n > max && max == i64::from(u32::MAX) => {
            ctx.error(v.span(), key, format!("{n} is too large (at most {max})"));
            None
        }
        Setting::Int(n) => {
            let range = match (min, max) {
                (1, m) if m == i64::from(u32::MAX) => "a positive integer".to_owned(),
                (lo, m) if m == i64::from(u32::MAX) => format!("an integer ≥ {lo}"),
                (lo, hi) => format!("an integer from {lo} to {hi}"),
            };
            ctx.error(
                v.span(),
                key,
                format!("expected {range} or \"auto\", found {n}"),
            );
            None
        }
        Setting::Str(s) if s == "auto" => Some(Choice::Auto),
        other => {
            ctx.error(
                v.span(),
                key,
                format!("expected an integer or \"auto\", found {}", describe(other)),
            );
            None
        }
    }
}

fn named<T: Copy>(
    v: &Opt<Setting>,
    key: &str,
    options: &[(&'static str, T)],
    default: T,
    ctx: &mut Ctx<'_, '_>,
) -> Option<Choice<T>> {
    let Some(v) = v else {
        return Some(Choice::Fixed(default));
    };
    match v.get_ref() {
        Setting::Str(s) if s == "auto" => Some(Choice::Auto),
        Setting::Str(s) => {
            if let Some((_, t)) = options.iter().find(|(n, _)| n == s) {
                return Some(Choice::Fixed(*t));
            }
            let names: Vec<&str> = options.iter().map(|(n, _)| *n).chain(["auto"]).collect();
            let help = closest(s, names.iter().copied()).map(|n| format!("did you mean `{n}`?"));
            ctx.error_help(
                v.span(),
                key,
                format!("unknown value `{s}`; expected one of {}", quoted(&names)),
                help,
            );
            None
        }
        other => {
            ctx.error(
                v.span(),
                key,
                format!("expected a string, found {}", describe(other)),
            );
            None
        }
    }
}

fn describe(s: &Setting) -> String {
    match s {
        Setting::Int(n) => format!("integer {n}"),
        Setting::Bool(b) => format!("boolean {b}"),
        Setting::Str(s) => format!("string \"{s}\""),
    }
}

fn to_u32(c: Choice<i64>) -> Choice<u32> {
    match c {
        Choice::Auto => Choice::Auto,
        Choice::Fixed(n) => Choice::Fixed(u32::try_from(n).unwrap_or(u32::MAX)),
    }
}

fn fields(raw: &RawParallelism, key: &str, ctx: &mut Ctx<'_, '_>) -> Option<ParallelismSpec> {
    let k = |f: &str| format!("{key}.{f}");
    let big = i64::from(u32::MAX);
    // An axis without a default left out (dp): whatever the devices allow
    // (set by the constraints below), marked 0 until then.
    let degrees = Axis::ALL.map(|a| {
        let default = Choice::Fixed(i64::from(a.default_degree().unwrap_or(0)));
        int(raw.degree(a), &k(a.key()), 1, big, default, ctx)
    });
    let mb = int(
        &raw.microbatch,
        &k("microbatch"),
        1,
        big,
        Choice::Fixed(1),
        ctx,
    );
    let vs = int(
        &raw.virtual_stages,
        &k("virtual_stages"),
        1,
        big,
        Choice::Fixed(1),
        ctx,
    );
    let zero = int(&raw.zero, &k("zero"), 0, 3, Choice::Fixed(0), ctx);
    let schedules = Schedule::ALL.map(|s| (s.as_str(), s));
    let schedule = named(
        &raw.schedule,
        &k("schedule"),
        &schedules,
        Schedule::OneFOneB,
        ctx,
    );
    let modes = Recompute::ALL.map(|r| (r.as_str(), r));
    let recompute = named(
        &raw.recompute,
        &k("recompute"),
        &modes,
        Recompute::None,
        ctx,
    );
    let sp = match &raw.sequence_parallel {
        None => Some(Choice::Fixed(false)),
        Some(v) => match v.get_ref() {
            Setting::Bool(b) => Some(Choice::Fixed(*b)),
            Setting::Str(s) if s == "auto" => Some(Choice::Auto),
            other => {
                ctx.error(
                    v.span(),
                    &k("sequence_parallel"),
                    format!(
                        "expected true, false or \"auto\", found {}",
                        describe(other)
                    ),
                );
                None
            }
        },
    };
    // "auto" (or absent) leaves an end to the split rule.
    let end = |raw: &Opt<Setting>, f: &str, ctx: &mut Ctx<'_, '_>| {
        int(raw, &k(f), 1, big, Choice::Auto, ctx).map(|c| to_u32(c).fixed())
    };
    let first = end(&raw.first_stage_layers, "first_stage_layers", ctx);
    let last = end(&raw.last_stage_layers, "last_stage_layers", ctx);
    let mut fixed = [Choice::Auto; AXES];
    for (f, d) in fixed.iter_mut().zip(degrees) {
        *f = to_u32(d?);
    }
    Some(ParallelismSpec {
        degrees: fixed,
        microbatch: to_u32(mb?),
        schedule: schedule?,
        virtual_stages: to_u32(vs?),
        recompute: recompute?,
        zero: match zero? {
            Choice::Auto => Choice::Auto,
            Choice::Fixed(z) => Choice::Fixed(u8::try_from(z).unwrap_or(3)),
        },
        sequence_parallel: sp?,
        stage_ends: StageEnds {
            first: first?,
            last: last?,
        },
    })
}

/// The span of a field if given, else the table's.
fn at(v: &Opt<Setting>, table: &Range<usize>) -> Range<usize> {
    v.as_ref().map_or_else(|| table.clone(), Spanned::span)
}

/// Checks the relations between the fixed fields.
fn constraints(
    spec: &ParallelismSpec,
    raw: &RawParallelism,
    span: &Range<usize>,
    key: &str,
    target: &Target<'_>,
    ctx: &mut Ctx<'_, '_>,
) -> bool {
    let Target {
        model,
        pools,
        global_batch,
        single_job,
    } = *target;
    let k = |f: &str| format!("{key}.{f}");
    let mut ok = true;
    let devices: u64 = pools.iter().map(|p| p.devices()).sum();
    for a in Axis::ALL {
        let Choice::Fixed(d) = spec.degree(a) else {
            continue;
        };
        let key = a.key();
        if let Some(problem) = a.division_problem(d, model.into()) {
            ctx.error(at(raw.degree(a), span), &k(key), problem);
            ok = false;
        }
        if !a.inside_node() {
            continue;
        }
        for p in pools.iter().filter(|p| !p.device.is_torus()) {
            if !p.devices_per_node.is_multiple_of(d) {
                ctx.error_help(
                    at(raw.degree(a), span),
                    &k(key),
                    format!(
                        "{key} = {d} does not fit in a node of pool `{}` ({} devices per node)",
                        p.name, p.devices_per_node
                    ),
                    Some(format!(
                        "{} runs inside a node's fast links: use a divisor of devices_per_node",
                        a.name()
                    )),
                );
                ok = false;
            }
        }
    }
    if let (Choice::Fixed(pp), Choice::Fixed(v)) = (spec.degree(Axis::Pp), spec.virtual_stages)
        && let Err(why) = split(model.layers, pp, v, spec.stage_ends)
    {
        // Blame pp, or the stage end the message is about.
        let (field, raw_field) = if !spec.stage_ends.is_set() {
            ("pp", raw.degree(Axis::Pp))
        } else if why.starts_with("last_stage_layers") || spec.stage_ends.first.is_none() {
            ("last_stage_layers", &raw.last_stage_layers)
        } else {
            ("first_stage_layers", &raw.first_stage_layers)
        };
        ctx.error(at(raw_field, span), &k(field), why);
        ok = false;
    }
    if let (Choice::Fixed(s), Choice::Fixed(v)) = (spec.schedule, spec.virtual_stages)
        && v > 1
        && s != Schedule::Interleaved1F1B
    {
        ctx.error(
            at(&raw.virtual_stages, span),
            &k("virtual_stages"),
            format!(
                "virtual_stages = {v} needs schedule = \"interleaved-1f1b\" (schedule is \"{}\")",
                s.as_str()
            ),
        );
        ok = false;
    }
    if let (Choice::Fixed(z), Choice::Fixed(pp)) = (spec.zero, spec.degree(Axis::Pp))
        && z >= 2
        && pp > 1
    {
        ctx.error(
            at(&raw.zero, span),
            &k("zero"),
            format!("ZeRO stage {z} shards gradients, which pipeline parallelism (pp = {pp}) cannot use; use zero = 0 or 1"),
        );
        ok = false;
    }
    let Some(model_parallel) = replica_devices(spec) else {
        return ok;
    };
    // `tp × pp` and `8 × 2`: the model-splitting axes and their degrees.
    let (names, values) = replica_formula(spec);
    let formula = format!("{names} = {values} = {model_parallel}");
    if model_parallel > devices {
        ctx.error(
            at(raw.degree(Axis::Pp), span),
            key,
            format!("{formula} needs more devices than the job's pools have ({devices})"),
        );
        return false;
    }
    if pools.len() > 1 {
        // A data-parallel replica lives inside one pool.
        for p in pools
            .iter()
            .filter(|p| !p.devices().is_multiple_of(model_parallel))
        {
            ctx.error_help(
                at(raw.degree(Axis::Pp), span),
                key,
                format!(
                    "pool `{}` has {} devices, not a multiple of {formula}",
                    p.name,
                    p.devices()
                ),
                Some("each data-parallel replica runs inside one pool: size the pools in whole replicas".to_owned()),
            );
            ok = false;
        }
    }
    let dp = match spec.degree(Axis::Dp) {
        Choice::Auto => return ok,
        Choice::Fixed(0) => devices / model_parallel,
        Choice::Fixed(dp) => u64::from(dp),
    };
    let used = model_parallel * dp;
    if raw.degree(Axis::Dp).is_none() && !devices.is_multiple_of(model_parallel) {
        ctx.error(
            span.clone(),
            key,
            format!("{names} = {model_parallel} does not divide the job's {devices} devices; set dp explicitly"),
        );
        ok = false;
    } else if used > devices || (single_job && used != devices) {
        let fix = if devices.is_multiple_of(model_parallel) {
            format!("dp = {} would use all of them", devices / model_parallel)
        } else {
            let keys: Vec<&str> = Axis::model_axes().map(Axis::key).collect();
            format!(
                "{names} = {model_parallel} does not divide {devices}; change {} or the node counts",
                keys.join(", ")
            )
        };
        ctx.error_help(
            at(raw.degree(Axis::Dp), span),
            &k("dp"),
            format!("{names} × dp = {values} × {dp} = {used} devices, but the job's pools have {devices}"),
            Some(fix),
        );
        ok = false;
    }
    if let Choice::Fixed(mb) = spec.microbatch {
        let per_step = u64::from(mb) * dp;
        if !global_batch.is_multiple_of(per_step) {
            ctx.error(
                at(&raw.microbatch, span),
                &k("microbatch"),
                format!("global_batch {global_batch} is not a multiple of microbatch × dp = {mb} × {dp} = {per_step}"),
            );
            ok = false;
        } else if let (Choice::Fixed(Schedule::Interleaved1F1B), Choice::Fixed(pp @ 2..)) =
            (spec.schedule, spec.degree(Axis::Pp))
        {
            let m = global_batch / per_step;
            if !m.is_multiple_of(u64::from(pp)) {
                ctx.error(
                    at(&raw.schedule, span),
                    &k("schedule"),
                    format!("interleaved-1f1b needs the micro-batches per replica ({m}) to be a multiple of pp = {pp}"),
                );
                ok = false;
            }
        }
    }
    ok
}

/// Devices of one replica when every model-splitting axis is fixed.
fn replica_devices(spec: &ParallelismSpec) -> Option<u64> {
    Axis::model_axes()
        .map(|a| spec.degree(a).fixed().map(u64::from))
        .product()
}

/// The model-splitting axes' keys and degrees, each joined by ` × `.
fn replica_formula(spec: &ParallelismSpec) -> (String, String) {
    let values: Vec<String> = Axis::model_axes()
        .map(|a| spec.degree(a).fixed().unwrap_or(0).to_string())
        .collect();
    (Axis::product_of(Axis::model_axes()), values.join(" × "))
}
