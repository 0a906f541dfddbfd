//! Batches and rounds: how journeys are split into units of work that run in parallel and still
//! give bit-identical results for any thread count.
//!
//! Journeys are cut into batches of [`BATCH_SIZE`] (a constant, never derived from the thread
//! count); batch `b` holds journeys `b * BATCH_SIZE ..` and draws only from
//! [`crate::rng::stream`]`(seed, b)`. Batches run in rounds on a local rayon pool of the
//! requested size; each round's tallies come back in batch order and are merged in that order,
//! so every floating-point sum is formed in the same sequence whatever the pool size. Only one
//! round of tallies is alive at a time, so memory stays flat in the number of journeys.
//!
//! A round boundary is also where `--precision` checks whether to stop; rounds follow a fixed
//! schedule, so that decision, too, depends only on the seed.

use rand::Rng;
use rayon::prelude::*;

use super::population::Population;
use super::sampler::Sampler;
use super::tally::Tally;
use super::walk::{End, Trailed, VisitSet, WideSet, walk};
use crate::error::{Error, Result};
use crate::rng;

/// Batch `b`'s journeys draw their times (`super::timing`) from one key each of
/// `rng::stream(seed, b ^ TIME_STREAMS)`, an index no run reaches with batches, distinct from
/// the scenario streams of `super::paired`.
pub(crate) const TIME_STREAMS: u64 = 1 << 62;

/// Journeys per batch (one random stream each). 65,536 journeys take about 2 ms, long enough
/// to amortise scheduling, short enough for even load across threads.
pub const BATCH_SIZE: u64 = 1 << 16;

/// Batches per round when the number of journeys is fixed: 32 batches (2M journeys) keep two
/// to a few dozen threads busy between merges.
pub const ROUND_BATCHES: u64 = 32;

/// When a run stops.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Stop {
    /// After exactly this many journeys.
    Journeys(u64),
    /// Once the 95% interval of the conversion rate (of the difference, for paired runs) has a
    /// half-width <= `half_width`, checked after each round, or after `max_journeys`.
    Precision {
        /// The target half-width.
        half_width: f64,
        /// The most journeys to walk.
        max_journeys: u64,
    },
}

impl Stop {
    /// The most journeys the run may walk.
    pub fn max_journeys(&self) -> u64 {
        match *self {
            Stop::Journeys(n) => n,
            Stop::Precision { max_journeys, .. } => max_journeys,
        }
    }
}

/// Builds the local pool: `None` uses rayon's default (one thread per core).
pub(crate) fn pool(threads: Option<usize>) -> Result<rayon::ThreadPool> {
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(t) = threads {
        builder = builder.num_threads(t);
    }
    builder
        .build()
        .map_err(|e| Error::Numerical(format!("cannot start {threads:?} threads: {e}")))
}

/// Runs batches `0, 1, ...` until `stop`: `batch(index, journeys)` walks one batch; `after_round`
/// gets the round's results in batch order and returns true to stop early (precision reached);
/// `progress(done, max)` is called after each round. Returns the journeys walked.
pub(crate) fn run_batches<T: Send>(
    pool: &rayon::ThreadPool,
    stop: Stop,
    batch: impl Fn(u64, u64) -> T + Sync,
    mut after_round: impl FnMut(Vec<T>) -> bool,
    progress: &dyn Fn(u64, u64),
) -> u64 {
    let max = stop.max_journeys();
    let mut done = 0u64;
    let mut next_batch = 0u64;
    let mut round = 0u32;
    while done < max {
        // Fixed-N runs use full rounds; precision runs start with one batch and double, so a
        // loose target stops after few journeys. Either way the schedule depends on nothing
        // but `stop`, and grouping never changes a batch's journeys or the merge order.
        let batches = match stop {
            Stop::Journeys(_) => ROUND_BATCHES,
            Stop::Precision { .. } => (1u64 << round.min(5)).min(ROUND_BATCHES),
        }
        .min((max - done).div_ceil(BATCH_SIZE));
        let first = next_batch;
        let results: Vec<T> = pool.install(|| {
            (first..first + batches)
                .into_par_iter()
                .map(|b| batch(b, BATCH_SIZE.min(max - b * BATCH_SIZE)))
                .collect()
        });
        next_batch += batches;
        done = (next_batch * BATCH_SIZE).min(max);
        round += 1;
        let reached = after_round(results);
        progress(done, max);
        if reached && matches!(stop, Stop::Precision { .. }) {
            break;
        }
    }
    done
}

/// Walks `journeys` journeys of batch `index` through `population`.
pub fn run_batch(
    population: &Population<'_>,
    seed: u64,
    index: u64,
    journeys: u64,
    max_steps: u32,
) -> Tally {
    // A single chain gets its own copy of the loop without the component draw (measured 10%
    // faster than going through `Population::pick` on every journey); timed walks keep their
    // trail of states.
    let run = Run {
        population,
        seed,
        index,
        journeys,
        max_steps,
    };
    match (
        population.only(),
        population.words() > 1,
        population.timed(),
    ) {
        (Some(s), false, false) => run.with::<u64>(|_| s),
        (Some(s), true, false) => run.with::<WideSet>(|_| s),
        (Some(s), false, true) => run.with::<Trailed<u64>>(|_| s),
        (Some(s), true, true) => run.with::<Trailed<WideSet>>(|_| s),
        (None, false, false) => run.with::<u64>(|r| population.pick(r)),
        (None, true, false) => run.with::<WideSet>(|r| population.pick(r)),
        (None, false, true) => run.with::<Trailed<u64>>(|r| population.pick(r)),
        (None, true, true) => run.with::<Trailed<WideSet>>(|r| population.pick(r)),
    }
}

/// One batch's work.
struct Run<'p, 'a> {
    population: &'p Population<'a>,
    seed: u64,
    index: u64,
    journeys: u64,
    max_steps: u32,
}

impl<'a> Run<'_, 'a> {
    fn with<V: VisitSet>(&self, pick: impl Fn(&mut rng::Stream) -> &'a Sampler) -> Tally {
        let mut rng = rng::stream(self.seed, self.index);
        let mut tally = Tally::for_batch(self.population.n_channels());
        let mut visited = V::empty(self.population.words());
        let mut time_keys = self
            .population
            .timed()
            .then(|| rng::stream(self.seed, self.index ^ TIME_STREAMS));
        for _ in 0..self.journeys {
            let sampler = pick(&mut rng);
            let w = walk(sampler, &mut rng, self.max_steps, &mut visited);
            tally.record(&w, &visited);
            if let (Some(keys), Some(clock)) = (time_keys.as_mut(), &sampler.clock) {
                // Every journey takes its key, converting or not, so journey j's times come
                // from the same key in any run of the same seed.
                let key = keys.next_u64();
                if w.end == End::Conversion {
                    let days = clock.timing.journey_days(visited.trail(), key);
                    tally.record_time(days, &clock.horizons);
                }
            }
        }
        tally.settle();
        tally
    }
}
