"""Finds TF ops real models use that neither the stock converter nor opbridge covers.

Each case is a small function of the public TF / Keras API users write in models,
with sample inputs. For each: convert with builtins only (the stock converter),
convert with `opbridge.convert`, run opbridge's model in ai_edge_litert and compare
with TF on the same inputs. One row per case:

  ok                 both convert (and opbridge's numbers match TF)
  stock-only fails   builtins alone cannot, opbridge can (numbers match)
  both fail          opbridge.convert fails too: "missing <Op>" names the gap
  wrong numbers      opbridge converts and runs but differs from TF (a bug)
  wrong (builtins)   differs from TF with builtins only (LiteRT's or the converter's fault)
  converts           a per-dtype part rerun without the stock conversion: numbers match
  run error          opbridge converts but the model fails in LiteRT
  case error         TF itself refuses the case (the probe's fault)

Families cover what users call: keras layers, tf.math (generated: every public
function with every dtype TF accepts eagerly), tf.bitwise, tf.cast pairs,
tf.nn, tf.ragged, tf.random, tf.strings, tf.linalg, tf.signal, tf.lookup,
tf.experimental.numpy (generated), tf.compat.v1, tensorflow_text.

Run (holds the shared lock; keep chunks short):
  flock /tmp/opbridge.lock .venv/bin/python tools/gap_probe.py --family math
  ... --list                 names only, no conversion
  ... --only NAME [NAME ...] the cases whose name contains one of these
  ... --no-stock             skip the builtins-only conversion
"""

from __future__ import annotations

import argparse
import contextlib
import io
import re
import sys
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

warnings.filterwarnings("ignore")

import tensorflow as tf  # noqa: E402

Fn = Callable[..., Any]


@dataclass
class Case:
    family: str
    name: str
    make: Callable[[], Fn]  # builds the body lazily (layers, tables, ...)
    inputs: Sequence[np.ndarray]
    rtol: float = 1e-5
    atol: float = 1e-6
    # A group of per-dtype cases probed as one model; rerun one by one when not ok.
    parts: list[Case] = field(default_factory=list)


@dataclass
class Outcome:
    status: str
    detail: str = ""
    custom: str = ""


# ---------------------------------------------------------------- sample inputs

FLOAT_VALUES = [-2.5, -1.0, -0.5, -0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 3.0]
FLOAT_Y = [1.5, -2.0, 0.5, 3.0, -0.25, 2.0, -1.5, 4.0, 0.75, -3.0]
UNIT_VALUES = [-0.9, -0.5, -0.1, 0.0, 0.2, 0.4, 0.6, 0.8, 0.95, 0.3]
INT_VALUES = [-7, -3, -1, 0, 1, 2, 3, 5, 9, 100]
INT_Y = [3, -2, 5, 7, -1, 2, 3, -4, 6, 9]

ALL_DTYPES = [
    tf.float16,
    tf.bfloat16,
    tf.float32,
    tf.float64,
    tf.complex64,
    tf.complex128,
    tf.int8,
    tf.int16,
    tf.int32,
    tf.int64,
    tf.uint8,
    tf.uint16,
    tf.uint32,
    tf.uint64,
    tf.bool,
]


def sample(dtype: tf.DType, second: bool = False, unit: bool = False, shape: tuple[int, ...] = (2, 5)) -> Any:
    """A (2, 5) array of `dtype` (bfloat16 comes as float32: it is cast in the graph)."""
    if dtype == tf.bool:
        return np.array([True, False, True, True, False, False, True, False, True, False]).reshape(shape)
    if dtype.is_floating or dtype.is_complex:
        base = np.array(UNIT_VALUES if unit else FLOAT_Y if second else FLOAT_VALUES)
        if dtype.is_complex:
            base = base + 1j * np.roll(base, 3)
        np_dtype = np.float32 if dtype == tf.bfloat16 else dtype.as_numpy_dtype
        return base.astype(np_dtype).reshape(shape)
    base = np.array(INT_Y if second else INT_VALUES)
    if dtype.is_unsigned:
        base = np.abs(base)
    return base.astype(dtype.as_numpy_dtype).reshape(shape)


def arr(values: Any, dtype: Any = np.float32) -> np.ndarray:
    return np.asarray(values, dtype=dtype)


def rand(
    shape: Sequence[int], dtype: Any = np.float32, low: float = -1, high: float = 1, seed: int = 0
) -> Any:
    rng = np.random.default_rng(seed)
    if np.dtype(dtype).kind in "iu":
        return rng.integers(int(low), int(high), size=shape).astype(dtype)
    if np.dtype(dtype).kind == "c":
        return (rng.uniform(low, high, shape) + 1j * rng.uniform(low, high, shape)).astype(dtype)
    return rng.uniform(low, high, shape).astype(dtype)


def strs(values: Any) -> np.ndarray:
    return np.asarray(values, dtype=object)


def tol_for(dtype: tf.DType) -> tuple[float, float]:
    if dtype in (tf.float16, tf.bfloat16):
        return 1e-2, 1e-2
    if dtype in (tf.float64, tf.complex128):
        return 1e-12, 1e-12
    return 1e-5, 1e-6


# ---------------------------------------------------------------- generated families


def _with_bf16(f: Fn, dtype: tf.DType, arity: int) -> Fn:
    """bfloat16 cannot be a model input here: cast from float32 in the graph, back at the end."""
    if dtype != tf.bfloat16:
        return f

    def body(*xs: Any) -> Any:
        out = f(*[tf.cast(x, tf.bfloat16) for x in xs[:arity]], *xs[arity:])
        return tf.nest.map_structure(lambda t: tf.cast(t, tf.float32) if t.dtype == tf.bfloat16 else t, out)

    return body


def _accepts(f: Fn, args: list[Any]) -> bool:
    try:
        with contextlib.redirect_stderr(io.StringIO()):
            out = f(*[tf.constant(a) for a in args])
        flat = tf.nest.flatten(out, expand_composites=True)
        return bool(flat) and all(isinstance(t, tf.Tensor) for t in flat)
    except Exception:
        return False


def generated(family: str, module: Any, prefix: str, names: list[str], dtypes: list[tf.DType]) -> list[Case]:
    """One group case per function: every dtype it accepts eagerly as unary, else as binary."""
    cases = []
    for name in names:
        f = getattr(module, name, None)
        if not callable(f) or isinstance(f, type):
            continue
        parts = []
        for dtype in dtypes:
            unit = name in UNIT_DOMAIN
            for arity in (1, 2):
                args = [sample(dtype, unit=unit), sample(dtype, second=True, unit=unit)][:arity]
                probe = _with_bf16(f, dtype, arity)
                cast_args = [tf.cast(a, tf.bfloat16).numpy() if dtype == tf.bfloat16 else a for a in args]
                if _accepts(f, cast_args) if dtype == tf.bfloat16 else _accepts(probe, args):
                    rtol, atol = tol_for(dtype)
                    parts.append(
                        Case(
                            family,
                            f"{prefix}{name}[{dtype.name}]",
                            lambda p=probe: p,
                            args,
                            rtol,
                            atol,
                        )
                    )
                    break
        if not parts:
            continue
        cases.append(_group(family, f"{prefix}{name}", parts))
    return cases


def _group(family: str, name: str, parts: list[Case]) -> Case:
    if len(parts) == 1:
        return parts[0]
    arities = [len(p.inputs) for p in parts]
    bodies = [p.make() for p in parts]

    def make() -> Fn:
        def body(*xs: Any) -> Any:
            out: list[Any] = []
            i = 0
            for b, n in zip(bodies, arities, strict=True):
                out.extend(tf.nest.flatten(b(*xs[i : i + n]), expand_composites=True))
                i += n
            return tuple(out)

        return body

    inputs = [x for p in parts for x in p.inputs]
    rtol = max(p.rtol for p in parts)
    atol = max(p.atol for p in parts)
    dtypes = ",".join(p.name.split("[")[-1].rstrip("]") for p in parts)
    return Case(family, f"{name}[{dtypes}]", make, inputs, rtol, atol, parts)


UNIT_DOMAIN = {"acos", "asin", "atanh", "erfinv", "ndtri", "arccos", "arcsin", "arctanh"}

# Need extra args (or a list): manual cases.
MATH_SKIP = {"confusion_matrix", "unsorted_segment_sum", "add_n", "accumulate_n"}


def math_cases() -> list[Case]:
    names = sorted(n for n in dir(tf.math) if not n.startswith("_") and n not in MATH_SKIP)
    cases = generated("math", tf.math, "tf.math.", names, ALL_DTYPES)
    special = sorted(n for n in dir(tf.math.special) if not n.startswith("_"))
    cases += generated("math", tf.math.special, "tf.math.special.", special, ALL_DTYPES)
    return cases + math_manual()


def bitwise_cases() -> list[Case]:
    names = sorted(n for n in dir(tf.bitwise) if not n.startswith("_"))
    ints = [d for d in ALL_DTYPES if d.is_integer]
    cases = []
    for name in names:
        f = getattr(tf.bitwise, name)
        parts = []
        for dtype in ints:
            x = sample(dtype)
            y = np.abs(sample(dtype, second=True)) % 7
            args = [x] if name in ("invert",) else [x, y.astype(x.dtype)]
            if name == "right_shift" or name == "left_shift":
                args = [x, y.astype(x.dtype)]
            if _accepts(f, args):
                parts.append(Case("bitwise", f"tf.bitwise.{name}[{dtype.name}]", lambda g=f: g, args))
        cases.append(_group("bitwise", f"tf.bitwise.{name}", parts))
    return cases


def cast_cases() -> list[Case]:
    """tf.cast from each dtype to every other, one model per source dtype."""
    cases = []
    for src in ALL_DTYPES:
        if src == tf.bfloat16:
            continue
        targets = [d for d in ALL_DTYPES if d != src]
        x = sample(src)
        if src.is_floating:
            x = (x * 37.3).astype(x.dtype)  # out-of-range values for small ints too

        def make(targets: list[tf.DType] = targets) -> Fn:
            def body(t: Any) -> Any:
                outs = []
                for d in targets:
                    c = tf.cast(t, d)
                    outs.append(tf.cast(c, tf.float32) if d == tf.bfloat16 else c)
                return tuple(outs)

            return body

        parts = [
            Case("cast", f"tf.cast[{src.name}->{d.name}]", lambda d=d: lambda t: _bf(tf.cast(t, d)), [x])
            for d in targets
        ]
        name = f"tf.cast[{src.name}->*]"
        cases.append(Case("cast", name, make, [x], 1e-2 if src == tf.float16 else 1e-5, 1e-2, parts))
    # bitcast pairs
    for src, dst in [
        (tf.float32, tf.int32),
        (tf.int32, tf.uint8),
        (tf.float64, tf.int64),
        (tf.int8, tf.uint8),
    ]:
        cases.append(
            Case(
                "cast",
                f"tf.bitcast[{src.name}->{dst.name}]",
                lambda d=dst: lambda t: tf.bitcast(t, d),
                [sample(src)],
            )
        )
    cases.append(
        Case(
            "cast",
            "tf.dtypes.saturate_cast[f32->u8]",
            lambda: lambda t: tf.dtypes.saturate_cast(t, tf.uint8),
            [sample(tf.float32) * 100],
        )
    )
    return cases


def _bf(t: Any) -> Any:
    return tf.cast(t, tf.float32) if t.dtype == tf.bfloat16 else t


TNP_NAMES = [
    "abs",
    "absolute",
    "add",
    "allclose",
    "amax",
    "amin",
    "angle",
    "append",
    "arange",
    "arccos",
    "arccosh",
    "arcsin",
    "arcsinh",
    "arctan",
    "arctan2",
    "arctanh",
    "argmax",
    "argmin",
    "argsort",
    "around",
    "average",
    "bitwise_and",
    "bitwise_not",
    "bitwise_or",
    "bitwise_xor",
    "cbrt",
    "ceil",
    "clip",
    "conj",
    "copysign",
    "cos",
    "cosh",
    "count_nonzero",
    "cross",
    "cumprod",
    "cumsum",
    "deg2rad",
    "diag",
    "diagflat",
    "diagonal",
    "diff",
    "divide",
    "divmod",
    "dot",
    "exp",
    "exp2",
    "expm1",
    "fabs",
    "fix",
    "flip",
    "fliplr",
    "float_power",
    "floor",
    "floor_divide",
    "fmod",
    "gcd",
    "heaviside",
    "hypot",
    "imag",
    "inner",
    "isclose",
    "iscomplex",
    "isfinite",
    "isinf",
    "isnan",
    "isneginf",
    "isposinf",
    "isreal",
    "kron",
    "lcm",
    "ldexp",
    "log",
    "log10",
    "log1p",
    "log2",
    "logaddexp",
    "logaddexp2",
    "logical_and",
    "logical_not",
    "logical_xor",
    "matmul",
    "max",
    "maximum",
    "mean",
    "median",
    "min",
    "minimum",
    "mod",
    "moveaxis",
    "multiply",
    "nanmean",
    "nanprod",
    "nansum",
    "negative",
    "nextafter",
    "nonzero",
    "outer",
    "percentile",
    "positive",
    "power",
    "prod",
    "ptp",
    "quantile",
    "rad2deg",
    "ravel",
    "real",
    "reciprocal",
    "remainder",
    "rint",
    "roll",
    "rot90",
    "round",
    "sign",
    "signbit",
    "sin",
    "sinc",
    "sinh",
    "sort",
    "sqrt",
    "square",
    "std",
    "subtract",
    "swapaxes",
    "take",
    "tan",
    "tanh",
    "tensordot",
    "trace",
    "transpose",
    "tri",
    "tril",
    "triu",
    "true_divide",
    "trunc",
    "unique",
    "var",
    "vander",
    "vdot",
    "where",
    "count_nonzero",
    "cov",
    "corrcoef",
    "histogram",
    "interp",
    "unwrap",
    "polyval",
    "bincount",
    "meshgrid",
    "einsum",
]


def tnp_cases() -> list[Case]:
    import tensorflow.experimental.numpy as tnp

    names = sorted(set(TNP_NAMES))
    dtypes = [tf.float32, tf.float64, tf.int32, tf.int64, tf.complex64, tf.bool]
    return generated("tnp", tnp, "tnp.", names, dtypes)


# ---------------------------------------------------------------- hand-written families


def c(family: str, name: str, body: Fn, *inputs: Any, rtol: float = 1e-5, atol: float = 1e-6) -> Case:
    """A case whose body needs nothing built before tracing."""
    return Case(family, name, lambda: body, [np.asarray(i) for i in inputs], rtol, atol)


def lazy(
    family: str, name: str, make: Callable[[], Fn], *inputs: Any, rtol: float = 1e-5, atol: float = 1e-6
) -> Case:
    return Case(family, name, make, [np.asarray(i) for i in inputs], rtol, atol)


