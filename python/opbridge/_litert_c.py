"""The LiteRT C API of the ai-edge-litert wheel's libLiteRt.so, declared for ctypes.

Declared from the public headers' facts (google-ai-edge/LiteRT litert/c/*.h at the
commit whose litert/version.bzl says 2.3.0); the structs' sizes are checked against
the headers' own static_asserts, and every function is looked up at load, so a
libLiteRt that lacks one is refused naming it (docs/design.md "CompiledModel").
"""

from __future__ import annotations

import ctypes
import functools
import os
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np

from .errors import OpbridgeError

MAX_RANK = 8
HOST_MEMORY = 1  # kLiteRtTensorBufferTypeHostMemory
STRING = 5  # kLiteRtElementTypeTfString
LOCK_READ, LOCK_WRITE = 0, 1  # LiteRtTensorBufferLockMode
TESTED_VERSIONS = ("2.3.0",)


class Layout(ctypes.Structure):
    # rank:7 and has_strides:1 share one unsigned int (litert_layout.h).
    _fields_ = [
        ("rank", ctypes.c_uint, 7),
        ("has_strides", ctypes.c_uint, 1),
        ("dimensions", ctypes.c_int32 * MAX_RANK),
        ("strides", ctypes.c_uint32 * MAX_RANK),
    ]


class RankedTensorType(ctypes.Structure):
    _fields_ = [("element_type", ctypes.c_int), ("layout", Layout)]


if ctypes.sizeof(Layout) != 68 or ctypes.sizeof(RankedTensorType) != 72:
    raise ImportError(
        "opbridge's LiteRtLayout/LiteRtRankedTensorType declarations do not match LiteRT's sizes"
    )

# LiteRtElementType numbers TFLite's TfLiteType.
_ELEMENT_TYPES: dict[str, int] = {
    "float32": 1, "int32": 2, "uint8": 3, "int64": 4, "bool": 6, "int16": 7, "complex64": 8, "int8": 9,
    "float16": 10, "float64": 11, "complex128": 12, "uint64": 13, "uint32": 16, "uint16": 17,
}  # fmt: skip
_NAMES = {v: k for k, v in _ELEMENT_TYPES.items()} | {
    5: "string",
    14: "resource",
    15: "variant",
    19: "bfloat16",
}

V = ctypes.c_void_p
S = ctypes.c_size_t
INT = ctypes.c_int
P = ctypes.POINTER

