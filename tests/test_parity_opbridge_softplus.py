"""Opbridge>Softplus: float32 tf.math.softplus without the converter's overflow.

The converter lowers float32 Softplus into LOG(ADD(EXP(x), 1)): inf from x = 89 on (TF: x),
0 below x = -17 (TF: exp(x)), so tf.math.softplus, Keras' softplus and tf.math.log_sigmoid
come out inf or 0 there (tensorflow issues 60892, 120300). opbridge.convert substitutes
Opbridge>Softplus for TF's float32 Softplus; the tests show the stock model's numbers,
then ours equal to TF's bit for bit in both runtimes."""

from __future__ import annotations

import numpy as np
import pytest

import opbridge
from conftest import RUNTIMES
from opbridge import tflite_model


def hard_inputs(rng: np.random.Generator, n: int) -> np.ndarray:
    info = np.finfo(np.float32)
    edges = [0.0, -0.0, 13.9, 13.95, -13.9, -13.95, 17.0, -17.0, -20.0, 20.0, 88.0, 89.0, 95.0]
    edges += [150.0, 500.0, -88.0, -104.0, -120.0, float(info.max), -float(info.max), float(info.tiny)]
    edges += [float(info.smallest_subnormal), np.inf, -np.inf, np.nan]
    spread = rng.uniform(-30, 30, n - len(edges))  # packets and the scalar tail (n % 8)
    return np.concatenate([edges, spread]).astype(np.float32)


def run_by_index(model: bytes, x: np.ndarray, runtime: str) -> np.ndarray:
    interpreter = opbridge.Interpreter(model_content=model, runtime=runtime)
    (detail,) = interpreter.get_input_details()
    interpreter.resize_tensor_input(detail["index"], x.shape)
    interpreter.allocate_tensors()
    interpreter.set_tensor(detail["index"], x)
    interpreter.invoke()
    return interpreter.get_tensor(interpreter.get_output_details()[0]["index"])


def functions(tf):
    import keras

    return {
        "tf.math.softplus": tf.math.softplus,
        "keras softplus": keras.activations.softplus,
        "tf.math.log_sigmoid": tf.math.log_sigmoid,
    }


@pytest.mark.parametrize("name", ["tf.math.softplus", "keras softplus", "tf.math.log_sigmoid"])
def test_softplus_keeps_tf_values_where_the_builtins_overflow(tf, rng, name):
    fn = tf.function(functions(tf)[name], input_signature=[tf.TensorSpec([None], tf.float32)])
    x = hard_inputs(rng, 203)
    want = fn(x).numpy()
    stock_converter = tf.lite.TFLiteConverter.from_concrete_functions([fn.get_concrete_function()], fn)
    stock = run_by_index(stock_converter.convert(), x, "litert")
    # The need: the stock model is inf (or 0) where TF is finite (or tiny).
    assert not np.array_equal(stock, want, equal_nan=True)
    model = opbridge.convert(fn)
    assert tflite_model.custom_op_counts(model) == {"Opbridge>Softplus": 1}
    for runtime in RUNTIMES:
        got = run_by_index(model, x, runtime)
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want, err_msg=runtime)


def test_shapes_and_empty(tf, rng):
    fn = tf.function(tf.math.softplus, input_signature=[tf.TensorSpec([None, None, None], tf.float32)])
    model = opbridge.convert(fn)
    for shape in [(0, 3, 2), (3, 0, 1), (1, 1, 1), (2, 3, 501)]:
        x = rng.uniform(-40, 100, shape).astype(np.float32)
        want = fn(x).numpy()
        for runtime in RUNTIMES:
            got = run_by_index(model, x, runtime)
            assert got.shape == shape
            np.testing.assert_array_equal(got, want, err_msg=f"{runtime} {shape}")


def test_other_dtypes_stay_tf_softplus(tf):
    fn = tf.function(tf.math.softplus, input_signature=[tf.TensorSpec([None], tf.float64)])
    assert tflite_model.custom_op_counts(opbridge.convert(fn)) == {"Softplus": 1}
