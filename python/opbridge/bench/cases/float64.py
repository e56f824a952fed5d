"""The common ops in float64, which the converter leaves custom (tools/census_float64.py):
elementwise math and comparisons, activations, reductions, scans and data movement, each on a
[rows, 256] float64 matrix (a float64 model's activations or a batch of features)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .case import Case


def cases(tf: Any, rng: np.random.Generator, scale: int) -> list[Case]:
    rows = max(8, 1024 // scale)
    x = rng.standard_normal((rows, 256))
    y = rng.standard_normal((rows, 256))
    positive = rng.uniform(0.1, 4.0, (rows, 256))
    label = f"f64 [{rows},256]"

    def unary(op: str, fn: Callable[..., Any], data: np.ndarray = x) -> Case:
        return Case(op, label, fn, [data])

    def binary(op: str, fn: Callable[..., Any], b: np.ndarray = y) -> Case:
        return Case(op, f"{label} by [{rows},256]", fn, [x, b])

    axis_1 = f"{label} axis 1"
    return [
        unary("Neg", tf.math.negative),
        unary("Square", tf.math.square),
        unary("Sqrt", tf.math.sqrt, positive),
        unary("Rsqrt", tf.math.rsqrt, positive),
        unary("Exp", tf.math.exp),
        unary("Log", tf.math.log, positive),
        unary("Sin", tf.math.sin),
        unary("Cos", tf.math.cos),
        unary("Tanh", tf.math.tanh),
        unary("Sigmoid", tf.math.sigmoid),
        unary("Floor", tf.math.floor),
        unary("Ceil", tf.math.ceil),
        unary("Round", tf.math.round),
        unary("Rint", tf.math.rint),
        unary("Reciprocal", tf.math.reciprocal, positive),
        unary("IsNan", tf.math.is_nan),
        unary("IsInf", tf.math.is_inf),
        unary("Softsign", tf.nn.softsign),
        Case("L2Loss", label, tf.nn.l2_loss, [x]),
        Case(
            "CumulativeLogsumexp",
            axis_1,
            lambda a: tf.math.cumulative_logsumexp(a, 1),
            [x],
        ),
        Case(
            "DepthToSpace",
            f"f64 [4,32,32,{4 * max(1, 64 // scale)}] block 2",
            lambda a: tf.nn.depth_to_space(a, 2),
            [rng.standard_normal((4, 32, 32, 4 * max(1, 64 // scale)))],
        ),
        Case(
            "SpaceToDepth",
            f"f64 [4,64,64,{max(1, 64 // scale)}] block 2",
            lambda a: tf.nn.space_to_depth(a, 2),
            [rng.standard_normal((4, 64, 64, max(1, 64 // scale)))],
        ),
        unary("IsFinite", tf.math.is_finite),
        unary("Relu", tf.nn.relu),
        unary("Relu6", tf.nn.relu6),
        unary("LeakyRelu", tf.nn.leaky_relu),
        unary("Elu", tf.nn.elu),
        unary("Selu", tf.nn.selu),
        unary("Softplus", tf.math.softplus),
        unary("Softmax", tf.nn.softmax),
        unary("LogSoftmax", tf.nn.log_softmax),
        binary("Div", lambda a, b: tf.raw_ops.Div(x=a, y=b), positive),
        binary("FloorDiv", tf.math.floordiv, positive),
        binary("FloorMod", tf.math.floormod, positive),
        binary("Pow", lambda a, b: tf.math.pow(b, a), positive),
        binary("Maximum", tf.math.maximum),
        binary("Minimum", tf.math.minimum),
        binary("SquaredDifference", tf.math.squared_difference),
        binary("Opbridge>Atan2", tf.math.atan2),
        binary("DivNoNan", tf.math.divide_no_nan),
        Case(
            "DivNoNan",
            f"{label} by [{rows},256], 20% zeros",
            tf.math.divide_no_nan,
            [x, np.where(rng.uniform(size=y.shape) < 0.2, 0.0, y)],
        ),
        binary("Xlogy", tf.math.xlogy, positive),
        # x with zeros at random (probabilities, labels): the select on x == 0.
        Case(
            "Xlogy",
            f"{label}, 20% zeros, by [{rows},256]",
            tf.math.xlogy,
            [np.where(rng.uniform(size=x.shape) < 0.2, 0.0, x), positive],
        ),
        binary("Less", tf.math.less),
        binary("LessEqual", tf.math.less_equal),
        binary("Greater", tf.math.greater),
        binary("GreaterEqual", tf.math.greater_equal),
        binary("Equal", tf.math.equal),
        binary("NotEqual", tf.math.not_equal),
        Case("Select", label, lambda a, b: tf.raw_ops.Select(condition=a > b, x=a, y=b), [x, y]),
        Case("SelectV2", f"{label}, [256] else", lambda a, b: tf.where(a > b, a, b), [x, y[0]]),
        Case("BiasAdd", f"{label} + [256]", tf.nn.bias_add, [x, y[0]]),
        Case("Mean", axis_1, lambda a: tf.reduce_mean(a, 1), [x]),
        Case("Max", axis_1, lambda a: tf.reduce_max(a, 1), [x]),
        Case("Min", axis_1, lambda a: tf.reduce_min(a, 1), [x]),
        Case("Prod", axis_1, lambda a: tf.reduce_prod(a, 1), [positive]),
        Case("ArgMax", axis_1, lambda a: tf.math.argmax(a, 1), [x]),
        Case("ArgMin", axis_1, lambda a: tf.math.argmin(a, 1), [x]),
        Case("Cumsum", axis_1, lambda a: tf.math.cumsum(a, 1), [x]),
        Case("Slice", f"{label} [1:, 8:200]", lambda a: tf.slice(a, [1, 8], [-1, 192]), [x]),
        Case("Tile", f"{label} x [2, 2]", lambda a: tf.tile(a, [2, 2]), [x]),
        Case("BroadcastTo", f"f64 [256] to [{rows},256]", lambda a: tf.broadcast_to(a, [rows, 256]), [y[0]]),
        Case("ReverseV2", axis_1, lambda a: tf.reverse(a, [1]), [x]),
        Case("Fill", f"f64 [{rows},256]", lambda v: tf.fill([rows, 256], v), [np.array(1.5)]),
        Case("Range", f"f64 {rows * 256} values", lambda a: tf.range(a, rows * 32, 0.125), [np.array(0.0)]),
        Case(
            "PadV2", f"{label} padded by 8", lambda a: tf.pad(a, [[8, 8], [8, 8]], constant_values=1.5), [x]
        ),
        Case("Pack", f"2 x {label} axis 1", lambda a, b: tf.stack([a, b], 1), [x, y]),
        Case("ConcatV2", f"2 x {label} axis 1", lambda a, b: tf.concat([a, b], 1), [x, y]),
        Case("Unpack", f"{label} axis 1 (256 outputs)", lambda a: tf.unstack(a, axis=1), [x]),
        Case("Split", f"{label} 4 ways, axis 1", lambda a: tf.split(a, 4, axis=1), [x]),
        Case("SplitV", f"{label} [64, -1, 32], axis 1", lambda a: tf.split(a, [64, -1, 32], axis=1), [x]),
        Case(
            "MirrorPad", f"{label} REFLECT by 8", lambda a: tf.pad(a, [[8, 8], [8, 8]], mode="REFLECT"), [x]
        ),
        Case(
            "GatherNd",
            f"{label} at [{rows},1] rows",
            lambda a, i: tf.gather_nd(a, i),
            [x, rng.integers(0, rows, (rows, 1)).astype(np.int32)],
        ),
        Case(
            "OneHot",
            f"[{rows * 4}] labels, depth 256",
            lambda i: tf.one_hot(i, 256, dtype=tf.float64),
            [rng.integers(0, 256, rows * 4).astype(np.int32)],
        ),
        Case(
            "ScatterNd",
            f"[{rows},256] rows into [{2 * rows},256]",
            lambda u, i: tf.scatter_nd(i, u, [2 * rows, 256]),
            [x, rng.permutation(2 * rows)[:rows, None].astype(np.int32)],
        ),
        Case(
            "TensorScatterUpdate",
            f"{label}, {rows // 2} rows updated",
            lambda a, u, i: tf.tensor_scatter_nd_update(a, i, u),
            [x, y[: rows // 2], rng.permutation(rows)[: rows // 2, None].astype(np.int32)],
        ),
        Case(
            "MatrixDiagV3", f"[{rows // 8},64] to [{rows // 8},64,64]", tf.linalg.diag, [x[: rows // 8, :64]]
        ),
        Case(
            "MatrixSetDiagV3",
            f"[{rows // 8},64,64], k (-1, 1)",
            lambda a, d: tf.linalg.set_diag(a, d, k=(-1, 1)),
            [rng.standard_normal((rows // 8, 64, 64)), rng.standard_normal((rows // 8, 3, 64))],
        ),
    ]
