"""torch.linalg beyond test_linalg.py and test_linalg_extra_torch.py: the _ex variants (inv_ex,
solve_ex; cond and tensorinv through them), cholesky_inverse, lu_unpack.

torch eager vs the converted model in LiteRT, one model per case family.
"""

from __future__ import annotations

import pytest
import torch
from test_linalg import F32, F64, parity, spd, well_conditioned

import opbridge
from conftest import module
from opbridge.running import run_tflite


def _zero_column(*batch: int) -> torch.Tensor:
    # An exactly zero pivot at step 2 (LAPACK getrf's info = 2): a zero column.
    a = well_conditioned(*batch, 4, 4)
    a[..., :, 1] = 0.0
    return a


# --- inv_ex, solve_ex, cond, tensorinv -----------------------------------------------------------


def test_inv_ex_solve_ex_cond_tensorinv_with_singular_matrices() -> None:
    # A singular A is no error in the _ex variants: info is getrf's first zero pivot (1-based) and
    # the result has torch's inf/NaN entries (the solve divides by the zero pivot); cond(p) for
    # p in 1, -1, inf, -inf, 'fro' is inf there. ('nuc' is torch's sum(s) * sum(1 / s) from one
    # SVD, no inverse: for a singular A its smallest singular value is rounding noise, so only a
    # regular A is compared.) Batches (broadcast against B), vector and left=False right-hand
    # sides, an empty batch.
    a = well_conditioned(2, 4, 4)
    singular = torch.cat([_zero_column(1), well_conditioned(1, 4, 4)])  # info 2, then 0
    b, v, bt = torch.randn(3, 1, 4, 2), torch.randn(2, 4), torch.randn(2, 3, 4)
    empty, t = torch.randn(0, 3, 3), well_conditioned(6, 6).reshape(2, 3, 6)
    ords = (1, -1, float("inf"), float("-inf"), "fro")

    def fn(a, singular, b, v, bt, empty, t):  # noqa: ANN001
        return (
            *torch.linalg.inv_ex(a),
            *torch.linalg.inv_ex(singular),
            *torch.linalg.inv_ex(empty),
            *torch.linalg.solve_ex(a, b),
            *torch.linalg.solve_ex(a, v),
            *torch.linalg.solve_ex(a, bt, left=False),
            *torch.linalg.solve_ex(singular, v),
            *(torch.linalg.cond(x, p) for p in ords for x in (a, singular)),
            torch.linalg.cond(a, "nuc"),
            torch.linalg.tensorinv(t, ind=2),
            torch.linalg.tensorinv(t.reshape(6, 6), ind=1),
        )

    # every inv_ex and solve_ex but the empty one (6) and cond with p != 'nuc' (2 x 5) factor and solve
    lu = 6 + 10
    parity(
        module(fn),
        [a, singular, b, v, bt, empty, t],
        {"Opbridge>LuFactor": lu, "MatrixTriangularSolve": 2 * lu, "Svd": 1, "MatrixInverse": 2},
        **F32,
    )


def test_check_errors_and_tensorinv_raise_as_torch() -> None:
    # inv_ex(check_errors=True), solve_ex(check_errors=True) and tensorinv raise for a singular A
    # in torch: the converted model's invoke fails. tensorinv's shape rule fails at conversion.
    singular = _zero_column()
    for fn in (
        lambda x: torch.linalg.inv_ex(x, check_errors=True),
        lambda x: torch.linalg.solve_ex(x, x[:, :2], check_errors=True),
        lambda x: torch.linalg.tensorinv(x.reshape(2, 2, 4)),
    ):
        with pytest.raises(RuntimeError, match="singular"):
            fn(singular)
        model = opbridge.convert(module(fn), sample_inputs=(well_conditioned(4, 4),))
        with pytest.raises(RuntimeError, match="not invertible"):
            run_tflite(model, [singular.numpy()])
    with pytest.raises(Exception, match=r"prod\(self.shape\[ind:\]\) == prod\(self.shape\[:ind\]\)"):
        opbridge.convert(module(lambda x: torch.linalg.tensorinv(x)), sample_inputs=(torch.randn(2, 3, 5),))


