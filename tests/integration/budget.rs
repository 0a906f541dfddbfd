//! Budget plans (`--budget`), spend changes in `whatif`, and `journeysim optimize`: the shipped
//! examples, the period figures against the library's own formula, the m(1) = 1 property, the
//! optimiser's contract and reproducibility, and the errors.

use journeysim_core::budget::period::{PeriodModel, Volume};
use journeysim_core::budget::plan::{Buys, ChannelSpec, Plan};
use journeysim_core::budget::response::Response;
use journeysim_core::journey::MemoryPaths;
use journeysim_core::model::{FitOptions, fit_paths};
use journeysim_core::solve::absorb;
use journeysim_io::budget_file::read_plan;
use journeysim_io::paths::{PathsFormat, PathsReader};
use proptest::prelude::*;
use serde_json::Value;

use super::support::{json, run};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const PLAN: &str = "scenarios/budget_10k.json";

fn relative(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs().max(1e-300)
}

fn number(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

/// The shipped spend scenarios run on the shipped plan, and every arm's figures per period are
/// the library's `sum_s journeys(s) h(s)` at the scenario's spends.
#[test]
fn shipped_spend_scenarios_report_exact_figures_per_period() {
    let out = json(&[
        "whatif",
        &format!("{ROOT}/data/paths_10k.csv"),
        "--budget",
        &format!("{ROOT}/{PLAN}"),
        "--scenario",
        &format!("{ROOT}/scenarios/move_display_spend_to_search.json"),
        "--scenario",
        &format!("{ROOT}/scenarios/halve_retargeting_spend.json"),
        "--journeys",
        "20000",
        "--format",
        "json",
    ]);
    assert_eq!(out["currency"], "EUR");
    assert_eq!(out["assumptions"].as_array().unwrap().len(), 1);
    let plan = read_plan(&format!("{ROOT}/{PLAN}")).unwrap();
    let fitted = fit_paths(
        PathsReader::new(
            std::fs::File::open(format!("{ROOT}/data/paths_10k.csv")).unwrap(),
            "paths_10k.csv",
            &PathsFormat::default(),
        ),
        FitOptions::order(1),
        |_| {},
    )
    .unwrap();
    let volume = Volume::Observed(fitted.summary.journeys());
    let model = PeriodModel::new(&plan, &[(1.0, &fitted.chain)], volume).unwrap();
    let index = |name: &str| plan.index(name).unwrap();
    let mut moved = plan.today();
    moved[index("display")] -= 800.0;
    moved[index("search_paid")] += 800.0;
    let mut halved = plan.today();
    halved[index("retargeting")] *= 0.5;
    let expected = [
        ("move-10pct-display-spend-to-paid-search", moved),
        ("halve-retargeting-spend", halved),
    ];
    let scenarios = out["scenarios"].as_array().unwrap();
    assert_eq!(scenarios.len(), 2);
    for (name, spends) in expected {
        let s = scenarios.iter().find(|s| s["name"] == name).unwrap();
        let (base, alt, diff) = (
            &s["baseline"]["period"],
            &s["scenario"]["period"],
            &s["difference"]["period"],
        );
        // Today: the data's own journeys, conversions and value, and the plan's total cost.
        assert!(relative(number(&base["journeys"]), 33596.0) < 1e-12);
        assert!(relative(number(&base["conversions"]), fitted.summary.conversions) < 1e-9);
        assert!(relative(number(&base["value"]), fitted.summary.value) < 1e-9);
        assert_eq!(number(&base["cost"]), 46000.0);
        let exact = model.evaluate(&spends).unwrap();
        for (field, want) in [
            ("journeys", exact.journeys),
            ("conversions", exact.conversions),
            ("value", exact.value),
            ("cost", exact.cost),
            ("cac", exact.cac.unwrap()),
            ("roas", exact.roas.unwrap()),
        ] {
            assert!(
                relative(number(&alt[field]), want) < 1e-9,
                "{name} {field}: {} vs {want}",
                alt[field]
            );
            let difference = number(&alt[field]) - number(&base[field]);
            assert!((number(&diff[field]) - difference).abs() <= 1e-9 * want.abs());
        }
    }
    // Moving spend keeps the cost; halving retargeting saves 2,500 and keeps the journeys
    // (it buys visits, not entries).
    let halve = scenarios
        .iter()
        .find(|s| s["name"] == "halve-retargeting-spend")
        .unwrap();
    assert_eq!(number(&halve["difference"]["period"]["cost"]), -2500.0);
    assert!(number(&halve["difference"]["period"]["journeys"]).abs() < 1e-9);
    assert!(number(&halve["difference"]["period"]["conversions"]) < 0.0);
}

#[test]
fn whatif_without_a_plan_keeps_its_output_and_refuses_spend_changes() {
    let out = json(&[
        "whatif",
        &format!("{ROOT}/data/paths_10k.csv"),
        "--scenario",
        &format!("{ROOT}/scenarios/remove_display.json"),
        "--journeys",
        "2000",
        "--format",
        "json",
    ]);
    assert!(out.get("assumptions").is_none() && out.get("currency").is_none());
    assert!(out["scenarios"][0]["baseline"].get("period").is_none());
    let out = run(&[
        "whatif",
        &format!("{ROOT}/data/paths_10k.csv"),
        "--scenario",
        &format!("{ROOT}/scenarios/halve_retargeting_spend.json"),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr
            .contains("changes[0] (scale_spend): a change of spend needs a budget plan (--budget)"),
        "{stderr}"
    );
}

/// Rows over channels a..d: (touches, conversions, value, nulls).
type Row = (Vec<u8>, f64, f64, f64);

fn rows() -> impl Strategy<Value = Vec<Row>> {
    prop::collection::vec(
        (
            prop::collection::vec(0u8..4, 1..5),
            prop_oneof![Just(0.0), 0.5f64..5.0],
            0.0f64..100.0,
            0.5f64..8.0,
        ),
        1..12,
    )
}

fn curve() -> impl Strategy<Value = Response> {
    prop_oneof![
        Just(Response::Linear),
        (0.05f64..1.0).prop_map(|elasticity| Response::Power { elasticity }),
        (0.1f64..5.0, 0.2f64..4.0).prop_map(|(half_saturation, shape)| Response::Hill {
            half_saturation,
            shape
        }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// At today's spends every curve gives m(1) = 1: the figures per period are the data's
    /// journeys times the unchanged chain's exact absorption, and the arms are the chain itself.
    #[test]
    fn todays_spends_leave_every_figure_unchanged(
        rows in rows(),
        curves in prop::collection::vec((curve(), any::<bool>(), 1.0f64..1e5), 4),
        journeys in 1.0f64..1e6,
    ) {
        let names: Vec<Vec<String>> = rows
            .iter()
            .map(|r| r.0.iter().map(|&t| ((b'a' + t) as char).to_string()).collect())
            .collect();
        let refs: Vec<Vec<&str>> = names.iter().map(|n| n.iter().map(String::as_str).collect()).collect();
        let memory: Vec<(&[&str], f64, f64, f64)> = rows
            .iter()
            .zip(&refs)
            .map(|(r, n)| (&n[..], r.1, if r.1 > 0.0 { r.2 } else { 0.0 }, r.3))
            .collect();
        let chain = fit_paths(MemoryPaths::new("p", &memory), FitOptions::order(1), |_| {})
            .unwrap()
            .chain;
        let channels: Vec<_> = curves
            .iter()
            .enumerate()
            .filter(|(c, _)| chain.channels().get(&((b'a' + *c as u8) as char).to_string()).is_some())
            .map(|(c, (response, entries, spend))| {
                ChannelSpec {
                    spend: *spend,
                    buys: Some(if *entries { Buys::Entries } else { Buys::Visits }),
                    response: Some(*response),
                    min: None,
                    max: None,
                }
                .into_plan(&((b'a' + c as u8) as char).to_string())
                .unwrap()
            })
            .collect();
        let plan = Plan::new(None, None, channels).unwrap();
        let model = PeriodModel::new(&plan, &[(1.0, &chain)], Volume::Observed(journeys)).unwrap();
        let period = model.evaluate(&plan.today()).unwrap();
        let exact = absorb(&chain, None).unwrap();
        prop_assert!(relative(period.journeys, journeys) < 1e-12);
        prop_assert!((period.conversions - journeys * exact.conversion_probability).abs() <= 1e-12 * journeys);
        prop_assert!((period.value - journeys * exact.value_per_journey).abs() <= 1e-12 * journeys * exact.value_per_journey.max(1.0));
        let arms = model.arms(&plan.today()).unwrap();
        prop_assert_eq!(&arms[0].chain, &chain);
        prop_assert_eq!(arms[0].journeys, journeys);
    }
}

fn optimize(extra: &[&str]) -> Value {
    let data = format!("{ROOT}/data/paths_10k.csv");
    let plan = format!("{ROOT}/{PLAN}");
    let mut args = vec!["optimize", &data, "--budget", &plan, "--format", "json"];
    args.extend_from_slice(extra);
    json(&args)
}

/// The JSON contract, the budget kept, the gain as optimal minus today, and equal marginal
/// returns (here marginal CPA, for conversions) for every channel strictly inside its bounds.
#[test]
fn optimize_keeps_the_contract_and_equalises_marginal_returns() {
    let out = optimize(&[]);
    for key in [
        "objective",
        "total",
        "today",
        "optimal",
        "gain",
        "channels",
        "assumptions",
        "warnings",
    ] {
        assert!(out.get(key).is_some(), "{key}");
    }
    for arm in ["today", "optimal"] {
        for key in ["journeys", "conversions", "value", "cost", "cac", "roas"] {
            assert!(out[arm][key].is_number(), "{arm}.{key}");
        }
    }
    for key in ["conversions", "value", "conversions_ci", "value_ci"] {
        assert!(out["gain"].get(key).is_some(), "gain.{key}");
    }
    assert_eq!(out["objective"], "conversions");
    assert_eq!(number(&out["total"]), 46000.0);
    assert!(relative(number(&out["optimal"]["cost"]), 46000.0) < 1e-9);
    let gain = number(&out["optimal"]["conversions"]) - number(&out["today"]["conversions"]);
    assert!((number(&out["gain"]["conversions"]) - gain).abs() < 1e-9);
    assert!(gain > 0.0);
    assert!(
        out["warnings"].as_array().unwrap().is_empty(),
        "{}",
        out["warnings"]
    );
    let mut inside = Vec::new();
    for c in out["channels"].as_array().unwrap() {
        for key in [
            "channel",
            "buys",
            "spend_today",
            "spend_optimal",
            "min",
            "max",
            "marginal_roas_today",
            "marginal_roas_optimal",
            "marginal_cpa_today",
            "marginal_cpa_optimal",
        ] {
            assert!(c.get(key).is_some(), "{key}");
        }
        let (x, lo, hi) = (
            number(&c["spend_optimal"]),
            number(&c["min"]),
            number(&c["max"]),
        );
        assert!(x >= lo - 1e-9 && x <= hi + 1e-9);
        if c["buys"] == "fixed" {
            assert_eq!(c["spend_optimal"], c["spend_today"]);
            assert!(c["marginal_cpa_optimal"].is_null());
        } else if x > lo + 1e-6 * hi && x < hi - 1e-6 * hi {
            inside.push(number(&c["marginal_cpa_optimal"]));
        }
    }
    assert!(inside.len() >= 3, "{inside:?}");
    for cpa in &inside {
        assert!(relative(*cpa, inside[0]) < 1e-6, "{inside:?}");
    }
}

#[test]
fn optimize_at_order_3_and_for_value_and_profit() {
    let order3 = optimize(&["--order", "3"]);
    assert!(number(&order3["gain"]["conversions"]) > 0.0);
    let value = optimize(&["--objective", "value", "--total", "50000"]);
    assert_eq!(value["objective"], "value");
    assert!(relative(number(&value["optimal"]["cost"]), 50000.0) < 1e-9);
    let profit = optimize(&["--objective", "profit"]);
    let today = &profit["today"];
    let optimal = &profit["optimal"];
    assert!(number(&optimal["cost"]) <= 46000.0 * (1.0 + 1e-12));
    assert!(
        number(&optimal["value"]) - number(&optimal["cost"])
            >= number(&today["value"]) - number(&today["cost"])
    );
}

#[test]
fn a_target_cpa_is_kept_at_the_largest_budget() {
    let out = optimize(&["--target-cpa", "11"]);
    assert!(
        relative(number(&out["optimal"]["cac"]), 11.0) < 1e-6,
        "{}",
        out["optimal"]
    );
    assert_eq!(out["target"]["cpa"], 11.0);
    assert!(number(&out["total"]) > 46000.0);
    let roas = optimize(&["--target-roas", "3.3", "--objective", "value"]);
    assert!(
        relative(number(&roas["optimal"]["roas"]), 3.3) < 1e-6,
        "{}",
        roas["optimal"]
    );
}

/// The gain's interval is the same for any thread count and for the same seed, and covers the
/// point estimate.
#[test]
fn optimize_intervals_are_reproducible_across_threads() {
    let one = optimize(&[
        "--intervals",
        "--resamples",
        "20",
        "--seed",
        "3",
        "--threads",
        "1",
    ]);
    let two = optimize(&[
        "--intervals",
        "--resamples",
        "20",
        "--seed",
        "3",
        "--threads",
        "2",
    ]);
    assert_eq!(one, two);
    let ci = &one["gain"]["conversions_ci"];
    let gain = number(&one["gain"]["conversions"]);
    assert!(
        number(&ci[0]) <= gain && gain <= number(&ci[1]),
        "{ci} {gain}"
    );
    assert_eq!(one["intervals"]["resamples"], 20);
    let other = optimize(&["--intervals", "--resamples", "20", "--seed", "4"]);
    assert_ne!(
        one["gain"]["conversions_ci"],
        other["gain"]["conversions_ci"]
    );
}

#[test]
fn optimize_writes_csv_and_an_svg_of_the_curves() {
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("curves.svg");
    let out = run(&[
        "optimize",
        &format!("{ROOT}/data/paths_10k.csv"),
        "--budget",
        &format!("{ROOT}/{PLAN}"),
        "--format",
        "csv",
        "--svg",
        svg.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "channel,buys,curve,spend_today,spend_optimal,min,max,marginal_roas_today,\
         marginal_roas_optimal,marginal_cpa_today,marginal_cpa_optimal"
    );
    assert_eq!(lines.count(), 10);
    let picture = std::fs::read_to_string(&svg).unwrap();
    let doc = roxmltree::Document::parse(&picture).unwrap();
    // One panel per responsive channel (8), each saying what its spend buys.
    let titles = doc
        .descendants()
        .filter(|n| {
            let text = n.text().unwrap_or("");
            n.is_text() && (text.starts_with("buys entries, ") || text.starts_with("buys visits, "))
        })
        .count();
    assert_eq!(titles, 8);
}

/// A hand-written model has no observed journeys: the plan must give them.
#[test]
fn a_hand_written_model_needs_the_plans_journeys() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.json");
    std::fs::write(
        &model,
        r#"{"format": "journeysim-model", "version": 1, "order": 1, "channels": ["a", "b"],
  "entry": [{"to": "a", "probability": 0.5}, {"to": "b", "probability": 0.5}],
  "states": [{"state": "a", "value_per_conversion": 10, "transitions": [{"to": "(conversion)", "probability": 0.4}, {"to": "(null)", "probability": 0.6}]},
             {"state": "b", "transitions": [{"to": "(conversion)", "probability": 0.1}, {"to": "(null)", "probability": 0.9}]}]}"#,
    )
    .unwrap();
    let plan = dir.path().join("plan.json");
    std::fs::write(
        &plan,
        r#"{"channels": {"a": {"spend": 100, "buys": "entries"}}}"#,
    )
    .unwrap();
    let args = |plan: &std::path::Path| {
        vec![
            "optimize".to_string(),
            "--model".into(),
            model.display().to_string(),
            "--budget".into(),
            plan.display().to_string(),
            "--total".into(),
            "200".into(),
            "--format".into(),
            "json".into(),
        ]
    };
    let a = args(&plan);
    let out = run(&a.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no \"journeys\""));
    std::fs::write(
        &plan,
        r#"{"journeys": 1000, "channels": {"a": {"spend": 100, "buys": "entries"}}}"#,
    )
    .unwrap();
    let a = args(&plan);
    let out = json(&a.iter().map(String::as_str).collect::<Vec<_>>());
    // Linear entries: twice the spend, twice a's 500 journeys, converting 0.4 at 10 each.
    assert!(relative(number(&out["optimal"]["journeys"]), 1500.0) < 1e-12);
    assert!(relative(number(&out["optimal"]["conversions"]), 450.0) < 1e-12);
    assert!(relative(number(&out["optimal"]["value"]), 4000.0) < 1e-12);
    assert!(relative(number(&out["optimal"]["cac"]), 200.0 / 450.0) < 1e-12);
}

#[test]
fn flags_that_cannot_apply_are_errors() {
    let data = format!("{ROOT}/data/paths_10k.csv");
    let plan = format!("{ROOT}/{PLAN}");
    let cases: &[(&[&str], &str)] = &[
        (
            &["--target-cpa", "11", "--objective", "profit"],
            "--target-cpa does not apply to --objective profit",
        ),
        (
            &["--total", "1e9"],
            "--total is 1000000000, above the most the plan allows",
        ),
        (
            &["--total", "100"],
            "--total is 100, below the least the plan allows",
        ),
        (&["--target-cpa=-1"], "--target-cpa is -1"),
        (
            &["--total=-5"],
            "--total is -5; it must be a finite amount >= 0",
        ),
        (
            &["--target-cpa", "1"],
            "no budget between the least the plan allows",
        ),
        (&["--resamples", "50"], "--intervals"),
    ];
    for (extra, message) in cases {
        let mut args = vec!["optimize", data.as_str(), "--budget", plan.as_str()];
        args.extend_from_slice(extra);
        let out = run(&args);
        assert_eq!(out.status.code(), Some(2), "{extra:?}");
        assert!(out.stdout.is_empty());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(message), "{extra:?}: {stderr}");
    }
    let out = run(&[
        "optimize",
        "--map",
        &format!("{ROOT}/scenarios/journey_map.json"),
        "--budget",
        &plan,
        "--intervals",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--intervals re-fits the chain"));
}

/// A journey map's personas each get their share of the plan's journeys; today's figures are
/// the map's exact conversion probability and value per journey times those journeys.
#[test]
fn a_journey_map_with_the_plans_journeys() {
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("plan.json");
    std::fs::write(
        &plan,
        r#"{"journeys": 50000, "channels": {
            "social_ads": {"spend": 4000, "buys": "entries", "response": {"curve": "power", "elasticity": 0.5}},
            "email_campaign": {"spend": 500, "buys": "visits"}}}"#,
    )
    .unwrap();
    let map = format!("{ROOT}/scenarios/journey_map.json");
    let out = json(&[
        "optimize",
        "--map",
        &map,
        "--budget",
        plan.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let simulated = json(&[
        "simulate",
        "--map",
        &map,
        "--journeys",
        "1000",
        "--format",
        "json",
    ]);
    let p = number(&simulated["exact"]["conversion_probability"]);
    assert!(relative(number(&out["today"]["journeys"]), 50000.0) < 1e-12);
    assert!(
        relative(number(&out["today"]["conversions"]), 50000.0 * p) < 1e-9,
        "{} vs {}",
        out["today"]["conversions"],
        50000.0 * p
    );
    assert!(number(&out["gain"]["conversions"]) >= 0.0);
    assert_eq!(number(&out["optimal"]["cost"]), 4500.0);
}
