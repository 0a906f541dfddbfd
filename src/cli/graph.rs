//! `journeysim graph`: the transition graph of a chain as Graphviz DOT or Mermaid text, for
//! looking at a model before trusting its numbers.

use std::path::{Path, PathBuf};

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
    /// Output format [default: from the --out extension (.dot, .gv, .mmd), else dot]; with it,
    /// --out may have any extension.
    #[arg(long, value_enum)]
    format: Option<GraphFormatArg>,
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
    let format = match args.format {
        Some(GraphFormatArg::Dot) => GraphFormat::Dot,
        Some(GraphFormatArg::Mermaid) => GraphFormat::Mermaid,
        None => format_of_extension(args.out.as_deref())?,
    };
    let (chain, _, warnings) = args.input.load(&args.model)?;
    warn(&warnings);
    let text = transition_graph(&chain, format, min_probability);
    write_output(args.out.as_deref(), text.as_bytes())
}

/// The graph language `out`'s extension names (dot without --out or an extension); an
/// extension that names neither is an error, as for the reports' `--out`.
fn format_of_extension(out: Option<&Path>) -> Result<GraphFormat> {
    let Some(extension) = out.and_then(Path::extension) else {
        return Ok(GraphFormat::Dot);
    };
    match extension.to_string_lossy().to_ascii_lowercase().as_str() {
        "dot" | "gv" => Ok(GraphFormat::Dot),
        "mmd" | "mermaid" => Ok(GraphFormat::Mermaid),
        other => Err(Error::Invalid(format!(
            "--out {}: the extension .{other} names no graph format; use .dot or .gv (Graphviz) \
             or .mmd (Mermaid), or choose the format explicitly with --format dot|mermaid",
            out.map(Path::display)
                .map(|d| d.to_string())
                .unwrap_or_default()
        ))),
    }
}
