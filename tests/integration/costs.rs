//! `--costs`: CPA, ROAS and CAC checked from their definitions, against the independent
//! reference credits of `tests/data/`, on hand-computed data, in every command that prices its
//! answer, and the flags that cannot apply.

use std::collections::HashMap;

use serde_json::Value;

use crate::support::{json, run};

const PATHS: &str = "tests/data/paths_10k.csv";
const COSTS: &str = "data/costs_10k.csv";

/// The shipped sample costs, by channel.
fn sample_costs() -> HashMap<String, f64> {
    let text = std::fs::read_to_string(COSTS).unwrap();
    text.lines()
        .skip(1)
        .map(|l| {
            let (c, x) = l.split_once(',').unwrap();
            (c.to_owned(), x.parse().unwrap())
        })
        .collect()
}

/// An independent exact reference: channel -> column -> value.
fn reference(order: usize) -> HashMap<String, HashMap<String, f64>> {
    let text =
        std::fs::read_to_string(format!("tests/data/paths_10k_exact_order{order}.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    lines
        .map(|l| {
            let cells: Vec<&str> = l.split(',').collect();
            let row = header[1..]
                .iter()
                .zip(&cells[1..])
                .map(|(h, c)| ((*h).to_owned(), c.parse().unwrap()))
                .collect();
            (cells[0].to_owned(), row)
        })
        .collect()
}

fn close(got: &Value, want: f64, tolerance: f64, what: &str) {
    let got = got
        .as_f64()
        .unwrap_or_else(|| panic!("{what}: {got} is not a number"));
    assert!(
        (got - want).abs() <= tolerance * want.abs().max(1e-300),
        "{what}: {got} != {want}"
    );
}

/// The conversion and value credit fields of each method.
const METHODS: [(&str, &str, &str); 8] = [
    ("markov", "markov_conversions", "markov_value"),
    ("first_touch", "first_touch", "first_touch_value"),
    ("last_touch", "last_touch", "last_touch_value"),
    ("linear", "linear", "linear_value"),
    ("position_based", "position_based", "position_based_value"),
    ("time_decay", "time_decay", "time_decay_value"),
    ("shapley", "shapley", "shapley_value"),
    (
        "shapley_ordered",
        "shapley_ordered",
        "shapley_ordered_value",
    ),
];

/// A credit field: a number, or ordered Shapley's positions summed.
fn credit(c: &Value, field: &str) -> f64 {
    match &c[field] {
        Value::Array(xs) => xs.iter().map(|x| x.as_f64().unwrap()).sum(),
        x => x.as_f64().unwrap(),
    }
}

fn check_every_method(order: usize) {
    let order_text = order.to_string();
    let out = json(&[
        "attribute",
        PATHS,
        "--order",
        &order_text,
        "--costs",
        COSTS,
        "--format",
        "json",
    ]);
    let costs = sample_costs();
    let reference = reference(order);
    let channels = out["channels"].as_array().unwrap();
    assert_eq!(channels.len(), 12);
    for c in channels {
        let name = c["channel"].as_str().unwrap();
        let cost = costs[name];
        close(&c["cost"], cost, 0.0, name);
        for (method, conversions, value) in METHODS {
            let suffix = if method == "markov" {
                String::new()
            } else {
                format!("_{method}")
            };
            let (cpa, roas) = (&c[format!("cpa{suffix}")], &c[format!("roas{suffix}")]);
            let what = format!("order {order} {name} {method}");
            // From the definitions, on the credits reported beside them.
            close(cpa, cost / credit(c, conversions), 1e-12, &what);
            if cost > 0.0 {
                close(roas, credit(c, value) / cost, 1e-12, &what);
            } else {
                assert!(roas.is_null(), "{what}: a free channel has no ROAS: {roas}");
            }
            // Against the independent reference credits, where it has them (12 digits).
            if let (Some(conv), Some(val)) =
                (reference[name].get(conversions), reference[name].get(value))
            {
                close(cpa, cost / conv, 1e-9, &format!("{what} (reference)"));
                if cost > 0.0 {
                    close(roas, val / cost, 1e-9, &format!("{what} (reference)"));
                }
            }
        }
    }
    let m = &out["model"];
    let total: f64 = costs.values().sum();
    // Every method credits every channel here, so each method's CPA times its credits gives back
    // each channel's cost, and summed, the total.
    for (method, conversions, _) in METHODS {
        let suffix = if method == "markov" {
            String::new()
        } else {
            format!("_{method}")
        };
        let spent: f64 = channels
            .iter()
            .map(|c| c[format!("cpa{suffix}")].as_f64().unwrap() * credit(c, conversions))
            .sum();
        assert!(
            (spent - total).abs() <= 1e-9 * total,
            "{method}: {spent} != {total}"
        );
    }
    close(&m["total_cost"], total, 1e-15, "total_cost");
    close(
        &m["cac"],
        total / m["total_conversions"].as_f64().unwrap(),
        1e-15,
        "cac",
    );
    close(
        &m["roas"],
        m["total_value"].as_f64().unwrap() / total,
        1e-15,
        "roas",
    );
    assert_eq!(m["cost_input"], COSTS);
}

#[test]
fn cpa_and_roas_of_every_method_follow_their_definitions_on_the_reference_data_order_1() {
    check_every_method(1);
}

#[test]
fn cpa_and_roas_of_every_method_follow_their_definitions_on_the_reference_data_order_3() {
    check_every_method(3);
}

#[test]
fn cpa_and_roas_intervals_come_from_the_credit_resamples() {
    let out = json(&[
        "attribute",
        PATHS,
        "--models",
        "markov,linear",
        "--intervals",
        "--resamples",
        "60",
        "--seed",
        "3",
        "--costs",
        COSTS,
        "--format",
        "json",
    ]);
    let costs = sample_costs();
    for c in out["channels"].as_array().unwrap() {
        let name = c["channel"].as_str().unwrap();
        let cost = costs[name];
        let ci = |f: &str, i: usize| c[f][i].as_f64().unwrap();
        // CPA falls as the credit rises: the ends swap.
        close(
            &c["cpa_ci"][0],
            cost / ci("markov_conversions_ci", 1),
            1e-12,
            name,
        );
        close(
            &c["cpa_ci"][1],
            cost / ci("markov_conversions_ci", 0),
            1e-12,
            name,
        );
        if cost > 0.0 {
            close(
                &c["roas_ci"][0],
                ci("markov_value_ci", 0) / cost,
                1e-12,
                name,
            );
            close(
                &c["roas_ci"][1],
                ci("markov_value_ci", 1) / cost,
                1e-12,
                name,
            );
            let point = c["cpa"].as_f64().unwrap();
            assert!(
                ci("cpa_ci", 0) <= point && point <= ci("cpa_ci", 1),
                "{name}"
            );
        } else {
            assert!(
                c["roas_ci"][0].is_null() && c["roas_ci"][1].is_null(),
                "{name}"
            );
        }
        // Only Markov has intervals.
        assert!(c.get("cpa_linear_ci").is_none());
    }
}

/// Writes `files` into a fresh directory and returns it.
fn files(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

fn path(dir: &tempfile::TempDir, name: &str) -> String {
    dir.path().join(name).to_str().unwrap().to_owned()
}

/// a > b converts 3 times (value 30) in 4 journeys, c once (value 5) in 4. Markov credits a and
/// b 12/7 conversions each and c 4/7; the value removal effects 30/35, 30/35, 5/35 share the 35
/// of value: 210/13 each for a and b, 35/13 for c.
const SMALL: &str =
    "path,total_conversions,total_conversion_value,total_null\na > b,3,30,1\nc,1,5,3\n";

#[test]
fn hand_computed_figures_in_every_format() {
    let dir = files(&[
        ("p.csv", SMALL),
        ("c.csv", "channel,cost\na,1200\nc,2\nb,0\n"),
    ]);
    let (p, c) = (path(&dir, "p.csv"), path(&dir, "c.csv"));
    let base = [
        "attribute",
        p.as_str(),
        "--models",
        "markov,last_touch",
        "--costs",
        c.as_str(),
        "--currency",
        "EUR",
    ];
    let out = json(&[&base[..], &["--format", "json"]].concat());
    let channel = |name: &str| {
        out["channels"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["channel"] == name)
            .unwrap()
            .clone()
    };
    let (a, b, cc) = (channel("a"), channel("b"), channel("c"));
    close(&a["cpa"], 1200.0 * 7.0 / 12.0, 1e-12, "a cpa");
    close(&a["roas"], 210.0 / 13.0 / 1200.0, 1e-12, "a roas");
    assert!(
        a["cpa_last_touch"].is_null(),
        "no conversion credited: no CPA"
    );
    close(&a["roas_last_touch"], 0.0, 0.0, "a roas last touch");
    close(&b["cpa"], 0.0, 0.0, "b cpa");
    assert!(b["roas"].is_null(), "a cost of 0 has no ROAS");
    close(&cc["cpa"], 2.0 * 7.0 / 4.0, 1e-12, "c cpa");
    close(&cc["cpa_last_touch"], 2.0, 1e-12, "c cpa last touch");
    close(&cc["roas_last_touch"], 2.5, 1e-12, "c roas last touch");
    let m = &out["model"];
    close(&m["total_cost"], 1202.0, 0.0, "total");
    close(&m["cac"], 1202.0 / 4.0, 1e-15, "cac");
    close(&m["roas"], 35.0 / 1202.0, 1e-15, "roas");
    assert_eq!(m["currency"], "EUR");

    let table = run(&base);
    let table = String::from_utf8(table.stdout).unwrap();
    assert!(
        table.contains("total 1,202.00 EUR, CAC 300.50 EUR per conversion, ROAS 0.03"),
        "{table}"
    );
    assert!(table.contains("1,200.00 EUR"), "{table}");
    assert!(table.contains("700.00 EUR"), "a's CPA: {table}");

    let csv = run(&[&base[..], &["--format", "csv"]].concat());
    let csv = String::from_utf8(csv.stdout).unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let b_row: Vec<&str> = lines.nth(1).unwrap().split(',').collect();
    let cell = |name: &str| b_row[header.iter().position(|h| *h == name).unwrap()];
    assert_eq!(b_row[0], "b");
    assert_eq!(cell("cost"), "0.0");
    assert_eq!(cell("roas"), "", "null is an empty cell");
}

#[test]
fn a_channel_without_a_cost_gets_nulls_and_one_note() {
    let dir = files(&[("p.csv", SMALL), ("c.csv", "channel,cost\na,10\n")]);
    let (p, c) = (path(&dir, "p.csv"), path(&dir, "c.csv"));
    let out = run(&["attribute", &p, "--costs", &c, "--format", "json"]);
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.matches("gives no cost").count(), 1, "{stderr}");
    assert!(
        stderr.contains("2 channel(s) of the data (b, c)"),
        "{stderr}"
    );
    let out: Value = serde_json::from_slice(&out.stdout).unwrap();
    let b = &out["channels"][1];
    assert_eq!(b["channel"], "b");
    for field in [
        "cost",
        "cpa",
        "roas",
        "cpa_first_touch",
        "roas_shapley_ordered",
    ] {
        assert!(b[field].is_null(), "{field}: {}", b[field]);
    }
    assert_eq!(out["warnings"].as_array().unwrap().len(), 1);
    close(&out["model"]["total_cost"], 10.0, 0.0, "total");
}

#[test]
fn a_cost_for_a_channel_the_data_lack_is_an_error_listing_the_channels() {
    let dir = files(&[("p.csv", SMALL), ("c.csv", "channel,cost\na,10\nbb,3\n")]);
    let (p, c) = (path(&dir, "p.csv"), path(&dir, "c.csv"));
    let out = run(&["attribute", &p, "--costs", &c]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "{c} line 3: channel 'bb' is not in the data; did you mean 'b'?; the data's \
             channels are: a, b, c"
        )),
        "{stderr}"
    );
}

