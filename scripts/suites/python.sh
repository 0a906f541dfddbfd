#!/usr/bin/env bash
# The Python package (crates/python): builds the wheel with maturin (pinned in
# scripts/requirements.txt) into the suites' virtual environment, installs it, and runs its
# pytest suite (crates/python/tests), which compares the bindings with the release binary.
# The wheel shares target/ with cargo, so journeysim-core and -io are not compiled again.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=$(scripts/python-env.sh)
export CARGO_TARGET_DIR=$PWD/target
[ -x target/release/journeysim ] || cargo build --release --locked --bin journeysim
wheels=target/wheels/python-suite
rm -rf "$wheels"
start=$(date +%s)
"$PY" -m maturin build --release --locked -m crates/python/Cargo.toml -o "$wheels" >&2
"$PY" -m pip install --quiet --disable-pip-version-check --force-reinstall --no-deps "$wheels"/journeysim-*.whl >&2
echo "python suite: wheel built and installed in $(($(date +%s) - start)) s" >&2
"$PY" -m pytest -q -p no:cacheprovider crates/python/tests
