"""EditDistance (tf.edit_distance): a CTC/ASR word-error batch, 256 hypotheses against their
truths of 20-60 int64 tokens (normalized), and 512 string sequences of 5-15 words."""

from __future__ import annotations

from typing import Any

import numpy as np

from .case import Case


def _sparse(rng: np.random.Generator, batch: int, low: int, high: int) -> tuple[np.ndarray, np.ndarray]:
    lengths = rng.integers(low, high + 1, batch)
    indices = np.array([[b, t] for b in range(batch) for t in range(lengths[b])], np.int64)
    return indices, np.array([batch, high], np.int64)


def cases(tf: Any, rng: np.random.Generator, scale: int) -> list[Case]:
    def fn(normalize: bool) -> Any:
        return lambda hi, hv, hs, ti, tv, ts: tf.raw_ops.EditDistance(
            hypothesis_indices=hi,
            hypothesis_values=hv,
            hypothesis_shape=hs,
            truth_indices=ti,
            truth_values=tv,
            truth_shape=ts,
            normalize=normalize,
        )

    out = []
    for batch, low, high, kind in [(256, 20, 60, "int64"), (512, 5, 15, "string")]:
        batch = max(2, batch // scale)
        hi, hs = _sparse(rng, batch, low, high)
        ti, ts = _sparse(rng, batch, low, high)
        words = rng.integers(0, 30, len(hi)), rng.integers(0, 30, len(ti))
        if kind == "string":
            hv, tv = (np.array([b"w%d" % w for w in ws], object) for ws in words)
        else:
            hv, tv = (ws.astype(np.int64) for ws in words)
        label = f"{kind}, {batch} sequences of {low}-{high}"
        out.append(Case("EditDistance", label, fn(kind == "int64"), [hi, hv, hs, ti, tv, ts]))
    return out
