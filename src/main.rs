//! The `journeysim` command line: parse arguments, call the library, print, map errors to exit
//! codes (0 ok, 1 failure, 2 bad input or usage). All logic lives in the library.

use std::fs::File;
use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use journeysim::attribution::{
    AttributionOptions, HeuristicOptions, IntervalOptions, Method, MethodOptions,
    attribute_paths_with,
};
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
    DEFAULT_MAX_STEPS, DEFAULT_PRECISION_CAP, SimulateOptions, Stop, simulate,
};
use journeysim::top_paths::{TopPathOptions, top_paths};
use journeysim::whatif::{ScenarioFile, what_if};
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
    #[command(after_help = "Example:\n  journeysim fit data/paths.csv --order 2 --out model.json")]
    Fit {
        #[command(flatten)]
        input: PathsInput,
        #[command(flatten)]
        model: ModelArgs,
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
        /// Aggregated paths file to fit (`-` for standard input); or give --model.
        #[arg(required_unless_present = "model", conflicts_with = "model")]
        file: Option<String>,
        /// A model file written by `journeysim fit`.
        #[arg(long)]
        model: Option<PathBuf>,
        /// Markov order when fitting FILE.
        #[arg(long, default_value_t = 1)]
        order: usize,
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
        after_help = "Examples:\n  journeysim simulate data/paths.csv --journeys 10000000 --seed 7\n  journeysim simulate --model model.json --precision 0.0005 --format json --out sim.json"
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
    /// Aggregated paths file (`-` for standard input).
    file: String,
    /// Column holding the path.
    #[arg(long, default_value = "path")]
    path_col: String,
    /// Column holding conversion counts.
    #[arg(long, default_value = "total_conversions")]
    conversions_col: String,
    /// Column holding conversion value (optional unless named) [default: total_conversion_value].
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

    /// The input's name in messages.
    fn source(&self) -> &str {
        if self.file == "-" {
            "<stdin>"
        } else {
            &self.file
        }
    }

    fn open(&self) -> Result<Box<dyn Read>> {
        if self.file == "-" {
            return Ok(Box::new(std::io::stdin().lock()));
        }
        let file = File::open(&self.file).map_err(|source| Error::Read {
            path: self.file.clone(),
            source,
        })?;
        Ok(Box::new(file))
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

fn run(cli: Cli) -> Result<()> {
    match cli.command {
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
            output,
        } => {
            let (order, auto) = model.resolve(&input)?;
            let options = FitOptions {
                order,
                keep_repeats: model.keep_repeats,
                value_distribution: true,
            };
            let reader: Box<dyn Read> = match auto {
                Some((_, bytes)) => Box::new(std::io::Cursor::new(bytes)),
                None => input.open()?,
            };
            let fitted = fit_paths(reader, input.source(), &input.format()?, options, |_| {})?;
            warn(&fitted.summary.warnings(input.source()));
            let s = &fitted.summary;
            let totals = Totals {
                journeys: s.journeys(),
                conversions: s.conversions,
                value: s.value,
                nulls: s.nulls,
            };
            let file = ModelFile::from_chain(&fitted.chain, Some(input.source()), Some(totals));
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
            file,
            model,
            order,
            format,
            min_probability,
            out,
        } => {
            if !(0.0..=1.0).contains(&min_probability) {
                return Err(Error::Invalid(format!(
                    "--min-probability is {min_probability}; it must be in [0, 1]"
                )));
            }
            let chain = match (file, model) {
                (_, Some(path)) => {
                    let source = path.display().to_string();
                    let text = std::fs::read_to_string(&path).map_err(|e| Error::Read {
                        path: source.clone(),
                        source: e,
                    })?;
                    ModelFile::parse(&text, &source)?.into_chain(&source)?
                }
                (Some(file), None) => {
                    let input = PathsInput {
                        file,
                        path_col: "path".into(),
                        conversions_col: "total_conversions".into(),
                        value_col: None,
                        null_col: None,
                        delimiter: None,
                        channel_sep: ">".into(),
                    };
                    let fitted = fit_paths(
                        input.open()?,
                        input.source(),
                        &input.format()?,
                        FitOptions::order(order),
                        |_| {},
                    )?;
                    warn(&fitted.summary.warnings(input.source()));
                    fitted.chain
                }
                (None, None) => unreachable!("clap requires FILE or --model"),
            };
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
            let result = top_paths(input.open()?, input.source(), &input.format()?, options)?;
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

/// A chain from a paths file (fitted here) or from a model file: the input of the simulation
/// commands.
#[derive(Args)]
struct ChainInput {
    /// Aggregated paths file to fit (`-` for standard input); or give --model instead.
    #[arg(required_unless_present = "model", conflicts_with = "model")]
    file: Option<String>,
    /// A model file written by `journeysim fit` (or by hand) instead of FILE; --order and the
    /// column options then do not apply.
    #[arg(long)]
    model: Option<String>,
    /// Column holding the path.
    #[arg(long, default_value = "path")]
    path_col: String,
    /// Column holding conversion counts.
    #[arg(long, default_value = "total_conversions")]
    conversions_col: String,
    /// Column holding conversion value (optional unless named) [default: total_conversion_value].
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

impl ChainInput {
    /// The chain, the input's name and any warnings about the input. A paths file is fitted
    /// with the empirical value distribution kept, for the simulated value draws.
    fn load(&self, model: &ModelArgs) -> Result<(Chain, String, Vec<String>)> {
        if let Some(path) = &self.model {
            let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
                path: path.clone(),
                source,
            })?;
            let chain = ModelFile::parse(&text, path)?.into_chain(path)?;
            return Ok((chain, path.clone(), Vec::new()));
        }
        let input = PathsInput {
            file: self.file.clone().unwrap_or_else(|| "-".into()),
            path_col: self.path_col.clone(),
            conversions_col: self.conversions_col.clone(),
            value_col: self.value_col.clone(),
            null_col: self.null_col.clone(),
            delimiter: self.delimiter.clone(),
            channel_sep: self.channel_sep.clone(),
        };
        let (order, auto) = model.resolve(&input)?;
        let options = FitOptions {
            order,
            keep_repeats: model.keep_repeats,
            value_distribution: true,
        };
        let reader: Box<dyn Read> = match auto {
            Some((_, bytes)) => Box::new(std::io::Cursor::new(bytes)),
            None => input.open()?,
        };
        let fitted = fit_paths(reader, input.source(), &input.format()?, options, |_| {})?;
        let warnings = fitted.summary.warnings(input.source());
        Ok((fitted.chain, input.source().to_owned(), warnings))
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
/// has lasted a second and --quiet is off.
struct ProgressBar {
    enabled: bool,
    start: std::time::Instant,
    bar: std::cell::OnceCell<indicatif::ProgressBar>,
}

impl ProgressBar {
    fn new(quiet: bool) -> Self {
        use std::io::IsTerminal;
        ProgressBar {
            enabled: !quiet && std::io::stderr().is_terminal(),
            start: std::time::Instant::now(),
            bar: std::cell::OnceCell::new(),
        }
    }

    fn update(&self, done: u64, max: u64) {
        if !self.enabled || (self.bar.get().is_none() && self.start.elapsed().as_secs_f64() < 1.0) {
            return;
        }
        let bar = self.bar.get_or_init(|| {
            let bar = indicatif::ProgressBar::new(max);
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{elapsed_precise} [{bar:40}] {human_pos}/{human_len} journeys ({per_sec}, eta {eta})",
            ) {
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
    let (chain, source, warnings) = input.load(model)?;
    warn(&warnings);
    let bar = ProgressBar::new(engine.quiet);
    let result = simulate(&chain, &source, &options, &|done, max| {
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
    let (chain, source, warnings) = input.load(model)?;
    warn(&warnings);
    let bar = ProgressBar::new(engine.quiet);
    let result = what_if(&chain, &source, &scenarios, &options, &|_, done, max| {
        bar.update(done, max)
    });
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
