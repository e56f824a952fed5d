"""ClipByValue: TFLite kernel vs TF's own kernel.

The converter folds tf.clip_by_value into one tf.ClipByValue; float32 becomes
builtins, the dtypes the builtins lack (uint8 images: tf.image.adjust_brightness,
convert_image_dtype with saturation) stay CUSTOM "ClipByValue" {T}.
"""

from __future__ import annotations

import ml_dtypes
import numpy as np
import pytest

from conftest import RUNTIMES, convert_fn
from opbridge import tflite_model
from opbridge.testing import run_tflite

DTYPES = [
    np.int8,
    np.int16,
    np.int32,
    np.int64,
    np.uint8,
    np.uint16,
    np.float16,
    ml_dtypes.bfloat16,
    np.float64,
]


def values(rng, dtype, shape):
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        return rng.integers(info.min, info.max, size=shape, dtype=dtype, endpoint=True)
    x = (rng.standard_normal(shape) * 4).astype(dtype)
    with np.errstate(over="ignore"):  # 1e30 is inf in half
        x.flat[:6] = np.array([np.nan, -np.inf, np.inf, -0.0, 0.0, 1e30]).astype(dtype)
    return x


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_scalar_and_tensor_bounds_match_tf(tf, rng, dtype):
    """Scalar bounds, tensor bounds (a min above the max in places, NaN bounds for
    floats), over enough elements for TF's vectorized path."""
    x = values(rng, dtype, (5, 37))
    lo, hi = values(rng, dtype, (5, 37)), values(rng, dtype, (5, 37))
    lo_scalar, hi_scalar = np.sort(values(rng, dtype, (2,)))

    def model(t, a, b, a0, b0):
        return {
            "scalars": tf.raw_ops.ClipByValue(t=t, clip_value_min=a0, clip_value_max=b0),
            "tensors": tf.raw_ops.ClipByValue(t=t, clip_value_min=a, clip_value_max=b),
        }

    inputs = [x, lo, hi, np.asarray(lo_scalar, dtype), np.asarray(hi_scalar, dtype)]
    expected = {k: v.numpy() for k, v in model(*[tf.constant(a) for a in inputs]).items()}
    tf_dtype = tf.as_dtype(dtype)
    converted = convert_fn(model, *[(a.shape, tf_dtype) for a in inputs])
    assert tflite_model.custom_op_counts(converted) == {"ClipByValue": 2}
    for runtime in RUNTIMES:
        actual = run_tflite(converted, inputs, runtime)
        for name, want in expected.items():
            np.testing.assert_array_equal(
                actual[name].view(np.uint8), want.view(np.uint8), err_msg=f"{name} {runtime}"
            )


def test_uint8_image_brightness(tf, rng):
    """tf.image.adjust_brightness on a uint8 image (convert, add, saturate back)."""
    image = rng.integers(0, 256, (2, 6, 7, 3), dtype=np.uint8)

    def model(x):
        return tf.image.adjust_brightness(x, 0.2)

    converted = convert_fn(model, (image.shape, tf.uint8))
    assert tflite_model.custom_op_counts(converted).get("ClipByValue") == 1
    expected = model(tf.constant(image)).numpy()
    for runtime in RUNTIMES:
        (actual,) = run_tflite(converted, [image], runtime).values()
        np.testing.assert_array_equal(actual, expected, err_msg=runtime)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_bound_of_another_shape_is_tfs_error(tf, runtime):
    x = np.arange(6, dtype=np.uint8)
    lo = np.zeros(2, np.uint8)
    with pytest.raises(tf.errors.InvalidArgumentError, match="must be either of the same shape as input"):
        tf.raw_ops.ClipByValue(t=x, clip_value_min=lo, clip_value_max=np.uint8(3))

    def model(t, a, b):
        return tf.raw_ops.ClipByValue(t=t, clip_value_min=a, clip_value_max=b)

    converted = convert_fn(model, ((None,), tf.uint8), ((None,), tf.uint8), ((), tf.uint8))
    with pytest.raises(RuntimeError, match=r"ClipByValue: .*must be either of the same shape as input"):
        run_tflite(converted, [x, lo, np.uint8(3)], runtime)
