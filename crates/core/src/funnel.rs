//! The stage funnel: per journey stage, the share of journeys that reach it, move on from it,
//! convert from it and drop out there, and the stages ranked by where journeys leak most.
//!
//! Customer-journey practice reads a journey as a funnel of stages (Awareness ... Loyalty) and asks
//! where customers are lost (cart abandonment, support pain points). For a chain the figures are
//! exact: with `Q` the transient part of the chain and `p0` the entry row,
//!
//! - `reach(S)` = P(the journey ever visits a state holding a touch of stage S): the hitting
//!   probability `h` solving `h = 1` on those states and `h = Q h` elsewhere, then `p0 . h`;
//! - `convert(S)` = P(the journey converts from a state whose last touch is in S) = `sum v(s)
//!   P(s, conversion)` over those states, with `v = p0 (I - Q)^-1` the expected visits;
//! - `drop_out(S)` = the same with `P(s, null)`: journeys that end there without converting;
//! - `move_on(S)` = `reach(S) - convert(S) - drop_out(S)`: journeys that reached S and ended
//!   elsewhere (each journey ends exactly once, so these add up);
//! - `reach_or_later(S)` = P(the journey ever visits a state holding a touch of S or of a stage
//!   after S): the same hitting probability for the union of those stages. Stages are not
//!   nested (a journey may skip a stage, or enter at a late one), so `reach` can rise from one
//!   stage to the next; `reach_or_later` never does.
//!
//! All four are probabilities over journeys, hence linear in a mixture: a journey map's figures
//! are its personas' weighted by share. From data the same four are counted directly (observed),
//! and with times (event logs) the median and mean time from first touch to conversion are
//! reported; for a journey map the mean is exact ([`map_exact`]).
//! Stages are ranked by `drop_out` (the share of all journeys lost there), observed when data are
//! given, exact otherwise. The linear systems (visits, hitting probabilities) are [`crate::solve`]'s.
//!
//! ```
//! use journeysim_core::funnel::map_funnel;
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
//! // All journeys reach Awareness and half leave there; half reach Purchase, where 0.2 of all
//! // journeys convert and 0.3 drop out.
//! let funnel = map_funnel(&map, "map.json", None)?;
//! let (awareness, purchase) = (&funnel.stages[0].exact, &funnel.stages[1].exact);
//! assert!((awareness.reach - 1.0).abs() < 1e-12 && (awareness.drop_out - 0.5).abs() < 1e-12);
//! assert!((purchase.reach - 0.5).abs() < 1e-12 && (purchase.convert - 0.2).abs() < 1e-12);
//! assert!((purchase.drop_out - 0.3).abs() < 1e-12);
//! # Ok::<(), journeysim_core::Error>(())
//! ```

use serde::Serialize;

use crate::cost::{PeriodCosts, cpa};
use crate::error::{Error, Location, Result};
use crate::journey::{ChannelTable, PathRow, PathSource};
use crate::journey_map::JourneyMap;
use crate::model::Chain;
use crate::row_order::Canonical;
use crate::solve::{absorb, absorption_by_state, expected_visits, hitting_probabilities};
use crate::stages::StageMap;

/// The four funnel shares of one stage (each a share of all journeys).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct StageFlow {
    /// Journeys that reach the stage.
    pub reach: f64,
    /// Journeys that reach it and end elsewhere.
    pub move_on: f64,
    /// Journeys that convert from it.
    pub convert: f64,
    /// Journeys that end there without converting.
    pub drop_out: f64,
    /// `drop_out / reach`: of the journeys reaching the stage, the share lost there.
    pub drop_out_rate: f64,
    /// Journeys that reach the stage or any later one: never rising from stage to stage, unlike
    /// `reach`. Left out of JSON and CSV, whose fields are a contract; the table and the
    /// picture show it.
    #[serde(skip)]
    pub reach_or_later: f64,
}

impl StageFlow {
    fn finish(mut self) -> Self {
        self.move_on = (self.reach - self.convert - self.drop_out).max(0.0);
        self.drop_out_rate = if self.reach > 0.0 {
            self.drop_out / self.reach
        } else {
            0.0
        };
        self
    }

    fn scaled(mut self, w: f64) -> Self {
        self.reach *= w;
        self.reach_or_later *= w;
        self.convert *= w;
        self.drop_out *= w;
        self
    }

