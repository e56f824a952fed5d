"""The float64 ops the converter leaves custom (tools/census_float64.py, docs/ops-float64.md):
opbridge's kernels vs TF's own, in both runtimes. Ops are grouped into a few models each.

Exact ops (arithmetic, rounding, sin/cos, comparisons, selection, data movement, scans) must
equal TF bit for bit. Ops built on Eigen's vectorized functions (exp, log, tanh, logistic) run
the same Eigen functors as TF's CPU kernels but with SSE2 packets where TF's wheel uses AVX ones
(measured equal, compared within 1e-14); reductions (Mean, Prod, Softmax's row sums) add in
another order than TF's packet tree; Pow and Xlogy use the C library per element where TF's
vectorized path uses Eigen's: these are compared within 1e-14 relative, far inside the 1e-10
float64 budget of issue 14 (measured worst: docs/ops/float64_ops.md)."""

from __future__ import annotations

import numpy as np
import pytest

import opbridge
from conftest import RUNTIMES, convert_fn, run_tflite_in_process, with_edges
from opbridge import tflite_model
from opbridge.testing import assert_parity, run_tflite

ROUNDING = 1e-14  # see the module docstring


def special(rng: np.random.Generator, shape: tuple[int, ...], scale: float = 4.0) -> np.ndarray:
    """Unit-scale values with the edge cases mixed in: signed zeros, halves, infinities, NaN,
    huge and tiny magnitudes."""
    edges = [0.0, -0.0, 0.5, -0.5, 1.5, 2.5, -2.5, np.inf, -np.inf, np.nan, 1e300, -1e-300, 6.0, 1e-17]
    return with_edges(rng.uniform(-scale, scale, shape), edges)


def counts(report) -> dict[str, int]:
    return tflite_model.custom_op_counts(report.model)


def test_exact_unary_ops(tf, rng):
    x = special(rng, (6, 7))
    rounding = np.array([0.49999999999999994, 2.0**52 + 1, -(2.0**52) - 1, 0.5, 1.5, -0.5, -1.5, 3.5, 1e16])

    def fn(x, r):
        return [
            -x,
            tf.math.square(x),
            tf.math.sqrt(x),
            tf.math.floor(x),
            tf.math.ceil(x),
            tf.math.round(x),
            tf.math.round(r),
            tf.math.rint(x),
            tf.math.rint(r),
            tf.math.reciprocal(x),
            tf.nn.relu(x),
            tf.nn.relu6(x),
            tf.nn.leaky_relu(x, 0.2),
            tf.nn.leaky_relu(x, -1.7),
            tf.math.is_nan(x),
            tf.math.is_finite(x),
            tf.math.sin(x),  # the C library's, per element, as TF
            tf.math.cos(x),
            tf.math.sin(1000 * x),
            tf.math.cos(1000 * x),
        ]

    report = assert_parity(fn, [x, rounding], rtol=0, atol=0, runtimes=RUNTIMES)
    assert counts(report) == {
        "Neg": 1, "Square": 1, "Sqrt": 1, "Floor": 1, "Ceil": 1, "Round": 2, "Rint": 2, "Reciprocal": 1,
        "Relu": 1, "Relu6": 1, "LeakyRelu": 2, "IsNan": 1, "IsFinite": 1, "Sin": 2, "Cos": 2, "Mul": 1,
    }  # fmt: skip


def test_transcendental_unary_ops(tf, rng):
    x = special(rng, (9, 37), scale=30.0)
    small = rng.uniform(-1, 1, (64,)) * np.exp(rng.uniform(-40, 0, 64))  # Elu/Softplus near 0

    def fn(x, s):
        return [
            tf.math.exp(x),
            tf.math.log(x),
            tf.math.tanh(x),
            tf.math.sigmoid(x),
            tf.math.rsqrt(x),
            tf.nn.elu(x),
            tf.nn.elu(s),
            tf.nn.selu(x),
            tf.nn.softplus(x),
            tf.nn.softplus(s),
        ]

    report = assert_parity(fn, [x, small], rtol=ROUNDING, atol=0, runtimes=RUNTIMES)
    assert counts(report) == {
        "Exp": 1, "Log": 1, "Tanh": 1, "Sigmoid": 1, "Rsqrt": 1, "Elu": 2, "Selu": 1,
        "Softplus": 2,
    }  # fmt: skip


