//! Fitting an order-k chain from observed paths (ChannelAttribution's semantics).
//!
//! For a path `c1 > c2 > ... > cL` the states are the sliding windows of k consecutive touches
//! (step 1); a path shorter than k is one state of its own length. Consecutive identical states
//! collapse into one (so at order 1 `a > a > b` is `a -> b`) unless `keep_repeats` is set, in
//! which case they become self-loops. The path adds `conversions + nulls` to (start) -> first
//! state and to every transition between its states, `conversions` to last -> (conversion) and
//! `nulls` to last -> (null). Rows are then normalised into probabilities.
//!
//! A journey of an event log still in progress when the data end, or one whose last touches
//! began too close to that end for their exits to be known ([`PathRow::censored`]), adds its
//! entry and the transitions up to its first censored touch, and no exit at all: neither to a
//! touch, nor to (conversion), nor to (null). Keeping only the exits that could have been seen
//! whatever they were is what keeps the estimate unbiased (see `journeysim_io::events`).
//!
//! The value of a converting path is attached to its last state as value per conversion.
//!
//! ```
//! use journeysim_core::journey::MemoryPaths;
//! use journeysim_core::model::{FitOptions, fit_paths};
//!
//! // a > a > b converts once and fails once: at order 1 the repeat collapses, so the chain is
//! // (start) -> a -> b, and b ends in (conversion) or (null) with probability 1/2 each.
//! let rows = [(&["a", "a", "b"][..], 1.0, 10.0, 1.0)];
//! let fitted = fit_paths(MemoryPaths::new("example", &rows), FitOptions::order(1), |_| {})?;
//! let chain = &fitted.chain;
//! let b = (0..chain.n_states() as u32).find(|&s| chain.state_name(s) == "b").unwrap();
//! assert_eq!(chain.conversion_probability_from(b), 0.5);
//! assert_eq!(fitted.summary.journeys(), 2.0);
//! # Ok::<(), journeysim_core::Error>(())
//! ```

use rustc_hash::FxHashMap;

use super::transitions::Transitions;
use super::{Chain, ChainParts, StateId, Transition};
use crate::dwell::{DwellFit, fit_dwell};
use crate::error::{Error, Location, Result, clip};
use crate::journey::{ChannelId, ChannelTable, PathRow, PathSource, ReadSummary, SourceRow};
use crate::row_order::Canonical;

/// What to fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FitOptions {
    /// Model order k (>= 1).
    pub order: usize,
    /// Keep consecutive identical states as self-loops instead of collapsing them.
    pub keep_repeats: bool,
    /// Keep the empirical distribution of value per conversion by last state (for simulation).
    /// Memory then grows with distinct (last state, value) pairs, so it is off for attribution.
    pub value_distribution: bool,
}

impl FitOptions {
    /// Order-k options with ChannelAttribution's defaults.
    pub fn order(order: usize) -> Self {
        FitOptions {
            order,
            keep_repeats: false,
            value_distribution: false,
        }
    }
}

// Pseudo-states used as keys while counting; they are remapped when the chain is built.
const START: u32 = Transitions::START;
const CONVERSION: u32 = Transitions::CONVERSION;
const NULL: u32 = Transitions::NULL;
/// Not a state yet (in [`Fitter::by_channel`]).
const UNKNOWN: u32 = u32::MAX;

/// Accumulates transition weights from paths, one row at a time.
#[derive(Debug)]
pub struct Fitter {
    options: FitOptions,
    state_index: FxHashMap<Box<[ChannelId]>, StateId>,
    /// The state of each one-touch window, by channel ([`UNKNOWN`] if not seen yet).
    by_channel: Vec<StateId>,
    states: Vec<Box<[ChannelId]>>,
    /// Weight of each (from, to) pair.
    transitions: Transitions,
    conversions_by_last: Vec<f64>,
    value_by_last: Vec<f64>,
    value_samples: Vec<FxHashMap<u64, f64>>,
    /// Journeys whose exit from each state was censored ([`PathRow::censored`]).
    censored_at: Vec<f64>,
    /// Whether a known exit (to a state, conversion or null) left each state.
    has_exit: Vec<bool>,
    sequence: Vec<StateId>,
}

