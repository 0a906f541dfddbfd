//! The two passes over a sorted event log on every core ([`crate::chunked`]): the order check
//! and the cut. Chunks only parse (users, events with their own channel and segment tables);
//! the rows are then taken in file order by one cutter, so a user whose events straddle a chunk
//! boundary is cut exactly as by one sequential reader.
//!
//! The order check parses whole rows and keeps them while they fit a memory budget
//! ([`KEPT_ROWS_LIMIT`] at most): when the log turns out sorted, the cut takes them from memory
//! instead of reading and parsing the file again. A log whose rows do not fit (or with a row the
//! parallel parse leaves to the sequential reader) is read a second time, streaming; both ways
//! hand the cutter the same chunks.
//!
//! Keeping saves reading and parsing every row a second time, but the cut then runs alone where
//! streaming runs it beside the parse of the next chunks: it pays when the cut and its consumer
//! are light, and small logs are where the memory it takes is small. On a 348 MB log (4.7M events) `fit` and
//! `paths` took as long either way while keeping raised their peak memory from 140 to 390 MB,
//! so larger logs stream.

use std::io::Read;
use std::sync::atomic::{AtomicBool, Ordering as Atomic};

use super::{
    At, Cutter, Event, EventColumns, EventJourney, EventsFormat, EventsSummary, Segments,
    check_format, check_user, find_event_columns, finish, new_cutter, parse_event, parse_time,
    sort_ties,
};
use crate::chunked::{ChunkRows, Fields, LineFields, Sink, check_len, data_reader, run};
use crate::table_input::{self, csv_error_from};
use journeysim_core::error::Result;
use journeysim_core::journey::{ChannelId, ChannelTable};

/// Rows of a chunk of an event log: users one after another in `users`, channels and segments
/// numbered in the chunk's own tables.
struct EventsChunk {
    channels: ChannelTable,
    segments: Segments,
    users: Vec<u8>,
    /// End of each row's user in `users`, and its event.
    rows: Vec<(usize, Event)>,
}

impl EventsChunk {
    /// Bytes it holds on the heap, about: its vectors' capacities and its tables' names (with
    /// a string and a hash entry each).
    fn heap_bytes(&self) -> usize {
        let names = |names: &[String]| -> usize { names.iter().map(|n| n.len() + 64).sum() };
        self.users.capacity()
            + self.rows.capacity() * std::mem::size_of::<(usize, Event)>()
            + names(self.channels.names())
            + names(&self.segments.names)
    }
}

/// Parses a chunk's rows; with `order`, checks their order on the way and stops at the first
/// row out of order.
fn parse_events_chunk(
    chunk: &[u8],
    source: &str,
    format: &EventsFormat,
    columns: &EventColumns,
    width: usize,
    delimiter: u8,
    mut order: Option<&mut OrderChunk>,
) -> Option<EventsChunk> {
    let mut rows = ChunkRows::new(chunk, delimiter);
    let mut record = LineFields::default();
    let mut out = EventsChunk {
        channels: ChannelTable::new(),
        segments: Segments::new(),
        users: Vec::new(),
        rows: Vec::new(),
    };
    let at = At { source, line: 0 };
    while rows.read(&mut record) {
        if record.len() != width {
            return None;
        }
        let user = check_user(&record, columns, format, &at).ok()?;
        out.users.extend_from_slice(user);
        let event = parse_event(
            &record,
            columns,
            format,
            &at,
            &mut out.channels,
            &mut out.segments,
        )
        .ok()?;
        if let Some(order) = order.as_deref_mut()
            && !order.take(user, event.time, record.number - 1)
        {
            return Some(out);
        }
        out.rows.push((out.users.len(), event));
    }
    Some(out)
}

