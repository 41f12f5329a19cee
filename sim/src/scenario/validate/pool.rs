//! `[[pool]]` validation: device resolution (catalogue id or inline table),
//! node shape defaults from the catalogue's typical node, prices, spot terms.

use super::{Ctx, quoted};
use crate::catalogue::{self, DeviceSpec, LinkShape};
use crate::scenario::domain::{Autoscale, DeviceProfile, MeasuredDevice, Network, Pool, Spot};
use crate::scenario::names::INTRA_NODE_SHAPES;
use crate::scenario::raw::{Opt, RawAutoscale, RawDevice, RawPool, StrOrTable};
use crate::topology::{Fabric, IntraNodeShape};
use crate::units::{Bytes, BytesPerSec};
use std::collections::BTreeMap;
use toml::Spanned;

/// Hours a failed node is out when the scenario does not say: a modelling
/// default (a reboot and health check; hardware swaps take longer).
pub const DEFAULT_REPAIR_HOURS: f64 = 2.0;

/// Hours until a revoked spot node is replaced when the scenario does not
/// say: a modelling default.
pub const DEFAULT_REACQUIRE_HOURS: f64 = 1.0;

/// Seconds of warning before a spot revocation when the scenario does not
/// say: the shortest of the large clouds' (Google Cloud's and Azure's 30 s;
/// AWS gives two minutes).
pub const DEFAULT_NOTICE_S: f64 = 30.0;

/// Validates every pool; `None` if any is invalid. `links`: whether the
/// pools' links must be known (a scenario with `[[job]]`s builds a topology;
/// the cluster scheduler of a workload places jobs on devices and needs
/// none).
pub(super) fn pools(
    raw: &[Spanned<RawPool>],
    net: Option<&Network>,
    links: bool,
    ctx: &mut Ctx<'_, '_>,
) -> Option<Vec<Pool>> {
    let mut out = Vec::new();
    let mut ok = true;
    let mut names = BTreeMap::new();
    for (i, p) in raw.iter().enumerate() {
        let prefix = format!("pool[{i}]");
        if let Some(name) = &p.get_ref().name {
            if let Some(first) = names.get(name.get_ref()) {
                ctx.error_help(
                    name.span(),
                    &format!("{prefix}.name"),
                    format!(
                        "pool name `{}` is already used by pool[{first}]",
                        name.get_ref()
                    ),
                    Some("pool names must be unique: jobs refer to pools by name".to_owned()),
                );
                ok = false;
            } else {
                names.insert(name.get_ref().clone(), i);
            }
        }
        match pool(p, &prefix, net, links, ctx) {
            Some(pool) => out.push(pool),
            None => ok = false,
        }
    }
    ok.then_some(out)
}

