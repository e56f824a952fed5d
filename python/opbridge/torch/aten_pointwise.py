"""Pointwise math litert-torch cannot lower, or lowers to builtins the runtime lacks
(exp2, gcd/lcm, pow on integers and float64, logspace, abs of int8/int16, rrelu in eval).

What litert-torch 0.10 does alone (measured): integer pow (`torch.pow(int_tensor, 3)`, `a ** b`
of integer tensors, `torch.square` of an integer tensor) and every float64 pow
(`torch.float_power`, `torch.logspace` inside a graph) become a float64 `tfl.pow` that fails to
legalize; `tfl.abs` of int8/int16 fails to legalize; `aten.exp2` (and torch.logaddexp2, which
decomposes into it), `aten.gcd` and `aten.lcm` have no lowering; `F.rrelu(training=False)`
reaches `aten.rrelu_with_noise_functional`, which has no lowering.

The rewrites:
- exp2 runs Opbridge>Exp2: in float32 torch's vectorized values bitwise (Sleef's exp2f_u10
  algorithm); torch's scalar tail (the last n mod 32 elements on AVX-512, n mod 16 on AVX2) uses
  std::exp2f, which can differ by 1 ulp there; float64 is std::exp2, within 1 ulp of torch's Sleef
  exp2d (docs/ops/exp2.md). logaddexp2 goes through litert-torch's decomposition onto it: within
  2 ulp of torch.
- gcd/lcm run Opbridge>Gcd / Opbridge>Lcm, torch's loop and wraparound for int8..int64 and uint8
  (docs/ops/gcd_lcm.md); floats are refused, as torch refuses them.
- integer pow runs TF's Pow kernel (repeated squaring, wrapping as torch's powi does: the product
  modulo 2^bits is the same in any order). torch's rule for a negative exponent is applied with
  builtins: from a tensor, a^b is 1 for a = 1, +-1 for a = -1 (by b's parity), else 0; a negative
  Python-int exponent is torch's error ("Integers to negative integer powers are not allowed"),
  raised at conversion. uint8 is computed in int32 and reduced modulo 256 (the kernel has no
  uint8). Without enable_x64 int64 is computed in int32 (litert-torch's rule), so it wraps at 32
  bits.
- float64 pow with enable_x64 runs the Pow kernel (std::pow; for an exponent of 2, 3, 0.5, -0.5, -1
  the kernel's products/sqrt, as torch's own shortcuts); exponent -2 is torch's 1 / (x * x).
  Without enable_x64 float64 is float32 (docs/torch.md) and the builtin POW computes it.
- logspace's arguments are static: the rewrite computes torch's CPU values (start/end rounded to
  the dtype, a double step, the upper half counted down from end, the C library's pow in double,
  rounded once) in Python, a constant in the model (bitwise torch's, float32 and float64).
- abs of int8/int16 is |x| in int32 wrapped back (abs(-128) is -128, as torch's).
- rrelu with training=False is leaky_relu with slope (lower + upper) / 2 (torch's eval rule);
  training=True draws random slopes: refused at conversion.

Deviations: torch computes float64 pow by a non-special exponent with Sleef's vectorized pow
(within 1 ulp, nearly always correctly rounded) and its scalar tail with std::pow; the kernel uses
std::pow throughout.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from . import lowering
from .decompositions import replaces
from .ops import op

aten = torch.ops.aten

_KERNEL_INTS = (torch.int8, torch.int16, torch.int32, torch.int64)
_INTS = (*_KERNEL_INTS, torch.uint8)


# --- pow ------------------------------------------------------------------------------------------


def _as_tensor(v: Any, like: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    if isinstance(v, torch.Tensor):
        return v.to(dtype)
    return torch.full((), v, dtype=dtype)


def _int_pow(
    a: torch.Tensor, b: torch.Tensor, dtype: torch.dtype, exponent_may_be_negative: bool
) -> torch.Tensor:
    """a ** b by torch's integer rule (a, b tensors of dtype, broadcastable)."""
    work = torch.int32 if dtype == torch.uint8 else dtype
    a, b = a.to(work), b.to(work)
    exponent = b
    if exponent_may_be_negative:
        negative = b < 0
        b = torch.where(negative, torch.zeros_like(b), b)
    result = op("Pow")(a, b)
    if dtype == torch.uint8:
        result = torch.remainder(result, 256)
    if exponent_may_be_negative:
        # torch's powi for b < 0: 1 for a = 1, -1 for a = -1 and b odd, 1 for b even, else 0.
        # (compared in int32: the builtin EQUAL refuses int8)
        a, negative, exponent, result = torch.broadcast_tensors(a.to(torch.int32), negative, exponent, result)
        odd = torch.remainder(exponent.to(torch.int32), 2) == 1  # floor modulo: 1 for odd b, negative too
        one, zero = torch.ones_like(result), torch.zeros_like(result)
        minus_one = torch.where(odd, -one, one)
        fix = torch.where(a == 1, one, torch.where(a == -1, minus_one, zero))
        result = torch.where(negative, fix, result)
    return result.to(dtype)