def math_manual() -> list[Case]:
    m = "math"
    x = rand([6, 4])
    seg = arr([0, 0, 1, 2, 2, 4], np.int32)
    cases = [
        c(m, "tf.math.unsorted_segment_sum", lambda d, s: tf.math.unsorted_segment_sum(d, s, 5), x, seg),
        c(
            m,
            "tf.math.unsorted_segment_max[f64]",
            lambda d, s: tf.math.unsorted_segment_max(d, s, 5),
            x.astype(np.float64),
            seg,
        ),
        c(
            m,
            "tf.math.unsorted_segment_prod[i32]",
            lambda d, s: tf.math.unsorted_segment_prod(d, s, 5),
            (x * 5).astype(np.int32),
            seg,
        ),
        c(
            m,
            "tf.math.unsorted_segment_sqrt_n",
            lambda d, s: tf.math.unsorted_segment_sqrt_n(d, s, 5),
            x,
            seg,
        ),
        c(m, "tf.math.unsorted_segment_mean", lambda d, s: tf.math.unsorted_segment_mean(d, s, 5), x, seg),
        c(
            m,
            "tf.math.segment_sum[c64]",
            lambda d, s: tf.math.segment_sum(d, s),
            rand([6, 4], np.complex64),
            seg,
        ),
        c(m, "tf.math.segment_mean", lambda d, s: tf.math.segment_mean(d, s), x, seg),
        c(
            m,
            "tf.math.segment_max[i64]",
            lambda d, s: tf.math.segment_max(d, s),
            (x * 9).astype(np.int64),
            seg,
        ),
        c(
            m,
            "tf.math.confusion_matrix",
            lambda a, b: tf.math.confusion_matrix(a, b, num_classes=4),
            arr([0, 1, 2, 3, 1], np.int32),
            arr([0, 2, 2, 3, 0], np.int32),
        ),
        c(
            m,
            "tf.math.confusion_matrix[weights]",
            lambda a, b, w: tf.math.confusion_matrix(a, b, 4, weights=w),
            arr([0, 1, 2, 3], np.int64),
            arr([1, 1, 2, 0], np.int64),
            arr([0.5, 1, 2, 3]),
        ),
        c(m, "tf.math.top_k[f64]", lambda t: tf.math.top_k(t, 3), rand([3, 7], np.float64)),
        c(m, "tf.math.top_k[i64]", lambda t: tf.math.top_k(t, 2), rand([3, 7], np.int64, low=-9, high=9)),
        c(
            m,
            "tf.math.top_k[sorted=False]",
            lambda t: tf.sort(tf.math.top_k(t, 3, sorted=False).values),
            rand([3, 7]),
        ),
        c(m, "tf.math.approx_max_k", lambda t: tf.math.approx_max_k(t, 2), rand([3, 16])),
        c(
            m,
            "tf.math.in_top_k",
            lambda t, k: tf.math.in_top_k(k, t, 2),
            rand([3, 5]),
            arr([0, 4, 2], np.int32),
        ),
        c(
            m,
            "tf.math.bincount[weights]",
            lambda t, w: tf.math.bincount(t, w, minlength=6),
            arr([1, 2, 2, 5, 0], np.int32),
            arr([0.5, 1, 2, 3, 4]),
        ),
        c(
            m,
            "tf.math.bincount[2d,binary]",
            lambda t: tf.math.bincount(t, minlength=6, binary_output=True, axis=-1),
            arr([[1, 2, 2], [5, 0, 0]], np.int32),
        ),
        c(
            m,
            "tf.math.bincount[i64]",
            lambda t: tf.math.bincount(t, minlength=6, dtype=tf.int64),
            arr([1, 2, 2, 5, 0], np.int64),
        ),
        c(
            m,
            "tf.math.cumsum[exclusive,reverse,f64]",
            lambda t: tf.math.cumsum(t, 1, exclusive=True, reverse=True),
            rand([3, 5], np.float64),
        ),
        c(m, "tf.math.cumsum[i64]", lambda t: tf.math.cumsum(t, 0), rand([3, 5], np.int64, low=-9, high=9)),
        c(m, "tf.math.cumprod[c64]", lambda t: tf.math.cumprod(t, 1), rand([3, 5], np.complex64)),
        c(
            m,
            "tf.math.cumulative_logsumexp[f64]",
            lambda t: tf.math.cumulative_logsumexp(t, 1, reverse=True),
            rand([3, 5], np.float64),
        ),
        c(
            m,
            "tf.math.polyval",
            lambda a, b, t: tf.math.polyval([a, b, t], t),
            arr(2.0),
            arr(-1.0),
            rand([4]),
        ),
        c(
            m,
            "tf.math.reduce_sum[axis,keepdims,c128]",
            lambda t: tf.math.reduce_sum(t, 1, keepdims=True),
            rand([3, 5], np.complex128),
        ),
        c(m, "tf.math.reduce_prod[c64]", lambda t: tf.math.reduce_prod(t, 0), rand([3, 5], np.complex64)),
        c(
            m,
            "tf.math.reduce_euclidean_norm[c64]",
            lambda t: tf.math.reduce_euclidean_norm(t, 1),
            rand([3, 5], np.complex64),
        ),
        c(m, "tf.math.reduce_std[f64]", lambda t: tf.math.reduce_std(t, 1), rand([3, 5], np.float64)),
        c(
            m,
            "tf.math.reduce_variance[c64]",
            lambda t: tf.math.reduce_variance(t, 1),
            rand([3, 5], np.complex64),
        ),
        c(
            m,
            "tf.math.reduce_logsumexp[f64]",
            lambda t: tf.math.reduce_logsumexp(t, 1),
            rand([3, 5], np.float64),
        ),
        c(m, "tf.math.reduce_max[u8]", lambda t: tf.math.reduce_max(t, 1), rand([3, 5], np.uint8, 0, 255)),
        c(m, "tf.math.reduce_min[f16]", lambda t: tf.math.reduce_min(t, 1), rand([3, 5], np.float16)),
        c(m, "tf.math.reduce_mean[i64]", lambda t: tf.math.reduce_mean(t, 1), rand([3, 5], np.int64, 0, 99)),
        c(
            m,
            "tf.math.argmax[f64,i64out]",
            lambda t: tf.math.argmax(t, 1, output_type=tf.int64),
            rand([3, 5], np.float64),
        ),
        c(m, "tf.math.argmin[u8]", lambda t: tf.math.argmin(t, 0), rand([3, 5], np.uint8, 0, 255)),
        c(
            m,
            "tf.math.argmax[bool]",
            lambda t: tf.math.argmax(tf.cast(t, tf.bool), 1),
            rand([3, 5], np.int32, 0, 2),
        ),
        c(
            m,
            "tf.math.count_nonzero[f32,axis]",
            lambda t: tf.math.count_nonzero(t, 1),
            rand([3, 5], np.int32, -1, 2).astype(np.float32),
        ),
        c(m, "tf.math.reduce_any[axis]", lambda t: tf.math.reduce_any(t > 0, 1), rand([3, 5])),
        c(m, "tf.math.reduce_all", lambda t: tf.math.reduce_all(t > -0.5), rand([3, 5])),
        c(m, "tf.math.sobol_sample", lambda n: tf.math.sobol_sample(3, n), arr(5, np.int32)),
        c(m, "tf.math.lbeta[f64]", lambda t: tf.math.lbeta(t), rand([3, 4], np.float64, 0.1, 3)),
        c(
            m,
            "tf.math.betainc[f64]",
            lambda a, b, t: tf.math.betainc(a, b, t),
            rand([5], np.float64, 0.5, 3),
            rand([5], np.float64, 0.5, 3, seed=1),
            rand([5], np.float64, 0, 1, seed=2),
        ),
        c(
            m,
            "tf.math.igamma",
            lambda a, t: tf.math.igamma(a, t),
            rand([5], np.float32, 0.5, 3),
            rand([5], np.float32, 0, 3, seed=1),
        ),
        c(
            m,
            "tf.math.igammac[f64]",
            lambda a, t: tf.math.igammac(a, t),
            rand([5], np.float64, 0.5, 3),
            rand([5], np.float64, 0, 3, seed=1),
        ),
        c(
            m,
            "tf.math.zeta",
            lambda a, t: tf.math.zeta(a, t),
            rand([5], np.float32, 1.5, 4),
            rand([5], np.float32, 0.5, 3, seed=1),
        ),
        c(
            m,
            "tf.math.polygamma",
            lambda a, t: tf.math.polygamma(a, t),
            arr([0, 1, 2, 1, 0]),
            rand([5], np.float32, 0.5, 3, seed=1),
        ),
        c(m, "tf.math.bessel_i0e[f64]", lambda t: tf.math.bessel_i0e(t), rand([5], np.float64, -3, 3)),
        c(
            m,
            "tf.math.special.bessel_k1e",
            lambda t: tf.math.special.bessel_k1e(t),
            rand([5], np.float32, 0.1, 3),
        ),
        c(
            m,
            "tf.math.special.bessel_y0[f64]",
            lambda t: tf.math.special.bessel_y0(t),
            rand([5], np.float64, 0.1, 3),
        ),
        c(
            m,
            "tf.math.special.fresnel_cos",
            lambda t: tf.math.special.fresnel_cos(t),
            rand([5], np.float32, -3, 3),
        ),
        c(m, "tf.math.special.spence[f64]", lambda t: tf.math.special.spence(t), rand([5], np.float64, 0, 3)),
        c(m, "tf.math.special.expint", lambda t: tf.math.special.expint(t), rand([5], np.float32, 0.1, 3)),
        c(m, "tf.math.special.dawsn", lambda t: tf.math.special.dawsn(t), rand([5], np.float32, -3, 3)),
        c(
            m,
            "tf.math.xlog1py[f64]",
            lambda a, t: tf.math.xlog1py(a, t),
            rand([5], np.float64),
            rand([5], np.float64, 0, 3),
        ),
        c(
            m,
            "tf.math.nextafter[f64]",
            lambda a, t: tf.math.nextafter(a, t),
            rand([5], np.float64),
            rand([5], np.float64, seed=3),
        ),
        c(
            m,
            "tf.math.floormod[f64]",
            lambda a, t: tf.math.floormod(a, t),
            rand([5], np.float64, -5, 5),
            rand([5], np.float64, 1, 3),
        ),
        c(
            m,
            "tf.math.truncatemod[i64]",
            lambda a, t: tf.truncatemod(a, t),
            rand([5], np.int64, -9, 9),
            rand([5], np.int64, 1, 4),
        ),
        c(
            m,
            "tf.math.floordiv[u32]",
            lambda a, t: tf.math.floordiv(a, t),
            rand([5], np.uint32, 0, 99),
            rand([5], np.uint32, 1, 7),
        ),
        c(
            m,
            "tf.math.divide_no_nan[c64]",
            lambda a, t: tf.math.divide_no_nan(a, t),
            rand([5], np.complex64),
            rand([5], np.complex64, seed=2) * arr([1, 0, 1, 0, 1], np.complex64),
        ),
        c(
            m,
            "tf.math.pow[i32]",
            lambda a, t: tf.math.pow(a, t),
            rand([5], np.int32, -4, 4),
            rand([5], np.int32, 0, 5),
        ),
        c(
            m,
            "tf.math.pow[c64]",
            lambda a, t: tf.math.pow(a, t),
            rand([5], np.complex64),
            rand([5], np.complex64, seed=3),
        ),
        c(m, "tf.math.scalar_mul", lambda t: tf.math.scalar_mul(3.0, t), rand([5])),
        c(
            m,
            "tf.math.add_n[i64]",
            lambda a, t: tf.math.add_n([a, t, a]),
            rand([5], np.int64, 0, 9),
            rand([5], np.int64, 0, 9),
        ),
        c(m, "tf.math.accumulate_n", lambda a, t: tf.math.accumulate_n([a, t]), rand([5]), rand([5], seed=1)),
        c(m, "tf.math.l2_normalize[f64]", lambda t: tf.math.l2_normalize(t, 1), rand([3, 5], np.float64)),
        c(m, "tf.math.l2_normalize[c64]", lambda t: tf.math.l2_normalize(t, 1), rand([3, 5], np.complex64)),
        c(m, "tf.math.softplus[f64]", lambda t: tf.math.softplus(t), rand([5], np.float64, -30, 30)),
        c(m, "tf.math.log_softmax[f64]", lambda t: tf.math.log_softmax(t), rand([3, 5], np.float64)),
        c(
            m,
            "tf.math.softmax[f16]",
            lambda t: tf.math.softmax(t),
            rand([3, 5], np.float16),
            rtol=1e-2,
            atol=1e-3,
        ),
        c(m, "tf.math.is_strictly_increasing", lambda t: tf.math.is_strictly_increasing(t), rand([5])),
        c(
            m,
            "tf.math.is_non_decreasing[i32]",
            lambda t: tf.math.is_non_decreasing(t),
            rand([5], np.int32, 0, 9),
        ),
        c(
            m,
            "tf.math.invert_permutation",
            lambda t: tf.math.invert_permutation(t),
            arr([2, 0, 3, 1], np.int32),
        ),
        c(
            m,
            "tf.math.invert_permutation[i64]",
            lambda t: tf.math.invert_permutation(t),
            arr([2, 0, 3, 1], np.int64),
        ),
        c(
            m,
            "tf.math.reduce_sum[bool->i32]",
            lambda t: tf.math.reduce_sum(tf.cast(t > 0, tf.int32)),
            rand([3, 5]),
        ),
        c(m, "tf.math.angle[f64]", lambda t: tf.math.angle(t), rand([5], np.float64)),
        c(
            m,
            "tf.math.real/imag[c128]",
            lambda t: (tf.math.real(t), tf.math.imag(t)),
            rand([5], np.complex128),
        ),
        c(m, "tf.math.abs[c128]", lambda t: tf.math.abs(t), rand([5], np.complex128)),
        c(
            m,
            "tf.complex[f64]",
            lambda a, b: tf.complex(a, b),
            rand([5], np.float64),
            rand([5], np.float64, seed=1),
        ),
        c(m, "tf.math.sqrt[c64]", lambda t: tf.math.sqrt(t), rand([5], np.complex64)),
        c(m, "tf.math.exp[c128]", lambda t: tf.math.exp(t), rand([5], np.complex128)),
        c(
            m,
            "tf.math.reduce_max[i8,axis-1]",
            lambda t: tf.math.reduce_max(t, -1),
            rand([3, 5], np.int8, -99, 99),
        ),
        c(m, "tf.math.reduce_prod[i64]", lambda t: tf.math.reduce_prod(t, 1), rand([3, 5], np.int64, -5, 5)),
    ]
    return cases


def nn_cases() -> list[Case]:
    n = "nn"
    img = rand([1, 6, 6, 3])
    img64 = img.astype(np.float64)
    seq = rand([2, 5, 4])
    lab = arr([[1, 2, 0], [3, 3, 1]], np.int32)
    logits = rand([5, 2, 5])  # time major
    cases = [
        c(n, "tf.nn.gelu[approx]", lambda t: tf.nn.gelu(t, approximate=True), rand([5])),
        c(n, "tf.nn.gelu[exact,f64]", lambda t: tf.nn.gelu(t), rand([5], np.float64)),
        c(n, "tf.nn.silu[beta]", lambda t: tf.nn.silu(t, beta=1.5), rand([5])),
        c(n, "tf.nn.selu[f64]", lambda t: tf.nn.selu(t), rand([5], np.float64)),
        c(n, "tf.nn.elu[f16]", lambda t: tf.nn.elu(t), rand([5], np.float16), rtol=1e-3, atol=1e-3),
        c(n, "tf.nn.relu6[i32]", lambda t: tf.nn.relu6(t), rand([5], np.int32, -9, 9)),
        c(n, "tf.nn.relu[i64]", lambda t: tf.nn.relu(t), rand([5], np.int64, -9, 9)),
        c(n, "tf.nn.relu[f64]", lambda t: tf.nn.relu(t), rand([5], np.float64)),
        c(n, "tf.nn.leaky_relu[f64]", lambda t: tf.nn.leaky_relu(t, 0.3), rand([5], np.float64)),
        c(n, "tf.nn.crelu", lambda t: tf.nn.crelu(t), rand([2, 5])),
        c(n, "tf.nn.softsign[f64]", lambda t: tf.nn.softsign(t), rand([5], np.float64)),
        c(
            n,
            "tf.nn.log_poisson_loss",
            lambda a, b: tf.nn.log_poisson_loss(a, b, compute_full_loss=True),
            rand([5], np.float32, 0, 3),
            rand([5]),
        ),
        c(
            n,
            "tf.nn.sigmoid_cross_entropy_with_logits",
            lambda a, b: tf.nn.sigmoid_cross_entropy_with_logits(a, b),
            rand([5], np.float32, 0, 1),
            rand([5]),
        ),
        c(
            n,
            "tf.nn.weighted_cross_entropy_with_logits",
            lambda a, b: tf.nn.weighted_cross_entropy_with_logits(a, b, 2.0),
            rand([5], np.float32, 0, 1),
            rand([5]),
        ),
        c(
            n,
            "tf.nn.softmax_cross_entropy_with_logits",
            lambda a, b: tf.nn.softmax_cross_entropy_with_logits(tf.nn.softmax(a), b),
            rand([3, 5]),
            rand([3, 5], seed=1),
        ),
        c(
            n,
            "tf.nn.sparse_softmax_cross_entropy_with_logits",
            lambda a, b: tf.nn.sparse_softmax_cross_entropy_with_logits(a, b),
            arr([1, 0, 4], np.int32),
            rand([3, 5]),
        ),
        c(
            n,
            "tf.nn.ctc_loss[dense]",
            lambda lg, lb: tf.nn.ctc_loss(lb, lg, [3, 3], [5, 5], logits_time_major=True, blank_index=0),
            logits,
            lab,
        ),
        c(
            n,
            "tf.nn.ctc_greedy_decoder",
            lambda lg: tf.sparse.to_dense(tf.nn.ctc_greedy_decoder(lg, [5, 5])[0][0]),
            logits,
        ),
        c(
            n,
            "tf.nn.ctc_beam_search_decoder",
            lambda lg: tf.sparse.to_dense(tf.nn.ctc_beam_search_decoder(lg, [5, 5], beam_width=3)[0][0]),
            logits,
        ),
        c(
            n,
            "tf.nn.conv2d[f64]",
            lambda t, w: tf.nn.conv2d(t, w, 1, "SAME"),
            img64,
            rand([3, 3, 3, 2], np.float64),
        ),
        c(
            n,
            "tf.nn.conv2d[dilations]",
            lambda t, w: tf.nn.conv2d(t, w, 1, "VALID", dilations=2),
            img,
            rand([2, 2, 3, 2]),
        ),
        c(
            n,
            "tf.nn.conv2d[explicit padding]",
            lambda t, w: tf.nn.conv2d(t, w, 1, [[0, 0], [1, 2], [2, 1], [0, 0]]),
            img,
            rand([3, 3, 3, 2]),
        ),
        c(
            n,
            "tf.nn.conv1d[f64]",
            lambda t, w: tf.nn.conv1d(t, w, 1, "SAME"),
            seq.astype(np.float64),
            rand([3, 4, 2], np.float64),
        ),
        c(
            n,
            "tf.nn.conv2d_transpose[f64]",
            lambda t, w: tf.nn.conv2d_transpose(t, w, [1, 12, 12, 2], 2),
            img64,
            rand([3, 3, 2, 3], np.float64),
        ),
        c(
            n,
            "tf.nn.conv1d_transpose",
            lambda t, w: tf.nn.conv1d_transpose(t, w, [2, 10, 2], 2),
            seq,
            rand([3, 2, 4]),
        ),
        c(
            n,
            "tf.nn.conv3d_transpose",
            lambda t, w: tf.nn.conv3d_transpose(t, w, [1, 4, 4, 4, 2], 2),
            rand([1, 2, 2, 2, 3]),
            rand([2, 2, 2, 2, 3]),
        ),
        c(
            n,
            "tf.nn.atrous_conv2d_transpose",
            lambda t, w: tf.nn.atrous_conv2d_transpose(t, w, [1, 6, 6, 2], 2, "SAME"),
            img,
            rand([3, 3, 2, 3]),
        ),
        c(
            n,
            "tf.nn.depthwise_conv2d[f64]",
            lambda t, w: tf.nn.depthwise_conv2d(t, w, [1, 1, 1, 1], "SAME"),
            img64,
            rand([3, 3, 3, 2], np.float64),
        ),
        c(
            n,
            "tf.nn.depthwise_conv2d[dilation]",
            lambda t, w: tf.nn.depthwise_conv2d(t, w, [1, 1, 1, 1], "SAME", dilations=[2, 2]),
            img,
            rand([3, 3, 3, 2]),
        ),
        c(
            n,
            "tf.nn.separable_conv2d",
            lambda t, w, p: tf.nn.separable_conv2d(t, w, p, [1, 1, 1, 1], "SAME"),
            img,
            rand([3, 3, 3, 2]),
            rand([1, 1, 6, 4]),
        ),
        c(
            n,
            "tf.nn.conv2d[groups]",
            lambda t, w: tf.nn.conv2d(t, w, 1, "SAME"),
            rand([1, 6, 6, 4]),
            rand([3, 3, 2, 4]),
        ),
        c(
            n,
            "tf.nn.convolution[NCHW->transposed]",
            lambda t, w: tf.nn.convolution(t, w, padding="SAME"),
            rand([1, 5, 5, 5, 2]),
            rand([2, 2, 2, 2, 3]),
        ),
        c(n, "tf.nn.max_pool2d[f64]", lambda t: tf.nn.max_pool2d(t, 2, 2, "VALID"), img64),
        c(n, "tf.nn.avg_pool2d[f64]", lambda t: tf.nn.avg_pool2d(t, 2, 2, "SAME"), img64),
        c(n, "tf.nn.max_pool1d", lambda t: tf.nn.max_pool1d(t, 2, 2, "SAME"), seq),
        c(n, "tf.nn.max_pool3d", lambda t: tf.nn.max_pool3d(t, 2, 2, "SAME"), rand([1, 4, 4, 4, 2])),
        c(n, "tf.nn.avg_pool3d", lambda t: tf.nn.avg_pool3d(t, 2, 2, "SAME"), rand([1, 4, 4, 4, 2])),
        c(
            n,
            "tf.nn.pool[avg,dilated]",
            lambda t: tf.nn.pool(t, [2, 2], "AVG", padding="SAME", dilations=[2, 2]),
            img,
        ),
        c(n, "tf.nn.max_pool_with_argmax", lambda t: tf.nn.max_pool_with_argmax(t, 2, 2, "VALID"), img),
        c(
            n,
            "tf.nn.fractional_max_pool[deterministic]",
            lambda t: tf.nn.fractional_max_pool(t, [1, 1.5, 1.5, 1], seed=1, pseudo_random=True)[0],
            img,
        ),
        c(
            n,
            "tf.nn.fractional_avg_pool[deterministic]",
            lambda t: tf.nn.fractional_avg_pool(t, [1, 1.5, 1.5, 1], seed=1)[0],
            img,
        ),
        c(
            n,
            "tf.nn.local_response_normalization[f64]",
            lambda t: tf.nn.local_response_normalization(t),
            img64,
        ),
        c(
            n,
            "tf.nn.batch_normalization[f64]",
            lambda t: tf.nn.batch_normalization(t, 0.1, 2.0, 0.5, 1.5, 1e-3),
            img64,
        ),
        c(
            n,
            "tf.nn.fused_batch_norm[inference]",
            lambda t: tf.compat.v1.nn.fused_batch_norm(
                t, tf.ones([3]), tf.zeros([3]), tf.ones([3]) * 0.1, tf.ones([3]) * 2.0, is_training=False
            )[0],
            img,
        ),
        c(
            n,
            "tf.nn.fused_batch_norm[training]",
            lambda t: tf.compat.v1.nn.fused_batch_norm(t, tf.ones([3]), tf.zeros([3]), is_training=True)[0],
            img,
        ),
        c(n, "tf.nn.moments", lambda t: tf.nn.moments(t, [0, 1, 2]), img),
        c(
            n,
            "tf.nn.weighted_moments",
            lambda t, w: tf.nn.weighted_moments(t, [1], w),
            rand([3, 5]),
            rand([3, 5], np.float32, 0, 1),
        ),
        c(
            n,
            "tf.nn.normalize_moments",
            lambda t: tf.nn.normalize_moments(
                tf.constant(5.0), tf.reduce_sum(t, 0), tf.reduce_sum(t * t, 0), None
            ),
            rand([5, 3]),
        ),
        c(n, "tf.nn.dropout[training]", lambda t: tf.nn.dropout(t, 0.0), rand([5])),
        c(
            n,
            "tf.nn.embedding_lookup[f64]",
            lambda p, i: tf.nn.embedding_lookup(p, i),
            rand([6, 3], np.float64),
            arr([0, 5, 2], np.int32),
        ),
        c(
            n,
            "tf.nn.embedding_lookup[max_norm]",
            lambda p, i: tf.nn.embedding_lookup(p, i, max_norm=0.5),
            rand([6, 3]),
            arr([0, 5, 2], np.int32),
        ),
        c(
            n,
            "tf.nn.embedding_lookup_sparse",
            lambda p, i: tf.nn.embedding_lookup_sparse(p, tf.sparse.from_dense(i), None, combiner="mean"),
            rand([6, 3]),
            arr([[1, 0, 3], [0, 5, 2]], np.int64),
        ),
        c(
            n,
            "tf.nn.embedding_lookup[string via StringLookup]",
            lambda p, i: tf.gather(p, i),
            rand([6, 3]),
            arr([0, 5], np.int64),
        ),
        c(
            n,
            "tf.nn.bias_add[NCHW]",
            lambda t, b: tf.nn.bias_add(t, b, data_format="NCHW"),
            rand([1, 3, 4, 4]),
            rand([3]),
        ),
        c(n, "tf.nn.bias_add[f64]", lambda t, b: tf.nn.bias_add(t, b), img64, rand([3], np.float64)),
        c(
            n,
            "tf.nn.space_to_depth[NCHW]",
            lambda t: tf.nn.space_to_depth(t, 2, data_format="NCHW"),
            rand([1, 3, 4, 4]),
        ),
        c(
            n,
            "tf.nn.depth_to_space[f64]",
            lambda t: tf.nn.depth_to_space(t, 2),
            rand([1, 2, 2, 8], np.float64),
        ),
        c(n, "tf.nn.space_to_batch", lambda t: tf.space_to_batch(t, [2, 2], [[0, 0], [0, 0]]), img),
        c(
            n,
            "tf.nn.compute_average_loss",
            lambda t: tf.nn.compute_average_loss(t, global_batch_size=4),
            rand([4]),
        ),
        c(
            n,
            "tf.nn.scale_regularization_loss",
            lambda t: tf.nn.scale_regularization_loss(tf.reduce_sum(t)),
            rand([4]),
        ),
        c(n, "tf.nn.l2_loss[f64]", lambda t: tf.nn.l2_loss(t), rand([4], np.float64)),
        c(n, "tf.nn.isotonic_regression", lambda t: tf.nn.isotonic_regression(t)[0], rand([2, 5])),
        c(
            n,
            "tf.nn.compute_accidental_hits",
            lambda t, s: tf.nn.compute_accidental_hits(t, s, 1)[2],
            arr([[1], [3]], np.int64),
            arr([1, 2, 3], np.int64),
        ),
        c(
            n,
            "tf.nn.sampled_softmax_loss[eval]",
            lambda w, b, i: tf.nn.softmax(tf.matmul(i, w, transpose_b=True) + b),
            rand([6, 4]),
            rand([6]),
            rand([2, 4]),
        ),
        c(n, "tf.nn.zero_fraction", lambda t: tf.nn.zero_fraction(tf.nn.relu(t)), rand([3, 5])),
        c(
            n,
            "tf.nn.collapse_repeated",
            lambda t, n: tf.nn.collapse_repeated(t, n)[0],
            arr([[1, 1, 2, 2, 3], [4, 4, 4, 5, 5]], np.int32),
            arr([5, 4], np.int32),
        ),
        c(
            n,
            "tf.nn.ctc_unique_labels",
            lambda t: tf.nn.ctc_unique_labels(t)[1],
            arr([[1, 1, 2, 2, 3], [4, 4, 4, 5, 5]], np.int32),
        ),
        c(n, "tf.nn.sufficient_statistics", lambda t: tf.nn.sufficient_statistics(t, [0])[1:3], rand([3, 5])),
        c(
            n,
            "tf.nn.experimental.stateless_dropout",
            lambda t: tf.nn.experimental.stateless_dropout(t, 0.5, seed=[1, 2]),
            rand([4, 4]),
        ),
        c(
            n,
            "tf.nn.experimental.general_dropout",
            lambda t: tf.nn.experimental.general_dropout(
                t, 0.5, uniform_sampler=lambda shape: tf.random.stateless_uniform(shape, [3, 4])
            ),
            rand([4, 4]),
        ),
        c(n, "tf.nn.log_softmax[axis0]", lambda t: tf.nn.log_softmax(t, axis=0), rand([3, 5])),
        c(n, "tf.nn.softmax[axis1,3d]", lambda t: tf.nn.softmax(t, axis=1), rand([2, 3, 5])),
        c(n, "tf.nn.relu[u8]", lambda t: tf.nn.relu(t), rand([5], np.uint8, 0, 200)),
        c(
            n,
            "tf.nn.erosion2d",
            lambda t, f: tf.nn.erosion2d(t, f, [1, 1, 1, 1], "SAME", "NHWC", [1, 1, 1, 1]),
            img,
            rand([2, 2, 3]),
        ),
    ]
    return cases


