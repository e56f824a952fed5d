"""Gives TF's numbers where the stock converter or a LiteRT builtin gives others.

Each guard below met a model that converts with builtins only and runs, but computes
something else than TF (measured with TF 2.21 and ai-edge-litert, XNNPACK on and off):

- `Rsqrt` of +-0 (and of denormals, which TF's kernels flush to zero): TF +-inf,
  LiteRT NaN. Becomes `where(|x| < FLT_MIN, 1 / x, rsqrt(x))`: 1 / +-0 is +-inf and
  1 / a denormal overflows to the same inf with its sign. An Rsqrt of
  `maximum(v, c)` or `v + c` with a constant c > 0 (normalizations' epsilon) is left
  alone: its input is not zero, and the L2_NORMALIZATION fusion keeps working.
- `Cast` of a float to (u)int8/(u)int16: TF converts to int32 and keeps the low bits
  (-93.25 -> uint8 163, 300.7 -> int8 44), LiteRT saturates (0, 127). Becomes
  Cast(Cast(x, int32), T). To uint32: through int64 (-1.5 -> 4294967295).
- `QuantizeAndDequantizeV2/V3/V4` (one scale, float32): the converter turns them into
  QUANTIZE/DEQUANTIZE with a scale of (max - min) / 255, where TF keeps zero exact
  and one side of the range (scale max / 127 for [-1, 1]), and with range_given=False
  (tf.quantization.quantize_and_dequantize_v2's default) it uses the given range
  where TF uses the input's min and max. Becomes TF's formula in builtins (MINIMUM,
  MAXIMUM, MUL, ROUND, SELECT; the range computed in the graph as TF's kernel does).
- `LookupTableSizeV2`: the HASHTABLE_SIZE builtin's output has shape (1,), TF's is a
  scalar. The sum of its elements (reshaped to (-1,)) follows it.
- float `FloorDiv`: LiteRT's FLOOR_DIV fails the whole invoke on a zero divisor
  ("Division by 0"); TF gives floor(x / y) (+-inf, NaN). Becomes Floor(x / y), TF's
  own formula.
- float `DivNoNan` (`tf.math.divide_no_nan`, which tf_keras' GroupNormalization
  uses through tf.nn.weighted_moments) of rank 5 with an unknown dim: the converter
  lowers it through BROADCAST_TO ops onto a shape it folded wrong, and the model fails
  to prepare at any batch ("Output shape must be broadcastable"). Becomes
  where(y == 0, 0, x / y), TF's definition, which converts to EQUAL, DIV, SELECT_V2.

How: before conversion (on the SavedModel that opbridge.convert exports), each such
node's op becomes a call of a library function traced from the replacement (a node
may name a function as its op; the converter inlines the call). The function's
output is named like the op's output, so every consumer's reference stays valid.
Functions whose body changes are renamed with their callers, as in rewrite.py.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import rewrite

# tensorflow/core/framework/types.proto
_DT_FLOAT, _DT_INT32, _DT_UINT8, _DT_INT16, _DT_INT8 = 1, 3, 4, 5, 6
_DT_INT64, _DT_UINT16, _DT_UINT32 = 9, 17, 22
_VIA_INT32 = {_DT_UINT8, _DT_INT8, _DT_UINT16, _DT_INT16}
_QDQ_OPS = {"QuantizeAndDequantizeV2": 3, "QuantizeAndDequantizeV3": 4, "QuantizeAndDequantizeV4": 3}
_PREFIX = "opbridge_semantics_"


@dataclass(frozen=True)
class _Plan:
    key: tuple[Any, ...]  # what the replacement depends on (op, dtypes, attrs)
    output: str  # the op's output arg name, which the function's output takes
    build: Callable[[Any], Any]  # tf -> a tf.function with an input_signature


def _node_name(reference: str) -> str:
    return reference.lstrip("^").split(":")[0]


def _positive_constant(node: Any) -> bool:
    if node is None or node.op != "Const":
        return False
    from tensorflow.python.framework import tensor_util

    value = tensor_util.MakeNdarray(node.attr["value"].tensor)
    return value.dtype.kind == "f" and value.size > 0 and bool((value > 0).all())


def _rsqrt_plan(node: Any, by_name: dict[str, Any]) -> _Plan | None:
    dtype = node.attr["T"].type
    if dtype != _DT_FLOAT:  # other widths run as custom ops, not the builtin
        return None
    source = by_name.get(_node_name(node.input[0]))
    if source is not None and source.op in ("Maximum", "AddV2", "Add"):
        if any(_positive_constant(by_name.get(_node_name(i))) for i in source.input[:2]):
            return None

    def build(tf: Any) -> Any:
        d = tf.as_dtype(dtype)
        tiny = _smallest_normal(d)

        def rsqrt(x: Any) -> Any:
            return tf.where(tf.abs(x) < tf.constant(tiny, d), tf.math.reciprocal(x), tf.math.rsqrt(x))

        return tf.function(rsqrt, input_signature=[tf.TensorSpec(None, d)], autograph=False)

    return _Plan(("Rsqrt", dtype), "y", build)


def _smallest_normal(dtype: Any) -> float:
    import numpy as np

    return float(np.finfo(dtype.as_numpy_dtype).tiny)


def _cast_plan(node: Any, by_name: dict[str, Any]) -> _Plan | None:
    source, target = node.attr["SrcT"].type, node.attr["DstT"].type
    # Float32 only: TF saturates float64 sources as LiteRT does, and its half -> uint8
    # saturates or wraps by an element's place in its vector packets.
    if source != _DT_FLOAT or target not in (_VIA_INT32 | {_DT_UINT32}):
        return None
    via = _DT_INT64 if target == _DT_UINT32 else _DT_INT32

    def build(tf: Any) -> Any:
        def cast(x: Any) -> Any:
            return tf.cast(tf.cast(x, tf.as_dtype(via)), tf.as_dtype(target))

        return tf.function(cast, input_signature=[tf.TensorSpec(None, tf.as_dtype(source))], autograph=False)

    return _Plan(("Cast", source, target), "y", build)


def _attr(node: Any, name: str, kind: str) -> Any:
    """An attr's value, or its op's default where the node lacks it (a SavedModel
    drops attrs at their defaults, which differ by op: range_given is false for
    QuantizeAndDequantizeV2/V4, true for V3)."""
    if name in node.attr:
        return getattr(node.attr[name], kind)
    from tensorflow.python.framework import op_def_registry

    op_def = op_def_registry.get(node.op)
    for attr in op_def.attr if op_def is not None else []:
        if attr.name == name and attr.HasField("default_value"):
            return getattr(attr.default_value, kind)
    return None


def _scalar_constant(node: Any) -> float | None:
    if node is None or node.op != "Const":
        return None
    from tensorflow.python.framework import tensor_util

    value = tensor_util.MakeNdarray(node.attr["value"].tensor)
    return float(value) if value.size == 1 and value.dtype.kind == "f" else None


def _qdq_plan(node: Any, by_name: dict[str, Any]) -> _Plan | None:
    # Per-channel ranges (axis >= 0) are left to the converter.
    if _attr(node, "T", "type") != _DT_FLOAT or _attr(node, "axis", "i") != -1:
        return None
    signed = bool(_attr(node, "signed_input", "b"))
    narrow = bool(_attr(node, "narrow_range", "b"))
    range_given = bool(_attr(node, "range_given", "b"))
    half_up = _attr(node, "round_mode", "s") == b"HALF_UP"
    # V3 takes num_bits as an input: guarded when it is a constant.
    if node.op == "QuantizeAndDequantizeV3":
        bits_node = by_name.get(_node_name(node.input[3]))
        if bits_node is None or bits_node.op != "Const":
            return None
        from tensorflow.python.framework import tensor_util

        num_bits = int(tensor_util.MakeNdarray(bits_node.attr["value"].tensor))
    else:
        num_bits = _attr(node, "num_bits", "i")
    arity = _QDQ_OPS[node.op]
    low_high = [_scalar_constant(by_name.get(_node_name(i))) for i in node.input[1:3]]
    # A constant range: TF's range and scale computed here in float32 as its kernel
    # does (the converter would turn `max / 127` into `max * (1 / 127)`).
    constants = _qdq_constants(*low_high, signed, num_bits, narrow) if None not in low_high else None

    def build(tf: Any) -> Any:
        def qdq(x: Any, input_min: Any, input_max: Any, *unused: Any) -> Any:
            if range_given and constants is not None:
                return _qdq_apply(tf, x, *constants, half_up)
            return _qdq_formula(tf, x, input_min, input_max, signed, num_bits, range_given, narrow, half_up)

        specs = [tf.TensorSpec(None, tf.float32)] * 3 + [tf.TensorSpec(None, tf.int32)] * (arity - 3)
        return tf.function(qdq, input_signature=specs, autograph=False)

    key = (node.op, signed, narrow, range_given, half_up, num_bits, constants)
    return _Plan(key, "output", build)


def _quantized_bounds(signed: bool, num_bits: int, narrow: bool) -> tuple[int, int]:
    if signed:
        return -(1 << (num_bits - 1)) + (1 if narrow else 0), (1 << (num_bits - 1)) - 1
    return 0, (1 << num_bits) - 1


def _qdq_constants(
    min_range: float, max_range: float, signed: bool, num_bits: int, narrow: bool
) -> tuple[float, float, float, float]:
    """(low, high, scale, inverse scale): TF's ComputeQuantizationRange in float32."""
    import numpy as np

    f32 = np.float32
    min_q, max_q = (f32(q) for q in _quantized_bounds(signed, num_bits, narrow))
    low, high = f32(min_range), f32(max_range)
    big = f32(np.finfo(np.float32).max)
    with np.errstate(all="ignore"):
        from_min = min_q / low if min_q * low > 0 else big
        from_max = max_q / high if max_q * high > 0 else big
        if from_min < from_max:
            scale, inverse = from_min, low / min_q
            high = max_q * inverse
        else:
            scale, inverse = from_max, high / max_q
            low = min_q * inverse
    return float(low), float(high), float(scale), float(inverse)


