//! MPI across processes (the `mpi` cargo feature): [`MpiWorld`] initialises
//! MPI once per process and finalises it when dropped; the one
//! [`MpiCollective`] it hands out is this process's rank of
//! `MPI_COMM_WORLD` as a [`Collective`], summing with `MPI_Allreduce`; and
//! [`run_rank`] runs this process's worker of a data-parallel run on them,
//! as [`crate::run::run_local`] runs every worker in one process.
//!
//! ```text
//! mpirun -np N cirrus exec plan.json
//!   └─ each process: MpiWorld::init() ─► world.collective() ─► MpiCollective
//!        (main thread, owns MPI;          (Send: moves to the worker thread;
//!         finalises on drop)                 rank r runs plan node r)
//! ```
//!
//! Ownership follows two MPI rules. `MPI_Finalize` must run on the thread
//! that initialised MPI, so [`MpiWorld`] (which owns the `mpi` crate's
//! `Universe`) is not `Send`. The [`Collective`] trait needs `Send`, and the
//! `mpi` crate's communicator handle is not `Send` (Open MPI's `MPI_Comm` is
//! a raw pointer), so [`MpiCollective`] stores no handle: it keeps its rank
//! and size and names `MPI_COMM_WORLD` afresh for each call, which costs no
//! MPI call. MPI is initialised with `MPI_THREAD_SERIALIZED` and only one
//! [`MpiCollective`] exists per process, whose `&mut self` methods cannot
//! run concurrently, so calls from a worker thread are allowed. A call after
//! the world was dropped (MPI finalised) is an [`ExecError::Collective`],
//! not an abort.
//!
//! The `mpi` crate ignores MPI's return codes and Open MPI's default error
//! handler on `MPI_COMM_WORLD` aborts the job on a failure (a rank dying
//! ends the others through `mpirun`), so the errors returned here are the
//! ones that can be caught before calling MPI: a finalised MPI, and buffers
//! of different lengths on different ranks (checked with a small
//! all-reduce before each sum, since MPI would otherwise hang or truncate).

use std::marker::PhantomData;

use mpi::collective::{CommunicatorCollectives, SystemOperation};
use mpi::environment::Universe;
use mpi::topology::{Communicator, SimpleCommunicator};
use mpi::{Threading, initialize_with_threading, is_finalized};

use crate::collective::{Collective, gather_text};
use crate::error::ExecError;
use crate::run::{CheckpointPolicy, Progress, RunConfig, WorkerDevice, WorkerOutcome, run_worker};

/// The most elements one `MPI_Allreduce` call sums: MPI counts are C `int`,
/// and the copy each call needs (MPI has no in-place sum in the `mpi`
/// crate) stays at 256 MiB or less.
pub const MAX_CHUNK_ELEMENTS: usize = 1 << 26;

/// MPI in this process: initialised by [`MpiWorld::init`], finalised when
/// this is dropped. Not `Send`: MPI must be finalised on the thread that
/// initialised it, so keep it on the main thread and drop it after every
/// worker has finished with its [`MpiCollective`].
pub struct MpiWorld {
    /// Finalises MPI on drop.
    _universe: Universe,
    rank: usize,
    size: usize,
    /// Whether [`MpiWorld::collective`] has handed out this rank.
    taken: bool,
    /// Keeps the world on the thread that initialised MPI.
    _not_send: PhantomData<*const ()>,
}

impl std::fmt::Debug for MpiWorld {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MpiWorld")
            .field("rank", &self.rank)
            .field("size", &self.size)
            .field("taken", &self.taken)
            .finish_non_exhaustive()
    }
}

impl MpiWorld {
    /// Initialises MPI (`MPI_Init_thread` with `MPI_THREAD_SERIALIZED`).
    /// Under `mpirun -np N` the world has `N` ranks; started without a
    /// launcher, Open MPI runs this process as a world of one.
    ///
    /// Fails when MPI was already initialised in this process (MPI allows
    /// one initialisation per process, even after finalising), or when the
    /// MPI library cannot serialise calls from several threads.
    pub fn init() -> Result<Self, ExecError> {
        let (universe, threading) =
            initialize_with_threading(Threading::Serialized).ok_or_else(|| {
                ExecError::Collective {
                    reason: "initialise MPI: it was already initialised in this process (MPI \
                             allows once per process)"
                        .to_owned(),
                }
            })?;
        if matches!(threading, Threading::Single | Threading::Funneled) {
            return Err(ExecError::Collective {
                reason: format!(
                    "initialise MPI: the library offers thread level {threading:?}, \
                     serialized calls from a worker thread are needed"
                ),
            });
        }
        let world = universe.world();
        let (rank, size) = (world.rank(), world.size());
        let (Ok(rank), Ok(size)) = (usize::try_from(rank), usize::try_from(size)) else {
            return Err(ExecError::Collective {
                reason: format!("initialise MPI: it reported rank {rank} of {size}"),
            });
        };
        Ok(Self {
            _universe: universe,
            rank,
            size,
            taken: false,
            _not_send: PhantomData,
        })
    }

