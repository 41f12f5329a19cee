//! The dashboard's tabs: a leaf every other module may name.

/// The dashboard's tabs, in the order Tab cycles through them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tab {
    /// Pick a scenario file; see its summary or its problems.
    Scenarios,
    /// The loaded scenario's results.
    Overview,
    /// Pools and nodes as heat maps of utilisation over simulated time,
    /// with failures, preemptions and autoscaling marked; queue length.
    Cluster,
    /// A cluster simulation's jobs, sortable and filterable.
    Queue,
    /// Gantt charts: one training step per worker, or the cluster's
    /// schedule per node.
    Timeline,
    /// The planner's best configuration, per-node shares and Pareto front.
    Plan,
    /// Edit the main knobs, rerun, and compare with the baseline.
    WhatIf,
    /// A plan running on this machine's executor: per-worker step times
    /// and the loss curve.
    Executor,
}

impl Tab {
    /// Every tab, in order.
    pub const ALL: [Tab; 8] = [
        Tab::Scenarios,
        Tab::Overview,
        Tab::Cluster,
        Tab::Queue,
        Tab::Timeline,
        Tab::Plan,
        Tab::WhatIf,
        Tab::Executor,
    ];

    /// The tab's title.
    pub fn title(self) -> &'static str {
        match self {
            Tab::Scenarios => "Scenarios",
            Tab::Overview => "Overview",
            Tab::Cluster => "Cluster",
            Tab::Queue => "Queue",
            Tab::Timeline => "Timeline",
            Tab::Plan => "Plan",
            Tab::WhatIf => "What-if",
            Tab::Executor => "Executor",
        }
    }

    /// Its position in [`Tab::ALL`].
    pub fn index(self) -> usize {
        Tab::ALL.iter().position(|&t| t == self).unwrap_or(0)
    }

    /// The tab `step` places after this one (negative: before), wrapping.
    pub fn offset(self, step: isize) -> Tab {
        let n = Tab::ALL.len() as isize;
        Tab::ALL[(self.index() as isize + step).rem_euclid(n) as usize]
    }
}
