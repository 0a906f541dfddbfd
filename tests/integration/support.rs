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

/// SplitMix64: a tiny deterministic stream for shuffles and damage in tests, so a failure names
/// a seed that reproduces it.
pub struct SplitMix64(pub u64);

impl SplitMix64 {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// A deterministic permutation of `items` from `seed` (Fisher-Yates driven by [`SplitMix64`]).
pub fn shuffled<T: Clone>(items: &[T], seed: u64) -> Vec<T> {
    let mut stream = SplitMix64(seed);
    let mut out = items.to_vec();
    for i in (1..out.len()).rev() {
        out.swap(i, (stream.next() % (i as u64 + 1)) as usize);
    }
    out
}
