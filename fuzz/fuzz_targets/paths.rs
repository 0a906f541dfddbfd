//! Aggregated paths CSV: the bytes are a whole paths file, read by the real reader and fitted
//! (orders 1 and 2), so the totals and the channel table are exercised too. Errors are fine; only
//! a panic (or a hang, or runaway memory) is a finding.

#![no_main]

use journeysim_core::model::fit::{FitOptions, fit_paths};
use journeysim_io::paths::{PathsFormat, PathsReader};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for order in [1, 2] {
        let reader = PathsReader::new(data, "paths.csv", &PathsFormat::default());
        let _ = fit_paths(reader, FitOptions::order(order), |_| {});
    }
});
