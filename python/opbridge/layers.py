"""Keras layers for opbridge's own ops (imports TensorFlow and Keras)."""

from __future__ import annotations

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