fn pool(
    raw: &Spanned<RawPool>,
    prefix: &str,
    net: Option<&Network>,
    links: bool,
    ctx: &mut Ctx<'_, '_>,
) -> Option<Pool> {
    let span = raw.span();
    let p = raw.get_ref();
    let key = |k: &str| format!("{prefix}.{k}");
    let name = ctx
        .required(&p.name, &span, &key("name"))
        .and_then(|n| {
            if n.get_ref().trim().is_empty() {
                ctx.error(
                    n.span(),
                    &key("name"),
                    "expected a pool name (jobs and reports refer to pools by name), found an empty string",
                );
                return None;
            }
            Some(n.get_ref().clone())
        });
    let device_key = key("device");
    let device = ctx
        .required(&p.device, &span, &device_key)
        .and_then(|d| device(d, &device_key, ctx));
    let nodes = ctx.required(&p.nodes, &span, &key("nodes"));
    let nodes = nodes.and_then(|_| ctx.count(&p.nodes, &key("nodes"), 1));
    let (device, spec_node) = device?;
    let dpn = match ctx.count(&p.devices_per_node, &key("devices_per_node"), 1) {
        Some(n) => Some(n),
        None if p.devices_per_node.is_some() => None,
        None => {
            match spec_node.devices {
                Some(n) => Some(n),
                None => {
                    let at = p.device.as_ref().map_or(span.clone(), |d| d.span());
                    ctx.error(
                    at,
                    &key("devices_per_node"),
                    format!("the catalogue has no typical node size for `{}`; set `devices_per_node`", device.id),
                );
                    None
                }
            }
        }
    };
    let nics = ctx.count_or(
        &p.nics_per_node,
        &key("nics_per_node"),
        0,
        spec_node.nics.unwrap_or(0),
    );
    let nic_gbit_s = ctx.number_or(
        &p.nic_gbit_s,
        &key("nic_gbit_s"),
        0.0,
        false,
        spec_node.nic_gbit_s.unwrap_or(0.0),
    );
    let price = match ctx.number(
        &p.usd_per_device_hour,
        &key("usd_per_device_hour"),
        0.0,
        true,
    ) {
        Some(x) => Some(Some(x)),
        None if p.usd_per_device_hour.is_some() => None,
        None => Some(spec_node.usd_per_device_hour),
    };
    let spot = match &p.spot {
        None => Some(None),
        Some(s) => {
            let s_span = s.span();
            let s = s.get_ref();
            let price_key = key("spot.usd_per_device_hour");
            let rate_key = key("spot.preemptions_per_device_hour");
            let price = ctx.required(&s.usd_per_device_hour, &s_span, &price_key);
            let price =
                price.and_then(|_| ctx.number(&s.usd_per_device_hour, &price_key, 0.0, true));
            let rate = ctx.number_or(&s.preemptions_per_device_hour, &rate_key, 0.0, true, 0.0);
            let reacquire_key = key("spot.reacquire_hours");
            let reacquire = ctx.number_or(
                &s.reacquire_hours,
                &reacquire_key,
                0.0,
                false,
                DEFAULT_REACQUIRE_HOURS,
            );
            let notice = ctx.number_or(
                &s.notice_s,
                &key("spot.notice_s"),
                0.0,
                true,
                DEFAULT_NOTICE_S,
            );
            match (price, rate, reacquire, notice) {
                (
                    Some(usd_per_device_hour),
                    Some(preemptions_per_device_hour),
                    Some(reacquire_hours),
                    Some(notice_s),
                ) => Some(Some(Spot {
                    usd_per_device_hour,
                    preemptions_per_device_hour,
                    reacquire_hours,
                    notice_s,
                })),
                _ => None,
            }
        }
    };
    let shape = ctx.number_or(
        &p.failure_weibull_shape,
        &key("failure_weibull_shape"),
        0.0,
        false,
        1.0,
    );
    let autoscale = match &p.autoscale {
        None => Some(None),
        Some(a) => autoscale(a, nodes, &key("autoscale"), ctx).map(Some),
    };
    let repair = ctx.number_or(
        &p.repair_hours,
        &key("repair_hours"),
        0.0,
        false,
        DEFAULT_REPAIR_HOURS,
    );
    let mtbf = match ctx.number(
        &p.mtbf_hours_per_node,
        &key("mtbf_hours_per_node"),
        0.0,
        false,
    ) {
        Some(x) => Some(Some(x)),
        None if p.mtbf_hours_per_node.is_some() => None,
        None => Some(None),
    };
    let (nodes, dpn) = (nodes?, dpn?);
    let torus = torus_dims(p, &device, nodes, dpn, prefix, net, ctx)?;
    let mut device = device;
    if let Some(dims) = &torus {
        device.intra_shape = Some(IntraNodeShape::Torus { dims: dims.clone() });
    }
    if links {
        links_known(&device, nodes, dpn, nics, nic_gbit_s, raw, prefix, ctx)?;
    }
    Some(Pool {
        name: name?,
        device,
        nodes,
        devices_per_node: dpn,
        nics_per_node: nics?,
        nic_gbit_s: nic_gbit_s?,
        usd_per_device_hour: price?,
        spot: spot?,
        autoscale: autoscale?,
        mtbf_hours_per_node: mtbf?,
        repair_hours: repair?,
        failure_weibull_shape: shape?,
        torus_dims: torus,
    })
}

