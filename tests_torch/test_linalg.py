"""torch.linalg on opbridge's kernels: torch eager vs the converted model in LiteRT.

One model per case family: a module takes several inputs (batch ranks 0..3,
sizes 1..32, an empty batch) and applies the op to each, so a conversion
covers many shapes. Matrices are built well conditioned (their condition number
is bounded), so float32 results are compared at 1e-5, float64 at 1e-10.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pytest
import torch

import opbridge
from conftest import module
from opbridge import testing, tflite_model
from opbridge.running import run_tflite
from opbridge.torch import aten_linalg

F32 = {"rtol": 1e-5, "atol": 1e-5}
F64 = {"rtol": 1e-10, "atol": 1e-10, "enable_x64": True}

# Batch ranks 0..3, sizes 1..32, and an empty batch.
SQUARE = [(1, 1), (3, 3), (2, 5, 5), (2, 1, 3, 4, 4), (32, 32), (0, 4, 4)]


def well_conditioned(*shape: int, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """A random square matrix with singular values in about [1, 3]."""
    n = shape[-1]
    return (torch.randn(*shape, dtype=torch.float64) / (2 * n**0.5) + 2 * torch.eye(n)).to(dtype)


def spd(*shape: int, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """A random symmetric positive definite matrix with eigenvalues in about [1, 4]."""
    a = torch.randn(*shape, dtype=torch.float64) / (2 * shape[-1] ** 0.5)
    return (a @ a.mT + torch.eye(shape[-1])).to(dtype)


def each(fn: Callable[[torch.Tensor], object]) -> torch.nn.Module:
    """A module applying `fn` to each of its inputs (one model for many shapes)."""
    return module(lambda *xs: tuple(fn(x) for x in xs))


def parity(
    m: torch.nn.Module, inputs: Sequence[torch.Tensor], expected_custom: dict[str, int], **tol: object
) -> bytes:
    model = testing.assert_parity(m, inputs, **tol)  # type: ignore[arg-type]
    assert tflite_model.custom_op_counts(model) == expected_custom
    return model


def litert(m: torch.nn.Module, inputs: Sequence[torch.Tensor], **options: object) -> list[np.ndarray]:
    """The converted model's outputs (for cases compared by invariants, not element by element)."""
    model = opbridge.convert(m, sample_inputs=tuple(inputs), **options)
    out = run_tflite(model, [x.numpy() for x in inputs])
    return [out[k] for k in sorted(out, key=lambda name: int(name.rsplit("_", 1)[-1]))]


# --- inv -----------------------------------------------------------------------------------------


def test_inv_and_inverse_over_shapes() -> None:
    xs = [well_conditioned(*s) for s in SQUARE]
    parity(
        module(lambda *xs: (*(torch.linalg.inv(x) for x in xs), torch.inverse(xs[1]))),
        xs,
        {"MatrixInverse": len(xs) + 1},
        **F32,
    )


def test_inv_singular_fails_at_invoke_as_torch_raises() -> None:
    # torch raises (linalg.inv: ... singular); TF's kernel refuses an exactly-zero pivot, so the
    # converted model's invoke fails instead of returning inf.
    singular = torch.tensor([[1.0, 2.0], [2.0, 4.0]])
    with pytest.raises(RuntimeError, match="singular"):
        torch.linalg.inv(singular)
    model = opbridge.convert(module(torch.linalg.inv), sample_inputs=(torch.eye(2),))
    with pytest.raises(RuntimeError, match="not invertible"):
        run_tflite(model, [singular.numpy()])


def test_inv_nan_gives_nan_as_torch() -> None:
    x = well_conditioned(2, 3, 3)
    x[1, 1, 2] = float("nan")
    parity(module(torch.linalg.inv), [x], {"MatrixInverse": 1}, **F32)


# --- cholesky ------------------------------------------------------------------------------------


