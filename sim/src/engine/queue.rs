//! The pending-event queue: a binary heap ordered by (time, sequence number)
//! with lazy cancellation.
//!
//! Every scheduled event gets the next sequence number, so events at the
//! same time pop in the order they were scheduled (FIFO), whatever the heap
//! does internally. Cancelling removes the event's sequence number from the
//! set of live events in O(1); the heap entry stays behind and is skipped
//! when it reaches the top, and the heap is compacted when such dead entries
//! outnumber the live ones.

use super::time::{SimDuration, SimTime};
use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

/// Handle to a scheduled event, for cancellation.
///
/// Ids are unique within one queue and increase in scheduling order; they
/// are the sequence numbers that break ties between events at the same time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EventId(u64);

impl EventId {
    /// The sequence number: how many events this queue scheduled before this
    /// one.
    pub const fn sequence(self) -> u64 {
        self.0
    }
}

/// One heap entry; ordered so that the earliest (time, seq) is the maximum,
/// because `BinaryHeap` is a max-heap.
struct Entry<E> {
    time: SimTime,
    seq: u64,
    event: E,
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.time == other.time && self.seq == other.seq
    }
}

impl<E> Eq for Entry<E> {}

impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<E> Ord for Entry<E> {
    fn cmp(&self, other: &Self) -> Ordering {
        // Reversed: smaller (time, seq) is "greater" so it pops first.
        (other.time, other.seq).cmp(&(self.time, self.seq))
    }
}

/// A hasher for sequence numbers: one multiply by the 64-bit golden ratio
/// (Fibonacci hashing). Sequence numbers are dense and not adversarial, so
/// SipHash's protection buys nothing here; the set is only probed, never
/// iterated, so its order cannot leak into results.
#[derive(Default)]
struct SeqHasher(u64);

impl Hasher for SeqHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only `write_u64` is used for `u64` keys; this keeps the hasher total.
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

type SeqSet = HashSet<u64, BuildHasherDefault<SeqHasher>>;

/// The pending-event queue: ordered by (time, sequence number), so events at
/// the same time pop in the order they were scheduled (FIFO).
///
/// Scheduling and popping are O(log n), cancelling is O(1) (amortised). The
/// queue owns the simulation clock: [`EventQueue::pop`] advances
/// [`EventQueue::now`] to the popped event's time, and time never goes
/// backwards.
///
/// ```
/// use cirrus_sim::engine::{EventQueue, SimDuration, SimTime};
///
/// let mut q = EventQueue::new();
/// q.schedule_at(SimTime(20), "b");
/// q.schedule_at(SimTime(10), "a");
/// q.schedule_in(SimDuration(20), "c"); // same time as "b", scheduled later
/// q.schedule_at(SimTime(5), "early");
/// let doomed = q.schedule_at(SimTime(6), "never");
/// assert!(q.cancel(doomed));
/// assert!(!q.cancel(doomed));
/// let mut order = Vec::new();
/// while let Some((t, _, e)) = q.pop() {
///     order.push((t.nanos(), e));
/// }
/// assert_eq!(order, [(5, "early"), (10, "a"), (20, "b"), (20, "c")]);
/// ```
pub struct EventQueue<E> {
    heap: BinaryHeap<Entry<E>>,
    /// Sequence numbers of events scheduled and neither popped nor cancelled.
    live: SeqSet,
    now: SimTime,
    next_seq: u64,
    processed: u64,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> std::fmt::Debug for EventQueue<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventQueue")
            .field("now", &self.now)
            .field("pending", &self.live.len())
            .field("events_processed", &self.processed)
            .finish_non_exhaustive()
    }
}

impl<E> EventQueue<E> {
    /// An empty queue with the clock at [`SimTime::ZERO`].
    pub fn new() -> Self {
        EventQueue {
            heap: BinaryHeap::new(),
            live: SeqSet::default(),
            now: SimTime::ZERO,
            next_seq: 0,
            processed: 0,
        }
    }

    /// An empty queue with room for `capacity` pending events.
    pub fn with_capacity(capacity: usize) -> Self {
        EventQueue {
            heap: BinaryHeap::with_capacity(capacity),
            live: SeqSet::with_capacity_and_hasher(capacity, Default::default()),
            ..Self::new()
        }
    }

