"""Reading and writing .tflite flatbuffers without TensorFlow.

Uses the TFLite schema that ships with ai-edge-litert (`schema_py_generated`)
and the `flatbuffers` package it depends on.
"""

from __future__ import annotations

import collections
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

import flatbuffers
import numpy as np
from ai_edge_litert import schema_py_generated as schema

_CUSTOM = schema.BuiltinOperator.CUSTOM
_TYPE_NAMES = {v: k.lower() for k, v in vars(schema.TensorType).items() if not k.startswith("_")}
_BUILTIN_NAMES = {v: k for k, v in vars(schema.BuiltinOperator).items() if not k.startswith("_")}
_NUMPY_TO_SCHEMA = {
    np.dtype(np.float32): schema.TensorType.FLOAT32,
    np.dtype(np.float64): schema.TensorType.FLOAT64,
    np.dtype(np.int32): schema.TensorType.INT32,
    np.dtype(np.int64): schema.TensorType.INT64,
    np.dtype(np.uint8): schema.TensorType.UINT8,
    np.dtype(np.int8): schema.TensorType.INT8,
    np.dtype(np.int16): schema.TensorType.INT16,
    np.dtype(np.uint16): schema.TensorType.UINT16,
    np.dtype(np.uint32): schema.TensorType.UINT32,
    np.dtype(np.uint64): schema.TensorType.UINT64,
    np.dtype(np.float16): schema.TensorType.FLOAT16,
    np.dtype(np.complex64): schema.TensorType.COMPLEX64,
    np.dtype(np.complex128): schema.TensorType.COMPLEX128,
    np.dtype(np.bool_): schema.TensorType.BOOL,
    np.dtype(np.object_): schema.TensorType.STRING,  # TFLite's string tensors, as numpy holds bytes
}
try:  # numpy's bfloat16 comes from ml_dtypes (TF and LiteRT install it)
    import ml_dtypes

    _NUMPY_TO_SCHEMA[np.dtype(ml_dtypes.bfloat16)] = schema.TensorType.BFLOAT16
except ImportError:  # pragma: no cover - then no bfloat16 arrays exist to map
    pass


@dataclass(frozen=True)
class CustomOpUse:
    """One custom op node: its name, where it is, and its raw options."""

    name: str
    subgraph: int
    index: int
    options: bytes
    inputs: tuple[int, ...] = ()
    outputs: tuple[int, ...] = ()


def _opcode_code(code: schema.OperatorCode) -> int:
    # Since schema 3a, builtin_code holds the code and deprecated_builtin_code
    # saturates at 127; older files only have the deprecated field.
    return max(code.BuiltinCode(), code.DeprecatedBuiltinCode())


@dataclass(frozen=True)
class Node:
    """One operator of a subgraph, with its op name (builtin upper-case, or the custom code)."""

    name: str
    custom: bool
    subgraph: int
    index: int
    op: schema.Operator


def _walk(m: schema.Model) -> Iterator[Node]:
    for s in range(m.SubgraphsLength()):
        subgraph = m.Subgraphs(s)
        for i in range(subgraph.OperatorsLength()):
            op = subgraph.Operators(i)
            code = m.OperatorCodes(op.OpcodeIndex())
            value = _opcode_code(code)
            if value == _CUSTOM:
                yield Node((code.CustomCode() or b"").decode("utf-8", "replace"), True, s, i, op)
            else:
                yield Node(_BUILTIN_NAMES.get(value, str(value)), False, s, i, op)


def _custom_use(node: Node) -> CustomOpUse:
    op = node.op
    options = op.CustomOptionsAsNumpy().tobytes() if op.CustomOptionsLength() else b""
    inputs = tuple(int(t) for t in op.InputsAsNumpy()) if op.InputsLength() else ()
    outputs = tuple(int(t) for t in op.OutputsAsNumpy()) if op.OutputsLength() else ()
    return CustomOpUse(node.name, node.subgraph, node.index, options, inputs, outputs)


def type_name(tensor: schema.Tensor) -> str:
    """A tensor's element type as the schema names it, lower-case ("float32", "int8")."""
    return _TYPE_NAMES.get(tensor.Type(), "?")


