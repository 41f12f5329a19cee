use super::*;
use crate::workload::{ImportOptions, TraceJob, Work, Workload};
use proptest::prelude::*;

const CLUSTER: &str = r#"
[[pool]]
name = "v100"
device = "v100-sxm2-32gb"
nodes = 2
devices_per_node = 4
usd_per_device_hour = 2.0
[[pool]]
name = "a100"
device = "a100-sxm4-80gb"
nodes = 1
devices_per_node = 4
[workload]
format = "synthetic"
jobs = 1
"#;

fn scenario() -> Scenario {
    crate::scenario::parse(CLUSTER, "c.toml").unwrap_or_else(|d| panic!("{d}"))
}

fn job(i: usize, arrival: f64, devices: f64, seconds: f64) -> TraceJob {
    TraceJob {
        id: format!("j{i}"),
        arrival_s: arrival,
        devices,
        device_types: Vec::new(),
        work: Work::Seconds {
            seconds,
            device: None,
        },
        kind: None,
        scale_factor: 1,
        priority: 1.0,
        user: None,
    }
}

/// The schedule log agrees with the job records and over-commits no node:
/// its device-seconds are the jobs' busy device-seconds; each completed job
/// has one finished segment and a segment per preemption and failure; at
/// no segment's start do the segments running on a node hold more than
/// the node's devices; nothing runs on a node while it is down.
fn check_schedule(s: &Scenario, out: &Outcome) {
    let log = &out.schedule;
    for (j, r) in out.jobs.iter().enumerate() {
        let mine: Vec<&Segment> = log
            .segments
            .iter()
            .filter(|g| g.job as usize == j)
            .collect();
        let held: f64 = mine
            .iter()
            .map(|g| {
                (g.end_s - g.start_s) * log.shares_of(g).iter().map(|x| f64::from(x.1)).sum::<f64>()
            })
            .sum();
        assert!(
            (held - r.busy_device_s).abs() <= 1e-6 * r.busy_device_s.max(1.0),
            "{r:?}: {held}"
        );
        let count = |e: SegmentEnd| mine.iter().filter(|g| g.end == e).count() as u32;
        assert_eq!(
            count(SegmentEnd::Finished),
            u32::from(r.end_s.is_some()),
            "{r:?}"
        );
        assert_eq!(
            count(SegmentEnd::Preempted) + count(SegmentEnd::Revoked),
            r.preemptions
        );
        assert_eq!(count(SegmentEnd::Failed), r.failures);
    }
    for (p, pool) in s.pools.iter().enumerate() {
        let on_pool: Vec<&Segment> = log
            .segments
            .iter()
            .filter(|g| g.pool as usize == p)
            .collect();
        for n in 0..pool.nodes {
            let on_node = |g: &&Segment| {
                log.shares_of(g)
                    .iter()
                    .find(|x| x.0 == n)
                    .map(|x| f64::from(x.1))
            };
            for g in &on_pool {
                if on_node(g).is_none() {
                    continue;
                }
                let t = g.start_s;
                let load: f64 = on_pool
                    .iter()
                    .filter(|h| h.start_s <= t && t < h.end_s)
                    .filter_map(on_node)
                    .sum();
                assert!(
                    load <= f64::from(pool.devices_per_node) + 1e-3,
                    "node {n} of {}: {load} at {t}",
                    pool.name
                );
                // Down from a failure or revocation until back.
                let down = log
                    .node_events
                    .iter()
                    .rfind(|e| e.pool as usize == p && e.node == n && e.t_s <= t)
                    .is_some_and(|e| {
                        matches!(
                            e.change,
                            NodeChange::Failed | NodeChange::Revoked | NodeChange::Released
                        )
                    });
                assert!(
                    !down || g.end_s <= t,
                    "runs on node {n} of {} while it is down at {t}",
                    pool.name
                );
            }
        }
    }
    assert!(log.node_events.windows(2).all(|w| w[0].t_s <= w[1].t_s));
}

fn cfg(policy: Policy) -> Config {
    Config {
        policy,
        heterogeneity_aware: false,
        round_s: None,
        restore_s: 30.0,
        checkpoint_s: 600.0,
        checkpoint_write_s: 0.0,
        gavel_compat: false,
        deadline_factor: None,
        elastic_serial_fraction: 0.05,
        elastic_max_factor: 2.0,
    }
}

