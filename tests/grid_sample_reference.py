"""An independent NumPy reference for GridSample, written from PyTorch's definition
of torch.nn.functional.grid_sample (2-D), transposed to NHWC.

Vectorized and written separately from the C++ kernel: if both agree, they agree
because the definition is right, not because they share code. Non-finite
coordinates follow what torch 2.13's CPU kernel outputs (docs/ops/grid_sample.md):
clipping sends NaN to 0; with zeros padding, bilinear gives NaN and nearest 0.
"""

from __future__ import annotations

import numpy as np


def _unnormalize(coord: np.ndarray, size: int, align_corners: bool) -> np.ndarray:
    if align_corners:
        return (coord + 1) / 2 * (size - 1)
    return ((coord + 1) * size - 1) / 2


def _clip(x: np.ndarray, size: int) -> np.ndarray:
    clipped = np.minimum(np.maximum(x, 0), size - 1)
    return np.where(np.isnan(x), 0, clipped).astype(x.dtype)


def _reflect(x: np.ndarray, twice_low: int, twice_high: int) -> np.ndarray:
    if twice_low == twice_high:
        return np.zeros_like(x)
    low = twice_low / 2
    span = (twice_high - twice_low) / 2
    with np.errstate(invalid="ignore"):
        x = np.abs(x - low)
        extra = np.fmod(x, span)
        flips = np.floor(x / span)
        even = np.fmod(flips, 2) == 0
    return np.where(even, extra + low, span - extra + low).astype(x.dtype)


def _safe(x: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        bad = ~np.isfinite(x) | (np.trunc(x) > 2**31 - 2) | (x < -(2**31))
    return np.where(bad, -100, x).astype(x.dtype)


def source_index(coord: np.ndarray, size: int, padding_mode: str, align_corners: bool) -> np.ndarray:
    x = _unnormalize(coord, size, align_corners)
    if padding_mode == "border":
        x = _clip(x, size)
    elif padding_mode == "reflection":
        x = _reflect(x, 0, 2 * (size - 1)) if align_corners else _reflect(x, -1, 2 * size - 1)
        x = _clip(x, size)
    return x


def grid_sample(
    image: np.ndarray, grid: np.ndarray, mode: str, padding_mode: str, align_corners: bool
) -> np.ndarray:
    n, h, w, c = image.shape
    _, ho, wo, _ = grid.shape
    dtype = image.dtype
    ix = source_index(grid[..., 0], w, padding_mode, align_corners)
    iy = source_index(grid[..., 1], h, padding_mode, align_corners)
    batch = np.arange(n)[:, None, None]

    def gather(y: np.ndarray, x: np.ndarray) -> np.ndarray:
        inside = (y >= 0) & (y < h) & (x >= 0) & (x < w)
        values = image[batch, np.clip(y, 0, h - 1), np.clip(x, 0, w - 1)]
        return np.where(inside[..., None], values, 0).astype(dtype)

    if mode == "nearest":
        return gather(np.rint(_safe(iy)).astype(np.int64), np.rint(_safe(ix)).astype(np.int64))

    finite = np.isfinite(ix) & np.isfinite(iy)
    ix, iy = _safe(ix), _safe(iy)
    x0 = np.floor(ix).astype(np.int64)
    y0 = np.floor(iy).astype(np.int64)
    wx1 = ix - x0
    wx0 = (x0 + 1) - ix
    wy1 = iy - y0
    wy0 = (y0 + 1) - iy
    out = np.zeros((n, ho, wo, c), dtype)
    for dy, dx, weight in ((0, 0, wx0 * wy0), (0, 1, wx1 * wy0), (1, 0, wx0 * wy1), (1, 1, wx1 * wy1)):
        out = out + gather(y0 + dy, x0 + dx) * weight[..., None].astype(dtype)
    return np.where(finite[..., None], out, np.nan).astype(dtype)
