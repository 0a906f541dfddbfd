"""Shared fixtures: the repository's data and the CLI's release binary, whose JSON is the truth
the bindings must reproduce."""

import json
import os
import subprocess
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[3]
BINARY = Path(os.environ.get("JOURNEYSIM_BIN", ROOT / "target" / "release" / "journeysim"))
PATHS_10K = ROOT / "tests" / "data" / "paths_10k.csv"


def cli(*args: str) -> str:
    """The CLI's standard output for `args` (run from the repository root)."""
    if not BINARY.exists():
        pytest.fail(f"{BINARY} is missing: build it with `cargo build --release`")
    done = subprocess.run(
        [str(BINARY), *args], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def cli_json(*args: str):
    return json.loads(cli(*args, "--format", "json"))


@pytest.fixture(scope="session")
def paths10k() -> pd.DataFrame:
    return pd.read_csv(PATHS_10K)


def close(a: float, b: float, tol: float = 1e-12) -> bool:
    """Equal to `tol` relative (absolute near zero): the bindings run the CLI's own code on the
    same numbers, so anything beyond rounding of the last bits is a bug."""
    return abs(a - b) <= tol * max(1.0, abs(a), abs(b))
