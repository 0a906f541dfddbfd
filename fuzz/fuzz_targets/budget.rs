//! Budget plan files: the bytes are a plan, parsed and checked as `--budget` reads it; a plan
//! that parses is then bound to a small fixed chain (channels a, b, c) and evaluated at today's
//! spends and at every channel's bounds, as `whatif --budget` and `optimize` do.
//! Errors are fine; only a panic (or a hang, or runaway memory) is a finding.

#![no_main]

use journeysim_core::budget::period::{PeriodModel, Volume};
use journeysim_core::journey::MemoryPaths;
use journeysim_core::model::{FitOptions, fit_paths};
use journeysim_io::budget_file::parse_plan;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // A file that is not UTF-8 is refused by the read before any parsing.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(plan) = parse_plan(text, "plan.json") else {
        return;
    };
    let rows: [(&[&str], f64, f64, f64); 3] = [
        (&["a", "b"], 3.0, 30.0, 2.0),
        (&["b", "c", "a"], 1.0, 5.0, 4.0),
        (&["c"], 0.5, 1.0, 3.0),
    ];
    let chain = fit_paths(MemoryPaths::new("fuzz", &rows), FitOptions::order(1), |_| {})
        .expect("the fixed rows fit")
        .chain;
    let Ok(model) = PeriodModel::new(&plan, &[(1.0, &chain)], Volume::Observed(13.5)) else {
        return;
    };
    let _ = model.evaluate(&plan.today());
    let low: Vec<f64> = plan.channels.iter().map(|c| c.min).collect();
    let high: Vec<f64> = plan.channels.iter().map(|c| c.max).collect();
    let _ = model.evaluate_with_gradient(&low);
    let _ = model.evaluate_with_gradient(&high);
    let _ = model.arms(&high);
});
