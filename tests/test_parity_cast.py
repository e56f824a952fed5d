"""Cast: TFLite kernel vs TF's own kernel.

The builtin CAST takes no uint64: every tf.cast from or to uint64 converts to
CUSTOM "Cast" {SrcT, DstT, Truncate}. The kernel takes every pair of TF's Cast
dtypes; each pair runs here in a one-node model against tf.raw_ops.Cast over
each type's edges (out-of-range and non-finite floats included, where TF's x86
conversions give the "indefinite" values the kernel reproduces).
"""

from __future__ import annotations

import itertools

import ml_dtypes
import numpy as np
import pytest

from conftest import RUNTIMES, convert_fn
from opbridge import tflite_model
from opbridge.testing import run_tflite

DTYPES = [np.float32, np.float64, np.float16, ml_dtypes.bfloat16, np.int8, np.int16, np.int32, np.int64]
DTYPES += [np.uint8, np.uint16, np.uint32, np.uint64, np.bool_, np.complex64, np.complex128]
FLOAT_EDGES = [0.0, -0.0, 0.5, -0.5, 1.5, -1.5, 300.7, -300.7, 70000.0, -1.0, 3e9, -3e9, 2.0**31, 2.0**32]
FLOAT_EDGES += [
    2.0**63,
    2.0**64,
    2.0**63 - 1024,
    18446744073709549568.0,
    1e30,
    -1e30,
    1e-40,
    np.nan,
    np.inf,
    -np.inf,
]


def defined(x: np.ndarray, src, dst) -> np.ndarray:
    """x without the floats out of range of an 8-, 16-bit or uint32 destination: TF's
    result there depends on whether the element takes its vectorized path (saturating)
    or its scalar one (wrapping): measured, 300.7 gives int8 127 in one array and 44 in
    another. Not reproducible by one rule (docs/ops/cast.md)."""
    src, dst = np.dtype(src), np.dtype(dst)
    floating = src.kind in "fc" or src == ml_dtypes.bfloat16
    if not floating or dst.kind not in "iu" or (dst.itemsize > 2 and dst != np.uint32):
        return x
    info = np.iinfo(dst)
    with np.errstate(invalid="ignore"):
        values = np.trunc(np.real(x).astype(np.float64))
        return x[np.isfinite(values) & (values >= info.min) & (values <= info.max)]


def edges(dtype, rng) -> np.ndarray:
    dtype = np.dtype(dtype)
    if dtype == np.bool_:
        return np.array([True, False, True])
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        special = np.array([info.min, info.max, 0, 1, 2, info.max - 1, 255, 65535, 2**24 + 1], dtype=object)
        special = np.array([v for v in special if info.min <= v <= info.max], dtype=dtype)
        return np.concatenate([special, rng.integers(info.min, info.max, 23, dtype=dtype, endpoint=True)])
    with np.errstate(over="ignore"):
        if dtype.kind == "c":
            parts = np.array(FLOAT_EDGES)
            z = np.empty(parts.size, dtype)
            z.real, z.imag = parts, parts[::-1]  # (1j * inf would make NaN parts)
            return z
        return np.array(FLOAT_EDGES).astype(dtype)


def same(actual: np.ndarray, expected: np.ndarray) -> bool:
    """Equal values, NaN matching NaN, signed zeros told apart."""
    if expected.dtype.kind == "c":
        return same(actual.real, expected.real) and same(actual.imag, expected.imag)
    if expected.dtype.kind == "f" or expected.dtype == ml_dtypes.bfloat16:
        a, e = actual.astype(np.float64), expected.astype(np.float64)
        nan = np.isnan(e)
        return bool((np.isnan(a) == nan).all() and (a[~nan] == e[~nan]).all()) and bool(
            (np.signbit(a[~nan]) == np.signbit(e[~nan])).all()
        )
    return bool(np.array_equal(actual, expected))


def test_every_pair_matches_tf(tf, rng):
    from ai_edge_litert import schema_py_generated as schema
    from flatbuffers import flexbuffers

    def tensor_type(dtype) -> int:
        name = {"bool": "BOOL", "bfloat16": "BFLOAT16"}.get(
            np.dtype(dtype).name, np.dtype(dtype).name.upper()
        )
        return getattr(schema.TensorType, name)

    failures = []
    for src, dst in itertools.product(DTYPES, DTYPES):
        x = defined(edges(src, rng), src, dst)
        expected = tf.raw_ops.Cast(x=x, DstT=tf.as_dtype(dst)).numpy()
        options = bytes(
            flexbuffers.Dumps({"SrcT": tensor_type(src), "DstT": tensor_type(dst), "Truncate": False})
        )
        model = tflite_model.single_custom_op_model(
            "Cast", [("x", x.shape, x.dtype)], [("y", x.shape, np.dtype(dst))], options
        )
        for runtime in RUNTIMES:
            (actual,) = run_tflite(model, [x], runtime).values()
            if not same(actual, expected):
                bad = [
                    (x[i], actual[i], expected[i])
                    for i in range(len(x))
                    if not same(actual[i : i + 1], expected[i : i + 1])
                ]
                failures.append(f"{np.dtype(src).name} -> {np.dtype(dst).name} {runtime}: {bad[:3]}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("dtype", [np.int32, np.float32, np.uint8], ids=lambda d: np.dtype(d).name)
def test_converted_casts_to_and_from_uint64(tf, rng, dtype):
    """tf.cast to uint64 and back, as a model converts it (custom Cast both ways)."""
    x = edges(dtype, rng)

    def model(v):
        wide = tf.cast(v, tf.uint64)
        return {"wide": wide, "back": tf.cast(wide * 3, tf.as_dtype(dtype))}

    converted = convert_fn(model, (x.shape, tf.as_dtype(dtype)))
    assert tflite_model.custom_op_counts(converted).get("Cast") == 2
    expected = {k: v.numpy() for k, v in model(tf.constant(x)).items()}
    for runtime in RUNTIMES:
        actual = run_tflite(converted, [x], runtime)
        for name, want in expected.items():
            assert same(actual[name], want), f"{name} {runtime}: {actual[name]} vs {want}"


def test_truncate_to_bfloat16(tf):
    """Truncate=True rounds float toward zero into bfloat16. (A converted float32 cast
    is the builtin CAST, which ignores Truncate and rounds to nearest: 3.999 gives 4
    where TF gives 3.984375. The kernel runs here as a one-node model.)"""
    from ai_edge_litert import schema_py_generated as schema
    from flatbuffers import flexbuffers

    x = np.array([1.0078125 * 1.001, -1.0078125 * 1.001, 3.999, 0.0, -0.0, np.inf], np.float32)
    expected = tf.raw_ops.Cast(x=x, DstT=tf.bfloat16, Truncate=True).numpy()
    options = {"SrcT": schema.TensorType.FLOAT32, "DstT": schema.TensorType.BFLOAT16, "Truncate": True}
    model = tflite_model.single_custom_op_model(
        "Cast", [("x", x.shape, x.dtype)], [("y", x.shape, expected.dtype)], bytes(flexbuffers.Dumps(options))
    )
    for runtime in RUNTIMES:
        (actual,) = run_tflite(model, [x], runtime).values()
        assert same(actual, expected), f"{runtime}: {actual} vs {expected}"
