"""The ChannelAttribution-compatible functions: the CLI's exact numbers (to 1e-12) on the shared
10k-path data, and ChannelAttribution 2.2.5's columns, channel order and state names."""

import warnings

import pandas as pd
import pytest

import journeysim
from conftest import ROOT, close, cli_json

DATA = ROOT / "tests" / "data"


def cli_channels(order: int):
    result = cli_json("attribute", "tests/data/paths_10k.csv", "--order", str(order))
    return {c["channel"]: c for c in result["channels"]}


@pytest.mark.parametrize("order", [1, 2, 3])
def test_markov_model_gives_the_cli_numbers_and_channelattributions_columns(paths10k, order):
    out = journeysim.markov_model(
        paths10k,
        "path",
        "total_conversions",
        var_value="total_conversion_value",
        var_null="total_null",
        order=order,
        out_more=True,
    )
    assert list(out) == ["result", "transition_matrix", "removal_effects"]
    reference = pd.read_csv(DATA / f"paths_10k_channelattribution_order{order}.csv")
    result, removal = out["result"], out["removal_effects"]
    assert list(result.columns) == ["channel_name", "total_conversions", "total_conversion_value"]
    assert list(removal.columns) == [
        "channel_name",
        "removal_effects_conversion",
        "removal_effects_conversion_value",
    ]
    assert set(reference.columns) == set(result.columns) | set(removal.columns)
    # ChannelAttribution lists channels in the order they first appear in the data.
    assert result["channel_name"].tolist() == reference["channel_name"].tolist()
    assert removal["channel_name"].tolist() == reference["channel_name"].tolist()
    truth = cli_channels(order)
    for _, row in result.iterrows():
        c = truth[row["channel_name"]]
        assert close(row["total_conversions"], c["markov_conversions"])
        assert close(row["total_conversion_value"], c["markov_value"])
    for _, row in removal.iterrows():
        c = truth[row["channel_name"]]
        assert close(row["removal_effects_conversion"], c["removal_effect"])
        assert close(row["removal_effects_conversion_value"], c["removal_effect_value"])
    # ChannelAttribution's own figures are simulated: within its noise (README: ~1.5% per
    # channel) of the exact ones; 5% leaves room for its worst channels without hiding a
    # wrong model (a wrong order moves credits by 10-20% here).
    merged = result.merge(reference, on="channel_name", suffixes=("", "_ca"))
    for _, row in merged.iterrows():
        assert abs(row["total_conversions"] / row["total_conversions_ca"] - 1) < 0.05


def test_markov_model_plain_result_columns(paths10k):
    plain = journeysim.markov_model(paths10k, "path", "total_conversions", var_null="total_null")
    assert list(plain.columns) == ["channel_name", "total_conversions"]
    valued = journeysim.markov_model(
        paths10k, "path", "total_conversions", var_value="total_conversion_value",
        var_null="total_null",
    )
    assert list(valued.columns) == ["channel_name", "total_conversions", "total_conversion_value"]
    more = journeysim.markov_model(
        paths10k, "path", "total_conversions", var_null="total_null", out_more=True
    )
    assert list(more["removal_effects"].columns) == ["channel_name", "removal_effect"]


def test_markov_model_without_nulls_uses_converting_paths_only(paths10k, tmp_path):
    """Without var_null, ChannelAttribution drops the non-converting paths: the CLI reading a
    file without a null column does the same."""
    converting = paths10k[["path", "total_conversions"]]
    file = tmp_path / "converting.csv"
    converting.to_csv(file, index=False)
    truth = {c["channel"]: c for c in cli_json("attribute", str(file))["channels"]}
    out = journeysim.markov_model(paths10k, "path", "total_conversions")
    assert sorted(out["channel_name"]) == sorted(truth)
    for _, row in out.iterrows():
        assert close(row["total_conversions"], truth[row["channel_name"]]["markov_conversions"])


def test_transition_matrix_rows_are_the_fitted_chain(paths10k):
    tm = journeysim.transition_matrix(paths10k, "path", "total_conversions", "total_null",
                                      flg_equal=False)
    channels = tm["channels"]
    assert list(channels.columns) == ["id_channel", "channel_name"]
    assert channels["id_channel"].tolist() == list(range(1, 13))
    matrix = tm["transition_matrix"]
    assert list(matrix.columns) == ["channel_from", "channel_to", "transition_probability"]
    name = dict(zip(channels["id_channel"].astype(str), channels["channel_name"]))
    name.update({"(start)": "(start)", "(conversion)": "(conversion)", "(null)": "(null)"})
    model = cli_json("fit", "tests/data/paths_10k.csv")
    expected = {}
    for state in model["states"]:
        for t in state["transitions"]:
            expected[(state["state"], t["to"])] = t["probability"]
    for t in model["entry"]:
        expected[("(start)", t["to"])] = t["probability"]
    got = {
        (name[f], name[t]): p
        for f, t, p in matrix.itertuples(index=False)
    }
    assert got.keys() == expected.keys()
    for key, p in got.items():
        assert close(p, expected[key]), key
    # Each row is a distribution.
    sums = matrix.groupby("channel_from")["transition_probability"].sum()
    assert all(abs(s - 1) < 1e-12 for s in sums)


