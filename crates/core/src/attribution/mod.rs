//! Attribution of conversions and value to channels, several methods side by side.
//!
//! - [`removal`]: exact Markov removal effects (Anderl et al. 2016) and the credits they imply;
//! - [`heuristics`]: first touch, last touch, linear, position-based, time-decay;
//! - [`shapley`]: simplified and ordered Shapley values (Zhao et al. 2018);
//! - [`intervals`]: Bayesian-bootstrap percentile intervals on the Markov results;
//! - [`pricing`]: each channel's cost, CPA and ROAS under every method (with `--costs`).
//!
//! [`attribute`] runs them in one streaming pass over any [`PathSource`] and returns the
//! shared result type [`Attribution`], whose serialised field names are a contract that scripts
//! rely on.
//!
//! ```
//! use journeysim_core::attribution::{AttributionOptions, HeuristicOptions, MethodOptions, attribute};
//! use journeysim_core::model::FitOptions;
//! use journeysim_core::journey::MemoryPaths;
//!
//! // a > b converts 3 times in 4, c once in 4: P(conversion) = 4/8. Removing a or b loses the
//! // 3 of a > b (removal effect 3/4); removing c loses 1 (1/4). Credits share the 4 conversions
//! // in proportion to 3/4, 3/4 and 1/4: 12/7, 12/7 and 4/7; last touch gives b 3 and c 1.
//! let rows = [(&["a", "b"][..], 3.0, 30.0, 1.0), (&["c"][..], 1.0, 5.0, 3.0)];
//! let result = attribute(
//!     MemoryPaths::new("example", &rows),
//!     &AttributionOptions { fit: FitOptions::order(1), heuristics: HeuristicOptions::default() },
//!     &MethodOptions::default(),
//!     None,
//! )?;
//! let credit = |name: &str| result.channels.iter().find(|c| c.channel == name).unwrap();
//! assert!((credit("a").removal_effect.unwrap() - 0.75).abs() < 1e-12);
//! assert!((credit("c").markov_conversions.unwrap() - 4.0 / 7.0).abs() < 1e-12);
//! assert_eq!(credit("b").last_touch, Some(3.0));
//! # Ok::<(), journeysim_core::Error>(())
//! ```

pub mod heuristics;
pub mod intervals;
pub mod pricing;
pub mod removal;
pub mod segments;
pub mod shapley;

use serde::Serialize;

use crate::error::Result;
use crate::journey::{ChannelTable, PathRow, PathSource, ReadSummary};
use crate::model::{FitOptions, Fitter};
use crate::progress;
use crate::row_order::{Canonical, CanonicalRows};
use crate::solve::absorb;
pub use heuristics::{HeuristicCredits, HeuristicOptions, Heuristics, RuleCredits};
pub use intervals::{
    IntervalOptions, Intervals, PathIndex, PathRecorder, bootstrap, bootstrap_with_progress,
};
pub use removal::{RemovalEffect, RemovalEffects, removal_effects, removal_effects_with_progress};
pub use shapley::{Shapley, ShapleyCredits};

/// Everything that `journeysim attribute` reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Attribution {
    /// The fitted chain and the data it came from.
    pub model: ModelSummary,
    /// One entry per channel, sorted by name.
    pub channels: Vec<ChannelAttribution>,
    /// Things the user should know (skipped rows, no conversions).
    pub warnings: Vec<String>,
}

