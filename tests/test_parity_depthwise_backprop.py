"""DepthwiseConv2dNativeBackpropInput and DepthwiseConv2dNativeBackpropFilter (the gradients of a
depthwise convolution, which a converted training step leaves custom): TFLite kernels vs TF's over
strides, paddings (SAME, VALID, EXPLICIT), channel multipliers, odd shapes, an empty batch, NaN and
infinities, thread counts and TF's errors.

Agreement: float32 within 1e-5 of the output's scale (max |TF|), float64 within 1e-10 of it.
half and bfloat16: opbridge sums in float and rounds once, TF sums in the type itself, so the
bound is (gamma_K(T) + gamma_K(float32)) sum|a b| plus one rounding.
"""

from __future__ import annotations

from functools import partial

import ml_dtypes
import numpy as np
import pytest
from flatbuffers import flexbuffers

from conftest import RUNTIMES, convert_fn
from opbridge import tflite_model
from opbridge.testing import run_tflite
from test_parity_conv_2d import assert_within, gamma, values

# (name, KH, KW, stride, padding, explicit_paddings, H, W, C, M)
GEOMETRIES = [
    ("same_3x3", 3, 3, 1, "SAME", [], 9, 11, 3, 1),
    ("same_3x3_mult_2_stride_2", 3, 3, 2, "SAME", [], 8, 7, 3, 2),
    ("valid_2x4_stride_2", 2, 4, 2, "VALID", [], 9, 10, 2, 3),
    ("valid_1x1", 1, 1, 1, "VALID", [], 5, 6, 4, 1),
    ("explicit_3x2", 3, 2, 1, "EXPLICIT", [0, 0, 1, 2, 0, 1, 0, 0], 6, 5, 2, 2),
]


def forward_shape(tf, h, w, kh, kw, stride, padding, pads):
    x = np.zeros((1, h, w, 1), np.float64)
    y = tf.raw_ops.DepthwiseConv2dNative(
        input=x,
        filter=np.zeros((kh, kw, 1, 1)),
        strides=[1, stride, stride, 1],
        padding=padding,
        explicit_paddings=pads,
    )
    return tuple(y.shape[1:3])


def attrs(stride, padding, pads):
    return {"strides": [1, stride, stride, 1], "padding": padding, "explicit_paddings": pads}


def grad_input(tf, sizes, w, dy, stride, padding, pads):
    return tf.raw_ops.DepthwiseConv2dNativeBackpropInput(
        input_sizes=sizes, filter=w, out_backprop=dy, **attrs(stride, padding, pads)
    )


def grad_filter(tf, x, sizes, dy, stride, padding, pads):
    return tf.raw_ops.DepthwiseConv2dNativeBackpropFilter(
        input=x, filter_sizes=sizes, out_backprop=dy, **attrs(stride, padding, pads)
    )


def magnitude(op, tf, a, b, c, geometry) -> np.ndarray:
    """sum|a b| of an op's products: the op on absolute values, in float64."""
    return op(tf, a, b, c, *geometry).numpy()


def limit_for(want: np.ndarray, magnitude, k: int) -> np.ndarray:
    dtype = np.dtype(want.dtype)
    scale = float(np.max(np.abs(want.astype(np.float64)), initial=0.0))
    if dtype == np.float32:
        return np.full(want.shape, 1e-5 * scale)
    if dtype == np.float64:
        return np.full(want.shape, 1e-10 * scale)
    eps = float(ml_dtypes.finfo(dtype).eps)
    return (
        (gamma(k, dtype) + gamma(k, np.float32)) * magnitude() + eps * np.abs(want.astype(np.float64)) + 1e-30
    )


