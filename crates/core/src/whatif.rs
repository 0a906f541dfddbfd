//! What-if: each scenario's changed chain beside the baseline, exact and simulated, with the
//! difference estimated by paired simulation.
//!
//! For every scenario the baseline and the changed chain are walked together
//! ([`crate::simulate::simulate_paired`]): journey `j` of the baseline is the journey a plain
//! simulation would walk, and every step of the scenario's journey is maximally coupled to it
//! (`simulate/coupling.rs`), so the two part only as often as the change requires, and
//! journeys the change does not touch end the same way and add nothing to the variance of the
//! difference. Its interval is therefore far tighter than the one two independent runs would
//! give; `unpaired_conversions_ci` reports the latter for comparison (the normal interval of the
//! difference of two independent proportions over the same number of journeys). The same seed
//! gives every scenario the same baseline journeys.
//!
//! Exact figures (absorption probabilities and removal effects of both chains) sit beside the
//! simulated ones, and scenarios are ranked by the exact change in conversions, which carries no
//! simulation noise. A journey map's personas are handled as strata ([`what_if_population`]).
//!
//! ```
//! use journeysim_core::journey::MemoryPaths;
//! use journeysim_core::model::{FitOptions, fit_paths};
//! use journeysim_core::scenario::{Change, RemoveMode, Scenario};
//! use journeysim_core::simulate::SimulateOptions;
//! use journeysim_core::whatif::{ScenarioFile, what_if};
//!
//! // Half the journeys start at a (converting 3 in 5), half at b (1 in 5). Dropping a (its
//! // journeys end without converting) leaves b's 1 in 10 of all journeys: exactly -0.3.
//! let rows = [(&["a"][..], 3.0, 0.0, 2.0), (&["b"][..], 1.0, 0.0, 4.0)];
//! let chain = fit_paths(MemoryPaths::new("example", &rows), FitOptions::order(1), |_| {})?.chain;
//! let drop_a = Scenario {
//!     name: "drop a".into(),
//!     description: String::new(),
//!     changes: vec![Change::RemoveTouchpoint { touchpoint: "a".into(), mode: RemoveMode::Drop }],
//! };
//! let scenarios = [ScenarioFile { scenario: drop_a, file: "drop_a.json".into() }];
//! let result = what_if(&chain, "example", &scenarios, &SimulateOptions::journeys(20_000), &|_, _, _| {})?;
//! let outcome = &result.scenarios[0];
//! let change = outcome.scenario.conversion_probability - outcome.baseline.conversion_probability;
//! assert!((change + 0.3).abs() < 1e-12);
//! # Ok::<(), journeysim_core::Error>(())
//! ```
use serde::Serialize;

use rand::Rng;

use crate::attribution::removal::{RemovalEffects, mixture_removal_effects, share};
use crate::budget::period::{ArmChain, PeriodModel, Volume};
use crate::budget::plan::Plan;
use crate::budget::{ASSUMPTION, period_of_arms};
use crate::cost::{Period, PeriodCosts, cpa, roas};
use crate::error::{Error, Result, clip, clip_list};
use crate::model::Chain;
use crate::scenario::{Change, Scenario, apply_scenario, refuse_spend};
use crate::simulate::{
    ConversionsWithin, ExactTime, PairedTally, Sampler, SimulateOptions, Stop, Tally,
    TimeToConversion, Times, Timing, simulate_paired, time_figures,
};
use crate::solve::absorb;
use crate::stats::{Z95, mean_interval, wilson_interval};
use crate::suggest::did_you_mean;

/// Everything `journeysim whatif` reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WhatIf {
    /// The baseline's input (paths or model file).
    pub input: String,
    /// Model order k.
    pub order: usize,
    /// The seed of every stream.
    pub seed: u64,
    /// Journeys walked through each chain, per scenario.
    pub journeys: u64,
    /// The costs file (with costs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost_input: Option<String>,
    /// The currency label (of the costs or the budget plan, when given).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// One entry per scenario, ranked by the exact change in conversions (largest gain first).
    pub scenarios: Vec<ScenarioOutcome>,
    /// With a budget plan: what its figures per period rest on.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub assumptions: Vec<String>,
    /// Things the user should know (truncated walks).
    pub warnings: Vec<String>,
}

/// One scenario against the baseline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScenarioOutcome {
    /// The scenario's name.
    pub name: String,
    /// What it stands for.
    pub description: String,
    /// The file it came from.
    pub file: String,
    /// The baseline chain.
    pub baseline: Arm,
    /// The changed chain.
    pub scenario: Arm,
    /// Scenario minus baseline.
    pub difference: Difference,
    /// Removal-effect attribution in both chains, one entry per channel sorted by name.
    pub channels: Vec<ChannelChange>,
}

