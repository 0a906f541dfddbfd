//! `journeysim whatif`: scenario files applied to a chain, each compared with the baseline
//! exactly and by paired simulation, with an optional SVG of baseline vs scenario.

use std::path::PathBuf;

use clap::Args;

use journeysim_core::whatif::{Budget, ScenarioFile, what_if_budget};
use journeysim_core::{Chain, Error, Result};
use journeysim_io::budget_file::read_plan;
use journeysim_io::output::write_output;
use journeysim_report::Format;
use journeysim_report::svg::whatif_chart;

use super::chain::{ChainInput, ModelArgs};
use super::costs::{CostArgs, PeriodArgs};
use super::engine::{EngineArgs, ProgressBar};
use super::output::{OutputArgs, warn};
use super::picture::PictureArgs;
use super::simulate::channel_names;
use super::timing::TimeArgs;
use journeysim_core::simulate::Times;
use journeysim_io::scenario_file::read_scenario;

/// Arguments of `whatif`.
#[derive(Args)]
pub struct WhatifArgs {
    #[command(flatten)]
    input: ChainInput,
    #[command(flatten)]
    model: ModelArgs,
    /// A scenario file (JSON, see scenarios/README.md); repeat for several.
    #[arg(long = "scenario", required = true, value_name = "FILE", value_parser = super::values::file_name())]
    scenarios: Vec<String>,
    /// A budget plan (JSON, README "Budgets"): each channel's spend and what it buys; adds the
    /// exact figures per period (journeys, conversions, value, cost, CAC, ROAS) to every arm
    /// and allows the scale_spend, set_spend and shift_spend changes.
    #[arg(long, value_name = "PLAN_JSON", value_parser = super::values::file_name())]
    budget: Option<String>,
    /// Also draw each scenario's change in conversions (and value) with its interval, largest
    /// gain first, to this SVG file.
    #[arg(long, value_name = "FILE", value_parser = super::values::out_path())]
    svg: Option<PathBuf>,
    #[command(flatten)]
    picture: PictureArgs,
    #[command(flatten)]
    engine: EngineArgs,
    #[command(flatten)]
    time: TimeArgs,
    #[command(flatten)]
    costs: CostArgs,
    #[command(flatten)]
    period: PeriodArgs,
    #[command(flatten)]
    output: OutputArgs,
}

/// Journeys per arm when `whatif` is given no --journeys: enough for a paired interval on the
/// change in conversions of a few hundred journeys per million on the sample data.
const WHATIF_DEFAULT_JOURNEYS: u64 = 1_000_000;

/// Reads the scenarios, runs them against the baseline and writes the comparison.
pub fn run(args: WhatifArgs) -> Result<()> {
    args.output.check()?;
    let WhatifArgs {
        input,
        model,
        scenarios,
        budget,
        svg,
        picture,
        engine,
        time,
        costs,
        period,
        output,
    } = args;
    let plan = budget.as_deref().map(read_plan).transpose()?;
    let options = engine.options(Some(WHATIF_DEFAULT_JOURNEYS))?;
    let scenarios = scenarios
        .iter()
        .map(|file| {
            Ok(ScenarioFile {
                scenario: read_scenario(file)?,
                file: file.clone(),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let costs = costs.read()?;
    if let (Some(_), Some(plan)) = (&costs, &plan) {
        return Err(Error::Invalid(format!(
            "{}: --costs and --budget cannot be combined: the budget plan's spends are the \
             channels' costs (give each channel's cost as its spend in the plan)",
            plan.source
        )));
    }
    let loaded = input.load_timed(&model)?;
    let horizons = time.horizons(loaded.timings.is_some())?;
    let (components, source, warnings, volume) = (
        loaded.components,
        loaded.source,
        loaded.warnings,
        loaded.volume,
    );
    let period = costs
        .map(|costs| {
            period.price(
                &costs,
                channel_names(&components),
                volume.journeys(),
                &source,
            )
        })
        .transpose()?;
    warn(&warnings);
    let components: Vec<(f64, &Chain)> = components.iter().map(|(w, c)| (*w, c)).collect();
    let bar = ProgressBar::new(engine.quiet, engine.precision.is_some());
    let budget = plan.as_ref().map(|plan| Budget { plan, volume });
    let times = loaded.timings.as_deref().map(|timings| Times {
        timings,
        horizons: &horizons,
    });
    let result = what_if_budget(
        &components,
        &source,
        &scenarios,
        budget,
        times,
        &options,
        &|_, done, max| bar.update(done, max),
    );
    bar.finish();
    let mut result = result?;
    if let Some(period) = &period {
        result.price(period, &scenarios);
    }
    warn(&result.warnings);
    if let Some(path) = svg {
        write_output(
            Some(&path),
            whatif_chart(&result, picture.size())?.as_bytes(),
        )?;
    }
    output.emit(&result, Format::Table)
}
