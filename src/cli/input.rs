//! Where a command's data come from: an aggregated paths file or an event log, with their
//! column and delimiter options. One group of flags, so every command reads data the same way.

use std::fs::File;
use std::io::Read;

use clap::Args;

use journeysim_core::journey::{ChannelTable, PathSource, ReadSummary, SourceRow};
use journeysim_core::{Error, Result};
use journeysim_io::events::{EventsFormat, EventsReader, OpenJourneys};
use journeysim_io::paths::{PathsFormat, PathsReader};
use journeysim_io::spill::{DEFAULT_MEMORY_LIMIT, Memory};

/// Where the paths come from and how they are laid out.
#[derive(Args, Clone)]
pub struct PathsInput {
    /// Aggregated paths file, CSV or Parquet (`-` for standard input); leave out with --events.
    #[arg(value_parser = super::values::file_name())]
    pub file: Option<String>,
    #[command(flatten)]
    pub events: EventArgs,
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
    /// Field delimiter: `,` `;` `tab` or one character [default: detected from the header; none
    /// for Parquet].
    #[arg(long)]
    delimiter: Option<String>,
    /// Separator between channels in a path.
    #[arg(long, default_value = ">")]
    channel_sep: String,
}

/// An event log instead of paths: one row per touch, cut into journeys.
#[derive(Args, Clone)]
pub struct EventArgs {
    /// Event log, CSV or Parquet (`user_id,timestamp,touchpoint[,conversion,value]`, `-` for
    /// standard input) to read instead of a paths FILE. Sorted by user, then time, it streams in
    /// bounded memory after a pass that checks the order (a small log is parsed once, its rows
    /// kept in memory); otherwise it is grouped by user (with a note on stderr).
    #[arg(long, value_name = "FILE", value_parser = super::values::file_name())]
    pub events: Option<String>,
    #[command(flatten)]
    pub columns: EventColumns,
    #[command(flatten)]
    pub open: OpenArgs,
    #[command(flatten)]
    pub memory: MemoryArgs,
}

/// When an event log ends and what its journeys still in progress count as: for the commands
/// that cut a log here (not `sql`, whose paths table keeps whole journeys).
#[derive(Args, Clone)]
pub struct OpenArgs {
    /// Event log: the data end at this time (a date, an RFC 3339 time or Unix seconds); later
    /// rows are left out [default: the log's latest timestamp].
    #[arg(long, value_name = "TIME", value_parser = as_of_time)]
    pub as_of: Option<f64>,
    /// Event log: journeys still in progress at the end of the data. `censor`: the exits of
    /// touches less than --inactivity-days before the end are not known and not counted (open
    /// journeys are neither conversions nor nulls); `null`: every journey ended with the data
    /// (an open one is a null) [default: censor; aggregate: null].
    #[arg(long, value_name = "POLICY", value_enum)]
    pub open_journeys: Option<OpenJourneysArg>,
}

/// `--open-journeys` (its values are described in the flag's help: a described value would
/// turn the whole `--help` into the long layout).
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OpenJourneysArg {
    // Censor the exits that cannot be known yet.
    Censor,
    // Count open journeys as nulls.
    Null,
}

impl OpenArgs {
    /// `format` with these flags, `default` when --open-journeys is not given.
    pub fn apply(&self, format: EventsFormat, default: OpenJourneys) -> EventsFormat {
        EventsFormat {
            as_of: self.as_of,
            open_journeys: match self.open_journeys {
                Some(OpenJourneysArg::Censor) => OpenJourneys::Censor,
                Some(OpenJourneysArg::Null) => OpenJourneys::Null,
                None => default,
            },
            ..format
        }
    }

    /// Fails when a flag is given without an event log to apply to.
    pub fn check_events(&self, events: bool) -> Result<()> {
        let given = [
            ("--as-of", self.as_of.is_some()),
            ("--open-journeys", self.open_journeys.is_some()),
        ];
        match given.iter().find(|(_, g)| *g) {
            Some((flag, _)) if !events => Err(Error::Invalid(format!(
                "{flag} applies to an event log; give --events FILE, or leave {flag} out"
            ))),
            _ => Ok(()),
        }
    }
}

/// Parses `--as-of`.
fn as_of_time(text: &str) -> std::result::Result<f64, String> {
    journeysim_io::time::parse_timestamp(text).ok_or_else(|| {
        format!(
            "'{text}' is not a time; give a date (2026-01-20), an RFC 3339 time or Unix seconds"
        )
    })
}

/// The columns and windows of an event log: one definition for every command that reads one
/// (`--events`, `aggregate`) and for `sql`, which cuts a warehouse table the same way.
#[derive(Args, Clone)]
pub struct EventColumns {
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
}

