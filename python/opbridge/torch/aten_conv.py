"""Convolutions litert-torch lowers to builtins the stock runtime lacks, or cannot lower at all.

aten.convolution.default (every F.conv*/conv_transpose* reaches it) is rewritten where litert-torch
fails; the configurations it handles are left to it (NotImplemented: the node stays as it was):
- transposed, 3 spatial dims (nn.ConvTranspose3d): litert-torch emits STABLEHLO_CONVOLUTION, which
  the runtime has no kernel for. Rewritten onto one 2-D transposed convolution (TRANSPOSE_CONV) over
  (H, W) with the depth taps as extra output channels and the depth slices as batch, then each
  depth tap's result placed at its output depth (d * stride + tap): reshapes and adds, no products
  on inserted zeros (a zero-insertion CONV_3D would do stride^3 times the multiplications).
- transposed, 1 or 2 spatial dims with padding or dilation: litert-torch fails to legalize
  (padding > 0 with stride > 1, any dilation) or the XNNPack delegate refuses the model (1-D
  padding). Rewritten as the transposed convolution with neither (a dilated kernel is the kernel
  with d - 1 zeros between taps), then the output cropped by the padding and zero-extended by
  output_padding, then the bias added.
- 3 spatial dims with groups > 1 (grouped / depthwise nn.Conv3d): TFLite's CONV_3D has no groups
  and the converter fails ("Failed to export flatbuffer"). Rewritten as one grouped 2-D convolution
  over (H, W) (DEPTHWISE_CONV_2D when depthwise), depth taps as extra output channels, depth slices
  as batch, the taps then summed along depth by strided slices.
- 1 spatial dim: litert-torch's own decomposition (to 2-D, with a unit row), which this rewrite
  replaces in its table, so the 2-D cases above apply to 1-D too.
aten.conv1d.padding (F.conv1d / nn.Conv1d with padding='same' or 'valid'): litert-torch's 1-D
decomposition splices the string into a padding list ("Expected a value of type 'List[int]'").
Rewritten as torch's own 'same' rule: total d * (k - 1), half on each side, the odd one on the right.
aten.conv2d.default / .padding whose weight is computed in the model (from a model input: w * 2, a
slice or flip, a hypernetwork's output, an input weight standardized): litert-torch keeps aten.conv2d
whole through its NHWC layout pass, which lists only the activation as the convolution's
layout-sensitive input while its min-cut partitioner links the weight edge like any other; the op
computing a 4-D weight can land in the NHWC partition, its input gets a to-NHWC transpose and no
transpose back is inserted before the convolution, which reads the (O, kH, kW, I) array as
(O, I, kH, kW): silently wrong when the shapes allow it (Cin = kH = kW, errors of about 1 relative),
a shape error at conversion otherwise. Rewritten as aten.convolution with the weight through a
reshape round trip (flat, then 4-D): views are NCHW-only in that pass, so the weight reaches the
convolution in torch's layout, and the op computing it stays NCHW (no transposes added). Weights
that are parameters (parametrizations.weight_norm, nn.utils.weight_norm, spectral_norm in eval,
weight standardization) are constant-folded and were right; plain inputs and views are left as they
are. The same round trip guards every 4-D weight this module hands litert-torch (conv_transpose2d's
computed weights, dilated kernels, conv1d's unit-row weights, the 3-D rewrites' 2-D weights).

Numbers: each output is the sum of the same products as torch's, in another order (TRANSPOSE_CONV
and CONV_3D accumulate over input channels and kernel taps in their own order; the 3-D transposed
convolution adds up to ceil(kD / sD) partial sums per output), so results differ from torch's by
float32 rounding of a sum of Cin/groups * prod(kernel) products.
"""

from __future__ import annotations

import contextvars
import math
from collections.abc import Sequence

import torch

from .decompositions import replaces

aten = torch.ops.aten


def _per_dim(value: int | Sequence[int], n: int) -> list[int]:
    values = [int(value)] if isinstance(value, int) else [int(v) for v in value]
    return values * n if len(values) == 1 else values


def _pad(x: torch.Tensor, dim: int, low: int, high: int) -> torch.Tensor:
    """x with `low` / `high` zeros before / after along `dim`: one PAD builtin on a 3-D view
    (TFLite's PAD takes at most 5-D; the rewrites pad 6-D tensors)."""
    if low == 0 and high == 0:
        return x
    shape = [int(s) for s in x.shape]
    view = x.reshape(math.prod(shape[:dim]), shape[dim], math.prod(shape[dim + 1 :]))
    padded = aten.constant_pad_nd.default(view, [0, 0, low, high], 0.0)
    shape[dim] += low + high
    return padded.reshape(shape)