impl Fitter {
    /// A fitter for `options`; fails on order 0.
    pub fn new(options: FitOptions) -> Result<Self> {
        if options.order == 0 {
            return Err(Error::Invalid("the order must be at least 1".into()));
        }
        Ok(Fitter {
            options,
            state_index: FxHashMap::default(),
            by_channel: Vec::new(),
            states: Vec::new(),
            transitions: Transitions::new(),
            conversions_by_last: Vec::new(),
            value_by_last: Vec::new(),
            value_samples: Vec::new(),
            censored_at: Vec::new(),
            has_exit: Vec::new(),
            sequence: Vec::new(),
        })
    }

    /// Adds one row of journeys.
    pub fn observe(&mut self, row: &PathRow<'_>) {
        let journeys = row.journeys();
        if journeys <= 0.0 || row.touches.is_empty() {
            return;
        }
        let (touches, ended) = row.chain_touches();
        let mut sequence = std::mem::take(&mut self.sequence);
        sequence.clear();
        let k = self.options.order.min(touches.len());
        // Every state is written to the next place, which moves on unless it repeats the one
        // before (and repeats collapse): no branch on repeats, which come at random.
        let windows = touches.windows(k);
        sequence.resize(windows.len(), 0);
        let (mut kept, mut last) = (0, START);
        for window in windows {
            let id = self.intern(window);
            sequence[kept] = id;
            kept += usize::from(self.options.keep_repeats || id != last);
            last = id;
        }
        sequence.truncate(kept);
        let mut from = START;
        for &to in &sequence {
            self.add(from, to, journeys);
            from = to;
        }
        let last = from;
        if !ended {
            // The exit of the last state learnt from was censored: entries and transitions
            // only (see [`PathRow::censored`]).
            self.censored_at[last as usize] += journeys;
            self.sequence = sequence;
            return;
        }
        if row.conversions > 0.0 {
            self.add(last, CONVERSION, row.conversions);
            self.conversions_by_last[last as usize] += row.conversions;
            self.value_by_last[last as usize] += row.value;
            if self.options.value_distribution {
                let per_conversion = row.value / row.conversions;
                *self.value_samples[last as usize]
                    .entry(per_conversion.to_bits())
                    .or_default() += row.conversions;
            }
        }
        if row.nulls > 0.0 {
            self.add(last, NULL, row.nulls);
        }
        self.sequence = sequence;
    }

    /// The states (in this fitter's own numbering, which [`Fitter::finish`] renumbers) of the
    /// row last passed to [`Fitter::observe`]; meaningful only if that row had journeys and
    /// touches. Lets resampling methods record each path's state sequence in the same pass.
    pub fn last_sequence(&self) -> &[StateId] {
        &self.sequence
    }

    /// The touches of every state so far, indexed by this fitter's own numbering.
    pub fn states(&self) -> &[Box<[ChannelId]>] {
        &self.states
    }

    fn intern(&mut self, window: &[ChannelId]) -> StateId {
        // A one-touch state (every state at order 1) is looked up by its channel directly.
        if let &[channel] = window
            && let Some(&id) = self.by_channel.get(channel as usize)
            && id != UNKNOWN
        {
            return id;
        }
        let id = self.intern_hashed(window);
        if let &[channel] = window {
            let channel = channel as usize;
            if self.by_channel.len() <= channel {
                self.by_channel.resize(channel + 1, UNKNOWN);
            }
            self.by_channel[channel] = id;
        }
        id
    }

    fn intern_hashed(&mut self, window: &[ChannelId]) -> StateId {
        if let Some(&id) = self.state_index.get(window) {
            return id;
        }
        let id = self.states.len() as StateId;
        self.states.push(window.into());
        self.state_index.insert(window.into(), id);
        self.conversions_by_last.push(0.0);
        self.value_by_last.push(0.0);
        self.censored_at.push(0.0);
        self.has_exit.push(false);
        if self.options.value_distribution {
            self.value_samples.push(FxHashMap::default());
        }
        id
    }

    /// States (in this fitter's numbering) seen only in visits whose exit was censored: no exit
    /// from them is known. [`Fitter::finish`] counts their censored exits as nulls (the rule for
    /// open journeys before censoring), the only estimate the data allow; callers warn.
    pub fn exitless_states(&self) -> Vec<StateId> {
        (0..self.states.len())
            .filter(|&s| !self.has_exit[s] && self.censored_at[s] > 0.0)
            .map(|s| s as StateId)
            .collect()
    }

