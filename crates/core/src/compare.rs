//! What changed between two sets of journeys (two periods, two markets, two segments): the
//! conversion probability and value per journey of each, every channel's removal effect and
//! credit shares, and which states' transition rows differ, each difference with an interval or
//! a test.
//!
//! - **Levels** ([`SideSummary`], [`Difference`]): each side's order-k chain is fitted and solved
//!   exactly, as `attribute` does; the differences are B - A.
//! - **Channels** ([`ChannelDifference`]): removal effects (Anderl et al. 2016) and the share of
//!   each side's conversions credited to the channel by the Markov credits and by every
//!   heuristic. Credits are compared as shares because the sides rarely have the same number of
//!   conversions.
//! - **Intervals**: the Bayesian bootstrap over journeys (Rubin 1981) of
//!   [`crate::attribution::intervals`], each side resampled on its own: resample `i` of side A
//!   draws from [`crate::rng::stream`]`(seed, 2 i)` and of side B from `(seed, 2 i + 1)`, so the
//!   result is the same on any thread count. An interval of a difference is the percentile
//!   interval of the resampled differences.
//! - **Rows** ([`RowTest`]): for every state seen on both sides (and `(start)`, the entry row),
//!   the G-test of homogeneity of its two rows of transition counts ([`crate::stats::g_test`]).
//!   Under a Markov chain the transitions out of a state are multinomial given the visits, so
//!   this is the likelihood-ratio test of "the same row in both periods" (Anderson and Goodman
//!   1957). The rows' p-values get Benjamini-Hochberg q-values; a row with `q <= 0.05` is a
//!   discovery with an expected share of false ones of at most 5%. Each row lists the
//!   transitions whose probability changed most, with bootstrap intervals on the change.
//!
//! Rows are sorted by p (most significant first), channels by the size of the removal effect's
//! change relative to its bootstrap standard deviation.
//!
//! ```
//! use journeysim_core::compare::{CompareOptions, compare};
//! use journeysim_core::journey::MemoryPaths;
//!
//! // Period B converts more often after b than period A.
//! let a = [(&["a", "b"][..], 10.0, 100.0, 90.0), (&["a"][..], 5.0, 50.0, 45.0)];
//! let b = [(&["a", "b"][..], 40.0, 400.0, 60.0), (&["a"][..], 5.0, 50.0, 45.0)];
//! let result = compare(MemoryPaths::new("a.csv", &a), MemoryPaths::new("b.csv", &b), &CompareOptions::default())?;
//! assert!((result.a.conversion_probability - 15.0 / 150.0).abs() < 1e-12);
//! assert!((result.difference.conversion_probability - 30.0 / 150.0).abs() < 1e-12);
//! // The row of b changed most: it is first, with a tiny p-value.
//! assert_eq!(result.rows[0].state, "b");
//! assert!(result.rows[0].p < 1e-6);
//! # Ok::<(), journeysim_core::Error>(())
//! ```

use std::collections::{BTreeMap, BTreeSet};

use rand::RngExt;
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::Serialize;
use statrs::statistics::{Data, OrderStatistics};

use crate::attribution::IntervalSummary;
use crate::attribution::heuristics::{HeuristicOptions, Heuristics};
use crate::attribution::intervals::{
    IntervalOptions, PathIndex, PathRecorder, bootstrap_weight, reweight,
};
use crate::attribution::removal::removal_effects;
use crate::error::{Error, Location, Result, clip, clip_list};
use crate::funnel::{Funnel, ObservedFunnel, assemble, chain_exact};
use crate::journey::{ChannelId, ChannelTable, PathRow, PathSource, SourceRow};
use crate::model::{Chain, FitOptions, Fitter, StateId};
use crate::row_order::Canonical;
use crate::stages::StageMap;
use crate::stats::{benjamini_hochberg, g_test};
use crate::{rng, suggest};

/// The credit rules compared as shares of conversions, in report order.
pub const CREDIT_METHODS: [&str; 6] = [
    "markov",
    "first_touch",
    "last_touch",
    "linear",
    "position_based",
    "time_decay",
];

/// Name of the entry row.
pub const START: &str = "(start)";

/// How to compare.
#[derive(Debug, Clone, PartialEq)]
pub struct CompareOptions {
    /// How each side's chain is fitted.
    pub fit: FitOptions,
    /// Parameters of the heuristic rules.
    pub heuristics: HeuristicOptions,
    /// Time-decay half-life in days where touch times are known (event logs).
    pub half_life_days: Option<f64>,
    /// Bootstrap resamples, interval level and seed.
    pub intervals: IntervalOptions,
    /// How many transitions each row lists (those whose probability changed most).
    pub changes: usize,
    /// A stage map and its source name: each side's stage funnel is reported.
    pub stages: Option<(StageMap, String)>,
}

impl Default for CompareOptions {
    fn default() -> Self {
        CompareOptions {
            fit: FitOptions::order(1),
            heuristics: HeuristicOptions::default(),
            half_life_days: None,
            intervals: IntervalOptions::default(),
            changes: 3,
            stages: None,
        }
    }
}

/// Everything `journeysim compare` reports; the serialised field names are a contract.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    /// Side A.
    pub a: SideSummary,
    /// Side B.
    pub b: SideSummary,
    /// B - A of the levels, with intervals.
    pub difference: Difference,
    /// One entry per channel seen on either side, most changed first.
    pub channels: Vec<ChannelDifference>,
    /// One G-test per state seen on both sides, most significant first.
    pub rows: Vec<RowTest>,
    /// States seen on side A only, by name.
    pub only_a: Vec<String>,
    /// States seen on side B only, by name.
    pub only_b: Vec<String>,
    /// Markov order of both chains.
    pub order: usize,
    /// How the intervals were computed.
    pub intervals: IntervalSummary,
    /// Things the user should know.
    pub warnings: Vec<String>,
}

