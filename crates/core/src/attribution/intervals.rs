//! Percentile intervals on removal effects and Markov credits by the Bayesian bootstrap over
//! journeys (Rubin 1981, "The Bayesian Bootstrap", Annals of Statistics 9(1)).
//!
//! ## Why this resampling
//! The question an interval answers is "how different would the attribution be with another
//! sample of journeys like these?". Resampling *journeys* answers it without trusting the Markov
//! model: a journey feeds several transitions at once (and both the numerator and denominator
//! of several rows), and path-level resampling keeps that dependence. The alternative, an
//! independent Dirichlet posterior for each state's transition counts, assumes the order-k chain
//! is the true data-generating process, which is exactly what an analyst choosing an order is
//! unsure about.
//!
//! The Bayesian bootstrap gives each journey an Exp(1) weight. Summed over the `n` identical
//! journeys of a row, that is a Gamma(n, 1) weight, which is also defined for fractional counts
//! (weights), so rows need never be expanded into journeys. A row's conversions and its
//! non-converting journeys get independent Gamma(c, 1) and Gamma(n, 1) weights; its value moves
//! with its conversions (value per conversion is a property of the row). Every row keeps a
//! positive weight, so the chain's states and edges are the same in every resample: only the
//! weights change. That is what makes it fast: each distinct path's state sequence is mapped to
//! edge indices once ([`PathIndex`]), and a resample is a pass of additions into flat arrays, a
//! row normalisation and the exact solves. The classical (multinomial or Poisson) bootstrap would
//! drop rows, and with them states, in some resamples, changing the chain's structure.
//!
//! Credits are shares of the *observed* total conversions (and value): the interval describes
//! how those conversions would be split, not how many there were.
//!
//! ## Intervals and reproducibility
//! Intervals are percentile intervals of the resampled statistics, with statrs's quantile
//! estimator (Hyndman and Fan type 8). Resample `i` draws only from
//! [`crate::rng::stream`]`(seed, i)` and its rows' draws come in file order, so the result is
//! bit-identical whatever the thread count.

use rand::RngExt;
use rand_distr::Gamma;
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::Serialize;
use statrs::statistics::{Data, OrderStatistics};

use super::removal::{removal_effects, share};
use crate::error::{Error, Result};
use crate::journey::{ChannelId, PathRow};
use crate::model::{Chain, StateId};
use crate::progress::{self, Counter, Task};
use crate::rng;

/// What to resample.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct IntervalOptions {
    /// Number of bootstrap resamples.
    pub resamples: usize,
    /// Coverage of the intervals, e.g. 0.95.
    pub level: f64,
    /// Seed of the random streams.
    pub seed: u64,
}

impl Default for IntervalOptions {
    fn default() -> Self {
        IntervalOptions {
            resamples: 200,
            level: 0.95,
            seed: rng::DEFAULT_SEED,
        }
    }
}

impl IntervalOptions {
    /// Checks there are at least 2 resamples and the level is in (0, 1).
    pub fn check(self) -> Result<Self> {
        if self.resamples < 2 {
            return Err(Error::option(
                "resamples",
                format!(
                    "is {}; intervals need at least 2 resamples (200 or more is usual)",
                    self.resamples
                ),
            ));
        }
        if !(self.level > 0.0 && self.level < 1.0) {
            return Err(Error::option(
                "level",
                format!(
                    "is {}; it must be strictly between 0 and 1, e.g. 0.95",
                    self.level
                ),
            ));
        }
        Ok(self)
    }
}

/// Records each distinct path's state sequence during the fitting pass.
#[derive(Debug, Clone, Default)]
pub struct PathRecorder {
    sequences: Vec<StateId>,
    offsets: Vec<usize>,
    conversions: Vec<f64>,
    nulls: Vec<f64>,
    value: Vec<f64>,
    /// Whether each row's exit (conversion or null) is known ([`PathRow::chain_touches`]).
    ended: Vec<bool>,
}

impl PathRecorder {
    /// An empty recorder.
    pub fn new() -> Self {
        PathRecorder {
            offsets: vec![0],
            ..Default::default()
        }
    }

