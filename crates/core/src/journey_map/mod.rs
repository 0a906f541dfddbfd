//! Journey maps: a customer journey written by hand, without data, as a strategist draws it.
//!
//! Customer-journey practice describes a journey as ordered *stages* (Awareness, Interest,
//! Consideration, Purchase, Experience, Loyalty), *touchpoints* within them, and *personas* that
//! travel them differently (Lemon and Verhoef 2016, "Understanding customer experience throughout
//! the customer journey", J. Marketing 80(6)). A map file makes that picture a generative model:
//!
//! - `stages`: ordered stage names;
//! - `touchpoints`: each in a stage, with an `entry` share (probability that a journey starts
//!   there), `transitions` to other touchpoints, `"conversion"` and `"null"` (each row sums to 1),
//!   and `dwell_hours`, the distribution of the time until the next touch;
//! - `value`: the distribution of the value of a conversion;
//! - `personas`: population shares (summing to 1) and overrides of any of the above
//!   (`entry`, `value`, and per touchpoint `transitions` / `dwell_hours`).
//!
//! Distributions are `{"distribution": "exponential", "mean": m}`,
//! `{"distribution": "gamma", "shape": k, "scale": s}`,
//! `{"distribution": "log_normal", "mean": m, "cv": c}` (mean and coefficient of variation, the
//! numbers a strategist knows), `{"distribution": "weibull", "shape": k, "scale": s}` (mean
//! s Γ(1 + 1/k), what [`crate::dwell`] may fit to observed times) or
//! `{"distribution": "constant", "value": v}`; they are sampled with rand_distr. See `scenarios/README.md` ("Journey maps") for a full example.
//!
//! Each persona is a first-order absorbing chain over the touchpoints ([`JourneyMap::persona_chain`]),
//! so its conversion probability, value and removal effects are exact ([`crate::solve::absorb`]).
//! The population is a *mixture* of the persona chains, which is not itself a Markov chain (the
//! next touch depends on the persona, which the path reveals only gradually). Its exact figures
//! are share-weighted: `P(conv) = sum_p w_p P_p(conv)` and the removal effect of touchpoint c is
//! `1 - sum_p w_p P_p(conv | c removed) / sum_p w_p P_p(conv)` ([`JourneyMap::truth`]). This is
//! the ground truth `journeysim validate` scores attribution methods against.
//!
//! ```
//! use journeysim_core::journey_map::{JourneyMap, MapFile};
//!
//! let text = r#"{"stages": ["Awareness", "Purchase"], "touchpoints": [
//!     {"name": "a", "stage": "Awareness", "entry": 1.0, "transitions": {"b": 0.5, "null": 0.5},
//!      "dwell_hours": {"distribution": "constant", "value": 1}},
//!     {"name": "b", "stage": "Purchase", "transitions": {"conversion": 0.4, "null": 0.6},
//!      "dwell_hours": {"distribution": "constant", "value": 1}}],
//!   "value": {"distribution": "constant", "value": 50}}"#;
//! let file: MapFile = serde_json::from_str(text).unwrap(); // the io crate reads map files
//! let map = JourneyMap::from_file(&file, "map.json")?;
//! // Every journey starts at a, half go on to b, and b converts 40%: P(conversion) = 0.2, and
//! // removing either touchpoint loses every conversion.
//! let truth = map.truth()?;
//! assert!((truth.conversion_probability - 0.2).abs() < 1e-12);
//! assert!(truth.touchpoints.iter().all(|t| (t.removal_effect - 1.0).abs() < 1e-12));
//! # Ok::<(), journeysim_core::Error>(())
//! ```

pub mod generate;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use crate::distribution::{Distribution, DistributionSampler};

use crate::attribution::removal::mixture_removal_effects;
use crate::error::{Error, Location, Result, clip, clip_list};
use crate::journey::ChannelTable;
use crate::model::{Chain, ChainParts, StateId, Transition};
use crate::solve::absorb;
use crate::stages::StageMap;

/// Transition target naming (conversion) in a map file.
pub const CONVERSION: &str = "conversion";
/// Transition target naming (null) in a map file.
pub const NULL: &str = "null";

/// Tolerance for probabilities that must sum to 1 (hand-written decimals).
const SUM_TOLERANCE: f64 = 1e-6;

/// The map file as written (see the module docs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MapFile {
    /// The map's name.
    #[serde(default)]
    pub name: String,
    /// What it describes.
    #[serde(default)]
    pub description: String,
    /// Stage names in journey order.
    pub stages: Vec<String>,
    /// The touchpoints.
    pub touchpoints: Vec<TouchpointSpec>,
    /// Distribution of the value of one conversion.
    pub value: Distribution,
    /// Personas; none means one persona ("everyone") with the map as written.
    #[serde(default)]
    pub personas: Vec<PersonaSpec>,
}

