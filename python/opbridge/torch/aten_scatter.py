"""Scatter and index-accumulate ops (torch.scatter_add, scatter_reduce, index_add,
index_put(accumulate=True), F.fold, istft's overlap-add) that litert-torch lowers to a STABLEHLO_SCATTER
the stock runtime cannot run.

Filled in by the family's rewrites below (decompositions.py imports this module).
"""

from __future__ import annotations