def _qdq_apply(tf: Any, x: Any, low: float, high: float, scale: float, inverse: float, half_up: bool) -> Any:
    # MINIMUM/MAXIMUM drop a NaN where TF's clamp keeps it.
    clamped = tf.where(tf.not_equal(x, x), x, tf.maximum(tf.minimum(x, high), low))
    scaled = clamped * scale
    rounded = tf.floor(scaled + 0.5) if half_up else tf.round(scaled)
    return rounded * inverse


def _qdq_formula(
    tf: Any,
    x: Any,
    input_min: Any,
    input_max: Any,
    signed: bool,
    num_bits: int,
    range_given: bool,
    narrow: bool,
    half_up: bool,
) -> Any:
    """TF's QuantizeAndDequantizeOneScaleImpl (quantize_and_dequantize_op.h), in float32
    graph ops: the range, the side of it that sets the scale, clamp, scale, round."""
    min_q, max_q = _quantized_bounds(signed, num_bits, narrow)
    if range_given:
        min_r, max_r = tf.reshape(input_min, []), tf.reshape(input_max, [])
    else:
        min_r, max_r = tf.reduce_min(x), tf.reduce_max(x)
    # The bounds as divisors the converter cannot see as constants: it would divide
    # by multiplying with the reciprocal, one rounding more than TF's division.
    qmin = tf.minimum(tf.constant(float(min_q)), 0.0 * min_r)
    qmax = tf.maximum(tf.constant(float(max_q)), 0.0 * max_r)
    big = tf.constant(3.4028234663852886e38)
    from_min = tf.where(qmin * min_r > 0, qmin / min_r, big)
    from_max = tf.where(qmax * max_r > 0, qmax / max_r, big)
    use_min = from_min < from_max
    scale = tf.where(use_min, from_min, from_max)
    inverse = tf.where(use_min, min_r / qmin, max_r / qmax)
    if range_given:
        low = tf.where(use_min, min_r, qmin * inverse)
        high = tf.where(use_min, qmax * inverse, max_r)
        clamped = tf.where(tf.not_equal(x, x), x, tf.maximum(tf.minimum(x, high), low))
    else:
        clamped = x
    scaled = clamped * scale
    rounded = tf.floor(scaled + 0.5) if half_up else tf.round(scaled)
    return rounded * inverse


