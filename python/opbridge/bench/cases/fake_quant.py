"""FakeQuant ops as a quantization-aware-trained model exported as float carries them: per-channel
on a [16,32,32,64] activation-sized tensor (64 channels, min/max fed as tensors), and per tensor
through the Opbridge> substitutes (Args with constant ranges, Vars with computed ones)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .case import Case


def cases(tf: Any, rng: np.random.Generator, scale: int) -> list[Case]:
    batch = max(1, 16 // scale)
    x = rng.standard_normal((batch, 32, 32, 64)).astype(np.float32) * 2
    mins = -rng.uniform(0.5, 3, 64).astype(np.float32)
    maxs = rng.uniform(0.5, 3, 64).astype(np.float32)
    label = f"f32 [{batch},32,32,64]"
    return [
        Case(
            "FakeQuantWithMinMaxVarsPerChannel",
            f"{label} by 64 channels, 8 bits",
            lambda v, lo, hi: tf.quantization.fake_quant_with_min_max_vars_per_channel(v, lo, hi),
            [x, mins, maxs],
        ),
        Case(
            "Opbridge>FakeQuantWithMinMaxArgs",
            f"{label}, 8 bits narrow",
            lambda v: tf.quantization.fake_quant_with_min_max_args(v, -2.5, 3.0, narrow_range=True),
            [x],
        ),
        Case(
            "Opbridge>FakeQuantWithMinMaxVars",
            f"{label}, 4 bits",
            lambda v, lo, hi: tf.quantization.fake_quant_with_min_max_vars(v, lo, hi, num_bits=4),
            [x, np.float32(-1.5), np.float32(2.5)],
        ),
    ]
