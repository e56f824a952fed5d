"""SegmentMax, SegmentMin, SegmentMean, SegmentProd, SegmentSum: TFLite kernels vs TF's own kernels.

Sorted segment ids; gaps get TF's default value (0, or 1 for the product); the
output has last id + 1 rows, known only at run time.
"""

from __future__ import annotations

import ml_dtypes
import numpy as np
import pytest

import opbridge
from conftest import RUNTIMES, convert_fn
from opbridge import tflite_model
from opbridge.testing import assert_parity, run_tflite

REDUCTIONS = ["max", "min", "mean", "prod", "sum"]
BF16 = ml_dtypes.bfloat16
REAL = [np.float32, np.float64, np.float16, BF16, np.int8, np.int16, np.int32, np.int64]
REAL += [np.uint8, np.uint16, np.uint32, np.uint64]
COMPLEX = [np.complex64, np.complex128]
# A leading gap (ids start at 2), a gap in the middle (5), one-row and long segments.
IDS = np.array([2, 2, 3, 4, 4, 4, 4, 6, 7, 7], np.int64)


def data_for(rng, dtype, shape) -> np.ndarray:
    if np.issubdtype(dtype, np.integer):
        low = 0 if np.issubdtype(dtype, np.unsignedinteger) else -100
        return rng.integers(low, 100, shape).astype(dtype)  # sums and products overflow and wrap, as in TF
    x = rng.uniform(-2, 2, shape)
    if np.issubdtype(dtype, np.complexfloating):
        x = x + 1j * rng.uniform(-2, 2, shape)
    return x.astype(dtype)


def reductions(tf, names):
    return lambda data, ids: {name: getattr(tf.math, f"segment_{name}")(data, ids) for name in names}


@pytest.mark.parametrize("index", [np.int32, np.int64], ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("dtype", REAL + COMPLEX, ids=lambda d: np.dtype(d).name)
def test_every_dtype(tf, rng, dtype, index):
    names = list(REDUCTIONS) if dtype not in COMPLEX else ["mean", "prod", "sum"]
    if dtype in (np.float32, np.int32):
        names.remove("sum")  # the builtin SEGMENT_SUM; it rejects gaps (test_builtin_segment_sum_...)
    data = data_for(rng, dtype, (len(IDS), 3, 5))
    report = assert_parity(
        reductions(tf, names), [data, IDS.astype(index)], rtol=0, atol=0, runtimes=RUNTIMES
    )
    custom = tflite_model.custom_op_counts(report.model)
    assert {f"Segment{n.capitalize()}" for n in names} - {"SegmentSum"} <= set(custom)


@pytest.mark.parametrize("cols", [1, 3, 4, 8, 9, 20, 27], ids=lambda c: f"cols{c}")
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16, BF16], ids=lambda d: np.dtype(d).name)
def test_nan_as_tf(tf, rng, dtype, cols):
    """TF's max/min treat NaN one way in the columns Eigen vectorizes (the leading multiples
    of 8 floats/halves/bfloat16s or 4 doubles: NaN skipped, all-NaN gives -inf/+inf) and another in the
    rest (a NaN replaces the accumulator, the next value replaces the NaN). Both reproduced."""
    ids = np.repeat(np.arange(8), [1, 2, 2, 3, 3, 4, 5, 6])
    data = data_for(rng, dtype, (len(ids), cols))
    data[rng.uniform(size=data.shape) < 0.3] = np.nan
    data[ids == 6] = np.nan  # a segment of NaNs only
    data[np.cumsum([1, 2, 2, 3, 3, 4, 5, 6]) - 1, 0] = np.nan  # NaN in the last row of each segment
    assert_parity(reductions(tf, REDUCTIONS), [data, ids.astype(np.int32)], rtol=0, atol=0, runtimes=RUNTIMES)


@pytest.mark.parametrize(
    "dtype", [np.float32, np.float64, np.float16, BF16, np.complex64], ids=lambda d: np.dtype(d).name
)
def test_long_segments_reduce_in_tfs_order(tf, rng, dtype):
    """From 16 rows on, TF's vectorized columns sum and multiply with 4 interleaved
    accumulators: float results differ from a sequential fold unless that order is kept."""
    lengths = [2, 15, 16, 17, 19, 33, 70]
    ids = np.repeat(np.arange(len(lengths)), lengths).astype(np.int32)
    data = data_for(rng, dtype, (len(ids), 17)) * dtype(0.5) + dtype(1)  # products stay finite
    names = ["mean", "prod"] + (["sum"] if dtype != np.float32 else [])
    assert_parity(reductions(tf, names), [data, ids], rtol=0, atol=0, runtimes=RUNTIMES)


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=lambda d: np.dtype(d).name)
def test_signed_zeros_as_tf(tf, rng, dtype):
    """Which of +0 and -0 max/min keep depends on TF's evaluation order too."""
    lengths = [2, 3, 16, 17, 33]
    ids = np.repeat(np.arange(len(lengths)), lengths).astype(np.int32)
    data = np.where(rng.uniform(size=(len(ids), 9)) < 0.5, 0.0, -0.0).astype(dtype)
    model = convert_fn(
        reductions(tf, ["max", "min"]), (data.shape, tf.as_dtype(dtype)), (ids.shape, tf.int32)
    )
    want = reductions(tf, ["max", "min"])(data, ids)
    for runtime in RUNTIMES:
        got = run_tflite(model, [data, ids], runtime)
        for name in ("max", "min"):
            np.testing.assert_array_equal(np.signbit(got[name]), np.signbit(want[name].numpy()))


