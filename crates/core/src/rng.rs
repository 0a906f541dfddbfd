//! Seeded random streams: the only source of randomness in journeysim.
//!
//! Every random computation (a batch of simulated journeys, a bootstrap resample, a generated
//! journey) takes its own generator from [`stream`]`(seed, index)`, where `index` names the unit of
//! work (batch number, resample number). A unit's draws then depend only on the seed and its own
//! index, never on which thread ran it or in what order, so results are bit-identical whatever the
//! thread count (the pattern of rand's `examples/rayon-monte-carlo.rs`).
//!
//! The generator is Xoshiro256++ (`rand_xoshiro`): small, fast, portable across platforms and
//! versions, which a pinned value-stability test relies on. The 64-bit stream key is
//! `splitmix64(seed ^ splitmix64(index + golden))`, which gives unrelated keys for neighbouring
//! indices; `Xoshiro256PlusPlus::seed_from_u64` expands the key with SplitMix64 as well.
//!
//! ```
//! use journeysim_core::rng::stream;
//! use rand::RngExt;
//!
//! // The same (seed, index) gives the same draws on any thread; another index, other draws.
//! let a: u64 = stream(7, 3).random();
//! assert_eq!(a, stream(7, 3).random::<u64>());
//! assert_ne!(a, stream(7, 4).random::<u64>());
//! ```

use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

/// The generator every stream uses.
pub type Stream = Xoshiro256PlusPlus;

/// The seed used when the user gives none; printed in every output so a run can be repeated.
pub const DEFAULT_SEED: u64 = 20_240_601;

/// The generator for unit of work `index` of a run seeded with `seed`.
pub fn stream(seed: u64, index: u64) -> Stream {
    const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;
    Stream::seed_from_u64(splitmix64(seed ^ splitmix64(index.wrapping_add(GOLDEN))))
}

/// One step of SplitMix64 (Steele, Lea and Flood 2014): a bijective 64-bit mixer.
fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn streams_are_pinned_so_a_change_to_the_derivation_shows() {
        // Value-stability: these numbers change only if the stream derivation or the generator
        // changes, which would change every seeded result the tool prints.
        let firsts: Vec<u64> = (0..3).map(|i| stream(7, i).next_u64()).collect();
        assert_eq!(firsts, PINNED);
    }

    const PINNED: [u64; 3] = [
        16_987_812_149_045_941_464,
        8_785_173_070_432_755_416,
        18_385_436_064_652_184_040,
    ];

    #[test]
    fn neighbouring_indices_and_seeds_give_different_streams() {
        let a = stream(1, 0).next_u64();
        assert_ne!(a, stream(1, 1).next_u64());
        assert_ne!(a, stream(2, 0).next_u64());
        assert_eq!(a, stream(1, 0).next_u64());
    }
}
