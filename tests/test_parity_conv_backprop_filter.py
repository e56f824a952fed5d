"""Conv2DBackpropFilter (the filter gradient of Conv2D, what a converted training step leaves for
every Conv2D it trains): TFLite kernel vs TF's over strides, paddings (SAME, VALID, EXPLICIT),
dilations and NCHW (float32/bfloat16, which TF's x86 build runs through oneDNN), odd shapes, an
empty batch, thread counts and TF's errors.

Agreement: float32 within 1e-5 of the output's scale (max |TF|), float64 within 1e-10 of it (the
sums run in another order than TF's Eigen contraction). half and bfloat16: opbridge sums in float
and rounds once, TF sums in the type itself, so the bound is (gamma_K(T) + gamma_K(float32))
sum|x dy| plus one rounding, K = N * OH * OW.
"""

from __future__ import annotations

import ml_dtypes
import numpy as np
import pytest
from flatbuffers import flexbuffers

from conftest import RUNTIMES, bfloat16_reference_via_float32, convert_fn, tf_runs_bfloat16_in_onednn
from opbridge import tflite_model
from opbridge.testing import run_tflite
from test_parity_conv_2d import assert_within, gamma, values

# (name, KH, KW, strides, padding, explicit_paddings, dilations, H, W)
GEOMETRIES = [
    ("same_3x3", 3, 3, [1, 1, 1, 1], "SAME", [], [1, 1, 1, 1], 9, 11),
    ("valid_3x3_stride_2", 3, 3, [1, 2, 2, 1], "VALID", [], [1, 1, 1, 1], 9, 8),
    ("same_2x4_stride_2x3", 2, 4, [1, 2, 3, 1], "SAME", [], [1, 1, 1, 1], 7, 10),
    ("valid_1x1", 1, 1, [1, 1, 1, 1], "VALID", [], [1, 1, 1, 1], 5, 6),
    ("explicit_3x2", 3, 2, [1, 2, 1, 1], "EXPLICIT", [0, 0, 1, 2, 0, 1, 0, 0], [1, 1, 1, 1], 6, 5),
]
DILATED = [("same_3x3_dilated_2", 3, 3, [1, 1, 1, 1], "SAME", [], [1, 2, 2, 1], 9, 8)]
C, F = 3, 4
SIXTEEN_BIT = (np.dtype(np.float16), np.dtype(ml_dtypes.bfloat16))


def forward_shape(tf, h, w, kh, kw, strides, padding, pads, dilations):
    x = np.zeros((1, h, w, 1), np.float32)
    y = tf.raw_ops.Conv2D(
        input=x,
        filter=np.zeros((kh, kw, 1, 1), np.float32),
        strides=strides,
        padding=padding,
        explicit_paddings=pads,
        dilations=dilations,
    )
    return tuple(y.shape[1:3])


def backprop(tf, x, dy, kh, kw, strides, padding, pads, dilations, data_format="NHWC"):
    depth = x.shape[1] if data_format == "NCHW" else x.shape[-1]
    out_depth = dy.shape[1] if data_format == "NCHW" else dy.shape[-1]
    return tf.raw_ops.Conv2DBackpropFilter(
        input=x,
        filter_sizes=[kh, kw, depth, out_depth],
        out_backprop=dy,
        strides=strides,
        padding=padding,
        explicit_paddings=pads,
        dilations=dilations,
        data_format=data_format,
    )


def limit_for(tf, x, dy, geometry, want: np.ndarray) -> np.ndarray:
    dtype = np.dtype(want.dtype)
    scale = float(np.max(np.abs(want.astype(np.float64)), initial=0.0))
    if dtype == np.float32:
        return np.full(want.shape, 1e-5 * scale)
    if dtype == np.float64:
        return np.full(want.shape, 1e-10 * scale)
    k = max(1, int(np.prod(dy.shape[:3])))
    # In float32 (TF's float64 kernel refuses dilations): its rounding is far below the bound.
    magnitude = backprop(tf, np.abs(x.astype(np.float32)), np.abs(dy.astype(np.float32)), *geometry).numpy()
    magnitude = magnitude.astype(np.float64) * (1 + 1e-5)
    eps = float(ml_dtypes.finfo(dtype).eps)
    return (
        (gamma(k, dtype) + gamma(k, np.float32)) * magnitude + eps * np.abs(want.astype(np.float64)) + 1e-30
    )


