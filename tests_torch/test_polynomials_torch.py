"""torch.special's orthogonal polynomials (Opbridge>OrthogonalPolynomial): parity with torch eager.

The kernel is torch's algorithm with torch's roundings (its x86 build's fused recurrence steps), so
every comparison is bitwise: tensor degrees (per element: the recurrence, the trigonometric forms
above torch's thresholds, the edge values), scalar degrees and scalar x, NaN/inf in x and n,
negative, fractional, huge and over-the-Hermite-limit degrees, integer inputs, broadcasting.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import opbridge
from conftest import module
from opbridge import testing, tflite_model
from opbridge.running import run_tflite

S = torch.special
INF, NAN = math.inf, math.nan
FUNCTIONS = (
    S.chebyshev_polynomial_t,
    S.chebyshev_polynomial_u,
    S.chebyshev_polynomial_v,
    S.chebyshev_polynomial_w,
    S.shifted_chebyshev_polynomial_t,
    S.shifted_chebyshev_polynomial_u,
    S.shifted_chebyshev_polynomial_v,
    S.shifted_chebyshev_polynomial_w,
    S.hermite_polynomial_h,
    S.hermite_polynomial_he,
    S.laguerre_polynomial_l,
    S.legendre_polynomial_p,
)
# x where torch takes an edge value (|x| = 1; the shifted kinds' x = 0 and 1; Laguerre's x = 0)
EDGES_X = (0.0, -0.0, 1.0, -1.0, 0.5, 2.0, -2.0, INF, -INF, NAN)
# negative -> 0; fractional -> truncated; NaN, +-inf, 1e30 -> 0 (a negative int64 in torch);
# 129 and 513: above the Hermite limits (float 128, double 512) -> NaN
EDGES_N = (-1.0, -0.5, 0.0, 1.0, 2.0, 2.7, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 129.0, 513.0, NAN, INF, -INF, 1e30)


def _grid(dtype: torch.dtype) -> tuple[torch.Tensor, torch.Tensor]:
    """(x, n) of one shape: random x over the polynomials' ranges (|x| < 1 and beyond, the shifted
    kinds' [0, 1], Hermite/Laguerre's wide range) with degrees 0..40 and up to 200, then every
    edge x against every edge degree."""
    g = torch.Generator().manual_seed(5)
    k = 1500
    x = torch.cat(
        [
            torch.rand(k, generator=g, dtype=torch.float64) * 2.4 - 1.2,
            torch.rand(k, generator=g, dtype=torch.float64) * 1.2 - 0.1,
            torch.randn(k, generator=g, dtype=torch.float64) * 6,
        ]
    )
    n = torch.randint(-2, 41, (3 * k,), generator=g).double()
    n[:300] = torch.randint(40, 201, (300,), generator=g).double()
    ex, en = torch.meshgrid(torch.tensor(EDGES_X), torch.tensor(EDGES_N), indexing="ij")
    return torch.cat([x, ex.reshape(-1)]).to(dtype), torch.cat([n, en.reshape(-1)]).to(dtype)


def _all(x: torch.Tensor, n: torch.Tensor, i: torch.Tensor, row: torch.Tensor) -> tuple[torch.Tensor, ...]:
    out = []
    for f in FUNCTIONS:
        out += [
            f(x, n),  # default overload: tensor x, tensor n
            f(x, 9),  # n_scalar (trigonometric form for |x| < 1)
            f(x, -3),  # n_scalar, negative: 0
            f(0.25, n),  # x_scalar
            f(i, 3),  # integers promote to float32
            f(row, n[:6].reshape(6, 1)),  # broadcast [1, 5] x [6, 1]
        ]
    return tuple(out)


def test_polynomials_float32_bitwise_every_overload() -> None:
    x, n = _grid(torch.float32)
    inputs = (x, n, torch.arange(-3, 5, dtype=torch.int32), torch.tensor([[0.3, -0.7, 0.9, 1.5, -3.0]]))
    out = testing.assert_parity(module(_all), inputs, rtol=0.0, atol=0.0)
    assert tflite_model.custom_op_counts(out) == {"Opbridge>OrthogonalPolynomial": 6 * len(FUNCTIONS)}


def test_polynomials_float64_bitwise() -> None:
    x, n = _grid(torch.float64)
    # degrees beyond 2^62 at the Chebyshev kinds' edge values and trigonometric forms: torch's
    # n + 1 and 2n + 1 are int64 arithmetic (wrapping past 2^63)
    ex = torch.tensor([-1.0, 1.0, 0.0, 1.0, 0.3], dtype=torch.float64)
    en = torch.tensor([2.0**62 + 2.0**40, 9.2e18, 9.2e18, 4e18, 2.0**62], dtype=torch.float64)

    def fn(x: torch.Tensor, n: torch.Tensor, ex: torch.Tensor, en: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return tuple(y for f in FUNCTIONS for y in (f(x, n), f(x, 11))) + tuple(
            f(ex, en) for f in FUNCTIONS[:8]
        )

    out = testing.assert_parity(module(fn), (x, n, ex, en), rtol=0.0, atol=0.0, enable_x64=True)
    assert tflite_model.custom_op_counts(out) == {"Opbridge>OrthogonalPolynomial": 2 * len(FUNCTIONS) + 8}


def test_polynomials_float64_without_enable_x64_run_in_float32() -> None:
    # litert-torch's default turns float64 into float32 throughout: torch's float32 values
    x, n = _grid(torch.float64)
    model = opbridge.convert(module(lambda x, n: tuple(f(x, n) for f in FUNCTIONS)), sample_inputs=(x, n))
    outs = run_tflite(model, [x.float().numpy(), n.float().numpy()])
    for k, f in enumerate(FUNCTIONS):
        got = outs[f"output_{k}"]
        assert got.dtype == np.float32
        np.testing.assert_array_equal(got, f(x.float(), n.float()).numpy(), err_msg=f.__name__)


def test_polynomials_half_refused() -> None:
    # torch has no half kernel ("chebyshev_polynomial_t_cpu" not implemented for 'Half')
    with pytest.raises(ValueError, match=r"chebyshev_polynomial_t: torch has no kernel for torch\.float16"):
        opbridge.convert(
            module(lambda x: S.chebyshev_polynomial_t(x, 3)), sample_inputs=(torch.rand(4).half(),)
        )
