"""TridiagonalSolve (tf.linalg.tridiagonal_solve): opbridge's TFLite kernel vs TF's own.

TFLite has no kernel: opbridge.convert leaves CUSTOM "TridiagonalSolve", which opbridge's kernel
runs (ops/linalg/tridiagonal_solve.cc). Every dtype is compared bit for bit: the kernel does TF's
operations in TF's order (partial pivoting, Thomas, perturbed pivots), complex rows divided as
Eigen's packets divide them and complex scalars as TF's std::complex division (Smith's algorithm
in the type's own precision).
"""

from __future__ import annotations

import numpy as np
import pytest
from flatbuffers import flexbuffers

from conftest import RUNTIMES, convert_fn, registered_cpu_dtypes
from linalg_matrices import ALL_DTYPES, FLOATS, random
from opbridge import tflite_model
from opbridge.testing import run_tflite

OP = "TridiagonalSolve"
MODES = {
    "pivoting": {"partial_pivoting": True},
    "thomas": {"partial_pivoting": False},
    "perturb": {"partial_pivoting": True, "perturb_singular": True},
}
# (diagonals shape, rhs shape): the op itself needs the same batch dims (no broadcasting).
SHAPES = [
    ((3, 1), (1, 1)),
    ((3, 1), (1, 4)),
    ((3, 2), (2, 1)),
    ((3, 3), (3, 2)),
    ((3, 5), (5, 3)),
    ((3, 40), (40, 8)),
    ((3, 200), (200, 1)),
    ((4, 3, 6), (4, 6, 2)),
    ((2, 3, 3, 7), (2, 3, 7, 5)),
    ((0, 3, 4), (0, 4, 2)),  # no systems
    ((3, 0), (0, 2)),  # no equations
    ((2, 3, 4), (2, 4, 0)),  # no right-hand sides
]


def name(dtype) -> str:
    return np.dtype(dtype).name


def real_view(x: np.ndarray) -> np.ndarray:
    return x.view(x.real.dtype) if np.iscomplexobj(x) else x


def assert_same_bits(actual: np.ndarray, expected: np.ndarray, message: str) -> None:
    """Equal bits, except that NaN need only be NaN (its sign and payload are the CPU's choice)."""
    assert actual.dtype == expected.dtype and actual.shape == expected.shape, message
    a, e = real_view(actual), real_view(expected)
    np.testing.assert_array_equal(np.isnan(a), np.isnan(e), message)
    a, e = np.where(np.isnan(a), 0, a), np.where(np.isnan(e), 0, e)
    np.testing.assert_array_equal(a.view(np.uint8), e.view(np.uint8), message)


def check(tf, fn, inputs, message, ops=(OP,), expected=None):
    """TF's result (or `expected`) vs the converted model's in both LiteRT runtimes, inputs fed
    by index."""
    # Empty inputs of static shapes fold to a constant: unknown dims keep the node.
    dynamic = any(a.size == 0 for a in inputs)
    specs = [([None] * a.ndim if dynamic else a.shape, tf.as_dtype(a.dtype)) for a in inputs]
    if expected is None:
        expected = tf.function(fn)(*[tf.constant(a) for a in inputs]).numpy()
    model = convert_fn(fn, *specs)
    counts = tflite_model.custom_op_counts(model)
    assert all(counts.get(op) == 1 for op in ops), counts  # left custom, and run by opbridge's kernel
    for runtime in RUNTIMES:
        (actual,) = run_tflite(model, inputs, runtime).values()
        assert_same_bits(actual, expected, f"{message} {runtime}")
    return expected


def solve(tf, **attrs):
    return lambda d, r: tf.linalg.tridiagonal_solve(d, r, **attrs)


def systems(rng, shape, dtype, dominance: float = 0.0) -> np.ndarray:
    """Random diagonals; `dominance` added to the diagonal (0: pivoting matters)."""
    d = random(rng, shape, dtype)
    d[..., 1, :] += np.asarray(dominance, d.dtype)
    return d


def test_every_registered_dtype_is_declared(tf):
    registered = registered_cpu_dtypes(OP)
    assert registered == {name(d) for d in ALL_DTYPES}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=name)
