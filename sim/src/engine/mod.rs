//! The domain-free discrete-event engine: simulated time, the pending-event
//! queue, the loop that drives a model, and named random streams.
//!
//! It knows nothing of GPUs, jobs or networks; the training-step simulation
//! and the cluster scheduler are [`Model`]s built on it (as dslab's crates
//! build on SimCore).
//!
//! ```text
//!            schedule_at / schedule_in / cancel
//!    ┌──────────────── Scheduler ◄────────────────┐
//!    ▼                                            │
//! EventQueue ──pop (time, seq)──► Engine ──handle(now, event)──► Model
//!  (BinaryHeap, FIFO on ties,                                (domain state,
//!   lazy cancellation, clock)                     RngStreams::stream("name"))
//! ```
//!
//! Guarantees:
//!
//! - Time is an integer count of nanoseconds ([`SimTime`], [`SimDuration`]);
//!   the clock never goes backwards.
//! - Events pop in (time, sequence) order: equal times pop in the order they
//!   were scheduled, so runs are reproducible without tie-breaking rules in
//!   models.
//! - Cancelled events never reach the model.
//! - Each consumer of randomness gets its own [`RngStreams::stream`], so
//!   adding one shifts no other.
//!
//! ```
//! use cirrus_sim::engine::{Engine, Model, RngStreams, Scheduler, SimDuration, SimTime};
//! use rand::RngExt;
//!
//! /// Jobs arrive at random and each takes 1 s.
//! struct Arrivals { rng: rand_chacha::ChaCha8Rng, done: u32 }
//! enum Ev { Arrive, Finish }
//! impl Model for Arrivals {
//!     type Event = Ev;
//!     fn handle(&mut self, _now: SimTime, ev: Ev, sched: &mut Scheduler<'_, Ev>) {
//!         match ev {
//!             Ev::Arrive => {
//!                 sched.schedule_in(SimDuration::from_secs(1), Ev::Finish);
//!                 let gap = self.rng.random_range(1..=500);
//!                 sched.schedule_in(SimDuration::from_millis(gap), Ev::Arrive);
//!             }
//!             Ev::Finish => self.done += 1,
//!         }
//!     }
//! }
//!
//! let streams = RngStreams::new(42);
//! let mut model = Arrivals { rng: streams.stream("arrivals"), done: 0 };
//! let mut engine = Engine::new();
//! engine.scheduler().schedule_at(SimTime::ZERO, Ev::Arrive);
//! engine.run_until(&mut model, SimTime::from_secs_f64(60.0));
//! assert!(model.done > 0);
//! assert!(engine.now() <= SimTime::from_secs_f64(60.0));
//! ```

mod bench;
mod queue;
mod rng;
mod runner;
mod time;

pub use bench::{HOLD_QUEUE_SIZE, benchmark_events_per_second};
pub use queue::{EventId, EventQueue};
pub use rng::{RngStreams, stream_key};

/// A 64-bit content hash (FNV-1a 64) of `bytes`: what an output set's
/// manifest records of each file, a sweep CSV's identity line of the
/// scenario and the grid, and a checkpoint's last 8 bytes of the rest.
pub fn content_hash(bytes: &[u8]) -> u64 {
    rng::fnv1a(rng::FNV_OFFSET, bytes)
}
pub use runner::{Engine, Model, RunStats, Scheduler};
pub use time::{SimDuration, SimTime};
