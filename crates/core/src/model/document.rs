//! The model document: a fitted (or hand-written) chain as plain, versioned data, the schema of
//! the JSON model file that `journeysim fit` writes.
//!
//! ```json
//! {"format": "journeysim-model", "version": 1, "input": "paths.csv", "order": 1,
//!  "keep_repeats": false, "channels": ["email", "search"],
//!  "totals": {"journeys": 10.0, "conversions": 3.0, "value": 120.0, "nulls": 7.0},
//!  "entry": [{"to": "email", "probability": 0.6, "weight": 6.0}, ...],
//!  "states": [{"state": "email", "channels": ["email"], "value_per_conversion": 40.0,
//!              "value_distribution": [[35.0, 2.0], [50.0, 1.0]],
//!              "transitions": [{"to": "search", "probability": 0.5, "weight": 3.0},
//!                              {"to": "(conversion)", "probability": 0.5, "weight": 3.0}]}]}
//! ```
//!
//! States are named by their channels joined by `" > "`; transitions name their target state, or
//! `(conversion)` / `(null)`. `probability` is what the model means; `weight` (the observed count
//! behind it) is provenance and optional, so a strategist can write a chain by hand. Reading (in the io crate)
//! checks the format name and version; [`ModelDocument::into_chain`] checks that every row sums to 1 and that every state can end.
//!
//! **Version 2** adds to each state an optional `"dwell"`: the fitted distribution of the time
//! from entering the state to its next event (the next touch or the conversion), as
//! [`crate::dwell::DwellFit`] gives it (observations, share of zeros, mean, quantiles, the best of
//! exponential, gamma, log-normal and Weibull by AIC with every candidate's likelihood, and the
//! truncation at the inactivity window), and `"dwell_to_touch"` and `"dwell_to_conversion"`: the
//! same fitted to the times whose next event is a touch, and to those whose next event is the
//! conversion ([`crate::model::Next`]; the time to conversion of a simulated journey takes its
//! states' times to their next touches and its last state's time to the conversion).
//! `journeysim fit --events` writes them; a file without dwell times is written as version 1,
//! and both versions load.
//!
//! An optional `"stages": {"stages": ["Awareness", ...], "touchpoints": {"email": "Interest"}}`
//! (written by `journeysim fit --stages`, read by `journeysim funnel --model`) maps channels to
//! ordered journey stages; files without it, from before it existed, load unchanged.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result, clip};
use crate::journey::{ChannelId, ChannelTable};
use crate::model::{Chain, ChainParts, StateId, Transition};

/// The `format` field of every model file.
pub const FORMAT: &str = "journeysim-model";
/// The newest version this build reads and writes (states with dwell times).
pub const VERSION: u32 = 2;
/// The versions this build reads: 1 (no dwell times) and [`VERSION`].
pub const VERSIONS: [u32; 2] = [1, 2];

/// Name of the (conversion) target.
pub const CONVERSION: &str = "(conversion)";
/// Name of the (null) target.
pub const NULL: &str = "(null)";

/// Totals of the data a model was fitted on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Totals {
    /// Journeys (conversions + nulls + open journeys).
    pub journeys: f64,
    /// Conversions.
    pub conversions: f64,
    /// Conversion value.
    pub value: f64,
    /// Non-converting journeys.
    pub nulls: f64,
    /// An event log's journeys still in progress when the data ended (neither conversions nor
    /// nulls under the `censor` policy, among the nulls under `null`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_journeys: Option<f64>,
    /// Touches whose exit was censored (not known by the end of the data).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub censored_visits: Option<f64>,
    /// How open journeys were counted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_journeys_policy: Option<crate::journey::OpenJourneys>,
}

impl Totals {
    /// The totals of what a fit read.
    pub fn of(summary: &crate::journey::ReadSummary) -> Self {
        Totals {
            journeys: summary.journeys(),
            conversions: summary.conversions,
            value: summary.value,
            nulls: summary.nulls,
            open_journeys: summary.open_journeys.map(|(_, n)| n),
            censored_visits: summary.open_journeys.map(|_| summary.censored_visits),
            open_journeys_policy: summary.open_journeys.map(|(policy, _)| policy),
        }
    }
}

/// One transition in the file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransitionRecord {
    /// Target state name, `(conversion)` or `(null)`.
    pub to: String,
    /// Transition probability.
    pub probability: f64,
    /// Observed weight behind it, when fitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<f64>,
}

