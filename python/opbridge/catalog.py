"""What opbridge implements: the ops of every kernel library."""

from __future__ import annotations

from ._library import OpInfo, libraries


def op_infos() -> list[OpInfo]:
    """Every op of every kernel library, TF-only helper ops included."""
    return [op for library in libraries() for op in library.ops]


def list_ops() -> list[str]:
    """The TFLite custom op names opbridge implements (as they appear in a model's custom_code)."""
    return sorted({op.name for op in op_infos() if op.tflite})
