//! `[[job]]` validation: model (preset or inline), sizes, precision against
//! the devices' known peaks, pool references, and the figures the job needs.

use super::parallelism::{Target, fields_alone, parallelism};
use super::{Ctx, quoted};
use crate::model::{self, Architecture, TransformerSpec};
use crate::parallelism::Precision;
use crate::scenario::domain::{CollectiveAlgorithm, Job, Pool};
use crate::scenario::names::{ARCHITECTURES, COLLECTIVE_ALGORITHMS};
use crate::scenario::raw::{RawJob, RawModel, StrOrTable};
use crate::suggest::closest;
use std::ops::Range;
use toml::Spanned;

/// Validates every job; `None` if any is invalid. `pools` is `None` when the
/// pools themselves were invalid (references are then not checked).
pub(super) fn jobs(
    raw: &[Spanned<RawJob>],
    pools: Option<&[Pool]>,
    single_job: bool,
    ctx: &mut Ctx<'_, '_>,
) -> Option<Vec<Job>> {
    let mut out = Vec::new();
    let mut ok = true;
    for (i, j) in raw.iter().enumerate() {
        match job(j, i, pools, single_job, ctx) {
            Some(job) => out.push(job),
            None => ok = false,
        }
    }
    ok.then_some(out)
}

fn job(
    raw: &Spanned<RawJob>,
    index: usize,
    pools: Option<&[Pool]>,
    single_job: bool,
    ctx: &mut Ctx<'_, '_>,
) -> Option<Job> {
    let span = raw.span();
    let j = raw.get_ref();
    let prefix = format!("job[{index}]");
    let key = |k: &str| format!("{prefix}.{k}");
    let name = j
        .name
        .as_ref()
        .map_or_else(|| format!("job{index}"), |n| n.get_ref().clone());
    let model = ctx
        .required(&j.model, &span, &key("model"))
        .and_then(|m| model(m, &key("model"), ctx));
    let seq_len = ctx.required(&j.seq_len, &span, &key("seq_len"));
    let seq_len = seq_len.and_then(|_| ctx.count(&j.seq_len, &key("seq_len"), 1));
    let batch = ctx.required(&j.global_batch, &span, &key("global_batch"));
    let batch = batch.and_then(|_| ctx.count(&j.global_batch, &key("global_batch"), 1));
    let train_tokens = match &j.train_tokens {
        // Not `?`: a bad value must not hide the problems below.
        Some(_) => ctx
            .number(&j.train_tokens, &key("train_tokens"), 0.0, false)
            .map(Some),
        None => Some(None),
    };
    let precision = match &j.precision {
        Some(p) => {
            let options = Precision::ALL.map(|p| (p.as_str(), p));
            ctx.one_of(p, &key("precision"), &options)
        }
        None => Some(Precision::Bf16),
    };
    let algorithm = match &j.collective_algorithm {
        Some(a) => ctx.one_of(a, &key("collective_algorithm"), &COLLECTIVE_ALGORITHMS),
        None => Some(CollectiveAlgorithm::Auto),
    };
    let mut positive = |v: &Option<toml::Spanned<f64>>, name: &str| match v {
        Some(_) => ctx.number(v, &key(name), 0.0, false).map(Some),
        None => Some(None),
    };
    let deadline_h = positive(&j.deadline_h, "deadline_h");
    let budget = positive(&j.budget_usd_per_hour, "budget_usd_per_hour");
    let arrival_s = ctx.number_or(&j.arrival_s, &key("arrival_s"), 0.0, true, 0.0);
    let pool_ids = pools.and_then(|pools| pool_refs(j, &key("pools"), pools, ctx));
    let mut ok = true;
    // Sequence length against learned position embeddings.
    if let (Some((_, m)), Some(s), Some(raw_s)) = (&model, seq_len, &j.seq_len)
        && m.max_positions > 0
        && s > m.max_positions
    {
        ctx.error(
            raw_s.span(),
            &key("seq_len"),
            format!(
                "{s} exceeds the model's {} learned positions",
                m.max_positions
            ),
        );
        ok = false;
    }
    let (
        Some((model_id, model)),
        Some(pools),
        Some(pool_ids),
        Some(seq_len),
        Some(batch),
        Some(precision),
        Some(train_tokens),
    ) = (
        model,
        pools,
        pool_ids,
        seq_len,
        batch,
        precision,
        train_tokens,
    )
    else {
        // The relations between the parallelism fields, the model and the
        // pools cannot be checked, but the fields themselves can.
        fields_alone(j, &prefix, ctx);
        return None;
    };
    let global_batch = u64::from(batch);
    let needs_cost = train_tokens.is_some();
    for &p in &pool_ids {
        ok &= figures_present(
            &pools[p],
            precision,
            j.precision.as_ref(),
            needs_cost,
            &span,
            &prefix,
            ctx,
        );
    }
    let chosen: Vec<&Pool> = pool_ids.iter().map(|&p| &pools[p]).collect();
    let target = Target {
        model: &model,
        pools: &chosen,
        global_batch,
        single_job,
    };
    let par = parallelism(j, &prefix, &target, ctx);
    if let Some(spec) = par.as_ref().filter(|_| ctx.step_budget) {
        ok &= super::budget::step_work(j, &prefix, model.layers, global_batch, spec, &span, ctx);
    }
    if !ok {
        return None;
    }
    Some(Job {
        name,
        model_id,
        model,
        seq_len,
        global_batch,
        train_tokens,
        precision,
        flash_attention: j.flash_attention.as_ref().is_some_and(|f| *f.get_ref()),
        pools: pool_ids,
        arrival_s: arrival_s?,
        collective_algorithm: algorithm?,
        deadline_h: deadline_h?,
        budget_usd_per_hour: budget?,
        layout: None,
        parallelism: par?,
    })
}

