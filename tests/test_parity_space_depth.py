"""DepthToSpace and SpaceToDepth (tf.nn.depth_to_space / space_to_depth, pixel shuffle): TFLite
kernel vs TF's CPU kernel, exact, in the dtypes the converter leaves custom (float64, half,
bfloat16, int16, the unsigned types, strings), block sizes 2-4, dynamic shapes, empty batches,
and TF's errors."""

from __future__ import annotations

import ml_dtypes
import numpy as np
import pytest
from flatbuffers import flexbuffers

from conftest import RUNTIMES
from opbridge import tflite_model
from opbridge.testing import assert_parity, run_tflite


def _values(rng, shape, dtype):
    v = rng.integers(0, 200, shape)
    if dtype == "bfloat16":
        return v.astype(ml_dtypes.bfloat16)
    if dtype == "string":
        return v.astype(str).astype(object).astype(bytes)
    return v.astype(dtype)


@pytest.mark.parametrize("dtype", ["float64", "float16", "bfloat16", "int16", "uint16", "uint64", "string"])
def test_round_trips_in_each_dtype(tf, rng, dtype):
    x = _values(rng, (2, 3, 4, 18), dtype)
    y = _values(rng, (2, 6, 9, 4), dtype)

    def fn(x, y):
        return [
            tf.nn.depth_to_space(x, 3),
            tf.nn.space_to_depth(tf.nn.depth_to_space(x, 3), 3),
            tf.nn.space_to_depth(y, 3),
            tf.nn.depth_to_space(y[:, :4, :8], 2),
        ]

    report = assert_parity(fn, [x, y], rtol=0, atol=0, runtimes=RUNTIMES)
    got = tflite_model.custom_op_counts(report.model)
    assert got.get("DepthToSpace") == 2 and got.get("SpaceToDepth") == 2, got


def test_dynamic_shapes_and_empty_batch(tf, rng):
    x = rng.standard_normal((3, 4, 5, 16))

    @tf.function(input_signature=[tf.TensorSpec([None, None, None, 16], tf.float64)])
    def fn(x):
        return [tf.nn.depth_to_space(x, 4), tf.nn.space_to_depth(tf.nn.depth_to_space(x, 2), 2)]

    assert_parity(fn, [x], rtol=0, atol=0, runtimes=RUNTIMES)
    assert_parity(fn, [x[:0]], rtol=0, atol=0, runtimes=RUNTIMES)


def test_zero_depth(tf):
    """A depth of 0 (batch and space not empty): empty results, nothing copied (a
    0-byte copy from the null data of an empty tensor is undefined; the sanitized
    build's fuzzer found it)."""

    @tf.function(input_signature=[tf.TensorSpec([None, None, None, None], tf.float64)])
    def fn(x):
        return [tf.nn.depth_to_space(x, 2), tf.nn.space_to_depth(x, 2)]

    assert_parity(fn, [np.zeros((2, 4, 6, 0))], rtol=0, atol=0, runtimes=RUNTIMES)


def _single(op: str, shape: list[int], out: list[int], **attrs) -> bytes:
    options = {"T": 10, "block_size": 2, "data_format": "NHWC", **attrs}  # TFLite type 10: float64
    return tflite_model.single_custom_op_model(
        op, [("input", shape, np.float64)], [("output", out, np.float64)], options=flexbuffers.Dumps(options)
    )


@pytest.mark.parametrize(
    "op, shape, attrs, text",
    [
        ("DepthToSpace", [1, 2, 2, 7], {}, "Input depth dimension 7 should be divisible by: 4"),
        ("DepthToSpace", [2, 2, 8], {}, "Input rank should be: 4 instead of: 3"),
        ("DepthToSpace", [1, 2, 2, 8], {"data_format": "NCHW"}, "NHWC only"),
        ("SpaceToDepth", [1, 4, 5, 2], {}, "Image width 5 and height 4 should be divisible by block_size: 2"),
        ("SpaceToDepth", [4, 4, 2], {}, "Input rank should be 4 instead of 3"),
        ("SpaceToDepth", [1, 4, 4, 2], {"block_size": 1}, "block_size"),
    ],
)
@pytest.mark.parametrize("runtime", RUNTIMES)
def test_tf_errors(tf, op, shape, attrs, text, runtime):
    """TF refuses these (NCHW: it has no CPU kernel); so does the kernel, naming the op."""
    with pytest.raises((tf.errors.InvalidArgumentError, tf.errors.NotFoundError)):
        getattr(tf.raw_ops, op)(input=np.zeros(shape), **{"block_size": 2, **attrs})
    with pytest.raises(RuntimeError, match=op) as info:
        run_tflite(_single(op, shape, shape, **attrs), [np.zeros(shape)], runtime)
    assert text in str(info.value)
