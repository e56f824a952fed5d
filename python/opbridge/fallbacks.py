"""Builtins the converter emits that cannot run, switched to opbridge kernels after conversion.

The converter lowers float32 `tf.signal.rfft` (through a reshape, with
fft_length [1, n]) and `tf.signal.rfft2d` (and so `tf.signal.stft`) to the
builtin RFFT2D whatever the length, but the builtin runs power-of-two lengths
only: it fails at prepare otherwise (tflite/kernels/rfft2d.cc, IsPowerOfTwo),
or at invoke when fft_length is computed in the model; and with a width of 1
(`tf.signal.rfft` of length 1) it runs but computes wrong values. Its inputs (a float32
tensor [..., h, w], fft_length int32 [2]) and output (complex64 [..., h, w/2+1])
are TF's RFFT2D op's, and the builtin crops the input as TF's kernel does, so a
node whose fft_length is not a constant of powers of two is switched to the
custom op RFFT2D with TF's attrs (Treal float32, Tcomplex complex64, as the
converter writes them for the float64 RFFT2D it leaves custom), which opbridge
implements at any length. Nodes the builtin can run stay builtins.

The converter also emits the builtins EQUAL and MEAN for plain (not quantized)
uint8 tensors, which those builtins run as quantized only: EQUAL aborts the
process (no quantization parameters to read) and MEAN computes wrong values
(measured, both runtimes). Such nodes are switched to the custom ops Equal and
Mean with the attrs the converter writes for their int8 forms, which it leaves
custom ({T, incompatible_shape_error}, {T, Tidx, keep_dims}); opbridge's
kernels compute them as TF does. Quantized uint8 nodes stay builtins.

The builtin POW of int32 computes std::pow in double and converts: where TF's
power wraps modulo 2^32 (repeated int32 products), the builtin gives INT_MIN,
and a negative exponent fails with its own message rather than TF's. Such
nodes are switched to the custom op Pow {T}, the node the converter writes for
int8, int16 and int64 powers, whose kernel wraps as TF does.

This works on the .tflite flatbuffer: only there is it known which fft_length
the converter folded to a constant, and which tensors are quantized.
"""

from __future__ import annotations

import flatbuffers
import numpy as np
from ai_edge_litert import schema_py_generated as schema
from flatbuffers import flexbuffers

from . import tflite_model

_RFFT2D = schema.BuiltinOperator.RFFT2D
_EQUAL = schema.BuiltinOperator.EQUAL
_MEAN = schema.BuiltinOperator.MEAN
_POW = schema.BuiltinOperator.POW
_CUSTOM = schema.BuiltinOperator.CUSTOM
# The converter's custom options for TF's RFFT2D op: TFLite type enums.
_RFFT2D_OPTIONS = bytes(
    flexbuffers.Dumps({"Treal": schema.TensorType.FLOAT32, "Tcomplex": schema.TensorType.COMPLEX64})
)


def _power_of_two(v: int) -> bool:
    return v > 0 and v & (v - 1) == 0


def _builtin_runs(raw: bytes, model: schema.ModelT, subgraph: schema.SubGraphT, op: schema.OperatorT) -> bool:
    """Whether the builtin RFFT2D runs this node right: fft_length a constant of two
    powers of two, the width at least 2."""
    data = constant_bytes(raw, model, subgraph.tensors[op.inputs[1]])
    if data is None or len(data) != 8:  # None: computed in the model, known only at run time
        return False
    height, width = (int(v) for v in np.frombuffer(data, dtype="<i4"))
    # Width 1 passes the builtin's check but gives wrong values (measured: errors
    # of the order of the input, tests/test_parity_rfft.py).
    return _power_of_two(height) and _power_of_two(width) and width > 1


def constant_bytes(raw: bytes, model: schema.ModelT, tensor: schema.TensorT) -> bytes | None:
    """The data of a constant tensor of the model `raw` unpacks to; None if it has none."""
    buffer = model.buffers[tensor.buffer] if 0 < tensor.buffer < len(model.buffers) else None
    if buffer is None:
        return None
    if buffer.data is not None and len(buffer.data):
        return bytes(bytearray(buffer.data))
    if buffer.offset > 1:  # a model over 2 GB keeps constants after the flatbuffer
        return raw[buffer.offset : buffer.offset + buffer.size]
    return None


