"""A torch call of an opbridge op -> the custom node's flexbuffer options and output dtypes.

The options are what TF's converter writes for the TF op: every attr by name,
type attrs as TFLite TensorType codes. Both the eager kernel run and the
litert-torch lowering build them here, so eager and the converted model run the
kernel with the same attrs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from flatbuffers import flexbuffers

from ._dtypes import TFLITE_CODES

if TYPE_CHECKING:
    from .ops import TorchOpSpec


def resolve(
    spec: TorchOpSpec, input_types: Sequence[str | list[str]], kwargs: Mapping[str, Any]
) -> tuple[dict[str, Any], list[str]]:
    """(attrs by name, output dtype names) for tensors of `input_types` (TF names; a list for
    a list input) and the call's keyword arguments."""
    from .ops import default_value

    op = spec.info.name
    attrs: dict[str, Any] = {}
    types: dict[str, str] = {}
    for (name, type_text, is_list), given in zip(spec.tensor_inputs, input_types, strict=True):
        if is_list:
            assert isinstance(given, list)
            if _is_type_list(spec, type_text):  # x: T with T: list(type)
                attrs[type_text] = [TFLITE_CODES[t] for t in given]
                continue
            count_attr = _count_attr(spec, name)  # x: N * T
            if count_attr:
                attrs[count_attr] = len(given)
            for element in given:
                _bind(op, types, type_text, element, name)
        else:
            assert isinstance(given, str)
            _bind(op, types, type_text, given, name)
    for attr in spec.attrs:
        value = kwargs.get(attr.name, default_value(attr))
        if value is None:
            raise TypeError(f"{op}: attr {attr.name!r} is required")
        if attr.type == "type":
            if value not in TFLITE_CODES:
                raise ValueError(f"{op}: attr {attr.name}={value!r} is not a type name")
            types[attr.name] = value
        elif attr.type == "string" and attr.allowed and value not in attr.allowed:
            raise ValueError(f"{op}: attr {attr.name}={value!r}, expected one of {list(attr.allowed)}")
        else:
            attrs[attr.name] = list(value) if isinstance(value, (list, tuple)) else value
    for name, type_name in types.items():
        allowed = next((a.allowed for a in spec.info.attrs if a.name == name), ())
        if allowed and type_name not in allowed:
            raise ValueError(
                f"{op}: dtype {type_name} for {name} is not supported (supported: {list(allowed)})"
            )
        attrs[name] = TFLITE_CODES[type_name]
    outputs = [types.get(t, t) for _, t in spec.info.outputs]
    return attrs, outputs


def _is_type_list(spec: TorchOpSpec, type_text: str) -> bool:
    return any(a.name == type_text and a.type == "list(type)" for a in spec.info.attrs)


def _count_attr(spec: TorchOpSpec, input_name: str) -> str | None:
    for name, type_text in spec.info.inputs:
        if name == input_name and "*" in type_text:
            return type_text.split("*")[0].strip()
    return None


def _bind(op: str, types: dict[str, str], type_text: str, given: str, input_name: str) -> None:
    if type_text in TFLITE_CODES:  # a fixed dtype
        if given != type_text:
            raise ValueError(f"{op}: input '{input_name}' must be {type_text}, got {given}")
        return
    bound = types.setdefault(type_text, given)
    if bound != given:
        raise ValueError(
            f"{op}: input '{input_name}' is {given}, but {type_text} is {bound} from an earlier input"
        )


def encode(attrs: Mapping[str, Any]) -> bytes:
    """The flexbuffer map of attrs (empty bytes for none, as the converter writes)."""
    return bytes(flexbuffers.Dumps(dict(attrs))) if attrs else b""
