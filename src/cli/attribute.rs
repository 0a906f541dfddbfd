//! `journeysim attribute`: exact Markov removal effects beside the heuristics and Shapley, from
//! paths or an event log (optionally per segment), with an optional SVG of the credits.

use clap::Args;

use journeysim::Result;
use journeysim::attribution::segments::{attribute_event_segments, attribute_events};
use journeysim::attribution::{AttributionOptions, attribute_paths_with};
use journeysim::io::output::write_output;
use journeysim::model::FitOptions;
use journeysim::report::Format;
use journeysim::report::svg::attribution_chart;

use super::chain::{ModelArgs, reopen};
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
    if let Some(events) = input.events_file()? {
        let format = input.events_format()?;
        if format.segment_col.is_some() {
            let (result, _) = attribute_event_segments(
                events,
                input.source(),
                &format,
                &options,
                &methods,
                heuristics.half_life_days,
            )?;
            warn(&result.total.warnings);
            return output.emit(&result, Format::Table);
        }
        let (result, _) = attribute_events(
            events,
            input.source(),
            &format,
            &options,
            &methods,
            heuristics.half_life_days,
        )?;
        warn(&result.warnings);
        if let Some(path) = &trust.svg {
            write_output(Some(path), attribution_chart(&result)?.as_bytes())?;
        }
        return output.emit(&result, Format::Table);
    }
    let (bytes, selection) = match auto {
        Some((selection, bytes)) => (Some(bytes), Some(selection)),
        None => (None, None),
    };
    let reader = reopen(&input, bytes)?;
    let mut result =
        attribute_paths_with(reader, input.source(), &input.format()?, &options, &methods)?;
    result.model.order_selection = selection;
    if let Some(path) = &trust.svg {
        write_output(Some(path), attribution_chart(&result)?.as_bytes())?;
    }
    warn(&result.warnings);
    output.emit(&result, Format::Table)
}