def _junk_above(a: torch.Tensor) -> torch.Tensor:
    return a.tril() + torch.full_like(a, 77.0).triu(1)


def _junk_below(a: torch.Tensor) -> torch.Tensor:
    return a.triu() + torch.full_like(a, -55.0).tril(-1)


def test_cholesky_lower_and_upper_read_their_own_triangle() -> None:
    # torch (LAPACK potrf) reads only the triangle it returns, so does Opbridge>CholeskyEx (potrf's
    # uplo). The other triangle holds junk to show it.
    shapes = [(1, 1), (3, 3), (2, 6, 6), (2, 1, 2, 4, 4), (32, 32), (0, 3, 3)]
    lows = [_junk_above(spd(*s)) for s in shapes]
    ups = [_junk_below(spd(*s)) for s in shapes]
    n = len(shapes)

    def fn(*xs: torch.Tensor) -> tuple[torch.Tensor, ...]:
        lower = [torch.linalg.cholesky(x) for x in xs[:n]]
        upper = [torch.linalg.cholesky(x, upper=True) for x in xs[n:]]
        return (*lower, *upper, torch.cholesky(xs[1]), torch.cholesky(xs[n + 2], upper=True))

    parity(module(fn), lows + ups, {"Opbridge>CholeskyEx": 2 * n + 2}, **F32)


def test_cholesky_not_positive_definite_fails_the_invoke_as_torch_raises() -> None:
    # torch raises for any matrix of the batch that is not positive-definite; the converted model's
    # invoke fails with torch's message (both triangles), and factors a good batch as torch.
    x = torch.stack([spd(4, 4), -torch.eye(4)])
    fn = module(lambda a: (torch.linalg.cholesky(a), torch.linalg.cholesky(a, upper=True)))
    with pytest.raises(RuntimeError, match="positive-definite"):
        fn(x)
    model = opbridge.convert(fn, sample_inputs=(x[:1],))
    with pytest.raises(
        RuntimeError, match=r"Batch element 0.*leading minor of order 1 is not positive-definite"
    ):
        run_tflite(model, [x[1:].numpy()])
    lower, upper = run_tflite(model, [x[:1].numpy()]).values()
    good = torch.linalg.cholesky(x[:1])
    # Within rounding: potrf's order of operations, not torch's LAPACK build's (1 ulp measured).
    np.testing.assert_allclose(lower, good.numpy(), **F32)
    np.testing.assert_allclose(upper, good.mT.numpy(), **F32)


# --- solve ---------------------------------------------------------------------------------------

# (A shape, B shape, left): torch's vector rule (B 1-D, or B.shape == A.shape[:-1]), matrices,
# batch broadcasting either way, left=False.
SOLVE_CASES = [
    ((4, 4), (4,), True),  # vector
    ((2, 3, 5, 5), (5,), True),  # 1-D B broadcast over A's batch
    ((2, 5, 5), (2, 5), True),  # B.shape == A.shape[:-1]: a batch of vectors
    ((3, 3, 3), (3, 3), True),  # the same rule: [3, 3] is a batch of 3 vectors here, not a matrix
    ((5, 5), (5, 2), True),  # matrix
    ((2, 1, 4, 4), (3, 4, 2), True),  # batch broadcast both ways -> [2, 3, 4, 2]
    ((4, 4), (2, 3, 4, 1), True),  # A broadcast over B's batch
    ((1, 1), (1, 1), True),
    ((32, 32), (32, 7), True),
    ((0, 4, 4), (0, 4, 2), True),  # empty batch
    ((2, 4, 4), (3, 4), False),  # X A = B
    ((2, 1, 4, 4), (3, 2, 4), False),  # X A = B with broadcasting
    ((3, 3), (2, 3, 3), False),
]


