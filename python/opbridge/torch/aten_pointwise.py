"""Pointwise math litert-torch cannot lower, or lowers to builtins the runtime lacks
(exp2, pow on integers and float64, gcd/lcm, ...)."""

from __future__ import annotations
