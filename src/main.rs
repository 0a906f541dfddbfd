//! The `journeysim` command line: parse arguments, call the library, print, map errors to exit
//! codes (0 ok, 1 failure, 2 bad input or usage). All logic lives in the library.

use std::fs::File;
use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use journeysim::attribution::segments::{attribute_event_segments, attribute_events};
use journeysim::attribution::{AttributionOptions, HeuristicOptions, attribute_paths};
use journeysim::funnel::{self, StageMap};
use journeysim::io::events::{EventsFormat, fit_events, read_events_file};
use journeysim::io::model_file::{ModelFile, Totals};
use journeysim::io::output::{write_output, write_output_streaming};
use journeysim::io::paths::PathsFormat;
use journeysim::journey_map::{JourneyMap, generate};
use journeysim::model::{FitOptions, fit_paths};
use journeysim::report::{Format, Report, render};
use journeysim::top_paths::{TopPathOptions, top_paths, top_paths_with};
use journeysim::validate::{ValidateOptions, validate};
use journeysim::{Error, Result};

#[derive(Parser)]
#[command(
    name = "journeysim",
    version,
    about = "Customer journeys as Markov chains: exact attribution, heuristics and simulation",
    after_help = "Examples:\n  journeysim attribute data/paths.csv\n  journeysim attribute data/paths.csv --order 3 --format json --out attribution.json\n  journeysim fit data/paths.csv --order 2 --out model.json\n  journeysim paths data/paths.csv --top 10"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Attribute conversions and value to channels: exact Markov removal effects beside
    /// first/last touch, linear, position-based and time-decay.
    #[command(
        after_help = "Example:\n  journeysim attribute data/paths.csv --order 2 --format json --out attribution.json"
    )]
    Attribute {
        #[command(flatten)]
        input: PathsInput,
        #[command(flatten)]
        model: ModelArgs,
        #[command(flatten)]
        heuristics: HeuristicArgs,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Fit an order-k chain and save it as a versioned JSON model file.
    #[command(
        after_help = "Examples:\n  journeysim fit data/paths.csv --order 2 --out model.json\n  journeysim fit data/sample_paths.csv --stages scenarios/stages.json --out model.json"
    )]
    Fit {
        #[command(flatten)]
        input: PathsInput,
        #[command(flatten)]
        model: ModelArgs,
        /// Attach a stage map (`{"stages": [...], "touchpoints": {"name": "stage"}}`) to the
        /// model, for `journeysim funnel --model`.
        #[arg(long, value_name = "STAGES_JSON")]
        stages: Option<String>,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// The paths that lead to purchase: most conversions, highest conversion rate (Wilson 95%
    /// interval), and path-length statistics.
    #[command(
        after_help = "Example:\n  journeysim paths data/paths.csv --top 10 --min-journeys 50"
    )]
    Paths {
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
    },
    /// The stage funnel: per stage, the share of journeys that reach it, move on, convert from
    /// it and drop out there (exact from the chain, observed from data), ranked by leakage.
    #[command(
        after_help = "Examples:\n  journeysim funnel --map scenarios/journey_map.json\n  journeysim funnel data/sample_paths.csv --stages scenarios/stages.json\n  journeysim funnel --events data/sample_events.csv --stages scenarios/stages.json --format json\n  journeysim funnel --model model.json"
    )]
    Funnel(FunnelArgs),
    /// Score every attribution method against a journey map's true removal effects: generate
    /// journeys, attribute them, report each method's total absolute share error.
    #[command(
        after_help = "Examples:\n  journeysim validate --map scenarios/journey_map.json --journeys 100000\n  journeysim validate --map scenarios/journey_map.json --journeys 200000 --order 2 --seed 7 --format json"
    )]
    Validate {
        /// Journey map (JSON; see scenarios/README.md, "Journey maps").
        #[arg(long)]
        map: String,
        /// Journeys to generate.
        #[arg(long, default_value_t = 100_000)]
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
    },
    /// Generate synthetic journeys from a journey map (known ground truth): aggregated paths or
    /// an event log.
    #[command(
        after_help = "Examples:\n  journeysim generate --map scenarios/journey_map.json --journeys 100000 --seed 1 --format paths --out paths.csv\n  journeysim generate --map scenarios/journey_map.json --journeys 5000 --format events --out events.csv"
    )]
    Generate {
        /// Journey map (JSON; see scenarios/README.md, "Journey maps").
        #[arg(long)]
        map: String,
        /// Number of journeys.
        #[arg(long)]
        journeys: u64,
        /// Random seed [default: 20240601].
        #[arg(long)]
        seed: Option<u64>,
        /// What to write: aggregated paths (the CSV `attribute` reads) or one row per touch.
        #[arg(long, value_enum, default_value = "paths")]
        format: GenerateFormat,
        /// Write to this file (atomically) instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Worker threads [default: all cores]; the output is the same for any number.
        #[arg(long)]
        threads: Option<usize>,
    },
}