# name: (argument types); every function returns LiteRtStatus (int) unless listed in _VOID.
_FUNCTIONS: dict[str, list[Any]] = {
    "LiteRtCreateEnvironment": [INT, V, P(V)],
    "LiteRtDestroyEnvironment": [V],
    "LiteRtCreateModelFromBuffer": [V, V, S, P(V)],
    "LiteRtDestroyModel": [V],
    "LiteRtCreateOptions": [P(V)],
    "LiteRtDestroyOptions": [V],
    "LiteRtSetOptionsHardwareAccelerators": [V, INT],
    "LiteRtCreateOpaqueOptions": [ctypes.c_char_p, V, V, P(V)],
    "LiteRtAddOpaqueOptions": [V, V],
    "LiteRtDestroyOpaqueOptions": [V],
    "LiteRtCreateCompiledModel": [V, V, V, P(V)],
    "LiteRtDestroyCompiledModel": [V],
    "LiteRtRunCompiledModel": [V, S, S, P(V), S, P(V)],
    "LiteRtCompiledModelClearErrors": [V],
    "LiteRtCompiledModelGetErrorMessages": [V, P(V)],
    "LiteRtCompiledModelIsFullyAccelerated": [V, P(ctypes.c_bool)],
    "LiteRtCompiledModelResizeInputTensor": [V, S, S, P(INT), S],
    "LiteRtCompiledModelResizeInputTensorNonStrict": [V, S, S, P(INT), S],
    "LiteRtGetCompiledModelInputTensorLayout": [V, S, S, P(Layout)],
    "LiteRtGetCompiledModelOutputTensorLayouts": [V, S, S, P(Layout), ctypes.c_bool],
    "LiteRtGetCompiledModelInputBufferRequirements": [V, S, S, P(V)],
    "LiteRtGetCompiledModelOutputBufferRequirements": [V, S, S, P(V)],
    "LiteRtGetTensorBufferRequirementsBufferSize": [V, P(S)],
    "LiteRtGetNumTensorBufferRequirementsSupportedBufferTypes": [V, P(INT)],
    "LiteRtGetTensorBufferRequirementsSupportedTensorBufferType": [V, INT, P(INT)],
    "LiteRtGetNumModelSignatures": [V, P(S)],
    "LiteRtGetModelSignature": [V, S, P(V)],
    "LiteRtGetSignatureKey": [V, P(ctypes.c_char_p)],
    "LiteRtGetNumSignatureInputs": [V, P(S)],
    "LiteRtGetNumSignatureOutputs": [V, P(S)],
    "LiteRtGetSignatureInputName": [V, S, P(ctypes.c_char_p)],
    "LiteRtGetSignatureOutputName": [V, S, P(ctypes.c_char_p)],
    "LiteRtGetSignatureInputTensorByIndex": [V, S, P(V)],
    "LiteRtGetSignatureOutputTensorByIndex": [V, S, P(V)],
    "LiteRtGetRankedTensorType": [V, P(RankedTensorType)],
    "LiteRtGetTensorIndex": [V, P(ctypes.c_uint32)],
    "LiteRtGetTensorName": [V, P(ctypes.c_char_p)],
    "LiteRtCreateManagedTensorBuffer": [V, INT, P(RankedTensorType), S, P(V)],
    "LiteRtCreateTensorBufferFromHostMemory": [P(RankedTensorType), V, S, V, P(V)],
    "LiteRtDestroyTensorBuffer": [V],
    "LiteRtGetTensorBufferTensorType": [V, P(RankedTensorType)],
    "LiteRtGetTensorBufferSize": [V, P(S)],
    "LiteRtLockTensorBuffer": [V, P(V), INT],
    "LiteRtUnlockTensorBuffer": [V],
}
_VOID = {
    "LiteRtDestroyEnvironment",
    "LiteRtDestroyModel",
    "LiteRtDestroyOptions",
    "LiteRtDestroyCompiledModel",
    "LiteRtDestroyTensorBuffer",
}


class LiteRtApi:
    """The opened libLiteRt.so and its functions (attributes named as in C)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        # RTLD_LOCAL: LiteRT's TFLite symbols must not preempt the Interpreter runtimes in the process.
        self.library = ctypes.CDLL(str(path), mode=os.RTLD_LOCAL | os.RTLD_NOW)
        for name, argtypes in _FUNCTIONS.items():
            try:
                function = getattr(self.library, name)
            except AttributeError:
                raise OpbridgeError(
                    f"{path} (ai-edge-litert {litert_version()}) does not export {name}: not a LiteRT C "
                    "API opbridge knows (opbridge was checked with ai-edge-litert "
                    f"{', '.join(TESTED_VERSIONS)})"
                ) from None
            function.argtypes = argtypes
            function.restype = None if name in _VOID else ctypes.c_int
            setattr(self, name, function)

    def __getattr__(self, name: str) -> Any:  # for type checkers: functions are set in __init__
        raise AttributeError(name)


def litert_version() -> str:
    """The installed ai-edge-litert's version (libLiteRt.so reports none itself)."""
    import importlib.metadata

    try:
        return importlib.metadata.version("ai-edge-litert")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


@functools.cache
def api() -> LiteRtApi:
    """The libLiteRt.so of the installed ai-edge-litert wheel."""
    try:
        import ai_edge_litert
    except ImportError as exc:
        raise OpbridgeError(
            "opbridge.CompiledModel needs ai-edge-litert (pip install ai-edge-litert)"
        ) from exc
    path = Path(ai_edge_litert.__file__).parent / "libLiteRt.so"
    if not path.is_file():
        raise OpbridgeError(f"ai-edge-litert at {path.parent} has no libLiteRt.so (the LiteRT C API)")
    return LiteRtApi(path)


