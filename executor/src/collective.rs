//! How data-parallel workers combine their gradients: the [`Collective`]
//! trait (rank, size, barrier, element-wise sum across ranks) and its
//! in-process implementations, one worker per thread, exchanging through
//! host memory:
//!
//! - [`ring`]: the chunked ring all-reduce (reduce-scatter then all-gather,
//!   `2·(N−1)` steps, each moving `1/N` of the buffer to the next rank), as
//!   NCCL and Horovod do between GPUs;
//! - [`parameter_server`]: every rank sends its buffer to rank 0, which sums
//!   them in rank order and sends the sum back.
//!
//! Both give every rank bit-identical results (the ring sums each chunk once
//! and copies it around), so replicas that apply the same optimizer step stay
//! identical. With the `mpi` cargo feature, an MPI communicator implements
//! the same trait across processes.
//!
//! ```
//! use cirrus_executor::collective::{Collective, ring};
//!
//! let comms = ring(3);
//! let sums: Vec<Vec<f32>> = std::thread::scope(|s| {
//!     let handles: Vec<_> = comms
//!         .into_iter()
//!         .map(|mut c| {
//!             s.spawn(move || {
//!                 let r = c.rank() as f32;
//!                 let mut buf = vec![r, 10.0 * r, 100.0 * r, 1.0, 2.0];
//!                 c.all_reduce_sum(&mut buf).map(|()| buf)
//!             })
//!         })
//!         .collect();
//!     handles.into_iter().map(|h| h.join().expect("worker")).collect::<Result<_, _>>()
//! })?;
//! for s in &sums {
//!     assert_eq!(s, &[3.0, 30.0, 300.0, 3.0, 6.0]);
//! }
//! # Ok::<(), cirrus_executor::ExecError>(())
//! ```

use std::sync::mpsc::{Receiver, Sender, channel};

use crate::error::ExecError;

/// A group of ranks that combine buffers. Every rank must make the same
/// sequence of calls with buffers of the same lengths.
pub trait Collective: Send {
    /// This rank, `0..size`.
    fn rank(&self) -> usize;

    /// The number of ranks.
    fn size(&self) -> usize;

    /// Returns once every rank has called it.
    fn barrier(&mut self) -> Result<(), ExecError>;

    /// Replaces `buf` on every rank with the element-wise sum of every
    /// rank's `buf`; all ranks end with identical bits.
    fn all_reduce_sum(&mut self, buf: &mut [f32]) -> Result<(), ExecError>;

    /// How the sum travels, for reports: `ring`, `parameter-server`, `mpi`.
    fn method(&self) -> &'static str;
}

/// The environment variables through which MPI launchers tell a process the
/// number of ranks of its job: Open MPI's `mpirun`, then the PMI variable of
/// MPICH's Hydra and Slurm's `srun`.
pub const LAUNCHER_SIZE_VARS: [&str; 2] = ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE"];

/// The number of ranks an MPI launcher (`mpirun -np N`) started this
/// process's job with, read from the launcher's environment
/// ([`LAUNCHER_SIZE_VARS`]) without initialising MPI; `None` when the process
/// was not started by a launcher. Works with or without the `mpi` feature, so
/// a binary built without it can refuse to run one copy of the whole job per
/// rank.
pub fn launched_ranks() -> Result<Option<usize>, ExecError> {
    launched_ranks_from(|name| std::env::var_os(name))
}

/// [`launched_ranks`] over any environment lookup.
fn launched_ranks_from(
    get: impl Fn(&str) -> Option<std::ffi::OsString>,
) -> Result<Option<usize>, ExecError> {
    for name in LAUNCHER_SIZE_VARS {
        if let Some(value) = get(name) {
            let text = value.to_string_lossy();
            return match text.trim().parse::<usize>() {
                Ok(n) if n > 0 => Ok(Some(n)),
                _ => Err(ExecError::Collective {
                    reason: format!(
                        "read the MPI launcher's rank count: {name}={text:?} is not a positive whole number"
                    ),
                }),
            };
        }
    }
    Ok(None)
}

