"""Running a .tflite through its signature (TensorFlow-free)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .interpreter import Interpreter


class SignatureSession:
    """One interpreter for a model, fed and read by signature names.

    A Mapping of inputs is matched by the signature's input names (tensor names
    in a model without exactly one signature); a sequence is fed by index, in
    `get_input_details()` order, as users feed. Outputs are keyed by the
    signature's output names (else tensor names). Inputs may have other shapes
    than the model's: they are resized.
    """

    def __init__(self, model: bytes, runtime: str = "litert", **kw: Any) -> None:
        self.interpreter = Interpreter(model_content=model, runtime=runtime, **kw)
        signatures = self.interpreter._get_full_signature_list()
        if len(signatures) == 1:
            (signature,) = signatures.values()
            self.input_ids = dict(signature["inputs"])
            self.output_ids = dict(signature["outputs"])
        else:
            self.input_ids = {d["name"]: d["index"] for d in self.interpreter.get_input_details()}
            self.output_ids = {d["name"]: d["index"] for d in self.interpreter.get_output_details()}
        self._details = {d["index"]: d for d in self.interpreter.get_input_details()}
        name_of = {index: name for name, index in self.input_ids.items()}
        self._index_order = [name_of.get(d["index"], d["name"]) for d in self.interpreter.get_input_details()]

    def set_inputs(self, inputs: Sequence[Any] | Mapping[str, Any]) -> None:
        ids = self.input_ids
        if not isinstance(inputs, Mapping):
            if len(inputs) != len(ids):
                raise ValueError(
                    f"the model has {len(ids)} inputs ({self._index_order}), {len(inputs)} given"
                )
            inputs = dict(zip(self._index_order, inputs, strict=True))
        if set(inputs) != set(ids):
            raise ValueError(f"the model's inputs are {sorted(ids)}, given {sorted(inputs)}")
        arrays = {n: _as_input(v, self._details[ids[n]]["dtype"]) for n, v in inputs.items()}
        # Against the shapes the interpreter has now: an earlier call may have resized them.
        current = {d["index"]: tuple(d["shape"]) for d in self.interpreter.get_input_details()}
        for name, value in arrays.items():
            if current[ids[name]] != value.shape:
                self.interpreter.resize_tensor_input(ids[name], value.shape, strict=False)
        self.interpreter.allocate_tensors()
        for name, value in arrays.items():
            # The Python runtimes refuse to touch a tensor of zero elements
            # ("Invalid tensor size", builtins included): there is nothing to copy.
            if value.size:
                self.interpreter.set_tensor(ids[name], value)

    def invoke(self) -> None:
        self.interpreter.invoke()

    def outputs(self) -> dict[str, np.ndarray]:
        details = {d["index"]: d for d in self.interpreter.get_output_details()}
        out = {}
        for name, index in self.output_ids.items():
            shape, dtype = details[index]["shape"], details[index]["dtype"]
            out[name] = np.zeros(shape, dtype) if 0 in tuple(shape) else self.interpreter.get_tensor(index)
        return out


def run_tflite(
    model: bytes, inputs: Sequence[Any] | Mapping[str, Any], runtime: str = "litert", **kw: Any
) -> dict[str, np.ndarray]:
    """Runs `model` once in `runtime` through opbridge.Interpreter (see SignatureSession)."""
    session = SignatureSession(model, runtime, **kw)
    session.set_inputs(inputs)
    session.invoke()
    return session.outputs()


def run_compiled_model(
    model: bytes,
    inputs: Mapping[str, Any],
    signature_index: int = 0,
    environment: Any = None,
    options: Any = None,
) -> dict[str, np.ndarray]:
    """Runs `model` once through opbridge.CompiledModel (LiteRT's CompiledModel API), inputs
    keyed by the signature's input names, outputs keyed by its output names. Inputs of
    other shapes than the model's resize it first."""
    from .compiled_model import CompiledModel

    with CompiledModel.from_buffer(model, environment=environment, options=options) as compiled:
        signature = compiled.get_signature_by_index(signature_index)
        details = compiled.get_input_tensor_details(signature["key"])
        arrays = {}
        for i, name in enumerate(signature["inputs"]):
            dtype = details[name]["dtype"]
            # (String inputs stay as given: create_input_buffers refuses them by name.)
            arrays[name] = np.asarray(inputs[name]) if dtype == "string" else np.asarray(inputs[name], dtype)
            if list(arrays[name].shape) != details[name]["shape"]:
                compiled.resize_input_tensor(i, arrays[name].shape, signature_index, strict=False)
        input_buffers = compiled.create_input_buffers(signature_index)
        for name, buffer in zip(signature["inputs"], input_buffers, strict=True):
            if arrays[name].size:
                buffer.write(arrays[name])
        output_buffers = compiled.create_output_buffers(signature_index)
        compiled.run_by_index(signature_index, input_buffers, output_buffers)
        # Shapes after the run (an op may size its outputs from the input values).
        out_details = compiled.get_output_tensor_details(signature["key"])
        out = {}
        for name, buffer in zip(signature["outputs"], output_buffers, strict=True):
            shape, dtype = out_details[name]["shape"], np.dtype(out_details[name]["dtype"])
            out[name] = buffer.read(int(np.prod(shape)), dtype).reshape(shape)
        for buffer in [*input_buffers, *output_buffers]:
            buffer.destroy()
        return out


def _as_input(value: Any, dtype: Any) -> np.ndarray:
    """`value` as the array set_tensor takes for a tensor of `dtype`. String arrays stay
    objects: numpy's fixed-width bytes (the details' dtype) drop each element's
    trailing NUL bytes, so b"a\x00" would reach the model as b"a"."""
    if np.dtype(dtype).kind in "SO":
        fixed_width = isinstance(value, np.ndarray) and value.dtype.kind == "S"
        array = value if fixed_width else np.asarray(value, dtype=object)
        # (A 0-d object array reaches the tensor as its pointer's bytes in both
        # Python runtimes: scalars go as fixed-width bytes.)
        return array if array.ndim else np.asarray(value, dtype=dtype)
    return np.asarray(value, dtype=dtype)
