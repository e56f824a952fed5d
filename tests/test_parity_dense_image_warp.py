"""Opbridge>DenseImageWarp (TF op, TFLite kernel, gradients, Keras layer) against TF Addons'
dense_image_warp rebuilt from TF ops, and the converter's "addons:DenseImageWarp" composite
(custom op DenseImageWarp) running in TFLite."""

from __future__ import annotations

import numpy as np
import pytest

import opbridge
from conftest import RUNTIMES
from opbridge import tflite_model
from opbridge.testing import assert_parity, run_tflite

TOLERANCE = {np.float32: 1e-6, np.float64: 1e-12}
# image [B, H, W, C]; H, W >= 2. Includes the smallest image, an empty batch and no channels.
SHAPES = [(1, 2, 2, 1), (2, 5, 7, 3), (1, 16, 9, 4), (0, 4, 4, 2), (2, 3, 4, 0)]


def tfa_dense_image_warp(tf, image, flow):
    """TF Addons' dense_image_warp / interpolate_bilinear (indexing "ij") in TF ops: the reference."""
    image = tf.convert_to_tensor(image)
    flow = tf.convert_to_tensor(flow)
    batch, height, width, channels = (tf.shape(image)[i] for i in range(4))
    grid_x, grid_y = tf.meshgrid(tf.range(width), tf.range(height))
    grid = tf.cast(tf.stack([grid_y, grid_x], axis=2), flow.dtype)[None]
    queries = tf.reshape(grid - flow, [batch, height * width, 2])
    alphas, floors, ceils = [], [], []
    for axis, size in enumerate([height, width]):
        q = queries[:, :, axis]
        floor = tf.minimum(tf.maximum(tf.constant(0, flow.dtype), tf.floor(q)), tf.cast(size - 2, flow.dtype))
        int_floor = tf.cast(floor, tf.int32)
        floors.append(int_floor)
        ceils.append(int_floor + 1)
        alpha = tf.cast(q - floor, image.dtype)
        alpha = tf.minimum(tf.maximum(tf.constant(0, image.dtype), alpha), tf.constant(1, image.dtype))
        alphas.append(alpha[:, :, None])
    flat = tf.reshape(image, [batch * height * width, channels])
    offsets = tf.reshape(tf.range(batch) * height * width, [batch, 1])

    def gather(y, x):
        return tf.reshape(tf.gather(flat, offsets + y * width + x), [batch, height * width, channels])

    top_left, top_right = gather(floors[0], floors[1]), gather(floors[0], ceils[1])
    bottom_left, bottom_right = gather(ceils[0], floors[1]), gather(ceils[0], ceils[1])
    top = alphas[1] * (top_right - top_left) + top_left
    bottom = alphas[1] * (bottom_right - bottom_left) + bottom_left
    return tf.reshape(alphas[0] * (bottom - top) + top, [batch, height, width, channels])


def make_inputs(rng, shape, dtype, spread=2.5):
    image = rng.standard_normal(shape).astype(dtype)
    flow = rng.uniform(-spread, spread, (*shape[:3], 2)).astype(dtype)
    return image, flow


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_tf_op_matches_tf_addons(tf, rng, dtype):
    for shape in SHAPES:
        for spread in (0.5, 2.5, 50.0):  # inside, near and far outside the image (edge clamping)
            image, flow = make_inputs(rng, shape, dtype, spread)
            flow.flat[::7] = np.round(flow.flat[::7])  # exact pixel positions: alpha 0 or 1
            got = opbridge.ops.dense_image_warp(image, flow).numpy()
            want = tfa_dense_image_warp(tf, image, flow).numpy()
            np.testing.assert_allclose(got, want, rtol=0, atol=TOLERANCE[dtype])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_tflite_matches_tf(tf, rng, dtype):
    inputs = []
    for shape in SHAPES:
        inputs += make_inputs(rng, shape, dtype)

    def fn(*args):
        return [opbridge.ops.dense_image_warp(args[i], args[i + 1]) for i in range(0, len(args), 2)]

    report = assert_parity(fn, inputs, rtol=0, atol=TOLERANCE[dtype], runtimes=RUNTIMES)
    assert tflite_model.custom_op_counts(report.model) == {"Opbridge>DenseImageWarp": len(SHAPES)}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_gradients_match_tf_addons_autodiff(tf, rng, dtype):
    for shape in [(1, 2, 2, 1), (2, 5, 7, 3), (1, 9, 6, 2)]:
        image, flow = make_inputs(rng, shape, dtype)
        flow[0, 0, 0] = [0.0, 0.0]  # alpha exactly 0: TF's min/max rule gives no flow gradient
        flow[0, 1, 1] = [-40.0, 30.0]  # clamped far outside
        weights = rng.standard_normal(shape).astype(dtype)
        grads = []
        for fn in (opbridge.ops.dense_image_warp, lambda i, f: tfa_dense_image_warp(tf, i, f)):
            image_t, flow_t = tf.constant(image), tf.constant(flow)
            with tf.GradientTape() as tape:
                tape.watch([image_t, flow_t])
                loss = tf.reduce_sum(fn(image_t, flow_t) * weights)
            grads.append([g.numpy() for g in tape.gradient(loss, [image_t, flow_t])])
        for got, want in zip(grads[0], grads[1], strict=True):
            np.testing.assert_allclose(got, want, rtol=1e-5 if dtype == np.float32 else 1e-11, atol=1e-5)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_nan_flow_is_an_error_as_in_tf_addons(tf, rng, runtime):
    image, flow = make_inputs(rng, (1, 4, 5, 2), np.float32)
    flow[0, 2, 3, 1] = np.nan
    with pytest.raises(tf.errors.InvalidArgumentError):
        tfa_dense_image_warp(tf, image, flow)
    with pytest.raises(
        tf.errors.InvalidArgumentError, match=r"Opbridge>DenseImageWarp: flow\[0, 2, 3, 1\] is NaN"
    ):
        opbridge.ops.dense_image_warp(image, flow)
    fn = tf.function(opbridge.ops.dense_image_warp).get_concrete_function(
        tf.TensorSpec(image.shape, tf.float32), tf.TensorSpec(flow.shape, tf.float32)
    )
    with pytest.raises(RuntimeError, match=r"Opbridge>DenseImageWarp: flow\[0, 2, 3, 1\] is NaN"):
        run_tflite(opbridge.convert(fn), {"image": image, "flow": flow}, runtime)


