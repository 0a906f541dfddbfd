//! Parquet tables, in and out: an event log or paths table stored as Parquet is read as the
//! delimited text the CSV readers read, and the paths table can be written as Parquet.
//!
//! Reading streams the file's rows as CSV text ([`ParquetText`], a [`Read`]), one record batch at
//! a time, so the readers apply one set of rules, checks, messages and journey cutting to CSV and
//! Parquet alike, and an event log of any size is grouped or partitioned as a CSV one is. Only the
//! columns a reader may use are decoded; the others keep their place in the header (so a renamed
//! column is still caught) with empty cells. A cell is written as the text a CSV export of it
//! would hold:
//!
//! | Parquet (Arrow) type | text |
//! | --- | --- |
//! | string, large string, string view, dictionary of strings | the string |
//! | binary holding UTF-8 | the string (other bytes are an error) |
//! | signed and unsigned integers, decimals | the number |
//! | float, double | the shortest text that reads back to the same number |
//! | boolean | `1` or `0` |
//! | timestamp (s, ms, us, ns; with or without a zone) | RFC 3339 in UTC, `2026-01-05T14:03:00.25Z` |
//! | date (32 or 64 bit) | `2026-01-05`, or RFC 3339 when a 64-bit date holds a time |
//! | null | empty |
//!
//! Integer times are Unix seconds, or milliseconds from 1e11 on, as in a CSV file. A file is
//! recognised by its magic bytes (`PAR1`), not by its name.

use std::cell::Cell;
use std::fmt::Write as _;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Date64Type, Decimal128Type, Decimal256Type, Float32Type, Float64Type, Int8Type,
    Int16Type, Int32Type, Int64Type, TimestampMicrosecondType, TimestampMillisecondType,
    TimestampNanosecondType, TimestampSecondType, UInt8Type, UInt16Type, UInt32Type, UInt64Type,
};
use arrow_array::{Array, ArrayRef, Float64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema, TimeUnit};
use parquet::arrow::ArrowWriter;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;
use parquet::file::reader::ChunkReader;

use journeysim_core::error::{Error, Location, Result, clip};
use journeysim_core::paths_table::PathsTable;

use crate::time::civil_from_days;

thread_local! {
    /// Whether this thread is decoding Parquet, whose decoder can panic on corrupt data.
    static DECODING: Cell<bool> = const { Cell::new(false) };
}

/// Runs `decode`, turning a panic of the Parquet decoder (it has some on corrupt files) into
/// the error for a file that is not readable Parquet.
fn guarded<T>(
    decode: impl FnOnce() -> std::result::Result<T, String>,
) -> std::result::Result<T, String> {
    DECODING.with(|d| d.set(true));
    let result = std::panic::catch_unwind(AssertUnwindSafe(decode));
    DECODING.with(|d| d.set(false));
    result.unwrap_or_else(|_| Err("the decoder stopped on corrupt data".to_owned()))
}

/// Keeps the panic hook from printing the Parquet decoder's panics, which [`ParquetText`]
/// reports as errors about the file: a program that reads Parquet calls this once at start.
/// Every other panic is shown by the hook that was installed before.
pub fn quiet_decoder_panics() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !DECODING.with(Cell::get) {
            previous(info);
        }
    }));
}

/// The four bytes a Parquet file starts (and ends) with.
pub const MAGIC: &[u8; 4] = b"PAR1";

/// Rows decoded per record batch.
const BATCH_ROWS: usize = 8192;

