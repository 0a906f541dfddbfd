//! Opening a delimited text input (aggregated paths, event logs) the same way for every reader:
//! one header row, an optional UTF-8 byte-order mark, the field delimiter (`,` `;` or tab)
//! detected from the header unless given, whitespace around fields trimmed, and every failure
//! reported with the input's name and line. Columns are then found by name with [`Header`],
//! whose errors list the columns that are there and the flag that renames the one that is not.

use std::io::{BufRead, BufReader, Cursor, Read};

use journeysim_core::error::{Error, Location, Result, clip, clip_list};

/// The header's column names, for finding columns and saying which exist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    source: String,
    names: Vec<String>,
}

impl Header {
    /// The position of column `name`, or an error naming the columns found and `option`, the
    /// format option that names this column (`path_col`).
    pub fn required(&self, name: &str, option: &str) -> Result<usize> {
        self.position(name)
            .ok_or_else(|| self.missing(name, option))
    }

    /// The position of column `name` if present; an error when absent and `needed` (the user
    /// named it with `option`).
    pub fn optional(&self, name: &str, option: &str, needed: bool) -> Result<Option<usize>> {
        match self.position(name) {
            None if needed => Err(self.missing(name, option)),
            found => Ok(found),
        }
    }

    /// The names of the columns not at `used` positions, in header order.
    pub fn unused(&self, used: &[usize]) -> Vec<&str> {
        (0..self.names.len())
            .filter(|i| !used.contains(i))
            .map(|i| self.names[i].as_str())
            .collect()
    }

    /// The error for an optional column `name` (of `what`, named with `option`) that is not in
    /// the header while the `unused` columns are: most likely the column was renamed, and taking
    /// it as absent would silently change every figure.
    pub fn unclaimed(&self, name: &str, what: &str, option: &str, unused: &[&str]) -> Error {
        Error::input(
            Location::line(&self.source, 1),
            format!(
                "no column '{}' ({what}) in the header, but it has unused columns: {}; \
                 name the {what} column with `{option}`, or remove the unused columns if there \
                 is none",
                clip(name),
                clip_list(unused)
            ),
        )
    }

    fn position(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    fn missing(&self, name: &str, option: &str) -> Error {
        Error::input(
            Location::line(&self.source, 1),
            format!(
                "no column '{}' in the header; columns found: {}; name it with `{option}`",
                clip(name),
                clip_list(&self.names)
            ),
        )
    }
}

/// Opens `input` as a CSV reader positioned after the header. `delimiter` is used when given,
/// else detected; `example` is a header to show when the input is empty.
pub fn open<R: Read>(
    input: R,
    source: &str,
    delimiter: Option<u8>,
    example: &str,
) -> Result<(csv::Reader<impl Read>, Header)> {
    let mut buffered = BufReader::with_capacity(1 << 16, input);
    let header = read_header_line(&mut buffered, source, example)?;
    let delimiter = match delimiter {
        Some(d) => d,
        None => detect_delimiter(&header, source)?,
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(true)
        .trim(csv::Trim::All)
        .from_reader(Cursor::new(header).chain(buffered));
    let names = reader
        .byte_headers()
        .map_err(|e| csv_error(e, source))?
        .iter()
        .map(|f| String::from_utf8_lossy(f).trim().to_owned())
        .collect();
    let header = Header {
        source: source.to_owned(),
        names,
    };
    Ok((reader, header))
}

/// Reads the header of `input` as [`open`] does, without starting a CSV reader on the rest: the
/// input positioned at the first data line (line 2), the header and the delimiter, for readers
/// that parse the data in chunks ([`crate::chunked`]).
pub fn open_header<R: Read>(
    input: R,
    source: &str,
    delimiter: Option<u8>,
    example: &str,
) -> Result<(BufReader<R>, Header, u8)> {
    let mut buffered = BufReader::with_capacity(1 << 16, input);
    let header = read_header_line(&mut buffered, source, example)?;
    let delimiter = match delimiter {
        Some(d) => d,
        None => detect_delimiter(&header, source)?,
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(true)
        .trim(csv::Trim::All)
        .from_reader(Cursor::new(header));
    let names = reader
        .byte_headers()
        .map_err(|e| csv_error(e, source))?
        .iter()
        .map(|f| String::from_utf8_lossy(f).trim().to_owned())
        .collect();
    let header = Header {
        source: source.to_owned(),
        names,
    };
    Ok((buffered, header, delimiter))
}

impl Header {
    /// The number of columns.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether the header has no column (never, for a header that was read).
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

/// Reads the first line (header) so the delimiter can be detected before csv parsing starts.
fn read_header_line<R: BufRead>(input: &mut R, source: &str, example: &str) -> Result<Vec<u8>> {
    let mut header = Vec::new();
    input
        .read_until(b'\n', &mut header)
        .map_err(|e| Error::Read {
            path: source.to_owned(),
            source: e,
        })?;
    if header.starts_with(b"\xEF\xBB\xBF") {
        header.drain(..3);
    }
    if header.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(Error::input(
            Location::file(source),
            format!("the file is empty; expected a header row such as {example}"),
        ));
    }
    if std::str::from_utf8(&header).is_err() {
        return Err(Error::input(
            Location::line(source, 1),
            "the header is not valid UTF-8",
        ));
    }
    Ok(header)
}

/// Picks the candidate delimiter that splits the header into the most fields.
fn detect_delimiter(header: &[u8], source: &str) -> Result<u8> {
    [b',', b';', b'\t']
        .into_iter()
        .map(|d| (header.iter().filter(|&&b| b == d).count(), d))
        .max_by_key(|&(count, _)| count)
        .filter(|&(count, _)| count > 0)
        .map(|(_, d)| d)
        .ok_or_else(|| {
            Error::input(
                Location::line(source, 1),
                "cannot detect the field delimiter: the header has no ',' ';' or tab; \
                 give it with `delimiter`",
            )
        })
}

/// A csv error as the input's error, with its line and, for the common cases, what was wrong.
pub fn csv_error(e: csv::Error, source: &str) -> Error {
    csv_error_from(e, source, 1)
}

/// [`csv_error`] for a reader that started at line `first_line` of the input.
pub fn csv_error_from(e: csv::Error, source: &str, first_line: u64) -> Error {
    let at = match e.position() {
        Some(p) => Location::line(source, p.line() + first_line - 1),
        None => Location::file(source),
    };
    match e.into_kind() {
        csv::ErrorKind::Io(io) => Error::Read {
            path: source.to_owned(),
            source: io,
        },
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => Error::input(
            at,
            format!("the row has {len} fields but the header has {expected_len}"),
        ),
        csv::ErrorKind::Utf8 { .. } => Error::input(at, "the row is not valid UTF-8"),
        other => Error::input(at, format!("malformed CSV: {other:?}")),
    }
}