/// The topology needs every pool's links: the intra-node link when a node
/// has several devices, and NICs when the pool has several nodes (a TPU
/// slice's torus spans its hosts).
#[allow(clippy::too_many_arguments)]
fn links_known(
    device: &DeviceProfile,
    nodes: u32,
    dpn: u32,
    nics: Option<u32>,
    nic_gbit_s: Option<f64>,
    raw: &Spanned<RawPool>,
    prefix: &str,
    ctx: &mut Ctx<'_, '_>,
) -> Option<()> {
    let at = raw
        .get_ref()
        .device
        .as_ref()
        .map_or(raw.span(), Spanned::span);
    let mut ok = true;
    if dpn > 1 && (device.intra_node_gbyte_s.is_none() || device.intra_shape.is_none()) {
        ctx.error_help(
            at.clone(),
            &format!("{prefix}.device"),
            format!(
                "the catalogue has no intra-node link bandwidth or shape for `{}`, and nodes have {dpn} devices",
                device.id
            ),
            Some(match catalogue_id(raw.get_ref()) {
                Some(base) => format!(
                    "give them in an inline device: `[pool.device]` with `base = \"{base}\"`, `intra_node_gbyte_s` and `intra_node_shape`"
                ),
                None => "give them in the inline device: `intra_node_gbyte_s` and `intra_node_shape`".to_owned(),
            }),
        );
        ok = false;
    }
    let no_nics = nics.is_some_and(|n| n == 0) || nic_gbit_s.is_some_and(|g| g <= 0.0);
    if nodes > 1 && !device.is_torus() && no_nics {
        ctx.error_help(
            at,
            &format!("{prefix}.nics_per_node"),
            format!(
                "the pool has {nodes} nodes but the catalogue gives no network interfaces for `{}`",
                device.id
            ),
            Some("set `nics_per_node` and `nic_gbit_s` on the pool".to_owned()),
        );
        ok = false;
    }
    ok.then_some(())
}

/// Node-shape defaults that come with a catalogue device.
#[derive(Debug, Default, Clone, Copy)]
struct NodeDefaults {
    devices: Option<u32>,
    nics: Option<u32>,
    nic_gbit_s: Option<f64>,
    usd_per_device_hour: Option<f64>,
}

fn from_catalogue(spec: &DeviceSpec) -> (DeviceProfile, NodeDefaults) {
    let shape = match spec.intra_node.shape {
        LinkShape::NvSwitch => Some(IntraNodeShape::NvSwitch),
        LinkShape::HybridCubeMesh => Some(IntraNodeShape::HybridCubeMesh),
        LinkShape::FullyConnected => Some(IntraNodeShape::FullyConnected),
        LinkShape::Pcie => Some(IntraNodeShape::Pcie),
        LinkShape::IciTorus2d | LinkShape::IciTorus3d => {
            Some(IntraNodeShape::Torus { dims: Vec::new() })
        }
        LinkShape::Hypercube => Some(IntraNodeShape::Hypercube),
        LinkShape::Unknown => None,
    };
    let profile = DeviceProfile {
        id: spec.id.to_owned(),
        name: spec.name.to_owned(),
        generation: spec.generation.to_owned(),
        peak_tflops: [
            spec.peak_tflops_fp32.value(),
            spec.peak_tflops_fp16.value(),
            spec.peak_tflops_bf16.value(),
            spec.peak_tflops_fp8.value(),
        ],
        memory: spec.memory_gib.value().map(Bytes::from_gib),
        mem_bw: spec.mem_bw_gbyte_s.value().map(BytesPerSec::from_gbyte_s),
        intra_node_gbyte_s: spec.intra_node.per_direction_gbyte_s.value(),
        intra_link_gbyte_s: spec.intra_node.per_link_per_direction_gbyte_s.value(),
        intra_shape: shape,
        tdp_w: spec.tdp_w.value(),
        measured: None,
    };
    // Where only a node's total network rate is sourced, model it as one NIC
    // of that rate.
    let (nics, nic_gbit_s) = match (spec.node.nics.value(), spec.node.nic_gbit_s.value()) {
        (None, None) => (
            spec.node.node_gbit_s.value().map(|_| 1),
            spec.node.node_gbit_s.value(),
        ),
        known => known,
    };
    let node = NodeDefaults {
        devices: spec.node.devices.value(),
        nics,
        nic_gbit_s,
        usd_per_device_hour: spec.on_demand.map(|p| p.usd_per_device_hour),
    };
    (profile, node)
}

