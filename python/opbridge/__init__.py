"""opbridge: the TensorFlow ops TFLite lacks, as TFLite custom ops proven equal to TF.

`import opbridge` does not import TensorFlow. The TFLite half (list_ops,
registerers, Interpreter) needs only ai-edge-litert and numpy; TF loads when a
TF-side feature is used (convert, ops, layers, testing).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .catalog import list_ops
from .compiled_model import CompiledModel, TensorBuffer
from .errors import AbiMismatchError, LibraryLoadError, OpbridgeError, UnsupportedOpsError
from .interpreter import Interpreter, delegates, registerers

if TYPE_CHECKING:
    from . import layers, ops, testing, training
    from ._tf_library import load_package as load_tf_op_library
    from .composites import composite
    from .conversion import convert

__version__ = "0.1.0"

__all__ = [
    "AbiMismatchError",
    "CompiledModel",
    "Interpreter",
    "LibraryLoadError",
    "OpbridgeError",
    "TensorBuffer",
    "UnsupportedOpsError",
    "cmake_dir",
    "composite",
    "convert",
    "delegates",
    "layers",
    "list_ops",
    "load_tf_op_library",
    "ops",
    "registerers",
    "testing",
    "training",
]

_LAZY_MODULES = {"ops", "layers", "testing", "training"}


def cmake_dir() -> str:
    """Where opbridge's CMake package lives: find_package(opbridge CONFIG) with opbridge_DIR set to it."""
    from pathlib import Path

    return str(Path(__file__).parent / "share" / "cmake" / "opbridge")


def __getattr__(name: str) -> Any:
    # TF-side features import TensorFlow on first use only.
    if name in _LAZY_MODULES:
        return importlib.import_module(f".{name}", __name__)
    if name == "convert":
        from .conversion import convert

        return convert
    if name == "load_tf_op_library":
        from ._tf_library import load_package

        return load_package
    if name == "composite":
        from .composites import composite

        return composite
    raise AttributeError(f"module 'opbridge' has no attribute {name!r}")
