//! `journeysim simulate`: simulated figures against the exact ones, reproducibility across
//! thread counts, a pinned small run, interval coverage, paired (common random numbers)
//! differences and bad input.
//!
//! Agreement bound: every simulated figure is within 4 standard errors of the exact one (a
//! false failure has probability about 6e-5 per comparison; the seeds are fixed, so a pass is
//! reproducible, and a real bias of a fraction of a percent would fail).

use std::fs::File;
use std::process::Output;
use std::time::Duration;

use assert_cmd::Command;

use journeysim_core::Chain;
use journeysim_core::model::{FitOptions, Transition, fit_paths};
use journeysim_core::simulate::{
    Population, Sampler, SimulateOptions, Stop, run_population_tally, run_tally, simulate,
    simulate_paired,
};
use journeysim_core::solve::absorb;
use journeysim_core::stats::Z95;
use journeysim_io::model_file::parse_model;
use journeysim_io::paths::{PathsFormat, PathsReader};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data");

fn fitted(order: usize) -> Chain {
    let options = FitOptions {
        order,
        keep_repeats: false,
        value_distribution: true,
    };
    let input = File::open(format!("{DATA}/paths_10k.csv")).unwrap();
    fit_paths(
        PathsReader::new(input, "paths_10k.csv", &PathsFormat::default()),
        options,
        |_| {},
    )
    .unwrap()
    .chain
}

fn options(journeys: u64, seed: u64) -> SimulateOptions {
    SimulateOptions {
        seed,
        ..SimulateOptions::journeys(journeys)
    }
}

fn no_progress(_: u64, _: u64) {}

fn agrees_with_exact(order: usize) {
    let chain = fitted(order);
    let sim = simulate(
        &chain,
        "paths_10k.csv",
        &options(2_000_000, 11),
        &no_progress,
    )
    .unwrap();
    let n = sim.journeys as f64;
    let p = sim.exact.conversion_probability;
    let se = (p * (1.0 - p) / n).sqrt();
    assert!(
        (sim.conversion_rate - p).abs() <= 4.0 * se,
        "order {order}: rate {} vs exact {p} (se {se})",
        sim.conversion_rate
    );
    // The value interval is mean +- z se, so se = half-width / z.
    let value_se = (sim.value_per_journey_ci[1] - sim.value_per_journey) / Z95;
    assert!(
        (sim.value_per_journey - sim.exact.value_per_journey).abs() <= 4.0 * value_se,
        "order {order}: value {} vs exact {} (se {value_se})",
        sim.value_per_journey,
        sim.exact.value_per_journey
    );
    let conversions = sim.conversions as f64;
    for c in &sim.channels {
        let e = c.exact_removal_effect;
        let se = (e * (1.0 - e) / conversions).sqrt();
        assert!(
            (c.removal_effect - e).abs() <= 4.0 * se,
            "order {order} {}: removal effect {} vs exact {e} (se {se})",
            c.channel,
            c.removal_effect
        );
        assert!(
            c.removal_effect_ci[0] <= c.removal_effect
                && c.removal_effect <= c.removal_effect_ci[1]
        );
    }
    assert_eq!(sim.truncated, 0);
    assert_eq!(sim.channels.len(), 12);
}

#[test]
fn simulated_rate_value_and_removal_effects_agree_with_exact_at_order_1() {
    agrees_with_exact(1);
}

#[test]
fn simulated_rate_value_and_removal_effects_agree_with_exact_at_order_3() {
    agrees_with_exact(3);
}

#[test]
fn value_removal_effects_agree_with_exact() {
    // The exact value removal effect from the attribution engine, against the simulated one
    // and its delta-method standard error.
    let chain = fitted(1);
    let exact = journeysim_core::attribution::removal_effects(&chain).unwrap();
    let sim = simulate(
        &chain,
        "paths_10k.csv",
        &options(2_000_000, 5),
        &no_progress,
    )
    .unwrap();
    let ids = chain.channels().sorted_ids();
    for (c, id) in sim.channels.iter().zip(ids) {
        let want = exact.effects[id as usize].value;
        let se = (c.removal_effect_value_ci[1] - c.removal_effect_value_ci[0]) / (2.0 * Z95);
        assert!(
            (c.removal_effect_value - want).abs() <= 4.0 * se,
            "{}: value removal effect {} vs exact {want} (se {se})",
            c.channel,
            c.removal_effect_value
        );
    }
}

