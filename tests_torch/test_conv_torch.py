"""Convolutions (aten_conv.py) against torch eager: conv_transpose3d in every configuration (stride,
padding, output_padding, dilation, groups, bias, batch, non-cubic kernels, one channel, unbatched,
weights as model inputs), conv_transpose1d/2d with padding / dilation / output_padding / groups,
grouped and depthwise conv3d, conv1d padding='same'; and the convolutions litert-torch already
handles (padding modes, stride > kernel), since the rewrite now sees every convolution. The model's
inputs are fed by index.

Tolerance: each output is a sum of L = Cin/groups * prod(kernel) products (plus the bias), which the
runtime adds in another order than torch. Any order's float32 error is at most
(L + 1) * 2^-24 * sum(|terms|) (products rounded once, L additions), and sum(|terms|) is the same
convolution of |input| by |weight| (+ |bias|): `_bound` computes that bound with torch, rtol 0.
"""

from __future__ import annotations

import copy
import math

import torch
import torch.nn.functional as F
from torch import nn

from conftest import module
from opbridge import testing, tflite_model

U = 2.0**-24  # float32 unit roundoff


def _bound(net: nn.Module, inputs: tuple[torch.Tensor, ...], lengths: list[int]) -> float:
    """max over outputs k of (L_k + 1) * u * max(net with |params| at |inputs|)_k."""
    absolute = copy.deepcopy(net)
    with torch.no_grad():
        for p in absolute.parameters():
            p.abs_()
        outs = absolute(*(x.abs() for x in inputs))
    return max((n + 1) * U * float(o.max()) for o, n in zip(outs, lengths, strict=True))


def _reduction(conv: nn.modules.conv._ConvNd) -> int:
    """L of a conv module: input channels per group times the kernel's taps."""
    return conv.in_channels // conv.groups * math.prod(conv.kernel_size)


