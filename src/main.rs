//! The `journeysim` command line: parse arguments, call the library, print, map errors to exit
//! codes (0 ok, 1 failure, 2 bad input or usage). All logic lives in the library.

use std::fs::File;
use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use journeysim::attribution::segments::{attribute_event_segments, attribute_events};
use journeysim::attribution::{
    AttributionOptions, HeuristicOptions, IntervalOptions, Method, MethodOptions,
    attribute_paths_with,
};
use journeysim::funnel::{self, StageMap};
use journeysim::io::events::{EventsFormat, fit_events, read_events_file};
use journeysim::io::model_file::{ModelFile, Totals};
use journeysim::io::output::{write_output, write_output_streaming};
use journeysim::io::paths::PathsFormat;
use journeysim::journey_map::{JourneyMap, generate};
use journeysim::model::{FitOptions, fit_paths};
use journeysim::order_selection::{OrderOptions, OrderSelection, select_order};
use journeysim::report::graph::{GraphFormat, transition_graph};
use journeysim::report::svg::ScenarioItem;
use journeysim::report::{Format, Report, render};
use journeysim::scenario::Scenario;
use journeysim::simulate::{
    DEFAULT_MAX_STEPS, DEFAULT_PRECISION_CAP, SimulateOptions, Stop, simulate_population,
};
use journeysim::top_paths::{TopPathOptions, top_paths, top_paths_with};
use journeysim::validate::{ValidateOptions, validate};
use journeysim::whatif::{ScenarioFile, what_if_population};
use journeysim::{Chain, Error, Result};

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
        after_help = "Example:\n  journeysim attribute data/paths.csv --order 2 --format json --out attribution.json\n  journeysim attribute data/paths.csv --models markov,shapley --intervals --resamples 500 --seed 7"
    )]
    Attribute {
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
    /// Compare Markov orders: held-out log-likelihood (k-fold over journeys) beside
    /// ChannelAttribution's penalised AUC, and a recommended order.
    #[command(after_help = "Example:\n  journeysim order data/paths.csv --max-order 4 --folds 5")]
    Order {
        #[command(flatten)]
        input: PathsInput,
        /// Highest order to try.
        #[arg(long, default_value_t = 4)]
        max_order: usize,
        /// Cross-validation folds.
        #[arg(long, default_value_t = 5)]
        folds: usize,
        /// Seed of the fold assignment.
        #[arg(long, default_value_t = journeysim::rng::DEFAULT_SEED)]
        seed: u64,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// The transition graph of a chain, fitted from a paths file or read from a model file, as
    /// Graphviz DOT or Mermaid.
    #[command(
        after_help = "Examples:\n  journeysim graph data/paths.csv --min-probability 0.05 --out graph.dot && dot -Tsvg graph.dot > graph.svg\n  journeysim graph --model model.json --format mermaid"
    )]
    Graph {
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
        #[arg(long)]
        out: Option<PathBuf>,
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
    /// Simulate journeys through a fitted or hand-written chain (Monte Carlo): conversion rate,
    /// value, path length and removal effects with 95% intervals, beside the exact figures.
    /// Bit-identical output for any --threads.
    #[command(
        after_help = "Examples:\n  journeysim simulate data/paths_10k.csv --journeys 10000000 --seed 7\n  journeysim simulate --model model.json --precision 0.0005 --format json --out sim.json"
    )]
    Simulate {
        #[command(flatten)]
        input: ChainInput,
        #[command(flatten)]
        model: ModelArgs,
        #[command(flatten)]
        engine: EngineArgs,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// What-if scenarios: change the model (remove or add a touchpoint, scale dropout or
    /// conversion, shift entries...) and compare it with the baseline, exact and simulated on
    /// common random numbers, with an interval on the difference.
    #[command(
        after_help = "Examples:\n  journeysim whatif data/paths_10k.csv --scenario scenarios/remove_display.json --scenario scenarios/shift_display_to_search.json\n  journeysim whatif data/sample_paths.csv --scenario scenarios/checkout_abandonment.json --journeys 2000000 --seed 7 --format json --out whatif.json"
    )]
    Whatif {
        #[command(flatten)]
        input: ChainInput,
        #[command(flatten)]
        model: ModelArgs,
        /// A scenario file (JSON, see scenarios/README.md); repeat for several.
        #[arg(long = "scenario", required = true, value_name = "FILE")]
        scenarios: Vec<String>,
        /// Also draw baseline vs scenario conversions and the difference with its interval.
        #[arg(long, value_name = "FILE")]
        svg: Option<PathBuf>,
        #[command(flatten)]
        engine: EngineArgs,
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
    /// Markov order: states are windows of this many consecutive touches, or `auto` to choose
    /// it by held-out log-likelihood (see `journeysim order`; reads the input into memory).
    #[arg(long, default_value = "1")]
    order: OrderArg,
    /// Keep consecutive identical states as self-loops (ChannelAttribution collapses them).
    #[arg(long)]
    keep_repeats: bool,
}

