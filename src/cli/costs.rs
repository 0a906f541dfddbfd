//! `--costs costs.csv [--currency EUR]` (every command that can price its answer) and
//! `--period-journeys N` (the commands that walk a chain, whose input may not say how many
//! journeys the costed period holds).

use clap::Args;

use journeysim_core::cost::{Costs, PeriodCosts};
use journeysim_core::{Error, Result};
use journeysim_io::cost_file::read_costs;

/// The costs of the period the data cover.
#[derive(Args)]
pub struct CostArgs {
    /// Costs per channel over the period the data cover: a CSV with the columns `channel,cost`;
    /// adds each channel's cost, CPA and ROAS and the total cost, CAC and ROAS.
    #[arg(long, value_name = "COSTS_CSV", value_parser = super::values::file_name())]
    pub costs: Option<String>,
    /// Currency of the costs (e.g. EUR); it only labels the output.
    #[arg(long, requires = "costs")]
    pub currency: Option<String>,
}

impl CostArgs {
    /// The checked costs, when `--costs` was given. Read before any heavy work, so a bad file
    /// stops the run at once.
    pub fn read(&self) -> Result<Option<Costs>> {
        self.costs
            .as_deref()
            .map(|path| read_costs(path, self.currency.clone()))
            .transpose()
    }
}

/// How many journeys the costed period holds, for inputs that do not say.
#[derive(Args)]
pub struct PeriodArgs {
    /// With --costs on a journey map or a model file without totals: the journeys of the period
    /// the costs cover (data and `journeysim fit` models give their own).
    #[arg(long, value_name = "N", requires = "costs", value_parser = journeys)]
    pub period_journeys: Option<f64>,
}

impl PeriodArgs {
    /// The period's journeys: the input's own count when it has one (then `--period-journeys`
    /// is an error, as it cannot apply), else `--period-journeys`, else an error saying so.
    pub fn journeys(&self, known: Option<f64>, input: &str) -> Result<f64> {
        match (known, self.period_journeys) {
            (Some(n), _) if !(n.is_finite() && n > 0.0) => Err(Error::Invalid(format!(
                "{input} holds {n} journeys, so there is no period for --costs to price"
            ))),
            (Some(_), Some(_)) => Err(Error::Invalid(format!(
                "--period-journeys cannot apply: {input} gives the journeys of its period itself"
            ))),
            (Some(n), None) | (None, Some(n)) => Ok(n),
            (None, None) => Err(Error::Invalid(format!(
                "--costs are the costs of a period, and {input} does not say how many journeys \
                 a period holds (a journey map or a hand-written model has no counts): give \
                 --period-journeys N"
            ))),
        }
    }

    /// `costs` over the period of `input` with `channels`: the input's journeys or
    /// `--period-journeys`.
    pub fn price<'a>(
        &self,
        costs: &Costs,
        channels: impl IntoIterator<Item = &'a str>,
        known: Option<f64>,
        input: &str,
    ) -> Result<PeriodCosts> {
        PeriodCosts::new(costs, channels, self.journeys(known, input)?)
    }
}

/// A number of journeys: finite and > 0 (fractional weights allowed), `_` separators accepted.
fn journeys(text: &str) -> std::result::Result<f64, String> {
    match text.trim().replace('_', "").parse::<f64>() {
        Ok(x) if x.is_finite() && x > 0.0 => Ok(x),
        _ => Err(format!(
            "'{}' is not a number of journeys > 0 (write e.g. 10000 or 1e4)",
            journeysim_core::error::clip(text)
        )),
    }
}
