use super::*;

#[test]
fn apportion_is_proportional_and_exact() {
    assert_eq!(apportion(10, &[1.0, 1.0]), vec![5, 5]);
    assert_eq!(apportion(10, &[1.0, 2.0, 2.0]), vec![2, 4, 4]);
    let a = apportion(
        1024,
        &[1.0; 8]
            .iter()
            .chain(&[2.125; 8])
            .copied()
            .collect::<Vec<_>>(),
    );
    assert_eq!(a.iter().sum::<u64>(), 1024);
    assert!(a[8] > a[0]);
}

fn load(text: &str) -> (Scenario, Topology) {
    let s = crate::scenario::parse(text, "test.toml").unwrap_or_else(|d| panic!("{d}"));
    let topo = crate::estimate::topology(&s).expect("topology");
    (s, topo)
}

/// With communication free and identical stages, 1F1B idles each stage for
/// `(p − 1)` micro-batch times of the `m + p − 1` it takes: the bubble is
/// `(p − 1)/(m + p − 1)` of the step.
#[test]
fn one_f_one_b_bubble_with_free_communication() {
    for (pp, m) in [(4u32, 12u32), (2, 8), (8, 8)] {
        let text = format!(
            r#"
[[pool]]
name = "ideal"
nodes = {pp}
devices_per_node = 1
nics_per_node = 1
nic_gbit_s = 1e12
[pool.device]
base = "a100-sxm4-80gb"
mem_bw_gbyte_s = 1e9
[[job]]
seq_len = 4096
global_batch = {m}
[job.model]
arch = "llama"
layers = {layers}
hidden = 4096
heads = 32
vocab = 8
[job.parallelism]
tp = 1
pp = {pp}
schedule = "1f1b"
"#,
            layers = 2 * pp
        );
        let (s, topo) = load(&text);
        let sim = simulate_job(&s, &s.jobs[0], &topo).expect("simulates");
        let r = &sim.estimate.result;
        let expected = f64::from(pp - 1) / f64::from(m + pp - 1);
        let got = r.breakdown_s.bubble / r.step_time_s;
        assert!(
            (got - expected).abs() / expected < 0.01,
            "pp {pp} m {m}: {got} vs {expected}"
        );
        assert!((r.breakdown_s.total() - r.step_time_s).abs() < 1e-9 * r.step_time_s);
    }
}

const MIXED: &str = r#"
[[pool]]
name = "a100"
device = "a100-sxm4-80gb"
nodes = 2
nics_per_node = 8
nic_gbit_s = 200
[[pool]]
name = "h100"
device = "h100-sxm5-80gb"
nodes = 2
[network]
inter_pool_gbit_s = 3200
[[job]]
model = "gpt3-2.7b"
seq_len = 2048
global_batch = 2048
[job.parallelism]
tp = 2
pp = 1
microbatch = 2
"#;

/// The time between the first and the last replica finishing its passes.
fn idle_spread(sim: &StepSimulation) -> f64 {
    sim.idle_fraction() * sim.estimate.result.step_time_s
}

/// Issue 3: shares proportional to speed remove the idle time that equal
/// shares leave on the faster pool.
#[test]
fn proportional_shares_remove_idle_time_on_mixed_hardware() {
    let (s, topo) = load(MIXED);
    let job = &s.jobs[0];
    let equal = simulate_job_split(&s, job, &topo, Split::Equal).expect("equal");
    let fair = simulate_job_split(&s, job, &topo, Split::Proportional).expect("proportional");
    let (eq_step, fair_step) = (
        equal.estimate.result.step_time_s,
        fair.estimate.result.step_time_s,
    );
    assert!(fair_step < 0.9 * eq_step, "{fair_step} vs {eq_step}");
    assert!(
        idle_spread(&equal) > 0.2 * eq_step,
        "{}",
        idle_spread(&equal)
    );
    // Whole micro-batches limit how evenly the work can be split.
    assert!(
        idle_spread(&fair) < 0.05 * fair_step,
        "{}",
        idle_spread(&fair)
    );
    // The H100 replicas take larger shares; the shares still sum to one.
    let shares = &fair.estimate.result.shares;
    let of = |pool: &str| {
        shares
            .iter()
            .filter(|n| n.pool == pool)
            .map(|n| n.batch_share)
            .sum::<f64>()
    };
    assert!(of("h100") > of("a100"));
    assert!((of("h100") + of("a100") - 1.0).abs() < 1e-9);
}

#[test]
fn event_and_analytic_models_agree_on_homogeneous_clusters() {
    let (s, topo) = load(MIXED.replace("h100-sxm5-80gb", "a100-sxm4-80gb").as_str());
    let job = &s.jobs[0];
    let event = simulate_job(&s, job, &topo)
        .expect("event")
        .estimate
        .result
        .step_time_s;
    let analytic = crate::estimate::estimate_job(&s, job, &topo)
        .expect("analytic")
        .result
        .step_time_s;
    assert!(
        (event - analytic).abs() / event < 0.10,
        "{event} vs {analytic}"
    );
}

