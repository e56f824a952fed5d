"""PyTorch frontend: torch modules to .tflite through litert-torch, opbridge's kernels for the aten
ops litert-torch cannot lower, and opbridge's ops as torch operators. Never imports TensorFlow.
"""

from __future__ import annotations

from .conversion import TorchExportError, convert, convert_model, export
from .litert_torch_api import LiteRTTorchError
from .ops import define_all, op, register_fake_rule

__all__ = [
    "LiteRTTorchError",
    "TorchExportError",
    "convert",
    "convert_model",
    "define_all",
    "export",
    "op",
    "register_fake_rule",
]
