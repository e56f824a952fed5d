"""Recurrent models with an unknown batch convert and run at any batch
(python/opbridge/tensor_list_shape.py).

Keras 3's recurrent layers collect their steps in a TensorList reserved with element
shape (-1, units); the stock converter refuses it ("requires element_shape to be
static"). opbridge.convert gives the reserve its run-time shape. Each model here is
checked three ways: the stock converter fails on it, opbridge's model runs in both
runtimes at batches 1 and 3 (inputs fed by index, one model resized), and its outputs
are TF's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import opbridge
from conftest import RUNTIMES
from opbridge.running import run_tflite

STEPS, FEATURES = 5, 3
STATIC_ERROR = "requires element_shape to be static"

# name -> (layer on a (batch, STEPS, FEATURES) input, or on (batch, 4, 6, 5, 2) for ConvLSTM2D)
LAYERS: dict[str, Callable[[Any, Any], Any]] = {
    "LSTM-sequences-state": lambda k, x: k.layers.LSTM(6, return_sequences=True, return_state=True)(x),
    "GRU": lambda k, x: k.layers.GRU(6, return_sequences=True)(x),
    "SimpleRNN-backwards": lambda k, x: k.layers.SimpleRNN(4, go_backwards=True)(x),
    "Bidirectional-LSTM": lambda k, x: k.layers.Bidirectional(k.layers.LSTM(4, return_sequences=True))(x),
    "StackedRNNCells": lambda k, x: k.layers.RNN(
        k.layers.StackedRNNCells([k.layers.LSTMCell(4), k.layers.GRUCell(4)])
    )(x),
    "Masking-LSTM": lambda k, x: k.layers.LSTM(4)(k.layers.Masking(0.0)(x)),
    "ConvLSTM2D": lambda k, x: k.layers.ConvLSTM2D(3, 3, padding="same")(x),
}


def _input_shape(name: str) -> tuple[int, ...]:
    return (4, 6, 5, 2) if name == "ConvLSTM2D" else (STEPS, FEATURES)


def _stock_error(tf: Any, source: Any) -> str:
    if hasattr(source, "get_concrete_function"):
        converter = tf.lite.TFLiteConverter.from_concrete_functions([source.get_concrete_function()], source)
    else:  # a Keras model
        converter = tf.lite.TFLiteConverter.from_keras_model(source)
    with pytest.raises(Exception) as failure:
        converter.convert()
    return str(failure.value)


def _assert_tf_numbers(want: list[np.ndarray], got: dict[str, np.ndarray], where: str) -> None:
    """LiteRT's FULLY_CONNECTED and CONV_2D sum in another order than TF's MatMul and
    Conv2D (Eigen): a few float32 roundings per step, carried through the steps."""
    assert [g.shape for g in got.values()] == [w.shape for w in want], where
    for w, g in zip(want, got.values(), strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6, err_msg=where)


@pytest.mark.parametrize("name", list(LAYERS))
def test_keras_recurrent_layer_any_batch(name: str) -> None:
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(7)
    inputs = keras.Input(_input_shape(name))
    outputs = LAYERS[name](keras, inputs)
    model = keras.Model(inputs, outputs)
    assert STATIC_ERROR in _stock_error(tf, model)

    tflite = opbridge.convert(model)
    rng = np.random.default_rng(3)
    for batch in (1, 3):
        x = rng.normal(size=(batch, *_input_shape(name))).astype(np.float32)
        if name == "Masking-LSTM":
            x[:, 1] = 0.0  # a masked step
            x[-1, 3:] = 0.0  # and a sample whose last steps are masked
        want = model(x)
        want = [np.asarray(w) for w in (want if isinstance(want, (list, tuple)) else [want])]
        for runtime in RUNTIMES:
            _assert_tf_numbers(want, run_tflite(tflite, [x], runtime), f"{name} batch {batch} {runtime}")


def _loop(tf: Any, item: Callable[[Any, Any], Any]) -> Any:
    """A hand-written loop over a (batch, STEPS, 4) input: the state h (declared
    (None, 4), starting as (1, 4) and broadcast to the batch at the first step) is
    written to a TensorArray each step; item(h, x_t) is what gets written."""
    weights = tf.constant(np.random.default_rng(0).normal(size=(4, 4)).astype(np.float32))

    @tf.function(input_signature=[tf.TensorSpec([None, STEPS, 4], tf.float32)])
    def loop(x: Any) -> Any:
        steps = tf.TensorArray(tf.float32, size=STEPS)  # element shape unknown: any rank
        h = tf.zeros(tf.stack([1, 4]))
        for t in tf.range(STEPS):
            tf.autograph.experimental.set_loop_options(shape_invariants=[(h, tf.TensorShape([None, 4]))])
            h = tf.tanh(tf.matmul(h, weights) + x[:, t])
            steps = steps.write(t, item(h, x[:, t]))
        return steps.stack()

    return loop


def test_hand_written_loop_with_a_broadcast_state() -> None:
    """The state starts with batch 1 and meets the input's batch in a broadcast: the
    element shape is the broadcast of the two, not either one."""
    import tensorflow as tf

    loop = _loop(tf, lambda h, x_t: h * 2.0 - x_t)
    assert "element_shape" in _stock_error(tf, loop)
    tflite = opbridge.convert(loop)
    for batch in (1, 3):
        x = np.random.default_rng(batch).normal(size=(batch, STEPS, 4)).astype(np.float32)
        for runtime in RUNTIMES:
            got = run_tflite(tflite, [x], runtime)
            _assert_tf_numbers([loop(x).numpy()], got, f"batch {batch} {runtime}")


def test_an_item_whose_shape_cannot_be_followed_keeps_the_stock_error() -> None:
    """A Reshape to (-1, 4) is not followed: the converter's own error stands, unchanged."""
    import tensorflow as tf

    loop = _loop(tf, lambda h, x_t: tf.reshape(h, [-1, 4]))
    stock = _stock_error(tf, loop)
    with pytest.raises(Exception) as failure:
        opbridge.convert(loop)
    assert "element_shape" in stock and "element_shape" in str(failure.value)


