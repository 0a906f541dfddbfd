//! `journeysim report`: one self-contained HTML page. Its figures are the other commands'
//! (`attribute`, `funnel`, `whatif` as JSON) to 6 significant digits, read from the tables'
//! exact `<data value>`s; its journey map conserves traffic; it reaches for nothing on the
//! network; names from the data are escaped; bad input writes no file.

use std::path::Path;

use serde_json::Value;

use super::journey_map::MAP;
use super::support::{json, run};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn file(name: &str) -> String {
    format!("{ROOT}/{name}")
}

/// Runs `report` with `args` and `--out` in `dir`; returns the page.
fn report(dir: &Path, args: &[&str]) -> String {
    let out = dir.join("report.html");
    let mut all: Vec<&str> = vec!["report"];
    all.extend(args);
    all.extend(["--out", out.to_str().unwrap()]);
    let done = run(&all);
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    std::fs::read_to_string(out).unwrap()
}

/// The exact figures of the table row whose `data-key` is `key`, in column order.
fn row(html: &str, key: &str) -> Vec<f64> {
    let start = format!("<tr data-key=\"{key}\">");
    let at = html.find(&start).unwrap_or_else(|| panic!("no row {key}"));
    let rest = &html[at..];
    let end = rest.find("</tr>").unwrap();
    rest[..end]
        .split("<data value=\"")
        .skip(1)
        .map(|s| s[..s.find('"').unwrap()].parse().unwrap())
        .collect()
}

/// Every row key starting with `prefix`, without it.
fn keys(html: &str, prefix: &str) -> Vec<String> {
    let needle = format!("<tr data-key=\"{prefix}");
    html.match_indices(&needle)
        .map(|(i, _)| {
            let rest = &html[i + needle.len()..];
            rest[..rest.find('"').unwrap()].to_owned()
        })
        .collect()
}

fn same(a: f64, b: f64, what: &str) {
    let scale = a.abs().max(b.abs());
    assert!(
        (a - b).abs() <= 5e-7 * scale || (a - b).abs() < 1e-12,
        "{what}: report {a}, other command {b}"
    );
}

/// The page needs nothing from outside: no addresses, stylesheets, imports, scripts or fetched
/// resources; its body is well-formed (XHTML-style) and so is every inline SVG.
fn self_contained(html: &str) {
    for bad in [
        "http://", "https://", "<link", "@import", "url(", "<script", "src=", "<iframe", "<img",
    ] {
        assert!(!html.contains(bad), "the page holds {bad}");
    }
    assert!(html.contains("@page { size: A4 landscape"));
    let body = &html[html.find("<body>").unwrap()..html.find("</html>").unwrap()];
    roxmltree::Document::parse(body).unwrap_or_else(|e| panic!("body: {e}"));
    let mut svgs = 0;
    for (i, _) in html.match_indices("<svg") {
        let end = html[i..].find("</svg>").unwrap() + i + "</svg>".len();
        roxmltree::Document::parse(&html[i..end]).unwrap();
        svgs += 1;
    }
    assert!(svgs >= 1);
    // Every chart can be saved: one download link per inline SVG, a data: URL of the same file.
    assert_eq!(
        html.matches("href=\"data:image/svg+xml;base64,").count(),
        svgs
    );
    assert_eq!(html.matches(".svg\" href=").count(), svgs);
}

/// The journey map's tables conserve traffic: every touchpoint's arrivals and departures equal
/// its visits, and first touches sum to the journeys shown.
fn conserved(html: &str, journeys: f64) {
    let touchpoints = keys(html, "touchpoint:");
    assert!(!touchpoints.is_empty());
    let links: Vec<(String, String, f64)> = keys(html, "link:")
        .into_iter()
        .map(|k| {
            let (a, b) = k.split_once('|').unwrap();
            let v = row(html, &format!("link:{k}"))[0];
            (a.to_owned(), b.to_owned(), v)
        })
        .collect();
    let mut entries = 0.0;
    for t in &touchpoints {
        let [first, visits, repeats, conversions, drop_outs] =
            row(html, &format!("touchpoint:{t}"))[..]
        else {
            panic!("{t}")
        };
        let out: f64 = links.iter().filter(|l| &l.0 == t).map(|l| l.2).sum();
        let into: f64 = links.iter().filter(|l| &l.1 == t).map(|l| l.2).sum();
        same(
            out + repeats + conversions + drop_outs,
            visits,
            &format!("{t} out"),
        );
        same(first + into + repeats, visits, &format!("{t} in"));
        entries += first;
    }
    same(entries, journeys, "first touches");
}