def test_matches_tf(tf, rng, dtype, mode):
    for diag_shape, rhs_shape in SHAPES:
        # Thomas without pivoting on random systems divides by tiny pivots: dominant diagonals.
        dominance = 4.0 if mode == "thomas" else 0.0
        d = systems(rng, diag_shape, dtype, dominance)
        b = random(rng, rhs_shape, dtype)
        # TF's perturbed solve crashes on zero right-hand sides (a pivot below 1 takes the max of
        # the empty row: a null read); the answer is the empty solution, which we give.
        empty = np.zeros(rhs_shape, dtype) if mode == "perturb" and rhs_shape[-1] == 0 else None
        message = f"{name(dtype)} {mode} {diag_shape} {rhs_shape}"
        check(tf, solve(tf, **MODES[mode]), [d, b], message, expected=empty)


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=name)
def test_random_systems_pivot_both_ways(tf, rng, dtype):
    """Unscaled random diagonals: rows are interchanged at about half the steps, and the
    perturbed solver's scale tests take both branches."""
    d = random(rng, (16, 3, 64), dtype)
    b = random(rng, (16, 64, 3), dtype)
    swaps = np.abs(d[:, 2, 1:]) > np.abs(d[:, 1, :-1])
    assert 0.2 < swaps.mean() < 0.8
    for mode in ("pivoting", "perturb"):
        check(tf, solve(tf, **MODES[mode]), [d, b], f"{name(dtype)} {mode}")


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=name)
def test_singular_systems_fill_as_tf(tf, rng, dtype):
    """TF's CPU kernel does not fail on a zero pivot: it logs a warning and fills that system's
    solution with numeric_limits<T>::quiet_NaN(), NaN for float and double but 0 for complex (no
    specialization). The other systems of the batch are solved."""
    d = systems(rng, (5, 3, 4), dtype, 4.0)
    d[1] = 0  # all zero: the first pivot is zero
    d[2, 1, :] = 0  # zero diagonal: Thomas fails at once, pivoting swaps and then fails
    d[2, 2, 1:] = 1
    d[2, 0, :-1] = 1
    d[3, :, :] = [[1, 0, 1, 0], [1, 1, 1, 1], [0, 1, 1, 1]]  # rows 0 and 1 equal: singular
    d[4, :, :] = [[1, 0, 0, 0], [0, 1, 1, 1], [0, 1, 0, 0]]  # needs pivoting, then solvable
    b = random(rng, (5, 4, 2), dtype)
    for mode in ("pivoting", "thomas"):
        x = check(tf, solve(tf, **MODES[mode]), [d, b], f"{name(dtype)} {mode}")
        fill = 0 if np.issubdtype(dtype, np.complexfloating) else np.nan
        np.testing.assert_array_equal(x[1], np.full((4, 2), fill, dtype))
        np.testing.assert_array_equal(x[3], np.full((4, 2), fill, dtype))
        assert np.isfinite(x[0]).all() and (x[0] != 0).all()
        if mode == "thomas":  # a zero first pivot: Thomas cannot swap rows
            np.testing.assert_array_equal(x[4], np.full((4, 2), fill, dtype))
        else:
            assert np.isfinite(x[4]).all() and (x[4] != 0).any()


@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=name)
def test_perturb_singular_solves_singular_and_near_singular_systems(tf, rng, dtype):
    """perturb_singular moves tiny pivots by eps * max|U| (or scales the row) instead of failing:
    the singular systems get large finite solutions, as TF's."""
    tiny = np.finfo(dtype).tiny
    d = systems(rng, (8, 3, 5), dtype, 4.0)
    d[1] = 0
    d[2, :, :] = [[1, 1, 1, 1, 0], [1, 1, 1, 1, 1], [0, 1, 1, 1, 1]]
    d[3, 1, 2] = 0
    d[4] = d[4] * 1e-3  # small pivots: perturbed only when a row would overflow
    d[5, 1, :] = tiny * 4  # pivots just above the safe minimum
    d[5, 0, :] = d[5, 2, :] = 0
    d[6, 1, :] = 1e-30 if dtype in (np.float32, np.complex64) else 1e-300
    d[6, 0, :] = d[6, 2, :] = 0
    d[7, 1, 0] = 1e-7
    b = random(rng, (8, 5, 3), dtype)
    b[6] *= 1e20  # rows that would overflow against their tiny pivots
    x = check(tf, solve(tf, **MODES["perturb"]), [d, b], f"{name(dtype)} perturb")
    assert np.isfinite(x[[0, 1, 2, 3, 4, 7]]).all()


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("dtype", FLOATS, ids=name)
def test_nan_and_inf_inputs(tf, rng, dtype, mode):
    d = systems(rng, (4, 3, 6), dtype, 4.0)
    b = random(rng, (4, 6, 3), dtype)
    d[0, 1, 2] = np.nan
    d[1, 0, 3] = np.inf
    b[2, 4, 1] = np.nan
    b[3, 0, 0] = -np.inf
    check(tf, solve(tf, **MODES[mode]), [d, b], f"{name(dtype)} {mode}")


