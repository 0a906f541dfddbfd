//! A Bayesian-bootstrap interval of the gain of a chosen plan over today's, with the chain
//! re-fitted on each resample (the resampling of [`crate::attribution::intervals`]: every
//! journey an Exp(1) weight, i.e. a Gamma(count, 1) weight per path row, resample `i` drawing
//! from [`crate::rng::stream`]`(seed, i)` only, so the interval is the same for any thread
//! count). The plan and both sets of spends stay fixed; the journeys per period move with the
//! resample's weights.

use rand::RngExt;
use rand_distr::Gamma;
use rayon::prelude::*;
use statrs::statistics::{Data, OrderStatistics};

use super::period::{PeriodModel, Volume};
use super::plan::Plan;
use crate::attribution::intervals::{
    IntervalOptions, PathIndex, PathRecorder, bootstrap_weight, reweight,
};
use crate::error::Result;
use crate::journey::{ChannelTable, PathSource, ReadSummary};
use crate::model::{Chain, FitOptions, Fitter};
use crate::rng;
use crate::row_order::Canonical;

/// A chain fitted with each distinct path's edges indexed, for resampling.
#[derive(Debug, Clone)]
pub struct IndexedFit {
    /// The fitted chain.
    pub chain: Chain,
    /// Each path's edges in it.
    pub index: PathIndex,
    /// Totals of the input.
    pub summary: ReadSummary,
    /// What the source warned about.
    pub warnings: Vec<String>,
}

/// Fits `source` at `options`, indexing every path for [`gain_intervals`].
pub fn fit_indexed(source: impl PathSource, options: FitOptions) -> Result<IndexedFit> {
    let mut fitter = Fitter::new(options)?;
    let mut recorder = PathRecorder::new();
    let mut channels = ChannelTable::new();
    let name = source.name().to_owned();
    // In canonical order, like every fit: the resamples draw their weights row by row.
    let (summary, warnings) =
        Canonical::new(source)
            .without_ages()
            .read(&mut channels, &mut |row| {
                fitter.observe(&row.path);
                recorder.record(&row.path, fitter.last_sequence());
            })?;
    let states = fitter.states().to_vec();
    let exitless = fitter.exitless_states();
    let chain = fitter.finish_named(channels, &name)?;
    let index = recorder.index(&chain, &states, &exitless)?;
    Ok(IndexedFit {
        chain,
        index,
        summary,
        warnings,
    })
}

/// Percentile intervals of the gain `[conversions, value]` of `chosen` spends over `today`'s,
/// over `options.resamples` resamples of the fitted paths, with `journeys` per period.
pub fn gain_intervals(
    fit: &IndexedFit,
    plan: &Plan,
    journeys: f64,
    today: &[f64],
    chosen: &[f64],
    options: IntervalOptions,
) -> Result<[[f64; 2]; 2]> {
    let options = options.check()?;
    let index = &fit.index;
    // Per path: the Gamma weights of its conversions and of its non-converting journeys.
    type Weights = (Option<Gamma<f64>>, Option<Gamma<f64>>);
    let gammas: Vec<Weights> = (0..index.len())
        .map(|r| {
            let (c, n) = index.counts(r);
            Ok((bootstrap_weight(c)?, bootstrap_weight(n)?))
        })
        .collect::<Result<_>>()?;
    let observed: f64 = (0..index.len())
        .map(|r| {
            let (c, n) = index.counts(r);
            c + n
        })
        .sum();
    // The plan's own `journeys` is replaced by the resample's, scaled from the period's.
    let resample_plan = Plan {
        journeys: None,
        ..plan.clone()
    };
    let draws: Vec<[f64; 2]> = (0..options.resamples as u64)
        .into_par_iter()
        .map(|i| {
            let mut stream = rng::stream(options.seed, i);
            let mut total = 0.0;
            let chain = reweight(&fit.chain, index, |r| {
                let (gc, gn) = &gammas[r];
                let c = gc.as_ref().map_or(0.0, |g| stream.sample(g));
                let n = gn.as_ref().map_or(0.0, |g| stream.sample(g));
                total += c + n;
                (c, n)
            });
            let volume = Volume::Observed(journeys * total / observed);
            let model = PeriodModel::new(&resample_plan, &[(1.0, &chain)], volume)?;
            let gain = model.evaluate(chosen)?.minus(&model.evaluate(today)?);
            Ok([gain.conversions, gain.value])
        })
        .collect::<Result<_>>()?;
    let tail = (1.0 - options.level) / 2.0;
    let interval = |k: usize| -> [f64; 2] {
        let mut data = Data::new(draws.iter().map(|d| d[k]).collect::<Vec<f64>>());
        [data.quantile(tail), data.quantile(1.0 - tail)]
    };
    Ok([interval(0), interval(1)])
}
