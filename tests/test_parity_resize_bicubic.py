"""ResizeBicubic: TFLite kernel vs TF's kernel over every attr combination, dtype and channel count."""

from __future__ import annotations

import ml_dtypes
import numpy as np
import pytest

from conftest import RUNTIMES, convert_fn
from opbridge.testing import assert_parity, run_tflite

# (align_corners, half_pixel_centers): every combination TF accepts.
MODES = [(False, False), (True, False), (False, True)]
# Up, down, same, 1x1, mixed, and a large upscale (taps clamped at both edges).
SIZES = [(17, 23), (4, 3), (9, 11), (1, 1), (20, 2), (40, 5)]
# Measured: bit-identical to TF (same coefficient table and float summation
# order); the tolerance leaves room for another CPU's libm only.
TOL = {"rtol": 1e-6, "atol": 1e-6}


def every_mode_and_size(tf):
    def fn(x):
        return [
            tf.raw_ops.ResizeBicubic(images=x, size=size, align_corners=ac, half_pixel_centers=hp)
            for ac, hp in MODES
            for size in SIZES
        ]

    return fn


def image(rng, shape, dtype):
    if np.dtype(dtype).kind in "iu":
        info = np.iinfo(dtype)
        return rng.integers(max(info.min, -30000), min(info.max, 30000), shape).astype(dtype)
    return rng.random(shape).astype(dtype)


@pytest.mark.parametrize("channels", [1, 2, 3, 4, 5])
def test_resize_bicubic_matches_tf_float32(tf, rng, channels):
    assert_parity(
        every_mode_and_size(tf), [image(rng, (2, 9, 11, channels), np.float32)], **TOL, runtimes=RUNTIMES
    )


@pytest.mark.parametrize(
    "dtype",
    [np.float64, np.float16, ml_dtypes.bfloat16, np.uint8, np.int8, np.int16, np.uint16, np.int32, np.int64],
    ids=lambda d: np.dtype(d).name,
)
def test_resize_bicubic_matches_tf_other_dtypes(tf, rng, dtype):
    """Any real input is read as float; the output is float32."""
    assert_parity(every_mode_and_size(tf), [image(rng, (2, 6, 7, 3), dtype)], **TOL, runtimes=RUNTIMES)


@pytest.mark.parametrize("shape", [(1, 1, 1, 3), (1, 2, 1, 2), (0, 4, 4, 3), (3, 1, 5, 1)], ids=str)
def test_tiny_and_empty_images(tf, rng, shape):
    assert_parity(every_mode_and_size(tf), [image(rng, shape, np.float32)], **TOL, runtimes=RUNTIMES)


def test_non_finite_pixels_spread_as_in_tf(tf, rng):
    x = image(rng, (1, 8, 9, 4), np.float32)
    x[0, 2, 3, 0], x[0, 5, 5, 1], x[0, 0, 0, 2], x[0, 7, 8, 3] = np.nan, np.inf, -np.inf, 1e30
    assert_parity(every_mode_and_size(tf), [x], **TOL, runtimes=RUNTIMES)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_size_known_only_at_run_time(tf, rng, runtime):
    """A non-constant size: the output is allocated when the kernel runs."""
    model = convert_fn(
        lambda x, s: tf.raw_ops.ResizeBicubic(images=x, size=s, half_pixel_centers=True),
        ((None, None, None, 3), tf.float32),
        ((2,), tf.int32),
    )
    for shape, size in [((1, 5, 6, 3), (9, 2)), ((2, 3, 3, 3), (1, 7)), ((1, 8, 8, 3), (8, 8))]:
        x = image(rng, shape, np.float32)
        (got,) = run_tflite(model, [x, np.array(size, np.int32)], runtime).values()
        want = tf.raw_ops.ResizeBicubic(images=x, size=size, half_pixel_centers=True).numpy()
        np.testing.assert_allclose(got, want, **TOL)


ERRORS = [
    ((1, 4, 4, 3), (2, 2), (True, True), r"If half_pixel_centers is True, align_corners must be False"),
    ((1, 4, 4, 3), (0, 2), (False, False), r"output dimensions must be positive"),
    ((1, 4, 4, 3), (2, -5), (False, True), r"output dimensions must be positive"),
    ((1, 4, 4, 0), (2, 2), (False, False), r"image must have at least one channel"),
    ((1, 0, 4, 3), (2, 2), (False, False), r"input image must be of non-zero size"),
]


@pytest.mark.parametrize("runtime", RUNTIMES)
@pytest.mark.parametrize("shape, size, mode, message", ERRORS)
def test_bad_inputs_are_errors_as_in_tf(tf, runtime, shape, size, mode, message):
    ac, hp = mode
    x = np.zeros(shape, np.float32)
    with pytest.raises(tf.errors.InvalidArgumentError, match=message):
        tf.raw_ops.ResizeBicubic(images=x, size=size, align_corners=ac, half_pixel_centers=hp)
    model = convert_fn(
        lambda v, s: tf.raw_ops.ResizeBicubic(images=v, size=s, align_corners=ac, half_pixel_centers=hp),
        ((None, None, None, None), tf.float32),
        ((2,), tf.int32),
    )
    with pytest.raises(RuntimeError, match="ResizeBicubic: " + message):
        run_tflite(model, [x, np.array(size, np.int32)], runtime)