def test_tape_gradients_are_custom_and_match_tf(tf, rng):
    """Both gradients of tf.nn.depthwise_conv2d in a tf.function with a dynamic batch, as a train
    step computes them: one custom node each per layer, float32 within 1e-5 of the output's scale,
    batches of 1, 2 and 0."""
    cases = [g for g in GEOMETRIES if g[4] != "EXPLICIT"]
    filters = {g[0]: tf.constant(values(rng, (g[1], g[2], g[8], g[9]), np.float32)) for g in cases}
    out_shapes = {g[0]: forward_shape(tf, g[6], g[7], *g[1:6]) for g in cases}
    specs = []
    for name, *_, h, w, c, m in cases:
        specs += [((None, h, w, c), tf.float32), ((None, *out_shapes[name], c * m), tf.float32)]

    def fn(*args):
        out = {}
        for k, (name, _, _, stride, padding, *_rest) in enumerate(cases):
            x, dy, w = args[2 * k], args[2 * k + 1], filters[name]
            with tf.GradientTape() as tape:
                tape.watch([x, w])
                y = tf.nn.depthwise_conv2d(x, w, [1, stride, stride, 1], padding)
            out[f"{name}_dx"], out[f"{name}_dw"] = tape.gradient(y, [x, w], output_gradients=dy)
        return out

    model = convert_fn(fn, *specs)
    assert tflite_model.custom_op_counts(model) == {
        "DepthwiseConv2dNativeBackpropInput": len(cases),
        "DepthwiseConv2dNativeBackpropFilter": len(cases),
    }
    compiled = tf.function(fn)
    worst = 0.0
    for batch in (1, 2, 0):
        feeds = []
        for name, *_, h, w, c, m in cases:
            feeds += [
                values(rng, (batch, h, w, c), np.float32),
                values(rng, (batch, *out_shapes[name], c * m), np.float32),
            ]
        want = {k: v.numpy() for k, v in compiled(*feeds).items()}
        for runtime in RUNTIMES:
            got = run_tflite(model, feeds, runtime)
            for key, expected in want.items():
                if expected.size == 0 or batch == 0:
                    assert got[key].shape == expected.shape, key
                    if batch == 0 and key.endswith("_dw"):
                        np.testing.assert_array_equal(got[key], np.zeros_like(expected))
                    continue
                scale = float(np.max(np.abs(expected)))
                assert_within(got[key], expected, np.full(expected.shape, 1e-5 * scale), f"{runtime} {key}")
                worst = max(worst, float(np.max(np.abs(got[key] - expected))) / scale)
    print(f"float32 worst error / output scale: {worst:.3g}")


@pytest.mark.parametrize(
    "dtype", [np.float64, np.float16, ml_dtypes.bfloat16], ids=lambda d: np.dtype(d).name
)
def test_raw_ops_every_geometry_and_type(tf, rng, dtype):
    """Both ops over every geometry (EXPLICIT included), input_sizes from the graph (a dynamic
    output) for the input gradient."""
    out_shapes = {g[0]: forward_shape(tf, g[6], g[7], *g[1:6]) for g in GEOMETRIES}
    filters = {g[0]: values(rng, (g[1], g[2], g[8], g[9]), dtype) for g in GEOMETRIES}
    t = tf.as_dtype(dtype)
    specs = []
    for name, *_, h, w, c, m in GEOMETRIES:
        specs += [((None, h, w, c), t), ((None, *out_shapes[name], c * m), t)]

    def fn(*args):
        out = {}
        for k, (name, kh, kw, stride, padding, pads, h, w, c, m) in enumerate(GEOMETRIES):
            x, dy = args[2 * k], args[2 * k + 1]
            sizes = tf.concat([tf.shape(dy)[:1], [h, w, c]], 0)
            out[f"{name}_dx"] = grad_input(tf, sizes, tf.constant(filters[name]), dy, stride, padding, pads)
            out[f"{name}_dw"] = grad_filter(tf, x, [kh, kw, c, m], dy, stride, padding, pads)
        return out

    model = convert_fn(fn, *specs)
    assert tflite_model.custom_op_counts(model) == {
        "DepthwiseConv2dNativeBackpropInput": len(GEOMETRIES),
        "DepthwiseConv2dNativeBackpropFilter": len(GEOMETRIES),
    }
    compiled = tf.function(fn)
    for batch in (2, 0):
        feeds = []
        for name, *_, h, w, c, m in GEOMETRIES:
            feeds += [
                values(rng, (batch, h, w, c), dtype),
                values(rng, (batch, *out_shapes[name], c * m), dtype),
            ]
        want = {k: v.numpy() for k, v in compiled(*feeds).items()}
        for runtime in RUNTIMES:
            got = run_tflite(model, feeds, runtime)
            for k, (name, kh, kw, stride, padding, pads, *_, m) in enumerate(GEOMETRIES):
                x, dy = feeds[2 * k].astype(np.float64), feeds[2 * k + 1].astype(np.float64)
                geometry = (stride, padding, pads)
                dx, dw = want[f"{name}_dx"], want[f"{name}_dw"]
                if batch == 0:
                    assert got[f"{name}_dx"].shape == dx.shape
                    np.testing.assert_array_equal(got[f"{name}_dw"], np.zeros_like(dw))
                    continue
                w64 = np.abs(filters[name].astype(np.float64))
                dx_mag = partial(magnitude, grad_input, tf, dx.shape, w64, np.abs(dy), geometry)
                dw_mag = partial(magnitude, grad_filter, tf, np.abs(x), dw.shape, np.abs(dy), geometry)
                assert_within(
                    got[f"{name}_dx"], dx, limit_for(dx, dx_mag, kh * kw * m), f"{runtime} {name} dx"
                )
                k_filter = batch * int(np.prod(out_shapes[name]))
                assert_within(got[f"{name}_dw"], dw, limit_for(dw, dw_mag, k_filter), f"{runtime} {name} dw")


