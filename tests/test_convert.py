"""opbridge.convert: every source kind, quantization with custom ops, the coverage check."""

from __future__ import annotations

import numpy as np
import pytest

import opbridge
from opbridge import tflite_model
from opbridge.testing import run_tflite


def exotic(tf):
    """A small block with all three ops: a normal-CDF mask via erf, a 2x2 inverse, a grid sample.
    (x * that mask would be GELU, which the converter fuses into its builtin GELU.)"""

    def block(image, theta):
        gelu = 0.5 * (1.0 + tf.math.erf(image / np.sqrt(2.0).astype(np.float32)))
        inv = tf.linalg.inv(theta)
        grid = tf.tile(tf.reshape(inv, (-1, 1, 2, 2)), (1, 3, 1, 1))
        return opbridge.ops.grid_sample(gelu, grid, padding_mode="border")

    return block


def block_inputs(rng):
    image = rng.standard_normal((2, 6, 6, 3)).astype(np.float32)
    theta = (np.eye(2) * 2 + 0.1 * rng.standard_normal((2, 2, 2))).astype(np.float32)
    return image, theta


def signature(tf):
    return [tf.TensorSpec((2, 6, 6, 3), tf.float32), tf.TensorSpec((2, 2, 2), tf.float32)]


def check_model(model, tf, rng, atol=1e-5):
    assert tflite_model.custom_op_counts(model) == {"Erf": 1, "MatrixInverse": 1, "Opbridge>GridSample": 1}
    image, theta = block_inputs(rng)
    # By name: a SavedModel's or Keras model's input tensors come in the stock
    # converter's order, which is not the model's (docs/design.md).
    (got,) = run_tflite(model, {"image": image, "theta": theta}).values()
    np.testing.assert_allclose(got, exotic(tf)(image, theta).numpy(), rtol=0, atol=atol)


def test_tf_function_with_signature(tf, rng):
    check_model(opbridge.convert(tf.function(exotic(tf), input_signature=signature(tf))), tf, rng)


def test_concrete_function(tf, rng):
    fn = tf.function(exotic(tf)).get_concrete_function(*signature(tf))
    check_model(opbridge.convert(fn), tf, rng)


def test_tf_function_without_signature_is_refused(tf):
    with pytest.raises(TypeError, match="has no input_signature"):
        opbridge.convert(tf.function(exotic(tf)))


def test_not_a_model(tf):
    with pytest.raises(TypeError, match="source must be"):
        opbridge.convert(42)
    with pytest.raises(FileNotFoundError, match=r"not a SavedModel directory, a \.keras or a Keras 2 \.h5"):
        opbridge.convert("/nonexistent/model")


def keras_model(tf):
    import keras

    image = keras.Input((6, 6, 3), batch_size=2, name="image")
    theta = keras.Input((2, 2), batch_size=2, name="theta")
    block = exotic(tf)
    out = keras.layers.Lambda(lambda args: block(*args))([image, theta])
    return keras.Model([image, theta], out)


def test_keras_model(tf, rng):
    check_model(opbridge.convert(keras_model(tf)), tf, rng)


def test_keras_model_with_dict_inputs(tf, rng):
    """keras-hub's backbones take a dict of inputs. The stock converter hands them a
    flat list, which Keras 3 refuses; opbridge exports the model called with its
    dict, and the keys name the signature's inputs."""
    import keras

    ids = keras.Input((None,), dtype="int32", name="token_ids")
    mask = keras.Input((None,), dtype="int32", name="padding_mask")
    hidden = keras.layers.Embedding(10, 4)(ids) * keras.ops.cast(keras.ops.expand_dims(mask, -1), "float32")
    x = opbridge.layers.GridSample()([keras.ops.expand_dims(hidden, 1), keras.ops.zeros((1, 1, 2, 2))])
    model = keras.Model({"token_ids": ids, "padding_mask": mask}, x)
    inputs = {
        "token_ids": rng.integers(0, 10, (1, 5)).astype(np.int32),
        "padding_mask": rng.integers(0, 2, (1, 5)).astype(np.int32),
    }
    # The stock tool on the same model: TF 2.21 cannot export its dict inputs.
    with pytest.raises(Exception, match=r"NoneType|structure of `inputs`"):
        tf.lite.TFLiteConverter.from_keras_model(model).convert()
    converted = opbridge.convert(model)
    assert tflite_model.custom_op_counts(converted) == {"Opbridge>GridSample": 1}
    (got,) = run_tflite(converted, inputs).values()
    np.testing.assert_array_equal(got, model(inputs, training=False).numpy())


def test_saved_model_directory(tf, rng, tmp_path):
    module = tf.Module()
    module.f = tf.function(exotic(tf), input_signature=signature(tf))
    tf.saved_model.save(module, str(tmp_path), signatures=module.f)
    check_model(opbridge.convert(tmp_path), tf, rng)


