"""FusedBatchNormV3 in training mode and FusedBatchNormGradV3 (what tf.nn.fused_batch_norm with
is_training=True and TF-Keras 2's BatchNormalization leave custom in a converted training step;
inference mode lowers to builtins): TFLite kernels vs TF's over shapes (odd, a single element per
channel, an empty batch), exponential_avg_factor, epsilon, NCHW (which the converter transposes),
x in float32, half and bfloat16, and TF's errors.

Agreement: float32 outputs within 1e-5 of each output's scale (max |TF|) and the 16-bit x types
within two of their roundings (opbridge sums in double and rounds once, TF sums in float).
"""

from __future__ import annotations

import ml_dtypes
import numpy as np
import pytest
from flatbuffers import flexbuffers

from conftest import RUNTIMES, convert_fn
from opbridge import tflite_model
from opbridge.testing import run_tflite

TYPES = [np.float32, np.float16, ml_dtypes.bfloat16]


def close(got: np.ndarray, want: np.ndarray, what: str) -> float:
    """Within 1e-5 of the output's scale (float32) or two roundings of the type; NaN as TF."""
    assert got.shape == want.shape and got.dtype == want.dtype, what
    g, e = got.astype(np.float64), want.astype(np.float64)
    np.testing.assert_array_equal(np.isnan(g), np.isnan(e), err_msg=what)
    finite = np.isfinite(e)
    if not finite.any():
        return 0.0
    scale = float(np.max(np.abs(e[finite])))
    rel = 1e-5 if want.dtype == np.float32 else 2 * float(ml_dtypes.finfo(want.dtype).eps)
    err = float(np.max(np.abs(g[finite] - e[finite])))
    assert err <= rel * scale + 1e-30, f"{what}: error {err:.3g} beyond {rel * scale:.3g}"
    return err / scale if scale else 0.0


def train_step(tf, x, dy, scale, offset, mean, var, **attrs):
    with tf.GradientTape() as tape:
        tape.watch([x, scale, offset])
        y, batch_mean, batch_var, *_ = tf.raw_ops.FusedBatchNormV3(
            x=x, scale=scale, offset=offset, mean=mean, variance=var, is_training=True, **attrs
        )
    dx, dscale, doffset = tape.gradient(y, [x, scale, offset], output_gradients=dy)
    return {"y": y, "mean": batch_mean, "var": batch_var, "dx": dx, "dscale": dscale, "doffset": doffset}


@pytest.mark.parametrize("dtype", TYPES, ids=lambda d: np.dtype(d).name)
def test_training_step_is_custom_and_matches_tf(tf, rng, dtype):
    """The forward pass and all three gradients of a training-mode batch norm in a tf.function with
    a dynamic batch: both ops custom, every output as TF, for batches of 2 and 1 (one element per
    channel with 1x1 images: zero variance) and 0 (NaN batch statistics, zero gradients)."""
    t = tf.as_dtype(dtype)
    specs = [((None, 5, 7, 3), t), ((None, 5, 7, 3), t), ((None, 1, 1, 4), t), ((None, 1, 1, 4), t)]
    specs += [((3,), tf.float32)] * 4 + [((4,), tf.float32)] * 4

    def fn(x, dy, x1, dy1, s, o, m, v, s1, o1, m1, v1):
        first = train_step(tf, x, dy, s, o, m, v, epsilon=1e-3)
        second = train_step(tf, x1, dy1, s1, o1, m1, v1, epsilon=0.01, exponential_avg_factor=0.25)
        return {**{f"a_{k}": v for k, v in first.items()}, **{f"b_{k}": v for k, v in second.items()}}

    model = convert_fn(fn, *specs)
    assert tflite_model.custom_op_counts(model) == {"FusedBatchNormV3": 2, "FusedBatchNormGradV3": 2}
    compiled = tf.function(fn)
    worst = 0.0
    for batch in (2, 1, 0):
        feeds = [
            (rng.standard_normal((batch, 5, 7, 3)) * 3 + 1).astype(dtype),
            rng.standard_normal((batch, 5, 7, 3)).astype(dtype),
            rng.standard_normal((batch, 1, 1, 4)).astype(dtype),
            rng.standard_normal((batch, 1, 1, 4)).astype(dtype),
        ]
        feeds += [rng.uniform(0.5, 2, n).astype(np.float32) for n in (3, 3, 3, 3, 4, 4, 4, 4)]
        want = {k: v.numpy() for k, v in compiled(*feeds).items()}
        for runtime in RUNTIMES:
            got = run_tflite(model, feeds, runtime)
            for key, expected in want.items():
                if expected.size == 0:
                    assert got[key].shape == expected.shape, key
                    continue
                worst = max(worst, close(got[key], expected, f"{runtime} batch {batch} {key}"))
    print(f"{np.dtype(dtype).name} worst error / output scale: {worst:.3g}")


