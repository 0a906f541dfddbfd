#!/usr/bin/env bash
# The browser suite: `journeysim serve` and the HTML report in Debian's headless Chromium, driven
# through chromedriver (tests/integration/browser.rs, ignored by plain `cargo test`). The tests
# start chromedriver and the server on free loopback ports themselves and stop them; Chromium
# runs with a fresh profile directory per test. Screenshots land in target/browser/.
#
# Installs what is missing: Debian's chromium and chromium-driver (apt-get). Reuses the release
# build of `cargo test --release`.
set -euo pipefail
cd "$(dirname "$0")/../.."

if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
    echo "browser.sh: installing chromium and chromium-driver" >&2
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >&2
fi
cargo test --locked --release --test integration -- --ignored browser::
