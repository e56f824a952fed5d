"""Gives a loop's TensorListReserve a run-time element shape where the batch is unknown.

Keras 3's recurrent layers (LSTM, GRU, SimpleRNN, ConvLSTM1D/2D/3D, Bidirectional, RNN
of any cell) loop with tf.while_loop and collect the steps' outputs in a TensorList
reserved with element_shape (batch, units), the batch unknown: -1. The converter lowers
tensor lists to plain tensors (lower_static_tensor_list.cc): a reserve becomes
Fill(concat(num_elements, element_shape), 0). It refuses a constant element shape
whose first dim is -1 ("requires element_shape to be static during TF Lite
transformation pass") unless told to take the batch as 1, after which any other batch
fails at run time. A non-constant element shape it takes as it is, at run time.

So, before conversion, such an element shape becomes the run-time shape of what the
loop writes into the list: the item of the first TensorListSetItem on it in the loop
body. The item's dims are followed back through the body (elementwise ops with
broadcasting, MatMul, BiasAdd, Split, Concat, Transpose, slices, Squeeze, Tile,
reductions, convolutions, list reads) to the shapes of the loop's initial values (the
states, the tensor or item a list was made from), and computed from those in front of
the reserve. A list written before any loop (tf.scan's initializer) takes that item's
shape. A dim that cannot be followed leaves the node as it is, and the converter's
error stands. `writes_in_place` tells conversion.py when the writes can be lowered to
DYNAMIC_UPDATE_SLICE.

Assumed, as the converter's own lowering assumes: a loop variable keeps the shape of its
initial value (tf.while_loop's default shape invariants keep known dims; the batch of an
RNN's state does not change from step to step).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import rewrite

_PREFIX = "opbridge_list_shape_"
_DT_VARIANT = 21  # tensorflow/core/framework/types.proto
_WHILE = {"While", "StatelessWhile"}
_PASS = {"Identity", "Snapshot", "StopGradient", "PreventGradient", "EnsureShape"}
# Ops whose output has their first input's shape.
_SAME_SHAPE = _PASS | {
    "Abs", "Acos", "Acosh", "Asin", "Asinh", "Atan", "Atanh", "BiasAdd", "Cast", "Ceil", "Cos",
    "Cosh", "Elu", "Erf", "Erfc", "Exp", "Expm1", "Floor", "Gelu", "Inv", "IsFinite", "IsInf",
    "IsNan", "LeakyRelu", "Log", "Log1p", "LogSoftmax", "LogicalNot", "Neg", "OnesLike",
    "Reciprocal", "Relu", "Relu6", "Rint", "Round", "Rsqrt", "Selu", "Sigmoid", "Sign", "Sin",
    "Sinh", "Softmax", "Softplus", "Softsign", "Sqrt", "Square", "Tan", "Tanh", "ZerosLike",
}  # fmt: skip
# Elementwise ops with numpy broadcasting over all their inputs.
_BROADCAST = {
    "Add", "AddV2", "Atan2", "BitwiseAnd", "BitwiseOr", "DivNoNan", "Equal", "FloorDiv",
    "FloorMod", "Greater", "GreaterEqual", "Less", "LessEqual", "LogicalAnd", "LogicalOr",
    "Maximum", "Minimum", "Mul", "MulNoNan", "NotEqual", "Pow", "RealDiv", "SelectV2",
    "SquaredDifference", "Sub", "TruncateDiv", "Xdivy", "Xlogy",
}  # fmt: skip
_CONVOLUTIONS = {"Conv2D", "Conv3D", "DepthwiseConv2dNative", "Conv"}
# Reductions over constant axes (keep_dims attr), and arg-reductions (the axis goes).
_REDUCTIONS = {"Sum", "Mean", "Max", "Min", "Prod", "All", "Any", "EuclideanNorm"}
_ARG_REDUCTIONS = {"ArgMax", "ArgMin"}

# A dim: ("c", n) a constant; ("arg", j, d) dim d of the loop's initial value j;
# ("elem", j, d) dim d of an element of the list that is the loop's value j;
# ("t", k, d) dim d of the k-th tensor the shape function takes; ("b", a, b) the
# broadcast of two dims.
Dim = tuple[Any, ...]


@dataclass
class _Fix:
    function: Any  # the FunctionDef holding the reserve (None: the graph itself)
    reserve: Any  # the TensorListReserve NodeDef
    inputs: list[tuple[str, int]]  # (tensor reference, DataType enum) the shape is computed from
    dims: list[Dim] | None  # the element shape, over ("t", k, d) and constants; None: input 0's shape
    out_type: int  # the reserve's shape_type


def _graphs(graph_def: Any) -> Iterable[tuple[Any, list[Any]]]:
    yield None, list(graph_def.node)
    for function in graph_def.library.function:
        if not function.signature.name.startswith(_PREFIX):
            yield function, list(function.node_def)


def _producer(reference: str, by_name: dict[str, Any]) -> Any:
    return by_name.get(reference.lstrip("^").split(":")[0])


def _through_identities(reference: str, by_name: dict[str, Any]) -> tuple[str, Any]:
    node = _producer(reference, by_name)
    while node is not None and node.op in _PASS and node.input:
        reference = node.input[0]
        node = _producer(reference, by_name)
    return reference, node


def _constant(node: Any) -> list[int] | None:
    """The int values of a Const node (a scalar as a one-element list), or None."""
    if node is None or node.op != "Const":
        return None
    from tensorflow.python.framework import tensor_util

    return [int(v) for v in tensor_util.MakeNdarray(node.attr["value"].tensor).reshape(-1)]


def _unknown_rank(reserve: Any, by_name: dict[str, Any]) -> bool:
    """Whether the reserve's element shape is the scalar -1 (any rank). The converter then
    takes the shape of the item written to it: Shape(item) where that is written in the
    same graph, the item's static shape where a loop writes it. Those it converts alone."""
    node = _producer(reserve.input[0], by_name)
    return node is not None and node.op == "Const" and not node.attr["value"].tensor.tensor_shape.dim


