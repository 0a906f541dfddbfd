//! The real binary: formats, contract fields, errors and exit codes, atomic `--out`.

use assert_cmd::Command;
use serde_json::Value;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data");

fn journeysim() -> Command {
    Command::cargo_bin("journeysim").unwrap()
}

fn sample() -> String {
    format!("{DATA}/paths_10k.csv")
}

/// Runs `journeysim` with `args` and the given file contents as its input file `input.csv`,
/// returning (exit code, stdout, stderr).
fn run_on(contents: &[u8], args: &[&str]) -> (i32, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("input.csv");
    std::fs::write(&path, contents).unwrap();
    let output = journeysim()
        .current_dir(dir.path())
        .args(args)
        .arg("input.csv")
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn attribute_json_has_the_contract_fields_and_sorted_channels() {
    let output = journeysim()
        .args(["attribute", &sample(), "--format", "json"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    for field in [
        "order",
        "states",
        "channels",
        "conversion_probability",
        "total_conversions",
        "total_value",
    ] {
        assert!(json["model"][field].is_number(), "model.{field}");
    }
    assert_eq!(json["model"]["total_conversions"], 4472.0);
    let channels = json["channels"].as_array().unwrap();
    assert_eq!(channels.len(), 12);
    let names: Vec<&str> = channels
        .iter()
        .map(|c| c["channel"].as_str().unwrap())
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    for field in [
        "removal_effect",
        "removal_effect_value",
        "markov_conversions",
        "markov_value",
        "first_touch",
        "last_touch",
        "linear",
        "position_based",
        "time_decay",
        "first_touch_value",
    ] {
        assert!(channels[0][field].is_number(), "channels[].{field}");
    }
}

#[test]
fn attribute_csv_has_one_row_per_channel_with_the_json_fields() {
    let output = journeysim()
        .args(["attribute", &sample(), "--format", "csv", "--order", "2"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let mut reader = csv::Reader::from_reader(output.stdout.as_slice());
    let header = reader.headers().unwrap().clone();
    assert_eq!(&header[0], "channel");
    assert!(header.iter().any(|h| h == "markov_value"));
    assert_eq!(reader.records().count(), 12);
}

#[test]
fn attribute_table_is_the_default_and_names_every_channel() {
    let output = journeysim()
        .args(["attribute", &sample()])
        .output()
        .unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.contains("P(conversion)"), "{text}");
    for channel in ["email", "search_paid", "retargeting"] {
        assert!(text.contains(channel), "{channel} missing from\n{text}");
    }
}

#[test]
fn standard_input_is_read_with_a_dash() {
    let output = journeysim()
        .args(["attribute", "-", "--format", "json"])
        .write_stdin("path;total_conversions;total_null\na > b;1;1\n")
        .output()
        .unwrap();
    assert!(output.status.success());
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["model"]["conversion_probability"], 0.5);
}

#[test]
fn fit_writes_a_versioned_model_file_with_weights_and_totals() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("model.json");
    journeysim()
        .args(["fit", &sample(), "--order", "2", "--out"])
        .arg(&out)
        .assert()
        .success();
    let json: Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(json["format"], "journeysim-model");
    assert_eq!(json["version"], 1);
    assert_eq!(json["order"], 2);
    assert_eq!(json["totals"]["conversions"], 4472.0);
    assert!(json["input"].as_str().unwrap().ends_with("paths_10k.csv"));
    let state = &json["states"][0];
    assert!(state["state"].is_string() && state["value_per_conversion"].is_number());
    let transition = &state["transitions"][0];
    assert!(transition["probability"].is_number() && transition["weight"].is_number());
}

#[test]
fn paths_ranks_with_wilson_intervals_and_length_statistics() {
    let output = journeysim()
        .args([
            "paths",
            &sample(),
            "--top",
            "3",
            "--min-journeys",
            "100",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert!(output.status.success());
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    let by_rate = json["by_conversion_rate"].as_array().unwrap();
    assert_eq!(by_rate.len(), 3);
    for entry in by_rate {
        assert!(entry["journeys"].as_f64().unwrap() >= 100.0);
        let rate = entry["conversion_rate"].as_f64().unwrap();
        let ci = &entry["conversion_rate_ci"];
        assert!(ci[0].as_f64().unwrap() <= rate && rate <= ci[1].as_f64().unwrap());
    }
    assert!(json["path_length"]["converting"]["mean"].as_f64().unwrap() >= 1.0);
}

/// Each malformed input: exit code 2, and a message that names the file, the line and what was
/// wrong.
#[test]
fn bad_input_gets_a_clear_error_and_exit_code_2() {
    let header = "path,total_conversions,total_conversion_value,total_null\n";
    let with_header = |rows: &str| format!("{header}{rows}").into_bytes();
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (b"".to_vec(), "input.csv: the file is empty"),
        (b"path,conv\na,1\n".to_vec(), "columns found: path, conv"),
        (
            with_header("a,1,5,-3\n"),
            "input.csv line 2: total_null is -3; counts must be >= 0",
        ),
        (
            with_header("a,NaN,5,3\n"),
            "line 2: total_conversions is NaN; counts must be finite",
        ),
        (
            with_header("a,1,inf,3\n"),
            "line 2: total_conversion_value is inf; counts must be finite",
        ),
        (
            with_header("a,1,5,3\nb,two,5,3\n"),
            "line 3: total_conversions is 'two'",
        ),
        (with_header(",1,5,3\n"), "line 2: the path is empty"),
        (
            with_header("a > > b,1,5,3\n"),
            "line 2: the path 'a > > b' has an empty channel",
        ),
        (b"path,total_conversions\n\xff\xfe,1\n".to_vec(), "line 2:"),
        (
            b"path|total_conversions\na|1\n".to_vec(),
            "cannot detect the field delimiter",
        ),
        (
            with_header("a,1,5\n"),
            "line 2: the row has 3 fields but the header has 4",
        ),
    ];
    for (contents, expected) in &cases {
        let (code, stdout, stderr) = run_on(contents, &["attribute"]);
        assert_eq!(code, 2, "{expected}: {stderr}");
        assert!(stderr.contains(expected), "want '{expected}' in: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(stdout.is_empty());
    }
}

#[test]
fn bad_arguments_exit_2() {
    let (code, _, stderr) = run_on(
        b"path,total_conversions\na,1\n",
        &["attribute", "--order", "0"],
    );
    assert_eq!(code, 2, "{stderr}");
    let (code, _, stderr) = run_on(
        b"path,total_conversions\na,1\n",
        &["attribute", "--delimiter", "||"],
    );
    assert_eq!(code, 2, "{stderr}");
    journeysim()
        .args(["attribute", "no/such/file.csv"])
        .assert()
        .code(2);
}

#[test]
fn skipped_rows_and_no_conversions_warn_and_give_zeros_not_nan() {
    let (code, stdout, stderr) = run_on(
        b"path,total_conversions,total_null\na > b,0,0\nb,0,4\n",
        &["attribute", "--format", "json"],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("skipped 1 row(s)"), "{stderr}");
    assert!(stderr.contains("no conversions"), "{stderr}");
    assert!(!stdout.contains("NaN") && !stdout.contains("null,"));
    let json: Value = serde_json::from_str(&stdout).unwrap();
    for c in json["channels"].as_array().unwrap() {
        assert_eq!(c["markov_conversions"], 0.0);
        assert_eq!(c["removal_effect"], 0.0);
    }
}

#[test]
fn fractional_counts_are_weights_not_truncated() {
    let (_, stdout, _) = run_on(
        b"path,total_conversions,total_null\na,0.5,0.25\nb,0.25,1\n",
        &["attribute", "--format", "json"],
    );
    let json: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["model"]["total_conversions"], 0.75);
    assert_eq!(json["model"]["journeys"], 2.0);
}

/// A failing run leaves no output file, and does not touch an existing one.
#[test]
fn out_never_leaves_a_partial_file() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "path,total_conversions\na,1\nb,-1\n").unwrap();
    let out = dir.path().join("result.json");
    journeysim()
        .args(["attribute", "--format", "json", "--out"])
        .arg(&out)
        .arg(&bad)
        .assert()
        .code(2);
    assert!(!out.exists());
    std::fs::write(&out, "previous").unwrap();
    journeysim()
        .args(["attribute", "--out"])
        .arg(&out)
        .arg(&bad)
        .assert()
        .code(2);
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "previous");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(
        leftovers.len(),
        2,
        "only the input and the old output remain"
    );
}

