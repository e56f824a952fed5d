"""Index and matrix constructors and pairwise distances: tril_indices / triu_indices,
linalg.vander, pdist; complex neg, where, isnan, eq/ne, sum, mean and complex scalar_tensor.

tril_indices / triu_indices: litert-torch has no lowering for them ("Lowering not found"). Their
values depend only on the (static) sizes and offset, so the rewrite computes them in Python and
the model holds a constant: torch's row-major order, int64 unless `dtype` says otherwise (int32
in the model without enable_x64, as every int64 tensor).

linalg.vander: torch builds it as cumprod(x expanded to (..., n, N-1)); opbridge's cumprod rewrite
multiplies in double (torch's accumulation type), and the converter moves that cast before the
expand: a float64 BROADCAST_TO, which does not legalize ("failed to legalize operation
'tfl.broadcast_to'"). The rewrite concatenates [1, x, ..., x] instead (as torch.vander does,
which converts) and takes its cumprod: the same products, rounded once each, so the same bits.

pdist: litert-torch's lowering (jnp cdist, then a triu gather) makes a float64 SELECT_V2 that
does not legalize. The rewrite gathers the row pairs (constant indices, torch's order) and
reduces |x_i - x_j| in the order of torch's CPU kernel (map2_reduce_all over Vectorized<float>;
measured: torch 2.13 runs pdist's AVX2 kernel, 8 lanes, also where its capability is AVX512): a
row shorter than 8 is summed left to right; a longer one accumulates lane-wise over chunks of 8
(the last chunk zero padded), then the lanes are halved pairwise (v[:h] + v[h:], h = 4, 2, 1), as
the vector reduction does (the default, non-AVX build reduces the 8 lanes left to right; other
CPUs' builds, aarch64, were not measured). p = 0 counts nonzeros, p = 1 sums |d|, p = inf is the
max (NaN if any difference is NaN): torch's bits. p = 2 sums the rounded squares (torch's bits)
and takes SQRT, which the XNNPACK delegate does not round correctly: up to 1 ulp from torch's
std::sqrt. Other p use TFLite's POW where torch uses Sleef's vectorized pow: 1-2 ulp. float64
pdist runs in float32 (litert-torch's default); with enable_x64 it is refused (float64 gathers
and comparisons do not legalize). cdist converts through litert-torch alone (sums in XNNPACK's
order: ulp-level differences from torch's left-to-right loop).

Complex arithmetic (aten_fft.py) was checked here against torch: + - * / conj, .real/.imag,
view_as_real/view_as_complex, angle, abs convert and agree to rounding. The probe case
`(complex(a, b) * complex(b, a)).real` is exactly 0 (a*b - b*a); the model gives 0, torch gives
values of 1e-8 at the last elements only: torch's complex64 mul is vectorized without FMA, but
the elements past its last full vector step (16 on AVX512) go through the scalar
c10::complex operator*, which the compiler contracts to fma(a, c, -(b * d)): the exact product's
rounding error. That position-dependent difference (at most the rounding of one product) is
torch's, not reproducible in a graph; the relative error of 1.0 was 2e-8 over a maximum of 2e-8.
Complex division differs at ulp level (torch: Smith's division in c10::complex; TF's RealDiv:
Eigen's scaled one), so do angle (atan2 implementations) and sgn.

Complex ops litert-torch fails on with "Unsupported ir element type: complex<f32>": neg, where
(complex scalars too, through scalar_tensor), isnan, eq/ne, sum and mean run here on the real and
imaginary parts (bitwise except the sums: XNNPACK's SUM order, not torch's). Still failing with
that message (no rewrite): exp/log/sqrt/sin/tanh, reciprocal, pow, matmul of complex tensors.
"""

from __future__ import annotations

import functools
import importlib
import math
from typing import Any

import numpy as np
import torch

from . import lowering
from .decompositions import replaces

aten = torch.ops.aten


# --- integer constants made inside a rewrite ---
# torch.tensor(...) in a rewrite traces to lift_fresh_copy + detach_, which litert-torch's
# functional pass refuses; this op holds the values as arguments and lowers to a constant.


@torch.library.custom_op("opbridge_construct::constant", mutates_args=())
def _constant_op(values: list[int], shape: list[int], wide: bool) -> torch.Tensor:
    return torch.tensor(values, dtype=torch.int64 if wide else torch.int32).reshape(shape)


@_constant_op.register_fake
def _constant_fake(values: list[int], shape: list[int], wide: bool) -> torch.Tensor:
    return torch.empty(shape, dtype=torch.int64 if wide else torch.int32)


@functools.cache
def _constant_lowering() -> None:
    from .litert_torch_api import api

    ir = importlib.import_module("litert_converter.mlir.ir")
    stablehlo = importlib.import_module("litert_converter.mlir.dialects.stablehlo")

    def lower(lctx: Any, values: list[int], shape: list[int], wide: bool) -> Any:
        # 64-bit only when the conversion keeps int64 (litert-torch narrows the rest itself).
        bits = 64 if wide and lowering.x64_enabled() else 32
        array = np.asarray(values, dtype=np.int64 if bits == 64 else np.int32).reshape(shape)
        attr = ir.DenseElementsAttr.get(array, type=ir.IntegerType.get_signless(bits), shape=array.shape)
        return stablehlo.constant(attr)

    api().lower(torch.ops.opbridge_construct.constant.default)(lower)


