"""journeysim's own API: the CLI's commands as functions, with the CLI's JSON field names."""

from __future__ import annotations

import json
import os
import warnings
from typing import Any, Dict, List, Mapping, Optional, Sequence, Union

from . import _frames, _native

PathLike = Union[str, "os.PathLike[str]"]
_SOURCE = "data"


def _warn(messages: Any) -> None:
    for message in messages:
        warnings.warn(message, UserWarning, stacklevel=3)


def _seed(seed: Optional[int]) -> int:
    if seed is None:
        return _native.DEFAULT_SEED
    return _frames.whole(seed, "seed", 0)


def _paths(data: Any, path: str, conversions: str, value: Optional[str], null: Optional[str]):
    names = _frames.column_names(data)
    value = _frames.optional_default(names, value, "total_conversion_value")
    null = _frames.optional_default(names, null, "total_null")
    wanted = [(path, "path", True), (conversions, "conversions", False)]
    if value is not None:
        wanted.append((value, "value", False))
    if null is not None:
        wanted.append((null, "null", False))
    return _frames.columns(data, wanted, _SOURCE), value, null


def _sep(sep: Any) -> str:
    if not isinstance(sep, str) or sep == "":
        raise ValueError(f"sep is {sep!r}; give the separator between channels, such as '>'")
    return sep


def _costs(costs: Any) -> Optional[tuple]:
    if costs is None:
        return None
    if isinstance(costs, Mapping):
        lines = ["channel,cost"]
        for channel, cost in costs.items():
            text = str(channel)
            if any(c in text for c in ',"\n\r'):
                text = '"' + text.replace('"', '""') + '"'
            lines.append(f"{text},{cost!r}")
        return ("\n".join(lines) + "\n", "costs")
    if isinstance(costs, (str, os.PathLike)):
        name = os.fspath(costs)
        try:
            with open(name, encoding="utf-8") as f:
                return (f.read(), name)
        except OSError as e:
            raise OSError(f"{name}: {e.strerror or e}") from None
    raise ValueError("costs must be a dict {channel: cost} or the path of a costs CSV file")


def attribute(
    data: Any,
    order: int = 1,
    methods: Optional[Sequence[str]] = None,
    intervals: bool = False,
    resamples: int = 200,
    seed: Optional[int] = None,
    costs: Any = None,
    *,
    path: str = "path",
    conversions: str = "total_conversions",
    value: Optional[str] = None,
    null: Optional[str] = None,
    sep: str = ">",
) -> Any:
    """Attributes conversions and value to channels, as ``journeysim attribute --format json``.

    ``data`` holds aggregated paths (a pandas or polars DataFrame, or a dict of columns) with the
    CLI's column names unless renamed (``path``, ``conversions``, ``value``, ``null``; the value
    and null columns are read when present). ``methods`` picks among ``markov``, ``first_touch``,
    ``last_touch``, ``linear``, ``position_based``, ``time_decay``, ``shapley``,
    ``shapley_ordered`` (all by default); ``intervals`` adds bootstrap intervals (``resamples``,
    ``seed``); ``costs`` (a dict ``{channel: cost}`` or a costs CSV path) adds CPA and ROAS.

    Returns one row per channel (sorted by name) with the fields of the CLI's JSON ``channels``;
    ``.attrs["model"]`` holds its ``model`` object and ``.attrs["warnings"]`` its warnings
    (pandas), which are also raised as Python warnings.

    Example:
        >>> import journeysim
        >>> data = {"path": ["a > b", "c"], "total_conversions": [3, 1], "total_null": [1, 3]}
        >>> credits = journeysim.attribute(data, methods=["markov", "last_touch"])
        >>> credits[["channel", "removal_effect", "markov_conversions", "last_touch"]]
          channel  removal_effect  markov_conversions  last_touch
        0       a            0.75            1.714286         0.0
        1       b            0.75            1.714286         3.0
        2       c            0.25            0.571429         1.0
    """
    order = _frames.whole(order, "order", 1)
    resamples = _frames.whole(resamples, "resamples", 1)
    if isinstance(methods, str):
        methods = [m for m in methods.split(",")]
    cols, value, null = _paths(data, path, conversions, value, null)
    text = _native.attribute(
        cols,
        path,
        conversions,
        value,
        null,
        _sep(sep),
        order,
        None if methods is None else [str(m) for m in methods],
        bool(intervals),
        resamples,
        _seed(seed),
        _costs(costs),
        _SOURCE,
    )
    result = json.loads(text)
    _warn(result["warnings"])
    channels = result["channels"]
    keys: List[str] = []
    for c in channels:
        keys.extend(k for k in c if k not in keys)
    table = {k: [c.get(k) for c in channels] for k in keys}
    if not channels:
        table = {"channel": []}
    attrs = {k: v for k, v in result.items() if k != "channels"}
    return _frames.output(data, table, attrs)


