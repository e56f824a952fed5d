"""Running one opbridge op on torch tensors: its TFLite kernel, in a one-node model.

Eager calls and fake (shape-only) calls build the same model: the op's node
with the call's input shapes and dtypes and its attrs as options. Eager runs
it; fake only prepares it, which runs the kernel's shape rule and gives the
output shapes and dtypes without reading input values.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from .. import tflite_model
from ..interpreter import Interpreter
from . import attrs as attrs_lib
from ._dtypes import TORCH_DTYPES, numpy_dtype, tf_name

if TYPE_CHECKING:
    from .ops import TorchOpSpec


def _bind(spec: TorchOpSpec, args: Sequence[Any], kwargs: dict[str, Any]) -> tuple[list[Any], dict[str, Any]]:
    """(the tensor inputs in order, the attrs by name) of a call."""
    n = len(spec.tensor_inputs)
    tensors = list(args[:n])
    extra = dict(kwargs)
    for attr, value in zip(spec.attrs, args[n:], strict=False):
        extra[attr.name] = value
    for k, (name, _, _) in enumerate(spec.tensor_inputs):
        if k >= len(tensors):
            tensors.append(extra.pop(name))
    return tensors, extra


def _flat(spec: TorchOpSpec, tensors: list[Any]) -> list[tuple[str, torch.Tensor]]:
    flat = []
    for (name, _, is_list), value in zip(spec.tensor_inputs, tensors, strict=True):
        if is_list:
            flat += [(f"{name}_{k}", t) for k, t in enumerate(value)]
        else:
            flat.append((name, value))
    return flat


def _types(spec: TorchOpSpec, tensors: list[Any]) -> list[str | list[str]]:
    op = spec.info.name
    return [
        [tf_name(t.dtype, op) for t in value] if is_list else tf_name(value.dtype, op)
        for (_, _, is_list), value in zip(spec.tensor_inputs, tensors, strict=True)
    ]


# Outputs are declared with this shape; prepare replaces it unless the kernel
# sizes the output only when it runs (its shape depends on input values).
UNSIZED = (3, 1, 4, 1, 5, 9, 2, 6)


@functools.lru_cache(maxsize=256)
def _model(
    op: str,
    version: int,
    inputs: tuple[tuple[str, tuple[int, ...], str], ...],
    outputs: tuple[tuple[str, str], ...],
    options: bytes,
) -> bytes:
    return tflite_model.single_custom_op_model(
        op,
        [(name, shape, np.dtype(dtype)) for name, shape, dtype in inputs],
        [(name, UNSIZED, np.dtype(dtype)) for name, dtype in outputs],
        options,
        version=version,
    )


def _interpreter(spec: TorchOpSpec, tensors: list[Any], kwargs: dict[str, Any]) -> tuple[Any, list[str]]:
    op = spec.info.name
    attrs, output_types = attrs_lib.resolve(spec, _types(spec, tensors), kwargs)
    flat = _flat(spec, tensors)
    for name, t in flat:
        if any(not isinstance(d, int) for d in t.shape):
            raise NotImplementedError(
                f"{op}: input '{name}' has a symbolic shape {tuple(t.shape)}; "
                "opbridge's torch ops take static shapes"
            )
    inputs = tuple((name, tuple(int(d) for d in t.shape), numpy_dtype(t.dtype, op).str) for name, t in flat)
    outputs = tuple(
        (name, numpy_dtype(TORCH_DTYPES[dtype], op).str)
        for (name, _), dtype in zip(spec.info.outputs, output_types, strict=True)
    )
    model = _model(op, spec.info.tflite_version, inputs, outputs, attrs_lib.encode(attrs))
    interpreter = Interpreter(model_content=model, default_delegates=False)
    try:
        interpreter.allocate_tensors()
    except (RuntimeError, ValueError) as exc:
        raise ValueError(_first_line(str(exc))) from None
    return interpreter, output_types


def _first_line(message: str) -> str:
    # The runtime appends "Node number 0 (Op) failed to prepare." to the kernel's message.
    return message.split("Node number")[0].strip()


def run(spec: TorchOpSpec, args: Sequence[Any], kwargs: dict[str, Any]) -> Any:
    tensors, attr_values = _bind(spec, args, kwargs)
    interpreter, _ = _interpreter(spec, tensors, attr_values)
    for detail, (_, t) in zip(interpreter.get_input_details(), _flat(spec, tensors), strict=True):
        if t.numel():
            interpreter.set_tensor(detail["index"], t.detach().contiguous().numpy())
    try:
        interpreter.invoke()
    except (RuntimeError, ValueError) as exc:
        raise ValueError(_first_line(str(exc))) from None
    results = []
    for detail in interpreter.get_output_details():
        if 0 in tuple(detail["shape"]):  # the runtime refuses to read empty tensors
            value = np.zeros(detail["shape"], detail["dtype"])
        else:
            value = np.array(interpreter.get_tensor(detail["index"]))
        results.append(torch.from_numpy(value))
    return results[0] if len(results) == 1 else tuple(results)


def fake(spec: TorchOpSpec, args: Sequence[Any], kwargs: dict[str, Any]) -> Any:
    tensors, attr_values = _bind(spec, args, kwargs)
    interpreter, output_types = _interpreter(spec, tensors, attr_values)
    results = []
    for detail, dtype in zip(interpreter.get_output_details(), output_types, strict=True):
        shape = [int(d) for d in detail["shape"]]
        if tuple(shape) == UNSIZED:
            raise NotImplementedError(
                f"{spec.info.name}: its output shape depends on input values; "
                "register a fake rule (opbridge.torch.ops.register_fake_rule)"
            )
        results.append(tensors_like(tensors, shape, TORCH_DTYPES[dtype]))
    return results[0] if len(results) == 1 else tuple(results)


def tensors_like(tensors: list[Any], shape: list[int], dtype: torch.dtype) -> torch.Tensor:
    """A new tensor in the same (fake) mode as the call's inputs."""
    first = next(t for t in _all(tensors))
    return first.new_empty(shape, dtype=dtype)


def _all(tensors: list[Any]) -> list[torch.Tensor]:
    out: list[torch.Tensor] = []
    for t in tensors:
        out += list(t) if isinstance(t, (list, tuple)) else [t]
    return out
