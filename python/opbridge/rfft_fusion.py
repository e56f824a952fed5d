"""tf.signal.rfft back to one node: RESHAPE -> RFFT2D -> RESHAPE becomes TF's RFFT op.

The converter has no one-dimensional real FFT, so it lowers TF's RFFT to a reshape
that inserts a 1 before the last axis, RFFT2D with fft_length [1, n], and a reshape
that drops the 1 again (EXPAND_DIMS for the first when a batch dimension is
unknown, and SQUEEZE for the second when two are). Where RFFT2D is opbridge's
kernel (fallbacks.py switches it in for the lengths the builtin cannot run;
float64 is a custom op from the start), the two reshapes are copies around it:
in a one-op model they were 11% of the time at one thread and up to 30% at two
(docs/ops/fft.md). opbridge's RFFT is the same transform with the same attrs
(Treal, Tcomplex), so the three nodes become one RFFT node reading the first
reshape's input and writing the second's output: same bits.

Only the exact pattern is fused: each reshape a node of its own whose output has no
other reader and is no graph output, the shapes (and shape signatures) the inserted
and dropped 1, the new shapes constants that say so, and fft_length a constant [1, n].
"""

from __future__ import annotations

import flatbuffers
import numpy as np
from ai_edge_litert import schema_py_generated as schema

from . import tflite_model
from .fallbacks import constant_bytes, custom_code, custom_name

_RESHAPE = schema.BuiltinOperator.RESHAPE
_EXPAND_DIMS = schema.BuiltinOperator.EXPAND_DIMS
_SQUEEZE = schema.BuiltinOperator.SQUEEZE


def fuse_rfft(model: bytes) -> tuple[bytes, int]:
    """The model with every RESHAPE -> custom RFFT2D [1, n] -> RESHAPE chain made one
    RFFT node; returns it and the number of chains fused."""
    if not tflite_model.parse(model).custom_op_counts().get("RFFT2D"):
        return model, 0
    m = schema.ModelT.InitFromPackedBuf(bytearray(model), 0)
    fused = 0
    for subgraph in m.subgraphs or []:
        fused += _fuse_in(model, m, subgraph)
    if not fused:
        return model, 0
    builder = flatbuffers.Builder(len(model) + 1024)
    builder.Finish(m.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output()), fused


def _fuse_in(raw: bytes, m: schema.ModelT, subgraph: schema.SubGraphT) -> int:
    ops = list(subgraph.operators or [])
    producer: dict[int, int] = {}
    readers: dict[int, list[int]] = {}
    for i, op in enumerate(ops):
        for t in op.outputs if op.outputs is not None else []:
            producer[int(t)] = i
        for t in op.inputs if op.inputs is not None else []:
            if t >= 0:
                readers.setdefault(int(t), []).append(i)
    graph_outputs = {int(t) for t in (subgraph.outputs if subgraph.outputs is not None else [])}
    removed: set[int] = set()
    rfft_code: int | None = None
    for i, op in enumerate(ops):
        if custom_name(m.operatorCodes[op.opcodeIndex]) != "RFFT2D":
            continue
        n = _height_one_length(raw, m, subgraph, op)
        if n is None:
            continue
        first = producer.get(int(op.inputs[0]))
        if first is None or not _sole_link(int(op.inputs[0]), i, readers, graph_outputs):
            continue
        if not _inserts_one(raw, m, subgraph, ops[first]):
            continue
        readers_of_out = readers.get(int(op.outputs[0]), [])
        if len(readers_of_out) != 1:
            continue
        if not _sole_link(int(op.outputs[0]), readers_of_out[0], readers, graph_outputs):
            continue
        last = readers_of_out[0]
        if not _drops_one(raw, m, subgraph, ops[last]):
            continue
        if rfft_code is None:
            rfft_code = custom_code(m, "RFFT")
        op.opcodeIndex = rfft_code
        op.inputs = np.array([ops[first].inputs[0], _length_tensor(m, subgraph, op, n)], dtype=np.int32)
        op.outputs = np.array([ops[last].outputs[0]], dtype=np.int32)
        removed.update((first, last))
    if removed:
        subgraph.operators = [op for i, op in enumerate(ops) if i not in removed]
    return len(removed) // 2


def _sole_link(tensor: int, reader: int, readers: dict[int, list[int]], graph_outputs: set[int]) -> bool:
    """Whether `tensor` is read by node `reader` only, once, and is no graph output."""
    return readers.get(tensor) == [reader] and tensor not in graph_outputs


def _signature(tensor: schema.TensorT) -> list[int]:
    has_signature = tensor.shapeSignature is not None and len(tensor.shapeSignature)
    sig = tensor.shapeSignature if has_signature else tensor.shape
    return [int(v) for v in (sig if sig is not None else [])]


