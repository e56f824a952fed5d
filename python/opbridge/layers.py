"""Keras layers for opbridge's own ops (imports TensorFlow and Keras)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import keras

from . import ops


@keras.saving.register_keras_serializable(package="opbridge")
class GridSample(keras.layers.Layer):
    """`opbridge.ops.grid_sample` as a layer: called with `[image, grid]`."""

    def __init__(
        self, mode: str = "bilinear", padding_mode: str = "zeros", align_corners: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        if mode not in ops.GRID_SAMPLE_MODES:
            raise ValueError(f"GridSample: mode must be one of {ops.GRID_SAMPLE_MODES}, got {mode!r}")
        if padding_mode not in ops.GRID_SAMPLE_PADDING_MODES:
            raise ValueError(
                f"GridSample: padding_mode must be one of {ops.GRID_SAMPLE_PADDING_MODES}, "
                f"got {padding_mode!r}"
            )
        self.mode = mode
        self.padding_mode = padding_mode
        self.align_corners = bool(align_corners)

    def call(self, inputs: Any) -> Any:
        image, grid = inputs
        return ops.grid_sample(image, grid, self.mode, self.padding_mode, self.align_corners)

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        image_shape, grid_shape = input_shape
        return (image_shape[0], grid_shape[1], grid_shape[2], image_shape[3])

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "mode": self.mode,
            "padding_mode": self.padding_mode,
            "align_corners": self.align_corners,
        }


@keras.saving.register_keras_serializable(package="opbridge")
class MaxUnpooling2D(keras.layers.Layer):
    """`opbridge.ops.max_unpooling_2d` as a layer: called with `[updates, argmax]`, where
    `argmax` is `tf.nn.max_pool_with_argmax`'s (pooled with the same pool_size, strides,
    padding and include_batch_in_index)."""

    def __init__(
        self,
        pool_size: int | Sequence[int] = (2, 2),
        strides: int | Sequence[int] | None = None,
        padding: str = "SAME",
        include_batch_in_index: bool = False,
        output_size: Sequence[int] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.pool_size = ops._pair(pool_size, "MaxUnpooling2D: pool_size")
        self.strides = self.pool_size if strides is None else ops._pair(strides, "MaxUnpooling2D: strides")
        self.padding = padding.upper()
        if self.padding not in ops.PADDINGS:
            raise ValueError(f"MaxUnpooling2D: padding must be one of {ops.PADDINGS}, got {padding!r}")
        self.include_batch_in_index = bool(include_batch_in_index)
        self.output_size = None if output_size is None else tuple(int(v) for v in output_size)

    def call(self, inputs: Any) -> Any:
        updates, argmax = inputs
        return ops.max_unpooling_2d(
            updates,
            argmax,
            self.pool_size,
            self.strides,
            self.padding,
            self.include_batch_in_index,
            self.output_size,
        )

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        batch, height, width, channels = input_shape[0]
        if self.output_size is not None:
            return (batch, *self.output_size, channels)

        def unpooled(size: int | None, pool: int, stride: int) -> int | None:
            if size is None:
                return None
            return size * stride if self.padding == "SAME" else max(size - 1, 0) * stride + pool * (size > 0)

        return (
            batch,
            unpooled(height, self.pool_size[0], self.strides[0]),
            unpooled(width, self.pool_size[1], self.strides[1]),
            channels,
        )

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "pool_size": self.pool_size,
            "strides": self.strides,
            "padding": self.padding,
            "include_batch_in_index": self.include_batch_in_index,
            "output_size": self.output_size,
        }


@keras.saving.register_keras_serializable(package="opbridge")
class DenseImageWarp(keras.layers.Layer):
    """`opbridge.ops.dense_image_warp` as a layer: called with `[image, flow]`."""

    def call(self, inputs: Any) -> Any:
        image, flow = inputs
        return ops.dense_image_warp(image, flow)

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        return tuple(input_shape[0])
