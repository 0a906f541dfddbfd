//! A chain compiled for walking: alias rows, per-state channel masks and value tables.
//!
//! Everything a step touches is a small integer or a flat array: state ids are `u32`, targets
//! `n` and `n + 1` are (conversion) and (null) as in [`Chain`] (so "is the walk over?" is one
//! comparison), and a walk carries each state as its handle in the transition table (see
//! [`FlatAlias::chain`]). The entry distribution is a table of its own.
//!
//! Channels visited: each state carries a bitmask of the channels in its window. With at most 64
//! channels (the usual case: the reference data have 12) the mask is one `u64` and a walk ORs it
//! into a register; with more, each state has `words = ceil(channels / 64)` words and the walk
//! ORs slices (slower, same results).
//!
//! Value: a converting journey takes its value from the empirical distribution of value per
//! conversion of its last state (the state it converted from), as fitted with
//! `FitOptions { value_distribution: true, .. }`; a state without a distribution (hand-written
//! models, attribution fits) uses its mean `value_per_conversion`. The expectation is therefore
//! the exact value per journey of [`crate::solve::absorb`]; the distribution only adds the
//! realistic spread of order values to the interval.

use super::alias::FlatAlias;
use super::timing::{Clock, Timing, check_horizons};
use crate::error::{Error, Result};
use crate::model::{Chain, StateId};

/// A [`Chain`] compiled for O(1) steps.
#[derive(Debug, Clone)]
pub struct Sampler {
    /// Number of transient states.
    pub(crate) n: u32,
    /// Number of channels.
    pub(crate) channels: usize,
    /// Mask words per state (1 when there are at most 64 channels).
    pub(crate) words: usize,
    /// Row s: state s's transitions.
    pub(crate) transitions: FlatAlias,
    /// Row 0: the entry distribution, over handles of `transitions` (kept apart: it is often
    /// far longer than the state rows, and padding every row to its length would push the
    /// transition table out of cache).
    pub(crate) entry: FlatAlias,
    /// `words` mask words per state: bit c set when the state's window contains channel c.
    pub(crate) masks: Vec<u64>,
    /// Touches in each state's window (the first state of a journey contributes them all).
    pub(crate) window: Vec<u32>,
    /// Row s: index into `values` of a value per conversion for journeys converting from s.
    pub(crate) value_rows: FlatAlias,
    /// Values per conversion, indexed by the outcomes of `value_rows`.
    pub(crate) values: Vec<f64>,
    /// The weight of each value in its state's distribution (parallel to `values`).
    pub(crate) value_weights: Vec<f64>,
    /// State s's values are `values[value_first[s]..value_first[s + 1]]`.
    pub(crate) value_first: Vec<u32>,
    /// The chain's rows as probabilities (CSR over `row_targets`/`row_probs`, targets numbered
    /// as in the chain) and its entry distribution: what a coupling of two samplers compares
    /// (see [`super::coupling`]); the alias tables above only know how to draw.
    pub(crate) row_ptr: Vec<usize>,
    /// Targets of every row, back to back.
    pub(crate) row_targets: Vec<u32>,
    /// Their probabilities.
    pub(crate) row_probs: Vec<f64>,
    /// `(state, probability)` of the entry distribution.
    pub(crate) entry_probs: Vec<(u32, f64)>,
    /// Every state's time to its next event, when converting walks are timed
    /// ([`Sampler::timed`]).
    pub(crate) clock: Option<Box<Clock>>,
}

impl Sampler {
    /// Compiles `chain`, which is validated first (rows summing to 1, every reachable state
    /// able to end), so that a walk cannot fail.
    pub fn new(chain: &Chain) -> Result<Self> {
        Self::build(chain, 0)
    }

    /// Samplers for a baseline and a modified chain, laid out alike: rows padded to the same
    /// length, so a row the two chains share maps the same random bits to the same target.
    /// [`super::simulate_paired`] no longer depends on it (it couples steps through the rows'
    /// probabilities, see `super::coupling`, and draws only from the baseline's table while
    /// the walks are together), so separately built samplers pair just as tightly.
    pub fn pair(base: &Chain, alt: &Chain) -> Result<(Sampler, Sampler)> {
        let mut samplers = Self::aligned(&[base, alt])?.into_iter();
        match (samplers.next(), samplers.next()) {
            (Some(base), Some(alt)) => Ok((base, alt)),
            _ => unreachable!("two chains give two samplers"),
        }
    }

