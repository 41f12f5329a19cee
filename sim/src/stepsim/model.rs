//! The training step as a discrete-event model: each pipeline stage of each
//! representative replica is a worker running its ops in schedule order;
//! activations and gradients between stages, and data-parallel gradient
//! buckets, travel as flows on the shared max-min-fair network.

use super::schedule::{Op, Pass, stage_ops};
use super::{Span, SpanKind};
use crate::engine::{EventId, Model, Scheduler, SimTime};
use crate::netsim::{Collective, CollectiveRun, Efficiency, FlowId, FlowNet, NetError};
use crate::parallelism::ParallelConfig;
use crate::topology::DeviceId;
use std::collections::BTreeMap;

/// Events of the step model.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Event {
    /// A worker's current op finished.
    OpDone(usize),
    /// The network's next flow event is due.
    NetWake,
    /// A gradient bucket of a worker is ready to reduce.
    BucketReady {
        /// Worker.
        worker: usize,
        /// Bucket key (chunk, bucket).
        key: (u32, u32),
    },
    /// A data-parallel collective's latency tail ended.
    CollectiveDone(usize),
    /// A worker's optimizer step finished.
    OptimizerDone(usize),
}

/// When data-parallel gradient reduction starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GradientSync {
    /// After the pipeline flush, once per stage (Megatron-LM with pipeline
    /// parallelism).
    Flush,
    /// Bucket by bucket during the last backward pass of each chunk
    /// (PyTorch DDP, Megatron without pipelining).
    Overlap {
        /// Buckets per model chunk.
        buckets_per_chunk: u32,
    },
}

/// What a flow carries.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Tag {
    /// Part of a pipeline transfer to (group, pass, virtual stage, micro-batch).
    Transfer(usize, Pass, u32, u32),
    /// Part of data-parallel collective `i`.
    Collective(usize),
}

/// Durations of one op of a group (a replica class with its micro-batch count).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct OpCost {
    /// Forward or backward compute (no recompute).
    pub compute: f64,
    /// Recomputation.
    pub recompute: f64,
    /// Exposed tensor-parallel communication.
    pub tp: f64,
    /// Exposed data-parallel communication inside the pass (ZeRO-3's
    /// parameter gathers).
    pub dp: f64,
}

impl OpCost {
    fn total(&self) -> f64 {
        self.compute + self.recompute + self.tp + self.dp
    }
}

/// A set of identical replicas simulated through one representative.
#[derive(Debug, Clone)]
pub struct Group {
    /// Micro-batches per replica.
    pub microbatches: u32,
    /// Devices of the representative: `[stage][tp rank]`.
    pub devices: Vec<Vec<DeviceId>>,
    /// Op costs: `[stage][chunk][pass]`.
    pub costs: Vec<Vec<[OpCost; 2]>>,
    /// Optimizer time of each stage's device.
    pub optimizer: Vec<f64>,
}

/// One data-parallel gradient collective to run once every group's bucket is ready.
#[derive(Debug, Clone)]
pub struct Reduction {
    /// Stage.
    pub stage: u32,
    /// (chunk, bucket).
    pub key: (u32, u32),
    /// The collective (ranks over every replica).
    pub collective: Collective,
    /// When it started (set by the model).
    pub started: Option<f64>,
}

/// The step's network traffic besides the tensor-parallel collectives.
#[derive(Debug, Clone)]
pub struct Traffic {
    /// Data-parallel gradient reductions.
    pub reductions: Vec<Reduction>,
    /// When they start.
    pub sync: GradientSync,
    /// Protocol efficiency of pipeline transfers.
    pub p2p_efficiency: Efficiency,
    /// Bytes each tensor rank sends per pipeline transfer.
    pub transfer_bytes: f64,
    /// Tensor ranks whose pipeline transfers are simulated.
    pub transfer_ranks: usize,
}

#[derive(Debug, Default, Clone)]
struct Worker {
    group: usize,
    stage: u32,
    ops: Vec<Op>,
    next: usize,
    busy_until: Option<f64>,
    last_end: f64,
    compute: f64,
    recompute: f64,
    tp: f64,
    dp_inline: f64,
    bubble: f64,
    pp_comm: f64,
    ops_end: f64,
    /// Buckets this worker still waits for, by key.
    pending_buckets: usize,
    dp_done: f64,
    optimizer: f64,
    end: Option<f64>,
}