class Model:
    """A fitted Markov chain, as ``journeysim fit`` saves it (the CLI's model file format).

    Build one with :func:`fit`, :meth:`Model.load` or :meth:`Model.from_json`; give it to
    :func:`simulate` and :func:`whatif`.

    Example:
        >>> import journeysim
        >>> data = {"path": ["a > b", "c"], "total_conversions": [3, 1], "total_null": [1, 3]}
        >>> model = journeysim.fit(data)
        >>> model.conversion_probability, model.channels
        (0.5, ['a', 'b', 'c'])
        >>> journeysim.Model.from_json(model.to_json()).states
        ['a', 'b', 'c']
    """

    def __init__(self, native: Any) -> None:
        self._native = native

    @property
    def conversion_probability(self) -> float:
        """P(conversion) of a journey under the chain (exact)."""
        return self._native.conversion_probability

    @property
    def value_per_journey(self) -> float:
        """Expected conversion value of a journey under the chain (exact)."""
        return self._native.value_per_journey

    @property
    def channels(self) -> List[str]:
        """The channels, sorted by name."""
        return self._native.channels

    @property
    def states(self) -> List[str]:
        """The transient states by name (``"a > b"`` at order 2), in the model file's order."""
        return self._native.states

    @property
    def order(self) -> int:
        """The Markov order."""
        return self._native.order

    def to_json(self) -> str:
        """The model file's text, exactly as ``journeysim fit --format json`` writes it."""
        return self._native.to_json()

    def save(self, path: PathLike) -> None:
        """Writes the model file to ``path`` (atomically); ``journeysim simulate --model`` reads
        it. Raises ``OSError`` when it cannot be written."""
        self._native.save(os.fspath(path))

    @classmethod
    def from_json(cls, text: Union[str, Mapping[str, Any]]) -> "Model":
        """A model from a model file's text (or its parsed dict). Raises ``ValueError`` on a
        malformed model, with the CLI's message."""
        if isinstance(text, Mapping):
            text = json.dumps(text)
        return cls(_native.model_from_json(text, "<model json>"))

    @classmethod
    def load(cls, path: PathLike) -> "Model":
        """A model from a model file. Raises ``OSError`` when it cannot be read, ``ValueError``
        when it is malformed."""
        return cls(_native.model_load(os.fspath(path)))

    def __repr__(self) -> str:
        return (
            f"<journeysim.Model order={self.order} states={len(self.states)} "
            f"channels={len(self.channels)} conversion_probability={self.conversion_probability:.6g}>"
        )


def fit(
    data: Any,
    order: int = 1,
    *,
    path: str = "path",
    conversions: str = "total_conversions",
    value: Optional[str] = None,
    null: Optional[str] = None,
    sep: str = ">",
) -> Model:
    """Fits an order-``order`` chain on aggregated paths, as ``journeysim fit``.

    Example:
        >>> import journeysim
        >>> model = journeysim.fit({"path": ["a > b", "c"], "total_conversions": [3, 1],
        ...                         "total_null": [1, 3]}, order=1)
        >>> round(model.conversion_probability, 3)
        0.5
    """
    order = _frames.whole(order, "order", 1)
    cols, value, null = _paths(data, path, conversions, value, null)
    native, messages = _native.fit(
        cols, path, conversions, value, null, _sep(sep), order, _SOURCE
    )
    _warn(messages)
    return Model(native)


