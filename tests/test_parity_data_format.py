"""DataFormatVecPermute and DataFormatDimMap (the layout ops TF's layout optimizer and exported
graphs carry): the TFLite kernels against TF's, exactly, in both runtimes: int32 and int64,
NHWC <-> NCHW, NDHWC <-> NCDHW and other permutations of 4 and 5 characters, full and spatial-only
vectors and [n, 2] matrices, dim indices in and out of range (negative, past the end, the
extremes of the type); TF's errors for bad shapes and bad formats."""

from __future__ import annotations

import numpy as np
import pytest

from bitwise_parity import any_shape, assert_fails_as_tf, check_cases, tf_error
from conftest import RUNTIMES, convert_fn, registered_cpu_dtypes
from opbridge import tflite_model
from opbridge.testing import run_tflite

FORMATS = [("NHWC", "NCHW"), ("NCHW", "NHWC"), ("NDHWC", "NCDHW"), ("NCDHW", "NDHWC"), ("NHWC", "NHWC")]
FORMATS += [("NHWC", "HWNC"), ("NHWC", "WHCN"), ("NDHWC", "WDHCN"), ("HWCN", "NWCH")]


def test_every_dtype_registered_is_declared(tf):
    assert registered_cpu_dtypes("DataFormatVecPermute") == {"int32", "int64"}
    assert registered_cpu_dtypes("DataFormatDimMap") == {"int32", "int64"}


@pytest.mark.parametrize("dtype", ["int32", "int64"])
def test_formats_exact(tf, rng, dtype):
    """One model: per format pair, a full vector, a spatial vector, full and spatial [n, 2]
    matrices, and dim indices of any shape."""

    def fn(*xs):
        out = {}
        for k, (src, dst) in enumerate(FORMATS):
            full, spatial, full2, spatial2, dims = xs[5 * k : 5 * k + 5]
            for name, x in [("full", full), ("spatial", spatial), ("full2", full2), ("spatial2", spatial2)]:
                out[f"{k}_{name}"] = tf.raw_ops.DataFormatVecPermute(x=x, src_format=src, dst_format=dst)
            out[f"{k}_dims"] = tf.raw_ops.DataFormatDimMap(x=dims, src_format=src, dst_format=dst)
        return out

    t = tf.as_dtype(dtype)
    specs = []
    for src, _ in FORMATS:
        n = len(src)
        # Shapes unknown to the converter: its verifier refuses 5-element vectors it can see.
        specs += [((None,), t), ((None,), t), ((None, 2), t), ((None, 2), t), ((None, None), t)]
    model = convert_fn(fn, *specs)
    counts = tflite_model.custom_op_counts(model)
    assert counts == {"DataFormatVecPermute": 4 * len(FORMATS), "DataFormatDimMap": len(FORMATS)}
    info = np.iinfo(dtype)
    edges = np.array([info.min, info.min + 1, info.max, info.max - 1, -1, -2, -3, -4, -5, -6, -9, 0], dtype)
    cases = []
    for shape in [(4, 9), (0, 3), (1, 1)]:
        case = []
        for src, _ in FORMATS:
            n = len(src)
            case += [rng.integers(-99, 99, s).astype(dtype) for s in [(n,), (n - 2,), (n, 2), (n - 2, 2)]]
            dims = rng.integers(-12, 12, shape).astype(dtype)
            dims.reshape(-1)[: min(dims.size, edges.size)] = edges[: dims.size]
            case.append(dims)
        cases.append(case)
    check_cases(tf.function(fn), model, cases)


def test_vec_permute_shape_errors_as_tf(tf):
    def raw(x, y):
        return {
            "four": tf.raw_ops.DataFormatVecPermute(x=x, src_format="NHWC", dst_format="NCHW"),
            "five": tf.raw_ops.DataFormatVecPermute(x=y, src_format="NDHWC", dst_format="NCDHW"),
        }

    fn = any_shape(tf, raw, tf.int32, tf.int64)
    model = convert_fn(raw, (None, tf.int32), (None, tf.int64))
    ok4, ok5 = np.arange(4, dtype=np.int32), np.arange(5, dtype=np.int64)
    bad4 = [np.int32(3), np.arange(5, dtype=np.int32), np.zeros((2, 3), np.int32), np.zeros((3, 2), np.int32)]
    bad4 += [np.zeros((4, 2, 1), np.int32), np.zeros(0, np.int32)]
    bad5 = [np.arange(4, dtype=np.int64), np.zeros((2, 2), np.int64), np.zeros((5, 3), np.int64)]
    texts = [assert_fails_as_tf(tf, fn, model, "DataFormatVecPermute", [x, ok5]) for x in bad4]
    texts += [assert_fails_as_tf(tf, fn, model, "DataFormatVecPermute", [ok4, y]) for y in bad5]
    assert texts[0] == "input must be a vector or 2D tensor, but got shape []"
    assert texts[-1] == "Second dimension of 2D input must be of size 2, but got shape [5,3]"


@pytest.mark.parametrize(
    ("op", "src", "dst", "x"),
    [
        ("DataFormatVecPermute", "ABCD", "DCBA", [1, 2]),  # spatial input, formats without H and W
        ("DataFormatVecPermute", "NDHWC", "NCDHW", [[1, 2], [3, 4], [5, 6]]),  # works
        ("DataFormatVecPermute", "ABCDE", "EDCBA", [1, 2, 3]),  # without D, H and W
        ("DataFormatVecPermute", "NHW", "HWN", [1, 2, 3]),  # formats of 3 characters
        ("DataFormatDimMap", "NHWC", "NCH", [1]),
        ("DataFormatDimMap", "NHWCD", "NCHW", [1]),  # different lengths
        ("DataFormatVecPermute", "NHWC", "NHWX", [1, 2, 3, 4]),  # not a permutation
        ("DataFormatDimMap", "NHHC", "NCHH", [1]),  # a character twice
    ],
)
def test_format_errors_as_tf(tf, op, src, dst, x):
    def raw(v):
        return getattr(tf.raw_ops, op)(x=v, src_format=src, dst_format=dst)

    fn = any_shape(tf, raw, tf.int32)
    x = np.array(x, np.int32)
    model = convert_fn(raw, (None, tf.int32))
    if src == "NDHWC":
        check_cases(fn, model, [[x]])
        return
    message = tf_error(tf, fn, [x])
    for runtime in RUNTIMES:
        with pytest.raises(RuntimeError) as info:
            run_tflite(model, [x], runtime)
        assert f"{op}: {message}" in str(info.value), (runtime, message, str(info.value))