    fn add(&mut self, other: &StageFlow) {
        self.reach += other.reach;
        self.reach_or_later += other.reach_or_later;
        self.convert += other.convert;
        self.drop_out += other.drop_out;
    }
}

/// One stage of the funnel.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StageFunnel {
    /// Stage name.
    pub stage: String,
    /// Its touchpoints, sorted.
    pub touchpoints: Vec<String>,
    /// Exact, from the chain (a fitted one when the input is data).
    pub exact: StageFlow,
    /// Counted from the data, when data were given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub observed: Option<StageFlow>,
    /// 1 = the stage that loses the most journeys.
    pub leak_rank: usize,
    /// The stage's cost and cost per journey reaching it (with costs).
    #[serde(flatten)]
    pub costs: Option<StageCost>,
}

/// Everything `journeysim funnel` reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Funnel {
    /// The input's name.
    pub input: String,
    /// `map`, `model`, `paths` or `events`.
    pub input_kind: String,
    /// P(conversion) under the chain (or the map's mixture).
    pub conversion_probability: f64,
    /// Journeys in the data, when data were given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub journeys: Option<f64>,
    /// Observed conversion rate, when data were given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub observed_conversion_rate: Option<f64>,
    /// Median days from a converting journey's first touch to its conversion (event logs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub median_days_to_conversion: Option<f64>,
    /// Mean days from first touch to conversion: observed (event logs) or exact (journey maps,
    /// from their dwell-time distributions).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mean_days_to_conversion: Option<f64>,
    /// Whether `leak_rank` ranks observed (true) or exact (false) drop-out.
    pub ranked_by_observed: bool,
    /// Stages in journey order.
    pub stages: Vec<StageFunnel>,
    /// The period's cost and CAC (with costs, see [`Funnel::price`]).
    #[serde(flatten)]
    pub costs: Option<FunnelCosts>,
    /// Things the user should know.
    pub warnings: Vec<String>,
}

/// A funnel's money figures over the costed period. A funnel counts journeys, not value, so it
/// has no ROAS (`attribute`, `simulate` and `whatif` report it).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FunnelCosts {
    /// The costs file.
    pub cost_input: String,
    /// The currency label, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// Journeys in the period the costs cover.
    pub period_journeys: f64,
    /// The period's total cost.
    pub total_cost: f64,
    /// `total_cost / conversions per period` (observed conversions for data, else
    /// `period_journeys x conversion_probability`).
    pub cac: Option<f64>,
}

/// A stage's money figures: what its touchpoints cost and what a journey reaching it costs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct StageCost {
    /// The summed costs of the stage's touchpoints that have one (`None` when none has).
    pub cost: Option<f64>,
    /// `cost / journeys per period that reach the stage` (observed reach for data, else exact).
    pub cost_per_reach: Option<f64>,
}

impl Funnel {
    /// Prices the funnel over the period in `period`: the total cost and CAC, and per stage its
    /// touchpoints' cost and the cost per journey reaching it. Touchpoints without a cost get one
    /// note.
    pub fn price(&mut self, period: &PeriodCosts) {
        let priced = &period.priced;
        let j = period.journeys;
        let rate = self
            .observed_conversion_rate
            .unwrap_or(self.conversion_probability);
        self.costs = Some(FunnelCosts {
            cost_input: priced.source().to_owned(),
            currency: priced.currency().map(str::to_owned),
            period_journeys: j,
            total_cost: priced.total_cost(),
            cac: cpa(Some(priced.total_cost()), j * rate),
        });
        for s in &mut self.stages {
            let costs: Vec<f64> = s
                .touchpoints
                .iter()
                .filter_map(|t| priced.cost(t))
                .collect();
            let cost = (!costs.is_empty()).then(|| costs.iter().sum::<f64>());
            let reach = s.observed.map_or(s.exact.reach, |o| o.reach);
            s.costs = Some(StageCost {
                cost,
                cost_per_reach: cpa(cost, j * reach),
            });
        }
        self.warnings.extend(priced.note());
    }

    /// Every touchpoint of the funnel's stages.
    pub fn touchpoints(&self) -> impl Iterator<Item = &str> {
        self.stages
            .iter()
            .flat_map(|s| s.touchpoints.iter().map(String::as_str))
    }
}