/// `--order K` or `--order auto`.
#[derive(Clone, Copy)]
enum OrderArg {
    Fixed(usize),
    Auto,
}

impl std::str::FromStr for OrderArg {
    type Err = String;
    fn from_str(text: &str) -> std::result::Result<Self, String> {
        if text.eq_ignore_ascii_case("auto") {
            return Ok(OrderArg::Auto);
        }
        text.parse::<usize>()
            .map(OrderArg::Fixed)
            .map_err(|_| format!("'{text}' is not an order: give a whole number >= 1 or 'auto'"))
    }
}

/// What `--order auto` found, and the input it buffered to read again.
type AutoOrder = (OrderSelection, Vec<u8>);

impl ModelArgs {
    /// The order to fit and, for `auto`, the comparison behind it and the buffered input (a
    /// stream can be read only once).
    fn resolve(&self, input: &PathsInput) -> Result<(usize, Option<AutoOrder>)> {
        match self.order {
            OrderArg::Fixed(k) => Ok((k, None)),
            OrderArg::Auto => {
                let mut bytes = Vec::new();
                input
                    .open()?
                    .read_to_end(&mut bytes)
                    .map_err(|source| Error::Read {
                        path: input.source().to_owned(),
                        source,
                    })?;
                let selection = select_order(
                    bytes.as_slice(),
                    input.source(),
                    &input.format()?,
                    OrderOptions::default(),
                )?;
                eprintln!(
                    "order auto: {} ({})",
                    selection.recommended_order, selection.reason
                );
                Ok((selection.recommended_order, Some((selection, bytes))))
            }
        }
    }
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

/// Which methods `attribute` reports, and intervals on the Markov results.
#[derive(Args)]
struct TrustArgs {
    /// Methods to report, comma-separated: markov, first_touch, last_touch, linear,
    /// position_based, time_decay, shapley, shapley_ordered [default: all].
    #[arg(long, value_delimiter = ',')]
    models: Vec<String>,
    /// Add Bayesian-bootstrap percentile intervals to removal effects and Markov credits.
    #[arg(long)]
    intervals: bool,
    /// Bootstrap resamples (with --intervals).
    #[arg(long, default_value_t = 200)]
    resamples: usize,
    /// Interval coverage (with --intervals).
    #[arg(long, default_value_t = 0.95)]
    level: f64,
    /// Seed of the resamples; the same seed gives the same intervals on any thread count.
    #[arg(long, default_value_t = journeysim::rng::DEFAULT_SEED)]
    seed: u64,
    /// Also draw the credits by channel (methods side by side, interval whiskers) to this SVG file.
    #[arg(long)]
    svg: Option<PathBuf>,
}

impl TrustArgs {
    fn options(&self) -> Result<MethodOptions> {
        let methods = if self.models.is_empty() {
            Method::ALL.to_vec()
        } else {
            self.models
                .iter()
                .map(|m| Method::parse(m))
                .collect::<Result<_>>()?
        };
        let intervals = self.intervals.then_some(IntervalOptions {
            resamples: self.resamples,
            level: self.level,
            seed: self.seed,
        });
        Ok(MethodOptions { methods, intervals })
    }
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
enum GraphFormatArg {
    Dot,
    Mermaid,
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
            trust,
            output,
        } => {
            let (order, auto) = model.resolve(&input)?;
            let options = AttributionOptions {
                fit: FitOptions {
                    order,
                    keep_repeats: model.keep_repeats,
                    value_distribution: false,
                },
                heuristics: HeuristicOptions {
                    first_share: heuristics.position_first,
                    last_share: heuristics.position_last,
                    half_life: heuristics.half_life,
                },
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
                    let svg = journeysim::report::svg::attribution_chart(&result)?;
                    write_output(Some(path), svg.as_bytes())?;
                }
                return output.emit(&result, Format::Table);
            }
            let (reader, selection): (Box<dyn Read>, _) = match auto {
                Some((selection, bytes)) => {
                    (Box::new(std::io::Cursor::new(bytes)), Some(selection))
                }
                None => (input.open()?, None),
            };
            let mut result =
                attribute_paths_with(reader, input.source(), &input.format()?, &options, &methods)?;
            result.model.order_selection = selection;
            if let Some(path) = &trust.svg {
                let svg = journeysim::report::svg::attribution_chart(&result)?;
                write_output(Some(path), svg.as_bytes())?;
            }
            warn(&result.warnings);
            output.emit(&result, Format::Table)
        }
        Command::Fit {
            input,
            model,
            stages,
            output,
        } => {
            let (order, auto) = model.resolve(&input)?;
            let options = FitOptions {
                order,
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
                let reader: Box<dyn Read> = match auto {
                    Some((_, bytes)) => Box::new(std::io::Cursor::new(bytes)),
                    None => input.open()?,
                };
                let fitted = fit_paths(reader, input.source(), &input.format()?, options, |_| {})?;
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
        Command::Order {
            input,
            max_order,
            folds,
            seed,
            output,
        } => {
            let options = OrderOptions {
                max_order,
                folds,
                seed,
            };
            let result = select_order(input.open()?, input.source(), &input.format()?, options)?;
            warn(&result.warnings);
            output.emit(&result, Format::Table)
        }
        Command::Graph {
            input,
            model,
            format,
            min_probability,
            out,
        } => {
            if !(0.0..=1.0).contains(&min_probability) {
                return Err(Error::Invalid(format!(
                    "--min-probability is {min_probability}; it must be in [0, 1]"
                )));
            }
            let (chain, _, warnings) = input.load(&model)?;
            warn(&warnings);
            let format = match format {
                GraphFormatArg::Dot => GraphFormat::Dot,
                GraphFormatArg::Mermaid => GraphFormat::Mermaid,
            };
            let text = transition_graph(&chain, format, min_probability);
            write_output(out.as_deref(), text.as_bytes())
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
        Command::Simulate {
            input,
            model,
            engine,
            output,
        } => simulate_command(&input, &model, &engine, &output),
        Command::Whatif {
            input,
            model,
            scenarios,
            svg,
            engine,
            output,
        } => whatif_command(&input, &model, &scenarios, svg.as_deref(), &engine, &output),
    }
}

/// A chain from data (a paths file or an event log, fitted here) or from a model file: the
/// input of the commands that walk or draw a chain.
#[derive(Args)]
struct ChainInput {
    #[command(flatten)]
    data: PathsInput,
    /// A model file written by `journeysim fit` (or by hand) instead of data; --order and the
    /// column options then do not apply.
    #[arg(long, value_name = "MODEL_JSON", conflicts_with_all = ["file", "events"])]
    model: Option<String>,
    /// A journey map (scenarios/README.md) instead of data: its personas are walked as a
    /// mixture, each journey drawing its persona by share.
    #[arg(long, value_name = "MAP_JSON", conflicts_with_all = ["file", "events", "model"])]
    map: Option<String>,
}

/// Chains with population shares: one chain (share 1) or a journey map's personas.
type Components = Vec<(f64, Chain)>;

impl ChainInput {
    /// The chains to walk with their shares, the input's name and any warnings.
    fn load_population(&self, model: &ModelArgs) -> Result<(Components, String, Vec<String>)> {
        if let Some(path) = &self.map {
            let map = JourneyMap::load(path)?;
            return Ok((map.persona_chains(), path.clone(), Vec::new()));
        }
        let (chain, source, warnings) = self.load(model)?;
        Ok((vec![(1.0, chain)], source, warnings))
    }

    /// The chain, the input's name and any warnings about the input. Data are fitted with the
    /// empirical value distribution kept, for the simulated value draws.
    fn load(&self, model: &ModelArgs) -> Result<(Chain, String, Vec<String>)> {
        if let Some(path) = &self.map {
            let map = JourneyMap::load(path)?;
            return Ok((map.flow_chain()?, path.clone(), Vec::new()));
        }
        if let Some(path) = &self.model {
            let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
                path: path.clone(),
                source,
            })?;
            let chain = ModelFile::parse(&text, path)?.into_chain(path)?;
            return Ok((chain, path.clone(), Vec::new()));
        }
        let input = &self.data;
        if input.file.is_none() && input.events.events.is_none() {
            return Err(Error::Invalid(
                "no input: give a paths FILE, --events FILE or --model FILE".into(),
            ));
        }
        input.no_segments("this command")?;
        let (order, auto) = model.resolve(input)?;
        let options = FitOptions {
            order,
            keep_repeats: model.keep_repeats,
            value_distribution: true,
        };
        let source = input.source().to_owned();
        if let Some(events) = input.events_file()? {
            let (fitted, summary) = fit_events(events, &source, &input.events_format()?, options)?;
            return Ok((fitted.chain, source.clone(), summary.warnings(&source)));
        }
        let reader: Box<dyn Read> = match auto {
            Some((_, bytes)) => Box::new(std::io::Cursor::new(bytes)),
            None => input.open()?,
        };
        let fitted = fit_paths(reader, &source, &input.format()?, options, |_| {})?;
        let warnings = fitted.summary.warnings(&source);
        Ok((fitted.chain, source, warnings))
    }
}