/// The model state.
pub struct StepModel {
    par: ParallelConfig,
    groups: Vec<Group>,
    workers: Vec<Worker>,
    net: FlowNet<Tag>,
    wake: Option<(EventId, f64)>,
    /// Per group: ready time and producer end time of each (pass, virtual stage, micro-batch).
    ready: Vec<Vec<f64>>,
    produced: Vec<Vec<f64>>,
    transfers_left: BTreeMap<(usize, Pass, u32, u32), u32>,
    reductions: Vec<Reduction>,
    /// Per reduction: groups whose bucket is ready.
    reduction_votes: Vec<usize>,
    runs: Vec<Option<CollectiveRun>>,
    reduction_done: Vec<bool>,
    p2p_efficiency: Efficiency,
    transfer_bytes: f64,
    /// Tensor ranks whose pipeline transfers are simulated (the others run
    /// alike on their own NICs).
    transfer_ranks: usize,
    sync: GradientSync,
    /// Spans of every op, transfer wait, reduction and optimizer step.
    pub spans: Vec<Span>,
    /// First network error met, if any (the run stops).
    pub error: Option<NetError>,
}

const NEVER: f64 = f64::INFINITY;

impl StepModel {
    /// A model of one step.
    pub fn new(
        par: ParallelConfig,
        groups: Vec<Group>,
        net: FlowNet<Tag>,
        traffic: Traffic,
    ) -> Self {
        let Traffic {
            reductions,
            sync,
            p2p_efficiency,
            transfer_bytes,
            transfer_ranks,
        } = traffic;
        let v = par.virtual_stages.max(1);
        let mut workers = Vec::new();
        let mut ready = Vec::new();
        let mut produced = Vec::new();
        for (gi, g) in groups.iter().enumerate() {
            let slots = 2 * (par.mesh.pp() * v) as usize * g.microbatches as usize;
            let mut r = vec![NEVER; slots];
            // Every micro-batch's input is there at the start.
            for mb in 0..g.microbatches {
                r[slot(Pass::Forward, 0, mb, par.mesh.pp() * v, g.microbatches)] = 0.0;
            }
            ready.push(r);
            produced.push(vec![0.0; slots]);
            for stage in 0..par.mesh.pp() {
                workers.push(Worker {
                    group: gi,
                    stage,
                    ops: stage_ops(par.schedule, stage, par.mesh.pp(), g.microbatches, v),
                    pending_buckets: match sync {
                        GradientSync::Flush => 1,
                        GradientSync::Overlap { buckets_per_chunk } => {
                            (v * buckets_per_chunk) as usize
                        }
                    },
                    ..Worker::default()
                });
            }
        }
        let n = reductions.len();
        Self {
            par,
            groups,
            workers,
            net,
            wake: None,
            ready,
            produced,
            transfers_left: BTreeMap::new(),
            reductions,
            reduction_votes: vec![0; n],
            runs: (0..n).map(|_| None).collect(),
            reduction_done: vec![false; n],
            p2p_efficiency,
            transfer_bytes,
            transfer_ranks,
            sync,
            spans: Vec::new(),
            error: None,
        }
    }

    /// Starts every worker that can start.
    pub fn kick_off(&mut self, sched: &mut Scheduler<'_, Event>) {
        for w in 0..self.workers.len() {
            self.try_start(w, 0.0, sched);
        }
    }

    /// When each worker finished its optimizer step.
    pub fn worker_ends(&self) -> Vec<Option<f64>> {
        self.workers.iter().map(|w| w.end).collect()
    }

    /// The breakdown parts of worker `w`: (compute, recompute, tp, pp comm,
    /// dp exposed, bubble, optimizer).
    pub fn worker_parts(&self, w: usize) -> [f64; 7] {
        let k = &self.workers[w];
        let dp = k.dp_inline + (k.dp_done - k.ops_end).max(0.0);
        [
            k.compute,
            k.recompute,
            k.tp,
            k.pp_comm,
            dp,
            k.bubble,
            k.optimizer,
        ]
    }

