"""The float64 census: which common TF ops the converter leaves as custom ops in float64
(TFLite's builtins have almost no float64 kernels), whether opbridge runs them, and
whether the converted model matches TF in both runtimes. `--dtype float16` (or bfloat16)
runs the same candidates in half precision, which the converter also leaves custom.

    python tools/census_float64.py                                # print the table
    python tools/census_float64.py --markdown docs/ops-float64.md # also write the docs page
    python tools/census_float64.py --only Mul,FloorMod
    python tools/census_float64.py --dtype float16 --markdown docs/ops-float16.md

Each candidate is a tiny float64 TF function. It is converted with opbridge.convert
(missing kernels allowed, so the census sees them), run in LiteRT and in TF Lite
(opbridge.Interpreter's two runtimes) and compared with TF: error = max |TFLite - TF| /
max |TF| over the outputs; "ok" needs error <= 1e-10 in both runtimes (float16: 2^-10,
bfloat16: 2^-7, one unit of the last place at the largest output; integer and bool outputs:
equal).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).parent))

from census import _short  # the converter error's op list, shortened

TOLERANCE = {"float64": 1e-10, "float16": 2.0**-10, "bfloat16": 2.0**-7}
# The candidates' floating type: float64, or what --dtype names (main sets it).
FLOAT = "float64"
RUNTIMES = ("litert", "tf")

# name -> builder(tf, rng) -> (function of the inputs, inputs)
Builder = Callable[[Any, np.random.Generator], tuple[Callable[..., Any], list[np.ndarray]]]


def _m(rng: np.random.Generator, *shape: int, low: float = -3.0, high: float = 3.0) -> np.ndarray:
    return rng.uniform(low, high, shape).astype(np.float64)


def _unary(path: str, low: float = -3.0, high: float = 3.0) -> Builder:
    def build(tf: Any, rng: np.random.Generator) -> tuple[Callable[..., Any], list[np.ndarray]]:
        fn: Any = tf
        for part in path.split("."):
            fn = getattr(fn, part)
        return fn, [_m(rng, 3, 8, low=low, high=high)]

    return build


def _binary(path: str, low: float = -3.0, high: float = 3.0) -> Builder:
    """x [3, 8] op y [8]: broadcasting, as models use these ops."""

    def build(tf: Any, rng: np.random.Generator) -> tuple[Callable[..., Any], list[np.ndarray]]:
        fn: Any = tf
        for part in path.split("."):
            fn = getattr(fn, part)
        return fn, [_m(rng, 3, 8, low=low, high=high), _m(rng, 8, low=low, high=high)]

    return build


def _with(fn: Callable[..., Any], *arrays: np.ndarray) -> tuple[Callable[..., Any], list[np.ndarray]]:
    return fn, list(arrays)


def _spd(rng: np.random.Generator, n: int = 4) -> np.ndarray:
    a = rng.standard_normal((2, n, n))
    return a @ a.transpose(0, 2, 1) + n * np.eye(n)


CANDIDATES: dict[str, Builder] = {
    # Binary elementwise, broadcasting.
    "AddV2": _binary("math.add"),
    "Sub": _binary("math.subtract"),
    "Mul": _binary("math.multiply"),
    "Div": lambda tf, rng: _with(lambda x, y: tf.raw_ops.Div(x=x, y=y), _m(rng, 3, 8), _m(rng, 8, low=0.5)),
    "RealDiv": lambda tf, rng: _with(tf.math.truediv, _m(rng, 3, 8), _m(rng, 8, low=0.5)),
    "FloorDiv": lambda tf, rng: _with(tf.math.floordiv, _m(rng, 3, 8), _m(rng, 8, low=0.5)),
    "FloorMod": lambda tf, rng: _with(
        tf.math.floormod, _m(rng, 3, 8, low=-9, high=9), _m(rng, 8, low=-3, high=3)
    ),
    "Pow": lambda tf, rng: _with(tf.math.pow, _m(rng, 3, 8, low=0.1, high=3), _m(rng, 8)),
    "Maximum": _binary("math.maximum"),
    "Minimum": _binary("math.minimum"),
    "SquaredDifference": _binary("math.squared_difference"),
    "Atan2": _binary("math.atan2"),
    "DivNoNan": _binary("math.divide_no_nan"),
    "Xlogy": lambda tf, rng: _with(tf.math.xlogy, _m(rng, 3, 8), _m(rng, 8, low=0.1)),
    "NextAfter": lambda tf, rng: _with(tf.math.nextafter, _m(rng, 3, 8), _m(rng, 8)),
    # Unary elementwise.
    "Neg": _unary("math.negative"),
    "Abs": _unary("math.abs"),
    "Sign": _unary("math.sign"),
    "Square": _unary("math.square"),
    "Sqrt": _unary("math.sqrt", 0.0, 9.0),
    "Rsqrt": _unary("math.rsqrt", 0.1, 9.0),
    "Exp": _unary("math.exp"),
    "Log": _unary("math.log", 0.1, 9.0),
    "Log1p": _unary("math.log1p", -0.9, 3.0),
    "Expm1": _unary("math.expm1"),
    "Sin": _unary("math.sin"),
    "Cos": _unary("math.cos"),
    "Tan": _unary("math.tan", -1.5, 1.5),
    "Tanh": _unary("math.tanh"),
    "Sigmoid": _unary("math.sigmoid"),
    "Floor": _unary("math.floor"),
    "Ceil": _unary("math.ceil"),
    "Round": lambda tf, rng: _with(tf.math.round, np.round(_m(rng, 3, 8, low=-5, high=5) * 2) / 2),
    "Rint": lambda tf, rng: _with(tf.math.rint, np.round(_m(rng, 3, 8, low=-5, high=5) * 2) / 2),
    "Reciprocal": _unary("math.reciprocal", 0.5, 3.0),
    "Erf": _unary("math.erf"),
    "Softplus": _unary("math.softplus"),
    "IsNan": lambda tf, rng: _with(tf.math.is_nan, np.array([0.0, np.nan, np.inf, -1.0])),
    "IsFinite": lambda tf, rng: _with(tf.math.is_finite, np.array([0.0, np.nan, np.inf, -1.0])),
    # Activations.
    "Softmax": _unary("nn.softmax"),
    "LogSoftmax": _unary("nn.log_softmax"),
    "Relu": _unary("nn.relu"),
    "Relu6": lambda tf, rng: _with(tf.nn.relu6, _m(rng, 3, 8, low=-9, high=9)),
    "Elu": _unary("nn.elu"),
    "Selu": _unary("nn.selu"),
    "LeakyRelu": _unary("nn.leaky_relu"),
    "BiasAdd": lambda tf, rng: _with(tf.nn.bias_add, _m(rng, 3, 8), _m(rng, 8)),
    # Matmul.
    "MatMul": lambda tf, rng: _with(tf.linalg.matmul, _m(rng, 3, 4), _m(rng, 4, 5)),
    "BatchMatMulV2": lambda tf, rng: _with(tf.linalg.matmul, _m(rng, 2, 3, 4), _m(rng, 4, 5)),
    "Einsum": lambda tf, rng: _with(
        lambda x, y: tf.einsum("bij,bjk->bik", x, y), _m(rng, 2, 3, 4), _m(rng, 2, 4, 5)
    ),
    # Reductions.
    "Sum": lambda tf, rng: _with(lambda x: tf.reduce_sum(x, 1), _m(rng, 3, 8)),
    "Mean": lambda tf, rng: _with(lambda x: tf.reduce_mean(x, 1), _m(rng, 3, 8)),
    "Max": lambda tf, rng: _with(lambda x: tf.reduce_max(x, 1), _m(rng, 3, 8)),
    "Min": lambda tf, rng: _with(lambda x: tf.reduce_min(x, 1), _m(rng, 3, 8)),
    "Prod": lambda tf, rng: _with(lambda x: tf.reduce_prod(x, 1), _m(rng, 3, 8)),
    "ArgMax": lambda tf, rng: _with(lambda x: tf.math.argmax(x, 1), _m(rng, 3, 8)),
    "ArgMin": lambda tf, rng: _with(lambda x: tf.math.argmin(x, 1), _m(rng, 3, 8)),
    "Cumsum": lambda tf, rng: _with(lambda x: tf.math.cumsum(x, 1), _m(rng, 3, 8)),
    "Cumprod": lambda tf, rng: _with(lambda x: tf.math.cumprod(x, 1), _m(rng, 3, 8)),
    "EuclideanNorm": lambda tf, rng: _with(lambda x: tf.norm(x, axis=1), _m(rng, 3, 8)),
    # Slicing, gathering, joining, reshaping.
    "StridedSlice": lambda tf, rng: _with(lambda x: x[1:, ::2], _m(rng, 3, 8)),
    "Slice": lambda tf, rng: _with(lambda x: tf.slice(x, [1, 2], [2, 3]), _m(rng, 3, 8)),
    "GatherV2": lambda tf, rng: _with(lambda x: tf.gather(x, [2, 0, 2], axis=1), _m(rng, 3, 8)),
    "GatherNd": lambda tf, rng: _with(lambda x: tf.gather_nd(x, [[0, 1], [2, 3]]), _m(rng, 3, 8)),
    "ConcatV2": lambda tf, rng: _with(lambda x, y: tf.concat([x, y], 0), _m(rng, 3, 8), _m(rng, 2, 8)),
    "Pack": lambda tf, rng: _with(lambda x, y: tf.stack([x, y], 1), _m(rng, 3, 8), _m(rng, 3, 8)),
    "Unpack": lambda tf, rng: _with(lambda x: tf.unstack(x, axis=0), _m(rng, 3, 8)),
    "Split": lambda tf, rng: _with(lambda x: tf.split(x, 2, axis=1), _m(rng, 3, 8)),
    "SplitV": lambda tf, rng: _with(lambda x: tf.split(x, [3, 5], axis=1), _m(rng, 3, 8)),
    "Transpose": lambda tf, rng: _with(lambda x: tf.transpose(x, [1, 0]), _m(rng, 3, 8)),
    "Reshape": lambda tf, rng: _with(lambda x: tf.reshape(x, [4, 6]), _m(rng, 3, 8)),
    "Squeeze": lambda tf, rng: _with(lambda x: tf.squeeze(x, 1), _m(rng, 3, 1, 8)),
    "ExpandDims": lambda tf, rng: _with(lambda x: tf.expand_dims(x, 1), _m(rng, 3, 8)),
    "Tile": lambda tf, rng: _with(lambda x: tf.tile(x, [2, 1]), _m(rng, 3, 8)),
    "Pad": lambda tf, rng: _with(lambda x: tf.pad(x, [[1, 0], [0, 2]]), _m(rng, 3, 8)),
    "PadV2": lambda tf, rng: _with(lambda x: tf.pad(x, [[1, 0], [0, 2]], constant_values=1.5), _m(rng, 3, 8)),
    "MirrorPad": lambda tf, rng: _with(lambda x: tf.pad(x, [[1, 1], [2, 2]], mode="REFLECT"), _m(rng, 3, 8)),
    "Fill": lambda tf, rng: _with(lambda v: tf.fill([2, 3], v), np.array(1.25)),
    "ZerosLike": lambda tf, rng: _with(lambda x: tf.zeros_like(x) + x, _m(rng, 3, 8)),
    "OnesLike": lambda tf, rng: _with(lambda x: tf.ones_like(x) * x, _m(rng, 3, 8)),
    "Range": lambda tf, rng: _with(
        lambda a, b: tf.range(a, b, tf.constant(0.5, a.dtype)), np.array(-1.0), np.array(3.0)
    ),
    "BroadcastTo": lambda tf, rng: _with(lambda x: tf.broadcast_to(x, [3, 2, 8]), _m(rng, 2, 8)),
    "ReverseV2": lambda tf, rng: _with(lambda x: tf.reverse(x, [1]), _m(rng, 3, 8)),
    "Identity": lambda tf, rng: _with(lambda x: tf.identity(x) * 2.0, _m(rng, 3, 8)),
    "ScatterNd": lambda tf, rng: _with(lambda u: tf.scatter_nd([[1], [3]], u, [5, 8]), _m(rng, 2, 8)),
    "TensorScatterUpdate": lambda tf, rng: _with(
        lambda x, u: tf.tensor_scatter_nd_update(x, [[0], [2]], u), _m(rng, 3, 8), _m(rng, 2, 8)
    ),
    "OneHot": lambda tf, rng: _with(
        lambda i: tf.one_hot(i, 5, dtype=FLOAT), np.array([0, 3, 4, 1], np.int32)
    ),
    "MatrixDiag": lambda tf, rng: _with(tf.linalg.diag, _m(rng, 2, 4)),
    "MatrixDiagPart": lambda tf, rng: _with(tf.linalg.diag_part, _m(rng, 2, 4, 4)),
    "MatrixSetDiag": lambda tf, rng: _with(tf.linalg.set_diag, _m(rng, 2, 4, 4), _m(rng, 2, 4)),
    "MatrixBandPart": lambda tf, rng: _with(lambda x: tf.linalg.band_part(x, 1, 0), _m(rng, 2, 4, 4)),
    # Casts.
    "Cast f64->f32": lambda tf, rng: _with(lambda x: tf.cast(x, tf.float32), _m(rng, 3, 8)),
    "Cast f32->f64": lambda tf, rng: _with(lambda x: tf.cast(x, FLOAT), _m(rng, 3, 8).astype(np.float32)),
    "Cast f64->i32": lambda tf, rng: _with(lambda x: tf.cast(x, tf.int32), _m(rng, 3, 8, low=-9, high=9)),
    "Cast f64->i64": lambda tf, rng: _with(lambda x: tf.cast(x, tf.int64), _m(rng, 3, 8, low=-9, high=9)),
    "Cast i32->f64": lambda tf, rng: _with(lambda x: tf.cast(x, FLOAT), np.arange(-4, 4, dtype=np.int32)),
    "Cast i64->f64": lambda tf, rng: _with(lambda x: tf.cast(x, FLOAT), np.arange(-4, 4, dtype=np.int64)),
    "Cast bool->f64": lambda tf, rng: _with(lambda x: tf.cast(x > 0, FLOAT), _m(rng, 3, 8)),
    # Selection and comparisons.
    "Select": lambda tf, rng: _with(
        lambda c, x, y: tf.raw_ops.Select(condition=c > 0, x=x, y=y),
        _m(rng, 3, 8),
        _m(rng, 3, 8),
        _m(rng, 3, 8),
    ),
    "SelectV2": lambda tf, rng: _with(lambda x, y: tf.where(x > y, x, y), _m(rng, 3, 8), _m(rng, 8)),
    "Where": lambda tf, rng: _with(lambda x: tf.where(x > 0), _m(rng, 3, 8)),
    "Less": _binary("math.less"),
    "Greater": _binary("math.greater"),
    "Equal": lambda tf, rng: _with(tf.math.equal, np.round(_m(rng, 3, 8)), np.round(_m(rng, 8))),
    "NotEqual": lambda tf, rng: _with(tf.math.not_equal, np.round(_m(rng, 3, 8)), np.round(_m(rng, 8))),
    "LessEqual": lambda tf, rng: _with(tf.math.less_equal, np.round(_m(rng, 3, 8)), np.round(_m(rng, 8))),
    "GreaterEqual": lambda tf, rng: _with(
        tf.math.greater_equal, np.round(_m(rng, 3, 8)), np.round(_m(rng, 8))
    ),
    # Found missing by a float64 scan on 2026-12-05 (kernels added then).
    "MaxPool": lambda tf, rng: _with(lambda x: tf.nn.max_pool2d(x, 3, 2, "SAME"), _m(rng, 2, 6, 6, 3)),
    "AvgPool": lambda tf, rng: _with(lambda x: tf.nn.avg_pool2d(x, 2, 2, "VALID"), _m(rng, 2, 6, 6, 3)),
    "ResizeBilinear": lambda tf, rng: _with(lambda x: tf.image.resize(x, [9, 7]), _m(rng, 2, 6, 6, 3)),
    "ResizeNearestNeighbor": lambda tf, rng: _with(
        lambda x: tf.image.resize(x, [9, 7], method="nearest"), _m(rng, 2, 6, 6, 3)
    ),
    "DepthToSpace": lambda tf, rng: _with(lambda x: tf.nn.depth_to_space(x, 2), _m(rng, 2, 3, 3, 8)),
    "SpaceToDepth": lambda tf, rng: _with(lambda x: tf.nn.space_to_depth(x, 2), _m(rng, 2, 6, 6, 3)),
    "TopKV2": lambda tf, rng: _with(lambda x: tf.math.top_k(x, 3).values, _m(rng, 3, 8)),
    "Sort": lambda tf, rng: _with(lambda x: tf.sort(x, axis=-1), _m(rng, 3, 8)),
    "UnsortedSegmentMax": lambda tf, rng: _with(
        lambda x: tf.math.unsorted_segment_max(x, [0, 2, 0], 3), _m(rng, 3, 8)
    ),
    "UnsortedSegmentMin": lambda tf, rng: _with(
        lambda x: tf.math.unsorted_segment_min(x, [0, 2, 0], 3), _m(rng, 3, 8)
    ),
    "UnsortedSegmentProd": lambda tf, rng: _with(
        lambda x: tf.math.unsorted_segment_prod(x, [0, 2, 0], 3), _m(rng, 3, 8)
    ),
    "CumulativeLogsumexp": lambda tf, rng: _with(lambda x: tf.math.cumulative_logsumexp(x, 1), _m(rng, 3, 8)),
    "Softsign": _unary("nn.softsign"),
    "IsInf": lambda tf, rng: _with(lambda x: tf.math.is_inf(x / (x - x[0, 0])), _m(rng, 3, 8)),
    "L2Loss": lambda tf, rng: _with(tf.nn.l2_loss, _m(rng, 3, 8)),
    "ClipByValue": lambda tf, rng: _with(lambda x: tf.clip_by_value(x, -1.0, 2.0), _m(rng, 3, 8)),
    # tf.image.adjust_contrast converts a float64 image to float32 around the op.
    "AdjustContrastv2": lambda tf, rng: _with(lambda x: tf.image.adjust_contrast(x, 1.5), _m(rng, 4, 5, 3)),
    "HistogramFixedWidth": lambda tf, rng: _with(
        lambda x: tf.histogram_fixed_width(x, tf.cast([-1.0, 2.0], x.dtype), nbins=5), _m(rng, 3, 8)
    ),
    # predictions are float32 only (InTopKV2's op); the candidate's float input is cast.
    "InTopKV2": lambda tf, rng: _with(
        lambda x: tf.math.in_top_k(tf.constant([0, 7, 3]), tf.cast(x, tf.float32), 2), _m(rng, 3, 8)
    ),
    # TF ops with no TFLite kernel in any dtype, added to opbridge later.
    "DynamicPartition": lambda tf, rng: _with(lambda x: tf.dynamic_partition(x, [0, 2, 0], 3), _m(rng, 3, 8)),
    "DynamicStitch": lambda tf, rng: _with(
        lambda x, y: tf.dynamic_stitch([[0, 2], [1]], [x, y]), _m(rng, 2, 8), _m(rng, 1, 8)
    ),
    "TensorScatterSub": lambda tf, rng: _with(
        lambda x, u: tf.tensor_scatter_nd_sub(x, [[0], [2], [0]], u), _m(rng, 3, 8), _m(rng, 3, 8)
    ),
    "TensorScatterMax": lambda tf, rng: _with(
        lambda x, u: tf.tensor_scatter_nd_max(x, [[0], [2], [0]], u), _m(rng, 3, 8), _m(rng, 3, 8)
    ),
    "TensorScatterMin": lambda tf, rng: _with(
        lambda x, u: tf.tensor_scatter_nd_min(x, [[0], [2], [0]], u), _m(rng, 3, 8), _m(rng, 3, 8)
    ),
    "SparseSegmentSum": lambda tf, rng: _with(
        lambda x: tf.sparse.segment_sum(x, [0, 2, 1, 2], [0, 0, 2, 2]), _m(rng, 3, 8)
    ),
    "SparseSegmentMean": lambda tf, rng: _with(
        lambda x: tf.sparse.segment_mean(x, [0, 2, 1, 2], [0, 0, 2, 2], num_segments=4), _m(rng, 3, 8)
    ),
    "SparseSegmentSqrtN": lambda tf, rng: _with(
        lambda x: tf.sparse.segment_sqrt_n(x, [0, 2, 1, 2], [0, 0, 2, 2]), _m(rng, 3, 8)
    ),
    # Kernels that lacked bfloat16 (or half) which TF registers, found by a dtype scan on 2026-12-05.
    "Cosh": _unary("math.cosh"),
    "Sinh": _unary("math.sinh"),
    "Acos": _unary("math.acos", -1.0, 1.0),
    "Asin": _unary("math.asin", -1.0, 1.0),
    "Atan": _unary("math.atan"),
    "Acosh": _unary("math.acosh", 1.0, 9.0),
    "Asinh": _unary("math.asinh"),
    "Atanh": _unary("math.atanh", -0.9, 0.9),
    "SegmentSum": lambda tf, rng: _with(lambda x: tf.math.segment_sum(x, [0, 0, 2]), _m(rng, 3, 8)),
    "SegmentMean": lambda tf, rng: _with(lambda x: tf.math.segment_mean(x, [0, 0, 2]), _m(rng, 3, 8)),
    "SegmentMax": lambda tf, rng: _with(lambda x: tf.math.segment_max(x, [0, 0, 2]), _m(rng, 3, 8)),
    "SegmentMin": lambda tf, rng: _with(lambda x: tf.math.segment_min(x, [0, 0, 2]), _m(rng, 3, 8)),
    "SegmentProd": lambda tf, rng: _with(lambda x: tf.math.segment_prod(x, [0, 0, 2]), _m(rng, 3, 8)),
    "LowerBound": lambda tf, rng: _with(
        lambda s, v: tf.searchsorted(s, v, side="left"), np.sort(_m(rng, 3, 8), axis=1), _m(rng, 3, 5)
    ),
    "UpperBound": lambda tf, rng: _with(
        lambda s, v: tf.searchsorted(s, v, side="right"), np.sort(_m(rng, 3, 8), axis=1), _m(rng, 3, 5)
    ),
    "UniqueWithCounts": lambda tf, rng: _with(
        lambda x: tuple(tf.unique_with_counts(x)), np.round(_m(rng, 24, low=-2.0, high=2.0))
    ),
    "TruncateDiv": lambda tf, rng: _with(tf.truncatediv, _m(rng, 3, 8, low=-9, high=9), _m(rng, 8, low=0.5)),
    "TruncateMod": lambda tf, rng: _with(
        tf.truncatemod, _m(rng, 3, 8, low=-9, high=9), _m(rng, 8, low=-3, high=3)
    ),
    "EuclideanNorm (reduce_euclidean_norm)": lambda tf, rng: _with(
        lambda x: tf.math.reduce_euclidean_norm(x, 1), _m(rng, 3, 8)
    ),
    # Linear-algebra models (several ops each).
    "model: QR reconstruction": lambda tf, rng: _with(
        lambda a: tf.linalg.matmul(*tf.linalg.qr(a)), rng.standard_normal((2, 5, 3))
    ),
    "model: SVD reconstruction": lambda tf, rng: _with(
        lambda a: (lambda s, u, v: tf.linalg.matmul(u * s[..., None, :], v, adjoint_b=True))(
            *tf.linalg.svd(a)
        ),
        rng.standard_normal((2, 5, 3)),
    ),
    "model: inverse residual": lambda tf, rng: _with(
        lambda a: tf.abs(tf.linalg.matmul(a, tf.linalg.inv(a)) - tf.eye(4, dtype=a.dtype)),
        _spd(rng),
    ),
    "model: solve": lambda tf, rng: _with(tf.linalg.solve, _spd(rng), rng.standard_normal((2, 4, 2))),
    "model: Cholesky solve": lambda tf, rng: _with(
        lambda a, b: tf.linalg.cholesky_solve(tf.linalg.cholesky(a), b),
        _spd(rng),
        rng.standard_normal((2, 4, 2)),
    ),
    "model: lstsq normal equations": lambda tf, rng: _with(
        lambda a, b: tf.linalg.solve(
            tf.linalg.matmul(a, a, transpose_a=True), tf.linalg.matmul(a, b, transpose_a=True)
        ),
        rng.standard_normal((2, 6, 3)),
        rng.standard_normal((2, 6, 1)),
    ),
    "model: standardize": lambda tf, rng: _with(
        lambda x: (x - tf.reduce_mean(x, 0)) / tf.math.reduce_std(x, 0), rng.standard_normal((16, 4))
    ),
}


@dataclass
class Finding:
    name: str
    custom: str  # the custom ops the converted model holds, "-" when none
    missing: str  # those of them no kernel implements
    runs: dict[str, str]  # runtime -> error, or why it failed
    ok: bool


def _error(got: np.ndarray, want: np.ndarray) -> float:
    if want.dtype.kind in "biu" or want.dtype == np.bool_:
        return 0.0 if np.array_equal(got, want) else float("inf")
    g, w = np.asarray(got, np.float64), np.asarray(want, np.float64)
    if g.shape != w.shape:
        return float("inf")
    if not w.size:
        return 0.0
    return float(np.max(np.abs(g - w)) / max(float(np.max(np.abs(w))), 1e-300))


def census_one(tf: Any, name: str, rng: np.random.Generator) -> Finding:
    from opbridge.conversion import convert_model
    from opbridge.running import run_tflite

    fn, inputs = CANDIDATES[name](tf, rng)
    if FLOAT != "float64":  # the candidates are written in float64
        inputs = [a.astype(tf.as_dtype(FLOAT).as_numpy_dtype) if a.dtype == np.float64 else a for a in inputs]
    signature = [tf.TensorSpec(a.shape, tf.as_dtype(a.dtype), name=f"x{i}") for i, a in enumerate(inputs)]
    function = tf.function(fn, input_signature=signature)
    try:
        with contextlib.redirect_stderr(io.StringIO()):
            result = convert_model(function, allow_missing=True)
    except Exception as exc:  # the converter refused the graph
        text = str(exc)
        why = text.rsplit("error: ", 1)[1].splitlines()[0][:90] if "error: " in text else _short(exc)
        return Finding(name, "-", "-", {r: f"conversion fails: {why}" for r in RUNTIMES}, False)
    custom = ", ".join(f"{op} x{n}" if n > 1 else op for op, n in sorted(result.custom_ops.items())) or "-"
    missing = ", ".join(sorted(result.missing)) or "-"
    try:
        want = [np.asarray(w) for w in tf.nest.flatten(function(*[tf.constant(a) for a in inputs]))]
    except Exception as exc:  # TF has no CPU kernel for this dtype (MatrixInverse in half, ...)
        why = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:70]
        return Finding(name, custom, missing, {r: f"TF itself fails: {why}" for r in RUNTIMES}, True)
    runs: dict[str, str] = {}
    ok = not result.missing
    for runtime in RUNTIMES:
        if result.missing:
            runs[runtime] = "no kernel"
            continue
        try:
            got = list(run_tflite(result.model, inputs, runtime).values())
        except Exception as exc:
            runs[runtime] = "fails: " + (str(exc).strip().splitlines() or [type(exc).__name__])[0][:70]
            ok = False
            continue
        if len(got) != len(want):
            runs[runtime] = f"{len(got)} outputs, TF has {len(want)}"
            ok = False
            continue
        # Outputs are matched in the signature's order (opbridge.convert keeps TF's).
        error = max((_error(g, w) for g, w in zip(got, want, strict=True)), default=0.0)
        runs[runtime] = f"{error:.1e}"
        ok = ok and error <= TOLERANCE[FLOAT]
    return Finding(name, custom, missing, runs, ok)


def markdown(findings: list[Finding], tf_version: str, litert_version: str) -> str:
    left_custom = [f for f in findings if f.custom != "-"]
    missing = [f for f in findings if f.missing not in ("-",)]
    failing = [f for f in findings if not f.ok]
    ops_custom = sorted(
        {op.split(" x")[0] for f in findings if f.custom != "-" for op in f.custom.split(", ")}
    )
    flag = "" if FLOAT == "float64" else f"--dtype {FLOAT} "
    lines = [
        f"# {FLOAT} op coverage (generated)",
        "",
        f"Generated by `python tools/census_float64.py {flag}--markdown docs/ops-{FLOAT}.md` with TensorFlow "
        f"{tf_version} and",
        f"ai-edge-litert {litert_version}; do not edit by hand. TFLite's builtins have almost no {FLOAT}",
        f"kernels, so the converter keeps most {FLOAT} TF ops as custom ops. Each candidate is a tiny",
        f"{FLOAT} TF function, converted with `opbridge.convert`, run in LiteRT and TF Lite",
        "(`opbridge.Interpreter`'s runtimes) and compared with TF: error = max |TFLite - TF| / max |TF|",
        f"over the outputs; ok needs <= {TOLERANCE[FLOAT]:g} in both runtimes "
        "(integer and bool outputs equal)."
        + (
            ""
            if FLOAT == "float64"
            else f" Candidate names say f64 for {FLOAT}; where TF itself has no {FLOAT} kernel the row "
            "says so and counts as ok."
        ),
        "",
        f"- {len(findings)} candidates; {len(left_custom)} convert to models holding custom ops "
        f"({len(ops_custom)} distinct TF ops: {', '.join(ops_custom)}).",
        f"- {len(missing)} need a kernel opbridge lacks"
        + (f" ({', '.join(f.name for f in missing)})" if missing else "")
        + f"; {len(failing)} do not run or do not match"
        + (f" ({', '.join(f.name for f in failing)})" if failing else "")
        + ".",
        "",
        "| candidate | custom ops left by the converter | without kernel | LiteRT | TF Lite | ok |",
        "|---|---|---|---|---|---|",
    ]
    for f in findings:
        cells = [f.name, f.custom, f.missing, f.runs["litert"], f.runs["tf"], "yes" if f.ok else "no"]
        lines.append("| " + " | ".join(c.replace("|", "/") for c in cells) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--markdown", type=Path, help="write the docs page here")
    parser.add_argument("--only", help="comma-separated candidate names")
    parser.add_argument("--dtype", choices=sorted(TOLERANCE), default="float64", help="the float type")
    args = parser.parse_args(argv)
    global FLOAT
    FLOAT = args.dtype
    import tensorflow as tf
    from ai_edge_litert import __version__ as litert_version  # type: ignore[attr-defined]

    from opbridge._table import print_table

    names = args.only.split(",") if args.only else list(CANDIDATES)
    unknown = [n for n in names if n not in CANDIDATES]
    if unknown:
        print(f"census_float64: unknown candidates: {', '.join(unknown)}", file=sys.stderr)
        return 2
    rng = np.random.default_rng(0)
    findings = [census_one(tf, name, rng) for name in names]
    print_table(
        f"{FLOAT} census: each candidate converted with opbridge.convert",
        ["candidate", "custom ops", "without kernel", "LiteRT", "TF Lite", "ok"],
        [
            (f.name, f.custom, f.missing, f.runs["litert"], f.runs["tf"], "yes" if f.ok else "no")
            for f in findings
        ],
    )
    print(
        f"candidates {len(findings)} / with custom ops {sum(f.custom != '-' for f in findings)}"
        f" / without kernel {sum(f.missing != '-' for f in findings)}"
        f" / failing {sum(not f.ok for f in findings)}"
    )
    if args.markdown:
        args.markdown.write_text(markdown(findings, tf.__version__, litert_version))
        print(f"wrote {args.markdown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
