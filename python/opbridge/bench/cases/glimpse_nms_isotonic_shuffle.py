"""ExtractGlimpse(V2), NonMaxSuppressionWithOverlaps, IsotonicRegression and StatelessShuffle at
sizes models use them: glimpses of an attention model over a batch of images (zero noise, partly
outside the images), NMS over a few hundred boxes' overlap matrix, isotonic calibration of many
rows, and shuffling an index vector and a batch of rows with a seed input."""

from __future__ import annotations

from typing import Any

import numpy as np

from .case import Case


def cases(tf: Any, rng: np.random.Generator, scale: int) -> list[Case]:
    batch = max(2, 32 // scale)
    images = rng.normal(size=(batch, 96, 96, 3)).astype(np.float32)
    offsets = rng.uniform(-1.2, 1.2, (batch, 2)).astype(np.float32)
    size = np.array([48, 48], np.int32)

    def glimpse(x: Any, s: Any, o: Any) -> Any:
        return tf.image.extract_glimpse(x, s, o, noise="zero")

    def glimpse_v1(x: Any, s: Any, o: Any) -> Any:
        return tf.raw_ops.ExtractGlimpse(input=x, size=s, offsets=o, noise="zero", uniform_noise=False)

    n = max(16, 1000 // scale)
    boxes = np.sort(rng.uniform(0, 1, (n, 4)).astype(np.float32), axis=1)
    lo = np.maximum(boxes[:, None, :2], boxes[None, :, :2])
    hi = np.minimum(boxes[:, None, 2:], boxes[None, :, 2:])
    inter = np.prod(np.clip(hi - lo, 0, None), axis=2)
    area = np.prod(boxes[:, 2:] - boxes[:, :2], axis=1)
    overlaps = (inter / (area[:, None] + area[None, :] - inter)).astype(np.float32)
    scores = rng.uniform(0, 1, n).astype(np.float32)

    def nms(o: Any, s: Any) -> Any:
        return tf.image.non_max_suppression_overlaps(o, s, 100, 0.5, 0.1)

    rows = rng.normal(size=(max(4, 4096 // scale), 256)).astype(np.float32)
    seed = np.array([7, 11], np.int64)
    index = np.arange(max(16, 1 << 20 // scale), dtype=np.int64)
    batch_rows = rng.normal(size=(max(16, 16384 // scale), 64)).astype(np.float32)
    shuffle = tf.random.experimental.stateless_shuffle
    return [
        Case(
            "ExtractGlimpseV2", f"[{batch}, 96, 96, 3] -> 48x48, zero noise", glimpse, [images, size, offsets]
        ),
        Case(
            "ExtractGlimpse",
            f"[{batch}, 96, 96, 3] -> 48x48, zero noise",
            glimpse_v1,
            [images, size, offsets],
        ),
        Case("NonMaxSuppressionWithOverlaps", f"[{n}, {n}] overlaps, 100 out", nms, [overlaps, scores]),
        Case(
            "IsotonicRegression",
            f"float32 {list(rows.shape)}",
            lambda x: tf.nn.isotonic_regression(x),
            [rows],
        ),
        Case("StatelessShuffle", f"int64 [{index.size}]", lambda x, s: shuffle(x, s), [index, seed]),
        Case(
            "StatelessShuffle",
            f"float32 {list(batch_rows.shape)}",
            lambda x, s: shuffle(x, s),
            [batch_rows, seed],
        ),
    ]
