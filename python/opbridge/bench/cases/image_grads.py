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
    return [
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
