"""torch.special.erfcx / log_ndtr (Opbridge>Erfcx): parity with torch eager.

Tolerances are in units of the format's epsilon (float32 eps = 2^-23, float64 eps = 2^-52).
Opbridge>Erfcx follows torch's CPU algorithm and roundings, so erfcx is compared bitwise except
for float32 x > 50 (docs/ops/erfcx.md).
"""

from __future__ import annotations

import math

import pytest
import torch

import opbridge
from conftest import module
from opbridge import testing, tflite_model

F32_EPS = float(torch.finfo(torch.float32).eps)
F64_EPS = float(torch.finfo(torch.float64).eps)
INF, NAN = math.inf, math.nan


def _uniform(lo: float, hi: float, n: int, dtype: torch.dtype, *edges: float) -> torch.Tensor:
    g = torch.Generator().manual_seed(11)
    values = torch.rand(n, generator=g, dtype=torch.float64) * (hi - lo) + lo
    return torch.cat([values, torch.tensor(edges, dtype=torch.float64)]).to(dtype)


# Every branch of erfcx: x < -26.7 (inf), [-26.7, -6.1) (2 exp(x^2), overflowing in float32 below
# -9.4), [-6.1, 0) (2 exp(x^2) - fit), the 100 fit intervals on [0, 50] (y = 4 / (4 + x) in
# [0.074, 1]: intervals 7..99, and 1 at |x| < 4 eps), the continued fraction above 50, 1 term above
# 5e7, and the boundaries themselves.
ERFCX_EDGES = (0.0, -0.0, INF, -INF, NAN, 50.0, -6.1, -26.7, -26.6, 1e-30, -1e-30, 4e-8, 1e-45, -1e-45)


def _erfcx_grid(dtype: torch.dtype) -> torch.Tensor:
    return torch.cat(
        [
            _uniform(-30.0, 50.0, 4000, dtype, *ERFCX_EDGES),
            _uniform(-1.0, 1.0, 1000, dtype),
            (10 ** _uniform(-30.0, 1.7, 1000, torch.float64)).to(dtype),
        ]
    )


def _large(dtype: torch.dtype) -> torch.Tensor:
    # x > 50: 5 terms of the continued fraction, 1 term above 5e7 (results subnormal in float32
    # above 4.8e37: kept, as torch keeps them)
    top = 38.5 if dtype == torch.float32 else 300.0
    return (10 ** _uniform(1.7, top, 2000, torch.float64, 5e7, 5.0000004e7)).to(dtype)


def test_erfcx_float32_bitwise_with_torch_every_branch_integers_and_shapes() -> None:
    # Measured on 500k points: the same bits as torch everywhere below x = 50.
    model = module(
        lambda x, i, e, s: (
            torch.special.erfcx(x),
            torch.special.erfcx(i),
            torch.special.erfcx(e),
            torch.special.erfcx(s),
        )
    )
    inputs = (
        _erfcx_grid(torch.float32).reshape(2, -1),
        torch.arange(-12, 40, dtype=torch.int32).reshape(4, 13),  # promoted to float32, as torch does
        torch.empty(0, 3),
        torch.tensor(-2.5),
    )
    out = testing.assert_parity(model, inputs, rtol=0.0, atol=0.0)
    assert tflite_model.custom_op_counts(out) == {"Opbridge>Erfcx": 4}


def test_erfcx_float32_above_50_and_log_ndtr_float32() -> None:
    # erfcx, x > 50: torch's float code rounds differently from this kernel's double evaluation of
    # the same continued fraction (1 ulp for ~25% of inputs, 2 ulp for 5 in 26k), both within 2 ulp
    # of the true value: 2 eps. log_ndtr: torch's rule (x < -1: log(erfcx(-t) / 2) - t^2, else
    # log1p(-erfc(t) / 2)), its erfc being glibc's and ours TF's (Eigen): measured within 4 ulp of
    # torch (torch itself is within 2.6 ulp of mpmath below x = 1), with 4 ulp of 1 absolute where
    # the result crosses 0 at x -> inf. Kept below x = 11.7 (t = 8.3), where TF's float Erfc has
    # no subnormal intermediates (docs/ops/erfcx.md).
    x = _uniform(-40.0, 11.7, 4000, torch.float32, -1.0, -1.0000001, -0.9999999, 0.0, -0.0, -INF, NAN, 1e-30)
    x = torch.cat([x, -(10 ** _uniform(1.0, 18.0, 500, torch.float64)).float()])
    model = module(lambda a, b: (torch.special.erfcx(a), torch.special.log_ndtr(b)))
    out = testing.assert_parity(model, (_large(torch.float32), x), rtol=4 * F32_EPS, atol=0.0)
    assert tflite_model.custom_op_counts(out) == {"Opbridge>Erfcx": 2, "Erfc": 1, "Log1p": 1}


