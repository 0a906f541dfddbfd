//! Figures per period of the data at given spends, exactly.
//!
//! With `J` the journeys of the period (the data's conversions + nulls, or the plan's
//! `journeys`), split by their first state `s` as `J e(s)` (`e` the chain's entry row), and
//! `m_c = m(x_c / today_c)` each responsive channel's multiplier at spend `x_c`:
//!
//! - an `entries` channel multiplies the journeys of every first state whose first touch it is:
//!   `journeys(s) = J e(s) m_c`, the others keep theirs (the total changes);
//! - a `visits` channel multiplies the probability of every transition into a state whose last
//!   touch it is, from a state whose last touch it is not (traffic from other touchpoints), and
//!   each changed row is renormalised; a row left with nothing (every way on went into channels
//!   now bought at 0) ends in (null);
//! - conversions `= sum_s journeys(s) h(s)` and value `= sum_s journeys(s) h_v(s)`, with `h` and
//!   `h_v` the exact absorption probability and expected value of the changed chain
//!   ([`crate::solve::absorption_by_state`]); cost is the sum of the plan's spends, CAC = cost /
//!   conversions and ROAS = value / cost.
//!
//! A journey map is a population of persona chains with shares: each persona gets `J x share`
//! journeys and the figures add up.
//!
//! The gradient of conversions and value with respect to every spend is exact too
//! ([`PeriodModel::evaluate_with_gradient`]): for an entries channel it is
//! `m_c' / today_c x sum_{s first-touch c} J e(s) h(s)`; for a visits channel, by the adjoint of
//! `(I - Q) h = r`, `m_c' / today_c x sum_s V(s) / Z_s sum_{t in c} P(s, t) (h(t) - h(s))`, with
//! `V` the expected visits of the period's journeys (one forward solve), `P` the unchanged rows
//! and `Z_s` the row's renormaliser.

use super::plan::{Buys, Plan};
use crate::error::{Error, Result, clip_list};
use crate::model::{Chain, Transition};
use crate::solve::{absorption_by_state, expected_visits};
use crate::suggest::did_you_mean;

/// Figures per period of the data at one set of spends: the one period type, shared with
/// costs ([`crate::cost::Period`]).
pub use crate::cost::Period;

/// Where a number of journeys per period comes from, for the message when there is none.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Volume {
    /// The data's or the model file's own journeys.
    Observed(f64),
    /// None known (a hand-written model or a journey map).
    Unknown,
}

impl Volume {
    /// The observed journeys, if any.
    pub fn journeys(self) -> Option<f64> {
        match self {
            Volume::Observed(j) => Some(j),
            Volume::Unknown => None,
        }
    }
}

/// One chain of the population, with its plan channels resolved.
#[derive(Debug, Clone)]
struct Component<'a> {
    chain: &'a Chain,
    /// Journeys per period starting in this chain (before any change).
    journeys: f64,
    /// For each entry of the chain, the plan channel (an `entries` one) of its first touch.
    entry_channel: Vec<Option<usize>>,
    /// For each state, the plan channel (a `visits` one) of its last touch.
    visits_channel: Vec<Option<usize>>,
}

/// A plan bound to a population of chains: evaluates the period's figures at any spends.
#[derive(Debug, Clone)]
pub struct PeriodModel<'a> {
    plan: &'a Plan,
    components: Vec<Component<'a>>,
    /// Journeys per period today.
    journeys: f64,
}

/// The chain of one component at some spends, with its journeys per period.
#[derive(Debug, Clone)]
pub struct ArmChain {
    /// Journeys per period starting in it.
    pub journeys: f64,
    /// The changed chain (entry row = its journeys' first states, normalised).
    pub chain: Chain,
}