def _float64_pow(a: torch.Tensor, b: Any) -> torch.Tensor:
    if not lowering.x64_enabled():
        # litert-torch computes float64 in float32 without enable_x64: the builtin POW does.
        b32 = b.to(torch.float32) if isinstance(b, torch.Tensor) else b
        return torch.pow(a.to(torch.float32), b32).to(torch.float64)
    a = a.to(torch.float64)
    if not isinstance(b, torch.Tensor) and b == -2:
        # torch's shortcut (pow_tensor_scalar_optimized_kernel): 1 / (x * x), two roundings
        square = op("Mul")(a, a)
        return op("RealDiv")(torch.ones_like(square), square)
    return op("Pow")(a, _as_tensor(b, a, torch.float64))


def _pow(a: Any, b: Any) -> Any:
    dtype = torch.result_type(a, b)
    tensor = a if isinstance(a, torch.Tensor) else b
    if dtype in _INTS:
        if not isinstance(b, torch.Tensor) and b < 0:
            raise ValueError(f"aten.pow: Integers to negative integer powers are not allowed (exponent {b})")
        may_be_negative = isinstance(b, torch.Tensor) and b.dtype != torch.uint8
        return _int_pow(_as_tensor(a, tensor, dtype), _as_tensor(b, tensor, dtype), dtype, may_be_negative)
    if (
        dtype.is_floating_point
        and isinstance(a, torch.Tensor)
        and a.dtype in _INTS
        and dtype != torch.float64
    ):
        # an integer base with a float exponent: torch computes in the float dtype; litert-torch
        # would make a float64 POW of it
        return torch.pow(a.to(dtype), b.to(dtype) if isinstance(b, torch.Tensor) else b)
    if dtype == torch.float64:
        if isinstance(a, torch.Tensor):
            return _float64_pow(a, b.to(torch.float64) if isinstance(b, torch.Tensor) else b)
        return _float64_pow(_as_tensor(a, tensor, torch.float64), b.to(torch.float64))
    return NotImplemented


@replaces(aten.pow.Tensor_Scalar)
def pow_tensor_scalar(a: torch.Tensor, b: Any) -> Any:
    return _pow(a, b)


@replaces(aten.pow.Tensor_Tensor)
def pow_tensor_tensor(a: torch.Tensor, b: torch.Tensor) -> Any:
    return _pow(a, b)


@replaces(aten.pow.Scalar)
def pow_scalar(a: Any, b: torch.Tensor) -> Any:
    return _pow(a, b)


# --- logspace: a constant of its (static) arguments ---------------------------------------------------


