"""torch.fft and complex tensors on opbridge's kernels (TF's FFT family, Complex, Angle, Conj).

TF's FFT ops transform the innermost 1, 2 or 3 dims, unscaled forward and
scaled by 1/n inverse; torch's `_fft_r2c` / `_fft_c2c` / `_fft_c2r` take any
dims and a normalization mode (0: none, 1: 1/sqrt(n), 2: 1/n). The rewrites
move the transformed dims innermost (permutes), pick the forward or inverse
kernel (an unscaled inverse is conj(FFT(conj z)), a 1/n forward is
conj(IFFT(conj z))) and scale for the 1/sqrt(n) mode.

litert-torch 0.10 holds complex tensors between ops (and as model outputs; not as
inputs) but lowers almost nothing on them: no `aten.complex`, `view_as_real`
(so `.real`/`.imag`), `angle`, conj, arithmetic, permutes, pads or slices of
complex tensors; `_fft_r2c` only for one float32 last dim, unscaled, onesided
(the builtin RFFT2D, powers of two only: kept then), no `_fft_c2c`/`_fft_c2r`;
and float64 TRANSPOSE/PAD/STRIDED_SLICE do not legalize (float64 MUL runs in
float32 behind CASTs). Here: permutes, zero pads and slices of complex and
float64 tensors run TF's Transpose / Pad / StridedSlice kernels; other complex
layout ops run on the real and imaginary parts (TFLite's REAL / IMAG builtins,
exact) joined by `Complex`; complex arithmetic runs TF's AddV2 / Sub / Mul /
RealDiv; `abs` of complex stays litert-torch's (builtin COMPLEX_ABS).

The torch.fft functions (`aten.fft_rfft` ...) are composite: export keeps
them, and their rewrite is torch's own decomposition, whose `_fft_*` and
complex ops then meet the rewrites below.
"""

from __future__ import annotations

import functools
import importlib
import math
from collections.abc import Callable, Sequence
from types import SimpleNamespace
from typing import Any

import torch

from .decompositions import replaces
from .ops import op

aten = torch.ops.aten

_COMPLEX = {torch.float32: torch.complex64, torch.float64: torch.complex128}
_REAL = {v: k for k, v in _COMPLEX.items()}
_TF_COMPLEX = {torch.complex64: "complex64", torch.complex128: "complex128"}
_TF_REAL = {torch.float32: "float", torch.float64: "double"}


# --- real and imaginary parts: torch ops lowered to StableHLO real / imag (TFLite REAL / IMAG) ---


@torch.library.custom_op("opbridge_complex::real", mutates_args=())
def _real_op(z: torch.Tensor) -> torch.Tensor:
    return torch.real(z).clone()


@torch.library.custom_op("opbridge_complex::imag", mutates_args=())
def _imag_op(z: torch.Tensor) -> torch.Tensor:
    return torch.imag(z).clone()


@_real_op.register_fake
def _real_fake(z: torch.Tensor) -> torch.Tensor:
    return z.new_empty(z.shape, dtype=_REAL[z.dtype])


@_imag_op.register_fake
def _imag_fake(z: torch.Tensor) -> torch.Tensor:
    return z.new_empty(z.shape, dtype=_REAL[z.dtype])


@functools.cache
def _lowerings() -> None:
    from .litert_torch_api import api

    lite = api()
    stablehlo = importlib.import_module("litert_converter.mlir.dialects.stablehlo")
    # The result type follows the operand's (complex128 may have been narrowed: lowering.py).
    lite.lower(torch.ops.opbridge_complex.real.default)(lambda lctx, z: stablehlo.real(z))
    lite.lower(torch.ops.opbridge_complex.imag.default)(lambda lctx, z: stablehlo.imag(z))


