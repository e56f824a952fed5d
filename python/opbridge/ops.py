"""TensorFlow functions for opbridge's own ops (imports TensorFlow).

TF ops that TFLite lacks (tf.math.erf, tf.linalg.inv, ...) need no wrapper:
use TF's own function and convert with opbridge.convert.
"""

from __future__ import annotations

from typing import Any

from . import _tf_library

GRID_SAMPLE_MODES = ("bilinear", "nearest")
GRID_SAMPLE_PADDING_MODES = ("zeros", "border", "reflection")


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
