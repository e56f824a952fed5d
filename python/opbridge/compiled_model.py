"""LiteRT's CompiledModel API with opbridge's kernels.

`opbridge.CompiledModel` has the methods of `ai_edge_litert.compiled_model.CompiledModel`
(from_file, from_buffer, signatures, buffer requirements, create_*_buffers,
run_by_index, run_by_name, resize_input_tensor) and `opbridge.TensorBuffer` those
of `ai_edge_litert.tensor_buffer.TensorBuffer`. The stock classes cannot be given
custom kernels: their runtime is a private copy of the LiteRT C API inside
`libpywrap_litert_common.so` (docs/design.md). These classes drive the public C
API of the same wheel's `libLiteRt.so` instead, with each kernel library
registered in the environment as a LiteRT accelerator (`<prefix>_litert_register`,
cpp/adapters/litert/accelerator.h): compiled models then run the custom nodes
through the same delegate as the Interpreter's delegate route.
"""

from __future__ import annotations

import ctypes
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from . import _litert_c as c
from ._library import KernelLibrary, libraries
from .errors import AbiMismatchError, OpbridgeError

__all__ = ["CompiledModel", "Environment", "TensorBuffer"]


class Environment:
    """A LiteRT environment with every opbridge kernel library registered in it."""

    def __init__(self, handle: int, libraries_registered: tuple[str, ...]) -> None:
        self._handle: int | None = handle
        self.libraries = libraries_registered

    @classmethod
    def create(cls) -> Environment:
        api = c.api()
        handle = ctypes.c_void_p()
        c.check(api.LiteRtCreateEnvironment(0, None, ctypes.byref(handle)), "LiteRtCreateEnvironment")
        names = []
        for library in libraries():
            _register(library, handle.value, api)
            names.append(library.name)
        env = cls(handle.value or 0, tuple(names))
        _check_abi(env)
        return env

    @property
    def handle(self) -> int:
        if self._handle is None:
            raise OpbridgeError("this LiteRT environment is closed")
        return self._handle


def _register(library: KernelLibrary, env: int | None, api: c.LiteRtApi) -> None:
    lib = ctypes.CDLL(str(library.path))
    prefix = getattr(library.module, "c_prefix", library.name)
    try:
        register = getattr(lib, f"{prefix}_litert_register")
    except AttributeError:
        raise OpbridgeError(
            f"the kernel library {library.name} ({library.path}) predates LiteRT CompiledModel support "
            f"(no {prefix}_litert_register): rebuild it with this opbridge"
        ) from None
    register.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
    register.restype = ctypes.c_int
    if register(env, str(api.path).encode()) != 0:
        last_error = getattr(lib, f"{prefix}_last_error")
        last_error.restype = ctypes.c_char_p
        message = (last_error() or b"").decode(errors="replace")
        raise OpbridgeError(f"cannot register {library.name}'s kernels with LiteRT ({api.path}): {message}")


_default_env: Environment | None = None
_default_lock = threading.Lock()


def default_environment() -> Environment:
    """The environment compiled models share unless given one (created at first use)."""
    global _default_env
    with _default_lock:
        if _default_env is None:
            _default_env = Environment.create()
        return _default_env


_ACCELERATORS = {"NONE": 0, "CPU": 1, "GPU": 2, "NPU": 4}


def _accelerators(hardware_accel: Any, options: Any) -> tuple[int, int]:
    """The LiteRtHwAcceleratorSet bits and the CPU thread count from the stock arguments:
    CPU and 1 thread when neither is given, as the stock class."""
    if options is not None and hardware_accel is not None:
        raise ValueError("Pass either options or hardware_accel, not both.")
    threads = 1
    if options is not None:
        hardware_accel = getattr(options, "hardware_accelerators", None)
        cpu_threads = getattr(getattr(options, "cpu_options", None), "num_threads", None)
        threads = 1 if cpu_threads is None else int(cpu_threads)
        if threads < 1:
            raise ValueError(f"cpu_options.num_threads must be at least 1, got {threads}")
    if hardware_accel is None:
        return _ACCELERATORS["CPU"], threads
    values = hardware_accel if isinstance(hardware_accel, (list, tuple, set)) else [hardware_accel]
    bits = 0
    for item in values:
        value = item if isinstance(item, int) else getattr(item, "value", None)
        if not isinstance(value, int):
            value = _ACCELERATORS.get(getattr(item, "name", str(item)).upper())
        if value is None:
            raise ValueError(f"unknown hardware accelerator {item!r}")
        bits |= int(value)
    if not bits & _ACCELERATORS["CPU"]:
        raise ValueError(
            "opbridge.CompiledModel: opbridge's kernels run on the CPU accelerator; include "
            "HardwareAccelerator.CPU in hardware_accel"
        )
    return bits, threads


