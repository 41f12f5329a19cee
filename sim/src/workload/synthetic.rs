//! A seeded workload generator: arrivals (Poisson or bursty), run times
//! (log-normal or Weibull), device counts, models and device-type
//! restrictions drawn from statrs distributions with the `"synthetic"`
//! stream of [`RngStreams`].
//!
//! Same spec and seed ⇒ the same workload, bit for bit.

use super::{TraceJob, Work, Workload, WorkloadError};
use crate::engine::RngStreams;
use rand::RngExt;
use rand::distr::Distribution;
use rand_chacha::ChaCha8Rng;
use statrs::distribution::{Categorical, Exp, LogNormal, Weibull};

/// How jobs arrive.
#[derive(Debug, Clone, PartialEq)]
pub enum Arrival {
    /// A Poisson process: exponential gaps with this mean (seconds).
    Poisson {
        /// Mean gap between arrivals, seconds.
        mean_interarrival_s: f64,
    },
    /// Bursts: a two-phase hyperexponential with the same mean. Each gap is,
    /// with even odds, short (mean `mean / burst_factor`) or long (mean
    /// `mean · (2 − 1 / burst_factor)`); `burst_factor` 1 is Poisson.
    Bursty {
        /// Mean gap between arrivals, seconds.
        mean_interarrival_s: f64,
        /// How much shorter gaps inside a burst are (≥ 1).
        burst_factor: f64,
    },
}

/// How long jobs run (recorded run time, seconds).
#[derive(Debug, Clone, PartialEq)]
pub enum Duration {
    /// Log-normal: `median_s · e^(sigma · Z)`, Z standard normal.
    LogNormal {
        /// Median run time, seconds.
        median_s: f64,
        /// Standard deviation of the log of the run time.
        sigma: f64,
    },
    /// Weibull: `scale_s · (−ln(1 − U))^(1 / shape)`.
    Weibull {
        /// Scale, seconds.
        scale_s: f64,
        /// Shape (< 1: heavy tail).
        shape: f64,
    },
}

/// What to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntheticSpec {
    /// Number of jobs.
    pub jobs: usize,
    /// Arrival process.
    pub arrival: Arrival,
    /// Run-time distribution.
    pub duration: Duration,
    /// Device counts and their weights (`(devices, weight)`); empty: 1
    /// device each. Weights need not sum to 1; non-positive ones are never
    /// drawn.
    pub devices: Vec<(f64, f64)>,
    /// Job kinds and their weights; empty: no kind.
    pub kinds: Vec<(String, f64)>,
    /// Device types a job may be restricted to (a pool name or device id;
    /// `None`: any pool) and their weights. Empty: no job is restricted, and
    /// nothing is drawn (so adding the first type changes the stream).
    pub device_types: Vec<(Option<String>, f64)>,
}

/// The generator's distributions (statrs), built once per spec.
struct Sampler {
    /// Gap between arrivals: one exponential (Poisson), or a short and a
    /// long one drawn with even odds (bursty).
    gaps: Vec<Exp>,
    duration: RunTime,
    devices: Option<Categorical>,
    kinds: Option<Categorical>,
    device_types: Option<Categorical>,
}

enum RunTime {
    LogNormal(LogNormal),
    Weibull(Weibull),
}

/// Why a spec cannot be sampled (a parameter out of range).
fn bad(what: &str, e: impl std::fmt::Display) -> WorkloadError {
    WorkloadError::Format {
        file: "synthetic workload".to_owned(),
        message: format!("{what}: {e}"),
    }
}

/// A categorical distribution over `weights` (non-positive ones never
/// drawn), or `None` when none is positive (then nothing is drawn at all).
fn categorical(weights: impl Iterator<Item = f64>) -> Result<Option<Categorical>, WorkloadError> {
    let w: Vec<f64> = weights.map(|w| w.max(0.0)).collect();
    let total: f64 = w.iter().sum();
    if total <= 0.0 || !total.is_finite() {
        return Ok(None);
    }
    Categorical::new(&w)
        .map(Some)
        .map_err(|e| bad("weights", e))
}

impl Sampler {
    fn new(spec: &SyntheticSpec) -> Result<Self, WorkloadError> {
        let exp = |mean: f64| Exp::new(1.0 / mean).map_err(|e| bad("mean gap between arrivals", e));
        let gaps = match spec.arrival {
            Arrival::Poisson {
                mean_interarrival_s,
            } => vec![exp(mean_interarrival_s)?],
            Arrival::Bursty {
                mean_interarrival_s,
                burst_factor,
            } => {
                let b = burst_factor.max(1.0);
                vec![
                    exp(mean_interarrival_s / b)?,
                    exp(mean_interarrival_s * (2.0 - 1.0 / b))?,
                ]
            }
        };
        let duration = match spec.duration {
            Duration::LogNormal { median_s, sigma } => RunTime::LogNormal(
                LogNormal::new(median_s.ln(), sigma).map_err(|e| bad("log-normal run times", e))?,
            ),
            Duration::Weibull { scale_s, shape } => RunTime::Weibull(
                Weibull::new(shape, scale_s).map_err(|e| bad("Weibull run times", e))?,
            ),
        };
        Ok(Self {
            gaps,
            duration,
            devices: categorical(spec.devices.iter().map(|d| d.1))?,
            kinds: categorical(spec.kinds.iter().map(|k| k.1))?,
            device_types: categorical(spec.device_types.iter().map(|t| t.1))?,
        })
    }

