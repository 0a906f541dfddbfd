//! Event logs in: one row per touch, cut into journeys.
//!
//! ```text
//! user_id,timestamp,touchpoint,conversion,value
//! u1,2026-01-02T10:00:00Z,social_ads,0,
//! u1,2026-01-03T09:30:00Z,checkout,1,129.90
//! ```
//!
//! Required columns: user, time (RFC 3339, see [`crate::time`]) and touchpoint; optional:
//! `conversion` (0/1 or a count; empty = 0) and `value` (the conversion value of that row), and a
//! segment column. A row whose touchpoint is empty but which converts is a conversion without a
//! touch (an offline order, say).
//!
//! **Cutting journeys** (per user, in time order, the rules of Google Analytics-style lookback
//! windows): a conversion ends a journey at its row; touches more than `lookback_days` before the
//! conversion are dropped from it; a journey that does not convert ends when the next touch comes
//! more than `inactivity_days` after the previous one, or at the end of the user's data. The
//! segment of a journey is the segment column's value on its last row.
//!
//! **Journeys still in progress** ([`OpenJourneys`]). The data end at [`EventsFormat::as_of`]
//! (default: the log's latest timestamp; later rows are left out). A journey without conversion
//! whose last touch is less than `inactivity_days` before that end has not ended yet: it is
//! *open*. Counting it as a null (the rule before censoring, [`OpenJourneys::Null`])
//! understates conversion, since journeys begun in the last weeks had no time to convert; but
//! keeping its touches and dropping only its exit to (null) overstates it, since near the end a
//! quick exit (a touch, a conversion) can be seen and a slow one (silence) cannot yet. What
//! [`OpenJourneys::Censor`] does instead is select on what is known whatever the outcome: a
//! visit's exit is known only when the visit began at least `inactivity_days` before the end
//! (any next touch or conversion would be in the log by then, or the journey has ended in
//! silence). The exits of later visits are censored, whatever they were: the journey keeps its
//! entry and the transitions up to its first censored touch ([`PathRow::censored`]), an open one
//! counts as [`PathRow::open`], not as a null, and a conversion is still counted (and credited
//! by the rule-based methods) but teaches the chain nothing past that touch. This is unbiased
//! when the chain does not change over time (tested on logs generated from a known chain).
//!
//! **Memory.** When the rows are sorted by user (byte order), then time, journeys are cut in
//! file order, streaming: memory holds one user's open journey, whatever the number of events.
//! Files are checked for that order in a first pass; both passes parse on every core
//! ([`crate::chunked`]). A small file is parsed once: the first pass keeps its parsed rows while
//! they take at most 64 MiB and the [`Memory`] limit (about 48 bytes per event plus the user
//! names), and the cut takes them from memory. An unsorted file (or standard input, which
//! cannot be read twice) is instead grouped by user (about 48 bytes per event plus the user
//! names), in memory up to a
//! [`Memory`] limit and partitioned by user into temporary files beyond it ([`crate::spill`]);
//! [`EventsSummary::unsorted`] says so, so the caller can tell the user to sort it
//! (`sort -t, -k1,1 -k2,2` on RFC 3339 UTC times) to save that step. A user's events
//! at the same instant are put in an order of their own content (touchpoint name in byte order,
//! then conversions, then value, then segment), so no output depends on the order of the rows.

use std::cmp::Ordering;
use std::fs::File;
use std::io::Read;

use rustc_hash::FxHashMap;

use crate::chunked::Fields;
use crate::parquet_table::MAGIC;
use crate::spill::Memory;
use crate::table_input::{self, Header, TableFile, in_rows, text_delimiter};

mod grouped;
pub(crate) mod parallel;
use crate::time::parse_timestamp;
use journeysim_core::error::{Error, Location, Result, clip};
use journeysim_core::exact_sum::ExactSum;
pub use journeysim_core::journey::OpenJourneys;
use journeysim_core::journey::{
    ChannelId, ChannelTable, PathRow, PathSource, ReadSummary, SourceRow,
};

/// Seconds in a day.
pub const DAY: f64 = 86_400.0;

/// How to read an event log and cut it into journeys.
#[derive(Debug, Clone, PartialEq)]
pub struct EventsFormat {
    /// User column (`user_id`).
    pub user_col: String,
    /// Time column (`timestamp`).
    pub time_col: String,
    /// Touchpoint column (`touchpoint`).
    pub touchpoint_col: String,
    /// Conversion column (`conversion`); optional unless `conversion_required`.
    pub conversion_col: String,
    /// Whether the conversion column must exist.
    pub conversion_required: bool,
    /// Value column (`value`); optional unless `value_required`.
    pub value_col: String,
    /// Whether the value column must exist.
    pub value_required: bool,
    /// Segment column, if journeys are to be split by segment.
    pub segment_col: Option<String>,
    /// Field delimiter; `None` detects `,` `;` or tab from the header.
    pub delimiter: Option<u8>,
    /// Touches older than this many days before a conversion are dropped.
    pub lookback_days: f64,
    /// A non-converting journey ends after a gap of more than this many days.
    pub inactivity_days: f64,
    /// When the data end, Unix seconds (`None`: the log's latest timestamp); later rows are left
    /// out.
    pub as_of: Option<f64>,
    /// What journeys still in progress at that end count as.
    pub open_journeys: OpenJourneys,
}

impl EventsFormat {
    /// The columns the reader may use (a Parquet file decodes only these).
    pub fn columns(&self) -> Vec<&str> {
        let mut columns = vec![
            self.user_col.as_str(),
            &self.time_col,
            &self.touchpoint_col,
            &self.conversion_col,
            &self.value_col,
        ];
        columns.extend(self.segment_col.as_deref());
        columns
    }
}

impl Default for EventsFormat {
    fn default() -> Self {
        EventsFormat {
            user_col: "user_id".into(),
            time_col: "timestamp".into(),
            touchpoint_col: "touchpoint".into(),
            conversion_col: "conversion".into(),
            conversion_required: false,
            value_col: "value".into(),
            value_required: false,
            segment_col: None,
            delimiter: None,
            lookback_days: 30.0,
            inactivity_days: 30.0,
            as_of: None,
            open_journeys: OpenJourneys::Censor,
        }
    }
}

