"""Op substitutions before conversion (imports TensorFlow).

Some TF ops have no TFLite kernel but are not missing either: the converter
lowers them into dozens of builtins (tf.math.lgamma becomes ~58). An opbridge
op that computes the same thing declares `.Replaces("Lgamma")` in its C++
OpSpec; before conversion, every node of the replaced type is switched to the
opbridge op (same inputs, outputs and attrs), which the converter keeps as one
custom op.

The switch is done on a SavedModel: the source is exported to one if it is not
one already, and saved_model.pb is edited. Nothing is frozen or inlined, so
variables, signatures and composite functions survive. Every function whose
body changes is renamed, with every reference to it, because the originals may
already be loaded in this process under the old names with the old bodies.
"""

from __future__ import annotations

import collections
import hashlib
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .catalog import op_infos


def substitutions() -> dict[str, str]:
    """{TF op type: opbridge op type} for every op that declares Replaces()."""
    return {op.replaces: op.name for op in op_infos() if op.replaces}


def _accepted_types() -> dict[str, dict[str, set[int]]]:
    """{TF op type: {type attr: DataType enums the replacing op accepts}}. A node is
    switched only if the opbridge op takes its dtypes (TF's Lgamma also takes half)."""
    import tensorflow as tf

    accepted: dict[str, dict[str, set[int]]] = {}
    for op in op_infos():
        if op.replaces:
            accepted[op.replaces] = {
                a.name: {tf.as_dtype(t).as_datatype_enum for t in a.allowed}
                for a in op.attrs
                if a.type == "type" and a.allowed
            }
    return accepted


def _replaceable(node: Any, accepted: dict[str, dict[str, set[int]]]) -> bool:
    return all(node.attr[name].type in enums for name, enums in accepted.get(node.op, {}).items())


def _nodes(graph_def: Any) -> Iterable[Any]:
    yield from graph_def.node
    for function in graph_def.library.function:
        yield from function.node_def


def op_counts(graph_def: Any) -> collections.Counter[str]:
    """Node types in a GraphDef, its function library included."""
    return collections.Counter(node.op for node in _nodes(graph_def))


def _load_saved_model_proto(directory: Path) -> Any:
    from tensorflow.core.protobuf import saved_model_pb2

    proto = saved_model_pb2.SavedModel()
    path = directory / "saved_model.pb"
    if not path.is_file():
        raise FileNotFoundError(f"{directory}: no saved_model.pb (not a SavedModel directory)")
    proto.ParseFromString(path.read_bytes())
    return proto


def saved_model_op_counts(directory: Path) -> collections.Counter[str]:
    counts: collections.Counter[str] = collections.Counter()
    for meta_graph in _load_saved_model_proto(directory).meta_graphs:
        counts.update(op_counts(meta_graph.graph_def))
    return counts


def _functions_to_rename(graph_def: Any, replaced: set[str], accepted: dict[str, Any]) -> set[str]:
    """Functions that contain a replaced op, and (transitively) those that call them."""
    changed = {
        function.signature.name
        for function in graph_def.library.function
        if any(node.op in replaced and _replaceable(node, accepted) for node in function.node_def)
    }
    return with_callers(graph_def, changed)


def with_callers(graph_def: Any, changed: set[str]) -> set[str]:
    """The functions named in `changed` and (transitively) those that call them."""
    calls: dict[str, set[str]] = {}
    for function in graph_def.library.function:
        callees: set[str] = set()
        for node in function.node_def:
            for attr in node.attr.values():
                if attr.HasField("func"):
                    callees.add(attr.func.name)
                callees.update(f.name for f in attr.list.func)
            callees.add(node.op)  # a function can be called as an op type
        calls[function.signature.name] = callees
    result = set(changed)
    grew = True
    while grew:
        grew = False
        for name, callees in calls.items():
            if name not in result and callees & result:
                result.add(name)
                grew = True
    return result


