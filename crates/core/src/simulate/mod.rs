//! Monte-Carlo journeys through a chain: conversion, value, path length and removal effects
//! with 95% intervals, bit-identical for any thread count.
//!
//! The pieces, one per file:
//! - `alias`: flattened alias tables, one `u64` per O(1) draw;
//! - `sampler`: a [`Chain`] compiled for walking (alias rows, channel masks, value tables);
//! - [`walk`]: one journey, a small pure function `(sampler, rng) -> outcome`;
//! - `tally`: counts and sums of walks, merged in a fixed order;
//! - `batch`: fixed-size batches with their own streams, run in rounds on a local pool;
//! - `paired`: two samplers driven by common random numbers (for what-if differences), their
//!   steps joined by `coupling` (maximal couplings of changed rows);
//! - `population`: several chains with shares, a component drawn per journey;
//! - [`timing`]: time to conversion, when states have dwell times (semi-Markov);
//! - `summary`: intervals ([`crate::stats`]) and the reported [`Simulation`].
//!
//! Removal effects from walks: removing channel c sends every state containing c to (null), so
//! a journey still converts without c exactly when it converts without ever visiting a state
//! containing c. Hence `P(conv without c) = P(conv and no visit to c)` and the removal effect
//! `1 - P(conv without c) / P(conv) = P(visits c | converts)`. Given the number of simulated
//! conversions C, the converting walks that visit c are Binomial(C, removal effect), so the
//! estimate is their share and its interval is Wilson's on that share. The value removal effect
//! is likewise `E[value; visits c] / E[value]`, with a delta-method interval.
//!
//! Truncation (`max_steps`): a walk still transient after `max_steps` states is counted in
//! `truncated`, not as a non-conversion. `conversion_rate` divides conversions by all journeys
//! (a lower bound), and the interval's upper end counts truncated walks as conversions, so the
//! interval covers the truth whatever they would have done. The binary warns when any occur.
//!
//! Populations (several chains with shares: a journey map's personas): [`population::Population`]
//! draws a component per journey, then walks its chain; [`simulate_population`] reports it
//! beside the mixture's exact figures ([`mixture_removal_effects`]).
//!
//! ```
//! use journeysim_core::journey::MemoryPaths;
//! use journeysim_core::model::{FitOptions, fit_paths};
//! use journeysim_core::simulate::{SimulateOptions, simulate};
//!
//! // One touchpoint converting 1 journey in 4: 100,000 walks estimate 0.25 with a 95% interval
//! // of about +-0.003, and the same seed gives the same walks on any number of threads.
//! let rows = [(&["a"][..], 1.0, 0.0, 3.0)];
//! let chain = fit_paths(MemoryPaths::new("example", &rows), FitOptions::order(1), |_| {})?.chain;
//! let options = SimulateOptions { seed: 7, ..SimulateOptions::journeys(100_000) };
//! let result = simulate(&chain, "example", &options, &|_, _| {})?;
//! assert_eq!(result.journeys, 100_000);
//! let [low, high] = result.conversion_rate_ci;
//! assert!(low < 0.25 && 0.25 < high && high - low < 0.01);
//! # Ok::<(), journeysim_core::Error>(())
//! ```

mod alias;
mod batch;
mod coupling;
mod paired;
mod population;
mod sampler;

mod summary;
mod tally;
pub mod timing;
pub mod walk;

use crate::attribution::removal::{mixture_removal_effects, removal_effects};
use crate::error::{Error, Result};
use crate::model::Chain;

pub use batch::{BATCH_SIZE, Stop};
pub use paired::{PairedDifference, PairedTally, simulate_paired};
pub use population::Population;
pub use sampler::Sampler;
pub(crate) use sampler::naming;
pub use summary::{
    ChannelSimulation, ConversionsWithin, ExactAbsorption, PathLength, RunInfo, Simulation,
    TimeToConversion, summarise, time_figures,
};
pub use tally::{Lengths, Tally};
pub use timing::{ExactTime, Timing, check_horizons};

