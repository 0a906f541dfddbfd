#!/usr/bin/env bash
# Every test suite, as the README's test command: the Rust suites (unit, integration, golden,
# doc examples; `cargo test --release`), then every suite script under scripts/suites/ (each sets
# up and stops what it needs: Python packages, servers; see scripts/suites/README.md), then each
# parser's fuzz target for 30 seconds.
# Installs what is missing for the fuzzers (the nightly toolchain, cargo-fuzz) and ends with one
# summary line over all suites. Exits non-zero when any suite fails.
#
#   scripts/test.sh            # everything
#   FUZZ_SECONDS=600 scripts/test.sh   # the fuzzers for 10 minutes each
set -uo pipefail
cd "$(dirname "$0")/.."

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0

cargo test --locked --release 2>&1 | tee "$log" || status=1

for suite in scripts/suites/*.sh; do
    [ -x "$suite" ] || continue
    echo "test.sh: suite $suite" >&2
    "$suite" 2>&1 | tee -a "$log" || { echo "test.sh: suite $suite failed" >&2; status=1; }
done

# The fuzzers need nightly (libFuzzer, sanitizers) and cargo-fuzz.
if ! rustup run nightly rustc --version >/dev/null 2>&1; then
    echo "test.sh: installing the nightly toolchain for the fuzzers" >&2
    rustup toolchain install nightly --profile minimal || status=1
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "test.sh: installing cargo-fuzz" >&2
    cargo install cargo-fuzz --locked --version 0.13.2 || status=1
fi
fuzz_status=0
scripts/fuzz.sh "${FUZZ_SECONDS:-30}" 2>&1 | tee -a "$log" || fuzz_status=1
[ "$fuzz_status" -eq 0 ] || status=1

awk -v fuzz_failed="$fuzz_status" '
    /^test result:/ { p += $4; f += $6; s += $8; next }
    # pytest: "=== 12 passed, 1 failed, 2 skipped in 3.2s ==="
    /[0-9]+ (passed|failed|skipped|errors?)/ && / in [0-9.]+s/ {
        for (i = 1; i < NF; i++) if ($i ~ /^[0-9]+$/) {
            w = $(i + 1); sub(/,$/, "", w)
            if (w == "passed") p += $i
            else if (w == "failed" || w == "error" || w == "errors") f += $i
            else if (w == "skipped") s += $i
        }
    }
    /^[a-z_]+ +(ok|CRASH) +/ { if ($2 == "ok") fp += 1; else ff += 1 }
    END {
        printf "%d passed, %d failed, %d skipped; fuzz targets: %d without a crash, %d crashed%s\n",
            p, f, s, fp, ff, (fuzz_failed && !ff ? " (the fuzz run itself failed)" : "")
    }' "$log"
exit "$status"
