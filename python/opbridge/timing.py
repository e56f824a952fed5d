"""Timing a call the same way everywhere: warm up once, then the median."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np


def median_seconds(fn: Callable[[], Any], min_runs: int, min_time: float = 0.0) -> float:
    """The median time of fn() over at least `min_runs` calls and `min_time`
    seconds, after one warm-up call (tracing, allocation)."""
    fn()
    times: list[float] = []
    start = time.perf_counter()
    while len(times) < min_runs or time.perf_counter() - start < min_time:
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return float(np.median(times))
