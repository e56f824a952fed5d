"""Erf: TFLite kernel vs TF's own kernel."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import RUNTIMES
from opbridge.testing import assert_parity

SHAPES = [(), (1,), (7,), (3, 4), (2, 3, 5), (2, 1, 3, 4), (0,), (3, 0, 2), (1000,)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_erf_matches_tf(tf, rng, shape, dtype):
    x = (rng.standard_normal(shape) * 2).astype(dtype)
    atol = 1e-6 if dtype == np.float32 else 1e-14
    assert_parity(tf.math.erf, [x], rtol=0, atol=atol, runtimes=RUNTIMES)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_erf_edges_of_its_domain(tf, dtype):
    info = np.finfo(dtype)
    x = np.array(
        [
            0.0,
            -0.0,
            1e-30,
            -1e-30,
            info.tiny,
            info.smallest_subnormal,  # TF flushes subnormals to zero, and so do we
            -info.tiny / 3,
            info.eps,
            0.5,
            3.5,
            3.9,
            4.0,
            6.0,
            10.0,
            -10.0,
            27.0,
            info.max,
            -info.max,
            np.inf,
            -np.inf,
            np.nan,
        ],
        dtype=dtype,
    )
    report = assert_parity(tf.math.erf, [x], rtol=0, atol=0, runtimes=RUNTIMES)
    assert report.worst() == 0.0


def test_erf_large_tensor_uses_threads_identically(tf, rng):
    """More threads split the work but never change a result."""
    import opbridge
    from opbridge.testing import run_tflite

    x = rng.standard_normal((64, 1024)).astype(np.float32)
    model = opbridge.convert(tf.function(tf.math.erf, input_signature=[tf.TensorSpec(x.shape, tf.float32)]))
    one = run_tflite(model, [x], num_threads=1)
    four = run_tflite(model, [x], num_threads=4)
    (name,) = one
    np.testing.assert_array_equal(one[name], four[name])
    np.testing.assert_array_equal(one[name], tf.math.erf(x).numpy())