    /// Records `row`, whose states (in the fitter's own numbering) are `sequence`. Rows the
    /// fitter skips (no journeys or no touches) are skipped here too.
    pub fn record(&mut self, row: &PathRow<'_>, sequence: &[StateId]) {
        if row.journeys() <= 0.0 || row.touches.is_empty() {
            return;
        }
        self.sequences.extend_from_slice(sequence);
        self.offsets.push(self.sequences.len());
        self.conversions.push(row.conversions);
        // An open journey is resampled as a non-converting one: it weighs the entry and the
        // transitions like any journey, and has no exit.
        self.nulls.push(row.nulls + row.open);
        self.value.push(row.value);
        self.ended.push(row.chain_touches().1);
    }

    /// Maps the recorded sequences onto `chain`'s edges. `fitter_states` are the touches of each
    /// state in the fitter's numbering ([`crate::model::Fitter::states`]).
    ///
    /// `exitless` are the fitter's [`crate::model::Fitter::exitless_states`]: a censored row
    /// ending in one of them exits to (null), as the fitter counted it.
    pub fn index(
        self,
        chain: &Chain,
        fitter_states: &[Box<[ChannelId]>],
        exitless: &[StateId],
    ) -> Result<PathIndex> {
        let final_id: FxHashMap<&[ChannelId], StateId> = chain
            .states()
            .iter()
            .enumerate()
            .map(|(i, s)| (&**s, i as StateId))
            .collect();
        let renumber: Vec<StateId> = fitter_states
            .iter()
            .map(|s| final_id.get(&**s).copied())
            .collect::<Option<_>>()
            .ok_or_else(|| Error::Numerical("a recorded state is not in the chain".into()))?;
        let edge = |from: StateId, to: u32| -> Result<u32> {
            let start = chain.row_range(from).start;
            let (targets, _) = chain.row(from);
            targets
                .binary_search(&to)
                .map(|i| (start + i) as u32)
                .map_err(|_| Error::Numerical("a recorded transition is not in the chain".into()))
        };
        let rows = self.conversions.len();
        let mut index = PathIndex {
            entry: Vec::with_capacity(rows),
            edges_ptr: Vec::with_capacity(rows + 1),
            edges: Vec::new(),
            last: Vec::with_capacity(rows),
            conversion_edge: Vec::with_capacity(rows),
            null_edge: Vec::with_capacity(rows),
            null_all: Vec::with_capacity(rows),
            conversions: self.conversions,
            nulls: self.nulls,
            value_per_conversion: Vec::with_capacity(rows),
        };
        index.edges_ptr.push(0);
        for r in 0..rows {
            let own = &self.sequences[self.offsets[r]..self.offsets[r + 1]];
            // A censored row ending where no exit is known: all its journeys exit to (null).
            let null_all = !self.ended[r] && own.last().is_some_and(|s| exitless.contains(s));
            let ended = self.ended[r];
            let sequence: Vec<StateId> = own.iter().map(|&s| renumber[s as usize]).collect();
            let first = sequence[0];
            let entry = chain
                .entry()
                .binary_search_by_key(&first, |e| e.0)
                .map_err(|_| Error::Numerical("a recorded first state has no entry".into()))?;
            index.entry.push(entry as u32);
            for pair in sequence.windows(2) {
                index.edges.push(edge(pair[0], pair[1])?);
            }
            index.edges_ptr.push(index.edges.len());
            let last = *sequence.last().expect("non-empty");
            index.last.push(last);
            let (c, n) = (index.conversions[r], index.nulls[r]);
            index.conversion_edge.push(if c > 0.0 && ended {
                edge(last, chain.conversion())?
            } else {
                u32::MAX
            });
            index.null_edge.push(if (n > 0.0 && ended) || null_all {
                edge(last, chain.null())?
            } else {
                u32::MAX
            });
            index.null_all.push(null_all);
            index
                .value_per_conversion
                .push(if c > 0.0 { self.value[r] / c } else { 0.0 });
        }
        Ok(index)
    }
}

