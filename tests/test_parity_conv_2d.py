"""Conv2D: TFLite kernel vs TF's own kernel, converted where the converter leaves it custom (input
channels unknown at conversion, or a type CONV_2D does not take): every dtype, SAME/VALID/EXPLICIT
padding, strides, dilations, grouped filters, a runtime filter, Keras' layer, empty tensors, NaN and
infinities, thread counts, and TF's errors.

Tolerances. Each output element is a dot product of K = KH*KW*C/G products. TF sums them in its
contraction kernel's order (blocked, vectorized, FMA on AVX2); opbridge in Eigen's GEMM order
(baseline SSE2, no FMA) or, for float sums on an AVX2+FMA CPU, one FMA chain per element
(ops/nn/gemm_float_avx2.h). Neither is the exact sum: for any order, a length-K floating-point dot
product is within gamma_K * sum|x_i w_i| of the exact value (gamma_K = K u / (1 - K u), u the unit
roundoff; Higham, Accuracy and Stability of Numerical Algorithms, 3.1). Two such results differ by at
most twice that, so each element is checked against 2 gamma_K sum|x_i w_i|, with sum|x_i w_i| the
convolution of |x| and |w| (in float64). No tolerance is a fixed number: the bound follows K and
the magnitudes. half and bfloat16 accumulate in float32 in both kernels and round once: their
bound is the float32 one plus one rounding of the result on each side. int32 wraps modulo 2^32 in
both, which no summation order changes: exact.
"""

from __future__ import annotations

import ml_dtypes
import numpy as np
import pytest
from flatbuffers import flexbuffers

from conftest import RUNTIMES, convert_fn
from opbridge import tflite_model
from opbridge.testing import run_tflite

# (name, filter rows, filter cols, strides, dilations, padding, explicit_paddings): windows that
# overlap, stride past each other, dilate, pad unevenly (SAME with an odd total), 1x1 (TF's
# matmul path), and padding that leaves windows entirely outside the image.
GEOMETRIES = [
    ("same_3x3", 3, 3, [1, 1, 1, 1], [1, 1, 1, 1], "SAME", []),
    ("valid_3x2_stride_2x3", 3, 2, [1, 2, 3, 1], [1, 1, 1, 1], "VALID", []),
    ("same_2x3_dilated_2x3", 2, 3, [1, 1, 1, 1], [1, 2, 3, 1], "SAME", []),
    ("same_4x4_stride_2", 4, 4, [1, 2, 2, 1], [1, 1, 1, 1], "SAME", []),
    ("valid_1x1", 1, 1, [1, 1, 1, 1], [1, 1, 1, 1], "VALID", []),
    ("valid_1x1_stride_2", 1, 1, [1, 2, 2, 1], [1, 1, 1, 1], "VALID", []),
    ("explicit_3x3", 3, 3, [1, 1, 1, 1], [1, 1, 1, 1], "EXPLICIT", [0, 0, 1, 2, 0, 3, 0, 0]),
    (
        "explicit_wide_pad_strided_dilated",
        2,
        2,
        [1, 2, 1, 1],
        [1, 1, 2, 1],
        "EXPLICIT",
        [0, 0, 4, 0, 2, 5, 0, 0],
    ),
]
# Input shapes fed to one converted model (its dims are all dynamic): odd sizes, batch > 1, and
# an image as small as the largest dilated window.
SHAPES = [(1, 9, 11), (2, 6, 8), (3, 5, 7)]
FLOATS = [np.float32, np.float64, np.float16, ml_dtypes.bfloat16]
SIXTEEN_BIT = (np.dtype(np.float16), np.dtype(ml_dtypes.bfloat16))


def hide_channels(tf, x):
    """x with its last dim unknown to TF's shape inference, as a reshape through a runtime shape
    leaves it (e.g. a GroupNormalization's reshapes in keras-hub's SD3 VAE)."""
    shape = tf.shape(x)
    return tf.reshape(x, tf.concat([shape[:-1], [-1]], 0))


