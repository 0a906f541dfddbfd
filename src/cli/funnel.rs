//! `journeysim funnel`: per stage, the share of journeys that reach it, move on, convert and drop
//! out, exact from a journey map or model and observed from data. It takes its own inputs rather
//! than [`ChainInput`](super::chain::ChainInput) because it needs a stage map too: a map's own
//! stages, a model's attached ones, or `--stages`. `--svg` draws the stages' exact reach (and reach of the stage or a later one) as bars.

use std::path::PathBuf;

use clap::Args;

use journeysim_core::funnel::{self, Funnel};
use journeysim_core::stages::StageMap;
use journeysim_core::{Error, Result};
use journeysim_io::map_file::read_map;
use journeysim_io::output::write_output;
use journeysim_io::stage_file::read_stage_map;
use journeysim_report::Format;
use journeysim_report::svg::funnel_chart;

use super::chain::read_model_file;
use super::costs::{CostArgs, PeriodArgs};
use super::input::PathsInput;
use super::output::{OutputArgs, warn};
use super::picture::PictureArgs;

/// Arguments of `funnel`.
#[derive(Args)]
pub struct FunnelArgs {
    #[command(flatten)]
    input: PathsInput,
    /// A model file (from `journeysim fit`) instead of data.
    #[arg(long, value_name = "MODEL_JSON", value_parser = super::values::file_name())]
    model: Option<String>,
    /// A journey map instead of data (its own stages unless --stages is given).
    #[arg(long, value_name = "MAP_JSON", value_parser = super::values::file_name())]
    map: Option<String>,
    /// Stage map: `{"stages": [...], "touchpoints": {"name": "stage", ...}}`.
    #[arg(long, value_name = "STAGES_JSON", value_parser = super::values::file_name())]
    stages: Option<String>,
    /// Markov order of the chain fitted to data for the exact figures.
    #[arg(long, default_value_t = 1)]
    order: usize,
    /// Also draw each stage's exact reach, and the reach of it or a later stage, as bars to this
    /// SVG file.
    #[arg(long, value_name = "FILE", value_parser = super::values::out_path())]
    svg: Option<PathBuf>,
    #[command(flatten)]
    picture: PictureArgs,
    #[command(flatten)]
    costs: CostArgs,
    #[command(flatten)]
    period: PeriodArgs,
    #[command(flatten)]
    output: OutputArgs,
}

/// Builds the funnel from exactly one input and writes it.
pub fn run(args: FunnelArgs) -> Result<()> {
    args.output.check()?;
    let input = &args.input;
    let sources = [
        input.file.is_some(),
        input.events.events.is_some(),
        args.model.is_some(),
        args.map.is_some(),
    ];
    if sources.iter().filter(|&&s| s).count() != 1 {
        return Err(Error::Invalid(
            "give exactly one input: a paths FILE, --events FILE, --model M or --map M".into(),
        ));
    }
    let costs = args.costs.read()?;
    let stage_file = args.stages.as_deref().map(read_stage_map).transpose()?;
    let (mut funnel, journeys) = if let Some(path) = &args.map {
        (map_funnel(path, stage_file, args.stages.as_deref())?, None)
    } else if let Some(path) = &args.model {
        model_funnel(path, stage_file, args.stages.as_deref())?
    } else {
        let funnel = data_funnel(input, stage_file, args.stages.as_deref(), args.order)?;
        let journeys = funnel.journeys;
        (funnel, journeys)
    };
    if let Some(costs) = &costs {
        let input = funnel.input.clone();
        let period = args
            .period
            .price(costs, funnel.touchpoints(), journeys, &input)?;
        funnel.price(&period);
    }
    warn(&funnel.warnings);
    if let Some(path) = &args.svg {
        write_output(
            Some(path),
            funnel_chart(&funnel, args.picture.size())?.as_bytes(),
        )?;
    }
    args.output.emit(&funnel, Format::Table)
}

/// The exact funnel of a journey map, staged by `--stages` or else by the map's own stages.
fn map_funnel(
    path: &str,
    stage_file: Option<StageMap>,
    stages_path: Option<&str>,
) -> Result<Funnel> {
    let map = read_map(path)?;
    let stages = stage_file.map(|s| (s, stages_path.unwrap_or_default()));
    funnel::map_funnel(&map, path, stages)
}

/// The exact funnel of a model file, staged by `--stages` or else by its attached stage map,
/// with the journeys the file holds (when `journeysim fit` wrote them).
fn model_funnel(
    path: &str,
    stage_file: Option<StageMap>,
    stages_path: Option<&str>,
) -> Result<(Funnel, Option<f64>)> {
    let file = read_model_file(path)?;
    let journeys = file.totals.as_ref().map(|t| t.journeys);
    let (stages, stages_source) = match (stage_file, file.stages.clone()) {
        (Some(s), _) => (s, stages_path.unwrap_or_default().to_owned()),
        (None, Some(s)) => (s, path.to_owned()),
        (None, None) => {
            return Err(Error::Invalid(format!(
                "{path} has no stage map: give --stages stages.json (or fit it with --stages)"
            )));
        }
    };
    let chain = file.into_chain(path)?;
    Ok((
        funnel::chain_funnel(&chain, path, &stages, &stages_source)?,
        journeys,
    ))
}

/// The observed funnel of paths or an event log beside the exact one of an order-`order` chain
/// fitted in the same pass; data have no stages of their own, so `--stages` is required.
fn data_funnel(
    input: &PathsInput,
    stage_file: Option<StageMap>,
    stages_path: Option<&str>,
    order: usize,
) -> Result<Funnel> {
    let (Some(stages), Some(stages_source)) = (stage_file, stages_path) else {
        return Err(Error::Invalid(
            "data need a stage map: give --stages stages.json".into(),
        ));
    };
    let kind = if input.events_file()?.is_some() {
        "events"
    } else {
        "paths"
    };
    funnel::data_funnel(input.data(None)?, kind, &stages, stages_source, order)
}
