"""Convolutions whose weight is not a plain parameter or constant (aten_conv.py) against torch eager:
weights computed in the model from its inputs (hypernetworks, dynamic filters, standardization of
an input weight, slices, flips) for conv1d/2d/3d, grouped and depthwise, stride, padding (ints,
'same' with an even kernel, 'valid'), dilation, unbatched inputs and conv_transpose1d/2d/3d; and
weights computed from parameters (parametrizations.weight_norm and the older nn.utils.weight_norm
as in HiFi-GAN / wav2vec2, spectral_norm in eval, BiT's weight standardization), which litert-torch
constant-folds. The model's inputs are fed by index.

Before aten_conv's conv2d rewrite, litert-torch's layout pass moved an op computing a conv2d weight
from an input to NHWC and handed the convolution the permuted weight: wrong results (errors of
about 1 relative) when the shapes let it run, a shape error at conversion otherwise.

Tolerance: each output is a sum of L products (L = input channels per group times the kernel's
taps) plus the bias, added in another order than torch's: at most (L + 1) * 2^-24 times the same
convolution of |input| by |weight| (+ |bias|), computed in torch with the weight torch computes.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from opbridge import testing, tflite_model

U = 2.0**-24  # float32 unit roundoff
Tensors = tuple[torch.Tensor, ...]


class _Case:
    """One convolution: F.<kind>(xs[x], weight(xs), xs[bias] or None, **kw)."""

    def __init__(
        self,
        kind: str,
        x: int,
        weight: Callable[[Tensors], torch.Tensor],
        bias: int | None = None,
        **kw: object,
    ) -> None:
        self.kind, self.x, self.weight, self.bias, self.kw = kind, x, weight, bias, kw

    def __call__(self, xs: Tensors, absolute: bool = False) -> torch.Tensor:
        w = self.weight(xs)
        x, b = xs[self.x], None if self.bias is None else xs[self.bias]
        if absolute:
            x, w, b = x.abs(), w.abs(), None if b is None else b.abs()
        return getattr(F, self.kind)(x, w, b, **self.kw)

    def terms(self, xs: Tensors) -> int:
        w = self.weight(xs)
        groups = int(self.kw.get("groups", 1))
        per_group = w.shape[0] // groups if "transpose" in self.kind else w.shape[1]
        return int(per_group) * math.prod(w.shape[2:])


class _Functional(nn.Module):
    def __init__(self, cases: list[_Case]) -> None:
        super().__init__()
        self.cases = cases

    def forward(self, *xs: torch.Tensor) -> Tensors:
        return tuple(case(xs) for case in self.cases)


def _bound(lengths: list[int], outs: list[torch.Tensor]) -> float:
    return max((n + 1) * U * float(o.max()) for n, o in zip(lengths, outs, strict=True))


def test_weights_computed_from_inputs() -> None:
    def standardized(w: torch.Tensor) -> torch.Tensor:
        mean = w.mean((1, 2, 3), keepdim=True)
        return (w - mean) / torch.sqrt(w.var((1, 2, 3), keepdim=True, unbiased=False) + 1e-5)

    xs = (
        torch.randn(2, 4, 9, 8),  # 0: NCHW input
        torch.randn(1, 3, 8, 8),  # 1: RGB input
        torch.randn(6, 4, 3, 3),  # 2: conv2d weight
        torch.randn(3, 3, 3, 3),  # 3: 3 -> 3 weight, 3x3 (Cin = kH = kW: ran, wrong)
        torch.randn(3),  # 4: bias
        torch.randn(8, 1, 2, 3),  # 5: depthwise (multiplier 2) weight
        torch.randn(6, 2, 4, 4),  # 6: grouped weight (sliced to 3x3)
        torch.randn(5, 4, 3, 2),  # 7: even-kernel weight
        torch.randn(1, 3),  # 8: hypernetwork code
        torch.randn(4, 7, 6),  # 9: unbatched input
        torch.randn(2, 4, 10),  # 10: 1-D input
        torch.randn(6, 2, 3),  # 11: conv1d grouped weight
        torch.randn(1, 4, 5, 6, 7),  # 12: 3-D input
        torch.randn(6, 2, 3, 2, 3),  # 13: conv3d grouped weight
        torch.randn(4, 3, 4),  # 14: conv_transpose1d weight
        torch.randn(4, 3, 3, 2),  # 15: conv_transpose2d grouped weight
        torch.randn(4, 2, 2, 3, 2),  # 16: conv_transpose3d weight
    )
    code = torch.randn(3, 6 * 4 * 9)
    cases = [
        _Case("conv2d", 0, lambda xs: xs[2] * 2),
        _Case("conv2d", 1, lambda xs: xs[3] * 2, bias=4, padding=1),
        _Case("conv2d", 0, lambda xs: xs[5].exp(), padding="same", groups=4, dilation=2),
        _Case("conv2d", 0, lambda xs: xs[6][:, :, 1:, :3], groups=2, stride=2, dilation=(2, 1)),
        _Case("conv2d", 0, lambda xs: xs[7].flip(3), stride=(2, 1), padding=(2, 0)),
        _Case("conv2d", 0, lambda xs: standardized(xs[7]), padding="same"),
        _Case("conv2d", 0, lambda xs: torch.tanh(xs[8] @ code).reshape(6, 4, 3, 3) * 0.5, padding=1),
        _Case("conv2d", 9, lambda xs: xs[2] + 1, padding=(1, 0)),
        _Case("conv2d", 0, lambda xs: xs[7] * xs[7], padding="valid"),
        _Case("conv1d", 10, lambda xs: xs[11] * 2, groups=2, stride=2, padding=1, dilation=2),
        _Case("conv1d", 10, lambda xs: xs[11][:4].repeat(1, 2, 1) - 1, padding="same"),
        _Case("conv3d", 12, lambda xs: xs[13] * 2, groups=2, padding=(1, 0, 1)),
        _Case("conv3d", 12, lambda xs: torch.cat([xs[13], -xs[13]], 1) * 2, stride=2),
        _Case("conv_transpose1d", 10, lambda xs: xs[14] * 2, stride=2, padding=1),
        _Case(
            "conv_transpose2d",
            0,
            lambda xs: xs[15] - 0.5,
            stride=(2, 3),
            groups=2,
            output_padding=1,
            dilation=2,
        ),
        _Case("conv_transpose3d", 12, lambda xs: xs[16] * 2, stride=2),
    ]
    net = _Functional(cases).eval()
    with torch.no_grad():
        atol = _bound([c.terms(xs) for c in cases], [c(xs, absolute=True) for c in cases])
    model = testing.assert_parity(net, xs, rtol=0, atol=atol)
    assert not tflite_model.custom_op_counts(model)  # builtins only


class _StdConv2d(nn.Conv2d):
    """BiT / ResNetV2's StdConv2d (timm): the weight standardized at every forward."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(
            x, self.standardized(), self.bias, self.stride, self.padding, self.dilation, self.groups
        )

    def standardized(self) -> torch.Tensor:
        w = self.weight
        mean, var = w.mean((1, 2, 3), keepdim=True), w.var((1, 2, 3), keepdim=True, unbiased=False)
        return (w - mean) / torch.sqrt(var + 1e-6)