/// Exact funnel shares of `chain`, whose channels have stages `stage_of` (of `n_stages`).
pub fn exact_flows(chain: &Chain, stage_of: &[usize], n_stages: usize) -> Result<Vec<StageFlow>> {
    let visits = expected_visits(chain)?;
    let mut flows = vec![StageFlow::default(); n_stages];
    for (s, &visit) in visits.iter().enumerate() {
        let last = *chain.states()[s].last().expect("states are non-empty") as usize;
        let (targets, probs) = chain.row(s as u32);
        for (&t, &p) in targets.iter().zip(probs) {
            if t == chain.conversion() {
                flows[stage_of[last]].convert += visit * p;
            } else if t == chain.null() {
                flows[stage_of[last]].drop_out += visit * p;
            }
        }
    }
    for (stage, flow) in flows.iter_mut().enumerate() {
        let target: Vec<bool> = chain
            .states()
            .iter()
            .map(|w| w.iter().any(|&c| stage_of[c as usize] == stage))
            .collect();
        let h = hitting_probabilities(chain, &target)?;
        flow.reach = chain.entry().iter().map(|&(s, p)| p * h[s as usize]).sum();
        let later: Vec<bool> = chain
            .states()
            .iter()
            .map(|w| w.iter().any(|&c| stage_of[c as usize] >= stage))
            .collect();
        let h = hitting_probabilities(chain, &later)?;
        flow.reach_or_later = chain.entry().iter().map(|&(s, p)| p * h[s as usize]).sum();
    }
    Ok(flows)
}

/// Counts observed funnel shares from path rows.
#[derive(Debug, Clone)]
pub struct ObservedFunnel {
    flows: Vec<StageFlow>,
    journeys: f64,
    conversions: f64,
    reached: Vec<bool>,
    days_to_conversion: Vec<(f64, f64)>,
}

impl ObservedFunnel {
    /// An empty counter for `n_stages` stages.
    pub fn new(n_stages: usize) -> Self {
        ObservedFunnel {
            flows: vec![StageFlow::default(); n_stages],
            journeys: 0.0,
            conversions: 0.0,
            reached: vec![false; n_stages],
            days_to_conversion: Vec::new(),
        }
    }

    /// Adds one row; `stage_of` maps channel ids to stages (ids beyond it are ignored);
    /// `days_to_conversion` is the time from first touch to conversion, when known.
    pub fn observe(
        &mut self,
        row: &PathRow<'_>,
        stage_of: &[usize],
        days_to_conversion: Option<f64>,
    ) {
        let journeys = row.journeys();
        if journeys <= 0.0 || row.touches.is_empty() {
            return;
        }
        self.journeys += journeys;
        self.conversions += row.conversions;
        self.reached.iter_mut().for_each(|r| *r = false);
        for &c in row.touches {
            self.reached[stage_of[c as usize]] = true;
        }
        let last_reached = self.reached.iter().rposition(|&r| r).unwrap_or(0);
        for (stage, (flow, &r)) in self.flows.iter_mut().zip(&self.reached).enumerate() {
            if r {
                flow.reach += journeys;
            }
            if stage <= last_reached {
                flow.reach_or_later += journeys;
            }
        }
        let end = stage_of[*row.touches.last().expect("non-empty") as usize];
        self.flows[end].convert += row.conversions;
        self.flows[end].drop_out += row.nulls;
        if let (Some(d), true) = (days_to_conversion, row.conversions > 0.0) {
            self.days_to_conversion.push((d, row.conversions));
        }
    }

    /// Shares of all journeys, the journeys, the conversion rate and the times to conversion
    /// (when times were given).
    pub fn finish(mut self) -> Observed {
        let total = self.journeys.max(f64::MIN_POSITIVE);
        let flows = self
            .flows
            .iter()
            .map(|f| f.scaled(1.0 / total).finish())
            .collect();
        let (median, mean) = if self.days_to_conversion.is_empty() {
            (None, None)
        } else {
            self.days_to_conversion.sort_by(|a, b| a.0.total_cmp(&b.0));
            let weight: f64 = self.days_to_conversion.iter().map(|d| d.1).sum();
            let mean = self
                .days_to_conversion
                .iter()
                .map(|d| d.0 * d.1)
                .sum::<f64>()
                / weight;
            let mut seen = 0.0;
            let median = self
                .days_to_conversion
                .iter()
                .find(|d| {
                    seen += d.1;
                    seen >= 0.5 * weight
                })
                .map(|d| d.0);
            (median, Some(mean))
        };
        Observed {
            flows,
            journeys: self.journeys,
            conversion_rate: self.conversions / total,
            median_days_to_conversion: median,
            mean_days_to_conversion: mean,
        }
    }
}