/// Each distinct path's edges in a chain, computed once and reused by every resample.
#[derive(Debug, Clone)]
pub struct PathIndex {
    entry: Vec<u32>,
    edges_ptr: Vec<usize>,
    edges: Vec<u32>,
    last: Vec<StateId>,
    conversion_edge: Vec<u32>,
    null_edge: Vec<u32>,
    /// Whether all of the row's journeys, converting or not, exit to (null): a censored row
    /// ending in a state with no known exit ([`crate::model::Fitter::exitless_states`]).
    null_all: Vec<bool>,
    conversions: Vec<f64>,
    nulls: Vec<f64>,
    value_per_conversion: Vec<f64>,
}

impl PathIndex {
    /// Number of distinct paths indexed.
    pub fn len(&self) -> usize {
        self.conversions.len()
    }

    /// True when no path was indexed.
    pub fn is_empty(&self) -> bool {
        self.conversions.is_empty()
    }

    /// Path `r`'s observed (conversions, non-converting journeys): the counts a resample
    /// replaces with Gamma(count, 1) weights.
    pub fn counts(&self, r: usize) -> (f64, f64) {
        (self.conversions[r], self.nulls[r])
    }
}

/// Percentile intervals, indexed by channel id, each `[lo, hi]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Intervals {
    /// Removal effect (conversions).
    pub removal_effect: Vec<[f64; 2]>,
    /// Markov conversion credits.
    pub markov_conversions: Vec<[f64; 2]>,
    /// Markov value credits.
    pub markov_value: Vec<[f64; 2]>,
}

/// One resample's statistics per channel: removal effect, conversion credit, value credit.
type Draw = Vec<[f64; 3]>;

/// Bootstraps the removal effects and credits of `chain`, fitted from the paths in `index`,
/// whose observed totals are `total_conversions` and `total_value`.
pub fn bootstrap(
    chain: &Chain,
    index: &PathIndex,
    total_conversions: f64,
    total_value: f64,
    options: IntervalOptions,
) -> Result<Intervals> {
    bootstrap_with_progress(
        chain,
        index,
        total_conversions,
        total_value,
        options,
        &progress::ignore,
    )
}

/// [`bootstrap`], reporting each resample finished to `progress`.
pub fn bootstrap_with_progress(
    chain: &Chain,
    index: &PathIndex,
    total_conversions: f64,
    total_value: f64,
    options: IntervalOptions,
    progress: progress::Report<'_>,
) -> Result<Intervals> {
    let options = options.check()?;
    let conversion_gammas: Vec<Option<Gamma<f64>>> = index
        .conversions
        .iter()
        .map(|&c| bootstrap_weight(c))
        .collect::<Result<_>>()?;
    let null_gammas: Vec<Option<Gamma<f64>>> = index
        .nulls
        .iter()
        .map(|&n| bootstrap_weight(n))
        .collect::<Result<_>>()?;
    let counter = Counter::new(progress, Task::Resamples, options.resamples as u64);
    let draws: Vec<Draw> = (0..options.resamples as u64)
        .into_par_iter()
        .map(|i| {
            let mut stream = rng::stream(options.seed, i);
            let resampled = reweight(chain, index, |r| {
                let c = conversion_gammas[r]
                    .as_ref()
                    .map_or(0.0, |g| stream.sample(g));
                let n = null_gammas[r].as_ref().map_or(0.0, |g| stream.sample(g));
                (c, n)
            });
            let draw = statistics(&resampled, total_conversions, total_value);
            counter.add(1);
            draw
        })
        .collect::<Result<_>>()?;
    let channels = chain.channels().len();
    let tail = (1.0 - options.level) / 2.0;
    let interval = |c: usize, k: usize| -> [f64; 2] {
        let mut data = Data::new(draws.iter().map(|d| d[c][k]).collect::<Vec<f64>>());
        [data.quantile(tail), data.quantile(1.0 - tail)]
    };
    Ok(Intervals {
        removal_effect: (0..channels).map(|c| interval(c, 0)).collect(),
        markov_conversions: (0..channels).map(|c| interval(c, 1)).collect(),
        markov_value: (0..channels).map(|c| interval(c, 2)).collect(),
    })
}