def _unknown_dims(reserve: Any, by_name: dict[str, Any]) -> bool:
    node = _producer(reserve.input[0], by_name)
    values = _constant(node)
    return values is not None and -1 in values


def _candidates(nodes: list[Any]) -> Iterable[tuple[Any, Any, int]]:
    """(reserve, user, j) for every reserve whose element shape has unknown dims and that
    is written before any loop runs (user a TensorListSetItem in the same graph, j -1:
    tf.scan writes its initializer so) or is a loop's variable (user the While, j its
    index)."""
    by_name = {node.name: node for node in nodes}
    found: dict[str, tuple[Any, Any, int]] = {}
    for node in nodes:
        if node.op == "TensorListSetItem":
            _, producer = _through_identities(node.input[0], by_name)
            if _is_open_reserve(producer, by_name):
                found.setdefault(producer.name, (producer, node, -1))
    for node in nodes:
        if node.op not in _WHILE:
            continue
        for j, reference in enumerate(node.input):
            if reference.startswith("^"):
                continue
            _, producer = _through_identities(reference, by_name)
            if _is_open_reserve(producer, by_name):
                found.setdefault(producer.name, (producer, node, j))
    return list(found.values())


def _is_open_reserve(node: Any, by_name: dict[str, Any]) -> bool:
    return node is not None and node.op == "TensorListReserve" and _unknown_dims(node, by_name)


# Element types LiteRT's DYNAMIC_UPDATE_SLICE takes (measured, ai-edge-litert 2.3.0 and TF
# 2.21's interpreter): float32, int32, int64, int8, int16, bool, float16. With uint8 or float64
# the converter leaves XlaDynamicUpdateSlice, which nothing runs.
_IN_PLACE_TYPES = {1, 3, 9, 6, 5, 10, 19}


