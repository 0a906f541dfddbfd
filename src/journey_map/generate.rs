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

use std::io::Write;

use rand::RngExt;
use rayon::prelude::*;
use rustc_hash::FxHashMap;

use super::{JourneyMap, Sampler};
use crate::error::{Error, Result};
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
pub struct Journey {
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

    fn observe(&mut self, j: &Journey) {
        self.journeys += 1;
        self.conversions += u64::from(j.converted);
        self.value += j.value;
        self.touches += j.touches.len() as u64;
        self.truncated += u64::from(j.truncated);
    }
}

/// What to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputKind {
    /// Aggregated paths (`path,total_conversions,total_conversion_value,total_null`).
    Paths,
    /// One row per touch (`user_id,timestamp,touchpoint,stage,persona,conversion,value`).
    Events,
}

/// A persona prepared for sampling: cumulative rows and samplers.
struct PreparedPersona {
    entry: Vec<(u32, f64)>,
    rows: Vec<Vec<(u32, f64)>>,
    dwell: Vec<Sampler>,
    value: Sampler,
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
    pub fn walk<R: rand::Rng>(&self, rng: &mut R, out: &mut Journey) {
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
    mut visit: impl FnMut(u64, &Journey),
) {
    let mut rng = rng::stream(seed, b);
    let mut journey = Journey::default();
    let end = journeys.min((b + 1) * BATCH);
    for j in b * BATCH..end {
        walker.walk(&mut rng, &mut journey);
        visit(j, &journey);
    }
}

/// Aggregated paths of a generated run: touch sequence -> [conversions, value, nulls].
pub type PathCounts = FxHashMap<Vec<u32>, [f64; 3]>;

/// Generates `journeys` journeys and aggregates them by path (in memory: distinct paths).
pub fn generate_paths(map: &JourneyMap, journeys: u64, seed: u64) -> (PathCounts, GenerateSummary) {
    let walker = Walker::new(map);
    let batches = journeys.div_ceil(BATCH);
    let mut total = PathCounts::default();
    let mut summary = GenerateSummary::default();
    for chunk_start in (0..batches).step_by(CHUNK as usize) {
        let chunk_end = (chunk_start + CHUNK).min(batches);
        let parts: Vec<(PathCounts, GenerateSummary)> = (chunk_start..chunk_end)
            .into_par_iter()
            .map(|b| {
                let mut counts = PathCounts::default();
                let mut s = GenerateSummary::default();
                for_each_in_batch(&walker, seed, b, journeys, |_, j| {
                    s.observe(j);
                    let entry = counts.entry(j.touches.clone()).or_default();
                    if j.converted {
                        entry[0] += 1.0;
                        entry[1] += j.value;
                    } else {
                        entry[2] += 1.0;
                    }
                });
                (counts, s)
            })
            .collect();
        // Merged in batch order: float sums are then the same whatever the thread count.
        for (counts, s) in parts {
            summary.add(&s);
            for (path, c) in counts {
                let entry = total.entry(path).or_default();
                for k in 0..3 {
                    entry[k] += c[k];
                }
            }
        }
    }
    (total, summary)
}

/// The paths CSV of aggregated counts, rows sorted by path text.
pub fn paths_csv(map: &JourneyMap, counts: &PathCounts) -> Result<Vec<u8>> {
    let channels = map.channels();
    let mut rows: Vec<(String, &[f64; 3])> = counts
        .iter()
        .map(|(touches, c)| (channels.format_path(touches), c))
        .collect();
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    let mut writer = csv::Writer::from_writer(Vec::new());
    let csv_error = |e: csv::Error| Error::Numerical(format!("cannot write CSV: {e}"));
    writer
        .write_record([
            "path",
            "total_conversions",
            "total_conversion_value",
            "total_null",
        ])
        .map_err(csv_error)?;
    for (path, c) in rows {
        writer
            .write_record([
                path,
                c[0].to_string(),
                // Values are whole cents; the sum is too, up to float rounding.
                ((c[1] * 100.0).round() / 100.0).to_string(),
                c[2].to_string(),
            ])
            .map_err(csv_error)?;
    }
    writer
        .into_inner()
        .map_err(|e| Error::Numerical(format!("cannot write CSV: {e}")))
}

/// Writes the event log of `journeys` journeys to `out`, streaming: memory is bounded by one
/// chunk of batches whatever N. Users are `u` + the journey number zero-padded to a fixed width,
/// so the log is sorted by user, then time (the order `--events` streams).
pub fn write_events(
    map: &JourneyMap,
    journeys: u64,
    seed: u64,
    out: &mut dyn Write,
    out_name: &str,
) -> Result<GenerateSummary> {
    let walker = Walker::new(map);
    let fields = EventFields::new(map)?;
    let width = journeys.to_string().len().max(7);
    let batches = journeys.div_ceil(BATCH);
    let mut summary = GenerateSummary::default();
    let write_error = |source| Error::Write {
        path: out_name.to_owned(),
        source,
    };
    out.write_all(b"user_id,timestamp,touchpoint,stage,persona,conversion,value\n")
        .map_err(write_error)?;
    for chunk_start in (0..batches).step_by(CHUNK as usize) {
        let chunk_end = (chunk_start + CHUNK).min(batches);
        let parts: Vec<(Vec<u8>, GenerateSummary)> = (chunk_start..chunk_end)
            .into_par_iter()
            .map(|b| {
                let mut bytes = Vec::with_capacity(BATCH as usize * 200);
                let mut s = GenerateSummary::default();
                for_each_in_batch(&walker, seed, b, journeys, |j, journey| {
                    s.observe(journey);
                    fields.write_journey(&mut bytes, width, j, journey);
                });
                (bytes, s)
            })
            .collect();
        for (bytes, s) in parts {
            summary.add(&s);
            out.write_all(&bytes).map_err(write_error)?;
        }
    }
    Ok(summary)
}

/// The fixed text of event rows, CSV-escaped once: `touchpoint,stage,` per touchpoint and
/// `persona,` per persona, so rows are written without per-row allocation.
struct EventFields {
    touchpoint_stage: Vec<Vec<u8>>,
    persona: Vec<Vec<u8>>,
}

impl EventFields {
    fn new(map: &JourneyMap) -> Result<EventFields> {
        let escape = |fields: &[&str]| -> Result<Vec<u8>> {
            let mut writer = csv::WriterBuilder::new()
                .has_headers(false)
                .terminator(csv::Terminator::Any(b','))
                .from_writer(Vec::new());
            writer
                .write_record(fields)
                .map_err(|e| Error::Numerical(format!("cannot write CSV: {e}")))?;
            writer
                .into_inner()
                .map_err(|e| Error::Numerical(format!("cannot write CSV: {e}")))
        };
        Ok(EventFields {
            touchpoint_stage: map
                .touchpoints
                .iter()
                .map(|t| escape(&[&t.name, &map.stages[t.stage]]))
                .collect::<Result<_>>()?,
            persona: map
                .personas
                .iter()
                .map(|p| escape(&[&p.name]))
                .collect::<Result<_>>()?,
        })
    }