def test_keras_file_with_opbridge_layer(tf, rng, tmp_path):
    import keras

    image = keras.Input((6, 6, 3), batch_size=1, name="image")
    grid = keras.Input((4, 4, 2), batch_size=1, name="grid")
    out = opbridge.layers.GridSample(mode="nearest")([image, grid])
    path = tmp_path / "model.keras"
    keras.Model([image, grid], out).save(path)
    model = opbridge.convert(path)
    assert tflite_model.custom_op_counts(model) == {"Opbridge>GridSample": 1}
    x = rng.standard_normal((1, 6, 6, 3)).astype(np.float32)
    g = rng.uniform(-1, 1, (1, 4, 4, 2)).astype(np.float32)
    (got,) = run_tflite(model, {"image": x, "grid": g}).values()  # Keras: by name (docs/design.md)
    np.testing.assert_allclose(got, opbridge.ops.grid_sample(x, g, "nearest").numpy(), atol=1e-6)


def test_unknown_converter_option(tf):
    with pytest.raises(TypeError, match="no option 'not_an_option'"):
        opbridge.convert(tf.function(exotic(tf), input_signature=signature(tf)), not_an_option=1)


def test_uncovered_custom_op_is_named_with_its_count(tf):
    """EagerPyFunc (tf.py_function: Python code, which no kernel can run) has no opbridge
    kernel: conversion must say so, not hand back a model. Covered ops in the same model
    (Erf) are not listed."""

    def f(m):
        python_sin = lambda x: tf.py_function(np.sin, [x], tf.float32)  # noqa: E731
        return python_sin(m) + python_sin(2 * m), tf.math.erf(m)

    fn = tf.function(f, input_signature=[tf.TensorSpec((3, 3), tf.float32)])
    with pytest.raises(opbridge.UnsupportedOpsError, match=r"EagerPyFunc \(x2\)") as info:
        opbridge.convert(fn)
    assert info.value.missing == {"EagerPyFunc": 2}


@pytest.mark.parametrize("quantize", ["dynamic", "float16"])
def test_weight_quantization_keeps_custom_ops_float(tf, rng, quantize):
    import keras

    keras.utils.set_random_seed(11)
    image = keras.Input((6, 6, 3), batch_size=1)
    grid = keras.layers.Dense(2)(keras.layers.Dense(32)(image))[:, :4, :4, :]
    out = opbridge.layers.GridSample()([keras.layers.Activation("gelu")(image), keras.activations.tanh(grid)])
    model = keras.Model(image, out)
    tflite = opbridge.convert(model, quantize=quantize)
    assert tflite_model.custom_op_counts(tflite) == {"Opbridge>GridSample": 1}
    x = rng.standard_normal((1, 6, 6, 3)).astype(np.float32)
    (got,) = run_tflite(tflite, [x]).values()
    np.testing.assert_allclose(got, model(x).numpy(), rtol=0, atol=0.05)


def test_int8_quantization_runs_custom_ops_in_calibration(tf, rng):
    import keras

    keras.utils.set_random_seed(7)
    image = keras.Input((8, 8, 3), batch_size=1)
    features = keras.layers.Conv2D(4, 3, padding="same")(image)
    grid = keras.activations.tanh(keras.layers.Conv2D(2, 3, padding="same")(image))
    sampled = opbridge.layers.GridSample(padding_mode="reflection")([features, grid])
    out = keras.layers.Conv2D(2, 1)(keras.layers.Lambda(lambda t: tf.math.erf(t))(sampled))
    model = keras.Model(image, out)
    samples = [rng.standard_normal((1, 8, 8, 3)).astype(np.float32) for _ in range(16)]
    tflite = opbridge.convert(model, quantize="int8", representative_data=samples)
    ops = tflite_model.op_histogram(tflite)
    assert ops["Opbridge>GridSample"] == 1 and ops["Erf"] == 1
    assert ops.get("QUANTIZE", 0) >= 1 and ops.get("DEQUANTIZE", 0) >= 1, ops

    # Inside the int8 model the custom op runs in float on dequantized inputs:
    # it must compute exactly what TF computes from those same inputs.
    (node,) = [u for u in tflite_model.custom_ops(tflite) if u.name == "Opbridge>GridSample"]
    interpreter = opbridge.Interpreter(model_content=tflite, experimental_preserve_all_tensors=True)
    interpreter.allocate_tensors()
    interpreter.set_tensor(interpreter.get_input_details()[0]["index"], samples[0])
    interpreter.invoke()
    node_image, node_grid = (interpreter.get_tensor(i) for i in node.inputs)
    assert node_image.dtype == np.float32 and node_grid.dtype == np.float32
    want_node = opbridge.ops.grid_sample(node_image, node_grid, padding_mode="reflection").numpy()
    np.testing.assert_allclose(interpreter.get_tensor(node.outputs[0]), want_node, rtol=0, atol=1e-6)

    # End to end, int8 noise (about 8% of the signal for this tiny random net) but the same function.
    got = interpreter.get_tensor(interpreter.get_output_details()[0]["index"])
    want = model(samples[0]).numpy()
    assert np.corrcoef(got.ravel(), want.ravel())[0, 1] > 0.97


def test_quantize_argument_errors(tf):
    fn = tf.function(exotic(tf), input_signature=signature(tf))
    with pytest.raises(ValueError, match="quantize must be one of"):
        opbridge.convert(fn, quantize="int4")
    with pytest.raises(ValueError, match="needs representative_data"):
        opbridge.convert(fn, quantize="int8")
