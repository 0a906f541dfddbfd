//! `journeysim attribute`: exact Markov removal effects beside the heuristics and Shapley, from
//! paths or an event log (optionally per segment), with an optional SVG of the credits.

use clap::Args;

use journeysim_core::attribution::pricing::price_attribution;
use journeysim_core::attribution::segments::attribute_segments;
use journeysim_core::attribution::{
    AttributionMethod, AttributionOptions, attribute_with_progress,
};
use journeysim_core::model::FitOptions;
use journeysim_core::{Error, Result};
use journeysim_io::output::write_output;
use journeysim_report::Format;
use journeysim_report::svg::attribution_chart;

use super::chain::ModelArgs;
use super::costs::CostArgs;
use super::engine::ProgressBar;
use super::input::PathsInput;
use super::methods::{HeuristicArgs, TrustArgs};
use super::output::{OutputArgs, warn};
use super::picture::PictureArgs;

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
    picture: PictureArgs,
    /// Event log: one model and attribution per value of this column, beside the total (the
    /// value on a journey's last row).
    #[arg(long, requires = "events")]
    segment_col: Option<String>,
    #[command(flatten)]
    costs: CostArgs,
    #[command(flatten)]
    output: OutputArgs,
}

/// Attributes the input and writes the result (and the SVG when asked).
pub fn run(args: AttributeArgs) -> Result<()> {
    args.output.check()?;
    let AttributeArgs {
        input,
        model,
        heuristics,
        trust,
        picture,
        segment_col,
        costs,
        output,
    } = args;
    if segment_col.is_some() && trust.svg.is_some() {
        return Err(Error::Invalid(
            "--svg draws one attribution and cannot show --segment-col's per-segment results; \
             run once per segment (filter the event log) to draw each"
                .into(),
        ));
    }
    if segment_col.is_some() && costs.costs.is_some() {
        return Err(Error::Invalid(
            "--costs are one period's costs of each channel over all journeys and cannot be split \
             by --segment-col's segments; run without --segment-col to price the total"
                .into(),
        ));
    }
    let costs = costs.read()?;
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
    let half_life_days = input.events_file()?.map(|_| heuristics.half_life_days);
    if let Some(segment_col) = segment_col {
        let data = input.events_by_segment(&segment_col)?;
        let result = attribute_segments(data, &segment_col, &options, &methods, half_life_days)?;
        warn(&result.total.warnings);
        return output.emit(&result, Format::Table);
    }
    let data = input.data(bytes)?;
    let bar = ProgressBar::new(false, false);
    let result = attribute_with_progress(data, &options, &methods, half_life_days, &|step| {
        bar.step(step)
    });
    bar.finish();
    let mut result = result?;
    result.model.order_selection = selection;
    if let Some(costs) = &costs {
        price_attribution(&mut result, costs)?;
    }
    if let Some(path) = &trust.svg {
        // One method per picture: the first one asked for (Markov unless --models says).
        let method = methods
            .methods
            .first()
            .copied()
            .unwrap_or(AttributionMethod::Markov);
        let svg = attribution_chart(&result, method, picture.size())?;
        write_output(Some(path), svg.as_bytes())?;
    }
    warn(&result.warnings);
    output.emit(&result, Format::Table)
}
