"""Conv2DBackpropInput (tf.nn.conv2d_transpose): TFLite kernel vs TF's own kernel where the
converter leaves it custom (EXPLICIT padding in float32; float64, half, bfloat16, int32 always):
strides, paddings, constant and runtime input_sizes (4 or 2 values), empty tensors, NaN and
infinities, thread counts, and TF's errors.

Tolerances (see tests/test_parity_conv_2d.py): each output element sums at most K = KH*KW*F
products; float32/float64 within 2 gamma_K sum|dy w|. half and bfloat16: opbridge sums in float32
and rounds once, TF's kernel sums in the type itself (GEMM then col2im in T), so the bound is
(gamma_K(T) + gamma_K(float32)) sum|dy w| plus one rounding. int32 wraps in both: exact.
"""

from __future__ import annotations

import ml_dtypes
import numpy as np
import pytest
from flatbuffers import flexbuffers

from conftest import RUNTIMES, bfloat16_reference_via_float32, convert_fn, tf_runs_bfloat16_in_onednn
from opbridge import tflite_model
from opbridge.testing import run_tflite
from test_parity_conv_2d import assert_within, gamma, hide_channels, values

# (name, filter rows, filter cols, strides, padding, explicit_paddings, forward input H, W)
GEOMETRIES = [
    ("same_3x3_stride_2", 3, 3, [1, 2, 2, 1], "SAME", [], 9, 8),
    ("valid_2x3_stride_2x3", 2, 3, [1, 2, 3, 1], "VALID", [], 7, 11),
    ("same_4x4_stride_1", 4, 4, [1, 1, 1, 1], "SAME", [], 5, 6),
    ("valid_1x1_stride_3", 1, 1, [1, 3, 3, 1], "VALID", [], 7, 7),
    ("explicit_3x2_stride_2", 3, 2, [1, 2, 2, 1], "EXPLICIT", [0, 0, 1, 2, 0, 3, 0, 0], 8, 5),
    ("explicit_2x2_wide_pad", 2, 2, [1, 1, 2, 1], "EXPLICIT", [0, 0, 3, 0, 2, 2, 0, 0], 4, 6),
]
DTYPES = [np.float64, np.float16, ml_dtypes.bfloat16]
C, F = 3, 4  # forward input channels, forward output channels


def backprop(tf, sizes, w, dy, strides, padding, explicit_paddings):
    return tf.raw_ops.Conv2DBackpropInput(
        input_sizes=sizes,
        filter=w,
        out_backprop=dy,
        strides=strides,
        padding=padding,
        explicit_paddings=explicit_paddings,
    )


def forward_out(tf, h, w, kr, kc, strides, padding, pads):
    """The forward convolution's output size (out_backprop's spatial dims)."""
    x = np.zeros((1, h, w, 1))
    return tuple(
        tf.raw_ops.Conv2D(
            input=x, filter=np.zeros((kr, kc, 1, 1)), strides=strides, padding=padding, explicit_paddings=pads
        ).shape[1:3]
    )


def bound(tf, sizes, w, dy, geometry, want) -> np.ndarray | None:
    if want.dtype == np.int32:
        return None
    k = int(w.shape[0] * w.shape[1] * w.shape[3])
    magnitude = backprop(
        tf, sizes, np.abs(w.astype(np.float64)), np.abs(dy.astype(np.float64)), *geometry
    ).numpy()
    tiny = 2 * k * float(np.finfo(np.float32).tiny)
    if want.dtype in (np.float32, np.float64):
        return 2 * gamma(k, want.dtype) * magnitude + tiny
    eps = float(ml_dtypes.finfo(want.dtype).eps)
    return (
        (gamma(k, want.dtype) + gamma(k, np.float32)) * magnitude
        + eps * np.abs(want.astype(np.float64))
        + tiny
    )


