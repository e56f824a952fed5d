"""BroadcastGradientArgs: TFLite kernel vs TF's own kernel (tensorflow/core/util/bcast.h)."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import RUNTIMES, convert_fn
from opbridge import tflite_model
from opbridge.testing import run_tflite

SHAPE_PAIRS = [
    ([2, 3], [2, 3]),  # identical: no reduction
    ([], []),
    ([1], [1]),
    ([2, 3], [3]),
    ([3], [2, 3]),
    ([2, 1], [1, 3]),
    ([1, 1], [1]),  # all ones: both reduce
    ([1], [1, 1]),
    ([], [4, 5]),
    ([5, 1, 3], [4, 1]),
    ([1, 2, 1, 3, 1], [2, 1, 3, 1]),
    ([0, 3], [1, 3]),
    ([0], [1]),
    ([7, 1, 1, 1, 1, 1, 1, 1, 2], [9, 1]),  # rank 9: bcast has no rank limit
    ([2, 3], []),
]


def reference(tf, s0: list[int], s1: list[int], dtype) -> tuple[np.ndarray, np.ndarray]:
    # tf.constant with the dtype: eager raw_ops infers int32 from some small int64 arrays.
    r0, r1 = tf.raw_ops.BroadcastGradientArgs(s0=tf.constant(s0, dtype), s1=tf.constant(s1, dtype))
    return r0.numpy(), r1.numpy()


@pytest.fixture(scope="module")
def models(tf) -> dict:
    out = {}
    for dtype in (np.int32, np.int64):
        fn = tf.function(
            lambda a, b: dict(zip(("r0", "r1"), tf.raw_ops.BroadcastGradientArgs(s0=a, s1=b), strict=True)),
            input_signature=[tf.TensorSpec([None], tf.as_dtype(dtype))] * 2,
        )
        model = convert_fn(fn, ((None,), tf.as_dtype(dtype)), ((None,), tf.as_dtype(dtype)))
        assert tflite_model.custom_op_counts(model) == {"BroadcastGradientArgs": 1}
        out[dtype] = model
    return out


@pytest.mark.parametrize("dtype", [np.int32, np.int64], ids=["int32", "int64"])
def test_reduction_axes_match_tf(tf, models, dtype):
    for s0, s1 in SHAPE_PAIRS:
        e0, e1 = reference(tf, s0, s1, dtype)
        for runtime in RUNTIMES:
            got = run_tflite(models[dtype], [np.array(s0, dtype), np.array(s1, dtype)], runtime)
            r0, r1 = got["r0"], got["r1"]
            assert r0.dtype == e0.dtype and r1.dtype == e1.dtype
            np.testing.assert_array_equal(r0, e0, err_msg=f"r0 of {s0} vs {s1} [{runtime}]")
            np.testing.assert_array_equal(r1, e1, err_msg=f"r1 of {s0} vs {s1} [{runtime}]")


def test_random_broadcastable_shapes(tf, models, rng):
    for _ in range(40):
        rank = int(rng.integers(0, 6))
        base = rng.integers(1, 4, rank)
        s = []
        for _side in range(2):
            keep = int(rng.integers(0, rank + 1))
            dims = base[rank - keep :].copy()
            dims[rng.random(keep) < 0.4] = 1
            s.append([int(d) for d in dims])
        e0, e1 = reference(tf, s[0], s[1], np.int32)
        for runtime in RUNTIMES:
            got = run_tflite(models[np.int32], [np.array(s[0], np.int32), np.array(s[1], np.int32)], runtime)
            np.testing.assert_array_equal(got["r0"], e0, err_msg=f"{s}")
            np.testing.assert_array_equal(got["r1"], e1, err_msg=f"{s}")


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_incompatible_shapes_error_as_tf(tf, models, runtime):
    s0, s1 = np.array([2, 3], np.int32), np.array([4], np.int32)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"Incompatible shapes: \[2,3\] vs. \[4\]"):
        reference(tf, [2, 3], [4], np.int32)
    with pytest.raises(RuntimeError, match=r"BroadcastGradientArgs: Incompatible shapes: \[2,3\] vs. \[4\]"):
        run_tflite(models[np.int32], [s0, s1], runtime)


def test_gradient_of_a_broadcasting_op_in_a_train_step(tf, rng):
    """The tape of a broadcasting add with dynamic shapes computes BroadcastGradientArgs."""

    def fn(x, b):
        with tf.GradientTape() as tape:
            tape.watch(b)
            y = tf.reduce_sum(tf.square(x + b))
        return tape.gradient(y, b)

    fn = tf.function(fn, input_signature=[tf.TensorSpec([None, None]), tf.TensorSpec([None])])
    model = convert_fn(fn, ((None, None), tf.float32), ((None,), tf.float32))
    assert tflite_model.custom_op_counts(model).get("BroadcastGradientArgs") == 1
    for x, b in [
        (rng.standard_normal((4, 3)), rng.standard_normal(3)),
        (rng.standard_normal((2, 1)), rng.standard_normal(5)),
    ]:
        x, b = x.astype(np.float32), b.astype(np.float32)
        expected = fn(x, b).numpy()
        for runtime in RUNTIMES:
            (got,) = run_tflite(model, [x, b], runtime).values()
            np.testing.assert_allclose(got, expected, rtol=1e-6, atol=0)