def test_scan_and_map_fn_over_unknown_dims() -> None:
    """tf.scan writes its initializer into the list before the loop (the element shape is
    that item's); tf.map_fn over an input whose first two dims are unknown reserves
    (-1, C) per row."""
    import tensorflow as tf

    @tf.function(input_signature=[tf.TensorSpec([None, None, 4], tf.float32)])
    def scan_and_map(x: Any) -> Any:
        scanned = tf.scan(lambda a, e: tf.tanh(a * 0.5 + e), tf.transpose(x, [1, 0, 2]))
        mapped = tf.map_fn(lambda row: tf.nn.softmax(row * 3.0, axis=-1), x)
        return scanned, mapped

    assert "element_shape" in _stock_error(tf, scan_and_map)
    tflite = opbridge.convert(scan_and_map)
    for shape in ((1, 5, 4), (3, 2, 4)):
        x = np.random.default_rng(sum(shape)).normal(size=shape).astype(np.float32)
        want = [w.numpy() for w in scan_and_map(x)]
        for runtime in RUNTIMES:
            _assert_tf_numbers(want, run_tflite(tflite, [x], runtime), f"{shape} {runtime}")


def test_vectorized_map_fallback_loop() -> None:
    """tf.vectorized_map falls back to a loop for zt[k] with k per step: the item's rank is
    unknown to TF (bounds computed per step), its dims come from the slice's masks."""
    import tensorflow as tf

    weights = tf.constant(np.random.default_rng(0).normal(size=(3, 2)).astype(np.float32))

    @tf.function(input_signature=[tf.TensorSpec([None, None, 3], tf.float32)])
    def per_step(x: Any) -> Any:
        steps = tf.transpose(x, [1, 0, 2])
        mapped = tf.vectorized_map(lambda k: tf.matmul(steps[k], weights), tf.range(tf.shape(steps)[0]))
        return tf.transpose(mapped, [1, 0, 2])

    assert "element_shape" in _stock_error(tf, per_step)
    tflite = opbridge.convert(per_step)
    for shape in ((1, 4, 3), (3, 6, 3)):
        x = np.random.default_rng(shape[0]).normal(size=shape).astype(np.float32)
        for runtime in RUNTIMES:
            _assert_tf_numbers([per_step(x).numpy()], run_tflite(tflite, [x], runtime), f"{shape} {runtime}")


@pytest.mark.parametrize("dtype", ["float32", "int16", "uint8", "float64"])
def test_list_writes_in_place_where_litert_can(dtype: str) -> None:
    """A loop's list writes become one DYNAMIC_UPDATE_SLICE each (O(T) copies, not the
    two slices and a concatenation per step of the stock lowering) for the types LiteRT's
    DYNAMIC_UPDATE_SLICE takes; uint8 and float64 lists keep the slices (the in-place
    lowering would leave XlaDynamicUpdateSlice, which nothing runs). Same values either way."""
    import tensorflow as tf

    from opbridge import tflite_model

    tf_dtype = tf.as_dtype(dtype)

    @tf.function(input_signature=[tf.TensorSpec([None, 3], tf_dtype)])
    def reverse_rows(x: Any) -> Any:
        rows = tf.TensorArray(tf_dtype, size=tf.shape(x)[0], element_shape=[3])
        for t in tf.range(tf.shape(x)[0]):
            rows = rows.write(t, x[tf.shape(x)[0] - 1 - t] * tf.cast(2, tf_dtype))
        return rows.stack()

    tflite = opbridge.convert(reverse_rows)
    ops = tflite_model.op_histogram(tflite)
    in_place = dtype in ("float32", "int16")
    assert ("DYNAMIC_UPDATE_SLICE" in ops) == in_place, ops
    assert "XlaDynamicUpdateSlice" not in ops
    x = (np.arange(15).reshape(5, 3) % 7).astype(dtype)
    for runtime in RUNTIMES:
        got = run_tflite(tflite, [x], runtime)
        np.testing.assert_array_equal(next(iter(got.values())), reverse_rows(x).numpy(), err_msg=runtime)


def test_keras_ops_scan_and_map() -> None:
    """keras.ops.scan keeps its carry in a list written before the loop (the element's dims
    are that item's); keras.ops.map maps rows of unknown length."""
    import keras
    from keras import ops

    class ScanAndMap(keras.layers.Layer):
        def call(self, x: Any) -> Any:
            steps = ops.transpose(x, [1, 0, 2])
            _, ys = ops.scan(
                lambda c, e: (ops.tanh(c + e), ops.tanh(c + e) * 2.0), ops.zeros_like(steps[0]), steps
            )
            return ops.transpose(ys, [1, 0, 2]), ops.map(lambda row: ops.softmax(row), x)

    inputs = keras.Input((None, 4))
    model = keras.Model(inputs, ScanAndMap()(inputs))
    tflite = opbridge.convert(model)
    for shape in ((1, 5, 4), (3, 2, 4)):
        x = np.random.default_rng(shape[0]).normal(size=shape).astype(np.float32)
        want = [np.asarray(w) for w in model(x)]
        for runtime in RUNTIMES:
            _assert_tf_numbers(want, run_tflite(tflite, [x], runtime), f"{shape} {runtime}")
