//! The result of `journeysim simulate`: simulated figures with 95% intervals beside the exact
//! ones. Serialised field names are a contract (issue 3).

use serde::Serialize;

use super::tally::Tally;
use crate::attribution::removal::{RemovalEffects, share};
use crate::cost::{ChannelCost, Efficiency, MARKOV, PeriodCosts, cpa, roas};
use crate::model::Chain;
use crate::stats::{mean_interval, ratio_interval, wilson_interval};

/// Everything `journeysim simulate` reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Simulation {
    /// The input's name (paths file or model file).
    pub input: String,
    /// Model order k.
    pub order: usize,
    /// Transient states of the chain.
    pub states: usize,
    /// The seed (the default one when none was given), so the run can be repeated.
    pub seed: u64,
    /// Journeys walked.
    pub journeys: u64,
    /// Journeys per batch (each batch has its own random stream).
    pub batch_size: u64,
    /// The cap on states visited per journey.
    pub max_steps: u32,
    /// The requested half-width of the conversion rate's interval, in `--precision` runs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub precision: Option<f64>,
    /// Journeys cut off by `max_steps`: neither conversions nor non-conversions.
    pub truncated: u64,
    /// Journeys that converted.
    pub conversions: u64,
    /// conversions / journeys (truncated journeys count as not converted here).
    pub conversion_rate: f64,
    /// Wilson 95% interval; its upper end counts truncated journeys as converted, so it covers
    /// whatever they would have done.
    pub conversion_rate_ci: [f64; 2],
    /// Mean conversion value per journey.
    pub value_per_journey: f64,
    /// Normal 95% interval of the value per journey.
    pub value_per_journey_ci: [f64; 2],
    /// Total simulated conversion value.
    pub total_value: f64,
    /// Journey length in touches.
    pub path_length: PathLength,
    /// Days from the first touch to the conversion of converting journeys (with dwell times).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_to_conversion: Option<TimeToConversion>,
    /// The share of all journeys that convert within each horizon (with dwell times).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub conversions_within: Vec<ConversionsWithin>,
    /// One entry per channel, sorted by name.
    pub channels: Vec<ChannelSimulation>,
    /// The analytical figures of the same chain.
    pub exact: ExactAbsorption,
    /// The money figures of the costed period (with costs, see [`Simulation::price`]).
    #[serde(flatten)]
    pub costs: Option<SimulationCosts>,
    /// Things the user should know (truncation, precision not reached).
    pub warnings: Vec<String>,
}

/// Path-length statistics of the simulated journeys (touches, truncated journeys included at
/// their cut-off length).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PathLength {
    /// Mean touches per journey.
    pub mean: f64,
    /// Median.
    pub p50: u64,
    /// 90th percentile.
    pub p90: u64,
    /// Longest journey.
    pub max: u64,
}

/// Days from the first touch to the conversion of the simulated converting journeys.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TimeToConversion {
    /// Mean days.
    pub mean: f64,
    /// Normal 95% interval of the mean.
    pub mean_ci: [f64; 2],
    /// Median days (the longest time in its histogram bin: at most 0.4% above the sample's).
    pub p50: f64,
    /// 90th percentile, likewise.
    pub p90: f64,
}

/// The share of all journeys that convert within `days` of their first touch.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ConversionsWithin {
    /// The horizon in days.
    pub days: f64,
    /// Converting journeys whose time is at most `days`, over all journeys.
    pub share: f64,
    /// Wilson 95% interval; its upper end counts truncated walks as converting in time.
    pub share_ci: [f64; 2],
}

/// The time figures of a tally: `None` and an empty list when it timed nothing, an empty
/// `time_to_conversion` when no timed journey converted.
pub fn time_figures(
    tally: &Tally,
    horizons: &[f64],
) -> (Option<TimeToConversion>, Vec<ConversionsWithin>) {
    let n = tally.journeys as f64;
    let time = tally.time.as_deref();
    let within = horizons
        .iter()
        .enumerate()
        .map(|(i, &days)| {
            let count = time.map_or(0, |t| t.within[i]) as f64;
            ConversionsWithin {
                days,
                share: count / n.max(1.0),
                share_ci: [
                    wilson_interval(count, n)[0],
                    wilson_interval(count + tally.truncated as f64, n)[1],
                ],
            }
        })
        .collect();
    let figures = time.filter(|t| t.journeys > 0).map(|t| {
        let (mean, mean_ci) = mean_interval(t.sum, t.sum_sq, t.journeys);
        TimeToConversion {
            mean,
            mean_ci,
            p50: t.quantile(0.5).unwrap_or(0.0),
            p90: t.quantile(0.9).unwrap_or(0.0),
        }
    });
    (figures, within)
}