def _size_plan(node: Any, by_name: dict[str, Any]) -> _Plan | None:
    def build(tf: Any) -> Any:
        def size(handle: Any) -> Any:
            # The converter takes the size for a scalar already and drops a reshape to
            # (); the sum of its elements is the one scalar whatever its shape.
            return tf.reduce_sum(tf.reshape(tf.raw_ops.LookupTableSizeV2(table_handle=handle), [-1]), axis=0)

        return tf.function(size, input_signature=[tf.TensorSpec([], tf.resource)], autograph=False)

    return _Plan(("LookupTableSizeV2",), "size", build)


def _float_binary_plan(
    op_type: str, formula: Callable[[Any, Any, Any], Any]
) -> Callable[[Any, dict[str, Any]], _Plan | None]:
    """A planner replacing a float32 binary op (output "z") by formula(tf, x, y)."""

    def plan(node: Any, by_name: dict[str, Any]) -> _Plan | None:
        dtype = node.attr["T"].type
        if dtype != _DT_FLOAT:
            return None

        def build(tf: Any) -> Any:
            spec = tf.TensorSpec(None, tf.float32)
            return tf.function(lambda x, y: formula(tf, x, y), input_signature=[spec, spec], autograph=False)

        return _Plan((op_type, dtype), "z", build)

    return plan