@pytest.mark.parametrize("dtype", [np.float32, np.complex128], ids=name)
def test_other_formats_and_rhs_options_convert_before_the_op(tf, rng, dtype):
    """'sequence' and 'matrix' diagonals, a vector rhs, transpose_rhs and conjugate_rhs are Python
    around the op: the model holds the same TridiagonalSolve node."""
    d = systems(rng, (2, 3, 6), dtype, 4.0)
    full = np.zeros((2, 6, 6), dtype)
    rows = np.arange(6)
    full[:, rows, rows] = d[:, 1]
    full[:, rows[:-1], rows[1:]] = d[:, 0, :-1]
    full[:, rows[1:], rows[:-1]] = d[:, 2, 1:]
    b = random(rng, (2, 6, 4), dtype)
    vector = random(rng, (2, 6), dtype)
    check(tf, lambda m, r: tf.linalg.tridiagonal_solve(m, r, diagonals_format="matrix"), [full, b], "matrix")
    check(
        tf,
        lambda u, m, s, r: tf.linalg.tridiagonal_solve((u, m, s), r, diagonals_format="sequence"),
        [d[:, 0], d[:, 1], d[:, 2], b],
        "sequence",
    )
    check(tf, lambda m, r: tf.linalg.tridiagonal_solve(m, r), [d, vector], "vector rhs")
    bt = np.ascontiguousarray(np.swapaxes(b, -1, -2))
    check(tf, lambda m, r: tf.linalg.tridiagonal_solve(m, r, transpose_rhs=True), [d, bt], "transpose_rhs")
    check(tf, lambda m, r: tf.linalg.tridiagonal_solve(m, r, conjugate_rhs=True), [d, b], "conjugate_rhs")


def test_threads_do_not_change_the_result(tf, rng):
    d = random(rng, (64, 3, 100), np.float64)
    b = random(rng, (64, 100, 4), np.float64)
    model = convert_fn(solve(tf), (d.shape, tf.float64), (b.shape, tf.float64))
    expected = solve(tf)(tf.constant(d), tf.constant(b)).numpy()
    for runtime in RUNTIMES:
        (two,) = run_tflite(model, [d, b], runtime, num_threads=2).values()
        assert_same_bits(two, expected, runtime)


def one_node(diagonals_shape, rhs_shape, options: dict) -> bytes:
    return tflite_model.single_custom_op_model(
        OP,
        [("diagonals", diagonals_shape, np.float32), ("rhs", rhs_shape, np.float32)],
        [("output", rhs_shape, np.float32)],
        options=bytes(flexbuffers.Dumps(options)),
    )


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_bad_shapes_are_rejected(tf, runtime):
    cases = [
        ((4, 5), (5, 2), r"Expected diagonals to be provided as a matrix with 3 rows, got 4 rows"),
        ((3, 5), (4, 2), r"Expected the same number of left-hand sides and right-hand sides, got 5 and 4"),
        ((2, 3, 5), (3, 5, 2), r"All input tensors must have the same outer dimensions"),
    ]
    for diagonals, rhs, message in cases:
        spec = lambda s: ([None] * len(s), tf.float32)  # noqa: E731
        model = convert_fn(tf.linalg.tridiagonal_solve, spec(diagonals), spec(rhs))
        inputs = [np.ones(diagonals, np.float32), np.ones(rhs, np.float32)]
        with pytest.raises(RuntimeError, match=f"{OP}: {message}"):
            run_tflite(model, inputs, runtime)
        with pytest.raises(tf.errors.InvalidArgumentError):
            tf.raw_ops.TridiagonalSolve(diagonals=inputs[0], rhs=inputs[1])


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_hand_made_models_are_checked(tf, runtime):
    """A rank mismatch (TF's graph refuses it) and perturb_singular without partial_pivoting (TF's
    kernel constructor refuses it) are errors naming the op, not crashes."""
    with pytest.raises(tf.errors.InvalidArgumentError, match="perturb_singular requires"):
        tf.raw_ops.TridiagonalSolve(
            diagonals=np.ones((3, 2), np.float32),
            rhs=np.ones((2, 1), np.float32),
            partial_pivoting=False,
            perturb_singular=True,
        )
    model = one_node((3, 2), (2, 1), {"partial_pivoting": False, "perturb_singular": True})
    with pytest.raises(
        RuntimeError, match=f"{OP}: .*Setting perturb_singular requires also setting partial_pivoting"
    ):
        run_tflite(model, [np.ones((3, 2), np.float32), np.ones((2, 1), np.float32)], runtime)
    model = one_node((2, 3, 2), (2, 1), {})
    with pytest.raises(RuntimeError, match=f"{OP}: All input tensors must have the same rank"):
        run_tflite(model, [np.ones((2, 3, 2), np.float32), np.ones((2, 1), np.float32)], runtime)
    model = one_node((3,), (3, 1), {})
    with pytest.raises(RuntimeError, match=f"{OP}: input 'diagonals' must have rank >= 2"):
        run_tflite(model, [np.ones((3,), np.float32), np.ones((3, 1), np.float32)], runtime)
