"""Elementwise arithmetic and bit ops litert-torch cannot lower or legalize (hypot, copysign, nextafter,
ldexp, frexp, bitwise and shift ops, floor_divide, polar).

Filled in by the family's rewrites below (decompositions.py imports this module).
"""

from __future__ import annotations