def conv(tf, x, w, strides, dilations, padding, explicit_paddings, data_format="NHWC"):
    return tf.raw_ops.Conv2D(
        input=x,
        filter=w,
        strides=strides,
        padding=padding,
        explicit_paddings=explicit_paddings,
        data_format=data_format,
        dilations=dilations,
    )


def values(rng, shape, dtype) -> np.ndarray:
    if np.dtype(dtype) == np.int32:
        return rng.integers(-50, 50, shape).astype(np.int32)
    return rng.uniform(-1, 1, shape).astype(dtype)


def gamma(k: int, dtype) -> float:
    """gamma_K = K u / (1 - K u): the relative error bound of a K-term dot product."""
    u = float(ml_dtypes.finfo(dtype).eps) / 2
    return k * u / (1 - k * u)


def reduction_length(w: np.ndarray, in_depth: int | None = None) -> int:
    return int(w.shape[0] * w.shape[1] * w.shape[2])


def bound(tf, x, w, geometry_args, want: np.ndarray) -> np.ndarray:
    """2 gamma_K sum|x_i w_i| per element, plus a final rounding each side for 16-bit types."""
    dtype = np.dtype(want.dtype)
    accumulate = np.float32 if dtype in SIXTEEN_BIT else dtype
    k = reduction_length(w)
    magnitude = conv(tf, np.abs(x.astype(np.float64)), np.abs(w.astype(np.float64)), *geometry_args).numpy()
    # TF flushes subnormal products to zero: up to K times the smallest normal each.
    result = 2 * gamma(k, accumulate) * magnitude + 2 * k * float(np.finfo(accumulate).tiny)
    if dtype in SIXTEEN_BIT:
        result += 2 * float(ml_dtypes.finfo(dtype).eps) * np.abs(want.astype(np.float64))
    return result


def assert_within(got: np.ndarray, want: np.ndarray, limit: np.ndarray | None, what: str) -> float:
    """Same shape and dtype; NaN where TF has NaN, the same infinities, finite values within
    `limit` (exact when None). Returns the worst error as a fraction of its bound."""
    assert got.shape == want.shape, f"{what}: shape {got.shape}, TF gives {want.shape}"
    assert got.dtype == want.dtype, f"{what}: dtype {got.dtype}, TF gives {want.dtype}"
    if limit is None:
        np.testing.assert_array_equal(got, want, err_msg=what)
        return 0.0
    g, e = got.astype(np.float64), want.astype(np.float64)
    np.testing.assert_array_equal(np.isnan(g), np.isnan(e), err_msg=f"{what}: NaN positions")
    infinite = np.isinf(e)
    np.testing.assert_array_equal(g[infinite], e[infinite], err_msg=f"{what}: infinities")
    finite = np.isfinite(e)
    assert np.isfinite(g[finite]).all(), f"{what}: non-finite values where TF is finite"
    err = np.abs(g - e)[finite]
    lim = limit[finite]
    if err.size == 0:
        return 0.0
    worst = int(np.argmax(err - lim))
    assert err[worst] <= lim[worst], (
        f"{what}: |tflite - tf| = {err[worst]:.3g} beyond the bound {lim[worst]:.3g} "
        f"(tf={e[finite][worst]!r}, tflite={g[finite][worst]!r})"
    )
    return float(np.max(err / np.maximum(lim, np.finfo(np.float64).tiny)))


def check_model(tf, fn, model, feeds, geometry_of, filters, exact: bool, runtimes=RUNTIMES, **kw) -> float:
    """Runs `model` on each feed in every runtime and compares each output with TF's."""
    worst = 0.0
    for inputs in feeds:
        want = {k: v.numpy() for k, v in fn(*inputs).items()}
        for runtime in runtimes:
            got = run_tflite(model, list(inputs), runtime, **kw)
            for name, w in want.items():
                limit = None if exact else bound(tf, inputs[0], filters[name], geometry_of[name], w)
                shape = tuple(inputs[0].shape)
                worst = max(worst, assert_within(got[name], w, limit, f"[{runtime}] {name} input {shape}"))
    return worst