impl<'a> PeriodModel<'a> {
    /// Binds `plan` to the chains with their shares (one chain with share 1, or a map's
    /// personas). Journeys per period: the plan's `journeys` if given, else `volume`'s; without
    /// either, an error says so. Every plan channel must be a channel of the chains (the error
    /// lists them and the closest name).
    pub fn new(plan: &'a Plan, population: &[(f64, &'a Chain)], volume: Volume) -> Result<Self> {
        let journeys = match (plan.journeys, volume) {
            (Some(j), _) | (None, Volume::Observed(j)) => j,
            (None, Volume::Unknown) => {
                return Err(Error::Invalid(format!(
                    "{}: the budget plan has no \"journeys\" and the model has no observed \
                     journeys (a hand-written model or a journey map): give the journeys per \
                     period in the plan, e.g. \"journeys\": 100000",
                    plan.source
                )));
            }
        };
        if !(journeys.is_finite() && journeys > 0.0) {
            return Err(Error::Invalid(format!(
                "there are {journeys} journeys per period; figures per period need > 0 \
                 (give \"journeys\" in the plan)"
            )));
        }
        for c in &plan.channels {
            if !population
                .iter()
                .any(|(_, chain)| chain.channels().get(&c.channel).is_some())
            {
                let names: Vec<String> = population
                    .first()
                    .map(|(_, chain)| chain.channels().names().to_vec())
                    .unwrap_or_default();
                let mut sorted = names.clone();
                sorted.sort();
                return Err(Error::Invalid(format!(
                    "{}: budget plan channel '{}' is not a channel of the model{}; its \
                     channels: {}",
                    plan.source,
                    crate::error::clip(&c.channel),
                    did_you_mean(&c.channel, names.iter().map(String::as_str)),
                    clip_list(&sorted)
                )));
            }
        }
        let shares: f64 = population.iter().map(|(w, _)| w).sum();
        let components = population
            .iter()
            .map(|&(share, chain)| {
                let plan_of = |buys: Buys| -> Vec<Option<usize>> {
                    (0..chain.channels().len())
                        .map(|id| {
                            let name = chain.channels().name(id as u32);
                            plan.index(name).filter(|&i| {
                                plan.channels[i].effect.is_some_and(|e| e.buys == buys)
                            })
                        })
                        .collect()
                };
                let entries = plan_of(Buys::Entries);
                let visits = plan_of(Buys::Visits);
                Component {
                    chain,
                    journeys: journeys * share / shares,
                    entry_channel: chain
                        .entry()
                        .iter()
                        .map(|&(s, _)| entries[chain.states()[s as usize][0] as usize])
                        .collect(),
                    visits_channel: chain
                        .states()
                        .iter()
                        .map(|touches| {
                            visits[*touches.last().expect("a state has touches") as usize]
                        })
                        .collect(),
                }
            })
            .collect();
        Ok(PeriodModel {
            plan,
            components,
            journeys,
        })
    }

    /// The plan.
    pub fn plan(&self) -> &Plan {
        self.plan
    }

    /// Journeys per period today.
    pub fn journeys(&self) -> f64 {
        self.journeys
    }

    /// Each plan channel's multiplier `m(x / today)` (1 for a fixed cost).
    pub fn multipliers(&self, spends: &[f64]) -> Vec<f64> {
        self.plan
            .channels
            .iter()
            .zip(spends)
            .map(|(c, &x)| c.effect.map_or(1.0, |e| e.response.multiplier(x / c.spend)))
            .collect()
    }

    /// Every component's chain and journeys at `spends` (in the plan's channel order). At
    /// today's spends (every multiplier exactly 1) the chains are the given ones, unchanged.
    pub fn arms(&self, spends: &[f64]) -> Result<Vec<ArmChain>> {
        let m = self.multipliers(spends);
        self.components
            .iter()
            .map(|component| component.arm(&m))
            .collect()
    }

    /// The period's figures at `spends`.
    pub fn evaluate(&self, spends: &[f64]) -> Result<Period> {
        let m = self.multipliers(spends);
        let (mut journeys, mut conversions, mut value) = (0.0, 0.0, 0.0);
        for component in &self.components {
            let rows = component.with_visits(&m)?;
            let chain = rows.as_ref().unwrap_or(component.chain);
            let [h, hv] = absorption_by_state(chain, None)?;
            for (&(s, e), channel) in component.chain.entry().iter().zip(&component.entry_channel) {
                let j = component.journeys * e * channel.map_or(1.0, |c| m[c]);
                journeys += j;
                conversions += j * h[s as usize];
                value += j * hv[s as usize];
            }
        }
        Ok(Period::new(
            journeys,
            conversions,
            value,
            spends.iter().sum(),
        ))
    }

    /// [`PeriodModel::evaluate`] and the exact derivatives of conversions and value with
    /// respect to each plan channel's spend (`[d conversions, d value]`, 0 for a fixed cost).
    pub fn evaluate_with_gradient(&self, spends: &[f64]) -> Result<(Period, Vec<[f64; 2]>)> {
        let m = self.multipliers(spends);
        let channels = &self.plan.channels;
        // Derivatives with respect to each multiplier, then the chain rule.
        let mut by_multiplier = vec![[0.0; 2]; channels.len()];
        let (mut journeys, mut conversions, mut value) = (0.0, 0.0, 0.0);
        for component in &self.components {
            let arm = component.arm(&m)?;
            if arm.journeys <= 0.0 {
                continue;
            }
            let [h, hv] = absorption_by_state(&arm.chain, None)?;
            for (&(s, e), channel) in component.chain.entry().iter().zip(&component.entry_channel) {
                let per_multiplier = component.journeys * e;
                let j = per_multiplier * channel.map_or(1.0, |c| m[c]);
                journeys += j;
                conversions += j * h[s as usize];
                value += j * hv[s as usize];
                if let Some(c) = *channel {
                    by_multiplier[c][0] += per_multiplier * h[s as usize];
                    by_multiplier[c][1] += per_multiplier * hv[s as usize];
                }
            }
            if component.visits_channel.iter().all(Option::is_none) {
                continue;
            }
            let visits = expected_visits(&arm.chain)?;
            let chain = component.chain;
            let n = chain.n_states();
            for s in 0..n {
                let v = visits[s] * arm.journeys;
                if v == 0.0 {
                    continue;
                }
                let source = component.visits_channel[s];
                let (targets, probs) = chain.row(s as u32);
                let factor = |t: u32| component.factor(t, source, &m);
                let z: f64 = targets.iter().zip(probs).map(|(&t, p)| p * factor(t)).sum();
                if z <= 0.0 {
                    continue;
                }
                for (&t, &p) in targets.iter().zip(probs) {
                    if (t as usize) < n
                        && let Some(c) = component.visits_channel[t as usize]
                        && Some(c) != source
                    {
                        let t = t as usize;
                        by_multiplier[c][0] += v * p * (h[t] - h[s]) / z;
                        by_multiplier[c][1] += v * p * (hv[t] - hv[s]) / z;
                    }
                }
            }
        }
        let gradient = channels
            .iter()
            .zip(spends)
            .zip(by_multiplier)
            .map(|((c, &x), d)| match c.effect {
                Some(e) => {
                    let slope = e.response.derivative(x / c.spend) / c.spend;
                    [d[0] * slope, d[1] * slope]
                }
                None => [0.0, 0.0],
            })
            .collect();
        Ok((
            Period::new(journeys, conversions, value, spends.iter().sum()),
            gradient,
        ))
    }
}