def test_erfcx_float64_bitwise_with_torch() -> None:
    # float64: torch's bits everywhere, the continued fraction included (fused multiply-adds,
    # as torch's compiler contracts it)
    x = torch.cat([_erfcx_grid(torch.float64), _large(torch.float64)])
    model = module(lambda a: torch.special.erfcx(a))
    out = testing.assert_parity(model, (x,), rtol=0.0, atol=0.0, enable_x64=True)
    assert tflite_model.custom_op_counts(out) == {"Opbridge>Erfcx": 1}


def test_log_ndtr_float64_on_kernels_only() -> None:
    # float64 log_ndtr on kernels only (litert-torch computes float64 builtins in float32). Below
    # x = -1 within 1 ulp of torch; above, TF's double Erfc (Eigen) against glibc's erfc: measured
    # 7 ulp at x = 1.3, where log1p(-erfc(t)/2) carries erfc's relative error.
    x = _uniform(-40.0, 30.0, 4000, torch.float64, -1.0, 0.0, -INF, INF, NAN, 1e-300)
    x = torch.cat([x, -(10 ** _uniform(1.0, 150.0, 500, torch.float64))])
    out = testing.assert_parity(
        module(torch.special.log_ndtr), (x,), rtol=8 * F64_EPS, atol=0.0, enable_x64=True
    )
    counts = tflite_model.custom_op_counts(out)
    assert counts["Opbridge>Erfcx"] == 1 and counts["SelectV2"] == 1 and counts["Erfc"] == 1


@pytest.mark.parametrize("fn", [torch.special.erfcx, torch.special.log_ndtr])
def test_half_is_refused_at_conversion_as_torch_refuses_it(fn: object) -> None:
    from opbridge.torch import convert

    name = fn.__name__.removeprefix("special_")  # type: ignore[attr-defined]
    with pytest.raises(Exception, match=f"{name}: torch has no kernel for torch.float16"):
        convert(module(fn), sample_inputs=(torch.ones(4, dtype=torch.float16),))


def _with_specials(shape: tuple[int, ...], dtype: torch.dtype) -> torch.Tensor:
    # scaled normals with NaN, +inf and -inf scattered (2%, 3%, 6%) and a line of -inf: along every
    # axis a NaN sticks, +inf then +inf stays +inf, -inf then -inf stays -inf
    g = torch.Generator().manual_seed(5)
    x = torch.randn(shape, generator=g, dtype=torch.float64) * 10
    u = torch.rand(shape, generator=g, dtype=torch.float64)
    x = torch.where(u < 0.02, NAN, torch.where(u < 0.05, INF, torch.where(u < 0.11, -INF, x)))
    x[(0,) * (len(shape) - 1)] = -INF
    return x.to(dtype)


def _logcumsumexps(x: torch.Tensor) -> tuple[torch.Tensor, ...]:
    return tuple(torch.logcumsumexp(x, d) for d in range(-x.dim(), x.dim()))


def test_logcumsumexp_every_dim_and_dtype_bitwise_with_nan_and_infinities() -> None:
    # torch's rule and accumulation (double for float32, float for half/bfloat16) reproduced:
    # bitwise. 70 > 64 adjacent lines per scan block; empty, size-1 axis and 0-d included.
    model = module(
        lambda a, b, c, e, s: (
            *_logcumsumexps(a),
            *_logcumsumexps(b),
            *(y.float() for y in _logcumsumexps(c.to(torch.bfloat16))),  # numpy has no bfloat16
            torch.logcumsumexp(e, 0),
            torch.logcumsumexp(e, 1),
            torch.logcumsumexp(s, 0),
            torch.logcumsumexp(s, -1),
        )
    )
    inputs = (
        _with_specials((4, 9, 70), torch.float32),
        _with_specials((3, 40), torch.float16),
        _with_specials((1, 33), torch.float32),
        torch.empty(0, 3),
        torch.tensor(-2.5),
    )
    out = testing.assert_parity(model, inputs, rtol=0.0, atol=0.0)
    assert tflite_model.custom_op_counts(out) == {"Opbridge>LogCumSumExp": 6 + 4 + 4 + 4}