def _dilated(w: torch.Tensor, dilation: list[int]) -> torch.Tensor:
    """The kernel (in, out, k...) with d - 1 zeros between its taps along each spatial dim: a dilated
    convolution is the convolution with this kernel."""
    for i, d in enumerate(dilation):
        if d == 1:
            continue
        axis = 2 + i
        k = int(w.shape[axis])
        taps = _pad(w.unsqueeze(axis + 1), axis + 1, 0, d - 1)
        shape = [int(s) for s in w.shape]
        shape[axis] = k * d
        w = taps.reshape(shape).narrow(axis, 0, d * (k - 1) + 1)
    return w


def _cropped(full: torch.Tensor, padding: list[int], sizes: list[int]) -> torch.Tensor:
    """Spatial dim i of `full` (the transposed convolution without padding, zero beyond its end)
    from padding[i], sizes[i] long; what lies past the end (output_padding > padding) is zeros."""
    for i, (p, size) in enumerate(zip(padding, sizes, strict=True)):
        axis = 2 + i
        have = int(full.shape[axis])
        if p == 0 and size == have:
            continue
        kept = min(size, have - p)
        full = _pad(full.narrow(axis, p, kept), axis, 0, size - kept)
    return full


def _with_bias(y: torch.Tensor, bias: torch.Tensor | None) -> torch.Tensor:
    if bias is None:
        return y
    return y + bias.reshape([int(bias.shape[0])] + [1] * (y.dim() - 2))


_NATIVE: contextvars.ContextVar[bool] = contextvars.ContextVar("opbridge_conv_native", default=False)


# Ops litert-torch's layout pass always keeps NCHW (layout_check._not_nhwc) and reshape spellings:
# a weight one of them makes reaches the convolution in its own layout.
_VIEWS = {
    aten.view.default,
    aten._unsafe_view.default,
    aten.reshape.default,
    aten.permute.default,
    aten.expand.default,
    aten.unsqueeze_copy.default,
    aten.as_strided.default,
}


def _computed(w: torch.Tensor) -> bool:
    """Whether the traced weight is the result of an op that litert-torch's layout pass may move to
    NHWC (not a parameter, constant or model input, nor a dequantized weight, which the converter
    fuses into a quantized convolution, nor a view, which the pass keeps NCHW)."""
    from torch.fx.experimental import proxy_tensor

    mode = proxy_tensor.get_proxy_mode()
    slot = None if mode is None else proxy_tensor.get_proxy_slot(w, mode.tracer, None)
    node = None if slot is None else slot.proxy.node
    return (
        node is not None
        and node.op == "call_function"
        and node.target not in _VIEWS
        and "quantize" not in str(node.target)
    )


def _layout_safe(w: torch.Tensor) -> torch.Tensor:
    """A 4-D weight computed in the model, through a reshape round trip (two views the layout pass
    keeps NCHW): see the module docstring. Parameters and inputs as they are."""
    if w.dim() == 4 and _computed(w):
        return w.reshape(-1).reshape([int(s) for s in w.shape])
    return w


def _native(
    x: torch.Tensor,
    w: torch.Tensor,
    bias: torch.Tensor | None,
    stride: list[int],
    padding: list[int],
    dilation: list[int],
    transposed: bool,
    output_padding: list[int],
    groups: int,
) -> torch.Tensor:
    """aten.convolution left to litert-torch's lowering (the rewrite declines this call), its weight
    made layout-safe (a transposed convolution's weight computed in the model, a slice, this module's
    dilated kernel)."""
    w = _layout_safe(w)
    token = _NATIVE.set(True)
    try:
        return aten.convolution.default(
            x, w, bias, stride, padding, dilation, transposed, output_padding, groups
        )
    finally:
        _NATIVE.reset(token)