/// One journey cut from the log.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EventJourney<'a> {
    /// The journey as a path row (one journey: conversions = the count, or nulls = 1).
    pub row: PathRow<'a>,
    /// Time of each touch, Unix seconds.
    pub times: &'a [f64],
    /// When it ended: the conversion's time, or its last touch.
    pub end: f64,
    /// Its segment (empty without a segment column).
    pub segment: &'a str,
}

impl EventJourney<'_> {
    /// Age of each touch at the end of the journey, in days (for time-decay attribution).
    pub fn ages_days(&self, out: &mut Vec<f64>) {
        out.clear();
        out.extend(self.times.iter().map(|t| (self.end - t) / DAY));
    }
}

/// What was read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EventsSummary {
    /// Data rows read.
    pub rows: u64,
    /// Distinct users.
    pub users: u64,
    /// Journeys cut (converting or not).
    pub journeys: u64,
    /// Conversions of journeys with touches (counts summed): what attribution shares out.
    pub conversions: f64,
    /// Their conversion value.
    pub value: f64,
    /// Journeys that ended without converting.
    pub nulls: f64,
    /// Touches dropped for being older than the lookback window.
    pub dropped_touches: u64,
    /// Conversions with no touch left in their journey (not attributable, not in `conversions`).
    pub untouched_conversions: f64,
    /// The value of those conversions (not in `value`).
    pub untouched_value: f64,
    /// Rows with a value but no conversion (the value is ignored).
    pub value_without_conversion_rows: u64,
    /// First line out of (user, time) order, when the input was not sorted.
    pub unsorted: Option<u64>,
    /// Temporary files the unsorted log was partitioned into to stay within the memory limit
    /// (0: grouped in memory; see [`crate::spill`]).
    pub partitions: u64,
    /// When the data end (Unix seconds): [`EventsFormat::as_of`] or the latest timestamp.
    pub as_of: f64,
    /// The policy the journeys were cut with.
    pub open_journeys_policy: OpenJourneys,
    /// Journeys without conversion still in progress at `as_of` (counted in `nulls` under
    /// [`OpenJourneys::Null`], apart under [`OpenJourneys::Censor`]).
    pub open_journeys: u64,
    /// Visits whose exit was censored (0 under [`OpenJourneys::Null`]).
    pub censored_visits: u64,
    /// Visits in all journeys (touches kept).
    pub visits: u64,
    /// Rows after `as_of`, left out.
    pub rows_after_as_of: u64,
}

impl EventsSummary {
    /// How the log could be read in less memory, when it was not sorted: a hint about the file,
    /// not about the data (it is not among [`warnings`](Self::warnings), so that no output
    /// depends on the order of the rows).
    pub fn order_hint(&self, source: &str) -> Option<String> {
        self.unsorted.map(|line| {
            let grouped = if self.partitions > 0 {
                format!(
                    "partitioned {} events by user into {} temporary files to stay within the \
                     memory limit",
                    self.rows, self.partitions
                )
            } else {
                format!("grouped {} events in memory", self.rows)
            };
            format!(
                "{source}: not sorted by user, then time (line {line} is out of order); \
                 {grouped}. Sort it (e.g. `sort -t, -k1,1 -k2,2` for RFC 3339 UTC times) to \
                 stream it in one pass"
            )
        })
    }

    /// Warnings about the data a user should see.
    pub fn warnings(&self, source: &str) -> Vec<String> {
        let mut out = Vec::new();
        if self.dropped_touches > 0 {
            out.push(format!(
                "{source}: {} touches fell outside the lookback window before their conversion and were dropped",
                self.dropped_touches
            ));
        }
        if self.untouched_conversions > 0.0 {
            out.push(format!(
                "{source}: {} conversions (value {}) had no touch within the lookback window; no \
                 method credits them, they are reported as unattributed",
                self.untouched_conversions, self.untouched_value
            ));
        }
        if self.value_without_conversion_rows > 0 {
            out.push(format!(
                "{source}: {} rows have a value but no conversion; their value is ignored",
                self.value_without_conversion_rows
            ));
        }
        if self.rows_after_as_of > 0 {
            out.push(format!(
                "{source}: {} rows are later than the end of the data (as of) and were left out",
                self.rows_after_as_of
            ));
        }
        if self.censored_visits * 2 > self.visits {
            out.push(format!(
                "{source}: the exits of {} of {} touches are censored (they began less than \
                 the inactivity window before the end of the data); estimates rest on the rest",
                self.censored_visits, self.visits
            ));
        }
        if self.conversions == 0.0 && self.journeys > 0 {
            out.push(format!(
                "{source}: no journey converts, so every attribution is zero"
            ));
        }
        out
    }

    /// The totals in the form the paths reader gives, for reports shared with paths input.
    pub fn as_read_summary(&self) -> ReadSummary {
        ReadSummary {
            rows: self.rows,
            skipped_rows: 0,
            value_without_conversions_rows: self.value_without_conversion_rows,
            conversions: self.conversions,
            value: self.value,
            nulls: self.nulls,
            open: match self.open_journeys_policy {
                OpenJourneys::Censor => self.open_journeys as f64,
                OpenJourneys::Null => 0.0,
            },
            censored_visits: self.censored_visits as f64,
            open_journeys: Some((self.open_journeys_policy, self.open_journeys as f64)),
            unattributed_conversions: self.untouched_conversions,
            unattributed_value: self.untouched_value,
        }
    }
}

/// One parsed row.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Event {
    pub(crate) time: f64,
    pub(crate) touch: Option<ChannelId>,
    pub(crate) conversions: f64,
    pub(crate) value: f64,
    pub(crate) segment: u32,
}

/// The order of one user's events at the same instant, so that it is the data's and not the
/// file's: by touchpoint name (bytes; a conversion without a touch first), then conversions,
/// then value, then segment. `journeysim sql` orders ties the same way.
pub(crate) fn tie_order(
    a: &Event,
    b: &Event,
    channels: &ChannelTable,
    segments: &[String],
) -> Ordering {
    let name = |e: &Event| e.touch.map_or("", |c| channels.name(c));
    name(a)
        .cmp(name(b))
        .then(a.conversions.total_cmp(&b.conversions))
        .then(a.value.total_cmp(&b.value))
        .then_with(|| segments[a.segment as usize].cmp(&segments[b.segment as usize]))
}