/// One state in the file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StateRecord {
    /// The state's name: its channels joined by `" > "`.
    pub state: String,
    /// The state's channels; defaults to splitting `state` on `>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channels: Option<Vec<String>>,
    /// Mean value per conversion of journeys ending here.
    #[serde(default)]
    pub value_per_conversion: f64,
    /// Empirical (value per conversion, weight) pairs of journeys ending here.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub value_distribution: Vec<(f64, f64)>,
    /// The time from entering the state to its next event, in days (version 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dwell: Option<crate::dwell::DwellFit>,
    /// The time from entering the state to the next touch, for visits followed by one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dwell_to_touch: Option<crate::dwell::DwellFit>,
    /// The time from entering the state to the conversion, for visits followed by one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dwell_to_conversion: Option<crate::dwell::DwellFit>,
    /// The row.
    pub transitions: Vec<TransitionRecord>,
}

/// The whole file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelDocument {
    /// Always [`FORMAT`].
    pub format: String,
    /// Always [`VERSION`] for files this build writes.
    pub version: u32,
    /// The data the model was fitted on, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<String>,
    /// Model order k.
    pub order: usize,
    /// Whether repeats were kept as self-loops.
    #[serde(default)]
    pub keep_repeats: bool,
    /// Channel names.
    pub channels: Vec<String>,
    /// Totals of the fitted data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub totals: Option<Totals>,
    /// (start) -> state row.
    pub entry: Vec<TransitionRecord>,
    /// Transient states and their rows.
    pub states: Vec<StateRecord>,
    /// Optional stage map (`journeysim fit --stages`): ordered stages and each channel's stage,
    /// used by `journeysim funnel --model`. Absent in older files, which still load.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stages: Option<crate::stages::StageMap>,
}

impl ModelDocument {
    /// The file form of `chain`.
    pub fn from_chain(chain: &Chain, input: Option<&str>, totals: Option<Totals>) -> Self {
        let target_name = |t: u32| -> String {
            if t == chain.conversion() {
                CONVERSION.into()
            } else if t == chain.null() {
                NULL.into()
            } else {
                chain.state_name(t)
            }
        };
        let record = |to: u32, probability: f64, weight: Option<f64>| TransitionRecord {
            to: target_name(to),
            probability,
            weight,
        };
        let entry = chain
            .entry()
            .iter()
            .enumerate()
            .map(|(i, &(s, p))| record(s, p, chain.entry_weights().get(i).copied()))
            .collect();
        let states = (0..chain.n_states())
            .map(|s| {
                let range = chain.row_range(s as StateId);
                StateRecord {
                    state: chain.state_name(s as StateId),
                    channels: Some(
                        chain.states()[s]
                            .iter()
                            .map(|&c| chain.channels().name(c).to_owned())
                            .collect(),
                    ),
                    value_per_conversion: chain.value_per_conversion()[s],
                    value_distribution: chain
                        .value_distribution()
                        .get(s)
                        .cloned()
                        .unwrap_or_default(),
                    dwell: None,
                    dwell_to_touch: None,
                    dwell_to_conversion: None,
                    transitions: range
                        .map(|i| {
                            record(
                                chain.targets()[i],
                                chain.probabilities()[i],
                                chain.weights().get(i).copied(),
                            )
                        })
                        .collect(),
                }
            })
            .collect();
        ModelDocument {
            format: FORMAT.into(),
            version: 1,
            input: input.map(str::to_owned),
            order: chain.order(),
            keep_repeats: chain.keep_repeats(),
            channels: chain.channels().names().to_vec(),
            totals,
            entry,
            states,
            stages: None,
        }
    }

    /// Adds each state's dwell times (`dwell[s]` and `by_next[s]` for the chain's state `s`,
    /// as [`crate::model::fit_paths_timed`] gives them), making this a version 2 document.
    pub fn with_dwell(
        mut self,
        dwell: &[Option<crate::dwell::DwellFit>],
        by_next: &[[Option<crate::dwell::DwellFit>; 2]],
    ) -> Self {
        for ((state, fit), [touch, conversion]) in self.states.iter_mut().zip(dwell).zip(by_next) {
            state.dwell = fit.clone();
            state.dwell_to_touch = touch.clone();
            state.dwell_to_conversion = conversion.clone();
        }
        self.version = VERSION;
        self
    }

