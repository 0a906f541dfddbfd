//! `journeysim validate`: score every attribution method against a journey map's true removal
//! effects, the ground truth that real data never have.

use clap::Args;

use journeysim_core::Result;
use journeysim_core::ground_truth::{GroundTruthOptions, score_with_progress};
use journeysim_io::map_file::read_map;
use journeysim_report::Format;

use super::engine::{ProgressBar, with_threads};
use super::methods::HeuristicArgs;
use super::output::OutputArgs;

/// Arguments of `validate`.
#[derive(Args)]
pub struct ValidateArgs {
    /// Journey map (JSON; see scenarios/README.md, "Journey maps").
    #[arg(long, value_parser = super::values::file_name())]
    map: String,
    /// Journeys to generate; `1e7` and `10_000_000` are accepted.
    #[arg(long, default_value = "100000", value_parser = super::values::count_u64)]
    journeys: u64,
    /// Random seed [default: 20240601].
    #[arg(long)]
    seed: Option<u64>,
    /// Markov order of the fitted chain.
    #[arg(long, default_value_t = 1)]
    order: usize,
    #[command(flatten)]
    heuristics: HeuristicArgs,
    /// Worker threads [default: all cores]; the output is the same for any number.
    #[arg(long)]
    threads: Option<usize>,
    #[command(flatten)]
    output: OutputArgs,
}

/// Generates, attributes and scores, then writes the scores.
pub fn run(args: ValidateArgs) -> Result<()> {
    args.output.check()?;
    let options = GroundTruthOptions {
        journeys: args.journeys,
        seed: args.seed.unwrap_or(journeysim_core::rng::DEFAULT_SEED),
        order: args.order,
        heuristics: args.heuristics.options(),
    };
    let journey_map = read_map(&args.map)?;
    let bar = ProgressBar::new(false, false);
    let result = with_threads(args.threads, || {
        score_with_progress(&journey_map, &args.map, &options, &|step| bar.step(step))
    });
    bar.finish();
    let result = result??;
    args.output.emit(&result, Format::Table)
}
