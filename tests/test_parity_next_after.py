"""NextAfter (tf.math.nextafter): TFLite kernel vs TF's own kernel (std::nextafter),
bit for bit, with broadcasting, signed zeros, infinities, NaN and subnormals."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import RUNTIMES, convert_fn
from opbridge import tflite_model
from opbridge.testing import run_tflite

DTYPES = [np.float32, np.float64]
UINT = {np.float32: np.uint32, np.float64: np.uint64}


def edges(dtype):
    info = np.finfo(dtype)
    tiny = np.array(1, UINT[dtype]).view(dtype)  # smallest subnormal
    vals = [0.0, -0.0, 1.0, -1.0, np.inf, -np.inf, np.nan, -np.nan]
    vals += [info.max, -info.max, info.tiny, -info.tiny]
    vals += [tiny, -tiny, tiny * 3, info.tiny - tiny, 1e-30, 2.5]
    return np.array(vals, dtype)


def assert_same_bits(actual, want, dtype, msg):
    assert actual.shape == want.shape, msg
    np.testing.assert_array_equal(actual.view(UINT[dtype]), want.view(UINT[dtype]), err_msg=msg)


def check(tf, dtype, x1, x2):
    fn = tf.math.nextafter
    tf_dtype = tf.as_dtype(dtype)
    converted = convert_fn(fn, ((None,) * x1.ndim, tf_dtype), ((None,) * x2.ndim, tf_dtype))
    assert tflite_model.custom_op_counts(converted) == {"NextAfter": 1}
    want = fn(tf.constant(x1), tf.constant(x2)).numpy()
    for runtime in RUNTIMES:
        (actual,) = run_tflite(converted, [x1, x2], runtime).values()
        assert_same_bits(actual, want, dtype, f"{x1.shape} {x2.shape} {runtime}")


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_every_pair_of_edge_values(tf, dtype):
    """All pairs of ±0, ±1, ±inf, NaN, ±max, ±smallest normal, subnormals: broadcast
    [n, 1] against [n] gives the n x n table."""
    e = edges(dtype)
    check(tf, dtype, e[:, None], e)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_broadcasting_shapes(tf, rng, dtype):
    def v(*shape):
        x = rng.standard_normal(shape).astype(dtype)
        x.flat[::7] = 0.0
        return x

    for a, b in [((3, 4), (3, 4)), ((2, 3, 4), (4,)), ((), (5, 2)), ((2, 1, 3), (1, 4, 1)), ((0, 3), (3,))]:
        check(tf, dtype, v(*a), v(*b))
    check(tf, dtype, v(2, 1, 3, 1, 2), v(1, 2, 1, 2, 1))  # 5 merged dims, TF's most


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_incompatible_shapes_are_tfs_error(tf, runtime):
    x1, x2 = np.ones((2, 3), np.float32), np.ones((4,), np.float32)
    with pytest.raises(tf.errors.InvalidArgumentError, match="Incompatible shapes"):
        tf.math.nextafter(x1, x2)
    converted = convert_fn(tf.math.nextafter, ((None, None), tf.float32), ((None,), tf.float32))
    with pytest.raises(RuntimeError, match=r"NextAfter: .*(Incompatible shapes|broadcast)"):
        run_tflite(converted, [x1, x2], runtime)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_six_merged_broadcast_dims_are_tfs_error(tf, runtime):
    """TF's BinaryOp broadcasts at most 5 dims after merging; 6 alternating ones it refuses."""
    x1, x2 = np.ones((2, 1, 3, 1, 2, 1), np.float64), np.ones((1, 2, 1, 2, 1, 2), np.float64)
    with pytest.raises(tf.errors.UnimplementedError, match="is not supported yet"):
        tf.math.nextafter(x1, x2)
    converted = convert_fn(tf.math.nextafter, ((None,) * 6, tf.float64), ((None,) * 6, tf.float64))
    with pytest.raises(RuntimeError, match=r"NextAfter: .*is not supported yet"):
        run_tflite(converted, [x1, x2], runtime)