/// Funnel figures counted from data.
#[derive(Debug, Clone, PartialEq)]
pub struct Observed {
    /// Per stage, shares of all journeys.
    pub flows: Vec<StageFlow>,
    /// Journeys counted.
    pub journeys: f64,
    /// Conversions / journeys.
    pub conversion_rate: f64,
    /// Weighted median days from first touch to conversion (event logs).
    pub median_days_to_conversion: Option<f64>,
    /// Weighted mean days from first touch to conversion (event logs).
    pub mean_days_to_conversion: Option<f64>,
}

/// Funnel figures computed from a chain or map.
#[derive(Debug, Clone, PartialEq)]
pub struct Exact {
    /// Per stage, shares of all journeys (move on and drop-out rate filled in by [`assemble`]).
    pub flows: Vec<StageFlow>,
    /// P(conversion).
    pub conversion_probability: f64,
    /// Expected days from first touch to conversion of a converting journey (maps, which know
    /// their dwell times).
    pub mean_days_to_conversion: Option<f64>,
}

/// Exact funnel of a chain whose channels have stages `stage_of` (of `n_stages`).
pub fn chain_exact(chain: &Chain, stage_of: &[usize], n_stages: usize) -> Result<Exact> {
    Ok(Exact {
        flows: exact_flows(chain, stage_of, n_stages)?,
        conversion_probability: absorb(chain, None)?.conversion_probability,
        mean_days_to_conversion: None,
    })
}

/// Exact funnel of a journey map: each persona's flows weighted by its share, with the stages
/// `stage_of` (of `n_stages`) of its touchpoints, and the exact mean time to conversion.
///
/// A converting journey's time is the sum of the dwell times of its touches but the last, so
/// `E[T 1(conv)] = sum_s v(s) mu(s) sum_t P(s, t) h(t)` over touchpoints s, t, with `v` the
/// expected visits, `mu` the mean dwell and `h` the conversion probability from t; the mean time
/// to conversion is that over `P(conv)`, both share-weighted over personas.
pub fn map_exact(map: &JourneyMap, stage_of: &[usize], n_stages: usize) -> Result<Exact> {
    let mut total = vec![StageFlow::default(); n_stages];
    let (mut conversion, mut time_converting) = (0.0, 0.0);
    for (p, (share, chain)) in map.persona_chains()?.into_iter().enumerate() {
        for (t, f) in total
            .iter_mut()
            .zip(exact_flows(&chain, stage_of, n_stages)?)
        {
            t.add(&f.scaled(share));
        }
        let [h, _] = absorption_by_state(&chain, None)?;
        let visits = expected_visits(&chain)?;
        let n = chain.n_states();
        for (s, &v) in visits.iter().enumerate() {
            let (targets, probs) = chain.row(s as u32);
            let continue_and_convert: f64 = targets
                .iter()
                .zip(probs)
                .filter(|(t, _)| (**t as usize) < n)
                .map(|(&t, &q)| q * h[t as usize])
                .sum();
            time_converting +=
                share * v * map.personas[p].dwell_hours[s].mean() * continue_and_convert;
        }
        conversion += share
            * chain
                .entry()
                .iter()
                .map(|&(s, q)| q * h[s as usize])
                .sum::<f64>();
    }
    Ok(Exact {
        flows: total,
        conversion_probability: conversion,
        mean_days_to_conversion: (conversion > 0.0).then(|| time_converting / conversion / 24.0),
    })
}

