"""UniqueV2 and UniqueWithCountsV2 (unique along an axis): the TFLite kernels against TF's, bit for
bit, in both runtimes: every dtype TF registers in one model, axis [] (a vector), [0], [1], [-1]
of rank-2 and rank-3 inputs, int32 and int64 axis and out_idx; TF's equality in each of its two
paths (single elements: Unique's; slices: every float type as numbers, NaN slices never equal);
empty slices and tensors; TF's errors for bad axes. Unique and UniqueWithCounts, which share
the single-element path, in the dtypes the builtin UNIQUE lacks."""

from __future__ import annotations

import ml_dtypes
import numpy as np

from bitwise_parity import any_shape, assert_fails_as_tf, check_cases
from conftest import convert_fn, registered_cpu_dtypes
from opbridge import tflite_model

DTYPES = ["float32", "float64", "float16", "bfloat16", "int8", "int16", "int32", "int64", "uint8"]
DTYPES += ["uint16", "uint32", "uint64", "bool", "string"]
WORDS = [b"", b"a", b"ab", b"\xc3\xa9", b"b"]
BITS16 = np.array([0x0000, 0x8000, 0x3C00, 0x7E00, 0x7FC0], np.uint16)


def test_every_dtype_registered_is_declared(tf):
    assert registered_cpu_dtypes("UniqueV2") == set(DTYPES)
    assert registered_cpu_dtypes("UniqueWithCountsV2") == set(DTYPES)


def values(rng: np.random.Generator, name: str, shape) -> np.ndarray:
    """Few distinct values, so that slices repeat; the floats' zeros of both signs and NaN."""
    n = int(np.prod(shape))
    if name == "string":
        return np.array([WORDS[i] for i in rng.integers(0, 3, n)], dtype=object).reshape(shape)
    if name == "bool":
        return rng.integers(0, 2, n).astype(bool).reshape(shape)
    if name in ("float16", "bfloat16"):
        dtype = ml_dtypes.bfloat16 if name == "bfloat16" else np.float16
        # No +0 among -0: TF hashes these slices' elements by their bits but compares them as
        # numbers, so whether slices differing only in a zero's sign merge depends on its hash
        # table's layout (measured: a -0 in the first element keeps them apart, later ones
        # usually not). The single-element path's bits rule is Unique's, tested with it.
        x = BITS16[rng.choice(5, n, p=[0.0, 0.8, 0.15, 0.025, 0.025])].view(dtype)
        return x.reshape(shape)
    x = rng.integers(0, 2, n).astype(name)
    if name.startswith("float"):
        x[rng.random(n) < 0.3] = -0.0
        x[rng.random(n) < 0.03] = np.nan
    return x.reshape(shape)


def test_every_dtype_and_axis_bitwise(tf, rng):
    def fn(a, b, c, *xs):
        out = {}
        for k, (name, x) in enumerate(zip(DTYPES, xs, strict=True)):
            index = tf.int64 if k % 2 else tf.int32
            u = tf.raw_ops.UniqueV2(x=x, axis=a, out_idx=index)
            w = tf.raw_ops.UniqueWithCountsV2(x=x, axis=b, out_idx=index)
            v = tf.raw_ops.UniqueWithCountsV2(x=tf.reshape(x, [-1]), axis=c, out_idx=index)
            out[f"{name}_y"], out[f"{name}_idx"] = u.y, u.idx
            out[f"{name}_wy"], out[f"{name}_widx"], out[f"{name}_wcount"] = w.y, w.idx, w.count
            out[f"{name}_vy"], out[f"{name}_vidx"], out[f"{name}_vcount"] = v.y, v.idx, v.count
        return out

    specs = [((None,), tf.int32), ((None,), tf.int64), ((None,), tf.int32)]
    specs += [((None, None, None), tf.string if n == "string" else tf.as_dtype(n)) for n in DTYPES]
    model = convert_fn(fn, *specs)
    counts = tflite_model.custom_op_counts(model)
    assert counts["UniqueV2"] == len(DTYPES) and counts["UniqueWithCountsV2"] == 2 * len(DTYPES)
    cases = []
    for shape, a, b, c in [
        ((3, 12, 2), [1], [-1], []),
        ((6, 1, 1), [0], [2], [0]),
        ((1, 9, 1), [1], [1], [-1]),
        ((4, 3, 2), [-3], [0], []),
        ((2, 0, 3), [1], [0], []),
        ((3, 0, 2), [0], [2], [0]),
        ((1, 40, 1), [-2], [1], []),
    ]:
        case = [np.array(a, np.int32), np.array(b, np.int64), np.array(c, np.int32)]
        cases.append(case + [values(rng, n, shape) for n in DTYPES])
    check_cases(tf.function(fn), model, cases)


def test_axis_errors_as_tf(tf):
    def raw(x, a):
        u = tf.raw_ops.UniqueWithCountsV2(x=x, axis=a)
        return {"y": u.y, "idx": u.idx, "count": u.count}

    fn = any_shape(tf, raw, tf.float32, tf.int32)
    model = convert_fn(raw, (None, tf.float32), (None, tf.int32))
    x = np.ones((4, 3), np.float32)
    texts = [
        assert_fails_as_tf(tf, fn, model, "UniqueWithCountsV2", [v, np.array(a, np.int32)])
        for v, a in [(x, [2]), (x, [-3]), (x, []), (x, [0, 1]), (x, [[0]]), (x, 0), (np.float32(3), [0])]
    ]
    assert texts[:4] == [
        "axis has to be between [0, 2)",
        "axis has to be between [0, 2)",
        "unique expects a 1D vector.",
        "axis does not support input tensors larger than 1 elements",
    ]


def test_unique_v1_shares_the_element_path(tf, rng):
    """Unique and UniqueWithCounts run unique_axis.h's single-element path too: tf.unique in the
    dtypes the builtin UNIQUE lacks (float64, half, bool, uint32, ...), half's zeros apart by their
    bits, float64's together, NaNs each their own."""
    names = ["float64", "float16", "bfloat16", "bool", "uint16", "uint32", "uint64"]

    def fn(*xs):
        out = {}
        for name, x in zip(names, xs, strict=True):
            u = tf.unique(x, out_idx=tf.int64)
            w = tf.unique_with_counts(x)
            out[f"{name}_y"], out[f"{name}_idx"] = u.y, u.idx
            out[f"{name}_wy"], out[f"{name}_widx"], out[f"{name}_wcount"] = w.y, w.idx, w.count
        return out

    model = convert_fn(fn, *[((None,), tf.as_dtype(n)) for n in names])
    assert tflite_model.custom_op_counts(model) == {"Unique": len(names), "UniqueWithCounts": len(names)}
    cases = []
    for n in (0, 1, 50, 500):
        case = []
        for name in names:
            if name in ("float16", "bfloat16"):
                dtype = ml_dtypes.bfloat16 if name == "bfloat16" else np.float16
                case.append(BITS16[rng.integers(0, 5, n)].view(dtype))
            elif name == "float64":
                x = rng.integers(0, 3, n).astype(np.float64)
                x[rng.random(n) < 0.3] = -0.0
                x[rng.random(n) < 0.05] = np.nan
                case.append(x)
            else:
                case.append(values(rng, name, (n,)))
        cases.append(case)
    check_cases(tf.function(fn), model, cases)