    fn gap(&self, rng: &mut ChaCha8Rng) -> f64 {
        match self.gaps.as_slice() {
            [one] => one.sample(rng),
            [short, long] => {
                if rng.random::<f64>() < 0.5 {
                    short.sample(rng)
                } else {
                    long.sample(rng)
                }
            }
            _ => 0.0,
        }
    }

    fn run_time(&self, rng: &mut ChaCha8Rng) -> f64 {
        match &self.duration {
            RunTime::LogNormal(d) => d.sample(rng),
            RunTime::Weibull(d) => d.sample(rng),
        }
    }
}

/// An index drawn from `dist`, if there is one.
fn pick(dist: Option<&Categorical>, rng: &mut ChaCha8Rng) -> Option<usize> {
    dist.map(|d| Distribution::<usize>::sample(d, rng))
}

/// Generates `spec.jobs` jobs (ids `syn-000000`, …; the first arrives at 0)
/// from `seed`; an error when a distribution's parameters are out of range.
pub fn generate(spec: &SyntheticSpec, seed: u64) -> Result<Workload, WorkloadError> {
    let sampler = Sampler::new(spec)?;
    let mut rng = RngStreams::new(seed).stream("synthetic");
    let mut t = 0.0;
    let mut jobs = Vec::with_capacity(spec.jobs);
    for i in 0..spec.jobs {
        if i > 0 {
            t += sampler.gap(&mut rng);
        }
        let seconds = sampler.run_time(&mut rng);
        let devices = pick(sampler.devices.as_ref(), &mut rng)
            .and_then(|k| spec.devices.get(k))
            .map_or(1.0, |d| d.0);
        let kind = pick(sampler.kinds.as_ref(), &mut rng)
            .and_then(|k| spec.kinds.get(k))
            .map(|k| k.0.clone());
        let device_types = pick(sampler.device_types.as_ref(), &mut rng)
            .and_then(|k| spec.device_types.get(k))
            .and_then(|t| t.0.clone())
            .map_or_else(Vec::new, |t| vec![t]);
        jobs.push(TraceJob {
            id: format!("syn-{i:06}"),
            arrival_s: t,
            devices,
            device_types,
            work: Work::Seconds {
                seconds,
                device: None,
            },
            kind,
            scale_factor: 1,
            priority: 1.0,
            user: None,
        });
    }
    let mut w = Workload {
        jobs,
        throughputs: None,
        skipped_rows: 0,
    };
    w.normalise(None);
    Ok(w)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(spec: &SyntheticSpec, seed: u64) -> Workload {
        generate(spec, seed).expect("valid spec")
    }

    fn spec(jobs: usize, arrival: Arrival, duration: Duration) -> SyntheticSpec {
        SyntheticSpec {
            jobs,
            arrival,
            duration,
            devices: vec![(1.0, 0.6), (2.0, 0.25), (8.0, 0.15)],
            kinds: vec![("resnet".into(), 1.0), ("bert".into(), 3.0)],
            device_types: Vec::new(),
        }
    }

    fn poisson() -> Arrival {
        Arrival::Poisson {
            mean_interarrival_s: 120.0,
        }
    }

    fn lognormal() -> Duration {
        Duration::LogNormal {
            median_s: 3600.0,
            sigma: 1.2,
        }
    }

    fn seconds(j: &TraceJob) -> f64 {
        match j.work {
            Work::Seconds { seconds, .. } => seconds,
            Work::Steps { .. } => f64::NAN,
        }
    }

    fn mean_gap(w: &Workload) -> f64 {
        let n = w.jobs.len();
        (w.jobs[n - 1].arrival_s - w.jobs[0].arrival_s) / (n - 1) as f64
    }

    #[test]
    fn same_seed_same_workload_other_seed_differs() {
        let s = spec(500, poisson(), lognormal());
        let a = sample(&s, 42);
        assert_eq!(a, sample(&s, 42));
        assert_ne!(a, sample(&s, 43));
        assert_eq!(a.jobs.len(), 500);
        assert_eq!(a.jobs[0].arrival_s, 0.0);
        assert!(a.jobs.windows(2).all(|p| p[0].arrival_s <= p[1].arrival_s));
    }

    #[test]
    fn poisson_and_bursty_mean_interarrival_within_5_percent() {
        for arrival in [
            poisson(),
            Arrival::Bursty {
                mean_interarrival_s: 120.0,
                burst_factor: 8.0,
            },
        ] {
            let w = sample(&spec(20_000, arrival.clone(), lognormal()), 7);
            let m = mean_gap(&w);
            assert!((m / 120.0 - 1.0).abs() < 0.05, "{arrival:?}: mean gap {m}");
        }
    }

    #[test]
    fn bursty_gaps_vary_more_than_poisson() {
        let cv = |w: &Workload| {
            let gaps: Vec<f64> = w
                .jobs
                .windows(2)
                .map(|p| p[1].arrival_s - p[0].arrival_s)
                .collect();
            let m = gaps.iter().sum::<f64>() / gaps.len() as f64;
            let v = gaps.iter().map(|g| (g - m).powi(2)).sum::<f64>() / gaps.len() as f64;
            v.sqrt() / m
        };
        let p = sample(&spec(20_000, poisson(), lognormal()), 3);
        let b = sample(
            &spec(
                20_000,
                Arrival::Bursty {
                    mean_interarrival_s: 120.0,
                    burst_factor: 8.0,
                },
                lognormal(),
            ),
            3,
        );
        assert!((cv(&p) - 1.0).abs() < 0.05, "Poisson CV {}", cv(&p));
        assert!(cv(&b) > 1.2, "bursty CV {}", cv(&b));
    }

    #[test]
    fn lognormal_median_within_5_percent() {
        let w = sample(&spec(20_000, poisson(), lognormal()), 11);
        let mut d: Vec<f64> = w.jobs.iter().map(seconds).collect();
        d.sort_by(f64::total_cmp);
        let median = d[d.len() / 2];
        assert!((median / 3600.0 - 1.0).abs() < 0.05, "median {median}");
    }

    #[test]
    fn weibull_median_matches_closed_form() {
        // Weibull median = scale · (ln 2)^(1/shape).
        let w = sample(
            &spec(
                20_000,
                poisson(),
                Duration::Weibull {
                    scale_s: 1000.0,
                    shape: 0.7,
                },
            ),
            5,
        );
        let mut d: Vec<f64> = w.jobs.iter().map(seconds).collect();
        d.sort_by(f64::total_cmp);
        let expect = 1000.0 * std::f64::consts::LN_2.powf(1.0 / 0.7);
        let median = d[d.len() / 2];
        assert!(
            (median / expect - 1.0).abs() < 0.05,
            "median {median} vs {expect}"
        );
    }

    #[test]
    fn device_and_kind_mix_within_2_percent() {
        let w = sample(&spec(20_000, poisson(), lognormal()), 9);
        let n = w.jobs.len() as f64;
        for (devices, share) in [(1.0, 0.6), (2.0, 0.25), (8.0, 0.15)] {
            let got = w.jobs.iter().filter(|j| j.devices == devices).count() as f64 / n;
            assert!((got - share).abs() < 0.02, "{devices} devices: {got}");
        }
        let bert = w
            .jobs
            .iter()
            .filter(|j| j.kind.as_deref() == Some("bert"))
            .count() as f64
            / n;
        assert!((bert - 0.75).abs() < 0.02, "bert share {bert}");
    }

    #[test]
    fn device_type_mix_within_2_percent_and_any_is_unrestricted() {
        let s = SyntheticSpec {
            device_types: vec![
                (None, 0.5),
                (Some("t4".into()), 0.3),
                (Some("v100".into()), 0.2),
                (Some("never".into()), 0.0),
            ],
            ..spec(20_000, poisson(), lognormal())
        };
        let w = sample(&s, 4);
        let n = w.jobs.len() as f64;
        let share =
            |f: &dyn Fn(&TraceJob) -> bool| w.jobs.iter().filter(|j| f(j)).count() as f64 / n;
        let any = share(&|j| j.device_types.is_empty());
        let t4 = share(&|j| j.device_types == ["t4"]);
        let v100 = share(&|j| j.device_types == ["v100"]);
        assert!((any - 0.5).abs() < 0.02, "any {any}");
        assert!((t4 - 0.3).abs() < 0.02, "t4 {t4}");
        assert!((v100 - 0.2).abs() < 0.02, "v100 {v100}");
        assert!(
            (any + t4 + v100 - 1.0).abs() < 1e-12,
            "a zero weight is never drawn"
        );
    }

    #[test]
    fn no_device_types_draws_nothing_more() {
        // The arrivals, durations and sizes stay those of a spec without
        // types: the type draw only happens when types are given.
        let plain = sample(&spec(300, poisson(), lognormal()), 8);
        let typed = sample(
            &SyntheticSpec {
                device_types: vec![(Some("t4".into()), 1.0)],
                ..spec(300, poisson(), lognormal())
            },
            8,
        );
        assert_eq!(
            plain.jobs[0],
            TraceJob {
                device_types: Vec::new(),
                ..typed.jobs[0].clone()
            }
        );
        assert_ne!(plain.jobs[1].arrival_s, typed.jobs[1].arrival_s);
    }

    #[test]
    fn empty_mixes_default_to_one_device_and_no_kind() {
        let s = SyntheticSpec {
            devices: vec![],
            kinds: vec![],
            ..spec(10, poisson(), lognormal())
        };
        let w = sample(&s, 1);
        assert!(w.jobs.iter().all(|j| j.devices == 1.0 && j.kind.is_none()));
        assert!(w.jobs.iter().all(|j| j.device_types.is_empty()));
    }
}
