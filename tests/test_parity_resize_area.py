"""ResizeArea: TFLite kernel vs TF's kernel over both align_corners values, dtypes and channel counts."""

from __future__ import annotations

import ml_dtypes
import numpy as np
import pytest

from conftest import RUNTIMES, convert_fn
from opbridge import tflite_model
from opbridge.testing import assert_parity, run_tflite

# Down by integer and fractional factors, up, same, 1x1, mixed, one row.
SIZES = [(4, 3), (3, 5), (17, 23), (9, 11), (1, 1), (20, 2), (1, 11)]
# Measured: bit-identical to TF (same spans, weights and float summation
# order); the tolerance leaves room for another compiler's float code.
TOL = {"rtol": 1e-6, "atol": 1e-6}


def every_mode_and_size(tf):
    def fn(x):
        return [
            tf.raw_ops.ResizeArea(images=x, size=size, align_corners=ac)
            for ac in (False, True)
            for size in SIZES
        ]

    return fn


def image(rng, shape, dtype):
    if np.dtype(dtype).kind in "iu":
        info = np.iinfo(dtype)
        return rng.integers(max(info.min, -30000), min(info.max, 30000), shape).astype(dtype)
    return rng.random(shape).astype(dtype)


@pytest.mark.parametrize("channels", [1, 2, 3, 4, 5])
def test_resize_area_matches_tf_float32(tf, rng, channels):
    assert_parity(
        every_mode_and_size(tf), [image(rng, (2, 9, 11, channels), np.float32)], **TOL, runtimes=RUNTIMES
    )


@pytest.mark.parametrize(
    "dtype",
    [np.float64, np.float16, ml_dtypes.bfloat16, np.uint8, np.int8, np.int16, np.uint16, np.int32, np.int64],
    ids=lambda d: np.dtype(d).name,
)
def test_resize_area_matches_tf_other_dtypes(tf, rng, dtype):
    assert_parity(every_mode_and_size(tf), [image(rng, (2, 6, 7, 3), dtype)], **TOL, runtimes=RUNTIMES)


def test_tf_image_resize_area_with_antialias(tf, rng):
    """tf.image.resize(method='area') emits ResizeArea with or without antialias."""
    x = image(rng, (2, 30, 20, 3), np.float32)
    fn = lambda v: [  # noqa: E731
        tf.image.resize(v, [7, 9], method="area", antialias=aa) for aa in (False, True)
    ]
    report = assert_parity(fn, [x], **TOL, runtimes=RUNTIMES)
    # Both are the same node: antialias does not change the op.
    assert tflite_model.custom_op_counts(report.model) == {"ResizeArea": 1}


@pytest.mark.parametrize("shape", [(1, 1, 1, 3), (1, 2, 1, 2), (0, 4, 4, 3), (3, 1, 5, 1)], ids=str)
def test_tiny_and_empty_images(tf, rng, shape):
    assert_parity(every_mode_and_size(tf), [image(rng, shape, np.float32)], **TOL, runtimes=RUNTIMES)


def test_non_finite_pixels_spread_as_in_tf(tf, rng):
    x = image(rng, (1, 8, 9, 4), np.float32)
    x[0, 2, 3, 0], x[0, 5, 5, 1], x[0, 0, 0, 2], x[0, 7, 8, 3] = np.nan, np.inf, -np.inf, 1e30
    assert_parity(every_mode_and_size(tf), [x], **TOL, runtimes=RUNTIMES)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_size_known_only_at_run_time(tf, rng, runtime):
    model = convert_fn(
        lambda x, s: tf.raw_ops.ResizeArea(images=x, size=s),
        ((None, None, None, 3), tf.float32),
        ((2,), tf.int32),
    )
    for shape, size in [((1, 5, 6, 3), (9, 2)), ((2, 13, 3, 3), (4, 7)), ((1, 8, 8, 3), (8, 8))]:
        x = image(rng, shape, np.float32)
        (got,) = run_tflite(model, [x, np.array(size, np.int32)], runtime).values()
        np.testing.assert_allclose(got, tf.raw_ops.ResizeArea(images=x, size=size).numpy(), **TOL)


ERRORS = [
    ((1, 4, 4, 3), (0, 2), r"output dimensions must be positive"),
    ((1, 4, 4, 3), (2, -5), r"output dimensions must be positive"),
    ((1, 4, 4, 0), (2, 2), r"image must have at least one channel"),
    ((1, 4, 0, 3), (2, 2), r"input image must be of non-zero size"),
]


@pytest.mark.parametrize("runtime", RUNTIMES)
@pytest.mark.parametrize("shape, size, message", ERRORS)
def test_bad_inputs_are_errors_as_in_tf(tf, runtime, shape, size, message):
    x = np.zeros(shape, np.float32)
    with pytest.raises(tf.errors.InvalidArgumentError, match=message):
        tf.raw_ops.ResizeArea(images=x, size=size)
    model = convert_fn(
        lambda v, s: tf.raw_ops.ResizeArea(images=v, size=s),
        ((None, None, None, None), tf.float32),
        ((2,), tf.int32),
    )
    with pytest.raises(RuntimeError, match="ResizeArea: " + message):
        run_tflite(model, [x, np.array(size, np.int32)], runtime)