_PLANNERS: dict[str, Callable[[Any, dict[str, Any]], _Plan | None]] = {
    "Rsqrt": _rsqrt_plan,
    "Cast": _cast_plan,
    "LookupTableSizeV2": _size_plan,
    "FloorDiv": _float_binary_plan("FloorDiv", lambda tf, x, y: tf.floor(tf.math.truediv(x, y))),
    "DivNoNan": _float_binary_plan(
        "DivNoNan", lambda tf, x, y: tf.where(tf.equal(y, 0.0), 0.0, tf.math.truediv(x, y))
    ),
    **dict.fromkeys(_QDQ_OPS, _qdq_plan),
}


def _graphs(graph_def: Any) -> Iterable[tuple[Any, list[Any]]]:
    yield None, list(graph_def.node)
    for function in graph_def.library.function:
        if not function.signature.name.startswith(_PREFIX):
            yield function, list(function.node_def)


def _plans(nodes: list[Any]) -> list[tuple[Any, _Plan]]:
    by_name = {node.name: node for node in nodes}
    found = []
    for node in nodes:
        planner = _PLANNERS.get(node.op)
        plan = planner(node, by_name) if planner is not None else None
        if plan is not None:
            found.append((node, plan))
    return found


def guarded_count(graph_def: Any) -> int:
    """How many nodes of this GraphDef (its functions included) a guard replaces."""
    return sum(len(_plans(nodes)) for _, nodes in _graphs(graph_def))


def saved_model_needs_guard(directory: Path) -> bool:
    proto = rewrite._load_saved_model_proto(directory)
    return any(guarded_count(meta_graph.graph_def) for meta_graph in proto.meta_graphs)


def _function_def(tf: Any, plan: _Plan, name: str) -> list[Any]:
    """The replacement's FunctionDef named `name`, its output named plan.output, and the
    functions it calls."""
    return rewrite.traced_function_def(plan.build(tf).get_concrete_function(), name, plan.output)


def guard_saved_model(source: Path, destination: Path) -> dict[str, int]:
    """Copies the SavedModel at `source` to `destination` with the guarded nodes calling
    their replacements. Returns how many nodes of each op changed."""
    import tensorflow as tf

    saved_model = rewrite._load_saved_model_proto(source)
    tag = hashlib.sha1(saved_model.SerializeToString()).hexdigest()[:10]
    counts: dict[str, int] = {}
    renames: dict[str, str] = {}
    for meta_graph in saved_model.meta_graphs:
        graph_def = meta_graph.graph_def
        taken = {f.signature.name for f in graph_def.library.function}
        added: dict[tuple[Any, ...], str] = {}
        changed_functions: set[str] = set()
        for function, nodes in _graphs(graph_def):
            for node, plan in _plans(nodes):
                if plan.key not in added:
                    digest = hashlib.sha1(repr(plan.key).encode()).hexdigest()[:10]
                    name = f"{_PREFIX}{plan.key[0]}_{digest}_{tag}"
                    added[plan.key] = name
                    for new in _function_def(tf, plan, name):
                        if new.signature.name not in taken:
                            taken.add(new.signature.name)
                            graph_def.library.function.add().CopyFrom(new)
                counts[node.op] = counts.get(node.op, 0) + 1
                node.op = added[plan.key]
                # A function called as an op takes no attrs but its own (none here);
                # internal ("_"-prefixed) ones such as _output_shapes may stay.
                for attr in [a for a in node.attr if not a.startswith("_")]:
                    del node.attr[attr]
                if function is not None:
                    changed_functions.add(function.signature.name)
        for name in rewrite.with_callers(graph_def, changed_functions):
            if not name.startswith(_PREFIX):
                renames[name] = f"{name}_opbridge_semantics"
    rewrite.write_saved_model(saved_model, renames, source, destination)
    return counts
