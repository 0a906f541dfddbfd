//! Journey maps in the simulation commands: `simulate --map` walks the persona mixture,
//! `whatif --map` changes every persona, `graph --map` draws the population's flow chain. Each is
//! checked against the map's exact truth or against data generated from the map.

use assert_cmd::Command;
use serde_json::Value;

use journeysim_core::journey_map::JourneyMap;
use journeysim_core::journey_map::generate::generate_paths;
use journeysim_core::model::{FitOptions, fit_paths};
use journeysim_io::generated::paths_csv;
use journeysim_io::paths::{PathsFormat, PathsReader};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn map() -> JourneyMap {
    journeysim_io::map_file::read_map(&format!("{ROOT}/scenarios/journey_map.json")).unwrap()
}

fn run(args: &[&str]) -> Value {
    let output = Command::cargo_bin("journeysim")
        .unwrap()
        .current_dir(ROOT)
        .args(args)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap()
}

/// The mixture's simulated conversion rate and every touchpoint's removal effect lie within 4
/// standard errors of the map's truth (share-weighted over personas), and the exact block is
/// that truth.
#[test]
fn simulate_map_walks_the_persona_mixture() {
    let truth = map().truth().unwrap();
    let json = run(&[
        "simulate",
        "--map",
        "scenarios/journey_map.json",
        "--journeys",
        "400000",
        "--seed",
        "5",
        "--format",
        "json",
    ]);
    let p = truth.conversion_probability;
    assert!((f(&json["exact"]["conversion_probability"]) - p).abs() < 1e-12);
    let n = f(&json["journeys"]);
    let rate = f(&json["conversion_rate"]);
    assert!(
        (rate - p).abs() <= 4.0 * (p * (1.0 - p) / n).sqrt(),
        "{rate} vs {p}"
    );
    let conversions = f(&json["conversions"]);
    for t in &truth.touchpoints {
        let c = json["channels"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["channel"] == t.touchpoint.as_str())
            .unwrap();
        let (re, want) = (f(&c["removal_effect"]), t.removal_effect);
        let se = (want * (1.0 - want) / conversions).sqrt().max(1e-9);
        assert!(
            (re - want).abs() <= 4.0 * se,
            "{}: {re} vs {want}",
            t.touchpoint
        );
        assert!((f(&c["exact_removal_effect"]) - want).abs() < 1e-12);
    }
}

/// Checkout abandonment -20% applied to every persona: the paired difference agrees with the
/// exact one within 4 of its standard errors, and the baseline is the map's truth.
#[test]
fn whatif_map_changes_every_persona() {
    let truth = map().truth().unwrap();
    let json = run(&[
        "whatif",
        "--map",
        "scenarios/journey_map.json",
        "--scenario",
        "scenarios/checkout_abandonment.json",
        "--journeys",
        "300000",
        "--format",
        "json",
    ]);
    let s = &json["scenarios"][0];
    assert!(
        (f(&s["baseline"]["conversion_probability"]) - truth.conversion_probability).abs() < 1e-12
    );
    assert!(f(&s["scenario"]["conversion_probability"]) > truth.conversion_probability);
    let d = &s["difference"];
    let se = (f(&d["conversions_ci"][1]) - f(&d["conversions_ci"][0])) / 2.0 / 1.959964;
    let gap = (f(&d["conversions"]) - f(&d["expected_conversions"])).abs();
    assert!(
        gap <= 4.0 * se,
        "{} vs {}",
        d["conversions"],
        d["expected_conversions"]
    );
    assert_eq!(f(&json["journeys"]), 300_000.0);
}

/// The flow chain's rows are the transition frequencies of journeys generated from the map: a
/// first-order fit (repeats kept) of 300k generated journeys agrees with every row entry of
/// the flow chain within 4 binomial standard errors of the fitted state's outgoing count.
#[test]
fn graph_map_draws_the_flow_chain_that_generated_data_show() {
    let map = map();
    let flow = map.flow_chain().unwrap();
    flow.check().unwrap();
    let (counts, _) = generate_paths(&map, 300_000, 9);
    let csv = paths_csv(&map, &counts).unwrap();
    let options = FitOptions {
        order: 1,
        keep_repeats: true,
        value_distribution: false,
    };
    let fitted = fit_paths(
        PathsReader::new(csv.as_slice(), "generated", &PathsFormat::default()),
        options,
        |_| {},
    )
    .unwrap()
    .chain;
    for s in 0..fitted.n_states() as u32 {
        let name = fitted.state_name(s);
        let flow_state = (0..flow.n_states() as u32)
            .find(|&t| flow.state_name(t) == name)
            .unwrap();
        let range = fitted.row_range(s);
        let (targets, weights) = (&fitted.targets()[range.clone()], &fitted.weights()[range]);
        let out: f64 = weights.iter().sum();
        let (flow_targets, flow_probs) = flow.row(flow_state);
        let target_name = |chain: &journeysim_core::Chain, t: u32| {
            if t == chain.conversion() {
                "(conversion)".to_string()
            } else if t == chain.null() {
                "(null)".to_string()
            } else {
                chain.state_name(t)
            }
        };
        for (&ft, &fp) in flow_targets.iter().zip(flow_probs) {
            let want = target_name(&flow, ft);
            let observed = targets
                .iter()
                .zip(weights)
                .find(|(t, _)| target_name(&fitted, **t) == want)
                .map_or(0.0, |(_, w)| w / out);
            let se = (fp * (1.0 - fp) / out).sqrt();
            assert!(
                (observed - fp).abs() <= 4.0 * se + 1e-12,
                "{name} -> {want}: observed {observed}, flow {fp} (n {out})"
            );
        }
    }
    let output = Command::cargo_bin("journeysim")
        .unwrap()
        .current_dir(ROOT)
        .args([
            "graph",
            "--map",
            "scenarios/journey_map.json",
            "--format",
            "dot",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8(output.stdout).unwrap();
    for t in ["checkout", "live_chat", "loyalty_programme"] {
        assert!(text.contains(t), "{t} missing from the graph");
    }
}

/// An event log is accepted wherever paths are: `simulate --events` fits the same chain as
/// `attribute --events`, so its exact conversion probability is the attribution's.
#[test]
fn simulate_reads_event_logs_like_attribute() {
    let attribution = run(&[
        "attribute",
        "--events",
        "data/sample_events.csv",
        "--format",
        "json",
    ]);
    let simulation = run(&[
        "simulate",
        "--events",
        "data/sample_events.csv",
        "--journeys",
        "50000",
        "--format",
        "json",
    ]);
    assert_eq!(
        attribution["model"]["conversion_probability"],
        simulation["exact"]["conversion_probability"]
    );
}
