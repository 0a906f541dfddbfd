//! Synthetic journeys from a [`JourneyMap`]: data with a known ground truth.
//!
//! Each journey draws, in this order and all from its batch's stream: its persona (by share), its
//! start time (uniform over [`START_WINDOW_DAYS`] days after [`START_TIME`]), its first touchpoint
//! (the persona's entry shares), then repeatedly the next target from the current touchpoint's
//! row; when the target is another touchpoint, the dwell time (hours, the current touchpoint's
//! distribution) until it; when it is "conversion", the conversion value. A journey that has not
//! ended after [`MAX_STEPS`] touches is cut and counted as truncated (it ends without converting;
//! a valid map makes this vanishingly rare).
//!
//! Journeys are cut into batches of [`BATCH`]; batch b draws only from `rng::stream(seed, b)`, and
//! batches are run in parallel with rayon but merged in batch order, so the output is bit-identical
//! for any thread count, and the first N journeys of a larger run are the N journeys of a smaller
//! one. Both output formats describe the same journeys: aggregating the event log gives the paths
//! file.

use rand::RngExt;
use rayon::prelude::*;
use rustc_hash::FxHashMap;

use super::{DistributionSampler, JourneyMap};
use crate::error::Result;
use crate::progress::{self, Counter, Task};
use crate::rng;

/// Journeys per batch (one random stream each).
pub const BATCH: u64 = 4096;
/// Batches generated in parallel before their output is merged (bounds memory).
const CHUNK: u64 = 64;
/// Start of the generated calendar: 2026-01-01T00:00:00Z, in Unix seconds.
pub const START_TIME: i64 = 1_767_225_600;
/// Journeys start uniformly within this many days after [`START_TIME`].
pub const START_WINDOW_DAYS: f64 = 28.0;
/// Longest journey generated; longer ones are cut and counted as truncated.
pub const MAX_STEPS: usize = 10_000;

/// One generated journey.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GeneratedJourney {
    /// Index of the persona.
    pub persona: usize,
    /// Touchpoint indices in order.
    pub touches: Vec<u32>,
    /// Time of each touch in hours after [`START_TIME`].
    pub hours: Vec<f64>,
    /// Whether it converted (at its last touch).
    pub converted: bool,
    /// Conversion value (0 when it did not convert).
    pub value: f64,
    /// Whether it was cut at [`MAX_STEPS`].
    pub truncated: bool,
}

/// Totals of a generated data set.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct GenerateSummary {
    /// Journeys generated.
    pub journeys: u64,
    /// Converting journeys.
    pub conversions: u64,
    /// Total conversion value.
    pub value: f64,
    /// Touches (events) generated.
    pub touches: u64,
    /// Journeys cut at [`MAX_STEPS`].
    pub truncated: u64,
}

impl GenerateSummary {
    fn add(&mut self, other: &GenerateSummary) {
        self.journeys += other.journeys;
        self.conversions += other.conversions;
        self.value += other.value;
        self.touches += other.touches;
        self.truncated += other.truncated;
    }

    fn observe(&mut self, j: &GeneratedJourney) {
        self.journeys += 1;
        self.conversions += u64::from(j.converted);
        self.value += j.value;
        self.touches += j.touches.len() as u64;
        self.truncated += u64::from(j.truncated);
    }
}

/// A persona prepared for sampling: cumulative rows and samplers.
struct PreparedPersona {
    entry: Vec<(u32, f64)>,
    rows: Vec<Vec<(u32, f64)>>,
    dwell: Vec<DistributionSampler>,
    value: DistributionSampler,
}

/// A map prepared for fast walking.
pub struct Walker {
    personas: Vec<PreparedPersona>,
    persona_cum: Vec<(u32, f64)>,
    n: u32,
}

fn cumulative(probs: impl Iterator<Item = f64>) -> Vec<(u32, f64)> {
    let mut total = 0.0;
    let mut out: Vec<(u32, f64)> = probs
        .enumerate()
        .filter(|(_, p)| *p > 0.0)
        .map(|(i, p)| {
            total += p;
            (i as u32, total)
        })
        .collect();
    // Guard against rounding: the last bucket takes everything up to 1.
    if let Some(last) = out.last_mut() {
        last.1 = f64::INFINITY;
    }
    out
}

fn pick(cum: &[(u32, f64)], u: f64) -> u32 {
    cum.iter()
        .find(|(_, c)| u < *c)
        .expect("last bucket is infinite")
        .0
}

impl Walker {
    /// Prepares `map` (samplers were validated when the map was loaded).
    pub fn new(map: &JourneyMap) -> Walker {
        let sampler = |d: &super::Distribution| d.sampler().expect("validated distribution");
        let personas = map
            .personas
            .iter()
            .map(|p| PreparedPersona {
                entry: cumulative(p.entry.iter().copied()),
                rows: p
                    .rows
                    .iter()
                    .map(|r| cumulative(r.iter().copied()))
                    .collect(),
                dwell: p.dwell_hours.iter().map(sampler).collect(),
                value: sampler(&p.value),
            })
            .collect();
        Walker {
            personas,
            persona_cum: cumulative(map.personas.iter().map(|p| p.share)),
            n: map.touchpoints.len() as u32,
        }
    }

