"""MaxPoolGrad and AvgPoolGrad (the gradients of 2-D max and average pooling, which a converted
training step leaves custom): TFLite kernels vs TF's over window sizes, strides, paddings (SAME,
VALID, EXPLICIT for max), odd shapes, an empty batch, ties and NaN, and TF's errors.

MaxPoolGrad is exact for every type (ties go to the first maximum in the window's row-major order,
as TF's kernel scans). AvgPoolGrad: half and float64 run TF's own kernel's arithmetic and are
exact, including its GetBroadcastSize windows; float32 and bfloat16 follow oneDNN's windows (TF's
x86 build) within one float rounding per summand.
"""

from __future__ import annotations

import ml_dtypes
import numpy as np
import pytest
from flatbuffers import flexbuffers

from conftest import RUNTIMES, bfloat16_reference_via_float32, convert_fn, tf_runs_bfloat16_in_onednn
from opbridge import tflite_model
from opbridge.testing import run_tflite

# (name, KH, KW, SH, SW, padding, H, W)
GEOMETRIES = [
    ("2x2_stride_2_valid", 2, 2, 2, 2, "VALID", 8, 9),
    ("3x3_stride_1_same", 3, 3, 1, 1, "SAME", 7, 6),
    ("3x3_stride_2_same", 3, 3, 2, 2, "SAME", 9, 8),
    ("2x3_stride_1x2_valid", 2, 3, 1, 2, "VALID", 5, 9),
    ("5x1_stride_1_same_wider_than_input", 5, 1, 1, 1, "SAME", 4, 3),
]
C = 3
FLOATS = [np.float64, np.float16, ml_dtypes.bfloat16]
# The converter's T option: TFLite's tensor type enum.
TFLITE_TYPES = {
    np.dtype(np.float32): 0,
    np.dtype(np.float16): 1,
    np.dtype(np.int32): 2,
    np.dtype(np.uint8): 3,
}
TFLITE_TYPES |= {np.dtype(np.float64): 10, np.dtype(ml_dtypes.bfloat16): 18}


def ties(rng, shape, dtype):
    """Small integers: many equal values in every window."""
    return rng.integers(-2, 3, shape).astype(dtype)


def pool(tf, kind, x, kh, kw, sh, sw, padding):
    op = tf.raw_ops.MaxPool if kind == "max" else tf.raw_ops.AvgPool
    return op(input=x, ksize=[1, kh, kw, 1], strides=[1, sh, sw, 1], padding=padding)


def out_shape(tf, kh, kw, sh, sw, padding, h, w):
    return tuple(pool(tf, "max", np.zeros((1, h, w, 1), np.float32), kh, kw, sh, sw, padding).shape[1:3])


