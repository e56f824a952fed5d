"""float64 Sum and Mean over long contiguous runs and over rows of accumulators: the paths that
add in compensated SIMD lanes (reduction.h's CompensatedSum::AddSpan) and elementwise into split
sum/compensation arrays (sum.cc). Shorter runs than the lanes' width are covered by
test_parity_sum.py and test_parity_float64_ops.py; here rows are longer than the lanes, with a
tail, ill-conditioned (cancellation), and hold the special values."""

from __future__ import annotations

import math

import numpy as np

from conftest import RUNTIMES, convert_fn, run_tflite_in_process
from opbridge import tflite_model
from opbridge.testing import assert_parity, run_tflite

ROUNDING = 1e-14  # TF adds in its packet tree, ours compensated (as test_parity_float64_ops.py)
EPS = 2.0**-53  # float64's unit roundoff


def exact(x: np.ndarray, axis: int) -> np.ndarray:
    """The correctly rounded float64 sum over `axis` (math.fsum per row)."""
    rows = np.moveaxis(x, axis, -1)
    flat = rows.reshape(-1, rows.shape[-1])
    return np.array([math.fsum(r) for r in flat]).reshape(rows.shape[:-1])


def test_long_rows_match_tf(tf, rng):
    """Rows of 1001 values (125 lane steps and a tail of 1), reduced innermost (lanes) and
    outermost (accumulator rows), in both runtimes, within rounding of TF's results."""
    x = rng.standard_normal((4, 1001))
    y = rng.standard_normal((3, 5, 37))

    def fn(x, y):
        return [
            tf.reduce_sum(x, 1),
            tf.reduce_mean(x, -1),
            tf.reduce_sum(y, [1, 2]),
            tf.reduce_mean(y, [1, 2], keepdims=True),
            tf.reduce_sum(y, 1),  # rows of 37 accumulators
            tf.reduce_sum(y, [0, 1]),
        ]

    report = assert_parity(fn, [x, y], rtol=ROUNDING, atol=ROUNDING, runtimes=RUNTIMES)
    assert tflite_model.custom_op_counts(report.model) == {"Sum": 4, "Mean": 2}


def test_ill_conditioned_sums_within_two_roundings(tf, rng):
    """Magnitudes over 16 decades that cancel: TF's tree of packets loses digits there, the
    compensated lanes stay within two roundings of the exact sum (or TF's error when larger)."""
    x = rng.standard_normal((6, 517)) * 10.0 ** rng.uniform(-8, 8, (6, 517))
    x[:, :-1:2] = -x[:, 1::2] * (1 + 1e-9)  # near-cancelling pairs
    y = np.moveaxis(x.reshape(6, 11, 47), 1, 0).copy()  # [11, 6, 47]: reduced outermost

    def fn(x, y):
        return [tf.reduce_sum(x, 1), tf.reduce_mean(x, 1), tf.reduce_sum(y, 0)]

    model = convert_fn(fn, ([6, 517], tf.float64), ([11, 6, 47], tf.float64))
    assert tflite_model.custom_op_counts(model) == {"Sum": 2, "Mean": 1}
    want = [t.numpy() for t in tf.function(fn)(x, y)]
    refs = [exact(x, 1), exact(x, 1) / 517, exact(y, 0)]
    for runtime in RUNTIMES:
        got = run_tflite(model, [x, y], runtime)
        for i, ref in enumerate(refs):
            ours = np.abs(got[f"output_{i}"] - ref)
            theirs = np.abs(want[i] - ref)
            assert np.all(ours <= np.maximum(theirs, 2 * EPS * np.abs(ref))), (runtime, i, ours.max())


def test_special_values_in_long_rows(tf, rng):
    """An infinity, both infinities, a NaN, and an overflow, each in a row of 100: TF's inf and
    NaN whatever lane they land in."""
    x = rng.standard_normal((5, 100))
    x[0, 37] = np.inf
    x[1, 3], x[1, 90] = np.inf, -np.inf
    x[2, 55] = np.nan
    x[3, 8], x[3, 16] = 1.5e308, 1.5e308
    x[4, 99] = -np.inf  # in the tail after the lanes

    def fn(x):
        return [tf.reduce_sum(x, 1), tf.reduce_mean(x, 1), tf.reduce_sum(tf.transpose(x), 0)]

    report = assert_parity(fn, [x], rtol=ROUNDING, atol=ROUNDING, runtimes=RUNTIMES)
    ours = run_tflite(report.model, [x])["output_0"]
    assert ours[0] == np.inf and np.isnan(ours[1]) and np.isnan(ours[2]) and ours[3] == np.inf
    assert ours[4] == -np.inf