    /// The warning about [`Fitter::exitless_states`], if any, naming up to three of them.
    pub fn exitless_warning(&self, channels: &ChannelTable, source: &str) -> Option<String> {
        let states = self.exitless_states();
        let names: Vec<String> = states
            .iter()
            .take(3)
            .map(|&s| {
                format!(
                    "'{}'",
                    clip(&channels.format_path(&self.states[s as usize]))
                )
            })
            .collect();
        (!states.is_empty()).then(|| {
            format!(
                "{source}: {} state(s) ({}{}) were seen only in visits too close to the end of \
                 the data for their exit to be known; their open journeys are counted as nulls",
                states.len(),
                names.join(", "),
                if states.len() > 3 { ", ..." } else { "" }
            )
        })
    }

    fn add(&mut self, from: u32, to: u32, weight: f64) {
        if from != START {
            self.has_exit[from as usize] = true;
        }
        self.transitions.add(from, to, weight);
    }

    /// Builds the chain: states renumbered in sorted order of their channel names (so the same
    /// data give the same chain whatever the row order), rows normalised into probabilities.
    /// Fails only if the weights were not finite (the chain would not be a proper one).
    pub fn finish(mut self, channels: ChannelTable) -> Result<Chain> {
        for s in self.exitless_states() {
            let weight = self.censored_at[s as usize];
            self.add(s, NULL, weight);
        }
        let n = self.states.len();
        if n == 0 {
            return Ok(Chain::empty(
                self.options.order,
                self.options.keep_repeats,
                channels,
            ));
        }
        // Stable numbering: sort states by their channel names.
        let mut order: Vec<StateId> = (0..n as StateId).collect();
        let names: Vec<Vec<&str>> = self
            .states
            .iter()
            .map(|s| s.iter().map(|&c| channels.name(c)).collect())
            .collect();
        order.sort_by(|&a, &b| names[a as usize].cmp(&names[b as usize]));
        let mut renumber = vec![0u32; n];
        for (new, &old) in order.iter().enumerate() {
            renumber[old as usize] = new as u32;
        }
        let map_target = |t: u32| match t {
            CONVERSION => n as u32,
            NULL => n as u32 + 1,
            s => renumber[s as usize],
        };

        let mut entry: Vec<(StateId, f64)> = Vec::new();
        let mut edges: Vec<(u32, u32, f64)> = Vec::with_capacity(self.transitions.len());
        for (from, to, w) in self.transitions.pairs() {
            if from == START {
                entry.push((map_target(to), w));
            } else {
                edges.push((renumber[from as usize], map_target(to), w));
            }
        }
        entry.sort_by_key(|e| e.0);
        edges.sort_by_key(|e| (e.0, e.1));

        let entry_total: f64 = entry.iter().map(|e| e.1).sum();
        let overflow = |row: &str| {
            Error::Invalid(format!(
                "the weights out of {row} add up past {:e}, the largest number that can be \
                 added up; scale the counts down",
                f64::MAX
            ))
        };
        if !entry_total.is_finite() {
            return Err(overflow("(start)"));
        }
        let entry = entry
            .into_iter()
            .map(|(s, w)| Transition {
                to: s,
                probability: w / entry_total,
                weight: Some(w),
            })
            .collect();

        // `edges` is sorted by state: each row is a run of it, normalised by its own total.
        let mut rows: Vec<Vec<Transition>> = Vec::with_capacity(n);
        let mut rest = &edges[..];
        for s in 0..n as u32 {
            let len = rest.iter().take_while(|e| e.0 == s).count();
            let (run, tail) = rest.split_at(len);
            rest = tail;
            let total: f64 = run.iter().map(|e| e.2).sum();
            if !total.is_finite() {
                return Err(overflow(&format!(
                    "state '{}'",
                    clip(&names[order[s as usize] as usize].join(" > "))
                )));
            }
            rows.push(
                run.iter()
                    .map(|&(_, to, w)| Transition {
                        to,
                        probability: w / total,
                        weight: Some(w),
                    })
                    .collect(),
            );
        }

        let permute = |v: &[f64]| -> Vec<f64> { order.iter().map(|&o| v[o as usize]).collect() };
        let conversions = permute(&self.conversions_by_last);
        let value = permute(&self.value_by_last);
        let value_per_conversion = conversions
            .iter()
            .zip(&value)
            .map(|(&c, &v)| if c > 0.0 { v / c } else { 0.0 })
            .collect();
        let value_distribution = if self.options.value_distribution {
            order
                .iter()
                .map(|&o| {
                    let mut samples: Vec<(f64, f64)> = self.value_samples[o as usize]
                        .iter()
                        .map(|(&bits, &w)| (f64::from_bits(bits), w))
                        .collect();
                    samples.sort_by(|a, b| a.0.total_cmp(&b.0));
                    samples
                })
                .collect()
        } else {
            Vec::new()
        };
        let states = order
            .iter()
            .map(|&o| self.states[o as usize].clone())
            .collect();

        Chain::from_rows(ChainParts {
            order: self.options.order,
            keep_repeats: self.options.keep_repeats,
            channels,
            states,
            entry,
            rows,
            value_per_conversion,
            value_distribution,
        })
    }
}