def check(status: int, what: str) -> None:
    if status != 0:
        raise RuntimeError(f"CompiledModel error: code={status}, message={what} failed")


def element_type(dtype: np.dtype[Any]) -> int:
    name = np.dtype(dtype).name
    if name not in _ELEMENT_TYPES:
        raise ValueError(f"Unsupported dtype for TensorBuffer: {name}")
    return _ELEMENT_TYPES[name]


def dtype_name(element: int) -> str:
    return _NAMES.get(element, f"type {element}")


def itemsize(element: int) -> int:
    """Bytes per element of a LiteRtElementType numpy knows; 0 for the others (strings)."""
    name = _NAMES.get(element, "")
    return np.dtype(name).itemsize if name in _ELEMENT_TYPES else 0


def dims(layout: Layout) -> list[int]:
    return [int(layout.dimensions[d]) for d in range(layout.rank)]


def ranked_tensor_type(element: int, shape: list[int]) -> RankedTensorType:
    if len(shape) > MAX_RANK:
        raise ValueError(f"rank {len(shape)} is beyond LiteRT's {MAX_RANK}")
    tensor_type = RankedTensorType()
    tensor_type.element_type = element
    tensor_type.layout.rank = len(shape)
    for d, size in enumerate(shape):
        tensor_type.layout.dimensions[d] = int(size)
    return tensor_type


def error_messages(compiled: int) -> str:
    """The compiled model's reported errors (malloc'd by LiteRT, freed here)."""
    pointer = ctypes.c_void_p()
    if api().LiteRtCompiledModelGetErrorMessages(compiled, ctypes.byref(pointer)) != 0 or not pointer.value:
        return ""
    try:
        return (ctypes.string_at(pointer.value) or b"").decode(errors="replace").strip()
    finally:
        _libc_free(pointer.value)


@functools.cache
def _free() -> Any:
    free = ctypes.CDLL(None).free
    free.argtypes = [ctypes.c_void_p]
    free.restype = None
    return free


def _libc_free(pointer: int) -> None:
    _free()(pointer)


def add_text_options(options: int, identifier: str, text: str) -> None:
    """Adds an opaque options entry whose payload is TOML text, as LiteRT's option
    builders make them (litert/c/options/litert_cpu_options.cc: identifier "xnnpack";
    litert_runtime_options.cc: "runtime_options_string"). The payload is malloc'd and
    freed by LiteRT with libc's free."""
    data = text.encode() + b"\0"
    libc = ctypes.CDLL(None)
    libc.malloc.restype = ctypes.c_void_p
    libc.malloc.argtypes = [ctypes.c_size_t]
    payload = libc.malloc(len(data))
    if not payload:
        raise MemoryError("malloc failed")
    ctypes.memmove(payload, data, len(data))
    free_address = ctypes.cast(_free(), ctypes.c_void_p).value
    opaque = ctypes.c_void_p()
    status = api().LiteRtCreateOpaqueOptions(identifier.encode(), payload, free_address, ctypes.byref(opaque))
    if status != 0:
        _libc_free(payload)
        check(status, f"LiteRtCreateOpaqueOptions({identifier})")
    if api().LiteRtAddOpaqueOptions(options, opaque) != 0:
        api().LiteRtDestroyOpaqueOptions(opaque)
        check(1, f"LiteRtAddOpaqueOptions({identifier})")


class Locked:
    """A tensor buffer's host address for the `with` block."""

    def __init__(self, buffer: int, write: bool) -> None:
        self.buffer, self.mode = buffer, LOCK_WRITE if write else LOCK_READ

    def __enter__(self) -> int:
        host = ctypes.c_void_p()
        status = api().LiteRtLockTensorBuffer(self.buffer, ctypes.byref(host), self.mode)
        if status != 0 or host.value is None:
            raise RuntimeError(f"CompiledModel error: code={status}, message=cannot lock the tensor buffer")
        return host.value

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        api().LiteRtUnlockTensorBuffer(self.buffer)