/// The default cap on states per journey: far beyond any real journey (the reference data's
/// longest path has a few dozen touches), so truncation flags a near-unabsorbable chain rather
/// than biting ordinary runs.
pub const DEFAULT_MAX_STEPS: u32 = 10_000;

/// Most journeys a `--precision` run walks when no `--journeys` cap is given.
pub const DEFAULT_PRECISION_CAP: u64 = 1_000_000_000;

/// How to simulate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SimulateOptions {
    /// Seed of every stream ([`crate::rng::stream`]).
    pub seed: u64,
    /// How many journeys.
    pub stop: Stop,
    /// Cap on transient states per journey.
    pub max_steps: u32,
    /// Threads of the local pool; `None` uses one per core. Never changes the result.
    pub threads: Option<usize>,
}

impl SimulateOptions {
    /// `journeys` journeys with the default seed and step cap on every core.
    pub fn journeys(journeys: u64) -> Self {
        SimulateOptions {
            seed: crate::rng::DEFAULT_SEED,
            stop: Stop::Journeys(journeys),
            max_steps: DEFAULT_MAX_STEPS,
            threads: None,
        }
    }

    /// Checks the options, naming the option that is wrong.
    pub fn check(&self) -> Result<()> {
        let invalid = |option, message: &str| Err(Error::option(option, message));
        match self.stop {
            Stop::Journeys(0) => return invalid("journeys", "must be at least 1"),
            Stop::Precision {
                max_journeys: 0, ..
            } => {
                return invalid(
                    "max_journeys",
                    "(the cap of a `precision` run) must be at least 1",
                );
            }
            Stop::Precision { half_width, .. } if !(half_width > 0.0 && half_width <= 0.5) => {
                return Err(Error::option(
                    "precision",
                    format!("{half_width} must be a half-width in (0, 0.5], e.g. 0.001"),
                ));
            }
            _ => {}
        }
        if self.max_steps == 0 {
            return invalid("max_steps", "must be at least 1");
        }
        if self.threads == Some(0) {
            return invalid("threads", "must be at least 1");
        }
        Ok(())
    }
}

/// Walks journeys through `sampler` per `options` and returns their tally. `progress(done, max)`
/// is called after each round (the library never prints; the binary draws a bar).
pub fn run_tally(
    sampler: &Sampler,
    options: &SimulateOptions,
    progress: &dyn Fn(u64, u64),
) -> Result<Tally> {
    run_population_tally(&Population::single(sampler), options, progress)
}

/// [`run_tally`] for a population: each journey walks a component drawn by share.
pub fn run_population_tally(
    population: &Population<'_>,
    options: &SimulateOptions,
    progress: &dyn Fn(u64, u64),
) -> Result<Tally> {
    options.check()?;
    let pool = batch::pool(options.threads)?;
    Ok(tally_on(&pool, population, options, progress))
}

fn tally_on(
    pool: &rayon::ThreadPool,
    population: &Population<'_>,
    options: &SimulateOptions,
    progress: &dyn Fn(u64, u64),
) -> Tally {
    let mut total = Tally::new(population.n_channels());
    let (seed, max_steps) = (options.seed, options.max_steps);
    batch::run_batches(
        pool,
        options.stop,
        |b, journeys| batch::run_batch(population, seed, b, journeys, max_steps),
        |round| {
            round.iter().for_each(|t| total.merge(t));
            match options.stop {
                Stop::Precision { half_width, .. } => conversion_half_width(&total) <= half_width,
                Stop::Journeys(_) => false,
            }
        },
        progress,
    );
    total
}

/// Half-width of the reported 95% interval of the conversion rate (truncation included).
pub fn conversion_half_width(tally: &Tally) -> f64 {
    let n = tally.journeys as f64;
    let c = tally.conversions as f64;
    let low = crate::stats::wilson_interval(c, n)[0];
    let high = crate::stats::wilson_interval(c + tally.truncated as f64, n)[1];
    (high - low) / 2.0
}

