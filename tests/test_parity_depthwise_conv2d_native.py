"""DepthwiseConv2dNative: TFLite kernel vs TF's own kernel, converted where the converter leaves it
custom (input channels unknown at conversion, or a type DEPTHWISE_CONV_2D does not take): every
dtype, SAME/VALID/EXPLICIT, strides, depth multipliers, Keras' SeparableConv2D, empty tensors, NaN
and infinities, thread counts, and TF's errors.

TF's kernel sums each element's KH*KW taps in order from 0, a multiply and an add per tap (no FMA
in TF's Eigen build); half and bfloat16 round the running sum to their type after each tap.
opbridge does the same: every dtype equals TF's own kernel bit for bit. TF's default x86 build
hands float32 and bfloat16 to oneDNN instead, which sums in another order (bfloat16: in float32,
rounding once); so in this process float64 and half are compared exactly, float32 and bfloat16
within the dot-product error bounds (see tests/test_parity_conv_2d.py), and a TF with oneDNN off
(a subprocess) checks float32 and bfloat16 bit for bit.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import ml_dtypes
import numpy as np
import pytest
from flatbuffers import flexbuffers

from conftest import (
    RUNTIMES,
    bfloat16_reference_via_float32,
    convert_fn,
    run_tflite_in_process,
    tf_runs_bfloat16_in_onednn,
    tf_runs_float16_in_onednn,
)
from opbridge import tflite_model
from opbridge.testing import run_tflite
from test_parity_conv_2d import assert_within, gamma, hide_channels

# (name, filter rows, filter cols, multiplier, stride, padding, explicit_paddings)
GEOMETRIES = [
    ("same_3x3", 3, 3, 1, 1, "SAME", []),
    ("same_5x2_x2_stride_2", 5, 2, 2, 2, "SAME", []),
    ("valid_3x3_x3_stride_3", 3, 3, 3, 3, "VALID", []),
    ("valid_1x1", 1, 1, 1, 1, "VALID", []),
    ("explicit_3x2", 3, 2, 1, 1, "EXPLICIT", [0, 0, 1, 2, 3, 0, 0, 0]),
    ("explicit_2x2_x2_stride_2", 2, 2, 2, 2, "EXPLICIT", [0, 0, 4, 1, 0, 3, 0, 0]),
]
SHAPES = [(1, 9, 11), (2, 6, 8), (3, 5, 7)]
# half is TF's Eigen kernel in this process, but where TF hands it to oneDNN (AVX512-FP16 CPUs)
# it is compared as float32 is: within the bounds here, bit for bit with TF's own kernel.
HALF_IN_ONEDNN = tf_runs_float16_in_onednn()
EXACT = [np.float64] + ([] if HALF_IN_ONEDNN else [np.float16])
BOUNDED = [np.float32, ml_dtypes.bfloat16] + ([np.float16] if HALF_IN_ONEDNN else [])


def depthwise(tf, x, w, stride, padding, explicit_paddings, data_format="NHWC", dilations=(1, 1, 1, 1)):
    return tf.raw_ops.DepthwiseConv2dNative(
        input=x,
        filter=w,
        strides=[1, stride, stride, 1] if data_format == "NHWC" else [1, 1, stride, stride],
        padding=padding,
        explicit_paddings=explicit_paddings,
        data_format=data_format,
        dilations=list(dilations),
    )


def values(rng, shape, dtype) -> np.ndarray:
    return rng.uniform(-1, 1, shape).astype(dtype)


def bound(tf, x, w, geometry, want) -> np.ndarray:
    """How far two K-term sums of TF (oneDNN) and opbridge may be apart, K = KH*KW taps: float32,
    2 gamma_K sum|x_i w_i|; bfloat16, opbridge's per-tap bfloat16 rounding (gamma_K in bfloat16)
    plus oneDNN's float32 sum and final rounding."""
    k = int(w.shape[0] * w.shape[1])
    magnitude = depthwise(tf, np.abs(x.astype(np.float64)), np.abs(w.astype(np.float64)), *geometry).numpy()
    tiny = 2 * k * float(np.finfo(np.float32).tiny)  # subnormal products flushed
    if want.dtype == np.float32:
        return 2 * gamma(k, np.float32) * magnitude + tiny
    eps = float(ml_dtypes.finfo(want.dtype).eps)
    return (
        (gamma(k, want.dtype) + gamma(k, np.float32)) * magnitude
        + eps * np.abs(want.astype(np.float64))
        + tiny
    )


