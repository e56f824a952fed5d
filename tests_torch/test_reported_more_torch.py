"""aten_reported.py against torch eager, the second batch of user reports: torch.fmin / fmax (NaN
ignored), torch.logsumexp with NaN / inf rows, adaptive_avg_pool3d at sizes that do not divide the
input. The model's inputs are fed by index; a signed zero is checked through its reciprocal (±inf)."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from conftest import module
from opbridge import testing

NAN, INF = float("nan"), float("inf")


def test_fmin_fmax_ignore_nan() -> None:
    # NaN on either side or both, signed-zero ties both ways, infinities, equal values
    a = torch.tensor([1.0, NAN, NAN, -0.0, 0.0, INF, -INF, 2.0, 3.0, -0.0, -5.0, 0.5])
    b = torch.tensor([NAN, 2.0, NAN, 0.0, -0.0, 1.0, 5.0, -INF, 3.0, -0.0, NAN, -0.5])
    i = torch.tensor([1, 5, -3, 7, -2147483648, 2147483647])  # int64
    j = torch.tensor([2, 2, 2, 9, 0, -1])

    def fn(a: torch.Tensor, b: torch.Tensor, i: torch.Tensor, j: torch.Tensor) -> tuple[torch.Tensor, ...]:
        lo, hi = torch.fmin(a, b), torch.fmax(a, b)
        h, bf = a.half(), b.bfloat16()
        return (
            lo,
            hi,
            1.0 / lo,  # the sign of a zero: torch keeps the first operand on a tie
            1.0 / hi,
            torch.fmin(a.reshape(2, 6), b[:6]),  # broadcast
            torch.fmax(b[:6], a.reshape(2, 6)),
            torch.fmin(a, b[1]),  # a 0-d operand
            torch.fmin(h, b.half()),
            1.0 / torch.fmax(h, b.half()).float(),
            1.0 / torch.fmin(a.bfloat16(), bf).float(),  # bfloat16 keeps the second operand on a tie
            torch.fmax(a.bfloat16(), bf).float(),
            torch.fmin(i, j),
            torch.fmax(i.int(), j.int()),
            torch.fmin(i.to(torch.int8), j.to(torch.int8)),
            torch.fmax(i > 0, j > 2),  # bool
            torch.fmin(i, a[:6]),  # int64 and float32: float32
        )

    testing.assert_parity(module(fn), (a, b, i, j), rtol=0, atol=0, enable_x64=True)


def test_logsumexp_nan_and_infinite_rows() -> None:
    x = torch.randn(3, 4, 5)
    x[0, 1, 2] = NAN  # a NaN row: NaN
    x[1, 2, :] = INF  # all +inf: +inf
    x[2, 0, :] = -INF  # all -inf: -inf
    x[1, 0, 1], x[1, 0, 3] = INF, -INF  # +inf and -inf: +inf
    x[2, 3, 0], x[2, 3, 1] = NAN, INF  # NaN and +inf: NaN
    x[0, 3, :] = 80.0  # large values: no overflow

    def fn(x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return (
            torch.logsumexp(x, -1),
            torch.logsumexp(x, 1, keepdim=True),
            torch.logsumexp(x, (0, 2)),
            torch.logsumexp(x[:, :, :0], -1),  # an empty reduced dim: -inf
            torch.logsumexp(x.nan_to_num(0, 3, -3).long(), 1),  # integers: in float32
        )

    # TFLite's EXP / LOG against torch's vectorized ones: a few float32 ulp
    testing.assert_parity(module(fn), (x,), rtol=1e-6, atol=0)


def test_adaptive_avg_pool3d_uneven_windows() -> None:
    x = torch.randn(2, 3, 5, 7, 6)
    x[0, 0, 0, 0, 0] = NAN
    x[1, 1, 4, 6, 5] = INF
    x[0, 2] = -0.0  # windows of -0: torch's sum starts at +0

    def fn(x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        pooled = F.adaptive_avg_pool3d(x, (3, 4, 4))  # overlapping windows of 2 and 3
        return (
            pooled,
            1.0 / pooled,
            F.adaptive_avg_pool3d(x, (2, 3, 5)),
            F.adaptive_avg_pool3d(x[0], (4, 5, 4)),  # 4-D input
            F.adaptive_avg_pool3d(x, (5, 7, 3)),  # dividing sizes: litert-torch's lowering
            F.adaptive_avg_pool3d(x.half(), (3, 4, 4)),  # half: accumulated in half, as torch
            F.adaptive_avg_pool3d(x.bfloat16(), (2, 3, 4)).float(),
            F.adaptive_max_pool3d(x, (3, 4, 4)),  # already exact (aten_pooling)
        )

    testing.assert_parity(module(fn), (x,), rtol=0, atol=0)


def test_integer_einsum() -> None:
    a = torch.randint(-50, 50, (3, 4))  # int64
    b = torch.randint(-50, 50, (4, 5))
    c = torch.randint(-5, 5, (2, 3, 4), dtype=torch.int32)
    d = torch.randint(-5, 5, (2, 4, 5), dtype=torch.int32)
    big = torch.tensor([[2**31 - 1, 2**31 - 1], [7, -(2**31)]], dtype=torch.int32)  # products wrap
    huge = torch.tensor([[2**40, 3], [-(2**35), 2**62]])  # int64 products wrap at 64 bits
    e8 = torch.randint(-100, 100, (3, 4), dtype=torch.int8)

    def fn(
        a: torch.Tensor,
        b: torch.Tensor,
        c: torch.Tensor,
        d: torch.Tensor,
        big: torch.Tensor,
        huge: torch.Tensor,
        e8: torch.Tensor,
    ) -> tuple[torch.Tensor, ...]:
        return (
            torch.einsum("ij,jk->ik", a, b),
            torch.einsum("bij,bjk->bik", c, d),
            torch.einsum("ii->", a[:, :3]),  # trace: int64 (torch.sum's promotion)
            torch.einsum("ij->", c[0]),
            torch.einsum("ii->i", a[:, :3]),
            torch.einsum("i,j->ij", a[0], b[0]),  # outer
            torch.einsum("ij,jk", big, big),  # implicit output, int32 wraparound
            torch.einsum("ij,jk->ik", huge, huge),
            torch.einsum("i,i->", big[0], big[1]),
            torch.einsum("ij,jk->ik", e8, e8.T.contiguous()),  # int8 wraps at 8 bits
            torch.einsum("...ij,...jk->...ik", c, d),
            torch.einsum("...ij,...jk->...ik", c, d[0]),  # an ellipsis of no dims
            torch.einsum("bij,bjk->bik", c[:1], d),  # a batch of 1 broadcasts
            torch.einsum("...j,j...", c[0], d[1, :, :3]),  # implicit output: the ellipsis first
            torch.einsum("...j,jk", c[0], d[0]),
            torch.einsum("...ij,...jk->...ik", c.reshape(1, 2, 3, 4), d),  # ellipses right-aligned
            torch.einsum("bij,bjk,bkl->bil", c, d, d.transpose(1, 2).contiguous()),  # three operands
            torch.einsum("bij,bkj->bik", c, c),
            torch.einsum("ij,ij->i", a, a),
            torch.einsum("Ab,bc", a, b),  # upper-case labels
            torch.einsum("ij,kj->", a, b.T.contiguous()),
            torch.einsum("ij->ji", c[0]),  # no sum: int32 kept
        )

    testing.assert_parity(module(fn), (a, b, c, d, big, huge, e8), rtol=0, atol=0, enable_x64=True)


def test_histogram() -> None:
    x = torch.randn(64)
    x[3], x[8], x[9] = NAN, -INF, INF  # dropped
    x[5], x[6], x[7] = 2.0, -2.0, 5.0  # both range ends are in (the last bin is closed); 5 is out
    x[10], x[11] = -0.5, 0.3  # exactly on inner edges: the bin to the right
    x[12] = torch.linspace(-1.3, 1.7, 38)[17]  # on a linspace edge of bins=37
    w = torch.rand(64)
    edges = torch.tensor([-2.0, -0.5, 0.0, 0.3, 2.0])

    def fn(x: torch.Tensor, w: torch.Tensor, edges: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return (
            *torch.histogram(x, bins=10, range=(-2.0, 2.0)),
            *torch.histogram(x, bins=37, range=(-1.3, 1.7)),  # edges from torch's fused linspace
            *torch.histogram(x, edges),
            *torch.histogram(x, edges, weight=w),
            *torch.histogram(x, bins=5, range=(-2.0, 2.0), weight=w),  # weights added in element order
            *torch.histogram(x, edges, density=True),
            *torch.histogram(x.reshape(8, 8), bins=3, range=(0.5, 0.5)),  # an empty range widens by 0.5
            torch.histc(x, bins=10, min=-2, max=2),  # already exact (aten_search)
        )

    testing.assert_parity(module(fn), (x, w, edges), rtol=0, atol=0)


def test_histogram_weighted_density() -> None:
    x = torch.randn(64)
    x[3] = NAN
    w = torch.rand(64)
    edges = torch.tensor([-2.0, -0.5, 0.0, 0.3, 2.0])

    def fn(x: torch.Tensor, w: torch.Tensor, edges: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return (
            torch.histogram(x, bins=5, range=(-2.0, 2.0), weight=w, density=True)[0],
            torch.histogram(x, edges, weight=w, density=True)[0],
        )

    # torch divides by hist.sum(), its vectorized multi-accumulator sum; the model sums the bins in
    # order: a float32 ulp apart (the weighted bins themselves are bitwise, test_histogram)
    testing.assert_parity(module(fn), (x, w, edges), rtol=3e-7, atol=0)
