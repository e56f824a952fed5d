"""DrawBoundingBoxes and DrawBoundingBoxesV2: TFLite kernels vs TF's CPU kernel, pixel for pixel."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import RUNTIMES, convert_fn
from opbridge import tflite_model
from opbridge.testing import assert_parity, run_tflite

# Pixels are copies or (rounded) colors: TF's output exactly.
EXACT = {"rtol": 0, "atol": 0}


def some_boxes(rng, batch: int, num: int) -> np.ndarray:
    """Boxes inside, across the borders, wholly outside, inverted, degenerate and non-finite."""
    boxes = rng.uniform(-0.4, 1.4, (batch, num, 4)).astype(np.float32)
    special = np.array(
        [
            [0.1, 0.2, 0.8, 0.9],  # inside
            [0.0, 0.0, 1.0, 1.0],  # the border of the image
            [-0.5, -0.5, 1.5, 1.5],  # around the image: no side drawn
            [0.5, 0.5, 0.5, 0.5],  # one pixel
            [0.9, 0.1, 0.2, 0.8],  # inverted rows: skipped
            [1.2, 0.1, 1.5, 0.8],  # below the image: skipped
            [np.nan, 0.1, 0.6, 0.7],  # NaN: INT64_MIN as in TF's build
            [0.2, -np.inf, 0.6, np.inf],
            [-1e30, 0.3, 1e30, 0.4],
            [0.3, 0.3, 0.7, 2.0],  # right side outside: clipped
        ],
        np.float32,
    )
    boxes[:, : min(num, len(special))] = special[: min(num, len(special))]
    return boxes


@pytest.mark.parametrize("dtype", [np.float32, np.float16], ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("depth", [1, 3, 4])
def test_draw_bounding_boxes_matches_tf(tf, rng, depth, dtype):
    """V1 (default colors) and V2 (given colors, fewer than boxes; empty colors) in one model."""
    images = rng.random((3, 9, 13, depth)).astype(dtype)
    boxes = some_boxes(rng, 3, 24)
    colors = rng.standard_normal((3, 5)).astype(np.float32)
    empty_colors = np.zeros((0, 4), np.float32)

    def fn(x, b, c):
        return [
            tf.raw_ops.DrawBoundingBoxes(images=x, boxes=b),
            tf.raw_ops.DrawBoundingBoxesV2(images=x, boxes=b, colors=c),
            tf.raw_ops.DrawBoundingBoxesV2(images=x, boxes=b, colors=empty_colors),
        ]

    report = assert_parity(fn, [images, boxes, colors], **EXACT, runtimes=RUNTIMES)
    assert tflite_model.custom_op_counts(report.model) == {"DrawBoundingBoxes": 1, "DrawBoundingBoxesV2": 2}


@pytest.mark.parametrize(
    "image_shape, num_boxes",
    [((1, 1, 1, 3), 4), ((2, 1, 6, 3), 5), ((1, 6, 1, 4), 5), ((2, 16, 16, 3), 0), ((0, 5, 5, 3), 3)],
    ids=str,
)
def test_draw_bounding_boxes_shapes(tf, rng, image_shape, num_boxes):
    """One-pixel-high or -wide images (size - 1 is 0), no boxes, an empty batch."""
    images = rng.random(image_shape).astype(np.float32)
    boxes = some_boxes(rng, image_shape[0], num_boxes)
    colors = rng.random((2, 4)).astype(np.float32)
    fn = lambda x, b: tf.image.draw_bounding_boxes(x, b, colors)  # noqa: E731
    assert_parity(fn, [images, boxes], **EXACT, runtimes=RUNTIMES)


def test_draw_bounding_boxes_twelve_boxes_cycle_default_colors(tf, rng):
    """More boxes than TF's ten default colors: box k takes color k mod 10, later boxes on top."""
    images = np.zeros((1, 24, 24, 3), np.float32)
    lo = np.linspace(0, 0.5, 12, dtype=np.float32)
    boxes = np.stack([lo, lo, lo + 0.4, lo + 0.45], axis=-1)[None]
    out = assert_parity(
        lambda x, b: tf.raw_ops.DrawBoundingBoxes(images=x, boxes=b),
        [images, boxes],
        **EXACT,
        runtimes=RUNTIMES,
    )
    assert out.worst() == 0


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_errors_as_in_tf(tf, rng, runtime):
    v2 = lambda x, b, c: tf.raw_ops.DrawBoundingBoxesV2(images=x, boxes=b, colors=c)  # noqa: E731
    model = convert_fn(v2, ((None,) * 4, tf.float32), ((None,) * 3, tf.float32), ((None, None), tf.float32))
    boxes = np.full((1, 1, 4), 0.5, np.float32)
    cases = [
        ((1, 4, 4, 2), boxes, (1, 4), r"Channel depth should be either 1 \(GRY\), 3 \(RGB\), or 4 \(RGBA\)"),
        ((2, 4, 4, 3), boxes, (1, 4), r"The batch sizes should be the same"),
        (
            (1, 4, 4, 3),
            np.zeros((1, 1, 5), np.float32),
            (1, 4),
            r"The size of the third dimension of the box must be 4\. Received: 5",
        ),
        ((1, 4, 4, 4), boxes, (2, 3), r"colors must have equal or more channels than the image provided"),
        # A box not skipped on an image of height 0: TF's clamp check fails.
        (
            (1, 0, 4, 3),
            np.array([[[1.0, 0.0, 0.0, 1.0]]], np.float32),
            (1, 3),
            r"Max box row clamp is less than 0",
        ),
    ]
    for image_shape, b, colors_shape, message in cases:
        images = np.zeros(image_shape, np.float32)
        colors = np.ones(colors_shape, np.float32)
        with pytest.raises(tf.errors.InvalidArgumentError, match=message):
            v2(images, b, colors)
        with pytest.raises(RuntimeError, match="DrawBoundingBoxesV2: " + message):
            run_tflite(model, [images, b, colors], runtime)