/// One touchpoint as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TouchpointSpec {
    /// Unique name (no `>`, which separates touches in paths).
    pub name: String,
    /// The stage it belongs to.
    pub stage: String,
    /// What it is.
    #[serde(default)]
    pub description: String,
    /// Probability that a journey starts here (the entry shares sum to 1).
    #[serde(default)]
    pub entry: f64,
    /// Next touchpoint, `"conversion"` or `"null"` -> probability; sums to 1.
    pub transitions: BTreeMap<String, f64>,
    /// Hours until the next touch (or the conversion).
    pub dwell_hours: Distribution,
}

/// One persona as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonaSpec {
    /// Unique name.
    pub name: String,
    /// Who they are.
    #[serde(default)]
    pub description: String,
    /// Share of the population (shares sum to 1).
    pub share: f64,
    /// Replaces every touchpoint's entry share (touchpoint -> share, summing to 1).
    #[serde(default)]
    pub entry: Option<BTreeMap<String, f64>>,
    /// Replaces the conversion-value distribution.
    #[serde(default)]
    pub value: Option<Distribution>,
    /// Per-touchpoint overrides.
    #[serde(default)]
    pub touchpoints: BTreeMap<String, TouchpointOverride>,
}

/// What a persona changes at one touchpoint; each field replaces the map's one whole.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TouchpointOverride {
    /// Replaces the transition row.
    #[serde(default)]
    pub transitions: Option<BTreeMap<String, f64>>,
    /// Replaces the dwell-time distribution.
    #[serde(default)]
    pub dwell_hours: Option<Distribution>,
}

/// A touchpoint of a validated map.
#[derive(Debug, Clone, PartialEq)]
pub struct Touchpoint {
    /// Name.
    pub name: String,
    /// Index into [`JourneyMap::stages`].
    pub stage: usize,
}

/// A persona with every override applied: the complete chain it walks.
#[derive(Debug, Clone, PartialEq)]
pub struct Persona {
    /// Name.
    pub name: String,
    /// Population share.
    pub share: f64,
    /// Entry probability per touchpoint.
    pub entry: Vec<f64>,
    /// Per touchpoint: probabilities of going to touchpoint `0..n`, then conversion (`n`), then
    /// null (`n + 1`), as in [`Chain`].
    pub rows: Vec<Vec<f64>>,
    /// Dwell time in hours per touchpoint.
    pub dwell_hours: Vec<Distribution>,
    /// Value of a conversion.
    pub value: Distribution,
}

/// A validated journey map.
#[derive(Debug, Clone, PartialEq)]
pub struct JourneyMap {
    /// The map's name.
    pub name: String,
    /// Stage names in order.
    pub stages: Vec<String>,
    /// Touchpoints in file order (their index is their channel id).
    pub touchpoints: Vec<Touchpoint>,
    /// Personas (at least one).
    pub personas: Vec<Persona>,
}

/// Exact figures of a map: the population's and each persona's.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MapTruth {
    /// P(conversion) of a journey of the population.
    pub conversion_probability: f64,
    /// Expected conversion value of a journey of the population.
    pub value_per_journey: f64,
    /// True removal effects per touchpoint (in touchpoint order).
    pub touchpoints: Vec<TouchpointTruth>,
    /// Each persona's own figures.
    pub personas: Vec<PersonaTruth>,
}

/// One touchpoint's true removal effects.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TouchpointTruth {
    /// Touchpoint name.
    pub touchpoint: String,
    /// Its stage.
    pub stage: String,
    /// Share of conversions lost without it.
    pub removal_effect: f64,
    /// Share of value lost without it.
    pub removal_effect_value: f64,
    /// `removal_effect` normalised over touchpoints (the share of credit it deserves).
    pub removal_effect_share: f64,
}

/// One persona's exact figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PersonaTruth {
    /// Persona name.
    pub persona: String,
    /// Population share.
    pub share: f64,
    /// P(conversion) of the persona's journeys.
    pub conversion_probability: f64,
    /// Expected value of the persona's journeys.
    pub value_per_journey: f64,
}

/// A validation error at a JSON path of the map.
fn at(source: &str, path: &str, message: impl std::fmt::Display) -> Error {
    Error::input(Location::file(source), format!("{path}: {message}"))
}

fn check_probability(source: &str, path: &str, p: f64) -> Result<()> {
    if (0.0..=1.0).contains(&p) {
        Ok(())
    } else {
        Err(at(
            source,
            path,
            format!("{p} is not a probability in [0, 1]"),
        ))
    }
}

