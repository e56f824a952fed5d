"""aten_reported.py against torch eager: patterns users report failing with litert-torch (float and
integer fmod, integer argmax / max(dim), integer matmul, float functions / sign / abs / rounding of
integer tensors, logical_xor, window functions). The model's inputs are fed by index."""

from __future__ import annotations

import torch

from conftest import module
from opbridge import testing

NAN, INF = float("nan"), float("inf")


def test_fmod_floats_and_integers() -> None:
    a = torch.tensor([1e7, -1e7, 123456.7, -98765.4, 7.0, -7.0, 5.5, 0.3, -0.0, 3e5, 1.0, INF, NAN, 2.0])
    b = torch.tensor([0.3, 0.3, -0.37, 0.37, 0.1, -0.1, 2.0, 0.1, 1.5, -1.7, 0.0, 2.0, 1.0, INF])
    i = torch.tensor([-20, -7, -3, 0, 3, 7, 20, 19, -19, 2147483647], dtype=torch.int32)
    j = torch.tensor([3, 3, -3, 5, -3, 2, -6, 4, -4, 10], dtype=torch.int32)
    k = torch.randint(-100, 100, (3, 4))  # int64
    h = (torch.randn(3, 4) * 100).half()

    def fn(
        a: torch.Tensor, b: torch.Tensor, i: torch.Tensor, j: torch.Tensor, k: torch.Tensor, h: torch.Tensor
    ) -> tuple[torch.Tensor, ...]:
        return (
            torch.fmod(a, b),
            torch.fmod(a, -0.37),
            torch.fmod(a.reshape(2, 7), b[:7]),  # broadcast
            torch.fmod(i, j),
            torch.fmod(i, 3),
            torch.fmod(k, 7),
            torch.fmod(k.to(torch.int8), 5),
            torch.fmod(k, 2.5),  # an integer tensor by a float: float
            torch.fmod(h, 0.3),
        )

    testing.assert_parity(module(fn), (a, b, i, j, k, h), rtol=0, atol=0, enable_x64=True)