def _plain_uint8(subgraph: schema.SubGraphT, index: int) -> bool:
    """Whether tensor `index` is uint8 without quantization parameters."""
    tensor = subgraph.tensors[index]
    q = tensor.quantization
    quantized = q is not None and q.scale is not None and len(q.scale) > 0
    return tensor.type == schema.TensorType.UINT8 and not quantized


def _switch(
    raw: bytes, m: schema.ModelT, subgraph: schema.SubGraphT, op: schema.OperatorT, builtin: int
) -> tuple[str, bytes] | None:
    """(custom op, its options) for a node the builtin cannot run right; None to keep it."""
    if builtin == _RFFT2D:
        return None if _builtin_runs(raw, m, subgraph, op) else ("RFFT2D", _RFFT2D_OPTIONS)
    if builtin == _EQUAL and _plain_uint8(subgraph, op.inputs[0]):
        options = {"T": schema.TensorType.UINT8, "incompatible_shape_error": True}
        return "Equal", bytes(flexbuffers.Dumps(options))
    if builtin == _MEAN and _plain_uint8(subgraph, op.inputs[0]):
        keep_dims = bool(op.builtinOptions.keepDims) if op.builtinOptions is not None else False
        tidx = subgraph.tensors[op.inputs[1]].type
        options = {"T": schema.TensorType.UINT8, "Tidx": tidx, "keep_dims": keep_dims}
        return "Mean", bytes(flexbuffers.Dumps(options))
    if builtin == _POW and subgraph.tensors[op.inputs[0]].type == schema.TensorType.INT32:
        return "Pow", bytes(flexbuffers.Dumps({"T": schema.TensorType.INT32}))
    return None


_SWITCHED_BUILTINS = {_RFFT2D: "RFFT2D", _EQUAL: "EQUAL", _MEAN: "MEAN", _POW: "POW"}


def replace_unrunnable_builtins(model: bytes) -> tuple[bytes, dict[str, int]]:
    """The model with every builtin node its builtin cannot run (RFFT2D at other
    lengths than powers of two, EQUAL and MEAN of plain uint8, POW of int32) switched to the
    custom op of the same TF op; returns it and {builtin: nodes switched}."""
    view = tflite_model.parse(model)
    if not any(not node.custom and node.name in _SWITCHED_BUILTINS.values() for node in view.nodes):
        return model, {}
    m = schema.ModelT.InitFromPackedBuf(bytearray(model), 0)
    builtins = {
        i: max(code.builtinCode, code.deprecatedBuiltinCode)
        for i, code in enumerate(m.operatorCodes)
        if max(code.builtinCode, code.deprecatedBuiltinCode) in _SWITCHED_BUILTINS
    }
    switched: dict[str, int] = {}
    for subgraph in m.subgraphs or []:
        for op in subgraph.operators or []:
            builtin = builtins.get(op.opcodeIndex)
            target = None if builtin is None else _switch(model, m, subgraph, op, builtin)
            if target is None:
                continue
            name, options = target
            op.opcodeIndex = custom_code(m, name)
            op.builtinOptionsType = schema.BuiltinOptions.NONE
            op.builtinOptions = None
            op.customOptions = list(options)
            op.customOptionsFormat = schema.CustomOptionsFormat.FLEXBUFFERS
            key = _SWITCHED_BUILTINS[builtin]
            switched[key] = switched.get(key, 0) + 1
    if not switched:
        return model, {}
    builder = flatbuffers.Builder(len(model) + 1024)
    builder.Finish(m.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output()), switched


def custom_name(code: schema.OperatorCodeT) -> str:
    """The custom op name of an operator code; "" for a builtin."""
    if max(code.builtinCode, code.deprecatedBuiltinCode) != _CUSTOM:
        return ""
    custom = code.customCode
    return custom.decode() if isinstance(custom, bytes) else (custom or "")


def custom_code(m: schema.ModelT, name: str) -> int:
    """The index of the model's operator code for custom op `name`, added if absent."""
    for i, code in enumerate(m.operatorCodes):
        if custom_name(code) == name:
            return i
    code = schema.OperatorCodeT()
    code.builtinCode = _CUSTOM
    code.deprecatedBuiltinCode = _CUSTOM
    code.customCode = name
    code.version = 1
    m.operatorCodes.append(code)
    return len(m.operatorCodes) - 1