fn check_sum(source: &str, path: &str, sum: f64) -> Result<()> {
    if (sum - 1.0).abs() <= SUM_TOLERANCE {
        Ok(())
    } else {
        Err(at(
            source,
            path,
            format!("the probabilities sum to {sum}, not 1"),
        ))
    }
}

fn check_name(source: &str, path: &str, name: &str) -> Result<()> {
    if name.trim().is_empty() {
        return Err(at(source, path, "the name is empty"));
    }
    if name.contains('>') || name != name.trim() {
        return Err(at(
            source,
            path,
            format!(
                "'{name}' may not contain '>' (it separates touches in paths) or surrounding spaces",
                name = crate::error::clip(name)
            ),
        ));
    }
    Ok(())
}

fn check_distribution(source: &str, path: &str, d: &Distribution) -> Result<()> {
    d.sampler().map(|_| ()).map_err(|m| at(source, path, m))
}

impl JourneyMap {
    /// Validates a parsed map file: names unique, stages known and used, probabilities in
    /// [0, 1], rows and entry shares summing to 1, persona shares summing to 1, distributions
    /// valid, and every persona's chain absorbing.
    pub fn from_file(file: &MapFile, source: &str) -> Result<JourneyMap> {
        if file.stages.is_empty() {
            return Err(at(source, "stages", "at least one stage is needed"));
        }
        let mut stage_index: BTreeMap<&str, usize> = BTreeMap::new();
        for (i, stage) in file.stages.iter().enumerate() {
            check_name(source, &format!("stages[{i}]"), stage)?;
            if stage_index.insert(stage.as_str(), i).is_some() {
                return Err(at(
                    source,
                    &format!("stages[{i}]"),
                    format!(
                        "duplicate stage name '{stage}'",
                        stage = crate::error::clip(stage)
                    ),
                ));
            }
        }
        if file.touchpoints.is_empty() {
            return Err(at(
                source,
                "touchpoints",
                "at least one touchpoint is needed",
            ));
        }
        let mut index: BTreeMap<&str, usize> = BTreeMap::new();
        let mut touchpoints = Vec::new();
        for (i, t) in file.touchpoints.iter().enumerate() {
            let path = format!("touchpoints[{i}]");
            check_name(source, &format!("{path}.name"), &t.name)?;
            if t.name == CONVERSION || t.name == NULL {
                return Err(at(
                    source,
                    &format!("{path}.name"),
                    format!("'{}' is reserved for the end of a journey", clip(&t.name)),
                ));
            }
            if index.insert(t.name.as_str(), i).is_some() {
                return Err(at(
                    source,
                    &format!("{path}.name"),
                    format!("duplicate touchpoint name '{}'", clip(&t.name)),
                ));
            }
            let stage = *stage_index.get(t.stage.as_str()).ok_or_else(|| {
                at(
                    source,
                    &format!("{path}.stage"),
                    format!(
                        "unknown stage '{}'{}; the stages are {}",
                        clip(&t.stage),
                        crate::suggest::did_you_mean(
                            &t.stage,
                            file.stages.iter().map(String::as_str)
                        ),
                        clip_list(&file.stages)
                    ),
                )
            })?;
            touchpoints.push(Touchpoint {
                name: t.name.clone(),
                stage,
            });
        }
        for (s, stage) in file.stages.iter().enumerate() {
            if !touchpoints.iter().any(|t| t.stage == s) {
                return Err(at(
                    source,
                    &format!("stages[{s}]"),
                    format!(
                        "stage '{stage}' has no touchpoint",
                        stage = crate::error::clip(stage)
                    ),
                ));
            }
        }
        let n = touchpoints.len();
        let row = |path: &str, spec: &BTreeMap<String, f64>| -> Result<Vec<f64>> {
            let mut row = vec![0.0; n + 2];
            for (to, &p) in spec {
                let target = match to.as_str() {
                    CONVERSION => n,
                    NULL => n + 1,
                    name => *index.get(name).ok_or_else(|| {
                        at(
                            source,
                            &format!("{path}.{}", clip(to)),
                            format!(
                                "unknown touchpoint '{}'{} (targets are touchpoints, \"conversion\" or \"null\")",
                                clip(to),
                                crate::suggest::did_you_mean(to, index.keys().copied()),
                            ),
                        )
                    })?,
                };
                check_probability(source, &format!("{path}.{}", clip(to)), p)?;
                row[target] = p;
            }
            check_sum(source, path, row.iter().sum())?;
            normalise(&mut row);
            Ok(row)
        };
        let entry_map = |path: &str, spec: &BTreeMap<String, f64>| -> Result<Vec<f64>> {
            let mut entry = vec![0.0; n];
            for (name, &p) in spec {
                let i = *index.get(name.as_str()).ok_or_else(|| {
                    at(
                        source,
                        &format!("{path}.{name}"),
                        format!(
                            "unknown touchpoint '{name}'{}",
                            crate::suggest::did_you_mean(name, index.keys().copied()),
                            name = crate::error::clip(name)
                        ),
                    )
                })?;
                check_probability(source, &format!("{path}.{name}"), p)?;
                entry[i] = p;
            }
            check_sum(source, path, entry.iter().sum())?;
            normalise(&mut entry);
            Ok(entry)
        };

        let mut base_entry = Vec::with_capacity(n);
        let mut base_rows = Vec::with_capacity(n);
        let mut base_dwell = Vec::with_capacity(n);
        for (i, t) in file.touchpoints.iter().enumerate() {
            let path = format!("touchpoints[{i}]");
            check_probability(source, &format!("{path}.entry"), t.entry)?;
            base_entry.push(t.entry);
            base_rows.push(row(&format!("{path}.transitions"), &t.transitions)?);
            check_distribution(source, &format!("{path}.dwell_hours"), &t.dwell_hours)?;
            base_dwell.push(t.dwell_hours);
        }
        let base_entry_valid = check_sum(source, "touchpoints[*].entry", base_entry.iter().sum());
        normalise(&mut base_entry);
        check_distribution(source, "value", &file.value)?;

        let mut personas = Vec::new();
        if file.personas.is_empty() {
            if let Err(e) = base_entry_valid {
                return Err(e);
            }
            personas.push(Persona {
                name: "everyone".into(),
                share: 1.0,
                entry: base_entry.clone(),
                rows: base_rows.clone(),
                dwell_hours: base_dwell.clone(),
                value: file.value,
            });
        }
        let mut persona_names: BTreeMap<&str, usize> = BTreeMap::new();
        for (i, spec) in file.personas.iter().enumerate() {
            let path = format!("personas[{i}]");
            check_name(source, &format!("{path}.name"), &spec.name)?;
            if persona_names.insert(spec.name.as_str(), i).is_some() {
                return Err(at(
                    source,
                    &format!("{path}.name"),
                    format!("duplicate persona name '{}'", clip(&spec.name)),
                ));
            }
            if !(spec.share > 0.0 && spec.share <= 1.0) {
                return Err(at(
                    source,
                    &format!("{path}.share"),
                    format!("{} is not a population share in (0, 1]", spec.share),
                ));
            }
            let entry = match &spec.entry {
                Some(e) => entry_map(&format!("{path}.entry"), e)?,
                None => {
                    base_entry_valid.as_ref().map_err(|_| {
                        at(
                            source,
                            &format!("{path}.entry"),
                            format!(
                                "the touchpoints' entry shares sum to {}, not 1, and persona '{}' does not give its own",
                                file.touchpoints.iter().map(|t| t.entry).sum::<f64>(),
                                clip(&spec.name)
                            ),
                        )
                    })?;
                    base_entry.clone()
                }
            };
            let mut rows = base_rows.clone();
            let mut dwell = base_dwell.clone();
            for (name, o) in &spec.touchpoints {
                let tpath = format!("{path}.touchpoints.{name}");
                let t = *index.get(name.as_str()).ok_or_else(|| {
                    at(
                        source,
                        &tpath,
                        format!(
                            "unknown touchpoint '{name}'{}",
                            crate::suggest::did_you_mean(name, index.keys().copied()),
                            name = crate::error::clip(name)
                        ),
                    )
                })?;
                if let Some(tr) = &o.transitions {
                    rows[t] = row(&format!("{tpath}.transitions"), tr)?;
                }
                if let Some(d) = &o.dwell_hours {
                    check_distribution(source, &format!("{tpath}.dwell_hours"), d)?;
                    dwell[t] = *d;
                }
            }
            let value = spec.value.unwrap_or(file.value);
            if let Some(v) = &spec.value {
                check_distribution(source, &format!("{path}.value"), v)?;
            }
            personas.push(Persona {
                name: spec.name.clone(),
                share: spec.share,
                entry,
                rows,
                dwell_hours: dwell,
                value,
            });
        }
        if !file.personas.is_empty() {
            let total: f64 = personas.iter().map(|p| p.share).sum();
            if (total - 1.0).abs() > SUM_TOLERANCE {
                return Err(at(
                    source,
                    "personas[*].share",
                    format!("the persona shares sum to {total}, not 1"),
                ));
            }
            personas.iter_mut().for_each(|p| p.share /= total);
        }
        let map = JourneyMap {
            name: file.name.clone(),
            stages: file.stages.clone(),
            touchpoints,
            personas,
        };
        for (i, p) in map.personas.iter().enumerate() {
            if let Some(&s) = map.persona_parts(i).unabsorbable_states().first() {
                let path = if file.personas.is_empty() {
                    "touchpoints".to_string()
                } else {
                    format!("personas[{i}]")
                };
                return Err(at(
                    source,
                    &path,
                    format!(
                        "persona '{}': from touchpoint '{}' a journey can never reach conversion or null",
                        clip(&p.name),
                        clip(&map.touchpoints[s as usize].name)
                    ),
                ));
            }
        }
        Ok(map)
    }

