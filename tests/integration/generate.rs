//! `journeysim generate`: deterministic for a seed whatever the thread count, the shipped sample
//! data regenerate byte for byte, the event log aggregates to the paths file.

use std::collections::HashMap;

use assert_cmd::Command;

use super::journey_map::MAP;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data");

fn generate(args: &[&str]) -> Vec<u8> {
    let out = Command::cargo_bin("journeysim")
        .unwrap()
        .args(["generate", "--map", MAP])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

#[test]
fn sample_data_regenerate_identically() {
    // How data/sample_paths.csv and data/sample_events.csv were made (README, "generate").
    let paths = generate(&[
        "--journeys",
        "100000",
        "--seed",
        "2026",
        "--format",
        "paths",
    ]);
    assert!(paths == std::fs::read(format!("{DATA}/sample_paths.csv")).unwrap());
    let events = generate(&["--journeys", "4000", "--seed", "2026", "--format", "events"]);
    assert!(events == std::fs::read(format!("{DATA}/sample_events.csv")).unwrap());
}

#[test]
fn output_is_identical_for_one_two_and_four_threads() {
    for format in ["paths", "events"] {
        let runs: Vec<Vec<u8>> = ["1", "2", "4"]
            .iter()
            .map(|t| {
                generate(&[
                    "--journeys",
                    "30000",
                    "--seed",
                    "9",
                    "--format",
                    format,
                    "--threads",
                    t,
                ])
            })
            .collect();
        assert!(runs[0] == runs[1] && runs[1] == runs[2], "{format}");
    }
}

#[test]
fn event_log_aggregates_to_the_paths_file() {
    let events = String::from_utf8(generate(&[
        "--journeys",
        "9000",
        "--seed",
        "5",
        "--format",
        "events",
    ]))
    .unwrap();
    let paths = String::from_utf8(generate(&["--journeys", "9000", "--seed", "5"])).unwrap();
    let mut journeys: Vec<(String, Vec<String>, bool)> = Vec::new();
    for line in events.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        if journeys.last().is_none_or(|j| j.0 != f[0]) {
            journeys.push((f[0].to_string(), Vec::new(), false));
        }
        let j = journeys.last_mut().unwrap();
        j.1.push(f[2].to_string());
        j.2 |= f[5] == "1";
    }
    let mut from_events: HashMap<String, (u64, u64)> = HashMap::new();
    for (_, touches, converted) in &journeys {
        let e = from_events.entry(touches.join(" > ")).or_default();
        if *converted { e.0 += 1 } else { e.1 += 1 }
    }
    let from_paths: HashMap<String, (u64, u64)> = paths
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (
                f[0].to_string(),
                (f[1].parse().unwrap(), f[3].parse().unwrap()),
            )
        })
        .collect();
    assert_eq!(journeys.len(), 9000);
    assert_eq!(from_events, from_paths);
}

#[test]
fn bad_map_exits_2_with_the_json_path_and_no_output_file() {
    let dir = tempfile::tempdir().unwrap();
    let map = dir.path().join("map.json");
    let text = std::fs::read_to_string(MAP)
        .unwrap()
        .replace("\"share\": 0.20", "\"share\": 0.25");
    std::fs::write(&map, text).unwrap();
    let out_file = dir.path().join("out.csv");
    let out = Command::cargo_bin("journeysim")
        .unwrap()
        .args([
            "generate",
            "--map",
            map.to_str().unwrap(),
            "--journeys",
            "10",
            "--out",
            out_file.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("map.json: personas[*].share: the persona shares sum to 1.05"),
        "{stderr}"
    );
    assert!(!out_file.exists());
}
