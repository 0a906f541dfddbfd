"""ChannelAttribution 2.2.5's functions, with its names, parameters and output columns, and
journeysim's exact numbers."""

from __future__ import annotations

import json
import warnings
from typing import Any, Dict, Optional, Tuple

from . import _frames, _native

_SOURCE = "Data"

# ChannelAttribution's simulation settings and their defaults: the answer here is exact, so
# they change nothing; a call that sets any of them gets one warning.
_TUNING = {
    "nsim_start": 1e5,
    "max_step": None,
    "ncore": 1,
    "nfold": 10,
    "seed": 0,
    "conv_par": 0.05,
    "rate_step_sim": 1.5,
}


def _ignored(**given: Any) -> None:
    changed = [name for name, value in given.items() if value != _TUNING[name]]
    if changed:
        warnings.warn(
            "journeysim computes the Markov attribution exactly, so the simulation settings "
            f"{', '.join(changed)} change nothing and are ignored",
            UserWarning,
            stacklevel=3,
        )


def _warn(messages: Any, nulls: bool = True) -> None:
    for message in messages:
        if not nulls and "zero conversions and zero nulls" in message:
            # Without var_null only converting paths count, as ChannelAttribution drops the
            # rest: their skipping is the expected reading, not news.
            continue
        warnings.warn(message, UserWarning, stacklevel=3)


def _sep(sep: Any) -> str:
    if not isinstance(sep, str) or sep == "":
        raise ValueError(f"sep is {sep!r}; give the separator between channels, such as '>'")
    return sep


def _path_columns(Data: Any, var_path: Any, var_conv: Any, var_value: Any, var_null: Any):
    wanted = [(var_path, "var_path", True), (var_conv, "var_conv", False)]
    if var_value is not None:
        wanted.append((var_value, "var_value", False))
    if var_null is not None:
        wanted.append((var_null, "var_null", False))
    return _frames.columns(Data, wanted, _SOURCE)


def markov_model(
    Data: Any,
    var_path: str,
    var_conv: str,
    var_value: Optional[str] = None,
    var_null: Optional[str] = None,
    order: int = 1,
    nsim_start: float = 1e5,
    max_step: Optional[int] = None,
    out_more: bool = False,
    sep: str = ">",
    ncore: int = 1,
    nfold: int = 10,
    seed: int = 0,
    conv_par: float = 0.05,
    rate_step_sim: float = 1.5,
    verbose: bool = True,
    flg_pro: bool = True,
) -> Any:
    """Markov-model attribution, as ChannelAttribution's ``markov_model``, computed exactly.

    Returns a DataFrame ``channel_name, total_conversions[, total_conversion_value]`` (the value
    column with ``var_value``), channels in the order they first appear in ``Data``. With
    ``out_more=True`` a dict: ``result`` (that DataFrame), ``transition_matrix``
    (``channel_from, channel_to, transition_probability``; states named by their channels'
    1-based ids in that order, joined by spaces at higher orders, beside ``(start)``,
    ``(conversion)`` and ``(null)``) and ``removal_effects`` (``channel_name,
    removal_effects_conversion, removal_effects_conversion_value``, or ``channel_name,
    removal_effect`` without ``var_value``). Without ``var_null`` only converting paths are
    used, as in ChannelAttribution.

    The simulation settings (``nsim_start``, ``max_step``, ``ncore``, ``nfold``, ``seed``,
    ``conv_par``, ``rate_step_sim``) are accepted and ignored with one warning; ``verbose`` and
    ``flg_pro`` are accepted and ignored.

    Example:
        >>> import pandas as pd
        >>> from journeysim import markov_model
        >>> Data = pd.DataFrame({"path": ["a > b", "c"], "total_conversions": [3, 1],
        ...                      "total_null": [1, 3]})
        >>> markov_model(Data, "path", "total_conversions", var_null="total_null")
          channel_name  total_conversions
        0            a           1.714286
        1            b           1.714286
        2            c           0.571429
    """
    _ignored(
        nsim_start=nsim_start,
        max_step=max_step,
        ncore=ncore,
        nfold=nfold,
        seed=seed,
        conv_par=conv_par,
        rate_step_sim=rate_step_sim,
    )
    order = _frames.whole(order, "order", 1)
    cols = _path_columns(Data, var_path, var_conv, var_value, var_null)
    channels, transitions, messages = _native.ca_markov(
        cols, var_path, var_conv, var_value, var_null, _sep(sep), order, bool(out_more), _SOURCE
    )
    _warn(messages, nulls=var_null is not None)
    names = [c[0] for c in channels]
    result = {"channel_name": names, "total_conversions": [c[3] for c in channels]}
    if var_value is not None:
        result["total_conversion_value"] = [c[4] for c in channels]
    if not out_more:
        return _frames.output(Data, result)
    if var_value is not None:
        removal = {
            "channel_name": names,
            "removal_effects_conversion": [c[1] for c in channels],
            "removal_effects_conversion_value": [c[2] for c in channels],
        }
    else:
        removal = {"channel_name": names, "removal_effect": [c[1] for c in channels]}
    matrix = {
        "channel_from": [t[0] for t in transitions],
        "channel_to": [t[1] for t in transitions],
        "transition_probability": [t[2] for t in transitions],
    }
    return {
        "result": _frames.output(Data, result),
        "transition_matrix": _frames.output(Data, matrix),
        "removal_effects": _frames.output(Data, removal),
    }


