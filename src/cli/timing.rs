//! `--horizons`: the days of `conversions_within` when the chain has dwell times (a model fitted
//! from an event log, or a journey map), and the check that the flag can apply.

use clap::Args;

use journeysim_core::simulate::check_horizons;
use journeysim_core::{Error, Result};

/// The horizons when none are given: a week, a month, a quarter.
pub const DEFAULT_HORIZONS: [f64; 3] = [7.0, 30.0, 90.0];

/// The time flags of `simulate` and `whatif`.
#[derive(Args)]
pub struct TimeArgs {
    /// With dwell times (a model fitted from --events, or --map): report the share of journeys
    /// converting within each of these many days of their first touch, increasing
    /// [default: 7,30,90].
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "DAYS",
        allow_negative_numbers = true
    )]
    horizons: Option<Vec<f64>>,
}

impl TimeArgs {
    /// The horizons for a run whose chain has dwell times (`timed`), checked; an error when
    /// they are given for a chain without.
    pub fn horizons(&self, timed: bool) -> Result<Vec<f64>> {
        match (&self.horizons, timed) {
            (Some(_), false) => Err(Error::Invalid(
                "--horizons needs dwell times, which this input has none of: fit the model from \
                 an event log (--events, or --model with a file written by `journeysim fit \
                 --events`) or give a journey map (--map)"
                    .into(),
            )),
            (Some(h), true) => {
                check_horizons(h)?;
                Ok(h.clone())
            }
            (None, _) => Ok(DEFAULT_HORIZONS.to_vec()),
        }
    }
}
