"""Stateful random ops (seed/seed2 attrs, a stream per node): the shape is an input so that the
output is sized at run time as in the models that keep them (tf.image.random_crop, initializers,
tf.random.shuffle of a batch)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .case import Case


def cases(tf: Any, rng: np.random.Generator, scale: int) -> list[Case]:
    n = 1_000_000 // (scale * scale)
    raw = tf.raw_ops
    shape = np.array([n], np.int32)
    rows = rng.normal(size=(max(2, n // 64), 64)).astype(np.float32)
    alpha = np.array([0.5, 1.0, 3.0, 30.0], np.float32)
    rate = np.array([0.5, 4.0, 30.0, 500.0], np.float32)
    m = max(1, n // 64)
    return [
        Case(
            "TruncatedNormal",
            f"f32 [{n}]",
            lambda s: raw.TruncatedNormal(shape=s, dtype=tf.float32, seed=1, seed2=2),
            [shape],
        ),
        Case(
            "RandomUniformInt",
            f"i32 [{n}] in [0, 1000)",
            lambda s: raw.RandomUniformInt(shape=s, minval=0, maxval=1000, seed=1, seed2=2),
            [shape],
        ),
        Case(
            "RandomShuffle",
            f"f32 {list(rows.shape)} rows",
            lambda x: raw.RandomShuffle(value=x, seed=1, seed2=2),
            [rows],
        ),
        Case(
            "RandomShuffle",
            f"i32 [{n}]",
            lambda s: raw.RandomShuffle(value=tf.range(s[0]), seed=1, seed2=2),
            [shape],
        ),
        Case(
            "RandomGamma",
            f"f32 [{m}, 4] alpha 0.5-30",
            lambda s, a: raw.RandomGamma(shape=s, alpha=a, seed=1, seed2=2),
            [np.array([m], np.int32), alpha],
        ),
        Case(
            "RandomPoissonV2",
            f"f32 rate -> i64 [{m}, 4] rate 0.5-500",
            lambda s, r: raw.RandomPoissonV2(shape=s, rate=r, seed=1, seed2=2, dtype=tf.int64),
            [np.array([m], np.int32), rate],
        ),
    ]
