"""Index-driven lookups and counts (F.one_hot, F.embedding_bag, torch.bincount) that litert-torch cannot
lower.

Filled in by the family's rewrites below (decompositions.py imports this module).
"""

from __future__ import annotations
