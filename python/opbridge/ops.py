"""TensorFlow functions for opbridge's own ops (imports TensorFlow).

TF ops that TFLite lacks (tf.math.erf, tf.linalg.inv, ...) need no wrapper:
use TF's own function and convert with opbridge.convert.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from . import _tf_library, catalog

# Declared once, in ops/image/grid_sample_geometry.h; read from the kernel library.
GRID_SAMPLE_MODES: tuple[str, ...] = tuple(catalog.attr_info("Opbridge>GridSample", "mode").allowed)
GRID_SAMPLE_PADDING_MODES: tuple[str, ...] = tuple(
    catalog.attr_info("Opbridge>GridSample", "padding_mode").allowed
)


def grid_sample(
    image: Any,
    grid: Any,
    mode: str = "bilinear",
    padding_mode: str = "zeros",
    align_corners: bool = False,
    name: str | None = None,
) -> Any:
    """Samples `image` [N, H, W, C] at `grid` [N, Ho, Wo, 2] -> [N, Ho, Wo, C].

    The grid holds normalized (x, y) in [-1, 1]; the semantics are those of
    PyTorch's torch.nn.functional.grid_sample (which is NCHW; this is NHWC).
    Differentiable with respect to image and grid.
    """
    if mode not in GRID_SAMPLE_MODES:
        raise ValueError(f"grid_sample: mode must be one of {GRID_SAMPLE_MODES}, got {mode!r}")
    if padding_mode not in GRID_SAMPLE_PADDING_MODES:
        raise ValueError(
            f"grid_sample: padding_mode must be one of {GRID_SAMPLE_PADDING_MODES}, got {padding_mode!r}"
        )
    return _tf_library.load().opbridge_grid_sample(
        image, grid, mode=mode, padding_mode=padding_mode, align_corners=bool(align_corners), name=name
    )


PADDINGS = ("SAME", "VALID")


def _pair(value: int | Sequence[int], name: str) -> tuple[int, int]:
    pair = (value, value) if isinstance(value, int) else tuple(int(v) for v in value)
    if len(pair) != 2 or min(pair) < 1:
        raise ValueError(f"{name} must be a positive int or 2 positive ints, got {value!r}")
    return pair[0], pair[1]


def max_unpooling_2d(
    updates: Any,
    argmax: Any,
    pool_size: int | Sequence[int] = (2, 2),
    strides: int | Sequence[int] | None = None,
    padding: str = "SAME",
    include_batch_in_index: bool = False,
    output_size: Sequence[int] | None = None,
    name: str | None = None,
) -> Any:
    """Inverse of `tf.nn.max_pool_with_argmax`: adds `updates` [N, h, w, C] into a zero
    [N, H, W, C] output at the flat indices `argmax` holds (repeated indices add up).

    `argmax` is max_pool_with_argmax's (int32 or int64; with `include_batch_in_index`
    if the pooling used it). [H, W] is `output_size` if given, else computed from the
    pooling as TF Addons' MaxUnpooling2D does: SAME h * stride, VALID
    (h - 1) * stride + pool. `strides` defaults to `pool_size`. Differentiable
    with respect to `updates`.
    """
    pool = _pair(pool_size, "max_unpooling_2d: pool_size")
    step = pool if strides is None else _pair(strides, "max_unpooling_2d: strides")
    padding = padding.upper()
    if padding not in PADDINGS:
        raise ValueError(f"max_unpooling_2d: padding must be one of {PADDINGS}, got {padding!r}")
    size = [] if output_size is None else [int(v) for v in output_size]
    if size and (len(size) != 2 or min(size) < 0):
        raise ValueError(f"max_unpooling_2d: output_size must be [height, width], got {output_size!r}")
    return _tf_library.load().opbridge_max_unpooling2d(
        updates,
        argmax,
        pool_size=list(pool),
        strides=list(step),
        padding=padding,
        include_batch_in_index=bool(include_batch_in_index),
        output_size=size,
        name=name,
    )


def dense_image_warp(image: Any, flow: Any, name: str | None = None) -> Any:
    """TF Addons' `dense_image_warp` as one op: `output[b, y, x]` samples `image[b]`
    [B, H, W, C] (H, W >= 2) bilinearly at `(y - flow[b, y, x, 0], x - flow[b, y, x, 1])`,
    queries outside the image taking the edge pixels. `flow` [B, H, W, 2] is cast to
    the image's dtype (float32 or float64). A NaN flow is an error, as in TF Addons.
    Differentiable with respect to image and flow.
    """
    import tensorflow as tf

    image = tf.convert_to_tensor(image)
    flow = tf.cast(flow, image.dtype)
    return _tf_library.load().opbridge_dense_image_warp(image, flow, name=name)