impl Fitter {
    /// [`Fitter::finish`] for data read from `source`: a chain the data cannot make (weights that
    /// overflow, values that are not finite) is an input error naming it.
    pub fn finish_named(self, channels: ChannelTable, source: &str) -> Result<Chain> {
        self.finish(channels).map_err(|e| match e {
            Error::Invalid(message) => Error::input(Location::file(source), message),
            other => other,
        })
    }
}

/// What was fitted and what was read.
#[derive(Debug, Clone)]
pub struct Fitted {
    /// The chain.
    pub chain: Chain,
    /// Totals of the input, skipped rows included.
    pub summary: ReadSummary,
    /// What the source warned about (skipped rows, dropped touches).
    pub warnings: Vec<String>,
    /// Each state's fitted time to its next event ([`fit_paths_timed`]; empty otherwise, and
    /// `None` for a state without an observed time).
    pub dwell: Vec<Option<DwellFit>>,
    /// The same, by the kind of next event ([`Next`] as index): the times to a next touch and
    /// the times to a conversion, fitted apart.
    pub dwell_by_next: Vec<[Option<DwellFit>; 2]>,
}

/// Fits a chain on every row of `source` in one streaming pass. `also` sees every row too, so
/// other single-pass statistics (heuristics, path tables) share the read.
pub fn fit_paths(
    source: impl PathSource,
    options: FitOptions,
    mut also: impl FnMut(&SourceRow<'_>),
) -> Result<Fitted> {
    let mut fitter = Fitter::new(options)?;
    let mut channels = ChannelTable::new();
    let name = source.name().to_owned();
    let (summary, mut warnings) =
        Canonical::new(source)
            .without_ages()
            .read(&mut channels, &mut |row| {
                fitter.observe(&row.path);
                also(row);
            })?;
    warnings.extend(fitter.exitless_warning(&channels, &name));
    Ok(Fitted {
        chain: fitter.finish_named(channels, &name)?,
        summary,
        warnings,
        dwell: Vec::new(),
        dwell_by_next: Vec::new(),
    })
}

/// Each state's observed times to its next event, taken from a source's journeys as they are
/// read, before identical journeys merge (keeping every touch's age through the merge would
/// hold one record per journey). A state is keyed by its touches; its times are days in single
/// precision (7 significant digits: a fifth of a second at 30 days, finer than an event log's
/// timestamps), each with the weight of its row in single precision too. The times of one state
/// come in the source's row order, and [`fit_dwell`] sorts them, so the fit does not depend on
/// that order.
#[derive(Debug)]
pub struct DwellTap {
    order: usize,
    keep_repeats: bool,
    /// Per kind of next event ([`Next`]), each state's times.
    samples: [TimesByState; 2],
    entered_at: Vec<usize>,
}

/// The kind of event that ends a state's time: the time to a next touch and the time to a
/// conversion are told apart, since they differ (a conversion often comes within minutes of the
/// touch it follows, the next touch days later), and the time to conversion of a journey is
/// the times to its next touches, then the time from its last touch to the conversion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// The touch that enters the next state.
    Touch = 0,
    /// The conversion.
    Conversion = 1,
}

/// Each state's observed times to one kind of next event, keyed by the state's touches.
type TimesByState = FxHashMap<Box<[ChannelId]>, StateTimes>;

/// A state's observed times by the kind of next event ([`Next`] as index).
type TimesByNext = [StateTimes; 2];

/// One state's recorded times. Almost every time of an event log has weight 1 (a journey that
/// is one journey, or one conversion), so those are kept as bare days, 4 bytes each, and only
/// the others beside their weight: on 20M events the times took 93 MB as (days, weight) pairs,
/// the most of any one buffer after the merge's.
#[derive(Debug, Default)]
struct StateTimes {
    /// Days of the times of weight 1.
    unit: Vec<f32>,
    /// (days, weight) of every other time.
    weighted: Vec<(f32, f32)>,
}

