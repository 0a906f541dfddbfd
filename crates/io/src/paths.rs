//! Reader for aggregated journey paths in ChannelAttribution's format.
//!
//! ```text
//! path,total_conversions,total_conversion_value,total_null
//! social > search_paid > email,3,120.5,17
//! ```
//!
//! The reader streams: each row is parsed into a reused buffer and handed to a visitor, so memory
//! grows with what the visitor keeps (distinct states for a fit), never with the number of rows.
//! The field delimiter (`,` `;` or tab) is detected from the header unless given. Counts may be
//! fractional weights and are never truncated. Every problem is reported with the input's name,
//! the line and the field.
//!
//! ```
//! use journeysim_core::journey::{ChannelTable, PathSource};
//! use journeysim_io::paths::{PathsFormat, PathsReader};
//!
//! let text = "path;total_conversions;total_null\nsocial > search,3,17\n";
//! // The delimiter is detected from the header (`;` here), so the comma row has too few fields:
//! // an error that names the input and line.
//! let bad = PathsReader::new(text.as_bytes(), "paths.csv", &PathsFormat::default());
//! let message = bad.read(&mut ChannelTable::new(), &mut |_| {}).unwrap_err().to_string();
//! assert!(message.starts_with("paths.csv line 2"), "{message}");
//!
//! let text = "path,total_conversions,total_null\nsocial > search,3,17\n";
//! let reader = PathsReader::new(text.as_bytes(), "paths.csv", &PathsFormat::default());
//! let mut channels = ChannelTable::new();
//! let (summary, _) = reader.read(&mut channels, &mut |row| assert_eq!(row.path.touches, [0, 1]))?;
//! assert_eq!((summary.conversions, summary.nulls), (3.0, 17.0));
//! assert_eq!(channels.names(), ["social", "search"]);
//! # Ok::<(), journeysim_core::Error>(())
//! ```

use std::io::Read;

use crate::chunked::Fields;
use crate::table_input::{Header, TableFile, in_rows, text_delimiter};

mod names;
mod parallel;
use journeysim_core::error::{Error, Location, Result, clip};
use journeysim_core::journey::{
    ChannelId, ChannelTable, PathRow, PathSource, ReadSummary, SourceRow,
};
use names::PathNames;

/// The paths table as the CSV this reader reads (`path,total_conversions,total_conversion_value,
/// total_null`, then the segment column named `segment_col` when the table has segments): what
/// `journeysim aggregate` writes. Numbers are written in their shortest form that reads back to
/// the same `f64`, so reading the file gives the table's figures exactly.
pub fn paths_table_csv(
    table: &journeysim_core::paths_table::PathsTable,
    segment_col: Option<&str>,
) -> Result<Vec<u8>> {
    let csv_error = |e: csv::Error| Error::Numerical(format!("cannot write CSV: {e}"));
    let mut writer = csv::Writer::from_writer(Vec::new());
    let mut header = vec![
        "path",
        "total_conversions",
        "total_conversion_value",
        "total_null",
    ];
    let segment_col = segment_col.filter(|_| table.segmented);
    header.extend(segment_col);
    writer.write_record(&header).map_err(csv_error)?;
    for row in &table.rows {
        let mut record = vec![
            row.path.clone(),
            row.conversions.to_string(),
            row.value.to_string(),
            row.nulls.to_string(),
        ];
        if segment_col.is_some() {
            record.push(row.segment.clone().unwrap_or_default());
        }
        writer.write_record(&record).map_err(csv_error)?;
    }
    writer
        .into_inner()
        .map_err(|e| Error::Numerical(format!("cannot write CSV: {e}")))
}

/// How to read a paths file: column names, delimiters.
#[derive(Debug, Clone, PartialEq)]
pub struct PathsFormat {
    /// Column holding the path (`path`).
    pub path_col: String,
    /// Column holding conversion counts (`total_conversions`).
    pub conversions_col: String,
    /// Column holding conversion value (`total_conversion_value`).
    pub value_col: String,
    /// Whether the value column must exist (true when the user named it).
    pub value_required: bool,
    /// Column holding non-converting counts (`total_null`).
    pub null_col: String,
    /// Whether the null column must exist (true when the user named it).
    pub null_required: bool,
    /// Field delimiter; `None` detects `,` `;` or tab from the header.
    pub delimiter: Option<u8>,
    /// Separator between channels inside a path (`>`).
    pub channel_sep: String,
}

