"""MatrixTriangularSolve: TFLite kernel vs TF's kernel, including batch broadcasting."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import RUNTIMES, convert_fn
from linalg_matrices import ALL_DTYPES, random, tol, well_conditioned
from opbridge.testing import assert_parity, run_tflite

# (matrix shape, rhs shape). TF broadcasts the batch dims (MatMulBCast), right-aligned as in numpy.
SHAPES = [
    ((1, 1), (1, 1)),
    ((3, 3), (3, 2)),
    ((20, 20), (20, 5)),
    ((4, 3, 3), (4, 3, 2)),
    ((3, 3), (4, 3, 2)),  # matrix broadcast over rhs's batch
    ((4, 3, 3), (3, 2)),  # rhs broadcast over matrix's batch
    ((5, 1, 3, 3), (2, 3, 4)),  # both broadcast: [5, 2, 3, 4]
    ((1, 2, 3, 3), (3, 1, 3, 1)),  # [3, 2, 3, 1]
    ((0, 3, 3), (3, 2)),
    ((3, 3), (3, 0)),
    ((0, 0), (2, 0, 3)),
]


@pytest.mark.parametrize("lower", [True, False])
@pytest.mark.parametrize("adjoint", [False, True])
@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=lambda d: np.dtype(d).name)
def test_triangular_solve_matches_tf(tf, rng, dtype, adjoint, lower):
    for matrix_shape, rhs_shape in SHAPES:
        # The other triangle holds garbage: only the chosen one may be read.
        a = well_conditioned(rng, matrix_shape, dtype)
        b = random(rng, rhs_shape, dtype)
        report = assert_parity(
            lambda m, r: tf.linalg.triangular_solve(m, r, lower=lower, adjoint=adjoint),
            [a, b],
            **tol(dtype),
            runtimes=RUNTIMES,
        )
        (x,) = run_tflite(report.model, [a, b]).values()
        t = np.tril(a) if lower else np.triu(a)
        op = np.conj(np.swapaxes(t, -1, -2)) if adjoint else t
        np.testing.assert_allclose(op @ x, np.broadcast_to(b, (op @ x).shape), **tol(dtype))


def test_output_shape_is_the_broadcast_one(tf, rng):
    a = well_conditioned(rng, (5, 1, 3, 3), np.float32)
    b = random(rng, (2, 3, 4), np.float32)
    report = assert_parity(tf.linalg.triangular_solve, [a, b], rtol=1e-5, atol=1e-5, runtimes=RUNTIMES)
    assert report.outputs[0].shape == (5, 2, 3, 4)


def test_zero_on_the_diagonal_gives_inf_and_nan_as_tf(tf):
    """No singularity check in TF: division by the zero pivot."""
    a = np.array([[[1.0, 0], [2, 0]], [[0.0, 0], [0, 1]]], np.float32)
    b = np.ones((2, 2, 1), np.float32)
    expected = tf.linalg.triangular_solve(a, b).numpy()
    assert np.isinf(expected).any() and np.isnan(expected).any()
    assert_parity(tf.linalg.triangular_solve, [a, b], rtol=0, atol=0, runtimes=RUNTIMES)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_bad_shapes_are_rejected(tf, runtime):
    cases = [
        (
            (2, 3, 3),
            (4, 3, 1),
            r"inputs 'matrix' and 'rhs' must have compatible batch dimensions: \[2\] vs. \[4\]",
        ),
        ((2, 3), (2, 1), r"dim -2 of input 'matrix' \[2, 3\] must equal dim -1"),
        ((3, 3), (2, 1), r"dim -1 of input 'matrix' \[3, 3\] must equal dim -2 of input 'rhs' \[2, 1\]"),
    ]
    for matrix, rhs, message in cases:
        spec = lambda s: ([None] * len(s), tf.float32)  # noqa: E731
        model = convert_fn(tf.linalg.triangular_solve, spec(matrix), spec(rhs))
        with pytest.raises(RuntimeError, match="MatrixTriangularSolve: " + message):
            run_tflite(model, [np.ones(matrix, np.float32), np.ones(rhs, np.float32)], runtime)
        with pytest.raises((tf.errors.InvalidArgumentError, ValueError)):
            tf.linalg.triangular_solve(np.ones(matrix, np.float32), np.ones(rhs, np.float32))