    /// The current simulated time: the time of the last popped event, or
    /// [`SimTime::ZERO`] before the first.
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Schedules `event` at time `at`.
    ///
    /// An `at` earlier than [`EventQueue::now`] is a bug in the caller: debug
    /// builds panic, release builds schedule the event at `now` instead (after
    /// every event already pending at `now`), so time never goes backwards.
    pub fn schedule_at(&mut self, at: SimTime, event: E) -> EventId {
        debug_assert!(
            at >= self.now,
            "event scheduled in the past: at {at}, now {}",
            self.now
        );
        let time = at.max(self.now);
        let seq = self.next_seq;
        self.next_seq += 1;
        self.heap.push(Entry { time, seq, event });
        self.live.insert(seq);
        EventId(seq)
    }

    /// Schedules `event` `delay` after [`EventQueue::now`] (saturating at
    /// [`SimTime::MAX`]).
    pub fn schedule_in(&mut self, delay: SimDuration, event: E) -> EventId {
        self.schedule_at(self.now.saturating_add(delay), event)
    }

    /// Sets aside `n` sequence numbers, `first..first + n` (`first` is
    /// returned), for events scheduled later with
    /// [`EventQueue::schedule_reserved`]. Such an event pops exactly where it
    /// would have popped had it been scheduled now, provided it is scheduled
    /// before any event that comes after it in (time, sequence) order pops.
    /// A model can so feed a long sorted stream of future events (a
    /// workload's arrivals) one at a time, instead of holding them all in
    /// the heap, without changing the order of ties.
    pub fn reserve(&mut self, n: u64) -> u64 {
        let first = self.next_seq;
        self.next_seq = self.next_seq.saturating_add(n);
        first
    }

    /// Schedules `event` at `at` under `seq`, a number set aside by
    /// [`EventQueue::reserve`] and not used before. Times earlier than
    /// [`EventQueue::now`] are treated as in [`EventQueue::schedule_at`].
    pub fn schedule_reserved(&mut self, at: SimTime, seq: u64, event: E) -> EventId {
        debug_assert!(
            seq < self.next_seq,
            "sequence number {seq} was not reserved"
        );
        debug_assert!(
            at >= self.now,
            "event scheduled in the past: at {at}, now {}",
            self.now
        );
        let time = at.max(self.now);
        self.heap.push(Entry { time, seq, event });
        let fresh = self.live.insert(seq);
        debug_assert!(fresh, "sequence number {seq} used twice");
        EventId(seq)
    }

    /// Cancels a pending event. Returns `true` if it was pending, `false` if
    /// it had already popped, was already cancelled, or came from another
    /// queue with a sequence number this queue has not reached.
    pub fn cancel(&mut self, id: EventId) -> bool {
        let was_pending = self.live.remove(&id.0);
        if was_pending {
            self.maybe_compact();
        }
        was_pending
    }

    /// Whether the event is still pending (scheduled, neither popped nor
    /// cancelled).
    pub fn is_pending(&self, id: EventId) -> bool {
        self.live.contains(&id.0)
    }

    /// Removes and returns the earliest pending event (FIFO among equal
    /// times), advancing [`EventQueue::now`] to its time. Cancelled events
    /// are skipped. `None` when nothing is pending; the clock stays put.
    pub fn pop(&mut self) -> Option<(SimTime, EventId, E)> {
        while let Some(entry) = self.heap.pop() {
            if self.live.remove(&entry.seq) {
                self.now = entry.time;
                self.processed += 1;
                return Some((entry.time, EventId(entry.seq), entry.event));
            }
        }
        None
    }

    /// The time of the earliest pending event, without popping it. Takes
    /// `&mut self` to discard cancelled entries at the top of the heap.
    pub fn peek_time(&mut self) -> Option<SimTime> {
        while let Some(top) = self.heap.peek() {
            if self.live.contains(&top.seq) {
                return Some(top.time);
            }
            self.heap.pop();
        }
        None
    }

    /// The number of pending (live, not cancelled) events.
    pub fn len(&self) -> usize {
        self.live.len()
    }

    /// Whether no event is pending.
    pub fn is_empty(&self) -> bool {
        self.live.is_empty()
    }

    /// How many events [`EventQueue::pop`] has returned so far.
    pub fn events_processed(&self) -> u64 {
        self.processed
    }

