"""Complex-valued math on the complex representation of aten_fft (elementwise functions, powers,
matrix products, reductions).

litert-torch 0.10 lowers no math on complex tensors ("Unsupported ir element type: complex<f32>").
The rewrites here take each complex use of an aten op (a real one goes on to the rewrite an earlier
family registered, or to litert-torch):

- exp, log, log10, log2, log1p, expm1, sqrt, rsqrt, reciprocal, sin, cos, tan, asin, acos, atan,
  sinh, cosh, tanh, asinh, acosh, atanh (and the arc* aliases), sigmoid, sgn, square: one
  Opbridge>TorchComplexUnary node (`fn`), which calls what torch's CPU kernels call: the C library's
  complex functions through std::exp ... of std::complex (their branch cuts, signed zeros,
  inf/NaN rules), and torch's own formulas (c10::complex division, log1p, expm1, sigmoid's steps,
  complex128 acos as pi/2 - asin) rounded as its FMA build rounds them (ops/math/torch_complex.h).
  Bitwise equal to torch 2.13's AVX512 kernels over 330k random and special values per function
  and dtype, but complex128 sgn: torch's |z| there is Sleef's hypot (1 ulp apart on 0.6% of
  elements), and complex64 sgn where both parts are subnormal (torch's Sleef |z| comes out too
  small there, its quotient infinite). exp2 is exp(z * ln 2), the parts scaled first (subnormals
  kept), as torch's.
- pow: complex ** complex, complex ** real (scalar or tensor), real ** complex: torch promotes both
  sides to complex and calls std::pow (the C library's cpow): Opbridge>TorchComplexBinary (fn="pow"), bitwise.
  torch's scalar shortcuts are kept: exponent 0 -> 1, 1 -> a copy, 2 -> z*z, 3 -> z*z*z, -2 ->
  1/(z*z), 0.5 -> sqrt, -0.5 -> rsqrt, -1 -> reciprocal (the unary op), a base of 1 -> 1.
- mm, bmm, matmul, einsum (torch's decomposition into bmm): TF's BatchMatMulV2 on complex64 /
  complex128 (Eigen's complex products and sums). torch uses MKL's cgemm, whose summation order
  is its own: the results agree to rounding (relative 1e-6 of the row norms for complex64), not
  bitwise.
- abs stays litert-torch's (builtin COMPLEX_ABS); polar is aten_arith's.
- sum / mean without dims, cumsum, var / std (torch: var(re) + var(im), real): on the parts.
  Sums run in XNNPACK's / TFLite's order, torch in its (float32 cumsum: torch accumulates in
  double): rounding-level differences. prod and cumprod of complex are not covered.

Complex ops with no rewrite anywhere still fail in litert-torch; conversion.py reports them by aten
op name (not litert-torch's "Unsupported ir element type").
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch

from . import decompositions
from .ops import op

aten = torch.ops.aten

_COMPLEX = {torch.float32: torch.complex64, torch.float64: torch.complex128}
_REAL = {v: k for k, v in _COMPLEX.items()}


def _fft() -> Any:
    from . import aten_fft

    return aten_fft


def _parts(z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    return _fft()._parts(z)


def _join(re: torch.Tensor, im: torch.Tensor) -> torch.Tensor:
    return _fft()._join(re, im)


def _as_complex(x: Any, dtype: torch.dtype, like: torch.Tensor) -> torch.Tensor:
    """x (tensor or Python number) as a complex tensor of `dtype` (torch's promotion)."""
    return _fft()._as_complex(x, like.new_empty((), dtype=dtype))


def _block(dtype: torch.dtype, vectors: int = 2) -> int:
    """Elements per SIMD step of torch's elementwise loop on this machine (`vectors` of
    Vectorized<c10::complex<T>>: 2 in the unary loops, 1 in the product's, measured), past which a
    row's rest runs torch's scalar form; 0 where torch's build has no x86 vector kernels (the
    forms are then not modelled)."""
    width = {"AVX512": 64, "AVX2": 32}.get(torch.backends.cpu.get_cpu_capability(), 0)
    element = 8 if dtype == torch.complex64 else 16
    return vectors * width // element


def _unary(z: torch.Tensor, fn: str) -> torch.Tensor:
    return op("Opbridge>TorchComplexUnary")(z, fn=fn, block=_block(z.dtype))


def _binary(fn: str, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return op("Opbridge>TorchComplexBinary")(x, y, fn=fn, block=_block(x.dtype, 1))


# --- registration: complex uses here, the rest to the rewrite registered before (if any) ---

_RULES: list[tuple[torch._ops.OpOverload, Callable[..., Any]]] = []
_INSTALLED: set[torch._ops.OpOverload] = set()


def _complex_rule(*overloads: torch._ops.OpOverload) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        _RULES.extend((o, fn) for o in overloads)
        return fn

    return register


def register_available() -> None:
    """Installs the rules over the earlier families' rewrites of the same ops (decompositions.table()
    calls this after importing this module, i.e. after the families before it): a rule that declines
    (NotImplemented, a real input) hands the call to the earlier rewrite."""
    table = decompositions._TABLE
    for overload, rule in _RULES:
        if overload in _INSTALLED:  # once: a later family may have wrapped the chained rule since
            continue
        table[overload] = _chained(rule, table.get(overload))
        _INSTALLED.add(overload)


def _chained(rule: Callable[..., Any], prior: Callable[..., Any] | None) -> Callable[..., Any]:
    def run(*args: Any, **kwargs: Any) -> Any:
        result = rule(*args, **kwargs)
        if result is NotImplemented and prior is not None:
            return prior(*args, **kwargs)
        return result

    run._complex_rule = rule  # type: ignore[attr-defined]
    run.__name__ = getattr(rule, "__name__", "complex_rule")
    return run


def _any_complex(*values: Any) -> bool:
    return any(isinstance(v, torch.Tensor) and v.is_complex() for v in values) or any(
        isinstance(v, complex) for v in values
    )


# --- elementwise functions: Opbridge>TorchComplexUnary ---

_UNARY: dict[str, tuple[torch._ops.OpOverload, ...]] = {
    "exp": (aten.exp.default,),
    "log": (aten.log.default,),
    "log10": (aten.log10.default,),
    "log2": (aten.log2.default,),
    "log1p": (aten.log1p.default, aten.special_log1p.default),
    "expm1": (aten.expm1.default, aten.special_expm1.default),
    "sqrt": (aten.sqrt.default,),
    "rsqrt": (aten.rsqrt.default,),
    "reciprocal": (aten.reciprocal.default,),
    "sin": (aten.sin.default,),
    "cos": (aten.cos.default,),
    "tan": (aten.tan.default,),
    "asin": (aten.asin.default, aten.arcsin.default),
    "acos": (aten.acos.default, aten.arccos.default),
    "atan": (aten.atan.default, aten.arctan.default),
    "sinh": (aten.sinh.default,),
    "cosh": (aten.cosh.default,),
    "tanh": (aten.tanh.default,),
    "asinh": (aten.asinh.default, aten.arcsinh.default),
    "acosh": (aten.acosh.default, aten.arccosh.default),
    "atanh": (aten.atanh.default, aten.arctanh.default),
    "sigmoid": (aten.sigmoid.default, aten.special_expit.default),
    "sgn": (aten.sgn.default,),
    "square": (aten.square.default,),
}


def _unary_rule(fn: str) -> Callable[..., Any]:
    def rule(x: torch.Tensor) -> Any:
        if not x.is_complex():
            return NotImplemented
        return _unary(x, fn)

    rule.__name__ = f"complex_{fn}"
    return rule


for _fn, _overloads in _UNARY.items():
    _complex_rule(*_overloads)(_unary_rule(_fn))


@_complex_rule(aten.exp2.default, aten.special_exp2.default)
def exp2(x: torch.Tensor) -> Any:
    if not x.is_complex():
        return NotImplemented
    return _unary(x, "exp2")


# --- pow ---

# torch's pow_tensor_scalar shortcuts (exponent with a zero imaginary part) -> the unary fn
_POW_SHORTCUTS = {
    2.0: "square",
    3.0: "cube",
    -2.0: "inverse_square",
    0.5: "sqrt",
    -0.5: "rsqrt",
    -1.0: "reciprocal",
}


def _ones(shape: Sequence[int], dtype: torch.dtype) -> torch.Tensor:
    part = _REAL[dtype]
    return _join(torch.ones(tuple(shape), dtype=part), torch.zeros(tuple(shape), dtype=part))


@_complex_rule(aten.pow.Tensor_Scalar)
def pow_tensor_scalar(x: torch.Tensor, exponent: Any) -> Any:
    if not _any_complex(x, exponent):
        return NotImplemented
    dtype = torch.result_type(x, exponent)
    e = complex(exponent)
    if e == 0:  # torch fills 1 (0 ** 0 too)
        return _ones(x.shape, dtype)
    z = _as_complex(x, dtype, x)
    if e == 1:
        return _fft()._on_parts(z, torch.clone)
    if e.imag == 0 and e.real in _POW_SHORTCUTS:
        return _unary(z, _POW_SHORTCUTS[e.real])
    return _binary("pow", z, _as_complex(exponent, dtype, x))


@_complex_rule(aten.pow.Tensor_Tensor)
def pow_tensor_tensor(x: torch.Tensor, exponent: torch.Tensor) -> Any:
    if not _any_complex(x, exponent):
        return NotImplemented
    dtype = torch.result_type(x, exponent)
    return _binary("pow", _as_complex(x, dtype, x), _as_complex(exponent, dtype, x))


@_complex_rule(aten.pow.Scalar)
def pow_scalar(base: Any, exponent: torch.Tensor) -> Any:
    if not _any_complex(base, exponent):
        return NotImplemented
    dtype = torch.result_type(base, exponent)
    if complex(base) == 1:  # torch fills 1
        return _ones(exponent.shape, dtype)
    return _binary("pow", _as_complex(base, dtype, exponent), _as_complex(exponent, dtype, exponent))


# --- products and quotients: Opbridge>TorchComplexBinary (aten_fft's TF Mul / RealDiv before) ---


def _arith_rule(fn: str) -> Callable[..., Any]:
    def rule(a: Any, b: Any) -> Any:
        if not _any_complex(a, b):
            return NotImplemented
        dtype = torch.result_type(a, b)
        like = a if isinstance(a, torch.Tensor) else b
        return _binary(fn, _as_complex(a, dtype, like), _as_complex(b, dtype, like))

    rule.__name__ = f"complex_{fn}"
    return rule


_complex_rule(aten.mul.Tensor)(_arith_rule("mul"))
_complex_rule(aten.div.Tensor)(_arith_rule("div"))


# --- matrix products: TF's BatchMatMulV2 ---


def _matmul_operands(a: torch.Tensor, b: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor] | None:
    if not _any_complex(a, b):
        return None
    dtype = torch.promote_types(a.dtype, b.dtype)
    if dtype not in _REAL:
        raise ValueError(f"aten.matmul: complex operands of {a.dtype} and {b.dtype} are not supported")
    return _as_complex(a, dtype, a), _as_complex(b, dtype, a)


@_complex_rule(aten.mm.default, aten.bmm.default)
def mm(a: torch.Tensor, b: torch.Tensor) -> Any:
    operands = _matmul_operands(a, b)
    if operands is None:
        return NotImplemented
    return op("BatchMatMulV2")(*operands)


@_complex_rule(aten.matmul.default)
def matmul(a: torch.Tensor, b: torch.Tensor) -> Any:
    operands = _matmul_operands(a, b)
    if operands is None:
        return NotImplemented
    x, y = operands
    if x.dim() == 0 or y.dim() == 0:
        raise ValueError("aten.matmul: both arguments need at least 1 dimension")
    vector_x, vector_y = x.dim() == 1, y.dim() == 1
    if vector_x:
        x = x.unsqueeze(0)
    if vector_y:
        y = y.unsqueeze(-1)
    out = op("BatchMatMulV2")(x, y)
    if vector_y:
        out = out.squeeze(-1)
    if vector_x:
        out = out.squeeze(-2)
    return out


@_complex_rule(aten.einsum.default)
def einsum(equation: str, operands: Sequence[torch.Tensor], *args: Any, **kwargs: Any) -> Any:
    if not _any_complex(*operands):
        return NotImplemented
    # torch's own decomposition (permutes, reshapes, bmm), whose complex ops meet the rules here
    return aten.einsum.default._op_dk(
        torch._C.DispatchKey.CompositeImplicitAutograd, equation, operands, *args, **kwargs
    )


# --- reductions on the parts ---


@_complex_rule(aten.sum.default)
def sum_all(x: torch.Tensor, *, dtype: torch.dtype | None = None) -> Any:
    if not x.is_complex() or (dtype is not None and dtype != x.dtype):
        return NotImplemented
    re, im = _parts(x)
    return _join(torch.sum(re), torch.sum(im))


@_complex_rule(aten.mean.default)
def mean_all(x: torch.Tensor, *, dtype: torch.dtype | None = None) -> Any:
    if not x.is_complex() or (dtype is not None and dtype != x.dtype):
        return NotImplemented
    re, im = _parts(x)
    return _join(torch.mean(re), torch.mean(im))


@_complex_rule(aten.cumsum.default)
def cumsum(x: torch.Tensor, dim: int, *, dtype: torch.dtype | None = None) -> Any:
    if not x.is_complex() or (dtype is not None and dtype != x.dtype):
        return NotImplemented
    re, im = _parts(x)
    return _join(torch.cumsum(re, dim), torch.cumsum(im, dim))


@_complex_rule(aten.var.correction)
def var(x: torch.Tensor, dim: Any = None, *, correction: Any = None, keepdim: bool = False) -> Any:
    if not x.is_complex():
        return NotImplemented
    # torch (std_var_out): the variances of the real and imaginary parts, added (std: its sqrt)
    re, im = _parts(x)
    return torch.var(re, dim, correction=correction, keepdim=keepdim) + torch.var(
        im, dim, correction=correction, keepdim=keepdim
    )


@_complex_rule(aten.std.correction)
def std(x: torch.Tensor, dim: Any = None, *, correction: Any = None, keepdim: bool = False) -> Any:
    if not x.is_complex():
        return NotImplemented
    return torch.sqrt(var(x, dim, correction=correction, keepdim=keepdim))