def test_nchw_is_transposed_by_the_converter(tf, rng):
    """NCHW: the converter puts transposes around NHWC nodes; the results are TF's."""
    spec = ((None, 3, 4, 6), tf.float32)

    def fn(x, dy, s, o):
        return train_step(tf, x, dy, s, o, tf.zeros([0]), tf.zeros([0]), data_format="NCHW")

    model = convert_fn(fn, spec, spec, ((3,), tf.float32), ((3,), tf.float32))
    assert tflite_model.custom_op_counts(model) == {"FusedBatchNormV3": 1, "FusedBatchNormGradV3": 1}
    feeds = [rng.standard_normal((2, 3, 4, 6)).astype(np.float32) for _ in range(2)]
    feeds += [rng.uniform(0.5, 2, 3).astype(np.float32) for _ in range(2)]
    want = {k: v.numpy() for k, v in tf.function(fn)(*feeds).items()}
    for runtime in RUNTIMES:
        got = run_tflite(model, feeds, runtime)
        for key, expected in want.items():
            close(got[key], expected, f"{runtime} {key}")


@pytest.mark.parametrize("training", [True, False], ids=["training", "inference"])
@pytest.mark.parametrize("layout", ["NHWC", "NCHW", "NDHWC"])
def test_grad_node_options_as_tf(tf, rng, training, layout):
    """FusedBatchNormGradV3 nodes with options the tape path does not reach: is_training=false
    (x_backprop = dy * scale * rsqrt(var + eps)), channels-first and 5-D layouts."""
    shape = {"NHWC": (2, 3, 4, 5), "NCHW": (2, 5, 3, 4), "NDHWC": (2, 2, 3, 2, 5)}[layout]
    x, dy = rng.standard_normal(shape).astype(np.float32), rng.standard_normal(shape).astype(np.float32)
    scale, mean = rng.uniform(0.5, 2, 5).astype(np.float32), rng.standard_normal(5).astype(np.float32)
    var = rng.uniform(0.5, 2, 5).astype(np.float32)
    attrs = {"epsilon": 0.001, "data_format": layout, "is_training": training}
    want = tf.raw_ops.FusedBatchNormGradV3(
        y_backprop=dy,
        x=x,
        scale=scale,
        reserve_space_1=mean,
        reserve_space_2=var,
        reserve_space_3=np.zeros(0, np.float32),
        **attrs,
    )
    model = tflite_model.single_custom_op_model(
        "FusedBatchNormGradV3",
        [(n, shape, np.float32) for n in ("y_backprop", "x")]
        + [(n, [5], np.float32) for n in ("scale", "reserve_space_1", "reserve_space_2")]
        + [("reserve_space_3", [0], np.float32)],
        [("x_backprop", shape, np.float32)]
        + [(n, [5], np.float32) for n in ("scale_backprop", "offset_backprop")]
        + [(n, [0], np.float32) for n in ("reserve_space_4", "reserve_space_5")],
        options=flexbuffers.Dumps({"T": 0, "U": 0, **attrs}),
    )
    for runtime in RUNTIMES:
        got = run_tflite(model, [dy, x, scale, mean, var, np.zeros(0, np.float32)], runtime)
        for k, name in enumerate(["x_backprop", "scale_backprop", "offset_backprop"]):
            close(got[name], want[k].numpy(), f"{runtime} {name}")