    /// This process's rank in `MPI_COMM_WORLD`, `0..size`.
    pub fn rank(&self) -> usize {
        self.rank
    }

    /// The number of ranks in `MPI_COMM_WORLD`.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Ends every rank of the job now (`MPI_Abort` on `MPI_COMM_WORLD`,
    /// `mpirun` exits with `code`). For a rank that failed while its peers
    /// may be waiting in a collective: returning normally would finalise
    /// MPI, which waits for the peers, which wait for this rank.
    pub fn abort(&self, code: i32) -> ! {
        SimpleCommunicator::world().abort(code)
    }

    /// This process's rank as a [`Collective`], to be moved to the worker
    /// that uses it. Handed out once: a second call is an error, since two
    /// collectives used from two threads at once would break the serialized
    /// threading MPI was initialised with.
    pub fn collective(&mut self) -> Result<MpiCollective, ExecError> {
        if self.taken {
            return Err(ExecError::Collective {
                reason: "take this process's MPI rank: it was already taken".to_owned(),
            });
        }
        self.taken = true;
        Ok(MpiCollective {
            rank: self.rank,
            size: self.size,
            chunk: MAX_CHUNK_ELEMENTS,
        })
    }
}

/// Runs this process's worker of the data-parallel run `cfg` as one rank of
/// an MPI job, the counterpart of [`crate::run::run_local`]: rank r runs on
/// `devices[r]` (plan node r) and sums with MPI all-reduce. Every rank
/// returns every rank's backend name (by rank) and its own outcome, whose
/// curves and gathered timing medians are the same on every rank; rank 0
/// writes the checkpoints and gets the `on_step` calls. The world must have
/// one rank per worker.
pub fn run_rank(
    world: &mut MpiWorld,
    cfg: &RunConfig,
    devices: &[WorkerDevice],
    checkpoints: Option<&CheckpointPolicy>,
    on_step: &(dyn Fn(&Progress) + Sync),
) -> Result<(Vec<String>, WorkerOutcome), ExecError> {
    let (rank, size) = (world.rank(), world.size());
    if size != cfg.workers() || devices.len() != cfg.workers() {
        return Err(ExecError::Config {
            reason: format!(
                "an MPI job of {size} ranks with {} devices for a run of {} workers; start one \
                 rank per plan node",
                devices.len(),
                cfg.workers()
            ),
        });
    }
    let mut comm = world.collective()?;
    let be = devices[rank].open()?;
    let out = run_worker(cfg, be.as_ref(), &mut comm, checkpoints, on_step)?;
    let names = gather_text(&mut comm, &be.name())?;
    Ok((names, out))
}

/// This process's rank of `MPI_COMM_WORLD` as a [`Collective`]; see the
/// [module docs](self) for why it is `Send` and what it can report.
#[derive(Debug)]
pub struct MpiCollective {
    rank: usize,
    size: usize,
    /// Elements per `MPI_Allreduce` call.
    chunk: usize,
}

impl MpiCollective {
    /// Sums at most `elements` (at least 1, at most
    /// [`MAX_CHUNK_ELEMENTS`]) per `MPI_Allreduce` call; every rank must use
    /// the same value. Smaller chunks need less scratch memory.
    #[must_use]
    pub fn with_chunk_elements(mut self, elements: usize) -> Self {
        self.chunk = elements.clamp(1, MAX_CHUNK_ELEMENTS);
        self
    }

    /// `MPI_COMM_WORLD`, or the error for a finalised MPI.
    fn world(&self, what: &str) -> Result<SimpleCommunicator, ExecError> {
        if is_finalized() {
            return Err(ExecError::Collective {
                reason: format!("{what} over MPI: MPI was already finalised (its world dropped)"),
            });
        }
        Ok(SimpleCommunicator::world())
    }
}

impl Collective for MpiCollective {
    fn rank(&self) -> usize {
        self.rank
    }

