//! Tests for the catalogue: ids, sources, known answers, suggestions, output.

use super::*;

const IDS: [&str; 16] = [
    "v100-sxm2-32gb",
    "a100-sxm4-40gb",
    "a100-sxm4-80gb",
    "h100-sxm5-80gb",
    "h200-sxm-141gb",
    "b200",
    "l4",
    "mi250x",
    "mi300x",
    "tpu-v4",
    "tpu-v5e",
    "tpu-v5p",
    "tpu-v6e",
    "trn1",
    "p100",
    "k80",
];

fn dev(id: &str) -> &'static DeviceSpec {
    lookup(id).expect("present in the catalogue")
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9 * b.abs().max(1.0)
}

#[test]
fn every_listed_id_resolves_in_order() {
    for id in IDS {
        assert_eq!(dev(id).id, id);
    }
    assert_eq!(ids().collect::<Vec<_>>(), IDS);
    assert_eq!(devices().len(), IDS.len());
}

#[test]
fn lookup_ignores_case_and_rejects_unknown() {
    assert_eq!(
        lookup("H100-SXM5-80GB").map(|d| d.id),
        Some("h100-sxm5-80gb")
    );
    assert!(lookup("h100").is_none());
}

#[test]
fn ids_are_unique() {
    let mut all: Vec<_> = ids().collect();
    all.sort_unstable();
    all.dedup();
    assert_eq!(all.len(), devices().len());
}

#[test]
fn source_keys_are_unique() {
    let mut keys: Vec<_> = sources().iter().map(|(k, _)| *k).collect();
    keys.sort_unstable();
    keys.dedup();
    assert_eq!(keys.len(), sources().len());
}

#[test]
fn every_known_figure_cites_an_existing_source() {
    for d in devices() {
        for key in figure_sources(d) {
            assert!(
                source_citation(key).is_some(),
                "{}: missing source {key}",
                d.id
            );
        }
    }
}

#[test]
fn added_sources_carry_their_urls() {
    assert!(
        source_citation("P100-SEC")
            .expect("present in the catalogue")
            .contains("https://")
    );
    assert!(
        source_citation("K80-SEC")
            .expect("present in the catalogue")
            .contains("https://")
    );
    assert!(
        source_citation("GK-H100")
            .expect("present in the catalogue")
            .contains("glennklockwood.com")
    );
    assert!(source_citation("NOPE").is_none());
}

#[test]
fn known_figures_are_positive_and_finite() {
    for d in devices() {
        let all = d.real_figures();
        for v in all.iter().filter_map(Figure::value) {
            assert!(v.is_finite() && v > 0.0, "{}: {v}", d.id);
        }
        for p in d.on_demand.iter().chain(d.spot.iter()) {
            assert!(p.usd_per_device_hour > 0.0, "{}", d.id);
        }
    }
}

#[test]
fn h100_known_answers() {
    let h100 = dev("h100-sxm5-80gb");
    assert_eq!(h100.peak_tflops(Precision::Bf16).value(), Some(989.0));
    assert_eq!(h100.peak_tflops_bf16.source(), Some("GK-H100"));
    assert_eq!(
        h100.peak(Precision::Bf16),
        Some(FlopsPerSec::from_tflops(989.0))
    );
    // "80 GB" read as 80e9 bytes.
    let gib = h100.memory_gib.value().expect("present in the catalogue");
    assert!(close(gib, 80e9 / 1_073_741_824.0));
    assert!((gib - 74.5).abs() < 0.01);
    assert!(close(
        h100.memory().expect("present in the catalogue").get(),
        80e9
    ));
    assert_eq!(h100.intra_node.per_direction_gbyte_s.value(), Some(450.0));
    assert_eq!(h100.intra_node.shape, LinkShape::NvSwitch);
    assert_eq!(h100.peak_tflops_fp8.value(), Some(1979.0));
    let od = h100.on_demand.expect("present in the catalogue");
    assert!((od.usd_per_device_hour - 6.88).abs() < 1e-9);
    assert_eq!(od.date, "2026-11-09");
    assert_eq!(
        h100.spot
            .expect("present in the catalogue")
            .usd_per_device_hour,
        6.571
    );
}

