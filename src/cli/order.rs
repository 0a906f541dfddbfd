//! `journeysim order`: compare Markov orders by held-out log-likelihood and penalised AUC, and
//! recommend one (the comparison behind `--order auto`).

use clap::Args;

use journeysim_core::Result;
use journeysim_core::order_selection::{OrderOptions, select_order};
use journeysim_report::Format;

use super::input::PathsInput;
use super::output::{OutputArgs, warn};

/// Arguments of `order`.
#[derive(Args)]
pub struct OrderArgs {
    #[command(flatten)]
    input: PathsInput,
    /// Highest order to try.
    #[arg(long, default_value_t = 4)]
    max_order: usize,
    /// Cross-validation folds.
    #[arg(long, default_value_t = 5)]
    folds: usize,
    /// Seed of the fold assignment.
    #[arg(long, default_value_t = journeysim_core::rng::DEFAULT_SEED)]
    seed: u64,
    #[command(flatten)]
    output: OutputArgs,
}

/// Runs the comparison and writes it.
pub fn run(args: OrderArgs) -> Result<()> {
    args.output.check()?;
    let input = &args.input;
    let options = OrderOptions {
        max_order: args.max_order,
        folds: args.folds,
        seed: args.seed,
    };
    let result = select_order(input.data(None)?, options)?;
    warn(&result.warnings);
    args.output.emit(&result, Format::Table)
}