/// The most bytes of each rank's text [`gather_text`] carries.
pub const GATHER_TEXT_BYTES: usize = 256;

/// Every rank's `text` (an adapter's name, say), by rank, on every rank;
/// each is cut to [`GATHER_TEXT_BYTES`] bytes at a character boundary. Built
/// on [`Collective::all_reduce_sum`] alone: each rank fills its own slot of a
/// zero buffer with its bytes (exact in `f32`) and the sum is everyone's.
pub fn gather_text(comm: &mut dyn Collective, text: &str) -> Result<Vec<String>, ExecError> {
    let (rank, size) = (comm.rank(), comm.size());
    let mut end = text.len().min(GATHER_TEXT_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    // Slot: a length, then the bytes.
    let slot = GATHER_TEXT_BYTES + 1;
    let mut buf = vec![0.0f32; slot * size];
    let mine = &mut buf[slot * rank..slot * (rank + 1)];
    mine[0] = end as f32;
    for (x, b) in mine[1..].iter_mut().zip(&text.as_bytes()[..end]) {
        *x = f32::from(*b);
    }
    comm.all_reduce_sum(&mut buf)?;
    buf.chunks_exact(slot)
        .enumerate()
        .map(|(r, s)| {
            let len = s[0] as usize;
            let bytes: Option<Vec<u8>> =
                s.get(1..=len).map(|b| b.iter().map(|x| *x as u8).collect());
            bytes
                .and_then(|b| String::from_utf8(b).ok())
                .ok_or_else(|| ExecError::Collective {
                    reason: format!("gather texts: rank {r}'s slot holds no text"),
                })
        })
        .collect()
}

/// A peer rank's thread stopped (failed or panicked) mid-collective.
fn peer_gone(what: &str) -> ExecError {
    ExecError::Collective {
        reason: format!("a peer worker stopped during the {what}"),
    }
}

/// One rank of an in-process chunked ring all-reduce.
#[derive(Debug)]
pub struct RingRank {
    rank: usize,
    size: usize,
    next: Sender<Vec<f32>>,
    prev: Receiver<Vec<f32>>,
}

/// `size` ranks of a ring, to be moved one to each worker thread.
pub fn ring(size: usize) -> Vec<RingRank> {
    let size = size.max(1);
    let (senders, receivers): (Vec<_>, Vec<_>) = (0..size).map(|_| channel()).unzip();
    // Rank r sends to r + 1 over channel r + 1 and receives on channel r.
    let mut receivers: Vec<Option<Receiver<Vec<f32>>>> = receivers.into_iter().map(Some).collect();
    (0..size)
        .map(|rank| RingRank {
            rank,
            size,
            next: senders[(rank + 1) % size].clone(),
            prev: receivers[rank].take().unwrap_or_else(|| channel().1),
        })
        .collect()
}

/// The index range of chunk `c` of `len` elements split into `parts`.
fn chunk(len: usize, parts: usize, c: usize) -> std::ops::Range<usize> {
    (c * len / parts)..((c + 1) * len / parts)
}

impl Collective for RingRank {
    fn rank(&self) -> usize {
        self.rank
    }

    fn size(&self) -> usize {
        self.size
    }

    fn barrier(&mut self) -> Result<(), ExecError> {
        // A one-element sum: it cannot finish before every rank has joined,
        // and a stopped peer is an error instead of a hang.
        self.all_reduce_sum(&mut [0.0])
    }

    fn all_reduce_sum(&mut self, buf: &mut [f32]) -> Result<(), ExecError> {
        let (n, r, len) = (self.size, self.rank, buf.len());
        if n == 1 {
            return Ok(());
        }
        // Reduce-scatter: after step s, rank r has summed s + 2 ranks' parts
        // of chunk (r − s − 1); after n − 1 steps it owns chunk (r + 1) in
        // full.
        for s in 0..n - 1 {
            let send = chunk(len, n, (r + n - s) % n);
            self.next
                .send(buf[send].to_vec())
                .map_err(|_| peer_gone("ring reduce-scatter"))?;
            let part = self
                .prev
                .recv()
                .map_err(|_| peer_gone("ring reduce-scatter"))?;
            let recv = chunk(len, n, (r + 2 * n - s - 1) % n);
            for (x, y) in buf[recv].iter_mut().zip(part) {
                *x += y;
            }
        }
        // All-gather: pass the finished chunks around the ring.
        for s in 0..n - 1 {
            let send = chunk(len, n, (r + 1 + n - s) % n);
            self.next
                .send(buf[send].to_vec())
                .map_err(|_| peer_gone("ring all-gather"))?;
            let part = self.prev.recv().map_err(|_| peer_gone("ring all-gather"))?;
            let recv = chunk(len, n, (r + n - s) % n);
            buf[recv].copy_from_slice(&part);
        }
        Ok(())
    }

    fn method(&self) -> &'static str {
        "ring"
    }
}

