//! Parquet in and out (crates/io/src/parquet_table.rs): the shipped event log written as Parquet
//! with each kind of column a writer may choose (timestamps of every unit with and without a
//! zone, integer epoch seconds and milliseconds, dictionary, large and plain strings, integer,
//! boolean, float and decimal counts and values, nulls, several row groups, sorted and shuffled
//! rows) gives every command the bytes the CSV gives; the paths table goes out as Parquet and
//! back; and a Parquet file that is not what it should be is a clear error (exit 2, no output).

use std::path::Path;
use std::sync::Arc;

use arrow_array::builder::{ListBuilder, StringBuilder};
use arrow_array::types::Int32Type;
use arrow_array::{
    ArrayRef, BooleanArray, Decimal128Array, DictionaryArray, Float32Array, Float64Array,
    Int64Array, LargeStringArray, RecordBatch, StringArray, TimestampMicrosecondArray,
    TimestampMillisecondArray, TimestampNanosecondArray,
};
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::file::properties::WriterProperties;

use super::support::{SplitMix64, run, shuffled};

const EVENTS: &str = "data/sample_events.csv";

/// One row of the shipped event log.
#[derive(Clone)]
struct Event {
    user: String,
    /// Unix seconds (the log's times are whole seconds).
    seconds: i64,
    touchpoint: String,
    persona: String,
    conversion: i64,
    /// The value, `None` where the log has 0 on a row that does not convert.
    value: Option<f64>,
}

fn shipped_events() -> Vec<Event> {
    let mut reader = csv::Reader::from_path(EVENTS).unwrap();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            let seconds = journeysim_io::time::parse_timestamp(&r[1]).unwrap();
            assert_eq!(seconds.fract(), 0.0);
            let conversion: i64 = r[5].parse().unwrap();
            let value: f64 = r[6].parse().unwrap();
            Event {
                user: r[0].to_owned(),
                seconds: seconds as i64,
                touchpoint: r[2].to_owned(),
                persona: r[4].to_owned(),
                conversion,
                value: (conversion != 0 || value != 0.0).then_some(value),
            }
        })
        .collect()
}

/// How a writer may store the columns.
#[derive(Clone, Copy, Debug)]
enum Layout {
    /// Timestamps in ms with zone UTC, dictionary touchpoints, integer conversions, doubles.
    MillisUtc,
    /// Timestamps in us without a zone, large strings, boolean conversions, decimal values.
    MicrosNaive,
    /// Timestamps in ns with a +02:00 zone (the instant is still UTC), dictionary users,
    /// double conversions, float values.
    NanosZoned,
    /// Integer Unix seconds.
    EpochSeconds,
    /// Integer Unix milliseconds.
    EpochMillis,
}

fn column(layout: Layout, events: &[Event]) -> Vec<(Field, ArrayRef)> {
    let users = || events.iter().map(|e| e.user.as_str());
    let touches = || events.iter().map(|e| e.touchpoint.as_str());
    let user: ArrayRef = match layout {
        Layout::NanosZoned => Arc::new(users().collect::<DictionaryArray<Int32Type>>()),
        _ => Arc::new(StringArray::from_iter_values(users())),
    };
    let time: ArrayRef = match layout {
        Layout::MillisUtc => Arc::new(
            TimestampMillisecondArray::from_iter_values(events.iter().map(|e| e.seconds * 1000))
                .with_timezone("UTC"),
        ),
        Layout::MicrosNaive => Arc::new(TimestampMicrosecondArray::from_iter_values(
            events.iter().map(|e| e.seconds * 1_000_000),
        )),
        Layout::NanosZoned => Arc::new(
            TimestampNanosecondArray::from_iter_values(
                events.iter().map(|e| e.seconds * 1_000_000_000),
            )
            .with_timezone("+02:00"),
        ),
        Layout::EpochSeconds => Arc::new(Int64Array::from_iter_values(
            events.iter().map(|e| e.seconds),
        )),
        Layout::EpochMillis => Arc::new(Int64Array::from_iter_values(
            events.iter().map(|e| e.seconds * 1000),
        )),
    };
    let touchpoint: ArrayRef = match layout {
        Layout::MillisUtc => Arc::new(touches().collect::<DictionaryArray<Int32Type>>()),
        Layout::MicrosNaive => Arc::new(LargeStringArray::from_iter_values(touches())),
        _ => Arc::new(StringArray::from_iter_values(touches())),
    };
    let conversion: ArrayRef = match layout {
        Layout::MicrosNaive => Arc::new(BooleanArray::from_iter(
            events.iter().map(|e| Some(e.conversion == 1)),
        )),
        Layout::NanosZoned => Arc::new(Float64Array::from_iter_values(
            events.iter().map(|e| e.conversion as f64),
        )),
        _ => Arc::new(Int64Array::from_iter_values(
            events.iter().map(|e| e.conversion),
        )),
    };
    let value: ArrayRef = match layout {
        Layout::MicrosNaive => Arc::new(
            Decimal128Array::from_iter(
                events
                    .iter()
                    .map(|e| e.value.map(|v| (v * 100.0).round() as i128)),
            )
            .with_precision_and_scale(12, 2)
            .unwrap(),
        ),
        Layout::NanosZoned => Arc::new(Float32Array::from_iter(
            events.iter().map(|e| e.value.map(|v| v as f32)),
        )),
        _ => Arc::new(Float64Array::from_iter(events.iter().map(|e| e.value))),
    };
    let persona: ArrayRef = Arc::new(StringArray::from_iter_values(
        events.iter().map(|e| e.persona.as_str()),
    ));
    let named = |name: &str, array: ArrayRef| {
        (
            Field::new(name, array.data_type().clone(), array.null_count() > 0),
            array,
        )
    };
    vec![
        named("user_id", user),
        named("timestamp", time),
        named("touchpoint", touchpoint),
        named("persona", persona),
        named("conversion", conversion),
        named("value", value),
    ]
}

