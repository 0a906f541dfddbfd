//! Timestamps: the bytes are one event log time field, parsed as the events reader parses it.
//! `None` is fine; only a panic (or a hang) is a finding.

#![no_main]

use journeysim_io::time::parse_timestamp;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The CSV reader hands the time field on as text only when it is UTF-8.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = parse_timestamp(text);
});