/// The simulation engine's flags (shared by the simulation commands).
#[derive(Args)]
struct EngineArgs {
    /// Journeys to simulate (with --precision: the most to simulate); `1e7` and `10_000_000`
    /// are accepted.
    #[arg(long, value_parser = parse_count)]
    journeys: Option<u64>,
    /// Keep adding batches until the 95% interval of the conversion rate has at most this
    /// half-width (e.g. 0.0005); deterministic for a given seed.
    #[arg(long)]
    precision: Option<f64>,
    /// Seed of the random streams (printed in every output).
    #[arg(long, default_value_t = journeysim::rng::DEFAULT_SEED)]
    seed: u64,
    /// Worker threads [default: one per core]; never changes the output.
    #[arg(long)]
    threads: Option<usize>,
    /// Cap on states per journey; longer journeys are reported as truncated.
    #[arg(long, default_value_t = DEFAULT_MAX_STEPS)]
    max_steps: u32,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
}

impl EngineArgs {
    /// The engine options; `default_journeys` applies when neither --journeys nor --precision
    /// is given (commands where the count is optional).
    fn options(&self, default_journeys: Option<u64>) -> Result<SimulateOptions> {
        let stop = match (self.journeys.or(default_journeys), self.precision) {
            (Some(n), None) => Stop::Journeys(n),
            (cap, Some(half_width)) => Stop::Precision {
                half_width,
                max_journeys: cap.unwrap_or(DEFAULT_PRECISION_CAP),
            },
            (None, None) => {
                return Err(Error::Invalid(
                    "say how many journeys: --journeys N or --precision P".into(),
                ));
            }
        };
        let options = SimulateOptions {
            seed: self.seed,
            stop,
            max_steps: self.max_steps,
            threads: self.threads,
        };
        options.validate()?;
        Ok(options)
    }
}