def writes_in_place(graph_def: Any) -> bool:
    """Whether every TensorListSetItem of this GraphDef (functions included) writes a type
    DYNAMIC_UPDATE_SLICE takes, and there is one. The converter then lowers each write to
    one DYNAMIC_UPDATE_SLICE (its `_experimental_enable_dynamic_update_slice`) instead of
    two slices and a concatenation: a loop of T steps copies O(T) elements instead of
    O(T^2) (a GRU(64) over 1000 steps: 34 ms instead of 120 ms per invoke, same bits)."""
    types = {
        node.attr["element_dtype"].type
        for _, nodes in _graphs(graph_def)
        for node in nodes
        if node.op == "TensorListSetItem"
    }
    return bool(types) and types <= _IN_PLACE_TYPES


def needs_fix_count(graph_def: Any) -> int:
    """How many reserves of this GraphDef (its functions included) have unknown element dims."""
    return sum(len(list(_candidates(nodes))) for _, nodes in _graphs(graph_def))


def saved_model_needs_fix(directory: Path) -> bool:
    proto = rewrite._load_saved_model_proto(directory)
    return any(needs_fix_count(meta_graph.graph_def) for meta_graph in proto.meta_graphs)


class _BodyDims:
    """Follows a loop body's tensors' dims back to the loop's initial values."""

    def __init__(self, graph: Any, constants: dict[int, list[int]]) -> None:
        self.graph = graph
        self.inputs = {id(t): j for j, t in enumerate(graph.inputs)}
        self.constants = constants  # loop inputs whose initial value is a constant (loop-invariant)
        self.memo: dict[int, list[Dim] | None] = {}

    def of(self, tensor: Any) -> list[Dim] | None:
        key = id(tensor)
        if key not in self.memo:
            self.memo[key] = None  # a cycle (none in a body graph) gives up
            self.memo[key] = self._dims(tensor)
        return self.memo[key]

    def _dims(self, tensor: Any) -> list[Dim] | None:
        static = tensor.shape
        if static.rank is None:
            # tf.vectorized_map's loop (Keras' TimeDistributed over an unknown time axis) slices
            # x[i] with bounds computed per step: no static rank, but the masks tell the dims.
            sliced = self._strided_slice(tensor.op) if tensor.op.type == "StridedSlice" else None
            return sliced if sliced is not None and all(d is not None for d in sliced) else None
        known = static.as_list()
        if all(n is not None for n in known):
            return [("c", n) for n in known]
        derived = self._derive(tensor, len(known))
        if derived is None or len(derived) != len(known):
            return None
        dims: list[Dim] = []
        for n, dim in zip(known, derived, strict=True):
            if n is not None:
                dims.append(("c", n))
            elif dim is None or dim == ("c", -1):
                return None
            else:
                dims.append(dim)
        return dims

    def _derive(self, tensor: Any, rank: int) -> list[Dim | None] | None:
        op = tensor.op
        if id(tensor) in self.inputs:
            return [("arg", self.inputs[id(tensor)], d) for d in range(rank)]
        if op.type in _SAME_SHAPE:
            return self.of(op.inputs[0])
        if op.type == "IdentityN":
            return self.of(op.inputs[tensor.value_index])
        if op.type in _BROADCAST:
            return self._broadcast([self.of(t) for t in op.inputs], rank)
        if op.type == "Select":  # v1: the condition may be a vector over the first dim
            return self.of(op.inputs[1])
        if op.type == "MatMul":
            a, b = self.of(op.inputs[0]), self.of(op.inputs[1])
            if a is None or b is None or len(a) != 2 or len(b) != 2:
                return None
            return [a[1 if op.get_attr("transpose_a") else 0], b[0 if op.get_attr("transpose_b") else 1]]
        if op.type == "Split":
            return self.of(op.inputs[1])
        if op.type == "SplitV":
            return self.of(op.inputs[0])
        if op.type == "ConcatV2":
            axis = self._constant(op.inputs[-1])
            first = self.of(op.inputs[0])
            if axis is None or first is None:
                return None
            axis = axis[0] % rank
            return [None if d == axis else dim for d, dim in enumerate(first)]
        if op.type == "Transpose":
            perm = self._constant(op.inputs[1])
            source = self.of(op.inputs[0])
            if perm is None or source is None:
                return None
            return [source[p] for p in perm]
        if op.type == "ExpandDims":
            axis = self._constant(op.inputs[1])
            source = self.of(op.inputs[0])
            if axis is None or source is None:
                return None
            at = axis[0] % rank
            return [*source[:at], ("c", 1), *source[at:]]
        if op.type in _REDUCTIONS or op.type in _ARG_REDUCTIONS:
            source = self.of(op.inputs[0])
            axes = self._constant(op.inputs[1])
            if source is None or axes is None or not source:
                return None
            gone = {a % len(source) for a in axes}
            if op.type in _REDUCTIONS and op.get_attr("keep_dims"):
                return [("c", 1) if d in gone else dim for d, dim in enumerate(source)]
            return [dim for d, dim in enumerate(source) if d not in gone]
        if op.type == "StridedSlice":
            return self._strided_slice(op)
        if op.type == "Slice":  # a dim taken whole: begin 0, size -1
            begin, size = self._constant(op.inputs[1]), self._constant(op.inputs[2])
            source = self.of(op.inputs[0])
            if begin is None or size is None or source is None:
                return None
            return [dim if (b, s) == (0, -1) else None for dim, b, s in zip(source, begin, size, strict=True)]
        if op.type == "Squeeze":
            source = self.of(op.inputs[0])
            if source is None:
                return None
            axes = {a % len(source) for a in op.get_attr("squeeze_dims")}
            if not axes:  # every dim of size 1 (a static rank means every such dim is known)
                axes = {d for d, dim in enumerate(source) if dim == ("c", 1)}
            return [dim for d, dim in enumerate(source) if d not in axes]
        if op.type == "Tile":  # a dim repeated once keeps its size
            multiples = self._constant(op.inputs[1])
            source = self.of(op.inputs[0])
            if multiples is None or source is None:
                return None
            return [dim if m == 1 else None for dim, m in zip(source, multiples, strict=True)]
        if op.type in _CONVOLUTIONS:
            source = self.of(op.inputs[0])
            data_format = op.get_attr("data_format") if "data_format" in op.node_def.attr else b"NHWC"
            if source is None or not data_format.startswith(b"N"):
                return None
            return [source[0], *([None] * (rank - 1))]
        if op.type == "TensorListGetItem":
            j = self._list_argument(op.inputs[0])
            return None if j is None else [("elem", j, d) for d in range(rank)]
        return None

    def _strided_slice(self, op: Any) -> list[Dim | None] | None:
        """A dim sliced whole (begin 0 or masked, end masked, stride 1) keeps its size;
        a shrunk one goes. Ellipses and new axes are not followed."""
        strides = self._constant(op.inputs[3])
        source = self.of(op.inputs[0])
        if strides is None or source is None:
            return None
        # A begin computed in the loop (x[:, t]) matters only where it is not masked.
        begin = self._constant(op.inputs[1]) or [None] * len(strides)
        if op.get_attr("ellipsis_mask") or op.get_attr("new_axis_mask"):
            return None
        begin_mask, end_mask = op.get_attr("begin_mask"), op.get_attr("end_mask")
        shrink = op.get_attr("shrink_axis_mask")
        result: list[Dim | None] = []
        for d, dim in enumerate(source):
            if d >= len(strides):
                result.append(dim)
            elif not shrink & (1 << d):
                whole = (begin_mask & (1 << d) or begin[d] == 0) and end_mask & (1 << d) and strides[d] == 1
                result.append(dim if whole else None)
        return result

    def _list_argument(self, tensor: Any) -> int | None:
        while id(tensor) not in self.inputs and tensor.op.type in _PASS:
            tensor = tensor.op.inputs[0]
        return self.inputs.get(id(tensor))

    def _constant(self, tensor: Any) -> list[int] | None:
        from tensorflow.python.framework import tensor_util

        if id(tensor) in self.inputs:
            return self.constants.get(self.inputs[id(tensor)])
        value = tensor_util.constant_value(tensor)
        return None if value is None else [int(v) for v in value.reshape(-1)]

    @staticmethod
    def _broadcast(shapes: list[list[Dim] | None], rank: int) -> list[Dim | None] | None:
        if any(s is None for s in shapes):
            return None
        result: list[Dim | None] = []
        for back in range(rank, 0, -1):
            dims: list[Dim] = []
            for shape in shapes:
                assert shape is not None
                if len(shape) >= back and shape[-back] != ("c", 1) and shape[-back] not in dims:
                    dims.append(shape[-back])
            constants = [d for d in dims if d[0] == "c"]
            if constants:
                result.append(constants[0])
            elif not dims:
                result.append(("c", 1))
            else:
                combined = dims[0]
                for dim in dims[1:]:
                    combined = ("b", combined, dim)
                result.append(combined)
        return result