def test_converter_leaves_it_custom_only_where_transpose_conv_cannot(tf, rng):
    w = values(rng, (3, 3, C, F), np.float32)

    def transpose(x, f, padding="SAME"):
        sizes = tf.concat([tf.shape(x)[:1], [8, 8, C]], 0)
        return tf.nn.conv2d_transpose(x, f, sizes, 2, padding)

    spec = ((None, 4, 4, F), tf.float32)
    for name, model in {
        "float32": convert_fn(lambda x: transpose(x, w), spec),
        "float32, channels hidden": convert_fn(lambda x: transpose(hide_channels(tf, x), w), spec),
    }.items():
        assert tflite_model.custom_op_counts(model) == {}, name
        assert tflite_model.op_histogram(model).get("TRANSPOSE_CONV") == 1, name
    explicit = convert_fn(lambda x: transpose(x, w, [[0, 0], [1, 0], [1, 0], [0, 0]]), spec)
    assert tflite_model.custom_op_counts(explicit) == {"Conv2DBackpropInput": 1}
    for dtype in [*DTYPES, np.int32]:
        typed = w.astype(dtype)
        model = convert_fn(lambda x, f=typed: transpose(x, f), ((None, 4, 4, F), tf.as_dtype(dtype)))
        assert tflite_model.custom_op_counts(model) == {"Conv2DBackpropInput": 1}, np.dtype(dtype).name


def geometry_case(tf, rng, dtype, runtime_sizes: bool):
    """One model with every geometry; input_sizes from the graph (dynamic output) or constant."""
    filters, geometry_of, dy_shapes = {}, {}, {}
    for name, kr, kc, strides, padding, pads, h, w in GEOMETRIES:
        filters[name] = values(rng, (kr, kc, C, F), dtype)
        geometry_of[name] = (strides, padding, pads)
        dy_shapes[name] = (h, w, *forward_out(tf, h, w, kr, kc, strides, padding, pads))
    spec = ((None, None, None, F), tf.as_dtype(dtype))
    names = list(filters)

    @tf.function(input_signature=[tf.TensorSpec(*spec) for _ in names])
    def fn(*dys):
        out = {}
        for name, dy in zip(names, dys, strict=True):
            h, w = dy_shapes[name][:2]
            sizes = tf.concat([tf.shape(dy)[:1], [h, w, C]], 0) if runtime_sizes else [2, h, w, C]
            out[name] = backprop(tf, sizes, tf.constant(filters[name]), dy, *geometry_of[name])
        return out

    model = convert_fn(fn.python_function, *[spec] * len(names))
    return fn, model, names, filters, geometry_of, dy_shapes


@pytest.mark.parametrize("runtime_sizes", [True, False], ids=["runtime_sizes", "constant_sizes"])
@pytest.mark.parametrize("dtype", [*DTYPES, np.int32], ids=lambda d: np.dtype(d).name)
def test_every_geometry(tf, rng, dtype, runtime_sizes):
    fn, model, names, filters, geometry_of, dy_shapes = geometry_case(tf, rng, dtype, runtime_sizes)
    assert tflite_model.custom_op_counts(model) == {"Conv2DBackpropInput": len(names)}
    for batch in [2] if not runtime_sizes else [1, 3]:
        dys = [values(rng, (batch, *dy_shapes[n][2:], F), dtype) for n in names]
        want = {k: v.numpy() for k, v in fn(*dys).items()}
        for runtime in RUNTIMES:
            got = run_tflite(model, dys, runtime)
            for name, dy in zip(names, dys, strict=True):
                sizes = [batch, *dy_shapes[name][:2], C]
                limit = bound(tf, sizes, filters[name], dy, geometry_of[name], want[name])
                assert_within(got[name], want[name], limit, f"[{runtime}] {name} batch {batch}")


