//! A data frame's columns held in memory (what the Python bindings hand over) as the text of a
//! delimited file, so that the paths and event-log readers read it: one set of parsing rules,
//! checks, messages and journey cutting for files and frames alike, instead of a second copy.
//!
//! The frame is written as CSV (header, then one line per row), so a message's "line N" is the
//! frame's row N - 2 counted from 0 (line 1 is the header).
//!
//! ```
//! use journeysim_core::journey::{ChannelTable, PathSource};
//! use journeysim_io::frame::{Cell, FrameText};
//! use journeysim_io::paths::PathsFormat;
//!
//! let mut frame = FrameText::new(&["path", "total_conversions", "total_null"])?;
//! frame.row(&[Cell::Text("a > b"), Cell::Number(3.0), Cell::Number(1.0)])?;
//! frame.row(&[Cell::Text("b"), Cell::Number(-1.0), Cell::Missing])?;
//! let reader = frame.paths_reader("Data", &PathsFormat::default())?;
//! let message = reader.read(&mut ChannelTable::new(), &mut |_| {}).unwrap_err().to_string();
//! assert_eq!(message, "Data line 3: total_conversions is -1; counts must be >= 0");
//! # Ok::<(), journeysim_core::Error>(())
//! ```

use std::fmt::Write as _;
use std::io::Cursor;

use journeysim_core::error::{Error, Result};

use crate::events::{EventsFormat, EventsReader};
use crate::paths::{PathsFormat, PathsReader};

/// One cell of a frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell<'a> {
    /// Text, written as it is (quoted when it holds the delimiter, a quote or a line break).
    Text(&'a str),
    /// A number, written in the shortest form that reads back to the same `f64` (`NaN` and
    /// `inf` as such, which the readers refuse as counts with their usual message).
    Number(f64),
    /// A missing value (`None`, a null), written as an empty field.
    Missing,
}

/// A frame being written as CSV text, row by row.
#[derive(Debug)]
pub struct FrameText {
    writer: csv::Writer<Vec<u8>>,
    columns: usize,
    number: String,
}

impl FrameText {
    /// A frame with these column names.
    pub fn new(header: &[&str]) -> Result<Self> {
        let mut writer = csv::WriterBuilder::new()
            .flexible(false)
            .from_writer(Vec::with_capacity(1 << 16));
        writer.write_record(header).map_err(in_memory)?;
        Ok(FrameText {
            writer,
            columns: header.len(),
            number: String::new(),
        })
    }

