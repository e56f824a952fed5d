"""Softsign, IsInf and L2Loss in the dtypes the converter leaves custom (float64, half, bfloat16):
TFLite kernels vs TF's CPU kernels. Softsign and IsInf exactly, with NaN, +-inf, -0.0 and
subnormals; L2Loss within a few ulps (TF sums its terms in a tree of packets rounded in T, the
kernel in double with compensation, rounded once), including a sum whose terms cancel nothing but
span 40 orders of magnitude, an empty input and a model's weight-decay shape."""

from __future__ import annotations

import ml_dtypes
import numpy as np
import pytest

from conftest import RUNTIMES
from opbridge import tflite_model
from opbridge.testing import assert_parity

DTYPES = {"float64": np.float64, "float16": np.float16, "bfloat16": ml_dtypes.bfloat16}


def _special(rng, dtype) -> np.ndarray:
    finfo = np.finfo(np.float64) if dtype == "float64" else None
    x = rng.standard_normal((5, 13)) * 20
    x.flat[:10] = [np.nan, np.inf, -np.inf, -0.0, 0.0, 1.0, -1.0, 1e-310 if finfo else 1e-6, 65504.0, -3.5]
    return x.astype(DTYPES[dtype])


@pytest.mark.parametrize("dtype", list(DTYPES))
def test_softsign_and_is_inf_exact(tf, rng, dtype):
    x = _special(rng, dtype)

    def fn(x):
        return [
            tf.nn.softsign(x),
            tf.math.is_inf(x),
            tf.math.is_inf(-x * 1e300 if dtype == "float64" else -x),
        ]

    report = assert_parity(fn, [x], rtol=0, atol=0, runtimes=RUNTIMES)
    got = tflite_model.custom_op_counts(report.model)
    assert got.get("Softsign") == 1 and got.get("IsInf") == 2, got


@pytest.mark.parametrize("dtype", list(DTYPES))
def test_l2_loss(tf, rng, dtype):
    weights = rng.standard_normal((64, 32)).astype(DTYPES[dtype])
    wide = (rng.standard_normal(1000) * 10.0 ** rng.integers(-20, 20, 1000)).astype(np.float64)
    # half and bfloat16: TF rounds its running sum in T (11 and 8 bits), the kernel once.
    rtol = {"float64": 4e-16, "float16": 2e-3, "bfloat16": 1.6e-2}[dtype]

    def fn(w, v):
        return [
            tf.nn.l2_loss(w),
            tf.nn.l2_loss(w[:0]),
            tf.nn.l2_loss(v),
            tf.nn.l2_loss(tf.cast(v[:7], w.dtype)),
        ]

    report = assert_parity(fn, [weights, wide], rtol=rtol, atol=0, runtimes=RUNTIMES)
    # The empty slice's loss is folded to a constant by the converter.
    assert tflite_model.custom_op_counts(report.model).get("L2Loss") == 3