/// The fitted chain in numbers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelSummary {
    /// The input's name.
    pub input: String,
    /// Model order k.
    pub order: usize,
    /// Whether consecutive identical states were kept as self-loops.
    pub keep_repeats: bool,
    /// Number of transient states.
    pub states: usize,
    /// Number of channels.
    pub channels: usize,
    /// P(conversion) of a journey under the chain.
    pub conversion_probability: f64,
    /// Expected conversion value of a journey under the chain.
    pub value_per_journey: f64,
    /// Journeys in the data (conversions + nulls).
    pub journeys: f64,
    /// Conversions in the data.
    pub total_conversions: f64,
    /// Conversion value in the data.
    pub total_value: f64,
    /// Non-converting journeys in the data.
    pub total_nulls: f64,
    /// Conversions in the data that kept no touch (an event log's offline orders, or orders
    /// whose touches all fell outside the lookback): no method credits them, so every method's
    /// credits add up to `total_conversions`, and these come on top.
    pub unattributed_conversions: f64,
    /// The value of those conversions, on top of `total_value`.
    pub unattributed_value: f64,
    /// Data rows read.
    pub rows: u64,
    /// Rows skipped for having zero conversions and zero nulls.
    pub skipped_rows: u64,
    /// Position-based share of the first touch.
    pub position_first_share: f64,
    /// Position-based share of the last touch.
    pub position_last_share: f64,
    /// Time-decay half-life, in touches.
    pub time_decay_half_life: f64,
    /// The methods reported, by name.
    pub methods: Vec<String>,
    /// How the intervals were computed (with `--intervals`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub intervals: Option<IntervalSummary>,
    /// How the order was chosen (with `--order auto`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_selection: Option<crate::order_selection::OrderSelection>,
    /// Time-decay half-life in days, when touch times were known (event logs) and time decay
    /// used real time instead of positions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_decay_half_life_days: Option<f64>,
    /// The costs file the money figures come from (with costs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost_input: Option<String>,
    /// The period's total cost, CAC and ROAS (with costs; see [`crate::cost`]).
    #[serde(flatten)]
    pub costs: Option<crate::cost::CostSummary>,
}

/// How the intervals in a result were computed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IntervalSummary {
    /// The resampling scheme.
    pub method: String,
    /// Number of resamples.
    pub resamples: usize,
    /// Coverage of each interval.
    pub level: f64,
    /// Seed of the random streams: the same seed gives the same intervals.
    pub seed: u64,
}

/// One channel's credit under every chosen method. A method left out by
/// [`MethodOptions::methods`] leaves its fields `None`, and they are omitted from JSON and CSV.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChannelAttribution {
    /// Channel name.
    pub channel: String,
    /// Share of conversions lost without the channel.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub removal_effect: Option<f64>,
    /// Share of value lost without the channel.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub removal_effect_value: Option<f64>,
    /// Conversions credited by normalised removal effects.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub markov_conversions: Option<f64>,
    /// Value credited by normalised value removal effects.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub markov_value: Option<f64>,
    /// Bootstrap percentile interval of the removal effect (with `--intervals`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub removal_effect_ci: Option<[f64; 2]>,
    /// Bootstrap percentile interval of the Markov conversion credit (with `--intervals`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub markov_conversions_ci: Option<[f64; 2]>,
    /// Bootstrap percentile interval of the Markov value credit (with `--intervals`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub markov_value_ci: Option<[f64; 2]>,
    /// Conversions credited to the first touch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_touch: Option<f64>,
    /// Conversions credited to the last touch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_touch: Option<f64>,
    /// Conversions shared equally among touches.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub linear: Option<f64>,
    /// Conversions shared first/middle/last.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub position_based: Option<f64>,
    /// Conversions shared with weights halving per step back.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_decay: Option<f64>,
    /// Value credited to the first touch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_touch_value: Option<f64>,
    /// Value credited to the last touch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_touch_value: Option<f64>,
    /// Value shared equally among touches.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub linear_value: Option<f64>,
    /// Value shared first/middle/last.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub position_based_value: Option<f64>,
    /// Value shared with weights halving per step back.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_decay_value: Option<f64>,
    /// Conversions credited by the simplified Shapley value (Zhao et al. 2018).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shapley: Option<f64>,
    /// Value credited by the simplified Shapley value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shapley_value: Option<f64>,
    /// Ordered Shapley: conversions credited at the 1st, 2nd, ... distinct-channel position.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shapley_ordered: Option<Vec<f64>>,
    /// Ordered Shapley: value credited at each distinct-channel position.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shapley_ordered_value: Option<Vec<f64>>,
    /// The channel's cost, CPA and ROAS by method (with costs; see [`crate::cost`]).
    #[serde(flatten)]
    pub costs: Option<crate::cost::ChannelCost>,
}

/// An attribution method that `--models` can choose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AttributionMethod {
    /// Exact Markov removal effects and the credits they imply.
    Markov,
    /// First touch.
    FirstTouch,
    /// Last touch.
    LastTouch,
    /// Linear.
    Linear,
    /// Position-based.
    PositionBased,
    /// Time-decay.
    TimeDecay,
    /// Simplified Shapley.
    Shapley,
    /// Ordered Shapley.
    ShapleyOrdered,
}

