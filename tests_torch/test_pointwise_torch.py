"""Pointwise math litert-torch cannot lower (aten_pointwise): integer and float64 pow, abs of
int8/int16, rrelu in eval, against torch eager."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from conftest import module
from opbridge import testing
from opbridge.running import run_tflite

_INTS = (torch.int8, torch.int16, torch.int32, torch.int64, torch.uint8)


def _int_case(dtype: torch.dtype) -> tuple[torch.Tensor, torch.Tensor]:
    """Bases with 1, -1 (255 for uint8), 0 and values that overflow; exponents from -3 (signed) to
    40, so a^b wraps around and torch's negative-exponent rule is reached at every base kind."""
    low = 0 if dtype == torch.uint8 else -5
    a = torch.randint(low, low + 11, (4, 6)).to(dtype)
    a[0, :4] = torch.tensor([1, 255 if dtype == torch.uint8 else -1, 7, 0]).to(dtype)
    a[1, :4] = a[0, :4]
    e = torch.randint(0 if dtype == torch.uint8 else -3, 9, (4, 6)).to(dtype)
    e[0, :4] = torch.tensor([0, 5, 40 if dtype != torch.int8 else 100, 3]).to(dtype)
    if dtype != torch.uint8:
        e[1, :4] = torch.tensor([-3, -3, -1, -2]).to(dtype)  # 1, -1, 0, 0
        e[2, :2] = -2  # a = -1 to an even negative power is 1
    return a, e


def test_integer_pow_every_dtype_wraps_and_keeps_torchs_negative_exponent_rule() -> None:
    inputs: list[torch.Tensor] = []
    for dtype in _INTS:
        inputs += _int_case(dtype)
    inputs += [torch.tensor([2**31 - 1, -(2**40), 3]), torch.tensor([3, 2, 41])]  # int64 beyond int32

    def fn(*t: torch.Tensor) -> tuple[torch.Tensor, ...]:
        outs: list[torch.Tensor] = []
        for k in range(len(_INTS)):
            a, e = t[2 * k : 2 * k + 2]
            outs += [torch.pow(a, 3), a**e, torch.square(a), torch.pow(2, e), torch.pow(a, 0), a**13]
        a, e = t[-2:]
        # mixed: int8 ** int64 promotes to int64; an int base to a float power is float32
        outs += [t[0] ** e[:1], a**e, torch.pow(t[0], 2.5), torch.pow(t[0], torch.tensor(1.5))]
        return tuple(outs)

    testing.assert_parity(module(fn), tuple(inputs), rtol=0, atol=0, enable_x64=True)


def test_integer_pow_without_x64_wraps_at_32_bits() -> None:
    # litert-torch's default makes int64 int32: the model wraps at 32 bits, which is torch's int64
    # result cast to int32 (the low 32 bits of the same product).
    a, e = _int_case(torch.int64)
    testing.assert_parity(
        module(lambda a, e: (torch.pow(a, 7).to(torch.int32), (a**e).to(torch.int32))), (a, e), rtol=0, atol=0
    )


def test_negative_int_scalar_exponent_is_torchs_error() -> None:
    from opbridge.torch import convert

    with pytest.raises(ValueError, match=r"aten\.pow: Integers to negative integer powers"):
        convert(module(lambda a: torch.pow(a, -1)), sample_inputs=(torch.tensor([1, 2]),))