def test_tape_gradient_of_conv2d_is_custom_and_matches_tf(tf, rng):
    """The filter gradient of tf.nn.conv2d in a tf.function with a dynamic batch, as a train step
    computes it: one custom node per convolution, float32 within 1e-5 of the output's scale, for
    batches of 1, 3 and 0 (empty: zeros)."""
    cases = GEOMETRIES + DILATED
    filters = {g[0]: tf.constant(values(rng, (g[1], g[2], C, F), np.float32)) for g in cases}
    out_shapes = {g[0]: forward_shape(tf, g[7], g[8], *g[1:7]) for g in cases}
    specs = []
    for name, *_, h, w in cases:
        specs += [((None, h, w, C), tf.float32), ((None, *out_shapes[name], F), tf.float32)]

    def fn(*args):
        out = {}
        for k, (name, _, _, strides, padding, pads, dilations, _, _) in enumerate(cases):
            x, dy, w = args[2 * k], args[2 * k + 1], filters[name]
            with tf.GradientTape() as tape:
                tape.watch(w)
                pad = [[0, 0], pads[2:4], pads[4:6], [0, 0]] if padding == "EXPLICIT" else padding
                y = tf.nn.conv2d(x, w, strides, pad, dilations=dilations)
            out[name] = tape.gradient(y, w, output_gradients=dy)
        return out

    model = convert_fn(fn, *specs)
    assert tflite_model.custom_op_counts(model) == {"Conv2DBackpropFilter": len(cases)}
    compiled = tf.function(fn)
    worst = 0.0
    for batch in (1, 3, 0):
        feeds = []
        for name, *_, h, w in cases:
            feeds += [
                values(rng, (batch, h, w, C), np.float32),
                values(rng, (batch, *out_shapes[name], F), np.float32),
            ]
        want = {k: v.numpy() for k, v in compiled(*feeds).items()}
        for runtime in RUNTIMES:
            got = run_tflite(model, feeds, runtime)
            for name in filters:
                scale = float(np.max(np.abs(want[name]), initial=0.0))
                if batch == 0:
                    np.testing.assert_array_equal(got[name], np.zeros_like(want[name]))
                    continue
                assert_within(
                    got[name], want[name], np.full(want[name].shape, 1e-5 * scale), f"{runtime} {name}"
                )
                worst = max(worst, float(np.max(np.abs(got[name] - want[name]))) / scale)
    print(f"float32 worst error / output scale: {worst:.3g}")


@pytest.mark.parametrize(
    "dtype", [np.float64, np.float16, ml_dtypes.bfloat16], ids=lambda d: np.dtype(d).name
)
def test_raw_op_every_geometry_and_type(tf, rng, dtype):
    """float64 within 1e-10 of the scale; the 16-bit types within their bound. Dilations only for
    bfloat16 (oneDNN's), as TF's own kernel refuses them."""
    cases = GEOMETRIES + (DILATED if np.dtype(dtype) == ml_dtypes.bfloat16 else [])
    out_shapes = {g[0]: forward_shape(tf, g[7], g[8], *g[1:7]) for g in cases}
    specs = []
    for name, *_, h, w in cases:
        specs += [((None, h, w, C), tf.as_dtype(dtype)), ((None, *out_shapes[name], F), tf.as_dtype(dtype))]

    def fn(*args):
        return {g[0]: backprop(tf, args[2 * k], args[2 * k + 1], *g[1:7]) for k, g in enumerate(cases)}

    model = convert_fn(fn, *specs)
    assert tflite_model.custom_op_counts(model) == {"Conv2DBackpropFilter": len(cases)}
    compiled = tf.function(fn)
    eigen = np.dtype(dtype) == ml_dtypes.bfloat16 and not tf_runs_bfloat16_in_onednn()
    for batch in (2, 0):
        feeds = []
        for name, *_, h, w in cases:
            feeds += [values(rng, (batch, h, w, C), dtype), values(rng, (batch, *out_shapes[name], F), dtype)]
        if not eigen:
            want = {k: v.numpy() for k, v in compiled(*feeds).items()}
        else:  # TF's Eigen kernel refuses dilations: oneDNN's way, float32 rounded once
            want = bfloat16_reference_via_float32(compiled, *feeds)
        for runtime in RUNTIMES:
            got = run_tflite(model, feeds, runtime)
            for k, g in enumerate(cases):
                limit = limit_for(tf, feeds[2 * k], feeds[2 * k + 1], g[1:7], want[g[0]])
                if eigen:  # one bfloat16 rounding of the reference, eps * |reference| (seen: 0)
                    limit = float(ml_dtypes.finfo(dtype).eps) * np.abs(want[g[0]].astype(np.float64)) + 1e-30
                assert_within(got[g[0]], want[g[0]], limit, f"{runtime} {g[0]} batch {batch}")


