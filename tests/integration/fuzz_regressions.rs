//! Inputs the fuzzers (`fuzz/`) crashed on, kept in `fuzz/regressions/TARGET/`: each is fed to
//! the same parser its target feeds, which must give an error (or, for a timestamp, `None`),
//! never a panic. See `fuzz/README.md`.

use std::path::Path;

use journeysim_core::model::fit::{FitOptions, fit_paths};
use journeysim_io::events::{EventsFormat, EventsReader};
use journeysim_io::time::parse_timestamp;

/// The bytes of reproducer `name` of fuzz target `target`.
fn reproducer(target: &str, name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/regressions")
        .join(target)
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The error the events target's path (read, cut, fit) gives on `bytes`, as text.
fn events_error(bytes: Vec<u8>) -> String {
    let format = EventsFormat {
        segment_col: Some("persona".into()),
        ..EventsFormat::default()
    };
    let reader = EventsReader::from_bytes(bytes, "events.csv", &format);
    match fit_paths(reader, FitOptions::order(1), |_| {}) {
        Ok(_) => panic!("the reproducer was read as a valid log"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn timestamp_with_a_multi_byte_character_inside_a_field_is_refused() {
    let bytes = reproducer("timestamps", "non_ascii_inside_a_field");
    let text = std::str::from_utf8(&bytes).unwrap();
    assert!(
        !text.is_ascii(),
        "the reproducer holds a multi-byte character"
    );
    assert_eq!(parse_timestamp(text), None);
}

#[test]
fn event_log_with_a_multi_byte_character_in_a_timestamp_is_an_error_naming_the_line() {
    let message = events_error(reproducer("events", "non_ascii_in_a_timestamp.csv"));
    assert!(
        message.starts_with("events.csv line 10: timestamp "),
        "{message}"
    );
}
