"""Conv3D: TFLite kernel vs TF's own kernel where the converter leaves it custom (float64, half,
bfloat16: float32 always becomes the builtin CONV_3D): SAME/VALID, strides, empty tensors, NaN and
infinities, thread counts, and TF's errors.

Tolerances (see tests/test_parity_conv_2d.py): K = KD*KH*KW*C products per element, summed in
different orders; float64 within 2 gamma_K sum|x w|. half and bfloat16: opbridge sums in float32 and
rounds once; TF's CPU kernel sums in the type itself (Eigen's CuboidConvolution on half; oneDNN
sums bfloat16 in float32), so TF's own error reaches gamma_K in that type: the bound is
(gamma_K(T) + gamma_K(float32)) sum|x w| plus one rounding of the result.
"""

from __future__ import annotations

import ml_dtypes
import numpy as np
import pytest
from flatbuffers import flexbuffers

from conftest import RUNTIMES, bfloat16_reference_via_float32, convert_fn
from opbridge import tflite_model
from opbridge.testing import run_tflite
from test_parity_conv_2d import assert_within, gamma, hide_channels

# (name, filter dims, strides, padding)
GEOMETRIES = [
    ("same_3x3x3", (3, 3, 3), [1, 1, 1, 1, 1], "SAME"),
    ("valid_2x3x2_strided", (2, 3, 2), [1, 2, 1, 3, 1], "VALID"),
    ("same_4x2x3_stride_2", (4, 2, 3), [1, 2, 2, 2, 1], "SAME"),
    ("valid_1x1x1", (1, 1, 1), [1, 1, 1, 1, 1], "VALID"),
]
SHAPES = [(1, 5, 6, 7), (2, 4, 5, 4)]
DTYPES = [np.float64, np.float16, ml_dtypes.bfloat16]


def conv3d(tf, x, w, strides, padding, data_format="NDHWC", dilations=(1, 1, 1, 1, 1)):
    return tf.raw_ops.Conv3D(
        input=x,
        filter=w,
        strides=strides,
        padding=padding,
        data_format=data_format,
        dilations=list(dilations),
    )


def values(rng, shape, dtype) -> np.ndarray:
    return rng.uniform(-1, 1, shape).astype(dtype)


def bound(tf, x, w, geometry, want) -> np.ndarray:
    k = int(np.prod(w.shape[:4]))
    magnitude = conv3d(tf, np.abs(x.astype(np.float64)), np.abs(w.astype(np.float64)), *geometry).numpy()
    if want.dtype == np.float64:
        return 2 * gamma(k, np.float64) * magnitude
    eps = float(ml_dtypes.finfo(want.dtype).eps)
    tiny = 2 * k * float(np.finfo(np.float32).tiny)
    return (
        (gamma(k, want.dtype) + gamma(k, np.float32)) * magnitude
        + eps * np.abs(want.astype(np.float64))
        + tiny
    )


def test_converter_leaves_conv3d_custom_only_where_the_builtin_cannot(tf, rng):
    w = values(rng, (3, 3, 3, 4, 5), np.float32)

    def same(x, f):
        return conv3d(tf, x, f, [1] * 5, "SAME")

    spec = ((None, None, None, None, 4), tf.float32)
    for name, model in {
        "float32": convert_fn(lambda x: same(x, w), spec),
        "float32, channels hidden": convert_fn(lambda x: same(hide_channels(tf, x), w), spec),
    }.items():
        assert tflite_model.custom_op_counts(model) == {}, name
        assert tflite_model.op_histogram(model).get("CONV_3D") == 1, name
    for dtype in DTYPES:
        typed = w.astype(dtype)
        model = convert_fn(lambda x, f=typed: same(x, f), ((None,) * 4 + (4,), tf.as_dtype(dtype)))
        assert tflite_model.custom_op_counts(model) == {"Conv3D": 1}, np.dtype(dtype).name


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_every_geometry(tf, rng, dtype):
    filters = {name: values(rng, (*dims, 3, 4), dtype) for name, dims, _, _ in GEOMETRIES}
    geometry_of = {name: (strides, padding) for name, _, strides, padding in GEOMETRIES}
    spec = ((None,) * 5, tf.as_dtype(dtype))

    @tf.function(input_signature=[tf.TensorSpec(*spec)])
    def fn(x):
        return {name: conv3d(tf, x, tf.constant(filters[name]), *geometry_of[name]) for name in filters}

    model = convert_fn(fn.python_function, spec)
    assert tflite_model.custom_op_counts(model) == {"Conv3D": len(GEOMETRIES)}
    for shape in SHAPES:
        x = values(rng, (*shape, 3), dtype)
        if dtype == ml_dtypes.bfloat16:
            # TF in float32 on the same bfloat16 values, rounded once: where TF's oneDNN runs
            # bfloat16 natively (AMX, Intel Xeon), its strided VALID Conv3D returned values up to
            # 1e31 (TF 2.21; docs/design.md), so TF's own bfloat16 output is no reference there.
            def fn32(v):
                return {
                    name: conv3d(tf, v, tf.constant(filters[name].astype(np.float32)), *geometry_of[name])
                    for name in filters
                }

            want = bfloat16_reference_via_float32(fn32, x)
        else:
            want = {k: v.numpy() for k, v in fn(x).items()}
        for runtime in RUNTIMES:
            got = run_tflite(model, [x], runtime)
            for name, w in want.items():
                limit = bound(tf, x, filters[name], geometry_of[name], w)
                assert_within(got[name], w, limit, f"[{runtime}] {name} {shape}")


