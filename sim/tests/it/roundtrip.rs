//! Scenario round trips: a scenario parsed, written back out as TOML (the
//! parsed document re-serialised, so layout, comments, key order and
//! number spelling change) and parsed again is the same scenario; both for
//! every bundled file and for generated ones.

use crate::{repo_root, toml_files};
use cirrus_sim::scenario::{self, Scenario};
use proptest::prelude::*;

/// `text` parsed, re-serialised through `toml::Value`, and parsed again.
fn round_trip(text: &str, file: &str, dir: &std::path::Path) -> (Scenario, Scenario) {
    let first = scenario::parse_in_dir(text, file, dir).unwrap_or_else(|d| panic!("{d}"));
    let value: toml::Value = toml::from_str(text).expect("valid TOML");
    let again = toml::to_string(&value).expect("a TOML document serialises");
    let second = scenario::parse_in_dir(&again, file, dir)
        .unwrap_or_else(|d| panic!("re-serialised text refused:\n{d}\n---\n{again}"));
    (first, second)
}

#[test]
fn every_bundled_scenario_survives_a_round_trip() {
    // `profile = "local"` scenarios need a profile; the workload ones their
    // relative trace paths: parse each in its own directory.
    let dir = repo_root().join("scenarios");
    for path in toml_files(&dir) {
        let text = std::fs::read_to_string(&path).expect("readable");
        if text.contains("profile = \"local\"") {
            continue;
        }
        let (a, b) = round_trip(&text, &path.display().to_string(), &dir);
        assert_eq!(format!("{a:?}"), format!("{b:?}"), "{}", path.display());
    }
}

/// A generated valid scenario: one pool of a catalogue GPU, one job of a
/// preset, a parallel layout that fits the devices, optional extras.
fn scenario_text() -> impl Strategy<Value = String> {
    let devices = prop::sample::select(vec!["a100-sxm4-80gb", "h100-sxm5-80gb", "h200-sxm-141gb"]);
    let models = prop::sample::select(vec!["gpt3-125m", "gpt3-1.3b", "gpt3-6.7b", "llama3-8b"]);
    (
        devices,
        models,
        1u32..=8,                                    // nodes
        prop::sample::select(vec![1u32, 2, 4, 8]),   // tp
        prop::sample::select(vec![1u32, 2]),         // pp
        1u32..=4,                                    // micro-batch
        prop::sample::select(vec!["none", "selective", "full"]),
        any::<bool>(),                               // sequence parallel
        prop::option::of(1.0e9f64..1.0e12),          // train tokens
        prop::option::of(0.5f64..20.0),              // price
        0..=i64::MAX as u64,                         // seed (TOML integers are i64)
    )
        .prop_map(|(device, model, nodes, tp, pp, mb, rc, sp, tokens, price, seed)| {
            let dp = nodes * 8 / (tp * pp);
            let batch = dp * mb * 4;
            let mut t = format!(
                "name = \"generated\"\nseed = {seed}\n\n[[pool]]\nname = \"p\"\ndevice = \"{device}\"\nnodes = {nodes}\n"
            );
            if let Some(price) = price {
                t.push_str(&format!("usd_per_device_hour = {price}\n"));
            }
            t.push_str(&format!(
                "\n[[job]]\nmodel = \"{model}\"\nseq_len = 2048\nglobal_batch = {batch}\n"
            ));
            if let Some(tokens) = tokens {
                t.push_str(&format!("train_tokens = {tokens:e}\n"));
            }
            t.push_str(&format!(
                "\n[job.parallelism]\ntp = {tp}\npp = {pp}\ndp = {dp}\nmicrobatch = {mb}\nrecompute = \"{rc}\"\nsequence_parallel = {sp}\n"
            ));
            t
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn generated_scenarios_survive_a_round_trip(text in scenario_text()) {
        // Some generated layouts are refused (tp must divide the heads, pp
        // the layers): only accepted ones have a round trip to check.
        if scenario::parse(&text, "gen.toml").is_ok() {
            let (a, b) = round_trip(&text, "gen.toml", std::path::Path::new("."));
            prop_assert_eq!(format!("{a:?}"), format!("{b:?}"));
        }
    }
}
