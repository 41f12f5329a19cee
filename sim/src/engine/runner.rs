//! The driver: a [`Model`] handles events, a [`Scheduler`] is what a
//! handler may do, and the [`Engine`] pops events in order and hands them
//! over.

use super::queue::{EventId, EventQueue};
use super::time::{SimDuration, SimTime};

/// A simulation model driven by the engine.
///
/// The model owns all domain state; the engine owns only the clock and the
/// pending events. Each call handles one event at `now` and may schedule or
/// cancel further events through `sched`.
pub trait Model {
    /// The events this model reacts to.
    type Event;

    /// Reacts to `event`, which fires at `now` (equal to `sched.now()`).
    fn handle(&mut self, now: SimTime, event: Self::Event, sched: &mut Scheduler<'_, Self::Event>);
}

/// What a handler can do: schedule and cancel events, read the time, and
/// ask the engine to stop.
pub struct Scheduler<'q, E> {
    queue: &'q mut EventQueue<E>,
    stop_requested: bool,
}

impl<'q, E> Scheduler<'q, E> {
    fn new(queue: &'q mut EventQueue<E>) -> Self {
        Scheduler {
            queue,
            stop_requested: false,
        }
    }

    /// The current simulated time.
    pub fn now(&self) -> SimTime {
        self.queue.now()
    }

    /// Schedules `event` at `at`; see [`EventQueue::schedule_at`] for times
    /// in the past.
    pub fn schedule_at(&mut self, at: SimTime, event: E) -> EventId {
        self.queue.schedule_at(at, event)
    }

    /// Schedules `event` `delay` from now.
    pub fn schedule_in(&mut self, delay: SimDuration, event: E) -> EventId {
        self.queue.schedule_in(delay, event)
    }

    /// Sets aside `n` sequence numbers; see [`EventQueue::reserve`].
    pub fn reserve(&mut self, n: u64) -> u64 {
        self.queue.reserve(n)
    }

    /// Schedules `event` under a reserved sequence number; see
    /// [`EventQueue::schedule_reserved`].
    pub fn schedule_reserved(&mut self, at: SimTime, seq: u64, event: E) -> EventId {
        self.queue.schedule_reserved(at, seq, event)
    }

    /// Cancels a pending event; `true` if it was pending.
    pub fn cancel(&mut self, id: EventId) -> bool {
        self.queue.cancel(id)
    }

    /// Whether the event is still pending.
    pub fn is_pending(&self, id: EventId) -> bool {
        self.queue.is_pending(id)
    }

    /// The number of pending events.
    pub fn pending(&self) -> usize {
        self.queue.len()
    }

    /// Asks the engine to return after the current event; pending events
    /// stay queued, and a later `run` resumes with them.
    pub fn stop(&mut self) {
        self.stop_requested = true;
    }
}

/// What one call to [`Engine::run`] or [`Engine::run_until`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RunStats {
    /// Events handled during this call.
    pub events: u64,
    /// The simulated time when the call returned (the time of the last
    /// event handled, or the clock as it was if none was).
    pub end: SimTime,
}

/// Runs a model: pops events in order and hands them to the model.
///
/// ```
/// use cirrus_sim::engine::{Engine, Model, Scheduler, SimDuration, SimTime};
///
/// /// Ticks every millisecond, five times.
/// struct Ticker { ticks: u32 }
/// impl Model for Ticker {
///     type Event = ();
///     fn handle(&mut self, _now: SimTime, _: (), sched: &mut Scheduler<'_, ()>) {
///         self.ticks += 1;
///         if self.ticks < 5 {
///             sched.schedule_in(SimDuration::from_millis(1), ());
///         }
///     }
/// }
///
/// let mut engine = Engine::new();
/// engine.scheduler().schedule_at(SimTime::ZERO, ());
/// let mut model = Ticker { ticks: 0 };
/// let stats = engine.run(&mut model);
/// assert_eq!((model.ticks, stats.events), (5, 5));
/// assert_eq!(stats.end, SimTime::from_secs_f64(0.004));
/// ```
#[derive(Debug)]
pub struct Engine<E> {
    queue: EventQueue<E>,
}

impl<E> Default for Engine<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> Engine<E> {
    /// An engine with no pending events and the clock at zero.
    pub fn new() -> Self {
        Engine {
            queue: EventQueue::new(),
        }
    }

    /// An engine around an existing queue (e.g. one with a reserved capacity).
    pub fn with_queue(queue: EventQueue<E>) -> Self {
        Engine { queue }
    }