    fn size(&self) -> usize {
        self.size
    }

    fn barrier(&mut self) -> Result<(), ExecError> {
        self.world("barrier")?.barrier();
        Ok(())
    }

    fn all_reduce_sum(&mut self, buf: &mut [f32]) -> Result<(), ExecError> {
        let world = self.world("all-reduce")?;
        if self.size == 1 {
            return Ok(());
        }
        // Every rank learns the longest and shortest buffer (the max of
        // `len` and of `u64::MAX − len`), so all of them refuse a mismatch
        // together instead of hanging in, or being truncated by, the sum.
        let len = buf.len() as u64;
        let mine = [len, u64::MAX - len];
        let mut agreed = [0u64; 2];
        world.all_reduce_into(&mine[..], &mut agreed[..], SystemOperation::max());
        let (longest, shortest) = (agreed[0], u64::MAX - agreed[1]);
        if longest != shortest {
            return Err(ExecError::Collective {
                reason: format!(
                    "all-reduce over MPI: ranks passed buffers of {shortest} to {longest} \
                     elements (rank {} passed {len}); every rank must pass the same length",
                    self.rank
                ),
            });
        }
        let mut send = Vec::with_capacity(buf.len().min(self.chunk));
        for part in buf.chunks_mut(self.chunk) {
            send.clear();
            send.extend_from_slice(part);
            world.all_reduce_into(&send[..], part, SystemOperation::sum());
        }
        Ok(())
    }

    fn method(&self) -> &'static str {
        "mpi"
    }
}

#[cfg(test)]
mod tests {
    //! The test binary runs itself under `mpirun`: the driver test starts
    //! `mpirun -np N <this test binary> <this test>` with [`RANKS_VAR`] set,
    //! each rank runs the checks and prints one line, and the driver checks
    //! that every rank passed and that all ended with the same bits.

    use super::*;
    use std::process::Command;

    /// Set (to the expected rank count) in the ranks' environment.
    const RANKS_VAR: &str = "CIRRUS_MPI_TEST_RANKS";
    /// The test's name for libtest's `--exact`.
    const TEST_NAME: &str = "mpi_comm::tests::mpi_all_reduce_on_2_and_3_ranks";
    /// Elements summed: not a multiple of the chunk, to sum a short last one.
    const LEN: usize = 1000;
    const CHUNK: usize = 7;

    /// Rank `r`'s input, spread over magnitudes so that rounding depends on
    /// the order of the sum.
    fn input(r: usize, i: usize) -> f32 {
        let x = ((i * 37 + r * 101) % 1009) as f32 / 1009.0 - 0.5;
        x * 10f32.powi((i % 9) as i32 - 4) + r as f32 * 1e-3
    }

    /// FNV-1a over the bits of `buf`.
    fn bits_hash(buf: &[f32]) -> u64 {
        let bytes: Vec<u8> = buf.iter().flat_map(|x| x.to_bits().to_le_bytes()).collect();
        cirrus_sim::engine::content_hash(&bytes)
    }

    /// Sums `buf` (every element `r + 0.5` on rank `r`) in one call and
    /// checks every element is `n²/2`.
    fn world_sum_checked(c: &mut MpiCollective, buf: &mut [f32], n: usize) {
        let mut whole = MpiCollective {
            chunk: MAX_CHUNK_ELEMENTS,
            ..*c
        };
        whole.all_reduce_sum(buf).expect("large all-reduce");
        let want = (n * n) as f32 / 2.0;
        assert!(
            buf.iter().all(|x| *x == want),
            "large all-reduce: want {want}"
        );
    }

