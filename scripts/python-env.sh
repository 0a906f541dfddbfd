#!/usr/bin/env bash
# The one Python environment every non-Rust suite uses: a virtual environment under
# target/venv (or $JOURNEYSIM_VENV) with the packages pinned in scripts/requirements.txt.
# Idempotent: the packages are installed again only when requirements.txt changes.
# Prints the environment's python on standard output.
#
#   PY=$(scripts/python-env.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${JOURNEYSIM_VENV:-$PWD/target/venv}
req=scripts/requirements.txt
if [ ! -x "$venv/bin/python" ]; then
    echo "python-env.sh: creating $venv" >&2
    python3 -m venv "$venv" >&2
fi
stamp="$venv/.requirements.sha256"
want=$(sha256sum "$req" | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    echo "python-env.sh: installing $req" >&2
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req" >&2
    echo "$want" >"$stamp"
fi
echo "$venv/bin/python"