def test_nchw_float32_as_onednn_runs_it(tf, rng):
    """NCHW: TF's own kernel refuses it, TF's x86 build runs float32 through oneDNN, and so does
    opbridge (a node with NCHW options). The converter itself transposes an NCHW node to NHWC but
    also permutes filter_sizes as if it were an NCHW shape ([3, 2, 3, 4] becomes [3, 3, 4, 2]):
    that model is wrong, and opbridge refuses it naming the depth mismatch."""
    geometry = (3, 2, [1, 1, 2, 1], "SAME", [], [1, 1, 1, 1], "NCHW")
    x, dy = values(rng, (2, C, 7, 9), np.float32), values(rng, (2, F, 4, 9), np.float32)
    want = backprop(tf, x, dy, *geometry).numpy()
    options = {"T": 0, "strides": [1, 1, 2, 1], "data_format": "NCHW"}
    model = single_model(options, x.shape, [3, 2, C, F], dy.shape, np.float32)
    for runtime in RUNTIMES:
        limit = np.full(want.shape, 1e-5 * np.max(np.abs(want)))
        assert_within(run_tflite(model, [x, dy], runtime)["output"], want, limit, runtime)

    def fn(x, dy):
        return {"dw": backprop(tf, x, dy, *geometry)}

    converted = convert_fn(fn, ((None, C, 7, 9), tf.float32), ((None, F, 4, 9), tf.float32))
    assert tflite_model.op_histogram(converted) == {"TRANSPOSE": 2, "Conv2DBackpropFilter": 1}
    with pytest.raises(RuntimeError, match="input depth must be evenly divisible by filter depth"):
        run_tflite(converted, [x, dy])


def test_long_batch_float32(tf, rng):
    """A long reduction (48 images of 16x16: 12288 pixels per filter element) stays within 1e-5 of
    the output's scale in float32."""
    geometry = (3, 3, [1, 1, 1, 1], "SAME", [], [1, 1, 1, 1])

    def fn(x, dy):
        return {"dw": backprop(tf, x, dy, *geometry)}

    model = convert_fn(fn, ((None, 16, 16, 8), tf.float32), ((None, 16, 16, 8), tf.float32))
    x, dy = values(rng, (48, 16, 16, 8), np.float32), values(rng, (48, 16, 16, 8), np.float32)
    want = tf.function(fn)(x, dy)["dw"].numpy()
    for runtime in RUNTIMES:
        got = run_tflite(model, [x, dy], runtime)["dw"]
        assert_within(got, want, np.full(want.shape, 1e-5 * np.max(np.abs(want))), runtime)
    worst = np.max(np.abs(got - want)) / np.max(np.abs(want))
    print(f"long batch float32 worst error / output scale: {worst:.3g}")