#[test]
fn other_known_answers() {
    let a80 = dev("a100-sxm4-80gb");
    assert_eq!(a80.mem_bw_gbyte_s.value(), Some(2039.0));
    assert!(close(
        a80.mem_bw().expect("present in the catalogue").get(),
        2039e9
    ));
    assert!(
        (a80.on_demand
            .expect("present in the catalogue")
            .usd_per_device_hour
            - 3.43)
            .abs()
            < 0.001
    );
    assert!(
        (a80.spot
            .expect("present in the catalogue")
            .usd_per_device_hour
            - 2.03)
            .abs()
            < 0.005
    );

    let a40 = dev("a100-sxm4-40gb");
    assert!(
        (a40.on_demand
            .expect("present in the catalogue")
            .usd_per_device_hour
            - 2.74)
            .abs()
            < 0.005
    );
    assert_eq!(
        a40.spot
            .expect("present in the catalogue")
            .usd_per_device_hour,
        1.2934
    );

    let h200 = dev("h200-sxm-141gb");
    assert!(
        (h200
            .on_demand
            .expect("present in the catalogue")
            .usd_per_device_hour
            - 7.91)
            .abs()
            < 0.005
    );
    assert!(
        (h200
            .spot
            .expect("present in the catalogue")
            .usd_per_device_hour
            - 3.40)
            .abs()
            < 0.005
    );

    let v5p = dev("tpu-v5p");
    assert_eq!(v5p.intra_node.per_direction_gbyte_s.value(), Some(600.0));
    assert_eq!(
        v5p.intra_node.per_link_per_direction_gbyte_s.value(),
        Some(90.0)
    );
    assert!(
        v5p.on_demand
            .expect("present in the catalogue")
            .note
            .contains("approximate")
    );

    let v100 = dev("v100-sxm2-32gb");
    assert!(!v100.peak_tflops_bf16.is_known());
    assert_eq!(v100.peak_tflops_fp16.value(), Some(125.0));
    assert_eq!(v100.peak(Precision::Bf16), None);

    let mi300x = dev("mi300x");
    assert_eq!(mi300x.peak_tflops_fp8.value(), Some(2614.9));

    let mi250x = dev("mi250x");
    assert_eq!(mi250x.peak_tflops_bf16.value(), Some(191.5));
    assert_eq!(mi250x.tdp_w.value(), Some(280.0));
    assert_eq!(mi250x.node.devices.value(), Some(8));

    assert!(!dev("trn1").intra_node.per_direction_gbyte_s.is_known());
    assert_eq!(dev("tpu-v4").memory_gib.value(), Some(32.0));
    assert_eq!(dev("p100").peak_tflops_fp16.value(), Some(21.2));
    assert!(!dev("p100").peak_tflops_bf16.is_known());
    assert!(!dev("k80").peak_tflops_fp16.is_known());
    assert_eq!(dev("k80").mem_bw_gbyte_s.value(), Some(240.0));
}

#[test]
fn fp16_equals_bf16_where_both_known() {
    for d in devices() {
        if let (Some(a), Some(b)) = (d.peak_tflops_fp16.value(), d.peak_tflops_bf16.value()) {
            assert_eq!(a, b, "{}", d.id);
        }
    }
}

#[test]
fn fp8_only_where_sourced() {
    let with_fp8: Vec<_> = devices()
        .iter()
        .filter(|d| d.peak_tflops_fp8.is_known())
        .map(|d| d.id)
        .collect();
    assert_eq!(
        with_fp8,
        ["h100-sxm5-80gb", "h200-sxm-141gb", "b200", "mi300x", "trn1"]
    );
}

#[test]
fn suggestions() {
    assert_eq!(suggest("h100-sxm-80gb"), Some("h100-sxm5-80gb"));
    assert!(suggest("a100").is_some_and(|s| s.starts_with("a100")));
    assert_eq!(suggest("zzzz"), None);
    assert_eq!(suggest(""), None);
    assert!(suggest("tpu-v5").is_some_and(|s| s.starts_with("tpu-v5")));
    assert_eq!(suggest("h100"), Some("h100-sxm5-80gb"));
    assert_eq!(suggest("MI300"), Some("mi300x"));
}

#[test]
fn table_lists_every_id_and_used_source() {
    let table = render_table();
    for id in IDS {
        assert!(table.lines().any(|l| l.starts_with(id)), "{id} missing");
    }
    assert!(table.contains("[GK-H100]"));
    assert!(table.contains("[K80-SEC]"));
    assert!(table.contains("6.88 (2026-11-09)"));
    assert_eq!(table, render_table());
}

#[test]
fn json_is_deterministic_and_shows_unknowns_as_null() {
    let a = serde_json::to_string(&to_json()).expect("json serializes");
    let b = serde_json::to_string(&to_json()).expect("json serializes");
    assert_eq!(a, b);
    let json = to_json();
    let devs = json["devices"]
        .as_array()
        .expect("present in the catalogue");
    assert_eq!(devs.len(), IDS.len());
    let v100 = &devs[0];
    assert_eq!(v100["id"], "v100-sxm2-32gb");
    assert!(v100["peak_tflops_bf16"].is_null());
    assert_eq!(v100["peak_tflops_fp16"]["value"], 125.0);
    assert_eq!(v100["peak_tflops_fp16"]["source"], "V100-WP");
    assert!(v100["on_demand"].is_null());
    assert_eq!(v100["vendor"], "nvidia");
    assert_eq!(v100["intra_node"]["shape"], "hybrid_cube_mesh");
    let srcs = json["sources"]
        .as_array()
        .expect("present in the catalogue");
    assert_eq!(srcs.len(), sources().len());
    assert_eq!(srcs[0]["key"], "V100-WP");
}
