//! `--events`: event logs cut into journeys feed attribute, fit and paths; unsorted logs give the
//! same results; bad rows exit 2 naming file and line.

use serde_json::Value;

use super::journey_map::MAP;
use super::support::{json, run};

fn write(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    path.to_str().unwrap().to_owned()
}

fn generate(dir: &tempfile::TempDir, format: &str) -> String {
    let out = run(&[
        "generate",
        "--map",
        MAP,
        "--journeys",
        "6000",
        "--seed",
        "4",
        "--format",
        format,
    ]);
    assert!(out.status.success());
    write(dir, &format!("{format}.csv"), &out.stdout)
}

#[test]
fn event_log_attributes_like_the_paths_of_the_same_journeys() {
    // Windows wide enough that no generated journey is cut: the event log then holds exactly
    // the journeys of the paths file, and every figure must agree.
    let dir = tempfile::tempdir().unwrap();
    let (events, paths) = (generate(&dir, "events"), generate(&dir, "paths"));
    let from_events = json(&[
        "attribute",
        "--events",
        &events,
        "--open-journeys",
        "null",
        "--lookback-days",
        "3650",
        "--inactivity-days",
        "3650",
        "--format",
        "json",
    ]);
    let from_paths = json(&["attribute", &paths, "--format", "json"]);
    for field in ["journeys", "total_conversions", "conversion_probability"] {
        let (a, b) = (&from_events["model"][field], &from_paths["model"][field]);
        assert!(
            (a.as_f64().unwrap() - b.as_f64().unwrap()).abs() < 1e-9,
            "{field}: {a} vs {b}"
        );
    }
    let channels = |v: &Value| v["channels"].as_array().unwrap().clone();
    for (a, b) in channels(&from_events)
        .iter()
        .zip(channels(&from_paths).iter())
    {
        assert_eq!(a["channel"], b["channel"]);
        for field in [
            "removal_effect",
            "removal_effect_value",
            "first_touch",
            "last_touch",
            "linear",
        ] {
            let (x, y) = (a[field].as_f64().unwrap(), b[field].as_f64().unwrap());
            assert!(
                (x - y).abs() <= 1e-9 * y.abs().max(1.0),
                "{}: {field} {x} vs {y}",
                a["channel"]
            );
        }
    }
    assert_eq!(from_events["model"]["time_decay_half_life_days"], 7.0);
}

#[test]
fn unsorted_log_gives_the_same_attribution_with_a_note() {
    let dir = tempfile::tempdir().unwrap();
    let events = generate(&dir, "events");
    let text = std::fs::read_to_string(&events).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    let header = lines.remove(0);
    lines.reverse();
    let shuffled = write(
        &dir,
        "shuffled.csv",
        format!("{header}\n{}\n", lines.join("\n")).as_bytes(),
    );
    let sorted = run(&[
        "attribute",
        "--events",
        &events,
        "--open-journeys",
        "null",
        "--format",
        "json",
    ]);
    let unsorted = run(&[
        "attribute",
        "--events",
        &shuffled,
        "--open-journeys",
        "null",
        "--format",
        "json",
    ]);
    assert!(unsorted.status.success());
    // Same journeys, read in an order of their own: the same bytes, the file name aside.
    assert_eq!(
        String::from_utf8_lossy(&sorted.stdout).replace(&events, "LOG"),
        String::from_utf8_lossy(&unsorted.stdout).replace(&shuffled, "LOG")
    );
    // How the file was read is a note on standard error, not a warning in the data.
    assert!(!String::from_utf8_lossy(&unsorted.stdout).contains("not sorted"));
    assert!(String::from_utf8_lossy(&unsorted.stderr).contains("not sorted by user, then time"));
}

