//! `journeysim aggregate` and `journeysim sql` from the command line: the paths table of an event
//! log reads back as the same journeys, does not depend on row order, and the two commands keep
//! the one output grammar. (Execution of the SQL on real engines: scripts/suites/warehouse.sh.)

use super::support::{json, run};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn sample_events() -> String {
    format!("{ROOT}/data/sample_events.csv")
}

/// `aggregate` into a file of `dir`, returning its path.
fn aggregate(events: &str, dir: &std::path::Path, extra: &[&str]) -> String {
    let out = dir.join("paths.csv").display().to_string();
    let mut args = vec!["aggregate", "--events", events, "--out", &out];
    args.extend(extra);
    let o = run(&args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    out
}

/// Every method but time decay (which weighs touches by their real age, which a paths file does
/// not carry): from the aggregated table they give the table output of `--events`, byte for
/// byte after the first line (which names the input). Ordered Shapley is compared in JSON below:
/// its table can print `60` for one and `60.000` for the other when a sum lands a bit below 60.
#[test]
fn the_paths_table_reads_back_as_the_journeys_of_the_event_log() {
    let dir = tempfile::tempdir().unwrap();
    let events = sample_events();
    let paths = aggregate(&events, dir.path(), &[]);
    let models = "markov,first_touch,last_touch,linear,position_based,shapley";
    for order in ["1", "2"] {
        let from_paths = run(&["attribute", &paths, "--models", models, "--order", order]);
        let from_events = run(&[
            "attribute",
            "--events",
            &events,
            "--open-journeys",
            "null",
            "--models",
            models,
            "--order",
            order,
        ]);
        let body = |o: &std::process::Output| {
            let text = String::from_utf8(o.stdout.clone()).unwrap();
            text.split_once('\n').unwrap().1.to_owned()
        };
        assert!(from_paths.status.success() && from_events.status.success());
        assert_eq!(body(&from_paths), body(&from_events), "order {order}");
    }
    // In JSON every figure (ordered Shapley too) agrees to 1e-9, relative.
    let models = "markov,first_touch,last_touch,linear,position_based,shapley,shapley_ordered";
    let a = json(&["attribute", &paths, "--models", models, "--format", "json"]);
    let b = json(&[
        "attribute",
        "--events",
        &events,
        "--open-journeys",
        "null",
        "--models",
        models,
        "--format",
        "json",
    ]);
    let (mut x, mut y) = (Vec::new(), Vec::new());
    numbers(&a["channels"], &mut x);
    numbers(&b["channels"], &mut y);
    assert!(x.len() > 100);
    assert_eq!(x.len(), y.len());
    for (p, q) in x.iter().zip(&y) {
        assert!((p - q).abs() <= 1e-9 * p.abs().max(1.0), "{p} vs {q}");
    }
}

fn numbers(v: &serde_json::Value, out: &mut Vec<f64>) {
    match v {
        serde_json::Value::Number(n) => out.push(n.as_f64().unwrap()),
        serde_json::Value::Array(a) => a.iter().for_each(|v| numbers(v, out)),
        serde_json::Value::Object(o) => o.values().for_each(|v| numbers(v, out)),
        _ => {}
    }
}

#[test]
fn the_table_does_not_depend_on_row_order_and_segments_add_up() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(sample_events()).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    let header = lines.remove(0);
    lines.reverse();
    let reversed = dir.path().join("reversed.csv");
    std::fs::write(&reversed, format!("{header}\n{}\n", lines.join("\n"))).unwrap();
    let flags = ["--lookback-days", "9", "--inactivity-days", "4"];
    let sorted = std::fs::read(aggregate(&sample_events(), dir.path(), &flags)).unwrap();
    let shuffled =
        std::fs::read(aggregate(reversed.to_str().unwrap(), dir.path(), &flags)).unwrap();
    assert_eq!(sorted, shuffled);
    // By segment: the rows of one path over all segments add up to its unsegmented row.
    let mut with_segment = flags.to_vec();
    with_segment.extend(["--segment-col", "persona"]);
    let segmented =
        std::fs::read_to_string(aggregate(&sample_events(), dir.path(), &with_segment)).unwrap();
    assert!(
        segmented.starts_with("path,total_conversions,total_conversion_value,total_null,persona\n")
    );
    let mut sums: std::collections::BTreeMap<String, [f64; 2]> = Default::default();
    for line in segmented.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let s = sums.entry(f[0].to_owned()).or_default();
        s[0] += f[1].parse::<f64>().unwrap();
        s[1] += f[3].parse::<f64>().unwrap();
    }
    let plain = String::from_utf8(sorted).unwrap();
    assert_eq!(plain.lines().count() - 1, sums.len());
    for line in plain.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let s = sums[f[0]];
        assert_eq!(
            [f[1].parse::<f64>().unwrap(), f[3].parse().unwrap()],
            s,
            "{line}"
        );
    }
}

/// Status and standard error of a run.
fn fails(args: &[&str]) -> String {
    let o = run(args);
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(o.stdout.is_empty(), "{args:?}");
    stderr
}

#[test]
fn one_output_each_and_a_format_that_cannot_apply_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let d = |name: &str| dir.path().join(name).display().to_string();
    let events = sample_events();
    let sql = ["sql", "--dialect", "duckdb", "--table", "events"];
    for format in ["json", "csv"] {
        let mut args = sql.to_vec();
        args.extend(["--format", format]);
        assert!(fails(&args).contains("only --format table applies"));
    }
    let mut args = sql.to_vec();
    let json_out = d("q.json");
    args.extend(["--out", &json_out]);
    assert!(fails(&args).contains("does not fit an SQL query"));
    for (name, format) in [("q.sql", None), ("q", None), ("q.json", Some("table"))] {
        let mut args = sql.to_vec();
        let out = d(name);
        args.extend(["--out", &out]);
        args.extend(format.iter().flat_map(|f| ["--format", f]));
        let o = run(&args);
        assert!(o.status.success(), "{args:?}");
        let text = std::fs::read_to_string(&out).unwrap();
        assert_eq!(text.as_bytes(), run(&sql).stdout, "{args:?}");
    }
    let agg = ["aggregate", "--events", &events];
    for format in ["table", "json"] {
        let mut args = agg.to_vec();
        args.extend(["--format", format]);
        assert!(fails(&args).contains("only --format csv applies"));
    }
    // --out FILE.parquet writes Parquet, so a --format cannot apply to it (tests/integration/parquet.rs
    // reads what it writes).
    let parquet = d("paths.parquet");
    let mut args = agg.to_vec();
    args.extend(["--out", &parquet, "--format", "csv"]);
    assert!(fails(&args).contains("--format does not apply to --out FILE.parquet"));
    let txt = d("paths.txt");
    let mut args = agg.to_vec();
    args.extend(["--out", &txt]);
    assert!(fails(&args).contains("does not fit the paths table"));
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        3,
        "q.sql, q, q.json"
    );
    // A paths FILE is not an event log, and sql reads no file.
    assert!(fails(&["aggregate", "data/paths_10k.csv"]).contains("unexpected argument"));
    assert!(
        fails(&[
            "sql",
            "--dialect",
            "duckdb",
            "--table",
            "t",
            "--events",
            &events
        ])
        .contains("unexpected argument")
    );
}