/// The cut of a sorted log, whichever way rows are parsed: the sequential reader's loop.
struct SortedSink<'a, V> {
    source: &'a str,
    format: &'a EventsFormat,
    columns: EventColumns,
    width: usize,
    delimiter: u8,
    channels: &'a mut ChannelTable,
    segments: Segments,
    summary: EventsSummary,
    cutter: Cutter,
    current_user: Vec<u8>,
    /// The user's events at the current instant, held until time moves on.
    ties: Vec<Event>,
    renumber: Vec<ChannelId>,
    resegment: Vec<u32>,
    visit: V,
}

impl<V: FnMut(&EventJourney<'_>)> SortedSink<'_, V> {
    fn take(&mut self, user: &[u8], event: Event) {
        self.summary.rows += 1;
        let new_user = user != self.current_user.as_slice();
        if new_user || self.ties.first().is_some_and(|t| t.time != event.time) {
            self.flush_ties();
        }
        if new_user {
            self.cutter.end_without_conversion(
                &self.segments.names,
                &mut self.summary,
                &mut self.visit,
            );
            self.summary.users += 1;
            self.current_user.clear();
            self.current_user.extend_from_slice(user);
        }
        self.ties.push(event);
    }

    fn flush_ties(&mut self) {
        sort_ties(&mut self.ties, self.channels, &self.segments.names);
        for e in self.ties.drain(..) {
            self.cutter
                .push(e, &self.segments.names, &mut self.summary, &mut self.visit);
        }
    }

    fn end(mut self) -> Result<EventsSummary> {
        self.flush_ties();
        self.cutter.end_without_conversion(
            &self.segments.names,
            &mut self.summary,
            &mut self.visit,
        );
        finish(self.summary, self.source)
    }
}

impl<V: FnMut(&EventJourney<'_>)> Sink<EventsChunk> for SortedSink<'_, V> {
    fn consume(&mut self, chunk: EventsChunk, _line: u64) -> Result<()> {
        self.renumber.clear();
        for name in chunk.channels.names() {
            self.renumber.push(self.channels.intern(name));
        }
        self.resegment.clear();
        for name in &chunk.segments.names {
            self.resegment.push(self.segments.intern(name));
        }
        let mut start = 0;
        for &(end, mut event) in &chunk.rows {
            event.touch = event.touch.map(|c| self.renumber[c as usize]);
            event.segment = self.resegment[event.segment as usize];
            self.take(&chunk.users[start..end], event);
            start = end;
        }
        Ok(())
    }

    fn sequential(&mut self, rest: &mut dyn Read, line: u64) -> Result<()> {
        let mut reader = data_reader(rest, self.delimiter);
        let mut record = csv::ByteRecord::new();
        let mut raw = csv::ByteRecord::new();
        while crate::chunked::read_trimmed(&mut reader, &mut raw, &mut record)
            .map_err(|e| csv_error_from(e, self.source, line))?
        {
            let at = At {
                source: self.source,
                line: record.position().map_or(0, |p| p.line()) + line - 1,
            };
            check_len(&record, self.width, self.source, at.line)?;
            let user = check_user(&record, &self.columns, self.format, &at)?;
            let event = parse_event(
                &record,
                &self.columns,
                self.format,
                &at,
                self.channels,
                &mut self.segments,
            )?;
            let user = user.to_vec();
            self.take(&user, event);
        }
        Ok(())
    }
}

impl<'a, V: FnMut(&EventJourney<'_>)> SortedSink<'a, V> {
    fn new(
        source: &'a str,
        format: &'a EventsFormat,
        table: TableShape,
        latest: f64,
        channels: &'a mut ChannelTable,
        visit: V,
    ) -> Self {
        let mut summary = EventsSummary::default();
        let cutter = new_cutter(format, latest, &mut summary);
        SortedSink {
            source,
            format,
            columns: table.columns,
            width: table.width,
            delimiter: table.delimiter,
            channels,
            segments: Segments::new(),
            summary,
            cutter,
            current_user: Vec::new(),
            ties: Vec::new(),
            renumber: Vec::new(),
            resegment: Vec::new(),
            visit,
        }
    }
}

