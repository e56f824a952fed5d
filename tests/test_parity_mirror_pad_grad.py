"""MirrorPadGrad (the gradient of tf.pad REFLECT/SYMMETRIC): TFLite kernel vs TF's, bit for bit, in both
runtimes, for every dtype TF registers, ranks 0-5, int32 and int64 paddings, pads up to the limits
(including ones that fold onto the same elements from both ends), and TF's errors."""

from __future__ import annotations

from typing import Any

import ml_dtypes
import numpy as np
import pytest

from conftest import RUNTIMES, convert_fn, registered_cpu_dtypes
from opbridge.testing import assert_parity, run_tflite

EXACT = {"rtol": 0.0, "atol": 0.0}
DTYPES = [
    np.float32,
    np.float64,
    np.float16,
    ml_dtypes.bfloat16,
    np.int8,
    np.int16,
    np.int32,
    np.int64,
    np.uint8,
    np.uint16,
    np.uint32,
    np.uint64,
    np.complex64,
    np.complex128,
]

# (input shape, paddings) per mode: each output dim is the input's minus its pads. REFLECT pads stay
# below the output size, SYMMETRIC ones reach it; both ends folding onto one element (3 of 5 and 2 of 5).
CASES = {
    "REFLECT": [
        ((9,), [[2, 3]]),
        ((7, 9), [[2, 2], [1, 3]]),
        ((7, 6, 5), [[0, 0], [2, 1], [1, 1]]),
        ((4, 5, 6, 7), [[1, 0], [0, 2], [1, 2], [3, 0]]),
        ((3, 4, 5, 6, 7), [[0, 1], [1, 1], [0, 2], [2, 0], [1, 2]]),
        ((5, 10), [[0, 0], [3, 2]]),
    ],
    "SYMMETRIC": [
        ((9,), [[3, 3]]),
        ((7, 9), [[2, 2], [3, 3]]),
        ((6, 6, 5), [[0, 0], [2, 2], [1, 1]]),
        ((4, 5, 6, 7), [[1, 1], [0, 2], [1, 2], [3, 0]]),
        ((3, 4, 5, 6, 7), [[0, 1], [1, 1], [0, 2], [2, 0], [1, 2]]),
        ((5, 10), [[0, 0], [5, 0]]),
    ],
}


def _values(rng: np.random.Generator, shape: tuple[int, ...], dtype: Any) -> np.ndarray:
    kind = np.dtype(dtype).kind
    if kind in "iu":
        info = np.iinfo(dtype)  # the full range: the sums wrap as TF's
        return rng.integers(info.min, info.max, shape, dtype=np.int64 if kind == "i" else np.uint64).astype(
            dtype
        )
    x = rng.standard_normal(shape)
    if kind == "c":
        x = x + 1j * rng.standard_normal(shape)
    return (x * 10).astype(dtype)


def test_declares_every_dtype_tf_registers() -> None:
    assert registered_cpu_dtypes("MirrorPadGrad") == {np.dtype(d).name for d in DTYPES}


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_matches_tf_bit_for_bit(tf: Any, rng: np.random.Generator, dtype: Any) -> None:
    """Every mode and rank 1-5 in one model; int64 paddings for the SYMMETRIC ones."""
    cases = [(mode, shape, pads) for mode, items in CASES.items() for shape, pads in items]

    def fn(*xs: Any) -> list[Any]:
        return [
            tf.raw_ops.MirrorPadGrad(
                input=x, paddings=np.array(pads, np.int64 if mode == "SYMMETRIC" else np.int32), mode=mode
            )
            for x, (mode, _, pads) in zip(xs, cases, strict=True)
        ]

    assert_parity(fn, [_values(rng, shape, dtype) for _, shape, _ in cases], **EXACT, runtimes=RUNTIMES)


