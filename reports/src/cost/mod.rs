//! Cost reports for capacity planning, from a SimResult: per job and pool
//! (device-hours, USD at the price paid, on demand and spot, energy, time
//! to train, USD per million tokens, MFU), per pool per simulated day
//! (held, busy, idle and failed device-hours, utilisation, cost), and per
//! scenario (totals).
//!
//! Prices: a pool pays its spot price when it is a spot pool, else its
//! on-demand price; an unknown price counts as 0, as in the simulator's
//! own cost. The `on_demand_usd` and `spot_usd` columns price the same
//! device-hours at each tariff (empty when that price is unknown).

use crate::ReportError;
use crate::csv::{document, number};
use cirrus_sim::result::{JobPoolUse, SimResult};

/// Columns of [`jobs_csv`], in order.
pub const JOBS_HEADER: &str = "job,pool,devices,device_h,usd_per_device_h,on_demand_usd_per_device_h,spot_usd_per_device_h,cost_usd,on_demand_usd,spot_usd,energy_kwh,time_to_train_h,train_tokens,usd_per_million_tokens,mfu";

/// Columns of [`pool_days_csv`], in order.
pub const POOL_DAYS_HEADER: &str = "pool,day,start_s,held_device_h,busy_device_h,idle_device_h,failed_device_h,utilization,usd_per_device_h,cost_usd,on_demand_usd,spot_usd";

/// Columns of [`scenario_csv`], in order.
pub const SCENARIO_HEADER: &str = "scenario,seed,held_device_h,busy_device_h,idle_device_h,failed_device_h,utilization,cost_usd,on_demand_usd,spot_usd,energy_kwh,time_h";

/// Seconds in a simulated day.
const DAY_S: f64 = 86_400.0;

/// One job's use of one pool, priced.
#[derive(Debug, Clone, PartialEq)]
pub struct JobPoolCost {
    /// Job name (or id, in a cluster run).
    pub job: String,
    /// Pool name.
    pub pool: String,
    /// Devices the job holds there.
    pub devices: f64,
    /// Device-hours there (`None`: no time to train without `train_tokens`).
    pub device_h: Option<f64>,
    /// The price paid per device-hour, USD.
    pub usd_per_device_h: Option<f64>,
    /// On-demand price per device-hour, USD.
    pub on_demand_usd_per_device_h: Option<f64>,
    /// Spot price per device-hour, USD.
    pub spot_usd_per_device_h: Option<f64>,
    /// Device-hours × the price paid (unknown price: 0), USD.
    pub cost_usd: Option<f64>,
    /// Device-hours × the on-demand price, USD.
    pub on_demand_usd: Option<f64>,
    /// Device-hours × the spot price, USD.
    pub spot_usd: Option<f64>,
    /// Device-hours × board power, kWh (unknown power: 0).
    pub energy_kwh: Option<f64>,
    /// The job's time to train (a cluster job: its completion time), h.
    pub time_to_train_h: Option<f64>,
    /// Tokens the job trains on.
    pub train_tokens: Option<f64>,
    /// The job's whole cost per million training tokens, USD.
    pub usd_per_million_tokens: Option<f64>,
    /// The job's model FLOPs utilisation.
    pub mfu: Option<f64>,
}

/// One pool's device-hours and cost in one simulated day.
#[derive(Debug, Clone, PartialEq)]
pub struct PoolDay {
    /// Pool name.
    pub pool: String,
    /// Day index from the run's start.
    pub day: u64,
    /// The day's start, s (a cluster run: from the trace's origin).
    pub start_s: f64,
    /// Device-hours the pool held (paid for).
    pub held_device_h: f64,
    /// Device-hours jobs ran.
    pub busy_device_h: f64,
    /// Device-hours held but neither busy nor failed.
    pub idle_device_h: f64,
    /// Device-hours on failed or revoked nodes.
    pub failed_device_h: f64,
    /// The price paid per device-hour, USD.
    pub usd_per_device_h: Option<f64>,
    /// On-demand price per device-hour, USD.
    pub on_demand_usd_per_device_h: Option<f64>,
    /// Spot price per device-hour, USD.
    pub spot_usd_per_device_h: Option<f64>,
}

impl PoolDay {
    /// Busy over held (`None` when nothing was held).
    pub fn utilization(&self) -> Option<f64> {
        (self.held_device_h > 0.0).then(|| self.busy_device_h / self.held_device_h)
    }

    /// Held device-hours × the price paid (unknown price: 0), USD.
    pub fn cost_usd(&self) -> f64 {
        self.held_device_h * self.usd_per_device_h.unwrap_or(0.0)
    }

    /// Held device-hours × the on-demand price, USD.
    pub fn on_demand_usd(&self) -> Option<f64> {
        self.on_demand_usd_per_device_h
            .map(|p| self.held_device_h * p)
    }