/// One chain's figures: exact, then simulated with 95% intervals.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Arm {
    /// Exact P(conversion) of a journey.
    pub conversion_probability: f64,
    /// Exact expected conversion value of a journey.
    pub value_per_journey: f64,
    /// Exact expected conversions in `journeys` journeys.
    pub expected_conversions: f64,
    /// Exact expected value in `journeys` journeys.
    pub expected_value: f64,
    /// Simulated conversions / journeys.
    pub conversion_rate: f64,
    /// Wilson 95% interval of the rate (its upper end counts truncated walks as conversions).
    pub conversion_rate_ci: [f64; 2],
    /// Simulated conversions.
    pub conversions: u64,
    /// 95% interval of the conversions (the rate's interval times the journeys).
    pub conversions_ci: [f64; 2],
    /// Simulated total value.
    pub value: f64,
    /// 95% interval of the total value.
    pub value_ci: [f64; 2],
    /// Simulated value per journey.
    pub simulated_value_per_journey: f64,
    /// Its normal 95% interval.
    pub simulated_value_per_journey_ci: [f64; 2],
    /// Walks cut off by `--max-steps`.
    pub truncated: u64,
    /// Exact expected days from the first touch to the conversion of a converting journey
    /// (with dwell times).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mean_time_to_conversion: Option<f64>,
    /// Simulated days from the first touch to the conversion (with dwell times).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_to_conversion: Option<TimeToConversion>,
    /// The simulated share of journeys converting within each horizon (with dwell times).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub conversions_within: Vec<ConversionsWithin>,
    /// Exact figures per period of the data (with costs, or with a budget plan at this arm's
    /// spends): journeys, conversions, value, cost, CAC and ROAS.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<Period>,
}

/// Scenario minus baseline over the same journeys.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Difference {
    /// Simulated change in conversions (paired).
    pub conversions: f64,
    /// Its 95% interval from the paired per-journey differences.
    pub conversions_ci: [f64; 2],
    /// The interval two independent runs of the same size would give, for comparison.
    pub unpaired_conversions_ci: [f64; 2],
    /// Simulated change in total value (paired).
    pub value: f64,
    /// Its 95% interval.
    pub value_ci: [f64; 2],
    /// Exact change in expected conversions over the same journeys.
    pub expected_conversions: f64,
    /// Exact change in expected value.
    pub expected_value: f64,
    /// Exact change in P(conversion).
    pub conversion_probability: f64,
    /// Exact relative change in P(conversion) (0.05 = +5%); 0 when the baseline never converts.
    pub relative_conversion_probability: f64,
    /// Exact change in the mean days to conversion (with dwell times, when both arm convert).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mean_time_to_conversion: Option<f64>,
    /// Scenario minus baseline of the period's figures (with costs or a budget plan).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<Period>,
}

/// What [`what_if_exact`] reports: `whatif`'s exact figures alone, under the same names.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExactWhatIf {
    /// The baseline's input.
    pub input: String,
    /// Model order k.
    pub order: usize,
    /// The journeys the expected counts are over.
    pub journeys: u64,
    /// The budget plan's currency label, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// One entry per scenario, ranked by the exact change in conversions (largest gain first).
    pub scenarios: Vec<ExactOutcome>,
    /// With a budget plan: what its figures per period rest on.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub assumptions: Vec<String>,
    /// Changes that changed nothing, though asked, and why.
    pub warnings: Vec<String>,
}

/// One scenario's exact figures against the baseline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExactOutcome {
    /// The scenario's name.
    pub name: String,
    /// What it stands for.
    pub description: String,
    /// Where it came from.
    pub file: String,
    /// The baseline chain.
    pub baseline: ExactArm,
    /// The changed chain.
    pub scenario: ExactArm,
    /// Scenario minus baseline.
    pub difference: ExactDifference,
    /// Removal-effect attribution in both chains, one entry per channel sorted by name.
    pub channels: Vec<ChannelChange>,
}

/// One chain's exact figures (the exact fields of [`Arm`]).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ExactArm {
    /// P(conversion) of a journey.
    pub conversion_probability: f64,
    /// Expected conversion value of a journey.
    pub value_per_journey: f64,
    /// Expected conversions in `journeys` journeys.
    pub expected_conversions: f64,
    /// Expected value in `journeys` journeys.
    pub expected_value: f64,
    /// Expected days from the first touch to the conversion of a converting journey (with
    /// dwell times).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mean_time_to_conversion: Option<f64>,
    /// Figures per period (with a budget plan).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<Period>,
}

/// Scenario minus baseline, exactly (the exact fields of [`Difference`]).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ExactDifference {
    /// Change in expected conversions over `journeys` journeys.
    pub expected_conversions: f64,
    /// Change in expected value.
    pub expected_value: f64,
    /// Change in P(conversion).
    pub conversion_probability: f64,
    /// Relative change in P(conversion) (0.05 = +5%); 0 when the baseline never converts.
    pub relative_conversion_probability: f64,
    /// Change in the mean days to conversion (with dwell times, when both arms convert).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mean_time_to_conversion: Option<f64>,
    /// Change in the period's figures (with a budget plan).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<Period>,
}

/// One channel's exact removal-effect attribution in both chains. A touchpoint that exists in
/// only one of them has zeros in the other.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChannelChange {
    /// Channel name.
    pub channel: String,
    /// Removal effect in the baseline.
    pub baseline_removal_effect: f64,
    /// Removal effect under the scenario.
    pub scenario_removal_effect: f64,
    /// Baseline expected conversions credited by normalised removal effects.
    pub baseline_markov_conversions: f64,
    /// The same under the scenario.
    pub scenario_markov_conversions: f64,
    /// Baseline expected value credited by normalised value removal effects.
    pub baseline_markov_value: f64,
    /// The same under the scenario.
    pub scenario_markov_value: f64,
    /// The channel's cost and its exact CPA and ROAS per period in both chains (with costs).
    #[serde(flatten)]
    pub costs: Option<ChannelChangeCost>,
}