def geometry_model(tf, rng, dtype, channels=4, out_channels=5):
    filters, geometry_of = {}, {}
    for name, kr, kc, strides, dilations, padding, pads in GEOMETRIES:
        filters[name] = values(rng, (kr, kc, channels, out_channels), dtype)
        geometry_of[name] = (strides, dilations, padding, pads)

    def fn(x):
        x = hide_channels(tf, x)
        return {name: conv(tf, x, tf.constant(filters[name]), *geometry_of[name]) for name in filters}

    spec = ((None, None, None, channels), tf.as_dtype(dtype))
    return fn, convert_fn(fn, spec), filters, geometry_of, spec


def test_converter_leaves_conv2d_custom_only_where_the_builtin_cannot(tf, rng):
    """Channels known (or recoverable from a fully static shape), float32, static filter shape:
    the builtin CONV_2D takes the node and nothing changes. Channels unknown, a filter of dynamic
    shape, or a type CONV_2D lacks: CUSTOM Conv2D, which is what opbridge runs."""
    w = values(rng, (3, 3, 4, 5), np.float32)
    f32 = tf.float32

    def same(x, f):
        return conv(tf, x, f, [1] * 4, [1] * 4, "SAME", [])

    builtin = {
        "channels known": convert_fn(lambda x: same(x, w), ((None, None, None, 4), f32)),
        "static shape, reshaped": convert_fn(lambda x: same(hide_channels(tf, x), w), ((1, 8, 8, 4), f32)),
        "runtime filter": convert_fn(same, ((None, None, None, 4), f32), ((3, 3, 4, 5), f32)),
    }
    for name, model in builtin.items():
        assert tflite_model.custom_op_counts(model) == {}, name
        assert tflite_model.op_histogram(model).get("CONV_2D") == 1, name
    custom = {
        "channels hidden": convert_fn(lambda x: same(hide_channels(tf, x), w), ((None, None, None, 4), f32)),
        "unknown rank": convert_fn(lambda x: same(x, w), (None, f32)),
        "concat": convert_fn(
            lambda x, y: same(tf.concat([x, y], -1), w), ((None, None, None, 2), f32), ((None,) * 4, f32)
        ),
        "filter shape dynamic": convert_fn(same, ((None, None, None, 4), f32), ((None, None, 4, None), f32)),
        "float64": convert_fn(lambda x: same(x, w.astype(np.float64)), ((None, None, None, 4), tf.float64)),
        "int32": convert_fn(lambda x: same(x, w.astype(np.int32)), ((None, None, None, 4), tf.int32)),
    }
    for name, model in custom.items():
        assert tflite_model.custom_op_counts(model) == {"Conv2D": 1}, name
        assert "CONV_2D" not in tflite_model.op_histogram(model), name


@pytest.mark.parametrize("dtype", FLOATS, ids=lambda d: np.dtype(d).name)
def test_every_geometry_and_float_type(tf, rng, dtype):
    fn, model, filters, geometry_of, spec = geometry_model(tf, rng, dtype)
    assert tflite_model.custom_op_counts(model) == {"Conv2D": len(GEOMETRIES)}
    tf_fn = tf.function(fn, input_signature=[tf.TensorSpec(*spec)])
    feeds = [(values(rng, (*s, 4), dtype),) for s in SHAPES]
    check_model(tf, tf_fn, model, feeds, geometry_of, filters, exact=False)


