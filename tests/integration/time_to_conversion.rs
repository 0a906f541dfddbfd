//! Time to conversion in `simulate` and `whatif` (issue 13 part 2): the exact mean against a
//! closed form and an independent implementation (the funnel's), the simulated figures against
//! exact ones within 4 standard errors, `scale_dwell` moving times and never conversions, and
//! clear errors where time cannot apply.

use serde_json::Value;

use super::support::{json, run};

/// One state `a`: back to itself with 0.5, conversion 0.3, null 0.2; its time to the next event
/// is exponential with mean 2 days. A converting journey visits `a` N times with N geometric
/// (P(N = n | conversion) = 0.5^(n-1) 0.5), and its time is the sum of N exponentials of mean
/// 2, which is exponential with mean 2 / 0.5 = 4 days. So P(conversion) = 0.3 / 0.5 = 0.6, the
/// mean time 4, the median 4 ln 2, the 90th percentile 4 ln 10, and the share converting within
/// h days 0.6 (1 - exp(-h / 4)).
const GEOMETRIC: &str = r#"{"format": "journeysim-model", "version": 2, "order": 1,
  "keep_repeats": true, "channels": ["a"],
  "entry": [{"to": "a", "probability": 1}],
  "states": [{"state": "a", "value_per_conversion": 10,
    "dwell": {"observations": 1000, "zero_share": 0, "mean_days": 2, "quantiles": [],
              "best": {"distribution": "exponential", "mean": 2}, "candidates": []},
    "transitions": [{"to": "a", "probability": 0.5}, {"to": "(conversion)", "probability": 0.3},
                    {"to": "(null)", "probability": 0.2}]}]}"#;

/// Two touchpoints with the dwell times of `dwell.rs`: a exponential, mean 48 h; b gamma,
/// shape 2, scale 24 h.
const MAP: &str = r#"{"stages": ["Consideration", "Purchase"], "touchpoints": [
  {"name": "a", "stage": "Consideration", "entry": 0.7,
   "transitions": {"b": 0.5, "conversion": 0.2, "null": 0.3},
   "dwell_hours": {"distribution": "exponential", "mean": 48}},
  {"name": "b", "stage": "Purchase", "entry": 0.3,
   "transitions": {"a": 0.3, "conversion": 0.3, "null": 0.4},
   "dwell_hours": {"distribution": "gamma", "shape": 2, "scale": 24}}],
  "value": {"distribution": "constant", "value": 50}}"#;

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_owned()
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

/// The standard error behind a 95% interval.
fn se(ci: &Value) -> f64 {
    (f(&ci[1]) - f(&ci[0])) / (2.0 * 1.959964)
}

#[test]
fn simulated_times_match_the_closed_form_of_a_geometric_sum() {
    let dir = tempfile::tempdir().unwrap();
    let model = write(&dir, "geometric.json", GEOMETRIC);
    let n = 400_000;
    let out = json(&[
        "simulate",
        "--model",
        &model,
        "--journeys",
        &n.to_string(),
        "--seed",
        "3",
        "--horizons",
        "1,4,10",
        "--format",
        "json",
        "--quiet",
    ]);
    let exact = f(&out["exact"]["mean_time_to_conversion"]);
    assert!((exact - 4.0).abs() < 1e-9, "{exact}");
    let time = &out["time_to_conversion"];
    let mean = f(&time["mean"]);
    assert!(
        (mean - 4.0).abs() <= 4.0 * se(&time["mean_ci"]),
        "mean {mean}, interval {}",
        time["mean_ci"]
    );
    // Quantiles: the sample quantile's standard error is sqrt(p (1 - p) / C) / density at the
    // quantile (C converting journeys), and the histogram may report up to 0.4% above it.
    let conversions = f(&out["conversions"]);
    for (field, p) in [("p50", 0.5), ("p90", 0.9)] {
        let truth = -4.0 * (1.0f64 - p).ln();
        let density = (1.0 - p) / 4.0;
        let bound = 4.0 * (p * (1.0 - p) / conversions).sqrt() / density + truth * 2f64.powi(-8);
        let got = f(&time[field]);
        assert!(
            (got - truth).abs() <= bound,
            "{field}: {got} vs {truth} (bound {bound})"
        );
    }
    let within = out["conversions_within"].as_array().unwrap();
    assert_eq!(within.len(), 3);
    for (w, days) in within.iter().zip([1.0, 4.0, 10.0]) {
        assert_eq!(f(&w["days"]), days);
        let truth = 0.6 * (1.0 - (-days / 4.0f64).exp());
        let share = f(&w["share"]);
        assert!(
            (share - truth).abs() <= 4.0 * se(&w["share_ci"]),
            "within {days}: {share} vs {truth}"
        );
    }
}