/// Where a log's fields are: its columns, its number of fields and its delimiter.
struct TableShape {
    columns: EventColumns,
    width: usize,
    delimiter: u8,
}

/// Opens a log at its header.
fn open_log<R: Read>(
    input: R,
    source: &str,
    format: &EventsFormat,
) -> Result<(impl Read + use<R>, TableShape)> {
    check_format(format)?;
    let (input, header, delimiter) = table_input::open_header(
        input,
        source,
        format.delimiter,
        "user_id,timestamp,touchpoint,conversion,value",
    )?;
    let shape = TableShape {
        columns: find_event_columns(&header, format)?,
        width: header.len(),
        delimiter,
    };
    Ok((input, shape))
}

/// Streams a log sorted by user, then time, parsing on every core (what the events reader's
/// sorted path does): memory is one user's open journey plus a batch of chunks.
/// `latest` is the log's latest timestamp, from the order check.
pub(crate) fn read_events_sorted<R: Read>(
    input: R,
    source: &str,
    format: &EventsFormat,
    latest: f64,
    channels: &mut ChannelTable,
    visit: impl FnMut(&EventJourney<'_>),
) -> Result<EventsSummary> {
    let (input, table) = open_log(input, source, format)?;
    let (columns, width, delimiter) = (table.columns.clone(), table.width, table.delimiter);
    let parse =
        |chunk: &[u8]| parse_events_chunk(chunk, source, format, &columns, width, delimiter, None);
    let mut sink = SortedSink::new(source, format, table, latest, channels, visit);
    run(input, source, 2, parse, &mut sink)?;
    sink.end()
}

/// The most memory a sorted log's parsed rows are kept in between its two passes (64 MiB: a
/// log of about 80 MB at 48 bytes per event plus the user names); see the module documentation.
pub(crate) const KEPT_ROWS_LIMIT: u64 = 64 << 20;

/// The rows of a sorted log, parsed by its order check: see the module documentation.
pub(crate) struct SortedRows {
    table: TableShape,
    chunks: Vec<EventsChunk>,
}

impl SortedRows {
    /// The number of rows kept.
    #[cfg(test)]
    pub(crate) fn rows(&self) -> usize {
        self.chunks.iter().map(|c| c.rows.len()).sum()
    }

    /// Bytes the kept rows take.
    #[cfg(test)]
    pub(crate) fn heap_bytes(&self) -> u64 {
        self.chunks.iter().map(|c| c.heap_bytes() as u64).sum()
    }
}

/// Cuts a sorted log from the rows its order check kept, as [`read_events_sorted`] cuts it
/// from the file.
pub(crate) fn cut_sorted_rows(
    rows: SortedRows,
    source: &str,
    format: &EventsFormat,
    latest: f64,
    channels: &mut ChannelTable,
    visit: impl FnMut(&EventJourney<'_>),
) -> Result<EventsSummary> {
    let mut sink = SortedSink::new(source, format, rows.table, latest, channels, visit);
    for chunk in rows.chunks {
        sink.consume(chunk, 0)?;
    }
    sink.end()
}

/// What the order check found in a chunk.
struct OrderChunk {
    /// The first row's user and time, and its line from the chunk's first (0-based; none for a
    /// chunk without rows).
    first: Option<(Vec<u8>, f64, u64)>,
    /// The last row's (before the first out of order).
    last: Option<(Vec<u8>, f64)>,
    /// Line (from the chunk's first, 0-based) of the first row out of order within the chunk.
    unsorted: Option<u64>,
    /// The latest time in the chunk (of the rows before the first out of order).
    latest: f64,
}

impl OrderChunk {
    fn new() -> Self {
        OrderChunk {
            first: None,
            last: None,
            unsorted: None,
            latest: f64::NEG_INFINITY,
        }
    }

    /// Takes the chunk's next row, at `line`: false (and the line noted) when it is out of
    /// order after the row before.
    fn take(&mut self, user: &[u8], time: f64, line: u64) -> bool {
        match &mut self.last {
            None => {
                self.first = Some((user.to_vec(), time, line));
                self.last = Some((user.to_vec(), time));
            }
            Some(last) => {
                if out_of_order(&*last, user, time) {
                    self.unsorted = Some(line);
                    return false;
                }
                last.0.clear();
                last.0.extend_from_slice(user);
                last.1 = time;
            }
        }
        self.latest = self.latest.max(time);
        true
    }
}

/// A chunk as the order check parsed it: what it found, and the rows when they are kept.
struct CheckedChunk {
    order: OrderChunk,
    rows: Option<EventsChunk>,
    /// The chunk's length in bytes.
    bytes: usize,
}

/// The order check of a sorted-log reader, whichever way rows are parsed.
struct OrderSink<'a> {
    source: &'a str,
    format: &'a EventsFormat,
    columns: EventColumns,
    width: usize,
    delimiter: u8,
    previous: Option<(Vec<u8>, f64)>,
    found: Option<u64>,
    latest: f64,
    /// The rows parsed so far, while every row is kept and they fit `budget` bytes.
    kept: Option<Vec<EventsChunk>>,
    /// Bytes the kept rows take, and the bytes of the log they were parsed from.
    kept_bytes: u64,
    read_bytes: u64,
    budget: u64,
    /// The log's size, when known: rows are not kept once the log's would not fit at the rate
    /// seen so far (so a large log is not parsed whole only to be read again).
    size: Option<u64>,
    /// Whether chunks are still parsed whole to be kept (read by the parsing threads).
    keeping: &'a AtomicBool,
}

impl OrderSink<'_> {
    /// Stops keeping rows: the cut reads the log again.
    fn give_up_rows(&mut self) {
        self.kept = None;
        self.keeping.store(false, Atomic::Relaxed);
    }
}