#[test]
fn out_extension_picks_the_format_and_stdout_stays_empty() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("attribution.csv");
    let output = journeysim()
        .args(["attribute", &sample(), "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(output.status.success() && output.stdout.is_empty());
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.starts_with("channel,removal_effect,"), "{text}");
}

#[test]
fn every_command_help_shows_an_example() {
    let output = journeysim().arg("--help").output().unwrap();
    let text = String::from_utf8(output.stdout).unwrap();
    let commands: Vec<String> = text
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .map(|l| l.split_whitespace().next().unwrap().to_owned())
        .filter(|c| c != "help")
        .collect();
    assert!(commands.len() >= 3, "{text}");
    for command in commands {
        let output = journeysim().args([&command, "--help"]).output().unwrap();
        let help = String::from_utf8(output.stdout).unwrap();
        assert!(
            help.contains(&format!("journeysim {command}")),
            "{command} --help has no example:\n{help}"
        );
        assert!(
            help.contains("--format") && help.contains("--out"),
            "{command}"
        );
    }
}

/// Output files are ordinary files (0644 on Unix), not private temporary files, and an
/// existing file keeps its permissions when it is replaced.
#[cfg(unix)]
#[test]
fn out_files_get_ordinary_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("attribution.json");
    journeysim()
        .args(["attribute", &sample(), "--out"])
        .arg(&out)
        .assert()
        .success();
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&out), 0o644);
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o640)).unwrap();
    journeysim()
        .args(["attribute", &sample(), "--out"])
        .arg(&out)
        .assert()
        .success();
    assert_eq!(mode(&out), 0o640);
}

