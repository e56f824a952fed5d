"""torch functions replaced while torch.export traces the module, for ops whose aten form torch.export
itself cannot trace, so no aten rewrite (decompositions.py) ever sees them.

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


_REPLACED = {torch.linalg.lstsq: _lstsq}


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
