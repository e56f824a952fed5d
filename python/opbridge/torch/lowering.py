"""litert-torch lowerings of opbridge's torch operators: one CUSTOM node each.

The node is `tfl.custom` with the TF op's name as custom code and the attrs as
flexbuffer options (attrs.py), exactly what TF's converter writes for the TF
op, so the TFLite kernels cannot tell which frontend made the model.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import torch

from . import attrs as attrs_lib
from ._dtypes import tf_name
from .litert_torch_api import api

if TYPE_CHECKING:
    from .ops import TorchOpSpec


def _value_type(node_arg: Any, op: str) -> str | list[str]:
    if isinstance(node_arg, (list, tuple)):
        return [tf_name(a.meta["val"].dtype, op) for a in node_arg]
    return tf_name(node_arg.meta["val"].dtype, op)


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
        options = attrs_lib.encode(attrs)
        custom = lite.Operation.create(
            "tfl.custom",
            results=lite.node_meta_to_ir_types(node),
            operands=operands,
            attributes={
                "custom_code": lite.StringAttr.get(op),
                "custom_option": lite.Attribute.parse(f'#tfl<const_bytes: "0x{options.hex()}">'),
            },
        )
        results = list(custom.results)
        return results[0] if len(spec.info.outputs) == 1 else results

    lite.lower(overload)(lower)
