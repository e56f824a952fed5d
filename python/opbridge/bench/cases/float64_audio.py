"""GatherV2 and Sum in float64: the ops tf.signal.stft / inverse_stft leave custom on float64
audio (the framing gather and the overlap-add sum), at those pipelines' sizes."""

from __future__ import annotations

from typing import Any

import numpy as np

from .case import Case


def cases(tf: Any, rng: np.random.Generator, scale: int) -> list[Case]:
    samples = max(1600, 160000 // scale)  # 10 s of 16 kHz audio
    audio = rng.standard_normal(samples)
    frames = (samples - 400) // 160 + 1
    # stft's framing: [frames, 400] windows of 160-sample hops, gathered from [samples / 80, 80] rows.
    rows = audio[: samples // 80 * 80].reshape(-1, 80)
    starts = (np.arange(frames)[:, None] * 2 + np.arange(5)[None, :]).astype(np.int32)
    starts = starts[starts[:, -1] < rows.shape[0]]
    # inverse_stft's overlap-add: [frames, 400 / 160 + 1, 160] summed over the middle axis.
    segments = rng.standard_normal((frames, 3, 160))
    return [
        Case(
            "GatherV2",
            f"f64 {list(rows.shape)} rows by [{starts.shape[0]},5] (stft framing)",
            lambda x: tf.gather(x, starts, axis=0),
            [rows],
        ),
        Case(
            "Sum",
            f"f64 {list(segments.shape)} axis 1 (inverse_stft overlap-add)",
            lambda x: tf.reduce_sum(x, 1),
            [segments],
        ),
        Case("Sum", f"f64 {list(segments.shape)} axis 2", lambda x: tf.reduce_sum(x, 2), [segments]),
    ]
