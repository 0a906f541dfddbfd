//! `journeysim serve` over HTTP: the API answers what the command line answers, bad requests
//! get the command line's messages with 400 and change nothing, and an interrupt stops it.

use serde_json::Value;

use crate::support::run;
use crate::web::Server;

const CHECKOUT: &str = "scenarios/checkout_abandonment.json";

/// `whatif --format json` on `args`.
fn whatif_json(args: &[&str]) -> Value {
    let mut all = vec!["whatif"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--format", "json", "--quiet"]);
    crate::support::json(&all)
}

/// The exact fields of `whatif`'s arms and difference.
const EXACT_ARM: [&str; 4] = [
    "conversion_probability",
    "value_per_journey",
    "expected_conversions",
    "expected_value",
];
const EXACT_DIFFERENCE: [&str; 4] = [
    "expected_conversions",
    "expected_value",
    "conversion_probability",
    "relative_conversion_probability",
];

#[test]
fn the_api_answers_what_the_command_line_answers() {
    for (input, journeys, file) in [
        (&["data/sample_paths.csv"][..], "20000", CHECKOUT),
        (
            &["data/paths_10k.csv", "--order", "3"][..],
            "5000",
            "scenarios/remove_display.json",
        ),
    ] {
        let mut args = input.to_vec();
        args.extend_from_slice(&["--journeys", journeys, "--port", "0"]);
        let server = Server::start(&args);
        let health = server.get_json("/api/health");
        assert_eq!(health["status"], "ok");

        let scenario = std::fs::read(file).unwrap();
        let mut cli_args = input.to_vec();
        cli_args.extend_from_slice(&["--scenario", file, "--journeys", journeys]);
        let cli = whatif_json(&cli_args);
        let cli_outcome = &cli["scenarios"][0];

        // The exact figures: bit for bit the command line's.
        let exact = server.post_json("/api/whatif", &scenario);
        let outcome = &exact["scenarios"][0];
        assert_eq!(exact["journeys"].as_u64(), Some(journeys.parse().unwrap()));
        for arm in ["baseline", "scenario"] {
            for field in EXACT_ARM {
                assert_eq!(
                    outcome[arm][field], cli_outcome[arm][field],
                    "{arm}.{field}"
                );
            }
        }
        for field in EXACT_DIFFERENCE {
            assert_eq!(
                outcome["difference"][field], cli_outcome["difference"][field],
                "difference.{field}"
            );
        }
        assert_eq!(outcome["channels"], cli_outcome["channels"]);
        assert_eq!(outcome["name"], cli_outcome["name"]);

        // The baseline of GET /api/model is the same baseline.
        let model = server.get_json("/api/model");
        for field in EXACT_ARM {
            assert_eq!(
                model["baseline"][field], cli_outcome["baseline"][field],
                "{field}"
            );
        }
        let touchpoints = model["touchpoints"].as_array().unwrap();
        let entry: f64 = touchpoints
            .iter()
            .map(|t| t["entry_share"].as_f64().unwrap())
            .sum();
        assert!((entry - 1.0).abs() < 1e-9, "entry shares add up to {entry}");

        // A simulation is `whatif`'s, to the last digit, at the same journeys and seed.
        let request = format!(
            r#"{{"journeys": {journeys}, "scenario": {}}}"#,
            String::from_utf8(scenario).unwrap()
        );
        let mut simulated = server.post_json("/api/simulate", request.as_bytes());
        simulated["scenarios"][0]["file"] = cli_outcome["file"].clone();
        assert_eq!(simulated, cli);
    }
}

#[test]
fn a_simulation_without_a_scenario_is_what_simulate_gives() {
    let server = Server::start(&["data/sample_paths.csv", "--port", "0"]);
    let simulated = server.post_json("/api/simulate", br#"{"journeys": 30000, "seed": 7}"#);
    let cli = crate::support::json(&[
        "simulate",
        "data/sample_paths.csv",
        "--journeys",
        "30000",
        "--seed",
        "7",
        "--format",
        "json",
        "--quiet",
    ]);
    assert_eq!(simulated, cli);
}

/// The command line's error for `scenario`, with the file's name where the API says `request`.
fn cli_error(scenario: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("s.json");
    std::fs::write(&file, scenario).unwrap();
    let file = file.display().to_string();
    let out = run(&[
        "whatif",
        "data/sample_paths.csv",
        "--scenario",
        &file,
        "--journeys",
        "100",
    ]);
    assert_eq!(out.status.code(), Some(2), "{scenario}");
    let text = String::from_utf8(out.stderr).unwrap();
    text.trim()
        .strip_prefix("error: ")
        .unwrap()
        .replace(&file, "request")
}

#[test]
fn bad_requests_get_the_command_lines_message_and_change_nothing() {
    let server = Server::start(&["data/sample_paths.csv", "--port", "0"]);
    let model = server.request("GET", "/api/model", b"");
    let error = |method: &str, path: &str, body: &[u8], status: u16| -> String {
        let (got, text) = server.request(method, path, body);
        assert_eq!(
            got,
            status,
            "{method} {path} {}: {text}",
            String::from_utf8_lossy(body)
        );
        let value: Value = serde_json::from_str(&text).unwrap();
        value["error"].as_str().unwrap().to_owned()
    };
    // The same words as `journeysim whatif --scenario` for the same document.
    for scenario in [
        r#"{"name": "x", "changes": [{"change": "scale_dropout", "at": "chekout", "factor": 0.8}]}"#,
        r#"{"name": "x", "changes": [{"change": "scale_dropout", "at": "checkout", "factor": -1}]}"#,
        r#"{"name": "x", "changes": [{"change": "set_entry", "touchpoint": "email_campaign", "probability": 2}]}"#,
        r#"{"name": "x", "changes": [{"change": "scale_conversion", "at": "website_visit", "factor": 2}]}"#,
        r#"{"name": "x", "changes": [{"change": "scale_dwell", "at": "checkout", "factor": 2}]}"#,
        r#"{"name": "x", "changes": [{"change": "scale_spend", "channel": "checkout", "factor": 2}]}"#,
        r#"{"name": "x", "changes": [], "extra": 1}"#,
        r#"{"name": "x", "changes": []}"#,
        r#"{"name": "x", "changes": [{"change": "scale_dropout", "at": "checkout", "factor": 0.8}"#,
        "not json at all",
    ] {
        let message = error("POST", "/api/whatif", scenario.as_bytes(), 400);
        assert_eq!(message, cli_error(scenario), "{scenario}");
    }
    assert!(error("POST", "/api/whatif", &[0xff, 0xfe], 400).contains("not UTF-8"));
    for (body, words) in [
        (r#"{"journeys": 0}"#.to_owned(), "ask for 1 to"),
        (r#"{"journeys": 1000000000000}"#.to_owned(), "ask for 1 to"),
        (r#"{"journeys": -5}"#.to_owned(), "journeys is -5"),
        (r#"{"journeys": 2.5}"#.to_owned(), "journeys is 2.5"),
        (r#"{"journeys": 10, "seed": -1}"#.to_owned(), "seed is -1"),
        (r#"{"journeys": "10"}"#.to_owned(), "expected"),
        (r#"{"journeys": 10, "speed": 1}"#.to_owned(), "unknown field `speed`"),
        (
            r#"{"journeys": 10, "scenario": {"name": "x", "changes": [{"change": "remove_touchpoint", "touchpoint": "nope"}]}}"#
                .to_owned(),
            "unknown touchpoint 'nope'",
        ),
    ] {
        let message = error("POST", "/api/simulate", body.as_bytes(), 400);
        assert!(message.contains(words), "{body}: {message}");
    }
    // Bodies over 1 MiB are refused whole.
    let big = vec![b' '; (1 << 20) + 1];
    let (status, _) = server.request("POST", "/api/whatif", &big);
    assert_eq!(status, 413);
    assert!(error("GET", "/nowhere", b"", 404).contains("/api/model"));
    // Nothing a request sent changed the model another tab sees.
    assert_eq!(server.request("GET", "/api/model", b""), model);
    assert_eq!(server.get_json("/api/health")["status"], "ok");
}

#[test]
fn ctrl_c_stops_it_cleanly() {
    let server = Server::start(&["data/sample_paths.csv", "--port", "0"]);
    assert_eq!(server.get_json("/api/health")["status"], "ok");
    let (status, stderr) = server.interrupt();
    assert!(status.success(), "{status:?}: {stderr}");
    assert!(stderr.contains("stopping"), "{stderr}");
}

#[test]
fn a_host_beyond_this_machine_is_warned_about() {
    let server = Server::start(&["data/sample_paths.csv", "--port", "0", "--host", "0.0.0.0"]);
    let (_, stderr) = server.interrupt();
    assert!(stderr.contains("warning: --host 0.0.0.0"), "{stderr}");
    let server = Server::start(&["data/sample_paths.csv", "--port", "0"]);
    let (_, stderr) = server.interrupt();
    assert!(!stderr.contains("warning"), "{stderr}");
}

#[test]
fn flags_that_cannot_apply_are_errors() {
    for (args, words) in [
        (
            &["data/sample_paths.csv", "--precision", "0.001"][..],
            "precision",
        ),
        (
            &["data/sample_paths.csv", "--journeys", "1e9"][..],
            "journeys",
        ),
        (
            &["data/sample_paths.csv", "--horizons", "7"][..],
            "horizons",
        ),
        (&["data/no_such_file.csv"][..], "no_such_file"),
        (
            &["data/sample_paths.csv", "--format", "json"][..],
            "--format does not apply",
        ),
        (
            &["data/sample_paths.csv", "--out", "x.json"][..],
            "--out does not apply",
        ),
    ] {
        let mut all = vec!["serve"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--port", "0"]);
        let out = run(&all);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(stderr.contains(words), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?} printed a URL");
    }
}

#[test]
fn with_a_budget_plan_spends_are_what_ifs_too() {
    let server = Server::start(&[
        "data/paths_10k.csv",
        "--budget",
        "scenarios/budget_10k.json",
        "--journeys",
        "5000",
        "--port",
        "0",
    ]);
    let model = server.get_json("/api/model");
    let budget = &model["budget"];
    assert_eq!(budget["currency"], "EUR");
    let display = budget["channels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["channel"] == "display")
        .unwrap();
    assert_eq!(display["spend"].as_f64(), Some(8000.0));
    // The panel's spend box writes set_spend; its answer is `whatif --budget`'s.
    let scenario = r#"{"name": "less display", "changes": [{"change": "set_spend", "channel": "display", "spend": 4000}]}"#;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("less_display.json");
    std::fs::write(&file, scenario).unwrap();
    let cli = whatif_json(&[
        "data/paths_10k.csv",
        "--budget",
        "scenarios/budget_10k.json",
        "--scenario",
        &file.display().to_string(),
        "--journeys",
        "5000",
    ]);
    let exact = server.post_json("/api/whatif", scenario.as_bytes());
    let (api, cli) = (&exact["scenarios"][0], &cli["scenarios"][0]);
    for arm in ["baseline", "scenario"] {
        for field in EXACT_ARM {
            assert_eq!(api[arm][field], cli[arm][field], "{arm}.{field}");
        }
        assert_eq!(api[arm]["period"], cli[arm]["period"], "{arm}.period");
    }
    assert_eq!(api["difference"]["period"], cli["difference"]["period"]);
    assert!(
        api["difference"]["period"]["cost"].as_f64().unwrap() < 0.0,
        "{api}"
    );
}
