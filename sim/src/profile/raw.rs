//! The profile file as written (spans kept) and its validation into
//! [`Profile`], every problem with file:line:column and key path.

use super::{
    AdapterKind, AdapterProfile, ConcurrencyPoint, MatmulKernel, MatmulPoint,
    PROFILE_FORMAT_VERSION, Profile,
};
use crate::source::{Collector, Diagnostics, read_as};
use serde::Deserialize;
use toml::Spanned;

type Opt<T> = Option<Spanned<T>>;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProfile {
    format_version: Opt<i64>,
    written: Opt<String>,
    build: Opt<String>,
    quick: Opt<bool>,
    host_threads: Opt<i64>,
    host_copy_gbyte_s: Opt<f64>,
    memory_gib: Opt<f64>,
    adapter: Opt<Vec<Spanned<RawAdapter>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAdapter {
    name: Opt<String>,
    kind: Opt<String>,
    backend: Opt<String>,
    device_type: Opt<String>,
    driver: Opt<String>,
    call_overhead_us: Opt<f64>,
    dispatch_latency_us: Opt<f64>,
    mem_bw_gbyte_s: Opt<f64>,
    upload_gbyte_s: Opt<f64>,
    readback_gbyte_s: Opt<f64>,
    attention_fwd_gflop_s: Opt<f64>,
    attention_bwd_gflop_s: Opt<f64>,
    matmul: Opt<Vec<Spanned<RawMatmul>>>,
    concurrency: Opt<Vec<Spanned<RawConcurrency>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMatmul {
    kernel: Opt<String>,
    m: Opt<i64>,
    k: Opt<i64>,
    n: Opt<i64>,
    gflop_s: Opt<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConcurrency {
    devices: Opt<i64>,
    per_device_ratio: Opt<f64>,
}

/// Checks values against the file, collecting every problem.
struct Check<'c, 'a> {
    out: &'c mut Collector<'a>,
    dropped: &'c std::collections::BTreeSet<String>,
}

impl Check<'_, '_> {
    fn required<'v, T>(
        &mut self,
        v: &'v Opt<T>,
        at: &std::ops::Range<usize>,
        key: &str,
    ) -> Option<&'v Spanned<T>> {
        if v.is_none() && !self.dropped.contains(key) {
            let name = key.rsplit('.').next().unwrap_or(key);
            self.out.push(
                at.clone(),
                key,
                format!("missing required key `{name}`"),
                None,
            );
        }
        v.as_ref()
    }

    /// A finite number > 0 (≥ 0 when `zero_ok`).
    fn number(&mut self, v: &Spanned<f64>, key: &str, zero_ok: bool) -> Option<f64> {
        let x = *v.get_ref();
        let ok = x.is_finite() && (x > 0.0 || (zero_ok && x == 0.0));
        if !ok {
            let want = if zero_ok { "≥ 0" } else { "> 0" };
            self.out.push(
                v.span(),
                key,
                format!("expected a finite number {want}, found {x}"),
                None,
            );
        }
        ok.then_some(x)
    }

    fn required_number(
        &mut self,
        v: &Opt<f64>,
        at: &std::ops::Range<usize>,
        key: &str,
        zero_ok: bool,
    ) -> Option<f64> {
        let v = self.required(v, at, key)?;
        self.number(v, key, zero_ok)
    }

    fn optional_number(&mut self, v: &Opt<f64>, key: &str, ok: &mut bool) -> Option<f64> {
        let x = v.as_ref().map(|v| self.number(v, key, false));
        *ok &= !matches!(x, Some(None));
        x.flatten()
    }

    fn count(&mut self, v: &Opt<i64>, at: &std::ops::Range<usize>, key: &str) -> Option<u64> {
        let v = self.required(v, at, key)?;
        let n = *v.get_ref();
        if n < 1 {
            self.out.push(
                v.span(),
                key,
                format!("expected a positive integer, found {n}"),
                None,
            );
            return None;
        }
        u64::try_from(n).ok()
    }
}

/// Reads and validates `text` (named `file` in messages).
pub(super) fn parse(text: &str, file: &str) -> Result<Profile, Diagnostics> {
    let mut out = Collector::new(file, text);
    let (raw, dropped) = read_as::<RawProfile>(text, &mut out);
    let profile = raw.and_then(|raw| {
        let mut c = Check {
            out: &mut out,
            dropped: &dropped,
        };
        validate(&raw, text.len(), &mut c)
    });
    match profile {
        Some(p) if out.is_empty() => Ok(p),
        _ => {
            let d = out.finish();
            if d.problems.is_empty() {
                let mut c = Collector::new(file, text);
                c.push(0..0, "", "invalid device profile", None);
                return Err(c.finish());
            }
            Err(d)
        }
    }
}

fn validate(raw: &RawProfile, len: usize, c: &mut Check<'_, '_>) -> Option<Profile> {
    let top = 0..len.min(1);
    let version = c.required(&raw.format_version, &top, "format_version");
    let version_ok = version.is_some_and(|v| {
        let ok = *v.get_ref() == i64::from(PROFILE_FORMAT_VERSION);
        if !ok {
            c.out.push(
                v.span(),
                "format_version",
                format!(
                    "unsupported device profile format {}; this build reads format {PROFILE_FORMAT_VERSION}",
                    v.get_ref()
                ),
                Some("run `cirrus calibrate` again to rewrite it".to_owned()),
            );
        }
        ok
    });
    let written = c.required(&raw.written, &top, "written");
    let build = c.required(&raw.build, &top, "build");
    let quick = c.required(&raw.quick, &top, "quick");
    let threads = c.count(&raw.host_threads, &top, "host_threads");
    let host_copy = c.required_number(&raw.host_copy_gbyte_s, &top, "host_copy_gbyte_s", false);
    let memory = c.required_number(&raw.memory_gib, &top, "memory_gib", false);
    let adapters = c.required(&raw.adapter, &top, "adapter");
    let mut list = Vec::new();
    let mut ok = true;
    if let Some(a) = adapters {
        if a.get_ref().is_empty() {
            c.out
                .push(a.span(), "adapter", "expected at least one adapter", None);
            ok = false;
        }
        for (i, entry) in a.get_ref().iter().enumerate() {
            match adapter(entry, &format!("adapter[{i}]"), c) {
                Some(x) => list.push(x),
                None => ok = false,
            }
        }
    }
    Some(Profile {
        format_version: PROFILE_FORMAT_VERSION,
        written: written?.get_ref().clone(),
        build: build?.get_ref().clone(),
        quick: *quick?.get_ref(),
        host_threads: u32::try_from(threads?).ok()?,
        host_copy_gbyte_s: host_copy?,
        memory_gib: memory?,
        adapter: (ok && version_ok && adapters.is_some()).then_some(list)?,
    })
}

fn adapter(
    entry: &Spanned<RawAdapter>,
    key: &str,
    c: &mut Check<'_, '_>,
) -> Option<AdapterProfile> {
    let at = entry.span();
    let a = entry.get_ref();
    let k = |name: &str| format!("{key}.{name}");
    let name = c.required(&a.name, &at, &k("name"));
    let kind = c
        .required(&a.kind, &at, &k("kind"))
        .and_then(|v| match v.get_ref().as_str() {
            "wgpu" => Some(AdapterKind::Wgpu),
            "cpu" => Some(AdapterKind::Cpu),
            other => {
                c.out.push(
                    v.span(),
                    &k("kind"),
                    format!("unknown value `{other}`; expected one of `wgpu`, `cpu`"),
                    None,
                );
                None
            }
        });
    let overhead = c.required_number(&a.call_overhead_us, &at, &k("call_overhead_us"), true);
    let dispatch = c.required_number(&a.dispatch_latency_us, &at, &k("dispatch_latency_us"), true);
    let mem_bw = c.required_number(&a.mem_bw_gbyte_s, &at, &k("mem_bw_gbyte_s"), false);
    let mut ok = true;
    let upload = c.optional_number(&a.upload_gbyte_s, &k("upload_gbyte_s"), &mut ok);
    let readback = c.optional_number(&a.readback_gbyte_s, &k("readback_gbyte_s"), &mut ok);
    let att_f = c.optional_number(
        &a.attention_fwd_gflop_s,
        &k("attention_fwd_gflop_s"),
        &mut ok,
    );
    let att_b = c.optional_number(
        &a.attention_bwd_gflop_s,
        &k("attention_bwd_gflop_s"),
        &mut ok,
    );
    let mut matmul = Vec::new();
    if let Some(list) = c.required(&a.matmul, &at, &k("matmul")) {
        if list.get_ref().is_empty() {
            c.out.push(
                list.span(),
                &k("matmul"),
                "expected at least one measured matrix multiply",
                None,
            );
            ok = false;
        }
        for (i, p) in list.get_ref().iter().enumerate() {
            match matmul_point(p, &format!("{key}.matmul[{i}]"), c) {
                Some(x) => matmul.push(x),
                None => ok = false,
            }
        }
    } else {
        ok = false;
    }
    let mut concurrency = Vec::new();
    for (i, p) in a.concurrency.iter().flat_map(|l| l.get_ref()).enumerate() {
        let ck = format!("{key}.concurrency[{i}]");
        let r = p.get_ref();
        let devices = c.count(&r.devices, &p.span(), &format!("{ck}.devices"));
        let ratio = c.required_number(
            &r.per_device_ratio,
            &p.span(),
            &format!("{ck}.per_device_ratio"),
            false,
        );
        match (devices.and_then(|d| u32::try_from(d).ok()), ratio) {
            (Some(devices), Some(per_device_ratio)) => concurrency.push(ConcurrencyPoint {
                devices,
                per_device_ratio,
            }),
            _ => ok = false,
        }
    }
    concurrency.sort_by_key(|p| p.devices);
    let text = |v: &Opt<String>| v.as_ref().map(|s| s.get_ref().clone()).unwrap_or_default();
    Some(AdapterProfile {
        name: name?.get_ref().clone(),
        kind: kind?,
        backend: text(&a.backend),
        device_type: text(&a.device_type),
        driver: text(&a.driver),
        call_overhead_us: overhead?,
        dispatch_latency_us: dispatch?,
        mem_bw_gbyte_s: mem_bw?,
        upload_gbyte_s: upload,
        readback_gbyte_s: readback,
        attention_fwd_gflop_s: att_f,
        attention_bwd_gflop_s: att_b,
        matmul: ok.then_some(matmul)?,
        concurrency,
    })
}

fn matmul_point(p: &Spanned<RawMatmul>, key: &str, c: &mut Check<'_, '_>) -> Option<MatmulPoint> {
    let at = p.span();
    let r = p.get_ref();
    let k = |name: &str| format!("{key}.{name}");
    let kernel = c.required(&r.kernel, &at, &k("kernel")).and_then(|v| {
        let found = MatmulKernel::ALL
            .into_iter()
            .find(|m| m.name() == v.get_ref().as_str());
        if found.is_none() {
            c.out.push(
                v.span(),
                &k("kernel"),
                format!(
                    "unknown value `{}`; expected one of `forward`, `trans-a`, `trans-b`",
                    v.get_ref()
                ),
                None,
            );
        }
        found
    });
    let m = c.count(&r.m, &at, &k("m"));
    let kk = c.count(&r.k, &at, &k("k"));
    let n = c.count(&r.n, &at, &k("n"));
    let rate = c.required_number(&r.gflop_s, &at, &k("gflop_s"), false);
    Some(MatmulPoint {
        kernel: kernel?,
        m: m?,
        k: kk?,
        n: n?,
        gflop_s: rate?,
    })
}