def _transposed_3d(x: torch.Tensor, w: torch.Tensor, stride: list[int], groups: int) -> torch.Tensor:
    """conv_transpose3d without padding or dilation: (N, Ci, D, H, W) ->
    (N, Co, (D + B - 1) * sD, (H - 1) * sH + kH, (W - 1) * sW + kW), B = ceil(kD / sD), zero past
    (D - 1) * sD + kD in depth.

    Output depth d * sD + t (t a depth tap) gets input depth d through tap t. One 2-D transposed
    convolution over (H, W), every depth slice a batch row and every (group, tap, out channel) an
    output channel, gives each slice's contribution per tap; taps [b * sD, (b + 1) * sD) of slice d
    land on depths (d + b) * sD + [0, sD): a reshape places a block, and blocks add up shifted by sD."""
    n, ci, depth, h, width = (int(s) for s in x.shape)
    cig, cog, kd, kh, kw = int(w.shape[0]) // groups, int(w.shape[1]), *(int(s) for s in w.shape[2:])
    sd = stride[0]
    slices = x.permute(0, 2, 1, 3, 4).reshape(n * depth, ci, h, width)
    # (Ci, Cog, kD, kH, kW) -> (Ci, kD * Cog, kH, kW), output channels ordered (group, tap, out).
    w2 = w.reshape(groups, cig, cog, kd, kh, kw).permute(0, 1, 3, 2, 4, 5).reshape(ci, kd * cog, kh, kw)
    z = _native(slices, w2, None, stride[1:], [0, 0], [1, 1], True, [0, 0], groups)
    hw = [int(s) for s in z.shape[2:]]
    z = z.reshape(n, depth, groups, kd, cog, hw[0] * hw[1])
    blocks = -(-kd // sd)
    total = None
    for b in range(blocks):
        taps = _pad(z.narrow(3, b * sd, min(sd, kd - b * sd)), 3, 0, max(0, (b + 1) * sd - kd))
        # (N, D, g, sD, Cog, HW) -> (N, g, Cog, D, sD, HW) -> depth d * sD + t.
        placed = taps.permute(0, 2, 4, 1, 3, 5).reshape(n, groups * cog, depth * sd, hw[0] * hw[1])
        placed = _pad(placed, 2, b * sd, (blocks - 1 - b) * sd)
        total = placed if total is None else total + placed
    return total.reshape(n, groups * cog, (depth + blocks - 1) * sd, *hw)


def _transposed(
    x: torch.Tensor,
    w: torch.Tensor,
    bias: torch.Tensor | None,
    stride: list[int],
    padding: list[int],
    dilation: list[int],
    output_padding: list[int],
    groups: int,
) -> torch.Tensor:
    n = x.dim() - 2
    sizes = [
        (int(i) - 1) * s - 2 * p + d * (int(k) - 1) + op + 1
        for i, s, p, d, k, op in zip(
            x.shape[2:], stride, padding, dilation, w.shape[2:], output_padding, strict=True
        )
    ]
    w = _dilated(w, dilation)
    if n == 3:
        full = _transposed_3d(x, w, stride, groups)
    else:
        full = _native(x, w, None, stride, [0] * n, [1] * n, True, [0] * n, groups)
    return _with_bias(_cropped(full, padding, sizes), bias)


def _grouped_3d(
    x: torch.Tensor,
    w: torch.Tensor,
    bias: torch.Tensor | None,
    stride: list[int],
    padding: list[int],
    dilation: list[int],
    groups: int,
) -> torch.Tensor:
    """conv3d with groups > 1 as one grouped 2-D convolution over (H, W): every (zero-padded) depth
    slice a batch row, every (out channel, depth tap) an output channel; output depth o sums tap t
    of slice o * sD + t * dD (strided slices and adds). The same products as the 3-D convolution;
    a depthwise conv3d becomes one DEPTHWISE_CONV_2D (a CONV_3D per group is 5x slower at C = 96)."""
    x = _pad(x, 2, padding[0], padding[0])
    n, ci, depth, h, width = (int(s) for s in x.shape)
    co, cig, kd, kh, kw = (int(s) for s in w.shape)
    sd, dd = stride[0], dilation[0]
    out_depth = (depth - dd * (kd - 1) - 1) // sd + 1
    slices = x.permute(0, 2, 1, 3, 4).reshape(n * depth, ci, h, width)
    # (Co, Cig, kD, kH, kW) -> (Co * kD, Cig, kH, kW): output channel o * kD + t, groups unchanged.
    w2 = w.permute(0, 2, 1, 3, 4).reshape(co * kd, cig, kh, kw)
    z = _native(slices, w2, None, stride[1:], padding[1:], dilation[1:], False, [0, 0], groups)
    hw = [int(s) for s in z.shape[2:]]
    z = z.reshape(n, depth, co, kd, hw[0] * hw[1])
    total = None
    for t in range(kd):
        tap = z[:, t * dd : t * dd + (out_depth - 1) * sd + 1 : sd, :, t]
        total = tap if total is None else total + tap
    out = total.permute(0, 2, 1, 3).reshape(n, co, out_depth, *hw)
    return _with_bias(out, bias)


@replaces(aten.convolution.default)
def convolution(
    x: torch.Tensor,
    w: torch.Tensor,
    bias: torch.Tensor | None,
    stride: Sequence[int],
    padding: Sequence[int],
    dilation: Sequence[int],
    transposed: bool,
    output_padding: Sequence[int],
    groups: int,
) -> torch.Tensor:
    n = x.dim() - 2
    if _NATIVE.get() or n < 1 or x.numel() == 0 or w.numel() == 0:
        return NotImplemented
    stride, padding, dilation = (_per_dim(v, n) for v in (stride, padding, dilation))
    return _convolution(
        x, w, bias, stride, padding, dilation, transposed, _per_dim(output_padding, n), groups
    )


def _convolution(
    x: torch.Tensor,
    w: torch.Tensor,
    bias: torch.Tensor | None,
    stride: list[int],
    padding: list[int],
    dilation: list[int],
    transposed: bool,
    output_padding: list[int],
    groups: int,
) -> torch.Tensor:
    n = x.dim() - 2
    if n == 1:
        # litert-torch's decomposition, which this one replaces: 1-D as 2-D over a unit row.
        out = _convolution(
            x.unsqueeze(-2),
            w.unsqueeze(-2),
            bias,
            [1, *stride],
            [0, *padding],
            [1, *dilation],
            transposed,
            [0, *output_padding],
            groups,
        )
        return out.squeeze(-2)
    if transposed and n in (2, 3):
        plain = not any(padding) and all(d == 1 for d in dilation) and not any(output_padding)
        if not (n == 2 and plain):
            return _transposed(x, w, bias, stride, padding, dilation, output_padding, groups)
    elif n == 3 and groups > 1:
        return _grouped_3d(x, w, bias, stride, padding, dilation, groups)
    return _native(x, w, bias, stride, padding, dilation, transposed, output_padding, groups)


def _same_padding(
    x: torch.Tensor, w: torch.Tensor, stride: list[int], dilation: list[int], padding: str, name: str
) -> tuple[torch.Tensor, list[int]]:
    """x and the per-dim padding of a convolution with padding 'same' or 'valid' (batched x).

    torch's 'same' rule: total d * (k - 1) per spatial dim, half on each side and the odd one on the
    right (padded into x here: aten.convolution pads symmetrically)."""
    n = x.dim() - 2
    if padding == "valid":
        return x, [0] * n
    if padding != "same":
        raise ValueError(f"aten.{name}: padding must be 'same' or 'valid', got {padding!r}")
    if any(s != 1 for s in stride):
        raise ValueError(f"aten.{name}: padding='same' is not supported for strided convolutions")
    pads = []
    for i, d in enumerate(dilation):
        total = d * (int(w.shape[2 + i]) - 1)
        pads.append(total // 2)
        x = _pad(x, 2 + i, 0, total - 2 * (total // 2))
    return x, pads


@replaces(aten.conv2d.default, aten.conv2d.padding)
def conv2d(
    x: torch.Tensor,
    w: torch.Tensor,
    bias: torch.Tensor | None = None,
    stride: Sequence[int] = (1, 1),
    padding: Sequence[int] | str = (0, 0),
    dilation: Sequence[int] = (1, 1),
    groups: int = 1,
) -> torch.Tensor:
    """F.conv2d / nn.Conv2d. litert-torch keeps aten.conv2d whole through its layout pass, which
    can move the op computing the weight to NHWC and hand the convolution that permuted weight:
    a computed weight goes to aten.convolution through the round trip; the rest stays as it is."""
    if w.dim() != 4 or not _computed(w):
        return NotImplemented
    stride, dilation = _per_dim(stride, 2), _per_dim(dilation, 2)
    unbatched = x.dim() == 3
    if unbatched:
        x = x.unsqueeze(0)
    if isinstance(padding, str):
        x, pads = _same_padding(x, w, stride, dilation, padding, "conv2d")
    else:
        pads = _per_dim(padding, 2)
    out = aten.convolution.default(x, _layout_safe(w), bias, stride, pads, dilation, False, [0, 0], groups)
    return out.squeeze(0) if unbatched else out


@replaces(aten.conv1d.padding)
def conv1d_padding(
    x: torch.Tensor,
    w: torch.Tensor,
    bias: torch.Tensor | None = None,
    stride: Sequence[int] = (1,),
    padding: str = "valid",
    dilation: Sequence[int] = (1,),
    groups: int = 1,
) -> torch.Tensor:
    stride, dilation = _per_dim(stride, 1), _per_dim(dilation, 1)
    unbatched = x.dim() == 2
    if unbatched:
        x = x.unsqueeze(0)
    x, pads = _same_padding(x, w, stride, dilation, padding, "conv1d")
    out = aten.convolution.default(x, w, bias, stride, pads, dilation, False, [0], groups)
    return out.squeeze(0) if unbatched else out