/// Whether `file` starts with Parquet's magic bytes; leaves it at its start.
pub fn is_parquet(file: &mut File) -> io::Result<bool> {
    let mut start = [0u8; 4];
    let mut filled = 0;
    while filled < start.len() {
        match file.read(&mut start[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    file.seek(SeekFrom::Start(0))?;
    Ok(filled == 4 && &start == MAGIC)
}

/// A Parquet file's rows as CSV text: the header (every top-level column's name), then one line
/// per row, with cells of the `wanted` columns (see the module docs) and empty cells elsewhere.
pub struct ParquetText {
    batches: ParquetRecordBatchReader,
    /// For each column of the header, its position among the decoded columns.
    decoded: Vec<Option<usize>>,
    /// The decoded columns' names, for messages.
    names: Vec<String>,
    source: String,
    /// Text produced and not yet read, from `at`.
    text: Vec<u8>,
    at: usize,
    /// Rows written so far (the next row's 0-based index).
    rows: u64,
    cell: String,
    done: bool,
}

impl std::fmt::Debug for ParquetText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParquetText")
            .field("source", &self.source)
            .field("rows", &self.rows)
            .finish_non_exhaustive()
    }
}

impl ParquetText {
    /// Opens the Parquet file `file` (a [`File`], or [`bytes::Bytes`] in memory), named `source`
    /// in messages, decoding the columns named in `wanted` that it has. A file that is not valid
    /// Parquet, or a wanted column of a type without a text form (a list, a struct, a time of
    /// day), is an error.
    pub fn new<T: ChunkReader + 'static>(file: T, source: &str, wanted: &[&str]) -> Result<Self> {
        let invalid = |e: String| {
            Error::input(
                Location::file(source),
                format!("not a readable Parquet file: {e}"),
            )
        };
        let builder =
            guarded(|| ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| e.to_string()))
                .map_err(invalid)?;
        let fields = builder.schema().fields().clone();
        let mut roots = Vec::new();
        let mut decoded = Vec::with_capacity(fields.len());
        let mut names = Vec::new();
        for (i, field) in fields.iter().enumerate() {
            if wanted.contains(&field.name().as_str()) {
                check_type(field, source)?;
                decoded.push(Some(roots.len()));
                roots.push(i);
                names.push(field.name().clone());
            } else {
                decoded.push(None);
            }
        }
        let mask = ProjectionMask::roots(builder.parquet_schema(), roots);
        let batches = guarded(|| {
            builder
                .with_projection(mask)
                .with_batch_size(BATCH_ROWS)
                .build()
                .map_err(|e| e.to_string())
        })
        .map_err(invalid)?;
        let in_memory = |e: &dyn std::fmt::Display| {
            Error::Invalid(format!("cannot write a header in memory: {e}"))
        };
        let mut header = csv::Writer::from_writer(Vec::new());
        header
            .write_record(fields.iter().map(|f| f.name().as_str()))
            .map_err(|e| in_memory(&e))?;
        let text = header.into_inner().map_err(|e| in_memory(e.error()))?;
        Ok(ParquetText {
            batches,
            decoded,
            names,
            source: source.to_owned(),
            text,
            at: 0,
            rows: 0,
            cell: String::new(),
            done: false,
        })
    }

    /// Replaces the consumed text with the next batch's rows; false at the end of the file.
    fn next_batch(&mut self) -> io::Result<bool> {
        let batches = &mut self.batches;
        let next = guarded(|| batches.next().transpose().map_err(|e| e.to_string()));
        let batch = match next {
            Ok(None) => return Ok(false),
            Ok(Some(batch)) => batch,
            Err(e) => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("not a readable Parquet file: {e}"),
                ));
            }
        };
        self.text.clear();
        self.at = 0;
        let mut writer = csv::WriterBuilder::new().from_writer(std::mem::take(&mut self.text));
        let columns: Vec<Column<'_>> = batch.columns().iter().map(Column::new).collect();
        for row in 0..batch.num_rows() {
            for column in &self.decoded {
                self.cell.clear();
                if let Some(c) = column {
                    columns[*c].write(row, &mut self.cell).map_err(|problem| {
                        io::Error::new(
                            io::ErrorKind::InvalidData,
                            format!(
                                "row {}: column '{}' {problem}",
                                self.rows + 1,
                                clip(&self.names[*c])
                            ),
                        )
                    })?;
                }
                writer.write_field(&self.cell)?;
            }
            writer.write_record(None::<&[u8]>)?;
            self.rows += 1;
        }
        self.text = writer
            .into_inner()
            .map_err(|e| io::Error::other(e.error().to_string()))?;
        Ok(true)
    }
}

