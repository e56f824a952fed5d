"""The PyTorch ops the torch census tries (tools/census_torch.py -> docs/ops-torch.md).

Each candidate is a small function of tensors using one op the way model code
does, on valid inputs. A candidate is here because models use it and
litert-torch may fail on it; what litert-torch does alone, and what opbridge
does, is what the census measures. Add one when a user reports an op.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F

# name -> builder(generator) -> (function of the inputs, inputs)
Builder = Callable[[torch.Generator], tuple[Callable[..., Any], tuple[torch.Tensor, ...]]]


def _randn(g: torch.Generator, *shape: int) -> torch.Tensor:
    return torch.randn(*shape, generator=g)


def _uniform(g: torch.Generator, low: float, high: float, *shape: int) -> torch.Tensor:
    return low + (high - low) * torch.rand(*shape, generator=g)


def _spd(g: torch.Generator, n: int = 4) -> torch.Tensor:
    a = _randn(g, 2, n, n)
    return a @ a.mT + n * torch.eye(n)


def _unary(fn: Callable[[torch.Tensor], torch.Tensor], low: float, high: float) -> Builder:
    return lambda g: (fn, (_uniform(g, low, high, 4, 16),))


def _images(g: torch.Generator, size: int = 8) -> torch.Tensor:
    return _uniform(g, 0, 1, 2, 3, size, size)


def _grid(g: torch.Generator, size: int = 6) -> torch.Tensor:
    return _uniform(g, -1.2, 1.2, 2, size, size, 2)


def _max_pool_unpool(x: torch.Tensor) -> torch.Tensor:
    pooled, indices = F.max_pool2d(x, 2, return_indices=True)
    return F.max_unpool2d(pooled, indices, 2)


def _irfft_of_complex(re: torch.Tensor, im: torch.Tensor) -> torch.Tensor:
    return torch.fft.irfft(torch.complex(re, im), n=14)


def _fft_magnitude(x: torch.Tensor) -> torch.Tensor:
    return torch.fft.fft(torch.complex(x, torch.zeros_like(x))).abs()


CANDIDATES: dict[str, Builder] = {
    # Linear algebra.
    "linalg.inv": lambda g: (torch.linalg.inv, (_spd(g),)),
    "linalg.cholesky": lambda g: (torch.linalg.cholesky, (_spd(g),)),
    "linalg.cholesky(upper=True)": lambda g: ((lambda a: torch.linalg.cholesky(a, upper=True)), (_spd(g),)),
    "linalg.solve": lambda g: (torch.linalg.solve, (_spd(g), _randn(g, 2, 4, 3))),
    "linalg.solve_triangular": lambda g: (
        (lambda a, b: torch.linalg.solve_triangular(a, b, upper=False)),
        (torch.linalg.cholesky(_spd(g)), _randn(g, 2, 4, 3)),
    ),
    "linalg.det": lambda g: (torch.linalg.det, (_spd(g),)),
    "linalg.slogdet": lambda g: (torch.linalg.slogdet, (_randn(g, 2, 4, 4),)),
    "linalg.qr (R)": lambda g: ((lambda a: torch.linalg.qr(a, mode="r")[1].abs()), (_randn(g, 2, 5, 4),)),
    "linalg.svdvals": lambda g: (torch.linalg.svdvals, (_randn(g, 2, 5, 4),)),
    "linalg.eigvalsh": lambda g: (torch.linalg.eigvalsh, (_spd(g),)),
    "linalg.svd (|U|, S)": lambda g: (
        (lambda a: (torch.linalg.svd(a, full_matrices=False)[0].abs(), torch.linalg.svd(a)[1])),
        (_randn(g, 2, 5, 4),),
    ),
    "linalg.eigh (|V|, L)": lambda g: (
        (lambda a: (torch.linalg.eigh(a)[1].abs(), torch.linalg.eigh(a)[0])),
        (_spd(g),),
    ),
    "linalg.matrix_norm(ord=2)": lambda g: (
        (lambda a: torch.linalg.matrix_norm(a, ord=2)),
        (_randn(g, 2, 4, 4),),
    ),
    "linalg.pinv": lambda g: (torch.linalg.pinv, (_randn(g, 2, 5, 3),)),
    "linalg.matrix_power(-2)": lambda g: ((lambda a: torch.linalg.matrix_power(a, -2)), (_spd(g),)),
    "logdet": lambda g: (torch.logdet, (_spd(g),)),
    "torch.eye": lambda g: ((lambda a: a @ torch.eye(4) + torch.eye(4)), (_randn(g, 2, 4, 4),)),
    "linalg.lstsq": lambda g: (
        (lambda a, b: torch.linalg.lstsq(a, b).solution),
        (_randn(g, 5, 3), _randn(g, 5, 2)),
    ),
    # Special functions.
    "special.erfinv": _unary(torch.special.erfinv, -0.99, 0.99),
    "lgamma": _unary(torch.lgamma, 0.1, 10),
    "digamma": _unary(torch.digamma, 0.1, 10),
    "polygamma(1)": _unary(lambda x: torch.polygamma(1, x), 0.1, 10),
    "special.gammainc": lambda g: (
        torch.special.gammainc,
        (_uniform(g, 0.5, 5, 16), _uniform(g, 0.1, 5, 16)),
    ),
    "special.gammaincc": lambda g: (
        torch.special.gammaincc,
        (_uniform(g, 0.5, 5, 16), _uniform(g, 0.1, 5, 16)),
    ),
    "special.i0e": _unary(torch.special.i0e, -5, 5),
    "special.i1e": _unary(torch.special.i1e, -5, 5),
    "special.bessel_j0": _unary(torch.special.bessel_j0, -10, 10),
    "special.zeta": lambda g: (torch.special.zeta, (_uniform(g, 1.5, 5, 16), _uniform(g, 0.5, 3, 16))),
    "special.ndtri": _unary(torch.special.ndtri, 0.01, 0.99),
    "special.erfcx": _unary(torch.special.erfcx, -2, 5),
    "tan": _unary(torch.tan, -1e4, 1e4),
    "atanh (small x)": _unary(torch.atanh, -1e-6, 1e-6),
    "sinh (small x)": _unary(torch.sinh, -1e-6, 1e-6),
    "expm1 (small x)": _unary(torch.expm1, -1e-6, 1e-6),
    "log1p (small x)": _unary(torch.log1p, -1e-6, 1e-6),
    # Search and scan.
    "searchsorted": lambda g: (
        torch.searchsorted,
        (torch.sort(_randn(g, 3, 10)).values, _randn(g, 3, 5)),
    ),
    "bucketize": lambda g: (
        (lambda x, b: torch.bucketize(x, b)),
        (_randn(g, 4, 6), torch.sort(_randn(g, 9)).values),
    ),
    "cumprod": lambda g: ((lambda x: torch.cumprod(x, dim=1)), (_uniform(g, 0.5, 1.5, 3, 8),)),
    "histc": lambda g: ((lambda x: torch.histc(x, bins=10, min=-2, max=2)), (_randn(g, 64),)),
    "cummax": lambda g: ((lambda x: torch.cummax(x, dim=1).values), (_randn(g, 3, 8),)),
    "cummin indices": lambda g: (
        (lambda x: torch.cummin(x, dim=0).indices.float()),
        (torch.randint(0, 3, (6, 4), generator=g).float(),),
    ),
    "kthvalue": lambda g: ((lambda x: torch.kthvalue(x, 3, dim=1).values), (_randn(g, 3, 8),)),
    "sort": lambda g: ((lambda x: torch.sort(x, dim=1).values), (_randn(g, 3, 8),)),
    "sort(descending) indices": lambda g: (
        (lambda x: torch.sort(x, dim=0, descending=True).indices.float()),
        (_randn(g, 5, 4),),
    ),
    "argsort": lambda g: ((lambda x: torch.argsort(x).float()), (_randn(g, 3, 8),)),
    "msort": lambda g: (torch.msort, (_randn(g, 6, 3),)),
    "unique": lambda g: ((lambda x: torch.unique(x)), (torch.randint(0, 5, (12,), generator=g).float(),)),
    # Sampling, pooling, resizing.
    "grid_sample(bilinear, zeros)": lambda g: (
        (lambda x, grid: F.grid_sample(x, grid, align_corners=False)),
        (_images(g), _grid(g)),
    ),
    "grid_sample(nearest, border)": lambda g: (
        (lambda x, grid: F.grid_sample(x, grid, mode="nearest", padding_mode="border", align_corners=True)),
        (_images(g), _grid(g)),
    ),
    "grid_sample(bilinear, reflection)": lambda g: (
        (lambda x, grid: F.grid_sample(x, grid, padding_mode="reflection", align_corners=False)),
        (_images(g), _grid(g)),
    ),
    "grid_sample(bicubic)": lambda g: (
        (lambda x, grid: F.grid_sample(x, grid, mode="bicubic", align_corners=False)),
        (_images(g), _grid(g)),
    ),
    "max_pool2d(return_indices) + max_unpool2d": lambda g: (_max_pool_unpool, (_images(g),)),
    "interpolate(bicubic, antialias)": lambda g: (
        (lambda x: F.interpolate(x, size=(5, 5), mode="bicubic", antialias=True)),
        (_images(g),),
    ),
    "interpolate(bilinear, antialias)": lambda g: (
        (lambda x: F.interpolate(x, size=(5, 5), mode="bilinear", antialias=True)),
        (_images(g),),
    ),
    "interpolate(bicubic)": lambda g: (
        (lambda x: F.interpolate(x, size=(11, 11), mode="bicubic", align_corners=False)),
        (_images(g),),
    ),
    "max_pool2d(return_indices) indices": lambda g: (
        (lambda x: F.max_pool2d(x, 3, stride=2, padding=1, return_indices=True)[1].float()),
        (_images(g, 9),),
    ),
    "interpolate(nearest, scale 1.5)": lambda g: (
        (lambda x: F.interpolate(x, scale_factor=1.5, mode="nearest")),
        (_images(g, 7),),
    ),
    "interpolate(area)": lambda g: ((lambda x: F.interpolate(x, size=(3, 5), mode="area")), (_images(g),)),
    # Complex numbers and FFTs.
    "complex + fft.irfft": lambda g: (_irfft_of_complex, (_randn(g, 3, 8), _randn(g, 3, 8))),
    "fft.fft().abs()": lambda g: (_fft_magnitude, (_randn(g, 3, 12),)),
    "fft.rfft().abs() (400)": lambda g: ((lambda x: torch.fft.rfft(x).abs()), (_randn(g, 2, 400),)),
    "fft.rfft(n=1)": lambda g: ((lambda x: torch.fft.rfft(x, n=1).abs()), (_randn(g, 3, 4),)),
    "fft.irfft(fft.rfft() * filter)": lambda g: (
        (lambda x, h: torch.fft.irfft(torch.fft.rfft(x) * torch.fft.rfft(h), n=32)),
        (_randn(g, 2, 32), _randn(g, 2, 32)),
    ),
    "stft(400, 160, hann).abs()": lambda g: (
        (lambda x: torch.stft(x, 400, 160, window=torch.hann_window(400), return_complex=True).abs()),
        (_randn(g, 1, 1600),),
    ),
    "angle(complex)": lambda g: (
        (lambda a, b: torch.angle(torch.complex(a, b))),
        (_randn(g, 8), _randn(g, 8)),
    ),
    "fft.fft2().real": lambda g: ((lambda x: torch.fft.fft2(x).real), (_randn(g, 2, 6, 10),)),
}