    /// Held device-hours × the spot price, USD.
    pub fn spot_usd(&self) -> Option<f64> {
        self.spot_usd_per_device_h.map(|p| self.held_device_h * p)
    }
}

fn priced(job: &str, u: &JobPoolUse, device_h: Option<f64>) -> JobPoolCost {
    JobPoolCost {
        job: job.to_owned(),
        pool: u.pool.clone(),
        devices: u.devices as f64,
        device_h,
        usd_per_device_h: u.usd_per_device_hour,
        on_demand_usd_per_device_h: u.on_demand_usd_per_device_hour,
        spot_usd_per_device_h: u.spot_usd_per_device_hour,
        cost_usd: device_h.map(|h| h * u.usd_per_device_hour.unwrap_or(0.0)),
        on_demand_usd: device_h
            .zip(u.on_demand_usd_per_device_hour)
            .map(|(h, p)| h * p),
        spot_usd: device_h.zip(u.spot_usd_per_device_hour).map(|(h, p)| h * p),
        energy_kwh: device_h.map(|h| h * u.tdp_w.unwrap_or(0.0) / 1000.0),
        time_to_train_h: None,
        train_tokens: None,
        usd_per_million_tokens: None,
        mfu: None,
    }
}

/// Every job's use of every pool it runs on, priced: a training job's
/// devices for its time to train; in a cluster run, each job's busy
/// device-hours on the pool it ran on last (jobs that never ran are left
/// out).
pub fn job_costs(r: &SimResult) -> Vec<JobPoolCost> {
    let mut out = Vec::new();
    for j in &r.jobs {
        let hours = j.time_to_train_s.map(|t| t / 3600.0);
        let per_mtok = j
            .cost_usd
            .zip(j.train_tokens)
            .filter(|(_, t)| *t > 0.0)
            .map(|(c, t)| c / (t / 1e6));
        for u in &j.pools {
            out.push(JobPoolCost {
                time_to_train_h: hours,
                train_tokens: j.train_tokens,
                usd_per_million_tokens: per_mtok,
                mfu: Some(j.mfu),
                ..priced(&j.name, u, hours.map(|h| h * u.devices as f64))
            });
        }
    }
    if let Some(c) = &r.cluster {
        for rec in &c.job_records {
            let Some(pool) = rec.pool.as_deref() else {
                continue;
            };
            let p = c.pools.iter().find(|p| p.name == pool);
            let u = JobPoolUse {
                pool: pool.to_owned(),
                devices: 0,
                usd_per_device_hour: p.and_then(|p| p.usd_per_device_hour),
                on_demand_usd_per_device_hour: p.and_then(|p| p.on_demand_usd_per_device_hour),
                spot_usd_per_device_hour: p.and_then(|p| p.spot_usd_per_device_hour),
                tdp_w: p.and_then(|p| p.tdp_w),
            };
            out.push(JobPoolCost {
                devices: rec.devices,
                time_to_train_h: rec.end_s.map(|e| (e - rec.arrival_s) / 3600.0),
                ..priced(&rec.id, &u, Some(rec.busy_device_h))
            });
        }
    }
    out
}

/// Every pool's device-hours per simulated day. A cluster run: its hourly
/// usage summed into days from the first arrival. Training jobs: each job
/// holds its devices from 0 to its time to train (only while training:
/// held = busy, nothing idle or failed), summed per pool over jobs.
pub fn pool_days(r: &SimResult) -> Vec<PoolDay> {
    let mut out = Vec::new();
    if let Some(c) = &r.cluster {
        for p in &c.pools {
            for (day, hours) in p.hours.chunks(24).enumerate() {
                let held: f64 = hours.iter().map(|h| h.held_device_h).sum();
                let busy: f64 = hours.iter().map(|h| h.busy_device_h).sum();
                let failed: f64 = hours.iter().map(|h| h.down_device_h).sum();
                out.push(PoolDay {
                    pool: p.name.clone(),
                    day: day as u64,
                    start_s: p.start_s + day as f64 * DAY_S,
                    held_device_h: held,
                    busy_device_h: busy,
                    idle_device_h: (held - busy - failed).max(0.0),
                    failed_device_h: failed,
                    usd_per_device_h: p.usd_per_device_hour,
                    on_demand_usd_per_device_h: p.on_demand_usd_per_device_hour,
                    spot_usd_per_device_h: p.spot_usd_per_device_hour,
                });
            }
        }
    }
    let mut pools: Vec<(&JobPoolUse, Vec<f64>)> = Vec::new();
    for j in &r.jobs {
        let Some(t) = j.time_to_train_s else {
            continue;
        };
        let days = (t / DAY_S).ceil().max(1.0) as usize;
        for u in &j.pools {
            let i = match pools.iter().position(|(p, _)| p.pool == u.pool) {
                Some(i) => i,
                None => {
                    pools.push((u, Vec::new()));
                    pools.len() - 1
                }
            };
            let busy = &mut pools[i].1;
            if busy.len() < days {
                busy.resize(days, 0.0);
            }
            for (d, b) in busy.iter_mut().enumerate().take(days) {
                let secs = (t - d as f64 * DAY_S).clamp(0.0, DAY_S);
                *b += u.devices as f64 * secs / 3600.0;
            }
        }
    }
    for (u, busy) in pools {
        for (day, b) in busy.into_iter().enumerate() {
            out.push(PoolDay {
                pool: u.pool.clone(),
                day: day as u64,
                start_s: day as f64 * DAY_S,
                held_device_h: b,
                busy_device_h: b,
                idle_device_h: 0.0,
                failed_device_h: 0.0,
                usd_per_device_h: u.usd_per_device_hour,
                on_demand_usd_per_device_h: u.on_demand_usd_per_device_hour,
                spot_usd_per_device_h: u.spot_usd_per_device_hour,
            });
        }
    }
    out
}

