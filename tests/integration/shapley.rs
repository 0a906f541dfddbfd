//! Shapley credits (simplified and ordered, Zhao et al. 2018) against hand-computed cases, and
//! `--models` choosing what `attribute` reports.

use assert_cmd::Command;
use journeysim_core::attribution::{
    AttributionMethod, AttributionOptions, HeuristicOptions, MethodOptions,
};
use journeysim_core::model::FitOptions;
use journeysim_io::paths::{PathsFormat, PathsReader};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data");

/// a > b (2 conversions worth 20), b > a > b (1 worth 6), c (3 worth 9), a (none).
const HAND: &str = "path,total_conversions,total_conversion_value,total_null\n\
                    a > b,2,20,1\n\
                    b > a > b,1,6,0\n\
                    c,3,9,2\n\
                    a,0,0,5\n";

fn attribute(
    text: &str,
    methods: &[AttributionMethod],
) -> journeysim_core::attribution::Attribution {
    let options = AttributionOptions {
        fit: FitOptions::order(1),
        heuristics: HeuristicOptions::default(),
    };
    let methods = MethodOptions {
        methods: methods.to_vec(),
        intervals: None,
    };
    journeysim_core::attribution::attribute(
        PathsReader::new(text.as_bytes(), "hand", &PathsFormat::default()),
        &options,
        &methods,
        None,
    )
    .unwrap()
}

#[test]
fn simplified_and_ordered_shapley_match_hand_computation() {
    let result = attribute(HAND, &AttributionMethod::ALL);
    let by_name = |name: &str| result.channels.iter().find(|c| c.channel == name).unwrap();
    // R({a,b}) = 2 + 1 = 3 conversions (the repeat of b changes nothing), R({c}) = 3:
    // a and b get 3/2 each, c gets 3.
    let (a, b, c) = (by_name("a"), by_name("b"), by_name("c"));
    assert_eq!(a.shapley, Some(1.5));
    assert_eq!(b.shapley, Some(1.5));
    assert_eq!(c.shapley, Some(3.0));
    assert_eq!(a.shapley_value, Some(13.0));
    assert_eq!(c.shapley_value, Some(9.0));
    // Ordered: on a > b, a joins first and b second; on b > a > b it is the other way round.
    assert_eq!(a.shapley_ordered, Some(vec![1.0, 0.5]));
    assert_eq!(b.shapley_ordered, Some(vec![0.5, 1.0]));
    assert_eq!(c.shapley_ordered, Some(vec![3.0, 0.0]));
    assert_eq!(a.shapley_ordered_value, Some(vec![10.0, 3.0]));
}

#[test]
fn shapley_credits_sum_to_the_totals_on_the_reference_data() {
    let text = std::fs::read_to_string(format!("{DATA}/paths_10k.csv")).unwrap();
    let result = attribute(
        &text,
        &[
            AttributionMethod::Shapley,
            AttributionMethod::ShapleyOrdered,
        ],
    );
    let conversions: f64 = result.channels.iter().map(|c| c.shapley.unwrap()).sum();
    let value: f64 = result
        .channels
        .iter()
        .map(|c| c.shapley_value.unwrap())
        .sum();
    assert!((conversions - result.model.total_conversions).abs() < 1e-9 * conversions);
    assert!((value - result.model.total_value).abs() < 1e-9 * value);
    for c in &result.channels {
        let ordered: f64 = c.shapley_ordered.as_ref().unwrap().iter().sum();
        assert!((ordered - c.shapley.unwrap()).abs() < 1e-9 * ordered.max(1.0));
        assert!(c.removal_effect.is_none() && c.first_touch.is_none());
    }
}

#[test]
fn models_flag_keeps_only_the_chosen_methods_in_json_and_csv() {
    let json = Command::cargo_bin("journeysim")
        .unwrap()
        .args([
            "attribute",
            "-",
            "--models",
            "markov,shapley",
            "--format",
            "json",
        ])
        .write_stdin(HAND)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let value: serde_json::Value = serde_json::from_slice(&json).unwrap();
    let channel = &value["channels"][0];
    assert!(channel.get("shapley").is_some() && channel.get("markov_conversions").is_some());
    assert!(channel.get("first_touch").is_none() && channel.get("shapley_ordered").is_none());
    assert_eq!(
        value["model"]["methods"],
        serde_json::json!(["markov", "shapley"])
    );

    let csv = Command::cargo_bin("journeysim")
        .unwrap()
        .args([
            "attribute",
            "-",
            "--models",
            "shapley_ordered",
            "--format",
            "csv",
        ])
        .write_stdin(HAND)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let header = String::from_utf8(csv)
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_string();
    assert_eq!(
        header,
        "channel,shapley_ordered_1,shapley_ordered_2,shapley_ordered_value_1,shapley_ordered_value_2"
    );
}

#[test]
fn unknown_model_is_a_usage_error() {
    let output = Command::cargo_bin("journeysim")
        .unwrap()
        .args(["attribute", "-", "--models", "markov,magic"])
        .write_stdin(HAND)
        .assert()
        .code(2)
        .get_output()
        .clone();
    assert!(String::from_utf8_lossy(&output.stderr).contains("unknown model 'magic'"));
    assert!(output.stdout.is_empty());
}
