"""Sampling, pooling with indices and resizing on opbridge's kernels.

What litert-torch 0.10 alone does with these aten ops (measured, see tests_torch/test_sampling.py):
- grid_sampler (F.grid_sample): decomposed into gathers and arithmetic; `reflection` padding fails
  ("failed to legalize operation 'tfl.equal'"), the other modes give 100-420 builtins, 50-125x
  slower than the kernel (1x32x64x64, 64x64 grid: bilinear 56 ms vs 1.1 ms, bicubic 228 vs 1.8 ms).
  All modes go to `Opbridge>GridSample` (torch's semantics in NHWC): one node.
- max_pool2d_with_indices: converts with wrong indices; max_unpool2d converts and fails at prepare
  (BROADCAST_TO). Pooling goes to MaxPoolWithArgmax: explicit padding and ceil_mode by a -inf pad
  and VALID windows, indices remapped to torch's y*W + x, torch's rules for all -inf windows and NaN
  (a second MaxPoolWithArgmax finds the last NaN). Unpooling is a scatter in torch ops, which
  litert-torch lowers to STABLEHLO_SCATTER (a later duplicate index wins, as torch's CPU kernel).
- _upsample_bilinear2d_aa / _upsample_bicubic2d_aa (interpolate antialias=True): "Lowering not
  found". They go to ScaleAndTranslate (triangle / keyscubic), which computes torch's antialiased
  filter: same centres, support and normalization. Where torch's centre lies past the input
  (align_corners=True, size > 2*out - 1) TF has no taps: torch's weights as matrices and matmuls.
- upsample_nearest2d (interpolate "nearest"): lowered to RESIZE_NEAREST_NEIGHBOR, wrong for
  non-integer scales; replaced by gathers at torch's source indices.
- bicubic and bilinear without antialias, "area" (adaptive average pooling), "nearest-exact":
  litert-torch's lowerings match torch (<= 2.6e-6); left to it. TF's ResizeBicubic could not
  match anyway (weights quantized to 1/1024, a = -0.5 with half-pixel centres), nor ResizeArea
  torch's area (fractional cells vs adaptive pooling's integer bins).
"""

from __future__ import annotations

import functools
import importlib
import math
from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

import numpy as np
import torch

from .decompositions import replaces
from .ops import op

aten = torch.ops.aten

_FLOATS = (torch.float32, torch.float64)


def _permute(x: torch.Tensor, perm: Sequence[int]) -> torch.Tensor:
    """x.permute(perm); float64 through opbridge's Transpose: TFLite's TRANSPOSE has no float64 (the
    converter refuses it, with or without enable_x64; litert-torch alone cannot permute a float64
    tensor either), so float64 models need enable_x64=True."""
    if x.dtype == torch.float64:
        from . import aten_fft

        return aten_fft._permute(x, perm)
    return x.permute(*perm)


def _check_dtype(name: str, x: torch.Tensor, allowed: Sequence[torch.dtype] = _FLOATS) -> None:
    if x.dtype not in allowed:
        names = ", ".join(str(d).removeprefix("torch.") for d in allowed)
        raise ValueError(f"{name}: dtype {str(x.dtype).removeprefix('torch.')} is not supported ({names})")


# --- grid_sample ------------------------------------------------------------------------------------

_GRID_MODES = ("bilinear", "nearest", "bicubic")
_GRID_PADDINGS = ("zeros", "border", "reflection")


@replaces(aten.grid_sampler.default, aten.grid_sampler_2d.default)
def grid_sampler(
    image: torch.Tensor, grid: torch.Tensor, interpolation_mode: int, padding_mode: int, align_corners: bool
) -> Any:
    if image.dim() != 4:
        return NotImplemented  # 3-D sampling: litert-torch's own lowering
    _check_dtype("grid_sample", image)
    if grid.dtype != image.dtype:
        raise ValueError(
            f"grid_sample: grid dtype {grid.dtype} differs from input dtype {image.dtype} "
            "(torch requires them equal)"
        )
    attrs = {
        "mode": _GRID_MODES[interpolation_mode],
        "padding_mode": _GRID_PADDINGS[padding_mode],
        "align_corners": bool(align_corners),
    }
    out = op("Opbridge>GridSample")(_permute(image, (0, 2, 3, 1)), grid, **attrs)
    return _permute(out, (0, 3, 1, 2))


