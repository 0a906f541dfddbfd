"""Every kind of input frame gives the same answer: pandas columns of int, float, object,
categorical, nullable and string dtypes, polars, and dicts of lists or arrays; fractional
counts are weights, never truncated."""

import numpy as np
import pandas as pd
import pytest

import journeysim
from conftest import close

ROWS = {
    "path": ["a > b", "b > c", "a", "c > a > b", "b"],
    "conv": [2, 1, 0, 3, 1],
    "value": [20.0, 5.5, 0.0, 9.25, 3.0],
    "nulls": [1, 3, 4, 1, 0],
}


def markov(data):
    return journeysim.markov_model(data, "path", "conv", var_value="value", var_null="nulls")


@pytest.fixture(scope="module")
def baseline():
    return markov(pd.DataFrame(ROWS))


def same(a, b):
    assert list(a["channel_name"]) == list(b["channel_name"])
    for col in ("total_conversions", "total_conversion_value"):
        for x, y in zip(a[col], b[col]):
            assert close(x, y), col


@pytest.mark.parametrize(
    "convert",
    [
        lambda df: df.astype({"conv": "int64", "nulls": "int32"}),
        lambda df: df.astype({"conv": "float64", "nulls": "float32"}),
        lambda df: df.astype({"path": "object", "conv": "object", "nulls": "object"}),
        lambda df: df.astype({"path": "category", "conv": "category", "value": "category"}),
        lambda df: df.astype({"path": "string", "conv": "Int64", "nulls": "UInt16"}),
        lambda df: df.astype({"conv": "str", "value": "str"}),
    ],
    ids=["int", "float", "object", "categorical", "nullable", "numbers-as-text"],
)
def test_pandas_dtypes_give_the_same_answer(baseline, convert):
    same(markov(convert(pd.DataFrame(ROWS))), baseline)


def test_a_dict_of_lists_or_arrays(baseline):
    same(markov(dict(ROWS)), baseline)
    arrays = {k: np.array(v) for k, v in ROWS.items()}
    same(markov(arrays), baseline)


def test_polars_in_polars_out(baseline):
    pl = pytest.importorskip("polars")
    frame = pl.DataFrame(ROWS)
    out = markov(frame)
    assert isinstance(out, pl.DataFrame)
    same(pd.DataFrame(out.to_dict(as_series=False)), baseline)
    categorical = frame.with_columns(pl.col("path").cast(pl.Categorical))
    assert markov(categorical)["total_conversions"].to_list() == out["total_conversions"].to_list()


def test_fractional_counts_are_weights():
    """Half a journey on each of two rows is one journey: weights add, never truncated."""
    halves = {"path": ["a", "a", "b"], "conv": [0.5, 0.5, 1.0], "nulls": [0.25, 0.75, 1.0]}
    whole = {"path": ["a", "b"], "conv": [1, 1], "nulls": [1, 1]}
    a = journeysim.attribute(halves, path="path", conversions="conv", null="nulls")
    b = journeysim.attribute(whole, path="path", conversions="conv", null="nulls")
    assert a["markov_conversions"].tolist() == b["markov_conversions"].tolist()
    assert a.attrs["model"]["total_conversions"] == 2.0


def test_extra_columns_and_row_order_do_not_matter(baseline):
    frame = pd.DataFrame(ROWS).assign(other=["x"] * 5, total_null=[9] * 5)
    shuffled = frame.sample(frac=1, random_state=3)
    out = markov(shuffled)
    # Channels follow first appearance (ChannelAttribution's order), so compare by name.
    got = dict(zip(out["channel_name"], out["total_conversions"]))
    for name, x in zip(baseline["channel_name"], baseline["total_conversions"]):
        assert close(got[name], x)


def test_channel_names_with_commas_quotes_and_unicode():
    data = {"path": ['a,"1" > é', "é"], "conv": [1, 1], "nulls": [0, 1]}
    out = journeysim.markov_model(data, "path", "conv", var_null="nulls")
    assert out["channel_name"].tolist() == ['a,"1"', "é"]


@pytest.mark.parametrize("dtype", ["int8", "int16", "uint8", "uint32", "uint64", "float16"])
def test_every_numeric_width_gives_the_same_answer(baseline, dtype):
    # Float and signed (or up to 32-bit unsigned) NumPy columns go packed as 8-byte words;
    # uint64 goes as a list of Python ints. Either way the answer is the lists' answer.
    same(markov(pd.DataFrame(ROWS).astype({"conv": dtype, "nulls": dtype})), baseline)


def test_integers_past_two_to_the_53_are_read_as_python_ints_are():
    rows = {"path": ["a", "b > a"], "conv": [2**53 + 1, 1], "nulls": [0, 2**62]}
    packed = journeysim.markov_model(pd.DataFrame(rows), "path", "conv", var_null="nulls")
    listed = journeysim.markov_model(rows, "path", "conv", var_null="nulls")
    assert packed.to_dict("list") == listed.to_dict("list")


def test_packed_values_of_another_kind_are_refused():
    from journeysim import _native

    columns = [("path", ["a"], True), ("conv", ("f4", b"\0\0\0\0"), False)]
    with pytest.raises(ValueError, match="packed values of kind 'f4' in 4 bytes"):
        _native.ca_markov(columns, "path", "conv", None, None, ">", 1, False, "Data")
    columns = [("path", ["a", "b"]), ("conv", ("i8", bytes(8)))]
    columns = [(name, values, name == "path") for name, values in columns]
    with pytest.raises(ValueError, match="column 'conv' has 1 values but column 'path' has 2"):
        _native.ca_markov(columns, "path", "conv", None, None, ">", 1, False, "Data")
