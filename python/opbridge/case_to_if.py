"""Turns TF's Case/StatelessCase (`tf.switch_case`) into a chain of If/StatelessIf.

TFLite has IF and WHILE builtins but no CASE, and TF 2.21's converter has no pass
that lowers one: a Case node stays a custom op ("StatelessCase"), or the stock
converter fails ("Failed to functionalize Control Flow V1 ops", from the
Switch/Merge lowering it tries first). An If converts to the IF builtin, so
before conversion every Case node over branches b0..b(n-1) becomes

    If(index == 0, then: b0, else: E1)        E_k = If(index == k, then: b_k, else: E_{k+1})
                                              E_(n-1) is b(n-1) itself

TF's Case runs the last branch for any index outside [0, n), negative ones too,
lowered to Switch/Merge or not (TF's functional_ops_test checks 7 and -1 with
three branches; tests/test_switch_case.py checks INT_MIN to INT_MAX): in the
chain an index that equals no k < n-1 reaches b(n-1), which is that rule.

An If hands both branches the same inputs, and the E_k need the index, so the
index travels as one more input after the Case's own: each branch is used as a
copy with an unused int32 argument appended (appended, so that arg_attr and
_read_only_resource_inputs, which count positions, stay right). A one-branch
Case becomes a call of its branch.

The edit is made on a SavedModel (like rewrite.py): functions whose body changes
are renamed with every reference, as the originals may already be loaded in this
process; the added functions carry a tag of the model's hash.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from . import rewrite

CASE_OPS = {"Case": "If", "StatelessCase": "StatelessIf"}
_CALL_OPS = {"Case": "StatefulPartitionedCall", "StatelessCase": "PartitionedCall"}
_DT_INT32, _DT_BOOL = 3, 10  # tensorflow/core/framework/types.proto


def saved_model_has_case(directory: Path) -> bool:
    return bool(set(rewrite.saved_model_op_counts(directory)) & set(CASE_OPS))


def _unique(name: str, taken: set[str]) -> str:
    candidate, i = name, 1
    while candidate in taken:
        candidate, i = f"{name}_{i}", i + 1
    taken.add(candidate)
    return candidate


def _add_scalar_input_shape(function: Any) -> None:
    """A function's `_input_shapes` (which SavedModel loading checks against its
    arguments, when present) gets the appended index argument's shape: a scalar."""
    if "_input_shapes" in function.attr:
        function.attr["_input_shapes"].list.shape.add()