def test_int32_wraps_as_tf(tf, rng):
    """TF's int32 convolution wraps modulo 2^32; so does opbridge's, whatever the order: exact."""
    fn, model, filters, geometry_of, spec = geometry_model(tf, rng, np.int32)
    tf_fn = tf.function(fn, input_signature=[tf.TensorSpec(*spec)])
    big = rng.integers(-(2**31), 2**31 - 1, (2, 6, 8, 4)).astype(np.int32)
    feeds = [(values(rng, (*s, 4), np.int32),) for s in SHAPES] + [(big,)]
    check_model(tf, tf_fn, model, feeds, geometry_of, filters, exact=True)


@pytest.mark.parametrize("in_depth,filter_depth,out_depth", [(6, 2, 9), (6, 3, 4), (8, 1, 8)])
def test_grouped_filters(tf, rng, in_depth, filter_depth, out_depth):
    """An input with a multiple of the filter's depth is a grouped convolution in TF's CPU kernel:
    output channel f of F sees input channels of group f // (F / G)."""
    filters = {"same": values(rng, (3, 3, filter_depth, out_depth), np.float32)}
    filters["explicit_strided"] = values(rng, (2, 3, filter_depth, out_depth), np.float32)
    geometry_of = {
        "same": ([1, 1, 1, 1], [1, 1, 1, 1], "SAME", []),
        "explicit_strided": ([1, 2, 1, 1], [1, 1, 2, 1], "EXPLICIT", [0, 0, 1, 1, 2, 0, 0, 0]),
    }

    @tf.function(input_signature=[tf.TensorSpec((None, None, None, in_depth), tf.float32)])
    def fn(x):
        x = hide_channels(tf, x)
        return {k: conv(tf, x, tf.constant(filters[k]), *geometry_of[k]) for k in filters}

    model = convert_fn(fn.python_function, ((None, None, None, in_depth), tf.float32))
    assert tflite_model.custom_op_counts(model) == {"Conv2D": 2}
    feeds = [(values(rng, (2, 7, 6, in_depth), np.float32),)]
    check_model(tf, fn, model, feeds, geometry_of, filters, exact=False)


def test_filter_is_a_runtime_input(tf, rng):
    """A filter computed in the graph, of any shape: 1x1 (the input is the im2col matrix), long
    reductions that span several GEMM blocks, many output channels."""
    geometry = ([1, 1, 1, 1], [1, 1, 1, 1], "SAME", [])

    @tf.function(
        input_signature=[tf.TensorSpec((None,) * 4, tf.float32), tf.TensorSpec((None,) * 4, tf.float32)]
    )
    def fn(x, w):
        return {"out": conv(tf, x, w, *geometry)}

    model = convert_fn(fn.python_function, ((None,) * 4, tf.float32), ((None,) * 4, tf.float32))
    assert tflite_model.custom_op_counts(model) == {"Conv2D": 1}
    for xs, ws in [
        ((2, 5, 6, 3), (1, 1, 3, 4)),
        ((1, 8, 8, 300), (3, 3, 300, 7)),
        ((1, 6, 5, 16), (5, 5, 16, 130)),
        ((3, 4, 4, 2), (4, 4, 2, 3)),
    ]:
        x, w = values(rng, xs, np.float32), values(rng, ws, np.float32)
        check_model(tf, fn, model, [(x, w)], {"out": geometry}, {"out": w}, exact=False)


def test_keras_conv2d_after_unknown_channels(tf, rng):
    """Keras' Conv2D layer (bias, activation) on a tensor whose channels a reshape hid, as in
    keras-hub's Stable Diffusion 3 VAE."""
    keras = tf.keras
    layer = keras.layers.Conv2D(6, 3, padding="same", activation="relu")
    layer.build((None, None, None, 4))

    @tf.function(input_signature=[tf.TensorSpec((None, None, None, 4), tf.float32)])
    def fn(x):
        return {"out": layer(hide_channels(tf, x))}

    model = convert_fn(fn.python_function, ((None, None, None, 4), tf.float32))
    assert tflite_model.custom_op_counts(model) == {"Conv2D": 1}
    w = layer.kernel.numpy()
    geometry = ([1, 1, 1, 1], [1, 1, 1, 1], "SAME", [])
    for shape in [(1, 8, 8, 4), (2, 5, 3, 4)]:
        x = values(rng, shape, np.float32)
        want = fn(x)["out"].numpy()
        # relu(conv + b) moves by at most what conv + b moves.
        limit = bound(tf, x, w, geometry, want)
        for runtime in RUNTIMES:
            (got,) = run_tflite(model, [x], runtime).values()
            assert_within(got, want, limit, f"[{runtime}] keras {shape}")


