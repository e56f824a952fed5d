"""What opbridge implements: the ops of every kernel library."""

from __future__ import annotations

from ._library import AttrInfo, OpInfo, libraries


def op_infos() -> list[OpInfo]:
    """Every op of every kernel library, TF-only helper ops included."""
    return [op for library in libraries() for op in library.ops]


def list_ops() -> list[str]:
    """The TFLite custom op names opbridge implements (as they appear in a model's custom_code)."""
    return sorted({op.name for op in op_infos() if op.tflite})


SELECT_TF_PREFIX = "Flex"


def custom_codes() -> set[str]:
    """Every custom code opbridge's kernels run: list_ops(), and "Flex<Op>" for each TF op, the node
    the converter makes of it with Select TF ops (SELECT_TF_OPS), whose options hold the NodeDef."""
    ops = [op for op in op_infos() if op.tflite]
    return {op.name for op in ops} | {SELECT_TF_PREFIX + op.name for op in ops if op.origin == "tensorflow"}


def find_op(name: str) -> OpInfo:
    """The op named `name` (KeyError if no kernel library has it)."""
    for op in op_infos():
        if op.name == name:
            return op
    raise KeyError(f"no opbridge op named {name!r}")


def attr_info(op: str, attr: str) -> AttrInfo:
    """An op's attr declaration, as its C++ file declares it (name, type, allowed values, default)."""
    for info in find_op(op).attrs:
        if info.name == attr:
            return info
    raise KeyError(f"{op} has no attr {attr!r}")