fn journeysim() -> Command {
    let mut cmd = Command::cargo_bin("journeysim").unwrap();
    cmd.timeout(Duration::from_secs(60));
    cmd
}

fn run_ok(args: &[&str]) -> Vec<u8> {
    let out = journeysim().args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

#[test]
fn json_is_identical_for_1_2_and_4_threads() {
    let file = format!("{DATA}/paths_10k.csv");
    // 300,000 journeys = 5 batches, the last one partial.
    let base = [
        "simulate",
        &file,
        "--journeys",
        "300000",
        "--seed",
        "3",
        "--format",
        "json",
    ];
    let runs: Vec<Vec<u8>> = ["1", "2", "4"]
        .iter()
        .map(|t| run_ok(&[&base[..], &["--threads", t]].concat()))
        .collect();
    assert_eq!(runs[0], runs[1]);
    assert_eq!(runs[0], runs[2]);
    let json: serde_json::Value = serde_json::from_slice(&runs[0]).unwrap();
    assert_eq!(json["seed"], 3);
    assert_eq!(json["journeys"], 300_000);
    assert!(json.get("threads").is_none());
    for field in [
        "truncated",
        "conversions",
        "conversion_rate",
        "conversion_rate_ci",
        "value_per_journey",
        "value_per_journey_ci",
        "total_value",
        "path_length",
        "channels",
        "exact",
    ] {
        assert!(json.get(field).is_some(), "missing {field}");
    }
}

#[test]
fn precision_runs_are_deterministic_and_reach_the_target() {
    let file = format!("{DATA}/paths_10k.csv");
    let base = [
        "simulate",
        &file,
        "--precision",
        "0.002",
        "--format",
        "json",
        "--order",
        "2",
    ];
    let one = run_ok(&[&base[..], &["--threads", "1"]].concat());
    let two = run_ok(&[&base[..], &["--threads", "2"]].concat());
    assert_eq!(one, two);
    let json: serde_json::Value = serde_json::from_slice(&one).unwrap();
    let ci = &json["conversion_rate_ci"];
    let half = (ci[1].as_f64().unwrap() - ci[0].as_f64().unwrap()) / 2.0;
    assert!(half <= 0.002, "half-width {half}");
    // It stopped early: a 0.002 half-width at p ~ 0.13 needs ~110k journeys, the first rounds
    // walk 1, 2, 4 batches of 65,536.
    assert!(json["journeys"].as_u64().unwrap() <= 4 * 65_536, "{json}");
    assert_eq!(json["precision"], 0.002);
}

#[test]
fn model_file_and_paths_file_give_the_same_simulation() {
    let file = format!("{DATA}/paths_10k.csv");
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("model.json");
    let model = model.to_str().unwrap();
    run_ok(&["fit", &file, "--order", "2", "--out", model]);
    let args = ["--journeys", "100000", "--format", "json"];
    let from_paths = run_ok(&[&["simulate", &file, "--order", "2"][..], &args].concat());
    let from_model = run_ok(&[&["simulate", "--model", model][..], &args].concat());
    let mut a: serde_json::Value = serde_json::from_slice(&from_paths).unwrap();
    let mut b: serde_json::Value = serde_json::from_slice(&from_model).unwrap();
    a["input"] = serde_json::Value::Null;
    b["input"] = serde_json::Value::Null;
    assert_eq!(a, b);
}

/// A hand-written chain: a -> b (0.5) | conversion (0.2) | null (0.3); b -> conversion 0.6 |
/// null 0.4. Values: a converts at 10, b at 20 or 40 (weights 3:1).
const SMALL: &str = r#"{"format": "journeysim-model", "version": 1, "order": 1,
  "channels": ["a", "b"],
  "entry": [{"to": "a", "probability": 0.7}, {"to": "b", "probability": 0.3}],
  "states": [
    {"state": "a", "value_per_conversion": 10, "transitions": [{"to": "b", "probability": 0.5},
      {"to": "(conversion)", "probability": 0.2}, {"to": "(null)", "probability": 0.3}]},
    {"state": "b", "value_per_conversion": 25, "value_distribution": [[20, 3], [40, 1]],
     "transitions": [{"to": "(conversion)", "probability": 0.6}, {"to": "(null)", "probability": 0.4}]}
  ]}"#;

fn small_chain() -> Chain {
    parse_model(SMALL, "small.json")
        .unwrap()
        .into_chain("small.json")
        .unwrap()
}

