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
