"""DataFrames in and out: pandas, polars or a dict of columns become one Python list per column
for the native module (which writes them as the text the file readers read, so a frame gets the
files' rules and messages), except pandas columns of a NumPy float or integer dtype, which go
packed as 8-byte words (no Python object per value); results become a DataFrame of the
caller's library."""

from __future__ import annotations

import math
import numbers
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

# A column's values: a list, or a packed numeric column `("f8" | "i8", bytes)`.
Column = Tuple[str, Union[list, Tuple[str, bytes]], bool]


def _kind(data: Any) -> str:
    module = type(data).__module__.split(".")[0]
    if module == "pandas" and hasattr(data, "columns"):
        return "pandas"
    if module == "polars" and hasattr(data, "columns"):
        return "polars"
    if isinstance(data, Mapping):
        return "dict"
    raise ValueError(
        f"data is a {type(data).__name__}; expected a pandas DataFrame, a polars DataFrame "
        "or a dict of columns"
    )


def column_names(data: Any) -> List[str]:
    """The frame's column names, as strings."""
    kind = _kind(data)
    if kind == "dict":
        return [str(k) for k in data.keys()]
    return [str(c) for c in data.columns]


def _packed(series: Any) -> Optional[Tuple[str, bytes]]:
    """A pandas column of a NumPy float dtype as little-endian float64 words, of a signed (or
    narrow unsigned) integer dtype as int64 words: every value exactly, no missing values
    possible but float NaN, which the native side reads as a float would be. None otherwise."""
    import numpy as np

    dtype = series.dtype
    if not isinstance(dtype, np.dtype):
        return None
    if dtype.kind == "f":
        return ("f8", series.to_numpy(dtype="<f8").tobytes())
    if dtype.kind == "i" or (dtype.kind == "u" and dtype.itemsize <= 4):
        return ("i8", series.to_numpy(dtype="<i8").tobytes())
    return None


def _values(data: Any, kind: str, name: str) -> Union[list, Tuple[str, bytes]]:
    if kind == "pandas":
        series = data[name]
        if getattr(series, "ndim", 1) != 1:
            raise ValueError(f"column '{name}' appears more than once in the frame")
        dtype = series.dtype
        packed = _packed(series)
        if packed is not None:
            return packed
        if getattr(dtype, "kind", None) == "f":
            return series.tolist()
        # Categorical, nullable (Int64, boolean, string) and object columns: missing values
        # (NaN, NA, NaT) become None, read as an empty field; the rest as Python objects.
        values = series.astype(object)
        return values.where(series.notna(), None).tolist()
    if kind == "polars":
        return data[name].to_list()
    values = data[name]
    if hasattr(values, "tolist"):
        return values.tolist()
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
        try:
            return list(values)
        except TypeError:
            raise ValueError(f"column '{name}' is not a sequence of values") from None
    return list(values)


def columns(
    data: Any,
    wanted: Sequence[Tuple[str, str, bool]],
    source: str,
) -> List[Column]:
    """The `wanted` columns `(name, parameter, is_text)` of `data` as lists. A missing column
    raises the reader's message for a missing column, naming the parameter that names it."""
    kind = _kind(data)
    names = column_names(data)
    out: List[Column] = []
    for name, parameter, text in wanted:
        if not isinstance(name, str):
            raise ValueError(f"{parameter} must be a column name (a string), not {name!r}")
        if name not in names:
            found = ", ".join(names[:10]) + (f", ... ({len(names)} in all)" if len(names) > 10 else "")
            raise ValueError(
                f"{source} line 1: no column '{name}' in the header; columns found: {found}; "
                f"name it with `{parameter}`"
            )
        out.append((name, _values(data, kind, name), text))
    return out


def output(like: Any, table: Dict[str, list], attrs: Optional[Dict[str, Any]] = None) -> Any:
    """`table` (column name -> values) as a DataFrame of `like`'s library: polars for a polars
    input, pandas otherwise. `attrs` go to pandas' `DataFrame.attrs`."""
    try:
        kind = _kind(like)
    except ValueError:
        kind = "pandas"
    if kind == "polars":
        import polars as pl

        return pl.DataFrame(table, strict=False)
    import pandas as pd

    frame = pd.DataFrame(table)
    if attrs:
        frame.attrs.update(attrs)
    return frame


def whole(value: Any, parameter: str, minimum: int) -> int:
    """A whole number >= `minimum` (a float such as 1e5 is fine when whole)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{parameter} is {value!r}; it must be a whole number >= {minimum}")
    if isinstance(value, float) and (not math.isfinite(value) or value != int(value)):
        raise ValueError(f"{parameter} is {value!r}; it must be a whole number >= {minimum}")
    if int(value) < minimum:
        raise ValueError(f"{parameter} is {value!r}; it must be a whole number >= {minimum}")
    return int(value)


def optional_default(names: List[str], given: Optional[str], default: str) -> Optional[str]:
    """The column the CLI would read: the one given, else the default name when present."""
    if given is not None:
        return given
    return default if default in names else None
