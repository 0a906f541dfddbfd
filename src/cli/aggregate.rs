//! `journeysim aggregate`: an event log cut into journeys and written as the paths table (the
//! CSV the paths reader reads), so a cut can be stored, inspected and reused.

use clap::Args;

use journeysim_core::paths_table::paths_table;
use journeysim_core::{Error, Result};
use journeysim_io::events::{EventsFormat, EventsReader, OpenJourneys};
use journeysim_io::parquet_table::paths_table_parquet;
use journeysim_io::paths::paths_table_csv;
use journeysim_report::Format;

use super::input::{EventColumns, MemoryArgs, OpenArgs, parse_delimiter};
use super::output::{OneFormat, OutputArgs, warn};

/// Arguments of `aggregate`.
#[derive(Args)]
pub struct AggregateArgs {
    /// Event log, CSV or Parquet (`user_id,timestamp,touchpoint[,conversion,value]`, `-` for
    /// standard input).
    #[arg(long, value_name = "FILE", required = true, value_parser = super::values::file_name())]
    events: String,
    #[command(flatten)]
    columns: EventColumns,
    #[command(flatten)]
    open: OpenArgs,
    #[command(flatten)]
    memory: MemoryArgs,
    /// Event log: value column (optional unless named) [default: value].
    #[arg(long)]
    value_col: Option<String>,
    /// Event log: segment column; the table gets a column of that name, one row per path and
    /// segment (the segment of a journey is the value on its last row).
    #[arg(long)]
    segment_col: Option<String>,
    /// Field delimiter: `,` `;` `tab` or one character [default: detected from the header].
    #[arg(long)]
    delimiter: Option<String>,
    #[command(flatten)]
    output: OutputArgs,
}

/// The one output of `aggregate`.
const PATHS_CSV: OneFormat = OneFormat {
    what: "the paths table as CSV",
    format: Format::Csv,
    format_name: "csv",
    extensions: &["csv"],
};

/// Cuts the log, sums the journeys by path (and segment) and writes the CSV, or Parquet when
/// `--out` ends in `.parquet`.
pub fn run(args: AggregateArgs) -> Result<()> {
    let parquet = args.output.out().is_some_and(|out| {
        out.extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("parquet"))
    });
    if parquet && args.output.format_given() {
        return Err(Error::Invalid(
            "--format does not apply to --out FILE.parquet, which is written as Parquet; \
             leave --format out, or name the file .csv"
                .into(),
        ));
    }
    if !parquet {
        args.output.check_one(&PATHS_CSV)?;
    }
    let delimiter = args.delimiter.as_deref().map(parse_delimiter).transpose()?;
    let format = EventsFormat {
        segment_col: args.segment_col.clone(),
        ..args.columns.format(args.value_col.as_deref(), delimiter)
    };
    let format = args.open.apply(format, OpenJourneys::Null);
    if format.open_journeys == OpenJourneys::Censor {
        return Err(Error::Invalid(
            "--open-journeys censor does not apply to aggregate: a paths table keeps whole \
             journeys and how they ended, with no place for exits censored by time; give the \
             log itself to fit, attribute or simulate with --events, which censor by default"
                .into(),
        ));
    }
    let source = if args.events == "-" {
        "<stdin>"
    } else {
        &args.events
    };
    let reader = EventsReader::new(&args.events, source, &format)
        .memory(args.memory.memory())
        .on_hint(|hint| eprintln!("note: {hint}"));
    let table = paths_table(reader)?;
    warn(&table.warnings);
    let segment_col = args.segment_col.as_deref();
    args.output.write(&if parquet {
        paths_table_parquet(&table, segment_col)?
    } else {
        paths_table_csv(&table, segment_col)?
    })
}