/// One side's levels.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SideSummary {
    /// The side's name (its input, or the input and the segment).
    pub input: String,
    /// Journeys with at least one touch.
    pub journeys: f64,
    /// Their conversions.
    pub conversions: f64,
    /// P(conversion) of a journey under the side's chain.
    pub conversion_probability: f64,
    /// Expected conversion value of a journey under the side's chain.
    pub value_per_journey: f64,
    /// The side's stage funnel (with stages).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub funnel: Option<Funnel>,
}

/// B - A of the levels.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Difference {
    /// P(conversion) of B minus that of A.
    pub conversion_probability: f64,
    /// Its bootstrap percentile interval.
    pub conversion_probability_ci: [f64; 2],
    /// Value per journey of B minus that of A.
    pub value_per_journey: f64,
    /// Its bootstrap percentile interval.
    pub value_per_journey_ci: [f64; 2],
}

/// One channel on both sides (zero on a side that never touches it).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChannelDifference {
    /// Channel name.
    pub channel: String,
    /// Removal effect on side A.
    pub removal_effect_a: f64,
    /// Removal effect on side B.
    pub removal_effect_b: f64,
    /// B - A.
    pub removal_effect_difference: f64,
    /// Bootstrap percentile interval of B - A.
    pub removal_effect_difference_ci: [f64; 2],
    /// The share of each side's conversions credited to the channel, by method
    /// ([`CREDIT_METHODS`] order).
    pub credit_shares: Vec<ShareDifference>,
}

/// One method's credit share of a channel on both sides.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ShareDifference {
    /// The method (`markov`, `first_touch`, ...).
    pub method: String,
    /// Share of side A's conversions.
    pub a: f64,
    /// Share of side B's conversions.
    pub b: f64,
    /// B - A.
    pub difference: f64,
    /// Bootstrap percentile interval of B - A.
    pub difference_ci: [f64; 2],
}

/// The G-test of one state's transition row, A against B.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RowTest {
    /// The state (`(start)` for the entry row).
    pub state: String,
    /// The G statistic.
    pub g: f64,
    /// Degrees of freedom: destinations with a count on either side, minus 1.
    pub df: usize,
    /// P(chi-squared(df) >= g).
    pub p: f64,
    /// Benjamini-Hochberg q-value over all rows.
    pub q: f64,
    /// Journeys through the state on side A.
    pub journeys_a: f64,
    /// Journeys through the state on side B.
    pub journeys_b: f64,
    /// The transitions whose probability changed most, largest change first.
    pub changes: Vec<TransitionChange>,
}

/// One transition's probability on both sides.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TransitionChange {
    /// The destination state, `(conversion)` or `(null)`.
    pub to: String,
    /// Probability on side A (0 when A never takes it).
    pub probability_a: f64,
    /// Probability on side B.
    pub probability_b: f64,
    /// B - A.
    pub difference: f64,
    /// Bootstrap percentile interval of B - A.
    pub difference_ci: [f64; 2],
}

/// One side of a single input split by segment: the segment value its journeys carry and the
/// side's name in the output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegmentSide {
    /// The segment value (of a segment column, or a label given by the reader).
    pub value: String,
    /// The side's name in the output.
    pub name: String,
}

/// Compares the journeys of `a` with those of `b`, each read through
/// [`Canonical`].
pub fn compare(
    a: impl PathSource,
    b: impl PathSource,
    options: &CompareOptions,
) -> Result<Comparison> {
    let options = check(options)?;
    let mut warnings = Vec::new();
    let mut sides = Vec::with_capacity(2);
    for source in [Box::new(a) as Box<dyn SourceOnce>, Box::new(b)] {
        let name = source.source_name().to_owned();
        let mut builder = SideBuilder::new(&options, name)?;
        let mut channels = ChannelTable::new();
        let (_, read_warnings) =
            source.read_canonical(&mut channels, &mut |row| builder.observe(row))?;
        warnings.extend(read_warnings);
        sides.push(builder.finish(channels, &options)?);
    }
    let b = sides.pop().expect("two sides");
    let a = sides.pop().expect("two sides");
    finish(a, b, &options, warnings)
}

/// Compares two segments of one input: the journeys whose segment is `sides[0].value` with
/// those whose segment is `sides[1].value` (journeys of other segments are left out, with a
/// warning). A segment without journeys is an error naming the segments seen.
pub fn compare_segments(
    source: impl PathSource,
    sides: &[SegmentSide; 2],
    options: &CompareOptions,
) -> Result<Comparison> {
    let options = check(options)?;
    let name = source.name().to_owned();
    let mut builders = [
        SideBuilder::new(&options, sides[0].name.clone())?,
        SideBuilder::new(&options, sides[1].name.clone())?,
    ];
    let mut seen: BTreeMap<String, f64> = BTreeMap::new();
    let mut channels = ChannelTable::new();
    let (_, mut warnings) = Canonical::new(source).read(&mut channels, &mut |row| {
        let segment = row.segment.unwrap_or_default();
        match sides.iter().position(|s| s.value == segment) {
            Some(i) => builders[i].observe(row),
            None => {
                *seen.entry(segment.to_owned()).or_default() += row.path.journeys();
            }
        }
    })?;
    for (side, builder) in sides.iter().zip(&builders) {
        if builder.journeys <= 0.0 {
            let mut values: Vec<&str> = seen.keys().map(String::as_str).collect();
            values.extend(
                sides
                    .iter()
                    .zip(&builders)
                    .filter(|(_, b)| b.journeys > 0.0)
                    .map(|(s, _)| s.value.as_str()),
            );
            values.sort();
            return Err(Error::input(
                Location::file(&name),
                format!(
                    "no journeys in segment '{}'; the segments seen are {}{}",
                    clip(&side.value),
                    clip_list(&values),
                    suggest::did_you_mean(&side.value, values.iter().copied())
                ),
            ));
        }
    }
    let others: f64 = seen.values().sum();
    if others > 0.0 {
        warnings.push(format!(
            "{name}: {others} journey(s) of {} other segment(s) are in neither side",
            seen.len()
        ));
    }
    let [a, b] = builders;
    let a = a.finish(channels.clone(), &options)?;
    let b = b.finish(channels, &options)?;
    finish(a, b, &options, warnings)
}

