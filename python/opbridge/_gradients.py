"""TF gradients of opbridge's own ops (TF has none for custom ops; docs/design.md)."""

from __future__ import annotations

from types import ModuleType
from typing import Any


def _shared_attrs(op: Any, grad_op: str) -> dict[str, Any]:
    """The forward op's values of the attrs its gradient op declares (they share
    one params struct in C++), type attrs left to TF's inference."""
    from .catalog import find_op

    values = {}
    for attr in find_op(grad_op).attrs:
        if attr.type == "type":
            continue
        value = op.get_attr(attr.name)
        values[attr.name] = value.decode() if isinstance(value, bytes) else value
    return values


def register(library: ModuleType) -> None:
    import tensorflow as tf

    @tf.RegisterGradient("Opbridge>GridSample")
    def _grid_sample_grad(op: Any, grad: Any) -> tuple[Any, Any]:
        return library.opbridge_grid_sample_grad(
            op.inputs[0], op.inputs[1], grad, **_shared_attrs(op, "Opbridge>GridSampleGrad")
        )

    @tf.RegisterGradient("Opbridge>Lgamma")
    def _lgamma_grad(op: Any, grad: Any) -> Any:
        # d/dx log|gamma(x)| = digamma(x), as TF's own Lgamma gradient.
        return grad * tf.math.digamma(op.inputs[0])

    @tf.RegisterGradient("Opbridge>MaxUnpooling2D")
    def _max_unpooling_2d_grad(op: Any, grad: Any) -> tuple[Any, None]:
        # Each update was added at its argmax: its gradient is the output gradient there.
        updates, argmax = op.inputs
        if op.get_attr("include_batch_in_index"):
            picked = tf.gather(tf.reshape(grad, [-1]), tf.reshape(argmax, [-1]))
        else:
            batch = tf.shape(grad)[0]
            picked = tf.gather(tf.reshape(grad, [batch, -1]), tf.reshape(argmax, [batch, -1]), batch_dims=1)
        return tf.reshape(picked, tf.shape(updates)), None

    @tf.RegisterGradient("Opbridge>DenseImageWarp")
    def _dense_image_warp_grad(op: Any, grad: Any) -> tuple[Any, Any]:
        return library.opbridge_dense_image_warp_grad(op.inputs[0], op.inputs[1], grad)