/// Indices of the pools a job names (all pools when it names none).
fn pool_refs(j: &RawJob, key: &str, pools: &[Pool], ctx: &mut Ctx<'_, '_>) -> Option<Vec<usize>> {
    let Some(list) = &j.pools else {
        return Some((0..pools.len()).collect());
    };
    if list.get_ref().is_empty() {
        ctx.error(list.span(), key, "expected at least one pool name");
        return None;
    }
    let names: Vec<&str> = pools.iter().map(|p| p.name.as_str()).collect();
    let mut out = Vec::new();
    let mut ok = true;
    for (i, name) in list.get_ref().iter().enumerate() {
        match names.iter().position(|n| n == name.get_ref()) {
            Some(idx) if out.contains(&idx) => {
                ctx.error(
                    name.span(),
                    &format!("{key}[{i}]"),
                    format!("pool `{}` is listed twice", name.get_ref()),
                );
                ok = false;
            }
            Some(idx) => out.push(idx),
            None => {
                let help = closest(name.get_ref(), names.iter().copied())
                    .map(|s| format!("did you mean `{s}`?"));
                ctx.error_help(
                    name.span(),
                    &format!("{key}[{i}]"),
                    format!(
                        "no pool named `{}`; the pools are {}",
                        name.get_ref(),
                        quoted(&names)
                    ),
                    help,
                );
                ok = false;
            }
        }
    }
    ok.then_some(out)
}

/// The job's model: a preset id or an inline table (optionally on a preset `base`).
fn model(
    raw: &Spanned<StrOrTable<RawModel>>,
    key: &str,
    ctx: &mut Ctx<'_, '_>,
) -> Option<(String, TransformerSpec)> {
    let preset = |id: &str, span: Range<usize>, key: &str, ctx: &mut Ctx<'_, '_>| {
        let found = model::preset(id);
        if found.is_none() {
            let help = model::suggest_preset(id).map(|s| format!("did you mean `{s}`?"));
            ctx.error_help(
                span,
                key,
                format!(
                    "unknown model preset `{id}`; the presets are {}",
                    quoted(model::preset_ids())
                ),
                help,
            );
        }
        found
    };
    let m = match raw.get_ref() {
        StrOrTable::Str(id) => return preset(id, raw.span(), key, ctx).map(|m| (id.clone(), m)),
        StrOrTable::Table(m) => m,
    };
    let mut spec = match &m.base {
        Some(base) => preset(base.get_ref(), base.span(), &format!("{key}.base"), ctx)?,
        None => {
            let mut missing = false;
            for (v, name) in [
                (&m.layers, "layers"),
                (&m.hidden, "hidden"),
                (&m.heads, "heads"),
                (&m.vocab, "vocab"),
            ] {
                missing |= ctx
                    .required(v, &raw.span(), &format!("{key}.{name}"))
                    .is_none();
            }
            if missing {
                return None;
            }
            TransformerSpec::inline(1, 1, 1, None, 1)
        }
    };
    let mut ok = true;
    let mut set = |v: &Option<Spanned<i64>>, name: &str, slot: &mut u32, ctx: &mut Ctx<'_, '_>| {
        if v.is_some() {
            match ctx.count(v, &format!("{key}.{name}"), 1) {
                Some(n) => *slot = n,
                None => ok = false,
            }
        }
    };
    set(&m.layers, "layers", &mut spec.layers, ctx);
    set(&m.hidden, "hidden", &mut spec.hidden, ctx);
    set(&m.heads, "heads", &mut spec.heads, ctx);
    set(&m.vocab, "vocab", &mut spec.vocab, ctx);
    // Inline models without `base`: GPT-style, MHA, ffn = 4 × hidden unless given.
    if m.base.is_none() {
        spec = TransformerSpec::inline(spec.layers, spec.hidden, spec.heads, None, spec.vocab);
    }
    set(&m.kv_heads, "kv_heads", &mut spec.kv_heads, ctx);
    set(&m.ffn_hidden, "ffn_hidden", &mut spec.ffn_hidden, ctx);
    if let Some(arch) = &m.arch {
        match ctx.one_of(arch, &format!("{key}.arch"), &ARCHITECTURES) {
            Some(a) => {
                spec.gated_mlp = a == Architecture::Llama;
                spec.tied_embeddings = a != Architecture::Llama;
                if a == Architecture::Llama {
                    spec.max_positions = 0;
                }
                spec.arch = a;
            }
            None => ok = false,
        }
    }
    if !ok {
        return None;
    }
    if let Err(e) = spec.validate() {
        ctx.error(raw.span(), key, format!("inconsistent model: {e}"));
        return None;
    }
    spec.name = m.base.as_ref().map_or_else(
        || "custom".to_owned(),
        |b| format!("{} (modified)", b.get_ref()),
    );
    Some((spec.name.clone(), spec))
}