    /// Appends one row; it must have one cell per column.
    pub fn row(&mut self, cells: &[Cell<'_>]) -> Result<()> {
        if cells.len() != self.columns {
            return Err(Error::Invalid(format!(
                "a row has {} cells but the frame has {} columns",
                cells.len(),
                self.columns
            )));
        }
        for cell in cells {
            self.cell(*cell)?;
        }
        self.writer.write_record(None::<&[u8]>).map_err(in_memory)
    }

    /// Appends one cell of the current row; [`FrameText::end_row`] closes the row. For callers
    /// that produce cells one at a time (a column-major frame read row by row).
    pub fn cell(&mut self, cell: Cell<'_>) -> Result<()> {
        let result = match cell {
            Cell::Text(text) => self.writer.write_field(text),
            Cell::Number(x) => {
                self.number.clear();
                // `Display` of an f64 is the shortest text that parses back to the same value;
                // for a whole number below 2^53 (counts, mostly) that is the integer's text,
                // which is quicker to write (minus zero keeps its sign through `Display`).
                if x.fract() == 0.0
                    && x.abs() < 9_007_199_254_740_992.0
                    && x.to_bits() != (-0.0f64).to_bits()
                {
                    let _ = write!(self.number, "{}", x as i64);
                } else {
                    let _ = write!(self.number, "{x}");
                }
                self.writer.write_field(&self.number)
            }
            Cell::Missing => self.writer.write_field(""),
        };
        result.map_err(in_memory)
    }

    /// Closes the current row.
    pub fn end_row(&mut self) -> Result<()> {
        self.writer.write_record(None::<&[u8]>).map_err(in_memory)
    }

    /// The CSV text.
    pub fn into_bytes(self) -> Result<Vec<u8>> {
        self.writer
            .into_inner()
            .map_err(|e| Error::Invalid(format!("cannot write a frame in memory: {}", e.error())))
    }

    /// The frame read as aggregated paths named `source` in messages, in `format` (whose column
    /// names must be the frame's; the delimiter is the frame's comma).
    pub fn paths_reader(
        self,
        source: &str,
        format: &PathsFormat,
    ) -> Result<PathsReader<Cursor<Vec<u8>>>> {
        Ok(paths_reader(self.into_bytes()?, source, format))
    }
}

/// Frame text from [`FrameText::into_bytes`] read as aggregated paths.
pub fn paths_reader(
    bytes: Vec<u8>,
    source: &str,
    format: &PathsFormat,
) -> PathsReader<Cursor<Vec<u8>>> {
    let format = PathsFormat {
        delimiter: Some(b','),
        ..format.clone()
    };
    PathsReader::new(Cursor::new(bytes), source, &format)
}

/// Frame text from [`FrameText::into_bytes`] read as an event log, cut into journeys exactly as
/// `--events` cuts a file.
pub fn events_reader(bytes: Vec<u8>, source: &str, format: &EventsFormat) -> EventsReader {
    let format = EventsFormat {
        delimiter: Some(b','),
        ..format.clone()
    };
    EventsReader::from_bytes(bytes, source, &format)
}

fn in_memory(e: csv::Error) -> Error {
    Error::Invalid(format!("cannot write a frame in memory: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use journeysim_core::journey::{ChannelTable, PathSource};

    #[test]
    fn numbers_are_written_as_display_writes_them() {
        for x in [
            0.0,
            -0.0,
            1.0,
            -3.0,
            2.5,
            1e15,
            9_007_199_254_740_991.0,
            9_007_199_254_740_992.0,
            1e16,
            -1e300,
            0.1 + 0.2,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            5e-324,
        ] {
            let mut frame = FrameText::new(&["x"]).unwrap();
            frame.cell(Cell::Number(x)).unwrap();
            frame.end_row().unwrap();
            let text = String::from_utf8(frame.into_bytes().unwrap()).unwrap();
            assert_eq!(text, format!("x\n{x}\n"), "{x:?}");
        }
    }

    #[test]
    fn text_with_the_delimiter_and_quotes_reads_back() {
        let mut frame = FrameText::new(&["path", "total_conversions"]).unwrap();
        frame
            .row(&[Cell::Text("a,\"x\" > b"), Cell::Number(0.1 + 0.2)])
            .unwrap();
        let mut channels = ChannelTable::new();
        let mut seen = Vec::new();
        frame
            .paths_reader("t", &PathsFormat::default())
            .unwrap()
            .read(&mut channels, &mut |row| {
                seen.push((row.path.touches.to_vec(), row.path.conversions))
            })
            .unwrap();
        assert_eq!(channels.names(), ["a,\"x\"", "b"]);
        assert_eq!(seen, vec![(vec![0, 1], 0.1 + 0.2)]);
    }

    #[test]
    fn a_row_of_the_wrong_width_is_refused() {
        let mut frame = FrameText::new(&["path", "total_conversions"]).unwrap();
        assert!(frame.row(&[Cell::Text("a")]).is_err());
    }

    #[test]
    fn missing_and_infinite_counts_get_the_readers_messages() {
        for (cell, wanted) in [
            (Cell::Missing, "t line 2: total_conversions is ''"),
            (
                Cell::Number(f64::INFINITY),
                "t line 2: total_conversions is inf",
            ),
            (Cell::Number(f64::NAN), "t line 2: total_conversions is NaN"),
        ] {
            let mut frame = FrameText::new(&["path", "total_conversions"]).unwrap();
            frame.row(&[Cell::Text("a"), cell]).unwrap();
            let err = frame
                .paths_reader("t", &PathsFormat::default())
                .unwrap()
                .read(&mut ChannelTable::new(), &mut |_| {})
                .unwrap_err()
                .to_string();
            assert!(err.starts_with(wanted), "{err}");
        }
    }
}
