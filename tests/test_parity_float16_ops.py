"""The half-precision math ops the converter leaves custom (tools/census_float64.py --dtype float16,
docs/ops-float16.md): opbridge's kernels vs TF's own, in both runtimes.

TF's CPU kernels compute half elementwise ops the way Eigen's half type does: each arithmetic step
in float, rounded to half. The kernels here take the same steps, so arithmetic, rounding,
comparisons, selection and the activations built from them equal TF bit for bit. Functions (exp,
log, tanh, sin, pow, ...) are evaluated in float and rounded: TF's vectorized float approximation
and the C library's can round to neighbouring halves, so those are compared within one unit in the
last place (2^-10 relative; 2^-24 absolute near zero, half's smallest step). Mean, Prod and the
sums inside Softmax and LogSoftmax add (multiply) in float and round once, where TF rounds to half
after every step: TF's own result is then the less accurate one, off by at most (n - 1) half
rounding steps of 2^-11 for n terms (the textbook bound for a recursive sum), which is the
tolerance used there."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import RUNTIMES, convert_fn, with_edges
from opbridge import tflite_model
from opbridge.testing import assert_parity, run_tflite

ULP = 2.0**-10  # one unit in the last place of a half, relative
TINY = 2.0**-24  # half's smallest subnormal


def halves(rng: np.random.Generator, shape: tuple[int, ...], scale: float = 4.0) -> np.ndarray:
    """Values at unit scale with the edge cases mixed in: signed zeros, halves, ties of rounding,
    infinities, NaN, the largest half and a subnormal."""
    edges = [0.0, -0.0, 0.5, -0.5, 1.5, 2.5, -2.5, np.inf, -np.inf, np.nan, 65504.0, -6e-8, 6.0, 1e-4]
    return with_edges(rng.uniform(-scale, scale, shape).astype(np.float16), edges)


def counts(report) -> dict[str, int]:
    return tflite_model.custom_op_counts(report.model)


def test_exact_elementwise_ops(tf, rng):
    x = halves(rng, (6, 16))
    y = halves(rng, (16,), scale=3.0)[::-1].copy()
    bias = rng.uniform(-2, 2, (16,)).astype(np.float16)

    def fn(x, y, b):
        return [
            x + y,
            x - y,
            x * y,
            x / y,
            tf.raw_ops.Div(x=x, y=y),
            tf.math.divide_no_nan(x, y),
            tf.math.floordiv(x, y),
            tf.math.floormod(x, y),
            tf.math.maximum(x, y),
            tf.math.minimum(x, y),
            tf.math.squared_difference(x, y),
            -x,
            tf.math.square(x),
            tf.math.sqrt(x),
            tf.math.reciprocal(x),
            tf.math.floor(x),
            tf.math.ceil(x),
            tf.math.round(x * 4.0),
            tf.nn.relu(x),
            tf.nn.relu6(x),
            tf.nn.leaky_relu(x, 0.2),
            tf.nn.bias_add(x, b),
            tf.math.is_nan(x),
            tf.math.is_finite(x),
            tf.math.greater(x, y),
            tf.math.less(x, y),
            tf.math.greater_equal(x, y),
            tf.math.less_equal(x, y),
            # same shapes (and a scalar): the widened block path of the one-step ops
            x + tf.reverse(x, [0]),
            x - tf.reverse(x, [0]),
            x * tf.reverse(x, [0]),
            x / tf.reverse(x, [0]),
            x * 3.0,
        ]

    report = assert_parity(fn, [x, y, bias], rtol=0, atol=0, runtimes=RUNTIMES)
    assert counts(report) == {
        "AddV2": 2, "Sub": 2, "Mul": 4, "RealDiv": 2, "ReverseV2": 1, "Div": 1, "DivNoNan": 1, "FloorDiv": 1,
        "FloorMod": 1, "Maximum": 1, "Minimum": 1, "SquaredDifference": 1, "Neg": 1, "Square": 1,
        "Sqrt": 1, "Reciprocal": 1, "Floor": 1, "Ceil": 1, "Round": 1, "Relu": 1, "Relu6": 1,
        "LeakyRelu": 1, "BiasAdd": 1, "IsNan": 1, "IsFinite": 1, "Greater": 1, "Less": 1,
        "GreaterEqual": 1, "LessEqual": 1,
    }  # fmt: skip


@pytest.mark.parametrize("dtype", [np.float16, "bfloat16"])
def test_scans_scatters_and_data_ops_round_as_tf(tf, rng, dtype):
    """Cumsum keeps its running sum in T (TF's scan rounds after every addition), ScatterNd adds
    duplicate indices in T, Range computes start + T(i) * delta in T: all bit for bit. MirrorPad,
    OneHot, MatrixDiagV3, MatrixSetDiagV3 and Fill move values."""
    np_dtype = tf.bfloat16.as_numpy_dtype if dtype == "bfloat16" else dtype
    x = rng.uniform(-3, 3, (3, 40)).astype(np_dtype)
    updates = rng.uniform(-3, 3, (4, 40)).astype(np_dtype)
    diag = rng.uniform(-3, 3, (2, 4)).astype(np_dtype)
    square = rng.uniform(-3, 3, (2, 4, 4)).astype(np_dtype)
    value = np.array(1.3, np_dtype)
    limits = np.array([-1.5, 61.25, 0.7], np_dtype)
    depth_value = np.array(2.5, np_dtype)
    t = tf.as_dtype(np_dtype)

    def fn(x, u, d, m, v, lim, on):
        return [
            tf.math.cumsum(x, 1),
            tf.math.cumsum(x, 1, exclusive=True, reverse=True),
            tf.math.cumprod(x[:, :6], 1),
            tf.scatter_nd([[0], [2], [0], [1]], u, [3, 40]),
            tf.range(lim[0], lim[1], lim[2]),
            tf.pad(x, [[1, 1], [2, 3]], mode="REFLECT"),
            tf.pad(x, [[0, 2], [3, 0]], mode="SYMMETRIC"),
            tf.one_hot([0, 3, 4, -1], 5, on_value=on, off_value=tf.cast(-1.0, t)),
            tf.linalg.diag(d),
            tf.linalg.set_diag(m, d),
            tf.fill([2, 3], v) + tf.cast(0.0, t),
        ]

    report = assert_parity(
        fn, [x, updates, diag, square, value, limits, depth_value], rtol=0, atol=0, runtimes=RUNTIMES
    )
    used = set(counts(report))
    assert {"Cumsum", "ScatterNd", "Range", "MirrorPad", "OneHot", "MatrixDiagV3", "MatrixSetDiagV3"} <= used


def test_reductions_that_pick_are_exact(tf, rng):
    x = halves(rng, (5, 12))
    x[4] = np.nan  # a row of NaN: Max and Min give NaN, as TF's

    def fn(x):
        return [
            tf.reduce_max(x, 1),
            tf.reduce_min(x, 0),
            tf.math.argmax(x[:4], 1),
            tf.math.argmin(x[:4], 0),
        ]

    report = assert_parity(fn, [x], rtol=0, atol=0, runtimes=RUNTIMES)
    assert counts(report) == {"Max": 1, "Min": 1, "ArgMax": 1, "ArgMin": 1, "StridedSlice": 1}


@pytest.mark.parametrize("dtype", [np.float16, "bfloat16"])
def test_functions_within_one_unit_in_the_last_place(tf, rng, dtype):
    np_dtype = tf.bfloat16.as_numpy_dtype if dtype == "bfloat16" else dtype
    unit, tiny = (2.0**-7, 2.0**-133) if dtype == "bfloat16" else (ULP, TINY)
    x = halves(rng, (8, 40), scale=8.0).astype(np_dtype)
    positive = rng.uniform(0.05, 6.0, (8, 40)).astype(np_dtype)

    def fn(x, p):
        return [
            tf.math.exp(x),
            tf.math.log(p),
            tf.math.tanh(x),
            tf.math.sigmoid(x),
            tf.math.rsqrt(p),
            tf.nn.elu(x),
            tf.nn.selu(x),
            tf.nn.softplus(x),
            tf.math.sin(x),
            tf.math.cos(x),
            tf.math.pow(p, x * 0.25),
            tf.math.xlogy(x, p),
            tf.math.erf(x),
            tf.math.tan(p * 0.25),
            tf.math.atan2(x, p - 3.0),
        ]

    report = assert_parity(fn, [x, positive], rtol=unit, atol=tiny, runtimes=RUNTIMES)
    assert counts(report) == {
        "Exp": 1, "Log": 1, "Tanh": 1, "Sigmoid": 1, "Rsqrt": 1, "Elu": 1, "Selu": 1, "Softplus": 1,
        "Sin": 1, "Cos": 1, "Pow": 1, "Xlogy": 1, "Mul": 2, "Erf": 1, "Tan": 1, "Atan2": 1, "Sub": 1,
    }  # fmt: skip


@pytest.mark.parametrize("dtype", [np.float16, "bfloat16"])
def test_matmul_sums_in_float_and_rounds_once(tf, rng, dtype):
    """TF's half and bfloat16 products add in float and round each output once, so exact sums of
    k = 96 terms agree but for float's own rounding order (TF's blocked sum, the kernels' in order):
    one unit in the last place at most."""
    np_dtype = tf.bfloat16.as_numpy_dtype if dtype == "bfloat16" else dtype
    unit = 2.0**-7 if dtype == "bfloat16" else ULP
    a = rng.normal(0, 1, (2, 5, 96)).astype(np_dtype)
    b = rng.normal(0, 1, (96, 7)).astype(np_dtype)
    m = rng.normal(0, 1, (7, 96)).astype(np_dtype)
    tall = rng.normal(0, 1, (3, 1, 130, 40)).astype(np_dtype)  # more rows than one work item
    wide = rng.normal(0, 1, (2, 40, 9)).astype(np_dtype)
    empty_k = rng.normal(0, 1, (2, 3, 0)).astype(np_dtype)

    def fn(a, b, m, tall, wide, empty_k):
        return [
            tf.linalg.matmul(a, b),
            tf.linalg.matmul(a[0], m, transpose_b=True),
            tf.linalg.matmul(m, a[1], transpose_b=True),
            tf.linalg.matmul(tall, wide),  # batch dims broadcast
            tf.linalg.matmul(tall[0, 0], tall[1, 0], transpose_a=True),
            tf.linalg.matmul(empty_k, tf.zeros([0, 4], empty_k.dtype)),  # k = 0: zeros
        ]

    inputs = [a, b, m, tall, wide, empty_k]
    report = assert_parity(fn, inputs, rtol=unit, atol=unit * 2.0**-14, runtimes=RUNTIMES)
    assert {"BatchMatMulV2", "MatMul"} <= set(counts(report))


@pytest.mark.parametrize("classes", [7, 64])
def test_softmax_and_mean_within_tfs_half_rounding(tf, rng, classes):
    """TF adds these rows in half, rounding at each step; the kernels add in float. The difference is
    TF's rounding error, at most (n - 1) steps of half a unit for n terms (see the module docstring),
    plus one unit for the final rounding."""
    x = rng.normal(0, 2, (6, classes)).astype(np.float16)
    near_one = rng.uniform(0.9, 1.1, (6, classes)).astype(np.float16)

    def fn(x, q):
        return [tf.nn.softmax(x), tf.nn.log_softmax(x), tf.reduce_mean(x, 1), tf.reduce_prod(q, 1)]

    bound = (classes - 1) * ULP / 2 + ULP
    # Mean's terms are of either sign: its bound is relative to the sum of magnitudes, not the mean.
    atol = float(np.max(np.sum(np.abs(x.astype(np.float64)), axis=1))) / classes * (classes - 1) * ULP / 2
    report = assert_parity(fn, [x, near_one], rtol=bound, atol=max(atol, TINY), runtimes=RUNTIMES)
    assert counts(report) == {"Softmax": 1, "LogSoftmax": 1, "Mean": 1, "Prod": 1}


def test_half_layer_norm_block_is_at_least_as_accurate_as_tf(tf, rng):
    """A transformer block's normalization and activations in half, as a mixed-precision Keras model
    exports them: every op custom, all run by opbridge. The block's means add 32 terms, which TF
    rounds at every step, so the check is against the exact (float64) result of the same half
    inputs: opbridge's error is at most TF's, plus one unit in the last place."""
    from opbridge.running import run_tflite

    x = rng.normal(0, 1, (4, 32)).astype(np.float16)
    gamma = rng.uniform(0.5, 1.5, (32,)).astype(np.float16)

    def fn(x, g):
        mean = tf.reduce_mean(x, -1, keepdims=True)
        var = tf.reduce_mean(tf.math.squared_difference(x, mean), -1, keepdims=True)
        y = (x - mean) * tf.math.rsqrt(var + 1e-3) * g
        return [tf.nn.gelu(y, approximate=True), tf.nn.softmax(y)]

    model = convert_fn(fn, (x.shape, tf.float16), (gamma.shape, tf.float16))
    assert set(tflite_model.custom_op_counts(model)) >= {
        "Mean",
        "SquaredDifference",
        "Rsqrt",
        "Softmax",
        "Tanh",
    }
    xd, gd = x.astype(np.float64), gamma.astype(np.float64)
    mean = xd.mean(-1, keepdims=True)
    y = (xd - mean) / np.sqrt(((xd - mean) ** 2).mean(-1, keepdims=True) + np.float64(np.float16(1e-3))) * gd
    gelu = 0.5 * y * (1 + np.tanh(np.sqrt(2 / np.pi) * (y + 0.044715 * y**3)))
    e = np.exp(y - y.max(-1, keepdims=True))
    exact = [gelu, e / e.sum(-1, keepdims=True)]
    want = [np.asarray(t, np.float64) for t in fn(tf.constant(x), tf.constant(gamma))]
    for runtime in RUNTIMES:
        got = [np.asarray(v, np.float64) for v in run_tflite(model, [x, gamma], runtime).values()]
        for g, w, ex in zip(got, want, exact, strict=True):
            tf_error = np.max(np.abs(w - ex))
            assert np.max(np.abs(g - ex)) <= tf_error + ULP * np.max(np.abs(ex)), runtime


def mobile_block(keras, policy: str, rng: np.random.Generator):
    """A MobileNet/EfficientNet block under a Keras mixed-precision policy (a strided convolution,
    batch norm, Relu6, depthwise convolution, swish, squeeze-and-excitation, a pointwise
    projection, pooling, a float32 head) with batch-norm statistics of a trained model."""
    layers = keras.layers
    keras.mixed_precision.set_global_policy(policy)
    try:
        keras.utils.set_random_seed(0)
        inp = keras.Input((32, 32, 3))
        x = layers.Conv2D(16, 3, strides=2, padding="same", use_bias=False)(inp)
        x = layers.ReLU(6.0)(layers.BatchNormalization()(x))
        x = layers.DepthwiseConv2D(3, padding="same", use_bias=False)(x)
        x = layers.Activation("swish")(layers.BatchNormalization()(x))
        se = layers.GlobalAveragePooling2D(keepdims=True)(x)
        se = layers.Conv2D(4, 1, activation="swish")(se)
        se = layers.Conv2D(16, 1, activation="sigmoid")(se)
        x = layers.Conv2D(24, 1, use_bias=False)(layers.Multiply()([x, se]))
        x = layers.GlobalAveragePooling2D()(layers.BatchNormalization()(x))
        model = keras.Model(inp, layers.Dense(10, dtype="float32")(x))
    finally:
        keras.mixed_precision.set_global_policy("float32")
    for layer in model.layers:
        if isinstance(layer, layers.BatchNormalization):
            shape = layer.gamma.shape
            layer.set_weights(
                [
                    rng.uniform(0.5, 1.5, shape).astype(np.float32),
                    rng.normal(0, 0.2, shape).astype(np.float32),
                    rng.normal(0, 0.2, shape).astype(np.float32),
                    rng.uniform(0.5, 2.0, shape).astype(np.float32),
                ]
            )
    return model


@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"])
def test_mixed_precision_keras_block_as_accurate_as_tf(tf, rng, policy):
    """A mixed-precision Keras model converts with every 16-bit op custom (Conv2D, DepthwiseConv2dNative,
    Relu6, Sigmoid, Mul, BiasAdd) and runs in LiteRT as close to the same model in float32 as TF's own
    mixed-precision run is: at most TF's largest error plus one unit in the last place of the 16-bit
    type at the output's scale. (TF may run the 16-bit convolutions in oneDNN, in another order, so
    the bits themselves can differ.)"""
    import keras

    import opbridge
    from opbridge.running import run_tflite

    mixed = mobile_block(keras, policy, rng)
    full = mobile_block(keras, "float32", rng)
    full.set_weights(mixed.get_weights())
    model = opbridge.convert(mixed)
    assert set(tflite_model.custom_op_counts(model)) >= {
        "Conv2D", "DepthwiseConv2dNative", "Relu6", "Sigmoid", "Mul", "BiasAdd",
    }  # fmt: skip
    x = rng.standard_normal((4, 32, 32, 3)).astype(np.float32)
    exact = full(x, training=False).numpy().astype(np.float64)
    tf_error = np.max(np.abs(mixed(x, training=False).numpy().astype(np.float64) - exact))
    unit = 2.0**-10 if policy == "mixed_float16" else 2.0**-7
    for runtime in RUNTIMES:
        (got,) = run_tflite(model, [x], runtime).values()
        error = np.max(np.abs(got.astype(np.float64) - exact))
        assert error <= tf_error + unit * np.max(np.abs(exact)), (runtime, error, tf_error)


@pytest.mark.parametrize("dtype", [np.float16, "bfloat16"])
@pytest.mark.parametrize(
    "data_format,shape", [("NHWC", (2, 3, 5, 7)), ("NCHW", (2, 7, 3, 5)), ("NCHW", (3, 7))]
)
def test_bias_add_every_layout_exactly(tf, rng, dtype, data_format, shape):
    """BiasAdd as a model holds it (the converter makes NCHW NHWC with transposes, other tools
    need not): value + bias along the channel dim, one rounding to the 16-bit type, TF's bits."""
    from flatbuffers import flexbuffers

    from opbridge.running import run_tflite
    from opbridge.tflite_model import schema

    np_dtype = tf.bfloat16.as_numpy_dtype if dtype == "bfloat16" else dtype
    x = halves(rng, shape).astype(np_dtype)
    bias = rng.uniform(-3, 3, (7,)).astype(np_dtype)
    want = tf.raw_ops.BiasAdd(value=x, bias=bias, data_format=data_format).numpy()
    type_number = schema.TensorType.FLOAT16 if dtype == np.float16 else schema.TensorType.BFLOAT16
    model = tflite_model.single_custom_op_model(
        "BiasAdd",
        [("value", shape, np_dtype), ("bias", (7,), np_dtype)],
        [("output", shape, np_dtype)],
        options=flexbuffers.Dumps({"T": type_number, "data_format": data_format}),
    )
    for runtime in RUNTIMES:
        (got,) = run_tflite(model, [x, bias], runtime).values()
        np.testing.assert_array_equal(got.astype(np.float32), want.astype(np.float32), err_msg=runtime)