/// Writes `columns` as a Parquet file in row groups of `group` rows.
fn write_parquet(path: &Path, columns: Vec<(Field, ArrayRef)>, group: usize) {
    let (fields, arrays): (Vec<Field>, Vec<ArrayRef>) = columns.into_iter().unzip();
    let batch = RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays).unwrap();
    let properties = WriterProperties::builder()
        .set_max_row_group_row_count(Some(group))
        .build();
    let file = std::fs::File::create(path).unwrap();
    let mut writer = ArrowWriter::try_new(file, batch.schema(), Some(properties)).unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
}

fn stdout_of(args: &[&str]) -> Vec<u8> {
    let out = run(args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Runs `args` expecting exit 2, no output, and a message containing each of `wanted`.
fn refused(args: &[&str], wanted: &[&str]) {
    let out = run(args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(out.stdout.is_empty(), "{args:?} wrote output");
    for w in wanted {
        assert!(stderr.contains(w), "{args:?}: wanted {w:?} in {stderr}");
    }
}

#[test]
fn every_layout_of_the_event_log_gives_the_csv_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let events = shipped_events();
    let commands: &[&[&str]] = &[
        &["aggregate", "--segment-col", "persona"],
        &["attribute", "--format", "csv"],
        &["paths", "--top", "15", "--format", "csv"],
    ];
    let expected: Vec<Vec<u8>> = commands
        .iter()
        .map(|c| stdout_of(&[&[c[0], "--events", EVENTS], &c[1..]].concat()))
        .collect();
    for (i, layout) in [
        Layout::MillisUtc,
        Layout::MicrosNaive,
        Layout::NanosZoned,
        Layout::EpochSeconds,
        Layout::EpochMillis,
    ]
    .into_iter()
    .enumerate()
    {
        // Sorted and shuffled rows: the streaming and the grouping readers.
        for rows in [events.clone(), shuffled(&events, i as u64 + 1)] {
            let path = dir.path().join(format!("{layout:?}.parquet"));
            write_parquet(&path, column(layout, &rows), 1000);
            let path = path.to_str().unwrap();
            for (command, want) in commands.iter().zip(&expected) {
                let args = [&[command[0], "--events", path], &command[1..]].concat();
                let got = stdout_of(&args);
                assert!(
                    got == *want,
                    "{layout:?} {args:?}:\n{}\nvs CSV\n{}",
                    String::from_utf8_lossy(&got),
                    String::from_utf8_lossy(want)
                );
            }
        }
    }
}

#[test]
fn parquet_on_standard_input_partitioned_and_buffered_for_order_auto_reads_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.parquet");
    write_parquet(
        &path,
        column(Layout::MillisUtc, &shuffled(&shipped_events(), 9)),
        700,
    );
    let path = path.to_str().unwrap();
    let want = stdout_of(&["fit", "--events", EVENTS, "--format", "json"]);
    let bytes = std::fs::read(path).unwrap();
    let out = assert_cmd::Command::cargo_bin("journeysim")
        .unwrap()
        .args(["fit", "--events", "-", "--format", "json"])
        .write_stdin(bytes)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The model names its input; everything else is the CSV's.
    let strip = |b: &[u8]| String::from_utf8_lossy(b).replace("<stdin>", EVENTS);
    assert_eq!(strip(&out.stdout), strip(&want));
    let spill = tempfile::tempdir().unwrap();
    let partitioned = stdout_of(&[
        "fit",
        "--events",
        path,
        "--format",
        "json",
        "--memory-limit",
        "4KB",
        "--temp-dir",
        spill.path().to_str().unwrap(),
    ]);
    assert_eq!(strip(&partitioned).replace(path, EVENTS), strip(&want));
    assert!(std::fs::read_dir(spill.path()).unwrap().next().is_none());
    let auto = |input: &str| {
        String::from_utf8(stdout_of(&[
            "fit", "--events", input, "--order", "auto", "--format", "json",
        ]))
        .unwrap()
        .replace(input, "INPUT")
    };
    assert_eq!(auto(path), auto(EVENTS));
}

#[test]
fn the_paths_table_goes_out_as_parquet_and_reads_back_to_the_same_figures() {
    let dir = tempfile::tempdir().unwrap();
    let csv_out = dir.path().join("paths.csv");
    let parquet_out = dir.path().join("paths.parquet");
    for out in [&csv_out, &parquet_out] {
        stdout_of(&[
            "aggregate",
            "--events",
            EVENTS,
            "--segment-col",
            "persona",
            "--out",
            out.to_str().unwrap(),
        ]);
    }
    // The Parquet file's columns, read by the parquet crate, are the CSV's rows.
    let file = std::fs::File::open(&parquet_out).unwrap();
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .build()
        .unwrap();
    let mut rows = Vec::new();
    for batch in reader {
        let batch = batch.unwrap();
        assert_eq!(
            batch
                .schema()
                .fields()
                .iter()
                .map(|f| f.name().as_str())
                .collect::<Vec<_>>(),
            [
                "path",
                "total_conversions",
                "total_conversion_value",
                "total_null",
                "persona"
            ]
        );
        let text = |i: usize, row: usize| {
            batch
                .column(i)
                .as_any()
                .downcast_ref::<StringArray>()
                .unwrap()
                .value(row)
                .to_owned()
        };
        let number = |i: usize, row: usize| {
            let x = batch
                .column(i)
                .as_any()
                .downcast_ref::<Float64Array>()
                .unwrap()
                .value(row);
            x.to_string()
        };
        for row in 0..batch.num_rows() {
            rows.push(vec![
                text(0, row),
                number(1, row),
                number(2, row),
                number(3, row),
                text(4, row),
            ]);
        }
    }
    let mut csv_rows = Vec::new();
    for record in csv::Reader::from_path(&csv_out).unwrap().records() {
        csv_rows.push(
            record
                .unwrap()
                .iter()
                .map(str::to_owned)
                .collect::<Vec<_>>(),
        );
    }
    assert!(csv_rows.len() > 100);
    assert_eq!(rows, csv_rows);
    // Every command reads the Parquet paths table as it reads the CSV (by content, whatever the
    // name: the Parquet copy is also given a .csv name).
    let disguised = dir.path().join("really_parquet.csv");
    std::fs::copy(&parquet_out, &disguised).unwrap();
    for command in [
        &["attribute", "--format", "csv"][..],
        &["fit", "--order", "auto", "--format", "json"],
    ] {
        let on = |input: &Path| {
            let input = input.to_str().unwrap();
            String::from_utf8(stdout_of(&[&[command[0], input], &command[1..]].concat()))
                .unwrap()
                .replace(input, "INPUT")
        };
        assert_eq!(on(&parquet_out), on(&csv_out), "{command:?}");
        assert_eq!(on(&disguised), on(&csv_out), "{command:?}");
    }
    refused(
        &[
            "aggregate",
            "--events",
            EVENTS,
            "--format",
            "csv",
            "--out",
            dir.path().join("x.parquet").to_str().unwrap(),
        ],
        &["--format does not apply to --out FILE.parquet"],
    );
    assert!(!dir.path().join("x.parquet").exists());
}

#[test]
fn a_parquet_file_that_is_not_what_it_should_be_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let at = |name: &str| dir.path().join(name).to_str().unwrap().to_owned();
    let events = shipped_events()[..50].to_vec();

    // A missing column: the message lists the file's columns and the flag that renames one.
    let mut columns = column(Layout::MillisUtc, &events);
    columns.retain(|(f, _)| f.name() != "touchpoint");
    write_parquet(Path::new(&at("missing.parquet")), columns, 1000);
    refused(
        &["attribute", "--events", &at("missing.parquet")],
        &[
            "missing.parquet: no column 'touchpoint' among the file's columns; columns found: ",
            "user_id, timestamp, persona, conversion, value",
            "--touchpoint-col",
        ],
    );

    // A column of a type with no text form.
    let mut lists = ListBuilder::new(StringBuilder::new());
    for e in &events {
        lists.values().append_value(&e.touchpoint);
        lists.append(true);
    }
    let mut columns = column(Layout::MillisUtc, &events);
    let list: ArrayRef = Arc::new(lists.finish());
    columns[2] = (
        Field::new("touchpoint", list.data_type().clone(), true),
        list,
    );
    write_parquet(Path::new(&at("list.parquet")), columns, 1000);
    refused(
        &["attribute", "--events", &at("list.parquet")],
        &["column 'touchpoint' is of Parquet type List"],
    );

    // A bad cell: the message names the file's row (1-based), not a line of text.
    let mut columns = column(Layout::MillisUtc, &events);
    let conversions: ArrayRef = Arc::new(StringArray::from_iter_values(
        (0..events.len()).map(|i| if i == 2 { "yes" } else { "0" }),
    ));
    columns[4] = (Field::new("conversion", DataType::Utf8, false), conversions);
    write_parquet(Path::new(&at("bad_cell.parquet")), columns, 1000);
    refused(
        &["attribute", "--events", &at("bad_cell.parquet")],
        &["bad_cell.parquet row 3: ", "'yes'"],
    );

    // Not Parquet past its magic bytes, and a valid file cut short.
    std::fs::write(at("garbage.parquet"), b"PAR1 this is not a parquet file").unwrap();
    refused(
        &["attribute", "--events", &at("garbage.parquet")],
        &["garbage.parquet: not a readable Parquet file"],
    );
    write_parquet(
        Path::new(&at("whole.parquet")),
        column(Layout::MillisUtc, &events),
        1000,
    );
    let whole = std::fs::read(at("whole.parquet")).unwrap();
    std::fs::write(at("cut.parquet"), &whole[..whole.len() / 2]).unwrap();
    refused(
        &["attribute", at("cut.parquet").as_str()],
        &["cut.parquet: not a readable Parquet file"],
    );

    // A delimiter cannot apply to Parquet.
    refused(
        &[
            "attribute",
            "--events",
            &at("whole.parquet"),
            "--delimiter",
            ";",
        ],
        &["--delimiter does not apply to a Parquet file"],
    );
}

