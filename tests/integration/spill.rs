//! Unsorted event logs larger than `--memory-limit` are partitioned by user into temporary files
//! (crates/io/src/spill.rs): every command that reads `--events` must give the same bytes as the
//! in-memory grouping, from a file or standard input, and leave no temporary file behind, on
//! success, on a bad row and on Ctrl-C.

use std::io::Write;
use std::path::Path;
use std::process::Stdio;

use assert_cmd::Command;

use super::support::shuffled;

const STAGES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/stages.json");
const SCENARIO: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/scenarios/checkout_abandonment.json"
);
const ALL_METHODS: &str =
    "markov,shapley,shapley_ordered,first_touch,last_touch,linear,position_based,time_decay";

/// The shipped event log, its rows shuffled with `seed`.
fn shuffled_log(seed: u64) -> String {
    let text = std::fs::read_to_string("data/sample_events.csv").unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    let header = lines.remove(0);
    format!("{header}\n{}\n", shuffled(&lines, seed).join("\n"))
}

/// Runs `journeysim args` in `dir` with `stdin`; (exit code, stdout, stderr).
fn run(dir: &Path, args: &[&str], stdin: &[u8]) -> (i32, Vec<u8>, String) {
    let out = Command::cargo_bin("journeysim")
        .unwrap()
        .current_dir(dir)
        .args(args)
        .write_stdin(stdin.to_vec())
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        out.stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn empty(dir: &Path) -> bool {
    std::fs::read_dir(dir).unwrap().next().is_none()
}

/// Every command that reads an event log, on `{input}`.
const COMMANDS: &[&[&str]] = &[
    &["attribute", "--events", "{input}", "--models", ALL_METHODS],
    &["attribute", "--events", "{input}", "--format", "json"],
    &[
        "attribute",
        "--events",
        "{input}",
        "--segment-col",
        "persona",
        "--format",
        "csv",
    ],
    &["fit", "--events", "{input}", "--format", "json"],
    &[
        "aggregate",
        "--events",
        "{input}",
        "--segment-col",
        "persona",
    ],
    &[
        "compare",
        "--events",
        "{input}",
        "--split-at",
        "2026-01-20",
        "--format",
        "json",
    ],
    &["fit", "--events", "{input}", "--order", "auto"],
    &["order", "--events", "{input}", "--format", "json"],
    &["graph", "--events", "{input}"],
    &[
        "paths", "--events", "{input}", "--top", "20", "--format", "csv",
    ],
    &[
        "funnel", "--events", "{input}", "--stages", STAGES, "--format", "csv",
    ],
    &[
        "simulate",
        "--events",
        "{input}",
        "--journeys",
        "3000",
        "--seed",
        "3",
        "--format",
        "json",
    ],
    &[
        "whatif",
        "--events",
        "{input}",
        "--scenario",
        SCENARIO,
        "--journeys",
        "3000",
        "--format",
        "json",
    ],
];

#[test]
fn every_events_command_gives_the_same_bytes_partitioned_as_in_memory() {
    let dir = tempfile::tempdir().unwrap();
    let spill = tempfile::tempdir().unwrap();
    let spill_dir = spill.path().to_str().unwrap();
    for seed in [1, 2026] {
        let log = shuffled_log(seed);
        std::fs::write(dir.path().join("input.csv"), &log).unwrap();
        for command in COMMANDS {
            let file: Vec<&str> = command
                .iter()
                .map(|&a| if a == "{input}" { "input.csv" } else { a })
                .collect();
            let (code, expected, stderr) = run(dir.path(), &file, b"");
            assert_eq!(code, 0, "{file:?}: {stderr}");
            assert!(stderr.contains("grouped 9411 events in memory"), "{stderr}");
            // 4 KB holds a few dozen events: the log goes to many partitions, and most are
            // split again.
            for limit in ["4KB", "200KB"] {
                let mut limited = file.clone();
                limited.extend(["--memory-limit", limit, "--temp-dir", spill_dir]);
                let (code, out, stderr) = run(dir.path(), &limited, b"");
                assert_eq!(code, 0, "{limited:?}: {stderr}");
                assert!(stderr.contains("temporary files"), "{limited:?}: {stderr}");
                assert!(
                    out == expected,
                    "{limited:?} (seed {seed}) differs from the in-memory grouping"
                );
                assert!(empty(spill.path()), "{limited:?} left temporary files");
            }
            // Standard input, which is never checked for order, partitioned too; the input's
            // name is part of the output, so compare against standard input in memory.
            let stdin: Vec<&str> = command
                .iter()
                .map(|&a| if a == "{input}" { "-" } else { a })
                .collect();
            let (code, in_memory, stderr) = run(dir.path(), &stdin, log.as_bytes());
            assert_eq!(code, 0, "{stdin:?}: {stderr}");
            let mut limited = stdin.clone();
            limited.extend(["--memory-limit", "4KB", "--temp-dir", spill_dir]);
            let (code, out, stderr) = run(dir.path(), &limited, log.as_bytes());
            assert_eq!(code, 0, "{limited:?}: {stderr}");
            assert!(out == in_memory, "{limited:?} (seed {seed}) differs");
            assert!(empty(spill.path()), "{limited:?} left temporary files");
        }
    }
}

#[test]
fn a_bad_row_after_partitioning_began_is_the_same_error_and_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let spill = tempfile::tempdir().unwrap();
    let log = shuffled_log(7);
    let mut lines: Vec<&str> = log.lines().collect();
    lines[6000] = "u0000001,not-a-time,email_campaign,Interest,loyal_customer,0,0";
    std::fs::write(dir.path().join("bad.csv"), lines.join("\n") + "\n").unwrap();
    let base = ["attribute", "--events", "bad.csv"];
    let (code, out, expected) = run(dir.path(), &base, b"");
    assert_eq!((code, out.is_empty()), (2, true), "{expected}");
    assert!(expected.contains("bad.csv line 6001"), "{expected}");
    let mut limited = base.to_vec();
    limited.extend([
        "--memory-limit",
        "4KB",
        "--temp-dir",
        spill.path().to_str().unwrap(),
    ]);
    let (code, out, stderr) = run(dir.path(), &limited, b"");
    assert_eq!((code, out.is_empty()), (2, true), "{stderr}");
    assert_eq!(stderr, expected);
    assert!(empty(spill.path()), "a failed read left temporary files");
}

