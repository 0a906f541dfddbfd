//! Row order is not information: permuting the rows of a paths file, an event log (tied
//! timestamps included) or a cost file, or the touchpoints of a stage file, must give
//! byte-identical output from every command that reads
//! them. Each case runs the binary on a small input cut from `data/` and on several seeded
//! shuffles of it, written under the same file name (the name is part of the output), and
//! compares standard output byte for byte (the HTML file, for `report`).

use std::path::Path;

use assert_cmd::Command;

use super::support::shuffled;

/// Seeds of the shuffles each case is checked under.
const SEEDS: [u64; 3] = [1, 7, 2026];

/// Header and rows of a CSV file: every `step`-th data row of the first `step * n`.
fn cut(path: &str, n: usize, step: usize) -> (String, Vec<String>) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap().to_owned();
    let rows = lines.step_by(step).take(n).map(str::to_owned).collect();
    (header, rows)
}

/// The first `users` users' events of the shipped log (it is sorted by user, then time), so
/// journeys stay whole.
fn events(users: usize) -> (String, Vec<String>) {
    let (header, rows) = cut("data/sample_events.csv", usize::MAX, 1);
    let mut seen = Vec::new();
    let rows = rows
        .into_iter()
        .take_while(|row| {
            let user = row.split(',').next().unwrap().to_owned();
            if !seen.contains(&user) {
                seen.push(user);
            }
            seen.len() <= users
        })
        .collect();
    (header, rows)
}

/// Standard output of `journeysim args` run in `dir`, which must succeed.
fn stdout(dir: &Path, args: &[&str]) -> Vec<u8> {
    let out = Command::cargo_bin("journeysim")
        .unwrap()
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "journeysim {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Panics, naming the command, the seed and the first line that differs, unless `a == b`.
fn assert_same_bytes(a: &[u8], b: &[u8], args: &[&str], seed: u64) {
    if a == b {
        return;
    }
    let (a, b) = (String::from_utf8_lossy(a), String::from_utf8_lossy(b));
    let (line, (x, y)) = a
        .lines()
        .zip(b.lines())
        .enumerate()
        .find(|(_, (x, y))| x != y)
        .unwrap_or((a.lines().count().min(b.lines().count()), ("", "")));
    panic!(
        "journeysim {} changes with the row order (shuffle seed {seed}), line {}:\n  in order: {x}\n  shuffled: {y}",
        args.join(" "),
        line + 1
    );
}

/// The file a command given `{out}` writes (`report` writes only to a file).
const OUT: &str = "out.html";

/// Runs every command of `commands` (where `{input}` stands for the file) on `header` + `rows`
/// and on each seeded shuffle of the rows, and checks the outputs are the same bytes: standard
/// output, or the file a command writes to `{out}`.
fn check_rows(header: &str, rows: &[String], commands: &[&[&str]]) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("input.csv");
    let write = |rows: &[String]| {
        std::fs::write(&file, format!("{header}\n{}\n", rows.join("\n"))).unwrap();
    };
    for command in commands {
        let mut args: Vec<&str> = command
            .iter()
            .map(|&a| match a {
                "{input}" => "input.csv",
                "{stages}" => STAGES,
                "{out}" => OUT,
                _ => a,
            })
            .collect();
        let output = |args: &[&str]| {
            let stdout = stdout(dir.path(), args);
            if command.contains(&"{out}") {
                std::fs::read(dir.path().join(OUT)).unwrap()
            } else {
                stdout
            }
        };
        if args.contains(&"--events")
            && !args.contains(&"--open-journeys")
            && !args.contains(&"--inactivity-days")
        {
            // A window shorter than the weeks these users span, so that some exits are
            // censored and some known (with 30 days every touch of them would be censored).
            args.extend(["--inactivity-days", "7"]);
        }
        write(rows);
        let expected = output(&args);
        for seed in SEEDS {
            write(&shuffled(rows, seed));
            assert_same_bytes(&expected, &output(&args), &args, seed);
        }
    }
}

/// The shipped stage map, by absolute path (commands run in a temporary directory).
const STAGES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/stages.json");

const ALL_METHODS: &str =
    "markov,shapley,shapley_ordered,first_touch,last_touch,linear,position_based,time_decay";