def test_transition_matrix_names_higher_order_states_by_ids():
    data = pd.DataFrame({"path": ["a > b", "b > c > c", "a", "c > a > b"],
                         "conv": [2, 1, 0, 3], "nulls": [1, 3, 4, 1]})
    matrix = journeysim.transition_matrix(data, "path", "conv", "nulls", order=2,
                                          flg_equal=False)["transition_matrix"]
    rows = set(zip(matrix["channel_from"], matrix["channel_to"]))
    # ChannelAttribution 2.2.5 names these states "1 2", "2 3", "3 3" (checked by hand).
    assert ("(start)", "1 2") in rows and ("2 3", "3 3") in rows and ("3 3", "(conversion)") in rows


def test_heuristic_models_match_channelattribution_and_the_cli(paths10k):
    out = journeysim.heuristic_models(paths10k, "path", "total_conversions",
                                      var_value="total_conversion_value")
    reference = pd.read_csv(DATA / "paths_10k_channelattribution_heuristics.csv")
    assert list(out.columns) == list(reference.columns)
    assert out["channel_name"].tolist() == reference["channel_name"].tolist()
    # The heuristics are deterministic in ChannelAttribution too: the same numbers up to the
    # order of its float additions.
    for col in reference.columns[1:]:
        for a, b in zip(out[col], reference[col]):
            assert close(a, b, 1e-9), col
    truth = cli_channels(1)
    pairs = {
        "first_touch_conversions": "first_touch", "first_touch_value": "first_touch_value",
        "last_touch_conversions": "last_touch", "last_touch_value": "last_touch_value",
        "linear_touch_conversions": "linear", "linear_touch_value": "linear_value",
    }
    for _, row in out.iterrows():
        for ours, theirs in pairs.items():
            assert close(row[ours], truth[row["channel_name"]][theirs])
    plain = journeysim.heuristic_models(paths10k, "path", "total_conversions")
    assert list(plain.columns) == ["channel_name", "first_touch", "last_touch", "linear_touch"]


def test_choose_order_gives_the_cli_auc_and_heldout_criterion(paths10k, tmp_path):
    res_auc, res_roc, best = journeysim.choose_order(
        paths10k, "path", "total_conversions", "total_null", max_order=3
    )
    # choose_order reads no value column; the folds of the held-out criterion depend on whole
    # rows, so the CLI reads the same columns.
    file = tmp_path / "no_value.csv"
    paths10k[["path", "total_conversions", "total_null"]].to_csv(file, index=False)
    truth = cli_json("order", str(file), "--max-order", "3")
    assert best == truth["channelattribution_order"]
    assert list(res_auc.columns)[:3] == ["order", "auc", "pauc"]
    scores = {s["order"]: s for s in truth["orders"]}
    for _, row in res_auc.iterrows():
        s = scores[int(row["order"])]
        assert close(row["auc"], s["auc"])
        assert close(row["pauc"], s["penalized_auc"])
        assert close(row["heldout_log_likelihood"], s["heldout_log_likelihood"])
    assert sorted(res_roc) == [f"order={k}" for k in res_auc["order"]]
    for k, roc in res_roc.items():
        assert list(roc.columns) == ["fpr", "tpr"]
        # The trapezoid area under the exact curve is the AUC.
        fpr, tpr = roc["fpr"].tolist(), roc["tpr"].tolist()
        area = sum((fpr[i + 1] - fpr[i]) * (tpr[i + 1] + tpr[i]) / 2 for i in range(len(fpr) - 1))
        assert close(area, scores[int(k.split("=")[1])]["auc"], 1e-9)


def test_simulation_settings_are_ignored_with_one_warning(paths10k):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tuned = journeysim.markov_model(
            paths10k, "path", "total_conversions", var_null="total_null",
            nsim_start=1e6, max_step=20, nfold=5, seed=3, conv_par=0.01, rate_step_sim=2,
            ncore=4, verbose=False,
        )
    assert len(caught) == 1
    assert "ignored" in str(caught[0].message) and "nsim_start" in str(caught[0].message)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        plain = journeysim.markov_model(paths10k, "path", "total_conversions",
                                        var_null="total_null")
    assert tuned.equals(plain)