#[test]
fn ctrl_c_while_partitioning_removes_the_temporary_files() {
    let spill = tempfile::tempdir().unwrap();
    let log = shuffled_log(11);
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_journeysim"))
        .args([
            "attribute",
            "--events",
            "-",
            "--memory-limit",
            "4KB",
            "--temp-dir",
            spill.path().to_str().unwrap(),
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Half the log: enough to start partitioning; standard input stays open, so the child
    // waits for more with its partitions on disk.
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(&log.as_bytes()[..log.len() / 2]).unwrap();
    stdin.flush().unwrap();
    let started = std::time::Instant::now();
    while empty(spill.path()) {
        assert!(
            started.elapsed().as_secs() < 60,
            "no partition directory appeared"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let killed = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    drop(stdin);
    assert_eq!(status.code(), Some(130), "{status:?}");
    assert!(empty(spill.path()), "Ctrl-C left temporary files");
}

#[test]
fn memory_flags_are_checked() {
    let here = Path::new(".");
    for bad in ["lots", "0", "-5MB", "1e400", "12XB"] {
        let (code, _, stderr) = run(
            here,
            &[
                "attribute",
                "--events",
                "data/sample_events.csv",
                &format!("--memory-limit={bad}"),
            ],
            b"",
        );
        assert_eq!(code, 2, "{bad}: {stderr}");
        assert!(stderr.contains("--memory-limit"), "{stderr}");
    }
    let (code, _, stderr) = run(
        here,
        &[
            "attribute",
            "data/sample_paths.csv",
            "--memory-limit",
            "1GiB",
        ],
        b"",
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("apply to an event log"), "{stderr}");
    // A temporary directory that does not exist is a write error (exit 1, as for --out) naming
    // it, once partitioning starts.
    let (code, out, stderr) = run(
        here,
        &[
            "attribute",
            "--events",
            "-",
            "--memory-limit",
            "4KB",
            "--temp-dir",
            "/nonexistent/journeysim",
        ],
        shuffled_log(3).as_bytes(),
    );
    assert_eq!((code, out.is_empty()), (1, true), "{stderr}");
    assert!(stderr.contains("/nonexistent/journeysim"), "{stderr}");
}
