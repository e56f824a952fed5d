"""The dim arguments of torch ops (a dim, einsum subscripts), checked and read as torch does."""

from __future__ import annotations


def wrap_dim(name: str, dim: int, rank: int) -> int:
    """dim in [0, rank): torch's rule, a 0-d tensor taking dim 0 or -1; else a ValueError naming the op."""
    r = max(rank, 1)
    if not -r <= dim < r:
        raise ValueError(f"{name}: dim {dim} out of range for a tensor of rank {rank}")
    return dim % r


def einsum_labels(subscript: str, rank: int, name: str, ellipsis_dims: int | None = None) -> list[str]:
    """One label per dim of an einsum operand. The dims an ellipsis covers are labelled "...k",
    right-aligned within `ellipsis_dims` broadcast dims (torch's rule; by default the dims this
    operand's ellipsis covers, "...0" first)."""
    if "..." not in subscript:
        if len(subscript) != rank:
            raise ValueError(f"{name}: subscript {subscript!r} does not match an operand of rank {rank}")
        return list(subscript)
    head, tail = subscript.split("...")
    covered = rank - len(head) - len(tail)
    if covered < 0:
        raise ValueError(f"{name}: subscript {subscript!r} does not match an operand of rank {rank}")
    total = covered if ellipsis_dims is None else ellipsis_dims
    return [*head, *(f"...{k}" for k in range(total - covered, total)), *tail]