def test_float64_variants_needing_a_select_are_refused_naming_the_op() -> None:
    # inv_ex / solve_ex (and cond through inv_ex) solve with lu_solve's unit diagonal, a select that
    # TFLite lacks in float64; check_errors=True (MatrixInverse / MatrixSolve) runs in float64.
    x = well_conditioned(3, 3, dtype=torch.float64)
    for name, fn in (
        ("inv_ex", lambda a: torch.linalg.inv_ex(a)),
        ("solve_ex", lambda a: torch.linalg.solve_ex(a, a)),
        ("inv_ex", lambda a: torch.linalg.cond(a, 1)),
    ):
        with pytest.raises(Exception, match=rf"torch\.linalg\.{name}: .*float64 select"):
            opbridge.convert(module(fn), sample_inputs=(x,), enable_x64=True)
    fn = module(
        lambda a: (
            *torch.linalg.inv_ex(a, check_errors=True),
            *torch.linalg.solve_ex(a, a, check_errors=True),
        )
    )
    parity(fn, [x], {"MatrixInverse": 1, "MatrixSolve": 1, "Opbridge>LuFactor": 2}, **F64)


# --- cholesky_inverse ----------------------------------------------------------------------------


def _junk_other_triangle(factor: torch.Tensor, upper: bool) -> torch.Tensor:
    # potri reads only the factor's triangle: junk in the other shows the rewrite does too.
    junk = torch.full_like(factor, 99.0)
    return factor.triu() + junk.tril(-1) if upper else factor.tril() + junk.triu(1)


def _cholesky_inverse_inputs(dtype: torch.dtype) -> list[torch.Tensor]:
    shapes = [(1, 1), (4, 4), (2, 1, 5, 5), (16, 16), (0, 3, 3)]
    return [
        _junk_other_triangle(torch.linalg.cholesky(spd(*s, dtype=dtype), upper=upper), upper)
        for upper in (False, True)
        for s in shapes
    ]


def _cholesky_inverses(*xs: torch.Tensor) -> tuple[torch.Tensor, ...]:
    half = len(xs) // 2
    return tuple(torch.cholesky_inverse(x, upper=k >= half) for k, x in enumerate(xs))


def test_cholesky_inverse_lower_and_upper() -> None:
    xs = _cholesky_inverse_inputs(torch.float32)
    parity(module(_cholesky_inverses), xs, {"MatrixTriangularSolve": 16}, **F32)


def test_cholesky_inverse_float64_with_enable_x64() -> None:
    xs = _cholesky_inverse_inputs(torch.float64)
    parity(module(_cholesky_inverses), xs, {"MatrixTriangularSolve": 16}, **F64)


# --- lu_unpack -----------------------------------------------------------------------------------


def test_lu_unpack_square_tall_wide_and_flags() -> None:
    # From the model's own lu_factor and from given (LU, pivots) inputs (int32, as torch's), tall
    # and wide, batched; unpack_data / unpack_pivots False give torch's empty outputs.
    square, tall, wide = torch.randn(2, 4, 4), torch.randn(3, 5, 3), torch.randn(3, 5)
    lu, pivots = torch.linalg.lu_factor(torch.randn(2, 1, 4, 4))

    def fn(square, tall, wide, lu, pivots):  # noqa: ANN001
        return (
            *torch.lu_unpack(*torch.linalg.lu_factor(square)),
            *torch.lu_unpack(*torch.linalg.lu_factor(tall)),
            *torch.lu_unpack(*torch.linalg.lu_factor(wide)),
            *torch.lu_unpack(lu, pivots),
            *torch.lu_unpack(lu, pivots, unpack_data=False),
            *torch.lu_unpack(lu, pivots, unpack_pivots=False),
        )

    parity(module(fn), [square, tall, wide, lu, pivots], {"Opbridge>LuFactor": 3}, **F32)


# --- cholesky_ex ---------------------------------------------------------------------------------


def _not_positive_definite() -> torch.Tensor:
    # potrf stops at order 2 (d = 0) and at order 3 (d < 0); torch returns the partial factor.
    return torch.tensor(
        [
            [[4.0, 2, 1, 3], [2, 1, 5, 1], [1, 5, 2, 2], [3, 1, 2, 7]],
            [[4.0, 2, 1, 3], [2, 5, 5, 1], [1, 5, 2, 2], [3, 1, 2, 7]],
        ]
    )


