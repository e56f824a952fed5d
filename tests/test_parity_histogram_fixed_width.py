"""HistogramFixedWidth: TFLite kernel vs TF's own kernel (tf.histogram_fixed_width).

The converter leaves CUSTOM "HistogramFixedWidth" {T, dtype} in every dtype. TF's bin rule:
int32(min((double(clamp(v, lo, hi)) - lo) / (hi/nbins - lo/nbins), nbins - 1)); NaN values are
TF's error (but nbins == 1 counts them), as are lo >= hi and nbins <= 0.
"""

from __future__ import annotations

import numpy as np
import pytest

from conftest import RUNTIMES, convert_fn
from opbridge import tflite_model
from opbridge.testing import run_tflite


def model_for(tf, out_dtype):
    def model(values, value_range, nbins):
        return tf.raw_ops.HistogramFixedWidth(
            values=values, value_range=value_range, nbins=nbins, dtype=out_dtype
        )

    return model


def check(tf, values, value_range, nbins, out_dtype=np.int32):
    tf_out = tf.as_dtype(out_dtype)
    model = model_for(tf, tf_out)
    expected = model(tf.constant(values), tf.constant(value_range), tf.constant(nbins, tf.int32)).numpy()
    converted = convert_fn(
        model,
        ((None,) * values.ndim, tf.as_dtype(values.dtype)),
        ((2,), tf.as_dtype(values.dtype)),
        ((), tf.int32),
    )
    assert tflite_model.custom_op_counts(converted) == {"HistogramFixedWidth": 1}
    for runtime in RUNTIMES:
        (actual,) = run_tflite(converted, [values, value_range, np.int32(nbins)], runtime).values()
        assert actual.dtype == expected.dtype, runtime
        np.testing.assert_array_equal(actual, expected, err_msg=runtime)
    return converted


