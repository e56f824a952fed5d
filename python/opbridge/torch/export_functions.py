"""torch functions replaced while torch.export traces the module, for ops whose aten form torch.export
itself cannot trace, so no aten rewrite (decompositions.py) ever sees them: torch.linalg.lstsq, and
torch.cov / torch.corrcoef / F.gaussian_nll_loss, whose value checks (aten.equal, `torch.any(var < 0)`)
torch.export cannot trace; their replacements are torch's formulas without the checks (a model
cannot raise: negative or fractional weights, and a negative variance, are used as given / clamped).

`torch.linalg.lstsq`: its aten op has outputs whose sizes depend on the values (residuals only for a
full-rank tall A, driver-dependent rank and singular values), and torch.export's fake-tensor rule
raises DynamicOutputShapeException before any graph exists. During export the call is answered with
torch ops that opbridge converts (pinv, matrix_rank, svdvals), with the shapes torch's CPU drivers give:

| driver (CPU default gelsy) | solution | residuals | rank | singular_values |
|---|---|---|---|---|
| gels | (*, n, k) | (*, k) if m > n, else (0,) | (0,) | (0,) |
| gelsy | (*, n, k) | (0,) | (*) | (0,) |
| gelsd, gelss | (*, n, k) | (*, k) if m > n, else (0,) | (*) | (*, min(m, n)) |

The solution is the minimum-norm least-squares solution pinv(A, rtol=rcond) @ B, the one gelsy,
gelsd and gelss compute; rcond defaults to eps * max(m, n) as in torch. Differences from torch, by
construction: a rank-deficient A under gelsy decides its rank from QR with column pivoting, the rewrite
from singular values (the same answer unless a singular value sits at the threshold); the solution
agrees to rounding (SVD vs QR, relative error ~ cond(A) * eps); for a rank-deficient tall A torch
returns empty residuals under gels/gelsd/gelss (a value-dependent shape), the model returns the
residuals of the minimum-norm solution; 'gels' on a rank-deficient A is undefined in LAPACK, the model
gives the minimum-norm solution.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator
from typing import Any

import torch
from torch.overrides import TorchFunctionMode

_DRIVERS = ("gels", "gelsy", "gelsd", "gelss")


def _lstsq(a: torch.Tensor, b: torch.Tensor, rcond: float | None = None, *, driver: str | None = None) -> Any:
    name = "linalg.lstsq"
    driver = "gelsy" if driver is None else driver
    if driver not in _DRIVERS:
        raise ValueError(f"{name}: driver must be one of {_DRIVERS} (torch's CPU drivers), got {driver!r}")
    if a.dim() < 2:
        raise ValueError(f"{name}: A must have at least 2 dimensions, got shape {tuple(a.shape)}")
    if a.dtype != b.dtype:
        raise ValueError(f"{name}: A ({a.dtype}) and B ({b.dtype}) must have the same dtype")
    m, n = a.shape[-2], a.shape[-1]
    vector = b.dim() == a.dim() - 1
    rhs = b.unsqueeze(-1) if vector else b
    if rhs.shape[-2] != m:
        raise ValueError(f"{name}: A has {m} rows, B has {rhs.shape[-2]}: they must be equal")
    eps = torch.finfo(a.dtype if not a.is_complex() else a.real.dtype).eps
    rtol = eps * max(m, n) if rcond is None or rcond <= 0 else rcond
    solution = torch.linalg.pinv(a, rtol=rtol) @ rhs
    empty = a.new_empty((0,))
    if m > n and driver != "gelsy":
        residual = rhs - a @ solution
        residuals = (residual.abs() ** 2 if a.is_complex() else residual * residual).sum(-2)
    else:
        residuals = empty.real if a.is_complex() else empty
    has_rank = driver != "gels"
    rank = torch.linalg.matrix_rank(a, rtol=rtol) if has_rank else a.new_empty((0,), dtype=torch.int64)
    if driver in ("gelsd", "gelss"):
        singular_values = torch.linalg.svdvals(a)
    else:
        singular_values = empty.real if a.is_complex() else empty
    if vector:  # torch squeezes the solution, not the residuals (shape (*, 1))
        solution = solution.squeeze(-1)
    return torch.return_types.linalg_lstsq((solution, residuals, rank, singular_values))


def _cov(
    x: torch.Tensor,
    *,
    correction: int = 1,
    fweights: torch.Tensor | None = None,
    aweights: torch.Tensor | None = None,
) -> torch.Tensor:
    """torch.cov's formula (aten/native/Correlation.cpp) without its value checks (integral,
    non-negative weights): torch.export fails on them (aten.equal), and a model cannot raise."""
    name = "cov"
    if x.dim() > 2:
        raise ValueError(f"{name}: expected input to have two or fewer dimensions but got {x.dim()}")
    observations = x.view(1, -1) if x.dim() < 2 else x
    n = observations.shape[1]
    w: torch.Tensor | None = None
    for weights, what in ((fweights, "fweights"), (aweights, "aweights")):
        if weights is not None and (weights.dim() > 1 or weights.numel() != n):
            raise ValueError(f"{name}: expected {what} to be a 1-D tensor of {n} elements")
    if fweights is not None:
        w = fweights
    if aweights is not None:
        w = aweights if w is None else w * aweights
    if w is None:
        avg = observations.mean(1)
        w_sum = torch.tensor(n, dtype=avg.real.dtype if avg.is_complex() else avg.dtype)
        norm_factor = w_sum - correction
    else:
        w_sum = w.sum()
        avg = (observations * w).sum(1) / w_sum
        if aweights is None:
            norm_factor = w_sum - correction
        else:
            norm_factor = w_sum - correction * (w * aweights).sum() / w_sum
    norm_factor = torch.where(norm_factor <= 0, torch.zeros_like(norm_factor), norm_factor)
    centered = observations - avg.unsqueeze(1)
    weighted = centered if w is None else centered * w
    c = torch.mm(centered, weighted.t().conj()) / norm_factor
    return c.squeeze()


def _corrcoef(x: torch.Tensor) -> torch.Tensor:
    """torch.corrcoef: cov divided by the outer product of the standard deviations, clipped to [-1, 1]
    (each part for complex)."""
    c = _cov(x)
    if c.dim() == 0:
        return c / c
    stddev = torch.diagonal(c).real.sqrt() if c.is_complex() else torch.diagonal(c).sqrt()
    c = c / stddev.unsqueeze(1)
    c = c / stddev.unsqueeze(0)
    if c.is_complex():
        return torch.complex(c.real.clamp(-1, 1), c.imag.clamp(-1, 1))
    return c.clamp(-1, 1)


def _gaussian_nll_loss(
    input: torch.Tensor,
    target: torch.Tensor,
    var: torch.Tensor | float,
    full: bool = False,
    eps: float = 1e-6,
    reduction: str = "mean",
) -> torch.Tensor:
    """F.gaussian_nll_loss (torch/nn/functional.py) without `torch.any(var < 0)`, a data-dependent
    check torch.export cannot trace: a negative variance, where torch raises, is clamped to eps."""
    name = "gaussian_nll_loss"
    if isinstance(var, float):
        if var < 0:
            raise ValueError(f"{name}: var has negative entry/entries")
        var = var * torch.ones_like(input)
    if var.size() != input.size():
        if input.size()[:-1] == var.size():
            var = torch.unsqueeze(var, -1)
        elif not (
            input.ndim == var.ndim
            and sum(y for x, y in zip(input.size(), var.size(), strict=True) if x != y) == 1
        ):
            raise ValueError(f"{name}: var is of incorrect size")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{name}: {reduction} is not valid")
    var = var.clamp(min=eps)
    loss = 0.5 * (torch.log(var) + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


_REPLACED = {
    torch.linalg.lstsq: _lstsq,
    torch.cov: _cov,
    torch.Tensor.cov: _cov,
    torch.corrcoef: _corrcoef,
    torch.Tensor.corrcoef: _corrcoef,
    torch.nn.functional.gaussian_nll_loss: _gaussian_nll_loss,
}


class _Replacing(TorchFunctionMode):
    def __torch_function__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
        replacement = _REPLACED.get(func)
        if replacement is not None:  # torch disables the mode inside this call: no recursion
            return replacement(*args, **(kwargs or {}))
        return func(*args, **(kwargs or {}))


@contextlib.contextmanager
def replaced() -> Iterator[None]:
    """torch.linalg.lstsq (and any later entry of _REPLACED) answered by the replacement while active."""
    with _Replacing():
        yield