/// One channel's simulated figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChannelSimulation {
    /// Channel name.
    pub channel: String,
    /// Share of journeys that visit a state containing the channel.
    pub visit_rate: f64,
    /// Share of converting journeys that visit it: the removal effect (see [`super`]).
    pub removal_effect: f64,
    /// Wilson 95% interval of the removal effect.
    pub removal_effect_ci: [f64; 2],
    /// Simulated conversions credited in proportion to the removal effects.
    pub markov_conversions: f64,
    /// Share of conversion value from journeys that visit it: the value removal effect.
    pub removal_effect_value: f64,
    /// Delta-method 95% interval of the value removal effect.
    pub removal_effect_value_ci: [f64; 2],
    /// Simulated value credited in proportion to the value removal effects.
    pub markov_value: f64,
    /// The exact removal effect, for comparison.
    pub exact_removal_effect: f64,
    /// The channel's cost, and its CPA and ROAS from the simulated credits over the period
    /// (with costs).
    #[serde(flatten)]
    pub costs: Option<ChannelCost>,
}

/// A simulation's money figures: its per-journey figures taken over the period's journeys.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SimulationCosts {
    /// The costs file.
    pub cost_input: String,
    /// The currency label, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// Journeys in the period the costs cover.
    pub period_journeys: f64,
    /// The period's total cost.
    pub total_cost: f64,
    /// `total_cost / (period_journeys x conversion_rate)`, simulated.
    pub cac: Option<f64>,
    /// Its 95% interval, from the conversion rate's (`None` for an unbounded end).
    pub cac_ci: [Option<f64>; 2],
    /// `period_journeys x value_per_journey / total_cost`, simulated.
    pub roas: Option<f64>,
    /// Its 95% interval, from the value per journey's.
    pub roas_ci: [Option<f64>; 2],
    /// The CAC of the exact conversion probability.
    pub exact_cac: Option<f64>,
    /// The ROAS of the exact value per journey.
    pub exact_roas: Option<f64>,
}

impl Simulation {
    /// Prices the run over the period in `period`: the total cost, CAC and ROAS (simulated with
    /// intervals, and exact), and per channel its cost, and CPA and ROAS of its simulated Markov
    /// credits taken over the period (`credit x period_journeys / journeys`). Channels without
    /// a cost get one note.
    pub fn price(&mut self, period: &PeriodCosts) {
        let priced = &period.priced;
        let j = period.journeys;
        let cost = priced.total_cost();
        let per_period = j / self.journeys.max(1) as f64;
        let [rate_lo, rate_hi] = self.conversion_rate_ci;
        let [value_lo, value_hi] = self.value_per_journey_ci;
        self.costs = Some(SimulationCosts {
            cost_input: priced.source().to_owned(),
            currency: priced.currency().map(str::to_owned),
            period_journeys: j,
            total_cost: cost,
            cac: cpa(Some(cost), j * self.conversion_rate),
            cac_ci: [cpa(Some(cost), j * rate_hi), cpa(Some(cost), j * rate_lo)],
            roas: roas(Some(cost), j * self.value_per_journey),
            roas_ci: [
                roas(Some(cost), j * value_lo),
                roas(Some(cost), j * value_hi),
            ],
            exact_cac: cpa(Some(cost), j * self.exact.conversion_probability),
            exact_roas: roas(Some(cost), j * self.exact.value_per_journey),
        });
        for c in &mut self.channels {
            let channel_cost = priced.cost(&c.channel);
            c.costs = Some(ChannelCost {
                cost: channel_cost,
                methods: vec![Efficiency {
                    method: MARKOV.into(),
                    cpa: cpa(channel_cost, c.markov_conversions * per_period),
                    roas: roas(channel_cost, c.markov_value * per_period),
                }],
                intervals: None,
            });
        }
        self.warnings.extend(priced.note());
    }
}

/// Exact absorption figures of the chain.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ExactAbsorption {
    /// P(conversion) of a journey.
    pub conversion_probability: f64,
    /// Expected conversion value of a journey.
    pub value_per_journey: f64,
    /// Expected days from the first touch to the conversion of a converting journey (with
    /// dwell times; see [`super::timing`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mean_time_to_conversion: Option<f64>,
}

