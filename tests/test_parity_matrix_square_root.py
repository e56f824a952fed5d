"""MatrixSquareRoot (tf.linalg.sqrtm): TFLite kernel vs TF's kernel."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import RUNTIMES, convert_fn
from linalg_matrices import ALL_DTYPES, SQUARE_SHAPES, positive_definite, random, tol
from opbridge.testing import assert_parity, run_tflite


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=lambda d: np.dtype(d).name)
def test_sqrtm_of_positive_definite_matrices_matches_tf(tf, rng, dtype):
    for shape in SQUARE_SHAPES:
        a = positive_definite(rng, shape, dtype)
        report = assert_parity(tf.linalg.sqrtm, [a], **tol(dtype), runtimes=RUNTIMES)
        (x,) = run_tflite(report.model, [a]).values()
        np.testing.assert_allclose(x @ x, a, **tol(dtype))


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=lambda d: np.dtype(d).name)
def test_sqrtm_of_general_matrices_matches_tf(tf, rng, dtype):
    """Non-symmetric matrices whose eigenvalues have positive real parts (complex pairs in the real
    case: 2x2 blocks of the real Schur form)."""
    for n in (2, 5, 12):
        a = (random(rng, (3, n, n), dtype) + 2 * np.sqrt(n) * np.eye(n)).astype(dtype)
        report = assert_parity(tf.linalg.sqrtm, [a], **tol(dtype), runtimes=RUNTIMES)
        (x,) = run_tflite(report.model, [a]).values()
        np.testing.assert_allclose(x @ x, a, **tol(dtype))


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=lambda d: np.dtype(d).name)
def test_no_real_root_nan_and_singular_as_tf(tf, dtype):
    """A negative eigenvalue has no real square root: NaN in the real case, the principal complex
    root otherwise; NaN in gives NaN out; a singular (zero) matrix has root 0. No error in TF."""
    a = np.array(
        [
            [[-1.0, 0], [0, 4]],
            [[np.nan, 0], [0, 1]],
            [[0, 0], [0, 0]],
            [[0, 1], [0, 0]],  # nilpotent: no square root at all
            [[4, 1], [0, 9]],
        ],
        dtype,
    )
    model = convert_fn(tf.linalg.sqrtm, (a.shape, tf.as_dtype(dtype)))
    expected = tf.linalg.sqrtm(a).numpy()
    for runtime in RUNTIMES:
        (got,) = run_tflite(model, [a], runtime).values()
        for part in (np.real, np.imag):
            np.testing.assert_allclose(part(got), part(expected), rtol=1e-6, atol=1e-6, equal_nan=True)
    if not np.issubdtype(dtype, np.complexfloating):
        assert np.isnan(expected[0]).all()


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_non_square_input_is_rejected(tf, runtime):
    model = convert_fn(tf.linalg.sqrtm, ((None, None), tf.float32))
    with pytest.raises(RuntimeError, match=r"MatrixSquareRoot: dim -2 of input 'input' \[2, 3\] must equal"):
        run_tflite(model, [np.ones((2, 3), np.float32)], runtime)