def test_solve_vector_rule_broadcasting_and_left() -> None:
    inputs: list[torch.Tensor] = []
    for a_shape, b_shape, _ in SOLVE_CASES:
        inputs += [well_conditioned(*a_shape), torch.randn(*b_shape)]

    def fn(*xs: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return tuple(
            torch.linalg.solve(xs[2 * k], xs[2 * k + 1], left=left)
            for k, (_, _, left) in enumerate(SOLVE_CASES)
        )

    parity(module(fn), inputs, {"MatrixSolve": len(SOLVE_CASES)}, **F32)


def test_solve_singular_fails_at_invoke_as_torch_raises() -> None:
    singular = torch.tensor([[1.0, 2.0], [2.0, 4.0]])
    b = torch.ones(2)
    with pytest.raises(RuntimeError, match="singular"):
        torch.linalg.solve(singular, b)
    model = opbridge.convert(module(torch.linalg.solve), sample_inputs=(torch.eye(2), b))
    with pytest.raises(RuntimeError, match="not invertible"):
        run_tflite(model, [singular.numpy(), b.numpy()])


# --- solve_triangular / triangular_solve ---------------------------------------------------------


def test_solve_triangular_every_upper_left_unitriangular() -> None:
    # Junk in the unused triangle (and, for unitriangular, on the diagonal, NaN included) shows
    # only what torch reads is read.
    cases = [(u, lf, t) for u in (False, True) for lf in (False, True) for t in (False, True)]
    inputs: list[torch.Tensor] = []
    for k, (upper, left, unit) in enumerate(cases):
        a = well_conditioned(2, 1, 4, 4) if k % 2 else well_conditioned(4, 4)
        a = _junk_below(a) if upper else _junk_above(a)
        if unit:
            a = a.clone()
            a.diagonal(dim1=-2, dim2=-1).fill_(float("nan"))
        b = torch.randn(3, 4, 2) if left else torch.randn(3, 2, 4)
        inputs += [a, b]

    def fn(*xs: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return tuple(
            torch.linalg.solve_triangular(xs[2 * k], xs[2 * k + 1], upper=u, left=lf, unitriangular=t)
            for k, (u, lf, t) in enumerate(cases)
        )

    parity(module(fn), inputs, {"MatrixTriangularSolve": len(cases)}, **F32)


def test_solve_triangular_shapes_and_zero_diagonal() -> None:
    # torch does not check the diagonal: a zero gives inf/NaN, as TF's kernel.
    zero = torch.triu(well_conditioned(3, 3))
    zero[1, 1] = 0.0
    pairs = [(torch.tril(well_conditioned(1, 1)), torch.randn(1, 3)), (zero, torch.randn(3, 2))]
    pairs += [(torch.tril(well_conditioned(32, 32)), torch.randn(32, 5))]
    pairs += [(torch.tril(well_conditioned(0, 4, 4)), torch.randn(0, 4, 1))]
    inputs = [t for p in pairs for t in p]
    uppers = [False, True, False, False]
    fn = module(
        lambda *xs: tuple(
            torch.linalg.solve_triangular(xs[2 * k], xs[2 * k + 1], upper=u) for k, u in enumerate(uppers)
        )
    )
    expected = fn(*inputs)
    assert not torch.isfinite(expected[1]).all()
    parity(fn, inputs, {"MatrixTriangularSolve": 4}, **F32)


def test_triangular_solve_legacy() -> None:
    cases = [(u, t, unit) for u in (False, True) for t in (False, True) for unit in (False, True)]
    inputs: list[torch.Tensor] = []
    for upper, _, _ in cases:
        a = well_conditioned(2, 1, 4, 4)
        inputs += [_junk_below(a) if upper else _junk_above(a), torch.randn(3, 4, 2)]

    def fn(*xs: torch.Tensor) -> tuple[torch.Tensor, ...]:
        out: list[torch.Tensor] = []
        for k, (u, t, unit) in enumerate(cases):
            x, m = torch.triangular_solve(xs[2 * k + 1], xs[2 * k], upper=u, transpose=t, unitriangular=unit)
            out += [x, m]
        return tuple(out)

    parity(module(fn), inputs, {"MatrixTriangularSolve": len(cases)}, **F32)


# --- det, slogdet, logdet ------------------------------------------------------------------------


def _det_inputs(dtype: torch.dtype = torch.float32) -> list[torch.Tensor]:
    xs = [torch.randn(*s, dtype=dtype) for s in SQUARE]
    special = torch.randn(5, 3, 3, dtype=dtype)
    # Singular in any elimination order: a zero column. (Proportional rows were singular only up
    # to the reference's rounding: torch's LAPACK on an Intel Xeon host found a pivot of 1e-7.)
    special[0] = torch.tensor([[1.0, 0.0, 3.0], [2.0, 0.0, 6.0], [0.0, 0.0, 1.0]])
    special[1] = torch.tensor([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 0.0]])  # singular
    special[2, 1, 1] = float("nan")
    special[3] = -torch.eye(3)  # negative determinant: logdet NaN
    return [*xs, special]


def test_det_slogdet_logdet() -> None:
    # Singular: det 0, slogdet (0, -inf), logdet -inf. NaN: det NaN, slogdet (0, NaN) -- torch's
    # sign is sgn(NaN) = 0 where TF's kernel gives NaN, the rewrite fixes it -- logdet NaN.
    xs = _det_inputs()

    def fn(*xs: torch.Tensor) -> tuple[torch.Tensor, ...]:
        out: list[torch.Tensor] = []
        for x in xs:
            out += [torch.linalg.det(x), *torch.linalg.slogdet(x), torch.logdet(x)]
        return (*out, torch.det(xs[2]), *torch.slogdet(xs[2]))

    parity(module(fn), xs, {"MatrixDeterminant": 8, "LogMatrixDeterminant": 15}, **F32)


# --- qr ------------------------------------------------------------------------------------------

QR_SHAPES = [(1, 1), (6, 3), (3, 6), (2, 1, 3, 4, 4), (32, 32), (0, 4, 3)]


def test_qr_every_mode_matches_torch_directly() -> None:
    # Q and R are unique only up to the signs of R's diagonal. Both torch (LAPACK geqrf) and TF's
    # kernel (Eigen HouseholderQR) use Householder reflections with the same sign rule
    # (beta = -sign(alpha) * norm, no reflection when the column below is zero), so the signs are
    # the same and Q, R compare directly; the reconstruction is checked as well.
    xs = [torch.randn(*s) for s in QR_SHAPES]

    def fn(*xs: torch.Tensor) -> tuple[torch.Tensor, ...]:
        out: list[torch.Tensor] = []
        for x in xs:
            q, r = torch.linalg.qr(x)
            qc, rc = torch.linalg.qr(x, mode="complete")
            _, rr = torch.linalg.qr(x, mode="r")
            out += [q, r, qc, rc, rr, q @ r - x, qc.mT @ qc]
        return (*out, torch.linalg.qr(xs[2], mode="r")[0])

    parity(module(fn), xs, {"Qr": 3 * len(xs)}, **F32)  # the last Q needs no kernel


# --- svd -----------------------------------------------------------------------------------------


def _separated(*shape: int) -> torch.Tensor:
    """A random matrix with singular values 1, 2, ..., k (well separated: vectors are defined up to
    sign to within eps * |A| / gap)."""
    m, n = shape[-2], shape[-1]
    k = min(m, n)
    u = torch.linalg.qr(torch.randn(*shape[:-2], m, m, dtype=torch.float64))[0][..., :k]
    v = torch.linalg.qr(torch.randn(*shape[:-2], n, n, dtype=torch.float64))[0][..., :k]
    s = torch.arange(1, k + 1, dtype=torch.float64)
    return ((u * s.unsqueeze(-2)) @ v.mT).float()


SVD_SHAPES = [(1, 1), (6, 3), (3, 6), (2, 1, 3, 4, 4), (24, 20), (0, 4, 3)]


def test_svd_values_directly_vectors_by_invariants() -> None:
    # Singular values are unique and compare directly. Each singular vector pair is unique only up
    # to a common sign (torch: LAPACK gesdd; TF's kernel: Eigen's BDCSVD/Jacobi, whose signs
    # differ), and with full_matrices the columns past k only span a subspace. So vectors are
    # compared by what is unique: |U[:, :k]|, |Vh[:k]| (distinct singular values), U S Vh, and
    # orthonormality of U and Vh.
    xs = [_separated(*s) for s in SVD_SHAPES]

    def fn(*xs: torch.Tensor) -> tuple[torch.Tensor, ...]:
        out: list[torch.Tensor] = []
        for x in xs:
            k = min(x.shape[-2:])
            for full in (False, True):
                u, s, vh = torch.linalg.svd(x, full_matrices=full)
                out += [s, u[..., :k].abs(), vh[..., :k, :].abs()]
                out += [(u[..., :k] * s.unsqueeze(-2)) @ vh[..., :k, :], u.mT @ u, vh @ vh.mT]
            out.append(torch.linalg.svdvals(x))
        u, s, v = torch.svd(xs[2])
        u2, s2, _ = torch.svd(xs[3], some=False)
        zu, zs, zv = torch.svd(xs[2], compute_uv=False)
        return (*out, u.abs(), s, v.abs(), (u * s.unsqueeze(-2)) @ v.mT, u2.mT @ u2, s2, zu, zs, zv)

    parity(module(fn), xs, {"Svd": 3 * len(xs) + 3}, **F32)


def test_svd_nan_gives_nan_where_torch_raises() -> None:
    # torch raises (linalg.svd: ... non-finite values); TF's kernel returns NaN for s, U and V.
    x = torch.randn(2, 3, 3)
    x[1, 0, 0] = float("nan")
    with pytest.raises(RuntimeError, match="non-finite"):
        torch.linalg.svd(x)
    u, s, vh = litert(module(torch.linalg.svd), [x])
    np.testing.assert_allclose(s[0], torch.linalg.svdvals(x[0]).numpy(), rtol=1e-5)
    assert np.isnan(s[1]).all() and np.isnan(u[1]).all() and np.isnan(vh[1]).all()


# --- eigh ----------------------------------------------------------------------------------------


def _separated_symmetric(*shape: int) -> torch.Tensor:
    """A random symmetric matrix with eigenvalues -n/2 .. n/2 (distinct, gaps of 1)."""
    n = shape[-1]
    q = torch.linalg.qr(torch.randn(*shape, dtype=torch.float64))[0]
    e = torch.arange(n, dtype=torch.float64) - n / 2
    return ((q * e.unsqueeze(-2)) @ q.mT).float()


def test_eigh_eigvalsh_both_uplo() -> None:
    # Eigenvalues compare directly. Eigenvectors are unique up to sign (distinct eigenvalues), and
    # LAPACK's syevd and Eigen's solver pick different signs: compared as |V|, V diag(e) V^T (the
    # Hermitian matrix read from the chosen triangle) and V^T V. For UPLO='U' the rewrite passes
    # A^T (TF's kernel reads the lower triangle); junk in the unused triangle shows what is read.
    shapes = [(1, 1), (2, 5, 5), (2, 1, 3, 4, 4), (24, 24), (0, 3, 3)]
    lows = [_junk_above(_separated_symmetric(*s)) for s in shapes]
    ups = [_junk_below(_separated_symmetric(*s)) for s in [(4, 4), (2, 1, 3, 5, 5)]]
    n = len(shapes)

    def fn(*xs: torch.Tensor) -> tuple[torch.Tensor, ...]:
        out: list[torch.Tensor] = []
        for k, x in enumerate(xs):
            uplo = "L" if k < n else "U"
            e, v = torch.linalg.eigh(x, UPLO=uplo)
            out += [e, v.abs(), (v * e.unsqueeze(-2)) @ v.mT, v.mT @ v, torch.linalg.eigvalsh(x, UPLO=uplo)]
        return tuple(out)

    parity(module(fn), lows + ups, {"SelfAdjointEigV2": 2 * len(lows + ups)}, **F32)


def test_eigh_nan_fails_at_invoke() -> None:
    # torch's result for non-finite input is whatever LAPACK's syevd does: measured, it raises
    # (failed to converge) for some matrices, returns NaN for others, and for NaN at [0, 0] of a
    # diagonal matrix eigvalsh returns finite values. TF's kernel checks the solver's status: the
    # converted model's invoke fails, naming the matrix.
    x = torch.eye(3)
    x[2, 1] = float("nan")
    model = opbridge.convert(module(torch.linalg.eigh), sample_inputs=(torch.eye(3),))
    with pytest.raises(RuntimeError, match="not successful"):
        run_tflite(model, [x.numpy()])


# --- matrix_power, pinv -------------------------------------------------------------------------


def test_matrix_power_every_sign_of_n() -> None:
    # litert-torch lowers n > 0 alone but not n < 0 (inverse) or n = 0 (torch.eye's iota); the
    # rewrite multiplies in torch's order (binary decomposition of |n|).
    powers = [-5, -2, -1, 0, 1, 2, 3, 6]
    x, empty = well_conditioned(2, 1, 3, 3), well_conditioned(0, 2, 2)

    def fn(x: torch.Tensor, empty: torch.Tensor) -> tuple[torch.Tensor, ...]:
        powered = [torch.linalg.matrix_power(x, n) for n in powers]
        return (*powered, torch.linalg.matrix_power(empty, -1), torch.linalg.matrix_power(empty, 0))

    parity(module(fn), [x, empty], {"MatrixInverse": 4}, **F32)


def test_pinv_every_overload() -> None:
    # pinv through the SVD (or eigh with hermitian=True) as torch computes it: 1/s where
    # s > max(atol, rtol * s_max), else 0. Rank-deficient inputs are exactly rank-deficient
    # (rank 1 of a 5x4), with well-separated nonzero singular values.
    a = _separated(3, 5, 4)
    a[0] = _separated(5, 1) @ _separated(1, 4)
    h = _separated_symmetric(2, 4, 4)
    atol = torch.tensor([0.5, 2.5, 0.0])

    def fn(a: torch.Tensor, h: torch.Tensor, atol: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return (
            torch.linalg.pinv(a),
            torch.linalg.pinv(a, atol=1.5),
            torch.linalg.pinv(a, rtol=0.3),
            torch.linalg.pinv(a, atol=atol),
            torch.linalg.pinv(a, rcond=0.1),
            torch.linalg.pinv(h, hermitian=True),
            torch.pinverse(a[1:]),
        )

    parity(module(fn), [a, h, atol], {"Svd": 6, "SelfAdjointEigV2": 1}, **F32)


# --- float64 -------------------------------------------------------------------------------------
# With enable_x64=True litert-torch keeps float64 tensors, but TFLite's builtins mostly lack float64:
# TRANSPOSE, BATCH_MATMUL, ABS and the comparisons are refused by the converter, and some (MUL,
# ADD) are silently computed in float32 between two CASTs. So the rewrites use no float64
# arithmetic (selects, reshapes and broadcasts only), the variants that need a transpose are
# refused for float64, and these tests compare the ops' own outputs.


def _x64_inputs() -> list[torch.Tensor]:
    g = torch.randn(2, 5, 5, dtype=torch.float64)
    a = torch.linalg.qr(g)[0] * torch.arange(1.0, 6.0, dtype=torch.float64)  # singular values 1..5
    sym = a @ a.mT
    b, v = torch.randn(2, 5, 3, dtype=torch.float64), torch.randn(2, 5, dtype=torch.float64)
    return [a, _junk_above(sym), b, v]


def test_float64_with_enable_x64() -> None:
    def fn(a: torch.Tensor, sym: torch.Tensor, b: torch.Tensor, v: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return (
            torch.linalg.inv(a),
            torch.linalg.cholesky(sym),
            torch.linalg.solve(a, b),
            torch.linalg.solve(a, v),
            torch.linalg.solve_triangular(a, b, upper=True),
            torch.linalg.det(a),
            *torch.linalg.slogdet(a),
            *torch.linalg.qr(a),
            torch.linalg.svdvals(a),
            torch.linalg.eigvalsh(sym),
        )

    counts = {"MatrixInverse": 1, "Opbridge>CholeskyEx": 1, "MatrixSolve": 2, "MatrixTriangularSolve": 1}
    counts |= {"MatrixDeterminant": 1, "LogMatrixDeterminant": 1, "Qr": 1, "Svd": 1, "SelfAdjointEigV2": 1}
    parity(module(fn), _x64_inputs(), counts, **F64)


def test_float64_svd_and_eigh_vectors() -> None:
    # Vectors by invariants (see the float32 tests), computed here in numpy float64. torch.svd
    # returns V itself (linalg.svd's Vh needs a transpose).
    a, sym, _, _ = _x64_inputs()
    fn = module(lambda x, y: (*torch.svd(x), *torch.linalg.eigh(y)))
    u, s, v, e, w = litert(fn, [a, sym], enable_x64=True)
    tu, ts, tv = (t.numpy() for t in torch.svd(a))
    te, tw = (t.numpy() for t in torch.linalg.eigh(sym))
    close = {"rtol": 1e-10, "atol": 1e-10}
    np.testing.assert_allclose(s, ts, **close)
    np.testing.assert_allclose(np.abs(u), np.abs(tu), **close)
    np.testing.assert_allclose(np.abs(v), np.abs(tv), **close)
    np.testing.assert_allclose((u * s[..., None, :]) @ v.swapaxes(-1, -2), a.numpy(), **close)
    np.testing.assert_allclose(e, te, **close)
    np.testing.assert_allclose(np.abs(w), np.abs(tw), **close)


def test_float64_variants_needing_a_transpose_or_broadcast_are_refused_naming_the_op() -> None:
    x = torch.eye(3, dtype=torch.float64)
    with pytest.raises(Exception, match=r"torch\.linalg\.svd.*float64 matrix transpose"):
        opbridge.convert(module(torch.linalg.svd), sample_inputs=(x,), enable_x64=True)
    # The rewrites directly (what the conversion runs), for the other variants:
    refused = [
        lambda: aten_linalg.eigh(x, UPLO="U"),
        lambda: aten_linalg.solve(x, x, left=False),
        lambda: aten_linalg.solve_triangular(x, x, upper=True, left=False),
        lambda: aten_linalg.solve(x, x.expand(2, 3, 3)),
        lambda: aten_linalg.solve_triangular(x, x, upper=True, unitriangular=True),
        lambda: aten_linalg.triangular_solve(x, x, unitriangular=True),
        lambda: aten_linalg.logdet(x),
    ]
    for call in refused:
        with pytest.raises(
            ValueError, match=r"torch\.[\w.]+.*float64 (matrix transpose|batch broadcast|select)"
        ):
            call()


def test_float64_without_enable_x64_is_float32() -> None:
    # litert-torch's default (enable_x64=False) turns float64 into float32 throughout: the kernels
    # run in float32 and the model's inputs and outputs are float32.
    a = _x64_inputs()[0]
    model = opbridge.convert(module(torch.linalg.inv), sample_inputs=(a,))
    out = run_tflite(model, [a.numpy().astype(np.float32)])["output_0"]
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, torch.linalg.inv(a).numpy(), rtol=1e-5, atol=1e-5)
