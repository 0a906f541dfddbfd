"""The computations release the GIL: a pure-Python thread keeps running while markov_model
works, and two threads calling markov_model at once get the same answers as one at a time.

Wall time of two concurrent calls against two sequential ones is printed (`pytest -s`) but not
asserted: the attribution already spreads its removal effects over rayon's pool, so on the
2-core CI machine (shared with other jobs) two calls cannot be expected to finish faster side
by side. Whether the GIL is released is what concurrency needs, and that is measured directly.
"""

import random
import threading
import time

import pytest

import journeysim


@pytest.fixture(scope="module")
def big():
    """100k distinct paths over 12 channels, lengths 1-10, about one journey in eight
    converting (the shape of the attribution bench); at order 3 the fit and solves dominate the
    conversion of the frame."""
    rng = random.Random(11)
    channels = [f"channel_{i}" for i in range(12)]
    paths = set()
    while len(paths) < 100_000:
        paths.add(" > ".join(rng.choice(channels) for _ in range(rng.randint(1, 10))))
    paths = sorted(paths)
    conv = [rng.randint(0, 3) for _ in paths]
    return {
        "path": paths,
        "conv": conv,
        "value": [c * rng.uniform(5, 50) for c in conv],
        "nulls": [rng.randint(0, 20) for _ in paths],
    }


def call(data):
    return journeysim.markov_model(data, "path", "conv", var_value="value", var_null="nulls",
                                   order=3, out_more=True)


def test_a_python_thread_runs_during_the_call(big):
    ticks = []
    stop = threading.Event()

    def ticker():
        while not stop.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.0005)

    thread = threading.Thread(target=ticker)
    thread.start()
    try:
        time.sleep(0.05)
        start = time.perf_counter()
        call(big)
        end = time.perf_counter()
    finally:
        stop.set()
        thread.join()
    during = [t for t in ticks if start <= t <= end]
    times = [start, *during, end]
    longest_gap = max(b - a for a, b in zip(times, times[1:]))
    duration = end - start
    print(f"call {duration:.3f} s, {len(during)} ticks, longest gap {longest_gap:.3f} s")
    # Holding the GIL through the solve would stop the ticker for most of the call (the solve
    # is most of it); released, the ticker only waits while the frame's columns are copied
    # and for the OS scheduler. Half the call separates the two with room on a loaded machine.
    assert duration > 0.1, "the input is too small to tell"
    assert longest_gap < 0.5 * duration, (longest_gap, duration)
    assert len(during) >= 10


def test_two_threads_at_once_give_the_same_answers(big):
    start = time.perf_counter()
    first = call(big)
    second = call(big)
    sequential = time.perf_counter() - start
    results = [None, None]

    def run(i):
        results[i] = call(big)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    concurrent = time.perf_counter() - start
    print(f"two calls: {sequential:.3f} s one after the other, {concurrent:.3f} s at once")
    for r in results:
        for key in ("result", "transition_matrix", "removal_effects"):
            assert r[key].equals(first[key])
    assert second["result"].equals(first["result"])