impl Read for ParquetText {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.at == self.text.len() {
            if self.done || !self.next_batch()? {
                self.done = true;
                return Ok(0);
            }
        }
        let n = buf.len().min(self.text.len() - self.at);
        buf[..n].copy_from_slice(&self.text[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

/// Refuses a column whose type has no text form.
fn check_type(field: &Field, source: &str) -> Result<()> {
    if has_text_form(field.data_type()) {
        return Ok(());
    }
    Err(Error::input(
        Location::file(source),
        format!(
            "column '{}' is of Parquet type {}, which has no text form here; journeysim reads \
             strings, integers, decimals, floating-point numbers, booleans, timestamps and dates",
            clip(field.name()),
            field.data_type()
        ),
    ))
}

fn has_text_form(data_type: &DataType) -> bool {
    match data_type {
        DataType::Dictionary(_, values) => has_text_form(values),
        DataType::Null
        | DataType::Utf8
        | DataType::LargeUtf8
        | DataType::Utf8View
        | DataType::Binary
        | DataType::LargeBinary
        | DataType::BinaryView
        | DataType::Boolean
        | DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32
        | DataType::UInt64
        | DataType::Float32
        | DataType::Float64
        | DataType::Decimal128(..)
        | DataType::Decimal256(..)
        | DataType::Timestamp(..)
        | DataType::Date32
        | DataType::Date64 => true,
        _ => false,
    }
}

/// One decoded column of a batch; a dictionary column with its keys resolved once.
struct Column<'a> {
    array: &'a ArrayRef,
    /// For a dictionary: each row's index into the values.
    keys: Option<Vec<usize>>,
}

impl<'a> Column<'a> {
    fn new(array: &'a ArrayRef) -> Self {
        let keys = array
            .as_any_dictionary_opt()
            .map(|dictionary| dictionary.normalized_keys());
        Column { array, keys }
    }

    /// Writes row `row`'s cell into `out` (nothing for a null); the problem when it has no text.
    fn write(&self, row: usize, out: &mut String) -> std::result::Result<(), String> {
        if self.array.is_null(row) {
            return Ok(());
        }
        match (&self.keys, self.array.as_any_dictionary_opt()) {
            (Some(keys), Some(dictionary)) => {
                let values = dictionary.values();
                if values.is_null(keys[row]) {
                    return Ok(());
                }
                write_value(values, keys[row], out)
            }
            _ => write_value(self.array, row, out),
        }
    }
}

/// Writes the (non-null) value at `i` of `array` as text.
fn write_value(array: &ArrayRef, i: usize, out: &mut String) -> std::result::Result<(), String> {
    match array.data_type() {
        DataType::Null => {}
        DataType::Utf8 => out.push_str(array.as_string::<i32>().value(i)),
        DataType::LargeUtf8 => out.push_str(array.as_string::<i64>().value(i)),
        DataType::Utf8View => out.push_str(array.as_string_view().value(i)),
        DataType::Binary => utf8(array.as_binary::<i32>().value(i), out)?,
        DataType::LargeBinary => utf8(array.as_binary::<i64>().value(i), out)?,
        DataType::BinaryView => utf8(array.as_binary_view().value(i), out)?,
        DataType::Boolean => out.push(if array.as_boolean().value(i) {
            '1'
        } else {
            '0'
        }),
        DataType::Int8 => number(out, array.as_primitive::<Int8Type>().value(i)),
        DataType::Int16 => number(out, array.as_primitive::<Int16Type>().value(i)),
        DataType::Int32 => number(out, array.as_primitive::<Int32Type>().value(i)),
        DataType::Int64 => number(out, array.as_primitive::<Int64Type>().value(i)),
        DataType::UInt8 => number(out, array.as_primitive::<UInt8Type>().value(i)),
        DataType::UInt16 => number(out, array.as_primitive::<UInt16Type>().value(i)),
        DataType::UInt32 => number(out, array.as_primitive::<UInt32Type>().value(i)),
        DataType::UInt64 => number(out, array.as_primitive::<UInt64Type>().value(i)),
        // `Display` of a float is the shortest text that parses back to the same number.
        DataType::Float32 => number(out, array.as_primitive::<Float32Type>().value(i)),
        DataType::Float64 => number(out, array.as_primitive::<Float64Type>().value(i)),
        DataType::Decimal128(..) => {
            out.push_str(&array.as_primitive::<Decimal128Type>().value_as_string(i))
        }
        DataType::Decimal256(..) => {
            out.push_str(&array.as_primitive::<Decimal256Type>().value_as_string(i))
        }
        DataType::Timestamp(unit, _) => {
            let (ticks, per_second) = match unit {
                TimeUnit::Second => (array.as_primitive::<TimestampSecondType>().value(i), 1),
                TimeUnit::Millisecond => (
                    array.as_primitive::<TimestampMillisecondType>().value(i),
                    1_000,
                ),
                TimeUnit::Microsecond => (
                    array.as_primitive::<TimestampMicrosecondType>().value(i),
                    1_000_000,
                ),
                TimeUnit::Nanosecond => (
                    array.as_primitive::<TimestampNanosecondType>().value(i),
                    1_000_000_000,
                ),
            };
            timestamp(out, ticks, per_second);
        }
        DataType::Date32 => {
            let (y, m, d) = civil_from_days(i64::from(array.as_primitive::<Date32Type>().value(i)));
            let _ = write!(out, "{y:04}-{m:02}-{d:02}");
        }
        DataType::Date64 => {
            let ms = array.as_primitive::<Date64Type>().value(i);
            if ms.rem_euclid(86_400_000) == 0 {
                let (y, m, d) = civil_from_days(ms.div_euclid(86_400_000));
                let _ = write!(out, "{y:04}-{m:02}-{d:02}");
            } else {
                timestamp(out, ms, 1_000);
            }
        }
        other => {
            return Err(format!(
                "is of Parquet type {other}, which has no text form"
            ));
        }
    }
    Ok(())
}

fn number(out: &mut String, x: impl std::fmt::Display) {
    let _ = write!(out, "{x}");
}

fn utf8(bytes: &[u8], out: &mut String) -> std::result::Result<(), String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "holds bytes that are not UTF-8 text")?;
    out.push_str(text);
    Ok(())
}

