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
    # Linear algebra beyond the first set (2026-12-06 probe).
    "linalg.matrix_exp": lambda g: (torch.linalg.matrix_exp, (0.3 * _randn(g, 2, 4, 4),)),
    "linalg.matrix_exp (one matrix)": lambda g: (torch.linalg.matrix_exp, (0.3 * _randn(g, 4, 4),)),
    "cholesky_solve": lambda g: (
        (lambda b, a: torch.cholesky_solve(b, torch.linalg.cholesky(a))),
        (_randn(g, 2, 4, 3), _spd(g)),
    ),
    "linalg.lu_factor": lambda g: ((lambda a: torch.linalg.lu_factor(a)), (_randn(g, 2, 4, 4),)),
    "linalg.lu": lambda g: (torch.linalg.lu, (_randn(g, 2, 5, 3),)),
    "linalg.lu_solve": lambda g: (
        (lambda a, b: torch.linalg.lu_solve(*torch.linalg.lu_factor(a), b)),
        (_spd(g), _randn(g, 2, 4, 3)),
    ),
    "linalg.matrix_rank": lambda g: ((lambda a: torch.linalg.matrix_rank(a).float()), (_randn(g, 2, 4, 4),)),
    "linalg.householder_product": lambda g: (
        torch.linalg.householder_product,
        torch.geqrf(_randn(g, 2, 5, 3)),
    ),
    "linalg.eigvals (|.| sorted)": lambda g: (
        (lambda a: torch.linalg.eigvals(a).abs().sort(-1)[0]),
        (_randn(g, 2, 4, 4),),
    ),
    # Scatter and index-accumulate (STABLEHLO_SCATTER whose update the runtime refuses).
    "scatter_add": lambda g: (
        (lambda x, i: torch.zeros(4, 5).scatter_add(1, i, x)),
        (_randn(g, 4, 3), torch.randint(0, 5, (4, 3), generator=g)),
    ),
    "scatter_reduce amax": lambda g: (
        (lambda x, i: torch.zeros(4, 5).scatter_reduce(1, i, x, "amax")),
        (_randn(g, 4, 3), torch.randint(0, 5, (4, 3), generator=g)),
    ),
    "scatter_reduce mean (include_self=False)": lambda g: (
        (lambda x, i: torch.zeros(4, 5).scatter_reduce(1, i, x, "mean", include_self=False)),
        (_randn(g, 4, 3), torch.randint(0, 5, (4, 3), generator=g)),
    ),
    "index_add": lambda g: (
        (lambda x, i: torch.zeros(6, 3).index_add(0, i, x)),
        (_randn(g, 4, 3), torch.tensor([0, 2, 2, 5])),
    ),
    "index_put(accumulate=True)": lambda g: (
        (lambda x, i: torch.zeros(6).index_put((i,), x, accumulate=True)),
        (_randn(g, 4), torch.tensor([0, 2, 2, 5])),
    ),
    "fold": lambda g: ((lambda x: F.fold(x, (4, 4), 2)), (_randn(g, 1, 8, 9),)),
    "istft(400, 100, hann)": lambda g: (
        (
            lambda x: torch.istft(
                torch.stft(x, 400, 100, window=torch.hann_window(400), return_complex=True),
                400,
                100,
                window=torch.hann_window(400),
                length=x.shape[-1],
            )
        ),
        (_randn(g, 1, 1600),),
    ),
    # Index-driven lookups and pooling (aten_embedding.py, aten_pooling.py).
    "one_hot": lambda g: ((lambda i: F.one_hot(i, 6).float()), (torch.randint(0, 6, (4, 5), generator=g),)),
    "embedding_bag(mean)": lambda g: (
        (lambda w, i, o: F.embedding_bag(i, w, o, mode="mean")),
        (_randn(g, 10, 4), torch.randint(0, 10, (9,), generator=g), torch.tensor([0, 2, 2, 5])),
    ),
    "embedding_bag(max, padding_idx)": lambda g: (
        (lambda w, i, o: F.embedding_bag(i, w, o, mode="max", padding_idx=0)),
        (_randn(g, 10, 4), torch.randint(0, 10, (9,), generator=g), torch.tensor([0, 2, 2, 5])),
    ),
    "embedding_bag(sum, per_sample_weights)": lambda g: (
        (lambda w, i, o, p: F.embedding_bag(i, w, o, mode="sum", per_sample_weights=p)),
        (_randn(g, 10, 4), torch.randint(0, 10, (9,), generator=g), torch.tensor([0, 2, 2, 5]), _randn(g, 9)),
    ),
    "embedding_bag(2-D input)": lambda g: (
        (lambda w, i: F.embedding_bag(i, w)),
        (_randn(g, 10, 4), torch.randint(0, 10, (3, 4), generator=g)),
    ),
    # The clone: eager F.embedding(max_norm=...) renorms its weight in place.
    "embedding(max_norm)": lambda g: (
        (lambda w, i: F.embedding(i, w.clone(), max_norm=1.0)),
        (_randn(g, 10, 3) * 2, torch.randint(0, 10, (2, 3), generator=g)),
    ),
    "bincount(minlength)": lambda g: (
        (lambda x: torch.bincount(x, minlength=8).float()),
        (torch.randint(0, 8, (20,), generator=g),),
    ),
    "bincount(weights)": lambda g: (
        (lambda x, w: torch.bincount(x, w, minlength=8)),
        (torch.randint(0, 8, (20,), generator=g), _randn(g, 20)),
    ),
    "adaptive_max_pool2d": lambda g: ((lambda x: F.adaptive_max_pool2d(x, 3)), (_randn(g, 2, 3, 7, 7),)),
    "adaptive_max_pool2d indices": lambda g: (
        (lambda x: F.adaptive_max_pool2d(x, (3, 4), return_indices=True)[1].float()),
        (_randn(g, 2, 3, 7, 9),),
    ),
    "adaptive_max_pool1d": lambda g: ((lambda x: F.adaptive_max_pool1d(x, 4)), (_randn(g, 2, 3, 10),)),
    "einsum ii->i": lambda g: ((lambda a: torch.einsum("ii->i", a)), (_randn(g, 4, 4),)),
    "einsum bii->bi": lambda g: ((lambda a: torch.einsum("bii->bi", a)), (_randn(g, 2, 4, 4),)),
    "einsum trace": lambda g: ((lambda a: torch.einsum("ii", a)), (_randn(g, 4, 4),)),
    # Special functions beyond the first set.
    "special.log_ndtr": _unary(torch.special.log_ndtr, -6, 4),
    "logcumsumexp": lambda g: ((lambda x: torch.logcumsumexp(x, dim=1)), (_randn(g, 3, 8),)),
    "logcumsumexp dim0": lambda g: ((lambda x: torch.logcumsumexp(x, dim=0)), (_randn(g, 6, 4),)),
    "special.spherical_bessel_j0": _unary(torch.special.spherical_bessel_j0, -20, 20),
    # Elementwise arithmetic and bit ops.
    "hypot": lambda g: (torch.hypot, (_randn(g, 4, 16), _randn(g, 4, 16))),
    "copysign": lambda g: (torch.copysign, (_randn(g, 4, 16), _randn(g, 4, 16))),
    "signbit": lambda g: ((lambda x: torch.signbit(x).float()), (_randn(g, 4, 16),)),
    "nextafter": lambda g: (torch.nextafter, (_randn(g, 4, 16), _randn(g, 4, 16))),
    "ldexp": lambda g: (torch.ldexp, (_randn(g, 4, 16), torch.randint(-8, 8, (4, 16), generator=g))),
    "frexp": lambda g: ((lambda x: (torch.frexp(x)[0], torch.frexp(x)[1].float())), (_randn(g, 4, 16),)),
    "bitwise_and (int64)": lambda g: (
        (lambda a, b: (a & b).float()),
        (torch.randint(0, 1000, (16,), generator=g), torch.randint(0, 1000, (16,), generator=g)),
    ),
    "bitwise_xor (int64)": lambda g: (
        (lambda a, b: (a ^ b).float()),
        (torch.randint(0, 1000, (16,), generator=g), torch.randint(0, 1000, (16,), generator=g)),
    ),
    "bitwise_not (int64)": lambda g: (
        (lambda a: (~a).float()),
        (torch.randint(-1000, 1000, (16,), generator=g),),
    ),
    "a << 2": lambda g: ((lambda a: (a << 2).float()), (torch.randint(0, 100, (16,), generator=g),)),
    "a >> b": lambda g: (
        (lambda a, b: (a >> b).float()),
        (torch.randint(-1000, 1000, (16,), generator=g), torch.randint(0, 12, (16,), generator=g)),
    ),
    "floor_divide": lambda g: (torch.floor_divide, (_randn(g, 4, 16), _uniform(g, 0.5, 2, 4, 16))),
    "polar": lambda g: (
        (lambda r, t: torch.view_as_real(torch.polar(r, t))),
        (_uniform(g, 0, 2, 4, 16), _randn(g, 4, 16)),
    ),
    # Order statistics on Opbridge>Sort (aten_selection.py).
    "topk": lambda g: ((lambda x: torch.topk(x, 3, dim=-1).values), (_randn(g, 4, 16),)),
    "topk(largest=False) indices": lambda g: (
        (lambda x: torch.topk(x, 3, dim=0, largest=False).indices.float()),
        (_randn(g, 6, 5),),
    ),
    "median(dim)": lambda g: ((lambda x: torch.median(x, dim=-1).values), (_randn(g, 4, 15),)),
    "median()": lambda g: ((lambda x: torch.median(x)), (_randn(g, 4, 15),)),
    "nanmedian": lambda g: ((lambda x: torch.nanmedian(x, dim=-1).values), (_randn(g, 4, 15),)),
    "mode": lambda g: ((lambda x: torch.mode(torch.round(x), dim=-1).values), (_randn(g, 4, 15),)),
    # torch.special's orthogonal polynomials (Opbridge>OrthogonalPolynomial) and airy_ai
    "special.chebyshev_polynomial_t": lambda g: (
        (lambda x, n: torch.special.chebyshev_polynomial_t(x, n)),
        (_uniform(g, -1.2, 1.2, 4, 16), torch.randint(0, 12, (4, 16), generator=g).float()),
    ),
    "special.chebyshev_polynomial_u n=9": _unary(
        lambda x: torch.special.chebyshev_polynomial_u(x, 9), -1.2, 1.2
    ),
    "special.chebyshev_polynomial_v n=5": _unary(
        lambda x: torch.special.chebyshev_polynomial_v(x, 5), -1.2, 1.2
    ),
    "special.chebyshev_polynomial_w n=5": _unary(
        lambda x: torch.special.chebyshev_polynomial_w(x, 5), -1.2, 1.2
    ),
    "special.shifted_chebyshev_polynomial_t n=7": _unary(
        lambda x: torch.special.shifted_chebyshev_polynomial_t(x, 7), -0.1, 1.1
    ),
    "special.shifted_chebyshev_polynomial_u n=3": _unary(
        lambda x: torch.special.shifted_chebyshev_polynomial_u(x, 3), -0.1, 1.1
    ),
    "special.shifted_chebyshev_polynomial_v n=3": _unary(
        lambda x: torch.special.shifted_chebyshev_polynomial_v(x, 3), -0.1, 1.1
    ),
    "special.shifted_chebyshev_polynomial_w n=6": _unary(
        lambda x: torch.special.shifted_chebyshev_polynomial_w(x, 6), -0.1, 1.1
    ),
    "special.hermite_polynomial_h": lambda g: (
        (lambda x, n: torch.special.hermite_polynomial_h(x, n)),
        (_uniform(g, -3, 3, 4, 16), torch.randint(-1, 10, (4, 16), generator=g).float()),
    ),
    "special.hermite_polynomial_he n=4": _unary(lambda x: torch.special.hermite_polynomial_he(x, 4), -3, 3),
    "special.laguerre_polynomial_l n=4": _unary(lambda x: torch.special.laguerre_polynomial_l(x, 4), -2, 6),
    "special.legendre_polynomial_p n=4": _unary(lambda x: torch.special.legendre_polynomial_p(x, 4), -1, 1),
    "special.legendre_polynomial_p x_scalar": lambda g: (
        (lambda n: torch.special.legendre_polynomial_p(0.3, n)),
        (torch.randint(0, 20, (4, 16), generator=g),),
    ),
    "special.airy_ai": _unary(torch.special.airy_ai, -10, 10),
    # functions torch.export cannot trace, answered during export (export_functions.py)
    "linalg.lstsq gelsd": lambda g: (
        (lambda a, b: torch.linalg.lstsq(a, b, driver="gelsd").solution),
        (_randn(g, 6, 3), _randn(g, 6, 2)),
    ),
    "cov(fweights, aweights)": lambda g: (
        (lambda x, f, a: torch.cov(x, fweights=f, aweights=a)),
        (_randn(g, 3, 7), torch.randint(1, 4, (7,), generator=g), _uniform(g, 0, 1, 7)),
    ),
    "corrcoef": lambda g: ((lambda x: torch.corrcoef(x)), (_randn(g, 3, 7),)),
    "gaussian_nll_loss": lambda g: (
        (lambda i, t, v: torch.nn.functional.gaussian_nll_loss(i, t, v, full=True)),
        (_randn(g, 4, 3), _randn(g, 4, 3), _uniform(g, 0.1, 1, 4, 1)),
    ),
    # index and matrix constructors, pairwise distances, complex elementwise (aten_construct)
    "tril_indices": lambda g: ((lambda x: x + torch.tril_indices(5, 4, -1).sum()), (_randn(g, 3, 4),)),
    "triu_indices": lambda g: ((lambda x: x * torch.triu_indices(4, 6, 1).sum()), (_randn(g, 3, 4),)),
    "linalg.vander": lambda g: ((lambda x: torch.linalg.vander(x, N=4)), (_randn(g, 3, 5),)),
    "pdist": lambda g: (torch.pdist, (_randn(g, 6, 10),)),
    "pdist(p=1)": lambda g: ((lambda x: torch.pdist(x, 1)), (_randn(g, 6, 10),)),
    "pdist(p=inf)": lambda g: ((lambda x: torch.pdist(x, float("inf"))), (_randn(g, 6, 10),)),
    "complex neg/where": lambda g: (
        (lambda a, b: torch.where(a > 0, -torch.complex(a, b), 0.0).imag),
        (_randn(g, 3, 4), _randn(g, 3, 4)),
    ),
    "complex eq/isnan": lambda g: (
        (lambda a, b: (torch.complex(a, b) == torch.complex(b, a)) | torch.isnan(torch.complex(a, b))),
        (_randn(g, 3, 4), _randn(g, 3, 4)),
    ),
    "complex sum": lambda g: (
        (lambda a, b: torch.complex(a, b).sum(1).imag),
        (_randn(g, 3, 4), _randn(g, 3, 4)),
    ),
    # pointwise math (aten_pointwise; Opbridge>Exp2, Gcd, Lcm)
    "exp2": lambda g: (torch.exp2, (_uniform(g, -150.0, 128.0, 4, 32),)),
    "logaddexp2": lambda g: (torch.logaddexp2, (_randn(g, 4, 32), _randn(g, 4, 32))),
    "gcd": lambda g: (
        torch.gcd,
        (torch.randint(-60, 60, (4, 16), generator=g), torch.randint(-60, 60, (4, 16), generator=g)),
    ),
    "lcm": lambda g: (
        torch.lcm,
        (torch.randint(-60, 60, (4, 16), generator=g), torch.randint(-60, 60, (4, 16), generator=g)),
    ),
    "pow(int, 3)": lambda g: ((lambda a: torch.pow(a, 3)), (torch.randint(-9, 10, (4, 16), generator=g),)),
    "pow(int, int tensor)": lambda g: (
        (lambda a, b: a**b),
        (torch.randint(-5, 6, (4, 16), generator=g).int(), torch.randint(-3, 9, (4, 16), generator=g).int()),
    ),
    "square(int)": lambda g: (torch.square, (torch.randint(-9, 10, (4, 16), generator=g).int(),)),
    "float_power": lambda g: ((lambda a: torch.float_power(a, 2.5)), (_uniform(g, 0.0, 4.0, 4, 16),)),
    "logspace": lambda g: ((lambda a: a * torch.logspace(-1.3, 2.7, 16, base=2.5)), (_randn(g, 4, 16),)),
    "abs(int8)": lambda g: (torch.abs, (torch.randint(-128, 128, (4, 16), generator=g).to(torch.int8),)),
    "rrelu_eval": lambda g: ((lambda a: torch.nn.functional.rrelu(a, training=False)), (_randn(g, 4, 16),)),
    # pooling, 5-D grid_sample, bilinear, distances, masked/put scatters, bfloat16 matmul (aten_misc)
    "max_pool2d(dilation, ceil_mode)": lambda g: (
        (lambda x: torch.nn.functional.max_pool2d(x, 3, 2, padding=1, dilation=2, ceil_mode=True)),
        (_randn(g, 1, 2, 9, 9),),
    ),
    "max_pool3d(return_indices)": lambda g: (
        (lambda x: torch.nn.functional.max_pool3d(x, 2, return_indices=True)[1]),
        (_randn(g, 1, 2, 4, 4, 4),),
    ),
    "max_pool1d(dilation)": lambda g: (
        (lambda x: torch.nn.functional.max_pool1d(x, 3, 2, padding=1, dilation=2)),
        (_randn(g, 1, 2, 11),),
    ),
    "grid_sample(5-D, bilinear, reflection)": lambda g: (
        (
            lambda x, grid: torch.nn.functional.grid_sample(
                x, grid, padding_mode="reflection", align_corners=False
            )
        ),
        (_randn(g, 1, 2, 4, 4, 4), _uniform(g, -1.2, 1.2, 1, 2, 3, 3, 3)),
    ),
    "nn.Bilinear": lambda g: (
        (lambda a, b, w: torch.nn.functional.bilinear(a, b, w)),
        (_randn(g, 2, 3), _randn(g, 2, 4), _randn(g, 5, 3, 4)),
    ),
    "dist(p=3)": lambda g: ((lambda a, b: torch.dist(a, b, 3)), (_randn(g, 3, 4), _randn(g, 3, 4))),
    "cosine_embedding_loss": lambda g: (
        (lambda a, b, y: torch.nn.functional.cosine_embedding_loss(a, b, y)),
        (_randn(g, 3, 4), _randn(g, 3, 4), torch.tensor([1, -1, 1])),
    ),
    "masked_scatter": lambda g: (
        (lambda a, s: a.masked_scatter(a > 0, s)),
        (_randn(g, 3, 4), _randn(g, 3, 4)),
    ),
    "put(accumulate)": lambda g: (
        (lambda a, s: a.put(torch.tensor([1, -1, 1]), s, accumulate=True)),
        (_randn(g, 3, 4), _randn(g, 3)),
    ),
    "bfloat16 matmul": lambda g: (
        (lambda a, b: (a.bfloat16() @ b.bfloat16()).float()),
        (_randn(g, 3, 4), _randn(g, 4, 2)),
    ),
    # convolutions litert-torch cannot run (aten_conv)
    "conv_transpose3d": lambda g: (
        (lambda x, w: torch.nn.functional.conv_transpose3d(x, w, stride=2)),
        (_randn(g, 1, 2, 3, 3, 3), _randn(g, 2, 3, 2, 2, 2)),
    ),
    "conv_transpose3d padding groups dilation": lambda g: (
        (
            lambda x, w, b: torch.nn.functional.conv_transpose3d(
                x, w, b, stride=(2, 1, 2), padding=1, output_padding=(1, 0, 1), groups=2, dilation=(1, 2, 1)
            )
        ),
        (_randn(g, 2, 4, 3, 4, 3), _randn(g, 4, 3, 3, 2, 3), _randn(g, 6)),
    ),
    "conv_transpose2d padding": lambda g: (
        (lambda x, w: torch.nn.functional.conv_transpose2d(x, w, stride=2, padding=1, output_padding=1)),
        (_randn(g, 2, 3, 4, 5), _randn(g, 3, 4, 3, 3)),
    ),
    "conv_transpose2d dilation": lambda g: (
        (lambda x, w: torch.nn.functional.conv_transpose2d(x, w, stride=2, dilation=2)),
        (_randn(g, 2, 3, 4, 5), _randn(g, 3, 4, 3, 3)),
    ),
    "conv_transpose1d padding": lambda g: (
        (lambda x, w: torch.nn.functional.conv_transpose1d(x, w, stride=2, padding=1)),
        (_randn(g, 2, 3, 6), _randn(g, 3, 4, 3)),
    ),
    "conv3d groups": lambda g: (
        (lambda x, w: torch.nn.functional.conv3d(x, w, groups=2)),
        (_randn(g, 1, 4, 5, 5, 5), _randn(g, 6, 2, 3, 3, 3)),
    ),
    "conv3d depthwise": lambda g: (
        (lambda x, w: torch.nn.functional.conv3d(x, w, padding="same", groups=4)),
        (_randn(g, 2, 4, 5, 6, 4), _randn(g, 4, 1, 3, 3, 3)),
    ),
    "conv1d padding same": lambda g: (
        (lambda x, w: torch.nn.functional.conv1d(x, w, padding="same")),
        (_randn(g, 2, 3, 9), _randn(g, 4, 3, 4)),
    ),
    # torch.cat of mixed dtypes (aten_models)
    "cat mixed dtypes": lambda g: (
        (lambda a, b: torch.cat([a, b], 1)),
        (torch.randint(-5, 5, (2, 3), generator=g, dtype=torch.int32), torch.randn(2, 3, generator=g)),
    ),
    "cat int32 + int64": lambda g: (
        (lambda a: torch.cat([a, -torch.ones(2, 1, dtype=torch.int64)], 1)),
        (torch.randint(-5, 5, (2, 3), generator=g, dtype=torch.int32),),
    ),
    # what Hugging Face models put in their graphs (aten_transformers)
    "expand+transpose": lambda g: (
        (lambda x: x.expand(1, 4, 8, 6).transpose(-1, -2)),
        (_randn(g, 1, 1, 8, 6),),
    ),
    "index_put(int64)": lambda g: (
        (lambda p: torch.zeros(9, dtype=torch.int64).index_put((p,), torch.arange(9)).to(torch.int32)),
        (torch.randperm(9, generator=g),),
    ),
    "empty_like": lambda g: ((lambda x: torch.empty_like(x).fill_(2.0) + x), (_randn(g, 3, 4),)),
    # linear algebra (aten_linalg), conv2d weights computed in the model (aten_conv)
    "linalg.inv_ex": lambda g: ((lambda a: torch.linalg.inv_ex(a)), (_spd(g),)),
    "linalg.solve_ex": lambda g: ((lambda a, b: torch.linalg.solve_ex(a, b)), (_spd(g), _randn(g, 2, 4, 3))),
    "linalg.cond(p=1)": lambda g: ((lambda a: torch.linalg.cond(a, 1)), (_randn(g, 2, 4, 4),)),
    "linalg.cond(p='fro')": lambda g: ((lambda a: torch.linalg.cond(a, "fro")), (_randn(g, 2, 4, 4),)),
    "linalg.tensorinv": lambda g: (
        (lambda a: torch.linalg.tensorinv(a, ind=2)),
        (_spd(g, 6)[0].reshape(2, 3, 6),),
    ),
    "cholesky_inverse": lambda g: ((lambda a: torch.cholesky_inverse(torch.linalg.cholesky(a))), (_spd(g),)),
    "lu_unpack": lambda g: ((lambda a: torch.lu_unpack(*torch.linalg.lu_factor(a))), (_randn(g, 2, 4, 4),)),
    "linalg.cholesky_ex": lambda g: ((lambda a: torch.linalg.cholesky_ex(a)), (_spd(g),)),
    "geqrf": lambda g: ((lambda a: torch.geqrf(a)), (_randn(g, 2, 5, 3),)),
    "ormqr": lambda g: (
        (lambda a, c: torch.ormqr(*torch.geqrf(a), c, transpose=True)),
        (_randn(g, 2, 5, 3), _randn(g, 2, 5, 2)),
    ),
    "linalg.ldl_factor": lambda g: ((lambda a: torch.linalg.ldl_factor(a + a.mT)), (_randn(g, 2, 5, 5),)),
    "linalg.ldl_solve": lambda g: (
        (lambda a, b: torch.linalg.ldl_solve(*torch.linalg.ldl_factor(a + a.mT), b)),
        (_randn(g, 2, 5, 5), _randn(g, 2, 5, 3)),
    ),
    "conv2d weight computed from an input": lambda g: (
        (lambda x, w: torch.nn.functional.conv2d(x, w * 2, padding=1)),
        (_randn(g, 1, 3, 8, 8), _randn(g, 3, 3, 3, 3)),
    ),
    # data-dependent sizes and counting ops (aten_dynamic)
    "unique(return_inverse, return_counts)": lambda g: (
        (lambda x: tuple(t.float() for t in torch.unique(x, return_inverse=True, return_counts=True))),
        (torch.randint(0, 5, (12,), generator=g).float(),),
    ),
    "unique(dim=0)": lambda g: (
        (lambda x: tuple(t.float() for t in torch.unique(x, dim=0, return_inverse=True, return_counts=True))),
        (torch.randint(0, 2, (8, 3), generator=g).float(),),
    ),
    "unique_consecutive": lambda g: (
        (
            lambda x: tuple(
                t.float() for t in torch.unique_consecutive(x, return_inverse=True, return_counts=True)
            )
        ),
        (torch.randint(0, 3, (12,), generator=g).float(),),
    ),
    "nonzero": lambda g: ((lambda x: torch.nonzero(x > 0).float()), (_randn(g, 3, 4),)),
    "masked_select": lambda g: ((lambda x: torch.masked_select(x, x > 0)), (_randn(g, 3, 4),)),
    "x[mask]": lambda g: ((lambda x: x[x[:, 0] > 0]), (_randn(g, 5, 3),)),
    "bincount": lambda g: ((lambda x: torch.bincount(x).float()), (torch.randint(0, 8, (20,), generator=g),)),
    "scatter_reduce prod": lambda g: (
        (lambda x, i: torch.ones(4, 5).scatter_reduce(1, i, x, "prod")),
        (_randn(g, 4, 3), torch.randint(0, 5, (4, 3), generator=g)),
    ),
    # complex math (aten_complex: Opbridge>TorchComplexUnary / Binary, BatchMatMulV2)
    "complex exp/log/sqrt": lambda g: (
        (
            lambda a, b: torch.view_as_real(
                torch.exp(torch.complex(a, b))
                + torch.log(torch.complex(a, b)) * torch.sqrt(torch.complex(b, a))
            )
        ),
        (_randn(g, 4, 8), _randn(g, 4, 8)),
    ),
    "complex sin/cos/tan/tanh/sigmoid": lambda g: (
        (
            lambda a, b: torch.view_as_real(
                torch.sin(torch.complex(a, b))
                + torch.tanh(torch.complex(a, b))
                + torch.sigmoid(torch.complex(b, a))
                + torch.cos(torch.complex(a, b)) * torch.tan(torch.complex(b, a))
            )
        ),
        (_randn(g, 4, 8), _randn(g, 4, 8)),
    ),
    "complex asin/acos/atan/asinh/acosh/atanh": lambda g: (
        (
            lambda a, b: torch.view_as_real(
                torch.asin(torch.complex(a, b))
                + torch.acos(torch.complex(b, a))
                + torch.atan(torch.complex(a, b))
                + torch.asinh(torch.complex(a, b))
                + torch.acosh(torch.complex(b, a))
                + torch.atanh(torch.complex(a, b))
            )
        ),
        (_randn(g, 4, 8), _randn(g, 4, 8)),
    ),
    "complex log10/log2/log1p/expm1/exp2": lambda g: (
        (
            lambda a, b: torch.view_as_real(
                torch.log10(torch.complex(a, b))
                + torch.log2(torch.complex(b, a))
                + torch.log1p(torch.complex(a, b))
                + torch.expm1(torch.complex(a, b))
                + torch.exp2(torch.complex(b, a))
            )
        ),
        (_randn(g, 4, 8), _randn(g, 4, 8)),
    ),
    "complex reciprocal/rsqrt/sgn/square": lambda g: (
        (
            lambda a, b: torch.view_as_real(
                torch.reciprocal(torch.complex(a, b))
                + torch.rsqrt(torch.complex(b, a))
                + torch.sgn(torch.complex(a, b))
                + torch.square(torch.complex(a, b))
            )
        ),
        (_randn(g, 4, 7), _randn(g, 4, 7)),
    ),
    "complex pow": lambda g: (
        (
            lambda a, b: torch.view_as_real(
                torch.complex(a, b) ** 2.5
                + torch.complex(a, b) ** torch.complex(b, a)
                + 2.0 ** torch.complex(a, b)
                + torch.complex(a, b) ** a
                + torch.complex(a, b) ** 3
            )
        ),
        (_randn(g, 4, 7), _randn(g, 4, 7)),
    ),
    "complex mul/div": lambda g: (
        (
            lambda a, b: torch.view_as_real(
                torch.complex(a, b) * torch.complex(b, a) + torch.complex(a, b) / torch.complex(b, a)
            )
        ),
        (_randn(g, 3, 7), _randn(g, 3, 7)),
    ),
    "complex matmul/einsum": lambda g: (
        (
            lambda a, b: torch.view_as_real(
                torch.complex(a, b) @ torch.complex(b, a).transpose(-1, -2)
                + torch.einsum("bij,bkj->bik", torch.complex(a, b), torch.complex(a, b))
            )
        ),
        (_randn(g, 2, 4, 6), _randn(g, 2, 4, 6)),
    ),
    "complex cumsum/var/sum": lambda g: (
        (
            lambda a, b: (
                torch.view_as_real(torch.cumsum(torch.complex(a, b), 1)).sum(-1),
                torch.var(torch.complex(a, b), 1),
                torch.view_as_real(torch.complex(a, b).sum()),
            )
        ),
        (_randn(g, 4, 8), _randn(g, 4, 8)),
    ),
    "rotary embedding (complex)": lambda g: (
        (
            lambda x, t: torch.view_as_real(
                torch.view_as_complex(x.reshape(2, 7, 3, 5, 2))
                * torch.polar(
                    torch.ones(7, 5), torch.outer(t, 1.0 / (10000.0 ** (torch.arange(0, 10, 2).float() / 10)))
                )[None, :, None, :]
            ).flatten(3)
        ),
        (_randn(g, 2, 7, 3, 10), torch.arange(7, dtype=torch.float32)),
    ),
    # patterns users report (aten_reported)
    "fmod float": lambda g: (torch.fmod, (_uniform(g, -1e6, 1e6, 4, 16), _uniform(g, 0.1, 2.0, 4, 16))),
    "fmod int": lambda g: (
        torch.fmod,
        (torch.randint(-100, 100, (4, 16), generator=g), torch.randint(1, 9, (4, 16), generator=g)),
    ),
    "argmax int": lambda g: ((lambda x: x.argmax(-1)), (torch.randint(0, 50, (4, 16), generator=g),)),
    "max(dim) int": lambda g: ((lambda x: torch.max(x, 1)), (torch.randint(-5, 5, (4, 16), generator=g),)),
    "matmul int": lambda g: (
        torch.matmul,
        (torch.randint(-50, 50, (2, 3, 8), generator=g), torch.randint(-50, 50, (2, 8, 4), generator=g)),
    ),
    "addmm int": lambda g: (
        (lambda c, a, b: torch.addmm(c, a, b, beta=2, alpha=3)),
        (
            torch.randint(-9, 9, (3, 4), generator=g),
            torch.randint(-9, 9, (3, 8), generator=g),
            torch.randint(-9, 9, (8, 4), generator=g),
        ),
    ),
    "exp int": lambda g: (torch.exp, (torch.randint(-5, 5, (4, 16), generator=g),)),
    "sign int": lambda g: (torch.sign, (torch.randint(-5, 5, (4, 16), generator=g),)),
    "abs int": lambda g: (torch.abs, (torch.randint(-50, 50, (4, 16), generator=g),)),
    "floor int": lambda g: (torch.floor, (torch.randint(-50, 50, (4, 16), generator=g),)),
    "logical_xor": lambda g: (torch.logical_xor, (_randn(g, 4, 16) > 0, _randn(g, 4, 16) > 0)),
    "hamming_window": lambda g: ((lambda x: x * torch.hamming_window(16)), (_randn(g, 4, 16),)),
    "blackman_window": lambda g: ((lambda x: x * torch.blackman_window(16)), (_randn(g, 4, 16),)),
    "bartlett_window": lambda g: ((lambda x: x * torch.bartlett_window(16)), (_randn(g, 4, 16),)),
    "maximum with NaN": lambda g: (
        torch.maximum,
        (torch.where(_randn(g, 4, 16) > 1, float("nan"), _randn(g, 4, 16)), _randn(g, 4, 16)),
    ),
    "amax with NaN": lambda g: (
        (lambda x: x.amax(1)),
        (torch.where(_randn(g, 4, 16) > 1.5, float("nan"), _randn(g, 4, 16)),),
    ),
    "argmax with NaN": lambda g: (
        (lambda x: x.argmax(1)),
        (torch.where(_randn(g, 4, 16) > 1.5, float("nan"), _randn(g, 4, 16)),),
    ),
    # float64 angles (aten_diffusers: Flux's rotary embedding)
    "cos (float64 angles)": _unary(lambda x: x.double().cos().float(), -64, 64),
    "sin (float64 angles)": _unary(lambda x: x.double().sin().float(), -64, 64),
    "expand (float64)": lambda g: (
        (lambda x: x.double()[:, :, None].expand(-1, -1, 2).float()),
        (_randn(g, 4, 8),),
    ),
    "flip non-adjacent dims": lambda g: ((lambda x: x.flip((1, 3))), (_randn(g, 2, 3, 4, 5),)),
    # index_put with a boolean mask, as_strided of a view (aten_scatter: Longformer)
    "index_put(bool mask)": lambda g: (
        (lambda x, c: x.index_put((c > 0,), torch.tensor(-1.0))),
        (_randn(g, 4, 6), _randn(g, 4, 6)),
    ),
    "index_put(bool mask, accumulate=True)": lambda g: (
        (lambda x, c: x.index_put((c > 0,), torch.tensor(1.5), accumulate=True)),
        (_randn(g, 4, 6), _randn(g, 4, 6)),
    ),
    "as_strided (of a transposed view)": lambda g: (
        (
            lambda x: (
                x.transpose(1, 2).reshape(4, 8, 8).view(4, 2, 4, 8).as_strided((4, 3, 4, 8), (8, 64, 32, 1))
            )
        ),
        (_randn(g, 1, 8, 4, 8),),
    ),
    # NaN-ignoring min/max, uneven adaptive 3-D pooling, integer einsum, histogram (aten_reported)
    "fmin/fmax with NaN": lambda g: (
        (lambda a, b: torch.stack([torch.fmin(a, b), torch.fmax(a, b)])),
        (
            torch.where(torch.rand(4, 16, generator=g) < 0.2, float("nan"), _randn(g, 4, 16)),
            torch.where(torch.rand(4, 16, generator=g) < 0.2, float("nan"), _randn(g, 4, 16)),
        ),
    ),
    "fmin int": lambda g: (
        (lambda a, b: torch.fmin(a, b).float()),
        (torch.randint(-100, 100, (4, 16), generator=g), torch.randint(-100, 100, (4, 16), generator=g)),
    ),
    "logsumexp with NaN/inf rows": lambda g: (
        (lambda x: torch.logsumexp(x, dim=-1)),
        (torch.cat([_randn(g, 3, 16), torch.tensor([[float("nan")] + [0.0] * 15, [float("inf")] * 16])]),),
    ),
    "adaptive_avg_pool3d uneven": lambda g: (
        (lambda x: F.adaptive_avg_pool3d(x, (3, 4, 4))),
        (_randn(g, 2, 3, 5, 7, 6),),
    ),
    "einsum int ij,jk->ik": lambda g: (
        (lambda a, b: torch.einsum("ij,jk->ik", a, b).float()),
        (torch.randint(-50, 50, (3, 4), generator=g), torch.randint(-50, 50, (4, 5), generator=g)),
    ),
    "einsum int bij,bjk->bik": lambda g: (
        (lambda a, b: torch.einsum("bij,bjk->bik", a, b).float()),
        (
            torch.randint(-50, 50, (2, 3, 4), generator=g, dtype=torch.int32),
            torch.randint(-50, 50, (2, 4, 5), generator=g, dtype=torch.int32),
        ),
    ),
    "einsum int i,j->ij": lambda g: (
        (lambda a, b: torch.einsum("i,j->ij", a, b).float()),
        (torch.randint(-50, 50, (4,), generator=g), torch.randint(-50, 50, (5,), generator=g)),
    ),
    "histogram": lambda g: ((lambda x: torch.histogram(x, bins=10, range=(-2.0, 2.0))[0]), (_randn(g, 64),)),
    "histogram edges weight density": lambda g: (
        (lambda x, e, w: torch.histogram(x, e, weight=w, density=True)[0]),
        (_randn(g, 64), torch.tensor([-2.0, -0.5, 0.0, 0.3, 2.0]), _uniform(g, 0, 1, 64)),
    ),
}