    fn vstages(&self) -> u32 {
        self.par.mesh.pp() * self.par.virtual_stages.max(1)
    }

    fn try_start(&mut self, w: usize, now: f64, sched: &mut Scheduler<'_, Event>) {
        let pp = self.par.mesh.pp();
        let vs_total = self.vstages();
        let worker = &self.workers[w];
        if worker.busy_until.is_some() {
            return;
        }
        let Some(&op) = worker.ops.get(worker.next) else {
            return;
        };
        let g = worker.group;
        let m = self.groups[g].microbatches;
        let vs = op.virtual_stage(worker.stage, pp);
        let idx = slot(op.pass, vs, op.microbatch, vs_total, m);
        let arrived = self.ready[g][idx];
        if arrived > now {
            return;
        }
        let producer_end = self.produced[g][idx];
        let last = self.workers[w].last_end;
        let start = now.max(last);
        // Waiting before the data was produced is pipeline bubble; after,
        // the transfer was in flight.
        let bubble = (producer_end.min(start) - last).max(0.0);
        let transfer = (start - producer_end.max(last)).max(0.0);
        let cost = self.groups[g].costs[self.workers[w].stage as usize][op.chunk as usize]
            [usize::from(op.pass == Pass::Backward)];
        let end = start + cost.total();
        let k = &mut self.workers[w];
        k.bubble += bubble;
        k.pp_comm += transfer;
        k.compute += cost.compute;
        k.recompute += cost.recompute;
        k.tp += cost.tp;
        k.dp_inline += cost.dp;
        k.busy_until = Some(end);
        self.spans.push(Span {
            worker: w,
            group: g,
            stage: self.workers[w].stage,
            kind: match op.pass {
                Pass::Forward => SpanKind::Forward,
                Pass::Backward => SpanKind::Backward,
            },
            microbatch: op.microbatch,
            chunk: op.chunk,
            start,
            end,
        });
        sched.schedule_at(at(end), Event::OpDone(w));
        if let GradientSync::Overlap {
            buckets_per_chunk: n,
        } = self.sync
            && op.pass == Pass::Backward
            && self.is_last_backward(w, op.chunk)
        {
            // The chunk's gradients are final as this pass goes through its
            // layers: bucket b is ready b+1 n-ths of the way in.
            for b in 0..n {
                let t = start + (end - start) * f64::from(b + 1) / f64::from(n);
                sched.schedule_at(
                    at(t),
                    Event::BucketReady {
                        worker: w,
                        key: (op.chunk, b),
                    },
                );
            }
        }
    }

    fn op_done(&mut self, w: usize, sched: &mut Scheduler<'_, Event>) {
        let pp = self.par.mesh.pp();
        let vs_total = self.vstages();
        let Some(end) = self.workers[w].busy_until.take() else {
            return;
        };
        let worker = &mut self.workers[w];
        let op = worker.ops[worker.next];
        worker.next += 1;
        worker.last_end = end;
        let (g, stage) = (worker.group, worker.stage);
        let m = self.groups[g].microbatches;
        let vs = op.virtual_stage(stage, pp);
        match op.pass {
            Pass::Forward if vs + 1 == vs_total => {
                // The loss: the last virtual stage's backward may start.
                let idx = slot(Pass::Backward, vs, op.microbatch, vs_total, m);
                self.ready[g][idx] = end;
                self.produced[g][idx] = end;
            }
            Pass::Forward => self.send(g, Pass::Forward, vs + 1, op.microbatch, end, sched),
            Pass::Backward if vs > 0 => {
                self.send(g, Pass::Backward, vs - 1, op.microbatch, end, sched)
            }
            Pass::Backward => {}
        }
        if self.workers[w].next == self.workers[w].ops.len() {
            self.workers[w].ops_end = end;
            if self.sync == GradientSync::Flush {
                self.bucket_ready(w, (0, 0), end, sched);
            }
        }
        self.try_start(w, end, sched);
        // A local hand-over may unblock the same worker (pp = 1 chunks).
    }

    /// Whether the current op is the last backward of `chunk` on worker `w`.
    fn is_last_backward(&self, w: usize, chunk: u32) -> bool {
        let k = &self.workers[w];
        !k.ops[k.next + 1..]
            .iter()
            .any(|o| o.pass == Pass::Backward && o.chunk == chunk)
    }