@pytest.mark.parametrize(
    "name,x_shape,w_shape,geometry",
    [
        ("empty batch", (0, 5, 5, 4), (3, 3, 4, 5), ([1] * 4, [1] * 4, "SAME", [])),
        ("no rows, SAME", (2, 0, 5, 4), (3, 3, 4, 5), ([1] * 4, [1] * 4, "SAME", [])),
        ("no output channels", (2, 5, 5, 4), (3, 3, 4, 0), ([1] * 4, [1] * 4, "SAME", [])),
        ("window one past the image", (1, 2, 5, 4), (3, 3, 4, 5), ([1] * 4, [1] * 4, "VALID", [])),
        (
            "only padding",
            (1, 0, 0, 4),
            (2, 2, 4, 3),
            ([1] * 4, [1] * 4, "EXPLICIT", [0, 0, 1, 2, 2, 1, 0, 0]),
        ),
        ("no input channels", (1, 4, 4, 0), (2, 2, 1, 3), ([1] * 4, [1] * 4, "SAME", [])),
    ],
)
def test_empty_tensors_as_tf(tf, rng, name, x_shape, w_shape, geometry):
    """TF returns an empty output as is, and zeros when only padding was seen (an empty input).
    float64: TF's own kernel (oneDNN, which takes float32, refuses a 0-channel input)."""

    @tf.function(
        input_signature=[tf.TensorSpec((None,) * 4, tf.float64), tf.TensorSpec((None,) * 4, tf.float64)]
    )
    def fn(x, w):
        return {"out": conv(tf, x, w, *geometry)}

    model = convert_fn(fn.python_function, ((None,) * 4, tf.float64), ((None,) * 4, tf.float64))
    x, w = values(rng, x_shape, np.float64), values(rng, w_shape, np.float64)
    want = fn(x, w)["out"].numpy()
    for runtime in RUNTIMES:
        got = run_tflite(model, [x, w], runtime)["out"]
        assert_within(got, want, None, f"[{runtime}] {name}")


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=lambda d: np.dtype(d).name)
def test_nan_and_infinities(tf, rng, dtype):
    """NaN and inf propagate through the sums as in TF. TF's kernel multiplies the zeros of SAME
    padding by the filter, so an infinite weight makes the border NaN (0 * inf): float64 checks
    that against TF's own kernel. float32 keeps the filter finite: TF's default x86 build gives
    float32 to oneDNN, which skips padding taps instead (finite border), unlike TF's kernel."""
    x = values(rng, (2, 6, 7, 3), dtype)
    x[0, 2, 3, 1] = np.nan
    x[1, 0, 0, 0] = np.inf
    x[1, 4, 5, 2] = -np.inf
    w = values(rng, (3, 3, 3, 4), dtype)
    if dtype == np.float64:
        w[2, 2, 0, 3] = np.inf
    geometry = ([1] * 4, [1] * 4, "SAME", [])
    spec = ((None,) * 4, tf.as_dtype(dtype))

    @tf.function(input_signature=[tf.TensorSpec(*spec), tf.TensorSpec(*spec)])
    def fn(x, w):
        return {"out": conv(tf, x, w, *geometry)}

    model = convert_fn(fn.python_function, spec, spec)
    want = fn(x, w)["out"].numpy()
    assert np.isnan(want).any() and np.isinf(want).any()
    limit = bound(tf, x, w, geometry, want)
    for runtime in RUNTIMES:
        assert_within(run_tflite(model, [x, w], runtime)["out"], want, limit, f"[{runtime}] special values")


