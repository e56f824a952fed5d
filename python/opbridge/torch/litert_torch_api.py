"""The parts of litert-torch opbridge relies on, found in one place and checked.

litert-torch has no public API for new lowerings; opbridge uses its lowering
registry (`backend.lowerings.registry.lower`), its node-meta -> MLIR type
helper, its decomposition tables (`fx_infra.decomp`: opbridge's rewrites join
them for the length of one conversion) and the MLIR bindings of litert-converter. These are private and may
move: this module finds each, and fails naming what moved and the version
opbridge was tested with, rather than somewhere deep in a conversion.
"""

from __future__ import annotations

import functools
import importlib
import importlib.metadata
from types import SimpleNamespace
from typing import Any

from ..errors import OpbridgeError

TESTED_VERSIONS = ("0.10",)  # litert-torch release series the torch frontend is tested with

# (module, attribute) pairs opbridge calls; api() gives each by its attribute name.
_NEEDED = (
    ("litert_torch", "convert"),
    ("litert_torch.backend.lowerings.registry", "lower"),
    ("litert_torch.backend.lowerings.registry", "lookup"),
    ("litert_torch.backend.lowerings.utils", "node_meta_to_ir_types"),
    ("litert_torch.fx_infra.decomp", "pre_convert_decomp"),
    ("litert_torch.fx_infra.decomp", "pre_lower_decomp"),
    ("litert_torch.fx_infra.decomp", "add_pre_convert_decomp"),
    ("litert_torch.fx_infra.decomp", "add_pre_lower_decomp"),
    ("litert_torch.fx_infra.decomp", "remove_pre_lower_decomp"),
    ("litert_converter.mlir.ir", "Operation"),
    ("litert_converter.mlir.ir", "StringAttr"),
    ("litert_converter.mlir.ir", "Attribute"),
)


class LiteRTTorchError(OpbridgeError):
    """litert-torch is missing, or its internals are not where opbridge expects them."""


def version() -> str:
    try:
        return importlib.metadata.version("litert-torch")
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


@functools.cache
def api() -> SimpleNamespace:
    """The litert-torch functions opbridge uses (LiteRTTorchError naming what is missing)."""
    found: dict[str, Any] = {}
    for module_name, attribute in _NEEDED:
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            raise LiteRTTorchError(
                f"opbridge's PyTorch support needs litert-torch {' or '.join(TESTED_VERSIONS)}.x "
                f"(pip install 'opbridge[torch]'): cannot import {module_name} ({exc}); "
                f"litert-torch {version()} is installed"
            ) from None
        if not hasattr(module, attribute):
            raise LiteRTTorchError(
                f"litert-torch {version()} has no {module_name}.{attribute}, which opbridge uses "
                f"(tested with {' and '.join(TESTED_VERSIONS)}.x): its internals moved"
            )
        found[attribute] = getattr(module, attribute)  # attribute names are unique in _NEEDED
    return SimpleNamespace(**found)
