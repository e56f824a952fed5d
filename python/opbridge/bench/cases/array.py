from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from flatbuffers import flexbuffers

from .case import Case

_MASKS = ("begin_mask", "end_mask", "ellipsis_mask", "new_axis_mask", "shrink_axis_mask")


def _custom_slice_model(tf: Any, expression: Callable[[Any], Any], x: np.ndarray) -> bytes:
    """The CUSTOM StridedSlice node the converter leaves for `expression` on a tensor of unknown shape
    (its masks, constant begin/end/strides), alone in a model: at fixed shapes the converter would take
    the builtin, and converting with unknown dims for every case would cost seconds."""
    from ... import tflite_model

    spec = tf.TensorSpec([None] * x.ndim, tf.as_dtype(x.dtype))
    graph = tf.function(expression).get_concrete_function(spec).graph
    (node,) = [op for op in graph.get_operations() if op.type == "StridedSlice"]
    begin, end, strides = (tf.get_static_value(t) for t in node.inputs[1:])
    names = ("begin", "end", "strides")
    return tflite_model.single_custom_op_model(
        "StridedSlice",
        [
            ("input", x.shape, x.dtype),
            *[(n, v.shape, v.dtype) for n, v in zip(names, (begin, end, strides), strict=True)],
        ],
        [("output", [], x.dtype)],
        options=flexbuffers.Dumps({m: node.get_attr(m) for m in _MASKS}),
        constants=dict(zip(names, (begin, end, strides), strict=True)),
    )


def cases(tf: Any, rng: np.random.Generator, scale: int) -> list[Case]:
    batch, seq = max(2, 16 // scale), max(16, 512 // scale)
    hidden = rng.standard_normal((batch, seq, 256)).astype(np.float32)
    tokens = rng.integers(0, 32000, (batch * 4, seq * 2)).astype(np.int64)
    shape = f"[{batch},{seq},256]"
    slices: list[tuple[str, Callable[[Any], Any], np.ndarray]] = [
        (f"f32 {shape} x[:, None, :, :] (mask)", lambda x: x[:, None, :, :], hidden),
        (f"f32 {shape} x[..., None, :128] (rotary)", lambda x: x[..., None, :128], hidden),
        (f"f32 {shape} x[..., None, -1]", lambda x: x[..., None, -1], hidden),
        (f"f32 {shape} x[None, ..., ::-1]", lambda x: x[None, ..., ::-1], hidden),
        (f"i64 [{batch * 4},{seq * 2}] x[..., None, ::2]", lambda x: x[..., None, ::2], tokens),
    ]
    # x[:, None] alone in a model reads a graph input and writes a graph output, which TFLite's
    # planner never lets share a buffer: the kernel copies what TF returns as a view. Of an
    # intermediate tensor, as in a model, it shares its input's buffer (docs/bench.md).
    copy_note = (
        "graph input to graph output: TFLite copies what TF returns as a view; "
        "of an intermediate, as in a model, it copies nothing"
    )
    return (
        [
            Case(
                "StridedSlice",
                label,
                expression,
                [x],
                model=_custom_slice_model(tf, expression, x),
                note=copy_note if "x[:, None, :, :]" in label else "",
            )
            for label, expression, x in slices
        ]
        + _roll_cases(tf, rng, scale)
        + _partition_stitch_cases(tf, rng, scale)
        + _tensor_scatter_cases(tf, rng, scale)
    )


def _roll_cases(tf: Any, rng: np.random.Generator, scale: int) -> list[Case]:
    """Roll: at fixed shapes the converter lowers it to SLICE and CONCATENATION, so the model is the
    CUSTOM node it leaves for tensors of unknown shape (Swin's shifted windows), shift and axis constant."""
    from ... import tflite_model

    def model(x: np.ndarray, shift: list[int], axis: list[int]) -> bytes:
        s, a = np.array(shift, np.int32), np.array(axis, np.int32)
        return tflite_model.single_custom_op_model(
            "Roll",
            [("input", x.shape, x.dtype), ("shift", s.shape, s.dtype), ("axis", a.shape, a.dtype)],
            [("output", [], x.dtype)],
            constants={"shift": s, "axis": a},
        )

    windows = rng.standard_normal((max(1, 8 // scale), 56, 56, 96)).astype(np.float32)
    ids = rng.integers(0, 1000, (max(16, 1024 // scale), 1024)).astype(np.int64)
    rolls = [
        (f"f32 {list(windows.shape)} shift (-3,-3) axis (1,2) (Swin)", windows, [-3, -3], [1, 2]),
        (f"i64 {list(ids.shape)} shift 5 axis 1", ids, [5], [1]),
    ]
    return [
        Case("Roll", label, lambda v, s=shift, a=axis: tf.roll(v, s, a), [x], model=model(x, shift, axis))
        for label, x, shift, axis in rolls
    ]


def _partition_stitch_cases(tf: Any, rng: np.random.Generator, scale: int) -> list[Case]:
    """DynamicPartition and DynamicStitch (the converter leaves both custom for every dtype): rows
    split four ways by a random partition, and split rows stitched back by their positions."""
    rows = max(1024, 262_144 // (scale * scale))
    data = rng.standard_normal((rows, 16))
    parts = rng.integers(0, 4, rows).astype(np.int32)
    positions = [np.flatnonzero(parts == k).astype(np.int32) for k in range(4)]
    pieces = [data[p] for p in positions]
    return [
        Case(
            "DynamicPartition",
            f"f64 [{rows},16] into 4",
            lambda d, p: tf.dynamic_partition(d, p, 4),
            [data, parts],
        ),
        Case(
            "DynamicStitch",
            f"f64 4 x [~{rows // 4},16] into [{rows},16]",
            lambda i0, i1, i2, i3, d0, d1, d2, d3: tf.dynamic_stitch([i0, i1, i2, i3], [d0, d1, d2, d3]),
            [*positions, *pieces],
        ),
        Case(
            "ParallelDynamicStitch",
            f"f64 4 x [~{rows // 4},16] into [{rows},16]",
            lambda i0, i1, i2, i3, d0, d1, d2, d3: tf.raw_ops.ParallelDynamicStitch(
                indices=[i0, i1, i2, i3], data=[d0, d1, d2, d3]
            ),
            [*positions, *pieces],
        ),
    ]


def _tensor_scatter_cases(tf: Any, rng: np.random.Generator, scale: int) -> list[Case]:
    """TensorScatterSub/Max/Min (no TFLite kernel in any dtype): a quarter of a tensor's rows
    updated, some of them more than once."""
    rows = max(1024, 65_536 // (scale * scale))
    tensor = rng.standard_normal((rows, 16))
    indices = rng.integers(0, rows, (rows // 4, 1)).astype(np.int32)
    updates = rng.standard_normal((rows // 4, 16))
    return [
        Case(
            f"TensorScatter{name.capitalize()}",
            f"f64 [{rows},16] <- {rows // 4} rows",
            fn,
            [tensor, indices, updates],
        )
        for name, fn in (
            ("sub", tf.tensor_scatter_nd_sub),
            ("max", tf.tensor_scatter_nd_max),
            ("min", tf.tensor_scatter_nd_min),
        )
    ]