def _constant(values: list[list[int]], dtype: torch.dtype) -> torch.Tensor:
    """A constant int32/int64 tensor of `values` (a rectangular list of lists)."""
    _constant_lowering()
    shape = [len(values), len(values[0])]
    flat = [int(v) for row in values for v in row]
    return torch.ops.opbridge_construct.constant(flat, shape, dtype == torch.int64)


# --- tril_indices / triu_indices: constants of the sizes ---


def _triangle(row: int, col: int, offset: int, lower: bool) -> list[list[int]]:
    rows, cols = [], []
    for i in range(row):
        for j in range(col):
            if (j - i <= offset) if lower else (j - i >= offset):
                rows.append(i)
                cols.append(j)
    return [rows, cols]


def _indices(name: str, lower: bool) -> Any:
    def rewrite(row: int, col: int, offset: int = 0, *, dtype: torch.dtype | None = None, **_: Any) -> Any:
        if row < 0 or col < 0:
            raise ValueError(f"aten.{name}: row and col must be non-negative, got {row}, {col}")
        dtype = dtype or torch.int64
        if dtype not in (torch.int32, torch.int64):
            raise ValueError(f"aten.{name}: dtype must be int32 or int64, got {dtype}")
        values = _triangle(int(row), int(col), int(offset), lower)
        if not values[0]:
            return torch.zeros((2, 0), dtype=dtype)
        return _constant(values, dtype)

    rewrite.__name__ = name
    return rewrite


replaces(aten.tril_indices.default)(_indices("tril_indices", lower=True))
replaces(aten.triu_indices.default)(_indices("triu_indices", lower=False))


# --- linalg.vander ---


@replaces(aten.linalg_vander.default)
def linalg_vander(x: torch.Tensor, *, N: int | None = None) -> torch.Tensor:
    n = int(x.shape[-1]) if N is None else int(N)
    if n <= 1:
        raise ValueError(f"aten.linalg_vander: N must be greater than 1, got {n}")
    if x.dtype == torch.bool or x.is_complex():
        raise ValueError(f"aten.linalg_vander: dtype {x.dtype} is not supported (float and integer tensors)")
    dtype = x.dtype if x.is_floating_point() else torch.int64
    column = x.unsqueeze(-1).to(dtype)
    ones = torch.ones_like(column)
    # cumprod of [1, x, ..., x]: 1 * x is x, then torch's products (no expand: see the docstring).
    return torch.cumprod(torch.cat([ones] + [column] * (n - 1), dim=-1), dim=-1)


# --- pdist ---


def _lanes() -> tuple[int, bool]:
    """The width of the Vectorized<float> torch's pdist kernel runs on and whether its full-vector
    reduction is the halving tree. Measured: torch 2.13 runs pdist's AVX2 kernel also where its CPU
    capability is AVX512 (8 lanes, tree); the default build's 8 generic lanes reduce left to right."""
    return 8, torch.backends.cpu.get_cpu_capability() in ("AVX2", "AVX512")


def _sequential(parts: list[torch.Tensor], combine: Any) -> torch.Tensor:
    acc = parts[0]
    for part in parts[1:]:
        acc = combine(acc, part)
    return acc


