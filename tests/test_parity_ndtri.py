"""Ndtri: TFLite kernel vs TF's own kernel (Eigen's Cephes ndtri, float and double)."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import RUNTIMES, convert_fn
from opbridge import tflite_model
from opbridge.testing import run_tflite


def probabilities(rng, dtype) -> np.ndarray:
    info = np.finfo(dtype)
    edges = [0.0, -0.0, 1.0, 0.5, -1e-30, -0.5, 1.0 + float(info.eps), 2.0, np.inf, -np.inf, np.nan]
    tiny = [float(info.tiny), float(info.smallest_subnormal), 1e-30, 1e-10, 1 - float(info.epsneg)]
    regions = [np.exp(-2.0), 1 - np.exp(-2.0), 0.135, 0.865, 0.13533528, 0.86466472]  # Cephes' branch points
    values = np.concatenate([edges, tiny, regions, rng.uniform(0, 1, 200), np.exp(rng.uniform(-80, 0, 100))])
    return values.astype(dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=lambda d: np.dtype(d).name)
def test_matches_tf(tf, rng, dtype):
    x = probabilities(rng, dtype)
    model = convert_fn(tf.math.ndtri, ((None,), tf.as_dtype(dtype)))
    assert tflite_model.custom_op_counts(model) == {"Ndtri": 1}
    want = tf.math.ndtri(x).numpy()
    for runtime in RUNTIMES:
        (out,) = run_tflite(model, [x], runtime).values()
        assert out.dtype == want.dtype
        np.testing.assert_array_equal(np.isnan(out), np.isnan(want))
        finite = np.isfinite(want)
        np.testing.assert_array_equal(out[~finite & ~np.isnan(want)], want[~finite & ~np.isnan(want)])
        if dtype == np.float64:
            np.testing.assert_array_equal(out, want, err_msg=runtime)
        else:  # Eigen's packet polynomials: TF's AVX build vs our SSE2 one, at most 1 ulp apart
            ulp = np.abs(out[finite] - want[finite]) / np.spacing(np.abs(want[finite]))
            assert ulp.max() <= 1, f"{runtime}: {ulp.max()} ulp"


def test_shapes_and_empty(tf, rng):
    model = convert_fn(tf.math.ndtri, ((None, None), tf.float64))
    for shape in [(0, 4), (3, 0), (1, 1), (7, 300)]:
        x = rng.uniform(0, 1, shape)
        want = tf.math.ndtri(x).numpy()
        for runtime in RUNTIMES:
            (out,) = run_tflite(model, [x], runtime).values()
            assert out.shape == shape
            np.testing.assert_array_equal(out, want)


def test_half_is_rejected_as_in_tf(tf):
    """TF registers no half kernel: its graph fails too, so there is nothing for the converter to emit."""
    with pytest.raises((tf.errors.NotFoundError, tf.errors.InvalidArgumentError)):
        tf.math.ndtri(np.ones(3, np.float16))
