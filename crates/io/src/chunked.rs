//! Parsing delimited text on every core: the input is cut into byte chunks at line ends, the
//! chunks of a batch are parsed in parallel (rayon, on the current pool), and their rows are
//! handed on **in file order**, so every result, down to the numbering of channels and the order
//! of floating-point sums, is the one a single pass gives, whatever the number of threads.
//!
//! Chunks are [`CHUNK_BYTES`] long (a fixed size: the cut never depends on the thread count)
//! and end at a `\n`. A line break inside a quoted field would make such a cut wrong, so a
//! chunk holding a quote (`"`) or a carriage return not followed by `\n` is not parsed in
//! parallel: from that chunk on, the rest of the input is read by one sequential CSV reader,
//! as before. The same happens at a chunk with a bad row, so that the error (file, line, what
//! was wrong) is the sequential reader's, word for word.
//!
//! Used by the paths reader (`paths::parallel`) and by the two passes over a sorted event log,
//! the order check and the cut (`events::parallel`). A user whose events straddle a chunk
//! boundary needs no care: chunks only parse; journeys are cut afterwards, row by row in file
//! order, by one cutter.

use std::io::{Cursor, Read};

use rayon::prelude::*;

use journeysim_core::error::{Error, Location, Result};

/// Bytes per chunk (1 MiB).
pub const CHUNK_BYTES: usize = 1 << 20;

/// Whether a chunk cannot be parsed on its own: a quote (a quoted field may hold a line break)
/// or a carriage return that does not end a line (a line end the cut does not see).
pub(crate) fn needs_sequential(bytes: &[u8]) -> bool {
    memchr::memchr2_iter(b'"', b'\r', bytes)
        .any(|i| bytes[i] == b'"' || bytes.get(i + 1).is_some_and(|&n| n != b'\n'))
}

/// A row's fields, each trimmed of ASCII whitespace: what the readers parse, from a csv
/// record (the sequential reader) or from a line of a chunk ([`ChunkRows`]).
pub(crate) trait Fields {
    /// Field `i`, if the row has it.
    fn get(&self, i: usize) -> Option<&[u8]>;
    /// The number of fields.
    fn len(&self) -> usize;
    /// Field `i` as text, if the row has it: `Err` when it is not UTF-8.
    fn text(&self, i: usize) -> Option<std::result::Result<&str, std::str::Utf8Error>> {
        self.get(i).map(std::str::from_utf8)
    }
}

impl Fields for csv::ByteRecord {
    fn get(&self, i: usize) -> Option<&[u8]> {
        csv::ByteRecord::get(self, i)
    }

    fn len(&self) -> usize {
        csv::ByteRecord::len(self)
    }
}

/// The fields of one line of a chunk, as ranges of the line (nothing is copied).
#[derive(Debug, Default)]
pub(crate) struct LineFields<'a> {
    line: &'a [u8],
    /// The line as text, when all of it is UTF-8 (checked once, not field by field).
    text: Option<&'a str>,
    /// The ranges of the first fields (all of them unless [`ChunkRows::read_first`] asked
    /// for fewer).
    bounds: Vec<(usize, usize)>,
    /// The number of fields on the line.
    count: usize,
    /// The line's number in the chunk (1-based, as csv counts).
    pub(crate) number: u64,
}

impl Fields for LineFields<'_> {
    fn get(&self, i: usize) -> Option<&[u8]> {
        self.bounds
            .get(i)
            .map(|&(start, end)| &self.line[start..end])
    }

    fn len(&self) -> usize {
        self.count
    }

    #[inline]
    fn text(&self, i: usize) -> Option<std::result::Result<&str, std::str::Utf8Error>> {
        match self.text {
            // Fields end at the line's ends, at a delimiter or at ASCII whitespace, all of
            // them character boundaries.
            Some(text) => self
                .bounds
                .get(i)
                .map(|&(start, end)| Ok(&text[start..end])),
            None => self.get(i).map(std::str::from_utf8),
        }
    }
}

