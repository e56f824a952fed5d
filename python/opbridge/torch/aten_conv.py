"""Convolutions litert-torch lowers to builtins the stock runtime lacks
(conv_transpose3d: STABLEHLO_CONVOLUTION)."""

from __future__ import annotations