def heuristic_models(
    Data: Any,
    var_path: str,
    var_conv: str,
    var_value: Optional[str] = None,
    sep: str = ">",
    flg_pro: bool = True,
) -> Any:
    """First-touch, last-touch and linear attribution, as ChannelAttribution's
    ``heuristic_models``.

    Returns a DataFrame ``channel_name, first_touch_conversions, first_touch_value,
    last_touch_conversions, last_touch_value, linear_touch_conversions, linear_touch_value``;
    without ``var_value`` it is ``channel_name, first_touch, last_touch, linear_touch``, as
    ChannelAttribution 2.2.5 names them. Channels in the order they first appear in ``Data``.

    Example:
        >>> import pandas as pd
        >>> from journeysim import heuristic_models
        >>> Data = pd.DataFrame({"path": ["a > b", "b"], "total_conversions": [2, 1]})
        >>> heuristic_models(Data, "path", "total_conversions")
          channel_name  first_touch  last_touch  linear_touch
        0            a          2.0         0.0           1.0
        1            b          1.0         3.0           2.0
    """
    cols = _path_columns(Data, var_path, var_conv, var_value, None)
    rows, messages = _native.ca_heuristics(cols, var_path, var_conv, var_value, _sep(sep), _SOURCE)
    _warn(messages, nulls=False)
    names = [r[0] for r in rows]
    if var_value is None:
        table = {
            "channel_name": names,
            "first_touch": [r[1] for r in rows],
            "last_touch": [r[2] for r in rows],
            "linear_touch": [r[3] for r in rows],
        }
    else:
        table = {
            "channel_name": names,
            "first_touch_conversions": [r[1] for r in rows],
            "first_touch_value": [r[4] for r in rows],
            "last_touch_conversions": [r[2] for r in rows],
            "last_touch_value": [r[5] for r in rows],
            "linear_touch_conversions": [r[3] for r in rows],
            "linear_touch_value": [r[6] for r in rows],
        }
    return _frames.output(Data, table)