#[test]
fn times_draw_from_their_own_streams_and_do_not_depend_on_threads() {
    let dir = tempfile::tempdir().unwrap();
    let timed = write(&dir, "timed.json", GEOMETRIC);
    // The same chain without dwell times (version 1).
    let untimed_text = GEOMETRIC
        .replace("\"version\": 2", "\"version\": 1")
        .replace(
            r#""dwell": {"observations": 1000, "zero_share": 0, "mean_days": 2, "quantiles": [],
              "best": {"distribution": "exponential", "mean": 2}, "candidates": []},"#,
            "",
        );
    assert!(!untimed_text.contains("dwell"));
    let untimed = write(&dir, "untimed.json", &untimed_text);
    let go = |model: &str, threads: &str| {
        json(&[
            "simulate",
            "--model",
            model,
            "--journeys",
            "300000",
            "--seed",
            "5",
            "--threads",
            threads,
            "--format",
            "json",
            "--quiet",
        ])
    };
    let (one, two) = (go(&timed, "1"), go(&timed, "2"));
    let mut plain = go(&untimed, "2");
    assert_eq!(one, two, "the thread count changed a timed run");
    // Timing adds fields and changes nothing else.
    let mut without_time = one.clone();
    let object = without_time.as_object_mut().unwrap();
    object.remove("time_to_conversion").unwrap();
    object.remove("conversions_within").unwrap();
    object["exact"]
        .as_object_mut()
        .unwrap()
        .remove("mean_time_to_conversion")
        .unwrap();
    object["input"] = Value::Null;
    plain.as_object_mut().unwrap()["input"] = Value::Null;
    assert_eq!(without_time, plain);
}

#[test]
fn a_maps_exact_mean_time_agrees_with_the_funnel_and_the_simulation() {
    let dir = tempfile::tempdir().unwrap();
    let map = write(&dir, "map.json", MAP);
    let out = json(&[
        "simulate",
        "--map",
        &map,
        "--journeys",
        "400000",
        "--seed",
        "8",
        "--format",
        "json",
        "--quiet",
    ]);
    let exact = f(&out["exact"]["mean_time_to_conversion"]);
    // The funnel computes the same mean from the map's own tables (funnel::map_exact).
    let funnel = json(&["funnel", "--map", &map, "--format", "json"]);
    let funnel_mean = f(&funnel["mean_days_to_conversion"]);
    assert!(
        (exact - funnel_mean).abs() <= 1e-9 * exact,
        "{exact} vs {funnel_mean}"
    );
    let time = &out["time_to_conversion"];
    let mean = f(&time["mean"]);
    assert!(
        (mean - exact).abs() <= 4.0 * se(&time["mean_ci"]),
        "{mean} vs {exact}"
    );
    // The default horizons, and shares that grow with them up to the conversion rate.
    let within = out["conversions_within"].as_array().unwrap();
    let days: Vec<f64> = within.iter().map(|w| f(&w["days"])).collect();
    assert_eq!(days, [7.0, 30.0, 90.0]);
    let shares: Vec<f64> = within.iter().map(|w| f(&w["share"])).collect();
    assert!(shares.windows(2).all(|w| w[0] <= w[1]), "{shares:?}");
    assert!(shares[2] <= f(&out["conversion_rate"]));
}

#[test]
fn scale_dwell_moves_time_and_not_conversion() {
    let dir = tempfile::tempdir().unwrap();
    let map = write(&dir, "map.json", MAP);
    let faster = write(
        &dir,
        "faster.json",
        r#"{"name": "faster", "changes": [{"change": "scale_dwell", "at": "*", "factor": 0.7}]}"#,
    );
    let faster_a = write(
        &dir,
        "faster_a.json",
        r#"{"name": "faster a", "changes": [{"change": "scale_dwell", "at": "a", "factor": 0.7}]}"#,
    );
    let out = json(&[
        "whatif",
        "--map",
        &map,
        "--scenario",
        &faster,
        "--scenario",
        &faster_a,
        "--journeys",
        "200000",
        "--seed",
        "4",
        "--format",
        "json",
        "--quiet",
    ]);
    let scenarios = out["scenarios"].as_array().unwrap();
    assert_eq!(scenarios.len(), 2);
    for s in scenarios {
        let (b, a, d) = (&s["baseline"], &s["scenario"], &s["difference"]);
        // The same journeys convert: not a single conversion or value moves.
        assert_eq!(f(&d["conversion_probability"]), 0.0);
        assert_eq!(b["conversions"], a["conversions"]);
        assert_eq!(f(&d["conversions"]), 0.0);
        assert_eq!(f(&d["value"]), 0.0);
        let (tb, ta) = (
            f(&b["mean_time_to_conversion"]),
            f(&a["mean_time_to_conversion"]),
        );
        assert!(ta < tb, "{}: {ta} !< {tb}", s["name"]);
        assert!((f(&d["mean_time_to_conversion"]) - (ta - tb)).abs() < 1e-12);
        let (sb, sa) = (
            f(&b["time_to_conversion"]["mean"]),
            f(&a["time_to_conversion"]["mean"]),
        );
        if s["name"] == "faster" {
            // Every time scaled: exactly 0.7 times the exact mean, and each journey's time
            // 0.7 times its baseline time, as both draw the same times.
            assert!((ta - 0.7 * tb).abs() <= 1e-12 * tb, "{ta} vs {tb}");
            assert!((sa - 0.7 * sb).abs() <= 1e-9 * sb, "{sa} vs {sb}");
        } else {
            assert!(ta > 0.7 * tb && sa > 0.7 * sb);
        }
        // Faster journeys convert within a week at least as often.
        let week = |arm: &Value| f(&arm["conversions_within"][0]["share"]);
        assert!(week(a) >= week(b));
    }
}

