//! Money: a budget plan's spends, what they buy on the chain, the exact figures per period, and
//! the spends that maximise conversions, value or profit.
//!
//! - [`plan`]: the checked plan (spend, `buys: entries | visits`, response curve, bounds);
//! - [`response`]: the response curves `m(x)` (linear, power, hill) with `m(1) = 1`, `m(0) = 0`;
//! - [`period`]: journeys, conversions, value, cost, CAC and ROAS per period at any spends,
//!   exactly, with their exact gradient;
//! - [`optimize`](mod@optimize): the spectral projected gradient optimiser and the target CPA/ROAS search;
//! - [`resample`]: a Bayesian-bootstrap interval of the gain, re-fitted on every resample.
//!
//! The plan states what the path data cannot show (how spend turns into touches); every result
//! built here carries [`ASSUMPTION`] so the reader is told.
//!
//! ```
//! use journeysim_core::budget::plan::{Buys, ChannelSpec, Plan};
//! use journeysim_core::budget::period::{PeriodModel, Volume};
//! use journeysim_core::journey::MemoryPaths;
//! use journeysim_core::model::{FitOptions, fit_paths};
//!
//! // 10 journeys start at a (4 convert), 10 at b (1 converts). a's spend buys its entries.
//! let rows = [(&["a"][..], 4.0, 0.0, 6.0), (&["b"][..], 1.0, 0.0, 9.0)];
//! let chain = fit_paths(MemoryPaths::new("example", &rows), FitOptions::order(1), |_| {})?.chain;
//! let a = ChannelSpec { spend: 100.0, buys: Some(Buys::Entries), response: None, min: None, max: None };
//! let plan = Plan::new(None, None, vec![a.into_plan("a").unwrap()]).unwrap();
//! let model = PeriodModel::new(&plan, &[(1.0, &chain)], Volume::Observed(20.0))?;
//! // Twice the spend (linear) buys twice a's journeys: 30 journeys, 9 conversions, CAC 200/9.
//! let period = model.evaluate(&[200.0])?;
//! assert!((period.journeys - 30.0).abs() < 1e-12 && (period.conversions - 9.0).abs() < 1e-12);
//! assert!((period.cac.unwrap() - 200.0 / 9.0).abs() < 1e-12);
//! # Ok::<(), journeysim_core::Error>(())
//! ```

pub mod optimize;
pub mod period;
pub mod plan;
pub mod resample;
pub mod response;

use serde::Serialize;

use crate::attribution::intervals::IntervalOptions;
use crate::error::Result;
use optimize::{Objective, OptimizeOptions, Optimum, Target, optimize};
use period::{Period, PeriodModel};

/// The one line every budget result carries.
pub const ASSUMPTION: &str = "what each channel's spend buys (entries or visits) and its response \
     curve are the plan's assumptions, which path data cannot reveal; calibrate them from past \
     periods or lift tests (README, \"Budgets\")";

/// Everything `journeysim optimize` reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Optimization {
    /// The data, model or map.
    pub input: String,
    /// The plan's currency label.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// What was maximised.
    pub objective: Objective,
    /// Total spend of the optimal plan's budget (fixed costs included).
    pub total: f64,
    /// The CPA or ROAS kept, when one was asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<Target>,
    /// Today's figures per period.
    pub today: Period,
    /// The optimal plan's figures per period.
    pub optimal: Period,
    /// Optimal minus today.
    pub gain: Gain,
    /// One entry per plan channel, sorted by name.
    pub channels: Vec<ChannelOutcome>,
    /// How the gain's intervals were drawn, when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub intervals: Option<IntervalOptions>,
    /// What the figures rest on.
    pub assumptions: Vec<String>,
    /// Things the user should know.
    pub warnings: Vec<String>,
}

/// The optimal plan's gain over today's, per period.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Gain {
    /// Expected conversions gained.
    pub conversions: f64,
    /// Expected value gained.
    pub value: f64,
    /// Bayesian-bootstrap interval of the conversions gained (with intervals).
    pub conversions_ci: Option<[f64; 2]>,
    /// Its interval of the value gained.
    pub value_ci: Option<[f64; 2]>,
}