/// Puts a funnel together: stages in order, ranked by drop-out (observed when given); the caller
/// adds the warnings.
pub fn assemble(
    input: &str,
    input_kind: &str,
    stages: &StageMap,
    channels: &ChannelTable,
    stage_of: &[usize],
    exact: Exact,
    observed: Option<Observed>,
) -> Funnel {
    let flows: Vec<StageFlow> = exact.flows.iter().map(|f| f.finish()).collect();
    let exact_flows = &flows;
    let observed_flows = observed.as_ref().map(|o| o.flows.clone());
    let leak = |i: usize| match &observed_flows {
        Some(f) => f[i].drop_out,
        None => exact_flows[i].drop_out,
    };
    let mut order: Vec<usize> = (0..stages.stages.len()).collect();
    order.sort_by(|&a, &b| leak(b).total_cmp(&leak(a)).then(a.cmp(&b)));
    let mut rank = vec![0; order.len()];
    order.iter().enumerate().for_each(|(r, &s)| rank[s] = r + 1);
    let stages_out = stages
        .stages
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let mut touchpoints: Vec<String> = (0..channels.len())
                // A channel beyond `stage_of` was met only on rows without journeys (a reader
                // interns the names of the rows it skips): it is in no stage.
                .filter(|&c| stage_of.get(c) == Some(&i))
                .map(|c| channels.name(c as u32).to_owned())
                .collect();
            touchpoints.sort();
            StageFunnel {
                stage: name.clone(),
                touchpoints,
                exact: exact_flows[i],
                observed: observed_flows.as_ref().map(|f| f[i]),
                leak_rank: rank[i],
                costs: None,
            }
        })
        .collect();
    Funnel {
        input: input.to_owned(),
        input_kind: input_kind.to_owned(),
        conversion_probability: exact.conversion_probability,
        journeys: observed.as_ref().map(|o| o.journeys),
        observed_conversion_rate: observed.as_ref().map(|o| o.conversion_rate),
        median_days_to_conversion: observed.as_ref().and_then(|o| o.median_days_to_conversion),
        mean_days_to_conversion: observed
            .as_ref()
            .and_then(|o| o.mean_days_to_conversion)
            .or(exact.mean_days_to_conversion),
        ranked_by_observed: observed_flows.is_some(),
        stages: stages_out,
        costs: None,
        warnings: Vec::new(),
    }
}

/// The exact funnel of a journey map (`name` in the output), staged by `stages` (read from
/// `stages_source`) or else by the map's own stages.
pub fn map_funnel(
    map: &JourneyMap,
    name: &str,
    stages: Option<(StageMap, &str)>,
) -> Result<Funnel> {
    let channels = map.channels();
    let (stages, stage_of) = match stages {
        Some((stages, source)) => {
            let stage_of = stages.assign(&channels, source)?;
            (stages, stage_of)
        }
        None => {
            let own = map.stage_map();
            let stage_of = own.assign(&channels, name)?;
            (own, stage_of)
        }
    };
    let exact = map_exact(map, &stage_of, stages.stages.len())?;
    Ok(assemble(
        name, "map", &stages, &channels, &stage_of, exact, None,
    ))
}

/// The exact funnel of a chain (a model named `name`), staged by `stages` read from
/// `stages_source`.
pub fn chain_funnel(
    chain: &Chain,
    name: &str,
    stages: &StageMap,
    stages_source: &str,
) -> Result<Funnel> {
    let stage_of = stages.assign(chain.channels(), stages_source)?;
    let exact = chain_exact(chain, &stage_of, stages.stages.len())?;
    Ok(assemble(
        name,
        "model",
        stages,
        chain.channels(),
        &stage_of,
        exact,
        None,
    ))
}

