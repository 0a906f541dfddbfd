//! Paired simulation with common random numbers: the same random numbers drive journey `j`
//! through a baseline chain and a modified one, so the per-journey difference has a far smaller
//! variance than the difference of two independent runs (Law 2015, "Simulation Modeling and
//! Analysis", sec. 11.2). This is the engine of what-if scenarios (issue 4).
//!
//! Each journey gets its own generator, seeded from a key drawn from its batch's stream
//! ([`crate::rng::stream`]`(seed, batch)`), and both walks start from copies of it. Two walks
//! therefore take identical steps for as long as they visit rows the two samplers share (same
//! state ids, same row), and a journey that never reaches a changed row has exactly the same
//! outcome and value in both chains, contributing zero to the difference's variance. After the
//! first changed row the walks decouple (the alias slots of a changed row map the same bits to
//! different targets), which is still valid, only less tight. The modified chain must number
//! the baseline's states the same way (new states may be appended), and both samplers should
//! come from [`Sampler::pair`], which lays out shared rows identically.

use rand::{Rng, SeedableRng};

use super::SimulateOptions;
use super::batch::{self, Stop};
use super::sampler::Sampler;
use super::stats::{mean_interval, z95};
use super::tally::Tally;
use super::walk::{VisitSet, WideSet, walk};
use crate::error::{Error, Result};
use crate::rng::{self, Stream};

/// Tallies of both chains over the same journeys, plus the per-journey differences.
#[derive(Debug, Clone, PartialEq)]
pub struct PairedTally {
    /// The baseline chain's journeys.
    pub base: Tally,
    /// The modified chain's journeys.
    pub alt: Tally,
    /// Sum over journeys of (alt converted) - (base converted).
    pub conversion_diff: i64,
    /// Journeys whose conversion differs (the sum of squared differences).
    pub conversion_diff_sq: u64,
    /// Sum over journeys of alt value - base value.
    pub value_diff: f64,
    /// Sum of squared value differences.
    pub value_diff_sq: f64,
}

/// A per-journey difference (alt - base) with its 95% interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Difference {
    /// Mean difference per journey.
    pub estimate: f64,
    /// Normal 95% interval of the mean difference.
    pub ci: [f64; 2],
}

impl PairedTally {
    fn new(base_channels: usize, alt_channels: usize) -> Self {
        PairedTally {
            base: Tally::new(base_channels),
            alt: Tally::new(alt_channels),
            conversion_diff: 0,
            conversion_diff_sq: 0,
            value_diff: 0.0,
            value_diff_sq: 0.0,
        }
    }

    fn merge(&mut self, other: &PairedTally) {
        self.base.merge(&other.base);
        self.alt.merge(&other.alt);
        self.conversion_diff += other.conversion_diff;
        self.conversion_diff_sq += other.conversion_diff_sq;
        self.value_diff += other.value_diff;
        self.value_diff_sq += other.value_diff_sq;
    }

    /// Difference in conversion rate (alt - base) per journey.
    pub fn conversion_difference(&self) -> Difference {
        let (estimate, ci) = mean_interval(
            self.conversion_diff as f64,
            self.conversion_diff_sq as f64,
            self.base.journeys,
        );
        Difference { estimate, ci }
    }

    /// Difference in value per journey (alt - base).
    pub fn value_difference(&self) -> Difference {
        let (estimate, ci) = mean_interval(self.value_diff, self.value_diff_sq, self.base.journeys);
        Difference { estimate, ci }
    }
}

/// Walks the same journeys through `base` and `alt` (common random numbers) per `options`.
/// In a `Stop::Precision` run the target is the half-width of the conversion-rate difference.
pub fn simulate_paired(
    base: &Sampler,
    alt: &Sampler,
    options: &SimulateOptions,
    progress: &dyn Fn(u64, u64),
) -> Result<PairedTally> {
    options.validate()?;
    if alt.n_states() < base.n_states() {
        return Err(Error::Invalid(
            "the modified chain must keep the baseline's states (it may only add some)".into(),
        ));
    }
    let pool = batch::pool(options.threads)?;
    let mut total = PairedTally::new(base.n_channels(), alt.n_channels());
    let (seed, max_steps) = (options.seed, options.max_steps);
    batch::run_batches(
        &pool,
        options.stop,
        |b, journeys| paired_batch(base, alt, seed, b, journeys, max_steps),
        |round| {
            round.iter().for_each(|t| total.merge(t));
            match options.stop {
                Stop::Precision { half_width, .. } => {
                    let n = total.base.journeys as f64;
                    let m = total.conversion_diff as f64 / n;
                    let var = (total.conversion_diff_sq as f64 / n - m * m).max(0.0);
                    z95() * (var / n).sqrt() <= half_width
                }
                Stop::Journeys(_) => false,
            }
        },
        progress,
    );
    Ok(total)
}