@pytest.mark.parametrize(
    "name,x_shape,geometry",
    [
        ("empty batch", (0, 4, 5, 5, 3), ([1] * 5, "SAME")),
        ("no planes", (1, 0, 5, 5, 3), ([1] * 5, "SAME")),
        ("window one past the volume", (1, 2, 5, 5, 3), ([1] * 5, "VALID")),
    ],
)
def test_empty_outputs_as_tf(tf, rng, name, x_shape, geometry):
    w = values(rng, (3, 3, 3, 3, 2), np.float64)
    spec = ((None,) * 5, tf.float64)

    @tf.function(input_signature=[tf.TensorSpec(*spec)])
    def fn(x):
        return {"out": conv3d(tf, x, tf.constant(w), *geometry)}

    model = convert_fn(fn.python_function, spec)
    x = values(rng, x_shape, np.float64)
    want = fn(x)["out"].numpy()
    for runtime in RUNTIMES:
        assert_within(run_tflite(model, [x], runtime)["out"], want, None, f"[{runtime}] {name}")


def test_nan_infinities_and_threads(tf, rng):
    """NaN/inf propagate as in TF (0 * inf in the padding is NaN); 1 to 4 threads give the same bits."""
    x = values(rng, (2, 6, 9, 8, 5), np.float64)
    x[0, 1, 2, 3, 4] = np.nan
    x[1, 0, 0, 0, 0] = np.inf
    w = values(rng, (3, 3, 3, 5, 6), np.float64)
    w[2, 2, 2, 1, 3] = -np.inf
    geometry = ([1, 1, 2, 1, 1], "SAME")
    spec = ((None,) * 5, tf.float64)

    @tf.function(input_signature=[tf.TensorSpec(*spec), tf.TensorSpec(*spec)])
    def fn(x, w):
        return {"out": conv3d(tf, x, w, *geometry)}

    model = convert_fn(fn.python_function, spec, spec)
    want = fn(x, w)["out"].numpy()
    assert np.isnan(want).any() and np.isinf(want).any()
    limit = bound(tf, x, w, geometry, want)
    for runtime in RUNTIMES:
        assert_within(run_tflite(model, [x, w], runtime)["out"], want, limit, f"[{runtime}] special values")
    one = run_tflite(model, [x, w], num_threads=1)["out"]
    for threads in (2, 3, 4):
        np.testing.assert_array_equal(run_tflite(model, [x, w], num_threads=threads)["out"], one)


BASE_OPTIONS = {
    "T": 10,  # TFLite's float64
    "strides": [1, 1, 1, 1, 1],
    "padding": "SAME",
    "data_format": "NDHWC",
    "dilations": [1, 1, 1, 1, 1],
}
X, W = (1, 4, 5, 5, 4), (2, 3, 3, 4, 2)

