"""Qr: TFLite kernel vs TF's kernel. The same Householder QR as TF gives the same Q and R
(R's diagonal signs included); reconstruction, orthogonality and triangularity are checked too."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import RUNTIMES, cpu_has_avx2
from linalg_matrices import ALL_DTYPES, adjoint, random, tol
from opbridge.testing import assert_parity, run_tflite

SHAPES = [
    (1, 1),
    (3, 3),
    (6, 4),
    (4, 6),
    (20, 20),
    (40, 18),
    (3, 5, 2),
    (2, 2, 3, 4),
    (0, 4, 3),
    (3, 0),
    (0, 3),
    (0, 0),
]


@pytest.mark.parametrize("full_matrices", [False, True])
@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=lambda d: np.dtype(d).name)
def test_qr_matches_tf(tf, rng, dtype, full_matrices):
    for shape in SHAPES:
        a = random(rng, shape, dtype)
        report = assert_parity(
            lambda x: tf.linalg.qr(x, full_matrices=full_matrices), [a], **tol(dtype), runtimes=RUNTIMES
        )
        q, r = run_tflite(report.model, [a]).values()
        m, n = shape[-2:]
        k = m if full_matrices else min(m, n)
        assert q.shape == (*shape[:-2], m, k) and r.shape == (*shape[:-2], k, n)
        np.testing.assert_allclose(q @ r, a, **tol(dtype))
        np.testing.assert_allclose(
            adjoint(q) @ q, np.broadcast_to(np.eye(k), (*q.shape[:-2], k, k)), **tol(dtype)
        )
        assert not np.tril(r, -1).any()


def test_rank_deficient_matrices(tf, rng):
    """Rank 2 in 5x4: R has (near) zeros on its diagonal, Q is still TF's."""
    a = (random(rng, (3, 5, 2), np.float64) @ random(rng, (3, 2, 4), np.float64)).astype(np.float64)
    report = assert_parity(lambda x: tf.linalg.qr(x), [a], rtol=1e-10, atol=1e-10, runtimes=RUNTIMES)
    q, r = run_tflite(report.model, [a]).values()
    np.testing.assert_allclose(q @ r, a, atol=1e-12)


def test_nan_input_gives_nan_as_tf(tf):
    a = np.stack([np.eye(3), np.eye(3)]).astype(np.float32)
    a[0, 2, 1] = np.nan
    report = assert_parity(lambda x: tf.linalg.qr(x), [a], rtol=0, atol=1e-6, runtimes=RUNTIMES)
    q, _ = run_tflite(report.model, [a]).values()
    assert np.isnan(q[0]).any() and not np.isnan(q[1]).any()


HALF_SHAPES = [(1, 1), (3, 3), (6, 4), (4, 6), (8, 8), (16, 16), (40, 18), (18, 40), (3, 5, 2), (0, 4, 3)]
HALF_SHAPES += [(3, 0)]


def _half_model(tf, full_matrices: bool):
    from opbridge.conversion import convert_model

    # One input of each shape: one model, one process per path.
    specs = [tf.TensorSpec(s, tf.float16) for s in HALF_SHAPES]

    def fn(*xs):
        out = {}
        for i, x in enumerate(xs):
            out[f"q{i}"], out[f"r{i}"] = tf.linalg.qr(x, full_matrices=full_matrices)
        return out

    fn = tf.function(fn, input_signature=specs)
    return fn, convert_model(fn).model


@pytest.mark.parametrize("path", ["auto", "baseline"])
@pytest.mark.parametrize("full_matrices", [False, True])
def test_half_is_tfs_householder_qr(tf, rng, tmp_path, path, full_matrices):
    """TF's half Qr runs Eigen's HouseholderQR on Eigen::half in its AVX build, whose half
    packets add products in float and round once. On AVX2 CPUs ours runs the same code built
    for AVX2 without FMA (ops/linalg/qr_avx2.cc): TF's bits. The baseline build (no half
    packets: every step rounded to half) differs within half's rounding: against the float64
    QR of the same inputs its error stays within TF's own plus 4 units at the output's scale
    (measured: up to 2.5)."""
    from conftest import run_tflite_in_process

    xs = [random(rng, s, np.float16) for s in HALF_SHAPES]
    fn, model = _half_model(tf, full_matrices)
    want = {k: v.numpy() for k, v in fn(*xs).items()}
    got = run_tflite_in_process(model, xs, tmp_path, baseline=path == "baseline")
    avx2 = path == "auto" and cpu_has_avx2()
    for i, x in enumerate(xs):
        q, r = got[f"q{i}"], got[f"r{i}"]
        assert q.dtype == np.float16 and q.shape == want[f"q{i}"].shape and r.shape == want[f"r{i}"].shape
        if avx2:
            for name, ours in (("q", q), ("r", r)):
                tfs = want[f"{name}{i}"]
                np.testing.assert_array_equal(ours.view(np.uint16), tfs.view(np.uint16), err_msg=str(x.shape))
            continue
        if x.size == 0:
            np.testing.assert_array_equal(q, want[f"q{i}"])
            continue
        # LAPACK's Householder vectors have Eigen's sign convention: the float64 QR is
        # comparable element by element.
        q64, r64 = np.linalg.qr(x.astype(np.float64), mode="complete" if full_matrices else "reduced")
        for name, ours, tfs, exact in (("q", q, want[f"q{i}"], q64), ("r", r, want[f"r{i}"], r64)):
            unit = float(np.spacing(np.float16(np.abs(exact).max())))
            err = np.abs(ours.astype(np.float64) - exact).max()
            tf_err = np.abs(tfs.astype(np.float64) - exact).max()
            assert err <= tf_err + 4 * unit, (x.shape, name, err, tf_err, unit)
