//! Parquet: the bytes are a whole file, read as an event log and as a paths table by the real
//! readers (`from_bytes` recognises Parquet by its magic bytes), then fitted. The corpus holds
//! small valid files (plain, Snappy and zstd; dictionary strings, timestamps, nulls). The
//! parquet crate's own panics on corrupt data are caught and reported as errors by the reader,
//! so only a panic that escapes it (or a hang, or runaway memory) is a finding.

#![no_main]

use std::sync::Once;

use journeysim_core::model::fit::{FitOptions, fit_paths};
use journeysim_io::events::{EventsFormat, EventsReader};
use journeysim_io::paths::{PathsFormat, PathsReader};
use libfuzzer_sys::fuzz_target;

static QUIET: Once = Once::new();

fuzz_target!(|data: &[u8]| {
    // After libFuzzer's abort-on-panic hook is installed: the decoder's caught panics pass.
    QUIET.call_once(journeysim_io::parquet_table::quiet_decoder_panics);
    let events =
        EventsReader::from_bytes(data.to_vec(), "events.parquet", &EventsFormat::default());
    let _ = fit_paths(events, FitOptions::order(1), |_| {});
    if let Ok(paths) =
        PathsReader::from_bytes(data.to_vec(), "paths.parquet", &PathsFormat::default())
    {
        let _ = fit_paths(paths, FitOptions::order(1), |_| {});
    }
});
