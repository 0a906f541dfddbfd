//! `fit --events` estimates each state's time to its next event: on event logs generated from a
//! hand-written map with known dwell times, the fitted times recover them.
//!
//! The generator draws a touchpoint's dwell time (hours) before each next touch, and puts a
//! conversion at the instant of the last touch (no time). So a state's time to its next event
//! is 0 with the probability that its next event is the conversion (among next events: touches
//! and conversions; an exit to (null) has no time) and the map's dwell time otherwise.
//! Every bound is 4 standard errors of the estimate at its observed sample size.

use serde_json::Value;

use super::support::{json, run};

/// a: exponential dwell, mean 48 h (2 days); b: gamma, shape 2, scale 24 h (mean 2 days,
/// standard deviation sqrt(2) days).
const MAP: &str = r#"{"stages": ["Consideration", "Purchase"], "touchpoints": [
  {"name": "a", "stage": "Consideration", "entry": 0.7,
   "transitions": {"b": 0.5, "conversion": 0.2, "null": 0.3},
   "dwell_hours": {"distribution": "exponential", "mean": 48}},
  {"name": "b", "stage": "Purchase", "entry": 0.3,
   "transitions": {"a": 0.3, "conversion": 0.3, "null": 0.4},
   "dwell_hours": {"distribution": "gamma", "shape": 2, "scale": 24}}],
  "value": {"distribution": "constant", "value": 50}}"#;

fn state<'a>(model: &'a Value, name: &str) -> &'a Value {
    model["states"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["state"] == name)
        .unwrap()
}

#[test]
fn fitted_times_to_the_next_event_recover_the_maps_dwell_times() {
    let dir = tempfile::tempdir().unwrap();
    let map = dir.path().join("map.json");
    std::fs::write(&map, MAP).unwrap();
    let out = run(&[
        "generate",
        "--map",
        map.to_str().unwrap(),
        "--journeys",
        "40000",
        "--seed",
        "9",
        "--format",
        "events",
    ]);
    assert!(out.status.success());
    let events = dir.path().join("events.csv");
    std::fs::write(&events, &out.stdout).unwrap();
    // The generated journeys are complete (no end of data cuts them) and no gap splits them.
    let model = json(&[
        "fit",
        "--events",
        events.to_str().unwrap(),
        "--open-journeys",
        "null",
        "--lookback-days",
        "3650",
        "--inactivity-days",
        "3650",
        "--format",
        "json",
    ]);
    assert_eq!(model["version"], 2);
    for (name, p_touch, p_conversion, mean_days, sd_days, family) in [
        ("a", 0.5, 0.2, 2.0, 2.0, "exponential"),
        ("b", 0.3, 0.3, 2.0, 2.0f64.sqrt(), "gamma"),
    ] {
        let dwell = &state(&model, name)["dwell"];
        let n = dwell["observations"].as_f64().unwrap();
        let zero_share = dwell["zero_share"].as_f64().unwrap();
        // Zeros are conversions among next events: binomial.
        let p0 = p_conversion / (p_conversion + p_touch);
        let se = (p0 * (1.0 - p0) / n).sqrt();
        assert!(
            (zero_share - p0).abs() < 4.0 * se,
            "{name}: zero share {zero_share} vs {p0}"
        );
        // The mean of all times is (1 - p0) * the dwell mean; its standard error from the
        // mixture's variance (timestamps are whole seconds: a bias below 1e-5 days).
        let mean = dwell["mean_days"].as_f64().unwrap();
        let expected = (1.0 - p0) * mean_days;
        let second_moment = (1.0 - p0) * (sd_days * sd_days + mean_days * mean_days);
        let se = ((second_moment - expected * expected) / n).sqrt();
        assert!(
            (mean - expected).abs() < 4.0 * se,
            "{name}: mean {mean} vs {expected}"
        );
        // The map's family fits: for the gamma, AIC picks it; the exponential is nested in the
        // gamma (shape 1), so AIC picks the gamma by chance about 16% of the time, and what is
        // checked is that the likelihood-ratio statistic against it, chi-square with 1 degree
        // of freedom, stays below 15.1 (p = 1e-4).
        let candidate = |f: &str| {
            dwell["candidates"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["distribution"]["distribution"] == f)
                .unwrap()
                .clone()
        };
        let fitted = candidate(family);
        let best = &dwell["best"];
        if family == "exponential" {
            let ll = |c: &Value| c["log_likelihood"].as_f64().unwrap();
            let ratio = 2.0 * (ll(&candidate("gamma")) - ll(&fitted));
            assert!(
                ratio < 15.1,
                "{name}: likelihood ratio {ratio} against {best}"
            );
        } else {
            assert_eq!(best["distribution"], family, "{name}: {best}");
        }
        let d = &fitted["distribution"];
        let fitted_mean = match family {
            "exponential" => d["mean"].as_f64().unwrap(),
            _ => d["shape"].as_f64().unwrap() * d["scale"].as_f64().unwrap(),
        };
        let se = sd_days / (n * (1.0 - p0)).sqrt();
        assert!(
            (fitted_mean - mean_days).abs() < 4.0 * se,
            "{name}: fitted mean {fitted_mean} vs {mean_days}"
        );
    }
    // A model file of version 2 loads and runs like any other.
    let file = dir.path().join("model.json");
    std::fs::write(&file, model.to_string()).unwrap();
    let sim = run(&[
        "simulate",
        "--model",
        file.to_str().unwrap(),
        "--journeys",
        "1000",
    ]);
    assert!(
        sim.status.success(),
        "{}",
        String::from_utf8_lossy(&sim.stderr)
    );
}

#[test]
fn a_paths_file_gives_a_version_1_model_without_times() {
    let model = json(&["fit", "data/sample_paths.csv", "--format", "json"]);
    assert_eq!(model["version"], 1);
    assert!(
        model["states"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s.get("dwell").is_none())
    );
}