/// Arguments of `funnel`.
#[derive(Args)]
struct FunnelArgs {
    #[command(flatten)]
    input: PathsInput,
    /// A model file (from `journeysim fit`) instead of data.
    #[arg(long, value_name = "MODEL_JSON")]
    model: Option<String>,
    /// A journey map instead of data (its own stages unless --stages is given).
    #[arg(long, value_name = "MAP_JSON")]
    map: Option<String>,
    /// Stage map: `{"stages": [...], "touchpoints": {"name": "stage", ...}}`.
    #[arg(long, value_name = "STAGES_JSON")]
    stages: Option<String>,
    /// Markov order of the chain fitted to data for the exact figures.
    #[arg(long, default_value_t = 1)]
    order: usize,
    #[command(flatten)]
    output: OutputArgs,
}

/// Output of `generate`.
#[derive(Clone, Copy, ValueEnum)]
enum GenerateFormat {
    /// `path,total_conversions,total_conversion_value,total_null`.
    Paths,
    /// `user_id,timestamp,touchpoint,stage,persona,conversion,value`.
    Events,
}

/// Where the paths come from and how they are laid out.
#[derive(Args)]
struct PathsInput {
    /// Aggregated paths file (`-` for standard input); leave out with --events.
    file: Option<String>,
    #[command(flatten)]
    events: EventArgs,
    /// Column holding the path.
    #[arg(long, default_value = "path")]
    path_col: String,
    /// Column holding conversion counts.
    #[arg(long, default_value = "total_conversions")]
    conversions_col: String,
    /// Column holding conversion value (optional unless named) [default: total_conversion_value,
    /// or value for --events].
    #[arg(long)]
    value_col: Option<String>,
    /// Column holding non-converting counts (optional unless named) [default: total_null].
    #[arg(long)]
    null_col: Option<String>,
    /// Field delimiter: `,` `;` `tab` or one character [default: detected from the header].
    #[arg(long)]
    delimiter: Option<String>,
    /// Separator between channels in a path.
    #[arg(long, default_value = ">")]
    channel_sep: String,
}

/// An event log instead of paths: one row per touch, cut into journeys.
#[derive(Args)]
struct EventArgs {
    /// Event log (`user_id,timestamp,touchpoint[,conversion,value]`, `-` for standard input)
    /// to read instead of a paths FILE. Sorted by user, then time, it streams in bounded memory;
    /// otherwise it is grouped in memory (with a note on stderr).
    #[arg(long, value_name = "FILE")]
    events: Option<String>,
    /// Event log: user column.
    #[arg(long, default_value = "user_id")]
    user_col: String,
    /// Event log: time column (RFC 3339, or Unix seconds / milliseconds).
    #[arg(long, default_value = "timestamp")]
    time_col: String,
    /// Event log: touchpoint column.
    #[arg(long, default_value = "touchpoint")]
    touchpoint_col: String,
    /// Event log: conversion column, 0/1 or a count (optional unless named) [default: conversion].
    #[arg(long)]
    conversion_col: Option<String>,
    /// Event log: touches more than this many days before a conversion are dropped.
    #[arg(long, default_value_t = 30.0)]
    lookback_days: f64,
    /// Event log: a journey without conversion ends after a gap of more than this many days.
    #[arg(long, default_value_t = 30.0)]
    inactivity_days: f64,
    /// Event log: one model and attribution per value of this column, beside the total.
    #[arg(long)]
    segment_col: Option<String>,
}

#[derive(Args)]
struct ModelArgs {
    /// Markov order: states are windows of this many consecutive touches.
    #[arg(long, default_value_t = 1)]
    order: usize,
    /// Keep consecutive identical states as self-loops (ChannelAttribution collapses them).
    #[arg(long)]
    keep_repeats: bool,
}

#[derive(Args)]
struct HeuristicArgs {
    /// Position-based share of the first touch.
    #[arg(long, default_value_t = 0.4)]
    position_first: f64,
    /// Position-based share of the last touch.
    #[arg(long, default_value_t = 0.4)]
    position_last: f64,
    /// Time-decay half-life in touches.
    #[arg(long, default_value_t = 1.0)]
    half_life: f64,
    /// Time-decay half-life in days, used instead of --half-life when touch times are known
    /// (--events).
    #[arg(long, default_value_t = 7.0)]
    half_life_days: f64,
}