def geometry_model(tf, rng, dtype, channels=4):
    filters, geometry_of = {}, {}
    for name, kr, kc, mult, stride, padding, pads in GEOMETRIES:
        filters[name] = values(rng, (kr, kc, channels, mult), dtype)
        geometry_of[name] = (stride, padding, pads)

    @tf.function(input_signature=[tf.TensorSpec((None, None, None, channels), tf.as_dtype(dtype))])
    def fn(x):
        x = hide_channels(tf, x)
        return {name: depthwise(tf, x, tf.constant(filters[name]), *geometry_of[name]) for name in filters}

    model = convert_fn(fn.python_function, ((None, None, None, channels), tf.as_dtype(dtype)))
    return fn, model, filters, geometry_of


def test_converter_leaves_depthwise_custom_only_where_the_builtin_cannot(tf, rng):
    w = values(rng, (3, 3, 4, 2), np.float32)
    f32 = tf.float32

    def same(x, f):
        return depthwise(tf, x, f, 1, "SAME", [])

    known = convert_fn(lambda x: same(x, w), ((None, None, None, 4), f32))
    assert tflite_model.custom_op_counts(known) == {}
    assert tflite_model.op_histogram(known).get("DEPTHWISE_CONV_2D") == 1
    custom = {
        "channels hidden": convert_fn(lambda x: same(hide_channels(tf, x), w), ((None, None, None, 4), f32)),
        "filter shape dynamic": convert_fn(same, ((None, None, None, 4), f32), ((None, None, 4, None), f32)),
        "float64": convert_fn(lambda x: same(x, w.astype(np.float64)), ((None, None, None, 4), tf.float64)),
    }
    for name, model in custom.items():
        assert tflite_model.custom_op_counts(model) == {"DepthwiseConv2dNative": 1}, name
        assert "DEPTHWISE_CONV_2D" not in tflite_model.op_histogram(model), name


@pytest.mark.parametrize("dtype", EXACT, ids=lambda d: np.dtype(d).name)
def test_every_geometry_exactly(tf, rng, dtype):
    fn, model, _, _ = geometry_model(tf, rng, dtype)
    assert tflite_model.custom_op_counts(model) == {"DepthwiseConv2dNative": len(GEOMETRIES)}
    for shape in SHAPES:
        x = values(rng, (*shape, 4), dtype)
        want = {k: v.numpy() for k, v in fn(x).items()}
        for runtime in RUNTIMES:
            got = run_tflite(model, [x], runtime)
            for name, w in want.items():
                assert_within(got[name], w, None, f"[{runtime}] {name} {shape}")


@pytest.mark.parametrize("dtype", BOUNDED, ids=lambda d: np.dtype(d).name)
def test_every_geometry_within_bounds_of_onednn(tf, rng, dtype):
    fn, model, filters, geometry_of = geometry_model(tf, rng, dtype)
    for shape in SHAPES:
        x = values(rng, (*shape, 4), dtype)
        want = {k: v.numpy() for k, v in fn(x).items()}
        for runtime in RUNTIMES:
            got = run_tflite(model, [x], runtime)
            for name, w in want.items():
                limit = bound(tf, x, filters[name], geometry_of[name], w)
                assert_within(got[name], w, limit, f"[{runtime}] {name} {shape}")


TF_OWN_KERNEL = """
import json, sys
import numpy as np, ml_dtypes, tensorflow as tf
data = np.load(sys.argv[1])
dtype = ml_dtypes.bfloat16 if sys.argv[3] == "bfloat16" else np.dtype(sys.argv[3])
out = {}
for key in data.files:
    if key.startswith("w:"):
        name = key[2:]
        stride, padding, pads = json.loads(sys.argv[4])[name]
        out[name] = tf.raw_ops.DepthwiseConv2dNative(
            input=data["x"].astype(dtype), filter=data[key].astype(dtype), strides=[1, stride, stride, 1],
            padding=padding, explicit_paddings=pads).numpy().astype(np.float32)
np.savez(sys.argv[2], **out)
"""


