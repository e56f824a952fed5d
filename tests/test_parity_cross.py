"""Cross: TFLite kernel vs TF's kernel, bit for bit, for every real dtype TF registers (integers
wrapping on overflow), batched and dynamic shapes, empty batches, and TF's errors (same shapes,
last dim 3, rank >= 1)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from flatbuffers import flexbuffers

from conftest import RUNTIMES, convert_fn
from opbridge import tflite_model
from opbridge.testing import assert_parity, run_tflite

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


def values(rng: np.random.Generator, dtype: Any, shape: tuple[int, ...]) -> np.ndarray:
    """Floats at unit scale; integers over their whole range, so products overflow and wrap."""
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        return rng.integers(info.min, info.max, shape, dtype=dtype, endpoint=True)
    return rng.standard_normal(shape).astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES, ids=name)
def test_every_dtype_static_and_dynamic(tf, rng, dtype):
    a, b = values(rng, dtype, (4, 5, 3)), values(rng, dtype, (4, 5, 3))
    t = tf.as_dtype(dtype)
    for shape in ([4, 5, 3], [None, None, 3], [None, None, None]):
        fn = tf.function(
            tf.linalg.cross,
            input_signature=[tf.TensorSpec(shape, t, name="a"), tf.TensorSpec(shape, t, name="b")],
        )
        report = assert_parity(fn, [a, b], rtol=0, atol=0, runtimes=RUNTIMES)
        assert tflite_model.custom_op_counts(report.model) == {"Cross": 1}


def test_special_values_and_shapes(tf, rng):
    """inf, NaN, signed zeros; one vector, a rank-4 batch and an empty batch through one model."""
    fn = tf.function(
        tf.linalg.cross,
        input_signature=[
            tf.TensorSpec(None, tf.float32, name="a"),
            tf.TensorSpec(None, tf.float32, name="b"),
        ],
    )
    model = convert_fn(fn, (None, tf.float32), (None, tf.float32))
    assert tflite_model.custom_op_counts(model) == {"Cross": 1}
    special = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1.0, -2.5, 3e38], np.float32)
    cases = [
        (special[rng.integers(0, 8, (64, 3))], special[rng.integers(0, 8, (64, 3))]),
        (values(rng, np.float32, (3,)), values(rng, np.float32, (3,))),
        (values(rng, np.float32, (2, 3, 2, 3)), values(rng, np.float32, (2, 3, 2, 3))),
        (np.zeros((0, 3), np.float32), np.zeros((0, 3), np.float32)),
        (np.zeros((2, 0, 3), np.float32), np.zeros((2, 0, 3), np.float32)),
    ]
    for a, b in cases:
        want = fn(a, b).numpy()
        for runtime in RUNTIMES:
            (got,) = run_tflite(model, [a, b], runtime).values()
            np.testing.assert_array_equal(got, want, err_msg=f"{runtime} {a.shape}")


def test_bfloat16_between_casts(tf, rng):
    a, b = values(rng, np.float32, (6, 3)), values(rng, np.float32, (6, 3))

    def fn(x, y):
        return tf.cast(tf.linalg.cross(tf.cast(x, tf.bfloat16), tf.cast(y, tf.bfloat16)), tf.float32)

    f = tf.function(fn, input_signature=[tf.TensorSpec([None, 3], tf.float32)] * 2)
    report = assert_parity(f, [a, b], rtol=0, atol=0, runtimes=RUNTIMES)
    assert tflite_model.custom_op_counts(report.model) == {"Cross": 1}


def test_threads(tf, rng):
    a, b = values(rng, np.float32, (40000, 3)), values(rng, np.float32, (40000, 3))
    model = convert_fn(tf.linalg.cross, ([None, 3], tf.float32), ([None, 3], tf.float32))
    (one,) = run_tflite(model, [a, b], num_threads=1).values()
    (four,) = run_tflite(model, [a, b], num_threads=4).values()
    np.testing.assert_array_equal(one, four)
    np.testing.assert_array_equal(one, tf.linalg.cross(a, b).numpy())


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_errors_as_tf(tf, runtime):
    """No broadcasting (TF requires equal shapes), last dim 3: TF's texts, at run time for dynamic
    shapes and at prepare for a model with bad static shapes."""
    fn = tf.function(
        tf.linalg.cross,
        input_signature=[
            tf.TensorSpec(None, tf.float32, name="a"),
            tf.TensorSpec(None, tf.float32, name="b"),
        ],
    )
    model = convert_fn(fn, (None, tf.float32), (None, tf.float32))
    for a, b, text in [
        (np.ones((2, 3)), np.ones((3, 3)), r"Both inputs must be of same shape: \[2, ?3\] vs. \[3, ?3\]"),
        (np.ones((1, 3)), np.ones((3,)), "Both inputs must be of same shape"),
        (np.ones((2, 4)), np.ones((2, 4)), "Cross-products are only defined for 3-element vectors."),
    ]:
        a, b = a.astype(np.float32), b.astype(np.float32)
        with pytest.raises((tf.errors.InvalidArgumentError, tf.errors.FailedPreconditionError), match=text):
            fn(a, b)
        with pytest.raises(RuntimeError, match=f"Cross.*{text}"):
            run_tflite(model, [a, b], runtime)
    bad = tflite_model.single_custom_op_model(
        "Cross",
        [("a", [2, 4], np.float32), ("b", [2, 4], np.float32)],
        [("product", [2, 4], np.float32)],
        options=flexbuffers.Dumps({"T": 0}),
    )
    with pytest.raises(RuntimeError, match="Cross"):
        run_tflite(bad, [np.ones((2, 4), np.float32)] * 2, runtime)