    /// Builds and checks the chain ([`Chain::from_rows`]); `source` names the file in errors.
    pub fn into_chain(self, source: &str) -> Result<Chain> {
        let invalid = |message: String| Error::Invalid(format!("{source}: {message}"));
        let channels = ChannelTable::from_names(&self.channels);
        let mut index: HashMap<&str, StateId> = HashMap::new();
        let mut states: Vec<Box<[ChannelId]>> = Vec::with_capacity(self.states.len());
        for (i, record) in self.states.iter().enumerate() {
            let names: Vec<String> = match &record.channels {
                Some(names) => names.clone(),
                None => record
                    .state
                    .split('>')
                    .map(|s| s.trim().to_owned())
                    .collect(),
            };
            let mut touches = Vec::with_capacity(names.len());
            for name in &names {
                touches.push(channels.get(name).ok_or_else(|| {
                    invalid(format!(
                        "state '{}' names unknown channel '{}'",
                        clip(&record.state),
                        clip(name)
                    ))
                })?);
            }
            if index.insert(record.state.as_str(), i as StateId).is_some() {
                return Err(invalid(format!(
                    "state '{}' appears twice",
                    clip(&record.state)
                )));
            }
            states.push(touches.into());
        }
        let n = states.len() as u32;
        let resolve = |from: &str, to: &str| -> Result<u32> {
            match to {
                CONVERSION => Ok(n),
                NULL => Ok(n + 1),
                name => index.get(name).copied().ok_or_else(|| {
                    invalid(format!(
                        "row {}: transition to unknown state '{}'",
                        clip(from),
                        clip(name)
                    ))
                }),
            }
        };
        let mut entry = Vec::with_capacity(self.entry.len());
        for t in &self.entry {
            let s = resolve("(start)", &t.to)?;
            if s >= n {
                return Err(invalid(format!(
                    "(start) cannot go straight to {}",
                    clip(&t.to)
                )));
            }
            entry.push(Transition {
                to: s,
                probability: t.probability,
                weight: t.weight,
            });
        }
        let mut rows = Vec::with_capacity(self.states.len());
        for record in &self.states {
            let row = record
                .transitions
                .iter()
                .map(|t| {
                    Ok(Transition {
                        to: resolve(&record.state, &t.to)?,
                        probability: t.probability,
                        weight: t.weight,
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            rows.push(row);
        }
        Chain::from_rows(ChainParts {
            order: self.order,
            keep_repeats: self.keep_repeats,
            channels,
            states,
            entry,
            rows,
            value_per_conversion: self.states.iter().map(|s| s.value_per_conversion).collect(),
            value_distribution: self
                .states
                .into_iter()
                .map(|s| s.value_distribution)
                .collect(),
        })
        .map_err(|e| invalid(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HAND_WRITTEN: &str = r#"{"format": "journeysim-model", "version": 1, "order": 1,
        "channels": ["a", "b"],
        "entry": [{"to": "a", "probability": 1.0}],
        "states": [
          {"state": "a", "transitions": [{"to": "b", "probability": 0.5}, {"to": "(null)", "probability": 0.5}]},
          {"state": "b", "value_per_conversion": 10, "transitions": [{"to": "(conversion)", "probability": 1.0}]}
        ]}"#;

    #[test]
    fn hand_written_model_loads_and_round_trips() {
        let chain = serde_json::from_str::<crate::model::document::ModelDocument>(HAND_WRITTEN)
            .unwrap()
            .into_chain("m.json")
            .unwrap();
        assert_eq!(chain.n_states(), 2);
        let file = ModelDocument::from_chain(&chain, None, None);
        let text = serde_json::to_string(&file).unwrap();
        let again = serde_json::from_str::<crate::model::document::ModelDocument>(&text)
            .unwrap()
            .into_chain("m2.json")
            .unwrap();
        assert_eq!(again, chain);
    }

    #[test]
    fn rejects_rows_not_summing_to_one() {
        let text = HAND_WRITTEN.replace("\"probability\": 0.5}]}", "\"probability\": 0.4}]}");
        let err = serde_json::from_str::<crate::model::document::ModelDocument>(&text)
            .unwrap()
            .into_chain("m.json")
            .unwrap_err();
        assert!(err.to_string().contains("sum to 0.9"), "{err}");
    }

    #[test]
    fn rejects_states_that_never_end() {
        let text = HAND_WRITTEN.replace(
            r#"{"to": "(conversion)", "probability": 1.0}"#,
            r#"{"to": "b", "probability": 1.0}"#,
        );
        let err = serde_json::from_str::<crate::model::document::ModelDocument>(&text)
            .unwrap()
            .into_chain("m.json")
            .unwrap_err();
        assert!(err.to_string().contains("can never reach"), "{err}");
    }
}
