"""Elementwise arithmetic and bit ops litert-torch cannot lower or legalize (hypot, copysign, signbit,
nextafter, ldexp, frexp, bitwise and shift ops, floor_divide, polar).

What litert-torch 0.10 does alone (measured): no lowering for hypot, copysign, signbit, nextafter,
ldexp, frexp, polar or any shift (`aten.__lshift__`, `bitwise_left_shift`, ...); bitwise
and/or of integers and not/xor of int64 become TF ops the stock runtime lacks ("Some ops are not
supported by the native TFLite runtime"), xor of int64 or bool fails to legalize
(`tfl.bitwise_xor`); floor division of floats fails to legalize (`mhlo.round_nearest_afz`).
litert-torch's own int8/int32/uint8 xor and not, bool and/or/not and integer floor division run
and are kept.

The rewrites, each exact where torch's CPU kernel is:
- bit ops run TF's BitwiseAnd/BitwiseOr/BitwiseXor/Invert kernels; bool xor is `!=`.
- shifts run TF's LeftShift/RightShift, whose counts TF clamps into [0, bits - 1]; torch's CPU rule
  differs outside that range and is applied with builtins: `a << b` is 0 for b < 0 or b >= bits;
  `a >> b` for b < 0 or b >= bits - 1 (signed) is the sign fill, for uint8 and b >= 8 it is 0.
- copysign, signbit, frexp and ldexp work on the float's bits (a `bitcast` lowered to StableHLO's
  bitcast_convert, TFLite's builtin BITCAST), so -0, NaN signs and subnormal inputs are exact:
  copysign is (a & 0x7fffffff) | (b & 0x80000000); frexp reads the exponent field (a subnormal's
  23-bit significand is converted to float, which is exact and normal, and read again); ldexp
  with an integer exponent is torch's CPU kernel, std::ldexp (not torch's a * pow(2, b)
  decomposition: ldexp(-1e-30, 200) is -1.6e30), built on the bits with round-half-even into the
  subnormals; a float exponent is a * pow(2, b), left to litert-torch's builtins.
- nextafter runs TF's NextAfter kernel (std::nextafter, as torch's).
- floor_divide of floats is torch's c10::div_floor_floating step by step (fmod from TF's
  TruncateMod kernel, std::fmod; the rest IEEE builtins): a / b for b == 0, else
  (a - fmod(a, b)) / b corrected towards floor, a signed zero when that is 0. So 7 // 0.1 is 69 as
  torch's (floor(7 / 0.1) is 70).
- hypot: correctly rounded, as torch's std::hypot (glibc: sqrt(a^2 + b^2) in double, rounded once)
  and Sleef's 0.5-ulp hypotf, in float32 builtins: exact squares and a Newton step (`hypot`).
- polar: torch's (abs * cosf(angle), abs * sinf(angle)), the C library's cosf/sinf from TF's
  Cos/Sin kernels on complex64 (TFLite's COS/SIN builtins are ~10 ulp off), joined by Complex.

Deviations: LiteRT's float builtins flush subnormals to zero, so floor_divide with a subnormal
operand or quotient, hypot whose larger operand is subnormal (0 here), and polar's products below
2^-126 differ from torch; the bit-level ops (copysign, signbit, frexp, ldexp, nextafter) keep
subnormals. The sign and payload of a NaN result are not compared except for copysign (exact):
floor_divide's and nextafter's NaNs are the default NaN. Half/bfloat16 floor_divide is computed
in float32 and rounded, as torch's scalar loop; torch's vectorized half loop differs from its own
scalar loop by 1 half ulp at some quotients (-128.875 // 0.04333: -2976 in a vector, -2974
alone), so the model can differ from torch by that. nextafter takes float32/float64 only (torch
also has half/bfloat16: refused at conversion, naming the op).
Without enable_x64, litert-torch computes int64 in int32 and float64 in float32 (docs/torch.md):
the rewrites then apply torch's rules at 32 bits (an int64 shift by 32..63 gives 0 / the sign
fill). Integer floor division stays litert-torch's (FLOOR_DIV), torch's values, but: by zero,
torch raises ZeroDivisionError and the model's invoke fails (DIV); INT_MIN // -1 (torch: INT_MIN) kills
the process with SIGFPE in the stock runtime (measured; not taken over, because the other
families' rewrites emit integer floor divisions that must stay builtins).
"""