#[test]
fn a_fixed_small_run_is_pinned() {
    // Value stability: these numbers change only if the random stream, the alias tables, the
    // walk or the merge order change; any such change must be deliberate (update the pins and
    // say so in the changelog). Exact P(conversion) = 0.7 (0.2 + 0.5 0.6) + 0.3 0.6 = 0.53.
    let chain = small_chain();
    let sim = simulate(&chain, "small.json", &options(1_000, 42), &no_progress).unwrap();
    assert_eq!(sim.exact.conversion_probability, 0.53);
    let pinned = (
        sim.conversions,
        sim.total_value,
        sim.path_length.max,
        sim.channels[1].visit_rate,
    );
    assert_eq!(pinned, PINNED);
}

const PINNED: (u64, f64, u64, f64) = (518, 11310.0, 2, 0.659);

#[test]
fn intervals_cover_the_exact_values_about_95_percent_of_the_time() {
    // 400 independent runs (seeds 0..400) of 20,000 journeys on the small chain. If the 95%
    // intervals are right, the number covering the truth is Binomial(400, 0.95): the coverage
    // is within 0.95 +- 4 sqrt(0.95 0.05 / 400) = 0.95 +- 0.044 except with probability ~6e-5.
    let chain = small_chain();
    let sampler = Sampler::new(&chain).unwrap();
    let exact = absorb(&chain, None).unwrap();
    // Exact removal effect of b: P(visit b | convert) = (0.7 0.5 0.6 + 0.3 0.6) / 0.53.
    let effect_b = (0.7 * 0.5 * 0.6 + 0.3 * 0.6) / 0.53;
    let runs = 400;
    let (mut rate, mut value, mut effect) = (0, 0, 0);
    for seed in 0..runs {
        let opts = SimulateOptions {
            threads: Some(1),
            ..options(20_000, seed)
        };
        let tally = run_tally(&sampler, &opts, &no_progress).unwrap();
        let sim = journeysim_core::simulate::summarise(
            &chain,
            &tally,
            &journeysim_core::attribution::removal_effects(&chain).unwrap(),
            &journeysim_core::simulate::RunInfo {
                input: "small".into(),
                seed,
                max_steps: opts.max_steps,
                precision: None,
            },
        );
        let covers = |ci: [f64; 2], x: f64| ci[0] <= x && x <= ci[1];
        rate += covers(sim.conversion_rate_ci, exact.conversion_probability) as u32;
        value += covers(sim.value_per_journey_ci, exact.value_per_journey) as u32;
        effect += covers(sim.channels[1].removal_effect_ci, effect_b) as u32;
    }
    let bound = 4.0 * (0.95f64 * 0.05 / runs as f64).sqrt();
    for (name, count) in [("rate", rate), ("value", value), ("removal effect", effect)] {
        let coverage = count as f64 / runs as f64;
        assert!(
            (coverage - 0.95).abs() <= bound,
            "{name}: coverage {coverage} outside 0.95 +- {bound}"
        );
    }
}

#[test]
fn paired_differences_are_far_tighter_than_independent_runs() {
    // Scenario: state "direct" converts 30% more often (the rest of its row rescaled). Common
    // random numbers make journeys that never reach "direct" identical in both chains, and the
    // maximal coupling at "direct" parts the walks only on the extra conversions, so the paired
    // interval of the difference in conversion rate must be at least 4.5x narrower than the
    // interval from two independent runs of the same size (observed: 5.4x; sharing raw random
    // bits at "direct" gave about 4-5x), and still agree with the exact difference.
    let base = fitted(1);
    let direct = (0..base.n_states() as u32)
        .find(|&s| base.state_name(s) == "direct")
        .unwrap();
    let conversion = base.conversion();
    let p = base.conversion_probability_from(direct);
    let boosted = p * 1.3;
    let mut parts = base.clone().into_parts();
    for t in &mut parts.rows[direct as usize] {
        if t.to == conversion {
            t.probability = boosted;
        } else {
            t.probability *= (1.0 - boosted) / (1.0 - p);
        }
    }
    let alt = Chain::from_rows(parts).unwrap();
    let exact_diff = absorb(&alt, None).unwrap().conversion_probability
        - absorb(&base, None).unwrap().conversion_probability;

    let (sb, sa) = Sampler::pair(&base, &alt).unwrap();
    let n = 1_000_000;
    let paired = simulate_paired(&sb, &sa, &options(n, 9), &no_progress).unwrap();
    let d = paired.conversion_difference();
    let paired_width = d.ci[1] - d.ci[0];
    let se = paired_width / (2.0 * Z95);
    assert!(
        (d.estimate - exact_diff).abs() <= 4.0 * se,
        "paired difference {} vs exact {exact_diff} (se {se})",
        d.estimate
    );

    let independent = |sampler: &Sampler, seed| {
        let t = run_tally(sampler, &options(n, seed), &no_progress).unwrap();
        let q = t.conversions as f64 / t.journeys as f64;
        q * (1.0 - q) / t.journeys as f64
    };
    let unpaired_width = 2.0 * Z95 * (independent(&sb, 100) + independent(&sa, 200)).sqrt();
    assert!(
        paired_width * 4.5 <= unpaired_width,
        "paired {paired_width} vs unpaired {unpaired_width}"
    );
    // The tallies of each side are ordinary simulations of their chain.
    assert_eq!(paired.base.journeys, n);
    assert_eq!(paired.alt.journeys, n);
}

