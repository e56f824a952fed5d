"""CropAndResizeGradImage / CropAndResizeGradBoxes: TFLite kernels vs TF's, bit for bit, in both runtimes,
for every dtype TF registers, both methods (the boxes' gradient is bilinear only), boxes inside, flipped,
past the image, degenerate and overlapping, one-pixel crops, empty box lists, and TF's errors. TF's
kernels crash on non-finite boxes; ours refuse them."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from conftest import RUNTIMES, convert_fn, registered_cpu_dtypes
from opbridge.testing import assert_parity, run_tflite

EXACT = {"rtol": 0.0, "atol": 0.0}
# Inside, a sub-box, flipped (y1 > y2, x1 > x2), reaching past the image, a single point, overlapping the
# second, on two images. Few enough pixels that TF's box sharding runs them in one thread, in order.
BOXES = np.array(
    [
        [0.0, 0.0, 1.0, 1.0],
        [0.2, 0.1, 0.7, 0.9],
        [0.9, 0.8, 0.1, 0.2],
        [-0.3, -0.2, 1.4, 1.3],
        [0.5, 0.5, 0.5, 0.5],
        [0.1, 0.3, 0.6, 0.4],
    ],
    np.float32,
)
BOX_IND = np.array([0, 1, 0, 1, 0, 0], np.int32)
CROPS = [(5, 4), (1, 1), (1, 3), (3, 1)]
IMAGE = (2, 7, 9, 3)


def _grads(rng: np.random.Generator, n: int = len(BOXES)) -> list[np.ndarray]:
    return [rng.standard_normal((n, h, w, IMAGE[3])).astype(np.float32) for h, w in CROPS]


def test_declare_every_dtype_tf_takes(tf: Any) -> None:
    """GradImage: what TF registers. GradBoxes: TF registers 12 types, but its op definition admits 9 (no
    uint32, uint64, bfloat16), so no graph holds the others."""
    from tensorflow.python.framework import op_def_registry

    assert registered_cpu_dtypes("CropAndResizeGradImage") == {"float16", "float32", "float64"}
    allowed = op_def_registry.get("CropAndResizeGradBoxes").attr[0].allowed_values.list.type
    assert {tf.as_dtype(t).name for t in allowed} == {np.dtype(d).name for d in BOXES_DTYPES}


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64], ids=lambda d: np.dtype(d).name)
def test_grad_image_matches_tf_bit_for_bit(tf: Any, rng: np.random.Generator, dtype: Any) -> None:
    def fn(boxes: Any, box_ind: Any, *grads: Any) -> list[Any]:
        return [
            tf.raw_ops.CropAndResizeGradImage(
                grads=g, boxes=boxes, box_ind=box_ind, image_size=IMAGE, T=tf.as_dtype(dtype), method=method
            )
            for g in grads
            for method in ("bilinear", "nearest")
        ]

    assert_parity(fn, [BOXES, BOX_IND, *_grads(rng)], **EXACT, runtimes=RUNTIMES)


BOXES_DTYPES = [
    np.uint8,
    np.uint16,
    np.int8,
    np.int16,
    np.int32,
    np.int64,
    np.float16,
    np.float32,
    np.float64,
]


def _image(rng: np.random.Generator, dtype: Any) -> np.ndarray:
    if np.dtype(dtype).kind in "iu":
        return rng.integers(0, 100, IMAGE).astype(dtype)
    return rng.standard_normal(IMAGE).astype(dtype)


@pytest.mark.parametrize("dtype", BOXES_DTYPES, ids=lambda d: np.dtype(d).name)
def test_grad_boxes_matches_tf_bit_for_bit(tf: Any, rng: np.random.Generator, dtype: Any) -> None:
    def fn(image: Any, boxes: Any, box_ind: Any, *grads: Any) -> list[Any]:
        return [
            tf.raw_ops.CropAndResizeGradBoxes(grads=g, image=image, boxes=boxes, box_ind=box_ind)
            for g in grads
        ]

    assert_parity(fn, [_image(rng, dtype), BOXES, BOX_IND, *_grads(rng)], **EXACT, runtimes=RUNTIMES)


def test_no_boxes_and_non_finite_grads(tf: Any, rng: np.random.Generator) -> None:
    """An empty box list gives a zero image gradient and [0, 4] box gradients; NaN and infinite incoming
    gradients propagate as TF's sums do."""
    grads = _grads(rng)
    grads[0][0, 1, 1, 0], grads[0][1, 2, 2, 1], grads[1][4, 0, 0, 2] = np.nan, np.inf, -np.inf

    def fn(
        image: Any, boxes: Any, box_ind: Any, empty_boxes: Any, empty_ind: Any, empty_grads: Any, *gs: Any
    ):
        outs = []
        for g, b, i in [(empty_grads, empty_boxes, empty_ind)] + [(g, boxes, box_ind) for g in gs]:
            outs.append(
                tf.raw_ops.CropAndResizeGradImage(grads=g, boxes=b, box_ind=i, image_size=IMAGE, T=tf.float32)
            )
            outs.append(tf.raw_ops.CropAndResizeGradBoxes(grads=g, image=image, boxes=b, box_ind=i))
        return outs

    inputs = [
        _image(rng, np.float32),
        BOXES,
        BOX_IND,
        np.zeros((0, 4), np.float32),
        np.zeros((0,), np.int32),
        np.zeros((0, 5, 4, 3), np.float32),
        *grads,
    ]
    assert_parity(fn, inputs, **EXACT, runtimes=RUNTIMES)


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_bad_box_index_is_an_error_as_in_tf(tf: Any, rng: np.random.Generator, runtime: str) -> None:
    grads = rng.standard_normal((2, 3, 3, 3)).astype(np.float32)
    image = _image(rng, np.float32)
    boxes, box_ind = BOXES[:2], np.array([0, 2], np.int32)
    message = r"box_index has values outside \[0, batch_size\)"

    def grad_image(g: Any, b: Any, i: Any) -> Any:
        return tf.raw_ops.CropAndResizeGradImage(grads=g, boxes=b, box_ind=i, image_size=IMAGE, T=tf.float32)

    def grad_boxes(g: Any, x: Any, b: Any, i: Any) -> Any:
        return tf.raw_ops.CropAndResizeGradBoxes(grads=g, image=x, boxes=b, box_ind=i)

    with pytest.raises(tf.errors.OutOfRangeError, match=message):
        grad_image(grads, boxes, box_ind)
    with pytest.raises(tf.errors.OutOfRangeError, match=message):
        grad_boxes(grads, image, boxes, box_ind)
    model = convert_fn(
        grad_image, ((None, 3, 3, 3), tf.float32), ((None, 4), tf.float32), ((None,), tf.int32)
    )
    with pytest.raises(RuntimeError, match="CropAndResizeGradImage: " + message):
        run_tflite(model, [grads, boxes, box_ind], runtime)
    model = convert_fn(
        grad_boxes,
        ((None, 3, 3, 3), tf.float32),
        ((2, 7, 9, 3), tf.float32),
        ((None, 4), tf.float32),
        ((None,), tf.int32),
    )
    with pytest.raises(RuntimeError, match="CropAndResizeGradBoxes: " + message):
        run_tflite(model, [grads, image, boxes, box_ind], runtime)
    # A NaN coordinate: TF's kernels index memory with floor(NaN) and crash; ours refuse the boxes.
    with pytest.raises(RuntimeError, match="CropAndResizeGradBoxes: Boxes contains at least one element"):
        run_tflite(
            model,
            [grads, image, np.array([[0, 0, 1, 1], [0, np.nan, 1, 1]], np.float32), BOX_IND[:2]],
            runtime,
        )


