"""Order statistics (torch.topk values, kthvalue, median, nanmedian, mode) on opbridge's sort and selection
kernels.

Filled in by the family's rewrites below (decompositions.py imports this module).
"""

from __future__ import annotations