def test_float64_pow_with_x64() -> None:
    x = torch.randn(4, 6, dtype=torch.float64).abs() * 3
    x[0, :4] = torch.tensor([0.0, float("inf"), float("nan"), 1.0], dtype=torch.float64)
    y = torch.randn(4, 6, dtype=torch.float64) * 4
    y[0, 4:] = torch.tensor([0.0, float("nan")], dtype=torch.float64)
    s = torch.randn(4, 6, dtype=torch.float64)
    testing.assert_parity(
        module(
            lambda a, b, s: (
                torch.pow(a, -2),
                torch.pow(s, 3),
                torch.pow(a, 0.5),
                torch.pow(a, -0.5),
                torch.pow(s, -1),
                torch.pow(s, 2),
                torch.float_power(a.float(), 2),
                torch.pow(s, 0),
            )
        ),
        (x, y, s),
        rtol=0,
        atol=0,
        enable_x64=True,
    )
    # Other exponents: torch's vectorized Sleef pow (1 ulp) against the kernel's std::pow; they
    # differ in the last bit at a few inputs (module docstring), so within one ulp here.
    testing.assert_parity(
        module(lambda a, b: (torch.float_power(a, 2.5), torch.float_power(a, b), torch.pow(2.0, b))),
        (x, y),
        rtol=2.3e-16,
        atol=0,
        enable_x64=True,
    )


def test_float64_pow_without_x64_is_float32() -> None:
    from opbridge.torch import convert

    x, y = torch.rand(3, 5, dtype=torch.float64) * 4, torch.randn(3, 5, dtype=torch.float64) * 3
    model = convert(
        module(lambda a, b: (torch.float_power(a, 2.5), torch.float_power(a, b))), sample_inputs=(x, y)
    )
    outs = run_tflite(model, [x.float().numpy(), y.float().numpy()])
    got = [outs[k] for k in sorted(outs)]
    for out, ref in zip(got, (torch.pow(x.float(), 2.5), torch.pow(x.float(), y.float())), strict=True):
        assert out.dtype == np.float32
        np.testing.assert_array_equal(out, ref.numpy())