#[test]
fn fifo_known_answer() {
    // 12 devices; two 8-device jobs of 100 s arriving together: the second
    // waits for the first (8 + 8 > 12).
    let w = Workload {
        jobs: vec![job(0, 0.0, 8.0, 100.0), job(1, 0.0, 8.0, 100.0)],
        ..Workload::default()
    };
    let out = simulate(&scenario(), &w, &cfg(Policy::Fifo)).expect("runs");
    assert_eq!(out.jobs[0].end_s, Some(100.0));
    assert_eq!(out.jobs[1].start_s, Some(100.0));
    assert_eq!(out.jobs[1].end_s, Some(200.0));
    assert_eq!(out.result.jobs_completed, 2);
    assert!((out.result.avg_jct_s - 150.0).abs() < 1e-9);
    assert!((out.result.makespan_s - 200.0).abs() < 1e-9);
    assert!((out.result.avg_queue_s - 50.0).abs() < 1e-9);
    // Finish-time fairness by hand: only the 8 V100s can run either job.
    // The first shares them with one other job throughout (N̄ = 2): a
    // private half would take 200 s, so ρ = 100 / 200. The second sees
    // N̄ = (2·100 + 1·100) / 200 = 1.5: 150 s alone, ρ = 200 / 150.
    let rho = |j: usize| out.jobs[j].ftf_rho.expect("completed");
    assert!((rho(0) - 0.5).abs() < 1e-12);
    assert!((rho(1) - 4.0 / 3.0).abs() < 1e-12);
    assert!((out.result.max_ftf_rho - 4.0 / 3.0).abs() < 1e-12);
    // Per pool: the V100s are busy throughout, the A100s idle but held.
    let pools = &out.result.pools;
    assert_eq!(
        (pools[0].name.as_str(), pools[1].name.as_str()),
        ("v100", "a100")
    );
    assert!((pools[0].busy_device_h - 1600.0 / 3600.0).abs() < 1e-12);
    assert!((pools[0].held_device_h - 1600.0 / 3600.0).abs() < 1e-12);
    assert!((pools[0].utilization - 1.0).abs() < 1e-12);
    assert!((pools[1].held_device_h - 800.0 / 3600.0).abs() < 1e-12);
    assert_eq!(pools[1].busy_device_h, 0.0);
    assert!((pools[0].cost_usd - 1600.0 / 3600.0 * 2.0).abs() < 1e-12);
    assert_eq!(out.usage[0].peak_busy_devices, 8.0);
}

#[test]
fn srtf_preempts_a_long_job_for_a_short_one() {
    let w = Workload {
        jobs: vec![job(0, 0.0, 8.0, 1000.0), job(1, 10.0, 8.0, 10.0)],
        ..Workload::default()
    };
    let out = simulate(&scenario(), &w, &cfg(Policy::Srtf)).expect("runs");
    assert_eq!(out.jobs[0].preemptions, 1);
    assert_eq!(out.jobs[1].end_s, Some(20.0));
    // The long job resumes and pays the restore delay once.
    let end = out.jobs[0].end_s.expect("finishes");
    assert!((end - (1000.0 + 10.0 + 30.0)).abs() < 1e-6, "{end}");
}

#[test]
fn jobs_that_fit_nowhere_are_rejected_with_a_reason() {
    let w = Workload {
        jobs: vec![job(0, 0.0, 64.0, 10.0), job(1, 0.0, 1.0, 10.0)],
        ..Workload::default()
    };
    let out = simulate(&scenario(), &w, &cfg(Policy::Fifo)).expect("runs");
    assert!(
        out.jobs[0]
            .rejected
            .as_deref()
            .is_some_and(|r| r.contains("no pool"))
    );
    assert_eq!(out.result.jobs_completed, 1);
}

#[test]
fn heterogeneity_aware_placement_picks_the_faster_device() {
    // Recorded on a V100: an A100 runs it faster.
    let mut j = job(0, 0.0, 4.0, 100.0);
    j.work = Work::Seconds {
        seconds: 100.0,
        device: Some("v100-sxm2-32gb".into()),
    };
    let w = Workload {
        jobs: vec![j],
        ..Workload::default()
    };
    let aware = simulate(
        &scenario(),
        &w,
        &Config {
            heterogeneity_aware: true,
            ..cfg(Policy::Fifo)
        },
    )
    .expect("runs");
    let blind = simulate(&scenario(), &w, &cfg(Policy::Fifo)).expect("runs");
    assert_eq!(aware.jobs[0].pool.as_deref(), Some("a100"));
    assert_eq!(blind.jobs[0].pool.as_deref(), Some("v100"));
    assert!(aware.jobs[0].end_s < blind.jobs[0].end_s);
}

