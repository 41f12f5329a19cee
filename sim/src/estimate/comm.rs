//! α-β cost of collectives: a latency per algorithm step plus the bytes each
//! rank must move over the bandwidth of the slowest link it uses.

use crate::units::{Bytes, BytesPerSec, Seconds};

/// A group of ranks joined by links of one bandwidth and latency.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Link {
    /// Effective per-rank bandwidth (line rate × bus efficiency).
    pub bandwidth: BytesPerSec,
    /// Latency of one algorithm step.
    pub latency: Seconds,
}

/// Ring all-reduce of `bytes` per rank over `n` ranks:
/// `2(n−1)` steps, each rank moving `2(n−1)/n · bytes`.
pub fn all_reduce(bytes: Bytes, n: u64, link: Link) -> Seconds {
    if n <= 1 {
        return Seconds::ZERO;
    }
    let n_f = n as f64;
    link.latency * (2.0 * (n_f - 1.0)) + bytes * (2.0 * (n_f - 1.0) / n_f) / link.bandwidth
}

/// Ring all-gather (or reduce-scatter) producing `bytes` per rank over `n`
/// ranks: `n−1` steps, each rank moving `(n−1)/n · bytes`.
pub fn all_gather(bytes: Bytes, n: u64, link: Link) -> Seconds {
    if n <= 1 {
        return Seconds::ZERO;
    }
    let n_f = n as f64;
    link.latency * (n_f - 1.0) + bytes * ((n_f - 1.0) / n_f) / link.bandwidth
}

/// Binary-tree all-reduce over `n` ranks, reduction up and broadcast down
/// pipelined: an inner rank exchanges the whole buffer with each of its two
/// children over its one link, `2 · bytes`, and the pipeline is `2·⌊log₂ n⌋`
/// hops deep.
pub fn tree_all_reduce(bytes: Bytes, n: u64, link: Link) -> Seconds {
    if n <= 1 {
        return Seconds::ZERO;
    }
    let depth = f64::from(n.ilog2());
    let fan = if n > 2 { 2.0 } else { 1.0 };
    link.latency * (2.0 * depth) + bytes * fan / link.bandwidth
}

/// Two-level all-reduce: reduce-scatter inside groups of `inner` ranks,
/// all-reduce of each `1/inner` shard across `outer` groups, all-gather
/// inside again (NCCL's tree/ring hierarchy, Megatron's layout).
pub fn hierarchical_all_reduce(
    bytes: Bytes,
    inner: u64,
    inner_link: Link,
    outer: u64,
    outer_link: Link,
) -> Seconds {
    let shard = bytes / inner.max(1) as f64;
    all_gather(bytes, inner, inner_link) * 2.0 + all_reduce(shard, outer, outer_link)
}

/// Two-level all-gather of `bytes` in all (each of the `inner · outer` ranks
/// holds `bytes / (inner · outer)`): across groups first, among ranks of the
/// same position (`bytes / inner` gathered per position), then inside each
/// group.
pub fn hierarchical_all_gather(
    bytes: Bytes,
    inner: u64,
    inner_link: Link,
    outer: u64,
    outer_link: Link,
) -> Seconds {
    all_gather(bytes / inner.max(1) as f64, outer, outer_link)
        + all_gather(bytes, inner, inner_link)
}

/// One point-to-point transfer.
pub fn send(bytes: Bytes, link: Link) -> Seconds {
    link.latency + bytes / link.bandwidth
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(gbyte_s: f64) -> Link {
        Link {
            bandwidth: BytesPerSec::from_gbyte_s(gbyte_s),
            latency: Seconds::ZERO,
        }
    }

    #[test]
    fn ring_all_reduce_known_answer() {
        // 8 ranks, 1 GB each, 100 GB/s: 2·7/8 GB / 100 GB/s = 17.5 ms.
        let t = all_reduce(Bytes::from_gb(1.0), 8, link(100.0));
        assert!((t.get() - 0.0175).abs() < 1e-12);
        assert_eq!(
            all_reduce(Bytes::from_gb(1.0), 1, link(100.0)),
            Seconds::ZERO
        );
    }

    #[test]
    fn hierarchy_equals_flat_ring_when_links_are_equal() {
        // Inner 8 × outer 1 over the same link = the flat 8-rank ring.
        let b = Bytes::from_gb(2.0);
        let flat = all_reduce(b, 8, link(50.0));
        let hier = hierarchical_all_reduce(b, 8, link(50.0), 1, link(50.0));
        assert!((flat.get() - hier.get()).abs() < 1e-12);
        // A fast inner level beats a flat ring over the slow links.
        let slow_flat = all_reduce(b, 64, link(25.0));
        let fast_inner = hierarchical_all_reduce(b, 8, link(300.0), 8, link(25.0));
        assert!(fast_inner < slow_flat);
    }
}