def _rename_everywhere(saved_model: Any, renames: dict[str, str]) -> None:
    def fix_attrs(attrs: Any) -> None:
        for attr in attrs.values():
            if attr.HasField("func") and attr.func.name in renames:
                attr.func.name = renames[attr.func.name]
            for func in attr.list.func:
                if func.name in renames:
                    func.name = renames[func.name]
            # forward_function_name / backward_function_name hold names as strings.
            if attr.HasField("s") and attr.s.decode("utf-8", "replace") in renames:
                attr.s = renames[attr.s.decode()].encode()

    for meta_graph in saved_model.meta_graphs:
        graph_def = meta_graph.graph_def
        for node in _nodes(graph_def):
            if node.op in renames:
                node.op = renames[node.op]
            fix_attrs(node.attr)
        for function in graph_def.library.function:
            if function.signature.name in renames:
                function.signature.name = renames[function.signature.name]
            fix_attrs(function.attr)
        for gradient in graph_def.library.gradient:
            if gradient.function_name in renames:
                gradient.function_name = renames[gradient.function_name]
            if gradient.gradient_func in renames:
                gradient.gradient_func = renames[gradient.gradient_func]
        objects = meta_graph.object_graph_def
        for old, new in renames.items():
            if old in objects.concrete_functions:
                objects.concrete_functions[new].CopyFrom(objects.concrete_functions[old])
                del objects.concrete_functions[old]
        for node in objects.nodes:
            kind = node.WhichOneof("kind")
            if kind == "function":
                names = [renames.get(n, n) for n in node.function.concrete_functions]
                del node.function.concrete_functions[:]
                node.function.concrete_functions.extend(names)
            elif kind == "bare_concrete_function":
                bare = node.bare_concrete_function
                bare.concrete_function_name = renames.get(
                    bare.concrete_function_name, bare.concrete_function_name
                )
            elif kind == "captured_tensor":
                captured = node.captured_tensor
                captured.concrete_function = renames.get(
                    captured.concrete_function, captured.concrete_function
                )


def write_saved_model(saved_model: Any, renames: dict[str, str], source: Path, destination: Path) -> None:
    """Writes an edited SavedModel proto to `destination`, a copy of `source` (its variables
    and assets), after renaming the functions in `renames` everywhere they are named."""
    _rename_everywhere(saved_model, renames)
    if destination.exists():
        shutil.rmtree(destination)
    shutil.copytree(source, destination)
    (destination / "saved_model.pb").write_bytes(saved_model.SerializeToString())


def traced_function_def(concrete: Any, name: str, output: str) -> list[Any]:
    """A traced one-output function as a FunctionDef named `name` whose output is named
    `output` (a node calling it as an op refers to `<node>:<output>:0`), and the functions
    it calls."""
    function = type(concrete.function_def)()
    function.CopyFrom(concrete.function_def)
    function.signature.name = name
    (arg,) = function.signature.output_arg
    if arg.name != output:
        function.ret[output] = function.ret.pop(arg.name)
        arg.name = output
    return [function, *concrete.graph.as_graph_def().library.function]


def rewrite_saved_model(source: Path, destination: Path, substitute: dict[str, str]) -> dict[str, int]:
    """Copies the SavedModel at `source` to `destination` with every node of a key
    type of `substitute` switched to its value. Returns the count per replaced op."""
    saved_model = _load_saved_model_proto(source)
    counts: collections.Counter[str] = collections.Counter()
    tag = hashlib.sha1(saved_model.SerializeToString()).hexdigest()[:10]
    renames: dict[str, str] = {}
    accepted = _accepted_types()
    for meta_graph in saved_model.meta_graphs:
        graph_def = meta_graph.graph_def
        for name in _functions_to_rename(graph_def, set(substitute), accepted):
            renames[name] = f"{name}_opbridge_{tag}"
        for node in _nodes(graph_def):
            if node.op in substitute and _replaceable(node, accepted):
                counts[node.op] += 1
                node.op = substitute[node.op]
    write_saved_model(saved_model, renames, source, destination)
    return dict(counts)
