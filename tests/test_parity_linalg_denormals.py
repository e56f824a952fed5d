"""Denormal inputs: TF runs its linear-algebra kernels with denormals flushed to zero (FTZ/DAZ),
except SelfAdjointEigV2, which turns them back on. The TFLite kernels compute in the same modes,
so the denormal edge gives TF's answers, and they give the caller's mode back."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import RUNTIMES, convert_fn
from opbridge.testing import run_tflite

D32 = np.float32(1e-40)  # a float32 denormal
D64 = 1e-310  # a float64 denormal


def compare(tf, fn, *inputs):
    expected = [np.asarray(t) for t in tf.nest.flatten(fn(*inputs))]
    model = convert_fn(fn, *[(x.shape, tf.as_dtype(x.dtype)) for x in inputs])
    for runtime in RUNTIMES:
        got = list(run_tflite(model, list(inputs), runtime).values())
        for e, g in zip(expected, got, strict=True):
            np.testing.assert_array_equal(g, e)
    return expected


def test_flushed_like_tf(tf):
    one = np.array([[D32]], np.float32)
    (det,) = compare(tf, tf.linalg.det, one)
    assert det == 0  # not 1e-40: the input is read as zero
    compare(tf, lambda m: tf.linalg.slogdet(m).sign, one)
    compare(tf, lambda m: tf.linalg.slogdet(m).log_abs_determinant, one)
    (det64,) = compare(tf, tf.linalg.det, np.array([[D64]]))
    assert det64 == 0
    (chol,) = compare(tf, tf.linalg.cholesky, one)
    assert np.isnan(chol).all()
    two = np.array([[2 * D32, 0], [0, 1]], np.float32)
    (x,) = compare(tf, tf.linalg.triangular_solve, two, np.ones((2, 1), np.float32))
    assert np.isinf(x[0, 0])
    (s,) = compare(
        tf, lambda m: tf.linalg.svd(m, compute_uv=False), np.array([[3, 1], [2, 5]], np.float32) * D32
    )
    assert not s.any()
    (root,) = compare(tf, tf.linalg.sqrtm, np.array([[40 * D32, 0], [0, 1]], np.float32))
    assert root[0, 0] == 0
    compare(tf, lambda m: tf.linalg.qr(m), np.array([[D32, 1], [D32, 1]], np.float32))


def test_eigh_keeps_denormals_like_tf(tf):
    a = np.array([[2 * D32, D32], [D32, 3 * D32]], np.float32)
    (e,) = compare(tf, tf.linalg.eigvalsh, a)
    assert (e > 0).all()  # denormal eigenvalues, not flushed


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_denormal_pivot_is_singular_like_tf(tf, runtime):
    a = np.array([[2 * D32, 0], [0, 1]], np.float32)
    b = np.ones((2, 1), np.float32)
    with pytest.raises(tf.errors.InvalidArgumentError, match="not invertible"):
        tf.linalg.solve(a, b)
    with pytest.raises(tf.errors.InvalidArgumentError, match="not invertible"):
        tf.linalg.inv(a)
    solve = convert_fn(tf.linalg.solve, (a.shape, tf.float32), (b.shape, tf.float32))
    with pytest.raises(RuntimeError, match="MatrixSolve: Input matrix is not invertible"):
        run_tflite(solve, [a, b], runtime)
    inverse = convert_fn(tf.linalg.inv, (a.shape, tf.float32))
    with pytest.raises(RuntimeError, match="MatrixInverse: Input is not invertible"):
        run_tflite(inverse, [a], runtime)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_the_callers_mode_comes_back(tf, runtime):
    """With one thread the kernel runs on the calling thread: numpy must still make denormals."""
    model = convert_fn(tf.linalg.det, ((4, 3, 3), tf.float32))
    run_tflite(model, [np.ones((4, 3, 3), np.float32)], runtime, num_threads=1)
    assert np.float32(1e-38) * np.float32(1e-2) > 0