#[derive(Args)]
struct OutputArgs {
    /// Output format [default: from the --out extension, else table].
    #[arg(long, value_enum)]
    format: Option<FormatArg>,
    /// Write to this file (atomically) instead of standard output.
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
enum FormatArg {
    Table,
    Json,
    Csv,
}

impl OutputArgs {
    fn format(&self, default: Format) -> Format {
        match self.format {
            Some(FormatArg::Table) => Format::Table,
            Some(FormatArg::Json) => Format::Json,
            Some(FormatArg::Csv) => Format::Csv,
            None => self
                .out
                .as_deref()
                .and_then(Format::from_extension)
                .unwrap_or(default),
        }
    }

    fn emit<R: Report>(&self, report: &R, default: Format) -> Result<()> {
        let bytes = render(report, self.format(default))?;
        write_output(self.out.as_deref(), &bytes)
    }
}

impl PathsInput {
    fn format(&self) -> Result<PathsFormat> {
        let defaults = PathsFormat::default();
        Ok(PathsFormat {
            path_col: self.path_col.clone(),
            conversions_col: self.conversions_col.clone(),
            value_required: self.value_col.is_some(),
            value_col: self.value_col.clone().unwrap_or(defaults.value_col),
            null_required: self.null_col.is_some(),
            null_col: self.null_col.clone().unwrap_or(defaults.null_col),
            delimiter: self.delimiter.as_deref().map(parse_delimiter).transpose()?,
            channel_sep: self.channel_sep.clone(),
        })
    }

    /// The paths file, or a usage error when there is none (or an event log too).
    fn paths_file(&self) -> Result<&str> {
        match (&self.file, &self.events.events) {
            (Some(_), Some(_)) => Err(Error::Invalid(
                "give either a paths FILE or --events FILE, not both".into(),
            )),
            (Some(f), None) => Ok(f),
            (None, Some(_)) => Err(Error::Invalid(
                "this command reads a paths FILE; --events is not supported here".into(),
            )),
            (None, None) => Err(Error::Invalid(
                "no input: give a paths FILE or --events FILE".into(),
            )),
        }
    }

    /// The event log, when the input is one (checked against a paths FILE given too).
    fn events_file(&self) -> Result<Option<&str>> {
        match (&self.file, &self.events.events) {
            (Some(_), Some(_)) => Err(Error::Invalid(
                "give either a paths FILE or --events FILE, not both".into(),
            )),
            (_, events) => Ok(events.as_deref()),
        }
    }

    /// How to read the event log.
    fn events_format(&self) -> Result<EventsFormat> {
        let e = &self.events;
        let defaults = EventsFormat::default();
        Ok(EventsFormat {
            user_col: e.user_col.clone(),
            time_col: e.time_col.clone(),
            touchpoint_col: e.touchpoint_col.clone(),
            conversion_required: e.conversion_col.is_some(),
            conversion_col: e.conversion_col.clone().unwrap_or(defaults.conversion_col),
            value_required: self.value_col.is_some(),
            value_col: self.value_col.clone().unwrap_or(defaults.value_col),
            segment_col: e.segment_col.clone(),
            delimiter: self.delimiter.as_deref().map(parse_delimiter).transpose()?,
            lookback_days: e.lookback_days,
            inactivity_days: e.inactivity_days,
        })
    }

    /// The input's name in messages.
    fn source(&self) -> &str {
        match self.file.as_deref().or(self.events.events.as_deref()) {
            Some("-") | None => "<stdin>",
            Some(f) => f,
        }
    }

    fn open(&self) -> Result<Box<dyn Read>> {
        let file = self.paths_file()?;
        if file == "-" {
            return Ok(Box::new(std::io::stdin().lock()));
        }
        let handle = File::open(file).map_err(|source| Error::Read {
            path: file.to_owned(),
            source,
        })?;
        Ok(Box::new(handle))
    }

