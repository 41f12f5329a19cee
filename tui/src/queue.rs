//! The Queue tab's table: which of a cluster simulation's jobs are shown,
//! in which order. Sorting and filtering happen here, once per change, so
//! drawing only reads the rows on screen.

use cirrus_sim::cluster::JobRecord;
use std::cmp::Ordering;

/// A column the queue can be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    /// Arrival time (the trace's order).
    Arrival,
    /// Job id.
    Id,
    /// Seconds waiting before the first start.
    Wait,
    /// Job completion time (arrival to end).
    Jct,
    /// Devices held.
    Devices,
    /// Pool it ran on last.
    Pool,
}

impl SortKey {
    /// Every key, in the order `s` cycles through them.
    pub const ALL: [SortKey; 6] = [
        SortKey::Arrival,
        SortKey::Id,
        SortKey::Wait,
        SortKey::Jct,
        SortKey::Devices,
        SortKey::Pool,
    ];

    /// The column's heading.
    pub fn title(self) -> &'static str {
        match self {
            SortKey::Arrival => "arrival",
            SortKey::Id => "job",
            SortKey::Wait => "wait",
            SortKey::Jct => "JCT",
            SortKey::Devices => "devices",
            SortKey::Pool => "pool",
        }
    }

    /// The next key, wrapping.
    pub fn next(self) -> SortKey {
        let i = SortKey::ALL.iter().position(|&k| k == self).unwrap_or(0);
        SortKey::ALL[(i + 1) % SortKey::ALL.len()]
    }
}

/// What became of a job, in a word.
pub fn state(r: &JobRecord) -> &'static str {
    if r.rejected.is_some() {
        "rejected"
    } else if r.end_s.is_some() {
        "done"
    } else if r.start_s.is_some() {
        "unfinished"
    } else {
        "never ran"
    }
}

/// Seconds from arrival to first start.
pub fn wait_s(r: &JobRecord) -> Option<f64> {
    r.start_s.map(|s| s - r.arrival_s)
}

/// Seconds from arrival to completion.
pub fn jct_s(r: &JobRecord) -> Option<f64> {
    r.end_s.map(|e| e - r.arrival_s)
}

/// The Queue tab's state.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueView {
    /// The sort column.
    pub sort: SortKey,
    /// Largest first.
    pub descending: bool,
    /// Only jobs whose id, pool or state contains this text (case-insensitive).
    pub filter: String,
    /// Indexes of the shown jobs, in display order.
    pub rows: Vec<usize>,
    /// The highlighted row (an index into `rows`).
    pub selected: usize,
    /// The number of the latest sort requested (see
    /// [`crate::Effect::SortQueue`]); rows of an older one are dropped.
    pub generation: u64,
    /// Whether the rows shown are not yet those of the latest request.
    pub sorting: bool,
}

/// What the queue's rows are computed from: a copy of the view's sort
/// column, order and filter, sent to the sorting thread.
#[derive(Debug, Clone, PartialEq)]
pub struct Order {
    /// The sort column.
    pub sort: SortKey,
    /// Largest first.
    pub descending: bool,
    /// Only jobs whose id, pool or state contains this text.
    pub filter: String,
}

impl Default for QueueView {
    fn default() -> Self {
        QueueView {
            sort: SortKey::Arrival,
            descending: false,
            filter: String::new(),
            rows: Vec::new(),
            selected: 0,
            generation: 0,
            sorting: false,
        }
    }
}