def ragged_cases() -> list[Case]:
    r = "ragged"
    vals = rand([7])
    splits = arr([0, 2, 2, 5, 7], np.int64)

    def rt(v: Any, s: Any) -> Any:
        return tf.RaggedTensor.from_row_splits(v, s)

    words = strs([b"a", b"bc", b"a", b"d", b"ef", b"g", b"bc"])
    cases = [
        c(r, "RaggedTensor.to_tensor", lambda v, s: rt(v, s).to_tensor(default_value=-1.0), vals, splits),
        c(r, "RaggedTensor.to_tensor[shape]", lambda v, s: rt(v, s).to_tensor(shape=[4, 4]), vals, splits),
        c(
            r,
            "RaggedTensor.from_tensor[padding]",
            lambda t: tf.RaggedTensor.from_tensor(t, padding=0.0).row_lengths(),
            rand([3, 4]) * (rand([3, 4], seed=2) > 0),
        ),
        c(
            r,
            "RaggedTensor.from_tensor[lengths]",
            lambda t: tf.RaggedTensor.from_tensor(t, lengths=[1, 3, 0]).flat_values,
            rand([3, 4]),
        ),
        c(
            r,
            "RaggedTensor.from_value_rowids",
            lambda v, i: tf.RaggedTensor.from_value_rowids(v, i, 4).to_tensor(),
            vals,
            arr([0, 0, 1, 1, 1, 3, 3], np.int64),
        ),
        c(
            r,
            "RaggedTensor.from_row_lengths",
            lambda v, n: tf.RaggedTensor.from_row_lengths(v, n).to_tensor(),
            vals,
            arr([2, 0, 3, 2], np.int64),
        ),
        c(
            r,
            "RaggedTensor.from_nested_row_splits",
            lambda v: tf.RaggedTensor.from_nested_row_splits(v, [[0, 2, 3], [0, 1, 4, 7]]).to_tensor(),
            vals,
        ),
        c(r, "RaggedTensor.value_rowids", lambda v, s: rt(v, s).value_rowids(), vals, splits),
        c(
            r,
            "RaggedTensor.nrows/row_starts/limits",
            lambda v, s: (rt(v, s).nrows(), rt(v, s).row_starts(), rt(v, s).row_limits()),
            vals,
            splits,
        ),
        c(r, "RaggedTensor.bounding_shape", lambda v, s: rt(v, s).bounding_shape(), vals, splits),
        c(r, "RaggedTensor.to_sparse", lambda v, s: rt(v, s).to_sparse(), vals, splits),
        c(
            r,
            "RaggedTensor.from_sparse",
            lambda v: tf.RaggedTensor.from_sparse(tf.sparse.from_dense(v)).row_splits,
            rand([3, 4]) * (rand([3, 4], seed=2) > 0),
        ),
        c(r, "RaggedTensor.__getitem__[row]", lambda v, s: rt(v, s)[2], vals, splits),
        c(r, "RaggedTensor.__getitem__[:,0:1]", lambda v, s: rt(v, s)[:, :1].to_tensor(), vals, splits),
        c(
            r,
            "RaggedTensor.merge_dims",
            lambda v, s: rt(tf.reshape(v, [7, 1]), s).merge_dims(0, 1),
            vals,
            splits,
        ),
        c(
            r,
            "tf.ragged.map_flat_values",
            lambda v, s: tf.ragged.map_flat_values(tf.math.square, rt(v, s)).to_tensor(),
            vals,
            splits,
        ),
        c(
            r,
            "tf.ragged.range",
            lambda a, b: tf.ragged.range(a, b).to_tensor(),
            arr([0, 2, 5], np.int32),
            arr([3, 2, 8], np.int32),
        ),
        c(
            r,
            "tf.ragged.range[f32,delta]",
            lambda a, b: tf.ragged.range(a, b, 0.5).flat_values,
            arr([0, 2]),
            arr([1.5, 3]),
        ),
        c(
            r,
            "tf.ragged.boolean_mask",
            lambda t, m: tf.ragged.boolean_mask(t, m).to_tensor(),
            rand([3, 4]),
            rand([3, 4], seed=1) > 0,
        ),
        c(
            r,
            "tf.ragged.stack_dynamic_partitions",
            lambda v, p: tf.ragged.stack_dynamic_partitions(v, p, 3).to_tensor(),
            vals,
            arr([0, 2, 1, 0, 2, 2, 1], np.int32),
        ),
        c(
            r,
            "tf.ragged.segment_ids_to_row_splits",
            lambda i: tf.ragged.segment_ids_to_row_splits(i),
            arr([0, 0, 1, 3, 3], np.int64),
        ),
        c(r, "tf.ragged.row_splits_to_segment_ids", lambda s: tf.ragged.row_splits_to_segment_ids(s), splits),
        c(
            r,
            "tf.ragged.cross",
            lambda a, s, b: tf.ragged.cross([rt(a, s), rt(b, s)]).flat_values,
            words,
            splits,
            words[::-1].copy(),
        ),
        c(
            r,
            "tf.ragged.cross_hashed",
            lambda a, s: tf.ragged.cross_hashed([rt(a, s), rt(a, s)], 100).flat_values,
            words,
            splits,
        ),
        c(r, "tf.reduce_sum(ragged,axis1)", lambda v, s: tf.reduce_sum(rt(v, s), 1), vals, splits),
        c(r, "tf.reduce_mean(ragged,axis1)", lambda v, s: tf.reduce_mean(rt(v, s), 1), vals, splits),
        c(r, "tf.reduce_max(ragged,axis1)", lambda v, s: tf.reduce_max(rt(v, s), 1), vals, splits),
        c(r, "tf.reduce_max(ragged,axis0)", lambda v, s: tf.reduce_max(rt(v, s), 0), vals, splits),
        c(
            r,
            "tf.concat(ragged,axis1)",
            lambda v, s: tf.concat([rt(v, s), rt(v, s)], 1).to_tensor(),
            vals,
            splits,
        ),
        c(r, "tf.stack(ragged)", lambda v, s: tf.stack([rt(v, s), rt(v, s)], 1).flat_values, vals, splits),
        c(r, "tf.gather(ragged)", lambda v, s: tf.gather(rt(v, s), [3, 0, 2]).to_tensor(), vals, splits),
        c(
            r,
            "tf.gather(ragged,batch_dims)",
            lambda v, s: tf.gather(rt(v, s), [[0], [0], [0], [1]], batch_dims=1).flat_values,
            vals,
            arr([0, 2, 3, 5, 7], np.int64),
        ),
        c(r, "tf.gather_nd(ragged)", lambda v, s: tf.gather_nd(rt(v, s), [[0, 1], [3, 0]]), vals, splits),
        c(
            r,
            "tf.where(ragged)",
            lambda v, s: tf.where(rt(v, s) > 0, rt(v, s), 0.0).to_tensor(),
            vals,
            splits,
        ),
        c(r, "tf.tile(ragged)", lambda v, s: tf.tile(rt(v, s), [2, 2]).to_tensor(), vals, splits),
        c(r, "tf.expand_dims(ragged)", lambda v, s: tf.expand_dims(rt(v, s), 1).flat_values, vals, splits),
        c(
            r,
            "tf.squeeze(ragged)",
            lambda v, s: tf.squeeze(rt(tf.reshape(v, [7, 1]), s), -1).to_tensor(),
            vals,
            splits,
        ),
        c(r, "tf.repeat(ragged)", lambda v, s: tf.repeat(rt(v, s), 2, axis=0).to_tensor(), vals, splits),
        c(
            r,
            "tf.shape(ragged)",
            lambda v, s: tf.shape(rt(v, s))[1:2].__class__ and rt(v, s).row_lengths(),
            vals,
            splits,
        ),
        c(
            r,
            "tf.strings.ngrams(ragged)",
            lambda a, s: tf.strings.ngrams(rt(a, s), 2).flat_values,
            words,
            splits,
        ),
        c(
            r,
            "tf.strings.split.to_tensor",
            lambda t: tf.strings.split(t).to_tensor(),
            strs([b"a bc d", b"", b"ef g"]),
        ),
        c(r, "tf.unique(ragged flat)", lambda a: tf.unique(a)[1], words),
        c(
            r,
            "tf.ragged.constant in graph",
            lambda v: tf.ragged.constant([[1.0, 2.0], [3.0]]).to_tensor() * v,
            arr(2.0),
        ),
        c(r, "tf.sort(ragged)", lambda v, s: tf.map_fn(lambda t: t, rt(v, s)).to_tensor(), vals, splits),
        c(
            r,
            "tf.math.bincount(ragged)",
            lambda t, s: tf.math.bincount(rt(t, s), minlength=6, axis=-1),
            arr([1, 2, 2, 5, 0, 1, 3], np.int32),
            splits,
        ),
        c(
            r,
            "RaggedTensor.with_row_splits_dtype",
            lambda v, s: rt(v, s).with_row_splits_dtype(tf.int32).row_splits,
            vals,
            splits,
        ),
        c(
            r,
            "tf.ragged.map_fn(reduce)",
            lambda v, s: tf.map_fn(tf.reduce_sum, rt(v, s), fn_output_signature=tf.float32),
            vals,
            splits,
        ),
        c(
            r,
            "RaggedTensor.uniform_row_length",
            lambda v: tf.RaggedTensor.from_uniform_row_length(v, 2).to_tensor(),
            rand([8]),
        ),
        c(
            r,
            "tf.ragged.to_dense with padding strings",
            lambda a, s: rt(a, s).to_tensor(default_value=b"<pad>"),
            words,
            splits,
        ),
    ]
    return cases


def random_cases() -> list[Case]:
    """Random ops: the values cannot match TF's stream; only conversion is probed when the
    output is reduced to something seed-free (shape, a mask's type)."""
    r = "random"
    seed = arr([1, 2], np.int32)

    def shape_only(f: Fn) -> Fn:
        return lambda *a: _seed_free(f(*a))

    cases = [
        c(r, "tf.random.stateless_uniform", lambda s: tf.random.stateless_uniform([3, 4], s), seed),
        c(
            r,
            "tf.random.stateless_uniform[i32]",
            lambda s: tf.random.stateless_uniform([3, 4], s, 0, 10, tf.int32),
            seed,
        ),
        c(
            r,
            "tf.random.stateless_uniform[f64]",
            lambda s: tf.random.stateless_uniform([3, 4], s, dtype=tf.float64),
            seed,
        ),
        c(
            r,
            "tf.random.stateless_uniform[i64 full range]",
            lambda s: tf.random.stateless_uniform([3], s, None, None, tf.int64),
            seed,
        ),
        c(r, "tf.random.stateless_normal", lambda s: tf.random.stateless_normal([3, 4], s), seed),
        c(
            r,
            "tf.random.stateless_normal[f16]",
            lambda s: tf.random.stateless_normal([3, 4], s, dtype=tf.float16),
            seed,
            rtol=1e-3,
            atol=1e-3,
        ),
        c(
            r,
            "tf.random.stateless_truncated_normal",
            lambda s: tf.random.stateless_truncated_normal([3, 4], s),
            seed,
        ),
        c(
            r,
            "tf.random.stateless_categorical",
            lambda s, lg: tf.random.stateless_categorical(lg, 5, s),
            seed,
            rand([2, 4]),
        ),
        c(r, "tf.random.stateless_binomial", lambda s: tf.random.stateless_binomial([4], s, 10.0, 0.3), seed),
        c(r, "tf.random.stateless_gamma", lambda s: tf.random.stateless_gamma([4], s, 2.0), seed),
        c(r, "tf.random.stateless_poisson", lambda s: tf.random.stateless_poisson([4], s, 3.0), seed),
        c(
            r,
            "tf.random.stateless_parameterized_truncated_normal",
            lambda s: tf.random.stateless_parameterized_truncated_normal([4], s, 0.0, 1.0, -1.0, 1.0),
            seed,
        ),
        c(
            r,
            "tf.random.experimental.stateless_split",
            lambda s: tf.random.experimental.stateless_split(s, 3),
            seed,
        ),
        c(
            r,
            "tf.random.experimental.stateless_fold_in",
            lambda s: tf.random.experimental.stateless_fold_in(s, 7),
            seed,
        ),
        c(
            r,
            "tf.random.experimental.index_shuffle",
            lambda s: tf.random.experimental.index_shuffle(
                arr([0, 1, 2, 3], np.int64), tf.cast(tf.concat([s, s[:1]], 0), tf.int64), 9
            ),
            seed,
        ),
        c(r, "tf.random.uniform[shape]", shape_only(lambda t: tf.random.uniform(tf.shape(t))), rand([3, 2])),
        c(r, "tf.random.normal[shape]", shape_only(lambda t: tf.random.normal(tf.shape(t))), rand([3, 2])),
        c(r, "tf.random.categorical[shape]", shape_only(lambda t: tf.random.categorical(t, 4)), rand([3, 2])),
        c(
            r,
            "tf.random.poisson[shape]",
            shape_only(lambda t: tf.random.poisson([2], t)),
            rand([3], np.float32, 1, 3),
        ),
        c(
            r,
            "tf.random.Generator.from_seed.normal",
            lambda t: _seed_free(tf.random.Generator.from_seed(1).normal(tf.shape(t))),
            rand([3]),
        ),
        c(
            r,
            "tf.random.uniform[seeded,op seed]",
            shape_only(lambda t: tf.random.uniform([3], seed=5) + t),
            rand([3]),
        ),
        c(
            r,
            "tf.random.log_uniform_candidate_sampler",
            shape_only(lambda t: tf.random.log_uniform_candidate_sampler(t, 1, 3, True, 10)[0]),
            arr([[1], [2]], np.int64),
        ),
        c(
            r,
            "tf.random.fixed_unigram_candidate_sampler",
            shape_only(
                lambda t: tf.random.fixed_unigram_candidate_sampler(
                    t, 1, 3, True, 4, unigrams=[1.0, 2, 3, 4]
                )[0]
            ),
            arr([[1], [2]], np.int64),
        ),
        c(
            r,
            "tf.random.all_candidate_sampler",
            lambda t: tf.random.all_candidate_sampler(t, 1, 3, True)[0],
            arr([[1], [2]], np.int64),
        ),
    ]
    return cases


