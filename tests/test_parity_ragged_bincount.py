"""RaggedBincount (tf.math.bincount on a ragged tensor; Keras TextVectorization's multi_hot, count
and tf_idf modes): TFLite kernel vs TF's own kernel, values, weights, binary_output and TF's errors."""

from __future__ import annotations

import re

import numpy as np
import pytest

from conftest import RUNTIMES
from opbridge import tflite_model
from opbridge.running import SignatureSession
from opbridge.testing import run_tflite

WEIGHT_DTYPES = [np.float32, np.float64, np.int32, np.int64]


def _model(tf, tidx, t, binary: bool) -> bytes:
    import opbridge

    def fn(splits, values, size, weights):
        return tf.raw_ops.RaggedBincount(
            splits=splits, values=values, size=size, weights=weights, binary_output=binary
        )

    spec = [
        tf.TensorSpec([None], tf.int64),
        tf.TensorSpec([None], tidx),
        tf.TensorSpec([], tidx),
        tf.TensorSpec([None], t),
    ]
    model = opbridge.convert(tf.function(fn, input_signature=spec))
    assert tflite_model.custom_op_counts(model) == {"RaggedBincount": 1}
    return model


def _expected(tf, inputs, binary):
    splits, values, size, weights = (tf.constant(x) for x in inputs)
    return tf.raw_ops.RaggedBincount(
        splits=splits, values=values, size=size, weights=weights, binary_output=binary
    ).numpy()


CASES = {
    "rows": ([0, 3, 3, 7], [1, 2, 2, 5, 0, 4, 4], 6),
    "values at and past size": ([0, 2, 4], [3, 4, 5, 9], 4),
    "size 0": ([0, 2, 4], [1, 2, 2, 1], 0),
    "no values": ([0, 0, 0], [], 3),
    "one split, no rows": ([0], [], 3),
    # TF walks splits without checking their order: values go where its loop puts them.
    "splits out of order": ([0, 3, 1, 4], [1, 2, 2, 5], 6),
}


@pytest.mark.parametrize("runtime", RUNTIMES)
@pytest.mark.parametrize("binary", [False, True])
@pytest.mark.parametrize("dtype", WEIGHT_DTYPES, ids=lambda d: np.dtype(d).name)
def test_matches_tf(tf, rng, runtime, binary, dtype):
    tidx = np.int64 if dtype in (np.float32, np.int32) else np.int32
    model = _model(tf, tf.as_dtype(tidx), tf.as_dtype(dtype), binary)
    for name, (splits, values, size) in CASES.items():
        for weighted in (False, True):
            n = len(values)
            if weighted:
                weights = (
                    rng.uniform(-1, 3, n) if dtype in (np.float32, np.float64) else rng.integers(-3, 9, n)
                )
            else:
                weights = np.zeros([0])
            inputs = [
                np.array(splits, np.int64),
                np.array(values, tidx),
                np.array(size, tidx),
                np.asarray(weights).astype(dtype),
            ]
            expected = _expected(tf, inputs, binary)
            if expected.size == 0:
                continue  # the Python runtimes cannot read zero-element tensors (docs/design.md)
            (actual,) = run_tflite(model, inputs, runtime).values()
            assert actual.dtype == expected.dtype and actual.shape == expected.shape, name
            np.testing.assert_array_equal(actual, expected, err_msg=f"{name}, weighted={weighted}")


ERRORS = {
    "Splits must be non-empty": ([], [1], 3, []),
    "Splits must start with 0, not with 1": ([1, 2], [1, 2], 3, []),
    "Splits must end with the number of values, got 1 instead of 2": ([0, 1], [1, 2], 3, []),
    "Input must be non-negative": ([0, 2], [1, -2], 3, []),
    "size (-1) must be non-negative": ([0, 2], [1, 2], -1, []),
}


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_errors_are_tfs(tf, runtime):
    model = _model(tf, tf.int64, tf.float32, False)
    for message, (splits, values, size, weights) in ERRORS.items():
        inputs = [
            np.array(splits, np.int64),
            np.array(values, np.int64),
            np.array(size, np.int64),
            np.array(weights, np.float32),
        ]
        with pytest.raises(tf.errors.InvalidArgumentError, match=re.escape(message)):
            _expected(tf, inputs, False)
        with pytest.raises(RuntimeError, match="RaggedBincount: " + re.escape(message)):
            run_tflite(model, inputs, runtime)
    # Fewer weights than values: TF reads past the end of weights; opbridge refuses.
    inputs = [
        np.array([0, 3], np.int64),
        np.array([1, 2, 2], np.int64),
        np.array(4, np.int64),
        np.array([1.0], np.float32),
    ]
    with pytest.raises(
        RuntimeError, match=r"RaggedBincount: weights \(input 'weights'\) has 1 elements, values has 3"
    ):
        run_tflite(model, inputs, runtime)


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("binary", [False, True])
def test_many_rows_on_threads_match_tf(tf, rng, threads, binary):
    """Enough rows for the kernel to split them over threads (each row zeroed and counted by the
    thread that owns it): empty rows, long rows, values past size, float weights summed in TF's
    order, so equal bits. Two invokes of one interpreter: the second finds the first's counts in
    the output buffer."""
    model = _model(tf, tf.int32, tf.float32, binary)
    session = SignatureSession(model, "litert", num_threads=threads)
    lengths = rng.integers(0, 40, 5000)
    lengths[rng.random(5000) < 0.2] = 0
    splits = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    n = int(splits[-1])
    for _ in range(2):
        inputs = [
            splits,
            rng.integers(0, 130, n).astype(np.int32),
            np.array(120, np.int32),
            rng.standard_normal(n).astype(np.float32),
        ]
        session.set_inputs(inputs)
        session.invoke()
        (actual,) = session.outputs().values()
        np.testing.assert_array_equal(actual, _expected(tf, inputs, binary))
    # A negative value anywhere (here in the last row) is TF's error on any thread count.
    inputs[1][-1] = -1
    with pytest.raises(RuntimeError, match="RaggedBincount: Input must be non-negative"):
        run_tflite(model, inputs, "litert", num_threads=threads)