/// A channel's cost, and the CPA and ROAS of its exact Markov credits over the period in the
/// baseline and under the scenario. Scenarios change behaviour, not spend, so the cost is the
/// same in both, except that a touchpoint the scenario removes costs nothing under it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChannelChangeCost {
    /// The channel's cost, `None` when the costs file has none (or the scenario added it).
    pub cost: Option<f64>,
    /// Its cost under the scenario: 0 when the scenario removes it, else `cost`.
    pub scenario_cost: Option<f64>,
    /// `cost / baseline credited conversions per period`.
    pub baseline_cpa: Option<f64>,
    /// `cost / credited conversions per period under the scenario`.
    pub scenario_cpa: Option<f64>,
    /// `baseline credited value per period / cost`.
    pub baseline_roas: Option<f64>,
    /// `credited value per period under the scenario / cost`.
    pub scenario_roas: Option<f64>,
}

impl WhatIf {
    /// Prices every scenario over the period in `period`: each arm's exact journeys,
    /// conversions, value, cost, CAC and ROAS per period (and their differences), and each
    /// channel's cost with the CPA and ROAS of its exact credits taken over the period
    /// (`credit x period_journeys / journeys`). A touchpoint a scenario removes
    /// (`remove_touchpoint`) costs nothing under it; no other change moves money. `scenarios`
    /// are the files the outcomes came from. Channels of the data without a cost get one note.
    pub fn price(&mut self, period: &PeriodCosts, scenarios: &[ScenarioFile]) {
        let priced = &period.priced;
        let per_period = period.journeys / self.journeys.max(1) as f64;
        self.cost_input = Some(priced.source().to_owned());
        self.currency = priced.currency().map(str::to_owned);
        for s in &mut self.scenarios {
            let mut removed: Vec<&str> = scenarios
                .iter()
                .filter(|f| f.file == s.file && f.scenario.name == s.name)
                .flat_map(|f| &f.scenario.changes)
                .filter_map(|c| match c {
                    Change::RemoveTouchpoint { touchpoint, .. } => Some(touchpoint.as_str()),
                    _ => None,
                })
                .collect();
            removed.sort_unstable();
            removed.dedup();
            let scenario_cost = |channel: &str| {
                if removed.contains(&channel) {
                    priced.cost(channel).map(|_| 0.0)
                } else {
                    priced.cost(channel)
                }
            };
            let saved: f64 = removed.iter().filter_map(|c| priced.cost(c)).sum::<f64>();
            let total = priced.total_cost();
            let base = period.period(
                s.baseline.conversion_probability,
                s.baseline.value_per_journey,
                total,
            );
            let alt = period.period(
                s.scenario.conversion_probability,
                s.scenario.value_per_journey,
                (total - saved).max(0.0),
            );
            s.difference.period = Some(alt.minus(&base));
            s.baseline.period = Some(base);
            s.scenario.period = Some(alt);
            for c in &mut s.channels {
                let cost = priced.cost(&c.channel);
                let alt_cost = scenario_cost(&c.channel);
                c.costs = Some(ChannelChangeCost {
                    cost,
                    scenario_cost: alt_cost,
                    baseline_cpa: cpa(cost, c.baseline_markov_conversions * per_period),
                    scenario_cpa: cpa(alt_cost, c.scenario_markov_conversions * per_period),
                    baseline_roas: roas(cost, c.baseline_markov_value * per_period),
                    scenario_roas: roas(alt_cost, c.scenario_markov_value * per_period),
                });
            }
        }
        self.warnings.extend(priced.note());
    }
}

/// A scenario and the name of the file it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioFile {
    /// The parsed scenario.
    pub scenario: Scenario,
    /// Its file name, for messages and output.
    pub file: String,
}

/// Runs every scenario against one chain. `progress(scenario, done, max)` follows the walks.
pub fn what_if(
    chain: &Chain,
    input: &str,
    scenarios: &[ScenarioFile],
    options: &SimulateOptions,
    progress: &dyn Fn(usize, u64, u64),
) -> Result<WhatIf> {
    what_if_population(&[(1.0, chain)], input, scenarios, options, progress)
}

/// Runs every scenario against a population of chains with shares (the personas of a journey
/// map; one chain is a population of one). Each scenario is applied to every component. The
/// journeys are stratified: component `i` gets `N x share_i` of them (largest remainders), its
/// own stream seed, and its own paired run; the strata's counts and differences add up, and so
/// do their variances. Proportional stratification is never less precise than drawing each
/// journey's component at random.
pub fn what_if_population(
    baseline: &[(f64, &Chain)],
    input: &str,
    scenarios: &[ScenarioFile],
    options: &SimulateOptions,
    progress: &dyn Fn(usize, u64, u64),
) -> Result<WhatIf> {
    what_if_budget(baseline, input, scenarios, None, None, options, progress)
}

/// A budget plan for [`what_if_budget`] and where the journeys per period come from.
#[derive(Debug, Clone, Copy)]
pub struct Budget<'a> {
    /// The plan.
    pub plan: &'a Plan,
    /// The data's or model's own journeys per period, if known.
    pub volume: Volume,
}