# name: (attrs, input shape, filter shape, TF's message), TF running float64 (its own kernel).
ERRORS = {
    "NCDHW on CPU": (
        {"data_format": "NCDHW"},
        (1, 4, 4, 5, 5),
        W,
        r"CPU implementation of Conv3D currently only supports the NHWC tensor format\.",
    ),
    "dilations on CPU": (
        {"dilations": [1, 2, 1, 1, 1]},
        X,
        W,
        r"CPU implementation of Conv3D currently only supports dilated rates of 1\.",
    ),
    "grouped on CPU": (
        {},
        (1, 4, 5, 5, 8),
        W,
        r"Number of channels in filter \(4\) must match last dimension of input \(8\)",
    ),
    "batch stride": (
        {"strides": [2, 1, 1, 1, 1]},
        X,
        W,
        r"Current implementation does not yet support strides in the batch and depth dimensions",
    ),
    "zero stride": ({"strides": [1, 0, 1, 1, 1]}, X, W, r"Spatial strides should be larger than 0"),
    "four strides": (
        {"strides": [1, 1, 1, 1]},
        X,
        W,
        r"Length for attr 'strides' of 4 must be at least minimum 5",
    ),
    "depth dilation": (
        {"dilations": [1, 1, 1, 1, 2]},
        X,
        W,
        r"Current implementation does not yet support dilation rates in the batch and depth dimensions",
    ),
    "zero dilation": ({"dilations": [1, 0, 1, 1, 1]}, X, W, r"Dilated rates should be larger than 0"),
    "four dilations": ({"dilations": [1, 1, 1, 1]}, X, W, r"Dilation rates field must specify 5 dimensions"),
    "depth not a multiple": (
        {},
        (1, 4, 5, 5, 5),
        W,
        r"Input depth must be evenly divisible by filter depth: 5 vs 4",
    ),
    "filter depth 0": ({}, (1, 4, 5, 5, 0), (2, 3, 3, 0, 2), r"filter_depth must be non-zero"),
    "no output channels": (
        {},
        X,
        (2, 3, 3, 4, 0),
        r"filter must not have zero elements \(i\.e\. all dimensions must be non-zero\)",
    ),
    "input rank": ({}, (4, 5, 5, 4), W, r"input must be 5-dimensional"),
    "filter rank": ({}, X, (3, 3, 4, 2), r"filter must be 5-dimensional"),
    "negative output size": (
        {"padding": "VALID"},
        (1, 1, 5, 5, 4),
        (3, 3, 3, 4, 2),
        r"Computed output size would be negative: -1 \[input_size: 1, effective_filter_size: 3, stride: 1\]",
    ),
}


@pytest.mark.parametrize("runtime", RUNTIMES)
@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors_as_in_tf(tf, runtime, name):
    options, x_shape, w_shape, message = ERRORS[name]
    attrs = {k: v for k, v in {**BASE_OPTIONS, **options}.items() if k != "T"}
    x, w = np.ones(x_shape, np.float64), np.ones(w_shape, np.float64)
    with pytest.raises((tf.errors.InvalidArgumentError, tf.errors.UnimplementedError), match=message):
        tf.raw_ops.Conv3D(input=x, filter=w, **attrs)
    model = tflite_model.single_custom_op_model(
        "Conv3D",
        [("input", x_shape, np.float64), ("filter", w_shape, np.float64)],
        [("output", [1, 1, 1, 1, 1], np.float64)],
        options=flexbuffers.Dumps({**BASE_OPTIONS, **options}),
    )
    with pytest.raises(RuntimeError, match="Conv3D: " + message):
        run_tflite(model, [x, w], runtime)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_ncdhw_empty_output_is_not_an_error_as_in_tf(tf, runtime):
    """TF's CPU kernel refuses NCDHW only when there is something to compute."""
    x, w = np.ones((0, 4, 4, 5, 5), np.float64), np.ones(W, np.float64)
    attrs = {k: v for k, v in {**BASE_OPTIONS, "data_format": "NCDHW"}.items() if k != "T"}
    want = tf.raw_ops.Conv3D(input=x, filter=w, **attrs).numpy()
    model = tflite_model.single_custom_op_model(
        "Conv3D",
        [("input", x.shape, np.float64), ("filter", w.shape, np.float64)],
        [("output", want.shape, np.float64)],
        options=flexbuffers.Dumps({**BASE_OPTIONS, "data_format": "NCDHW"}),
    )
    assert_within(run_tflite(model, [x, w], runtime)["output"], want, None, f"[{runtime}] NCDHW empty")