def strings_cases() -> list[Case]:
    s = "strings"
    words = strs([b"Hello World", b"tf lite", b"", b"\xc3\xa9t\xc3\xa9 x"])
    cases = [
        c(
            s,
            "tf.strings.to_hash_bucket_strong",
            lambda t: tf.strings.to_hash_bucket_strong(t, 100, [1, 2]),
            words,
        ),
        c(s, "tf.strings.to_hash_bucket", lambda t: tf.strings.to_hash_bucket(t, 100), words),
        c(
            s,
            "tf.strings.unicode_transcode",
            lambda t: tf.strings.unicode_transcode(t, "UTF-8", "UTF-16-BE"),
            words,
        ),
        c(
            s,
            "tf.strings.unicode_decode_with_offsets",
            lambda t: tf.strings.unicode_decode_with_offsets(t, "UTF-8")[1].flat_values,
            words,
        ),
        c(
            s,
            "tf.strings.unicode_split_with_offsets",
            lambda t: tf.strings.unicode_split_with_offsets(t, "UTF-8")[0].flat_values,
            words,
        ),
        c(
            s,
            "tf.strings.unicode_encode",
            lambda t: tf.strings.unicode_encode(tf.strings.unicode_decode(t, "UTF-8"), "UTF-8"),
            words,
        ),
        c(
            s,
            "tf.strings.unicode_script",
            lambda t: tf.strings.unicode_script(t),
            arr([65, 1078, 26085, 32], np.int32),
        ),
        c(s, "tf.strings.format[float]", lambda t: tf.strings.format("v={}", t), rand([3])),
        c(
            s,
            "tf.strings.as_string[f64,precision]",
            lambda t: tf.strings.as_string(t, precision=3),
            rand([3], np.float64),
        ),
        c(s, "tf.strings.as_string[c64]", lambda t: tf.strings.as_string(t), rand([3], np.complex64)),
        c(s, "tf.strings.as_string[bool]", lambda t: tf.strings.as_string(t > 0), rand([3])),
        c(
            s,
            "tf.strings.as_string[sci,width]",
            lambda t: tf.strings.as_string(t, scientific=True, width=12, fill="0"),
            rand([3]),
        ),
        c(
            s,
            "tf.strings.to_number[f64]",
            lambda t: tf.strings.to_number(t, tf.float64),
            strs([b"1.5", b"-2e3", b"0"]),
        ),
        c(
            s,
            "tf.strings.to_number[i64]",
            lambda t: tf.strings.to_number(t, tf.int64),
            strs([b"15", b"-2", b"0"]),
        ),
        c(s, "tf.strings.bytes_split", lambda t: tf.strings.bytes_split(t).flat_values, words),
        c(s, "tf.strings.split[maxsplit]", lambda t: tf.strings.split(t, " ", maxsplit=1).flat_values, words),
        c(s, "tf.strings.substr[UTF8_CHAR]", lambda t: tf.strings.substr(t, 1, 2, unit="UTF8_CHAR"), words),
        c(s, "tf.strings.length[UTF8_CHAR]", lambda t: tf.strings.length(t, unit="UTF8_CHAR"), words),
        c(s, "tf.strings.lower[utf-8]", lambda t: tf.strings.lower(t, encoding="utf-8"), words),
        c(s, "tf.strings.upper", lambda t: tf.strings.upper(t), words),
        c(s, "tf.strings.regex_replace", lambda t: tf.strings.regex_replace(t, r"[aeiou]", "_"), words),
        c(s, "tf.strings.regex_full_match", lambda t: tf.strings.regex_full_match(t, r".*l.*"), words),
        c(s, "tf.strings.strip", lambda t: tf.strings.strip(t), strs([b" a ", b"b  "])),
        c(s, "tf.strings.join", lambda t: tf.strings.join([t, t], separator="|"), words),
        c(
            s,
            "tf.strings.reduce_join[axis]",
            lambda t: tf.strings.reduce_join(tf.reshape(t, [2, 2]), 1, separator=","),
            words,
        ),
        c(
            s,
            "tf.strings.reduce_join[ragged]",
            lambda t: tf.strings.reduce_join(tf.strings.split(t), -1, separator="_"),
            words,
        ),
        c(
            s,
            "tf.strings.unsorted_segment_join",
            lambda t: tf.strings.unsorted_segment_join(t, [0, 1, 0, 2], 3),
            words,
        ),
        c(s, "tf.strings.to_hash_bucket_fast", lambda t: tf.strings.to_hash_bucket_fast(t, 7), words),
        c(s, "tf.io.encode_base64[pad]", lambda t: tf.io.encode_base64(t, pad=True), words),
        c(
            s,
            "tf.io.decode_csv",
            lambda t: tf.io.decode_csv(t, [[0.0], [""], [0]]),
            strs([b"1.5,a,3", b"2,b,4"]),
        ),
        c(
            s,
            "tf.io.decode_compressed[ZLIB]",
            lambda t: tf.io.decode_compressed(t, "ZLIB"),
            strs([__import__("zlib").compress(b"abcabc")]),
        ),
        c(
            s,
            "tf.io.decode_compressed[GZIP]",
            lambda t: tf.io.decode_compressed(t, "GZIP"),
            strs([__import__("gzip").compress(b"abcabc", mtime=0)]),
        ),
        c(
            s,
            "tf.io.decode_json_example",
            lambda t: tf.io.decode_json_example(t),
            strs([b'{"features": {"feature": {"a": {"int64List": {"value": ["1"]}}}}}']),
        ),
        c(s, "tf.io.serialize_tensor", lambda t: tf.io.serialize_tensor(t), rand([3])),
        c(
            s,
            "tf.io.parse_tensor",
            lambda t: tf.io.parse_tensor(t, tf.float32),
            strs(tf.io.serialize_tensor(rand([3])).numpy()),
        ),
        c(
            s,
            "tf.io.decode_padded_raw",
            lambda t: tf.io.decode_padded_raw(t, 8, tf.uint8),
            strs([b"abc", b"defgh"]),
        ),
        c(
            s,
            "tf.io.decode_bmp",
            lambda t: tf.io.decode_bmp(t),
            strs(tf.io.encode_png(np.zeros([2, 2, 3], np.uint8)).numpy()[:0] or b""),
        ),
        c(s, "tf.io.encode_png", lambda t: tf.io.encode_png(t), rand([4, 4, 3], np.uint8, 0, 255)),
        c(
            s,
            "tf.io.encode_jpeg",
            lambda t: tf.io.encode_jpeg(t, quality=90),
            rand([8, 8, 3], np.uint8, 0, 255),
        ),
        c(
            s,
            "tf.io.encode_proto/decode_proto",
            lambda t: tf.io.decode_proto(t, "tensorflow.Example", [], [])[0],
            strs([b""]),
        ),
        c(
            s,
            "tf.io.parse_single_example",
            lambda t: tf.io.parse_single_example(t, {"a": tf.io.FixedLenFeature([1], tf.int64)})["a"],
            strs(
                [
                    tf.train.Example(
                        features=tf.train.Features(
                            feature={"a": tf.train.Feature(int64_list=tf.train.Int64List(value=[3]))}
                        )
                    ).SerializeToString()
                ]
            )[0],
        ),
        c(
            s,
            "tf.io.parse_example[VarLen,string]",
            lambda t: tf.sparse.to_dense(tf.io.parse_example(t, {"s": tf.io.VarLenFeature(tf.string)})["s"]),
            strs(
                [
                    tf.train.Example(
                        features=tf.train.Features(
                            feature={"s": tf.train.Feature(bytes_list=tf.train.BytesList(value=[b"x", b"y"]))}
                        )
                    ).SerializeToString()
                ]
            ),
        ),
        c(
            s,
            "tf.io.parse_example[RaggedFeature]",
            lambda t: tf.io.parse_example(t, {"a": tf.io.RaggedFeature(tf.int64)})["a"].flat_values,
            strs(
                [
                    tf.train.Example(
                        features=tf.train.Features(
                            feature={"a": tf.train.Feature(int64_list=tf.train.Int64List(value=[3, 4]))}
                        )
                    ).SerializeToString()
                ]
            ),
        ),
        c(
            s,
            "tf.io.parse_sequence_example",
            lambda t: tf.io.parse_single_sequence_example(
                t, sequence_features={"a": tf.io.FixedLenSequenceFeature([], tf.int64)}
            )[1]["a"],
            strs([b""])[0],
        ),
        c(s, "tf.io.decode_gif", lambda t: tf.io.decode_gif(t), strs([b"GIF89a"])),
        c(
            s,
            "tf.io.decode_webp",
            lambda t: tf.image.decode_image(t, expand_animations=False),
            strs([b"RIFF"]),
        ),
        c(s, "tf.io.matching_files", lambda t: tf.io.matching_files(t), strs(b"/nonexistent*")),
        c(s, "tf.io.read_file", lambda t: tf.strings.length(tf.io.read_file(t)), strs(b"/etc/hostname")),
        c(
            s,
            "tf.strings.string_to_hash_bucket via keras Hashing salt",
            lambda t: tf.strings.to_hash_bucket_strong(t, 10, [7, 9]),
            words,
        ),
        c(
            s,
            "tf.compat.v1.string_split",
            lambda t: tf.sparse.to_dense(tf.compat.v1.string_split(t), ""),
            words,
        ),
        c(
            s,
            "tf.compat.v1.substr[pos neg]",
            lambda t: tf.strings.substr(t, -3, 2),
            strs([b"abcdef", b"xyz12"]),
        ),
        c(
            s,
            "tf.strings.unicode_decode[replace,UTF-16-BE]",
            lambda t: tf.strings.unicode_decode(t, "UTF-16-BE").flat_values,
            strs([b"\x00a\x00b"]),
        ),
    ]
    return cases


def linalg_cases() -> list[Case]:
    lg = "linalg"
    a = rand([3, 3], np.float32) + 3 * np.eye(3, dtype=np.float32)
    spd = a @ a.T
    ac = (rand([3, 3], np.complex64) + 3 * np.eye(3)).astype(np.complex64)
    hpd = ac @ ac.conj().T
    b = rand([3, 2])
    cases = [
        c(lg, "tf.linalg.det[c64]", lambda t: tf.linalg.det(t), ac, rtol=1e-4, atol=1e-5),
        c(lg, "tf.linalg.det[f64]", lambda t: tf.linalg.det(t), a.astype(np.float64)),
        c(lg, "tf.linalg.slogdet[c128]", lambda t: tf.linalg.slogdet(t), ac.astype(np.complex128)),
        c(lg, "tf.linalg.logdet[c64]", lambda t: tf.linalg.logdet(t), hpd, rtol=1e-4, atol=1e-5),
        c(lg, "tf.linalg.inv[c64]", lambda t: tf.linalg.inv(t), ac, rtol=1e-4, atol=1e-5),
        c(lg, "tf.linalg.cholesky[c128]", lambda t: tf.linalg.cholesky(t), hpd.astype(np.complex128)),
        c(
            lg,
            "tf.linalg.cholesky_solve[f64]",
            lambda t, r: tf.linalg.cholesky_solve(tf.linalg.cholesky(t), r),
            spd.astype(np.float64),
            b.astype(np.float64),
        ),
        c(
            lg,
            "tf.linalg.solve[c64]",
            lambda t, r: tf.linalg.solve(t, r),
            ac,
            b.astype(np.complex64),
            rtol=1e-4,
            atol=1e-5,
        ),
        c(
            lg,
            "tf.linalg.solve[adjoint,f64]",
            lambda t, r: tf.linalg.solve(t, r, adjoint=True),
            a.astype(np.float64),
            b.astype(np.float64),
        ),
        c(
            lg,
            "tf.linalg.triangular_solve[c64]",
            lambda t, r: tf.linalg.triangular_solve(t, r),
            np.tril(ac),
            b.astype(np.complex64),
            rtol=1e-4,
            atol=1e-5,
        ),
        c(
            lg,
            "tf.linalg.lstsq[fast]",
            lambda t, r: tf.linalg.lstsq(t, r),
            rand([4, 3]),
            rand([4, 2]),
            rtol=1e-4,
            atol=1e-5,
        ),
        c(lg, "tf.linalg.qr[c64]", lambda t: tf.linalg.qr(t), ac, rtol=1e-4, atol=1e-5),
        c(
            lg,
            "tf.linalg.qr[full,f64]",
            lambda t: tf.linalg.qr(t, full_matrices=True),
            rand([4, 3], np.float64),
        ),
        c(lg, "tf.linalg.svd[c64]", lambda t: tf.linalg.svd(t, compute_uv=False), ac, rtol=1e-4, atol=1e-5),
        c(lg, "tf.linalg.svd[uv,f64]", lambda t: tf.abs(tf.linalg.svd(t)[1]), rand([4, 3], np.float64)),
        c(lg, "tf.linalg.eigh[c64]", lambda t: tf.linalg.eigvalsh(t), hpd, rtol=1e-4, atol=1e-4),
        c(lg, "tf.linalg.eigh[f64 vectors]", lambda t: tf.abs(tf.linalg.eigh(t)[1]), spd.astype(np.float64)),
        c(lg, "tf.linalg.eig[f32]", lambda t: tf.linalg.eigvals(t), a, rtol=1e-4, atol=1e-4),
        c(lg, "tf.linalg.lu[c64]", lambda t: tf.linalg.lu(t), ac, rtol=1e-4, atol=1e-5),
        c(
            lg,
            "tf.linalg.lu_solve",
            lambda t, r: tf.linalg.lu_solve(*tf.linalg.lu(t), r),
            a,
            b,
            rtol=1e-4,
            atol=1e-5,
        ),
        c(
            lg,
            "tf.linalg.lu_matrix_inverse",
            lambda t: tf.linalg.lu_matrix_inverse(*tf.linalg.lu(t)),
            a,
            rtol=1e-4,
            atol=1e-5,
        ),
        c(
            lg,
            "tf.linalg.lu_reconstruct",
            lambda t: tf.linalg.lu_reconstruct(*tf.linalg.lu(t)),
            a,
            rtol=1e-4,
            atol=1e-5,
        ),
        c(lg, "tf.linalg.pinv", lambda t: tf.linalg.pinv(t), rand([4, 3]), rtol=1e-4, atol=1e-4),
        c(lg, "tf.linalg.expm[f64]", lambda t: tf.linalg.expm(t), rand([3, 3], np.float64)),
        c(lg, "tf.linalg.expm[c64]", lambda t: tf.linalg.expm(t), ac * 0.1, rtol=1e-4, atol=1e-5),
        c(lg, "tf.linalg.logm", lambda t: tf.linalg.logm(t), hpd),
        c(lg, "tf.linalg.sqrtm", lambda t: tf.linalg.sqrtm(t), spd.astype(np.float64)),
        c(lg, "tf.linalg.matrix_rank", lambda t: tf.linalg.matrix_rank(t), a),
        c(lg, "tf.linalg.norm[nuc]", lambda t: tf.linalg.norm(t, "fro", axis=[-2, -1]), a),
        c(lg, "tf.linalg.norm[ord=1,c64]", lambda t: tf.norm(t, 1, axis=[-2, -1]), ac),
        c(lg, "tf.linalg.norm[ord=inf,f64]", lambda t: tf.norm(t, np.inf), rand([5], np.float64)),
        c(lg, "tf.linalg.normalize", lambda t: tf.linalg.normalize(t)[0], a),
        c(lg, "tf.linalg.trace[c64]", lambda t: tf.linalg.trace(t), ac),
        c(lg, "tf.linalg.diag_part[k]", lambda t: tf.linalg.diag_part(t, k=(-1, 1)), rand([3, 4])),
        c(
            lg,
            "tf.linalg.diag[k,padding]",
            lambda t: tf.linalg.diag(t, k=1, num_rows=4, padding_value=-1),
            rand([2, 3]),
        ),
        c(
            lg,
            "tf.linalg.set_diag[k band]",
            lambda t, d: tf.linalg.set_diag(t, d, k=(-1, 0)),
            rand([3, 3]),
            rand([2, 3]),
        ),
        c(lg, "tf.linalg.band_part[c64]", lambda t: tf.linalg.band_part(t, 1, 0), ac),
        c(lg, "tf.linalg.band_part[f64]", lambda t: tf.linalg.band_part(t, 0, -1), a.astype(np.float64)),
        c(
            lg,
            "tf.linalg.matmul[c128]",
            lambda t, r: tf.linalg.matmul(t, r, adjoint_a=True),
            ac.astype(np.complex128),
            ac.astype(np.complex128),
        ),
        c(
            lg,
            "tf.linalg.matmul[i64]",
            lambda t, r: tf.linalg.matmul(t, r),
            rand([3, 3], np.int64, -5, 5),
            rand([3, 3], np.int64, -5, 5),
        ),
        c(
            lg,
            "tf.linalg.matmul[i8 out i32]",
            lambda t, r: tf.linalg.matmul(t, r, output_type=tf.int32),
            rand([3, 3], np.int8, -5, 5),
            rand([3, 3], np.int8, -5, 5),
        ),
        c(
            lg,
            "tf.linalg.matmul[f16]",
            lambda t, r: tf.linalg.matmul(t, r),
            rand([3, 3], np.float16),
            rand([3, 3], np.float16),
            rtol=1e-2,
            atol=1e-2,
        ),
        c(
            lg,
            "tf.linalg.matvec[f64]",
            lambda t, r: tf.linalg.matvec(t, r),
            a.astype(np.float64),
            rand([3], np.float64),
        ),
        c(lg, "tf.linalg.tensordot[c64]", lambda t, r: tf.tensordot(t, r, 1), ac, ac),
        c(
            lg,
            "tf.linalg.cross[f64]",
            lambda t, r: tf.linalg.cross(t, r),
            rand([2, 3], np.float64),
            rand([2, 3], np.float64),
        ),
        c(lg, "tf.linalg.adjoint[c64]", lambda t: tf.linalg.adjoint(t), ac),
        c(
            lg,
            "tf.linalg.tridiagonal_solve",
            lambda d, r: tf.linalg.tridiagonal_solve(d, r),
            rand([3, 4]) + arr([[0], [4], [0]]),
            rand([4, 1]),
        ),
        c(
            lg,
            "tf.linalg.tridiagonal_solve[compact,f64]",
            lambda d, r: tf.linalg.tridiagonal_solve(d, r, diagonals_format="compact"),
            (rand([3, 4]) + arr([[0], [4], [0]])).astype(np.float64),
            rand([4, 1], np.float64),
        ),
        c(
            lg,
            "tf.linalg.tridiagonal_matmul",
            lambda d, r: tf.linalg.tridiagonal_matmul(d, r),
            rand([3, 4]),
            rand([4, 2]),
        ),
        c(
            lg,
            "tf.linalg.banded_triangular_solve",
            lambda d, r: tf.linalg.banded_triangular_solve(d, r),
            rand([2, 4]) + arr([[4], [0]]),
            rand([4, 1]),
        ),
        c(
            lg,
            "tf.linalg.matrix_transpose[conj]",
            lambda t: tf.linalg.matrix_transpose(t, conjugate=True),
            ac,
        ),
        c(lg, "tf.linalg.global_norm", lambda t, r: tf.linalg.global_norm([t, r]), a, b),
        c(lg, "tf.linalg.eye[batch]", lambda t: tf.linalg.eye(3, batch_shape=[2]) * t, arr(2.0)),
        c(
            lg,
            "tf.linalg.LinearOperatorLowerTriangular.solve",
            lambda t, r: tf.linalg.LinearOperatorLowerTriangular(t).solvevec(r),
            np.tril(a),
            rand([3]),
        ),
        c(
            lg,
            "tf.linalg.LinearOperatorToeplitz.to_dense",
            lambda t: tf.linalg.LinearOperatorToeplitz(t, t).to_dense(),
            rand([3]),
        ),
        c(
            lg,
            "tf.linalg.LinearOperatorCirculant.matvec",
            lambda t, r: tf.math.real(
                tf.linalg.LinearOperatorCirculant(tf.cast(t, tf.complex64)).matvec(tf.cast(r, tf.complex64))
            ),
            rand([4]),
            rand([4]),
        ),
        c(
            lg,
            "tf.linalg.experimental.conjugate_gradient",
            lambda t, r: (
                tf.linalg.experimental.conjugate_gradient(
                    tf.linalg.LinearOperatorFullMatrix(t, is_self_adjoint=True, is_positive_definite=True),
                    r,
                    max_iter=5,
                ).x
            ),
            spd,
            rand([3]),
            rtol=1e-3,
            atol=1e-4,
        ),
        c(
            lg,
            "tf.einsum[bij,bjk]",
            lambda t, r: tf.einsum("bij,bjk->bik", t, r),
            rand([2, 3, 4]),
            rand([2, 4, 5]),
        ),
        c(lg, "tf.einsum[c64 ...]", lambda t, r: tf.einsum("...ij,...jk->...ik", t, r), ac, ac),
        c(lg, "tf.einsum[ij->ji sum]", lambda t: tf.einsum("ij->j", t), a),
    ]
    return cases


