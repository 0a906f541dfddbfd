//! A paths file read on every core ([`crate::chunked`]): chunks parse rows with their own
//! channel table; rows are then handed on in file order, channels renumbered into the caller's.

use std::io::Read;

use super::names::PathNames;
use super::{PathColumns, PathsFormat, check_format, find_columns, parse_path_row};
use crate::chunked::{ChunkRows, Fields, LineFields, Sink, check_len, data_reader, run};
use crate::table_input::{self, csv_error_from};
use journeysim_core::error::{Error, Location, Result};
use journeysim_core::journey::{ChannelId, ChannelTable, PathRow, ReadSummary};

/// Rows of a chunk of a paths file, channels numbered in the chunk's own table.
struct PathsChunk {
    channels: ChannelTable,
    touches: Vec<ChannelId>,
    /// End of each row's touches in `touches`, then conversions, value, nulls.
    rows: Vec<(usize, f64, f64, f64)>,
}

/// The paths reader's state, whichever way rows are parsed.
struct PathsSink<'a, V> {
    source: &'a str,
    format: &'a PathsFormat,
    columns: PathColumns,
    width: usize,
    delimiter: u8,
    channels: &'a mut ChannelTable,
    names: PathNames,
    summary: ReadSummary,
    touches: Vec<ChannelId>,
    renumber: Vec<ChannelId>,
    visit: V,
}

impl<V: FnMut(&PathRow<'_>)> PathsSink<'_, V> {
    /// Hands one parsed row (its touches in `self.touches`) on as the sequential reader does.
    fn take(&mut self, (conversions, mut value, nulls): (f64, f64, f64)) {
        let summary = &mut self.summary;
        summary.rows += 1;
        if conversions == 0.0 && nulls == 0.0 {
            summary.skipped_rows += 1;
            return;
        }
        if conversions == 0.0 && value != 0.0 {
            summary.value_without_conversions_rows += 1;
            value = 0.0;
        }
        summary.conversions += conversions;
        summary.value += value;
        summary.nulls += nulls;
        (self.visit)(&PathRow::whole(&self.touches, conversions, value, nulls));
    }
}

impl<V: FnMut(&PathRow<'_>)> Sink<PathsChunk> for PathsSink<'_, V> {
    fn consume(&mut self, chunk: PathsChunk, _line: u64) -> Result<()> {
        self.renumber.clear();
        for name in chunk.channels.names() {
            self.renumber.push(self.channels.intern(name));
        }
        let mut start = 0;
        for &(end, conversions, value, nulls) in &chunk.rows {
            self.touches.clear();
            let renumber = &self.renumber;
            self.touches.extend(
                chunk.touches[start..end]
                    .iter()
                    .map(|&c| renumber[c as usize]),
            );
            start = end;
            self.take((conversions, value, nulls));
        }
        Ok(())
    }

    fn sequential(&mut self, rest: &mut dyn Read, line: u64) -> Result<()> {
        let mut reader = data_reader(rest, self.delimiter);
        let mut record = csv::ByteRecord::new();
        let mut raw = csv::ByteRecord::new();
        loop {
            match crate::chunked::read_trimmed(&mut reader, &mut raw, &mut record) {
                Ok(true) => {}
                Ok(false) => return Ok(()),
                Err(e) => return Err(csv_error_from(e, self.source, line)),
            }
            let at_line = record.position().map_or(0, |p| p.line()) + line - 1;
            check_len(&record, self.width, self.source, at_line)?;
            let at = || Location::line(self.source, at_line);
            let mut touches = std::mem::take(&mut self.touches);
            let counts = parse_path_row(
                &record,
                &self.columns,
                self.format,
                self.channels,
                &mut self.names,
                &mut touches,
                &at,
            );
            self.touches = touches;
            self.take(counts?);
        }
    }
}

/// Reads a paths file on every core (what [`crate::paths::read_paths`] does).
pub(crate) fn read_paths<R: Read>(
    input: R,
    source: &str,
    format: &PathsFormat,
    channels: &mut ChannelTable,
    visit: impl FnMut(&PathRow<'_>),
) -> Result<ReadSummary> {
    check_format(format)?;
    let (input, header, delimiter) = table_input::open_header(
        input,
        source,
        format.delimiter,
        "path,total_conversions,total_conversion_value,total_null",
    )?;
    let columns = find_columns(&header, format)?;
    let width = header.len();
    let parse = |chunk: &[u8]| -> Option<PathsChunk> {
        let mut rows = ChunkRows::new(chunk, delimiter);
        let mut record = LineFields::default();
        // Room for a row per 32 bytes and a touch per 8 (paths of ChannelAttribution's
        // format run to more), so the arrays seldom grow and copy.
        let mut out = PathsChunk {
            channels: ChannelTable::new(),
            touches: Vec::with_capacity(chunk.len() / 8),
            rows: Vec::with_capacity(chunk.len() / 32),
        };
        let mut row = Vec::new();
        let mut names = PathNames::new();
        let at = || Location::file(source);
        while rows.read(&mut record) {
            if Fields::len(&record) != width {
                return None;
            }
            let (c, v, n) = parse_path_row(
                &record,
                &columns,
                format,
                &mut out.channels,
                &mut names,
                &mut row,
                &at,
            )
            .ok()?;
            out.touches.extend_from_slice(&row);
            out.rows.push((out.touches.len(), c, v, n));
        }
        Some(out)
    };
    let mut sink = PathsSink {
        source,
        format,
        columns: find_columns(&header, format)?,
        width,
        delimiter,
        channels,
        names: PathNames::new(),
        summary: ReadSummary::default(),
        touches: Vec::new(),
        renumber: Vec::new(),
        visit,
    };
    run(input, source, 2, parse, &mut sink)?;
    let summary = sink.summary;
    if summary.rows == 0 {
        return Err(Error::input(
            Location::file(source),
            "no data rows after the header; expected at least one path",
        ));
    }
    summary.check_totals(source)?;
    Ok(summary)
}
