from __future__ import annotations

from typing import Any

import numpy as np

from .case import Case


def cases(tf: Any, rng: np.random.Generator, scale: int) -> list[Case]:
    def greedy(logits: Any, lengths: Any) -> tuple[Any, ...]:
        (decoded,), log_prob = tf.nn.ctc_greedy_decoder(logits, lengths)
        return decoded.indices, decoded.values, decoded.dense_shape, log_prob

    time, batch = max(2, 400 // scale), max(1, 32 // scale)
    logits = rng.standard_normal((time, batch, 80)).astype(np.float32)
    lengths = rng.integers(time // 2, time + 1, batch).astype(np.int32)
    return [
        Case("CTCGreedyDecoder", f"f32 [{time},{batch},80]", greedy, [logits, lengths]),
    ]