def test_threads_do_not_change_results(tf, rng):
    """Work items are fixed tiles of output pixels (one GEMM each, sized from K alone): any thread
    count gives the same bits."""
    geometry = ([1, 2, 1, 1], [1, 1, 1, 1], "SAME", [])

    @tf.function(
        input_signature=[tf.TensorSpec((None,) * 4, tf.float32), tf.TensorSpec((None,) * 4, tf.float32)]
    )
    def fn(x, w):
        return {"out": conv(tf, x, w, *geometry)}

    model = convert_fn(fn.python_function, ((None,) * 4, tf.float32), ((None,) * 4, tf.float32))
    for xs, ws in [((2, 40, 33, 24), (3, 3, 24, 40)), ((1, 64, 64, 3), (5, 5, 3, 16))]:
        x, w = values(rng, xs, np.float32), values(rng, ws, np.float32)
        one = run_tflite(model, [x, w], num_threads=1)["out"]
        for threads in (2, 3, 4):
            np.testing.assert_array_equal(run_tflite(model, [x, w], num_threads=threads)["out"], one)
        want = fn(x, w)["out"].numpy()
        assert_within(one, want, bound(tf, x, w, geometry, want), f"threads {xs}")


# The converter's options for a float64 Conv2D (T as TFLite's type enum: 10 is float64).
BASE_OPTIONS = {
    "T": 10,
    "strides": [1, 1, 1, 1],
    "use_cudnn_on_gpu": True,
    "padding": "SAME",
    "explicit_paddings": [],
    "data_format": "NHWC",
    "dilations": [1, 1, 1, 1],
}


def single_conv_model(options, x_shape, w_shape, out_shape, dtype=np.float64):
    return tflite_model.single_custom_op_model(
        "Conv2D",
        [("input", x_shape, dtype), ("filter", w_shape, dtype)],
        [("output", out_shape, dtype)],
        options=flexbuffers.Dumps({**BASE_OPTIONS, **options}),
    )


