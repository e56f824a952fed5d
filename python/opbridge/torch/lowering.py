"""litert-torch lowerings of opbridge's torch operators: one CUSTOM node each.

The node is `tfl.custom` with the TF op's name as custom code and the attrs as
flexbuffer options (attrs.py), exactly what TF's converter writes for the TF
op, so the TFLite kernels cannot tell which frontend made the model.
"""

from __future__ import annotations

import contextlib
import contextvars
import importlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import torch

from . import attrs as attrs_lib
from ._dtypes import TFLITE_CODES, tf_name
from .litert_torch_api import api

if TYPE_CHECKING:
    from .ops import TorchOpSpec


# litert-torch's enable_x64=False (its default) turns every int64/float64 tensor into
# int32/float32 after lowering, custom nodes' operands and results included; their type
# attrs must say so, or the kernel refuses the node at prepare.
_X64: contextvars.ContextVar[bool] = contextvars.ContextVar("opbridge_torch_x64", default=False)
_DOWNCAST = {
    TFLITE_CODES["int64"]: TFLITE_CODES["int32"],
    TFLITE_CODES["double"]: TFLITE_CODES["float"],
    TFLITE_CODES["complex128"]: TFLITE_CODES["complex64"],  # not downcast by litert-torch: done here
}


@contextlib.contextmanager
def x64_mode(enabled: bool) -> Iterator[None]:
    """Lowerings inside see litert-torch's enable_x64 (conversion.py sets it around convert)."""
    token = _X64.set(enabled)
    try:
        yield
    finally:
        _X64.reset(token)


def x64_enabled() -> bool:
    """Whether the conversion running now keeps 64-bit types (rewrites run inside it)."""
    return _X64.get()


def _downcast(spec: TorchOpSpec, attrs: dict[str, Any]) -> dict[str, Any]:
    if _X64.get():
        return attrs
    out = dict(attrs)
    for attr in spec.info.attrs:
        value = out.get(attr.name)
        if attr.type == "type" and isinstance(value, int):
            out[attr.name] = _DOWNCAST.get(value, value)
        elif attr.type == "list(type)" and isinstance(value, list):
            out[attr.name] = [_DOWNCAST.get(v, v) for v in value]
    return out


def _value_type(node_arg: Any, op: str) -> str | list[str]:
    if isinstance(node_arg, (list, tuple)):
        return [tf_name(a.meta["val"].dtype, op) for a in node_arg]
    return tf_name(node_arg.meta["val"].dtype, op)


def result_types(node: Any) -> list[Any]:
    """The MLIR result types of an FX node: litert-torch's node_meta_to_ir_types, which lacks
    complex64/complex128 (made here as complex<f32>/complex<f64>)."""
    lite = api()
    values = node.meta.get("val")
    flat = list(values) if isinstance(values, (list, tuple)) else [values]
    if not any(isinstance(v, torch.Tensor) and v.is_complex() for v in flat):
        return lite.node_meta_to_ir_types(node)
    ir = importlib.import_module("litert_converter.mlir.ir")
    types = []
    for v in flat:
        if v.dtype not in (torch.complex64, torch.complex128):
            raise NotImplementedError(f"{node.name}: complex and {v.dtype} results in one node")
        wide = v.dtype == torch.complex128 and _X64.get()
        part = ir.F64Type.get() if wide else ir.F32Type.get()
        types.append(ir.RankedTensorType.get([int(d) for d in v.shape], ir.ComplexType.get(part)))
    return types


def register(overload: torch._ops.OpOverload, spec: TorchOpSpec) -> None:
    lite = api()
    op = spec.info.name

    def lower(lctx: Any, *args: Any, **kwargs: Any) -> Any:
        node = lctx.node
        n = len(spec.tensor_inputs)
        values = list(args[:n])
        call_kwargs = dict(kwargs)
        for attr, value in zip(spec.attrs, args[n:], strict=False):
            call_kwargs[attr.name] = value
        node_args = list(node.args[:n]) + [
            node.kwargs[name] for name, _, _ in spec.tensor_inputs[len(node.args) :]
        ]
        for name, _, _ in spec.tensor_inputs[len(values) :]:
            values.append(call_kwargs.pop(name))
        types = [_value_type(a, op) for a in node_args]
        attrs, _ = attrs_lib.resolve(spec, types, call_kwargs)
        operands = [v for value in values for v in (value if isinstance(value, (list, tuple)) else [value])]
        options = attrs_lib.encode(_downcast(spec, attrs))
        custom = lite.Operation.create(
            "tfl.custom",
            results=result_types(node),
            operands=operands,
            attributes={
                "custom_code": lite.StringAttr.get(op),
                "custom_option": lite.Attribute.parse(f'#tfl<const_bytes: "0x{options.hex()}">'),
            },
        )
        results = list(custom.results)
        return results[0] if len(spec.info.outputs) == 1 else results

    lite.lower(overload)(lower)