/// The per-job cost CSV ([`JOBS_HEADER`]), one row per job and pool.
pub fn jobs_csv(r: &SimResult) -> Result<String, ReportError> {
    let header: Vec<&str> = JOBS_HEADER.split(',').collect();
    document(
        &header,
        job_costs(r).into_iter().map(|c| {
            vec![
                c.job,
                c.pool,
                number(Some(c.devices)),
                number(c.device_h),
                number(c.usd_per_device_h),
                number(c.on_demand_usd_per_device_h),
                number(c.spot_usd_per_device_h),
                number(c.cost_usd),
                number(c.on_demand_usd),
                number(c.spot_usd),
                number(c.energy_kwh),
                number(c.time_to_train_h),
                number(c.train_tokens),
                number(c.usd_per_million_tokens),
                number(c.mfu),
            ]
        }),
    )
}

/// The per-pool, per-day CSV ([`POOL_DAYS_HEADER`]), pools in order, days
/// in time order.
pub fn pool_days_csv(r: &SimResult) -> Result<String, ReportError> {
    let header: Vec<&str> = POOL_DAYS_HEADER.split(',').collect();
    document(
        &header,
        pool_days(r).into_iter().map(|d| {
            vec![
                d.pool.clone(),
                d.day.to_string(),
                number(Some(d.start_s)),
                number(Some(d.held_device_h)),
                number(Some(d.busy_device_h)),
                number(Some(d.idle_device_h)),
                number(Some(d.failed_device_h)),
                number(d.utilization()),
                number(d.usd_per_device_h),
                number(Some(d.cost_usd())),
                number(d.on_demand_usd()),
                number(d.spot_usd()),
            ]
        }),
    )
}

/// The scenario's totals ([`SCENARIO_HEADER`]): one row, summing the
/// pool-days; energy from the jobs (a cluster run: busy device-hours at
/// board power); time is the longest time to train, or a cluster run's
/// makespan.
pub fn scenario_csv(r: &SimResult) -> Result<String, ReportError> {
    let days = pool_days(r);
    let sum = |f: &dyn Fn(&PoolDay) -> f64| days.iter().map(f).sum::<f64>();
    let all = |f: &dyn Fn(&PoolDay) -> Option<f64>| {
        days.iter()
            .map(f)
            .try_fold(0.0, |acc, x| x.map(|x| acc + x))
    };
    let held = sum(&|d| d.held_device_h);
    let busy = sum(&|d| d.busy_device_h);
    let energy = match &r.cluster {
        Some(c) => Some(c.energy_kwh),
        None => r
            .jobs
            .iter()
            .map(|j| j.energy_kwh)
            .try_fold(0.0, |acc, x| x.map(|x| acc + x)),
    };
    let time_s = match &r.cluster {
        Some(c) => Some(c.makespan_s),
        None => r
            .jobs
            .iter()
            .filter_map(|j| j.time_to_train_s)
            .reduce(f64::max),
    };
    let header: Vec<&str> = SCENARIO_HEADER.split(',').collect();
    document(
        &header,
        [vec![
            r.scenario.clone(),
            r.seed.to_string(),
            number(Some(held)),
            number(Some(busy)),
            number(Some(sum(&|d| d.idle_device_h))),
            number(Some(sum(&|d| d.failed_device_h))),
            number((held > 0.0).then(|| busy / held)),
            number(Some(sum(&|d| d.cost_usd()))),
            number(all(&|d| d.on_demand_usd())),
            number(all(&|d| d.spot_usd())),
            number(energy),
            number(time_s.map(|t| t / 3600.0)),
        ]],
    )
}

#[cfg(test)]
pub(crate) mod tests;
