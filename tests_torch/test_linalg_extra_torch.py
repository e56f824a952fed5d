"""torch.linalg beyond tests_torch/test_linalg.py: matrix_exp, cholesky_solve, matrix_rank, LU.

torch eager vs the converted model in LiteRT, one model per case family (a
module applies the op to several inputs: shapes, batch ranks, empty batches).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from test_linalg import F32, F64, litert, parity, spd

import opbridge
from conftest import module
from opbridge.running import run_tflite


def _with_norm(*shape: int, norm: float, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """A random matrix (batch) whose operator 1-norm (largest column sum of |a_ij|) is `norm`."""
    r = torch.randn(*shape, dtype=torch.float64)
    return (r / r.abs().sum(-2).amax(-1)[..., None, None] * norm).to(dtype)


# --- matrix_exp ----------------------------------------------------------------------------------

# One norm per degree torch picks for a single float32 matrix (thresholds theta_1 .. theta_18 are
# 1.19e-7, 5.98e-4, 0.0512, 0.580, 1.46, 3.01), then scaling and squaring (s = 1 and s = 4).
F32_DEGREE_NORMS = [1e-7, 4e-4, 0.04, 0.5, 1.3, 2.5, 5.0, 40.0]


def test_matrix_exp_each_degree_batches_and_trivial_sizes() -> None:
    # Single matrices (each Taylor degree), batches (torch takes degree 18 with scaling and
    # squaring for each matrix of a batch of several: norms from 1e-7 to 40 in one batch), a
    # batch of one (the single-matrix rule), n = 1 (exp), n = 0 and an empty batch.
    singles = [_with_norm(6, 6, norm=t) for t in F32_DEGREE_NORMS]
    batch = _with_norm(2, 4, 5, 5, norm=1.0) * torch.tensor(F32_DEGREE_NORMS).view(2, 4, 1, 1)
    others = [
        batch,
        _with_norm(1, 1, 6, 6, norm=0.04),
        torch.randn(3, 1, 1),
        torch.randn(2, 0, 0),
        torch.randn(0, 4, 4),
        _with_norm(32, 32, norm=3.0),
        _with_norm(3, 32, 32, norm=8.0),
    ]
    xs = [*singles, *others]
    parity(
        module(lambda *xs: (*(torch.linalg.matrix_exp(x) for x in xs), torch.matrix_exp(xs[3]))),
        xs,
        {"Opbridge>MatrixExp": len(xs) + 1},
        **F32,
    )


def test_matrix_exp_nan_gives_nan_matrices_as_torch() -> None:
    # torch: a single matrix with a NaN norm is all NaN; in a batch, the NaN matrix is all NaN and
    # the others as usual.
    single = _with_norm(4, 4, norm=0.5)
    single[1, 2] = float("nan")
    batch = _with_norm(3, 4, 4, norm=2.0)
    batch[1, 0, 3] = float("nan")
    assert torch.linalg.matrix_exp(single).isnan().all() and torch.linalg.matrix_exp(batch)[1].isnan().all()
    parity(
        module(lambda a, b: (torch.linalg.matrix_exp(a), torch.linalg.matrix_exp(b))),
        [single, batch],
        {"Opbridge>MatrixExp": 2},
        **F32,
    )


def test_matrix_exp_float64_with_enable_x64() -> None:
    # float64's thresholds differ (theta_1 .. theta_18: 2.2e-16 .. 1.09).
    norms = [1e-16, 1e-8, 1e-4, 0.04, 0.25, 0.9, 30.0]
    singles = [_with_norm(5, 5, norm=t, dtype=torch.float64) for t in norms]
    batch = _with_norm(len(norms), 5, 5, norm=1.0, dtype=torch.float64) * torch.tensor(norms)[:, None, None]
    xs = [*singles, batch]
    parity(
        module(lambda *xs: tuple(torch.linalg.matrix_exp(x) for x in xs)),
        xs,
        {"Opbridge>MatrixExp": len(xs)},
        **F64,
    )


# --- cholesky_solve ------------------------------------------------------------------------------


def _junk_other_triangle(factor: torch.Tensor, upper: bool) -> torch.Tensor:
    # LAPACK potrs reads only the factor's triangle: junk in the other shows the rewrite does too.
    junk = torch.full_like(factor, 99.0)
    return factor.triu() + junk.tril(-1) if upper else factor.tril() + junk.triu(1)


# (factor shape, B shape): batch broadcasting both ways, n = 1, 32, an empty batch.
CHOLESKY_SOLVE_CASES = [
    ((4, 4), (4, 3)),
    ((2, 1, 5, 5), (3, 5, 2)),
    ((5, 5), (2, 5, 1)),
    ((1, 1), (1, 4)),
    ((32, 32), (32, 7)),
    ((0, 3, 3), (0, 3, 2)),
]


def test_cholesky_solve_lower_and_upper_with_broadcasting() -> None:
    inputs: list[torch.Tensor] = []
    for upper in (False, True):
        for f_shape, b_shape in CHOLESKY_SOLVE_CASES:
            factor = torch.linalg.cholesky(spd(*f_shape), upper=upper)
            inputs += [torch.randn(*b_shape), _junk_other_triangle(factor, upper)]
    n = len(CHOLESKY_SOLVE_CASES)

    def fn(*xs: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return tuple(torch.cholesky_solve(xs[2 * k], xs[2 * k + 1], upper=k >= n) for k in range(2 * n))

    parity(module(fn), inputs, {"MatrixTriangularSolve": 4 * n}, **F32)


def test_cholesky_solve_float64_with_enable_x64() -> None:
    a = spd(2, 5, 5, dtype=torch.float64)
    lower, upper = torch.linalg.cholesky(a), torch.linalg.cholesky(a, upper=True)
    b = torch.randn(2, 5, 3, dtype=torch.float64)
    parity(
        module(lambda b, lo, up: (torch.cholesky_solve(b, lo), torch.cholesky_solve(b, up, upper=True))),
        [b, lower, upper],
        {"MatrixTriangularSolve": 4},
        **F64,
    )


# --- matrix_rank ---------------------------------------------------------------------------------


def _with_singular_values(*values: float, rows: int, cols: int, batch: tuple[int, ...] = ()) -> torch.Tensor:
    """U diag(values) V^T with random orthogonal U, V: the singular values are known (zeros beyond)."""
    k = min(rows, cols)
    s = torch.zeros(*batch, k, dtype=torch.float64)
    s[..., : len(values)] = torch.tensor(values, dtype=torch.float64)
    u = torch.linalg.qr(torch.randn(*batch, rows, rows, dtype=torch.float64))[0][..., :k]
    v = torch.linalg.qr(torch.randn(*batch, cols, cols, dtype=torch.float64))[0][..., :k]
    return ((u * s.unsqueeze(-2)) @ v.mT).to(torch.float32)


def test_matrix_rank_every_overload_and_tolerance() -> None:
    # Singular values far from each tolerance (the default: eps * max(m, n) * the largest, about
    # 1e-6 here), so the count is the same for torch's and the kernel's rounding.
    values = (3.0, 1.0, 0.3, 1e-2, 1e-4)
    square = torch.stack([_with_singular_values(*values[:r], rows=5, cols=5) for r in range(6)])
    wide = _with_singular_values(*values[:3], rows=4, cols=6)
    tall = _with_singular_values(*values[:2], rows=7, cols=3, batch=(2,))
    sym = _with_singular_values(3.0, 1e-2, rows=4, cols=4)
    sym = sym @ torch.diag(torch.tensor([1.0, -1.0, 1.0, 1.0])) @ sym.mT  # eigenvalues 9, -1e-4, 0
    atol = torch.tensor([0.5, 1e-3, 0.0, 2.0, 1e-3, 1e-5])

    def fn(sq: torch.Tensor, wide: torch.Tensor, tall: torch.Tensor, sym: torch.Tensor, atol: torch.Tensor):
        rank = torch.linalg.matrix_rank
        return (
            rank(sq),
            rank(wide),
            rank(tall),
            rank(sym, hermitian=True),
            rank(sym, atol=1e-3, hermitian=True),
            rank(sq, atol=0.5),  # float atol > 0: rtol 0
            rank(sq, rtol=0.05),  # of the largest (3.0): 0.15
            rank(sq, atol=0.0, rtol=0.05),
            rank(sq, atol=atol),  # per matrix, a tensor
            rank(sq, atol=atol, rtol=torch.tensor(0.2)),
            rank(sq, 0.2),  # tol: absolute
            rank(sq, atol),  # tol as a tensor
            rank(sq[:0]),
            rank(tall[:, :0]),
        )

    inputs = [square, wide, tall, sym, atol]
    expected = fn(*inputs)
    assert [r.tolist() for r in expected[:2]] == [[0, 1, 2, 3, 4, 5], 3]
    parity(module(fn), inputs, {"Svd": 10, "SelfAdjointEigV2": 2}, rtol=0, atol=0, enable_x64=True)


# --- LU: lu_factor, lu_factor_ex, lu, lu_solve ---------------------------------------------------

# Generic (not diagonally dominant) matrices, so partial pivoting interchanges rows: square,
# batched, wide, tall, 1 x 1, 32 x 32 and an empty batch.
LU_SHAPES = [(4, 4), (2, 3, 5, 5), (4, 6), (2, 6, 3), (1, 1), (32, 32), (0, 3, 3)]


def test_lu_factor_ex_and_lu_over_shapes() -> None:
    xs = [torch.randn(*s) for s in LU_SHAPES]

    def fn(*xs: torch.Tensor) -> tuple[torch.Tensor, ...]:
        outs: list[torch.Tensor] = []
        for x in xs:
            outs += [*torch.linalg.lu_factor_ex(x), *torch.linalg.lu(x)]
        return (*outs, *torch.linalg.lu_factor(xs[0]), *torch.linalg.lu_factor(xs[1]))

    # (lu of the empty batch needs no kernel: empty constants.)
    parity(module(fn), xs, {"Opbridge>LuFactor": 2 * len(xs) + 1}, **F32)


def test_lu_of_a_singular_matrix_as_torch_and_lu_factor_fails() -> None:
    # lu_factor_ex and lu: an exactly zero pivot is no error (info is its 1-based step);
    # lu_factor raises in torch: the converted model's invoke fails with torch's message.
    x = torch.stack([torch.randn(3, 3), torch.tensor([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]])])
    assert torch.linalg.lu_factor_ex(x).info.tolist() == [0, 3]
    with pytest.raises(RuntimeError, match=r"U\[3,3\] is zero"):
        torch.linalg.lu_factor(x)
    parity(
        module(lambda x: (*torch.linalg.lu_factor_ex(x), *torch.linalg.lu(x))),
        [x],
        {"Opbridge>LuFactor": 2},
        **F32,
    )
    model = opbridge.convert(module(torch.linalg.lu_factor), sample_inputs=(torch.eye(3).expand(2, 3, 3),))
    with pytest.raises(RuntimeError, match=r"Batch element 1\): U\[3,3\] is zero"):
        run_tflite(model, [x.numpy()])


# (LU shape, B shape, left, adjoint): every left/adjoint, batch broadcasting both ways.
LU_SOLVE_CASES = [
    ((4, 4), (4, 3), True, False),
    ((4, 4), (4, 3), True, True),
    ((2, 1, 5, 5), (3, 5, 2), True, False),
    ((2, 1, 5, 5), (3, 5, 2), True, True),
    ((5, 5), (2, 3, 5), False, False),
    ((2, 5, 5), (2, 3, 5), False, True),
    ((1, 1), (1, 2), True, False),
    ((32, 32), (32, 4), True, False),
    ((0, 3, 3), (0, 3, 2), True, False),
]


def test_lu_solve_every_left_adjoint_with_broadcasting() -> None:
    inputs: list[torch.Tensor] = []
    for a_shape, b_shape, _, _ in LU_SOLVE_CASES:
        lu, pivots = torch.linalg.lu_factor(torch.randn(*a_shape) + 2 * torch.eye(a_shape[-1]))
        inputs += [lu, pivots, torch.randn(*b_shape)]

    def fn(*xs: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return tuple(
            torch.linalg.lu_solve(*xs[3 * k : 3 * k + 3], left=left, adjoint=adjoint)
            for k, (_, _, left, adjoint) in enumerate(LU_SOLVE_CASES)
        )

    # (the empty case needs no solve: an empty constant.)
    parity(module(fn), inputs, {"MatrixTriangularSolve": 2 * len(LU_SOLVE_CASES) - 2}, **F32)


def test_lu_factor_then_lu_solve_in_one_model_and_float64() -> None:
    a, b = torch.randn(2, 4, 4, dtype=torch.float64), torch.randn(2, 4, 3, dtype=torch.float64)
    parity(module(lambda a: torch.linalg.lu_factor(a)), [a], {"Opbridge>LuFactor": 1}, **F64)
    a, b = a.float(), b.float()
    parity(
        module(lambda a, b: torch.linalg.lu_solve(*torch.linalg.lu_factor(a), b)),
        [a, b],
        {"Opbridge>LuFactor": 1, "MatrixTriangularSolve": 2},
        **F32,
    )


# --- householder_product -------------------------------------------------------------------------


def test_householder_product_of_geqrf_and_of_arbitrary_reflectors() -> None:
    # geqrf's reflectors (Q of a QR: tall, square, batched) and arbitrary ones (random tau, k < n);
    # the entries above the diagonal are junk orgqr does not read. An empty batch.
    tall, batched = torch.geqrf(torch.randn(6, 4)), torch.geqrf(torch.randn(2, 3, 5, 5))
    a, tau = torch.randn(7, 4), torch.randn(2)
    inputs = [*tall, *batched, a, tau, torch.randn(0, 4, 3), torch.randn(0, 2)]

    def fn(*xs: torch.Tensor) -> tuple[torch.Tensor, ...]:
        hp = torch.linalg.householder_product
        return (
            hp(xs[0], xs[1]),
            hp(xs[2], xs[3]),
            hp(xs[4], xs[5]),
            torch.orgqr(xs[4], xs[5]),
            hp(xs[6], xs[7]),
        )

    parity(module(fn), inputs, {}, **F32)


# --- eig / eigvals -------------------------------------------------------------------------------


def test_eigvals_and_eig_values_vectors_by_invariants() -> None:
    # Eigenvalues compared as sets (sorted by real, then imaginary part): both come in the real
    # Schur form's order, which agreed on these matrices, but neither library promises an order.
    # Eigenvectors: unit norm and A v = lambda v (their phase is the implementation's).
    xs = [torch.randn(4, 4), torch.randn(3, 6, 6), torch.randn(16, 16), torch.randn(1, 1)]
    outs = litert(
        module(lambda *xs: tuple(o for x in xs for o in (torch.linalg.eigvals(x), *torch.linalg.eig(x)))), xs
    )
    for k, x in enumerate(xs):
        values, e, v = outs[3 * k : 3 * k + 3]
        assert values.dtype == np.complex64 and v.dtype == np.complex64
        want = np.sort_complex(torch.linalg.eigvals(x).numpy().reshape(-1, x.shape[-1]))
        for got in (values, e):
            np.testing.assert_allclose(np.sort_complex(got.reshape(want.shape)), want, rtol=1e-5, atol=1e-5)
        a = x.numpy().astype(np.complex128)
        np.testing.assert_allclose(np.linalg.norm(v, axis=-2), 1.0, rtol=1e-5)
        np.testing.assert_allclose(a @ v, v * e[..., None, :], atol=1e-5 * np.abs(a).max() * x.shape[-1])


def test_eigvals_float64_with_enable_x64_is_complex128() -> None:
    x = torch.randn(2, 5, 5, dtype=torch.float64)
    (values,) = litert(module(torch.linalg.eigvals), [x], enable_x64=True)
    assert values.dtype == np.complex128
    want = np.sort_complex(torch.linalg.eigvals(x).numpy())
    np.testing.assert_allclose(np.sort_complex(values), want, rtol=1e-10, atol=1e-10)
