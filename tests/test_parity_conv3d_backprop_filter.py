"""Conv3DBackpropFilterV2 (the filter gradient of Conv3D, which a converted training step leaves
custom; the input gradient becomes the builtin CONV_3D_TRANSPOSE): TFLite kernel vs TF's over
strides, SAME and VALID, dilations and NCDHW (float32, which TF's x86 build runs through oneDNN),
an empty batch, thread counts and TF's errors.

Agreement: float32 within 1e-5 of the output's scale (max |TF|), float64 within 1e-10 of it;
half within (gamma_K(half) + gamma_K(float32)) sum|x dy| plus a rounding (TF sums in half),
bfloat16 within 2 gamma_K(float32) sum|x dy| plus two roundings (oneDNN sums in float).
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

# (name, filter DHW, strides, padding, dilations, input DHW)
GEOMETRIES = [
    ("same_3x3x3", (3, 3, 3), [1, 1, 1, 1, 1], "SAME", [1, 1, 1, 1, 1], (5, 6, 7)),
    ("valid_2x3x2_strided", (2, 3, 2), [1, 2, 1, 2, 1], "VALID", [1, 1, 1, 1, 1], (6, 7, 5)),
    ("same_1x2x3_stride_2", (1, 2, 3), [1, 2, 2, 2, 1], "SAME", [1, 1, 1, 1, 1], (4, 5, 7)),
]
DILATED = [("same_3x2x2_dilated", (3, 2, 2), [1, 1, 1, 1, 1], "SAME", [1, 2, 1, 2, 1], (7, 5, 6))]
C, F = 2, 3


def forward_shape(tf, k, strides, padding, dilations, dhw):
    y = tf.nn.conv3d(
        np.zeros((1, *dhw, 1), np.float32),
        np.zeros((*k, 1, 1), np.float32),
        strides,
        padding,
        dilations=dilations,
    )
    return tuple(y.shape[1:4])


def backprop(tf, x, dy, k, strides, padding, dilations, data_format="NDHWC"):
    return tf.raw_ops.Conv3DBackpropFilterV2(
        input=x,
        filter_sizes=[*k, C, F],
        out_backprop=dy,
        strides=strides,
        padding=padding,
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
    k = max(1, int(np.prod(dy.shape[:4])))
    # In float32 (TF's float64 kernel refuses dilations): its rounding is far below the bound.
    magnitude = backprop(tf, np.abs(x.astype(np.float32)), np.abs(dy.astype(np.float32)), *geometry).numpy()
    eps = float(ml_dtypes.finfo(dtype).eps)
    # bfloat16 runs through oneDNN, which sums in float and rounds once, as opbridge does; TF's own
    # half kernel sums in half.
    summed = gamma(k, np.float32) if dtype == ml_dtypes.bfloat16 else gamma(k, dtype)
    rounding = 2 * eps * np.abs(want.astype(np.float64))
    return (summed + gamma(k, np.float32)) * magnitude * (1 + 1e-5) + rounding


def test_tape_gradient_of_conv3d_is_custom_and_matches_tf(tf, rng):
    """The filter gradient of tf.nn.conv3d in a tf.function with a dynamic batch (float32): one
    custom node per convolution, batches 1, 2 and 0 (zeros)."""
    cases = GEOMETRIES + DILATED
    filters = {g[0]: tf.constant(values(rng, (*g[1], C, F), np.float32)) for g in cases}
    outs = {g[0]: forward_shape(tf, *g[1:]) for g in cases}
    specs = []
    for name, *_, dhw in cases:
        specs += [((None, *dhw, C), tf.float32), ((None, *outs[name], F), tf.float32)]

    def fn(*args):
        out = {}
        for k, (name, _, strides, padding, dilations, _) in enumerate(cases):
            x, dy, w = args[2 * k], args[2 * k + 1], filters[name]
            with tf.GradientTape() as tape:
                tape.watch(w)
                y = tf.nn.conv3d(x, w, strides, padding, dilations=dilations)
            out[name] = tape.gradient(y, w, output_gradients=dy)
        return out

    model = convert_fn(fn, *specs)
    assert tflite_model.custom_op_counts(model) == {"Conv3DBackpropFilterV2": len(cases)}
    compiled = tf.function(fn)
    worst = 0.0
    for batch in (1, 2, 0):
        feeds = []
        for name, *_, dhw in cases:
            feeds += [
                values(rng, (batch, *dhw, C), np.float32),
                values(rng, (batch, *outs[name], F), np.float32),
            ]
        want = {k: v.numpy() for k, v in compiled(*feeds).items()}
        for runtime in RUNTIMES:
            got = run_tflite(model, feeds, runtime)
            for name in filters:
                if batch == 0:
                    np.testing.assert_array_equal(got[name], np.zeros_like(want[name]))
                    continue
                scale = float(np.max(np.abs(want[name])))
                assert_within(
                    got[name], want[name], np.full(want[name].shape, 1e-5 * scale), f"{runtime} {name}"
                )
                worst = max(worst, float(np.max(np.abs(got[name] - want[name]))) / scale)
    print(f"float32 worst error / output scale: {worst:.3g}")


@pytest.mark.parametrize(
    "dtype", [np.float64, np.float16, ml_dtypes.bfloat16], ids=lambda d: np.dtype(d).name
)
def test_raw_op_every_geometry_and_type(tf, rng, dtype):
    cases = GEOMETRIES + (DILATED if np.dtype(dtype) == ml_dtypes.bfloat16 else [])
    outs = {g[0]: forward_shape(tf, *g[1:]) for g in cases}
    t = tf.as_dtype(dtype)
    specs = []
    for name, *_, dhw in cases:
        specs += [((None, *dhw, C), t), ((None, *outs[name], F), t)]

    def fn(*args):
        return {g[0]: backprop(tf, args[2 * k], args[2 * k + 1], *g[1:5]) for k, g in enumerate(cases)}

    model = convert_fn(fn, *specs)
    assert tflite_model.custom_op_counts(model) == {"Conv3DBackpropFilterV2": len(cases)}
    feeds = []
    for name, *_, dhw in cases:
        feeds += [values(rng, (2, *dhw, C), dtype), values(rng, (2, *outs[name], F), dtype)]
    eigen = np.dtype(dtype) == ml_dtypes.bfloat16 and not tf_runs_bfloat16_in_onednn()
    if not eigen:
        want = {k: v.numpy() for k, v in tf.function(fn)(*feeds).items()}
    else:  # TF's Eigen kernel refuses dilations: oneDNN's way, float32 rounded once
        want = bfloat16_reference_via_float32(tf.function(fn), *feeds)
    for runtime in RUNTIMES:
        got = run_tflite(model, feeds, runtime)
        for k, g in enumerate(cases):
            limit = limit_for(tf, feeds[2 * k], feeds[2 * k + 1], g[1:5], want[g[0]])
            if eigen:  # one bfloat16 rounding of the reference, eps * |reference| (seen: 0)
                limit = float(ml_dtypes.finfo(dtype).eps) * np.abs(want[g[0]].astype(np.float64)) + 1e-30
            assert_within(got[g[0]], want[g[0]], limit, f"{runtime} {g[0]}")


def single_model(options, x_shape, sizes, dy_shape, dtype=np.float64):
    base = {"T": 10, "strides": [1] * 5, "padding": "SAME", "data_format": "NDHWC", "dilations": [1] * 5}
    sizes = np.asarray(sizes, np.int32)
    return tflite_model.single_custom_op_model(
        "Conv3DBackpropFilterV2",
        [("input", x_shape, dtype), ("filter_sizes", [5], np.int32), ("out_backprop", dy_shape, dtype)],
        [("output", list(sizes), dtype)],
        options=flexbuffers.Dumps({**base, **options}),
        constants={"filter_sizes": sizes},
    )


def test_ncdhw_float32_and_threads(tf, rng):
    """NCDHW: TF's own kernel refuses it, its x86 build runs float32 through oneDNN, and so does
    opbridge; the same bits for any thread count."""
    x, dy = values(rng, (2, C, 5, 6, 7), np.float32), values(rng, (2, F, 3, 6, 4), np.float32)
    attrs = {"strides": [1, 1, 2, 1, 2], "padding": "SAME", "data_format": "NCDHW"}
    want = tf.raw_ops.Conv3DBackpropFilterV2(input=x, filter_sizes=[3, 2, 3, C, F], out_backprop=dy, **attrs)
    want = want.numpy()
    model = single_model({"T": 0, **attrs}, x.shape, [3, 2, 3, C, F], dy.shape, np.float32)
    for runtime in RUNTIMES:
        got = run_tflite(model, [x, dy], runtime)["output"]
        assert_within(got, want, np.full(want.shape, 1e-5 * np.max(np.abs(want))), runtime)
    one = run_tflite(model, [x, dy], num_threads=1)["output"]
    np.testing.assert_array_equal(run_tflite(model, [x, dy], num_threads=3)["output"], one)


OK = ((1, 4, 4, 4, C), [3, 3, 3, C, F], (1, 4, 4, 4, F))
ERRORS = {
    "NCDHW float64": (
        {"data_format": "NCDHW"},
        *OK,
        r"Conv3DBackpropFilterOpV2 only supports NDHWC on the CPU",
    ),
    "dilations float64": (
        {"dilations": [1, 2, 1, 1, 1]},
        *OK,
        r"Current CPU implementation does not yet support dilation rates larger than 1",
    ),
    "batch stride": (
        {"strides": [2, 1, 1, 1, 1]},
        *OK,
        r"does not yet support strides in the batch and depth",
    ),
    "channels": (
        {},
        (1, 4, 4, 4, C + 1),
        [3, 3, 3, C, F],
        (1, 4, 4, 4, F),
        r"input and filter_sizes must have the same number of channels. Got 3 for input and 2",
    ),
    "size mismatch": (
        {},
        (1, 4, 4, 4, C),
        [3, 3, 3, C, F],
        (1, 4, 3, 4, F),
        r"Size of out_backprop doesn't match computed: actual = 3, computed = 4",
    ),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors_as_in_tf(tf, name):
    options, x_shape, sizes, dy_shape, message = ERRORS[name]
    attrs = {"strides": [1] * 5, "padding": "SAME", **options}
    x, dy = np.ones(x_shape), np.ones(dy_shape)
    with pytest.raises(tf.errors.InvalidArgumentError, match=message):
        tf.raw_ops.Conv3DBackpropFilterV2(input=x, filter_sizes=sizes, out_backprop=dy, **attrs)
    model = single_model(attrs, x_shape, sizes, dy_shape)
    for runtime in RUNTIMES:
        with pytest.raises(RuntimeError, match="Conv3DBackpropFilterV2: .*" + message):
            run_tflite(model, [x, dy], runtime)
