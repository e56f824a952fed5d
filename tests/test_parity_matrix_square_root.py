"""MatrixSquareRoot (tf.linalg.sqrtm): TFLite kernel vs TF's kernel."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import RUNTIMES, convert_fn
from linalg_matrices import ALL_DTYPES, SQUARE_SHAPES, positive_definite, random, tol
from opbridge.testing import assert_parity, run_tflite


def assert_is_root(x: np.ndarray, a: np.ndarray, dtype) -> None:
    """x @ x = a at each matrix's scale: the product's rounding is relative to its largest entries
    (TF's own float32 roots of the general matrices below leave 3.8e-6 of max |a|, in entries
    far smaller than that)."""
    scale = np.maximum(1.0, np.max(np.abs(a), axis=(-2, -1), keepdims=True, initial=0.0))
    residual = np.abs(x @ x - a) / scale
    assert residual.size == 0 or residual.max() <= tol(dtype)["atol"], residual.max()


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=lambda d: np.dtype(d).name)
def test_sqrtm_of_positive_definite_matrices_matches_tf(tf, rng, dtype):
    for shape in SQUARE_SHAPES:
        a = positive_definite(rng, shape, dtype)
        report = assert_parity(tf.linalg.sqrtm, [a], **tol(dtype), runtimes=RUNTIMES)
        (x,) = run_tflite(report.model, [a]).values()
        assert_is_root(x, a, dtype)


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=lambda d: np.dtype(d).name)
def test_sqrtm_of_general_matrices_matches_tf(tf, rng, dtype):
    """Non-symmetric matrices whose eigenvalues have positive real parts (complex pairs in the real
    case: 2x2 blocks of the real Schur form)."""
    for n in (2, 5, 12):
        a = (random(rng, (3, n, n), dtype) + 2 * np.sqrt(n) * np.eye(n)).astype(dtype)
        report = assert_parity(tf.linalg.sqrtm, [a], **tol(dtype), runtimes=RUNTIMES)
        (x,) = run_tflite(report.model, [a]).values()
        assert_is_root(x, a, dtype)


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


@pytest.mark.parametrize("path", ["auto", "baseline"])
def test_avx2_build_is_tfs_bits(tf, rng, path, tmp_path):
    """TF's x86-64 wheel runs Eigen's sqrtm on AVX packets without FMA. With AVX2 the kernel takes
    its isolated build of the same code (ops/linalg/matrix_functions_avx2.cc): float32, float64 and
    complex128 are TF's bits at every size (the Schur steps run at the packet width past a few
    rows). complex64 is not (measured: a third of the elements of 3x3 roots differ in the last bits,
    as MatrixLogarithm's complex64: a scalar complex<float> step compiled otherwise), nor is the
    baseline (SSE2) build: both stay within the tolerance of the tests above."""
    from conftest import cpu_has_avx2, run_tflite_in_process

    if path == "auto" and not cpu_has_avx2():
        pytest.skip("the AVX2 build needs a CPU with AVX2 (the baseline case runs everywhere)")
    for dtype in ALL_DTYPES:
        a = positive_definite(rng, (2, 40, 40), dtype)
        want = tf.linalg.sqrtm(a).numpy()
        work = tmp_path / np.dtype(dtype).name
        work.mkdir()
        model = convert_fn(tf.linalg.sqrtm, (a.shape, tf.as_dtype(dtype)))
        (got,) = run_tflite_in_process(model, [a], work, baseline=path == "baseline").values()
        if path == "auto" and dtype != np.complex64:
            np.testing.assert_array_equal(got, want)
        else:
            np.testing.assert_allclose(got, want, **tol(dtype))
