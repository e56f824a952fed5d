"""EuclideanNorm (tf.math.reduce_euclidean_norm): opbridge's TFLite kernel vs TF's own.

TFLite has no kernel in any dtype; the converter leaves CUSTOM "EuclideanNorm". Integers
and bfloat16 are TF's bits; float, double, complex and half sum in an order close to but
not always TF's (Eigen's packet trees; ops/math/euclidean_norm.cc), so they are compared
within a few units in the last place, and exactly where the order cannot matter.
"""

from __future__ import annotations

import ml_dtypes
import numpy as np
import pytest

from conftest import RUNTIMES, convert_fn, registered_cpu_dtypes
from opbridge import tflite_model
from opbridge.testing import run_tflite

INTS = [np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64]
# dtype -> relative tolerance (0: bits equal)
FLOATS = {
    np.float32: 3e-7,
    np.float64: 5e-16,
    np.complex64: 3e-7,
    np.complex128: 5e-16,
    np.float16: 2e-3,
    ml_dtypes.bfloat16: 0,
}
SHAPES = [
    ((5, 300), [1]),  # rows
    ((3, 7), [-1]),
    ((1000,), [0]),  # everything
    ((3, 4, 5, 6), [1, 3]),  # TF transposes the reduced axes to the end
    ((17, 5), [0]),  # columns
    ((4, 30, 5), [1]),
    ((4, 5, 6), [0, 2]),
    ((2, 3), []),  # nothing reduced: |x|
    ((), []),
    ((3, 1), [1]),
    ((0, 3), [0]),  # no elements: 0
    ((0, 3), [1]),
]


def name_of(dtype) -> str:
    return np.dtype(dtype).name


def one_node(x, axes, keep_dims, out_shape):
    from ai_edge_litert import schema_py_generated as schema
    from flatbuffers import flexbuffers

    options = {
        "T": getattr(schema.TensorType, name_of(x.dtype).upper()),
        "Tidx": getattr(schema.TensorType, name_of(axes.dtype).upper()),
        "keep_dims": keep_dims,
    }
    return tflite_model.single_custom_op_model(
        "EuclideanNorm",
        [("input", x.shape, x.dtype), ("reduction_indices", axes.shape, axes.dtype)],
        [("output", out_shape, x.dtype)],
        options=bytes(flexbuffers.Dumps(options)),
    )


def check(tf, x, axes, keep_dims=False, rtol=0.0):
    expected = tf.raw_ops.EuclideanNorm(
        input=tf.constant(x), axis=tf.constant(axes), keep_dims=keep_dims
    ).numpy()
    model = one_node(x, axes, keep_dims, expected.shape)
    for runtime in RUNTIMES:
        (actual,) = run_tflite(model, [x, axes], runtime).values()
        message = f"{name_of(x.dtype)} {x.shape} axes {axes.tolist()} keep_dims={keep_dims} {runtime}"
        assert actual.dtype == expected.dtype and actual.shape == expected.shape, message
        if rtol == 0:
            np.testing.assert_array_equal(
                actual.reshape(-1).view(np.uint8), expected.reshape(-1).view(np.uint8), message
            )
        else:
            wide = np.complex128 if np.iscomplexobj(expected) else np.float64
            np.testing.assert_allclose(
                actual.astype(wide), expected.astype(wide), rtol=rtol, atol=0, err_msg=message
            )


def test_every_registered_dtype_is_declared(tf):
    registered = registered_cpu_dtypes("EuclideanNorm")
    assert registered == {tf.as_dtype(d).name for d in [*INTS, *FLOATS]}


@pytest.mark.parametrize("dtype", INTS, ids=name_of)
def test_integers_bit_exact(tf, rng, dtype):
    """Full-range values: squares and sums wrap in the type, a negative wrapped sum's NaN
    root converts as x86 does (int32/int64 INT_MIN, int8/int16 0)."""
    info = np.iinfo(dtype)
    for (shape, axes), index in zip(SHAPES, [np.int32, np.int64] * 6, strict=True):
        x = rng.integers(info.min, info.max, shape, dtype=dtype, endpoint=True)
        check(tf, x, np.array(axes, index), keep_dims=len(axes) % 2 == 1)
    small = rng.integers(0 if info.min == 0 else -9, 10, (6, 9)).astype(dtype)
    check(tf, small, np.array([1], np.int32))