/// A table cell longer than 65,535 characters (a 70,000-character channel name, a path of
/// 24,000 touches) is printed in full; `format!` widths used to panic past that.
#[test]
fn table_cells_longer_than_65535_characters_are_printed_not_a_panic() {
    let name = "c".repeat(70_000);
    let long_path = ["a", "b"].repeat(12_000).join(" > ");
    let data = format!(
        "path,total_conversions,total_conversion_value,total_null\n{name},2,0,1\nb,1,0,1\n\
         {long_path},1,0,0\n"
    );
    let (code, stdout, stderr) = run_on(data.as_bytes(), &["attribute"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains(&name), "the long channel is missing");
    let (code, stdout, stderr) = run_on(data.as_bytes(), &["paths"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains(&long_path),
        "the 24,000-touch path is missing"
    );
}

/// Counts or values whose totals pass f64::MAX gave inf, NaN and `null` in the output with exit
/// 0 (`fit` wrote `"journeys": null`); they are bad input naming the file. Values too large to
/// simulate are refused by `simulate`.
#[test]
fn totals_that_overflow_are_bad_input_not_nan() {
    let header = "path,total_conversions,total_conversion_value,total_null\n";
    let cases = [
        (
            format!("{header}a > b,1e308,0,1e308\nb,1e308,0,1e308\n"),
            "attribute",
        ),
        (
            format!("{header}a > b,1e308,0,1e308\nb,1e308,0,1e308\n"),
            "fit",
        ),
        (format!("{header}a,1,1e308,0\nb,1,1e308,0\n"), "attribute"),
        (format!("{header}a,1,1e200,1\n"), "simulate"),
    ];
    for (data, command) in cases {
        let mut args = vec![command, "--format", "json"];
        if command == "simulate" {
            args.extend(["--journeys", "100"]);
        }
        let (code, stdout, stderr) = run_on(data.as_bytes(), &args);
        assert_eq!(code, 2, "{command} on {data}: {stderr}");
        assert!(stderr.contains("input.csv"), "{command}: {stderr}");
        assert!(stdout.is_empty(), "{command}: {stdout}");
    }
}
