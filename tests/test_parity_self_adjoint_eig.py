"""SelfAdjointEigV2 (tf.linalg.eigh, eigvalsh): TFLite kernel vs TF's kernel.

Eigenvalues are well defined and compared with TF directly. Eigenvectors are unique only up to
sign (phase), and only as a subspace for a repeated eigenvalue: they are compared with TF's after
aligning signs, within the accuracy TF's own vectors have; the same Eigen solver as TF gives TF's
signs for nearly all real vectors (tested). Besides, A V = V diag(e) and V^H V = I.
"""

from __future__ import annotations

import numpy as np
import pytest

from conftest import RUNTIMES, convert_fn
from linalg_matrices import ALL_DTYPES, SQUARE_SHAPES, adjoint, aligned_to, hermitian, tol, vector_tolerance
from opbridge.testing import assert_parity, run_tflite


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=lambda d: np.dtype(d).name)
def test_eigh_matches_tf(tf, rng, dtype):
    for shape in SQUARE_SHAPES:
        a = hermitian(rng, shape, dtype)
        assert_parity(tf.linalg.eigvalsh, [a], **tol(dtype), runtimes=RUNTIMES)
        model = convert_fn(tf.linalg.eigh, (shape, tf.as_dtype(dtype)))
        e_tf, v_tf = (t.numpy() for t in tf.linalg.eigh(a))
        vtol = vector_tolerance(dtype, np.linalg.eigvalsh(a.astype(np.complex128)))
        n = shape[-1]
        for runtime in RUNTIMES:
            e, v = run_tflite(model, [a], runtime).values()
            np.testing.assert_allclose(e, e_tf, **tol(dtype))
            assert (np.diff(e.real, axis=-1) >= 0).all() and not e.imag.any()
            # An eigenvector's sign (phase) is arbitrary and can hang on rounding noise.
            np.testing.assert_allclose(aligned_to(v_tf, v), v_tf, rtol=0, atol=vtol)
            np.testing.assert_allclose(a @ v, v * e[..., None, :], **tol(dtype))
            np.testing.assert_allclose(adjoint(v) @ v, np.broadcast_to(np.eye(n), v.shape), **tol(dtype))


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=lambda d: np.dtype(d).name)
def test_signs_follow_tf_convention(tf, rng, dtype):
    """Unaligned, the eigenvectors of real matrices carry TF's signs: the same algorithm makes the
    same choice, except where a sign hangs on rounding noise (about 1% of f32 vectors)."""
    a = hermitian(rng, (64, 6, 6), dtype)
    model = convert_fn(tf.linalg.eigh, (a.shape, tf.as_dtype(dtype)))
    _, v_tf = (t.numpy() for t in tf.linalg.eigh(a))
    for runtime in RUNTIMES:
        _, v = run_tflite(model, [a], runtime).values()
        same = np.all(np.abs(v - v_tf) < 1e-3, axis=-2)
        assert same.mean() >= 0.95, same.mean()


def test_only_the_lower_triangle_is_read(tf, rng):
    a = hermitian(rng, (3, 6, 6), np.float64)
    garbage = a + np.triu(rng.standard_normal(a.shape), 1)
    assert_parity(tf.linalg.eigh, [garbage], rtol=1e-10, atol=1e-10, runtimes=RUNTIMES)


def test_repeated_eigenvalues(tf, rng):
    """Identity and a projector: eigenvalues are TF's, the eigenvectors a valid orthonormal basis."""
    u, _ = np.linalg.qr(rng.standard_normal((5, 5)))
    projector = u[:, :2] @ u[:, :2].T
    a = np.stack([np.eye(5), projector, np.zeros((5, 5))])
    assert_parity(tf.linalg.eigvalsh, [a], rtol=1e-10, atol=1e-10, runtimes=RUNTIMES)
    model = convert_fn(tf.linalg.eigh, (a.shape, tf.float64))
    for runtime in RUNTIMES:
        e, v = run_tflite(model, [a], runtime).values()
        np.testing.assert_allclose(a @ v, v * e[..., None, :], atol=1e-12)
        np.testing.assert_allclose(adjoint(v) @ v, np.broadcast_to(np.eye(5), v.shape), atol=1e-12)


def test_compute_v_false_leaves_v_empty(tf, rng):
    a = hermitian(rng, (2, 4, 4), np.float32)
    report = assert_parity(tf.linalg.eigvalsh, [a], rtol=1e-5, atol=1e-5, runtimes=RUNTIMES)
    assert [o.shape for o in report.outputs] == [(2, 4)]


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_nan_or_inf_input_is_an_error_as_in_tf(tf, runtime):
    message = "Self-adjoint eigen decomposition was not successful. The input might not be valid."
    for bad in (np.nan, np.inf):
        a = np.stack([np.eye(3), np.eye(3)]).astype(np.float32)
        a[1, 1, 1] = bad
        for fn in (tf.linalg.eigh, tf.linalg.eigvalsh):
            with pytest.raises(tf.errors.InvalidArgumentError, match=message):
                fn(a)
            model = convert_fn(fn, (a.shape, tf.float32))
            with pytest.raises(RuntimeError, match=r"SelfAdjointEigV2: " + message + r" \(matrix 1 of 2"):
                run_tflite(model, [a], runtime)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_non_square_input_is_rejected(tf, runtime):
    model = convert_fn(tf.linalg.eigh, ((None, None), tf.float32))
    with pytest.raises(RuntimeError, match=r"SelfAdjointEigV2: dim -2 of input 'input' \[2, 3\] must equal"):
        run_tflite(model, [np.ones((2, 3), np.float32)], runtime)
