//! Settings of the attribution methods: the heuristics' parameters (shared by `attribute` and
//! `validate`, which must score the same methods the user would run) and which methods to
//! report, with intervals on the Markov results.

use std::path::PathBuf;

use clap::Args;

use journeysim_core::Result;
use journeysim_core::attribution::{
    AttributionMethod, HeuristicOptions, IntervalOptions, MethodOptions,
};

/// Parameters of the position-based and time-decay heuristics.
#[derive(Args)]
pub struct HeuristicArgs {
    /// Position-based share of the first touch.
    #[arg(long, default_value_t = 0.4)]
    position_first: f64,
    /// Position-based share of the last touch.
    #[arg(long, default_value_t = 0.4)]
    position_last: f64,
    /// Time-decay half-life in touches.
    #[arg(long, default_value_t = 1.0)]
    half_life: f64,
    /// Time-decay half-life in days, used instead of --half-life when touch times are known
    /// (--events).
    #[arg(long, default_value_t = 7.0)]
    pub half_life_days: f64,
}

impl HeuristicArgs {
    /// The heuristics' options for paths (touch counts, not times).
    pub fn options(&self) -> HeuristicOptions {
        HeuristicOptions {
            first_share: self.position_first,
            last_share: self.position_last,
            half_life: self.half_life,
        }
    }
}

/// Which methods `attribute` reports, and intervals on the Markov results.
#[derive(Args)]
pub struct TrustArgs {
    /// Methods to report, comma-separated: markov, first_touch, last_touch, linear,
    /// position_based, time_decay, shapley, shapley_ordered [default: all].
    #[arg(long, value_delimiter = ',')]
    models: Vec<String>,
    /// Add Bayesian-bootstrap percentile intervals to removal effects and Markov credits.
    #[arg(long)]
    intervals: bool,
    /// Bootstrap resamples (with --intervals); `1e3` and `1_000` are accepted.
    #[arg(long, default_value = "200", value_parser = super::values::count_usize)]
    resamples: usize,
    /// Interval coverage (with --intervals).
    #[arg(long, default_value_t = 0.95)]
    level: f64,
    /// Seed of the resamples; the same seed gives the same intervals on any thread count.
    #[arg(long, default_value_t = journeysim_core::rng::DEFAULT_SEED)]
    seed: u64,
    /// Also draw the credits by channel to this SVG file: the first method of --models (Markov
    /// by default), largest first, conversions and value, interval whiskers with --intervals.
    #[arg(long, value_parser = super::values::out_path())]
    pub svg: Option<PathBuf>,
}

impl TrustArgs {
    /// The methods to run and their interval options (unknown method names are an error).
    pub fn options(&self) -> Result<MethodOptions> {
        let methods = if self.models.is_empty() {
            AttributionMethod::ALL.to_vec()
        } else {
            self.models
                .iter()
                .map(|m| AttributionMethod::parse(m))
                .collect::<Result<_>>()?
        };
        let intervals = self.intervals.then_some(IntervalOptions {
            resamples: self.resamples,
            level: self.level,
            seed: self.seed,
        });
        Ok(MethodOptions { methods, intervals })
    }
}
