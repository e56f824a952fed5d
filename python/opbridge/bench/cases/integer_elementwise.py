"""Integer elementwise ops the converter leaves custom (docs/ops/integer_ops.md): uint8 image
arithmetic and clipping, int16/uint16 division and modulo, int64 powers by a constant and
by varying exponents, the complex64 exp of a phase rotation, sigmoid and square root, and a cast
to uint64. Inputs come from a generator of this
module's own, so the other modules' cases draw the same values as before these were added."""

from __future__ import annotations

from typing import Any

import numpy as np

from .case import Case


def cases(tf: Any, rng: np.random.Generator, scale: int) -> list[Case]:
    del rng  # see the module docstring
    own = np.random.default_rng(20261205)
    rows = max(8, 1024 // scale)
    label = f"[{rows},256]"
    u8 = own.integers(0, 256, (rows, 256)).astype(np.uint8)
    u8_row = own.integers(1, 256, (256,)).astype(np.uint8)
    i16 = own.integers(-30000, 30000, (rows, 256)).astype(np.int16)
    i16_div = own.integers(1, 300, (rows, 256)).astype(np.int16)
    u16 = own.integers(0, 65536, (rows, 256)).astype(np.uint16)
    u16_div = own.integers(1, 300, (rows, 256)).astype(np.uint16)
    i64 = own.integers(-(2**40), 2**40, (rows, 256)).astype(np.int64)
    phase = own.uniform(-np.pi, np.pi, (rows, 256)).astype(np.float32)
    # Drawn after the others, so their values stay those of earlier runs.
    i64_small = own.integers(-50, 50, (rows, 256)).astype(np.int64)
    exponents = own.integers(0, 16, (rows, 256)).astype(np.int64)
    c64 = (own.normal(size=(rows, 256)) + 1j * own.normal(size=(rows, 256))).astype(np.complex64)
    return [
        Case("AddV2", f"u8 {label} + row", lambda a, b: a + b, [u8, u8_row]),
        Case("Mul", f"u16 {label}", lambda a, b: a * b, [u16, u16_div]),
        Case("FloorDiv", f"i16 {label}", tf.math.floordiv, [i16, i16_div]),
        Case("FloorMod", f"u16 {label}", tf.math.floormod, [u16, u16_div]),
        Case("Maximum", f"u8 {label}, row", tf.math.maximum, [u8, u8_row]),
        Case("Greater", f"u16 {label}", tf.math.greater, [u16, u16_div]),
        Case("Pow", f"i64 {label} ** 3", lambda a: tf.math.pow(a, tf.constant(3, tf.int64)), [i64]),
        Case("ClipByValue", f"u8 {label} [10, 200]", lambda a: tf.clip_by_value(a, 10, 200), [u8]),
        Case("Exp", f"c64 {label} exp(i phase)", lambda p: tf.exp(tf.complex(tf.zeros_like(p), p)), [phase]),
        Case("Cast", f"i64 {label} to u64", lambda a: tf.cast(a, tf.uint64), [i64]),
        Case("Pow", f"i64 {label} ** [0, 16) elementwise", tf.math.pow, [i64_small, exponents]),
        Case("Sigmoid", f"c64 {label}", tf.math.sigmoid, [c64]),
        Case("Sqrt", f"c64 {label}", tf.math.sqrt, [c64]),
    ]