/// A [`PathSource`] read once through [`Canonical`], behind a box (so `compare` can loop over
/// two sources of different types).
trait SourceOnce {
    fn source_name(&self) -> &str;
    fn read_canonical(
        self: Box<Self>,
        channels: &mut ChannelTable,
        visit: &mut dyn FnMut(&SourceRow<'_>),
    ) -> Result<(crate::journey::ReadSummary, Vec<String>)>;
}

impl<S: PathSource> SourceOnce for S {
    fn source_name(&self) -> &str {
        self.name()
    }

    fn read_canonical(
        self: Box<Self>,
        channels: &mut ChannelTable,
        visit: &mut dyn FnMut(&SourceRow<'_>),
    ) -> Result<(crate::journey::ReadSummary, Vec<String>)> {
        Canonical::new(*self).read(channels, visit)
    }
}

fn check(options: &CompareOptions) -> Result<CompareOptions> {
    let mut options = options.clone();
    options.intervals = options.intervals.check()?;
    options.heuristics = options.heuristics.check()?;
    if let Some((stages, source)) = &options.stages {
        stages.check(source)?;
    }
    Ok(options)
}

/// Per-conversion credits of one row under the five heuristics, by channel.
type RowCredits = Vec<(ChannelId, [f64; 5])>;

/// A row kept for the funnel: touches, conversions, nulls, open journeys, days to conversion.
type FunnelRow = (Vec<ChannelId>, f64, f64, f64, Option<f64>);

/// One side as it is read.
struct SideBuilder {
    name: String,
    fitter: Fitter,
    recorder: PathRecorder,
    heuristics: Heuristics,
    credits: Vec<RowCredits>,
    /// Journeys through each state, by the fitter's state id.
    through: Vec<f64>,
    sequence: Vec<StateId>,
    journeys: f64,
    conversions: f64,
    funnel_rows: Option<Vec<FunnelRow>>,
    timed: bool,
}

impl SideBuilder {
    fn new(options: &CompareOptions, name: String) -> Result<Self> {
        let mut heuristics = Heuristics::new(options.heuristics);
        if let Some(h) = options.half_life_days {
            heuristics = heuristics.with_time_half_life(h)?;
        }
        Ok(SideBuilder {
            name,
            fitter: Fitter::new(options.fit)?,
            recorder: PathRecorder::new(),
            heuristics,
            credits: Vec::new(),
            through: Vec::new(),
            sequence: Vec::new(),
            journeys: 0.0,
            conversions: 0.0,
            funnel_rows: options.stages.as_ref().map(|_| Vec::new()),
            timed: false,
        })
    }

    fn observe(&mut self, row: &SourceRow<'_>) {
        let path = &row.path;
        self.fitter.observe(path);
        let journeys = path.journeys();
        // The recorder keeps exactly these rows, so the credits stay aligned with its index.
        if journeys <= 0.0 || path.touches.is_empty() {
            return;
        }
        self.recorder.record(path, self.fitter.last_sequence());
        self.journeys += journeys;
        self.conversions += path.conversions;
        self.sequence.clear();
        self.sequence.extend_from_slice(self.fitter.last_sequence());
        self.sequence.sort_unstable();
        self.sequence.dedup();
        for &s in &self.sequence {
            let s = s as usize;
            if self.through.len() <= s {
                self.through.resize(s + 1, 0.0);
            }
            self.through[s] += journeys;
        }
        let mut credits = RowCredits::new();
        if path.conversions > 0.0 {
            let mut one = self.heuristics.clone();
            one.observe_aged(&PathRow::whole(path.touches, 1.0, 0.0, 0.0), row.ages_days);
            for (c, h) in one.finish(0).iter().enumerate() {
                let r = h.conversions;
                let shares = [
                    r.first_touch,
                    r.last_touch,
                    r.linear,
                    r.position_based,
                    r.time_decay,
                ];
                if shares.iter().any(|&x| x != 0.0) {
                    credits.push((c as ChannelId, shares));
                }
            }
        }
        self.credits.push(credits);
        self.timed |= row.ages_days.is_some();
        if let Some(rows) = self.funnel_rows.as_mut() {
            let days = row
                .ages_days
                .filter(|_| path.conversions > 0.0)
                .map(|ages| ages[0]);
            rows.push((
                path.touches.to_vec(),
                path.conversions,
                path.nulls,
                path.open,
                days,
            ));
        }
    }

