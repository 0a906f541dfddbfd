//! Scenario files: the bytes are a scenario, parsed and checked as `whatif --scenario` reads it.
//! Errors are fine; only a panic (or a hang, or runaway memory) is a finding.

#![no_main]

use journeysim_io::scenario_file::parse_scenario;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // A file that is not UTF-8 is refused by the read before any parsing.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = parse_scenario(text, "scenario.json");
});
