"""aten_misc.py against torch eager: dilated / ceil_mode / padded max pooling in 1-3-D with and
without indices, 5-D grid_sample, nn.Bilinear, torch.dist, cosine_embedding_loss, masked_scatter,
Tensor.put and bfloat16 matmul (unique_consecutive: aten_dynamic, test_dynamic_torch); the model's
inputs are fed by index."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from conftest import module
from opbridge import testing

NAN, INF = float("nan"), float("inf")


def _pool_input(*shape: int) -> torch.Tensor:
    x = torch.randint(-3, 3, shape).float()  # many ties
    flat = x.view(-1)
    flat[torch.randperm(flat.numel())[:12]] = torch.tensor([NAN, NAN, -0.0, 0.0, INF, -INF] * 2)
    return x


def test_max_pool_dilation_ceil_padding() -> None:
    torch.manual_seed(1)
    a, b, c = _pool_input(2, 3, 11), _pool_input(2, 2, 9, 10), _pool_input(1, 2, 7, 6, 8)
    b[1, 1, :5, :5] = -INF  # windows of -inf (and of -inf padding): the first element inside
    c[0, 1, :, :3] = -INF

    def fn(a: torch.Tensor, b: torch.Tensor, c: torch.Tensor) -> tuple[torch.Tensor, ...]:
        return (
            F.max_pool2d(b, 3, 2, padding=1, dilation=2, ceil_mode=True),
            *F.max_pool2d(
                b, (3, 2), (2, 3), padding=(1, 1), dilation=(2, 3), ceil_mode=True, return_indices=True
            ),
            *F.max_pool2d(b[0], 2, 1, dilation=(1, 3), return_indices=True),  # unbatched
            *F.max_pool2d(b, 3, 2, padding=1, ceil_mode=True, return_indices=True),  # undilated
            F.max_pool1d(a, 3, 2, padding=1, dilation=3, ceil_mode=True),
            *F.max_pool1d(a, 2, 3, padding=1, dilation=4, ceil_mode=True, return_indices=True),
            *F.max_pool1d(a[1], 4, 1, padding=2, return_indices=True),
            F.max_pool1d(a, 3, 2, padding=1),  # undilated 1-D
            F.max_pool3d(c, 3, 2, padding=1, dilation=2, ceil_mode=True),
            *F.max_pool3d(
                c, (2, 3, 2), (1, 2, 3), padding=(1, 1, 0), dilation=(2, 1, 3), return_indices=True
            ),
            *F.max_pool3d(c[0], 2, 2, ceil_mode=True, return_indices=True),  # undilated, unbatched
            F.max_pool3d(c, 2),
        )

    testing.assert_parity(module(fn), (a, b, c), rtol=0, atol=0, enable_x64=True)


def test_grid_sample_3d_every_mode() -> None:
    torch.manual_seed(2)
    image = torch.randn(2, 3, 4, 5, 6)
    image[1, 2, 1, 1, 1] = INF  # a tap inside weighing 0 gives NaN (torch multiplies)
    grid = torch.rand(2, 3, 2, 4, 3) * 2.8 - 1.4  # past the edges: every padding mode matters
    grid[0, 0, 0, :3] = torch.tensor([[-1.0, -1.0, -1.0], [1.0, 1.0, 1.0], [0.0, 0.0, 0.0]])
    # NaN clips to the last position (std::min/max), inf too; both fall outside with zeros.
    grid[1, 0, 0, :2] = torch.tensor([[NAN, 0.0, 0.0], [INF, 9.0, -INF]])
    # Half-pixel coordinates: nearest rounds half to even.
    grid[0, 1, 1] = torch.tensor(
        [[-0.6, -0.2, 0.2], [0.2, 0.6, -0.25], [-0.75, 0.25, 0.75], [0.5, -0.5, 0.0]]
    )
    cases = [
        (m, p, a)
        for m in ("bilinear", "nearest")
        for p in ("zeros", "border", "reflection")
        for a in (False, True)
    ]

    def fn(image: torch.Tensor, grid: torch.Tensor) -> tuple[torch.Tensor, ...]:
        outs = [F.grid_sample(image, grid, mode=m, padding_mode=p, align_corners=a) for m, p, a in cases]
        outs.append(F.grid_sample(image[:, :, :1, :1], grid, align_corners=True))  # size-1 dims
        return tuple(outs)

    testing.assert_parity(module(fn), (image, grid), rtol=0, atol=0)


def test_bilinear_dist_cosine_embedding_loss() -> None:
    torch.manual_seed(3)
    layer = torch.nn.Bilinear(3, 4, 5)
    plain = torch.nn.Bilinear(3, 4, 2, bias=False)
    x1, x2 = torch.randn(2, 3), torch.randn(2, 4)
    a, b = torch.randn(3, 4), torch.randn(4)
    a[0, :2] = b[:2]  # zeros in a - b (p = 0 counts the rest)
    c1, c2 = torch.randn(5, 6), torch.randn(5, 6)
    c2[0] = 0.0  # a zero vector: cos = 0 through the 1e-12 terms
    target = torch.tensor([1, -1, 1, -1, 0])  # 0: neither branch

    class Model(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.layer, self.plain = layer, plain

        def forward(self, *t: torch.Tensor) -> tuple[torch.Tensor, ...]:
            x1, x2, a, b, c1, c2, target = t
            return (
                self.layer(x1, x2),
                self.plain(x1.reshape(1, 2, 3), x2.reshape(1, 2, 4)),  # 3-D (leading dims)
                *(torch.dist(a, b, p) for p in (0, 1, 2, 3, 0.5, INF, -INF)),  # b broadcast
                torch.dist(a, a.nan_to_num(NAN) * NAN, INF),  # NaN wins
                F.cosine_embedding_loss(c1, c2, target),
                F.cosine_embedding_loss(c1, c2, target, margin=0.3, reduction="none"),
                F.cosine_embedding_loss(c1, c2, target, margin=-0.2, reduction="sum"),
                F.cosine_embedding_loss(c1[1], c2[1], target[1]),  # 1-D inputs, 0-D target
            )

    # Sums in another order than torch's vectorized reductions / bmm: 1-4 ulp (measured <= 4.1e-7
    # relative); p = 0, +-inf and the NaN case are exact.
    testing.assert_parity(Model().eval(), (x1, x2, a, b, c1, c2, target), rtol=1e-6, atol=0)


def test_masked_scatter_put_bf16_matmul() -> None:
    torch.manual_seed(4)
    x = torch.randn(3, 4)
    source = torch.randn(4, 4)
    ints = torch.randint(-5, 5, (2, 3, 4), dtype=torch.int32)
    index = torch.tensor([[0, -1], [5, 7]])  # negative: from the end
    dup = torch.tensor([2, 2, -10, 11, 2])  # accumulate: duplicates add up
    a, b = torch.randn(5, 7), torch.randn(7, 3)
    c, d = torch.randn(2, 4, 9), torch.randn(2, 9, 3)

    def fn(*t: torch.Tensor) -> tuple[torch.Tensor, ...]:
        x, source, ints, index, dup, a, b, c, d = t
        return (
            x.masked_scatter(x > 0, source),
            x.masked_scatter((x[0] > 0).unsqueeze(0), source),  # mask broadcast over rows
            ints.masked_scatter(ints[:1] < 0, ints.flip(0) * 10),  # int32, mask broadcast
            x.put(index, source[:2, :2]),
            x.put(dup, source.reshape(-1)[:5], accumulate=True),
            ints.put(index, torch.full((2, 2), 7, dtype=torch.int32), accumulate=True),
            (a.bfloat16() @ b.bfloat16()).float(),  # mm
            (c.bfloat16() @ d.bfloat16()).float(),  # bmm
        )

    testing.assert_parity(module(fn), (x, source, ints, index, dup, a, b, c, d), rtol=0, atol=0)
