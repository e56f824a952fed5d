"""CropAndResize (tf.image.crop_and_resize): both methods, extrapolation values, boxes inside, across
and outside the image, every input dtype, and TF's errors for bad boxes and box indices."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import RUNTIMES, convert_fn
from opbridge.testing import assert_parity, run_tflite

# (y1, x1, y2, x2), normalized: whole image, inside, across the border,
# entirely outside, flipped, a point, a line, landing on pixel halves (nearest
# rounds them away from zero), huge.
BOXES = np.array(
    [
        [0.0, 0.0, 1.0, 1.0],
        [0.1, 0.2, 0.8, 0.9],
        [-0.2, -0.3, 1.2, 1.1],
        [1.5, 1.2, 2.0, 3.0],
        [0.9, 0.8, 0.1, 0.3],
        [0.5, 0.5, 0.5, 0.5],
        [0.25, 0.0, 0.25, 1.0],
        [0.0, 0.125, 0.375, 0.625],
        [-30.0, -20.0, 40.0, 25.0],
    ],
    np.float32,
)
CROP_SIZES = [(5, 7), (1, 1), (1, 4), (3, 1), (14, 14)]
EXTRAPOLATION = [0.0, -1.5, float("nan")]
# Measured: bit-identical to TF (same float arithmetic per sample).
TOL = {"rtol": 1e-6, "atol": 1e-6}


def every_setting(tf, method):
    def fn(image, boxes, box_ind):
        return [
            tf.image.crop_and_resize(image, boxes, box_ind, size, method=method, extrapolation_value=value)
            for size in CROP_SIZES
            for value in EXTRAPOLATION
        ]

    return fn


def image(rng, shape, dtype):
    if np.dtype(dtype).kind in "iu":
        info = np.iinfo(dtype)
        return rng.integers(max(info.min, -30000), min(info.max, 30000), shape).astype(dtype)
    return rng.random(shape).astype(dtype)


def box_indices(rng, batch):
    return rng.integers(0, batch, len(BOXES)).astype(np.int32)


@pytest.mark.parametrize("method", ["bilinear", "nearest"])
@pytest.mark.parametrize("channels", [1, 3, 4])
def test_crop_and_resize_matches_tf(tf, rng, method, channels):
    x = image(rng, (3, 5, 9, channels), np.float32)
    assert_parity(every_setting(tf, method), [x, BOXES, box_indices(rng, 3)], **TOL, runtimes=RUNTIMES)


@pytest.mark.parametrize(
    "dtype",
    [np.uint8, np.uint16, np.int8, np.int16, np.int32, np.int64, np.float16, np.float64],
    ids=lambda d: np.dtype(d).name,
)
def test_every_image_dtype(tf, rng, dtype):
    x = image(rng, (2, 6, 7, 3), dtype)
    fn = lambda im, b, i: [  # noqa: E731
        tf.image.crop_and_resize(im, b, i, (4, 5), method=m, extrapolation_value=2.5)
        for m in ("bilinear", "nearest")
    ]
    assert_parity(fn, [x, BOXES, box_indices(rng, 2)], **TOL, runtimes=RUNTIMES)


def test_one_pixel_images_and_no_boxes(tf, rng):
    """A 1x1 image (every sample at the centre or outside), no boxes at all, a batch of none."""
    assert_parity(
        every_setting(tf, "bilinear"),
        [image(rng, (2, 1, 1, 2), np.float32), BOXES, box_indices(rng, 2)],
        **TOL,
    )
    none = [np.zeros((0, 4), np.float32), np.zeros((0,), np.int32)]
    assert_parity(every_setting(tf, "nearest"), [image(rng, (2, 4, 4, 2), np.float32), *none], **TOL)
    assert_parity(every_setting(tf, "bilinear"), [image(rng, (0, 4, 4, 2), np.float32), *none], **TOL)
    assert_parity(
        every_setting(tf, "bilinear"),
        [image(rng, (1, 4, 4, 0), np.float32), BOXES, box_indices(rng, 1)],
        **TOL,
    )


def test_non_finite_pixels(tf, rng):
    x = image(rng, (1, 5, 6, 2), np.float32)
    x[0, 2, 3, 0], x[0, 4, 5, 1], x[0, 0, 0, 0] = np.nan, np.inf, -np.inf
    for method in ("bilinear", "nearest"):
        assert_parity(every_setting(tf, method), [x, BOXES, np.zeros(len(BOXES), np.int32)], **TOL)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_crop_size_known_only_at_run_time(tf, rng, runtime):
    model = convert_fn(
        lambda im, b, i, s: tf.image.crop_and_resize(im, b, i, s, method="nearest"),
        ((None, None, None, 3), tf.float32),
        ((None, 4), tf.float32),
        ((None,), tf.int32),
        ((2,), tf.int32),
    )
    for size, n in [((3, 8), 2), ((1, 1), 9), ((9, 2), 1)]:
        x = image(rng, (2, 6, 7, 3), np.float32)
        args = [x, BOXES[:n], box_indices(rng, 2)[:n], np.array(size, np.int32)]
        (got,) = run_tflite(model, args, runtime).values()
        want = tf.image.crop_and_resize(*args, method="nearest").numpy()
        np.testing.assert_allclose(got, want, **TOL)


def dynamic_model(tf):
    return convert_fn(
        lambda im, b, i, s: tf.image.crop_and_resize(im, b, i, s),
        ((None, None, None, None), tf.float32),
        ((None, None), tf.float32),
        ((None,), tf.int32),
        ((None,), tf.int32),
    )


def good_inputs():
    return [
        np.zeros((2, 4, 4, 1), np.float32),
        BOXES[:2],
        np.array([0, 1], np.int32),
        np.array([3, 3], np.int32),
    ]


# (which input, its bad value, TF's error class name, message)
ERRORS = [
    (2, np.array([0, 2], np.int32), "OutOfRangeError", r"box_index has values outside \[0, batch_size\)"),
    (2, np.array([-1, 0], np.int32), "OutOfRangeError", r"box_index has values outside \[0, batch_size\)"),
    (
        1,
        np.array([[0, 0, 1, 1], [0, np.nan, 1, 1]], np.float32),
        "InvalidArgumentError",
        r"Boxes contains at least one element that is not finite",
    ),
    (
        1,
        np.array([[0, 0, 1, np.inf], [0, 0, 1, 1]], np.float32),
        "InvalidArgumentError",
        r"Boxes contains at least one element that is not finite",
    ),
    (3, np.array([0, 3], np.int32), "InvalidArgumentError", r"crop dimensions must be positive"),
    (3, np.array([3, 3, 3], np.int32), "InvalidArgumentError", r"crop_size must have two elements"),
    (1, np.zeros((2, 3), np.float32), "InvalidArgumentError", r"boxes must have 4 columns"),
    (2, np.array([0, 1, 1], np.int32), "InvalidArgumentError", r"box_index has incompatible shape"),
    (0, np.zeros((2, 0, 4, 1), np.float32), "InvalidArgumentError", r"image dimensions must be positive"),
]


@pytest.mark.parametrize("runtime", RUNTIMES)
@pytest.mark.parametrize("which, bad, error, message", ERRORS)
def test_bad_inputs_are_errors_as_in_tf(tf, runtime, which, bad, error, message):
    inputs = good_inputs()
    inputs[which] = bad
    with pytest.raises((getattr(tf.errors, error), ValueError), match=message):
        tf.image.crop_and_resize(*inputs)
    with pytest.raises(RuntimeError, match="CropAndResize: " + message):
        run_tflite(dynamic_model(tf), inputs, runtime)