@pytest.mark.parametrize("kind", ["max", "avg"])
def test_tape_gradients_are_custom_and_match_tf(tf, rng, kind):
    """tf.nn.max_pool2d / avg_pool2d gradients in a tf.function with a dynamic batch (float32), as
    a train step computes them. MaxPoolGrad: the same elements receive each gradient (ties to the
    first maximum), exact where windows do not overlap; where they do, TF's graph pairs MaxPool
    with its gradient in oneDNN, which adds the overlapping contributions in its own order (not
    the output order TF's own kernel and an unpaired MaxPoolGrad use, which opbridge follows):
    within one float rounding per contribution. AvgPoolGrad within the same bound."""
    outs = {g[0]: out_shape(tf, *g[1:]) for g in GEOMETRIES}
    specs = []
    for name, *_, h, w in GEOMETRIES:
        specs += [((None, h, w, C), tf.float32), ((None, *outs[name], C), tf.float32)]

    def fn(*args):
        out = {}
        for k, (name, kh, kw, sh, sw, padding, _, _) in enumerate(GEOMETRIES):
            x, dy = args[2 * k], args[2 * k + 1]
            with tf.GradientTape() as tape:
                tape.watch(x)
                pooled = (tf.nn.max_pool2d if kind == "max" else tf.nn.avg_pool2d)(
                    x, [kh, kw], [sh, sw], padding
                )
            out[name] = tape.gradient(pooled, x, output_gradients=dy)
        return out

    model = convert_fn(fn, *specs)
    op = "MaxPoolGrad" if kind == "max" else "AvgPoolGrad"
    assert tflite_model.custom_op_counts(model) == {op: len(GEOMETRIES)}
    compiled = tf.function(fn)
    worst = 0.0
    # An empty batch only for avg: with max, TF's graph (oneDNN's paired MaxPool and MaxPoolGrad)
    # aborts the process ("Check failed: dtype() == expected_dtype") and the builtin MAX_POOL_2D
    # fails to prepare in XNNPACK. The raw-op test below covers MaxPoolGrad's empty batch.
    for batch in (1, 3, 0) if kind == "avg" else (1, 3):
        feeds = []
        for name, *_, h, w in GEOMETRIES:
            feeds += [
                ties(rng, (batch, h, w, C), np.float32),
                rng.standard_normal((batch, *outs[name], C)).astype(np.float32),
            ]
        want = {k: v.numpy() for k, v in compiled(*feeds).items()}
        for runtime in RUNTIMES:
            got = run_tflite(model, feeds, runtime)
            for name, kh, kw, sh, sw, *_ in GEOMETRIES:
                expected = want[name]
                if expected.size == 0:
                    assert got[name].shape == expected.shape
                    continue
                # Each element sums at most ceil(KH/SH) * ceil(KW/SW) terms, one float rounding each.
                terms = -(-kh // sh) * -(-kw // sw)
                if kind == "max":
                    # The same elements receive the gradient (ties: the first maximum).
                    np.testing.assert_array_equal(got[name] != 0, expected != 0, err_msg=f"{runtime} {name}")
                    if terms == 1:
                        np.testing.assert_array_equal(got[name], expected, err_msg=f"{runtime} {name}")
                limit = terms * float(np.finfo(np.float32).eps) * np.max(np.abs(expected))
                np.testing.assert_allclose(
                    got[name], expected, rtol=0, atol=limit, err_msg=f"{runtime} {name}"
                )
                worst = max(worst, float(np.max(np.abs(got[name] - expected)) / np.max(np.abs(expected))))
    print(f"{op} float32 worst error / output scale: {worst:.3g}")


@pytest.mark.parametrize("dtype", FLOATS, ids=lambda d: np.dtype(d).name)
def test_raw_ops_every_geometry_and_type(tf, rng, dtype):
    """MaxPoolGrad (orig_output fed: float64 MaxPool itself has no TFLite kernel) exact for every
    type; AvgPoolGrad with orig_input_shape from the graph exact for half and float64 (TF's own
    kernel's windows and rounding), bfloat16 within one rounding per summand."""
    outs = {g[0]: out_shape(tf, *g[1:]) for g in GEOMETRIES}
    t = tf.as_dtype(dtype)
    specs = []
    for name, *_, h, w in GEOMETRIES:
        specs += [((None, h, w, C), t), ((None, *outs[name], C), t), ((None, *outs[name], C), t)]

    def fn(*args):
        out = {}
        for k, (name, kh, kw, sh, sw, padding, _, _) in enumerate(GEOMETRIES):
            x, y, dy = args[3 * k : 3 * k + 3]
            attrs = {"ksize": [1, kh, kw, 1], "strides": [1, sh, sw, 1], "padding": padding}
            out[f"{name}_max"] = tf.raw_ops.MaxPoolGrad(orig_input=x, orig_output=y, grad=dy, **attrs)
            out[f"{name}_avg"] = tf.raw_ops.AvgPoolGrad(orig_input_shape=tf.shape(x), grad=dy, **attrs)
        return out

    model = convert_fn(fn, *specs)
    assert tflite_model.custom_op_counts(model) == {
        "MaxPoolGrad": len(GEOMETRIES),
        "AvgPoolGrad": len(GEOMETRIES),
    }
    compiled = tf.function(fn)
    for batch in (2, 0):
        feeds = []
        for name, kh, kw, sh, sw, padding, h, w in GEOMETRIES:
            x = ties(rng, (batch, h, w, C), dtype)
            if batch:
                x[0, 0, 0, 0] = np.nan  # a NaN wins only as its window's first element
            y = pool(tf, "max", x.astype(np.float32), kh, kw, sh, sw, padding).numpy().astype(dtype)
            feeds += [x, y, rng.standard_normal((batch, *outs[name], C)).astype(dtype)]
        want = {k: v.numpy() for k, v in compiled(*feeds).items()}
        eigen = np.dtype(dtype) == ml_dtypes.bfloat16 and not tf_runs_bfloat16_in_onednn()
        if eigen:
            # TF's Eigen AvgPoolGrad divides and sums in bfloat16: the averages' reference is
            # oneDNN's way (float32, each output rounded once); MaxPoolGrad stays TF's own kernel.
            avg = bfloat16_reference_via_float32(compiled, *feeds)
            want.update({k: v for k, v in avg.items() if k.endswith("_avg")})
        for runtime in RUNTIMES:
            got = run_tflite(model, feeds, runtime)
            for key, expected in want.items():
                if eigen and key.endswith("_avg") and expected.size:
                    # opbridge also sums in float32 and rounds once: within one bfloat16 rounding,
                    # eps * output scale (seen: 0, bit for bit).
                    e = expected.astype(np.float64)
                    limit = float(ml_dtypes.finfo(dtype).eps) * np.max(np.abs(e))
                    np.testing.assert_allclose(
                        got[key].astype(np.float64), e, rtol=0, atol=limit, err_msg=key
                    )
                    continue
                if key.endswith("_max") or np.dtype(dtype) != ml_dtypes.bfloat16 or expected.size == 0:
                    np.testing.assert_array_equal(got[key], expected, err_msg=f"{runtime} {key}")
                else:
                    e = expected.astype(np.float64)
                    limit = 16 * float(ml_dtypes.finfo(dtype).eps) * np.max(np.abs(e))
                    np.testing.assert_allclose(
                        got[key].astype(np.float64), e, rtol=0, atol=limit, err_msg=key
                    )


def test_avg_pool_grad_windows_wider_than_the_input(tf, rng):
    """A window overhanging both ends of the input: TF's own kernel (half, float64) takes the
    first min(size, ksize) elements (GetBroadcastSize) and divides by their number, oneDNN
    (float32, bfloat16) the elements inside the window. Both as TF (bfloat16 is covered by the
    converted models above: single-node test models cannot hold bfloat16 tensors)."""
    dy = rng.standard_normal((2, 4, 3, 2))
    attrs = {"ksize": [1, 5, 1, 1], "strides": [1, 1, 1, 1], "padding": "SAME"}
    float64 = tf.raw_ops.AvgPoolGrad(orig_input_shape=[2, 4, 3, 2], grad=dy, **attrs).numpy()
    float32 = tf.raw_ops.AvgPoolGrad(
        orig_input_shape=[2, 4, 3, 2], grad=dy.astype(np.float32), **attrs
    ).numpy()
    assert np.abs(float64 - float32).max() > 0.05  # the two semantics differ here
    for dtype in (np.float64, np.float16, np.float32):
        g = dy.astype(dtype)
        want = tf.raw_ops.AvgPoolGrad(orig_input_shape=[2, 4, 3, 2], grad=g, **attrs).numpy()
        options = {"T": TFLITE_TYPES[np.dtype(dtype)], **attrs}
        options["data_format"] = "NHWC"
        model = tflite_model.single_custom_op_model(
            "AvgPoolGrad",
            [("orig_input_shape", [4], np.int32), ("grad", g.shape, dtype)],
            [("output", [2, 4, 3, 2], dtype)],
            options=flexbuffers.Dumps(options),
            constants={"orig_input_shape": np.asarray([2, 4, 3, 2], np.int32)},
        )
        for runtime in RUNTIMES:
            got = run_tflite(model, [g], runtime)["output"]
            if dtype in (np.float64, np.float16):
                np.testing.assert_array_equal(got, want, err_msg=f"{runtime} {np.dtype(dtype).name}")
            else:
                limit = 4 * float(ml_dtypes.finfo(dtype).eps) * np.max(np.abs(want.astype(np.float64)))
                np.testing.assert_allclose(
                    got.astype(np.float64), want.astype(np.float64), rtol=0, atol=limit
                )


@pytest.mark.parametrize(
    "dtype", [np.float32, np.float64, np.int32, np.uint8], ids=lambda d: np.dtype(d).name
)
def test_max_pool_grad_explicit_padding_and_integers(tf, rng, dtype):
    """EXPLICIT padding (the padding never wins) and integer types (realnumbertypes), exact."""
    x = ties(rng, (2, 7, 6, C), np.float64)
    if np.dtype(dtype).kind == "u":
        x = x + 2
    x = x.astype(dtype)
    attrs = {"ksize": [1, 3, 2, 1], "strides": [1, 2, 1, 1], "padding": "EXPLICIT"}
    attrs["explicit_paddings"] = [0, 0, 2, 1, 1, 0, 0, 0]
    y = tf.raw_ops.MaxPool(input=x.astype(np.float32), **attrs).numpy().astype(dtype)
    dy = rng.integers(1, 9, y.shape).astype(dtype)
    want = tf.raw_ops.MaxPoolGrad(orig_input=x, orig_output=y, grad=dy, **attrs).numpy()
    t = TFLITE_TYPES[np.dtype(dtype)]
    model = tflite_model.single_custom_op_model(
        "MaxPoolGrad",
        [("orig_input", x.shape, dtype), ("orig_output", y.shape, dtype), ("grad", dy.shape, dtype)],
        [("output", x.shape, dtype)],
        options=flexbuffers.Dumps({"T": t, "data_format": "NHWC", **attrs}),
    )
    for runtime in RUNTIMES:
        np.testing.assert_array_equal(run_tflite(model, [x, y, dy], runtime)["output"], want, err_msg=runtime)


MAX_ERRORS = {
    # name: (attrs, orig_input shape, orig_output shape, grad shape, TF's message), TF in float64
    "NCHW": (
        {"data_format": "NCHW"},
        (1, 4, 4, 1),
        (1, 2, 2, 1),
        (1, 2, 2, 1),
        r"only supports NHWC on device type CPU",
    ),
    "depth window": (
        {"ksize": [1, 2, 2, 2]},
        (1, 4, 4, 2),
        (1, 2, 2, 1),
        (1, 2, 2, 1),
        r"not yet supported on the depth",
    ),
    "orig_output shape": (
        {},
        (1, 4, 4, 1),
        (1, 3, 2, 1),
        (1, 2, 2, 1),
        r"Expected orig_output shape to be \[1,2,2,1\], but got \[1,3,2,1\]",
    ),
    "grad shape": ({}, (1, 4, 4, 1), (1, 2, 2, 1), (1, 2, 3, 1), r"Expected grad shape to be \[1,2,2,1\]"),
    "rank": ({}, (4, 4, 1), (1, 2, 2, 1), (1, 2, 2, 1), r"tensor_in must be 4-dimensional"),
    "explicit pad": (
        {"padding": "EXPLICIT", "explicit_paddings": [0, 0, 2, 0, 0, 0, 0, 0]},
        (1, 4, 4, 1),
        (1, 3, 2, 1),
        (1, 3, 2, 1),
        r"Top padding 2 needs to be smaller than the window size 2",
    ),
}


@pytest.mark.parametrize("name", sorted(MAX_ERRORS))
def test_max_pool_grad_errors_as_in_tf(tf, name):
    options, x_shape, y_shape, g_shape, message = MAX_ERRORS[name]
    attrs = {"ksize": [1, 2, 2, 1], "strides": [1, 2, 2, 1], "padding": "VALID", **options}
    x, y, g = np.ones(x_shape), np.ones(y_shape), np.ones(g_shape)
    with pytest.raises((tf.errors.InvalidArgumentError, tf.errors.UnimplementedError), match=message):
        tf.raw_ops.MaxPoolGrad(orig_input=x, orig_output=y, grad=g, **attrs)
    model = tflite_model.single_custom_op_model(
        "MaxPoolGrad",
        [
            ("orig_input", x_shape, np.float64),
            ("orig_output", y_shape, np.float64),
            ("grad", g_shape, np.float64),
        ],
        [("output", x_shape, np.float64)],
        options=flexbuffers.Dumps({"T": 10, "data_format": "NHWC", **attrs}),
    )
    for runtime in RUNTIMES:
        with pytest.raises(RuntimeError, match="MaxPoolGrad: .*" + message):
            run_tflite(model, [x, y, g], runtime)


AVG_ERRORS = {
    # name: (attrs, orig_input_shape, grad shape, TF's message), TF in float64
    "NCHW float64": (
        {"data_format": "NCHW"},
        [1, 1, 4, 4],
        (1, 1, 2, 2),
        r"only supports NHWC on device type CPU",
    ),
    "depth window": (
        {"ksize": [1, 2, 2, 2]},
        [1, 4, 4, 2],
        (1, 2, 2, 2),
        r"Non-spatial pooling is not yet supported",
    ),
    "batch window": (
        {"ksize": [2, 2, 2, 1]},
        [1, 4, 4, 1],
        (1, 2, 2, 1),
        r"not yet supported on the batch dimension",
    ),
    "shape count": ({}, [4, 4, 1], (1, 2, 2, 1), r"out_backprop must be 1-dimensional and 4 elements"),
    "grad rank": ({}, [1, 4, 4, 1], (2, 2, 1), r"out_backprop must be 4-dimensional"),
    "grad too large": (
        {},
        [1, 4, 4, 1],
        (1, 4, 2, 1),
        r"index \* stride must be less than or equal to input size",
    ),
}


@pytest.mark.parametrize("name", sorted(AVG_ERRORS))
def test_avg_pool_grad_errors_as_in_tf(tf, name):
    options, sizes, g_shape, message = AVG_ERRORS[name]
    attrs = {"ksize": [1, 2, 2, 1], "strides": [1, 2, 2, 1], "padding": "VALID", **options}
    g = np.ones(g_shape)
    with pytest.raises((tf.errors.InvalidArgumentError, tf.errors.UnimplementedError), match=message):
        tf.raw_ops.AvgPoolGrad(orig_input_shape=sizes, grad=g, **attrs)
    model = tflite_model.single_custom_op_model(
        "AvgPoolGrad",
        [("orig_input_shape", [len(sizes)], np.int32), ("grad", g_shape, np.float64)],
        [("output", [1, 1, 1, 1], np.float64)],
        options=flexbuffers.Dumps({"T": 10, "data_format": "NHWC", **attrs}),
    )
    for runtime in RUNTIMES:
        with pytest.raises(RuntimeError, match="AvgPoolGrad: .*" + message):
            run_tflite(model, [np.asarray(sizes, np.int32), g], runtime)