def test_float32_explicit_padding_as_the_converter_leaves_it(tf, rng):
    """float32 with EXPLICIT padding: TF runs oneDNN, within the float32 bound."""
    w = values(rng, (3, 3, C, F), np.float32)
    geometry = ([1, 2, 2, 1], "EXPLICIT", [0, 0, 1, 0, 1, 0, 0, 0])

    @tf.function(input_signature=[tf.TensorSpec((None, 4, 4, F), tf.float32)])
    def fn(dy):
        return {"out": backprop(tf, tf.concat([tf.shape(dy)[:1], [8, 8, C]], 0), w, dy, *geometry)}

    model = convert_fn(fn.python_function, ((None, 4, 4, F), tf.float32))
    assert tflite_model.custom_op_counts(model) == {"Conv2DBackpropInput": 1}
    for batch in (1, 2):
        dy = values(rng, (batch, 4, 4, F), np.float32)
        want = fn(dy)["out"].numpy()
        limit = bound(tf, [batch, 8, 8, C], w, dy, geometry, want)
        for runtime in RUNTIMES:
            assert_within(run_tflite(model, [dy], runtime)["out"], want, limit, f"[{runtime}] batch {batch}")


def single_model(options, sizes, w_shape, dy_shape, out_shape, dtype=np.float64, constant_sizes=True):
    base = {
        "T": 10,
        "strides": [1, 1, 1, 1],
        "use_cudnn_on_gpu": True,
        "padding": "SAME",
        "explicit_paddings": [],
        "data_format": "NHWC",
        "dilations": [1, 1, 1, 1],
    }
    sizes = np.asarray(sizes, np.int32)
    return tflite_model.single_custom_op_model(
        "Conv2DBackpropInput",
        [
            ("input_sizes", sizes.shape, np.int32),
            ("filter", w_shape, dtype),
            ("out_backprop", dy_shape, dtype),
        ],
        [("output", out_shape, dtype)],
        options=flexbuffers.Dumps({**base, **options}),
        constants={"input_sizes": sizes} if constant_sizes else None,
    )


@pytest.mark.parametrize(
    "name,sizes,w_shape,dy_shape,strides",
    [
        ("empty batch", [0, 5, 5, C], (3, 3, C, F), (0, 3, 3, F), [1, 2, 2, 1]),
        ("no output rows", [1, 0, 5, C], (3, 3, C, F), (1, 0, 3, F), [1, 2, 2, 1]),
        ("out_backprop without channels", [1, 5, 5, C], (3, 3, C, 0), (1, 3, 3, 0), [1, 2, 2, 1]),
        ("two input_sizes", [5, 6], (3, 3, C, F), (2, 3, 3, F), [1, 2, 2, 1]),
    ],
)
@pytest.mark.parametrize("runtime", RUNTIMES)
def test_degenerate_shapes_as_tf(tf, rng, runtime, name, sizes, w_shape, dy_shape, strides):
    """An empty output returns; an empty out_backprop gives zeros; 2 input_sizes take the batch from
    out_backprop and the depth from the filter."""
    w, dy = values(rng, w_shape, np.float64), values(rng, dy_shape, np.float64)
    attrs = {"strides": strides, "padding": "SAME"}
    want = tf.raw_ops.Conv2DBackpropInput(input_sizes=sizes, filter=w, out_backprop=dy, **attrs).numpy()
    for constant in (True, False):
        model = single_model(attrs, sizes, w_shape, dy_shape, want.shape, constant_sizes=constant)
        inputs = [w, dy] if constant else [np.asarray(sizes, np.int32), w, dy]
        got = run_tflite(model, inputs, runtime)["output"]
        limit = bound(tf, want.shape, w, dy, (strides, "SAME", []), want) if want.size else None
        assert_within(got, want, limit, f"[{runtime}] {name} constant={constant}")