/// [`what_if_population`] with an optional budget plan: scenarios may then change spends
/// (`scale_spend`, `set_spend`, `shift_spend`, applied by the plan's response curves before the
/// other changes), and every arm reports its exact figures per period (`period`). Journeys per
/// period follow the spends; the simulated figures stay per simulated journey, with a journey
/// map's personas in the baseline's shares.
///
/// With `times` (the baseline components' dwell times), every arm adds its time to conversion,
/// exact and simulated ([`crate::simulate::timing`]), and scenarios may change dwell times
/// (`scale_dwell`); without, a scenario that does is an error.
pub fn what_if_budget(
    baseline: &[(f64, &Chain)],
    input: &str,
    scenarios: &[ScenarioFile],
    budget: Option<Budget<'_>>,
    times: Option<Times<'_>>,
    options: &SimulateOptions,
    progress: &dyn Fn(usize, u64, u64),
) -> Result<WhatIf> {
    options.check()?;
    let Some(&(_, first)) = baseline.first() else {
        return Err(crate::Error::Invalid("nothing to compare: no chain".into()));
    };
    let strata = strata(baseline, options)?;
    let prepared = prepare(baseline, scenarios, budget, times)?;
    // Per component, one layout for the baseline and every scenario: shared rows map the same
    // random bits to the same targets, and every scenario meets the same baseline journeys.
    let samplers: Vec<Vec<Sampler>> = baseline
        .iter()
        .enumerate()
        .map(|(c, (_, chain))| {
            let all: Vec<&Chain> = std::iter::once(*chain)
                .chain(prepared.changed.iter().map(|alts| &alts[c]))
                .collect();
            let samplers = Sampler::aligned(&all)?;
            let Some(t) = times else {
                return Ok(samplers);
            };
            let timings = std::iter::once(&t.timings[c])
                .chain(prepared.changed_timings.iter().map(|alts| &alts[c]));
            samplers
                .into_iter()
                .zip(all)
                .zip(timings)
                .map(|((sampler, chain), timing)| sampler.timed(chain, timing.clone(), t.horizons))
                .collect()
        })
        .collect::<Result<_>>()
        .map_err(|e| crate::simulate::naming(input, e))?;
    let exact = ExactParts::solve(baseline, &prepared, times)?;
    let mut outcomes = Vec::with_capacity(scenarios.len());
    let mut warnings = prepared.warnings.clone();
    let mut journeys = 0;
    for (i, file) in scenarios.iter().enumerate() {
        let mut combined: Option<Combined> = None;
        for (c, stratum) in strata.iter().enumerate() {
            let paired = simulate_paired(
                &samplers[c][0],
                &samplers[c][i + 1],
                stratum,
                &|done, max| progress(i, done, max),
            )?;
            match combined.as_mut() {
                Some(total) => total.add(&paired),
                None => combined = Some(Combined::new(&paired)),
            }
        }
        let Some(combined) = combined else {
            continue;
        };
        journeys = combined.base.journeys;
        for (tally, which) in [(&combined.base, "baseline"), (&combined.alt, "scenario")] {
            if tally.truncated > 0 {
                warnings.push(format!(
                    "{}: {} {which} walks reached `max_steps` {} and were cut off",
                    file.scenario.name, tally.truncated, options.max_steps
                ));
            }
        }
        let n = combined.base.journeys as f64;
        let exact = exact.outcome(i, file, first, &prepared, n);
        let mut baseline_arm = arm(&exact.baseline, &combined.base);
        let mut scenario_arm = arm(&exact.scenario, &combined.alt);
        if let Some(t) = times {
            for (arm, tally) in [
                (&mut baseline_arm, &combined.base),
                (&mut scenario_arm, &combined.alt),
            ] {
                (arm.time_to_conversion, arm.conversions_within) = time_figures(tally, t.horizons);
            }
        }
        let z = Z95;
        let unpaired_half = z
            * (bernoulli_variance(&combined.base) / n + bernoulli_variance(&combined.alt) / n)
                .sqrt()
            * n;
        let conversions = combined.conversion_diff;
        let conversion_half = z * combined.conversion_variance.sqrt();
        let value_half = z * combined.value_variance.sqrt();
        let ExactDifference {
            expected_conversions,
            expected_value,
            conversion_probability,
            relative_conversion_probability,
            mean_time_to_conversion,
            period,
        } = exact.difference;
        let difference = Difference {
            conversions,
            conversions_ci: [conversions - conversion_half, conversions + conversion_half],
            unpaired_conversions_ci: [conversions - unpaired_half, conversions + unpaired_half],
            value: combined.value_diff,
            value_ci: [
                combined.value_diff - value_half,
                combined.value_diff + value_half,
            ],
            expected_conversions,
            expected_value,
            conversion_probability,
            relative_conversion_probability,
            mean_time_to_conversion,
            period,
        };
        outcomes.push(ScenarioOutcome {
            name: exact.name,
            description: exact.description,
            file: exact.file,
            channels: exact.channels,
            baseline: baseline_arm,
            scenario: scenario_arm,
            difference,
        });
    }
    outcomes.sort_by(|a, b| {
        b.difference
            .expected_conversions
            .total_cmp(&a.difference.expected_conversions)
    });
    Ok(WhatIf {
        input: input.to_owned(),
        order: first.order(),
        seed: options.seed,
        journeys,
        cost_input: None,
        currency: budget.and_then(|b| b.plan.currency.clone()),
        scenarios: outcomes,
        assumptions: budget.map_or(Vec::new(), |_| vec![ASSUMPTION.to_owned()]),
        warnings,
    })
}

