//! `journeysim graph`: the transition graph of a chain as Graphviz DOT or Mermaid text, for
//! looking at a model before trusting its numbers.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use journeysim_core::{Error, Result};
use journeysim_io::output::write_output;
use journeysim_report::graph::{GraphFormat, transition_graph};

use super::chain::{ChainInput, ModelArgs};
use super::output::warn;

/// Arguments of `graph`. Its output is a graph language, not a report, so it has its own
/// `--format` and `--out` instead of the shared output flags.
#[derive(Args)]
pub struct GraphArgs {
    #[command(flatten)]
    input: ChainInput,
    #[command(flatten)]
    model: ModelArgs,
    /// Output format.
    #[arg(long, value_enum, default_value = "dot")]
    format: GraphFormatArg,
    /// Leave out transitions less likely than this.
    #[arg(long, default_value_t = 0.0)]
    min_probability: f64,
    /// Write to this file (atomically) instead of standard output.
    #[arg(long, value_parser = super::values::out_path())]
    out: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
enum GraphFormatArg {
    Dot,
    Mermaid,
}

/// Loads the chain and writes its graph.
pub fn run(args: GraphArgs) -> Result<()> {
    let min_probability = args.min_probability;
    if !(0.0..=1.0).contains(&min_probability) {
        return Err(Error::Invalid(format!(
            "--min-probability is {min_probability}; it must be in [0, 1]"
        )));
    }
    let (chain, _, warnings) = args.input.load(&args.model)?;
    warn(&warnings);
    let format = match args.format {
        GraphFormatArg::Dot => GraphFormat::Dot,
        GraphFormatArg::Mermaid => GraphFormat::Mermaid,
    };
    let text = transition_graph(&chain, format, min_probability);
    write_output(args.out.as_deref(), text.as_bytes())
}
