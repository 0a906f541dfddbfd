//! Every example in every `--help` runs as written from the repository root. Files an example
//! writes (`--out`, `--svg`) go to a temporary directory instead, and a later example that
//! reads such a file (`--model model.json`) reads it there.

use std::collections::BTreeSet;
use std::path::Path;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn help(args: &[&str]) -> String {
    let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("journeysim"))
        .args(args)
        .arg("--help")
        .output()
        .unwrap();
    assert!(out.status.success(), "{args:?}");
    String::from_utf8(out.stdout).unwrap()
}

/// The subcommands listed under "Commands:" in the top-level help.
fn commands(top: &str) -> Vec<String> {
    top.lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .map(str::to_owned)
        .collect()
}

/// The command lines under "Example:"/"Examples:" in a help text.
fn examples(text: &str) -> Vec<String> {
    text.lines()
        .skip_while(|l| !l.starts_with("Example"))
        .filter_map(|l| l.strip_prefix("  journeysim "))
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_help_example_runs_from_the_repository_root() {
    let top = help(&[]);
    let commands = commands(&top);
    assert!(commands.len() >= 10, "{commands:?}");
    let mut all = examples(&top);
    for command in &commands {
        let found = examples(&help(&[command]));
        assert!(!found.is_empty(), "`{command} --help` has no example");
        all.extend(found);
    }
    let dir = tempfile::tempdir().unwrap();
    let mut written = BTreeSet::new();
    for example in &all {
        assert!(
            !example.contains(['"', '\'', '|', '&', '>', '<', '\\']),
            "not one plain command: {example}"
        );
        let mut args = Vec::new();
        let mut words = example.split_whitespace();
        while let Some(word) = words.next() {
            if word == "--out" || word == "--svg" {
                let target = words.next().expect("a file after --out/--svg");
                written.insert(target.to_owned());
                args.push(word.to_owned());
                args.push(dir.path().join(target).display().to_string());
            } else if written.contains(word) {
                args.push(dir.path().join(word).display().to_string());
            } else {
                args.push(word.to_owned());
            }
        }
        if args[0] == "serve" {
            serves(&args[1..]);
            continue;
        }
        let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("journeysim"))
            .args(&args)
            .current_dir(ROOT)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "journeysim {example}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    for file in &written {
        assert!(Path::new(&dir.path().join(file)).is_file(), "{file}");
    }
}

/// A `serve` example runs until interrupted: it must start, answer, and stop cleanly. It listens
/// on a free port (`--port 0`) rather than the one written, which another program may hold.
fn serves(args: &[String]) {
    let mut args: Vec<&str> = args.iter().map(String::as_str).collect();
    if let Some(i) = args.iter().position(|a| *a == "--port") {
        args.drain(i..i + 2);
    }
    args.extend_from_slice(&["--port", "0"]);
    let server = crate::web::Server::start(&args);
    assert_eq!(server.get_json("/api/health")["status"], "ok", "{args:?}");
    let (status, stderr) = server.interrupt();
    assert!(status.success(), "serve {args:?}: {stderr}");
}