def test_logcumsumexp_float64_and_integers_refused() -> None:
    from opbridge.torch import convert

    x = _with_specials((5, 80), torch.float64)
    out = testing.assert_parity(
        module(lambda a: (torch.logcumsumexp(a, 0), torch.logcumsumexp(a, 1))),
        (x,),
        rtol=0.0,
        atol=0.0,
        enable_x64=True,
    )
    assert tflite_model.custom_op_counts(out) == {"Opbridge>LogCumSumExp": 2}
    with pytest.raises(Exception, match=r"logcumsumexp: torch has no kernel for torch\.int32"):
        convert(module(lambda a: torch.logcumsumexp(a, 0)), sample_inputs=(torch.ones(4, dtype=torch.int32),))


def test_spherical_bessel_j0_float32_and_float64() -> None:
    # torch: 0 at +-inf, a Taylor series for |x| < 1/2 (which torch's compiler fuses into
    # multiply-adds: 1 ulp here), sin(x) / x above. float32 takes sin from the Tan kernel
    # (2t / (1 + t^2), t = tan(x/2); TFLite's SIN builtin gives sin(1e10) = -4891): relative error
    # everywhere, zeros of sin and huge x included: measured within 4 ulp of torch. Kept below
    # x = 1e34, where results stay normal floats (LiteRT's DIV flushes subnormals: docs/torch.md).
    # float64: the C library's sin kernel, torch's bits above 1/2 (1 ulp below: the series unfused).
    edges = (
        0.0,
        -0.0,
        INF,
        -INF,
        NAN,
        0.5,
        -0.5,
        0.49999997,
        1e-30,
        1e10,
        1e30,
        math.pi,
        2 * math.pi,
    )
    x = torch.cat(
        [
            _uniform(-10.0, 10.0, 3000, torch.float64, *edges),
            _uniform(-1e4, 1e4, 1000, torch.float64),
            10 ** _uniform(4.0, 34.0, 1000, torch.float64),
        ]
    )
    model = module(torch.special.spherical_bessel_j0)
    out = testing.assert_parity(model, (x.float(),), rtol=4 * F32_EPS, atol=0.0)
    assert tflite_model.custom_op_counts(out) == {"Tan": 1}
    out = testing.assert_parity(model, (x,), rtol=F64_EPS, atol=0.0, enable_x64=True)
    assert tflite_model.custom_op_counts(out)["Sin"] == 1


# airy_ai's branches: x < -2.09 (oscillating asymptotic form), the Maclaurin series in between,
# [2.09, 8.32] (series run, asymptotic value returned), the decaying form above 8.32, 0 above
# 103.892 (float32 results subnormal near 25.5, 0 beyond), +-inf -> NaN, and the boundaries.
AIRY_EDGES = (
    0.0,
    -0.0,
    INF,
    -INF,
    NAN,
    2.09,
    -2.09,
    8.3203353,
    103.892,
    103.9,
    25.5,
    1e-45,
    -1e-30,
    -1e30,
    1e30,
)


def _airy_grid() -> torch.Tensor:
    return torch.cat(
        [
            _uniform(-12.0, 12.0, 4000, torch.float64, *AIRY_EDGES),
            _uniform(-300.0, 110.0, 1000, torch.float64),
            -(10 ** _uniform(0.0, 30.0, 500, torch.float64)),
        ]
    )


def test_airy_ai_bitwise_float32_float64_integers_and_shapes() -> None:
    # Opbridge>AiryAi is torch's algorithm with its x86 build's fused steps: torch's bits
    # (measured on 600k points per dtype, docs/ops/airy_ai.md)
    x = _airy_grid()
    model = module(lambda x, i, e, s: tuple(torch.special.airy_ai(t) for t in (x, i, e, s)))
    inputs = (
        x.float().reshape(5, -1),
        torch.arange(-6, 6, dtype=torch.int32),
        torch.empty(0, 3),
        torch.tensor(-3.5),
    )
    out = testing.assert_parity(model, inputs, rtol=0.0, atol=0.0)
    assert tflite_model.custom_op_counts(out) == {"Opbridge>AiryAi": 4}
    out = testing.assert_parity(module(torch.special.airy_ai), (x,), rtol=0.0, atol=0.0, enable_x64=True)
    assert tflite_model.custom_op_counts(out) == {"Opbridge>AiryAi": 1}


def test_airy_ai_half_refused() -> None:
    # torch: "airy_ai_cpu" not implemented for 'Half'
    with pytest.raises(ValueError, match=r"airy_ai: torch has no kernel for torch\.float16"):
        opbridge.convert(module(torch.special.airy_ai), sample_inputs=(torch.rand(4).half(),))