    /// Drops cancelled entries from the heap once they outnumber the live
    /// ones, so a model that cancels a lot does not grow memory without
    /// bound. Amortised O(1) per cancel: a rebuild of n entries happens only
    /// after at least n/2 cancels.
    fn maybe_compact(&mut self) {
        let dead = self.heap.len() - self.live.len();
        if dead > 64 && dead > self.live.len() {
            let live = &self.live;
            self.heap.retain(|e| live.contains(&e.seq));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn drain<E>(q: &mut EventQueue<E>) -> Vec<(SimTime, EventId, E)> {
        std::iter::from_fn(|| q.pop()).collect()
    }

    #[test]
    fn ties_pop_in_scheduling_order() {
        let mut q = EventQueue::new();
        for i in 0..100u32 {
            q.schedule_at(SimTime(7), i);
        }
        let got: Vec<u32> = drain(&mut q).into_iter().map(|(_, _, e)| e).collect();
        assert_eq!(got, (0..100).collect::<Vec<_>>());
    }

    proptest! {
        /// Events scheduled late under reserved sequence numbers pop exactly
        /// as they would have, scheduled up front.
        #[test]
        fn reserved_events_pop_as_if_scheduled_up_front(
            stream in proptest::collection::vec(0u64..50, 1..40),
            others in proptest::collection::vec((0u64..60, 0u64..20), 0..40),
        ) {
            let mut stream = stream;
            stream.sort_unstable();
            // Up front: the stream first, then the others; each popped
            // event of the others schedules a follow-up.
            let mut eager = EventQueue::new();
            for (i, &t) in stream.iter().enumerate() {
                eager.schedule_at(SimTime(t), (0u8, i as u64));
            }
            for (i, &(t, _)) in others.iter().enumerate() {
                eager.schedule_at(SimTime(t), (1, i as u64));
            }
            let mut lazy = EventQueue::new();
            let first = lazy.reserve(stream.len() as u64);
            lazy.schedule_reserved(SimTime(stream[0]), first, (0u8, 0u64));
            for (i, &(t, _)) in others.iter().enumerate() {
                lazy.schedule_at(SimTime(t), (1, i as u64));
            }
            let mut popped = [Vec::new(), Vec::new()];
            for (k, q) in [&mut eager, &mut lazy].into_iter().enumerate() {
                while let Some((t, _, (kind, i))) = q.pop() {
                    popped[k].push((t, kind, i));
                    let i = i as usize;
                    if kind == 0 && k == 1 && i + 1 < stream.len() {
                        q.schedule_reserved(SimTime(stream[i + 1]), first + i as u64 + 1, (0, i as u64 + 1));
                    }
                    if kind == 1 {
                        q.schedule_in(SimDuration(others[i].1), (2, i as u64));
                    }
                }
            }
            prop_assert_eq!(&popped[0], &popped[1]);
        }
    }

    #[test]
    fn time_never_goes_backwards() {
        let mut q = EventQueue::new();
        for t in [50u64, 3, 3, 900, 0, 12, 50, 7] {
            q.schedule_at(SimTime(t), t);
        }
        let mut last = SimTime::ZERO;
        while let Some((t, _, e)) = q.pop() {
            assert!(t >= last);
            assert_eq!(t, q.now());
            assert_eq!(t.nanos(), e);
            last = t;
            // Schedule relative to the new now: never before it.
            if e < 100 {
                q.schedule_in(SimDuration(1_000), 1_000 + e);
            }
        }
        // Eight seeded events, seven of which (all but 900) schedule one more.
        assert_eq!(q.events_processed(), 15);
    }

    #[test]
    fn cancelled_events_never_pop_and_cancel_is_idempotent() {
        let mut q = EventQueue::new();
        let a = q.schedule_at(SimTime(1), 'a');
        let b = q.schedule_at(SimTime(2), 'b');
        let c = q.schedule_at(SimTime(3), 'c');
        assert_eq!(q.len(), 3);
        assert!(q.cancel(b));
        assert!(!q.cancel(b));
        assert!(!q.is_pending(b));
        assert_eq!(q.len(), 2);
        let got: Vec<char> = drain(&mut q).into_iter().map(|(_, _, e)| e).collect();
        assert_eq!(got, ['a', 'c']);
        // Already popped: not pending any more.
        assert!(!q.cancel(a));
        assert!(!q.cancel(c));
        assert!(q.is_empty());
    }

    #[test]
    fn peek_time_skips_cancelled_and_does_not_advance() {
        let mut q = EventQueue::new();
        let first = q.schedule_at(SimTime(5), ());
        q.schedule_at(SimTime(9), ());
        assert!(q.cancel(first));
        assert_eq!(q.peek_time(), Some(SimTime(9)));
        assert_eq!(q.now(), SimTime::ZERO);
        assert!(q.pop().is_some());
        assert_eq!(q.peek_time(), None);
        assert_eq!(q.pop().map(|(t, ..)| t), None);
        assert_eq!(q.now(), SimTime(9));
    }

    #[test]
    fn schedule_in_saturates_at_max() {
        let mut q = EventQueue::new();
        q.schedule_at(SimTime(10), 0);
        q.pop();
        q.schedule_in(SimDuration::MAX, 1);
        assert_eq!(q.peek_time(), Some(SimTime::MAX));
    }

    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "event scheduled in the past")]
    fn scheduling_in_the_past_panics_in_debug() {
        let mut q = EventQueue::new();
        q.schedule_at(SimTime(10), ());
        q.pop();
        q.schedule_at(SimTime(5), ());
    }