/// Simulates journeys through `chain` (named `input` in the output) and reports them beside
/// the exact figures. Fails on invalid options or a chain that is not absorbing.
pub fn simulate(
    chain: &Chain,
    input: &str,
    options: &SimulateOptions,
    progress: &dyn Fn(u64, u64),
) -> Result<Simulation> {
    simulate_population(&[(1.0, chain)], input, options, progress)
}

/// [`simulate`] for a population of chains with shares (the personas of a journey map): each
/// journey draws its component by share, then walks that chain. The exact figures are the
/// mixture's ([`mixture_removal_effects`]). Components must share one channel table; the first
/// names the states and channels in the report.
pub fn simulate_population(
    components: &[(f64, &Chain)],
    input: &str,
    options: &SimulateOptions,
    progress: &dyn Fn(u64, u64),
) -> Result<Simulation> {
    simulate_timed(components, None, input, options, progress)
}

/// Dwell times for a run: one [`Timing`] per component of the population, and the horizons in
/// days of `conversions_within` (increasing).
#[derive(Debug, Clone, Copy)]
pub struct Times<'a> {
    /// One per component, in the components' order.
    pub timings: &'a [Timing],
    /// The horizons.
    pub horizons: &'a [f64],
}

/// [`simulate_population`], with converting journeys timed when `times` is given: the report
/// then adds `time_to_conversion`, `conversions_within` and the exact
/// `mean_time_to_conversion` (see [`timing`]). Timing draws from streams of its own, so every
/// other figure is the same bits as without it.
pub fn simulate_timed(
    components: &[(f64, &Chain)],
    times: Option<Times<'_>>,
    input: &str,
    options: &SimulateOptions,
    progress: &dyn Fn(u64, u64),
) -> Result<Simulation> {
    options.check()?;
    let Some(&(_, first)) = components.first() else {
        return Err(Error::Invalid("nothing to simulate: no chain".into()));
    };
    if let Some(t) = times
        && t.timings.len() != components.len()
    {
        return Err(Error::Invalid(format!(
            "{} dwell timings for {} chains",
            t.timings.len(),
            components.len()
        )));
    }
    let samplers = components
        .iter()
        .enumerate()
        .map(|(i, (_, chain))| {
            let sampler = Sampler::new(chain);
            match times {
                Some(t) => sampler.and_then(|s| s.timed(chain, t.timings[i].clone(), t.horizons)),
                None => sampler,
            }
            .map_err(|e| sampler::naming(input, e))
        })
        .collect::<Result<Vec<_>>>()?;
    let population = match components {
        [_] => Population::single(&samplers[0]),
        _ => {
            let weighted: Vec<(f64, &Sampler)> =
                components.iter().map(|c| c.0).zip(&samplers).collect();
            Population::new(&weighted)?
        }
    };
    let pool = batch::pool(options.threads)?;
    let exact = pool.install(|| match components {
        [(_, chain)] => removal_effects(chain),
        _ => mixture_removal_effects(components),
    })?;
    let exact_time = times
        .map(|t| {
            let parts = components
                .iter()
                .zip(t.timings)
                .map(|((share, chain), timing)| Ok((*share, timing.exact(chain)?)))
                .collect::<Result<Vec<_>>>()?;
            Ok::<_, Error>(ExactTime::mixture(&parts))
        })
        .transpose()?;
    let tally = tally_on(&pool, &population, options, progress);
    let precision = match options.stop {
        Stop::Precision { half_width, .. } => Some(half_width),
        Stop::Journeys(_) => None,
    };
    let run = RunInfo {
        input: input.to_owned(),
        seed: options.seed,
        max_steps: options.max_steps,
        precision,
    };
    let mut result = summarise(first, &tally, &exact, &run);
    if let (Some(t), Some(exact_time)) = (times, exact_time) {
        (result.time_to_conversion, result.conversions_within) = time_figures(&tally, t.horizons);
        result.exact.mean_time_to_conversion = exact_time.mean();
    }
    Ok(result)
}