def test_every_vector_width_and_thread_count_gives_the_same_bits(tf, rng, tmp_path):
    """The lanes are fixed (8), not the vector width: the AVX-512, AVX and baseline (SSE2) paths
    (OPBRIDGE_NO_AVX512=1, OPBRIDGE_NO_AVX2=1) give the same bits, and so do 1 and 2 threads
    (Sum splits its outermost kept dim between threads, each output summed by one)."""
    x = rng.standard_normal((6, 1003)) * np.logspace(0, 12, 1003)
    y = rng.standard_normal((37, 3, 161))

    def fn(x, y):
        return {
            "runs": tf.reduce_sum(x, 1),
            "mean": tf.reduce_mean(x, 1),
            "rows": tf.reduce_sum(y, 1),  # 161 accumulators a row
            "inner": tf.reduce_sum(y, 2),
        }

    model = convert_fn(fn, ((None, None), np.float64), ((None, None, None), np.float64))
    paths = {}
    for name, baseline, env in (
        ("avx512", False, {}),
        ("avx", False, {"OPBRIDGE_NO_AVX512": "1"}),
        ("sse2", True, {}),
    ):
        (tmp_path / name).mkdir()
        paths[name] = run_tflite_in_process(model, [x, y], tmp_path / name, baseline, extra_env=env)
    for key in fn(x, y):
        for name in ("avx", "sse2"):
            np.testing.assert_array_equal(paths[name][key], paths["avx512"][key], err_msg=f"{key}: {name}")
        for threads in (1, 2):
            got = run_tflite(model, [x, y], num_threads=threads)[key]
            np.testing.assert_array_equal(got, paths["avx512"][key], err_msg=f"{key}: {threads} threads")
    want = exact(x, 1)
    assert np.all(np.abs(paths["avx512"]["runs"] - want) <= 2 * EPS * np.abs(want))


def test_runs_summed_in_groups_keep_each_runs_bits(tf, rng, tmp_path):
    """Sum over the last axis adds four runs at a time on AVX-512 (reduction.h's
    CompensatedRunSums, FMA pipes for the compensation's subtractions): each run keeps the bits
    that adding it alone (AVX, baseline) gives. 2003 runs of 45 values (5 lane steps and a tail):
    20 values over 30 decades, their negations off by an ulp or so, and 5 small ones, shuffled, so
    that the lanes cancel in the fold and the compensation's own roundings reach the result (a
    lane fold in another order changes 8-18% of such runs, measured in a Python model of the
    lanes); 1 and 2 threads."""
    big = rng.standard_normal((2003, 20)) * 10.0 ** rng.uniform(0, 30, (2003, 20))
    near = -big * (1 + rng.uniform(-1e-15, 1e-15, (2003, 20)))
    small = rng.standard_normal((2003, 5)) * 10.0 ** rng.uniform(-30, 0, (2003, 5))
    x = rng.permuted(np.concatenate([big, near, small], axis=1), axis=1)
    x[5, 7], x[9, 44], x[11, 3], x[11, 30] = np.inf, np.nan, np.inf, -np.inf

    def fn(x):
        return {"runs": tf.reduce_sum(x, 1)}

    model = convert_fn(fn, ((None, None), np.float64))
    paths = {}
    for name, baseline, env in (
        ("avx512", False, {}),
        ("avx", False, {"OPBRIDGE_NO_AVX512": "1"}),
        ("sse2", True, {}),
    ):
        (tmp_path / name).mkdir()
        paths[name] = run_tflite_in_process(model, [x], tmp_path / name, baseline, extra_env=env)["runs"]
    for name in ("avx", "sse2"):
        np.testing.assert_array_equal(
            paths[name].view(np.uint64), paths["avx512"].view(np.uint64), err_msg=name
        )
    for threads in (1, 2):
        got = run_tflite(model, [x], num_threads=threads)["runs"]
        np.testing.assert_array_equal(
            got.view(np.uint64), paths["avx512"].view(np.uint64), err_msg=str(threads)
        )
    assert np.isinf(paths["avx512"][5]) and np.isnan(paths["avx512"][9]) and np.isnan(paths["avx512"][11])