@pytest.mark.parametrize("dtype", [np.float16, "bfloat16"])
def test_atan2_is_correctly_rounded(tf, rng, dtype):
    """Atan2 widens the halves to double, runs double packets (4 lanes on AVX2) and rounds once,
    through a float rounded to odd: every element is atan2 of the inputs correctly rounded to the
    dtype (numpy's float64 arctan2 rounded the same way), and within one unit of TF's (which
    rounds its float atan2). Every pairing of the special values (zeros of both signs, subnormals,
    infinities, NaN, the largest finite), random pairs over many scales, a scalar y against a
    tensor (the packet path's broadcast) and a real broadcast (the per-element path)."""
    import ml_dtypes

    np_dtype = ml_dtypes.bfloat16 if dtype == "bfloat16" else np.float16
    info = ml_dtypes.finfo(np_dtype)
    tiny, big = float(info.smallest_subnormal), float(info.max)
    special = np.array([0.0, -0.0, tiny, -tiny, 1.0, -1.0, 3.0, -2.0, big, -big, np.inf, -np.inf, np.nan])
    sy, sx = np.meshgrid(special, special)
    n = 40_000
    scales = np.exp(rng.uniform(-12, 10, (2, n)))
    random = rng.standard_normal((2, n)) * scales
    y = np.concatenate([sy.ravel(), random[0], [7.0]]).astype(np_dtype)  # a tail not a whole block
    x = np.concatenate([sx.ravel(), random[1], [-7.0]]).astype(np_dtype)
    column = x[:12].reshape(12, 1)
    row = y[12:24].reshape(1, 12)
    spec = tf.float32 if dtype == "bfloat16" else tf.float16

    def fn(y, x, column, row):
        if dtype == "bfloat16":
            y, x, column, row = (tf.cast(v, tf.bfloat16) for v in (y, x, column, row))
        outs = [tf.math.atan2(y, x), tf.math.atan2(tf.constant(0.75, y.dtype), x), tf.math.atan2(row, column)]
        return [tf.cast(o, spec) for o in outs] if dtype == "bfloat16" else outs

    inputs = [v.astype(np.float32) if dtype == "bfloat16" else v for v in (y, x, column, row)]
    model = convert_fn(fn, *[(v.shape, spec) for v in inputs])
    assert tflite_model.custom_op_counts(model) == {"Atan2": 3}
    want = [t.numpy() for t in tf.function(fn)(*inputs)]
    wide = [np.asarray(v, np.float64) for v in (y, x, column, row)]
    # bfloat16's subnormals are float's: the runtime's float mode (denormals are zero, flush to
    # zero, as TF's) reads them as zeros and flushes results below float's normal range. TF's own
    # answers there mix NaN (its packets divide 0 by 0) and unflushed values: not compared.
    flush = dtype == "bfloat16"
    subnormal = [(np.abs(v) < float(np.finfo(np.float32).tiny)) & (v != 0) & flush for v in wide]
    subnormal_pair = [subnormal[0] | subnormal[1], subnormal[1], subnormal[3] | subnormal[2]]
    if flush:
        wide = [np.where(np.abs(v) < float(np.finfo(np.float32).tiny), np.copysign(0.0, v), v) for v in wide]

    def rounded(z: np.ndarray) -> np.ndarray:
        # float64 -> float rounded to odd -> dtype: one correct rounding (see ops/math/atan2.cc).
        if flush:
            z = np.where(np.abs(z) < float(np.finfo(np.float32).tiny), np.copysign(0.0, z), z)
        f = z.astype(np.float32)
        inexact = (f.astype(np.float64) != z) & ((f.view(np.uint32) & 1) == 0) & np.isfinite(f)
        f[inexact] = np.nextafter(f[inexact], np.where(z > f, np.inf, -np.inf)[inexact].astype(np.float32))
        return f.astype(np_dtype)

    exact = [
        rounded(np.arctan2(wide[0], wide[1])),
        rounded(np.arctan2(np.float64(np_dtype(0.75)), wide[1])),
        rounded(np.arctan2(wide[3], wide[2])),
    ]
    for runtime in RUNTIMES:
        got = run_tflite(model, inputs, runtime)
        for k, (e, w) in enumerate(zip(exact, want, strict=True)):
            g = np.asarray(got[f"output_{k}"]).astype(np_dtype)
            np.testing.assert_array_equal(np.isnan(g), np.isnan(e), err_msg=f"{runtime} output {k}")
            same = np.isnan(e) | (g.astype(np.float64) == e.astype(np.float64))
            same &= np.isnan(e) | (np.signbit(g) == np.signbit(e))
            assert same.all(), (runtime, k, g[~same][:5], e[~same][:5])
            w = np.asarray(w).astype(np_dtype).astype(np.float64)
            unit = 2.0**-7 if dtype == "bfloat16" else ULP
            close = np.isnan(w) | (np.abs(g.astype(np.float64) - w) <= np.abs(w) * unit)
            close |= np.broadcast_to(subnormal_pair[k], g.shape)  # TF not compared there (above)
            assert close.all(), (runtime, k, g[~close][:5], w[~close][:5])