@pytest.mark.parametrize("cols", [3, 8, 17], ids=lambda c: f"cols{c}")
def test_bfloat16_bits_as_tf(tf, rng, cols):
    """bfloat16 bit for bit: NaN signs, signed zeros, subnormals. TF's AVX packets (the leading
    multiple-of-8 columns) widen to float and round back with F32ToBf16, so every NaN they make
    is +NaN, and their max/min return the float operand, which denormals-are-zero flushes (a
    subnormal maximum comes out as a zero of its sign); the other columns keep a NaN's sign and
    a subnormal maximum. Segments of 1 to 257 rows (4 accumulators from 16 rows on; the mean
    divides by bfloat16(257) = 256), a leading gap and gaps between; then no rows at all."""
    lengths = [1, 2, 3, 15, 16, 17, 19, 33, 257]
    ids = np.repeat([1, 2, 4, 5, 6, 8, 9, 10, 12], lengths).astype(np.int32)
    x = rng.standard_normal((len(ids), cols)) * 4
    special = [np.nan, -np.nan, np.inf, -np.inf, 0.0, -0.0, 1e-39, -1e-39, 3e38, -3e38, 1.2e-38]
    mask = (rng.uniform(size=x.shape) < 0.15) & (ids[:, None] != 12)  # the 257 rows stay finite
    x[mask] = rng.choice(special, int(mask.sum()))
    x = x.astype(BF16)
    fn = reductions(tf, REDUCTIONS)
    model = convert_fn(fn, ((None, cols), tf.bfloat16), ((None,), tf.int32))
    want = {name: t.numpy().view(np.uint16) for name, t in fn(x, ids).items()}
    assert ((want["sum"] & 0x7FFF) == 0x7FC0).any()  # NaNs, whose signs are compared below
    for runtime in RUNTIMES:
        got = run_tflite(model, [x, ids], runtime)
        for name in REDUCTIONS:
            bits = got[name].view(np.uint16)
            np.testing.assert_array_equal(bits, want[name], err_msg=f"{name} {runtime}")
        empty = run_tflite(model, [x[:0], ids[:0]], runtime)
        assert all(v.shape == (0, cols) and v.dtype == BF16 for v in empty.values())


def test_special_values(tf):
    data = np.array([-np.inf, -np.inf, np.inf, -0.0, 0.0, 0.0, -0.0, 1e30, 1e30, 1e-30, 1e-20], np.float32)
    ids = np.array([0, 0, 1, 2, 2, 3, 3, 4, 4, 5, 5], np.int32)
    assert_parity(reductions(tf, REDUCTIONS), [data, ids], rtol=0, atol=0, runtimes=RUNTIMES)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_output_rows_follow_the_ids_at_run_time(tf, rng, runtime):
    model = convert_fn(reductions(tf, REDUCTIONS), ((None, 2), tf.float64), ((None,), tf.int32))
    for ids in ([0, 0, 1], [5], [], [0, 3, 3, 3, 9], [1, 2, 3, 4, 5, 6]):
        ids = np.array(ids, np.int32)
        data = data_for(rng, np.float64, (len(ids), 2))
        got = run_tflite(model, [data, ids], runtime)
        for name, want in reductions(tf, REDUCTIONS)(data, ids).items():
            np.testing.assert_array_equal(got[name], want.numpy(), err_msg=f"{name} {ids}")


@pytest.mark.parametrize("shape", [(0,), (0, 3), (4, 0), (4,), (4, 2, 3, 2)], ids=str)
def test_shapes(tf, rng, shape):
    ids = np.sort(rng.integers(0, 3, shape[0])).astype(np.int32)
    data = data_for(rng, np.float64, shape)
    model = convert_fn(reductions(tf, REDUCTIONS), ((None,) * len(shape), tf.float64), ((None,), tf.int32))
    want = reductions(tf, REDUCTIONS)(data, ids)
    for runtime in RUNTIMES:
        got = run_tflite(model, [data, ids], runtime)
        for name in REDUCTIONS:
            assert got[name].shape == tuple(want[name].shape)
            np.testing.assert_array_equal(got[name], want[name].numpy())