#[test]
fn paths_with_stages_and_costs_match_attribute_and_funnel() {
    let dir = tempfile::tempdir().unwrap();
    let paths = file("data/sample_paths.csv");
    let stages = file("scenarios/stages.json");
    let costs = file("scenarios/journey_map_costs.csv");
    let html = report(
        dir.path(),
        &[
            &paths,
            "--stages",
            &stages,
            "--costs",
            &costs,
            "--currency",
            "EUR",
        ],
    );
    self_contained(&html);
    let attribution = json(&["attribute", &paths, "--format", "json", "--costs", &costs]);
    let m = &attribution["model"];
    same(
        row(&html, "journeys")[0],
        m["journeys"].as_f64().unwrap(),
        "journeys",
    );
    same(
        row(&html, "conversion_probability")[0],
        m["conversion_probability"].as_f64().unwrap(),
        "P(conversion)",
    );
    same(
        row(&html, "value_per_journey")[0],
        m["value_per_journey"].as_f64().unwrap(),
        "value per journey",
    );
    for c in attribution["channels"].as_array().unwrap() {
        let name = c["channel"].as_str().unwrap();
        let shown = row(&html, &format!("markov:{name}"));
        same(shown[0], c["markov_conversions"].as_f64().unwrap(), name);
        same(
            row(&html, &format!("last_touch:{name}"))[0],
            c["last_touch"].as_f64().unwrap(),
            name,
        );
        // Conversions, share, value, cost, CPA, ROAS.
        same(
            shown[3],
            c["cost"].as_f64().unwrap(),
            &format!("{name} cost"),
        );
        if let Some(cpa) = c["cpa"].as_f64() {
            same(shown[4], cpa, &format!("{name} CPA"));
        }
    }
    // Markov channels come sorted by credit.
    let credits: Vec<f64> = keys(&html, "markov:")
        .iter()
        .map(|k| row(&html, &format!("markov:{k}"))[0])
        .collect();
    assert!(credits.windows(2).all(|w| w[0] >= w[1]), "{credits:?}");
    let funnel = json(&["funnel", &paths, "--stages", &stages, "--format", "json"]);
    for s in funnel["stages"].as_array().unwrap() {
        let name = s["stage"].as_str().unwrap();
        let shown = row(&html, &format!("stage:{name}"));
        same(shown[0], s["exact"]["reach"].as_f64().unwrap(), name);
        same(shown[2], s["exact"]["convert"].as_f64().unwrap(), name);
        same(shown[3], s["exact"]["drop_out"].as_f64().unwrap(), name);
        same(
            row(&html, &format!("reach:{name}"))[0],
            s["exact"]["reach"].as_f64().unwrap(),
            name,
        );
    }
    // "Or a later one" never rises.
    let later: Vec<f64> = keys(&html, "stage:")
        .iter()
        .map(|k| row(&html, &format!("stage:{k}"))[1])
        .collect();
    assert!(later.windows(2).all(|w| w[0] >= w[1] - 1e-12), "{later:?}");
    conserved(&html, m["journeys"].as_f64().unwrap());
    assert!(!keys(&html, "path:").is_empty());
    assert!(html.contains("CPA") && html.contains("EUR"));
}

#[test]
fn a_model_has_removal_effects_only_and_says_what_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("model.json");
    let model = model.to_str().unwrap();
    let fitted = run(&[
        "fit",
        &file("data/sample_paths.csv"),
        "--stages",
        &file("scenarios/stages.json"),
        "--out",
        model,
    ]);
    assert!(fitted.status.success());
    let html = report(dir.path(), &["--model", model]);
    self_contained(&html);
    assert!(html.contains("Only Markov removal effects exist for a model or a journey map"));
    assert!(html.contains("No paths: a model or a journey map"));
    let funnel = json(&["funnel", "--model", model, "--format", "json"]);
    same(
        row(&html, "conversion_probability")[0],
        funnel["conversion_probability"].as_f64().unwrap(),
        "P(conversion)",
    );
    // A fitted model knows its journeys.
    let file: Value = serde_json::from_str(&std::fs::read_to_string(model).unwrap()).unwrap();
    let journeys = file["totals"]["journeys"].as_f64().unwrap();
    same(row(&html, "journeys")[0], journeys, "journeys");
    conserved(&html, journeys);
    let shares: f64 = keys(&html, "removal:")
        .iter()
        .map(|k| row(&html, &format!("removal:{k}"))[2])
        .sum();
    same(shares, 1.0, "credit shares");
}

