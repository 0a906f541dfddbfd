"""Every bad input raises: ValueError with the CLI's message for bad data or options (the
frame's row named as the line a CSV of it would have), OSError for files."""

import json

import pandas as pd
import pytest

import journeysim
from conftest import ROOT


def good():
    return {"path": ["a > b", "b"], "conv": [1, 2], "nulls": [3, 4]}


def with_(column, values):
    data = good()
    data[column] = values
    return data


def mm(data, **kw):
    return journeysim.markov_model(data, "path", "conv", var_null="nulls", **kw)


@pytest.mark.parametrize(
    "data, message",
    [
        (with_("nulls", [3, -4]), "Data line 3: nulls is -4; counts must be >= 0"),
        (with_("conv", [1, float("nan")]), "Data line 3: conv is NaN; counts must be finite"),
        (with_("conv", [1, float("inf")]), "Data line 3: conv is inf; counts must be finite"),
        (with_("conv", ["1", "two"]), "Data line 3: conv is 'two'; expected a number"),
        (with_("conv", [1, None]), "Data line 3: conv is ''; expected a number"),
        (with_("path", ["a > b", ""]), "Data line 3: the path is empty"),
        (with_("path", ["a > b", None]), "Data line 3: the path is empty"),
        (with_("path", ["a >> b", "b"]), "Data line 2: the path 'a >> b' has an empty channel at position 2"),
        ({"path": [], "conv": [], "nulls": []}, "Data: no data rows after the header"),
        ({"path": ["a"], "conv": [1], "nulls": [1, 2]}, "column 'nulls' has 2 values but column 'path' has 1"),
    ],
)
def test_bad_data_raises_the_readers_message(data, message):
    with pytest.raises(ValueError) as e:
        mm(data)
    assert message in str(e.value)


def test_nan_in_pandas_counts_and_paths():
    frame = pd.DataFrame(good())
    frame.loc[1, "nulls"] = float("nan")
    with pytest.raises(ValueError, match="Data line 3: nulls is NaN; counts must be finite"):
        mm(frame)
    frame = pd.DataFrame(good())
    frame.loc[1, "path"] = None
    with pytest.raises(ValueError, match="Data line 3: the path is empty"):
        mm(frame)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: journeysim.markov_model(good(), "route", "conv"),
         "Data line 1: no column 'route' in the header; columns found: path, conv, nulls; name it with `var_path`"),
        (lambda: journeysim.markov_model(good(), "path", "conv", var_null="n"), "no column 'n'"),
        (lambda: journeysim.markov_model(good(), 3, "conv"), "var_path must be a column name"),
        (lambda: mm(good(), order=0), "order is 0; it must be a whole number >= 1"),
        (lambda: mm(good(), order=-1), "order is -1"),
        (lambda: mm(good(), order=1.5), "order is 1.5"),
        (lambda: mm(good(), sep=""), "sep is ''"),
        (lambda: journeysim.markov_model([1, 2], "path", "conv"), "data is a list; expected a pandas DataFrame"),
        (lambda: journeysim.choose_order(good(), "path", "conv", "nulls", max_order=11), "max_order is 11; it must be between 1 and 10"),
        (lambda: journeysim.attribute({"path": ["a"], "total_conversions": [1]}, methods=["magic"]), "unknown model 'magic'"),
        (lambda: journeysim.simulate("model.json", 10), "model is a str; expected a journeysim.Model"),
        (lambda: journeysim.simulate(journeysim.fit(good(), conversions="conv", null="nulls"), 0), "journeys is 0"),
        (lambda: journeysim.Model.from_json("{}"), "not a journeysim model"),
        (lambda: journeysim.Model.from_json("{"), "<model json>"),
        (lambda: journeysim.whatif(journeysim.fit(good(), conversions="conv", null="nulls"), {"name": "x", "changes": [{"change": "teleport"}]}, 10), "teleport"),
        (lambda: journeysim.whatif(journeysim.fit(good(), conversions="conv", null="nulls"), [42], 10), "scenario 1 is a int"),
        (lambda: journeysim.generate({"touchpoints": []}, 10), "<journey map>"),
        (lambda: journeysim.aggregate_events({"user_id": [1], "timestamp": ["yesterday"], "touchpoint": ["a"]}), "events line 2"),
        (lambda: journeysim.aggregate_events({"user_id": [1], "timestamp": ["2026-01-01"], "touchpoint": ["a"]}, lookback_days="30"), "lookback_days is '30'"),
        (lambda: journeysim.attribute({"path": ["a"], "total_conversions": [1]}, costs={"a": -5}), "costs line 2"),
    ],
)
def test_bad_options_raise_value_error(call, message):
    with pytest.raises(ValueError) as e:
        call()
    assert message in str(e.value)


@pytest.mark.parametrize(
    "call",
    [
        lambda tmp: journeysim.Model.load(tmp / "missing.json"),
        lambda tmp: journeysim.fit(good(), conversions="conv", null="nulls").save(tmp / "no" / "dir" / "m.json"),
        lambda tmp: journeysim.whatif(journeysim.fit(good(), conversions="conv", null="nulls"), str(tmp / "missing.json"), 10),
        lambda tmp: journeysim.generate(str(tmp / "missing_map.json"), 10),
        lambda tmp: journeysim.attribute({"path": ["a"], "total_conversions": [1]}, costs=str(tmp / "missing.csv")),
    ],
    ids=["load", "save", "scenario", "map", "costs"],
)
def test_files_that_cannot_be_read_or_written_raise_oserror(tmp_path, call):
    with pytest.raises(OSError) as e:
        call(tmp_path)
    assert str(tmp_path) in str(e.value)
