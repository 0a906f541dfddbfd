"""journeysim: customer journeys as Markov chains, attributed exactly.

A drop-in for ChannelAttribution: change ``from ChannelAttribution import markov_model`` to
``from journeysim import markov_model``; the same arguments give the same columns, with exact
numbers instead of simulated ones.

ChannelAttribution-compatible functions (DataFrame ``Data``, column names as strings):

- ``markov_model(Data, var_path, var_conv, var_value=None, var_null=None, order=1, ...,
  out_more=False, sep=">")``: removal-effect attribution;
- ``heuristic_models(Data, var_path, var_conv, var_value=None, sep=">")``: first, last, linear;
- ``transition_matrix(Data, var_path, var_conv, var_null, order=1, sep=">", flg_equal=True)``;
- ``choose_order(Data, var_path, var_conv, var_null, max_order=10, sep=">")``.

journeysim's own API (the CLI's commands, with the CLI's JSON field names):

- ``attribute(data, order=1, methods=None, intervals=False, resamples=200, seed=None,
  costs=None)`` -> DataFrame, one row per channel;
- ``fit(data, order=1)`` -> ``Model`` (``conversion_probability``, ``value_per_journey``,
  ``channels``, ``states``, ``to_json()``, ``save(path)``, ``Model.load(path)``,
  ``Model.from_json(text)``);
- ``simulate(model, journeys, seed=None, threads=None)`` -> dict;
- ``whatif(model, scenarios, journeys, seed=None)`` -> DataFrame, one row per scenario;
- ``aggregate_events(events, user=, time=, touchpoint=, conversion=, value=,
  lookback_days=30, inactivity_days=30)`` -> paths DataFrame;
- ``generate(map, journeys, seed=None)`` -> paths DataFrame.

Data may be a pandas DataFrame, a polars DataFrame or a dict of columns; counts may be
fractional. Results are pandas DataFrames (polars for a polars input). Bad data or options raise
``ValueError`` with the CLI's message ("Data line 5: total_null is -3; counts must be >= 0",
where line N is the frame's row N - 2 counted from 0); unreadable or unwritable files raise
``OSError``. The computations release the GIL, so threads run them in parallel.

Example:
    >>> import pandas as pd
    >>> from journeysim import markov_model
    >>> Data = pd.read_csv("data/paths_10k.csv")
    >>> markov_model(Data, "path", "total_conversions", var_value="total_conversion_value",
    ...              var_null="total_null").head(3)
      channel_name  total_conversions  total_conversion_value
    0        email         412.746496            13563.258860
    1  retargeting         382.204637            12416.611267
    2     referral         319.406034            10464.840865
"""

from ._native import __version__
from ._compat import choose_order, heuristic_models, markov_model, transition_matrix
from ._api import Model, aggregate_events, attribute, fit, generate, simulate, whatif

__all__ = [
    "markov_model",
    "heuristic_models",
    "transition_matrix",
    "choose_order",
    "attribute",
    "fit",
    "Model",
    "simulate",
    "whatif",
    "aggregate_events",
    "generate",
    "__version__",
]
