//! `journeysim attribute`: exact Markov removal effects beside the heuristics and Shapley, from
//! paths or an event log (optionally per segment), with an optional SVG of the credits.

use clap::Args;

use journeysim_core::Result;
use journeysim_core::attribution::segments::attribute_segments;
use journeysim_core::attribution::{AttributionOptions, attribute};
use journeysim_core::model::FitOptions;
use journeysim_io::output::write_output;
use journeysim_report::Format;
use journeysim_report::svg::attribution_chart;

use super::chain::ModelArgs;
use super::input::PathsInput;
use super::methods::{HeuristicArgs, TrustArgs};
use super::output::{OutputArgs, warn};

/// Arguments of `attribute`.
#[derive(Args)]
pub struct AttributeArgs {
    #[command(flatten)]
    input: PathsInput,
    #[command(flatten)]
    model: ModelArgs,
    #[command(flatten)]
    heuristics: HeuristicArgs,
    #[command(flatten)]
    trust: TrustArgs,
    #[command(flatten)]
    output: OutputArgs,
}

/// Attributes the input and writes the result (and the SVG when asked).
pub fn run(args: AttributeArgs) -> Result<()> {
    let AttributeArgs {
        input,
        model,
        heuristics,
        trust,
        output,
    } = args;
    let (order, auto) = model.resolve(&input)?;
    let options = AttributionOptions {
        fit: FitOptions {
            order,
            keep_repeats: model.keep_repeats,
            value_distribution: false,
        },
        heuristics: heuristics.options(),
    };
    let methods = trust.options()?;
    let (bytes, selection) = match auto {
        Some((selection, bytes)) => (Some(bytes), Some(selection)),
        None => (None, None),
    };
    let data = input.data(bytes)?;
    let half_life_days = input.events_file()?.map(|_| heuristics.half_life_days);
    if let Some(segment_col) = input
        .events_format()?
        .segment_col
        .filter(|_| half_life_days.is_some())
    {
        let result = attribute_segments(data, &segment_col, &options, &methods, half_life_days)?;
        warn(&result.total.warnings);
        return output.emit(&result, Format::Table);
    }
    let mut result = attribute(data, &options, &methods, half_life_days)?;
    result.model.order_selection = selection;
    if let Some(path) = &trust.svg {
        write_output(Some(path), attribution_chart(&result)?.as_bytes())?;
    }
    warn(&result.warnings);
    output.emit(&result, Format::Table)
}