@pytest.mark.parametrize("runtime", RUNTIMES)
@pytest.mark.parametrize(
    "image_size, grads_shape, message",
    [
        ((2, 0, 9, 3), (1, 3, 3, 3), r"image dimensions must be positive"),
        ((2, 7, 9, 4), (1, 3, 3, 3), r"image_size and grads are incompatible"),
        ((2, 7, 9, 3), (1, 0, 3, 3), r"grads dimensions must be positive"),
        ((2, 7, 9, 3), (2, 3, 3, 3), r"boxes and grads have incompatible shape"),
    ],
)
def test_grad_image_shape_errors_as_in_tf(
    tf: Any, runtime: str, image_size: tuple[int, ...], grads_shape: tuple[int, ...], message: str
) -> None:
    grads, boxes, box_ind = np.ones(grads_shape, np.float32), BOXES[:1], BOX_IND[:1]

    def fn(g: Any, b: Any, i: Any, s: Any) -> Any:
        return tf.raw_ops.CropAndResizeGradImage(grads=g, boxes=b, box_ind=i, image_size=s, T=tf.float32)

    size = np.array(image_size, np.int32)
    with pytest.raises(tf.errors.InvalidArgumentError, match=message):
        fn(grads, boxes, box_ind, size)
    model = convert_fn(
        fn, ((None,) * 4, tf.float32), ((None, 4), tf.float32), ((None,), tf.int32), ((4,), tf.int32)
    )
    with pytest.raises(RuntimeError, match="CropAndResizeGradImage: .*" + message):
        run_tflite(model, [grads, boxes, box_ind, size], runtime)