class TensorBuffer:
    """A LiteRT tensor buffer in host memory (the stock TensorBuffer's methods)."""

    def __init__(self, handle: int, keep_alive: Any = None) -> None:
        self._handle: int | None = handle
        self._keep_alive = keep_alive  # host memory a buffer wraps, or the environment

    @classmethod
    def create_from_host_memory(cls, data_array: np.ndarray) -> TensorBuffer:
        """Wraps a copy of `data_array` (C-contiguous) as a rank-1 buffer, as the stock class does."""
        array = np.ascontiguousarray(data_array)
        element = c.element_type(array.dtype)
        tensor_type = c.ranked_tensor_type(element, [array.size])
        # Host memory must be aligned for LiteRT (64 bytes, its kHostMemoryBufferAlignment).
        raw = np.empty(array.nbytes + 64, np.uint8)
        offset = (-raw.ctypes.data) % 64
        host = raw[offset : offset + array.nbytes]
        host[:] = array.reshape(-1).view(np.uint8)
        handle = ctypes.c_void_p()
        c.check(
            c.api().LiteRtCreateTensorBufferFromHostMemory(
                ctypes.byref(tensor_type),
                ctypes.c_void_p(host.ctypes.data),
                array.nbytes,
                None,
                ctypes.byref(handle),
            ),
            "LiteRtCreateTensorBufferFromHostMemory",
        )
        return cls(handle.value or 0, raw)

    @property
    def handle(self) -> int:
        if self._handle is None:
            raise RuntimeError("TensorBuffer has been destroyed")
        return self._handle

    def _size(self) -> int:
        size = ctypes.c_size_t()
        c.check(
            c.api().LiteRtGetTensorBufferSize(self.handle, ctypes.byref(size)), "LiteRtGetTensorBufferSize"
        )
        return size.value

    def write(self, data_array: np.ndarray) -> None:
        """Copies `data_array`'s bytes into the buffer (as the stock class: no dtype check)."""
        raw = np.ascontiguousarray(data_array).reshape(-1).view(np.uint8)
        if raw.size > self._size():
            raise RuntimeError("WriteTensorBuffer: source buffer is larger than the tensor buffer")
        with c.Locked(self.handle, write=True) as host:
            ctypes.memmove(host, raw.ctypes.data, raw.size)

    def read(self, num_elements: int, output_dtype: Any) -> np.ndarray:
        """The first `num_elements` elements, as a 1-D array of `output_dtype`."""
        dtype = np.dtype(output_dtype)
        nbytes = int(num_elements) * dtype.itemsize
        if nbytes > self._size():
            raise RuntimeError("ReadTensorToBuffer: destination buffer is larger than the tensor buffer")
        out = np.empty(int(num_elements), dtype)
        with c.Locked(self.handle, write=False) as host:
            ctypes.memmove(out.ctypes.data, host, nbytes)
        return out

    def get_tensor_details(self) -> dict[str, Any]:
        tensor_type = c.RankedTensorType()
        c.check(
            c.api().LiteRtGetTensorBufferTensorType(self.handle, ctypes.byref(tensor_type)),
            "LiteRtGetTensorBufferTensorType",
        )
        return {"dtype": c.dtype_name(tensor_type.element_type), "shape": c.dims(tensor_type.layout)}

    def destroy(self) -> None:
        if self._handle is not None:
            c.api().LiteRtDestroyTensorBuffer(self._handle)
            self._handle = None

    def __del__(self) -> None:
        try:
            self.destroy()
        except Exception:  # interpreter shutdown: the library may be gone
            pass