@replaces(aten.logspace.default)
def logspace(start: Any, end: Any, steps: int, base: float = 10.0, *, dtype: Any = None, **_: Any) -> Any:
    # torch's CPU kernel (RangeFactories.cpp): start and end rounded to the dtype, a double step,
    # each value std::pow(base, start + step * i) (from the end for the upper half) in double,
    # rounded once to the dtype. Python's math.pow is the C library's pow, so the constant has
    # torch's bits (numpy's vectorized pow does not: it is not the C library's).
    dtype = dtype or torch.get_default_dtype()
    if dtype not in (torch.float32, torch.float64) or not all(
        isinstance(v, (int, float)) for v in (start, end, base)
    ):
        return NotImplemented
    if steps < 0:
        raise ValueError(f"aten.logspace: number of steps must be non-negative, got {steps}")
    rounded = np.float32 if dtype == torch.float32 else np.float64  # (plain numbers: this runs traced)
    if steps == 1:
        return _constant([_pow_or_inf(base, float(start))], dtype)
    first, last = (float(rounded(v)) for v in (start, end))
    difference = float(rounded(last - first))  # scalar_end - scalar_start in the dtype
    step = difference / (steps - 1) if steps > 1 else 0.0
    half = steps // 2
    exponents = [first + step * i if i < half else last - step * (steps - i - 1) for i in range(steps)]
    return _constant([_pow_or_inf(base, x) for x in exponents], dtype)


def _constant(values: list[float], dtype: torch.dtype) -> torch.Tensor:
    # Joined from fills: a tensor made from data here (torch.tensor) is not functional in the
    # decomposition's trace (lift_fresh_copy + detach_); the converter folds these into one constant.
    if not values:
        return torch.zeros((0,), dtype=dtype)
    return torch.cat([torch.full((1,), v, dtype=dtype) for v in values])


def _pow_or_inf(base: float, x: float) -> float:
    try:
        return math.pow(base, x)
    except OverflowError:  # C's pow gives +-inf where Python raises
        return math.inf if base > 0 or (float(x).is_integer() and x % 2 == 0) else -math.inf
    except ValueError:  # a negative base to a non-integer power: C's pow gives NaN
        return math.nan


# --- exp2, gcd, lcm: opbridge kernels --------------------------------------------------------------


@replaces(aten.exp2.default)
def exp2(x: torch.Tensor) -> Any:
    # Opbridge>Exp2 (torch's vectorized float values); integers and bool promote to the default
    # float dtype, half and bfloat16 are computed in float32 and rounded, as torch's kernels do.
    if x.is_complex():
        return NotImplemented
    out = x.dtype if x.is_floating_point() else torch.get_default_dtype()
    work = torch.float64 if out == torch.float64 and lowering.x64_enabled() else torch.float32
    return op("Opbridge>Exp2")(x.to(work)).to(out)


def _gcd_lcm(kernel: str, name: str, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    dtype = torch.result_type(a, b)
    if dtype not in _INTS:
        raise ValueError(f"aten.{name}: integer tensors only (torch has no {name} for {dtype})")
    return op(kernel)(a.to(dtype), b.to(dtype))


@replaces(aten.gcd.default)
def gcd(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return _gcd_lcm("Opbridge>Gcd", "gcd", a, b)


@replaces(aten.lcm.default)
def lcm(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return _gcd_lcm("Opbridge>Lcm", "lcm", a, b)


# --- abs ------------------------------------------------------------------------------------------


@replaces(aten.abs.default)
def abs_(x: torch.Tensor) -> Any:
    if x.dtype not in (torch.int8, torch.int16):
        return NotImplemented
    bits = 8 if x.dtype == torch.int8 else 16
    wide = x.to(torch.int32)
    magnitude = torch.where(wide < 0, -wide, wide)
    # back into x's range by wrapping (abs(-128) = 128 -> -128, as torch's int8 abs)
    half = 1 << (bits - 1)
    return (torch.remainder(magnitude + half, 1 << bits) - half).to(x.dtype)


# --- rrelu ----------------------------------------------------------------------------------------


@replaces(aten.rrelu_with_noise_functional.default)
def rrelu_with_noise(
    x: torch.Tensor,
    noise: torch.Tensor,
    lower: float = 0.125,
    upper: float = 1.0 / 3.0,
    training: bool = False,
    generator: Any = None,
) -> Any:
    if training:
        raise ValueError(
            "aten.rrelu_with_noise: training=True draws random slopes; convert the module in eval mode"
        )
    return torch.nn.functional.leaky_relu(x, (lower + upper) / 2), noise