/// How much memory reading an event log may take, and where it spills beyond it:
/// for the commands that read a log here (not for `sql`, which leaves that to the warehouse).
#[derive(Args, Clone)]
pub struct MemoryArgs {
    /// Event log: memory that grouping an unsorted log (or standard input) may take, and
    /// keeping a small sorted log's parsed rows (64 MiB at most); beyond it an unsorted log is
    /// partitioned by user into temporary files, and a sorted one streams, with the same
    /// results. `256MB`, `1GiB`, `1e9` (bytes) [default: 1GiB].
    #[arg(long, value_name = "SIZE", value_parser = journeysim_io::spill::parse_size)]
    pub memory_limit: Option<u64>,
    /// Event log: directory for those temporary files (removed when the command ends, also on
    /// an error or Ctrl-C) [default: the system's temporary directory].
    #[arg(long, value_name = "DIR", value_parser = super::values::file_name())]
    pub temp_dir: Option<String>,
}

impl MemoryArgs {
    /// The memory limit and temporary directory for reading an event log.
    pub fn memory(&self) -> Memory {
        Memory {
            limit: self.memory_limit.unwrap_or(DEFAULT_MEMORY_LIMIT),
            temp_dir: self.temp_dir.as_ref().map(Into::into),
        }
    }
}

impl EventColumns {
    /// The event-log format of these columns, with `value_col` (the user's, else the default)
    /// and `delimiter`; no segment column; whole journeys, ended with the data (what `sql`
    /// cuts; [`OpenArgs::apply`] sets the end and the policy of the commands that cut here).
    pub fn format(&self, value_col: Option<&str>, delimiter: Option<u8>) -> EventsFormat {
        let defaults = EventsFormat::default();
        EventsFormat {
            user_col: self.user_col.clone(),
            time_col: self.time_col.clone(),
            touchpoint_col: self.touchpoint_col.clone(),
            conversion_required: self.conversion_col.is_some(),
            conversion_col: self
                .conversion_col
                .clone()
                .unwrap_or(defaults.conversion_col),
            value_required: value_col.is_some(),
            value_col: value_col.map_or(defaults.value_col, str::to_owned),
            segment_col: None,
            delimiter,
            lookback_days: self.lookback_days,
            inactivity_days: self.inactivity_days,
            as_of: None,
            open_journeys: OpenJourneys::Null,
        }
    }
}

impl PathsInput {
    /// How to read the paths file.
    pub fn format(&self) -> Result<PathsFormat> {
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
            (Some(_), None)
                if self.events.memory.memory_limit.is_some()
                    || self.events.memory.temp_dir.is_some() =>
            {
                Err(Error::Invalid(
                    "--memory-limit and --temp-dir apply to an event log (--events FILE) only"
                        .into(),
                ))
            }
            (Some(f), None) => Ok(f),
            (None, Some(_)) => Err(Error::Invalid(
                "this command reads a paths FILE; --events is not supported here".into(),
            )),
            (None, None) => Err(Error::Invalid(
                "no input: give a paths FILE or --events FILE".into(),
            )),
        }
    }

    /// The event log, when the input is one (checked against a paths FILE given too, and the
    /// flags that need a log against its absence).
    pub fn events_file(&self) -> Result<Option<&str>> {
        match (&self.file, &self.events.events) {
            (Some(_), Some(_)) => Err(Error::Invalid(
                "give either a paths FILE or --events FILE, not both".into(),
            )),
            (_, events) => {
                self.events.open.check_events(events.is_some())?;
                Ok(events.as_deref())
            }
        }
    }

    /// How to read the event log.
    pub fn events_format(&self) -> Result<EventsFormat> {
        let delimiter = self.delimiter.as_deref().map(parse_delimiter).transpose()?;
        let format = self
            .events
            .columns
            .format(self.value_col.as_deref(), delimiter);
        Ok(self.events.open.apply(format, OpenJourneys::Censor))
    }

    /// The input's name in messages.
    pub fn source(&self) -> &str {
        match self.file.as_deref().or(self.events.events.as_deref()) {
            Some("-") | None => "<stdin>",
            Some(f) => f,
        }
    }

    /// The whole input, paths file or event log (or standard input for `-`), read into memory:
    /// what `--order auto` compares orders on and then fits, as a stream can be read only once.
    pub fn read_all(&self) -> Result<Vec<u8>> {
        let file = match self.events_file()? {
            Some(events) => events,
            None => self.paths_file()?,
        };
        let read_error = |source| Error::Read {
            path: self.source().to_owned(),
            source,
        };
        let mut bytes = Vec::new();
        if file == "-" {
            std::io::stdin()
                .lock()
                .read_to_end(&mut bytes)
                .map_err(read_error)?;
        } else {
            File::open(file)
                .and_then(|mut f| f.read_to_end(&mut bytes))
                .map_err(read_error)?;
        }
        Ok(bytes)
    }
}

