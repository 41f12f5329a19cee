//! The synthetic generator's job mix in `[workload]`: weights of the device
//! counts (`device_weights`), device-type restrictions (`device_types`,
//! `device_type_weights`), checked against the scenario's pools, and the
//! model presets jobs train (`models`, `model_weights`).

use super::{Ctx, quoted};
use crate::scenario::domain::Pool;
use crate::scenario::raw::{Opt, RawWorkload};
use crate::suggest::closest;
use std::ops::Range;
use toml::Spanned;

/// The entry of `device_types` that lets a job run on any pool.
pub const ANY_DEVICE_TYPE: &str = "*";

/// The validated mix: weights per device count, and the device types with
/// their weights (empty when the scenario restricts no job).
pub(super) struct Mix {
    pub device_weights: Vec<f64>,
    pub device_types: Vec<(Option<String>, f64)>,
    pub models: Vec<(String, f64)>,
}

/// Validates the mix keys of `raw` (`devices` entries already counted:
/// `device_counts`, 1 when `devices` is absent). `pools` is `None` when the
/// pools themselves are invalid (type names are then not checked).
pub(super) fn mix(
    raw: &RawWorkload,
    synthetic: bool,
    device_counts: usize,
    pools: Option<&[Pool]>,
    ctx: &mut Ctx<'_, '_>,
) -> Option<Mix> {
    if !synthetic {
        let mut ok = true;
        for (v, key) in [
            (
                raw.device_weights.as_ref().map(Spanned::span),
                "device_weights",
            ),
            (raw.device_types.as_ref().map(Spanned::span), "device_types"),
            (
                raw.device_type_weights.as_ref().map(Spanned::span),
                "device_type_weights",
            ),
            (raw.models.as_ref().map(Spanned::span), "models"),
            (
                raw.model_weights.as_ref().map(Spanned::span),
                "model_weights",
            ),
        ] {
            if let Some(span) = v {
                ctx.error(
                    span,
                    &format!("workload.{key}"),
                    format!(
                        "`{key}` shapes generated jobs: it applies to `format = \"synthetic\"` only"
                    ),
                );
                ok = false;
            }
        }
        return ok.then(|| Mix {
            device_weights: vec![1.0; device_counts],
            device_types: Vec::new(),
            models: Vec::new(),
        });
    }
    let device_weights = match &raw.device_weights {
        None => Some(vec![1.0; device_counts]),
        Some(w) if raw.devices.is_none() => {
            ctx.error(
                w.span(),
                "workload.device_weights",
                "`device_weights` needs `devices` (the device counts it weighs)",
            );
            None
        }
        Some(w) => weights(w, "device_weights", "devices", device_counts, ctx),
    };
    let types = raw
        .device_types
        .as_ref()
        .map(|t| device_types(t, pools, ctx));
    let device_types = match (&types, &raw.device_type_weights) {
        (None, None) => Some(Vec::new()),
        (None, Some(w)) => {
            ctx.error(
                w.span(),
                "workload.device_type_weights",
                "`device_type_weights` needs `device_types` (the device types it weighs)",
            );
            None
        }
        (Some(types), w) => {
            let n = raw.device_types.as_ref().map_or(0, |t| t.get_ref().len());
            let w = match w {
                Some(w) => weights(w, "device_type_weights", "device_types", n, ctx),
                None => Some(vec![1.0; n]),
            };
            match (types, w) {
                (Some(types), Some(w)) => Some(types.iter().cloned().zip(w).collect()),
                _ => None,
            }
        }
    };
    let models = models(raw, ctx);
    Some(Mix {
        device_weights: device_weights?,
        device_types: device_types?,
        models: models?,
    })
}