/// The funnel of data (`input_kind` is "paths" or "events"): observed from the journeys of
/// `source`, with the days from first touch to conversion where the source knows times, beside
/// the exact figures of an order-`order` chain fitted in the same pass. Stage touchpoints are
/// interned first, so journeys are staged while streaming; a touchpoint without a stage is an
/// error naming it (`stages_source`).
pub fn data_funnel(
    source: impl PathSource,
    input_kind: &str,
    stages: &StageMap,
    stages_source: &str,
    order: usize,
) -> Result<Funnel> {
    let mut channels = ChannelTable::from_names(stages.touchpoints.keys());
    let stage_of = stages.assign(&channels, stages_source)?;
    let mut fitter = crate::model::Fitter::new(crate::model::FitOptions::order(order))?;
    let mut observed = ObservedFunnel::new(stages.stages.len());
    let mut unstaged = false;
    let name = source.name().to_owned();
    let (_, warnings) = Canonical::new(source).read(&mut channels, &mut |row| {
        let path = &row.path;
        fitter.observe(path);
        if path.touches.iter().any(|&c| c as usize >= stage_of.len()) {
            unstaged = true;
        } else {
            // The first touch's age at the journey's end is the time it took to convert.
            let days = row
                .ages_days
                .filter(|_| path.conversions > 0.0)
                .map(|ages| ages[0]);
            observed.observe(path, &stage_of, days);
        }
    })?;
    if unstaged {
        // Names the touchpoints without a stage.
        stages.assign(&channels, stages_source)?;
    }
    if observed.journeys <= 0.0 {
        // Without a journey there are no shares to give: every figure would be 0/0.
        return Err(Error::input(
            Location::file(&name),
            "no journeys to make a funnel of: every row has zero conversions and zero nulls, or no \
             touch",
        ));
    }
    let chain = fitter.finish_named(channels, &name)?;
    let exact = chain_exact(&chain, &stage_of, stages.stages.len())?;
    let mut funnel = assemble(
        &name,
        input_kind,
        stages,
        chain.channels(),
        &stage_of,
        exact,
        Some(observed.finish()),
    );
    funnel.warnings = warnings;
    Ok(funnel)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed_two_stage_funnel() {
        // a (stage A) -> b (stage B) 0.5, a -> null 0.5; b -> conversion 0.4, a 0.2, null 0.4.
        // h_B(a) = 0.5 + ... : from a, reach b w.p. 0.5 (b can only be reached from a).
        // Visits: v_a = 1 + 0.2 v_b, v_b = 0.5 v_a -> v_a = 1/0.9, v_b = 0.5/0.9.
        let text = r#"{"stages": ["A", "B"], "touchpoints": [
            {"name": "a", "stage": "A", "entry": 1, "transitions": {"b": 0.5, "null": 0.5},
             "dwell_hours": {"distribution": "constant", "value": 1}},
            {"name": "b", "stage": "B", "transitions": {"conversion": 0.4, "a": 0.2, "null": 0.4},
             "dwell_hours": {"distribution": "constant", "value": 1}}],
            "value": {"distribution": "constant", "value": 1}}"#;
        let map = crate::journey_map::tests::parse(text, "m.json").unwrap();
        let exact = map_exact(&map, &[0, 1], 2).unwrap();
        let (p, flows): (f64, Vec<StageFlow>) = (
            exact.conversion_probability,
            exact.flows.iter().map(|f| f.finish()).collect(),
        );
        // Dwell 1 hour at every touch: a converting journey has spent 1 h per touch but the
        // last. E[T 1(conv)] = sum_s v(s) * 1 h * sum_t P(s, t) h(t).
        let h_a = 0.5 * 0.4 / (1.0 - 0.5 * 0.2);
        let h_b = 0.4 + 0.2 * h_a;
        let v = [1.0 / 0.9, 0.5 / 0.9];
        let t = v[0] * 0.5 * h_b + v[1] * 0.2 * h_a;
        let mean = exact.mean_days_to_conversion.unwrap();
        assert!((mean - t / p / 24.0).abs() < 1e-12, "{mean}");
        let (va, vb) = (1.0 / 0.9, 0.5 / 0.9);
        let close = |x: f64, y: f64| assert!((x - y).abs() < 1e-12, "{x} vs {y}");
        close(p, 0.4 * vb);
        close(flows[0].reach, 1.0);
        close(flows[0].drop_out, 0.5 * va);
        close(flows[0].convert, 0.0);
        close(flows[1].reach, 0.5);
        close(flows[1].convert, 0.4 * vb);
        close(flows[1].drop_out, 0.4 * vb);
        close(flows[1].move_on, 0.5 - 0.8 * vb);
        // Every journey ends in exactly one stage.
        close(flows.iter().map(|f| f.convert + f.drop_out).sum(), 1.0);
    }

    /// Stages that are not nested: 40% of journeys enter at the later stage. Reach rises from A
    /// to B (0.6 then 0.7) while "reached A or later" is every journey and never rises.
    #[test]
    fn reach_or_later_is_monotone_when_stages_are_skipped() {
        // a: entry 0.6, -> b 0.5, null 0.5; b: entry 0.4, -> conversion 0.5, null 0.5.
        // reach(A) = 0.6; reach(B) = 0.4 + 0.6 * 0.5 = 0.7; reach_or_later(A) = 1, (B) = 0.7.
        let text = r#"{"stages": ["A", "B"], "touchpoints": [
            {"name": "a", "stage": "A", "entry": 0.6, "transitions": {"b": 0.5, "null": 0.5},
             "dwell_hours": {"distribution": "constant", "value": 1}},
            {"name": "b", "stage": "B", "entry": 0.4, "transitions": {"conversion": 0.5, "null": 0.5},
             "dwell_hours": {"distribution": "constant", "value": 1}}],
            "value": {"distribution": "constant", "value": 1}}"#;
        let map = crate::journey_map::tests::parse(text, "m.json").unwrap();
        let flows = map_exact(&map, &[0, 1], 2).unwrap().flows;
        let close = |x: f64, y: f64| assert!((x - y).abs() < 1e-12, "{x} vs {y}");
        close(flows[0].reach, 0.6);
        close(flows[1].reach, 0.7);
        close(flows[0].reach_or_later, 1.0);
        close(flows[1].reach_or_later, 0.7);
        // Counted from data: journeys "a" (2), "b" (3), "a > b" (5), "b > a" (1) of 11.
        // reach(A) = 8/11, reach(B) = 9/11; A or later = 11/11, B or later = 9/11.
        let rows = [
            (&["a"][..], 0.0, 0.0, 2.0),
            (&["b"][..], 1.0, 0.0, 2.0),
            (&["a", "b"][..], 2.0, 0.0, 3.0),
            (&["b", "a"][..], 0.0, 0.0, 1.0),
        ];
        let funnel = data_funnel(
            crate::journey::MemoryPaths::new("p.csv", &rows),
            "paths",
            &two_stages(),
            "stages.json",
            1,
        )
        .unwrap();
        let observed: Vec<StageFlow> = funnel.stages.iter().map(|s| s.observed.unwrap()).collect();
        close(observed[0].reach, 8.0 / 11.0);
        close(observed[1].reach, 9.0 / 11.0);
        close(observed[0].reach_or_later, 1.0);
        close(observed[1].reach_or_later, 9.0 / 11.0);
        for s in &funnel.stages {
            assert!(s.exact.reach_or_later >= s.exact.reach - 1e-12);
        }
    }

    fn two_stages() -> StageMap {
        StageMap {
            stages: vec!["A".into(), "B".into()],
            touchpoints: [("a", "A"), ("b", "B")]
                .into_iter()
                .map(|(t, s)| (t.to_owned(), s.to_owned()))
                .collect(),
        }
    }

    /// Data whose every row has zero conversions and zero nulls hold no journey: the funnel is
    /// an input error naming the data (exit 2), not a panic or a table of 0/0.
    #[test]
    fn data_without_journeys_is_an_input_error_naming_it() {
        let rows = [
            (&["a", "b"][..], 0.0, 0.0, 0.0),
            (&["b"][..], 0.0, 0.0, 0.0),
        ];
        let err = data_funnel(
            crate::journey::MemoryPaths::new("zero.csv", &rows),
            "paths",
            &two_stages(),
            "stages.json",
            1,
        )
        .unwrap_err();
        assert_eq!(err.exit_code(), 2);
        let text = err.to_string();
        assert!(text.contains("zero.csv"), "{text}");
        assert!(text.contains("no journeys"), "{text}");
    }

    /// A channel met only on rows without journeys has no stage and no flow: it is left out
    /// of the stage lists (it used to index past the stage list and panic).
    #[test]
    fn channels_without_a_stage_from_skipped_rows_are_left_out() {
        let rows = [(&["a", "b"][..], 1.0, 1.0, 1.0)];
        let stages = two_stages();
        let chain = crate::model::fit_paths(
            crate::journey::MemoryPaths::new("p.csv", &rows),
            crate::model::FitOptions::order(1),
            |_| {},
        )
        .unwrap()
        .chain;
        let stage_of = [0, 1];
        let exact = chain_exact(&chain, &stage_of, 2).unwrap();
        let mut channels = chain.channels().clone();
        channels.intern("zzz");
        let funnel = assemble("p.csv", "paths", &stages, &channels, &stage_of, exact, None);
        assert_eq!(funnel.stages[0].touchpoints, ["a"]);
        assert_eq!(funnel.stages[1].touchpoints, ["b"]);
    }

    #[test]
    fn data_with_journeys_still_gives_a_funnel() {
        let rows = [
            (&["a", "b"][..], 1.0, 1.0, 1.0),
            (&["b"][..], 0.0, 0.0, 0.0),
        ];
        let funnel = data_funnel(
            crate::journey::MemoryPaths::new("p.csv", &rows),
            "paths",
            &two_stages(),
            "stages.json",
            1,
        )
        .unwrap();
        assert_eq!(funnel.journeys, Some(2.0));
    }
}