def test_dilations_are_ignored_nan_and_threads(tf, rng):
    """TF's CPU kernels read no dilations (any value gives the undilated result): neither do we.
    float64 NaN and infinities as TF (the zero-padded buffers multiply an infinite weight or
    gradient into NaN), and the same bits for any thread count."""
    x, dy = values(rng, (2, 9, 10, 3), np.float64), values(rng, (2, 9, 10, 6), np.float64)
    w = values(rng, (3, 3, 3, 2), np.float64)
    x[0, 2, 2, 1] = np.nan
    w[0, 0, 2, 1] = np.inf
    dy[1, 0, 9, 4] = -np.inf
    kw = {"strides": [1, 1, 1, 1], "padding": "SAME", "dilations": [1, 2, 2, 1]}
    spec = ((None, None, None, None), tf.float64)

    def fn(x, w, dy):
        sizes = tf.shape(x)
        return {
            "dx": tf.raw_ops.DepthwiseConv2dNativeBackpropInput(
                input_sizes=sizes, filter=w, out_backprop=dy, **kw
            ),
            "dw": tf.raw_ops.DepthwiseConv2dNativeBackpropFilter(
                input=x, filter_sizes=tf.shape(w), out_backprop=dy, **kw
            ),
        }

    model = convert_fn(fn, spec, spec, spec)
    want = {k: v.numpy() for k, v in tf.function(fn)(x, w, dy).items()}
    undilated = {"dilations": [1, 1, 1, 1]}
    kw_plain = {**kw, **undilated}
    plain = tf.raw_ops.DepthwiseConv2dNativeBackpropFilter(
        input=x, filter_sizes=w.shape, out_backprop=dy, **kw_plain
    )
    np.testing.assert_array_equal(want["dw"], plain.numpy())
    for key in ("dx", "dw"):
        assert np.isnan(want[key]).any(), key
    for runtime in RUNTIMES:
        got = run_tflite(model, [x, w, dy], runtime)
        for key, expected in want.items():
            scale = float(np.max(np.abs(expected[np.isfinite(expected)])))
            assert_within(got[key], expected, np.full(expected.shape, 1e-10 * scale), f"{runtime} {key}")
    one = run_tflite(model, [x, w, dy], num_threads=1)
    for threads in (2, 3):
        again = run_tflite(model, [x, w, dy], num_threads=threads)
        for key in one:
            np.testing.assert_array_equal(again[key], one[key])


def test_nchw_and_unequal_strides_for_float32(tf, rng):
    """TF's own kernels refuse NCHW and unequal strides; TF's x86 build runs float32 through
    oneDNN, which computes them: so does opbridge (nodes with those options)."""
    x, dy = values(rng, (2, 3, 7, 9), np.float32), values(rng, (2, 6, 4, 3), np.float32)
    w = values(rng, (3, 2, 3, 2), np.float32)
    kw = {"strides": [1, 1, 2, 3], "padding": "SAME", "data_format": "NCHW"}
    want_dx = tf.raw_ops.DepthwiseConv2dNativeBackpropInput(
        input_sizes=x.shape, filter=w, out_backprop=dy, **kw
    )
    want_dw = tf.raw_ops.DepthwiseConv2dNativeBackpropFilter(
        input=x, filter_sizes=w.shape, out_backprop=dy, **kw
    )
    options = {
        "T": 0,
        "strides": kw["strides"],
        "padding": "SAME",
        "data_format": "NCHW",
        "dilations": [1, 1, 1, 1],
    }
    dx_model = tflite_model.single_custom_op_model(
        "DepthwiseConv2dNativeBackpropInput",
        [
            ("input_sizes", [4], np.int32),
            ("filter", w.shape, np.float32),
            ("out_backprop", dy.shape, np.float32),
        ],
        [("output", x.shape, np.float32)],
        options=flexbuffers.Dumps(options),
        constants={"input_sizes": np.asarray(x.shape, np.int32)},
    )
    dw_model = tflite_model.single_custom_op_model(
        "DepthwiseConv2dNativeBackpropFilter",
        [
            ("input", x.shape, np.float32),
            ("filter_sizes", [4], np.int32),
            ("out_backprop", dy.shape, np.float32),
        ],
        [("output", w.shape, np.float32)],
        options=flexbuffers.Dumps(options),
        constants={"filter_sizes": np.asarray(w.shape, np.int32)},
    )
    for runtime in RUNTIMES:
        for model, inputs, want in ((dx_model, [w, dy], want_dx), (dw_model, [x, dy], want_dw)):
            want = want.numpy()
            limit = np.full(want.shape, 1e-5 * np.max(np.abs(want)))
            assert_within(run_tflite(model, inputs, runtime)["output"], want, limit, runtime)


