//! What-if knobs pressed far past any sensible value stay within their
//! range, and the scenario they write still validates (doubling a pool's
//! nodes 64 times once overflowed into a value TOML could not hold).

use cirrus_sim::sweep::{Axis, variant_text};
use cirrus_tui::whatif::{self, MAX_COUNT, Step};
use std::path::{Path, PathBuf};

fn scenario_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/failures-whatif.toml")
}

#[test]
fn knobs_doubled_70_times_stay_in_range_and_validate() {
    let path = scenario_path();
    let scenario = cirrus_tui::tasks::load(&path).expect("the scenario loads");
    let mut knobs = whatif::knobs(&scenario);
    assert!(knobs.iter().any(|k| k.key.ends_with(".nodes")));
    for k in knobs.iter_mut() {
        if !matches!(k.step, Step::Choice(_)) {
            for _ in 0..70 {
                k.nudge(true);
            }
        }
    }
    for k in &knobs {
        match k.step {
            Step::Count(_) => {
                let n: u64 = k.value.parse().expect("a whole number");
                assert!((1..=MAX_COUNT).contains(&n), "{} = {}", k.key, k.value);
            }
            Step::Scale => {
                let x: f64 = k.value.parse().expect("a number");
                let base: f64 = k.base.parse().expect("a number");
                assert!(
                    x.is_finite() && x <= base * whatif::SCALE_RANGE,
                    "{} = {x}",
                    k.key
                );
            }
            _ => {}
        }
    }
    // Each doubled knob alone: the scenario still passes validation (all
    // pools at their largest together may hold more devices than the
    // limit; validation says so).
    let text = std::fs::read_to_string(&path).expect("readable");
    let file = path.display().to_string();
    let dir = path.parent().expect("a directory");
    for k in knobs.iter().filter(|k| k.changed()) {
        let axes = [Axis {
            key: k.key.clone(),
            values: vec![k.value.clone()],
        }];
        let edited =
            variant_text(&text, &file, &axes, &[k.value.as_str()]).expect("the edit applies");
        if let Err(d) = cirrus_sim::scenario::parse_in_dir(&edited, &file, dir) {
            panic!("{} = {} does not validate:\n{d}", k.key, k.value);
        }
    }
}