def signal_cases() -> list[Case]:
    g = "signal"
    wave = rand([2, 256])
    cases = [
        c(
            g,
            "tf.signal.frame[pad_end]",
            lambda t: tf.signal.frame(t, 32, 16, pad_end=True, pad_value=0.5),
            wave,
        ),
        c(g, "tf.signal.frame[axis0]", lambda t: tf.signal.frame(t, 3, 2, axis=0), rand([9, 2])),
        c(g, "tf.signal.overlap_and_add", lambda t: tf.signal.overlap_and_add(t, 8), rand([2, 5, 16])),
        c(
            g,
            "tf.signal.hann_window[periodic=False]",
            lambda n: tf.signal.hann_window(n, periodic=False),
            arr(16, np.int32),
        ),
        c(
            g,
            "tf.signal.hamming_window[f64]",
            lambda n: tf.signal.hamming_window(n, dtype=tf.float64),
            arr(16, np.int32),
        ),
        c(g, "tf.signal.kaiser_window", lambda t: tf.signal.kaiser_window(16, 8.0) * t, arr(1.0)),
        c(
            g,
            "tf.signal.kaiser_bessel_derived_window",
            lambda t: tf.signal.kaiser_bessel_derived_window(16) * t,
            arr(1.0),
        ),
        c(g, "tf.signal.vorbis_window", lambda t: tf.signal.vorbis_window(16) * t, arr(1.0)),
        c(g, "tf.signal.stft[f64]", lambda t: tf.abs(tf.signal.stft(t, 64, 32)), wave.astype(np.float64)),
        c(
            g,
            "tf.signal.stft[fft_length 100, pad_end]",
            lambda t: tf.abs(tf.signal.stft(t, 64, 32, 100, pad_end=True)),
            wave,
            rtol=1e-4,
            atol=1e-4,
        ),
        c(
            g,
            "tf.signal.inverse_stft",
            lambda t: tf.signal.inverse_stft(tf.signal.stft(t, 64, 32), 64, 32),
            wave,
            rtol=1e-4,
            atol=1e-4,
        ),
        c(
            g,
            "tf.signal.inverse_stft_window_fn",
            lambda t: tf.signal.inverse_stft(
                tf.signal.stft(t, 64, 32), 64, 32, window_fn=tf.signal.inverse_stft_window_fn(32)
            ),
            wave,
            rtol=1e-4,
            atol=1e-4,
        ),
        c(g, "tf.signal.dct[1]", lambda t: tf.signal.dct(t, 1), rand([2, 16]), rtol=1e-4, atol=1e-5),
        c(
            g,
            "tf.signal.dct[2,ortho]",
            lambda t: tf.signal.dct(t, 2, norm="ortho"),
            rand([2, 16]),
            rtol=1e-4,
            atol=1e-5,
        ),
        c(g, "tf.signal.dct[3,n=8]", lambda t: tf.signal.dct(t, 3, n=8), rand([2, 16]), rtol=1e-4, atol=1e-5),
        c(
            g,
            "tf.signal.dct[4,ortho]",
            lambda t: tf.signal.dct(t, 4, norm="ortho"),
            rand([2, 16]),
            rtol=1e-4,
            atol=1e-5,
        ),
        c(g, "tf.signal.dct[2,f64]", lambda t: tf.signal.dct(t, 2), rand([2, 16], np.float64)),
        c(
            g,
            "tf.signal.idct[2,ortho]",
            lambda t: tf.signal.idct(t, 2, norm="ortho"),
            rand([2, 16]),
            rtol=1e-4,
            atol=1e-5,
        ),
        c(g, "tf.signal.mdct", lambda t: tf.signal.mdct(t, 32), wave, rtol=1e-4, atol=1e-4),
        c(
            g,
            "tf.signal.mdct[vorbis,norm]",
            lambda t: tf.signal.mdct(t, 32, window_fn=tf.signal.vorbis_window, norm="ortho"),
            wave,
            rtol=1e-4,
            atol=1e-4,
        ),
        c(
            g,
            "tf.signal.inverse_mdct",
            lambda t: tf.signal.inverse_mdct(tf.signal.mdct(t, 32), norm="ortho"),
            wave,
            rtol=1e-4,
            atol=1e-4,
        ),
        c(g, "tf.signal.fft[c128]", lambda t: tf.signal.fft(t), rand([2, 16], np.complex128)),
        c(
            g,
            "tf.signal.fft2d[c64]",
            lambda t: tf.signal.fft2d(t),
            rand([4, 8], np.complex64),
            rtol=1e-4,
            atol=1e-5,
        ),
        c(
            g,
            "tf.signal.ifft3d[c64]",
            lambda t: tf.signal.ifft3d(t),
            rand([2, 4, 4], np.complex64),
            rtol=1e-4,
            atol=1e-5,
        ),
        c(g, "tf.signal.rfft[f64]", lambda t: tf.signal.rfft(t), rand([2, 16], np.float64)),
        c(
            g,
            "tf.signal.irfft[n odd]",
            lambda t: tf.signal.irfft(t, [15]),
            rand([2, 9], np.complex64),
            rtol=1e-4,
            atol=1e-5,
        ),
        c(g, "tf.signal.rfft2d[f64]", lambda t: tf.signal.rfft2d(t), rand([4, 8], np.float64)),
        c(
            g,
            "tf.signal.irfft2d",
            lambda t: tf.signal.irfft2d(t),
            rand([4, 5], np.complex64),
            rtol=1e-4,
            atol=1e-5,
        ),
        c(g, "tf.signal.rfft3d", lambda t: tf.signal.rfft3d(t), rand([2, 4, 8]), rtol=1e-4, atol=1e-5),
        c(g, "tf.signal.fftshift", lambda t: tf.signal.fftshift(t), rand([2, 7])),
        c(g, "tf.signal.ifftshift[axes]", lambda t: tf.signal.ifftshift(t, axes=1), rand([2, 7])),
        c(
            g,
            "tf.signal.fftnd",
            lambda t: tf.signal.fftnd(t, axes=[-2, -1]),
            rand([4, 8], np.complex64),
            rtol=1e-4,
            atol=1e-5,
        ),
        c(
            g,
            "tf.signal.rfftnd",
            lambda t: tf.signal.rfftnd(t, fft_length=[4, 8], axes=[-2, -1]),
            rand([4, 8]),
            rtol=1e-4,
            atol=1e-5,
        ),
        c(
            g,
            "tf.signal.linear_to_mel_weight_matrix[f64]",
            lambda t: tf.signal.linear_to_mel_weight_matrix(8, 33, 16000, dtype=tf.float64) * t,
            arr(1.0, np.float64),
        ),
        c(
            g,
            "tf.signal.mfccs_from_log_mel_spectrograms",
            lambda t: tf.signal.mfccs_from_log_mel_spectrograms(t),
            rand([2, 5, 16]),
            rtol=1e-4,
            atol=1e-5,
        ),
        c(
            g,
            "tf.signal.stft->mel->log pipeline",
            lambda t: tf.math.log(
                tf.tensordot(
                    tf.abs(tf.signal.stft(t, 64, 32)), tf.signal.linear_to_mel_weight_matrix(8, 33, 16000), 1
                )
                + 1e-6
            ),
            wave,
            rtol=1e-4,
            atol=1e-4,
        ),
    ]
    return cases


def lookup_cases() -> list[Case]:
    # The compat.v1 helpers (tf.contrib.lookup in TF 1) live here now; old SavedModels use them.
    from tensorflow.python.ops import lookup_ops

    k = "lookup"
    keys = strs([b"a", b"b", b"zz", b""])
    ikeys = arr([3, 9, 100, -1], np.int64)

    def static_table() -> Fn:
        t = tf.lookup.StaticHashTable(
            tf.lookup.KeyValueTensorInitializer(["a", "b", "c"], [1, 2, 3], tf.string, tf.int64), -1
        )
        return lambda x: t.lookup(x)

    def static_int_to_str() -> Fn:
        t = tf.lookup.StaticHashTable(
            tf.lookup.KeyValueTensorInitializer([3, 9], ["x", "y"], tf.int64, tf.string), "?"
        )
        return lambda x: t.lookup(x)

    def static_f32_values() -> Fn:
        t = tf.lookup.StaticHashTable(
            tf.lookup.KeyValueTensorInitializer([3, 9], [0.5, 1.5], tf.int64, tf.float32), -1.0
        )
        return lambda x: t.lookup(x)

    def static_i32_keys() -> Fn:
        t = tf.lookup.StaticHashTable(
            tf.lookup.KeyValueTensorInitializer([3, 9], [10, 20], tf.int32, tf.int32), -1
        )
        return lambda x: t.lookup(x)

    def vocab_table() -> Fn:
        t = tf.lookup.StaticVocabularyTable(
            tf.lookup.KeyValueTensorInitializer(["a", "b"], [0, 1], tf.string, tf.int64), 3
        )
        return lambda x: t.lookup(x)

    def vocab_table_int() -> Fn:
        t = tf.lookup.StaticVocabularyTable(
            tf.lookup.KeyValueTensorInitializer([3, 9], [0, 1], tf.int64, tf.int64), 3
        )
        return lambda x: t.lookup(x)

    def table_size() -> Fn:
        t = tf.lookup.StaticHashTable(
            tf.lookup.KeyValueTensorInitializer(["a", "b"], [1, 2], tf.string, tf.int64), -1
        )
        return lambda x: t.size() + tf.size(x, tf.int64)

    def export_table() -> Fn:
        t = tf.lookup.StaticHashTable(
            tf.lookup.KeyValueTensorInitializer(["a", "b"], [1, 2], tf.string, tf.int64), -1
        )
        return lambda x: (tf.sort(t.export()[1]), t.lookup(x))

    def mutable_table() -> Fn:
        t = tf.lookup.experimental.MutableHashTable(tf.string, tf.int64, -1)
        return lambda x: (t.insert(["a"], [7]), t.lookup(x))[1]

    def dense_table() -> Fn:
        t = tf.lookup.experimental.DenseHashTable(tf.int64, tf.int64, -1, empty_key=-2, deleted_key=-3)
        return lambda x: (t.insert([3], [7]), t.lookup(x))[1]

    def text_file_table() -> Fn:
        import tempfile

        path = tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False)
        path.write("a\nb\nc\n")
        path.close()
        t = tf.lookup.StaticHashTable(
            tf.lookup.TextFileInitializer(
                path.name,
                tf.string,
                tf.lookup.TextFileIndex.WHOLE_LINE,
                tf.int64,
                tf.lookup.TextFileIndex.LINE_NUMBER,
            ),
            -1,
        )
        return lambda x: t.lookup(x)

    def index_table_from_tensor() -> Fn:
        t = lookup_ops.index_table_from_tensor(tf.constant(["a", "b"]), num_oov_buckets=2)
        return lambda x: t.lookup(x)

    def index_to_string() -> Fn:
        t = lookup_ops.index_to_string_table_from_tensor(tf.constant(["a", "b"]), "UNK")
        return lambda x: t.lookup(x)

    cases = [
        lazy(k, "StaticHashTable[str->i64]", static_table, keys),
        lazy(k, "StaticHashTable[i64->str]", static_int_to_str, ikeys),
        lazy(k, "StaticHashTable[i64->f32]", static_f32_values, ikeys),
        lazy(k, "StaticHashTable[i32->i32]", static_i32_keys, ikeys.astype(np.int32)),
        lazy(k, "StaticHashTable.size", table_size, keys),
        lazy(k, "StaticHashTable.export", export_table, keys),
        lazy(k, "StaticVocabularyTable[str]", vocab_table, keys),
        lazy(k, "StaticVocabularyTable[i64]", vocab_table_int, ikeys),
        lazy(k, "TextFileInitializer table", text_file_table, keys),
        lazy(k, "MutableHashTable.insert+lookup", mutable_table, keys),
        lazy(k, "DenseHashTable.insert+lookup", dense_table, ikeys),
        lazy(k, "compat.v1 index_table_from_tensor", index_table_from_tensor, keys),
        lazy(k, "compat.v1 index_to_string_table_from_tensor", index_to_string, ikeys),
    ]
    return cases


