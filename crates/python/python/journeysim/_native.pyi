"""Type stubs of the native module (built from crates/python/src by maturin)."""

from typing import List, Optional, Sequence, Tuple, Union

# A column's values: a list, or a packed numeric column ("f8" | "i8", little-endian words).
Column = Tuple[str, Union[list, Tuple[str, bytes]], bool]
Transition = Tuple[str, str, float]
PathsColumns = Tuple[List[str], List[float], List[float], List[float]]

__version__: str
DEFAULT_SEED: int

def ca_markov(
    columns: Sequence[Column], path: str, conversions: str, value: Optional[str],
    null: Optional[str], sep: str, order: int, out_more: bool, source: str,
) -> Tuple[List[Tuple[str, float, float, float, float]], List[Transition], List[str]]: ...
def ca_heuristics(
    columns: Sequence[Column], path: str, conversions: str, value: Optional[str], sep: str,
    source: str,
) -> Tuple[List[Tuple[str, float, float, float, float, float, float]], List[str]]: ...
def ca_transition_matrix(
    columns: Sequence[Column], path: str, conversions: str, null: Optional[str], sep: str,
    order: int, keep_repeats: bool, source: str,
) -> Tuple[List[str], List[Transition], List[str]]: ...
def ca_choose_order(
    columns: Sequence[Column], path: str, conversions: str, null: Optional[str], sep: str,
    max_order: int, source: str,
) -> Tuple[str, List[List[Tuple[float, float]]]]: ...
def attribute(
    columns: Sequence[Column], path: str, conversions: str, value: Optional[str],
    null: Optional[str], sep: str, order: int, methods: Optional[List[str]], intervals: bool,
    resamples: int, seed: int, costs: Optional[Tuple[str, str]], source: str,
) -> str: ...

class NativeModel:
    @property
    def conversion_probability(self) -> float: ...
    @property
    def value_per_journey(self) -> float: ...
    @property
    def channels(self) -> List[str]: ...
    @property
    def states(self) -> List[str]: ...
    @property
    def order(self) -> int: ...
    def to_json(self) -> str: ...
    def save(self, path: str) -> None: ...

def fit(
    columns: Sequence[Column], path: str, conversions: str, value: Optional[str],
    null: Optional[str], sep: str, order: int, source: str,
) -> Tuple[NativeModel, List[str]]: ...
def model_from_json(text: str, source: str) -> NativeModel: ...
def model_load(path: str) -> NativeModel: ...
def simulate(
    model: NativeModel, journeys: int, seed: int, threads: Optional[int], source: str
) -> str: ...
def whatif(
    model: NativeModel, scenarios: Sequence[Tuple[str, Optional[str]]], journeys: int,
    seed: int, threads: Optional[int], source: str,
) -> str: ...
def aggregate_events(
    columns: Sequence[Column], user: str, time: str, touchpoint: str,
    conversion: Optional[str], value: Optional[str], lookback_days: float,
    inactivity_days: float, source: str,
) -> Tuple[PathsColumns, List[str]]: ...
def generate(map: Tuple[str, Optional[str]], journeys: int, seed: int) -> PathsColumns: ...