/// The rows of a chunk that needs no sequential reader (no quote, every carriage return
/// before a line feed), read as csv's reader reads them: a row per line, fields split at the
/// delimiter, empty lines skipped, `\r\n` an end of line; each field trimmed of ASCII
/// whitespace as [`read_trimmed`] does. Without quotes there is nothing else to parse, so
/// this is a line and byte search rather than csv's state machine. A row's number is its line
/// in the text, empty lines counted (csv's own positions skip them).
pub(crate) struct ChunkRows<'a> {
    rest: &'a [u8],
    /// `rest` as text, when the whole chunk is UTF-8: checked once, where line by line it
    /// would be a call per line (lines end at `\n`, a character boundary).
    text: Option<&'a str>,
    delimiter: u8,
    /// Line number of the first line of `rest` (1-based, as csv counts).
    line: u64,
}

impl<'a> ChunkRows<'a> {
    /// The rows of `chunk`, which must not need the sequential reader ([`needs_sequential`]).
    pub(crate) fn new(chunk: &'a [u8], delimiter: u8) -> Self {
        debug_assert!(!needs_sequential(chunk));
        ChunkRows {
            rest: chunk,
            text: std::str::from_utf8(chunk).ok(),
            delimiter,
            line: 1,
        }
    }

    /// Reads the next row into `fields`; false at the end.
    pub(crate) fn read(&mut self, fields: &mut LineFields<'a>) -> bool {
        self.read_first(fields, usize::MAX)
    }

    /// Reads the next row into `fields`, cutting out only its first `wanted` fields: the rest of
    /// the line is not looked at, so [`Fields::len`] counts at most `wanted` fields, and
    /// [`Fields::get`] gives `None` after them; false at the end.
    pub(crate) fn read_first(&mut self, fields: &mut LineFields<'a>, wanted: usize) -> bool {
        loop {
            if self.rest.is_empty() {
                return false;
            }
            let end = memchr::memchr(b'\n', self.rest).unwrap_or(self.rest.len());
            let next = (end + 1).min(self.rest.len());
            let (line, rest) = (&self.rest[..end], &self.rest[next..]);
            let (line_text, rest_text) = match self.text {
                Some(text) => (Some(&text[..end]), Some(&text[next..])),
                None => (None, None),
            };
            self.rest = rest;
            self.text = rest_text;
            let number = self.line;
            self.line += 1;
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if line.is_empty() {
                continue;
            }
            fields.line = line;
            fields.text = match line_text {
                Some(text) => Some(&text[..line.len()]),
                None => std::str::from_utf8(line).ok(),
            };
            fields.number = number;
            fields.bounds.clear();
            let mut start = 0;
            let ends = memchr::memchr_iter(self.delimiter, line).chain([line.len()]);
            for end in ends.take(wanted) {
                let field = &line[start..end];
                let trimmed = field.trim_ascii_start();
                let from = start + (field.len() - trimmed.len());
                fields
                    .bounds
                    .push((from, from + trimmed.trim_ascii_end().len()));
                start = end + 1;
            }
            fields.count = fields.bounds.len();
            return true;
        }
    }
}

/// A CSV reader for data rows without a header, as the readers' own (read its rows with
/// [`read_trimmed`]); the field count is checked by [`check_len`].
pub(crate) fn data_reader<R: Read>(input: R, delimiter: u8) -> csv::Reader<R> {
    csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(input)
}

/// Reads the next row into `record` with every field trimmed of ASCII whitespace, as csv's
/// `Trim::All` does, but into `record`'s own buffers (csv's trimming allocates a new record per
/// row); `raw` holds the row as read. False at the end of the input.
pub(crate) fn read_trimmed<R: Read>(
    reader: &mut csv::Reader<R>,
    raw: &mut csv::ByteRecord,
    record: &mut csv::ByteRecord,
) -> csv::Result<bool> {
    if !reader.read_byte_record(raw)? {
        return Ok(false);
    }
    record.clear();
    for field in raw.iter() {
        record.push_field(field.trim_ascii());
    }
    record.set_position(raw.position().cloned());
    Ok(true)
}

/// The error a reader with headers gives for a row with another number of fields.
pub(crate) fn check_len(
    record: &impl Fields,
    columns: usize,
    source: &str,
    line: u64,
) -> Result<()> {
    if record.len() == columns {
        return Ok(());
    }
    Err(Error::input(
        Location::line(source, line),
        format!(
            "the row has {} fields but the header has {columns}",
            record.len()
        ),
    ))
}

