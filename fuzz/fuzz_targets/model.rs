//! Model files: the bytes are a model file, parsed and checked into a chain as `--model` loads
//! it. Errors are fine; only a panic (or a hang, or runaway memory) is a finding.

#![no_main]

use journeysim_io::model_file::parse_model;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // A file that is not UTF-8 is refused by the read before any parsing.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(document) = parse_model(text, "model.json") {
        let _ = document.into_chain("model.json");
    }
});
