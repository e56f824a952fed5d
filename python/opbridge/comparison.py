"""The one definition of "how far is TFLite from TF" that the CLI, the demo and
the parity harness report (TensorFlow-free)."""

from __future__ import annotations

import numpy as np


def max_abs_error(expected: np.ndarray, actual: np.ndarray) -> float:
    """The largest |actual - expected| over the elements, as complex magnitudes.

    Equal values count 0, infinities and NaN included (NaN against NaN is a
    match); a NaN or infinity against anything else counts inf, and so do
    different shapes. 0 for no elements.
    """
    e = np.asarray(expected).astype(np.complex128)
    a = np.asarray(actual).astype(np.complex128)
    if e.shape != a.shape:
        return float("inf")
    if e.size == 0:
        return 0.0
    with np.errstate(invalid="ignore", over="ignore"):
        diff = np.abs(a - e)
    same = (a == e) | (np.isnan(a) & np.isnan(e))
    diff = np.where(same, 0.0, np.where(np.isnan(diff), np.inf, diff))
    return float(diff.max())