def test_nan_infinities_and_threads(tf, rng):
    dy = values(rng, (2, 10, 12, 6), np.float64)
    dy[0, 1, 2, 3] = np.nan
    dy[1, 0, 0, 0] = np.inf
    w = values(rng, (3, 3, 5, 6), np.float64)
    w[1, 1, 2, 4] = -np.inf
    geometry = ([1, 2, 2, 1], "SAME", [])
    sizes = [2, 20, 23, 5]
    spec = ((None,) * 4, tf.float64)

    @tf.function(input_signature=[tf.TensorSpec(*spec), tf.TensorSpec(*spec)])
    def fn(w, dy):
        return {"out": backprop(tf, tf.concat([tf.shape(dy)[:1], [20, 23, 5]], 0), w, dy, *geometry)}

    model = convert_fn(fn.python_function, spec, spec)
    want = fn(w, dy)["out"].numpy()
    assert np.isnan(want).any() and np.isinf(want).any()
    limit = bound(tf, sizes, w, dy, geometry, want)
    for runtime in RUNTIMES:
        assert_within(run_tflite(model, [w, dy], runtime)["out"], want, limit, f"[{runtime}] special values")
    one = run_tflite(model, [w, dy], num_threads=1)["out"]
    for threads in (2, 3, 4):
        np.testing.assert_array_equal(run_tflite(model, [w, dy], num_threads=threads)["out"], one)


OK = ([1, 5, 5, C], (3, 3, C, F), (1, 3, 3, F))
# name: (attrs, input_sizes, filter shape, out_backprop shape, TF's message), TF in float64.
ERRORS = {
    "NCHW": ({"data_format": "NCHW"}, *OK, r"Conv2DCustomBackpropInputOp only supports NHWC\."),
    "dilations": (
        {"dilations": [1, 2, 2, 1]},
        *OK,
        r"Current CPU implementations do not yet support dilation rates larger than 1\.",
    ),
    "batch stride": (
        {"strides": [2, 2, 2, 1]},
        *OK,
        r"Current implementation does not yet support strides in the batch and depth dimensions",
    ),
    "zero stride": ({"strides": [1, 0, 2, 1]}, *OK, r"Row and column strides should be larger than 0"),
    "out_backprop rank": (
        {},
        [1, 5, 5, C],
        (3, 3, C, F),
        (3, 3, F),
        r"input_sizes must be 4-dimensional, got: 3",
    ),
    "input_sizes count": (
        {},
        [5, 5, C],
        (3, 3, C, F),
        (1, 3, 3, F),
        r"to contain 4 values or 2 values, but got: 3",
    ),
    "negative size": ({}, [1, -5, 5, C], (3, 3, C, F), (1, 3, 3, F), r"Dimension -5 must be >= 0"),
    "filter rank": (
        {},
        [1, 5, 5, C],
        (3, 3, C),
        (1, 3, 3, F),
        r"Conv2DCustomBackpropInput: filter must be 4-dim",
    ),
    "batch mismatch": (
        {},
        [2, 5, 5, C],
        (3, 3, C, F),
        (1, 3, 3, F),
        r"input and out_backprop must have the same batch size. Input batch: 2, outbackprop batch: 1",
    ),
    "out depth mismatch": (
        {},
        [1, 5, 5, C],
        (3, 3, C, F),
        (1, 3, 3, F + 1),
        r"Conv2DCustomBackpropInput: filter and out_backprop must have the same out_depth",
    ),
    "size mismatch": (
        {},
        [1, 7, 5, C],
        (3, 3, C, F),
        (1, 3, 3, F),
        r"Size of out_backprop doesn't match computed: actual = 3, computed = 4 spatial_dim: 1 input: 7 "
        r"filter: 3",
    ),
    "grouped": (
        {},
        [1, 5, 5, 2 * C],
        (3, 3, C, F),
        (1, 3, 3, F),
        r"Gradients for grouped convolutions are not supported on CPU",
    ),
}


@pytest.mark.parametrize("runtime", RUNTIMES)
@pytest.mark.parametrize("name", sorted(ERRORS))
def test_errors_as_in_tf(tf, runtime, name):
    options, sizes, w_shape, dy_shape, message = ERRORS[name]
    attrs = {"strides": [1, 2, 2, 1], "padding": "SAME", **options}
    w, dy = np.ones(w_shape, np.float64), np.ones(dy_shape, np.float64)
    with pytest.raises((tf.errors.InvalidArgumentError, tf.errors.UnimplementedError), match=message):
        tf.raw_ops.Conv2DBackpropInput(input_sizes=sizes, filter=w, out_backprop=dy, **attrs)
    for constant in (True, False):
        model = single_model(attrs, sizes, w_shape, dy_shape, [1, 1, 1, 1], constant_sizes=constant)
        inputs = [w, dy] if constant else [np.asarray(sizes, np.int32), w, dy]
        with pytest.raises(RuntimeError, match="Conv2DBackpropInput: .*" + message):
            run_tflite(model, inputs, runtime)


