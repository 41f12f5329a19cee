//! Elastic, goodput-driven resizing in the manner of Pollux (Qiao et al.,
//! OSDI 2021): every round the policy decides how many devices each job
//! holds, between one device and `elastic_max_factor` times what it asked
//! for, to maximise the sum of the logarithms of the jobs' speedups
//! (proportional fairness), and resizes running jobs (each resize is a
//! checkpoint-restore, paying `restore_s`).
//!
//! A job recorded at `d` devices runs at `S(n) / S(d)` of its recorded
//! speed on `n`, with `S(n) = n / (1 + σ (n − 1))` (Amdahl's law with serial
//! fraction σ = `elastic_serial_fraction`, standing in for both the
//! communication overhead and the statistical efficiency Pollux measures per
//! job). Without per-application profiles σ is one number for every job: an
//! assumption the scenario states. Jobs on a fraction of a device are not
//! resized.

use super::policy::{View, preferred_pool};
use super::{Config, Decision};
use std::collections::{BTreeMap, BinaryHeap};

/// Speedup on `n` devices with serial fraction `sigma`.
pub(super) fn speedup(n: f64, sigma: f64) -> f64 {
    if n <= 0.0 {
        return 0.0;
    }
    if n < 1.0 {
        return n;
    }
    n / (1.0 + sigma * (n - 1.0))
}

/// Speed of job `j` on `n` devices relative to its recorded size `d`.
pub(super) fn relative_speed(n: f64, d: f64, sigma: f64) -> f64 {
    let base = speedup(d, sigma);
    if base <= 0.0 {
        return 1.0;
    }
    speedup(n, sigma) / base
}

/// A job's claim on one more device: relative gain in log-speedup.
#[derive(Debug, PartialEq)]
struct Claim {
    gain: f64,
    job: usize,
}

impl Eq for Claim {}

impl PartialOrd for Claim {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Claim {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        // Larger gain first; ties to the earlier job.
        self.gain
            .total_cmp(&other.gain)
            .then(other.job.cmp(&self.job))
    }
}

/// The decisions of a round (a running job holds `live[j].size` devices).
pub(super) fn decide(cfg: Config, view: &View<'_>, active: &[usize]) -> Vec<Decision> {
    let (jobs, live, devices) = (view.jobs, view.live, view.devices);
    let sigma = cfg.elastic_serial_fraction;
    let pools = devices.len();
    // Everything running could be resized: count its devices as free.
    let mut room: Vec<f64> = (0..pools).map(|p| devices.free(p)).collect();
    for &j in active {
        if let Some((p, ..)) = &live[j].running {
            room[*p] += live[j].size;
        }
    }
    // Admission in arrival order: each job its smallest size, on the pool
    // it runs on or the one it prefers among those with room.
    let mut plan: BTreeMap<usize, (usize, f64)> = BTreeMap::new();
    for &j in active {
        let asked = jobs[j].devices;
        let least = if asked < 1.0 { asked } else { 1.0 };
        let pool = match &live[j].running {
            Some((p, ..)) => Some(*p),
            None => {
                let fits = (0..pools).filter(|&p| room[p] + 1e-9 >= least);
                preferred_pool(cfg, &live[j], fits)
            }
        };
        if let Some(p) = pool
            && room[p] + 1e-9 >= least
        {
            room[p] -= least;
            plan.insert(j, (p, least));
        }
    }
    // Growth: one device at a time to the job that gains most.
    let mut heap = BinaryHeap::new();
    let claim = |j: usize, n: f64| Claim {
        gain: (speedup(n + 1.0, sigma) / speedup(n, sigma)).ln(),
        job: j,
    };
    let limit = |j: usize| (jobs[j].devices * cfg.elastic_max_factor).floor().max(1.0);
    for (&j, &(_, n)) in &plan {
        if jobs[j].devices >= 1.0 && n + 1.0 <= limit(j) {
            heap.push(claim(j, n));
        }
    }
    while let Some(Claim { job: j, .. }) = heap.pop() {
        let Some(entry) = plan.get_mut(&j) else {
            continue;
        };
        let (p, n) = *entry;
        if room[p] + 1e-9 < 1.0 {
            continue;
        }
        room[p] -= 1.0;
        entry.1 = n + 1.0;
        if n + 2.0 <= limit(j) {
            heap.push(claim(j, n + 1.0));
        }
    }
    // Running jobs keep their size unless it changes by a device or more;
    // growing must make the job at least 10 % faster to be worth a restart.
    let mut stops = Vec::new();
    let mut starts = Vec::new();
    for &j in active {
        let planned = plan.get(&j).copied();
        match (&live[j].running, planned) {
            (Some(_), None) => stops.push(Decision::Preempt { job: j }),
            (Some((p, ..)), Some((q, n))) => {
                let now = live[j].size;
                let worth = n < now || speedup(n, sigma) >= 1.1 * speedup(now, sigma);
                if (*p != q || (n - now).abs() > 1e-9) && worth {
                    stops.push(Decision::Preempt { job: j });
                    starts.push(Decision::StartSized {
                        job: j,
                        pool: q,
                        devices: n,
                    });
                }
            }
            (None, Some((q, n))) => starts.push(Decision::StartSized {
                job: j,
                pool: q,
                devices: n,
            }),
            (None, None) => {}
        }
    }
    stops.extend(starts);
    stops
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amdahl_speedup_known_values() {
        assert_eq!(speedup(1.0, 0.05), 1.0);
        // 4 devices, 5 % serial: 4 / 1.15.
        assert!((speedup(4.0, 0.05) - 4.0 / 1.15).abs() < 1e-12);
        assert!((relative_speed(8.0, 4.0, 0.0) - 2.0).abs() < 1e-12);
        assert_eq!(speedup(0.5, 0.05), 0.5);
    }
}