    /// Samplers for several chains laid out alike (see [`Sampler::pair`]): a baseline and all
    /// its scenarios, so that every scenario is compared on the very same baseline journeys.
    pub fn aligned(chains: &[&Chain]) -> Result<Vec<Sampler>> {
        let longest = |c: &Chain| {
            c.row_offsets()
                .windows(2)
                .map(|w| w[1] - w[0])
                .max()
                .unwrap_or(1)
        };
        let len = chains.iter().map(|c| longest(c)).max().unwrap_or(1);
        chains.iter().map(|c| Self::build(c, len)).collect()
    }

    fn build(chain: &Chain, min_row_len: usize) -> Result<Self> {
        let n = chain.n_states();
        let n32 = u32::try_from(n)
            .ok()
            .filter(|&n| n < u32::MAX - 1)
            .ok_or_else(|| Error::Invalid(format!("{n} states are too many to simulate")))?;
        if chain.entry().is_empty() {
            return Err(Error::Invalid(
                "the model has no entry probabilities: no journey can start".into(),
            ));
        }
        check_values(chain)?;
        // The walk indexes per-state arrays without bounds checks, which is sound because every
        // state it can hold is in range: `Chain::from_rows` checked that entry states are
        // transient and targets at most (null), and no chain changes its rows afterwards.
        chain.check()?;
        let rows: Vec<(Vec<f64>, Vec<u32>)> = (0..n32)
            .map(|s| {
                let (targets, probs) = chain.row(s as StateId);
                (probs.to_vec(), targets.to_vec())
            })
            .collect();
        let (entry_states, entry_probs): (Vec<u32>, Vec<f64>) =
            chain.entry().iter().copied().unzip();
        let transitions = FlatAlias::chain(&rows, min_row_len);
        // The entry row yields handles of `transitions`, where walks start.
        let entry_handles = entry_states
            .iter()
            .map(|&s| transitions.handle(s))
            .collect();
        let entry = FlatAlias::new(&[(entry_probs, entry_handles)]);

        let channels = chain.channels().len();
        let words = channels.div_ceil(64).max(1);
        let mut masks = vec![0u64; n * words];
        for (s, touches) in chain.states().iter().enumerate() {
            for &c in touches.iter() {
                masks[s * words + c as usize / 64] |= 1 << (c % 64);
            }
        }
        let window = chain.states().iter().map(|t| t.len() as u32).collect();

        let mut value_table = Vec::with_capacity(n);
        let mut values = Vec::new();
        let mut value_weights = Vec::new();
        let mut value_first = Vec::with_capacity(n + 1);
        for s in 0..n {
            let distribution = chain.value_distribution().get(s).filter(|d| {
                !d.is_empty()
                    && d.iter().all(|&(v, w)| v.is_finite() && w >= 0.0)
                    && d.iter().any(|&(_, w)| w > 0.0)
            });
            let first = values.len() as u32;
            value_first.push(first);
            match distribution {
                Some(d) => {
                    values.extend(d.iter().map(|&(v, _)| v));
                    let weights: Vec<f64> = d.iter().map(|&(_, w)| w).collect();
                    value_weights.extend_from_slice(&weights);
                    let outcomes: Vec<u32> = (first..first + d.len() as u32).collect();
                    value_table.push((weights, outcomes));
                }
                None => {
                    values.push(chain.value_per_conversion().get(s).copied().unwrap_or(0.0));
                    value_weights.push(1.0);
                    value_table.push((vec![1.0], vec![first]));
                }
            }
        }
        value_first.push(values.len() as u32);
        let value_rows = FlatAlias::new(&value_table);
        Ok(Sampler {
            n: n32,
            channels,
            words,
            transitions,
            entry,
            masks,
            window,
            value_rows,
            values,
            value_weights,
            value_first,
            row_ptr: chain.row_offsets().to_vec(),
            row_targets: chain.targets().to_vec(),
            row_probs: chain.probabilities().to_vec(),
            entry_probs: chain.entry().to_vec(),
            clock: None,
        })
    }

    /// Times converting walks with `timing` (checked against `chain`, the chain this sampler
    /// was built from), counting those within each of `horizons` days (increasing).
    pub fn timed(mut self, chain: &Chain, timing: Timing, horizons: &[f64]) -> Result<Self> {
        timing.check(chain)?;
        check_horizons(horizons)?;
        self.clock = Some(Box::new(Clock {
            timing,
            horizons: horizons.to_vec(),
        }));
        Ok(self)
    }

    /// Whether converting walks are timed.
    pub fn is_timed(&self) -> bool {
        self.clock.is_some()
    }

