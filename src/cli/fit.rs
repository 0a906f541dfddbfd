//! `journeysim fit`: fit a chain once and save it as a versioned model file, optionally with a
//! stage map, so `simulate`, `whatif`, `graph` and `funnel` can reuse it without the data.

use clap::Args;

use journeysim_core::Result;
use journeysim_core::model::document::{ModelDocument, Totals};
use journeysim_io::stage_file::read_stage_map;
use journeysim_report::Format;

use super::chain::{ModelArgs, fit_data_timed};
use super::input::PathsInput;
use super::output::{OutputArgs, warn};

/// Arguments of `fit`.
#[derive(Args)]
pub struct FitArgs {
    #[command(flatten)]
    input: PathsInput,
    #[command(flatten)]
    model: ModelArgs,
    /// Attach a stage map (`{"stages": [...], "touchpoints": {"name": "stage"}}`) to the
    /// model, for `journeysim funnel --model`.
    #[arg(long, value_name = "STAGES_JSON", value_parser = super::values::file_name())]
    stages: Option<String>,
    #[command(flatten)]
    output: OutputArgs,
}

/// Fits the input and writes the model file (JSON unless --format says otherwise).
pub fn run(args: FitArgs) -> Result<()> {
    args.output.check()?;
    let FitArgs {
        input,
        model,
        stages,
        output,
    } = args;
    let (fitted, warnings) = fit_data_timed(&input, &model)?;
    warn(&warnings);
    let s = &fitted.summary;
    let totals = Totals::of(s);
    let mut file = ModelDocument::from_chain(&fitted.chain, Some(input.source()), Some(totals));
    if !fitted.dwell.is_empty() {
        file = file.with_dwell(&fitted.dwell, &fitted.dwell_by_next);
    }
    if let Some(path) = stages {
        let map = read_stage_map(&path)?;
        map.assign(fitted.chain.channels(), &path)?;
        file.stages = Some(map);
    }
    output.emit(&file, Format::Json)
}