def _cholesky_ex_inputs(dtype: torch.dtype) -> list[torch.Tensor]:
    bad = _not_positive_definite().to(dtype)
    mixed = torch.cat([spd(1, 4, 4, dtype=dtype), bad, spd(1, 4, 4, dtype=dtype)])  # info 0, 2, 3, 0
    nan = spd(5, 5, dtype=dtype)
    nan[3, 3] = float("nan")  # potrf stops at order 4 (NaN is not positive)
    return [
        spd(2, 1, 6, 6, dtype=dtype),
        mixed,
        nan,
        spd(1, 1, dtype=dtype),
        spd(16, 16, dtype=dtype),
        spd(0, 3, 3),
    ]


def _cholesky_exs(*xs: torch.Tensor) -> tuple[torch.Tensor, ...]:
    return tuple(t for upper in (False, True) for x in xs for t in torch.linalg.cholesky_ex(x, upper=upper))


def test_cholesky_ex_info_and_partial_factor_lower_and_upper() -> None:
    xs = _cholesky_ex_inputs(torch.float32)
    parity(module(_cholesky_exs), xs, {"Opbridge>CholeskyEx": 2 * len(xs)}, **F32)


def test_cholesky_ex_float64_with_enable_x64() -> None:
    xs = _cholesky_ex_inputs(torch.float64)[:-1]
    parity(module(_cholesky_exs), xs, {"Opbridge>CholeskyEx": 2 * len(xs)}, **F64)


def test_cholesky_ex_check_errors_fails_at_invoke_as_torch_raises() -> None:
    bad = _not_positive_definite()
    fn = module(lambda x: torch.linalg.cholesky_ex(x, check_errors=True))
    with pytest.raises(RuntimeError, match="leading minor of order 2 is not positive-definite"):
        fn(bad)
    model = opbridge.convert(fn, sample_inputs=(spd(2, 4, 4),))
    with pytest.raises(
        RuntimeError, match=r"Batch element 0.*leading minor of order 2 is not positive-definite"
    ):
        run_tflite(model, [bad.numpy()])


# --- geqrf, ormqr --------------------------------------------------------------------------------


def _geqrf_inputs(dtype: torch.dtype) -> list[torch.Tensor]:
    zero_tail = torch.randn(5, 3, dtype=dtype)
    zero_tail[1:, 0] = 0.0  # the first reflector is the identity: tau = 0
    return [
        torch.randn(2, 5, 3, dtype=dtype),  # tall, batched
        torch.randn(3, 5, dtype=dtype),  # wide: the last reflector has one row, tau = 0
        torch.randn(2, 1, 4, 4, dtype=dtype),
        zero_tail,
        torch.randn(1, 1, dtype=dtype),
        torch.randn(24, 16, dtype=dtype),
        torch.randn(0, 3, 2, dtype=dtype),
    ]


def test_geqrf_directly_and_through_householder_product_and_ormqr() -> None:
    # torch.geqrf's packed matrix and tau are unique (LAPACK's sign convention: beta = -sign(alpha)
    # * norm), so they are compared directly; then the model's own factors feed
    # householder_product and ormqr, every side and transpose.
    xs = _geqrf_inputs(torch.float32)
    c_left, c_right = torch.randn(2, 5, 2), torch.randn(2, 3, 5)

    def fn(*args: torch.Tensor) -> tuple[torch.Tensor, ...]:
        *xs, c_left, c_right = args
        out = [t for x in xs for t in torch.geqrf(x)]
        a, tau = torch.geqrf(xs[0])
        out.append(torch.linalg.householder_product(a, tau))
        for transpose in (False, True):
            out += [torch.ormqr(a, tau, c_left, transpose=transpose)]
            out += [torch.ormqr(a, tau, c_right, left=False, transpose=transpose)]
        return tuple(out)

    parity(module(fn), [*xs, c_left, c_right], {"Opbridge>Geqrf": len(xs) + 1}, **F32)