def _set_item(graph: Any, j: int) -> Any:
    """The item of the first TensorListSetItem on the body's argument j, or None."""
    tensors = [graph.inputs[j]]
    seen: set[int] = set()
    while tensors:
        tensor = tensors.pop(0)
        if id(tensor) in seen:
            continue
        seen.add(id(tensor))
        for consumer in tensor.consumers():
            if consumer.type == "TensorListSetItem" and consumer.inputs[0] is tensor:
                return consumer.inputs[2]
            if consumer.type in _PASS:
                tensors.append(consumer.outputs[0])
    return None


def _body_graph(graph_def: Any, while_node: Any) -> Any:
    from tensorflow.python.framework import function_def_to_graph, tensor_shape

    name = while_node.attr["body"].func.name
    body = next((f for f in graph_def.library.function if f.signature.name == name), None)
    if body is None:
        return None
    shapes = [tensor_shape.TensorShape(s) for s in while_node.attr["output_shapes"].list.shape]
    try:
        return function_def_to_graph.function_def_to_graph(body, input_shapes=shapes or None)
    except Exception:  # a body this reading cannot import keeps the converter's error
        return None


def _plan(graph_def: Any, function: Any, nodes: list[Any], reserve: Any, loop: Any, j: int) -> _Fix | None:
    by_name = {node.name: node for node in nodes}
    any_rank = _unknown_rank(reserve, by_name)
    if loop.op == "TensorListSetItem":  # written in this graph: the element shape is the item's
        # Any rank: the converter takes Shape(item) itself. A list of lists (ragged): not followed.
        if any_rank or loop.attr["element_dtype"].type == _DT_VARIANT:
            return None
        item = (loop.input[2], loop.attr["element_dtype"].type)
        return _Fix(function, reserve, [item], None, reserve.attr["shape_type"].type)
    graph = _body_graph(graph_def, loop)
    if graph is None or j >= len(graph.inputs):
        return None
    item = _set_item(graph, j)
    if item is None or (any_rank and item.shape.is_fully_defined()):  # the converter's own case
        return None
    constants: dict[int, list[int]] = {}
    for k, reference in enumerate(loop.input):
        value = _constant(_through_identities(reference, by_name)[1])
        if value is not None and k != j:
            constants[k] = value
    item_dims = _BodyDims(graph, constants).of(item)
    if item_dims is None:
        return None
    declared = [-1] * len(item_dims) if any_rank else _constant(_producer(reserve.input[0], by_name)) or []
    if len(declared) != len(item_dims):
        return None
    types = list(loop.attr["T"].list.type)
    inputs: list[tuple[str, int]] = []

    def outer(dim: Dim) -> Dim | None:
        if dim[0] == "c":
            return dim
        if dim[0] == "b":
            a, b = outer(dim[1]), outer(dim[2])
            return None if a is None or b is None else ("b", a, b)
        _, k, d = dim
        reference = loop.input[k]
        offset = 0
        dtype = types[k]
        if dim[0] == "elem":
            _, producer = _through_identities(reference, by_name)
            if producer is not None and producer.op == "TensorListFromTensor":  # that tensor's dim d + 1
                reference, offset, dtype = producer.input[0], 1, producer.attr["element_dtype"].type
            elif producer is not None and producer.op == "TensorListSetItem":
                # A list written before the loop (keras.ops.scan's carry): the item's dim d.
                reference, dtype = producer.input[2], producer.attr["element_dtype"].type
            else:
                return None
        if (reference, dtype) not in inputs:
            inputs.append((reference, dtype))
        return ("t", inputs.index((reference, dtype)), d + offset)

    dims: list[Dim] = []
    for n, dim in zip(declared, item_dims, strict=True):
        resolved = ("c", n) if n != -1 else outer(dim)
        if resolved is None:
            return None
        dims.append(resolved)
    return _Fix(function, reserve, inputs, dims, reserve.attr["shape_type"].type)