fn out_of_order(previous: &(Vec<u8>, f64), user: &[u8], time: f64) -> bool {
    let (u, t) = previous;
    match user.cmp(u) {
        std::cmp::Ordering::Less => true,
        std::cmp::Ordering::Equal => time < *t,
        std::cmp::Ordering::Greater => false,
    }
}

impl Sink<CheckedChunk> for OrderSink<'_> {
    fn done(&self) -> bool {
        self.found.is_some()
    }

    fn consume(&mut self, chunk: CheckedChunk, line: u64) -> Result<()> {
        if self.found.is_some() {
            return Ok(());
        }
        let order = chunk.order;
        self.latest = self.latest.max(order.latest);
        if let (Some(previous), Some((user, time, at))) = (&self.previous, &order.first)
            && out_of_order(previous, user, *time)
        {
            self.found = Some(line + at);
            return Ok(());
        }
        if let Some(at) = order.unsorted {
            self.found = Some(line + at);
            return Ok(());
        }
        if order.last.is_some() {
            self.previous = order.last;
        }
        match (chunk.rows, &mut self.kept) {
            (Some(rows), Some(kept)) => {
                self.kept_bytes += rows.heap_bytes() as u64;
                self.read_bytes += chunk.bytes as u64;
                kept.push(rows);
                let expected = self.size.map_or(0, |size| {
                    (self.kept_bytes as f64 / self.read_bytes as f64 * size as f64) as u64
                });
                if self.kept_bytes.max(expected) > self.budget {
                    self.give_up_rows();
                }
            }
            (None, Some(_)) => self.give_up_rows(),
            (_, None) => {}
        }
        Ok(())
    }

    fn sequential(&mut self, rest: &mut dyn Read, line: u64) -> Result<()> {
        self.give_up_rows();
        if self.found.is_some() {
            return Ok(());
        }
        let mut reader = data_reader(rest, self.delimiter);
        let mut record = csv::ByteRecord::new();
        let mut raw = csv::ByteRecord::new();
        while crate::chunked::read_trimmed(&mut reader, &mut raw, &mut record)
            .map_err(|e| csv_error_from(e, self.source, line))?
        {
            let at = At {
                source: self.source,
                line: record.position().map_or(0, |p| p.line()) + line - 1,
            };
            check_len(&record, self.width, self.source, at.line)?;
            let user = record.get(self.columns.user).unwrap_or_default();
            let time = parse_time(&record, &self.columns, self.format, &at)?;
            if let Some(previous) = &self.previous
                && out_of_order(previous, user, time)
            {
                self.found = Some(at.line);
                return Ok(());
            }
            self.latest = self.latest.max(time);
            self.previous = Some((user.to_vec(), time));
        }
        Ok(())
    }
}