class _Convs(nn.Module):
    """Each conv applied to the input named by `uses` (an index into forward's arguments); extra
    functions of the inputs appended."""

    def __init__(self, convs: list[tuple[nn.Module, int]]) -> None:
        super().__init__()
        self.convs = nn.ModuleList(c for c, _ in convs)
        self.uses = [i for _, i in convs]

    def forward(self, *xs: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return tuple(c(xs[i]) for c, i in zip(self.convs, self.uses, strict=True))


def _check(convs: list[tuple[nn.Module, int]], inputs: tuple[torch.Tensor, ...]) -> bytes:
    net = _Convs(convs).eval()
    atol = _bound(net, inputs, [_reduction(c) for c, _ in convs])
    model = testing.assert_parity(net, inputs, rtol=0, atol=atol)
    assert not tflite_model.custom_op_counts(model)  # builtins only
    return model


def test_conv_transpose3d() -> None:
    x = torch.randn(2, 4, 3, 4, 3)
    one = torch.randn(2, 1, 3, 2, 4)
    unbatched = torch.randn(4, 2, 3, 2)
    ct = nn.ConvTranspose3d
    convs = [
        (ct(4, 3, 2, stride=2), 0),  # the U-Net upsampling: kernel = stride, no overlap
        (
            ct(
                4,
                6,
                (3, 2, 4),
                stride=(2, 1, 3),
                padding=(1, 0, 2),
                output_padding=(1, 0, 2),
                dilation=(1, 2, 1),
                groups=2,
            ),
            0,
        ),
        (ct(4, 4, 3, padding=1, groups=4, bias=False), 0),  # depthwise, stride 1
        (ct(4, 2, (5, 1, 2), stride=(2, 3, 1), padding=(0, 0, 1), dilation=(1, 1, 3)), 0),  # kD > 2 sD
        (ct(4, 2, 3, stride=3, padding=2, output_padding=(2, 1, 0), dilation=2), 0),  # op > padding
        (ct(1, 1, (2, 3, 1), stride=2, padding=(0, 1, 0), output_padding=1, bias=False), 1),  # 1 channel
        (ct(4, 2, 2, stride=(1, 2, 1)), 2),  # unbatched
    ]
    model = _check(convs, (x, one, unbatched))
    assert "STABLEHLO_CONVOLUTION" not in tflite_model.op_histogram(model)


def test_weights_as_inputs() -> None:
    """Weights that are model inputs or computed in the model: the weight shuffles run in the model."""
    x, w, b = torch.randn(1, 4, 3, 3, 2), torch.randn(4, 3, 2, 3, 2), torch.randn(6)
    y, v = torch.randn(2, 4, 4, 5), torch.randn(4, 3, 3, 2)

    def fn(*t: torch.Tensor) -> tuple[torch.Tensor, ...]:
        x, w, b, y, v = t
        return (
            F.conv_transpose3d(x, w, stride=2),
            F.conv_transpose3d(x, w, b, stride=(1, 2, 3), padding=1, output_padding=(0, 1, 2), groups=2),
            F.conv_transpose2d(y, v, stride=2, dilation=(2, 1), padding=1),  # dilated kernel made here
            F.conv_transpose2d(y, v * 2, stride=(2, 3)),  # a computed weight (litert-torch: wrong shape)
        )

    net = module(fn)
    inputs = (x, w, b, y, v)
    bound = (4 * 12 + 1) * U * max(float(o.max()) for o in net(*(t.abs() for t in inputs)))
    testing.assert_parity(net, inputs, rtol=0, atol=bound)


def test_conv_transpose1d_2d() -> None:
    a, b = torch.randn(2, 4, 6), torch.randn(2, 4, 4, 5)
    t1, t2 = nn.ConvTranspose1d, nn.ConvTranspose2d
    convs = [
        (t1(4, 3, 3, stride=2, padding=1, output_padding=1), 0),  # the XNNPack delegate refused it
        (t1(4, 6, 3, stride=2, groups=2, dilation=2, padding=2), 0),
        (t1(4, 3, 3, stride=2), 0),  # litert-torch's own TRANSPOSE_CONV
        (t2(4, 3, (3, 2), stride=(2, 3), padding=(1, 0), output_padding=(1, 2)), 1),
        (t2(4, 3, 3, stride=2, dilation=(2, 1), padding=1, output_padding=1), 1),
        (t2(4, 4, 3, stride=2, padding=(0, 1), groups=4, bias=False), 1),  # depthwise
        (t2(4, 2, 2, stride=3, padding=1), 1),  # stride > kernel
        (t2(4, 6, 3, stride=2, groups=2), 1),  # litert-torch's grouped TRANSPOSE_CONV, bias added here
    ]
    _check(convs, (a, b))


def test_conv_groups_same_and_padding_modes() -> None:
    a, b, c = torch.randn(2, 4, 11), torch.randn(2, 4, 7, 6), torch.randn(2, 4, 5, 4, 6)
    c1, c2, c3 = nn.Conv1d, nn.Conv2d, nn.Conv3d
    convs = [
        (c3(4, 6, (3, 2, 3), stride=(2, 1, 2), padding=(1, 0, 2), dilation=(2, 2, 1), groups=2), 2),
        (c3(4, 8, 3, padding="same", groups=4, bias=False), 2),  # depthwise, multiplier 2
        (c3(4, 4, 2, padding=1, groups=2, padding_mode="circular"), 2),
        (c3(4, 3, 3, padding=1, padding_mode="replicate"), 2),
        (c1(4, 3, 4, padding="same", dilation=1), 0),  # odd total padding: the extra on the right
        (c1(4, 4, 3, padding="same", dilation=3, groups=4), 0),
        (c1(4, 3, 3, padding="valid", stride=2), 0),
        (c1(4, 6, 3, groups=2, dilation=2, padding=3, stride=2, padding_mode="reflect"), 0),
        (c1(4, 3, 2, stride=3), 0),  # stride > kernel
        (c2(4, 8, 3, groups=4, dilation=2, padding=2), 1),
        (c2(4, 3, (4, 3), padding="same", dilation=(1, 2)), 1),
        (c2(4, 3, 3, padding=(1, 2), padding_mode="reflect"), 1),
    ]
    _check(convs, (a, b, c))


def test_conv1d_same_unbatched() -> None:
    x, w = torch.randn(3, 9), torch.randn(2, 3, 4)

    def fn(x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        return F.conv1d(x, w, padding="same", dilation=2)

    bound = (3 * 4 + 1) * U * float(fn(x.abs(), w.abs()).max())
    testing.assert_parity(module(fn), (x, w), rtol=0, atol=bound)
