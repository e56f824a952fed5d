"""FakeQuant ops as a quantization-aware-trained model exported as float carries them: per-channel
on a [16,32,32,64] activation-sized tensor (64 channels) and per tensor, through the Opbridge>
substitutes opbridge.convert puts in, and TF's names, which a conversion without substitutes
keeps (per channel and Vars with ranges fed as tensors)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .case import Case


def _unsubstituted(tf: Any, fn: Any, inputs: list[Any]) -> bytes:
    """fn converted with TF's op names kept (opbridge.convert(substitute=False))."""
    from ...conversion import convert_model

    specs = [tf.TensorSpec(np.shape(a), tf.as_dtype(np.asarray(a).dtype)) for a in inputs]
    return convert_model(tf.function(fn, input_signature=specs), substitute=False).model


def cases(tf: Any, rng: np.random.Generator, scale: int) -> list[Case]:
    batch = max(1, 16 // scale)
    x = rng.standard_normal((batch, 32, 32, 64)).astype(np.float32) * 2
    mins = -rng.uniform(0.5, 3, 64).astype(np.float32)
    maxs = rng.uniform(0.5, 3, 64).astype(np.float32)
    label = f"f32 [{batch},32,32,64]"
    per_channel = lambda v, lo, hi: tf.quantization.fake_quant_with_min_max_vars_per_channel(v, lo, hi)  # noqa: E731
    four_bits = lambda v, lo, hi: tf.quantization.fake_quant_with_min_max_vars(v, lo, hi, num_bits=4)  # noqa: E731
    ranges = [np.float32(-1.5), np.float32(2.5)]
    return [
        Case(
            "Opbridge>FakeQuantWithMinMaxVarsPerChannel",
            f"{label} by 64 constant channel ranges, 8 bits",
            lambda v: per_channel(v, tf.constant(mins), tf.constant(maxs)),
            [x],
        ),
        Case(
            "FakeQuantWithMinMaxVarsPerChannel",
            f"{label} by 64 channels, 8 bits, substitute=False",
            per_channel,
            [x, mins, maxs],
            model=_unsubstituted(tf, per_channel, [x, mins, maxs]),
        ),
        Case(
            "FakeQuantWithMinMaxVars",
            f"{label}, 4 bits, substitute=False",
            four_bits,
            [x, *ranges],
            model=_unsubstituted(tf, four_bits, [x, *ranges]),
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
