"""CumulativeLogsumexp (tf.math.cumulative_logsumexp): TFLite kernel vs TF's CPU scan, bit for
bit, in float64, float32, half and bfloat16, exclusive and reverse, along every axis (the kernel
scans up to 16 adjacent lines together: inner sizes 1, 17, 153 and 459 give whole and partial
blocks); NaN (TF drops it and adds log 2), +-inf, -inf runs; an int64 axis; empty tensors; TF's
axis errors."""

from __future__ import annotations

import ml_dtypes
import numpy as np
import pytest
from flatbuffers import flexbuffers

from conftest import RUNTIMES
from opbridge import tflite_model
from opbridge.testing import assert_parity, run_tflite

DTYPES = {"float64": np.float64, "float32": np.float32, "float16": np.float16, "bfloat16": ml_dtypes.bfloat16}


@pytest.mark.parametrize("dtype", list(DTYPES))
def test_every_axis_and_mode(tf, rng, dtype):
    x = (rng.standard_normal((5, 3, 9, 17)) * 4).astype(DTYPES[dtype])

    def fn(x):
        outputs = []
        for axis in (0, 1, 2, 3, -1):
            for exclusive in (False, True):
                for reverse in (False, True):
                    outputs.append(
                        tf.math.cumulative_logsumexp(x, axis, exclusive=exclusive, reverse=reverse)
                    )
        return outputs

    report = assert_parity(fn, [x], rtol=0, atol=0, runtimes=RUNTIMES)
    assert tflite_model.custom_op_counts(report.model) == {"CumulativeLogsumexp": 20}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_nan_infinities_and_long_lines(tf, rng, dtype):
    x = (rng.standard_normal((300, 8)) * 30).astype(dtype)
    x[[3, 50, 51], 2] = np.nan
    x[[10, 11], 5] = np.inf
    x[:40, 7] = -np.inf
    x[100, 0] = -np.inf
    x[200:, 1] = 700.0  # exp overflows: the max carries the sum

    def fn(x):
        return [
            tf.math.cumulative_logsumexp(x, 0),
            tf.math.cumulative_logsumexp(x, tf.constant(0, tf.int64), exclusive=True, reverse=True),
            tf.math.cumulative_logsumexp(tf.transpose(x), 1),
        ]

    assert_parity(fn, [x], rtol=0, atol=0, runtimes=RUNTIMES)


def test_lines_joined_on_two_threads(tf, rng):
    """Lines narrower than a block of 16 (inner sizes 1 and 37) join the scan 16 lanes at a time,
    also across outer indices and where a thread's range starts inside a group: TF's bits at 1 and
    2 threads."""
    x = rng.standard_normal((301, 3, 37)) * 20
    x[7, 1, 3], x[200, 2, 36] = np.nan, np.inf

    def fn(x):
        return {
            "last": tf.math.cumulative_logsumexp(x, 2),
            "last_reverse": tf.math.cumulative_logsumexp(x, 2, exclusive=True, reverse=True),
            "middle": tf.math.cumulative_logsumexp(x, 1),
        }

    report = assert_parity(fn, [x], rtol=0, atol=0, runtimes=RUNTIMES)
    want = {k: v.numpy() for k, v in fn(tf.constant(x)).items()}
    for runtime in RUNTIMES:
        got = run_tflite(report.model, [x], runtime, num_threads=2)
        for name, value in want.items():
            np.testing.assert_array_equal(got[name].view(np.uint64), value.view(np.uint64), err_msg=name)


def test_empty_and_dynamic(tf, rng):
    @tf.function(input_signature=[tf.TensorSpec([None, 6], tf.float64)])
    def fn(x):
        return [tf.math.cumulative_logsumexp(x, 0), tf.math.cumulative_logsumexp(x, 1, reverse=True)]

    assert_parity(fn, [rng.standard_normal((7, 6))], rtol=0, atol=0, runtimes=RUNTIMES)
    assert_parity(fn, [np.zeros((0, 6))], rtol=0, atol=0, runtimes=RUNTIMES)


@pytest.mark.parametrize("runtime", RUNTIMES)
@pytest.mark.parametrize(
    "axis, text",
    [
        (2, r"Expected scan axis in the range \[-2, 2\), but got 2"),
        ([1], r"axis must be a scalar, not \[1\]"),
    ],
)
def test_axis_errors_as_tf(tf, runtime, axis, text):
    x = np.zeros((2, 3))
    with pytest.raises(tf.errors.InvalidArgumentError, match=text):
        tf.raw_ops.CumulativeLogsumexp(x=x, axis=axis)
    axis_shape = [] if np.ndim(axis) == 0 else [1]
    model = tflite_model.single_custom_op_model(
        "CumulativeLogsumexp",
        [("x", [2, 3], np.float64), ("axis", axis_shape, np.int32)],
        [("out", [2, 3], np.float64)],
        options=flexbuffers.Dumps(
            {"T": 10, "Tidx": 2, "exclusive": False, "reverse": False}
        ),  # float64, int32
    )
    with pytest.raises(RuntimeError, match=f"CumulativeLogsumexp.*{text}"):
        run_tflite(model, [x, np.array(axis, np.int32)], runtime)
