//! Helpers shared by the integration tests that drive the binary.

use assert_cmd::Command;
use serde_json::Value;

/// Runs `journeysim` with `args` and returns what it did.
pub fn run(args: &[&str]) -> std::process::Output {
    Command::cargo_bin("journeysim")
        .unwrap()
        .args(args)
        .output()
        .unwrap()
}

/// Runs `journeysim` with `args`, which must succeed, and parses its standard output as JSON.
pub fn json(args: &[&str]) -> Value {
    let out = run(args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}
