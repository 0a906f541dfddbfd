//! Journey map files: the bytes are a map, parsed and validated as `--map` reads it. Errors are
//! fine; only a panic (or a hang, or runaway memory) is a finding.

#![no_main]

use journeysim_io::map_file::parse_map;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // A file that is not UTF-8 is refused by the read before any parsing.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = parse_map(text, "map.json");
});