fn paths_input() -> (String, Vec<String>) {
    cut("data/paths_10k.csv", 80, 50)
}

fn events_input() -> (String, Vec<String>) {
    events(40)
}

fn stage_paths_input() -> (String, Vec<String>) {
    cut("data/sample_paths.csv", 80, 40)
}

/// One test per command: the input, then the command (`{input}` is the file, `{stages}` the
/// shipped stage map).
macro_rules! row_order_case {
    ($(#[$attr:meta])* $name:ident, $input:ident, [$($arg:expr),* $(,)?]) => {
        $(#[$attr])*
        #[test]
        fn $name() {
            let (header, rows) = $input();
            check_rows(&header, &rows, &[&[$($arg),*]]);
        }
    };
}

row_order_case!(
    attribute_table_of_paths_ignores_row_order,
    paths_input,
    ["attribute", "{input}", "--models", ALL_METHODS]
);
row_order_case!(
    attribute_json_of_paths_ignores_row_order,
    paths_input,
    [
        "attribute",
        "{input}",
        "--models",
        ALL_METHODS,
        "--format",
        "json"
    ]
);
row_order_case!(
    attribute_order2_csv_of_paths_ignores_row_order,
    paths_input,
    ["attribute", "{input}", "--order", "2", "--format", "csv"]
);
row_order_case!(
    attribute_intervals_of_paths_ignore_row_order,
    paths_input,
    [
        "attribute",
        "{input}",
        "--intervals",
        "--resamples",
        "10",
        "--seed",
        "3",
        "--format",
        "csv"
    ]
);
row_order_case!(
    fit_json_of_paths_ignores_row_order,
    paths_input,
    ["fit", "{input}", "--format", "json"]
);
row_order_case!(
    fit_order2_csv_of_paths_ignores_row_order,
    paths_input,
    ["fit", "{input}", "--order", "2", "--format", "csv"]
);
row_order_case!(
    fit_table_of_paths_ignores_row_order,
    paths_input,
    ["fit", "{input}"]
);
row_order_case!(
    report_of_paths_ignores_row_order,
    stage_paths_input,
    [
        "report", "{input}", "--stages", "{stages}", "--out", "{out}"
    ]
);
row_order_case!(
    report_of_events_ignores_row_order,
    events_input,
    [
        "report", "--events", "{input}", "--stages", "{stages}", "--out", "{out}"
    ]
);
row_order_case!(
    top_paths_csv_ignore_row_order,
    paths_input,
    ["paths", "{input}", "--top", "10", "--format", "csv"]
);
row_order_case!(
    top_paths_table_ignore_row_order,
    paths_input,
    ["paths", "{input}", "--top", "10"]
);
row_order_case!(
    order_selection_ignores_row_order,
    paths_input,
    ["order", "{input}", "--max-order", "2", "--format", "csv"]
);
row_order_case!(
    funnel_of_paths_ignores_row_order,
    stage_paths_input,
    [
        "funnel", "{input}", "--stages", "{stages}", "--format", "csv"
    ]
);
row_order_case!(
    attribute_table_of_events_ignores_row_order,
    events_input,
    ["attribute", "--events", "{input}", "--models", ALL_METHODS]
);
row_order_case!(
    attribute_csv_of_events_ignores_row_order,
    events_input,
    ["attribute", "--events", "{input}", "--format", "csv"]
);
row_order_case!(
    attribute_segments_of_events_ignore_row_order,
    events_input,
    [
        "attribute",
        "--events",
        "{input}",
        "--segment-col",
        "persona",
        "--format",
        "csv"
    ]
);
row_order_case!(
    fit_json_of_events_ignores_row_order,
    events_input,
    ["fit", "--events", "{input}", "--format", "json"]
);
row_order_case!(
    fit_table_of_events_ignores_row_order,
    events_input,
    ["fit", "--events", "{input}"]
);
row_order_case!(
    funnel_of_events_ignores_row_order,
    events_input,
    [
        "funnel", "--events", "{input}", "--stages", "{stages}", "--format", "csv"
    ]
);
row_order_case!(
    top_paths_of_events_ignore_row_order,
    events_input,
    [
        "paths", "--events", "{input}", "--top", "10", "--format", "csv"
    ]
);

row_order_case!(
    compare_of_paths_ignores_row_order,
    paths_input,
    [
        "compare",
        "{input}",
        "{input}",
        "--resamples",
        "20",
        "--format",
        "json"
    ]
);
row_order_case!(
    compare_split_of_events_ignores_row_order,
    events_input,
    [
        "compare",
        "--events",
        "{input}",
        "--split-at",
        "2026-01-20",
        "--stages",
        "{stages}",
        "--resamples",
        "20",
        "--format",
        "json"
    ]
);
row_order_case!(
    compare_segments_of_events_ignore_row_order,
    events_input,
    [
        "compare",
        "--events",
        "{input}",
        "--segment-col",
        "persona",
        "--segments",
        "bargain_hunter,busy_professional",
        "--resamples",
        "20",
        "--format",
        "csv"
    ]
);

row_order_case!(
    simulate_of_paths_ignores_row_order,
    paths_input,
    [
        "simulate",
        "{input}",
        "--journeys",
        "20000",
        "--seed",
        "5",
        "--format",
        "json"
    ]
);
row_order_case!(
    whatif_of_paths_ignores_row_order,
    paths_input,
    [
        "whatif",
        "{input}",
        "--scenario",
        SCENARIO,
        "--journeys",
        "20000",
        "--seed",
        "5",
        "--format",
        "csv"
    ]
);
row_order_case!(
    order_selection_of_events_ignores_row_order,
    events_input,
    [
        "order",
        "--events",
        "{input}",
        "--max-order",
        "2",
        "--format",
        "csv"
    ]
);

row_order_case!(
    optimize_intervals_of_paths_ignore_row_order,
    paths_input,
    [
        "optimize",
        "{input}",
        "--budget",
        BUDGET,
        "--intervals",
        "--resamples",
        "5",
        "--seed",
        "3",
        "--format",
        "json"
    ]
);

/// The shipped budget plan for `data/paths_10k.csv`.
const BUDGET: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/budget_10k.json");

/// The shipped scenario that removes display (a channel of `data/paths_10k.csv`).
const SCENARIO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/remove_display.json");

/// An event log sorted by user, then time, in which each user has several events at one
/// instant: touches, a conversion with a touch and one without, so the order of the tied rows
/// decides where journeys are cut. Returned as groups of tied rows, in file order.
fn tied_events() -> (String, Vec<Vec<String>>) {
    let touchpoints = ["search", "email", "display", "social"];
    let mut groups = Vec::new();
    for user in 0..30 {
        for hour in 0..3 {
            let mut group = Vec::new();
            for k in 0..(1 + (user + hour) % 3) {
                let touchpoint = touchpoints[(user * 7 + hour * 3 + k) % touchpoints.len()];
                let conversion = u8::from((user + k) % 4 == 0 && hour == 1);
                let value = if conversion == 1 { "12.5" } else { "" };
                group.push(format!(
                    "u{user:02},2026-03-01T{hour:02}:00:00Z,{touchpoint},{conversion},{value}"
                ));
            }
            if user % 5 == 0 && hour == 2 {
                group.push(format!("u{user:02},2026-03-01T02:00:00Z,,1,40"));
            }
            groups.push(group);
        }
    }
    (
        "user_id,timestamp,touchpoint,conversion,value".to_owned(),
        groups,
    )
}

/// Every tie is within three hours of the end of the log: journeys are taken as ended there
/// (`--open-journeys null`), so the order of the tied rows decides every cut and exit.
const TIED_COMMANDS: [&[&str]; 3] = [
    &[
        "attribute",
        "--events",
        "{input}",
        "--format",
        "json",
        "--open-journeys",
        "null",
    ],
    &[
        "fit",
        "--events",
        "{input}",
        "--format",
        "json",
        "--open-journeys",
        "null",
    ],
    &[
        "paths",
        "--events",
        "{input}",
        "--format",
        "csv",
        "--open-journeys",
        "null",
    ],
];

#[test]
fn tied_timestamps_in_a_shuffled_log_change_nothing() {
    let (header, groups) = tied_events();
    let rows: Vec<String> = groups.concat();
    check_rows(&header, &rows, &TIED_COMMANDS);
}

#[test]
fn tied_timestamps_in_a_sorted_log_change_nothing() {
    // Reordering rows only within their instant keeps the file sorted by user, then time, so
    // this exercises the streaming reader (the shuffled test above, the grouping one).
    let (header, groups) = tied_events();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("input.csv");
    for command in TIED_COMMANDS {
        let args: Vec<&str> = command
            .iter()
            .map(|&a| if a == "{input}" { "input.csv" } else { a })
            .collect();
        std::fs::write(&file, format!("{header}\n{}\n", groups.concat().join("\n"))).unwrap();
        let expected = stdout(dir.path(), &args);
        for seed in SEEDS {
            let rows: Vec<String> = groups.iter().flat_map(|g| shuffled(g, seed)).collect();
            std::fs::write(&file, format!("{header}\n{}\n", rows.join("\n"))).unwrap();
            assert_same_bytes(&expected, &stdout(dir.path(), &args), &args, seed);
        }
    }
}

#[test]
fn stage_files_touchpoint_order_changes_nothing() {
    let map: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(STAGES).unwrap()).unwrap();
    let touchpoints: Vec<(String, serde_json::Value)> = map["touchpoints"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    assert!(
        touchpoints.len() > 5,
        "the shipped stage map has touchpoints to permute"
    );
    let dir = tempfile::tempdir().unwrap();
    let (header, rows) = cut("data/sample_paths.csv", 80, 40);
    std::fs::write(
        dir.path().join("paths.csv"),
        format!("{header}\n{}\n", rows.join("\n")),
    )
    .unwrap();
    // The touchpoints object written by hand in the given order (serde_json would sort keys).
    let write = |touchpoints: &[(String, serde_json::Value)]| {
        let entries: Vec<String> = touchpoints
            .iter()
            .map(|(k, v)| format!("{}: {v}", serde_json::Value::from(k.as_str())))
            .collect();
        let text = format!(
            "{{\"stages\": {}, \"touchpoints\": {{{}}}}}\n",
            map["stages"],
            entries.join(", ")
        );
        std::fs::write(dir.path().join("stages.json"), text).unwrap();
    };
    let commands: [&[&str]; 3] = [
        &[
            "fit",
            "paths.csv",
            "--stages",
            "stages.json",
            "--format",
            "json",
        ],
        &[
            "funnel",
            "paths.csv",
            "--stages",
            "stages.json",
            "--format",
            "csv",
        ],
        &["funnel", "paths.csv", "--stages", "stages.json"],
    ];
    for args in commands {
        write(&touchpoints);
        let expected = stdout(dir.path(), args);
        for seed in SEEDS {
            let order = shuffled(&touchpoints, seed);
            assert_ne!(order, touchpoints, "seed {seed} permutes the touchpoints");
            write(&order);
            assert_same_bytes(&expected, &stdout(dir.path(), args), args, seed);
        }
    }
}

#[test]
fn cost_files_row_order_changes_nothing() {
    // Costs with fractions, so a total summed in file order could move in its last digits.
    let (header, rows) = cut("data/costs_10k.csv", usize::MAX, 1);
    let rows: Vec<String> = rows.iter().map(|r| format!("{r}.37")).collect();
    let dir = tempfile::tempdir().unwrap();
    let paths = concat!(env!("CARGO_MANIFEST_DIR"), "/data/paths_10k.csv");
    let commands: [&[&str]; 2] = [
        &[
            "attribute",
            paths,
            "--costs",
            "costs.csv",
            "--format",
            "json",
        ],
        &[
            "whatif",
            paths,
            "--costs",
            "costs.csv",
            "--scenario",
            SCENARIO,
            "--journeys",
            "2000",
            "--format",
            "csv",
        ],
    ];
    let file = dir.path().join("costs.csv");
    for args in commands {
        std::fs::write(&file, format!("{header}\n{}\n", rows.join("\n"))).unwrap();
        let expected = stdout(dir.path(), args);
        for seed in SEEDS {
            let shuffled = shuffled(&rows, seed);
            std::fs::write(&file, format!("{header}\n{}\n", shuffled.join("\n"))).unwrap();
            assert_same_bytes(&expected, &stdout(dir.path(), args), args, seed);
        }
    }
}
row_order_case!(
    aggregate_of_events_ignores_row_order,
    events_input,
    [
        "aggregate",
        "--events",
        "{input}",
        "--segment-col",
        "persona",
        "--lookback-days",
        "5",
        "--inactivity-days",
        "2"
    ]
);
