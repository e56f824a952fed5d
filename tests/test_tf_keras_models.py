"""tf_keras (Keras 2) models, from the rows of tools/census_keras.py --legacy
(docs/models-tf-keras.md) that need opbridge: each model converted by
opbridge.convert, run in both runtimes with its inputs fed by index, and compared
with the tf_keras model in TF; where the stock converter converts it too, the two
models must lay out their tensors alike (tests/test_stock_layout.py)."""

from __future__ import annotations

import numpy as np
import tf_keras

import opbridge
from conftest import RUNTIMES
from opbridge.conversion import convert_model
from opbridge.running import run_tflite


def layout(model: bytes) -> list[tuple]:
    interpreter = opbridge.Interpreter(model_content=model)
    return [
        [(d["name"], tuple(d["shape_signature"]), np.dtype(d["dtype"])) for d in details]
        for details in (interpreter.get_input_details(), interpreter.get_output_details())
    ]


def stock(tf, model):
    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    converter.allow_custom_ops = True
    return converter.convert()


def check(tf, model, inputs: list[np.ndarray], stock_converts: bool, rtol: float = 1e-5) -> bytes:
    """opbridge.convert's model against TF in both runtimes (inputs fed by index, in the
    model's input order, which is the tf_keras model's); the stock converter's layout
    where it converts."""
    result = convert_model(model)
    want = tf.nest.flatten(model(inputs if len(inputs) > 1 else inputs[0], training=False))
    want = dict(zip(model.output_names, (np.asarray(w) for w in want), strict=True))
    for runtime in RUNTIMES:
        got = run_tflite(result.model, inputs, runtime)
        assert set(got) == set(want)
        for key, w in want.items():
            np.testing.assert_allclose(got[key], w, rtol=rtol, atol=rtol * np.abs(w).max(), err_msg=key)
    if stock_converts:
        assert layout(result.model) == layout(stock(tf, model))
    return result.model


def test_recurrent_and_3d_pooling_layers_only_opbridge_converts(tf, rng):
    """The census' tf_keras rows the stock converter refuses with builtins (a TensorList loop
    for every RNN layer, MaxPool3D/AvgPool3D), in one model: masked LSTM with its states,
    a reversed GRU, and 3D pooling (Keras 3's rows in test_tensor_list_shape.py cover more
    RNN layers; tf_keras' export traces each layer's calls, seconds per RNN layer). Inputs of batch 3, which
    no trace saw."""
    layers = tf_keras.layers
    seq = tf_keras.Input((6, 4), name="seq")
    vol = tf_keras.Input((4, 4, 4, 2), name="vol")
    lstm, h, c = layers.LSTM(5, return_sequences=True, return_state=True, name="lstm")(
        layers.Masking(0.0)(seq)
    )
    gru = layers.GRU(3, go_backwards=True, name="gru")(seq)
    pooled = layers.Concatenate(name="pooled")(
        [layers.Flatten()(layers.MaxPooling3D(2)(vol)), layers.Flatten()(layers.AveragePooling3D(2)(vol))]
    )
    model = tf_keras.Model([seq, vol], [lstm, h, c, gru, pooled])
    x = rng.standard_normal((3, 6, 4)).astype(np.float32)
    x[0, 4:] = 0.0  # masked steps: the LSTM carries its state over them
    check(tf, model, [x, rng.standard_normal((3, 4, 4, 4, 2)).astype(np.float32)], stock_converts=False)
