"""Cholesky: TFLite kernel vs TF's kernel, including TF's NaN fill for failed factorizations."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import RUNTIMES, convert_fn
from linalg_matrices import ALL_DTYPES, SQUARE_SHAPES, adjoint, positive_definite, tol
from opbridge.testing import assert_parity, run_tflite


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("shape", SQUARE_SHAPES, ids=str)
def test_cholesky_matches_tf(tf, rng, shape, dtype):
    a = positive_definite(rng, shape, dtype)
    report = assert_parity(tf.linalg.cholesky, [a], **tol(dtype), runtimes=RUNTIMES)
    (factor,) = run_tflite(report.model, [a]).values()
    np.testing.assert_allclose(factor @ adjoint(factor), a, **tol(dtype))
    assert not np.triu(factor, 1).any()


def test_only_the_lower_triangle_is_read(tf, rng):
    a = positive_definite(rng, (3, 6, 6), np.float64)
    garbage = a + np.triu(rng.standard_normal(a.shape), 1)
    assert_parity(tf.linalg.cholesky, [garbage], rtol=1e-12, atol=1e-12, runtimes=RUNTIMES)
    np.testing.assert_array_equal(tf.linalg.cholesky(garbage), tf.linalg.cholesky(a))


def test_ill_conditioned_positive_definite_matrices(tf):
    """Hilbert matrices (condition ~1e7 at n=6 in f64): same algorithm, same factor."""
    n = 6
    h = 1 / (np.arange(n)[:, None] + np.arange(n)[None, :] + 1)
    assert_parity(tf.linalg.cholesky, [h[None]], rtol=1e-10, atol=1e-12, runtimes=RUNTIMES)


def failing_batch(dtype):
    """Two positive definite matrices around three that are not: TF fills those with NaN."""
    good = np.diag([4.0, 9.0, 1.0])
    indefinite = np.array([[1.0, 2, 3], [2, 1, 5], [3, 5, 1]])
    negative_pivot_last = np.array([[4.0, 2, 0], [2, 2, 3], [0, 3, 1]])
    return np.stack([good, indefinite, -good, negative_pivot_last, 2 * good]).astype(dtype)


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=lambda d: np.dtype(d).name)
def test_not_positive_definite_gives_nan_lower_triangle_as_tf(tf, dtype):
    """TF 2.21 raises no error here: the failed matrices' lower triangles are filled with Eigen's
    quiet_NaN(): NaN for real types, 0 for complex ones. Their strict upper triangles are
    uninitialized memory in TF (zeros here), so only the lower ones are compared."""
    a = failing_batch(dtype)
    expected = tf.linalg.cholesky(a).numpy()
    lower = np.tril(np.ones((3, 3), bool))
    fill = 0 if np.issubdtype(dtype, np.complexfloating) else np.nan
    np.testing.assert_array_equal(expected[[1, 2, 3]][:, lower], fill)
    assert not np.isnan(expected[[0, 4]]).any()
    model = convert_fn(tf.linalg.cholesky, (a.shape, tf.as_dtype(dtype)))
    for runtime in RUNTIMES:
        (got,) = run_tflite(model, [a], runtime).values()
        np.testing.assert_allclose(got[:, lower], expected[:, lower], rtol=1e-6, equal_nan=True)
        np.testing.assert_allclose(got[[0, 4]], expected[[0, 4]], rtol=1e-6)
        assert not got[[1, 2, 3]][:, ~lower].any()


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=lambda d: np.dtype(d).name)
def test_nan_input_propagates_as_tf(tf, dtype):
    """A NaN passes LLT's positivity test: no NaN fill, the NaN spreads through the factor as in TF."""
    a = np.stack([np.eye(3), np.eye(3)]).astype(dtype)
    a[0, 1, 1] = np.nan
    a[1, 2, 0] = np.nan
    report = assert_parity(tf.linalg.cholesky, [a], rtol=1e-6, atol=0, runtimes=RUNTIMES)
    (got,) = run_tflite(report.model, [a]).values()
    assert np.isnan(got[0, 1, 1]) and got[0, 0, 0] == 1 and np.isnan(got[1, 2, 0])


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_non_square_input_is_rejected(tf, runtime):
    model = convert_fn(tf.linalg.cholesky, ((None, None), tf.float32))
    with pytest.raises(RuntimeError, match=r"Cholesky: dim -2 of input 'input' \[2, 3\] must equal dim -1"):
        run_tflite(model, [np.ones((2, 3), np.float32)], runtime)
    with pytest.raises(tf.errors.InvalidArgumentError, match="square"):
        tf.linalg.cholesky(np.ones((2, 3), np.float32))
