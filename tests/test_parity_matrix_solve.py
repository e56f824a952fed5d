"""MatrixSolve: TFLite kernel vs TF's kernel, and TF's errors."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import RUNTIMES, convert_fn
from linalg_matrices import ALL_DTYPES, random, tol, well_conditioned
from opbridge import tflite_model
from opbridge.testing import assert_parity, run_tflite

# (matrix shape, rhs shape): vectors and blocks of right-hand sides, batches, empties.
SHAPES = [
    ((1, 1), (1, 1)),
    ((3, 3), (3, 1)),
    ((5, 5), (5, 7)),
    ((20, 20), (20, 3)),
    ((4, 3, 3), (4, 3, 2)),
    ((2, 3, 4, 4), (2, 3, 4, 5)),
    ((0, 3, 3), (0, 3, 2)),
    ((3, 3), (3, 0)),
    ((0, 0), (0, 4)),
]


@pytest.mark.parametrize("adjoint", [False, True])
@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("shapes", SHAPES, ids=str)
def test_matrix_solve_matches_tf(tf, rng, shapes, dtype, adjoint):
    a = well_conditioned(rng, shapes[0], dtype)
    b = random(rng, shapes[1], dtype)
    report = assert_parity(
        lambda m, r: tf.linalg.solve(m, r, adjoint=adjoint), [a, b], **tol(dtype), runtimes=RUNTIMES
    )
    (x,) = run_tflite(report.model, [a, b]).values()
    op = np.conj(np.swapaxes(a, -1, -2)) if adjoint else a
    np.testing.assert_allclose(op @ x, b, **tol(dtype))


def test_ill_conditioned_systems_agree_with_tf(tf, rng):
    """Same pivoting as TF: even a Vandermonde system (condition ~1e7) gives TF's answer."""
    a = np.vander(np.linspace(1, 2, 6), increasing=True)[None]
    a = np.concatenate([a, rng.standard_normal((3, 6, 6))]).astype(np.float64)
    b = rng.standard_normal((4, 6, 2))
    assert_parity(tf.linalg.solve, [a, b], rtol=1e-9, atol=1e-9, runtimes=RUNTIMES)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_singular_matrix_is_an_error_as_in_tf(tf, runtime):
    a = np.stack([np.eye(3), [[1, 2, 3], [2, 4, 6], [0, 0, 1]], np.eye(3)]).astype(np.float64)
    b = np.ones((3, 3, 1))
    for adjoint in (False, True):
        with pytest.raises(tf.errors.InvalidArgumentError, match="Input matrix is not invertible"):
            tf.linalg.solve(a, b, adjoint=adjoint)
        model = convert_fn(
            lambda m, r, adj=adjoint: tf.linalg.solve(m, r, adjoint=adj),
            (a.shape, tf.float64),
            (b.shape, tf.float64),
        )
        with pytest.raises(RuntimeError, match=r"MatrixSolve: Input matrix is not invertible.*matrix 1 of 3"):
            run_tflite(model, [a, b], runtime)


def test_nan_input_gives_nan_as_in_tf(tf):
    """A NaN pivot passes TF's exactly-zero test: NaN out, no error."""
    a = np.stack([np.eye(3), np.eye(3)]).astype(np.float32)
    a[0, 1, 1] = np.nan
    b = np.ones((2, 3, 2), np.float32)
    assert np.isnan(tf.linalg.solve(a, b).numpy()[0]).any()
    assert_parity(tf.linalg.solve, [a, b], rtol=0, atol=1e-6, runtimes=RUNTIMES)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_bad_shapes_are_rejected(tf, runtime):
    cases = [
        ((2, 3), (2, 1), r"dim -2 of input 'matrix' \[2, 3\] must equal dim -1"),
        ((3, 3), (2, 1), r"dim -2 of input 'matrix' \[3, 3\] must equal dim -2 of input 'rhs' \[2, 1\]"),
        ((2, 3, 3), (4, 3, 1), r"dim 0 of input 'matrix' \[2, 3, 3\] must equal dim 0 of input 'rhs'"),
    ]
    for matrix, rhs, message in cases:
        spec = lambda s: ([None] * len(s), tf.float32)  # noqa: E731
        model = convert_fn(tf.linalg.solve, spec(matrix), spec(rhs))
        with pytest.raises(RuntimeError, match="MatrixSolve: " + message):
            run_tflite(model, [np.ones(matrix, np.float32), np.ones(rhs, np.float32)], runtime)
        with pytest.raises(tf.errors.InvalidArgumentError):
            tf.linalg.solve(np.ones(matrix, np.float32), np.ones(rhs, np.float32))


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_rhs_of_another_rank_is_rejected(tf, runtime):
    """TF refuses this graph outright (no broadcasting); a hand-made model gets a clear error."""
    with pytest.raises(ValueError, match="equal rank"):
        convert_fn(tf.linalg.solve, ((2, 3, 3), tf.float32), ((3, 1), tf.float32))
    model = tflite_model.single_custom_op_model(
        "MatrixSolve",
        [("matrix", (2, 3, 3), np.float32), ("rhs", (3, 1), np.float32)],
        [("output", (2, 3, 1), np.float32)],
    )
    with pytest.raises(
        RuntimeError,
        match=r"MatrixSolve: inputs 'matrix' \[2, 3, 3\] and 'rhs' \[3, 1\] must have the same rank",
    ):
        run_tflite(model, [np.ones((2, 3, 3), np.float32), np.ones((3, 1), np.float32)], runtime)