/// One plan channel today and at the optimum.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChannelOutcome {
    /// The channel.
    pub channel: String,
    /// `entries`, `visits` or `fixed` (a fixed cost).
    pub buys: &'static str,
    /// Its response curve (`linear`, `power`, `hill`; `fixed` for a fixed cost).
    pub curve: &'static str,
    /// Today's spend.
    pub spend_today: f64,
    /// The optimal spend.
    pub spend_optimal: f64,
    /// Least spend allowed.
    pub min: f64,
    /// Most spend allowed.
    pub max: f64,
    /// d value / d spend today (`None` for a fixed cost).
    pub marginal_roas_today: Option<f64>,
    /// The same at the optimum.
    pub marginal_roas_optimal: Option<f64>,
    /// 1 / (d conversions / d spend) today (`None` for a fixed cost or no marginal conversions).
    pub marginal_cpa_today: Option<f64>,
    /// The same at the optimum.
    pub marginal_cpa_optimal: Option<f64>,
}

/// Optimises `model`'s plan and reports today beside the optimum (no intervals; see
/// [`resample::gain_intervals`]).
pub fn optimize_plan(
    model: &PeriodModel<'_>,
    input: &str,
    options: OptimizeOptions,
) -> Result<(Optimization, Optimum)> {
    let plan = model.plan();
    let today_spends = plan.today();
    let (today, today_gradient) = model.evaluate_with_gradient(&today_spends)?;
    let optimum = optimize(model, options)?;
    let mut warnings = Vec::new();
    if optimum.marginal_spread > 1e-6 {
        warnings.push(format!(
            "the marginal returns of the channels inside their bounds still differ by {:.2e} \
             (relative): the optimiser stopped before equalising them",
            optimum.marginal_spread
        ));
    }
    let roas = |g: [f64; 2], fixed: bool| (!fixed).then_some(g[1]);
    let cpa = |g: [f64; 2], fixed: bool| (!fixed && g[0] > 0.0).then(|| 1.0 / g[0]);
    let channels = plan
        .channels
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let fixed = c.effect.is_none();
            ChannelOutcome {
                channel: c.channel.clone(),
                buys: c.effect.map_or("fixed", |e| e.buys.name()),
                curve: c.effect.map_or("fixed", |e| e.response.name()),
                spend_today: c.spend,
                spend_optimal: optimum.spends[i],
                min: c.min,
                max: c.max,
                marginal_roas_today: roas(today_gradient[i], fixed),
                marginal_roas_optimal: roas(optimum.gradient[i], fixed),
                marginal_cpa_today: cpa(today_gradient[i], fixed),
                marginal_cpa_optimal: cpa(optimum.gradient[i], fixed),
            }
        })
        .collect();
    let result = Optimization {
        input: input.to_owned(),
        currency: plan.currency.clone(),
        objective: options.objective,
        total: optimum.total,
        target: options.target,
        today,
        optimal: optimum.period,
        gain: Gain {
            conversions: optimum.period.conversions - today.conversions,
            value: optimum.period.value - today.value,
            conversions_ci: None,
            value_ci: None,
        },
        channels,
        intervals: None,
        assumptions: vec![ASSUMPTION.to_owned()],
        warnings,
    };
    Ok((result, optimum))
}

/// The same figures as [`Period`] for a population's arms (whatif): `journeys x P(conversion)`
/// and `journeys x value per journey` of each arm chain, added up, with `cost` spent.
pub fn period_of_arms(arms: &[(f64, crate::solve::Absorption)], cost: f64) -> Period {
    let (mut journeys, mut conversions, mut value) = (0.0, 0.0, 0.0);
    for (j, a) in arms {
        journeys += j;
        conversions += j * a.conversion_probability;
        value += j * a.value_per_journey;
    }
    Period::new(journeys, conversions, value, cost)
}

#[cfg(test)]
mod tests;
