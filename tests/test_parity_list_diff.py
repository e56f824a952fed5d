"""ListDiff (tf.compat.v1.setdiff1d): the TFLite kernel against TF's, bit for bit, in both
runtimes: every dtype TF registers in one model (out_idx int32 and int64), TF's equality (float
-0.0 == 0.0 and NaN never in y; half and bfloat16 by their bits; strings by bytes), repeats,
empty x and y, tens of thousands of values on 1 and 2 threads, TF's errors for inputs that are not
vectors; and tf.norm's matrix 2-norm, which needs ListDiff, end to end."""

from __future__ import annotations

import ml_dtypes
import numpy as np

from bitwise_parity import any_shape, assert_bits, assert_fails_as_tf, check_cases, tf_outputs
from conftest import RUNTIMES, convert_fn, registered_cpu_dtypes
from opbridge import tflite_model
from opbridge.testing import run_tflite

DTYPES = ["float32", "float64", "float16", "bfloat16", "int8", "int16", "int32", "int64"]
DTYPES += ["uint8", "uint16", "uint32", "uint64", "string"]
WORDS = [b"", b"a", b"\x00a", b"a\x00b", b"ab", b"\xc3\xa9", b"x" * 40, b"b", b"ba", b"A"]
# half/bfloat16 bits: +0, -0, a subnormal, NaNs of either sign, infinities of half.
BITS16 = np.array([0x0000, 0x8000, 0x0001, 0x7E00, 0xFE00, 0x7FC0, 0x7C00, 0xFC00], np.uint16)


def np_dtype(name: str):
    return ml_dtypes.bfloat16 if name == "bfloat16" else np.dtype(name)


def values(rng: np.random.Generator, name: str, n: int, high: int) -> np.ndarray:
    """n values drawn from `high` distinct ones (so x and y share some), with the dtype's edges."""
    if name == "string":
        return np.array([WORDS[i % len(WORDS)] for i in rng.integers(0, high, n)], dtype=object)
    x = rng.integers(0, high, n).astype(np_dtype(name))
    if name in ("float16", "bfloat16") and n:
        x[: min(n, 8)] = BITS16[rng.integers(0, 8, min(n, 8))].view(np_dtype(name))
    elif name in ("float32", "float64") and n:
        x[: min(n, 6)] = np.array([np.nan, 0.0, -0.0, np.inf, -np.inf, -np.nan], name)[: min(n, 6)]
    rng.shuffle(x)
    return x


def test_every_dtype_registered_is_declared(tf):
    assert registered_cpu_dtypes("ListDiff") == set(DTYPES)


def test_every_dtype_bitwise(tf, rng):
    """One model: a (x, y) pair per dtype, out_idx int64 for every other one, int32 otherwise."""

    def fn(*xy):
        out = {}
        for k, name in enumerate(DTYPES):
            index = tf.int64 if k % 2 else tf.int32
            diff = tf.raw_ops.ListDiff(x=xy[2 * k], y=xy[2 * k + 1], out_idx=index)
            out[f"{name}_out"], out[f"{name}_idx"] = diff.out, diff.idx
        return out

    specs = [((None,), tf.string if n == "string" else tf.as_dtype(n)) for n in DTYPES for _ in (0, 1)]
    model = convert_fn(fn, *specs)
    assert tflite_model.custom_op_counts(model) == {"ListDiff": len(DTYPES)}
    cases = []
    for nx, ny, high in [(200, 6, 12), (0, 5, 9), (37, 0, 9), (0, 0, 9), (60, 40, 10), (1, 1, 2)]:
        cases.append([values(rng, n, m, high) for n in DTYPES for m in (nx, ny)])
    check_cases(tf.function(fn), model, cases)


def test_long_inputs_on_two_threads(tf, rng):
    """Tens of thousands of x values (most distinct) against thousands in y: the kernel marks x on
    the runtime's threads, the order and indices stay TF's."""

    def fn(x, y, s, t):
        a = tf.compat.v1.setdiff1d(x, y, index_dtype=tf.int64)
        b = tf.compat.v1.setdiff1d(s, t)
        return {"f": a.out, "fi": a.idx, "s": b.out, "si": b.idx}

    model = convert_fn(
        fn, ((None,), tf.float64), ((None,), tf.float64), ((None,), tf.int32), ((None,), tf.int32)
    )
    x = rng.standard_normal(40000)
    x[rng.integers(0, x.size, 5000)] = x[rng.integers(0, x.size, 5000)]
    x[rng.integers(0, x.size, 100)] = np.nan
    y = np.concatenate([x[rng.integers(0, x.size, 3000)], [np.nan, -0.0]])
    s = rng.integers(0, 50000, 30000).astype(np.int32)
    t = rng.integers(0, 50000, 20000).astype(np.int32)
    check_cases(tf.function(fn), model, [(x, y, s, t)], num_threads=(1, 2))


def test_not_a_vector_is_tf_error(tf):
    def raw(x, y):
        diff = tf.compat.v1.setdiff1d(x, y)
        return {"out": diff.out, "idx": diff.idx}

    fn = any_shape(tf, raw, tf.int32, tf.int32)
    model = convert_fn(raw, (None, tf.int32), (None, tf.int32))
    want = tf_outputs(fn, [np.arange(5, dtype=np.int32), np.array([1, 3], np.int32)])
    for runtime in RUNTIMES:
        got = run_tflite(model, [np.arange(5, dtype=np.int32), np.array([1, 3], np.int32)], runtime)
        assert_bits(want, got, runtime)
    texts = [
        assert_fails_as_tf(tf, fn, model, "ListDiff", [np.zeros((2, 2), np.int32), np.zeros(2, np.int32)]),
        assert_fails_as_tf(tf, fn, model, "ListDiff", [np.zeros(2, np.int32), np.int32(1)]),
    ]
    assert texts == ["x should be a 1D vector.", "y should be a 1D vector."]


def test_matrix_norms_end_to_end(tf, rng):
    """tf.norm(ord=2, axis=[-2, -1]) of matrices: ListDiff finds the axes the norm keeps (for the
    transpose that moves the matrix axes last), Svd gives the singular values; the whole model
    agrees with TF bit for bit. (Inputs of rank 3 and more go through tf.map_fn, whose tensor lists
    the converter refuses; TF 2.21's tf.norm has no 'nuc'.)"""

    def fn(a, b):
        return {
            "two": tf.norm(a, ord=2, axis=[-2, -1]),
            "two64": tf.norm(b, ord=2, axis=[-2, -1], keepdims=True),
            "flipped": tf.norm(b, ord=2, axis=[1, 0]),
        }

    model = convert_fn(fn, ((None, None), tf.float32), ((None, None), tf.float64))
    assert tflite_model.custom_op_counts(model).get("ListDiff", 0) >= 1
    cases = [
        (rng.standard_normal((4, 5)).astype(np.float32), rng.standard_normal((6, 3))),
        (rng.standard_normal((7, 7)).astype(np.float32), rng.standard_normal((1, 5))),
    ]
    check_cases(tf.function(fn), model, cases)