/// A journey count: digits with optional `_` separators, or a float form such as `1e7`.
fn parse_count(text: &str) -> std::result::Result<u64, String> {
    let plain = text.replace('_', "");
    if let Ok(n) = plain.parse::<u64>() {
        return Ok(n);
    }
    match plain.parse::<f64>() {
        Ok(x) if x >= 0.0 && x.fract() == 0.0 && x <= u64::MAX as f64 => Ok(x as u64),
        _ => Err(format!("'{text}' is not a whole number of journeys")),
    }
}

/// An indicatif bar on standard error, drawn only when standard error is a terminal, the run
/// has lasted a second and --quiet is off. Open-ended (--precision) runs show a count, not a
/// bar towards the cap.
struct ProgressBar {
    enabled: bool,
    open_ended: bool,
    start: std::time::Instant,
    bar: std::cell::OnceCell<indicatif::ProgressBar>,
}

impl ProgressBar {
    fn new(quiet: bool, open_ended: bool) -> Self {
        use std::io::IsTerminal;
        ProgressBar {
            enabled: !quiet && std::io::stderr().is_terminal(),
            open_ended,
            start: std::time::Instant::now(),
            bar: std::cell::OnceCell::new(),
        }
    }

    fn update(&self, done: u64, max: u64) {
        if !self.enabled || (self.bar.get().is_none() && self.start.elapsed().as_secs_f64() < 1.0) {
            return;
        }
        let bar = self.bar.get_or_init(|| {
            let (bar, template) = if self.open_ended {
                (
                    indicatif::ProgressBar::no_length(),
                    "{elapsed_precise} {human_pos} journeys ({per_sec:0}), until the precision is reached",
                )
            } else {
                (
                    indicatif::ProgressBar::new(max),
                    "{elapsed_precise} [{bar:40}] {human_pos}/{human_len} journeys ({per_sec:0}, eta {eta})",
                )
            };
            if let Ok(style) = indicatif::ProgressStyle::with_template(template) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar
        });
        bar.set_position(done);
    }