#[test]
fn same_input_same_timeline() {
    let (s, topo) = load(MIXED);
    let a = simulate_job(&s, &s.jobs[0], &topo).expect("a");
    let b = simulate_job(&s, &s.jobs[0], &topo).expect("b");
    assert_eq!(a.spans, b.spans);
    assert_eq!(a.estimate, b.estimate);
}

/// ZeRO-3's parameter gathers cost nothing extra on fast links and show up
/// as exposed data-parallel time on slow ones, in both models alike.
#[test]
fn zero3_gathers_are_exposed_on_slow_networks() {
    let text = |zero: u8, nic: u32| {
        format!(
            r#"
[[pool]]
name = "a100"
device = "a100-sxm4-80gb"
nodes = 2
nics_per_node = 8
nic_gbit_s = {nic}
[[job]]
model = "gpt3-1.3b"
seq_len = 2048
global_batch = 64
[job.parallelism]
tp = 1
microbatch = 4
zero = {zero}
"#
        )
    };
    let run = |zero, nic| {
        let (s, topo) = load(&text(zero, nic));
        let event = simulate_job(&s, &s.jobs[0], &topo)
            .expect("event")
            .estimate
            .result;
        let analytic = crate::estimate::estimate_job(&s, &s.jobs[0], &topo)
            .expect("analytic")
            .result;
        (event, analytic)
    };
    let (z1, _) = run(1, 2);
    let (z3, z3a) = run(3, 2);
    assert!(
        z3.step_time_s > z1.step_time_s * 1.05,
        "{} vs {}",
        z3.step_time_s,
        z1.step_time_s
    );
    assert!(z3.breakdown_s.dp_comm_exposed > z1.breakdown_s.dp_comm_exposed);
    assert!((z3.step_time_s - z3a.step_time_s).abs() / z3.step_time_s < 0.10);
    assert!(z3.memory_gib_per_device < z1.memory_gib_per_device);
}

/// Two pools joined by a slow link: a replica whose first stages run on the
/// A100s and last stages on the H100s (more layers on the faster H100s)
/// sends only activations across the link, where data parallelism across the
/// pools would send every gradient. Both models agree on it.
#[test]
fn pipelines_across_pools_balance_uneven_stages() {
    let text = r#"
[[pool]]
name = "a100"
device = "a100-sxm4-80gb"
nodes = 2
nics_per_node = 8
nic_gbit_s = 200
[[pool]]
name = "h100"
device = "h100-sxm5-80gb"
nodes = 2
[network]
inter_pool_gbit_s = 100
[[job]]
model = "gpt3-6.7b"
seq_len = 2048
global_batch = 64
[job.parallelism]
tp = 4
pp = 4
dp = 2
microbatch = 1
recompute = "selective"
sequence_parallel = true
"#;
    let (mut s, topo) = load(text);
    let across_dp = simulate_job(&s, &s.jobs[0], &topo)
        .expect("dp across pools")
        .estimate
        .result;
    // Stages 0–1 on the A100 pool with 12 layers, 2–3 on the H100 pool with 20.
    s.jobs[0].layout = Some(crate::scenario::StageLayout {
        pools: vec![0, 0, 1, 1],
        layers: vec![6, 6, 10, 10],
    });
    let event = simulate_job(&s, &s.jobs[0], &topo)
        .expect("pipeline across pools")
        .estimate
        .result;
    let analytic = crate::estimate::estimate_job(&s, &s.jobs[0], &topo)
        .expect("analytic")
        .result;
    assert!(
        event.step_time_s < across_dp.step_time_s,
        "{} vs {}",
        event.step_time_s,
        across_dp.step_time_s
    );
    assert!(
        (event.step_time_s - analytic.step_time_s).abs() / event.step_time_s < 0.10,
        "{} vs {}",
        event.step_time_s,
        analytic.step_time_s
    );
    assert!((event.breakdown_s.total() - event.step_time_s).abs() < 1e-9 * event.step_time_s);
    // Every device carries its share: 8 A100 + 8 H100 nodes' worth of ranks.
    let pools: std::collections::BTreeSet<&str> =
        event.shares.iter().map(|n| n.pool.as_str()).collect();
    assert_eq!(pools.len(), 2);
    let total: f64 = event.shares.iter().map(|n| n.batch_share).sum();
    assert!((total - 1.0).abs() < 1e-9);
    // An even split leaves the faster stages idle: slower than the balanced one.
    s.jobs[0].layout = Some(crate::scenario::StageLayout {
        pools: vec![0, 0, 1, 1],
        layers: vec![8, 8, 8, 8],
    });
    let even = simulate_job(&s, &s.jobs[0], &topo)
        .expect("even split")
        .estimate
        .result;
    assert!(
        event.step_time_s < even.step_time_s,
        "{} vs {}",
        event.step_time_s,
        even.step_time_s
    );
}
