"""BandedTriangularSolve (tf.linalg.banded_triangular_solve): opbridge's TFLite kernel vs TF's own.

TFLite has no kernel: opbridge.convert leaves CUSTOM "BandedTriangularSolve", which opbridge's
kernel runs (ops/linalg/banded_triangular_solve.cc). Every dtype is compared bit for bit: the
kernel sums each row's band product in the order Eigen evaluates TF's expression
(coefficient-based, GEMV, blocked GEMV past 128 bands, dot product for one right-hand side),
divides as TF's expression does (std::complex's division without adjoint, Eigen's packet division
with it) and does the adjoint's row updates one at a time as TF does.
"""

from __future__ import annotations

import numpy as np
import pytest
from flatbuffers import flexbuffers

from conftest import RUNTIMES, convert_fn, registered_cpu_dtypes
from linalg_matrices import ALL_DTYPES, FLOATS, random
from opbridge import tflite_model
from opbridge.testing import run_tflite
from test_parity_tridiagonal_solve import assert_same_bits, name

OP = "BandedTriangularSolve"
# (bands shape, rhs shape); batch dims broadcast (MatMulBCast).
SHAPES = [
    ((1, 1), (1, 1)),
    ((1, 5), (5, 2)),  # diagonal only
    ((2, 6), (6, 1)),  # one right-hand side: Eigen's dot product
    ((3, 6), (6, 3)),  # bands + 1 + K < 20: coefficient-based product
    ((4, 30), (30, 16)),  # bands + 1 + K >= 20: GEMV
    ((5, 5), (5, 4)),  # as many bands as rows: a full triangle
    ((20, 64), (64, 24)),
    ((140, 150), (150, 3)),  # 128 bands and more: GEMV columns in blocks of 16
    ((140, 150), (150, 1)),  # ... but a dot product for one right-hand side
    ((4, 3, 8), (4, 8, 2)),
    ((3, 8), (2, 8, 2)),  # the bands broadcast over rhs's batch
    ((2, 3, 8), (8, 2)),  # rhs broadcast over the bands' batch
    ((2, 1, 3, 8), (4, 8, 2)),  # both: [2, 4, 8, 2]
]
ATTRS = [(lower, adjoint) for lower in (True, False) for adjoint in (False, True)]


def bands(rng, shape, dtype, lower: bool) -> np.ndarray:
    """Band entries of size ~1/sqrt(K) and diagonal entries of size 2-3 (of any phase when
    complex: a real divisor would hide how complex rows are divided): well conditioned."""
    b = random(rng, shape, dtype) / np.sqrt(shape[-2])
    diag = 0 if lower else shape[-2] - 1
    size = b[..., diag, :].shape
    d = (2 + rng.uniform(0, 1, size)) * np.where(rng.uniform(size=size) < 0.5, -1, 1)
    if np.issubdtype(dtype, np.complexfloating):
        d = d * np.exp(1j * rng.uniform(0, 2 * np.pi, size))
    b[..., diag, :] = d
    return b.astype(dtype)


def solve(tf, lower=True, adjoint=False):
    return lambda m, r: tf.linalg.banded_triangular_solve(m, r, lower=lower, adjoint=adjoint)


def dense(b: np.ndarray, lower: bool) -> np.ndarray:
    """The triangular matrix of the bands (LEFT_RIGHT storage)."""
    k, m = b.shape[-2:]
    a = np.zeros((*b.shape[:-2], m, m), b.dtype)
    for d in range(min(k, m)):
        rows = np.arange(m - d)
        if lower:
            a[..., rows + d, rows] = b[..., d, rows + d]
        else:
            a[..., rows, rows + d] = b[..., k - 1 - d, rows]
    return a


def check(tf, fn, inputs, message, specs=None):
    specs = specs or [(a.shape, tf.as_dtype(a.dtype)) for a in inputs]
    signature = [tf.TensorSpec(shape, dtype) for shape, dtype in specs]
    expected = tf.function(fn, input_signature=signature)(*[tf.constant(a) for a in inputs]).numpy()
    model = convert_fn(fn, *specs)
    assert tflite_model.custom_op_counts(model) == {OP: 1}  # left custom, run by opbridge's kernel
    for runtime in RUNTIMES:
        (actual,) = run_tflite(model, inputs, runtime).values()
        assert_same_bits(actual, expected, f"{message} {runtime}")
    return expected


def test_every_registered_dtype_is_declared(tf):
    registered = registered_cpu_dtypes(OP)
    assert registered == {name(d) for d in ALL_DTYPES}


@pytest.mark.parametrize("lower,adjoint", ATTRS, ids=lambda v: str(v))
@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=name)
def test_matches_tf(tf, rng, dtype, lower, adjoint):
    for band_shape, rhs_shape in SHAPES:
        m = bands(rng, band_shape, dtype, lower)
        b = random(rng, rhs_shape, dtype)
        x = check(tf, solve(tf, lower, adjoint), [m, b], f"{name(dtype)} {band_shape} {rhs_shape}")
        # And it is the solution (TF's own answer checked against the dense triangle).
        a = dense(m, lower)
        op = np.conj(np.swapaxes(a, -1, -2)) if adjoint else a
        tol = 1e-4 if np.dtype(dtype) in (np.dtype(np.float32), np.dtype(np.complex64)) else 1e-10
        np.testing.assert_allclose(op @ x, np.broadcast_to(b, (op @ x).shape), rtol=tol, atol=tol)