/// The exact half of [`what_if_budget`], with no simulation: every scenario's exact figures
/// over `journeys` journeys, ranked the same way, with the same field names. Fast enough to
/// answer while a slider moves (`journeysim serve`).
///
/// ```
/// use journeysim_core::journey::MemoryPaths;
/// use journeysim_core::model::{FitOptions, fit_paths};
/// use journeysim_core::scenario::{Change, Scenario};
/// use journeysim_core::whatif::{ScenarioFile, what_if_exact};
///
/// // a converts 3 in 5, b 1 in 5, half the journeys each: P(conversion) = 0.4. Halving a's
/// // conversions (its row rescaled: a then converts 0.3) gives 0.25.
/// let rows = [(&["a"][..], 3.0, 0.0, 2.0), (&["b"][..], 1.0, 0.0, 4.0)];
/// let chain = fit_paths(MemoryPaths::new("example", &rows), FitOptions::order(1), |_| {})?.chain;
/// let halve = Scenario {
///     name: "halve a".into(),
///     description: String::new(),
///     changes: vec![Change::ScaleConversion { at: "a".into(), factor: 0.5 }],
/// };
/// let scenarios = [ScenarioFile { scenario: halve, file: "halve.json".into() }];
/// let result = what_if_exact(&[(1.0, &chain)], "example", &scenarios, None, None, 1000)?;
/// let outcome = &result.scenarios[0];
/// assert!((outcome.baseline.conversion_probability - 0.4).abs() < 1e-12);
/// assert!((outcome.scenario.conversion_probability - 0.25).abs() < 1e-12);
/// assert!((outcome.difference.expected_conversions + 150.0).abs() < 1e-9);
/// # Ok::<(), journeysim_core::Error>(())
/// ```
pub fn what_if_exact(
    baseline: &[(f64, &Chain)],
    input: &str,
    scenarios: &[ScenarioFile],
    budget: Option<Budget<'_>>,
    times: Option<Times<'_>>,
    journeys: u64,
) -> Result<ExactWhatIf> {
    let Some(&(_, first)) = baseline.first() else {
        return Err(crate::Error::Invalid("nothing to compare: no chain".into()));
    };
    let prepared = prepare(baseline, scenarios, budget, times)?;
    let exact = ExactParts::solve(baseline, &prepared, times)?;
    let mut outcomes: Vec<ExactOutcome> = scenarios
        .iter()
        .enumerate()
        .map(|(i, file)| exact.outcome(i, file, first, &prepared, journeys as f64))
        .collect();
    outcomes.sort_by(|a, b| {
        b.difference
            .expected_conversions
            .total_cmp(&a.difference.expected_conversions)
    });
    Ok(ExactWhatIf {
        input: input.to_owned(),
        order: first.order(),
        journeys,
        currency: budget.and_then(|b| b.plan.currency.clone()),
        scenarios: outcomes,
        assumptions: budget.map_or(Vec::new(), |_| vec![ASSUMPTION.to_owned()]),
        warnings: prepared.warnings,
    })
}

/// The baseline's exact figures over `journeys` journeys, with every channel's removal
/// effect and Markov credits: what [`what_if_exact`] compares each scenario with.
pub fn exact_baseline(
    baseline: &[(f64, &Chain)],
    budget: Option<Budget<'_>>,
    times: Option<Times<'_>>,
    journeys: u64,
) -> Result<ExactBaseline> {
    let Some(&(_, first)) = baseline.first() else {
        return Err(crate::Error::Invalid("nothing to solve: no chain".into()));
    };
    let prepared = prepare(baseline, &[], budget, times)?;
    let exact = ExactParts::solve(baseline, &prepared, times)?;
    let n = journeys as f64;
    let arm = ExactArm {
        conversion_probability: exact.base.base.conversion_probability,
        value_per_journey: exact.base.base.value_per_journey,
        expected_conversions: exact.base.base.conversion_probability * n,
        expected_value: exact.base.base.value_per_journey * n,
        mean_time_to_conversion: exact.base_time.and_then(|t| t.mean()),
        period: prepared.base_period,
    };
    let channels = channel_changes(first, &exact.base, first, &exact.base, &arm, &arm)
        .into_iter()
        .map(|c| ChannelCredit {
            channel: c.channel,
            removal_effect: c.baseline_removal_effect,
            markov_conversions: c.baseline_markov_conversions,
            markov_value: c.baseline_markov_value,
        })
        .collect();
    Ok(ExactBaseline { arm, channels })
}

/// The baseline's exact figures ([`exact_baseline`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExactBaseline {
    /// The chain's figures.
    #[serde(flatten)]
    pub arm: ExactArm,
    /// Every channel's removal effect and credits, sorted by name.
    pub channels: Vec<ChannelCredit>,
}

/// A channel's exact removal effect and Markov credits.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChannelCredit {
    /// Channel name.
    pub channel: String,
    /// Its removal effect.
    pub removal_effect: f64,
    /// Expected conversions credited to it by normalised removal effects.
    pub markov_conversions: f64,
    /// Expected value credited to it by normalised value removal effects.
    pub markov_value: f64,
}

/// The scenarios applied to every component of the baseline, checked before anything is
/// solved or walked.
struct Prepared {
    /// Per scenario, the changed chain of every component.
    changed: Vec<Vec<Chain>>,
    /// Per scenario and component, the changed chain's dwell times (with times).
    changed_timings: Vec<Vec<Timing>>,
    /// Per scenario, the baseline's and the scenario's figures per period (with a budget).
    periods: Vec<Option<(Period, Period)>>,
    /// Changes that change nothing on some component (once each).
    warnings: Vec<String>,
    /// The baseline's figures per period (with a budget).
    base_period: Option<Period>,
}

