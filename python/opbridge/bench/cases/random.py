"""Stateless random ops: the seed is an input (a constant seed would be folded by the converter)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .case import Case


def cases(tf: Any, rng: np.random.Generator, scale: int) -> list[Case]:
    n = 1_000_000 // (scale * scale)
    seed = np.array([12, -34], np.int64)
    raw = tf.raw_ops
    found = [
        Case(
            "StatelessRandomUniformV2",
            f"f32 [{n}]",
            lambda s: tf.random.stateless_uniform([n], seed=s),
            [seed],
        ),
        Case(
            "StatelessRandomNormalV2",
            f"f32 [{n}]",
            lambda s: tf.random.stateless_normal([n], seed=s),
            [seed],
        ),
        Case(
            "StatelessRandomNormalV2",
            f"f64 [{n // 4}]",
            lambda s: tf.random.stateless_normal([n // 4], seed=s, dtype=tf.float64),
            [seed],
        ),
        Case(
            "StatelessTruncatedNormalV2",
            f"f32 [{n}]",
            lambda s: tf.random.stateless_truncated_normal([n], seed=s),
            [seed],
        ),
        Case(
            "StatelessRandomUniformIntV2",
            f"i64 [{n}] in [-1000, 10**12)",
            lambda s: tf.random.stateless_uniform([n], seed=s, minval=-1000, maxval=10**12, dtype=tf.int64),
            [seed],
        ),
        Case(
            "StatelessRandomUniformFullIntV2",
            f"u32 [{n}]",
            lambda s: tf.random.stateless_uniform([n], seed=s, minval=None, maxval=None, dtype=tf.uint32),
            [seed],
        ),
        Case(
            "StatelessRandomUniform",
            f"half [{n}] (V1)",
            lambda s: raw.StatelessRandomUniform(shape=[n], seed=s, dtype=tf.float16),
            [seed],
        ),
        Case(
            "StatelessTruncatedNormal",
            f"f64 [{n // 4}] (V1)",
            lambda s: raw.StatelessTruncatedNormal(shape=[n // 4], seed=s, dtype=tf.float64),
            [seed],
        ),
        Case(
            "StatelessRandomUniformInt",
            f"i32 [{n}] in [0, 10) (V1)",
            lambda s: raw.StatelessRandomUniformInt(shape=[n], seed=s, minval=0, maxval=10),
            [seed],
        ),
        Case(
            "StatelessRandomUniformFullInt",
            f"i64 [{n}] (V1)",
            lambda s: raw.StatelessRandomUniformFullInt(shape=[n], seed=s, dtype=tf.int64),
            [seed],
        ),
    ]
    found += [
        Case(
            "StatelessRandomNormal",
            f"f32 [{n}] (V1)",
            lambda s: raw.StatelessRandomNormal(shape=[n], seed=s),
            [seed],
        ),
        # The key/counter ops alone: one Philox block per call.
        Case(
            "StatelessRandomGetKeyCounter",
            "i64 seed",
            lambda s: raw.StatelessRandomGetKeyCounter(seed=s),
            [seed],
        ),
        Case(
            "StatelessRandomGetKeyCounterAlg",
            "i32 seed",
            lambda s: raw.StatelessRandomGetKeyCounterAlg(seed=s),
            [seed.astype(np.int32)],
        ),
        Case(
            "StatelessRandomGetAlg",
            "(no input; + x * 0 keeps the model fed)",
            lambda x: raw.StatelessRandomGetAlg() + x * 0,
            [np.array(1, np.int32)],
        ),
    ]
    # Sampling a language model's next token, and a batch of smaller categoricals.
    vocab = max(32_000 // scale, 8)
    found += [
        Case(
            "StatelessMultinomial",
            f"f32 [1,{vocab}] x 16 samples",
            lambda logits, s: tf.random.stateless_categorical(logits, 16, seed=s),
            [rng.standard_normal((1, vocab)).astype(np.float32), seed],
        ),
        Case(
            "StatelessMultinomial",
            "f32 [4,500] x 8 samples",
            lambda logits, s: tf.random.stateless_categorical(logits, 8, seed=s),
            [rng.standard_normal((4, 500)).astype(np.float32), seed],
        ),
    ]
    # The parameterized samplers (a rejection loop per sample): parameters as inputs.
    m = n // 10
    raw_rates = rng.uniform(0.5, 30.0, 100)
    found += [
        Case(
            "StatelessRandomBinomial",
            f"f32 counts/probs [100] -> i32 [{m // 100},100]",
            lambda s, c, p: tf.random.stateless_binomial([m // 100, 100], s, c, p),
            [
                seed,
                rng.uniform(1, 60, 100).astype(np.float32),
                rng.uniform(0.05, 0.95, 100).astype(np.float32),
            ],
        ),
        Case(
            "StatelessRandomGammaV3",
            f"f32 alpha [100] -> [{m // 100},100]",
            lambda s, a: tf.random.stateless_gamma([m // 100, 100], s, alpha=a),
            [seed, rng.uniform(0.2, 5.0, 100).astype(np.float32)],
        ),
        Case(
            "StatelessRandomGammaV2",
            f"f64 alpha [100] -> [{m // 100},100] (V2)",
            lambda s, a: raw.StatelessRandomGammaV2(shape=[m // 100, 100], seed=s, alpha=a),
            [seed, rng.uniform(0.2, 5.0, 100)],
        ),
        Case(
            "StatelessRandomPoisson",
            f"f32 lam [100] -> i32 [{m // 100},100]",
            lambda s, r: tf.random.stateless_poisson([m // 100, 100], s, r, dtype=tf.int32),
            [seed, raw_rates.astype(np.float32)],
        ),
        Case(
            "StatelessParameterizedTruncatedNormal",
            f"f32 [{m // 100},100], bounds per column",
            lambda s, lo: tf.random.stateless_parameterized_truncated_normal(
                [m // 100, 100], s, 0.0, 1.0, lo, 3.0
            ),
            [seed, rng.uniform(-2.0, 2.5, 100).astype(np.float32)],
        ),
    ]
    return found
