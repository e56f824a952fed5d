"""NthElement: TFLite kernel vs TF's kernel, bit for bit, for every real dtype TF registers, n from
0 to the last index, reverse, ties, NaN rows (whatever libstdc++'s nth_element gives TF), rank 1 to 4
and empty batches, n as a run-time input, and TF's errors for n out of range."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from conftest import RUNTIMES, convert_fn
from opbridge import tflite_model
from opbridge.testing import run_tflite

DTYPES = [
    np.float32,
    np.float64,
    np.float16,
    np.int8,
    np.int16,
    np.int32,
    np.int64,
    np.uint8,
    np.uint16,
    np.uint32,
    np.uint64,
]


def name(dtype: Any) -> str:
    return np.dtype(dtype).name


def model_for(tf: Any, dtype: Any, reverse: bool, rank: int = 3) -> tuple[Any, bytes]:
    t = tf.as_dtype(dtype)
    fn = tf.function(
        lambda x, n: tf.raw_ops.NthElement(input=x, n=n, reverse=reverse),
        input_signature=[tf.TensorSpec([None] * rank, t, name="x"), tf.TensorSpec([], tf.int32, name="n")],
    )
    model = convert_fn(fn, ([None] * rank, t), ([], tf.int32))
    assert tflite_model.custom_op_counts(model) == {"NthElement": 1}
    return fn, model


def check(fn: Any, model: bytes, x: np.ndarray, ns: Any) -> None:
    for n in ns:
        want = fn(x, np.int32(n)).numpy()
        for runtime in RUNTIMES:
            (got,) = run_tflite(model, [x, np.int32(n)], runtime).values()
            np.testing.assert_array_equal(got, want, err_msg=f"{runtime} n={n} shape {x.shape}")


@pytest.mark.parametrize("reverse", [False, True], ids=["ascending", "reverse"])
@pytest.mark.parametrize("dtype", DTYPES, ids=name)
def test_every_dtype_every_n(tf, rng, dtype, reverse):
    """Few distinct values, so rows are full of ties; n = 0 .. last."""
    fn, model = model_for(tf, dtype, reverse)
    x = rng.integers(0, 6, (3, 4, 9)).astype(dtype)
    if np.issubdtype(dtype, np.signedinteger) or np.issubdtype(dtype, np.floating):
        x = x - np.array(3, dtype)
    check(fn, model, x, range(9))


@pytest.mark.parametrize("reverse", [False, True], ids=["ascending", "reverse"])
def test_floats_with_nan_inf_and_signed_zeros(tf, rng, reverse):
    fn, model = model_for(tf, np.float32, reverse, rank=2)
    special = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, -1.0], np.float32)
    x = special[rng.integers(0, len(special), (200, 17))]
    check(fn, model, x, [0, 1, 8, 15, 16])
    x = rng.standard_normal((50, 300)).astype(np.float32)  # long rows: introselect's partitioning
    check(fn, model, x, [0, 150, 299])


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=name)
def test_float_rows_short_and_long_give_tfs_bits(tf, rng, dtype):
    """float and double rows without NaN are ranked by counting (up to 24 values) or by radix
    (longer), others by introselect as in TF: every row length around the switch and long ones,
    rows with ties, both zeros, subnormals (zeros to TF's float mode), infinities, and a NaN in
    some rows; the output's bits are TF's (the zeros' signs included)."""
    fn, model = model_for(tf, dtype, False, rank=2)
    tiny = np.finfo(dtype).smallest_subnormal
    special = np.array([0.0, -0.0, tiny, -tiny, 3 * tiny, np.inf, -np.inf], dtype)
    for k in (2, 23, 24, 25, 33, 300, 1000):
        rows = 64
        x = rng.standard_normal((rows, k)).astype(dtype)
        x[: rows // 4] = np.round(x[: rows // 4] * 2) / 2  # ties, zeros of both signs
        picks = rng.random((rows, k)) < 0.3
        x[rows // 4 : rows // 2][picks[rows // 4 : rows // 2]] = special[
            rng.integers(0, len(special), int(picks[rows // 4 : rows // 2].sum()))
        ]
        x[rows // 2 : rows // 2 + 8, rng.integers(0, k, 8)] = np.nan
        x[-8:] = special[rng.integers(0, len(special), (8, k))]  # all special: zero answers
        for n in sorted({0, k // 2, k - 1, int(rng.integers(0, k))}):
            want = fn(x, np.int32(n)).numpy()
            (got,) = run_tflite(model, [x, np.int32(n)]).values()
            bits = np.uint32 if dtype == np.float32 else np.uint64
            np.testing.assert_array_equal(got.view(bits), want.view(bits), err_msg=f"k={k} n={n}")


def test_shapes(tf, rng):
    """Rank 1 (a scalar out), one-element rows, empty batches."""
    for rank, shapes in [(1, [(1,), (7,)]), (2, [(0, 4), (5, 1)]), (4, [(2, 0, 3, 5), (2, 3, 1, 4)])]:
        fn, model = model_for(tf, np.float32, False, rank=rank)
        for shape in shapes:
            check(fn, model, rng.standard_normal(shape).astype(np.float32), [0, shape[-1] - 1])


def test_threads(tf, rng):
    fn, model = model_for(tf, np.float32, True, rank=2)
    x = rng.standard_normal((3000, 64)).astype(np.float32)
    n = np.int32(10)
    (one,) = run_tflite(model, [x, n], num_threads=1).values()
    (four,) = run_tflite(model, [x, n], num_threads=4).values()
    np.testing.assert_array_equal(one, four)
    np.testing.assert_array_equal(one, fn(x, n).numpy())


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_errors_as_tf(tf, runtime):
    """n negative or not below the last dim, a last dim of 0: TF's texts."""
    fn, model = model_for(tf, np.float32, False, rank=2)
    x = np.ones((2, 4), np.float32)
    for arr, n, text in [
        (x, 4, "Input must have last dimension > n = 4"),
        (x, 100, "Input must have last dimension > n = 100"),
        (x, -1, "n must be non-negative but is -1"),
        (np.ones((2, 0), np.float32), 0, "Input must have last dimension > n = 0"),
    ]:
        with pytest.raises(tf.errors.InvalidArgumentError, match=text):
            fn(arr, np.int32(n))
        with pytest.raises(RuntimeError, match=f"NthElement.*{text}"):
            run_tflite(model, [arr, np.int32(n)], runtime)
