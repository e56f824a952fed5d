"""Svd: TFLite kernel vs TF's kernel.

Singular values are well defined and compared with TF directly. U and V are unique only up to
the sign (phase) of each singular pair: they are compared with TF's after aligning signs, within
the accuracy TF's own vectors have; the same Eigen BDCSVD as TF gives TF's signs for nearly all
real vectors (tested). Besides, A = U diag(s) V^H and orthonormal columns.
"""

from __future__ import annotations

import numpy as np
import pytest

from conftest import RUNTIMES, convert_fn
from linalg_matrices import ALL_DTYPES, adjoint, aligned_to, random, tol, vector_tolerance
from opbridge.testing import assert_parity, run_tflite

# Below 16 columns BDCSVD runs JacobiSVD; (40, 18), (18, 40) and (24, 24) run the divide and conquer.
SHAPES = [
    (1, 1),
    (3, 3),
    (6, 4),
    (4, 6),
    (24, 24),
    (40, 18),
    (18, 40),
    (3, 5, 2),
    (2, 2, 3, 4),
    (0, 4, 3),
    (3, 0),
    (0, 3),
]


@pytest.mark.parametrize("full_matrices", [False, True])
@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=lambda d: np.dtype(d).name)
def test_svd_matches_tf(tf, rng, dtype, full_matrices):
    for shape in SHAPES:
        a = random(rng, shape, dtype)
        report = assert_parity(
            lambda x: tf.linalg.svd(x, compute_uv=False), [a], **tol(dtype), runtimes=RUNTIMES
        )
        assert report.outputs[0].shape == (*shape[:-2], min(shape[-2:]))
        model = convert_fn(
            lambda x: tf.linalg.svd(x, full_matrices=full_matrices), (shape, tf.as_dtype(dtype))
        )
        s_tf, u_tf, v_tf = (t.numpy() for t in tf.linalg.svd(a, full_matrices=full_matrices))
        m, n = shape[-2:]
        k = min(m, n)
        for runtime in RUNTIMES:
            s, u, v = run_tflite(model, [a], runtime).values()
            assert u.shape == (*shape[:-2], m, m if full_matrices else k)
            assert v.shape == (*shape[:-2], n, n if full_matrices else k)
            np.testing.assert_allclose(s, s_tf, **tol(dtype))
            assert (np.diff(s.real, axis=-1) <= 0).all() and (s.real >= 0).all() and not s.imag.any()
            # A singular pair's sign (phase) is arbitrary. The same BDCSVD as TF gives TF's signs
            # mostly, but a sign can hang on rounding noise (both builds differ in the last bits),
            # and complex phases come from entries that converge to ~0: align them first.
            u_cmp, v_cmp = aligned_to(u_tf, u, v, k=k)
            exact = np.linalg.svd(a.astype(np.complex128), compute_uv=False)
            if m != n:  # U's (or V's) columns must also stay apart from the complement's
                exact = np.concatenate([exact, np.zeros((*exact.shape[:-1], 1))], axis=-1)
            vtol = vector_tolerance(dtype, exact)
            np.testing.assert_allclose(u_cmp[..., :k], u_tf[..., :k], rtol=0, atol=vtol)
            np.testing.assert_allclose(v_cmp[..., :k], v_tf[..., :k], rtol=0, atol=vtol)
            # Columns past k span the complement, in a basis only the algorithm fixes: compare
            # the complement's projector, which is unique.
            for w, w_tf in ((u, u_tf), (v, v_tf)):
                extra, extra_tf = w[..., k:], w_tf[..., k:]
                np.testing.assert_allclose(
                    extra @ adjoint(extra), extra_tf @ adjoint(extra_tf), rtol=0, atol=vtol
                )
            # What is defined whatever the phases: A = U diag(s) V^H and orthonormal columns.
            np.testing.assert_allclose((u[..., :k] * s[..., None, :]) @ adjoint(v[..., :k]), a, **tol(dtype))
            for w in (u, v):
                c = w.shape[-1]
                eye = np.broadcast_to(np.eye(c), (*w.shape[:-2], c, c))
                np.testing.assert_allclose(adjoint(w) @ w, eye, **tol(dtype))


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=lambda d: np.dtype(d).name)
def test_signs_follow_tf_convention(tf, rng, dtype):
    """Unaligned, the singular vectors of real matrices carry TF's signs: the same algorithm makes
    the same choice, except where a sign hangs on rounding noise (a few vectors in f32)."""
    a = random(rng, (64, 8, 6), dtype)
    model = convert_fn(tf.linalg.svd, (a.shape, tf.as_dtype(dtype)))
    _, u_tf, v_tf = (t.numpy() for t in tf.linalg.svd(a))
    for runtime in RUNTIMES:
        _, u, v = run_tflite(model, [a], runtime).values()
        same = np.all(np.abs(u - u_tf) < 1e-3, axis=-2) & np.all(np.abs(v - v_tf) < 1e-3, axis=-2)
        assert same.mean() >= 0.95, same.mean()