from __future__ import annotations

import functools
import importlib
import math
from typing import Any

import torch

from . import lowering
from .decompositions import replaces
from .ops import op

aten = torch.ops.aten

_INT_BITS = {
    torch.int8: 8,
    torch.int16: 16,
    torch.int32: 32,
    torch.int64: 64,
    torch.uint8: 8,
}
_SIGNED = (torch.int8, torch.int16, torch.int32, torch.int64)


# --- bits of floats: TFLite's BITCAST builtin (StableHLO bitcast_convert) -----------------------------


@torch.library.custom_op("opbridge_arith::bitcast", mutates_args=())
def _bitcast_op(x: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    return x.view(dtype).clone()


@_bitcast_op.register_fake
def _bitcast_fake(x: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    return x.new_empty(x.shape, dtype=dtype)


@functools.cache
def _lowerings() -> None:
    from .litert_torch_api import api

    stablehlo = importlib.import_module("litert_converter.mlir.dialects.stablehlo")
    api().lower(torch.ops.opbridge_arith.bitcast.default)(
        lambda lctx, x, dtype: stablehlo.bitcast_convert(lowering.result_types(lctx.node)[0], x)
    )


def _bitcast(x: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    _lowerings()
    return torch.ops.opbridge_arith.bitcast(x, dtype)


def _bits_dtype(x: torch.Tensor) -> tuple[torch.dtype, torch.dtype]:
    """(float dtype the bit ops work in, its integer twin). float64 stays float64 only with
    enable_x64 (litert-torch narrows it to float32 otherwise, so the rewrite does first); half and
    bfloat16 are widened to float32, exactly."""
    if x.dtype == torch.float64 and lowering.x64_enabled():
        return torch.float64, torch.int64
    return torch.float32, torch.int32


def _float_layout(dtype: torch.dtype) -> tuple[int, int, int]:
    """(significand bits, exponent bias, sign mask as a signed integer) of float32 / float64."""
    if dtype == torch.float64:
        return 52, 1023, -(2**63)
    return 23, 127, -(2**31)


def _int_full(t: torch.Tensor, value: int) -> torch.Tensor:
    return torch.full(t.shape, value, dtype=t.dtype)


def _float_result(*xs: Any) -> torch.dtype:
    dtype = torch.result_type(*xs)
    return dtype if dtype.is_floating_point else torch.get_default_dtype()


@replaces(aten.signbit.default)
def signbit(x: torch.Tensor) -> Any:
    if x.is_complex():
        return NotImplemented
    if x.dtype == torch.bool:
        return torch.zeros_like(x)
    if not x.is_floating_point():
        return x < 0
    work, ints = _bits_dtype(x)
    return _bitcast(x.to(work), ints) < 0


@replaces(aten.copysign.Tensor)
def copysign(a: torch.Tensor, b: torch.Tensor) -> Any:
    # torch: std::copysign in the promoted float dtype (integers promote to float32): the magnitude
    # bits of a with the sign bit of b, NaNs included.
    if a.is_complex() or b.is_complex():
        return NotImplemented
    out = _float_result(a, b)
    a, b = a.to(out), b.to(out)
    work, ints = _bits_dtype(a)
    sign = _float_layout(work)[2]
    bits_a, bits_b = _bitcast(a.to(work), ints), _bitcast(b.to(work), ints)
    if bits_a.shape != bits_b.shape:
        bits_a, bits_b = torch.broadcast_tensors(bits_a, bits_b)
    magnitude = op("BitwiseAnd")(bits_a, _int_full(bits_a, ~sign))
    return _bitcast(op("BitwiseOr")(magnitude, op("BitwiseAnd")(bits_b, _int_full(bits_b, sign))), work).to(
        out
    )


@replaces(aten.copysign.Scalar)
def copysign_scalar(a: torch.Tensor, b: float) -> Any:
    if a.is_complex():
        return NotImplemented
    # b's sign is known here (a -0.0 constant could lose its sign in the converter): set or clear
    # a's sign bit.
    out = _float_result(a, b)
    work, ints = _bits_dtype(a.to(out))
    sign = _float_layout(work)[2]
    bits = _bitcast(a.to(work), ints)
    if math.copysign(1.0, float(b)) < 0:
        bits = op("BitwiseOr")(bits, _int_full(bits, sign))
    else:
        bits = op("BitwiseAnd")(bits, _int_full(bits, ~sign))
    return _bitcast(bits, work).to(out)


# --- nextafter, ldexp, frexp, hypot, polar -------------------------------------------------------------


@replaces(aten.nextafter.default)
def nextafter(a: torch.Tensor, b: torch.Tensor) -> Any:
    dtype = torch.result_type(a, b)
    if dtype not in (torch.float32, torch.float64):
        raise ValueError(
            f"aten.nextafter: float32 or float64 only (torch has no other CPU kernel), got {dtype}"
        )
    work = torch.float64 if dtype == torch.float64 and lowering.x64_enabled() else torch.float32
    return op("NextAfter")(a.to(work), b.to(work)).to(dtype)


def _frexp_bits(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """std::frexp of a float32 (or, with enable_x64, float64) tensor from its bits: (mantissa's bits,
    exponent, x's bits, whether x is 0, inf or NaN). The mantissa is in [0.5, 1) with x's sign; a
    subnormal x is normalized: its significand, an integer < 2^mantissa, is exactly a normal float
    s, and x = s * 2^(1 - bias - mantissa)."""
    mantissa, bias, sign = _float_layout(x.dtype)
    ints = torch.int64 if x.dtype == torch.float64 else torch.int32
    bits = _bitcast(x, ints)

    def normal(b: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        field = op("BitwiseAnd")(op("RightShift")(b, _int_full(b, mantissa)), _int_full(b, 2 * bias + 1))
        keep = ~((2 * bias + 1) << mantissa)  # sign and significand
        m = op("BitwiseOr")(op("BitwiseAnd")(b, _int_full(b, keep)), _int_full(b, (bias - 1) << mantissa))
        return m, field - (bias - 1), field

    m, e, field = normal(bits)
    significand = op("BitwiseAnd")(bits, _int_full(bits, (1 << mantissa) - 1))
    sm, se, _ = normal(_bitcast(significand.to(x.dtype), ints))
    sm = op("BitwiseOr")(sm, op("BitwiseAnd")(bits, _int_full(bits, sign)))  # x's sign
    subnormal = torch.logical_and(field == 0, significand != 0)
    special = torch.logical_or(torch.logical_and(field == 0, significand == 0), field == 2 * bias + 1)
    m = torch.where(subnormal, sm, m)
    e = torch.where(subnormal, se + (1 - bias - mantissa), e)
    return m, torch.where(special, torch.zeros_like(e), e), bits, special


@replaces(aten.frexp.Tensor)
def frexp(x: torch.Tensor) -> Any:
    # torch: std::frexp. Mantissa in [0.5, 1) with x's sign, int32 exponent; 0, inf and NaN give
    # (x, 0); a subnormal is normalized (frexp(1e-40) = (0.544, -132)).
    if not x.is_floating_point():
        raise ValueError(f"aten.frexp: floating-point input only (torch refuses {x.dtype} too)")
    work, _ = _bits_dtype(x)
    xw = x.to(work)
    m, e, _, special = _frexp_bits(xw)
    return torch.where(special, xw, _bitcast(m, work)).to(x.dtype), e.to(torch.int32)


@replaces(aten.ldexp.Tensor)
def ldexp(a: torch.Tensor, b: torch.Tensor) -> Any:
    # torch's CPU ldexp with an integer exponent is std::ldexp: a * 2^b rounded once (to
    # nearest even where it is subnormal), so ldexp(1e-30, 200) is -1.6e30 although 2^200 is no
    # float. Built on the bits, without a float multiply (LiteRT's would flush subnormals):
    # a = m 2^e (frexp, subnormal a too), the result's exponent field is e + b + bias - 1, a
    # subnormal result's significand is shifted right with round-half-even, past the top: inf.
    # A float exponent is torch's a * pow(2, b) (its decomposition), left to litert-torch.
    if a.is_complex() or b.is_complex():
        return NotImplemented
    if b.is_floating_point():
        return a * torch.pow(2.0, b)
    out = a.dtype if a.is_floating_point() else torch.get_default_dtype()
    work, ints = _bits_dtype(a.to(out))
    mantissa, bias, sign = _float_layout(work)
    limit = 2 * (bias + mantissa) + 8  # beyond it the result is 0 or inf for every a
    b = torch.clamp(b.to(torch.int64 if ints == torch.int64 else torch.int32), -limit, limit).to(ints)
    aw = a.to(out).to(work)
    m, e, bits, special = _frexp_bits(aw)
    k = e.to(ints) + b
    field = k + (bias - 1)
    sign_bits = op("BitwiseAnd")(bits, _int_full(bits, sign))
    fraction = op("BitwiseAnd")(m, _int_full(m, (1 << mantissa) - 1))
    normal = op("BitwiseOr")(
        op("BitwiseOr")(sign_bits, fraction),
        op("LeftShift")(torch.clamp(field, 1, 2 * bias), _int_full(field, mantissa)),
    )
    # subnormal: the significand with its leading bit, shifted right by 1 - field (>= 1), rounded
    # half to even; a carry into the exponent field gives the smallest normal, as it should.
    significand = op("BitwiseOr")(fraction, _int_full(fraction, 1 << mantissa))
    shift = torch.clamp(1 - field, 1, mantissa + 2)
    q = op("RightShift")(significand, shift)
    rest = significand - op("LeftShift")(q, shift)
    half = op("LeftShift")(_int_full(shift, 1), shift - 1)
    odd = op("BitwiseAnd")(q, _int_full(q, 1))
    up = torch.logical_or(rest > half, torch.logical_and(rest == half, odd == 1))
    subnormal = op("BitwiseOr")(sign_bits, torch.where(up, q + 1, q))
    infinite = op("BitwiseOr")(sign_bits, _int_full(sign_bits, (2 * bias + 1) << mantissa))
    result = torch.where(field >= 1, normal, subnormal)
    result = torch.where(field >= 2 * bias + 1, infinite, result)
    return torch.where(special, aw, _bitcast(result, work)).to(out)


def _two_square(v: torch.Tensor, splitter: float) -> tuple[torch.Tensor, torch.Tensor]:
    """v * v as an unevaluated sum p + e, exactly (Dekker's product: Veltkamp's split of v into
    halves whose products are exact, in IEEE multiplies and adds; no FMA needed)."""
    p = v * v
    c = v * splitter
    hi = c - (c - v)
    lo = v - hi
    return p, ((hi * hi - p) + 2 * hi * lo) + lo * lo


@replaces(aten.hypot.default)
def hypot(a: torch.Tensor, b: torch.Tensor) -> Any:
    # torch's CPU kernel is std::hypot (glibc evaluates hypotf as sqrt(a^2 + b^2) in double,
    # rounded once: the correctly rounded result but for rare double roundings) in its scalar
    # loop and Sleef's hypotf_u05 (0.5001 ulp) in its vector one. Here, in the work float: the
    # larger magnitude M is scaled by its exponent to X in [1, 2) and the smaller to Y by the same
    # power (bit operations, exact; a Y below the smallest normal is 0, far below X's last bit),
    # X^2 + Y^2 is summed as a double-length value (Dekker's exact squares, Fast2Sum), its sqrt
    # is corrected by one Newton step on the exact residual, and scaled back exactly: the
    # correctly rounded hypot but for cases within 2^-40 ulp of a tie. +-inf with anything
    # (NaN too) is inf, as torch's; a subnormal larger magnitude gives 0 (LiteRT flushes them).
    dtype = torch.result_type(a, b)
    if not dtype.is_floating_point:
        raise ValueError(f"aten.hypot: floating-point operands only (torch refuses {dtype} too)")
    work = torch.float64 if dtype == torch.float64 and lowering.x64_enabled() else torch.float32
    ints = torch.int64 if work == torch.float64 else torch.int32
    mantissa, bias, _ = _float_layout(work)
    splitter = float(2 ** ((mantissa + 2) // 2) + 1)  # 4097 for float32, 2^27 + 1 for float64
    a, b = a.to(work), b.to(work)
    if a.shape != b.shape:
        a, b = torch.broadcast_tensors(a, b)
    x, y = torch.abs(a), torch.abs(b)
    big, small = torch.maximum(x, y), torch.minimum(x, y)
    big_bits, small_bits = _bitcast(big, ints), _bitcast(small, ints)
    big_field = op("RightShift")(big_bits, _int_full(big_bits, mantissa))
    small_field = op("RightShift")(small_bits, _int_full(small_bits, mantissa))
    fraction = _int_full(big_bits, (1 << mantissa) - 1)
    X = _bitcast(
        op("BitwiseOr")(op("BitwiseAnd")(big_bits, fraction), _int_full(big_bits, bias << mantissa)), work
    )
    small_exponent = small_field - big_field + bias  # Y's biased exponent after the same scaling
    y_bits = op("BitwiseOr")(
        op("BitwiseAnd")(small_bits, fraction),
        op("LeftShift")(torch.clamp(small_exponent, 1, 2 * bias), _int_full(small_bits, mantissa)),
    )
    Y = _bitcast(y_bits, work)
    Y = torch.where(torch.logical_and(small_exponent >= 1, small_field != 0), Y, torch.zeros_like(Y))
    p1, e1 = _two_square(X, splitter)
    p2, e2 = _two_square(Y, splitter)
    s = p1 + p2
    tail = (p2 - (s - p1)) + (e1 + e2)  # Fast2Sum (p1 >= p2) plus the squares' errors
    r = torch.sqrt(s)
    q, f = _two_square(r, splitter)
    r = r + (((s - q) - f) + tail) / (2 * r)
    scale = _bitcast(
        op("LeftShift")(torch.clamp(big_field, 1, 2 * bias), _int_full(big_bits, mantissa)), work
    )
    h = r * scale
    h = torch.where(big_field == 0, torch.zeros_like(h), h)
    h = torch.where(torch.logical_or(torch.isnan(a), torch.isnan(b)), a + b, h)
    inf = torch.logical_or(torch.isinf(a), torch.isinf(b))
    return torch.where(inf, torch.full_like(h, math.inf), h).to(dtype)


@replaces(aten.polar.default)
def polar(abs_: torch.Tensor, angle: torch.Tensor) -> Any:
    # torch's CPU kernel: complex(abs * cos(angle), abs * sin(angle)), float32 or float64 only.
    if abs_.dtype != angle.dtype or abs_.dtype not in (torch.float32, torch.float64):
        raise ValueError(
            f"aten.polar: abs and angle must both be float32 or float64, got {abs_.dtype}, {angle.dtype}"
        )
    # TFLite's SIN/COS builtins are ~10 ulp off; TF's Sin/Cos kernels call the C library's csinf /
    # ccosf on complex64, whose real parts at a zero imaginary part are sinf / cosf, as torch's.
    from .aten_fft import _join, _parts

    if abs_.dtype == torch.float64 and lowering.x64_enabled():
        cos, sin = op("Cos")(angle), op("Sin")(angle)
    else:
        abs_, angle = abs_.to(torch.float32), angle.to(torch.float32)
        z = _join(angle, torch.zeros_like(angle))
        cos, sin = _parts(op("Cos")(z))[0], _parts(op("Sin")(z))[0]
    return _join(abs_ * cos, abs_ * sin)


# --- bitwise ops and shifts --------------------------------------------------------------------------


def _operands(a: Any, b: Any, name: str) -> tuple[torch.Tensor, torch.Tensor]:
    """Both operands as tensors of torch's result dtype (a Python int wrapped into it)."""
    dtype = torch.result_type(a, b)
    if dtype != torch.bool and dtype not in _INT_BITS:
        raise ValueError(f"aten.{name}: integer or bool operands only (torch refuses {dtype} too)")
    like = a if isinstance(a, torch.Tensor) else b

    def tensor(v: Any) -> torch.Tensor:
        if isinstance(v, torch.Tensor):
            return v.to(dtype)
        if isinstance(v, bool) or dtype == torch.bool:
            return torch.full(like.shape, bool(v), dtype=dtype)
        if not isinstance(v, int):
            raise ValueError(f"aten.{name}: integer or bool operands only, got {v!r}")
        return torch.full(like.shape, v, dtype=dtype)  # wraps into dtype, as torch stores a scalar

    x, y = tensor(a), tensor(b)
    if x.shape != y.shape:
        x, y = torch.broadcast_tensors(x, y)
    return x, y


def _bitwise(
    kernel: str, name: str, builtin_dtypes: tuple[torch.dtype, ...], bool_fn: Any, dunder: bool
) -> Any:
    def rewrite(a: Any, b: Any) -> Any:
        dtype = torch.result_type(a, b)
        if dtype in builtin_dtypes:
            # litert-torch's own lowering runs in the stock runtime. It lowers aten.bitwise_*; the
            # __and__/__or__/__xor__ overloads reach it through its decomposition, which this
            # table replaces, so they are handed to aten.bitwise_* here.
            if not dunder:
                return NotImplemented
            overload = "Tensor" if isinstance(b, torch.Tensor) else "Scalar"
            return getattr(getattr(aten, name), overload)(a, b)
        x, y = _operands(a, b, name)
        if dtype == torch.bool:
            return bool_fn(x, y)
        return op(kernel)(x, y)

    return rewrite


# litert-torch lowers bool and/or to LOGICAL_AND/OR, and int8/int32/uint8 xor to BITWISE_XOR (runs).
_AND = ("BitwiseAnd", "bitwise_and", (torch.bool,), None)
_OR = ("BitwiseOr", "bitwise_or", (torch.bool,), None)
_XOR = ("BitwiseXor", "bitwise_xor", (torch.int8, torch.int32, torch.uint8), torch.ne)
_bitwise_and, _bitwise_or, _bitwise_xor = (_bitwise(*spec, dunder=False) for spec in (_AND, _OR, _XOR))
replaces(aten.bitwise_and.Tensor, aten.bitwise_and.Scalar)(_bitwise_and)
replaces(aten.bitwise_or.Tensor, aten.bitwise_or.Scalar)(_bitwise_or)
replaces(aten.bitwise_xor.Tensor, aten.bitwise_xor.Scalar)(_bitwise_xor)
replaces(aten.__and__.Tensor, aten.__and__.Scalar)(_bitwise(*_AND, dunder=True))
replaces(aten.__or__.Tensor, aten.__or__.Scalar)(_bitwise(*_OR, dunder=True))
replaces(aten.__xor__.Tensor, aten.__xor__.Scalar)(_bitwise(*_XOR, dunder=True))


@replaces(aten.bitwise_and.Scalar_Tensor)
def bitwise_and_scalar_tensor(a: Any, b: torch.Tensor) -> Any:
    return _bitwise_and(b, a)


@replaces(aten.bitwise_or.Scalar_Tensor)
def bitwise_or_scalar_tensor(a: Any, b: torch.Tensor) -> Any:
    return _bitwise_or(b, a)


@replaces(aten.bitwise_xor.Scalar_Tensor)
def bitwise_xor_scalar_tensor(a: Any, b: torch.Tensor) -> Any:
    return _bitwise_xor(b, a)


@replaces(aten.bitwise_not.default)
def bitwise_not(x: torch.Tensor) -> Any:
    # litert-torch runs bool (LOGICAL_NOT) and int8/int32/uint8 (BITWISE_XOR with -1); int16 and
    # int64 go to TF's Invert.
    if x.dtype not in (torch.int16, torch.int64):
        return NotImplemented
    return op("Invert")(x)


def _shift_bits(dtype: torch.dtype) -> int:
    bits = _INT_BITS[dtype]
    return 32 if dtype == torch.int64 and not lowering.x64_enabled() else bits


def _shift(a: Any, b: Any, left: bool) -> torch.Tensor:
    name = "bitwise_left_shift" if left else "bitwise_right_shift"
    if torch.result_type(a, b) == torch.bool:
        raise ValueError(f"aten.{name}: torch has no shift of bool tensors")
    x, y = _operands(a, b, name)
    bits = _shift_bits(x.dtype)
    signed = x.dtype in _SIGNED
    # torch's CPU kernel: a count < 0 or >= bits gives 0 (left) or a >> (bits - signed) (right),
    # where TF's kernels clamp the count into [0, bits - 1].
    count = y if y.dtype == torch.int64 else y.to(torch.int32)  # uint8 comparisons do not legalize
    out_of_range = count >= bits
    if signed:
        out_of_range = torch.logical_or(out_of_range, count < 0)
    if signed and not left:
        return op("RightShift")(x, torch.where(out_of_range, _int_full(y, bits - 1), y))
    shifted = op("LeftShift" if left else "RightShift")(x, y)
    if x.dtype == torch.uint8:  # uint8 SELECT does not legalize: select in int32
        return torch.where(out_of_range, 0, shifted.to(torch.int32)).to(torch.uint8)
    return torch.where(out_of_range, torch.zeros_like(x), shifted)


@replaces(
    aten.bitwise_left_shift.Tensor,
    aten.bitwise_left_shift.Tensor_Scalar,
    aten.__lshift__.Tensor,
    aten.__lshift__.Scalar,
)
def left_shift(a: torch.Tensor, b: Any) -> torch.Tensor:
    return _shift(a, b, left=True)


@replaces(aten.bitwise_left_shift.Scalar_Tensor)
def left_shift_scalar_tensor(a: Any, b: torch.Tensor) -> torch.Tensor:
    return _shift(a, b, left=True)


@replaces(
    aten.bitwise_right_shift.Tensor,
    aten.bitwise_right_shift.Tensor_Scalar,
    aten.__rshift__.Tensor,
    aten.__rshift__.Scalar,
)
def right_shift(a: torch.Tensor, b: Any) -> torch.Tensor:
    return _shift(a, b, left=False)


@replaces(aten.bitwise_right_shift.Scalar_Tensor)
def right_shift_scalar_tensor(a: Any, b: torch.Tensor) -> torch.Tensor:
    return _shift(a, b, left=False)


# --- floor division ----------------------------------------------------------------------------------


def _floor_divide_float(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """torch's c10::div_floor_floating, step by step (half and bfloat16 computed in float32)."""
    out = a.dtype
    work = torch.float64 if out == torch.float64 and lowering.x64_enabled() else torch.float32
    a, b = a.to(work), b.to(work)
    if a.shape != b.shape:
        a, b = torch.broadcast_tensors(a, b)
    quotient = a / b
    mod = op("TruncateMod")(a, b)
    div = (a - mod) / b
    adjust = torch.logical_and(mod != 0, (b < 0) != (mod < 0))
    div = torch.where(adjust, div - 1, div)
    floor = torch.floor(div)
    floor = torch.where(div - floor > 0.5, floor + 1, floor)
    # copysign(0, a / b): the quotient's sign bit alone (a product with 0 is folded away)
    bits, ints = _float_layout(work), torch.int64 if work == torch.float64 else torch.int32
    q_bits = _bitcast(quotient, ints)
    signed_zero = _bitcast(op("BitwiseAnd")(q_bits, _int_full(q_bits, bits[2])), work)
    result = torch.where(div != 0, floor, signed_zero)
    return torch.where(b == 0, quotient, result).to(out)


def _as_tensor(v: Any, like: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    return v.to(dtype) if isinstance(v, torch.Tensor) else torch.full(like.shape, v, dtype=dtype)


@replaces(aten.floor_divide.default)
def floor_divide(a: Any, b: Any) -> Any:
    dtype = torch.result_type(a, b)
    like = a if isinstance(a, torch.Tensor) else b
    x, y = _as_tensor(a, like, dtype), _as_tensor(b, like, dtype)
    if dtype == torch.bool:
        raise ValueError("aten.floor_divide: torch has no floor division of bool tensors")
    if not dtype.is_floating_point:
        # litert-torch's integer floor division (its decomposition of floor_divide, which this table
        # replaces, into div(rounding_mode="floor")), kept: other rewrites' index arithmetic uses it.
        return aten.div.Tensor_mode(x, y, rounding_mode="floor")
    return _floor_divide_float(x, y)


@replaces(aten.floor_divide.Scalar)
def floor_divide_scalar(a: torch.Tensor, b: Any) -> Any:
    return floor_divide(a, b)


@replaces(aten.div.Tensor_mode)
def div_mode(a: torch.Tensor, b: torch.Tensor, *, rounding_mode: str | None = None) -> Any:
    if rounding_mode != "floor" or not torch.result_type(a, b).is_floating_point:
        return NotImplemented
    return floor_divide(a, b)


@replaces(aten.div.Scalar_mode)
def div_scalar_mode(a: torch.Tensor, b: Any, *, rounding_mode: str | None = None) -> Any:
    if rounding_mode != "floor" or not torch.result_type(a, b).is_floating_point:
        return NotImplemented
    return floor_divide(a, b)