def test_logspace_in_a_graph_is_torchs_constant() -> None:
    def fn(a: torch.Tensor, d: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return (
            a + torch.logspace(0, 2, 6),
            a * torch.logspace(-1.3, 2.7, 6, base=2.5),
            torch.logspace(0.1, 3.3, 25, base=7.3) + a.sum(),  # the upper half counts down from end
            a * torch.logspace(3, -40, 6, base=-7.5),  # NaN for non-integer powers of a negative base
            torch.logspace(1, 400, 1) + a.sum(),  # one step: pow(base, start); 1e400 overflows to inf
            # float64 (enable_x64): the constant itself, as litert-torch adds float64 in float32
            torch.logspace(-1.3, 2.7, 40, base=2.5, dtype=torch.float64),
            d,
        )

    testing.assert_parity(
        module(fn), (torch.randn(3, 6), torch.randn(2, dtype=torch.float64)), rtol=0, atol=0, enable_x64=True
    )


def test_abs_int8_int16_wraps_at_the_minimum_and_rrelu_eval() -> None:
    x = torch.randn(4, 6)
    testing.assert_parity(
        module(
            lambda a, b, x: (
                torch.abs(a),
                torch.abs(b),
                torch.nn.functional.rrelu(x, training=False),
                torch.nn.functional.rrelu(x, 0.05, 0.4),
            )
        ),
        (
            torch.tensor([-128, -127, -1, 0, 5, 127], dtype=torch.int8),
            torch.tensor([-32768, -32767, -1, 0, 5, 32767], dtype=torch.int16),
            x,
        ),
        rtol=0,
        atol=0,
    )


_MIN64 = -(2**63)


def test_gcd_lcm_every_integer_dtype_with_torchs_signs_and_wraparound() -> None:
    # gcd(0, 0) = 0; negatives give non-negative results, except at the type's minimum, which
    # torch's wrapped |.| keeps (gcd(INT64_MIN, 6) = -2, gcd(INT64_MIN, 7) = -1); lcm wraps.
    a64 = torch.tensor([0, -4, 6, _MIN64, _MIN64, 0, _MIN64, 12, -12, 2**62 + 1, -(2**62), 1, 2**40, _MIN64])
    b64 = torch.tensor([0, 6, -4, 0, 6, _MIN64, _MIN64, -18, -18, 2**62 + 3, 3, -1, 2**35 * 3, 7])
    cases = [
        (a64, b64),
        (
            torch.tensor([-128, 0, -128, 100, 127, -3, -128, 0, 12], dtype=torch.int8),
            torch.tensor([0, -128, 6, 3, 126, 5, -128, 0, -18], dtype=torch.int8),
        ),
        (
            torch.tensor([-32768, 300, -6, -32768], dtype=torch.int16),
            torch.tensor([6, 301, 4, 0], dtype=torch.int16),
        ),
        (
            torch.tensor([-(2**31), -(2**31), 7, 46340, 0], dtype=torch.int32),
            torch.tensor([6, 0, -21, 46341, 0], dtype=torch.int32),
        ),
        (
            torch.tensor([200, 6, 0, 255, 128], dtype=torch.uint8),
            torch.tensor([100, 4, 0, 254, 96], dtype=torch.uint8),
        ),
        (torch.randint(-60, 60, (3, 1, 5)).int(), torch.randint(-60, 60, (4, 1)).int()),  # broadcast
    ]

    def fn(*t: torch.Tensor) -> tuple[torch.Tensor, ...]:
        outs = []
        for k in range(len(cases)):
            a, b = t[2 * k : 2 * k + 2]
            # lcm(INT64_MIN, 7) is INT64_MIN / -1: torch dies with SIGFPE (the kernel wraps), not compared
            outs += [torch.gcd(a, b), torch.lcm(a[:-1], b[:-1]) if k == 0 else torch.lcm(a, b)]
        return (*outs, torch.gcd(t[2], t[0][:9].to(torch.int8)))  # mixed dtypes promote

    inputs = tuple(x for pair in cases for x in pair)
    testing.assert_parity(module(fn), inputs, rtol=0, atol=0, enable_x64=True)


def test_gcd_of_floats_is_refused_as_torch_refuses() -> None:
    from opbridge.torch import convert

    with pytest.raises(Exception, match=r"aten\.gcd: integer tensors only"):
        convert(module(lambda a, b: torch.gcd(a, b)), sample_inputs=(torch.ones(3), torch.ones(3)))


def _exp2_inputs(n: int) -> torch.Tensor:
    edges = torch.tensor(
        [
            *(
                float("inf"),
                -float("inf"),
                float("nan"),
                128.0,
                127.99999,
                -149.0,
                -150.0,
                -150.00002,
                -126.5,
            ),
            *(0.0, -0.0, 1.0, 3.0, -1.0, 0.5, 10.0, -7.25, 1e-8, -1e-8, 64.0, -140.3, 100.0, -100.0, 0.25),
            *(1.5, -2.5, 30.0, 2.0e-3, -0.75, 126.0, 127.0, -125.0),
        ]
    )
    x = torch.cat([edges, torch.randn(n // 2) * 10, torch.rand(n // 2) * 300 - 150])
    return x[:n].reshape(-1, 32)


def test_exp2_float32_is_torchs_vectorized_exp2_bitwise() -> None:
    # Every element is in torch's vectorized loop (rows of 32 floats, a multiple of AVX-512's and
    # AVX2's two-vector step), where torch computes Sleef's exp2f_u10: the kernel's values.
    # Subnormal results (x in [-149, -126)) are kept, as torch keeps them.
    x = _exp2_inputs(4096)
    ints, halves = torch.randint(-20, 20, (64,)), (torch.randn(64) * 5).to(torch.float16)
    testing.assert_parity(
        module(
            lambda x, i, h: (
                torch.exp2(x),
                torch.exp2(i),
                torch.exp2(h),
                torch.exp2(x.to(torch.bfloat16)).float(),
            )
        ),
        (x, ints, halves),
        rtol=0,
        atol=0,
    )


def test_exp2_float64_within_one_ulp_of_sleef() -> None:
    # torch's float64 exp2 is Sleef's exp2d_u10, the kernel's std::exp2: they differ in the last
    # bit at some inputs (documented), never more.
    x = (torch.randn(256, dtype=torch.float64) * 300).clamp(-1070, 1020)
    testing.assert_parity(module(torch.exp2), (x,), rtol=2.3e-16, atol=0, enable_x64=True)