# Input channels: 4, and 45, whose output depths (45, 90, 135) fill the 16-bit types' register
# blocks of 32 and 8 channels and leave a remainder.
CHANNELS = [4, 45]


@pytest.mark.parametrize("channels", CHANNELS)
@pytest.mark.parametrize("dtype", BOUNDED, ids=lambda d: np.dtype(d).name)
def test_bit_for_bit_with_tf_own_kernel(tf, rng, tmp_path, dtype, channels):
    """TF with oneDNN off (TF_ENABLE_ONEDNN_OPTS=0) runs its own kernel for float32 and bfloat16:
    opbridge's results equal it exactly. (Values travel as float32, which holds bfloat16 exactly.)"""
    _, model, filters, geometry_of = geometry_model(tf, rng, dtype, channels)
    x = values(rng, (2, 9, 11, channels), dtype)
    np.savez(
        tmp_path / "in.npz",
        x=x.astype(np.float32),
        **{f"w:{k}": v.astype(np.float32) for k, v in filters.items()},
    )
    env = {**os.environ, "TF_ENABLE_ONEDNN_OPTS": "0", "TF_CPP_MIN_LOG_LEVEL": "3"}
    subprocess.run(
        [
            sys.executable,
            "-c",
            TF_OWN_KERNEL,
            str(tmp_path / "in.npz"),
            str(tmp_path / "out.npz"),
            np.dtype(dtype).name,
            json.dumps(geometry_of),
        ],
        check=True,
        env=env,
    )
    want = np.load(tmp_path / "out.npz")
    for runtime in RUNTIMES:
        got = run_tflite(model, [x], runtime)
        for name in filters:
            assert_within(got[name].astype(np.float32), want[name], None, f"[{runtime}] {name}")


@pytest.mark.parametrize("dtype", [np.float16, ml_dtypes.bfloat16], ids=lambda d: np.dtype(d).name)
def test_16_bit_types_same_bits_on_both_paths(tf, rng, tmp_path, dtype):
    """half and bfloat16 run eight channels per float register on CPUs with AVX2 and F16C, one
    at a time on the baseline (OPBRIDGE_NO_AVX2=1): the same bits, and half's are TF's."""
    fn, model, _, _ = geometry_model(tf, rng, dtype, channels=45)
    x = values(rng, (2, 9, 11, 45), dtype)
    x[0, 3, 4, 7] = np.nan
    x[1, 5, 6, 40] = np.inf
    paths = {}
    for baseline in (False, True):
        workdir = tmp_path / ("baseline" if baseline else "avx2")
        workdir.mkdir()
        paths[baseline] = run_tflite_in_process(model, [x], workdir, baseline)
    want = {k: v.numpy() for k, v in fn(x).items()}
    for name in want:
        # Compared as float32 (exact for both types), where NaN equals NaN.
        avx2, baseline = (paths[b][name].astype(np.float32) for b in (False, True))
        assert_within(avx2, baseline, None, f"{name}: AVX2 vs baseline")
        if dtype == np.float16 and not HALF_IN_ONEDNN:
            assert_within(paths[False][name], want[name], None, f"{name}: vs TF")


