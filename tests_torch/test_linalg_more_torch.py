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
