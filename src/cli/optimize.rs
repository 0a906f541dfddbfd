//! `journeysim optimize`: the spends of a budget plan that maximise conversions, value or profit
//! on the exact model, today beside the optimum, optionally with a Bayesian-bootstrap interval
//! of the gain and an SVG of the response curves.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use journeysim_core::attribution::intervals::IntervalOptions;
use journeysim_core::budget::optimize::{Objective, OptimizeOptions, Target};
use journeysim_core::budget::optimize_plan;
use journeysim_core::budget::period::{PeriodModel, Volume};
use journeysim_core::budget::resample::{IndexedFit, fit_indexed, gain_intervals};
use journeysim_core::model::FitOptions;
use journeysim_core::{Chain, Error, Result};
use journeysim_io::budget_file::read_plan;
use journeysim_io::output::write_output;
use journeysim_report::Format;
use journeysim_report::budget::response_chart;

use super::chain::{ChainInput, ModelArgs};
use super::engine::with_threads;
use super::output::{OutputArgs, warn};
use super::picture::PictureArgs;

/// Arguments of `optimize`.
#[derive(Args)]
pub struct OptimizeArgs {
    #[command(flatten)]
    input: ChainInput,
    #[command(flatten)]
    model: ModelArgs,
    /// The budget plan (JSON, README "Budgets"): each channel's spend, what it buys, its
    /// response curve and optional min/max.
    #[arg(long, required = true, value_name = "PLAN_JSON", value_parser = super::values::file_name())]
    budget: String,
    /// Total spend of all plan channels, fixed costs included [default: today's total]; for
    /// --objective profit, the most that may be spent.
    #[arg(long, value_name = "AMOUNT", conflicts_with_all = ["target_cpa", "target_roas"])]
    total: Option<f64>,
    /// What to maximise: expected conversions, value, or profit (value - spend).
    #[arg(long, value_enum, default_value = "conversions")]
    objective: ObjectiveArg,
    /// Instead of a total: the largest total whose optimal plan keeps CAC <= this.
    #[arg(long, value_name = "CPA", conflicts_with = "target_roas")]
    target_cpa: Option<f64>,
    /// Instead of a total: the largest total whose optimal plan keeps ROAS >= this.
    #[arg(long, value_name = "ROAS")]
    target_roas: Option<f64>,
    /// Add a Bayesian-bootstrap interval of the gain (the chain re-fitted on each resample, the
    /// same plan); needs data (a paths FILE or --events).
    #[arg(long)]
    intervals: bool,
    /// Bootstrap resamples (with --intervals); `1e3` and `1_000` are accepted.
    #[arg(long, default_value = "200", value_parser = super::values::count_usize, requires = "intervals")]
    resamples: usize,
    /// Interval coverage (with --intervals).
    #[arg(long, default_value_t = 0.95, requires = "intervals")]
    level: f64,
    /// Seed of the resamples (with --intervals); the same seed gives the same interval on any
    /// thread count.
    #[arg(long, default_value_t = journeysim_core::rng::DEFAULT_SEED, requires = "intervals")]
    seed: u64,
    /// Worker threads for the resamples [default: one per core]; never changes the output.
    #[arg(long, value_parser = super::values::count_usize)]
    threads: Option<usize>,
    /// Also draw each channel's response curve with today's and the optimal spend marked.
    #[arg(long, value_name = "FILE", value_parser = super::values::out_path())]
    svg: Option<PathBuf>,
    #[command(flatten)]
    picture: PictureArgs,
    #[command(flatten)]
    output: OutputArgs,
}

#[derive(Clone, Copy, ValueEnum)]
enum ObjectiveArg {
    Conversions,
    Value,
    Profit,
}

