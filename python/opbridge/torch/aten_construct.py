"""Index and matrix constructors and pairwise ops (tril_indices, vander, pdist, ...)
and complex arithmetic."""

from __future__ import annotations