    fn send(
        &mut self,
        g: usize,
        pass: Pass,
        to_vs: u32,
        mb: u32,
        now: f64,
        sched: &mut Scheduler<'_, Event>,
    ) {
        let pp = self.par.mesh.pp();
        let m = self.groups[g].microbatches;
        let vs_total = self.vstages();
        let from_vs = match pass {
            Pass::Forward => to_vs - 1,
            Pass::Backward => to_vs + 1,
        };
        let from_stage = from_vs % pp;
        let to_stage = to_vs % pp;
        let idx = slot(pass, to_vs, mb, vs_total, m);
        self.produced[g][idx] = now;
        if from_stage == to_stage {
            self.ready[g][idx] = now;
            if let Some(w) = self.worker_of(g, to_stage) {
                self.try_start(w, now, sched);
            }
            return;
        }
        let senders = self.groups[g].devices[from_stage as usize].clone();
        let receivers = self.groups[g].devices[to_stage as usize].clone();
        let bytes = self.transfer_bytes;
        let t = now.max(self.net.now());
        let mut started = 0;
        for (a, b) in senders.iter().zip(&receivers).take(self.transfer_ranks) {
            match self.net.start(
                t,
                *a,
                *b,
                bytes,
                self.p2p_efficiency.at(bytes),
                Tag::Transfer(g, pass, to_vs, mb),
            ) {
                Ok(_) => started += 1,
                Err(e) => self.fail(e, sched),
            }
        }
        self.transfers_left.insert((g, pass, to_vs, mb), started);
        self.rewake(sched);
    }

    fn worker_of(&self, g: usize, stage: u32) -> Option<usize> {
        self.workers
            .iter()
            .position(|w| w.group == g && w.stage == stage)
    }

    fn fail(&mut self, e: NetError, sched: &mut Scheduler<'_, Event>) {
        if self.error.is_none() {
            self.error = Some(e);
        }
        sched.stop();
    }

    fn rewake(&mut self, sched: &mut Scheduler<'_, Event>) {
        if let Some((id, _)) = self.wake.take() {
            sched.cancel(id);
        }
        if let Some(t) = self.net.next_event_time() {
            let id = sched.schedule_at(at(t).max(sched.now()), Event::NetWake);
            self.wake = Some((id, t));
        }
    }

    fn net_wake(&mut self, now: f64, sched: &mut Scheduler<'_, Event>) {
        let target = self.wake.take().map_or(now, |(_, t)| t.max(now));
        let done = self.net.advance(target);
        let t = self.net.now().max(now);
        for (flow, tag) in done {
            match tag {
                Tag::Transfer(g, pass, vs, mb) => {
                    let key = (g, pass, vs, mb);
                    let left = self
                        .transfers_left
                        .get(&key)
                        .copied()
                        .unwrap_or(1)
                        .saturating_sub(1);
                    if left > 0 {
                        self.transfers_left.insert(key, left);
                        continue;
                    }
                    self.transfers_left.remove(&key);
                    let m = self.groups[g].microbatches;
                    let idx = slot(pass, vs, mb, self.vstages(), m);
                    self.ready[g][idx] = t;
                    if let Some(w) = self.worker_of(g, vs % self.par.mesh.pp()) {
                        self.try_start(w, t, sched);
                    }
                }
                Tag::Collective(i) => self.collective_flow_done(i, flow, t, sched),
            }
        }
        self.rewake(sched);
    }

    fn collective_flow_done(
        &mut self,
        i: usize,
        flow: FlowId,
        t: f64,
        sched: &mut Scheduler<'_, Event>,
    ) {
        let Some(run) = self.runs[i].as_mut() else {
            return;
        };
        match run.on_flow_done(flow, t, &mut self.net, Tag::Collective(i)) {
            Ok(Some(finish)) => {
                sched.schedule_at(at(finish).max(sched.now()), Event::CollectiveDone(i));
            }
            Ok(None) => {}
            Err(e) => self.fail(e, sched),
        }
    }

