"""MatrixSolveLs (tf.linalg.lstsq): opbridge's TFLite kernel vs TF's own.

TFLite has no kernel: opbridge.convert leaves CUSTOM "MatrixSolveLs" (l2_regularizer a double
input), which opbridge's kernel runs (ops/linalg/matrix_solve_ls.cc) with TF's Eigen expressions
(Cholesky of the normal equations, or Eigen's complete orthogonal decomposition). Every dtype
is compared bit for bit in both runtimes. tf.linalg.lstsq with fast=True runs a composite of
builtins for small inputs, so the tests call the op itself (tf.raw_ops), as lstsq does for
fast=False and for large batches.
"""

from __future__ import annotations

import numpy as np
import pytest

from conftest import RUNTIMES, convert_fn, registered_cpu_dtypes
from linalg_matrices import ALL_DTYPES, random
from opbridge import tflite_model
from opbridge.running import SignatureSession

OP = "MatrixSolveLs"
# (batch, m, n, k) of rank-3 inputs: over- and underdetermined, square, one column, Eigen's
# lazy (small) and blocked (large) products, and empties.
SHAPES = [
    (1, 1, 1, 1),
    (1, 3, 2, 1),
    (2, 5, 3, 4),
    (3, 3, 5, 2),
    (2, 6, 6, 3),
    (1, 70, 33, 5),
    (1, 24, 61, 3),
    (0, 3, 2, 1),  # no matrices
    (2, 3, 0, 2),  # no unknowns
    (2, 3, 2, 0),  # no right-hand sides
    (2, 0, 3, 2),  # no equations: TF leaves its output unwritten, we give the zero solution
]


def name(dtype) -> str:
    return np.dtype(dtype).name


def assert_same_bits(actual: np.ndarray, expected: np.ndarray, message: str) -> None:
    """Equal bits, except that NaN need only be NaN (its sign and payload are the CPU's choice)."""
    assert actual.dtype == expected.dtype and actual.shape == expected.shape, message
    a, e = actual, expected
    if np.iscomplexobj(a):
        a, e = a.view(a.real.dtype), e.view(e.real.dtype)
    np.testing.assert_array_equal(np.isnan(a), np.isnan(e), message)
    a, e = np.where(np.isnan(a), 0, a), np.where(np.isnan(e), 0, e)
    np.testing.assert_array_equal(a.view(np.uint8), e.view(np.uint8), message)


def lstsq(tf, fast: bool):
    return lambda a, b, l2: tf.raw_ops.MatrixSolveLs(matrix=a, rhs=b, l2_regularizer=l2, fast=fast)


def model_for(tf, dtype, fast: bool, rank: int = 3) -> bytes:
    """One model of unknown dims, fed every shape (the converter keeps the node)."""
    t = tf.as_dtype(dtype)
    model = convert_fn(lstsq(tf, fast), ([None] * rank, t), ([None] * rank, t), ((), tf.float64))
    assert tflite_model.custom_op_counts(model) == {OP: 1}
    return model


def sessions(model: bytes) -> list[tuple[str, SignatureSession]]:
    return [(runtime, SignatureSession(model, runtime)) for runtime in RUNTIMES]


def run(session: SignatureSession, inputs: list[np.ndarray]) -> np.ndarray:
    session.set_inputs(inputs)
    session.invoke()
    (out,) = session.outputs().values()
    return out


def rank_deficient(rng, batch: int, m: int, n: int, dtype) -> np.ndarray:
    """Rank min(m, n) - 1 (at least 1): column n-1 a combination of the others."""
    a = random(rng, (batch, m, n), dtype)
    if n > 1:
        a[..., -1] = a[..., 0] * 2 - a[..., 1 % (n - 1)]
    return a


def test_every_registered_dtype_is_declared(tf):
    assert registered_cpu_dtypes(OP) == {name(d) for d in ALL_DTYPES}


@pytest.mark.parametrize("fast", [True, False], ids=["fast", "cod"])
@pytest.mark.parametrize("dtype", ALL_DTYPES, ids=name)
def test_matches_tf_bitwise(tf, rng, dtype, fast):
    op = lstsq(tf, fast)
    runs = sessions(model_for(tf, dtype, fast))
    cases = []
    for batch, m, n, k in SHAPES:
        for l2 in (0.0, 0.75):
            cases.append((random(rng, (batch, m, n), dtype), random(rng, (batch, m, k), dtype), l2))
    # Scaled columns (a wide range of column norms: the COD's pivot order matters).
    a = random(rng, (3, 12, 7), dtype) * np.logspace(-3, 3, 7)
    cases.append((a.astype(dtype), random(rng, (3, 12, 2), dtype), 0.0))
    nan = random(rng, (2, 4, 3), dtype)
    nan[1, 2, 1] = np.nan
    cases.append((nan, random(rng, (2, 4, 2), dtype), 0.0))  # fast: NaN out; COD: TF's zeros
    if fast:
        # Regularized rank-deficient systems factor (the unregularized ones are errors, below).
        cases.append((rank_deficient(rng, 2, 6, 4, dtype), random(rng, (2, 6, 2), dtype), 0.5))
        cases.append((rank_deficient(rng, 2, 3, 5, dtype), random(rng, (2, 3, 2), dtype), 0.5))
    else:
        # Minimum-norm solutions of rank-deficient systems (the COD's reason to exist).
        for batch, m, n in [(2, 6, 4), (2, 3, 5), (1, 9, 9), (1, 4, 1)]:
            cases.append((rank_deficient(rng, batch, m, n, dtype), random(rng, (batch, m, 3), dtype), 0.0))
        cases.append((np.zeros((1, 3, 2), dtype), random(rng, (1, 3, 2), dtype), 0.0))
    for a, b, l2 in cases:
        message = f"{name(dtype)} fast={fast} {a.shape} {b.shape} l2={l2}"
        if a.shape[1] == 0:
            expected = np.zeros((a.shape[0], a.shape[2], b.shape[2]), dtype)
        else:
            expected = op(tf.constant(a), tf.constant(b), tf.constant(l2, tf.float64)).numpy()
        for runtime, session in runs:
            assert_same_bits(run(session, [a, b, np.float64(l2)]), expected, f"{message} {runtime}")


