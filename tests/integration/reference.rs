//! Exact attribution against the independent exact reference in `tests/data/` (copied from
//! `shared/reference/`, ChannelAttribution's semantics): every field within 1e-9 relative.

use std::collections::HashMap;
use std::fs::File;

use journeysim_core::attribution::{AttributionOptions, HeuristicOptions, attribute_paths};
use journeysim_core::model::FitOptions;
use journeysim_io::paths::{PathsFormat, PathsReader};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data");

fn reference(order: usize) -> Vec<HashMap<String, String>> {
    let path = format!("{DATA}/paths_10k_exact_order{order}.csv");
    let mut reader = csv::Reader::from_path(path).unwrap();
    reader.deserialize().map(|r| r.unwrap()).collect()
}

fn check_order(order: usize) {
    let options = AttributionOptions {
        fit: FitOptions::order(order),
        heuristics: HeuristicOptions::default(),
    };
    let input = File::open(format!("{DATA}/paths_10k.csv")).unwrap();
    let result = attribute_paths(
        PathsReader::new(input, "paths_10k.csv", &PathsFormat::default()),
        &options,
    )
    .unwrap();
    let ours: HashMap<String, serde_json::Value> = result
        .channels
        .iter()
        .map(|c| (c.channel.clone(), serde_json::to_value(c).unwrap()))
        .collect();
    let expected = reference(order);
    assert_eq!(expected.len(), ours.len(), "channel count");
    for row in &expected {
        let channel = &row["channel"];
        for (field, text) in row.iter().filter(|(f, _)| *f != "channel") {
            let want: f64 = text.parse().unwrap();
            let got = ours[channel][field].as_f64().unwrap();
            let relative = (got - want).abs() / want.abs().max(f64::MIN_POSITIVE);
            assert!(
                relative <= 1e-9,
                "order {order} {channel} {field}: got {got}, reference {want} (relative {relative:e})"
            );
        }
    }
}

#[test]
fn order_1_matches_exact_reference() {
    check_order(1);
}

#[test]
fn order_2_matches_exact_reference() {
    check_order(2);
}

#[test]
fn order_3_matches_exact_reference_through_the_sparse_solver() {
    check_order(3);
}