    #[test]
    fn compaction_keeps_order_and_live_events() {
        let mut q = EventQueue::new();
        let ids: Vec<EventId> = (0..1_000u64)
            .map(|i| q.schedule_at(SimTime(i % 37), i))
            .collect();
        for id in ids.iter().filter(|id| id.sequence() % 10 != 0) {
            assert!(q.cancel(*id));
        }
        assert_eq!(q.len(), 100);
        assert!(q.heap.len() < 1_000, "compaction ran");
        let got = drain(&mut q);
        let mut want: Vec<(u64, u64)> = (0..1_000u64)
            .filter(|i| i % 10 == 0)
            .map(|i| (i % 37, i))
            .collect();
        want.sort();
        let got: Vec<(u64, u64)> = got
            .into_iter()
            .map(|(t, id, _)| (t.nanos(), id.sequence()))
            .collect();
        assert_eq!(got, want);
    }

    /// One step of a random workload against the queue.
    #[derive(Debug, Clone)]
    enum Op {
        /// Schedule at `now + delay`.
        Schedule(u64),
        /// Cancel the k-th id ever issued (modulo how many there are).
        Cancel(usize),
        Pop,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => (0u64..20).prop_map(Op::Schedule),
            2 => any::<usize>().prop_map(Op::Cancel),
            3 => Just(Op::Pop),
        ]
    }

    proptest! {
        /// The queue behaves like a Vec that is searched for the smallest
        /// (time, seq) on every pop.
        #[test]
        fn matches_sorted_reference_model(ops in proptest::collection::vec(op(), 0..300)) {
            let mut q = EventQueue::new();
            // Reference: (time, seq, payload) of pending events.
            let mut model: Vec<(SimTime, u64, usize)> = Vec::new();
            let mut issued: Vec<EventId> = Vec::new();
            let mut now = SimTime::ZERO;
            for (i, op) in ops.into_iter().enumerate() {
                match op {
                    Op::Schedule(delay) => {
                        let at = now + SimDuration(delay);
                        let id = q.schedule_at(at, i);
                        model.push((at, id.sequence(), i));
                        issued.push(id);
                    }
                    Op::Cancel(k) => {
                        if issued.is_empty() {
                            continue;
                        }
                        let id = issued[k % issued.len()];
                        let pos = model.iter().position(|&(_, s, _)| s == id.sequence());
                        prop_assert_eq!(q.cancel(id), pos.is_some());
                        if let Some(pos) = pos {
                            model.remove(pos);
                        }
                        prop_assert!(!q.cancel(id));
                    }
                    Op::Pop => {
                        let want = model
                            .iter()
                            .enumerate()
                            .min_by_key(|(_, (t, s, _))| (*t, *s))
                            .map(|(pos, &entry)| (pos, entry));
                        let got = q.pop();
                        match (want, got) {
                            (None, None) => {}
                            (Some((pos, (t, s, e))), Some((gt, gid, ge))) => {
                                prop_assert_eq!((t, s, e), (gt, gid.sequence(), ge));
                                prop_assert!(gt >= now);
                                now = gt;
                                model.remove(pos);
                            }
                            (w, g) => prop_assert!(false, "model {:?} vs queue {:?}", w, g),
                        }
                    }
                }
                prop_assert_eq!(q.len(), model.len());
                prop_assert_eq!(q.now(), now);
                let earliest = model.iter().map(|&(t, _, _)| t).min();
                prop_assert_eq!(q.peek_time(), earliest);
            }
            // Drain: the rest comes out sorted by (time, seq).
            model.sort();
            let rest: Vec<(SimTime, u64, usize)> = std::iter::from_fn(|| q.pop())
                .map(|(t, id, e)| (t, id.sequence(), e))
                .collect();
            prop_assert_eq!(rest, model);
        }
    }
}