/// `ticks` (`per_second` to the second) since the Unix epoch as RFC 3339 in UTC, the fraction
/// without trailing zeros (none when whole).
fn timestamp(out: &mut String, ticks: i64, per_second: i64) {
    let seconds = ticks.div_euclid(per_second);
    let fraction = ticks.rem_euclid(per_second);
    let (y, m, d) = civil_from_days(seconds.div_euclid(86_400));
    let rest = seconds.rem_euclid(86_400);
    let _ = write!(
        out,
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    );
    if fraction > 0 {
        let width = per_second.ilog10() as usize;
        let digits = format!("{fraction:0width$}");
        let _ = write!(out, ".{}", digits.trim_end_matches('0'));
    }
    out.push('Z');
}

/// The paths table as a Parquet file (`path`, `total_conversions`, `total_conversion_value`,
/// `total_null` and the segment column named `segment_col` when the table has segments; strings
/// and doubles, zstd-compressed): what `journeysim aggregate --out paths.parquet` writes, and
/// what the paths reader reads back to the same figures.
pub fn paths_table_parquet(table: &PathsTable, segment_col: Option<&str>) -> Result<Vec<u8>> {
    let segment_col = segment_col.filter(|_| table.segmented);
    let mut fields = vec![
        Field::new("path", DataType::Utf8, false),
        Field::new("total_conversions", DataType::Float64, false),
        Field::new("total_conversion_value", DataType::Float64, false),
        Field::new("total_null", DataType::Float64, false),
    ];
    let rows = &table.rows;
    let mut columns: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from_iter_values(
            rows.iter().map(|r| r.path.as_str()),
        )),
        Arc::new(Float64Array::from_iter_values(
            rows.iter().map(|r| r.conversions),
        )),
        Arc::new(Float64Array::from_iter_values(rows.iter().map(|r| r.value))),
        Arc::new(Float64Array::from_iter_values(rows.iter().map(|r| r.nulls))),
    ];
    if let Some(name) = segment_col {
        fields.push(Field::new(name, DataType::Utf8, true));
        columns.push(Arc::new(StringArray::from_iter(
            rows.iter().map(|r| r.segment.as_deref()),
        )));
    }
    let failed = |e: &dyn std::fmt::Display| Error::Numerical(format!("cannot write Parquet: {e}"));
    let batch =
        RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).map_err(|e| failed(&e))?;
    let properties = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::default()))
        .build();
    let mut bytes = Vec::new();
    let mut writer = ArrowWriter::try_new(&mut bytes, batch.schema(), Some(properties))
        .map_err(|e| failed(&e))?;
    writer.write(&batch).map_err(|e| failed(&e))?;
    writer.close().map_err(|e| failed(&e))?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_keep_their_fraction_without_trailing_zeros() {
        let text = |ticks, per| {
            let mut s = String::new();
            timestamp(&mut s, ticks, per);
            s
        };
        assert_eq!(text(1_767_225_600, 1), "2026-01-01T00:00:00Z");
        assert_eq!(text(1_767_225_600_250, 1_000), "2026-01-01T00:00:00.25Z");
        assert_eq!(
            text(1_767_225_600_000_000_001, 1_000_000_000),
            "2026-01-01T00:00:00.000000001Z"
        );
        assert_eq!(text(-1, 1_000), "1969-12-31T23:59:59.999Z");
        assert_eq!(text(-1_500_000, 1_000_000), "1969-12-31T23:59:58.5Z");
    }

    #[test]
    fn timestamps_read_back_as_the_rfc_3339_text_does() {
        use crate::time::parse_timestamp;
        for (ticks, per) in [
            (1_767_225_600_123_i64, 1_000),
            (1_767_225_600_123_456, 1_000_000),
            (951_782_400 + 3661, 1),
        ] {
            let mut s = String::new();
            timestamp(&mut s, ticks, per);
            let seconds = parse_timestamp(&s).unwrap();
            let exact = ticks as f64 / per as f64;
            assert!((seconds - exact).abs() < 1e-6, "{s}: {seconds} vs {exact}");
        }
    }
}