/// Puts events of one instant in [`tie_order`].
pub(crate) fn sort_ties(ties: &mut [Event], channels: &ChannelTable, segments: &[String]) {
    if ties.len() > 1 {
        ties.sort_by(|a, b| tie_order(a, b, channels, segments));
    }
}

/// Cuts one user's time-ordered events into journeys.
pub(crate) struct Cutter {
    lookback: f64,
    inactivity: f64,
    /// The end of the data: later rows are left out.
    as_of: f64,
    /// Visits that began after this have censored exits (`as_of - inactivity`); infinite
    /// under [`OpenJourneys::Null`].
    censor_after: f64,
    /// Journeys whose last touch is after this are still open (`as_of - inactivity`).
    open_after: f64,
    touches: Vec<ChannelId>,
    times: Vec<f64>,
    segment: u32,
    /// Conversions and value without a touch, summed in an order-free way: partitions and
    /// chunks visit users in another order than one pass over the file.
    untouched_conversions: ExactSum,
    untouched_value: ExactSum,
}

impl Cutter {
    pub(crate) fn push(
        &mut self,
        e: Event,
        segments: &[String],
        summary: &mut EventsSummary,
        visit: &mut dyn FnMut(&EventJourney<'_>),
    ) {
        if e.time > self.as_of {
            summary.rows_after_as_of += 1;
            return;
        }
        if let Some(&last) = self.times.last()
            && e.time - last > self.inactivity
        {
            self.end_without_conversion(segments, summary, visit);
        }
        if let Some(c) = e.touch {
            self.touches.push(c);
            self.times.push(e.time);
        }
        self.segment = e.segment;
        if e.conversions > 0.0 {
            let keep_from = self.times.partition_point(|&t| t < e.time - self.lookback);
            summary.dropped_touches += keep_from as u64;
            self.touches.drain(..keep_from);
            self.times.drain(..keep_from);
            if self.touches.is_empty() {
                self.untouched_conversions.add(e.conversions);
                self.untouched_value.add(e.value);
                summary.untouched_conversions = self.untouched_conversions.value();
                summary.untouched_value = self.untouched_value.value();
            } else {
                summary.conversions += e.conversions;
                summary.journeys += 1;
                summary.value += e.value;
                let censored = self.censored(summary);
                visit(&EventJourney {
                    row: PathRow {
                        censored,
                        ..PathRow::whole(&self.touches, e.conversions, e.value, 0.0)
                    },
                    times: &self.times,
                    end: e.time,
                    segment: &segments[self.segment as usize],
                });
            }
            self.touches.clear();
            self.times.clear();
        } else if e.value != 0.0 {
            summary.value_without_conversion_rows += 1;
        }
    }

    pub(crate) fn end_without_conversion(
        &mut self,
        segments: &[String],
        summary: &mut EventsSummary,
        visit: &mut dyn FnMut(&EventJourney<'_>),
    ) {
        if self.touches.is_empty() {
            return;
        }
        summary.journeys += 1;
        let open = self.times.last().is_some_and(|&t| t > self.open_after);
        summary.open_journeys += u64::from(open);
        let censored = self.censored(summary);
        let row = if censored > 0 {
            PathRow {
                open: 1.0,
                censored,
                ..PathRow::whole(&self.touches, 0.0, 0.0, 0.0)
            }
        } else {
            summary.nulls += 1.0;
            PathRow::whole(&self.touches, 0.0, 0.0, 1.0)
        };
        visit(&EventJourney {
            row,
            times: &self.times,
            end: *self.times.last().expect("non-empty"),
            segment: &segments[self.segment as usize],
        });
        self.touches.clear();
        self.times.clear();
    }
}

impl Cutter {
    /// How many of the journey's last touches began after [`Cutter::censor_after`] (touches are
    /// in time order), counted into `summary` with the journey's visits.
    fn censored(&self, summary: &mut EventsSummary) -> usize {
        let known = self.times.partition_point(|&t| t <= self.censor_after);
        let censored = self.times.len() - known;
        summary.visits += self.times.len() as u64;
        summary.censored_visits += censored as u64;
        censored
    }
}

/// Where a row is, turned into a [`Location`] only when there is an error (no allocation per row).
pub(crate) struct At<'a> {
    pub(crate) source: &'a str,
    pub(crate) line: u64,
}

impl At<'_> {
    fn location(&self) -> Location {
        Location::line(self.source, self.line)
    }
}

/// Column positions.
#[derive(Clone)]
pub(crate) struct EventColumns {
    pub(crate) user: usize,
    pub(crate) time: usize,
    touchpoint: usize,
    conversion: Option<usize>,
    value: Option<usize>,
    segment: Option<usize>,
}