def test_threads_do_not_change_results(tf, rng):
    ids = np.sort(rng.integers(0, 3000, 200_000)).astype(np.int32)
    data = data_for(rng, np.float32, (len(ids), 4))
    model = convert_fn(
        reductions(tf, ["max", "mean", "prod"]), (data.shape, tf.float32), (ids.shape, tf.int32)
    )
    one = run_tflite(model, [data, ids], num_threads=1)
    four = run_tflite(model, [data, ids], num_threads=4)
    want = reductions(tf, ["max", "mean", "prod"])(data, ids)
    for name in one:
        np.testing.assert_array_equal(one[name], four[name])
        np.testing.assert_array_equal(one[name], want[name].numpy())


BAD_IDS = {
    "not increasing": ([0, 1, 0, 1], r"segment ids are not increasing"),
    "not increasing later": ([1, 1, 0, 2], r"segment ids are not increasing"),
    "negative first": ([-1, 0, 0, 1], r"Segment id -1 out of range \[0, 2\), possibly because"),
    "negative last": ([0, 0, 1, -1], r"segment ids must be >= 0"),
    "all negative": ([-2, -2, -1, -1], r"segment ids must be >= 0"),
}


@pytest.mark.parametrize("name", REDUCTIONS)
def test_bad_ids_as_tf(tf, name):
    fn = getattr(tf.math, f"segment_{name}")
    model = convert_fn(fn, ((4, 2), tf.float64), ((4,), tf.int32))
    data = np.ones((4, 2), np.float64)
    for ids, message in BAD_IDS.values():
        ids = np.array(ids, np.int32)
        with pytest.raises(tf.errors.InvalidArgumentError, match=message):
            fn(data, ids)
        for runtime in RUNTIMES:
            with pytest.raises(RuntimeError, match=f"Segment{name.capitalize()}: {message}"):
                run_tflite(model, [data, ids], runtime)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_bad_shapes_as_tf(tf, runtime):
    def model(data_shape, ids_shape):
        return tflite_model.single_custom_op_model(
            "SegmentMax",
            [("data", data_shape, np.float32), ("ids", ids_shape, np.int32)],
            [("out", [1], np.float32)],
        )

    cases = [
        (([3, 2], [2]), r"dim 0 of input 'segment_ids' \[2\] must equal dim 0 of input 'data'"),
        (([3, 2], [3, 1]), r"input 'segment_ids' must have rank 1"),
        (([], [1]), r"input 'data' must have rank >= 1"),
    ]
    for (data_shape, ids_shape), message in cases:
        m = model(data_shape, ids_shape)
        inputs = [np.ones(data_shape, np.float32), np.zeros(ids_shape, np.int32)]
        with pytest.raises(RuntimeError, match="SegmentMax: " + message):
            run_tflite(m, inputs, runtime)
    with pytest.raises(tf.errors.InvalidArgumentError, match="segment_ids should be the same size"):
        tf.math.segment_max(np.ones((3, 2), np.float32), np.zeros(2, np.int32))


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_integer_mean_whose_count_wraps_to_zero_is_an_error(tf, runtime):
    """TF divides by the row count converted to T: 256 rows of uint8 would divide by zero
    (TF's process dies); the TFLite kernel refuses instead."""
    model = convert_fn(tf.math.segment_mean, ((None,), tf.uint8), ((None,), tf.int32))
    with pytest.raises(
        RuntimeError, match=r"SegmentMean: segment 0 has 256 rows, a count that wraps to 0 in uint8"
    ):
        run_tflite(model, [np.ones(256, np.uint8), np.zeros(256, np.int32)], runtime)
    data, ids = np.full(255, 3, np.uint8), np.zeros(255, np.int32)
    (out,) = run_tflite(model, [data, ids], runtime).values()
    # 255 * 3 wraps to 253, and 253 // 255 is 0: TF's answer too.
    np.testing.assert_array_equal(out, tf.math.segment_mean(data, ids).numpy())


def test_builtin_segment_sum_for_float32_rejects_gaps_but_the_custom_op_does_not(tf):
    """A converter fact: float32/int32 segment_sum becomes TFLite's builtin SEGMENT_SUM, which
    (unlike TF) fails on ids that skip a value or start above 0. Other dtypes get our kernel."""
    data, ids = np.ones(3), np.array([0, 2, 2], np.int32)
    float32 = convert_fn(tf.math.segment_sum, ((3,), tf.float32), ((3,), tf.int32))
    assert tflite_model.custom_op_counts(float32) == {}
    with pytest.raises(RuntimeError, match="SEGMENT_SUM"):
        run_tflite(float32, [data, ids])
    float64 = convert_fn(tf.math.segment_sum, ((3,), tf.float64), ((3,), tf.int32))
    assert tflite_model.custom_op_counts(float64) == {"SegmentSum": 1}
    (out,) = run_tflite(float64, [data, ids]).values()
    np.testing.assert_array_equal(out, tf.math.segment_sum(data, ids).numpy())  # [1, 0, 2]
    assert "SegmentSum" in opbridge.list_ops()