/// Where the rows of [`run`] go.
pub(crate) trait Sink<T> {
    /// The rows of one chunk, whose first line is `line`.
    fn consume(&mut self, rows: T, line: u64) -> Result<()>;
    /// The rest of the input, from line `line` on, read sequentially.
    fn sequential(&mut self, rest: &mut dyn Read, line: u64) -> Result<()>;
    /// Whether the rest of the input is not needed.
    fn done(&self) -> bool {
        false
    }
}

/// Reads `input` (positioned at the data line `first_line`) in chunks: `parse` turns a chunk
/// into rows (`None` when it cannot: see the module documentation), the sink takes them in file
/// order, and reads the rest of the input sequentially from the first chunk that could not be
/// parsed. Three batches of chunks are in flight: while the pool's other threads parse one,
/// this thread hands the one before to the sink and then reads the one after, so reading
/// never leaves the pool idle.
pub(crate) fn run<R: Read, T: Send>(
    mut input: R,
    source: &str,
    first_line: u64,
    parse: impl Fn(&[u8]) -> Option<T> + Sync,
    sink: &mut dyn Sink<T>,
) -> Result<()> {
    let batch = rayon::current_num_threads().max(1) * 2;
    let mut reader = Batches::default();
    let parse_all = |chunks: &[Vec<u8>]| -> Vec<(Option<T>, u64)> {
        chunks
            .par_iter()
            .map(|chunk| {
                let lines = memchr::memchr_iter(b'\n', chunk).count() as u64;
                let rows = if needs_sequential(chunk) {
                    None
                } else {
                    parse(chunk)
                };
                (rows, lines)
            })
            .collect()
    };
    let mut line = first_line;
    let mut chunks = reader.next(&mut input, batch, source)?;
    // The first batch is parsed while this thread reads the second.
    let mut parsed = Vec::new();
    let mut next_chunks = rayon::in_place_scope(|scope| {
        scope.spawn(|_| parsed = parse_all(&chunks));
        reader.next(&mut input, batch, source)
    })?;
    while !chunks.is_empty() {
        let mut next_parsed = Vec::new();
        let (taken, after) = rayon::in_place_scope(|scope| {
            scope.spawn(|_| next_parsed = parse_all(&next_chunks));
            let taken = take(sink, parsed, &mut line);
            let after = match taken {
                Ok(Taken::All) => reader.next(&mut input, batch, source),
                _ => Ok(Vec::new()),
            };
            (taken, after)
        });
        match taken? {
            Taken::All => {}
            Taken::Done => return Ok(()),
            Taken::Unparsed(i) => {
                let mut rest = chunks[i..].concat();
                rest.extend(next_chunks.concat());
                rest.extend_from_slice(&reader.carry);
                let mut rest = Cursor::new(rest).chain(input);
                return sink.sequential(&mut rest, line);
            }
        }
        chunks = next_chunks;
        next_chunks = after?;
        parsed = next_parsed;
    }
    Ok(())
}

/// How far [`take`] went through a batch.
enum Taken {
    /// Every chunk.
    All,
    /// The sink needs no more.
    Done,
    /// Up to the chunk at this index, which could not be parsed.
    Unparsed(usize),
}

/// Hands the parsed chunks of a batch to the sink in order, counting lines.
fn take<T>(sink: &mut dyn Sink<T>, parsed: Vec<(Option<T>, u64)>, line: &mut u64) -> Result<Taken> {
    for (i, (rows, lines)) in parsed.into_iter().enumerate() {
        let Some(rows) = rows else {
            return Ok(Taken::Unparsed(i));
        };
        sink.consume(rows, *line)?;
        if sink.done() {
            return Ok(Taken::Done);
        }
        *line += lines;
    }
    Ok(Taken::All)
}

/// Cuts the input into batches of chunks that end at a line end.
#[derive(Default)]
struct Batches {
    /// The start of a line read past the last chunk.
    carry: Vec<u8>,
    eof: bool,
}

