"""Linear-time bounds without wall-clock limits: time a reader on input of size n and 4n and
compare (a ratio, never an absolute time).

CPU time of this process (``time.process_time``) is used, the best of a few runs, so that
other work on a shared machine does not count; n is doubled first until one run costs enough
to be measured.  Linear work gives a ratio near 4, quadratic near 16.
"""

from __future__ import annotations

import gc
import time
from typing import Any, Callable

#: above this a 4x bigger input cost more than linear (4) plus a loaded machine's noise;
#: quadratic is 16 (the bound of tests/test_parser_paths.py too)
MAX_RATIO = 10.0
#: the smaller run must cost at least this much CPU time to be compared
MIN_SECONDS = 0.04


def _cost(run: Callable[[Any], Any], data: Any) -> float:
    gc.collect()
    gc.disable()
    try:
        started = time.process_time()
        run(data)
        return time.process_time() - started
    finally:
        gc.enable()


def growth(build: Callable[[int], Any], run: Callable[[Any], Any], n: int, repeat: int = 3,
           max_doublings: int = 12) -> tuple[float, int]:
    """(best cost of build(4n) / best cost of build(n), the n used); n doubles first until one
    run is measurable.  The runs are interleaved: a busy spell slows single runs, not the best."""
    run(build(n))  # imports and caches are not part of the cost
    for _ in range(max_doublings):
        small_input = build(n)
        if _cost(run, small_input) >= MIN_SECONDS:
            break
        n *= 2
    large_input = build(4 * n)
    small = large = float("inf")
    for _ in range(repeat):
        small = min(small, _cost(run, small_input))
        large = min(large, _cost(run, large_input))
    return large / max(small, 1e-9), n


def assert_linear(build: Callable[[int], Any], run: Callable[[Any], Any], n: int = 1000, repeat: int = 3) -> None:
    """``run(build(4n))`` costs at most MAX_RATIO times ``run(build(n))`` (re-measured once
    before failing: a single slow run on a busy machine is not a finding)."""
    ratio, used = growth(build, run, n, repeat)
    if ratio >= MAX_RATIO:
        ratio, used = growth(build, run, used, repeat + 2, max_doublings=1)
    assert ratio < MAX_RATIO, f"4x the input (n={used}) cost {ratio:.1f}x the time: not linear"
