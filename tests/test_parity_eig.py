"""Eig (tf.linalg.eig, eigvals): TFLite kernel vs TF's kernel.

Both run Eigen's EigenSolver (real input: real Schur form, eigenvalues in Schur order, conjugate
pairs adjacent) or ComplexEigenSolver (complex input: eigenvalues sorted by modulus), eigenvectors
of unit length. On matrices up to 5x5 the results are TF's bit for bit for float32, float64 and
complex128 eigenvalues and float64/complex128 eigenvectors (tested). Beyond that, TF's Eigen is
compiled for AVX and opbridge's for baseline x86-64: the Hessenberg reduction rounds differently,
and real Schur deflation can then converge in another order (so can complex eigenvalues of nearly
equal modulus). There the eigenvalues are compared as sets, within the accuracy of TF's own
eigenvalues, and eigenvectors, matched to TF's by eigenvalue, after aligning their phase (unique
only up to phase), plus A v = v diag(e) and |v| = 1.
"""

from __future__ import annotations

import numpy as np
import pytest

from conftest import RUNTIMES, convert_fn
from linalg_matrices import ALL_DTYPES, aligned_to, random
from opbridge.testing import run_tflite
from opbridge.tflite_model import custom_op_counts

SIZES = [1, 2, 3, 5, 8]


def complex_of(dtype) -> type:
    single = np.dtype(dtype) in (np.dtype(np.float32), np.dtype(np.complex64))
    return np.complex64 if single else np.complex128


def eps(dtype) -> float:
    return float(np.finfo(dtype).eps)


def eig_model(tf, dtype, rank: int, compute_v: bool) -> bytes:
    fn = tf.linalg.eig if compute_v else tf.linalg.eigvals
    model = convert_fn(fn, ((None,) * rank, tf.as_dtype(dtype)))
    assert custom_op_counts(model) == {"Eig": 1}
    return model


