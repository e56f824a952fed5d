"""TF gradients of opbridge's own ops (TF has none for custom ops; DESIGN.md)."""

from __future__ import annotations

from types import ModuleType
from typing import Any


def _str_attr(op: Any, name: str) -> str:
    value = op.get_attr(name)
    return value.decode() if isinstance(value, bytes) else value


def register(library: ModuleType) -> None:
    import tensorflow as tf

    @tf.RegisterGradient("Opbridge>GridSample")
    def _grid_sample_grad(op: Any, grad: Any) -> tuple[Any, Any]:
        return library.opbridge_grid_sample_grad(
            op.inputs[0],
            op.inputs[1],
            grad,
            mode=_str_attr(op, "mode"),
            padding_mode=_str_attr(op, "padding_mode"),
            align_corners=op.get_attr("align_corners"),
        )

    @tf.RegisterGradient("Opbridge>Lgamma")
    def _lgamma_grad(op: Any, grad: Any) -> Any:
        # d/dx log|gamma(x)| = digamma(x), as TF's own Lgamma gradient.
        return grad * tf.math.digamma(op.inputs[0])
