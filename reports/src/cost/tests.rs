use super::*;
use cirrus_sim::result::{
    Breakdown, ClusterJob, ClusterResult, HourUsage, JobResult, PoolUsageSummary,
};

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

fn pool_use(
    pool: &str,
    devices: u64,
    price: f64,
    on_demand: f64,
    spot: f64,
    tdp: f64,
) -> JobPoolUse {
    JobPoolUse {
        pool: pool.to_owned(),
        devices,
        usd_per_device_hour: Some(price),
        on_demand_usd_per_device_hour: Some(on_demand),
        spot_usd_per_device_hour: Some(spot),
        tdp_w: Some(tdp),
    }
}

/// A job on 16 devices at $3/h (on demand; spot $1) and 8 spot devices at
/// $2/h (on demand $6) for 36 hours, training 1e9 tokens.
fn two_pool_result() -> SimResult {
    let job: JobResult = serde_json::from_value(serde_json::json!({
        "name": "j", "devices": 24,
        "parallelism": {"tp": 8, "pp": 1, "dp": 3, "microbatch": 1, "schedule": "1f1b",
                         "virtual_stages": 1, "recompute": "none", "zero": 0, "sequence_parallel": false},
        "step_time_s": 1.0, "tokens_per_s": 1.0, "model_tflops_per_device": 1.0, "mfu": 0.5,
        "memory_gib_per_device": 1.0, "fits_memory": true,
        "breakdown_s": Breakdown::default(), "shares": [],
        "time_to_train_s": 36.0 * 3600.0, "cost_usd": 2304.0, "energy_kwh": 432.0,
        "train_tokens": 1e9,
    }))
    .expect("a JobResult");
    SimResult {
        format_version: 1,
        scenario: "two pools, one job".to_owned(),
        seed: 1,
        jobs: vec![JobResult {
            pools: vec![
                pool_use("a100", 16, 3.0, 3.0, 1.0, 400.0),
                pool_use("h100-spot", 8, 2.0, 6.0, 2.0, 700.0),
            ],
            ..job
        }],
        cluster: None,
    }
}

#[test]
fn job_costs_by_hand() {
    let rows = job_costs(&two_pool_result());
    assert_eq!(rows.len(), 2);
    let (a, h) = (&rows[0], &rows[1]);
    // 16 devices × 36 h = 576 device-h; 8 × 36 = 288.
    assert_eq!(a.device_h, Some(576.0));
    assert_eq!(h.device_h, Some(288.0));
    // At the price paid: 576 × 3 = 1728; 288 × 2 = 576; together the job's 2304.
    assert_eq!(a.cost_usd, Some(1728.0));
    assert_eq!(h.cost_usd, Some(576.0));
    // On demand 576 × 3 + 288 × 6; spot 576 × 1 + 288 × 2.
    assert_eq!(a.on_demand_usd, Some(1728.0));
    assert_eq!(h.on_demand_usd, Some(1728.0));
    assert_eq!(a.spot_usd, Some(576.0));
    assert_eq!(h.spot_usd, Some(576.0));
    // 576 device-h × 0.4 kW; 288 × 0.7.
    assert!(close(a.energy_kwh.expect("energy"), 230.4));
    assert!(close(h.energy_kwh.expect("energy"), 201.6));
    // $2304 for 1000 million tokens.
    assert!(close(a.usd_per_million_tokens.expect("per token"), 2.304));
    assert_eq!(a.time_to_train_h, Some(36.0));
    assert_eq!(a.mfu, Some(0.5));
}

#[test]
fn pool_days_split_the_run_by_day() {
    let days = pool_days(&two_pool_result());
    let got: Vec<(&str, u64, f64)> = days
        .iter()
        .map(|d| (d.pool.as_str(), d.day, d.busy_device_h))
        .collect();
    // 36 h = a full day and half of the next.
    assert_eq!(
        got,
        [
            ("a100", 0, 384.0),
            ("a100", 1, 192.0),
            ("h100-spot", 0, 192.0),
            ("h100-spot", 1, 96.0)
        ]
    );
    assert!(days.iter().all(|d| d.held_device_h == d.busy_device_h
        && d.idle_device_h == 0.0
        && d.failed_device_h == 0.0
        && d.utilization() == Some(1.0)));
    assert_eq!(days[1].start_s, 86_400.0);
    assert_eq!(days[1].cost_usd(), 576.0);
    assert_eq!(days[3].on_demand_usd(), Some(576.0));
}