def test_shape_errors_name_the_op(tf, rng):
    image, flow = make_inputs(rng, (1, 1, 5, 2), np.float32)
    with pytest.raises(
        tf.errors.InvalidArgumentError, match="DenseImageWarp: Grid height must be at least 2"
    ):
        opbridge.ops.dense_image_warp(image, flow)
    image, flow = make_inputs(rng, (1, 4, 5, 2), np.float32)
    with pytest.raises(tf.errors.InvalidArgumentError, match="input 'flow' must have 2 channels"):
        opbridge.ops.dense_image_warp(image, np.zeros((1, 4, 5, 3), np.float32))
    with pytest.raises(tf.errors.InvalidArgumentError, match="must match input 'image'"):
        opbridge.ops.dense_image_warp(image, np.zeros((1, 4, 6, 2), np.float32))
    model = tflite_model.single_custom_op_model(
        "DenseImageWarp",
        [("image", [1, 4, 1, 3], np.float32), ("flow", [1, 4, 1, 2], np.float32)],
        [("output", [1, 4, 1, 3], np.float32)],
    )
    with pytest.raises(RuntimeError, match="DenseImageWarp: Grid width must be at least 2"):
        run_tflite(model, {"image": np.zeros((1, 4, 1, 3)), "flow": np.zeros((1, 4, 1, 2))})


def annotated_warp(tf):
    """What TF Addons' dense_image_warp_annotated declares: the converter fuses it whole."""
    return tf.function(experimental_implements="addons:DenseImageWarp")(
        lambda image, flow: tfa_dense_image_warp(tf, image, flow)
    )


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_tf_addons_composite_runs_in_tflite(tf, rng, runtime):
    warp = annotated_warp(tf)
    fn = tf.function(
        lambda image, flow: warp(image, flow),
        input_signature=[
            tf.TensorSpec([None, None, None, 3], tf.float32),
            tf.TensorSpec([None, None, None, 2]),
        ],
    )
    model = opbridge.convert(fn)
    (use,) = tflite_model.custom_ops(model)
    assert (use.name, use.options) == ("DenseImageWarp", b"")
    for shape in [(1, 8, 8, 3), (3, 5, 11, 3), (2, 2, 2, 3)]:
        image, flow = make_inputs(rng, shape, np.float32)
        got = run_tflite(model, {"image": image, "flow": flow}, runtime)["output_0"]
        np.testing.assert_allclose(got, fn(image, flow).numpy(), rtol=0, atol=1e-6)


def test_keras_layer_converts_and_round_trips(tf, rng, tmp_path):
    import keras

    image_in = keras.Input((6, 7, 3), name="image")
    flow_in = keras.Input((6, 7, 2), name="flow")
    warped = opbridge.layers.DenseImageWarp()([image_in, flow_in])
    model = keras.Model([image_in, flow_in], keras.layers.Conv2D(2, 3, padding="same")(warped))
    image, flow = make_inputs(rng, (2, 6, 7, 3), np.float32)
    want = model([image, flow]).numpy()
    path = tmp_path / "warp.keras"
    model.save(path)
    np.testing.assert_allclose(keras.models.load_model(path)([image, flow]).numpy(), want, atol=1e-6)
    tflite = opbridge.convert(model)
    assert tflite_model.custom_op_counts(tflite) == {"Opbridge>DenseImageWarp": 1}
    (got,) = run_tflite(tflite, {"image": image, "flow": flow}).values()  # Keras: by name
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-5)