ERRORS = {
    # name: (attrs, input shape, filter shape, out_backprop shape, TF's message), TF in float64
    "NCHW float64": (
        {"data_format": "NCHW"},
        (1, 2, 5, 5),
        (3, 3, 2, 1),
        (1, 2, 5, 5),
        r"Depthwise convolution on CPU is only supported for NHWC format",
    ),
    "unequal strides": (
        {"strides": [1, 1, 2, 1]},
        (1, 5, 5, 2),
        (3, 3, 2, 1),
        (1, 5, 3, 2),
        r"only supports equal length strides in the row and column dimensions",
    ),
    "batch mismatch": (
        {},
        (2, 5, 5, 2),
        (3, 3, 2, 1),
        (1, 5, 5, 2),
        r"input and out_backprop must have the same batch size",
    ),
    "in_depth": (
        {},
        (1, 5, 5, 3),
        (3, 3, 2, 1),
        (1, 5, 5, 2),
        r"input and filter must have the same in_depth",
    ),
    "out_depth": (
        {},
        (1, 5, 5, 2),
        (3, 3, 2, 2),
        (1, 5, 5, 2),
        r"depth_multiplier \* in_depth not equal to out_depth",
    ),
    "rows": (
        {},
        (1, 5, 5, 2),
        (3, 3, 2, 1),
        (1, 4, 5, 2),
        r"Number of rows of out_backprop doesn't match computed",
    ),
}


@pytest.mark.parametrize("op", ["Input", "Filter"])
@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors_as_in_tf(tf, op, name):
    options, x_shape, w_shape, dy_shape, message = ERRORS[name]
    kw = {"strides": [1, 1, 1, 1], "padding": "SAME", **options}
    full = {"explicit_paddings": [], "dilations": [1, 1, 1, 1], "data_format": "NHWC", "T": 10, **kw}
    x, w, dy = np.ones(x_shape), np.ones(w_shape), np.ones(dy_shape)
    label = (
        "DepthwiseConv2DBackprop" + op + ": "
        if name in ("batch mismatch", "in_depth", "out_depth", "rows")
        else ""
    )
    if op == "Input":
        call = partial(
            tf.raw_ops.DepthwiseConv2dNativeBackpropInput,
            input_sizes=x_shape,
            filter=w,
            out_backprop=dy,
            **kw,
        )
        inputs = [
            ("input_sizes", [4], np.int32),
            ("filter", w_shape, np.float64),
            ("out_backprop", dy_shape, np.float64),
        ]
        constants, feeds, out = {"input_sizes": np.asarray(x_shape, np.int32)}, [w, dy], x_shape
    else:
        call = partial(
            tf.raw_ops.DepthwiseConv2dNativeBackpropFilter,
            input=x,
            filter_sizes=w_shape,
            out_backprop=dy,
            **kw,
        )
        inputs = [
            ("input", x_shape, np.float64),
            ("filter_sizes", [4], np.int32),
            ("out_backprop", dy_shape, np.float64),
        ]
        constants, feeds, out = {"filter_sizes": np.asarray(w_shape, np.int32)}, [x, dy], w_shape
    with pytest.raises((tf.errors.InvalidArgumentError, tf.errors.UnimplementedError), match=label + message):
        call()
    model = tflite_model.single_custom_op_model(
        f"DepthwiseConv2dNativeBackprop{op}",
        inputs,
        [("output", out, np.float64)],
        options=flexbuffers.Dumps(full),
        constants=constants,
    )
    for runtime in RUNTIMES:
        with pytest.raises(RuntimeError, match=f"DepthwiseConv2dNativeBackprop{op}: .*{label}{message}"):
            run_tflite(model, feeds, runtime)
