from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .case import Case


def cases(tf: Any, rng: np.random.Generator, scale: int) -> list[Case]:
    import opbridge

    # GridSample is torch's op: TF has none, so its TF column is opbridge's own kernel through the
    # TF op (its torch comparison: docs/design.md).
    own = "reference: opbridge's own kernel through the TF op"

    def sample(mode: str, padding: str) -> Callable[..., Any]:
        return lambda image, grid: opbridge.ops.grid_sample(image, grid, mode, padding, False)

    def images(n: int, size: int, channels: int, dtype: Any = np.float32) -> np.ndarray:
        size = max(4, size // scale)
        if np.issubdtype(dtype, np.integer):
            return rng.integers(0, 256, (n, size, size, channels)).astype(dtype)
        return rng.random((n, size, size, channels)).astype(dtype)

    def shape(a: np.ndarray) -> str:
        return "x".join(map(str, a.shape))

    size = 128 // scale
    image = rng.standard_normal((4, size, size, 16)).astype(np.float32)
    grid = rng.uniform(-1.1, 1.1, (4, size, size, 2)).astype(np.float32)
    grid_shape = shape(image)
    found = [
        Case(
            "Opbridge>GridSample",
            f"f32 bilinear zeros {grid_shape}",
            sample("bilinear", "zeros"),
            [image, grid],
            note=own,
        ),
        Case(
            "Opbridge>GridSample",
            f"f32 bilinear reflection {grid_shape}",
            sample("bilinear", "reflection"),
            [image, grid],
            note=own,
        ),
        Case(
            "Opbridge>GridSample",
            f"f32 nearest border {grid_shape}",
            sample("nearest", "border"),
            [image, grid],
            note=own,
        ),
        Case(
            "Opbridge>GridSample",
            f"f32 bicubic border {grid_shape}",
            sample("bicubic", "border"),
            [image, grid],
            note=own,
        ),
    ]

    # Resizes as tf.image.resize emits them (sizes are constants in the model).
    photo = images(4, 256, 3)
    up, down = max(2, 384 // scale), max(2, 96 // scale)

    def resize(size: int, method: str, antialias: bool = False) -> Callable[..., Any]:
        return lambda x: tf.image.resize(x, [size, size], method=method, antialias=antialias)

    found += [
        Case("ResizeBicubic", f"f32 {shape(photo)} -> {up}", resize(up, "bicubic"), [photo]),
        Case(
            "ResizeBicubic",
            f"u8 {shape(photo)} -> {up} align_corners",
            lambda x: tf.compat.v1.image.resize_bicubic(x, [up, up], align_corners=True),
            [images(4, 256, 3, np.uint8)],
        ),
        Case("ResizeArea", f"f32 {shape(photo)} -> {down}", resize(down, "area"), [photo]),
        # float64: the converter keeps its builtins for float32 and emits these two as custom ops.
        Case(
            "ResizeBilinear",
            f"f64 {shape(images(4, 128, 16, np.float64))} -> {2 * max(4, 128 // scale)} half_pixel_centers",
            resize(2 * max(4, 128 // scale), "bilinear"),
            [images(4, 128, 16, np.float64)],
        ),
        Case(
            "ResizeNearestNeighbor",
            f"f64 {shape(images(4, 128, 16, np.float64))} -> {2 * max(4, 128 // scale)} (2x upsampling)",
            resize(2 * max(4, 128 // scale), "nearest"),
            [images(4, 128, 16, np.float64)],
        ),
        Case(
            "ScaleAndTranslate", f"lanczos3 f32 {shape(photo)} -> {down}", resize(down, "lanczos3"), [photo]
        ),
        Case(
            "ScaleAndTranslate",
            f"triangle antialias f32 {shape(photo)} -> {down}",
            resize(down, "bilinear", antialias=True),
            [photo],
        ),
        Case(
            "ScaleAndTranslate", f"keyscubic f32 {shape(photo)} -> {up}", resize(up, "bicubic", True), [photo]
        ),
    ]

    features = images(4, 128, 16)
    boxes = np.sort(rng.random((256, 2, 2)), axis=1).reshape(256, 4)[:, [0, 2, 1, 3]].astype(np.float32)
    box_ind = rng.integers(0, 4, 256).astype(np.int32)
    for method in ("bilinear", "nearest"):
        found.append(
            Case(
                "CropAndResize",
                f"{method} f32 {shape(features)}, 256 boxes -> 14x14",
                lambda x, b, i, m=method: tf.image.crop_and_resize(x, b, i, [14, 14], method=m),
                [features, boxes, box_ind],
            )
        )

    rgb = images(8, 224, 3)
    found += [
        Case("RGBToHSV", f"f32 {shape(rgb)}", tf.image.rgb_to_hsv, [rgb]),
        Case("HSVToRGB", f"f32 {shape(rgb)}", tf.image.hsv_to_rgb, [rgb]),
        Case("AdjustHue", f"f32 {shape(rgb)}", lambda x: tf.image.adjust_hue(x, 0.2), [rgb]),
        Case("AdjustSaturation", f"f32 {shape(rgb)}", lambda x: tf.image.adjust_saturation(x, 1.6), [rgb]),
        Case("AdjustContrastv2", f"f32 {shape(rgb)}", lambda x: tf.image.adjust_contrast(x, 1.6), [rgb]),
    ]
    # Detections drawn on photos: boxes partly outside included; default and given colors.
    photos = images(4, 256, 3)
    drawn = np.sort(rng.uniform(-0.1, 1.1, (4, 32, 2, 2)), axis=2).reshape(4, 32, 4)[..., [0, 2, 1, 3]]
    drawn = drawn.astype(np.float32)
    palette = rng.random((7, 3)).astype(np.float32)
    found += [
        Case(
            "DrawBoundingBoxes",
            f"f32 {shape(photos)}, 32 boxes",
            lambda x, b: tf.raw_ops.DrawBoundingBoxes(images=x, boxes=b),
            [photos, drawn],
        ),
        Case(
            "DrawBoundingBoxesV2",
            f"f32 {shape(photos)}, 32 boxes, 7 colors",
            lambda x, b: tf.image.draw_bounding_boxes(x, b, palette),
            [photos, drawn],
        ),
    ]

    maps = images(8, 64, 32)
    found += [
        Case(
            "ExtractImagePatches",
            f"f32 {shape(maps)} 3x3 SAME",
            lambda x: tf.image.extract_patches(x, [1, 3, 3, 1], [1, 1, 1, 1], [1, 1, 1, 1], "SAME"),
            [maps],
        ),
        Case(
            "ExtractImagePatches",
            f"u8 {shape(photo)} 16x16 stride 16 VALID",
            lambda x: tf.image.extract_patches(x, [1, 16, 16, 1], [1, 16, 16, 1], [1, 1, 1, 1], "VALID"),
            [images(4, 256, 3, np.uint8)],
        ),
        Case(
            "MaxPoolWithArgmax",
            f"f32 {shape(maps)} 2x2/2 SAME",
            lambda x: tf.nn.max_pool_with_argmax(x, 2, 2, "SAME"),
            [maps],
        ),
        Case(
            "MaxPoolWithArgmax",
            f"f32 {shape(maps)} 3x3/2 VALID, batch in index",
            lambda x: tf.nn.max_pool_with_argmax(x, 3, 2, "VALID", include_batch_in_index=True),
            [maps],
        ),
    ]

    structure = rng.standard_normal((3, 3, 32)).astype(np.float32)
    found.append(
        Case(
            "Dilation2D",
            f"f32 {shape(maps)} 3x3 SAME",
            lambda x, f: tf.nn.dilation2d(x, f, [1, 1, 1, 1], "SAME", "NHWC", [1, 1, 1, 1]),
            [maps, structure],
        )
    )

    # What keras.layers.RandomRotation(0.1, fill_mode="reflect") emits in training.
    small = images(8, 128, 3)
    angle = rng.uniform(-0.6, 0.6, 8)
    c = (small.shape[1] - 1) / 2
    cos, sin = np.cos(angle), np.sin(angle)
    rotations = np.stack(
        [cos, -sin, c - c * cos + c * sin, sin, cos, c - c * sin - c * cos, 0 * cos, 0 * cos], axis=1
    ).astype(np.float32)
    for interpolation, fill_mode in (("BILINEAR", "REFLECT"), ("NEAREST", "CONSTANT")):
        found.append(
            Case(
                "ImageProjectiveTransformV3",
                f"{interpolation.lower()} {fill_mode.lower()} f32 {shape(small)}",
                lambda x, t, i=interpolation, f=fill_mode: tf.raw_ops.ImageProjectiveTransformV3(
                    images=x,
                    transforms=t,
                    output_shape=tf.shape(x)[1:3],
                    fill_value=0.0,
                    interpolation=i,
                    fill_mode=f,
                ),
                [small, rotations],
            )
        )
    found.append(
        Case(
            "ImageProjectiveTransformV2",
            f"bilinear wrap f32 {shape(small)}",
            lambda x, t: tf.raw_ops.ImageProjectiveTransformV2(
                images=x,
                transforms=t,
                output_shape=tf.shape(x)[1:3],
                interpolation="BILINEAR",
                fill_mode="WRAP",
            ),
            [small, rotations],
        )
    )
    return found