impl AttributionMethod {
    /// Every method, in report order.
    pub const ALL: [AttributionMethod; 8] = [
        AttributionMethod::Markov,
        AttributionMethod::FirstTouch,
        AttributionMethod::LastTouch,
        AttributionMethod::Linear,
        AttributionMethod::PositionBased,
        AttributionMethod::TimeDecay,
        AttributionMethod::Shapley,
        AttributionMethod::ShapleyOrdered,
    ];

    /// The method's name on the command line and in JSON.
    pub fn name(self) -> &'static str {
        match self {
            AttributionMethod::Markov => "markov",
            AttributionMethod::FirstTouch => "first_touch",
            AttributionMethod::LastTouch => "last_touch",
            AttributionMethod::Linear => "linear",
            AttributionMethod::PositionBased => "position_based",
            AttributionMethod::TimeDecay => "time_decay",
            AttributionMethod::Shapley => "shapley",
            AttributionMethod::ShapleyOrdered => "shapley_ordered",
        }
    }

    /// The method called `name` (`-` and `_` alike, case-insensitive).
    pub fn parse(name: &str) -> Result<AttributionMethod> {
        let wanted = name.trim().to_ascii_lowercase().replace('-', "_");
        AttributionMethod::ALL
            .into_iter()
            .find(|m| m.name() == wanted)
            .ok_or_else(|| {
                let names: Vec<&str> = AttributionMethod::ALL.iter().map(|m| m.name()).collect();
                crate::Error::Invalid(format!(
                    "unknown model '{}'; choose from {}",
                    crate::error::clip(name),
                    names.join(", ")
                ))
            })
    }
}

/// Which methods to compute and report, and whether to add intervals.
#[derive(Debug, Clone, PartialEq)]
pub struct MethodOptions {
    /// The methods to report (all by default).
    pub methods: Vec<AttributionMethod>,
    /// Bootstrap intervals on the Markov results, if wanted.
    pub intervals: Option<IntervalOptions>,
}

impl Default for MethodOptions {
    fn default() -> Self {
        MethodOptions {
            methods: AttributionMethod::ALL.to_vec(),
            intervals: None,
        }
    }
}

impl MethodOptions {
    fn has(&self, method: AttributionMethod) -> bool {
        self.methods.contains(&method)
    }

    /// Whether a rule-based method is asked for (otherwise rows need not go to the
    /// heuristics).
    fn needs_heuristics(&self) -> bool {
        use AttributionMethod::*;
        [FirstTouch, LastTouch, Linear, PositionBased, TimeDecay]
            .iter()
            .any(|&m| self.has(m))
    }

    /// Whether a Shapley method is asked for.
    fn needs_shapley(&self) -> bool {
        self.has(AttributionMethod::Shapley) || self.has(AttributionMethod::ShapleyOrdered)
    }
}

/// Options of [`attribute_paths`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AttributionOptions {
    /// How to fit the chain.
    pub fit: FitOptions,
    /// Parameters of the heuristic rules.
    pub heuristics: HeuristicOptions,
}

/// Fits the chain and attributes by every method, in one pass over `source`.
pub fn attribute_paths(
    source: impl PathSource,
    options: &AttributionOptions,
) -> Result<Attribution> {
    attribute(source, options, &MethodOptions::default(), None)
}

/// Attributes by the chosen methods, with intervals if asked for. Still one pass over the input:
/// every row goes to the fitter, the heuristics and Shapley together, and (only with intervals)
/// its state sequence is recorded for the resamples. With `half_life_days`, time decay uses the
/// real ages of touches where the source knows them (event logs).
pub fn attribute(
    source: impl PathSource,
    options: &AttributionOptions,
    methods: &MethodOptions,
    half_life_days: Option<f64>,
) -> Result<Attribution> {
    attribute_with_progress(source, options, methods, half_life_days, &progress::ignore)
}

