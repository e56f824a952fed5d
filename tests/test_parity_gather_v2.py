"""GatherV2 (tf.gather) where the converter leaves it custom (the dtypes the builtin GATHER
lacks: float64, as in stft's framing on float64 audio, half, bfloat16, complex64, complex128,
uint16, uint32): TFLite kernel vs TF's own kernel, axes (negative too), batch_dims (negative
too), int32 and int64 indices, indices of rank 0..2, empty tensors, dynamic shapes, indices
fed at run time, and TF's errors."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import RUNTIMES, convert_fn
from opbridge import tflite_model
from opbridge.testing import assert_parity, run_tflite

GATHERS = [  # (indices, axis, batch_dims) on params [4, 5, 3]
    ([2, 0, 3, 3], 0, 0),
    (1, 0, 0),
    ([[4, 0], [1, 1], [2, 3]], 1, 0),
    ([0, 2, 1, 0, 2], -1, 0),
    ([[1, 4], [0, 0], [3, 2], [4, 4]], 1, 1),
    ([[2], [0], [1], [2]], -1, -1),
    (np.zeros((0,), np.int32), 1, 0),
]


# Every dtype the converter leaves GatherV2 custom for (TF 2.21, measured); the others go to the builtin.
DTYPE_CASES = [
    (np.float64, np.int32),
    (np.float64, np.int64),
    (np.float16, np.int32),
    (np.complex64, np.int64),
    (np.complex128, np.int32),
    (np.uint16, np.int32),
    (np.uint32, np.int64),
]


def values(rng, dtype, shape):
    x = rng.standard_normal(shape) * 100
    if np.issubdtype(dtype, np.complexfloating):
        x = x + 1j * rng.standard_normal(shape)
    if np.issubdtype(dtype, np.integer):
        x = np.abs(x)
    return x.astype(dtype)


@pytest.mark.parametrize(
    ("dtype", "index_dtype"),
    DTYPE_CASES,
    ids=[f"{np.dtype(d).name}-{np.dtype(i).name}" for d, i in DTYPE_CASES],
)
def test_gathers_dynamic_shapes(tf, rng, dtype, index_dtype):
    x = values(rng, dtype, (4, 5, 3))

    def fn(p):
        return {
            f"g{i}": tf.gather(p, np.asarray(idx, index_dtype), axis=axis, batch_dims=b)
            for i, (idx, axis, b) in enumerate(GATHERS)
        }

    f = tf.function(
        fn, input_signature=[tf.TensorSpec([None, None, None], tf.as_dtype(dtype), name="input_0")]
    )
    report = assert_parity(f, [x], rtol=0, atol=0, runtimes=RUNTIMES)
    assert tflite_model.custom_op_counts(report.model) == {"GatherV2": len(GATHERS)}


def test_bfloat16_between_casts(tf, rng):
    """bfloat16 cannot be a model input; a gather between casts keeps a bfloat16 GatherV2."""
    x = (np.arange(60, dtype=np.float32).reshape(4, 5, 3) - 30) / 4  # exact in bfloat16

    def fn(v):
        b = tf.cast(v, tf.bfloat16)
        return {
            f"g{i}": tf.cast(tf.gather(b, idx, axis=a, batch_dims=bd), tf.float32)
            for i, (idx, a, bd) in enumerate(GATHERS)
        }

    f = tf.function(fn, input_signature=[tf.TensorSpec([None, None, None], tf.float32, name="input_0")])
    report = assert_parity(f, [x], rtol=0, atol=0, runtimes=RUNTIMES)
    assert tflite_model.custom_op_counts(report.model) == {"GatherV2": len(GATHERS)}


def test_indices_fed_at_run_time_and_empty_params(tf, rng):
    f = tf.function(
        lambda p, i: tf.gather(p, i, axis=1),
        input_signature=[tf.TensorSpec([None, None], tf.float64), tf.TensorSpec([None], tf.int64)],
    )
    cases = [
        (rng.standard_normal((3, 6)), np.array([5, 0, 5, 2], np.int64)),
        (rng.standard_normal((0, 6)), np.array([1, 2], np.int64)),
        (rng.standard_normal((3, 0)), np.zeros(0, np.int64)),
        (np.array([[np.nan, -0.0, np.inf]]), np.array([2, 1, 0], np.int64)),
    ]
    report = assert_parity(f, list(cases[0]), rtol=0, atol=0, runtimes=RUNTIMES)
    assert tflite_model.custom_op_counts(report.model) == {"GatherV2": 1}
    for p, i in cases[1:]:
        want = f(p, i).numpy()
        for runtime in RUNTIMES:
            (got,) = run_tflite(report.model, [p, i], runtime).values()
            np.testing.assert_array_equal(got, want)
            assert got.shape == want.shape


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_index_out_of_range_as_tf(tf, runtime):
    f = tf.function(
        lambda p, i: tf.gather(p, i),
        input_signature=[tf.TensorSpec([None, None], tf.float64), tf.TensorSpec([None, None], tf.int32)],
    )
    model = convert_fn(lambda p, i: tf.gather(p, i), ([None, None], tf.float64), ([None, None], tf.int32))
    assert tflite_model.custom_op_counts(model) == {"GatherV2": 1}
    p = np.ones((5, 2))
    for idx, text in (
        ([[0, 1], [2, 5]], r"indices\[1,1\] = 5 is not in \[0, 5\)"),
        ([[-1]], r"indices\[0,0\] = -1"),
    ):
        i = np.array(idx, np.int32)
        with pytest.raises(tf.errors.InvalidArgumentError, match=text):
            f(p, i)
        with pytest.raises(RuntimeError, match="GatherV2: " + text):
            run_tflite(model, [p, i], runtime)
    with pytest.raises(RuntimeError, match=r"GatherV2: indices\[0,0\] = 0 is not in \[0, 0\)"):
        run_tflite(model, [np.ones((0, 2)), np.zeros((1, 1), np.int32)], runtime)