def test_nan_infinities_and_threads(tf, rng):
    """float64: NaN and infinities as TF (the padding's zeros times an infinite gradient are NaN,
    as TF's im2col makes them), and the same bits for any thread count."""
    x, dy = values(rng, (2, 10, 12, 5), np.float64), values(rng, (2, 5, 6, 6), np.float64)
    x[0, 3, 4, 1] = np.nan
    dy[1, 0, 0, 2] = np.inf
    geometry = (3, 3, [1, 2, 2, 1], "SAME", [], [1, 1, 1, 1])
    spec_x, spec_dy = ((None, None, None, 5), tf.float64), ((None, None, None, 6), tf.float64)

    def fn(x, dy):
        return {"dw": backprop(tf, x, dy, *geometry)}

    model = convert_fn(fn, spec_x, spec_dy)
    want = tf.function(fn)(x, dy)["dw"].numpy()
    assert np.isnan(want).any() and np.isinf(want).any()
    for runtime in RUNTIMES:
        got = run_tflite(model, [x, dy], runtime)["dw"]
        assert_within(
            got, want, np.full(want.shape, 1e-10 * np.max(np.abs(want[np.isfinite(want)]))), runtime
        )
    one = run_tflite(model, [x, dy], num_threads=1)["dw"]
    for threads in (2, 3):
        np.testing.assert_array_equal(run_tflite(model, [x, dy], num_threads=threads)["dw"], one)


def single_model(options, x_shape, sizes, dy_shape, dtype=np.float64):
    base = {
        "T": 10,
        "strides": [1, 1, 1, 1],
        "use_cudnn_on_gpu": True,
        "padding": "SAME",
        "data_format": "NHWC",
        "dilations": [1, 1, 1, 1],
    }
    sizes = np.asarray(sizes, np.int32)
    return tflite_model.single_custom_op_model(
        "Conv2DBackpropFilter",
        [
            ("input", x_shape, dtype),
            ("filter_sizes", sizes.shape, np.int32),
            ("out_backprop", dy_shape, dtype),
        ],
        [("output", list(sizes), dtype)],
        options=flexbuffers.Dumps({**base, **options}),
        constants={"filter_sizes": sizes},
    )


OK = ((1, 5, 5, C), [3, 3, C, F], (1, 3, 3, F))
ERRORS = {
    "NCHW float64": ({"data_format": "NCHW"}, *OK, r"Conv2DCustomBackpropFilterOp only supports NHWC"),
    "dilations float64": (
        {"dilations": [1, 2, 2, 1]},
        *OK,
        r"Current CPU implementations do not yet support dilation rates larger than 1",
    ),
    "batch stride": (
        {"strides": [2, 2, 2, 1]},
        *OK,
        r"does not yet support strides in the batch and depth dimensions",
    ),
    "batch mismatch": ({}, (2, 5, 5, C), [3, 3, C, F], (1, 3, 3, F), r"must have the same batch size"),
    "size mismatch": (
        {},
        (1, 7, 5, C),
        [3, 3, C, F],
        (1, 3, 3, F),
        r"Size of out_backprop doesn't match computed: actual = 3, computed = 4",
    ),
    "out depth": ({}, *OK[:2], (1, 3, 3, F + 1), r"filter and out_backprop must have the same out_depth"),
    "grouped": (
        {},
        (1, 5, 5, 2 * C),
        [3, 3, C, F],
        (1, 3, 3, F),
        r"filter_size does not have enough elements",
    ),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors_as_in_tf(tf, name):
    options, x_shape, sizes, dy_shape, message = ERRORS[name]
    x, dy = np.ones(x_shape), np.ones(dy_shape)
    attrs = {"strides": [1, 2, 2, 1], "padding": "SAME", **options}
    with pytest.raises((tf.errors.InvalidArgumentError, tf.errors.UnimplementedError), match=message):
        tf.raw_ops.Conv2DBackpropFilter(input=x, filter_sizes=sizes, out_backprop=dy, **attrs)
    model = single_model(attrs, x_shape, sizes, dy_shape)
    for runtime in RUNTIMES:
        with pytest.raises(RuntimeError, match="Conv2DBackpropFilter: .*" + message):
            run_tflite(model, [x, dy], runtime)
