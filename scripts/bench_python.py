#!/usr/bin/env python3
"""Times journeysim's markov_model from Python, DataFrame conversion included, on one core:
1M distinct paths at order 1 (target <= 1.5 s) and 100k at order 3 (target <= 0.5 s). Where
ChannelAttribution is installed in the same environment, times its markov_model on the same
frames and prints the ratio. Not part of the test run; BENCHMARKS.md quotes it.

    RAYON_NUM_THREADS=1 target/venv/bin/python scripts/bench_python.py [--repeat 3]
"""

import argparse
import os
import random
import time

os.environ.setdefault("RAYON_NUM_THREADS", "1")

import pandas as pd  # noqa: E402

import journeysim  # noqa: E402


def paths(n: int, seed: int) -> pd.DataFrame:
    """`n` distinct paths over 12 channels, lengths 1-10 (short ones more common), about one
    journey in eight converting: the shape of benches/attribution.rs."""
    rng = random.Random(seed)
    channels = ["affiliate", "comparison", "direct", "display", "email", "referral",
                "retargeting", "reviews", "search_organic", "search_paid", "social", "video"]
    seen = set()
    rows = []
    while len(rows) < n:
        length = min(10, 1 + int(rng.expovariate(0.35)))
        path = " > ".join(rng.choice(channels) for _ in range(length))
        if path in seen:
            continue
        seen.add(path)
        journeys = 1 + int(rng.expovariate(0.1))
        conv = sum(rng.random() < 0.125 for _ in range(journeys))
        rows.append((path, conv, round(conv * rng.uniform(5, 60), 2), journeys - conv))
    return pd.DataFrame(rows, columns=["path", "total_conversions", "total_conversion_value",
                                       "total_null"])


def best_of(repeat, f):
    """The best wall time and the best CPU time of the process (all threads) over `repeat`
    runs: on a loaded machine the CPU time is the figure that says what one core needs."""
    walls, cpus = [], []
    for _ in range(repeat):
        start, cpu = time.perf_counter(), time.process_time()
        f()
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    return min(walls), min(cpus)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    try:
        import ChannelAttribution as ca
    except ImportError:
        ca = None
    print(f"load average {os.getloadavg()}, RAYON_NUM_THREADS={os.environ['RAYON_NUM_THREADS']}")
    for n, order, target in ((1_000_000, 1, 1.5), (100_000, 3, 0.5)):
        data = paths(n, seed=7)

        def ours():
            journeysim.markov_model(data, "path", "total_conversions",
                                    var_value="total_conversion_value", var_null="total_null",
                                    order=order)

        t, cpu = best_of(args.repeat, ours)
        line = (f"{n:>9,} paths, order {order}: journeysim {t:.3f} s wall, {cpu:.3f} s CPU "
                f"(target <= {target} s)")
        if ca is not None:
            def theirs():
                ca.markov_model(data, "path", "total_conversions",
                                var_value="total_conversion_value", var_null="total_null",
                                order=order, verbose=False, flg_pro=False)

            c, c_cpu = best_of(1, theirs)
            line += (f"; ChannelAttribution {c:.3f} s wall, {c_cpu:.3f} s CPU; "
                     f"ratio {c / t:.1f}x wall, {c_cpu / cpu:.1f}x CPU")
        print(line, flush=True)


if __name__ == "__main__":
    main()
