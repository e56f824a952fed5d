"""Plain torch ops that litert-torch lowers into something the stock runtime cannot run.

torch.eye: litert-torch 0.10 lowers it to STABLEHLO_IOTA + EQUAL, and
ai-edge-litert 2.3.0 has no kernel for STABLEHLO_IOTA ("Didn't find op for
builtin opcode 'STABLEHLO_IOTA'"), so `a + eps * torch.eye(n)` fails at load.
Built from aranges instead, it folds to a constant at conversion.
"""

from __future__ import annotations

from typing import Any

import torch

from .decompositions import replaces

aten = torch.ops.aten


@replaces(aten.eye.default, aten.eye.m)
def eye(n: int, m: int | None = None, *, dtype: torch.dtype | None = None, **_: Any) -> torch.Tensor:
    columns = n if m is None else m
    same = torch.arange(n).unsqueeze(-1) == torch.arange(columns)
    return same.to(dtype or torch.get_default_dtype())