#[test]
fn time_flags_and_changes_that_cannot_apply_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let map = write(&dir, "map.json", MAP);
    let paths = "tests/data/paths_10k.csv";
    let expect_error = |args: &[&str], message: &str| {
        let out = run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}: partial output");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    };
    expect_error(
        &["simulate", paths, "--journeys", "1000", "--horizons", "7"],
        "--horizons needs dwell times",
    );
    for bad in ["30,7", "7,7", "0", "-1"] {
        expect_error(
            &[
                "simulate",
                "--map",
                &map,
                "--journeys",
                "1000",
                "--horizons",
                bad,
            ],
            "horizons",
        );
    }
    let scale = write(
        &dir,
        "scale.json",
        r#"{"name": "s", "changes": [{"change": "scale_dwell", "at": "email", "factor": 0.5}]}"#,
    );
    expect_error(
        &["whatif", paths, "--scenario", &scale, "--journeys", "1000"],
        "changes[0] (scale_dwell): the model has no dwell times",
    );
    let unknown = write(
        &dir,
        "unknown.json",
        r#"{"name": "s", "changes": [{"change": "scale_dwell", "at": "c", "factor": 0.5}]}"#,
    );
    expect_error(
        &[
            "whatif",
            "--map",
            &map,
            "--scenario",
            &unknown,
            "--journeys",
            "1000",
        ],
        "unknown touchpoint 'c'",
    );
}

/// The analyst's path: events generated from `MAP`, `fit --events`, then `simulate` the model
/// file. The map converts at the instant of the last touch, so a state's time to the conversion
/// is 0 and its time to the next touch is the map's dwell; fitted apart, the model's exact mean
/// time to conversion estimates the map's. Bound: 4 standard errors of the plain mean of the
/// data's converting times (the fitted figure is a model-based estimate from the same data),
/// with the standard deviation of the time taken from a large simulation of the map itself.
/// A single time per state, mixing conversions (0 days) with next touches, would put the mean
/// near 2.09 days against the map's 1.40 (measured), far outside the bound.
#[test]
fn a_model_fitted_from_events_recovers_the_maps_time_to_conversion() {
    let dir = tempfile::tempdir().unwrap();
    let map = write(&dir, "map.json", MAP);
    let out = run(&[
        "generate",
        "--map",
        &map,
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
    let model = dir.path().join("model.json");
    let fit = run(&[
        "fit",
        "--events",
        events.to_str().unwrap(),
        "--open-journeys",
        "null",
        "--lookback-days",
        "3650",
        "--inactivity-days",
        "3650",
        "--out",
        model.to_str().unwrap(),
    ]);
    assert!(
        fit.status.success(),
        "{}",
        String::from_utf8_lossy(&fit.stderr)
    );
    let fitted: Value = serde_json::from_str(&std::fs::read_to_string(&model).unwrap()).unwrap();
    for state in fitted["states"].as_array().unwrap() {
        // Every conversion came at the instant of its touch.
        assert_eq!(
            f(&state["dwell_to_conversion"]["zero_share"]),
            1.0,
            "{state}"
        );
        assert_eq!(f(&state["dwell_to_touch"]["zero_share"]), 0.0, "{state}");
    }
    let simulated = json(&[
        "simulate",
        "--model",
        model.to_str().unwrap(),
        "--journeys",
        "100000",
        "--format",
        "json",
        "--quiet",
    ]);
    let truth = json(&[
        "simulate",
        "--map",
        &map,
        "--journeys",
        "1000000",
        "--seed",
        "2",
        "--format",
        "json",
        "--quiet",
    ]);
    let exact_truth = f(&truth["exact"]["mean_time_to_conversion"]);
    let fitted_mean = f(&simulated["exact"]["mean_time_to_conversion"]);
    // sd of T = se of the big run's mean times sqrt(its conversions).
    let sd = se(&truth["time_to_conversion"]["mean_ci"]) * f(&truth["conversions"]).sqrt();
    let data_conversions = f(&fitted["totals"]["conversions"]);
    let bound = 4.0 * sd / data_conversions.sqrt();
    assert!(
        (fitted_mean - exact_truth).abs() <= bound,
        "fitted {fitted_mean} vs the map's {exact_truth} (bound {bound})"
    );
}