def _model(model: Any) -> Any:
    if not isinstance(model, Model):
        raise ValueError(
            f"model is a {type(model).__name__}; expected a journeysim.Model (from fit, "
            "Model.load or Model.from_json)"
        )
    return model._native


def _threads(threads: Optional[int]) -> Optional[int]:
    return None if threads is None else _frames.whole(threads, "threads", 1)


def simulate(
    model: Model, journeys: int = 100_000, seed: Optional[int] = None, threads: Optional[int] = None
) -> Dict[str, Any]:
    """Simulates ``journeys`` journeys through the model, as ``journeysim simulate --model``:
    the CLI's JSON as a dict (conversion rate with its interval beside the exact figures, per
    channel). The same seed gives the same result whatever ``threads`` is.

    Example:
        >>> import journeysim
        >>> model = journeysim.fit({"path": ["a > b", "c"], "total_conversions": [3, 1],
        ...                         "total_null": [1, 3]})
        >>> run = journeysim.simulate(model, journeys=10_000, seed=1)
        >>> run["journeys"], 0.45 < run["conversion_rate"] < 0.55
        (10000, True)
    """
    native = _model(model)
    journeys = _frames.whole(journeys, "journeys", 1)
    text = _native.simulate(native, journeys, _seed(seed), _threads(threads), "model")
    result = json.loads(text)
    _warn(result.get("warnings", []))
    return result


def _flatten(prefix: str, value: Any, out: Dict[str, Any]) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _flatten(f"{prefix}.{k}" if prefix else k, v, out)
    else:
        out[prefix] = value


def whatif(
    model: Model,
    scenarios: Any,
    journeys: int = 1_000_000,
    seed: Optional[int] = None,
    threads: Optional[int] = None,
) -> Any:
    """Compares scenarios with the model's baseline, as ``journeysim whatif --model``.

    ``scenarios`` is one scenario or a list of them, each a dict in the scenario-file schema
    (``{"name": ..., "changes": [...]}``, see the README's ``whatif`` section) or the path of a
    scenario file. Returns a DataFrame with one row per scenario whose columns are the fields of
    the CLI's JSON ``scenarios`` entries, nested objects flattened with dots
    (``difference.conversions``); ``.attrs`` holds the run's other fields.

    Example:
        >>> import journeysim
        >>> model = journeysim.fit({"path": ["a > b", "c"], "total_conversions": [3, 1],
        ...                         "total_null": [1, 3]})
        >>> cut = {"name": "no c", "changes": [{"change": "remove_touchpoint", "touchpoint": "c"}]}
        >>> journeysim.whatif(model, cut, journeys=10_000, seed=1)["name"].tolist()
        ['no c']
    """
    native = _model(model)
    journeys = _frames.whole(journeys, "journeys", 1)
    if isinstance(scenarios, (Mapping, str, os.PathLike)):
        scenarios = [scenarios]
    items = []
    for i, s in enumerate(scenarios):
        if isinstance(s, Mapping):
            name = str(s.get("name", f"scenario {i + 1}"))
            items.append((json.dumps(s), f"<scenario {name}>"))
        elif isinstance(s, (str, os.PathLike)):
            items.append((os.fspath(s), None))
        else:
            raise ValueError(
                f"scenario {i + 1} is a {type(s).__name__}; expected a dict in the scenario-file "
                "schema or the path of a scenario file"
            )
    text = _native.whatif(native, items, journeys, _seed(seed), _threads(threads), "model")
    result = json.loads(text)
    _warn(result.get("warnings", []))
    rows = []
    for s in result["scenarios"]:
        flat: Dict[str, Any] = {}
        _flatten("", s, flat)
        rows.append(flat)
    keys: List[str] = []
    for r in rows:
        keys.extend(k for k in r if k not in keys)
    table = {k: [r.get(k) for r in rows] for k in keys}
    attrs = {k: v for k, v in result.items() if k != "scenarios"}
    return _frames.output(None, table, attrs)