def edge_values(rng, dtype, lo, hi, n):
    """Values around, at and beyond the range and on bin edges."""
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        x = rng.integers(lo - 3 * (hi - lo) // 2, hi + (hi - lo) // 2, n).astype(dtype)
        x[:4] = [info.min, info.max, lo, hi]
        return x
    x = rng.uniform(lo - (hi - lo) / 2, hi + (hi - lo) / 2, n).astype(dtype)
    edges = (lo + (hi - lo) * np.arange(8) / 7).astype(dtype)
    x[:12] = np.concatenate([[-np.inf, np.inf, np.finfo(dtype).max, -np.finfo(dtype).max], edges]).astype(
        dtype
    )
    return x


@pytest.mark.parametrize(
    "dtype, out_dtype",
    [(np.int32, np.int64), (np.int64, np.int32), (np.float32, np.int32), (np.float64, np.int64)],
    ids=lambda d: np.dtype(d).name,
)
def test_bins_match_tf(tf, rng, dtype, out_dtype):
    """Random and edge values (below, at, above the range, on bin edges), 2-D values."""
    lo, hi = (-20, 50) if np.issubdtype(dtype, np.integer) else (-1.3, 2.9)
    values = edge_values(rng, dtype, lo, hi, 600).reshape(20, 30)
    check(tf, values, np.array([lo, hi], dtype), 7, out_dtype)


@pytest.mark.parametrize(
    "dtype, value_range, nbins",
    [
        (np.float32, [0.0, 1.0], 3),  # thirds: edges not representable
        (np.float32, [-3e38, 3e38], 5),  # hi - lo overflows float; TF divides first
        (np.float64, [0.1, 0.7], 6),
        (np.float64, [0.0, np.inf], 4),  # step inf: finite values in bin 0
        (np.float32, [-1.0, 1.0], 1),  # one bin: everything counted
        (np.int32, [-(2**31), 2**31 - 1], 9),  # hi - lo overflows int32
        (np.int64, [-(2**63), 2**63 - 1], 10),
        (np.int64, [3, 4], 1000),  # more bins than values
    ],
)
def test_ranges_match_tf(tf, rng, dtype, value_range, nbins):
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        values = rng.integers(info.min, info.max, 500, dtype=dtype, endpoint=True)
        values[:3] = [value_range[0], value_range[1], 3]
    else:
        finite = np.isfinite(value_range)
        span = np.max(np.abs(np.asarray(value_range)[finite])) if finite.any() else 1.0
        with np.errstate(over="ignore", invalid="ignore"):  # beyond float32's range: +-inf
            values = (rng.uniform(-1.2, 1.2, 500) * span).astype(dtype)
        values[:4] = np.array([*value_range, 0.5 * span, -np.inf], dtype)
        if np.isinf(value_range[1]):  # inf in [lo, inf] is TF's out-of-bounds write (a NaN index)
            values[1] = np.finfo(dtype).max
        else:
            values[4] = np.inf
        # ulp steps around every edge
        with np.errstate(invalid="ignore"):
            edges = np.asarray(
                value_range[0] + (np.float64(value_range[1]) - value_range[0]) * np.arange(nbins + 1) / nbins
            )
        if np.isfinite(edges).all() and nbins < 100:
            near = np.concatenate([np.nextafter(edges.astype(dtype), dtype(-np.inf)), edges.astype(dtype)])
            values[10 : 10 + near.size] = near
    check(tf, values, np.array(value_range, dtype), nbins)


def test_nan_with_one_bin_is_counted(tf):
    """TF's nbins == 1 shortcut counts every value before its NaN check."""
    values = np.array([np.nan, 1.0, -np.inf, np.nan], np.float32)
    check(tf, values, np.array([0.0, 2.0], np.float32), 1, np.int64)


def test_empty_values(tf):
    check(tf, np.zeros((0, 4), np.float32), np.array([0.0, 1.0], np.float32), 5)
    check(tf, np.zeros((0,), np.int64), np.array([0, 1], np.int64), 1)


def test_constant_nbins_gives_static_shape(tf, rng):
    values = rng.uniform(-1, 1, 50).astype(np.float32)

    def model(v):
        return tf.histogram_fixed_width(v, [-0.5, 0.5], nbins=6)

    converted = convert_fn(model, ((50,), tf.float32))
    assert tflite_model.custom_op_counts(converted) == {"HistogramFixedWidth": 1}
    expected = model(tf.constant(values)).numpy()
    for runtime in RUNTIMES:
        (actual,) = run_tflite(converted, [values], runtime).values()
        np.testing.assert_array_equal(actual, expected, err_msg=runtime)


@pytest.mark.parametrize(
    "values, value_range, nbins, message",
    [
        (np.array([1.0, np.nan], np.float32), [0.0, 2.0], 3, "Histogram values must not contain NaN"),
        (
            np.array([1.0], np.float32),
            [2.0, 2.0],
            3,
            r"value_range should satisfy value_range\[0\] < value_range\[1\], but got '\[2, 2\]'",
        ),
        (np.array([1.0], np.float64), [np.nan, 2.0], 3, r"but got '\[nan, 2\]'"),
        (np.array([1], np.int32), [5, 1], 3, r"but got '\[5, 1\]'"),
        (np.array([1.0], np.float32), [0.0, 2.0], 0, "nbins should be a positive number, but got '0'"),
        (np.array([1], np.int64), [0, 2], -4, "nbins should be a positive number, but got '-4'"),
    ],
)
def test_errors_are_tfs(tf, values, value_range, nbins, message):
    value_range = np.array(value_range, values.dtype)
    model = model_for(tf, tf.int32)
    with pytest.raises(tf.errors.InvalidArgumentError, match=message):
        model(tf.constant(values), tf.constant(value_range), tf.constant(nbins, tf.int32))
    dtype = tf.as_dtype(values.dtype)
    converted = convert_fn(model, ((None,), dtype), ((2,), dtype), ((), tf.int32))
    for runtime in RUNTIMES:
        with pytest.raises(RuntimeError, match="HistogramFixedWidth: .*" + message):
            run_tflite(converted, [values, value_range, np.int32(nbins)], runtime)


@pytest.mark.parametrize(
    "values, value_range",
    [
        ([1.0], [-np.inf, 4.0]),  # every index NaN (TF segfaults: measured)
        ([1.0, np.inf], [0.0, np.inf]),  # inf / inf
    ],
)
def test_nan_bin_index_is_an_error_not_a_crash(tf, values, value_range):
    """Where TF's index is NaN its kernel writes out of bounds; ours reports it."""
    values = np.array(values, np.float32)
    value_range = np.array(value_range, np.float32)
    converted = convert_fn(model_for(tf, tf.int32), ((None,), tf.float32), ((2,), tf.float32), ((), tf.int32))
    for runtime in RUNTIMES:
        with pytest.raises(RuntimeError, match=r"HistogramFixedWidth: .*input 'values' falls in no bin"):
            run_tflite(converted, [values, value_range, np.int32(3)], runtime)


def _on_and_beside_edges(rng, dtype, lo, hi, nbins, n):
    """n values over [lo - span/4, hi + span/4]: half of them on a bin edge (as T) or one step
    (ulp, or 1 for integers) either side of it, where a product with the step's reciprocal
    and TF's division can floor differently."""
    span = np.float64(hi) - np.float64(lo)
    with np.errstate(over="ignore", invalid="ignore"):
        edges = np.float64(lo) + np.arange(nbins + 1) * (span / nbins)
        x = np.float64(lo) + (rng.random(n) * 1.5 - 0.25) * span
    side = rng.integers(-1, 2, n // 2)
    picked = edges[rng.integers(0, nbins + 1, n // 2)]
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        x[: n // 2] = np.round(picked) + side
        top = x >= -np.float64(info.min)  # info.max rounds up to 2**63 as a double
        out = np.clip(np.where(top, 0, x), info.min, info.max).astype(dtype)
        return np.where(top, info.max, out).astype(dtype)
    with np.errstate(over="ignore"):
        x = x.astype(dtype)
        picked = picked.astype(dtype)
    x[: n // 2] = np.where(
        side == 0, picked, np.nextafter(picked, np.where(side < 0, -np.inf, np.inf).astype(dtype))
    )
    return np.where(np.isfinite(x), x, lo).astype(dtype)


CASES = [
    (np.float32, -2.0, 2.0, 100),  # the bench's rule: float products
    (np.float32, 0.0, 10.0, 10),  # integer data on unit bins: every value on an edge
    (np.float32, -0.97, -0.05, 255),
    (np.float32, -1.1e38, 1.9e38, 7),  # hi - lo overflows float: double products
    (np.float32, 1.0, 1.001, 20000),  # more bins than the per-thread histograms take
    (np.float64, -2.0, 2.0, 100),
    (np.float64, 0.0, 1000.0, 1000),
    (np.float64, -1e300, 1e308, 3),
    (np.int32, -(2**31), 2**31 - 1, 20000),
    (np.int32, 0, 100, 100),
    (np.int64, -(2**63), 2**63 - 1, 255),
    (np.int64, -3348649717159589456, 1582932811676106947, 20000),
]


def test_fast_rules_match_tf_on_and_beside_edges(tf, rng, tmp_path):
    """The kernel's bins come from products with the step's reciprocal (float for float values,
    else double) and fall back to TF's division where a product is too near an integer to be
    sure: values on and one step beside every edge, integer data on unit bins, ranges whose
    width overflows, more bins than the per-thread histograms take, tails of partial blocks
    and vectors (4001 values); the AVX2 path (where the CPU has it) and the baseline path
    (OPBRIDGE_NO_AVX2=1), each in a fresh process, against TF."""
    from conftest import cpu_has_avx2, run_tflite_each_in_process

    by_dtype: dict = {}
    for dtype, lo, hi, nbins in CASES:
        values = rng.permutation(_on_and_beside_edges(rng, dtype, lo, hi, nbins, 4001))
        value_range = np.array([lo, hi], dtype)
        model = model_for(tf, tf.int32)
        want = model(tf.constant(values), tf.constant(value_range), tf.constant(nbins, tf.int32)).numpy()
        by_dtype.setdefault(dtype, []).append(([values, value_range, np.int32(nbins)], want))
    for dtype, cases in by_dtype.items():
        converted = convert_fn(
            model_for(tf, tf.int32), ((None,), tf.as_dtype(dtype)), ((2,), tf.as_dtype(dtype)), ((), tf.int32)
        )
        for baseline in (False, True) if cpu_has_avx2() else (True,):
            work = tmp_path / f"{np.dtype(dtype).name}_{baseline}"
            work.mkdir()
            outputs = run_tflite_each_in_process(converted, [inputs for inputs, _ in cases], work, baseline)
            for (inputs, want), out in zip(cases, outputs, strict=True):
                (got,) = out.values()
                message = f"{np.dtype(dtype).name} {inputs[1]} nbins={inputs[2]} baseline={baseline}"
                np.testing.assert_array_equal(got, want, err_msg=message)