def test_integer_argmax_and_max_dim() -> None:
    ids = torch.randint(0, 5, (3, 7))  # many ties: torch takes the first
    ids[1, 4] = 49407  # CLIP's text pooling: the end token has the largest id
    small = torch.randint(-3, 3, (2, 4, 5), dtype=torch.int32)
    mask = torch.rand(3, 6) > 0.6
    mask[2] = False

    def fn(ids: torch.Tensor, small: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return (
            ids.argmax(-1),
            ids.argmin(0, keepdim=True),
            ids.argmax(),
            small.argmax(1),
            *torch.max(small, -1),
            *torch.min(small, 0, keepdim=True),
            mask.int().argmax(-1),  # the first True (0 for a row of False)
            *torch.max(ids.to(torch.uint8), 1),
        )

    testing.assert_parity(module(fn), (ids, small, mask), rtol=0, atol=0, enable_x64=True)


def test_integer_matmul() -> None:
    a = torch.randint(-50, 50, (3, 4))
    b = torch.randint(-50, 50, (4, 2))
    c = torch.randint(-5, 5, (2, 3, 4), dtype=torch.int32)
    d = torch.randint(-5, 5, (2, 4, 5), dtype=torch.int32)
    e = torch.randint(-100, 100, (3, 4), dtype=torch.int8)
    f = torch.randint(-100, 100, (4, 2), dtype=torch.int8)

    def fn(
        a: torch.Tensor, b: torch.Tensor, c: torch.Tensor, d: torch.Tensor, e: torch.Tensor, f: torch.Tensor
    ) -> tuple[torch.Tensor, ...]:
        return (
            a @ b,
            torch.mm(a, b),
            torch.bmm(c, d),
            torch.matmul(a[0], b),  # vector @ matrix
            torch.addmm(a[:, :2], a, b, beta=2, alpha=3),
            torch.addmm(a[:, :2], a, b, beta=0),
            torch.baddbmm(c[:, :, :1].expand(2, 3, 5), c, d),
            torch.mm(e, f),  # int8 wraps around, as torch's
            (a @ b).float() @ b.T.float(),  # float matmul keeps its own path
        )

    testing.assert_parity(module(fn), (a, b, c, d, e, f), rtol=0, atol=0, enable_x64=True)


def test_float_functions_of_integers() -> None:
    i = torch.tensor([[-3, -2, -1, 0], [1, 2, 5, 9]])  # int64
    p = torch.tensor([[0, 1, 2, 3], [4, 5, 6, 7]], dtype=torch.int32)

    def fn(i: torch.Tensor, p: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return (
            torch.exp(i),
            torch.log(p),
            torch.sqrt(p),
            torch.sin(i),
            torch.sigmoid(i),
            torch.tanh(i),
            torch.rsqrt(p + 1),
            torch.erf(i),
            torch.exp(i > 0),
        )

    # the integers become float32 exactly (torch's promotion); the functions are then LiteRT's float
    # builtins (EXP, LOG, SQRT, SIN... through XNNPACK), a few float32 ulp from torch's, as for float
    # inputs
    testing.assert_parity(module(fn), (i, p), rtol=2e-6, atol=1e-7, enable_x64=True)


def test_integer_sign_abs_rounding_xor() -> None:
    i = torch.tensor([[-3, -2, -1, 0], [1, 2, 5, 9]])  # int64
    j = torch.tensor([-2147483648, -5, 0, 7, 2147483647], dtype=torch.int32)
    k = torch.tensor([-128, -3, 0, 4, 127], dtype=torch.int8)
    p = torch.tensor([[0, 1, 2, 3], [4, 5, 6, 7]])

    def fn(i: torch.Tensor, j: torch.Tensor, k: torch.Tensor, p: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return (
            torch.sign(i),
            torch.sign(k),
            torch.abs(i),
            torch.abs(j),  # abs(INT_MIN) wraps to INT_MIN
            torch.abs(k),  # int8: aten_pointwise's rewrite
            torch.floor(i) + torch.ceil(i) + torch.round(i) + torch.trunc(i),
            torch.floor(k),
            torch.logical_xor(i > 0, p > 3),
            torch.logical_xor(i, p - 2),
        )

    testing.assert_parity(module(fn), (i, j, k, p), rtol=0, atol=0, enable_x64=True)


def test_window_functions() -> None:
    x = torch.randn(3, 400)

    def fn(x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return (
            x * torch.hamming_window(400),
            x[:, :7] * torch.hamming_window(7, periodic=False),
            x[:, :9] * torch.hamming_window(9, True, 0.5, 0.5),
            x * torch.blackman_window(400),
            x[:, :6] * torch.blackman_window(6, periodic=False),
            x * torch.bartlett_window(400),
            x[:, :7] * torch.bartlett_window(7, periodic=False),
            x[:, :6] * torch.bartlett_window(6, periodic=False),  # even: the halves meet off 1.0
            x[:, :1] * torch.hamming_window(1),
        )

    # TFLite's COS against torch's vectorized cosf: a few float32 ulp of values up to 1
    testing.assert_parity(module(fn), (x,), rtol=0, atol=1e-6)


def test_nan_in_min_max() -> None:
    v = torch.tensor(
        [[1.0, NAN, 2.0, -0.0], [3.0, 2.0, 3.0, 0.0], [-INF, -INF, -INF, -INF], [NAN, 5.0, NAN, 1.0]]
    )
    w = torch.tensor(
        [[NAN, 1.0, 3.0, 0.0], [1.0, NAN, 3.0, -0.0], [0.0, 1.0, -INF, INF], [1.0, 2.0, 3.0, 4.0]]
    )

    def fn(a: torch.Tensor, b: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return (
            torch.minimum(a, b),
            torch.maximum(a, b),
            a.amax(1),
            a.amin(0),
            a.amax((0, 1), keepdim=True),
            b.amax(1),  # rows without NaN keep the builtin's value
            a.argmax(1),
            a.argmin(1),
            a.argmax(),
            *torch.max(a, 1),
            *torch.min(a, 1, keepdim=True),
            *torch.max(b, 0),
            torch.max(a),
            torch.min(b),
            *torch.aminmax(a, dim=1),
            torch.sign(a),
            torch.clamp(a, max=torch.max(b)),
        )

    testing.assert_parity(module(fn), (v, w), rtol=0, atol=0, enable_x64=True)
