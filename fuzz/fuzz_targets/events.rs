//! Event log CSV: the bytes are a whole log (with an optional `persona` segment column), read by
//! the real reader (the order check, then the streaming or the grouped pass) and fitted, so the
//! journey cutting, the totals and the channel table are exercised too. Errors are fine; only a
//! panic (or a hang, or runaway memory) is a finding.

#![no_main]

use journeysim_core::model::fit::{FitOptions, fit_paths};
use journeysim_io::events::{EventsFormat, EventsReader};
use libfuzzer_sys::fuzz_target;

static QUIET: std::sync::Once = std::sync::Once::new();

fuzz_target!(|data: &[u8]| {
    // Bytes starting with PAR1 are read as Parquet (the `parquet` target covers that); the
    // decoder's panics on corrupt data are caught by the reader, past libFuzzer's abort hook.
    QUIET.call_once(journeysim_io::parquet_table::quiet_decoder_panics);
    // With a segment column only when the header names one, so inputs without it still reach
    // the rows.
    let first_line = data.split(|&b| b == b'\n').next().unwrap_or_default();
    let segmented = first_line.windows(7).any(|w| w == b"persona");
    let format = EventsFormat {
        segment_col: segmented.then(|| "persona".to_owned()),
        ..EventsFormat::default()
    };
    let reader = EventsReader::from_bytes(data.to_vec(), "events.csv", &format);
    let _ = fit_paths(reader, FitOptions::order(1), |_| {});
});
