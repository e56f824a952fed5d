"""aten_misc.py against torch eager: dilated / ceil_mode / padded max pooling in 1-3-D with and
without indices; the model's inputs are fed by index."""

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