fn prepare(
    baseline: &[(f64, &Chain)],
    scenarios: &[ScenarioFile],
    budget: Option<Budget<'_>>,
    times: Option<Times<'_>>,
) -> Result<Prepared> {
    let model = budget
        .map(|b| PeriodModel::new(b.plan, baseline, b.volume))
        .transpose()?;
    if let Some(t) = times
        && t.timings.len() != baseline.len()
    {
        return Err(Error::Invalid(format!(
            "{} dwell timings for {} chains",
            t.timings.len(),
            baseline.len()
        )));
    }
    if times.is_none() {
        refuse_dwell_changes(scenarios)?;
    }
    let mut warnings: Vec<String> = Vec::new();
    let mut changed: Vec<Vec<Chain>> = Vec::with_capacity(scenarios.len());
    let mut changed_timings: Vec<Vec<Timing>> = Vec::with_capacity(scenarios.len());
    let mut periods: Vec<Option<(Period, Period)>> = Vec::with_capacity(scenarios.len());
    let base_period = match &model {
        Some(model) => {
            let arms = model.arms(&model.plan().today())?;
            Some(arm_period(&arms, model.plan().today().iter().sum())?)
        }
        None => None,
    };
    for s in scenarios {
        let mut alts = Vec::with_capacity(baseline.len());
        let arms = match &model {
            Some(model) => {
                let spends = spends_after(model.plan(), s)?;
                let arms = model.arms(&spends)?;
                if arms.iter().all(|a| a.journeys <= 0.0) {
                    return Err(Error::Invalid(format!(
                        "{}: the scenario's spends buy no journeys at all (every first touch is \
                         an entries channel whose spend is now 0)",
                        s.file
                    )));
                }
                Some((arms, spends.iter().sum::<f64>()))
            }
            None => None,
        };
        let mut alt_timings = Vec::new();
        for (c, (_, chain)) in baseline.iter().enumerate() {
            let applied = match &arms {
                Some((arms, _)) => apply_scenario(&arms[c].chain, &s.scenario, &s.file)?,
                None => {
                    refuse_spend(&s.scenario, &s.file)?;
                    apply_scenario(chain, &s.scenario, &s.file)?
                }
            };
            for warning in applied.warnings {
                if !warnings.contains(&warning) {
                    warnings.push(warning);
                }
            }
            if let Some(t) = times {
                alt_timings.push(t.timings[c].scenario(&applied.dwell));
            }
            alts.push(applied.chain);
        }
        changed_timings.push(alt_timings);
        let period = match (&arms, base_period) {
            (Some((arms, cost)), Some(base)) => {
                let final_arms: Vec<ArmChain> = arms
                    .iter()
                    .zip(&alts)
                    .map(|(a, chain)| ArmChain {
                        journeys: a.journeys,
                        chain: chain.clone(),
                    })
                    .collect();
                Some((base, arm_period(&final_arms, *cost)?))
            }
            _ => None,
        };
        periods.push(period);
        changed.push(alts);
    }
    Ok(Prepared {
        changed,
        changed_timings,
        periods,
        warnings,
        base_period,
    })
}

/// The solved chains: removal effects and exact times of the baseline and of every scenario.
struct ExactParts {
    base: RemovalEffects,
    base_time: Option<ExactTime>,
    /// Per scenario.
    alts: Vec<(RemovalEffects, Option<ExactTime>)>,
}