impl StateTimes {
    fn push(&mut self, days: f32, weight: f32) {
        if weight == 1.0 {
            self.unit.push(days);
        } else {
            self.weighted.push((days, weight));
        }
    }

    /// The times as [`fit_dwell`] takes them, each capped at `max_days`, with equal times of
    /// weight 1 merged into one of their count. Whole counts below 2^53 are exact sums, and
    /// [`fit_dwell`] sorts and merges equal times with exactly summed weights, so its result is
    /// that of the times one by one; merging first keeps the pairs handed over (16 bytes each)
    /// to the distinct times. Sorts the weight-1 days in place.
    fn durations(&mut self, max_days: f64) -> Vec<(f64, f64)> {
        // Capping is monotone, so equal capped times stay adjacent in the sorted days.
        self.unit.sort_unstable_by(f32::total_cmp);
        let mut durations: Vec<(f64, f64)> = Vec::new();
        for &days in &self.unit {
            let days = f64::from(days).min(max_days);
            match durations.last_mut() {
                Some((last, count)) if *last == days => *count += 1.0,
                _ => durations.push((days, 1.0)),
            }
        }
        durations.extend(
            self.weighted
                .iter()
                .map(|&(d, w)| (f64::from(d).min(max_days), f64::from(w))),
        );
        durations
    }
}

impl DwellTap {
    /// A tap for the states of `options`.
    pub fn new(options: FitOptions) -> Self {
        DwellTap {
            order: options.order.max(1),
            keep_repeats: options.keep_repeats,
            samples: Default::default(),
            entered_at: Vec::new(),
        }
    }

    /// Records the times of one row whose touches are `ages_days` old when its journey ended
    /// (at its conversion, for a converting one): each state waits from the touch that entered
    /// it (a collapsed repeat stays in it) to the touch that enters the next state, or to the
    /// conversion. An exit to (null) is silence, not an event, and a censored exit is not
    /// known ([`PathRow::censored`]): neither gives a time.
    pub fn observe(&mut self, row: &PathRow<'_>, ages_days: &[f64]) {
        let journeys = row.journeys();
        if journeys <= 0.0 || row.touches.is_empty() || ages_days.len() != row.touches.len() {
            return;
        }
        let (touches, ended) = row.chain_touches();
        let k = self.order.min(touches.len());
        self.entered_at.clear();
        let mut previous: Option<&[ChannelId]> = None;
        for (j, window) in touches.windows(k).enumerate() {
            if self.keep_repeats || previous != Some(window) {
                self.entered_at.push(j);
            }
            previous = Some(window);
        }
        let mut add = |next: Next, start: usize, days: f64, weight: f64| {
            let state = &touches[start..start + k];
            let (days, weight) = (days as f32, weight as f32);
            let samples = &mut self.samples[next as usize];
            match samples.get_mut(state) {
                Some(times) => times.push(days, weight),
                None => {
                    let mut times = StateTimes::default();
                    times.push(days, weight);
                    samples.insert(state.into(), times);
                }
            }
        };
        for pair in self.entered_at.windows(2) {
            let (from, to) = (pair[0] + k - 1, pair[1] + k - 1);
            add(
                Next::Touch,
                pair[0],
                ages_days[from] - ages_days[to],
                journeys,
            );
        }
        if ended && row.conversions > 0.0 {
            let last = *self
                .entered_at
                .last()
                .expect("a row with touches enters a state");
            add(
                Next::Conversion,
                last,
                ages_days[last + k - 1],
                row.conversions,
            );
        }
    }

    /// The times recorded for the state of `touches` to a `next` event, as (days, weight):
    /// those of weight 1 in the order they came, then the others in the order they came.
    pub fn times(&self, next: Next, touches: &[ChannelId]) -> Vec<(f64, f64)> {
        self.samples[next as usize]
            .get(touches)
            .map_or_else(Vec::new, |times| {
                let unit = times.unit.iter().map(|&d| (f64::from(d), 1.0));
                let weighted = times
                    .weighted
                    .iter()
                    .map(|&(d, w)| (f64::from(d), f64::from(w)));
                unit.chain(weighted).collect()
            })
    }

