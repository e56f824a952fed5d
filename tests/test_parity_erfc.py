"""Erfc: TFLite kernel vs TF's own kernel, bit for bit (same Eigen erfc, same packet/scalar split)."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import RUNTIMES, convert_fn
from opbridge import tflite_model
from opbridge.testing import run_tflite


def edges(dtype) -> np.ndarray:
    info = np.finfo(dtype)
    values = [
        0.0,
        -0.0,
        0.5,
        -0.5,
        0.9999,
        1.0,
        1.0001,
        -1.0,
        2.0,
        3.9,
        4.0,
        9.0,
        10.0,
        10.5,
        11.0,
        12.0,
        26.0,
        27.5,
        28.0,
        29.0,
        -3.0,
        -11.0,
        -30.0,
        1e-30,
        float(info.tiny),
        float(info.smallest_subnormal),
        float(info.max),
        -float(info.max),
        np.inf,
        -np.inf,
        np.nan,
    ]
    return np.array(values, dtype)


@pytest.fixture(scope="module")
def models(tf) -> dict:
    out = {}
    for dtype in (np.float32, np.float64, np.float16):
        fn = tf.function(tf.math.erfc, input_signature=[tf.TensorSpec([None], tf.as_dtype(dtype))])
        model = convert_fn(fn, ((None,), tf.as_dtype(dtype)))
        assert tflite_model.custom_op_counts(model) == {"Erfc": 1}
        out[dtype] = (fn, model)
    return out


def assert_bits(expected: np.ndarray, got: np.ndarray, what: str) -> None:
    bits = {2: np.uint16, 4: np.uint32, 8: np.uint64}[expected.dtype.itemsize]
    same = (np.isnan(expected) & np.isnan(got)) | (expected.view(bits) == got.view(bits))
    if not same.all():
        i = np.flatnonzero(~same)[0]
        raise AssertionError(
            f"{what}: {int((~same).sum())} differ, first at {i}: tf={expected[i]!r} tflite={got[i]!r}"
        )


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16], ids=["float32", "float64", "float16"])
def test_erfc_bit_exact(tf, rng, models, dtype):
    fn, model = models[dtype]
    wide = rng.uniform(-6, 12 if dtype != np.float16 else 6, 997)
    # 1028 elements: the last 4 take TF's scalar path (exp from the C library), the rest its packets.
    inputs = [edges(dtype), np.concatenate([edges(dtype), wide]).astype(dtype)]
    inputs += [rng.uniform(-4, 4, n).astype(dtype) for n in (0, 1, 3, 4, 5, 8, 9, 17)]
    for x in inputs:
        expected = fn(x).numpy()
        for runtime in RUNTIMES:
            (got,) = run_tflite(model, [x], runtime).values()
            assert_bits(expected, got, f"erfc {dtype.__name__} n={x.size} [{runtime}]")


def test_erfc_is_left_by_exact_gelu_gradient(tf, rng):
    """Keras' exact gelu differentiates through erfc: a train step keeps a CUSTOM Erfc."""
    import keras

    def fn(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = keras.activations.gelu(x, approximate=False)
        return tape.gradient(y, x)

    fn = tf.function(fn, input_signature=[tf.TensorSpec([None, None])])
    model = convert_fn(fn, ((None, None), tf.float32))
    assert tflite_model.custom_op_counts(model).get("Erfc") == 1
    x = (rng.standard_normal((5, 13)) * 3).astype(np.float32)
    expected = fn(x).numpy()
    for runtime in RUNTIMES:
        (got,) = run_tflite(model, [x], runtime).values()
        np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-7)


def test_erfc_threads_do_not_change_bits(tf, rng, models):
    fn, model = models[np.float32]
    x = rng.uniform(-5, 5, 64 * 1024 + 3).astype(np.float32)
    one = run_tflite(model, [x], num_threads=1)
    four = run_tflite(model, [x], num_threads=4)
    (a,), (b,) = one.values(), four.values()
    np.testing.assert_array_equal(a, b)
    assert_bits(fn(x).numpy(), a, "erfc threads")


def test_erfc_bfloat16_inside_a_model(tf, rng):
    """bfloat16 cannot be a model input; after a cast it stays CUSTOM Erfc and matches TF."""

    def fn(x):
        return tf.cast(tf.math.erfc(tf.cast(x, tf.bfloat16)), tf.float32)

    fn = tf.function(fn, input_signature=[tf.TensorSpec([None])])
    model = convert_fn(fn, ((None,), tf.float32))
    assert tflite_model.custom_op_counts(model).get("Erfc") == 1
    x = np.concatenate([edges(np.float32), rng.uniform(-5, 5, 100)]).astype(np.float32)
    expected = fn(x).numpy()
    for runtime in RUNTIMES:
        (got,) = run_tflite(model, [x], runtime).values()
        assert_bits(expected, got, f"erfc bfloat16 [{runtime}]")