/// Checks the order of a chunk's rows, reading only their users and times.
fn parse_order_chunk(
    chunk: &[u8],
    source: &str,
    format: &EventsFormat,
    columns: &EventColumns,
    delimiter: u8,
) -> Option<OrderChunk> {
    let mut rows = ChunkRows::new(chunk, delimiter);
    let mut record = LineFields::default();
    let mut out = OrderChunk::new();
    let at = At { source, line: 0 };
    // Only the user and the time are read here. A row with too many fields is not this pass's
    // to report: the cut, or the grouping of an unsorted log, reads every row up to the first
    // bad one and reports it as the sequential reader does. One without them is, here.
    let wanted = columns.user.max(columns.time) + 1;
    while rows.read_first(&mut record, wanted) {
        if record.len() < wanted {
            return None;
        }
        let user = Fields::get(&record, columns.user).unwrap_or_default();
        let time = parse_time(&record, columns, format, &at).ok()?;
        if !out.take(user, time, record.number - 1) {
            break;
        }
    }
    Some(out)
}

/// What the first pass over a log found.
pub(crate) struct OrderCheck {
    /// The line of the first row out of (user bytes, time) order, if any.
    pub(crate) unsorted: Option<u64>,
    /// The latest time (of every row when the log is sorted).
    pub(crate) latest: f64,
    /// The log's rows, parsed, when it is sorted and they fit the budget.
    pub(crate) rows: Option<SortedRows>,
}

/// First pass over a log: checks that its rows are in (user bytes, time) order, checking every
/// time on the way (what the events reader's order check does), on every core. Rows are parsed
/// whole and kept while they take at most `budget` bytes, and while the whole log's would at the
/// rate seen so far when its `size` is known (see the module documentation).
pub(crate) fn check_order<R: Read>(
    input: R,
    size: Option<u64>,
    source: &str,
    format: &EventsFormat,
    budget: u64,
) -> Result<OrderCheck> {
    let (input, table) = open_log(input, source, format)?;
    let (columns, width, delimiter) = (&table.columns, table.width, table.delimiter);
    let keeping = AtomicBool::new(budget > 0);
    let parse = |chunk: &[u8]| {
        let mut order = OrderChunk::new();
        let rows = if keeping.load(Atomic::Relaxed) {
            let order = Some(&mut order);
            Some(parse_events_chunk(
                chunk, source, format, columns, width, delimiter, order,
            )?)
        } else {
            order = parse_order_chunk(chunk, source, format, columns, delimiter)?;
            None
        };
        Some(CheckedChunk {
            order,
            rows,
            bytes: chunk.len(),
        })
    };
    let mut sink = OrderSink {
        source,
        format,
        columns: columns.clone(),
        width,
        delimiter,
        previous: None,
        found: None,
        latest: f64::NEG_INFINITY,
        kept: (budget > 0).then(Vec::new),
        kept_bytes: 0,
        read_bytes: 0,
        budget,
        size,
        keeping: &keeping,
    };
    run(input, source, 2, parse, &mut sink)?;
    let rows = match (sink.found, sink.kept) {
        (None, Some(chunks)) => Some(SortedRows { table, chunks }),
        _ => None,
    };
    Ok(OrderCheck {
        unsorted: sink.found,
        latest: sink.latest,
        rows,
    })
}
