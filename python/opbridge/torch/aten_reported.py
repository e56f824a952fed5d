"""Patterns PyTorch users report failing (litert-torch's issue tracker and common model code) that
no other family covered: mostly integer tensors reaching ops litert-torch only lowers for floats,
and torch.fmod of floats, which litert-torch computes wrongly.

What litert-torch 0.10 does alone (measured, the same with the earlier opbridge families):
- torch.fmod of floats is wrong once the quotient is large (measured: relative error 0.07 on
  fmod(1e7, 0.3) and neighbours, 0.74 with a scalar divisor -0.37); of integers it fails to legalize
  (`tfl.div`).
- argmax / argmin / max(dim) / min(dim) of integer tensors fail to legalize (`tfl.arg_max`): CLIP's
  text pooling `input_ids.argmax(-1)`, `(ids == eos).int().argmax(-1)`.
- integer mm / bmm / matmul / addmm / einsum fail to legalize (`tfl.batch_matmul`).
- exp (and the other float functions) of an integer tensor fails to legalize (`tfl.exp`); sign of
  an integer tensor (`tfl.sign`, also inside adaptive_avg_pool3d's decomposition), abs of int32 /
  int64 (`tfl.abs`), floor / ceil / round / trunc of an integer tensor (`stablehlo.floor`
  verification) fail.
- NaN: TFLite's MINIMUM / MAXIMUM / REDUCE_MIN / REDUCE_MAX skip it where torch propagates it, so
  torch.minimum / maximum, amax / amin, max / min (all, dim), aminmax and argmax / argmin of float
  tensors with a NaN give numbers unlike torch's (maximum(NaN, 1) = 1, argmax([1, NaN, 2]) = 2);
  SIGN of NaN is NaN where torch's sign is 0.
- logical_xor fails to export the flatbuffer; torch.hamming_window / blackman_window /
  bartlett_window have no lowering.
- torch.fmin / fmax and torch.histogram have no lowering (any dtype); einsum of integers fails to
  legalize (its integer `tfl.batch_matmul`).
- torch.logsumexp with a NaN gives a number (its amax skips the NaN); with the NaN rules below it
  is torch's (NaN, +inf for a row with +inf, -inf for an all -inf row) without a rule of its own.
- adaptive_avg_pool3d at output sizes that do not divide the input fails (litert-torch's lowering
  emits an integer `tfl.sign`).

The rewrites (each exact where torch's CPU kernel is exact):
- fmod runs TF's TruncateMod kernel: C's fmod for floats (exact, as torch's std::fmod), C's % for
  integers (a zero divisor fails the invoke, where torch raises ZeroDivisionError). half / bfloat16
  are computed in float32 and rounded (exact: the remainder is representable). int8/int16/uint8 are
  computed in int32.
- argmax / argmin / max.dim / min.dim of integers and bools (int8/int16/uint8/bool widened to
  int32, order-preserving) are builtins: the extreme by REDUCE_MAX/MIN, then the smallest position
  holding it (the first index on ties, as torch's); the values are a gather at that index. An empty
  reduced dim is torch's error at export already.
- integer mm / bmm / addmm / baddbmm / matmul run TF's BatchMatMulV2 (integer products and sums
  wrap around, as torch's: modulo 2^bits the order does not matter); int8 / uint8 in int32, wrapped
  back. addmm/baddbmm ignore the added tensor when beta is 0, as torch does.
- float functions of integer / bool tensors convert the input to torch's default float dtype first,
  as torch's type promotion does, then run the float op (whatever lowers it for floats).
- sign of integers is (x > 0) - (x < 0); abs of int32/int64 is where(x < 0, -x, x) (abs(INT_MIN)
  wraps to INT_MIN, as torch's); floor / ceil / round / trunc of integers are the input (torch
  returns a copy).
- logical_xor is (a != 0) != (b != 0).
- float minimum / maximum / amax / amin / max / min / aminmax put NaN where an operand or a reduced
  element is NaN (the builtin's value elsewhere, so a -0.0 / 0.0 tie is the builtin's); argmax /
  argmin / max.dim / min.dim take the first NaN's index if the row has one, else the first extreme
  (torch's CPU rule), the values a gather at that index; float sign is (x > 0) - (x < 0).
- fmin / fmax: the other operand where one is NaN, else the smaller / larger; a -0.0 / 0.0 tie
  keeps the first operand (the second for bfloat16), as torch's CPU kernel (measured). Integers:
  minimum / maximum.
- adaptive_avg_pool3d at non-dividing sizes: torch's CPU kernel in builtins (the windows gathered,
  added in row-major order from +0, divided by the window's depth, height, width in turn; half and
  bfloat16 accumulate in their own dtype as torch does): bitwise. torch's channels_last kernel
  (a channels_last input in eager) accumulates half in float32 instead: not followed.
- hamming / blackman / bartlett windows are torch's CPU formulas in builtins (arange, a float32
  scale, cos), as litert-torch already computes hann_window: within a few ulp of torch (TFLite's
  COS against torch's vectorized cos).
- einsum of integer tensors (litert-torch lowers aten.einsum whole to an integer BATCH_MATMUL it
  cannot legalize, before any rewrite of bmm): a rule on aten.einsum itself, contracting with TF's
  BatchMatMulV2 (diagonals for repeated labels, labels of one operand summed first, ellipses
  right-aligned and size-1 dims broadcast as torch's). Integer products and sums wrap modulo
  2^bits, so the contraction order (torch's path) does not change the result; int8 / int16 /
  uint8 in int32, wrapped back. The dtype is torch's: int64 for one operand that is summed
  (torch.sum's promotion), else the operands'. Bool einsum is left to litert-torch.
- torch.histogram (bins as a count with range=, or a tensor of edges; weight=, density=): torch's
  histogramdd CPU kernel for one dim: elements outside [first edge, last edge] and NaN dropped, the
  bin upper_bound(edges, x) - 1 (a count with range: torch's linear guess and its search of the
  edges guess - 1 .. guess + 1, the same result), the last edge in the last bin; counts exact,
  weights added to their bin in element order (a sequential CUMSUM); the count's edges are torch's
  float32 linspace computed at conversion (its kernel's fused start + step * i, reproduced exactly
  in Python: equal to torch.linspace for 2..200 steps over several ranges). A count without range
  (edges from the data's min / max at run time) is refused with a clear error. Deviations: density
  with weights divides by hist.sum(), which torch sums with its vectorized multi-accumulator
  reduction and the model in order (a float32 ulp apart); torch splits inputs above 200 elements
  across threads and adds the per-thread histograms, so weighted bins of a large input can differ
  by rounding (counts cannot).
  torch.histc is aten_search's (already exact).

Registration: each rule declines (NotImplemented) outside its dtypes and then hands the call to the
rewrite an earlier family installed for the same op (aten_pointwise's int8/int16 abs, aten_misc's
bfloat16 mm, aten_complex's complex rules), so this family must come after them in
decompositions._FAMILIES.

Deviations: TruncateMod flushes a subnormal float divisor to zero (NaN where torch gives a value).
Without enable_x64 (litert-torch's default) int64 is computed in int32 and float64 in float32, as
everywhere in litert-torch (docs/torch.md): an int64 product beyond 2^31 wraps at 32 bits.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Callable
from typing import Any

import torch

from . import decompositions, lowering
from ._dims import einsum_labels, wrap_dim
from .ops import op

aten = torch.ops.aten

_INTS = (torch.int8, torch.int16, torch.int32, torch.int64, torch.uint8)
_RULES: list[tuple[torch._ops.OpOverload, Callable[..., Any]]] = []


def _rule(*overloads: torch._ops.OpOverload) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        _RULES.extend((o, fn) for o in overloads)
        return fn

    return register


def register_available() -> None:
    """Installs the rules over the earlier families' rewrites of the same ops (decompositions.table()
    calls this at each conversion, after importing the families before this one)."""
    table = decompositions._TABLE
    by_op: dict[torch._ops.OpOverload, list[Callable[..., Any]]] = {}
    for overload, rule in _RULES:
        by_op.setdefault(overload, []).append(rule)
    for overload, rules in by_op.items():
        current = table.get(overload)
        if getattr(current, "_reported_rules", None) == tuple(rules):
            continue
        installed = _INSTALLED.get(overload)
        if installed is not None and _reaches(current, installed):
            continue  # a later family wrapped ours (aten_diffusers' cos/sin): still in the chain
        table[overload] = _INSTALLED[overload] = _chained(tuple(rules), current)


_INSTALLED: dict[torch._ops.OpOverload, Callable[..., Any]] = {}


def _reaches(fn: Any, target: Any, depth: int = 64) -> bool:
    """Whether `target` is `fn` or a function `fn` holds in its closure (a chain of rewrites that
    each fall back to the one they wrapped): re-wrapping at every conversion would deepen the chain
    without end."""
    seen: set[int] = set()
    todo = [(fn, 0)]
    while todo:
        f, level = todo.pop()
        if f is target:
            return True
        if id(f) in seen or level >= depth or not callable(f):
            continue
        seen.add(id(f))
        for cell in getattr(f, "__closure__", None) or ():
            try:
                value = cell.cell_contents
            except ValueError:  # an empty cell
                continue
            if callable(value):
                todo.append((value, level + 1))
    return False


def _chained(rules: tuple[Callable[..., Any], ...], prior: Callable[..., Any] | None) -> Callable[..., Any]:
    def run(*args: Any, **kwargs: Any) -> Any:
        for rule in rules:
            result = rule(*args, **kwargs)
            if result is not NotImplemented:
                return result
        return prior(*args, **kwargs) if prior is not None else NotImplemented

    run._reported_rules = rules  # type: ignore[attr-defined]
    # aten_complex installs its rules the same way and skips an op whose entry carries its rule:
    # passing its marker on keeps the two from wrapping each other again at every conversion.
    marker = getattr(prior, "_complex_rule", None)
    if marker is not None:
        run._complex_rule = marker  # type: ignore[attr-defined]
    run.__name__ = getattr(rules[0], "__name__", "reported_rule")
    return run


def _is_int(x: Any) -> bool:
    return isinstance(x, torch.Tensor) and x.dtype in _INTS


# --- fmod: TF's TruncateMod ------------------------------------------------------------------------


def _fmod(a: Any, b: Any) -> Any:
    dtype = torch.result_type(a, b)
    if dtype == torch.bool or dtype.is_complex:
        return NotImplemented
    like = a if isinstance(a, torch.Tensor) else b
    if dtype.is_floating_point:
        wide = dtype == torch.float64 and lowering.x64_enabled()
        work = torch.float64 if wide else torch.float32
    else:
        work = dtype if dtype in (torch.int32, torch.int64) else torch.int32
    # each operand in the result dtype first (a Python scalar is rounded to half as torch's is)
    x = (a if isinstance(a, torch.Tensor) else torch.full(like.shape, a, dtype=dtype)).to(dtype).to(work)
    y = (b if isinstance(b, torch.Tensor) else torch.full(like.shape, b, dtype=dtype)).to(dtype).to(work)
    if x.shape != y.shape:
        x, y = torch.broadcast_tensors(x, y)
    return op("TruncateMod")(x, y).to(dtype)


@_rule(aten.fmod.Tensor)
def fmod(a: torch.Tensor, b: torch.Tensor) -> Any:
    return _fmod(a, b)


@_rule(aten.fmod.Scalar)
def fmod_scalar(a: torch.Tensor, b: Any) -> Any:
    return _fmod(a, b)


# --- argmax / argmin / max.dim / min.dim of integers -------------------------


def _arg(kind: str, x: torch.Tensor, dim: int | None, keepdim: bool, name: str) -> torch.Tensor:
    """The first index of the largest (smallest) element: the extreme by a reduction, then the
    smallest position holding it (builtins: REDUCE_MAX/MIN of int32, EQUAL, SELECT)."""
    if dim is None:
        flat = x.reshape(-1)
        if flat.numel() == 0:
            raise ValueError(f"{name}: expected a non-empty tensor (torch raises for an empty input)")
        index = _arg(kind, flat, 0, False, name)
        return index.reshape([1] * x.dim()) if keepdim else index
    if x.dim() == 0:
        return torch.zeros((), dtype=torch.int64)
    d = wrap_dim(name, dim, x.dim())
    n = x.shape[d]
    if n == 0:
        raise ValueError(f"{name}: cannot reduce the empty dim {dim} of a tensor of shape {list(x.shape)}")
    extreme = x.amax(d, keepdim=True) if kind == "max" else x.amin(d, keepdim=True)
    shape = [1] * x.dim()
    shape[d] = n
    positions = torch.arange(n, dtype=torch.int32).reshape(shape)
    candidates = torch.where(x == extreme, positions, torch.full((), n, dtype=torch.int32))
    return candidates.amin(d, keepdim=keepdim).to(torch.int64)


def _int_or_bool(x: Any) -> bool:
    return isinstance(x, torch.Tensor) and (x.dtype in _INTS or x.dtype == torch.bool)


def _arg_input(x: torch.Tensor) -> torch.Tensor:
    return x if x.dtype in (torch.int32, torch.int64) else x.to(torch.int32)  # order-preserving


@_rule(aten.argmax.default)
def argmax(x: torch.Tensor, dim: int | None = None, keepdim: bool = False) -> Any:
    if not _int_or_bool(x):
        return NotImplemented
    return _arg("max", _arg_input(x), dim, keepdim, "aten.argmax")


@_rule(aten.argmin.default)
def argmin(x: torch.Tensor, dim: int | None = None, keepdim: bool = False) -> Any:
    if not _int_or_bool(x):
        return NotImplemented
    return _arg("min", _arg_input(x), dim, keepdim, "aten.argmin")


def _max_min_dim(kind: str, x: torch.Tensor, dim: int, keepdim: bool, name: str) -> Any:
    if x.dim() == 0:
        return x.clone(), torch.zeros((), dtype=torch.int64)
    d = wrap_dim(name, dim, x.dim())
    index = _arg(kind, _arg_input(x), d, True, name)
    values = torch.gather(x, d, index)
    if not keepdim:
        values, index = values.squeeze(d), index.squeeze(d)
    return values, index


@_rule(aten.max.dim)
def max_dim(x: torch.Tensor, dim: int, keepdim: bool = False) -> Any:
    if not _int_or_bool(x):
        return NotImplemented
    return _max_min_dim("max", x, dim, keepdim, "aten.max.dim")


@_rule(aten.min.dim)
def min_dim(x: torch.Tensor, dim: int, keepdim: bool = False) -> Any:
    if not _int_or_bool(x):
        return NotImplemented
    return _max_min_dim("min", x, dim, keepdim, "aten.min.dim")


# --- integer matrix products: TF's BatchMatMulV2 ---------------------------------------------------


def _int_matmul_dtype(a: Any, b: Any) -> torch.dtype | None:
    if not (_is_int(a) and _is_int(b)):
        return None
    return torch.promote_types(a.dtype, b.dtype)


def _bmm(a: torch.Tensor, b: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    work = dtype if dtype in (torch.int16, torch.int32, torch.int64) else torch.int32
    return op("BatchMatMulV2")(a.to(work), b.to(work)).to(dtype)


@_rule(aten.mm.default, aten.bmm.default)
def int_mm(a: torch.Tensor, b: torch.Tensor) -> Any:
    dtype = _int_matmul_dtype(a, b)
    if dtype is None:
        return NotImplemented
    return _bmm(a, b, dtype)


@_rule(aten.matmul.default)
def int_matmul(a: torch.Tensor, b: torch.Tensor) -> Any:
    dtype = _int_matmul_dtype(a, b)
    if dtype is None:
        return NotImplemented
    if a.dim() == 0 or b.dim() == 0:
        raise ValueError("aten.matmul: both arguments need at least 1 dimension")
    x = a.unsqueeze(0) if a.dim() == 1 else a
    y = b.unsqueeze(-1) if b.dim() == 1 else b
    out = _bmm(x, y, dtype)
    if b.dim() == 1:
        out = out.squeeze(-1)
    if a.dim() == 1:
        out = out.squeeze(-2)
    return out


def _scaled_sum(c: torch.Tensor, product: torch.Tensor, beta: Any, alpha: Any) -> torch.Tensor:
    dtype = product.dtype
    if alpha != 1:
        product = product * alpha
    if beta == 0:  # torch ignores c (even NaN) when beta is 0
        return product.to(dtype)
    scaled = c if beta == 1 else c * beta
    return (scaled + product).to(dtype)


@_rule(aten.addmm.default)
def int_addmm(c: torch.Tensor, a: torch.Tensor, b: torch.Tensor, *, beta: Any = 1, alpha: Any = 1) -> Any:
    dtype = _int_matmul_dtype(a, b)
    if dtype is None or not _is_int(c):
        return NotImplemented
    return _scaled_sum(c, _bmm(a, b, dtype), beta, alpha)


@_rule(aten.baddbmm.default)
def int_baddbmm(c: torch.Tensor, a: torch.Tensor, b: torch.Tensor, *, beta: Any = 1, alpha: Any = 1) -> Any:
    dtype = _int_matmul_dtype(a, b)
    if dtype is None or not _is_int(c):
        return NotImplemented
    return _scaled_sum(c, _bmm(a, b, dtype), beta, alpha)


# --- float functions of integer tensors: torch's promotion to the default float dtype -------------

_FLOAT_FUNCTIONS = {
    "exp": torch.exp,
    "expm1": torch.expm1,
    "log": torch.log,
    "log2": torch.log2,
    "log10": torch.log10,
    "log1p": torch.log1p,
    "sin": torch.sin,
    "cos": torch.cos,
    "tan": torch.tan,
    "asin": torch.asin,
    "acos": torch.acos,
    "atan": torch.atan,
    "sinh": torch.sinh,
    "cosh": torch.cosh,
    "tanh": torch.tanh,
    "asinh": torch.asinh,
    "acosh": torch.acosh,
    "atanh": torch.atanh,
    "sigmoid": torch.sigmoid,
    "sqrt": torch.sqrt,
    "rsqrt": torch.rsqrt,
    "reciprocal": torch.reciprocal,
    "erf": torch.erf,
    "erfc": torch.erfc,
}


def _float_function(fn: Callable[[torch.Tensor], torch.Tensor]) -> Callable[..., Any]:
    def rule(x: torch.Tensor) -> Any:
        if not _int_or_bool(x):
            return NotImplemented
        return fn(x.to(torch.get_default_dtype()))

    rule.__name__ = f"int_{fn.__name__}"
    return rule


for _name, _fn in _FLOAT_FUNCTIONS.items():
    _rule(getattr(aten, _name).default)(_float_function(_fn))


# --- sign / abs / rounding of integers ------------------------------------------------------------


@_rule(aten.sign.default)
def int_sign(x: torch.Tensor) -> Any:
    if _is_float(x):  # TFLite's SIGN gives NaN for NaN, torch's sign 0
        return (x > 0).to(x.dtype) - (x < 0).to(x.dtype)
    if not _is_int(x):
        return NotImplemented
    wide = x.to(torch.int32) if x.dtype in (torch.int8, torch.int16, torch.uint8) else x  # no int8 compare
    return ((wide > 0).to(torch.int32) - (wide < 0).to(torch.int32)).to(x.dtype)


@_rule(aten.abs.default)
def int_abs(x: torch.Tensor) -> Any:
    if x.dtype not in (torch.int32, torch.int64):
        return NotImplemented
    return torch.where(x < 0, -x, x)


@_rule(aten.floor.default, aten.ceil.default, aten.round.default, aten.trunc.default)
def int_rounding(x: torch.Tensor) -> Any:
    if not _is_int(x):
        return NotImplemented
    return x.clone()


# --- logical_xor ------------------------------------------------------------------------------------


@_rule(aten.logical_xor.default)
def logical_xor(a: torch.Tensor, b: torch.Tensor) -> Any:
    return (a != 0) != (b != 0)


# --- windows: torch's CPU formulas ------------------------------------------------------------------


def _window_dtype(dtype: torch.dtype | None) -> torch.dtype:
    dtype = dtype or torch.get_default_dtype()
    if not dtype.is_floating_point:
        raise ValueError(f"window functions: expected a floating point dtype, got {dtype}")
    return dtype


def _positions(n: int, dtype: torch.dtype) -> torch.Tensor:
    return torch.arange(n, dtype=dtype)


def _hamming(
    n: int, periodic: bool, alpha: float, beta: float, dtype: torch.dtype | None, name: str
) -> torch.Tensor:
    dtype = _window_dtype(dtype)
    if n < 0:
        raise ValueError(f"{name}: window_length must be non-negative, got {n}")
    if n == 0:
        return torch.zeros((0,), dtype=dtype)
    if n == 1:
        return torch.ones((1,), dtype=dtype)
    length = n + 1 if periodic else n
    window = _positions(length, dtype) * (math.pi * 2.0 / (length - 1))
    window = torch.cos(window) * -beta + alpha
    return window[:n] if periodic else window


@_rule(aten.hamming_window.default)
def hamming_window(n: int, *, dtype: Any = None, **_: Any) -> Any:
    return _hamming(n, True, 0.54, 0.46, dtype, "aten.hamming_window")


@_rule(aten.hamming_window.periodic)
def hamming_window_periodic(n: int, periodic: bool, *, dtype: Any = None, **_: Any) -> Any:
    return _hamming(n, periodic, 0.54, 0.46, dtype, "aten.hamming_window")


@_rule(aten.hamming_window.periodic_alpha)
def hamming_window_alpha(n: int, periodic: bool, alpha: float, *, dtype: Any = None, **_: Any) -> Any:
    return _hamming(n, periodic, alpha, 0.46, dtype, "aten.hamming_window")


@_rule(aten.hamming_window.periodic_alpha_beta)
def hamming_window_alpha_beta(
    n: int, periodic: bool, alpha: float, beta: float, *, dtype: Any = None, **_: Any
) -> Any:
    return _hamming(n, periodic, alpha, beta, dtype, "aten.hamming_window")


def _blackman(n: int, periodic: bool, dtype: torch.dtype | None) -> torch.Tensor:
    dtype = _window_dtype(dtype)
    if n < 0:
        raise ValueError(f"aten.blackman_window: window_length must be non-negative, got {n}")
    if n == 0:
        return torch.zeros((0,), dtype=dtype)
    if n == 1:
        return torch.ones((1,), dtype=dtype)
    length = n + 1 if periodic else n
    window = _positions(length, dtype) * (math.pi / (length - 1))
    window = torch.cos(window * 4) * 0.08 - torch.cos(window * 2) * 0.5 + 0.42
    return window[:n] if periodic else window


@_rule(aten.blackman_window.default)
def blackman_window(n: int, *, dtype: Any = None, **_: Any) -> Any:
    return _blackman(n, True, dtype)


@_rule(aten.blackman_window.periodic)
def blackman_window_periodic(n: int, periodic: bool, *, dtype: Any = None, **_: Any) -> Any:
    return _blackman(n, periodic, dtype)


def _bartlett(n: int, periodic: bool, dtype: torch.dtype | None) -> torch.Tensor:
    dtype = _window_dtype(dtype)
    if n < 0:
        raise ValueError(f"aten.bartlett_window: window_length must be non-negative, got {n}")
    if n == 0:
        return torch.zeros((0,), dtype=dtype)
    if n == 1:
        return torch.ones((1,), dtype=dtype)
    length = n + 1 if periodic else n
    window = _positions(length, dtype) * (2.0 / (length - 1))
    first_half = ((length - 1) >> 1) + 1
    window = torch.cat([window[:first_half], 2 - window[first_half:]])
    return window[:n] if periodic else window


@_rule(aten.bartlett_window.default)
def bartlett_window(n: int, *, dtype: Any = None, **_: Any) -> Any:
    return _bartlett(n, True, dtype)


@_rule(aten.bartlett_window.periodic)
def bartlett_window_periodic(n: int, periodic: bool, *, dtype: Any = None, **_: Any) -> Any:
    return _bartlett(n, periodic, dtype)


# --- NaN in float min / max reductions and elementwise min / max -----------------------------------
# TFLite's MINIMUM / MAXIMUM and REDUCE_MIN / REDUCE_MAX skip NaN (measured: maximum(NaN, 1) is 1,
# amax([1, NaN, 2]) is 2); torch propagates it. The rules compute the builtin's value and put NaN
# where torch has it. Inside a rule the same op goes to the earlier rewrites / litert-torch (the
# guard), so the builtin is what runs there.

_INSIDE: set[str] = set()


def _guarded(key: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    def rule(*args: Any, **kwargs: Any) -> Any:
        if key in _INSIDE:
            return NotImplemented
        _INSIDE.add(key)
        try:
            return fn(*args, **kwargs)
        finally:
            _INSIDE.discard(key)

    rule.__name__ = fn.__name__
    return rule


def _is_float(x: Any) -> bool:
    return isinstance(x, torch.Tensor) and x.dtype.is_floating_point


def _elementwise(name: str, builtin: Callable[..., Any]) -> Callable[..., Any]:
    def rule(a: Any, b: Any) -> Any:
        if not (_is_float(a) or _is_float(b)) or isinstance(a, complex) or isinstance(b, complex):
            return NotImplemented
        value = builtin(a, b)
        nan = torch.isnan(a) | torch.isnan(b)
        return torch.where(nan, torch.full((), math.nan, dtype=value.dtype), value)

    rule.__name__ = name
    return rule


_rule(aten.minimum.default)(_guarded("minimum", _elementwise("nan_minimum", torch.minimum)))
_rule(aten.maximum.default)(_guarded("maximum", _elementwise("nan_maximum", torch.maximum)))


def _dims(x: torch.Tensor, dim: Any) -> list[int]:
    if dim is None or (isinstance(dim, (list, tuple)) and len(dim) == 0):
        return list(range(x.dim()))
    dims = [dim] if isinstance(dim, int) else list(dim)
    return sorted({wrap_dim("aten.amax", d, x.dim()) for d in dims})


def _nan_reduction(name: str, builtin: Callable[..., Any]) -> Callable[..., Any]:
    def rule(x: torch.Tensor, dim: Any = None, keepdim: bool = False) -> Any:
        if not _is_float(x) or x.dim() == 0:
            return NotImplemented
        dims = _dims(x, dim)
        value = builtin(x, dims, keepdim)
        nan = torch.isnan(x).any(dims[0], keepdim=True) if len(dims) == 1 else _any_over(x, dims)
        if not keepdim:
            nan = nan.reshape(value.shape)
        return torch.where(nan, torch.full((), math.nan, dtype=value.dtype), value)

    rule.__name__ = name
    return rule


def _any_over(x: torch.Tensor, dims: list[int]) -> torch.Tensor:
    nan = torch.isnan(x)
    for d in dims:
        nan = nan.any(d, keepdim=True)
    return nan


_rule(aten.amax.default)(_guarded("amax", _nan_reduction("nan_amax", torch.amax)))
_rule(aten.amin.default)(_guarded("amin", _nan_reduction("nan_amin", torch.amin)))


def _float_arg(kind: str, x: torch.Tensor, d: int, keepdim: bool) -> torch.Tensor:
    """torch's CPU rule: a NaN is the extreme (the first NaN's index), else the first extreme."""
    n = x.shape[d]
    nan = torch.isnan(x)
    has_nan = nan.any(d, keepdim=True)
    finite = torch.where(nan, torch.full((), -math.inf if kind == "max" else math.inf, dtype=x.dtype), x)
    extreme = finite.amax(d, keepdim=True) if kind == "max" else finite.amin(d, keepdim=True)
    hit = torch.where(has_nan, nan, x == extreme)
    shape = [1] * x.dim()
    shape[d] = n
    positions = torch.arange(n, dtype=torch.int32).reshape(shape)
    candidates = torch.where(hit, positions, torch.full((), n, dtype=torch.int32))
    return candidates.amin(d, keepdim=keepdim).to(torch.int64)


def _float_arg_rule(kind: str, name: str) -> Callable[..., Any]:
    def rule(x: torch.Tensor, dim: int | None = None, keepdim: bool = False) -> Any:
        if not _is_float(x) or x.dim() == 0 or x.numel() == 0:
            return NotImplemented
        if dim is None:
            index = _float_arg(kind, x.reshape(-1), 0, False)
            return index.reshape([1] * x.dim()) if keepdim else index
        return _float_arg(kind, x, wrap_dim(name, dim, x.dim()), keepdim)

    rule.__name__ = f"nan_{kind}_index"
    return rule


_rule(aten.argmax.default)(_float_arg_rule("max", "aten.argmax"))
_rule(aten.argmin.default)(_float_arg_rule("min", "aten.argmin"))


def _float_max_min_dim(kind: str, name: str) -> Callable[..., Any]:
    def rule(x: torch.Tensor, dim: int, keepdim: bool = False) -> Any:
        if not _is_float(x) or x.dim() == 0 or x.numel() == 0:
            return NotImplemented
        d = wrap_dim(name, dim, x.dim())
        index = _float_arg(kind, x, d, True)
        values = torch.gather(x, d, index)
        if not keepdim:
            values, index = values.squeeze(d), index.squeeze(d)
        return values, index

    rule.__name__ = f"nan_{kind}_dim"
    return rule


_rule(aten.max.dim)(_float_max_min_dim("max", "aten.max.dim"))
_rule(aten.min.dim)(_float_max_min_dim("min", "aten.min.dim"))


@_rule(aten.max.default)
def nan_max_all(x: torch.Tensor) -> Any:
    if not _is_float(x) or x.numel() == 0:
        return NotImplemented
    return torch.amax(x.reshape(-1), 0)


@_rule(aten.min.default)
def nan_min_all(x: torch.Tensor) -> Any:
    if not _is_float(x) or x.numel() == 0:
        return NotImplemented
    return torch.amin(x.reshape(-1), 0)


@_rule(aten.aminmax.default)
def nan_aminmax(x: torch.Tensor, *, dim: int | None = None, keepdim: bool = False) -> Any:
    if not _is_float(x) or x.numel() == 0:
        return NotImplemented
    if dim is None:
        flat = x.reshape(-1)
        low, high = torch.amin(flat, 0), torch.amax(flat, 0)
        if keepdim:
            low, high = low.reshape([1] * x.dim()), high.reshape([1] * x.dim())
        return low, high
    return torch.amin(x, dim, keepdim), torch.amax(x, dim, keepdim)


# --- fmin / fmax: the non-NaN operand wins ----------------------------------------------------------


def _nan_ignoring(kind: str) -> Callable[..., Any]:
    """torch.fmin / fmax as torch's CPU kernel (measured): the other operand where one is NaN (NaN
    if both), else the smaller (larger); on a tie (-0.0 against 0.0) the first operand for float16 /
    float32 / float64, the second for bfloat16. In builtins (LESS / GREATER, SELECT): half and
    bfloat16 are compared in float32 (litert-torch cannot legalize their comparisons; the value
    picked is the same). Integers and bools: torch.minimum / maximum (no NaN), narrow ones in int32."""

    def rule(a: torch.Tensor, b: torch.Tensor) -> Any:
        dtype = torch.result_type(a, b)
        if dtype.is_complex:
            return NotImplemented
        x, y = a.to(dtype), b.to(dtype)
        if not dtype.is_floating_point:
            work = dtype if dtype in (torch.int32, torch.int64) else torch.int32
            pick = torch.minimum if kind == "min" else torch.maximum
            return pick(x.to(work), y.to(work)).to(dtype)
        if dtype in (torch.float16, torch.bfloat16):
            x, y = x.to(torch.float32), y.to(torch.float32)
        if dtype == torch.bfloat16:  # a tie takes the second operand
            first = (x < y) if kind == "min" else (x > y)
        else:
            first = (x <= y) if kind == "min" else (x >= y)
        out = torch.where(first | torch.isnan(y), x, y)
        return out.to(dtype)

    rule.__name__ = f"f{kind}"
    return rule


_rule(aten.fmin.default)(_nan_ignoring("min"))
_rule(aten.fmax.default)(_nan_ignoring("max"))


# --- adaptive_avg_pool3d at sizes that do not divide the input ---------------------------------------


def _spans(size: int, out: int) -> list[tuple[int, int]]:
    """torch's adaptive windows: [floor(i * size / out), ceil((i + 1) * size / out))."""
    return [((i * size) // out, -((-(i + 1) * size) // out)) for i in range(out)]


def _window_lengths(size: int, out: int, shape: list[int]) -> torch.Tensor:
    """Each window's length as float32, from arange (a constant tensor made in a rule would not be
    functional in torch.export's retrace)."""
    i = torch.arange(out, dtype=torch.int32)
    start = torch.div(i * size, out, rounding_mode="floor")
    end = torch.div((i + 1) * size + (out - 1), out, rounding_mode="floor")
    return (end - start).to(torch.float32).reshape(shape)


def _zero_padded_windows(x: torch.Tensor, spans: list[list[tuple[int, int]]]) -> torch.Tensor:
    """(lead..., D, H, W) -> (lead..., oD, oH, oW, k): every window's elements in row-major order,
    a window shorter than the longest filled with zeros (a zero appended to each spatial dim)."""
    lead = [int(d) for d in x.shape[:-3]]
    rest = [int(d) for d in x.shape[-3:]]
    g = x.reshape([math.prod(lead), *rest, 1])
    for d, span in enumerate(spans):
        longest = max(end - start for start, end in span)
        zero_shape = list(g.shape)
        zero_shape[1] = 1
        zero = torch.zeros(zero_shape, dtype=g.dtype)
        pieces = []
        for start, end in span:
            pieces.append(g.narrow(1, start, end - start))
            pieces += [zero] * (longest - (end - start))
        g = torch.cat(pieces, dim=1)
        tail, done = rest[d + 1 :], int(g.shape[-1])
        g = g.reshape(int(g.shape[0]), len(span), longest, math.prod(tail), done)
        # this dim's window offset goes innermost of the offsets so far (row-major order)
        g = g.permute(0, 1, 3, 4, 2).reshape([int(g.shape[0]) * len(span), *tail, done * longest])
    return g.reshape(lead + [len(s) for s in spans] + [int(g.shape[-1])])


def _adaptive_avg_pool3d(x: torch.Tensor, output_size: Any) -> Any:
    """torch's CPU kernel (cpu_adaptive_avg_pool3d, contiguous input): per output position an
    accumulator starting at 0 adds the window's elements in row-major order, then is divided by the
    window's depth, height and width one after another (float32 in float32; half and bfloat16 in
    their own dtype, measured: each addition and division rounded to it).
    The same here in builtins: every window gathered into the last axis (a short window padded with
    zeros, which change no sum that starts at +0), one ADD per window slot, then three DIVs by the
    window lengths. A size that divides the input is left to litert-torch (fixed windows)."""
    name = "aten.adaptive_avg_pool3d"
    if not isinstance(x, torch.Tensor) or x.dtype not in (torch.float32, torch.float16, torch.bfloat16):
        return NotImplemented
    if x.dim() not in (4, 5):
        raise ValueError(f"{name}: input must be 4-D or 5-D, got shape {tuple(x.shape)}")
    sizes = [int(s) for s in output_size]
    if len(sizes) != 3 or any(s <= 0 for s in sizes):
        raise ValueError(f"{name}: output_size must be 3 positive sizes, got {list(output_size)}")
    in_sizes = [int(d) for d in x.shape[-3:]]
    if any(d == 0 for d in in_sizes):
        raise ValueError(f"{name}: input spatial dims must be non-empty, got shape {tuple(x.shape)}")
    if all(size % out == 0 for size, out in zip(in_sizes, sizes, strict=True)):
        return NotImplemented  # fixed windows: litert-torch lowers it
    spans = [_spans(size, out) for size, out in zip(in_sizes, sizes, strict=True)]
    g = _zero_padded_windows(x.to(torch.float32), spans)
    # half / bfloat16: torch's accumulator and divisions are in the dtype (measured), each step
    # rounded to it; here each float32 step is rounded through the dtype.
    narrow = x.dtype != torch.float32

    def rounded(t: torch.Tensor) -> torch.Tensor:
        return t.to(x.dtype).to(torch.float32) if narrow else t

    total = g[..., 0]
    for slot in range(1, int(g.shape[-1])):
        total = rounded(total + g[..., slot])
    # torch's sum starts at +0, so it is never -0 (+0 + -0 is +0): a window of -0 averages to +0
    total = torch.where(total == 0, torch.zeros((), dtype=torch.float32), total)
    for d, (size, out) in enumerate(zip(in_sizes, sizes, strict=True)):
        shape = [1, 1, 1]
        shape[d] = out
        total = rounded(total / _window_lengths(size, out, shape))
    return total.to(x.dtype)


@_rule(aten.adaptive_avg_pool3d.default, aten._adaptive_avg_pool3d.default)
def adaptive_avg_pool3d(x: torch.Tensor, output_size: Any) -> Any:
    return _adaptive_avg_pool3d(x, output_size)


# --- einsum of integer tensors ------------------------------------------------------------------------


def _int_einsum(equation: str, tensors: list[torch.Tensor]) -> Any:
    """Integer einsum: products and sums wrap modulo 2^bits, so any contraction order gives torch's
    result. Each operand's repeated labels become diagonals, labels no other operand nor the output
    has are summed out, then the operands are contracted left to right with BatchMatMulV2 (the
    kept labels as batch, the shared rest as the contracted dim), and the result is permuted to the
    output order. dtype as torch's: a single operand that is summed gives int64 (torch.sum's
    promotion), else the operands' dtype."""
    name = "aten.einsum"
    eq = equation.replace(" ", "")
    inputs, arrow, output = eq.partition("->")
    subscripts = inputs.split(",")
    if len(subscripts) != len(tensors):
        return NotImplemented  # torch reports malformed equations itself
    ellipsis_dims = max(
        (x.dim() - len(s.replace("...", "")) for s, x in zip(subscripts, tensors, strict=True) if "..." in s),
        default=0,
    )
    dots = [f"...{k}" for k in range(ellipsis_dims)]
    if arrow:
        head, has_dots, tail = output.partition("...")
        out_labels = [*head, *(dots if has_dots else []), *tail]
    else:  # implicit: the ellipsis dims, then the labels used once, sorted (upper case first)
        letters = "".join(s.replace("...", "") for s in subscripts)
        out_labels = dots + sorted(c for c in set(letters) if letters.count(c) == 1)
    dtype = tensors[0].dtype
    for t in tensors[1:]:
        dtype = torch.promote_types(dtype, t.dtype)
    work = torch.int64 if dtype == torch.int64 else torch.int32
    operands: list[tuple[torch.Tensor, list[str]]] = []
    sizes: dict[str, int] = {}
    for subscript, x in zip(subscripts, tensors, strict=True):
        labels = einsum_labels(subscript, x.dim(), name, ellipsis_dims)
        x = x.to(work)
        while len(set(labels)) < len(labels):  # a repeated label: its diagonal
            first = next(d for d, label in enumerate(labels) if labels.index(label) != d)
            prev = labels.index(labels[first])
            if x.shape[prev] != x.shape[first]:
                raise ValueError(
                    f"{name}: subscript {labels[first]!r} is repeated for dims of different sizes"
                )
            label = labels[first]
            x = torch.diagonal(x, 0, prev, first)
            labels = [lab for d, lab in enumerate(labels) if d not in (prev, first)] + [label]
        for label, size in zip(labels, x.shape, strict=True):
            if size != 1:
                if sizes.get(label, 1) not in (1, int(size)):
                    raise ValueError(f"{name}: subscript {label!r} has sizes {sizes[label]} and {int(size)}")
                sizes[label] = int(size)
            sizes.setdefault(label, 1)
        operands.append((x, labels))
    summed_any = False

    def reduce_unshared(
        x: torch.Tensor, labels: list[str], others: set[str]
    ) -> tuple[torch.Tensor, list[str]]:
        nonlocal summed_any
        gone = [d for d, label in enumerate(labels) if label not in others and label not in out_labels]
        if not gone:
            return x, labels
        summed_any = True
        return x.sum(gone, dtype=work), [lab for d, lab in enumerate(labels) if d not in gone]

    def shape_of(labels: list[str]) -> list[int]:
        return [sizes[label] for label in labels]

    x, lx = operands[0]
    for position in range(1, len(operands) + 1):
        later = {lab for _, labels in operands[position:] for lab in labels}
        if position == len(operands):
            x, lx = reduce_unshared(x, lx, set())
            break
        y, ly = operands[position]
        later_after = {lab for _, labels in operands[position + 1 :] for lab in labels}
        x, lx = reduce_unshared(x, lx, set(ly) | later)
        y, ly = reduce_unshared(y, ly, set(lx) | later_after)
        keep = set(out_labels) | later_after
        batch = [lab for lab in lx if lab in ly and lab in keep]
        shared = [lab for lab in lx if lab in ly and lab not in keep]
        x_only = [lab for lab in lx if lab not in ly]
        y_only = [lab for lab in ly if lab not in lx]
        xm = x.permute([lx.index(lab) for lab in batch + x_only + shared]).expand(
            shape_of(batch + x_only + shared)
        )
        ym = y.permute([ly.index(lab) for lab in batch + shared + y_only]).expand(
            shape_of(batch + shared + y_only)
        )
        b, m, k, n = (math.prod(shape_of(group)) for group in (batch, x_only, shared, y_only))
        product = op("BatchMatMulV2")(xm.reshape(b, m, k), ym.reshape(b, k, n))
        x, lx = product.reshape(shape_of(batch + x_only + y_only)), batch + x_only + y_only
    if len(tensors) == 1 and summed_any:
        dtype = torch.int64  # torch.sum of an integer / bool tensor
    x = x.expand(shape_of(lx)) if list(x.shape) != shape_of(lx) else x
    return x.permute([lx.index(lab) for lab in out_labels]).to(dtype)


@_rule(aten.einsum.default)
def int_einsum(equation: str, tensors: list[torch.Tensor], *, path: Any = None) -> Any:
    if not tensors or not all(_is_int(t) for t in tensors):
        return NotImplemented
    return _int_einsum(equation, list(tensors))


# --- torch.histogram ------------------------------------------------------------------------------------


def _fused(a: float, b: float, c: float) -> float:
    """a * b + c rounded once to float32 (torch's linspace kernel is compiled with FMA contraction)."""
    from fractions import Fraction

    return _float32(Fraction(a) * Fraction(b) + Fraction(c))


def _float32(v: Any) -> float:
    """v rounded to the nearest float32 (ties to even), in Python: a tensor made here would be traced
    into the graph. An exact Fraction is rounded once (through float64 only where that is exact)."""
    from fractions import Fraction

    if isinstance(v, Fraction):
        return _fraction_to_float32(v)
    return struct.unpack("<f", struct.pack("<f", float(v)))[0]


def _fraction_to_float32(v: Any) -> float:
    if v == 0:
        return 0.0
    sign = -1 if v < 0 else 1
    v = abs(v)
    exponent = math.floor(math.log2(v.numerator) - math.log2(v.denominator))
    while 2**exponent > v:  # log2 of huge integers may be off by one
        exponent -= 1
    while 2 ** (exponent + 1) <= v:
        exponent += 1
    quantum_exponent = max(exponent, -126) - 23  # float32: 24-bit significand, subnormals below 2^-126
    scaled = v / (2**quantum_exponent) if quantum_exponent >= 0 else v * (2**-quantum_exponent)
    whole = math.floor(scaled)
    rest = scaled - whole
    if rest > 0.5 or (rest == 0.5 and whole % 2 == 1):
        whole += 1
    return sign * float(whole) * 2.0**quantum_exponent


def _linspace_edges(low: float, high: float, steps: int) -> list[float]:
    """torch.linspace(low, high, steps) in float32 as torch's CPU kernel computes it (measured equal
    for 2..200 steps over several ranges): step = float32((end - start) / (steps - 1)), the first
    half start + step * i, the second end - step * (steps - 1 - i), each fused (rounded once)."""
    start, end = _float32(low), _float32(high)
    step = _float32(_float32(end - start) / (steps - 1))
    half = steps // 2
    return [_fused(step, i, start) if i < half else _fused(-step, steps - 1 - i, end) for i in range(steps)]


def _histogram(
    x: torch.Tensor, edges: torch.Tensor, bins: int, weight: Any, density: bool, local_search: bool, name: str
) -> torch.Tensor:
    """torch's histogramdd CPU kernel for one dim: an element outside [edges[0], edges[-1]] (or NaN)
    is dropped; its bin is upper_bound(edges, x) - 1 (with a linear guess, torch searches only the
    edges from guess - 1 to guess + 1: the same here), the last edge in the last bin. Counts are
    exact; weights are added to their bin in element order (a sequential CUMSUM), as torch's
    single-chunk loop does. density: hist / hist.sum() / the bin widths, in that order."""
    flat = x.reshape(-1)
    n = int(flat.shape[0])
    if n == 0:
        hist = torch.zeros(bins, dtype=x.dtype)
        return hist / hist.sum() / (edges[1:] - edges[:-1]) if density else hist
    low, high = edges[0], edges[-1]
    inside = (flat >= low) & (flat <= high)
    k = torch.arange(bins + 1, dtype=torch.int32)
    at_or_above = flat.unsqueeze(-1) >= edges  # (n, bins + 1)
    if local_search:
        guess = ((torch.where(inside, flat, low) - low) * bins / (high - low)).to(torch.int32).unsqueeze(-1)
        window = (k >= guess - 1) & (k < guess + 2)
        first = torch.clamp(guess - 1, min=0)
        pos = first + (at_or_above & window).to(torch.int32).sum(-1, keepdim=True, dtype=torch.int32) - 1
        pos = pos.squeeze(-1)
    else:
        pos = at_or_above.to(torch.int32).sum(-1, dtype=torch.int32) - 1
    pos = torch.where(pos == bins, pos - 1, pos)
    hit = (pos.unsqueeze(-1) == k[:bins]) & inside.unsqueeze(-1)  # (n, bins)
    if weight is None:
        hist = hit.to(torch.int32).sum(0, dtype=torch.int32).to(x.dtype)
    else:
        w = weight.reshape(-1).to(x.dtype)
        hist = torch.cumsum(torch.where(hit, w.unsqueeze(-1), torch.zeros((), dtype=x.dtype)), 0)[-1]
        hist = torch.where(hist == 0, torch.zeros((), dtype=x.dtype), hist)  # torch's bins start at +0
    if density:
        total = torch.cumsum(hist, 0)[-1]
        hist = hist / total / (edges[1:] - edges[:-1])
    return hist


def _histogram_input(x: torch.Tensor, weight: Any, name: str) -> torch.Tensor:
    if x.dtype == torch.float64:
        from .aten_search import _float64_as_float32

        x = x.to(_float64_as_float32(name))
    if x.dtype != torch.float32:
        raise ValueError(f"{name}: dtype {x.dtype} is not supported (float32)")
    if weight is not None and tuple(weight.shape) != tuple(x.shape):
        raise ValueError(
            f"{name}: weight must have the input's shape {tuple(x.shape)}, got {tuple(weight.shape)}"
        )
    return x


@_rule(aten.histogram.bin_ct)
def histogram_bin_ct(
    x: torch.Tensor, bins: int = 100, *, range: Any = None, weight: Any = None, density: bool = False
) -> Any:
    name = "aten.histogram"
    x = _histogram_input(x, weight, name)
    if bins <= 0:
        raise ValueError(f"{name}: bins must be > 0, got {bins}")
    if range is None:
        raise ValueError(
            f"{name}: bins as a count needs range= (its edges, torch's linspace, are computed at "
            "conversion; the data's own min / max would need them at run time)"
        )
    low, high = float(range[0]), float(range[1])
    if not (math.isfinite(low) and math.isfinite(high)):
        raise ValueError(f"{name}: range [{low}, {high}] is not finite")
    if low > high:
        raise ValueError(f"{name}: range's max must be larger than its min, got [{low}, {high}]")
    if low == high:  # torch (as numpy) widens an empty range
        low, high = low - 0.5, high + 0.5
    values = _linspace_edges(low, high, bins + 1)
    edges = torch.cat([torch.full((1,), v, dtype=torch.float32) for v in values])
    return _histogram(x, edges, bins, weight, density, True, name), edges


@_rule(aten.histogram.bins_tensor)
def histogram_bins_tensor(
    x: torch.Tensor, bins: torch.Tensor, *, weight: Any = None, density: bool = False
) -> Any:
    name = "aten.histogram"
    x = _histogram_input(x, weight, name)
    if bins.dim() != 1 or int(bins.shape[0]) < 2:
        raise ValueError(
            f"{name}: bins must be a 1-D tensor of at least 2 edges, got shape {tuple(bins.shape)}"
        )
    edges = bins.to(x.dtype)
    return _histogram(x, edges, int(bins.shape[0]) - 1, weight, density, False, name), edges.clone()