#[test]
fn more_than_64_channels_use_the_wide_path_and_agree_with_exact() {
    let chain = ring();
    assert_eq!(chain.channels().len(), 70);
    let sim = simulate(&chain, "ring", &options(400_000, 1), &no_progress).unwrap();
    let conversions = sim.conversions as f64;
    let visited: f64 = sim.channels.iter().map(|c| c.visit_rate).sum();
    assert!(visited > 0.0);
    for c in &sim.channels {
        let e = c.exact_removal_effect;
        let se = (e * (1.0 - e) / conversions).sqrt().max(1e-12);
        assert!(
            (c.removal_effect - e).abs() <= 4.0 * se,
            "{}: {} vs exact {e}",
            c.channel,
            c.removal_effect
        );
    }
}

#[test]
fn paired_walks_with_more_than_64_channels_agree_with_exact() {
    // The wide channel sets of paired walks, and a scenario that adds a 71st channel: each arm
    // and the difference within 4 standard errors of exact.
    let base = ring();
    let text = r#"{"name": "t", "changes": [
        {"change": "scale_conversion", "at": "ch00", "factor": 1.5},
        {"change": "add_touchpoint", "name": "chat", "like": "ch10", "incoming_share": 0.5,
         "conversion_factor": 1.3}]}"#;
    let scenario = journeysim_io::scenario_file::parse_scenario(text, "t.json").unwrap();
    let alt = journeysim_core::scenario::apply(&base, &scenario, "t.json").unwrap();
    assert_eq!(alt.channels().len(), 71);
    let (sb, sa) = (Sampler::new(&base).unwrap(), Sampler::new(&alt).unwrap());
    let n = 400_000;
    let paired = simulate_paired(&sb, &sa, &options(n, 2), &no_progress).unwrap();
    let (pb, pa) = (
        absorb(&base, None).unwrap().conversion_probability,
        absorb(&alt, None).unwrap().conversion_probability,
    );
    for (tally, p) in [(&paired.base, pb), (&paired.alt, pa)] {
        let rate = tally.conversions as f64 / n as f64;
        let se = (p * (1.0 - p) / n as f64).sqrt();
        assert!((rate - p).abs() <= 4.0 * se, "{rate} vs exact {p}");
    }
    let d = paired.conversion_difference();
    let se = (d.ci[1] - d.ci[0]) / (2.0 * Z95);
    assert!(se > 0.0);
    assert!(
        (d.estimate - (pa - pb)).abs() <= 4.0 * se,
        "{} vs exact {}",
        d.estimate,
        pa - pb
    );
}

/// 70 channels in a ring: path c_i > c_{i+1} > c_{i+2}, converting when i is even.
fn ring() -> Chain {
    let mut text = String::from("path,total_conversions,total_conversion_value,total_null\n");
    for i in 0..70 {
        let names: Vec<String> = (0..3).map(|k| format!("ch{:02}", (i + k) % 70)).collect();
        let conversions = if i % 2 == 0 { 3 } else { 1 };
        text.push_str(&format!(
            "{},{conversions},{},{}\n",
            names.join(" > "),
            10 * conversions,
            5
        ));
    }
    let options_fit = FitOptions {
        order: 1,
        keep_repeats: false,
        value_distribution: true,
    };
    fit_paths(
        PathsReader::new(text.as_bytes(), "ring", &PathsFormat::default()),
        options_fit,
        |_| {},
    )
    .unwrap()
    .chain
}