# name: (attrs, input shape, filter shape, TF's message). Attr errors come from TF's kernel
# construction, shape errors from its compute; opbridge reports each at prepare or invoke. TF runs
# float64 here: TF's default x86 build hands float32 Conv2D to oneDNN (_MklNativeConv2D), which
# validates differently (it computes NCHW, accepts explicit_paddings with SAME, errors on a
# 0-channel input); the reference is TF's own CPU kernel, which every other type runs.
ERRORS = {
    "NCHW on CPU": (
        {"data_format": "NCHW"},
        (1, 4, 5, 5),
        (3, 3, 4, 2),
        r"The Conv2D op currently only supports the NHWC tensor format on the CPU. The op was given the "
        r"format: NCHW",
    ),
    "batch stride": (
        {"strides": [2, 1, 1, 1]},
        (1, 5, 5, 4),
        (3, 3, 4, 2),
        r"Current implementation does not yet support strides in the batch and depth dimensions",
    ),
    "zero stride": (
        {"strides": [1, 0, 1, 1]},
        (1, 5, 5, 4),
        (3, 3, 4, 2),
        r"Row and column strides should be larger than 0",
    ),
    "three strides": (
        {"strides": [1, 1, 1]},
        (1, 5, 5, 4),
        (3, 3, 4, 2),
        r"Sliding window strides field must specify 4 dimensions",
    ),
    "depth dilation": (
        {"dilations": [1, 1, 1, 2]},
        (1, 5, 5, 4),
        (3, 3, 4, 2),
        r"Current implementation does not yet support dilations in the batch and depth dimensions",
    ),
    "zero dilation": (
        {"dilations": [1, 1, 0, 1]},
        (1, 5, 5, 4),
        (3, 3, 4, 2),
        r"Dilated rates should be larger than 0",
    ),
    "explicit paddings with SAME": (
        {"explicit_paddings": [0, 0, 1, 1, 1, 1, 0, 0]},
        (1, 5, 5, 4),
        (3, 3, 4, 2),
        r"explicit_paddings attribute must be empty if the padding attribute is not EXPLICIT",
    ),
    "explicit paddings count": (
        {"padding": "EXPLICIT", "explicit_paddings": [0, 0, 1, 1, 1, 1]},
        (1, 5, 5, 4),
        (3, 3, 4, 2),
        r"explicit_paddings attribute must contain 8 values, but got: 6",
    ),
    "negative explicit padding": (
        {"padding": "EXPLICIT", "explicit_paddings": [0, 0, -1, 1, 1, 1, 0, 0]},
        (1, 5, 5, 4),
        (3, 3, 4, 2),
        r"All elements of explicit_paddings must be nonnegative",
    ),
    "depth padding": (
        {"padding": "EXPLICIT", "explicit_paddings": [0, 0, 1, 1, 1, 1, 0, 1]},
        (1, 5, 5, 4),
        (3, 3, 4, 2),
        r"Nonzero explicit padding in the batch or depth dimensions is not supported",
    ),
    "depth not a multiple": (
        {},
        (1, 5, 5, 5),
        (3, 3, 2, 2),
        r"input depth must be evenly divisible by filter depth: 5 vs 2",
    ),
    "groups and output depth": (
        {},
        (1, 5, 5, 6),
        (3, 3, 2, 4),
        r"output depth must be evenly divisible by number of groups: 4 vs 3",
    ),
    "zero filter rows": (
        {"padding": "VALID"},
        (1, 5, 5, 4),
        (0, 3, 4, 2),
        r"filter must not have zero elements \(i.e. all dimensions must be non-zero\)",
    ),
    "input rank": ({}, (5, 5, 4), (3, 3, 4, 2), r"convolution input must be 4-dimensional: \[5, ?5, ?4\]"),
    "batch dims": ({}, (2, 1, 5, 5, 4), (3, 3, 4, 2), r"convolution input must be 4-dimensional"),
    "filter rank": ({}, (1, 5, 5, 4), (3, 4, 2), r"convolution filter must be 4-dimensional: \[3, ?4, ?2\]"),
    "filter depth 0": ({}, (1, 4, 4, 0), (2, 2, 0, 3), r"filter depth must be stricly positive, got 0"),
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
        tf.raw_ops.Conv2D(input=x, filter=w, **attrs)
    # The output's declared shape does not matter: prepare sizes it, or fails first.
    model = single_conv_model(options, x_shape, w_shape, [1, 1, 1, 1])
    with pytest.raises(RuntimeError, match="Conv2D: " + message):
        run_tflite(model, [x, w], runtime)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_nchw_without_work_is_not_an_error_as_in_tf(tf, runtime):
    """TF's CPU kernel refuses NCHW only once there is something to compute: an empty output is
    returned as is, an empty input gives zeros (NCHW-shaped). (The converter itself never leaves
    an NCHW Conv2D: it transposes to NHWC.)"""
    w = np.ones((3, 3, 4, 2), np.float64)
    for x_shape, options in [
        ((0, 4, 5, 5), {}),
        ((1, 4, 0, 0), {"padding": "EXPLICIT", "explicit_paddings": [0, 0, 0, 0, 2, 2, 2, 2]}),
    ]:
        x = np.ones(x_shape, np.float64)
        attrs = {k: v for k, v in {**BASE_OPTIONS, "data_format": "NCHW", **options}.items() if k != "T"}
        want = tf.raw_ops.Conv2D(input=x, filter=w, **attrs).numpy()
        model = single_conv_model({"data_format": "NCHW", **options}, x_shape, w.shape, want.shape)
        got = run_tflite(model, [x, w], runtime)["output"]
        assert_within(got, want, None, f"[{runtime}] NCHW {x_shape}")