def test_keras_separable_conv2d_after_unknown_channels(tf, rng):
    """SeparableConv2D on hidden channels: its depthwise half stays custom, the pointwise half is
    the builtin CONV_2D."""
    layer = tf.keras.layers.SeparableConv2D(6, 3, padding="same", depth_multiplier=2)
    layer.build((None, None, None, 4))

    @tf.function(input_signature=[tf.TensorSpec((None, None, None, 4), tf.float32)])
    def fn(x):
        return {"out": layer(hide_channels(tf, x))}

    model = convert_fn(fn.python_function, ((None, None, None, 4), tf.float32))
    assert tflite_model.custom_op_counts(model) == {"DepthwiseConv2dNative": 1}
    for shape in [(1, 8, 8, 4), (2, 5, 3, 4)]:
        x = values(rng, shape, np.float32)
        want = fn(x)["out"].numpy()
        # Depthwise then a 1x1 conv over 8 channels: bounded by the float32 error of both sums,
        # 2 gamma_K over K = 9 * 8 products of the composed magnitudes.
        k = 9 * 8
        u = float(np.finfo(np.float32).eps) / 2
        dw, pw = (v.numpy().astype(np.float64) for v in (layer.depthwise_kernel, layer.pointwise_kernel))
        x64 = np.abs(x.astype(np.float64))
        magnitude = tf.nn.conv2d(
            depthwise(tf, x64, np.abs(dw), 1, "SAME", []), np.abs(pw), 1, "VALID"
        ).numpy()
        limit = 2 * (k * u / (1 - k * u)) * magnitude + 1e-30
        for runtime in RUNTIMES:
            assert_within(run_tflite(model, [x], runtime)["out"], want, limit, f"[{runtime}] {shape}")


@pytest.mark.parametrize(
    "name,x_shape,w_shape,geometry",
    [
        ("empty batch", (0, 5, 5, 4), (3, 3, 4, 2), (1, "SAME", [])),
        ("no rows", (2, 0, 5, 4), (3, 3, 4, 2), (1, "SAME", [])),
        ("multiplier 0", (2, 5, 5, 4), (3, 3, 4, 0), (1, "SAME", [])),
        ("no channels", (1, 5, 5, 0), (3, 3, 0, 2), (1, "SAME", [])),
        ("zero filter rows", (1, 5, 5, 4), (0, 3, 4, 2), (1, "VALID", [])),
        ("only padding", (1, 0, 0, 3), (2, 2, 3, 1), (1, "EXPLICIT", [0, 0, 1, 2, 2, 1, 0, 0])),
        ("window one past the image", (1, 2, 5, 4), (3, 3, 4, 1), (1, "VALID", [])),
    ],
)
def test_empty_and_degenerate_shapes_as_tf(tf, rng, name, x_shape, w_shape, geometry):
    spec = ((None,) * 4, tf.float64)

    @tf.function(input_signature=[tf.TensorSpec(*spec), tf.TensorSpec(*spec)])
    def fn(x, w):
        return {"out": depthwise(tf, x, w, *geometry)}

    model = convert_fn(fn.python_function, spec, spec)
    x, w = values(rng, x_shape, np.float64), values(rng, w_shape, np.float64)
    want = fn(x, w)["out"].numpy()
    for runtime in RUNTIMES:
        assert_within(run_tflite(model, [x, w], runtime)["out"], want, None, f"[{runtime}] {name}")


def test_nan_and_infinities(tf, rng):
    """Padding zeros are multiplied like any value: an infinite weight makes the border NaN, as
    in TF's kernel (float64; TF's default build may give float32 to oneDNN, which skips them)."""
    x = values(rng, (2, 6, 7, 3), np.float64)
    x[0, 2, 3, 1] = np.nan
    x[1, 0, 0, 0] = np.inf
    x[1, 4, 5, 2] = -np.inf
    w = values(rng, (3, 3, 3, 2), np.float64)
    w[2, 2, 0, 1] = np.inf
    spec = ((None,) * 4, tf.float64)

    @tf.function(input_signature=[tf.TensorSpec(*spec), tf.TensorSpec(*spec)])
    def fn(x, w):
        return {"out": depthwise(tf, x, w, 1, "SAME", [])}

    model = convert_fn(fn.python_function, spec, spec)
    want = fn(x, w)["out"].numpy()
    assert np.isnan(want).any() and np.isinf(want).any()
    for runtime in RUNTIMES:
        assert_within(run_tflite(model, [x, w], runtime)["out"], want, None, f"[{runtime}] special values")


