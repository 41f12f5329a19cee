//! How a step's work is split over data-parallel replicas: the batch split
//! ([`Split`]) and the largest-remainder apportionment of whole units in
//! proportion to speed. Shared by the analytic estimate, the event-level
//! step simulation and the planner, so it imports none of them.

/// How the global batch is split over data-parallel replicas.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Split {
    /// In proportion to each replica's speed (batch share and learning-rate
    /// weight `c_i / C`): mixed hardware finishes together.
    Proportional,
    /// The same number of micro-batches for every replica (what a framework
    /// unaware of the hardware does): faster replicas wait.
    Equal,
}

/// Splits `units` of work over replicas in proportion to `speeds`: floors,
/// then the largest remainders (earlier replicas first on ties).
pub(crate) fn apportion(units: u64, speeds: &[f64]) -> Vec<u64> {
    let total: f64 = speeds.iter().sum();
    let ideal: Vec<f64> = speeds.iter().map(|s| units as f64 * s / total).collect();
    let mut out: Vec<u64> = ideal.iter().map(|x| x.floor() as u64).collect();
    let mut left = units.saturating_sub(out.iter().sum());
    let mut order: Vec<usize> = (0..speeds.len()).collect();
    order.sort_by(|&a, &b| {
        (ideal[b] - ideal[b].floor())
            .total_cmp(&(ideal[a] - ideal[a].floor()))
            .then(a.cmp(&b))
    });
    for i in order {
        if left == 0 {
            break;
        }
        out[i] += 1;
        left -= 1;
    }
    out
}