def _shape_function(tf: Any, fix: _Fix, name: str) -> list[Any]:
    """The FunctionDef `name` computing the fix's element shape (output "element_shape")
    from its inputs, and the functions it calls."""

    def evaluate(dim: Dim, shapes: list[Any]) -> Any:
        if dim[0] == "c":
            return tf.constant(dim[1], tf.int32)
        if dim[0] == "t":
            return shapes[dim[1]][dim[2]]
        a, b = evaluate(dim[1], shapes), evaluate(dim[2], shapes)
        return tf.where(tf.equal(a, 1), b, a)  # broadcasting: a 1 takes the other's size

    signature = [tf.TensorSpec(None, tf.as_dtype(dtype)) for _, dtype in fix.inputs]

    @tf.function(input_signature=signature, autograph=False)  # no Python control flow on tensors
    def element_shape(*tensors: Any) -> Any:
        shapes = [tf.shape(t, out_type=tf.int32) for t in tensors]
        if fix.dims is None:
            return tf.cast(shapes[0], tf.as_dtype(fix.out_type))
        if not fix.dims:  # a list of scalars
            return tf.zeros([0], tf.as_dtype(fix.out_type))
        return tf.cast(tf.stack([evaluate(d, shapes) for d in fix.dims]), tf.as_dtype(fix.out_type))

    return rewrite.traced_function_def(element_shape.get_concrete_function(), name, "element_shape")


