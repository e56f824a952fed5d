"""Kernel libraries: opbridge's own, and (later) those of installed op packages.

A kernel library is a pybind11 module built by `opbridge_add_op_library`
(`<package>._tflite`) over a TFLite kernel shared library. It describes its ops
(a catalog, as Python objects), registers them into a runtime's op resolver,
and decodes custom options the way its kernels do. Nothing here imports TensorFlow.

Op packages declare their library with an entry point:

    [project.entry-points."opbridge.libraries"]
    heldout_ops = "heldout_ops._tflite"
"""

from __future__ import annotations

import functools
import importlib
import importlib.metadata
import math
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from .errors import LibraryLoadError


@dataclass(frozen=True)
class AttrInfo:
    name: str
    type: str
    allowed: tuple[str, ...]
    default: str | None
    text: str


@dataclass(frozen=True)
class OpInfo:
    """One op of a kernel library, as its C++ declaration describes it."""

    name: str
    origin: str  # "tensorflow": a TF op TFLite lacks; "opbridge": a new op; "tflite": TFLite-only
    tflite: bool  # has a TFLite kernel
    doc: str
    inputs: tuple[tuple[str, str], ...]
    outputs: tuple[tuple[str, str], ...]
    attrs: tuple[AttrInfo, ...]
    defined_by: str = ""  # for TFLite-only ops: who defines them ("MediaPipe")
    replaces: str = ""  # the TF op that opbridge.convert substitutes with this one
    tflite_version: int = 1  # the opcode version the TFLite kernel is registered under
    library: str = field(default="opbridge", compare=False)

    @property
    def dtypes(self) -> tuple[str, ...]:
        """The dtypes the op accepts: those of the type attr of its first input."""
        type_names = {a.name: a for a in self.attrs if a.type == "type"}
        for _, type_name in self.inputs:
            if type_name in type_names:
                return type_names[type_name].allowed
            return (type_name,)
        return ()


ENTRY_POINT_GROUP = "opbridge.libraries"


class KernelLibrary:
    """A loaded kernel library (its `_tflite` pybind11 module)."""

    def __init__(self, name: str, module: ModuleType) -> None:
        self.name = name
        self.module = module
        # The Python package the module lives in: importing it registers the
        # package's TF gradients and wrappers.
        self.package = module.__name__.rpartition(".")[0] or module.__name__
        self.tf_version: str = getattr(module, "tf_version", "")
        self.registration_error: str | None = None
        catalog = module.catalog()
        if catalog["errors"]:
            raise LibraryLoadError(f"{name}: ops failed to register: {'; '.join(catalog['errors'])}")
        self.ops: tuple[OpInfo, ...] = tuple(_op_info(entry, name) for entry in catalog["ops"])

    @property
    def path(self) -> Path:
        return Path(self.module.library_path())

    @property
    def tf_library_path(self) -> Path:
        """The TensorFlow op library built from the same op sources."""
        return self.path.parent / getattr(self.module, "tf_library", f"lib{self.name}_tf.so")

    def registerer(self) -> Any:
        """A custom-op registerer for either runtime: called with the resolver's address.

        A failure (the runtime's AddCustom symbol not found) is kept in
        `registration_error` before it propagates, so callers can tell it from
        other errors and fall back to the delegate route."""
        module = self.module

        def register(resolver: int) -> None:
            try:
                module.register(resolver)
            except RuntimeError as exc:
                self.registration_error = str(exc)
                raise

        return register

    def decode_options(self, op: str, data: bytes) -> dict[str, Any]:
        """The attrs a kernel would read from `data` (types by name, e.g. "float");
        raises ValueError naming the problem."""
        return dict(_json_safe(self.module.decode_options(op, bytes(data))))


def decode_flexbuffer(data: bytes) -> Any:
    """Any flexbuffer, decoded by the kernels' own bounds-checked reader (ValueError if malformed).

    Maps become dicts, vectors lists, blobs {"blob": hex}; non-finite floats the
    strings "nan", "inf", "-inf".
    """
    return _json_safe(builtin_library().module.decode_flexbuffer(bytes(data)))


def _json_safe(value: Any) -> Any:
    """A decoded value in the shape callers print as JSON (`opbridge inspect --json`):
    the module gives blobs as bytes and non-finite floats as floats; JSON has neither."""
    if isinstance(value, dict):
        return {key: _json_safe(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_json_safe(item) for item in value]
    if isinstance(value, bytes):
        return {"blob": value.hex()}
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    return value


def _op_info(entry: dict[str, Any], library: str) -> OpInfo:
    return OpInfo(
        name=entry["name"],
        origin=entry["origin"],
        tflite=entry["tflite"],
        doc=entry["doc"],
        inputs=tuple((a["name"], a["type"]) for a in entry["inputs"]),
        outputs=tuple((a["name"], a["type"]) for a in entry["outputs"]),
        attrs=tuple(
            AttrInfo(a["name"], a["type"], tuple(a["allowed"]), a["default"], a["text"])
            for a in entry["attrs"]
        ),
        defined_by=entry.get("defined_by", ""),
        replaces=entry.get("replaces", ""),
        tflite_version=int(entry.get("tflite_version", 1)),
        library=library,
    )


@functools.cache
def builtin_library() -> KernelLibrary:
    try:
        module = importlib.import_module("opbridge._tflite")
    except ImportError as exc:  # a source checkout without a build
        raise LibraryLoadError(
            f"opbridge's kernel library is not built ({exc}); install opbridge with pip (see README)"
        ) from exc
    return KernelLibrary("opbridge", module)


@functools.cache
def installed_libraries() -> tuple[KernelLibrary, ...]:
    """Kernel libraries of installed op packages (entry point group opbridge.libraries).

    A package that fails to load is reported with a warning and left out: its
    ops then show up as missing kernels, with their names.
    """
    found = []
    for entry in sorted(importlib.metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        if entry.name == "opbridge":
            continue
        try:
            found.append(KernelLibrary(entry.name, entry.load()))
        except Exception as exc:  # a broken package must not take opbridge down
            warnings.warn(
                f"opbridge: op package {entry.name!r} ({entry.value}) could not be loaded: {exc}",
                stacklevel=2,
            )
    return tuple(found)


def libraries() -> tuple[KernelLibrary, ...]:
    """Every kernel library opbridge uses: its own first, then installed op packages."""
    return (builtin_library(), *installed_libraries())
