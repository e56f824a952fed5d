"""UnravelIndex (tf.unravel_index): the TFLite kernel against TF's, exactly, in both runtimes:
int32 and int64, scalar and vector indices, dims of rank 0 to 5, the largest in-range indices,
negative indices (TF checks only the upper bound and gives truncating remainders), and TF's
errors in its order and words: indices not a scalar or vector, empty indices, dims not a vector,
zero and negative dims, dims whose product overflows the type, indices out of range."""

from __future__ import annotations

import numpy as np
import pytest

from bitwise_parity import any_shape, assert_fails_as_tf, check_cases
from conftest import convert_fn, registered_cpu_dtypes
from opbridge import tflite_model


def test_every_dtype_registered_is_declared(tf):
    assert registered_cpu_dtypes("UnravelIndex", "Tidx") == {"int32", "int64"}


def fn_for(tf):
    def fn(i32, d32, s32, i64, d64, s64):
        return {
            "v32": tf.unravel_index(i32, d32),
            "s32": tf.unravel_index(s32, d32),
            "v64": tf.unravel_index(i64, d64),
            "s64": tf.unravel_index(s64, d64),
        }

    return fn


def test_indices_and_dims_exact(tf, rng):
    fn = fn_for(tf)
    model = convert_fn(
        fn, *[spec for t in (tf.int32, tf.int64) for spec in [((None,), t), ((None,), t), ((), t)]]
    )
    assert tflite_model.custom_op_counts(model) == {"UnravelIndex": 4}
    cases = []
    for dims in [[7], [2, 3], [4, 1, 5], [3, 2, 1, 2, 2], [], [46340, 46340], [1], [5, 7, 3, 2]]:
        size = int(np.prod(dims))
        big = [3037000499, 3037000499] if len(dims) == 2 else dims
        size64 = int(np.prod(big, dtype=np.int64))
        i32 = rng.integers(-size, size, 50)
        i32[:3] = [0, size - 1, -1]
        i64 = rng.integers(-size64, size64, 50)
        i64[:3] = [size64 - 1, -(2**63) if dims else 0, -size64]
        cases.append(
            [
                i32.astype(np.int32),
                np.array(dims, np.int32),
                np.int32(size - 1),
                i64.astype(np.int64),
                np.array(big, np.int64),
                np.int64(-1 if dims else 0),
            ]
        )
    # The extremes of each type, in range of dims whose product is the largest allowed.
    cases.append(
        [
            np.array([-(2**31), 2**31 - 2, -1, 0], np.int32),
            np.array([2**31 - 1], np.int32),
            np.int32(-(2**31)),
            np.array([-(2**63), 2**63 - 2, 12345678901234], np.int64),
            np.array([2**63 - 1], np.int64),
            np.int64(-(2**63)),
        ]
    )
    check_cases(tf.function(fn), model, cases, num_threads=(1, 2))


# (indices, dims, dims for int64 where they differ): each fails in TF's kernel.
ERRORS = [
    (np.zeros((2, 2)), [2], None),  # indices of rank 2
    (np.zeros(0), [2, 3], None),  # empty indices, before the dims are read
    (np.zeros(0), [2, 0], None),
    (np.array([0]), [[2]], None),  # dims of rank 2
    (np.array([0]), 3, None),  # dims a scalar
    (np.array([0]), [2, 0, -1], None),  # a zero dim, before the negative one
    (np.array([0]), [2, -3], None),
    (np.array([0]), [65536, 32768], [2**32, 2**32]),  # the product overflows the type
    (np.array([0]), [65536, 32767, 3], [2**32, 2**31 - 1, 3]),
    (np.array([0]), [65536, 65536, -2], [2**32, 2**32, -2]),  # overflow before the negative dim
    (np.array([6]), [2, 3], None),  # out of range
    (np.array([1, 2, 2**30]), [2, 3], None),
    (np.array(7), [7], None),
]


@pytest.mark.parametrize("dtype", ["int32", "int64"])
def test_errors_as_tf(tf, dtype):
    fn = any_shape(tf, lambda i, d: tf.unravel_index(i, d), tf.as_dtype(dtype), tf.as_dtype(dtype))
    model = convert_fn(
        lambda i, d: tf.unravel_index(i, d), (None, tf.as_dtype(dtype)), (None, tf.as_dtype(dtype))
    )
    texts = []
    for indices, dims, dims64 in ERRORS:
        d = dims64 if dtype == "int64" and dims64 is not None else dims
        args = [np.asarray(indices).astype(dtype), np.asarray(d).astype(dtype)]
        texts.append(assert_fails_as_tf(tf, fn, model, "UnravelIndex", args))
    assert texts[1] == f"received empty tensor indices: Tensor<type: {dtype} shape: [0] values: >"
