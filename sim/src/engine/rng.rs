//! Named, seeded random streams.
//!
//! A simulation has many consumers of randomness (failure times, straggler
//! jitter, arrival times). If they shared one generator, adding a draw in one
//! consumer would shift every value the others see. Instead each consumer
//! asks for its own stream by name, and the stream's seed depends only on
//! the scenario seed and that name.
//!
//! # Derivation (stable; changing it changes every result)
//!
//! 1. `h` = FNV-1a 64 (offset basis `0xcbf29ce484222325`, prime
//!    `0x100000001b3`) over the 8 little-endian bytes of the seed followed by
//!    the UTF-8 bytes of the name. The seed has a fixed length, so distinct
//!    (seed, name) pairs give distinct byte strings.
//! 2. The 32-byte ChaCha8 key is four successive outputs of SplitMix64
//!    started at `h`, each written little-endian. SplitMix64's finaliser
//!    spreads FNV's weakly mixed bits over the whole key.
//! 3. The generator is `ChaCha8Rng::from_seed(key)`, stream 0, word 0.
//!
//! Everything is written out here rather than taken from `std`'s
//! `DefaultHasher`, whose algorithm is explicitly not guaranteed to stay the
//! same between Rust releases.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// FNV-1a 64-bit offset basis.
pub(crate) const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
/// FNV-1a 64-bit prime.
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// FNV-1a 64 over `bytes`, continuing from `state`.
pub(crate) fn fnv1a(mut state: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        state ^= u64::from(b);
        state = state.wrapping_mul(FNV_PRIME);
    }
    state
}

/// One SplitMix64 step (Steele, Lea & Flood 2014): advances `state` and
/// returns the mixed output.
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The 32-byte ChaCha8 key for stream `name` under `seed` (see the module
/// docs for the derivation).
pub fn stream_key(seed: u64, name: &str) -> [u8; 32] {
    let mut state = fnv1a(fnv1a(FNV_OFFSET, &seed.to_le_bytes()), name.as_bytes());
    let mut key = [0u8; 32];
    for chunk in key.chunks_exact_mut(8) {
        chunk.copy_from_slice(&splitmix64(&mut state).to_le_bytes());
    }
    key
}

/// Named, seeded random streams: one independent ChaCha8 stream per
/// (seed, name), so adding a consumer shifts nothing else.
///
/// ```
/// use cirrus_sim::engine::RngStreams;
/// use rand::RngExt;
///
/// let streams = RngStreams::new(42);
/// let mut failures = streams.stream("failures");
/// let mut again = RngStreams::new(42).stream("failures");
/// let x: u64 = failures.random();
/// assert_eq!(x, again.random::<u64>());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RngStreams {
    seed: u64,
}

impl RngStreams {
    /// Streams for the scenario seed `seed`.
    pub fn new(seed: u64) -> Self {
        RngStreams { seed }
    }

    /// The scenario seed these streams derive from.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// A fresh generator for consumer `name`, at the start of its stream.
    /// Calling this twice with the same name gives two generators producing
    /// the same sequence; take it once per consumer and keep it.
    pub fn stream(&self, name: &str) -> ChaCha8Rng {
        ChaCha8Rng::from_seed(stream_key(self.seed, name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngExt;

    fn first_values(mut rng: ChaCha8Rng, n: usize) -> Vec<u64> {
        (0..n).map(|_| rng.random::<u64>()).collect()
    }

    #[test]
    fn same_seed_and_name_give_the_same_sequence() {
        let a = first_values(RngStreams::new(7).stream("jitter"), 100);
        let b = first_values(RngStreams::new(7).stream("jitter"), 100);
        assert_eq!(a, b);
    }

    #[test]
    fn different_names_or_seeds_give_different_sequences() {
        let s = RngStreams::new(7);
        let jitter = first_values(s.stream("jitter"), 8);
        let failures = first_values(s.stream("failures"), 8);
        let empty = first_values(s.stream(""), 8);
        let other_seed = first_values(RngStreams::new(8).stream("jitter"), 8);
        assert_ne!(jitter, failures);
        assert_ne!(jitter, empty);
        assert_ne!(jitter, other_seed);
        assert_ne!(failures, empty);
    }

    #[test]
    fn fnv1a_matches_published_vectors() {
        // From the FNV reference test suite (isthe.com/chongo/tech/comp/fnv).
        assert_eq!(fnv1a(FNV_OFFSET, b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(FNV_OFFSET, b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(FNV_OFFSET, b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn splitmix64_matches_reference() {
        // First outputs of the reference SplitMix64 seeded with 0.
        let mut s = 0u64;
        assert_eq!(splitmix64(&mut s), 0xe220_a839_7b1d_cdaf);
        assert_eq!(splitmix64(&mut s), 0x6e78_9e6a_a1b9_65f4);
    }

    /// Pins the derivation: if this changes, every simulated result changes.
    #[test]
    fn known_answer_for_seed_42_failures() {
        let mut rng = RngStreams::new(42).stream("failures");
        assert_eq!(rng.random::<u64>(), PINNED_FIRST_U64);
    }

    /// Computed once from this derivation (ChaCha8 from rand_chacha 0.10).
    const PINNED_FIRST_U64: u64 = 11_759_263_571_839_655_080;

    /// The key, cross-checked against an independent Python transcription of
    /// the documented derivation.
    #[test]
    fn known_answer_key_for_seed_42_failures() {
        let words: Vec<u64> = stream_key(42, "failures")
            .chunks_exact(8)
            .map(|c| u64::from_le_bytes(c.try_into().expect("8-byte chunk")))
            .collect();
        assert_eq!(
            words,
            [
                0x048a_bc7a_7104_8640,
                0xe6ab_e7da_fa4d_1d9f,
                0xc895_f24e_18fe_bc1a,
                0x48a3_8b69_351e_a3d6
            ]
        );
    }
}
