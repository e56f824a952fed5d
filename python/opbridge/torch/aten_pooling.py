"""Pooling that litert-torch cannot lower (F.adaptive_max_pool2d).

Filled in by the family's rewrites below (decompositions.py imports this module).
"""

from __future__ import annotations
