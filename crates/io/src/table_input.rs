//! Opening a delimited text input (aggregated paths, event logs) the same way for every reader:
//! one header row, an optional UTF-8 byte-order mark, the field delimiter (`,` `;` or tab)
//! detected from the header unless given, whitespace around fields trimmed, and every failure
//! reported with the input's name and line. Columns are then found by name with [`Header`],
//! whose errors list the columns that are there and the flag that renames the one that is not.

use std::fs::File;
use std::io::{BufRead, BufReader, Cursor, Read, Seek, SeekFrom};

use journeysim_core::error::{Error, Location, Result, clip, clip_list};

use crate::parquet_table::{MAGIC, ParquetText, is_parquet};

/// An input opened by name (`-` for standard input), before any reader sees it: delimited text,
/// or a Parquet file (recognised by its magic bytes, whatever its name) that is read as text
/// through [`ParquetText`]. Parquet on standard input is copied to an anonymous temporary file
/// first (its footer, at the end, is read before any row); text on standard input streams.
#[derive(Debug)]
pub enum TableFile {
    /// Delimited text on standard input, its first bytes put back in front.
    Stream(Cursor<Vec<u8>>),
    /// Delimited text in memory.
    Memory(Cursor<bytes::Bytes>),
    /// A file of delimited text, reopened by name for each pass.
    Text(String),
    /// A Parquet file (or standard input spooled to a temporary file).
    Parquet(File),
    /// A Parquet file in memory.
    ParquetBytes(bytes::Bytes),
}

impl TableFile {
    /// Opens `path` (`-` for standard input), named `source` in messages.
    pub fn open(path: &str, source: &str) -> Result<TableFile> {
        let read_error = |e| Error::Read {
            path: source.to_owned(),
            source: e,
        };
        if path != "-" {
            let mut file = File::open(path).map_err(read_error)?;
            return Ok(if is_parquet(&mut file).map_err(read_error)? {
                TableFile::Parquet(file)
            } else {
                TableFile::Text(path.to_owned())
            });
        }
        let mut stdin = std::io::stdin().lock();
        let mut first = Vec::with_capacity(MAGIC.len());
        (&mut stdin)
            .take(MAGIC.len() as u64)
            .read_to_end(&mut first)
            .map_err(read_error)?;
        if first != MAGIC {
            return Ok(TableFile::Stream(Cursor::new(first)));
        }
        let mut spooled = tempfile::tempfile().map_err(read_error)?;
        std::io::copy(&mut Cursor::new(first).chain(stdin), &mut spooled).map_err(read_error)?;
        spooled.seek(SeekFrom::Start(0)).map_err(read_error)?;
        Ok(TableFile::Parquet(spooled))
    }

    /// An input already in memory: Parquet when `bytes` start with its magic bytes, else
    /// delimited text.
    pub fn from_bytes(bytes: Vec<u8>) -> TableFile {
        if bytes.starts_with(MAGIC) {
            TableFile::ParquetBytes(bytes.into())
        } else {
            TableFile::Memory(Cursor::new(bytes.into()))
        }
    }

    /// Whether the input is Parquet.
    pub fn is_parquet(&self) -> bool {
        matches!(self, TableFile::Parquet(_) | TableFile::ParquetBytes(_))
    }

    /// A reader of the input's text, from its start: the file, the rest of standard input
    /// (once), text in memory, or the Parquet rows as CSV with the `wanted` columns decoded.
    /// Files and Parquet inputs can be read again; standard input cannot.
    pub fn text(&self, source: &str, wanted: &[&str]) -> Result<Box<dyn Read>> {
        let read_error = |e| Error::Read {
            path: source.to_owned(),
            source: e,
        };
        Ok(match self {
            TableFile::Stream(first) => Box::new(first.clone().chain(std::io::stdin().lock())),
            TableFile::Memory(text) => Box::new(text.clone()),
            TableFile::ParquetBytes(bytes) => {
                Box::new(ParquetText::new(bytes.clone(), source, wanted)?)
            }
            TableFile::Text(path) => Box::new(File::open(path).map_err(read_error)?),
            TableFile::Parquet(file) => {
                let file = file.try_clone().map_err(read_error)?;
                Box::new(ParquetText::new(file, source, wanted)?)
            }
        })
    }
}

/// The delimiter a reader uses when the user gave `delimiter`: the text of a Parquet input
/// (`parquet`) is comma-separated, and a delimiter given for a Parquet file is an error (it has
/// none).
pub fn text_delimiter(parquet: bool, delimiter: Option<u8>) -> Result<Option<u8>> {
    match (parquet, delimiter) {
        (false, d) => Ok(d),
        (true, None) => Ok(Some(b',')),
        (true, Some(_)) => Err(Error::option(
            "delimiter",
            "does not apply to a Parquet file, whose columns are not delimited text",
        )),
    }
}

/// An error about the text of a Parquet input as an error about the file: "line n" of the text
/// is row n - 1 of the file, and line 1, the header, is the file's column names.
pub fn in_rows(error: Error) -> Error {
    let at_row = |at: Location| match at.line {
        Some(line) if line > 1 => Location::file(format!("{} row {}", at.source, line - 1)),
        _ => Location::file(at.source),
    };
    match error {
        Error::Input { at, message } => Error::Input {
            message: if at.line == Some(1) {
                message.replace(" in the header", " among the file's columns")
            } else {
                message
            },
            at: at_row(at),
        },
        Error::Parse { at, message } => Error::Parse {
            at: at_row(at),
            message,
        },
        Error::Read { path, source } if source.kind() == std::io::ErrorKind::InvalidData => {
            Error::input(Location::file(path), source.to_string())
        }
        other => other,
    }
}

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

/// Opens `input` as a CSV reader positioned after the header (its rows are read with
/// `chunked::read_trimmed`, which trims every field). `delimiter` is used when given,
/// else detected; `example` is a header to show when the input is empty.
pub fn open<R: Read>(
    input: R,
    source: &str,
    delimiter: Option<u8>,
    example: &str,
) -> Result<(csv::Reader<impl Read>, Header)> {
    let mut buffered = BufReader::with_capacity(1 << 16, input);
    let line = read_header_line(&mut buffered, source, example)?;
    let (header, delimiter) = parse_header(&line, source, delimiter)?;
    // The header line goes in again, so the reader's positions are the input's lines.
    let reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(true)
        .from_reader(Cursor::new(line).chain(buffered));
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
    let line = read_header_line(&mut buffered, source, example)?;
    let (header, delimiter) = parse_header(&line, source, delimiter)?;
    Ok((buffered, header, delimiter))
}

/// The column names of the header `line` (trimmed) and the delimiter: `delimiter` when given,
/// else detected.
fn parse_header(line: &[u8], source: &str, delimiter: Option<u8>) -> Result<(Header, u8)> {
    let delimiter = match delimiter {
        Some(d) => d,
        None => detect_delimiter(line, source)?,
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(true)
        .from_reader(line);
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
    Ok((header, delimiter))
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