    /// Rejects --segment-col where a command has no per-segment output.
    fn no_segments(&self, command: &str) -> Result<()> {
        match &self.events.segment_col {
            Some(_) => Err(Error::Invalid(format!(
                "--segment-col is supported by `attribute` (one model and attribution per segment), not by `{command}`"
            ))),
            None => Ok(()),
        }
    }
}

fn parse_delimiter(text: &str) -> Result<u8> {
    match text {
        "tab" | "\\t" | "\t" => Ok(b'\t'),
        t if t.len() == 1 && t.is_ascii() => Ok(t.as_bytes()[0]),
        t => Err(Error::Invalid(format!(
            "--delimiter '{t}' is not one ASCII character; use ',' ';' 'tab' or another single character"
        ))),
    }
}

fn warn(warnings: &[String]) {
    for w in warnings {
        eprintln!("warning: {w}");
    }
}

/// Runs `f` on a pool of `threads` workers (all cores when `None`).
fn with_threads<T: Send>(threads: Option<usize>, f: impl FnOnce() -> T + Send) -> Result<T> {
    match threads {
        None => Ok(f()),
        Some(0) => Err(Error::Invalid("--threads must be at least 1".into())),
        Some(n) => rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .map(|pool| pool.install(f))
            .map_err(|e| Error::Invalid(format!("cannot start {n} threads: {e}"))),
    }
}

fn run_generate(
    map: &str,
    journeys: u64,
    seed: Option<u64>,
    format: GenerateFormat,
    out: Option<&std::path::Path>,
) -> Result<()> {
    if journeys == 0 {
        return Err(Error::Invalid("--journeys must be at least 1".into()));
    }
    let map = JourneyMap::load(map)?;
    let seed = seed.unwrap_or(journeysim::rng::DEFAULT_SEED);
    let summary = match format {
        GenerateFormat::Paths => {
            let (counts, summary) = generate::generate_paths(&map, journeys, seed);
            write_output(out, &generate::paths_csv(&map, &counts)?)?;
            summary
        }
        GenerateFormat::Events => {
            let mut summary = None;
            write_output_streaming(out, |w, name| {
                summary = Some(generate::write_events(&map, journeys, seed, w, name)?);
                Ok(())
            })?;
            summary.expect("set on success")
        }
    };
    eprintln!(
        "generated {} journeys (seed {seed}): {} conversions, value {:.2}, {} touches{}",
        summary.journeys,
        summary.conversions,
        summary.value,
        summary.touches,
        if summary.truncated > 0 {
            format!(
                ", {} truncated at {} touches",
                summary.truncated,
                generate::MAX_STEPS
            )
        } else {
            String::new()
        }
    );
    Ok(())
}

fn run_funnel(args: FunnelArgs) -> Result<()> {
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
    input.no_segments("funnel")?;
    let stage_file = args.stages.as_deref().map(StageMap::load).transpose()?;
    let funnel = if let Some(path) = &args.map {
        let map = JourneyMap::load(path)?;
        let channels = map.channels();
        let (stages, stage_of) = match stage_file {
            Some(stages) => {
                let source = args.stages.as_deref().unwrap_or_default();
                let stage_of = stages.assign(&channels, source)?;
                (stages, stage_of)
            }
            None => {
                let own = StageMap::of_map(&map);
                let stage_of = own.assign(&channels, path)?;
                (own, stage_of)
            }
        };
        let exact = funnel::map_exact(&map, &stage_of, stages.stages.len())?;
        funnel::assemble(path, "map", &stages, &channels, &stage_of, exact, None)
    } else if let Some(path) = &args.model {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
            path: path.clone(),
            source,
        })?;
        let file = ModelFile::parse(&text, path)?;
        let (stages, stages_source) = match (stage_file, file.stages.clone()) {
            (Some(s), _) => (s, args.stages.clone().unwrap_or_default()),
            (None, Some(s)) => (s, path.clone()),
            (None, None) => {
                return Err(Error::Invalid(format!(
                    "{path} has no stage map: give --stages stages.json (or fit it with --stages)"
                )));
            }
        };
        let chain = file.into_chain(path)?;
        let stage_of = stages.assign(&chain.channels, &stages_source)?;
        let exact = funnel::chain_exact(&chain, &stage_of, stages.stages.len())?;
        funnel::assemble(
            path,
            "model",
            &stages,
            &chain.channels,
            &stage_of,
            exact,
            None,
        )
    } else {
        let stages_source = args.stages.clone().ok_or_else(|| {
            Error::Invalid("data need a stage map: give --stages stages.json".into())
        })?;
        let stages = stage_file.expect("loaded above");
        let source = input.source();
        if let Some(events) = input.events_file()? {
            let format = input.events_format()?;
            funnel::data_funnel(
                source,
                "events",
                &stages,
                &stages_source,
                args.order,
                |channels, observe| {
                    let summary = read_events_file(events, source, &format, channels, |j| {
                        let days = (j.row.conversions > 0.0)
                            .then(|| (j.end - j.times[0]) / journeysim::io::events::DAY);
                        observe(&j.row, days)
                    })?;
                    Ok(summary.warnings(source))
                },
            )?
        } else {
            let format = input.format()?;
            let reader = input.open()?;
            funnel::data_funnel(
                source,
                "paths",
                &stages,
                &stages_source,
                args.order,
                |channels, observe| {
                    let summary = journeysim::io::paths::read_paths(
                        reader,
                        source,
                        &format,
                        channels,
                        |row| observe(row, None),
                    )?;
                    Ok(summary.warnings(source))
                },
            )?
        }
    };
    warn(&funnel.warnings);
    args.output.emit(&funnel, Format::Table)
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Funnel(args) => run_funnel(args),
        Command::Validate {
            map,
            journeys,
            seed,
            order,
            heuristics,
            threads,
            output,
        } => {
            let options = ValidateOptions {
                journeys,
                seed: seed.unwrap_or(journeysim::rng::DEFAULT_SEED),
                order,
                heuristics: HeuristicOptions {
                    first_share: heuristics.position_first,
                    last_share: heuristics.position_last,
                    half_life: heuristics.half_life,
                },
            };
            let journey_map = JourneyMap::load(&map)?;
            let result = with_threads(threads, || validate(&journey_map, &map, &options))??;
            output.emit(&result, Format::Table)
        }
        Command::Generate {
            map,
            journeys,
            seed,
            format,
            out,
            threads,
        } => with_threads(threads, || {
            run_generate(&map, journeys, seed, format, out.as_deref())
        })?,
        Command::Attribute {
            input,
            model,
            heuristics,
            output,
        } => {
            let options = AttributionOptions {
                fit: FitOptions {
                    order: model.order,
                    keep_repeats: model.keep_repeats,
                    value_distribution: false,
                },
                heuristics: HeuristicOptions {
                    first_share: heuristics.position_first,
                    last_share: heuristics.position_last,
                    half_life: heuristics.half_life,
                },
            };
            if let Some(events) = input.events_file()? {
                let format = input.events_format()?;
                if format.segment_col.is_some() {
                    let (result, _) = attribute_event_segments(
                        events,
                        input.source(),
                        &format,
                        &options,
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
                    heuristics.half_life_days,
                )?;
                warn(&result.warnings);
                return output.emit(&result, Format::Table);
            }
            let result =
                attribute_paths(input.open()?, input.source(), &input.format()?, &options)?;
            warn(&result.warnings);
            output.emit(&result, Format::Table)
        }
        Command::Fit {
            input,
            model,
            stages,
            output,
        } => {
            let options = FitOptions {
                order: model.order,
                keep_repeats: model.keep_repeats,
                value_distribution: true,
            };
            input.no_segments("fit")?;
            let fitted = if let Some(events) = input.events_file()? {
                let (fitted, summary) =
                    fit_events(events, input.source(), &input.events_format()?, options)?;
                warn(&summary.warnings(input.source()));
                fitted
            } else {
                let fitted = fit_paths(
                    input.open()?,
                    input.source(),
                    &input.format()?,
                    options,
                    |_| {},
                )?;
                warn(&fitted.summary.warnings(input.source()));
                fitted
            };
            let s = &fitted.summary;
            let totals = Totals {
                journeys: s.journeys(),
                conversions: s.conversions,
                value: s.value,
                nulls: s.nulls,
            };
            let mut file = ModelFile::from_chain(&fitted.chain, Some(input.source()), Some(totals));
            if let Some(path) = stages {
                let map = StageMap::load(&path)?;
                map.assign(&fitted.chain.channels, &path)?;
                file.stages = Some(map);
            }
            output.emit(&file, Format::Json)
        }
        Command::Paths {
            input,
            top,
            min_journeys,
            output,
        } => {
            let options = TopPathOptions { top, min_journeys };
            input.no_segments("paths")?;
            let result = if let Some(events) = input.events_file()? {
                let format = input.events_format()?;
                top_paths_with(input.source(), options, |channels, visit| {
                    let summary =
                        read_events_file(events, input.source(), &format, channels, |j| {
                            visit(&j.row)
                        })?;
                    Ok((summary.as_read_summary(), summary.warnings(input.source())))
                })?
            } else {
                top_paths(input.open()?, input.source(), &input.format()?, options)?
            };
            warn(&result.warnings);
            output.emit(&result, Format::Table)
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code() as u8)
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        // clap checks flag clashes and references only in debug builds; check them in release too.
        super::Cli::command().debug_assert();
    }
}