#[test]
fn truncated_journeys_are_counted_and_bracketed_not_dropped() {
    // a loops on itself with probability 0.9: journeys are geometric, mean 10 states, so with
    // --max-steps 5 about 0.9^5 = 59% are cut off.
    let text = r#"{"format": "journeysim-model", "version": 1, "order": 1, "channels": ["a"],
      "entry": [{"to": "a", "probability": 1}],
      "states": [{"state": "a", "transitions": [{"to": "a", "probability": 0.9},
        {"to": "(conversion)", "probability": 0.05}, {"to": "(null)", "probability": 0.05}]}]}"#;
    let chain = parse_model(text, "loop.json")
        .unwrap()
        .into_chain("loop.json")
        .unwrap();
    let opts = SimulateOptions {
        max_steps: 5,
        ..options(100_000, 1)
    };
    let sim = simulate(&chain, "loop.json", &opts, &no_progress).unwrap();
    let share = sim.truncated as f64 / sim.journeys as f64;
    let want = 0.9f64.powi(5);
    assert!(
        (share - want).abs() <= 4.0 * (want * (1.0 - want) / 1e5).sqrt(),
        "{share}"
    );
    assert_eq!(sim.path_length.max, 5);
    // Lower end: truncated as non-conversions; upper end: truncated as conversions.
    assert!(sim.conversion_rate_ci[0] < sim.conversion_rate);
    assert!(sim.conversion_rate_ci[1] > sim.conversion_rate + share * 0.9);
    assert!(
        sim.warnings.iter().any(|w| w.contains("`max_steps`")),
        "{:?}",
        sim.warnings
    );

    // The binary says so on standard error.
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("loop.json");
    std::fs::write(&model, text).unwrap();
    let out = journeysim()
        .args([
            "simulate",
            "--model",
            model.to_str().unwrap(),
            "--journeys",
            "1000",
            "--max-steps",
            "5",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("warning:"), "{stderr}");
    assert!(stderr.contains("(--max-steps)"), "{stderr}");
}

fn fails_with(args: &[&str], message: &str) -> Output {
    let out = journeysim().args(args).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(stderr.contains(message), "{args:?}: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(out.stdout.is_empty());
    out
}

#[test]
fn bad_input_is_a_clear_error_with_exit_code_2() {
    let file = format!("{DATA}/paths_10k.csv");
    fails_with(
        &["simulate", &file, "--journeys", "0"],
        "--journeys must be at least 1",
    );
    fails_with(&["simulate", &file], "--journeys N or --precision P");
    fails_with(
        &["simulate", &file, "--precision", "0", "--journeys", "10"],
        "--precision 0",
    );
    fails_with(
        &["simulate", &file, "--journeys", "10", "--max-steps", "0"],
        "--max-steps",
    );
    fails_with(
        &["simulate", &file, "--journeys", "10", "--threads", "0"],
        "--threads",
    );
    fails_with(&["simulate", "--journeys", "10"], "no input");

    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_owned()
    };
    let version = write(
        "v2.json",
        &SMALL.replace("\"version\": 1", "\"version\": 3"),
    );
    fails_with(
        &["simulate", "--model", &version, "--journeys", "10"],
        "version 3 is not supported",
    );
    let rows = write(
        "rows.json",
        &SMALL.replace(
            r#"{"to": "(null)", "probability": 0.4}"#,
            r#"{"to": "(null)", "probability": 0.3}"#,
        ),
    );
    fails_with(
        &["simulate", "--model", &rows, "--journeys", "10"],
        "sum to 0.899",
    );
    let stuck = write(
        "stuck.json",
        &SMALL.replace(
            r#""transitions": [{"to": "(conversion)", "probability": 0.6}, {"to": "(null)", "probability": 0.4}]"#,
            r#""transitions": [{"to": "b", "probability": 1.0}]"#,
        ),
    );
    fails_with(
        &["simulate", "--model", &stuck, "--journeys", "10"],
        "can never reach",
    );
    let out = dir.path().join("never.json");
    fails_with(
        &[
            "simulate",
            "--model",
            &stuck,
            "--journeys",
            "10",
            "--out",
            out.to_str().unwrap(),
        ],
        "can never reach",
    );
    assert!(!out.exists(), "no output file on error");
}