# --- max_pool2d(return_indices=True), max_unpool2d ---------------------------------------------------


def _pool_output_size(size: int, kernel: int, stride: int, pad: int, ceil_mode: bool) -> int:
    """torch's pooling_output_shape (dilation 1)."""
    span = size + 2 * pad - (kernel - 1) - 1 + (stride - 1 if ceil_mode else 0)
    out = span // stride + 1
    if ceil_mode and (out - 1) * stride >= size + pad:
        out -= 1  # the last window must start inside the input or the left padding
    return out


def _pair(values: Sequence[int], default: Sequence[int] | None = None) -> tuple[int, int]:
    if not values:
        assert default is not None
        values = default
    return (int(values[0]), int(values[-1])) if len(values) in (1, 2) else (int(values[0]), int(values[1]))


def _padded_row_col(argmax: torch.Tensor, channels: int, width: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(y, x) of TF's argmax (y*width + x)*channels + c (non-negative int32)."""
    position = torch.div(argmax, channels, rounding_mode="floor") if channels > 1 else argmax
    col = position % width
    return torch.div(position - col, width, rounding_mode="floor"), col


@replaces(aten.max_pool2d_with_indices.default)
def max_pool2d_with_indices(
    x: torch.Tensor,
    kernel_size: Sequence[int],
    stride: Sequence[int] = (),
    padding: Sequence[int] = (0,),
    dilation: Sequence[int] = (1,),
    ceil_mode: bool = False,
) -> tuple[torch.Tensor, torch.Tensor]:
    name = "max_pool2d(return_indices=True)"
    # float64: TFLite's PAD, SLICE, TRANSPOSE and REVERSE have no float64 (the converter refuses them).
    _check_dtype(name, x, (torch.float32,))
    kh, kw = _pair(kernel_size)
    sh, sw = _pair(stride, (kh, kw))
    ph, pw = _pair(padding)
    if _pair(dilation) != (1, 1):
        raise ValueError(f"{name}: dilation {list(dilation)} is not supported (MaxPoolWithArgmax has none)")
    if x.dim() not in (3, 4):
        raise ValueError(f"{name}: expected a 3-D or 4-D input, got {x.dim()}-D")
    if ph > kh // 2 or pw > kw // 2:
        raise ValueError(f"{name}: pad should be at most half of effective kernel size")
    batched = x if x.dim() == 4 else x.unsqueeze(0)
    _, c, h, w = batched.shape
    oh = _pool_output_size(h, kh, sh, ph, ceil_mode)
    ow = _pool_output_size(w, kw, sw, pw, ceil_mode)
    if oh <= 0 or ow <= 0:
        raise ValueError(f"{name}: output size {oh}x{ow} is too small (input {h}x{w})")
    # Padded so that VALID windows are torch's windows: -inf never beats an input value. NHWC: in a
    # convolutional network litert-torch's own layout transposes cancel these.
    hp, wp = (oh - 1) * sh + kh, (ow - 1) * sw + kw
    pads = [0, 0, pw, max(wp - w - pw, 0), ph, max(hp - h - ph, 0)]
    padded = torch.constant_pad_nd(batched.permute(0, 2, 3, 1), pads, -math.inf)[:, :hp, :wp, :]
    window = {"ksize": [1, kh, kw, 1], "strides": [1, sh, sw, 1], "padding": "VALID", "Targmax": "int32"}
    values, argmax = op("MaxPoolWithArgmax")(padded, **window)
    # TF's (yp*Wp + xp)*C + ch in the padded image -> torch's y*W + x in the input.
    row, col = _padded_row_col(argmax, c, wp)
    row, col = row - ph, col - pw
    # A window of -inf only keeps TF's first element, which may be padding; torch gives the first
    # element of the window inside the input.
    first_row = (torch.arange(oh, dtype=torch.int32) * sh - ph).clamp(min=0).view(1, oh, 1, 1)
    first_col = (torch.arange(ow, dtype=torch.int32) * sw - pw).clamp(min=0).view(1, 1, ow, 1)
    outside = torch.logical_or(torch.logical_or(row < 0, row >= h), torch.logical_or(col < 0, col >= w))
    index = torch.where(outside, first_row * w + first_col, row * w + col)
    # torch: a NaN always wins, the window's last NaN; TF: only a NaN first in the window. The last
    # NaN is the first one of the window flipped in both axes (VALID windows of the flipped padded
    # image are the flipped windows, in reverse order).
    has_nan, nan_argmax = op("MaxPoolWithArgmax")(torch.isnan(padded).to(x.dtype).flip(1, 2), **window)
    has_nan, nan_argmax = has_nan.flip(1, 2) > 0, nan_argmax.flip(1, 2)
    nan_row, nan_col = _padded_row_col(nan_argmax, c, wp)
    nan_index = (hp - 1 - nan_row - ph) * w + (wp - 1 - nan_col - pw)
    index = torch.where(has_nan, nan_index, index)
    values = torch.where(has_nan, torch.full_like(values, math.nan), values)
    values = values.permute(0, 3, 1, 2)
    index = index.permute(0, 3, 1, 2).to(torch.int64)
    if x.dim() == 3:
        values, index = values.squeeze(0), index.squeeze(0)
    return values, index


@replaces(aten.max_unpool2d.default)
def max_unpool2d(x: torch.Tensor, indices: torch.Tensor, output_size: Sequence[int]) -> torch.Tensor:
    """torch's CPU kernel: out.view(N, C, H*W)[n, c, indices[n, c, i]] = x[n, c, i], in order (a later
    duplicate index wins). A scatter, which litert-torch lowers to STABLEHLO_SCATTER with the same
    order. torch raises for an index outside the output; the scatter skips it."""
    _check_dtype("max_unpool2d", x, (torch.float32,))
    if x.dim() not in (3, 4) or indices.shape != x.shape:
        raise ValueError(
            f"max_unpool2d: expected 3-D or 4-D input and indices of its shape, got {tuple(x.shape)} "
            f"and {tuple(indices.shape)}"
        )
    h, w = (int(s) for s in output_size[-2:])
    lead = tuple(x.shape[:-2])
    flat_x = x.reshape(*lead, -1)
    flat_index = indices.reshape(*lead, -1).to(torch.int64)
    out = torch.zeros((*lead, h * w), dtype=x.dtype).scatter(-1, flat_index, flat_x)
    return out.reshape(*lead, h, w)


# --- interpolate(antialias=True): ScaleAndTranslate ------------------------------------------------


def _resize_scale(in_size: int, out_size: int, align_corners: bool, scale: float | None) -> float:
    """torch's area_pixel_compute_scale: input pixels per output pixel."""
    if align_corners:
        return (in_size - 1) / (out_size - 1) if out_size > 1 else 0.0
    return 1.0 / scale if scale is not None and scale > 0 else in_size / out_size


def _output_sizes(
    x: torch.Tensor, output_size: Sequence[int] | None, scale_factors: Sequence[float] | None
) -> tuple[list[int], list[float | None]]:
    if output_size is not None:
        return [int(s) for s in output_size], [None, None]
    assert scale_factors is not None
    sizes = [math.floor(float(x.shape[2 + i]) * float(s)) for i, s in enumerate(scale_factors)]
    return sizes, [float(s) for s in scale_factors]


def _antialiased(
    name: str,
    kernel_type: str,
    x: torch.Tensor,
    output_size: Sequence[int] | None,
    align_corners: bool,
    scales: Sequence[float | None],
) -> torch.Tensor:
    """torch's separable antialiased resize: output pixel i samples around centre scale*(i + 0.5) with
    the filter widened by max(scale, 1), weights normalized over the taps inside the input. That is
    TF's ScaleAndTranslate with scale 1/torch_scale and no translation. TF gives a centre outside
    [0, size] no taps; torch's centre is there only with align_corners when size > 2*out - 1: then
    torch's weights as two constant matrices (from aranges, folded at conversion) and matmuls."""
    # float64: ScaleAndTranslate computes in float32, and TFLite's matmuls have no float64.
    _check_dtype(name, x, (torch.float32,))
    if x.dim() != 4:
        raise ValueError(f"{name}: expected a 4-D input, got {x.dim()}-D")
    assert output_size is not None
    size = [int(s) for s in output_size]
    in_sizes = [int(x.shape[2]), int(x.shape[3])]
    torch_scales = [_resize_scale(in_sizes[i], size[i], align_corners, scales[i]) for i in range(2)]
    if any(torch_scales[i] * (size[i] - 0.5) > in_sizes[i] for i in range(2)):
        rows = _aa_weights(in_sizes[0], size[0], torch_scales[0], kernel_type)
        cols = _aa_weights(in_sizes[1], size[1], torch_scales[1], kernel_type)
        return torch.matmul(rows, torch.matmul(x, cols.transpose(0, 1)))
    tf_scale = [math.inf if s == 0 else 1.0 / s for s in torch_scales]
    op("ScaleAndTranslate")  # defines the op (and its lowering)
    _scale_and_translate_lowering()
    out = torch.ops.opbridge_sampling.scale_and_translate(x.permute(0, 2, 3, 1), size, tf_scale, kernel_type)
    return out.permute(0, 3, 1, 2)


def _aa_weights(in_size: int, out_size: int, scale: float, kernel_type: str) -> torch.Tensor:
    """torch's _compute_indices_min_size_weights_aa as an [out, in] matrix: taps j in
    [int(centre - support + 0.5), int(centre + support + 0.5)) within the input, weight
    filter((j - centre + 0.5) / max(scale, 1)), normalized unless they sum to 0."""
    interp_size = 2 if kernel_type == "triangle" else 4
    support = interp_size * 0.5 * scale if scale >= 1.0 else interp_size * 0.5
    inv_scale = 1.0 / scale if scale >= 1.0 else 1.0
    centre = (torch.arange(out_size, dtype=torch.float32) + 0.5) * scale
    first = (centre - support + 0.5).to(torch.int64).clamp(min=0).unsqueeze(1)  # truncation, as C++
    stop = (centre + support + 0.5).to(torch.int64).clamp(max=in_size).unsqueeze(1)
    j = torch.arange(in_size, dtype=torch.int64).unsqueeze(0)
    t = ((j.to(torch.float32) - centre.unsqueeze(1) + 0.5) * inv_scale).abs()
    if kernel_type == "triangle":
        w = torch.where(t < 1.0, 1.0 - t, torch.zeros_like(t))
    else:  # torch's antialiasing cubic, a = -0.5
        a = -0.5
        near = ((a + 2.0) * t - (a + 3.0)) * t * t + 1.0
        far = (((t - 5.0) * t + 8.0) * t - 4.0) * a
        w = torch.where(t < 1.0, near, torch.where(t < 2.0, far, torch.zeros_like(t)))
    w = torch.where(torch.logical_and(j >= first, j < stop), w, torch.zeros_like(w))
    total = w.sum(dim=1, keepdim=True)
    return torch.where(total != 0, w / torch.where(total != 0, total, torch.ones_like(total)), w)


# ScaleAndTranslate takes size (and scale, translation) as tensors; its output is sized from their
# values, which fake tensors do not have. The rewrites call it through
# `opbridge_sampling::scale_and_translate`, whose size and scale are ints/floats (its fake rule sizes
# the output) and whose lowering is ScaleAndTranslate's CUSTOM node with constant operands, as TF's
# converter writes it.


@torch.library.custom_op("opbridge_sampling::scale_and_translate", mutates_args=())
def _scale_and_translate(
    x: torch.Tensor, size: list[int], scale: list[float], kernel_type: str
) -> torch.Tensor:
    return op("ScaleAndTranslate")(
        x,
        torch.tensor(size, dtype=torch.int32),
        torch.tensor(scale, dtype=torch.float32),
        torch.zeros(2, dtype=torch.float32),
        kernel_type=kernel_type,
        antialias=True,
    )


@_scale_and_translate.register_fake
def _scale_and_translate_fake(
    x: torch.Tensor, size: list[int], scale: list[float], kernel_type: str
) -> torch.Tensor:
    return x.new_empty((x.shape[0], size[0], size[1], x.shape[3]), dtype=torch.float32)


@functools.cache
def _scale_and_translate_lowering() -> None:
    from .litert_torch_api import api

    lite = api()
    ir = importlib.import_module("litert_converter.mlir.ir")
    stablehlo = importlib.import_module("litert_converter.mlir.dialects.stablehlo")

    def constant(values: np.ndarray, element: Any) -> Any:
        return stablehlo.constant(ir.DenseElementsAttr.get(values, type=element, shape=values.shape))

    def lower(lctx: Any, x: Any, size: list[int], scale: list[float], kernel_type: str) -> Any:
        node = lctx.node
        f32 = ir.F32Type.get()
        operands = [
            constant(np.array(size, dtype=np.int32), ir.IntegerType.get_signless(32)),
            constant(np.array(scale, dtype=np.float32), f32),
            constant(np.zeros(2, dtype=np.float32), f32),
        ]
        metas = [
            SimpleNamespace(meta={"val": torch.empty(2, dtype=dtype)})
            for dtype in (torch.int32, torch.float32, torch.float32)
        ]
        view = SimpleNamespace(args=[node.args[0], *metas], kwargs={}, meta=node.meta, name=node.name)
        inner = lite.lookup(op("ScaleAndTranslate").default)
        return inner(SimpleNamespace(node=view), x, *operands, kernel_type=kernel_type, antialias=True)

    lite.lower(torch.ops.opbridge_sampling.scale_and_translate.default)(lower)


@replaces(aten._upsample_bilinear2d_aa.vec)
def upsample_bilinear2d_aa_vec(
    x: torch.Tensor,
    output_size: Sequence[int] | None,
    align_corners: bool,
    scale_factors: Sequence[float] | None,
) -> torch.Tensor:
    size, scales = _output_sizes(x, output_size, scale_factors)
    return _antialiased("interpolate(bilinear, antialias=True)", "triangle", x, size, align_corners, scales)


@replaces(aten._upsample_bilinear2d_aa.default)
def upsample_bilinear2d_aa(
    x: torch.Tensor,
    output_size: Sequence[int],
    align_corners: bool,
    scales_h: float | None = None,
    scales_w: float | None = None,
) -> torch.Tensor:
    name = "interpolate(bilinear, antialias=True)"
    return _antialiased(name, "triangle", x, output_size, align_corners, [scales_h, scales_w])


@replaces(aten._upsample_bicubic2d_aa.vec)
def upsample_bicubic2d_aa_vec(
    x: torch.Tensor,
    output_size: Sequence[int] | None,
    align_corners: bool,
    scale_factors: Sequence[float] | None,
) -> torch.Tensor:
    size, scales = _output_sizes(x, output_size, scale_factors)
    return _antialiased("interpolate(bicubic, antialias=True)", "keyscubic", x, size, align_corners, scales)


@replaces(aten._upsample_bicubic2d_aa.default)
def upsample_bicubic2d_aa(
    x: torch.Tensor,
    output_size: Sequence[int],
    align_corners: bool,
    scales_h: float | None = None,
    scales_w: float | None = None,
) -> torch.Tensor:
    name = "interpolate(bicubic, antialias=True)"
    return _antialiased(name, "keyscubic", x, output_size, align_corners, [scales_h, scales_w])


# --- interpolate("nearest"): a gather with torch's source indices ---------------------------------


def _nearest_indices(in_size: int, out_size: int, scale: float | None) -> torch.Tensor:
    """torch's nearest_idx: identity, halving for exact 2x, else min(floor(i * s), in - 1) in float32
    with s = 1/scale_factor if given, else in/out. From an arange (a lifted constant tensor would not
    survive litert-torch's re-export); it folds to a constant at conversion."""
    if out_size == 2 * in_size:
        return torch.div(torch.arange(out_size), 2, rounding_mode="floor")
    step = float(
        np.float32(1.0 / scale) if scale is not None and scale > 0 else np.float32(in_size) / out_size
    )
    positions = torch.arange(out_size, dtype=torch.float32) * step
    return torch.floor(positions).to(torch.int64).clamp(max=in_size - 1)


def _nearest(x: torch.Tensor, size: Sequence[int], scales: Sequence[float | None]) -> torch.Tensor:
    if x.dim() != 4:
        return NotImplemented
    h, w = int(x.shape[2]), int(x.shape[3])
    out = x if int(size[0]) == h else x.index_select(2, _nearest_indices(h, int(size[0]), scales[0]))
    return out if int(size[1]) == w else out.index_select(3, _nearest_indices(w, int(size[1]), scales[1]))


@replaces(aten.upsample_nearest2d.vec)
def upsample_nearest2d_vec(
    x: torch.Tensor, output_size: Sequence[int] | None, scale_factors: Sequence[float] | None
) -> torch.Tensor:
    size, scales = _output_sizes(x, output_size, scale_factors)
    return _nearest(x, size, scales)


@replaces(aten.upsample_nearest2d.default)
def upsample_nearest2d(
    x: torch.Tensor, output_size: Sequence[int], scales_h: float | None = None, scales_w: float | None = None
) -> torch.Tensor:
    return _nearest(x, output_size, [scales_h, scales_w])