#[test]
fn a_map_with_a_scenario_matches_whatif() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = file("scenarios/checkout_abandonment.json");
    let engine = ["--journeys", "20000", "--seed", "7"];
    let mut args = vec!["--map", MAP, "--scenario", &scenario];
    args.extend(engine);
    let html = report(dir.path(), &args);
    self_contained(&html);
    let mut whatif_args = vec![
        "whatif",
        "--map",
        MAP,
        "--scenario",
        &scenario,
        "--format",
        "json",
    ];
    whatif_args.extend(engine);
    let whatif = json(&whatif_args);
    let s: &Value = &whatif["scenarios"][0];
    let shown = row(&html, &format!("scenario:{}", s["name"].as_str().unwrap()));
    let d = &s["difference"];
    let expected = [
        s["baseline"]["conversion_probability"].as_f64().unwrap(),
        s["scenario"]["conversion_probability"].as_f64().unwrap(),
        d["expected_conversions"].as_f64().unwrap(),
        d["conversions"].as_f64().unwrap(),
        d["conversions_ci"][0].as_f64().unwrap(),
        d["conversions_ci"][1].as_f64().unwrap(),
        d["expected_value"].as_f64().unwrap(),
        d["value"].as_f64().unwrap(),
    ];
    for (i, (a, b)) in shown.iter().zip(expected).enumerate() {
        same(*a, b, &format!("scenario column {i}"));
    }
    same(
        row(&html, "conversion_probability")[0],
        s["baseline"]["conversion_probability"].as_f64().unwrap(),
        "P(conversion)",
    );
    // A map has no observed journeys: the map is drawn per 1,000 journeys.
    assert!(!html.contains("data-key=\"journeys\""));
    conserved(&html, 1000.0);
    // The map's own stages are the funnel's.
    assert!(!keys(&html, "stage:").is_empty());
}

#[test]
fn names_from_the_data_are_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let paths = dir.path().join("paths.csv");
    std::fs::write(
        &paths,
        "path,total_conversions,total_conversion_value,total_null\n\
         <script>alert(1)</script>|a&b,3,30,2\n\
         a&b,1,5,6\n\
         \"x\"\"y\",0,0,4\n",
    )
    .unwrap();
    let html = report(dir.path(), &[paths.to_str().unwrap(), "--channel-sep", "|"]);
    self_contained(&html);
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("a&amp;b"));
    assert!(!html.contains("a&b"));
}

/// Runs `report` expecting a usage or input error: exit 2, and no file at `out`.
fn refused(args: &[&str], out: &Path, message: &str) {
    let done = run(args);
    let stderr = String::from_utf8_lossy(&done.stderr);
    assert_eq!(done.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(message), "{stderr}");
    assert!(!out.exists());
    let dir = out.parent().unwrap();
    assert_eq!(
        std::fs::read_dir(dir).unwrap().count(),
        1,
        "a file was left behind"
    );
}

#[test]
fn bad_input_exits_2_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report.html");
    let scenario = dir.path().join("bad.json");
    std::fs::write(
        &scenario,
        r#"{"name": "bad", "changes": [{"change": "scale_dropout", "at": "checkuot", "factor": 0.8}]}"#,
    )
    .unwrap();
    let o = out.to_str().unwrap();
    refused(&["report", "--map", MAP], &out, "--out");
    refused(
        &[
            "report",
            "--map",
            MAP,
            "--scenario",
            scenario.to_str().unwrap(),
            "--out",
            o,
        ],
        &out,
        "checkuot",
    );
    let pdf = dir.path().join("report.pdf");
    refused(
        &["report", "--map", MAP, "--out", pdf.to_str().unwrap()],
        &out,
        "HTML",
    );
    refused(
        &["report", "--map", MAP, "--format", "json", "--out", o],
        &out,
        "--format",
    );
}

#[test]
fn a_map_with_costs_prices_its_credit_shares_over_the_period() {
    let dir = tempfile::tempdir().unwrap();
    let costs = file("scenarios/journey_map_costs.csv");
    let html = report(
        dir.path(),
        &[
            "--map",
            MAP,
            "--costs",
            &costs,
            "--period-journeys",
            "100000",
        ],
    );
    self_contained(&html);
    let p = row(&html, "conversion_probability")[0];
    let mut credited = 0.0;
    for channel in keys(&html, "removal:") {
        // Removal effects, share, conversions and value per period, cost, CPA, ROAS.
        let [_, _, share, conversions, _, cost, cpa, _] =
            row(&html, &format!("removal:{channel}"))[..]
        else {
            panic!("{channel}: {:?}", row(&html, &format!("removal:{channel}")))
        };
        same(conversions, share * p * 100_000.0, &channel);
        same(cpa, cost / conversions, &channel);
        credited += conversions;
    }
    same(credited, p * 100_000.0, "conversions credited");
}