def matching(reference: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Per matrix, the index into `values` of the eigenvalue nearest each of `reference`'s (greedy,
    in the reference's order): the eigenvalue order is the solver's convergence order."""
    order = np.zeros(reference.shape, np.int64)
    for b in np.ndindex(reference.shape[:-1]):
        free = list(range(reference.shape[-1]))
        for i, r in enumerate(reference[b]):
            j = free[int(np.argmin(np.abs(values[b][free] - r)))]
            order[(*b, i)] = j
            free.remove(j)
    return order


def eigenvalue_error(e: np.ndarray, a: np.ndarray) -> np.ndarray:
    """Per matrix, the largest distance of `e` from the complex128 (numpy) eigenvalues of `a`."""
    exact = np.linalg.eigvals(a.astype(np.complex128))
    return np.abs(np.take_along_axis(e, matching(exact, e), -1) - exact).max(-1, initial=0)


def check_against_tf(
    a: np.ndarray, e: np.ndarray, v: np.ndarray | None, e_tf: np.ndarray, v_tf
) -> tuple[float, int]:
    """Eigenvalues as sets, within 4 times TF's own error (at least 16 eps |A|); eigenvectors matched
    by eigenvalue and phase-aligned where the eigenvalue is well separated; residual and norm always.
    Returns the largest eigenvalue difference from TF and how many vectors were compared with TF's."""
    dtype = a.dtype
    scale = np.abs(a).max(axis=(-1, -2), initial=0) + 1
    order = matching(e_tf, e)
    e_matched = np.take_along_axis(e, order, -1)
    diff = np.abs(e_matched - e_tf).max(-1, initial=0)
    allowed = np.maximum(4 * eigenvalue_error(e_tf, a), 16 * eps(dtype) * scale)
    assert (diff <= allowed).all(), (diff, allowed)
    if v is not None:
        n = a.shape[-1]
        atol = 64 * eps(dtype) * scale[..., None, None]
        # A v = v diag(e), |v| = 1, in the working precision.
        assert (np.abs(a @ v - v * e[..., None, :]) <= atol * max(n, 1)).all()
        np.testing.assert_allclose(np.linalg.norm(v, axis=-2), 1, rtol=0, atol=16 * eps(dtype) * max(n, 1))
        v_matched = np.take_along_axis(v, order[..., None, :], -1)
        gaps = np.where(np.eye(n, dtype=bool), np.inf, np.abs(e_tf[..., :, None] - e_tf[..., None, :]))
        separated = gaps.min(-1, initial=np.inf) > 1e-2 * scale[..., None]
        # A vector moves by about eps |A| / gap under rounding; measured up to 6.6 units between TF
        # and opbridge on random matrices up to 12x12 (non-normal ones amplify it a little).
        vtol = 64 * eps(dtype) * scale[..., None] / np.maximum(gaps.min(-1, initial=np.inf), 1e-30)
        close = np.abs(aligned_to(v_tf, v_matched) - v_tf).max(-2) <= vtol
        assert close[separated].all()
        compared = int(separated.sum())
    else:
        compared = 0
    return float(diff.max(initial=0)), compared


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=lambda d: np.dtype(d).name)
def test_eig_matches_tf(tf, rng, dtype):
    """Random batches of each size, both outputs, both runtimes; exact where the algorithm agrees."""
    model = eig_model(tf, dtype, 3, compute_v=True)
    values_model = eig_model(tf, dtype, 3, compute_v=False)
    worst, compared = 0.0, 0
    for n in SIZES:
        a = random(rng, (6, n, n), dtype)
        e_tf, v_tf = (t.numpy() for t in tf.linalg.eig(a))
        for runtime in RUNTIMES:
            e, v = run_tflite(model, [a], runtime).values()
            assert e.dtype == complex_of(dtype) and e.shape == (6, n) and v.shape == (6, n, n)
            (e_only,) = run_tflite(values_model, [a], runtime).values()
            np.testing.assert_array_equal(e_only, e)  # compute_v does not change the eigenvalues
            if n <= 5 and dtype != np.complex64:
                np.testing.assert_array_equal(e, e_tf)
                if dtype != np.float32:
                    np.testing.assert_array_equal(v, v_tf)
            diff, count = check_against_tf(a, e, v, e_tf, v_tf)
            worst, compared = max(worst, diff), compared + count
    assert compared > 0.9 * 2 * 6 * sum(SIZES)
    print(f"Eig {np.dtype(dtype).name}: largest eigenvalue difference from TF {worst:.3g}")


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=lambda d: np.dtype(d).name)
def test_special_matrices(tf, dtype):
    """Rotations (complex pairs, equal moduli), repeated and defective eigenvalues, zero, rank 4."""
    c, s = np.cos(0.7), np.sin(0.7)
    rot3 = np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])
    q, _ = np.linalg.qr(np.arange(9.0).reshape(3, 3) ** 1.5 + np.eye(3))
    repeated = q @ np.diag([2.0, 2.0, -1.0]) @ q.T
    jordan = np.array([[1.0, 1, 0], [0, 1, 1], [0, 0, 1]])
    shift = np.array([[0, 0, 1.0], [1, 0, 0], [0, 1, 0]])  # cube roots of unity
    a = np.stack([rot3, repeated, jordan, np.eye(3), np.zeros((3, 3)), shift]).reshape(2, 3, 3, 3)
    if np.issubdtype(dtype, np.complexfloating):
        a = a * np.exp(0.3j)
    a = a.astype(dtype)
    model = eig_model(tf, dtype, 4, compute_v=True)
    e_tf, v_tf = (t.numpy() for t in tf.linalg.eig(a))
    for runtime in RUNTIMES:
        e, v = run_tflite(model, [a], runtime).values()
        assert e.shape == (2, 3, 3) and v.shape == (2, 3, 3, 3)
        if dtype != np.complex64:
            np.testing.assert_array_equal(e, e_tf)
        check_against_tf(a, e, v, e_tf, v_tf)


def test_real_input_gives_exact_conjugate_pairs(tf):
    """The real Schur form yields real eigenvalues with imaginary part 0 and exact conjugate pairs."""
    a = np.array([[[0.0, -2.0], [2.0, 0.0]], [[3.0, 1.0], [0.0, -1.0]]], np.float32)
    model = eig_model(tf, np.float32, 3, compute_v=False)
    expected = tf.linalg.eigvals(a).numpy()
    np.testing.assert_array_equal(expected, [[2j, -2j], [3, -1]])
    for runtime in RUNTIMES:
        (e,) = run_tflite(model, [a], runtime).values()
        np.testing.assert_array_equal(e, expected)