@pytest.mark.parametrize("lower,adjoint", ATTRS, ids=lambda v: str(v))
def test_more_bands_than_rows_as_tf_runs_it(tf, rng, lower, adjoint):
    """TF's shape inference refuses K > M when both are known; its kernel runs it (the extra
    bands are never read). A model with unknown dims gets TF's kernel's answer."""
    m = bands(rng, (7, 4), np.float64, lower)
    b = random(rng, (4, 3), np.float64)
    spec = ([None, None], np.float64)
    check(tf, solve(tf, lower, adjoint), [m, b], "7 bands of 4 rows", specs=[spec, spec])


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=name)
def test_zero_diagonal_of_the_first_matrix_is_an_error_as_in_tf(tf, rng, dtype):
    for lower in (True, False):
        m = bands(rng, (3, 3, 5), dtype, lower)
        m[0, 0 if lower else 2, 3] = 0
        b = random(rng, (3, 5, 2), dtype)
        with pytest.raises(tf.errors.InvalidArgumentError, match="Input matrix is not invertible"):
            solve(tf, lower)(m, b)
        model = convert_fn(solve(tf, lower), (m.shape, tf.as_dtype(dtype)), (b.shape, tf.as_dtype(dtype)))
        for runtime in RUNTIMES:
            with pytest.raises(RuntimeError, match=f"{OP}: Input matrix is not invertible.*first matrix"):
                run_tflite(model, [m, b], runtime)


@pytest.mark.parametrize("adjoint", [False, True])
@pytest.mark.parametrize("dtype", FLOATS, ids=name)
def test_zero_diagonal_elsewhere_divides_as_tf(tf, rng, dtype, adjoint):
    """Only the first matrix's diagonal is checked: a zero in another divides to inf and NaN."""
    m = bands(rng, (3, 3, 5), dtype, True)
    m[1, 0, 2] = 0
    m[2, 0, 4] = 0
    b = random(rng, (3, 5, 2), dtype)
    x = check(tf, solve(tf, True, adjoint), [m, b], f"{name(dtype)} adjoint={adjoint}")
    assert not np.isfinite(x[1]).all() and not np.isfinite(x[2]).all()


@pytest.mark.parametrize("lower,adjoint", ATTRS, ids=lambda v: str(v))
@pytest.mark.parametrize("dtype", FLOATS, ids=name)
def test_nan_and_inf_inputs(tf, rng, dtype, lower, adjoint):
    m = bands(rng, (4, 3, 9), dtype, lower)
    b = random(rng, (4, 9, 3), dtype)
    m[1, 1, 4] = np.nan
    m[2, 2 if lower else 0, 6] = np.inf
    m[3, 0 if lower else 2, 5] = np.nan  # on the diagonal of a later matrix
    b[0, 3, 1] = np.nan
    b[2, 0, 2] = -np.inf
    check(tf, solve(tf, lower, adjoint), [m, b], f"{name(dtype)}")


def test_near_singular_systems_grow_as_tf(tf, rng):
    """Tiny diagonal entries (not zero): the solution grows to inf in float32, as TF's."""
    m = bands(rng, (2, 3, 12), np.float32, True)
    m[:, 0, :] = np.float32(1e-6)
    m[1, 0, 0] = 1
    b = random(rng, (2, 12, 2), np.float32)
    x = check(tf, solve(tf), [m, b], "tiny diagonal")
    assert np.isinf(x).any()


def test_threads_do_not_change_the_result(tf, rng):
    m = bands(rng, (64, 6, 100), np.float64, False)
    b = random(rng, (64, 100, 4), np.float64)
    model = convert_fn(solve(tf, False), (m.shape, tf.float64), (b.shape, tf.float64))
    expected = solve(tf, False)(m, b).numpy()
    for runtime in RUNTIMES:
        (two,) = run_tflite(model, [m, b], runtime, num_threads=2).values()
        assert_same_bits(two, expected, runtime)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_empty_inputs_are_errors_as_in_tf(tf, runtime):
    spec = ([None, None, None], tf.float32)
    model = convert_fn(solve(tf), spec, spec)
    cases = [
        ((0, 2, 3), (0, 3, 1), r"In\[0\] must not be an empty tensor"),
        ((2, 2, 3), (2, 3, 0), r"In\[1\] must not be an empty tensor"),
        ((2, 0, 3), (2, 3, 1), r"In\[0\] must not be an empty tensor"),
    ]
    for matrix, rhs, message in cases:
        inputs = [np.ones(matrix, np.float32), np.ones(rhs, np.float32)]
        with pytest.raises(tf.errors.InvalidArgumentError, match=message):
            solve(tf)(*inputs)
        with pytest.raises(RuntimeError, match=f"{OP}: {message}"):
            run_tflite(model, inputs, runtime)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_bad_shapes_are_rejected(tf, runtime):
    cases = [
        ((2, 2, 3), (4, 3, 1), r"In\[0\] and In\[1\] must have compatible batch dimensions"),
        ((2, 3), (4, 1), r"In\[0\] mismatch In\[1\] shape: 3 vs. 4"),
    ]
    for matrix, rhs, message in cases:
        spec = lambda s: ([None] * len(s), tf.float32)  # noqa: E731
        model = convert_fn(solve(tf), spec(matrix), spec(rhs))
        inputs = [2 * np.ones(matrix, np.float32), np.ones(rhs, np.float32)]
        with pytest.raises(RuntimeError, match=f"{OP}: {message}"):
            run_tflite(model, inputs, runtime)
        with pytest.raises(tf.errors.InvalidArgumentError, match=message):
            solve(tf)(*inputs)
    model = tflite_model.single_custom_op_model(
        OP,
        [("matrix", (3,), np.float32), ("rhs", (3, 1), np.float32)],
        [("output", (3, 1), np.float32)],
        options=bytes(flexbuffers.Dumps({"lower": True})),
    )
    with pytest.raises(RuntimeError, match=f"{OP}: input 'matrix' must have rank >= 2"):
        run_tflite(model, [np.ones(3, np.float32), np.ones((3, 1), np.float32)], runtime)
