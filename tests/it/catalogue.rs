//! `cirrus catalogue`.

use super::{cirrus, stdout};
use cirrus_sim::catalogue;

/// The contract ids, in catalogue order (the literal list is tested in `cirrus-sim`).
fn ids() -> Vec<&'static str> {
    catalogue::ids().collect()
}

#[test]
fn table_lists_every_contract_id() {
    let o = cirrus(&["catalogue"]);
    assert!(o.status.success());
    let text = stdout(&o);
    let ids = ids();
    assert_eq!(ids.len(), 16);
    for id in ids {
        assert!(text.lines().any(|l| l.starts_with(id)), "{id} missing");
    }
}

#[test]
fn json_gives_figures_with_sources_and_null_for_unknown() {
    let o = cirrus(&["catalogue", "--json"]);
    assert!(o.status.success());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("valid JSON");
    let devices = v["devices"].as_array().expect("devices array");
    let ids: Vec<&str> = devices.iter().filter_map(|d| d["id"].as_str()).collect();
    assert_eq!(ids, self::ids());
    let h100 = &devices[3];
    assert_eq!(h100["peak_tflops_bf16"]["value"], 989.0);
    assert!(h100["peak_tflops_bf16"]["source"].is_string());
    // V100 has no published bf16 figure: unknown, not invented.
    assert!(devices[0]["peak_tflops_bf16"].is_null());
}