    /// The states with times, by their channels' names.
    fn by_names(self, channels: &ChannelTable) -> FxHashMap<Vec<String>, TimesByNext> {
        let mut found: FxHashMap<Vec<String>, TimesByNext> = FxHashMap::default();
        for (next, samples) in self.samples.into_iter().enumerate() {
            for (state, times) in samples {
                let names = state.iter().map(|&c| channels.name(c).to_owned()).collect();
                found.entry(names).or_default()[next] = times;
            }
        }
        found
    }
}

/// A source whose rows pass through a [`DwellTap`] on their way.
struct Tapped<'t, S> {
    inner: S,
    tap: DwellTap,
    found: &'t mut FxHashMap<Vec<String>, TimesByNext>,
}

impl<S: PathSource> PathSource for Tapped<'_, S> {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn read(
        self,
        channels: &mut ChannelTable,
        visit: &mut dyn FnMut(&SourceRow<'_>),
    ) -> Result<(ReadSummary, Vec<String>)> {
        let mut tap = self.tap;
        let read = self.inner.read(channels, &mut |row| {
            if let Some(ages) = row.ages_days {
                tap.observe(&row.path, ages);
            }
            visit(row);
        })?;
        *self.found = tap.by_names(channels);
        Ok(read)
    }
}

/// [`fit_paths`] for a source whose rows carry their touches' ages (an event log), also fitting
/// each state's time to its next event ([`crate::dwell::fit_dwell`]) from the times a
/// [`DwellTap`] records; `max_days` is the longest time that can be observed (the inactivity
/// window: a later touch starts another journey).
pub fn fit_paths_timed(
    source: impl PathSource,
    options: FitOptions,
    max_days: f64,
    also: impl FnMut(&SourceRow<'_>),
) -> Result<Fitted> {
    let mut times = FxHashMap::default();
    let tapped = Tapped {
        inner: source,
        tap: DwellTap::new(options),
        found: &mut times,
    };
    let fitted = fit_paths(tapped, options, also)?;
    let chain = &fitted.chain;
    // Single precision may round a time at the window just past it: `durations` caps them.
    let fit = |durations: &[(f64, f64)]| {
        (!durations.is_empty())
            .then(|| fit_dwell(durations, Some(max_days)))
            .transpose()
    };
    let mut dwell = Vec::with_capacity(chain.n_states());
    let mut dwell_by_next = Vec::with_capacity(chain.n_states());
    for state in chain.states() {
        let names: Vec<String> = state
            .iter()
            .map(|&c| chain.channels().name(c).to_owned())
            .collect();
        // Each state's times are fitted, then freed.
        let Some([mut touch, mut conversion]) = times.remove(&names) else {
            dwell.push(None);
            dwell_by_next.push([None, None]);
            continue;
        };
        let (touch, conversion) = (touch.durations(max_days), conversion.durations(max_days));
        // `fit_dwell` sorts and merges equal times, so the two kinds together fit as the times
        // one by one.
        let all: Vec<(f64, f64)> = touch.iter().chain(&conversion).copied().collect();
        dwell.push(fit(&all)?);
        dwell_by_next.push([fit(&touch)?, fit(&conversion)?]);
    }
    Ok(Fitted {
        dwell,
        dwell_by_next,
        ..fitted
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fit(order: usize, keep_repeats: bool, paths: &[(&[&str], f64, f64, f64)]) -> Chain {
        let mut channels = ChannelTable::new();
        let mut fitter = Fitter::new(FitOptions {
            order,
            keep_repeats,
            value_distribution: true,
        })
        .unwrap();
        for (names, conversions, value, nulls) in paths {
            let touches: Vec<ChannelId> = names.iter().map(|n| channels.intern(n)).collect();
            fitter.observe(&PathRow::whole(&touches, *conversions, *value, *nulls));
        }
        fitter.finish(channels).unwrap()
    }

    fn row_of(chain: &Chain, state: &str) -> Vec<(String, f64)> {
        let s = (0..chain.n_states() as u32)
            .find(|&s| chain.state_name(s) == state)
            .unwrap();
        let (targets, probs) = chain.row(s);
        targets
            .iter()
            .zip(probs)
            .map(|(&t, &p)| {
                let name = if t == chain.conversion() {
                    "(conversion)".to_string()
                } else if t == chain.null() {
                    "(null)".to_string()
                } else {
                    chain.state_name(t)
                };
                (name, p)
            })
            .collect()
    }

    #[test]
    fn timed_rows_give_each_states_time_to_its_next_event() {
        // a > a > b converts, its touches 5, 4 and 1 days before the conversion: a (entered at
        // the first touch, the repeat collapsed) waits 4 days for b, b 1 day for the
        // conversion. a > b > c is open with its last touch censored: a waits 1 day, b 2, and
        // c's exit is not known. c > (null) twice: silence is not an event.
        let mut channels = ChannelTable::new();
        let [aab, abc, c] = [&["a", "a", "b"][..], &["a", "b", "c"], &["c"]].map(|n| {
            n.iter()
                .map(|n| channels.intern(n))
                .collect::<Vec<ChannelId>>()
        });
        let mut tap = DwellTap::new(FitOptions::order(1));
        tap.observe(&PathRow::whole(&aab, 1.0, 0.0, 0.0), &[5.0, 4.0, 1.0]);
        let open = PathRow {
            open: 1.0,
            censored: 1,
            ..PathRow::whole(&abc, 0.0, 0.0, 0.0)
        };
        tap.observe(&open, &[3.0, 2.0, 0.0]);
        tap.observe(&PathRow::whole(&c, 0.0, 0.0, 2.0), &[0.0]);
        assert_eq!(tap.times(Next::Touch, &[0]), [(4.0, 1.0), (1.0, 1.0)]);
        assert!(tap.times(Next::Conversion, &[0]).is_empty());
        assert_eq!(tap.times(Next::Touch, &[1]), [(2.0, 1.0)]);
        assert_eq!(tap.times(Next::Conversion, &[1]), [(1.0, 1.0)]);
        assert!(tap.times(Next::Touch, &[2]).is_empty());
        assert!(tap.times(Next::Conversion, &[2]).is_empty());
        // At order 2 the states are windows, entered at their last touch.
        let mut tap = DwellTap::new(FitOptions::order(2));
        tap.observe(&PathRow::whole(&abc, 2.0, 0.0, 0.0), &[3.0, 2.0, 0.5]);
        assert_eq!(tap.times(Next::Touch, &[0, 1]), [(1.5, 2.0)]);
        assert_eq!(tap.times(Next::Conversion, &[1, 2]), [(0.5, 2.0)]);
    }

    #[test]
    fn merged_weight_one_times_fit_exactly_as_the_times_one_by_one() {
        // Whole seconds (many equal), a few fractional ones, weights of 1 and others, and times
        // that single precision rounds just past the 30-day window: the merged durations must
        // give the very bits the unmerged ones give.
        use rand::RngExt;
        let mut rng = crate::rng::stream(5, 0);
        let max_days = 30.0;
        let mut state = StateTimes::default();
        let mut one_by_one = Vec::new();
        for i in 0..20_000 {
            let days = match i % 7 {
                0 => 0.0,
                1 => max_days,
                2 => rng.random_range(0.0..max_days),
                _ => f64::from(rng.random_range(0..20_000_u32)) / 86_400.0,
            };
            let weight = match i % 5 {
                0 => 0.1 * f64::from(rng.random_range(1..30_u32)),
                1 => 2.0,
                _ => 1.0,
            };
            let (days, weight) = (days as f32, weight as f32);
            state.push(days, weight);
            one_by_one.push((f64::from(days).min(max_days), f64::from(weight)));
        }
        let merged = state.durations(max_days);
        assert!(merged.len() < one_by_one.len(), "nothing merged");
        assert!(merged.iter().any(|&(_, w)| w > 1.0 && w.fract() == 0.0));
        let expected = fit_dwell(&one_by_one, Some(max_days)).unwrap();
        assert_eq!(fit_dwell(&merged, Some(max_days)).unwrap(), expected);
        // Bit for bit, not only equal.
        let bits = |f: &DwellFit| format!("{f:?}");
        assert_eq!(
            bits(&fit_dwell(&merged, Some(max_days)).unwrap()),
            bits(&expected)
        );
    }

    #[test]
    fn censored_touches_add_entries_and_transitions_but_no_exit() {
        // a > b converts once; a > b > c is open from b (censored 2: the exits of b and c are
        // not known), so it adds (start) -> a and a -> b and nothing from b; a ends in (null).
        // By hand: (start) -> a 3; a -> b 2, a -> (null) 1; b -> (conversion) 1. So
        // P(conversion) = 2/3, where the null rule (the open journey a null at c) gives 1/3.
        let mut channels = ChannelTable::new();
        let ids: Vec<Vec<ChannelId>> = [&["a", "b"][..], &["a", "b", "c"], &["a"], &["d"]]
            .iter()
            .map(|names| names.iter().map(|n| channels.intern(n)).collect())
            .collect();
        let mut fitter = Fitter::new(FitOptions::order(1)).unwrap();
        fitter.observe(&PathRow::whole(&ids[0], 1.0, 5.0, 0.0));
        fitter.observe(&PathRow {
            open: 1.0,
            censored: 2,
            ..PathRow::whole(&ids[1], 0.0, 0.0, 0.0)
        });
        fitter.observe(&PathRow::whole(&ids[2], 0.0, 0.0, 1.0));
        assert!(fitter.exitless_states().is_empty());
        let chain = fitter.finish(channels.clone()).unwrap();
        assert_eq!(
            chain.n_states(),
            2,
            "c was never entered by a known transition"
        );
        assert_eq!(
            row_of(&chain, "a"),
            [
                ("b".to_owned(), 2.0 / 3.0),
                ("(null)".to_owned(), 1.0 / 3.0)
            ]
        );
        assert_eq!(row_of(&chain, "b"), [("(conversion)".to_owned(), 1.0)]);
        let p = crate::solve::absorb(&chain, None)
            .unwrap()
            .conversion_probability;
        assert!((p - 2.0 / 3.0).abs() < 1e-15);

        // d is seen only in a censored visit: no exit is known, and its open journeys are
        // counted as nulls, with a warning naming it.
        let mut fitter = Fitter::new(FitOptions::order(1)).unwrap();
        fitter.observe(&PathRow::whole(&ids[0], 1.0, 5.0, 0.0));
        fitter.observe(&PathRow {
            open: 2.0,
            censored: 1,
            ..PathRow::whole(&ids[3], 0.0, 0.0, 0.0)
        });
        assert_eq!(fitter.exitless_states().len(), 1);
        let warning = fitter.exitless_warning(&channels, "x.csv").unwrap();
        assert!(
            warning.starts_with("x.csv: 1 state(s) ('d') were seen only"),
            "{warning}"
        );
        let chain = fitter.finish(channels).unwrap();
        assert_eq!(row_of(&chain, "d"), [("(null)".to_owned(), 1.0)]);
    }

    #[test]
    fn repeats_collapse_at_order_one() {
        let chain = fit(1, false, &[(&["a", "a", "b"], 1.0, 10.0, 1.0)]);
        assert_eq!(row_of(&chain, "a"), vec![("b".to_string(), 1.0)]);
        assert_eq!(
            row_of(&chain, "b"),
            vec![("(conversion)".into(), 0.5), ("(null)".into(), 0.5)]
        );
        assert_eq!(chain.value_per_conversion(), [0.0, 10.0]);
    }

    #[test]
    fn keep_repeats_makes_self_loops() {
        let chain = fit(1, true, &[(&["a", "a", "b"], 1.0, 0.0, 0.0)]);
        assert_eq!(
            row_of(&chain, "a"),
            vec![("a".to_string(), 0.5), ("b".to_string(), 0.5)]
        );
    }

    #[test]
    fn order_two_uses_sliding_windows_and_short_paths_are_one_state() {
        let chain = fit(
            2,
            false,
            &[(&["a", "b", "c"], 1.0, 0.0, 0.0), (&["a"], 0.0, 0.0, 3.0)],
        );
        let names: Vec<String> = (0..chain.n_states() as u32)
            .map(|s| chain.state_name(s))
            .collect();
        assert_eq!(names, vec!["a", "a > b", "b > c"]);
        assert_eq!(row_of(&chain, "a > b"), vec![("b > c".to_string(), 1.0)]);
        assert_eq!(chain.entry(), [(0, 0.75), (1, 0.25)]);
        assert_eq!(chain.entry_weights(), [3.0, 1.0]);
    }

    #[test]
    fn value_distribution_is_by_last_state_per_conversion() {
        let chain = fit(
            1,
            false,
            &[
                (&["a"], 2.0, 20.0, 0.0),
                (&["a"], 1.0, 30.0, 0.0),
                (&["b", "a"], 1.0, 10.0, 0.0),
            ],
        );
        assert_eq!(chain.value_distribution()[0], [(10.0, 3.0), (30.0, 1.0)]);
        assert_eq!(chain.value_per_conversion()[0], 15.0);
    }
}
