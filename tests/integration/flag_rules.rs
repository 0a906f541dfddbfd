//! Rules that hold for every command's flags: counts are read one way, `--threads` is capped
//! without changing the output, and a command offers only the flags it honours.

use super::support::run;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn sample() -> String {
    format!("{ROOT}/data/sample_paths.csv")
}

fn map() -> String {
    format!("{ROOT}/scenarios/journey_map.json")
}

fn scenario() -> String {
    format!("{ROOT}/scenarios/checkout_abandonment.json")
}

/// The arguments of each command that takes `--journeys`, before the flag.
fn journey_commands() -> Vec<Vec<String>> {
    let s = |v: &[&str]| v.iter().map(|a| a.to_string()).collect::<Vec<_>>();
    vec![
        s(&["simulate", &sample()]),
        s(&["generate", "--map", &map()]),
        s(&["validate", "--map", &map()]),
        s(&["whatif", &sample(), "--scenario", &scenario()]),
    ]
}

#[test]
fn every_journeys_flag_reads_1e3_and_1_000_alike() {
    for command in journey_commands() {
        let outputs: Vec<_> = ["1000", "1e3", "1_000"]
            .iter()
            .map(|n| {
                let mut args: Vec<&str> = command.iter().map(String::as_str).collect();
                args.extend(["--journeys", n, "--seed", "3"]);
                let out = run(&args);
                assert!(
                    out.status.success(),
                    "{args:?}: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
                out.stdout
            })
            .collect();
        assert_eq!(outputs[0], outputs[1], "{command:?}");
        assert_eq!(outputs[0], outputs[2], "{command:?}");
    }
}

#[test]
fn a_count_too_large_says_so_and_gives_the_limit() {
    for command in journey_commands() {
        let mut args: Vec<&str> = command.iter().map(String::as_str).collect();
        args.extend(["--journeys", "1e20"]);
        let out = run(&args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("too large"), "{args:?}: {stderr}");
        assert!(stderr.contains(&u64::MAX.to_string()), "{args:?}: {stderr}");
        assert!(!stderr.contains("not a whole number"), "{args:?}: {stderr}");
    }
    let out = run(&["attribute", &sample(), "--intervals", "--resamples", "1e30"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("too large"));
    let out = run(&[
        "simulate",
        &sample(),
        "--journeys",
        "10",
        "--max-steps",
        "1e10",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains(&u32::MAX.to_string()));
}

#[test]
fn threads_beyond_four_per_core_are_capped_with_a_note_and_change_nothing() {
    let runs = [
        vec![
            "simulate",
            "--map",
            "MAP",
            "--journeys",
            "20000",
            "--seed",
            "5",
        ],
        vec!["generate", "--map", "MAP", "--journeys", "2000"],
        vec!["validate", "--map", "MAP", "--journeys", "2000"],
    ];
    let map = map();
    for command in runs {
        let command: Vec<&str> = command
            .iter()
            .map(|a| if *a == "MAP" { map.as_str() } else { a })
            .collect();
        let with = |threads: &str| {
            let mut args = command.clone();
            args.extend(["--threads", threads]);
            let out = run(&args);
            assert!(
                out.status.success(),
                "{args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            out
        };
        let many = with("100000");
        let one = with("1");
        assert_eq!(many.stdout, one.stdout, "{command:?}");
        let stderr = String::from_utf8_lossy(&many.stderr);
        assert!(
            stderr.contains("note: --threads 100000") && stderr.contains("using"),
            "{command:?}: {stderr}"
        );
        assert!(!String::from_utf8_lossy(&one.stderr).contains("note: --threads"));
    }
}

/// The text of `journeysim COMMAND --help`.
fn help(command: &str) -> String {
    let out = run(&[command, "--help"]);
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn segment_col_is_offered_only_where_it_works() {
    assert!(help("attribute").contains("--segment-col"));
    assert!(help("compare").contains("--segment-col"));
    for command in [
        "fit", "order", "graph", "paths", "simulate", "whatif", "funnel", "validate", "generate",
    ] {
        assert!(!help(command).contains("--segment-col"), "{command}");
    }
    // Refused as an unknown flag, never with a placeholder for the command's name.
    let out = run(&[
        "whatif",
        &sample(),
        "--scenario",
        &scenario(),
        "--segment-col",
        "persona",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--segment-col"), "{stderr}");
    assert!(!stderr.contains("this command"), "{stderr}");
    // On paths (not an event log) it is refused rather than ignored.
    let out = run(&["attribute", &sample(), "--segment-col", "persona"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--events"));
}

#[test]
fn svg_with_segment_col_is_refused_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("credits.svg");
    let json = dir.path().join("attribution.json");
    let out = run(&[
        "attribute",
        "--events",
        &format!("{ROOT}/data/sample_events.csv"),
        "--segment-col",
        "persona",
        "--svg",
        svg.to_str().unwrap(),
        "--out",
        json.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--svg") && stderr.contains("--segment-col"),
        "{stderr}"
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

fn events() -> String {
    format!("{ROOT}/data/sample_events.csv")
}

#[test]
fn compare_takes_two_inputs_or_one_split_and_refuses_the_rest() {
    let (sample, events) = (sample(), events());
    let refused: &[&[&str]] = &[
        // One input and no split; three inputs; an event log and a paths file.
        &["compare", &sample],
        &["compare", "--events", &events],
        &["compare", "--events", &events, &sample, &sample],
        // Two ways to split at once; a split and a second input; a split of a paths file.
        &[
            "compare",
            "--events",
            &events,
            "--split-at",
            "2026-01-20",
            "--segment-col",
            "persona",
            "--segments",
            "a,b",
        ],
        &[
            "compare",
            "--events",
            &events,
            &sample,
            "--split-at",
            "2026-01-20",
        ],
        &["compare", &sample, "--split-at", "2026-01-20"],
        &[
            "compare",
            &sample,
            "--segment-col",
            "persona",
            "--segments",
            "a,b",
        ],
        // --segments needs --segment-col and the other way round, and two values.
        &["compare", "--events", &events, "--segments", "a,b"],
        &["compare", "--events", &events, "--segment-col", "persona"],
        &[
            "compare",
            "--events",
            &events,
            "--segment-col",
            "persona",
            "--segments",
            "bargain_hunter,busy_professional,loyal_customer",
        ],
        // Intervals need two resamples and a level inside (0, 1).
        &["compare", &sample, &sample, "--resamples", "1"],
        &["compare", &sample, &sample, "--level", "1"],
    ];
    for args in refused {
        let out = run(args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}

#[test]
fn compare_gives_the_same_intervals_on_any_thread_count() {
    let events = events();
    let args = [
        "compare",
        "--events",
        &events,
        "--split-at",
        "2026-01-20",
        "--resamples",
        "60",
        "--seed",
        "9",
        "--format",
        "json",
    ];
    let with = |threads: &str| {
        let out = assert_cmd::Command::cargo_bin("journeysim")
            .unwrap()
            .env("RAYON_NUM_THREADS", threads)
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    };
    assert_eq!(with("1"), with("4"));
    // Another seed moves the intervals.
    let other = run(&[
        "compare",
        "--events",
        &events,
        "--split-at",
        "2026-01-20",
        "--resamples",
        "60",
        "--seed",
        "10",
        "--format",
        "json",
    ]);
    assert_ne!(other.stdout, with("2"));
}

/// The lines of `--help` describing `flag` (its line and the description under it).
fn flag_help(command: &str, flag: &str) -> String {
    let text = help(command);
    let mut lines = text
        .lines()
        .skip_while(|l| !l.trim_start().starts_with(flag));
    let first = lines
        .next()
        .unwrap_or_else(|| panic!("{command}: no {flag}"));
    format!("{first}\n{}", lines.next().unwrap_or(""))
}

#[test]
fn sql_and_aggregate_take_the_event_log_flags_of_events_with_the_same_defaults() {
    for flag in [
        "--user-col",
        "--time-col",
        "--touchpoint-col",
        "--conversion-col",
        "--lookback-days",
        "--inactivity-days",
    ] {
        let events = flag_help("attribute", flag);
        assert_eq!(flag_help("aggregate", flag), events, "{flag}");
        assert_eq!(flag_help("sql", flag), events, "{flag}");
    }
    for command in ["sql", "aggregate"] {
        assert!(help(command).contains("--segment-col"), "{command}");
        // Paths-file flags cannot apply to an event log: not offered.
        for flag in ["--path-col", "--null-col", "--channel-sep"] {
            assert!(!help(command).contains(flag), "{command} {flag}");
        }
    }
    // sql reads no file, so it has no --delimiter and no --events.
    let sql = help("sql");
    assert!(!sql.contains("--delimiter") && !sql.contains("--events <"));
}
