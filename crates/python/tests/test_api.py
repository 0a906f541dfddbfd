"""journeysim's own API gives the CLI's results, field for field: attribute, fit and the model
file, simulate, whatif, aggregate_events (the `--events` cutting) and generate."""

import json

import pandas as pd
import pytest

import journeysim
from conftest import ROOT, close, cli, cli_json

EVENTS = ROOT / "data" / "sample_events.csv"
MAP = ROOT / "scenarios" / "journey_map.json"


def same_json(ours, theirs, path=""):
    """Equal JSON values, numbers to 1e-12 relative."""
    if isinstance(theirs, dict):
        assert isinstance(ours, dict) and ours.keys() == theirs.keys(), path
        for k in theirs:
            same_json(ours[k], theirs[k], f"{path}.{k}")
    elif isinstance(theirs, list):
        assert isinstance(ours, list) and len(ours) == len(theirs), path
        for i, (a, b) in enumerate(zip(ours, theirs)):
            same_json(a, b, f"{path}[{i}]")
    elif theirs is None or ours is None:
        # JSON's null is None, or NaN in a pandas column of numbers.
        assert theirs is None and (ours is None or ours != ours), (path, ours, theirs)
    elif isinstance(theirs, float) or isinstance(ours, float):
        assert close(float(ours), float(theirs)), (path, ours, theirs)
    else:
        assert ours == theirs, (path, ours, theirs)


def channel_rows(frame, theirs):
    """The frame's rows as the CLI's channel objects: a column that another channel's JSON has
    is None (NaN) where this one's JSON omits it."""
    rows = []
    for row, want in zip(frame.to_dict("records"), theirs):
        extra = {k: v for k, v in row.items() if k not in want}
        assert all(v is None or v != v for v in extra.values()), extra
        rows.append({k: row[k] for k in want if k in row})
    return rows


@pytest.mark.parametrize("order", [1, 3])
def test_attribute_rows_are_the_clis_json_channels(paths10k, order):
    ours = journeysim.attribute(paths10k, order=order)
    theirs = cli_json("attribute", "tests/data/paths_10k.csv", "--order", str(order))
    same_json(channel_rows(ours, theirs["channels"]), theirs["channels"])
    model = dict(ours.attrs["model"])
    assert model.pop("input") == "data"
    expected = dict(theirs["model"])
    expected.pop("input")
    same_json(model, expected)


def test_attribute_with_intervals_and_costs(paths10k):
    costs = pd.read_csv(ROOT / "data" / "costs_10k.csv")
    ours = journeysim.attribute(
        paths10k, methods=["markov", "linear"], intervals=True, resamples=20, seed=5,
        costs=dict(zip(costs["channel"], costs["cost"])),
    )
    theirs = cli_json(
        "attribute", "tests/data/paths_10k.csv", "--models", "markov,linear", "--intervals",
        "--resamples", "20", "--seed", "5", "--costs", "data/costs_10k.csv",
    )
    same_json(channel_rows(ours, theirs["channels"]), theirs["channels"])


def test_fit_writes_the_clis_model_file(paths10k, tmp_path):
    model = journeysim.fit(paths10k, order=2)
    theirs = cli_json("fit", "tests/data/paths_10k.csv", "--order", "2")
    ours = json.loads(model.to_json())
    assert ours.pop("input") == "data"
    theirs.pop("input")
    same_json(ours, theirs)
    assert model.order == 2 and model.channels == sorted(theirs["channels"])
    assert model.states == [s["state"] for s in theirs["states"]]
    attribution = cli_json("attribute", "tests/data/paths_10k.csv", "--order", "2")["model"]
    assert close(model.conversion_probability, attribution["conversion_probability"])
    assert close(model.value_per_journey, attribution["value_per_journey"])
    file = tmp_path / "model.json"
    model.save(file)
    again = journeysim.Model.load(file)
    assert again.to_json() == model.to_json()
    assert journeysim.Model.from_json(json.loads(model.to_json())).states == model.states


def test_simulate_is_the_clis_run_whatever_the_threads(paths10k, tmp_path):
    file = tmp_path / "model.json"
    journeysim.fit(paths10k).save(file)
    theirs = cli_json("simulate", "--model", str(file), "--journeys", "200000", "--seed", "9")
    model = journeysim.Model.load(file)
    for threads in (1, 2):
        ours = journeysim.simulate(model, 200_000, seed=9, threads=threads)
        assert ours.pop("input") == "model"
        expected = dict(theirs)
        expected.pop("input")
        same_json(ours, expected)


def test_whatif_one_row_per_scenario_as_the_cli(paths10k, tmp_path):
    file = tmp_path / "model.json"
    journeysim.fit(paths10k).save(file)
    scenario = ROOT / "scenarios" / "remove_display.json"
    theirs = cli_json("whatif", "--model", str(file), "--scenario", str(scenario),
                      "--journeys", "100000", "--seed", "4")
    as_dict = json.loads(scenario.read_text())
    ours = journeysim.whatif(journeysim.Model.load(file), [str(scenario), as_dict],
                             journeys=100_000, seed=4)
    assert len(ours) == 2
    expected = theirs["scenarios"][0]
    for row in ours.to_dict("records"):
        for key in ("name", "baseline.conversions", "scenario.conversions",
                    "difference.conversions", "difference.conversions_ci"):
            section, _, field = key.partition(".")
            want = expected[section][field] if field else expected[section]
            same_json(row[key], want)


def test_aggregate_events_cuts_as_the_cli(tmp_path):
    events = pd.read_csv(EVENTS)
    paths = journeysim.aggregate_events(events, lookback_days=10, inactivity_days=5)
    assert list(paths.columns) == ["path", "total_conversions", "total_conversion_value",
                                   "total_null"]
    ours = journeysim.attribute(paths, methods=["markov", "first_touch", "linear"])
    # aggregate_events keeps whole journeys (a paths table cannot hold censored exits), as
    # `journeysim aggregate` does: the CLI reads the log with open journeys as nulls to match.
    theirs = cli_json("attribute", "--events", str(EVENTS), "--lookback-days", "10",
                      "--inactivity-days", "5", "--open-journeys", "null",
                      "--models", "markov,first_touch,linear")
    same_json(channel_rows(ours, theirs["channels"]), theirs["channels"])
    # Times as datetimes (pandas' own type) cut the same way as their text.
    timed = events.assign(timestamp=pd.to_datetime(events["timestamp"]))
    again = journeysim.aggregate_events(timed, lookback_days=10, inactivity_days=5)
    assert again.equals(paths)


def test_generate_gives_the_clis_paths():
    ours = journeysim.generate(str(MAP), journeys=20_000, seed=7)
    text = cli("generate", "--map", str(MAP), "--journeys", "20000", "--seed", "7")
    theirs = pd.read_csv(pd.io.common.StringIO(text))
    assert ours["path"].tolist() == theirs["path"].tolist()
    for col in ("total_conversions", "total_conversion_value", "total_null"):
        for a, b in zip(ours[col], theirs[col]):
            assert close(a, b), col
    as_dict = journeysim.generate(json.loads(MAP.read_text()), journeys=20_000, seed=7)
    assert as_dict.equals(ours)
