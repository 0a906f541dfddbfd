//! `journeysim funnel`: exact from a map or model, observed from data; the stage file and the
//! model's attached stage map.

use serde_json::Value;

use super::journey_map::MAP;
use super::support::{json, run};

const STAGES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/stages.json");
const EVENTS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/sample_events.csv");

#[test]
fn observed_funnel_of_generated_data_agrees_with_the_maps_exact_funnel() {
    // Each observed share is a binomial proportion over N journeys: we allow 4 standard errors
    // sqrt(p (1 - p) / N) around the map's exact share.
    let dir = tempfile::tempdir().unwrap();
    let paths = dir.path().join("paths.csv");
    let n = 200_000.0;
    let out = run(&[
        "generate",
        "--map",
        MAP,
        "--journeys",
        "200000",
        "--seed",
        "8",
        "--out",
        paths.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    let exact = json(&["funnel", "--map", MAP, "--format", "json"]);
    let data = json(&[
        "funnel",
        paths.to_str().unwrap(),
        "--stages",
        STAGES,
        "--format",
        "json",
    ]);
    for (e, d) in exact["stages"]
        .as_array()
        .unwrap()
        .iter()
        .zip(data["stages"].as_array().unwrap())
    {
        assert_eq!(e["stage"], d["stage"]);
        for field in ["reach", "move_on", "convert", "drop_out"] {
            let p = e["exact"][field].as_f64().unwrap();
            let q = d["observed"][field].as_f64().unwrap();
            let se = (p * (1.0 - p) / n).sqrt().max(1.0 / n);
            assert!(
                (p - q).abs() < 4.0 * se,
                "{} {field}: exact {p}, observed {q}",
                e["stage"]
            );
        }
    }
    // Every journey ends in exactly one stage.
    let ends: f64 = exact["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["exact"]["convert"].as_f64().unwrap() + s["exact"]["drop_out"].as_f64().unwrap())
        .sum();
    assert!((ends - 1.0).abs() < 1e-12);
    let p = exact["conversion_probability"].as_f64().unwrap();
    let converts: f64 = exact["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["exact"]["convert"].as_f64().unwrap())
        .sum();
    assert!((converts - p).abs() < 1e-12);
    // Leak ranks are a permutation ranked by drop-out.
    let mut ranked: Vec<(u64, f64)> = data["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["leak_rank"].as_u64().unwrap(),
                s["observed"]["drop_out"].as_f64().unwrap(),
            )
        })
        .collect();
    ranked.sort_by_key(|r| r.0);
    assert!(ranked.windows(2).all(|w| w[0].1 >= w[1].1));
}

#[test]
fn event_logs_give_the_median_time_to_conversion() {
    let v = json(&[
        "funnel",
        "--events",
        EVENTS,
        "--open-journeys",
        "null",
        "--stages",
        STAGES,
        "--format",
        "json",
    ]);
    let median = v["median_days_to_conversion"].as_f64().unwrap();
    // Converting journeys have ~3 touches with dwell means of hours to days.
    assert!(median > 0.0 && median < 30.0, "{median}");
    assert_eq!(v["input_kind"], "events");
}

#[test]
fn fit_attaches_the_stage_map_and_funnel_uses_it() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("model.json");
    let data = concat!(env!("CARGO_MANIFEST_DIR"), "/data/sample_paths.csv");
    assert!(
        run(&[
            "fit",
            data,
            "--stages",
            STAGES,
            "--out",
            model.to_str().unwrap()
        ])
        .status
        .success()
    );
    let file: Value = serde_json::from_str(&std::fs::read_to_string(&model).unwrap()).unwrap();
    assert_eq!(file["stages"]["touchpoints"]["checkout"], "Purchase");
    let from_model = json(&[
        "funnel",
        "--model",
        model.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let from_data = json(&["funnel", data, "--stages", STAGES, "--format", "json"]);
    for (a, b) in from_model["stages"]
        .as_array()
        .unwrap()
        .iter()
        .zip(from_data["stages"].as_array().unwrap())
    {
        let (x, y) = (
            a["exact"]["reach"].as_f64().unwrap(),
            b["exact"]["reach"].as_f64().unwrap(),
        );
        assert!((x - y).abs() < 1e-12);
    }
    // Without --stages the model file has no stage map (older readers see the same file) and
    // funnel asks for one.
    let plain = dir.path().join("plain.json");
    assert!(
        run(&["fit", data, "--out", plain.to_str().unwrap()])
            .status
            .success()
    );
    assert!(
        !std::fs::read_to_string(&plain)
            .unwrap()
            .contains("\"stages\"")
    );
    let out = run(&["funnel", "--model", plain.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no stage map"));
}

#[test]
fn bad_stage_files_exit_2_with_the_json_path() {
    let dir = tempfile::tempdir().unwrap();
    let data = concat!(env!("CARGO_MANIFEST_DIR"), "/data/sample_paths.csv");
    let write = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p.to_str().unwrap().to_owned()
    };
    let dup = write("dup.json", r#"{"stages": ["A", "A"], "touchpoints": {}}"#);
    let typo = write(
        "typo.json",
        &std::fs::read_to_string(STAGES)
            .unwrap()
            .replace("\"live_chat\"", "\"live_chatt\""),
    );
    for (args, expected) in [
        (
            vec!["funnel", data, "--stages", dup.as_str()],
            "stages[1]: duplicate stage name 'A'".to_string(),
        ),
        (
            vec!["fit", data, "--stages", typo.as_str()],
            format!("{typo}: touchpoints.live_chatt: unknown touchpoint 'live_chatt'"),
        ),
        (
            vec!["funnel", data, "--stages", typo.as_str()],
            "no stage for live_chat".to_string(),
        ),
    ] {
        let out = run(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(&expected), "{stderr}");
    }
    let out = run(&["funnel", data, "--map", MAP]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn maps_exact_mean_time_to_conversion_matches_generated_event_logs() {
    // The observed mean over n converting journeys has standard error sd / sqrt(n); we compute
    // sd from the same journeys and allow 4 standard errors (timestamps are floored to the
    // second, a bias below 1e-5 days).
    let exact = json(&["funnel", "--map", MAP, "--format", "json"]);
    let mean = exact["mean_days_to_conversion"].as_f64().unwrap();
    let out = run(&[
        "generate",
        "--map",
        MAP,
        "--journeys",
        "40000",
        "--seed",
        "12",
        "--format",
        "events",
    ]);
    let text = String::from_utf8(out.stdout).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let events = dir.path().join("events.csv");
    std::fs::write(&events, &text).unwrap();
    let observed = json(&[
        "funnel",
        "--events",
        events.to_str().unwrap(),
        "--open-journeys",
        "null",
        "--stages",
        STAGES,
        "--lookback-days",
        "3650",
        "--inactivity-days",
        "3650",
        "--format",
        "json",
    ]);
    let observed_mean = observed["mean_days_to_conversion"].as_f64().unwrap();
    // Per-journey days, for the standard deviation.
    let mut first: Option<(String, f64)> = None;
    let mut days = Vec::new();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let t = journeysim_io::time::parse_timestamp(f[1]).unwrap();
        if first.as_ref().is_none_or(|(u, _)| u != f[0]) {
            first = Some((f[0].to_string(), t));
        }
        if f[5] == "1" {
            days.push((t - first.as_ref().unwrap().1) / 86_400.0);
        }
    }
    let n = days.len() as f64;
    let m = days.iter().sum::<f64>() / n;
    let sd = (days.iter().map(|d| (d - m).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    assert!((m - observed_mean).abs() < 1e-9);
    assert!(
        (observed_mean - mean).abs() < 4.0 * sd / n.sqrt(),
        "observed {observed_mean}, exact {mean}, se {}",
        sd / n.sqrt()
    );
}

/// The trimmed text of every `<text>` element, after checking the file parses as an SVG.
fn svg_texts(svg: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(svg).expect("the SVG parses as XML");
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text().map(|t| t.trim().to_owned()))
        .collect()
}

#[test]
fn funnel_svg_is_valid_and_draws_every_stage_at_its_exact_reach() {
    let dir = tempfile::tempdir().unwrap();
    let data = concat!(env!("CARGO_MANIFEST_DIR"), "/data/sample_paths.csv");
    let svg = dir.path().join("funnel.svg");
    let svg_arg = svg.to_str().unwrap();
    for args in [
        vec!["funnel", "--map", MAP],
        vec!["funnel", data, "--stages", STAGES],
    ] {
        let json_args: Vec<&str> = args.iter().copied().chain(["--format", "json"]).collect();
        let report = json(&json_args);
        let drawn: Vec<&str> = args.iter().copied().chain(["--svg", svg_arg]).collect();
        let out = run(&drawn);
        assert!(out.status.success(), "{args:?}");
        // The table still goes to standard output beside the picture.
        assert!(String::from_utf8_lossy(&out.stdout).contains("leak rank"));
        let texts = svg_texts(&std::fs::read_to_string(&svg).unwrap());
        let stages = report["stages"].as_array().unwrap();
        assert!(stages.len() >= 2);
        for stage in stages {
            let name = stage["stage"].as_str().unwrap();
            assert!(texts.iter().any(|t| t == name), "{name} missing: {texts:?}");
            // Each bar is labelled with its stage's exact reach, as a percentage of journeys.
            let reach = format!("{:.1}%", 100.0 * stage["exact"]["reach"].as_f64().unwrap());
            assert!(
                texts.contains(&reach),
                "{name}: no bar label {reach}: {texts:?}"
            );
        }
    }
}

#[test]
fn failed_funnel_writes_no_svg() {
    let dir = tempfile::tempdir().unwrap();
    let data = concat!(env!("CARGO_MANIFEST_DIR"), "/data/sample_paths.csv");
    let svg = dir.path().join("funnel.svg");
    // Data without a stage map is a usage error: exit 2 and no file.
    let out = run(&["funnel", data, "--svg", svg.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(!svg.exists());
}

/// Data whose every row has zero conversions and zero nulls hold no journey: exit 2 naming the
/// file (it used to panic), also when a skipped row names a touchpoint the stage file lacks.
#[test]
fn funnel_of_data_without_journeys_exits_2_naming_the_input() {
    let dir = tempfile::tempdir().unwrap();
    let header = "path,total_conversions,total_conversion_value,total_null\n";
    for (name, rows) in [
        (
            "staged.csv",
            "social_ads > checkout,0,0,0\nonline_search,0,0,0\n",
        ),
        ("unstaged.csv", "email > search,0,0,0\nsearch,0,0,0\n"),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, format!("{header}{rows}")).unwrap();
        let out = run(&["funnel", path.to_str().unwrap(), "--stages", STAGES]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {stderr}");
        assert!(stderr.contains(name), "{stderr}");
        assert!(stderr.contains("no journeys"), "{stderr}");
    }
}
