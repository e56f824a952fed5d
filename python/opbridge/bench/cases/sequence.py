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

    def beam(logits: Any, lengths: Any) -> list[Any]:
        decoded, log_prob = tf.nn.ctc_beam_search_decoder(logits, lengths, beam_width=16, top_paths=2)
        return [t for s in decoded for t in (s.indices, s.values, s.dense_shape)] + [log_prob]

    beam_time, beam_batch = max(2, 100 // scale), max(1, 8 // scale)
    beam_logits = rng.standard_normal((beam_time, beam_batch, 30)).astype(np.float32)
    beam_lengths = np.full(beam_batch, beam_time, np.int32)
    return [
        Case("CTCGreedyDecoder", f"f32 [{time},{batch},80]", greedy, [logits, lengths]),
        Case(
            "CTCBeamSearchDecoder",
            f"f32 [{beam_time},{beam_batch},30] beam 16, 2 paths",
            beam,
            [beam_logits, beam_lengths],
        ),
    ]
