//! Costs files: the bytes are a `channel,cost` CSV, read and checked as `--costs` reads it, then
//! matched with a data's channels as every priced command does. Errors are fine; only a panic
//! (or a hang, or runaway memory) is a finding.

#![no_main]

use journeysim_io::cost_file::parse_costs;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(costs) = parse_costs(data, "costs.csv", None) {
        let _ = costs.resolve(["email", "display", "search_paid"]);
    }
});