fn lookup(id: &Spanned<String>, key: &str, ctx: &mut Ctx<'_, '_>) -> Option<&'static DeviceSpec> {
    let found = catalogue::lookup(id.get_ref());
    if found.is_none() {
        let help = catalogue::suggest(id.get_ref())
            .map(|s| format!("did you mean `{s}`? (`cirrus catalogue` lists every device)"))
            .or_else(|| Some("`cirrus catalogue` lists every device".to_owned()));
        ctx.error_help(
            id.span(),
            key,
            format!("unknown device `{}`", id.get_ref()),
            help,
        );
    }
    found
}

fn device(
    raw: &Spanned<StrOrTable<RawDevice>>,
    key: &str,
    ctx: &mut Ctx<'_, '_>,
) -> Option<(DeviceProfile, NodeDefaults)> {
    match raw.get_ref() {
        StrOrTable::Str(id) => {
            let id = Spanned::new(raw.span(), id.clone());
            lookup(&id, key, ctx).map(from_catalogue)
        }
        StrOrTable::Table(t) => inline_device(t, key, ctx),
    }
}

fn inline_device(
    t: &RawDevice,
    key: &str,
    ctx: &mut Ctx<'_, '_>,
) -> Option<(DeviceProfile, NodeDefaults)> {
    let (mut profile, mut node) = match &t.base {
        Some(base) => from_catalogue(lookup(base, &format!("{key}.base"), ctx)?),
        None => (
            DeviceProfile {
                id: "custom".to_owned(),
                name: "custom device".to_owned(),
                generation: "custom".to_owned(),
                peak_tflops: [None; 4],
                memory: None,
                mem_bw: None,
                intra_node_gbyte_s: None,
                intra_link_gbyte_s: None,
                intra_shape: None,
                tdp_w: None,
                measured: None,
            },
            NodeDefaults::default(),
        ),
    };
    let mut ok = true;
    match measured(t, key, ctx) {
        Measured::None => {}
        Measured::Bad => ok = false,
        Measured::Device(m, memory_gib) => {
            let peak = m.adapter.peak_gflop_s() / 1e3;
            profile.peak_tflops[0] = Some(peak);
            profile.mem_bw = Some(BytesPerSec::from_gbyte_s(m.adapter.mem_bw_gbyte_s));
            profile.memory = Some(Bytes::from_gib(memory_gib));
            profile.name = m.adapter.name.clone();
            // Devices of one machine exchange through host memory.
            profile.intra_node_gbyte_s = Some(m.host_copy_gbyte_s);
            profile.intra_link_gbyte_s = Some(m.host_copy_gbyte_s);
            profile.intra_shape = Some(IntraNodeShape::Pcie);
            node.nic_gbit_s.get_or_insert(m.host_copy_gbyte_s * 8.0);
            node.nics.get_or_insert(1);
            if t.base.is_none() {
                // The executor runs a plan node whose device is `cpu` on its
                // CPU backend, any other on a wgpu adapter.
                let id = match m.adapter.kind {
                    crate::profile::AdapterKind::Cpu => "cpu",
                    crate::profile::AdapterKind::Wgpu => "local",
                };
                id.clone_into(&mut profile.id);
                "local".clone_into(&mut profile.generation);
            }
            profile.measured = Some(*m);
        }
    }
    let mut num = |v: &Option<Spanned<f64>>, name: &str, ctx: &mut Ctx<'_, '_>| -> Option<f64> {
        let x = ctx.number(v, &format!("{key}.{name}"), 0.0, false);
        ok &= v.is_none() || x.is_some();
        x
    };
    for (i, v) in [
        &t.peak_tflops_fp32,
        &t.peak_tflops_fp16,
        &t.peak_tflops_bf16,
        &t.peak_tflops_fp8,
    ]
    .into_iter()
    .enumerate()
    {
        let name = [
            "peak_tflops_fp32",
            "peak_tflops_fp16",
            "peak_tflops_bf16",
            "peak_tflops_fp8",
        ][i];
        if let Some(x) = num(v, name, ctx) {
            profile.peak_tflops[i] = Some(x);
        }
    }
    if let Some(x) = num(&t.memory_gib, "memory_gib", ctx) {
        profile.memory = Some(Bytes::from_gib(x));
    }
    if let Some(x) = num(&t.mem_bw_gbyte_s, "mem_bw_gbyte_s", ctx) {
        profile.mem_bw = Some(BytesPerSec::from_gbyte_s(x));
    }
    if let Some(x) = num(&t.intra_node_gbyte_s, "intra_node_gbyte_s", ctx) {
        profile.intra_node_gbyte_s = Some(x);
        profile.intra_link_gbyte_s.get_or_insert(x);
    }
    if let Some(x) = num(&t.nic_gbit_s, "nic_gbit_s", ctx) {
        node.nic_gbit_s = Some(x);
    }
    if let Some(x) = num(&t.tdp_w, "tdp_w", ctx) {
        profile.tdp_w = Some(x);
    }
    if let Some(x) = num(&t.usd_per_device_hour, "usd_per_device_hour", ctx) {
        node.usd_per_device_hour = Some(x);
    }
    if let Some(n) = &t.name {
        profile.name = n.get_ref().clone();
    }
    if let Some(id) = &t.id {
        match device_id(id, t.base.as_ref(), key, ctx) {
            Some(id) => profile.id = id,
            None => ok = false,
        }
    }
    if let Some(s) = &t.intra_node_shape {
        match ctx.one_of(s, &format!("{key}.intra_node_shape"), &INTRA_NODE_SHAPES) {
            Some(shape) => {
                profile.intra_shape =
                    Some(shape.unwrap_or(IntraNodeShape::Torus { dims: Vec::new() }))
            }
            None => ok = false,
        }
    }
    for (v, name, slot) in [
        (&t.devices_per_node, "devices_per_node", &mut node.devices),
        (&t.nics_per_node, "nics_per_node", &mut node.nics),
    ] {
        let min = if name == "nics_per_node" { 0 } else { 1 };
        match ctx.count(v, &format!("{key}.{name}"), min) {
            Some(n) => *slot = Some(n),
            None => ok &= v.is_none(),
        }
    }
    ok.then_some((profile, node))
}

