"""ConjugateTranspose (tf.linalg.adjoint, tf.transpose(conjugate=True)): the TFLite kernel against
TF's, bit for bit, in both runtimes: complex64 and complex128 (the imaginary sign flipped for
zeros, infinities and NaNs too) and every other dtype TF registers that a TFLite tensor can hold
(moved as they are), constant perms (adjoint of batches) and computed ones (int32 and int64,
negative entries counting from the end), dims of size 1, tiles with ragged edges, empty tensors,
1 and 2 threads, and TF's errors for bad perms."""

from __future__ import annotations

import itertools

import ml_dtypes
import numpy as np

from bitwise_parity import any_shape, assert_fails_as_tf, check_cases
from conftest import convert_fn, registered_cpu_dtypes
from opbridge import tflite_model

COMPLEX = ["complex64", "complex128"]
REAL = ["float32", "float64", "float16", "bfloat16", "bool", "int8", "int16", "int32", "int64"]
REAL += ["uint8", "uint16", "uint32", "uint64", "string"]


def test_registered_dtypes_are_declared(tf):
    """TF also registers float8 (e4m3fn, e5m2), resource and variant, which no TFLite tensor holds;
    the op declares T: type like Transpose."""
    missing = registered_cpu_dtypes("ConjugateTranspose") - set(COMPLEX + REAL)
    assert missing == {"float8_e4m3fn", "float8_e5m2", "resource", "variant"}


def values(rng: np.random.Generator, name: str, shape: tuple[int, ...]) -> np.ndarray:
    n = int(np.prod(shape))
    if name == "string":
        return np.array([b"w%d" % i * (i % 5) for i in range(n)], dtype=object).reshape(shape)
    if name in COMPLEX:
        re, im = rng.standard_normal(n), rng.standard_normal(n)
        edges = [0.0, -0.0, np.inf, -np.inf, np.nan]
        im[: min(n, 10)] = np.resize(edges, min(n, 10))
        re[: min(n, 10)] = np.resize(edges[::-1], min(n, 10))
        z = np.empty(n, name)  # parts set one by one: re + 1j * inf would make re NaN
        z.real, z.imag = re, im
        return z.reshape(shape)
    dtype = ml_dtypes.bfloat16 if name == "bfloat16" else np.dtype(name)
    if name == "bool":
        return rng.integers(0, 2, n).astype(bool).reshape(shape)
    return rng.integers(0, 120, n).astype(dtype).reshape(shape)


def test_complex_adjoints_exact(tf, rng):
    """tf.linalg.adjoint (constant perm, the last two dims swapped) of ranks 2 to 4, and a
    computed perm of rank 3; sides past the kernel's 8x8 tiles."""

    def fn(a, b, c, d, p):
        return {
            "a": tf.linalg.adjoint(a),
            "b": tf.linalg.adjoint(b),
            "c": tf.transpose(c, [2, 0, 1], conjugate=True),
            "d": tf.transpose(d, p, conjugate=True),
        }

    for name in COMPLEX:
        t = tf.as_dtype(name)
        model = convert_fn(
            fn,
            ((None, None), t),
            ((None, None, None, None), t),
            ((None, None, None), t),
            ((None, None, None), t),
            ((3,), tf.int32),
        )
        assert tflite_model.custom_op_counts(model) == {"ConjugateTranspose": 4}
        cases = []
        for sa, sb, sc in [
            ((37, 19), (2, 3, 9, 17), (3, 17, 9)),
            ((1, 5), (2, 1, 1, 3), (1, 1, 4)),
            ((0, 3), (2, 0, 3, 1), (3, 0, 2)),
        ]:
            for p in [(1, 2, 0), (-1, 0, -2), (0, 2, 1)]:
                cases.append(
                    [
                        values(rng, name, sa),
                        values(rng, name, sb),
                        values(rng, name, sc),
                        values(rng, name, sc),
                        np.array(p, np.int32),
                    ]
                )
        check_cases(tf.function(fn), model, cases, num_threads=(1, 2))


def test_every_dtype_with_computed_perms(tf, rng):
    """One model: a rank-3 input per dtype and an int64 perm, every permutation of rank 3, the
    negative spellings of some; scalars (perm []) of complex."""

    def fn(p, s, *xs):
        out = {
            name: tf.raw_ops.ConjugateTranspose(x=x, perm=p)
            for name, x in zip(COMPLEX + REAL, xs, strict=True)
        }
        out["scalar"] = tf.raw_ops.ConjugateTranspose(x=s, perm=tf.zeros([0], tf.int32))
        return out

    names = COMPLEX + REAL
    specs = [((3,), tf.int64), ((), tf.complex64)]
    specs += [((None, None, None), tf.string if n == "string" else tf.as_dtype(n)) for n in names]
    model = convert_fn(fn, *specs)
    assert tflite_model.custom_op_counts(model) == {"ConjugateTranspose": len(names) + 1}
    perms = [*itertools.permutations(range(3)), (-1, -3, 1), (2, -2, 0)]
    shapes = [(3, 17, 9), (2, 1, 19), (1, 33, 1), (4, 0, 2)]
    cases = []
    for k, perm in enumerate(perms):
        shape = shapes[k % len(shapes)]
        scalar = np.complex64(1.5 - 0.0j) if k % 2 else np.complex64(complex(np.nan, 2.0))
        cases.append([np.array(perm, np.int64), scalar] + [values(rng, n, shape) for n in names])
    check_cases(tf.function(fn), model, cases)


def test_bad_perms_are_tf_errors(tf):
    fn = any_shape(tf, lambda x, p: tf.raw_ops.ConjugateTranspose(x=x, perm=p), tf.complex64, tf.int32)
    model = convert_fn(
        lambda x, p: tf.raw_ops.ConjugateTranspose(x=x, perm=p), (None, tf.complex64), (None, tf.int32)
    )
    x = np.ones((2, 3), np.complex64)
    texts = [
        assert_fails_as_tf(tf, fn, model, "ConjugateTranspose", [x, np.array(p, np.int32)])
        for p in ([1, 1], [0, 2], [-3, 0], [0], [1, 0, 2], [[1, 0]], [-1, 1])
    ]
    assert texts[:3] == [
        "0 is missing from {1,1}.",
        "2 is out of range [0 .. 2)",
        "-1 is out of range [0 .. 2)",
    ]
    assert texts[-1] == "0 is missing from {1,1}."


def test_transpose_shares_the_perm_rules(tf, rng):
    """Transpose reads perm with the same code (ops/array/transpose.h): negative entries and TF's
    texts hold for it too (float64, which the builtin TRANSPOSE lacks)."""

    def raw(x, p):
        return tf.transpose(x, p)

    fn = any_shape(tf, raw, tf.float64, tf.int64)
    model = convert_fn(raw, (None, tf.float64), (None, tf.int64))
    assert tflite_model.custom_op_counts(model) == {"Transpose": 1}
    x = rng.standard_normal((2, 3, 4))
    check_cases(fn, model, [[x, np.array(p, np.int64)] for p in ([-1, 0, 1], [2, -3, -2], [0, 1, 2])])
    texts = [
        assert_fails_as_tf(tf, fn, model, "Transpose", [x, np.array(p, np.int64)])
        for p in ([-1, 2, 0, 1], [[0, 1, 2]], [-4, 0, 1], [-1, 2, 1])
    ]
    assert texts[1:] == [
        "perm must be rank 1, got shape [1,3]",
        "-1 is out of range [0 .. 3)",
        "0 is missing from {2,2,1}.",
    ]