/// One rank of an in-process parameter server (rank 0 is the server).
#[derive(Debug)]
pub struct ServerRank {
    rank: usize,
    size: usize,
    /// Rank 0: one receiver per rank (its own unused); others: none.
    from_workers: Vec<Receiver<Vec<f32>>>,
    /// Rank 0: one sender per rank (its own unused); others: to rank 0.
    to: Vec<Sender<Vec<f32>>>,
    /// Others: the sum from rank 0.
    from_server: Option<Receiver<Vec<f32>>>,
}

/// `size` ranks of a parameter server, to be moved one to each worker
/// thread.
pub fn parameter_server(size: usize) -> Vec<ServerRank> {
    let size = size.max(1);
    let (up_tx, up_rx): (Vec<_>, Vec<_>) = (0..size).map(|_| channel()).unzip();
    let (down_tx, down_rx): (Vec<_>, Vec<_>) = (0..size).map(|_| channel()).unzip();
    let mut ranks = vec![ServerRank {
        rank: 0,
        size,
        from_workers: up_rx,
        to: down_tx,
        from_server: None,
    }];
    for (rank, down) in down_rx.into_iter().enumerate().skip(1) {
        ranks.push(ServerRank {
            rank,
            size,
            from_workers: Vec::new(),
            to: vec![up_tx[rank].clone()],
            from_server: Some(down),
        });
    }
    ranks
}

impl Collective for ServerRank {
    fn rank(&self) -> usize {
        self.rank
    }

    fn size(&self) -> usize {
        self.size
    }

    fn barrier(&mut self) -> Result<(), ExecError> {
        // A one-element sum: it cannot finish before every rank has joined,
        // and a stopped peer is an error instead of a hang.
        self.all_reduce_sum(&mut [0.0])
    }

    fn all_reduce_sum(&mut self, buf: &mut [f32]) -> Result<(), ExecError> {
        if self.size == 1 {
            return Ok(());
        }
        match &self.from_server {
            None => {
                // The server: sum in rank order, then send the sum back.
                for rx in self.from_workers.iter().skip(1) {
                    let part = rx
                        .recv()
                        .map_err(|_| peer_gone("parameter-server gather"))?;
                    for (x, y) in buf.iter_mut().zip(part) {
                        *x += y;
                    }
                }
                for tx in self.to.iter().skip(1) {
                    tx.send(buf.to_vec())
                        .map_err(|_| peer_gone("parameter-server broadcast"))?;
                }
            }
            Some(down) => {
                let up = self
                    .to
                    .first()
                    .ok_or_else(|| peer_gone("parameter-server gather"))?;
                up.send(buf.to_vec())
                    .map_err(|_| peer_gone("parameter-server gather"))?;
                let sum = down
                    .recv()
                    .map_err(|_| peer_gone("parameter-server broadcast"))?;
                buf.copy_from_slice(&sum);
            }
        }
        Ok(())
    }