#[test]
fn the_library_refuses_to_build_an_unabsorbable_chain_so_none_is_walked() {
    let mut parts = small_chain().into_parts();
    // b -> b with certainty: no journey through b can end.
    parts.rows[1] = vec![Transition::new(1, 1.0)];
    let err = Chain::from_rows(parts).unwrap_err();
    assert!(err.to_string().contains("can never reach"), "{err}");
    let _ = Stop::Journeys(1);
}

#[test]
fn a_population_mixes_its_chains_by_share() {
    // Two personas over the same channels: the small chain, and one where a converts far more.
    let first = small_chain();
    let text = SMALL.replace(
        r#"{"to": "(conversion)", "probability": 0.2}, {"to": "(null)", "probability": 0.3}"#,
        r#"{"to": "(conversion)", "probability": 0.45}, {"to": "(null)", "probability": 0.05}"#,
    );
    let second = parse_model(&text, "second.json")
        .unwrap()
        .into_chain("second.json")
        .unwrap();
    let (a, b) = (
        Sampler::new(&first).unwrap(),
        Sampler::new(&second).unwrap(),
    );
    let population = Population::new(&[(3.0, &a), (7.0, &b)]).unwrap();
    let tally = run_population_tally(&population, &options(400_000, 2), &no_progress).unwrap();
    let p = 0.3 * absorb(&first, None).unwrap().conversion_probability
        + 0.7 * absorb(&second, None).unwrap().conversion_probability;
    let rate = tally.conversions as f64 / tally.journeys as f64;
    let se = (p * (1.0 - p) / tally.journeys as f64).sqrt();
    assert!((rate - p).abs() <= 4.0 * se, "{rate} vs {p}");

    // A population of one is the chain itself, bit for bit.
    let one = run_population_tally(&Population::single(&a), &options(10_000, 2), &no_progress);
    let plain = run_tally(&a, &options(10_000, 2), &no_progress);
    assert_eq!(one.unwrap(), plain.unwrap());

    for bad in [vec![(-1.0, &a)], vec![(0.0, &a), (0.0, &b)], vec![]] {
        assert!(Population::new(&bad).is_err());
    }
}

#[test]
fn csv_has_one_row_per_channel_and_carries_the_seed() {
    let file = format!("{DATA}/paths_10k.csv");
    let out = run_ok(&["simulate", &file, "--journeys", "20000", "--format", "csv"]);
    let mut reader = csv::Reader::from_reader(out.as_slice());
    let header = reader.headers().unwrap().clone();
    assert_eq!(&header[0], "channel");
    assert!(header.iter().any(|h| h == "removal_effect_lo"));
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 12);
    let seed = header.iter().position(|h| h == "seed").unwrap();
    assert!(
        rows.iter()
            .all(|r| r[seed] == journeysim_core::rng::DEFAULT_SEED.to_string())
    );
}

#[test]
fn a_fixed_small_paired_run_is_pinned() {
    // Value stability of the common-random-numbers stream (per-journey generators keyed from
    // the batch stream, the scenario's steps maximally coupled to the baseline's): a change to
    // it changes every what-if difference. The baseline figure is the plain walk's; the
    // coupling changed the scenario's figures (they were (668, 141, 205) when the walks shared
    // raw bits at changed rows).
    let base = small_chain();
    let text = SMALL.replace(
        r#"{"to": "(conversion)", "probability": 0.6}, {"to": "(null)", "probability": 0.4}"#,
        r#"{"to": "(conversion)", "probability": 0.8}, {"to": "(null)", "probability": 0.2}"#,
    );
    let alt = parse_model(&text, "alt.json")
        .unwrap()
        .into_chain("alt.json")
        .unwrap();
    let (sb, sa) = Sampler::pair(&base, &alt).unwrap();
    let paired = simulate_paired(&sb, &sa, &options(1_000, 42), &no_progress).unwrap();
    let pinned = (
        paired.base.conversions,
        paired.alt.conversions,
        paired.conversion_diff,
        paired.conversion_diff_sq,
    );
    assert_eq!(pinned, PAIRED_PINNED);
    // b only moves mass from (null) to (conversion), so under a maximal coupling no journey
    // converts in the baseline and not in the scenario: every difference is +1. And pairs that
    // convert together share b's value draw, so only the extra conversions carry value.
    assert_eq!(paired.conversion_diff as u64, paired.conversion_diff_sq);
    // Each extra conversion is worth 20 or 40 (b's values), so its squared value is at most 40
    // times its value; pairs that had drawn b's values independently would add +-20 terms.
    let d = paired.conversion_diff as f64;
    assert!(20.0 * d <= paired.value_diff && paired.value_diff <= 40.0 * d);
    assert!(paired.value_diff_sq <= 40.0 * paired.value_diff);
}