/// What an inline device's `profile` and `adapter` keys give.
enum Measured {
    /// Neither key.
    None,
    /// A problem was reported.
    Bad,
    /// The measured adapter, and the host's memory in GiB.
    Device(Box<MeasuredDevice>, f64),
}

/// Reads the profile an inline device names and picks its adapter.
fn measured(t: &RawDevice, key: &str, ctx: &mut Ctx<'_, '_>) -> Measured {
    let (file, adapter) = match (&t.profile, &t.adapter) {
        (None, None) => return Measured::None,
        (None, Some(a)) => {
            ctx.error_help(
                a.span(),
                &format!("{key}.adapter"),
                "`adapter` selects an adapter of a device profile, and there is no `profile`",
                Some(
                    "add `profile = \"local\"` (the profile `cirrus calibrate` writes) or a path"
                        .to_owned(),
                ),
            );
            return Measured::Bad;
        }
        (Some(f), a) => (f, a),
    };
    let pkey = format!("{key}.profile");
    let path = if file.get_ref() == "local" {
        match ctx.local_profile {
            Some(p) => p.to_path_buf(),
            None => {
                ctx.error_help(
                    file.span(),
                    &pkey,
                    "cannot find the local device profile: none of CIRRUS_PROFILE, XDG_CACHE_HOME, HOME is set",
                    Some("set CIRRUS_PROFILE to the file `cirrus calibrate -o` wrote, or give a path".to_owned()),
                );
                return Measured::Bad;
            }
        }
    } else {
        ctx.dir.join(file.get_ref())
    };
    let shown = path.display().to_string();
    let profile = match crate::profile::load(&path) {
        Ok(p) => p,
        Err(crate::profile::ProfileError::Io { source, .. }) => {
            let help = if file.get_ref() == "local" {
                "run `cirrus calibrate` to measure this machine (the commands calibrate on the fly when they can)"
            } else {
                "`cirrus calibrate -o PATH` writes a profile; relative paths are relative to the scenario file"
            };
            ctx.error_help(
                file.span(),
                &pkey,
                format!("cannot read device profile {shown}: {source}"),
                Some(help.to_owned()),
            );
            return Measured::Bad;
        }
        Err(e) => {
            ctx.error(
                file.span(),
                &pkey,
                format!("device profile {shown} is invalid:\n{e}"),
            );
            return Measured::Bad;
        }
    };
    let wanted = adapter
        .as_ref()
        .map_or_else(|| "0".to_owned(), |a| a.get_ref().clone());
    match profile.adapter(&wanted, &shown) {
        Ok(a) => Measured::Device(
            Box::new(MeasuredDevice {
                profile_file: shown,
                adapter: a.clone(),
                host_copy_gbyte_s: profile.host_copy_gbyte_s,
            }),
            profile.memory_gib,
        ),
        Err(e) => {
            let at = adapter.as_ref().map_or_else(|| file.span(), |a| a.span());
            ctx.error(at, &format!("{key}.adapter"), e.to_string());
            Measured::Bad
        }
    }
}