/// The Bayesian bootstrap's weight of a count: Gamma(count, 1), the sum of `count` unit
/// exponentials (a fractional count included); `None` for a count of 0, which weighs nothing.
pub(crate) fn bootstrap_weight(count: f64) -> Result<Option<Gamma<f64>>> {
    if count > 0.0 {
        Gamma::new(count, 1.0)
            .map(Some)
            .map_err(|e| Error::Invalid(format!("bootstrap weight for a count of {count}: {e}")))
    } else {
        Ok(None)
    }
}

/// Removal effect and credits of every channel of `chain`.
fn statistics(chain: &Chain, total_conversions: f64, total_value: f64) -> Result<Draw> {
    let effects = removal_effects(chain)?;
    let conversions = share(
        effects.effects.iter().map(|e| e.conversions),
        total_conversions,
    );
    let value = share(effects.effects.iter().map(|e| e.value), total_value);
    Ok(effects
        .effects
        .iter()
        .zip(conversions.iter().zip(&value))
        .map(|(e, (&c, &v))| [e.conversions, c, v])
        .collect())
}

/// `chain` refitted with row `r`'s conversions and non-converting journeys replaced by
/// `weights(r)`: the same states and edges, new probabilities and values per conversion.
pub fn reweight(
    chain: &Chain,
    index: &PathIndex,
    mut weights: impl FnMut(usize) -> (f64, f64),
) -> Chain {
    let n = chain.n_states();
    let mut entry = vec![0.0; chain.entry().len()];
    let mut edges = vec![0.0; chain.targets().len()];
    let mut conversions_by_last = vec![0.0; n];
    let mut value_by_last = vec![0.0; n];
    for r in 0..index.len() {
        let (c, nulls) = weights(r);
        let journeys = c + nulls;
        entry[index.entry[r] as usize] += journeys;
        for &e in &index.edges[index.edges_ptr[r]..index.edges_ptr[r + 1]] {
            edges[e as usize] += journeys;
        }
        if index.conversion_edge[r] != u32::MAX {
            edges[index.conversion_edge[r] as usize] += c;
            let last = index.last[r] as usize;
            conversions_by_last[last] += c;
            value_by_last[last] += c * index.value_per_conversion[r];
        }
        if index.null_edge[r] != u32::MAX {
            edges[index.null_edge[r] as usize] += if index.null_all[r] { journeys } else { nulls };
        }
    }
    let value_per_conversion = conversions_by_last
        .iter()
        .zip(&value_by_last)
        .map(|(&c, &v)| if c > 0.0 { v / c } else { 0.0 })
        .collect();
    chain.reweighted(entry, edges, value_per_conversion)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journey::ChannelTable;
    use crate::model::{FitOptions, Fitter};

    /// Fits `rows` and indexes them, as `attribute --intervals` does.
    fn fit(rows: &[(&[&str], f64, f64, f64)]) -> (Chain, PathIndex) {
        let mut channels = ChannelTable::new();
        let mut fitter = Fitter::new(FitOptions::order(1)).unwrap();
        let mut recorder = PathRecorder::new();
        for (names, conversions, value, nulls) in rows {
            let touches: Vec<ChannelId> = names.iter().map(|n| channels.intern(n)).collect();
            let row = PathRow::whole(&touches, *conversions, *value, *nulls);
            fitter.observe(&row);
            recorder.record(&row, fitter.last_sequence());
        }
        let states = fitter.states().to_vec();
        let chain = fitter.finish(channels).unwrap();
        let index = recorder.index(&chain, &states, &[]).unwrap();
        (chain, index)
    }

    const ROWS: &[(&[&str], f64, f64, f64)] = &[
        (&["a", "b", "a"], 2.0, 20.0, 3.0),
        (&["b"], 1.5, 6.0, 4.0),
        (&["c", "a"], 0.0, 0.0, 2.5),
        (&["a", "a", "c"], 1.0, 5.0, 0.0),
    ];

    #[test]
    fn reweighting_with_the_observed_counts_gives_back_the_fitted_chain() {
        let (chain, index) = fit(ROWS);
        let same = reweight(&chain, &index, |r| (index.conversions[r], index.nulls[r]));
        assert_eq!(same.targets(), chain.targets());
        for (a, b) in same.probabilities().iter().zip(chain.probabilities()) {
            assert!((a - b).abs() < 1e-15);
        }
        for (a, b) in same
            .value_per_conversion()
            .iter()
            .zip(chain.value_per_conversion())
        {
            assert!((a - b).abs() < 1e-12);
        }
    }

    #[test]
    fn censored_rows_reweight_to_the_fitted_chain_too() {
        // a > b converts; a > b > c is open from b (no exit from b learnt) and, in other
        // journeys, converted with only its last touch censored; a ends in (null). c and d are
        // seen only in censored visits: their journeys exit to (null) as the fitter counts them.
        let mut channels = ChannelTable::new();
        let mut fitter = Fitter::new(FitOptions::order(1)).unwrap();
        let mut recorder = PathRecorder::new();
        let [ab, abc, a, d] = [&["a", "b"][..], &["a", "b", "c"], &["a"], &["d"]].map(|names| {
            names
                .iter()
                .map(|n| channels.intern(n))
                .collect::<Vec<ChannelId>>()
        });
        let censored = |touches, conversions: f64, open, censored| PathRow {
            open,
            censored,
            ..PathRow::whole(touches, conversions, conversions * 10.0, 0.0)
        };
        let rows = [
            PathRow::whole(&ab, 1.0, 10.0, 0.0),
            censored(&abc, 0.0, 2.0, 2),
            censored(&abc, 3.0, 0.0, 1),
            PathRow::whole(&a, 0.0, 0.0, 4.0),
            censored(&d, 0.0, 1.5, 1),
        ];
        for row in &rows {
            fitter.observe(row);
            recorder.record(row, fitter.last_sequence());
        }
        let states = fitter.states().to_vec();
        let exitless = fitter.exitless_states();
        assert_eq!(exitless.len(), 2);
        let chain = fitter.finish(channels).unwrap();
        let index = recorder.index(&chain, &states, &exitless).unwrap();
        let same = reweight(&chain, &index, |r| index.counts(r));
        assert_eq!(same.targets(), chain.targets());
        for (a, b) in same.probabilities().iter().zip(chain.probabilities()) {
            assert!((a - b).abs() < 1e-15, "{a} vs {b}");
        }
        // Every resample is a proper chain: rows sum to one.
        let intervals = bootstrap(&chain, &index, 4.0, 40.0, IntervalOptions::default()).unwrap();
        assert!(
            intervals
                .removal_effect
                .iter()
                .flatten()
                .all(|x| x.is_finite())
        );
    }

    #[test]
    fn doubling_one_row_is_the_same_as_fitting_it_twice() {
        let (chain, index) = fit(ROWS);
        let doubled = reweight(&chain, &index, |r| {
            let k = if r == 1 { 2.0 } else { 1.0 };
            (k * index.conversions[r], k * index.nulls[r])
        });
        let mut rows = ROWS.to_vec();
        rows.push(ROWS[1]);
        let (refit, _) = fit(&rows);
        for (a, b) in doubled.probabilities().iter().zip(refit.probabilities()) {
            assert!((a - b).abs() < 1e-15);
        }
    }

    #[test]
    fn intervals_bracket_the_point_estimate_and_are_reproducible() {
        let (chain, index) = fit(ROWS);
        let options = IntervalOptions {
            resamples: 50,
            level: 0.9,
            seed: 3,
        };
        let a = bootstrap(&chain, &index, 4.5, 31.0, options).unwrap();
        let b = bootstrap(&chain, &index, 4.5, 31.0, options).unwrap();
        assert_eq!(a, b);
        for ci in &a.removal_effect {
            assert!(0.0 <= ci[0] && ci[0] <= ci[1] && ci[1] <= 1.0, "{ci:?}");
        }
    }

    #[test]
    fn rejects_bad_options() {
        let bad = IntervalOptions {
            resamples: 1,
            ..Default::default()
        };
        assert!(bad.check().is_err());
        let bad = IntervalOptions {
            level: 1.0,
            ..Default::default()
        };
        assert!(bad.check().is_err());
    }
}
