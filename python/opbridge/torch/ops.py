"""opbridge's ops as torch operators: `torch.ops.<library>.<Op>`, defined from the kernel catalog.

Each op of a kernel library (opbridge's own, or an installed op package's)
becomes a torch custom operator whose arguments are the op's inputs (tensors,
in the TF op's order) and, keyword-only, its attrs. Type attrs bound by an
input are read from that tensor; the others (an output's type) are strings
holding TF's type name ("int64"). The same C++ kernel runs in all three places:
- eager: the op's TFLite kernel, through a one-node model (eager.py);
- fake (torch.export, decompositions): the kernel's shape rule, which runs at
  the TFLite prepare of the same one-node model;
- conversion: litert-torch lowers the op to one CUSTOM node with the TF op's
  name and flexbuffer options (lowering.py), so the TFLite kernel runs it.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch

from .._library import AttrInfo, OpInfo
from ..catalog import op_infos
from . import eager

_SCHEMA_TYPES = {
    "bool": "bool",
    "int": "int",
    "float": "float",
    "string": "str",
    "list(int)": "int[]",
    "list(float)": "float[]",
    "type": "str",
    "list(type)": "str[]",
    "list(string)": "str[]",
}


def torch_name(op_name: str, library: str = "opbridge") -> str:
    """The torch operator name of a custom code in its library's torch namespace.

    opbridge's own: ">" becomes "_" ("Opbridge>GridSample" -> opbridge.Opbridge_GridSample).
    An op package's ops drop the package's own namespace, which the torch namespace
    already says: the my_ops package's "MyOps>Affine" is torch.ops.my_ops.Affine.
    """
    if library != "opbridge":
        from ..scaffold import namespace_of

        op_name = op_name.removeprefix(namespace_of(library) + ">")
    return op_name.replace(">", "_")


def namespace(info: OpInfo) -> str:
    """The torch library of an op: "opbridge", or the op package's library name."""
    return info.library.replace("-", "_")


@dataclass(frozen=True)
class TorchOpSpec:
    """How one catalog op maps onto a torch operator's arguments."""

    info: OpInfo
    tensor_inputs: tuple[tuple[str, str, bool], ...]  # (name, type, is_list)
    attrs: tuple[AttrInfo, ...]  # keyword-only arguments, in declaration order
    bound_types: frozenset[str]  # type attrs read from the input tensors

    @property
    def qualified_name(self) -> str:
        return f"{namespace(self.info)}::{torch_name(self.info.name, self.info.library)}"

    def schema(self) -> str:
        params = [f"Tensor[] {n}" if is_list else f"Tensor {n}" for n, _, is_list in self.tensor_inputs]
        kwargs = [_schema_attr(a) for a in self.attrs]
        args = ", ".join(params + (["*", *kwargs] if kwargs else []))
        outs = ["Tensor"] * len(self.info.outputs)
        result = outs[0] if len(outs) == 1 else f"({', '.join(outs)})"
        return f"({args}) -> {result}"


def _schema_attr(attr: AttrInfo) -> str:
    kind = _SCHEMA_TYPES.get(attr.type)
    if kind is None:
        raise ValueError(f"attr {attr.name}: type {attr.type} has no torch schema type")
    if attr.default is None:
        return f"{kind} {attr.name}"
    return f"{kind} {attr.name}={_schema_default(attr)}"


def _schema_default(attr: AttrInfo) -> str:
    value = default_value(attr)
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ",".join(str(v) for v in value) + "]"
    return repr(value)


def default_value(attr: AttrInfo) -> Any:
    """An attr's declared default as a Python value (None if it has none)."""
    text = attr.default
    if text is None:
        return None
    if attr.type == "bool":
        return text == "true"
    if attr.type == "type":
        return text
    if attr.type == "string":
        return ast.literal_eval(text) if text[:1] in "'\"" else text
    if attr.type in ("list(int)", "list(float)", "list(type)", "list(string)"):
        return list(ast.literal_eval(text)) if text.startswith("[") else []
    if attr.type == "float":
        return float(text)
    return int(text)


def spec_of(info: OpInfo) -> TorchOpSpec:
    types = {a.name: a for a in info.attrs}
    inputs, bound = [], set()
    for name, type_text in info.inputs:
        is_list = "*" in type_text or (
            types.get(type_text, None) is not None and types[type_text].type == "list(type)"
        )
        element_type = type_text.split("*")[-1].strip()
        inputs.append((name, element_type, is_list))
        if element_type in types:
            bound.add(element_type)
        if "*" in type_text:
            bound.add(type_text.split("*")[0].strip())  # N: the list's length
    attrs = tuple(a for a in info.attrs if a.name not in bound)
    return TorchOpSpec(info, tuple(inputs), attrs, frozenset(bound))


@functools.cache
def _libraries() -> dict[str, torch.library.Library]:
    return {}


_FAKE_RULES: dict[str, Callable[..., Any]] = {}


def register_fake_rule(op_name: str, rule: Callable[..., Any]) -> None:
    """A fake (shape) implementation for an op whose output shapes depend on input values
    (the kernel's shape rule then cannot run on fake tensors). Called like the op."""
    _FAKE_RULES[op_name] = rule


@functools.cache
def _define(info: OpInfo) -> Any:
    spec = spec_of(info)
    ns = namespace(info)
    libraries = _libraries()
    if ns not in libraries:
        libraries[ns] = torch.library.Library(ns, "FRAGMENT")
    library = libraries[ns]
    name = torch_name(info.name, info.library)
    library.define(name + spec.schema())

    def run(*args: Any, **kwargs: Any) -> Any:
        return eager.run(spec, args, kwargs)

    def fake(*args: Any, **kwargs: Any) -> Any:
        rule = _FAKE_RULES.get(info.name)
        if rule is not None:
            return rule(*args, **kwargs)
        return eager.fake(spec, args, kwargs)

    library.impl(name, run, "CompositeExplicitAutograd")
    torch.library.register_fake(spec.qualified_name, fake, lib=library)
    packet = getattr(getattr(torch.ops, ns), name)
    _lower_when_converting(packet.default, spec)
    return packet


# Lowerings register into litert-torch, which costs its import (seconds) and needs it
# installed: eager and export use of the ops do without. They register at the first
# conversion, and at definition from then on (rewrites define ops while converting).
_pending_lowerings: list[tuple[Any, TorchOpSpec]] = []
_lowerings_enabled = False


def _lower_when_converting(overload: Any, spec: TorchOpSpec) -> None:
    if _lowerings_enabled:
        from . import lowering

        lowering.register(overload, spec)
    else:
        _pending_lowerings.append((overload, spec))


def enable_lowerings() -> None:
    """Registers every defined op's lowering with litert-torch (conversion.py calls it first)."""
    global _lowerings_enabled
    from . import lowering

    _lowerings_enabled = True
    while _pending_lowerings:
        lowering.register(*_pending_lowerings.pop())


def find(op_name: str) -> OpInfo:
    for info in op_infos():
        if info.name == op_name and info.tflite:
            return info
    raise KeyError(f"no opbridge kernel library has a TFLite kernel named {op_name!r}")


def op(op_name: str) -> Any:
    """The torch operator of an op (a custom code, e.g. "MatrixInverse"), defined on first use."""
    return _define(find(op_name))


def define_all(library: str | None = None) -> list[Any]:
    """Defines every op of `library` (all libraries if None) as a torch operator."""
    return [_define(i) for i in op_infos() if i.tflite and (library is None or i.library == library)]