class _Rewriter:
    def __init__(self, library: Any, tag: str) -> None:
        self.library = library
        self.tag = tag
        self.functions = {f.signature.name: f for f in library.function}
        self.taken = set(self.functions)
        self.indexed: dict[str, str] = {}  # branch function -> its copy taking the index
        self.new_functions: list[Any] = []

    def indexed_branch(self, name: str) -> str:
        """The name of `name`'s copy with the index argument (made in finish())."""
        if name not in self.indexed:
            self.indexed[name] = _unique(f"{name}_case_indexed_{self.tag}", self.taken)
        return self.indexed[name]

    def rewrite_nodes(self, nodes: Iterable[Any], in_function: bool) -> tuple[int, list[Any]]:
        """Rewrites the Case nodes among `nodes`; returns their count and the nodes to add."""
        nodes = list(nodes)
        names = {n.name for n in nodes}
        added: list[Any] = []
        count = 0
        for node in nodes:
            if node.op in CASE_OPS:
                added.extend(self._rewrite_case(node, names, in_function))
                count += 1
        return count, added

    def _rewrite_case(self, node: Any, names: set[str], in_function: bool) -> list[Any]:
        from tensorflow.core.framework import node_def_pb2

        branches = list(node.attr["branches"].list.func)
        index, *rest = node.input
        args = [i for i in rest if not i.startswith("^")]
        controls = [i for i in rest if i.startswith("^")]
        kind = node.op
        if len(branches) == 1:
            # Every index runs the only branch: a plain call of it.
            node.op = _CALL_OPS[kind]
            node.attr["f"].func.CopyFrom(branches[0])
            del node.attr["branches"]
            del node.attr["output_shapes"]
            node.attr.pop("_read_only_resource_inputs", None)  # counted the index as input 0
            del node.input[:]
            node.input.extend([*args, *controls])
            return []
        constant = node_def_pb2.NodeDef(name=_unique(f"{node.name}/opbridge_branch_0", names), op="Const")
        constant.attr["dtype"].type = _DT_INT32
        constant.attr["value"].tensor.dtype = _DT_INT32
        constant.attr["value"].tensor.int_val.append(0)
        equal = node_def_pb2.NodeDef(name=_unique(f"{node.name}/opbridge_is_branch_0", names), op="Equal")
        equal.input.extend([index, f"{constant.name}:output:0" if in_function else constant.name])
        equal.attr["T"].type = _DT_INT32
        equal.attr["incompatible_shape_error"].b = True
        tin = [*node.attr["Tin"].list.type, _DT_INT32]
        tout = list(node.attr["Tout"].list.type)
        # _read_only_resource_inputs counts the Case's index as input 0 and its
        # arguments from 1: the If's condition and arguments sit at the same places.
        kept = {
            key: type(node.attr[key])() for key in node.attr if key.startswith("_") or key == "output_shapes"
        }
        for key, value in kept.items():
            value.CopyFrom(node.attr[key])
        self._set_if(node, kind, branches, 0, tin, tout, kept)
        del node.input[:]
        node.input.extend([f"{equal.name}:z:0" if in_function else equal.name, *args, index, *controls])
        return [constant, equal]

    def _set_if(
        self, node: Any, kind: str, branches: list[Any], k: int, tin: list[int], tout: list[int], kept: dict
    ) -> None:
        """Makes `node` the If that runs branch k or, else, the branches after k."""
        node.ClearField("attr")
        node.op = CASE_OPS[kind]
        for key, value in kept.items():
            node.attr[key].CopyFrom(value)
        node.attr["Tcond"].type = _DT_BOOL
        node.attr["Tin"].list.type.extend(tin)
        node.attr["Tout"].list.type.extend(tout)
        then = node.attr["then_branch"].func
        then.CopyFrom(branches[k])
        then.name = self.indexed_branch(branches[k].name)
        otherwise = node.attr["else_branch"].func
        if k + 2 == len(branches):
            otherwise.CopyFrom(branches[k + 1])
            otherwise.name = self.indexed_branch(branches[k + 1].name)
        else:
            otherwise.name = self._chain_function(kind, branches, k + 1, tin, tout, kept)

    def _chain_function(
        self, kind: str, branches: list[Any], k: int, tin: list[int], tout: list[int], kept: dict
    ) -> str:
        """E_k(args..., index): If(index == k, then: b_k, else: E_(k+1))."""
        from tensorflow.core.framework import function_pb2, node_def_pb2

        name = _unique(f"{branches[0].name}_case_from_{k}_{self.tag}", self.taken)
        function = function_pb2.FunctionDef()
        function.signature.name = name
        function.signature.is_stateful = kind == "Case"
        inputs = [f"arg_{i}" for i in range(len(tin) - 1)] + ["branch_index"]
        for arg, dtype in zip(inputs, tin, strict=True):
            function.signature.input_arg.add(name=arg, type=dtype)
        for i, dtype in enumerate(tout):
            function.signature.output_arg.add(name=f"output_{i}", type=dtype)
        # The branches' argument attributes (shapes, resource flags) hold for E_k's arguments.
        first = self.functions.get(branches[0].name)
        if first is not None:
            for position, attrs in first.arg_attr.items():
                function.arg_attr[position].CopyFrom(attrs)
            if "_input_shapes" in first.attr:
                function.attr["_input_shapes"].CopyFrom(first.attr["_input_shapes"])
                _add_scalar_input_shape(function)
        constant = node_def_pb2.NodeDef(name="branch_number", op="Const")
        constant.attr["dtype"].type = _DT_INT32
        constant.attr["value"].tensor.dtype = _DT_INT32
        constant.attr["value"].tensor.int_val.append(k)
        equal = node_def_pb2.NodeDef(name="is_branch", op="Equal")
        equal.input.extend(["branch_index", "branch_number:output:0"])
        equal.attr["T"].type = _DT_INT32
        equal.attr["incompatible_shape_error"].b = True
        choice = node_def_pb2.NodeDef(name="choice")
        choice.input.extend(["is_branch:z:0", *inputs])
        self._set_if(choice, kind, branches, k, tin, tout, kept)
        function.node_def.extend([constant, equal, choice])
        for i in range(len(tout)):
            function.ret[f"output_{i}"] = f"choice:output:{i}"
        self.new_functions.append(function)
        return name

    def finish(self) -> None:
        """Adds the indexed branch copies (from the bodies as rewritten) and the E_k."""
        done: set[str] = set()
        while len(done) < len(self.indexed):
            for original, copy_name in list(self.indexed.items()):
                if original in done:
                    continue
                done.add(original)
                source = self.functions.get(original)
                if source is None:
                    raise ValueError(f"Case branch {original!r} is not in the function library")
                copy = type(source)()
                copy.CopyFrom(source)
                copy.signature.name = copy_name
                taken = {a.name for a in copy.signature.input_arg} | {n.name for n in copy.node_def}
                copy.signature.input_arg.add(name=_unique("opbridge_branch_index", taken), type=_DT_INT32)
                _add_scalar_input_shape(copy)
                self.new_functions.append(copy)
        self.library.function.extend(self.new_functions)


def rewrite_saved_model(source: Path, destination: Path) -> int:
    """Copies the SavedModel at `source` to `destination` with every Case and
    StatelessCase node as a chain of If/StatelessIf. Returns how many changed."""
    saved_model = rewrite._load_saved_model_proto(source)
    tag = hashlib.sha1(saved_model.SerializeToString()).hexdigest()[:10]
    total = 0
    renames: dict[str, str] = {}
    for meta_graph in saved_model.meta_graphs:
        graph_def = meta_graph.graph_def
        rewriter = _Rewriter(graph_def.library, tag)
        count, added = rewriter.rewrite_nodes(graph_def.node, in_function=False)
        graph_def.node.extend(added)
        total += count
        changed: set[str] = set()
        for function in list(graph_def.library.function):
            count, added = rewriter.rewrite_nodes(function.node_def, in_function=True)
            if count:
                function.node_def.extend(added)
                changed.add(function.signature.name)
                total += count
        rewriter.finish()
        for name in rewrite.with_callers(graph_def, changed):
            if name in rewriter.functions:  # the functions made here have fresh names
                renames[name] = f"{name}_opbridge_case_{tag}"
    rewrite.write_saved_model(saved_model, renames, source, destination)
    return total
