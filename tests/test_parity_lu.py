"""Lu: TFLite kernel vs TF's kernel (same pivots, same factors), and TF's errors."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import RUNTIMES, convert_fn, cpu_has_avx2, run_tflite_in_process
from opbridge import tflite_model
from opbridge.testing import assert_parity, run_tflite

DTYPES = [np.float32, np.float64, np.complex64, np.complex128]
SHAPES = [(1, 1), (2, 2), (3, 3), (5, 5), (4, 3, 3), (2, 3, 6, 6), (0, 3, 3), (0, 0), (2, 0, 0), (24, 24)]


def random_matrices(rng, shape, dtype):
    a = rng.standard_normal(shape)
    if np.issubdtype(dtype, np.complexfloating):
        a = a + 1j * rng.standard_normal(shape)
    return a.astype(dtype)


def tolerance(dtype) -> dict[str, float]:
    """Same Eigen code and pivots as TF. With AVX2 the kernel runs an AVX build of it and is TF's
    bits (test_lu_blocked_paths); the baseline build vectorizes with SSE2, so the blocked
    factorization (n > 16) and complex arithmetic differ in the last bits (measured: 6.7e-6 on
    |lu| ~ 10 in complex64 at n = 24, 6.2e-15 in float64). p, an integer, must match exactly (any
    tolerance below 1 is exact for it)."""
    if dtype in (np.float32, np.complex64):
        return {"rtol": 1e-5, "atol": 1e-6}
    return {"rtol": 1e-12, "atol": 1e-13}


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_lu_matches_tf(tf, rng, dtype):
    """Every shape (batched, empty, n = 24 where Eigen blocks the factorization) and both index types
    in one model per dtype: lu and p equal TF's."""
    mats = [random_matrices(rng, s, dtype) for s in SHAPES]

    def fn(*xs):
        out = []
        for k, x in enumerate(xs):
            lu, p = tf.linalg.lu(x, output_idx_type=tf.int64 if k % 2 else tf.int32)
            out += [lu, p]
        return out

    report = assert_parity(fn, mats, **tolerance(dtype), runtimes=RUNTIMES)
    assert tflite_model.custom_op_counts(report.model) == {"Lu": len(SHAPES)}


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=lambda d: np.dtype(d).name)
def test_lu_real_unblocked_is_bit_identical(tf, rng, dtype):
    """Up to n = 16 Eigen factors without blocking, and real arithmetic is the same in SSE2 and AVX
    (no FMA): lu and p are TF's bit for bit. Random matrices, ties in magnitude (the first row
    wins), permutation matrices and Vandermonde matrices (ill-conditioned)."""
    ties = np.array(
        [[1.0, 2.0, 3.0, 0.0], [-1.0, 5.0, 1.0, 2.0], [1.0, -4.0, 2.0, 1.0], [-1.0, 4.0, 2.0, 3.0]]
    )
    perm = np.eye(4)[[3, 0, 2, 1]]
    vander = np.vander(np.linspace(1, 2, 4), increasing=True)
    small = np.stack([ties, perm, perm.T, vander]).astype(dtype)
    large = rng.standard_normal((3, 16, 16)).astype(dtype)
    fn = lambda a, b: [*tf.linalg.lu(a), *tf.linalg.lu(b, output_idx_type=tf.int64)]  # noqa: E731
    assert_parity(fn, [small, large], rtol=0, atol=0, runtimes=RUNTIMES)


@pytest.mark.parametrize("path", ["auto", "baseline"])
def test_lu_blocked_paths(tf, rng, path, tmp_path):
    """Past n = 16 Eigen blocks the factorization, and its products run at the build's packet
    width. With AVX2 the kernel takes its isolated AVX2 build (ops/linalg/lu_avx2.cc: 4-double /
    8-float packets, no FMA, as TF's AVX wheel): TF's bits in every dtype. The baseline
    (OPBRIDGE_NO_AVX2=1, SSE2) keeps TF's pivots, and its factors are within n eps of the largest
    factor of TF's."""
    if path == "auto" and not cpu_has_avx2():
        pytest.skip("the AVX2 build needs a CPU with AVX2 (the baseline case runs everywhere)")
    for dtype in DTYPES:
        mats = random_matrices(rng, (2, 64, 64), dtype)
        fn = tf.function(
            lambda x: tf.linalg.lu(x), input_signature=[tf.TensorSpec(mats.shape, tf.as_dtype(dtype))]
        )
        want = [w.numpy() for w in fn(mats)]
        work = tmp_path / np.dtype(dtype).name
        work.mkdir()
        got = list(
            run_tflite_in_process(
                convert_fn(lambda x: tf.linalg.lu(x), (mats.shape, dtype)),
                [mats],
                work,
                baseline=path == "baseline",
            ).values()
        )
        np.testing.assert_array_equal(got[1], want[1])
        if path == "auto":
            np.testing.assert_array_equal(got[0], want[0])
        else:  # rounding differences grow with n and the factors' size: n eps of the largest
            eps = np.finfo(dtype).eps  # a complex dtype's: its parts'
            np.testing.assert_allclose(got[0], want[0], rtol=0, atol=64 * eps * np.abs(want[0]).max())


def test_lu_nan_as_in_tf(tf):
    """A NaN that does not make a pivot compare as zero flows into the factors as in TF."""
    a = np.stack([np.eye(3) * 2, np.eye(3) * 3]).astype(np.float32)
    a[1, 2, 0] = np.nan
    try:
        tf.linalg.lu(a)
    except tf.errors.InvalidArgumentError:
        pytest.fail("TF's own behaviour changed: a NaN below the diagonal is an error now")
    assert_parity(lambda x: tf.linalg.lu(x), [a], rtol=0, atol=0, runtimes=RUNTIMES)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_singular_matrix_is_an_error_as_in_tf(tf, runtime):
    a = np.stack([np.eye(3), [[1, 2, 3], [2, 4, 6], [0, 0, 1]], np.zeros((3, 3))]).astype(np.float64)
    with pytest.raises(tf.errors.InvalidArgumentError, match="Input is not invertible"):
        tf.linalg.lu(a)
    model = convert_fn(tf.linalg.lu, (a.shape, tf.float64))
    with pytest.raises(RuntimeError, match=r"Lu: Input is not invertible\..*matrix 1 of 3"):
        run_tflite(model, [a], runtime)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_non_square_input_is_rejected(tf, runtime):
    with pytest.raises(tf.errors.InvalidArgumentError, match="Input matrix must be square"):
        tf.linalg.lu(tf.ones((2, 3)))
    model = convert_fn(tf.linalg.lu, ((None, None), tf.float32))
    with pytest.raises(RuntimeError, match=r"Lu: Input matrix must be square"):
        run_tflite(model, [np.ones((2, 3), np.float32)], runtime)