#[test]
fn corrupt_parquet_is_an_error_never_a_panic() {
    // The parquet crate panics on some corrupt files ("Num of bytes exceed MAX_VLQ_BYTE_LEN" on
    // this one, a valid file with a few bytes changed); the reader turns that into an error.
    refused(
        &["aggregate", "--events", "tests/data/corrupt_vlq.parquet"],
        &["corrupt_vlq.parquet: not a readable Parquet file: the decoder stopped on corrupt data"],
    );
    let out = run(&["aggregate", "--events", "tests/data/corrupt_vlq.parquet"]);
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));

    // Deterministic damage to a valid file: every run ends with its output or exit code 2.
    let dir = tempfile::tempdir().unwrap();
    let valid = dir.path().join("valid.parquet");
    write_parquet(
        &valid,
        column(Layout::MillisUtc, &shipped_events()[..2000]),
        500,
    );
    let bytes = std::fs::read(&valid).unwrap();
    let damaged = dir.path().join("damaged.parquet");
    let mut stream = SplitMix64(7);
    let mut next = || stream.next();
    let mut refused_count = 0;
    for _ in 0..150 {
        let mut copy = bytes.clone();
        for _ in 0..1 + next() % 8 {
            let at = 4 + (next() as usize) % (copy.len() - 8);
            copy[at] = next() as u8;
        }
        std::fs::write(&damaged, &copy).unwrap();
        let out = run(&["aggregate", "--events", damaged.to_str().unwrap()]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(matches!(out.status.code(), Some(0 | 2)), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        if out.status.code() == Some(2) {
            refused_count += 1;
            assert!(out.stdout.is_empty());
        }
    }
    // Most damage is caught (checksums are not written by default, so some passes as data).
    assert!(refused_count > 75, "{refused_count} of 150 refused");
}