def keras_cases() -> list[Case]:
    import keras
    from keras import layers as kl

    kc = "keras"
    text = strs([b"the cat sat", b"a dog", b"the the cat on a mat", b""])

    def layer(build: Callable[[], Any], training: bool = False, adapt: Any = None) -> Callable[[], Fn]:
        def make() -> Fn:
            lay = build()
            if adapt is not None:
                lay.adapt(adapt)
            if training:
                return lambda *xs: lay(*xs, training=True)
            try:
                return lambda *xs: lay(*xs, training=False)
            except TypeError:
                return lambda *xs: lay(*xs)

        return make

    def plain(build: Callable[[], Any], adapt: Any = None) -> Callable[[], Fn]:
        def make() -> Fn:
            lay = build()
            if adapt is not None:
                lay.adapt(adapt)
            return lambda *xs: lay(*xs)

        return make

    vocab = ["the", "cat", "a", "dog", "mat"]
    img = rand([1, 8, 8, 3], np.float32, 0, 255)
    seq = rand([2, 5, 4])
    tv = kl.TextVectorization
    cases: list[Case] = []
    for mode in ["int", "multi_hot", "count", "tf_idf"]:
        for ngrams in [None, 2]:
            if mode == "int" and ngrams:
                continue

            def build(mode: str = mode, ngrams: int | None = ngrams) -> Any:
                return tv(
                    output_mode=mode, ngrams=ngrams, output_sequence_length=6 if mode == "int" else None
                )

            cases.append(lazy(kc, f"TextVectorization[{mode},ngrams={ngrams}]", plain(build, text), text))
    cases.append(
        lazy(
            kc,
            "TextVectorization[split=character,int]",
            plain(lambda: tv(split="character", output_sequence_length=8), text),
            text,
        )
    )
    cases.append(
        lazy(
            kc,
            "TextVectorization[standardize=None,ragged]",
            plain(lambda: tv(standardize=None, ragged=True), text),
            text,
        )
    )
    cases.append(
        lazy(
            kc,
            "TextVectorization[pad_to_max_tokens,multi_hot]",
            plain(lambda: tv(max_tokens=10, output_mode="multi_hot", pad_to_max_tokens=True), text),
            text,
        )
    )
    words = strs([[b"the", b"cat"], [b"zz", b""]])
    for mode in ["int", "one_hot", "multi_hot", "count", "tf_idf"]:
        kw: dict[str, Any] = {"vocabulary": vocab, "output_mode": mode}
        if mode == "tf_idf":
            kw["idf_weights"] = [0.5, 1.0, 1.5, 2.0, 0.3]
        inp = words[:, :1] if mode == "one_hot" else words
        cases.append(lazy(kc, f"StringLookup[{mode}]", plain(lambda kw=kw: kl.StringLookup(**kw)), inp))
    cases.append(
        lazy(
            kc,
            "StringLookup[invert]",
            plain(lambda: kl.StringLookup(vocabulary=vocab, invert=True)),
            arr([[1, 2], [0, 9]], np.int64),
        )
    )
    cases.append(
        lazy(
            kc,
            "StringLookup[num_oov=2,mask]",
            plain(lambda: kl.StringLookup(vocabulary=vocab, num_oov_indices=2, mask_token="")),
            words,
        )
    )
    ints = arr([[3, 7], [99, 0]], np.int64)
    for mode in ["int", "one_hot", "multi_hot", "count", "tf_idf"]:
        kw = {"vocabulary": [3, 7, 11], "output_mode": mode}
        if mode == "tf_idf":
            kw["idf_weights"] = [0.5, 1.0, 1.5]
        inp = ints[:, :1] if mode == "one_hot" else ints
        cases.append(lazy(kc, f"IntegerLookup[{mode}]", plain(lambda kw=kw: kl.IntegerLookup(**kw)), inp))
    cases.append(
        lazy(
            kc,
            "IntegerLookup[invert]",
            plain(lambda: kl.IntegerLookup(vocabulary=[3, 7, 11], invert=True)),
            arr([[1, 2], [0, 3]], np.int64),
        )
    )
    cases.append(
        lazy(
            kc,
            "IntegerLookup[i32 input]",
            plain(lambda: kl.IntegerLookup(vocabulary=[3, 7, 11])),
            ints.astype(np.int32),
        )
    )
    cases += [
        lazy(kc, "Hashing[str]", plain(lambda: kl.Hashing(8)), words),
        lazy(kc, "Hashing[str,salt]", plain(lambda: kl.Hashing(8, salt=[13, 17])), words),
        lazy(kc, "Hashing[int,salt int]", plain(lambda: kl.Hashing(8, salt=133)), ints),
        lazy(kc, "Hashing[multi_hot]", plain(lambda: kl.Hashing(8, output_mode="multi_hot")), words),
        lazy(kc, "Hashing[f32 input]", plain(lambda: kl.Hashing(8)), rand([2, 2])),
        lazy(
            kc,
            "HashedCrossing[int]",
            plain(lambda: kl.HashedCrossing(16)),
            (ints[:, 0].copy(), ints[:, 1].copy()),
        ),
        lazy(
            kc,
            "HashedCrossing[str,one_hot]",
            lambda: lambda a, b: kl.HashedCrossing(16, output_mode="one_hot")((a, b)),
            words[:, 0].copy(),
            words[:, 1].copy(),
        ),
        lazy(
            kc,
            "HashedCrossing[str]",
            lambda: lambda a, b: kl.HashedCrossing(16)((a, b)),
            words[:, 0].copy(),
            words[:, 1].copy(),
        ),
        lazy(
            kc,
            "Discretization[bins]",
            plain(lambda: kl.Discretization(bin_boundaries=[-0.5, 0.0, 0.5])),
            rand([3, 4]),
        ),
        lazy(
            kc,
            "Discretization[one_hot]",
            plain(lambda: kl.Discretization(bin_boundaries=[-0.5, 0.0, 0.5], output_mode="one_hot")),
            rand([4]),
        ),
        lazy(
            kc,
            "Discretization[adapt,count]",
            plain(lambda: kl.Discretization(num_bins=4, output_mode="count"), rand([20, 1])),
            rand([3, 4]),
        ),
        lazy(
            kc,
            "Discretization[f64 input]",
            plain(lambda: kl.Discretization(bin_boundaries=[0.0])),
            rand([3], np.float64),
        ),
        lazy(
            kc,
            "CategoryEncoding[one_hot]",
            plain(lambda: kl.CategoryEncoding(5, "one_hot")),
            arr([1, 4, 0], np.int32),
        ),
        lazy(
            kc,
            "CategoryEncoding[multi_hot]",
            plain(lambda: kl.CategoryEncoding(5, "multi_hot")),
            arr([[1, 4], [0, 0]], np.int64),
        ),
        lazy(
            kc,
            "CategoryEncoding[count,weights]",
            lambda: lambda t, w: kl.CategoryEncoding(5, "count")(t, count_weights=w),
            arr([[1, 4], [0, 0]], np.int64),
            rand([2, 2]),
        ),
        lazy(
            kc,
            "Normalization[mean/var]",
            plain(lambda: kl.Normalization(mean=[0.5] * 4, variance=[2.0] * 4)),
            rand([3, 4]),
        ),
        lazy(
            kc,
            "Normalization[adapt,axis None]",
            plain(lambda: kl.Normalization(axis=None), rand([20, 4])),
            rand([3, 4]),
        ),
        lazy(
            kc,
            "Normalization[invert]",
            plain(lambda: kl.Normalization(mean=[0.5] * 4, variance=[2.0] * 4, invert=True)),
            rand([3, 4]),
        ),
        lazy(kc, "Rescaling", plain(lambda: kl.Rescaling(1 / 255.0, -1)), img),
        lazy(kc, "Resizing[bilinear]", plain(lambda: kl.Resizing(5, 5)), img, rtol=1e-4, atol=1e-3),
        lazy(kc, "Resizing[bicubic]", plain(lambda: kl.Resizing(5, 5, "bicubic")), img, rtol=1e-4, atol=1e-3),
        lazy(
            kc, "Resizing[lanczos3]", plain(lambda: kl.Resizing(5, 5, "lanczos3")), img, rtol=1e-4, atol=1e-3
        ),
        lazy(kc, "Resizing[area]", plain(lambda: kl.Resizing(5, 5, "area")), img, rtol=1e-4, atol=1e-3),
        lazy(
            kc,
            "Resizing[crop_to_aspect_ratio]",
            plain(lambda: kl.Resizing(4, 6, crop_to_aspect_ratio=True)),
            img,
            rtol=1e-4,
            atol=1e-3,
        ),
        lazy(
            kc,
            "Resizing[pad_to_aspect_ratio]",
            plain(lambda: kl.Resizing(4, 6, pad_to_aspect_ratio=True)),
            img,
            rtol=1e-4,
            atol=1e-3,
        ),
        lazy(kc, "CenterCrop", plain(lambda: kl.CenterCrop(4, 4)), img),
        lazy(kc, "AutoContrast", plain(lambda: kl.AutoContrast()), img, rtol=1e-4, atol=1e-3),
        lazy(kc, "Solarization[inference]", layer(lambda: kl.Solarization(0.5, value_range=(0, 255))), img),
        lazy(
            kc,
            "MelSpectrogram",
            plain(lambda: kl.MelSpectrogram(fft_length=64, sequence_stride=32, num_mel_bins=8)),
            rand([2, 256]),
            rtol=1e-3,
            atol=1e-3,
        ),
        lazy(
            kc,
            "STFTSpectrogram",
            plain(lambda: kl.STFTSpectrogram(frame_length=32, frame_step=16, fft_length=32)),
            rand([2, 128, 1]),
            rtol=1e-3,
            atol=1e-3,
        ),
        lazy(kc, "MaxNumBoundingBoxes", plain(lambda: kl.MaxNumBoundingBoxes(4)), rand([2, 3, 4])),
        lazy(
            kc,
            "Equalization",
            plain(lambda: kl.Equalization(value_range=(0, 255))),
            img,
            rtol=1e-4,
            atol=1e-3,
        ),
    ]
    for cls in [
        "RandomFlip",
        "RandomRotation",
        "RandomZoom",
        "RandomTranslation",
        "RandomContrast",
        "RandomBrightness",
        "RandomCrop",
        "RandomHue",
        "RandomSaturation",
        "RandomColorJitter",
        "RandomGrayscale",
        "RandomSharpness",
        "RandomShear",
        "RandomPerspective",
        "RandomPosterization",
        "RandomErasing",
        "RandomGaussianBlur",
        "RandomElasticTransform",
        "RandomInvert",
        "RandomColorDegeneration",
        "RandAugment",
        "AugMix",
        "CutMix",
        "MixUp",
        "RandomApply",
    ]:
        ctor = getattr(kl, cls, None)
        if ctor is None:
            continue
        args: dict[str, tuple[Any, ...]] = {
            "RandomFlip": (),
            "RandomRotation": (0.2,),
            "RandomZoom": (0.2,),
            "RandomTranslation": (0.1, 0.1),
            "RandomContrast": (0.3,),
            "RandomBrightness": (0.2,),
            "RandomCrop": (4, 4),
            "RandomHue": (0.2, (0, 255)),
            "RandomSaturation": (0.2,),
            "RandomColorJitter": ((0, 255),),
            "RandomGrayscale": (),
            "RandomSharpness": (0.3,),
            "RandomShear": (0.2,),
            "RandomPerspective": (),
            "RandomPosterization": ((0, 255),),
            "RandomErasing": (),
            "RandomGaussianBlur": (),
            "RandomElasticTransform": (),
            "RandomInvert": (),
            "RandomColorDegeneration": (0.3,),
            "RandAugment": (),
            "AugMix": (),
            "CutMix": (),
            "MixUp": (),
            "RandomApply": (),
        }
        if cls == "RandomApply":
            continue

        def build(ctor: Any = ctor, a: tuple[Any, ...] = args[cls]) -> Any:
            return ctor(*a)

        cases.append(lazy(kc, f"{cls}[inference]", layer(build), img, rtol=1e-4, atol=1e-3))
        cases.append(lazy(kc, f"{cls}[training=True,shape]", _shape_of(layer(build, training=True)), img))
    # core / rnn / attention layers inside a functional model
    cases += [
        lazy(kc, "LSTM", layer(lambda: kl.LSTM(6, return_sequences=True)), seq, rtol=1e-4, atol=1e-5),
        lazy(
            kc,
            "LSTM[stateful-free,return_state]",
            layer(lambda: kl.LSTM(6, return_state=True)),
            seq,
            rtol=1e-4,
            atol=1e-5,
        ),
        lazy(kc, "GRU[reset_after]", layer(lambda: kl.GRU(6)), seq, rtol=1e-4, atol=1e-5),
        lazy(
            kc,
            "GRU[reset_after=False]",
            layer(lambda: kl.GRU(6, reset_after=False)),
            seq,
            rtol=1e-4,
            atol=1e-5,
        ),
        lazy(
            kc,
            "SimpleRNN[go_backwards]",
            layer(lambda: kl.SimpleRNN(6, go_backwards=True)),
            seq,
            rtol=1e-4,
            atol=1e-5,
        ),
        lazy(
            kc,
            "Bidirectional(LSTM)",
            layer(lambda: kl.Bidirectional(kl.LSTM(4, return_sequences=True))),
            seq,
            rtol=1e-4,
            atol=1e-5,
        ),
        lazy(
            kc,
            "ConvLSTM1D",
            layer(lambda: kl.ConvLSTM1D(3, 3, padding="same")),
            rand([2, 3, 6, 2]),
            rtol=1e-4,
            atol=1e-5,
        ),
        lazy(
            kc,
            "ConvLSTM2D",
            layer(lambda: kl.ConvLSTM2D(3, 3, padding="same")),
            rand([1, 2, 5, 5, 2]),
            rtol=1e-4,
            atol=1e-5,
        ),
        lazy(
            kc,
            "LSTM[masking]",
            layer(lambda: keras.Sequential([kl.Masking(0.0), kl.LSTM(4)])),
            seq * (rand([2, 5, 1], seed=4) > 0),
            rtol=1e-4,
            atol=1e-5,
        ),
        lazy(kc, "MultiHeadAttention", lambda: _mha(kl.MultiHeadAttention(2, 4)), seq, rtol=1e-4, atol=1e-5),
        lazy(
            kc,
            "MultiHeadAttention[causal]",
            lambda: _mha(kl.MultiHeadAttention(2, 4), causal=True),
            seq,
            rtol=1e-4,
            atol=1e-5,
        ),
        lazy(
            kc,
            "GroupedQueryAttention",
            lambda: _mha(kl.GroupQueryAttention(4, 4, 2)),
            seq,
            rtol=1e-4,
            atol=1e-5,
        ),
        lazy(
            kc,
            "Attention[score=concat]",
            lambda: lambda q: kl.Attention(score_mode="concat")([q, q]),
            seq,
            rtol=1e-4,
            atol=1e-5,
        ),
        lazy(
            kc,
            "AdditiveAttention",
            lambda: lambda q: kl.AdditiveAttention()([q, q]),
            seq,
            rtol=1e-4,
            atol=1e-5,
        ),
        lazy(
            kc,
            "LayerNormalization[rms_scaling]",
            layer(lambda: kl.LayerNormalization(rms_scaling=True)),
            seq,
            rtol=1e-4,
            atol=1e-5,
        ),
        lazy(kc, "GroupNormalization", layer(lambda: kl.GroupNormalization(2)), seq, rtol=1e-4, atol=1e-5),
        lazy(kc, "UnitNormalization", layer(lambda: kl.UnitNormalization()), seq),
        lazy(
            kc,
            "BatchNormalization[training=True]",
            layer(lambda: kl.BatchNormalization(), training=True),
            seq,
            rtol=1e-4,
            atol=1e-5,
        ),
        lazy(
            kc,
            "SpectralNormalization(Dense)",
            layer(lambda: kl.SpectralNormalization(kl.Dense(3))),
            seq,
            rtol=1e-4,
            atol=1e-5,
        ),
        lazy(
            kc,
            "Embedding[mask_zero]",
            layer(lambda: kl.Embedding(10, 3, mask_zero=True)),
            arr([[1, 0, 4]], np.int32),
        ),
        lazy(
            kc,
            "Conv1D[causal,dilation]",
            layer(lambda: kl.Conv1D(3, 3, padding="causal", dilation_rate=2)),
            seq,
            rtol=1e-4,
            atol=1e-5,
        ),
        lazy(
            kc,
            "Conv2D[groups=2]",
            layer(lambda: kl.Conv2D(4, 3, groups=3 if False else 1)),
            img / 255,
            rtol=1e-4,
            atol=1e-5,
        ),
        lazy(kc, "Conv3D", layer(lambda: kl.Conv3D(2, 2)), rand([1, 4, 4, 4, 2]), rtol=1e-4, atol=1e-5),
        lazy(
            kc,
            "Conv3DTranspose",
            layer(lambda: kl.Conv3DTranspose(2, 2, strides=2)),
            rand([1, 2, 2, 2, 2]),
            rtol=1e-4,
            atol=1e-5,
        ),
        lazy(kc, "DepthwiseConv1D", layer(lambda: kl.DepthwiseConv1D(3)), seq, rtol=1e-4, atol=1e-5),
        lazy(kc, "SeparableConv1D", layer(lambda: kl.SeparableConv1D(3, 3)), seq, rtol=1e-4, atol=1e-5),
        lazy(
            kc,
            "Conv2DTranspose[dilation]",
            layer(lambda: kl.Conv2DTranspose(2, 3, dilation_rate=2)),
            img / 255,
            rtol=1e-4,
            atol=1e-5,
        ),
        lazy(
            kc,
            "LocallyConnected-like EinsumDense",
            layer(lambda: kl.EinsumDense("abc,cd->abd", (5, 3), bias_axes="d")),
            seq,
            rtol=1e-4,
            atol=1e-5,
        ),
        lazy(kc, "MaxPooling3D", layer(lambda: kl.MaxPooling3D(2)), rand([1, 4, 4, 4, 2])),
        lazy(kc, "AveragePooling1D[same]", layer(lambda: kl.AveragePooling1D(2, padding="same")), seq),
        lazy(kc, "GlobalMaxPooling3D", layer(lambda: kl.GlobalMaxPooling3D()), rand([1, 4, 4, 4, 2])),
        lazy(
            kc,
            "UpSampling2D[bilinear]",
            layer(lambda: kl.UpSampling2D(2, interpolation="bilinear")),
            img / 255,
            rtol=1e-4,
            atol=1e-5,
        ),
        lazy(kc, "UpSampling3D", layer(lambda: kl.UpSampling3D(2)), rand([1, 2, 2, 2, 2])),
        lazy(kc, "ZeroPadding3D", layer(lambda: kl.ZeroPadding3D(1)), rand([1, 2, 2, 2, 2])),
        lazy(kc, "Cropping3D", layer(lambda: kl.Cropping3D(1)), rand([1, 4, 4, 4, 2])),
        lazy(kc, "PReLU", layer(lambda: kl.PReLU()), seq),
        lazy(
            kc,
            "ELU/ReLU(max,threshold)",
            layer(lambda: kl.ReLU(max_value=0.5, negative_slope=0.1, threshold=0.2)),
            seq,
        ),
        lazy(
            kc,
            "Softmax[mask]",
            lambda: lambda t, m: kl.Softmax()(t, mask=m),
            seq,
            rand([2, 5, 4], seed=2) > 0,
        ),
        lazy(
            kc,
            "Dot[normalize]",
            lambda: lambda a, b: kl.Dot(axes=-1, normalize=True)([a, b]),
            rand([3, 4]),
            rand([3, 4], seed=1),
        ),
        lazy(
            kc, "GaussianNoise[training]", _shape_of(layer(lambda: kl.GaussianNoise(0.1), training=True)), seq
        ),
        lazy(kc, "Dropout[training]", _shape_of(layer(lambda: kl.Dropout(0.5), training=True)), seq),
        lazy(
            kc, "AlphaDropout[training]", _shape_of(layer(lambda: kl.AlphaDropout(0.5), training=True)), seq
        ),
        lazy(
            kc,
            "SpatialDropout2D[training]",
            _shape_of(layer(lambda: kl.SpatialDropout2D(0.5), training=True)),
            img,
        ),
        lazy(
            kc,
            "GaussianDropout[training]",
            _shape_of(layer(lambda: kl.GaussianDropout(0.3), training=True)),
            seq,
        ),
        lazy(
            kc,
            "RandomNormal initializer in graph",
            lambda: lambda t: t + keras.random.normal([4], seed=1) * 0,
            seq,
        ),
        lazy(kc, "keras.ops.top_k", lambda: lambda t: keras.ops.top_k(t, 2), seq),
        lazy(
            kc,
            "keras.ops.segment_max",
            lambda: lambda t: keras.ops.segment_max(t, tf.constant([0, 0, 1, 1, 2]), 3),
            rand([5, 4]),
        ),
        lazy(
            kc,
            "keras.ops.ctc_decode",
            lambda: lambda t: keras.ops.ctc_decode(t, tf.constant([5, 5]), strategy="greedy")[0],
            tf.nn.softmax(rand([2, 5, 4])).numpy(),
        ),
        lazy(
            kc,
            "keras.ops.fft2",
            lambda: lambda a, b: keras.ops.fft2((a, b)),
            rand([4, 4]),
            rand([4, 4], seed=1),
            rtol=1e-4,
            atol=1e-5,
        ),
        lazy(kc, "keras.ops.rfft", lambda: lambda a: keras.ops.rfft(a), rand([2, 16]), rtol=1e-4, atol=1e-5),
        lazy(
            kc,
            "keras.ops.istft",
            lambda: lambda a, b: keras.ops.istft((a, b), 16, 8, 16),
            rand([2, 5, 9]),
            rand([2, 5, 9], seed=1),
            rtol=1e-4,
            atol=1e-4,
        ),
        lazy(kc, "keras.ops.erfinv", lambda: lambda a: keras.ops.erfinv(a), rand([5], np.float32, -0.9, 0.9)),
        lazy(
            kc,
            "keras.ops.logdet",
            lambda: lambda a: keras.ops.logdet(a @ tf.transpose(a) + tf.eye(3)),
            rand([3, 3]),
            rtol=1e-4,
            atol=1e-5,
        ),
        lazy(
            kc,
            "keras.ops.image.affine_transform",
            lambda: (
                lambda a: keras.ops.image.affine_transform(a, tf.constant([[1.0, 0.1, 0, 0, 1, 0, 0, 0]]))
            ),
            img,
            rtol=1e-4,
            atol=1e-3,
        ),
        lazy(
            kc,
            "keras.ops.image.map_coordinates",
            lambda: lambda a, co: keras.ops.image.map_coordinates(a, co, 1),
            rand([4, 4]),
            rand([2, 3], np.float32, 0, 3),
        ),
        lazy(
            kc,
            "keras.ops.image.extract_patches",
            lambda: lambda a: keras.ops.image.extract_patches(a, 2),
            img,
        ),
        lazy(
            kc,
            "keras.ops.image.rgb_to_hsv",
            lambda: lambda a: keras.ops.image.rgb_to_hsv(a),
            img / 255,
            rtol=1e-4,
            atol=1e-5,
        ),
        lazy(
            kc,
            "keras.ops.image.gaussian_blur",
            lambda: lambda a: keras.ops.image.gaussian_blur(a),
            img,
            rtol=1e-4,
            atol=1e-3,
        ),
        lazy(
            kc,
            "keras.ops.image.elastic_transform[shape]",
            _shape_of(lambda: lambda a: keras.ops.image.elastic_transform(a, seed=1)),
            img,
        ),
        lazy(
            kc,
            "keras.ops.image.perspective_transform",
            lambda: (
                lambda a: keras.ops.image.perspective_transform(
                    a, tf.constant([[0.0, 0, 8, 0, 8, 8, 0, 8]]), tf.constant([[1.0, 0, 7, 1, 8, 8, 0, 7]])
                )
            ),
            img,
            rtol=1e-4,
            atol=1e-3,
        ),
        lazy(
            kc,
            "keras.ops.searchsorted",
            lambda: lambda a, b: keras.ops.searchsorted(a, b),
            arr([0.0, 1, 2, 3]),
            rand([5], np.float32, 0, 3),
        ),
        lazy(kc, "keras.ops.digitize", lambda: lambda a: keras.ops.digitize(a, [0.0, 0.5]), rand([5])),
        lazy(
            kc,
            "keras.ops.unravel_index",
            lambda: lambda a: keras.ops.unravel_index(a, (3, 4)),
            arr([0, 5, 11], np.int32),
        ),
        lazy(kc, "keras.ops.histogram", lambda: lambda a: keras.ops.histogram(a, 4), rand([20])),
        lazy(kc, "keras.ops.quantile", lambda: lambda a: keras.ops.quantile(a, 0.3), rand([20])),
        lazy(kc, "keras.ops.median", lambda: lambda a: keras.ops.median(a, axis=1), rand([3, 5])),
        lazy(kc, "keras.ops.argsort[stable]", lambda: lambda a: keras.ops.argsort(a), rand([3, 5])),
        lazy(
            kc,
            "keras.ops.slogdet",
            lambda: lambda a: keras.ops.slogdet(a),
            rand([3, 3]),
            rtol=1e-4,
            atol=1e-5,
        ),
        lazy(kc, "keras.ops.polar", lambda: lambda a, b: keras.ops.polar(a, b), rand([3]), rand([3])),
        lazy(
            kc,
            "keras.ops.rms_normalization",
            lambda: lambda a: keras.ops.rms_normalization(a),
            seq,
            rtol=1e-4,
            atol=1e-5,
        ),
        lazy(
            kc,
            "keras.ops.dot_product_attention",
            lambda: lambda a: keras.ops.dot_product_attention(a, a, a, is_causal=True),
            rand([2, 5, 2, 4]),
            rtol=1e-4,
            atol=1e-5,
        ),
        lazy(
            kc,
            "keras.ops.psnr",
            lambda: lambda a, b: keras.ops.psnr(a, b, 1.0),
            rand([4, 4]),
            rand([4, 4], seed=1),
        ),
        lazy(
            kc,
            "keras.ops.sparse_plus/glu/sparsemax",
            lambda: lambda a: (keras.ops.sparse_plus(a), keras.ops.glu(a), keras.ops.sparsemax(a)),
            rand([3, 4]),
        ),
    ]
    return cases


