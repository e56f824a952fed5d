"""Half-precision ops, which the converter leaves custom (tools/census_float64.py --dtype float16):
a few of a mixed-precision model's common ops on a [rows, 256] float16 matrix, and Atan2, whose
half kernel is its own op. The half kernels are scalar code (docs/design.md "float16 and the other
small dtypes"): these cases show what that costs against TF."""

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
    ]