impl PathsFormat {
    /// The columns the reader may use (a Parquet file decodes only these).
    pub fn columns(&self) -> Vec<&str> {
        vec![
            self.path_col.as_str(),
            &self.conversions_col,
            &self.value_col,
            &self.null_col,
        ]
    }
}

impl Default for PathsFormat {
    fn default() -> Self {
        PathsFormat {
            path_col: "path".into(),
            conversions_col: "total_conversions".into(),
            value_col: "total_conversion_value".into(),
            value_required: false,
            null_col: "total_null".into(),
            null_required: false,
            delimiter: None,
            channel_sep: ">".into(),
        }
    }
}

/// A paths file (or any reader of one) as a [`PathSource`]: what fitting, attribution, top paths
/// and order selection read.
#[derive(Debug)]
pub struct PathsReader<R> {
    input: R,
    source: String,
    format: PathsFormat,
    /// Whether the input is a Parquet file's rows as text ([`crate::parquet_table`]).
    parquet: bool,
}

impl<R: Read> PathsReader<R> {
    /// Reads `input`, named `source` in messages, in `format`.
    pub fn new(input: R, source: &str, format: &PathsFormat) -> Self {
        PathsReader {
            input,
            source: source.to_owned(),
            format: format.clone(),
            parquet: false,
        }
    }

    /// Marks `input` as the CSV text of a Parquet file ([`crate::parquet_table::ParquetText`]):
    /// read comma-separated (a `delimiter` in the format is an error), with messages naming
    /// the file's rows rather than the text's lines.
    fn parquet_text(mut self) -> Result<Self> {
        self.format.delimiter = text_delimiter(true, self.format.delimiter)?;
        self.parquet = true;
        Ok(self)
    }
}

impl PathsReader<Box<dyn Read>> {
    /// Opens the paths file at `path` (`-` for standard input), delimited text or Parquet
    /// (recognised by its magic bytes), named `source` in messages.
    pub fn open(path: &str, source: &str, format: &PathsFormat) -> Result<Self> {
        Self::from_table(TableFile::open(path, source)?, source, format)
    }

    /// Reads a paths file held in memory, delimited text or Parquet (recognised by its magic
    /// bytes), named `source` in messages.
    pub fn from_bytes(bytes: Vec<u8>, source: &str, format: &PathsFormat) -> Result<Self> {
        Self::from_table(TableFile::from_bytes(bytes), source, format)
    }

    fn from_table(table: TableFile, source: &str, format: &PathsFormat) -> Result<Self> {
        let reader = PathsReader::new(table.text(source, &format.columns())?, source, format);
        if table.is_parquet() {
            reader.parquet_text()
        } else {
            Ok(reader)
        }
    }
}

impl<R: Read> PathSource for PathsReader<R> {
    fn name(&self) -> &str {
        &self.source
    }

