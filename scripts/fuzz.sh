#!/usr/bin/env bash
# Runs every fuzz target in fuzz/ for SECONDS (default 30) each, one after the other, against a
# temporary copy of its committed corpus (so the corpus in the repository does not grow), and
# fails when any target finds a crash (a panic, a timeout or runaway memory). Prints per target
# what libFuzzer reports: executions and coverage (`cov`: edges, `ft`: features).
#
#   scripts/fuzz.sh          # 30 s per target
#   scripts/fuzz.sh 600      # 10 minutes per target
#
# Needs the nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`). A crash's input is
# kept in fuzz/artifacts/TARGET/; see fuzz/README.md for what to do with it.
set -euo pipefail

seconds="${1:-30}"
case "$seconds" in
'' | *[!0-9]*)
    echo "usage: scripts/fuzz.sh [SECONDS]" >&2
    exit 2
    ;;
esac

cd "$(dirname "$0")/../fuzz"
targets=$(cargo +nightly fuzz list)

# Build every target once; the runs below then find them up to date.
nice -n 10 cargo +nightly fuzz build

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

failed=()
printf '%-12s %-7s %14s %10s %10s\n' target result executions cov ft
for target in $targets; do
    mkdir -p "$work/$target"
    cp -R "corpus/$target/." "$work/$target/"
    log="$work/$target.log"
    result=ok
    if ! nice -n 10 cargo +nightly fuzz run "$target" "$work/$target" -- \
        -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=25 -print_final_stats=1 \
        >"$log" 2>&1; then
        result=CRASH
        failed+=("$target")
    fi
    executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    coverage=$(grep -E '^#[0-9]+' "$log" | grep -o 'cov: [0-9]*' | tail -n 1 | cut -d' ' -f2)
    features=$(grep -E '^#[0-9]+' "$log" | grep -o 'ft: [0-9]*' | tail -n 1 | cut -d' ' -f2)
    printf '%-12s %-7s %14s %10s %10s\n' "$target" "$result" "${executions:-?}" \
        "${coverage:-?}" "${features:-?}"
    if [ "$result" != ok ]; then
        # The panic message and the reproducer's name.
        grep -E "panicked|ERROR: libFuzzer|SUMMARY|Test unit written to" "$log" | head -n 8 >&2
    fi
done

if [ "${#failed[@]}" -gt 0 ]; then
    echo "fuzz: crashes in ${failed[*]} (inputs in fuzz/artifacts/)" >&2
    exit 1
fi
echo "fuzz: ${seconds} s per target, no crash"