    fn method(&self) -> &'static str {
        "parameter-server"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Runs `all_reduce_sum` on every rank's input from its own thread.
    fn reduce<C: Collective + 'static>(comms: Vec<C>, inputs: Vec<Vec<f32>>) -> Vec<Vec<f32>> {
        std::thread::scope(|s| {
            let handles: Vec<_> = comms
                .into_iter()
                .zip(inputs)
                .map(|(mut c, mut buf)| {
                    s.spawn(move || {
                        c.barrier().expect("barrier");
                        c.all_reduce_sum(&mut buf).expect("all-reduce");
                        buf
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("thread"))
                .collect()
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]

        /// Every rank ends with the same bits, equal to the element-wise sum
        /// within float32 rounding, for any rank count and length
        /// (including lengths shorter than the rank count).
        #[test]
        fn ring_and_server_sum_identically(size in 1usize..6, len in 0usize..40, seed in any::<u64>()) {
            let inputs: Vec<Vec<f32>> = (0..size)
                .map(|r| (0..len).map(|i| ((seed as usize + 31 * r + 7 * i) % 97) as f32 / 7.0 - 6.0).collect())
                .collect();
            let expected: Vec<f64> = (0..len)
                .map(|i| inputs.iter().map(|v| f64::from(v[i])).sum())
                .collect();
            for out in [reduce(ring(size), inputs.clone()), reduce(parameter_server(size), inputs.clone())] {
                for o in &out {
                    prop_assert_eq!(o, &out[0]);
                    for (x, e) in o.iter().zip(&expected) {
                        prop_assert!((f64::from(*x) - e).abs() <= 1e-4 * (1.0 + e.abs()));
                    }
                }
            }
        }
    }

    /// An environment holding exactly `pairs`.
    fn env<'a>(
        pairs: &'a [(&'a str, &'a str)],
    ) -> impl Fn(&str) -> Option<std::ffi::OsString> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| std::ffi::OsString::from(v))
        }
    }

    #[test]
    fn launched_ranks_reads_the_launchers_environment() {
        assert_eq!(launched_ranks_from(env(&[])).expect("no launcher"), None);
        assert_eq!(
            launched_ranks_from(env(&[("OMPI_COMM_WORLD_SIZE", "2")])).expect("open mpi"),
            Some(2)
        );
        assert_eq!(
            launched_ranks_from(env(&[("PMI_SIZE", "3")])).expect("hydra"),
            Some(3)
        );
        // Open MPI's own variable wins over a PMI one.
        assert_eq!(
            launched_ranks_from(env(&[("PMI_SIZE", "3"), ("OMPI_COMM_WORLD_SIZE", "4")]))
                .expect("both"),
            Some(4)
        );
        for bad in ["", "0", "-1", "two"] {
            let err = launched_ranks_from(env(&[("OMPI_COMM_WORLD_SIZE", bad)])).expect_err(bad);
            assert!(err.to_string().contains("OMPI_COMM_WORLD_SIZE"), "{err}");
        }
    }

    #[test]
    fn gather_text_gives_every_rank_everyones_text() {
        let long = "é".repeat(GATHER_TEXT_BYTES); // 2 bytes each: cut at a boundary
        let texts = ["llvmpipe (LLVM 19.1.7, 256 bits)", "", long.as_str()];
        let got: Vec<Vec<String>> = std::thread::scope(|s| {
            let handles: Vec<_> = ring(3)
                .into_iter()
                .zip(texts)
                .map(|(mut c, t)| s.spawn(move || gather_text(&mut c, t).expect("gather")))
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("thread"))
                .collect()
        });
        let cut = "é".repeat(GATHER_TEXT_BYTES / 2);
        for g in &got {
            assert_eq!(g, &[texts[0], "", cut.as_str()]);
        }
    }

    #[test]
    fn a_stopped_peer_is_an_error_not_a_hang() {
        let mut comms = ring(2);
        let survivor = comms.remove(0);
        drop(comms);
        let mut c = survivor;
        let mut buf = vec![1.0f32; 8];
        let err = c.all_reduce_sum(&mut buf).expect_err("peer is gone");
        assert!(err.to_string().contains("peer worker stopped"), "{err}");
    }
}