    /// Walks one journey into `out` (cleared first).
    pub fn walk<R: rand::Rng>(&self, rng: &mut R, out: &mut GeneratedJourney) {
        out.touches.clear();
        out.hours.clear();
        out.converted = false;
        out.value = 0.0;
        out.truncated = false;
        out.persona = pick(&self.persona_cum, rng.random::<f64>()) as usize;
        let persona = &self.personas[out.persona];
        let mut hours = rng.random::<f64>() * START_WINDOW_DAYS * 24.0;
        let mut state = pick(&persona.entry, rng.random::<f64>());
        loop {
            out.touches.push(state);
            out.hours.push(hours);
            let next = pick(&persona.rows[state as usize], rng.random::<f64>());
            if next == self.n {
                out.converted = true;
                // Whole cents, as in a real order log.
                out.value = (persona.value.sample(rng) * 100.0).round() / 100.0;
                return;
            }
            if next > self.n {
                return;
            }
            if out.touches.len() >= MAX_STEPS {
                out.truncated = true;
                return;
            }
            hours += persona.dwell[state as usize].sample(rng);
            state = next;
        }
    }
}

/// Calls `visit` with every journey of batch `b` of a run of `journeys` (in order).
pub fn for_each_in_batch(
    walker: &Walker,
    seed: u64,
    b: u64,
    journeys: u64,
    mut visit: impl FnMut(u64, &GeneratedJourney),
) {
    let mut rng = rng::stream(seed, b);
    let mut journey = GeneratedJourney::default();
    let end = journeys.min((b + 1) * BATCH);
    for j in b * BATCH..end {
        walker.walk(&mut rng, &mut journey);
        visit(j, &journey);
    }
}

/// Generates `journeys` journeys batch by batch: batches run in parallel (a chunk of them at a
/// time, so memory stays bounded whatever N), each folding its journeys into a fresh `T` from
/// `start` with `visit(part, journey number, journey)`; `merge` then receives the parts in batch
/// order, so whatever it sums or writes is the same for any thread count.
pub fn generate_batches<T: Send>(
    map: &JourneyMap,
    journeys: u64,
    seed: u64,
    start: impl Fn() -> T + Sync,
    visit: impl Fn(&mut T, u64, &GeneratedJourney) + Sync,
    merge: impl FnMut(T) -> Result<()>,
) -> Result<GenerateSummary> {
    generate_batches_with_progress(map, journeys, seed, start, visit, merge, &progress::ignore)
}

/// [`generate_batches`], reporting the journeys of each finished batch to `progress`.
pub fn generate_batches_with_progress<T: Send>(
    map: &JourneyMap,
    journeys: u64,
    seed: u64,
    start: impl Fn() -> T + Sync,
    visit: impl Fn(&mut T, u64, &GeneratedJourney) + Sync,
    mut merge: impl FnMut(T) -> Result<()>,
    progress: progress::Report<'_>,
) -> Result<GenerateSummary> {
    let counter = Counter::new(progress, Task::Journeys, journeys);
    let walker = Walker::new(map);
    let batches = journeys.div_ceil(BATCH);
    let mut summary = GenerateSummary::default();
    for chunk_start in (0..batches).step_by(CHUNK as usize) {
        let chunk_end = (chunk_start + CHUNK).min(batches);
        let parts: Vec<(T, GenerateSummary)> = (chunk_start..chunk_end)
            .into_par_iter()
            .map(|b| {
                let mut part = start();
                let mut s = GenerateSummary::default();
                for_each_in_batch(&walker, seed, b, journeys, |j, journey| {
                    s.observe(journey);
                    visit(&mut part, j, journey);
                });
                counter.add(journeys.min((b + 1) * BATCH) - b * BATCH);
                (part, s)
            })
            .collect();
        for (part, s) in parts {
            summary.add(&s);
            merge(part)?;
        }
    }
    Ok(summary)
}

/// Aggregated paths of a generated run: touch sequence -> [conversions, value, nulls].
pub type PathCounts = FxHashMap<Vec<u32>, [f64; 3]>;

/// Generates `journeys` journeys and aggregates them by path (in memory: distinct paths).
pub fn generate_paths(map: &JourneyMap, journeys: u64, seed: u64) -> (PathCounts, GenerateSummary) {
    generate_paths_with_progress(map, journeys, seed, &progress::ignore)
}

/// [`generate_paths`], reporting the journeys generated to `progress`.
pub fn generate_paths_with_progress(
    map: &JourneyMap,
    journeys: u64,
    seed: u64,
    progress: progress::Report<'_>,
) -> (PathCounts, GenerateSummary) {
    let mut total = PathCounts::default();
    let summary = generate_batches_with_progress(
        map,
        journeys,
        seed,
        PathCounts::default,
        |counts, _, j| {
            let entry = counts.entry(j.touches.clone()).or_default();
            if j.converted {
                entry[0] += 1.0;
                entry[1] += j.value;
            } else {
                entry[2] += 1.0;
            }
        },
        |counts| {
            for (path, c) in counts {
                let entry = total.entry(path).or_default();
                for k in 0..3 {
                    entry[k] += c[k];
                }
            }
            Ok(())
        },
        progress,
    )
    .expect("merging counts cannot fail");
    (total, summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> JourneyMap {
        crate::journey_map::tests::parse(crate::journey_map::tests::TINY, "tiny.json").unwrap()
    }

    #[test]
    fn generated_conversion_rate_agrees_with_the_exact_one() {
        // P(conv) = 0.2 exactly; with N = 40,000 the standard error is sqrt(0.2*0.8/N) = 0.002,
        // and we allow 4 standard errors.
        let (counts, summary) = generate_paths(&tiny(), 40_000, 7);
        let rate = summary.conversions as f64 / summary.journeys as f64;
        assert!((rate - 0.2).abs() < 4.0 * 0.002, "rate {rate}");
        let conversions: f64 = counts.values().map(|c| c[0]).sum();
        assert_eq!(conversions, summary.conversions as f64);
        // Only a, a > b can occur.
        assert!(counts.keys().all(|k| k == &vec![0] || k == &vec![0, 1]));
    }
}