GRAD_ERRORS = {
    # name: (shapes of y_backprop, x, scale, reserve_space_1, reserve_space_2; TF's message)
    "x rank": ((3, 4, 2), (3, 4, 2), (2,), (2,), (2,), r"input must be 4( or 5)?-dimensional\[3,4,2\]"),
    "shapes differ": (
        (1, 3, 4, 2),
        (2, 3, 4, 2),
        (2,),
        (2,),
        (2,),
        r"x and y_backprop must have same shape, but x has shape \[2,3,4,2\] and y_backprop has shape "
        r"\[1,3,4,2\]",
    ),
    "scale rank": ((2, 3, 4, 2), (2, 3, 4, 2), (1, 2), (2,), (2,), r"scale must be 1-dimensional\[1,2\]"),
    "mean rank": ((2, 3, 4, 2), (2, 3, 4, 2), (2,), (1, 2), (2,), r"saved mean must be 1-dimensional"),
    "scale size": (
        (2, 3, 4, 2),
        (2, 3, 4, 2),
        (3,),
        (2,),
        (2,),
        r"scale must have the same number of elements as the channels of x, got 3 and 2",
    ),
    "variance size": (
        (2, 3, 4, 2),
        (2, 3, 4, 2),
        (2,),
        (2,),
        (3,),
        r"reserve_space_2 must have the same number",
    ),
}


@pytest.mark.parametrize("name", sorted(GRAD_ERRORS))
def test_grad_errors_as_in_tf(tf, name):
    *shapes, message = GRAD_ERRORS[name]
    arrays = [np.ones(s, np.float32) for s in shapes]
    names = ["y_backprop", "x", "scale", "reserve_space_1", "reserve_space_2"]
    with pytest.raises(tf.errors.InvalidArgumentError, match=message):
        tf.raw_ops.FusedBatchNormGradV3(
            **dict(zip(names, arrays, strict=True)), reserve_space_3=np.zeros(0, np.float32)
        )
    model = tflite_model.single_custom_op_model(
        "FusedBatchNormGradV3",
        [(n, s, np.float32) for n, s in zip(names, shapes, strict=True)]
        + [("reserve_space_3", [0], np.float32)],
        [("x_backprop", shapes[1], np.float32)] + [(f"o{k}", [2], np.float32) for k in range(4)],
        options=flexbuffers.Dumps(
            {"T": 0, "U": 0, "epsilon": 0.001, "data_format": "NHWC", "is_training": True}
        ),
    )
    for runtime in RUNTIMES:
        with pytest.raises(RuntimeError, match="FusedBatchNormGradV3: " + message):
            run_tflite(model, [*arrays, np.zeros(0, np.float32)], runtime)


FORWARD_ERRORS = {
    # name: (extra attrs, shapes of x, scale, offset, mean, variance; TF's message)
    "offset size": (
        {},
        (2, 3, 3, 2),
        (2,),
        (3,),
        (0,),
        (0,),
        r"offset must have the same number of elements",
    ),
    "mean rank": ({}, (2, 3, 3, 2), (2,), (2,), (1, 2), (0,), r"estimated_mean must be 1-dimensional"),
    "averaged mean": (
        {"exponential_avg_factor": 0.5},
        (2, 3, 3, 2),
        (2,),
        (2,),
        (0,),
        (2,),
        r"When exponential_avg_factor != 1, mean must have the same number of elements",
    ),
    "inference variance": (
        {"is_training": False},
        (2, 3, 3, 2),
        (2,),
        (2,),
        (2,),
        (0,),
        r"When is_training=false, variance must have the same number of elements",
    ),
}