#[test]
fn scenario_totals_by_hand() {
    let csv = scenario_csv(&two_pool_result()).expect("in memory");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], SCENARIO_HEADER);
    // held 864 device-h, cost 2304, on demand 3456, spot 1152, energy 432, 36 h.
    assert_eq!(
        lines[1],
        "\"two pools, one job\",1,864,864,0,0,1,2304,3456,1152,432,36"
    );
    assert_eq!(lines.len(), 2);
}

fn hours(held: f64, busy: &[f64], down: &[f64]) -> Vec<HourUsage> {
    busy.iter()
        .zip(down)
        .map(|(&b, &d)| HourUsage {
            busy_device_h: b,
            held_device_h: held,
            down_device_h: d,
        })
        .collect()
}

/// Two pools over 26 hours: 8 devices at $2/h (no spot price), and 4
/// spot devices at $1/h (on demand $5).
fn cluster_result() -> SimResult {
    let mut busy = vec![4.0; 26];
    busy[25] = 2.0;
    let mut down = vec![0.0; 26];
    down[3] = 1.5;
    let pools = vec![
        PoolUsageSummary {
            name: "a".to_owned(),
            held_device_h: 208.0,
            busy_device_h: 102.0,
            down_device_h: 1.5,
            utilization: 102.0 / 208.0,
            cost_usd: 416.0,
            usd_per_device_hour: Some(2.0),
            on_demand_usd_per_device_hour: Some(2.0),
            spot_usd_per_device_hour: None,
            tdp_w: Some(400.0),
            start_s: 100.0,
            hours: hours(8.0, &busy, &down),
        },
        PoolUsageSummary {
            name: "b".to_owned(),
            held_device_h: 104.0,
            busy_device_h: 0.0,
            down_device_h: 0.0,
            utilization: 0.0,
            cost_usd: 104.0,
            usd_per_device_hour: Some(1.0),
            on_demand_usd_per_device_hour: Some(5.0),
            spot_usd_per_device_hour: Some(1.0),
            tdp_w: None,
            start_s: 100.0,
            hours: hours(4.0, &[0.0; 26], &[0.0; 26]),
        },
    ];
    SimResult {
        format_version: 1,
        scenario: "cluster".to_owned(),
        seed: 3,
        jobs: Vec::new(),
        cluster: Some(ClusterResult {
            makespan_s: 26.0 * 3600.0,
            energy_kwh: 40.8,
            cost_usd: 520.0,
            pools,
            job_records: vec![
                ClusterJob {
                    id: "j1".to_owned(),
                    arrival_s: 100.0,
                    start_s: Some(100.0),
                    end_s: Some(100.0 + 7200.0),
                    devices: 4.0,
                    pool: Some("a".to_owned()),
                    busy_device_h: 8.0,
                },
                ClusterJob {
                    id: "never".to_owned(),
                    arrival_s: 200.0,
                    ..ClusterJob::default()
                },
            ],
            ..ClusterResult::default()
        }),
    }
}

#[test]
fn cluster_days_by_hand() {
    let days = pool_days(&cluster_result());
    assert_eq!(days.len(), 4);
    let a0 = &days[0];
    // Day 0 of pool a: 24 hours × 8 held, × 4 busy, 1.5 down.
    assert_eq!(
        (a0.held_device_h, a0.busy_device_h, a0.failed_device_h),
        (192.0, 96.0, 1.5)
    );
    assert_eq!(a0.idle_device_h, 94.5);
    assert_eq!(a0.utilization(), Some(0.5));
    assert_eq!(a0.cost_usd(), 384.0);
    assert_eq!(a0.spot_usd(), None);
    // Day 1: hours 24 and 25.
    let a1 = &days[1];
    assert_eq!((a1.held_device_h, a1.busy_device_h), (16.0, 6.0));
    assert_eq!(a1.start_s, 100.0 + 86_400.0);
    let b0 = &days[2];
    assert_eq!(
        (b0.cost_usd(), b0.on_demand_usd(), b0.spot_usd()),
        (96.0, Some(480.0), Some(96.0))
    );
}

#[test]
fn cluster_job_rows_by_hand() {
    let rows = job_costs(&cluster_result());
    // The job that never ran has no row.
    assert_eq!(rows.len(), 1);
    let j = &rows[0];
    assert_eq!(
        (j.job.as_str(), j.pool.as_str(), j.devices),
        ("j1", "a", 4.0)
    );
    assert_eq!(j.device_h, Some(8.0));
    assert_eq!(j.cost_usd, Some(16.0));
    assert_eq!(j.spot_usd, None);
    assert!(close(j.energy_kwh.expect("energy"), 3.2));
    assert_eq!(j.time_to_train_h, Some(2.0));
    let csv = jobs_csv(&cluster_result()).expect("in memory");
    assert_eq!(csv.lines().nth(1), Some("j1,a,4,8,2,2,,16,16,,3.2,2,,,"));
}

