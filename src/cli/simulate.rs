//! `journeysim simulate`: Monte-Carlo journeys through a fitted, saved or mapped chain, with a
//! progress bar on long runs; the figures sit beside the exact ones in the report.

use clap::Args;

use journeysim_core::simulate::{Times, simulate_timed};
use journeysim_core::{Chain, Result};
use journeysim_report::Format;

use super::chain::{ChainInput, ModelArgs};
use super::costs::{CostArgs, PeriodArgs};
use super::engine::{EngineArgs, ProgressBar};
use super::output::{OutputArgs, warn};
use super::timing::TimeArgs;

/// Every channel of the chains to walk (a map's personas share its touchpoints).
pub fn channel_names(components: &[(f64, Chain)]) -> impl Iterator<Item = &str> {
    components
        .iter()
        .flat_map(|(_, c)| c.channels().names().iter().map(String::as_str))
}

/// Arguments of `simulate`.
#[derive(Args)]
pub struct SimulateArgs {
    #[command(flatten)]
    input: ChainInput,
    #[command(flatten)]
    model: ModelArgs,
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

/// Simulates and writes the summary.
pub fn run(args: SimulateArgs) -> Result<()> {
    args.output.check()?;
    let SimulateArgs {
        input,
        model,
        engine,
        time,
        costs,
        period,
        output,
    } = args;
    let options = engine.options(None)?;
    let costs = costs.read()?;
    let loaded = input.load_timed(&model)?;
    let horizons = time.horizons(loaded.timings.is_some())?;
    let (components, source, warnings) = (loaded.components, loaded.source, loaded.warnings);
    let journeys = loaded.volume.journeys();
    // Costs are matched with the channels before the walk, so a bad file costs no time.
    let period = costs
        .map(|costs| period.price(&costs, channel_names(&components), journeys, &source))
        .transpose()?;
    warn(&warnings);
    let components: Vec<(f64, &Chain)> = components.iter().map(|(w, c)| (*w, c)).collect();
    let bar = ProgressBar::new(engine.quiet, engine.precision.is_some());
    let times = loaded.timings.as_deref().map(|timings| Times {
        timings,
        horizons: &horizons,
    });
    let result = simulate_timed(&components, times, &source, &options, &|done, max| {
        bar.update(done, max)
    });
    bar.finish();
    let mut result = result?;
    if let Some(period) = &period {
        result.price(period);
    }
    warn(&result.warnings);
    output.emit(&result, Format::Table)
}
