"""The dim argument of torch ops, checked and wrapped as torch does."""

from __future__ import annotations


def wrap_dim(name: str, dim: int, rank: int) -> int:
    """dim in [0, rank): torch's rule, a 0-d tensor taking dim 0 or -1; else a ValueError naming the op."""
    r = max(rank, 1)
    if not -r <= dim < r:
        raise ValueError(f"{name}: dim {dim} out of range for a tensor of rank {rank}")
    return dim % r
