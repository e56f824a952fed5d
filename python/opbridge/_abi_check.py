"""The ABI self-test: does a running interpreter lay out TFLite's C structs as our kernels expect?

opbridge's kernels read TfLiteContext/TfLiteNode/TfLiteTensor through our own
declarations (cpp/adapters/tflite/abi.h). Before the first opbridge interpreter of a
runtime is handed out, each kernel library's probe kernel runs on a tiny model
and reports what it read: tensor count and indices, type, dims, byte size,
name, options and data addresses. Every one must equal what the interpreter
itself reports, or the runtime is refused with AbiMismatchError.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from . import tflite_model
from ._library import KernelLibrary
from .errors import AbiMismatchError

_PROBE_OP = "OpbridgeAbiProbe"
_PROBE_OPTIONS = b"\x00\x7fopbridge-abi\xff"
_PROBE_SHAPE = (2, 3, 4)
_PROBE_THREADS = 3
_PADDING_TENSORS = 3

_lock = threading.Lock()
_verified: set[tuple[str, str, str]] = set()


class RegistrationError(AbiMismatchError):
    """The resolver route could not register kernels (e.g. the runtime's AddCustom symbol was not found)."""


def _probe_model() -> bytes:
    return tflite_model.single_custom_op_model(
        _PROBE_OP,
        [("opbridge_probe_in", _PROBE_SHAPE, np.float32)],
        [("opbridge_probe_out", _PROBE_SHAPE, np.float32)],
        options=_PROBE_OPTIONS,
        padding_tensors=_PADDING_TENSORS,
    )


def compare(expected: dict[str, Any], record: dict[str, Any]) -> list[str]:
    """Each field where what the kernel read differs from what the interpreter reports."""
    wrong = [
        f"{field}: the interpreter says {value!r}, the kernel read {record.get(field)!r}"
        for field, value in expected.items()
        if record.get(field) != value
    ]
    if record.get("tensors_size", 0) < _PADDING_TENSORS + 2:
        wrong.append(f"tensors_size: the kernel read {record.get('tensors_size')}")
    return wrong


def check(
    runtime: str, interpreter_class: Any, library: KernelLibrary, route: str, load_delegate: Any
) -> None:
    """Raises AbiMismatchError if `library`'s kernels misread `interpreter_class`'s structs
    when they get in by `route` ("resolver" or "delegate"); RegistrationError if the
    resolver route cannot register them at all."""
    key = (runtime, library.name, route)
    with _lock:
        if key in _verified:
            return
        _run_probe(runtime, interpreter_class, library, route, load_delegate)
        _verified.add(key)


def _probe_interpreter(
    runtime: str, interpreter_class: Any, library: KernelLibrary, route: str, load_delegate: Any
) -> Any:
    # Without the default delegate: the probe model holds opbridge's op only, so XNNPACK
    # would take nothing, and its CPU probe crashes under qemu-user (docs/aarch64.md).
    from .interpreter import _op_resolver_without_default_delegates

    no_default = {"experimental_op_resolver_type": _op_resolver_without_default_delegates(runtime)}
    if route == "delegate":
        return interpreter_class(
            model_content=_probe_model(),
            experimental_delegates=[load_delegate(str(library.path))],
            num_threads=_PROBE_THREADS,
            **no_default,
        )
    library.registration_error = None
    try:
        return interpreter_class(
            model_content=_probe_model(),
            custom_op_registerers=[library.registerer()],
            num_threads=_PROBE_THREADS,
            **no_default,
        )
    except Exception as exc:
        if library.registration_error:
            raise RegistrationError(library.registration_error) from exc
        raise


def _run_probe(
    runtime: str, interpreter_class: Any, library: KernelLibrary, route: str, load_delegate: Any
) -> None:
    interpreter = _probe_interpreter(runtime, interpreter_class, library, route, load_delegate)
    x = np.arange(np.prod(_PROBE_SHAPE), dtype=np.float32).reshape(_PROBE_SHAPE) / 7.0
    (input_detail,) = interpreter.get_input_details()
    (output_detail,) = interpreter.get_output_details()
    # A misread layout usually makes the probe refuse to prepare: that is a
    # finding to report with the rest, not an error to pass on.
    runtime_error = ""
    y = None
    try:
        interpreter.allocate_tensors()
        interpreter.set_tensor(input_detail["index"], x)
        interpreter.invoke()
        y = interpreter.get_tensor(output_detail["index"])
    except (RuntimeError, ValueError) as exc:
        runtime_error = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    record: dict[str, Any] = library.module.abi_probe_record()

    expected = {
        "prepared": True,
        "invoked": True,
        "input_index": input_detail["index"],
        "output_index": output_detail["index"],
        "input_type": 1,  # kTfLiteFloat32
        "input_dims": list(_PROBE_SHAPE),
        "input_bytes": x.nbytes,
        "input_name": input_detail["name"],
        "recommended_num_threads": _PROBE_THREADS,
        "options_size": len(_PROBE_OPTIONS),
        "options_hex": _PROBE_OPTIONS.hex(),
        "error": "",
    }
    if y is not None:
        expected["input_data"] = interpreter.tensor(input_detail["index"])().ctypes.data
        expected["output_data"] = interpreter.tensor(output_detail["index"])().ctypes.data
    wrong = compare(expected, record)
    if runtime_error:
        wrong.append(f"the probe kernel failed: {runtime_error}")
    elif not wrong and not np.array_equal(y, 2 * x + 1):
        wrong.append("the probe's output data is not where the interpreter reads it")
    if wrong:
        raise AbiMismatchError(
            f"the {runtime} runtime ({interpreter_class.__module__}, {route} route) lays out TFLite's C "
            f"structs differently from the {library.name} kernels (built against opbridge's "
            "cpp/adapters/tflite/abi.h); refusing to run "
            "them:\n  " + "\n  ".join(wrong)
        )


def probe_compiled_model(compiled_model_class: Any, environment: Any, library: KernelLibrary) -> list[str]:
    """Runs `library`'s probe op through LiteRT's CompiledModel in `environment`;
    each field the kernel misread (what the model declares vs what it saw)."""
    x = np.arange(np.prod(_PROBE_SHAPE), dtype=np.float32).reshape(_PROBE_SHAPE) / 7.0
    runtime_error = ""
    y = None
    try:
        model = compiled_model_class.from_buffer(_probe_model(), environment=environment)
        inputs = model.create_input_buffers(0)
        outputs = model.create_output_buffers(0)
        inputs[0].write(x)
        model.run_by_index(0, inputs, outputs)
        y = outputs[0].read(x.size, np.float32).reshape(_PROBE_SHAPE)
    except (RuntimeError, ValueError) as exc:
        runtime_error = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    record: dict[str, Any] = library.module.abi_probe_record()
    expected = {
        "prepared": True,
        "invoked": True,
        "input_type": 1,  # kTfLiteFloat32
        "input_dims": list(_PROBE_SHAPE),
        "input_bytes": x.nbytes,
        "input_name": "opbridge_probe_in",
        "options_size": len(_PROBE_OPTIONS),
        "options_hex": _PROBE_OPTIONS.hex(),
        "error": "",
    }
    wrong = compare(expected, record)
    if runtime_error:
        wrong.append(f"the probe kernel failed: {runtime_error}")
    elif not wrong and not np.array_equal(y, 2 * x + 1):
        wrong.append("the probe's output data is not where LiteRT reads it")
    return wrong