/// `models` (preset ids) with `model_weights`.
fn models(raw: &RawWorkload, ctx: &mut Ctx<'_, '_>) -> Option<Vec<(String, f64)>> {
    let Some(list) = &raw.models else {
        if let Some(w) = &raw.model_weights {
            ctx.error(
                w.span(),
                "workload.model_weights",
                "`model_weights` needs `models` (the model presets it weighs)",
            );
            return None;
        }
        return Some(Vec::new());
    };
    if list.get_ref().is_empty() {
        ctx.error(
            list.span(),
            "workload.models",
            "expected at least one model preset (leave `models` out for jobs without a model)",
        );
        return None;
    }
    let mut ok = true;
    for (i, m) in list.get_ref().iter().enumerate() {
        let id = m.get_ref().as_str();
        if crate::model::preset(id).is_none() {
            ctx.error_help(
                m.span(),
                &format!("workload.models[{i}]"),
                format!(
                    "unknown model preset `{id}`; expected one of {}",
                    quoted(crate::model::preset_ids())
                ),
                closest(id, crate::model::preset_ids().iter().copied())
                    .map(|s| format!("did you mean `{s}`?")),
            );
            ok = false;
        }
    }
    let n = list.get_ref().len();
    let w = match &raw.model_weights {
        Some(w) => weights(w, "model_weights", "models", n, ctx),
        None => Some(vec![1.0; n]),
    };
    let w = w?;
    ok.then(|| {
        list.get_ref()
            .iter()
            .map(|m| m.get_ref().clone())
            .zip(w)
            .collect()
    })
}

/// Weights (finite, ≥ 0, at least one positive), one per entry of `of`.
fn weights(
    raw: &Spanned<Vec<Spanned<f64>>>,
    key: &str,
    of: &str,
    expected: usize,
    ctx: &mut Ctx<'_, '_>,
) -> Option<Vec<f64>> {
    let mut out = Vec::with_capacity(raw.get_ref().len());
    let mut ok = true;
    for (i, w) in raw.get_ref().iter().enumerate() {
        let v: Opt<f64> = Some(w.clone());
        match ctx.number(&v, &format!("workload.{key}[{i}]"), 0.0, true) {
            Some(x) => out.push(x),
            None => ok = false,
        }
    }
    let found = raw.get_ref().len();
    if found != expected {
        let s = if expected == 1 { "" } else { "s" };
        ctx.error(
            raw.span(),
            &format!("workload.{key}"),
            format!("expected {expected} weight{s}, one per entry of `{of}`, found {found}"),
        );
        return None;
    }
    if ok && !out.iter().any(|&w| w > 0.0) {
        ctx.error(
            raw.span(),
            &format!("workload.{key}"),
            "every weight is 0: at least one must be positive",
        );
        return None;
    }
    ok.then_some(out)
}

/// `device_types`: each a pool name, a pool's device id, or `*`.
fn device_types(
    raw: &Spanned<Vec<Spanned<String>>>,
    pools: Option<&[Pool]>,
    ctx: &mut Ctx<'_, '_>,
) -> Option<Vec<Option<String>>> {
    if raw.get_ref().is_empty() {
        ctx.error(
            raw.span(),
            "workload.device_types",
            "expected at least one device type (leave `device_types` out to let every job run anywhere)",
        );
        return None;
    }
    let mut names: Vec<&str> = Vec::new();
    let mut ids: Vec<&str> = Vec::new();
    for p in pools.unwrap_or(&[]) {
        names.push(&p.name);
        if !ids.contains(&p.device.id.as_str()) {
            ids.push(&p.device.id);
        }
    }
    let mut ok = true;
    let mut out = Vec::with_capacity(raw.get_ref().len());
    for (i, t) in raw.get_ref().iter().enumerate() {
        let name = t.get_ref().as_str();
        if name == ANY_DEVICE_TYPE {
            out.push(None);
            continue;
        }
        let known = names.contains(&name) || ids.contains(&name);
        if pools.is_some() && !known {
            unknown(t.span(), i, name, &names, &ids, ctx);
            ok = false;
        }
        out.push(Some(name.to_owned()));
    }
    ok.then_some(out)
}

fn unknown(
    span: Range<usize>,
    i: usize,
    name: &str,
    names: &[&str],
    ids: &[&str],
    ctx: &mut Ctx<'_, '_>,
) {
    let help = if ["any", "all"].contains(&name.to_ascii_lowercase().as_str()) {
        Some(format!(
            "write `{ANY_DEVICE_TYPE}` for jobs that may run on any pool"
        ))
    } else {
        closest(name, names.iter().chain(ids).copied()).map(|s| format!("did you mean `{s}`?"))
    };
    ctx.error_help(
        span,
        &format!("workload.device_types[{i}]"),
        format!(
            "no pool or device named `{name}`; expected `{ANY_DEVICE_TYPE}` (any pool), a pool name ({}) or a pool's device id ({})",
            quoted(names),
            quoted(ids)
        ),
        help,
    );
}