/// One batch of paired journeys: journey `j` of batch `index` walks both samplers from copies
/// of the generator seeded with the `j`-th key of the batch's stream.
pub fn paired_batch(
    base: &Sampler,
    alt: &Sampler,
    seed: u64,
    index: u64,
    journeys: u64,
    max_steps: u32,
) -> PairedTally {
    match (base.words, alt.words) {
        (1, 1) => paired_with::<u64, u64>(base, alt, seed, index, journeys, max_steps),
        _ => paired_with::<WideSet, WideSet>(base, alt, seed, index, journeys, max_steps),
    }
}

fn paired_with<A: VisitSet, B: VisitSet>(
    base: &Sampler,
    alt: &Sampler,
    seed: u64,
    index: u64,
    journeys: u64,
    max_steps: u32,
) -> PairedTally {
    let mut keys = rng::stream(seed, index);
    let mut tally = PairedTally::new(base.n_channels(), alt.n_channels());
    let (mut seen_a, mut seen_b) = (A::empty(base.words), B::empty(alt.words));
    for _ in 0..journeys {
        let journey = Stream::seed_from_u64(keys.next_u64());
        let a = walk(base, &mut journey.clone(), max_steps, &mut seen_a);
        let b = walk(alt, &mut journey.clone(), max_steps, &mut seen_b);
        tally.base.record(&a, &seen_a);
        tally.alt.record(&b, &seen_b);
        let converted = |w: &super::walk::Walk| (w.end == super::walk::End::Conversion) as i64;
        let d = converted(&b) - converted(&a);
        tally.conversion_diff += d;
        tally.conversion_diff_sq += (d * d) as u64;
        let dv = b.value - a.value;
        tally.value_diff += dv;
        tally.value_diff_sq += dv * dv;
    }
    tally
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::model_file::ModelFile;
    use crate::model::Chain;

    fn chain(b_row: &str) -> Chain {
        let text = format!(
            r#"{{"format": "journeysim-model", "version": 1, "order": 1, "channels": ["a", "b", "c"],
            "entry": [{{"to": "a", "probability": 0.9}}, {{"to": "c", "probability": 0.1}}],
            "states": [
              {{"state": "a", "transitions": [{{"to": "b", "probability": 0.5}},
                {{"to": "(conversion)", "probability": 0.2}}, {{"to": "(null)", "probability": 0.3}}]}},
              {{"state": "b", "value_per_conversion": 5, "transitions": [{b_row}]}},
              {{"state": "c", "value_per_conversion": 9, "transitions": [{{"to": "(conversion)", "probability": 1}}]}}]}}"#
        );
        ModelFile::parse(&text, "t")
            .unwrap()
            .into_chain("t")
            .unwrap()
    }

    #[test]
    fn journeys_that_avoid_the_changed_row_are_identical_in_both_chains() {
        // The scenario gives b a longer row than any baseline row, which would re-pad every
        // row of a separately built sampler; `Sampler::pair` keeps the shared rows identical.
        let base = chain(
            r#"{"to": "(conversion)", "probability": 0.6}, {"to": "(null)", "probability": 0.4}"#,
        );
        let alt = chain(
            r#"{"to": "(conversion)", "probability": 0.5}, {"to": "(null)", "probability": 0.2},
               {"to": "a", "probability": 0.1}, {"to": "b", "probability": 0.1},
               {"to": "c", "probability": 0.1}"#,
        );
        let (sb, sa) = Sampler::pair(&base, &alt).unwrap();
        let mut keys = rng::stream(5, 0);
        let (mut avoided, mut seen_a, mut seen_b) = (0, 0u64, 0u64);
        for _ in 0..2000 {
            let journey = Stream::seed_from_u64(keys.next_u64());
            let a = walk(&sb, &mut journey.clone(), 100, &mut seen_a);
            let b = walk(&sa, &mut journey.clone(), 100, &mut seen_b);
            if seen_a & 0b010 == 0 {
                avoided += 1;
                assert_eq!(a, b);
                assert_eq!(seen_a, seen_b);
            }
        }
        assert!(avoided > 800, "{avoided}");
        // The paired difference agrees with the exact one within 4 standard errors.
        let exact = crate::solve::absorb(&alt, None)
            .unwrap()
            .conversion_probability
            - crate::solve::absorb(&base, None)
                .unwrap()
                .conversion_probability;
        let options = SimulateOptions::journeys(100_000);
        let paired = simulate_paired(&sb, &sa, &options, &|_, _| {}).unwrap();
        let d = paired.conversion_difference();
        let se = (d.ci[1] - d.ci[0]) / (2.0 * z95());
        assert!(
            (d.estimate - exact).abs() <= 4.0 * se,
            "{} vs {exact}",
            d.estimate
        );
        assert_eq!(paired.base.journeys, 100_000);
    }
}