/// How a run was set up, as reported.
#[derive(Debug, Clone, PartialEq)]
pub struct RunInfo {
    /// The input's name.
    pub input: String,
    /// The seed.
    pub seed: u64,
    /// The step cap.
    pub max_steps: u32,
    /// The precision target, if any.
    pub precision: Option<f64>,
}

/// Turns a tally into the reported figures, beside the exact ones in `exact`.
pub fn summarise(
    chain: &Chain,
    tally: &Tally,
    exact: &RemovalEffects,
    run: &RunInfo,
) -> Simulation {
    let n = tally.journeys;
    let nf = n.max(1) as f64;
    let conversions = tally.conversions as f64;
    let low = wilson_interval(conversions, n as f64)[0];
    let high = wilson_interval(conversions + tally.truncated as f64, n as f64)[1];
    let (value_per_journey, value_ci) = mean_interval(tally.value, tally.value_sq, n);

    let effects: Vec<(f64, [f64; 2])> = (0..chain.channels().len())
        .map(|c| {
            let visits = tally.converting_visits[c] as f64;
            let ci = wilson_interval(visits, conversions);
            (
                if conversions > 0.0 {
                    visits / conversions
                } else {
                    0.0
                },
                ci,
            )
        })
        .collect();
    let value_effects: Vec<(f64, [f64; 2])> = (0..chain.channels().len())
        .map(|c| {
            ratio_interval(
                tally.converting_value[c],
                tally.converting_value_sq[c],
                tally.value,
                tally.value_sq,
            )
        })
        .collect();
    let credits = share(effects.iter().map(|e| e.0), conversions);
    let value_credits = share(value_effects.iter().map(|e| e.0), tally.value);
    let channels = chain
        .channels()
        .sorted_ids()
        .into_iter()
        .map(|c| {
            let i = c as usize;
            ChannelSimulation {
                channel: chain.channels().name(c).to_owned(),
                visit_rate: tally.visits[i] as f64 / nf,
                removal_effect: effects[i].0,
                removal_effect_ci: effects[i].1,
                markov_conversions: credits[i],
                removal_effect_value: value_effects[i].0,
                removal_effect_value_ci: value_effects[i].1,
                markov_value: value_credits[i],
                exact_removal_effect: exact.effects[i].conversions,
                costs: None,
            }
        })
        .collect();

    let touches = &tally.touches;
    let total_touches: f64 = touches.iter().map(|(l, c)| l as f64 * c as f64).sum();
    let path_length = PathLength {
        mean: total_touches / nf,
        p50: touches.quantile(0.5),
        p90: touches.quantile(0.9),
        max: touches.max(),
    };

    let mut warnings = Vec::new();
    if tally.truncated > 0 {
        let share = tally.truncated as f64 / nf;
        let share = if share < 1e-4 {
            "under 0.01%".to_owned()
        } else {
            format!("{:.2}%", share * 100.0)
        };
        warnings.push(format!(
            "{} of {n} journeys ({share}) were still walking after {} states (`max_steps`); they \
             count as neither conversions nor non-conversions: conversion_rate counts them as not \
             converted and the upper end of its interval as converted",
            tally.truncated, run.max_steps
        ));
    }
    if let Some(p) = run.precision {
        let half = (high - low) / 2.0;
        if half > p {
            warnings.push(format!(
                "`precision` {p} was not reached after {n} journeys (half-width {half:.3e}); \
                 raise `max_journeys` to allow more"
            ));
        }
    }
    if tally.conversions == 0 {
        warnings.push("no simulated journey converted: removal effects are 0".into());
    }

    Simulation {
        input: run.input.clone(),
        order: chain.order(),
        states: chain.n_states(),
        seed: run.seed,
        journeys: n,
        batch_size: super::batch::BATCH_SIZE,
        max_steps: run.max_steps,
        precision: run.precision,
        truncated: tally.truncated,
        conversions: tally.conversions,
        conversion_rate: conversions / nf,
        conversion_rate_ci: [low, high],
        value_per_journey,
        value_per_journey_ci: value_ci,
        total_value: tally.value,
        path_length,
        time_to_conversion: None,
        conversions_within: Vec::new(),
        channels,
        exact: ExactAbsorption {
            conversion_probability: exact.base.conversion_probability,
            value_per_journey: exact.base.value_per_journey,
            mean_time_to_conversion: None,
        },
        costs: None,
        warnings,
    }
}
