"""Qr: TFLite kernel vs TF's kernel. The same Householder QR as TF gives the same Q and R
(R's diagonal signs included); reconstruction, orthogonality and triangularity are checked too."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import RUNTIMES
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