def test_ormqr_with_given_reflectors() -> None:
    # Reflectors as inputs (fewer than the order: a tall input), batched, each side.
    a, tau = torch.geqrf(torch.randn(3, 4, 3))
    a2, tau2 = torch.geqrf(torch.randn(6, 3))
    c, d = torch.randn(3, 4, 5), torch.randn(2, 6)

    def fn(a, tau, c, a2, tau2, d):  # noqa: ANN001
        return (
            *(torch.ormqr(a, tau, c, transpose=t) for t in (False, True)),
            torch.ormqr(a, tau, c.mT.contiguous(), left=False),
            *(torch.ormqr(a2, tau2, d, left=False, transpose=t) for t in (False, True)),
            torch.ormqr(a2, tau2, d.mT.contiguous()),
        )

    parity(module(fn), [a, tau, c, a2, tau2, d], {}, **F32)


def test_geqrf_float64_with_enable_x64() -> None:
    xs = _geqrf_inputs(torch.float64)
    parity(
        module(lambda *xs: tuple(t for x in xs for t in torch.geqrf(x))),
        xs,
        {"Opbridge>Geqrf": len(xs)},
        **F64,
    )


# --- ldl_factor, ldl_solve -----------------------------------------------------------------------


def _symmetric(*shape: int, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    # Indefinite: Bunch-Kaufman takes both 1 x 1 and 2 x 2 pivots, with interchanges.
    a = torch.randn(*shape, dtype=torch.float64)
    return (a + a.mT).to(dtype)


def _ldl_inputs(dtype: torch.dtype) -> list[torch.Tensor]:
    zero_diagonal = torch.tensor([[0.0, 1, 2], [1, 0, 3], [2, 3, 0]], dtype=dtype)  # a 2 x 2 pivot first
    return [
        _symmetric(3, 5, 5, dtype=dtype),
        _symmetric(2, 1, 6, 6, dtype=dtype),
        zero_diagonal,
        _symmetric(1, 1, dtype=dtype),
        _symmetric(16, 16, dtype=dtype),
        _symmetric(0, 3, 3, dtype=dtype),
    ]


def test_ldl_factor_directly_and_ldl_solve() -> None:
    # sytrf's LD and pivots are compared directly (the pivot decisions are LAPACK's); a singular
    # matrix gives info in ldl_factor_ex; ldl_solve on the model's factors and on given ones,
    # broadcasting B's batch against LD's.
    xs = _ldl_inputs(torch.float32)
    singular = torch.zeros(2, 3, 3)
    singular[1] = _symmetric(3, 3)
    ld, pivots = torch.linalg.ldl_factor(_symmetric(4, 4))  # broadcast against B's batch
    b, c = torch.randn(3, 5, 2), torch.randn(2, 4, 3)  # (torch 2.13 crashes on B with more batch dims)

    def fn(*args: torch.Tensor) -> tuple[torch.Tensor, ...]:
        *xs, singular, ld, pivots, b, c = args
        out = [t for x in xs for t in torch.linalg.ldl_factor(x)]
        out += torch.linalg.ldl_factor_ex(singular)
        out.append(torch.linalg.ldl_solve(*torch.linalg.ldl_factor(xs[0]), b))
        out.append(torch.linalg.ldl_solve(ld, pivots, c))
        return tuple(out)

    counts = {"Opbridge>LdlFactor": len(xs) + 2, "Opbridge>LdlSolve": 2}
    parity(module(fn), [*xs, singular, ld, pivots, b, c], counts, **F32)


def test_ldl_float64_and_ldl_factor_raises_as_torch() -> None:
    xs = _ldl_inputs(torch.float64)
    b = torch.randn(3, 5, 2, dtype=torch.float64)

    def fn(*args: torch.Tensor) -> tuple[torch.Tensor, ...]:
        *xs, b = args
        out = [t for x in xs for t in torch.linalg.ldl_factor(x)]
        return (*out, torch.linalg.ldl_solve(*torch.linalg.ldl_factor(xs[0]), b))

    parity(module(fn), [*xs, b], {"Opbridge>LdlFactor": len(xs) + 1, "Opbridge>LdlSolve": 1}, **F64)
    # torch raises for an exactly zero D (its message is an internal assert): the invoke fails.
    singular = torch.zeros(3, 3)
    with pytest.raises(RuntimeError):
        torch.linalg.ldl_factor(singular)
    model = opbridge.convert(module(torch.linalg.ldl_factor), sample_inputs=(_symmetric(3, 3),))
    with pytest.raises(RuntimeError, match=r"ldl_factor.*D\[1,1\] is exactly zero"):
        run_tflite(model, [singular.numpy()])
