//! `journeysim simulate`: Monte-Carlo journeys through a fitted, saved or mapped chain, with a
//! progress bar on long runs; the figures sit beside the exact ones in the report.

use clap::Args;

use journeysim_core::simulate::simulate_population;
use journeysim_core::{Chain, Result};
use journeysim_report::Format;

use super::chain::{ChainInput, ModelArgs};
use super::engine::{EngineArgs, ProgressBar};
use super::output::{OutputArgs, warn};

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
    output: OutputArgs,
}

/// Simulates and writes the summary.
pub fn run(args: SimulateArgs) -> Result<()> {
    args.output.check()?;
    let SimulateArgs {
        input,
        model,
        engine,
        output,
    } = args;
    let options = engine.options(None)?;
    let (components, source, warnings) = input.load_population(&model)?;
    warn(&warnings);
    let components: Vec<(f64, &Chain)> = components.iter().map(|(w, c)| (*w, c)).collect();
    let bar = ProgressBar::new(engine.quiet, engine.precision.is_some());
    let result = simulate_population(&components, &source, &options, &|done, max| {
        bar.update(done, max)
    });
    bar.finish();
    let result = result?;
    warn(&result.warnings);
    output.emit(&result, Format::Table)
}