def aggregate_events(
    events: Any,
    user: str = "user_id",
    time: str = "timestamp",
    touchpoint: str = "touchpoint",
    conversion: Optional[str] = None,
    value: Optional[str] = None,
    lookback_days: float = 30.0,
    inactivity_days: float = 30.0,
) -> Any:
    """Cuts an event log into journeys and aggregates them into paths, exactly as ``--events``
    reads a file (the same reader: lookback, inactivity, conversions ending journeys).

    ``events`` has one row per touch or conversion: user, time (RFC 3339 text, Unix seconds or
    a datetime column; naive times are UTC), touchpoint, and optionally conversion (0/1 or a
    count; the ``conversion`` column is read when present) and value (``value`` when present).
    Returns the paths DataFrame ``path, total_conversions, total_conversion_value, total_null``,
    identical journeys merged, rows in journeysim's canonical order. Like ``journeysim
    aggregate``, it keeps whole journeys: one still in progress at the end of the log is a null
    (``--open-journeys null``), since a paths table has no place for censored exits; fit from
    the log with the CLI's ``--events`` to censor them.

    Example:
        >>> import journeysim
        >>> events = {"user_id": [1, 1, 2], "timestamp": ["2026-01-01T10:00:00Z",
        ...           "2026-01-02T10:00:00Z", "2026-01-01T09:00:00Z"],
        ...           "touchpoint": ["email", "search", "email"], "conversion": [0, 1, 0]}
        >>> journeysim.aggregate_events(events)["path"].tolist()
        ['email > search', 'email']
    """
    names = _frames.column_names(events)
    conversion = _frames.optional_default(names, conversion, "conversion")
    value = _frames.optional_default(names, value, "value")
    wanted = [(user, "user", True), (time, "time", False), (touchpoint, "touchpoint", True)]
    if conversion is not None:
        wanted.append((conversion, "conversion", False))
    if value is not None:
        wanted.append((value, "value", False))
    for number, name in ((lookback_days, "lookback_days"), (inactivity_days, "inactivity_days")):
        if isinstance(number, bool) or not isinstance(number, (int, float)):
            raise ValueError(f"{name} is {number!r}; it must be a number of days")
    cols = _frames.columns(events, wanted, "events")
    (paths, conv, val, nulls), messages = _native.aggregate_events(
        cols,
        user,
        time,
        touchpoint,
        conversion,
        value,
        float(lookback_days),
        float(inactivity_days),
        "events",
    )
    _warn(messages)
    table = {
        "path": paths,
        "total_conversions": conv,
        "total_conversion_value": val,
        "total_null": nulls,
    }
    return _frames.output(events, table)


def generate(map: Any, journeys: int = 10_000, seed: Optional[int] = None) -> Any:
    """Draws journeys from a journey map (a dict in the map-file schema or a map file's path),
    aggregated into the paths DataFrame ``path, total_conversions, total_conversion_value,
    total_null`` that ``journeysim generate`` writes (rows sorted by path).

    Example:
        >>> import journeysim
        >>> paths = journeysim.generate("scenarios/journey_map.json", journeys=1000, seed=7)
        >>> int(paths["total_conversions"].sum() + paths["total_null"].sum())
        1000
    """
    journeys = _frames.whole(journeys, "journeys", 1)
    if isinstance(map, Mapping):
        source = (json.dumps(map), "<journey map>")
    elif isinstance(map, (str, os.PathLike)):
        source = (os.fspath(map), None)
    else:
        raise ValueError("map must be a dict in the journey-map schema or a map file's path")
    paths, conv, val, nulls = _native.generate(source, journeys, _seed(seed))
    table = {
        "path": paths,
        "total_conversions": conv,
        "total_conversion_value": val,
        "total_null": nulls,
    }
    return _frames.output(None, table)