impl ExactParts {
    fn solve(
        baseline: &[(f64, &Chain)],
        prepared: &Prepared,
        times: Option<Times<'_>>,
    ) -> Result<ExactParts> {
        let exact_time = |timings: &[&Timing], chains: &[&Chain]| -> Result<ExactTime> {
            let parts = baseline
                .iter()
                .zip(timings.iter().zip(chains))
                .map(|((share, _), (timing, chain))| Ok((*share, timing.exact(chain)?)))
                .collect::<Result<Vec<_>>>()?;
            Ok(ExactTime::mixture(&parts))
        };
        let base_time = times
            .map(|t| {
                let timings: Vec<&Timing> = t.timings.iter().collect();
                let chains: Vec<&Chain> = baseline.iter().map(|c| c.1).collect();
                exact_time(&timings, &chains)
            })
            .transpose()?;
        let alts = prepared
            .changed
            .iter()
            .zip(&prepared.changed_timings)
            .map(|(alts, alt_timings)| {
                let time = match times {
                    Some(_) => Some(exact_time(
                        &alt_timings.iter().collect::<Vec<_>>(),
                        &alts.iter().collect::<Vec<_>>(),
                    )?),
                    None => None,
                };
                let components: Vec<(f64, &Chain)> =
                    baseline.iter().map(|c| c.0).zip(alts.iter()).collect();
                Ok((mixture_removal_effects(&components)?, time))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(ExactParts {
            base: mixture_removal_effects(baseline)?,
            base_time,
            alts,
        })
    }

    /// Scenario `i`'s exact figures over `n` journeys.
    fn outcome(
        &self,
        i: usize,
        file: &ScenarioFile,
        first: &Chain,
        prepared: &Prepared,
        n: f64,
    ) -> ExactOutcome {
        let (alt_effects, alt_time) = &self.alts[i];
        let period = prepared.periods[i];
        let exact_arm = |effects: &RemovalEffects, time: &Option<ExactTime>, period| ExactArm {
            conversion_probability: effects.base.conversion_probability,
            value_per_journey: effects.base.value_per_journey,
            expected_conversions: effects.base.conversion_probability * n,
            expected_value: effects.base.value_per_journey * n,
            mean_time_to_conversion: time.and_then(|t| t.mean()),
            period,
        };
        let baseline = exact_arm(&self.base, &self.base_time, period.map(|p| p.0));
        let scenario = exact_arm(alt_effects, alt_time, period.map(|p| p.1));
        let (p_base, p_alt) = (
            baseline.conversion_probability,
            scenario.conversion_probability,
        );
        let difference = ExactDifference {
            expected_conversions: (p_alt - p_base) * n,
            expected_value: (scenario.value_per_journey - baseline.value_per_journey) * n,
            conversion_probability: p_alt - p_base,
            relative_conversion_probability: if p_base > 0.0 {
                p_alt / p_base - 1.0
            } else {
                0.0
            },
            mean_time_to_conversion: baseline
                .mean_time_to_conversion
                .zip(scenario.mean_time_to_conversion)
                .map(|(base, alt)| alt - base),
            period: period.map(|(base, alt)| alt.minus(&base)),
        };
        ExactOutcome {
            name: file.scenario.name.clone(),
            description: file.scenario.description.clone(),
            file: file.file.clone(),
            channels: channel_changes(
                first,
                &self.base,
                &prepared.changed[i][0],
                alt_effects,
                &baseline,
                &scenario,
            ),
            baseline,
            scenario,
            difference,
        }
    }
}

/// Figures per period of arm chains (each with its journeys), at total spend `cost`.
fn arm_period(arms: &[ArmChain], cost: f64) -> Result<Period> {
    let solved = arms
        .iter()
        .filter(|a| a.journeys > 0.0)
        .map(|a| Ok((a.journeys, absorb(&a.chain, None)?)))
        .collect::<Result<Vec<_>>>()?;
    Ok(period_of_arms(&solved, cost))
}

/// The plan's spends after the scenario's spend changes, in order. Errors name the scenario
/// file and the change.
fn spends_after(plan: &Plan, file: &ScenarioFile) -> Result<Vec<f64>> {
    let mut spends = plan.today();
    for (i, change) in file.scenario.changes.iter().enumerate() {
        let at = |message: String| {
            Error::Invalid(format!(
                "{}: changes[{i}] ({}): {message}",
                file.file,
                change.kind()
            ))
        };
        let index = |name: &str| {
            plan.index(name).ok_or_else(|| {
                let names: Vec<&str> = plan.names().collect();
                at(format!(
                    "'{}' is not a channel of the budget plan{}; its channels: {}",
                    clip(name),
                    did_you_mean(name, names.iter().copied()),
                    clip_list(&names)
                ))
            })
        };
        match change {
            Change::ScaleSpend { channel, factor } => spends[index(channel)?] *= factor,
            Change::SetSpend { channel, spend } => spends[index(channel)?] = *spend,
            Change::ShiftSpend { from, to, amount } => {
                let (f, t) = (index(from)?, index(to)?);
                if *amount > spends[f] * (1.0 + 1e-12) {
                    return Err(at(format!(
                        "amount is {amount}, more than '{}' spends ({})",
                        clip(from),
                        spends[f]
                    )));
                }
                spends[f] = (spends[f] - amount).max(0.0);
                spends[t] += amount;
            }
            _ => {}
        }
    }
    if let Some(total) = Some(spends.iter().sum::<f64>()).filter(|t| !t.is_finite()) {
        return Err(Error::Invalid(format!(
            "{}: the scenario's spends add up to {total}; scale them down",
            file.file
        )));
    }
    Ok(spends)
}

/// The options of each component's paired run: journeys in proportion to the shares (largest
/// remainders, so they add up to the total), and for several components a seed of their own
/// drawn from the run's seed. One component runs with the options as given.
fn strata(components: &[(f64, &Chain)], options: &SimulateOptions) -> Result<Vec<SimulateOptions>> {
    if components.len() == 1 {
        return Ok(vec![*options]);
    }
    let total = match options.stop {
        Stop::Journeys(n) => n,
        Stop::Precision { .. } => {
            return Err(crate::Error::option(
                "precision",
                "is not supported for several personas; give `journeys`",
            ));
        }
    };
    let shares: f64 = components.iter().map(|c| c.0).sum();
    let exact: Vec<f64> = components
        .iter()
        .map(|c| total as f64 * c.0 / shares)
        .collect();
    let mut counts: Vec<u64> = exact.iter().map(|x| x.floor() as u64).collect();
    let mut order: Vec<usize> = (0..components.len()).collect();
    order.sort_by(|&a, &b| (exact[b] - exact[b].floor()).total_cmp(&(exact[a] - exact[a].floor())));
    let missing = total - counts.iter().sum::<u64>();
    for &c in order.iter().take(missing as usize) {
        counts[c] += 1;
    }
    Ok(counts
        .into_iter()
        .enumerate()
        .map(|(c, n)| SimulateOptions {
            seed: crate::rng::stream(options.seed, c as u64).next_u64(),
            stop: Stop::Journeys(n.max(1)),
            ..*options
        })
        .collect())
}

/// The strata of one scenario added up: both arms' tallies, the paired differences (as totals
/// over all journeys) and their variances.
struct Combined {
    base: Tally,
    alt: Tally,
    conversion_diff: f64,
    conversion_variance: f64,
    value_diff: f64,
    value_variance: f64,
}

impl Combined {
    fn new(first: &PairedTally) -> Self {
        let mut combined = Combined {
            base: Tally::new(first.base.visits.len()),
            alt: Tally::new(first.alt.visits.len()),
            conversion_diff: 0.0,
            conversion_variance: 0.0,
            value_diff: 0.0,
            value_variance: 0.0,
        };
        combined.add(first);
        combined
    }

    /// Adds a stratum: its total difference and the variance of that total,
    /// `n * s^2` with `s^2` the per-journey sample variance of the differences.
    fn add(&mut self, stratum: &PairedTally) {
        self.base.merge(&stratum.base);
        self.alt.merge(&stratum.alt);
        let n = stratum.base.journeys as f64;
        let total_variance = |sum: f64, sum_sq: f64| {
            if n > 1.0 {
                n * ((sum_sq - sum * sum / n) / (n - 1.0)).max(0.0)
            } else {
                0.0
            }
        };
        let d = stratum.conversion_diff as f64;
        self.conversion_diff += d;
        self.conversion_variance += total_variance(d, stratum.conversion_diff_sq as f64);
        self.value_diff += stratum.value_diff;
        self.value_variance += total_variance(stratum.value_diff, stratum.value_diff_sq);
    }
}

/// Per-journey variance of conversion (a Bernoulli), for the unpaired comparison.
fn bernoulli_variance(tally: &Tally) -> f64 {
    let p = tally.conversions as f64 / tally.journeys.max(1) as f64;
    p * (1.0 - p)
}

/// An arm: its exact figures beside the simulated ones of `tally`.
fn arm(exact: &ExactArm, tally: &Tally) -> Arm {
    let n = tally.journeys as f64;
    let conversions = tally.conversions as f64;
    let low = wilson_interval(conversions, n)[0];
    let high = wilson_interval(conversions + tally.truncated as f64, n)[1];
    let (per_journey, per_journey_ci) = mean_interval(tally.value, tally.value_sq, tally.journeys);
    Arm {
        conversion_probability: exact.conversion_probability,
        value_per_journey: exact.value_per_journey,
        expected_conversions: exact.expected_conversions,
        expected_value: exact.expected_value,
        conversion_rate: conversions / n.max(1.0),
        conversion_rate_ci: [low, high],
        conversions: tally.conversions,
        conversions_ci: [low * n, high * n],
        value: tally.value,
        value_ci: per_journey_ci.map(|x| x * n),
        simulated_value_per_journey: per_journey,
        simulated_value_per_journey_ci: per_journey_ci,
        truncated: tally.truncated,
        mean_time_to_conversion: exact.mean_time_to_conversion,
        time_to_conversion: None,
        conversions_within: Vec::new(),
        period: exact.period,
    }
}

/// Refuses `scale_dwell` when the model has no dwell times, naming the scenario and the change.
fn refuse_dwell_changes(scenarios: &[ScenarioFile]) -> Result<()> {
    for file in scenarios {
        let found = file
            .scenario
            .changes
            .iter()
            .enumerate()
            .find(|(_, c)| matches!(c, Change::ScaleDwell { .. }));
        if let Some((i, change)) = found {
            return Err(Error::Invalid(format!(
                "{}: changes[{i}] ({}): the model has no dwell times to change; fit it from an                  event log (--events, or a model file written by `journeysim fit --events`) or                  use a journey map (--map)",
                file.file,
                change.kind()
            )));
        }
    }
    Ok(())
}

/// Both chains' removal effects and credits by channel name (the union of their channels).
fn channel_changes(
    base: &Chain,
    base_effects: &RemovalEffects,
    alt: &Chain,
    alt_effects: &RemovalEffects,
    base_arm: &ExactArm,
    alt_arm: &ExactArm,
) -> Vec<ChannelChange> {
    let credits = |effects: &RemovalEffects, arm: &ExactArm| {
        (
            share(
                effects.effects.iter().map(|e| e.conversions),
                arm.expected_conversions,
            ),
            share(effects.effects.iter().map(|e| e.value), arm.expected_value),
        )
    };
    let (base_conversions, base_value) = credits(base_effects, base_arm);
    let (alt_conversions, alt_value) = credits(alt_effects, alt_arm);
    let mut names: Vec<&str> = base
        .channels()
        .names()
        .iter()
        .chain(alt.channels().names())
        .map(String::as_str)
        .collect();
    names.sort_unstable();
    names.dedup();
    names
        .into_iter()
        .map(|name| {
            let b = base.channels().get(name).map(|c| c as usize);
            let a = alt.channels().get(name).map(|c| c as usize);
            let pick = |i: Option<usize>, v: &dyn Fn(usize) -> f64| i.map_or(0.0, v);
            ChannelChange {
                channel: name.to_owned(),
                baseline_removal_effect: pick(b, &|i| base_effects.effects[i].conversions),
                scenario_removal_effect: pick(a, &|i| alt_effects.effects[i].conversions),
                baseline_markov_conversions: pick(b, &|i| base_conversions[i]),
                scenario_markov_conversions: pick(a, &|i| alt_conversions[i]),
                baseline_markov_value: pick(b, &|i| base_value[i]),
                scenario_markov_value: pick(a, &|i| alt_value[i]),
                costs: None,
            }
        })
        .collect()
}
