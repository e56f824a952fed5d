"""Float constants +-inf keep their value in opbridge.convert's models (conversion.py).

The stock converter's boundary-value pass writes every float constant +-inf as
+-FLT_MAX, and folds `x / 0.0` into `x * (1 / 0.0)` with the same clamp: `x + inf`,
`x / 0.0` and `minimum(x, inf)` come out finite (LiteRT issue 9021; tensorflow issue
124150). Each test runs the stock converter's model to show its numbers differ from
TF's, then opbridge.convert's in both runtimes, which must equal TF's bit for bit
(NaN where TF has NaN)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import opbridge
from conftest import RUNTIMES

INF = np.inf


def assert_same(got: np.ndarray, want: np.ndarray, what: str) -> None:
    assert got.dtype == want.dtype and got.shape == want.shape, what
    np.testing.assert_array_equal(got, want, err_msg=what)


def outputs(model: bytes, inputs: list[np.ndarray], runtime: str) -> list[np.ndarray]:
    # Inputs and outputs by index, as users feed the stock model.
    interpreter = opbridge.Interpreter(model_content=model, runtime=runtime)
    for detail, value in zip(interpreter.get_input_details(), inputs, strict=True):
        interpreter.resize_tensor_input(detail["index"], value.shape)
    interpreter.allocate_tensors()
    for detail, value in zip(interpreter.get_input_details(), inputs, strict=True):
        interpreter.set_tensor(detail["index"], value)
    interpreter.invoke()
    return [interpreter.get_tensor(d["index"]) for d in interpreter.get_output_details()]


def stock(tf: Any, f: Any) -> bytes:
    converter = tf.lite.TFLiteConverter.from_concrete_functions([f.get_concrete_function()], f)
    converter.allow_custom_ops = True  # float64 arithmetic: our kernels run it
    return converter.convert()


def inf_uses(tf: Any) -> Any:
    """What models do with infinities: masks, bounds, initial values, division by a
    constant zero, in float32 and float64."""

    @tf.function(input_signature=[tf.TensorSpec([2, 4], tf.float32), tf.TensorSpec([2, 4], tf.float64)])
    def f(x: Any, y: Any) -> Any:
        mask = tf.constant([[True, False, True, False], [False, False, False, False]])
        masked = tf.where(mask, x, tf.constant(-INF))
        return (
            x + tf.constant([INF, -INF, 1.0, 2.0]),
            x / tf.constant(0.0),
            x / tf.constant([0.0, -0.0, 2.0, 0.0]),
            tf.minimum(x, tf.constant(INF)) * 0.0,
            tf.nn.softmax(x + tf.where(mask, 0.0, -INF)),
            tf.reduce_max(masked, axis=1),
            tf.math.is_inf(masked),
            tf.clip_by_value(x, -INF, 1.5),
            tf.fill([2, 2], -INF) + x[:, :2],
            y * tf.constant(INF, tf.float64),
            y + tf.constant([-INF, INF, 0.5, 0.0], tf.float64),
        )

    return f


def test_infinite_constants_keep_tf_values(tf):
    f = inf_uses(tf)
    x = np.array([[1.5, 0.0, -3.0, 7.25], [-0.0, 2.0, 4.0, -1.0]], np.float32)
    y = np.array([[0.0, -2.0, 3.0, 1e300], [1.0, 0.0, -0.5, 2.0]], np.float64)
    want = [t.numpy() for t in f(x, y)]
    stock_out = outputs(stock(tf, f), [x, y], "litert")
    # The need: the stock model has finite numbers where TF has infinities.
    pairs = enumerate(zip(stock_out, want, strict=True))
    differs = [i for i, (s, w) in pairs if not np.array_equal(s, w, equal_nan=True)]
    assert {0, 1, 2} <= set(differs), differs
    model = opbridge.convert(f)
    for runtime in RUNTIMES:
        got = outputs(model, [x, y], runtime)
        assert len(got) == len(want)
        for i, (g, w) in enumerate(zip(got, want, strict=True)):
            assert_same(g, w, f"output {i}, {runtime}")


@pytest.mark.parametrize("route", ["keras", "saved_model"])
def test_division_by_a_constant_zero_gives_inf(tf, tmp_path, route):
    # LiteRT issue 9021's model: a Keras model dividing by a constant [[0.0]].
    import keras

    class Divide(keras.Model):
        def call(self, x: Any) -> Any:
            return x / tf.constant([[0.0]], tf.float32)

    model = Divide()
    x = np.array([[1.0], [-2.0], [0.0]], np.float32)
    want = model(x).numpy()
    if route == "keras":
        source: Any = model
    else:
        spec = tf.TensorSpec([None, 1], tf.float32)
        module = tf.Module()
        module.f = tf.function(lambda v: model(v), input_signature=[spec])
        tf.saved_model.save(module, str(tmp_path), signatures=module.f)
        source = str(tmp_path)
    converted = opbridge.convert(source)
    for runtime in RUNTIMES:
        (got,) = outputs(converted, [x], runtime)
        assert_same(got.reshape(want.shape), want, runtime)
    assert np.isposinf(want[0, 0]) and np.isneginf(want[1, 0]) and np.isnan(want[2, 0])


def test_quantized_conversion_keeps_the_stock_setting(tf):
    # Quantization takes ranges from constants: there the stock clamp stays, so `x + inf`
    # comes out as x + FLT_MAX (finite) in a dynamic-range model, as from the stock converter.
    spec = [tf.TensorSpec([4], tf.float32)]
    f = tf.function(lambda x: x + tf.constant([INF, -INF, 1.0, 2.0]), input_signature=spec)
    x = np.array([1.0, -2.0, 3.0, 0.5], np.float32)
    (got,) = outputs(opbridge.convert(f, quantize="dynamic"), [x], "litert")
    big = np.finfo(np.float32).max
    np.testing.assert_array_equal(got, np.array([big, -big, 4.0, 2.5], np.float32))
    (float_model,) = outputs(opbridge.convert(f), [x], "litert")
    np.testing.assert_array_equal(float_model, np.array([INF, -INF, 4.0, 2.5], np.float32))