@pytest.mark.parametrize("shape", [(0, 0), (0, 3, 3), (2, 0, 0)], ids=str)
def test_empty(tf, shape):
    a = np.zeros(shape, np.float64)
    model = convert_fn(tf.linalg.eig, ((None,) * len(shape), tf.float64))
    e_tf, v_tf = tf.linalg.eig(a)
    for runtime in RUNTIMES:
        e, v = run_tflite(model, [a], runtime).values()
        assert e.shape == e_tf.shape and v.shape == v_tf.shape and e.dtype == np.complex128


@pytest.mark.parametrize("dtype", [np.float32, np.complex128], ids=lambda d: np.dtype(d).name)
def test_nan_or_inf_input_follows_tf(tf, rng, dtype):
    """Where the QR iteration meets NaN or inf, TF raises; a non-finite entry the solver never
    iterates on (above the diagonal of a triangular matrix, say) passes through. Same here."""
    message = "Eigen decomposition was not successful. The input might not be valid."
    model = eig_model(tf, dtype, 3, compute_v=True)
    values_model = eig_model(tf, dtype, 3, compute_v=False)
    raised = 0
    for base in (np.eye(3), rng.standard_normal((3, 3))):
        for position in [(0, 0), (0, 1), (1, 0), (2, 2)]:
            for bad in (np.nan, np.inf):
                a = np.stack([np.eye(3), base]).astype(dtype)
                a[(1, *position)] = bad
                for fn, m in ((tf.linalg.eig, model), (tf.linalg.eigvals, values_model)):
                    try:
                        expected = [t.numpy() for t in tf.nest.flatten(fn(a))]
                    except tf.errors.InvalidArgumentError as error:
                        assert message in str(error)
                        raised += 1
                        for runtime in RUNTIMES:
                            with pytest.raises(RuntimeError, match=r"Eig: " + message + r" \(matrix 1 of 2"):
                                run_tflite(m, [a], runtime)
                        continue
                    for runtime in RUNTIMES:
                        for got, want in zip(run_tflite(m, [a], runtime).values(), expected, strict=True):
                            np.testing.assert_array_equal(got, want)
    assert raised >= 20


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_bad_shapes_are_rejected(tf, runtime):
    with pytest.raises(tf.errors.InvalidArgumentError, match="Input matrix must be square"):
        tf.linalg.eigvals(np.ones((2, 3), np.float32))
    model = eig_model(tf, np.float32, 2, compute_v=False)
    with pytest.raises(RuntimeError, match=r"Eig: dim -2 of input 'input' \[2, 3\] must equal"):
        run_tflite(model, [np.ones((2, 3), np.float32)], runtime)


def test_mismatched_tout_is_rejected(tf):
    """TF's kernel for float input writes complex64 and fails on another Tout ("Invalid output dtype")."""

    def fn(x):
        return tf.raw_ops.Eig(input=x, Tout=tf.complex128, compute_v=False)[0]

    a = np.eye(2, dtype=np.float32)
    with pytest.raises(tf.errors.InvalidArgumentError, match="Invalid output dtype"):
        fn(a)
    model = convert_fn(fn, ((2, 2), tf.float32))
    for runtime in RUNTIMES:
        with pytest.raises(RuntimeError, match="Eig: attr Tout is complex128 but an input of type float"):
            run_tflite(model, [a], runtime)


@pytest.mark.parametrize("dtype", [np.float32, np.complex64], ids=lambda d: np.dtype(d).name)
def test_keeps_denormals_like_tf(tf, dtype):
    """TF turns denormals back on for this solver (it relies on them); so does the kernel. (A matrix
    whose entries are all tiny is zero to the real Schur solver: diag(1, d) shows the mode.)"""
    d = np.float32(1e-40)  # a float32 denormal
    a = np.array([[[1, 0], [0, d]], [[1, d], [0, 2 * d]], [[0.5, 0], [d, 1]]], dtype)
    model = eig_model(tf, dtype, 3, compute_v=True)
    e_tf, v_tf = (t.numpy() for t in tf.linalg.eig(a))
    assert np.isin(np.float32(d), np.abs(e_tf))  # a denormal eigenvalue, not flushed
    for runtime in RUNTIMES:
        e, v = run_tflite(model, [a], runtime).values()
        np.testing.assert_array_equal(e, e_tf)
        np.testing.assert_array_equal(v, v_tf)