def test_threads_do_not_change_results(tf, rng):
    """One work item per output row, each element summed alone: any split gives the same bits."""
    spec = ((None,) * 4, tf.float64)

    @tf.function(input_signature=[tf.TensorSpec(*spec), tf.TensorSpec(*spec)])
    def fn(x, w):
        return {"out": depthwise(tf, x, w, 2, "SAME", [])}

    model = convert_fn(fn.python_function, spec, spec)
    x, w = values(rng, (2, 60, 50, 32), np.float64), values(rng, (3, 3, 32, 2), np.float64)
    one = run_tflite(model, [x, w], num_threads=1)["out"]
    for threads in (2, 3, 4):
        np.testing.assert_array_equal(run_tflite(model, [x, w], num_threads=threads)["out"], one)
    np.testing.assert_array_equal(one, fn(x, w)["out"].numpy())


BASE_OPTIONS = {
    "T": 10,  # TFLite's float64
    "strides": [1, 1, 1, 1],
    "padding": "SAME",
    "explicit_paddings": [],
    "data_format": "NHWC",
    "dilations": [1, 1, 1, 1],
}

# name: (attrs, input shape, filter shape, TF's message); TF runs float64 (its own kernel).
ERRORS = {
    "NCHW on CPU": (
        {"data_format": "NCHW"},
        (1, 4, 5, 5),
        (3, 3, 4, 2),
        r"Depthwise convolution on CPU is only supported for NHWC format",
    ),
    "unequal strides": (
        {"strides": [1, 1, 2, 1]},
        (1, 5, 5, 4),
        (3, 3, 4, 2),
        r"Current implementation only supports equal length strides in the row and column dimensions",
    ),
    "batch stride": (
        {"strides": [2, 1, 1, 1]},
        (1, 5, 5, 4),
        (3, 3, 4, 2),
        r"Current implementation does not yet support strides in the batch and depth dimensions",
    ),
    "zero stride": ({"strides": [1, 0, 0, 1]}, (1, 5, 5, 4), (3, 3, 4, 2), r"Stride must be > 0, but got 0"),
    "three strides": (
        {"strides": [1, 1, 1]},
        (1, 5, 5, 4),
        (3, 3, 4, 2),
        r"Sliding window strides field must specify 4 dimensions",
    ),
    "dilations": (
        {"dilations": [1, 2, 3, 1]},
        (1, 5, 5, 4),
        (3, 3, 4, 2),
        r"Current kernel implementation does not support dilations, received \[1 2 3 1\]",
    ),
    "explicit paddings with SAME": (
        {"explicit_paddings": [0, 0, 1, 1, 1, 1, 0, 0]},
        (1, 5, 5, 4),
        (3, 3, 4, 2),
        r"explicit_paddings attribute must be empty if the padding attribute is not EXPLICIT",
    ),
    "depth padding": (
        {"padding": "EXPLICIT", "explicit_paddings": [0, 0, 1, 1, 1, 1, 0, 1]},
        (1, 5, 5, 4),
        (3, 3, 4, 2),
        r"Nonzero explicit padding in the batch or depth dimensions is not supported",
    ),
    "depth mismatch": ({}, (1, 5, 5, 5), (3, 3, 4, 2), r"input and filter must have the same depth: 5 vs 4"),
    "input rank": ({}, (5, 5, 4), (3, 3, 4, 2), r"input must be 4-dimensional ?\[5, ?5, ?4\]"),
    "filter rank": ({}, (1, 5, 5, 4), (3, 4, 2), r"filter must be 4-dimensional: \[3, ?4, ?2\]"),
    "negative output size": (
        {"padding": "VALID"},
        (1, 2, 5, 4),
        (4, 3, 4, 2),
        r"Computed output size would be negative: -1 \[input_size: 2, effective_filter_size: 4, stride: 1\]",
    ),
}