    fn finish(&self) {
        if let Some(bar) = self.bar.get() {
            bar.finish_and_clear();
        }
    }
}

fn simulate_command(
    input: &ChainInput,
    model: &ModelArgs,
    engine: &EngineArgs,
    output: &OutputArgs,
) -> Result<()> {
    let options = engine.options(None)?;
    let (components, source, warnings) = input.load_population(model)?;
    warn(&warnings);
    let components: Vec<(f64, &Chain)> = components.iter().map(|(w, c)| (*w, c)).collect();
    let bar = ProgressBar::new(engine.quiet, engine.precision.is_some());
    let result = simulate_population(&components, &source, &options, &|done, max| {
        bar.update(done, max)
    });
    bar.finish();
    let result = result?;
    warn(&result.warnings);
    output.emit(&result, Format::Table)
}

/// Journeys per arm when `whatif` is given no --journeys: enough for a paired interval on the
/// change in conversions of a few hundred journeys per million on the sample data.
const WHATIF_DEFAULT_JOURNEYS: u64 = 1_000_000;

fn whatif_command(
    input: &ChainInput,
    model: &ModelArgs,
    files: &[String],
    svg: Option<&std::path::Path>,
    engine: &EngineArgs,
    output: &OutputArgs,
) -> Result<()> {
    let options = engine.options(Some(WHATIF_DEFAULT_JOURNEYS))?;
    let scenarios = files
        .iter()
        .map(|file| {
            let text = std::fs::read_to_string(file).map_err(|source| Error::Read {
                path: file.clone(),
                source,
            })?;
            Ok(ScenarioFile {
                scenario: Scenario::parse(&text, file)?,
                file: file.clone(),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let (components, source, warnings) = input.load_population(model)?;
    warn(&warnings);
    let components: Vec<(f64, &Chain)> = components.iter().map(|(w, c)| (*w, c)).collect();
    let bar = ProgressBar::new(engine.quiet, engine.precision.is_some());
    let result = what_if_population(
        &components,
        &source,
        &scenarios,
        &options,
        &|_, done, max| bar.update(done, max),
    );
    bar.finish();
    let result = result?;
    warn(&result.warnings);
    if let Some(path) = svg {
        let items: Vec<ScenarioItem> = result
            .scenarios
            .iter()
            .map(|s| ScenarioItem {
                label: s.name.clone(),
                baseline: s.baseline.conversions as f64,
                scenario: s.scenario.conversions as f64,
                difference_interval: Some(s.difference.conversions_ci),
            })
            .collect();
        let title = format!(
            "What-if on {}: conversions per {} journeys (seed {})",
            result.input, result.journeys, result.seed
        );
        let picture = journeysim::report::svg::scenario_chart(&title, "conversions", &items)?;
        write_output(Some(path), picture.as_bytes())?;
    }
    output.emit(&result, Format::Table)
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