/// Missing values (never started, never finished) count as the largest.
fn by_option(a: Option<f64>, b: Option<f64>) -> Ordering {
    match (a, b) {
        (Some(x), Some(y)) => x.total_cmp(&y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

impl QueueView {
    /// The sort column, order and filter, for [`Order::rows`].
    pub fn order(&self) -> Order {
        Order {
            sort: self.sort,
            descending: self.descending,
            filter: self.filter.clone(),
        }
    }

    /// Shows `rows`, keeping the selection in range.
    pub fn show(&mut self, rows: Vec<usize>) {
        self.rows = rows;
        self.selected = self.selected.min(self.rows.len().saturating_sub(1));
    }

    /// Recomputes the shown rows from `jobs` at once (see [`Order::rows`]).
    pub fn rebuild(&mut self, jobs: &[JobRecord]) {
        let rows = self.order().rows(jobs);
        self.show(rows);
    }
}

impl Order {
    /// The shown rows of `jobs` (filter, then sort). Ties keep the
    /// trace's order.
    pub fn rows(&self, jobs: &[JobRecord]) -> Vec<usize> {
        let needle = self.filter.to_lowercase();
        let mut rows: Vec<usize> = (0..jobs.len())
            .filter(|&i| {
                let r = &jobs[i];
                needle.is_empty()
                    || r.id.to_lowercase().contains(&needle)
                    || r.pool
                        .as_deref()
                        .is_some_and(|p| p.to_lowercase().contains(&needle))
                    || state(r).contains(&needle)
            })
            .collect();
        let key = self.sort;
        let cmp = |a: &usize, b: &usize| {
            let (x, y) = (&jobs[*a], &jobs[*b]);
            match key {
                SortKey::Arrival => x.arrival_s.total_cmp(&y.arrival_s),
                SortKey::Id => x.id.cmp(&y.id),
                SortKey::Wait => by_option(wait_s(x), wait_s(y)),
                SortKey::Jct => by_option(jct_s(x), jct_s(y)),
                SortKey::Devices => x.devices.total_cmp(&y.devices),
                SortKey::Pool => x.pool.cmp(&y.pool),
            }
        };
        if self.descending {
            rows.sort_by(|a, b| cmp(b, a).then(a.cmp(b)));
        } else {
            rows.sort_by(|a, b| cmp(a, b).then(a.cmp(b)));
        }
        rows
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(
        id: &str,
        arrival: f64,
        start: Option<f64>,
        end: Option<f64>,
        pool: &str,
    ) -> JobRecord {
        JobRecord {
            id: id.to_owned(),
            arrival_s: arrival,
            start_s: start,
            end_s: end,
            devices: 1.0,
            busy_device_s: 0.0,
            preemptions: 0,
            restore_s: 0.0,
            failures: 0,
            lost_device_s: 0.0,
            rejected: None,
            pool: Some(pool.to_owned()),
            ftf_rho: None,
        }
    }

    fn jobs() -> Vec<JobRecord> {
        vec![
            record("b", 0.0, Some(10.0), Some(100.0), "v100"),
            record("a", 5.0, Some(5.0), Some(50.0), "k80"),
            record("c", 7.0, None, None, "v100"),
        ]
    }

    #[test]
    fn sorts_by_each_key_with_missing_values_last() {
        let mut q = QueueView::default();
        q.rebuild(&jobs());
        assert_eq!(q.rows, [0, 1, 2]);
        q.sort = SortKey::Id;
        q.rebuild(&jobs());
        assert_eq!(q.rows, [1, 0, 2]);
        q.sort = SortKey::Wait;
        q.rebuild(&jobs());
        assert_eq!(q.rows, [1, 0, 2]);
        q.descending = true;
        q.rebuild(&jobs());
        assert_eq!(q.rows, [2, 0, 1], "descending puts missing first");
        q.sort = SortKey::Jct;
        q.descending = false;
        q.rebuild(&jobs());
        assert_eq!(q.rows, [1, 0, 2]);
    }

    #[test]
    fn filter_matches_id_pool_or_state_and_clamps_the_selection() {
        let mut q = QueueView {
            selected: 2,
            filter: "V100".to_owned(),
            ..QueueView::default()
        };
        q.rebuild(&jobs());
        assert_eq!(q.rows, [0, 2]);
        assert_eq!(q.selected, 1);
        q.filter = "never".to_owned();
        q.rebuild(&jobs());
        assert_eq!(q.rows, [2]);
        q.filter = "zzz".to_owned();
        q.rebuild(&jobs());
        assert!(q.rows.is_empty());
        assert_eq!(q.selected, 0);
    }

    #[test]
    fn sort_keys_cycle() {
        let mut k = SortKey::Arrival;
        for _ in 0..SortKey::ALL.len() {
            k = k.next();
        }
        assert_eq!(k, SortKey::Arrival);
    }
}
