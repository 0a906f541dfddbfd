//! Attribution of conversions and value to channels, several methods side by side.
//!
//! - [`removal`]: exact Markov removal effects (Anderl et al. 2016) and the credits they imply;
//! - [`heuristics`]: first touch, last touch, linear, position-based, time-decay.
//!
//! [`attribute_paths`] runs them all in one streaming pass over a paths file and returns the
//! shared result type [`Attribution`], whose serialised field names are a contract that scripts
//! rely on.

pub mod heuristics;
pub mod removal;
pub mod segments;

use std::io::Read;

use serde::Serialize;

use crate::error::Result;
use crate::io::paths::{PathsFormat, ReadSummary, read_paths};
use crate::journey::{ChannelTable, PathRow};
use crate::model::{FitOptions, Fitter};
pub use heuristics::{HeuristicCredits, HeuristicOptions, Heuristics};
pub use removal::{RemovalEffect, RemovalEffects, removal_effects};

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
    /// Time-decay half-life in days, when touch times were known (event logs) and time decay
    /// used real time instead of positions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_decay_half_life_days: Option<f64>,
}

/// One channel's credit under every method.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChannelAttribution {
    /// Channel name.
    pub channel: String,
    /// Share of conversions lost without the channel.
    pub removal_effect: f64,
    /// Share of value lost without the channel.
    pub removal_effect_value: f64,
    /// Conversions credited by normalised removal effects.
    pub markov_conversions: f64,
    /// Value credited by normalised value removal effects.
    pub markov_value: f64,
    /// Conversions credited to the first touch.
    pub first_touch: f64,
    /// Conversions credited to the last touch.
    pub last_touch: f64,
    /// Conversions shared equally among touches.
    pub linear: f64,
    /// Conversions shared first/middle/last.
    pub position_based: f64,
    /// Conversions shared with weights halving per step back.
    pub time_decay: f64,
    /// Value credited to the first touch.
    pub first_touch_value: f64,
    /// Value credited to the last touch.
    pub last_touch_value: f64,
    /// Value shared equally among touches.
    pub linear_value: f64,
    /// Value shared first/middle/last.
    pub position_based_value: f64,
    /// Value shared with weights halving per step back.
    pub time_decay_value: f64,
}

/// Options of [`attribute_paths`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AttributionOptions {
    /// How to fit the chain.
    pub fit: FitOptions,
    /// Parameters of the heuristic rules.
    pub heuristics: HeuristicOptions,
}

/// Reads paths, fits the chain and attributes by every method, in one pass over the input.
pub fn attribute_paths<R: Read>(
    input: R,
    source: &str,
    format: &PathsFormat,
    options: &AttributionOptions,
) -> Result<Attribution> {
    let mut builder = AttributionBuilder::new(options, None)?;
    let mut channels = ChannelTable::new();
    let summary = read_paths(input, source, format, &mut channels, |row| {
        builder.observe(row, None)
    })?;
    builder.finish(channels, source, &summary, summary.warnings(source))
}

/// Fits the chain and accumulates the heuristics journey by journey, from any source (paths,
/// event logs, one segment of an event log, generated data), then attributes.
#[derive(Debug)]
pub struct AttributionBuilder {
    options: AttributionOptions,
    fitter: Fitter,
    heuristics: Heuristics,
    half_life_days: Option<f64>,
}

impl AttributionBuilder {
    /// A builder; `half_life_days` switches time decay to real time for rows observed with ages.
    pub fn new(options: &AttributionOptions, half_life_days: Option<f64>) -> Result<Self> {
        let heuristic_options = options.heuristics.validate()?;
        let mut heuristics = Heuristics::new(heuristic_options);
        if let Some(h) = half_life_days {
            heuristics = heuristics.with_time_half_life(h)?;
        }
        Ok(AttributionBuilder {
            options: AttributionOptions {
                fit: options.fit,
                heuristics: heuristic_options,
            },
            fitter: Fitter::new(options.fit)?,
            heuristics,
            half_life_days,
        })
    }

    /// Adds one row; `ages_days` are its touches' ages at the journey's end, when known.
    pub fn observe(&mut self, row: &PathRow<'_>, ages_days: Option<&[f64]>) {
        self.fitter.observe(row);
        self.heuristics.observe_aged(row, ages_days);
    }

    /// Builds the chain and attributes. `summary` holds the totals of what was observed.
    pub fn finish(
        self,
        channels: ChannelTable,
        source: &str,
        summary: &ReadSummary,
        warnings: Vec<String>,
    ) -> Result<Attribution> {
        let chain = self.fitter.finish(channels);
        let heuristic_options = self.options.heuristics;
        let effects = removal_effects(&chain)?;
        let heuristic = self.heuristics.finish(chain.channels.len());

        let markov_conversions = removal::share(
            effects.effects.iter().map(|e| e.conversions),
            summary.conversions,
        );
        let markov_value = removal::share(effects.effects.iter().map(|e| e.value), summary.value);
        let channels = chain
            .channels
            .sorted_ids()
            .into_iter()
            .map(|c| {
                let i = c as usize;
                let (h, e) = (&heuristic[i], &effects.effects[i]);
                ChannelAttribution {
                    channel: chain.channels.name(c).to_owned(),
                    removal_effect: e.conversions,
                    removal_effect_value: e.value,
                    markov_conversions: markov_conversions[i],
                    markov_value: markov_value[i],
                    first_touch: h.conversions[0],
                    last_touch: h.conversions[1],
                    linear: h.conversions[2],
                    position_based: h.conversions[3],
                    time_decay: h.conversions[4],
                    first_touch_value: h.value[0],
                    last_touch_value: h.value[1],
                    linear_value: h.value[2],
                    position_based_value: h.value[3],
                    time_decay_value: h.value[4],
                }
            })
            .collect();
        Ok(Attribution {
            model: ModelSummary {
                input: source.to_owned(),
                order: chain.order,
                keep_repeats: chain.keep_repeats,
                states: chain.n_states(),
                channels: chain.channels.len(),
                conversion_probability: effects.base.conversion_probability,
                value_per_journey: effects.base.value_per_journey,
                journeys: summary.journeys(),
                total_conversions: summary.conversions,
                total_value: summary.value,
                total_nulls: summary.nulls,
                rows: summary.rows,
                skipped_rows: summary.skipped_rows,
                position_first_share: heuristic_options.first_share,
                position_last_share: heuristic_options.last_share,
                time_decay_half_life: heuristic_options.half_life,
                time_decay_half_life_days: self.half_life_days,
            },
            channels,
            warnings,
        })
    }
}
