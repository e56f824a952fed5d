"""tril_indices / triu_indices, linalg.vander, pdist (aten_construct.py) and complex arithmetic
(aten_fft.py's rewrites) against torch eager."""

from __future__ import annotations

import pytest
import torch

from conftest import module
from opbridge import testing

NAN, INF = float("nan"), float("inf")


def test_tril_triu_indices_fold_to_constants_in_torch_order() -> None:
    def fn(a: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return (
            torch.tril_indices(4, 3, -1),
            torch.triu_indices(3, 5, 1),
            torch.tril_indices(3, 3, dtype=torch.int32),
            torch.triu_indices(5, 2, -2),
            torch.triu_indices(2, 2, 3),  # empty
            torch.tril_indices(0, 3),  # empty
            a + torch.tril_indices(3, 3).sum(),  # the probe's case: used in arithmetic
            a[torch.triu_indices(4, 4, 1)[1]],  # as gather indices
        )

    x = torch.arange(4, dtype=torch.int64) * 10
    testing.assert_parity(module(fn), (x,), rtol=0, atol=0, enable_x64=True)


def test_linalg_vander_float_int_batched_and_vander() -> None:
    # enable_x64: torch's cumprod multiplies float32 in double; without it the products round in
    # float32 (aten_search.py's cumprod), so x^3 and up can differ by an ulp.
    def fn(v: torch.Tensor, b: torch.Tensor, i: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return (
            torch.linalg.vander(v),  # N = 7
            torch.linalg.vander(b, N=5),  # batched (2, 3, 4) -> (2, 3, 4, 5)
            torch.linalg.vander(i, N=9),  # int64
            torch.linalg.vander(i.to(torch.int32), N=3),  # int32 -> int64, as torch
            torch.vander(v, 4, increasing=True),
        )

    v = torch.tensor([1.5, -0.3, 0.0, -0.0, INF, NAN, 3.0e12])
    b = torch.randn(2, 3, 4)
    i = torch.tensor([-7, 3, 0, 1, 40])  # 40^8 is beyond int32
    testing.assert_parity(module(fn), (v, b, i), rtol=0, atol=0, enable_x64=True)


def test_linalg_vander_float32_model() -> None:
    # float32 model (no enable_x64): the squares are exact either way.
    x = torch.randn(6)
    testing.assert_parity(module(lambda a: torch.linalg.vander(a, N=3)), (x,), rtol=0, atol=0)


def _pdist_inputs() -> tuple[torch.Tensor, ...]:
    small = torch.randn(5, 6)  # rows shorter than torch's 8 lanes: summed left to right
    wide = torch.randn(4, 37)  # lane-wise over chunks of 8, then the halving tree
    exact = torch.randn(3, 16)  # whole chunks, no padded tail
    special = torch.tensor(  # NaN, inf, -0.0 and a repeated row
        [[1.0, NAN, 2.0], [0.0, 1.0, 2.0], [1.0, 1.0, 2.5], [INF, 0.0, -0.0], [1.0, 1.0, 2.5]]
    )
    return small, wide, exact, special


def test_pdist_p0_p1_inf_bitwise() -> None:
    def fn(*xs: torch.Tensor) -> tuple[torch.Tensor, ...]:
        outs = []
        for x in xs:
            outs += [torch.pdist(x, 0), torch.pdist(x, 1), torch.pdist(x, INF)]
        outs += [torch.pdist(xs[0][:, :0]), torch.pdist(xs[0][:1])]  # no columns; one row: empty
        return tuple(outs)

    testing.assert_parity(module(fn), _pdist_inputs(), rtol=0, atol=0)


def test_pdist_p2_and_general_p() -> None:
    # p = 2: torch's sums bit for bit, then SQRT: the XNNPACK delegate's SQRT is not correctly
    # rounded (measured up to 1 ulp). p = 3, 0.5: torch's Sleef pow vs TFLite's POW, 1-2 ulp.
    def fn(*xs: torch.Tensor) -> tuple[torch.Tensor, ...]:
        outs = []
        for x in xs:
            outs += [torch.pdist(x), torch.pdist(x, 3), torch.pdist(x, 0.5)]
        return tuple(outs)

    testing.assert_parity(module(fn), _pdist_inputs()[:3], rtol=3e-7, atol=0)


def test_pdist_refusals() -> None:
    x64 = torch.randn(4, 3, dtype=torch.float64)
    with pytest.raises(ValueError, match=r"aten\._pdist_forward: float64 with enable_x64"):
        testing.assert_parity(module(lambda a: torch.pdist(a)), (x64,), rtol=0, atol=0, enable_x64=True)


def test_complex_arithmetic_matches_torch_bitwise() -> None:
    # 16 elements: torch's complex64 mul runs all of them in its vector loop (plain products, as
    # TF's Mul); past the last vector step its scalar code fuses a product into an FMA, which the
    # model cannot (aten_construct.py's docstring). The probe's (a+bi)(b+ai) has real part 0.
    def fn(a: torch.Tensor, b: torch.Tensor, c: torch.Tensor, d: torch.Tensor) -> tuple[torch.Tensor, ...]:
        z, w = torch.complex(a, b), torch.complex(c, d)
        return (
            (torch.complex(a, b) * torch.complex(b, a)).real,
            z * w,
            z + w,
            z - w,
            z * 2.5,
            z - (1 + 2j),
            torch.conj(z) * w,
            (z * w).imag,
            torch.view_as_real(z * w),
            torch.view_as_complex(torch.stack([a, b], -1)) + w,
            z.abs(),
        )

    inputs = tuple(torch.randn(4, 4) for _ in range(4))
    testing.assert_parity(module(fn), inputs, rtol=0, atol=0)


def _complex_inputs() -> tuple[torch.Tensor, ...]:
    a, b, c, d = (torch.randn(3, 7) for _ in range(4))
    a[0, 0], d[1, 1] = NAN, NAN
    c[2, 3], d[2, 3] = a[2, 3], b[2, 3]  # one equal element
    c[1, 2] = a[1, 2]  # equal real parts only
    b[0, 1] = -0.0
    return a, b, c, d


def test_complex_neg_where_isnan_eq_bitwise() -> None:
    # litert-torch alone: "Unsupported ir element type: complex<f32>" for each.
    def fn(a: torch.Tensor, b: torch.Tensor, c: torch.Tensor, d: torch.Tensor) -> tuple[torch.Tensor, ...]:
        z, w = torch.complex(a, b), torch.complex(c, d)
        return (
            -z,
            torch.where(a > 0, z, w),
            torch.where(c > 0, z, 0.0),  # scalar_tensor of complex dtype
            torch.where(c > 0, 1 - 2j, w),
            torch.isnan(z),
            torch.isnan(w),
            z == w,
            z != w,
        )

    testing.assert_parity(module(fn), _complex_inputs(), rtol=0, atol=0)


def test_complex_sum_mean_sgn() -> None:
    # Sums: torch's complex reduction order vs XNNPACK's SUM (measured 1.7e-7 on sums of 7, 8.4e-7
    # on the sum of all 21: within the order-change bound n * eps * sum|x| of about 2e-5);
    # sgn: torch's z / |z| with its own abs and division (Smith's) vs COMPLEX_ABS and Eigen's.
    def fn(a: torch.Tensor, b: torch.Tensor, c: torch.Tensor, d: torch.Tensor) -> tuple[torch.Tensor, ...]:
        z = torch.complex(c, b)
        return z.sum(1), z.sum(0, keepdim=True), z.mean(0), z.sum(), torch.sgn(z)

    testing.assert_parity(module(fn), _complex_inputs(), rtol=0, atol=2e-6)
