//! `journeysim sql`: the query that cuts a warehouse's event table into the paths table, with
//! the semantics of `--events`, for the user's engine. The command only prints it; running it
//! is the warehouse's job.

use clap::{Args, ValueEnum};

use journeysim_core::Result;
use journeysim_io::events::EventsFormat;
use journeysim_io::sql::{Dialect, journeys_query};
use journeysim_report::Format;

use super::input::EventColumns;
use super::output::{OneFormat, OutputArgs};

/// Arguments of `sql`.
#[derive(Args)]
pub struct SqlArgs {
    /// The engine the query is written for.
    #[arg(long, value_enum)]
    dialect: DialectArg,
    /// The event table, dot-separated parts each quoted as an identifier
    /// (`project.dataset.events`, `schema.events`).
    #[arg(long, value_name = "TABLE")]
    table: String,
    #[command(flatten)]
    columns: EventColumns,
    /// Event log: value column (NULL for none) [default: value].
    #[arg(long)]
    value_col: Option<String>,
    /// Event log: segment column; the query adds a column of that name and gives one row per
    /// path and segment (the segment of a journey is the value on its last row).
    #[arg(long)]
    segment_col: Option<String>,
    #[command(flatten)]
    output: OutputArgs,
}

#[derive(Clone, Copy, ValueEnum)]
enum DialectArg {
    Duckdb,
    Postgres,
    Spark,
    Bigquery,
    Snowflake,
}

/// The one output of `sql`: text.
const QUERY: OneFormat = OneFormat {
    what: "an SQL query (text)",
    format: Format::Table,
    format_name: "table",
    extensions: &["sql", "txt"],
};

/// Builds the query and writes it.
pub fn run(args: SqlArgs) -> Result<()> {
    args.output.check_one(&QUERY)?;
    let dialect = match args.dialect {
        DialectArg::Duckdb => Dialect::DuckDb,
        DialectArg::Postgres => Dialect::Postgres,
        DialectArg::Spark => Dialect::Spark,
        DialectArg::Bigquery => Dialect::BigQuery,
        DialectArg::Snowflake => Dialect::Snowflake,
    };
    let format = EventsFormat {
        segment_col: args.segment_col.clone(),
        ..args.columns.format(args.value_col.as_deref(), None)
    };
    let query = journeys_query(dialect, &args.table, &format)?;
    args.output.write(query.as_bytes())
}