impl Batches {
    /// The next `batch` chunks (fewer at the end; none after it).
    fn next<R: Read>(&mut self, input: &mut R, batch: usize, source: &str) -> Result<Vec<Vec<u8>>> {
        let read_error = |e| Error::Read {
            path: source.to_owned(),
            source: e,
        };
        let mut chunks: Vec<Vec<u8>> = Vec::with_capacity(batch);
        while chunks.len() < batch && !self.eof {
            let mut buf = std::mem::take(&mut self.carry);
            buf.reserve_exact(CHUNK_BYTES);
            // Read into the spare capacity: no zeroing first, as `resize` would need.
            let read = input
                .by_ref()
                .take(CHUNK_BYTES as u64)
                .read_to_end(&mut buf)
                .map_err(read_error)?;
            self.eof = read < CHUNK_BYTES;
            if !self.eof {
                match memchr::memrchr(b'\n', &buf) {
                    Some(end) => self.carry = buf.split_off(end + 1),
                    None => {
                        // A line longer than a chunk: read on.
                        self.carry = buf;
                        continue;
                    }
                }
            }
            if !buf.is_empty() {
                chunks.push(buf);
            }
        }
        Ok(chunks)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::parallel::check_order;
    use crate::events::{EventsFormat, read_events_bytes_within};
    use crate::paths::{PathsFormat, read_paths as read_paths_file};
    use crate::spill::Memory;
    use journeysim_core::journey::ChannelTable;

    #[test]
    fn read_trimmed_gives_the_records_of_csvs_own_trimming() {
        let text = " a ,\tb\t, c\r\n\" q \" , x y ,\r\n,,\n \u{a0}z\u{a0} , \" , \",e\n";
        let mut ours = data_reader(text.as_bytes(), b',');
        let mut theirs = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let (mut raw, mut record, mut expected) = Default::default();
        let mut rows = 0;
        while read_trimmed(&mut ours, &mut raw, &mut record).unwrap() {
            assert!(theirs.read_byte_record(&mut expected).unwrap());
            assert_eq!(record, expected);
            assert_eq!(
                record.position().map(|p| p.line()),
                expected.position().map(|p| p.line())
            );
            rows += 1;
        }
        assert!(!theirs.read_byte_record(&mut expected).unwrap());
        assert_eq!(rows, 4);
    }

    #[test]
    fn chunk_rows_are_the_records_csv_reads() {
        // Random quote-free text: fields with inner and outer whitespace (vertical tab and
        // non-ASCII included, which are not trimmed), empty fields, empty lines, CRLF and LF
        // line ends, with or without a final line end.
        let pieces = [
            "a", "bc", " ", "\t", ",", ",", ";", "\n", "\r\n", "\n\n", "é", "\u{b}", "x y",
            "\u{a0}",
        ];
        let mut rng = Rng(11);
        for case in 0..400 {
            let text: String = (0..rng.next(60))
                .map(|_| pieces[rng.next(pieces.len() as u64) as usize])
                .collect();
            assert!(!needs_sequential(text.as_bytes()), "{text:?}");
            // Rows are on the lines that are not empty, numbered from 1 (csv's own positions
            // skip empty lines, so the numbers are checked against the text itself).
            let numbers: Vec<u64> = text
                .split('\n')
                .enumerate()
                .filter(|(_, line)| !line.trim_end_matches('\r').is_empty())
                .map(|(i, _)| i as u64 + 1)
                .collect();
            for delimiter in [b',', b';'] {
                let mut csv_reader = data_reader(text.as_bytes(), delimiter);
                let (mut raw, mut expected) = Default::default();
                let mut rows = ChunkRows::new(text.as_bytes(), delimiter);
                let mut fields = LineFields::default();
                let mut first_two = ChunkRows::new(text.as_bytes(), delimiter);
                let mut two = LineFields::default();
                let mut count = 0;
                while read_trimmed(&mut csv_reader, &mut raw, &mut expected).unwrap() {
                    assert!(rows.read(&mut fields), "case {case}: {text:?}");
                    let got: Vec<&[u8]> = (0..Fields::len(&fields))
                        .map(|i| Fields::get(&fields, i).unwrap())
                        .collect();
                    let want: Vec<&[u8]> = expected.iter().collect();
                    assert_eq!(got, want, "case {case}: {text:?}");
                    assert_eq!(fields.number, numbers[count], "case {case}: {text:?}");
                    assert!(first_two.read_first(&mut two, 2));
                    assert_eq!(
                        Fields::len(&two),
                        want.len().min(2),
                        "case {case}: {text:?}"
                    );
                    for (i, &field) in want.iter().enumerate() {
                        let expected = (i < 2).then_some(field);
                        assert_eq!(Fields::get(&two, i), expected, "case {case}: {text:?}");
                    }
                    count += 1;
                }
                assert_eq!(count, numbers.len(), "case {case}: {text:?}");
                assert!(!rows.read(&mut fields), "case {case}: {text:?}");
            }
        }
    }

    #[test]
    fn a_line_that_is_not_utf8_refuses_only_its_bad_field() {
        let mut rows = ChunkRows::new(b"a , \xff ,\xc3\xa9\n", b',');
        let mut fields = LineFields::default();
        assert!(rows.read(&mut fields));
        assert_eq!(fields.text(0), Some(Ok("a")));
        assert!(fields.text(1).is_some_and(|t| t.is_err()));
        assert_eq!(fields.text(2), Some(Ok("é")));
        assert_eq!(fields.text(3), None);
    }

    /// A small deterministic generator (SplitMix64).
    struct Rng(u64);

    impl Rng {
        fn next(&mut self, n: u64) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            (z ^ (z >> 31)) % n
        }
    }