def test_ranks_two_and_four(tf, rng):
    """Batch dims of any rank, both paths, in one model."""

    def f(a2, b2, a4, b4, l2):
        return lstsq(tf, True)(a2, b2, l2), lstsq(tf, False)(a4, b4, l2)

    inputs = [
        random(rng, (7, 4), np.float64),
        random(rng, (7, 2), np.float64),
        random(rng, (2, 3, 4, 6), np.float64),
        random(rng, (2, 3, 4, 1), np.float64),
        np.float64(0.25),
    ]
    specs = [(x.shape, tf.float64) for x in inputs]
    model = convert_fn(f, *specs)
    assert tflite_model.custom_op_counts(model) == {OP: 2}
    expected = [t.numpy() for t in tf.function(f)(*[tf.constant(x) for x in inputs])]
    for runtime, session in sessions(model):
        session.set_inputs(inputs)
        session.invoke()
        got = list(session.outputs().values())
        for g, e in zip(sorted(got, key=np.shape), sorted(expected, key=np.shape), strict=True):
            assert_same_bits(g, e, runtime)


def test_errors_as_in_tf(tf, rng):
    """TF's messages, from the kernel (values) and the shape rule (dims of a dynamic model)."""
    op = lstsq(tf, True)
    runs = sessions(model_for(tf, np.float32, True))
    f32 = lambda *s: random(rng, s, np.float32)  # noqa: E731
    # A zero column (row) makes the Gramian exactly singular: a zero pivot, whatever the rounding.
    deficient_over, deficient_under = f32(3, 5, 3), f32(3, 3, 5)
    deficient_over[1:, :, 1] = 0  # the first failing matrix is 1
    deficient_under[:, 2, :] = 0
    advice = r"Input matrix was rank deficient or ill-conditioned\. Try setting fast=False or provide "
    cases = [
        ([deficient_over, f32(3, 5, 1), 0.0], advice + r"a larger l2_regularizer > 0\.", r"matrix 1 of 3"),
        ([deficient_under, f32(3, 3, 2), 0.0], advice + r"an l2_regularizer > 0\.", r"matrix 0 of 3"),
        ([f32(2, 3, 2), f32(2, 3, 1), -1.0], r"l2_regularizer must be >= 0\.", ""),
        ([f32(2, 3, 2), f32(2, 3, 1), np.nan], r"l2_regularizer must be >= 0\.", ""),
        ([f32(2, 3, 2), f32(2, 4, 1), 0.0], r"Input matrix and rhs are incompatible\.", ""),
        ([f32(2, 3, 2), f32(3, 3, 1), 0.0], r"All input tensors must have the same outer dimensions\.", ""),
    ]
    for inputs, message, where in cases:
        with pytest.raises(tf.errors.InvalidArgumentError, match=message):
            op(*[tf.constant(x) for x in inputs[:2]], tf.constant(inputs[2], tf.float64))
        for _, session in runs:
            with pytest.raises(RuntimeError, match=f"MatrixSolveLs: {message}.*{where}"):
                run(session, [inputs[0], inputs[1], np.float64(inputs[2])])
    # No matrices: TF checks l2 per matrix, so a negative one passes.
    empty = [np.zeros((0, 3, 2), np.float32), np.zeros((0, 3, 1), np.float32), np.float64(-1)]
    assert op(*[tf.constant(x) for x in empty]).shape == (0, 2, 1)
    for _, session in runs:
        assert run(session, empty).shape == (0, 2, 1)
    # Ranks: TF's graph refuses them; a hand-made model gets TF's kernel's messages.
    model = tflite_model.single_custom_op_model(
        OP,
        [("matrix", (3, 2), np.float32), ("rhs", (2, 3, 1), np.float32), ("l2_regularizer", (), np.float64)],
        [("output", (2, 1), np.float32)],
    )
    for runtime in RUNTIMES:
        with pytest.raises(RuntimeError, match=r"MatrixSolveLs: All input tensors must have the same rank\."):
            run(SignatureSession(model, runtime), [f32(3, 2), f32(2, 3, 1), np.float64(0)])