fn random_workload() -> impl Strategy<Value = Workload> {
    prop::collection::vec(
        (
            0.0f64..500.0,
            prop::sample::select(vec![0.25, 0.5, 1.0, 2.0, 4.0, 8.0]),
            1.0f64..300.0,
        ),
        1..40,
    )
    .prop_map(|v| {
        let mut w = Workload {
            jobs: v
                .into_iter()
                .enumerate()
                .map(|(i, (a, d, s))| job(i, a, d, s))
                .collect(),
            ..Workload::default()
        };
        w.normalise(ImportOptions::default().limit);
        w
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Every job completes; busy device-seconds equal the work done plus
    /// restore delays; no pool is over-committed at any instant; reruns agree.
    #[test]
    fn invariants_hold(w in random_workload(), p in prop::sample::select(vec![Policy::Fifo, Policy::Sjf, Policy::Srtf, Policy::Las, Policy::Tiresias, Policy::MaxMinFairness, Policy::FinishTimeFairness, Policy::CostAware]), compat in any::<bool>(), aware in any::<bool>(), rounds in any::<bool>()) {
        let s = scenario();
        // Allocation policies and Gavel's mechanism need rounds.
        let rounds = rounds || compat || p == Policy::MaxMinFairness || p == Policy::FinishTimeFairness;
        let c = Config { heterogeneity_aware: aware, round_s: rounds.then_some(60.0), gavel_compat: compat, ..cfg(p) };
        let out = simulate(&s, &w, &c).expect("runs");
        prop_assert_eq!(out.result.jobs_completed as usize, w.jobs.len());
        let mut intervals: Vec<(f64, f64)> = Vec::new();
        for (r, j) in out.jobs.iter().zip(&w.jobs) {
            let (start, end) = (r.start_s.expect("started"), r.end_s.expect("ended"));
            prop_assert!(start >= j.arrival_s - 1e-9 && end > start);
            // Work conservation: held time ≥ work, and exactly work plus
            // the restore delays paid.
            let Work::Seconds { seconds, .. } = j.work else { unreachable!() };
            let held = r.busy_device_s / j.devices;
            let expected = seconds + r.restore_s + r.lost_device_s / j.devices;
            prop_assert!(r.restore_s <= f64::from(r.preemptions) * c.restore_s + 1e-9);
            prop_assert!((held - expected).abs() <= 1e-6 * expected.max(1.0) + 1e-6, "{} vs {}", held, expected);
            intervals.push((start, end));
        }
        // Demand at any instant never exceeds the 12 devices (checked at
        // every start; preempted jobs make this an upper bound).
        for &(t, _) in &intervals {
            let demand: f64 = out.jobs.iter().zip(&intervals)
                .filter(|(r, (s0, e0))| *s0 <= t && t < *e0 && r.preemptions == 0)
                .map(|(r, _)| r.devices)
                .sum();
            prop_assert!(demand <= 12.0 + 1e-9, "{} at {}", demand, t);
        }
        // At no instant does any pool have more devices busy than it has,
        // preemptions included; the usage series accounts for every busy
        // device-second; every completed job has a fairness ratio.
        for (u, pool) in out.usage.iter().zip(&s.pools) {
            prop_assert!(u.peak_busy_devices <= pool.devices() as f64 + 1e-9);
        }
        let busy_series: f64 = out.usage.iter().flat_map(|u| &u.buckets).map(|b| b.busy_device_s).sum();
        let busy_jobs: f64 = out.jobs.iter().map(|r| r.busy_device_s).sum();
        prop_assert!((busy_series - busy_jobs).abs() <= 1e-9 * busy_jobs.max(1.0), "{} vs {}", busy_series, busy_jobs);
        prop_assert!(out.jobs.iter().all(|r| r.ftf_rho.is_some_and(|x| x > 0.0)));
        check_schedule(&s, &out);
        prop_assert_eq!(simulate(&s, &w, &c).expect("again"), out);
    }
}

/// Issue 5: with checkpoints every k seconds, no job loses more than k
/// seconds of work per failure; the work it does lose is redone, and every
/// job still completes.
#[test]
fn failures_lose_at_most_one_checkpoint_interval() {
    let text = CLUSTER.replace(
        "usd_per_device_hour = 2.0",
        "usd_per_device_hour = 2.0\nmtbf_hours_per_node = 3\nrepair_hours = 0.5",
    );
    let s = crate::scenario::parse(&text, "f.toml").unwrap_or_else(|d| panic!("{d}"));
    let w = Workload {
        jobs: (0..20)
            .map(|i| job(i, 60.0 * i as f64, [1.0, 2.0, 4.0][i % 3], 4.0 * 3600.0))
            .collect(),
        ..Workload::default()
    };
    for k in [300.0, 1800.0] {
        let c = Config {
            checkpoint_s: k,
            ..cfg(Policy::Fifo)
        };
        let out = simulate(&s, &w, &c).expect("runs");
        assert!(
            out.result.failures > 0,
            "failures happen with a 3 h MTBF over a day of work"
        );
        assert_eq!(out.result.jobs_completed, 20);
        let mut hit = 0;
        for (r, j) in out.jobs.iter().zip(&w.jobs) {
            assert!(
                r.lost_device_s <= f64::from(r.failures) * k * j.devices + 1e-6,
                "{r:?}"
            );
            let held = r.busy_device_s / j.devices;
            assert!(
                (held - (4.0 * 3600.0 + r.restore_s + r.lost_device_s / j.devices)).abs() < 1e-6,
                "{r:?}"
            );
            hit += r.failures;
        }
        assert!(hit > 0);
        check_schedule(&s, &out);
        assert!(
            out.schedule
                .node_events
                .iter()
                .any(|e| e.change == NodeChange::Failed)
        );
        assert!(
            (out.result.lost_work_s - out.jobs.iter().map(|r| r.lost_device_s).sum::<f64>()).abs()
                < 1e-9
        );
        // Same seed, same failures.
        assert_eq!(simulate(&s, &w, &c).expect("again"), out);
    }
}

/// Spot revocations come with notice: jobs checkpoint, lose nothing, and
/// resume after paying the restore time; every job still completes.
#[test]
fn spot_revocations_preempt_without_losing_work() {
    let text = CLUSTER.replace(
        "usd_per_device_hour = 2.0",
        "usd_per_device_hour = 2.0\nspot = { usd_per_device_hour = 0.8, preemptions_per_device_hour = 0.05, reacquire_hours = 0.25 }",
    );
    let s = crate::scenario::parse(&text, "spot.toml").unwrap_or_else(|d| panic!("{d}"));
    let w = Workload {
        jobs: (0..12)
            .map(|i| job(i, 30.0 * i as f64, 2.0, 3.0 * 3600.0))
            .collect(),
        ..Workload::default()
    };
    let out = simulate(&s, &w, &cfg(Policy::Fifo)).expect("runs");
    assert_eq!(out.result.jobs_completed, 12);
    assert!(
        out.result.preemptions > 0,
        "0.05 revocations per device-hour hit some of 72 device-hours"
    );
    assert_eq!(out.result.lost_work_s, 0.0);
    for (r, j) in out.jobs.iter().zip(&w.jobs) {
        let held = r.busy_device_s / j.devices;
        assert!((held - (3.0 * 3600.0 + r.restore_s)).abs() < 1e-6, "{r:?}");
    }
    // Pools pay for the whole run (first arrival to last completion), the
    // spot pool at its spot price.
    let a100_price = s.pools[1].price_per_device_hour().unwrap_or(0.0);
    let makespan = out.result.makespan_s;
    let expected = (8.0 * 0.8 + 4.0 * a100_price) * makespan / 3600.0;
    assert!((out.result.cost_usd - expected).abs() < 1e-6);
}

/// A job that needs longer to write a checkpoint than the revocation notice
/// gives loses the work since its last periodic checkpoint (at most one
/// interval per revocation); with notice to spare it loses nothing, and
/// the revocations are the same either way (same seed).
#[test]
fn spot_revocations_with_too_short_notice_lose_work_since_the_checkpoint() {
    let with_notice = |notice_s: f64| {
        let text = CLUSTER.replace(
            "usd_per_device_hour = 2.0",
            &format!(
                "usd_per_device_hour = 2.0\nspot = {{ usd_per_device_hour = 0.8, \
                 preemptions_per_device_hour = 0.05, reacquire_hours = 0.25, notice_s = {notice_s} }}"
            ),
        );
        crate::scenario::parse(&text, "spot.toml").unwrap_or_else(|d| panic!("{d}"))
    };
    let w = Workload {
        jobs: (0..12)
            .map(|i| job(i, 30.0 * i as f64, 2.0, 3.0 * 3600.0))
            .collect(),
        ..Workload::default()
    };
    let c = Config {
        checkpoint_write_s: 60.0,
        ..cfg(Policy::Fifo)
    };
    let short = simulate(&with_notice(30.0), &w, &c).expect("runs");
    let long = simulate(&with_notice(120.0), &w, &c).expect("runs");
    assert_eq!(long.result.lost_work_s, 0.0);
    assert!(short.result.preemptions > 0);
    assert!(short.result.lost_work_s > 0.0);
    assert_eq!(short.result.jobs_completed, 12);
    for (r, j) in short.jobs.iter().zip(&w.jobs) {
        // Lost work is redone: the job held its devices for its run, its
        // restores and what it lost.
        let held = r.busy_device_s / j.devices;
        let redone = r.lost_device_s / j.devices;
        assert!(
            (held - (3.0 * 3600.0 + r.restore_s + redone)).abs() < 1e-6,
            "{r:?}"
        );
        assert!(redone <= 600.0 * f64::from(r.preemptions) + 1e-9, "{r:?}");
    }
}

#[test]
fn gamma_known_values() {
    for (x, g) in [
        (1.0, 1.0),
        (2.0, 1.0),
        (5.0, 24.0),
        (0.5, std::f64::consts::PI.sqrt()),
        (1.5, 0.886_226_925_452_758),
    ] {
        assert!(
            (super::gamma(x) - g).abs() < 1e-12 * g.max(1.0),
            "Γ({x}) = {}",
            super::gamma(x)
        );
    }
}

/// Weibull failures keep the MTBF as their mean: over many node-hours the
/// failure count matches the exponential's, whatever the shape.
#[test]
fn weibull_failures_keep_the_mean() {
    let count = |shape: f64| {
        let text = CLUSTER.replace(
            "usd_per_device_hour = 2.0",
            &format!("usd_per_device_hour = 2.0\nmtbf_hours_per_node = 5\nrepair_hours = 0.01\nfailure_weibull_shape = {shape}"),
        );
        let s = crate::scenario::parse(&text, "w.toml").unwrap_or_else(|d| panic!("{d}"));
        // One long job keeps the simulation (and the failure processes) going.
        let w = Workload {
            jobs: vec![job(0, 0.0, 1.0, 2000.0 * 3600.0)],
            ..Workload::default()
        };
        let c = Config {
            checkpoint_s: 60.0,
            ..cfg(Policy::Fifo)
        };
        simulate(&s, &w, &c).expect("runs").result.failures as f64
    };
    // 2 nodes × ~2,000 h / 5 h ≈ 800 failures (the job restarts add a little).
    let (exp, wear, infant) = (count(1.0), count(3.0), count(0.7));
    for n in [wear, infant] {
        assert!((n - exp).abs() / exp < 0.15, "{n} vs {exp}");
    }
    assert!(exp > 400.0, "{exp}");
}

const AUTOSCALED: &str = r#"
[[pool]]
name = "a100"
device = "a100-sxm4-80gb"
nodes = 4
devices_per_node = 4
usd_per_device_hour = 2.0
autoscale = { min_nodes = 1, provision_minutes = 10, idle_minutes = 30 }
[workload]
format = "synthetic"
jobs = 1
"#;

/// Hand-computed: one node held; an 8-device job queues, two nodes are
/// asked for and start it after 10 min; idle nodes go after 30 min, never
/// below `min_nodes`; the pool pays for every node-hour it held.
#[test]
fn autoscaling_known_answer() {
    let s = crate::scenario::parse(AUTOSCALED, "as.toml").unwrap_or_else(|d| panic!("{d}"));
    let w = Workload {
        jobs: vec![job(0, 0.0, 4.0, 3600.0), job(1, 0.0, 8.0, 3600.0)],
        ..Workload::default()
    };
    let out = simulate(&s, &w, &cfg(Policy::Fifo)).expect("runs");
    assert_eq!(out.jobs[0].start_s, Some(0.0));
    assert_eq!(out.jobs[1].start_s, Some(600.0));
    assert_eq!(out.jobs[1].end_s, Some(4200.0));
    // The autoscaler's changes, as the schedule records them.
    let changes: Vec<(f64, u32, NodeChange)> = out
        .schedule
        .node_events
        .iter()
        .map(|e| (e.t_s, e.node, e.change))
        .collect();
    assert_eq!(
        changes,
        [
            (0.0, 1, NodeChange::Requested),
            (0.0, 2, NodeChange::Requested),
            (600.0, 1, NodeChange::Provisioned),
            (600.0, 2, NodeChange::Provisioned),
            (5400.0, 0, NodeChange::Released),
            (6000.0, 1, NodeChange::Released),
        ]
    );
    check_schedule(&s, &out);
    // Nodes 1 and 2 are asked for at 0 s (billed from the request). Node 0
    // is held 0–5400 s (idle from 3600 s), node 1 0–6000 s (idle from
    // 4200 s); node 2 stays as the minimum, billed to the last completion.
    let held_device_s = (5400.0 + 6000.0 + 4200.0) * 4.0;
    assert!((out.result.cost_usd - held_device_s / 3600.0 * 2.0).abs() < 1e-6);
    let busy = 4.0 * 3600.0 + 8.0 * 3600.0;
    assert!((out.result.utilization - busy / held_device_s).abs() < 1e-9);
    // A fixed pool of the same size starts both at once and pays for all
    // its 16 devices for the hour.
    let fixed = AUTOSCALED.replace(
        "autoscale = { min_nodes = 1, provision_minutes = 10, idle_minutes = 30 }\n",
        "",
    );
    let s = crate::scenario::parse(&fixed, "fixed.toml").unwrap_or_else(|d| panic!("{d}"));
    let out = simulate(&s, &w, &cfg(Policy::Fifo)).expect("runs");
    assert_eq!(out.jobs[1].start_s, Some(0.0));
    assert!((out.result.cost_usd - 16.0 * 2.0).abs() < 1e-6);
    assert!((out.result.utilization - busy / (16.0 * 3600.0)).abs() < 1e-9);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]
    /// Autoscaling with failures and spot revocations: every job finishes,
    /// nothing is over-committed (utilisation ≤ 1 of held capacity), and the
    /// same seed gives the same outcome.
    #[test]
    fn autoscaling_with_failures_loses_no_job(seed in 0u64..1000, n in 5usize..30) {
        let text = format!("seed = {seed}\n") + &AUTOSCALED
            .replace("min_nodes = 1", "min_nodes = 0")
            .replace(
                "usd_per_device_hour = 2.0",
                "usd_per_device_hour = 2.0\nmtbf_hours_per_node = 20\nrepair_hours = 0.5\nspot = { usd_per_device_hour = 0.9, preemptions_per_device_hour = 0.02, reacquire_hours = 0.2 }",
            );
        let s = crate::scenario::parse(&text, "asf.toml").unwrap_or_else(|d| panic!("{d}"));
        let w = Workload {
            jobs: (0..n)
                .map(|i| job(i, 1800.0 * (i % 7) as f64, [1.0, 2.0, 4.0, 8.0, 0.5][i % 5], 3600.0 * (1 + i % 4) as f64))
                .collect(),
            ..Workload::default()
        };
        let a = simulate(&s, &w, &cfg(Policy::Fifo)).expect("runs");
        prop_assert_eq!(a.result.jobs_completed, n as u64);
        prop_assert!(a.result.utilization <= 1.0 + 1e-9 && a.result.utilization > 0.0);
        check_schedule(&s, &a);
        let b = simulate(&s, &w, &cfg(Policy::Fifo)).expect("runs");
        prop_assert_eq!(a, b);
    }
}

/// Hand-computed on one 4-device node with 100 s rounds: a short job
/// arriving behind a long one waits while the long one is in Tiresias'
/// first queue (FIFO there), and preempts it at the first round after the
/// long job has attained 3,250 device-seconds (900 s × 4); LAS preempts at
/// once (and then alternates); FIFO never does.
#[test]
fn tiresias_known_answer() {
    let text = CLUSTER.replace("nodes = 2\n", "nodes = 1\n").replace(
        "[[pool]]\nname = \"a100\"\ndevice = \"a100-sxm4-80gb\"\nnodes = 1\ndevices_per_node = 4\n",
        "",
    );
    let s = crate::scenario::parse(&text, "t.toml").unwrap_or_else(|d| panic!("{d}"));
    assert_eq!(s.pools.len(), 1);
    let w = Workload {
        jobs: vec![job(0, 0.0, 4.0, 2000.0), job(1, 100.0, 4.0, 500.0)],
        ..Workload::default()
    };
    let run = |policy| {
        let c = Config {
            round_s: Some(100.0),
            ..cfg(policy)
        };
        simulate(&s, &w, &c).expect("runs").jobs
    };
    let t = run(Policy::Tiresias);
    assert_eq!((t[1].start_s, t[1].end_s), (Some(900.0), Some(1400.0)));
    assert_eq!(t[0].preemptions, 1);
    assert_eq!(t[0].end_s, Some(1400.0 + 1100.0 + 30.0));
    let l = run(Policy::Las);
    assert_eq!(l[1].start_s, Some(100.0));
    // Continuous LAS then alternates the two jobs at every round once their
    // attained service is level, paying a restore each time: the thrashing
    // Tiresias' discrete queues avoid.
    assert!(l[0].preemptions + l[1].preemptions > 2, "{l:?}");
    let f = run(Policy::Fifo);
    assert_eq!((f[1].start_s, f[1].end_s), (Some(2000.0), Some(2500.0)));
    assert_eq!(f[0].preemptions, 0);
}

/// Max-min fairness by hand: two 1-device jobs of 1,000 s on one device,
/// 100 s rounds, no restore cost. The LP gives each half the device; each
/// round the mechanism runs the job with the higher allocation over time
/// received, so they alternate (the earlier job first, on the tie) and
/// finish at 1,900 s and 2,000 s.
#[test]
fn max_min_fairness_alternates_by_round() {
    let s = crate::scenario::parse(
        "[[pool]]\nname = \"a\"\ndevice = \"a100-sxm4-80gb\"\nnodes = 1\ndevices_per_node = 1\n[workload]\nformat = \"synthetic\"\njobs = 1\n",
        "one.toml",
    )
    .unwrap_or_else(|d| panic!("{d}"));
    let w = Workload {
        jobs: vec![job(0, 0.0, 1.0, 1000.0), job(1, 0.0, 1.0, 1000.0)],
        ..Workload::default()
    };
    let c = Config {
        round_s: Some(100.0),
        restore_s: 0.0,
        ..cfg(Policy::MaxMinFairness)
    };
    let out = simulate(&s, &w, &c).expect("runs");
    assert_eq!(out.jobs[0].end_s, Some(1900.0));
    assert_eq!(out.jobs[1].end_s, Some(2000.0));
    assert_eq!(out.jobs[0].preemptions, 9);
    // FIFO runs them back to back instead.
    let fifo = simulate(
        &s,
        &w,
        &Config {
            round_s: Some(100.0),
            ..cfg(Policy::Fifo)
        },
    )
    .expect("runs");
    assert_eq!(fifo.jobs[0].end_s, Some(1000.0));
}

/// Heterogeneity-aware max-min fairness (Gavel's `_perf`) on Gavel's own
/// sample (50 jobs, 36 V100 + 36 P100 + 36 K80, its throughput table):
/// every job completes, and it beats the agnostic allocation on mean JCT
/// (Gavel, OSDI 2020, Fig. 8's direction).
#[test]
fn gavel_max_min_fairness_perf_beats_agnostic() {
    let path = std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../scenarios/gavel-replay.toml"
    ));
    let s = crate::scenario::load(path).unwrap_or_else(|e| panic!("{e}"));
    let spec = s.workload.as_ref().expect("workload");
    let w = crate::workload::load(spec, s.seed, ImportOptions::default()).expect("loads");
    let run = |aware: bool| {
        let c = Config {
            policy: Policy::MaxMinFairness,
            heterogeneity_aware: aware,
            round_s: Some(360.0),
            restore_s: 0.0,
            checkpoint_s: 3600.0,
            checkpoint_write_s: 0.0,
            gavel_compat: true,
            deadline_factor: None,
            elastic_serial_fraction: 0.05,
            elastic_max_factor: 2.0,
        };
        simulate(&s, &w, &c).expect("runs")
    };
    let (perf, agnostic) = (run(true), run(false));
    assert_eq!(perf.result.jobs_completed, 50);
    assert_eq!(agnostic.result.jobs_completed, 50);
    assert!(
        perf.result.avg_jct_s < agnostic.result.avg_jct_s,
        "{} vs {}",
        perf.result.avg_jct_s,
        agnostic.result.avg_jct_s
    );
}