class ModelView:
    """A .tflite parsed once, read-only: the schema root and what callers ask of it.

    Flatbuffer accessors walk the buffer again on every call, so each pipeline step
    (inspect, the convert report, the interpreter's delegate check) builds one view
    and asks it everything; node lists are walked once, on first use. Counts come
    back as fresh dicts, so a caller that edits one cannot change the view.
    """

    def __init__(self, data: bytes) -> None:
        self.data = bytes(data)
        if len(self.data) < 8 or self.data[4:8] != b"TFL3":
            raise ValueError("not a TFLite model (no TFL3 identifier)")
        self.model = schema.Model.GetRootAsModel(self.data, 0)

    @cached_property
    def nodes(self) -> tuple[Node, ...]:
        """Every operator of every subgraph, in order."""
        return tuple(_walk(self.model))

    @cached_property
    def custom_ops(self) -> tuple[CustomOpUse, ...]:
        """Every CUSTOM node of every subgraph."""
        return tuple(_custom_use(node) for node in self.nodes if node.custom)

    def tensor(self, subgraph: int, index: int) -> schema.Tensor:
        return self.model.Subgraphs(subgraph).Tensors(index)

    def custom_op_counts(self) -> dict[str, int]:
        return dict(collections.Counter(use.name for use in self.custom_ops))

    def op_histogram(self) -> dict[str, int]:
        """Every node by op name (builtin names upper-case, custom ops by their custom code)."""
        return dict(collections.Counter(node.name for node in self.nodes))

    def tensor_type_counts(self) -> dict[str, int]:
        """How many tensors of each element type the model's subgraphs hold."""
        counts: collections.Counter[str] = collections.Counter()
        for s in range(self.model.SubgraphsLength()):
            subgraph = self.model.Subgraphs(s)
            counts.update(type_name(subgraph.Tensors(t)) for t in range(subgraph.TensorsLength()))
        return dict(counts)


def parse(data: bytes) -> ModelView:
    """The model's view; ValueError if `data` is not a .tflite flatbuffer."""
    return ModelView(data)


# One-shot forms for a caller that asks one question of a model (tests, scripts);
# a caller asking more builds one view.
def custom_ops(model: bytes) -> list[CustomOpUse]:
    """Every CUSTOM node of every subgraph."""
    return list(ModelView(model).custom_ops)


def custom_op_counts(model: bytes) -> dict[str, int]:
    return ModelView(model).custom_op_counts()


def tensor_type_counts(model: bytes) -> dict[str, int]:
    """How many tensors of each element type the model's subgraphs hold."""
    return ModelView(model).tensor_type_counts()


def op_histogram(model: bytes) -> dict[str, int]:
    """Every node by op name (builtin names upper-case, custom ops by their custom code)."""
    return ModelView(model).op_histogram()


def single_custom_op_model(
    op_name: str,
    inputs: Sequence[tuple[str, Sequence[int], np.dtype]],
    outputs: Sequence[tuple[str, Sequence[int], np.dtype]],
    options: bytes = b"",
    padding_tensors: int = 0,
    version: int = 1,
    constants: Mapping[str, np.ndarray | bytes] | None = None,
) -> bytes:
    """A model with one CUSTOM node; tests and the ABI check build models with it.

    `padding_tensors` unused tensors come first, so the node's tensors do not
    sit at index 0 (the ABI check then exercises the tensor array's stride).
    `version` is the opcode's version (a resolver finds a custom op only under
    the version it was registered with). Inputs named in `constants` hold that
    data (a constant tensor, as converters write weights) instead of being
    model inputs; `bytes` are the buffer as stored (a string tensor's raw
    count/offsets/bytes layout, hostile ones included).
    """
    constants = dict(constants or {})
    unknown = set(constants) - {spec[0] for spec in inputs}
    if unknown:
        raise ValueError(f"constants {sorted(unknown)} name no input")
    model = schema.ModelT()
    model.version = 3
    model.buffers = [schema.BufferT()]  # buffer 0: the empty sentinel
    code = schema.OperatorCodeT()
    code.builtinCode = _CUSTOM
    code.deprecatedBuiltinCode = _CUSTOM
    code.customCode = op_name
    code.version = version
    model.operatorCodes = [code]

    tensors = []

    def add_tensor(name: str, shape: Sequence[int], dtype: np.dtype) -> int:
        t = schema.TensorT()
        t.name = name
        t.shape = list(shape)
        t.type = _NUMPY_TO_SCHEMA[np.dtype(dtype)]
        t.buffer = 0
        if name in constants:
            value = constants[name]
            if isinstance(value, bytes):
                raw = value
            else:
                data = np.ascontiguousarray(value, dtype=dtype)
                if data.shape != tuple(shape):
                    raise ValueError(f"constant {name}: data shape {data.shape}, tensor shape {tuple(shape)}")
                raw = data.tobytes()
            buffer = schema.BufferT()
            buffer.data = list(raw)
            model.buffers.append(buffer)
            t.buffer = len(model.buffers) - 1
        tensors.append(t)
        return len(tensors) - 1

    for k in range(padding_tensors):
        add_tensor(f"unused_{k}", [1], np.float32)
    input_ids = [add_tensor(*spec) for spec in inputs]
    output_ids = [add_tensor(*spec) for spec in outputs]

    op = schema.OperatorT()
    op.opcodeIndex = 0
    op.inputs = input_ids
    op.outputs = output_ids
    op.customOptions = list(options)
    op.customOptionsFormat = schema.CustomOptionsFormat.FLEXBUFFERS

    subgraph = schema.SubGraphT()
    subgraph.tensors = tensors
    subgraph.inputs = [i for i, spec in zip(input_ids, inputs, strict=True) if spec[0] not in constants]
    subgraph.outputs = output_ids
    subgraph.operators = [op]
    subgraph.name = "main"
    model.subgraphs = [subgraph]

    builder = flatbuffers.Builder(1024)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


