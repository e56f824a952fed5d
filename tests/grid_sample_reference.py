"""An independent NumPy reference for GridSample, written from PyTorch's definition
of torch.nn.functional.grid_sample (2-D), transposed to NHWC.

Vectorized and written separately from the C++ kernel: if both agree, they agree
because the definition is right, not because they share code. Non-finite
coordinates follow what torch 2.13's CPU kernel outputs (docs/ops/grid_sample.md):
clipping sends NaN to 0; with zeros padding, bilinear gives NaN and nearest 0;
bicubic gives NaN with every padding. Reflection folds as torch's CPU kernel
does (a truncated quotient, so huge coordinates land on pixel 0).

Bicubic (torch's mode="bicubic"): the index is unnormalized without padding,
Keys' cubic weights (A = -0.75) of its fractional part weigh the 4x4 taps
around floor(index), and each tap's integer index goes through the padding
rule; as in torch, every tap is multiplied in, a tap outside the image reading 0.
"""

from __future__ import annotations

import numpy as np


def _unnormalize(coord: np.ndarray, size: int, align_corners: bool) -> np.ndarray:
    return (coord + 1) * _scale(size, align_corners) - (0 if align_corners else 0.5)


def _scale(size: int, align_corners: bool) -> float:
    """d(index)/d(coord) of the unnormalize."""
    return (size - 1) / 2 if align_corners else size / 2


def _clip(x: np.ndarray, size: int) -> np.ndarray:
    clipped = np.minimum(np.maximum(x, 0), size - 1)
    return np.where(np.isnan(x), 0, clipped).astype(x.dtype)


def _reflect(x: np.ndarray, twice_low: int, twice_high: int) -> np.ndarray:
    if twice_low == twice_high:
        return np.zeros_like(x)
    low = twice_low / 2
    twice_span = twice_high - twice_low
    with np.errstate(invalid="ignore"):
        distance = np.abs(x - low)
        extra = distance - np.trunc(distance / twice_span) * twice_span
        return np.minimum(extra, twice_span - extra) + low


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
    if mode == "bicubic":
        return _bicubic(image, grid, padding_mode, align_corners)
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


A = -0.75  # torch's cubic convolution constant


def cubic_weights(t: np.ndarray) -> list[np.ndarray]:
    """Keys' cubic convolution weights of the taps at floor-1 .. floor+2."""

    def near(x: np.ndarray) -> np.ndarray:  # |x| <= 1
        return ((A + 2) * x - (A + 3)) * x * x + 1

    def far(x: np.ndarray) -> np.ndarray:  # 1 < |x| < 2
        return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A

    return [far(t + 1), near(t), near(1 - t), far(2 - t)]


def cubic_weight_slopes(t: np.ndarray) -> list[np.ndarray]:
    """d/dt of cubic_weights, from the polynomials' derivatives."""

    def near(x: np.ndarray) -> np.ndarray:
        return 3 * (A + 2) * x * x - 2 * (A + 3) * x

    def far(x: np.ndarray) -> np.ndarray:
        return 3 * A * x * x - 10 * A * x + 8 * A

    return [far(t + 1), near(t), -near(1 - t), -far(2 - t)]


def _tap_index(tap: np.ndarray, size: int, padding_mode: str, align_corners: bool) -> np.ndarray:
    """Integer index a tap reads after padding (out-of-range ones only with zeros padding)."""
    if padding_mode == "border":
        tap = _clip(tap, size)
    elif padding_mode == "reflection":
        tap = _reflect(tap, 0, 2 * (size - 1)) if align_corners else _reflect(tap, -1, 2 * size - 1)
        tap = _clip(tap, size)
    return np.trunc(_safe(tap)).astype(np.int64)


def _bicubic_taps(grid: np.ndarray, h: int, w: int, padding_mode: str, align_corners: bool):
    """Per axis: tap indices (4 arrays), weights, weight slopes and the unnormalize scale."""
    axes = []
    for coord, size in ((grid[..., 0], w), (grid[..., 1], h)):
        index = _unnormalize(coord, size, align_corners)
        with np.errstate(invalid="ignore"):
            start = np.floor(index)
            t = index - start
            taps = [_tap_index(start + k, size, padding_mode, align_corners) for k in (-1, 0, 1, 2)]
            weights, slopes = cubic_weights(t), cubic_weight_slopes(t)
        axes.append((taps, weights, slopes, _scale(size, align_corners)))
    return axes


def _bicubic(image: np.ndarray, grid: np.ndarray, padding_mode: str, align_corners: bool) -> np.ndarray:
    n, h, w, c = image.shape
    dtype = image.dtype
    batch = np.arange(n)[:, None, None]
    (xs, wx, _, _), (ys, wy, _, _) = _bicubic_taps(grid, h, w, padding_mode, align_corners)
    out = np.zeros((*grid.shape[:3], c), dtype)
    with np.errstate(invalid="ignore"):
        for j in range(4):
            row = np.zeros_like(out)
            for i in range(4):
                inside = (ys[j] >= 0) & (ys[j] < h) & (xs[i] >= 0) & (xs[i] < w)
                values = image[batch, np.clip(ys[j], 0, h - 1), np.clip(xs[i], 0, w - 1)]
                row = row + wx[i][..., None] * np.where(inside[..., None], values, 0).astype(dtype)
            out = out + wy[j][..., None] * row
    return out.astype(dtype)


def grid_sample_bicubic_grad(
    image: np.ndarray, grid: np.ndarray, grad_output: np.ndarray, padding_mode: str, align_corners: bool
) -> tuple[np.ndarray, np.ndarray]:
    """torch's bicubic backward: (d image, d grid) for the upstream gradient grad_output."""
    n, h, w, _ = image.shape
    dtype = image.dtype
    batch = np.broadcast_to(np.arange(n)[:, None, None], grid.shape[:3])
    (xs, wx, dwx, sx), (ys, wy, dwy, sy) = _bicubic_taps(grid, h, w, padding_mode, align_corners)
    grad_image = np.zeros_like(image)
    gx = np.zeros(grid.shape[:3], dtype)
    gy = np.zeros(grid.shape[:3], dtype)
    with np.errstate(invalid="ignore"):
        for j in range(4):
            for i in range(4):
                inside = (ys[j] >= 0) & (ys[j] < h) & (xs[i] >= 0) & (xs[i] < w)
                y, x = np.clip(ys[j], 0, h - 1), np.clip(xs[i], 0, w - 1)
                values = np.where(inside[..., None], image[batch, y, x], 0).astype(dtype)
                delta = grad_output * wx[i][..., None] * wy[j][..., None]
                np.add.at(grad_image, (batch[inside], y[inside], x[inside]), delta[inside])
                # Per channel, as torch sums: no channels, no NaN from NaN slopes.
                product = values * grad_output
                gx = gx + np.sum(product * (dwx[i] * wy[j])[..., None], axis=-1)
                gy = gy + np.sum(product * (wx[i] * dwy[j])[..., None], axis=-1)
    return grad_image, np.stack([gx * sx, gy * sy], -1).astype(dtype)