/// [`attribute`], reporting the long loops (removal effects channel by channel, resamples) to
/// `progress`.
pub fn attribute_with_progress(
    source: impl PathSource,
    options: &AttributionOptions,
    methods: &MethodOptions,
    half_life_days: Option<f64>,
    progress: progress::Report<'_>,
) -> Result<Attribution> {
    let mut builder = AttributionBuilder::new(options, half_life_days)?.with_methods(methods)?;
    let mut channels = ChannelTable::new();
    let name = source.name().to_owned();
    let (rows, summary, warnings) = Canonical::new(source).collect_rows(&mut channels)?;
    // The totals are summed beside the walks: both only read the rows.
    let (summary, ()) = rayon::join(
        || rows.totals(summary, &name),
        || builder.observe_rows(&rows),
    );
    let summary = summary?;
    drop(rows);
    builder.finish_with_progress(channels, &name, &summary, warnings, progress)
}

/// Fits the chain and accumulates the heuristics and Shapley journey by journey, from any source
/// (paths, event logs, one segment of an event log, generated data), then attributes by the
/// chosen methods.
#[derive(Debug)]
pub struct AttributionBuilder {
    options: AttributionOptions,
    methods: MethodOptions,
    interval_options: Option<IntervalOptions>,
    fitter: Fitter,
    heuristics: Heuristics,
    shapley: Shapley,
    recorder: Option<PathRecorder>,
    half_life_days: Option<f64>,
}

impl AttributionBuilder {
    /// A builder for every method; `half_life_days` switches time decay to real time for rows
    /// observed with ages.
    pub fn new(options: &AttributionOptions, half_life_days: Option<f64>) -> Result<Self> {
        let heuristic_options = options.heuristics.check()?;
        let mut heuristics = Heuristics::new(heuristic_options);
        if let Some(h) = half_life_days {
            heuristics = heuristics.with_time_half_life(h)?;
        }
        Ok(AttributionBuilder {
            options: AttributionOptions {
                fit: options.fit,
                heuristics: heuristic_options,
            },
            methods: MethodOptions::default(),
            interval_options: None,
            fitter: Fitter::new(options.fit)?,
            heuristics,
            shapley: Shapley::new(),
            recorder: None,
            half_life_days,
        })
    }

    /// Reports only the chosen methods, with intervals if asked for (they need `markov`).
    pub fn with_methods(mut self, methods: &MethodOptions) -> Result<Self> {
        let interval_options = methods.intervals.map(|i| i.check()).transpose()?;
        if interval_options.is_some() && !methods.has(AttributionMethod::Markov) {
            return Err(crate::Error::Invalid(
                "intervals are computed on the Markov results: add markov to `methods`".into(),
            ));
        }
        self.recorder = interval_options.map(|_| PathRecorder::new());
        self.interval_options = interval_options;
        self.methods = methods.clone();
        Ok(self)
    }

    /// Adds one row; `ages_days` are its touches' ages at the journey's end, when known.
    pub fn observe(&mut self, row: &PathRow<'_>, ages_days: Option<&[f64]>) {
        self.fitter.observe(row);
        if let Some(recorder) = self.recorder.as_mut() {
            recorder.record(row, self.fitter.last_sequence());
        }
        if self.methods.needs_heuristics() {
            self.heuristics.observe_aged(row, ages_days);
        }
        if self.methods.needs_shapley() {
            self.shapley.observe(row);
        }
    }

    /// Adds every row of `rows`, in their order, as [`observe`](Self::observe) would one by
    /// one. The fitter (with the interval recorder), the heuristics and Shapley are
    /// independent, so each walks the rows on its own, in parallel; the result is the same.
    pub fn observe_rows(&mut self, rows: &CanonicalRows) {
        let (needs_heuristics, needs_shapley) = (
            self.methods.needs_heuristics(),
            self.methods.needs_shapley(),
        );
        let AttributionBuilder {
            fitter,
            recorder,
            heuristics,
            shapley,
            ..
        } = self;
        rayon::join(
            || {
                for row in rows.iter() {
                    fitter.observe(&row.path);
                    if let Some(recorder) = recorder.as_mut() {
                        recorder.record(&row.path, fitter.last_sequence());
                    }
                }
            },
            || {
                rayon::join(
                    || {
                        if needs_heuristics {
                            rows.iter()
                                .for_each(|row| heuristics.observe_aged(&row.path, row.ages_days));
                        }
                    },
                    || {
                        if needs_shapley {
                            rows.iter().for_each(|row| shapley.observe(&row.path));
                        }
                    },
                )
            },
        );
    }