    fn bucket_ready(
        &mut self,
        w: usize,
        key: (u32, u32),
        now: f64,
        sched: &mut Scheduler<'_, Event>,
    ) {
        let stage = self.workers[w].stage;
        let groups = self.groups.len();
        let matching: Vec<usize> = (0..self.reductions.len())
            .filter(|&i| self.reductions[i].stage == stage && self.reductions[i].key == key)
            .collect();
        if matching.is_empty() {
            // Nothing to reduce (one replica): the bucket is done.
            self.bucket_complete(w, now, sched);
            return;
        }
        for i in matching {
            self.reduction_votes[i] += 1;
            if self.reduction_votes[i] < groups {
                continue;
            }
            let t = now.max(self.net.now());
            self.reductions[i].started = Some(t);
            match CollectiveRun::start(
                &self.reductions[i].collective,
                t,
                &mut self.net,
                Tag::Collective(i),
            ) {
                Ok(run) => {
                    if let Some(finish) = run.finished_at() {
                        sched.schedule_at(at(finish).max(sched.now()), Event::CollectiveDone(i));
                    }
                    self.runs[i] = Some(run);
                }
                Err(e) => self.fail(e, sched),
            }
        }
        self.rewake(sched);
    }

    /// Reduction `i` finished; when every tensor-parallel rank's reduction of
    /// the same bucket has, the bucket is done on every worker of the stage.
    fn collective_done(&mut self, i: usize, now: f64, sched: &mut Scheduler<'_, Event>) {
        self.reduction_done[i] = true;
        self.runs[i] = None;
        let (stage, key) = (self.reductions[i].stage, self.reductions[i].key);
        let all = (0..self.reductions.len())
            .filter(|&j| self.reductions[j].stage == stage && self.reductions[j].key == key)
            .all(|j| self.reduction_done[j]);
        if !all {
            return;
        }
        let span_start = self.reductions[i].started.unwrap_or(now);
        for w in 0..self.workers.len() {
            if self.workers[w].stage == stage {
                self.spans.push(Span {
                    worker: w,
                    group: self.workers[w].group,
                    stage,
                    kind: SpanKind::DataParallel,
                    microbatch: key.1,
                    chunk: key.0,
                    start: span_start,
                    end: now,
                });
                self.bucket_complete(w, now, sched);
            }
        }
    }

    fn bucket_complete(&mut self, w: usize, now: f64, sched: &mut Scheduler<'_, Event>) {
        let stage = self.workers[w].stage;
        let k = &mut self.workers[w];
        k.pending_buckets = k.pending_buckets.saturating_sub(1);
        if k.pending_buckets > 0 {
            return;
        }
        k.dp_done = now;
        let start = now.max(k.ops_end);
        let dur = self.groups[k.group].optimizer[stage as usize];
        k.optimizer = dur;
        self.spans.push(Span {
            worker: w,
            group: self.workers[w].group,
            stage,
            kind: SpanKind::Optimizer,
            microbatch: 0,
            chunk: 0,
            start,
            end: start + dur,
        });
        sched.schedule_at(at(start + dur), Event::OptimizerDone(w));
    }
}

/// Index of (pass, virtual stage, micro-batch) in a group's arrays.
fn slot(pass: Pass, vs: u32, mb: u32, vs_total: u32, m: u32) -> usize {
    let p = usize::from(pass == Pass::Backward);
    (p * vs_total as usize + vs as usize) * m as usize + mb as usize
}

/// The engine time at or after `t` seconds.
fn at(t: f64) -> SimTime {
    SimTime::from_nanos((t * 1e9).ceil().max(0.0) as u64)
}

impl Model for StepModel {
    type Event = Event;

    fn handle(&mut self, now: SimTime, event: Event, sched: &mut Scheduler<'_, Event>) {
        let t = now.as_secs_f64();
        match event {
            Event::OpDone(w) => self.op_done(w, sched),
            Event::NetWake => self.net_wake(t, sched),
            Event::BucketReady { worker, key } => self.bucket_ready(worker, key, t, sched),
            Event::CollectiveDone(i) => self.collective_done(i, t, sched),
            Event::OptimizerDone(w) => {
                let k = &mut self.workers[w];
                k.end = Some(k.dp_done.max(k.ops_end) + k.optimizer);
            }
        }
    }
}
