"""Abs and Sign on the dtypes TFLite's builtins ABS and SIGN cannot take (int8, int64, int16 Sign;
half, bfloat16, float64 Abs; half, bfloat16 Sign): TFLite kernels vs TF's own kernels (extremes
included: abs(INT_MIN) wraps to itself as in TF; NaN, signed zeros, subnormals and the result bits
for floats), dynamic shapes, the DeBERTaV3 relative-position bucket computation, and the dtypes the
builtins keep."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from conftest import RUNTIMES
from opbridge import tflite_model
from opbridge.testing import assert_parity, run_tflite

# Measured (TF 2.21 converter, LiteRT 2.3): which integer dtypes the converter leaves as CUSTOM
# Abs/Sign, and which it gives the builtins ABS/SIGN.
CUSTOM = {"Abs": [np.int8, np.int64], "Sign": [np.int8, np.int16, np.int64]}
BUILTIN = {"Abs": [np.int16, np.int32], "Sign": [np.int32]}
FUNCTIONS = {"Abs": "abs", "Sign": "sign"}


def name(dtype: Any) -> str:
    return np.dtype(dtype).name


def values(rng: np.random.Generator, dtype: Any, shape: tuple[int, ...]) -> np.ndarray:
    """Random values over the whole range, with the extremes, 0 and +-1 first."""
    info = np.iinfo(dtype)
    x = rng.integers(info.min, info.max, shape, dtype=dtype, endpoint=True)
    edges = np.array([info.min, info.min + 1, -1, 0, 1, info.max, info.max - 1], dtype)
    x.reshape(-1)[: edges.size] = edges
    return x


def dynamic(tf: Any, fn: Any, *arrays: np.ndarray) -> Any:
    signature = [
        tf.TensorSpec([None] * a.ndim, tf.as_dtype(a.dtype), name=f"input_{i}") for i, a in enumerate(arrays)
    ]
    return tf.function(fn, input_signature=signature)


@pytest.mark.parametrize(("op", "dtype"), [(op, d) for op, ds in CUSTOM.items() for d in ds], ids=str)
@pytest.mark.parametrize("shape", [(4, 33), (0,), (2, 0, 3), (1,), (3, 1, 2, 1, 2)], ids=str)
def test_custom_dtypes_match_tf(tf, rng, op, dtype, shape):
    x = values(rng, dtype, shape) if np.prod(shape) >= 7 else rng.integers(-9, 9, shape).astype(dtype)
    fn = getattr(tf.math, FUNCTIONS[op])
    report = assert_parity(dynamic(tf, fn, x), [x], rtol=0, atol=0, runtimes=RUNTIMES)
    assert tflite_model.custom_op_counts(report.model) == {op: 1}


@pytest.mark.parametrize(("op", "dtype"), [(op, d) for op, ds in CUSTOM.items() for d in ds], ids=str)
def test_custom_dtypes_at_fixed_shapes_too(tf, rng, op, dtype):
    """No builtin takes these dtypes at any shape: the custom node stays and matches TF."""
    x = values(rng, dtype, (5, 9))
    report = assert_parity(getattr(tf.math, FUNCTIONS[op]), [x], rtol=0, atol=0, runtimes=RUNTIMES)
    assert tflite_model.custom_op_counts(report.model) == {op: 1}


@pytest.mark.parametrize(("op", "dtype"), [(op, d) for op, ds in BUILTIN.items() for d in ds], ids=str)
def test_dtypes_the_builtins_take_stay_builtin(tf, rng, op, dtype):
    """Where the builtin takes the node, opbridge changes nothing."""
    x = values(rng, dtype, (5, 9))
    fn = dynamic(tf, getattr(tf.math, FUNCTIONS[op]), x)
    report = assert_parity(fn, [x[:, 1:]], rtol=0, atol=0, runtimes=RUNTIMES)
    assert tflite_model.op_histogram(report.model) == {op.upper(): 1}


def test_deberta_relative_position_buckets(tf, rng):
    """DeBERTaV3's log-bucketed relative positions on int64 (sign, abs, where, log): the int64 Abs
    and Sign it leaves custom run and the buckets match TF's for a dynamic batch and sequence."""
    bucket_size, max_position = 256, 512

    def buckets(ids):
        seq = tf.shape(ids)[1]
        q = tf.range(seq, dtype=tf.int64)
        rel = tf.expand_dims(q, 1) - tf.expand_dims(q, 0)
        sign = tf.math.sign(rel)
        mid = bucket_size // 2
        abs_pos = tf.where((rel < mid) & (rel > -mid), tf.constant(mid - 1, tf.int64), tf.math.abs(rel))
        log_pos = (
            tf.math.ceil(
                tf.math.log(tf.cast(abs_pos, tf.float32) / mid)
                / tf.math.log((max_position - 1) / mid)
                * (mid - 1)
            )
            + mid
        )
        bucket = tf.where(abs_pos <= mid, tf.cast(rel, tf.float32), log_pos * tf.cast(sign, tf.float32))
        return tf.cast(bucket, tf.int64) + tf.expand_dims(tf.zeros_like(ids[:, :1]), -1)  # [batch, seq, seq]

    fn = tf.function(buckets, input_signature=[tf.TensorSpec([None, None], tf.int64, name="input_0")])
    ids = rng.integers(0, 1000, (2, 300)).astype(np.int64)
    report = assert_parity(fn, [ids], rtol=0, atol=0, runtimes=RUNTIMES)
    assert tflite_model.custom_op_counts(report.model) == {"Abs": 1, "Sign": 1}
    for shape in ((1, 7), (3, 400)):
        x = rng.integers(0, 1000, shape).astype(np.int64)
        for runtime in RUNTIMES:
            (got,) = run_tflite(report.model, [x], runtime).values()
            np.testing.assert_array_equal(got, fn(x).numpy())