impl Component<'_> {
    /// The factor on a transition into `t` from a state whose visits channel is `source`.
    fn factor(&self, t: u32, source: Option<usize>, m: &[f64]) -> f64 {
        match self.visits_channel.get(t as usize) {
            Some(&Some(c)) if Some(c) != source => m[c],
            _ => 1.0,
        }
    }

    /// The chain with its rows changed by the visits channels' multipliers, or `None` when
    /// every one of them is 1 (nothing changes).
    fn with_visits(&self, m: &[f64]) -> Result<Option<Chain>> {
        let changed = |c: &Option<usize>| c.is_some_and(|c| m[c] != 1.0);
        if !self.visits_channel.iter().any(changed) {
            return Ok(None);
        }
        let mut parts = self.chain.clone().into_parts();
        let null = self.chain.null();
        for (s, row) in parts.rows.iter_mut().enumerate() {
            let source = self.visits_channel[s];
            if row.iter().all(|t| self.factor(t.to, source, m) == 1.0) {
                continue;
            }
            let z: f64 = row
                .iter()
                .map(|t| t.probability * self.factor(t.to, source, m))
                .sum();
            if z > 0.0 {
                for t in row.iter_mut() {
                    t.probability *= self.factor(t.to, source, m) / z;
                    t.weight = None;
                }
            } else {
                *row = vec![Transition::new(null, 1.0)];
            }
        }
        Chain::from_rows(parts).map(Some)
    }

    /// The changed chain at multipliers `m` with its journeys per period.
    fn arm(&self, m: &[f64]) -> Result<ArmChain> {
        let rows = self.with_visits(m)?;
        let unchanged_entry = self
            .entry_channel
            .iter()
            .all(|c| c.is_none_or(|c| m[c] == 1.0));
        if rows.is_none() && unchanged_entry {
            return Ok(ArmChain {
                journeys: self.journeys,
                chain: self.chain.clone(),
            });
        }
        let weights: Vec<f64> = self
            .chain
            .entry()
            .iter()
            .zip(&self.entry_channel)
            .map(|(&(_, e), c)| self.journeys * e * c.map_or(1.0, |c| m[c]))
            .collect();
        let journeys: f64 = weights.iter().sum();
        let chain = rows.unwrap_or_else(|| self.chain.clone());
        if unchanged_entry {
            return Ok(ArmChain { journeys, chain });
        }
        if journeys <= 0.0 {
            return Ok(ArmChain {
                journeys: 0.0,
                chain,
            });
        }
        let mut parts = chain.into_parts();
        for (t, w) in parts.entry.iter_mut().zip(&weights) {
            t.probability = w / journeys;
            t.weight = None;
        }
        Ok(ArmChain {
            journeys,
            chain: Chain::from_rows(parts)?,
        })
    }
}