#[test]
fn simulate_prices_the_data_period() {
    let out = json(&[
        "simulate",
        PATHS,
        "--journeys",
        "200000",
        "--seed",
        "7",
        "--quiet",
        "--costs",
        COSTS,
        "--format",
        "json",
    ]);
    let attribution = json(&["attribute", PATHS, "--models", "markov", "--format", "json"]);
    let m = &attribution["model"];
    let journeys = m["journeys"].as_f64().unwrap();
    let total: f64 = sample_costs().values().sum();
    close(&out["period_journeys"], journeys, 0.0, "period");
    close(&out["total_cost"], total, 1e-15, "total");
    // Exact: a fitted chain converts its data's journeys at their observed rate, so the exact
    // CAC and ROAS are the data's.
    let p = out["exact"]["conversion_probability"].as_f64().unwrap();
    close(
        &out["exact_cac"],
        total / (journeys * p),
        1e-12,
        "exact cac",
    );
    close(
        &out["exact_cac"],
        total / m["total_conversions"].as_f64().unwrap(),
        1e-9,
        "exact cac = attribute's cac",
    );
    close(
        &out["exact_roas"],
        m["total_value"].as_f64().unwrap() / total,
        1e-9,
        "roas",
    );
    let rate = out["conversion_rate"].as_f64().unwrap();
    close(&out["cac"], total / (journeys * rate), 1e-12, "cac");
    let ci = |f: &str, i: usize| out[f][i].as_f64().unwrap();
    assert!(ci("cac_ci", 0) <= out["exact_cac"].as_f64().unwrap());
    assert!(out["exact_cac"].as_f64().unwrap() <= ci("cac_ci", 1));
    let n = out["journeys"].as_f64().unwrap();
    let costs = sample_costs();
    for c in out["channels"].as_array().unwrap() {
        let name = c["channel"].as_str().unwrap();
        let credit = c["markov_conversions"].as_f64().unwrap() * journeys / n;
        close(&c["cpa"], costs[name] / credit, 1e-12, name);
    }
}

