//! `journeysim paths`: the paths that lead to purchase (most conversions, best conversion rate
//! with Wilson intervals) and path-length statistics, streamed from paths or an event log.

use clap::Args;

use journeysim_core::Result;
use journeysim_core::top_paths::{TopPathOptions, top_paths};
use journeysim_report::Format;

use super::input::PathsInput;
use super::output::{OutputArgs, warn};

/// Arguments of `paths`.
#[derive(Args)]
pub struct PathsArgs {
    #[command(flatten)]
    input: PathsInput,
    /// How many paths each ranking lists.
    #[arg(long, default_value_t = 10)]
    top: usize,
    /// Leave paths with fewer journeys out of the conversion-rate ranking.
    #[arg(long, default_value_t = 30.0)]
    min_journeys: f64,
    #[command(flatten)]
    output: OutputArgs,
}

/// Ranks the paths and writes the tables.
pub fn run(args: PathsArgs) -> Result<()> {
    args.output.check()?;
    let input = &args.input;
    let options = TopPathOptions {
        top: args.top,
        min_journeys: args.min_journeys,
    };
    let result = top_paths(input.data(None)?, options)?;
    warn(&result.warnings);
    args.output.emit(&result, Format::Table)
}
