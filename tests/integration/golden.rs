//! Golden outputs: every command's exact bytes, pinned.
//!
//! Why: the refactor of issue 10 moves the code into a workspace of crates and must leave every
//! command's output byte-identical. Each case of `tests/golden/commands.txt` runs the binary from
//! the repository root (no stdin) and its exit code, standard output, standard error and the
//! files it wrote are compared with `tests/golden/expected/NAME.txt`, which were made by the code
//! before the refactor.
//!
//! `JOURNEYSIM_BLESS=1 cargo test --release --test integration golden` rewrites the expected
//! files instead of comparing. Bless only for an intentional change of output, and review the
//! diff of `tests/golden/expected/` before committing it.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The repository root: commands run here, so their arguments and messages name files by the
/// same relative paths on every machine.
const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Placeholder in `commands.txt` for the case's fresh temporary directory.
const OUT: &str = "{out}";

#[test]
fn every_command_output_matches_its_golden_file() {
    let golden = Path::new(ROOT).join("tests/golden");
    let expected_dir = golden.join("expected");
    let bless = std::env::var("JOURNEYSIM_BLESS").is_ok_and(|v| v == "1");
    let commands = fs::read_to_string(golden.join("commands.txt")).unwrap();
    let cases: Vec<(&str, Vec<&str>)> = commands
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| {
            let mut words = line.split_whitespace();
            (words.next().unwrap(), words.collect())
        })
        .collect();

    let mut names: Vec<&str> = cases.iter().map(|(name, _)| *name).collect();
    names.sort_unstable();
    if let Some(pair) = names.windows(2).find(|pair| pair[0] == pair[1]) {
        panic!("commands.txt names the case {} twice", pair[0]);
    }

    let mut failures = Vec::new();
    if bless {
        fs::create_dir_all(&expected_dir).unwrap();
    }
    for (name, args) in &cases {
        let actual = run_case(name, args);
        let path = expected_dir.join(format!("{name}.txt"));
        if bless {
            fs::write(&path, &actual).unwrap();
        } else {
            match fs::read(&path) {
                Ok(expected) if expected == actual => {}
                Ok(expected) => {
                    failures.push(format!("{name}: {}", first_difference(&expected, &actual)))
                }
                Err(_) => failures.push(format!("{name}: no expected file {}", path.display())),
            }
        }
    }

    // An expected file without a case is stale: blessing removes it, checking reports it.
    for entry in fs::read_dir(&expected_dir).into_iter().flatten() {
        let path = entry.unwrap().path();
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        if !names.contains(&stem.as_str()) {
            if bless {
                fs::remove_file(&path).unwrap();
            } else {
                failures.push(format!(
                    "{stem}: expected file without a case in commands.txt"
                ));
            }
        }
    }

    assert!(
        failures.is_empty(),
        "{} of {} golden cases differ (if the change is intended: JOURNEYSIM_BLESS=1, then review \
         the diff):\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// Runs one case and renders what it did: the command line, the exit code, then stdout, stderr
/// and each file written into `{out}` (sorted by name), with the temporary directory's path
/// replaced by `{out}`.
fn run_case(name: &str, args: &[&str]) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let dir_text = dir.path().to_str().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_journeysim"))
        .args(args.iter().map(|arg| arg.replace(OUT, dir_text)))
        .current_dir(ROOT)
        .env_remove("CLICOLOR_FORCE") // clap would colour its messages even into a pipe
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{name}: cannot run journeysim: {e}"));

    let mut text = Vec::new();
    let code = output
        .status
        .code()
        .map_or("none (killed)".into(), |c| c.to_string());
    text.extend(
        format!(
            "case: {name}\nargs: {}\nexit code: {code}\n",
            args.join(" ")
        )
        .bytes(),
    );
    section(&mut text, "stdout", &output.stdout, dir_text);
    section(&mut text, "stderr", &output.stderr, dir_text);
    let mut files: Vec<PathBuf> = fs::read_dir(dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    files.sort();
    for file in files {
        let title = format!("file {}", file.file_name().unwrap().to_string_lossy());
        section(&mut text, &title, &fs::read(&file).unwrap(), dir_text);
    }
    text
}

/// Appends `==> title <==` and `bytes` (with `dir` replaced by `{out}`), ending on a newline;
/// a missing final newline is marked, so the rendering stays exact.
fn section(text: &mut Vec<u8>, title: &str, bytes: &[u8], dir: &str) {
    text.extend(format!("==> {title} <==\n").bytes());
    text.extend(replace(bytes, dir.as_bytes(), OUT.as_bytes()));
    if !bytes.is_empty() && !bytes.ends_with(b"\n") {
        text.extend(b"\n[no newline at end]\n");
    }
}

/// `bytes` with every `from` replaced by `to` (byte-wise: outputs need not be UTF-8).
fn replace(bytes: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut rest = bytes;
    while !rest.is_empty() {
        if rest.starts_with(from) {
            out.extend_from_slice(to);
            rest = &rest[from.len()..];
        } else {
            out.push(rest[0]);
            rest = &rest[1..];
        }
    }
    out
}

/// The first line where `actual` departs from `expected`, for the failure report.
fn first_difference(expected: &[u8], actual: &[u8]) -> String {
    let expected = String::from_utf8_lossy(expected);
    let actual = String::from_utf8_lossy(actual);
    let mut e = expected.split('\n');
    let mut a = actual.split('\n');
    let mut report = String::new();
    for line in 1.. {
        match (e.next(), a.next()) {
            (Some(x), Some(y)) if x == y => continue,
            (x, y) => {
                let show =
                    |l: Option<&str>| l.map_or("(end of output)".into(), |l| format!("{l:?}"));
                write!(report, "line {line}: expected {}, got {}", show(x), show(y)).unwrap();
                break;
            }
        }
    }
    report
}