@pytest.mark.parametrize("name", sorted(FORWARD_ERRORS))
def test_forward_errors_as_in_tf(tf, name):
    extra, *shapes, message = FORWARD_ERRORS[name]
    arrays = [np.ones(s, np.float32) for s in shapes]
    names = ["x", "scale", "offset", "mean", "variance"]
    attrs = {"is_training": True, **extra}
    with pytest.raises(tf.errors.InvalidArgumentError, match=message):
        tf.raw_ops.FusedBatchNormV3(**dict(zip(names, arrays, strict=True)), **attrs)
    model = tflite_model.single_custom_op_model(
        "FusedBatchNormV3",
        [(n, s, np.float32) for n, s in zip(names, shapes, strict=True)],
        [("y", shapes[0], np.float32)]
        + [(f"o{k}", [2], np.float32) for k in range(4)]
        + [("r3", [0], np.float32)],
        options=flexbuffers.Dumps({"T": 0, "U": 0, "epsilon": 0.001, "data_format": "NHWC", **attrs}),
    )
    for runtime in RUNTIMES:
        with pytest.raises(RuntimeError, match="FusedBatchNormV3: " + message):
            run_tflite(model, arrays, runtime)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_bfloat16_statistics_are_refused_as_in_tf(tf, runtime):
    """FusedBatchNormV3's op admits U = bfloat16 (scale, offset, mean, variance), which the converter
    emits, but no CPU kernel of TF takes it: TF refuses the node, and so does the kernel."""
    bf16 = ml_dtypes.bfloat16
    x, c = np.ones((1, 2, 2, 2), bf16), np.ones(2, bf16)

    def fn(x, scale, offset, mean, variance):
        y, *_ = tf.raw_ops.FusedBatchNormV3(
            x=x, scale=scale, offset=offset, mean=mean, variance=variance, is_training=False
        )
        return {"y": y}

    with pytest.raises(tf.errors.NotFoundError):
        fn(x, c, c, c, c)
    model = convert_fn(fn, *[(a.shape, tf.bfloat16) for a in (x, c, c, c, c)])
    assert tflite_model.custom_op_counts(model) == {"FusedBatchNormV3": 1}
    with pytest.raises(
        RuntimeError, match=r"FusedBatchNormV3: TF has no CPU kernel for U=bfloat16 \(only float\)"
    ):
        run_tflite(model, [x, c, c, c, c], runtime)


def test_cnn_gradients_as_a_train_step_computes_them(tf, rng):
    """Every weight gradient of a small Keras CNN (Conv2D, a fused training-mode batch norm as
    tf.compat.v1.nn.fused_batch_norm makes it, ReLU, DepthwiseConv2D, max and average pooling, a
    strided VALID Conv2D, Dense) and its MSE loss, in a tf.function with a dynamic batch: the
    gradient ops are custom nodes and every gradient is TF's within 1e-5 of its scale (1e-6
    absolute for the conv bias before the batch norm, whose exact gradient is zero)."""
    import keras

    class FusedBatchNorm(keras.layers.Layer):
        def build(self, shape):
            self.gamma = self.add_weight(shape=(shape[-1],), initializer="ones")
            self.beta = self.add_weight(shape=(shape[-1],), initializer="zeros")

        def call(self, x):
            return tf.compat.v1.nn.fused_batch_norm(x, self.gamma, self.beta, epsilon=1e-3, is_training=True)[
                0
            ]

    keras.utils.set_random_seed(0)
    layers = keras.layers
    model = keras.Sequential(
        [
            keras.Input((12, 12, 3)),
            layers.Conv2D(8, 3, padding="same"),
            FusedBatchNorm(),
            layers.ReLU(),
            layers.DepthwiseConv2D(3, padding="same"),
            layers.MaxPooling2D(),
            layers.Conv2D(8, 3, strides=2, padding="valid", activation="relu"),
            layers.AveragePooling2D(2),
            layers.Flatten(),
            layers.Dense(10),
        ]
    )
    weights = list(model.trainable_variables)

    def grads(x, y):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(model(x, training=True) - y))
        return {f"g{i}": g for i, g in enumerate(tape.gradient(loss, weights))} | {"loss": loss}

    converted = convert_fn(grads, ((None, 12, 12, 3), tf.float32), ((None, 10), tf.float32))
    counts = tflite_model.custom_op_counts(converted)
    for op in (
        "Conv2DBackpropFilter",
        "DepthwiseConv2dNativeBackpropInput",
        "DepthwiseConv2dNativeBackpropFilter",
    ):
        assert counts.get(op), op
    for op in ("MaxPoolGrad", "AvgPoolGrad", "FusedBatchNormV3", "FusedBatchNormGradV3"):
        assert counts.get(op) == 1, op
    x = rng.standard_normal((4, 12, 12, 3)).astype(np.float32)
    y = rng.standard_normal((4, 10)).astype(np.float32)
    want = {k: v.numpy() for k, v in tf.function(grads)(x, y).items()}
    for runtime in RUNTIMES:
        got = run_tflite(converted, [x, y], runtime)
        for key, expected in want.items():
            limit = 1e-5 * float(np.max(np.abs(expected))) + 1e-6
            np.testing.assert_allclose(got[key], expected, rtol=0, atol=limit, err_msg=f"{runtime} {key}")
