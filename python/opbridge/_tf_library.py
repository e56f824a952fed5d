"""Loading opbridge's TensorFlow op library (imports TensorFlow)."""

from __future__ import annotations

import functools
from pathlib import Path
from types import ModuleType

from .errors import LibraryLoadError


def _major_minor(version: str) -> tuple[str, ...]:
    return tuple(version.split(".")[:2])


def load_op_library(path: Path, built_against: str, package: str) -> ModuleType:
    """tf.load_op_library, refusing a library built for another TensorFlow.

    A TF op library links TF's C++ ABI, which changes between minor versions;
    loading across versions fails with an undefined-symbol trace at best.
    """
    import tensorflow as tf

    if _major_minor(tf.__version__) != _major_minor(built_against):
        raise LibraryLoadError(
            f"{package}'s TensorFlow op library was built against TensorFlow {built_against}, but "
            f"TensorFlow {tf.__version__} is installed. Rebuild it against this TensorFlow: "
            f"pip install --no-build-isolation --force-reinstall --no-deps {package}"
        )
    try:
        return tf.load_op_library(str(path))
    except (tf.errors.NotFoundError, OSError) as exc:
        raise LibraryLoadError(f"cannot load {path} into TensorFlow {tf.__version__}: {exc}") from exc


@functools.cache
def load() -> ModuleType:
    """opbridge's TF op library: its generated wrappers (opbridge_grid_sample, ...).

    Loading it also registers the ops' gradients, and makes SavedModels that
    contain opbridge ops loadable.
    """
    from . import _build_info

    module = load_op_library(
        Path(__file__).parent / "lib" / "libopbridge_tf.so", _build_info.TF_VERSION, "opbridge"
    )
    from . import _gradients

    _gradients.register(module)
    return module