# Measured likewise for floats: float32 goes to ABS and SIGN, float64 to SIGN; the rest is CUSTOM.
FLOAT_CUSTOM = {"Abs": [np.float16, np.float64, "bfloat16"], "Sign": [np.float16, "bfloat16"]}
FLOAT_BUILTIN = {"Abs": [np.float32], "Sign": [np.float32, np.float64]}
BITS = {2: np.uint16, 4: np.uint32, 8: np.uint64}


def float_values(rng: np.random.Generator, dtype: Any) -> np.ndarray:
    """Zeros of both signs, infinities, NaNs of both signs, subnormals, extremes, at both ends of 68
    random values: in TF's packets and in its one-at-a-time tail. In the input dtype (float32 for
    bfloat16, which the model casts)."""
    info = np.finfo(np.float32 if dtype == "bfloat16" else dtype)
    special = [0.0, -0.0, np.inf, -np.inf, 1.0, -1.0, float(info.max), float(-info.max)]
    special += [float(info.tiny), -float(info.tiny), float(info.smallest_subnormal), -float(info.tiny) / 3]
    special += [np.nan, -np.nan]
    x = np.concatenate([special, rng.standard_normal(24) * 10, rng.standard_normal(16) * 1e-5, special])
    with np.errstate(over="ignore"):
        return x.astype(np.float32 if dtype == "bfloat16" else dtype)


# Lengths that leave 0..7 elements after TF's 8- and 4-element packets, and a 2-D tensor.
SLICES = {
    "last3": np.s_[-3:],
    "last7": np.s_[-7:],
    "last21": np.s_[-21:],
    "all68": np.s_[:],
    "first65": np.s_[:65],
}


def float_fn(tf: Any, op: str, dtype: Any) -> Any:
    """The op, and its result's bits (NaN payloads and signs are compared too)."""
    function = getattr(tf.math, FUNCTIONS[op])

    def fn(x):
        if dtype == "bfloat16":
            y = function(tf.cast(x, tf.bfloat16))
            return {"y": tf.cast(y, tf.float32), "bits": tf.bitcast(y, tf.uint16)}
        y = function(x)
        return {"y": y, "bits": tf.bitcast(y, tf.as_dtype(BITS[np.dtype(dtype).itemsize]))}

    return fn