    /// Runs `f` on a pool of `threads` workers.
    fn on<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(f)
    }

    /// A paths file of several chunks; `quoted` quotes the first path, which sends the whole
    /// file to the sequential reader.
    fn paths_text(rows: usize, quoted: bool) -> String {
        let mut rng = Rng(3);
        let mut text = String::from("path,total_conversions,total_conversion_value,total_null\n");
        for i in 0..rows {
            let len = 1 + rng.next(6);
            let path: Vec<String> = (0..len).map(|_| format!("ch{}", rng.next(40))).collect();
            let path = path.join(" > ");
            let path = if quoted && i == 0 {
                format!("\"{path}\"")
            } else {
                path
            };
            let conversions = rng.next(3);
            text.push_str(&format!(
                "{path},{conversions},{}.{},{}\n",
                rng.next(500),
                rng.next(100),
                rng.next(4)
            ));
        }
        text
    }

    fn read_all_paths(text: &str) -> Result<String> {
        let mut channels = ChannelTable::new();
        let mut rows = Vec::new();
        let summary = read_paths_file(
            text.as_bytes(),
            "p.csv",
            &PathsFormat::default(),
            &mut channels,
            |r| {
                rows.push(format!(
                    "{:?} {:?} {:?} {:?}",
                    r.touches,
                    r.conversions.to_bits(),
                    r.value.to_bits(),
                    r.nulls.to_bits()
                ))
            },
        )?;
        Ok(format!(
            "{:?}\n{:?}\n{:?}",
            channels.names(),
            rows,
            (
                summary.rows,
                summary.skipped_rows,
                summary.conversions.to_bits(),
                summary.value.to_bits(),
                summary.nulls.to_bits()
            )
        ))
    }

    #[test]
    fn paths_read_in_parallel_chunks_are_what_one_reader_gives_for_any_thread_count() {
        let text = paths_text(150_000, false);
        assert!(text.len() > 3 * CHUNK_BYTES, "several chunks");
        let sequential = read_all_paths(&paths_text(150_000, true)).unwrap();
        for threads in [1, 2, 4] {
            assert_eq!(on(threads, || read_all_paths(&text)).unwrap(), sequential);
        }
    }

    #[test]
    fn a_bad_row_in_a_late_chunk_is_the_sequential_readers_error() {
        let text = paths_text(150_000, false);
        let mut lines: Vec<&str> = text.lines().collect();
        lines[120_000] = "a > b,1,2,-3";
        lines[130_000] = "a > b,1,2";
        let bad = lines.join("\n") + "\n";
        let error = on(2, || read_all_paths(&bad)).unwrap_err().to_string();
        assert_eq!(
            error,
            "p.csv line 120001: total_null is -3; counts must be >= 0"
        );
        lines[120_000] = "a > b,1,2,3";
        let short = lines.join("\n") + "\n";
        let error = on(4, || read_all_paths(&short)).unwrap_err().to_string();
        assert_eq!(
            error,
            "p.csv line 130001: the row has 3 fields but the header has 4"
        );
    }

    /// `text` with its line `at` (0-based) replaced by `line`.
    fn replace_line(text: &str, at: usize, line: &str) -> String {
        let mut lines: Vec<&str> = text.lines().collect();
        lines[at] = line;
        lines.join("\n") + "\n"
    }

    /// A paths row with its path quoted.
    fn quote_path(row: &str) -> String {
        let (path, rest) = row.split_at(row.find(',').unwrap());
        format!("\"{path}\"{rest}")
    }

    #[test]
    fn rows_the_chunks_cannot_take_in_a_later_batch_are_read_on_sequentially() {
        // Seven chunks: batches of two on one thread, so the batch after the one that stops
        // has already been read when the rest goes to the sequential reader.
        let text = paths_text(300_000, false);
        assert!(text.len() > 6 * CHUNK_BYTES, "several batches");
        let expected = read_all_paths(&paths_text(300_000, true)).unwrap();
        for at in [100_000, 170_000, 260_000] {
            let row = text.lines().nth(at).unwrap();
            let with_quote = replace_line(&text, at, &quote_path(row));
            let bad = replace_line(&text, at, &format!("a > b,1,2,-{at}"));
            for threads in [1, 2] {
                assert_eq!(
                    on(threads, || read_all_paths(&with_quote)).unwrap(),
                    expected
                );
                assert_eq!(
                    on(threads, || read_all_paths(&bad))
                        .unwrap_err()
                        .to_string(),
                    format!(
                        "p.csv line {}: total_null is -{at}; counts must be >= 0",
                        at + 1
                    )
                );
            }
        }
    }

    #[test]
    fn a_line_longer_than_a_chunk_is_read_whole() {
        let long = format!("{},1,2,3", vec!["x"; CHUNK_BYTES].join(" > "));
        let text = replace_line(&paths_text(100_000, false), 50_000, &long);
        let first = text.lines().nth(1).unwrap();
        let sequential = read_all_paths(&replace_line(&text, 1, &quote_path(first))).unwrap();
        for threads in [1, 2] {
            assert_eq!(on(threads, || read_all_paths(&text)).unwrap(), sequential);
        }
    }

    /// A log sorted by user then time: user `u0` has enough events to span several chunks, the
    /// others a few each, with tied timestamps; `quoted` quotes the first touchpoint.
    fn events_text(quoted: bool) -> String {
        let mut rng = Rng(9);
        let mut text = String::from("user_id,timestamp,touchpoint,conversion,value,persona\n");
        for user in 0..12_000u64 {
            let events = if user == 0 { 100_000 } else { 1 + rng.next(12) };
            let mut time = 1_767_225_600 + rng.next(1_000_000);
            for e in 0..events {
                // A tie now and then.
                time += if rng.next(5) == 0 {
                    0
                } else {
                    rng.next(900_000)
                };
                let touch = format!("t{}", rng.next(9));
                let touch = if quoted && user == 0 && e == 0 {
                    format!("\"{touch}\"")
                } else {
                    touch
                };
                let converts = rng.next(8) == 0;
                text.push_str(&format!(
                    "u{user:06},{time},{touch},{},{},p{}\n",
                    u8::from(converts),
                    if converts { rng.next(90) } else { 0 },
                    rng.next(3)
                ));
            }
        }
        text
    }

    fn read_all_events(text: &str) -> Result<String> {
        read_all_events_within(text, &Memory::default())
    }

    fn read_all_events_within(text: &str, memory: &Memory) -> Result<String> {
        let format = EventsFormat {
            segment_col: Some("persona".into()),
            ..EventsFormat::default()
        };
        let mut channels = ChannelTable::new();
        let mut out = Vec::new();
        let summary = read_events_bytes_within(
            text.as_bytes(),
            "e.csv",
            &format,
            memory,
            &mut channels,
            |j| out.push(format!("{:?} {:?} {:?}", j.row, j.times, j.segment)),
        )?;
        Ok(format!("{:?}\n{out:?}\n{summary:?}", channels.names()))
    }

    #[test]
    fn a_sorted_log_cut_from_parallel_chunks_is_what_one_reader_gives() {
        let text = events_text(false);
        assert!(text.len() > 3 * CHUNK_BYTES, "several chunks");
        // u0's events alone fill more than a chunk: they straddle at least one boundary.
        assert!(text.find("\nu000001,").unwrap() > CHUNK_BYTES + 100);
        let sequential = read_all_events(&events_text(true)).unwrap();
        assert!(sequential.contains("unsorted: None"));
        for threads in [1, 2, 4] {
            assert_eq!(on(threads, || read_all_events(&text)).unwrap(), sequential);
        }
    }

    #[test]
    fn a_sorted_log_too_large_to_keep_is_read_again_with_the_same_result() {
        let text = events_text(false);
        let rows = text.lines().count() - 1;
        let kept = check_order(
            text.as_bytes(),
            None,
            "e.csv",
            &EventsFormat::default(),
            u64::MAX,
        )
        .unwrap()
        .rows
        .expect("the rows fit an unlimited budget");
        assert_eq!(kept.rows(), rows);
        let size = text.len() as u64;
        let check = |size, budget| {
            check_order(
                text.as_bytes(),
                size,
                "e.csv",
                &EventsFormat::default(),
                budget,
            )
            .unwrap()
            .rows
            .is_some()
        };
        // With the log's size known, rows are kept while all of them would fit at the rate
        // seen so far: a log said to be ten times longer would not fit twice its rows' size.
        let needed = kept.heap_bytes();
        assert!(check(Some(size), 2 * needed));
        assert!(!check(Some(10 * size), 2 * needed));
        assert!(check(None, needed));
        assert!(!check(None, needed - 1));
        let expected = read_all_events(&text).unwrap();
        // A budget of one byte keeps nothing; two chunks' worth gives up after the first ones.
        for limit in [1, 2 * CHUNK_BYTES as u64] {
            let memory = Memory {
                limit,
                temp_dir: None,
            };
            let check = check_order(
                text.as_bytes(),
                None,
                "e.csv",
                &EventsFormat::default(),
                limit,
            );
            assert!(check.unwrap().rows.is_none(), "limit {limit}");
            for threads in [1, 2] {
                let got = on(threads, || read_all_events_within(&text, &memory)).unwrap();
                assert_eq!(got, expected, "limit {limit}, {threads} threads");
            }
        }
    }

    #[test]
    fn a_row_with_too_many_fields_is_the_sequential_readers_error_sorted_or_not() {
        // The order check reads only users and times: the row with an extra field is reported
        // by the cut of a sorted log, or by the grouping of an unsorted one, word for word as
        // one sequential reader reports it (the reference: a quote in the first row).
        let wide = 150_000;
        for unsorted in [None, Some(100_000), Some(160_000)] {
            let change = |text: String| {
                let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
                lines[wide].push_str(",extra");
                if let Some(at) = unsorted {
                    lines.swap(at, at + 50);
                }
                lines.join("\n") + "\n"
            };
            let expected = read_all_events(&change(events_text(true))).unwrap_err();
            assert!(
                expected
                    .to_string()
                    .contains(&format!("line {}:", wide + 1)),
                "{expected}"
            );
            for threads in [1, 2] {
                for limit in [1, u64::MAX] {
                    let memory = Memory {
                        limit,
                        temp_dir: None,
                    };
                    let text = change(events_text(false));
                    let error = on(threads, || read_all_events_within(&text, &memory));
                    assert_eq!(
                        error.unwrap_err().to_string(),
                        expected.to_string(),
                        "{unsorted:?}, {threads} threads, limit {limit}"
                    );
                }
            }
        }
    }

    #[test]
    fn the_order_check_finds_the_first_row_out_of_order_in_a_late_chunk() {
        let text = events_text(false);
        let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
        // Swap two users' rows far into the file: the first out of order is the later user's
        // row moved up.
        let (a, b) = (150_000, 150_050);
        assert_ne!(lines[a].split(',').next(), lines[b].split(',').next());
        lines.swap(a, b);
        let swapped = lines.join("\n") + "\n";
        let format = EventsFormat::default();
        let parallel = on(4, || {
            check_order(swapped.as_bytes(), None, "e.csv", &format, u64::MAX)
        });
        let (user, rest) = lines[1].split_once(',').unwrap();
        lines[1] = format!("\"{user}\",{rest}");
        let quoted = lines.join("\n") + "\n";
        let sequential = check_order(quoted.as_bytes(), None, "e.csv", &format, u64::MAX);
        let found = parallel.unwrap().unsorted;
        assert!(
            found.is_some_and(|line| line > 2 && line <= (b + 1) as u64),
            "{found:?}"
        );
        assert_eq!(found, sequential.unwrap().unsorted);
    }
}