/// Reads the event log at `path` (`-` for standard input), cuts it into journeys and calls
/// `visit` for each, interning touchpoints into `channels`. `source` names it in errors.
pub fn read_events_file(
    path: &str,
    source: &str,
    format: &EventsFormat,
    channels: &mut ChannelTable,
    visit: impl FnMut(&EventJourney<'_>),
) -> Result<EventsSummary> {
    read_events_file_within(path, source, format, &Memory::default(), channels, visit)
}

/// [`read_events_file`] grouping an unsorted log (or standard input) within `memory`:
/// partitioned by user on disk when it would not fit ([`crate::spill`]).
pub fn read_events_file_within(
    path: &str,
    source: &str,
    format: &EventsFormat,
    memory: &Memory,
    channels: &mut ChannelTable,
    visit: impl FnMut(&EventJourney<'_>),
) -> Result<EventsSummary> {
    let table = TableFile::open(path, source)?;
    if table.is_parquet() {
        return read_parquet_events(&table, source, format, memory, channels, visit);
    }
    if let TableFile::Stream(_) = table {
        let stdin = table.text(source, &[])?;
        return grouped::read_grouped(stdin, None, source, format, memory, channels, visit, None);
    }
    let read_error = |e| Error::Read {
        path: path.to_owned(),
        source: e,
    };
    let open = || File::open(path).map_err(read_error);
    let size = std::fs::metadata(path).ok().map(|m| m.len());
    read_twice(open, size, source, format, memory, channels, visit)
}

/// Reads an event log from memory or any reader, checking its order first (two passes).
pub fn read_events_bytes(
    bytes: &[u8],
    source: &str,
    format: &EventsFormat,
    channels: &mut ChannelTable,
    visit: impl FnMut(&EventJourney<'_>),
) -> Result<EventsSummary> {
    read_events_bytes_within(bytes, source, format, &Memory::default(), channels, visit)
}

/// [`read_events_bytes`] grouping an unsorted log within `memory` ([`crate::spill`]).
pub fn read_events_bytes_within(
    bytes: &[u8],
    source: &str,
    format: &EventsFormat,
    memory: &Memory,
    channels: &mut ChannelTable,
    visit: impl FnMut(&EventJourney<'_>),
) -> Result<EventsSummary> {
    if bytes.starts_with(MAGIC) {
        let table = TableFile::from_bytes(bytes.to_vec());
        return read_parquet_events(&table, source, format, memory, channels, visit);
    }
    let size = Some(bytes.len() as u64);
    read_twice(|| Ok(bytes), size, source, format, memory, channels, visit)
}

/// Reads a log that `open` gives from its start each time: checks its order in a first pass,
/// then cuts it when sorted (from the rows that pass kept, when the log was small enough, else
/// streaming it again), or groups it within `memory` (`size` bytes, when known).
fn read_twice<R: Read>(
    open: impl Fn() -> Result<R>,
    size: Option<u64>,
    source: &str,
    format: &EventsFormat,
    memory: &Memory,
    channels: &mut ChannelTable,
    visit: impl FnMut(&EventJourney<'_>),
) -> Result<EventsSummary> {
    let keep = memory.limit.min(parallel::KEPT_ROWS_LIMIT);
    let order = parallel::check_order(open()?, size, source, format, keep)?;
    match (order.unsorted, order.rows) {
        (None, Some(rows)) => {
            parallel::cut_sorted_rows(rows, source, format, order.latest, channels, visit)
        }
        (None, None) => {
            let input = open()?;
            parallel::read_events_sorted(input, source, format, order.latest, channels, visit)
        }
        (Some(line), _) => grouped::read_grouped(
            open()?,
            size,
            source,
            format,
            memory,
            channels,
            visit,
            Some(line),
        ),
    }
}

/// Reads a Parquet event log as its rows' CSV text ([`crate::parquet_table`]), decoded again for
/// each of the two passes; messages name the file's rows.
fn read_parquet_events(
    table: &TableFile,
    source: &str,
    format: &EventsFormat,
    memory: &Memory,
    channels: &mut ChannelTable,
    visit: impl FnMut(&EventJourney<'_>),
) -> Result<EventsSummary> {
    let format = EventsFormat {
        delimiter: text_delimiter(true, format.delimiter)?,
        ..format.clone()
    };
    let columns = format.columns();
    let open = || table.text(source, &columns);
    read_twice(open, None, source, &format, memory, channels, visit).map_err(in_rows)
}

/// An event log (a file, `-` for standard input, or bytes in memory) as a [`PathSource`]: its
/// journeys, with each touch's age and the journey's segment when the format names a segment
/// column.
pub struct EventsReader {
    input: EventsInput,
    source: String,
    format: EventsFormat,
    memory: Memory,
    on_hint: Option<Hint>,
    split: Option<FirstTouchSplit>,
}

/// Journeys split in two by the time of their first touch ([`EventsReader::split_at`]).
#[derive(Debug, Clone)]
struct FirstTouchSplit {
    at: f64,
    labels: [String; 2],
}

/// Where an [`EventsReader`] sends its [`EventsSummary::order_hint`].
type Hint = Box<dyn FnMut(&str)>;

impl std::fmt::Debug for EventsReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventsReader")
            .field("input", &self.input)
            .field("source", &self.source)
            .field("format", &self.format)
            .field("memory", &self.memory)
            .finish_non_exhaustive()
    }
}

/// Where an [`EventsReader`] reads from.
#[derive(Debug)]
enum EventsInput {
    /// A path (`-` for standard input), read by [`read_events_file`].
    File(String),
    /// Bytes already in memory, read by [`read_events_bytes`].
    Bytes(Vec<u8>),
}

impl EventsReader {
    /// Reads the file at `path`, named `source` in messages, in `format`.
    pub fn new(path: &str, source: &str, format: &EventsFormat) -> Self {
        EventsReader {
            input: EventsInput::File(path.to_owned()),
            source: source.to_owned(),
            format: format.clone(),
            memory: Memory::default(),
            on_hint: None,
            split: None,
        }
    }

    /// Reads an event log held in memory, named `source` in messages, in `format`: the same
    /// journeys as the file would give (programs and the fuzzer use it).
    pub fn from_bytes(bytes: Vec<u8>, source: &str, format: &EventsFormat) -> Self {
        EventsReader {
            input: EventsInput::Bytes(bytes),
            source: source.to_owned(),
            format: format.clone(),
            memory: Memory::default(),
            on_hint: None,
            split: None,
        }
    }
}

impl EventsReader {
    /// Hands [`EventsSummary::order_hint`] to `hint` when the log was not sorted (a program
    /// shows it on its error stream; it is not one of the warnings about the data).
    pub fn on_hint(mut self, hint: impl FnMut(&str) + 'static) -> Self {
        self.on_hint = Some(Box::new(hint));
        self
    }

    /// Gives each journey the segment `labels[0]` when its first touch is before `at` (Unix
    /// seconds) and `labels[1]` otherwise, in place of any segment column (`compare
    /// --split-at`).
    pub fn split_at(mut self, at: f64, labels: [String; 2]) -> Self {
        self.split = Some(FirstTouchSplit { at, labels });
        self
    }

    /// Groups an unsorted log within `memory` (default: [`Memory::default`], 1 GiB).
    pub fn memory(mut self, memory: Memory) -> Self {
        self.memory = memory;
        self
    }
}

impl PathSource for EventsReader {
    fn name(&self) -> &str {
        &self.source
    }

    fn read(
        self,
        channels: &mut ChannelTable,
        visit: &mut dyn FnMut(&SourceRow<'_>),
    ) -> Result<(ReadSummary, Vec<String>)> {
        let segmented = self.format.segment_col.is_some();
        let split = self.split.clone();
        let mut ages = Vec::new();
        let mut journey = |j: &EventJourney<'_>| {
            j.ages_days(&mut ages);
            let segment = match &split {
                Some(s) => Some(s.labels[usize::from(j.times[0] >= s.at)].as_str()),
                None => segmented.then_some(j.segment),
            };
            visit(&SourceRow {
                path: j.row,
                ages_days: Some(&ages),
                segment,
            })
        };
        let summary = match &self.input {
            EventsInput::File(path) => read_events_file_within(
                path,
                &self.source,
                &self.format,
                &self.memory,
                channels,
                &mut journey,
            )?,
            EventsInput::Bytes(bytes) => read_events_bytes_within(
                bytes,
                &self.source,
                &self.format,
                &self.memory,
                channels,
                &mut journey,
            )?,
        };
        if let (Some(hint), Some(on_hint)) = (summary.order_hint(&self.source), self.on_hint) {
            let mut on_hint = on_hint;
            on_hint(&hint);
        }
        Ok((summary.as_read_summary(), summary.warnings(&self.source)))
    }
}

pub(crate) fn check_format(format: &EventsFormat) -> Result<()> {
    for (name, days) in [
        ("lookback_days", format.lookback_days),
        ("inactivity_days", format.inactivity_days),
    ] {
        if days.is_nan() || days <= 0.0 {
            return Err(Error::option(
                name,
                format!("is {days}; it must be a positive number of days"),
            ));
        }
    }
    Ok(())
}

pub(crate) fn open_csv<R: Read>(
    input: R,
    source: &str,
    format: &EventsFormat,
) -> Result<(csv::Reader<impl Read>, EventColumns)> {
    check_format(format)?;
    let (reader, header) = table_input::open(
        input,
        source,
        format.delimiter,
        "user_id,timestamp,touchpoint,conversion,value",
    )?;
    Ok((reader, find_event_columns(&header, format)?))
}

/// The columns `format` names, found in `header`.
pub(crate) fn find_event_columns(header: &Header, format: &EventsFormat) -> Result<EventColumns> {
    let required = |name: &str, option: &str| header.required(name, option);
    let optional = |name: &str, option: &str, needed: bool| header.optional(name, option, needed);
    Ok(EventColumns {
        user: required(&format.user_col, "user_col")?,
        time: required(&format.time_col, "time_col")?,
        touchpoint: required(&format.touchpoint_col, "touchpoint_col")?,
        conversion: optional(
            &format.conversion_col,
            "conversion_col",
            format.conversion_required,
        )?,
        value: optional(&format.value_col, "value_col", format.value_required)?,
        segment: match &format.segment_col {
            Some(s) => Some(required(s, "segment_col")?),
            None => None,
        },
    })
}

#[inline]
pub(crate) fn field<'r>(
    record: &'r impl Fields,
    i: usize,
    name: &str,
    at: &At<'_>,
) -> Result<&'r str> {
    let text = record.text(i).ok_or_else(|| {
        Error::input(
            at.location(),
            format!("missing field '{}' (too few fields)", clip(name)),
        )
    })?;
    text.map_err(|_| {
        Error::input(
            at.location(),
            format!("field '{}' is not valid UTF-8", clip(name)),
        )
    })
}

#[inline]
pub(crate) fn parse_time(
    record: &impl Fields,
    columns: &EventColumns,
    format: &EventsFormat,
    at: &At<'_>,
) -> Result<f64> {
    let text = field(record, columns.time, &format.time_col, at)?;
    parse_timestamp(text).ok_or_else(|| {
        Error::input(
            at.location(),
            format!(
                "{} '{}' is not a timestamp; expected RFC 3339 such as 2026-01-05T14:03:00Z (or Unix seconds)",
                clip(&format.time_col),
                clip(text)
            ),
        )
    })
}

#[inline]
fn parse_amount(text: &str, name: &str, at: &At<'_>) -> Result<f64> {
    if text.is_empty() {
        return Ok(0.0);
    }
    if let Some(x) = crate::paths::plain_decimal(text.as_bytes()) {
        return Ok(x);
    }
    let x: f64 = text.parse().map_err(|_| {
        Error::input(
            at.location(),
            format!("{} '{}' is not a number", clip(name), clip(text)),
        )
    })?;
    if !x.is_finite() || x < 0.0 {
        return Err(Error::input(
            at.location(),
            format!("{} is {}; it must be a number >= 0", clip(name), clip(text)),
        ));
    }
    Ok(x)
}

/// Parses the data fields of one row (not the user).
pub(crate) fn parse_event(
    record: &impl Fields,
    columns: &EventColumns,
    format: &EventsFormat,
    at: &At<'_>,
    channels: &mut ChannelTable,
    segments: &mut Segments,
) -> Result<Event> {
    let time = parse_time(record, columns, format, at)?;
    let touchpoint = field(record, columns.touchpoint, &format.touchpoint_col, at)?;
    let conversions = match columns.conversion {
        Some(i) => parse_amount(
            field(record, i, &format.conversion_col, at)?,
            &format.conversion_col,
            at,
        )?,
        None => 0.0,
    };
    let value = match columns.value {
        Some(i) => parse_amount(
            field(record, i, &format.value_col, at)?,
            &format.value_col,
            at,
        )?,
        None => 0.0,
    };
    let touch = if touchpoint.is_empty() {
        if conversions == 0.0 {
            return Err(Error::input(
                at.location(),
                format!(
                    "{} is empty and the row is not a conversion",
                    format.touchpoint_col
                ),
            ));
        }
        None
    } else {
        if touchpoint.contains('>') {
            return Err(Error::input(
                at.location(),
                format!(
                    "touchpoint '{}' contains '>', which separates touches in paths",
                    clip(touchpoint)
                ),
            ));
        }
        Some(channels.intern(touchpoint))
    };
    let segment = match columns.segment {
        Some(i) => segments.intern(field(
            record,
            i,
            format.segment_col.as_deref().unwrap_or(""),
            at,
        )?),
        None => 0,
    };
    Ok(Event {
        time,
        touch,
        conversions,
        value,
        segment,
    })
}

/// Interned segment values; id 0 is "" (no segment column).
pub(crate) struct Segments {
    pub(crate) names: Vec<String>,
    index: FxHashMap<String, u32>,
}

impl Segments {
    pub(crate) fn new() -> Self {
        Segments {
            names: vec![String::new()],
            index: FxHashMap::from_iter([(String::new(), 0)]),
        }
    }

    pub(crate) fn intern(&mut self, name: &str) -> u32 {
        if let Some(&id) = self.index.get(name) {
            return id;
        }
        let id = self.names.len() as u32;
        self.names.push(name.to_owned());
        self.index.insert(name.to_owned(), id);
        id
    }
}

#[inline]
pub(crate) fn check_user<'r>(
    record: &'r impl Fields,
    columns: &EventColumns,
    format: &EventsFormat,
    at: &At<'_>,
) -> Result<&'r [u8]> {
    let user = field(record, columns.user, &format.user_col, at)?;
    if user.is_empty() {
        return Err(Error::input(
            at.location(),
            format!("{} is empty", format.user_col),
        ));
    }
    Ok(user.as_bytes())
}

