"""BiasAddGrad: TFLite kernel vs TF's own kernel (float64 and half stay custom; float32 lowers to SUM)."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import RUNTIMES, convert_fn
from opbridge import tflite_model
from opbridge.testing import run_tflite

# TF sums each channel over blocks of rows split by its thread count and adds the blocks, so its
# rounding depends on its pool; opbridge sums in row order. Within a few ulps of the sum.
RTOL = {np.float64: 1e-13, np.float16: 2e-3}


@pytest.mark.parametrize("dtype", [np.float64, np.float16], ids=["float64", "float16"])
@pytest.mark.parametrize("data_format", ["NHWC", "NCHW"])
def test_bias_add_grad(tf, rng, dtype, data_format):
    d = tf.as_dtype(dtype)
    fn = tf.function(
        lambda g: tf.raw_ops.BiasAddGrad(out_backprop=g, data_format=data_format),
        input_signature=[tf.TensorSpec([None] * 4, d)],
    )
    model = convert_fn(fn, ((None,) * 4, d))
    assert tflite_model.custom_op_counts(model) == {"BiasAddGrad": 1}
    for shape in [(2, 3, 4, 5), (1, 1, 1, 1), (3, 5, 1, 2), (0, 2, 3, 4), (2, 3, 0, 4), (4, 8, 8, 16)]:
        g = rng.standard_normal(shape).astype(dtype)
        expected = fn(g).numpy()
        for runtime in RUNTIMES:
            (got,) = run_tflite(model, [g], runtime).values()
            assert got.shape == expected.shape and got.dtype == expected.dtype
            np.testing.assert_allclose(
                got, expected, rtol=RTOL[dtype], atol=RTOL[dtype] * np.abs(g).sum() / 100
            )


def test_bias_add_grad_ranks_and_specials(tf, rng):
    for rank, data_format in [(2, "NHWC"), (3, "NCHW"), (5, "NHWC"), (5, "NCHW")]:
        fn = tf.function(
            lambda g, data_format=data_format: tf.raw_ops.BiasAddGrad(
                out_backprop=g, data_format=data_format
            ),
            input_signature=[tf.TensorSpec([None] * rank, tf.float64)],
        )
        model = convert_fn(fn, ((None,) * rank, tf.float64))
        g = rng.standard_normal((2, 3, 2, 2, 3)[:rank])
        g.ravel()[:3] = [np.inf, np.nan, -np.inf]
        expected = fn(g).numpy()
        for runtime in RUNTIMES:
            (got,) = run_tflite(model, [g], runtime).values()
            np.testing.assert_allclose(got, expected, rtol=1e-13, err_msg=f"rank {rank} {data_format}")
