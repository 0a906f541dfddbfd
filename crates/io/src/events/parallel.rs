//! The two passes over a sorted event log on every core ([`crate::chunked`]): the order check
//! and the cut. Chunks only parse (users, events with their own channel and segment tables);
//! the rows are then taken in file order by one cutter, so a user whose events straddle a chunk
//! boundary is cut exactly as by one sequential reader.

use std::io::Read;

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

fn parse_events_chunk(
    chunk: &[u8],
    source: &str,
    format: &EventsFormat,
    columns: &EventColumns,
    width: usize,
    delimiter: u8,
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
    check_format(format)?;
    let (input, header, delimiter) = table_input::open_header(
        input,
        source,
        format.delimiter,
        "user_id,timestamp,touchpoint,conversion,value",
    )?;
    let columns = find_event_columns(&header, format)?;
    let width = header.len();
    let parse =
        |chunk: &[u8]| parse_events_chunk(chunk, source, format, &columns, width, delimiter);
    let mut summary = EventsSummary::default();
    let cutter = new_cutter(format, latest, &mut summary);
    let mut sink = SortedSink {
        source,
        format,
        columns: find_event_columns(&header, format)?,
        width,
        delimiter,
        channels,
        segments: Segments::new(),
        summary,
        cutter,
        current_user: Vec::new(),
        ties: Vec::new(),
        renumber: Vec::new(),
        resegment: Vec::new(),
        visit,
    };
    run(input, source, 2, parse, &mut sink)?;
    sink.end()
}

/// What the order check found in a chunk.
struct OrderChunk {
    /// The first row's user and time, and its line from the chunk's first (0-based; none for a
    /// chunk without rows).
    first: Option<(Vec<u8>, f64, u64)>,
    /// The last row's.
    last: Option<(Vec<u8>, f64)>,
    /// Line (from the chunk's first, 0-based) of the first row out of order within the chunk.
    unsorted: Option<u64>,
    /// The latest time in the chunk (of the rows before the first out of order).
    latest: f64,
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
}

fn out_of_order(previous: &Option<(Vec<u8>, f64)>, user: &[u8], time: f64) -> bool {
    previous.as_ref().is_some_and(|(u, t)| match user.cmp(u) {
        std::cmp::Ordering::Less => true,
        std::cmp::Ordering::Equal => time < *t,
        std::cmp::Ordering::Greater => false,
    })
}

impl Sink<OrderChunk> for OrderSink<'_> {
    fn done(&self) -> bool {
        self.found.is_some()
    }

    fn consume(&mut self, chunk: OrderChunk, line: u64) -> Result<()> {
        if self.found.is_some() {
            return Ok(());
        }
        self.latest = self.latest.max(chunk.latest);
        if let Some((user, time, at)) = &chunk.first
            && out_of_order(&self.previous, user, *time)
        {
            self.found = Some(line + at);
            return Ok(());
        }
        if let Some(at) = chunk.unsorted {
            self.found = Some(line + at);
            return Ok(());
        }
        if chunk.last.is_some() {
            self.previous = chunk.last;
        }
        Ok(())
    }

    fn sequential(&mut self, rest: &mut dyn Read, line: u64) -> Result<()> {
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
            if out_of_order(&self.previous, user, time) {
                self.found = Some(at.line);
                return Ok(());
            }
            self.latest = self.latest.max(time);
            self.previous = Some((user.to_vec(), time));
        }
        Ok(())
    }
}

fn parse_order_chunk(
    chunk: &[u8],
    source: &str,
    format: &EventsFormat,
    columns: &EventColumns,
    width: usize,
    delimiter: u8,
) -> Option<OrderChunk> {
    let mut rows = ChunkRows::new(chunk, delimiter);
    let mut record = LineFields::default();
    let mut out = OrderChunk {
        first: None,
        last: None,
        unsorted: None,
        latest: f64::NEG_INFINITY,
    };
    let mut previous: Option<(Vec<u8>, f64)> = None;
    let at = At { source, line: 0 };
    // Only the user and the time are read here; the other fields are counted.
    let wanted = columns.user.max(columns.time) + 1;
    while rows.read_first(&mut record, wanted) {
        if record.len() != width {
            return None;
        }
        let line = record.number - 1;
        let user = Fields::get(&record, columns.user).unwrap_or_default();
        let time = parse_time(&record, columns, format, &at).ok()?;
        if out.first.is_none() {
            out.first = Some((user.to_vec(), time, line));
        } else if out_of_order(&previous, user, time) {
            out.unsorted = Some(line);
            return Some(out);
        }
        out.latest = out.latest.max(time);
        match &mut previous {
            Some((u, t)) => {
                u.clear();
                u.extend_from_slice(user);
                *t = time;
            }
            None => previous = Some((user.to_vec(), time)),
        }
    }
    out.last = previous;
    Some(out)
}

/// First pass over a log: the line of the first row out of (user bytes, time) order, if any,
/// checking every time on the way (what the events reader's order check does), on every core;
/// and the latest time (of every row when the log is sorted).
pub(crate) fn first_unsorted_line<R: Read>(
    input: R,
    source: &str,
    format: &EventsFormat,
) -> Result<(Option<u64>, f64)> {
    check_format(format)?;
    let (input, header, delimiter) = table_input::open_header(
        input,
        source,
        format.delimiter,
        "user_id,timestamp,touchpoint,conversion,value",
    )?;
    let columns = find_event_columns(&header, format)?;
    let width = header.len();
    let parse = |chunk: &[u8]| parse_order_chunk(chunk, source, format, &columns, width, delimiter);
    let mut sink = OrderSink {
        source,
        format,
        columns: find_event_columns(&header, format)?,
        width,
        delimiter,
        previous: None,
        found: None,
        latest: f64::NEG_INFINITY,
    };
    run(input, source, 2, parse, &mut sink)?;
    Ok((sink.found, sink.latest))
}