def _power_iterated(conv: nn.Module) -> nn.Module:
    """The older spectral_norm starts from random u, v (its sigma near 0 in eval): iterate as training
    does."""
    with torch.no_grad():
        for _ in range(10):
            conv(torch.zeros(1, conv.in_channels, *conv.kernel_size))
    return conv


def _conv_args(m: nn.Module) -> dict[str, object]:
    kw = {"stride": m.stride, "padding": m.padding, "dilation": m.dilation, "groups": m.groups}
    if isinstance(m, nn.modules.conv._ConvTransposeNd):
        kw["output_padding"] = m.output_padding
    return kw


class _Modules(nn.Module):
    def __init__(self, convs: list[tuple[nn.Module, int]]) -> None:
        super().__init__()
        self.convs = nn.ModuleList(c for c, _ in convs)
        self.uses = [i for _, i in convs]

    def forward(self, *xs: torch.Tensor) -> Tensors:
        return tuple(c(xs[i]) for c, i in zip(self.convs, self.uses, strict=True))


def test_weights_computed_from_parameters() -> None:
    par = nn.utils.parametrizations
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # nn.utils.weight_norm: deprecated, still used
        old_norm = nn.utils.weight_norm
        convs = [
            (par.weight_norm(nn.Conv1d(4, 6, 7, padding=3)), 0),
            (old_norm(nn.Conv1d(4, 4, 3, dilation=3, padding=3)), 0),  # HiFi-GAN's resblock
            (old_norm(nn.ConvTranspose1d(4, 3, 4, stride=2, padding=1)), 0),  # HiFi-GAN's upsampling
            (par.weight_norm(nn.Conv1d(4, 4, 5, padding=2, groups=2), dim=2), 0),  # wav2vec2's pos conv
            (par.weight_norm(nn.Conv2d(4, 8, 3, stride=2, groups=4)), 1),
            (old_norm(nn.Conv2d(4, 5, (3, 1), padding=(1, 0))), 1),
            (par.spectral_norm(nn.Conv2d(4, 5, 3, dilation=2)), 1),
            (_power_iterated(nn.utils.spectral_norm(nn.Conv2d(4, 5, 1))), 1),
            (_StdConv2d(4, 6, 3, padding=1, bias=False), 1),
            (_StdConv2d(3, 3, 3), 3),  # Cin = kH = kW
            (par.weight_norm(nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1)), 1),
            (par.weight_norm(nn.Conv3d(4, 4, 3, padding=1, groups=4)), 2),
            (par.weight_norm(nn.ConvTranspose3d(4, 3, 2, stride=2)), 2),
        ]
    xs = (torch.randn(2, 4, 12), torch.randn(2, 4, 7, 6), torch.randn(1, 4, 3, 4, 5), torch.randn(1, 3, 6, 6))
    net = _Modules(convs).eval()
    with torch.no_grad():
        net(*xs)  # spectral_norm's u, v; the old hooks' weights
        outs, lengths = [], []
        for conv, i in convs:
            w = conv.weight
            bias = None if conv.bias is None else conv.bias.abs()
            kind = ("conv_transpose" if isinstance(conv, nn.modules.conv._ConvTransposeNd) else "conv") + (
                f"{w.dim() - 2}d"
            )
            if isinstance(conv, _StdConv2d):
                w = conv.standardized()
            outs.append(getattr(F, kind)(xs[i].abs(), w.abs(), bias, **_conv_args(conv)))
            lengths.append(conv.in_channels // conv.groups * math.prod(conv.kernel_size))
    model = testing.assert_parity(net, xs, rtol=0, atol=_bound(lengths, outs))
    assert not tflite_model.custom_op_counts(model)