    /// The touchpoint names as a channel table (id = touchpoint index).
    pub fn channels(&self) -> ChannelTable {
        ChannelTable::from_names(self.touchpoints.iter().map(|t| &t.name))
    }

    /// The map's own stages and the stage of each touchpoint, as a stage map.
    pub fn stage_map(&self) -> StageMap {
        StageMap {
            stages: self.stages.clone(),
            touchpoints: self
                .touchpoints
                .iter()
                .map(|t| (t.name.clone(), self.stages[t.stage].clone()))
                .collect(),
        }
    }

    /// Index of the touchpoint called `name`.
    pub fn touchpoint(&self, name: &str) -> Option<usize> {
        self.touchpoints.iter().position(|t| t.name == name)
    }

    /// Persona `p`'s journeys as an order-1 chain over the touchpoints (state i = touchpoint i,
    /// self-loops kept), with the mean of its value distribution as value per conversion.
    /// Fails only for a map not built by [`JourneyMap::from_file`] whose rows are not a proper
    /// chain.
    pub fn persona_chain(&self, p: usize) -> Result<Chain> {
        Chain::from_rows(self.persona_parts(p))
    }

    /// The plain data of [`JourneyMap::persona_chain`], which [`JourneyMap::from_file`] checks
    /// for states that never end before any chain is built, to name them in the map's terms.
    fn persona_parts(&self, p: usize) -> ChainParts {
        let persona = &self.personas[p];
        let n = self.touchpoints.len();
        self.touchpoint_parts(
            &persona.entry,
            persona
                .rows
                .iter()
                .map(|row| {
                    (row.iter().enumerate())
                        .filter(|&(_, &p)| p > 0.0)
                        .map(|(t, &p)| Transition::new(t as u32, p))
                        .collect()
                })
                .collect(),
            vec![persona.value.mean(); n],
            vec![value_points(&persona.value); n],
        )
    }