def _shape_of(make: Callable[[], Fn]) -> Callable[[], Fn]:
    """Random layers: only what does not depend on TF's random stream (the shape) is compared."""

    def wrapped() -> Fn:
        f = make()
        return lambda *xs: _seed_free(f(*xs))

    return wrapped


def _seed_free(y: Any) -> Any:
    """The shape, and a sum times zero: the converter folds a static shape alone, so
    the random ops would never reach the model; `* 0` keeps them (NaN-safe folding)."""
    y = tf.convert_to_tensor(y)
    return tf.shape(y), tf.reduce_sum(tf.cast(y, tf.float32) * 0.0)


def _mha(mha: Any, causal: bool = False) -> Fn:
    return lambda q: mha(q, q, use_causal_mask=causal)


def compat_cases() -> list[Case]:
    v = "compat.v1"
    v1 = tf.compat.v1
    img = rand([1, 6, 6, 3])
    cases = [
        c(
            v,
            "v1.nn.rnn_cell + static_rnn (unrolled LSTM)",
            lambda t: _v1_lstm(t),
            rand([2, 4, 3]),
            rtol=1e-4,
            atol=1e-5,
        ),
        c(
            v,
            "v1.nn.conv2d[use_cudnn]",
            lambda t: v1.nn.conv2d(t, tf.ones([2, 2, 3, 2]), [1, 1, 1, 1], "SAME"),
            img,
        ),
        c(v, "v1.nn.max_pool_v2", lambda t: v1.nn.max_pool_v2(t, [1, 2, 2, 1], [1, 2, 2, 1], "VALID"), img),
        c(
            v,
            "v1.nn.quantized_relu",
            lambda t: (
                tf.quantization.quantize(t, -1.0, 1.0, tf.quint8)[0].__class__
                and tf.quantization.fake_quant_with_min_max_args(t)
            ),
            img,
        ),
        c(
            v,
            "tf.quantization.quantize_and_dequantize_v2",
            lambda t: tf.quantization.quantize_and_dequantize_v2(t, -1.0, 1.0, range_given=True),
            img,
        ),
        c(
            v,
            "tf.quantization.fake_quant_with_min_max_vars_per_channel",
            lambda t: tf.quantization.fake_quant_with_min_max_vars_per_channel(
                t, -tf.ones([3]), tf.ones([3])
            ),
            img,
        ),
        c(
            v,
            "tf.quantization.quantize+dequantize",
            lambda t: tf.quantization.dequantize(*tf.quantization.quantize(t, -1.0, 1.0, tf.quint8)),
            img,
            rtol=1e-2,
            atol=1e-2,
        ),
        c(v, "v1.nn.xw_plus_b", lambda t, w: v1.nn.xw_plus_b(t, w, tf.ones([2])), rand([3, 4]), rand([4, 2])),
        c(
            v,
            "v1.nn.relu_layer",
            lambda t, w: v1.nn.relu_layer(t, w, tf.ones([2])),
            rand([3, 4]),
            rand([4, 2]),
        ),
        c(
            v,
            "v1.space_to_batch_nd/batch_to_space",
            lambda t: v1.batch_to_space(v1.space_to_batch(t, [[0, 0], [0, 0]], 2), [[0, 0], [0, 0]], 2),
            img,
        ),
        c(v, "v1.where (select v1)", lambda t: v1.where(t > 0, t, -t), img),
        c(v, "v1.to_int64 / to_float", lambda t: (v1.to_int64(t * 10), v1.to_float(v1.to_int32(t * 3))), img),
        c(
            v,
            "v1.image.resize_bilinear[align_corners]",
            lambda t: v1.image.resize_bilinear(t, [9, 9], align_corners=True),
            img,
        ),
        c(
            v,
            "v1.image.resize_bicubic",
            lambda t: v1.image.resize_bicubic(t, [9, 9]),
            img,
            rtol=1e-4,
            atol=1e-5,
        ),
        c(v, "v1.image.resize_area", lambda t: v1.image.resize_area(t, [4, 4]), img),
        c(
            v,
            "v1.image.resize_nearest[half_pixel]",
            lambda t: v1.image.resize_nearest_neighbor(t, [9, 9], half_pixel_centers=True),
            img,
        ),
        c(
            v,
            "v1.sparse_to_dense",
            lambda i, vv: v1.sparse_to_dense(i, [4, 3], vv, -1.0),
            arr([[0, 1], [2, 2]], np.int64),
            arr([1.5, 2.5]),
        ),
        c(v, "v1.string_to_number", lambda t: v1.string_to_number(t), strs([b"1.5", b"2"])),
        c(v, "v1.nn.sampled_softmax (eval path)", lambda t: v1.nn.softmax(t, dim=-1), rand([3, 5])),
        c(v, "v1.nn.dynamic_rnn(GRUCell)", lambda t: _v1_gru(t), rand([2, 4, 3]), rtol=1e-4, atol=1e-5),
        c(
            v,
            "v1.layers-like tf.compat.v1.layers.batch_normalization ops",
            lambda t: tf.raw_ops.FusedBatchNormV3(
                x=t,
                scale=tf.ones([3]),
                offset=tf.zeros([3]),
                mean=tf.zeros([3]),
                variance=tf.ones([3]),
                is_training=False,
            )[0],
            img,
        ),
        c(v, "v1.assert_equal+control deps", lambda t: _with_assert(t), img),
        c(v, "tf.debugging.check_numerics", lambda t: tf.debugging.check_numerics(t, "bad"), img),
        c(v, "tf.debugging.assert_all_finite", lambda t: tf.debugging.assert_all_finite(t, "bad"), img),
        c(v, "tf.Assert", lambda t: _with_tf_assert(t), img),
        c(v, "tf.ensure_shape", lambda t: tf.ensure_shape(t, [1, 6, 6, 3]), img),
        c(v, "tf.identity_n / stop_gradient", lambda t: tf.identity_n([tf.stop_gradient(t), t]), img),
        c(v, "tf.histogram_fixed_width", lambda t: tf.histogram_fixed_width(t, [-1.0, 1.0], 5), img),
        c(
            v,
            "tf.histogram_fixed_width_bins",
            lambda t: tf.histogram_fixed_width_bins(t, [-1.0, 1.0], 5),
            img,
        ),
        c(
            v,
            "tf.searchsorted[right,i64]",
            lambda a, t: tf.searchsorted(a, t, "right", out_type=tf.int64),
            arr([[0.0, 1, 2, 3]]),
            rand([1, 5], np.float32, 0, 3),
        ),
        c(v, "tf.unravel_index", lambda t: tf.unravel_index(t, [3, 4]), arr([0, 5, 11], np.int32)),
        c(
            v,
            "tf.math.unsorted_segment_min[f16]",
            lambda t: tf.math.unsorted_segment_min(t, [0, 0, 1], 2),
            rand([3, 2], np.float16),
            rtol=1e-3,
            atol=1e-3,
        ),
        c(
            v,
            "tf.scatter_nd[i64]",
            lambda i, u: tf.scatter_nd(i, u, [5]),
            arr([[1], [3]], np.int32),
            arr([7, 9], np.int64),
        ),
        c(
            v,
            "tf.tensor_scatter_nd_max",
            lambda t, i, u: tf.tensor_scatter_nd_max(t, i, u),
            rand([5]),
            arr([[1], [3]], np.int32),
            rand([2]),
        ),
        c(
            v,
            "tf.tensor_scatter_nd_min[i32]",
            lambda t, i, u: tf.tensor_scatter_nd_min(t, i, u),
            rand([5], np.int32, -5, 5),
            arr([[1], [3]], np.int32),
            arr([-9, 9], np.int32),
        ),
        c(
            v,
            "tf.tensor_scatter_nd_sub",
            lambda t, i, u: tf.tensor_scatter_nd_sub(t, i, u),
            rand([5]),
            arr([[1], [3]], np.int32),
            rand([2]),
        ),
        c(
            v,
            "tf.tensor_scatter_nd_update[str]",
            lambda t, i, u: tf.tensor_scatter_nd_update(t, i, u),
            strs([b"a", b"b", b"c"]),
            arr([[1]], np.int32),
            strs([b"z"]),
        ),
        c(
            v,
            "tf.gather[batch_dims=1,axis=2]",
            lambda t, i: tf.gather(t, i, axis=2, batch_dims=1),
            rand([2, 3, 4]),
            arr([[0, 3], [1, 1]], np.int32),
        ),
        c(v, "tf.roll[multi-axis]", lambda t: tf.roll(t, [1, -2], [0, 1]), rand([3, 5])),
        c(v, "tf.reverse_sequence", lambda t: tf.reverse_sequence(t, [2, 5], 1, 0), rand([2, 5, 3])),
        c(
            v,
            "tf.unique_with_counts[i64]",
            lambda t: tf.unique_with_counts(t, tf.int64),
            arr([3, 1, 3, 2, 1], np.int32),
        ),
        c(v, "tf.unique[str]", lambda t: tf.unique(t)[1], strs([b"a", b"b", b"a"])),
        c(
            v,
            "tf.sets.intersection",
            lambda a, b: tf.sparse.to_dense(tf.sets.intersection(a, b)),
            arr([[1, 2, 3], [4, 5, 6]], np.int32),
            arr([[2, 3, 9], [6, 6, 4]], np.int32),
        ),
        c(
            v,
            "tf.sets.difference[str]",
            lambda a, b: tf.sparse.to_dense(tf.sets.difference(a, b), ""),
            strs([[b"a", b"b"]]),
            strs([[b"b", b"c"]]),
        ),
        c(
            v,
            "tf.sets.size",
            lambda a: tf.sets.size(tf.sparse.from_dense(a)),
            arr([[1, 2, 0], [4, 4, 6]], np.int32),
        ),
        c(
            v,
            "tf.sort[f64,descending]",
            lambda t: tf.sort(t, direction="DESCENDING"),
            rand([3, 5], np.float64),
        ),
        c(v, "tf.argsort[stable,i64]", lambda t: tf.argsort(t, stable=True), rand([3, 5], np.int64, 0, 3)),
        c(v, "tf.clip_by_norm", lambda t: tf.clip_by_norm(t, 0.5, [1]), rand([3, 5])),
        c(
            v,
            "tf.clip_by_global_norm",
            lambda a, b: tf.clip_by_global_norm([a, b], 0.5)[0],
            rand([3, 5]),
            rand([2]),
        ),
        c(
            v,
            "tf.broadcast_to[i64 shape]",
            lambda t: tf.broadcast_to(t, tf.constant([2, 3], tf.int64)),
            rand([3]),
        ),
        c(v, "tf.meshgrid[ij]", lambda a, b: tf.meshgrid(a, b, indexing="ij"), rand([3]), rand([4])),
        c(v, "tf.fill[str]", lambda t: tf.fill([2, 2], t), strs(b"x")),
        c(
            v,
            "tf.one_hot[f64,on/off]",
            lambda t: tf.one_hot(t, 4, 2.0, -1.0, dtype=tf.float64),
            arr([0, 3, -1], np.int32),
        ),
        c(
            v,
            "tf.one_hot[bool]",
            lambda t: tf.one_hot(t, 4, True, False, dtype=tf.bool),
            arr([0, 3, 7], np.int64),
        ),
        c(
            v,
            "tf.linspace[batched]",
            lambda a, b: tf.linspace(a, b, 5, axis=-1),
            rand([2]),
            rand([2], seed=1),
        ),
        c(v, "tf.range[f64]", lambda t: tf.range(0.0, t, 0.5, dtype=tf.float64), arr(3.0, np.float64)),
        c(
            v,
            "tf.repeat[per-element]",
            lambda t, r: tf.repeat(t, r, axis=0),
            rand([3, 2]),
            arr([1, 0, 2], np.int32),
        ),
        c(
            v,
            "tf.boolean_mask[axis=1]",
            lambda t, m: tf.boolean_mask(t, m, axis=1),
            rand([3, 4]),
            arr([True, False, True, True], bool),
        ),
        c(
            v,
            "tf.dynamic_partition",
            lambda t, p: tf.dynamic_partition(t, p, 3),
            rand([5]),
            arr([0, 2, 1, 0, 2], np.int32),
        ),
        c(v, "tf.map_fn (while loop)", lambda t: tf.map_fn(lambda r: tf.reduce_sum(r) * 2, t), rand([3, 5])),
        c(v, "tf.while_loop + TensorArray", lambda t: _ta_loop(t), rand([4, 3])),
        c(v, "tf.foldl", lambda t: tf.foldl(lambda a, x: a + x, t), rand([4, 3])),
        c(v, "tf.scan", lambda t: tf.scan(lambda a, x: a * 0.5 + x, t), rand([4, 3])),
        c(v, "tf.cond", lambda t: tf.cond(tf.reduce_sum(t) > 0, lambda: t * 2, lambda: t - 1), rand([4])),
        c(
            v,
            "tf.switch_case",
            lambda t, i: tf.switch_case(i, [lambda: t, lambda: t * 2, lambda: -t]),
            rand([4]),
            arr(1, np.int32),
        ),
        c(v, "tf.guarantee_const / tf.no_op", lambda t: tf.raw_ops.GuaranteeConst(input=t), rand([4])),
        c(v, "tf.raw_ops.Snapshot", lambda t: tf.raw_ops.Snapshot(input=t) * 2, rand([4])),
        c(v, "tf.raw_ops.DeepCopy", lambda t: tf.raw_ops.DeepCopy(x=t) * 2, rand([4])),
        c(
            v,
            "tf.raw_ops.Bucketize",
            lambda t: tf.raw_ops.Bucketize(input=t, boundaries=[-0.5, 0.0, 0.5]),
            rand([4]),
        ),
        c(
            v,
            "tf.raw_ops.StringToHashBucket",
            lambda t: tf.raw_ops.StringToHashBucket(string_tensor=t, num_buckets=7),
            strs([b"a", b"b"]),
        ),
        c(v, "tf.raw_ops.ResizeBilinear[f64]", lambda t: tf.image.resize(t, [9, 9]), img.astype(np.float64)),
        c(
            v,
            "tf.image.resize[nearest,u8]",
            lambda t: tf.image.resize(t, [9, 9], "nearest"),
            rand([1, 6, 6, 3], np.uint8, 0, 255),
        ),
        c(
            v,
            "tf.image.resize[bilinear,u8]",
            lambda t: tf.image.resize(t, [9, 9]),
            rand([1, 6, 6, 3], np.uint8, 0, 255),
        ),
        c(
            v,
            "tf.image.resize[mitchellcubic]",
            lambda t: tf.image.resize(t, [9, 9], "mitchellcubic"),
            img,
            rtol=1e-4,
            atol=1e-5,
        ),
        c(
            v,
            "tf.image.resize[gaussian]",
            lambda t: tf.image.resize(t, [9, 9], "gaussian"),
            img,
            rtol=1e-4,
            atol=1e-5,
        ),
        c(
            v,
            "tf.image.resize[bicubic,antialias]",
            lambda t: tf.image.resize(t, [4, 4], "bicubic", antialias=True),
            img,
            rtol=1e-4,
            atol=1e-5,
        ),
        c(
            v,
            "tf.image.resize_with_pad",
            lambda t: tf.image.resize_with_pad(t, 9, 7),
            img,
            rtol=1e-4,
            atol=1e-5,
        ),
        c(
            v,
            "tf.image.convert_image_dtype[u8->f32]",
            lambda t: tf.image.convert_image_dtype(t, tf.float32),
            rand([1, 6, 6, 3], np.uint8, 0, 255),
        ),
        c(
            v,
            "tf.image.convert_image_dtype[f32->u16]",
            lambda t: tf.image.convert_image_dtype(t, tf.uint16, saturate=True),
            img,
        ),
        c(v, "tf.image.per_image_standardization", lambda t: tf.image.per_image_standardization(t), img),
        c(v, "tf.image.total_variation", lambda t: tf.image.total_variation(t), img),
        c(
            v,
            "tf.image.ssim_multiscale[shape]",
            lambda a, b: tf.image.ssim(a, b, 1.0, filter_size=3),
            rand([1, 16, 16, 3], np.float32, 0, 1),
            rand([1, 16, 16, 3], np.float32, 0, 1, seed=1),
            rtol=1e-4,
            atol=1e-5,
        ),
        c(
            v,
            "tf.image.psnr",
            lambda a, b: tf.image.psnr(a, b, 1.0),
            rand([1, 6, 6, 3], np.float32, 0, 1),
            rand([1, 6, 6, 3], np.float32, 0, 1, seed=1),
        ),
        c(v, "tf.image.sobel_edges", lambda t: tf.image.sobel_edges(t), img),
        c(v, "tf.image.image_gradients", lambda t: tf.image.image_gradients(t), img),
        c(v, "tf.image.rgb_to_yuv/yiq", lambda t: (tf.image.rgb_to_yuv(t), tf.image.yiq_to_rgb(t)), img),
        c(
            v,
            "tf.image.adjust_hue[f64]",
            lambda t: tf.image.adjust_hue(t, 0.2),
            img.astype(np.float64) * 0.5 + 0.5,
        ),
        c(
            v,
            "tf.image.adjust_gamma[u8]",
            lambda t: tf.image.adjust_gamma(t, 0.5),
            rand([1, 6, 6, 3], np.uint8, 0, 255),
        ),
        c(
            v,
            "tf.image.adjust_jpeg_quality",
            lambda t: tf.image.adjust_jpeg_quality(t, 80),
            rand([8, 8, 3], np.float32, 0, 1),
            rtol=1e-2,
            atol=1e-2,
        ),
        c(
            v,
            "tf.image.stateless_random_flip_left_right",
            lambda t, s: tf.image.stateless_random_flip_left_right(t, s),
            img,
            arr([1, 2], np.int32),
        ),
        c(
            v,
            "tf.image.stateless_random_brightness",
            lambda t, s: tf.image.stateless_random_brightness(t, 0.2, s),
            img,
            arr([1, 2], np.int32),
        ),
        c(
            v,
            "tf.image.stateless_random_crop",
            lambda t, s: tf.image.stateless_random_crop(t, [1, 4, 4, 3], s),
            img,
            arr([1, 2], np.int32),
        ),
        c(
            v,
            "tf.image.stateless_random_jpeg_quality",
            lambda t, s: tf.image.stateless_random_jpeg_quality(t, 70, 90, s),
            rand([8, 8, 3], np.float32, 0, 1),
            arr([1, 2], np.int32),
            rtol=1e-2,
            atol=1e-2,
        ),
        c(
            v,
            "tf.image.stateless_sample_distorted_bounding_box",
            lambda s: tf.image.stateless_sample_distorted_bounding_box(
                [8, 8, 3], tf.constant([[[0.1, 0.1, 0.9, 0.9]]]), s, min_object_covered=0.1
            )[0],
            arr([1, 2], np.int32),
        ),
        c(
            v,
            "tf.image.generate_bounding_box_proposals",
            lambda sc, d, a: tf.image.generate_bounding_box_proposals(
                sc, d, tf.constant([[8.0, 8.0, 1.0]]), a, post_nms_topn=3
            )[0],
            rand([1, 2, 2, 1], np.float32, 0, 1),
            rand([1, 2, 2, 4]) * 0.1,
            tf.constant([[0.0, 0, 4, 4]] * 4).numpy(),
        ),
        c(
            v,
            "tf.image.transform (ImageProjectiveTransformV3)",
            lambda t: tf.raw_ops.ImageProjectiveTransformV3(
                images=t,
                transforms=tf.constant([[1.0, 0.1, 0, 0, 1, 0, 0, 0]]),
                output_shape=[6, 6],
                fill_value=0.0,
                interpolation="BILINEAR",
                fill_mode="REFLECT",
            ),
            img,
        ),
        c(
            v,
            "tf.image.crop_and_resize[nearest]",
            lambda t: tf.image.crop_and_resize(t, [[0.1, 0.1, 0.8, 0.9]], [0], [3, 3], "nearest"),
            img,
        ),
    ]
    return cases


