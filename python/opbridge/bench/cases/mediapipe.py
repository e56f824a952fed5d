"""MediaPipe's TFLite custom ops, run in hand-made models (no TF function converts to them);
TF runs its nearest equivalent computation."""

from __future__ import annotations

import struct
from typing import Any

import numpy as np

from .case import Case


def cases(tf: Any, rng: np.random.Generator, scale: int) -> list[Case]:
    from ai_edge_litert.interpreter import OpResolverType
    from flatbuffers import flexbuffers

    from opbridge import tflite_model

    # Our kernels, not XNNPACK's (it takes Convolution2DTransposeBias over).
    ours = {"experimental_op_resolver_type": OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES}
    size = max(4, 64 // scale)

    x = rng.standard_normal((1, size, size, 32)).astype(np.float32)
    weights = rng.standard_normal((16, 4, 4, 32)).astype(np.float32)
    bias = rng.standard_normal(16).astype(np.float32)
    conv = tflite_model.single_custom_op_model(
        "Convolution2DTransposeBias",
        [("input", x.shape, np.float32), ("weights", weights.shape, np.float32), ("bias", [16], np.float32)],
        [("output", [1, 2 * size, 2 * size, 16], np.float32)],
        options=struct.pack("<3i", 1, 2, 2),  # SAME, stride 2
    )

    def conv_tf(x: Any, w: Any, b: Any) -> Any:
        filters = tf.transpose(w, [1, 2, 0, 3])
        return tf.nn.conv2d_transpose(x, filters, [1, 2 * size, 2 * size, 16], 2, padding="SAME") + b

    image = rng.standard_normal((1, 4 * size, 4 * size, 3)).astype(np.float32)
    matrix = np.eye(4, dtype=np.float32)
    matrix[:2, :2] = [[0.9, -0.2], [0.2, 0.9]]
    matrix[:2, 3] = [5.0, 3.0]
    out = 4 * size
    resample = tflite_model.single_custom_op_model(
        "TransformTensorBilinear",
        [("input", image.shape, np.float32), ("matrix", [1, 1, 4, 4], np.float32)],
        [("output", [1, out, out, 3], np.float32)],
        options=flexbuffers.Dumps({"output_height": out, "output_width": out}),
        version=2,
    )

    def resample_tf(image: Any, m: Any) -> Any:
        m = tf.reshape(m, [4, 4])
        transform = tf.stack([m[0, 0], m[0, 1], m[0, 3], m[1, 0], m[1, 1], m[1, 3], 0.0, 0.0])[None]
        return tf.raw_ops.ImageProjectiveTransformV3(
            images=image,
            transforms=transform,
            output_shape=[out, out],
            fill_value=0.0,
            interpolation="BILINEAR",
            fill_mode="CONSTANT",
        )

    landmarks = rng.uniform(0, 256, (1, 478, 3)).astype(np.float32)
    transform_landmarks = tflite_model.single_custom_op_model(
        "TransformLandmarks",
        [("landmarks", landmarks.shape, np.float32), ("matrix", [1, 4, 4], np.float32)],
        [("output", landmarks.shape, np.float32)],
        version=2,
    )

    def landmarks_tf(points: Any, m: Any) -> Any:
        xy1 = tf.concat([points[..., :2], tf.zeros_like(points[..., :1]), tf.ones_like(points[..., :1])], -1)
        return tf.concat([tf.einsum("bnk,bjk->bnj", xy1, m[:, :2]), points[..., 2:]], -1)

    subset = list(range(0, 468, 4))
    to_matrix = tflite_model.single_custom_op_model(
        "Landmarks2TransformMatrix",
        [("landmarks", landmarks.shape, np.float32)],
        [("matrix", [1, 4, 4], np.float32)],
        options=flexbuffers.Dumps(
            {
                "subset_idxs": subset,
                "left_rotation_idx": 33,
                "right_rotation_idx": 263,
                "target_rotation_radians": 0.0,
                "output_height": 256,
                "output_width": 256,
                "scale_x": 1.5,
                "scale_y": 1.5,
            }
        ),
        version=2,
    )

    def matrix_tf(points: Any) -> Any:
        left, right = points[:, 33, :2], points[:, 263, :2]
        r = -tf.atan2(right[:, 1] - left[:, 1], right[:, 0] - left[:, 0])
        c, s = tf.cos(r), tf.sin(r)
        sub = tf.gather(points[..., :2], subset, axis=1)
        rx = c[:, None] * sub[..., 0] - s[:, None] * sub[..., 1]
        ry = s[:, None] * sub[..., 0] + c[:, None] * sub[..., 1]
        w, h = tf.reduce_max(rx, 1) - tf.reduce_min(rx, 1), tf.reduce_max(ry, 1) - tf.reduce_min(ry, 1)
        row0 = tf.stack([c * w, s * h, tf.zeros_like(c), tf.reduce_mean(rx, 1)], -1)
        row1 = tf.stack([-s * w, c * h, tf.zeros_like(c), tf.reduce_mean(ry, 1)], -1)
        return tf.stack([row0, row1, row0, row1], 1)

    eye = np.eye(4, dtype=np.float32)[None]
    return [
        Case(
            "Convolution2DTransposeBias",
            f"[1,{size},{size},32] 4x4/2 -> 16 (TF: conv2d_transpose + bias)",
            conv_tf,
            [x, weights, bias],
            model=conv,
            interpreter_options=ours,
        ),
        Case(
            "TransformTensorBilinear",
            f"[1,{4 * size},{4 * size},3] (TF: ImageProjectiveTransformV3)",
            resample_tf,
            [image, matrix.reshape(1, 1, 4, 4)],
            model=resample,
        ),
        Case(
            "TransformLandmarks",
            "[1,478,3] (TF: einsum)",
            landmarks_tf,
            [landmarks, eye],
            model=transform_landmarks,
        ),
        Case(
            "Landmarks2TransformMatrix",
            f"[1,478,3], {len(subset)} subset points (TF: same math in ops)",
            matrix_tf,
            [landmarks],
            model=to_matrix,
        ),
    ]