/// The catalogue entry a pool's device comes from (an inline `id` may
/// rename it): the id, or the inline table's `base`.
fn catalogue_id(p: &RawPool) -> Option<&str> {
    p.device.as_ref().and_then(|d| match d.get_ref() {
        StrOrTable::Str(id) => Some(id.as_str()),
        StrOrTable::Table(t) => t.base.as_ref().map(|b| b.get_ref().as_str()),
    })
}

/// The `id` of an inline device: not empty, and not another catalogue
/// device's id (its figures would be the base's, or none).
fn device_id(
    id: &Spanned<String>,
    base: Option<&Spanned<String>>,
    key: &str,
    ctx: &mut Ctx<'_, '_>,
) -> Option<String> {
    let key = format!("{key}.id");
    let text = id.get_ref().trim();
    if text.is_empty() {
        ctx.error(id.span(), &key, "expected a non-empty device id");
        return None;
    }
    let named = catalogue::lookup(text);
    let base = base.and_then(|b| catalogue::lookup(b.get_ref()));
    if let Some(named) = named
        && base.is_none_or(|b| b.id != named.id)
    {
        ctx.error_help(
            id.span(),
            &key,
            format!("`{text}` is a catalogue device, so it cannot name another one"),
            Some(format!(
                "for the catalogue's figures write `base = \"{text}\"`; to tell pools apart for workload device-type constraints use an id that is not in the catalogue"
            )),
        );
        return None;
    }
    Some(text.to_owned())
}