    fn read(
        self,
        channels: &mut ChannelTable,
        visit: &mut dyn FnMut(&SourceRow<'_>),
    ) -> Result<(ReadSummary, Vec<String>)> {
        let summary = read_paths(self.input, &self.source, &self.format, channels, |path| {
            visit(&SourceRow {
                path: *path,
                ages_days: None,
                segment: None,
            })
        })
        .map_err(|e| if self.parquet { in_rows(e) } else { e })?;
        Ok((summary, summary.warnings(&self.source)))
    }
}

/// Column positions found in the header.
pub(crate) struct PathColumns {
    path: usize,
    conversions: usize,
    value: Option<usize>,
    null: Option<usize>,
}

/// Reads aggregated paths from `input`, interning channels into `channels` and calling `visit` for
/// every row that carries at least one journey. `source` names the input in errors.
pub fn read_paths<R: Read>(
    input: R,
    source: &str,
    format: &PathsFormat,
    channels: &mut ChannelTable,
    visit: impl FnMut(&PathRow<'_>),
) -> Result<ReadSummary> {
    parallel::read_paths(input, source, format, channels, visit)
}

/// Parses one row's counts (conversions, value, nulls: in the order they are checked,
/// conversions, nulls, value) and its path into `touches`.
pub(crate) fn parse_path_row(
    record: &impl Fields,
    columns: &PathColumns,
    format: &PathsFormat,
    channels: &mut ChannelTable,
    names: &mut PathNames,
    touches: &mut Vec<ChannelId>,
    at: &dyn Fn() -> Location,
) -> Result<(f64, f64, f64)> {
    let conversions = parse_count(record, columns.conversions, &format.conversions_col, at)?;
    let nulls = match columns.null {
        Some(i) => parse_count(record, i, &format.null_col, at)?,
        None => 0.0,
    };
    let value = match columns.value {
        Some(i) => parse_count(record, i, &format.value_col, at)?,
        None => 0.0,
    };
    parse_path(
        record,
        columns.path,
        &format.channel_sep,
        channels,
        names,
        touches,
        at,
    )?;
    Ok((conversions, value, nulls))
}

/// The positions of the path, conversion, value and null columns. An optional column missing
/// under its default name while the header has columns nothing reads is an error: it was most
/// likely renamed (ChannelAttribution's `path;conversions;value;nulls`), and reading it as absent
/// would make every journey convert.
pub(crate) fn find_columns(header: &Header, format: &PathsFormat) -> Result<PathColumns> {
    let columns = PathColumns {
        path: header.required(&format.path_col, "path_col")?,
        conversions: header.required(&format.conversions_col, "conversions_col")?,
        value: header.optional(&format.value_col, "value_col", format.value_required)?,
        null: header.optional(&format.null_col, "null_col", format.null_required)?,
    };
    let used: Vec<usize> = [Some(columns.path), Some(columns.conversions)]
        .into_iter()
        .chain([columns.value, columns.null])
        .flatten()
        .collect();
    let unused = header.unused(&used);
    if !unused.is_empty() {
        if columns.null.is_none() {
            return Err(header.unclaimed(
                &format.null_col,
                "non-converting counts",
                "null_col",
                &unused,
            ));
        }
        if columns.value.is_none() {
            return Err(header.unclaimed(
                &format.value_col,
                "conversion value",
                "value_col",
                &unused,
            ));
        }
    }
    Ok(columns)
}

/// Checks the options that do not depend on the data.
pub(crate) fn check_format(format: &PathsFormat) -> Result<()> {
    if format.channel_sep.is_empty() {
        return Err(Error::option(
            "channel_sep",
            "is empty; an empty separator cannot split a path into channels: give one such as '>'",
        ));
    }
    Ok(())
}

/// Parses a non-negative finite number from field `index`.
fn parse_count(
    record: &impl Fields,
    index: usize,
    column: &str,
    at: &dyn Fn() -> Location,
) -> Result<f64> {
    let text = record.text(index).ok_or_else(|| {
        Error::input(
            at(),
            format!(
                "missing field '{}' (the row has {} fields)",
                clip(column),
                record.len()
            ),
        )
    })?;
    let text = text.map_err(|_| Error::input(at(), format!("{column} is not valid UTF-8")))?;
    if let Some(value) = plain_decimal(text.as_bytes()) {
        return Ok(value);
    }
    let value: f64 = text.parse().map_err(|_| {
        Error::input(
            at(),
            format!(
                "{} is '{}'; expected a number such as 3 or 2.5",
                clip(column),
                clip(text)
            ),
        )
    })?;
    if !value.is_finite() {
        return Err(Error::input(
            at(),
            format!("{column} is {text}; counts must be finite"),
        ));
    }
    if value < 0.0 {
        return Err(Error::input(
            at(),
            format!("{column} is {text}; counts must be >= 0"),
        ));
    }
    Ok(value)
}

/// The value of `text` when it is digits, or digits, a point and digits (`3`, `12.50`), with at
/// most 2^53 as its digits read without the point and at most 22 digits after it: that number
/// and the power of ten are exact doubles, so one division rounds the quotient correctly, which
/// is the value `str::parse` gives (Clinger 1990, the fast path of every correct parser). Counts
/// and values of paths files and event logs are nearly always such; anything else (signs,
/// exponents, more digits) is `None`, for `str::parse`. About three times faster than
/// `str::parse` on them.
pub(crate) fn plain_decimal(text: &[u8]) -> Option<f64> {
    const POWERS: [f64; 23] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
        1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ];
    if text.is_empty() || text.len() > 19 {
        return None;
    }
    // One pass: at most 19 digits, below 10^19, so no overflow.
    let mut digits: u64 = 0;
    let mut point = None;
    for (i, &b) in text.iter().enumerate() {
        let d = b.wrapping_sub(b'0');
        if d <= 9 {
            digits = digits * 10 + u64::from(d);
        } else if b == b'.' && point.is_none() && i > 0 && i + 1 < text.len() {
            point = Some(i);
        } else {
            return None;
        }
    }
    if digits > 1 << 53 {
        return None;
    }
    // `text.len() <= 19` leaves at most 17 digits after the point.
    let decimals = point.map_or(0, |p| text.len() - p - 1);
    Some(digits as f64 / POWERS[decimals])
}

/// Splits the path field on `sep`, trims each channel and interns it into `touches`.
fn parse_path(
    record: &impl Fields,
    index: usize,
    sep: &str,
    channels: &mut ChannelTable,
    names: &mut PathNames,
    touches: &mut Vec<ChannelId>,
    at: &dyn Fn() -> Location,
) -> Result<()> {
    let text = record.text(index).ok_or_else(|| {
        Error::input(
            at(),
            format!(
                "missing the path field (the row has {} fields)",
                record.len()
            ),
        )
    })?;
    let text = text.map_err(|_| Error::input(at(), "the path is not valid UTF-8"))?;
    if text.is_empty() {
        return Err(Error::input(
            at(),
            "the path is empty; a path needs at least one channel",
        ));
    }
    // A path of names met before is read from their first bytes (`names`); the first path
    // to name a channel, and any path that is not plainly names and separators, is split
    // here, piece by piece, where its errors are found.
    let separator = PathNames::splits_at(sep.as_bytes());
    if let Some(byte) = separator
        && names.split(channels, text.as_bytes(), byte, touches)
    {
        return Ok(());
    }
    touches.clear();
    let mut push = |position: usize, name: &str| {
        let name = trim(name);
        if name.is_empty() {
            return Err(Error::input(
                at(),
                format!(
                    "the path '{}' has an empty channel at position {}",
                    clip(text),
                    position + 1
                ),
            ));
        }
        touches.push(match separator {
            // `name` is a piece of `text`: its offset is where it starts.
            Some(byte) => {
                let start = name.as_ptr().addr() - text.as_ptr().addr();
                names.intern(channels, text.as_bytes(), start, name, byte)
            }
            None => names.intern_name(channels, name),
        });
        Ok(())
    };
    match sep.as_bytes() {
        // One ASCII byte (`>`), the common case: split the bytes (an ASCII byte never occurs
        // inside a multi-byte character, so every piece is itself UTF-8).
        // A byte loop, not `memchr`: a path is tens of bytes with a separator every few, where
        // a vector search's set-up per hit costs more than it saves.
        &[byte] if byte.is_ascii() => {
            let (mut start, mut position) = (0, 0);
            for (end, &b) in text.as_bytes().iter().enumerate() {
                if b == byte {
                    push(position, &text[start..end])?;
                    (start, position) = (end + 1, position + 1);
                }
            }
            push(position, &text[start..])?;
        }
        _ => {
            for (position, name) in text.split(sep).enumerate() {
                push(position, name)?;
            }
        }
    }
    Ok(())
}

/// `name` without leading and trailing whitespace (Unicode's, as [`str::trim`]), trimming ASCII
/// whitespace first: the common case, and cheaper.
fn trim(name: &str) -> &str {
    let ascii = name.trim_ascii();
    match (ascii.as_bytes().first(), ascii.as_bytes().last()) {
        // Vertical tab is whitespace to `str::trim` but not to `trim_ascii`.
        (Some(&a), Some(&b)) if !a.is_ascii() || !b.is_ascii() || a == 0x0B || b == 0x0B => {
            ascii.trim()
        }
        _ => ascii,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Rows = Vec<(String, f64, f64, f64)>;

    fn read(text: &str) -> Result<(Rows, ReadSummary)> {
        let mut channels = ChannelTable::new();
        let mut rows = Vec::new();
        let mut seen = Vec::new();
        let summary = read_paths(
            text.as_bytes(),
            "t.csv",
            &PathsFormat::default(),
            &mut channels,
            |r| seen.push((r.touches.to_vec(), r.conversions, r.value, r.nulls)),
        )?;
        for (t, c, v, n) in seen {
            rows.push((channels.format_path(&t), c, v, n));
        }
        Ok((rows, summary))
    }

    #[test]
    fn channel_names_are_trimmed_as_str_trim_trims() {
        for name in [
            "",
            " ",
            "a",
            " a ",
            "\ta\r",
            "\u{b}a\u{b}",
            "\u{a0}a\u{3000}",
            " é ",
            "é",
            "a b",
            "\u{85}",
            " \u{2003}x\u{2003} ",
        ] {
            assert_eq!(trim(name), name.trim(), "{name:?}");
        }
    }

    #[test]
    fn a_separator_of_several_bytes_splits_as_one_byte_does() {
        let read_with = |text: &str, sep: &str| {
            let format = PathsFormat {
                channel_sep: sep.into(),
                ..PathsFormat::default()
            };
            let mut channels = ChannelTable::new();
            let mut rows = Vec::new();
            read_paths(text.as_bytes(), "t.csv", &format, &mut channels, |r| {
                rows.push(r.touches.to_vec())
            })
            .map(|_| (rows, channels.names().to_vec()))
            .map_err(|e| e.to_string())
        };
        let one = read_with("path,total_conversions\n a > é >b ,1\nc,2\n", ">");
        let several = read_with("path,total_conversions\n a => é =>b ,1\nc,2\n", "=>");
        assert_eq!(one, several);
        assert_eq!(one.as_ref().unwrap().1, ["a", "é", "b", "c"]);
        let empty = read_with("path,total_conversions\na >  > b,1\n", ">").unwrap_err();
        assert_eq!(
            empty,
            "t.csv line 2: the path 'a >  > b' has an empty channel at position 2"
        );
    }

    #[test]
    fn plain_decimals_read_as_str_parse_reads_them() {
        // Every form the fast path takes, at the edges of its limits, and the forms it leaves
        // to `str::parse` (None), which must still parse as before.
        let mut cases: Vec<String> = [
            "0",
            "00",
            "7",
            "3.0",
            "12.50",
            "0.1",
            "0.3",
            "123.45",
            "9007199254740992",
            "9007199254740993",
            "900719925474099.3",
            "0.00000000000000001",
            "1.7976931348623157",
            "99.99",
            "80.00",
            "1e3",
            "-1",
            "+1",
            ".5",
            "5.",
            "1.2.3",
            "",
            "NaN",
            "inf",
            "1_0",
            "1234567890123456789",
            "12345678901234567890",
            " 1",
            "0x10",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let mut rng = 0x2545_f491_4f6c_dd1d_u64;
        for _ in 0..20_000 {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            let whole = rng % 10_u64.pow((rng >> 40) as u32 % 12);
            let decimals = ((rng >> 20) % 8) as usize;
            cases.push(match decimals {
                0 => whole.to_string(),
                d => format!("{whole}.{:0d$}", (rng >> 8) % 10_u64.pow(d as u32)),
            });
        }
        for text in &cases {
            match plain_decimal(text.as_bytes()) {
                Some(x) => assert_eq!(
                    Some(x.to_bits()),
                    text.parse::<f64>().ok().map(f64::to_bits),
                    "{text}"
                ),
                None => assert!(
                    !text.bytes().all(|b| b.is_ascii_digit())
                        || text.is_empty()
                        || text.parse::<u128>().unwrap() > 1 << 53,
                    "{text}: plain digits left to str::parse"
                ),
            }
        }
        let fast = cases
            .iter()
            .filter(|t| plain_decimal(t.as_bytes()).is_some())
            .count();
        assert!(fast > 19_000, "{fast}");
    }

    #[test]
    fn reads_semicolon_and_trims_channels() {
        let (rows, summary) =
            read("path;total_conversions;total_conversion_value;total_null\n a >b > c ;1.5;10;2\n")
                .unwrap();
        assert_eq!(rows, vec![("a > b > c".to_string(), 1.5, 10.0, 2.0)]);
        assert_eq!(summary.journeys(), 3.5);
    }

    #[test]
    fn optional_columns_default_to_zero() {
        let (rows, _) = read("path\ttotal_conversions\na>b\t2\n").unwrap();
        assert_eq!(rows, vec![("a > b".to_string(), 2.0, 0.0, 0.0)]);
    }

    #[test]
    fn negative_count_names_line_and_column() {
        let err = read("path,total_conversions,total_null\na,1,0\nb,1,-3\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "t.csv line 3: total_null is -3; counts must be >= 0"
        );
    }

    #[test]
    fn missing_column_lists_the_columns_found() {
        let err = read("path,conv\na,1\n").unwrap_err();
        assert!(
            err.to_string().contains("columns found: path, conv"),
            "{err}"
        );
    }

    #[test]
    fn a_renamed_optional_column_is_not_taken_as_absent() {
        let err =
            read("path,total_conversions,total_conversion_value,nulls\na,1,2,3\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "t.csv line 1: no column 'total_null' (non-converting counts) in the header, but it \
             has unused columns: nulls; name the non-converting counts column with `null_col`, \
             or remove the unused columns if there is none"
        );
        let err = read("path,total_conversions,total_null,val\na,1,3,2\n").unwrap_err();
        assert!(err.to_string().contains("`value_col`"), "{err}");
        // Without unused columns, missing optional columns are zero.
        read("path,total_conversions\na,1\n").unwrap();
    }

    #[test]
    fn a_channel_separator_that_cannot_split_is_refused() {
        let format = PathsFormat {
            channel_sep: String::new(),
            ..PathsFormat::default()
        };
        let err = read_paths(
            &b"path,total_conversions\na,1\n"[..],
            "t.csv",
            &format,
            &mut ChannelTable::new(),
            |_| {},
        )
        .unwrap_err();
        assert!(
            matches!(
                err,
                Error::Option {
                    option: "channel_sep",
                    ..
                }
            ),
            "{err:?}"
        );
    }

    proptest::proptest! {
        /// Paths whose names repeat (so that most are read from their first bytes), among
        /// names that are each other's starts, of every length around 8 and 16 bytes, with
        /// ASCII and other whitespace around them: every row's channels are its pieces
        /// trimmed by `str::trim`, numbered in the order they first appear.
        #[test]
        fn known_names_read_as_their_pieces_trimmed(
            rows in proptest::collection::vec(
                proptest::collection::vec((0usize..12, 0usize..7, 0usize..7), 1..6),
                1..200,
            )
        ) {
            const NAMES: [&str; 12] = [
                "search", "search_paid", "search_paid_brand_1", "paid search", "paid search x",
                "e", "é", "ab", "abcdefgh", "abcdefghi", "abcdefghijklmnop", "abcdefghijklmnopq",
            ];
            const SPACE: [&str; 7] = ["", " ", "  ", "\t", "\u{a0}", "\u{b}", " \u{3000} "];
            let paths: Vec<String> = rows
                .iter()
                .map(|pieces| {
                    let pieces: Vec<String> = pieces
                        .iter()
                        .map(|&(name, left, right)| format!("{}{}{}", SPACE[left], NAMES[name], SPACE[right]))
                        .collect();
                    pieces.join(">")
                })
                .collect();
            let mut text = String::from("path,total_conversions\n");
            for path in &paths {
                text.push_str(&format!("{path},1\n"));
            }
            let mut expected_channels = ChannelTable::new();
            let expected: Vec<Vec<ChannelId>> = paths
                .iter()
                .map(|path| path.split('>').map(|p| expected_channels.intern(p.trim())).collect())
                .collect();
            let mut channels = ChannelTable::new();
            let mut read_rows = Vec::new();
            read_paths(text.as_bytes(), "t.csv", &PathsFormat::default(), &mut channels, |r| {
                read_rows.push(r.touches.to_vec())
            })
            .unwrap();
            proptest::prop_assert_eq!(channels.names(), expected_channels.names());
            proptest::prop_assert_eq!(read_rows, expected);
        }
    }

    #[test]
    fn zero_rows_are_skipped_and_counted() {
        let (rows, summary) = read("path,total_conversions,total_null\na,0,0\nb,1,0\n").unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(summary.skipped_rows, 1);
    }
}
