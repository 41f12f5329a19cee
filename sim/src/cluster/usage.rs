//! Pool usage over simulated time: device-seconds busy (held by jobs), held
//! (paid for) and down (failed or revoked nodes) per pool, integrated as the
//! levels change into buckets of [`BUCKET_S`] from the run's start, so a
//! report can chart utilisation per pool per hour or per day.

/// Length of one usage bucket: an hour of simulated time.
pub const BUCKET_S: f64 = 3600.0;

/// Device-seconds of one pool in one bucket.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct UsageBucket {
    /// Held by running jobs (fractions counted).
    pub busy_device_s: f64,
    /// Held by the pool (what it pays for).
    pub held_device_s: f64,
    /// On failed or revoked nodes.
    pub down_device_s: f64,
}

/// One pool's usage: bucket `k` covers `[start_s + k·BUCKET_S, start_s + (k+1)·BUCKET_S)`,
/// the last one cut at the end of the run.
#[derive(Debug, Clone, PartialEq)]
pub struct PoolUsage {
    /// Pool name.
    pub pool: String,
    /// Start of the first bucket (the run's first arrival), s.
    pub start_s: f64,
    /// Buckets in time order.
    pub buckets: Vec<UsageBucket>,
    /// Most devices busy at any instant (never above the pool's size).
    pub peak_busy_devices: f64,
}

/// What changed in a pool: device deltas of each level.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Delta {
    pub busy: f64,
    pub held: f64,
    pub down: f64,
}

#[derive(Debug, Clone)]
struct Level {
    busy: f64,
    held: f64,
    down: f64,
    /// Integrated up to here.
    since: f64,
    buckets: Vec<UsageBucket>,
    /// Past the run's end: nothing more is counted.
    closed: bool,
    peak_busy: f64,
}

/// Integrates every pool's levels over time.
#[derive(Debug, Clone)]
pub(super) struct Tracker {
    start: f64,
    pools: Vec<Level>,
    /// The last job has finished.
    ended: bool,
}

impl Tracker {
    /// Starts at `start` with each pool holding `held[p]` devices.
    pub fn new(start: f64, held: &[f64]) -> Self {
        Self {
            start,
            pools: held
                .iter()
                .map(|&h| Level {
                    busy: 0.0,
                    held: h,
                    down: 0.0,
                    since: start,
                    buckets: Vec::new(),
                    closed: false,
                    peak_busy: 0.0,
                })
                .collect(),
            ended: false,
        }
    }

    /// Integrates pool `p` up to `t`.
    fn advance(&mut self, p: usize, t: f64) {
        let start = self.start;
        let l = &mut self.pools[p];
        while l.since < t {
            let k = ((l.since - start) / BUCKET_S).floor().max(0.0) as usize;
            let bucket_end = start + (k + 1) as f64 * BUCKET_S;
            let until = t.min(bucket_end);
            let dt = until - l.since;
            if l.buckets.len() <= k {
                l.buckets.resize(k + 1, UsageBucket::default());
            }
            let b = &mut l.buckets[k];
            b.busy_device_s += l.busy * dt;
            b.held_device_s += l.held * dt;
            b.down_device_s += l.down * dt;
            // Guard against a bucket edge that rounding puts at `since`.
            l.since = if until > l.since { until } else { t };
        }
    }

    /// Pool `p`'s levels change by `d` at `t` (ignored once the pool is
    /// closed). A pool draining after the run's end closes when it holds
    /// nothing more.
    pub fn change(&mut self, p: usize, t: f64, d: Delta) {
        if self.pools[p].closed {
            return;
        }
        let t = t.max(self.start);
        self.advance(p, t);
        let l = &mut self.pools[p];
        l.busy += d.busy;
        l.held += d.held;
        l.down += d.down;
        l.peak_busy = l.peak_busy.max(l.busy);
        if self.ended && l.held <= 1e-9 {
            l.closed = true;
        }
    }

    /// The last job has finished at `end`: every pool is integrated up to
    /// it; pool `p` then pays only for the `draining[p]` devices it will
    /// still release (an autoscaled pool's idle nodes, billed until their
    /// idle window ends) and closes when they are gone.
    pub fn end_run(&mut self, end: f64, draining: &[f64]) {
        if self.ended {
            return;
        }
        self.ended = true;
        let end = end.max(self.start);
        for p in 0..self.pools.len() {
            self.advance(p, end);
            let l = &mut self.pools[p];
            l.busy = 0.0;
            l.down = 0.0;
            l.held = draining.get(p).copied().unwrap_or(0.0);
            l.closed = l.held <= 1e-9;
        }
    }

    /// Every pool's buckets (`names` in pool order). Without an end (no job
    /// finished), the run ends at `end`; a pool still draining stops at its
    /// last release.
    pub fn finish(mut self, end: f64, names: &[String]) -> Vec<PoolUsage> {
        if !self.ended {
            self.end_run(end, &[]);
        }
        let start = self.start;
        self.pools
            .into_iter()
            .zip(names)
            .map(|(l, name)| PoolUsage {
                pool: name.clone(),
                start_s: start,
                buckets: l.buckets,
                peak_busy_devices: l.peak_busy,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_integrate_into_hour_buckets() {
        // Pool of 8 devices from t = 100; 2 busy from 1000 s to 5000 s;
        // a node of 4 down from 3000 s to 3600 s + 100 s; the run ends at 7300 s.
        let mut t = Tracker::new(100.0, &[8.0]);
        let busy = |b| Delta {
            busy: b,
            ..Delta::default()
        };
        let down = |d| Delta {
            down: d,
            ..Delta::default()
        };
        t.change(0, 1000.0, busy(2.0));
        t.change(0, 3000.0, down(4.0));
        t.change(0, 3700.0, down(-4.0));
        t.change(0, 5000.0, busy(-2.0));
        let u = t.finish(7300.0, &["a".to_owned()]);
        let b = &u[0].buckets;
        assert_eq!(b.len(), 2);
        // Bucket 0: [100, 3700): busy 2 × 2700, down 4 × 700, held 8 × 3600.
        assert!((b[0].busy_device_s - 5400.0).abs() < 1e-9);
        assert!((b[0].down_device_s - 2800.0).abs() < 1e-9);
        assert!((b[0].held_device_s - 28800.0).abs() < 1e-9);
        // Bucket 1: [3700, 7300): busy 2 × 1300.
        assert!((b[1].busy_device_s - 2600.0).abs() < 1e-9);
        assert!((b[1].down_device_s).abs() < 1e-9);
        let total: f64 = b.iter().map(|x| x.held_device_s).sum();
        assert!((total - 8.0 * 7200.0).abs() < 1e-9);
    }

    #[test]
    fn after_the_end_only_draining_devices_count() {
        // Two pools of 4: the first fixed, the second autoscaled with 2
        // devices to release after the end (at 20 s and 40 s).
        let mut t = Tracker::new(0.0, &[4.0, 4.0]);
        t.end_run(10.0, &[0.0, 2.0]);
        let held = |d| Delta {
            held: d,
            ..Delta::default()
        };
        t.change(0, 20.0, held(-4.0));
        t.change(1, 20.0, held(-1.0));
        t.change(1, 40.0, held(-1.0));
        t.change(1, 50.0, held(1.0));
        let u = t.finish(60.0, &["a".to_owned(), "b".to_owned()]);
        let total = |p: usize| u[p].buckets.iter().map(|b| b.held_device_s).sum::<f64>();
        assert!((total(0) - 40.0).abs() < 1e-12);
        assert!((total(1) - (40.0 + 2.0 * 10.0 + 20.0)).abs() < 1e-12);
    }
}