    /// An order-1 chain over the touchpoints from a dense entry vector (of which positive
    /// probabilities are kept) and the rows.
    fn touchpoint_parts(
        &self,
        entry: &[f64],
        rows: Vec<Vec<Transition>>,
        value_per_conversion: Vec<f64>,
        value_distribution: Vec<Vec<(f64, f64)>>,
    ) -> ChainParts {
        let n = self.touchpoints.len();
        ChainParts {
            order: 1,
            keep_repeats: true,
            channels: self.channels(),
            states: (0..n as u32).map(|c| vec![c].into_boxed_slice()).collect(),
            entry: entry
                .iter()
                .enumerate()
                .filter(|(_, p)| **p > 0.0)
                .map(|(s, &p)| Transition::new(s as StateId, p))
                .collect(),
            rows,
            value_per_conversion,
            value_distribution,
        }
    }

    /// Every persona's chain with its share: the mixture the population walks.
    pub fn persona_chains(&self) -> Result<Vec<(f64, Chain)>> {
        (0..self.personas.len())
            .map(|p| Ok((self.personas[p].share, self.persona_chain(p)?)))
            .collect()
    }

    /// The map's exact conversion probability, value and removal effects (share-weighted over
    /// personas, see the module docs).
    pub fn truth(&self) -> Result<MapTruth> {
        let chains = self.persona_chains()?;
        let components: Vec<(f64, &Chain)> = chains.iter().map(|(w, c)| (*w, c)).collect();
        let mixture = mixture_removal_effects(&components)?;
        let personas = chains
            .iter()
            .zip(&self.personas)
            .map(|((share, chain), persona)| {
                let own = absorb(chain, None)?;
                Ok(PersonaTruth {
                    persona: persona.name.clone(),
                    share: *share,
                    conversion_probability: own.conversion_probability,
                    value_per_journey: own.value_per_journey,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let (base_p, base_v) = (
            mixture.base.conversion_probability,
            mixture.base.value_per_journey,
        );
        let effects: Vec<(f64, f64)> = mixture
            .effects
            .iter()
            .map(|e| (e.conversions, e.value))
            .collect();
        let total: f64 = effects.iter().map(|e| e.0).sum();
        let touchpoints = self
            .touchpoints
            .iter()
            .zip(&effects)
            .map(|(t, &(re, rev))| TouchpointTruth {
                touchpoint: t.name.clone(),
                stage: self.stages[t.stage].clone(),
                removal_effect: re,
                removal_effect_value: rev,
                removal_effect_share: if total > 0.0 { re / total } else { 0.0 },
            })
            .collect();
        Ok(MapTruth {
            conversion_probability: base_p,
            value_per_journey: base_v,
            touchpoints,
            personas,
        })
    }
}

/// How many equally likely values stand for a map's value distribution in simulation.
const VALUE_POINTS: usize = 256;

/// A persona's value distribution as (value, weight) pairs for the simulation engine.
fn value_points(value: &Distribution) -> Vec<(f64, f64)> {
    value
        .quantiles(VALUE_POINTS)
        .into_iter()
        .map(|v| (v, 1.0))
        .collect()
}

/// Scales `row` to sum exactly to 1 (it already does within [`SUM_TOLERANCE`]).
fn normalise(row: &mut [f64]) {
    let sum: f64 = row.iter().sum();
    if sum > 0.0 {
        row.iter_mut().for_each(|p| *p /= sum);
    }
}

impl JourneyMap {
    /// One order-1 chain with the population's one-step flows: from touchpoint `s`, the chance
    /// of going to `t` is `sum_p w_p V_p(s) P_p(s, t) / sum_p w_p V_p(s)`, with `w_p` the
    /// persona's share and `V_p(s)` its expected visits to `s` per journey. Its rows are the
    /// transition frequencies that journeys generated from the map show, which is what a
    /// transition graph should draw. It is a summary: journeys through it are not the
    /// mixture's journeys (a mixture of chains is not a chain), so simulation and truth use the
    /// personas themselves. A touchpoint no persona visits keeps the share-weighted rows.
    pub fn flow_chain(&self) -> Result<Chain> {
        let chains = self.persona_chains()?;
        let n = self.touchpoints.len();
        let mut rows = vec![vec![0.0; n + 2]; n];
        let mut fallback = vec![vec![0.0; n + 2]; n];
        let mut weight = vec![0.0; n];
        let mut entry = vec![0.0; n];
        // Conversions at each touchpoint and their value, to average value per conversion.
        let mut converting = vec![(0.0, 0.0); n];
        for (share, chain) in &chains {
            let visits = crate::solve::expected_visits(chain)?;
            for &(s, p) in chain.entry() {
                entry[s as usize] += share * p;
            }
            for s in 0..n {
                let (targets, probs) = chain.row(s as StateId);
                for (&t, &p) in targets.iter().zip(probs) {
                    rows[s][t as usize] += share * visits[s] * p;
                    fallback[s][t as usize] += share * p;
                    if t == chain.conversion() {
                        let flow = share * visits[s] * p;
                        converting[s].0 += flow;
                        converting[s].1 += flow * chain.value_per_conversion()[s];
                    }
                }
                weight[s] += share * visits[s];
            }
        }
        let flows = (0..n)
            .map(|s| {
                let (row, total) = if weight[s] > 0.0 {
                    (&rows[s], weight[s])
                } else {
                    (&fallback[s], fallback[s].iter().sum())
                };
                (row.iter().enumerate())
                    .filter(|&(_, &x)| x > 0.0)
                    .map(|(t, &x)| Transition::new(t as u32, x / total))
                    .collect()
            })
            .collect();
        // Persona 0's value per conversion where no journey converts; its value distribution
        // does not describe the population: the mean only.
        let own = self.personas[0].value.mean();
        let value_per_conversion = converting
            .iter()
            .map(|&(c, v)| if c > 0.0 { v / c } else { own })
            .collect();
        Chain::from_rows(self.touchpoint_parts(&entry, flows, value_per_conversion, Vec::new()))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Parses and validates a map's JSON text, as the io crate's reader does.
    pub(crate) fn parse(text: &str, source: &str) -> Result<JourneyMap> {
        let file: MapFile = serde_json::from_str(text).expect("test maps are valid JSON");
        JourneyMap::from_file(&file, source)
    }

    #[test]
    fn quantiles_keep_the_mean_and_the_spread() {
        let check = |d: Distribution, sd: f64| {
            let points = d.quantiles(256);
            let n = points.len() as f64;
            let mean = points.iter().sum::<f64>() / n;
            let var = points.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
            assert!(
                (mean - d.mean()).abs() < 1e-9 * d.mean(),
                "{d:?}: mean {mean}"
            );
            // Midpoint quantiles thin the far tail a little: the spread within 5%.
            assert!(
                (var.sqrt() / sd - 1.0).abs() < 0.05,
                "{d:?}: sd {} vs {sd}",
                var.sqrt()
            );
        };
        check(
            Distribution::LogNormal {
                mean: 120.0,
                cv: 0.5,
            },
            60.0,
        );
        check(Distribution::Exponential { mean: 4.0 }, 4.0);
        // Gamma(k = 4, s = 2.5): mean 10, sd sqrt(k) s = 5.
        check(
            Distribution::Gamma {
                shape: 4.0,
                scale: 2.5,
            },
            5.0,
        );
        // Weibull(k = 2, s = 1): mean sqrt(pi) / 2, sd sqrt(1 - pi / 4).
        let weibull = Distribution::Weibull {
            shape: 2.0,
            scale: 1.0,
        };
        assert!((weibull.mean() - std::f64::consts::PI.sqrt() / 2.0).abs() < 1e-12);
        check(weibull, (1.0 - std::f64::consts::FRAC_PI_4).sqrt());
        assert_eq!(
            Distribution::Constant { value: 7.0 }.quantiles(256),
            vec![7.0]
        );
    }

    #[test]
    fn weibull_samples_have_scale_and_shape_in_rand_distrs_order() {
        // Weibull(k = 1/2, s = 2): mean s Γ(3) = 4, variance s^2 (Γ(5) - Γ(3)^2) = 80. With the
        // two parameters swapped (k = 2, s = 1/2) the mean would be 0.44.
        let d = Distribution::Weibull {
            shape: 0.5,
            scale: 2.0,
        };
        assert!((d.mean() - 4.0).abs() < 1e-12);
        let sampler = d.sampler().unwrap();
        let mut rng = crate::rng::stream(1, 0);
        let n = 100_000;
        let mean = (0..n).map(|_| sampler.sample(&mut rng)).sum::<f64>() / n as f64;
        // Four standard errors of the mean of n draws.
        let bound = 4.0 * (80.0 / n as f64).sqrt();
        assert!((mean - 4.0).abs() < bound, "mean {mean}, bound {bound}");
    }

    #[test]
    fn log_normals_of_huge_and_tiny_means_sample_around_their_mean() {
        // rand_distr's from_mean_cv squares the mean: 1e200^2 overflows, 1e-200^2 underflows.
        for mean in [1e200, 1e-200] {
            let sampler = Distribution::LogNormal { mean, cv: 0.5 }.sampler().unwrap();
            let mut rng = crate::rng::stream(2, 0);
            let n = 10_000;
            let average = (0..n).map(|_| sampler.sample(&mut rng) / mean).sum::<f64>() / n as f64;
            // In units of the mean: mean 1, sd 0.5, four standard errors of n draws.
            assert!(
                (average - 1.0).abs() < 4.0 * 0.5 / (n as f64).sqrt(),
                "{mean}: {average}"
            );
        }
    }

    #[test]
    fn a_weibull_dwell_loads_and_a_bad_one_names_its_path() {
        let weibull = TINY.replace(
            r#"{"distribution": "gamma", "shape": 2, "scale": 1}"#,
            r#"{"distribution": "weibull", "shape": 1.5, "scale": 3}"#,
        );
        let map = crate::journey_map::tests::parse(&weibull, "map.json").unwrap();
        assert_eq!(
            map.personas[0].dwell_hours[1],
            Distribution::Weibull {
                shape: 1.5,
                scale: 3.0
            }
        );
        let zero_shape = weibull.replace(r#""shape": 1.5"#, r#""shape": 0"#);
        assert!(
            error(&zero_shape).contains("touchpoints[1].dwell_hours: shape is 0"),
            "{}",
            error(&zero_shape)
        );
        // Γ(1 + 1/0.001) overflows: the mean is infinite.
        let tiny_shape = weibull.replace(r#""shape": 1.5"#, r#""shape": 0.001"#);
        assert!(
            error(&tiny_shape).contains("has an infinite mean"),
            "{}",
            error(&tiny_shape)
        );
        let unknown = weibull.replace(r#""scale": 3}"#, r#""scale": 3, "mean": 1}"#);
        let file: std::result::Result<MapFile, _> = serde_json::from_str(&unknown);
        assert!(file.is_err());
    }

    /// Two touchpoints: a -> b with 0.5, a -> null 0.5; b -> conversion 0.4, null 0.6.
    pub(crate) const TINY: &str = r#"{
      "stages": ["Awareness", "Purchase"],
      "touchpoints": [
        {"name": "a", "stage": "Awareness", "entry": 1.0,
         "transitions": {"b": 0.5, "null": 0.5},
         "dwell_hours": {"distribution": "exponential", "mean": 2}},
        {"name": "b", "stage": "Purchase",
         "transitions": {"conversion": 0.4, "null": 0.6},
         "dwell_hours": {"distribution": "gamma", "shape": 2, "scale": 1}}
      ],
      "value": {"distribution": "log_normal", "mean": 50, "cv": 0.5}
    }"#;

    fn error(text: &str) -> String {
        crate::journey_map::tests::parse(text, "map.json")
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn tiny_map_has_hand_computed_truth() {
        let map = crate::journey_map::tests::parse(TINY, "map.json").unwrap();
        let truth = map.truth().unwrap();
        assert!((truth.conversion_probability - 0.2).abs() < 1e-12);
        assert!((truth.value_per_journey - 10.0).abs() < 1e-9);
        // Every conversion needs both a and b.
        assert!(
            truth
                .touchpoints
                .iter()
                .all(|t| (t.removal_effect - 1.0).abs() < 1e-12)
        );
        assert_eq!(truth.touchpoints[0].removal_effect_share, 0.5);
    }

    #[test]
    fn mixture_truth_is_share_weighted_not_a_pooled_chain() {
        // Persona x enters at a (P(conv) = 0.2, needs a and b); persona y enters at b
        // (P(conv) = 0.4, needs only b). Shares 0.5 / 0.5: P = 0.3; removing a leaves 0.5*0.4.
        let text = TINY.replace(
            r#""value":"#,
            r#""personas": [{"name": "x", "share": 0.5},
                            {"name": "y", "share": 0.5, "entry": {"b": 1}}],
               "value":"#,
        );
        let map = crate::journey_map::tests::parse(&text, "map.json").unwrap();
        let truth = map.truth().unwrap();
        assert!((truth.conversion_probability - 0.3).abs() < 1e-12);
        assert!((truth.touchpoints[0].removal_effect - (1.0 - 0.2 / 0.3)).abs() < 1e-12);
        assert!((truth.touchpoints[1].removal_effect - 1.0).abs() < 1e-12);
    }

    #[test]
    fn errors_name_the_json_path() {
        let bad_share = TINY.replace(
            r#""value":"#,
            r#""personas": [{"name": "x", "share": 0.5}, {"name": "y", "share": 1.5}], "value":"#,
        );
        assert!(
            error(&bad_share).starts_with("map.json: personas[1].share: 1.5"),
            "{}",
            error(&bad_share)
        );
        let bad_sum = TINY.replace(
            r#""value":"#,
            r#""personas": [{"name": "x", "share": 0.5}, {"name": "y", "share": 0.4}], "value":"#,
        );
        assert!(error(&bad_sum).contains("personas[*].share: the persona shares sum to 0.9"));
        let bad_row = TINY.replace(r#""b": 0.5, "null": 0.5"#, r#""b": 0.5, "null": 0.6"#);
        assert!(
            error(&bad_row).contains("touchpoints[0].transitions: the probabilities sum to 1.1")
        );
        let unknown = TINY.replace(r#""b": 0.5,"#, r#""c": 0.5,"#);
        assert!(error(&unknown).contains("touchpoints[0].transitions.c: unknown touchpoint 'c'"));
        let dup_stage = TINY.replace(
            r#"["Awareness", "Purchase"]"#,
            r#"["Awareness", "Awareness"]"#,
        );
        assert!(error(&dup_stage).contains("stages[1]: duplicate stage name 'Awareness'"));
        let typo = TINY.replace(r#""b": 0.5,"#, r#""bb": 0.5,"#);
        assert!(error(&typo).contains("unknown touchpoint 'bb'; did you mean 'b'?"));
        let bad_stage = TINY.replace(r#""stage": "Purchase""#, r#""stage": "Buy""#);
        assert!(error(&bad_stage).contains("touchpoints[1].stage: unknown stage 'Buy'"));
        let bad_dist = TINY.replace(r#""mean": 2}"#, r#""mean": -2}"#);
        assert!(error(&bad_dist).contains("touchpoints[0].dwell_hours: mean is -2"));
        let loop_forever = TINY.replace(r#""conversion": 0.4, "null": 0.6"#, r#""b": 1.0"#);
        assert!(error(&loop_forever).contains("can never reach conversion or null"));
    }

    #[test]
    fn persona_overrides_replace_rows_and_dwell() {
        let text = TINY.replace(
            r#""value":"#,
            r#""personas": [{"name": "x", "share": 1,
               "touchpoints": {"b": {"transitions": {"conversion": 0.8, "null": 0.2},
                                     "dwell_hours": {"distribution": "constant", "value": 1}}}}],
               "value":"#,
        );
        let map = crate::journey_map::tests::parse(&text, "map.json").unwrap();
        assert_eq!(map.personas[0].rows[1], vec![0.0, 0.0, 0.8, 0.2]);
        assert_eq!(
            map.personas[0].dwell_hours[1],
            Distribution::Constant { value: 1.0 }
        );
        assert!((map.truth().unwrap().conversion_probability - 0.4).abs() < 1e-12);
    }
}