def test_compute_uv_false_leaves_u_and_v_empty(tf, rng):
    a = random(rng, (2, 5, 3), np.float32)
    report = assert_parity(
        lambda x: tf.linalg.svd(x, compute_uv=False), [a], rtol=1e-5, atol=1e-5, runtimes=RUNTIMES
    )
    assert [o.shape for o in report.outputs] == [(2, 3)]


def test_repeated_and_zero_singular_values(tf, rng):
    """Rank-deficient and orthogonal inputs: the singular values are TF's; vectors are a valid basis."""
    q, _ = np.linalg.qr(rng.standard_normal((6, 6)))
    low_rank = rng.standard_normal((6, 2)) @ rng.standard_normal((2, 5))
    a = np.stack([q[:, :5], low_rank, np.zeros((6, 5))])
    assert_parity(
        lambda x: tf.linalg.svd(x, compute_uv=False), [a], rtol=1e-10, atol=1e-10, runtimes=RUNTIMES
    )
    singular_values = lambda x: tf.linalg.svd(x, compute_uv=False)  # noqa: E731
    assert_parity(singular_values, [a.astype(np.float32)], rtol=1e-5, atol=1e-5, runtimes=RUNTIMES)
    model = convert_fn(lambda x: tf.linalg.svd(x, full_matrices=True), (a.shape, tf.float64))
    for runtime in RUNTIMES:
        s, u, v = run_tflite(model, [a], runtime).values()
        np.testing.assert_allclose((u[..., :5] * s[..., None, :]) @ adjoint(v), a, atol=1e-12)
        np.testing.assert_allclose(adjoint(u) @ u, np.broadcast_to(np.eye(6), (3, 6, 6)), atol=1e-12)


def test_nan_and_inf_input_give_nan_as_tf(tf):
    """BDCSVD fails on non-finite input; TF logs it and returns NaN for s, U and V (no error)."""
    a = np.stack([np.eye(3), np.eye(3), np.eye(3)]).astype(np.float64)
    a[0, 1, 2] = np.nan
    a[1, 0, 0] = np.inf
    expected = tf.linalg.svd(a)
    assert all(np.isnan(t.numpy()[:2]).all() for t in expected)
    assert_parity(lambda x: tf.linalg.svd(x, full_matrices=True), [a], rtol=0, atol=1e-12, runtimes=RUNTIMES)


def test_secular_equation_lanes_give_tfs_bits(tf, rng, tmp_path):
    """BDCSVD's secular equation (ops/linalg/bdcsvd_secular_eq.h) computes its terms in AVX2
    lanes where the CPU has them and sums them in Eigen's order. Svd then runs in its AVX2 build
    (ops/linalg/svd_avx2.cc), whose other steps are TF's: every output of the divide and
    conquer (values, U, V; clustered values, which deflate) is bit for bit TF's, whose secular
    equation is Eigen's scalar loop. Real types: the complex AVX2 builds differ from TF's in the
    last bits (tests/test_linalg_avx2_bits.py checks them against the definitions)."""
    from conftest import cpu_has_avx2, run_tflite_in_process

    if not cpu_has_avx2():
        pytest.skip("needs a CPU with AVX2: the lanes run only there")
    clustered = np.diag(np.r_[np.ones(20), np.full(20, 1e-6)])
    for dtype in (np.float32, np.float64):
        inputs = [random(rng, (3, 64, 33), dtype), random(rng, (2, 40, 40), dtype) @ clustered.astype(dtype)]

        def fn(a, b):
            s, u, v = tf.linalg.svd(a, full_matrices=True)
            return {"s": s, "u": u, "v": v, "s_only": tf.linalg.svd(b, compute_uv=False)}

        model = convert_fn(fn, *[(x.shape, dtype) for x in inputs])
        want = fn(*[tf.constant(x) for x in inputs])
        work = tmp_path / np.dtype(dtype).name
        work.mkdir()
        got = run_tflite_in_process(model, inputs, work, baseline=False)
        for name, ours in got.items():
            tfs = want[name].numpy()
            np.testing.assert_array_equal(ours.view(np.uint8), tfs.view(np.uint8), err_msg=name)