    /// Appends journey `j`'s rows to `out`.
    fn write_journey(&self, out: &mut Vec<u8>, width: usize, j: u64, journey: &Journey) {
        use std::io::Write as _;
        let last = journey.touches.len() - 1;
        for (i, (&t, &h)) in journey.touches.iter().zip(&journey.hours).enumerate() {
            let seconds = START_TIME + (h * 3600.0).floor() as i64;
            // Writing to a Vec cannot fail.
            let _ = write!(out, "u{:0width$},", j + 1);
            write_rfc3339(out, seconds);
            out.push(b',');
            out.extend_from_slice(&self.touchpoint_stage[t as usize]);
            out.extend_from_slice(&self.persona[journey.persona]);
            if i == last && journey.converted {
                let _ = writeln!(out, "1,{}", journey.value);
            } else {
                out.extend_from_slice(b"0,0\n");
            }
        }
    }
}

/// Appends [`crate::io::time::format_rfc3339`]'s text for `seconds` without allocating.
fn write_rfc3339(out: &mut Vec<u8>, seconds: i64) {
    let (y, m, d) = crate::io::time::civil_from_days(seconds.div_euclid(86_400));
    let rest = seconds.rem_euclid(86_400);
    let two = |out: &mut Vec<u8>, x: i64| {
        out.extend_from_slice(&[b'0' + (x / 10) as u8, b'0' + (x % 10) as u8])
    };
    if (0..=9999).contains(&y) {
        two(out, y / 100);
        two(out, y % 100);
    } else {
        out.extend_from_slice(format!("{y:04}").as_bytes());
    }
    out.push(b'-');
    two(out, i64::from(m));
    out.push(b'-');
    two(out, i64::from(d));
    out.push(b'T');
    two(out, rest / 3600);
    out.push(b':');
    two(out, rest % 3600 / 60);
    out.push(b':');
    two(out, rest % 60);
    out.push(b'Z');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> JourneyMap {
        JourneyMap::parse(crate::journey_map::tests::TINY, "tiny.json").unwrap()
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

    #[test]
    fn fast_timestamps_match_the_formatter() {
        for seconds in [START_TIME, START_TIME + 86_399, 951_782_400 + 3661, -1, 0] {
            let mut out = Vec::new();
            write_rfc3339(&mut out, seconds);
            assert_eq!(
                String::from_utf8(out).unwrap(),
                crate::io::time::format_rfc3339(seconds)
            );
        }
    }

    #[test]
    fn runs_are_prefixes_of_longer_runs() {
        let map = tiny();
        let mut small = Vec::new();
        write_events(&map, 5000, 3, &mut small, "x").unwrap();
        let mut large = Vec::new();
        write_events(&map, 9000, 3, &mut large, "x").unwrap();
        let small = String::from_utf8(small).unwrap();
        let large = String::from_utf8(large).unwrap();
        assert!(large.starts_with(&small));
    }
}