@pytest.mark.parametrize("dtype", [np.float32, ml_dtypes.bfloat16], ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("strides", [[1, 1, 1, 1], [1, 2, 3, 1]], ids=["stride_1", "stride_2x3"])
def test_dilations_run_for_the_types_tf_gives_onednn(tf, rng, dtype, strides):
    """The converter leaves a dilated float32 conv2d_transpose custom. TF's own CPU kernel refuses
    dilations (float64 above), but TF's x86 build runs float32 and bfloat16 through oneDNN, which
    computes them: so does opbridge, within the bounds."""
    w = values(rng, (3, 2, C, F), dtype)
    geometry = (strides, "SAME", [])
    h, wd = 9, 10
    oh, ow = forward_out(tf, h, wd, 7, 3, strides, "SAME", [])  # dilated window: 7 x 3
    spec = ((None, oh, ow, F), tf.as_dtype(dtype))

    @tf.function(input_signature=[tf.TensorSpec(*spec)])
    def fn(dy):
        sizes = tf.concat([tf.shape(dy)[:1], [h, wd, C]], 0)
        return {
            "out": tf.raw_ops.Conv2DBackpropInput(
                input_sizes=sizes,
                filter=w,
                out_backprop=dy,
                strides=strides,
                padding="SAME",
                dilations=[1, 3, 2, 1],
            )
        }

    model = convert_fn(fn.python_function, spec)
    assert tflite_model.custom_op_counts(model) == {"Conv2DBackpropInput": 1}
    dy = values(rng, (2, oh, ow, F), dtype)
    eigen = np.dtype(dtype) == ml_dtypes.bfloat16 and not tf_runs_bfloat16_in_onednn()
    if not eigen:
        want = fn(dy)["out"].numpy()
    else:  # TF's Eigen kernel refuses dilations: oneDNN's way, float32 rounded once
        w32 = w.astype(np.float32)
        want = bfloat16_reference_via_float32(
            lambda d: tf.raw_ops.Conv2DBackpropInput(
                input_sizes=[2, h, wd, C],
                filter=w32,
                out_backprop=d,
                strides=strides,
                padding="SAME",
                dilations=[1, 3, 2, 1],
            ),
            dy,
        )
    # The bound's magnitude from float64 through TF's dilated forward-gradient identity is not
    # available on CPU (TF's float64 kernel refuses dilations): sum|dy w| is computed by upsampling
    # the filter with zeros (a dilated filter is an undilated one with holes).
    holes = np.zeros((1 + 2 * 3, 1 + 1 * 2, C, F))
    holes[::3, ::2] = np.abs(w.astype(np.float64))
    magnitude = backprop(tf, [2, h, wd, C], holes, np.abs(dy.astype(np.float64)), *geometry).numpy()
    k = 3 * 2 * F
    tiny = 2 * k * float(np.finfo(np.float32).tiny)
    if want.dtype == np.float32:
        limit = 2 * gamma(k, np.float32) * magnitude + tiny
    else:
        eps = float(ml_dtypes.finfo(want.dtype).eps)
        limit = (gamma(k, want.dtype) + gamma(k, np.float32)) * magnitude + eps * np.abs(
            want.astype(np.float64)
        )
    if eigen:  # opbridge sums in float32 too: one bfloat16 rounding, eps * |reference| (seen: 0)
        limit = float(ml_dtypes.finfo(want.dtype).eps) * np.abs(want.astype(np.float64))
    for runtime in RUNTIMES:
        assert_within(run_tflite(model, [dy], runtime)["out"], want, limit + tiny, f"[{runtime}] dilated")