def test_rank_0_and_non_finite(tf: Any, rng: np.random.Generator) -> None:
    """A scalar (no pads: the input itself), no padding at all, NaN and infinities folded. (TF refuses
    empty dims: the paddings must total less than the input dim.)"""
    x = _values(rng, (7, 9), np.float32)
    x[0, 0], x[6, 8], x[3, 0] = np.nan, np.inf, -np.inf

    def fn(s: Any, f: Any) -> list[Any]:
        return [
            tf.raw_ops.MirrorPadGrad(input=s, paddings=np.zeros((0, 2), np.int32), mode="REFLECT"),
            tf.raw_ops.MirrorPadGrad(input=f, paddings=[[0, 0], [0, 0]], mode="REFLECT"),
            tf.raw_ops.MirrorPadGrad(input=f, paddings=[[2, 1], [2, 3]], mode="REFLECT"),
            tf.raw_ops.MirrorPadGrad(input=f, paddings=[[2, 2], [3, 3]], mode="SYMMETRIC"),
        ]

    assert_parity(fn, [np.float32(2.5), x], **EXACT, runtimes=RUNTIMES)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_paddings_known_only_at_run_time(tf: Any, rng: np.random.Generator, runtime: str) -> None:
    model = convert_fn(
        lambda x, p: tf.raw_ops.MirrorPadGrad(input=x, paddings=p, mode="SYMMETRIC"),
        ((None, None), tf.float64),
        ((2, 2), tf.int32),
    )
    for shape, pads in [((6, 9), [[1, 2], [3, 3]]), ((4, 4), [[0, 0], [0, 0]]), ((2, 7), [[0, 1], [2, 2]])]:
        x = _values(rng, shape, np.float64)
        (got,) = run_tflite(model, [x, np.array(pads, np.int32)], runtime).values()
        want = tf.raw_ops.MirrorPadGrad(input=x, paddings=pads, mode="SYMMETRIC").numpy()
        np.testing.assert_array_equal(got, want)


ERRORS = [
    ((6, 6), [[1, 1]], "REFLECT", r"The first dimension of paddings must be the rank of inputs"),
    ((6, 6), [[-1, 1], [0, 0]], "REFLECT", r"Paddings must be non-negative: -1, 1"),
    (
        (6, 6),
        [[2, 2], [0, 0]],
        "REFLECT",
        r"paddings must be less than the output dimension size: 2, 2 not less",
    ),
    (
        (6, 6),
        [[0, 0], [3, 1]],
        "SYMMETRIC",
        r"paddings must be no greater than the output dimension size: 3, 1",
    ),
    ((1, 1, 1, 1, 1, 1), [[0, 0]] * 6, "REFLECT", r"inputs rank not in \[0,5\]: 6"),
    (
        (0, 5),
        [[0, 0], [1, 1]],
        "SYMMETRIC",
        r"Total paddings must be less than the input dimension size: 0 was",
    ),
    (
        (4, 5),
        [[0, 0], [3, 2]],
        "SYMMETRIC",
        r"Total paddings must be less than the input dimension size: 5 was",
    ),
]


@pytest.mark.parametrize("runtime", RUNTIMES)
@pytest.mark.parametrize("shape, pads, mode, message", ERRORS)
def test_errors_as_in_tf(
    tf: Any, runtime: str, shape: tuple[int, ...], pads: list[list[int]], mode: str, message: str
) -> None:
    x, p = np.ones(shape, np.float32), np.array(pads, np.int32)

    def fn(x: Any, p: Any) -> Any:
        return tf.raw_ops.MirrorPadGrad(input=x, paddings=p, mode=mode)

    with pytest.raises((tf.errors.InvalidArgumentError, tf.errors.UnimplementedError), match=message):
        fn(x, p)
    model = convert_fn(fn, ((None,) * len(shape), tf.float32), ((None, 2), tf.int32))
    with pytest.raises(RuntimeError, match=f"MirrorPadGrad: .*{message}"):
        run_tflite(model, [x, p], runtime)