    /// What one rank checks, then prints `cirrus-mpi-rank R of N: HASH`.
    fn rank_checks(expected_size: usize) {
        let mut world = MpiWorld::init().expect("initialise MPI");
        assert_eq!(world.size(), expected_size);
        let (r, n) = (world.rank(), world.size());
        assert!(MpiWorld::init().is_err(), "MPI initialises once");
        let mut c = world
            .collective()
            .expect("the rank")
            .with_chunk_elements(CHUNK);
        let again = world.collective().expect_err("handed out once");
        assert!(again.to_string().contains("already taken"), "{again}");
        assert_eq!((c.rank(), c.size(), c.method()), (r, n, "mpi"));
        c.barrier().expect("barrier");

        let mut buf: Vec<f32> = (0..LEN).map(|i| input(r, i)).collect();
        c.all_reduce_sum(&mut buf).expect("all-reduce");
        for (i, x) in buf.iter().enumerate() {
            let exact: f64 = (0..n).map(|q| f64::from(input(q, i))).sum();
            assert!(
                (f64::from(*x) - exact).abs() <= 1e-6 * (1.0 + exact.abs()),
                "element {i}: {x} vs {exact}"
            );
            if n == 2 {
                // One rounding, whichever rank adds: exactly the f32 sum.
                assert_eq!(
                    x.to_bits(),
                    (input(0, i) + input(1, i)).to_bits(),
                    "element {i}"
                );
            }
        }

        // A gradient-sized buffer in one call (16 MiB: MPI's large-message
        // path between processes, not the small eager one).
        let mut big = vec![r as f32 + 0.5; 1 << 22];
        world_sum_checked(&mut c, &mut big, n);

        let mut empty: [f32; 0] = [];
        c.all_reduce_sum(&mut empty).expect("empty all-reduce");

        // Rank 0 passes one element fewer: every rank refuses, none hangs.
        let mut short = vec![1.0f32; if r == 0 { 3 } else { 4 }];
        let err = c.all_reduce_sum(&mut short).expect_err("length mismatch");
        assert!(
            err.to_string().contains("buffers of 3 to 4 elements"),
            "{err}"
        );
        assert_eq!(short[0], 1.0, "a refused sum leaves the buffer alone");
        // And the next, agreeing call still sums.
        let mut ones = vec![1.0f32; 5];
        c.all_reduce_sum(&mut ones)
            .expect("all-reduce after a refusal");
        assert_eq!(ones, vec![n as f32; 5]);

        // A line of its own: the ranks' libtest output interleaves.
        println!("\ncirrus-mpi-rank {r} of {n}: {:016x}", bits_hash(&buf));
        drop(world);
        let err = c.barrier().expect_err("MPI finalised");
        assert!(err.to_string().contains("finalised"), "{err}");
    }

    /// Runs [`TEST_NAME`] on `n` ranks; returns each rank's hash, by rank.
    fn run_ranks(n: usize) -> Vec<String> {
        let exe = std::env::current_exe().expect("the test binary's path");
        let out = Command::new("mpirun")
            // Root in CI containers; more ranks than cores on 2-core CI; a
            // hung job fails instead of stalling the suite.
            .args(["--allow-run-as-root", "--oversubscribe", "--timeout", "120"])
            .args(["-np", &n.to_string(), "-x", RANKS_VAR])
            .arg(exe)
            .args([TEST_NAME, "--exact", "--nocapture", "--test-threads=1"])
            .env(RANKS_VAR, n.to_string())
            .output()
            .expect("run mpirun (test.sh installs Open MPI: openmpi-bin)");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success(),
            "mpirun -np {n} failed: {}\nstdout:\n{stdout}\nstderr:\n{stderr}",
            out.status
        );
        let mut ranks: Vec<(usize, String)> = stdout
            .lines()
            .filter_map(|l| l.split_once("cirrus-mpi-rank ").map(|(_, rest)| rest))
            .map(|l| {
                let (head, hash) = l.split_once(": ").expect("`R of N: HASH`");
                let (r, size) = head.split_once(" of ").expect("`R of N`");
                assert_eq!(size, n.to_string(), "{l}");
                (r.parse().expect("rank"), hash.to_owned())
            })
            .collect();
        ranks.sort();
        let order: Vec<usize> = ranks.iter().map(|(r, _)| *r).collect();
        assert_eq!(order, (0..n).collect::<Vec<_>>(), "stdout:\n{stdout}");
        ranks.into_iter().map(|(_, h)| h).collect()
    }

    /// Real Open MPI on localhost: 2 ranks (each checks the exact f32 sum)
    /// and 3 (where the rounding depends on the order, so equal bits on
    /// every rank are a real check).
    #[test]
    fn mpi_all_reduce_on_2_and_3_ranks() {
        if let Ok(n) = std::env::var(RANKS_VAR) {
            rank_checks(n.parse().expect("rank count"));
            return;
        }
        for n in [2, 3] {
            let hashes = run_ranks(n);
            assert!(
                hashes.iter().all(|h| *h == hashes[0]),
                "{n} ranks ended with different bits: {hashes:?}"
            );
        }
    }

    /// The trait needs `Send` (a compile-time check).
    #[test]
    fn mpi_collective_is_send() {
        fn send<T: Send>() {}
        send::<MpiCollective>();
    }
}