/// Σ device-hours × price = the cost reported, per pool and in total.
fn assert_costs_add_up(r: &SimResult) {
    let days = pool_days(r);
    let mut pools: Vec<&str> = days.iter().map(|d| d.pool.as_str()).collect();
    pools.dedup();
    assert!(!pools.is_empty());
    let mut total = 0.0;
    for pool in &pools {
        let of: Vec<&PoolDay> = days.iter().filter(|d| d.pool == *pool).collect();
        let held: f64 = of.iter().map(|d| d.held_device_h).sum();
        let price = of[0].usd_per_device_h.unwrap_or(0.0);
        let cost: f64 = of.iter().map(|d| d.cost_usd()).sum();
        assert!(
            close(cost, held * price),
            "{pool}: {cost} vs {held} × {price}"
        );
        if let Some(c) = &r.cluster {
            let summary = c.pools.iter().find(|p| p.name == *pool).expect("the pool");
            assert!(
                close(cost, summary.cost_usd),
                "{pool}: {cost} vs {}",
                summary.cost_usd
            );
            assert!(close(held, summary.held_device_h));
        }
        total += cost;
    }
    if let Some(c) = &r.cluster {
        assert!(close(total, c.cost_usd), "{total} vs {}", c.cost_usd);
    }
    for j in &r.jobs {
        let rows: Vec<JobPoolCost> = job_costs(r)
            .into_iter()
            .filter(|c| c.job == j.name)
            .collect();
        let cost: f64 = rows
            .iter()
            .map(|c| c.device_h.unwrap_or(0.0) * c.usd_per_device_h.unwrap_or(0.0))
            .sum();
        let energy: f64 = rows.iter().filter_map(|c| c.energy_kwh).sum();
        assert!(
            close(cost, j.cost_usd.expect("a cost")),
            "{cost} vs {:?}",
            j.cost_usd
        );
        assert!(close(energy, j.energy_kwh.expect("energy")));
    }
    let scenario = scenario_csv(r).expect("in memory");
    let cells: Vec<&str> = scenario
        .lines()
        .nth(1)
        .expect("a row")
        .rsplit(',')
        .collect();
    // cost_usd is the 5th column from the end.
    let reported: f64 = cells[4].parse().expect("a number");
    assert!(close(reported, total), "{reported} vs {total}");
}

#[test]
fn costs_add_up_by_hand() {
    assert_costs_add_up(&two_pool_result());
    assert_costs_add_up(&cluster_result());
}

fn fixture(path: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(path)
}

/// The quickstart scenario, simulated at event level.
pub(crate) fn quickstart() -> SimResult {
    let s = cirrus_sim::scenario::load(&fixture("scenarios/quickstart.toml")).expect("valid");
    cirrus_sim::stepsim::simulate(&s, s.seed, cirrus_sim::stepsim::Method::Event)
        .expect("simulated")
}

/// The reports' cluster fixture, simulated.
pub(crate) fn small_cluster() -> SimResult {
    let s = cirrus_sim::scenario::load(&fixture("tests/fixtures/reports/small-cluster.toml"))
        .expect("valid");
    let spec = s.workload.as_ref().expect("a workload");
    let w = cirrus_sim::workload::load(spec, s.seed, Default::default()).expect("generated");
    let cfg = cirrus_sim::cluster::config(&s).expect("a config");
    let out = cirrus_sim::cluster::simulate(&s, &w, &cfg).expect("simulated");
    SimResult {
        format_version: 1,
        scenario: s.name.clone(),
        seed: s.seed,
        jobs: Vec::new(),
        cluster: Some(out.detailed_result()),
    }
}

#[test]
fn costs_add_up_on_simulations() {
    assert_costs_add_up(&quickstart());
    assert_costs_add_up(&small_cluster());
}

#[test]
fn golden_quickstart() {
    let r = quickstart();
    insta::assert_snapshot!("quickstart_cost_jobs", jobs_csv(&r).expect("csv"));
    insta::assert_snapshot!("quickstart_cost_pool_days", pool_days_csv(&r).expect("csv"));
    insta::assert_snapshot!("quickstart_cost_scenario", scenario_csv(&r).expect("csv"));
}

#[test]
fn golden_small_cluster() {
    let r = small_cluster();
    insta::assert_snapshot!("cluster_cost_jobs", jobs_csv(&r).expect("csv"));
    insta::assert_snapshot!("cluster_cost_pool_days", pool_days_csv(&r).expect("csv"));
    insta::assert_snapshot!("cluster_cost_scenario", scenario_csv(&r).expect("csv"));
}