#[test]
fn time_decay_uses_real_time_with_a_half_life_in_days() {
    // Touches 14 days, 7 days and 0 days before the conversion; half-life 7 days:
    // weights 1/4, 1/2, 1 over 7/4.
    let dir = tempfile::tempdir().unwrap();
    let log = "user_id,timestamp,touchpoint,conversion,value\n\
               u,2026-01-01T00:00:00Z,a,0,\n\
               u,2026-01-08T00:00:00Z,b,0,\n\
               u,2026-01-15T00:00:00Z,c,1,70\n";
    let path = write(&dir, "log.csv", log.as_bytes());
    let v = json(&[
        "attribute",
        "--events",
        &path,
        "--open-journeys",
        "null",
        "--half-life-days",
        "7",
        "--format",
        "json",
    ]);
    let decay: Vec<f64> = v["channels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["time_decay"].as_f64().unwrap())
        .collect();
    assert_eq!(decay, vec![1.0 / 7.0, 2.0 / 7.0, 4.0 / 7.0]);
    let value: Vec<f64> = v["channels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["time_decay_value"].as_f64().unwrap())
        .collect();
    assert_eq!(value, vec![10.0, 20.0, 40.0]);
}

#[test]
fn segments_give_one_attribution_each_and_add_up_to_the_total() {
    let dir = tempfile::tempdir().unwrap();
    let events = generate(&dir, "events");
    let v = json(&[
        "attribute",
        "--events",
        &events,
        "--open-journeys",
        "null",
        "--segment-col",
        "persona",
        "--format",
        "json",
    ]);
    let segments = v["segments"].as_array().unwrap();
    let names: Vec<&str> = segments
        .iter()
        .map(|s| s["segment"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["bargain_hunter", "busy_professional", "loyal_customer"]
    );
    let sum: f64 = segments
        .iter()
        .map(|s| s["attribution"]["model"]["journeys"].as_f64().unwrap())
        .sum();
    assert_eq!(sum, v["total"]["model"]["journeys"].as_f64().unwrap());
    let csv = run(&[
        "attribute",
        "--events",
        &events,
        "--open-journeys",
        "null",
        "--segment-col",
        "persona",
        "--format",
        "csv",
    ]);
    let text = String::from_utf8(csv.stdout).unwrap();
    assert!(text.starts_with("segment,channel,removal_effect,"));
    assert_eq!(
        text.lines().filter(|l| l.starts_with("(total),")).count(),
        10
    );
}

#[test]
fn fit_and_paths_read_event_logs() {
    let dir = tempfile::tempdir().unwrap();
    let events = generate(&dir, "events");
    let wide = [
        "--lookback-days",
        "3650",
        "--inactivity-days",
        "3650",
        "--open-journeys",
        "null",
    ];
    let model = json(&[&["fit", "--events", &events][..], &wide].concat());
    assert_eq!(model["totals"]["journeys"], 6000.0);
    let paths = json(
        &[
            &["paths", "--events", &events, "--format", "json"][..],
            &wide,
        ]
        .concat(),
    );
    assert_eq!(paths["journeys"], 6000.0);
    // With the default 30-day inactivity window a few long gaps split journeys.
    let default = json(&[
        "paths",
        "--events",
        &events,
        "--open-journeys",
        "null",
        "--format",
        "json",
    ]);
    assert!(default["journeys"].as_f64().unwrap() >= 6000.0);
}

#[test]
fn bad_event_rows_exit_2_naming_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "user_id,timestamp,touchpoint\nu,2026-01-01T00:00:00Z,a\nu,01/02/2026,b\n",
            "bad.csv line 3: timestamp '01/02/2026' is not a timestamp",
        ),
        (
            "user_id,timestamp,touchpoint,conversion,value\nu,2026-01-01,a,1,-3\n",
            "bad.csv line 2: value is -3; it must be a number >= 0",
        ),
        (
            "user_id,timestamp,touchpoint,conversion\nu,2026-01-01,a,-1\n",
            "bad.csv line 2: conversion is -1; it must be a number >= 0",
        ),
    ];
    for (text, expected) in cases {
        let path = write(&dir, "bad.csv", text.as_bytes());
        let out = run(&["attribute", "--events", &path]);
        assert_eq!(out.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(&expected.replace("bad.csv", &path)),
            "{stderr}"
        );
    }
    let out = run(&["attribute"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn conversions_without_a_touch_are_reported_apart_and_every_method_credits_the_same_total() {
    // u2 orders offline; u3's touch is 40 days before its order (outside the 30-day lookback).
    let dir = tempfile::tempdir().unwrap();
    let log = write(
        &dir,
        "ev.csv",
        b"user_id,timestamp,touchpoint,conversion,value\n\
          u1,2026-01-01,a,0,\nu1,2026-01-02,b,1,10\n\
          u2,2026-01-03,,1,7\n\
          u3,2026-01-01,a,0,\nu3,2026-02-10,,2,5\n\
          u4,2026-01-01,b,0,\n",
    );
    let out = json(&[
        "attribute",
        "--events",
        &log,
        "--open-journeys",
        "null",
        "--format",
        "json",
    ]);
    let model = &out["model"];
    assert_eq!(model["total_conversions"], 1.0);
    assert_eq!(model["total_value"], 10.0);
    assert_eq!(model["unattributed_conversions"], 3.0);
    assert_eq!(model["unattributed_value"], 12.0);
    let channels = out["channels"].as_array().unwrap();
    for method in [
        "markov_conversions",
        "first_touch",
        "last_touch",
        "linear",
        "position_based",
        "time_decay",
        "shapley",
    ] {
        let total: f64 = channels.iter().map(|c| c[method].as_f64().unwrap()).sum();
        assert!((total - 1.0).abs() < 1e-9, "{method} credits {total}");
        let value: f64 = channels
            .iter()
            .map(|c| {
                c[format!("{method}_value").replace("_conversions_value", "_value")]
                    .as_f64()
                    .unwrap()
            })
            .sum();
        assert!(
            (value - 10.0).abs() < 1e-9,
            "{method} credits value {value}"
        );
    }
    // CSV: the (unattributed) row carries them in every credit column.
    let csv = run(&[
        "attribute",
        "--events",
        &log,
        "--open-journeys",
        "null",
        "--format",
        "csv",
    ]);
    let text = String::from_utf8(csv.stdout).unwrap();
    let row = text
        .lines()
        .find(|l| l.starts_with("(unattributed),"))
        .unwrap_or_else(|| panic!("no (unattributed) row in\n{text}"));
    assert!(row.contains(",3.0,12.0,"), "{row}");
}

/// `--segment-col user_id` on 2,000 users over 2,000 touchpoints (the case: 4.5 GB, as
/// every segment listed every channel) runs under a 600 MB address-space limit, in CSV and JSON:
/// a segment lists the channels its own journeys touch, and the CSV view writes row by row.
#[cfg(target_os = "linux")]
#[test]
fn segments_cost_memory_in_proportion_to_the_data() {
    let dir = tempfile::tempdir().unwrap();
    let mut log = String::from("user_id,timestamp,touchpoint,conversion,value\n");
    let mut touched = std::collections::BTreeMap::new();
    for u in 0..2000 {
        let (a, b) = ((u * 7919) % 2000, (u * 104_729 + 13) % 2000);
        let converts = u % 3 == 0;
        log.push_str(&format!("u{u:04},2026-01-01,t{a},0,\n"));
        log.push_str(&format!(
            "u{u:04},2026-01-02,t{b},{},{}\n",
            converts as u8,
            if converts { "10" } else { "" }
        ));
        let distinct: std::collections::BTreeSet<_> = [a, b].into_iter().collect();
        touched.insert(format!("u{u:04}"), distinct.len());
    }
    let events = write(&dir, "users.csv", log.as_bytes());
    let bin = assert_cmd::cargo::cargo_bin("journeysim");
    let run_limited = |out: &std::path::Path| {
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg("ulimit -v 600000 && exec \"$0\" \"$@\"")
            .arg(&bin)
            .args([
                "attribute",
                "--events",
                &events,
                "--open-journeys",
                "null",
                "--segment-col",
                "user_id",
            ])
            .args(["--out", out.to_str().unwrap()])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{stderr}");
    };
    let csv_path = dir.path().join("segments.csv");
    run_limited(&csv_path);
    let text = std::fs::read_to_string(&csv_path).unwrap();
    let mut rows = std::collections::BTreeMap::<String, usize>::new();
    for line in text.lines().skip(1) {
        *rows
            .entry(line.split(',').next().unwrap().to_owned())
            .or_default() += 1;
    }
    assert!(rows["(total)"] > 1000, "{}", rows["(total)"]);
    rows.remove("(total)");
    assert_eq!(rows, touched);
    let json_path = dir.path().join("segments.json");
    run_limited(&json_path);
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json_path).unwrap()).unwrap();
    let segments = json["segments"].as_array().unwrap();
    assert_eq!(segments.len(), 2000);
    for s in segments {
        let name = s["segment"].as_str().unwrap();
        let channels = s["attribution"]["channels"].as_array().unwrap().len();
        assert_eq!(channels, touched[name], "{name}");
    }
}

#[test]
fn paths_of_an_event_log_report_path_length_and_time_lag() {
    // u1 converts on its second touch a day after its first; u2 after 19 days, on its second
    // touch; u3 on its only touch, at once; u4 never. Path length: 1 touch 1 conversion (5),
    // 2 touches 2 conversions (10 + 20); time lag: 0 days 1, 1 day 1, 12-30 days 1.
    let dir = tempfile::tempdir().unwrap();
    let log = write(
        &dir,
        "lag.csv",
        b"user_id,timestamp,touchpoint,conversion,value\n\
          u1,2026-01-01T00:00:00Z,a,0,\n\
          u1,2026-01-02T06:00:00Z,b,1,10\n\
          u2,2026-01-01T00:00:00Z,a,0,\n\
          u2,2026-01-20T00:00:00Z,c,1,20\n\
          u3,2026-01-05T00:00:00Z,a,1,5\n\
          u4,2026-01-03T00:00:00Z,b,0,\n",
    );
    let paths = json(&[
        "paths",
        "--events",
        &log,
        "--open-journeys",
        "null",
        "--format",
        "json",
    ]);
    let buckets = |field: &str| -> Vec<(String, f64, f64, f64)> {
        paths[field]
            .as_array()
            .unwrap()
            .iter()
            .filter(|b| b["conversions"].as_f64().unwrap() > 0.0)
            .map(|b| {
                (
                    b["bucket"].as_str().unwrap().to_owned(),
                    b["conversions"].as_f64().unwrap(),
                    b["share"].as_f64().unwrap(),
                    b["value"].as_f64().unwrap(),
                )
            })
            .collect()
    };
    let third = 1.0 / 3.0;
    assert_eq!(
        buckets("touches_to_conversion"),
        [
            ("1".to_owned(), 1.0, third, 5.0),
            ("2".to_owned(), 2.0, 2.0 * third, 30.0)
        ]
    );
    assert_eq!(
        buckets("days_to_conversion"),
        [
            ("0".to_owned(), 1.0, third, 5.0),
            ("1".to_owned(), 1.0, third, 10.0),
            ("12-30".to_owned(), 1.0, third, 20.0)
        ]
    );
    let labels: Vec<&str> = paths["days_to_conversion"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["bucket"].as_str().unwrap())
        .collect();
    assert_eq!(labels.len(), 15);
    assert_eq!(labels[11..], ["11", "12-30", "31-60", "61+"]);
    // A paths file has no times: no time lag.
    let from_paths = json(&["paths", "data/sample_paths.csv", "--format", "json"]);
    assert!(from_paths.get("days_to_conversion").is_none());
    assert_eq!(from_paths["touches_to_conversion"][11]["bucket"], "12+");
}

#[test]
fn compare_warns_when_a_side_has_no_known_exit() {
    // The sample log ends on 2026-02-13. With the default 30-day inactivity window, every
    // visit of a journey that starts on or after 2026-01-20 has its exit censored. Side B then
    // cannot convert, and its P(conversion) of 0 must come with a warning, not stand alone.
    let args = [
        "compare",
        "--events",
        "data/sample_events.csv",
        "--split-at",
        "2026-01-20",
        "--format",
        "json",
    ];
    let out = run(&args);
    assert!(out.status.success());
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["b"]["conversion_probability"], 0.0);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let warned = |text: &str| {
        report["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w.as_str().unwrap().contains(text))
            && stderr.contains(text)
    };
    assert!(warned(
        "[first touch from 2026-01-20]: no exit of its journeys is known"
    ));
    assert!(!warned("[first touch before 2026-01-20]: no exit"));
    // A 7-day window leaves B's exits known: the estimate stands, with no such warning.
    let mut shorter = args.to_vec();
    shorter.extend(["--inactivity-days", "7"]);
    let report = json(&shorter);
    assert!(report["b"]["conversion_probability"].as_f64().unwrap() > 0.05);
    assert!(!report["warnings"].as_array().unwrap().iter().any(|w| {
        w.as_str()
            .unwrap()
            .contains("no exit of its journeys is known")
    }));
}