/// Cost-aware placement by hand: a job recorded at 3,600 s on a V100 runs
/// there at $0.5 per device-hour (cost $0.50) or on an H100 about 7.9×
/// faster at $10 (about $1.26): without a deadline it takes the cheap
/// V100; with a deadline of twice its fastest run time the V100 would be
/// late, so it pays for the H100.
#[test]
fn cost_aware_takes_the_cheapest_pool_that_meets_the_deadline() {
    let s = crate::scenario::parse(
        r#"
[[pool]]
name = "old"
device = "v100-sxm2-32gb"
nodes = 1
devices_per_node = 1
usd_per_device_hour = 0.5
[[pool]]
name = "new"
device = "h100-sxm5-80gb"
nodes = 1
devices_per_node = 1
usd_per_device_hour = 10.0
[workload]
format = "synthetic"
jobs = 1
"#,
        "cost.toml",
    )
    .unwrap_or_else(|d| panic!("{d}"));
    let mut j = job(0, 0.0, 1.0, 3600.0);
    j.work = Work::Seconds {
        seconds: 3600.0,
        device: Some("v100-sxm2-32gb".to_owned()),
    };
    let w = Workload {
        jobs: vec![j],
        ..Workload::default()
    };
    let run = |deadline_factor| {
        let c = Config {
            deadline_factor,
            ..cfg(Policy::CostAware)
        };
        simulate(&s, &w, &c).expect("runs")
    };
    let cheap = run(None);
    assert_eq!(cheap.jobs[0].pool.as_deref(), Some("old"));
    assert_eq!(cheap.jobs[0].end_s, Some(3600.0));
    let in_time = run(Some(2.0));
    assert_eq!(in_time.jobs[0].pool.as_deref(), Some("new"));
    assert!(in_time.jobs[0].end_s.is_some_and(|e| e < 1000.0));
}