const PAIRED_PINNED: (u64, u64, i64, u64) = (527, 678, 151, 151);

/// A model of `n` touchpoints in cycles of 8, each looping on itself with probability
/// 1 - 1e-6 and leaving rarely (to the next in its cycle, converting, dropping out): journeys
/// that almost never end, which iterative sweeps cannot solve.
fn slow_mixing_model(n: usize) -> String {
    let eps = 1e-6;
    let states: Vec<serde_json::Value> = (0..n)
        .map(|i| {
            let next = i / 8 * 8 + (i + 1) % 8;
            serde_json::json!({
                "state": format!("c{i}"),
                "transitions": [
                    {"to": format!("c{i}"), "probability": 1.0 - eps},
                    {"to": format!("c{next}"), "probability": 0.5 * eps},
                    {"to": "(conversion)", "probability": 0.2 * eps},
                    {"to": "(null)", "probability": 0.3 * eps},
                ]
            })
        })
        .collect();
    serde_json::json!({
        "format": "journeysim-model", "version": 1, "order": 1,
        "channels": (0..n).map(|i| format!("c{i}")).collect::<Vec<_>>(),
        "entry": [{"to": "c0", "probability": 0.5}, {"to": "c9", "probability": 0.5}],
        "states": states,
    })
    .to_string()
}

/// A valid 400-state model with slow-mixing cycles is solved (it used to fail with exit 1,
/// "Gauss-Seidel did not converge"); one too large for the direct solve is refused with
/// exit 2 and the reason.
#[test]
fn slow_mixing_models_are_solved_or_refused_as_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let small = dir.path().join("cycles.json");
    std::fs::write(&small, slow_mixing_model(400)).unwrap();
    let args = ["--journeys", "100", "--max-steps", "10", "--format", "json"];
    let out = journeysim()
        .args(["simulate", "--model", small.to_str().unwrap()])
        .args(args)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // Every touchpoint ends in conversion 0.2 / (0.2 + 0.3) of the time, whatever the cycle.
    let p = json["exact"]["conversion_probability"].as_f64().unwrap();
    assert!((p - 0.4).abs() < 1e-9, "{p}");

    let large = dir.path().join("large.json");
    std::fs::write(&large, slow_mixing_model(4_008)).unwrap();
    let out = journeysim()
        .args(["simulate", "--model", large.to_str().unwrap()])
        .args(args)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("journeys almost never end"), "{stderr}");
    assert!(out.stdout.is_empty());
}

/// A journey of 10^8 steps runs in bounded memory: under a 600 MB address-space limit (the
/// length histogram alone used to take 800 MB here, 1.5 GB in all) `simulate --max-steps
/// 100000000` on a touchpoint that almost never ends finishes, and reports the journey's length.
#[cfg(target_os = "linux")]
#[test]
fn a_walk_of_10_to_the_8_steps_runs_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("loop.json");
    std::fs::write(
        &model,
        r#"{"format": "journeysim-model", "version": 1, "order": 1, "channels": ["a"],
      "entry": [{"to": "a", "probability": 1}],
      "states": [{"state": "a", "transitions": [{"to": "a", "probability": 0.999999999999999},
        {"to": "(conversion)", "probability": 0.5e-15}, {"to": "(null)", "probability": 0.5e-15}]}]}"#,
    )
    .unwrap();
    let bin = assert_cmd::cargo::cargo_bin("journeysim");
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg("ulimit -v 600000 && exec \"$0\" \"$@\"")
        .arg(&bin)
        .args(["simulate", "--model", model.to_str().unwrap()])
        .args([
            "--journeys",
            "1",
            "--max-steps",
            "100000000",
            "--threads",
            "1",
        ])
        .args(["--seed", "3", "--format", "json"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["truncated"], 1, "{json}");
    assert_eq!(json["path_length"]["max"], 100_000_000u64, "{json}");
    assert_eq!(json["path_length"]["p50"], 100_000_000u64, "{json}");
}