def transition_matrix(
    Data: Any,
    var_path: str,
    var_conv: str,
    var_null: Optional[str],
    order: int = 1,
    sep: str = ">",
    flg_equal: bool = True,
    flg_pro: bool = True,
) -> Dict[str, Any]:
    """The fitted order-k transition matrix, as ChannelAttribution's ``transition_matrix``.

    Returns a dict: ``channels`` (``id_channel, channel_name``, ids from 1 in order of first
    appearance) and ``transition_matrix`` (``channel_from, channel_to, transition_probability``
    with states as ids, ``(start)``, ``(conversion)``, ``(null)``). ``flg_equal=True`` keeps a
    channel's transitions to itself.

    Example:
        >>> import pandas as pd
        >>> from journeysim import transition_matrix
        >>> Data = pd.DataFrame({"path": ["a > b", "b"], "conv": [1, 0], "nulls": [1, 2]})
        >>> transition_matrix(Data, "path", "conv", "nulls")["transition_matrix"]
          channel_from channel_to  transition_probability
        0      (start)          1                    0.50
        1      (start)          2                    0.50
        2            1          2                    1.00
        3            2  (conversion)                  0.25
        4            2      (null)                    0.75
    """
    order = _frames.whole(order, "order", 1)
    cols = _path_columns(Data, var_path, var_conv, None, var_null)
    channels, transitions, messages = _native.ca_transition_matrix(
        cols, var_path, var_conv, var_null, _sep(sep), order, bool(flg_equal), _SOURCE
    )
    _warn(messages)
    return {
        "channels": _frames.output(
            Data,
            {"id_channel": list(range(1, len(channels) + 1)), "channel_name": channels},
        ),
        "transition_matrix": _frames.output(
            Data,
            {
                "channel_from": [t[0] for t in transitions],
                "channel_to": [t[1] for t in transitions],
                "transition_probability": [t[2] for t in transitions],
            },
        ),
    }


def choose_order(
    Data: Any,
    var_path: str,
    var_conv: str,
    var_null: Optional[str],
    max_order: int = 10,
    sep: str = ">",
    ncore: int = 1,
    roc_npt: int = 100,
    plot: bool = True,
    flg_pro: bool = True,
) -> Tuple[Any, Dict[str, Any], int]:
    """Which Markov order the data support, as ChannelAttribution's ``choose_order``.

    Returns ``(res_auc, res_roc, suggested_order)``: ``res_auc`` has ChannelAttribution's
    ``order, auc, pauc`` (the penalised AUC; NaN where the order has more parameters than rows)
    and beside them journeysim's held-out criterion, ``heldout_log_likelihood``,
    ``difference_to_best`` and ``difference_standard_error`` (cross-validated, see the README's
    ``order`` section), for orders up to the suggestion + 1; ``res_roc`` maps ``"order=k"`` to
    the exact ROC curve (``fpr, tpr``) of each such order; the suggestion is the order of
    largest penalised AUC, as ChannelAttribution picks it. ``roc_npt`` and ``plot`` are
    accepted and ignored (the AUC is exact; nothing is drawn); ``max_order`` is at most 10.

    Example:
        >>> import pandas as pd
        >>> from journeysim import choose_order
        >>> Data = pd.read_csv("data/paths_10k.csv")
        >>> res_auc, res_roc, order = choose_order(Data, "path", "total_conversions",
        ...                                        "total_null", max_order=3)
    """
    _ignored(ncore=ncore)
    max_order = _frames.whole(max_order, "max_order", 1)
    cols = _path_columns(Data, var_path, var_conv, None, var_null)
    text, rocs = _native.ca_choose_order(
        cols, var_path, var_conv, var_null, _sep(sep), max_order, _SOURCE
    )
    selection = json.loads(text)
    _warn(selection.get("warnings", []))
    best = selection.get("channelattribution_order") or selection["recommended_order"]
    scores = [s for s in selection["orders"] if s["order"] <= best + 1]
    nan = float("nan")
    res_auc = _frames.output(
        Data,
        {
            "order": [s["order"] for s in scores],
            "auc": [s["auc"] for s in scores],
            "pauc": [nan if s.get("penalized_auc") is None else s["penalized_auc"] for s in scores],
            "heldout_log_likelihood": [s["heldout_log_likelihood"] for s in scores],
            "difference_to_best": [s["difference_to_best"] for s in scores],
            "difference_standard_error": [s["difference_standard_error"] for s in scores],
        },
        attrs={"journeysim": selection},
    )
    res_roc = {
        f"order={s['order']}": _frames.output(
            Data,
            {
                "fpr": [p[0] for p in rocs[s["order"] - 1]],
                "tpr": [p[1] for p in rocs[s["order"] - 1]],
            },
        )
        for s in scores
    }
    return res_auc, res_roc, int(best)