@pytest.mark.parametrize("dtype", list(FLOATS), ids=name_of)
def test_floating_types(tf, rng, dtype):
    for (shape, axes), index in zip(SHAPES, [np.int64, np.int32] * 6, strict=True):
        x = rng.standard_normal(shape)
        if np.issubdtype(dtype, np.complexfloating):
            x = x + 1j * rng.standard_normal(shape)
        for keep_dims in (False, True):
            check(tf, np.asarray(x).astype(dtype), np.array(axes, index), keep_dims, FLOATS[dtype])


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16, ml_dtypes.bfloat16], ids=name_of)
def test_special_values_bit_exact(tf, dtype):
    """NaN, infinities, signed zeros, overflow of the squares (in T, as TF: 300 * 300 is
    inf in half, 1e30 * 1e30 in float), in short rows whose sum order cannot matter."""
    big = {np.float32: 1e30, np.float64: 1e200, np.float16: 300.0}.get(dtype, 1e30)
    x = np.array(
        [[np.nan, 1.0], [np.inf, 1.0], [-np.inf, np.nan], [-0.0, -0.0], [big, 0.0], [-3.0, 4.0]],
    ).astype(dtype)
    check(tf, x, np.array([1], np.int32))
    check(tf, x, np.array([], np.int32))


def test_complex_special_values(tf):
    """x * conj(x) of an infinite part has a NaN imaginary part: the root is (inf, nan).
    Values equal; NaN signs and payloads are not compared (TF's packets make other ones)."""
    x = np.array([[complex(np.inf, 1), 1], [complex(np.nan, 1), 2], [complex(-0.0, -0.0), 0], [3 + 4j, 0]])
    for dtype in (np.complex64, np.complex128):
        check(tf, x.astype(dtype), np.array([1], np.int32), rtol=1e-300)


def test_converted_model_holds_the_custom_op(tf, rng):
    def model(x, axes):
        return {
            "rows": tf.math.reduce_euclidean_norm(x, -1),
            "kept": tf.math.reduce_euclidean_norm(x, [0, 2], keepdims=True),
            "dynamic": tf.math.reduce_euclidean_norm(x, axes),
        }

    x = rng.standard_normal((3, 4, 8)).astype(np.float32)
    axes = np.array([1], np.int32)
    converted = convert_fn(model, (x.shape, tf.float32), ((1,), tf.int32))
    assert tflite_model.custom_op_counts(converted) == {"EuclideanNorm": 3}
    expected = {k: v.numpy() for k, v in model(tf.constant(x), tf.constant(axes)).items()}
    for runtime in RUNTIMES:
        actual = run_tflite(converted, [x, axes], runtime)
        for name, want in expected.items():
            np.testing.assert_allclose(actual[name], want, rtol=3e-7, atol=0, err_msg=f"{name} {runtime}")


@pytest.mark.parametrize(
    ("axes", "message"),
    [
        ([0, -2], "Invalid reduction arguments: Axes contains duplicate dimension: 0"),
        ([2], r"Invalid reduction dimension \(2 for input with 2 dimension\(s\)"),
        ([-3], r"Invalid reduction dimension \(-3 for input with 2 dimension\(s\)"),
    ],
)
def test_bad_axes_are_tfs_errors(tf, axes, message):
    x = np.ones((2, 3), np.float64)
    a = np.array(axes, np.int32)
    with pytest.raises(tf.errors.InvalidArgumentError, match=message):
        tf.raw_ops.EuclideanNorm(input=x, axis=a)
    model = one_node(x, a, False, (3,))
    for runtime in RUNTIMES:
        with pytest.raises(RuntimeError, match=f"EuclideanNorm: .*{message}"):
            run_tflite(model, [x, a], runtime)


