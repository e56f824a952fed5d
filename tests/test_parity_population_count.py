"""PopulationCount (tf.raw_ops.PopulationCount): set bits of every integer dtype as uint8, the
TFLite kernel vs TF's own, exactly: zero, -1, the extremes, random bit patterns, scalar, empty."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import RUNTIMES
from opbridge import tflite_model
from opbridge.testing import assert_parity

DTYPES = [np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64]


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_every_dtype(tf, rng, dtype):
    info = np.iinfo(dtype)
    x = rng.integers(info.min, info.max, (3, 37), dtype=dtype, endpoint=True)
    x.ravel()[:5] = [0, info.max, info.min, 1, info.max - 1]
    if info.min < 0:
        x.ravel()[5] = -1
    report = assert_parity(lambda v: tf.raw_ops.PopulationCount(x=v), [x], rtol=0, atol=0, runtimes=RUNTIMES)
    assert tflite_model.custom_op_counts(report.model) == {"PopulationCount": 1}


@pytest.mark.parametrize("shape", [(), (0, 4), (5001,)], ids=["scalar", "empty", "long"])
def test_shapes(tf, rng, shape):
    x = rng.integers(-(2**63), 2**63 - 1, shape, dtype=np.int64)
    assert_parity(lambda v: tf.raw_ops.PopulationCount(x=v), [x], rtol=0, atol=0, runtimes=RUNTIMES)