    fn finish(self, channels: ChannelTable, options: &CompareOptions) -> Result<Side> {
        if self.journeys <= 0.0 {
            return Err(Error::input(
                Location::file(&self.name),
                "no journeys to compare (no row with a touch and a conversion or null count)",
            ));
        }
        let fitter_states = self.fitter.states().to_vec();
        let exitless = self.fitter.exitless_states();
        let mut warnings: Vec<String> = self
            .fitter
            .exitless_warning(&channels, &self.name)
            .into_iter()
            .collect();
        if !fitter_states.is_empty() && exitless.len() == fitter_states.len() {
            // Every state's open journeys count as nulls: the side cannot convert at all.
            warnings.push(format!(
                "{}: no exit of its journeys is known (every visit began less than the \
                 inactivity window before the end of the data), so its conversion probability, \
                 value and removal effects are not estimates; compare a period that ended at \
                 least --inactivity-days before the data did, shorten --inactivity-days, or pass \
                 --open-journeys null",
                self.name
            ));
        }
        let chain = self.fitter.finish_named(channels, &self.name)?;
        let index = self.recorder.index(&chain, &fitter_states, &exitless)?;
        let chain_id: FxHashMap<&[ChannelId], usize> = chain
            .states()
            .iter()
            .enumerate()
            .map(|(i, s)| (&**s, i))
            .collect();
        let mut through = vec![0.0; chain.n_states()];
        for (s, touches) in fitter_states.iter().enumerate() {
            if let (Some(&id), Some(&j)) = (chain_id.get(&**touches), self.through.get(s)) {
                through[id] += j;
            }
        }
        let funnel = match (&options.stages, self.funnel_rows) {
            (Some((stages, source)), Some(rows)) => {
                let table = chain.channels();
                let stage_of = stages.assign(table, source)?;
                let mut observed = ObservedFunnel::new(stages.stages.len());
                for (touches, conversions, nulls, open, days) in &rows {
                    let row = PathRow {
                        open: *open,
                        ..PathRow::whole(touches, *conversions, 0.0, *nulls)
                    };
                    observed.observe(&row, &stage_of, *days);
                }
                let exact = chain_exact(&chain, &stage_of, stages.stages.len())?;
                let kind = if self.timed { "events" } else { "paths" };
                Some(assemble(
                    &self.name,
                    kind,
                    stages,
                    table,
                    &stage_of,
                    exact,
                    Some(observed.finish()),
                ))
            }
            _ => None,
        };
        Ok(Side {
            name: self.name,
            chain,
            index,
            credits: self.credits,
            through,
            journeys: self.journeys,
            conversions: self.conversions,
            funnel,
            warnings,
        })
    }
}

/// One side, read and fitted.
struct Side {
    name: String,
    chain: Chain,
    index: PathIndex,
    credits: Vec<RowCredits>,
    through: Vec<f64>,
    journeys: f64,
    conversions: f64,
    funnel: Option<Funnel>,
    /// What the side's fit could not know (states whose every exit was censored).
    warnings: Vec<String>,
}

/// Where a tracked transition's probability sits in a side's chain.
#[derive(Debug, Clone, Copy)]
enum Slot {
    /// Not on this side: probability 0 in every resample.
    Absent,
    /// `entry()[i]`.
    Entry(usize),
    /// `probabilities()[i]`.
    Edge(usize),
}

/// What each resample computes on one side.
struct Plan {
    /// The side's channel id of each compared channel.
    channels: Vec<Option<ChannelId>>,
    /// The tracked transitions.
    slots: Vec<Slot>,
}

/// One side's statistics in one resample (or the point estimate).
struct Draw {
    conversion_probability: f64,
    value_per_journey: f64,
    /// Per compared channel: removal effect, then the six credit shares.
    channels: Vec<[f64; 7]>,
    transitions: Vec<f64>,
}

fn statistics(side: &Side, chain: &Chain, conversions: &[f64], plan: &Plan) -> Result<Draw> {
    let effects = removal_effects(chain)?;
    let total_effect: f64 = effects.effects.iter().map(|e| e.conversions).sum();
    let mut heuristic = vec![[0.0; 5]; chain.channels().len()];
    let mut total = 0.0;
    for (credits, &w) in side.credits.iter().zip(conversions) {
        if w <= 0.0 {
            continue;
        }
        total += w;
        for (c, shares) in credits {
            let sum = &mut heuristic[*c as usize];
            for k in 0..5 {
                sum[k] += w * shares[k];
            }
        }
    }
    let channels = plan
        .channels
        .iter()
        .map(|c| {
            let mut out = [0.0; 7];
            if let Some(c) = c {
                let e = effects.effects[*c as usize].conversions;
                out[0] = e;
                out[1] = if total_effect > 0.0 {
                    e / total_effect
                } else {
                    0.0
                };
                if total > 0.0 {
                    for k in 0..5 {
                        out[2 + k] = heuristic[*c as usize][k] / total;
                    }
                }
            }
            out
        })
        .collect();
    let transitions = plan
        .slots
        .iter()
        .map(|s| match *s {
            Slot::Absent => 0.0,
            Slot::Entry(i) => chain.entry()[i].1,
            Slot::Edge(i) => chain.probabilities()[i],
        })
        .collect();
    Ok(Draw {
        conversion_probability: effects.base.conversion_probability,
        value_per_journey: effects.base.value_per_journey,
        channels,
        transitions,
    })
}

/// One Bayesian-bootstrap resample of `side` from `stream`.
fn resample(side: &Side, plan: &Plan, stream: &mut rng::Stream, gammas: &Gammas) -> Result<Draw> {
    let mut conversions = vec![0.0; side.index.len()];
    let chain = reweight(&side.chain, &side.index, |r| {
        let c = gammas.conversions[r]
            .as_ref()
            .map_or(0.0, |g| stream.sample(g));
        let n = gammas.nulls[r].as_ref().map_or(0.0, |g| stream.sample(g));
        conversions[r] = c;
        (c, n)
    });
    statistics(side, &chain, &conversions, plan)
}

/// Each row's Gamma weights (none for a zero count).
struct Gammas {
    conversions: Vec<Option<rand_distr::Gamma<f64>>>,
    nulls: Vec<Option<rand_distr::Gamma<f64>>>,
}

impl Gammas {
    fn new(index: &PathIndex) -> Result<Self> {
        let (mut conversions, mut nulls) = (Vec::new(), Vec::new());
        for r in 0..index.len() {
            let (c, n) = index.counts(r);
            conversions.push(bootstrap_weight(c)?);
            nulls.push(bootstrap_weight(n)?);
        }
        Ok(Gammas { conversions, nulls })
    }
}

/// A state's transition row on one side: destination name -> (weight, probability, slot).
type NamedRow = BTreeMap<String, (f64, f64, Slot)>;

fn destination(chain: &Chain, t: u32) -> String {
    if t == chain.conversion() {
        "(conversion)".into()
    } else if t == chain.null() {
        "(null)".into()
    } else {
        chain.state_name(t)
    }
}

/// Every row of `chain` by state name, `(start)` first.
fn named_rows(chain: &Chain, journeys: f64, through: &[f64]) -> BTreeMap<String, (f64, NamedRow)> {
    let mut rows = BTreeMap::new();
    let mut start = NamedRow::new();
    let weights = chain.entry_weights();
    for (i, &(s, p)) in chain.entry().iter().enumerate() {
        let w = weights.get(i).copied().unwrap_or(0.0);
        start.insert(chain.state_name(s), (w, p, Slot::Entry(i)));
    }
    rows.insert(START.to_owned(), (journeys, start));
    for s in 0..chain.n_states() as StateId {
        let mut row = NamedRow::new();
        for e in chain.row_range(s) {
            let t = chain.targets()[e];
            let w = chain.weights().get(e).copied().unwrap_or(0.0);
            row.insert(
                destination(chain, t),
                (w, chain.probabilities()[e], Slot::Edge(e)),
            );
        }
        rows.insert(chain.state_name(s), (through[s as usize], row));
    }
    rows
}

/// The percentile interval of `values` at `level` (statrs' quantile, as the bootstrap uses).
fn percentile(values: Vec<f64>, level: f64) -> [f64; 2] {
    let tail = (1.0 - level) / 2.0;
    let mut data = Data::new(values);
    [data.quantile(tail), data.quantile(1.0 - tail)]
}

/// A row's test before the q-values and intervals: the tracked transitions start at `first`.
struct PendingRow {
    test: RowTest,
    first: usize,
}

fn finish(
    a: Side,
    b: Side,
    options: &CompareOptions,
    mut warnings: Vec<String>,
) -> Result<Comparison> {
    for side in [&a, &b] {
        warnings.extend(side.warnings.iter().cloned());
        if side.conversions <= 0.0 {
            warnings.push(format!(
                "{}: no conversions; its removal effects and credit shares are zero",
                side.name
            ));
        }
    }
    // The channels either side's journeys touch (a segment's table also names the channels
    // of other segments, which would only add rows of zeros).
    let touched = |side: &Side| -> BTreeSet<String> {
        let chain = &side.chain;
        let ids: BTreeSet<ChannelId> = chain
            .states()
            .iter()
            .flat_map(|s| s.iter().copied())
            .collect();
        ids.into_iter()
            .map(|c| chain.channels().name(c).to_owned())
            .collect()
    };
    let names: Vec<String> = touched(&a).union(&touched(&b)).cloned().collect();
    let channel_ids = |side: &Side| -> Vec<Option<ChannelId>> {
        names.iter().map(|n| side.chain.channels().get(n)).collect()
    };

    let rows_a = named_rows(&a.chain, a.journeys, &a.through);
    let rows_b = named_rows(&b.chain, b.journeys, &b.through);
    let only_b: Vec<String> = rows_b
        .keys()
        .filter(|s| !rows_a.contains_key(*s))
        .cloned()
        .collect();
    let mut only_a = Vec::new();
    let (mut slots_a, mut slots_b) = (Vec::new(), Vec::new());
    let mut pending = Vec::new();
    for (state, (journeys_a, row_a)) in &rows_a {
        let Some((journeys_b, row_b)) = rows_b.get(state) else {
            only_a.push(state.clone());
            continue;
        };
        let destinations: BTreeSet<&String> = row_a.keys().chain(row_b.keys()).collect();
        let absent = (0.0, 0.0, Slot::Absent);
        let (mut counts_a, mut counts_b, mut changes) = (Vec::new(), Vec::new(), Vec::new());
        for d in destinations {
            let (wa, pa, sa) = row_a.get(d).copied().unwrap_or(absent);
            let (wb, pb, sb) = row_b.get(d).copied().unwrap_or(absent);
            counts_a.push(wa);
            counts_b.push(wb);
            changes.push((d.clone(), pa, pb, sa, sb));
        }
        let test = g_test(&counts_a, &counts_b);
        changes.sort_by(|x, y| {
            (y.2 - y.1)
                .abs()
                .total_cmp(&(x.2 - x.1).abs())
                .then_with(|| x.0.cmp(&y.0))
        });
        changes.truncate(options.changes);
        let first = slots_a.len();
        let changes = changes
            .into_iter()
            .map(|(to, pa, pb, sa, sb)| {
                slots_a.push(sa);
                slots_b.push(sb);
                TransitionChange {
                    to,
                    probability_a: pa,
                    probability_b: pb,
                    difference: pb - pa,
                    difference_ci: [0.0, 0.0],
                }
            })
            .collect();
        pending.push(PendingRow {
            test: RowTest {
                state: state.clone(),
                g: test.g,
                df: test.df,
                p: test.p,
                q: 1.0,
                journeys_a: *journeys_a,
                journeys_b: *journeys_b,
                changes,
            },
            first,
        });
    }

    let plan_a = Plan {
        channels: channel_ids(&a),
        slots: slots_a,
    };
    let plan_b = Plan {
        channels: channel_ids(&b),
        slots: slots_b,
    };
    let observed = |side: &Side| -> Vec<f64> {
        (0..side.index.len())
            .map(|r| side.index.counts(r).0)
            .collect()
    };
    let point_a = statistics(&a, &a.chain, &observed(&a), &plan_a)?;
    let point_b = statistics(&b, &b.chain, &observed(&b), &plan_b)?;
    let (gammas_a, gammas_b) = (Gammas::new(&a.index)?, Gammas::new(&b.index)?);
    let intervals = options.intervals;
    let draws: Vec<(Draw, Draw)> = (0..intervals.resamples as u64)
        .into_par_iter()
        .map(|i| {
            let da = resample(
                &a,
                &plan_a,
                &mut rng::stream(intervals.seed, 2 * i),
                &gammas_a,
            )?;
            let db = resample(
                &b,
                &plan_b,
                &mut rng::stream(intervals.seed, 2 * i + 1),
                &gammas_b,
            )?;
            Ok((da, db))
        })
        .collect::<Result<_>>()?;
    let differences =
        |f: &dyn Fn(&Draw) -> f64| -> Vec<f64> { draws.iter().map(|(x, y)| f(y) - f(x)).collect() };
    let ci = |f: &dyn Fn(&Draw) -> f64| percentile(differences(f), intervals.level);

    let difference = Difference {
        conversion_probability: point_b.conversion_probability - point_a.conversion_probability,
        conversion_probability_ci: ci(&|d| d.conversion_probability),
        value_per_journey: point_b.value_per_journey - point_a.value_per_journey,
        value_per_journey_ci: ci(&|d| d.value_per_journey),
    };

    let mut channels: Vec<(f64, ChannelDifference)> = names
        .iter()
        .enumerate()
        .map(|(c, name)| {
            let (pa, pb) = (point_a.channels[c], point_b.channels[c]);
            let removal = differences(&|d| d.channels[c][0]);
            let d = pb[0] - pa[0];
            let sd = standard_deviation(&removal);
            let score = if sd > 0.0 { d.abs() / sd } else { 0.0 };
            let credit_shares = CREDIT_METHODS
                .iter()
                .enumerate()
                .map(|(k, method)| ShareDifference {
                    method: (*method).to_owned(),
                    a: pa[1 + k],
                    b: pb[1 + k],
                    difference: pb[1 + k] - pa[1 + k],
                    difference_ci: ci(&|d| d.channels[c][1 + k]),
                })
                .collect();
            let change = ChannelDifference {
                channel: name.clone(),
                removal_effect_a: pa[0],
                removal_effect_b: pb[0],
                removal_effect_difference: d,
                removal_effect_difference_ci: percentile(removal, intervals.level),
                credit_shares,
            };
            (score, change)
        })
        .collect();
    channels.sort_by(|x, y| {
        y.0.total_cmp(&x.0)
            .then_with(|| x.1.channel.cmp(&y.1.channel))
    });

    let q = benjamini_hochberg(&pending.iter().map(|r| r.test.p).collect::<Vec<_>>());
    let mut rows: Vec<RowTest> = pending
        .into_iter()
        .zip(q)
        .map(|(mut row, q)| {
            row.test.q = q;
            for (k, change) in row.test.changes.iter_mut().enumerate() {
                let t = row.first + k;
                change.difference_ci = ci(&|d| d.transitions[t]);
            }
            row.test
        })
        .collect();
    rows.sort_by(|x, y| {
        x.p.total_cmp(&y.p)
            .then_with(|| y.g.total_cmp(&x.g))
            .then_with(|| x.state.cmp(&y.state))
    });

    let summary = |side: Side, point: &Draw| SideSummary {
        input: side.name,
        journeys: side.journeys,
        conversions: side.conversions,
        conversion_probability: point.conversion_probability,
        value_per_journey: point.value_per_journey,
        funnel: side.funnel,
    };
    let order = a.chain.order();
    Ok(Comparison {
        a: summary(a, &point_a),
        b: summary(b, &point_b),
        difference,
        channels: channels.into_iter().map(|(_, c)| c).collect(),
        rows,
        only_a,
        only_b,
        order,
        intervals: IntervalSummary {
            method: "bayesian_bootstrap_over_journeys_each_side".into(),
            resamples: intervals.resamples,
            level: intervals.level,
            seed: intervals.seed,
        },
        warnings,
    })
}

/// The sample standard deviation (0 for fewer than two values).
fn standard_deviation(values: &[f64]) -> f64 {
    let n = values.len() as f64;
    if values.len() < 2 {
        return 0.0;
    }
    let mean = values.iter().sum::<f64>() / n;
    (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
}

#[cfg(test)]
mod tests {
    use statrs::distribution::{ChiSquared, ContinuousCDF, Discrete, Poisson};

    use super::*;
    use crate::journey::MemoryPaths;

    /// A first-order chain over a, b, c with no cycles: entry probabilities and, for each
    /// state, the probabilities of a, b, c, (conversion), (null).
    struct TestChain {
        entry: [f64; 3],
        rows: [[f64; 5]; 3],
    }

    const NAMES: [&str; 3] = ["a", "b", "c"];

    /// P(conversion) = 0.5 x 0.257 + 0.3 x 0.19 + 0.2 x 0.3 = 0.2455 (from c 0.3, from b
    /// 0.1 + 0.3 x 0.3 = 0.19, from a 0.2 + 0.3 x 0.19 = 0.257).
    const BASE: TestChain = TestChain {
        entry: [0.5, 0.3, 0.2],
        rows: [
            [0.0, 0.3, 0.0, 0.2, 0.5],
            [0.0, 0.0, 0.3, 0.1, 0.6],
            [0.0, 0.0, 0.0, 0.3, 0.7],
        ],
    };

    /// BASE with a -> (conversion) raised from 0.2 to 0.3 (and a -> (null) lowered to 0.4):
    /// from a 0.357, P(conversion) = 0.2955, 0.05 above BASE. Only a's row changes.
    const CHANGED: TestChain = TestChain {
        entry: [0.5, 0.3, 0.2],
        rows: [
            [0.0, 0.3, 0.0, 0.3, 0.4],
            [0.0, 0.0, 0.3, 0.1, 0.6],
            [0.0, 0.0, 0.0, 0.3, 0.7],
        ],
    };

    type Rows = Vec<(Vec<&'static str>, f64, f64, f64)>;

    fn pick(stream: &mut rng::Stream, probabilities: &[f64]) -> usize {
        let u: f64 = stream.random();
        let mut cumulative = 0.0;
        for (i, p) in probabilities.iter().enumerate() {
            cumulative += p;
            if u < cumulative {
                return i;
            }
        }
        probabilities.len() - 1
    }

    /// `n` journeys walked through `chain` from the project's stream `(seed, index)`, as
    /// aggregated paths (each conversion worth 10).
    fn journeys(chain: &TestChain, n: usize, seed: u64, index: u64) -> Rows {
        let mut stream = rng::stream(seed, index);
        let mut paths: BTreeMap<Vec<usize>, (f64, f64)> = BTreeMap::new();
        for _ in 0..n {
            let mut state = pick(&mut stream, &chain.entry);
            let mut path = vec![state];
            let converted = loop {
                match pick(&mut stream, &chain.rows[state]) {
                    3 => break true,
                    4 => break false,
                    next => {
                        state = next;
                        path.push(next);
                    }
                }
            };
            let counts = paths.entry(path).or_default();
            if converted {
                counts.0 += 1.0;
            } else {
                counts.1 += 1.0;
            }
        }
        paths
            .into_iter()
            .map(|(path, (c, n))| (path.iter().map(|&s| NAMES[s]).collect(), c, 10.0 * c, n))
            .collect()
    }

    fn run(a: &Rows, b: &Rows, options: &CompareOptions) -> Comparison {
        let a: Vec<(&[&str], f64, f64, f64)> =
            a.iter().map(|(p, c, v, n)| (&p[..], *c, *v, *n)).collect();
        let b: Vec<(&[&str], f64, f64, f64)> =
            b.iter().map(|(p, c, v, n)| (&p[..], *c, *v, *n)).collect();
        compare(
            MemoryPaths::new("a", &a),
            MemoryPaths::new("b", &b),
            options,
        )
        .unwrap()
    }

    fn options(resamples: usize, seed: u64) -> CompareOptions {
        CompareOptions {
            intervals: IntervalOptions {
                resamples,
                level: 0.95,
                seed,
            },
            ..CompareOptions::default()
        }
    }

    #[test]
    fn the_same_data_twice_differ_by_nothing_and_no_row_is_significant() {
        let rows = journeys(&BASE, 500, 1, 0);
        let result = run(&rows, &rows, &options(50, 1));
        assert_eq!(result.difference.conversion_probability, 0.0);
        assert!(result.rows.iter().all(|r| r.g.abs() < 1e-9 && r.p > 0.999));
        assert!(result.only_a.is_empty() && result.only_b.is_empty());
        let ci = result.difference.conversion_probability_ci;
        // Independent resamples of each side: an interval around 0 of honest width.
        assert!(ci[0] < 0.0 && ci[1] > 0.0, "{ci:?}");
        for c in &result.channels {
            assert_eq!(c.removal_effect_difference, 0.0);
            let sum: f64 = c.credit_shares.iter().map(|s| s.difference).sum();
            assert!(sum.abs() < 1e-12);
        }
    }

    #[test]
    fn states_on_one_side_only_are_listed_and_shares_add_up_to_one() {
        let a = vec![
            (vec!["a", "b"], 2.0, 20.0, 3.0),
            (vec!["c"], 1.0, 10.0, 1.0),
        ];
        let b = vec![
            (vec!["a", "d"], 2.0, 20.0, 3.0),
            (vec!["c"], 1.0, 10.0, 1.0),
        ];
        let result = run(&a, &b, &options(20, 3));
        assert_eq!(result.only_a, ["b"]);
        assert_eq!(result.only_b, ["d"]);
        let states: BTreeSet<&str> = result.rows.iter().map(|r| r.state.as_str()).collect();
        assert_eq!(states, BTreeSet::from(["(start)", "a", "c"]));
        // a goes to b on A and to d on B: the row's two destinations differ entirely.
        let row_a = result.rows.iter().find(|r| r.state == "a").unwrap();
        assert_eq!(row_a.df, 1);
        assert_eq!(row_a.journeys_a, 5.0);
        for k in 0..CREDIT_METHODS.len() {
            let (sa, sb): (f64, f64) = result
                .channels
                .iter()
                .map(|c| (c.credit_shares[k].a, c.credit_shares[k].b))
                .fold((0.0, 0.0), |x, y| (x.0 + y.0, x.1 + y.1));
            assert!((sa - 1.0).abs() < 1e-12 && (sb - 1.0).abs() < 1e-12);
        }
        // Last touch: on A, b holds 2 of 3 conversions and c 1.
        let b_channel = result.channels.iter().find(|c| c.channel == "b").unwrap();
        assert!((b_channel.credit_shares[2].a - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(b_channel.credit_shares[2].b, 0.0);
    }

    /// Replicates of the two statistical tests below; each is a few milliseconds.
    const REPLICATES: u64 = 300;

    /// Under the complete null (both sides from BASE) every discovery is false, so the false
    /// discovery rate is P(at least one row with q <= 0.05), which Benjamini-Hochberg keeps at
    /// most 0.05 for independent rows (transition counts out of different states are, given the
    /// visits). Over 300 replicates of 1,000 journeys a side, the number of replicates with a
    /// discovery is then at most Binomial(300, 0.05): mean 15, sd 3.77; the test allows 3 sd,
    /// 26 replicates.
    #[test]
    fn pairs_from_one_chain_flag_at_most_the_false_discovery_share() {
        let mut with_discovery = 0;
        let mut rows_flagged = 0;
        let mut rows_tested = 0;
        for r in 0..REPLICATES {
            let a = journeys(&BASE, 1000, 11, 2 * r);
            let b = journeys(&BASE, 1000, 11, 2 * r + 1);
            let result = run(&a, &b, &options(2, r));
            let flagged = result.rows.iter().filter(|x| x.q <= 0.05).count();
            rows_tested += result.rows.len();
            rows_flagged += flagged;
            with_discovery += usize::from(flagged > 0);
        }
        let bound = 15.0 + 3.0 * (300.0f64 * 0.05 * 0.95).sqrt();
        eprintln!(
            "null pairs: {with_discovery} of {REPLICATES} replicates with a discovery; \
             {rows_flagged} of {rows_tested} rows flagged"
        );
        assert!(
            (with_discovery as f64) <= bound,
            "{with_discovery} of {REPLICATES} replicates flagged a row (bound {bound:.1}); \
             {rows_flagged} of {rows_tested} rows"
        );
    }

    /// P(chi-squared(df, noncentrality) >= x), as a Poisson(noncentrality / 2) mixture of
    /// central chi-squared laws with df + 2k degrees of freedom (Johnson, Kotz and Balakrishnan
    /// 1995, ch. 29).
    fn noncentral_chi_squared_sf(df: f64, noncentrality: f64, x: f64) -> f64 {
        let poisson = Poisson::new(noncentrality / 2.0).unwrap();
        (0..200u64)
            .map(|k| {
                let central = ChiSquared::new(df + 2.0 * k as f64).unwrap();
                poisson.pmf(k) * central.sf(x)
            })
            .sum()
    }

    /// a's row changes (a -> (conversion) 0.2 -> 0.3). With 1,000 journeys a side a is visited
    /// about 500 times a side, and the G statistic of the expected counts, the noncentrality
    /// of its chi-squared(2) law, is 15.6. Benjamini-Hochberg flags the row whenever its p is
    /// at most 0.05 / 4 (4 rows: (start), a, b, c), so the power is at least
    /// P(chi-squared(2, 15.6) >= the 98.75% point of chi-squared(2)) = 0.87 (computed below).
    /// Over 300 replicates the flagged share is then at least that minus 3 binomial standard
    /// deviations (0.06).
    #[test]
    fn a_chain_with_one_changed_transition_is_flagged_with_the_stated_power() {
        let visits = 500.0;
        let expected_a = [0.3 * visits, 0.2 * visits, 0.5 * visits];
        let expected_b = [0.3 * visits, 0.3 * visits, 0.4 * visits];
        let noncentrality = g_test(&expected_a, &expected_b).g;
        let critical = ChiSquared::new(2.0).unwrap().inverse_cdf(1.0 - 0.05 / 4.0);
        let power = noncentral_chi_squared_sf(2.0, noncentrality, critical);
        assert!(
            (noncentrality - 15.63).abs() < 0.01 && power > 0.8,
            "{noncentrality} {power}"
        );
        let (mut flagged, mut first, mut false_rows) = (0, 0, 0);
        for r in 0..REPLICATES {
            let a = journeys(&BASE, 1000, 12, 2 * r);
            let b = journeys(&CHANGED, 1000, 12, 2 * r + 1);
            let result = run(&a, &b, &options(2, r));
            let row = result.rows.iter().find(|x| x.state == "a").unwrap();
            flagged += usize::from(row.q <= 0.05);
            first += usize::from(result.rows[0].state == "a");
            false_rows += result
                .rows
                .iter()
                .filter(|x| x.state != "a" && x.q <= 0.05)
                .count();
            // The change found first is a's conversion (or its null, by as much).
            assert!(["(conversion)", "(null)"].contains(&row.changes[0].to.as_str()));
        }
        let n = REPLICATES as f64;
        let bound = power - 3.0 * (power * (1.0 - power) / n).sqrt();
        let observed = flagged as f64 / n;
        eprintln!(
            "changed row: flagged in {flagged} of {REPLICATES} (power {observed:.3}, predicted \
             at least {power:.3}); first row in {first}; {false_rows} other rows flagged"
        );
        assert!(observed >= bound, "power {observed} below {bound}");
    }

    /// The interval on the difference in P(conversion) covers the truth (0.2955 - 0.2455 =
    /// 0.05, exact for these chains) in about 95% of replicates: over 200 replicates of 2,000
    /// journeys a side (200 resamples each), the number covering is Binomial(200, 0.95), mean
    /// 190 and sd 3.08, and the test asks for 181 to 199 (3 sd; 200 of 200 would mean
    /// intervals too wide).
    #[test]
    fn the_difference_interval_covers_the_truth_at_the_nominal_rate() {
        let truth = 0.2955 - 0.2455;
        let replicates = 200;
        let mut covered = 0;
        for r in 0..replicates {
            let a = journeys(&BASE, 2000, 13, 2 * r);
            let b = journeys(&CHANGED, 2000, 13, 2 * r + 1);
            let result = run(&a, &b, &options(200, r));
            let [lo, hi] = result.difference.conversion_probability_ci;
            covered += usize::from(lo <= truth && truth <= hi);
        }
        eprintln!("coverage: {covered} of {replicates}");
        assert!(
            (181..=199).contains(&covered),
            "{covered} of {replicates} covered"
        );
    }
}
