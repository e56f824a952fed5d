"""Keeps the converter from fusing a many-axis L2 normalization into L2_NORMALIZATION.

TF's converter (2.21) rewrites `x * rsqrt(max(sum(square(x), axes), eps))` (and the
`+ eps` and `x / sqrt(...)` forms) into the builtin L2_NORMALIZATION whenever the
reduced axes include the last one. The builtin normalizes along the last axis only,
so `tf.math.l2_normalize(x, axis=None)` of a matrix, or over `[0, 1]`, gives each row
its own norm: numbers off by up to the whole value, silently, with builtins only.

The fusion matches a Square node; Mul(x, x) computes the same bits and is not
matched. Before conversion, every Square that feeds a Sum over more than one axis
(or over axes that are not a constant) becomes Mul(x, x). A Sum over the last axis
alone keeps its Square, so the correct fusion (one builtin, faster) still happens.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from . import rewrite


def _node_name(reference: str) -> str:
    """A node input ("^ctrl", "node:0", "node:output:0", "arg") -> the node's name."""
    return reference.lstrip("^").split(":")[0]


def _single_constant_axis(node: Any) -> bool:
    """Whether a Const node holds one axis (a scalar or a one-element list)."""
    if node is None or node.op != "Const":
        return False
    dims = node.attr["value"].tensor.tensor_shape.dim
    return len(dims) == 0 or (len(dims) == 1 and dims[0].size == 1)


def _graphs(graph_def: Any) -> Iterable[tuple[Any, list[Any]]]:
    """(FunctionDef, or None for the top graph; its nodes)."""
    yield None, list(graph_def.node)
    for function in graph_def.library.function:
        yield function, list(function.node_def)


def _rename_output(function: Any, nodes: list[Any], name: str) -> None:
    """Inside a function, outputs are named by their op's output arg: Square's
    `y` is Mul's `z`; the consumers and the function's returns follow."""
    old, new = f"{name}:y:", f"{name}:z:"
    for node in nodes:
        for i, reference in enumerate(node.input):
            if reference.startswith(old):
                node.input[i] = new + reference[len(old) :]
    for key, reference in function.ret.items():
        if reference.startswith(old):
            function.ret[key] = new + reference[len(old) :]


def _squares_to_guard(nodes: list[Any]) -> list[Any]:
    by_name = {node.name: node for node in nodes}
    guarded: dict[str, Any] = {}
    for node in nodes:
        if node.op != "Sum" or len(node.input) < 2:
            continue
        source = by_name.get(_node_name(node.input[0]))
        if source is None or source.op != "Square":
            continue
        if not _single_constant_axis(by_name.get(_node_name(node.input[1]))):
            guarded[source.name] = source
    return list(guarded.values())


def guarded_count(graph_def: Any) -> int:
    """How many Square nodes of this GraphDef (functions included) need the guard."""
    return sum(len(_squares_to_guard(nodes)) for _, nodes in _graphs(graph_def))


def saved_model_needs_guard(directory: Path) -> bool:
    proto = rewrite._load_saved_model_proto(directory)
    return any(guarded_count(meta_graph.graph_def) for meta_graph in proto.meta_graphs)


def guard_saved_model(source: Path, destination: Path) -> int:
    """Copies the SavedModel at `source` to `destination` with the guarded Square
    nodes as Mul(x, x). Returns how many nodes changed."""
    saved_model = rewrite._load_saved_model_proto(source)
    changed = 0
    renames: dict[str, str] = {}
    for meta_graph in saved_model.meta_graphs:
        graph_def = meta_graph.graph_def
        changed_functions: set[str] = set()
        for function, nodes in _graphs(graph_def):
            for node in _squares_to_guard(nodes):
                controls = [i for i in node.input if i.startswith("^")]
                operand = node.input[0]
                del node.input[:]
                node.input.extend([operand, operand, *controls])
                node.op = "Mul"
                changed += 1
                if function is not None:
                    _rename_output(function, nodes, node.name)
                    changed_functions.add(function.signature.name)
        # A changed function gets a new name (as in rewrite.py): a tf.function source
        # may already be loaded in this process with the original body.
        for name in rewrite.with_callers(graph_def, changed_functions):
            renames[name] = f"{name}_opbridge_l2"
    rewrite.write_saved_model(saved_model, renames, source, destination)
    return changed
