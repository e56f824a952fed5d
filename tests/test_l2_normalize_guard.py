"""A many-axis L2 normalization converts to TF's numbers (python/opbridge/l2_norm_guard.py).

The stock converter fuses `x * rsqrt(max(sum(square(x), axes), eps))` into the builtin
L2_NORMALIZATION whenever `axes` include the last axis; the builtin normalizes along the
last axis alone, so `tf.math.l2_normalize(x, axis=None)` of a matrix comes out row by
row. The tests show the stock converter's wrong numbers on each model, then
opbridge.convert's TF numbers in both runtimes, and that a last-axis normalization
still becomes the one builtin."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import opbridge
from conftest import RUNTIMES
from opbridge import tflite_model
from opbridge.running import run_tflite

# The builtins' float32 sums (SUM, then RSQRT and MUL) against TF's: a few ulp.
RTOL = 4e-7


def variants(tf: Any, rank: int) -> list[tuple[str, Any, bool]]:
    """(name, function, whether the stock converter's model is wrong) for inputs of `rank`.

    TF 2.21's converter fuses when the axes are every axis or start with the last one
    (measured); the axes that do not are converted right by it, and by us."""

    def l2(axis: Any) -> Any:
        return lambda x: tf.math.l2_normalize(x, axis=axis)

    def eps_added(x: Any) -> Any:
        return x * tf.math.rsqrt(tf.reduce_sum(tf.square(x)) + 1e-12)

    def divided_keepdims(x: Any) -> Any:
        return x / tf.sqrt(tf.maximum(tf.reduce_sum(tf.square(x), axis=[-1, -2], keepdims=True), 1e-12))

    common = [
        ("l2_normalize axis=None", l2(None), True),
        ("l2_normalize axis=[-1, -2]", l2([-1, -2]), True),
        ("rsqrt(sum + eps)", eps_added, True),
        ("x / sqrt(max(sum, eps)), keepdims", divided_keepdims, True),
    ]
    if rank == 2:
        return [*common, ("l2_normalize axis=[0, 1]", l2([0, 1]), True), ("axis=[1, 0]", l2([1, 0]), True)]
    return [
        *common,
        ("l2_normalize axis=(2, 1)", l2((2, 1)), True),
        ("l2_normalize axis=(0, 1, 2)", l2((0, 1, 2)), True),
        ("l2_normalize axis=(1, 2)", l2((1, 2)), False),
        ("l2_normalize axis=(0, 2)", l2((0, 2)), False),
    ]


SHAPES = {"2-D": (3, 5), "3-D": (2, 3, 4)}


def convert(tf: Any, fn: Any, shape: tuple[int, ...], stock: bool) -> bytes:
    f = tf.function(fn, input_signature=[tf.TensorSpec(shape, tf.float32, name="x")])
    if stock:
        converter = tf.lite.TFLiteConverter.from_concrete_functions([f.get_concrete_function()], f)
        return converter.convert()
    return opbridge.convert(f)


@pytest.mark.parametrize("shape", SHAPES.values(), ids=SHAPES.keys())
def test_many_axis_l2_normalization_gives_tf_numbers(tf, shape):
    x = np.random.default_rng(3).standard_normal(shape).astype(np.float32)
    x.flat[0] = 0.0  # a zero element; the eps branch is covered by the zero case below
    for name, fn, stock_wrong in variants(tf, len(shape)):
        want = tf.function(fn)(tf.constant(x)).numpy()
        stock = run_tflite(convert(tf, fn, shape, stock=True), [x], "litert")
        (stock_out,) = stock.values()
        # The need: where the stock converter fuses, its model normalizes over the last axis alone.
        assert stock_wrong != np.allclose(stock_out, want, rtol=1e-3), f"{name} {shape}: stock changed"
        model = convert(tf, fn, shape, stock=False)
        ops = tflite_model.parse(model).op_histogram()
        assert "L2_NORMALIZATION" not in ops, f"{name} {shape}: {ops}"
        for runtime in RUNTIMES:
            (got,) = run_tflite(model, [x], runtime).values()
            np.testing.assert_allclose(got, want, rtol=RTOL, atol=0, err_msg=f"[{runtime}] {name} {shape}")
        zeros = np.zeros(shape, np.float32)  # max(0, eps): TF's 0 * rsqrt(eps) = 0
        (got,) = run_tflite(model, [zeros], "litert").values()
        np.testing.assert_array_equal(got, tf.function(fn)(tf.constant(zeros)).numpy())


def test_last_axis_normalization_stays_one_builtin(tf):
    """The correct fusion is kept: over the last axis alone, L2_NORMALIZATION is TF's answer."""
    shape = (4, 6)
    x = np.random.default_rng(4).standard_normal(shape).astype(np.float32)
    for axis in (-1, 1, [1]):
        fn = lambda t, axis=axis: tf.math.l2_normalize(t, axis=axis)  # noqa: E731
        model = convert(tf, fn, shape, stock=False)
        assert tflite_model.parse(model).op_histogram() == {"L2_NORMALIZATION": 1}, axis
        want = tf.function(fn)(tf.constant(x)).numpy()
        for runtime in RUNTIMES:
            (got,) = run_tflite(model, [x], runtime).values()
            np.testing.assert_allclose(got, want, rtol=RTOL, atol=0, err_msg=f"[{runtime}] axis {axis}")


def test_keras_and_saved_model_sources(tf, tmp_path):
    """The guard runs on every source: a Keras layer and a SavedModel directory."""
    shape = (2, 3, 4)
    x = np.random.default_rng(5).standard_normal(shape).astype(np.float32)

    class Normalize(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec(shape, tf.float32)])
        def __call__(self, t: Any) -> Any:
            return tf.math.l2_normalize(t, axis=[-1, -2])

    module = Normalize()
    tf.saved_model.save(module, str(tmp_path / "sm"))
    want = module(tf.constant(x)).numpy()
    import keras

    inputs = keras.Input(shape[1:], batch_size=shape[0])
    layer = keras.layers.UnitNormalization(axis=[-1, -2])
    keras_model = keras.Model(inputs, layer(inputs))
    keras_want = np.asarray(keras_model(x))
    for source, expected in ((tmp_path / "sm", want), (keras_model, keras_want)):
        model = opbridge.convert(str(source) if isinstance(source, type(tmp_path)) else source)
        assert "L2_NORMALIZATION" not in tflite_model.parse(model).op_histogram()
        for runtime in RUNTIMES:
            (got,) = run_tflite(model, [x], runtime).values()
            np.testing.assert_allclose(got, expected, rtol=RTOL, atol=0, err_msg=f"[{runtime}] {source}")
