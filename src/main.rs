//! The `journeysim` command line: parse arguments, call the library, print, map errors to exit
//! codes (0 ok, 1 failure, 2 bad input or usage). All logic lives in the library.

use std::fs::File;
use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use journeysim::attribution::{AttributionOptions, HeuristicOptions, attribute_paths};
use journeysim::io::model_file::{ModelFile, Totals};
use journeysim::io::output::write_output;
use journeysim::io::paths::PathsFormat;
use journeysim::model::{FitOptions, fit_paths};
use journeysim::report::{Format, Report, render};
use journeysim::simulate::{
    DEFAULT_MAX_STEPS, DEFAULT_PRECISION_CAP, SimulateOptions, Stop, simulate,
};
use journeysim::top_paths::{TopPathOptions, top_paths};
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
    #[command(after_help = "Example:\n  journeysim fit data/paths.csv --order 2 --out model.json")]
    Fit {
        #[command(flatten)]
        input: PathsInput,
        #[command(flatten)]
        model: ModelArgs,
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

fn run(cli: Cli) -> Result<()> {
    match cli.command {
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
            let result =
                attribute_paths(input.open()?, input.source(), &input.format()?, &options)?;
            warn(&result.warnings);
            output.emit(&result, Format::Table)
        }
        Command::Fit {
            input,
            model,
            output,
        } => {
            let options = FitOptions {
                order: model.order,
                keep_repeats: model.keep_repeats,
                value_distribution: true,
            };
            let fitted = fit_paths(
                input.open()?,
                input.source(),
                &input.format()?,
                options,
                |_| {},
            )?;
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
        let options = FitOptions {
            order: model.order,
            keep_repeats: model.keep_repeats,
            value_distribution: true,
        };
        let fitted = fit_paths(
            input.open()?,
            input.source(),
            &input.format()?,
            options,
            |_| {},
        )?;
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
    fn options(&self) -> Result<SimulateOptions> {
        let stop = match (self.journeys, self.precision) {
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
    let options = engine.options()?;
    let (chain, source, warnings) = input.load(model)?;
    warn(&warnings);
    let bar = ProgressBar::new(engine.quiet, engine.precision.is_some());
    let result = simulate(&chain, &source, &options, &|done, max| {
        bar.update(done, max)
    });
    bar.finish();
    let result = result?;
    warn(&result.warnings);
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
