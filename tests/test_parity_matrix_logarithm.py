"""MatrixLogarithm (tf.linalg.logm): TFLite kernel vs TF's kernel (complex64 and complex128 only, as TF)."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import RUNTIMES, convert_fn, cpu_has_avx2, run_tflite_in_process
from linalg_matrices import tol
from opbridge import tflite_model
from opbridge.testing import run_tflite

# (float dtype of the model's inputs, complex dtype of the logarithm).
DTYPES = [(np.float32, np.complex64), (np.float64, np.complex128)]
IDS = ["complex64", "complex128"]


def logm_of_parts(tf):
    return lambda re, im: tf.linalg.logm(tf.complex(re, im))


def parts_model(tf, real):
    """One model for every shape: inputs of unknown rank, the complex matrix built inside the model."""
    model = convert_fn(logm_of_parts(tf), (None, tf.as_dtype(real)), (None, tf.as_dtype(real)))
    assert tflite_model.custom_op_counts(model) == {"Complex": 1, "MatrixLogarithm": 1}
    return model


def check(tf, model, re: np.ndarray, im: np.ndarray, cplx) -> np.ndarray:
    expected = logm_of_parts(tf)(re, im).numpy()
    assert expected.dtype == cplx
    for runtime in RUNTIMES:
        (got,) = run_tflite(model, [re, im], runtime).values()
        assert got.dtype == cplx and got.shape == expected.shape, runtime
        np.testing.assert_allclose(got, expected, **tol(cplx), equal_nan=True, err_msg=runtime)
    return expected


def near_identity(rng, shape, real):
    n = shape[-1]
    return (np.eye(n) + 0.1 * rng.standard_normal(shape)).astype(real), (
        0.1 * rng.standard_normal(shape)
    ).astype(real)


def general(rng, shape, real):
    """Gaussian matrices: eigenvalues spread over a disc of radius ~sqrt(n), on every branch of the angle."""
    return rng.standard_normal(shape).astype(real), rng.standard_normal(shape).astype(real)


@pytest.mark.parametrize(("real", "cplx"), DTYPES, ids=IDS)
def test_logm_matches_tf(tf, rng, real, cplx):
    model = parts_model(tf, real)
    for n in (1, 2, 3, 5, 8):
        for make in (near_identity, general):
            re, im = make(rng, (3, n, n), real)
            x = check(tf, model, re, im, cplx)
            # And it is a logarithm: exp(X) = A.
            a = (re + 1j * im).astype(cplx)
            np.testing.assert_allclose(
                tf.linalg.expm(x).numpy(),
                a,
                rtol=1e-3 if real == np.float32 else 1e-9,
                atol=1e-3 if real == np.float32 else 1e-9,
            )
    # Unbatched, rank 4 batches, empty batches and empty matrices.
    for shape in ((4, 4), (2, 3, 3, 3), (0, 3, 3), (0, 0), (2, 0, 0), (2, 0, 4, 4)):
        re, im = (
            near_identity(rng, shape, real) if shape[-1] else (np.zeros(shape, real), np.zeros(shape, real))
        )
        check(tf, model, re, im, cplx)


@pytest.mark.parametrize(("real", "cplx"), DTYPES, ids=IDS)
def test_negative_real_eigenvalues_singular_and_nan_as_tf(tf, rng, real, cplx):
    """Negative real eigenvalues take the principal branch (imaginary part +pi for a +0 imaginary input);
    a singular matrix or NaN gives NaN entries; no error in TF."""
    q = np.linalg.qr(rng.standard_normal((3, 3)))[0]
    re = np.stack(
        [
            np.diag([-1.0, 4.0, 2.0]),
            q @ np.diag([-2.0, -3.0, 0.5]) @ q.T,  # real, negative eigenvalues, not diagonal
            -np.eye(3),
            np.diag([0.0, 1.0, 2.0]),  # singular
            np.diag([np.nan, 1.0, 2.0]),
            np.array([[1.0, 1.0, 0.0], [0.0, 1.0, 1.0], [0.0, 0.0, 1.0]]),  # a Jordan block
        ]
    ).astype(real)
    im = np.zeros_like(re)
    x = check(tf, parts_model(tf, real), re, im, cplx)
    np.testing.assert_allclose(np.diagonal(x[2]).imag, np.pi, rtol=1e-6)
    assert np.isnan(x[3]).any() and np.isnan(x[4]).any()


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_non_square_and_rank_1_inputs_are_rejected(tf, runtime):
    model = convert_fn(tf.linalg.logm, (None, tf.complex64))
    assert tflite_model.custom_op_counts(model) == {"MatrixLogarithm": 1}
    (ok,) = run_tflite(model, [np.eye(2, dtype=np.complex64)], runtime).values()
    np.testing.assert_array_equal(ok, np.zeros((2, 2), np.complex64))
    with pytest.raises(RuntimeError, match=r"MatrixLogarithm: dim -2 of input 'input' \[2, 3\] must equal"):
        run_tflite(model, [np.ones((2, 3), np.complex64)], runtime)
    with pytest.raises(RuntimeError, match=r"MatrixLogarithm: .*rank"):
        run_tflite(model, [np.ones((3,), np.complex64)], runtime)


@pytest.mark.parametrize("path", ["auto", "baseline"])
def test_avx2_build_is_tfs_bits(tf, rng, path, tmp_path):
    """TF's x86-64 wheel runs Eigen's logm on AVX packets without FMA. With AVX2 the kernel takes
    its isolated build of the same code (ops/linalg/matrix_functions_avx2.cc): complex128 is TF's
    bits at every size (the Schur steps past a few rows run at the packet width). complex64 is not
    (measured: 40% of the elements of 2x2 logarithms differ in the last bits, and a quarter of
    those of triangular 3x3 ones, which have no Schur step: a scalar complex<float> step compiled
    otherwise, not the packets), nor is the baseline (SSE2) build: both stay within the tolerance
    of test_logm_matches_tf."""
    if path == "auto" and not cpu_has_avx2():
        pytest.skip("the AVX2 build needs a CPU with AVX2 (the baseline case runs everywhere)")
    for real, cplx in DTYPES:
        a = (near_identity(rng, (2, 48, 48), real), general(rng, (2, 48, 48), real))
        re = np.concatenate([a[0][0], a[1][0]])
        im = np.concatenate([a[0][1], a[1][1]])
        want = logm_of_parts(tf)(re, im).numpy()
        work = tmp_path / np.dtype(cplx).name
        work.mkdir()
        model = parts_model(tf, real)
        (got,) = run_tflite_in_process(model, [re, im], work, baseline=path == "baseline").values()
        if path == "auto" and cplx == np.complex128:
            np.testing.assert_array_equal(got, want)
        else:
            np.testing.assert_allclose(got, want, **tol(cplx))