/// The slice shape of a torus pool: given, or the most balanced factorisation
/// of its device count into as many dimensions as the device's torus has.
fn torus_dims(
    p: &RawPool,
    device: &DeviceProfile,
    nodes: u32,
    dpn: u32,
    prefix: &str,
    net: Option<&Network>,
    ctx: &mut Ctx<'_, '_>,
) -> Option<Option<Vec<u32>>> {
    let key = format!("{prefix}.torus_dims");
    let total = u64::from(nodes) * u64::from(dpn);
    if !device.is_torus() {
        if let Some(d) = &p.torus_dims {
            ctx.error(
                d.span(),
                &key,
                format!(
                    "`torus_dims` applies to torus devices (TPUs), not `{}`",
                    device.id
                ),
            );
            return None;
        }
        if net.is_some_and(|n| n.fabric == Fabric::Torus) {
            let at = p.device.as_ref().map_or(0..0, |d| d.span());
            ctx.error(
                at,
                &format!("{prefix}.device"),
                format!(
                    "`network.topology = \"torus\"` needs torus devices (TPUs); `{}` is not one; use {}",
                    device.id,
                    quoted(&["fat-tree", "rail-optimized"])
                ),
            );
            return None;
        }
        return Some(None);
    }
    let Some(raw) = &p.torus_dims else {
        let rank = if catalogue_id(p)
            .and_then(catalogue::lookup)
            .is_some_and(|s| s.intra_node.shape == LinkShape::IciTorus3d)
        {
            3
        } else {
            2
        };
        return Some(Some(balanced_factors(total, rank)));
    };
    let mut dims = Vec::new();
    for (i, d) in raw.get_ref().iter().enumerate() {
        let v = Some(d.clone());
        dims.push(ctx.count(&v, &format!("{key}[{i}]"), 1)?);
    }
    let product: u64 = dims.iter().map(|&d| u64::from(d)).product();
    if dims.is_empty() || dims.len() > 3 || product != total {
        ctx.error(
            raw.span(),
            &key,
            format!(
                "expected 1 to 3 dimensions whose product is the pool's {total} devices ({nodes} nodes × {dpn}), found {dims:?} (product {product})"
            ),
        );
        return None;
    }
    Some(Some(dims))
}

/// Splits `n` into `rank` factors as equal as possible, largest first.
fn balanced_factors(n: u64, rank: u32) -> Vec<u32> {
    let mut dims = Vec::new();
    let mut rest = n;
    for k in (1..=rank).rev() {
        // The smallest divisor of `rest` that is at least its k-th root.
        let target = (rest as f64).powf(1.0 / f64::from(k)).round() as u64;
        let d = (target.max(1)..=rest)
            .find(|d| rest.is_multiple_of(*d))
            .unwrap_or(rest);
        dims.push(u32::try_from(d).unwrap_or(u32::MAX));
        rest /= d.max(1);
    }
    dims.sort_unstable_by(|a, b| b.cmp(a));
    dims
}

/// Defaults of a pool's `autoscale` table, minutes: cloud GPU VMs take
/// minutes to boot and join; a half-hour idle window avoids churn.
const DEFAULT_PROVISION_MINUTES: f64 = 10.0;
const DEFAULT_IDLE_MINUTES: f64 = 30.0;

/// Validates a pool's `autoscale = { min_nodes, provision_minutes, idle_minutes }`.
fn autoscale(
    raw: &toml::Spanned<RawAutoscale>,
    nodes: Option<u32>,
    prefix: &str,
    ctx: &mut Ctx<'_, '_>,
) -> Option<Autoscale> {
    let a = raw.get_ref();
    let key = |k: &str| format!("{prefix}.{k}");
    let min = match (ctx.count_or(&a.min_nodes, &key("min_nodes"), 0, 0), nodes) {
        (Some(m), Some(n)) if m > n => {
            let at = a.min_nodes.as_ref().map_or(raw.span(), |v| v.span());
            ctx.error(
                at,
                &key("min_nodes"),
                format!("expected at most the pool's `nodes` ({n}), found {m}"),
            );
            None
        }
        (m, _) => m,
    };
    let mut minutes =
        |v: &Opt<f64>, name: &str, default: f64| ctx.number_or(v, &key(name), 0.0, true, default);
    let provision = minutes(
        &a.provision_minutes,
        "provision_minutes",
        DEFAULT_PROVISION_MINUTES,
    );
    let idle = minutes(&a.idle_minutes, "idle_minutes", DEFAULT_IDLE_MINUTES);
    Some(Autoscale {
        min_nodes: min?,
        provision_s: provision? * 60.0,
        idle_s: idle? * 60.0,
    })
}