@pytest.mark.parametrize("path", ["auto", "baseline"])
def test_transcendentals_give_tf_bits_on_both_builds(tf, rng, path, tmp_path):
    """Exp, Log, Tanh, Sigmoid, Elu, Selu and Softplus in float64 run Eigen's packet
    algorithms: on a CPU with AVX2 from an isolated AVX2 build (4-lane packets, TF's
    width; ops/math/packet_exprs_avx2.cc), else (OPBRIDGE_NO_AVX2=1) from the baseline
    build's 2-lane SSE2 packets. Without FMA both give each packet element the same bits,
    TF's: exact equality on a length of whole packets (a ragged tail takes Eigen's scalar
    path, the tolerance of test_transcendental_unary_ops)."""
    n = 60000
    x = np.concatenate(
        [
            rng.standard_normal(n) * 10,
            rng.uniform(-800, 800, n),
            np.exp(rng.uniform(-40, 6, n)) * rng.choice([-1, 1], n),
            [0.0, -0.0, np.inf, -np.inf, np.nan, 1e-310, -1e-310, 36.0, -36.0, 709.8, -745.2, 1e300],
        ]
    )
    x = x[: len(x) // 64 * 64]

    def fn(x):
        return {
            "exp": tf.math.exp(x),
            "log": tf.math.log(tf.abs(x)),
            "tanh": tf.math.tanh(x),
            "sigmoid": tf.math.sigmoid(x),
            "elu": tf.nn.elu(x),
            "selu": tf.nn.selu(x),
            "softplus": tf.nn.softplus(x),
            "round": tf.math.round(x * 0.5),  # vroundpd on AVX2, nearbyint on the baseline
        }

    model = convert_fn(fn, (x.shape, tf.float64))
    ops = {"Exp", "Log", "Abs", "Tanh", "Sigmoid", "Elu", "Selu", "Softplus", "Round", "Mul"}
    assert set(tflite_model.custom_op_counts(model)) == ops
    got = run_tflite_in_process(model, [x], tmp_path, baseline=path == "baseline")
    want = {k: v.numpy() for k, v in tf.function(fn)(x).items()}
    for name, w in want.items():
        g = got[name]
        np.testing.assert_array_equal(np.isnan(g), np.isnan(w), err_msg=name)
        g, w = g[~np.isnan(g)], w[~np.isnan(w)]
        np.testing.assert_array_equal(g.view(np.uint64), w.view(np.uint64), err_msg=name)


PAIRS = [
    ((5, 7), (5, 7)),
    ((4, 6), (6,)),
    ((3, 1, 5), (4, 1)),
    ((), (2, 3)),
    ((2, 3, 1, 2, 1), (3, 2, 1, 2)),
]


def test_binary_ops(tf, rng):
    inputs = []
    for a, b in PAIRS:
        inputs += [special(rng, a, 9.0), special(rng, b, 3.0)]
    # Integer-valued operands too: FloorMod / FloorDiv signs and exact multiples.
    ints = np.array([7.0, -7.0, 7.0, -7.0, 0.0, -0.0, 6.0, 1.0, 1e17])
    inputs += [ints, np.array([2.0, 2.0, -2.0, -2.0, 3.0, 3.0, 3.0, 0.1, 3.0])]

    def exact(*xs):
        out = []
        for i in range(0, len(xs), 2):
            a, b = xs[i], xs[i + 1]
            out += [
                tf.raw_ops.Div(x=a, y=b),
                tf.math.floordiv(a, b),
                tf.math.floormod(a, b),
                tf.math.maximum(a, b),
                tf.math.minimum(a, b),
                tf.math.squared_difference(a, b),
                tf.math.divide_no_nan(a, b),
                a < b,
                a <= b,
                a > b,
                a >= b,
                tf.math.equal(a, b),
                tf.math.not_equal(a, b),
            ]
        return out

    report = assert_parity(exact, inputs, rtol=0, atol=0, runtimes=RUNTIMES)
    n = len(PAIRS) + 1
    ops = ["Div", "FloorDiv", "FloorMod", "Maximum", "Minimum", "SquaredDifference", "DivNoNan"]
    ops += ["Less", "LessEqual", "Greater", "GreaterEqual", "Equal", "NotEqual"]
    assert counts(report) == dict.fromkeys(ops, n)

    def rounded(*xs):
        return [f(xs[i], xs[i + 1]) for i in range(0, len(xs), 2) for f in (tf.math.pow, tf.math.xlogy)]

    report = assert_parity(rounded, inputs, rtol=ROUNDING, atol=0, runtimes=RUNTIMES)
    assert counts(report) == {"Pow": n, "Xlogy": n}


def test_select_and_select_v2(tf, rng):
    t, e = special(rng, (4, 3, 2)), rng.standard_normal((4, 3, 2))
    rows = rng.standard_normal(4) > 0

    def fn(c, t, e, rows, s, v):
        return [
            tf.raw_ops.Select(condition=c > 0, x=t, y=e),  # per element
            tf.raw_ops.Select(condition=rows > 0, x=t, y=e),  # per row
            tf.raw_ops.Select(condition=s > 0, x=t, y=e),  # all of one
            tf.where(c > 0, t, e),
            tf.where(v > 0, t, 2.5 * s),  # three-way broadcast
            tf.where(s > 0, v, e),
        ]

    inputs = [rng.standard_normal((4, 3, 2)), t, e, rows.astype(np.float64) - 0.5, np.array(1.0)]
    inputs.append(rng.standard_normal((3, 1)))
    report = assert_parity(fn, inputs, rtol=0, atol=0, runtimes=RUNTIMES)
    assert counts(report)["Select"] == 3
    assert counts(report)["SelectV2"] == 3


def test_softmax_log_softmax_bias_add(tf, rng):
    x = rng.standard_normal((3, 4, 33)) * 20
    x[0, 0, :3] = [700.0, -700.0, 0.0]  # exp would overflow without the shift

    def fn(x, b, nchw, c):
        return [
            tf.nn.softmax(x),
            tf.nn.softmax(x[0, 0]),
            tf.nn.bias_add(x, b),
            tf.nn.bias_add(nchw, c, data_format="NCHW"),
        ]

    inputs = [x, rng.standard_normal(33), rng.standard_normal((2, 4, 3, 5)), rng.standard_normal(4)]
    report = assert_parity(fn, inputs, rtol=ROUNDING, atol=0, runtimes=RUNTIMES)
    # The converter turns NCHW into NHWC with two transposes around the BiasAdd.
    assert counts(report) == {"Softmax": 2, "BiasAdd": 2, "StridedSlice": 1, "Transpose": 2}
    # LogSoftmax is (x - max) - log(sum): where the two terms nearly cancel, the result's error
    # is absolute, a rounding of log(sum) (values here are up to ~100, so 1e-14 is ~45 ulps of 1).
    report = assert_parity(tf.nn.log_softmax, [x], rtol=ROUNDING, atol=ROUNDING, runtimes=RUNTIMES)
    assert counts(report) == {"LogSoftmax": 1}


def test_softmax_of_many_short_rows(tf, rng):
    """Rows of 7 logits are done about 1024 logits (146 rows) at a time (softmax_rows.h): 300 rows
    make two whole blocks and a part, one row with a -inf and one all -inf (NaN, as TF)."""
    x = rng.standard_normal((300, 7)) * 10
    x[150, 3] = -np.inf
    x[299] = -np.inf
    report = assert_parity(
        lambda v: [tf.nn.softmax(v), tf.nn.log_softmax(v)],
        [x],
        rtol=ROUNDING,
        atol=ROUNDING,
        runtimes=RUNTIMES,
    )
    assert counts(report) == {"Softmax": 1, "LogSoftmax": 1}


def test_reductions(tf, rng):
    x = rng.standard_normal((3, 4, 5))
    x[1, 2, 3] = np.nan
    y = rng.uniform(0.5, 1.5, (3, 4, 5))
    empty = np.zeros((2, 0, 3))

    def fn(x, y, empty, axis):
        out = []
        for reduce in (tf.reduce_mean, tf.reduce_max, tf.reduce_min, tf.reduce_prod):
            out += [
                reduce(y, 1),
                reduce(y, [0, -1], keepdims=True),
                reduce(y, [-3, 1, 2]),
                reduce(x, 2),  # NaN propagates into one row
                reduce(empty, 1),  # identities (Mean: NaN)
                reduce(y, axis),  # axis computed at run time
            ]
        return out

    report = assert_parity(
        fn, [x, y, empty, np.array([2, 0], np.int32)], rtol=ROUNDING, atol=0, runtimes=RUNTIMES
    )
    assert counts(report) == {"Mean": 6, "Max": 6, "Min": 6, "Prod": 6}


def test_reductions_over_leading_axes_in_blocks(tf, rng):
    """A reduced group with kept dims after it ([outer, count, inner]) is folded 256 outputs at a
    time (reduction.h): 600 outputs make two whole blocks and a part; NaN in one column. Positive
    values for Mean and Prod: TF's plain sum loses digits where a mean cancels."""
    x = rng.standard_normal((6, 600))
    x[2, 417] = np.nan
    p = rng.uniform(0.5, 1.5, (6, 600))
    y = rng.uniform(0.5, 1.5, (2, 3, 4, 300))

    def fn(x, p, y):
        extrema = [r(v, a) for r in (tf.reduce_max, tf.reduce_min) for v, a in ((x, 0), (y, [1, 2]))]
        return extrema + [r(v, a) for r in (tf.reduce_mean, tf.reduce_prod) for v, a in ((p, 0), (y, [1, 2]))]

    report = assert_parity(fn, [x, p, y], rtol=ROUNDING, atol=0, runtimes=RUNTIMES)
    assert counts(report) == {"Mean": 2, "Max": 2, "Min": 2, "Prod": 2}


@pytest.mark.parametrize("length", [3, 4, 7, 8, 9, 256, 257])
def test_max_min_zeros_and_nan_bits(tf, rng, length):
    """Max and Min keep TF's bits where the order shows: of +0 and -0 the later one wins, a NaN
    anywhere wins. Rows of every length around the kernels' 4 lanes, reduced along the row
    (contiguous runs) and across rows (the strided path)."""
    rows = []
    for first, last in ((-0.0, 0.0), (0.0, -0.0), (0.0, 0.0), (-0.0, -0.0)):
        r = -rng.uniform(1, 2, length)
        r[length // 3], r[-1] = first, last
        rows.append(r)
    for at in (0, length // 2, length - 1):
        r = rng.uniform(-2, 2, length)
        r[at] = np.nan
        rows.append(r)
    rows.append(rng.uniform(-2, 2, length))
    x = np.stack(rows)
    xt = np.ascontiguousarray(x.T)

    def fn(x, xt):
        return [tf.reduce_max(x, 1), tf.reduce_min(-x, 1), tf.reduce_max(xt, 0), tf.reduce_min(-xt, 0)]

    model = convert_fn(fn, (x.shape, tf.float64), (xt.shape, tf.float64))
    want = [w.numpy() for w in fn(tf.constant(x), tf.constant(xt))]
    for runtime in RUNTIMES:
        got = list(run_tflite(model, [x, xt], runtime).values())
        for g, w in zip(got, want, strict=True):
            np.testing.assert_array_equal(np.isnan(g), np.isnan(w), err_msg=runtime)
            ok = ~np.isnan(w)
            np.testing.assert_array_equal(g[ok].view(np.uint64), w[ok].view(np.uint64), err_msg=runtime)


def test_arg_max_min_cumsum(tf, rng):
    x = np.round(rng.standard_normal((4, 5, 6)) * 2) / 2  # ties: the first index wins
    # NaN never wins, not even at index 0 (Eigen's arg reducers start from the worst finite
    # value); -inf at index 0 of a line of -inf and finite values loses to them.
    x[0, 0, :] = np.nan
    x[1, :, 0] = [np.nan, -np.inf, 3.0, np.nan, -1.0]
    x[2, 0, :] = -np.inf

    def fn(x):
        return [
            tf.math.argmax(x, 1),
            tf.math.argmax(x, -1, output_type=tf.int32),
            tf.math.argmin(x, 0),
            tf.math.argmin(x, 2, output_type=tf.int32),
            tf.math.cumsum(x, 1),
            tf.math.cumsum(x, -1, exclusive=True),
            tf.math.cumsum(x, 0, reverse=True),
            tf.math.cumsum(x, 2, exclusive=True, reverse=True),
        ]

    report = assert_parity(fn, [x], rtol=0, atol=0, runtimes=RUNTIMES)
    assert counts(report) == {"ArgMax": 2, "ArgMin": 2, "Cumsum": 4}


def test_array_ops(tf, rng):
    x = rng.standard_normal((3, 4, 5))

    def fn(x, row, v, start, limit, begin):
        return [
            tf.slice(x, [1, 0, 2], [2, -1, 3]),
            tf.slice(x, begin, [1, 2, 1]),  # begin at run time
            tf.tile(x, [2, 1, 3]),
            tf.tile(row, [0, 2]),  # empty: the converter folds it to a constant
            tf.broadcast_to(row, [2, 3, 5]),
            tf.reverse(x, [0, -1]),
            tf.reverse(x, [1]),
            tf.fill([2, 3], v),
            tf.range(start, limit, tf.constant(0.1, tf.float64)),
            tf.range(limit, start, tf.constant(-0.7, tf.float64)),
            tf.pad(x, [[1, 0], [0, 2], [3, 1]], constant_values=v),
            tf.stack([x, 2 * x, x + 1], axis=1),
            tf.stack([row, row], axis=-1),
        ]

    inputs = [x, rng.standard_normal((1, 5)), np.array(-1.25), np.array(-1.0), np.array(2.35)]
    inputs.append(np.array([1, 1, 4], np.int32))
    report = assert_parity(fn, inputs, rtol=0, atol=0, runtimes=RUNTIMES)
    assert counts(report) == {
        "Slice": 2, "Tile": 1, "BroadcastTo": 1, "ReverseV2": 2, "Fill": 1, "Range": 2, "PadV2": 1, "Pack": 2,
        "Mul": 1, "AddV2": 1,
    }  # fmt: skip


def test_concat_v2(tf, rng):
    """ConcatV2's list input comes before its axis: constant and run-time axes, negative axes,
    three inputs, an empty piece, complex parts."""

    def fn(a, b, c, axis, re, im):
        z = tf.complex(re, im)
        w = tf.concat([z, tf.math.conj(z)], 0)
        return [
            tf.concat([a, b], 1),
            tf.concat([a, a, c], 0),
            tf.concat([a, b[:, :0]], -1),  # an empty piece
            tf.concat([a, b], axis),  # axis at run time
            tf.concat([a[None], c[:2][None]], 0),
            tf.math.real(w),
            tf.math.imag(w),
        ]

    a, b, c = rng.standard_normal((2, 3)), rng.standard_normal((2, 4)), special(rng, (3, 3))
    re, im = rng.standard_normal((2, 2)), rng.standard_normal((2, 2))
    inputs = [a, b, c, np.array(-1, np.int32), re, im]
    report = assert_parity(fn, inputs, rtol=0, atol=0, runtimes=RUNTIMES)
    assert counts(report).get("ConcatV2", 0) == 5, counts(report)


@pytest.mark.parametrize("shapes", [((7,), (7,)), ((1001,), (1001,)), ((64, 33), (33,)), ((), (1001,))])
def test_atan2(tf, rng, shapes):
    """The converter cannot convert a float64 Atan2 at all (it legalizes it to TFLite's float-only
    ATAN2 and fails); opbridge.convert substitutes Opbridge>Atan2, equal to TF bit for bit: TF's
    packet path (Eigen's patan2) and its scalar tail (the C library) differ in the last bit for a
    third of the inputs, and each element takes TF's path (sizes with and without a tail)."""
    y_shape, x_shape = shapes
    y, x = special(rng, y_shape) if y_shape else np.array(0.75), special(rng, x_shape)
    report = assert_parity(tf.math.atan2, [y, x], rtol=0, atol=0, runtimes=RUNTIMES)
    assert counts(report) == {"Opbridge>Atan2": 1}


@pytest.mark.parametrize("path", ["auto", "baseline"])
def test_atan2_gives_tf_bits_on_both_builds(tf, rng, path, tmp_path):
    """Opbridge>Atan2 runs Eigen's patan2 on 4-double packets from an isolated AVX2 build
    (ops/math/atan2_double_avx2.cc) where the CPU has AVX2, else (OPBRIDGE_NO_AVX2=1) on the
    baseline's 2-double SSE2 packets: TF's bits on both, in every quadrant and at the edges,
    with a ragged tail (TF's std::atan2) and a scalar y (the packet path's broadcast)."""
    n = 40003
    y = special(rng, (n,), scale=10.0) * np.exp(rng.uniform(-30, 30, n))
    x = special(rng, (n,), scale=10.0) * np.exp(rng.uniform(-30, 30, n))
    quarter = n // 4
    y[:quarter] = np.repeat(special(rng, (quarter // 16 + 1,)), 16)[:quarter]  # the same y at many x
    x[quarter : 2 * quarter] = np.repeat(special(rng, (quarter // 16 + 1,)), 16)[:quarter]

    def fn(y, x):
        return {"pair": tf.math.atan2(y, x), "scalar_y": tf.math.atan2(tf.constant(0.75, tf.float64), x)}

    model = convert_fn(fn, (y.shape, tf.float64), (x.shape, tf.float64))
    assert tflite_model.custom_op_counts(model) == {"Opbridge>Atan2": 2}
    got = run_tflite_in_process(model, [y, x], tmp_path, baseline=path == "baseline")
    want = {k: v.numpy() for k, v in tf.function(fn)(y, x).items()}
    for name, w in want.items():
        g = got[name]
        np.testing.assert_array_equal(np.isnan(g), np.isnan(w), err_msg=name)
        bits = g[~np.isnan(g)].view(np.uint64), w[~np.isnan(w)].view(np.uint64)
        np.testing.assert_array_equal(*bits, err_msg=name)


def test_concat_v2_dynamic_batch(tf, rng):
    """Shapes known only at run time, empty batches included."""
    from conftest import convert_fn
    from opbridge.running import run_tflite

    def fn(x, y):
        return [tf.concat([x, y, x], 0), tf.concat([x, 2 * x], 1)]

    model = convert_fn(fn, ((None, 3), tf.float64), ((None, 3), tf.float64))
    assert tflite_model.custom_op_counts(model)["ConcatV2"] == 2
    for rows in (0, 1, 4):
        inputs = [rng.standard_normal((rows, 3)), rng.standard_normal((rows + 1, 3))]
        want = [np.asarray(w) for w in fn(*[tf.constant(a) for a in inputs])]
        for runtime in RUNTIMES:
            got = run_tflite(model, inputs, runtime)
            for i, w in enumerate(want):
                np.testing.assert_array_equal(
                    got[f"output_{i}"], w, err_msg=f"{runtime} rows={rows} output {i}"
                )


BAD_INPUTS = {
    "concat-axis-out-of-range": (
        lambda tf: lambda x, y, a: tf.concat([x, y], a),
        [np.ones((2, 3)), np.ones((2, 3)), np.array(2, np.int32)],
    ),
    "concat-mismatched-dims": (
        lambda tf: lambda x, y, a: tf.concat([x, y], a),
        [np.ones((2, 3)), np.ones((3, 3)), np.array(1, np.int32)],
    ),
    # name: (function of tf, inputs); TF's kernel refuses each at run time.
    "argmax-empty-axis": (
        lambda tf: lambda x, a: tf.math.argmax(x, a),
        [np.zeros((2, 0)), np.array(1, np.int32)],
    ),
    "reduce-axis-out-of-range": (
        lambda tf: lambda x, a: tf.reduce_max(x, a),
        [np.ones((2, 3)), np.array(2, np.int32)],
    ),
    "slice-past-the-end": (
        lambda tf: lambda x, b: tf.slice(x, b, [2, 2]),
        [np.ones((2, 3)), np.array([1, 0], np.int32)],
    ),
    "range-zero-delta": (lambda tf: lambda a, d: tf.range(a, 3.0, d), [np.array(0.0), np.array(0.0)]),
    "int64-floordiv-by-zero": (
        lambda tf: tf.math.floordiv,
        [np.array([4, 5], np.int64), np.array([2, 0], np.int64)],
    ),
    # TF broadcasts at most 5 merged dims (UnimplementedError), and so do the kernels.
    "broadcast-6-merged-dims": (
        lambda tf: tf.math.maximum,
        [np.ones((2, 3, 1, 2, 1, 2)), np.ones((3, 2, 1, 2, 2))],
    ),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_inputs_are_errors(tf, case):
    """Where TF refuses the inputs, the kernels refuse them too (an error naming the op, not a crash)."""
    from conftest import convert_fn
    from opbridge.running import run_tflite

    build, inputs = BAD_INPUTS[case]
    fn = build(tf)
    with pytest.raises((tf.errors.InvalidArgumentError, tf.errors.UnimplementedError)):
        fn(*[tf.constant(a) for a in inputs])
    model = convert_fn(fn, *[(a.shape, tf.as_dtype(a.dtype)) for a in inputs])
    for runtime in RUNTIMES:
        with pytest.raises(Exception) as error:
            run_tflite(model, inputs, runtime)
        assert any(
            op in str(error.value)
            for op in ("ArgMax", "Max", "Slice", "Range", "Maximum", "FloorDiv", "ConcatV2")
        ), str(error.value)


def test_linear_algebra_model_runs_end_to_end(tf, rng):
    """QR and SVD reconstructions, inverse, solve and a standardization in one float64 model:
    every op it holds is a custom op opbridge runs, and both runtimes match TF within 1e-10."""
    a = rng.standard_normal((2, 6, 4))
    spd = rng.standard_normal((2, 4, 4))
    spd = spd @ spd.transpose(0, 2, 1) + 4 * np.eye(4)
    b = rng.standard_normal((2, 4, 3))

    def model(a, spd, b):
        q, r = tf.linalg.qr(a)
        s, u, v = tf.linalg.svd(a)
        svd = tf.linalg.matmul(u * s[..., None, :], v, adjoint_b=True)
        inverse = tf.linalg.inv(spd)
        residual = tf.reduce_max(
            tf.abs(tf.linalg.matmul(spd, inverse) - tf.eye(4, dtype=tf.float64)), [-2, -1]
        )
        x = tf.linalg.solve(spd, b)
        centred = a - tf.reduce_mean(a, -2, keepdims=True)
        standard = centred * tf.math.rsqrt(tf.reduce_mean(tf.square(centred), -2, keepdims=True))
        return [tf.linalg.matmul(q, r), svd, inverse, residual, x, tf.nn.softmax(standard)]

    report = assert_parity(model, [a, spd, b], rtol=1e-10, atol=1e-15, runtimes=RUNTIMES)
    ops = counts(report)
    assert {"Qr", "Svd", "MatrixInverse", "MatrixSolve", "BatchMatMulV2", "Mean", "Rsqrt", "Max"} <= set(ops)
    assert set(ops) <= set(opbridge.list_ops())


def test_split_unpack_gather_nd_one_hot_mirror_pad(tf, rng):
    x = rng.standard_normal((4, 6, 5))

    def fn(x, sizes, indices, labels):
        return [
            *tf.unstack(x, axis=1),
            *tf.unstack(x[:, 0], axis=-1),
            *tf.split(x, 3, axis=1),
            *tf.split(x, 2, axis=-3),
            *tf.split(x, [1, -1, 2], axis=2),
            *tf.split(x, sizes, axis=1),  # sizes at run time
            tf.gather_nd(x, indices),
            tf.gather_nd(x, indices[:, :1]),
            tf.gather_nd(x, [[[0, 1, 2], [3, 5, 4]]]),
            tf.one_hot(labels, 5, dtype=tf.float64),  # -1 and 7 are outside: rows of off_value
            tf.one_hot(
                labels,
                4,
                on_value=tf.constant(2.5, tf.float64),
                off_value=tf.constant(-1.0, tf.float64),
                axis=0,
            ),
            tf.pad(x, [[1, 2], [0, 5], [4, 0]], mode="REFLECT"),
            tf.pad(x, [[4, 0], [6, 6], [0, 5]], mode="SYMMETRIC"),
        ]

    inputs = [x, np.array([2, 0, 4], np.int64), np.array([[0, 1], [3, 5], [2, 2]], np.int32)]
    inputs.append(np.array([[0, 3, -1], [7, 4, 1]], np.int32))
    report = assert_parity(fn, inputs, rtol=0, atol=0, runtimes=RUNTIMES)
    got = counts(report)
    assert {k: got.get(k) for k in ("Unpack", "Split", "SplitV", "GatherNd", "OneHot", "MirrorPad")} == {
        "Unpack": 2, "Split": 2, "SplitV": 2, "GatherNd": 3, "OneHot": 2, "MirrorPad": 2,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("dtype", "off", "on"),
    [
        (np.float64, 0.0, 1.0),  # one repeated byte: a memset
        (np.float64, -1.25, 2.5),  # 8-byte pattern
        (np.float16, -1.0, 3.0),
        (np.int16, -1, 7),  # 0xffff: a memset of 0xff
        (np.int16, -2, 7),
        (np.uint32, 0x01020304, 9),
        (np.complex128, 1 - 2j, 3j),  # 16-byte elements
    ],
    ids=str,
)
def test_one_hot_fills_rows(tf, rng, dtype, off, on):
    """OneHot's rows of off_value (array::FillElements: a memset for one repeated byte, 64-byte
    pattern stores otherwise, a partial store at the end) over rows of 37 values, split between
    threads, the new dim last and in the middle; labels outside [0, depth) give whole rows of
    off_value. The values come in as tensors, so the converter cannot fold them."""
    labels = rng.integers(-3, 40, (6, 150)).astype(np.int32)
    inputs = [labels, np.array(on, dtype), np.array(off, dtype)]

    def fn(labels, on, off):
        return {"last": tf.one_hot(labels, 37, on, off), "middle": tf.one_hot(labels, 37, on, off, axis=1)}

    report = assert_parity(fn, inputs, rtol=0, atol=0, runtimes=RUNTIMES)
    assert counts(report) == {"OneHot": 2}
    want = {k: v.numpy() for k, v in fn(*[tf.constant(x) for x in inputs]).items()}
    for runtime in RUNTIMES:  # two threads: each fills its rows, ending mid-pattern
        got = run_tflite(report.model, inputs, runtime, num_threads=2)
        for name, value in want.items():
            np.testing.assert_array_equal(got[name], value, err_msg=f"{name} {runtime}")


@pytest.mark.parametrize("dtype", [np.float64, np.uint16], ids=str)
def test_pack_pieces_on_threads(tf, rng, dtype):
    """Pack copies output pieces (one input's block each) split between threads: three [301, 700]
    inputs along axis 1 make 903 pieces, so the second thread starts inside a group of three
    (input 1 or 2 of a block); axes 0 and 2 are one piece per input and one element per piece."""
    xs = [(rng.standard_normal((301, 700)) * 1000).astype(dtype) for _ in range(3)]

    def fn(a, b, c):
        return {
            "axis0": tf.stack([a, b, c]),
            "axis1": tf.stack([a, b, c], 1),
            "axis2": tf.stack([a, b, c], 2),
        }

    report = assert_parity(fn, xs, rtol=0, atol=0, runtimes=RUNTIMES)
    assert counts(report) == {"Pack": 3}
    want = {k: v.numpy() for k, v in fn(*[tf.constant(x) for x in xs]).items()}
    for runtime in RUNTIMES:
        got = run_tflite(report.model, xs, runtime, num_threads=2)
        for name, value in want.items():
            np.testing.assert_array_equal(got[name], value, err_msg=f"{name} {runtime}")


def test_pow_by_the_constants_tfs_optimizer_rewrites(tf, rng):
    """Grappler turns Pow by a constant 2, 3, 1, 0.5, 0, -0.5 or -1 into Square, x * Square(x),
    Identity, Sqrt, ones, Rsqrt or Reciprocal in TF's graph; the converter keeps Pow, and the kernel
    computes what TF's graph does (bits: x ** 3 is two roundings, sqrt(-0.0) is -0.0). 2.5 stays pow
    (std::pow, TF's vectorized pow is within an ulp)."""
    x = special(rng, (6, 7))

    def fn(x):
        return [x**2, x**3, tf.pow(x, 1.0), x**0.5, x**0.0, x**-0.5, x**-1.0, tf.pow(x, [[-1.0]])]

    report = assert_parity(fn, [x], rtol=0, atol=0, runtimes=RUNTIMES)
    assert counts(report) == {"Pow": 6}  # the converter folds x ** 1 and x ** 0 itself
    assert_parity(lambda x: x**2.5, [x], rtol=1e-15, atol=0, runtimes=RUNTIMES)


def test_unstack_and_split_into_many_short_pieces(tf, rng):
    # Pieces shorter than a cache line are copied a group of pieces and a block of
    # rows at a time (ops/array/split_rows.h): 40 one-element pieces per row make
    # three groups, 70 rows three blocks and a remainder; pieces of 0-3 elements
    # of 2-element slices make groups of uneven pieces.
    x = rng.standard_normal((70, 40))
    y = rng.standard_normal((70, 9, 2))

    def fn(x, y):
        return [*tf.unstack(x, axis=1), *tf.split(y, [1, 3, 0, 2, 1, 2], axis=1), *tf.unstack(y, axis=-1)]

    report = assert_parity(fn, [x, y], rtol=0, atol=0, runtimes=RUNTIMES)
    got = counts(report)
    assert {k: got.get(k) for k in ("Unpack", "SplitV")} == {"Unpack": 2, "SplitV": 1}


def test_scatter_nd_and_tensor_scatter_update(tf, rng):
    def fn(updates, tensor, rows, indices):
        return [
            tf.scatter_nd(indices, updates, [6, 5]),  # a repeated index adds, in order
            tf.scatter_nd(indices[:, :, :1], rows, [6, 4, 3]),
            tf.tensor_scatter_nd_update(tensor, indices, updates),
            tf.tensor_scatter_nd_update(
                tensor, indices[:1, :1, :1], 2 * tensor[None, None, 2]
            ),  # a whole row
        ]

    indices = np.array([[[0, 1], [5, 4], [2, 2]], [[0, 1], [3, 0], [0, 1]]], np.int32)
    inputs = [
        rng.standard_normal((2, 3)),
        rng.standard_normal((6, 5)),
        rng.standard_normal((2, 3, 4, 3)),
        indices,
    ]
    report = assert_parity(fn, inputs, rtol=0, atol=0, runtimes=RUNTIMES)
    assert {k: v for k, v in counts(report).items() if "Scatter" in k} == {
        "ScatterNd": 2,
        "TensorScatterUpdate": 2,
    }


def test_empty_and_resized_inputs_at_run_time(tf, rng):
    """Shapes unknown at conversion (so nothing is folded), fed empty and non-empty batches."""
    from conftest import convert_fn
    from opbridge.running import run_tflite

    def fn(x, y):
        return [
            tf.math.exp(x),
            tf.math.floormod(x, y),
            tf.math.maximum(x, y),
            x < y,
            tf.where(x > y, x, y),
            tf.reduce_mean(x, 0),
            tf.reduce_max(x, 1),
            tf.reduce_prod(x, [0, 1], keepdims=True),
            tf.nn.softmax(x),
            tf.math.cumsum(x, 0, exclusive=True),
            tf.tile(x, [2, 1]),
            tf.reverse(x, [0]),
            tf.pad(x, [[1, 1], [0, 0]], constant_values=-1.0),
        ]

    model = convert_fn(fn, ((None, 3), tf.float64), ((3,), tf.float64))
    concrete = tf.function(fn).get_concrete_function(
        tf.TensorSpec((None, 3), tf.float64), tf.TensorSpec((3,), tf.float64)
    )
    for rows in (0, 1, 5):
        inputs = [rng.standard_normal((rows, 3)), rng.standard_normal(3)]
        want = [np.asarray(w) for w in concrete(*[tf.constant(a) for a in inputs])]
        for runtime in RUNTIMES:
            got = run_tflite(model, inputs, runtime)
            for i, w in enumerate(want):
                g = got[f"output_{i}"]
                assert g.shape == w.shape and g.dtype == w.dtype, (runtime, rows, i, g.shape, w.shape)
                np.testing.assert_allclose(
                    g, w, rtol=ROUNDING, atol=0, err_msg=f"{runtime} rows={rows} output {i}"
                )


@pytest.mark.parametrize("align", ["RIGHT_LEFT", "LEFT_RIGHT", "LEFT_LEFT", "RIGHT_RIGHT"])
def test_matrix_diag_and_set_diag(tf, rng, align):
    def fn(diag, band, matrices, k):
        return [
            tf.linalg.diag(diag),
            tf.linalg.diag(diag, k=1, num_rows=4, padding_value=-1.0, align=align),
            # (a constant band k with num_rows = num_cols = -1 crashes TF's converter itself)
            tf.linalg.diag(band, k=k, num_rows=5, num_cols=3, align=align),  # k at run time
            tf.linalg.set_diag(matrices, diag[..., :3]),
            tf.linalg.set_diag(matrices, band[..., :3], k=(-1, 1), align=align),
            tf.linalg.set_diag(matrices, band, k=(0, 2), align=align),
        ]

    inputs = [rng.standard_normal((2, 3)), rng.standard_normal((2, 3, 3)), rng.standard_normal((2, 3, 4))]
    inputs.append(np.array([-2, 0], np.int32))
    report = assert_parity(fn, inputs, rtol=0, atol=0, runtimes=RUNTIMES)
    got = counts(report)
    assert (got["MatrixDiagV3"], got["MatrixSetDiagV3"]) == (3, 3)


@pytest.mark.parametrize("dtype", [np.complex64, np.complex128], ids=lambda d: np.dtype(d).name)
def test_complex_ops_left_custom(tf, rng, dtype):
    """What the converter leaves custom for complex too (the same kernels): data movement, Neg,
    Square, Equal / NotEqual, SelectV2."""
    x = (rng.standard_normal((3, 8)) + 1j * rng.standard_normal((3, 8))).astype(dtype)
    y = x[0].copy()
    y[::2] = (rng.standard_normal(4) + 1j).astype(dtype)

    def fn(x, y, indices):
        return [
            -x,
            tf.math.square(x),
            tf.math.equal(x, y),
            tf.math.not_equal(x, y),
            tf.where(tf.math.equal(x, y), x, y),
            tf.tile(x, [2, 1]),
            tf.slice(x, [1, 2], [2, 5]),
            tf.stack([x, 2 * x]),
            tf.reverse(x, [1]),
            tf.broadcast_to(y, [2, 3, 8]),
            tf.gather_nd(x, indices),
        ]

    report = assert_parity(
        fn, [x, y, np.array([[2, 7], [0, 0]], np.int32)], rtol=0, atol=0, runtimes=RUNTIMES
    )
    got = counts(report)
    want = {"Neg", "Equal", "NotEqual", "SelectV2", "Tile", "Slice", "Pack", "ReverseV2", "GatherNd"}
    if dtype == np.complex128:  # complex64 Square and BroadcastTo are builtins (MUL, BROADCAST_TO)
        want |= {"Square", "BroadcastTo"}
    assert want <= set(got), got


def test_int64_ops_left_custom(tf, rng):
    x = rng.integers(-5, 5, (4, 6)).astype(np.int64)  # ties: the first index wins
    big = np.array([7, -7, 7, -7, 0, -(2**63), 2**63 - 1, -(2**63), 5], np.int64)
    divisor = np.array([2, 2, -2, -2, 3, -1, -1, 2, 7], np.int64)

    def fn(x, big, divisor):
        return [
            tf.math.argmax(x, 1),
            tf.math.argmin(x, 0, output_type=tf.int32),
            tf.math.floordiv(big[:5], divisor[:5]),  # TF traps on INT64_MIN // -1: not compared
            tf.math.floordiv(big[6:], divisor[6:]),
            tf.math.floordiv(x, divisor[:6]),
        ]

    report = assert_parity(fn, [x, big, divisor], rtol=0, atol=0, runtimes=RUNTIMES)
    assert counts(report) == {"ArgMax": 1, "ArgMin": 1, "FloorDiv": 3}


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "int16", "uint16", "uint32", "uint64"])
def test_data_moving_ops_of_the_small_dtypes_left_custom(tf, rng, dtype):
    """The converter leaves the data-moving ops custom for these dtypes too (the builtins lack
    them, measured): exact against TF for each, with int32 and int64 perms and ranks 2 to 4. TF has
    no uint16 Tile kernel: that one is an error in both."""

    def fn(x, y, v, c):
        outputs = [
            tf.transpose(x, [0, 2, 1]),
            tf.transpose(x, tf.constant([2, 0, 1], tf.int64)),
            tf.transpose(y, [3, 1, 0, 2]),
            tf.transpose(v),
            tf.concat([x, x[:, :2]], axis=1),
            tf.slice(x, [1, 0, 2], [2, -1, 3]),
            tf.reverse(x, [1]),
            tf.stack([v, tf.reverse(v, [0])], axis=1),
            tf.unstack(x, axis=2)[3],
            tf.split(y, 5, axis=1)[2],
            tf.split(x, [1, 3], axis=1)[1],
            tf.broadcast_to(v[:1], [4, 7, 3]),
            tf.gather_nd(x, [[0, 1], [2, 3]]),
            tf.pad(x, [[1, 0], [0, 2], [3, 1]], constant_values=v[0, 0]),
            tf.where(c, v, tf.reverse(v, [0])),
        ]
        return outputs if dtype == "uint16" else [*outputs, tf.tile(v, [2, 3])]

    values = [rng.integers(0, 200, s) for s in ((3, 4, 5), (2, 5, 3, 4), (7, 3))]
    # bfloat16 is ml_dtypes' numpy type (TF's and the runtimes' own).
    if dtype == "bfloat16":
        import ml_dtypes

        inputs = [v.astype(ml_dtypes.bfloat16) for v in values]
    else:
        inputs = [v.astype(dtype) for v in values]
    inputs.append(rng.random((7, 3)) > 0.5)
    report = assert_parity(fn, inputs, rtol=0, atol=0, runtimes=RUNTIMES)
    # The builtins take the others for int16 and uint32, and Slice for uint32 (measured); half,
    # bfloat16, uint16 and uint64 leave them all custom.
    ops = {"Transpose", "PadV2"} | (set() if dtype == "uint32" else {"Slice"})
    if dtype in ("float16", "bfloat16", "uint16", "uint64"):
        ops |= {
            "ConcatV2",
            "ReverseV2",
            "Pack",
            "Unpack",
            "Split",
            "SplitV",
            "BroadcastTo",
            "GatherNd",
            "SelectV2",
        }
    assert ops | (set() if dtype == "uint16" else {"Tile"}) <= set(counts(report)), counts(report)
    if dtype == "uint16":
        model = convert_fn(lambda v: tf.tile(v, [2, 3]), ([7, 3], tf.uint16))
        assert tflite_model.custom_op_counts(model) == {"Tile": 1}
        with pytest.raises(
            tf.errors.UnimplementedError, match="TileOp : The input data type is not supported"
        ):
            tf.tile(tf.constant(inputs[2]), [2, 3])
        for runtime in RUNTIMES:
            with pytest.raises(Exception, match=r"Tile.*DataType : uint16, Dimension : 2"):
                opbridge.testing.run_tflite(model, [inputs[2]], runtime)
