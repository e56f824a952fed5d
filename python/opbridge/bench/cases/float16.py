"""Half-precision ops, which the converter leaves custom (tools/census_float64.py --dtype float16):
a few of a mixed-precision model's common ops on a [rows, 256] float16 matrix, and Atan2, whose
half kernel is its own op; and the ops of a mixed_float16 Keras MobileNetV2/EfficientNet block
(convolutions, depthwise, Relu6, Sigmoid of swish, the squeeze-and-excitation Mul) on a
[1, 40, 40, 96] feature map (docs/design.md "float16 and the other small dtypes")."""

from __future__ import annotations

from typing import Any

import numpy as np

from .case import Case


def cases(tf: Any, rng: np.random.Generator, scale: int) -> list[Case]:
    rows = max(8, 1024 // scale)
    x = rng.standard_normal((rows, 256)).astype(np.float16)
    y = rng.standard_normal((rows, 256)).astype(np.float16)
    w = (rng.standard_normal((256, 64)) / 16).astype(np.float16)
    label = f"f16 [{rows},256]"
    return [
        Case("Atan2", f"{label} by [{rows},256]", tf.math.atan2, [x, y]),
        Case("AddV2", f"{label} + [{rows},256]", tf.math.add, [x, y]),
        Case("Exp", label, tf.math.exp, [x]),
        Case("Softmax", label, tf.nn.softmax, [x]),
        Case("Mean", f"{label} axis 1", lambda a: tf.reduce_mean(a, 1), [x]),
        Case("BatchMatMulV2", f"{label} @ [256,64]", lambda a, b: tf.linalg.matmul(a[None], b), [x, w]),
        *block_cases(tf, rng, scale),
    ]


def block_cases(tf: Any, rng: np.random.Generator, scale: int) -> list[Case]:
    side = max(8, 40 // scale)
    fmap = rng.uniform(-2, 2, (1, side, side, 96)).astype(np.float16)
    gate = rng.uniform(0, 1, (1, 1, 1, 96)).astype(np.float16)
    dw = (rng.standard_normal((3, 3, 96, 1)) / 3).astype(np.float16)
    w3 = (rng.standard_normal((3, 3, 96, 32)) / 30).astype(np.float16)
    w1 = (rng.standard_normal((1, 1, 96, 32)) / 10).astype(np.float16)
    label = f"f16 [1,{side},{side},96]"

    def depthwise(a: Any, f: Any) -> Any:
        return tf.nn.depthwise_conv2d(a, f, [1, 1, 1, 1], "SAME")

    def conv(a: Any, f: Any) -> Any:
        return tf.nn.conv2d(a, f, 1, "SAME")

    return [
        Case("DepthwiseConv2dNative", f"{label} 3x3 SAME", depthwise, [fmap, dw]),
        Case("Conv2D", f"{label} 3x3x96 -> 32 SAME", conv, [fmap, w3]),
        Case("Conv2D", f"{label} 1x1x96 -> 32", conv, [fmap, w1]),
        Case("Relu6", label, tf.nn.relu6, [fmap]),
        Case("Sigmoid", label, tf.math.sigmoid, [fmap]),
        Case("Mul", f"{label} * [1,1,1,96] (squeeze-excite)", tf.math.multiply, [fmap, gate]),
    ]