#[cfg(test)]
mod tests {
    use super::balanced_factors;
    use crate::scenario::parse;

    #[test]
    fn balanced_torus_shapes() {
        assert_eq!(balanced_factors(64, 3), vec![4, 4, 4]);
        assert_eq!(balanced_factors(256, 2), vec![16, 16]);
        assert_eq!(balanced_factors(8, 3), vec![2, 2, 2]);
        assert_eq!(balanced_factors(4, 3), vec![2, 2, 1]);
        assert_eq!(balanced_factors(7, 2).iter().product::<u32>(), 7);
    }

    #[test]
    fn inline_device_id_renames_the_device_and_keeps_the_base_figures() {
        let text = r#"
[[pool]]
name = "t4-2"
device = { id = "T4", name = "NVIDIA T4" }
nodes = 3
devices_per_node = 2
[[pool]]
name = "v100m16-4"
device = { base = "v100-sxm2-32gb", id = "V100M16", memory_gib = 14.9 }
nodes = 2
devices_per_node = 4
[[pool]]
name = "v5p"
device = { base = "tpu-v5p", id = "my-v5p" }
nodes = 16
[workload]
format = "synthetic"
jobs = 1
"#;
        let s = parse(text, "t.toml").expect("valid");
        assert_eq!(s.pools[0].device.id, "T4");
        assert_eq!(s.pools[0].device.name, "NVIDIA T4");
        let v100 = &s.pools[1].device;
        assert_eq!(v100.id, "V100M16");
        assert_eq!(v100.tdp_w, Some(300.0));
        assert_eq!(v100.peak_tflops[1], Some(125.0));
        // The renamed TPU keeps its base's 3D torus: 64 chips as 4x4x4.
        assert_eq!(s.pools[2].torus_dims, Some(vec![4, 4, 4]));
    }

    #[test]
    fn inline_device_id_may_repeat_its_base_but_not_be_blank() {
        // Catalogue ids are case-insensitive: `P100` is the base itself.
        let ok = "[[pool]]\nname = \"p\"\ndevice = { base = \"p100\", id = \"P100\" }\nnodes = 1\n[workload]\nformat = \"synthetic\"\njobs = 1\n";
        assert_eq!(
            parse(ok, "t.toml").expect("valid").pools[0].device.id,
            "P100"
        );
        let blank = ok.replace("id = \"P100\"", "id = \" \"");
        let err = parse(&blank, "t.toml").expect_err("blank id");
        assert!(err.to_string().contains("non-empty device id"), "{err}");
    }

    #[test]
    fn links_are_needed_by_jobs_not_by_a_workload() {
        let pool = "[[pool]]\nname = \"l4\"\ndevice = \"l4\"\nnodes = 2\ndevices_per_node = 4\n";
        let workload = format!("{pool}[workload]\nformat = \"synthetic\"\njobs = 1\n");
        assert!(parse(&workload, "t.toml").is_ok());
        let job = format!(
            "{workload}[[job]]\nmodel = \"gpt3-125m\"\nseq_len = 1024\nglobal_batch = 64\n"
        );
        let err = parse(&job, "t.toml").expect_err("a job needs the links");
        assert!(err.to_string().contains("intra-node link"), "{err}");
    }
}
