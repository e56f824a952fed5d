from __future__ import annotations

import struct
from typing import Any

import numpy as np

from .case import Case


def _addons_unpooling(tf: Any) -> Any:
    """TF Addons' MaxUnpooling2D composite (2x2, SAME): the converter fuses it into MaxUnpooling2D."""
    implements = (
        'name: "addons:MaxUnpooling2D" attr { key: "pool_size" value { list {i: 2 i: 2} } } '
        'attr { key: "strides" value { list {i: 2 i: 2} } } attr { key: "padding" value { s: "SAME" } }'
    )

    @tf.function(experimental_implements=implements)
    def unpool(updates: Any, mask: Any) -> Any:
        n, h, w, c = updates.shape
        out = (n, 2 * h, 2 * w, c)
        mask = tf.cast(mask, "int32")
        ones = tf.ones_like(mask)
        b = ones * tf.reshape(tf.range(n), [n, 1, 1, 1])
        y, x, f = mask // (out[2] * c), (mask // c) % out[2], ones * tf.range(c)
        indices = tf.transpose(tf.reshape(tf.stack([b, y, x, f]), [4, -1]))
        return tf.scatter_nd(indices, tf.reshape(updates, [-1]), out)

    return unpool


def _addons_warp(tf: Any) -> Any:
    """TF Addons' dense_image_warp_annotated (its graph: clamped floors, gathers, lerps);
    the converter fuses it into DenseImageWarp."""

    @tf.function(experimental_implements="addons:DenseImageWarp")
    def warp(image: Any, flow: Any) -> Any:
        b, h, w, c = image.shape
        gx, gy = tf.meshgrid(tf.range(w), tf.range(h))
        q = tf.reshape(tf.cast(tf.stack([gy, gx], 2), flow.dtype)[None] - flow, [b, h * w, 2])
        floors, alphas = [], []
        for axis, size in enumerate((h, w)):
            floor = tf.minimum(tf.maximum(0.0, tf.floor(q[:, :, axis])), float(size - 2))
            floors.append(tf.cast(floor, tf.int32))
            alphas.append(tf.minimum(tf.maximum(0.0, q[:, :, axis] - floor), 1.0)[:, :, None])
        flat = tf.reshape(image, [b * h * w, c])
        base = tf.reshape(tf.range(b) * h * w, [b, 1])

        def at(dy: int, dx: int) -> Any:
            return tf.gather(flat, base + (floors[0] + dy) * w + floors[1] + dx)

        top = alphas[1] * (at(0, 1) - at(0, 0)) + at(0, 0)
        bottom = alphas[1] * (at(1, 1) - at(1, 0)) + at(1, 0)
        return tf.reshape(alphas[0] * (bottom - top) + top, [b, h, w, c])

    return warp


def cases(tf: Any, rng: np.random.Generator, scale: int) -> list[Case]:
    import opbridge
    from opbridge import tflite_model

    size = max(8, 128 // scale)
    x = rng.standard_normal((4, size, size, 32)).astype(np.float32)
    pooled = tf.nn.max_pool_with_argmax(x, 2, 2, "SAME")
    updates, argmax = pooled.output.numpy(), pooled.argmax.numpy()
    image = rng.standard_normal((4, size, size, 8)).astype(np.float32)
    flow = rng.uniform(-4, 4, (4, size, size, 2)).astype(np.float32)
    unpool = _addons_unpooling(tf)
    warp = _addons_warp(tf)
    options = struct.pack("<10i", 1, 2, 2, 2, 2, 0, 0, 0, 0, 0)  # TfLitePoolParams: SAME, 2x2, stride 2
    argmax_pool = tflite_model.single_custom_op_model(
        "MaxPoolingWithArgmax2D",
        [("input", x.shape, np.float32)],
        [("output", updates.shape, np.float32), ("indices", updates.shape, np.float32)],
        options=options,
    )
    from ai_edge_litert.interpreter import OpResolverType

    no_xnnpack = {"experimental_op_resolver_type": OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES}
    shape = "x".join(map(str, x.shape))
    image_shape = "x".join(map(str, image.shape))
    return [
        Case(
            "Opbridge>MaxUnpooling2D",
            f"f32 {shape} 2x2",
            lambda u, a: opbridge.ops.max_unpooling_2d(u, a, 2),
            [updates, argmax],
        ),
        Case("MaxUnpooling2D", f"f32 {shape} 2x2, addons composite, int64 mask", unpool, [updates, argmax]),
        Case(
            "MaxPoolingWithArgmax2D",
            f"f32 {shape} 2x2 (TF: max_pool_with_argmax)",
            lambda t: tf.nn.max_pool_with_argmax(t, 2, 2, "SAME"),
            [x],
            model=argmax_pool,
            interpreter_options=no_xnnpack,
        ),
        Case("Opbridge>DenseImageWarp", f"f32 {image_shape}", opbridge.ops.dense_image_warp, [image, flow]),
        Case("DenseImageWarp", f"f32 {image_shape}, addons composite", warp, [image, flow]),
    ]