    /// Number of transient states.
    pub fn n_states(&self) -> usize {
        self.n as usize
    }

    /// Number of channels (the length of every per-channel statistic).
    pub fn n_channels(&self) -> usize {
        self.channels
    }

    /// A value per conversion for a journey converting from `state`; draws random bits only
    /// when the state's value distribution has more than one value.
    #[inline(always)]
    pub(crate) fn value(&self, state: u32, bits: impl FnMut() -> u64) -> f64 {
        self.values[self.value_index(state, bits) as usize]
    }

    /// The index into `values` of a value drawn for a journey converting from `state` (what
    /// [`Sampler::value`] looks up); paired walks reuse the draw's position in the scenario.
    #[inline(always)]
    pub(crate) fn value_index(&self, state: u32, mut bits: impl FnMut() -> u64) -> u32 {
        if self.value_rows.row_len(state) == 1 {
            self.value_rows.first(state)
        } else {
            self.value_rows.draw(state, bits())
        }
    }

    /// The probabilities of state `s`'s row: `(targets, probabilities)` as in the chain.
    pub(crate) fn row_probabilities(&self, s: u32) -> (&[u32], &[f64]) {
        let range = self.row_ptr[s as usize]..self.row_ptr[s as usize + 1];
        (&self.row_targets[range.clone()], &self.row_probs[range])
    }

    /// The weights of state `s`'s value distribution (one, for a state valued by its mean).
    pub(crate) fn value_distribution_weights(&self, s: u32) -> &[f64] {
        let (a, b) = (
            self.value_first[s as usize],
            self.value_first[s as usize + 1],
        );
        &self.value_weights[a as usize..b as usize]
    }
}

/// `error` from building a sampler of a chain read from `input`, naming it.
pub(crate) fn naming(input: &str, error: Error) -> Error {
    match error {
        Error::Invalid(message) => Error::Invalid(format!("{input}: {message}")),
        other => other,
    }
}

/// Largest value per conversion a simulation takes. A tally sums values and their squares over
/// up to 2^64 journeys: below this, `journeys * value^2` stays far from `f64::MAX`, so no sum,
/// mean or interval overflows to inf or NaN.
pub const MAX_SIMULATED_VALUE: f64 = 1e100;

/// Refuses values too large to sum (see [`MAX_SIMULATED_VALUE`]), naming the state.
fn check_values(chain: &Chain) -> Result<()> {
    let too_large = |v: f64| v.is_nan() || v.abs() > MAX_SIMULATED_VALUE;
    for s in 0..chain.n_states() {
        let mean = chain.value_per_conversion()[s];
        let largest = chain
            .value_distribution()
            .get(s)
            .into_iter()
            .flatten()
            .map(|&(x, _)| x)
            .find(|&x| too_large(x));
        if let Some(v) = Some(mean).filter(|&v| too_large(v)).or(largest) {
            return Err(Error::Invalid(format!(
                "model state '{}': a value per conversion of {v:e} is too large to simulate \
                 (at most {MAX_SIMULATED_VALUE:e}, so that sums of squares cannot overflow); \
                 express values in larger units",
                chain.state_name(s as StateId)
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journey::ChannelTable;
    use crate::model::{ChainParts, Transition};

    /// a -> (conversion) 0.5 | (null) 0.5, entered with certainty.
    fn tiny() -> Chain {
        Chain::from_rows(ChainParts {
            order: 1,
            keep_repeats: false,
            channels: ChannelTable::from_names(["a"]),
            states: vec![vec![0].into()],
            entry: vec![Transition::new(0, 1.0)],
            rows: vec![vec![Transition::new(1, 0.5), Transition::new(2, 0.5)]],
            value_per_conversion: vec![3.0],
            value_distribution: Vec::new(),
        })
        .unwrap()
    }

    // Malformed rows cannot reach the walk: `Chain::from_rows` refuses them (see its tests).
    #[test]
    fn a_chain_without_entry_is_an_error_not_a_walk() {
        assert!(Sampler::new(&tiny()).is_ok());
        let empty = Chain::empty(1, false, ChannelTable::from_names(["a"]));
        assert!(
            Sampler::new(&empty)
                .unwrap_err()
                .to_string()
                .contains("no entry probabilities")
        );
    }

    #[test]
    fn a_state_without_a_value_distribution_uses_its_mean() {
        let s = Sampler::new(&tiny()).unwrap();
        assert_eq!(s.value(0, || panic!("no draw needed")), 3.0);
    }
}