    /// A scheduler outside any handler, to seed initial events.
    pub fn scheduler(&mut self) -> Scheduler<'_, E> {
        Scheduler::new(&mut self.queue)
    }

    /// The pending events, for inspection.
    pub fn queue(&self) -> &EventQueue<E> {
        &self.queue
    }

    /// The current simulated time.
    pub fn now(&self) -> SimTime {
        self.queue.now()
    }

    /// Handles events until none is pending or a handler calls
    /// [`Scheduler::stop`].
    pub fn run<M: Model<Event = E>>(&mut self, model: &mut M) -> RunStats {
        self.run_until(model, SimTime::MAX)
    }

    /// Handles events at times `<= until`, then returns; events after
    /// `until` stay queued. Also returns early when a handler calls
    /// [`Scheduler::stop`]. The clock is left at the last handled event, not
    /// moved to `until`.
    pub fn run_until<M: Model<Event = E>>(&mut self, model: &mut M, until: SimTime) -> RunStats {
        let mut events = 0;
        while let Some(next) = self.queue.peek_time() {
            if next > until {
                break;
            }
            let Some((now, _, event)) = self.queue.pop() else {
                break;
            };
            events += 1;
            let mut sched = Scheduler::new(&mut self.queue);
            model.handle(now, event, &mut sched);
            if sched.stop_requested {
                break;
            }
        }
        RunStats {
            events,
            end: self.queue.now(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records what it sees; reacts to a few scripted events.
    #[derive(Default)]
    struct Recorder {
        seen: Vec<(u64, Ev)>,
        pending_cancel: Option<EventId>,
    }

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Ev {
        /// Schedules `Child` 10 ns later and `Doomed` 20 ns later.
        Spawn,
        Child,
        /// Cancels the pending `Doomed`.
        Cancel,
        Doomed,
        Stop,
        Plain(u32),
    }

    impl Model for Recorder {
        type Event = Ev;
        fn handle(&mut self, now: SimTime, event: Ev, sched: &mut Scheduler<'_, Ev>) {
            assert_eq!(now, sched.now());
            self.seen.push((now.nanos(), event));
            match event {
                Ev::Spawn => {
                    sched.schedule_in(SimDuration(10), Ev::Child);
                    self.pending_cancel =
                        Some(sched.schedule_at(now + SimDuration(20), Ev::Doomed));
                }
                Ev::Cancel => {
                    if let Some(id) = self.pending_cancel.take() {
                        assert!(sched.cancel(id));
                        assert!(!sched.is_pending(id));
                    }
                }
                Ev::Stop => sched.stop(),
                Ev::Child | Ev::Doomed | Ev::Plain(_) => {}
            }
        }
    }

    #[test]
    fn handlers_schedule_and_cancel() {
        let mut engine = Engine::new();
        let mut s = engine.scheduler();
        s.schedule_at(SimTime(100), Ev::Spawn);
        s.schedule_at(SimTime(115), Ev::Cancel);
        let mut model = Recorder::default();
        let stats = engine.run(&mut model);
        assert_eq!(
            model.seen,
            [(100, Ev::Spawn), (110, Ev::Child), (115, Ev::Cancel)]
        );
        assert_eq!(
            stats,
            RunStats {
                events: 3,
                end: SimTime(115)
            }
        );
        assert!(engine.queue().is_empty());
        assert_eq!(engine.queue().events_processed(), 3);
    }

    #[test]
    fn run_until_leaves_later_events_queued() {
        let mut engine = Engine::new();
        for t in [5u32, 10, 15, 20] {
            engine
                .scheduler()
                .schedule_at(SimTime(u64::from(t)), Ev::Plain(t));
        }
        let mut model = Recorder::default();
        let first = engine.run_until(&mut model, SimTime(10));
        assert_eq!(
            first,
            RunStats {
                events: 2,
                end: SimTime(10)
            }
        );
        assert_eq!(engine.queue().len(), 2);
        assert_eq!(engine.now(), SimTime(10));
        let rest = engine.run(&mut model);
        assert_eq!(
            rest,
            RunStats {
                events: 2,
                end: SimTime(20)
            }
        );
        let times: Vec<u64> = model.seen.iter().map(|&(t, _)| t).collect();
        assert_eq!(times, [5, 10, 15, 20]);
    }

    #[test]
    fn run_until_before_first_event_does_nothing() {
        let mut engine = Engine::new();
        engine.scheduler().schedule_at(SimTime(50), Ev::Plain(0));
        let stats = engine.run_until(&mut Recorder::default(), SimTime(49));
        assert_eq!(
            stats,
            RunStats {
                events: 0,
                end: SimTime::ZERO
            }
        );
        assert_eq!(engine.queue().len(), 1);
    }

    #[test]
    fn stop_returns_and_run_resumes() {
        let mut engine = Engine::new();
        let mut s = engine.scheduler();
        s.schedule_at(SimTime(1), Ev::Plain(1));
        s.schedule_at(SimTime(2), Ev::Stop);
        s.schedule_at(SimTime(3), Ev::Plain(3));
        let mut model = Recorder::default();
        assert_eq!(
            engine.run(&mut model),
            RunStats {
                events: 2,
                end: SimTime(2)
            }
        );
        assert_eq!(
            engine.run(&mut model),
            RunStats {
                events: 1,
                end: SimTime(3)
            }
        );
        assert_eq!(
            engine.run(&mut model),
            RunStats {
                events: 0,
                end: SimTime(3)
            }
        );
    }

    #[test]
    fn same_time_events_from_handlers_keep_fifo() {
        // A handler scheduling at `now` runs after everything already queued
        // at `now`.
        struct Chain(Vec<u32>);
        impl Model for Chain {
            type Event = u32;
            fn handle(&mut self, _now: SimTime, e: u32, sched: &mut Scheduler<'_, u32>) {
                self.0.push(e);
                if e < 3 {
                    sched.schedule_in(SimDuration::ZERO, e + 10);
                }
            }
        }
        let mut engine = Engine::new();
        for e in 0..3 {
            engine.scheduler().schedule_at(SimTime(0), e);
        }
        let mut model = Chain(Vec::new());
        engine.run(&mut model);
        assert_eq!(model.0, [0, 1, 2, 10, 11, 12]);
    }
}
