"""The gradients of the resize ops and of MirrorPad (what a train step through tf.image.resize or
tf.pad(mode='REFLECT') runs), and ExtractVolumePatches, at sizes a small on-device model has."""

from __future__ import annotations

from typing import Any

import numpy as np

from .case import Case


def cases(tf: Any, rng: np.random.Generator, scale: int) -> list[Case]:
    side = max(4, 64 // scale)
    channels = 16
    small = rng.standard_normal((4, side, side, channels)).astype(np.float32)
    big = rng.standard_normal((4, 2 * side, 2 * side, channels)).astype(np.float32)
    original = np.zeros((4, side, side, channels), np.float32)
    shape = f"[4, {side}, {side}, {channels}]"
    big_shape = f"[4, {2 * side}, {2 * side}, {channels}]"

    def bilinear(g: Any, o: Any) -> Any:
        return tf.raw_ops.ResizeBilinearGrad(grads=g, original_image=o, half_pixel_centers=True)

    def bicubic(g: Any, o: Any) -> Any:
        return tf.raw_ops.ResizeBicubicGrad(grads=g, original_image=o, half_pixel_centers=True)

    def nearest(g: Any) -> Any:
        return tf.raw_ops.ResizeNearestNeighborGrad(grads=g, size=(side, side), half_pixel_centers=True)

    padded = rng.standard_normal((4, side + 6, side + 6, channels)).astype(np.float32)
    pads = np.array([[0, 0], [3, 3], [3, 3], [0, 0]], np.int32)
    vside = max(4, 16 // scale)
    volume = rng.standard_normal((2, vside, vside, vside, 8)).astype(np.float32)
    # An ROI head's crops: 64 boxes of 14x14 over 2 feature maps.
    fside = max(8, 64 // scale)
    num_boxes = max(4, 64 // scale)
    corners = np.sort(rng.uniform(0, 1, (num_boxes, 2, 2)), axis=1)
    boxes = corners.transpose(0, 2, 1).reshape(num_boxes, 4)[:, [0, 2, 1, 3]].astype(np.float32)
    box_ind = rng.integers(0, 2, num_boxes).astype(np.int32)
    crop_grads = rng.standard_normal((num_boxes, 14, 14, channels)).astype(np.float32)
    features = rng.standard_normal((2, fside, fside, channels)).astype(np.float32)
    image_size = (2, fside, fside, channels)
    crop_label = f"f32 {num_boxes} boxes 14x14 of [2, {fside}, {fside}, {channels}]"
    return [
        Case(
            "CropAndResizeGradImage",
            crop_label,
            lambda g, b, i: tf.raw_ops.CropAndResizeGradImage(
                grads=g, boxes=b, box_ind=i, image_size=image_size, T=tf.float32
            ),
            [crop_grads, boxes, box_ind],
        ),
        Case(
            "CropAndResizeGradBoxes",
            crop_label,
            lambda g, x, b, i: tf.raw_ops.CropAndResizeGradBoxes(grads=g, image=x, boxes=b, box_ind=i),
            [crop_grads, features, boxes, box_ind],
        ),
        Case("ResizeBilinearGrad", f"f32 {big_shape}->{shape} (2x, half_pixel)", bilinear, [big, original]),
        Case(
            "ResizeBilinearGrad",
            f"f64 {big_shape}->{shape} (2x, half_pixel)",
            bilinear,
            [big, original.astype(np.float64)],
        ),
        Case(
            "ResizeBilinearGrad",
            f"f32 {shape}->{big_shape} (0.5x)",
            bilinear,
            [small, np.zeros_like(big)],
        ),
        Case("ResizeNearestNeighborGrad", f"f32 {big_shape}->{shape} (2x)", nearest, [big]),
        Case("ResizeBicubicGrad", f"f32 {big_shape}->{shape} (2x, half_pixel)", bicubic, [big, original]),
        Case(
            "MirrorPadGrad",
            f"f32 [4, {side + 6}, {side + 6}, {channels}] REFLECT 3",
            lambda x: tf.raw_ops.MirrorPadGrad(input=x, paddings=pads, mode="REFLECT"),
            [padded],
        ),
        Case(
            "ExtractVolumePatches",
            f"f32 [2, {vside}, {vside}, {vside}, 8] 3x3x3 SAME",
            lambda x: tf.extract_volume_patches(x, [1, 3, 3, 3, 1], [1, 1, 1, 1, 1], "SAME"),
            [volume],
        ),
    ]
