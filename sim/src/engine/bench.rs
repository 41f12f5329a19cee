//! A throughput benchmark of the engine: the classic "hold" model.
//!
//! The queue is filled with [`HOLD_QUEUE_SIZE`] events; each handled event
//! schedules exactly one more at a uniformly random delay, so the queue size
//! stays constant and every event costs one pop, one push, one handler call
//! and one random draw. This measures the engine, not any domain model.

use super::queue::EventQueue;
use super::rng::RngStreams;
use super::runner::{Engine, Model, Scheduler};
use super::time::{SimDuration, SimTime};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use std::time::Instant;

/// Pending events kept in the queue during the hold benchmark.
pub const HOLD_QUEUE_SIZE: usize = 10_000;

/// Longest delay, in nanoseconds, between an event and the one it schedules.
const MAX_DELAY_NS: u64 = 1_000_000;

/// Each event schedules one more at a random future time, until `remaining`
/// reaches zero.
struct Hold {
    rng: ChaCha8Rng,
    remaining: u64,
}

impl Model for Hold {
    type Event = u32;

    fn handle(&mut self, _now: SimTime, event: u32, sched: &mut Scheduler<'_, u32>) {
        self.remaining -= 1;
        if self.remaining == 0 {
            sched.stop();
            return;
        }
        let delay = self.rng.random_range(1..=MAX_DELAY_NS);
        sched.schedule_in(SimDuration(delay), event.wrapping_add(1));
    }
}

/// Runs the hold model for `events` events (at least one) with a queue of
/// [`HOLD_QUEUE_SIZE`] pending events and returns the events handled per
/// second of wall-clock time. Setting up the initial queue is not timed.
/// Deterministic in what it simulates; only the timing varies between runs.
pub fn benchmark_events_per_second(events: u64) -> f64 {
    let events = events.max(1);
    let mut rng = RngStreams::new(0).stream("engine.bench.hold");
    let mut engine = Engine::with_queue(EventQueue::with_capacity(HOLD_QUEUE_SIZE + 1));
    {
        let mut sched = engine.scheduler();
        for i in 0..HOLD_QUEUE_SIZE {
            let at = SimTime(rng.random_range(0..=MAX_DELAY_NS));
            sched.schedule_at(at, i as u32);
        }
    }
    let mut model = Hold {
        rng,
        remaining: events,
    };
    let start = Instant::now();
    let stats = engine.run(&mut model);
    let secs = start.elapsed().as_secs_f64();
    debug_assert_eq!(stats.events, events);
    stats.events as f64 / secs.max(1e-9)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hold_runs_the_requested_number_of_events() {
        // Checks that it runs and returns a positive rate; the figure itself
        // is machine-dependent and not asserted.
        let rate = benchmark_events_per_second(20_000);
        assert!(rate.is_finite() && rate > 0.0);
        assert!(benchmark_events_per_second(0) > 0.0);
    }
}