/// `--delimiter`: `,` `;` `tab` or one ASCII character.
pub fn parse_delimiter(text: &str) -> Result<u8> {
    match text {
        "tab" | "\\t" | "\t" => Ok(b'\t'),
        t if t.len() == 1 && t.is_ascii() => Ok(t.as_bytes()[0]),
        t => Err(Error::Invalid(format!(
            "--delimiter '{t}' is not one ASCII character; use ',' ';' 'tab' or another single character",
            t = journeysim_core::error::clip(t)
        ))),
    }
}

/// Shows a hint about how an input was read (not about its data) on standard error.
fn note(hint: &str) {
    eprintln!("note: {hint}");
}

/// The data of a command, paths or an event log, as one [`PathSource`].
pub enum DataSource {
    /// An aggregated paths file (or the bytes `--order auto` buffered).
    Paths(PathsReader<Box<dyn Read>>),
    /// An event log.
    Events(EventsReader),
}

impl PathSource for DataSource {
    fn name(&self) -> &str {
        match self {
            DataSource::Paths(r) => r.name(),
            DataSource::Events(r) => r.name(),
        }
    }

    fn read(
        self,
        channels: &mut ChannelTable,
        visit: &mut dyn FnMut(&SourceRow<'_>),
    ) -> Result<(ReadSummary, Vec<String>)> {
        match self {
            DataSource::Paths(r) => r.read(channels, visit),
            DataSource::Events(r) => r.read(channels, visit),
        }
    }
}

impl PathsInput {
    /// The input as a source of rows: the event log when `--events` is given, else the paths
    /// file; from the `buffered` bytes of it that `--order auto` read, when given.
    pub fn data(&self, buffered: Option<Vec<u8>>) -> Result<DataSource> {
        if let Some(events) = self.events_file()? {
            let format = self.events_format()?;
            let reader = match buffered {
                Some(bytes) => EventsReader::from_bytes(bytes, self.source(), &format),
                None => EventsReader::new(events, self.source(), &format),
            };
            return Ok(DataSource::Events(
                reader.memory(self.events.memory.memory()).on_hint(note),
            ));
        }
        self.paths(buffered).map(DataSource::Paths)
    }

    /// The event log with each journey's segment, the value of `segment_col` on its last row
    /// (`attribute --segment-col`, which requires --events).
    pub fn events_by_segment(&self, segment_col: &str) -> Result<DataSource> {
        let events = self.events_file()?.ok_or_else(|| {
            Error::Invalid("--segment-col needs an event log: give --events FILE".into())
        })?;
        let format = EventsFormat {
            segment_col: Some(segment_col.to_owned()),
            ..self.events_format()?
        };
        Ok(DataSource::Events(
            EventsReader::new(events, self.source(), &format)
                .memory(self.events.memory.memory())
                .on_hint(note),
        ))
    }

    /// The paths file as a source of rows (the commands that read no event log).
    pub fn paths(&self, buffered: Option<Vec<u8>>) -> Result<PathsReader<Box<dyn Read>>> {
        let format = self.format()?;
        match buffered {
            Some(bytes) => PathsReader::from_bytes(bytes, self.source(), &format),
            None => PathsReader::open(self.paths_file()?, self.source(), &format),
        }
    }
}

impl PathsInput {
    /// The same layout reading `file` instead: a paths file, or an event log when this input is
    /// one (the second input of `compare`).
    pub fn other(&self, file: &str) -> PathsInput {
        let mut other = self.clone();
        if other.events.events.is_some() {
            other.events.events = Some(file.to_owned());
            other.file = None;
        } else {
            other.file = Some(file.to_owned());
        }
        other
    }

    /// The event log with each journey's segment `labels[0]` when its first touch is before
    /// `at` (Unix seconds), else `labels[1]` (`compare --split-at`).
    pub fn events_split_at(&self, at: f64, labels: [String; 2]) -> Result<DataSource> {
        let events = self.events_file()?.ok_or_else(|| {
            Error::Invalid("--split-at needs an event log: give --events FILE".into())
        })?;
        Ok(DataSource::Events(
            EventsReader::new(events, self.source(), &self.events_format()?)
                .memory(self.events.memory.memory())
                .on_hint(note)
                .split_at(at, labels),
        ))
    }
}