def replace_custom_options(model: bytes, op_name: str, options: bytes) -> bytes:
    """The model with every `op_name` node's custom options replaced (for hostile-input tests)."""
    m = schema.ModelT.InitFromPackedBuf(bytearray(model), 0)
    found = False
    for subgraph in m.subgraphs or []:
        for op in subgraph.operators or []:
            code = m.operatorCodes[op.opcodeIndex]
            name = code.customCode.decode() if isinstance(code.customCode, bytes) else code.customCode
            if max(code.builtinCode, code.deprecatedBuiltinCode) == _CUSTOM and name == op_name:
                op.customOptions = list(options)
                found = True
    if not found:
        raise ValueError(f"the model has no custom op {op_name}")
    builder = flatbuffers.Builder(len(model) + len(options) + 1024)
    builder.Finish(m.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


@dataclass(frozen=True)
class TensorSlot:
    """Where a model input or output should sit: its signature key and its tensor name."""

    key: str
    name: str


def _text(value: bytes | str | None) -> str:
    return value.decode() if isinstance(value, bytes) else (value or "")


def relayout(
    model: bytes, signature_key: str, inputs: Sequence[TensorSlot], outputs: Sequence[TensorSlot]
) -> bytes:
    """The model with its subgraph's input and output lists in the given order and
    those tensors renamed, each found through the signature `signature_key`.

    Tensors themselves do not move, so the signature and every node stay valid;
    only the lists that `get_input_details()`/`get_output_details()` follow and
    the names they report change. Raises ValueError if the slots do not name
    exactly the signature's inputs and outputs.
    """
    m = schema.ModelT.InitFromPackedBuf(bytearray(model), 0)
    signature = next((s for s in m.signatureDefs or [] if _text(s.signatureKey) == signature_key), None)
    if signature is None:
        raise ValueError(f"the model has no signature {signature_key!r}")
    subgraph = m.subgraphs[signature.subgraphIndex]

    def order(kind: str, maps: Sequence[schema.TensorMapT], slots: Sequence[TensorSlot]) -> list[int]:
        by_key = {_text(t.name): t.tensorIndex for t in maps or []}
        expected = sorted(s.key for s in slots)
        if sorted(by_key) != expected:
            raise ValueError(f"signature {signature_key!r} {kind} are {sorted(by_key)}, expected {expected}")
        for slot in slots:
            subgraph.tensors[by_key[slot.key]].name = slot.name
        return [by_key[slot.key] for slot in slots]

    # Outputs first: a tensor that is an input and an output keeps the input's name.
    new_outputs = order("outputs", signature.outputs, outputs)
    new_inputs = order("inputs", signature.inputs, inputs)
    if set(new_inputs) != {int(i) for i in subgraph.inputs} or set(new_outputs) != {
        int(i) for i in subgraph.outputs
    }:
        raise ValueError(f"signature {signature_key!r} does not name the subgraph's inputs and outputs")
    subgraph.inputs = new_inputs
    subgraph.outputs = new_outputs
    builder = flatbuffers.Builder(len(model) + 1024)
    builder.Finish(m.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())