def _int_constant(raw: bytes, m: schema.ModelT, subgraph: schema.SubGraphT, index: int) -> list[int] | None:
    tensor = subgraph.tensors[index]
    data = constant_bytes(raw, m, tensor)
    if data is None:
        return None
    dtype = {schema.TensorType.INT32: "<i4", schema.TensorType.INT64: "<i8"}.get(tensor.type)
    if dtype is None:
        return None
    return [int(v) for v in np.frombuffer(data, dtype=dtype)]


def _height_one_length(
    raw: bytes, m: schema.ModelT, subgraph: schema.SubGraphT, op: schema.OperatorT
) -> int | None:
    """n when the RFFT2D node's fft_length is the constant [1, n]."""
    if op.inputs is None or len(op.inputs) != 2 or op.outputs is None or len(op.outputs) != 1:
        return None
    lengths = _int_constant(raw, m, subgraph, int(op.inputs[1]))
    if lengths is None or len(lengths) != 2 or lengths[0] != 1 or lengths[1] < 0:
        return None
    return lengths[1]


def _reshape_to(
    raw: bytes, m: schema.ModelT, subgraph: schema.SubGraphT, op: schema.OperatorT
) -> list[int] | None:
    """The new shape of a RESHAPE node, when a constant (its shape input or options)."""
    if op.inputs is not None and len(op.inputs) >= 2 and op.inputs[1] >= 0:
        return _int_constant(raw, m, subgraph, int(op.inputs[1]))
    options = op.builtinOptions
    if isinstance(options, schema.ReshapeOptionsT) and options.newShape is not None:
        return [int(v) for v in options.newShape]
    return None


def _one_reshape(
    raw: bytes, m: schema.ModelT, subgraph: schema.SubGraphT, op: schema.OperatorT, wider: bool
) -> bool:
    """Whether node `op` only inserts (wider) or drops a 1 just before the last axis."""
    code = m.operatorCodes[op.opcodeIndex]
    builtin = max(code.builtinCode, code.deprecatedBuiltinCode)
    if op.inputs is None or not len(op.inputs) or op.outputs is None or len(op.outputs) != 1:
        return False
    source, target = subgraph.tensors[int(op.inputs[0])], subgraph.tensors[int(op.outputs[0])]
    narrow, wide = _signature(source), _signature(target)
    if not wider:
        narrow, wide = wide, narrow
    if len(narrow) < 1 or wide != [*narrow[:-1], 1, narrow[-1]]:
        return False
    # EXPAND_DIMS and SQUEEZE (the converter's choice when two dimensions are
    # unknown) say the axis themselves.
    if builtin == _EXPAND_DIMS and wider:
        axis = _int_constant(raw, m, subgraph, int(op.inputs[1])) if len(op.inputs) == 2 else None
        return axis is not None and len(axis) == 1 and axis[0] in (len(narrow) - 1, -2)
    if builtin == _SQUEEZE and not wider:
        options = op.builtinOptions
        dims = options.squeezeDims if isinstance(options, schema.SqueezeOptionsT) else None
        return dims is not None and len(dims) == 1 and int(dims[0]) in (len(narrow) - 1, -2)
    if builtin != _RESHAPE:
        return False
    # With one unknown dimension a constant new shape that keeps every other one
    # resolves it to the same size; with two, a reshape could move elements between them.
    new_shape = _reshape_to(raw, m, subgraph, op)
    return narrow.count(-1) <= 1 and new_shape == _signature(target)


def _inserts_one(raw: bytes, m: schema.ModelT, subgraph: schema.SubGraphT, op: schema.OperatorT) -> bool:
    return _one_reshape(raw, m, subgraph, op, wider=True)


def _drops_one(raw: bytes, m: schema.ModelT, subgraph: schema.SubGraphT, op: schema.OperatorT) -> bool:
    return _one_reshape(raw, m, subgraph, op, wider=False)


def _length_tensor(m: schema.ModelT, subgraph: schema.SubGraphT, op: schema.OperatorT, n: int) -> int:
    """A new constant int32 [1] tensor holding n: RFFT's fft_length."""
    buffer = schema.BufferT()
    buffer.data = np.frombuffer(np.array([n], dtype="<i4").tobytes(), dtype=np.uint8)
    m.buffers.append(buffer)
    tensor = schema.TensorT()
    tensor.shape = np.array([1], dtype=np.int32)
    tensor.type = schema.TensorType.INT32
    tensor.buffer = len(m.buffers) - 1
    old = subgraph.tensors[int(op.inputs[1])].name
    tensor.name = (old.decode() if isinstance(old, bytes) else (old or "fft_length")) + "/rfft_length"
    subgraph.tensors.append(tensor)
    return len(subgraph.tensors) - 1