/// Elastic resizing by hand (no serial fraction, so twice the devices is
/// twice the speed; 100 s rounds, 30 s restores): a 4-device job alone on 8
/// devices grows to 8. When a second 4-device job arrives at 1,000 s the
/// first shrinks back to 4 (a restart: 30 s restore) and the newcomer gets
/// the other 4. The first had done 2,000 of its 3,600 device-seconds per
/// device by then, so it ends at 1,000 + 30 + 1,600 s; the second at 4,600 s.
#[test]
fn elastic_grows_alone_and_shrinks_for_a_newcomer() {
    let s = crate::scenario::parse(
        "[[pool]]\nname = \"a\"\ndevice = \"a100-sxm4-80gb\"\nnodes = 1\ndevices_per_node = 8\n[workload]\nformat = \"synthetic\"\njobs = 1\n",
        "eight.toml",
    )
    .unwrap_or_else(|d| panic!("{d}"));
    let c = Config {
        round_s: Some(100.0),
        elastic_serial_fraction: 0.0,
        ..cfg(Policy::Elastic)
    };
    let alone = Workload {
        jobs: vec![job(0, 0.0, 4.0, 3600.0)],
        ..Workload::default()
    };
    let out = simulate(&s, &alone, &c).expect("runs");
    assert_eq!(out.jobs[0].end_s, Some(1800.0));
    assert!((out.jobs[0].busy_device_s - 8.0 * 1800.0).abs() < 1e-6);
    let pair = Workload {
        jobs: vec![job(0, 0.0, 4.0, 3600.0), job(1, 1000.0, 4.0, 3600.0)],
        ..Workload::default()
    };
    let out = simulate(&s, &pair, &c).expect("runs");
    assert_eq!(out.jobs[0].preemptions, 1);
    assert!((out.jobs[0].end_s.expect("ends") - 2630.0).abs() < 1e-6);
    assert_eq!(out.jobs[1].start_s, Some(1000.0));
    // Once the first has finished, the second grows to 8 at the next
    // round (2,700 s) if that makes it at least 10 % faster: it had
    // 1,700 s of work at 4 devices left, 2,070 s after its restore.
    let end = out.jobs[1].end_s.expect("ends");
    assert!(
        (end - (2700.0 + 30.0 + (3600.0 - 1700.0) / 2.0)).abs() < 1e-6,
        "{end}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// Elastic resizing never over-commits a pool, completes every job,
    /// accounts every busy device-second, and reruns identically.
    #[test]
    fn elastic_invariants_hold(w in random_workload(), sigma in 0.0f64..0.5, factor in 1.0f64..4.0) {
        let s = scenario();
        let c = Config { round_s: Some(60.0), elastic_serial_fraction: sigma, elastic_max_factor: factor, ..cfg(Policy::Elastic) };
        let out = simulate(&s, &w, &c).expect("runs");
        prop_assert_eq!(out.result.jobs_completed as usize, w.jobs.len());
        for (u, pool) in out.usage.iter().zip(&s.pools) {
            prop_assert!(u.peak_busy_devices <= pool.devices() as f64 + 1e-9);
        }
        let busy_series: f64 = out.usage.iter().flat_map(|u| &u.buckets).map(|b| b.busy_device_s).sum();
        let busy_jobs: f64 = out.jobs.iter().map(|r| r.busy_device_s).sum();
        prop_assert!((busy_series - busy_jobs).abs() <= 1e-9 * busy_jobs.max(1.0));
        prop_assert_eq!(simulate(&s, &w, &c).expect("again"), out);
    }
}

/// A job training a model preset runs on each pool at the speed the
/// performance model estimates there: recorded at an hour on its first
/// pool (8 V100), it takes as much less on 8 H100 as the planner's
/// estimated step times say, and a heterogeneity-aware FIFO sends it there.
#[test]
fn model_jobs_run_at_the_performance_models_speed() {
    let s = crate::scenario::parse(
        r#"
[[pool]]
name = "v100"
device = "v100-sxm2-32gb"
nodes = 1
[[pool]]
name = "h100"
device = "h100-sxm5-80gb"
nodes = 1
[workload]
format = "synthetic"
jobs = 1
"#,
        "models.toml",
    )
    .unwrap_or_else(|d| panic!("{d}"));
    let mut j = job(0, 0.0, 8.0, 3600.0);
    j.kind = Some("gpt3-350m".to_owned());
    let w = Workload {
        jobs: vec![j],
        ..Workload::default()
    };
    let mut speeds = speed::ModelSpeeds::default();
    let v100 = speeds.step_s(&s, "gpt3-350m", 0, 8.0).expect("plans");
    let h100 = speeds.step_s(&s, "gpt3-350m", 1, 8.0).expect("plans");
    let aware = Config {
        heterogeneity_aware: true,
        ..cfg(Policy::Fifo)
    };
    let out = simulate(&s, &w, &aware).expect("runs");
    assert_eq!(out.jobs[0].pool.as_deref(), Some("h100"));
    let end = out.jobs[0].end_s.expect("ends");
    assert!((end - 3600.0 * h100 / v100).abs() < 1e-6, "{end}");
    // Agnostic: the first pool, at the recorded time.
    let out = simulate(&s, &w, &cfg(Policy::Fifo)).expect("runs");
    assert_eq!(out.jobs[0].end_s, Some(3600.0));
}