def _reduce_like_torch(mapped: torch.Tensor, combine: Any) -> torch.Tensor:
    """Reduces the last dim of `mapped` as map2_reduce_all does (see the module docstring)."""
    m = int(mapped.shape[-1])
    lanes, tree = _lanes()
    if m < lanes:
        return _sequential([mapped[..., i] for i in range(m)], combine)
    chunks = -(-m // lanes)
    if chunks * lanes != m:  # the tail chunk: zero differences map to 0, which leave the lanes as they are
        mapped = torch.cat([mapped, mapped.new_zeros((*mapped.shape[:-1], chunks * lanes - m))], dim=-1)
    acc = _sequential([mapped[..., c * lanes : (c + 1) * lanes] for c in range(chunks)], combine)
    if not tree:
        return _sequential([acc[..., i] for i in range(lanes)], combine)
    half = lanes // 2
    while half >= 1:
        acc = combine(acc[..., :half], acc[..., half : 2 * half])
        half //= 2
    return acc[..., 0]


@replaces(aten._pdist_forward.default)
def pdist_forward(x: torch.Tensor, p: float = 2.0) -> torch.Tensor:
    if x.dim() != 2:
        raise ValueError(f"aten._pdist_forward: input must be 2-D, got rank {x.dim()}")
    if not x.is_floating_point():
        raise ValueError(f"aten._pdist_forward: dtype {x.dtype} is not supported (float tensors)")
    if p < 0:
        raise ValueError(f"aten._pdist_forward: p must be non-negative, got {p}")
    if x.dtype == torch.float64:
        if lowering.x64_enabled():
            raise ValueError(
                "aten._pdist_forward: float64 with enable_x64 is not supported (litert-torch cannot "
                "legalize float64 gathers and comparisons); convert without enable_x64"
            )
        x = x.to(torch.float32)
    n, m = int(x.shape[0]), int(x.shape[1])
    first, second = _triangle(n, n, 1, lower=False)
    if not first:
        return x.new_zeros((0,))
    if m == 0:
        return x.new_zeros((len(first),))
    pairs = _constant([first, second], torch.int32)
    a = x.index_select(0, pairs[0])
    b = x.index_select(0, pairs[1])
    diff = (a - b).abs()
    if p == math.inf:
        # max is order-free; torch's vector maximum propagates NaN.
        nan = torch.isnan(diff).any(dim=-1)
        return torch.where(nan, torch.full((), math.nan, dtype=x.dtype), diff.amax(dim=-1))
    if p == 0:
        mapped = (diff != 0).to(x.dtype)
        mapped = torch.where(torch.isnan(diff), diff, mapped)  # torch: min(ceil(NaN), 1) is NaN
        return _reduce_like_torch(mapped, torch.add)
    if p == 1:
        return _reduce_like_torch(diff, torch.add)
    if p == 2:
        return torch.sqrt(_reduce_like_torch(diff * diff, torch.add))
    total = _reduce_like_torch(torch.pow(diff, p), torch.add)
    return torch.pow(total, 1.0 / p)


# --- complex tensors: ops litert-torch cannot lower on complex64 ("Unsupported ir element type:
# complex<f32>"), each on the real and imaginary parts (aten_fft.py's REAL / IMAG / Complex) ---


def _complex_parts(z: Any) -> tuple[torch.Tensor, torch.Tensor]:
    from .aten_fft import _parts

    return _parts(z)


def _complex_join(re: torch.Tensor, im: torch.Tensor) -> torch.Tensor:
    from .aten_fft import _join

    return _join(re, im)


@replaces(aten.neg.default)
def neg(x: torch.Tensor) -> Any:
    if not x.is_complex():
        return NotImplemented
    re, im = _complex_parts(x)
    return _complex_join(-re, -im)


@replaces(aten.where.self)
def where(condition: torch.Tensor, a: Any, b: Any) -> Any:
    tensors = [t for t in (a, b) if isinstance(t, torch.Tensor)]
    if not any(t.is_complex() for t in tensors):
        return NotImplemented
    from .aten_fft import _as_complex

    like = next(t for t in tensors if t.is_complex()).new_empty((), dtype=torch.result_type(a, b))
    (ar, ai), (br, bi) = _complex_parts(_as_complex(a, like)), _complex_parts(_as_complex(b, like))
    return _complex_join(torch.where(condition, ar, br), torch.where(condition, ai, bi))


@replaces(aten.isnan.default)
def isnan(x: torch.Tensor) -> Any:
    if not x.is_complex():
        return NotImplemented
    re, im = _complex_parts(x)
    return torch.isnan(re) | torch.isnan(im)


def _complex_compare(equal: bool) -> Any:
    def rewrite(a: torch.Tensor, b: torch.Tensor) -> Any:
        if not (a.is_complex() or (isinstance(b, torch.Tensor) and b.is_complex())):
            return NotImplemented
        from .aten_fft import _as_complex

        like = (a if a.is_complex() else b).new_empty((), dtype=torch.result_type(a, b))
        (ar, ai), (br, bi) = _complex_parts(_as_complex(a, like)), _complex_parts(_as_complex(b, like))
        return (ar == br) & (ai == bi) if equal else (ar != br) | (ai != bi)

    return rewrite


replaces(aten.eq.Tensor)(_complex_compare(equal=True))
replaces(aten.ne.Tensor)(_complex_compare(equal=False))


@replaces(aten.sum.dim_IntList)
def sum_(x: torch.Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Any:
    if not x.is_complex() or (dtype is not None and dtype != x.dtype):
        return NotImplemented
    re, im = _complex_parts(x)
    return _complex_join(torch.sum(re, dim, keepdim), torch.sum(im, dim, keepdim))


@replaces(aten.mean.dim)
def mean(x: torch.Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Any:
    if not x.is_complex() or (dtype is not None and dtype != x.dtype):
        return NotImplemented
    re, im = _complex_parts(x)
    return _complex_join(torch.mean(re, dim, keepdim), torch.mean(im, dim, keepdim))


@replaces(aten.scalar_tensor.default)
def scalar_tensor(value: Any, *, dtype: torch.dtype | None = None, **_: Any) -> Any:
    if dtype not in (torch.complex64, torch.complex128):
        return NotImplemented
    part = torch.float32 if dtype == torch.complex64 else torch.float64
    value = complex(value)
    return _complex_join(torch.full((), value.real, dtype=part), torch.full((), value.imag, dtype=part))
