use super::*;
use crate::scenario::parse;

const QUICK: &str = r#"
[[pool]]
name = "a100"
device = "a100-sxm4-80gb"
nodes = 2
[[job]]
model = "gpt3-1.3b"
seq_len = 2048
global_batch = 256
train_tokens = 26e9
parallelism = "auto"
"#;

fn opts(objective: Objective, breadth: Breadth) -> Options {
    Options {
        objective,
        breadth,
        rerank: 8,
    }
}

fn load(text: &str) -> Scenario {
    parse(text, "t.toml").unwrap_or_else(|d| panic!("{d}"))
}

#[test]
fn finds_a_plan_at_least_as_fast_as_a_hand_tuned_one() {
    let s = load(QUICK);
    let best = plan(&s, 0, &opts(Objective::Time, Breadth::Pruned)).expect("a plan");
    // The quickstart's hand configuration: tp 2, dp 8, micro-batch 4.
    let hand = load(&QUICK.replace(
        "parallelism = \"auto\"",
        "[job.parallelism]\ntp = 2\nmicrobatch = 4",
    ));
    let topo = estimate::topology(&hand).expect("topology");
    let hand_step = stepsim::simulate_job(&hand, &hand.jobs[0], &topo)
        .expect("sim")
        .estimate
        .result
        .step_time_s;
    assert!(
        best.best.result.step_time_s <= hand_step,
        "{} vs {hand_step}",
        best.best.result.step_time_s
    );
    assert!(best.best.result.fits_memory);
    // The applied scenario simulates to the same answer.
    let topo = estimate::topology(&best.scenario).expect("topology");
    let again = stepsim::simulate_job(&best.scenario, &best.scenario.jobs[0], &topo).expect("sim");
    assert_eq!(again.estimate.result, best.best.result);
}

#[test]
fn pruned_search_matches_the_exhaustive_optimum() {
    let s = load(QUICK);
    let pruned = plan(&s, 0, &opts(Objective::Time, Breadth::Pruned)).expect("pruned");
    let full = plan(&s, 0, &opts(Objective::Time, Breadth::Exhaustive)).expect("exhaustive");
    assert!(full.considered > pruned.considered);
    let (p, f) = (pruned.best.result.step_time_s, full.best.result.step_time_s);
    assert!(p <= f * 1.01, "{p} vs {f}");
}

#[test]
fn pareto_front_is_sorted_and_non_dominated() {
    let s = load(QUICK);
    let out = plan(&s, 0, &opts(Objective::Cost, Breadth::Pruned)).expect("a plan");
    let pts: Vec<(f64, f64)> = out.pareto.iter().map(time_and_cost).collect();
    assert!(!pts.is_empty(), "{pts:?}");
    for w in pts.windows(2) {
        assert!(w[0].0 <= w[1].0 && w[0].1 > w[1].1, "{w:?}");
    }
    // The cheapest plan is on the front and is what `cost` picks (analytic
    // front, event-level pick: within a few per cent).
    let cheapest = pts.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
    let picked = out.best.result.cost_usd.expect("cost");
    assert!(
        (picked - cheapest).abs() / cheapest < 0.05,
        "{picked} vs {cheapest}"
    );
}

#[test]
fn infeasible_requests_explain_the_nearest_miss() {
    let huge = load(&QUICK.replace("gpt3-1.3b", "gpt3-175b"));
    match plan(&huge, 0, &opts(Objective::Time, Breadth::Pruned)) {
        Err(PlanError::NoMemoryFit {
            need_gib,
            have_gib,
            nearest,
            ..
        }) => {
            assert!(need_gib > have_gib && !nearest.is_empty());
        }
        other => panic!("{other:?}"),
    }
    let s = load(QUICK);
    match plan(
        &s,
        0,
        &opts(Objective::CostDeadline { deadline_h: 1.0 }, Breadth::Pruned),
    ) {
        Err(e @ PlanError::Deadline { .. }) => assert!(e.to_string().contains("within 1 h"), "{e}"),
        other => panic!("{other:?}"),
    }
    match plan(
        &s,
        0,
        &opts(
            Objective::ThroughputBudget { usd_per_hour: 1.0 },
            Breadth::Pruned,
        ),
    ) {
        Err(e @ PlanError::Budget { .. }) => assert!(e.to_string().contains("USD/h"), "{e}"),
        other => panic!("{other:?}"),
    }
    let no_tokens = load(&QUICK.replace("train_tokens = 26e9\n", ""));
    assert!(matches!(
        plan(&no_tokens, 0, &opts(Objective::Cost, Breadth::Pruned)),
        Err(PlanError::NeedsCost { .. })
    ));
}

#[test]
fn a_budget_buys_the_fastest_plan_it_affords() {
    let s = load(QUICK);
    let all = plan(&s, 0, &opts(Objective::Time, Breadth::Pruned)).expect("a plan");
    let half = all.best.usd_per_hour / 2.0 + 1.0;
    let out = plan(
        &s,
        0,
        &opts(
            Objective::ThroughputBudget { usd_per_hour: half },
            Breadth::Pruned,
        ),
    )
    .expect("a plan");
    assert!(out.best.usd_per_hour <= half);
    assert!(out.best.result.step_time_s > all.best.result.step_time_s);
}

#[test]
fn a_fixed_degree_outside_the_searched_ones_is_kept() {
    // NVIDIA's Llama 3 70B recipe runs 5 virtual stages, which the search
    // alone would not try; a file that fixes such a value must still get
    // its plan (here 12 virtual stages of one layer each).
    let s = load(&QUICK.replace(
        "parallelism = \"auto\"",
        "[job.parallelism]\npp = 2\nschedule = \"interleaved-1f1b\"\nvirtual_stages = 12\nmicrobatch = 1",
    ));
    let best = plan(&s, 0, &opts(Objective::Time, Breadth::Pruned)).expect("a plan");
    assert_eq!(best.best.result.parallelism.virtual_stages, 12);
}