#[test]
fn whatif_periods_match_the_data_and_a_removed_touchpoint_costs_nothing() {
    let out = json(&[
        "whatif",
        PATHS,
        "--scenario",
        "scenarios/remove_display.json",
        "--journeys",
        "20000",
        "--quiet",
        "--costs",
        COSTS,
        "--format",
        "json",
    ]);
    let attribution = json(&["attribute", PATHS, "--models", "markov", "--format", "json"]);
    let m = &attribution["model"];
    let costs = sample_costs();
    let total: f64 = costs.values().sum();
    let s = &out["scenarios"][0];
    let (b, a, d) = (
        &s["baseline"]["period"],
        &s["scenario"]["period"],
        &s["difference"]["period"],
    );
    close(
        &b["journeys"],
        m["journeys"].as_f64().unwrap(),
        0.0,
        "journeys",
    );
    close(
        &b["conversions"],
        m["total_conversions"].as_f64().unwrap(),
        1e-9,
        "conversions",
    );
    close(
        &b["cac"],
        total / m["total_conversions"].as_f64().unwrap(),
        1e-9,
        "cac",
    );
    close(&b["cost"], total, 1e-15, "baseline cost");
    close(
        &a["cost"],
        total - costs["display"],
        1e-15,
        "display's cost is saved",
    );
    let p = s["scenario"]["conversion_probability"].as_f64().unwrap();
    let journeys = b["journeys"].as_f64().unwrap();
    close(
        &a["conversions"],
        p * journeys,
        1e-12,
        "scenario conversions",
    );
    close(
        &a["cac"],
        (total - costs["display"]) / (p * journeys),
        1e-12,
        "cac",
    );
    close(
        &d["cac"],
        a["cac"].as_f64().unwrap() - b["cac"].as_f64().unwrap(),
        1e-12,
        "cac difference",
    );
    let display = s["channels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["channel"] == "display")
        .unwrap();
    close(
        &display["scenario_cost"],
        0.0,
        0.0,
        "display under the scenario",
    );
    assert!(display["scenario_cpa"].is_null(), "no conversion credited");
}

#[test]
fn funnel_cac_of_data_is_the_datas_and_a_map_needs_its_period() {
    let dir = files(&[(
        "c.csv",
        "channel,cost\nsocial_ads,30000\nonline_search,22000\n",
    )]);
    let c = path(&dir, "c.csv");
    let data = json(&[
        "funnel",
        "data/sample_paths.csv",
        "--stages",
        "scenarios/stages.json",
        "--costs",
        &c,
        "--format",
        "json",
    ]);
    let journeys = data["journeys"].as_f64().unwrap();
    let rate = data["observed_conversion_rate"].as_f64().unwrap();
    close(&data["cac"], 52000.0 / (journeys * rate), 1e-12, "cac");
    let awareness = &data["stages"][0];
    assert_eq!(awareness["stage"], "Awareness");
    close(&awareness["cost"], 52000.0, 0.0, "awareness cost");
    let reach = awareness["observed"]["reach"].as_f64().unwrap();
    close(
        &awareness["cost_per_reach"],
        52000.0 / (journeys * reach),
        1e-12,
        "per reach",
    );
    assert!(
        data["stages"][2]["cost"].is_null(),
        "no touchpoint of it has a cost"
    );

    let map = [
        "funnel",
        "--map",
        "scenarios/journey_map.json",
        "--costs",
        &c,
    ];
    let out = run(&map);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("give --period-journeys N"));
    let out = json(&[&map[..], &["--period-journeys", "1e5", "--format", "json"]].concat());
    let p = out["conversion_probability"].as_f64().unwrap();
    close(&out["cac"], 52000.0 / (1e5 * p), 1e-12, "map cac");
}

#[test]
fn cost_flags_that_cannot_apply_are_errors() {
    let cases: [&[&str]; 6] = [
        &["attribute", PATHS, "--currency", "EUR"],
        &[
            "simulate",
            PATHS,
            "--journeys",
            "10",
            "--costs",
            COSTS,
            "--period-journeys",
            "5",
        ],
        &[
            "simulate",
            "--map",
            "scenarios/journey_map.json",
            "--journeys",
            "10",
            "--period-journeys",
            "5",
        ],
        &[
            "attribute",
            "--events",
            "data/sample_events.csv",
            "--segment-col",
            "persona",
            "--costs",
            COSTS,
        ],
        &["fit", PATHS, "--costs", COSTS],
        &["paths", PATHS, "--costs", COSTS],
    ];
    for args in cases {
        let out = run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}
