"""Loading TensorFlow op libraries: opbridge's and installed op packages' (imports TensorFlow)."""

from __future__ import annotations

import functools
import importlib
import platform
import sys
from pathlib import Path
from types import ModuleType

from ._library import KernelLibrary, builtin_library, installed_libraries
from .errors import LibraryLoadError


def _major_minor(version: str) -> tuple[str, ...]:
    return tuple(version.split(".")[:2])


def load_op_library(path: Path, built_against: str, package: str) -> ModuleType:
    """tf.load_op_library, refusing a library built for another TensorFlow.

    A TF op library links TF's C++ ABI, which changes between minor versions;
    loading across versions fails with an undefined-symbol trace at best.
    """
    if not path.exists():
        # Cross-built wheels (aarch64) carry the TFLite half only: TensorFlow has no
        # wheel for that platform of the version the TF op library builds against.
        raise LibraryLoadError(
            f"{package}'s TensorFlow op library ({path.name}) is not built for this platform "
            f"({platform.machine()} {sys.platform}): this wheel runs converted models with LiteRT "
            f"(opbridge.Interpreter) only. Converting models and running {package}'s ops in TensorFlow "
            f"need an x86-64 Linux install with TensorFlow (docs/aarch64.md)."
        )
    import tensorflow as tf

    if _major_minor(tf.__version__) != _major_minor(built_against):
        raise LibraryLoadError(
            f"{package}'s TensorFlow op library was built against TensorFlow {built_against}, but "
            f"TensorFlow {tf.__version__} is installed. Rebuild it against this TensorFlow: "
            f"pip install --no-build-isolation --force-reinstall --no-deps <{package}'s source or sdist>"
        )
    try:
        return tf.load_op_library(str(path))
    except (tf.errors.NotFoundError, OSError) as exc:
        raise LibraryLoadError(f"cannot load {path} into TensorFlow {tf.__version__}: {exc}") from exc


def load_library(library: KernelLibrary) -> ModuleType:
    """The TF op library of a kernel library (its generated wrappers)."""
    return load_op_library(library.tf_library_path, library.tf_version, library.package)


def load_package(package: str) -> ModuleType:
    """The TF op library of an op package (`<package>._tflite`'s sibling): its generated
    wrappers. Raises LibraryLoadError if it was built for another TensorFlow."""
    try:
        module = importlib.import_module(f"{package}._tflite")
    except ImportError as exc:
        raise LibraryLoadError(f"{package} has no kernel library ({package}._tflite): {exc}") from exc
    return load_library(KernelLibrary(package, module))


@functools.cache
def load() -> ModuleType:
    """opbridge's TF op library: its generated wrappers (opbridge_grid_sample, ...).

    Also loads the TF op libraries of installed op packages and imports those
    packages (their gradients register on import), so that every op can be
    traced, and every SavedModel that contains one loads.
    """
    module = load_library(builtin_library())
    from . import _gradients

    _gradients.register(module)
    for library in installed_libraries():
        load_library(library)
        importlib.import_module(library.package)
    return module