class _Signature:
    def __init__(self, key: str, inputs: list[str], outputs: list[str], handle: int) -> None:
        self.key, self.inputs, self.outputs, self.handle = key, inputs, outputs, handle


class CompiledModel:
    """A model compiled by LiteRT's CompiledModel API, opbridge's kernels included."""

    def __init__(self, model: int, compiled: int, environment: Environment, model_data: Any) -> None:
        self._model = model
        self._compiled: int | None = compiled
        self._environment = environment
        self._model_data = model_data  # LiteRT reads a buffer model in place
        self._lock = threading.Lock()
        self._signatures = self._read_signatures()

    # --- construction -------------------------------------------------------------------
    @classmethod
    def from_file(
        cls,
        model_path: str | os.PathLike[str],
        hardware_accel: Any = None,
        environment: Environment | None = None,
        options: Any = None,
    ) -> CompiledModel:
        data = Path(model_path).read_bytes() if Path(model_path).is_file() else None
        if data is None:
            raise RuntimeError(f"Failed to load model from file: cannot open {os.fspath(model_path)!r}")
        return cls._create(data, hardware_accel, environment, options, "file")

    @classmethod
    def from_buffer(
        cls,
        model_data: bytes,
        hardware_accel: Any = None,
        environment: Environment | None = None,
        options: Any = None,
    ) -> CompiledModel:
        return cls._create(bytes(model_data), hardware_accel, environment, options, "buffer")

    @classmethod
    def _create(
        cls, data: bytes, hardware_accel: Any, environment: Environment | None, options: Any, source: str
    ) -> CompiledModel:
        bits, threads = _accelerators(hardware_accel, options)
        env = environment or default_environment()
        api = c.api()
        # LiteRT keeps pointing into the buffer: keep our own aligned copy alive.
        raw = np.frombuffer(data, np.uint8).copy()
        model = ctypes.c_void_p()
        status = api.LiteRtCreateModelFromBuffer(env.handle, raw.ctypes.data, raw.size, ctypes.byref(model))
        if status != 0:
            raise RuntimeError(
                f"Failed to load model from {source} (LiteRtCreateModelFromBuffer status {status}): not a "
                "valid .tflite, or tensor types LiteRT 2.3.0's model loader refuses (complex128: the stock "
                "CompiledModel refuses them too; opbridge.Interpreter runs them)"
            )
        opts = ctypes.c_void_p()
        c.check(api.LiteRtCreateOptions(ctypes.byref(opts)), "LiteRtCreateOptions")
        try:
            c.check(
                api.LiteRtSetOptionsHardwareAccelerators(opts, bits), "LiteRtSetOptionsHardwareAccelerators"
            )
            # Errors (a kernel's own message among them) kept for LiteRtCompiledModelGetErrorMessages,
            # not printed; the thread count reaches the kernels as TFLite's recommended_num_threads.
            c.add_text_options(opts.value or 0, "runtime_options_string", "error_reporter_mode = 2\n")
            c.add_text_options(opts.value or 0, "xnnpack", f"num_threads = {threads}\n")
            compiled = ctypes.c_void_p()
            status = api.LiteRtCreateCompiledModel(env.handle, model, opts, ctypes.byref(compiled))
        finally:
            api.LiteRtDestroyOptions(opts)
        if status != 0:
            api.LiteRtDestroyModel(model)
            raise RuntimeError(f"CompiledModel error: code={status}, message=Failed to compile the model")
        return cls(model.value or 0, compiled.value or 0, env, raw)

    # --- lifetime -------------------------------------------------------------------------
    def __enter__(self) -> CompiledModel:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Releases the compiled model (buffers created from it stay valid)."""
        if self._compiled is not None:
            api = c.api()
            api.LiteRtDestroyCompiledModel(self._compiled)
            api.LiteRtDestroyModel(self._model)
            self._compiled = None

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass

    @property
    def compiled(self) -> int:
        if self._compiled is None:
            raise RuntimeError("CompiledModel is closed")
        return self._compiled

    @property
    def environment(self) -> Environment:
        return self._environment

    # --- signatures -----------------------------------------------------------------------
    def _read_signatures(self) -> list[_Signature]:
        api = c.api()
        count = ctypes.c_size_t()
        c.check(
            api.LiteRtGetNumModelSignatures(self._model, ctypes.byref(count)), "LiteRtGetNumModelSignatures"
        )
        signatures = []
        for s in range(count.value):
            handle = ctypes.c_void_p()
            c.check(
                api.LiteRtGetModelSignature(self._model, s, ctypes.byref(handle)), "LiteRtGetModelSignature"
            )
            key = ctypes.c_char_p()
            c.check(api.LiteRtGetSignatureKey(handle, ctypes.byref(key)), "LiteRtGetSignatureKey")
            names = []
            for count_fn, name_fn in (
                (api.LiteRtGetNumSignatureInputs, api.LiteRtGetSignatureInputName),
                (api.LiteRtGetNumSignatureOutputs, api.LiteRtGetSignatureOutputName),
            ):
                n = ctypes.c_size_t()
                c.check(count_fn(handle, ctypes.byref(n)), "signature size")
                listed = []
                for i in range(n.value):
                    name = ctypes.c_char_p()
                    c.check(name_fn(handle, i, ctypes.byref(name)), "signature name")
                    listed.append((name.value or b"").decode())
                names.append(listed)
            signatures.append(_Signature((key.value or b"").decode(), names[0], names[1], handle.value or 0))
        return signatures

    def _signature(self, index: int) -> _Signature:
        if not 0 <= index < len(self._signatures):
            raise RuntimeError(
                "CompiledModel error: code=1000, message=Signature index is out of range of signature keys"
            )
        return self._signatures[index]

    def _signature_by_key(self, key: str) -> tuple[int, _Signature]:
        for index, signature in enumerate(self._signatures):
            if signature.key == key:
                return index, signature
        raise RuntimeError(f"CompiledModel error: code=6, message=Signature not found: {key}")

    def get_signature_list(self) -> dict[str, dict[str, list[str]]]:
        return {s.key: {"inputs": list(s.inputs), "outputs": list(s.outputs)} for s in self._signatures}

    def get_signature_by_index(self, index: int) -> dict[str, Any]:
        s = self._signature(index)
        return {"key": s.key, "inputs": list(s.inputs), "outputs": list(s.outputs)}

    def get_num_signatures(self) -> int:
        return len(self._signatures)

    def get_signature_index(self, key: str) -> int:
        return next((i for i, s in enumerate(self._signatures) if s.key == key), -1)

    def _tensor_details(self, signature_key: str, inputs: bool) -> dict[str, Any]:
        index, signature = self._signature_by_key(signature_key)
        names = signature.inputs if inputs else signature.outputs
        layouts = self._layouts(index, inputs)
        details = {}
        for i, name in enumerate(names):
            tensor_type = self._tensor_type(signature, i, inputs)
            details[name] = {
                "name": self._tensor_name(signature, i, inputs),
                "index": self._tensor_index(signature, i, inputs),
                "dtype": c.dtype_name(tensor_type.element_type),
                "shape": layouts[i],
            }
        return details

    def get_input_tensor_details(self, signature_key: str) -> dict[str, Any]:
        return self._tensor_details(signature_key, True)

    def get_output_tensor_details(self, signature_key: str) -> dict[str, Any]:
        return self._tensor_details(signature_key, False)

    def _tensor(self, signature: _Signature, index: int, inputs: bool) -> int:
        api = c.api()
        tensor = ctypes.c_void_p()
        get = (
            api.LiteRtGetSignatureInputTensorByIndex if inputs else api.LiteRtGetSignatureOutputTensorByIndex
        )
        c.check(get(signature.handle, index, ctypes.byref(tensor)), "signature tensor")
        return tensor.value or 0

    def _tensor_type(self, signature: _Signature, index: int, inputs: bool) -> c.RankedTensorType:
        tensor_type = c.RankedTensorType()
        c.check(
            c.api().LiteRtGetRankedTensorType(
                self._tensor(signature, index, inputs), ctypes.byref(tensor_type)
            ),
            "LiteRtGetRankedTensorType",
        )
        return tensor_type

    def _tensor_name(self, signature: _Signature, index: int, inputs: bool) -> str:
        """The tensor's own name (the stock class's "name"; the signature's name is the key)."""
        value = ctypes.c_char_p()
        c.check(
            c.api().LiteRtGetTensorName(self._tensor(signature, index, inputs), ctypes.byref(value)),
            "LiteRtGetTensorName",
        )
        return (value.value or b"").decode()

    def _tensor_index(self, signature: _Signature, index: int, inputs: bool) -> int:
        """The tensor's index in its subgraph, as the stock class reports it."""
        value = ctypes.c_uint32()
        c.check(
            c.api().LiteRtGetTensorIndex(self._tensor(signature, index, inputs), ctypes.byref(value)),
            "LiteRtGetTensorIndex",
        )
        return int(value.value)

    def _layouts(self, signature_index: int, inputs: bool, allocate: bool = False) -> list[list[int]]:
        """Current shapes (after resizes) as the compiled model sees them; `allocate`
        prepares the model first, so outputs have the shapes its ops give them."""
        api = c.api()
        signature = self._signature(signature_index)
        if inputs:
            shapes = []
            for i in range(len(signature.inputs)):
                layout = c.Layout()
                c.check(
                    api.LiteRtGetCompiledModelInputTensorLayout(
                        self.compiled, signature_index, i, ctypes.byref(layout)
                    ),
                    "LiteRtGetCompiledModelInputTensorLayout",
                )
                shapes.append(c.dims(layout))
            return shapes
        layouts = (c.Layout * max(1, len(signature.outputs)))()
        with self._lock:
            status = api.LiteRtGetCompiledModelOutputTensorLayouts(
                self.compiled, signature_index, len(signature.outputs), layouts, allocate
            )
        if status != 0:
            raise self._error(status, "Failed to get the output tensor layouts")
        return [c.dims(layouts[i]) for i in range(len(signature.outputs))]

    # --- buffers --------------------------------------------------------------------------
    def _requirements(self, signature_index: int, index: int, inputs: bool) -> int:
        api = c.api()
        self._signature(signature_index)
        requirements = ctypes.c_void_p()
        get = (
            api.LiteRtGetCompiledModelInputBufferRequirements
            if inputs
            else api.LiteRtGetCompiledModelOutputBufferRequirements
        )
        status = get(self.compiled, signature_index, index, ctypes.byref(requirements))
        if status != 0:
            what = "input" if inputs else "output"
            raise self._error(status, f"Failed to get the buffer requirements of {what} {index}")
        return requirements.value or 0

    def _requirements_dict(self, signature_index: int, index: int, inputs: bool) -> dict[str, Any]:
        api = c.api()
        requirements = self._requirements(signature_index, index, inputs)
        size = ctypes.c_size_t()
        c.check(
            api.LiteRtGetTensorBufferRequirementsBufferSize(requirements, ctypes.byref(size)), "buffer size"
        )
        count = ctypes.c_int()
        c.check(
            api.LiteRtGetNumTensorBufferRequirementsSupportedBufferTypes(requirements, ctypes.byref(count)),
            "buffer types",
        )
        types = []
        for t in range(count.value):
            kind = ctypes.c_int()
            c.check(
                api.LiteRtGetTensorBufferRequirementsSupportedTensorBufferType(
                    requirements, t, ctypes.byref(kind)
                ),
                "type",
            )
            types.append(kind.value)
        return {"buffer_size": size.value, "supported_types": types}

    def get_input_buffer_requirements(self, input_index: int, signature_index: int = 0) -> dict[str, Any]:
        return self._requirements_dict(signature_index, input_index, True)

    def get_output_buffer_requirements(self, output_index: int, signature_index: int = 0) -> dict[str, Any]:
        return self._requirements_dict(signature_index, output_index, False)

    def is_fully_accelerated(self) -> bool:
        flag = ctypes.c_bool()
        c.check(
            c.api().LiteRtCompiledModelIsFullyAccelerated(self.compiled, ctypes.byref(flag)),
            "IsFullyAccelerated",
        )
        return bool(flag.value)

    def _create_buffer(self, signature_index: int, index: int, inputs: bool) -> TensorBuffer:
        api = c.api()
        signature = self._signature(signature_index)
        names = signature.inputs if inputs else signature.outputs
        if not 0 <= index < len(names):
            raise RuntimeError(
                f"CompiledModel error: code=1, message=no {'input' if inputs else 'output'} {index}"
            )
        tensor_type = self._tensor_type(signature, index, inputs)
        if tensor_type.element_type == c.STRING:
            raise RuntimeError(
                f"CompiledModel error: {'input' if inputs else 'output'} '{names[index]}' is a string "
                "tensor: opbridge.TensorBuffer holds numeric tensors only (run string models with "
                "opbridge.Interpreter)"
            )
        shape = self._layouts(signature_index, inputs, allocate=not inputs)[index]
        if any(d < 0 for d in shape):
            raise RuntimeError(
                f"CompiledModel error: {'input' if inputs else 'output'} '{names[index]}' has shape {shape} "
                "with unknown dims: LiteRT's CompiledModel sizes buffers before running (resize the inputs "
                "first); outputs whose shape depends on input values cannot be buffered "
                "(use opbridge.Interpreter)"
            )
        tensor_type = c.ranked_tensor_type(tensor_type.element_type, shape)
        requirements = self._requirements(signature_index, index, inputs)
        size = ctypes.c_size_t()
        c.check(
            api.LiteRtGetTensorBufferRequirementsBufferSize(requirements, ctypes.byref(size)), "buffer size"
        )
        # The requirements may predate the model's preparation: never below the shape's bytes.
        nbytes = max(size.value, c.itemsize(tensor_type.element_type) * int(np.prod(shape)))
        handle = ctypes.c_void_p()
        c.check(
            api.LiteRtCreateManagedTensorBuffer(
                self._environment.handle,
                c.HOST_MEMORY,
                ctypes.byref(tensor_type),
                nbytes,
                ctypes.byref(handle),
            ),
            "LiteRtCreateManagedTensorBuffer",
        )
        return TensorBuffer(handle.value or 0, self._environment)

    def create_input_buffers(self, signature_index: int) -> list[TensorBuffer]:
        return [
            self._create_buffer(signature_index, i, True)
            for i in range(len(self._signature(signature_index).inputs))
        ]

    def create_output_buffers(self, signature_index: int) -> list[TensorBuffer]:
        return [
            self._create_buffer(signature_index, i, False)
            for i in range(len(self._signature(signature_index).outputs))
        ]

    def create_input_buffer_by_name(self, signature_key: str, input_name: str) -> TensorBuffer:
        index, signature = self._signature_by_key(signature_key)
        if input_name not in signature.inputs:
            raise RuntimeError(f"CompiledModel error: code=6, message=Input not found: {input_name}")
        return self._create_buffer(index, signature.inputs.index(input_name), True)

    def create_output_buffer_by_name(self, signature_key: str, output_name: str) -> TensorBuffer:
        index, signature = self._signature_by_key(signature_key)
        if output_name not in signature.outputs:
            raise RuntimeError(f"CompiledModel error: code=6, message=Output not found: {output_name}")
        return self._create_buffer(index, signature.outputs.index(output_name), False)

    # --- resize and run -------------------------------------------------------------------
    def resize_input_tensor(
        self, input_index: int, dims: Sequence[int], signature_index: int = 0, strict: bool = True
    ) -> None:
        api = c.api()
        self._signature(signature_index)
        values = (ctypes.c_int * max(1, len(dims)))(*[int(d) for d in dims])
        resize = (
            api.LiteRtCompiledModelResizeInputTensor
            if strict
            else api.LiteRtCompiledModelResizeInputTensorNonStrict
        )
        with self._lock:
            status = resize(self.compiled, signature_index, input_index, values, len(dims))
        if status != 0:
            raise self._error(status, "New shape is not compatible with current shape.")

    def resize_input_tensor_by_name(
        self, signature_key: str, input_name: str, dims: Sequence[int], strict: bool = True
    ) -> None:
        index, signature = self._signature_by_key(signature_key)
        if input_name not in signature.inputs:
            raise ValueError(f"Unknown input '{input_name}' for signature '{signature_key}'")
        self.resize_input_tensor(signature.inputs.index(input_name), dims, index, strict)

    def run_by_index(
        self, signature_index: int, input_buffers: list[TensorBuffer], output_buffers: list[TensorBuffer]
    ) -> None:
        signature = self._signature(signature_index)
        if len(input_buffers) != len(signature.inputs):
            raise RuntimeError(
                "CompiledModel error: code=3, message=Failed to invoke the compiled model: Input buffer "
                f"size mismatch: number of inputs:{len(signature.inputs)} vs buffers:{len(input_buffers)}"
            )
        if len(output_buffers) != len(signature.outputs):
            raise RuntimeError(
                "CompiledModel error: code=3, message=Failed to invoke the compiled model: Output buffer "
                f"size mismatch: number of outputs:{len(signature.outputs)} vs buffers:{len(output_buffers)}"
            )
        inputs = (ctypes.c_void_p * max(1, len(input_buffers)))(*[b.handle for b in input_buffers])
        outputs = (ctypes.c_void_p * max(1, len(output_buffers)))(*[b.handle for b in output_buffers])
        api = c.api()
        # One run at a time per compiled model (LiteRT's CompiledModel is not reentrant).
        with self._lock:
            api.LiteRtCompiledModelClearErrors(self.compiled)
            status = api.LiteRtRunCompiledModel(
                self.compiled, signature_index, len(input_buffers), inputs, len(output_buffers), outputs
            )
            if status != 0:
                raise self._error(status, "Failed to invoke the compiled model")

    def run_by_name(
        self, signature_key: str, input_map: dict[str, TensorBuffer], output_map: dict[str, TensorBuffer]
    ) -> None:
        index, signature = self._signature_by_key(signature_key)
        missing_in = [n for n in signature.inputs if n not in input_map]
        if missing_in:
            raise RuntimeError(
                "CompiledModel error: code=6, message=The given map is missing some input TensorBuffers: "
                f"{missing_in}"
            )
        missing_out = [n for n in signature.outputs if n not in output_map]
        if missing_out:
            raise RuntimeError(
                "CompiledModel error: code=6, message=The given map is missing some output TensorBuffers: "
                f"{missing_out}"
            )
        self.run_by_index(
            index, [input_map[n] for n in signature.inputs], [output_map[n] for n in signature.outputs]
        )

    def _error(self, status: int, what: str) -> RuntimeError:
        """LiteRT's status with the compiled model's reported errors (a kernel's own message among them)."""
        messages = c.error_messages(self.compiled)
        detail = f"\n└ {messages}" if messages else ""
        # LiteRT 2.3.0 binds every output buffer as a TFLite custom allocation, which
        # TFLite refuses for a dynamic tensor (subgraph.cc's allocation_type check), or,
        # for a node after a value-dependent shape (prepared only at invoke), finds
        # smaller than the output then is ("Custom allocation is too small").
        if any(
            text in messages
            for text in (
                "Failed to set custom allocation",
                "tensor->allocation_type ==",
                "Custom allocation is too small",
            )
        ):
            detail += (
                "\n└ an output whose shape depends on the input values (a dynamic tensor) cannot be bound to "
                "a buffer by LiteRT's CompiledModel (2.3.0; its builtins' neither): run this model with "
                "opbridge.Interpreter"
            )
        return RuntimeError(f"CompiledModel error: code={status}, message={what}{detail}")


def _check_abi(env: Environment) -> None:
    """Runs each library's ABI probe op through a compiled model of `env` once: the
    libLiteRt's TFLite must lay out its C structs as our kernels read them."""
    from ._abi_check import probe_compiled_model

    for library in libraries():
        wrong = probe_compiled_model(CompiledModel, env, library)
        if wrong:
            raise AbiMismatchError(
                f"LiteRT's CompiledModel runtime ({c.api().path}, ai-edge-litert {c.litert_version()}; "
                f"opbridge was checked with {', '.join(c.TESTED_VERSIONS)}) lays out TFLite's C structs "
                f"differently from the {library.name} kernels; refusing to run them:\n  " + "\n  ".join(wrong)
            )