def fix_saved_model(source: Path, destination: Path) -> int:
    """Copies the SavedModel at `source` to `destination` with every loop's reserve whose
    element shape can be followed taking it at run time. Returns how many changed."""
    import tensorflow as tf

    saved_model = rewrite._load_saved_model_proto(source)
    tag = hashlib.sha1(saved_model.SerializeToString()).hexdigest()[:10]
    renames: dict[str, str] = {}
    changed = 0
    for meta_graph in saved_model.meta_graphs:
        graph_def = meta_graph.graph_def
        taken = {f.signature.name for f in graph_def.library.function}
        fixes = [
            fix
            for function, nodes in _graphs(graph_def)
            for reserve, loop, j in _candidates(nodes)
            if (fix := _plan(graph_def, function, nodes, reserve, loop, j)) is not None
        ]
        changed_functions: set[str] = set()
        for number, fix in enumerate(fixes):
            name = f"{_PREFIX}{number}_{tag}"
            for new in _shape_function(tf, fix, name):
                if new.signature.name not in taken:
                    taken.add(new.signature.name)
                    graph_def.library.function.add().CopyFrom(new)
            holder = fix.function.node_def if fix.function is not None else graph_def.node
            call = holder.add()
            call.name = f"{fix.reserve.name}/opbridge_element_shape"
            call.op = name
            call.input.extend(reference for reference, _ in fix.inputs)
            fix.reserve.input[0] = f"{call.name}:element_shape:0" if fix.function is not None else call.name
            changed += 1
            if fix.function is not None:
                changed_functions.add(fix.function.signature.name)
        for function_name in rewrite.with_callers(graph_def, changed_functions):
            if not function_name.startswith(_PREFIX):
                renames[function_name] = f"{function_name}_opbridge_list_shape"
    rewrite.write_saved_model(saved_model, renames, source, destination)
    return changed