def test_half_short_runs_bit_exact(tf, rng):
    """Short rows and columns of half: TF rounds each square and partial sum to half (its
    half packets), as the kernel does; bits equal where the order cannot differ."""
    x = (rng.standard_normal((64, 7)) * 8).astype(np.float16)
    check(tf, x, np.array([1], np.int32))
    check(tf, x[:9].T.copy(), np.array([1], np.int32))
    check(tf, x[:9], np.array([0], np.int32))


def _lane_sum_of_squares(rows, first, lanes):
    """The kernel's documented order for each row (one output's inputs as one run): Eigen's
    inner-most reduction, two accumulators of `lanes` lanes, the rest in order, the lanes
    folded in halves; runs longer than 1024 packets split as Eigen splits them."""
    n = rows.shape[1]
    zero = rows.dtype.type(0)
    if n > lanes * 1024:
        half = (n + 1) // 2
        split = lanes * ((first + half + lanes - 1) // lanes)
        left = min(split - first, n)
        acc = zero + _lane_sum_of_squares(rows[:, :left], first, lanes)
        if left < n:
            acc = acc + _lane_sum_of_squares(rows[:, left:], split, lanes)
        return acc
    squares = rows * rows
    a = np.zeros((rows.shape[0], lanes), rows.dtype)
    b = np.zeros_like(a)
    unrolled, packets = n // (2 * lanes) * 2 * lanes, n // lanes * lanes
    for j in range(0, unrolled, 2 * lanes):
        a += squares[:, j : j + lanes]
        b += squares[:, j + lanes : j + 2 * lanes]
    for j in range(unrolled, packets, lanes):
        a += squares[:, j : j + lanes]
    a += b
    tail = np.zeros(rows.shape[0], rows.dtype)
    for j in range(packets, n):
        tail += squares[:, j]
    width = lanes // 2
    while width >= 1:
        a[:, :width] = a[:, :width] + a[:, width : 2 * width]
        width //= 2
    return tail + a[:, 0]


def _assert_kernel_bits(x, axes, want):
    a = np.array(axes, np.int32)
    model = one_node(x, a, False, want.shape)
    for runtime in RUNTIMES:
        (got,) = run_tflite(model, [x, a], runtime).values()
        np.testing.assert_array_equal(got.view(np.uint8), want.view(np.uint8), f"{x.shape} {axes} {runtime}")


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=name_of)
def test_sum_orders_are_the_documented_ones(rng, dtype):
    """The kernel's own orders, bit for bit (TF's are only approximated, so the TF tests above
    have a tolerance): a run per output in Eigen's lane layout (the in-place path, short and
    split runs), and columns summed in row order (the row-by-row path, blocks of columns)."""
    lanes = 8 if dtype == np.float32 else 4
    for shape, axes in [((37, 300), [1]), ((3, 9001), [1]), ((1, 5, 7), [1, 2]), ((2, 1, 11), [2])]:
        x = (rng.standard_normal(shape) * 3).astype(dtype)
        rows = x.reshape(-1, int(np.prod([shape[a] for a in axes])))
        sums = [_lane_sum_of_squares(rows[i : i + 1], i * rows.shape[1], lanes) for i in range(len(rows))]
        kept = [d for k, d in enumerate(shape) if k not in axes]
        _assert_kernel_bits(x, axes, np.sqrt(np.concatenate(sums)).reshape(kept))
    for shape, axes in [((300, 37), [0]), ((2, 200, 130), [1]), ((5, 4, 3, 260), [0, 1])]:
        x = (rng.standard_normal(shape) * 3).astype(dtype)
        squares = (x * x).reshape(*shape[: axes[0]], -1, *shape[axes[-1] + 1 :])
        acc = np.zeros_like(np.take(squares, 0, axis=axes[0]))
        for i in range(squares.shape[axes[0]]):
            acc = acc + np.take(squares, i, axis=axes[0])
        kept = [d for k, d in enumerate(shape) if k not in axes]
        _assert_kernel_bits(x, axes, np.sqrt(acc.reshape(kept)))