/// The cutter of `format` for a log whose latest timestamp is `latest` (the end of the data
/// unless [`EventsFormat::as_of`] says otherwise); `summary` records the end and the policy.
pub(crate) fn new_cutter(
    format: &EventsFormat,
    latest: f64,
    summary: &mut EventsSummary,
) -> Cutter {
    let as_of = format.as_of.unwrap_or(latest);
    let inactivity = format.inactivity_days * DAY;
    summary.as_of = as_of;
    summary.open_journeys_policy = format.open_journeys;
    Cutter {
        lookback: format.lookback_days * DAY,
        inactivity,
        as_of,
        censor_after: match format.open_journeys {
            OpenJourneys::Censor => as_of - inactivity,
            OpenJourneys::Null => f64::INFINITY,
        },
        open_after: as_of - inactivity,
        touches: Vec::new(),
        times: Vec::new(),
        segment: 0,
        untouched_conversions: ExactSum::default(),
        untouched_value: ExactSum::default(),
    }
}

pub(crate) fn finish(summary: EventsSummary, source: &str) -> Result<EventsSummary> {
    if summary.rows == 0 {
        return Err(Error::input(
            Location::file(source),
            "no data rows after the header; expected at least one event",
        ));
    }
    summary.as_read_summary().check_totals(source)?;
    if summary.visits > 0 && summary.censored_visits == summary.visits {
        return Err(Error::input(
            Location::file(source),
            format!(
                "every touch began less than the inactivity window before the end of the data \
                 ({}), so no exit (next touch, conversion or silence) is known and nothing can \
                 be estimated; give more history, a shorter `inactivity_days`, an earlier \
                 `as_of`, or count journeys still open as nulls (`open_journeys` null)",
                crate::time::format_rfc3339(summary.as_of.floor() as i64)
            ),
        ));
    }
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The default format with journeys taken as ended at the end of the data: what the
    /// tests of cutting rules check (censoring has its own tests).
    fn whole() -> EventsFormat {
        EventsFormat {
            open_journeys: OpenJourneys::Null,
            ..EventsFormat::default()
        }
    }

    /// (path, conversions, value, nulls, open, censored) of each journey of `text`.
    type Censored = (String, f64, f64, f64, f64, usize);

    fn censored_journeys(text: &str, format: &EventsFormat) -> (Vec<Censored>, EventsSummary) {
        let mut channels = ChannelTable::new();
        let mut out = Vec::new();
        let summary = read_events_bytes(text.as_bytes(), "e.csv", format, &mut channels, |j| {
            let r = j.row;
            out.push((
                r.touches.to_vec(),
                r.conversions,
                r.value,
                r.nulls,
                r.open,
                r.censored,
            ));
        })
        .unwrap();
        let out = out
            .into_iter()
            .map(|(touches, c, v, n, o, k)| (channels.format_path(&touches), c, v, n, o, k))
            .collect();
        (out, summary)
    }

    #[test]
    fn open_journeys_are_censored_from_the_first_touch_too_close_to_the_end() {
        // As of the latest row (April 1st) with 30 days of inactivity, touches after March 2nd
        // have censored exits: only the last search, which also leaves its journey open.
        let (j, s) = censored_journeys(LOG, &EventsFormat::default());
        let censored = |p: &str, c, v, n, o, k| (p.to_owned(), c, v, n, o, k);
        assert_eq!(
            j,
            [
                censored("search > email", 1.0, 50.0, 0.0, 0.0, 0),
                censored("email", 0.0, 0.0, 1.0, 0.0, 0),
                censored("search", 0.0, 0.0, 0.0, 1.0, 1),
                censored("social", 2.0, 30.0, 0.0, 0.0, 0),
            ]
        );
        assert_eq!((s.open_journeys, s.censored_visits, s.visits), (1, 1, 5));
        assert_eq!((s.nulls, s.rows_after_as_of), (1.0, 0));
        assert_eq!(s.as_of, parse_timestamp("2026-04-01T00:00:00Z").unwrap());
        let read = s.as_read_summary();
        assert_eq!((read.open, read.nulls, read.journeys()), (1.0, 1.0, 5.0));
        assert_eq!(read.open_journeys, Some((OpenJourneys::Censor, 1.0)));

        // As of February 10th: the April row is left out, and touches after January 11th
        // have censored exits. The conversion is still counted, but the chain learns only its
        // entry into search; the email of February 6th is an open journey.
        let format = EventsFormat {
            as_of: parse_timestamp("2026-02-10"),
            ..EventsFormat::default()
        };
        let (j, s) = censored_journeys(LOG, &format);
        assert_eq!(
            j,
            [
                censored("search > email", 1.0, 50.0, 0.0, 0.0, 2),
                censored("email", 0.0, 0.0, 0.0, 1.0, 1),
                censored("social", 2.0, 30.0, 0.0, 0.0, 0),
            ]
        );
        assert_eq!((s.open_journeys, s.censored_visits, s.visits), (1, 3, 4));
        assert_eq!((s.rows_after_as_of, s.nulls), (1, 0.0));
        assert!(
            s.warnings("e.csv")
                .iter()
                .any(|w| w.contains("1 rows are later"))
        );

        // The null policy: the same cut, open journeys are nulls, nothing is censored.
        let null = EventsFormat {
            open_journeys: OpenJourneys::Null,
            ..format
        };
        let (j, s) = censored_journeys(LOG, &null);
        assert_eq!(j[1], censored("email", 0.0, 0.0, 1.0, 0.0, 0));
        assert!(j.iter().all(|x| x.5 == 0));
        assert_eq!((s.open_journeys, s.censored_visits), (1, 0));
        assert_eq!(
            s.as_read_summary().open_journeys,
            Some((OpenJourneys::Null, 1.0))
        );
    }

    #[test]
    fn a_log_whose_every_exit_is_censored_is_an_error_naming_its_end() {
        let text = "user_id,timestamp,touchpoint\nu,2026-01-01,a\nu,2026-01-02,b\n";
        let mut channels = ChannelTable::new();
        let error = read_events_bytes(
            text.as_bytes(),
            "e.csv",
            &EventsFormat::default(),
            &mut channels,
            |_| {},
        )
        .unwrap_err()
        .to_string();
        assert!(
            error.contains("e.csv: every touch began less than the inactivity window before the end of the data (2026-01-02T00:00:00Z)"),
            "{error}"
        );
        // Censoring the same log as of a later day is no better; as nulls it reads.
        let later = EventsFormat {
            as_of: parse_timestamp("2026-01-20"),
            ..EventsFormat::default()
        };
        assert!(
            read_events_bytes(text.as_bytes(), "e.csv", &later, &mut channels, |_| {}).is_err()
        );
        assert!(
            read_events_bytes(text.as_bytes(), "e.csv", &whole(), &mut channels, |_| {}).is_ok()
        );
    }

    type Cut = (String, f64, f64, f64, String);

    fn journeys(text: &str, format: &EventsFormat) -> (Vec<Cut>, EventsSummary) {
        let mut channels = ChannelTable::new();
        let mut out = Vec::new();
        let summary = read_events_bytes(text.as_bytes(), "e.csv", format, &mut channels, |j| {
            out.push((
                channels_path(j.row.touches),
                j.row.conversions,
                j.row.value,
                j.row.nulls,
                j.segment.to_owned(),
            ))
        })
        .unwrap();
        let names = channels;
        let out = out
            .into_iter()
            .map(|(p, c, v, n, s)| {
                let p = p
                    .split(',')
                    .filter(|x| !x.is_empty())
                    .map(|i| names.name(i.parse().unwrap()).to_owned())
                    .collect::<Vec<_>>()
                    .join(" > ");
                (p, c, v, n, s)
            })
            .collect();
        (out, summary)
    }

    fn channels_path(touches: &[u32]) -> String {
        touches
            .iter()
            .map(|t| t.to_string())
            .collect::<Vec<_>>()
            .join(",")
    }

    const LOG: &str = "user_id,timestamp,touchpoint,conversion,value,persona\n\
        a,2026-01-01T00:00:00Z,social,0,,x\n\
        a,2026-01-20T00:00:00Z,search,0,,x\n\
        a,2026-02-05T00:00:00Z,email,1,50,x\n\
        a,2026-02-06T00:00:00Z,email,0,,x\n\
        a,2026-04-01T00:00:00Z,search,0,,y\n\
        b,2026-01-01T00:00:00Z,social,0,,y\n\
        b,2026-01-02T00:00:00Z,,2,30,y\n";

    #[test]
    fn cuts_at_conversions_lookback_and_inactivity() {
        let (j, s) = journeys(LOG, &whole());
        assert_eq!(
            j.iter()
                .map(|x| (x.0.as_str(), x.1, x.2, x.3))
                .collect::<Vec<_>>(),
            vec![
                // social is 35 days before the conversion: dropped by the 30-day lookback.
                ("search > email", 1.0, 50.0, 0.0),
                // email, then 54 days of silence: the journey ends; search starts another.
                ("email", 0.0, 0.0, 1.0),
                ("search", 0.0, 0.0, 1.0),
                // A conversion row without a touch ends b's journey.
                ("social", 2.0, 30.0, 0.0),
            ]
        );
        assert_eq!(
            (s.rows, s.users, s.journeys, s.dropped_touches),
            (7, 2, 4, 1)
        );
        assert_eq!((s.conversions, s.value, s.nulls), (3.0, 80.0, 2.0));
        assert_eq!((s.untouched_conversions, s.untouched_value), (0.0, 0.0));
        assert_eq!(s.unsorted, None);
    }

    #[test]
    fn conversions_without_a_touch_are_counted_apart_from_the_attributed_ones() {
        // c orders offline (no touch at all); d's only touch is 40 days before its order.
        let log = format!(
            "{LOG}c,2026-01-05T00:00:00Z,,1,70,y\n\
             d,2026-01-01T00:00:00Z,social,0,,y\nd,2026-02-10T00:00:00Z,,2,8,y\n"
        );
        let (j, s) = journeys(&log, &whole());
        let converting: f64 = j.iter().map(|x| x.1).sum();
        assert_eq!((converting, s.conversions, s.value), (3.0, 3.0, 80.0));
        assert_eq!((s.untouched_conversions, s.untouched_value), (3.0, 78.0));
        let read = s.as_read_summary();
        assert_eq!(
            (read.unattributed_conversions, read.unattributed_value),
            (3.0, 78.0)
        );
        assert!(
            s.warnings("e.csv")
                .iter()
                .any(|w| w.contains("3 conversions (value 78)"))
        );
    }

    #[test]
    fn unsorted_input_gives_the_same_journeys_and_says_so() {
        let mut lines: Vec<&str> = LOG.lines().collect();
        let header = lines.remove(0);
        lines.reverse();
        let shuffled = format!("{header}\n{}\n", lines.join("\n"));
        let (sorted, _) = journeys(LOG, &whole());
        let (grouped, s) = journeys(&shuffled, &whole());
        assert_eq!(sorted, grouped);
        assert_eq!(s.unsorted, Some(3));
        assert!(
            s.order_hint("e.csv")
                .unwrap()
                .contains("not sorted by user, then time")
        );
        assert!(
            !s.warnings("e.csv").iter().any(|w| w.contains("not sorted")),
            "a hint, not a warning"
        );
    }

    #[test]
    fn segment_is_the_value_on_the_last_row() {
        let format = EventsFormat {
            segment_col: Some("persona".into()),
            ..whole()
        };
        let (j, _) = journeys(LOG, &format);
        let segments: Vec<&str> = j.iter().map(|x| x.4.as_str()).collect();
        assert_eq!(segments, vec!["x", "x", "y", "y"]);
    }

    #[test]
    fn split_at_labels_journeys_by_their_first_kept_touch() {
        // Journeys: search > email (first kept touch Jan 20; social fell out of the lookback),
        // email (Feb 6), search (Apr 1) and b's social (Jan 1).
        let at = crate::time::parse_timestamp("2026-02-01").unwrap();
        let reader = EventsReader::from_bytes(LOG.as_bytes().to_vec(), "e.csv", &whole())
            .split_at(at, ["before".into(), "after".into()]);
        let mut channels = ChannelTable::new();
        let mut seen = Vec::new();
        reader
            .read(&mut channels, &mut |row| {
                seen.push((row.path.touches.to_vec(), row.segment.unwrap().to_owned()))
            })
            .unwrap();
        let named: Vec<(String, String)> = seen
            .iter()
            .map(|(t, s)| {
                let path: Vec<&str> = t.iter().map(|&c| channels.name(c)).collect();
                (path.join(" > "), s.clone())
            })
            .collect();
        assert_eq!(
            named,
            [
                ("search > email".to_owned(), "before".to_owned()),
                ("email".to_owned(), "after".to_owned()),
                ("search".to_owned(), "after".to_owned()),
                ("social".to_owned(), "before".to_owned()),
            ]
        );
    }

    proptest::proptest! {
        #[test]
        fn every_touch_is_in_one_journey_or_dropped_and_row_order_does_not_matter(
            rows in proptest::collection::vec((0u8..4, 0u32..90, 0u8..3, proptest::bool::weighted(0.2)), 1..60),
            lookback in 1.0f64..40.0,
            inactivity in 1.0f64..40.0,
        ) {
            let format = EventsFormat { lookback_days: lookback, inactivity_days: inactivity, ..whole() };
            let body: Vec<String> = rows
                .iter()
                .enumerate()
                .map(|(i, (user, day, touch, converts))| {
                    // Distinct times per user (the hour is the row number), so any order of the
                    // rows has one time order.
                    format!("u{user},{},t{touch},{},1", 1_767_225_600 + *day as u64 * 86_400 + i as u64 * 60, u8::from(*converts))
                })
                .collect();
            let text = format!("user_id,timestamp,touchpoint,conversion,value\n{}\n", body.join("\n"));
            let (mut forward, s) = journeys(&text, &format);
            let touches: usize = forward.iter().map(|j| j.0.split(" > ").count()).sum();
            proptest::prop_assert_eq!(touches as u64 + s.dropped_touches, rows.len() as u64);
            let converting: f64 = forward.iter().map(|j| j.1).sum();
            proptest::prop_assert_eq!(converting, s.conversions);
            proptest::prop_assert_eq!(s.conversions + s.untouched_conversions, rows.iter().filter(|r| r.3).count() as f64);
            let mut reversed_body = body.clone();
            reversed_body.reverse();
            let reversed = format!("user_id,timestamp,touchpoint,conversion,value\n{}\n", reversed_body.join("\n"));
            let (mut backward, _) = journeys(&reversed, &format);
            let key = |j: &Cut| format!("{:?}", j);
            forward.sort_by_key(key);
            backward.sort_by_key(key);
            proptest::prop_assert_eq!(forward, backward);
        }
    }

    #[test]
    fn bad_rows_name_file_and_line() {
        let error = |text: &str| {
            let mut channels = ChannelTable::new();
            read_events_bytes(text.as_bytes(), "e.csv", &whole(), &mut channels, |_| {})
                .unwrap_err()
                .to_string()
        };
        let bad_time = "user_id,timestamp,touchpoint\na,2026-01-01T00:00:00Z,x\na,yesterday,y\n";
        assert_eq!(
            error(bad_time),
            "e.csv line 3: timestamp 'yesterday' is not a timestamp; expected RFC 3339 such as 2026-01-05T14:03:00Z (or Unix seconds)"
        );
        let negative = "user_id,timestamp,touchpoint,conversion,value\na,2026-01-01,x,1,-5\n";
        assert_eq!(
            error(negative),
            "e.csv line 2: value is -5; it must be a number >= 0"
        );
        let missing = "user,timestamp,touchpoint\na,2026-01-01,x\n";
        assert!(error(missing).contains("no column 'user_id'"));
    }

    #[test]
    fn a_reader_of_bytes_gives_what_the_file_gives() {
        // Unsorted (the grouped pass) with a segment column, so every part of a row is compared.
        let text = "user_id,timestamp,touchpoint,conversion,value,persona\n\
                    b,2026-01-02,y,1,10,p\n\
                    a,2026-01-03,x,0,,q\n\
                    b,2026-01-01,x,0,,p\n";
        let format = EventsFormat {
            segment_col: Some("persona".into()),
            ..whole()
        };
        let rows = |reader: EventsReader| {
            let mut channels = ChannelTable::new();
            let mut rows = Vec::new();
            let (summary, warnings) = reader
                .read(&mut channels, &mut |row| {
                    rows.push(format!(
                        "{:?} {} {} {} {:?} {:?}",
                        row.path.touches,
                        row.path.conversions,
                        row.path.value,
                        row.path.nulls,
                        row.ages_days,
                        row.segment
                    ))
                })
                .unwrap();
            (
                rows,
                format!("{summary:?}"),
                warnings,
                channels.names().to_vec(),
            )
        };
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), text).unwrap();
        let path = file.path().to_str().unwrap();
        let hints = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
        let hinted = |reader: EventsReader| {
            let hints = hints.clone();
            reader.on_hint(move |h| hints.borrow_mut().push(h.to_owned()))
        };
        let from_file = rows(hinted(EventsReader::new(path, "e.csv", &format)));
        let from_bytes = rows(hinted(EventsReader::from_bytes(
            text.into(),
            "e.csv",
            &format,
        )));
        assert_eq!(from_file.0.len(), 2);
        assert_eq!(
            hints.borrow().len(),
            2,
            "each read hints that it was unsorted"
        );
        assert_eq!(from_bytes, from_file);
    }
}