    /// Builds the chain and attributes. `summary` holds the totals of what was observed.
    pub fn finish(
        self,
        table: ChannelTable,
        source: &str,
        summary: &ReadSummary,
        warnings: Vec<String>,
    ) -> Result<Attribution> {
        self.finish_with_progress(table, source, summary, warnings, &progress::ignore)
    }

    /// [`finish`](Self::finish), reporting the long loops (removal effects channel by channel,
    /// resamples) to `progress`.
    pub fn finish_with_progress(
        self,
        table: ChannelTable,
        source: &str,
        summary: &ReadSummary,
        mut warnings: Vec<String>,
        progress: progress::Report<'_>,
    ) -> Result<Attribution> {
        warnings.extend(self.fitter.exitless_warning(&table, source));
        let methods = &self.methods;
        let heuristic_options = self.options.heuristics;
        let fitter_states = self
            .recorder
            .as_ref()
            .map(|_| self.fitter.states().to_vec());
        let exitless = self.fitter.exitless_states();
        let chain = self.fitter.finish_named(table, source)?;
        let channel_count = chain.channels().len();

        let markov = methods.has(AttributionMethod::Markov);
        let effects = if markov {
            Some(removal_effects_with_progress(&chain, progress)?)
        } else {
            None
        };
        let intervals = match (self.interval_options, self.recorder, fitter_states) {
            (Some(o), Some(recorder), Some(states)) if markov => {
                let index = recorder.index(&chain, &states, &exitless)?;
                Some(bootstrap_with_progress(
                    &chain,
                    &index,
                    summary.conversions,
                    summary.value,
                    o,
                    progress,
                )?)
            }
            _ => None,
        };
        let heuristic = self.heuristics.finish(channel_count);
        let shapley = self.shapley.finish(channel_count);
        let (markov_conversions, markov_value) = match &effects {
            Some(e) => (
                removal::share(e.effects.iter().map(|e| e.conversions), summary.conversions),
                removal::share(e.effects.iter().map(|e| e.value), summary.value),
            ),
            None => (Vec::new(), Vec::new()),
        };
        let pick = |method: AttributionMethod, x: f64| methods.has(method).then_some(x);
        let channels = chain
            .channels()
            .sorted_ids()
            .into_iter()
            .map(|c| {
                let i = c as usize;
                let (h, s) = (&heuristic[i], &shapley[i]);
                let e = effects.as_ref().map(|e| e.effects[i]);
                let ci = intervals.as_ref();
                ChannelAttribution {
                    channel: chain.channels().name(c).to_owned(),
                    removal_effect: e.map(|e| e.conversions),
                    removal_effect_value: e.map(|e| e.value),
                    markov_conversions: markov_conversions.get(i).copied(),
                    markov_value: markov_value.get(i).copied(),
                    removal_effect_ci: ci.map(|ci| ci.removal_effect[i]),
                    markov_conversions_ci: ci.map(|ci| ci.markov_conversions[i]),
                    markov_value_ci: ci.map(|ci| ci.markov_value[i]),
                    first_touch: pick(AttributionMethod::FirstTouch, h.conversions.first_touch),
                    last_touch: pick(AttributionMethod::LastTouch, h.conversions.last_touch),
                    linear: pick(AttributionMethod::Linear, h.conversions.linear),
                    position_based: pick(
                        AttributionMethod::PositionBased,
                        h.conversions.position_based,
                    ),
                    time_decay: pick(AttributionMethod::TimeDecay, h.conversions.time_decay),
                    first_touch_value: pick(AttributionMethod::FirstTouch, h.value.first_touch),
                    last_touch_value: pick(AttributionMethod::LastTouch, h.value.last_touch),
                    linear_value: pick(AttributionMethod::Linear, h.value.linear),
                    position_based_value: pick(
                        AttributionMethod::PositionBased,
                        h.value.position_based,
                    ),
                    time_decay_value: pick(AttributionMethod::TimeDecay, h.value.time_decay),
                    shapley: pick(AttributionMethod::Shapley, s.conversions),
                    shapley_value: pick(AttributionMethod::Shapley, s.value),
                    shapley_ordered: methods
                        .has(AttributionMethod::ShapleyOrdered)
                        .then(|| s.ordered_conversions.clone()),
                    shapley_ordered_value: methods
                        .has(AttributionMethod::ShapleyOrdered)
                        .then(|| s.ordered_value.clone()),
                    costs: None,
                }
            })
            .collect();
        // Without the Markov solve the chain's own absorption is still reported (one solve).
        let base = match &effects {
            Some(e) => e.base,
            None => absorb(&chain, None)?,
        };
        let mut reported: Vec<AttributionMethod> = methods.methods.clone();
        reported.sort();
        reported.dedup();
        Ok(Attribution {
            model: ModelSummary {
                input: source.to_owned(),
                order: chain.order(),
                keep_repeats: chain.keep_repeats(),
                states: chain.n_states(),
                channels: channel_count,
                conversion_probability: base.conversion_probability,
                value_per_journey: base.value_per_journey,
                journeys: summary.journeys(),
                total_conversions: summary.conversions,
                total_value: summary.value,
                total_nulls: summary.nulls,
                unattributed_conversions: summary.unattributed_conversions,
                unattributed_value: summary.unattributed_value,
                rows: summary.rows,
                skipped_rows: summary.skipped_rows,
                position_first_share: heuristic_options.first_share,
                position_last_share: heuristic_options.last_share,
                time_decay_half_life: heuristic_options.half_life,
                methods: reported.iter().map(|m| m.name().to_owned()).collect(),
                intervals: self.interval_options.map(|o| IntervalSummary {
                    method: "bayesian_bootstrap_over_journeys".into(),
                    resamples: o.resamples,
                    level: o.level,
                    seed: o.seed,
                }),
                order_selection: None,
                time_decay_half_life_days: self.half_life_days,
                cost_input: None,
                costs: None,
            },
            channels,
            warnings,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journey::MemoryPaths;

    /// Each method asked for alone gives the figures it gives beside every other method
    /// (rows skip the accumulators no chosen method reads).
    #[test]
    fn a_method_alone_gives_what_it_gives_among_all() {
        let rows = [
            (&["a", "b", "a"][..], 2.0, 30.0, 1.0),
            (&["b"][..], 1.0, 5.0, 3.0),
            (&["c", "a"][..], 0.0, 0.0, 2.0),
            (&["c", "b", "b", "a"][..], 3.0, 12.5, 0.0),
        ];
        let run = |methods: Vec<AttributionMethod>| {
            let options = AttributionOptions {
                fit: FitOptions::order(1),
                heuristics: HeuristicOptions::default(),
            };
            let methods = MethodOptions {
                methods,
                intervals: None,
            };
            attribute(MemoryPaths::new("t", &rows), &options, &methods, None)
                .unwrap()
                .channels
        };
        let all = run(AttributionMethod::ALL.to_vec());
        for method in AttributionMethod::ALL {
            let alone = run(vec![method]);
            let pick = |c: &ChannelAttribution| match method {
                AttributionMethod::Markov => {
                    vec![c.removal_effect, c.markov_conversions, c.markov_value]
                }
                AttributionMethod::FirstTouch => vec![c.first_touch, c.first_touch_value],
                AttributionMethod::LastTouch => vec![c.last_touch, c.last_touch_value],
                AttributionMethod::Linear => vec![c.linear, c.linear_value],
                AttributionMethod::PositionBased => vec![c.position_based, c.position_based_value],
                AttributionMethod::TimeDecay => vec![c.time_decay, c.time_decay_value],
                AttributionMethod::Shapley => vec![c.shapley, c.shapley_value],
                AttributionMethod::ShapleyOrdered => c
                    .shapley_ordered
                    .clone()
                    .unwrap_or_default()
                    .into_iter()
                    .map(Some)
                    .collect(),
            };
            let (a, b): (Vec<_>, Vec<_>) = (
                all.iter().map(pick).collect(),
                alone.iter().map(pick).collect(),
            );
            assert_eq!(a, b, "{method:?}");
            assert!(
                a.iter().flatten().any(|x| x.is_some_and(|x| x > 0.0)),
                "{method:?}: nothing credited"
            );
        }
    }
}