def _v1_lstm(t: Any) -> Any:
    cell = tf.compat.v1.nn.rnn_cell.LSTMCell(4, initializer=tf.constant_initializer(0.1))
    out, _ = tf.compat.v1.nn.static_rnn(cell, tf.unstack(t, axis=1), dtype=tf.float32)
    return out[-1]


def _v1_gru(t: Any) -> Any:
    w = tf.constant(np.linspace(-0.5, 0.5, 7 * 8).reshape(7, 8).astype(np.float32))
    ws = tf.split(w, 2, axis=1)

    def step(h: Any, x: Any) -> Any:
        z = tf.sigmoid(tf.matmul(tf.concat([x, h], 1), ws[0]))
        return z * h + (1 - z) * tf.tanh(tf.matmul(tf.concat([x, h], 1), ws[1]))

    return tf.foldl(step, tf.transpose(t, [1, 0, 2]), initializer=tf.zeros([2, 4]))


def _with_assert(t: Any) -> Any:
    with tf.control_dependencies([tf.debugging.assert_equal(tf.shape(t)[0], 1)]):
        return tf.identity(t)


def _with_tf_assert(t: Any) -> Any:
    with tf.control_dependencies([tf.Assert(tf.reduce_all(tf.math.is_finite(t)), [t])]):
        return t * 2


def _ta_loop(t: Any) -> Any:
    ta = tf.TensorArray(tf.float32, size=tf.shape(t)[0])
    i0 = tf.constant(0)

    def body(i: Any, ta: Any) -> Any:
        return i + 1, ta.write(i, t[i] * tf.cast(i, tf.float32))

    _, ta = tf.while_loop(lambda i, _: i < tf.shape(t)[0], body, [i0, ta])
    return ta.stack()


def text_cases() -> list[Case]:
    try:
        import tensorflow_text as tft
    except ImportError:
        return []
    x = "text"
    words = strs([b"Hello, World!", b"tf.lite ran", b"", b"\xc3\xa9t\xc3\xa9 x"])
    vocab = ["[UNK]", "hel", "##lo", "world", "tf", "##.", "lite", "ran", "!", ","]

    def wordpiece() -> Fn:
        init = tf.lookup.KeyValueTensorInitializer(vocab, list(range(len(vocab))), tf.string, tf.int64)
        table = tf.lookup.StaticVocabularyTable(init, 1)
        tok = tft.WordpieceTokenizer(table, token_out_type=tf.int64)
        return lambda t: tok.tokenize(tf.strings.split(t)).flat_values

    def bert() -> Fn:
        init = tf.lookup.KeyValueTensorInitializer(vocab, list(range(len(vocab))), tf.string, tf.int64)
        table = tf.lookup.StaticVocabularyTable(init, 1)
        tok = tft.BertTokenizer(table, lower_case=True)
        return lambda t: tok.tokenize(t).merge_dims(-2, -1).to_tensor()

    def fast_wordpiece() -> Fn:
        tok = tft.FastWordpieceTokenizer(vocab, token_out_type=tf.int64)
        return lambda t: tok.tokenize(tf.strings.split(t)).flat_values

    def fast_bert() -> Fn:
        tok = tft.FastBertTokenizer(vocab, lower_case_nfd_strip_accents=True)
        return lambda t: tok.tokenize(t).to_tensor()

    def sentencepiece_free() -> Fn:
        tok = tft.WhitespaceTokenizer()
        return lambda t: tok.tokenize_with_offsets(t)[1].flat_values

    def unicode_script_tok() -> Fn:
        tok = tft.UnicodeScriptTokenizer()
        return lambda t: tok.tokenize(t).flat_values

    def unicode_char_tok() -> Fn:
        tok = tft.UnicodeCharTokenizer()
        return lambda t: tok.tokenize(t).flat_values

    def regex_split() -> Fn:
        return lambda t: tft.regex_split(t, r"\s").flat_values

    def fast_bert_normalizer() -> Fn:
        n = tft.FastBertNormalizer(lower_case_nfd_strip_accents=True)
        return lambda t: n.normalize(t)

    def bert_trimmer() -> Fn:
        trim = tft.RoundRobinTrimmer(6)
        return lambda a, s: (
            trim.trim([tf.RaggedTensor.from_row_splits(a, s), tf.RaggedTensor.from_row_splits(a, s)])[
                0
            ].flat_values
        )

    def combine_segments() -> Fn:
        return lambda a, s: (
            tft.combine_segments([tf.RaggedTensor.from_row_splits(a, s)], 101, 102)[0].flat_values
        )

    def mask_lm() -> Fn:
        return lambda a, s: tft.pad_model_inputs(tf.RaggedTensor.from_row_splits(a, s), 6)

    def ngrams() -> Fn:
        return lambda t: (
            tft.ngrams(tf.strings.split(t), 2, reduction_type=tft.Reduction.STRING_JOIN).flat_values
        )

    def sliding() -> Fn:
        return lambda t: tft.sliding_window(t, 2, axis=-1)

    def byte_split() -> Fn:
        tok = tft.ByteSplitter()
        return lambda t: tok.split(t).flat_values

    def split_merge() -> Fn:
        tok = tft.SplitMergeFromLogitsTokenizer()
        return lambda t, lg: tok.tokenize(t, lg).flat_values

    def case_fold() -> Fn:
        return lambda t: tft.case_fold_utf8(t)

    def normalize() -> Fn:
        return lambda t: tft.normalize_utf8(t, "NFKC")

    def normalize_offsets() -> Fn:
        return lambda t: tft.normalize_utf8_with_offsets_map(t, "NFD")[0]

    def wordshape() -> Fn:
        return lambda t: tft.wordshape(t, tft.WordShape.HAS_PUNCTUATION_DASH)

    def hub_module() -> Fn:
        tok = tft.HubModuleTokenizer if hasattr(tft, "HubModuleTokenizer") else None
        return lambda t: tf.strings.length(t) if tok is None else t

    def mask_values() -> Fn:
        return lambda a, s: (
            tft.mask_language_model(
                tf.RaggedTensor.from_row_splits(a, s),
                tft.RandomItemSelector(4, 0.5),
                tft.MaskValuesChooser(100, 0, 0.8),
            )[0].flat_values.shape.rank
            or a
        )

    tokens = arr([5, 6, 7, 8, 9, 10, 11], np.int64)
    splits = arr([0, 3, 3, 7], np.int64)
    cases = [
        lazy(x, "WordpieceTokenizer", wordpiece, words),
        lazy(x, "BertTokenizer", bert, words),
        lazy(x, "FastWordpieceTokenizer", fast_wordpiece, words),
        lazy(x, "FastBertTokenizer", fast_bert, words),
        lazy(x, "WhitespaceTokenizer.offsets", sentencepiece_free, words),
        lazy(x, "UnicodeScriptTokenizer", unicode_script_tok, words),
        lazy(x, "UnicodeCharTokenizer", unicode_char_tok, words),
        lazy(x, "regex_split", regex_split, words),
        lazy(x, "FastBertNormalizer", fast_bert_normalizer, words),
        lazy(x, "RoundRobinTrimmer", bert_trimmer, tokens, splits),
        lazy(x, "combine_segments", combine_segments, tokens, splits),
        lazy(x, "pad_model_inputs", mask_lm, tokens, splits),
        lazy(x, "ngrams[STRING_JOIN]", ngrams, words),
        lazy(x, "sliding_window", sliding, rand([2, 5])),
        lazy(x, "ByteSplitter", byte_split, words),
        lazy(x, "SplitMergeFromLogitsTokenizer", split_merge, strs([b"abc"]), rand([1, 3, 2])),
        lazy(x, "case_fold_utf8", case_fold, words),
        lazy(x, "normalize_utf8[NFKC]", normalize, words),
        lazy(x, "normalize_utf8_with_offsets_map", normalize_offsets, words),
        lazy(x, "wordshape", wordshape, words),
        lazy(x, "mask_language_model[shape]", mask_values, tokens, splits),
    ]
    del hub_module
    if hasattr(tft, "SentencepieceTokenizer"):
        cases.append(lazy(x, "SentencepieceTokenizer[model missing: skipped]", lambda: lambda t: t, words))
    return cases


FAMILIES: dict[str, Callable[[], list[Case]]] = {
    "math": math_cases,
    "bitwise": bitwise_cases,
    "cast": cast_cases,
    "nn": nn_cases,
    "ragged": ragged_cases,
    "random": random_cases,
    "strings": strings_cases,
    "linalg": linalg_cases,
    "signal": signal_cases,
    "lookup": lookup_cases,
    "keras": keras_cases,
    "compat": compat_cases,
    "text": text_cases,
    "tnp": tnp_cases,
}


# ---------------------------------------------------------------- running


def _function(case: Case) -> tuple[Any, list[np.ndarray]]:
    body = case.make()
    arrays = [np.asarray(a) for a in case.inputs]
    specs = [
        tf.TensorSpec(a.shape, tf.string if a.dtype.kind in "OS" else tf.as_dtype(a.dtype), name=f"x{i}")
        for i, a in enumerate(arrays)
    ]

    def flat(*xs: Any) -> Any:
        out = body(*xs)
        return tuple(tf.convert_to_tensor(t) for t in tf.nest.flatten(out, expand_composites=True))

    return tf.function(flat, input_signature=specs), arrays


def _stock(fn: Any) -> str:
    """'' if builtins alone convert it, else a short reason."""
    from opbridge.source import holder

    try:
        converter = tf.lite.TFLiteConverter.from_concrete_functions(
            [fn.get_concrete_function()], holder(tf, fn)
        )
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            converter.convert()
        return ""
    except Exception as e:
        return _short(e)


def _short(e: BaseException) -> str:
    text = str(e)
    ops = sorted(set(re.findall(r"'tf\.(\w+)' op is neither a custom op nor a flex op", text)))
    if ops:
        return "not builtin: " + ",".join(ops)
    for marker in ("Ops that can be supported by the flex runtime", "Ops that need custom implementation"):
        if marker in text:
            after = text.split(marker, 1)[1]
            return after.split("\n")[0][:200]
    return (type(e).__name__ + ": " + " ".join(text.split()))[:240]


def _compare(expected: dict[str, np.ndarray], actual: dict[str, np.ndarray], case: Case) -> str:
    """'' when all outputs match (or exactly equal), else what differs."""
    from opbridge.comparison import max_abs_error

    problems = []
    for name, e in expected.items():
        if name not in actual:
            problems.append(f"{name} missing")
            continue
        a = actual[name]
        if e.dtype.kind in "OSU" or a.dtype.kind in "OSU":
            same = e.shape == a.shape and all(
                (x if isinstance(x, bytes) else str(x).encode())
                == (y if isinstance(y, bytes) else str(y).encode())
                for x, y in zip(e.ravel(), a.ravel(), strict=True)
            )
            if not same:
                problems.append(f"{name}: strings {e.ravel()[:4]!r} vs {a.ravel()[:4]!r}")
            continue
        if e.shape != a.shape:
            problems.append(f"{name}: shape {e.shape} vs {a.shape}")
            continue
        if e.dtype != a.dtype:
            problems.append(f"{name}: dtype {e.dtype} vs {a.dtype}")
        if e.dtype.kind in "biu":
            if not np.array_equal(e, a):
                problems.append(f"{name}: ints differ at {int(np.argmax(e.ravel() != a.ravel()))}")
            continue
        err = max_abs_error(e, a)
        scale = float(np.max(np.abs(e[np.isfinite(e)]))) if np.isfinite(e).any() else 0.0
        if err > case.atol + case.rtol * scale:
            problems.append(f"{name}: max|d|={err:.3g} (scale {scale:.3g})")
    return "; ".join(problems)


def probe(case: Case, stock: bool) -> Outcome:
    import opbridge
    from opbridge.conversion import convert_model
    from opbridge.errors import UnsupportedOpsError
    from opbridge.running import run_tflite
    from opbridge.source import ModelSource

    try:
        fn, arrays = _function(case)
        src = ModelSource(tf, fn)
        names = [s.name for s in src.input_specs()]
        inputs = dict(zip(names, arrays, strict=True))
        expected = src.reference(inputs)
    except Exception as e:
        return Outcome("case error", _short(e))
    stock_reason = _stock(fn) if stock else "(not tried)"
    try:
        with contextlib.redirect_stderr(io.StringIO()):
            result = convert_model(fn)
    except UnsupportedOpsError as e:
        return Outcome("both fail", "missing " + ", ".join(sorted(e.missing)))
    except Exception as e:
        return Outcome("both fail", "convert error: " + _short(e))
    custom = ",".join(sorted(result.custom_ops))
    try:
        actual = run_tflite(result.model, inputs, runtime="litert")
    except Exception as e:
        return Outcome("run error", _short(e), custom)
    diff = _compare(expected, actual, case)
    if diff:
        # Builtins only: LiteRT's own kernels differ from TF (not an opbridge kernel).
        return Outcome("wrong numbers" if custom else "wrong (builtins)", diff, custom)
    del opbridge
    if not stock:
        return Outcome("converts", "", custom)
    return Outcome("stock-only fails" if stock_reason else "ok", stock_reason, custom)


def run(cases: list[Case], stock: bool) -> dict[str, int]:
    counts: dict[str, int] = {}
    for case in cases:
        start = time.perf_counter()
        print(f"{case.family:9} {case.name:60} ", end="", flush=True)
        with _quiet():
            out = probe(case, stock)
        took = time.perf_counter() - start
        print(
            f"{out.status:16} {took:5.1f}s {out.detail} {'[' + out.custom + ']' if out.custom else ''}",
            flush=True,
        )
        if case.parts and out.status not in ("ok", "stock-only fails", "converts"):
            for part in case.parts:
                print(f"{'':9}   {part.name:58} ", end="", flush=True)
                with _quiet():
                    sub = probe(part, stock=False)
                print(
                    f"{sub.status:16} {sub.detail} {'[' + sub.custom + ']' if sub.custom else ''}", flush=True
                )
                counts[sub.status] = counts.get(sub.status, 0) + 1
        else:
            counts[out.status] = counts.get(out.status, 0) + max(1, len(case.parts))
    return counts


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """TF and the converter log to fd 2 from C++; keep the table readable."""
    import os

    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(devnull)
        os.close(saved)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--family", action="append", choices=sorted(FAMILIES), help="default: all")
    parser.add_argument("--only", nargs="*", default=[], help="substrings of case names")
    parser.add_argument("--list", action="store_true", help="print the case names only")
    parser.add_argument("--no-stock", action="store_true", help="skip the builtins-only conversion")
    args = parser.parse_args(argv)
    tf.get_logger().setLevel("ERROR")
    cases: list[Case] = []
    for family in args.family or sorted(FAMILIES):
        cases += FAMILIES[family]()
    if args.only:
        cases = [k for k in cases if any(s in k.name for s in args.only)]
    total = sum(max(1, len(k.parts)) for k in cases)
    if args.list:
        for k in cases:
            print(f"{k.family:9} {k.name}")
        print(f"{len(cases)} models, {total} cases")
        return 0
    counts = run(cases, stock=not args.no_stock)
    print(
        f"\n{len(cases)} models, {total} cases: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