/// Checks that the figures a job needs from a pool are known. A missing
/// peak is reported at the job's `precision` when it is given.
#[allow(clippy::too_many_arguments)]
fn figures_present(
    pool: &Pool,
    precision: Precision,
    precision_at: Option<&Spanned<String>>,
    needs_cost: bool,
    job_span: &Range<usize>,
    prefix: &str,
    ctx: &mut Ctx<'_, '_>,
) -> bool {
    let d = &pool.device;
    let inline = |keys: &str| {
        format!(
            "give it in an inline device: `[pool.device]` with `base = \"{}\"` and `{keys}`",
            d.id
        )
    };
    let mut missing: Vec<(&str, String)> = Vec::new();
    let mut ok = true;
    if d.peak(precision).is_none() {
        let usable: Vec<&str> = Precision::ALL
            .into_iter()
            .filter(|&p| d.peak(p).is_some())
            .map(Precision::as_str)
            .collect();
        let mut help = inline(peak_key(precision));
        if !usable.is_empty() {
            help = format!(
                "use a precision it has a peak for ({}), or {help}",
                quoted(&usable)
            );
        }
        let (at, key, default) = match precision_at {
            Some(p) => (p.span(), format!("{prefix}.precision"), ""),
            None => (
                job_span.clone(),
                prefix.to_owned(),
                " (bf16 is the default precision)",
            ),
        };
        ctx.error_help(
            at,
            &key,
            format!(
                "runs on pool `{}` whose device `{}` has no known dense {precision} peak{default}",
                pool.name, d.id
            ),
            Some(help),
        );
        ok = false;
    }
    if precision == Precision::Fp8Mx && !d.block_scaled_fp8() {
        let at = precision_at.map_or(job_span.clone(), |p| p.span());
        ctx.error_help(
            at,
            &format!("{prefix}.precision"),
            format!(
                "runs on pool `{}` whose device `{}` ({}) has no block-scaled (MXFP8) tensor cores",
                pool.name, d.id, d.generation
            ),
            Some(
                "use `precision = \"fp8\"` (per-tensor scaling), or a Blackwell device".to_owned(),
            ),
        );
        ok = false;
    }
    if d.memory.is_none() {
        missing.push(("memory", inline("memory_gib")));
    }
    if d.mem_bw.is_none() {
        missing.push(("memory bandwidth", inline("mem_bw_gbyte_s")));
    }
    if needs_cost && pool.price_per_device_hour().is_none() {
        missing.push((
            "price (needed with train_tokens)",
            "set `usd_per_device_hour` on the pool".to_owned(),
        ));
    }
    if needs_cost && d.tdp_w.is_none() {
        missing.push((
            "power (needed with train_tokens, for energy)",
            inline("tdp_w"),
        ));
    }
    for (what, help) in &missing {
        ctx.error_help(
            job_span.clone(),
            prefix,
            format!(
                "runs on pool `{}` whose device `{}` has no known {what}",
                pool.name, d.id
            ),
            Some(help.clone()),
        );
    }
    ok && missing.is_empty()
}

fn peak_key(p: Precision) -> &'static str {
    match p {
        Precision::Fp32 => "peak_tflops_fp32",
        Precision::Fp16 => "peak_tflops_fp16",
        Precision::Bf16 => "peak_tflops_bf16",
        Precision::Fp8 | Precision::Fp8Mx => "peak_tflops_fp8",
    }
}
