"""The aten ops opbridge takes over from litert-torch: each rewritten, in torch, onto opbridge's ops.

A rewrite is a torch function of the aten op's arguments that computes the
same result with `opbridge.torch.ops.op("<TF op>")` and plain torch ops (which
litert-torch lowers to builtins): layout changes (NCHW, an upper factor, a
vector right-hand side) happen here, in torch, where eager can check them.
The families live in the aten_*.py modules; importing them fills the table.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import torch

Rewrite = Callable[..., Any]
_TABLE: dict[torch._ops.OpOverload, Rewrite] = {}
_FAMILIES = (
    "aten_linalg",
    "aten_special",
    "aten_search",
    "aten_selection",
    "aten_sampling",
    "aten_fft",
    "aten_tensors",
    "aten_scatter",
    "aten_arith",
    "aten_embedding",
    "aten_pooling",
    "aten_pointwise",
    "aten_construct",
    "aten_conv",
    "aten_transformers",
    "aten_misc",
    "aten_models",
    "aten_complex",
    "aten_dynamic",
    "aten_diffusers",
    "aten_reported",
)


def replaces(*overloads: torch._ops.OpOverload) -> Callable[[Rewrite], Rewrite]:
    """Registers a rewrite for aten overloads (as they appear in torch.export's graph)."""

    def register(fn: Rewrite) -> Rewrite:
        for overload in overloads:
            _TABLE[overload] = fn
        return fn

    return register


def table() -> dict[torch._ops.OpOverload, Rewrite]:
    for family in _FAMILIES:
        module = importlib.import_module(f"{__package__}.{family}")
        late = getattr(module, "register_available", None)
        if late is not None:  # ops of other libraries, which may be imported after this module
            late()
    return dict(_TABLE)