def _parts(z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    _lowerings()
    return torch.ops.opbridge_complex.real(z), torch.ops.opbridge_complex.imag(z)


def _join(re: torch.Tensor, im: torch.Tensor) -> torch.Tensor:
    return op("Complex")(re, im, Tout=_TF_COMPLEX[_COMPLEX[re.dtype]])


def _on_parts(z: torch.Tensor, fn: Callable[[torch.Tensor], torch.Tensor]) -> torch.Tensor:
    """`fn` (a layout op, or a real scaling) applied to both parts of a complex tensor."""
    re, im = _parts(z)
    return _join(fn(re), fn(im))


def _wide(x: torch.Tensor) -> bool:
    """Complex or float64: TFLite's layout builtins (TRANSPOSE, PAD, STRIDED_SLICE) refuse them."""
    return x.is_complex() or x.dtype == torch.float64


def _permute(x: torch.Tensor, perm: Sequence[int]) -> torch.Tensor:
    perm = [p % max(x.dim(), 1) for p in perm]
    if perm == list(range(x.dim())):
        return x
    if _wide(x):
        return _with_constants_call("Transpose", x, perm)
    return x.permute(perm)


def _check(x: torch.Tensor, name: str) -> None:
    if x.dtype not in _COMPLEX and x.dtype not in _REAL:
        raise ValueError(f"{name}: dtype {x.dtype} is not supported (float32/float64, complex64/128)")


# --- the FFTs ---

# TF ops whose output shapes depend on an input's values (RFFT*/IRFFT*'s fft_length,
# Transpose's perm, Pad's paddings, StridedSlice's begin/end/strides): fake tensors have no
# values. The rewrites call them through `opbridge_complex::with_constants`, which takes those
# inputs as ints (its fake rule sizes the output) and lowers to the op's CUSTOM node with them
# as constant tensors (as TF's converter writes them).


def _const_kw(name: str, x: torch.Tensor) -> dict[str, str]:
    if name.startswith("IRFFT"):
        return {"Treal": _TF_REAL[_REAL[x.dtype]]}
    if name.startswith("RFFT"):
        return {"Tcomplex": _TF_COMPLEX[_COMPLEX[x.dtype]]}
    return {}


def _split(values: Sequence[int], sizes: Sequence[int]) -> list[list[int]]:
    out, start = [], 0
    for size in sizes:
        out.append([int(v) for v in values[start : start + size]])
        start += size
    return out


def _const_shape(x: torch.Tensor, consts: list[list[int]], name: str) -> tuple[list[int], torch.dtype]:
    shape = [int(d) for d in x.shape]
    if name.startswith(("RFFT", "IRFFT")):
        lengths = consts[0]
        outer = shape[: len(shape) - len(lengths)]
        if name.startswith("I"):
            return [*outer, *lengths], _REAL[x.dtype]
        return [*outer, *lengths[:-1], lengths[-1] // 2 + 1], _COMPLEX[x.dtype]
    if name == "Transpose":
        return [shape[p] for p in consts[0]], x.dtype
    if name == "Pad":
        pads = consts[0]
        return [d + pads[2 * i] + pads[2 * i + 1] for i, d in enumerate(shape)], x.dtype
    if name == "StridedSlice":  # begin/end within bounds, positive strides (as the rewrites make them)
        begin, end, strides = consts
        return [len(range(b, e, st)) for b, e, st in zip(begin, end, strides, strict=True)], x.dtype
    raise ValueError(f"opbridge_complex::with_constants: no shape rule for {name}")


def _const_tensors(consts: list[list[int]], name: str) -> list[torch.Tensor]:
    tensors = [torch.tensor(c, dtype=torch.int32) for c in consts]
    return [t.reshape(-1, 2) for t in tensors] if name == "Pad" else tensors


@torch.library.custom_op("opbridge_complex::with_constants", mutates_args=())
def _with_constants(x: torch.Tensor, values: list[int], sizes: list[int], name: str) -> torch.Tensor:
    return op(name)(x, *_const_tensors(_split(values, sizes), name), **_const_kw(name, x))


@_with_constants.register_fake
def _with_constants_fake(x: torch.Tensor, values: list[int], sizes: list[int], name: str) -> torch.Tensor:
    shape, dtype = _const_shape(x, _split(values, sizes), name)
    return x.new_empty(shape, dtype=dtype)


@functools.cache
def _constants_lowering() -> None:

    from .litert_torch_api import api

    lite = api()
    ir = importlib.import_module("litert_converter.mlir.ir")
    stablehlo = importlib.import_module("litert_converter.mlir.dialects.stablehlo")

    def lower(lctx: Any, x: Any, values: list[int], sizes: list[int], name: str) -> Any:
        node = lctx.node
        operands, metas = [], []
        for t in _const_tensors(_split(values, sizes), name):
            array = t.numpy()
            attr = ir.DenseElementsAttr.get(array, type=ir.IntegerType.get_signless(32), shape=array.shape)
            operands.append(stablehlo.constant(attr))
            metas.append(SimpleNamespace(meta={"val": t}))
        view = SimpleNamespace(args=[node.args[0], *metas], kwargs={}, meta=node.meta, name=node.name)
        inner = lite.lookup(op(name).default)
        return inner(SimpleNamespace(node=view), x, *operands, **_const_kw(name, node.args[0].meta["val"]))

    lite.lower(torch.ops.opbridge_complex.with_constants.default)(lower)


def _with_constants_call(name: str, x: torch.Tensor, *consts: Sequence[int]) -> torch.Tensor:
    op(name)  # defines the op (and its lowering)
    _constants_lowering()
    values = [int(v) for c in consts for v in c]
    return torch.ops.opbridge_complex.with_constants(x, values, [len(c) for c in consts], name)


def _call_sized(name: str, x: torch.Tensor, lengths: Sequence[int]) -> torch.Tensor:
    return _with_constants_call(name, x, lengths)


def _suffix(k: int) -> str:
    return "" if k == 1 else f"{k}D"


def _chunks(count: int) -> list[tuple[int, int]]:
    """The transformed dims (the last `count`) in groups TF's ops take, innermost first: (start, k)
    as negative offsets from the end."""
    out = []
    end = 0
    while end < count:
        k = min(3, count - end)
        out.append((-(end + k), k))
        end += k
    return out


def _to_end(rank: int, dims: Sequence[int]) -> list[int]:
    return [d for d in range(rank) if d not in dims] + list(dims)


def _inverse(perm: Sequence[int]) -> list[int]:
    inv = [0] * len(perm)
    for i, p in enumerate(perm):
        inv[p] = i
    return inv


def _complex_chunks(z: torch.Tensor, count: int, inverse: bool, skip_innermost: bool = False) -> torch.Tensor:
    """TF's FFT/IFFT (1/2/3D) over the last `count` dims of z (IFFT scales each group by 1/its size)."""
    rank = z.dim()
    name = "IFFT" if inverse else "FFT"
    for n, (start, k) in enumerate(_chunks(count)):
        if n == 0 and skip_innermost:
            continue
        dims = list(range(rank + start, rank + start + k))
        perm = _to_end(rank, dims)
        z = _permute(op(name + _suffix(k))(_permute(z, perm)), _inverse(perm))
    return z


def _size(x: torch.Tensor, dims: Sequence[int]) -> int:
    return math.prod(int(x.shape[d]) for d in dims)


def _times(x: torch.Tensor, factor: float) -> torch.Tensor:
    """x * factor for a real x. litert-torch runs a float64 MUL in float32 (CASTs around a
    builtin MUL): float64 uses TF's Mul kernel."""
    if x.dtype == torch.float64:
        return op("Mul")(x, torch.full((), factor, dtype=torch.float64))
    return x * factor


def _scale(x: torch.Tensor, factor: float) -> torch.Tensor:
    if factor == 1.0:
        return x
    if x.is_complex():
        return _on_parts(x, lambda p: _times(p, factor))
    return _times(x, factor)


def _norm_dims(x: torch.Tensor, dim: Sequence[int]) -> list[int]:
    return [d % x.dim() for d in dim]


@replaces(aten._fft_c2c.default)
def fft_c2c(z: torch.Tensor, dim: Sequence[int], normalization: int, forward: bool) -> torch.Tensor:
    _check(z, "aten._fft_c2c")
    dims = _norm_dims(z, dim)
    if not dims:
        return z.clone()
    n = _size(z, dims)
    kernel_inverse = normalization == 2
    wrap = kernel_inverse == forward  # the kernel runs the other direction: conj before and after
    perm = _to_end(z.dim(), dims)
    x = op("Conj")(z) if wrap else z
    x = _complex_chunks(_permute(x, perm), len(dims), kernel_inverse)
    x = _permute(x, _inverse(perm))
    if wrap:
        x = op("Conj")(x)
    return _scale(x, 1 / math.sqrt(n)) if normalization == 1 and n else x


def _r2c_supported_by_litert_torch(
    x: torch.Tensor, dims: list[int], normalization: int, onesided: bool
) -> bool:
    # Its lowering: builtin RFFT2D with fft_length [1, n], which refuses n not a power of two and
    # is wrong for n = 1 (float64 fails to legalize).
    n = int(x.shape[-1])
    return (
        x.dtype == torch.float32
        and dims == [x.dim() - 1]
        and normalization == 0
        and onesided
        and n >= 2
        and n & (n - 1) == 0
    )


@replaces(aten._fft_r2c.default)
def fft_r2c(x: torch.Tensor, dim: Sequence[int], normalization: int, onesided: bool) -> Any:
    _check(x, "aten._fft_r2c")
    dims = _norm_dims(x, dim)
    if _r2c_supported_by_litert_torch(x, dims, normalization, onesided):
        return NotImplemented  # litert-torch's own lowering (builtin RFFT2D)
    if not onesided or not dims:
        return fft_c2c(_join(x, torch.zeros_like(x)), dims, normalization, True)
    n = _size(x, dims)
    if normalization and n:
        x = _times(x, 1 / math.sqrt(n) if normalization == 1 else 1 / n)
    perm = _to_end(x.dim(), dims)
    moved = _permute(x, perm)
    k = min(3, len(dims))
    lengths = [int(s) for s in moved.shape[moved.dim() - k :]]
    z = _call_sized("RFFT" + _suffix(k), moved, lengths)
    z = _complex_chunks(z, len(dims), inverse=False, skip_innermost=True)
    return _permute(z, _inverse(perm))


@replaces(aten._fft_c2r.default)
def fft_c2r(z: torch.Tensor, dim: Sequence[int], normalization: int, last_dim_size: int) -> torch.Tensor:
    _check(z, "aten._fft_c2r")
    dims = _norm_dims(z, dim)
    perm = _to_end(z.dim(), dims)
    moved = _permute(z, perm)
    moved = _complex_chunks(moved, len(dims), inverse=True, skip_innermost=True)
    k = min(3, len(dims))
    lengths = [int(s) for s in moved.shape[moved.dim() - k : moved.dim() - 1]] + [int(last_dim_size)]
    x = _call_sized("IRFFT" + _suffix(k), moved, lengths)
    x = _permute(x, _inverse(perm))
    n = math.prod(lengths) * _size(z, dims[: len(dims) - k])
    if normalization == 0:
        x = _times(x, float(n))
    elif normalization == 1:
        x = _times(x, math.sqrt(n))
    return x


def _composite(overload: torch._ops.OpOverload) -> Callable[..., Any]:
    def rewrite(*args: Any, **kwargs: Any) -> Any:
        # torch.export puts this rewrite in the op's Python kernel: call the C++ composite.
        return overload._op_dk(torch._C.DispatchKey.CompositeImplicitAutograd, *args, **kwargs)

    return rewrite


for _name in (
    "fft_fft",
    "fft_ifft",
    "fft_rfft",
    "fft_irfft",
    "fft_hfft",
    "fft_ihfft",
    "fft_fft2",
    "fft_ifft2",
    "fft_rfft2",
    "fft_irfft2",
    "fft_hfft2",
    "fft_ihfft2",
    "fft_fftn",
    "fft_ifftn",
    "fft_rfftn",
    "fft_irfftn",
    "fft_hfftn",
    "fft_ihfftn",
):
    _overload = getattr(aten, _name).default
    replaces(_overload)(_composite(_overload))


# --- complex tensors ---


@replaces(aten.complex.default)
def complex_(re: torch.Tensor, im: torch.Tensor) -> torch.Tensor:
    if re.dtype not in _COMPLEX or im.dtype != re.dtype:
        raise ValueError(
            f"aten.complex: real and imag must both be float32 or float64, got {re.dtype}, {im.dtype}"
        )
    return _join(re, im)


@replaces(aten.view_as_real.default)
def view_as_real(z: torch.Tensor) -> torch.Tensor:
    re, im = _parts(z)
    return torch.stack([re, im], dim=-1)


@replaces(aten.view_as_complex.default)
def view_as_complex(x: torch.Tensor) -> torch.Tensor:
    return _join(x[..., 0], x[..., 1])


@replaces(aten._conj.default, aten.conj_physical.default, aten._conj_physical.default)
def conj(z: torch.Tensor) -> Any:
    if not z.is_complex():
        return z.clone()
    return op("Conj")(z)


@replaces(aten._neg_view.default)
def neg_view(x: torch.Tensor) -> torch.Tensor:
    if x.is_complex():
        return _on_parts(x, lambda p: _times(p, -1.0))
    return _times(x, -1.0)


@replaces(aten.angle.default)
def angle(z: torch.Tensor) -> Any:
    if z.is_complex():
        return op("Angle")(z, Tout=_TF_REAL[_REAL[z.dtype]])
    if not z.is_floating_point():
        return NotImplemented
    # Real input (litert-torch has no lowering): pi for negatives, 0 otherwise (-0 too), NaN kept.
    pi = torch.full((), math.pi, dtype=z.dtype)
    return torch.where(torch.isnan(z), z, torch.where(z < 0, pi, torch.zeros_like(pi)))


# --- complex arithmetic (TF's AddV2 / Sub / Mul / RealDiv kernels) and layout ---


def _as_complex(x: Any, like: torch.Tensor) -> torch.Tensor:
    """An operand of a complex binary op as a complex tensor of like's dtype (torch's promotion)."""
    if isinstance(x, torch.Tensor) and x.dtype == like.dtype:
        return x
    if isinstance(x, torch.Tensor) and x.is_complex():
        re, im = _parts(x)
        return _join(re.to(_REAL[like.dtype]), im.to(_REAL[like.dtype]))
    value = x if isinstance(x, torch.Tensor) else torch.full((), complex(x).real, dtype=_REAL[like.dtype])
    imag = (
        torch.zeros_like(value, dtype=_REAL[like.dtype])
        if isinstance(x, torch.Tensor)
        else torch.full((), complex(x).imag, dtype=_REAL[like.dtype])
    )
    return _join(value.to(_REAL[like.dtype]), imag)


def _binary(name: str, tf_op: str) -> Callable[..., Any]:
    def rewrite(a: Any, b: Any, *, alpha: Any = 1) -> Any:
        tensors = [t for t in (a, b) if isinstance(t, torch.Tensor)]
        out = next((t for t in tensors if t.is_complex()), None)
        if out is None:
            return NotImplemented
        result_dtype = torch.result_type(a, b)
        like = out.new_empty((), dtype=result_dtype)
        if alpha != 1:
            b = torch.mul(b, alpha) if isinstance(b, torch.Tensor) else b * alpha
        return op(tf_op)(_as_complex(a, like), _as_complex(b, like))

    rewrite.__name__ = name
    return rewrite


replaces(aten.mul.Tensor)(_binary("mul", "Mul"))
replaces(aten.add.Tensor)(_binary("add", "AddV2"))
replaces(aten.sub.Tensor)(_binary("sub", "Sub"))
replaces(aten.div.Tensor)(_binary("div", "RealDiv"))


@replaces(aten._to_copy.default)
def to_copy(x: torch.Tensor, *, dtype: torch.dtype | None = None, **kwargs: Any) -> Any:
    if dtype is None or not (x.is_complex() or dtype.is_complex):
        return NotImplemented
    if x.is_complex() and dtype.is_complex:
        return _as_complex(x, x.new_empty((), dtype=dtype)) if dtype != x.dtype else _on_parts(x, torch.clone)
    if x.is_complex():  # torch keeps the real part
        return _parts(x)[0].to(dtype)
    if dtype not in _REAL:
        raise ValueError(f"aten._to_copy: dtype {dtype} is not supported (complex64, complex128)")
    re = x.to(_REAL[dtype])
    return _join(re, torch.zeros_like(re))


def _layout(overload: torch._ops.OpOverload) -> Callable[..., Any]:
    def rewrite(x: torch.Tensor, *args: Any, **kwargs: Any) -> Any:
        if not x.is_complex():
            return NotImplemented
        return _on_parts(x, lambda p: overload(p, *args, **kwargs))

    return rewrite


@replaces(aten.permute.default)
def permute(x: torch.Tensor, dims: Sequence[int]) -> Any:
    if not _wide(x):
        return NotImplemented
    return _permute(x, dims)


@replaces(aten.constant_pad_nd.default)
def constant_pad_nd(x: torch.Tensor, pad: Sequence[int], value: float = 0) -> Any:
    if not _wide(x):
        return NotImplemented
    if value != 0 or any(p < 0 for p in pad):  # a fill or a crop: on the parts
        if x.is_complex():
            return _on_parts(x, lambda p: aten.constant_pad_nd.default(p, pad, value))
        return NotImplemented
    pairs = [0] * (2 * x.dim())
    for i in range(len(pad) // 2):  # torch's pad lists the last dim first
        d = x.dim() - 1 - i
        pairs[2 * d], pairs[2 * d + 1] = int(pad[2 * i]), int(pad[2 * i + 1])
    return _with_constants_call("Pad", x, pairs)


@replaces(aten.slice.Tensor)
def slice_(x: torch.Tensor, dim: int = 0, start: Any = None, end: Any = None, step: int = 1) -> Any:
    if not _wide(x):
        return NotImplemented
    dim %= x.dim()
    size = int(x.shape[dim])
    first, last, _ = slice(start, end, step).indices(size)
    begin = [0] * x.dim()
    stop = [int(d) for d in x.shape]
    strides = [1] * x.dim()
    begin[dim], stop[dim], strides[dim] = first, max(first, last), int(step)
    return _with_constants_call("StridedSlice", x, begin, stop, strides)


for _overload in (
    aten.clone.default,
    aten.view.default,
    aten.unsqueeze.default,
    aten.squeeze.dims,
    aten.select.int,
    aten.index_select.default,
    aten.expand.default,
    aten.flip.default,
    aten.roll.default,
):
    replaces(_overload)(_layout(_overload))


@replaces(aten.cat.default)
def cat(tensors: Sequence[torch.Tensor], dim: int = 0) -> Any:
    if not any(t.is_complex() for t in tensors):
        return NotImplemented
    like = tensors[0].new_empty(
        (), dtype=torch.result_type(*tensors[:2]) if len(tensors) > 1 else tensors[0].dtype
    )
    parts = [_parts(_as_complex(t, like)) for t in tensors]
    return _join(torch.cat([p[0] for p in parts], dim), torch.cat([p[1] for p in parts], dim))