@pytest.mark.parametrize("runtime", RUNTIMES)
@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors_as_in_tf(tf, runtime, name):
    options, x_shape, w_shape, message = ERRORS[name]
    attrs = {k: v for k, v in {**BASE_OPTIONS, **options}.items() if k != "T"}
    x, w = np.ones(x_shape, np.float64), np.ones(w_shape, np.float64)
    with pytest.raises((tf.errors.InvalidArgumentError, tf.errors.UnimplementedError), match=message):
        tf.raw_ops.DepthwiseConv2dNative(input=x, filter=w, **attrs)
    model = tflite_model.single_custom_op_model(
        "DepthwiseConv2dNative",
        [("input", x_shape, np.float64), ("filter", w_shape, np.float64)],
        [("output", [1, 1, 1, 1], np.float64)],
        options=flexbuffers.Dumps({**BASE_OPTIONS, **options}),
    )
    with pytest.raises(RuntimeError, match="DepthwiseConv2dNative: " + message):
        run_tflite(model, [x, w], runtime)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_nchw_from_the_converter_is_refused_as_in_tf(tf, runtime):
    """The converter keeps an NCHW depthwise custom (it transposes Conv2D, not this): TF's CPU
    kernel cannot run it, and neither can opbridge, with TF's message."""
    w = values(np.random.default_rng(0), (3, 3, 4, 1), np.float64)
    spec = ((None,) * 4, tf.float64)

    @tf.function(input_signature=[tf.TensorSpec(*spec)])
    def fn(x):
        return {"out": depthwise(tf, x, w, 1, "SAME", [], data_format="NCHW")}

    model = convert_fn(fn.python_function, spec)
    (use,) = tflite_model.custom_ops(model)
    assert use.name == "DepthwiseConv2dNative"
    x = np.ones((1, 4, 5, 5), np.float64)
    with pytest.raises(tf.errors.UnimplementedError, match="only supported for NHWC"):
        fn(x)
    with pytest.raises(
        RuntimeError, match="DepthwiseConv2dNative: Depthwise convolution on CPU is only supported"
    ):
        run_tflite(model, [x], runtime)


# (Not half: TF's own kernel refuses NCHW half, and so does opbridge's, also where this TF
# would hand half to oneDNN.)
@pytest.mark.parametrize("dtype", [np.float32, ml_dtypes.bfloat16], ids=lambda d: np.dtype(d).name)
def test_nchw_runs_for_the_types_tf_gives_onednn(tf, rng, dtype):
    """TF's own kernel refuses NCHW (float64 above), but TF's x86 build runs float32 and bfloat16
    through oneDNN, which computes it; the converter leaves such a node custom (channels hidden):
    opbridge computes it too, within the bounds."""
    w = values(rng, (3, 2, 4, 2), dtype)
    spec = ((None, 4, None, None), tf.as_dtype(dtype))

    @tf.function(input_signature=[tf.TensorSpec(*spec)])
    def fn(x):
        shape = tf.shape(x)
        x = tf.reshape(x, tf.concat([shape[:1], [-1], shape[2:]], 0))  # channels unknown
        return {"out": depthwise(tf, x, w, 2, "SAME", [], data_format="NCHW")}

    model = convert_fn(fn.python_function, spec)
    (use,) = tflite_model.custom_ops(model)
    assert use.name == "DepthwiseConv2dNative"
    # Without oneDNN for bfloat16 (AVX2-only x86) TF refuses NCHW bfloat16: the reference is oneDNN's
    # way, float32 rounded once; the bound is the same (opbridge rounds each tap's sum to bfloat16,
    # as TF's own kernel: more than one rounding; seen up to 0.89 eps * output scale).
    onednn = np.dtype(dtype) != ml_dtypes.bfloat16 or tf_runs_bfloat16_in_onednn()
    w32 = w.astype(np.float32)
    for shape in [(1, 4, 7, 9), (2, 4, 6, 5)]:
        x = values(rng, shape, dtype)
        if onednn:
            want = fn(x)["out"].numpy()
        else:
            want = bfloat16_reference_via_float32(
                lambda v: depthwise(tf, v, w32, 2, "SAME", [], data_format="NCHW"), x
            )
        nhwc = bound(tf, x.transpose(0, 2, 3, 1), w, (2, "SAME", []), want.transpose(0, 2, 3, 1))
        for runtime in RUNTIMES:
            got = run_tflite(model, [x], runtime)["out"]
            assert_within(got, want, nhwc.transpose(0, 3, 1, 2), f"[{runtime}] NCHW {shape}")