/// Reads the plan and the chain, optimises and writes the result.
pub fn run(args: OptimizeArgs) -> Result<()> {
    args.output.check()?;
    let objective = match args.objective {
        ObjectiveArg::Conversions => Objective::Conversions,
        ObjectiveArg::Value => Objective::Value,
        ObjectiveArg::Profit => Objective::Profit,
    };
    let target = match (args.target_cpa, args.target_roas) {
        (Some(x), _) => Some(("--target-cpa", x, Target::Cpa(x))),
        (_, Some(x)) => Some(("--target-roas", x, Target::Roas(x))),
        _ => None,
    };
    if let Some((flag, x, _)) = target {
        if !(x.is_finite() && x > 0.0) {
            return Err(Error::Invalid(format!(
                "{flag} is {x}; it must be a finite number > 0"
            )));
        }
        if objective == Objective::Profit {
            return Err(Error::Invalid(format!(
                "{flag} does not apply to --objective profit, which chooses its own total \
                 (at most --total)"
            )));
        }
    }
    let intervals = args
        .intervals
        .then(|| {
            IntervalOptions {
                resamples: args.resamples,
                level: args.level,
                seed: args.seed,
            }
            .check()
        })
        .transpose()?;
    let plan = read_plan(&args.budget)?;
    let options = OptimizeOptions {
        objective,
        total: args.total,
        target: target.map(|t| t.2),
    };
    let (indexed, components, source, mut warnings, volume) = match intervals {
        Some(_) => {
            let Some(data) = args.input.data_input() else {
                return Err(Error::Invalid(
                    "--intervals re-fits the chain on resamples of the data: give a paths FILE \
                     or --events, not --model or --map"
                        .into(),
                ));
            };
            let (order, auto) = args.model.resolve(data)?;
            let fit_options = FitOptions {
                order,
                keep_repeats: args.model.keep_repeats,
                value_distribution: false,
            };
            let fit = fit_indexed(data.data(auto.map(|(_, bytes)| bytes))?, fit_options)?;
            let volume = Volume::Observed(fit.summary.journeys());
            let warnings = fit.warnings.clone();
            let components = vec![(1.0, fit.chain.clone())];
            (
                Some(fit),
                components,
                data.source().to_owned(),
                warnings,
                volume,
            )
        }
        None => {
            let (components, source, warnings, volume) =
                args.input.load_population_with_volume(&args.model)?;
            (None, components, source, warnings, volume)
        }
    };
    if let (Some(j), Volume::Observed(observed)) = (plan.journeys, volume)
        && j != observed
    {
        warnings.push(format!(
            "the budget plan's \"journeys\" ({j}) replaces the {observed} journeys of {source}"
        ));
    }
    warn(&warnings);
    let population: Vec<(f64, &Chain)> = components.iter().map(|(w, c)| (*w, c)).collect();
    let model = PeriodModel::new(&plan, &population, volume)?;
    let (mut result, optimum) = optimize_plan(&model, &source, options)?;
    if let (Some(fit), Some(interval_options)) = (&indexed, intervals) {
        let [conversions, value] =
            resample(fit, &model, &optimum.spends, interval_options, args.threads)?;
        result.gain.conversions_ci = Some(conversions);
        result.gain.value_ci = Some(value);
        result.intervals = Some(interval_options);
    }
    warn(&result.warnings);
    if let Some(path) = &args.svg {
        let svg = response_chart(&plan, &optimum.spends, &source, args.picture.size())?;
        write_output(Some(path), svg.as_bytes())?;
    }
    args.output.emit(&result, Format::Table)
}

/// The gain's intervals, on `threads` workers (the result does not depend on them).
fn resample(
    fit: &IndexedFit,
    model: &PeriodModel<'_>,
    chosen: &[f64],
    options: IntervalOptions,
    threads: Option<usize>,
) -> Result<[[f64; 2]; 2]> {
    let plan = model.plan();
    let today = plan.today();
    with_threads(threads, || {
        gain_intervals(fit, plan, model.journeys(), &today, chosen, options)
    })?
}