@pytest.mark.parametrize("part", list(SLICES))
@pytest.mark.parametrize(
    ("op", "dtype"), [(op, d) for op, ds in FLOAT_CUSTOM.items() for d in ds], ids=lambda v: str(v)
)
def test_float_dtypes_left_custom_match_tf_bit_for_bit(tf, rng, op, dtype, part):
    x = float_values(rng, dtype)[SLICES[part]]
    report = assert_parity(dynamic(tf, float_fn(tf, op, dtype), x), [x], rtol=0, atol=0, runtimes=RUNTIMES)
    assert tflite_model.custom_op_counts(report.model) == {op: 1}
    if part == "all68":
        x2 = x.reshape(4, 17)
        assert_parity(dynamic(tf, float_fn(tf, op, dtype), x2), [x2], rtol=0, atol=0, runtimes=RUNTIMES)


@pytest.mark.parametrize(
    ("op", "dtype"), [(op, d) for op, ds in FLOAT_BUILTIN.items() for d in ds], ids=lambda v: str(v)
)
def test_float_dtypes_the_builtins_take_stay_builtin(tf, rng, op, dtype):
    """opbridge changes nothing there. The builtin SIGN is not TF's on NaN and subnormals (see the
    next test), so Sign is compared on the other values."""
    x = float_values(rng, dtype)
    if op == "Sign":
        x = np.concatenate(
            [x[~np.isnan(x) & ~(np.abs(x) < np.finfo(dtype).tiny)], np.array([0.0, -0.0], dtype)]
        )
    fn = dynamic(tf, getattr(tf.math, FUNCTIONS[op]), x)
    report = assert_parity(fn, [x], rtol=0, atol=0, runtimes=RUNTIMES)
    assert tflite_model.op_histogram(report.model) == {op.upper(): 1}


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=name)
def test_builtin_sign_differs_from_tf_on_subnormals(tf, dtype):
    """A converter/runtime fact, not opbridge's: TF's sign of a subnormal in one of its packets
    (compared as 0 under its flush-to-zero mode) is the subnormal's magnitude; LiteRT's builtin SIGN
    gives 1 (and the TF runtime's builtin SIGN gives 0 for NaN). opbridge does not
    override builtins; the custom Sign (half, bfloat16) follows TF."""
    x = np.ones(8, dtype)
    x[0] = np.finfo(dtype).smallest_subnormal  # in TF's first packet
    fn = dynamic(tf, tf.math.sign, x)
    want = fn(x).numpy()
    assert want[0] == x[0]
    report = assert_parity(fn, [x[1:]], rtol=0, atol=0, runtimes=RUNTIMES)
    (got,) = run_tflite(report.model, [x], "litert").values()
    assert got[0] == 1.0
    np.testing.assert_array_equal(got[1:], want[1:])


def test_int64_avx2_and_baseline_paths_are_tfs_values(tf, rng, tmp_path):
    """int64 Abs and Sign run 4-lane AVX2 compares (ops/math/int64_sign_avx2.h) on AVX2 CPUs and
    scalar loops on the baseline path (OPBRIDGE_NO_AVX2=1): both give TF's values, the extremes
    included, with threads splitting the elements and 1003 of them leaving a ragged tail."""
    from conftest import cpu_has_avx2, run_tflite_in_process

    if not cpu_has_avx2():
        pytest.skip("needs a CPU with AVX2 to compare the two paths")
    x = values(rng, np.int64, (17, 59))

    def fn(a):
        return {"abs": tf.math.abs(a), "sign": tf.math.sign(a)}

    model = assert_parity(dynamic(tf, fn, x), [x], rtol=0, atol=0, runtimes=RUNTIMES).model
    assert tflite_model.custom_op_counts(model) == {"Abs": 1, "Sign": 1}
    want = sorted(v.numpy().tobytes() for v in fn(x).values())
    for baseline in (False, True):
        work = tmp_path / ("baseline" if baseline else "auto")
        work.mkdir()
        got = run_tflite_in_process(model, [x], work, baseline=baseline)
        # Outputs by content (the two are told apart by their bytes, not by name).
        blobs = sorted(np.asarray(v).tobytes() for v in got.values())
        assert blobs == want, "baseline" if baseline else "auto"
